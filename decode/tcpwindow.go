package decode

// A receiver takes no byte that starts beyond the window it advertised
// (RFC 9293 3.10.7.4: such a segment is not acceptable; it is answered
// with an ACK and dropped). The reassembler keeps what each direction
// advertises (the window of its latest segment at its stream position,
// next to the highest ACK it sent from there, tookTo), and bytes of the
// other direction that start past a hole and at or beyond that window's
// right edge are never skipped to on the hole's wait: unless the
// receiver's ACK reaches them (it took them, and the capture lost its
// window update: acked skips to them), they are dropped when the hole is
// given up, at its wait, at the held bound or at the end (giveUp,
// Stats.BeyondWindow), and the ACK they came with is not taken. They were no part of the stream
// the receiver took: a blind injection ahead of the stream, or bytes of
// another incarnation of the connection. Without this, a forged segment
// within 64 KiB of the stream was skipped to after the hole's wait, and
// its text replaced the real replies that followed.
//
// The window field counts units of 2^shift bytes, where shift is what the
// advertiser's SYN announced if both SYNs carried the option, and 0 if
// either SYN did not (RFC 7323 2.2); a SYN's own window is never scaled.
// When the capture did not show the SYNs (picked up mid-stream, or one
// SYN missed while the other offered scaling), the shift is unknown and
// the field may mean up to 2^14 times its value, so the edge is put where
// that largest reading puts it. The unscaled window, or the 64 KiB guess,
// would be a bound below the real window of every scaled connection
// (Linux scales by 7 and more): real bytes after a loss would be dropped
// from lossy captures, which is worse than keeping a forged segment. So
// without the SYNs a window bounds only when it is small (a raw window of
// 4 is at most 64 KiB whatever the scale), and what is left is as before:
// notTaken drops held bytes more than 64 KiB ahead once the receiver went
// on without them.
//
// Bytes in order are never dropped: a segment at the next byte continues
// the stream the capture follows; one there beyond the edge is a
// zero-window probe, or shows the capture lost the window update. A
// capture can lose the receiver's segments for a while: once a window's
// worth of bytes came beyond the edge with the receiver not heard, no
// sender could have sent them on what the capture shows (a sender sends
// at most a window before it hears from its receiver again), so the edge
// is stale and the hole is skipped as before, until the receiver is heard
// again. A receiver that advertised no window at all, or a zero window,
// therefore bounds nothing. Those bytes must run on from the first byte
// held, as a sender's stream does (noteBeyond): an injector's own filler,
// scattered ahead of its forged reply, made the edge stale and the reply
// was taken. A contiguous window's worth of forged bytes still does; a
// capture that lost the receiver's segments looks no different. The edge
// is the highest ACK plus the latest window: the furthest edge advertised
// unless the receiver shrank its window (RFC 9293 3.8.6.2.2 says it
// should not) or the capture reordered its segments; held bytes are
// judged by the edge as it stands when the hole is given up, after the
// receiver's later segments.

// What the SYNs of one direction said about window scaling
// (halfStream.scale): nothing yet, no option, options that disagreed
// (which one the peer answered is unknown), or scaleOffered plus the
// shift announced.
const (
	scaleUnseen  = 0
	scaleNone    = 1
	scaleMixed   = 2
	scaleOffered = 3
)

// synOptions records what a SYN of direction d said about scaling.
func (r *reassembler) synOptions(d int, has bool, shift uint8) {
	h := &r.half[d]
	st := uint8(scaleNone)
	if has {
		st = scaleOffered + min(shift, maxWindowShift)
	}
	switch h.scale {
	case scaleUnseen:
		h.scale = st
	case st:
	default:
		h.scale = scaleMixed
	}
}

// windowShift is the shift of the windows direction d advertises: 0 when
// either SYN was seen without the option (no scaling either way), d's own
// when both carried it, and else, unknown, the largest a window can be
// scaled by.
func (r *reassembler) windowShift(d int) uint8 {
	a, b := r.half[d].scale, r.half[1-d].scale
	switch {
	case a == scaleNone || b == scaleNone:
		return 0
	case a >= scaleOffered && b >= scaleOffered:
		return a - scaleOffered
	}
	return maxWindowShift
}

// Where halfStream.win came from.
const (
	winNone    = 0 // no window seen: nothing is bounded
	winSegment = 1
	winSYN     = 2 // a SYN's: never scaled
)

// advertisedShift is the shift of the window direction d last advertised.
func (r *reassembler) advertisedShift(d int) uint8 {
	if r.half[d].winFrom == winSYN {
		return 0
	}
	return r.windowShift(d)
}

