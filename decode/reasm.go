package decode

import "time"

// The reassembler puts one control connection's bytes in order: segments
// in, ordered bytes and gaps out. It knows nothing of FTP. Bytes that
// arrive ahead of a hole are copied and held (bounded per connection and
// in total); everything else is passed on from the capture buffer
// without a copy. Each delivered run carries the packet number and time
// of the segment that brought it, so a line completed by a late segment
// is stamped with that segment.

// orderedSink receives what a reassembler delivers, in stream order per
// direction.
type orderedSink interface {
	// bytes delivers in-order bytes of direction d; b is valid only
	// during the call.
	bytes(d int, b []byte, num uint64, ts time.Time)
	// gap reports n bytes of direction d the capture does not hold; cut
	// tells that they were the tail of a frame the capture holds, cut by
	// the snap length (segmentCut), not a segment it never saw.
	gap(d int, n int, cut bool, num uint64, ts time.Time)
	// finished reports that direction d's FIN was reached in order.
	finished(d int, num uint64, ts time.Time)
	// early tells whether bytes of direction d that an ACK proves lost
	// are reported when the ACK is seen; if not, the skip over them
	// reports them when later bytes arrive.
	early(d int) bool
	// gone tells whether the connection ended (and its reassembler was
	// released) while bytes were delivered: a wait given up (skew.go)
	// can deliver both FINs.
	gone() bool
}

// Reassembly bounds.
const (
	// maxHeldSegs bounds the out-of-order segments one direction holds;
	// past it the oldest hole is given up as a gap.
	maxHeldSegs = 64
	// maxHeldBytesTotal bounds the bytes held across all connections.
	maxHeldBytesTotal = 4 << 20
	// holeWait is how long (packet time) out-of-order bytes wait for the
	// bytes before them when no ACK tells that those are lost.
	holeWait = 5 * time.Second
	// maxAhead: bytes further than this beyond where the receiver stands
	// (the next expected byte, or the receiver's acknowledgment when that
	// is further: the capture lost what lies between) are no plausible
	// part of the stream (no receive window is that large for a control
	// connection); holding them would let one stale or forged segment
	// make a skip jump over everything real after it. The receiver's
	// advertised window bounds it better where the capture shows it
	// (tcpwindow.go).
	maxAhead = 1 << 20
	// maxWindowGuess: held bytes further than this beyond the next
	// expected byte are past any receive window a control connection
	// opens without window scaling (65,535 bytes): if the receiver then
	// never acknowledges them, they were not its stream (forged or stale).
	maxWindowGuess = 64 << 10
)

// heldSeg is a segment that arrived ahead of a hole: its own copy of the
// bytes, with the packet that brought them.
type heldSeg struct {
	seq uint32
	// from is where the stream stood (next) when the segment came: bytes
	// delivered past it came after it. (It fills what was padding.)
	from uint32
	data []byte
	num  uint64
	ts   time.Time
	// diffAt: where a later copy of these bytes differed from them (the
	// first differing byte's sequence number), when diff; reported when
	// they are delivered (payload reassembly only: compareHeld).
	diffAt uint32
	diff   bool
	// waits: the segment's ACK proved bytes of the other direction sent
	// that the capture did not hold yet, up to needs, while the capture
	// may reorder packets (skew.go): it is delivered after them, or once
	// the wait for them is over. (In what was padding, but needs.)
	waits bool
	// far: payload reassembly held the segment although it started past
	// the reach (aheadBound) of where its receiver stood when it came: a
	// capture outage longer than the reach, or a forgery. It stays
	// provisional while it lies past the reach of where the receiver
	// stands now (provisional): it is then dropped rather than skipped
	// to when its hole is given up, and gives way to any other held
	// bytes. An ACK of the receiver that reaches it proves it in
	// sequence (acked skips to it). fin: no bytes, the sender's FIN at
	// seq, held the same way (taken when delivered in order, drain).
	// (In what was padding.)
	far, fin bool
	needs    uint32
}

// halfStream is one direction of a reassembled connection. Every control
// connection open has two, so the fields are ordered to leave no padding,
// and the wait of held bytes is kept as a sequence number, not a time.
// (A control connection is sized to its allocation class: TestMemoryPer-
// OpenSession in track fails at the next one.)
type halfStream struct {
	next   uint32 // sequence number of the next byte to deliver
	finSeq uint32 // where the FIN is, when finSeen
	lostTo uint32 // see lostReported
	// sinceSeq names the held segment whose arrival the oldest hole
	// counts its wait from (since): the first one held, and after each
	// drain the first one left.
	sinceSeq uint32
	// ack is the highest acknowledgement this direction sent, when acked,
	// taken only from a segment at the stream's position (follow,
	// segment) and, in segment, only when ackPlausible takes it (as it
	// does before acked): a segment past a hole, or a blind forgery, does
	// not set it.
	ack uint32
	// farEnd: where the latest segment of this direction dropped as too
	// far ahead (data) ended, when farSeen. The capture saw bytes there:
	// an ACK up to it is plausible (ackPlausible), whatever the reach.
	// Only a segment whose own ACK lies within reach of where the other
	// direction stands sets it: else a blind forger would choose it, and
	// with it how large a gap its guessed ACK proves.
	farEnd uint32
	// The receive window this direction advertises, for the other
	// direction's bytes (tcpwindow.go): win, the window field of its
	// latest segment at its position, and winFrom, whether there was one
	// and whether it was a SYN's (unscaled); scale, what its SYNs said
	// about scaling; beyond, the other direction's bytes (in units of the
	// window field) that came beyond the window since this direction was
	// last heard.
	win     uint16
	beyond  uint16
	scale   uint8
	winFrom uint8
	started bool // next is known
	finSeen bool // a FIN was seen, at finSeq
	done    bool // the FIN was reached in order
	// lostReported: an ACK proved the bytes from next to lostTo lost and
	// the gap was reported then; the skip over them is not reported again.
	lostReported bool
	acked        bool // ack is known
	farSeen      bool // farEnd is known
	// ackAfter: the other direction's ack (its receiver's) was set from a
	// segment that came after held[0] was held, short of it. Only then
	// does an ack at or before next show the receiver went on without the
	// held bytes (an ack seen before them tells nothing of them). Cleared
	// whenever held[0] changes.
	ackAfter bool
	// sumOK: a whole segment of this direction of a control connection
	// had right checksums: a later one with a wrong checksum is not its
	// sender's (checksum.go). (In what was padding.)
	sumOK bool
	// synHeld: held[0] is the payload of this direction's SYN, at next,
	// which its receiver was not seen to take yet (holdSYN). (In what
	// was padding.)
	synHeld bool
	// ttls: the TTLs (hop limits) this direction's segments came with,
	// as ttlClass bits (Hops). (In what was padding.)
	ttls uint8
	held []heldSeg // sorted by seq, all after next
}

