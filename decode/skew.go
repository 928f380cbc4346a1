package decode

import "time"

// Captures that reorder packets. A capture taken on two interfaces at once
// (a network TAP that sends each direction to its own NIC port, a pcapng
// of two interfaces, live capture on both) holds each interface's packets
// in its own order:
// when the two clocks or queues disagree, a segment's ACK can come before
// the bytes it acknowledges. Taken as proof that those bytes were lost (as
// in a capture of one interface, where an ACK before the bytes means the
// capture dropped them), a reviewer's captures with one direction shifted
// by 1 ms read "capture gap: 16 client bytes missing" at every command,
// every reply paired with the command before it.
//
// So in such a capture (heldPool.reorder) bytes an ACK proves sent are
// waited for before they are declared lost: the segments of the ACK's
// direction that come with or after it are held (heldSeg.waits), and
// delivered once the bytes they acknowledge have come, in order, as the
// two ends saw them. The wait is bounded in packet time (ReorderWait) and by
// the held-bytes bounds (heldPool.full); when it ends without the bytes,
// they are reported lost at the ACK that proved them, as before, and what
// waited goes on. A capture of one interface keeps the prompt report;
// once its bytes are seen to come after the ACK that proved them sent, it
// reorders too, and waits from then on.

// ReorderWait is how long (packet time) bytes an ACK proved sent are
// waited for in a capture that may reorder packets (Segment.Reorders). The skew between two
// interfaces of one capture is that of their clocks and queues: NIC
// timestamps of a TAP's two ports differ by microseconds, software
// timestamps under load by up to milliseconds, files captured on two
// NTP-synchronised hosts by up to tens of milliseconds; a reviewer's
// captures broke from 1 ms on, not at 0.1 ms. A second covers ten times
// the largest of these, and is the step the clock's outlier check allows
// (clockConfirmSlack) and the period holes are expired at; bytes that were
// really lost are then reported a second late (in packet time), still at
// the ACK that proved them.
const ReorderWait = time.Second

// skewWait is what a reassembler waits for, per direction l whose bytes
// an ACK proved sent before the capture held them (l's receiver's
// segments wait behind them).
type skewWait struct {
	on [2]bool
	// to: the furthest point an ACK proved l's bytes sent up to.
	to [2]uint32
	// since: when the oldest proof still unmet came (packet time): the
	// wait ends ReorderWait after it.
	since [2]time.Time
	// num: the packet whose ACK proved them first (at since): a gap
	// reported when the wait ends is stamped with it, as it was when
	// reported at once.
	num [2]uint64
	// giving: the wait of l is being given up: its ACK reports now.
	giving [2]bool
	// at: where l's stream stood (reached) when since was set; payload
	// reassembly only (settle).
	at [2]uint32
}

// skew is what r waits for, nil when nothing (the pool keeps it, only
// while it waits: heldPool.skews).
func (r *reassembler) skew() *skewWait {
	if len(r.pool.skews) == 0 {
		return nil
	}
	return r.pool.skews[r]
}

// newSkew starts r's waits.
func (r *reassembler) newSkew() *skewWait {
	p := r.pool
	var w *skewWait
	if n := len(p.spare); n > 0 {
		w = p.spare[n-1]
		p.spare[n-1] = nil
		p.spare = p.spare[:n-1]
	} else {
		w = new(skewWait)
	}
	if p.skews == nil {
		p.skews = make(map[*reassembler]*skewWait)
	}
	p.skews[r] = w
	return w
}

// dropSkew ends r's waits, if nothing is waited for any more (or all,
// when it releases its bytes).
func (r *reassembler) dropSkew() {
	p := r.pool
	w := p.skews[r]
	if w == nil {
		return
	}
	delete(p.skews, r)
	*w = skewWait{}
	if len(p.spare) < maxSpareSkews {
		p.spare = append(p.spare, w)
	}
}

// maxSpareSkews bounds the waits kept for reuse.
const maxSpareSkews = 64

// neededBy is what a segment of l's receiver acknowledging ack waits for:
// l's bytes up to ack, no further than an ACK taken proved (a segment
// whose own ACK was not taken, ackPlausible, waits with the others).
func (w *skewWait) neededBy(l int, ack uint32) uint32 {
	if int32(ack-w.to[l]) > 0 {
		return w.to[l]
	}
	return ack
}

// blocks tells whether a held segment of direction d that needs the other
// direction's bytes up to needs must still wait (w is nil once nothing
// is waited for).
func (w *skewWait) blocks(r *reassembler, d int, needs uint32) bool {
	return w != nil && w.on[1-d] && int32(needs-r.reached(1-d)) > 0
}

// reached is where direction d's stream stands for a wait: the next byte
// to deliver, or further when bytes up to lostTo were reported lost.
func (r *reassembler) reached(d int) uint32 {
	h := &r.half[d]
	if h.lostReported && int32(h.lostTo-h.next) > 0 {
		return h.lostTo
	}
	return h.next
}

