package main

import (
	"bufio"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestStampAfterClockStepBack guards the transcript's offset of a line
// whose packet time is before its session's start (the capture's clock
// stepped back): one sign, "-3599.994", not "+-3599.994".
func TestStampAfterClockStepBack(t *testing.T) {
	o := newTextOutput(bufio.NewWriter(io.Discard), newPalette(false), false)
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	s := &track.Session{Start: start}
	for _, tc := range []struct {
		at   time.Duration
		want string
	}{
		{0, "+0.000"},
		{1500 * time.Millisecond, "+1.500"},
		{-(time.Hour - 6*time.Millisecond), "-3599.994"},
	} {
		if got := strings.TrimSpace(o.stamp(s, start.Add(tc.at))); got != tc.want {
			t.Errorf("offset %v: %q, want %q", tc.at, got, tc.want)
		}
	}
}