// since is when the oldest hole began to wait: the arrival of the held
// segment sinceSeq names (the first of that sequence number: a longer
// copy of it is held after it). Only called while something is held.
func (h *halfStream) since() time.Time {
	for i := range h.held {
		if h.held[i].seq == h.sinceSeq {
			return h.held[i].ts
		}
	}
	return h.held[0].ts
}

// reassembler orders both directions of one connection.
type reassembler struct {
	half [2]halfStream
	pool *heldPool
	// stall: bytes sent again without an acknowledgment (stall.go); nil
	// until a control stream has some.
	stall *stallWatch
	// (What a capture that reorders packets waits for is kept by the
	// pool, heldPool.skews: a field here would take a control
	// connection past its allocation class.)
}

// heldPool accounts for the bytes all reassemblers hold, against one
// bound, and counts what that bound and the per-direction one cost.
type heldPool struct {
	// The bounds: zero means a control connection's (maxHeldSegs,
	// maxHeldBytesTotal, maxAhead, none per direction); payload
	// reassembly sets its own (payload.go).
	segs, total, dirBytes, ahead int
	// payload: the pool of data connections' payload reassembly, which
	// also compares copies of the same bytes (compareHeld, again).
	// Control streams do not.
	payload  bool
	bytes    int
	overflow uint64 // holes given up early because a bound was hit
	farAhead uint64 // segments dropped for lying too far beyond the stream
	// unacked: held segments dropped because their receiver went on
	// acknowledging the stream before them and never them.
	unacked uint64
	// beyondWindow: held segments dropped for starting beyond the window
	// their receiver advertised (tcpwindow.go).
	beyondWindow uint64
	// synData: SYN payloads dropped: their receiver did not take them
	// (holdSYN).
	synData uint64
	// reorder: the capture may hold packets out of the order they crossed
	// the wire (skew.go): bytes an ACK proves sent are waited for before
	// they are declared lost. The payload pool's follows the control
	// pool's (payloadTable.feed: Segment.Reorders). skews: the waits, of
	// the reassemblers that wait now (reassembler.skew); spare: waits
	// over, for reuse.
	reorder bool
	skews   map[*reassembler]*skewWait
	spare   []*skewWait
}

// segment takes one TCP segment of direction d. The ACK is looked at
// first: when it acknowledges bytes of the other direction the capture
// lacks, they are lost, not late, and the gap is reported before this
// segment's own bytes (so a reply is not paired with a command lost
// before it). Only the ACK of a segment that lies where its sender
// plausibly stands is looked at (ackPlausible).
func (r *reassembler) segment(d int, seq, ack uint32, fl TCPFlags, payload []byte, num uint64, ts time.Time, out orderedSink) {
	r.segmentCut(d, seq, ack, fl, payload, len(payload), num, ts, out)
}

// segmentCut is segment for a segment that carried wire bytes on the wire
// of which the capture holds only payload, the first ones (a snap length
// shorter than the packet cut the rest: wire > len(payload)). What it
// lacks is a gap at this segment itself: when its bytes are delivered in
// order, the gap of the rest is reported right after them, stamped with
// this segment, and the stream goes on after it, so that a line the snap
// length cut ends there, cut, as a gap ends any line, and the next
// segment (at seq + wire) follows on with no second gap. Before, the
// stream stood at the captured end and the next segment of the direction
// reported the hole: a reply cut at 0.09 s was completed with the gap at
// the next server segment, 30 s later, after the data connections it
// announced. Its FIN, if any, is after the bytes the wire carried.
func (r *reassembler) segmentCut(d int, seq, ack uint32, fl TCPFlags, payload []byte, wire int, num uint64, ts time.Time, out orderedSink) {
	h := &r.half[d]
	wire = max(wire, len(payload))
	if r.skew() != nil {
		r.expireSkew(ts, num, out) // (a wait over by this packet's time ends first)
		if out.gone() {
			return
		}
	}
	// Bytes past a hole beyond the receiver's window are held like any
	// others, and judged when the hole is given up (giveUp); meanwhile
	// the ACK that came with them is not taken (tcpwindow.go).
	beyond := len(payload) > 0 && int32(seq-h.next) > 0 && !fl.Has(FlagSYN) && r.beyondWindow(d, seq)
	if beyond {
		r.noteBeyond(d, seq, len(payload))
	}
	dataSeq := seq
	if fl.Has(FlagSYN) {
		dataSeq = seq + 1
	}
	if fl.Has(FlagACK) && !beyond && r.ackPlausible(d, dataSeq, ack) {
		if o := &r.half[1-d]; fl.Has(FlagSYN) && !o.started && r.pool.reorder && !r.pool.payload {
			// A SYN-ACK before the SYN it answers, in a capture that
			// reorders packets: it tells where the SYN's stream starts,
			// so that the ACKs after it prove that stream's bytes sent
			// and its receiver's bytes wait for them (skew.go).
			o.started, o.next = true, ack
		}
		r.acked(1-d, ack, num, ts, fl.Has(FlagFIN), out)
		if fl.Has(FlagSYN) || !h.started || int32(seq-h.next) <= 0 {
			r.tookTo(d, ack)
		}
	}
	if !h.started {
		// Picked up mid-stream (or at its SYN): start here.
		h.started, h.next = true, dataSeq
	}
	if fin := dataSeq + uint32(wire); fl.Has(FlagFIN) && int32(fin-h.next) >= 0 && (!h.finSeen || int32(fin-h.finSeq) < 0) {
		// The earliest FIN not behind the stream is where it ends: no byte
		// follows a real FIN, so one further on came with bytes that are
		// not this stream's (forged, or another incarnation's). A FIN
		// behind the bytes the stream delivered is no FIN of it either
		// (the first one too: taken, it made the real FIN after it
		// ignored). A FIN further ahead than the stream's bytes may lie
		// (aheadBound: a data connection's reach, not a control
		// connection's) is dropped with its bytes; payload reassembly
		// holds it with them, provisionally (holdFar), until an ACK of
		// the receiver proves it.
		switch {
		case int32(dataSeq-r.standsAt(d)) <= int32(r.pool.aheadBound()):
			h.finSeen, h.finSeq = true, fin
		case r.pool.payload:
			r.holdFar(d, fin, nil, true, num, ts)
		}
	} else if fl.Has(FlagFIN) && !fl.Has(FlagSYN) && h.started && int32(fin-h.next) < 0 {
		// Behind the bytes delivered: the stream has two versions of its
		// end, this FIN or the bytes after it, one of them not the
		// sender's. Payload reassembly says so (the file's end is not
		// known); the stream goes on as it was.
		r.endsBefore(d, fin, out)
	}
	switch {
	case len(payload) == 0:
	case fl.Has(FlagSYN) && h.synHeld:
		// A copy of the SYN: its payload waits already.
	case fl.Has(FlagSYN) && dataSeq == h.next && len(h.held) == 0 && !r.synTaken(d, dataSeq):
		// Nothing of the direction came after its SYN yet.
		r.holdSYN(d, dataSeq, payload, num, ts)
	default:
		if h.synHeld {
			r.judgeSYN(d, dataSeq, out)
		}
		r.data(d, dataSeq, payload, ack, fl, num, ts, out)
	}
	if wire > len(payload) {
		r.cutTail(d, dataSeq+uint32(len(payload)), wire-len(payload), num, ts, out)
	}
	r.maybeFinished(d, num, ts, out)
	if r.skew() != nil {
		r.settle(num, ts, out)
	}
}

