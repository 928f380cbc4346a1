package track

import (
	"net/netip"
	"slices"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// Two sessions of one client may be told the same passive endpoint (a
// server whose passive range is one port, or that hands a port out again
// while an earlier session has not connected yet). A SYN to it fits both
// announcements equally by peers and port: which session it serves is
// told by what the sessions do, not by the SYN.

// maxRaced bounds the data connections whose session is a guess among
// several announcing one endpoint (Tracker.raced), waiting for the reply
// that settles it (settleRace). Past it the oldest stays the guess it is.
const maxRaced = 16

// raceRank orders announcements of one endpoint that a SYN fits equally
// well (matchSYN, pickUp): higher wins, and on equal ranks the newest.
// A session's own announcement over one waiting past its session's end
// (afterend.go); its latest over one it superseded with another since (a
// session that asked again holds the older endpoint no more: the server
// may have given it to another session); one a transfer command waits on
// (sent, no final reply yet) over one none does.
func raceRank(dc *DataConn) int {
	r := 0
	if dc.afterEnd == afterEndNo {
		r |= 4
	}
	if !dc.superseded {
		r |= 2
	}
	if c := dc.Command; c != nil && c.Final() == nil {
		r |= 1
	}
	return r
}

// raceTier: raceRank's part that is certain enough to leave no choice
// (matchSYN, pickUp): an open session's announcement over one waiting
// past its session's end (afterend.go). The rest of the rank picks the
// likelier of several that fit, a guess to settle (noteRace).
func raceTier(dc *DataConn) int { return raceRank(dc) & 4 }

// raceRival tells whether dc, an announcement that fitted a segment as
// well as best did (same score, same raceRank), could as well have been
// the one it connects to: another session's, nothing connected to it
// yet, not best's copy on the other side of a NAT (twin.go).
func raceRival(dc, best *DataConn) bool {
	return dc != best && dc.Session != best.Session && !dc.matched() && !dc.Done && dc.Twin != best && best.Twin != dc
}

// noteRace marks dc, just taken for the newest of among announcements of
// its endpoint by as many sessions (raceRival), as a guess to be settled
// (settleRace).
func (t *Tracker) noteRace(dc *DataConn, among int) {
	if among < 2 {
		return
	}
	dc.AmongRace = uint8(min(among, 255))
	if len(t.raced) >= maxRaced {
		t.raced = slices.Delete(t.raced, 0, 1) // the oldest stays a guess
	}
	t.raced = append(t.raced, dc)
}

// dropRaced takes dc out of those waiting to be settled (reported, or
// settled). One reported a guess still leaves its endpoint in doubt: a
// reply after it may be its transfer's, so one that fits another alone
// settles that one as a guess (settleRace).
func (t *Tracker) dropRaced(dc *DataConn) {
	if len(t.raced) == 0 {
		return
	}
	if i := slices.Index(t.raced, dc); i >= 0 {
		if dc.reported && dc.AmongRace >= 2 && (dc.Command == nil || dc.Command.Final() == nil) {
			t.doubtRace(dc, dc.came())
		}
		t.raced = slices.Delete(t.raced, i, i+1)
		if len(t.raced) == 0 {
			t.raced = nil
			t.pruneRaceDoubt()
		}
	}
}

// settleRace takes a reply to c, the transfer command of sess, for the
// server telling which session a data connection y whose session was a
// guess (AmongRace) among those that announced its endpoint served: its
// first 125 after y's SYN ("already open": the server has the
// connection; a 150, "about to open", may come as the server starts
// waiting, before the connection: preliminary does not ask), or, with
// ended, its 2yz final reply after y's end, or after y's last bytes
// while y is still up (the server sends its 226 as the data connection
// closes, or right after the last byte, the FIN following; one whose 1yz
// came before y told nothing). When c is y's own transfer command, the
// guess stands, settled; when c is another of those sessions' and waits
// on its announcement of y's endpoint, nothing connected to it and armed
// before y came, y is that announcement's (swapRace). A reply that names
// no transfer of y's endpoint settles nothing.
//
// One reply tells one connection, and only when it can be but one of
// those waiting: a 125 the one still open (one that ended before it was
// no longer "open"), else the one there is; a 2yz the one ended or
// carrying bytes. Where several fit, a 125 settles nothing: taking the
// first of them (the oldest guess) swapped a connection into a session
// whose own was another, and that session's announcement, its transfer
// then answered, ended without a connection while the connection that
// was its, coming later, found nothing to match (three sessions racing).
// A 2yz takes the one whose last packet came last, a guess. A reply
// that tells a connection is sess's that no swap can give it (sess's
// announcement taken by another connection), or one that fits one alone
// after a doubt on the endpoint (doubtedRace), settles nothing as
// certain: before, a later reply that fitted one alone settled it, the
// wrong session's, without a hedge (in 23 of 140 random orders of three
// sessions' commands, replies and segments, 46 with the 226 before the
// FIN: TestRaceRandomOrdersNeverWrongAndSure).
func (t *Tracker) settleRace(sess *Session, c *Command, ended bool) {
	// pick: the one that may be c's; open*: the same among those still
	// open (a 125). One that may be c's but whose announcement another
	// connection holds counts, though no swap can give it to c: that c's
	// is one of several is what stops a settlement.
	var pick, openPick, last *DataConn
	var lastEnd time.Time
	fits, open := 0, 0
	for _, y := range t.raced {
		end, yEnded := y.endSeen()
		if ended && !yEnded {
			// Servers often send the 226 right after the last byte, the
			// FIN following: one still up may be c's, the 226 following
			// its last bytes.
			if end = y.LastData(); end.IsZero() {
				continue
			}
		}
		if ended && y.Command != nil && y.Command != c && y.Command.Final() != nil {
			continue
		}
		if y.Session == sess && !slices.Contains(c.Transfer, y) || y.Session != sess && !slices.ContainsFunc(c.Transfer, func(o *DataConn) bool {
			return o.Announced == y.Announced && o.Passive == y.Passive
		}) {
			continue
		}
		if fits++; fits == 1 {
			pick = y
		}
		if ended && (last == nil || end.After(lastEnd)) {
			last, lastEnd = y, end
		}
		if !ended && !yEnded {
			if open++; open == 1 {
				openPick = y
			}
		}
	}
	guess, doubtedNow := false, false
	switch {
	case open == 1:
		pick = openPick
	case ended && fits > 1:
		// c's transfer had a connection (its 2yz), one of those: the one
		// that ended, or carried bytes, last before it (the server sends
		// its 226 as the connection closes, or after its last byte), a
		// guess still. Else its announcement would read not attempted, a
		// finding the transfer refutes.
		pick, guess, doubtedNow = last, true, true
		t.doubtRace(pick, t.last)
	case open > 1 || fits != 1:
		return // (several may be c's: a 226 may tell; each stays the guess it is)
	default:
		// One fits; where a guess took another before, that one may
		// have been c's.
		guess = t.doubted(pick)
	}
	if pick.Session != sess {
		i := slices.IndexFunc(c.Transfer, func(x *DataConn) bool { return raceSwappable(x, pick) })
		if i < 0 {
			// The reply tells pick is sess's, and no announcement of
			// sess can take it (another connection holds the one it
			// waited on): the guesses on the endpoint are wrong in a
			// way no swap mends, and a reply after this that fits one
			// alone must not settle it as certain. (Once: a 2yz that
			// fitted several doubted it already.)
			if !doubtedNow {
				t.doubtRace(pick, t.last)
			}
			return
		}
		t.swapRace(c.Transfer[i], pick)
	}
	if guess {
		// Still a guess: it stays among those waiting, so that the
		// connection that takes the announcement it left is called a
		// guess too (racedBefore).
		return
	}
	pick.AmongRace = 0
	t.dropRaced(pick)
}

// doubtedRace is a race's endpoint in doubt (Tracker.raceDoubt): from
// at, a guess on it was taken by a reply that fitted several, found
// wrong where no swap mends it, or left two connections in one session
// (raceUnplaced), each while a guess waits; or a guess was reported
// while its session's transfer had no final reply yet (that reply, to
// come, cannot be told from another's, and the connection of that
// session's may come yet).
type doubtedRace struct {
	ep     netip.AddrPort // the endpoint announced
	client netip.Addr     // the client host of the race
	at     time.Time      // the reply's time, or when the guess reported came
	sessID int            // the session of the guess reported; 0 for the others
	among  uint8          // the guess's AmongRace
}

// doubtRace notes the endpoint of y, a guess, in doubt from at.
func (t *Tracker) doubtRace(y *DataConn, at time.Time) {
	d := doubtedRace{ep: y.Announced, client: y.Client.Addr(), at: at, among: max(y.AmongRace, 2)}
	if y.reported {
		d.sessID = y.Session.ID
	}
	t.pruneRaceDoubt()
	if len(t.raceDoubt) >= maxRaced {
		t.raceDoubt = slices.Delete(t.raceDoubt, 0, 1)
	}
	t.raceDoubt = append(t.raceDoubt, d)
}

// doubted tells whether y, a connection of a race, is one a doubt
// concerns: on its endpoint, from its client host.
func (t *Tracker) doubted(y *DataConn) bool {
	return t.doubtOn(y.Announced, y.Client.Addr(), -1) > 0
}

// doubtOn is the AmongRace of a doubt on the endpoint ep from the client
// host client, but one of a guess reported in the session sessID (that
// session's own connection may be another, not the next); 0 for none.
func (t *Tracker) doubtOn(ep netip.AddrPort, client netip.Addr, sessID int) uint8 {
	for i := len(t.raceDoubt) - 1; i >= 0; i-- {
		d := &t.raceDoubt[i]
		if d.ep == ep && d.client == client && (d.sessID == 0 || d.sessID != sessID) && t.clock.since(d.at) <= t.opts.ExpectationTimeout {
			return d.among
		}
	}
	return 0
}

// pruneRaceDoubt lets go, once no guess waits, the doubts a waiting guess
// made, and those past ExpectationTimeout (no announcement armed before
// them waits still).
func (t *Tracker) pruneRaceDoubt() {
	if len(t.raced) > 0 || len(t.raceDoubt) == 0 {
		return
	}
	t.raceDoubt = slices.DeleteFunc(t.raceDoubt, func(d doubtedRace) bool {
		return d.sessID == 0 || t.clock.since(d.at) > t.opts.ExpectationTimeout
	})
	if len(t.raceDoubt) == 0 {
		t.raceDoubt = nil
	}
}

// raceTransferDone takes the final reply to a transfer of sess: a guess
// of sess reported before it is in doubt no more (its transfer answered,
// no connection that comes after is sess's, and no reply after it).
func (t *Tracker) raceTransferDone(sess *Session) {
	t.raceDoubt = slices.DeleteFunc(t.raceDoubt, func(d doubtedRace) bool { return d.sessID == sess.ID })
	if len(t.raceDoubt) == 0 {
		t.raceDoubt = nil
	}
}

// came is when the connection dc came: its first SYN, or, picked up
// without one, its start.
func (dc *DataConn) came() time.Time {
	if dc.SYNs == 0 {
		return dc.Start
	}
	return dc.FirstSYN
}

// raceSwappable tells whether x, an announcement a transfer command of
// another session waits on, may take y, a connection taken by a guess
// for an announcement of the same endpoint (settleRace): x was armed
// before y came and nothing connected to it, the two sessions share
// their hosts, and neither announcement carries a state that ties it to
// its own session beyond what swapRace exchanges.
func raceSwappable(x, y *DataConn) bool {
	if x == y || y.reported || x.matched() || x.Done || x.SYNs > 0 || !x.RSTTS.IsZero() || x.ICMP != nil {
		return false
	}
	if x.Announced != y.Announced || x.Passive != y.Passive || x.Announce == nil || y.Announce == nil {
		return false
	}
	if x.Armed.After(y.came()) {
		return false // not announced yet when y came: no candidate
	}
	xs, ys := x.Session, y.Session
	if xs.Client.Addr() != ys.Client.Addr() || xs.Server.Addr() != ys.Server.Addr() {
		return false
	}
	for _, dc := range [2]*DataConn{x, y} {
		if dc.superseded || dc.afterEnd != afterEndNo || dc.reused || dc.Twin != nil || dc.announceCut ||
			dc.beforePickUp != nil || dc.ownerWaits || dc.Announce.Conflict != nil || dc.Match == MatchAnnounceLost {
			return false
		}
		if m := dc.Session.xfer; m != nil && (m.lostActive.held == x || m.lostActive.held == y || m.lostActive.failed == x ||
			m.lostActive.failed == y || m.lostActive.stale.dc == x || m.lostActive.stale.dc == y) {
			return false
		}
	}
	return true
}

// swapRace makes y, a connection taken for its session's announcement,
// the connection of x's announcement instead, and x, which nothing
// connected to, an announcement of y's session waiting for its own: the
// two exchange what they hold of their sessions (the announcement, its
// number and order, the transfer command that uses it, with what that
// set), the connection's state staying where it is (the port index,
// the table of connections, what the sink chose for its payload).
func (t *Tracker) swapRace(x, y *DataConn) {
	xs, ys := x.Session, y.Session
	x.ID, y.ID = y.ID, x.ID
	x.Seq, y.Seq = y.Seq, x.Seq
	x.Session, y.Session = ys, xs
	x.Via, y.Via = y.Via, x.Via
	x.Armed, y.Armed = y.Armed, x.Armed
	x.ArmedNum, y.ArmedNum = y.ArmedNum, x.ArmedNum
	x.Announce, y.Announce = y.Announce, x.Announce
	x.Command, y.Command = y.Command, x.Command
	x.ExpectedSize, y.ExpectedSize = y.ExpectedSize, x.ExpectedSize
	x.Type, y.Type = y.Type, x.Type
	x.Rest, y.Rest = y.Rest, x.Rest
	x.protected, y.protected = y.protected, x.protected
	x.Announce.Data, y.Announce.Data = x, y
	for _, dc := range [2]*DataConn{x, y} {
		if c := dc.Command; c != nil {
			for i, o := range c.Transfer {
				if o == x || o == y {
					c.Transfer[i] = dc
				}
			}
		}
	}
	for _, s := range [2]*Session{xs, ys} {
		for i, o := range s.Data {
			switch o {
			case x:
				s.Data[i] = y
			case y:
				s.Data[i] = x
			}
		}
		if m := s.xfer; m != nil {
			m.lastAnn = swapped(m.lastAnn, x, y)
		}
	}
}

// swapped is y for x and x for y, any other as it is.
func swapped(p, x, y *DataConn) *DataConn {
	switch p {
	case x:
		return y
	case y:
		return x
	}
	return p
}

// raceUnplaced takes the SYN s, which matched nothing, for a data
// connection of a session racing for its endpoint when one of the
// connections to it is still a guess (t.raced): the race's announcements
// were all used (one of them, its session's transfer answered, ended
// without a connection while its own was taken by a guess for another),
// yet s came from the client host of that race to the endpoint a guess
// took, from another port once that connection was open (not its SYN
// again, nor a retry of one unanswered). Every connection of a race is
// its sessions': s is recorded under the session of the newest such
// guess, a guess itself (AmongRace as that one's), with no announcement
// nor command of its own, and counted (Limits.DataRaceUnplaced); that
// guess is settled by no later reply (either may be its session's). Before,
// it was counted only as to an endpoint taken, its bytes in no record.
func (t *Tracker) raceUnplaced(s *decode.Segment) bool {
	for i := len(t.raced) - 1; i >= 0; i-- {
		y := t.raced[i]
		sess := y.Session
		if y.Server != s.Dst || y.Client.Addr() != s.Src.Addr() || y.Client == s.Src || y.SynAckTS.IsZero() ||
			sess.ended || sess.quit || sess.Client.Addr() != s.Src.Addr() {
			continue
		}
		if !t.addInferred(sess, s, y.Passive, false, y.Match) {
			return false
		}
		if dc := t.lookupData(s.Src, s.Dst); dc != nil && dc.Session == sess {
			dc.Via, dc.Announced, dc.AmongRace = y.Via, y.Announced, y.AmongRace
		}
		// Two connections in y's session now, for one announcement: no
		// reply tells which is its; both stay guesses, and a reply that
		// fits another of the race alone may be theirs.
		t.doubtRace(y, y.came())
		t.dropRaced(y)
		t.limits.DataRaceUnplaced++
		return true
	}
	return false
}

// racedBefore is, for dc, the one announcement left that the SYN s took,
// how many sessions raced for its endpoint when a connection to it from
// the same client host is still a guess of another session (t.raced):
// dc is the last one free only because of that guess, a guess itself
// (settleRace may swap it); or while the endpoint is in doubt from that
// host (doubtOn: a guess of another session reported, its session's
// own connection perhaps still to come). 1 when none is.
func (t *Tracker) racedBefore(dc *DataConn, s *decode.Segment) int {
	for _, y := range t.raced {
		if y.Server == s.Dst && y.Client.Addr() == s.Src.Addr() && y.Session != dc.Session && y.Passive == dc.Passive {
			return int(y.AmongRace)
		}
	}
	// A guess reported (or doubted) on the endpoint lately: the
	// announcement it took may have been dc's session's, dc another's.
	if among := t.doubtOn(s.Dst, s.Src.Addr(), dc.Session.ID); among > 0 {
		return int(among)
	}
	return 1
}

// RaceUnplaced tells whether dc is a connection raceUnplaced recorded:
// to an endpoint several sessions raced for, it came when every
// announcement of it was used, and was taken for none (every connection
// a race noted came through an announcement: Announce set). Its session
// is a guess among AmongRace, and no transfer command of its own names
// its file or its direction.
func (dc *DataConn) RaceUnplaced() bool { return dc.AmongRace > 1 && dc.Announce == nil }
