package decode

import (
	"net/netip"
	"time"
)

// Interfaces whose clocks disagree. A pcapng of several interfaces (the
// captures of two hosts merged with mergecap, one host's NICs with their
// own hardware clocks, dumpcap -i a -i b) may stamp one interface's
// packets seconds off the other's. With one direction of each connection
// on each interface, a capture whose server-to-client interface ran 2 s
// ahead read every reply as come after the next command was sent, each
// PASV as never used, and its transfer as announced before the capture
// started. Nothing in one packet shows it; TCP's causality across the
// interfaces does: a SYN/ACK is not sent before the SYN it answers, nor
// the handshake's last ACK before the SYN/ACK. So each handshake whose
// packets lie on two interfaces bounds the offset of one clock from the
// other: offset(SYN/ACK's) - offset(SYN's) <= the SYN/ACK's stamp less
// the SYN's, and offset(SYN/ACK's) - offset(ACK's) >= the SYN/ACK's
// stamp less the ACK's. Clocks that agree leave zero within every bound.
//
// A correction is made only by what causality proves: the smallest shift
// that makes every handshake seen causal (the largest lower bound when
// the interface is ahead, the smallest upper bound when behind), never a
// middle of bounds (which may be as loose as a round trip: a split tap's
// 60 us of jitter read as 200 ms), and only when that proven shift is far
// beyond jitter and queueing (skewMinProven) and skewEvidence handshakes
// each prove it on their own: an ordinary capture is never touched. One
// or two such handshakes, bounds that contradict each other (a clock
// stepped) or a shift beyond skewMaxCorrected are said (ClockSkew), not
// corrected. Offsets of less than skewMinProven are neither: the reorder
// waits (skew.go) cover them.
//
// The evidence is read from a bounded window at the start of each input
// (ClockSkewWindow, clockskew_window.go), before its first packet of
// another interface than 0 is decoded, so that a file and the same bytes
// through a pipe read alike, from their first packet; each input starts
// afresh (a clean file after a skewed one is read as stamped). What is
// decided there holds for the whole input: an offset that shows only
// later, or changes later, is not seen. A live capture is read as
// stamped (one host's clock stamps its interfaces).
//
// The stamps corrected are the window's: decode, its Handler and what
// reads the packets after the window (read's --write and carving, which
// write them at interface 0's time too) take them as captured there. The decoder's own check for a step back
// of the capture's clock is off in a capture of several interfaces
// (packet.go stepBack), and the reorder waits grow by the shift (packets
// merged in the order of their raw stamps come that much out of order once
// corrected: heldPool.skewed).

// maxSkewInterfaces: interfaces 1 to this are judged against interface 0;
// handshakes that involve others are not.
const maxSkewInterfaces = 8

// skewHandshakes: the handshakes followed at once for their stamps (a
// ring: one pushed out is evidence not taken, nothing else).
const skewHandshakes = 16

// skewEvidence: handshakes that must each prove the offset, on their
// own, to more than skewMinProven, before it is taken off: one could be
// a clock stepped between its packets.
const skewEvidence = 3

// skewMinProven: the least proven offset corrected or said. Interrupt
// jitter is microseconds, software stamps under load and NTP-synchronised
// hosts up to a few milliseconds (ReorderWait's note).
const skewMinProven = 10 * time.Millisecond

// skewMaxCorrected: the largest offset taken off. Beyond it a packet of
// the corrected interface would come more than clockOutlierStep out of
// the order of the others' (it is merged by its raw stamp), and be read
// as a clock outlier; such an offset is said, not corrected.
const skewMaxCorrected = 20 * time.Second

// skewHandshake is one handshake's stamps (Unix nanoseconds, raw) and the
// interfaces they came on.
type skewHandshake struct {
	client, server         netip.AddrPort
	syn, synAck            int64
	ack                    int64  // the client's first ACK after the SYN/ACK
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

// skewBound is what handshakes proved of one interface's clock against
// interface 0's: its offset lies in [lo, hi] (nanoseconds; a side not
// bounded yet when its count is 0).
type skewBound struct {
	lo, hi   int64
	loN, hiN uint32
	// ahead, behind: handshakes whose own bound proved the offset at
	// least skewMinProven ahead (behind).
	ahead, behind uint32
}

// clockSkew gathers the evidence of one input's window.
type clockSkew struct {
	ring  [skewHandshakes]skewHandshake
	next  int // the ring slot taken next
	iface [maxSkewInterfaces]skewBound
}

// segment takes a TCP segment's raw stamp, of interface ifi: handshakes
// only. Whichever of a handshake's three packets comes first takes a
// slot (a SYN/ACK stamped before its SYN may come first).
func (c *clockSkew) segment(s *Segment, ifi int) {
	if ifi < 0 || ifi > maxSkewInterfaces {
		return
	}
	ifIndex := uint32(ifi)
	syn, ack := s.Flags.Has(FlagSYN), s.Flags.Has(FlagACK)
	if s.Flags.Has(FlagRST) {
		return
	}
	ts := s.TS.UnixNano()
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
	case ack:
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
	}
	*h = skewHandshake{client: client, server: server}
	return h
}

// find is the handshake under way from client to server.
func (c *clockSkew) find(client, server netip.AddrPort) *skewHandshake {
	for i := range c.ring {
		h := &c.ring[i]
		if h.has != 0 && h.client == client && h.server == server {
			return h
		}
	}
	return nil
}

