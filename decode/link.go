package decode

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// LinkStats names what link and tunnel decoding met and Stats counts:
// the tunnels not followed (Stats.TunnelsNotFollowed), the link types
// not decoded (Stats.UnknownLink) and the EtherTypes of Stats.NotIP's
// frames. Decoder.LinkStats returns them.
type LinkStats struct {
	// Tunnels names the kinds of tunnels not followed, in the order of
	// their kinds' table (tunnelKinds).
	Tunnels []string `json:"tunnels_not_followed_kinds,omitempty"`
	// UnknownLinks are the link types of Stats.UnknownLink's frames, each
	// with its count, in the order first met, at most maxUnknownLinks of
	// them (the frames of others are in Stats.UnknownLink alone).
	UnknownLinks []LinkTypeCount `json:"unknown_links,omitempty"`
	// UnknownLinkInputs names, per link type of UnknownLinks, the files
	// its frames came from when the capture was read from several
	// (Decoder.SetInput); absent when it was one.
	UnknownLinkInputs []LinkInputs `json:"unknown_link_files,omitempty"`
	// NotIPTypes are the EtherTypes of Stats.NotIP's frames other than
	// the link's own protocols every network carries (expectedNotIP:
	// ARP, LLDP, spanning tree and the other LLC protocols, LACP, ...),
	// each with its count, in the order first met, at most
	// maxNotIPTypes; NotIPOtherTypes counts the frames of the types past
	// them.
	NotIPTypes      []EtherTypeCount `json:"not_ip_ethertypes,omitempty"`
	NotIPOtherTypes uint64           `json:"not_ip_other_ethertypes,omitempty"`
	// NotTCPKinds name what Stats.NotTCP's packets were, by IP protocol
	// and, for UDP, port, each with its count, in the order first met,
	// at most maxNotTCPKinds; NotTCPOtherKinds counts the packets of the
	// kinds past them. Given only while no TCP segment was read at all
	// (Stats.TCP 0): what the capture held instead, a mirror or tunnel
	// on a UDP port not followed among them.
	NotTCPKinds      []ProtocolCount `json:"not_tcp_kinds,omitempty"`
	NotTCPOtherKinds uint64          `json:"not_tcp_other_kinds,omitempty"`
}

// Empty tells whether there is nothing to name.
func (l LinkStats) Empty() bool {
	return len(l.Tunnels) == 0 && len(l.UnknownLinks) == 0 && len(l.NotIPTypes) == 0 && l.NotIPOtherTypes == 0 &&
		len(l.NotTCPKinds) == 0 && l.NotTCPOtherKinds == 0
}

// Merge is l with m's names added (live's workers each decode a share of
// the packets): a tunnel kind once, a link type's or an EtherType's
// frames summed, at most maxUnknownLinks link types (and maxLinkInputs
// file names each) and maxNotIPTypes EtherTypes. l's slices are copied
// before they change: m may share them.
func (l LinkStats) Merge(m LinkStats) LinkStats {
	for _, k := range m.Tunnels {
		if !slices.Contains(l.Tunnels, k) {
			l.Tunnels = append(l.Tunnels, k)
		}
	}
	l.UnknownLinks = slices.Clone(l.UnknownLinks)
	for _, u := range m.UnknownLinks {
		i := slices.IndexFunc(l.UnknownLinks, func(x LinkTypeCount) bool { return x.Link == u.Link })
		switch {
		case i >= 0:
			l.UnknownLinks[i].Frames += u.Frames
		case len(l.UnknownLinks) < maxUnknownLinks:
			l.UnknownLinks = append(l.UnknownLinks, u)
		}
	}
	l.UnknownLinkInputs = slices.Clone(l.UnknownLinkInputs)
	for _, in := range m.UnknownLinkInputs {
		i := slices.IndexFunc(l.UnknownLinkInputs, func(x LinkInputs) bool { return x.Link == in.Link })
		switch {
		case i >= 0:
			for _, f := range in.Files {
				l.UnknownLinkInputs[i].add(f)
			}
			l.UnknownLinkInputs[i].More = l.UnknownLinkInputs[i].More || in.More
		case slices.ContainsFunc(l.UnknownLinks, func(x LinkTypeCount) bool { return x.Link == in.Link }):
			l.UnknownLinkInputs = append(l.UnknownLinkInputs, in)
		}
	}
	l.NotIPTypes = slices.Clone(l.NotIPTypes)
	l.NotIPOtherTypes += m.NotIPOtherTypes
	for _, e := range m.NotIPTypes {
		i := slices.IndexFunc(l.NotIPTypes, func(x EtherTypeCount) bool { return x.EtherType == e.EtherType })
		switch {
		case i >= 0:
			l.NotIPTypes[i].Frames += e.Frames
		case len(l.NotIPTypes) < maxNotIPTypes:
			l.NotIPTypes = append(l.NotIPTypes, e)
		default:
			l.NotIPOtherTypes += e.Frames
		}
	}
	l.NotTCPKinds = slices.Clone(l.NotTCPKinds)
	l.NotTCPOtherKinds += m.NotTCPOtherKinds
	for _, p := range m.NotTCPKinds {
		i := slices.IndexFunc(l.NotTCPKinds, func(x ProtocolCount) bool { return x.Protocol == p.Protocol && x.Port == p.Port })
		switch {
		case i >= 0:
			l.NotTCPKinds[i].Packets += p.Packets
		case len(l.NotTCPKinds) < maxNotTCPKinds:
			l.NotTCPKinds = append(l.NotTCPKinds, p)
		default:
			l.NotTCPOtherKinds += p.Packets
		}
	}
	return l
}

