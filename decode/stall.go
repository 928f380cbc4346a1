package decode

import (
	"encoding/binary"
	"time"
)

// A control segment its receiver never gets is sent again and again: a
// firewall on the path drops it for what it holds. The Linux FTP helper
// (nf_conntrack_ftp) drops a PORT or 227 it sees only part of (split
// across segments) or cannot parse, on every retransmission, and the
// session wedges (pure-ftpd's "227 Logout.", a server that writes its 227
// in two pieces). The capture shows it as the same bytes sent again and
// again while the receiver's acknowledgment stays below them. The
// reassembler counts such copies (resent); the control table reports a
// direction whose bytes were sent stallResends times more, unacknowledged,
// while their receiver was alive (it spoke after the first copy, or
// acknowledged later bytes selectively), as a ControlStalled event, and a later acknowledgment of them as a
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
	size   uint16    // the largest copy's payload on the wire, saturating (in what was padding)
	from   time.Time // the first copy
	last   time.Time // the latest copy counted
	// alive: the receiver showed it is there and lacks these bytes: it
	// sent a segment after the first copy, or acknowledged selectively
	// (SACK) bytes beyond them. A receiver that went away (a client
	// closed or crashed) is sent the same bytes again and again too;
	// only a live one's silence about them is a drop.
	alive bool
	// sacked, sackAt: the receiver's latest SACK of bytes beyond its
	// acknowledgment sackAt (noteSACK), kept for copies to come.
	sacked bool
	sackAt uint32
}

// stallSpacing: copies closer together than this count once. A
// retransmission timeout is 200 ms at least (Linux's minimum RTO; RFC
// 6298 says 1 s); a capture on both sides of a box (tcpdump -i any) or a
// mirror port shows every segment twice within microseconds.
const stallSpacing = 100 * time.Millisecond

// resent counts a copy of direction d's bytes from seq on (n bytes on the
// wire) that the stream delivered before, when their receiver has not
// acknowledged them: a copy of other bytes starts the count again.
func (r *reassembler) resent(d int, seq uint32, ts time.Time, n int) {
	rcv := &r.half[1-d]
	if !rcv.acked || int32(rcv.ack-seq) > 0 {
		// Acknowledged (a spurious retransmission, a mirror port's
		// second copy), or the receiver's direction is not in the
		// capture: nothing to judge.
		return
	}
	if rcv.winFrom != 0 && rcv.win == 0 {
		// The receiver's window is closed: these are window probes
		// (RFC 9293 3.8.6.1), sent again until it opens.
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
		sacked, at := s.sacked, s.sackAt
		*s = stallDir{seq: seq, from: ts, sacked: sacked, sackAt: at}
		s.alive = sacked && at == seq
	} else if ts.Sub(s.last) < stallSpacing {
		return // the same copy seen twice
	}
	s.last = ts
	if s.resent < 255 {
		s.resent++
	}
	s.size = max(s.size, uint16(min(n, 0xffff)))
}

// stallNews tells what changed for direction d's resent bytes: stalled,
// when they were just sent stallResends times more unacknowledged (the
// first copy at since, the largest size bytes), or cleared, when the
// receiver acknowledged bytes reported stalled.
func (r *reassembler) stallNews(d int) (stalled, cleared bool, since time.Time, resent, size int) {
	if r.stall == nil {
		return false, false, time.Time{}, 0, 0
	}
	s := &r.stall[d]
	if s.resent == 0 {
		return false, false, time.Time{}, 0, 0
	}
	if rcv := &r.half[1-d]; rcv.acked && int32(rcv.ack-s.seq) > 0 {
		cleared = s.said
		since, resent, size = s.from, int(s.resent), int(s.size)
		*s = stallDir{}
		return false, cleared, since, resent, size
	}
	if !s.said && s.resent >= stallResends && s.alive {
		s.said = true
		return true, false, s.from, int(s.resent), int(s.size)
	}
	return false, false, time.Time{}, 0, 0
}

// noteSACK records that the receiver of direction d's bytes acknowledged
// up to ack and selectively beyond it: it holds later bytes, not the
// ones at ack. Made only while the receiver lags (rare).
func (r *reassembler) noteSACK(d int, ack uint32) {
	if r.stall == nil {
		r.stall = new(stallWatch)
	}
	s := &r.stall[d]
	s.sacked, s.sackAt = true, ack
	if s.resent > 0 && s.seq == ack {
		s.alive = true
	}
}

// ackNews reads what s, an acknowledgment sent by direction d of cs,
// says of the other direction's bytes: their receiver is alive
// (receiverHeard), and holds bytes past those it lacks (a SACK:
// noteSACK). A SACK makes the stall watch when there is none: the
// cleartext path (segmentIn) calls it for every ACK, so that a copy
// sent later finds the SACK; the TLS path (handshakeSegment) only once a
// copy made the watch (a TLS control connection with no copy sent again
// keeps the bare pointer).
func (t *controlTable) ackNews(cs *controlConn, d int, s *Segment) {
	o := 1 - d
	if cs.asm.stall != nil {
		cs.asm.receiverHeard(o, s.TS)
	}
	if h := &cs.asm.half[o]; h.started && int32(s.Ack-h.next) < 0 && sackBeyond(t.d.sum.raw, s.Ack) {
		cs.asm.noteSACK(o, s.Ack)
	}
}

// receiverHeard records a segment of the receiver of direction d's bytes
// at ts: after the first copy, it is alive and still lacks them.
func (r *reassembler) receiverHeard(d int, ts time.Time) {
	if s := &r.stall[d]; s.resent > 0 && ts.After(s.from) {
		s.alive = true
	}
}

// sackBeyond tells whether the TCP header at the start of seg (options
// included) holds a SACK block (RFC 2018, option 5) that starts beyond
// ack: the receiver holds bytes past the ones it lacks.
func sackBeyond(seg []byte, ack uint32) bool {
	if len(seg) < 20 {
		return false
	}
	off := int(seg[12]>>4) * 4
	if off <= 20 || off > len(seg) {
		return false
	}
	blocks, ok := tcpOption(seg[20:off], tcpOptSACK, -1)
	for b := 0; ok && b+8 <= len(blocks); b += 8 {
		if left := binary.BigEndian.Uint32(blocks[b:]); int32(left-ack) > 0 {
			return true
		}
	}
	return false
}
