package decode

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// pflogFrame is a DLT_PFLOG frame: a pfloghdr whose length byte is n and
// address family af, padded to a multiple of 4, then pkt.
func pflogFrame(n int, af byte, pkt []byte) []byte {
	h := make([]byte, (n+3)&^3)
	h[0], h[1], h[2] = byte(n), af, 0 // action: pass
	copy(h[4:], "em0")
	return append(h, pkt...)
}

// nflogTLVBytes is one NFLOG TLV of type typ holding v, padded to 4
// bytes, its length and type in the given byte order.
func nflogTLVBytes(le bool, typ uint16, v []byte) []byte {
	var order binary.ByteOrder = binary.BigEndian
	if le {
		order = binary.LittleEndian
	}
	t := make([]byte, 4, 4+len(v)+3)
	order.PutUint16(t, uint16(4+len(v)))
	order.PutUint16(t[2:], typ)
	t = append(t, v...)
	for len(t)%4 != 0 {
		t = append(t, 0)
	}
	return t
}

// nflogFrame is a DLT_NFLOG frame as tcpdump -i nflog:5 writes it: the
// header (family, version 0, resource ID 5 in network order), the packet
// header TLV, a prefix TLV of 7 bytes (padding follows it), then the
// packet in NFULA_PAYLOAD, unless pkt is nil.
func nflogFrame(le bool, family byte, pkt []byte) []byte {
	f := []byte{family, 0, 0, 5}
	f = append(f, nflogTLVBytes(le, 1, []byte{0x08, 0x00, 1, 0})...) // NFULA_PACKET_HDR: hw_protocol, hook
	f = append(f, nflogTLVBytes(le, 10, []byte("ftp-in\x00"))...)    // NFULA_PREFIX, 7 bytes: padded
	if pkt != nil {
		f = append(f, nflogTLVBytes(le, nfulaPayload, pkt)...)
	}
	return f
}

// TestPacketFilterLogLinkTypes: captures of pf's log interface (tcpdump
// -i pflog0, DLT_PFLOG 117) and of Linux's NFLOG (tcpdump -i nflog:N,
// DLT_NFLOG 239) were counted as link types not decoded and their
// sessions lost. pflog: the header's length byte, padded to 4, then IP of
// the header's address family (AF_INET6 differs across the BSDs). NFLOG:
// the packet is the NFULA_PAYLOAD TLV's value, the TLVs' length and type
// in the capturing machine's byte order, the family in the header.
func TestPacketFilterLogLinkTypes(t *testing.T) {
	pkt4 := innerTCP(t, tunInner4Src, tunInner4Dst, 10)
	pkt6 := innerTCP(t, tunInner6Src, tunInner6Dst, 10)
	for _, tc := range []struct {
		name  string
		link  layers.LinkType
		frame []byte
		cut   int  // bytes the snap length left off the end
		tcp   bool // else the frame is not IP
		off   int  // where the IP header starts (PointToPointIPOffset), -1 none
	}{
		{"pflog FreeBSD v4", 117, pflogFrame(61, 2, pkt4), 0, true, 64},
		{"pflog FreeBSD 14 v4", 117, pflogFrame(69, 2, pkt4), 0, true, 72},
		{"pflog OpenBSD v6", 117, pflogFrame(100, 24, pkt6), 0, true, 100},
		{"pflog FreeBSD v6", 117, pflogFrame(61, 28, pkt6), 0, true, 64},
		{"pflog macOS v6", 117, pflogFrame(61, 30, pkt6), 0, true, 64},
		{"pflog oldest header", 117, pflogFrame(45, 2, pkt4), 0, true, 48},
		{"pflog unknown family", 117, pflogFrame(61, 17, pkt4), 0, false, -1},
		{"pflog length too short", 117, pflogFrame(44, 2, pkt4), 0, false, -1},
		{"pflog header cut", 117, pflogFrame(61, 2, nil)[:40], 0, false, -1},
		{"NFLOG little endian v4", 239, nflogFrame(true, 2, pkt4), 0, true, 4 + 8 + 12 + 4},
		{"NFLOG little endian v6", 239, nflogFrame(true, 10, pkt6), 0, true, 28},
		{"NFLOG big endian v4", 239, nflogFrame(false, 2, pkt4), 0, true, 28},
		{"NFLOG payload cut by the snap length", 239, nflogFrame(true, 2, innerTCP(t, tunInner4Src, tunInner4Dst, 100)), 60, true, 28},
		{"NFLOG without the packet", 239, nflogFrame(true, 2, nil), 0, false, -1},
		{"NFLOG bridge family", 239, nflogFrame(true, 7, pkt4), 0, false, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.frame[:len(tc.frame)-tc.cut]
			log := &segLog{}
			d := New(log, Options{})
			d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: len(tc.frame)}, tc.link)
			st := d.Stats()
			if st.UnknownLink != 0 || st.Malformed != 0 {
				t.Fatalf("%d unknown link, %d malformed", st.UnknownLink, st.Malformed)
			}
			if off, ok := PointToPointIPOffset(tc.link, f); off != tc.off || !ok {
				t.Errorf("IP offset %d %v, want %d", off, ok, tc.off)
			}
			if !tc.tcp {
				if st.NotIP != 1 || len(log.segs) != 0 {
					t.Errorf("%d not IP, %d segments: want the frame not IP", st.NotIP, len(log.segs))
				}
				return
			}
			if len(log.segs) != 1 || log.segs[0].src.Port() != 50000 || log.segs[0].dst.Port() != 40000 {
				t.Fatalf("segments %+v: want one from port 50000", log.segs)
			}
			if want := map[bool]int{false: 10, true: 100}[tc.cut > 0]; log.segs[0].n != want {
				t.Errorf("%d payload bytes, want %d", log.segs[0].n, want)
			}
		})
	}
}