// InputsOf is the files the frames of link type link came from (see
// UnknownLinkInputs) and whether there were more; none when the capture
// was one file.
func (l LinkStats) InputsOf(link layers.LinkType) (files []string, more bool) {
	for _, in := range l.UnknownLinkInputs {
		if in.Link == link {
			return in.Files, in.More
		}
	}
	return nil, false
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
	return fmt.Sprintf("%d %s of link type %d (%s), not decoded", c.Frames, framesWord(c.Frames), c.Link, c.Name)
}

// maxUnknownLinks bounds the distinct unknown link types remembered, and
// maxLinkInputs the files named for each.
const (
	maxUnknownLinks = 8
	maxLinkInputs   = 4
)

// LinkInputs names the files frames of a link type not decoded came
// from: the first maxLinkInputs of them; More says that others had
// some too. The names are anyone's bytes: escape them to show them.
type LinkInputs struct {
	Link  layers.LinkType `json:"link_type"`
	Files []string        `json:"files"`
	More  bool            `json:"more_files,omitempty"`
}

// add adds name to Files unless it is there already; past maxLinkInputs
// names it sets More instead. Files may be shared (Merge): it is copied
// before it grows.
func (in *LinkInputs) add(name string) {
	switch {
	case slices.Contains(in.Files, name):
	case len(in.Files) >= maxLinkInputs:
		in.More = true
	default:
		in.Files = append(slices.Clip(in.Files), name)
	}
}

// EtherTypeCount is an EtherType of frames that carried no IP ftpsniff
// could find, and how many.
type EtherTypeCount struct {
	EtherType layers.EthernetType `json:"ethertype"`
	Name      string              `json:"name,omitempty"` // EtherTypeName
	Frames    uint64              `json:"frames"`
}

// String is the phrase the summary uses: "30 frames of EtherType 0x88e5
// (MACsec, encrypted), not decoded".
func (c EtherTypeCount) String() string {
	name := ""
	if c.Name != "" {
		name = " (" + c.Name + ")"
	}
	return fmt.Sprintf("%d %s of EtherType %#04x%s, not decoded", c.Frames, framesWord(c.Frames), uint16(c.EtherType), name)
}

// ProtocolCount is a kind of packets counted not TCP: an IP protocol and,
// for UDP, a port (the lower of the two: the service's, as a rule), and
// how many.
type ProtocolCount struct {
	Protocol layers.IPProtocol `json:"protocol"`
	Name     string            `json:"name"`           // ProtocolName
	Port     uint16            `json:"port,omitempty"` // UDP's; 0 for other protocols
	Packets  uint64            `json:"packets"`
}

// String is the phrase the summary uses: "24 UDP port 37008", "4
// ICMPv4".
func (c ProtocolCount) String() string {
	if c.Port != 0 {
		return fmt.Sprintf("%d %s port %d", c.Packets, c.Name, c.Port)
	}
	return fmt.Sprintf("%d %s", c.Packets, c.Name)
}