// cutTail reports the n bytes of direction d from seq on that the snap
// length cut from a segment (segmentCut) as a gap, when the stream stands
// among them: the bytes captured before them were delivered in order (or
// the segment's whole payload was cut where the stream stood). The stream
// goes on after them; held bytes they reach are delivered as far as they
// follow on. A segment held behind a hole, a copy of bytes delivered
// already, or one dropped, reports nothing here: the skip over the hole
// reports its tail when it comes to it.
func (r *reassembler) cutTail(d int, seq uint32, n int, num uint64, ts time.Time, out orderedSink) {
	h := &r.half[d]
	end := seq + uint32(n)
	if !h.started || int32(h.next-seq) < 0 || int32(end-h.next) <= 0 {
		return
	}
	lost := int(end - h.next)
	h.next = end
	if h.lostReported {
		// An ACK proved bytes lost beyond the captured ones and reported
		// them: only what lies past that is new.
		if beyond := int32(end - h.lostTo); beyond > 0 {
			lost = int(beyond)
		} else {
			lost = 0
		}
		if int32(h.lostTo-end) <= 0 {
			h.lostReported = false
		}
	}
	if lost > 0 {
		out.gap(d, lost, true, num, ts)
	}
	r.drain(d, out)
}

// ackNear tells whether a segment of direction d acknowledges a place
// within reach of where the other direction's stream stands: where its
// sender plausibly is, not a number a forger chose.
func (r *reassembler) ackNear(d int, ack uint32, fl TCPFlags) bool {
	o := &r.half[1-d]
	if !fl.Has(FlagACK) || !o.started {
		return false
	}
	reach := int32(r.pool.aheadBound())
	off := int32(ack - r.standsAt(1-d))
	return off >= -reach && off <= reach
}

// ackPlausible tells whether the ACK a segment of direction d carries,
// its bytes (or their place) at seq, may be taken: as proof that bytes of
// the other direction the capture lacks were lost (acked), and as where
// that direction's receiver stands (tookTo). As a receiver accepts a
// segment (RFC 9293 3.10.7.4, RFC 5961 5), its sequence number must be
// where its sender plausibly stands. Exactly at d's next byte it is the
// sender's, and any acknowledgement it carries is taken: the capture may
// have lost more of the other direction than the reach (a blind forger
// must guess the sequence number to 32 bits, as for an RST, inWindow).
// Otherwise the segment must lie no further behind d's next byte, nor
// further ahead of where d's receiver stands, than the reach (aheadBound:
// no window of the connection's kind is larger; d's first segment, picked
// up mid-stream, is not judged), and its ACK no further ahead than the
// reach of the other direction's bytes as far as the capture shows them
// (where its receiver stands, the bytes held, the FIN). Without this, one segment forged with random numbers
// (a blind injector, or a stray of another incarnation) acknowledged far
// ahead: hundreds of millions of bytes were reported missing, and the
// session was said to have capture gaps.
func (r *reassembler) ackPlausible(d int, seq, ack uint32) bool {
	h, o := &r.half[d], &r.half[1-d]
	reach := int32(r.pool.aheadBound())
	if h.started {
		if seq == h.next {
			return true
		}
		if int32(seq-h.next) < -reach || int32(seq-r.standsAt(d)) > reach {
			return false
		}
	}
	if !o.started {
		return true
	}
	seen := r.standsAt(1 - d)
	for i := len(o.held) - 1; i >= 0; i-- {
		// (Not bytes held past the reach on no ACK's word: holdFar.)
		if s := &o.held[i]; !r.provisional(1-d, s) {
			if end := s.seq + uint32(len(s.data)); int32(end-seen) > 0 {
				seen = end
			}
			break
		}
	}
	if o.finSeen && int32(o.finSeq+1-seen) > 0 {
		seen = o.finSeq + 1 // (the FIN takes a sequence number)
	}
	// Or no further than the latest of the other direction's segments
	// dropped as too far ahead: when both directions lost bytes and one
	// lost more than the reach, the other's ACKs come from segments past
	// its own hole, and nothing else would ever move the far one on.
	// (Only while that end lies ahead of what was seen: a stream past it
	// by 2 GiB would otherwise wrap it ahead again.)
	return int32(ack-seen) <= reach || o.farSeen && int32(o.farEnd-seen) > 0 && int32(ack-o.farEnd) <= 0
}

