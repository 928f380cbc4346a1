package track

import (
	"math"
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// A side's data its receiver never acknowledged, though the capture holds
// the receiver's side of the connection, and though the sender sent its
// oldest unacknowledged byte again and again (its retransmission timer:
// it never got the acknowledgment either), did not arrive: those bytes
// moved nothing. The sender's own resends are the proof an acknowledgment
// lost by the capture alone cannot give: a sender that got the
// acknowledgment moves on to new data, and its receiver's later segments
// carry the acknowledgment anyway. A path MTU black hole whose ICMP
// errors the capture does not hold looks so: full-size segments sent
// again and again, never acknowledged, while the handshake and smaller
// segments passed (StuckSend).

// DataConn.resent bits, per direction.
const (
	resentCount = 0x1f // resends since the head or the sender's new data last moved (saturates)
	// resentDropped: the bytes that did not arrive were taken out of
	// Bytes (dropUnacked), at the connection's end.
	resentDropped = 0x20
	// resentSmall: one of them was no larger than every path carries
	// (bigForPath): not a path MTU black hole's.
	resentSmall = 0x40
	// resentBigAcked: one acknowledgment took more than every path
	// carries in one segment: a full-size segment got through, so the
	// path's MTU is no bar to the sender's segments.
	resentBigAcked = 0x80
)

// stuckResends is how many resends of the same oldest unacknowledged
// byte, never acknowledged, say the bytes from it did not arrive: the
// retransmission timer fired twice with no acknowledgment between (a
// single loss is repaired by the first resend).
const stuckResends = 2

// bigForPath tells a segment of n payload bytes from a whose packet is
// larger than IPv6's least MTU, 1280 bytes (RFC 8200 5), which the
// tunnels and PPPoE links behind most path MTU black holes (1400-1492)
// also carry: one that may be too large for a link on the path. Headers
// without options are counted (a segment with them is larger still).
func bigForPath(a netip.Addr, n int) bool {
	hdr := 40
	if a.Is6() && !a.Is4In6() {
		hdr = 60
	}
	return n+hdr > 1280
}

// noteResend reads a segment of dir with n payload bytes before they are
// counted: new data (past the highest byte seen) means the sender moved
// on, and clears its resends; a segment that holds the oldest byte its
// receiver had not acknowledged (and nothing new) is a resend of it.
func (dc *DataConn) noteResend(dir int, s *decode.Segment, n int) {
	end := s.Seq + uint32(n)
	r := &dc.resent[dir]
	switch {
	case int32(end-dc.seqHi[dir]) > 0:
		*r &= resentBigAcked
	case int32(dc.acked[dir]-s.Seq) >= 0 && int32(end-dc.acked[dir]) > 0:
		if *r&resentCount < resentCount {
			*r++
		}
		if !bigForPath(s.Src.Addr(), n) {
			*r |= resentSmall
		}
		dc.resentLen = uint16(min(n, 0xffff))
	}
}

// noteAckMoved reads an acknowledgment of dir's bytes from its receiver
// (s): one that moves past the oldest byte not acknowledged clears dir's
// resends (and notes a full-size segment's worth taken at once); a closed
// window clears them too (the resends are window probes, not the path's
// doing).
func (dc *DataConn) noteAckMoved(dir int, s *decode.Segment) {
	r := &dc.resent[dir]
	if a := s.Ack; int32(a-dc.acked[dir]) > 0 && int32(a-dc.seqHi[dir]) <= 0 {
		if bigForPath(s.Dst.Addr(), int(a-dc.acked[dir])) {
			*r |= resentBigAcked
		}
		*r &= resentBigAcked
	}
	if s.Window == 0 && !s.Flags.Has(decode.FlagSYN) && !s.Flags.Has(decode.FlagRST) {
		*r &= resentBigAcked
	}
}

// receiverSeen tells whether the capture holds segments of the side that
// receives dir's bytes (its own, not only what its peer's acknowledgments
// tell): its acknowledgments would be in it.
func (dc *DataConn) receiverSeen(dir int) bool {
	r := dir ^ 1
	if r == 0 {
		return dc.seqInit[0] && !dc.openerFromAcks(0) && (dc.SYNs > 0 || dc.openerAcked)
	}
	return dc.seqInit[1] && dc.win.flags[1]&ackOnly == 0
}

// unacked is how many of dir's bytes counted as sent did not arrive: its
// receiver, seen in the capture, never acknowledged them, and its sender
// sent the oldest of them again stuckResends times or more since it last
// sent new data; 0 otherwise, and when they are more than the bytes
// counted (what the capture shows does not add up).
func (dc *DataConn) unacked(dir int) int64 {
	if int(dc.resent[dir]&resentCount) < stuckResends || !dc.seqInit[dir] || !dc.receiverSeen(dir) {
		return 0
	}
	n := int64(int32(dc.seqHi[dir] - dc.acked[dir]))
	if n <= 0 || n > dc.Bytes[dir] {
		return 0
	}
	return n
}

// dropUnacked takes the bytes that did not arrive (unacked) out of
// Bytes, once, at the connection's end (finalData): they moved nothing.
// No segment is read after it (the connection is final), so Stuck tells
// them from the same sequence numbers.
func (dc *DataConn) dropUnacked() {
	for d := range dc.Bytes {
		if dc.resent[d]&resentDropped != 0 {
			continue
		}
		if n := dc.unacked(d); n > 0 {
			dc.Bytes[d] -= n
			dc.resent[d] |= resentDropped
		}
	}
}

// StuckSend is what the capture shows of data one side of a data
// connection sent that the other never acknowledged, though the capture
// holds the receiver's segments and the sender sent the oldest of those
// bytes again and again (its retransmission timer, not a loss the first
// resend repaired): those bytes did not arrive, and are not in Bytes.
type StuckSend struct {
	Sender netip.AddrPort // the end whose bytes did not arrive
	// Bytes: how many did not arrive; Resends: how many times the
	// oldest of them was sent again (31 at most); Len: the payload of
	// the latest resend.
	Bytes   int64
	Resends int
	Len     int
	// Large: every resend was larger than IPv6's least MTU (1280 bytes)
	// leaves room for, which the links behind most path MTU black holes
	// carry; BigAcked: an acknowledgment of the sender's bytes took
	// more than that at once, so a full-size segment got through before.
	Large, BigAcked bool
}

// Stuck is the side whose bytes did not arrive (StuckSend), and whether
// there is one. Before the connection is final (a 426 read while it is
// still open), what the capture shows so far: the bytes are still in
// Bytes then.
func (dc *DataConn) Stuck() (StuckSend, bool) {
	for d := range dc.Bytes {
		n := int64(int32(dc.seqHi[d] - dc.acked[d]))
		if dc.resent[d]&resentDropped == 0 && (dc.Done || dc.unacked(d) == 0) {
			continue
		}
		st := StuckSend{Sender: dc.sender(d), Bytes: n, Resends: int(dc.resent[d] & resentCount), Len: int(dc.resentLen)}
		st.Large = dc.resent[d]&resentSmall == 0
		st.BigAcked = dc.resent[d]&resentBigAcked != 0
		return st, true
	}
	return StuckSend{}, false
}

// noteData notes ts, the time of a segment that added bytes to Bytes
// (new ones: a resend adds none), for LastData.
func (dc *DataConn) noteData(ts time.Time) {
	if dc.Start.IsZero() {
		return
	}
	ms := max(decode.PacketSub(ts, dc.Start).Milliseconds(), 0) // (a clock stepped back: at Start)
	dc.dataAt = uint32(min(ms, math.MaxUint32-1)) + 1
}

// LastData is when the connection last carried bytes not seen before,
// either way (to the millisecond): a sender's resends of what its
// receiver never acknowledged are not new, so on a connection whose data
// stopped getting through it is when that began. Zero when it carried
// none, or when what it carried was counted otherwise than from its
// segments as they came (a connection the capture began during).
func (dc *DataConn) LastData() time.Time {
	if dc.dataAt == 0 {
		return time.Time{}
	}
	return dc.Start.Add(time.Duration(dc.dataAt-1) * time.Millisecond)
}

// WindowClosed tells whether the receiver of dir's bytes (dir indexed
// like Bytes) advertised a zero window in its latest segment: it had
// stopped reading, so no new data could come, whatever the path.
func (dc *DataConn) WindowClosed(dir int) bool {
	r := dir ^ 1
	return dc.win.flags[r]&winFrom == winSegment && dc.win.win[r] == 0
}
