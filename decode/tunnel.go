package decode

import (
	"encoding/binary"

	"github.com/gopacket/gopacket/layers"
)

// peel looks at where the parser stopped: at an Ethernet or 802.1Q
// header carrying MPLS or a PPPoE session, which gopacket decodes only
// with its slow packet API. It returns the IP packet inside and the
// parser to read it with, or next < 0.
func peel(ls *layerSet) (inner []byte, next int) {
	if len(ls.decoded) == 0 {
		return nil, -1
	}
	var typ layers.EthernetType
	var payload []byte
	switch ls.decoded[len(ls.decoded)-1] {
	case layers.LayerTypeEthernet:
		typ, payload = ls.eth.EthernetType, ls.eth.Payload
	case layers.LayerTypeDot1Q:
		typ, payload = ls.dot1q.Type, ls.dot1q.Payload
	default:
		return nil, -1
	}
	return peelEtherType(typ, payload)
}

// peelEtherType returns the IP packet in payload, of EtherType typ, for
// the types the parser does not follow itself.
func peelEtherType(typ layers.EthernetType, payload []byte) ([]byte, int) {
	switch typ {
	case layers.EthernetTypeMPLSUnicast, layers.EthernetTypeMPLSMulticast:
		return peelMPLS(payload)
	case layers.EthernetTypePPPoESession:
		return peelPPPoE(payload)
	case tpid9100, tpid9200, tpid9300:
		return peelVLANTags(payload)
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

// maxVLANTags bounds the tags peelVLANTags skips in one frame.
const maxVLANTags = 8

// peelVLANTags skips VLAN tags (4 bytes each: TCI, then the next
// EtherType), of any TPID gopacket does not know, up to maxVLANTags.
func peelVLANTags(b []byte) ([]byte, int) {
	for range maxVLANTags {
		if len(b) < 4 {
			return nil, -1
		}
		typ := layers.EthernetType(binary.BigEndian.Uint16(b[2:4]))
		b = b[4:]
		switch typ {
		case layers.EthernetTypeIPv4:
			return b, firstIPv4
		case layers.EthernetTypeIPv6:
			return b, firstIPv6
		case layers.EthernetTypeDot1Q, layers.EthernetTypeQinQ, tpid9100, tpid9200, tpid9300:
			continue
		}
		return peelEtherType(typ, b)
	}
	return nil, -1
}

// peelMPLS skips an MPLS label stack (RFC 3032: 4 bytes a label, the last
// with the bottom-of-stack bit) and guesses IPv4 or IPv6 from the first
// nibble after it, as routers do; an Ethernet pseudowire is not followed.
func peelMPLS(b []byte) ([]byte, int) {
	for len(b) >= 4 {
		bottom := b[2]&1 != 0
		b = b[4:]
		if bottom {
			return ipByVersion(b)
		}
	}
	return nil, -1
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
