package track

import (
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// A client may connect to a passive endpoint after its control
// connection closed: the server's listener may still be open, and a
// Linux FTP helper keeps its expectation through the FIN and TIME_WAIT
// (a data SYN sent 3 s after both control FINs was RELATED and carried
// its bytes through a real router). So the session's latest
// announcement (or the one the transfer command still waiting for its
// reply was tied to: a server blocked in accept keeps its listener), when
// nothing connected to it yet and its wait
// (ExpectationTimeout from its reply or its transfer command) is not
// over, waits on when the control connection closes by FIN or RST (at
// most afterEndWait more), and
// the session's end (its record) waits with it, as it does for a data
// connection still moving data: a connection to it is the session's,
// and when none comes it is final at the end of its wait as it would
// have been at the session's end (not attempted, not cut short by the
// capture's end). Its own peer's SYN to its endpoint (exact, or the
// control address at its port) takes it then, and another session's
// announcement of the same endpoint wins a tie. Another host's SYN to
// the endpoint (another source to the announced or the control address:
// a theft of the port, or a NAT pool that gives the client another
// address) takes it too, within PortOnlyWindow of the announcement as
// while the session was open, but only a connection it completed and
// used stands: one that failed (unanswered, refused) or a scan's is
// given back (releaseStranger), and the announcement waits on; after
// the close nothing says the endpoint still listened for anyone, so a
// stranger's failure there is no failure of the data connection's.
//
// A session whose QUIT a 221 answered holds none as its own: vsftpd,
// ProFTPD and Pure-FTPd end the session's process at QUIT, its listener
// with it, so a connection after that is not this session's (another
// session's, one the capture does not show, or a client reusing an old
// endpoint; behind a shared NAT address, another host's). Its latest
// announcement still waits the same while there is room (afterEndQuit:
// out of the port index, it takes no SYN), so that its not-attempted
// record can tell that one came after all: its own peer's SYN to it
// (exact, or the control address at its port) that matched nothing
// else (afterQuit) notes how long after the session's end it came
// (DataConn.ConnectedAfterQuit), is counted (Limits.DataAfterQuit) and
// not followed, and makes the announcement final at once. Such holds
// give way to the others: never cut (their outcome is not-attempted
// whatever comes), let go first when MaxAfterEnd wait, and not made when
// MaxAfterEnd wait already. An idle close (decode's guess), an eviction
// or the capture's end hold none.
//
// At most MaxAfterEnd wait so at once (each holds its session); past
// that the oldest is let go at once (Limits.AfterEndNotHeld), not
// followed to the end of its wait: its outcome is undetermined
// (DataConn.AfterCloseCut), no verdict, and its endpoint, the peer that
// was to connect and its session's end are kept (cutAfterEnd, as many
// again at most) so that the connection its peer makes within the wait is
// taken for no other announcement of the port by the port alone (a
// stranger's there: a false theft, or a failure with a rule).

// afterEndMark tells whether an announcement waited past its session's
// end (DataConn.afterEnd).
type afterEndMark uint8

const (
	afterEndNo   afterEndMark = iota
	afterEndHeld              // waits, or waited, past its session's end
	afterEndCut               // let go by the bound before its wait was over
	afterEndQuit              // waits past a 221 to its session's QUIT: told of a SYN after, never taken by one
)

// MaxAfterEnd bounds the announcements waiting past their session's end.
const MaxAfterEnd = 256

// afterEndWait is how long past its session's end an announcement waits
// at most (less when its own wait ends sooner): the Linux conntrack
// TIME_WAIT (nf_conntrack_tcp_timeout_time_wait, 120 s), past which a
// router's FTP helper keeps no expectation of the closed connection; a
// client that connects after closing its control connection does so at
// once (the lab's 3 s). The session's record waits with it: a live
// capture shows its end that much late.
const afterEndWait = 2 * time.Minute

// waitsAfterEnd tells whether dc waits past its session's end for a
// connection still.
func waitsAfterEnd(dc *DataConn) bool {
	return dc.afterEnd != afterEndNo && !dc.Done && !dc.matched()
}

// holdAfterEnd keeps the latest announcement of sess, ending for reason,
// waiting past the end when it may (see above), and returns it; nil when
// it does not.
func (t *Tracker) holdAfterEnd(sess *Session, reason EndReason) *DataConn {
	if reason != EndFIN && reason != EndRST {
		return nil
	}
	dc := sess.lastAnn()
	if dc == nil {
		dc = awaitedAnn(sess)
	}
	if dc == nil || dc.Done || dc.matched() || dc.SYNs > 0 || dc.Announce == nil || dc.Announce.Conflict != nil ||
		dc.superseded || !dc.Announced.IsValid() || !accepted(dc.Announce) || t.late(dc) ||
		!slices.Contains(t.byPort[dc.Announced.Port()], dc) {
		return nil
	}
	if !dc.Passive && dc.Command == nil {
		// A server connects for a PORT only after a transfer command.
		return nil
	}
	if dc.Command != nil && dc.Command.Status != StatusPending {
		// Its transfer command had its final reply (a 550 refusing it,
		// a 226, a 425): no connection comes for it now.
		return nil
	}
	dc.afterEnd = afterEndHeld
	if sess.quit {
		dc.afterEnd = afterEndQuit
	}
	if !t.keepAfterEnd(dc) {
		dc.afterEnd = afterEndNo
		return nil
	}
	if sess.quit {
		t.unwait(dc) // (only afterQuit looks for its peer's SYN)
	}
	return dc
}

// awaitedAnn is the announcement the newest transfer command still
// waiting for its reply was tied to (linkTransfer: no longer lastAnn), nil
// for none: a client that sent RETR and closed may still connect (a
// server blocked in accept keeps its listener: vsftpd's accept_timeout).
func awaitedAnn(sess *Session) *DataConn {
	for i := len(sess.pending) - 1; i >= 0; i-- {
		if c := sess.pending[i]; len(c.Transfer) > 0 {
			return c.Transfer[len(c.Transfer)-1]
		}
	}
	return nil
}

// keepAfterEnd lists dc, waiting past its session's end, in t.afterEnd
// (once), letting one go when MaxAfterEnd wait so already: the oldest
// held past a QUIT, else the oldest. It reports whether dc is listed: one
// held past a QUIT is not when MaxAfterEnd wait already.
func (t *Tracker) keepAfterEnd(dc *DataConn) bool {
	if slices.Contains(t.afterEnd, dc) {
		return true
	}
	if len(t.afterEnd) >= MaxAfterEnd {
		t.forgetAfterEnd()
	}
	if len(t.afterEnd) >= MaxAfterEnd {
		if dc.afterEnd == afterEndQuit {
			return false
		}
		if i := slices.IndexFunc(t.afterEnd, func(x *DataConn) bool { return x.afterEnd == afterEndQuit }); i >= 0 {
			// Final now, not attempted, as without its hold.
			x := t.afterEnd[i]
			t.afterEnd = slices.Delete(t.afterEnd, i, i+1)
			x.atEnd = false
			t.finishData(x)
		} else {
			t.limits.AfterEndNotHeld++
			t.cutAfterEnd(t.afterEnd[0])
			t.releaseAfterEnd(1)
		}
	}
	t.afterEnd = append(t.afterEnd, dc)
	return true
}

// afterQuit reports whether SYN s, which matched nothing, is the own
// peer's connection to an announcement held past its session's QUIT
// (afterEndQuit), to its endpoint or the control address at its port,
// within its wait: not the announcement's (the server's session and its
// listener ended at the QUIT), but told by it (how long after the
// session's end: ConnectedAfterQuit) and counted (Limits.DataAfterQuit).
// The announcement is final at once, its session's record no longer held.
func (t *Tracker) afterQuit(s *decode.Segment) bool {
	from, to := s.Src.Addr().Unmap(), s.Dst.Addr().Unmap()
	for _, dc := range t.afterEnd {
		if dc.afterEnd != afterEndQuit || dc.Announced.Port() != s.Dst.Port() || !waitsAfterEnd(dc) || t.overdue(dc) {
			continue
		}
		connector, listener := dc.Session.Client.Addr(), dc.Session.Server.Addr()
		if !dc.Passive {
			connector, listener = listener, connector
		}
		if from != connector.Unmap() || to != dc.Announced.Addr().Unmap() && to != listener.Unmap() {
			continue
		}
		dc.afterQuit = uint16(min(t.clock.since(dc.Session.End)/(time.Second/10), math.MaxUint16-1) + 1)
		t.limits.DataAfterQuit++
		dc.atEnd = false
		t.finishData(dc) // (forgetAfterEnd lets go of it at the tick)
		return true
	}
	return false
}

// releaseAfterEnd makes the oldest n announcements waiting past their
// session's end final now, as at their session's end (nothing connected:
// not attempted), and reports the sessions they held.
func (t *Tracker) releaseAfterEnd(n int) {
	n = min(n, len(t.afterEnd))
	for _, dc := range t.afterEnd[:n] {
		if waitsAfterEnd(dc) {
			dc.atEnd = false
			t.finishData(dc)
		}
	}
	t.afterEnd = slices.Delete(t.afterEnd, 0, n)
}

// forgetAfterEnd lets go of the announcements no longer waiting past
// their session's end (connected to, or final): each held its session,
// which is reported and must not stay behind (tick, once a second).
func (t *Tracker) forgetAfterEnd() {
	t.afterEnd = slices.DeleteFunc(t.afterEnd, func(x *DataConn) bool { return !waitsAfterEnd(x) })
}

// forgetCut lets go of the cut announcements whose wait is over, which
// cutOwn no longer matches (tick, once a second): a SYN matched by its
// port alone would scan them to the capture's end.
func (t *Tracker) forgetCut() {
	t.cut = slices.DeleteFunc(t.cut, func(c cutAnn) bool { return t.clock.since(c.end) > afterEndWait })
}

// cutAnn is an announcement the bound let go before its wait past
// its session's end was over (cutAfterEnd): its endpoint, the control
// address it may be reached at too (the listener's), the peer that was
// to connect and its session's end, from which it would have waited.
type cutAnn struct {
	endpoint netip.AddrPort
	listener netip.Addr
	from     netip.Addr
	end      time.Time
}

// cutAfterEnd marks dc, waiting past its session's end, as let go by the
// bound (its outcome undetermined: finalData) and keeps what tells its
// own peer's connection apart (t.cut, at most MaxAfterEnd, the oldest out
// first).
func (t *Tracker) cutAfterEnd(dc *DataConn) {
	if !waitsAfterEnd(dc) {
		return
	}
	dc.afterEnd = afterEndCut
	from, listener := dc.Session.Client.Addr(), dc.Session.Server.Addr()
	if !dc.Passive {
		from, listener = listener, from
	}
	if len(t.cut) >= MaxAfterEnd {
		t.cut = slices.Delete(t.cut, 0, 1)
	}
	t.cut = append(t.cut, cutAnn{endpoint: dc.Announced, listener: listener.Unmap(), from: from.Unmap(),
		end: dc.Session.End})
}

// cutOwn tells whether SYN s is the own peer's connection to an
// announcement the bound let go before its wait was over (cutAfterEnd):
// not another announcement's stranger.
func (t *Tracker) cutOwn(s *decode.Segment) bool {
	from, to := s.Src.Addr().Unmap(), s.Dst.Addr().Unmap()
	for _, c := range t.cut {
		if c.from == from && c.endpoint.Port() == s.Dst.Port() && (to == c.endpoint.Addr().Unmap() || to == c.listener) &&
			t.clock.since(c.end) <= afterEndWait {
			return true
		}
	}
	return false
}

// ConnectedAfterQuit tells whether dc, an announcement nothing connected
// to while its session was open, its session ended by a 221 to its QUIT,
// had a connection attempt (a SYN) from its own peer that was to connect
// (the client, passive; the server, active) within its wait past that end
// (afterend.go), and how long after the end it came, to a tenth of a
// second. Not dc's connection: the server ended the session and its
// listener at the QUIT; another session's (one the capture does not
// show), or a client reusing an old endpoint. Not followed; counted in
// Limits.DataAfterQuit.
func (dc *DataConn) ConnectedAfterQuit() (time.Duration, bool) {
	if dc.afterQuit == 0 {
		return 0, false
	}
	return time.Duration(dc.afterQuit-1) * (time.Second / 10), true
}

// AfterCloseCut tells whether dc, its session's latest announcement
// nothing had connected to when the control connection closed, was let go
// before its wait past the close was over because MaxAfterEnd others
// waited so (Limits.AfterEndNotHeld): its outcome is undetermined, not
// "not attempted": a connection to it after that was not followed.
func (dc *DataConn) AfterCloseCut() bool { return dc.afterEnd == afterEndCut }
