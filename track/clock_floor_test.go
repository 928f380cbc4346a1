package track

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestPacketClockStepBackBelowMergedForwardStep: the clock set forward by
// two days, then back to the right time; once both steps are an hour old
// and forgotten, a wait begun after the step back is measured as it is.
// The forward step's floor, left above the times after the step back,
// took every such wait as begun in packet time still to come: 0 until
// packet time passed the old forward time again, so in live no
// expectation, unanswered SYN or idle data connection ever expired.
func TestPacketClockStepBackBelowMergedForwardStep(t *testing.T) {
	var c packetClock
	c.keepFor(time.Hour)
	ts := t0
	for range 600 {
		c.advance(ts)
		ts = ts.Add(time.Second)
	}
	fwd := ts.Add(48 * time.Hour)
	for range 600 {
		c.advance(fwd)
		fwd = fwd.Add(time.Second)
	}
	for range 7200 {
		c.advance(ts)
		ts = ts.Add(time.Second)
		c.forget()
	}
	if len(c.steps) != 0 {
		t.Fatalf("%d steps kept two hours after both, want both forgotten", len(c.steps))
	}
	start := ts
	for range 600 {
		c.advance(ts)
		ts = ts.Add(time.Second)
	}
	if got, want := c.since(start), 599*time.Second; got != want {
		t.Errorf("since a time 10 min ago, after both steps: %v, want %v (floor %v, now %v)", got, want, c.floor, c.now)
	}
}

// TestPacketClockStepsForgottenMeasureExactly: random steps forward (over
// a day) and back, in segments long enough that the clock forgets every
// step, in any order: no wait is measured longer than the time that
// passed, and one begun in the current segment (after the latest step) is
// measured exactly, whatever steps were merged away before it.
func TestPacketClockStepsForgottenMeasureExactly(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 2))
		var c packetClock
		c.keepFor(time.Hour)
		type seen struct {
			ts      time.Time
			elapsed time.Duration
		}
		var all []seen
		ts, elapsed := t0, time.Duration(0)
		forgotten := 0
		for range 30 {
			segStart := len(all)
			// A segment of 1 to 150 minutes, a packet a minute or so.
			for i := range 1 + rng.IntN(150) {
				if i > 0 {
					d := time.Duration(30+rng.IntN(60)) * time.Second
					ts, elapsed = ts.Add(d), elapsed+d
				}
				c.advance(ts)
				all = append(all, seen{ts, elapsed})
				c.forget()
			}
			if len(c.steps) == 0 {
				forgotten++
			}
			for _, p := range all {
				if got, passed := c.since(p.ts), elapsed-p.elapsed; got > passed {
					t.Fatalf("seed %d: since %v: %v, but %v passed", seed, p.ts, got, passed)
				}
			}
			for _, p := range all[segStart:] {
				if got, passed := c.since(p.ts), elapsed-p.elapsed; got != passed {
					t.Fatalf("seed %d: since %v, in the current segment: %v, want %v (%d steps kept, floor %v)",
						seed, p.ts, got, passed, len(c.steps), c.floor)
				}
			}
			switch rng.IntN(3) {
			case 0: // forward by more than a day
				ts = ts.Add(25*time.Hour + time.Duration(rng.Int64N(int64(5*24*time.Hour))))
			case 1: // back by a little
				ts = ts.Add(-time.Minute - time.Duration(rng.Int64N(int64(2*time.Hour))))
			default: // back by days (a forward step corrected, or more)
				ts = ts.Add(-24*time.Hour - time.Duration(rng.Int64N(int64(5*24*time.Hour))))
			}
		}
		if forgotten == 0 {
			t.Errorf("seed %d: never every step forgotten: the merged floor was not exercised", seed)
		}
	}
}
