package decode

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// segLog is a Handler that keeps every TCP segment's addresses and
// payload length, and the control events.
type segLog struct {
	segs    []loggedSeg
	control []ControlEvent
}

type loggedSeg struct {
	src, dst netip.AddrPort
	n        int
}

func (l *segLog) Segment(s *Segment) {
	l.segs = append(l.segs, loggedSeg{s.Src, s.Dst, s.PayloadLen})
}
func (l *segLog) Unreachable(*Unreachable) {}
func (l *segLog) Control(e *ControlEvent)  { l.control = append(l.control, *e) }
func (l *segLog) Tick(time.Time)           {}
func (l *segLog) Finish()                  {}
func (l *segLog) bytesTo(dst netip.AddrPort) (n int) {
	for _, s := range l.segs {
		if s.dst == dst {
			n += s.n
		}
	}
	return n
}

var (
	tunInner4Src = netip.MustParseAddrPort("10.9.0.100:50000")
	tunInner4Dst = netip.MustParseAddrPort("10.9.0.10:40000")
	tunInner6Src = netip.MustParseAddrPort("[fd00:9::100]:50000")
	tunInner6Dst = netip.MustParseAddrPort("[fd00:9::10]:40000")
	tunOuter4    = [2]netip.Addr{netip.MustParseAddr("203.0.113.1"), netip.MustParseAddr("203.0.113.2")}
	tunOuter6    = [2]netip.Addr{netip.MustParseAddr("2001:db8:ffff::1"), netip.MustParseAddr("2001:db8:ffff::2")}
)

func serializeTest(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// innerTCP is an IP packet src -> dst carrying n payload bytes of TCP.
func innerTCP(t *testing.T, src, dst netip.AddrPort, n int) []byte {
	t.Helper()
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: 1000, Ack: 1, ACK: true, PSH: true, Window: 502}
	var ip gopacket.SerializableLayer
	if src.Addr().Is4() {
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, Flags: layers.IPv4DontFragment, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		_ = tcp.SetNetworkLayerForChecksum(ip4)
		ip = ip4
	} else {
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		_ = tcp.SetNetworkLayerForChecksum(ip6)
		ip = ip6
	}
	return serializeTest(t, ip, tcp, gopacket.Payload(make([]byte, n)))
}

// ethernetFrame puts an IP packet in an Ethernet frame: the captured
// frame, or what VXLAN, GENEVE and ERSPAN carry.
func ethernetFrame(pkt []byte) []byte {
	et := layers.EthernetTypeIPv4
	if pkt[0]>>4 == 6 {
		et = layers.EthernetTypeIPv6
	}
	h := make([]byte, 14, 14+len(pkt))
	h[0], h[6] = 0x02, 0x02
	binary.BigEndian.PutUint16(h[12:], uint16(et))
	return append(h, pkt...)
}

// outerPacket wraps payload (a tunnel header and what it carries) in an
// outer IPv4 or IPv6 header.
func outerPacket(t *testing.T, v6 bool, proto layers.IPProtocol, payload []byte) []byte {
	t.Helper()
	if v6 {
		return serializeTest(t, &layers.IPv6{Version: 6, HopLimit: 63, NextHeader: proto, SrcIP: tunOuter6[0].AsSlice(), DstIP: tunOuter6[1].AsSlice()}, gopacket.Payload(payload))
	}
	return serializeTest(t, &layers.IPv4{Version: 4, TTL: 63, Protocol: proto, Id: 0x4242, SrcIP: tunOuter4[0].AsSlice(), DstIP: tunOuter4[1].AsSlice()}, gopacket.Payload(payload))
}

