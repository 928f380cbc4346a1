package decode

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// sll2Frame is a Linux cooked v2 header (LINKTYPE_LINUX_SLL2: protocol,
// reserved, interface index, ARPHRD_ type, packet type, address length
// and 8 address bytes) in front of payload.
func sll2Frame(arphrd uint16, proto layers.EthernetType, payload []byte) []byte {
	h := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(h[0:], uint16(proto))
	binary.BigEndian.PutUint32(h[4:], 7)
	binary.BigEndian.PutUint16(h[8:], arphrd)
	h[10] = 4 // sent by us
	return append(h, payload...)
}

// arphrdIPGRE and arphrdEther: the ARPHRD_ types of a Linux gre device
// and of an Ethernet one.
const (
	arphrdIPGRE = 778
	arphrdEther = 1
)

// TestSLL2GREDeviceReadsProtocolAsGREType: tcpdump -i any on a Linux gre
// device writes SLL2 records of ARPHRD_IPGRE whose protocol field is a GRE
// protocol type, the inner IP packet right after the 20-byte header.
// gopacket took an Ethernet header there: the IP header was read as one
// (a bogus EtherType named), and every session of the device was lost.
func TestSLL2GREDeviceReadsProtocolAsGREType(t *testing.T) {
	in4 := innerTCP(t, tunInner4Src, tunInner4Dst, 40)
	in6 := innerTCP(t, tunInner6Src, tunInner6Dst, 40)
	for _, tc := range []struct {
		name  string
		frame []byte
	}{
		{"gre device, IPv4", sll2Frame(arphrdIPGRE, layers.EthernetTypeIPv4, in4)},
		{"gre device, IPv6", sll2Frame(arphrdIPGRE, layers.EthernetTypeIPv6, in6)},
		{"gre device, transparent Ethernet", sll2Frame(arphrdIPGRE, layers.EthernetTypeTransparentEthernetBridging, ethernetFrame(in4))},
		{"Ethernet device", sll2Frame(arphrdEther, layers.EthernetTypeIPv4, in4)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &segLog{}
			d := New(log, Options{})
			d.Decode(tc.frame, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(tc.frame), Length: len(tc.frame)}, layers.LinkTypeLinuxSLL2)
			st := d.Stats()
			if st.TCP != 1 || st.NotIP != 0 || len(log.segs) != 1 || !d.LinkStats().Empty() {
				t.Fatalf("%d TCP, %d not IP, %d segments, links %+v: want the inner segment", st.TCP, st.NotIP, len(log.segs), d.LinkStats())
			}
			if s := log.segs[0]; s.src.Port() != 50000 || s.dst.Port() != 40000 || s.n != 40 {
				t.Errorf("segment %+v", s)
			}
		})
	}
}

// tzsp is a TZSP header (version 1, type 0: a received packet) of
// encapsulation encap with the given tags (END added) before frame.
func tzsp(encap uint16, tags []byte, frame []byte) []byte {
	h := []byte{1, 0, byte(encap >> 8), byte(encap)}
	return slices.Concat(h, tags, []byte{tzspTagEnd}, frame)
}

// TestUDPMirrorsFollowed: a MikroTik sniffer's TZSP stream (UDP 37008)
// and MPLS in UDP (RFC 7510, port 6635) were skipped as UDP without a
// word, the sessions they carry lost. TZSP's header and tags (padding,
// a tag with a value, END) come off, then the frame per its
// encapsulation: Ethernet, or 802.11; MPLS in UDP is a label stack.
func TestUDPMirrorsFollowed(t *testing.T) {
	in4 := innerTCP(t, tunInner4Src, tunInner4Dst, 40)
	in6 := innerTCP(t, tunInner6Src, tunInner6Dst, 40)
	label := []byte{0, 0x0c, 0x81, 64} // label 200, bottom of stack
	rssi := []byte{10, 1, 0xd6}        // TAG_RX_SIGNAL: -42
	// 802.11 data to the AP, LLC/SNAP IPv4.
	dot11 := slices.Concat([]byte{0x08, 0x01}, make([]byte, 22), []byte{0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00}, in4)
	for _, tc := range []struct {
		name string
		pkt  []byte // the outer IP packet
	}{
		{"TZSP Ethernet, no tags", outerUDPPacket(t, portTZSP, tzsp(tzspEthernet, nil, ethernetFrame(in4)))},
		{"TZSP Ethernet, tags", outerUDPPacket(t, portTZSP, tzsp(tzspEthernet, slices.Concat([]byte{0}, rssi, []byte{0}), ethernetFrame(in4)))},
		{"TZSP Ethernet over IPv6", outerUDPv6(t, 40003, portTZSP, tzsp(tzspEthernet, nil, ethernetFrame(in6)))},
		{"TZSP 802.11", outerUDPPacket(t, portTZSP, tzsp(tzspIEEE80211, rssi, dot11))},
		{"MPLS in UDP, IPv4", outerUDPPacket(t, portMPLSInUDP, append(slices.Clone(label), in4...))},
		{"MPLS in UDP, IPv6 over IPv6", outerUDPv6(t, 49999, portMPLSInUDP, append(slices.Clone(label), in6...))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := ethernetFrame(tc.pkt)
			log := &segLog{}
			d := New(log, Options{})
			d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
			st := d.Stats()
			if st.TCP != 1 || st.NotTCP != 0 || st.Decapsulated == 0 || len(log.segs) != 1 {
				t.Fatalf("%d TCP, %d not TCP, %d decapsulated, %d segments: want the inner segment", st.TCP, st.NotTCP, st.Decapsulated, len(log.segs))
			}
			if s := log.segs[0]; s.src.Port() != 50000 || s.dst.Port() != 40000 || s.n != 40 {
				t.Errorf("segment %+v", s)
			}
		})
	}
}

