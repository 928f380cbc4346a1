package decode

import (
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/gopacket/gopacket"
)

// Interfaces whose clocks disagree. A pcapng of several interfaces (the
// captures of two hosts merged, one host's NICs with their own hardware
// clocks) may stamp one interface's packets seconds or minutes off the
// other's. With one direction of each connection on each interface, a
// reviewer's capture whose server-to-client interface ran 2 s ahead read
// every reply as come after the next command was sent, and a transfer
// that followed its PASV as begun before it. Nothing in one packet shows
// it; TCP's causality across the interfaces does: a SYN/ACK cannot have
// been sent before the SYN it answers, nor the ACK of a SYN/ACK before
// the SYN/ACK. So each handshake whose SYN and SYN/ACK lie on two
// interfaces bounds the offset of the second's clock from the first's:
// at most the SYN/ACK's stamp less the SYN's, at least the SYN/ACK's less
// the handshake's last ACK's. Clocks that agree keep zero between the
// bounds; an offset of more than a round trip puts it outside them, and
// a few handshakes that do so (skewEvidence) prove it and measure it.
//
// It is said (Stats.ClockSkews), not mended: the stamps are not moved,
// and packets merged in the order of their stamps (mergecap) come in an
// order no bounded wait puts back, so what pairs across the interfaces
// (a reply with its command, a data connection with its announcement)
// may be off by the offset.
//
// State is bounded: per interface (the first maxSkewInterfaces after
// interface 0, each against interface 0), a few numbers; handshakes
// under way in a ring of skewHandshakes (a sample: a handshake pushed
// out is evidence not taken, nothing else).

// maxSkewInterfaces: interfaces 1 to this are judged against interface 0;
// handshakes between others are not (Stats.ClockSkewNotJudged).
const maxSkewInterfaces = 8

// skewHandshakes: the handshakes followed at once for their stamps.
const skewHandshakes = 16

// skewEvidence: handshakes that must show the clocks disagree (zero
// outside their bound) before the offset is taken off: one could be a
// clock stepped between its packets. One is enough to say so.
const skewEvidence = 3

// skewHandshake is one handshake's stamps (Unix nanoseconds) and the
// interfaces they came on.
type skewHandshake struct {
	client, server         netip.AddrPort
	syn, synAck            int64
	ack                    int64  // the client's first ACK after the SYN
	ackNum                 uint32 // its acknowledgement number
	synAckSeq              uint32
	synIf, synAckIf, ackIf uint32
	has                    uint8 // hasSyn, hasSynAck, hasAck
}

const (
	hasSyn = 1 << iota
	hasSynAck
	hasAck
)

// skewBound is what handshakes told of one interface's clock against
// interface 0's: its offset lies in [lo, hi] (nanoseconds).
type skewBound struct {
	lo, hi      int64
	loN, hiN    uint32 // handshakes that set a bound
	against     uint32 // handshakes whose bound excluded zero
	conflicting bool   // lo came above hi: the offset changed
	// applied: the offset taken off this interface's stamps since the
	// evidence proved it (correct), fixed from then on.
	applied int64
	// probed: applied was found reading the file's start first
	// (ProbeClockSkew), and taken off from its first packet.
	probed bool
	// appliedAt: the packet from which it was taken off (0: the first).
	appliedAt uint64
}

// clockSkew estimates each interface's clock offset (Decoder.skew).
type clockSkew struct {
	ring      [skewHandshakes]skewHandshake
	next      int // the ring slot taken next
	open      int // slots in use
	iface     [maxSkewInterfaces]skewBound
	notJudged uint64
	// widest: the largest offset taken off an interface's stamps.
	widest time.Duration
}

// segment takes a TCP segment's stamp: handshakes only. A SYN/ACK
// stamped before its SYN (its clock behind) may come first, as may the
// handshake's last ACK before the SYN/ACK (the SYN/ACK's clock ahead):
// whichever of the three comes first takes a slot.
func (c *clockSkew) segment(s *Segment, ifi int) {
	if ifi < 0 || ifi > maxSkewInterfaces+1 {
		ifi = maxSkewInterfaces + 1 // (not judged: bound counts it)
	}
	ifIndex := uint32(ifi)
	syn, ack := s.Flags.Has(FlagSYN), s.Flags.Has(FlagACK)
	ts := s.TS.UnixNano()
	if ifIndex > 0 && ifIndex <= maxSkewInterfaces {
		ts += c.iface[ifIndex-1].applied // (the stamp as captured)
	}
	switch {
	case syn && !ack:
		h := c.find(s.Src, s.Dst)
		if h == nil || h.has&hasSyn != 0 {
			h = c.take(s.Src, s.Dst, h)
		}
		h.syn, h.synIf = ts, ifIndex
		h.has |= hasSyn
		c.judge(h)
	case syn:
		h := c.find(s.Dst, s.Src)
		if h == nil || h.has&hasSynAck != 0 {
			h = c.take(s.Dst, s.Src, h)
		}
		h.synAck, h.synAckSeq, h.synAckIf = ts, s.Seq, ifIndex
		h.has |= hasSynAck
		c.judge(h)
	case ack && c.open > 0:
		if h := c.find(s.Src, s.Dst); h != nil && h.has&hasAck == 0 {
			h.ack, h.ackNum, h.ackIf = ts, s.Ack, ifIndex
			h.has |= hasAck
			c.judge(h)
		}
	}
}