// data places one segment's payload; its ACK and flags decide only
// whether a far-ahead drop sets farEnd (ackNear).
func (r *reassembler) data(d int, seq uint32, p []byte, ack uint32, fl TCPFlags, num uint64, ts time.Time, out orderedSink) {
	h := &r.half[d]
	// waits: the ACK proves bytes of the other direction this capture,
	// which may reorder packets, does not hold yet (skew.go).
	w := r.skew()
	// (Not payload reassembly's: its two directions are two files.)
	waits := w != nil && !r.pool.payload && w.on[1-d] && fl.Has(FlagACK) && int32(ack-r.reached(1-d)) > 0
	rel := int32(seq - h.next)
	if rel < 0 {
		// (negated as an int: -rel overflows when rel is -2^31)
		back := -int(rel)
		if !keepaliveProbe(back, len(p)) {
			r.again(d, seq, p[:min(back, len(p))], num, ts, out)
		}
		if back >= len(p) {
			if !r.pool.payload {
				r.resent(d, seq, ts, len(p))
			}
			return // all of it delivered before: a retransmission
		}
		p, seq = p[back:], h.next
		rel = 0
	}
	if int32(seq-r.standsAt(d)) > int32(r.pool.aheadBound()) {
		if r.ackNear(d, ack, fl) {
			h.farEnd, h.farSeen = seq+uint32(len(p)), true
		}
		if r.pool.payload {
			// Past the reach: a forgery, or a capture outage longer than
			// it (a ring buffer that overflowed); only the receiver's ACK
			// tells which (holdFar).
			r.holdFar(d, seq, p, false, num, ts)
			return
		}
		r.pool.farAhead++
		return
	}
	if rel > 0 && h.lostReported && int32(seq-h.lostTo) <= 0 {
		// The hole before these bytes was proven lost and reported: go on
		// from here.
		h.lostReported = false
		h.next, rel = seq, 0
	}
	if rel == 0 && !waits && !r.blockedHead(d) {
		if h.lostReported && !r.pool.payload {
			// The bytes came after the ACK that proved them sent, which
			// was taken for their loss: this capture reorders packets
			// (skew.go); from here bytes an ACK proves are waited for.
			r.pool.reorder = true
		}
		if o := &r.half[1-d]; r.pool.payload && !r.pool.reorder && o.acked && int32(o.ack-seq) > 0 {
			// A data connection's bytes after its receiver's ACK of them:
			// this capture reorders packets too (a TAP's two ports skewed
			// by 20 us, the control connection not showing it yet); from
			// here a hole its ACK covers waits for them (skew.go).
			r.pool.reorder = true
		}
		h.lostReported = false // (or the bytes came after their ACK after all)
		if w != nil {
			r.catchUp(d, out)
		}
		h.next += uint32(len(p))
		out.bytes(d, p, num, ts)
		r.drain(d, out)
		return
	}
	if r.pool.payload && r.pool.full(h, len(p)) {
		// Bytes held past the reach on no ACK's word give way first.
		r.dropFar(d, num, ts, out)
	}
	if r.pool.full(h, len(p)) {
		if w != nil {
			// No room to wait: the bytes waited for are given up as lost
			// (as without the wait), and those held behind them go on.
			r.pool.overflow++
			r.endWaits(num, ts, out)
			if !out.gone() {
				r.data(d, seq, p, ack, fl, num, ts, out)
			}
			return
		}
		if r.half[1-d].beyond != staleWindow && r.beyondWindow(d, seq) {
			// Bytes beyond the receiver's window evict nothing: a spray of
			// them would otherwise make the bound skip to a forgery held
			// ahead of real bytes (tcpwindow.go). Dropped as the wait
			// would drop them.
			r.pool.beyondWindow++
			return
		}
		// Holding more would pass a bound: give up the oldest hole now,
		// as its wait would (giveUp: bytes beyond the window, or that
		// the receiver went on without, are dropped, not skipped to).
		r.pool.overflow++
		r.giveUp(d, num, ts, out)
		if int32(seq-h.next) <= 0 {
			r.data(d, seq, p, ack, fl, num, ts, out)
			return
		}
		if r.pool.full(h, len(p)) {
			// Still no room: these bytes are lost to the analysis too; the
			// next skip reports them.
			return
		}
	}
	s := heldSeg{seq: seq, from: h.next, data: append([]byte(nil), p...), num: num, ts: ts}
	if waits {
		s.waits, s.needs = true, w.neededBy(1-d, ack)
	}
	r.hold(h, s)
}

// holdFar holds the bytes p of direction d at seq (or, fin, its FIN at
// seq), which lie past the reach (aheadBound) of where the receiver
// stands: payload reassembly only. A data connection's capture may lose
// more than the reach (tcpdump's ring overflowing for 13 ms at 10 Gb/s
// loses 16 MiB), and the bytes after that outage come before the
// receiver's ACK that proves them (its own segment at its next sequence
// number, ackPlausible). Dropped, they never came back: the file lost its
// last bytes and its end (the FIN), and read as truncated. Held, they
// are provisional (heldSeg.far) while they lie past the reach of where
// the receiver stands:
//   - an ACK that reaches them (acked) skips the hole to them: they land
//     at their offsets, the hole before them is a gap, and a FIN among
//     them is the stream's end;
//   - the receiver standing further on (its ACK, the bytes delivered)
//     brings them within the reach: they are held bytes like any others
//     (held as if they came now);
//   - otherwise, when their hole is given up (its wait, holeWait; the
//     connection's end) they are dropped, not skipped to (giveUp), so a
//     forged or stale segment far ahead makes no hole, as when it was
//     dropped on arrival.
//
// They take the payload bounds' room only where there is some, and give
// it up first (dropFar): no held bytes give way to them.
func (r *reassembler) holdFar(d int, seq uint32, p []byte, fin bool, num uint64, ts time.Time) {
	h := &r.half[d]
	if r.pool.full(h, len(p)) {
		r.pool.farAhead++
		return
	}
	r.hold(h, heldSeg{seq: seq, from: h.next, data: append([]byte(nil), p...), num: num, ts: ts, far: true, fin: fin})
}

