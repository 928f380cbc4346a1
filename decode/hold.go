package decode

import (
	"net/netip"
	"slices"
	"time"
)

// RSTs and SYNs held on established control connections.
//
// A single RST at the exact sequence number ends a connection for its
// receiver (RFC 5961 3.2), but the capture may hold one the receiver
// never got: forged and dropped on its way (TTL 1), or sent where the
// capture sees it and the endpoint does not. An endpoint that took an RST
// sends nothing more on the connection; so the RST is held (rstHold, in
// packet time) and, if bytes go on in sequence after it (the RST's
// sender's, or its receiver's a round trip later, rstInFlight, or sooner
// when they answer bytes its sender sent after it: answersAfterRST), it
// was not taken: counted (Stats.RSTNotTaken; Stats.RSTNotTakenTTL when
// its TTL, or its class, was unlike its sender's other segments':
// injected on the path) and the connection kept. An injected RST proves
// itself by its receiver only (rstProof): its sender's endpoint never saw
// it and goes on either way, while the side it was addressed to may have
// taken it (a firewall resets the client, and the server, none the
// wiser, sends its 226).
// The hold lasts while data moves between the two
// hosts (holdDue): a control connection is silent for a whole transfer,
// and a forged RST in the middle of one shows itself only at the
// transfer's end (the 226, the next command), often minutes later.
// Otherwise the connection closes as reset when the hold ends (or
// anything else ends it first, a SYN opening the 4-tuple's next
// connection), reported at the RST (its packet and time). Its tombstone
// keeps how it ended (tombstone.ended): bytes that show later, by the
// same rule, that the RST was not taken (the endpoints silent longer
// than the hold) pick the connection up again, from where its streams
// stood, as a session of its own (Stats.ClosedResumed); so do bytes at
// the place of a FIN of a connection closed by its FINs, which its
// sender cannot have sent.
// An RST with a wrong checksum (checksum.go) is judged the same way: one
// the bytes after it show not taken is counted as
// Stats.ControlBadChecksum instead.
//
// A SYN with another ISN on an established connection is not the 4-tuple's
// next connection until a SYN-ACK answers it (RFC 5961 4: the receiver of
// a SYN on a synchronized connection answers with a challenge ACK, not a
// SYN-ACK): till then the connection goes on (Stats.SynMidSession).

// rstHold is how long, in packet time, an RST on a control connection is
// held before the connection closes by it, counted from the RST or from
// the latest segment of another connection between its two hosts (its
// data), whichever is later, but never longer than rstHoldMax.
const rstHold = 2 * time.Second

// rstHoldMax bounds the hold while data keeps moving between the two
// hosts (other sessions' too: clients behind one NAT): a control
// connection that quiet is closed as idle too (idleClose).
const rstHoldMax = idleClose

// rstInFlight: bytes of the RST's receiver that come sooner than this
// after it may have been sent before the RST reached it (a round trip);
// only later ones, or the RST's sender's own, show it was not taken.
const rstInFlight = time.Second

// rstState is where the RST held on a connection stands.
type rstState uint8

const (
	rstNone rstState = iota // none held
	rstHeld                 // held: the connection ends by it unless an endpoint goes on after it
	// rstPickUpWaits: held anew on a connection picked up again by its
	// sender's bytes after it closed (tombstone.senderGoesOn): till it is
	// shown not taken, the connection is not announced and its events
	// wait (connHold.waiting); shown not taken, the connection was closed
	// by it and resumed (Stats.ClosedResumed); else its peer took it, and
	// what the sender said is shown as a pick-up after the close
	// (giveUpResumed).
	rstPickUpWaits
	// rstSenderWaits: held, its TTL unlike its sender's (injected: its
	// sender never saw it, so its bytes show nothing), and its sender
	// went on: their events wait (connHold.waiting), shown in place once
	// its receiver goes on. Else the connection closes by it: a server's
	// (a box reset the client in its name) are shown in its session
	// before that close, marked (afterreset.go), a client's in a session
	// picked up after it (hold_owed.go). The server's wait from the RST
	// on, the client's when more than rstHold after it.
	rstSenderWaits
)

// pickUpWaitsMax bounds the events a pick-up (rstPickUpWaits), or an
// injected RST's sender (rstSenderWaits), keeps waiting: 8 of 512 bytes
// (a ControlEvent), 4 KiB a connection. A side talking alone after an
// RST its peer took says little (a server its replies to what the client
// sent before, a client the commands it sends before it waits for a
// reply); one that says more was not cut off by it, and is shown at once
// (Stats.PickUpWaitsFull).
const pickUpWaitsMax = 8