// erspan3 is a GRE header with a sequence number, protocol 0x22eb, and
// an ERSPAN Type III header of frame type ft, with the 8-byte platform
// subheader when sub, before what it carries.
func erspan3(ft byte, sub bool, inner []byte) []byte {
	h := []byte{0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 7} // GRE, S bit, sequence 7
	h = append(h, 0x20, 0x00, 0x00, 0x05)           // version 2, VLAN 0, session 5
	h = append(h, 0, 0, 0, 1)                       // timestamp
	h = append(h, 0, 0, ft<<2, 0)                   // SGT, P, FT, HW ID, D, Gra, O
	if sub {
		h[len(h)-1] |= 1
		h = append(h, 0x1c, 0, 0, 0, 0, 0, 0, 9) // platform ID 7: source index, upper timestamp
	}
	return append(h, inner...)
}

// TestERSPANTypeIII: ERSPAN Type III (GRE protocol 0x22eb: Linux's
// erspan_ver 2, Cisco's and Arista's monitor sessions) was counted as
// "GRE carrying a protocol not followed" and the mirrored sessions lost,
// while Types I and II (0x88be) were read. Its 12-byte header, and the
// 8-byte platform subheader when the O bit says so, come off; the frame
// inside is Ethernet (frame type 0) or IP (2). Another version in the
// header, or another frame type, stays a GRE tunnel not followed.
func TestERSPANTypeIII(t *testing.T) {
	in4 := innerTCP(t, tunInner4Src, tunInner4Dst, 40)
	in6 := innerTCP(t, tunInner6Src, tunInner6Dst, 40)
	bad := erspan3(0, false, ethernetFrame(in4))
	bad[8] = 0x10 // version 1 under 0x22eb
	for _, tc := range []struct {
		name string
		pkt  []byte // the outer IP packet
		tcp  bool
	}{
		{"Ethernet over IPv4", outerPacket(t, false, layers.IPProtocolGRE, erspan3(0, false, ethernetFrame(in4))), true},
		{"Ethernet over IPv4, platform subheader", outerPacket(t, false, layers.IPProtocolGRE, erspan3(0, true, ethernetFrame(in4))), true},
		{"Ethernet over IPv6", outerPacket(t, true, layers.IPProtocolGRE, erspan3(0, false, ethernetFrame(in6))), true},
		{"Ethernet over IPv6, platform subheader", outerPacket(t, true, layers.IPProtocolGRE, erspan3(0, true, ethernetFrame(in6))), true},
		{"IP frame type", outerPacket(t, false, layers.IPProtocolGRE, erspan3(2, true, in6)), true},
		{"unknown frame type", outerPacket(t, false, layers.IPProtocolGRE, erspan3(5, false, ethernetFrame(in4))), false},
		{"wrong version", outerPacket(t, false, layers.IPProtocolGRE, bad), false},
		{"header cut", outerPacket(t, false, layers.IPProtocolGRE, erspan3(0, true, nil)[:22]), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := ethernetFrame(tc.pkt)
			log := &segLog{}
			d := New(log, Options{})
			d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
			st := d.Stats()
			if !tc.tcp {
				if st.TCP != 0 || st.TunnelsNotFollowed != 1 || !slices.Equal(d.LinkStats().Tunnels, []string{tunnelKinds[tunGRE]}) {
					t.Errorf("%d TCP, %d tunnels not followed %q: want a GRE tunnel not followed", st.TCP, st.TunnelsNotFollowed, d.LinkStats().Tunnels)
				}
				return
			}
			if st.TCP != 1 || st.TunnelsNotFollowed != 0 || st.Decapsulated != 1 || len(log.segs) != 1 {
				t.Fatalf("%d TCP, %d tunnels not followed, %d decapsulated, %d segments: want the inner segment", st.TCP, st.TunnelsNotFollowed, st.Decapsulated, len(log.segs))
			}
			if s := log.segs[0]; s.src.Port() != 50000 || s.dst.Port() != 40000 || s.n != 40 {
				t.Errorf("segment %+v", s)
			}
		})
	}
}