// advertised takes the window a segment of direction d advertises (and,
// on a SYN, its scale option). Called for every segment of a reassembled
// connection before segment places its bytes; the window is taken where
// segment (tookTo) takes the ACK it goes with: from a segment at d's own
// position. A SYN, or a segment without ACK or with RST, takes the other
// way (advertisedOther).
func (r *reassembler) advertised(d int, s *Segment) {
	if s.Flags&(FlagSYN|FlagACK|FlagRST) != FlagACK {
		r.advertisedOther(d, s)
		return
	}
	h := &r.half[d]
	if h.started && int32(s.Seq-h.next) > 0 || !r.ackPlausible(d, s.Seq, s.Ack) {
		// Past a hole in d's own stream, or a blind forgery (one far
		// behind, or acknowledging far ahead: segment does not take its
		// ACK either).
		return
	}
	h.win, h.winFrom, h.beyond = s.Window, winSegment, 0 // (d is heard)
}

// advertisedOther is advertised for a SYN, or a segment without ACK or
// with RST (whose window means nothing).
func (r *reassembler) advertisedOther(d int, s *Segment) {
	if !s.Flags.Has(FlagSYN) {
		return
	}
	r.synOptions(d, s.HasWindowScale, s.WindowScale)
	if h := &r.half[d]; s.Flags&(FlagACK|FlagRST) == FlagACK && h.winFrom != winSegment {
		// (A SYN-ACK seen again later does not take the place of a
		// scaled window.)
		h.win, h.winFrom, h.beyond = s.Window, winSYN, 0
	}
}

// beyondWindow tells whether bytes of direction d starting at seq lie
// past a hole and start at or beyond the right edge of the window its
// receiver advertised.
//
// The edge is the receiver's highest ACK plus its latest window (see
// above). A receiver may round its window down to the unit it can
// advertise, so bytes up to that unit less one past it count as inside.
func (r *reassembler) beyondWindow(d int, seq uint32) bool {
	h, rcv := &r.half[d], &r.half[1-d]
	if rcv.winFrom == winNone || !rcv.acked || !h.started || int32(seq-h.next) <= 0 {
		return false
	}
	edge := rcv.ack + (uint32(rcv.win)+1)<<r.advertisedShift(1-d) - 1
	return int32(seq-edge) >= 0
}

// staleWindow marks halfStream.beyond once a window's worth of bytes lay
// beyond the edge with the receiver not heard: the edge is stale.
const staleWindow = 0xffff

// noteBeyond counts the bytes [seq, seq+n) of direction d, which came
// beyond its receiver's window, in units of the window field, toward the
// allowance that tells a stale edge: a window's worth of them (or more)
// with the receiver not heard, and the capture lost its segments.
//
// Only bytes that lengthen the run held without a gap from the first held
// byte count (headRun): a sender whose receiver's updates the capture
// lost sends its stream on, one run from where the capture lost it; bytes
// scattered ahead are no stream. Counting every byte let an injector make
// the edge stale by itself: a forged reply, then a window's worth of
// filler further ahead, and the wait skipped to the reply.
func (r *reassembler) noteBeyond(d int, seq uint32, n int) {
	rcv := &r.half[1-d]
	if rcv.beyond == staleWindow {
		return
	}
	h := &r.half[d]
	grew := int64(headRun(h.held, seq, n)) - int64(headRun(h.held, seq, 0))
	if grew <= 0 {
		return
	}
	shift := r.advertisedShift(1 - d)
	units := (uint64(grew) + 1<<shift - 1) >> shift
	if uint64(rcv.beyond)+units >= uint64(rcv.win) {
		rcv.beyond = staleWindow
		return
	}
	rcv.beyond += uint16(units)
}

// heldBeyondWindow tells whether the bytes direction d holds start beyond
// its receiver's window, as the receiver stands now, and the edge is not
// stale: it never took them.
func (r *reassembler) heldBeyondWindow(d int) bool {
	h := &r.half[d]
	return len(h.held) > 0 && r.half[1-d].beyond != staleWindow && r.beyondWindow(d, h.held[0].seq)
}

// headRun is how many bytes run on without a gap from the first of held
// (sorted by sequence number) with [seq, seq+n) among them; n 0 leaves
// it out. Bounded by maxHeldSegs.
func headRun(held []heldSeg, seq uint32, n int) uint32 {
	var start, end uint32
	begun, placed := false, n == 0
	take := func(at uint32, k int) bool {
		switch {
		case !begun:
			start, end, begun = at, at+uint32(k), true
		case int32(at-end) > 0:
			return false // a gap: the run ends
		case int32(at+uint32(k)-end) > 0:
			end = at + uint32(k)
		}
		return true
	}
	for i := range held {
		if !placed && int32(seq-held[i].seq) <= 0 {
			placed = true
			if !take(seq, n) {
				return end - start
			}
		}
		if !take(held[i].seq, len(held[i].data)) {
			return end - start
		}
	}
	if !placed {
		take(seq, n)
	}
	return end - start
}
