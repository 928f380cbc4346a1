package decode

import (
	"testing"
	"time"
)

// TestIdleClosedResumesHoursLater guards a control connection closed as
// idle whose bytes come back hours later (a client left open overnight):
// its tombstone held tombstoneTTL (4 min) only, so the bytes started a
// session picked up mid-stream, "login not visible (before the capture)",
// while its login was in the capture. They pick it up again
// (ResumesIdleClose) for idleResumeTTL; a new connection on the same
// 4-tuple (a SYN) is a new session all the same, and bytes past the
// tombstone's life start one picked up mid-stream.
func TestIdleClosedResumesHoursLater(t *testing.T) {
	for _, tc := range []struct {
		name    string
		after   time.Duration // after the last login reply
		syn     bool          // a new connection on the 4-tuple
		resumed bool
	}{
		{"a command ten hours later", 10 * time.Hour, false, true},
		{"a new connection on the 4-tuple ten hours later", 10 * time.Hour, true, false},
		{"a command past the tombstone's life", idleClose + idleResumeTTL + time.Minute, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := newIdleScene(t)
			last := sc.ctl.ts
			sc.tickTo(last.Add(tc.after))
			c := sc.ctl
			if tc.syn {
				c = sc.conn(sc.ctl.c, sc.ctl.s, last.Add(tc.after))
				c.srv("220 ready\r\n")
			} else {
				at(c, last.Add(tc.after))
			}
			c.cli("NOOP\r\n")
			c.srv("200 NOOP ok.\r\n")
			sc.d.Finish()
			var opens []ControlEvent
			for _, e := range sc.rec.control {
				if e.Kind == ControlOpen {
					opens = append(opens, e)
				}
			}
			if len(opens) != 2 {
				t.Fatalf("%d opens, want 2: %q", len(opens), sc.story())
			}
			_, resumed := opens[1].Resumed()
			if resumed != tc.resumed {
				t.Errorf("second open resumed %v, want %v: %q", resumed, tc.resumed, sc.story())
			}
			if n := sc.d.Stats().IdleResumed; (n == 1) != tc.resumed {
				t.Errorf("IdleResumed %d", n)
			}
		})
	}
}