// TestLiveFilterKeepsUDPMirrors: live's kernel filter keeps the UDP
// mirrors and tunnels read follows: TZSP and MPLS in UDP were dropped in
// the kernel, uncounted, while read of the same traffic showed them.
func TestLiveFilterKeepsUDPMirrors(t *testing.T) {
	in4 := innerTCP(t, tunInner4Src, tunInner4Dst, 40)
	vm := liveFilterVM(t, capture.FrameEthernet)
	for name, pkt := range map[string][]byte{
		"TZSP":        outerUDPPacket(t, portTZSP, tzsp(tzspEthernet, nil, ethernetFrame(in4))),
		"MPLS in UDP": outerUDPPacket(t, portMPLSInUDP, append([]byte{0, 0x0c, 0x81, 64}, in4...)),
	} {
		f := ethernetFrame(pkt)
		if n, err := vm.Run(f); err != nil || n == 0 {
			t.Errorf("%s: live's kernel filter drops it (err %v)", name, err)
		}
	}
}

// TestUDPMirrorsNotFollowedNamed: a TZSP packet whose frame is not
// followed (token ring, a header without its END tag) and MPLS in UDP
// with no IP under its labels are counted as tunnels not followed, by
// kind; a datagram to the TZSP port that is no TZSP is not.
func TestUDPMirrorsNotFollowedNamed(t *testing.T) {
	in4 := innerTCP(t, tunInner4Src, tunInner4Dst, 40)
	arp := []byte{0, 1, 8, 0, 6, 4, 0, 1}
	for _, tc := range []struct {
		name string
		pkt  []byte
		kind string // "" for none
	}{
		{"TZSP token ring", outerUDPPacket(t, portTZSP, tzsp(2, nil, ethernetFrame(in4))), tunnelKinds[tunTZSP]},
		{"TZSP without END", outerUDPPacket(t, portTZSP, []byte{1, 0, 0, 1, 10, 1, 0xd6, 0}), tunnelKinds[tunTZSP]},
		{"TZSP keepalive", outerUDPPacket(t, portTZSP, []byte{1, 4, 0, 0, 1}), ""},
		{"MPLS in UDP over ARP", outerUDPPacket(t, portMPLSInUDP, append([]byte{0, 0x0c, 0x81, 64}, arp...)), tunnelKinds[tunMPLS]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := ethernetFrame(tc.pkt)
			d := New(&segLog{}, Options{})
			d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
			ls, st := d.LinkStats(), d.Stats()
			if st.TCP != 0 {
				t.Fatalf("%d TCP", st.TCP)
			}
			if tc.kind == "" {
				if st.TunnelsNotFollowed != 0 {
					t.Errorf("counted as a tunnel not followed: %v", ls.Tunnels)
				}
				return
			}
			if st.TunnelsNotFollowed != 1 || !slices.Equal(ls.Tunnels, []string{tc.kind}) {
				t.Errorf("%d tunnels not followed %q, want 1 %q", st.TunnelsNotFollowed, ls.Tunnels, tc.kind)
			}
		})
	}
}