// outerUDP wraps payload in UDP to port over IPv4.
func outerUDPPacket(t *testing.T, port uint16, payload []byte) []byte {
	t.Helper()
	ip := &layers.IPv4{Version: 4, TTL: 63, Protocol: layers.IPProtocolUDP, Id: 0x4343, SrcIP: tunOuter4[0].AsSlice(), DstIP: tunOuter4[1].AsSlice()}
	udp := &layers.UDP{SrcPort: 49152, DstPort: layers.UDPPort(port)}
	_ = udp.SetNetworkLayerForChecksum(ip)
	return serializeTest(t, ip, udp, gopacket.Payload(payload))
}

// ipFragments cuts an IP packet's payload at the given offsets (multiples
// of 8) into fragments: IPv4 ones keep the identification, IPv6 ones get
// a Fragment header with identification id.
func ipFragments(t *testing.T, pkt []byte, id uint32, cuts ...int) [][]byte {
	t.Helper()
	var hdr, data []byte
	v6 := pkt[0]>>4 == 6
	if v6 {
		hdr, data = pkt[:40], pkt[40:]
	} else {
		ihl := int(pkt[0]&0x0f) * 4
		hdr, data = pkt[:ihl], pkt[ihl:]
	}
	bounds := append(append([]int{0}, cuts...), len(data))
	var out [][]byte
	for i := 1; i < len(bounds); i++ {
		off, end := bounds[i-1], bounds[i]
		if off%8 != 0 || end <= off {
			t.Fatalf("bad cut %d-%d", off, end)
		}
		more := end < len(data)
		var f []byte
		if v6 {
			f = append([]byte(nil), hdr...)
			next := f[6]
			f[6] = byte(layers.IPProtocolIPv6Fragment)
			fh := make([]byte, 8)
			fh[0] = next
			fo := uint16(off/8) << 3
			if more {
				fo |= 1
			}
			binary.BigEndian.PutUint16(fh[2:], fo)
			binary.BigEndian.PutUint32(fh[4:], id)
			f = append(f, fh...)
			f = append(f, data[off:end]...)
			binary.BigEndian.PutUint16(f[4:], uint16(len(f)-40))
		} else {
			f = append([]byte(nil), hdr...)
			f = append(f, data[off:end]...)
			fo := uint16(off / 8)
			if more {
				fo |= 0x2000
			}
			binary.BigEndian.PutUint16(f[6:], fo)
			binary.BigEndian.PutUint16(f[2:], uint16(len(f)))
			f[10], f[11] = 0, 0
			binary.BigEndian.PutUint16(f[10:], ipv4Checksum(f[:len(hdr)]))
		}
		out = append(out, f)
	}
	return out
}

