package diagnose

import (
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestIdleLossWaitsUntilWatched guards how long a missing or unanswered
// final reply was waited for: until the capture stopped watching the
// session (Session.Watched: the idle close, the capture's end), not its
// last control packet (Session.End), which for a client silent after the
// 226 is the 226 itself. With End as the wait's end, control-idle-timeout
// never fired for a session that ended in silence.
func TestIdleLossWaitsUntilWatched(t *testing.T) {
	for _, tc := range []struct {
		name    string
		watched time.Duration // after the 226
		want    bool
	}{
		{"watched an hour after the 226", time.Hour, true},
		{"watched a second after the 226", time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := idleAfterReply(300*time.Second, -1)
			final := s.Commands[len(s.Commands)-1].Final()
			s.End, s.Watched, s.EndReason = final.TS, final.TS.Add(tc.watched), track.EndIdle
			c, _ := feed(policy.Policy{}, s)
			if got := c.find(CodeControlIdle) != nil; got != tc.want {
				dumpFindings(t, c)
				t.Errorf("control-idle-timeout: %v, want %v", got, tc.want)
			}
		})
	}
}