// judge bounds the offsets once the handshake has its three stamps, and
// frees its slot. A SYN/ACK sent again, or an ACK that is not the
// SYN/ACK's, bounds nothing.
func (c *clockSkew) judge(h *skewHandshake) {
	if h.has != hasSyn|hasSynAck|hasAck {
		return
	}
	if h.ackNum == h.synAckSeq+1 {
		c.bound(h.synAckIf, h.synIf, h.synAck-h.syn, true)
		c.bound(h.synAckIf, h.ackIf, h.synAck-h.ack, false)
	}
	*h = skewHandshake{}
}

// bound takes offset(a) - offset(b) <= v (upper) or >= v (lower), as a
// bound on one interface against interface 0.
func (c *clockSkew) bound(a, b uint32, v int64, upper bool) {
	if a == b {
		return
	}
	k := a
	switch {
	case b == 0:
	case a == 0:
		k, v, upper = b, -v, !upper // offset(b) - offset(0), the other way
	default:
		return // (two interfaces other than 0: not judged)
	}
	sb := &c.iface[k-1]
	if upper {
		if sb.hiN == 0 || v < sb.hi {
			sb.hi = v
		}
		sb.hiN++
		if v <= -int64(skewMinProven) {
			sb.behind++
		}
		return
	}
	if sb.loN == 0 || v > sb.lo {
		sb.lo = v
	}
	sb.loN++
	if v >= int64(skewMinProven) {
		sb.ahead++
	}
}

// verdict is what the evidence makes of interface k's clock: the shift
// proved (ahead when positive), whether it is taken off, and why not.
// said is false when nothing was proved beyond skewMinProven.
func (sb *skewBound) verdict() (cs ClockSkew, said bool) {
	if sb.ahead == 0 && sb.behind == 0 {
		return cs, false
	}
	conflicting := sb.loN > 0 && sb.hiN > 0 && sb.lo > sb.hi || sb.ahead > 0 && sb.behind > 0
	switch {
	case sb.ahead > 0:
		cs.Offset, cs.Handshakes = time.Duration(sb.lo), uint64(sb.ahead)
		if sb.hiN > 0 && !conflicting {
			cs.Within = time.Duration(sb.hi - sb.lo)
		}
	default:
		cs.Offset, cs.Handshakes = time.Duration(sb.hi), uint64(sb.behind)
		if sb.loN > 0 && !conflicting {
			cs.Within = time.Duration(sb.hi - sb.lo)
		}
	}
	switch {
	case conflicting:
		cs.NotCorrected = "varying"
	case cs.Handshakes < skewEvidence:
		cs.NotCorrected = "thin_evidence"
	case cs.Offset > skewMaxCorrected || cs.Offset < -skewMaxCorrected:
		cs.NotCorrected = "too_far"
	default:
		cs.Corrected = true
	}
	return cs, true
}

// settled tells whether the window may end: some interface's offset is
// proved well enough to correct, and none has evidence short of a
// verdict (one or two handshakes, which more may confirm).
func (c *clockSkew) settled() bool {
	any := false
	for i := range c.iface {
		cs, said := c.iface[i].verdict()
		switch {
		case !said:
		case cs.Corrected:
			any = true
		case cs.NotCorrected == "thin_evidence":
			return false
		}
	}
	return any
}

// ClockSkew is an interface whose clock TCP handshakes across it and
// interface 0 proved off interface 0's by skewMinProven or more
// (clockskew.go), in one input.
type ClockSkew struct {
	// Input is the input's name when several were read (SetInput).
	Input string `json:"input,omitempty"`
	// Interface is the pcapng interface index.
	Interface int `json:"interface"`
	// Offset is how far its stamps were at least ahead of interface 0's
	// (behind when negative), as the handshakes proved: the smallest
	// shift that makes every handshake seen causal.
	Offset time.Duration `json:"offset_ns"`
	// Within: the true offset lies between Offset and Offset+Within
	// (Offset-Within behind) by the handshakes' other bound; 0 when they
	// bound it on one side only, or contradict each other.
	Within time.Duration `json:"within_ns,omitempty"`
	// Handshakes is how many handshakes proved it on their own.
	Handshakes uint64 `json:"handshakes"`
	// Corrected: Offset was taken off its packets' stamps from the
	// input's first packet.
	Corrected bool `json:"corrected,omitempty"`
	// NotCorrected says why not: "thin_evidence" (fewer than 3
	// handshakes proved it), "varying" (the handshakes contradict each
	// other: a clock stepped), "too_far" (beyond 20 s).
	NotCorrected string `json:"not_corrected,omitempty"`
}

// setClockSkews starts an input's reading with the offsets its window
// proved (ClockSkewWindow), said, and returns them by interface: the
// window takes them off the stamps of the corrected interfaces' packets
// from the input's first packet, and the reorder waits grow by the
// largest. A previous input's offsets end here.
func (d *Decoder) setClockSkews(c *clockSkew) (off [maxSkewInterfaces + 1]time.Duration, on bool) {
	var widest time.Duration
	for i := range c.iface {
		cs, said := c.iface[i].verdict()
		if !said {
			continue
		}
		cs.Interface, cs.Input = i+1, d.input
		d.skews = append(d.skews, cs)
		if cs.Corrected {
			off[i+1], on = cs.Offset, true
			widest = max(widest, cs.Offset, -cs.Offset)
		}
	}
	d.ctl.pool.skewed = widest
	if d.pay != nil {
		d.pay.pool.skewed = widest
	}
	return off, on
}
