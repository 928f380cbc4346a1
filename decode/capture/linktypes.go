package capture

import (
	"fmt"

	"github.com/gopacket/gopacket/layers"
)

// LinkTypeDecoded tells whether package decode reads frames of the link
// type: a pcap file of another is refused when opened, a pcapng file all
// of whose packets are of others fails at its end (ErrUnsupported), so
// that a capture nothing could be read from says so instead of reporting
// no sessions. Kept in step with decode's own list by its test
// (TestCaptureKnowsTheLinkTypesDecoded).
func LinkTypeDecoded(link layers.LinkType) bool {
	switch link {
	case 0, 108, // BSD loopback, OpenBSD's
		1,         // Ethernet
		9, 50, 51, // PPP, PPP in HDLC-like framing, PPPoE
		104,      // Cisco HDLC
		204, 205, // PPP and Cisco HDLC with a direction byte
		12, 14, 101, // raw IP
		228, 229, // IPv4, IPv6
		113, 276, // Linux cooked, v1 and v2
		105, 127, // 802.11, bare and radiotap
		117, 239: // pflog, NFLOG
		return true
	}
	return false
}

// LinkTypeName names a link type for messages: the tcpdump name of the
// common ones ftpsniff does not decode, else "DLT" and the number.
func LinkTypeName(link layers.LinkType) string {
	switch link {
	case 6:
		return "IEEE 802.5 Token Ring"
	case 8:
		return "SLIP"
	case 10:
		return "FDDI"
	case 105:
		return "IEEE 802.11"
	case 107:
		return "Frame Relay"
	case 119:
		return "IEEE 802.11 Prism"
	case 127:
		return "IEEE 802.11 radiotap"
	case 163:
		return "IEEE 802.11 AVS"
	case 192:
		return "PPI"
	case 195, 215, 230, 283:
		return "IEEE 802.15.4"
	case 187, 201:
		return "Bluetooth HCI"
	case 189, 220:
		return "Linux USB"
	case 249:
		return "USBPcap"
	case 197:
		return "Endace ERF"
	case 253:
		return "Linux netlink"
	case 258:
		return "Apple PKTAP"
	}
	if link >= 147 && link <= 162 {
		return "a user-defined DLT"
	}
	return fmt.Sprintf("DLT %d", link)
}

// linkNotDecodedError is the error of a file none of whose packets are
// of a link type decoded, after packets of them (-1: a pcap file, refused
// when opened): link is the first of their link types, others tells that
// there were more.
func linkNotDecodedError(file string, packets int, link layers.LinkType, others bool) *Error {
	var what string
	switch {
	case packets < 0: // a pcap file, refused before its first packet
		what = fmt.Sprintf("link type %d (%s), which ftpsniff does not decode", link, LinkTypeName(link))
	case others:
		what = fmt.Sprintf("all %d %s are of link types ftpsniff does not decode (%d, %s, and others)", packets, plural(packets, "packet"), link, LinkTypeName(link))
	default:
		what = fmt.Sprintf("all %d %s are of link type %d (%s), which ftpsniff does not decode", packets, plural(packets, "packet"), link, LinkTypeName(link))
	}
	return &Error{File: file, Packets: max(packets, 0), Kind: ErrUnsupported, what: what}
}
