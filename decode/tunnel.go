package decode

import (
	"encoding/binary"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// peel looks at where the parser stopped: at an Ethernet, 802.1Q, Linux
// cooked (SLL, SLL2) or GRE header carrying MPLS or a PPPoE session, which gopacket decodes only
// with its slow packet API, or IP behind a tag or an LLC/SNAP header it
// does not know (skipTags), or at a UDP tunnel it has no decoding layer
// for (GTP-U, VXLAN on Linux's port). It returns the packet inside and
// the parser to read it with, or next < 0.
func peel(ls *layerSet) (inner []byte, next int) {
	n := len(ls.decoded)
	if n == 0 {
		return nil, -1
	}
	// An IP header last, the parser's stop before the TCP header it does
	// not decode, first: nearly every frame (the layer types are
	// variables, compared one by one).
	switch ls.decoded[n-1] {
	case layers.LayerTypeIPv4:
		// MPLS in IP (RFC 4023), which the parser does not follow.
		if ls.ip4.Protocol != layers.IPProtocolMPLSInIP || lastIPFragment(ls) {
			return nil, -1
		}
		return peelMPLS(ls.ip4.Payload)
	case layers.LayerTypeIPv6:
		if ls.ip6.NextHeader != layers.IPProtocolMPLSInIP {
			return nil, -1
		}
		return peelMPLS(ls.ip6.Payload)
	}
	if typ, payload, ok := ls.linkEtherType(); ok {
		return peelEtherType(typ, payload)
	}
	var typ layers.EthernetType
	var payload []byte
	switch ls.decoded[n-1] {
	case layers.LayerTypeGRE:
		if ls.gre.Protocol == greERSPAN3 {
			return peelERSPAN3(ls.gre.Payload)
		}
		if ls.gre.Protocol < maxLLCLength {
			return nil, -1 // no 802.3 length in GRE: its protocol is an EtherType
		}
		typ, payload = ls.gre.Protocol, ls.gre.Payload
	case gopacket.LayerTypePayload:
		if n < 2 || ls.decoded[n-2] != layers.LayerTypeUDP {
			return nil, -1
		}
		return peelUDP(ls)
	case layers.LayerTypeUDP:
		return peelUDP(ls)
	default:
		return nil, -1
	}
	return peelEtherType(typ, payload)
}

// linkEtherType is the EtherType and payload of the link header the
// parser stopped at (Ethernet, 802.1Q, Linux cooked SLL or SLL2): what it
// carries that the parser did not follow.
func (ls *layerSet) linkEtherType() (layers.EthernetType, []byte, bool) {
	n := len(ls.decoded)
	if n == 0 {
		return 0, nil, false
	}
	switch ls.decoded[n-1] {
	case layers.LayerTypeEthernet:
		return ls.eth.EthernetType, ls.eth.Payload, true
	case layers.LayerTypeDot1Q:
		return ls.dot1q.Type, ls.dot1q.Payload, true
	case layers.LayerTypeLinuxSLL:
		return ls.sll.EthernetType, ls.sll.Payload, true
	case layers.LayerTypeLinuxSLL2:
		return ls.sll2.ProtocolType, ls.sll2.Payload, true
	}
	return 0, nil, false
}

// UDP ports of the tunnels peelUDP follows (gopacket decodes VXLAN on
// IANA's 4789 and GENEVE on 6081 itself).
const (
	portGTPU       = 2152  // 3GPP TS 29.281
	portVXLANLinux = 8472  // Linux's default VXLAN port, from before IANA's
	portMPLSInUDP  = 6635  // RFC 7510
	portTZSP       = 37008 // TZSP: MikroTik's packet sniffer streaming to a collector
)

// peelUDP follows the UDP tunnels gopacket has no decoding layer for:
// GTP-U (its layer allocates for extension headers and rejects a packet
// the snap length cut), VXLAN on Linux's port 8472, MPLS in UDP (RFC
// 7510) and TZSP. Not when the datagram is an IP fragment: the
// defragmenter has it whole.
func peelUDP(ls *layerSet) ([]byte, int) {
	u := &ls.udp
	switch {
	case u.DstPort == portVXLANLinux:
		if lastIPFragment(ls) {
			return nil, -1
		}
		return peelVXLAN(u.Payload)
	case u.DstPort == portMPLSInUDP:
		if lastIPFragment(ls) {
			return nil, -1
		}
		return peelMPLS(u.Payload)
	case u.DstPort == portTZSP:
		if lastIPFragment(ls) {
			return nil, -1
		}
		b, next, _ := peelTZSP(u.Payload)
		return b, next
	case u.DstPort == portGTPU || u.SrcPort == portGTPU:
		if lastIPFragment(ls) {
			return nil, -1
		}
		b, next, _ := peelGTPU(u.Payload)
		return b, next
	}
	return nil, -1
}

// lastIPFragment tells whether the innermost IP header decoded is a
// fragment's.
func lastIPFragment(ls *layerSet) bool {
	for i := len(ls.decoded) - 1; i >= 0; i-- {
		switch ls.decoded[i] {
		case layers.LayerTypeIPv4:
			return ls.ip4.Flags&layers.IPv4MoreFragments != 0 || ls.ip4.FragOffset != 0
		case layers.LayerTypeIPv6Fragment:
			return ls.ip6frag.FragmentOffset != 0 || ls.ip6frag.MoreFragments
		case layers.LayerTypeIPv6:
			return false
		}
	}
	return false
}

// peelVXLAN skips a VXLAN header (RFC 7348: 8 bytes, the I flag set) in
// front of an Ethernet frame.
func peelVXLAN(b []byte) ([]byte, int) {
	if len(b) < 8+14 || b[0]&0x08 == 0 {
		return nil, -1
	}
	return b[8:], firstEthernet
}

// TZSP encapsulations followed (Wireshark's packet-tzsp.c numbering):
// what a MikroTik sniffer streams from a wired port, and from a wireless
// one.
const (
	tzspEthernet  = 1
	tzspIEEE80211 = 18
)

// Tags of a TZSP header that are one byte long; the others are a type, a
// length and that many bytes.
const (
	tzspTagPadding = 0
	tzspTagEnd     = 1
)

// peelTZSP skips a TZSP header (version 1; type 0, a received packet, or
// 1, one to transmit; the encapsulation; then tags up to the END tag) in
// front of the frame it carries: Ethernet, or 802.11 read as its link
// type is. tzsp tells a TZSP packet whose frame is not followed (next <
// 0): a tunnel not followed. Bounded by b: each tag takes a byte or more.
func peelTZSP(b []byte) (inner []byte, next int, tzsp bool) {
	if len(b) < 5 || b[0] != 1 || b[1] > 1 {
		return nil, -1, false
	}
	encap := binary.BigEndian.Uint16(b[2:4])
	off := 4
	for {
		if off >= len(b) {
			return nil, -1, true
		}
		tag := b[off]
		if tag == tzspTagEnd {
			off++
			break
		}
		if tag == tzspTagPadding {
			off++
			continue
		}
		if off+1 >= len(b) {
			return nil, -1, true
		}
		off += 2 + int(b[off+1])
	}
	switch encap {
	case tzspEthernet:
		if len(b)-off >= 14 {
			return b[off:], firstEthernet, true
		}
	case tzspIEEE80211:
		inner, next = peel80211(b[off:])
		return inner, next, true
	}
	return nil, -1, true
}

// greERSPAN3 is the GRE protocol type of ERSPAN Type III (gopacket
// follows Types I and II, 0x88be, itself).
const greERSPAN3 layers.EthernetType = 0x22eb

// ERSPAN Type III frame types (the FT field): what follows the header.
const (
	erspanFTEthernet = 0
	erspanFTIP       = 2
)

// peelERSPAN3 skips an ERSPAN Type III header (draft-foschiano-erspan;
// Linux's erspan_ver 2, Cisco's ERSPAN Type III sessions; Wireshark's
// packet-erspan.c reads it the same): 12 bytes, version 2 in the first nibble, the frame type in bits 6-2 of the
// 11th byte, and the O bit, the last of the 12th, announcing the 8-byte
// platform-specific subheader after them. What follows is an Ethernet
// frame (frame type 0, what Linux sends) or an IP packet (2).
func peelERSPAN3(b []byte) ([]byte, int) {
	if len(b) < 12 || b[0]>>4 != 2 {
		return nil, -1
	}
	off := 12
	if b[11]&1 != 0 {
		off += 8
	}
	if len(b) < off {
		return nil, -1
	}
	switch b[10] >> 2 & 0x1f {
	case erspanFTEthernet:
		return b[off:], firstEthernet
	case erspanFTIP:
		return ipByVersion(b[off:])
	}
	return nil, -1
}

// GTP-U message type of a T-PDU, user data (3GPP TS 29.281 6.1).
const gtpTPDU = 255

// peelGTPU skips a GTPv1-U header (3GPP TS 29.281 5.1): 8 bytes, 4 more
// when any of the E, S and PN flags is set, then the extension headers
// the E flag announces, each a multiple of 4 bytes whose last byte is the
// type of the next (0: none). The T-PDU is the rest, up to the length
// the header gives (less when the snap length cut it). tpdu tells a
// T-PDU whose payload is not IP (next < 0): a tunnel not followed.
func peelGTPU(b []byte) (inner []byte, next int, tpdu bool) {
	if len(b) < 8 || b[0]>>5 != 1 || b[0]&0x10 == 0 || b[1] != gtpTPDU {
		return nil, -1, false
	}
	end := 8 + int(binary.BigEndian.Uint16(b[2:4]))
	off := 8
	if b[0]&0x07 != 0 {
		off = 12
		if len(b) < off {
			return nil, -1, true
		}
		if b[0]&0x04 != 0 {
			// Bounded: each extension header takes 4 bytes or more.
			for nextType := b[11]; nextType != 0; nextType = b[off-1] {
				if off >= len(b) || b[off] == 0 {
					return nil, -1, true
				}
				off += int(b[off]) * 4
				if off > len(b) {
					return nil, -1, true
				}
			}
		}
	}
	if end < off {
		return nil, -1, true
	}
	if end < len(b) {
		b = b[:end]
	}
	inner, next = ipByVersion(b[off:])
	return inner, next, true
}

// peelEtherType returns the IP packet in payload, of EtherType typ, for
// the types the parser does not follow itself: MPLS, a PPPoE session, and
// IP behind the tags skipTags skips. typ IPv4 or IPv6 with no tag before
// it is the parser's own (an IP header it rejected): not read again.
func peelEtherType(typ layers.EthernetType, payload []byte) ([]byte, int) {
	typ, b, tags := skipTags(typ, payload)
	switch typ {
	case layers.EthernetTypeIPv4:
		if tags > 0 {
			return b, firstIPv4
		}
	case layers.EthernetTypeIPv6:
		if tags > 0 {
			return b, firstIPv6
		}
	case layers.EthernetTypeMPLSUnicast, layers.EthernetTypeMPLSMulticast:
		return peelMPLS(b)
	case layers.EthernetTypePPPoESession:
		return peelPPPoE(b)
	}
	return nil, -1
}

// The service tags of QinQ before 802.1ad gave it 0x88a8, still sent by
// switches configured for them (Cisco's and Juniper's "dot1q-tunnel
// ethertype 0x9100", for one). gopacket follows 0x8100 and 0x88a8 only.
const (
	tpid9100 layers.EthernetType = 0x9100
	tpid9200 layers.EthernetType = 0x9200
	tpid9300 layers.EthernetType = 0x9300
)

// Tags a switch puts between the source address and the EtherType: each
// its EtherType, a fixed header, then the next EtherType (the lengths are
// Wireshark's: packet-cisco-metadata.c, packet-etag.c, packet-vntag.c).
// A SPAN port of a TrustSec network delivers frames with the Cisco
// MetaData tag, a port extender's uplink with E-tags or VN-tags.
const (
	// Cisco MetaData (TrustSec inline tagging): version, length, an
	// option (type and length) and the SGT. Wireshark and Arkime read
	// these 6 bytes whatever the length byte says (1, the SGT option
	// alone, the only one Cisco sends).
	etherTypeCMD layers.EthernetType = 0x8909
	// IEEE 802.1BR E-tag: E-PCP, E-DEI, the E-CIDs.
	etherTypeETag layers.EthernetType = 0x893f
	// Cisco VN-Tag (802.1Qbh, a Nexus fabric extender's uplink).
	etherTypeVNTag layers.EthernetType = 0x8926
)

// The tags' lengths before the next EtherType.
const (
	cmdHeader   = 6
	eTagHeader  = 6
	vnTagHeader = 4
)

// maxTags bounds the tags skipTags skips in one frame.
const maxTags = 8

// maxLLCLength: an EtherType field below it is an IEEE 802.3 length, and
// an LLC header follows (IEEE 802.3 3.2.6: 1536, 0x600).
const maxLLCLength = 0x600

// skipTags skips the tags in front of the next EtherType that the parser
// does not follow itself: VLAN tags of any TPID, Cisco MetaData, E-tags,
// VN-tags, and an IEEE 802.3 length with an LLC/SNAP header carrying an
// EtherType (RFC 1042's OUI 0, or 802.1H's 00-00-f8), as Wireshark's
// packet-llc.c reads them. It returns the EtherType the tags end at and
// the bytes after it, and how many tags it skipped; a tag cut short, or
// an LLC header with no EtherType (STP, CDP, ...), ends the walk there
// (typ is then that tag's or the 802.3 length). Bounded by maxTags.
func skipTags(typ layers.EthernetType, b []byte) (layers.EthernetType, []byte, int) {
	for tags := range maxTags {
		var n int // the tag's bytes before the next EtherType
		switch typ {
		case layers.EthernetTypeDot1Q, layers.EthernetTypeQinQ, tpid9100, tpid9200, tpid9300:
			n = 2
		case etherTypeCMD:
			n = cmdHeader
		case etherTypeETag:
			n = eTagHeader
		case etherTypeVNTag:
			n = vnTagHeader
		default:
			if typ >= maxLLCLength || !snapEtherType(b) {
				return typ, b, tags
			}
			n = 6 // DSAP, SSAP, control; the OUI
		}
		if len(b) < n+2 {
			return typ, b, tags
		}
		typ = layers.EthernetType(binary.BigEndian.Uint16(b[n : n+2]))
		b = b[n+2:]
	}
	return typ, b, maxTags // typ a tag still: more than maxTags, not followed
}

// snapEtherType tells whether b starts with an LLC header of SNAP (DSAP
// and SSAP 0xaa, an unnumbered-information control byte) whose OUI says
// an EtherType follows: 00-00-00 (RFC 1042) or 00-00-f8 (IEEE 802.1H).
func snapEtherType(b []byte) bool {
	return len(b) >= 8 && b[0] == 0xaa && b[1] == 0xaa && b[2] == 0x03 && b[3] == 0 && b[4] == 0 && (b[5] == 0 || b[5] == 0xf8)
}

// peelMPLS skips an MPLS label stack (RFC 3032: 4 bytes a label, the last
// with the bottom-of-stack bit) and reads what follows it (peelAfterLabels).
func peelMPLS(b []byte) ([]byte, int) {
	for len(b) >= 4 {
		bottom := b[2]&1 != 0
		b = b[4:]
		if bottom {
			return peelAfterLabels(b)
		}
	}
	return nil, -1
}

// peelAfterLabels reads what follows an MPLS label stack: IPv4 or IPv6,
// guessed from the first nibble as routers do, or an Ethernet
// pseudowire's frame (RFC 4448), with or without the control word (RFC
// 4385: 4 bytes, a first nibble of 0) the RFC makes optional. A frame
// without it starts with a destination MAC address, whose first nibble is
// anything: 0 too (00:50:56, 00:0c:29), 4 or 6. The Ethernet readings are
// taken when they find an EtherType and the IP header it announces
// (plausibleEthernet); an IPv4 header whose checksum holds is IPv4. No
// reading plausible, the packet is not followed (unless the first nibble
// says IP: the parser finds it malformed or cut).
func peelAfterLabels(b []byte) ([]byte, int) {
	if len(b) == 0 {
		return nil, -1
	}
	switch b[0] >> 4 {
	case 4:
		if plausibleIPv4(b) && ipv4HeaderSumOK(b) || !plausibleEthernet(b) {
			return b, firstIPv4
		}
		return b, firstEthernet
	case 6:
		if plausibleEthernet(b) {
			return b, firstEthernet
		}
		return b, firstIPv6
	case 0:
		// A control word, or a MAC address. Both readings plausible
		// (unlikely: an EtherType and an IP header found twice), the
		// control word's reserved bits (RFC 4448 4.6: zero) decide.
		cw := len(b) >= 4 && plausibleEthernet(b[4:])
		if cw && (b[0] == 0 && b[1] == 0 || !plausibleEthernet(b)) {
			return b[4:], firstEthernet
		}
	}
	if plausibleEthernet(b) {
		return b, firstEthernet
	}
	return nil, -1
}

// plausibleEthernet tells whether b reads as an Ethernet frame carrying
// IP: an EtherType of IPv4 or IPv6 with a header of that version (behind
// VLAN tags of any TPID, up to maxTags), or of MPLS with a label stack
// that ends (within maxEncapsulation labels) before an IP header or a
// control word's first nibble.
func plausibleEthernet(b []byte) bool {
	if len(b) < 14 {
		return false
	}
	typ := layers.EthernetType(binary.BigEndian.Uint16(b[12:14]))
	b = b[14:]
	for range maxTags + 1 {
		switch typ {
		case layers.EthernetTypeIPv4:
			return plausibleIPv4(b)
		case layers.EthernetTypeIPv6:
			return plausibleIPv6(b)
		case layers.EthernetTypeMPLSUnicast, layers.EthernetTypeMPLSMulticast:
			for range maxEncapsulation {
				if len(b) < 5 {
					return false
				}
				bottom := b[2]&1 != 0
				b = b[4:]
				if bottom {
					v := b[0] >> 4
					return v == 4 || v == 6 || v == 0
				}
			}
			return false
		case layers.EthernetTypeDot1Q, layers.EthernetTypeQinQ, tpid9100, tpid9200, tpid9300:
			if len(b) < 4 {
				return false
			}
			typ = layers.EthernetType(binary.BigEndian.Uint16(b[2:4]))
			b = b[4:]
		default:
			return false
		}
	}
	return false
}

// plausibleIPv4 tells whether b starts with an IPv4 header: version 4, a
// header length of 20 bytes or more, a total length that holds it.
func plausibleIPv4(b []byte) bool {
	if len(b) < 20 || b[0]>>4 != 4 {
		return false
	}
	hl := int(b[0]&0x0f) * 4
	return hl >= 20 && int(binary.BigEndian.Uint16(b[2:4])) >= hl
}

// ipv4HeaderSumOK tells whether the checksum of the IPv4 header b starts
// with holds (RFC 791: the header's 16-bit words sum to all ones).
func ipv4HeaderSumOK(b []byte) bool {
	hl := int(b[0]&0x0f) * 4
	if hl < 20 || len(b) < hl {
		return false
	}
	var sum uint32
	for i := 0; i < hl; i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return sum == 0xffff
}

// plausibleIPv6 tells whether b starts with an IPv6 header: version 6, 40
// bytes.
func plausibleIPv6(b []byte) bool {
	return len(b) >= 40 && b[0]>>4 == 6
}

// PPP protocol numbers (RFC 1332, RFC 5072).
const (
	pppIPv4 = 0x0021
	pppIPv6 = 0x0057
)

// peelPPPoE skips a PPPoE session header (RFC 2516: 6 bytes) and the PPP
// protocol field.
func peelPPPoE(b []byte) ([]byte, int) {
	if len(b) < 8 || b[0] != 0x11 || b[1] != 0 {
		return nil, -1
	}
	n := int(binary.BigEndian.Uint16(b[4:6])) // the PPP frame's length
	b = b[6:]
	if n >= 2 && n <= len(b) {
		b = b[:n]
	}
	switch binary.BigEndian.Uint16(b[0:2]) {
	case pppIPv4:
		return b[2:], firstIPv4
	case pppIPv6:
		return b[2:], firstIPv6
	}
	return nil, -1
}

func ipByVersion(b []byte) ([]byte, int) {
	if len(b) == 0 {
		return nil, -1
	}
	switch b[0] >> 4 {
	case 4:
		return b, firstIPv4
	case 6:
		return b, firstIPv6
	}
	return nil, -1
}

// tunnelKinds names the tunnels ftpsniff meets and does not follow, by
// tunnelKind (LinkStats.Tunnels).
var tunnelKinds = [...]string{
	"L2TP",
	"IPsec ESP (encrypted)",
	"Teredo",
	"GUE",
	"VXLAN-GPE",
	"GTP-U carrying no IP",
	"GRE carrying a protocol not followed (PPTP's PPP, ...)",
	"EtherIP",
	"MPLS with no IP found under its labels",
	"IPsec AH",
	"TZSP carrying a frame not followed (not Ethernet or 802.11)",
}

// tunnelKind indexes tunnelKinds; noTunnel is none.
type tunnelKind int

const (
	tunL2TP tunnelKind = iota
	tunESP
	tunTeredo
	tunGUE
	tunVXLANGPE
	tunGTPNoIP
	tunGRE
	tunEtherIP
	tunMPLS
	tunAH
	tunTZSP
	noTunnel tunnelKind = -1
)

// IP protocol numbers of tunnels not followed.
const (
	ipProtoEtherIP layers.IPProtocol = 97
	ipProtoL2TPv3  layers.IPProtocol = 115
)

// notFollowed tells the tunnel a packet the parser read no TCP or ICMP
// from belongs to, or noTunnel. Off the TCP path: only for what is
// counted as not TCP or not IP.
func notFollowed(ls *layerSet, proto layers.IPProtocol) tunnelKind {
	n := len(ls.decoded)
	if n == 0 {
		return noTunnel
	}
	last := ls.decoded[n-1]
	if last == gopacket.LayerTypePayload && n >= 2 {
		last = ls.decoded[n-2]
	}
	switch last {
	case layers.LayerTypeUDP:
		u := &ls.udp
		port := func(p layers.UDPPort) bool { return u.DstPort == p || u.SrcPort == p }
		switch {
		case port(1701):
			return tunL2TP
		case port(4500):
			// RFC 3948: a non-ESP marker (4 zero bytes) is IKE's.
			if len(u.Payload) >= 4 && binary.BigEndian.Uint32(u.Payload) != 0 {
				return tunESP
			}
		case port(3544):
			return tunTeredo
		case port(6080):
			return tunGUE
		case port(4790):
			return tunVXLANGPE
		case port(portGTPU):
			if _, next, tpdu := peelGTPU(u.Payload); tpdu && next < 0 {
				return tunGTPNoIP
			}
		case u.DstPort == portTZSP:
			if _, next, tzsp := peelTZSP(u.Payload); tzsp && next < 0 {
				return tunTZSP
			}
		case u.DstPort == portMPLSInUDP:
			return tunMPLS // (with no IP under the labels: peel follows the rest)
		}
		return noTunnel
	case layers.LayerTypeGRE:
		return tunGRE
	case layers.LayerTypeEthernet:
		if ls.eth.EthernetType == layers.EthernetTypeMPLSUnicast || ls.eth.EthernetType == layers.EthernetTypeMPLSMulticast {
			return tunMPLS
		}
		return noTunnel
	case layers.LayerTypeDot1Q:
		if ls.dot1q.Type == layers.EthernetTypeMPLSUnicast || ls.dot1q.Type == layers.EthernetTypeMPLSMulticast {
			return tunMPLS
		}
		return noTunnel
	case layers.LayerTypeIPv4, layers.LayerTypeIPv6, layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination:
		switch proto {
		case layers.IPProtocolESP:
			return tunESP
		case layers.IPProtocolAH:
			return tunAH
		case ipProtoEtherIP:
			return tunEtherIP
		case ipProtoL2TPv3:
			return tunL2TP
		case layers.IPProtocolMPLSInIP:
			return tunMPLS // (with no IP under the labels: peel follows the rest)
		}
	}
	return noTunnel
}
