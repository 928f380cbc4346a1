package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestSpanLeavesOutLiveClockSet: a session across a forward step of the
// live host's wall clock (track.ClockSteps.Set) lasted its span less the
// step, and its end line says the step was left out, not "more than a
// day" or 2 h of silence.
func TestSpanLeavesOutLiveClockSet(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := &track.Session{Start: t0, End: t0.Add(2*time.Hour + 500*time.Millisecond), EndReason: track.EndFIN,
		ClockSteps: &track.ClockSteps{Set: 1, SetBy: 2 * time.Hour}}
	sp := spanOf(s)
	if sp.d != 500*time.Millisecond {
		t.Errorf("span %s, want 0.5s", sp.d)
	}
	got := sessionEnd(s)
	for _, want := range []string{"fin after 0.500s", "leaving out a forward step of the host's clock by 2h00m00.0s"} {
		if !strings.Contains(got, want) {
			t.Errorf("end line %q lacks %q", got, want)
		}
	}
}
