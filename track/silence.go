package track

import (
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// How long a session ended in silence (an idle close, the capture's end)
// was watched after its last packet (Session.Watched) is packet time the
// capture looked, not the stamps' difference. Across a gap where nothing
// was captured after its last packet (the time between two input files,
// InputBreak; a forward step of more than a day, which no wait counts),
// the capture stopped watching it: it ends with what was captured, as it
// would in a capture that ended there (EndCaptureEnd, watched until the
// gap), not as idle, and the gap is not said to be its client's silence:
// it may have closed in it. Across a step back of the capture's clock,
// the time watched is what the packet clock counts (the time before the
// step and after it), not the stamps' difference, a day too long or
// negative.

// silentEnd is the end reason of sess, whose control connection decode
// closed for reason with its last packet at sess.lastSeen, and sets
// sess.Watched for a gap or a step of the clock since that packet.
func (t *Tracker) silentEnd(sess *Session, reason EndReason) EndReason {
	if reason != EndIdle && reason != EndCaptureEnd || sess.lastSeen.IsZero() {
		return reason
	}
	if at, ok := t.gapAfter(sess.lastSeen); ok {
		if at.Before(sess.Watched) {
			sess.Watched = at
		}
		return EndCaptureEnd
	}
	if t.clock.counted != (clockCount{}) {
		// (A close at the capture's end comes at its latest time
		// stamped, from before a step back, even for a session after it.)
		sess.Watched = sess.lastSeen.Add(t.clock.since(sess.lastSeen))
	}
	return reason
}

// gapAfter is the latest packet time before the first gap after ts where
// nothing was captured (an input break, or a forward step of more than
// decode.MaxClockStep: not a live wall clock's step, which the capture
// watched across), if one is kept.
func (t *Tracker) gapAfter(ts time.Time) (at time.Time, ok bool) {
	for _, b := range t.breaks {
		if !b.after.Before(ts) && (!ok || b.after.Before(at)) {
			at, ok = b.after, true
		}
	}
	for i := range t.clock.steps {
		if s := &t.clock.steps[i]; s.forward() && !s.live && !s.before.Before(ts) && s.start.Sub(s.before) > decode.MaxClockStep && (!ok || s.before.Before(at)) {
			at, ok = s.before, true
		}
	}
	return at, ok
}
