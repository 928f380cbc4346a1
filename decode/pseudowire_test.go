package decode

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// pwFrame is an Ethernet frame carrying, under MPLS label 200, an Ethernet
// pseudowire's frame (RFC 4448) with destination MAC dst, EtherType typ
// and payload pkt, after control word cw when cw is not nil.
func pwFrame(dst []byte, cw []byte, typ layers.EthernetType, pkt []byte) []byte {
	inner := make([]byte, 14, 14+len(pkt))
	copy(inner, dst)
	copy(inner[6:], []byte{0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc})
	binary.BigEndian.PutUint16(inner[12:], uint16(typ))
	inner = append(inner, pkt...)
	outer := []byte{0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x88, 0x47, 0, 0x0c, 0x81, 64}
	outer = append(outer, cw...)
	return append(outer, inner...)
}

// TestMPLSPseudowireWithoutControlWord: an Ethernet pseudowire's control
// word is optional (RFC 4448 4.6) and many deployments leave it out. Its
// frame was read after a control word whenever the destination MAC
// address began with a 0 nibble (VMware's 00:50:56, 00:0c:29): garbage,
// counted as not IP and not even named as a tunnel not followed; and not
// followed at all for other MACs. The reading (control word or not) that
// finds an EtherType and its IP header is taken; neither does, the packet
// is a tunnel not followed.
func TestMPLSPseudowireWithoutControlWord(t *testing.T) {
	in4 := innerTCP(t, tunInner4Src, tunInner4Dst, 40)
	in6 := innerTCP(t, tunInner6Src, tunInner6Dst, 40)
	vmware := []byte{0x00, 0x50, 0x56, 0x01, 0x02, 0x03}
	cw := []byte{0, 0, 0, 0}
	arp := make([]byte, 28)
	tagged := append([]byte{0, 100, 0x08, 0x00}, in4...) // VLAN 100, IPv4
	const mpls = "MPLS with no IP found under its labels"
	for _, tc := range []struct {
		name  string
		frame []byte
		tcp   bool   // the inner segment is read
		kind  string // else the tunnel not followed named
	}{
		{"no control word, MAC 00:50:56", pwFrame(vmware, nil, layers.EthernetTypeIPv4, in4), true, ""},
		{"no control word, MAC 00:0c:29, IPv6", pwFrame([]byte{0x00, 0x0c, 0x29, 1, 2, 3}, nil, layers.EthernetTypeIPv6, in6), true, ""},
		{"no control word, MAC 52:54:00", pwFrame([]byte{0x52, 0x54, 0x00, 1, 2, 3}, nil, layers.EthernetTypeIPv4, in4), true, ""},
		{"no control word, MAC 4c:5e:0c", pwFrame([]byte{0x4c, 0x5e, 0x0c, 1, 2, 3}, nil, layers.EthernetTypeIPv4, in4), true, ""},
		{"no control word, MAC 60:45:bd", pwFrame([]byte{0x60, 0x45, 0xbd, 1, 2, 3}, nil, layers.EthernetTypeIPv6, in6), true, ""},
		{"no control word, VLAN tagged", pwFrame(vmware, nil, layers.EthernetTypeDot1Q, tagged), true, ""},
		{"control word, MAC 00:50:56", pwFrame(vmware, cw, layers.EthernetTypeIPv4, in4), true, ""},
		{"control word with a sequence number", pwFrame(vmware, []byte{0, 0, 0x12, 0x34}, layers.EthernetTypeIPv6, in6), true, ""},
		{"control word, MAC 52:54:00", pwFrame([]byte{0x52, 0x54, 0x00, 1, 2, 3}, cw, layers.EthernetTypeIPv4, in4), true, ""},
		{"no control word, ARP", pwFrame(vmware, nil, layers.EthernetTypeARP, arp), false, mpls},
		{"control word, ARP", pwFrame(vmware, cw, layers.EthernetTypeARP, arp), false, mpls},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &segLog{}
			d := New(log, Options{})
			f := tc.frame
			d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
			st, ls := d.Stats(), d.LinkStats()
			if tc.tcp {
				if st.TCP != 1 || len(log.segs) != 1 || st.TunnelsNotFollowed != 0 {
					t.Fatalf("%d TCP, %d not IP, %d malformed, %d tunnels not followed %q: want the inner segment", st.TCP, st.NotIP, st.Malformed, st.TunnelsNotFollowed, ls.Tunnels)
				}
				if s := log.segs[0]; s.src.Port() != 50000 || s.dst.Port() != 40000 || s.n != 40 {
					t.Errorf("segment %+v", s)
				}
				return
			}
			if st.TCP != 0 || st.TunnelsNotFollowed != 1 || !slices.Equal(ls.Tunnels, []string{tc.kind}) {
				t.Errorf("%d TCP, %d tunnels not followed %q, want 1 %q", st.TCP, st.TunnelsNotFollowed, ls.Tunnels, tc.kind)
			}
		})
	}
}