func ipv4Checksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// TestTunnelOuterFragmentsReassembled: a TCP segment inside a tunnel
// whose outer IPv4 or IPv6 packet was fragmented is decoded once the
// fragments are reassembled, with its inner addresses and its whole
// payload, whatever the tunnel and in whatever order the fragments come.
func TestTunnelOuterFragmentsReassembled(t *testing.T) {
	const n = 1400
	in4 := func(t *testing.T) []byte { return innerTCP(t, tunInner4Src, tunInner4Dst, n) }
	in6 := func(t *testing.T) []byte { return innerTCP(t, tunInner6Src, tunInner6Dst, n) }
	gre := func(et layers.EthernetType) []byte { return binary.BigEndian.AppendUint16([]byte{0, 0}, uint16(et)) }
	tests := []struct {
		name    string
		v6inner bool
		outer   func(t *testing.T) []byte
		reverse bool // deliver the last fragment first
	}{
		{"4in4", false, func(t *testing.T) []byte { return outerPacket(t, false, layers.IPProtocolIPv4, in4(t)) }, false},
		{"6in4", true, func(t *testing.T) []byte { return outerPacket(t, false, layers.IPProtocolIPv6, in6(t)) }, true},
		{"4in6", false, func(t *testing.T) []byte { return outerPacket(t, true, layers.IPProtocolIPv4, in4(t)) }, false},
		{"6in6", true, func(t *testing.T) []byte { return outerPacket(t, true, layers.IPProtocolIPv6, in6(t)) }, true},
		{"GRE over IPv4", false, func(t *testing.T) []byte {
			return outerPacket(t, false, layers.IPProtocolGRE, append(gre(layers.EthernetTypeIPv4), in4(t)...))
		}, false},
		{"GRE over IPv6", true, func(t *testing.T) []byte {
			return outerPacket(t, true, layers.IPProtocolGRE, append(gre(layers.EthernetTypeIPv6), in6(t)...))
		}, true},
		{"ERSPAN II", false, func(t *testing.T) []byte {
			h := []byte{0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 0x00, 0x00, 0x07, 0, 0, 0, 0}
			return outerPacket(t, false, layers.IPProtocolGRE, append(h, ethernetFrame(in4(t))...))
		}, false},
		{"VXLAN", false, func(t *testing.T) []byte {
			vx := []byte{0x08, 0, 0, 0, 0, 0x10, 0x01, 0}
			return outerUDPPacket(t, 4789, append(vx, ethernetFrame(in4(t))...))
		}, true},
		{"GENEVE", true, func(t *testing.T) []byte {
			gn := []byte{0, 0, 0x65, 0x58, 0, 0x10, 0x02, 0}
			return outerUDPPacket(t, 6081, append(gn, ethernetFrame(in6(t))...))
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outer := tt.outer(t)
			frags := ipFragments(t, outer, 0x5eed, 808)
			if tt.reverse {
				frags[0], frags[1] = frags[1], frags[0]
			}
			log := &segLog{}
			d := New(log, Options{})
			ci := gopacket.CaptureInfo{Timestamp: time.Unix(1767225600, 0)}
			for _, f := range frags {
				frame := ethernetFrame(f)
				ci.CaptureLength, ci.Length = len(frame), len(frame)
				d.Decode(frame, ci, layers.LinkTypeEthernet)
			}
			src, dst := tunInner4Src, tunInner4Dst
			if tt.v6inner {
				src, dst = tunInner6Src, tunInner6Dst
			}
			if len(log.segs) != 1 {
				t.Fatalf("%d segments decoded, want 1 (stats %+v)", len(log.segs), d.Stats())
			}
			if s := log.segs[0]; s.src != src || s.dst != dst || s.n != n {
				t.Errorf("segment %v -> %v with %d bytes, want %v -> %v with %d", s.src, s.dst, s.n, src, dst, n)
			}
			st := d.Stats()
			if st.Fragments != 2 || st.Defragmented != 1 || st.Decapsulated != 1 || st.TCP != 1 || st.Malformed != 0 || st.NotTCP != 0 {
				t.Errorf("stats %+v", st)
			}
			if d.fragsHeld != 0 {
				t.Errorf("%d fragments still held", d.fragsHeld)
			}
		})
	}
}

// TestFragmentedInnerInFragmentedOuter: a tunnel carries an inner packet
// in two inner fragments, and the outer packet carrying the first of them
// was itself fragmented: both reassemblies happen, and the segment comes
// out once.
func TestFragmentedInnerInFragmentedOuter(t *testing.T) {
	const n = 1400
	inner := innerTCP(t, tunInner4Src, tunInner4Dst, n)
	inner[6] &^= 0x40 // clear DF: the sender fragments
	innerFrags := ipFragments(t, inner, 0, 1200)
	gre := []byte{0, 0, 0x08, 0x00}
	outer1 := outerPacket(t, false, layers.IPProtocolGRE, append(append([]byte(nil), gre...), innerFrags[0]...))
	outer2 := outerPacket(t, false, layers.IPProtocolGRE, append(append([]byte(nil), gre...), innerFrags[1]...))
	binary.BigEndian.PutUint16(outer2[4:], 0x4243) // its own identification
	log := &segLog{}
	d := New(log, Options{})
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(1767225600, 0)}
	var frames [][]byte
	for _, f := range ipFragments(t, outer1, 0, 600) {
		frames = append(frames, ethernetFrame(f))
	}
	frames = append(frames, ethernetFrame(outer2))
	for _, f := range frames {
		ci.CaptureLength, ci.Length = len(f), len(f)
		d.Decode(f, ci, layers.LinkTypeEthernet)
	}
	if len(log.segs) != 1 || log.segs[0].n != n || log.segs[0].dst != tunInner4Dst {
		t.Fatalf("segments %+v, want one of %d bytes to %v (stats %+v)", log.segs, n, tunInner4Dst, d.Stats())
	}
	if st := d.Stats(); st.Defragmented != 2 || st.Fragments != 4 || d.fragsHeld != 0 {
		t.Errorf("stats %+v, %d fragments held", st, d.fragsHeld)
	}
}