// ProtocolName names an IP protocol for ProtocolCount.
func ProtocolName(p layers.IPProtocol) string {
	switch p {
	case layers.IPProtocolUDP:
		return "UDP"
	case layers.IPProtocolICMPv4:
		return "ICMPv4"
	case layers.IPProtocolICMPv6:
		return "ICMPv6"
	case layers.IPProtocolGRE:
		return "GRE"
	case layers.IPProtocolESP:
		return "ESP"
	case layers.IPProtocolAH:
		return "AH"
	case layers.IPProtocolSCTP:
		return "SCTP"
	case layers.IPProtocolIGMP:
		return "IGMP"
	case layers.IPProtocolOSPF:
		return "OSPF"
	case layers.IPProtocolVRRP:
		return "VRRP"
	}
	return fmt.Sprintf("IP protocol %d", p)
}

// maxNotTCPKinds bounds the kinds of packets counted not TCP remembered.
const maxNotTCPKinds = 8

// notTCP counts a packet not TCP of protocol proto (UDP: port, else 0).
// Off the TCP path; fixed arrays, no allocation.
func (c *linkCounts) notTCP(proto layers.IPProtocol, port uint16) {
	for i := range c.notTCPKinds[:c.nNotTCP] {
		if k := &c.notTCPKinds[i]; k.Protocol == proto && k.Port == port {
			k.Packets++
			return
		}
	}
	if c.nNotTCP == maxNotTCPKinds {
		c.notTCPOther++
		return
	}
	c.notTCPKinds[c.nNotTCP] = ProtocolCount{Protocol: proto, Port: port, Packets: 1}
	c.nNotTCP++
}

// innerUDPPort is the lower port of the UDP header after the innermost
// IP header, when proto (that header's protocol) is UDP and the parser
// decoded it; else 0.
func innerUDPPort(ls *layerSet, proto layers.IPProtocol) uint16 {
	if proto != layers.IPProtocolUDP {
		return 0
	}
	for i := len(ls.decoded) - 1; i >= 0; i-- {
		switch ls.decoded[i] {
		case layers.LayerTypeUDP:
			return uint16(min(ls.udp.SrcPort, ls.udp.DstPort))
		case layers.LayerTypeIPv4, layers.LayerTypeIPv6:
			return 0
		}
	}
	return 0
}

// framesWord is "frame" or "frames", for n of them.
func framesWord(n uint64) string {
	if n == 1 {
		return "frame"
	}
	return "frames"
}

// maxNotIPTypes bounds the EtherTypes of frames with no IP remembered.
const maxNotIPTypes = 8

// linkCounts are the decoder's own link counters (Decoder.link).
type linkCounts struct {
	ipBeyondFrame, optionsCut, tunnelsNotFollowed  uint64 // Stats' counters of the same names
	ipLengthZero, ipLengthZeroShort, ipLengthStale uint64 // (the same)
	tunnels                                        uint32 // bit per tunnelKind met
	unknown                                        [maxUnknownLinks]LinkTypeCount
	unknownInputs                                  [maxUnknownLinks]LinkInputs // unknown's, by index
	nUnknown                                       int
	notIP                                          [maxNotIPTypes]EtherTypeCount
	nNotIP                                         int
	notIPOther                                     uint64 // frames of the EtherTypes past notIP's
	notTCPKinds                                    [maxNotTCPKinds]ProtocolCount
	nNotTCP                                        int
	notTCPOther                                    uint64 // packets of the kinds past notTCPKinds'
}

// unknownLink counts a frame of a link type not decoded, read from input
// (the file's name when the capture is several, else ""). Fixed arrays,
// searched linearly (a capture has one or a few); an input's name is
// added once (at most maxLinkInputs of them): the only allocation.
func (c *linkCounts) unknownLink(link layers.LinkType, input string) {
	i := 0
	for i < c.nUnknown && c.unknown[i].Link != link {
		i++
	}
	if i == maxUnknownLinks {
		return // counted in Stats.UnknownLink only: "other link types"
	}
	if i == c.nUnknown {
		c.unknown[i] = LinkTypeCount{Link: link}
		c.unknownInputs[i] = LinkInputs{Link: link}
		c.nUnknown++
	}
	c.unknown[i].Frames++
	if input != "" {
		c.unknownInputs[i].add(input)
	}
}