// TestMPLSPseudowireAllocFree: choosing between the pseudowire's readings
// allocates nothing per packet.
func TestMPLSPseudowireAllocFree(t *testing.T) {
	in4 := innerTCP(t, tunInner4Src, tunInner4Dst, 40)
	for name, f := range map[string][]byte{
		"no control word": pwFrame([]byte{0x00, 0x50, 0x56, 1, 2, 3}, nil, layers.EthernetTypeIPv4, in4),
		"control word":    pwFrame([]byte{0x00, 0x50, 0x56, 1, 2, 3}, []byte{0, 0, 0, 0}, layers.EthernetTypeIPv4, in4),
		"not followed":    pwFrame([]byte{0x00, 0x50, 0x56, 1, 2, 3}, nil, layers.EthernetTypeARP, make([]byte, 28)),
	} {
		ci := gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: len(f)}
		d := New(&nopHandler{}, Options{})
		d.Decode(f, ci, layers.LinkTypeEthernet)
		if n := testing.AllocsPerRun(100, func() { d.Decode(f, ci, layers.LinkTypeEthernet) }); n != 0 {
			t.Errorf("%s: %.1f allocations a packet", name, n)
		}
	}
}

// TestPointToPointIPOffsetTrailer: the IP header's offset was computed
// from the end of the frame, wrong by the trailer's length when PPPoE's
// length leaves bytes after the PPP frame (an FCS, padding): read's
// packet filter (--host) then missed every such frame. The offset is
// counted from the front, whatever follows the packet.
func TestPointToPointIPOffsetTrailer(t *testing.T) {
	pkt := innerTCP(t, tunInner4Src, tunInner4Dst, 10)
	pppoe := []byte{0x11, 0, 0, 1, 0, 0, 0, 0x21}
	binary.BigEndian.PutUint16(pppoe[4:], uint16(len(pkt)+2))
	for _, tc := range []struct {
		name string
		link layers.LinkType
		hdr  []byte
	}{
		{"PPPoE", 51, pppoe},
		{"PPP", 9, []byte{0xff, 0x03, 0x00, 0x21}},
		{"PPP serial", 50, []byte{0xff, 0x03, 0x00, 0x21}},
		{"Cisco HDLC in PPP serial", 50, []byte{0x0f, 0x00, 0x08, 0x00}},
		{"Cisco HDLC", 104, []byte{0x0f, 0x00, 0x08, 0x00}},
		{"PPP with direction", 204, []byte{1, 0x00, 0x21}},
		{"Cisco HDLC with direction", 205, []byte{0, 0x0f, 0x00, 0x08, 0x00}},
	} {
		for _, trailer := range [][]byte{nil, {0xaa, 0xbb}, {1, 2, 3, 4, 5, 6}} {
			f := append(append(append([]byte{}, tc.hdr...), pkt...), trailer...)
			off, ok := PointToPointIPOffset(tc.link, f)
			if !ok || off != len(tc.hdr) {
				t.Errorf("%s, %d-byte trailer: offset %d %v, want %d", tc.name, len(trailer), off, ok, len(tc.hdr))
			}
		}
	}
}

// BenchmarkDecodeMPLS: a segment under MPLS labels, as IPv4 and in an
// Ethernet pseudowire with and without a control word.
func BenchmarkDecodeMPLS(b *testing.B) {
	ip := buildFrame(b, 50000, 40000, make([]byte, 1448))[14:]
	vmware := []byte{0x00, 0x50, 0x56, 1, 2, 3}
	ipv4 := append([]byte{0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x88, 0x47, 0, 0x0c, 0x81, 64}, ip...)
	for _, c := range []struct {
		name  string
		frame []byte
	}{
		{"IPv4", ipv4},
		{"pseudowire control word", pwFrame(vmware, []byte{0, 0, 0, 0}, layers.EthernetTypeIPv4, ip)},
		{"pseudowire no control word", pwFrame(vmware, nil, layers.EthernetTypeIPv4, ip)},
	} {
		b.Run(c.name, func(b *testing.B) {
			d := New(&nopHandler{}, Options{})
			ci := gopacket.CaptureInfo{CaptureLength: len(c.frame), Length: len(c.frame)}
			b.ReportAllocs()
			for b.Loop() {
				d.Decode(c.frame, ci, layers.LinkTypeEthernet)
			}
			if d.Stats().TCP == 0 {
				b.Fatal("no TCP decoded")
			}
		})
	}
}
