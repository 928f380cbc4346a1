package diagnose

import (
	"fmt"
	"slices"
	"time"
)

// DropWindow is a span of packet time in which the capture point itself
// lost packets: live's kernel drop counters rose between two readings
// (From, To: the readings' times, on the clock the packets are stamped
// with), Packets of them. A packet the capture lost looks, to the tracker,
// like one that never crossed the capture point, so a finding that rests
// on the absence of a packet in or next to such a span may be the
// capture's doing, not the network's.
type DropWindow struct {
	From, To time.Time
	Packets  uint64
}

// maxDropWindows bounds the windows kept: windows that touch (within
// dropSlack) are one; past the bound the two closest are joined, so a
// window kept never leaves out a time a drop was told for (it may take
// in time between two that had none: hedging more, never less).
const maxDropWindows = 64

// dropSlack is how near a window must come to the time a missing packet
// was due to hedge it: the counters are read once a second, and the
// packets' clock may lag the reading by what the ring held.
const dropSlack = 2 * time.Second

// dropReach is how long after the latest packet of what a finding is
// about the packets it lacks would have come: a transfer command and a
// data connection's first SYNs after the announcement, a reply after a
// command.
const dropReach = 10 * time.Second

// captureDrops is what CaptureDropped was told: the windows, ordered by
// From, and the packets in all.
type captureDrops struct {
	w     []DropWindow
	total uint64
}

// CaptureDropped tells the diagnoser that the capture point lost
// w.Packets packets between w.From and w.To (live: its kernel drop
// counters rose between two readings). Findings reported afterwards that
// rest on the absence of a packet due then are hedged (hedgeDropped).
// Windows may come in any order; an empty one is ignored.
func (d *Diagnoser) CaptureDropped(w DropWindow) {
	if w.Packets == 0 || w.From.IsZero() && w.To.IsZero() {
		return
	}
	if w.To.Before(w.From) {
		w.From, w.To = w.To, w.From
	}
	c := &d.drops
	c.total += w.Packets
	i := len(c.w)
	for i > 0 && c.w[i-1].From.After(w.From) {
		i--
	}
	c.w = append(c.w, DropWindow{})
	copy(c.w[i+1:], c.w[i:])
	c.w[i] = w
	// Join what touches the new window, then the closest pair while
	// too many are kept.
	for j := 0; j+1 < len(c.w); {
		if c.w[j+1].From.Sub(c.w[j].To) <= dropSlack {
			c.join(j)
			continue
		}
		j++
	}
	for len(c.w) > maxDropWindows {
		best := 0
		for j := 1; j+1 < len(c.w); j++ {
			if c.w[j+1].From.Sub(c.w[j].To) < c.w[best+1].From.Sub(c.w[best].To) {
				best = j
			}
		}
		c.join(best)
	}
}

// join makes windows j and j+1 one.
func (c *captureDrops) join(j int) {
	a, b := &c.w[j], c.w[j+1]
	if b.To.After(a.To) {
		a.To = b.To
	}
	a.Packets += b.Packets
	c.w = append(c.w[:j+1], c.w[j+2:]...)
}

// near returns the packets lost in the windows within dropSlack of
// [from, to], and the span those windows take (n 0: none).
func (c *captureDrops) near(from, to time.Time) (n uint64, first, last time.Time) {
	from, to = from.Add(-dropSlack), to.Add(dropSlack)
	for _, w := range c.w {
		if w.To.Before(from) || w.From.After(to) {
			continue
		}
		if n == 0 {
			first = w.From
		}
		n += w.Packets
		last = w.To
	}
	return n, first, last
}

// absenceSpan returns when the packets f lacks were due, for the findings
// that rest on the absence of a packet in the capture (restsOnAbsenceForm):
// a data connection never seen or never answered (data-not-attempted,
// active-blocked, data-unanswered with its SYN-ACK lost or not,
// data-answer-missing, a path MTU black hole read from resends alone), a
// control connection never answered (control-unanswered), a control
// segment never acknowledged (control-undelivered), a final reply never
// seen (control-idle-timeout), a server that never greeted
// (session-refused without a word), a command that got no reply before
// the control connection was reset or closed (control-reset,
// command-unanswered; or no connection and no command after a 227 before
// the client's reset: control-reset too). The span runs from the earliest
// packet the finding rests on (its data connection's, else its own time,
// not its session's start) to dropReach past the latest. ok false: f
// rests on what the capture holds.
func absenceSpan(f *Finding) (from, to time.Time, ok bool) {
	span := func(ts ...time.Time) {
		for _, t := range ts {
			if t.IsZero() {
				continue
			}
			if from.IsZero() || t.Before(from) {
				from = t
			}
			if t.After(to) {
				to = t
			}
		}
	}
	if !restsOnAbsenceForm(f) {
		return from, to, false
	}
	span(f.TS)
	if dc := f.Data; dc != nil {
		span(dc.Armed, dc.FirstSYN, dc.LastSYN, dc.Start, dc.End)
		if c := dc.Announce; c != nil {
			span(c.TS)
		}
		if c := dc.Command; c != nil {
			span(c.TS)
			if r := c.Final(); r != nil {
				span(r.TS)
			}
		}
	} else {
		// Not the whole session: one drop burst anywhere in an
		// hours-long session must not hedge a reply lost at its end.
		// The missing packet was due from the finding's own time: the
		// end of the transfer or the final reply whose 226 or
		// acknowledgment never came (control-idle-timeout; not its
		// command, which began a transfer maybe hours long), the first
		// send of the segment never acknowledged to its last resend
		// (control-undelivered).
		// A reply to a command that got none (control-reset,
		// command-unanswered) was due from the command to the end.
		span(f.resentUntil)
		if s := f.Session; s != nil {
			switch f.Code {
			case CodeControlUnanswered:
				// The session is its connection attempts alone.
				span(s.Start, s.End)
			case CodeSessionRefused:
				span(s.Start) // the greeting was due from the start
			case CodeControlReset, CodeCommandUnanswered:
				if c := f.Command; c != nil {
					span(c.TS, s.End)
				}
			}
		}
	}
	return from, to.Add(dropReach), !from.IsZero()
}

