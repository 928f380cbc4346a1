package track

import (
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// A FIN past the highest byte seen of its direction counts the bytes
// before it as sent (the capture missed them). Where the capture holds
// the receiver's own segments after that FIN, and they still
// acknowledge none of those bytes (a SACK of the FIN alone, the
// receiver's own close, an RST), the bytes never reached the receiver:
// a path MTU black hole lets the small FIN through and drops the
// full-size segments before it, and a capture on the receiver's side
// sees neither them nor the sender's resends. They are taken out of
// Bytes at the connection's end (dropUndelivered), as the resent bytes
// of StuckSend are: a transfer the receiver never got moved nothing.
// Bytes the receiver acknowledged (a capture that lost them, a receiver
// that got them) count as before.

// DataConn.finHole bits, per direction d (shifted by d).
const (
	// finHoleOpen: d's FIN came past bytes the capture never saw, and
	// its receiver has not acknowledged them all; holeFrom(d) is where
	// the bytes it has not acknowledged begin (finHoleStart), the FIN's
	// sequence number is seqHi[d].
	finHoleOpen = 1
	// finHoleShort: the receiver's latest segment, sent a retransmission
	// timeout after the FIN or closing its own side (a FIN, an RST),
	// still acknowledged none of those bytes.
	finHoleShort = 4
	// finHoleDropped: they were taken out of Bytes (dropUndelivered).
	finHoleDropped = 16
	// ackedUnseen: the other way round, ackProvenEnd counted bytes of
	// d's that the capture never saw and its receiver acknowledged
	// (capture loss); ackedUnseenBytes(d) is how many (AckedUnseen).
	ackedUnseen = 64
)

// ackTop[d] holds, by d's bits, one of three things: with ackPastSet
// (noteAckPast), the highest acknowledgment past the bytes seen; with
// finHoleOpen, holeFrom(d); with ackedUnseen, ackedUnseenBytes(d). The
// first two are sequence numbers (finHoleStart turns the one into the
// other), the last a count. Each reader asks its bit first: a FIN past
// a hole clears ackPastSet, an acknowledgment past the FIN closes the
// hole (finHoleReceiver) before noteAckPast keeps it, and
// noteAckedUnseen leaves an open hole's alone.

// holeFrom is where the bytes before d's FIN past a hole (finHoleOpen)
// that its receiver has not acknowledged begin: a sequence number.
func (dc *DataConn) holeFrom(d int) uint32 { return dc.ackTop[d] }

func (dc *DataConn) setHoleFrom(d int, seq uint32) { dc.ackTop[d] = seq }

// ackedUnseenBytes is how many bytes of d's ackProvenEnd counted that the
// capture never saw (ackedUnseen): a count, not a sequence number.
func (dc *DataConn) ackedUnseenBytes(d int) uint32 { return dc.ackTop[d] }

// finHoleProof is how long after the sender's FIN its receiver's
// acknowledgment must still stop short of the bytes before it for them
// to be undelivered: RFC 6298's initial retransmission timeout, by
// which a receiver that got them has acknowledged them, and an
// acknowledgment sent before they could arrive (a capture on the
// sender's side, the receiver's ACK in flight) has come.
const finHoleProof = time.Second

// finHoleStart notes that dir's FIN, at seq, came past bytes the
// capture never saw, from seqHi[dir] (before it moves to seq): where the
// bytes not acknowledged begin, past those its receiver acknowledged
// already (ackTop, the capture having lost them).
func (dc *DataConn) finHoleStart(dir int, seq uint32) {
	from := dc.seqHi[dir]
	if dc.ackPast&(ackPastSet<<dir) != 0 && int32(dc.ackTop[dir]-from) > 0 {
		if int32(dc.ackTop[dir]-seq) >= 0 {
			return // acknowledged up to the FIN already
		}
		from = dc.ackTop[dir]
	}
	dc.setHoleFrom(dir, from)
	dc.ackPast &^= (ackPastSet | ackPastLate) << dir // (the FIN is seen: ackProvenEnd has nothing to take)
	dc.finHole |= finHoleOpen << dir
}

// finHoleReceiver reads s, a segment from dir, the receiver of the other
// side's bytes before a FIN past a hole (finHoleOpen): an acknowledgment
// of them all closes the question, one of some moves where the rest
// begin, and one that still stops short after finHoleProof, or with
// dir's own FIN or RST, says they did not arrive (finHoleShort), until a
// later one acknowledges them. An RST with an ACK that covers them (a
// client that closes with RST|ACK once it has the file) closes the
// question as an ACK does (dataSegment feeds the RSTs it does not drop).
func (dc *DataConn) finHoleReceiver(dir int, s *decode.Segment) {
	o := dir ^ 1
	if dc.finHole&(finHoleOpen<<o) == 0 {
		return
	}
	rst := s.Flags.Has(decode.FlagRST)
	if s.Flags.Has(decode.FlagACK) {
		// (An RST|ACK too: its acknowledgment is the receiver's.)
		if a := s.Ack; int32(a-dc.seqHi[o]) >= 0 {
			dc.finHole &^= (finHoleOpen | finHoleShort) << o
			return
		} else if int32(a-dc.holeFrom(o)) > 0 {
			dc.setHoleFrom(o, a)
		}
	}
	if rst || s.Flags.Has(decode.FlagFIN) || s.TS.Sub(dc.FINTS[o]) >= finHoleProof {
		dc.finHole |= finHoleShort << o
	}
}

// dropUndelivered takes the bytes before a FIN that never reached its
// receiver (finHoleShort, or the receiver's RST after the FIN) out of
// Bytes, once, at the connection's end (finalData), when the capture
// holds the receiver's own segments.
func (dc *DataConn) dropUndelivered() {
	for d := range dc.Bytes {
		if dc.finHole&(finHoleOpen<<d) == 0 || dc.finHole&(finHoleDropped<<d) != 0 || !dc.receiverSeen(d) {
			continue
		}
		// The receiver's RST after the FIN is its close: one whose ACK
		// covered the bytes closed the hole already (finHoleReceiver).
		reset := !dc.RSTTS.IsZero() && dc.RSTFromServer == (d == 0) && dc.RSTTS.After(dc.FINTS[d])
		if dc.finHole&(finHoleShort<<d) == 0 && !reset {
			continue
		}
		if n := int64(int32(dc.seqHi[d] - dc.holeFrom(d))); n > 0 && n <= dc.Bytes[d] {
			dc.Bytes[d] -= n
			dc.finHole |= finHoleDropped << d
		}
	}
}

// LostBeforeFIN is what of a data connection never reached its
// receiver though the sender's FIN did: bytes before the FIN that the
// capture never saw and the receiver, seen after the FIN, never
// acknowledged (finhole.go). Not in Bytes.
type LostBeforeFIN struct {
	Sender netip.AddrPort // the end whose bytes did not arrive
	Bytes  int64
}

// LostBeforeFIN is the side whose bytes before its FIN never arrived,
// and whether there is one (final connections only).
func (dc *DataConn) LostBeforeFIN() (LostBeforeFIN, bool) {
	for d := range dc.Bytes {
		if dc.finHole&(finHoleDropped<<d) == 0 {
			continue
		}
		return LostBeforeFIN{Sender: dc.sender(d), Bytes: int64(int32(dc.seqHi[d] - dc.holeFrom(d)))}, true
	}
	return LostBeforeFIN{}, false
}

// noteAckedUnseen notes that ackProvenEnd counted n bytes of dir's that
// the capture never saw and its receiver acknowledged (capture loss):
// ackTop[dir], read once there, keeps n (ackedUnseenBytes).
func (dc *DataConn) noteAckedUnseen(dir int, n uint32) {
	if n == 0 || dc.finHole&(finHoleOpen<<dir) != 0 {
		return
	}
	dc.ackTop[dir] = n
	dc.finHole |= ackedUnseen << dir
}

// AckedUnseen is how many bytes of the connection the capture never saw
// after the last it saw of their side, though their receiver
// acknowledged them (a capture that lost packets: they were delivered),
// and their sender; 0 when none. Counted in Bytes.
func (dc *DataConn) AckedUnseen() (netip.AddrPort, int64) {
	for d := range dc.Bytes {
		if dc.finHole&(ackedUnseen<<d) == 0 {
			continue
		}
		return dc.sender(d), int64(dc.ackedUnseenBytes(d))
	}
	return netip.AddrPort{}, 0
}

// ackAtFileEnd tells whether ack, an acknowledgment of dir's bytes,
// lands on the end of the file the server announced plus its FIN
// (RETR, no REST): the receiver took the whole file, however far past
// its window from what the capture saw (a capture that lost the file's
// end, and the acknowledgments between, at once).
func (dc *DataConn) ackAtFileEnd(dir int, ack uint32) bool {
	srv := 0 // the opener in active mode
	if dc.Passive {
		srv = 1
	}
	if dir != srv || dc.ExpectedSize <= 0 || dc.Restarted() || dc.ExpectedSize >= maxAckAdvance || !dc.seqInit[dir] {
		return false
	}
	if dir == 1 && dc.SynAckTS.IsZero() || dir == 0 && dc.SYNs == 0 {
		return false // (its first byte's number not known: Bytes counts from the first seen)
	}
	first := dc.seqHi[dir] - uint32(dc.Bytes[dir])
	return ack == first+uint32(dc.ExpectedSize)+1
}

// sender is the end that sends direction d's bytes (0: the client, the
// connection's opener; 1: the server).
func (dc *DataConn) sender(d int) netip.AddrPort {
	if d == 1 {
		return dc.Server
	}
	return dc.Client
}
