package main

import (
	"bytes"
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

// v6Cap writes a synthetic IPv6 capture packet by packet (wireCap is
// IPv4 only).
type v6Cap struct {
	t  *testing.T
	w  *pcapgo.Writer
	ts time.Time
}

func newV6Cap(t *testing.T) (*v6Cap, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "v6.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	return &v6Cap{t: t, w: w, ts: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}, path
}

// pkt writes one TCP segment after gap; flags as wireCap.pkt's.
func (c *v6Cap) pkt(gap time.Duration, src, dst netip.AddrPort, seq, ack uint32, flags string, p []byte) {
	c.t.Helper()
	c.ts = c.ts.Add(gap)
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack, Window: 65535,
		SYN: strings.Contains(flags, "S"), ACK: strings.Contains(flags, "A"), FIN: strings.Contains(flags, "F"),
		RST: strings.Contains(flags, "R"), PSH: strings.Contains(flags, "P")}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		c.t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(p)); err != nil {
		c.t.Fatal(err)
	}
	b := buf.Bytes()
	if err := c.w.WritePacket(gopacket.CaptureInfo{Timestamp: c.ts, CaptureLength: len(b), Length: len(b)}, b); err != nil {
		c.t.Fatal(err)
	}
}

// v6Conn is one TCP connection of a v6Cap, a the opener.
type v6Conn struct {
	c          *v6Cap
	a, b       netip.AddrPort
	aseq, bseq uint32
}

const v6Gap = time.Millisecond

func (k *v6Conn) handshake() {
	k.c.pkt(v6Gap, k.a, k.b, k.aseq, 0, "S", nil)
	k.aseq++
	k.c.pkt(v6Gap, k.b, k.a, k.bseq, k.aseq, "SA", nil)
	k.bseq++
	k.c.pkt(v6Gap, k.a, k.b, k.aseq, k.bseq, "A", nil)
}

func (k *v6Conn) fromA(p string) {
	k.c.pkt(v6Gap, k.a, k.b, k.aseq, k.bseq, "PA", []byte(p))
	k.aseq += uint32(len(p))
	k.c.pkt(v6Gap, k.b, k.a, k.bseq, k.aseq, "A", nil)
}

func (k *v6Conn) fromB(p string) {
	k.c.pkt(v6Gap, k.b, k.a, k.bseq, k.aseq, "PA", []byte(p))
	k.bseq += uint32(len(p))
	k.c.pkt(v6Gap, k.a, k.b, k.aseq, k.bseq, "A", nil)
}

func (k *v6Conn) closeFromB() {
	k.c.pkt(v6Gap, k.b, k.a, k.bseq, k.aseq, "FA", nil)
	k.bseq++
	k.c.pkt(v6Gap, k.a, k.b, k.aseq, k.bseq, "FA", nil)
	k.aseq++
	k.c.pkt(v6Gap, k.b, k.a, k.bseq, k.aseq, "A", nil)
}

var (
	v6Client = netip.MustParseAddr("fd00:99::2")
	v6Server = netip.MustParseAddr("fd00:99::1")
)

// v6Session opens a control connection [fd00:99::2]:49022 ->
// [fd00:99::1]:21 and logs in after greeting.
func v6Session(c *v6Cap, greeting string) *v6Conn {
	ctl := &v6Conn{c: c, a: netip.AddrPortFrom(v6Client, 49022), b: netip.AddrPortFrom(v6Server, 21), aseq: 1000, bseq: 5000}
	ctl.handshake()
	ctl.fromB(greeting + "\r\n")
	for _, x := range [][2]string{{"USER anonymous", "331 Send your e-mail address as your password"}, {"PASS a@b", "230 Anonymous access granted"}, {"TYPE I", "200 Type set to I"}} {
		ctl.fromA(x[0] + "\r\n")
		ctl.fromB(x[1] + "\r\n")
	}
	return ctl
}

func v6Read(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"read", "--color", "never"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

// proftpdPortOnly writes ProFTPD's answer to PASV on an IPv6 connection,
// the port alone after the last group of its address
// ("(1,156,108)": fd00:99::1, port 40044), and the client's data
// connection to the control address on that port: transferred, or its
// SYNs unanswered.
func proftpdPortOnly(t *testing.T, answered bool) string {
	c, path := newV6Cap(t)
	ctl := v6Session(c, "220 ProFTPD Server (lab) [fd00:99::1]")
	ctl.fromA("EPSV\r\n")
	ctl.fromB("501 EPSV: Operation not permitted\r\n")
	ctl.fromA("PASV\r\n")
	ctl.fromB("227 Entering Passive Mode (1,156,108).\r\n")
	data := &v6Conn{c: c, a: netip.AddrPortFrom(v6Client, 34170), b: netip.AddrPortFrom(v6Server, 40044), aseq: 70000, bseq: 90000}
	ctl.fromA("RETR report.txt\r\n")
	if answered {
		data.handshake()
		ctl.fromB("150 Opening BINARY mode data connection for report.txt (5 bytes)\r\n")
		data.fromB("hello")
		data.closeFromB()
		ctl.fromB("226 Transfer complete\r\n")
	} else {
		for i := range 6 {
			c.pkt(time.Duration(1<<i)*time.Second, data.a, data.b, data.aseq, 0, "S", nil)
		}
		ctl.fromB("425 Unable to build data connection: Connection timed out\r\n")
	}
	ctl.fromA("QUIT\r\n")
	ctl.fromB("221 Goodbye.\r\n")
	ctl.closeFromB()
	return path
}

// TestPortOnlyPASVReplyTiesItsDataConnection guards ProFTPD's 227 on an
// IPv6 connection, "(1,156,108)": clients that read it (busybox) connect
// to the control connection's address on the port of the last two
// numbers, and so is it read: the data connection is the session's, not
// "data: none" under a malformed reply, and when its SYNs go unanswered
// that is an error, not "0 errors".
func TestPortOnlyPASVReplyTiesItsDataConnection(t *testing.T) {
	out, errs, code := v6Read(t, proftpdPortOnly(t, true))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "data #1 PASV [fd00:99::1]:40044 transferred: 5 bytes") || strings.Contains(out, "malformed") {
		t.Errorf("transferred:\n%s", out)
	}
	out, errs, code = v6Read(t, "--summary", proftpdPortOnly(t, false))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "error data-unanswered") || strings.Contains(out, "0 errors") {
		t.Errorf("unanswered:\n%s", out)
	}
}

