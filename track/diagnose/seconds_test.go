package diagnose

import (
	"testing"
	"time"
)

// TestDurLongSpans guards evidence's spans over an hour, once a count of
// seconds ("fin after 1209610.900s"): days, hours and minutes from an
// hour on, the tenth rounded into them; below an hour unchanged.
func TestDurLongSpans(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0.000s"},
		{480672 * time.Millisecond, "480.672s"},
		{time.Hour - time.Millisecond, "3599.999s"},
		{time.Hour, "1h00m00.0s"},
		{2*time.Hour + 5*time.Minute + 3*time.Second, "2h05m03.0s"},
		{time.Hour + 59*time.Second + 960*time.Millisecond, "1h01m00.0s"},
		{1209610900 * time.Millisecond, "14d 0h00m10.9s"},
		{365*24*time.Hour + 61616*time.Millisecond, "365d 0h01m01.6s"},
	} {
		if got := dur(tc.d); got != tc.want {
			t.Errorf("dur(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
