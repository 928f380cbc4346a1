package track

import (
	"slices"
	"time"
)

// A client may connect to a passive endpoint after its control
// connection closed: the server's listener may still be open, and a
// Linux FTP helper keeps its expectation through the FIN and TIME_WAIT
// (a data SYN sent 3 s after both control FINs was RELATED and carried
// its bytes through a real router). So the session's latest
// announcement, when nothing connected to it yet and its wait
// (ExpectationTimeout from its reply or its transfer command) is not
// over, waits on when the control connection closes by FIN or RST (at
// most afterEndWait more), and
// the session's end (its record) waits with it, as it does for a data
// connection still moving data: a connection to it is the session's,
// and when none comes it is final at the end of its wait as it would
// have been at the session's end (not attempted, not cut short by the
// capture's end). Only its own peer's SYN to its endpoint (exact, or the
// control address at its port) takes it then, and another session's
// announcement of the same endpoint wins a tie: no stranger's
// connection, nor another session's, is taken for it.
//
// At most maxAfterEnd wait so at once (each holds its session); past
// that the oldest is final at once (Limits.AfterEndNotHeld). An idle
// close (decode's guess), an eviction or the capture's end hold none.

// maxAfterEnd bounds the announcements waiting past their session's end.
const maxAfterEnd = 256

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
	return dc.afterEnd && !dc.Done && !dc.matched()
}

// holdAfterEnd keeps the latest announcement of sess, ending for reason,
// waiting past the end when it may (see above), and returns it; nil when
// it does not.
func (t *Tracker) holdAfterEnd(sess *Session, reason EndReason) *DataConn {
	if reason != EndFIN && reason != EndRST {
		return nil
	}
	dc := sess.lastAnn()
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
	if len(t.afterEnd) >= maxAfterEnd {
		t.forgetAfterEnd()
	}
	if len(t.afterEnd) >= maxAfterEnd {
		t.limits.AfterEndNotHeld++
		t.releaseAfterEnd(1)
	}
	dc.afterEnd = true
	t.afterEnd = append(t.afterEnd, dc)
	return dc
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
