package decode

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// LinkStats names what link and tunnel decoding met and Stats counts:
// the tunnels not followed (Stats.TunnelsNotFollowed) and the link types
// not decoded (Stats.UnknownLink). Decoder.LinkStats returns them.
type LinkStats struct {
	// Tunnels names the kinds of tunnels not followed, in the order of
	// their kinds' table (tunnelKinds).
	Tunnels []string `json:"tunnels_not_followed_kinds,omitempty"`
	// UnknownLinks are the link types of Stats.UnknownLink's frames, each
	// with its count, in the order first met, at most maxUnknownLinks of
	// them (the frames of others are in Stats.UnknownLink alone).
	UnknownLinks []LinkTypeCount `json:"unknown_links,omitempty"`
}

// Empty tells whether there is nothing to name.
func (l LinkStats) Empty() bool { return len(l.Tunnels) == 0 && len(l.UnknownLinks) == 0 }

// Merge is l with m's names added (live's workers each decode a share of
// the packets): a tunnel kind once, a link type's frames summed, at most
// maxUnknownLinks link types.
func (l LinkStats) Merge(m LinkStats) LinkStats {
	for _, k := range m.Tunnels {
		if !slices.Contains(l.Tunnels, k) {
			l.Tunnels = append(l.Tunnels, k)
		}
	}
	for _, u := range m.UnknownLinks {
		i := slices.IndexFunc(l.UnknownLinks, func(x LinkTypeCount) bool { return x.Link == u.Link })
		switch {
		case i >= 0:
			l.UnknownLinks[i].Frames += u.Frames
		case len(l.UnknownLinks) < maxUnknownLinks:
			l.UnknownLinks = append(l.UnknownLinks, u)
		}
	}
	return l
}

// LinkTypeCount is a link type ftpsniff does not decode and the frames
// of it.
type LinkTypeCount struct {
	Link   layers.LinkType `json:"link_type"`
	Name   string          `json:"name"` // LinkTypeName
	Frames uint64          `json:"frames"`
}

// String is the phrase the summary uses: "25 frames of link type 127
// (IEEE 802.11 radiotap), not decoded".
func (c LinkTypeCount) String() string {
	frames := "frames"
	if c.Frames == 1 {
		frames = "frame"
	}
	return fmt.Sprintf("%d %s of link type %d (%s), not decoded", c.Frames, frames, c.Link, c.Name)
}

// maxUnknownLinks bounds the distinct unknown link types remembered.
const maxUnknownLinks = 8

// linkCounts are the decoder's own link counters (Decoder.link).
type linkCounts struct {
	ipBeyondFrame, optionsCut, tunnelsNotFollowed uint64 // Stats' counters of the same names
	tunnels                                       uint32 // bit per tunnelKind met
	unknown                                       [maxUnknownLinks]LinkTypeCount
	nUnknown                                      int
}

// unknownLink counts a frame of a link type not decoded. No allocation:
// a fixed array, searched linearly (a capture has one or a few).
func (c *linkCounts) unknownLink(link layers.LinkType) {
	for i := range c.unknown[:c.nUnknown] {
		if c.unknown[i].Link == link {
			c.unknown[i].Frames++
			return
		}
	}
	if c.nUnknown == maxUnknownLinks {
		return // counted in Stats.UnknownLink only: "other link types"
	}
	c.unknown[c.nUnknown] = LinkTypeCount{Link: link, Frames: 1}
	c.nUnknown++
}

// LinkStats returns the link and tunnel counters so far.
func (d *Decoder) LinkStats() LinkStats {
	var st LinkStats
	for k := range tunnelKinds {
		if d.link.tunnels&(1<<k) != 0 {
			st.Tunnels = append(st.Tunnels, tunnelKinds[k])
		}
	}
	for _, u := range d.link.unknown[:d.link.nUnknown] {
		u.Name = LinkTypeName(u.Link)
		st.UnknownLinks = append(st.UnknownLinks, u)
	}
	return st
}

// frameWhole tells whether the capture record holds all of the frame:
// its captured length is its original length. False when the source did
// not say (a zero original length): the snap length may have cut it.
func frameWhole(ci gopacket.CaptureInfo) bool {
	return ci.Length > 0 && ci.CaptureLength >= ci.Length
}