// TestUDPMirrorsAndSLL2GREAllocFree: following TZSP, MPLS in UDP and an
// SLL2 gre device allocates nothing per packet.
func TestUDPMirrorsAndSLL2GREAllocFree(t *testing.T) {
	in := innerTCP(t, tunInner4Src, tunInner4Dst, 0)
	for _, tc := range []struct {
		name  string
		link  layers.LinkType
		frame []byte
	}{
		{"TZSP", layers.LinkTypeEthernet, ethernetFrame(outerUDPPacket(t, portTZSP, tzsp(tzspEthernet, []byte{10, 1, 0xd6}, ethernetFrame(in))))},
		{"MPLS in UDP", layers.LinkTypeEthernet, ethernetFrame(outerUDPPacket(t, portMPLSInUDP, append([]byte{0, 0x0c, 0x81, 64}, in...)))},
		{"SLL2 gre", layers.LinkTypeLinuxSLL2, sll2Frame(arphrdIPGRE, layers.EthernetTypeIPv4, in)},
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

// FuzzTZSP feeds arbitrary TZSP payloads to peelTZSP: never a panic, and
// what it returns lies within its input, read with a parser that exists.
func FuzzTZSP(f *testing.F) {
	f.Add(tzsp(tzspEthernet, nil, make([]byte, 14)))
	f.Add(tzsp(tzspEthernet, []byte{0, 10, 1, 0xd6, 0, 40, 4, 1, 2, 3, 4}, make([]byte, 20)))
	f.Add(tzsp(tzspIEEE80211, nil, slices.Concat([]byte{0x08, 0x01}, make([]byte, 22), []byte{0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00, 0x45})))
	f.Add([]byte{1, 0, 0, 1, 10, 200})
	f.Fuzz(func(t *testing.T, b []byte) {
		inner, next, _ := peelTZSP(b)
		if next < 0 {
			return
		}
		off := cap(b) - cap(inner) // where inner starts in b, if it is b's
		if next >= numFirst || len(inner) == 0 || off < 0 || off+len(inner) > len(b) || &b[off] != &inner[0] {
			t.Fatalf("%x: next %d, inner %x", b, next, inner)
		}
	})
}

// TestNotTCPKindsNamedWhileNoTCP: a capture that holds packets but no
// TCP (a mirror on a UDP port not followed) says what they were: by IP
// protocol and, for UDP, port (the lower one), within the bound; once
// one TCP segment comes, the kinds are no longer named.
func TestNotTCPKindsNamedWhileNoTCP(t *testing.T) {
	d := New(&segLog{}, Options{})
	dec := func(pkt []byte) {
		f := ethernetFrame(pkt)
		d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
	}
	for range 3 {
		dec(outerUDPPacket(t, 2055, make([]byte, 20))) // from 49152: named by 2055
	}
	dec(outerPacket(t, false, layers.IPProtocolICMPv4, []byte{8, 0, 0, 0, 0, 1, 0, 1}))
	dec(outerPacket(t, true, layers.IPProtocolICMPv6, []byte{128, 0, 0, 0, 0, 1, 0, 1}))
	dec(outerPacket(t, false, layers.IPProtocolIGMP, []byte{0x16, 0, 0, 0, 224, 0, 0, 251}))
	want := []ProtocolCount{
		{Protocol: layers.IPProtocolUDP, Name: "UDP", Port: 2055, Packets: 3},
		{Protocol: layers.IPProtocolICMPv4, Name: "ICMPv4", Packets: 1},
		{Protocol: layers.IPProtocolICMPv6, Name: "ICMPv6", Packets: 1},
		{Protocol: layers.IPProtocolIGMP, Name: "IGMP", Packets: 1},
	}
	if ls := d.LinkStats(); !slices.Equal(ls.NotTCPKinds, want) || ls.NotTCPOtherKinds != 0 {
		t.Fatalf("not TCP kinds %+v, other %d; want %+v", ls.NotTCPKinds, ls.NotTCPOtherKinds, want)
	}
	if got := want[0].String() + ", " + want[1].String(); got != "3 UDP port 2055, 1 ICMPv4" {
		t.Errorf("phrases %q", got)
	}
	for p := range uint16(6) {
		dec(outerUDPPacket(t, 3000+p, nil))
	}
	if ls := d.LinkStats(); len(ls.NotTCPKinds) != maxNotTCPKinds || ls.NotTCPOtherKinds != 2 {
		t.Errorf("past the bound: %d kinds, %d other packets; want %d and 2", len(ls.NotTCPKinds), ls.NotTCPOtherKinds, maxNotTCPKinds)
	}
	dec(innerTCP(t, tunInner4Src, tunInner4Dst, 0))
	if ls := d.LinkStats(); d.Stats().TCP != 1 || len(ls.NotTCPKinds) != 0 || ls.NotTCPOtherKinds != 0 || !ls.Empty() {
		t.Errorf("with TCP: %+v", ls)
	}
}

// TestRawIPOfNoVersionIsMalformed: a raw IP record (link types 101, 12,
// 14) whose version nibble is neither 4 nor 6 is a damaged frame, not a
// link type ftpsniff does not decode.
func TestRawIPOfNoVersionIsMalformed(t *testing.T) {
	for _, link := range []layers.LinkType{layers.LinkTypeRaw, linkTypeRawBSD, linkTypeRawOpenBSD} {
		for _, frame := range [][]byte{{0x00, 0x01, 0x08, 0x00, 6, 4, 0, 1}, {}} {
			d := New(&segLog{}, Options{})
			d.Decode(frame, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(frame), Length: len(frame)}, link)
			st := d.Stats()
			if st.Malformed != 1 || st.UnknownLink != 0 || len(d.LinkStats().UnknownLinks) != 0 {
				t.Errorf("link %d %x: %d malformed, %d unknown link %+v", link, frame, st.Malformed, st.UnknownLink, d.LinkStats().UnknownLinks)
			}
		}
	}
}
