package track

import (
	"slices"
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
// settled).
func (t *Tracker) dropRaced(dc *DataConn) {
	if len(t.raced) == 0 {
		return
	}
	if i := slices.Index(t.raced, dc); i >= 0 {
		t.raced = slices.Delete(t.raced, i, i+1)
		if len(t.raced) == 0 {
			t.raced = nil
		}
	}
}

// settleRace takes a reply to c, the transfer command of sess, for the
// server telling which session a data connection y whose session was a
// guess (AmongRace) among those that announced its endpoint served: its
// first 125 after y's SYN ("already open": the server has the
// connection; a 150, "about to open", may come as the server starts
// waiting, before the connection: preliminary does not ask), or, with
// ended, its 2yz final reply after y's end (the server sends its 226 as
// the data connection closes; one whose 1yz came before y told nothing). When c is y's own transfer command, the
// guess stands, settled; when c is another of those sessions' and waits
// on its announcement of y's endpoint, nothing connected to it and armed
// before y came, y is that announcement's (swapRace). A reply that names
// no transfer of y's endpoint settles nothing.
func (t *Tracker) settleRace(sess *Session, c *Command, ended bool) {
	for i := 0; i < len(t.raced); i++ {
		y := t.raced[i]
		if ended {
			if _, ok := y.endSeen(); !ok || y.Command != nil && y.Command != c && y.Command.Final() != nil {
				continue
			}
		}
		settled := false
		if y.Session == sess {
			settled = slices.Contains(c.Transfer, y)
		} else {
			for _, x := range c.Transfer {
				if raceSwappable(x, y) {
					t.swapRace(x, y)
					settled = true
					break
				}
			}
		}
		if settled {
			y.AmongRace = 0
			t.dropRaced(y)
			i--
		}
	}
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
	came := y.FirstSYN
	if y.SYNs == 0 {
		came = y.Start // (picked up without its SYN)
	}
	if x.Armed.After(came) {
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