// TestFragmentedUDPIsNotTCP: a fragmented UDP datagram that is no tunnel
// is counted as not TCP once rebuilt, as before tunnels were followed
// through fragments; nothing is malformed.
func TestFragmentedUDPIsNotTCP(t *testing.T) {
	pkt := outerUDPPacket(t, 53, make([]byte, 1400))
	d := New(&segLog{}, Options{})
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(1767225600, 0)}
	for _, f := range ipFragments(t, pkt, 0, 808) {
		frame := ethernetFrame(f)
		ci.CaptureLength, ci.Length = len(frame), len(frame)
		d.Decode(frame, ci, layers.LinkTypeEthernet)
	}
	if st := d.Stats(); st.Defragmented != 1 || st.NotTCP != 1 || st.Malformed != 0 || st.NotIP != 0 || st.Decapsulated != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestFragmentedTunnelsCapture: pcaps/synthetic/tunnels-fragmented.pcapng
// (GRE, 6in4, VXLAN and 4in6 whose full-size packets leave in two outer
// fragments) gives its four sessions with their inner addresses, each
// welcome 230 (a fragmented segment) and every byte of each transfer.
func TestFragmentedTunnelsCapture(t *testing.T) {
	src, err := capture.Open("../pcaps/synthetic/tunnels-fragmented.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	log := &segLog{}
	d := New(log, Options{})
	if err := d.DecodeAll(src); err != nil {
		t.Fatal(err)
	}
	d.Finish()
	st := d.Stats()
	opens, logins := 0, 0
	for _, e := range log.control {
		switch {
		case e.Kind == ControlOpen:
			opens++
			for _, a := range []netip.Addr{e.Client.Addr(), e.Server.Addr()} {
				if s := a.String(); strings.HasPrefix(s, "203.0.113.") || strings.HasPrefix(s, "2001:db8:ffff:") {
					t.Errorf("session with a tunnel address: %v -> %v", e.Client, e.Server)
				}
			}
		case e.Kind == ControlReply && e.Reply.Code == 230:
			logins++
		}
	}
	if opens != 4 || logins != 4 {
		t.Errorf("%d sessions and %d 230 replies, want 4 and 4", opens, logins)
	}
	for _, x := range []struct {
		data string
		want int
	}{
		{"10.78.0.100:52101", 4 * 1460},      // GRE
		{"[fd00:78:1::100]:52102", 4 * 1440}, // 6in4
		{"10.78.2.100:52103", 4 * 1460},      // VXLAN
		{"10.78.3.100:52104", 4 * 1460},      // 4in6
	} {
		if got := log.bytesTo(netip.MustParseAddrPort(x.data)); got != x.want {
			t.Errorf("%d data bytes to %s, want %d", got, x.data, x.want)
		}
	}
	if st.Fragments != 40 || st.Defragmented != 20 || st.FragmentsLost != 0 || st.Malformed != 0 {
		t.Errorf("fragments %d, rebuilt %d, lost %d, malformed %d; want 40, 20, 0, 0", st.Fragments, st.Defragmented, st.FragmentsLost, st.Malformed)
	}
	if st.TCP+st.Fragments/2 != st.Packets {
		t.Errorf("%d TCP segments from %d packets (%d fragments)", st.TCP, st.Packets, st.Fragments)
	}
}
