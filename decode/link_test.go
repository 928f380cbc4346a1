package decode

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// fullSegLog keeps whole Segment values (without their payload bytes).
type fullSegLog struct{ segs []Segment }

func (l *fullSegLog) Segment(s *Segment) {
	c := *s
	c.Payload = nil
	l.segs = append(l.segs, c)
}
func (l *fullSegLog) Unreachable(*Unreachable) {}
func (l *fullSegLog) Control(*ControlEvent)    {}
func (l *fullSegLog) Tick(time.Time)           {}
func (l *fullSegLog) Finish()                  {}

// tcpWithOptions is an IP packet src -> dst of a TCP segment with the
// given flags, options and n payload bytes.
func tcpWithOptions(t *testing.T, src, dst netip.AddrPort, syn bool, opts []layers.TCPOption, n int) []byte {
	t.Helper()
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: 1000, Ack: 7, SYN: syn, ACK: true, Window: 502, Options: opts}
	var ip gopacket.SerializableLayer
	if src.Addr().Is4() {
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		_ = tcp.SetNetworkLayerForChecksum(ip4)
		ip = ip4
	} else {
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		_ = tcp.SetNetworkLayerForChecksum(ip6)
		ip = ip6
	}
	return serializeTest(t, ip, tcp, gopacket.Payload(make([]byte, n)))
}

var tsOption = []layers.TCPOption{
	{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
	{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
	{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: make([]byte, 8)},
}

var synOptions = []layers.TCPOption{
	{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{5, 0xb4}},
	{OptionType: layers.TCPOptionKindSACKPermitted, OptionLength: 2},
	{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: make([]byte, 8)},
	{OptionType: layers.TCPOptionKindNop, OptionLength: 1},
	{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}},
}

// TestSnapLengthCutTCPOptions: a snap length that cuts a segment's TCP
// options (tcpdump -s 60 on IPv4, -s 68 on IPv6, with timestamps) left
// every segment "malformed" and the capture empty. The segment is read
// from what is left of its header (at least the ports, numbers and
// flags), its payload all missing (PayloadLen from the IP length); a
// SYN's window scale is unknown, so the largest; a data offset beyond the
// IP packet's length, or past a record that holds the whole frame, stays
// malformed.
func TestSnapLengthCutTCPOptions(t *testing.T) {
	c4, s4 := netip.MustParseAddrPort("10.0.0.2:40000"), netip.MustParseAddrPort("10.0.0.1:21")
	c6, s6 := netip.MustParseAddrPort("[fd00::2]:40000"), netip.MustParseAddrPort("[fd00::1]:21")
	for _, tc := range []struct {
		name      string
		pkt       []byte
		snap      int  // bytes of the Ethernet frame captured
		whole     bool // the record says it holds the whole frame
		doff      int  // data offset to write in (0: as built)
		malformed bool
		window    uint16
		wscale    bool // HasWindowScale with the largest shift
		payload   int  // PayloadLen
	}{
		{name: "v4 snap 60 timestamps", pkt: tcpWithOptions(t, c4, s4, false, tsOption, 30), snap: 60, window: 502, payload: 30},
		{name: "v6 snap 68 timestamps: no window field", pkt: tcpWithOptions(t, c6, s6, false, tsOption, 30), snap: 68, window: 0xffff, payload: 30},
		{name: "v6 snap 74: window, no options", pkt: tcpWithOptions(t, c6, s6, false, tsOption, 30), snap: 74, window: 502, payload: 30},
		{name: "v4 SYN options cut", pkt: tcpWithOptions(t, c4, s4, true, synOptions, 0), snap: 60, window: 502, wscale: true},
		{name: "v4 data offset beyond the IP length", pkt: tcpWithOptions(t, c4, s4, false, tsOption, 0), snap: 60, doff: 15, malformed: true},
		{name: "v4 record whole, options past it", pkt: tcpWithOptions(t, c4, s4, false, tsOption, 30)[:46], snap: 60, whole: true, malformed: true},
		{name: "v6 under 14 bytes of TCP", pkt: tcpWithOptions(t, c6, s6, false, tsOption, 30), snap: 67, malformed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkt := append([]byte(nil), tc.pkt...)
			ipl := 20
			if pkt[0]>>4 == 6 {
				ipl = 40
			}
			if tc.doff > 0 {
				pkt[ipl+12] = byte(tc.doff << 4)
			}
			f := ethernetFrame(pkt)
			orig := len(f)
			if tc.whole {
				// An IPv4 header that says less than the frame is
				// needed: rewrite the total length to the frame's.
				binary.BigEndian.PutUint16(f[14+2:], uint16(len(pkt)))
				f[14+10], f[14+11] = 0, 0
				binary.BigEndian.PutUint16(f[14+10:], ipv4Checksum(f[14:14+20]))
			} else {
				f = f[:tc.snap]
			}
			log := &fullSegLog{}
			d := New(log, Options{})
			d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: orig}, layers.LinkTypeEthernet)
			st := d.Stats()
			if tc.malformed {
				if st.Malformed != 1 || len(log.segs) != 0 {
					t.Fatalf("%d malformed, %d segments: want the frame malformed", st.Malformed, len(log.segs))
				}
				return
			}
			if st.Malformed != 0 || len(log.segs) != 1 {
				t.Fatalf("%d malformed, %d segments: want 1 segment", st.Malformed, len(log.segs))
			}
			s := log.segs[0]
			if s.Src.Port() != 40000 || s.Dst.Port() != 21 || s.Seq != 1000 || s.Ack != 7 {
				t.Errorf("segment %v -> %v seq %d ack %d", s.Src, s.Dst, s.Seq, s.Ack)
			}
			if s.Window != tc.window || s.PayloadLen != tc.payload {
				t.Errorf("window %d payload %d, want %d and %d", s.Window, s.PayloadLen, tc.window, tc.payload)
			}
			if tc.wscale != (s.HasWindowScale && s.WindowScale == maxWindowShift) || !tc.wscale && s.HasWindowScale {
				t.Errorf("window scale %v %d, want unknown (largest) %v", s.HasWindowScale, s.WindowScale, tc.wscale)
			}
			if st := d.Stats(); st.TCPOptionsCut != 1 {
				t.Errorf("%d segments with options cut, want 1", st.TCPOptionsCut)
			}
		})
	}
}

