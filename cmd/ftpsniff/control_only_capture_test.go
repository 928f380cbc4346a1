package main

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// tcpdumpPort21 writes the packets of the capture src with a TCP port 21
// into a file of dir, as tcpdump -r src -w out 'port 21' does (the
// newcomer's filtered captures), and returns its path.
func tcpdumpPort21(t *testing.T, dir, src string) string {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r, err := pcapgo.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "p21-"+filepath.Base(src))
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := pcapgo.NewWriter(out)
	if err := w.WriteFileHeader(r.Snaplen(), r.LinkType()); err != nil {
		t.Fatal(err)
	}
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.NoCopy)
		tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil || tcp.SrcPort != 21 && tcp.DstPort != 21 {
			continue
		}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// readSummary is read --summary's text output for args.
func readSummary(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if c := run(append([]string{"read", "--summary", "--color", "never"}, args...), &stdout, &stderr); c != exitOK {
		t.Fatalf("%v: exit %d: %s", args, c, stderr.String())
	}
	return stdout.String()
}

// TestControlOnlyCaptureBlamesNoFirewall guards a capture filtered to
// port 21 (the newcomer's likeliest mistake) against a firewall blamed
// for the data connections the filter left out: active mode blocked on
// the client's side must not become the server's output chain with an
// nft rule for it; passive SYNs dropped must not be "dropped before this
// capture point"; and two such files read together, one whose transfers
// worked, must both say the capture holds the control connections only.
// The same captures unfiltered keep their reading.
func TestControlOnlyCaptureBlamesNoFirewall(t *testing.T) {
	dir := t.TempDir()
	active := tcpdumpPort21(t, dir, "../../pcaps/real/active-client-firewall.pcap")
	drop := tcpdumpPort21(t, dir, "../../pcaps/real/pasv-drop.pcap")
	ok := tcpdumpPort21(t, dir, "../../pcaps/real/passive-curl.pcap")
	const hedge = "the capture holds nothing but the control connections"
	never := []string{"output chain", "nft insert", "iptables -I", "before this capture point", "did not reach this capture point", "not a firewall on the client's side"}
	for _, files := range [][]string{{active}, {drop}, {ok, drop}, {"--workers", "2", ok, drop}} {
		out := readSummary(t, files...)
		if !strings.Contains(out, hedge) {
			t.Errorf("%v: the verdict does not say the capture holds the control connections only:\n%s", files, out)
		}
		for _, n := range never {
			if strings.Contains(out, n) {
				t.Errorf("%v: says %q:\n%s", files, n, out)
			}
		}
	}
	// Unfiltered, the capture shows the data path: the client's side.
	if out := readSummary(t, "../../pcaps/real/active-client-firewall.pcap"); strings.Contains(out, hedge) || !strings.Contains(out, "active-blocked") {
		t.Errorf("unfiltered active-client-firewall.pcap hedged:\n%s", out)
	}
}

// TestControlOnlyCaptureKeepsTheAddressReading guards a capture of the
// control connection alone whose failure the announced address explains
// (a public server's 227 naming its private address, then 425):
// nat-mismatch's reading does not rest on where the capture was taken,
// so data-not-attempted is not hedged as the capture's.
func TestControlOnlyCaptureKeepsTheAddressReading(t *testing.T) {
	c, path := newWireCap(t)
	ctl := &wireConn{c: c, a: netip.MustParseAddrPort("198.51.100.7:50000"), b: netip.MustParseAddrPort("203.0.113.10:21"), aseq: 1000, bseq: 5000}
	ctl.handshake()
	for _, x := range [][2]string{{"", "220 (vsFTPd 3.0.3)"}, {"USER alice", "331 Please specify the password."}, {"PASS secret", "230 Login successful."},
		{"PASV", "227 Entering Passive Mode (10,0,0,5,156,100)."}, {"RETR report.txt", "425 Failed to establish connection."}, {"QUIT", "221 Goodbye."}} {
		if x[0] != "" {
			ctl.fromA([]byte(x[0] + "\r\n"))
		}
		ctl.fromB([]byte(x[1] + "\r\n"))
	}
	ctl.closeFromB()
	out := readSummary(t, path)
	if !strings.Contains(out, "nat-mismatch") {
		t.Fatalf("no nat-mismatch: the test proves nothing\n%s", out)
	}
	if strings.Contains(out, "holds nothing but the control connections") {
		t.Errorf("the address reading gave way to the capture's:\n%s", out)
	}
}