// provisional tells whether s, held by direction d, was held past the
// reach (holdFar) and still lies past the reach of where the receiver
// stands.
func (r *reassembler) provisional(d int, s *heldSeg) bool {
	return s.far && int32(s.seq-r.standsAt(d)) > int32(r.pool.aheadBound())
}

// dropFar drops the segments direction d holds provisionally, counted far
// ahead (heldPool.farAhead).
func (r *reassembler) dropFar(d int, num uint64, ts time.Time, out orderedSink) {
	h := &r.half[d]
	if len(h.held) == 0 {
		return
	}
	first := r.provisional(d, &h.held[0])
	kept := h.held[:0]
	for i := range h.held {
		if s := &h.held[i]; r.provisional(d, s) {
			r.pool.bytes -= len(s.data)
			r.pool.farAhead++
			continue
		}
		kept = append(kept, h.held[i])
	}
	if len(kept) == len(h.held) {
		return
	}
	clear(h.held[len(kept):])
	h.held = kept
	switch {
	case len(h.held) == 0:
		h.held, h.ackAfter = nil, false
	case first:
		h.ackAfter = false // held[0] is another segment now
		h.sinceSeq = h.held[0].seq
	}
	r.maybeFinished(d, num, ts, out)
}

// keepaliveProbe tells whether a segment of n bytes that starts back
// bytes before the next one is a keepalive probe: one byte at the
// sequence number before the next (RFC 1122 4.2.3.6; Windows and the
// BSDs send one such garbage byte, often 0x00). Its byte is no copy of
// the stream's last one, so it is not compared with it.
func keepaliveProbe(back, n int) bool { return back == 1 && n == 1 }

// full tells whether holding n more bytes in h would pass a bound.
func (p *heldPool) full(h *halfStream, n int) bool {
	if p.segs == 0 {
		return len(h.held) >= maxHeldSegs || p.bytes+n > maxHeldBytesTotal
	}
	if len(h.held) >= p.segs || p.bytes+n > p.total {
		return true
	}
	if p.bytes+n <= p.dirBytes {
		return false // one direction holds no more than all together
	}
	// Only past dirBytes in all: summed rather than kept per direction,
	// which would grow every control connection's halfStream.
	held := n
	for i := range h.held {
		held += len(h.held[i].data)
	}
	return held > p.dirBytes
}

// aheadBound is how far beyond where the receiver stands bytes are still
// plausibly the stream's (maxAhead for control connections).
func (p *heldPool) aheadBound() int {
	if p.ahead == 0 {
		return maxAhead
	}
	return p.ahead
}

// hold inserts a segment in sequence order; a duplicate of a held start
// keeps the first copy.
func (r *reassembler) hold(h *halfStream, s heldSeg) {
	i := len(h.held)
	for i > 0 && int32(h.held[i-1].seq-s.seq) > 0 {
		i--
	}
	if i > 0 && h.held[i-1].seq == s.seq && len(h.held[i-1].data) >= len(s.data) && h.held[i-1].fin == s.fin {
		{
			// Dropped as a duplicate: compared now, as the only time
			// both copies are in hand. (A copy that is held is compared
			// when drain trims what an earlier one delivered: again.)
			r.compareHeld(&h.held[i-1], &s)
		}
		return
	}
	if len(h.held) == 0 {
		h.sinceSeq = s.seq
	}
	if i == 0 {
		h.ackAfter = false // no acknowledgement came after this one yet
	}
	h.held = append(h.held, heldSeg{})
	copy(h.held[i+1:], h.held[i:])
	h.held[i] = s
	r.pool.bytes += len(s.data)
}

// drain delivers held segments that now follow on.
func (r *reassembler) drain(d int, out orderedSink) {
	h := &r.half[d]
	if h.synHeld {
		return // the SYN's payload waits for its receiver's word (holdSYN)
	}
	n := 0
	for n < len(h.held) {
		s := &h.held[n]
		rel := int32(s.seq - h.next)
		if rel > 0 || s.waits && r.skew().blocks(r, d, s.needs) {
			break
		}
		if len(r.pool.skews) > 0 {
			r.catchUp(d, out)
		}
		n++
		r.pool.bytes -= len(s.data)
		back := -int(rel)
		if back > 0 {
			r.again(d, s.seq, s.data[:min(back, len(s.data))], s.num, s.ts, out)
		}
		if s.fin && rel == 0 && (!h.finSeen || int32(s.seq-h.finSeq) < 0) {
			// A FIN held past the reach (holdFar), reached in order.
			h.finSeen, h.finSeq = true, s.seq
		}
		if back < len(s.data) {
			b := s.data[back:]
			h.next += uint32(len(b))
			out.bytes(d, b, s.num, s.ts)
		}
		if s.diff {
			r.differs(d, s.diffAt, out)
		}
	}
	if n > 0 {
		clear(h.held[:n])
		h.held = append(h.held[:0], h.held[n:]...)
		h.ackAfter = false // held[0] is another segment now
		if len(h.held) > 0 {
			h.sinceSeq = h.held[0].seq
		}
	}
	if len(h.held) == 0 {
		h.held = nil // release the buffer: most streams never hold again
	}
}