// connHold is what is held for one connection.
type connHold struct {
	rst  rstState // the RST held, if any
	by   int      // its direction
	num  uint64
	ts   time.Time
	at   time.Duration // the idle clock at the RST (the host pair's times are on it)
	bad  bool          // the RST's checksum is wrong (checksum.go)
	note rstNote       // what the connection's ControlClose says of it, if it ends by it
	// waiting: the events not shown yet of a pick-up (rstPickUpWaits)
	// or of an injected RST's sender (rstSenderWaits), at most
	// pickUpWaitsMax.
	waiting []ControlEvent
	// senderNext: where its sender's stream stood at it. Its receiver's
	// bytes acknowledging past there answer bytes sent after it.
	senderNext uint32
	// wentOn: when bytes last went on in sequence after it that showed
	// nothing (holdOwed).
	wentOn time.Time
	// resent: for an RST of a box in the server's name (afterreset.go),
	// the server's segments after it that sent its bytes again.
	resent int
	syn    bool   // a SYN with another ISN is held
	synSeq uint32 // its sequence number
}

// holdsRST tells whether h (nil: no hold) holds an RST.
func (h *connHold) holdsRST() bool { return h != nil && h.rst != rstNone }

// ttlOdd tells whether the RST held's TTL was unlike its sender's
// latest segment's (ResetTTLOther): a box between sent it.
func (h *connHold) ttlOdd() bool { return h.note.ttl == ResetTTLOther }

// pickUpWaits tells whether h (nil: no hold) holds an RST anew on a
// connection picked up again by its sender's bytes, whose events wait.
func (h *connHold) pickUpWaits() bool { return h != nil && h.rst == rstPickUpWaits }

// senderWaits tells whether h (nil: no hold) holds an injected RST whose
// sender's events wait (rstSenderWaits).
func (h *connHold) senderWaits() bool { return h != nil && h.rst == rstSenderWaits }

// rstNote is what an RST that ends a connection showed of its sender
// (ControlEvent.ResetTTL, ResetAcked, ResetNoACK).
type rstNote struct {
	ttl   ResetTTL // its TTL against its sender's latest segment's
	acked bool     // its sender had acknowledged all the other side sent
	noACK bool     // it came without the ACK flag
}

// hold returns cs's holds, made when it had none.
func (t *controlTable) hold(cs *controlConn) *connHold {
	if t.holds == nil {
		t.holds = make(map[*controlConn]*connHold)
	}
	h := t.holds[cs]
	if h == nil {
		h = &connHold{}
		t.holds[cs] = h
	}
	return h
}

// established tells whether cs carries FTP text both ends are past the
// handshake of and neither closed: one an RST or SYN is held on.
func (cs *controlConn) established() bool {
	return cs.phase == phaseText && cs.parser.state == parseFTP && !cs.probing() &&
		!cs.fin[0] && !cs.fin[1] && !cs.asm.half[0].finSeen && !cs.asm.half[1].finSeen
}

// holdRST holds the RST s of direction d (in the window) on cs, when cs
// is established; it tells whether it did. One held already stays.
// note: what the RST showed of its sender (its TTL against its sender's:
// connHold.ttlOdd), what its ControlClose will say.
func (t *controlTable) holdRST(cs *controlConn, d int, s *Segment, note rstNote) bool {
	if h := t.holds[cs]; h.pickUpWaits() && d != h.by {
		// The peer of a sender picked up again after an RST resets what
		// it sends: it took that RST. What the sender said is shown, and
		// this RST ends it.
		t.giveUpResumed(cs, h)
		return false
	} else if h.senderWaits() && d != h.by {
		t.resetWhileWaiting(cs, d, s, note) // (hold_owed.go)
		return true
	}
	if !cs.established() {
		return false
	}
	h := t.hold(cs)
	if h.rst == rstNone {
		h.rst, h.by, h.num, h.ts, h.at = rstHeld, d, s.Num, s.TS, t.stampNow()
		h.bad = t.d.sum.verdict == sumWrong && cs.asm.half[d].sumOK
		h.note = note
		h.senderNext = cs.asm.half[d].next
	}
	return true
}

// holdDue tells whether cs's held RST h ends the connection at packet
// time now: rstHold passed since it, and since data last moved between
// the two hosts after it (their pair, on the idle clock), or rstHoldMax
// since it whatever moved.
func (t *controlTable) holdDue(cs *controlConn, h *connHold, now time.Time) bool {
	since := now.Sub(h.ts)
	if since < rstHold || holdOwed(cs, h, now) {
		return false
	}
	if since >= rstHoldMax || !cs.paired {
		return true
	}
	at, ok := t.pairs.lastSeen(cs.client.Addr(), cs.server.Addr())
	// (The pair's time has a resolution of a second: data in the RST's
	// own second counts as after it, a second's longer hold at most.)
	return !ok || at+time.Second <= h.at || t.clock.since()-at >= rstHold
}

