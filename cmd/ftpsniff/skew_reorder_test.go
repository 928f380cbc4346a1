package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// skewPkt is one packet of a two-interface capture: when it crossed the
// wire, and on which interface (with that interface's lag) it was stamped.
type skewPkt struct {
	ts    time.Time
	iface int
	data  []byte
}

// skewCap records the packets of a capture whose client-sent packets come
// on interface 1, late by lag (a TAP sending each direction to its own
// NIC port, their clocks or queues apart), and the server's on interface
// 0; written as one pcapng of two interfaces, merged by stamp as mergecap
// and dumpcap do.
type skewCap struct {
	t      *testing.T
	now    time.Time
	lag    time.Duration
	client netip.Addr
	pkts   []skewPkt
}

func (c *skewCap) pkt(src, dst netip.AddrPort, seq, ack uint32, flags string, p []byte) {
	c.t.Helper()
	c.now = c.now.Add(300 * time.Microsecond)
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack, Window: 65535,
		SYN: strings.Contains(flags, "S"), ACK: strings.Contains(flags, "A"), FIN: strings.Contains(flags, "F"),
		PSH: strings.Contains(flags, "P")}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		c.t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(p)); err != nil {
		c.t.Fatal(err)
	}
	k := skewPkt{ts: c.now, data: slices.Clone(buf.Bytes())}
	if src.Addr() == c.client {
		k.ts, k.iface = k.ts.Add(c.lag), 1
	}
	c.pkts = append(c.pkts, k)
}

// write writes the capture: a pcapng of two Ethernet interfaces.
func (c *skewCap) write() string {
	c.t.Helper()
	path := filepath.Join(c.t.TempDir(), "tap.pcapng")
	f, err := os.Create(path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	w, err := pcapgo.NewNgWriterInterface(f, pcapgo.NgInterface{Name: "tap-s2c", LinkType: layers.LinkTypeEthernet, SnapLength: 65535}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		c.t.Fatal(err)
	}
	if _, err := w.AddInterface(pcapgo.NgInterface{Name: "tap-c2s", LinkType: layers.LinkTypeEthernet, SnapLength: 65535}); err != nil {
		c.t.Fatal(err)
	}
	pkts := slices.Clone(c.pkts)
	slices.SortStableFunc(pkts, func(a, b skewPkt) int { return a.ts.Compare(b.ts) })
	for _, k := range pkts {
		ci := gopacket.CaptureInfo{Timestamp: k.ts, CaptureLength: len(k.data), Length: len(k.data), InterfaceIndex: k.iface}
		if err := w.WritePacket(ci, k.data); err != nil {
			c.t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		c.t.Fatal(err)
	}
	return path
}

// TestTapPortsSkewedNoFalseGaps: a passive download captured by a TAP
// whose client-to-server port stamps its packets 1 ms late, read as the
// two-interface pcapng it makes. Every reply's ACK then comes before the
// command it acknowledges; each command was reported as a capture gap
// ("capture gap: 12 client bytes missing"), each reply paired with the
// command lost before it, and the user not known (rev-partial defect 6).
// The session reads as it happened now.
func TestTapPortsSkewedNoFalseGaps(t *testing.T) {
	cli, srv := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.1")
	c := &skewCap{t: t, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), lag: time.Millisecond, client: cli}
	ctl := skewConn{c: c, a: netip.AddrPortFrom(cli, 50000), b: netip.AddrPortFrom(srv, 21), aseq: 1000, bseq: 5000}
	data := skewConn{c: c, a: netip.AddrPortFrom(cli, 50001), b: netip.AddrPortFrom(srv, 40000), aseq: 70000, bseq: 90000}
	ctl.handshake()
	c.now = c.now.Add(5 * time.Millisecond) // (the server's greeting takes a while)
	for _, step := range []struct {
		client bool
		line   string
	}{
		{false, "220 (vsFTPd 3.0.5)"}, {true, "USER alice"}, {false, "331 Please specify the password."},
		{true, "PASS secret"}, {false, "230 Login successful."}, {true, "TYPE I"}, {false, "200 Switching to Binary mode."},
		{true, "PASV"}, {false, "227 Entering Passive Mode (10,0,0,1,156,64)."},
	} {
		if step.client {
			ctl.fromA(step.line + "\r\n")
		} else {
			ctl.fromB(step.line + "\r\n")
		}
	}
	data.handshake()
	ctl.fromA("RETR report.txt\r\n")
	ctl.fromB("150 Opening BINARY mode data connection for report.txt (3000 bytes).\r\n")
	data.fromB(strings.Repeat("x", 1000))
	data.fromB(strings.Repeat("y", 1000))
	data.fromB(strings.Repeat("z", 1000))
	data.closeFromB()
	ctl.fromB("226 Transfer complete.\r\n")
	ctl.fromA("QUIT\r\n")
	ctl.fromB("221 Goodbye.\r\n")
	ctl.closeFromB()
	path := c.write()

	out, _, code := readText(t, path)
	if code != 0 {
		t.Errorf("exit %d", code)
	}
	for _, w := range []string{"user alice, logged in", "<-- RETR report.txt", "--> 226 Transfer complete.", "transferred: 3000 bytes", "verdict: the data connection worked"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	for _, n := range []string{"capture gap", "lost in a capture gap", "without a command", "no reply seen"} {
		if strings.Contains(out, n) {
			t.Errorf("output has %q:\n%s", n, out)
		}
	}
}

// skewConn is one TCP connection of a skewCap: a (the opener) and b.
type skewConn struct {
	c          *skewCap
	a, b       netip.AddrPort
	aseq, bseq uint32
}

func (k *skewConn) handshake() {
	k.c.pkt(k.a, k.b, k.aseq, 0, "S", nil)
	k.aseq++
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "SA", nil)
	k.bseq++
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
}

// fromA and fromB send p and the peer's ACK of it.
func (k *skewConn) fromA(p string) {
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "PA", []byte(p))
	k.aseq += uint32(len(p))
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "A", nil)
}

func (k *skewConn) fromB(p string) {
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "PA", []byte(p))
	k.bseq += uint32(len(p))
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
}

// closeFromB: b's FIN, a's FIN, b's last ACK.
func (k *skewConn) closeFromB() {
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "FA", nil)
	k.bseq++
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "FA", nil)
	k.aseq++
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "A", nil)
}