// TestIPLengthBeyondWholeFrame: an IP total length beyond a frame the
// record holds whole (captured length = original length) is a frame
// truncated or corrupted before the capture, not the snap length's cut:
// it was counted as "cut by the snap length", with advice to capture with
// -s 0 that could not help.
func TestIPLengthBeyondWholeFrame(t *testing.T) {
	pkt := innerTCP(t, tunInner4Src, tunInner4Dst, 20)
	binary.BigEndian.PutUint16(pkt[2:], uint16(len(pkt)+5))
	pkt[10], pkt[11] = 0, 0
	binary.BigEndian.PutUint16(pkt[10:], ipv4Checksum(pkt[:20]))
	f := ethernetFrame(pkt)
	for _, tc := range []struct {
		name        string
		orig        int
		snap, whole uint64
	}{
		{"record whole", len(f), 0, 1},
		{"cut by the snap length", len(f) + 5, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &segLog{}
			d := New(log, Options{})
			d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: tc.orig}, layers.LinkTypeEthernet)
			if st := d.Stats(); st.Truncated != tc.snap || st.IPBeyondFrame != tc.whole {
				t.Errorf("%d cut by the snap length, %d IP length beyond the frame: want %d and %d", st.Truncated, st.IPBeyondFrame, tc.snap, tc.whole)
			}
			if len(log.segs) != 1 || log.segs[0].n != 25 {
				t.Errorf("segments %+v: want one of 25 bytes on the wire", log.segs)
			}
		})
	}
}