// skip gives up the hole before the first held segment of direction d:
// reported as a gap (unless an ACK reported it already), then what
// follows is delivered.
func (r *reassembler) skip(d int, num uint64, ts time.Time, out orderedSink) {
	h := &r.half[d]
	if len(h.held) == 0 {
		return
	}
	first := &h.held[0]
	n := int(first.seq - h.next)
	h.next = first.seq
	gapNum, gapTS := first.num, first.ts
	if w := r.skew(); w != nil && w.on[d] && w.since[d].Before(gapTS) {
		// Bytes an ACK proved sent were waited for (skew.go): the gap is
		// stamped with that ACK, as it was when reported at once.
		gapNum, gapTS = w.num[d], w.since[d]
	}
	if h.lostReported {
		// The stretch up to lostTo was reported when an ACK proved it
		// lost; what lies beyond it, up to these bytes, was not.
		h.lostReported = false
		if beyond := int32(first.seq - h.lostTo); beyond > 0 {
			out.gap(d, int(beyond), false, gapNum, gapTS)
		}
	} else {
		// Stamped with the bytes that follow it: the gap is where they
		// begin.
		out.gap(d, n, false, gapNum, gapTS)
	}
	if len(r.pool.skews) > 0 {
		r.catchUp(d, out)
	}
	r.drain(d, out)
	r.maybeFinished(d, num, ts, out)
}

// acked handles an acknowledgement of direction d's bytes up to ack;
// withFIN: it came with its sender's FIN.
func (r *reassembler) acked(d int, ack uint32, num uint64, ts time.Time, withFIN bool, out orderedSink) {
	h := &r.half[d]
	if h.synHeld {
		r.ackSYN(d, ack, out)
	}
	if !h.started || h.done || r.blockedHead(d) {
		// (Bytes held at next behind the other direction's wait are in
		// the capture: an ACK of them proves nothing lost.)
		return
	}
	atFin := h.finSeen && int32(ack-h.finSeq) >= 0
	if atFin {
		// The FIN's own sequence number is no byte lost: an ACK past it
		// proves the bytes up to the FIN, no further.
		ack = h.finSeq
	}
	if int32(ack-h.next) <= 0 {
		return // nothing missing
	}
	if len(h.held) > 0 {
		if r.pool.payload && int32(ack-h.held[0].seq) >= 0 && r.deferLoss(d, ack, num, ts) {
			// A data connection's hole, in a capture that may reorder
			// packets: its bytes may come after the ACK (skew.go).
			return
		}
		// Everything before ack reached the peer: each hole below it is
		// lost, not late.
		for len(h.held) > 0 && int32(ack-h.held[0].seq) >= 0 && int32(ack-h.next) > 0 {
			r.skip(d, num, ts, out)
			if r.blockedHead(d) {
				return // what follows the hole waits for the other direction (skew.go)
			}
		}
		if len(h.held) > 0 || int32(ack-h.next) <= 0 {
			return
		}
	}
	if int32(ack-r.reached(d)) > 0 && r.deferLoss(d, ack, num, ts) {
		return // waited for: the capture may hold them later (skew.go)
	}
	if ack == r.reached(d)+1 && (withFIN || r.half[1-d].finSeen) && !h.finSeen && !r.pool.payload && !midLine(out, d) {
		// One sequence number past the stream's end, acknowledged by a
		// peer that closed too, with the stream between lines: d's FIN,
		// which the capture lost, not a byte of a line (an FTP line ends
		// with its CRLF, and a FIN follows one). Read as a byte, it made
		// a gap, and the session ended with the capture, not by its FINs.
		h.finSeen, h.finSeq = true, r.reached(d)
		r.maybeFinished(d, num, ts, out)
		return
	}
	switch {
	case !h.lostReported && (out.early(d) || atFin && !r.pool.payload):
		// Reported now; or, where the skip over them would report them
		// when later bytes came (a control connection not announced
		// yet), now all the same when they are all the bytes before the
		// FIN: none come after it. (Payload reassembly reports them when
		// the connection ends: payloadTable.remove.)
		h.lostReported, h.lostTo = true, ack
		out.gap(d, int(ack-h.next), false, num, ts)
	case h.lostReported && int32(ack-h.lostTo) > 0:
		// A later ACK proves more lost: report the extra.
		out.gap(d, int(ack-h.lostTo), false, num, ts)
		h.lostTo = ack
	}
	r.maybeFinished(d, num, ts, out)
}

// expire gives up holes that waited longer than holeWait by now: skipped
// to the bytes after them, unless the receiver shows it never took those
// (then they are dropped).
func (r *reassembler) expire(now time.Time, num uint64, out orderedSink) {
	if r.skew() != nil {
		r.expireSkew(now, num, out)
	}
	for d := range r.half {
		for h := &r.half[d]; len(h.held) > 0 && now.Sub(h.since()) > holeWait && !r.blockedHead(d); {
			r.giveUp(d, num, now, out)
		}
	}
}

// giveUp ends the wait of the oldest hole of direction d. When the stream
// went on in the hole's place (bytes came in order after the held ones
// did) and the receiver acknowledged those, but not past next, the held
// bytes are not part of the stream it took (forged, or of another
// incarnation of the connection): skipping to them would put them in its
// place and drop the real bytes that follow as repeats. They are dropped
// and counted. Otherwise the hole is skipped as lost: no acknowledgement
// since they came (a capture of one direction, or one that lost the
// receiver's packets too), or a stream that stalled at the hole (the
// bytes before the held ones never reached the receiver: a middlebox
// dropped them; what follows is the sender's all the same).
//
// Before both: held bytes that start beyond the window the receiver
// advertised, which it never acknowledged either (that would have skipped
// to them), could not have been taken; they are dropped whether the
// stream went on or not (tcpwindow.go).
func (r *reassembler) giveUp(d int, num uint64, ts time.Time, out orderedSink) {
	switch {
	case r.half[d].synHeld:
		// A SYN's payload its receiver never took (holdSYN).
		r.dropSYN(d)
	case r.provisional(d, &r.half[d].held[0]):
		// Past the reach of where the receiver stands, and no ACK of it
		// reached them (holdFar).
		r.dropFar(d, num, ts, out)
	case r.heldBeyondWindow(d):
		r.dropHeld(d, num, ts, out, &r.pool.beyondWindow)
	case r.notTaken(d):
		r.dropHeld(d, num, ts, out, &r.pool.unacked)
	default:
		r.skip(d, num, ts, out)
	}
}