// Link types of point-to-point links, whose short header precedes IP.
const (
	linkTypePPP         layers.LinkType = 9   // DLT_PPP: RFC 1661, with or without RFC 1662 framing
	linkTypePPPSerial   layers.LinkType = 50  // DLT_PPP_SERIAL: RFC 1662 HDLC-like framing (or Cisco HDLC)
	linkTypePPPEther    layers.LinkType = 51  // DLT_PPP_ETHER: a PPPoE session header, no Ethernet
	linkTypeCiscoHDLC   layers.LinkType = 104 // DLT_C_HDLC: Cisco HDLC
	linkTypePPPWithDir  layers.LinkType = 204 // DLT_PPP_WITH_DIR: a direction byte, then DLT_PPP
	linkTypeCHDLCWithDr layers.LinkType = 205 // DLT_C_HDLC_WITH_DIR: a direction byte, then DLT_C_HDLC
)

// stripLink returns the IP packet in a frame of a point-to-point link
// type and the parser to read it with, or next < 0 (not such a link
// type, or no IP in the frame).
func stripLink(link layers.LinkType, b []byte) (inner []byte, next int, ok bool) {
	switch link {
	case linkTypePPPWithDir, linkTypeCHDLCWithDr:
		if len(b) == 0 {
			return nil, -1, true
		}
		b = b[1:]
		if link == linkTypePPPWithDir {
			link = linkTypePPP
		} else {
			link = linkTypeCiscoHDLC
		}
	}
	switch link {
	case linkTypePPP, linkTypePPPSerial:
		// tcpdump reads Cisco HDLC in DLT_PPP_SERIAL too (some routers
		// label it so): its address byte is 0x0f or 0x8f, PPP's 0xff.
		if len(b) >= 4 && (b[0] == 0x0f || b[0] == 0x8f) && b[1] == 0 {
			inner, next = peelCiscoHDLC(b)
			return inner, next, true
		}
		inner, next = peelPPP(b)
		return inner, next, true
	case linkTypePPPEther:
		inner, next = peelPPPoE(b)
		return inner, next, true
	case linkTypeCiscoHDLC:
		inner, next = peelCiscoHDLC(b)
		return inner, next, true
	}
	return nil, -1, false
}

// peelPPP skips a PPP header: the RFC 1662 address and control bytes
// (0xff 0x03) when present, then the protocol field, one byte when
// compressed (RFC 1661 6.5: an odd first byte).
func peelPPP(b []byte) ([]byte, int) {
	if len(b) >= 2 && b[0] == 0xff && b[1] == 0x03 {
		b = b[2:]
	}
	if len(b) == 0 {
		return nil, -1
	}
	var proto uint16
	if b[0]&1 != 0 {
		proto, b = uint16(b[0]), b[1:]
	} else {
		if len(b) < 2 {
			return nil, -1
		}
		proto, b = binary.BigEndian.Uint16(b), b[2:]
	}
	switch proto {
	case pppIPv4:
		return b, firstIPv4
	case pppIPv6:
		return b, firstIPv6
	case pppMPLSUnicast, pppMPLSMulticast:
		return peelMPLS(b)
	}
	return nil, -1
}

// PPP protocol numbers of MPLS (RFC 3032 4.3).
const (
	pppMPLSUnicast   = 0x0281
	pppMPLSMulticast = 0x0283
)

// peelCiscoHDLC skips a Cisco HDLC header: address (0x0f unicast, 0x8f
// broadcast), control (0), and an EtherType.
func peelCiscoHDLC(b []byte) ([]byte, int) {
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
	}
	return peelEtherType(typ, b)
}

// LinkTypeName names a link type for the summary: the tcpdump name of
// the common ones ftpsniff does not decode, else "DLT" and the number.
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
	case 117:
		return "OpenBSD pflog"
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
	case 239:
		return "Linux netfilter NFLOG"
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

// PointToPointIPOffset tells where the IP header starts in a frame of a
// point-to-point link type ftpsniff decodes by hand (PPP, PPP_SERIAL,
// PPP_ETHER, Cisco HDLC and their _WITH_DIR forms), for a packet filter
// that runs from the IP header: ok false when link is not one of them,
// off < 0 when the frame carries no IP directly (LCP, keepalives, MPLS).
func PointToPointIPOffset(link layers.LinkType, data []byte) (off int, ok bool) {
	inner, next, known := stripLink(link, data)
	if !known {
		return 0, false
	}
	if next != firstIPv4 && next != firstIPv6 {
		return -1, true
	}
	// inner is data resliced from the front (the headers skipped) and
	// maybe at the end too (PPPoE's length leaves a trailer, an FCS,
	// out): the capacities tell the offset, the lengths do not.
	off = cap(data) - cap(inner)
	if off < 0 || off > len(data) {
		return -1, true
	}
	return off, true
}
