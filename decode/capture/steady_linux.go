//go:build linux

package capture

import (
	"time"

	"golang.org/x/sys/unix"
)

// SteadyClock returns the wall clock, which stamps the packets of a live
// capture (the kernel's timestamps are CLOCK_REALTIME) and its idle
// ticks, and the time since boot on CLOCK_BOOTTIME, which no step of the
// wall clock moves and which, unlike Go's monotonic clock
// (CLOCK_MONOTONIC), counts a suspend, as the peers' clocks do: the
// difference of the two changes only when the wall clock is set
// (decode.Options.SteadyClock).
func SteadyClock() (wall time.Time, elapsed time.Duration) {
	var ts unix.Timespec
	wall = time.Now()
	if unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts) != nil {
		return wall, time.Duration(wall.UnixNano()) // no reading: no step seen
	}
	return wall, time.Duration(ts.Nano())
}
