package diagnose

import (
	"testing"
	"time"
)

// TestSpansNeverNegative: a capture whose clock steps back (NTP, two NIC
// queues stamping apart) gives some spans between packets a negative
// length; evidence never says "after -0.000s".
func TestSpansNeverNegative(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-50 * time.Microsecond, "0.000s"},
		{-3385 * time.Millisecond, "0.000s"},
		{0, "0.000s"},
		{2037 * time.Millisecond, "2.037s"},
	} {
		if got := dur(tc.d); got != tc.want {
			t.Errorf("dur(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
