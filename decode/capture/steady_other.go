//go:build !linux

package capture

import "time"

var steadyStart = time.Now()

// SteadyClock returns the wall clock and the time elapsed on Go's
// monotonic clock, which no step of the wall clock moves
// (decode.Options.SteadyClock).
func SteadyClock() (wall time.Time, elapsed time.Duration) {
	wall = time.Now()
	return wall, wall.Sub(steadyStart)
}
