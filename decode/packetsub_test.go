package decode

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestPacketSubMatchesSub: PacketSub, the per-segment time difference without
// Sub's overflow check, is Sub for packet times: close together, either
// way round, across the epoch, at its bound and beyond it (Sub's
// saturation), and against the zero time and a monotonic reading (Tick's
// time.Now).
func TestPacketSubMatchesSub(t *testing.T) {
	base := time.Unix(1764841234, 987654321)
	now := time.Now()
	times := []time.Time{{}, base, base.Add(1), base.Add(-1), base.Add(30 * time.Second), base.Add(-time.Second - 1),
		time.Unix(0, 0), time.Unix(-1, 999999999), time.Unix(1<<32, 5), time.Unix(-62135596800, 0),
		base.AddDate(199, 0, 0), base.AddDate(-199, 0, 0), base.AddDate(201, 0, 0), base.AddDate(-201, 0, 0),
		base.AddDate(292, 0, 0), base.AddDate(-300, 0, 0), time.Unix(1<<62, 0), time.Unix(-1<<62, 0)}
	for _, a := range times {
		for _, b := range append(times, now) {
			if got, want := PacketSub(a, b), a.Sub(b); got != want {
				t.Errorf("PacketSub(%v, %v) = %v, want %v", a, b, got, want)
			}
			if got, want := PacketSub(b, a), b.Sub(a); got != want {
				t.Errorf("PacketSub(%v, %v) = %v, want %v", b, a, got, want)
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		a := time.Unix(r.Int64N(1<<40)-1<<39, r.Int64N(1e9))
		b := a.Add(time.Duration(r.Int64()))
		if r.IntN(2) == 0 {
			b = time.Unix(r.Int64N(1<<40)-1<<39, r.Int64N(1e9))
		}
		if got, want := PacketSub(a, b), a.Sub(b); got != want {
			t.Fatalf("PacketSub(%v, %v) = %v, want %v", a, b, got, want)
		}
	}
}

// TestPacketSubSignIsAfter: PacketSub(a, b) > 0 exactly when a is after
// b, saturated differences too: the clocks' moves (observe, the
// tracker's packet clock) take one difference for both.
func TestPacketSubSignIsAfter(t *testing.T) {
	base := time.Unix(1764841234, 987654321)
	times := []time.Time{{}, base, base.Add(1), base.Add(-1), base.Add(30 * time.Second), base.Add(-time.Second - 1),
		time.Unix(0, 0), time.Unix(-1, 999999999), time.Unix(-62135596800, 0), time.Unix(-62135596800, 1),
		time.Date(2261, 12, 31, 23, 59, 59, 999999999, time.UTC), base.AddDate(201, 0, 0), base.AddDate(-201, 0, 0),
		base.AddDate(292, 0, 0), base.AddDate(-300, 0, 0)}
	for _, a := range times {
		for _, b := range times {
			if got, want := PacketSub(a, b) > 0, a.After(b); got != want {
				t.Errorf("PacketSub(%v, %v) > 0 is %v, After %v", a, b, got, want)
			}
		}
	}
}