// notIPFrame counts the EtherType of a frame in which the parser found no
// IP (Stats.NotIP), read where it stopped: behind the tags skipTags
// skips, so that ARP with a TrustSec tag counts as ARP. The link's own
// protocols (expectedNotIP) are not counted, nor what has no EtherType
// (a loopback header's other address families). Off the TCP path; no
// allocation.
func (c *linkCounts) notIPFrame(ls *layerSet) {
	typ, b, ok := ls.linkEtherType()
	if !ok {
		return
	}
	typ, _, _ = skipTags(typ, b)
	if expectedNotIP(typ) {
		return
	}
	for i := range c.notIP[:c.nNotIP] {
		if c.notIP[i].EtherType == typ {
			c.notIP[i].Frames++
			return
		}
	}
	if c.nNotIP == maxNotIPTypes {
		c.notIPOther++
		return
	}
	c.notIP[c.nNotIP] = EtherTypeCount{EtherType: typ, Frames: 1}
	c.nNotIP++
}

// expectedNotIP tells whether frames of EtherType typ carry no IP in any
// network, and say nothing about the capture when they come: the link's
// own protocols (ARP, LLDP, LACP and the other slow protocols, 802.1X,
// PAUSE frames, Ethernet loopback and CFM, PTP, PPPoE's discovery and
// the PPP control of its sessions), an LLC frame that carries no
// EtherType (an 802.3 length: spanning tree, CDP, VTP, DTP, ...; in a
// Linux cooked header, the kernel's codes below 0x600), MPLS (counted
// as a tunnel not followed when no IP is under its labels), and IP
// itself (a header the parser rejected is malformed, not this).
func expectedNotIP(typ layers.EthernetType) bool {
	if typ < maxLLCLength {
		return true
	}
	switch typ {
	case layers.EthernetTypeIPv4, layers.EthernetTypeIPv6,
		layers.EthernetTypeARP, 0x8035, // RARP
		layers.EthernetTypeLinkLayerDiscovery, // LLDP
		0x8809,                                // slow protocols: LACP, marker, 802.3ah OAM
		0x8808,                                // MAC control: PAUSE
		layers.EthernetTypeEAPOL, 0x88c7,      // 802.1X, its pre-authentication
		0x9000, // Ethernet configuration testing (loopback)
		0x8902, // 802.1ag CFM
		0x88f7, // PTP
		0x0842, // Wake-on-LAN
		layers.EthernetTypePPPoEDiscovery, layers.EthernetTypePPPoESession,
		layers.EthernetTypeMPLSUnicast, layers.EthernetTypeMPLSMulticast:
		return true
	}
	return false
}

// EtherTypeName names an EtherType met in frames with no IP, for the
// summary: "" when it is none of those known.
func EtherTypeName(typ layers.EthernetType) string {
	switch typ {
	case 0x88e5:
		return "MACsec, encrypted"
	case 0x88e7:
		return "802.1ah provider backbone bridging, Ethernet inside"
	case 0x894f:
		return "NSH, network service header"
	case 0x22f3:
		return "TRILL"
	case 0x6558:
		return "transparent Ethernet bridging"
	case etherTypeCMD:
		return "Cisco MetaData, cut short"
	case etherTypeETag:
		return "802.1BR E-tag, cut short"
	case etherTypeVNTag:
		return "Cisco VN-Tag, cut short"
	case layers.EthernetTypeDot1Q, layers.EthernetTypeQinQ, tpid9100, tpid9200, tpid9300:
		return "VLAN tag, cut short"
	case 0x8906:
		return "FCoE"
	case 0x8914:
		return "FCoE initialization"
	case 0x8915:
		return "RoCE"
	case 0x8137, 0x8138:
		return "IPX"
	case 0x809b:
		return "AppleTalk"
	case 0x80f3:
		return "AppleTalk ARP"
	case 0x6003:
		return "DECnet"
	case 0x88a4:
		return "EtherCAT"
	case 0x8892:
		return "PROFINET"
	case 0x88b8:
		return "IEC 61850 GOOSE"
	case 0x88ba:
		return "IEC 61850 sampled values"
	case 0x892f:
		return "HSR"
	case 0x88b5, 0x88b6:
		return "local experimental"
	}
	return ""
}