// TestPointToPointLinkTypes: PPP (DLT 9, with and without RFC 1662
// framing, with a compressed protocol field), PPP_SERIAL (50), Cisco HDLC
// (104, and in 50 as tcpdump reads it), PPP_ETHER (51) and the _WITH_DIR
// variants carry IP behind a few bytes; their frames were counted as an
// unsupported link type and the sessions lost. Their frames of other
// protocols (LCP, keepalives) are not IP.
func TestPointToPointLinkTypes(t *testing.T) {
	pkt4 := innerTCP(t, tunInner4Src, tunInner4Dst, 10)
	pkt6 := innerTCP(t, tunInner6Src, tunInner6Dst, 10)
	pppoe := func(p []byte) []byte {
		h := []byte{0x11, 0, 0, 1, 0, 0, 0, 0x21}
		binary.BigEndian.PutUint16(h[4:], uint16(len(p)+2))
		return append(h, p...)
	}
	for _, tc := range []struct {
		name  string
		link  layers.LinkType
		frame []byte
		tcp   bool
	}{
		{"PPP 9 framed v4", 9, append([]byte{0xff, 0x03, 0x00, 0x21}, pkt4...), true},
		{"PPP 9 unframed v6", 9, append([]byte{0x00, 0x57}, pkt6...), true},
		{"PPP 9 compressed protocol", 9, append([]byte{0x21}, pkt4...), true},
		{"PPP 9 LCP", 9, []byte{0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4}, false},
		{"PPP_SERIAL 50 v4", 50, append([]byte{0xff, 0x03, 0x00, 0x21}, pkt4...), true},
		{"PPP_SERIAL 50 v6", 50, append([]byte{0xff, 0x03, 0x00, 0x57}, pkt6...), true},
		{"PPP_SERIAL 50 Cisco HDLC", 50, append([]byte{0x0f, 0x00, 0x08, 0x00}, pkt4...), true},
		{"C_HDLC 104 v4", 104, append([]byte{0x0f, 0x00, 0x08, 0x00}, pkt4...), true},
		{"C_HDLC 104 v6 broadcast", 104, append([]byte{0x8f, 0x00, 0x86, 0xdd}, pkt6...), true},
		{"C_HDLC 104 keepalive", 104, []byte{0x8f, 0x00, 0x80, 0x35, 0, 0, 0, 2}, false},
		{"PPP_ETHER 51", 51, pppoe(pkt4), true},
		{"PPP_WITH_DIR 204", 204, append([]byte{1, 0xff, 0x03, 0x00, 0x21}, pkt4...), true},
		{"C_HDLC_WITH_DIR 205", 205, append([]byte{0, 0x0f, 0x00, 0x86, 0xdd}, pkt6...), true},
	} {
		t.Run(tc.name, func(t *testing.T) { checkLinkFrame(t, tc.link, tc.frame, tc.tcp) })
	}
}

// checkLinkFrame decodes one frame of link type link: with tcp, it must
// give the 10-byte segment from port 50000 that innerTCP builds; without,
// it must count as not IP. Neither is an unknown link type or malformed.
func checkLinkFrame(t *testing.T, link layers.LinkType, frame []byte, tcp bool) {
	t.Helper()
	log := &segLog{}
	d := New(log, Options{})
	d.Decode(frame, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(frame), Length: len(frame)}, link)
	st := d.Stats()
	if st.UnknownLink != 0 || st.Malformed != 0 {
		t.Fatalf("%d unknown link, %d malformed", st.UnknownLink, st.Malformed)
	}
	if !tcp {
		if st.NotIP != 1 || len(log.segs) != 0 {
			t.Errorf("%d not IP, %d segments: want the frame not IP", st.NotIP, len(log.segs))
		}
		return
	}
	if len(log.segs) != 1 || log.segs[0].n != 10 || log.segs[0].src.Port() != 50000 {
		t.Errorf("segments %+v: want one of 10 bytes from port 50000", log.segs)
	}
}