// notTaken tells whether direction d's receiver went on without the held
// bytes: its acknowledgement, from a segment that came after them, covers
// bytes delivered after them too, and does not reach past next (or past
// a FIN there).
func (r *reassembler) notTaken(d int) bool {
	h, rcv := &r.half[d], &r.half[1-d]
	if len(h.held) == 0 || !h.ackAfter || !rcv.acked || int32(h.held[0].seq-h.next) <= maxWindowGuess {
		// Within a window of where the stream stands the bytes may be
		// real ones the receiver has (SACKed) while the capture lost the
		// ACK, or whose hole a slow retransmission fills late: skipped
		// to, as a lost stretch, not dropped as forged.
		return false
	}
	to := h.next
	if h.finSeen && h.finSeq == h.next {
		to++
	}
	return int32(rcv.ack-h.held[0].from) > 0 && int32(rcv.ack-to) <= 0
}

// dropHeld drops every segment direction d holds (all lie beyond next,
// where the receiver stands), counted in count. A FIN that came with or
// after them goes with them.
func (r *reassembler) dropHeld(d int, num uint64, ts time.Time, out orderedSink, count *uint64) {
	h := &r.half[d]
	if h.finSeen && int32(h.finSeq-h.held[0].seq) > 0 {
		h.finSeen = false
	}
	for _, s := range h.held {
		r.pool.bytes -= len(s.data)
	}
	*count += uint64(len(h.held))
	h.held, h.ackAfter, h.synHeld = nil, false, false
	r.maybeFinished(d, num, ts, out)
}

// tookTo records ack, sent by direction d from a segment at its stream's
// position, as what d's peer's bytes reached: the highest such. When the
// peer's bytes wait behind a hole and ack stops short of them, ackAfter
// marks that the receiver acknowledged after they came.
func (r *reassembler) tookTo(d int, ack uint32) {
	h := &r.half[d]
	if !h.acked || int32(ack-h.ack) > 0 {
		h.ack, h.acked = ack, true
	}
	if o := &r.half[1-d]; len(o.held) > 0 && int32(h.ack-o.held[0].seq) < 0 {
		o.ackAfter = true
	}
}

// standsAt is where direction d's receiver stands as far as the capture
// shows: the next byte to deliver, or further when an acknowledgement
// proves the bytes up to it arrived (and the capture lost them).
func (r *reassembler) standsAt(d int) uint32 {
	h, at := &r.half[d], r.half[d].next
	if h.lostReported && int32(h.lostTo-at) > 0 {
		at = h.lostTo
	}
	if rcv := &r.half[1-d]; rcv.acked && int32(rcv.ack-at) > 0 {
		at = rcv.ack
	}
	return at
}

// holding tells whether any bytes wait behind a hole.
func (r *reassembler) holding() bool {
	return len(r.half[0].held)+len(r.half[1].held) > 0 || r.skew() != nil
}

// flush delivers everything held, skipping every hole, at the end
// (except bytes beyond any window the receiver never took: giveUp).
func (r *reassembler) flush(num uint64, ts time.Time, out orderedSink) {
	if r.skew() != nil {
		r.endWaits(num, ts, out)
	}
	for d := range r.half {
		for len(r.half[d].held) > 0 {
			r.giveUp(d, num, ts, out)
		}
	}
}

// release gives back what the reassembler holds.
func (r *reassembler) release() {
	if r.skew() != nil {
		r.dropSkew()
	}
	for d := range r.half {
		h := &r.half[d]
		for _, s := range h.held {
			r.pool.bytes -= len(s.data)
		}
		h.held, h.ackAfter, h.synHeld = nil, false, false
	}
}

func (r *reassembler) maybeFinished(d int, num uint64, ts time.Time, out orderedSink) {
	h := &r.half[d]
	if h.finSeen && !h.done && len(h.held) == 0 && h.lostReported && int32(h.lostTo-h.finSeq) >= 0 {
		// The bytes before the FIN were proven lost and reported
		// (acked): the stream reached its FIN. (An ACK of the FIN seen
		// before it proved its sequence number lost too.)
		h.next, h.lostReported = h.finSeq, false
	}
	if h.finSeen && !h.done && h.next == h.finSeq && len(h.held) == 0 {
		h.done = true
		out.finished(d, num, ts)
	}
}

// inWindow tells whether an RST from direction d sits where the receiver
// expects the next byte (RFC 5961: anything else is not a reset).
func (r *reassembler) inWindow(d int, seq uint32) bool {
	h := &r.half[d]
	switch {
	case !h.started || seq == h.next:
		return true
	case h.finSeen && seq == h.finSeq+1:
		return true // an abortive RST after the sender's own FIN
	case len(h.held) > 0:
		// Bytes wait behind a hole: an RST at or after them is where the
		// sender stands, unless they lie beyond the receiver's window or
		// the receiver went on without them (then they, and an RST after
		// them, are not the sender's).
		return int32(seq-h.held[0].seq) >= 0 && int32(seq-r.standsAt(d)) <= int32(r.pool.aheadBound()) && !r.heldBeyondWindow(d) && !r.notTaken(d)
	}
	return false
}

// lineSink is the optional side of an orderedSink that tells whether
// direction d's bytes delivered so far end inside a line (control
// streams).
type lineSink interface{ midLine(d int) bool }

// midLine tells whether out says direction d stands inside a line; a sink
// that does not know says yes.
func midLine(out orderedSink, d int) bool {
	ls, ok := out.(lineSink)
	return !ok || ls.midLine(d)
}

