package diagnose

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// part is one committed capture (under pcaps/real) mixed into a busy
// server's day, as a reviewer mixed real captures into one: it starts at
// after the mixture's start, and its addresses are renamed (old=new pairs,
// of the same text length, so that the FTP text keeps its length and the
// TCP sequence numbers stay right; the decoder checks no checksum).
type part struct {
	file   string
	after  time.Duration
	rename []string
}

// mixBase is when a mixture starts.
var mixBase = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// replacements are the byte strings one old=new pair rewrites in a
// packet: the address in IP headers (and in an ICMP error's quoted one),
// its dotted text, and its comma form (PORT, 227).
func replacements(t *testing.T, pair string) [][2][]byte {
	t.Helper()
	o, n, ok := strings.Cut(pair, "=")
	old, err1 := netip.ParseAddr(o)
	nw, err2 := netip.ParseAddr(n)
	if !ok || err1 != nil || err2 != nil || len(o) != len(n) || old.Is4() != nw.Is4() {
		t.Fatalf("rename %q: want old=new, two addresses of one family and of the same text length", pair)
	}
	r := [][2][]byte{{old.AsSlice(), nw.AsSlice()}, {[]byte(o), []byte(n)}}
	if old.Is4() {
		r = append(r, [2][]byte{[]byte(strings.ReplaceAll(o, ".", ",")), []byte(strings.ReplaceAll(n, ".", ","))})
	}
	return r
}

// mixture writes the parts into one pcap, packets in time order, and
// opens it as a capture source.
func mixture(t *testing.T, parts ...part) capture.Source {
	t.Helper()
	type pkt struct {
		ci   gopacket.CaptureInfo
		data []byte
	}
	var all []pkt
	for _, p := range parts {
		var reps [][2][]byte
		for _, r := range p.rename {
			reps = append(reps, replacements(t, r)...)
		}
		src, err := capture.Open(filepath.Join(realDir, p.file))
		if err != nil {
			t.Fatal(err)
		}
		var first time.Time
		for {
			data, ci, link, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if link != layers.LinkTypeEthernet {
				t.Fatalf("%s: link type %s, the mixture writes Ethernet", p.file, link)
			}
			if first.IsZero() {
				first = ci.Timestamp
			}
			b := slices.Clone(data)
			for _, r := range reps {
				b = bytes.ReplaceAll(b, r[0], r[1])
			}
			ci.Timestamp = mixBase.Add(p.after + ci.Timestamp.Sub(first))
			ci.CaptureLength, ci.Length = len(b), len(b)
			all = append(all, pkt{ci, b})
		}
		src.Close()
	}
	slices.SortStableFunc(all, func(a, b pkt) int { return a.ci.Timestamp.Compare(b.ci.Timestamp) })
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(262144, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		if err := w.WritePacket(p.ci, p.data); err != nil {
			t.Fatal(err)
		}
	}
	src, err := capture.OpenReader("mixture", &buf)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// runMixture feeds a mixture through the real pipeline with the
// diagnoser, as run does a file.
func runMixture(t *testing.T, p policy.Policy, parts ...part) (*recorder, *Diagnoser) {
	t.Helper()
	src := mixture(t, parts...)
	defer src.Close()
	rec := &recorder{}
	diag := New(p, rec, rec)
	trk := track.New(diag, track.Options{})
	dec := decode.New(trk, decode.Options{})
	// As run: what was read counts.
	_ = dec.DecodeAll(src)
	dec.Finish()
	trk.Finish()
	return rec, diag
}

// summaryOf is the summary of server srv.
func summaryOf(t *testing.T, diag *Diagnoser, srv string) ServerSummary {
	t.Helper()
	for _, s := range diag.Summaries() {
		if s.Server == netip.MustParseAddrPort(srv) {
			return s
		}
	}
	t.Fatalf("no summary for %s", srv)
	return ServerSummary{}
}

// The clients of the lab captures: 10.99.0.2, server 10.99.0.1.
const labClient = "10.99.0.2"

// routed renames the lab client to another client address.
func routed(to string) []string { return []string{labClient + "=" + to} }