// TestUnknownLinkTypesNamed: frames of a link type ftpsniff does not
// decode were counted without a word of which link type it was.
func TestUnknownLinkTypesNamed(t *testing.T) {
	d := New(&segLog{}, Options{})
	f := make([]byte, 60)
	for i, link := range []layers.LinkType{119, 119, 300, 119} {
		d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0.Add(time.Duration(i) * time.Millisecond), CaptureLength: 60, Length: 60}, link)
	}
	if st := d.Stats(); st.UnknownLink != 4 {
		t.Fatalf("%d frames of an unknown link type, want 4", st.UnknownLink)
	}
	got := d.LinkStats().UnknownLinks
	want := []LinkTypeCount{{119, "IEEE 802.11 Prism", 3}, {300, "DLT 300", 1}}
	if !slices.Equal(got, want) {
		t.Fatalf("unknown links %+v, want %+v", got, want)
	}
	if s := got[0].String(); s != "3 frames of link type 119 (IEEE 802.11 Prism), not decoded" {
		t.Errorf("%q", s)
	}
	if s := got[1].String(); s != "1 frame of link type 300 (DLT 300), not decoded" {
		t.Errorf("%q", s)
	}
	// The bound: link types past it are counted, not named.
	d = New(&segLog{}, Options{})
	for i := range maxUnknownLinks + 3 {
		d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: 60, Length: 60}, layers.LinkType(1000+i))
	}
	got = d.LinkStats().UnknownLinks
	if len(got) != maxUnknownLinks || got[maxUnknownLinks-1].Frames != 1 || d.Stats().UnknownLink != maxUnknownLinks+3 {
		t.Errorf("unknown links past the bound: %+v, %d frames", got, d.Stats().UnknownLink)
	}
}

// gtpU builds a GTPv1-U T-PDU header for payload: with seq, the S flag
// and its 4 bytes; with exts, the E flag and those extension headers
// (each given as its content, padded to 4-byte units less 2).
func gtpU(payload []byte, seq bool, exts ...[]byte) []byte {
	h := []byte{0x30, gtpTPDU, 0, 0, 0, 0, 0, 1}
	if seq || len(exts) > 0 {
		if seq {
			h[0] |= 0x02
		}
		h = append(h, 0, 1, 0, 0)
		if len(exts) > 0 {
			h[0] |= 0x04
			h[11] = 0x85 // PDU session container
			for i, e := range exts {
				units := (len(e) + 2 + 3) / 4
				x := make([]byte, units*4)
				x[0] = byte(units)
				copy(x[1:], e)
				if i < len(exts)-1 {
					x[len(x)-1] = 0x85
				}
				h = append(h, x...)
			}
		}
	}
	binary.BigEndian.PutUint16(h[2:], uint16(len(h)-8+len(payload)))
	return append(h, payload...)
}

// outerUDPv6 wraps payload in UDP from sport to dport over IPv6.
func outerUDPv6(t *testing.T, sport, dport uint16, payload []byte) []byte {
	t.Helper()
	ip := &layers.IPv6{Version: 6, HopLimit: 63, NextHeader: layers.IPProtocolUDP, SrcIP: tunOuter6[0].AsSlice(), DstIP: tunOuter6[1].AsSlice()}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	_ = udp.SetNetworkLayerForChecksum(ip)
	return serializeTest(t, ip, udp, gopacket.Payload(payload))
}