// take starts a handshake from client to server afresh: in h, its slot
// already (a SYN or SYN/ACK sent again), or the ring's next.
func (c *clockSkew) take(client, server netip.AddrPort, h *skewHandshake) *skewHandshake {
	if h == nil {
		h = &c.ring[c.next]
		c.next = (c.next + 1) % skewHandshakes
		if h.has == 0 {
			c.open++
		}
	}
	*h = skewHandshake{client: client, server: server}
	return h
}

// find is the handshake under way from client to server.
func (c *clockSkew) find(client, server netip.AddrPort) *skewHandshake {
	for i := range c.ring {
		h := &c.ring[i]
		if h.has != 0 && h.client.Port() == client.Port() && h.client == client && h.server == server {
			return h
		}
	}
	return nil
}

// judge bounds the SYN/ACK interface's offset once the handshake has
// its three stamps, and frees its slot.
func (c *clockSkew) judge(h *skewHandshake) {
	if h.has != hasSyn|hasSynAck|hasAck {
		return
	}
	if h.ackNum == h.synAckSeq+1 {
		// The SYN/ACK was sent after the SYN, and before its ACK:
		// offset(synAckIf) - offset(synIf) <= synAck - syn, and
		// offset(synAckIf) - offset(ackIf) >= synAck - ack.
		c.bound(h.synAckIf, h.synIf, h.synAck-h.syn, true)
		c.bound(h.synAckIf, h.ackIf, h.synAck-h.ack, false)
	}
	*h = skewHandshake{}
	c.open--
}

// bound takes offset(a) - offset(b) <= v (upper) or >= v, as a bound on
// one interface against interface 0.
func (c *clockSkew) bound(a, b uint32, v int64, upper bool) {
	if a == b {
		return
	}
	k := a
	switch {
	case b == 0:
	case a == 0:
		k, v, upper = b, -v, !upper // offset(b) - offset(0) is the other way
	default:
		c.notJudged++
		return
	}
	if k > maxSkewInterfaces {
		c.notJudged++
		return
	}
	sb := &c.iface[k-1]
	if upper {
		if sb.hiN == 0 || v < sb.hi {
			sb.hi = v
		}
		sb.hiN++
		if v < 0 {
			sb.against++
		}
	} else {
		if sb.loN == 0 || v > sb.lo {
			sb.lo = v
		}
		sb.loN++
		if v > 0 {
			sb.against++
		}
	}
	if sb.loN > 0 && sb.hiN > 0 && sb.lo > sb.hi {
		sb.conflicting = true
	}
}

// ClockSkew is an interface whose clock disagreed with interface 0's, as
// the TCP handshakes across the two showed (clockskew.go).
type ClockSkew struct {
	// Interface is the pcapng interface index.
	Interface int `json:"interface"`
	// Offset is how far its stamps are ahead of interface 0's (behind
	// when negative): the middle of what the handshakes allow, or their
	// bound when they bound it on one side only.
	Offset time.Duration `json:"offset_ns"`
	// Within is how far the true offset may lie from Offset: half the
	// span the handshakes left it (0 when bounded on one side only).
	Within time.Duration `json:"within_ns"`
	// Handshakes is how many handshakes showed the clocks disagree.
	Handshakes uint64 `json:"handshakes"`
	// Varying: the handshakes disagree among themselves (the offset
	// changed during the capture: a clock stepped); Offset is then the
	// largest they showed, and was not taken off.
	Varying bool `json:"varying,omitempty"`
	// Corrected: its packets were read at interface 0's time, the offset
	// taken off (Applied), from packet FromPacket on (0: from the
	// first, the file's start read for it first); before it, as stamped.
	Corrected  bool          `json:"corrected,omitempty"`
	Applied    time.Duration `json:"applied_ns,omitempty"`
	FromPacket uint64        `json:"from_packet,omitempty"`
}

