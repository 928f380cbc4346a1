package decode

import "time"

// A live capture's packets and idle ticks are stamped by the host's wall
// clock, which NTP or date -s may step. A step forward of minutes or
// hours looks, in packet time, like time passing: a wait begun before it
// (an announcement waiting for its SYN, a hole) ran out at it, control
// connections idled out, though the packets after it came moments after
// those before. A file cannot tell, and takes a step of more than
// MaxClockStep (a day) for the clock set; live can: the offset between
// the wall clock and a clock no step moves (CLOCK_BOOTTIME: it counts
// a suspend, as the peers' clocks do) changes only when the wall clock
// is set (NTP's slewing moves it by at most half a millisecond a
// second). liveClock reads both once per second of packet time and at
// every idle tick; a change of more than liveStepMin is a step, and the
// next forward gap of packet time over liveStepMin, between two packets
// or a packet and a tick, is taken for it (a packet already in the ring
// when the clock was set is stamped before the step, and comes first):
// as much of the gap as the step, no more, is no time passing, for the
// idle clock (idleClock.skip) and the tracker's waits (ClockStepHandler).
// A step back shows in packet time and is followed as in a file
// (observe); it cancels a forward step not yet seen.

// liveStepMin: a step of the wall clock shorter than this is taken as
// time that passed, as in a file. It is also the forward gap between
// packets that the decoder holds as a possible outlier (clockOutlierStep):
// a step shorter than it expires nothing a step should not (waits are
// minutes), and the readings' own noise (microseconds) and slewing are
// far below it.
const liveStepMin = clockOutlierStep

// liveClock follows the wall clock against the steady one (above).
type liveClock struct {
	read func() (wall time.Time, elapsed time.Duration)
	off  int64 // wall minus steady, nanoseconds, at the latest reading
	set  bool
	// pending: the forward steps read and not yet seen in packet time.
	pending time.Duration
}

// sample reads the clocks and notes a step of the wall clock since the
// last reading.
func (c *liveClock) sample() {
	wall, elapsed := c.read()
	off := wall.UnixNano() - int64(elapsed)
	if c.set {
		if d := time.Duration(off - c.off); d > liveStepMin || d < -liveStepMin {
			c.pending = max(c.pending+d, 0)
		}
	}
	c.off, c.set = off, true
}

// take is how much of gap, a forward gap of packet time over
// liveStepMin, a step of the wall clock makes: 0 when none is pending.
func (c *liveClock) take(gap time.Duration) time.Duration {
	c.sample()
	s := min(c.pending, gap)
	c.pending = 0
	return s
}

// clockSet takes packet time ts, step after the decoder's clock and more,
// as the wall clock set forward by step (liveClock.take): the decoder's
// clock moves to ts at once (no outlier to hold: the steady clock says
// so), the idle clock by the gap less the step, and the Handler is told
// before the packet or tick at ts reaches it.
func (d *Decoder) clockSet(ts time.Time, step time.Duration) {
	d.last = ts
	d.ctl.clock.skip(ts, step)
	d.stats.ClockSetLive++
	if h, ok := d.h.(ClockStepHandler); ok {
		h.ClockStep(ts.Add(-step), ts)
	}
}

// liveStep tells whether packet time ts, more than clockOutlierStep after
// the decoder's clock, is a step of a live capture's wall clock, and if
// so takes it (clockSet).
func (d *Decoder) liveStep(ts time.Time) bool {
	if d.live == nil || d.last.IsZero() {
		return false
	}
	step := d.live.take(PacketSub(ts, d.last))
	if step <= 0 {
		return false
	}
	d.clockSet(ts, step)
	return true
}

// skip moves the idle clock to ts, of which step, the wall clock set
// forward, is no time passing.
func (c *idleClock) skip(ts time.Time, step time.Duration) {
	n := ts.UnixNano()
	if !c.set {
		c.start, c.latest, c.set = ts, n, true
		return
	}
	if gap := time.Duration(n - c.latest); gap > 0 {
		c.elapsed += max(gap-step, 0)
		c.latest = n
	}
}