// TestTunnelsFollowedByHand: FTP inside GTP-U (with or without the
// optional fields and extension headers, IPv4 or IPv6 inside and out,
// cut by the snap length), VXLAN on Linux's port 8472, an MPLS Ethernet
// pseudowire with a control word, MPLS in GRE and MPLS in IP were dropped
// without a word, counted as not TCP or not IP.
func TestTunnelsFollowedByHand(t *testing.T) {
	in4 := innerTCP(t, tunInner4Src, tunInner4Dst, 40)
	in6 := innerTCP(t, tunInner6Src, tunInner6Dst, 40)
	label := []byte{0, 0x0c, 0x81, 64} // label 200, bottom of stack
	for _, tc := range []struct {
		name string
		pkt  []byte // the outer IP packet
		cut  int    // bytes to leave off the end (a snap length)
	}{
		{"GTP-U plain", outerUDPPacket(t, 2152, gtpU(in4, false)), 0},
		{"GTP-U sequence number", outerUDPPacket(t, 2152, gtpU(in4, true)), 0},
		{"GTP-U extension headers", outerUDPPacket(t, 2152, gtpU(in6, true, []byte{0x10, 0x09}, []byte{1, 2, 3, 4, 5, 6, 7})), 0},
		{"GTP-U from the port over IPv6", outerUDPv6(t, 2152, 33000, gtpU(in4, false)), 0},
		{"GTP-U cut by the snap length", outerUDPPacket(t, 2152, gtpU(in4, true, []byte{0x10, 0x09})), 30},
		{"VXLAN on 8472", outerUDPPacket(t, 8472, append([]byte{0x08, 0, 0, 0, 0, 0, 0x2a, 0}, ethernetFrame(in4)...)), 0},
		{"VXLAN on 8472 over IPv6", outerUDPv6(t, 40123, 8472, append([]byte{0x08, 0, 0, 0, 0, 0, 0x2a, 0}, ethernetFrame(in6)...)), 0},
		{"MPLS in GRE", outerPacket(t, false, layers.IPProtocolGRE, append([]byte{0, 0, 0x88, 0x47}, append(label, in4...)...)), 0},
		{"MPLS in IP", outerPacket(t, true, layers.IPProtocolMPLSInIP, append(label, in6...)), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := ethernetFrame(tc.pkt)
			orig := len(f)
			f = f[:len(f)-tc.cut]
			log := &segLog{}
			d := New(log, Options{})
			d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: orig}, layers.LinkTypeEthernet)
			st := d.Stats()
			if st.TCP != 1 || st.NotTCP != 0 || st.Decapsulated == 0 || len(log.segs) != 1 {
				t.Fatalf("%d TCP, %d not TCP, %d decapsulated, %d segments: want the inner segment", st.TCP, st.NotTCP, st.Decapsulated, len(log.segs))
			}
			if s := log.segs[0]; s.src.Port() != 50000 || s.dst.Port() != 40000 || s.n != 40 {
				t.Errorf("segment %+v", s)
			}
		})
	}
	t.Run("MPLS Ethernet pseudowire", func(t *testing.T) {
		f := ethernetFrame(in4)
		pw := append(append(append([]byte{}, label...), 0, 0, 0, 0), f...)
		outer := append(append([]byte{}, f[:12]...), 0x88, 0x47)
		outer = append(outer, pw...)
		log := &segLog{}
		d := New(log, Options{})
		d.Decode(outer, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(outer), Length: len(outer)}, layers.LinkTypeEthernet)
		if st := d.Stats(); st.TCP != 1 || st.NotIP != 0 {
			t.Fatalf("%d TCP, %d not IP", st.TCP, st.NotIP)
		}
	})
}

// TestTunnelsNotFollowedNamed: tunneled packets ftpsniff does not follow
// are counted by kind, so that the summary can name them; GTP-U's own
// messages (an echo) and IKE on 4500 are no tunneled traffic.
func TestTunnelsNotFollowedNamed(t *testing.T) {
	esp := []byte{0, 0, 0x10, 0x01, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef}
	for _, tc := range []struct {
		name string
		pkt  []byte
		kind string // "" for none
	}{
		{"ESP", outerPacket(t, false, layers.IPProtocolESP, esp), "IPsec ESP (encrypted)"},
		{"ESP in UDP", outerUDPPacket(t, 4500, esp), "IPsec ESP (encrypted)"},
		{"IKE on 4500", outerUDPPacket(t, 4500, append([]byte{0, 0, 0, 0}, esp...)), ""},
		{"L2TP", outerUDPPacket(t, 1701, []byte{0x02, 0x02, 0, 1, 0, 1, 0xff, 0x03, 0, 0x21}), "L2TP"},
		{"L2TPv3", outerPacket(t, true, 115, esp), "L2TP"},
		{"GRE with PPP", outerPacket(t, false, layers.IPProtocolGRE, []byte{0x30, 0x01, 0x88, 0x0b, 0, 4, 0, 1, 0, 0, 0, 1, 0xff, 0x03}), "GRE carrying a protocol not followed (PPTP's PPP, ...)"},
		{"GTP-U echo", outerUDPPacket(t, 2152, []byte{0x32, 1, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0}), ""},
		{"GTP-U carrying PPP", outerUDPPacket(t, 2152, gtpU([]byte{0xff, 0x03, 0xc0, 0x21}, false)), "GTP-U carrying no IP"},
		{"DNS", outerUDPPacket(t, 53, esp), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := ethernetFrame(tc.pkt)
			d := New(&segLog{}, Options{})
			d.Decode(f, gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
			ls, n := d.LinkStats(), d.Stats().TunnelsNotFollowed
			if tc.kind == "" {
				if n != 0 {
					t.Errorf("counted as a tunnel not followed: %v", ls.Tunnels)
				}
				return
			}
			if n != 1 || !slices.Equal(ls.Tunnels, []string{tc.kind}) {
				t.Errorf("%d tunnels not followed %q, want 1 %q", n, ls.Tunnels, tc.kind)
			}
		})
	}
}

