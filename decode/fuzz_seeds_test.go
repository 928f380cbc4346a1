package decode

import (
	"encoding/binary"
	"maps"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// fuzzSeed is a frame for FuzzDecode and the index of its link type in
// the fuzz target's list.
type fuzzSeed struct {
	frame []byte
	link  uint8
}

// fuzzLinkSeeds are FuzzDecode's seeds of the links and tunnels decoded by
// hand: the point-to-point link types (PPP, PPP in HDLC-like framing,
// PPPoE, Cisco HDLC, with and without a direction byte), GTP-U with
// extension headers, VXLAN on Linux's port 8472, TZSP, MPLS in UDP, MPLS Ethernet pseudowires
// with and without a control word, MPLS over PPP, and the tags in front
// of IP (Cisco MetaData, E-tag, VN-Tag, VLAN tags) and LLC/SNAP.
func fuzzLinkSeeds(tb testing.TB, links []layers.LinkType) []fuzzSeed {
	ip := buildFrame(tb, 21, 50000, []byte("220 ready\r\n"))[14:]
	pppoe := []byte{0x11, 0, 0, 1, 0, 0, 0, 0x21}
	binary.BigEndian.PutUint16(pppoe[4:], uint16(len(ip)+2))
	label := []byte{0, 0x0c, 0x81, 64}
	eth := ethernetFrame(ip)
	vmware := []byte{0x00, 0x50, 0x56, 1, 2, 3}
	cat := func(bs ...[]byte) []byte { return slices.Concat(bs...) }
	var seeds []fuzzSeed
	add := func(link layers.LinkType, frame []byte) {
		i := slices.Index(links, link)
		if i < 0 {
			tb.Fatalf("link type %d not fuzzed", link)
		}
		seeds = append(seeds, fuzzSeed{frame, uint8(i)})
	}
	add(linkTypePPP, cat([]byte{0xff, 0x03, 0x00, 0x21}, ip))
	add(linkTypePPP, cat([]byte{0x21}, ip))
	add(linkTypePPP, cat([]byte{0x02, 0x81}, label, ip))
	add(linkTypePPP, []byte{0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4})
	add(linkTypePPPSerial, cat([]byte{0xff, 0x03, 0x00, 0x21}, ip))
	add(linkTypePPPSerial, cat([]byte{0x0f, 0x00, 0x08, 0x00}, ip))
	add(linkTypePPPEther, cat(pppoe, ip, []byte{0xaa, 0xbb}))
	add(linkTypeCiscoHDLC, cat([]byte{0x0f, 0x00, 0x08, 0x00}, ip))
	add(linkTypeCiscoHDLC, cat([]byte{0x0f, 0x00, 0x88, 0x47}, label, ip))
	add(linkTypePPPWithDir, cat([]byte{1, 0xff, 0x03, 0x00, 0x21}, ip))
	add(linkTypeCHDLCWithDr, cat([]byte{0, 0x0f, 0x00, 0x08, 0x00}, ip))
	add(layers.LinkTypeEthernet, ethernetFrame(seedUDP(tb, portGTPU, gtpU(ip, true, []byte{0x10, 0x09}, []byte{1, 2, 3}))))
	add(layers.LinkTypeEthernet, ethernetFrame(seedUDP(tb, portVXLANLinux, cat([]byte{0x08, 0, 0, 0, 0, 0, 0x2a, 0}, eth))))
	add(layers.LinkTypeEthernet, ethernetFrame(seedUDP(tb, portTZSP, tzsp(tzspEthernet, []byte{0, 10, 1, 0xd6}, eth))))
	add(layers.LinkTypeEthernet, ethernetFrame(seedUDP(tb, portMPLSInUDP, cat(label, ip))))
	add(layers.LinkTypeEthernet, pwFrame(vmware, nil, layers.EthernetTypeIPv4, ip))
	add(layers.LinkTypeEthernet, pwFrame(vmware, []byte{0, 0, 0, 0}, layers.EthernetTypeIPv4, ip))
	add(layers.LinkTypeEthernet, pwFrame([]byte{0x4c, 0x5e, 0x0c, 1, 2, 3}, nil, layers.EthernetTypeIPv4, ip))
	// Tags in front of IP and IEEE 802.3 LLC/SNAP (skipTags).
	for _, name := range slices.Sorted(maps.Keys(taggedIPFrames(ip, layers.EthernetTypeIPv4))) {
		add(layers.LinkTypeEthernet, taggedIPFrames(ip, layers.EthernetTypeIPv4)[name])
	}
	return seeds
}

// seedUDP is an IPv4 packet carrying payload in UDP to port.
func seedUDP(tb testing.TB, port uint16, payload []byte) []byte {
	ip := &layers.IPv4{Version: 4, TTL: 63, Protocol: layers.IPProtocolUDP, SrcIP: []byte{203, 0, 113, 1}, DstIP: []byte{203, 0, 113, 2}}
	udp := &layers.UDP{SrcPort: 49152, DstPort: layers.UDPPort(port)}
	_ = udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, udp, gopacket.Payload(payload)); err != nil {
		tb.Fatal(err)
	}
	return slices.Clone(buf.Bytes())
}

// TestFuzzLinkSeedsDecode: FuzzDecode's seeds of the links and tunnels
// decoded by hand each yield the segment they carry (but the LCP frame),
// so that the fuzzer starts from frames that reach those paths.
func TestFuzzLinkSeedsDecode(t *testing.T) {
	links := []layers.LinkType{layers.LinkTypeEthernet, linkTypePPP, linkTypePPPSerial, linkTypePPPEther, linkTypeCiscoHDLC, linkTypePPPWithDir, linkTypeCHDLCWithDr}
	for i, s := range fuzzLinkSeeds(t, links) {
		d := New(&recorder{}, Options{})
		d.Decode(s.frame, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(s.frame), Length: len(s.frame)}, links[s.link])
		st := d.Stats()
		lcp := s.link == 1 && s.frame[2] == 0xc0
		if lcp != (st.TCP == 0) {
			t.Errorf("seed %d (link %d): %d TCP, %d not IP, %d malformed", i, links[s.link], st.TCP, st.NotIP, st.Malformed)
		}
	}
}

// FuzzPointToPoint feeds arbitrary frames of the point-to-point link
// types (and Ethernet, for the tunnels peeled by hand), some of them
// recorded as cut by the snap length: never a panic, and the IP offset
// read's filters use lies within the frame and is where the decoder
// reads the IP header from.
func FuzzPointToPoint(f *testing.F) {
	links := []layers.LinkType{linkTypePPP, linkTypePPPSerial, linkTypePPPEther, linkTypeCiscoHDLC, linkTypePPPWithDir, linkTypeCHDLCWithDr, layers.LinkTypeEthernet, linkTypeIEEE80211, linkTypeRadiotap}
	for _, s := range fuzzLinkSeeds(f, links) {
		f.Add(s.frame, s.link, uint16(0))
	}
	// 802.11 QoS data to the AP, behind radiotap with TSFT and Flags (FCS).
	dot11 := append(make([]byte, 24), 0, 0, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00)
	dot11[0], dot11[1] = 0x88, 0x01
	ip := []byte{0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0xc3, 0x50, 0, 21, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0}
	rt := []byte{0, 0, 17, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}
	f.Add(append(append([]byte{}, dot11...), ip...), uint8(len(links)-2), uint16(0))
	f.Add(append(append(append(rt, dot11...), ip...), 1, 2, 3, 4), uint8(len(links)-1), uint16(0))
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
