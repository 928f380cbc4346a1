package track

import "slices"

// What the open sessions keep of their data connections (Session.Data),
// beyond each session's own bound (MaxDataPerSession): a client can have
// a server announce endpoints as fast as it asks (every PASV answered
// by a 227, none used), in each of thousands of sessions at once, and
// every one kept costs its record (with its announcement's command and
// reply, about 1 KB), the findings an output keeps for it, and a step of
// every look back at the session's connections (arm, the diagnosis).

// maxUnusedKept is how many announcements nothing used and a later one
// superseded (unusedAnnouncement) a session keeps in Data: past them
// each such one leaves Data once reported (its record and findings were
// written; a transcript shows it under its kept announcement), counted
// in Limits.UnusedNotKept. The first ones tell the admin what the
// client did; the session's latest announcement is kept whatever it is
// (lastAnn); connections the client tried are kept as before.
const maxUnusedKept = 16

// DefaultDataBudget bounds the data connections all open sessions keep
// in Data together (Options.DataBudget): past it each session keeps
// only its live and latest ones, as with RecentOnly, down to recentMin
// (Limits.DataBudget). As many as one session keeps (MaxDataPerSession):
// each costs about 1 KB with its announcement, and as much again in
// what an output keeps of its findings.
const DefaultDataBudget = 4096

// unusedAnnouncement tells whether dc, reported, is an announcement
// nothing used: no transfer command took it, and nothing tried it (no
// SYN, refusal or ICMP error), not attempted, and not its session's
// latest.
func unusedAnnouncement(sess *Session, dc *DataConn) bool {
	return dc.Announce != nil && dc.Command == nil && dc.Outcome == OutcomeNotAttempted &&
		dc.SYNs == 0 && !dc.matched() && dc.RSTTS.IsZero() && dc.ICMP == nil && dc != sess.lastAnn()
}

// unusedRun is what an open session reported of announcements nothing
// used (letUnusedGo): kept, those it keeps (at most maxUnusedKept); over,
// those past them still in Data.
type unusedRun struct{ kept, over int }

// letUnusedGo notes dc, just reported, when it is an announcement nothing
// used; past the session's first maxUnusedKept such ones, they leave
// Data, together once there are as many as half of Data (at least
// maxUnusedKept): one walk of Data for that many, and what looks back at
// Data by place (the diagnosis's running votes of the capture point,
// which start over when one leaves) starts over as rarely. An ended
// session keeps all it holds: its diagnosis at its end looks back at
// them, and it is let go at once; one that keeps only its live and
// latest ones (recentData) drops them all (dropReported).
func (t *Tracker) letUnusedGo(dc *DataConn) {
	sess := dc.Session
	if sess == nil || sess.recentData || sess.ended || sess.reported || !unusedAnnouncement(sess, dc) {
		return
	}
	if t.unusedKept == nil {
		t.unusedKept = map[*Session]unusedRun{}
	}
	run := t.unusedKept[sess]
	if run.kept < maxUnusedKept {
		run.kept++
	} else {
		run.over++
	}
	if run.over >= max(maxUnusedKept, len(sess.Data)/2) {
		t.dropUnused(sess)
		run.over = 0
	}
	t.unusedKept[sess] = run
}

// dropUnused takes out of sess.Data the reported announcements nothing
// used past its first maxUnusedKept.
func (t *Tracker) dropUnused(sess *Session) {
	seen := 0
	kept := sess.Data[:0]
	for _, x := range sess.Data {
		if x.reported && unusedAnnouncement(sess, x) {
			if seen < maxUnusedKept {
				seen++
			} else {
				t.limits.UnusedNotKept++
				if !sess.recentOnly && !x.Announce.kept() {
					sess.DataNotKept++ // (the transcript shows the others under their announcement)
				}
				continue
			}
		}
		kept = append(kept, x)
	}
	t.listed(sess, len(kept)-len(sess.Data))
	clear(sess.Data[len(kept):])
	sess.Data = kept
}

// listed counts n data connections more (n < 0: fewer) in the Data of
// sess, an open session (DataBudget); a reported one was counted out
// whole (dataReleased).
func (t *Tracker) listed(sess *Session, n int) {
	if !sess.reported {
		t.dataListed += n
	}
}

// unlist takes dc out of sess's Data and counts it out (listed); false
// when it was not there.
func (t *Tracker) unlist(sess *Session, dc *DataConn) bool {
	i := slices.Index(sess.Data, dc)
	if i < 0 {
		return false
	}
	sess.Data = slices.Delete(sess.Data, i, i+1)
	t.listed(sess, -1)
	return true
}

// dataReleased counts out what a session reported at its end kept in
// Data.
func (t *Tracker) dataReleased(sess *Session) {
	t.dataListed -= len(sess.Data)
	delete(t.unusedKept, sess)
}

// dataKeep is how many data connections sess keeps in Data before it
// drops the reported ones (addToSession), and makes it keep only its
// live and latest ones once the open sessions hold DataBudget.
func (t *Tracker) dataKeep(sess *Session) int {
	if t.dataListed < t.opts.DataBudget {
		return recentKept
	}
	sess.recentData = true
	return recentMin
}

// dropReportedFor drops sess's reported data connections (dropReported)
// down to about half of keep, and counts those the budget made it drop.
func (t *Tracker) dropReportedFor(sess *Session, keep int) {
	n := len(sess.Data)
	t.dropReported(sess, keep)
	dropped := n - len(sess.Data)
	t.listed(sess, -dropped)
	if keep < recentKept {
		t.limits.DataBudget += dropped
	}
}