// copySink is the optional side of an orderedSink that payload reassembly
// tells about copies of bytes it already took (the control table's sink
// has none).
type copySink interface {
	// again offers a later copy p of bytes of direction d, starting at
	// seq, that were delivered already (they lie before next), which
	// packet num brought at ts (a held segment's: not the packet being
	// decoded, whose bytes it may be that were delivered).
	again(d int, seq uint32, p []byte, num uint64, ts time.Time)
	// differs reports that two copies the capture held of bytes of
	// direction d differ from seq on; those bytes were delivered already.
	differs(d int, seq uint32)
}

// endSink is the optional side of an orderedSink that payload reassembly
// tells about a FIN of direction d at fin, behind the bytes delivered
// already (control streams have their own way with FINs).
type endSink interface{ endsBefore(d int, fin uint32) }

func (r *reassembler) again(d int, seq uint32, p []byte, num uint64, ts time.Time, out orderedSink) {
	if cs, ok := out.(copySink); ok && len(p) > 0 {
		cs.again(d, seq, p, num, ts)
	}
}

func (r *reassembler) differs(d int, seq uint32, out orderedSink) {
	if cs, ok := out.(copySink); ok {
		cs.differs(d, seq)
	}
}

func (r *reassembler) endsBefore(d int, fin uint32, out orderedSink) {
	if es, ok := out.(endSink); ok {
		es.endsBefore(d, fin)
	}
}

// compareHeld compares s, a duplicate of the held segment x (the same
// start, no longer) about to be dropped. Where they differ, the capture
// holds two versions of the same bytes: x, which came first, is kept (a
// Linux receiver keeps the first copy of bytes it has already queued),
// and the difference is marked on it, reported when it is delivered
// (drain).
func (r *reassembler) compareHeld(x, s *heldSeg) {
	if k := firstDiff(x.data[:len(s.data)], s.data); k >= 0 {
		at := x.seq + uint32(k)
		if !x.diff || int32(at-x.diffAt) < 0 {
			x.diffAt, x.diff = at, true
		}
	}
}

// firstDiff is the index of the first byte where a and b (of one length)
// differ, or -1.
func firstDiff(a, b []byte) int {
	if string(a) == string(b) { // compared without a copy
		return -1
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// Data in a SYN. A SYN may carry bytes (TCP Fast Open, RFC 7413), but
// they are the stream's only when the receiver takes them: a server that
// accepts them acknowledges ISN+1+len in its SYN-ACK; one that does not
// (no valid Fast Open cookie: Linux drops them) acknowledges ISN+1 only,
// and the client sends them again from ISN+1. Delivered as soon as seen,
// an attacker's SYN framed the session ("USER root" in the SYN, the real
// login after it taken for retransmissions that differ). So a SYN's
// payload is held at next (synHeld) until the capture shows what became
// of it:
//   - an acknowledgement of the receiver's that covers some of it takes
//     what it covers (ackSYN);
//   - one at ISN+1, or the sender's own next bytes at ISN+1 again (its
//     receiver's SYN-ACK not in the capture), drop it (judgeSYN), as
//     does the end of the wait or of the capture with no word (giveUp):
//     it is not stream data, and it is counted (Stats.SYNDataDropped);
//   - the sender's next bytes right after it take it: it went on past
//     them, so they were acknowledged.

// synTaken tells whether direction d's receiver already acknowledged
// bytes past seq, the start of a SYN's payload (its SYN-ACK came first).
func (r *reassembler) synTaken(d int, seq uint32) bool {
	rcv := &r.half[1-d]
	return rcv.acked && int32(rcv.ack-seq) > 0
}

// holdSYN holds the payload p of direction d's SYN, at seq (= next),
// until its receiver is seen to take it or not.
func (r *reassembler) holdSYN(d int, seq uint32, p []byte, num uint64, ts time.Time) {
	h := &r.half[d]
	if r.pool.full(h, len(p)) { // (its caller holds it only with nothing held)
		r.pool.synData++
		return
	}
	h.synHeld = true
	h.sinceSeq = seq
	h.held = append(h.held, heldSeg{seq: seq, from: seq, data: append([]byte(nil), p...), num: num, ts: ts})
	r.pool.bytes += len(p)
}

// synEnd is where direction d's SYN's payload, while held, ends (next
// otherwise).
func (r *reassembler) synEnd(d int) uint32 {
	h := &r.half[d]
	if h.synHeld {
		return h.next + uint32(len(h.held[0].data))
	}
	return h.next
}

// ackSYN judges the held SYN payload of direction d by its receiver's
// acknowledgement ack: past its start, the bytes it covers are taken; at
// its start, none were.
func (r *reassembler) ackSYN(d int, ack uint32, out orderedSink) {
	h := &r.half[d]
	switch off := int32(ack - h.next); {
	case off == 0:
		r.dropSYN(d)
	case off > 0:
		r.takeSYN(d, int(off), out)
	}
}

// judgeSYN judges the held SYN payload of direction d by its sender's
// next bytes, at seq: sent again from its start, it was not taken; sent
// right after its end, it was.
func (r *reassembler) judgeSYN(d int, seq uint32, out orderedSink) {
	h := &r.half[d]
	switch seq {
	case h.next:
		r.dropSYN(d)
	case r.synEnd(d):
		r.takeSYN(d, len(h.held[0].data), out)
	}
}

// takeSYN delivers the first n bytes of direction d's held SYN payload,
// the ones its receiver took; the rest is cut off.
func (r *reassembler) takeSYN(d int, n int, out orderedSink) {
	h := &r.half[d]
	h.synHeld = false
	if s := &h.held[0]; n < len(s.data) {
		r.pool.bytes -= len(s.data) - n
		s.data = s.data[:n]
	}
	r.drain(d, out)
}

// dropSYN drops direction d's held SYN payload: not stream data.
func (r *reassembler) dropSYN(d int) {
	h := &r.half[d]
	h.synHeld = false
	r.pool.bytes -= len(h.held[0].data)
	r.pool.synData++
	clear(h.held[:1])
	h.held = append(h.held[:0], h.held[1:]...)
	h.ackAfter = false
	if len(h.held) > 0 {
		h.sinceSeq = h.held[0].seq
	} else {
		h.held = nil
	}
}
