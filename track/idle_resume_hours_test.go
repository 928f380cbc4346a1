package track_test

import (
	"testing"
	"time"
)

// TestResumedSessionLinkedAfterHours: a client silent for hours (a live
// capture's idle ticks close its connection after the hour, its bytes
// come back hours later) continues its session, with its number and
// login: the record that links them lasts as long as decode's tombstone
// of the idle close may pick the connection up again, not the 4 minutes
// it lasted (rv-weeks idle3h.pcap: "continues a session closed as idle
// at … (no longer known which)", "login not visible (before the idle
// close)").
func TestResumedSessionLinkedAfterHours(t *testing.T) {
	for _, after := range []time.Duration{10 * time.Minute, 2 * time.Hour, 23 * time.Hour} {
		t.Run(after.String(), func(t *testing.T) {
			sink, closeAt, trk := idleResumedScene(t, func(c *conv, closeAt time.Time) {
				// Ticks through the silence, as live gives a quiet capture.
				for at := closeAt.Add(time.Minute); at.Before(closeAt.Add(after)); at = at.Add(time.Minute) {
					c.w.now = at
					c.w.d.Tick(at)
				}
				c.w.now = closeAt.Add(after)
			})
			first, second, ok := sink.resumed()
			if !ok {
				t.Fatalf("%d sessions ended, want 2", len(sink.ended))
			}
			if r := second.Resumed; r == nil || r.From != first.ID || !r.Closed.Equal(closeAt) {
				t.Fatalf("second session resumed %+v; want from session %d closed at %s", r, first.ID, closeAt)
			}
			if second.User != "alice" || second.Cwd != "/pub" {
				t.Errorf("second session: user %q, cwd %q; want alice, /pub", second.User, second.Cwd)
			}
			if lim := trk.Limits(); lim.ResumedUnlinked != 0 || lim.IdleEndedForgotten != 0 {
				t.Errorf("Limits.ResumedUnlinked %d, IdleEndedForgotten %d; want 0", lim.ResumedUnlinked, lim.IdleEndedForgotten)
			}
		})
	}
}