// TestEPRTZoneOnGlobalAddressReadAsVsftpdReadsIt guards an EPRT whose
// IPv6 address is not link-local yet carries a zone ("fd00:99::2%cli0"):
// vsftpd reads the address before the '%' and connects to it, so the
// data connection is tied to the EPRT (marked loose), not "data: none".
func TestEPRTZoneOnGlobalAddressReadAsVsftpdReadsIt(t *testing.T) {
	c, path := newV6Cap(t)
	ctl := v6Session(c, "220 (vsFTPd 3.0.3)")
	ctl.fromA("EPRT |2|fd00:99::2%cli0|45005|\r\n")
	ctl.fromB("200 EPRT command successful. Consider using EPSV.\r\n")
	ctl.fromA("RETR report.txt\r\n")
	data := &v6Conn{c: c, a: netip.AddrPortFrom(v6Server, 20), b: netip.AddrPortFrom(v6Client, 45005), aseq: 70000, bseq: 90000}
	data.handshake()
	ctl.fromB("150 Opening BINARY mode data connection for report.txt (5 bytes).\r\n")
	data.fromA("hello")
	data.c.pkt(v6Gap, data.a, data.b, data.aseq, data.bseq, "FA", nil)
	data.aseq++
	data.c.pkt(v6Gap, data.b, data.a, data.bseq, data.aseq, "FA", nil)
	ctl.fromB("226 Transfer complete.\r\n")
	ctl.fromA("QUIT\r\n")
	ctl.fromB("221 Goodbye.\r\n")
	ctl.closeFromB()

	out, errs, code := v6Read(t, path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, w := range []string{"= [fd00:99::2]:45005  " + looseNote, "data #1 EPRT [fd00:99::2]:45005 transferred: 5 bytes"} {
		if !strings.Contains(out, w) {
			t.Errorf("lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "malformed") {
		t.Errorf("malformed:\n%s", out)
	}
}

// TestPASVAnsweredWith228IsLabelledPASV guards the data label of GNU
// inetutils ftpd's answer to PASV on IPv6, LPSV's 228: the command was
// PASV, and the label says so and names the reply, not "LPSV".
func TestPASVAnsweredWith228IsLabelledPASV(t *testing.T) {
	c, path := newV6Cap(t)
	ctl := v6Session(c, "220 localhost FTP server (GNU inetutils 2.4) ready.")
	ctl.fromA("PASV\r\n")
	ctl.fromB("228 Entering Long Passive Mode (6,16,253,0,0,153,0,0,0,0,0,0,0,0,0,0,0,1,2,235,253)\r\n")
	ctl.fromA("LPSV\r\n")
	ctl.fromB("228 Entering Long Passive Mode (6,16,253,0,0,153,0,0,0,0,0,0,0,0,0,0,0,1,2,212,25)\r\n")
	ctl.fromA("QUIT\r\n")
	ctl.fromB("221 Goodbye.\r\n")
	ctl.closeFromB()

	out, errs, code := v6Read(t, path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, w := range []string{"data #1 PASV (228 reply) [fd00:99::1]:60413", "data #2 LPSV [fd00:99::1]:54297"} {
		if !strings.Contains(out, w) {
			t.Errorf("lacks %q:\n%s", w, out)
		}
	}
}

// TestIPv6SelectionFlags guards --client and --server with IPv6: a
// bracketed address is taken by both, with or without a port for
// --server; "fd00:99::1:21", which may be the address or fd00:99::1 and
// port 21 without the brackets, is a usage error that spells out both,
// not a selection of no session.
func TestIPv6SelectionFlags(t *testing.T) {
	path := proftpdPortOnly(t, true)
	for _, args := range [][]string{
		{"--client", "[fd00:99::2]"},
		{"--client", "fd00:99::2"},
		{"--server", "[fd00:99::1]"},
		{"--server", "[fd00:99::1]:21"},
		{"--server", "fd00:99::1"},
	} {
		out, errs, code := v6Read(t, append(args, "--summary", path)...)
		if code != 0 || !strings.Contains(out, "1 session shown of 1") {
			t.Errorf("%v: exit %d, %s\n%s", args, code, errs, out)
		}
	}
	_, errs, code := v6Read(t, "--server", "fd00:99::1:21", path)
	if code != exitError || !strings.Contains(errs, "'[fd00:99::1]:21'") || !strings.Contains(errs, "'[fd00:99::1:21]'") {
		t.Errorf("--server fd00:99::1:21: exit %d, %s", code, errs)
	}
	for _, args := range [][]string{
		{"--client", "[10.0.0.1]"},
		{"--client", "[fd00:99::2"},
		{"--client", "fe80::2%eth0"},
		{"--server", "[fd00:99::1]:"},
	} {
		if _, errs, code := v6Read(t, append(args, path)...); code != exitError || errs == "" {
			t.Errorf("%v: exit %d, %s", args, code, errs)
		}
	}
}
