package decode

import "math"

// A server going on after a box's reset in its name. A firewall that
// inspects FTP resets a command it denies in both directions, each
// side's RST in the other's name (Cisco ASA's inspect ftp); one that
// resets only the client leaves the server, never reset, to carry the
// command out and answer it (a DELE done, its 250 sent) to a client
// whose TCP dropped the connection: it never acknowledges the reply,
// which the server sends again till it gives up. The client believes
// the command failed (and may send a STOR, DELE or RNTO again); the
// server did it. What the server says after such an RST (its TTL unlike
// the server's: connHold.ttlOdd) is its session's, after the reset: its
// events wait (rstSenderWaits, connHold.waiting, pickUpWaitsMax) while
// the RST is held, a minute at most while the client's command is owed
// its reply (hold_owed.go rstHoldOwed); then the connection closes by
// the RST as before, reported at it, the server's events shown first,
// marked (ControlEvent.AfterReset, Unacked, Resent). The client going on
// after all (its bytes, or its ACK of the server's bytes after the RST)
// shows the RST not taken: they are shown as they came (holdNotTaken).
// The client's RST answering the server's bytes after it (its TCP has no
// connection) closes it at once (resetWhileWaiting). What a client goes
// on saying after a box's RST in its name is shown in a session picked
// up after the close (hold_owed.go).

// boxResetServer tells whether h (nil: none) holds an RST a box between
// sent in the server's name.
func (h *connHold) boxResetServer() bool {
	return h != nil && (h.rst == rstHeld || h.rst == rstSenderWaits) && h.by == dirServer && h.ttlOdd()
}

// afterResetSegment notes segment s of direction d on cs whose hold is a
// box's RST in the server's name: the server's bytes after it sent again
// are counted; the client's ACK of them shows it did not take the RST.
func (t *controlTable) afterResetSegment(cs *controlConn, d int, s *Segment) {
	h := t.holds[cs]
	if !h.boxResetServer() || s.Flags&(FlagSYN|FlagRST) != 0 {
		return
	}
	if d == dirClient {
		if t.answersAfterRST(cs, h, s) {
			t.holdNotTaken(cs, h)
		}
		return
	}
	n := uint32(max(s.PayloadLen, len(s.Payload)))
	if s.Flags.Has(FlagFIN) {
		n++
	}
	hs := &cs.asm.half[dirServer]
	if n == 0 || !hs.started || int32(s.Seq-h.senderNext) < 0 {
		return
	}
	if int32(s.Seq+n-hs.next) <= 0 {
		h.resent++ // all of it read before: sent again, never acknowledged
	}
}

// showAfterReset shows, marked, the server's events that waited after a
// box's RST in its name, cs closing by it; it tells whether there were
// any (ControlClose's AfterReset).
func (t *controlTable) showAfterReset(cs *controlConn) bool {
	h := t.holds[cs]
	if !h.boxResetServer() || len(h.waiting) == 0 {
		return false
	}
	q := h.takeWaiting()
	for i := range q {
		t.markAfterReset(cs, h, &q[i])
	}
	q[len(q)-1].Resent = uint16(min(h.resent, math.MaxUint16)) // (said once)
	cs.showHeld(q)
	return true
}

// markAfterReset marks e, an event of the server's after a box's RST in
// its name that the client took.
func (t *controlTable) markAfterReset(cs *controlConn, h *connHold, e *ControlEvent) {
	e.AfterReset = true
	c := &cs.asm.half[dirClient]
	e.Unacked = !c.acked || int32(c.ack-h.senderNext) <= 0
}

// serverEvent tells whether e is of the server's stream.
func serverEvent(e *ControlEvent) bool {
	switch e.Kind {
	case ControlReply:
		return true
	case ControlGap, ControlJunk, ControlStalled, ControlConflict:
		return !e.FromClient
	}
	return false
}
