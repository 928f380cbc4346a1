package decode

import (
	"testing"
	"time"
)

// TestLiveClockTakesStepsOnly: liveClock finds a step of the wall clock
// by the steady clock, driven by values: a forward step over liveStepMin
// is taken by the next forward gap (no more of it than the gap), once; a
// drift under it is none; a step back cancels a forward step not yet
// seen (packet time shows the back step itself).
func TestLiveClockTakesStepsOnly(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		steps []time.Duration // the wall clock set by each, one reading after each
		gap   time.Duration   // the forward gap of packet time then
		want  time.Duration
	}{
		{"forward 2h", []time.Duration{2 * time.Hour}, 2*time.Hour + time.Second, 2 * time.Hour},
		{"forward 10m, gap shorter", []time.Duration{10 * time.Minute}, 9 * time.Minute, 9 * time.Minute},
		{"drift 20s", []time.Duration{20 * time.Second}, 40 * time.Second, 0},
		{"forward then back", []time.Duration{time.Hour, -time.Hour}, 2 * time.Minute, 0},
		{"two forward", []time.Duration{time.Hour, time.Hour}, 3 * time.Hour, 2 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var set time.Duration
			elapsed := time.Second
			c := &liveClock{read: func() (time.Time, time.Duration) { return t0.Add(elapsed + set), elapsed }}
			c.sample()
			for _, s := range tc.steps {
				set += s
				elapsed += time.Second
				c.sample()
			}
			if got := c.take(tc.gap); got != tc.want {
				t.Errorf("take(%s) = %s, want %s", tc.gap, got, tc.want)
			}
			if got := c.take(tc.gap); got != 0 {
				t.Errorf("taken again: %s, want 0", got)
			}
		})
	}
}
