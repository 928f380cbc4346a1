package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// vantageHostileText is announcement text a hostile server sends around
// a 227's numbers: a CSI, an OSC, a C1 CSI (U+009B), the bare byte 0x9B
// (not UTF-8), a bidi override, a zero-width space, a BEL and '>' (which
// HTML escaping would turn into \u003e).
const vantageHostileText = "\x1b[31mRED\x1b]0;owned\x07|\u009bC1|\x9bRAW|rlo\u202eEVIL|zw\u200bsp|a>b"

// vantageHostileCapture writes one point's capture of a control
// connection whose 227s carry hostile text (one of them, a valid UTF-8
// line longer than the collector keeps, with a two-byte character across
// its bound) and whose PORT the client sends; the data connections are
// answered.
func vantageHostileCapture(t *testing.T, path string, long227 string) {
	t.Helper()
	vantageHostileCaptureAt(t, path, long227, 0)
}

// vantageHostileCaptureAt is vantageHostileCapture at a point hop further
// from the client: what the client sends passes it hop later, what the
// server sends hop earlier (two points of one path never see every packet
// at the same instant; the same capture twice orders nothing).
func vantageHostileCaptureAt(t *testing.T, path string, long227 string, hop time.Duration) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	send := func(src, dst netip.AddrPort, seq, ack uint32, syn, ackf bool, p string) {
		ts = ts.Add(2 * time.Millisecond)
		eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack,
			SYN: syn, ACK: ackf, PSH: p != "", Window: 65535}
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(p)); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		at := ts.Add(-hop)
		if src.Addr() == netip.MustParseAddr("192.0.2.1") {
			at = ts.Add(hop)
		}
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(b), Length: len(b)}, b); err != nil {
			t.Fatal(err)
		}
	}
	handshake := func(cli, srv netip.AddrPort, cseq, sseq uint32) {
		send(cli, srv, cseq, 0, true, false, "")
		send(srv, cli, sseq, cseq+1, true, true, "")
		send(cli, srv, cseq+1, sseq+1, false, true, "")
	}
	cli := netip.MustParseAddrPort("192.0.2.1:50001")
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	cseq, sseq := uint32(1000), uint32(5000)
	handshake(cli, srv, cseq, sseq)
	cseq, sseq = cseq+1, sseq+1
	c := func(p string) { send(cli, srv, cseq, sseq, false, true, p); cseq += uint32(len(p)) }
	s := func(p string) { send(srv, cli, sseq, cseq, false, true, p); sseq += uint32(len(p)) }
	s("220 ready\r\n")
	c("USER anonymous\r\n")
	s("331 ok\r\n")
	c("PASS x\r\n")
	s("230 in\r\n")
	for k, line := range []string{"227 " + vantageHostileText + " (192,0,2,10,195,81)\r\n", long227 + "\r\n"} {
		c("PASV\r\n")
		s(line)
		c("LIST\r\n")
		dcli := netip.AddrPortFrom(cli.Addr(), uint16(51000+k))
		handshake(dcli, netip.MustParseAddrPort("192.0.2.10:50001"), 7000, 9000)
		s("150 here\r\n")
		s("226 done\r\n")
	}
	c("QUIT\r\n")
	s("221 bye\r\n")
}

// TestVantageJSONEscaped guards the records of the merged view
// (vantage, vantage_session, helper_check, helper_step, path): they are
// written as every JSON record is, so no control, C1, bidi or zero-width
// character from the wire appears raw, text that is not UTF-8 keeps its
// bytes in a _raw field (text_raw, original_raw, seen_raw), HTML escaping
// is off, every record carries --observer, and an announcement the
// collector cut says so and stays valid UTF-8.
func TestVantageJSONEscaped(t *testing.T) {
	dir := t.TempDir()
	// The "é" (two bytes) starts at byte 159 of the line: a cut at 160
	// bytes would split it.
	long := "227 Entering Passive Mode (192,0,2,10,195,81) "
	long += strings.Repeat("x", 159-len(long)) + "é and more words past the bound"
	a, b := filepath.Join(dir, "a.pcap"), filepath.Join(dir, "b.pcap")
	vantageHostileCapture(t, a, long)
	vantageHostileCaptureAt(t, b, long, time.Millisecond)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--json", "--observer", "tap-1", "--helper", "linux", "--vantage", "a=" + a, "--vantage", "b=" + b}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	seen := map[string]int{}
	var texts, originals, seens []string
	var cut bool
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if r, ok := inert(line); !ok {
			t.Errorf("raw %U in %s", r, line)
		}
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("bad JSON %q: %v", line, err)
		}
		typ, _ := rec["type"].(string)
		switch typ {
		case "vantage", "vantage_session", "helper_check", "helper_step", "path":
		default:
			continue // each point's own records: tested with read's
		}
		seen[typ]++
		if bytes.Contains(line, []byte(`\u003e`)) || bytes.Contains(line, []byte(`\u003c`)) || bytes.Contains(line, []byte(`\u0026`)) {
			t.Errorf("HTML escaping on: %s", line)
		}
		if rec["observer"] != "tap-1" {
			t.Errorf("%s record without the observer: %s", typ, line)
		}
		switch typ {
		case "vantage_session":
			for _, an := range rec["announcements"].([]any) {
				for _, v := range an.(map[string]any)["views"].([]any) {
					view := v.(map[string]any)
					texts = append(texts, recovered(t, view, "text"))
					if view["text_truncated"] == true {
						cut = true
						if txt := view["text"].(string); !utf8.ValidString(txt) || strings.ContainsRune(txt, utf8.RuneError) || !strings.HasPrefix(long, txt) {
							t.Errorf("cut text %q is not a whole-character start of the line", txt)
						}
					}
				}
			}
		case "helper_step":
			originals = append(originals, recovered(t, rec, "original"))
			if _, ok := rec["seen"]; ok {
				seens = append(seens, recovered(t, rec, "seen"))
			}
		}
	}
	for _, typ := range []string{"vantage", "vantage_session", "helper_check", "helper_step", "path"} {
		if seen[typ] == 0 {
			t.Errorf("no %s record: the test shows nothing of it (%v)", typ, seen)
		}
	}
	want := "227 " + vantageHostileText + " (192,0,2,10,195,81)"
	for what, got := range map[string][]string{"text": texts, "original": originals, "seen": seens} {
		found := false
		for _, s := range got {
			found = found || s == want
		}
		if !found {
			t.Errorf("no %s gives back the hostile 227's bytes %q: %q", what, want, got)
		}
	}
	if !cut {
		t.Errorf("the %d-byte 227 is not marked cut: %q", len(long), texts)
	}
}
