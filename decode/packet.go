package decode

import (
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"slices"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// Link types that pcap files use for raw IP besides LinkTypeRaw (101):
// DLT_RAW is 12 on most BSDs and 14 on OpenBSD.
const (
	linkTypeRawBSD     layers.LinkType = 12
	linkTypeRawOpenBSD layers.LinkType = 14
)

// maxFragments and maxFragmentBytes bound the IP fragments held for
// reassembly: their number, and the bytes of their data (only a
// fragment's data is kept, never its headers or the frame's padding).
// MaxFragmentNums bounds the packet numbers of one datagram's fragments
// that a Segment lists (Segment.Fragments).
const (
	maxFragments     = 4096
	maxFragmentBytes = 32 << 20
	MaxFragmentNums  = 64
)

// fragmentTimeout4 and fragmentTimeout6: a datagram not complete within
// this much packet time of its first fragment is given up, its fragments
// lost. Linux's defaults: net.ipv4.ipfrag_time and net.ipv6.ip6frag_time
// (RFC 8200 4.5's 60 seconds); the timer is armed once, when the first
// fragment creates the queue (inet_frag_create), and later fragments do
// not push it back.
const (
	fragmentTimeout4 = 30 * time.Second
	fragmentTimeout6 = 60 * time.Second
)

// parser indexes: one DecodingLayerParser per first layer, all sharing the
// same layer values.
const (
	firstEthernet = iota
	firstSLL
	firstSLL2
	firstLoopback
	firstIPv4
	firstIPv6
	numFirst
)

// layerSet is the set of decoding layers one parser family shares.
type layerSet struct {
	eth     layers.Ethernet
	dot1q   layers.Dot1Q
	sll     layers.LinuxSLL
	sll2    linuxSLL2
	lo      layers.Loopback
	ip4     layers.IPv4
	ip6     ip6Layer
	ip6ext  layers.IPv6ExtensionSkipper
	ip6frag layers.IPv6Fragment
	icmp4   layers.ICMPv4
	icmp6   layers.ICMPv6
	payload gopacket.Payload
	// Tunnels: their inner layers decode into the same values as the
	// outer ones, so what is read after DecodeLayers is the innermost.
	gre    layers.GRE
	erspan layers.ERSPANII
	udp    layers.UDP
	vxlan  layers.VXLAN
	geneve layers.Geneve

	parsers [numFirst]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

// newLayerSet builds the layers and the parsers for the given first
// layers (all of them when none is named). The parsers share one
// container: they differ only in where they start.
func newLayerSet(only ...int) *layerSet {
	s := &layerSet{decoded: make([]gopacket.LayerType, 0, 16)}
	// The extension skipper goes before the fragment layer so that the
	// fragment layer, put later, wins the LayerTypeIPv6Fragment slot.
	// A sparse container indexes layers by type in a slice: a map lookup
	// per layer cost more than the decoding itself.
	var c gopacket.DecodingLayerContainer = gopacket.DecodingLayerSparse(nil)
	for _, l := range []gopacket.DecodingLayer{
		&s.eth, &s.dot1q, &s.sll, &s.sll2, &s.lo,
		&s.ip4, &s.ip6, &s.ip6ext, &s.ip6frag,
		&s.icmp4, &s.icmp6, &s.payload,
		&s.gre, &s.erspan, &s.udp, &s.vxlan, &s.geneve,
	} {
		c = c.Put(l)
	}
	firsts := [numFirst]gopacket.LayerType{
		layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL, layers.LayerTypeLinuxSLL2,
		layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6,
	}
	if len(only) == 0 {
		only = []int{firstEthernet, firstSLL, firstSLL2, firstLoopback, firstIPv4, firstIPv6}
	}
	for _, i := range only {
		p := gopacket.NewDecodingLayerParser(firsts[i])
		p.SetDecodingLayerContainer(c)
		p.IgnoreUnsupported = true
		s.parsers[i] = p
	}
	return s
}

// ip6Layer is gopacket's IPv6 layer that also takes a payload length of 0
// with no Hop-by-Hop header: Linux BIG TCP's super-segment (since 6.x the
// stack drops the RFC 2675 jumbo option, and a capture on the host sees
// the packet so), whose length is the frame's (lengthFromFrame). gopacket
// refuses it (with an error built per packet): it is read here as gopacket
// reads a header, its payload the rest of the frame.
type ip6Layer struct {
	layers.IPv6
	bigTCP bool // payload length 0, no jumbo option
}

func (l *ip6Layer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	l.bigTCP = len(data) >= 40 && data[4] == 0 && data[5] == 0 && layers.IPProtocol(data[6]) != layers.IPProtocolIPv6HopByHop
	if !l.bigTCP {
		return l.IPv6.DecodeFromBytes(data, df)
	}
	ip := &l.IPv6
	ip.Version = data[0] >> 4
	ip.TrafficClass = uint8(binary.BigEndian.Uint16(data[0:2]) >> 4)
	ip.FlowLabel = binary.BigEndian.Uint32(data[0:4]) & 0x000FFFFF
	ip.Length = 0
	ip.NextHeader = layers.IPProtocol(data[6])
	ip.HopLimit = data[7]
	ip.SrcIP, ip.DstIP = data[8:24], data[24:40]
	ip.HopByHop = nil
	ip.BaseLayer = layers.BaseLayer{Contents: data[:40], Payload: data[40:]}
	return nil
}

// linuxSLL2 is gopacket's Linux cooked header v2 with the protocol of an
// ARPHRD_IPGRE device (778: tcpdump -i any on a Linux gre device) read as
// libpcap's LINKTYPE_LINUX_SLL2 defines it, a GRE protocol type (IPv4,
// IPv6, 0x6558 Ethernet), where gopacket (v1.7.7) takes an Ethernet
// header: the inner IP header was read as one. The cooked header v1 reads
// the protocol so already.
type linuxSLL2 struct{ layers.LinuxSLL2 }

// NextLayerType is the layer the header's protocol announces.
func (s *linuxSLL2) NextLayerType() gopacket.LayerType {
	if s.ARPHardwareType == layers.ARPHardwareTypeIPGRE {
		return s.ProtocolType.LayerType()
	}
	return s.LinuxSLL2.NextLayerType()
}

// firstLayer picks the parser index for a link type, or -1 when ftpsniff
// does not decode that link type.
func firstLayer(link layers.LinkType, data []byte) int {
	switch link {
	case layers.LinkTypeEthernet:
		return firstEthernet
	case layers.LinkTypeLinuxSLL:
		return firstSLL
	case layers.LinkTypeLinuxSLL2:
		return firstSLL2
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return firstLoopback
	case layers.LinkTypeIPv4:
		return firstIPv4
	case layers.LinkTypeIPv6:
		return firstIPv6
	case layers.LinkTypeRaw, linkTypeRawBSD, linkTypeRawOpenBSD:
		if len(data) == 0 {
			return -1
		}
		switch data[0] >> 4 {
		case 4:
			return firstIPv4
		case 6:
			return firstIPv6
		}
	}
	return -1
}

// rawIPLink tells whether link is one of raw IP's link types, which
// carry IPv4 or IPv6 alone.
func rawIPLink(link layers.LinkType) bool {
	return link == layers.LinkTypeRaw || link == linkTypeRawBSD || link == linkTypeRawOpenBSD
}

// Decoder turns captured frames into Segment, Unreachable and ControlEvent
// calls on a Handler. It is single-owner: call it from one goroutine.
//
// The per-packet path allocates nothing for frames that are not IP
// fragments and do not belong to a control connection's out-of-order data.
type Decoder struct {
	h      Handler
	expect DataExpecter // h, when it implements it
	opts   Options
	stats  Stats

	ls   *layerSet // hot path
	frag *layerSet // decodes packets rebuilt from fragments

	controlPorts [65536 / 64]uint64
	tlsPorts     [65536 / 64]uint64

	link linkCounts // link and tunnel counters beyond Stats

	ctl *controlTable
	pay *payloadTable // data-connection payload, only when asked (nil otherwise)

	seg Segment
	tcp tcpHeader // the segment's TCP header (handleTCP)
	sum sumState  // the segment's checksums, judged when a control connection asks (checksum.go)
	un  Unreachable

	frags map[fragKey]*datagram // IP datagrams being reassembled
	// rebuilt: the datagrams rebuilt lately, for a late fragment that
	// differs from them (lateFragment); rebuiltW the next slot written.
	rebuilt   [rebuiltKept]rebuiltDatagram
	rebuiltW  int
	fragsHeld int              // the fragments they hold
	fragBytes int              // those fragments' data bytes
	fragH     FragmentHandler  // h's, if it has one
	heldH     HeldFrameHandler // h's, if it has one (outlier.go)
	// fragNums, fragUnlisted: while a rebuilt datagram is decoded, the
	// packet numbers of its other fragments, and how many more there are
	// (Segment.Fragments, FragmentsUnlisted).
	fragNums     []uint64
	fragUnlisted int
	// fragOther: the other version of the datagram just rebuilt, its
	// overlapping fragments having differed (fragoverlap.go), or nil.
	fragOther    []byte
	fragOtherNum uint64 // the packet that carried it

	// The frame being decoded, its link type, and the outermost tunnel
	// it came in (encap.go: a control connection's Tunnel).
	frame     []byte
	frameLink layers.LinkType
	encap     uint8

	num    uint64
	input  string // the file being read (SetInput)
	inputs uint32 // how many inputs SetInput named (Segment.Input)
	// last: the decoder's clock, what expiry and the Handler's Tick go
	// by: the latest packet time (a forward step over clockOutlierStep
	// once confirmed; since a step back of the capture's clock, the
	// latest after it: observe).
	last time.Time
	// Since the latest step back: backMax, the latest packet time before
	// it (LastTime); while it may still prove to be two clocks
	// interleaved, backFrom (last before it, zero once it stands),
	// backAt (its packet's time) and backFlush (nextFlush before it).
	backMax, backFrom, backAt, backFlush time.Time
	// joinEnd: last when the input began (SetInput), until a packet
	// passes it: an input that overlaps the one before it steps back at
	// its start, its packets beside the earlier input's, not after them.
	joinEnd time.Time
	// interfaces: a packet of an interface other than the first came:
	// the interfaces' clocks may disagree, by minutes (a TAP's two
	// ports), and a step back is taken for that, not followed.
	interfaces bool
	// jumpAt: a packet's time a forward step over clockOutlierStep took,
	// when jumpHeld: confirmed by the next packet's (observe).
	jumpAt   time.Time
	jumpHeld bool
	// clockSaved: the control table's idle clock before the held step,
	// put back if the step proves to be one packet's (observe).
	clockSaved idleClock
	// held: the frame of the step held, reading a file (outlier.go).
	held heldFrame
	// inputStart: the next packet is the first of an input (SetInput).
	inputStart bool
	nextFlush  time.Time
	// live: a live capture's wall clock against its steady one
	// (Options.SteadyClock, liveclock.go); nil reading a file.
	live *liveClock
}

// New returns a Decoder that reports to h.
func New(h Handler, o Options) *Decoder {
	d := &Decoder{
		h:     h,
		opts:  o,
		ls:    newLayerSet(),
		frag:  newLayerSet(),
		frags: make(map[fragKey]*datagram),
	}
	d.expect, _ = h.(DataExpecter)
	d.fragH, _ = h.(FragmentHandler)
	d.heldH, _ = h.(HeldFrameHandler)
	if o.SteadyClock != nil {
		d.live = &liveClock{read: o.SteadyClock}
	}
	ports := o.ControlPorts
	if len(ports) == 0 {
		ports = []uint16{21}
	}
	for _, p := range ports {
		d.controlPorts[p/64] |= 1 << (p % 64)
	}
	tls := o.ImplicitTLSPorts
	if len(tls) == 0 {
		tls = []uint16{990}
	}
	for _, p := range tls {
		d.tlsPorts[p/64] |= 1 << (p % 64)
	}
	d.ctl = newControlTable(d)
	d.ctl.pool.reorder = o.MayReorder
	d.pay = newPayloadTable(h, o)
	return d
}

// SetInput starts the next input of a capture read as several files:
// packet numbers start again at 1, as in that file, and connections first
// seen from now on are labelled with its name.
func (d *Decoder) SetInput(name string) {
	d.releaseHeld()
	d.num = 0
	d.inputs++
	d.input = name
	d.ctl.clock.nextInput = d.ctl.clock.set // the first file starts the clock
	d.inputStart = true                     // its first packet's step is the gap between the files (observe)
	d.joinEnd = d.last
}

// MayReorder tells the decoder that the capture's packets may come out of
// the order they crossed the wire across its sources (a pcapng that
// describes several interfaces, before a packet of the second one comes):
// as Options.MayReorder (skew.go).
func (d *Decoder) MayReorder() { d.ctl.pool.reorder = true }

// Reorders tells whether the capture is known to be one whose packets may
// come out of order across its sources (MayReorder, or found so: a second
// interface, bytes after the ACK taken for their loss). Bytes an ACK proves sent are waited for then (skew.go).
func (d *Decoder) Reorders() bool { return d.ctl.pool.reorder }

// Stats returns the counters so far.
func (d *Decoder) Stats() Stats {
	st := d.stats
	st.HeldOverflow = d.ctl.pool.overflow
	st.FarAhead = d.ctl.pool.farAhead
	st.Unacknowledged = d.ctl.pool.unacked
	st.BeyondWindow = d.ctl.pool.beyondWindow
	st.SYNDataDropped = d.ctl.pool.synData
	st.IPBeyondFrame, st.TCPOptionsCut, st.TunnelsNotFollowed = d.link.ipBeyondFrame, d.link.optionsCut, d.link.tunnelsNotFollowed
	st.IPLengthZero, st.IPLengthZeroShort, st.IPLengthStale = d.link.ipLengthZero, d.link.ipLengthZeroShort, d.link.ipLengthStale
	return st
}

// LastTime is the timestamp of the latest packet decoded.
func (d *Decoder) LastTime() time.Time {
	if d.backMax.After(d.last) {
		return d.backMax // (the clock stepped back since)
	}
	return d.last
}

func (d *Decoder) isControlPort(p uint16) bool {
	return d.controlPorts[p/64]&(1<<(p%64)) != 0 || d.isTLSPort(p)
}

func (d *Decoder) isTLSPort(p uint16) bool {
	return d.tlsPorts[p/64]&(1<<(p%64)) != 0
}

// DecodeNumbered is Decode for a frame whose packet number the caller
// gives: decoders that share one capture (live --workers) number its
// packets as one sequence, not each its own. num must be above the number
// of the frame before.
func (d *Decoder) DecodeNumbered(num uint64, data []byte, ci gopacket.CaptureInfo, link layers.LinkType) {
	d.num = num - 1
	d.Decode(data, ci, link)
}

// Skip tells the decoder that the capture's next frame is left out (a
// packet filter over a file dropped it) and will not be decoded: the
// frames after it keep their numbers in the file, as Wireshark shows
// them. It counts in no Stats.
func (d *Decoder) Skip() { d.num++ }

// Decode handles one captured frame. data may be reused by the caller once
// Decode returns.
func (d *Decoder) Decode(data []byte, ci gopacket.CaptureInfo, link layers.LinkType) {
	d.num++
	d.stats.Packets++
	d.stats.Bytes += uint64(len(data))
	if !saneTime(ci.Timestamp) {
		d.stats.TimeOutOfRange++ // (outlier.go)
		return
	}
	if ci.InterfaceIndex != 0 {
		// A packet of an interface other than the first the file
		// described: the capture may hold packets out of the order they
		// crossed the wire (a pcapng of two, a TAP's two ports; skew.go).
		// Files that overlap in time are not: read one after the other,
		// the second's packets come after all of the first's, which no
		// bounded wait mends (they are to be merged first).
		d.ctl.pool.reorder = true
		d.interfaces = true
	}
	if d.held.waiting {
		d.judgeHeld(ci.Timestamp) // (outlier.go)
	}
	if d.observe(ci.Timestamp) {
		// A forward step confirmed: what its packet touched is stamped
		// with its time (it was not), and what was due by it is done
		// first, as it was after the packet that made the step.
		d.ctl.stepConfirmed(d.last)
		d.maybeFlush()
	}
	if d.jumpHeld && d.live == nil {
		d.hold(data, ci, link) // (outlier.go)
		return
	}
	d.decodeFrame(data, ci, link)
}

// decodeFrame decodes one frame, its packet number and time taken.
func (d *Decoder) decodeFrame(data []byte, ci gopacket.CaptureInfo, link layers.LinkType) {
	d.frame, d.frameLink, d.encap = data, link, encapNone
	first := firstLayer(link, data)
	if first < 0 {
		if rawIPLink(link) {
			// Raw IP whose version is neither 4 nor 6 (or an empty
			// record): a frame damaged, not a link type unknown.
			d.stats.Malformed++
			d.maybeFlush()
			return
		}
		inner, next, known := stripLink(link, data)
		if !known {
			d.stats.UnknownLink++
			d.link.unknownLink(link, d.input)
			return
		}
		if next < 0 {
			// A point-to-point link's frame of another protocol
			// (LCP, IPCP, CDP, keepalives).
			d.stats.NotIP++
			d.maybeFlush()
			return
		}
		data, first = inner, next
	}
	d.decodeWith(d.ls, first, data, ci, 0)
	d.maybeFlush()
}

// maxEncapsulation bounds the MPLS and PPPoE layers peeled off one frame by
// hand (the other tunnels are layers of the parser, bounded by the frame's
// length).
const maxEncapsulation = 8

// decodeWith runs parser p over data and dispatches what it found. Tunnels
// (IP in IP, GRE and ERSPAN, VXLAN, GENEVE) are layers of the parser, and
// each inner layer decodes into the same value as the outer one, so the
// addresses and ports read after it are the innermost; MPLS and PPPoE,
// which gopacket has no decoding layer for, are peeled off by hand and the
// rest decoded again. A fragment (of the outer header or of an inner one)
// goes to the defragmenter, whose rebuilt packet is decoded again from its
// IP header, tunnels and all. depth counts both kinds of re-decoding.
func (d *Decoder) decodeWith(ls *layerSet, first int, data []byte, ci gopacket.CaptureInfo, depth int) {
	p := ls.parsers[first]
	err := p.DecodeLayers(data, &ls.decoded)
	if p.Truncated {
		// A layer's length (IP's total length, mostly) says more than
		// the frame holds: the snap length's doing only if the capture
		// cut the frame; a record that holds all of it is a frame
		// truncated or corrupted before it was captured.
		if frameWhole(ci) {
			d.link.ipBeyondFrame++
		} else {
			d.stats.Truncated++
		}
	}
	if inner, next := peel(ls); next >= 0 && depth < maxEncapsulation {
		d.noteEncap(encapOfLayers(ls))
		d.noteEncap(encapOfPeel(ls))
		d.stats.Decapsulated++
		d.decodeWith(ls, next, inner, ci, depth+1)
		return
	}
	var haveIP4, haveIP6, haveICMP4, haveICMP6, fragment bool
	innerV6 := false // the innermost IP header is IPv6
	ipLayers := 0
	tunnel := false // a tunnel header was decoded
	// The TCP header is read by hand (parseTCP), not by a layer: most
	// segments need only ports, numbers and flags. proto and transport
	// follow the innermost header decoded; wire is the transport's length
	// on the wire, from the IP header, so a snap length that cut the
	// payload does not cut the byte counts.
	var proto layers.IPProtocol
	var transport []byte
	wire := -1
	ip6Payload := 0
	for _, t := range ls.decoded {
		switch t {
		case layers.LayerTypeEthernet:
			// Nothing to take from it; first, as the layer types are
			// variables, compared one by one: every Ethernet frame went
			// through every case.
		case layers.LayerTypeIPv4:
			haveIP4, innerV6 = true, false
			ipLayers++
			if ls.ip4.Flags&layers.IPv4MoreFragments != 0 || ls.ip4.FragOffset != 0 {
				fragment = true
			}
			proto, transport = ls.ip4.Protocol, ls.ip4.Payload
			wire = int(ls.ip4.Length) - int(ls.ip4.IHL)*4
		case layers.LayerTypeIPv6:
			haveIP6, innerV6 = true, true
			ipLayers++
			proto, transport = ls.ip6.NextHeader, ls.ip6.Payload
			wire, ip6Payload = int(ls.ip6.Length), len(ls.ip6.Payload)
			if h := ls.ip6.HopByHop; h != nil {
				// gopacket's IPv6 layer consumes a Hop-by-Hop header itself.
				proto = h.NextHeader
				wire -= h.ActualLength
			}
			if ls.ip6.Length == 0 {
				wire = jumboLength(ls.ip6.HopByHop) // -1: BIG TCP's, from the frame
			}
		case layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination:
			proto, transport = ls.ip6ext.NextHeader, ls.ip6ext.Payload
		case layers.LayerTypeIPv6Fragment:
			if ls.ip6frag.FragmentOffset != 0 || ls.ip6frag.MoreFragments {
				fragment = true
			}
			proto, transport = ls.ip6frag.NextHeader, ls.ip6frag.Payload
		case layers.LayerTypeICMPv4:
			haveICMP4 = true
		case layers.LayerTypeICMPv6:
			haveICMP6 = true
		case layers.LayerTypeGRE, layers.LayerTypeVXLAN, layers.LayerTypeGeneve, layers.LayerTypeERSPANII:
			tunnel = true
		}
	}
	if innerV6 && wire >= 0 {
		wire -= ip6Payload - len(transport) // less the extension headers
	}
	if proto == layers.IPProtocolTCP && depth == 0 && ipLayers == 1 && !tunnel && !fragment && d.lengthUnsaid(ls, innerV6, ci) {
		transport, wire = d.lengthFromFrame(ls, innerV6, transport, wire, p.Truncated, ci)
	}
	if ipLayers > 1 || tunnel {
		d.stats.Decapsulated++
		d.noteEncap(encapOfLayers(ls))
	}
	haveTCP := proto == layers.IPProtocolTCP && (haveIP4 || haveIP6)
	if err != nil && !haveTCP && !haveICMP4 && !haveICMP6 && !fragment {
		d.stats.Malformed++
		return
	}
	if !haveIP4 && !haveIP6 {
		d.stats.NotIP++
		d.link.notIPFrame(ls)
		d.countNotFollowed(ls, proto)
		return
	}
	if fragment {
		d.defragment(ls, p.Truncated, ci, !innerV6, depth)
		return
	}
	var src, dst netip.Addr
	if !innerV6 {
		src, _ = netip.AddrFromSlice(ls.ip4.SrcIP)
		dst, _ = netip.AddrFromSlice(ls.ip4.DstIP)
	} else {
		src, _ = netip.AddrFromSlice(ls.ip6.SrcIP)
		dst, _ = netip.AddrFromSlice(ls.ip6.DstIP)
	}
	switch {
	case haveTCP:
		d.handleTCP(ls, transport, wire, src, dst, ci)
	case haveICMP4:
		typ, code := ls.icmp4.TypeCode.Type(), ls.icmp4.TypeCode.Code()
		if icmpError(false, typ) {
			var mtu uint32
			if typ == layers.ICMPv4TypeDestinationUnreachable && code == layers.ICMPv4CodeFragmentationNeeded {
				mtu = uint32(ls.icmp4.Seq) // the next-hop MTU (RFC 1191)
			}
			d.handleICMP(src, innerTTL(ls, innerV6), false, typ, code, mtu, ls.icmp4.Payload, ci)
		} else {
			d.stats.NotTCP++
			d.link.notTCP(layers.IPProtocolICMPv4, 0)
		}
	case haveICMP6:
		typ, code := ls.icmp6.TypeCode.Type(), ls.icmp6.TypeCode.Code()
		if icmpError(true, typ) {
			// The ICMPv6 layer's payload starts with the message's
			// 4 bytes after the checksum: the MTU of a Packet Too
			// Big, a Parameter Problem's pointer, else unused.
			pl := ls.icmp6.Payload
			var mtu uint32
			if len(pl) >= 4 {
				if typ == layers.ICMPv6TypePacketTooBig {
					mtu = binary.BigEndian.Uint32(pl)
				}
				pl = pl[4:]
			}
			d.handleICMP(src, innerTTL(ls, innerV6), true, typ, code, mtu, pl, ci)
		} else {
			d.stats.NotTCP++
			d.link.notTCP(layers.IPProtocolICMPv6, 0)
		}
	default:
		d.stats.NotTCP++
		d.link.notTCP(proto, innerUDPPort(ls, proto))
		d.countNotFollowed(ls, proto)
	}
}

// jumboLength is the TCP segment's length by an RFC 2675 jumbo payload
// option (the option's length counts the Hop-by-Hop header), -1 if there
// is none.
func jumboLength(h *layers.IPv6HopByHop) int {
	if h == nil {
		return -1
	}
	for _, o := range h.Options {
		if o.OptionType == layers.IPv6HopByHopOptionJumbogram && len(o.OptionData) == 4 {
			return int(binary.BigEndian.Uint32(o.OptionData)) - h.ActualLength
		}
	}
	return -1
}

// Offloads leave IP lengths that are not the packet's: a super-segment of
// TCP segmentation offload (IPv4) or BIG TCP (IPv6, no jumbo option)
// captured before the NIC cuts it says 0, and a frame that large receive
// offload merged keeps the length of its first segment (stale). The
// frame's own length (its original length; the capture source took off
// an FCS the file declares) is the packet's then.
const (
	// minFrame is the shortest Ethernet frame without its FCS: shorter
	// ones are padded to it, so the bytes of a frame of at most minFrame
	// past the TCP header may be padding, not payload.
	minFrame = 60
	// lroMinFrame: a frame longer than the longest standard Ethernet
	// frame (1500 bytes of IP, an 802.1Q tag) whose bytes past the IP
	// length, beyond what padding or a device's trailer add (lroMinExtra),
	// carry the TCP stream on is one LRO merged.
	lroMinFrame = 1518
	lroMinExtra = 64
)

// lengthUnsaid tells, cheaply, whether the IP header may not give the
// segment's length (lengthFromFrame): its length field 0, or a frame
// longer than Ethernet's largest (LRO). Nearly every packet is neither,
// and skips lengthFromFrame's checks.
func (d *Decoder) lengthUnsaid(ls *layerSet, v6 bool, ci gopacket.CaptureInfo) bool {
	if ci.Length > lroMinFrame || len(d.frame) > lroMinFrame {
		return true
	}
	return ipLengthZero(ls, v6)
}

// ipLengthZero tells whether the innermost IP header's length field is 0
// (IPv6: with no jumbo option, ip6Layer.bigTCP).
func ipLengthZero(ls *layerSet, v6 bool) bool {
	if v6 {
		return ls.ip6.bigTCP
	}
	return len(ls.ip4.Contents) >= 4 && ls.ip4.Contents[2]|ls.ip4.Contents[3] == 0
}

// lengthFromFrame returns the TCP segment (transport: from its header to
// where the IP length ends it, or to the end of the captured frame when
// that length is 0) and its length on the wire, read from the frame where
// the innermost IP header's length is an offload's (0 or stale: above);
// else transport and wire as they were. The frame's bytes are taken only
// where transport lies in it, so a header rebuilt or peeled is never
// measured by an outer frame. Each use is counted.
func (d *Decoder) lengthFromFrame(ls *layerSet, v6 bool, transport []byte, wire int, truncated bool, ci gopacket.CaptureInfo) ([]byte, int) {
	if len(transport) < 13 {
		return transport, wire
	}
	at := cap(d.frame) - cap(transport) // transport's offset in the frame
	if at < 0 || at >= len(d.frame) || &d.frame[at] != &transport[0] {
		return transport, wire
	}
	frameLen := max(ci.Length, len(d.frame)) // on the wire (an FCS the file declares is gone: capture.stripFCS)
	rest := frameLen - at                    // TCP's bytes by the frame
	held := min(len(d.frame)-at, rest)       // of those, the captured
	hdr := int(transport[12]>>4) * 4         // the TCP header's length
	zero := ipLengthZero(ls, v6)
	switch {
	case held < 0 || rest < hdr:
		return transport, wire
	case zero && frameLen <= minFrame:
		if held > hdr {
			d.link.ipLengthZeroShort++ // bytes past the header: padding, maybe
		}
		return transport[:min(hdr, held)], hdr
	case zero:
		d.link.ipLengthZero++
	case wire >= 0 && wire > hdr && frameLen > lroMinFrame && rest-wire >= lroMinExtra:
		// Counted, and read by the IP length all the same: the bytes
		// after it may be segments receive offload merged, or a device's
		// trailer (a load balancer's tcpdump), which read as payload
		// corrupted every full-size segment of a clean capture.
		d.link.ipLengthStale++
		return transport, wire
	default:
		return transport, wire
	}
	if rest > held && !truncated {
		d.stats.Truncated++ // the snap length cut what the frame's length says
	}
	return transport[:held], rest
}

// countNotFollowed counts a packet of a tunnel not followed, if it is one
// (Stats.TunnelsNotFollowed).
func (d *Decoder) countNotFollowed(ls *layerSet, proto layers.IPProtocol) {
	if k := notFollowed(ls, proto); k != noTunnel {
		d.link.tunnelsNotFollowed++
		d.link.tunnels |= 1 << k
	}
}

// handleTCP reads a TCP header by hand and hands the segment on: to the
// Handler, then, for a control connection, to the control table.
func (d *Decoder) handleTCP(ls *layerSet, raw []byte, wire int, src, dst netip.Addr, ci gopacket.CaptureInfo) {
	// A header cut by the snap length is read without its options: the
	// fixed 20 bytes name the segment. A data offset past the IP
	// packet's own length is malformed whatever the capture kept.
	cut := !frameWhole(ci)
	h := &d.tcp
	if ok := h.read(raw, cut); !ok || h.optsCut && (wire < 0 || h.off > wire) {
		d.stats.Malformed++
		return
	}
	if h.optsCut {
		d.link.optionsCut++
	}
	d.stats.TCP++
	s := &d.seg
	s.Num, s.Input = d.num, d.inputs
	s.TS = ci.Timestamp
	s.Src = netip.AddrPortFrom(src, h.srcPort)
	s.Dst = netip.AddrPortFrom(dst, h.dstPort)
	s.Seq, s.Ack = h.seq, h.ack
	s.Flags, s.Urgent = h.flags, h.urgent
	s.Window, s.WindowScale, s.HasWindowScale = h.window, h.wscale, h.hasWScale
	s.LinkDir = frameLinkDir(d.frameLink, d.frame)
	if src.Is4() {
		s.TTL = ls.ip4.TTL
	} else {
		s.TTL = ls.ip6.HopLimit
	}
	s.Payload = raw[min(h.off, len(raw)):]
	s.PayloadLen = len(s.Payload)
	s.Fragments, s.FragmentsUnlisted = d.fragNums, d.fragUnlisted
	if n := wire - h.off; wire >= 0 && n > s.PayloadLen {
		s.PayloadLen = n // the snap length cut the payload
	}
	// Judged only when asked (checksum.go). (Field by field: a value
	// built and copied in costs a wide copy of narrow stores.)
	d.sum.raw, d.sum.wire, d.sum.ls, d.sum.cut, d.sum.verdict = raw, wire, ls, cut, sumUnknown
	d.ctl.ignore = false
	cs := d.ctl.lookup(s)
	// A wrong checksum: dropped (counted) or kept aside (checksum.go),
	// kept from the control stream for now.
	forged := cs != nil && d.ctl.badSegment(cs, s)
	forged = forged || d.ctl.ignore
	s.Control = cs != nil && cs.confirmed()
	s.Reorders = d.ctl.pool.reorder
	s.PayloadWaits = false // (payloadTable.feed sets it)
	followed := !s.Control && d.pay.segment(s)
	d.h.Segment(s)
	if cs != nil {
		if !forged && len(d.ctl.bad) > 0 && d.sum.verdict != sumWrong {
			d.ctl.badBefore(cs, s) // what it says of those kept aside
		}
		if !forged && cs.t != nil {
			d.noteTunnel(cs, s)
			d.ctl.segment(cs, s)
		}
	} else if !followed {
		d.pay.opened(s) // one lookup for a followed connection, not two
	}
}

// innerTTL is the TTL (IPv6: hop limit) of the innermost IP header, the
// one the source address is read from. Read for ICMP errors only: a TCP
// segment's is set in handleTCP.
func innerTTL(ls *layerSet, v6 bool) uint8 {
	if v6 {
		return ls.ip6.HopLimit
	}
	return ls.ip4.TTL
}

// handleICMP reads the IP and TCP header an ICMP error quotes; ttl is the
// message's own TTL (hop limit).
func (d *Decoder) handleICMP(from netip.Addr, ttl uint8, v6 bool, typ, code uint8, mtu uint32, quoted []byte, ci gopacket.CaptureInfo) {
	u := &d.un
	var ok bool
	u.Src, u.Dst, u.Seq, ok = parseQuotedTCP(quoted)
	if !ok {
		d.stats.NotTCP++
		if v6 {
			d.link.notTCP(layers.IPProtocolICMPv6, 0)
		} else {
			d.link.notTCP(layers.IPProtocolICMPv4, 0)
		}
		return
	}
	d.stats.ICMPErrors++
	u.Num = d.num
	u.TS = ci.Timestamp
	u.From, u.TTL = from, ttl
	u.V6 = v6
	u.Type, u.Code = typ, code
	u.MTU = mtu
	u.Fragments, u.FragmentsUnlisted = d.fragNums, d.fragUnlisted
	d.ctl.connectICMP(u)
	d.h.Unreachable(u)
}

// defragment files a fragment (the innermost IP header ls decoded, cut
// when the snap length cut its frame) with decode's own reassembly and,
// when it completes a datagram, decodes the rebuilt packet as if it had
// arrived whole: a tunnel whose outer header was fragmented yields its
// inner TCP like an unfragmented one. The parser stops at a fragmented
// IP header, so the innermost one ls holds is the fragment's (the outer
// one when the outer header is the fragment, the inner one when the
// tunnel carries a fragment).
//
// Both families are reassembled here, on packet time (gopacket's
// reassemblers age on the wall clock, or from a datagram's latest
// fragment, and hold the whole frame of each fragment): only the
// fragment's data is copied, what decode counts is what it holds.
func (d *Decoder) defragment(ls *layerSet, cut bool, ci gopacket.CaptureInfo, v4 bool, depth int) {
	d.stats.Fragments++
	var f fragment
	if v4 {
		f = readFragment4(&ls.ip4)
	} else {
		f = readFragment6(&ls.ip6.IPv6, &ls.ip6frag, cut)
	}
	v, pkt := d.addFragment(&f, ci.Timestamp)
	switch v {
	case fragRejected, fragDropped:
		d.stats.FragmentsLost++
		return
	case fragDuplicate, fragHeld:
		if d.fragH != nil {
			d.fragH.FragmentHeld(d.num)
		}
		return
	}
	next := firstIPv4
	if !v4 {
		next = firstIPv6
	}
	if v == fragConflict {
		// The datagram as this fragment makes it, decoded too: what it
		// carries is a later copy of the segment that differs (a
		// control stream reports the conflict, ControlConflict).
		d.stats.FragmentConflicts++
		if depth < maxEncapsulation {
			d.decodeWith(d.frag, next, pkt, ci, depth+1)
		}
		return
	}
	other := d.fragOther
	d.fragOther = nil
	defer func() { d.fragNums, d.fragUnlisted = nil, 0 }()
	d.stats.Defragmented++
	if pkt == nil || depth >= maxEncapsulation {
		// Larger than an IP header can say, or fragments nested in
		// fragments deeper than any real tunnel stack.
		d.stats.Malformed++
		return
	}
	// d.frag is free: whoever decoded into it before returns as soon as
	// this call does.
	d.decodeWith(d.frag, next, pkt, ci, depth+1)
	if other != nil {
		// Its overlapping fragments differed: the other version, decoded
		// after it as a late differing fragment's is (fragoverlap.go).
		// It is the packet of that fragment's: the one the conflict
		// names.
		d.stats.FragmentConflicts++
		num := d.num
		d.num = d.fragOtherNum
		d.decodeWith(d.frag, next, other, ci, depth+1)
		d.num = num
	}
}

// fragment is one IP fragment as the reassembly reads it.
type fragment struct {
	key   fragKey
	start int    // the offset of its data in the datagram's payload
	data  []byte // its data, the stated length only (aliases the frame)
	more  bool   // more fragments follow (IPv4's MF, IPv6's M)
	// bad: invalid by its own header (cut short, too small, beyond
	// 65,535 bytes). Linux drops an IPv4 datagram with such a fragment
	// (ip_frag_queue's discard_qp), an IPv6 fragment alone (with a
	// Parameter Problem).
	bad bool
	// The rebuilt packet's header fields, kept from the offset-0
	// fragment (IPv6: its Fragment header's Next Header).
	tos, ttl uint8
	flow     uint32
	next     layers.IPProtocol
}

// readFragment4 reads an IPv4 fragment. A fragment that is not the last
// counts only its whole 8-byte units (Linux: end &= ~7; RFC 791 has all
// but the last fragment hold a multiple of 8 bytes).
func readFragment4(ip *layers.IPv4) fragment {
	f := fragment{
		start: int(ip.FragOffset) * 8,
		more:  ip.Flags&layers.IPv4MoreFragments != 0,
		tos:   ip.TOS, ttl: ip.TTL, next: ip.Protocol,
	}
	f.key.src, _ = netip.AddrFromSlice(ip.SrcIP)
	f.key.dst, _ = netip.AddrFromSlice(ip.DstIP)
	f.key.id, f.key.proto = uint32(ip.Id), ip.Protocol
	size := int(ip.Length) - int(ip.IHL)*4 // the data's stated length
	switch {
	case size < 0 || len(ip.Payload) < size:
		f.bad = true // cut by the snap length, or short on the wire
	case f.more && size < 8:
		f.bad = true
	case f.start+int(ip.Length) > 0xffff:
		f.bad = true
	}
	if !f.bad {
		if f.more {
			size &^= 7
		}
		f.data = ip.Payload[:size]
	}
	return f
}

// readFragment6 reads an IPv6 fragment (ip its header, fh its Fragment
// header, whose payload is the fragment's data); cut when the frame was
// cut short: its bytes are not all there, and held they would take the
// place of the real fragment's.
func readFragment6(ip *layers.IPv6, fh *layers.IPv6Fragment, cut bool) fragment {
	f := fragment{
		start: int(fh.FragmentOffset) * 8,
		data:  fh.Payload,
		more:  fh.MoreFragments,
		tos:   ip.TrafficClass, ttl: ip.HopLimit, flow: ip.FlowLabel, next: fh.NextHeader,
	}
	f.key.src, _ = netip.AddrFromSlice(ip.SrcIP)
	f.key.dst, _ = netip.AddrFromSlice(ip.DstIP)
	f.key.id, f.key.v6 = fh.Identification, true
	// Past 65,535 bytes, or a fragment not last that is not whole 8-byte
	// units: Linux sends a Parameter Problem and drops it alone.
	f.bad = cut || f.start+len(f.data) > 0xffff || f.more && len(f.data)%8 != 0
	return f
}

// Clock outliers. One packet whose time is far ahead of the packets
// around it (a timestamp corrupted, a packet of another clock merged in)
// must not move the decoder's clocks there: every control connection
// would idle out at once, waits run out, and the packets after it, back
// at the real time, would be behind the clock for hours. So a forward
// step of packet time over clockOutlierStep is taken only once the next
// packet confirms it, its time no more than clockConfirmSlack before the
// step's: until then last (what expiry and the Handler's Tick go by)
// stays where it was. A next packet further back shows it was one
// packet's time, not the capture's: the step is dropped
// (Stats.ClockOutliers) and the control table's idle clock, which the
// held packet moved, is put back. The held packet stamps the control
// connection it belongs to, and the hosts' pair, with the clock before
// it (controlTable.stampNow), and again with its own once confirmed. A
// step at the first packet of an input (SetInput) is the gap between
// files, taken at once.
const (
	clockOutlierStep  = 30 * time.Second
	clockConfirmSlack = time.Second
)

// observe takes packet time ts into the decoder's clock; it tells whether
// it confirmed a step held (last moved by it).
func (d *Decoder) observe(ts time.Time) (confirmed bool) {
	if !d.jumpHeld && !d.inputStart {
		// (The common case, short: one difference, whose sign is After's,
		// not After and then the difference.)
		if ahead := PacketSub(ts, d.last); ahead > 0 {
			if !d.backFrom.IsZero() {
				ts = d.backEnds(ts) // (may move d.last)
				ahead = PacketSub(ts, d.last)
			}
			if ahead > clockOutlierStep && !d.last.IsZero() {
				if d.liveStep(ts) {
					return false
				}
				d.jumpAt, d.jumpHeld = ts, true
				d.clockSaved = d.ctl.clock
				return false
			}
			d.last = ts
		} else if PacketSub(d.last, ts) > clockStepBack {
			d.stepBack(ts)
		}
		return false
	}
	if d.jumpHeld {
		d.jumpHeld = false
		if ts.Before(d.jumpAt.Add(-clockConfirmSlack)) {
			d.stats.ClockOutliers++
			d.ctl.clock = d.clockSaved
			d.ctl.stepDone()
		} else {
			confirmed = true
			if d.jumpAt.After(d.last) {
				d.last = d.jumpAt
			}
		}
	}
	first := d.inputStart
	d.inputStart = false
	if !first && !d.last.IsZero() && ts.Sub(d.last) > clockOutlierStep {
		if d.liveStep(ts) {
			return confirmed
		}
		d.jumpAt, d.jumpHeld = ts, true
		d.clockSaved = d.ctl.clock
		return confirmed
	}
	if ts.After(d.last) {
		if !d.backFrom.IsZero() {
			ts = d.backEnds(ts)
		}
		d.last = ts
	} else if !first && d.last.Sub(ts) > clockStepBack {
		d.stepBack(ts)
	}
	return confirmed
}

// Steps back. A packet more than clockStepBack earlier than the clock is
// the capture's clock set back (NTP stepping it), not reordering (the
// queues of a multi-queue capture, the copies of a mirror port disagree
// by microseconds to milliseconds): the clock follows it, as the
// tracker's waits do, so that what waits after it (a hole in a stream,
// a connection's idle time, a datagram's fragments) is measured in time
// that passed, not from the latest time before the step (a hole given up
// at the first expiry, as if it had waited the whole step). What waited
// from before the step waits longer by the step. A packet back on the
// time before the step within clockStepBack of packet time after it
// shows two clocks interleaved (hosts or interfaces whose clocks
// disagree), not a step: the clock goes back to where it was.
const clockStepBack = time.Second

// stepBack takes packet time ts, more than clockStepBack before the
// clock, as the capture's clock set back.
func (d *Decoder) stepBack(ts time.Time) {
	if d.interfaces {
		return
	}
	if !d.joinEnd.IsZero() {
		if !d.last.After(d.joinEnd) {
			return // an input joining the one before it (SetInput)
		}
		d.joinEnd = time.Time{}
	}
	if d.last.After(d.backMax) {
		d.backMax = d.last
	}
	d.backFrom, d.backAt, d.backFlush = d.last, ts, d.nextFlush
	d.stats.ClockStepsBack++
	d.last = ts
	d.nextFlush = ts.Add(time.Second)
}

// backEnds settles the latest step back at packet time ts, later than
// the clock: back on the time before the step moments after it, the step
// was another clock's, and ts is taken as no earlier than the time before
// it; otherwise the step stands.
func (d *Decoder) backEnds(ts time.Time) time.Time {
	from := d.backFrom
	d.backFrom = time.Time{}
	if d.last.Sub(d.backAt) >= clockStepBack || !ts.After(from.Add(-clockStepBack)) {
		return ts
	}
	d.last, d.nextFlush = from, d.backFlush
	d.stats.ClockStepsBack-- // (another clock's, not a step)
	if ts.Before(from) {
		return from
	}
	return ts
}

// maybeFlush runs the time-driven housekeeping once per second of packet
// time: never on wall-clock time, so a file is analysed the same way
// whatever the machine's speed.
func (d *Decoder) maybeFlush() {
	if d.last.Before(d.nextFlush) {
		return
	}
	d.nextFlush = d.last.Add(time.Second)
	if d.live != nil {
		d.live.sample()
	}
	d.ctl.expire(d.last)
	d.pay.expire(d.last)
	// Datagrams past their timeout will not complete.
	if d.fragsHeld > 0 {
		d.expireFragments(d.last)
	}
	d.h.Tick(d.last)
}

// Tick lets time pass without packets (a quiet live capture): idle
// control connections are closed and holes skipped as if a packet had
// arrived at now. now must come from the capture's clock.
func (d *Decoder) Tick(now time.Time) {
	d.releaseHeld() // (a frame held goes first, as it came)
	if d.live != nil && now.After(d.last) && PacketSub(now, d.last) > clockOutlierStep && !d.jumpHeld {
		d.liveStep(now) // (moves d.last; maybeFlush below reads the clocks otherwise)
	}
	if now.After(d.last) {
		d.last = now
	}
	// Asked for explicitly (a live capture with nothing to read): expire
	// now, not at the next whole second, so a wait reported in live ends
	// when it runs out.
	d.nextFlush = d.last
	d.maybeFlush()
}

// Finish ends the capture: lines still buffered are delivered, every open
// control connection gets its ControlClose event, then the Handler its
// Finish.
func (d *Decoder) Finish() {
	d.releaseHeld()
	// Fragments of datagrams still incomplete never made a packet.
	d.stats.FragmentsLost += uint64(d.fragsHeld)
	d.dropAllFragments()
	d.ctl.closeAll(d.num, d.LastTime())
	d.pay.closeAll()
	d.h.Finish()
}

// DecodeAll decodes every packet src yields, until its end. It returns nil
// at a clean end, else src's error (everything before it was decoded).
func (d *Decoder) DecodeAll(src capture.Source) error {
	for {
		data, ci, link, err := src.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		d.Decode(data, ci, link)
	}
}

// fragKey names a datagram being reassembled: its addresses and
// identification, and for IPv4 its protocol too (RFC 791 2.3; Linux's
// ip4_frag key). IPv6's has no protocol (RFC 8200 4.5; Linux's
// frag_v6_compare_key): proto is 0 there.
type fragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    layers.IPProtocol
	v6       bool
}

// timeout is how long the datagram waits for its fragments, from its
// first one.
func (k fragKey) timeout() time.Duration {
	if k.v6 {
		return fragmentTimeout6
	}
	return fragmentTimeout4
}

// piece is the bytes [start, end) of a datagram's payload one fragment
// carries: a copy of its data alone.
type piece struct {
	start, end int
	data       []byte
}

// datagram is one IP datagram under reassembly, as RFC 791 and RFC 8200
// 4.5 have a receiver do, with Linux's choices where they leave one:
// offsets count 8-byte units; the last fragment (MF/M clear) fixes the
// datagram's length; a fragment that overlaps bytes held without
// repeating them drops the whole datagram (RFC 5722; Linux does the same
// for IPv4), a repeat is ignored.
type datagram struct {
	pieces []piece // in offset order, never overlapping
	end    int     // the highest byte seen; the length once last is set
	have   int     // bytes held
	last   bool    // the last fragment has come
	first  time.Time
	// nums: the packets of its first MaxFragmentNums fragments (repeats
	// too: a writer of chosen packets writes what the wire carried),
	// with the input each came in (numbers start again in each input);
	// dups counts the repeats.
	nums []fragNum
	dups int
	// other: the first fragment that carried bytes held differently
	// (fragoverlap.go); its data nil when none did.
	other    piece
	otherNum uint64 // the packet that carried it
	// From the offset-0 fragment: the rebuilt packet's header fields.
	tos, ttl uint8
	flow     uint32
	next     layers.IPProtocol
}

// fragNum is a fragment's packet number in its input (SetInput's count).
type fragNum struct {
	input uint32
	num   uint64
}

// fragVerdict says what addFragment did with a fragment.
type fragVerdict uint8

const (
	fragHeld      fragVerdict = iota // kept, the datagram not complete
	fragDuplicate                    // repeats bytes held: ignored
	fragComplete                     // completed the datagram
	fragRejected                     // invalid alone: dropped, the datagram kept
	fragDropped                      // dropped with its datagram
	// fragConflict: a fragment of a datagram rebuilt lately whose bytes
	// differ from the ones rebuilt (lateFragment): the datagram it makes
	// is returned.
	fragConflict
)

// addFragment files fragment f, seen at ts and numbered d.num. With
// fragComplete it returns the rebuilt packet (nil when it cannot be one),
// and leaves the packet numbers of the datagram's other fragments in
// d.fragNums and d.fragUnlisted. The fragments counted held (d.fragsHeld,
// d.fragBytes) are exactly the pieces of the datagrams in d.frags.
func (d *Decoder) addFragment(f *fragment, ts time.Time) (fragVerdict, []byte) {
	k := f.key
	g := d.frags[k]
	// A datagram older than its timeout when its next fragment comes is
	// over, though no packet in between ran the expiry: that fragment
	// starts a new one (a forged tail long before the real fragments
	// completes nothing).
	if g != nil && ts.Sub(g.first) > k.timeout() {
		d.loseDatagram(k, g)
		g = nil
	}
	if f.bad {
		if g != nil && !k.v6 {
			d.loseDatagram(k, g)
			return fragDropped, nil
		}
		return fragRejected, nil
	}
	// Past the bounds, empty the reassembly: a fragment flood costs the
	// datagrams in progress, not unbounded memory.
	if d.fragsHeld >= maxFragments || d.fragBytes+len(f.data) > maxFragmentBytes {
		d.stats.FragmentsLost += uint64(d.fragsHeld)
		d.stats.FragmentsFull++
		d.dropAllFragments()
		g = nil
	}
	if g == nil {
		if alt := d.lateFragment(f, ts); alt != nil {
			return fragConflict, alt
		}
		g = &datagram{first: ts}
		d.frags[k] = g
	}
	drop := func() (fragVerdict, []byte) {
		d.loseDatagram(k, g)
		return fragDropped, nil
	}
	start, end := f.start, f.start+len(f.data)
	switch {
	case !f.more:
		// The last fragment: nothing held may reach beyond it, and
		// two last fragments must agree.
		if end < g.end || g.last && end != g.end {
			return drop()
		}
		g.last, g.end = true, end
	case end > g.end:
		if g.last {
			return drop() // beyond the last fragment
		}
		g.end = end
	}
	if start == end {
		return drop()
	}
	// The pieces [i, j) share bytes with this one.
	i, _ := slices.BinarySearchFunc(g.pieces, start, func(p piece, s int) int {
		if p.end > s {
			return 1
		}
		return -1
	})
	j := i
	for j < len(g.pieces) && g.pieces[j].start < end {
		j++
	}
	if i < j {
		if covered(g.pieces[i:j], start, end) {
			if !sameAsHeld(g.pieces[i:j], start, f.data) {
				d.keepOtherCopy(g, f)
			}
			g.dups++
			if len(g.nums) < MaxFragmentNums {
				g.nums = append(g.nums, fragNum{d.inputs, d.num})
			}
			return fragDuplicate, nil
		}
		return drop() // RFC 5722
	}
	if start == 0 {
		g.tos, g.ttl, g.flow, g.next = f.tos, f.ttl, f.flow, f.next
	}
	data := make([]byte, len(f.data)) // bytes.Clone rounds the capacity up
	copy(data, f.data)
	g.pieces = slices.Insert(g.pieces, i, piece{start: start, end: end, data: data})
	g.have += end - start
	d.fragsHeld++
	d.fragBytes += end - start
	if len(g.nums) < MaxFragmentNums {
		g.nums = append(g.nums, fragNum{d.inputs, d.num})
	}
	if !g.last || g.have != g.end {
		return fragHeld, nil
	}
	// Complete: the pieces tile [0, end), so the offset-0 one is held.
	delete(d.frags, k)
	d.fragsHeld -= len(g.pieces)
	d.fragBytes -= g.have + len(g.other.data)
	// Only this input's numbers are listed: one of an earlier file would
	// name another packet of this one.
	d.fragNums = nil
	for _, n := range g.nums {
		if n.input == d.inputs && n.num != d.num {
			d.fragNums = append(d.fragNums, n.num)
		}
	}
	d.fragUnlisted = len(g.pieces) + g.dups - 1 - len(d.fragNums)
	pkt := g.build(k)
	d.keepRebuilt(k, ts, pkt)
	d.fragOther, d.fragOtherNum = g.otherCopy(k, pkt), g.otherNum
	return fragComplete, pkt
}

// Late fragments that differ. Two fragments may carry the same bytes of
// a datagram differently (an attacker's overlapping fragments, the
// forged ones first: Linux takes the first that completes it): the
// datagram is rebuilt from those that came first, and the other one,
// coming after, started a datagram of its own that never completed,
// reported as a fragment lost, not as two versions of the bytes. So the
// last rebuiltKept datagrams are kept (the rebuilt packet, up to
// rebuiltMax bytes: at most 128 KiB in all) for their reassembly
// timeout: a later fragment of one that lies within it and differs from
// its bytes is counted (Stats.FragmentConflicts), and the datagram it
// makes with the rest is decoded too, a later copy of the segment it
// carries (on a control connection, a ControlConflict). One that repeats
// the bytes is taken as before.
const (
	rebuiltKept = 8
	rebuiltMax  = 16 << 10
)

// rebuiltDatagram is a datagram rebuilt lately (Decoder.rebuilt).
type rebuiltDatagram struct {
	key fragKey
	at  time.Time // its completing fragment's time
	pkt []byte    // the rebuilt packet, its header included
}

// keepRebuilt keeps pkt, the datagram k rebuilt at ts, for lateFragment.
func (d *Decoder) keepRebuilt(k fragKey, ts time.Time, pkt []byte) {
	if pkt == nil || len(pkt) > rebuiltMax {
		return
	}
	d.rebuilt[d.rebuiltW] = rebuiltDatagram{key: k, at: ts, pkt: pkt}
	d.rebuiltW = (d.rebuiltW + 1) % rebuiltKept
}

// lateFragment tells whether f, at ts, the first fragment of datagram
// f.key since it was rebuilt, lies within a datagram rebuilt lately and
// differs from its bytes: then it returns the packet f makes of it (a
// copy, f's bytes in place of those rebuilt); nil otherwise.
func (d *Decoder) lateFragment(f *fragment, ts time.Time) []byte {
	hdr := 20
	if f.key.v6 {
		hdr = 40
	}
	for i := range d.rebuilt {
		r := &d.rebuilt[i]
		if r.pkt == nil || r.key != f.key || ts.Sub(r.at) > f.key.timeout() || ts.Before(r.at) {
			continue
		}
		payload := r.pkt[hdr:]
		end := f.start + len(f.data)
		if end > len(payload) || !f.more && end != len(payload) || string(payload[f.start:end]) == string(f.data) {
			continue
		}
		if f.start == 0 && (len(f.data) < 8 || len(payload) < 8 || string(payload[:8]) != string(f.data[:8])) {
			// A first fragment whose ports and sequence number are not
			// the rebuilt segment's: a new datagram whose sender used the
			// ID again (RFC 6864 lets it on atomic datagrams; RFC 4963),
			// not another version of the old one.
			continue
		}
		alt := slices.Clone(r.pkt)
		copy(alt[hdr+f.start:], f.data)
		return alt
	}
	return nil
}

// loseDatagram forgets datagram k, its fragments lost.
func (d *Decoder) loseDatagram(k fragKey, g *datagram) {
	d.stats.FragmentsLost += uint64(len(g.pieces))
	d.fragsHeld -= len(g.pieces)
	d.fragBytes -= g.have + len(g.other.data)
	delete(d.frags, k)
}

// covered tells whether the pieces, all touching [start, end), hold every
// byte of it.
func covered(ps []piece, start, end int) bool {
	if ps[0].start > start || ps[len(ps)-1].end < end {
		return false
	}
	for i := 0; i < len(ps)-1; i++ {
		if ps[i].end != ps[i+1].start {
			return false
		}
	}
	return true
}

// build serializes the complete datagram for the parser: a 20-byte IPv4
// header (the options belong to the first fragment and nothing reads
// them) or a 40-byte IPv6 header whose Next Header is the first
// fragment's Fragment header's (the per-fragment headers before it are
// left out: nothing reads them), and the payload. nil when it cannot be
// one packet.
func (g *datagram) build(k fragKey) []byte {
	if !k.v6 {
		n := 20 + g.end
		if n > 0xffff {
			return nil
		}
		b := make([]byte, 20, n)
		b[0] = 0x45
		b[1] = g.tos
		binary.BigEndian.PutUint16(b[2:], uint16(n))
		binary.BigEndian.PutUint16(b[4:], uint16(k.id))
		b[8] = g.ttl
		b[9] = byte(k.proto)
		src, dst := k.src.As4(), k.dst.As4()
		copy(b[12:16], src[:])
		copy(b[16:20], dst[:])
		for _, p := range g.pieces {
			b = append(b, p.data...)
		}
		return b
	}
	b := make([]byte, 40, 40+g.end)
	b[0] = 0x60 | g.tos>>4
	b[1] = g.tos<<4 | byte(g.flow>>16&0x0f)
	binary.BigEndian.PutUint16(b[2:], uint16(g.flow))
	binary.BigEndian.PutUint16(b[4:], uint16(g.end))
	b[6] = byte(g.next)
	b[7] = g.ttl
	src, dst := k.src.As16(), k.dst.As16()
	copy(b[8:24], src[:])
	copy(b[24:40], dst[:])
	for _, p := range g.pieces {
		b = append(b, p.data...)
	}
	return b
}

// expireFragments gives up the datagrams not complete within their
// timeout (fragmentTimeout4, fragmentTimeout6) of packet time from their
// first fragment at now. Their fragments count as lost.
func (d *Decoder) expireFragments(now time.Time) {
	for k, g := range d.frags {
		if now.Sub(g.first) > k.timeout() {
			d.loseDatagram(k, g)
		}
	}
}

// dropAllFragments empties the reassembly and its counts (the caller
// counts what it held).
func (d *Decoder) dropAllFragments() {
	clear(d.frags)
	d.fragsHeld, d.fragBytes = 0, 0
}
