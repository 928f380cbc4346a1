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
	"time"

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

// TestControlOnlyCaptureSaysSo guards a capture filtered to port 21
// (the newcomer's likeliest mistake): the readings that rest on a data
// connection missing from it say that such a filter would leave the data
// connections out, and to capture again before changing a firewall, in
// their findings and in the verdict. The same captures unfiltered say
// nothing of it.
func TestControlOnlyCaptureSaysSo(t *testing.T) {
	dir := t.TempDir()
	active := tcpdumpPort21(t, dir, "../../pcaps/real/active-client-firewall.pcap")
	drop := tcpdumpPort21(t, dir, "../../pcaps/real/pasv-drop.pcap")
	ok := tcpdumpPort21(t, dir, "../../pcaps/real/passive-curl.pcap")
	const finding = "This capture holds nothing but the control connections' packets so far"
	const verdict = "on data connections missing from a capture that held nothing but the control connections' packets when they were read"
	for _, files := range [][]string{{active}, {drop}, {ok, drop}, {"--workers", "2", ok, drop}} {
		out := readSummary(t, files...)
		for _, want := range []string{finding, verdict} {
			if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
				t.Errorf("%v: does not say %q:\n%s", files, want, out)
			}
		}
	}
	if out := readSummary(t, "../../pcaps/real/active-client-firewall.pcap"); strings.Contains(out, "holds nothing but the control connections") || !strings.Contains(out, "active-blocked") {
		t.Errorf("unfiltered active-client-firewall.pcap hedged:\n%s", out)
	}
}

// controlOnlyBlocked writes, as a server-side capture of one client's
// traffic (tcpdump host CLIENT on a quiet server) holds it, a session
// whose passive connection never came (227, then 425); with worked, a
// second session 10 s later whose data connection carried its file.
func controlOnlyBlocked(t *testing.T, worked bool) string {
	c, path := newWireCap(t)
	ctl := &wireConn{c: c, a: netip.MustParseAddrPort("198.51.100.7:50000"), b: netip.MustParseAddrPort("203.0.113.10:21"), aseq: 1000, bseq: 5000}
	ctl.handshake()
	for _, x := range [][2]string{{"", "220 (vsFTPd 3.0.3)"}, {"USER alice", "331 Please specify the password."}, {"PASS secret", "230 Login successful."},
		{"PASV", "227 Entering Passive Mode (203,0,113,10,183,147)."}, {"RETR report.txt", "425 Failed to establish connection."}, {"QUIT", "221 Goodbye."}} {
		if x[0] != "" {
			ctl.fromA([]byte(x[0] + "\r\n"))
		}
		ctl.fromB([]byte(x[1] + "\r\n"))
	}
	ctl.closeFromB()
	if worked {
		c.wait(10 * time.Second)
		k := &wireConn{c: c, a: netip.MustParseAddrPort("198.51.100.7:50010"), b: netip.MustParseAddrPort("203.0.113.10:21"), aseq: 7000, bseq: 9000}
		k.handshake()
		for _, x := range [][2]string{{"", "220 (vsFTPd 3.0.3)"}, {"USER alice", "331 Please specify the password."}, {"PASS secret", "230 Login successful."},
			{"PASV", "227 Entering Passive Mode (203,0,113,10,183,148)."}} {
			if x[0] != "" {
				k.fromA([]byte(x[0] + "\r\n"))
			}
			k.fromB([]byte(x[1] + "\r\n"))
		}
		d := &wireConn{c: c, a: netip.MustParseAddrPort("198.51.100.7:50011"), b: netip.MustParseAddrPort("203.0.113.10:46996"), aseq: 11000, bseq: 13000}
		d.handshake()
		k.fromA([]byte("RETR report.txt\r\n"))
		k.fromB([]byte("150 Opening BINARY mode data connection for report.txt (1000 bytes).\r\n"))
		d.fromB(bytes.Repeat([]byte("x"), 1000))
		d.closeFromB()
		k.fromB([]byte("226 Transfer complete.\r\n"))
		k.fromA([]byte("QUIT\r\n"))
		k.fromB([]byte("221 Goodbye.\r\n"))
		k.closeFromB()
	}
	return path
}

// TestControlOnlyCaptureKeepsItsRule guards the capture a server's admin
// takes of one client's traffic on a quiet server: it holds nothing but
// the control connection too, and there a passive connection that never
// came is blocked before the server: its reading stays (no SYN reached
// the capture point) beside the caveat. And when the capture shows a
// data connection later (another session's transfer), the verdict says
// the finding was read while it held nothing else, not that the capture
// holds nothing else.
func TestControlOnlyCaptureKeepsItsRule(t *testing.T) {
	out := strings.Join(strings.Fields(readSummary(t, controlOnlyBlocked(t, false))), " ")
	for _, want := range []string{"warning data-not-attempted", "no SYN reached the capture point", "holds nothing but the control connections"} {
		if !strings.Contains(out, want) {
			t.Errorf("blocked, control only: no %q:\n%s", want, out)
		}
	}
	out = readSummary(t, controlOnlyBlocked(t, true))
	if !strings.Contains(out, "1 transferred") || !strings.Contains(out, "warning data-not-attempted") {
		t.Fatalf("blocked then worked: not the capture the test means:\n%s", out)
	}
	if flat := strings.Join(strings.Fields(out), " "); strings.Contains(flat, "the capture holds nothing but") || !strings.Contains(flat, "when they were read") {
		t.Errorf("blocked then worked: the verdict says the capture holds the control connections only, or not that the finding was read so:\n%s", out)
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
