package decode

import "time"

// A control segment its receiver never gets is sent again and again: a
// firewall on the path drops it for what it holds. The Linux FTP helper
// (nf_conntrack_ftp) drops a PORT or 227 it sees only part of (split
// across segments) or cannot parse, on every retransmission, and the
// session wedges (pure-ftpd's "227 Logout.", a server that writes its 227
// in two pieces). The capture shows it as the same bytes sent again and
// again while the receiver's acknowledgment stays below them. The
// reassembler counts such copies (resent); the control table reports a
// direction whose bytes were sent stallResends times more, unacknowledged,
// as a ControlStalled event, and a later acknowledgment of them as a
// ControlStalled with StallCleared.

// stallResends: copies of the same unacknowledged bytes that make a
// stall (the fourth send: at least 1.4 s of retransmission timeouts).
// Fewer are a loss TCP recovers from.
const stallResends = 3

// stallWatch is, per direction, the bytes sent again without an
// acknowledgment: made on the first such copy (rare), so that a control
// connection that never has one carries only the pointer.
type stallWatch [2]stallDir

type stallDir struct {
	seq    uint32    // first byte of the bytes sent again
	resent uint8     // copies of them since the first send, saturating
	said   bool      // reported (ControlStalled)
	from   time.Time // the first copy
	last   time.Time // the latest copy counted
}

// stallSpacing: copies closer together than this count once. A
// retransmission timeout is 200 ms at least (Linux's minimum RTO; RFC
// 6298 says 1 s); a capture on both sides of a box (tcpdump -i any) or a
// mirror port shows every segment twice within microseconds.
const stallSpacing = 100 * time.Millisecond

// resent counts a copy of direction d's bytes from seq on that the stream
// delivered before, when their receiver has not acknowledged them: a
// copy of other bytes starts the count again.
func (r *reassembler) resent(d int, seq uint32, ts time.Time) {
	rcv := &r.half[1-d]
	if !rcv.acked || int32(rcv.ack-seq) > 0 {
		// Acknowledged (a spurious retransmission, a mirror port's
		// second copy), or the receiver's direction is not in the
		// capture: nothing to judge.
		return
	}
	if r.stall == nil {
		r.stall = new(stallWatch)
	}
	s := &r.stall[d]
	if s.resent == 0 || s.seq != seq {
		if s.said && int32(seq-s.seq) > 0 {
			return // later bytes: the reported ones still wait
		}
		*s = stallDir{seq: seq, from: ts}
	} else if ts.Sub(s.last) < stallSpacing {
		return // the same copy seen twice
	}
	s.last = ts
	if s.resent < 255 {
		s.resent++
	}
}

// stallNews tells what changed for direction d's resent bytes: stalled,
// when they were just sent stallResends times more unacknowledged (the
// first copy at since), or cleared, when the receiver acknowledged bytes
// reported stalled.
func (r *reassembler) stallNews(d int) (stalled, cleared bool, since time.Time, resent int) {
	if r.stall == nil {
		return false, false, time.Time{}, 0
	}
	s := &r.stall[d]
	if s.resent == 0 {
		return false, false, time.Time{}, 0
	}
	if rcv := &r.half[1-d]; rcv.acked && int32(rcv.ack-s.seq) > 0 {
		cleared = s.said
		since, resent = s.from, int(s.resent)
		*s = stallDir{}
		return false, cleared, since, resent
	}
	if !s.said && s.resent >= stallResends {
		s.said = true
		return true, false, s.from, int(s.resent)
	}
	return false, false, time.Time{}, 0
}