// TestLogLinksAndERSPAN3AllocFree: reading pflog, NFLOG and ERSPAN Type
// III frames allocates nothing per packet.
func TestLogLinksAndERSPAN3AllocFree(t *testing.T) {
	in4 := innerTCP(t, tunInner4Src, tunInner4Dst, 0)
	for _, tc := range []struct {
		name  string
		link  layers.LinkType
		frame []byte
	}{
		{"pflog", 117, pflogFrame(61, 2, in4)},
		{"NFLOG", 239, nflogFrame(true, 2, in4)},
		{"ERSPAN III", layers.LinkTypeEthernet, ethernetFrame(outerPacket(t, false, layers.IPProtocolGRE, erspan3(0, true, ethernetFrame(in4))))},
	} {
		d := New(&nopHandler{}, Options{})
		ci := gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(tc.frame), Length: len(tc.frame)}
		d.Decode(tc.frame, ci, tc.link)
		if n := testing.AllocsPerRun(100, func() { d.Decode(tc.frame, ci, tc.link) }); n != 0 {
			t.Errorf("%s: %.1f allocations a packet", tc.name, n)
		}
		if st := d.Stats(); st.TCP == 0 {
			t.Errorf("%s: no TCP decoded", tc.name)
		}
	}
}

// FuzzLogLinks feeds arbitrary frames of the packet-filter log link
// types (pflog, NFLOG) and Ethernet frames (for ERSPAN Type III), some
// recorded as cut by the snap length: never a panic, and the IP offset
// read's filters use lies within the frame and is where the decoder reads
// the IP header from.
func FuzzLogLinks(f *testing.F) {
	links := []layers.LinkType{linkTypePFLog, linkTypeNFLog, layers.LinkTypeEthernet}
	ip := buildFrame(f, 21, 50000, []byte("220 ready\r\n"))[14:]
	ip6 := make([]byte, 40)
	ip6[0] = 0x60
	f.Add(pflogFrame(61, 2, ip), uint8(0), uint16(0))
	f.Add(pflogFrame(100, 24, ip6), uint8(0), uint16(0))
	f.Add(nflogFrame(true, 2, ip), uint8(1), uint16(0))
	f.Add(nflogFrame(false, 10, ip6), uint8(1), uint16(3))
	f.Add(nflogFrame(true, 2, nil), uint8(1), uint16(0))
	gre := []byte{0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 47, 0, 0, 203, 0, 113, 1, 203, 0, 113, 2}
	outer := append(slices.Clone(gre), erspan3(0, true, ethernetFrame(ip))...)
	binary.BigEndian.PutUint16(outer[2:], uint16(len(outer)))
	f.Add(ethernetFrame(outer), uint8(2), uint16(0))
	outer = append(slices.Clone(gre), erspan3(2, false, ip)...)
	binary.BigEndian.PutUint16(outer[2:], uint16(len(outer)))
	f.Add(ethernetFrame(outer), uint8(2), uint16(0))
	f.Fuzz(func(t *testing.T, frame []byte, link uint8, cut uint16) {
		l := links[int(link)%len(links)]
		d := New(&recorder{}, Options{})
		ci := gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(frame), Length: len(frame) + int(cut%64)}
		d.Decode(frame, ci, l)
		d.Decode(frame, ci, l)
		d.Finish()
		off, ok := PointToPointIPOffset(l, frame)
		if ok != (l != layers.LinkTypeEthernet) {
			t.Fatalf("link %d: ok %v", l, ok)
		}
		if !ok || off < 0 {
			return
		}
		inner, _, _ := stripLink(l, frame)
		if off > len(frame) || len(inner) > len(frame)-off || len(inner) > 0 && &frame[off] != &inner[0] {
			t.Fatalf("link %d %x: offset %d, IP header %x", l, frame, off, inner)
		}
	})
}
