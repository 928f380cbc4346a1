package main

import (
	"fmt"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// sessionsTime is the report's span of the sessions' time, from the
// earliest start to the latest end as stamped. Across a step back of the
// capture's clock that difference is no length: a capture of three hours
// set back a day read "(23h55m00.1s)"; it says so instead of a length.
func sessionsTime(first, last time.Time, stepsBack uint64) string {
	const layout = "2006-01-02 15:04:05.000 UTC"
	span := seconds(max(last.Sub(first), 0))
	if stepsBack > 0 {
		span = fmt.Sprintf("as stamped; the capture's clock was set back %s meanwhile, so not how long it ran", timesWord(stepsBack))
	}
	return fmt.Sprintf("%s to %s (%s)", first.UTC().Format(layout), last.UTC().Format(layout), span)
}

// timesWord is "once", "twice", "N times".
func timesWord(n uint64) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// mayStepForward tells whether a data connection that lasted more than a
// day may have run across a forward step of the capture's clock of more
// than a day (no time passing): its session lived through one, or it has
// none to tell. A transfer of 30 hours with a packet every 20 seconds
// was hedged "less if the capture's clock was set forward" with no step.
func mayStepForward(d *track.DataConn) bool {
	if d.Session == nil {
		return true
	}
	cs := d.Session.ClockSteps
	return cs != nil && cs.Forward > 0
}

// offsetStamp is a transcript line's offset from its session's start, in
// the 10 characters of the column: seconds to the millisecond
// ("+600.032") while they fit, then hours, minutes and seconds
// ("+960:00:10", to 999 hours), then days and hours ("+1157d04h"). A
// session of weeks printed "+3456010.200", past the column.
func offsetStamp(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	switch {
	case d < 100000*time.Second:
		return fmt.Sprintf("%s%.3f", sign, d.Seconds())
	case d < 1000*time.Hour:
		s := int64(d / time.Second)
		return fmt.Sprintf("%s%d:%02d:%02d", sign, s/3600, s/60%60, s%60)
	}
	h := int64(d / time.Hour)
	return fmt.Sprintf("%s%dd%02dh", sign, h/24, h%24)
}