// hedgeDropped rewrites f when it rests on the absence of a packet due
// at a time the capture point dropped packets (CaptureDropped): the
// missing packet may be among them. Its message says so, with the count
// and the time; its advice is to capture again without drops, never a
// rule or a setting (a firewall fix read from the capture's own loss
// would be wrong); and it is one step less grave: an error a warning,
// a warning a note, since the failure is not proven. The server's
// verdict counts it apart (serverAcc.dropped).
func (d *Diagnoser) hedgeDropped(f *Finding) {
	if len(d.drops.w) == 0 || f.capDropped {
		return
	}
	from, to, ok := absenceSpan(f)
	if !ok {
		return
	}
	n, first, last := d.drops.near(from, to)
	if n == 0 {
		return
	}
	f.capDropped = true
	if f.Severity > SeverityInfo {
		f.Severity--
	}
	f.Message += fmt.Sprintf(" This capture point dropped %d packet%s at that time (between %s and %s UTC): the missing packets may be among them, so this may be the capture's loss, not the network's.",
		n, pluralS(n), first.UTC().Format("15:04:05"), last.UTC().Format("15:04:05"))
	f.Advice = dropAdvice
}

// dropAdvice is the advice of a finding hedgeDropped rewrote.
const dropAdvice = "Capture again without drops before changing a firewall or the server (live: a larger --buffer-size, more --workers, or a narrower filter; tcpdump: a larger -B): if it comes back with no drops, it is the network's. What the client or the server logged for this transfer tells now whether it failed."

func pluralS(n uint64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// absenceCodes are the codes of findings that may rest on an absence,
// the ones absenceSpan spans (some only in one form: PMTUBlackHole read
// from resends, SessionRefused with no word: restsOnAbsenceForm) and
// hedgeDropped rewrites; the packet filter's hedge takes its data
// connection codes (restsOnAbsence).
var absenceCodes = []string{CodeDataNotAttempted, CodeActiveBlocked, CodeDataUnanswered, CodeDataAnswerMissing, CodePMTUBlackHole,
	CodeControlUnanswered, CodeControlUndelivered, CodeControlIdle, CodeSessionRefused, CodeControlReset, CodeCommandUnanswered}

// restsOnAbsenceForm reports whether f is of one of absenceCodes, in the
// form that rests on an absence: a path MTU black hole read from resends
// alone, a session refused without a word, any form of the others.
func restsOnAbsenceForm(f *Finding) bool {
	switch {
	case f == nil || !slices.Contains(absenceCodes, f.Code):
		return false
	case f.Code == CodePMTUBlackHole:
		return f.mtuSuspected
	case f.Code == CodeSessionRefused:
		return f.silent
	}
	return true
}

// capturedDropped: the verdict of a server every one of whose findings
// that rest on an absence was hedged for the capture's drops
// (hedgeDropped): nothing is known to have failed, and no change is
// given.
func (v *verdictWriter) captureDropped() {
	a := v.a
	v.accountFor(absenceCodes...)
	v.text = fmt.Sprintf("%s on packets missing at times this capture point dropped packets (%d in all): the capture does not show whether those connections or replies failed; capture again without drops before changing anything",
		plural(a.dropped, "finding rests", "findings rest"), v.d.drops.total)
}

// droppedNote is what the verdict adds when it leads with something else
// and findings were hedged for the capture's drops.
func (a *serverAcc) droppedNote() string {
	if a.dropped == 0 {
		return ""
	}
	return "; " + plural(a.dropped, "more finding rests", "more findings rest") + " on packets missing at times this capture point dropped packets: not counted as failures"
}

// droppedLeads reports whether the verdict leads with the findings hedged
// for the capture's drops: every finding of a code hedgeDropped rewrites
// was rewritten, and no error, problem or address mismatch is left.
func (a *serverAcc) droppedLeads() bool {
	if a.dropped == 0 || len(a.errs) > 0 || len(a.problems) > 0 || len(a.failPorts) > 0 || a.natSerious > 0 {
		return false
	}
	n := 0
	for _, c := range absenceCodes {
		n += a.findings[c]
	}
	return n == a.dropped
}