// goesOn releases cs's held RST when segment s of direction d carries
// bytes (or a FIN) in sequence: an endpoint went on after it.
func (t *controlTable) goesOn(cs *controlConn, d int, s *Segment) {
	h := t.holds[cs]
	if !h.holdsRST() || s.Flags.Has(FlagRST) || s.Flags.Has(FlagSYN) {
		return
	}
	n := uint32(max(s.PayloadLen, len(s.Payload)))
	if s.Flags.Has(FlagFIN) {
		n++
	}
	hs := &cs.asm.half[d]
	if n == 0 || !hs.started || int32(s.Seq-hs.next) > 0 || int32(s.Seq+n-hs.next) <= 0 {
		return // nothing, not at the stream's position, or all of it delivered before
	}
	if !rstProof(h.by, d, h.ttlOdd()) || d != h.by && s.TS.Sub(h.ts) < rstInFlight && !t.answersAfterRST(cs, h, s) {
		// The RST's receiver sent these before the RST reached it (a
		// reply crossing the client's reset), or the RST was injected
		// and these are its sender's: they prove nothing.
		h.wentOn = s.TS
		if h.rst == rstHeld && d == h.by && h.ttlOdd() && s.TS.Sub(h.ts) >= rstHold {
			h.rst = rstSenderWaits // (hold_owed.go)
		}
		return
	}
	t.holdNotTaken(cs, h)
}

// holdNotTaken releases cs's held RST h, shown not taken: what waited
// for it is shown as it came.
func (t *controlTable) holdNotTaken(cs *controlConn, h *connHold) {
	t.rstNotTaken(h.bad, h.ttlOdd())
	if h.rst == rstPickUpWaits {
		t.d.stats.ClosedResumed++
	}
	h.rst = rstNone
	cs.showHeld(h.takeWaiting()) // (a pick-up's, or an injected RST's sender's: in place, the session goes on)
	if !h.syn {
		delete(t.holds, cs)
	}
}

// takeWaiting returns the events that waited (a pick-up's, an injected
// RST's sender's), which the hold no longer keeps.
func (h *connHold) takeWaiting() []ControlEvent {
	q := h.waiting
	h.waiting = nil
	return q
}

// showHeld announces cs at the first of the events it held back (a
// mid-stream candidate's till it was decided, a pick-up's till it was
// shown) and delivers them in order. With none, its next event announces
// it. The parser's event, which the ControlOpen reuses, is the caller's
// to keep.
func (cs *controlConn) showHeld(held []ControlEvent) {
	if len(held) > 0 {
		cs.announce(held[0].Num, held[0].TS)
	}
	for i := range held {
		cs.deliver(&held[i])
	}
}

// waitResumed keeps back e, an event of cs while its pick-up waits to be
// shown (rstPickUpWaits), or while an injected RST's sender's events wait
// (rstSenderWaits); it tells whether it did. Past pickUpWaitsMax events
// they are shown in place, its RST still held as any other (counted:
// Stats.PickUpWaitsFull): a side that goes on that long after an RST was
// not cut off by it.
func (t *controlTable) waitResumed(cs *controlConn, e *ControlEvent) bool {
	h := t.holds[cs]
	if h.boxResetServer() && serverEvent(e) {
		h.rst = rstSenderWaits // (the server's, from the RST on: afterreset.go)
	}
	if !h.pickUpWaits() && !h.senderWaits() {
		return false
	}
	if len(h.waiting) < pickUpWaitsMax {
		h.waiting = append(h.waiting, *e)
		return true
	}
	t.d.stats.PickUpWaitsFull++
	h.rst = rstHeld
	ev := *e // (e may be the parser's event, which the ControlOpen reuses)
	cs.showHeld(h.takeWaiting())
	*e = ev
	return false
}

// giveUpResumed lets cs, picked up again by the bytes of the sender of
// an RST whose TTL was unlike its own (rstPickUpWaits), go on unheld: its peer
// was never shown going on (the hold over, the capture's end, its own
// RST), so it took the RST, while the sender, never reset, went on (a
// server that carried out the command a firewall reset the client at,
// its reply the client never got). What the sender said is shown all the
// same, as before such bytes were held: a session picked up mid-stream
// after the close (Stats.ResetSenderWentOn), followed from here as any
// other, till it ends.
func (t *controlTable) giveUpResumed(cs *controlConn, h *connHold) {
	t.d.stats.ResetSenderWentOn++
	h.rst = rstNone
	cs.showHeld(h.takeWaiting())
	if !h.syn {
		delete(t.holds, cs)
	}
}

