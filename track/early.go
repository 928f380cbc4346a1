package track

import (
	"math/bits"
	"net/netip"
	"slices"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// A capture started while a transfer hangs holds the data connection's
// retried SYNs before any byte of its control connection: the client
// waits on the SYNs and says nothing until it gives up. So that the
// session picked up when it does speak can claim them, the handshake
// segments (SYN, SYN-ACK, RST) that matched no data connection in the
// capture's first earlyWindow of packet time are held, and a session
// picked up mid-stream replays those between its peers (adoptEarly).
// After that window nothing is held: a session picked up later was seen
// from its start, or lost with the capture.
//
// A session decode confirms late (one on another port than 21, found by
// its content after a few exchanges) may show a data connection that ran
// whole before it: of a connection between data ports (dataPorts) whose
// SYN or SYN-ACK is held, the segments that follow are held too (header
// only, with their payload length: its bytes, FINs, RSTs and windows),
// the newest maxEarlyLater of them, and replayed with the handshake, in
// the order they came. Such a session's announcement is armed only when
// decode confirms it, after the connection's SYN was held: adoptArmed
// gives it the SYN held to exactly its endpoint, sent after it. The
// transfer command that used the connection comes after the announcement,
// among the events decode held back: a connection the replay finishes
// waits for them (awaitCommand), so that its record carries the command.

// earlyWindow: how long into the capture unmatched handshake segments are
// held. Linux gives up on a SYN after 127 s (tcp_syn_retries 6), and the
// client speaks on its control connection only then.
const earlyWindow = 3 * time.Minute

// maxEarly bounds the held segments: a capture's first minute on a busy
// link holds many unrelated SYNs, and the oldest go first (counted in
// Limits.EarlyOverwritten).
const maxEarly = 256

// maxEarlyLater bounds the segments held after a held handshake
// (earlySegments.later): the newest are kept, the FINs, whose sequence
// numbers prove the bytes of those pushed out before them. One pushed out
// while its handshake is still held is counted
// (Limits.EarlyLaterOverwritten).
const maxEarlyLater = 128

// earlySegments is a ring of header-only copies of handshake segments,
// oldest first from head, and beside it (later) the segments that
// followed those of them between data ports. at numbers what is held in
// the order it came, in both rings, so that a replay interleaves them.
type earlySegments struct {
	segs [maxEarly]decode.Segment
	at   [maxEarly]uint32
	head int // the oldest
	n    int
	// conns counts, by 4-tuple between data ports, the SYNs and SYN-ACKs
	// the ring holds (the segments after them are held in later), and
	// those of the later segments that later let go meanwhile.
	conns map[decode.ConnKey]earlyConn
	// byPorts counts the 4-tuples in conns by portsBucket: follows
	// looks a segment up in conns only when its bucket has one.
	byPorts [256]uint16
	later   *earlyLater // allocated at the first one held
	next    uint32      // the next arrival number
	// synLatest: the latest time of a SYN (no ACK) held, ever: an
	// announcement armed after it, as one armed when its reply comes
	// is, finds none of its own here (adoptArmed).
	synLatest time.Time
}

// earlyConn is what earlySegments.conns keeps of a 4-tuple.
type earlyConn struct {
	held int32 // its SYNs and SYN-ACKs in the ring
	lost int32 // its later segments pushed out of later
}

// earlyLater is the ring of segments held after a held handshake,
// oldest first from head.
type earlyLater struct {
	segs [maxEarlyLater]decode.Segment
	at   [maxEarlyLater]uint32
	head int
	n    int
}

// dataPorts tells whether a connection between ports a and b may be a
// data connection: one side listens on an unprivileged port, the other
// connects from one or from port 20 (active mode).
func dataPorts(a, b uint16) bool {
	lo, hi := min(a, b), max(a, b)
	return hi >= 1024 && (lo >= 1024 || lo == 20)
}

// early tells whether s comes inside the capture's first earlyWindow,
// when unmatched handshake segments are held.
func (t *Tracker) early(s *decode.Segment) bool {
	return decode.PacketSub(s.TS, t.start) <= earlyWindow
}

// followsHeld tells whether s, not itself held as a handshake segment,
// comes after a handshake held in the capture's first minutes.
func (t *Tracker) followsHeld(s *decode.Segment) bool {
	return t.held != nil && len(t.held.conns) > 0 && t.early(s) && t.held.follows(s)
}

// follows tells whether s, which matched nothing, comes after a held
// handshake of its 4-tuple (holdEarlyLater keeps it).
func (h *earlySegments) follows(s *decode.Segment) bool {
	if len(h.conns) == 0 || s.Flags.Has(decode.FlagSYN) || h.byPorts[portsBucket(s.Src.Port(), s.Dst.Port())] == 0 {
		return false
	}
	return h.conns[decode.MakeConnKey(s.Src, s.Dst)].held > 0
}

// portsBucket is the bucket of earlySegments.byPorts of a 4-tuple between
// ports a and b, either way round.
func portsBucket(a, b uint16) uint8 { return uint8(a ^ b) }

// count adds d to the handshake segments held of s's 4-tuple, if s is a
// SYN or SYN-ACK between data ports.
func (h *earlySegments) count(s *decode.Segment, d int32) {
	if !s.Flags.Has(decode.FlagSYN) || s.Flags.Has(decode.FlagRST) || !dataPorts(s.Src.Port(), s.Dst.Port()) {
		return
	}
	key := decode.MakeConnKey(s.Src, s.Dst)
	c := h.conns[key]
	was := c.held > 0 // (a 4-tuple is in conns while it holds some)
	c.held += d
	if b := portsBucket(key.A.Port(), key.B.Port()); was != (c.held > 0) {
		if was {
			h.byPorts[b]--
		} else {
			h.byPorts[b]++
		}
	}
	switch {
	case c.held > 0:
		if h.conns == nil {
			h.conns = make(map[decode.ConnKey]earlyConn)
		}
		h.conns[key] = c
	case h.conns != nil:
		delete(h.conns, key)
	}
}

// holdEarly keeps a header-only copy of s.
func (t *Tracker) holdEarly(s *decode.Segment) {
	if t.held == nil {
		t.held = new(earlySegments)
	}
	h := t.held
	c := *s
	c.Payload, c.PayloadLen, c.Fragments = nil, 0, nil // they alias the capture buffer
	h.count(&c, 1)
	if c.Flags&(decode.FlagSYN|decode.FlagACK|decode.FlagRST) == decode.FlagSYN && c.TS.After(h.synLatest) {
		h.synLatest = c.TS
	}
	at := h.next
	h.next++
	if h.n == maxEarly {
		h.count(&h.segs[h.head], -1)
		h.segs[h.head], h.at[h.head] = c, at
		h.head = (h.head + 1) % maxEarly
		t.limits.EarlyOverwritten++
		return
	}
	i := (h.head + h.n) % maxEarly
	h.segs[i], h.at[i] = c, at
	h.n++
}

// holdEarlyLater keeps a header-only copy of s, which follows a held
// handshake (follows), with its payload length; the oldest goes when
// the ring is full, noted with its handshake if that is still held
// (counted if a session claims the connection: lostLater).
func (t *Tracker) holdEarlyLater(s *decode.Segment) {
	h := t.held
	if h.later == nil {
		h.later = new(earlyLater)
	}
	l := h.later
	c := *s
	c.Payload, c.Fragments = nil, nil // they alias the capture buffer
	at := h.next
	h.next++
	if l.n == maxEarlyLater {
		old := &l.segs[l.head]
		if key := decode.MakeConnKey(old.Src, old.Dst); h.conns[key].held > 0 {
			c := h.conns[key]
			c.lost++
			h.conns[key] = c
		}
		l.segs[l.head], l.at[l.head] = c, at
		l.head = (l.head + 1) % maxEarlyLater
		return
	}
	i := (l.head + l.n) % maxEarlyLater
	l.segs[i], l.at[i] = c, at
	l.n++
}

// adoptEarly replays, in capture order, the held segments between a
// session's peers picked up mid-stream, from since on (all for a zero
// since), as if they came now: the SYNs of a data connection announced
// before the capture started become its inferred data connection, with
// the answers held after them and what the connection carried (the
// later ring, interleaved by arrival). It is called when the session
// shows a transfer under way that no announcement in the capture
// explains (a transfer command, or the reply of one sent before the
// capture): the session that shows it claims them, not whichever of two
// sessions between the same hosts spoke first. With link, they are tied
// to the transfer command waiting. A segment of a connection that is a
// control connection now (a session on another port, found by its
// content) is not claimed. Replayed segments leave the rings.
func (t *Tracker) adoptEarly(sess *Session, since time.Time, link bool) {
	h := t.held
	if h == nil || h.n == 0 || !sess.Midstream {
		// (A session followed from its start is in the unannounced index
		// only for a reply lost in a gap: announceMayBeLost.)
		return
	}
	l := h.later
	if l == nil {
		l = new(earlyLater) // (an empty one: nothing followed)
	}
	cli, srv := sess.Client.Addr(), sess.Server.Addr()
	claims := func(s *decode.Segment) bool {
		fromClient := s.Src.Addr() == cli && s.Dst.Addr() == srv
		return (fromClient || s.Src.Addr() == srv && s.Dst.Addr() == cli) && !s.TS.Before(since) && t.sessions.Get(decode.MakeConnKey(s.Src, s.Dst)) == nil
	}
	// Both rings compacted in place: a kept segment moves only to a slot
	// already read.
	kept, keptLater := 0, 0
	i, j := 0, 0
	for i < h.n || j < l.n {
		if j < l.n && (i == h.n || int32(l.at[(l.head+j)%maxEarlyLater]-h.at[(h.head+i)%maxEarly]) < 0) {
			k := (l.head + j) % maxEarlyLater
			s, at := l.segs[k], l.at[k]
			j++
			if !claims(&s) {
				o := (l.head + keptLater) % maxEarlyLater
				l.segs[o], l.at[o] = s, at
				keptLater++
				continue
			}
			if dc := t.lookupData(s.Src, s.Dst); dc != nil {
				t.dataSegment(dc, &s)
			}
			continue
		}
		k := (h.head + i) % maxEarly
		s, at := h.segs[k], h.at[k]
		i++
		if !claims(&s) {
			o := (h.head + kept) % maxEarly
			h.segs[o], h.at[o] = s, at
			kept++
			continue
		}
		t.adoptOne(sess, &s, link)
		h.lostLater(t, &s)
		h.count(&s, -1)
	}
	h.n = kept
	l.n = keptLater
}

// adoptArmed gives an announcement just armed the connection the early
// rings hold to it: a session decode confirms late (one on another port
// than 21, found by its content after a few exchanges) arms its
// announcements only then, after the data connection's packets passed
// unmatched. The first SYN held to exactly its endpoint (the announced
// address or the listener's control address, the port announced, from the
// peer that connects, as matchSYN takes them), sent at or after the
// announcement (one before it answers something else) and while it would
// still have waited, is matched (matchSYN), and what the rings hold of its
// 4-tuple from it on is replayed in the order it came, as it would have
// been had the session's events come in time. Nothing else is taken: no
// other endpoint, no SYN from before the announcement. Copies of the
// replayed segments held for a reordering capture (heldSYNs) leave that
// ring, so that replaySYNs does not replay them again.
func (t *Tracker) adoptArmed(dc *DataConn) {
	h := t.held
	if h == nil || h.n == 0 || dc.matched() || dc.Done || h.synLatest.Before(dc.Armed) {
		return // (an announcement armed in time: no SYN held comes after it)
	}
	connector, listener := dc.Session.Client.Addr(), dc.Session.Server.Addr()
	if !dc.Passive {
		connector, listener = listener, connector
	}
	ep := dc.Announced
	first := -1
	for i := range h.n {
		s := &h.segs[(h.head+i)%maxEarly]
		if s.Flags&(decode.FlagSYN|decode.FlagACK|decode.FlagRST) == decode.FlagSYN && s.Dst.Port() == ep.Port() &&
			s.Src.Addr() == connector && (s.Dst.Addr() == ep.Addr() || s.Dst.Addr() == listener) &&
			!s.TS.Before(dc.Armed) && s.TS.Sub(dc.Armed) <= t.opts.ExpectationTimeout &&
			t.sessions.Get(decode.MakeConnKey(s.Src, s.Dst)) == nil && t.lookupData(s.Src, s.Dst) == nil {
			first = i
			break
		}
	}
	if first < 0 {
		return
	}
	k := (h.head + first) % maxEarly
	syn, synAt := h.segs[k], h.at[k]
	if !t.matchSYN(&syn) {
		return
	}
	t.noteTaken(&syn)
	owner := t.lookupData(syn.Src, syn.Dst)
	h.lostLater(t, &syn)
	t.dropHeldCopy(&syn)
	a, b := syn.Src, syn.Dst
	onTuple := func(s *decode.Segment) bool {
		return s.Src == a && s.Dst == b || s.Src == b && s.Dst == a
	}
	l := h.later
	if l == nil {
		l = new(earlyLater) // (an empty one: nothing followed)
	}
	// Both rings compacted in place, as adoptEarly: the SYN taken leaves,
	// and what came on its 4-tuple after it while it is owner's.
	kept, keptLater := 0, 0
	i, j := 0, 0
	for i < h.n || j < l.n {
		if j < l.n && (i == h.n || int32(l.at[(l.head+j)%maxEarlyLater]-h.at[(h.head+i)%maxEarly]) < 0) {
			k := (l.head + j) % maxEarlyLater
			s, at := l.segs[k], l.at[k]
			j++
			if int32(at-synAt) > 0 && onTuple(&s) && owner != nil && t.lookupData(s.Src, s.Dst) == owner {
				t.dropHeldCopy(&s)
				t.replay(owner, &s)
				continue
			}
			o := (l.head + keptLater) % maxEarlyLater
			l.segs[o], l.at[o] = s, at
			keptLater++
			continue
		}
		k := (h.head + i) % maxEarly
		s, at := h.segs[k], h.at[k]
		i++
		switch {
		case at == synAt:
			h.count(&s, -1)
			continue
		case int32(at-synAt) > 0 && onTuple(&s) && owner != nil && t.lookupData(s.Src, s.Dst) == owner:
			h.count(&s, -1)
			t.dropHeldCopy(&s)
			t.replay(owner, &s)
			continue
		}
		o := (h.head + kept) % maxEarly
		h.segs[o], h.at[o] = s, at
		kept++
	}
	h.n = kept
	if h.later != nil {
		l.n = keptLater
	}
}

// replay hands dc the held segment s as if it came now; finishData
// knows it for a replay (awaitCommand).
func (t *Tracker) replay(dc *DataConn, s *decode.Segment) {
	t.replaying = s
	t.dataSegment(dc, s)
	t.replaying = nil
}

// maxAwaiting bounds the data connections held for their transfer
// command (awaitCommand); past it the oldest is reported at once.
const maxAwaiting = 16

// awaitedData is a data connection a replayed segment finished before
// its transfer command reached the tracker, and that segment's place in
// the capture (input and packet number).
type awaitedData struct {
	dc    *DataConn
	input uint32
	num   uint64
}

// awaitCommand holds the report of dc, which the replay of the held
// segment s finished after its announcement but before the events of its
// session that came between them in the capture reached the tracker: a
// session decode confirms late (found by its content) hands over at once
// the events it held back, the transfer command among them. Had they
// come in time, the command would have used the connection (linkTransfer)
// and its record would carry the command and final reply. dc is reported
// at its session's first event from after s (releaseAwaited), or at the
// session's end; if a transfer command sent before s took it meanwhile,
// with that command's final reply instead (finishData's rule).
func (t *Tracker) awaitCommand(dc *DataConn, s *decode.Segment) {
	if len(t.awaiting) >= maxAwaiting {
		old := t.awaiting[0].dc
		t.awaiting = slices.Delete(t.awaiting, 0, 1)
		t.reportFinished(old)
	}
	t.awaiting = append(t.awaiting, awaitedData{dc: dc, input: s.Input, num: s.Num})
}

// releaseAwaited reports, at the event e of sess, the data connections
// of sess held for their transfer command (awaitCommand) whose finishing
// segment came before e: every event that came before that segment has
// reached the tracker. Those reported since, or of a session ended, leave.
func (t *Tracker) releaseAwaited(sess *Session, e *decode.ControlEvent) {
	kept := t.awaiting[:0]
	var due []*DataConn
	for _, w := range t.awaiting {
		switch {
		case w.dc.reported:
		case w.dc.Session == sess && !(w.input == t.input && e.Num != 0 && e.Num < w.num) || w.dc.Session.ended:
			due = append(due, w.dc)
		default:
			kept = append(kept, w)
		}
	}
	clear(t.awaiting[len(kept):])
	t.awaiting = kept
	for _, dc := range due {
		t.reportFinished(dc)
	}
}

// reportFinished reports a data connection finished before its transfer
// command came (awaitCommand), now that the events before its end have:
// as finishData would have, with its transfer command's final reply if
// that command used it and waits for one.
func (t *Tracker) reportFinished(dc *DataConn) {
	if c := dc.Command; c != nil {
		if c.Conflict != nil {
			t.transferProvesOther(dc) // (conflict.go)
		}
		if c.Status == StatusPending && !dc.Session.ended {
			return // (transferDone or reportCommand reports it)
		}
	}
	t.reportData(dc)
}

// dropHeldCopy takes out of the SYNs held for a reordering capture
// (heldSYNs) their copies of s, a segment adoptArmed replays: a SYN (with
// the answer beside it, and the count it went to taken back, as
// replaySYNs does) or a segment after its answer.
func (t *Tracker) dropHeldCopy(s *decode.Segment) {
	h := t.syns
	if h == nil {
		return
	}
	same := func(x *decode.Segment) bool {
		return x.Num == s.Num && x.Input == s.Input && x.Src == s.Src && x.Dst == s.Dst
	}
	if s.Flags&(decode.FlagSYN|decode.FlagACK) == decode.FlagSYN && h.live > 0 {
		for i := range h.segs {
			if x := &h.segs[i]; x.Num != 0 && same(x) {
				t.releaseHeldSYN(i)
			}
		}
		return
	}
	if h.later != nil {
		for i := range h.later {
			if x := &h.later[i]; x.Num != 0 && same(x) {
				x.Num = 0
			}
		}
	}
}

// lostLater counts (Limits.EarlyLaterOverwritten) the segments after the
// handshake s that later let go, once s's connection is a data
// connection: it misses them.
func (h *earlySegments) lostLater(t *Tracker, s *decode.Segment) {
	key := decode.MakeConnKey(s.Src, s.Dst)
	c, ok := h.conns[key]
	if !ok || c.lost == 0 || t.lookupData(s.Src, s.Dst) == nil {
		return
	}
	t.limits.EarlyLaterOverwritten += int(c.lost)
	c.lost = 0
	h.conns[key] = c
}

// adoptOne replays a held handshake segment s between sess's peers
// (adoptEarly).
func (t *Tracker) adoptOne(sess *Session, s *decode.Segment, link bool) {
	fromClient := s.Src.Addr() == sess.Client.Addr()
	switch dc := t.lookupData(s.Src, s.Dst); {
	case dc != nil:
		t.dataSegment(dc, s)
	case s.Flags&(decode.FlagSYN|decode.FlagACK|decode.FlagRST) == decode.FlagSYN|decode.FlagACK && !sess.ended:
		// A SYN-ACK whose SYN came before the capture: the side
		// connected to answers, from its listening port.
		switch {
		case !fromClient && s.Src.Port() >= 1024:
			t.addInferred(sess, s, true, link, MatchInferred)
		case fromClient && s.Src.Port() >= 1024 && (s.Dst.Port() == 20 || s.Dst.Port() >= 1024):
			t.addInferred(sess, s, false, link, MatchInferred)
		}
	case !s.Flags.Has(decode.FlagSYN) || s.Flags.Has(decode.FlagACK) || sess.ended:
	case fromClient && s.Dst.Port() >= 1024:
		t.addInferred(sess, s, true, link, MatchInferred)
	case !fromClient && s.Dst.Port() >= 1024 && (s.Src.Port() == 20 || s.Src.Port() >= 1024):
		t.addInferred(sess, s, false, link, MatchInferred)
	}
}

// adoptUnanswered makes, at the first announcement the capture shows of
// a session picked up mid-stream (about to be armed), the held connection
// attempts between its peers that nothing answered the session's
// inferred data connections: SYNs from its client to its server, to an
// unprivileged port other than the one announced (ann, armed at armed),
// sent before it, with no segment from the server on their 4-tuple held
// (no SYN-ACK), and sent again, or followed by silence for as long as
// TCP waits to send it again (synRetryMin), or refused by an RST held
// after it (the whole story of a refusal: the SYN and its answer). A client that waited
// on the SYNs of a data
// connection announced before the capture (an EPSV whose SYNs a firewall
// drops) says nothing on its control connection until it gives up and
// asks again (a PASV): the capture shows the SYNs and the new request,
// and without this only the new request's endpoint, never used, and no
// failure. A connection that was answered is not taken: it is no
// failure, and of what it carried the rings may hold only the newest
// (maxEarlyLater), too little to tell. The new announcement says the
// session moved on: arm finishes them next.
func (t *Tracker) adoptUnanswered(sess *Session, ann netip.AddrPort, armed time.Time) {
	h := t.held
	if h == nil || h.n == 0 || !sess.Midstream || sess.ended || sess.Encrypted {
		return
	}
	for _, x := range sess.Data {
		if x.Via != 0 {
			return // not the first announcement the capture shows
		}
	}
	cli, srv := sess.Client.Addr(), sess.Server.Addr()
	// The 4-tuples the server answered in what is held (a SYN-ACK), and
	// those it reset.
	var answered, reset []decode.ConnKey
	for i := range h.n {
		s := &h.segs[(h.head+i)%maxEarly]
		if s.Src.Addr() == srv && s.Dst.Addr() == cli {
			if s.Flags.Has(decode.FlagRST) {
				reset = append(reset, decode.MakeConnKey(s.Src, s.Dst))
			} else {
				answered = append(answered, decode.MakeConnKey(s.Src, s.Dst))
			}
		}
	}
	take := func(s *decode.Segment) bool {
		key := decode.MakeConnKey(s.Src, s.Dst)
		return s.Src.Addr() == cli && s.Dst.Addr() == srv && s.Flags&(decode.FlagSYN|decode.FlagACK|decode.FlagRST) == decode.FlagSYN &&
			s.Dst.Port() >= 1024 && s.Dst.Port() != ann.Port() && nearPort(s.Dst.Port(), ann.Port()) && s.TS.Before(armed) &&
			!slices.Contains(answered, key) && t.sessions.Get(key) == nil
	}
	// Of each 4-tuple: its SYNs sent again (not a copy seen at once), and
	// its latest SYN. One SYN the client moved on from (this announcement)
	// sooner than TCP sends it again tells nothing: answered by an ICMP
	// error or an RST the capture lost or did not keep (the tracker keeps
	// no ICMP error while nothing is announced), or a retry whose SYNs
	// before it came before the capture, and a connect timeout of the
	// client's that ran out with it. It is left alone.
	type attempt struct {
		retried bool
		last    time.Time
		seq     uint32
	}
	var tries map[decode.ConnKey]*attempt
	for i := range h.n {
		s := &h.segs[(h.head+i)%maxEarly]
		if !take(s) {
			continue
		}
		if tries == nil {
			tries = make(map[decode.ConnKey]*attempt)
		}
		key := decode.MakeConnKey(s.Src, s.Dst)
		a := tries[key]
		switch {
		case a == nil:
			tries[key] = &attempt{last: s.TS, seq: s.Seq}
			continue
		case s.Seq != a.seq || s.TS.Sub(a.last) >= synCopyWindow || a.last.Sub(s.TS) >= synCopyWindow:
			a.retried = true
		}
		a.last = s.TS
	}
	if len(tries) == 0 {
		return
	}
	kept := 0 // compacted in place, as adoptEarly
	for i := range h.n {
		s, at := h.segs[(h.head+i)%maxEarly], h.at[(h.head+i)%maxEarly]
		key := decode.MakeConnKey(s.Src, s.Dst)
		ok := take(&s)
		if ok {
			a := tries[key]
			ok = a.retried || armed.Sub(a.last) >= synRetryMin || slices.Contains(reset, key)
		}
		if !ok {
			if x := t.lookupData(s.Src, s.Dst); x != nil && x.Session == sess && s.Src.Addr() == srv && s.TS.Before(armed) {
				// The reset of a SYN taken: the connection was refused
				// (dataSegment judges whether it answers the SYN).
				t.dataSegment(x, &s)
				continue
			}
			o := (h.head + kept) % maxEarly
			h.segs[o], h.at[o] = s, at
			kept++
			continue
		}
		h.count(&s, -1)
		if x := t.lookupData(s.Src, s.Dst); x != nil {
			t.dataSegment(x, &s) // its SYN again
			continue
		}
		t.addInferred(sess, &s, true, false, MatchInferred)
	}
	h.n = kept
}

// adoptNear bounds how far from the first announced port a SYN held from
// the capture's start may go to be taken for an earlier announcement of
// the session's: a server hands out its passive ports from one range
// (vsftpd pasv_min_port..pasv_max_port, ProFTPD PassivePorts), while the
// client's SYNs to another service of the same host (a database, a web
// console) go anywhere. A server that picks from all ports (no range
// set) loses these; nothing ties its ports to FTP.
const adoptNear = 4096

func nearPort(p, announced uint16) bool {
	return max(p, announced)-min(p, announced) <= adoptNear
}

// A capture taken on several queues (a multi-queue NIC, RSS: each flow
// on its own queue and CPU) writes packets of different flows out of
// order: the data connection's SYN may come before the 227 or 229 that
// announced its port, by microseconds, in file order or in time. So that
// its announcement still finds it, the latest SYNs to unprivileged ports
// that matched nothing while FTP sessions were open are held (header
// only, the oldest replaced first), and an announcement replays those to
// its port from its connecting peer (replaySYNs). A SYN held longer than
// synHoldWindow of packet time is not replayed: by then the reply it
// answers would have come. Nor is one whose SYN-ACK or RST came before
// the announcement: its connection went on without it (a data connection
// whose announcement the capture lost, to a port a server hands out
// again), which the reordering of a few packets cannot explain.

// synHoldWindow: how far apart in packet time a held SYN and the
// announcement it answers may be.
const synHoldWindow = time.Second

// answerHoldWindow: how long before the announcement a held SYN's
// SYN-ACK may have come and the handshake still be the announcement's,
// written before it by a capture's queues (a LAN handshake takes tens of
// microseconds; queues reorder by less than a millisecond or two).
const answerHoldWindow = 2 * time.Millisecond

// answerAfterSYN: how much later than a SYN, in packet time, a held answer
// that acknowledges exactly that SYN (an RST at its ISN+1, an ICMP error
// quoting it) may be stamped and still be its answer: a round trip. The
// capture's queues wrote the answer first, but its own time is after the
// SYN's, as an answer's is.
const answerAfterSYN = 3 * time.Second

// maxHeldSYNs bounds the held SYNs; one replaced while it could still be
// replayed is counted in Limits.SYNsHeldOverwritten.
const maxHeldSYNs = 16

// heldSYNs is a ring of header-only copies of SYNs; next is where the
// next one goes (the oldest once it is full). A slot whose SYN was
// replayed has a zero Num.
type heldSYNs struct {
	segs [maxHeldSYNs]decode.Segment
	// answers holds, beside a held SYN, the SYN-ACK that answered it
	// (a zero Num when none came): on a LAN a whole handshake fits in
	// the reordering that wrote it before its 227.
	answers [maxHeldSYNs]decode.Segment
	// counted: the held SYN went to an expired announcement's endpoint,
	// or to one another connection took, and was counted so
	// (Limits.DataAfterExpiry, Limits.DataEndpointTaken); an
	// announcement that claims it after all takes the count back.
	counted [maxHeldSYNs]countedAs
	// closed: after its answer, a FIN or RST came on the held SYN's
	// 4-tuple (in a capture that does not reorder, where those segments
	// are not kept: later): the connection ended before anything claimed
	// it (announceMayBeLost: a client's probe to another service, not
	// the data connection its lost 227 announced).
	closed [maxHeldSYNs]bool
	// unseen: the held SYN is not in the capture, which lost it; the
	// slot stands for the one its answer, a SYN-ACK that matched
	// nothing, answered (holdUnseen).
	unseen [maxHeldSYNs]bool
	next   int
	live   int // slots with a SYN (a non-zero Num)
	// later holds, in a capture that may reorder (Segment.Reorders), the
	// segments that came on a held SYN's 4-tuple after its first answer
	// (header only; PayloadLen kept), the newest maxHeldLater of them:
	// two interfaces whose clocks are further apart than a small
	// transfer lasts write the whole connection, bytes and FINs, before
	// the PORT or 227 that announced it. replaySYNs replays them after
	// the SYN. Allocated at the first one held.
	later     *[maxHeldLater]decode.Segment
	laterNext int
	// oldest is no later than any held SYN's time, and tuples has each
	// held SYN's bit (tupleBit): kept by holdSYN, made exact again by
	// answered's sweep. With them answered passes over a segment that
	// ages no SYN out and is on no held SYN's 4-tuple (most of a busy
	// link's) without looking at the SYNs one by one.
	oldest time.Time
	tuples [4]uint64
	// keys has each slot's tupleKey, and slotsAt, by tupleBit's place,
	// the slots whose key has it (emptied or not): answered and
	// holdsTuple look at the SYNs held on a segment's ports alone, not at
	// all of them. On a busy host whose SYNs the capture lacks, every
	// segment after a SYN-ACK held as its lost SYN (holdUnseen) is on a
	// held 4-tuple.
	keys    [maxHeldSYNs]uint32
	slotsAt [256]uint16
	// compared counts the SYNs held whose 4-tuple answered compared in
	// full with a segment's (tests read it).
	compared int
}

// tupleKey is the ports of a 4-tuple, either way round, as one number.
func tupleKey(a, b uint16) uint32 {
	return uint32(min(a, b))<<16 | uint32(max(a, b))
}

// keyPlace is the place in heldSYNs.slotsAt (and of tupleBit) of a
// tupleKey.
func keyPlace(k uint32) uint8 { return uint8(k>>16 ^ k) }

// tupleBit is the bit of heldSYNs.tuples for a 4-tuple between ports a
// and b, either way round.
func tupleBit(a, b uint16) (int, uint64) {
	i := (a ^ b) & 255
	return int(i >> 6), 1 << (i & 63)
}

// mayHold tells whether a SYN held may be on the 4-tuple between ports a
// and b (false: none is).
func (h *heldSYNs) mayHold(a, b uint16) bool {
	w, bit := tupleBit(a, b)
	return h.tuples[w]&bit != 0
}

// resweep makes oldest and tuples exact for the SYNs held.
func (h *heldSYNs) resweep() {
	h.tuples = [4]uint64{}
	first := true
	for i := range h.segs {
		x := &h.segs[i]
		if x.Num == 0 {
			continue
		}
		w, bit := tupleBit(x.Src.Port(), x.Dst.Port())
		h.tuples[w] |= bit
		if first || x.TS.Before(h.oldest) {
			h.oldest, first = x.TS, false
		}
	}
}

// maxHeldLater bounds the segments held after held SYNs' answers; one
// replaced within synHoldWindow is counted (Limits.HeldLaterOverwritten).
// The newest are kept: the FINs, whose sequence numbers prove the bytes
// of segments pushed out before them.
const maxHeldLater = 64

// answered keeps the first answer to a held SYN beside it: the SYN-ACK,
// the RST acknowledging it, or anything else that says the handshake was
// answered where the capture lost the SYN-ACK: any other segment from the
// listener on its 4-tuple, an RST acknowledging the SYN and more (ISN+1
// and past: the connection was made, RFC 9293 3.10.7.4), or an ACK from
// the connector (past SYN-SENT, a SYN-ACK reached it). A held SYN another
// RST answers (one that acknowledges nothing of it) is dropped. Segments
// after the first answer are kept too when the capture may reorder
// (heldSYNs.later); overwrote tells that one still replayable was
// replaced to keep this one.
func (h *heldSYNs) answered(s *decode.Segment) (overwrote bool) {
	due := decode.PacketSub(s.TS, h.oldest) > synHoldWindow
	sp, dp := s.Src.Port(), s.Dst.Port()
	if !due && !h.mayHold(sp, dp) {
		// No SYN held is old enough to go (oldest is no later than
		// any), and none is on s's 4-tuple: the loops below would change
		// nothing.
		return false
	}
	live, on := h.live, false
	if due {
		for i := range h.segs {
			if x := &h.segs[i]; x.Num != 0 && decode.PacketSub(s.TS, x.TS) > synHoldWindow {
				// Too old for any announcement to replay (replaySYNs).
				// (Not due: none is, oldest being no later than any.)
				x.Num = 0
				h.live--
			}
		}
	}
	key := tupleKey(sp, dp)
	kept := false
	// Only the slots that may be on s's 4-tuple, in order: what follows
	// leaves the others alone.
	for m := h.slotsAt[keyPlace(key)]; m != 0; m &= m - 1 {
		i := bits.TrailingZeros16(m)
		x := &h.segs[i]
		if h.keys[i] != key || x.Num == 0 {
			continue
		}
		h.compared++
		onTuple := x.Src == s.Src && x.Dst == s.Dst || x.Src == s.Dst && x.Dst == s.Src
		on = on || onTuple
		if onTuple && h.answers[i].Num != 0 && s.Reorders && !s.Flags.Has(decode.FlagSYN) {
			// After the answer, whatever comes on the 4-tuple, either
			// side's, its RST too, is the connection's, to replay.
			if !kept {
				kept = true // (a SYN sent again is held twice: its segments once)
				overwrote = h.keepLater(s)
			}
			continue
		}
		if onTuple && h.answers[i].Num != 0 && s.Flags&(decode.FlagFIN|decode.FlagRST) != 0 {
			h.closed[i] = true
		}
		if x.Src == s.Src && x.Dst == s.Dst {
			// The connector's own: an ACK past its SYN.
			if s.Flags&(decode.FlagSYN|decode.FlagRST|decode.FlagACK) != decode.FlagACK || int32(s.Seq-(x.Seq+1)) < 0 {
				continue
			}
		} else if x.Src != s.Dst || x.Dst != s.Src {
			continue
		} else if s.Flags.Has(decode.FlagRST) && !(s.Flags.Has(decode.FlagACK) && ackPastSYN(s.Ack, x.Seq)) {
			x.Num = 0
			h.live--
			continue
		}
		if h.answers[i].Num == 0 {
			a := *s
			a.Payload, a.PayloadLen = nil, 0
			h.answers[i] = a
		}
	}
	if due || h.live != live || !on {
		// Made exact again when they may be stale: SYNs gone, here or
		// since the last sweep (replayed, released), or s let in by the
		// bit of one gone.
		h.resweep()
	}
	return overwrote
}

// keepLater keeps a header-only copy of s in heldSYNs.later, replacing
// the oldest; overwrote: that one was recent enough to be replayed.
func (h *heldSYNs) keepLater(s *decode.Segment) (overwrote bool) {
	if h.later == nil {
		h.later = new([maxHeldLater]decode.Segment)
	}
	old := &h.later[h.laterNext]
	overwrote = old.Num != 0 && s.TS.Sub(old.TS) <= synHoldWindow
	c := *s
	c.Payload, c.Fragments = nil, nil // they alias the capture buffer
	*old = c
	h.laterNext = (h.laterNext + 1) % maxHeldLater
	return overwrote
}

// replayLater gives dc the segments held after its SYN's answer
// (heldSYNs.later) on the 4-tuple a-b, oldest first; they leave the ring.
func (t *Tracker) replayLater(dc *DataConn, a, b netip.AddrPort) {
	h := t.syns
	if h.later == nil {
		return
	}
	for k := range maxHeldLater {
		x := &h.later[(h.laterNext+k)%maxHeldLater]
		if x.Num == 0 || !(x.Src == a && x.Dst == b || x.Src == b && x.Dst == a) {
			continue
		}
		c := *x
		x.Num = 0
		if t.lookupData(c.Src, c.Dst) == dc {
			t.replay(dc, &c)
		}
	}
}

// ackPastSYN tells whether ack acknowledges the SYN of initial sequence
// number isn (isn+1), or that and bytes after it, by no more than TCP can
// have in flight (maxAckAdvance).
func ackPastSYN(ack, isn uint32) bool {
	d := ack - (isn + 1)
	return d <= maxAckAdvance
}

// releaseHeldSYN empties slot i of the held SYNs, whose SYN an
// announcement claimed after all: its answer goes with it, and the count
// it went to when it matched nothing is taken back.
func (t *Tracker) releaseHeldSYN(i int) {
	h := t.syns
	h.segs[i].Num = 0
	h.answers[i], h.closed[i], h.unseen[i] = decode.Segment{}, false, false
	h.live--
	switch h.counted[i] {
	case countedAfterExpiry:
		t.limits.DataAfterExpiry--
	case countedAfterQuit:
		// (The announcement held past its session's QUIT keeps its
		// note, worded for this: a connection did come after the QUIT,
		// another session's. The count is of those no announcement in
		// the capture took, and this one was taken.)
		t.limits.DataAfterQuit--
	case countedTaken:
		t.untaken(h.segs[i].Dst)
	}
	h.counted[i] = countedNone
}

// countedAs says which count a SYN that matched nothing went to.
type countedAs uint8

const (
	countedNone        countedAs = iota
	countedAfterExpiry           // Limits.DataAfterExpiry
	countedTaken                 // Limits.DataEndpointTaken
	countedAfterQuit             // Limits.DataAfterQuit
)

// holdSYN keeps a header-only copy of a SYN that matched nothing;
// counted: the count it went to.
func (t *Tracker) holdSYN(s *decode.Segment, counted countedAs) {
	if t.syns == nil {
		t.syns = new(heldSYNs)
	}
	h := t.syns
	if old := &h.segs[h.next]; old.Num == 0 {
		h.live++
	} else if s.TS.Sub(old.TS) <= synHoldWindow {
		if h.unseen[h.next] {
			t.limits.SYNACKsHeldOverwritten++ // a SYN-ACK held as its lost SYN (holdUnseen)
		} else {
			t.limits.SYNsHeldOverwritten++
		}
	}
	c := *s
	c.Payload, c.PayloadLen = nil, 0 // it aliases the capture buffer
	h.segs[h.next] = c
	h.answers[h.next], h.closed[h.next], h.unseen[h.next] = decode.Segment{}, false, false
	h.counted[h.next] = counted
	if h.live == 1 || c.TS.Before(h.oldest) {
		h.oldest = c.TS // (the only one held, or older than those)
	}
	w, bit := tupleBit(c.Src.Port(), c.Dst.Port())
	h.tuples[w] |= bit
	key := tupleKey(c.Src.Port(), c.Dst.Port())
	h.slotsAt[keyPlace(h.keys[h.next])] &^= 1 << h.next
	h.slotsAt[keyPlace(key)] |= 1 << h.next
	h.keys[h.next] = key
	h.next = (h.next + 1) % maxHeldSYNs
}

// unseenSYN is the SYN the SYN-ACK s answers, which the capture lost, as
// the checks of a SYN read it (announceLost, portLost): from the side s
// goes to, to the side it came from, with the sequence number s
// acknowledges, at the time and packet number of s.
func unseenSYN(s *decode.Segment) decode.Segment {
	return decode.Segment{Num: s.Num, Input: s.Input, TS: s.TS, Src: s.Dst, Dst: s.Src, Seq: s.Ack - 1, Flags: decode.FlagSYN, Reorders: s.Reorders}
}

// answerUnseen is for the SYN-ACK s that matched nothing: no announcement
// waits on its port (pickUp), and no SYN held is on its 4-tuple. The
// capture lost its SYN, most often in the burst that took the
// announcement too. Between data ports, from the unprivileged port that
// listens, it is taken at once for a session whose announcement the
// capture lost (inferLostAnswer, as inferData takes a SYN); else, while
// sessions are open, held as the SYN it answers (holdUnseen) for a gap
// that shows after it: the client acknowledges the lost 227 with its
// next command, after the handshake, and a server that connects at the
// PORT itself does so before the client's next command, which shows the
// gap of its bytes (announceMayBeLost, activeMayBeLost). True when taken.
// (Not held for an announcement armed after it, replaySYNs: a SYN-ACK
// after the announcement is picked up as it comes, pickUp; one before it
// answered something else.)
func (t *Tracker) answerUnseen(s *decode.Segment) bool {
	if s.Src.Port() < 1024 || !dataPorts(s.Src.Port(), s.Dst.Port()) || t.syns != nil && t.syns.holdsTuple(s) {
		return false
	}
	if (len(t.unannounced) > 0 || len(t.lostOthers) > 0) && t.inferLostAnswer(s) {
		return true
	}
	if t.sessions.Len() > 0 {
		t.holdUnseen(s)
	}
	return false
}

// holdsTuple tells whether a SYN is held on the 4-tuple of s.
func (h *heldSYNs) holdsTuple(s *decode.Segment) bool {
	if h.live == 0 || !h.mayHold(s.Src.Port(), s.Dst.Port()) {
		return false
	}
	key := tupleKey(s.Src.Port(), s.Dst.Port())
	for m := h.slotsAt[keyPlace(key)]; m != 0; m &= m - 1 {
		i := bits.TrailingZeros16(m)
		x := &h.segs[i]
		if h.keys[i] == key && x.Num != 0 && (x.Src == s.Src && x.Dst == s.Dst || x.Src == s.Dst && x.Dst == s.Src) {
			return true
		}
	}
	return false
}

// holdUnseen holds the SYN-ACK s as the SYN it answers, which the capture
// lost (unseenSYN), with s as that SYN's answer; what takes it
// (takeHeldLost) starts the connection at s.
func (t *Tracker) holdUnseen(s *decode.Segment) {
	syn := unseenSYN(s)
	if t.syns == nil {
		t.syns = new(heldSYNs)
	}
	h := t.syns
	i := h.next
	t.holdSYN(&syn, countedNone)
	a := *s
	a.Payload, a.PayloadLen, a.Fragments = nil, 0, nil // they alias the capture buffer
	h.answers[i], h.unseen[i] = a, true
}

// replaySYNs matches the SYNs held for an announcement just armed: to its
// port, from the peer that connects, to the announced or the control
// address, within synHoldWindow of it. Replayed SYNs leave the ring.
func (t *Tracker) replaySYNs(dc *DataConn) {
	h := t.syns
	connector, listener := dc.Session.Client.Addr(), dc.Session.Server.Addr()
	if !dc.Passive {
		connector, listener = listener, connector
	}
	for k := range maxHeldSYNs {
		i := (h.next + k) % maxHeldSYNs // oldest first
		s := &h.segs[i]
		if s.Num == 0 || h.unseen[i] || s.Dst.Port() != dc.Announced.Port() || s.Src.Addr() != connector ||
			s.Dst.Addr() != dc.Announced.Addr() && s.Dst.Addr() != listener {
			continue
		}
		if d := dc.Armed.Sub(s.TS); d > synHoldWindow || d < -synHoldWindow {
			continue
		}
		ans := h.answers[i]
		window := answerHoldWindow
		if s.Reorders || ans.Reorders {
			// Interfaces whose queues disagree by up to decode's wait.
			window = decode.ReorderWait
		}
		if ans.Num != 0 && dc.Armed.Sub(ans.TS) > window {
			// Answered before the announcement by more than queues
			// reorder: a connection that went on without it (one whose
			// own announcement the capture lost, to a port handed out
			// again).
			continue
		}
		c := *s
		t.releaseHeldSYN(i) // (the endpoint announced again, and this SYN is its)
		if dc.matched() {
			// A second SYN of it (sent again, or seen twice): now a
			// segment of the connection.
			if t.lookupData(c.Src, c.Dst) == dc {
				t.replay(dc, &c)
			}
			continue
		}
		if !t.matchSYN(&c) {
			continue
		}
		t.noteTaken(&c)
		if ans.Num != 0 && t.lookupData(ans.Src, ans.Dst) == dc {
			// Its SYN-ACK (or the RST that refused it) came before the
			// announcement too, and maybe all that followed it.
			t.replay(dc, &ans)
			t.replayLater(dc, c.Src, c.Dst)
		}
	}
}

// adoptLost arms the passive announcement a whose reply the capture lost
// (a gap took the 227 or 229, lostAnnouncement) on the port of the first
// SYN held (holdSYN) from the session's client to an unprivileged port of
// its server after a was sent: the client connected to what the lost
// reply announced. replaySYNs then matches the SYN, with its answer.
func (t *Tracker) adoptLost(sess *Session, a *Command) {
	h := t.syns
	if h == nil || h.live == 0 || sess.ended || sess.Encrypted {
		return
	}
	cli, srv := sess.Client.Addr(), sess.Server.Addr()
	for k := range maxHeldSYNs {
		i := (h.next + k) % maxHeldSYNs // oldest first
		s := &h.segs[i]
		if s.Num == 0 || h.unseen[i] || s.Src.Addr() != cli || s.Dst.Addr() != srv || s.Dst.Port() < 1024 || s.TS.Before(a.TS) ||
			t.sessions.Get(decode.MakeConnKey(s.Src, s.Dst)) != nil {
			continue
		}
		via := ftp.ViaPASV
		switch a.Verb {
		case "EPSV":
			via = ftp.ViaEPSV
		case "LPSV":
			via = ftp.ViaLPSV
		}
		a.EndpointVia, a.Endpoint = via, s.Dst
		t.arm(sess, a, true, s.TS, s.Num)
		return
	}
}

// transferLead: how long before a transfer command a passive client's
// connection to an announcement made before the capture may have been
// opened (it connects, then sends the command).
const transferLead = 5 * time.Second

// transferReply tells whether a reply (to a command the capture did not
// see) is a transfer's: its start, its end, or its failure.
func transferReply(code int) bool {
	switch code {
	case 125, 150, 226, 250, 425, 426, 451:
		return true
	}
	return false
}

// maxHeldResets bounds the resets held for a SYN written after them.
const maxHeldResets = 8

// heldResets is a ring of header-only copies of RSTs that matched
// nothing while announcements waited: a capture's queues may write the
// reset that refuses a data SYN before the SYN itself (on a LAN the
// answer follows the SYN by microseconds). A slot replayed or expired
// has a zero Num.
type heldResets struct {
	segs [maxHeldResets]decode.Segment
	next int
	live int
	// refusals holds, for an announcement still waiting, the first RST
	// from its endpoint to the peer that connects to it (refusedBy): the
	// answer to a SYN the capture lost. It decides the announcement's
	// outcome if nothing else of its connection comes (takeRefusal).
	// Only announcements that wait have one: finishData and retract
	// remove it.
	refusals map[*DataConn]decode.Segment
}

// maxRefusals bounds the refusals kept; past it, those of announcements
// already final are swept, and a new one is left out while it is full.
const maxRefusals = 256

// holdReset keeps a header-only copy of an RST that matched nothing.
func (t *Tracker) holdReset(s *decode.Segment) {
	if t.resets == nil {
		t.resets = new(heldResets)
	}
	h := t.resets
	if old := &h.segs[h.next]; old.Num == 0 {
		h.live++
	} else if s.TS.Sub(old.TS) <= t.answerWindow() {
		t.limits.ResetsHeldOverwritten++
	}
	c := *s
	c.Payload, c.PayloadLen = nil, 0 // it aliases the capture buffer
	h.segs[h.next] = c
	h.next = (h.next + 1) % maxHeldResets
	if dc := t.refusedBy(&c, nil); dc != nil {
		t.noteRefusal(dc, &c)
	}
}

// noteRefusal keeps r as the RST that refused the waiting announcement
// dc's connection.
func (t *Tracker) noteRefusal(dc *DataConn, r *decode.Segment) {
	t.resets.refusals = keepRefusal(t, t.resets.refusals, dc, *r)
}

// keepRefusal keeps x for dc in m (made if nil), unless one is kept
// already (the first answers the first SYN) or m is full (maxRefusals,
// after those of announcements already final are swept): that one is
// counted (Limits.RefusalsNotKept).
func keepRefusal[V any](t *Tracker, m map[*DataConn]V, dc *DataConn, x V) map[*DataConn]V {
	if m == nil {
		m = make(map[*DataConn]V)
	}
	if _, ok := m[dc]; ok {
		return m
	}
	if len(m) >= maxRefusals {
		for o := range m {
			if o.Done || o.matched() {
				delete(m, o)
			}
		}
		if len(m) >= maxRefusals {
			t.limits.RefusalsNotKept++
			return m
		}
	}
	m[dc] = x
	return m
}

// refusalsBefore notes, for an announcement just armed, an RST held from
// just before it (within answerWindow: written before the reply that
// announced the port by a capture's queues) that refuses its connection.
func (t *Tracker) refusalsBefore(dc *DataConn) {
	h := t.resets
	for i := range h.segs {
		r := &h.segs[i]
		if r.Num == 0 || dc.Armed.Sub(r.TS) > t.answerWindow() {
			continue
		}
		if t.refusedBy(r, dc) == dc {
			t.noteRefusal(dc, r)
			return
		}
	}
}

// keptRefusal takes (and forgets) the answers kept for dc's announcement:
// an RST, an ICMP error, either nil.
func (t *Tracker) keptRefusal(dc *DataConn) (rst *decode.Segment, icmp *decode.Unreachable) {
	if h := t.resets; h != nil && h.refusals != nil {
		if r, ok := h.refusals[dc]; ok {
			rst = &r
		}
	}
	if h := t.unreach; h != nil && h.refusals != nil {
		if u, ok := h.refusals[dc]; ok {
			icmp = &u
		}
	}
	t.forgetRefusal(dc)
	return rst, icmp
}

// forgetRefusal drops what noteRefusal and holdUnreachable kept for dc.
func (t *Tracker) forgetRefusal(dc *DataConn) {
	if t.resets != nil && t.resets.refusals != nil {
		delete(t.resets.refusals, dc)
	}
	if t.unreach != nil && t.unreach.refusals != nil {
		delete(t.unreach.refusals, dc)
	}
}

// takeRefusal makes the answer kept for an announcement nothing else of
// whose connection came the end of that connection, its SYN lost by the
// capture (SYNs stays 0): refused by the RST kept, or unreachable by the
// ICMP error kept. It reports whether there was one.
func (t *Tracker) takeRefusal(dc *DataConn) bool {
	rst, icmp := t.keptRefusal(dc)
	if rst != nil && icmp != nil && icmp.TS.Before(rst.TS) {
		rst = nil // the first answer to come is the SYN's
	}
	switch {
	case dc.matched():
		return false
	case rst != nil && !endedBefore(dc.Session, decode.MakeConnKey(rst.Src, rst.Dst)):
		t.unwait(dc)
		dc.Match = refusalMatch(dc, rst.Src)
		dc.Client, dc.Server = rst.Dst, rst.Src
		dc.Start, dc.End, dc.EndReason = rst.TS, rst.TS, EndRST
		dc.RSTTS, dc.RSTTTL, dc.RSTFromServer = rst.TS, rst.TTL, true
		return true
	case icmp != nil && !endedBefore(dc.Session, decode.MakeConnKey(icmp.Src, icmp.Dst)):
		t.unwait(dc)
		dc.Match = refusalMatch(dc, icmp.Dst)
		dc.Client, dc.Server = icmp.Src, icmp.Dst
		dc.Start, dc.End = icmp.TS, icmp.TS
		dc.ICMP = icmpInfo(icmp)
		return true
	}
	return false
}

// replayReset feeds the data connection a SYN just matched the reset
// held for it: from the SYN's destination back to its source,
// acknowledging exactly that SYN (its sequence number plus one), within
// answerWindow of it either way.
func (t *Tracker) replayReset(syn *decode.Segment) {
	dc := t.lookupData(syn.Src, syn.Dst)
	if dc == nil {
		return
	}
	h := t.resets
	window := t.answerWindow()
	for i := range h.segs {
		r := &h.segs[i]
		if r.Num == 0 {
			continue
		}
		if d := syn.TS.Sub(r.TS); d > window || d < -answerAfterSYN {
			if d > window {
				r.Num = 0 // too old to answer any SYN to come
				h.live--
			}
			continue
		}
		if r.Src != syn.Dst || r.Dst != syn.Src || r.Ack != syn.Seq+1 {
			continue
		}
		c := *r
		r.Num = 0
		h.live--
		t.dataSegment(dc, &c)
		return
	}
}

// heldUnreachables is a ring of ICMP errors that quoted a segment of no
// known connection while announcements waited: like a reset, the error
// a router or the destination sends back for a data SYN may be written
// before the SYN by a capture's queues.
type heldUnreachables struct {
	msgs [maxHeldResets]decode.Unreachable
	next int
	live int
	// refusals holds, for an announcement still waiting, the first ICMP
	// error quoting a segment from the peer that connects to its
	// endpoint (unreachableFor): sent for a SYN the capture lost. Kept
	// and taken as heldResets.refusals.
	refusals map[*DataConn]decode.Unreachable
}

// holdUnreachable keeps a copy of an ICMP error that matched nothing.
func (t *Tracker) holdUnreachable(u *decode.Unreachable) {
	if t.unreach == nil {
		t.unreach = new(heldUnreachables)
	}
	h := t.unreach
	if old := &h.msgs[h.next]; old.Num == 0 {
		h.live++
	} else if u.TS.Sub(old.TS) <= t.answerWindow() {
		t.limits.UnreachablesHeldOverwritten++
	}
	h.msgs[h.next] = *u
	h.next = (h.next + 1) % maxHeldResets
	if dc := t.unreachableFor(u, nil); dc != nil {
		h.refusals = keepRefusal(t, h.refusals, dc, *u)
	}
}

// quotesHeldSYN tells whether the ICMP error u quotes a SYN held
// (holdSYN): the connection that SYN starts may yet be found
// (announceMayBeLost), and u with it.
func (t *Tracker) quotesHeldSYN(u *decode.Unreachable) bool {
	h := t.syns
	if h == nil || h.live == 0 {
		return false
	}
	for i := range h.segs {
		if s := &h.segs[i]; s.Num != 0 && s.Src == u.Src && s.Dst == u.Dst && s.Seq == u.Seq {
			return true
		}
	}
	return false
}

// replayUnreachable hands the data connection a SYN just matched the ICMP
// error held for it: one quoting exactly that SYN (its endpoints and
// sequence number), within answerWindow of it either way.
func (t *Tracker) replayUnreachable(syn *decode.Segment) {
	h := t.unreach
	window := t.answerWindow()
	for i := range h.msgs {
		u := &h.msgs[i]
		if u.Num == 0 {
			continue
		}
		if d := syn.TS.Sub(u.TS); d > window || d < -answerAfterSYN {
			if d > window {
				u.Num = 0 // too old to answer any SYN to come
				h.live--
			}
			continue
		}
		if u.Src != syn.Src || u.Dst != syn.Dst || u.Seq != syn.Seq {
			continue
		}
		c := *u
		u.Num = 0
		h.live--
		t.Unreachable(&c)
		return
	}
}