// blockedHead tells whether direction d's next bytes are held behind a
// wait for the other direction's (they are held at next, not past a hole).
func (r *reassembler) blockedHead(d int) bool {
	h := &r.half[d]
	return len(r.pool.skews) > 0 && !h.synHeld && len(h.held) > 0 && int32(h.held[0].seq-h.next) <= 0
}

// deferLoss starts (or extends) the wait for direction l's bytes up to
// ack, which an ACK of packet num proved sent and the capture does not
// hold; it tells whether the loss waits. Not in a capture that does not
// reorder, nor while l's own bytes wait behind the other direction (the
// two would wait for each other), nor when the wait is being given up.
//
// Payload reassembly waits too (a TAP's two ports skewed by 0.2 ms lost
// 1 MB of a 3 MB file: each hole the client's ACK covered was skipped as
// lost, and its bytes, a moment later in the capture, were dropped as
// copies). Its two directions are two files, so neither direction's
// segments wait behind the other's bytes (data: no heldSeg.waits), and
// both may wait at once; it only keeps a hole that an ACK covers held
// instead of skipping it (acked). What it holds meanwhile stays within
// the payload bounds (heldPool.full gives the waits up first).
func (r *reassembler) deferLoss(l int, ack uint32, num uint64, ts time.Time) bool {
	if !r.pool.reorder {
		return false
	}
	w := r.skew()
	if w == nil {
		w = r.newSkew()
	}
	if w.on[1-l] && !r.pool.payload || w.giving[l] {
		return false
	}
	switch {
	case !w.on[l]:
		w.on[l], w.to[l], w.since[l], w.num[l] = true, ack, ts, num
		w.at[l] = r.reached(l)
	case int32(ack-w.to[l]) > 0:
		w.to[l] = ack
	}
	return true
}

// catchUp delivers, before direction l's bytes from where its stream
// stands on, the other direction's held segments that waited for l's
// bytes up to there: an ACK proved they came after them.
func (r *reassembler) catchUp(l int, out orderedSink) {
	if w := r.skew(); w != nil && w.on[l] {
		r.drain(1-l, out)
	}
}

// settle ends the waits whose bytes came, and delivers what waited for
// them.
func (r *reassembler) settle(num uint64, ts time.Time, out orderedSink) {
	w := r.skew()
	for l := range w.on {
		if !w.on[l] {
			continue
		}
		b := 1 - l
		if int32(w.to[l]-r.reached(l)) <= 0 {
			w.on[l] = false
		} else if r.pool.payload && r.reached(l) != w.at[l] {
			// The bytes came up to a place further on: what is still
			// missing waits from now. A stream that lags its ACKs all
			// the time (a skewed port of a TAP, a long transfer) keeps
			// a wait on, and one measured from its first proof would
			// give up bytes a moment late after a second.
			w.since[l], w.num[l], w.at[l] = ts, num, r.reached(l)
		}
		r.drain(b, out)
		if w.on[l] {
			// What waits now waits from its own arrival, when later than
			// the proof that began the wait, and its ACK is the proof of
			// what is still missing.
			if s := &r.half[b]; len(s.held) > 0 && s.held[0].waits && int32(s.held[0].seq-s.next) <= 0 && s.held[0].ts.After(w.since[l]) {
				w.since[l], w.num[l] = s.held[0].ts, s.held[0].num
			}
		}
		r.maybeFinished(b, num, ts, out)
	}
	if !w.on[0] && !w.on[1] && !w.giving[0] && !w.giving[1] {
		r.dropSkew()
	}
}

// expireSkew gives up the waits that lasted ReorderWait by now.
func (r *reassembler) expireSkew(now time.Time, num uint64, out orderedSink) {
	for l := range 2 {
		if w := r.skew(); w != nil && w.on[l] && now.Sub(w.since[l]) > ReorderWait {
			r.giveUpWait(l, num, now, out)
		}
	}
}

// endWaits gives up every wait now (no room to hold more, or the end).
func (r *reassembler) endWaits(num uint64, ts time.Time, out orderedSink) {
	for l := range 2 {
		if w := r.skew(); w != nil && w.on[l] {
			r.giveUpWait(l, num, ts, out)
		}
	}
	r.dropSkew()
}

// giveUpWait ends the wait for direction l's bytes: those still missing
// are lost, reported at the ACK that proved them, as they were before
// there was a wait (acked); the other direction's segments held behind
// them go on.
func (r *reassembler) giveUpWait(l int, num uint64, ts time.Time, out orderedSink) {
	w := r.skew()
	// (Still on while the ACK is taken: what waited for the bytes a skip
	// over a hole reaches goes first, catchUp.)
	w.giving[l] = true
	r.acked(l, w.to[l], w.num[l], w.since[l], false, out)
	w.giving[l] = false
	w.on[l] = false
	if !w.on[1-l] {
		r.dropSkew()
	}
	b := 1 - l
	h := &r.half[b]
	for i := range h.held {
		h.held[i].waits = false
	}
	r.drain(b, out)
	r.maybeFinished(b, num, ts, out)
}