// answersAfterRST tells whether s, of the receiver of the RST held h,
// acknowledges bytes (or a FIN) its sender sent after the RST: the
// receiver got them, after the RST on the same path, and goes on, which
// an endpoint that took the RST does not (it answers them with an RST).
// Both sides talking on past the RST show it was not taken, however soon
// after it.
func (t *controlTable) answersAfterRST(cs *controlConn, h *connHold, s *Segment) bool {
	return s.Flags.Has(FlagACK) && cs.asm.half[h.by].started && int32(s.Ack-h.senderNext) > 0 &&
		int32(s.Ack-cs.asm.half[h.by].next) <= 1
}

// rstNotTaken counts an RST shown not taken: bad, its checksum was
// wrong; ttlOdd, its TTL unlike its sender's.
func (t *controlTable) rstNotTaken(bad, ttlOdd bool) {
	switch {
	case bad:
		t.d.stats.ControlBadChecksum++ // not taken, its checksum wrong: dropped
	case ttlOdd:
		t.d.stats.RSTNotTakenTTL++
		fallthrough
	default:
		t.d.stats.RSTNotTaken++
	}
}

// notTaken counts a connection closed by its FINs or an RST (ended, its
// tombstone's) that its bytes going on picked up again.
func (t *controlTable) notTaken(ended closeEnd) {
	t.d.stats.ClosedResumed++
	if ended&endRST != 0 {
		t.rstNotTaken(ended&endBadSum != 0, ended&endTTLOdd != 0)
		if ended&endTTLOdd == 0 {
			t.d.stats.ClosedResumedOwnTTL++
		}
	}
}

// continueFrom starts cs, picked up again after a close its bytes showed
// not taken, where the connection's streams stood at that close (was,
// its tombstone): what comes before is sent again, and a hole after it
// is bytes not read (a side's bytes that went on before the other's
// showed the close not taken: tombstone.goesOn).
func (cs *controlConn) continueFrom(was *tombstone) {
	for d, at := range [2]netip.AddrPort{dirClient: cs.client, dirServer: cs.server} {
		if side := was.side(at); was.readKnown[side] {
			h := &cs.asm.half[d]
			h.next, h.started = was.readEnd[side], true
		}
	}
}

// rstProof tells whether bytes of direction d going on in sequence show
// that an RST direction by sent was not taken. An RST whose TTL is unlike
// its sender's (ttlOdd) was injected on the path: its sender's endpoint
// never saw it and goes on either way (a server retransmitting its 226
// to a client a firewall reset), so only its receiver, the side it was
// addressed to, going on shows it was not taken. Any other was sent as
// its sender's: that endpoint going on shows it did not send it, and
// its receiver going on that it did not take it.
func rstProof(by, d int, ttlOdd bool) bool {
	return !ttlOdd || d != by
}

// answersSyn tells whether s shows the SYN held on cs opened a
// connection: the server's SYN-ACK acknowledging exactly it, or the
// client's ACK from the byte after it (the SYN-ACK the capture missed: a
// capture of one direction).
func (t *controlTable) answersSyn(cs *controlConn, s *Segment) bool {
	h := t.holds[cs]
	if h == nil || !h.syn || !s.Flags.Has(FlagACK) || s.Flags.Has(FlagRST) {
		return false
	}
	if s.Src == cs.server {
		return s.Flags.Has(FlagSYN) && s.Ack == h.synSeq+1
	}
	return !s.Flags.Has(FlagSYN) && s.Seq == h.synSeq+1 && s.Seq != cs.asm.half[dirClient].next
}

// expireHolds closes the connections whose RST's hold is over
// (holdDue), in the order of their RSTs.
func (t *controlTable) expireHolds(now time.Time) {
	var due []*controlConn
	for cs, h := range t.holds {
		if h.holdsRST() && t.holdDue(cs, h, now) {
			due = append(due, cs)
		}
	}
	slices.SortFunc(due, func(a, b *controlConn) int {
		x, y := t.holds[a].num, t.holds[b].num
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	for _, cs := range due {
		t.holdOver(cs, t.holds[cs])
	}
}

// holdOver ends cs's held RST h, never shown not taken: it closes the
// connection, reported at the RST; on a connection picked up again after
// that RST's close by its sender's bytes (rstPickUpWaits), which was
// reported then, those bytes are shown and followed on (giveUpResumed).
func (t *controlTable) holdOver(cs *controlConn, h *connHold) {
	if h.rst == rstPickUpWaits {
		t.giveUpResumed(cs, h)
		return
	}
	t.closeBy(cs, CloseRST, h.by, h.num, h.ts, h.note)
}