// skews lists the interfaces whose clocks were shown to disagree.
func (c *clockSkew) skews() []ClockSkew {
	var out []ClockSkew
	for i := range c.iface {
		sb := &c.iface[i]
		if sb.against == 0 && sb.applied == 0 {
			continue
		}
		cs := ClockSkew{Interface: i + 1, Handshakes: uint64(sb.against), Varying: sb.conflicting,
			Corrected: sb.applied != 0, Applied: time.Duration(sb.applied), FromPacket: sb.appliedAt}
		switch {
		case sb.conflicting:
			if sb.lo > 0 {
				cs.Offset = time.Duration(sb.lo)
			} else {
				cs.Offset = time.Duration(sb.hi)
			}
		case sb.loN > 0 && sb.hiN > 0:
			cs.Offset = time.Duration(sb.lo + (sb.hi-sb.lo)/2)
			cs.Within = time.Duration((sb.hi - sb.lo) / 2)
		case sb.loN > 0:
			cs.Offset = time.Duration(sb.lo)
		default:
			cs.Offset = time.Duration(sb.hi)
		}
		out = append(out, cs)
	}
	return out
}

// correct takes the offset proved off the stamp of a packet of interface
// ifi. The first skewEvidence handshakes that prove it fix it; from then
// on the packets of that interface are read at interface 0's time.
func (c *clockSkew) correct(ifi int, ts time.Time, num uint64) time.Time {
	if ifi <= 0 || ifi > maxSkewInterfaces {
		return ts
	}
	sb := &c.iface[ifi-1]
	if sb.applied == 0 && sb.against >= skewEvidence && !sb.conflicting && sb.loN > 0 && sb.hiN > 0 {
		sb.applied, sb.appliedAt = sb.lo+(sb.hi-sb.lo)/2, num
		c.widest = max(c.widest, time.Duration(max(sb.applied, -sb.applied)))
	}
	return ts.Add(-time.Duration(sb.applied))
}

// correctSkew reads a packet of an interface other than 0 at interface
// 0's time, once its clock's offset is proved; the reorder waits then
// cover the largest offset taken off (packets merged by their stamps
// come out of order by it).
func (d *Decoder) correctSkew(ci *gopacket.CaptureInfo) {
	ci.Timestamp = d.skew.correct(ci.InterfaceIndex, ci.Timestamp, d.num)
	if w := d.skew.widest; w > d.ctl.pool.skewed {
		d.ctl.pool.skewed = w
		if d.pay != nil {
			d.pay.pool.skewed = w
		}
	}
}

// Reading a file, its start is read once first for this evidence
// (ProbeClockSkew), so that the packets before the handshakes that prove
// an offset are read at interface 0's time too: a capture's first session
// read every reply after the next command, its transfer as begun before
// its PASV. A pipe is read once: there the packets before the proof are
// read as stamped.

// probePackets: how much of a file's start ProbeClockSkew reads;
// probeOneInterface: how far it reads when every packet so far was
// interface 0's (a file of one interface, the most).
const (
	probePackets      = 20000
	probeOneInterface = 2000
)

// ClockOffsets is what ProbeClockSkew found to take off each interface's
// stamps (Decoder.SetClockOffsets).
type ClockOffsets struct {
	off [maxSkewInterfaces]int64
}

// ProbeClockSkew reads the start of src for the handshakes that tell
// interfaces' clocks apart (a decoder that keeps nothing else of them),
// and returns the offsets they proved.
func ProbeClockSkew(src capture.Source) ClockOffsets {
	d := New(discard{}, Options{})
	for n := 0; n < probePackets; n++ {
		data, ci, link, err := src.Next()
		if err != nil || n == probeOneInterface && !d.interfaces {
			break
		}
		d.Decode(data, ci, link)
	}
	var o ClockOffsets
	for i := range o.off {
		o.off[i] = d.skew.iface[i].applied
	}
	return o
}

// SetClockOffsets takes o off the stamps of each interface's packets
// from the first on, before any packet is decoded.
func (d *Decoder) SetClockOffsets(o ClockOffsets) {
	for i, v := range o.off {
		if v != 0 {
			d.skew.iface[i].applied = v
			d.skew.iface[i].probed = true
			d.skew.widest = max(d.skew.widest, time.Duration(max(v, -v)))
		}
	}
	d.ctl.pool.skewed = d.skew.widest
	if d.pay != nil {
		d.pay.pool.skewed = d.skew.widest
	}
}

// discard is the Handler of ProbeClockSkew's decoder.
type discard struct{}

func (discard) Segment(*Segment)         {}
func (discard) Unreachable(*Unreachable) {}
func (discard) Control(*ControlEvent)    {}
func (discard) Tick(time.Time)           {}
func (discard) Finish()                  {}