// TestUDPTunnelPeelAllocFree: following GTP-U with extension headers and
// VXLAN on 8472 allocates nothing per packet (gopacket's GTPv1U layer
// allocates for its extension headers).
func TestUDPTunnelPeelAllocFree(t *testing.T) {
	a := netip.MustParseAddrPort("10.9.0.100:50000")
	b := netip.MustParseAddrPort("10.9.0.10:50001")
	in := innerTCP(t, a, b, 0)
	for name, pkt := range map[string][]byte{
		"GTP-U": outerUDPPacket(t, 2152, gtpU(in, true, []byte{0x10, 0x09}, []byte{1, 2})),
		"VXLAN": outerUDPPacket(t, 8472, append([]byte{0x08, 0, 0, 0, 0, 0, 0x2a, 0}, ethernetFrame(in)...)),
	} {
		f := ethernetFrame(pkt)
		d := New(&segLog{}, Options{})
		ci := gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(f), Length: len(f)}
		d.Decode(f, ci, layers.LinkTypeEthernet)
		h := &nopHandler{}
		d = New(h, Options{})
		d.Decode(f, ci, layers.LinkTypeEthernet)
		if n := testing.AllocsPerRun(100, func() { d.Decode(f, ci, layers.LinkTypeEthernet) }); n != 0 {
			t.Errorf("%s: %.1f allocations a packet", name, n)
		}
		if st := d.Stats(); st.TCP == 0 {
			t.Errorf("%s: no TCP decoded", name)
		}
	}
}

type nopHandler struct{}

func (nopHandler) Segment(*Segment)         {}
func (nopHandler) Unreachable(*Unreachable) {}
func (nopHandler) Control(*ControlEvent)    {}
func (nopHandler) Tick(time.Time)           {}
func (nopHandler) Finish()                  {}

// TestPointToPointIPOffset: the IP header's offset in point-to-point
// frames, for read's packet filters.
func TestPointToPointIPOffset(t *testing.T) {
	ip := []byte{0x45, 0, 0, 20}
	for _, tc := range []struct {
		link  layers.LinkType
		frame []byte
		off   int
		ok    bool
	}{
		{9, append([]byte{0xff, 0x03, 0x00, 0x21}, ip...), 4, true},
		{9, append([]byte{0x00, 0x21}, ip...), 2, true},
		{9, []byte{0xc0, 0x21, 1, 1}, -1, true},
		{50, append([]byte{0xff, 0x03, 0x00, 0x21}, ip...), 4, true},
		{104, append([]byte{0x0f, 0x00, 0x08, 0x00}, ip...), 4, true},
		{205, append([]byte{1, 0x0f, 0x00, 0x08, 0x00}, ip...), 5, true},
		{127, ip, -1, true}, // radiotap, cut short
		{119, ip, 0, false},
	} {
		if off, ok := PointToPointIPOffset(tc.link, tc.frame); off != tc.off || ok != tc.ok {
			t.Errorf("link %d %x: %d %v, want %d %v", tc.link, tc.frame, off, ok, tc.off, tc.ok)
		}
	}
}