// LinkStats returns the link and tunnel counters so far.
func (d *Decoder) LinkStats() LinkStats {
	var st LinkStats
	for k := range tunnelKinds {
		if d.link.tunnels&(1<<k) != 0 {
			st.Tunnels = append(st.Tunnels, tunnelKinds[k])
		}
	}
	for i, u := range d.link.unknown[:d.link.nUnknown] {
		u.Name = LinkTypeName(u.Link)
		st.UnknownLinks = append(st.UnknownLinks, u)
		if in := d.link.unknownInputs[i]; len(in.Files) > 0 {
			in.Files = slices.Clone(in.Files)
			st.UnknownLinkInputs = append(st.UnknownLinkInputs, in)
		}
	}
	for _, e := range d.link.notIP[:d.link.nNotIP] {
		e.Name = EtherTypeName(e.EtherType)
		st.NotIPTypes = append(st.NotIPTypes, e)
	}
	st.NotIPOtherTypes = d.link.notIPOther
	if d.stats.TCP == 0 {
		for _, k := range d.link.notTCPKinds[:d.link.nNotTCP] {
			k.Name = ProtocolName(k.Protocol)
			st.NotTCPKinds = append(st.NotTCPKinds, k)
		}
		st.NotTCPOtherKinds = d.link.notTCPOther
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

// Link types of packet-filter logs, whose own header precedes IP: tcpdump
// -i pflog0 on the BSDs, tcpdump -i nflog:N on Linux (iptables NFLOG, nft
// log group N).
const (
	linkTypePFLog layers.LinkType = 117 // DLT_PFLOG: pf's pfloghdr, then IP
	linkTypeNFLog layers.LinkType = 239 // DLT_NFLOG: nfnetlink_log's header and TLVs, IP in one of them
)

// stripLink returns the IP packet in a frame of a point-to-point,
// packet-filter log or 802.11 link type and the parser to read it with, or next < 0
// (no IP in the frame); ok is false when link is none of them.
func stripLink(link layers.LinkType, b []byte) (inner []byte, next int, ok bool) {
	switch link {
	case linkTypePFLog:
		inner, next = peelPFLog(b)
		return inner, next, true
	case linkTypeNFLog:
		inner, next = peelNFLog(b)
		return inner, next, true
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
	case linkTypeIEEE80211:
		inner, next = peel80211(b)
		return inner, next, true
	case linkTypeRadiotap:
		inner, next = peelRadiotap(b)
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
	return afterEtherType(layers.EthernetType(binary.BigEndian.Uint16(b[2:4])), b[4:])
}

// afterEtherType is the IP packet that b, the bytes after an EtherType
// typ, carries, and the parser to read it with: IP at once, or behind
// the headers peelEtherType skips.
func afterEtherType(typ layers.EthernetType, b []byte) ([]byte, int) {
	switch typ {
	case layers.EthernetTypeIPv4:
		return b, firstIPv4
	case layers.EthernetTypeIPv6:
		return b, firstIPv6
	}
	return peelEtherType(typ, b)
}

// pfloghdr's length byte (the header's length before its padding): the
// bounds tcpdump takes, from the oldest header (45 bytes) to OpenBSD's
// (100, with the addresses and ports after NAT); FreeBSD's is 61 (69
// since FreeBSD 14).
const (
	minPFLogHeader = 45
	maxPFLogHeader = 100
)

// Address families in pfloghdr: AF_INET is 2 on every BSD, AF_INET6 24
// on OpenBSD and NetBSD, 28 on FreeBSD and DragonFly, 30 on macOS.
const (
	pflogAFInet         = 2
	pflogAFInet6BSD     = 24
	pflogAFInet6FreeBSD = 28
	pflogAFInet6Darwin  = 30
)

// peelPFLog skips a pf log header (DLT_PFLOG): its first byte is its
// length, which the header is padded from to a multiple of 4 bytes (as
// tcpdump's pflog_if_print reads it); its second is the packet's address
// family. gopacket's PFLog layer pads only a length of 1 mod 4 and needs
// 61 bytes, and is no layer of the parser: the header is read here.
func peelPFLog(b []byte) ([]byte, int) {
	if len(b) < 2 {
		return nil, -1
	}
	n := int(b[0])
	if n < minPFLogHeader || n > maxPFLogHeader {
		return nil, -1
	}
	n = (n + 3) &^ 3
	if len(b) < n {
		return nil, -1 // the snap length cut the header
	}
	switch b[1] {
	case pflogAFInet:
		return b[n:], firstIPv4
	case pflogAFInet6BSD, pflogAFInet6FreeBSD, pflogAFInet6Darwin:
		return b[n:], firstIPv6
	}
	return nil, -1
}

// nfnetlink_log (DLT_NFLOG): the packet's Linux address family, and the
// TLV type of the packet itself, NFULA_PAYLOAD; nlaTypeMask clears a
// netlink attribute type's two flag bits (NLA_F_NESTED,
// NLA_F_NET_BYTEORDER).
const (
	nflogAFInet  = 2  // NFPROTO_IPV4
	nflogAFInet6 = 10 // NFPROTO_IPV6
	nfulaPayload = 9
	nlaTypeMask  = 0x3fff
)

// peelNFLog returns the packet in a DLT_NFLOG frame: a 4-byte header
// (address family, version, resource ID), then TLVs, each a 16-bit length
// (of the TLV, its 4-byte head included) and a 16-bit type, padded to a
// multiple of 4 bytes. The packet, from its IP header, is the value of
// the NFULA_PAYLOAD TLV. The TLVs' length and type are in the byte order
// of the machine that captured (the pcap-linktype description; little
// endian on every machine that runs tcpdump -i nflog in practice), which
// the first TLVs tell (nflogLittleEndian). A TLV the snap length cut
// yields what was captured of it. Bounded: each TLV takes 4 bytes or more.
func peelNFLog(b []byte) ([]byte, int) {
	if len(b) < 4 {
		return nil, -1
	}
	family := b[0]
	tlvs := b[4:]
	le := nflogLittleEndian(tlvs)
	for len(tlvs) >= 4 {
		n, typ := nflogTLV(tlvs, le)
		if n < 4 {
			return nil, -1
		}
		if typ == nfulaPayload {
			p := tlvs[4:min(n, len(tlvs))]
			switch family {
			case nflogAFInet:
				return p, firstIPv4
			case nflogAFInet6:
				return p, firstIPv6
			}
			return nil, -1
		}
		n = (n + 3) &^ 3
		if n >= len(tlvs) {
			break
		}
		tlvs = tlvs[n:]
	}
	return nil, -1
}

// nflogTLV reads the length and the type of the TLV b starts with.
func nflogTLV(b []byte, le bool) (n int, typ uint16) {
	if le {
		return int(binary.LittleEndian.Uint16(b)), binary.LittleEndian.Uint16(b[2:]) & nlaTypeMask
	}
	return int(binary.BigEndian.Uint16(b)), binary.BigEndian.Uint16(b[2:]) & nlaTypeMask
}

// nflogLittleEndian tells the byte order of NFLOG TLVs as Wireshark's
// dissector does: the first order in which the TLVs read, up to the first
// one of a type other than 0, as of a length of 4 or more and a type
// below 0x100 (nfnetlink_log's are below 20). A TLV read in the wrong
// order has a length or a type 256 times too large. Little endian when
// neither order reads.
func nflogLittleEndian(b []byte) bool {
	for _, le := range [2]bool{true, false} {
		for t := b; len(t) >= 4; {
			n, typ := nflogTLV(t, le)
			if n < 4 || typ >= 0x100 {
				break
			}
			if typ != 0 {
				return le
			}
			n = (n + 3) &^ 3
			if n >= len(t) {
				break
			}
			t = t[n:]
		}
	}
	return true
}

// LinkTypeName names a link type for the summary: the tcpdump name of
// the common ones ftpsniff does not decode, else "DLT" and the number.
func LinkTypeName(link layers.LinkType) string { return capture.LinkTypeName(link) }

// PointToPointIPOffset tells where the IP header starts in a frame of a
// point-to-point link type ftpsniff decodes by hand (PPP, PPP_SERIAL,
// PPP_ETHER, Cisco HDLC and their _WITH_DIR forms), of a packet-filter
// log (PFLOG, NFLOG) or of 802.11 (bare or radiotap), for a packet filter
// that runs from the IP header: ok
// false when link is not one of them, off < 0 when the frame carries no
// IP directly (LCP, keepalives, MPLS, an NFLOG message without the packet).
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
