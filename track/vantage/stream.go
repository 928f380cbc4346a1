package vantage

import (
	"cmp"
	"slices"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// Stream merges the points' captures while they are read, so that what it
// holds follows the sessions open at once, not the sessions of the whole
// run: the points are read side by side in time order (the caller feeds
// their Collectors so, and calls Advance), and a control connection that
// every point has had Wait to see end (its FIN both ways, or a reset), with
// the data connections that answer its announcements, is merged with the
// others of its batch (Merge), handed to Emit and dropped from the
// Collectors. What is left at the end is merged by Finish.
//
// A batch is judged as Merge judges a whole run, from its own connections
// and the points' spans so far; what the points showed before (that they
// hold data connections, packets a port filter would drop) carries over.
// Clock offsets are each batch's own; the first batch waits for
// firstBatch ended connections at a point (or the end), so that the
// offsets it measures order the reading of the rest (Offsets).
type Stream struct {
	// Collectors: one per point, in the order given.
	Collectors []*Collector
	// Wait is how long, on every point's clock, a connection that ended
	// waits for the other points' copies before it is merged; 0 =
	// DefaultWait.
	Wait time.Duration
	// MaxHeld bounds the ended control connections a point holds waiting
	// for Wait to pass; past it the batch is merged at once (Forced counts
	// it). 0 = DefaultMaxHeld.
	MaxHeld int
	// Emit receives each batch's report, the sessions numbered on from
	// the batches before.
	Emit func(*Report)
	// Before, when set, is called before a batch is merged: the moment to
	// bring the Collectors' counts up to date (Collector.NonTCP).
	Before func()

	// Offsets: each point's clock offset from the first point's, as the
	// last batch that measured it did (0 before): Advance's times are on
	// the first point's clock, a point's packets read at time t-offset.
	Offsets []time.Duration
	// Batches counts the reports emitted; Forced those merged before their
	// connections' Wait passed because a point held MaxHeld.
	Batches, Forced int
	// Held is the most ended control connections a point held waiting at
	// once: what the run's memory follows.
	Held int

	sessions int
	next     time.Time // the next Advance that looks for a batch
	first    bool      // the first batch was merged
}

// DefaultWait covers a SYN's retransmissions (Linux gives up after
// 127 s) and clocks minutes apart: a connection a point saw end is merged
// once every point has read this far past its end.
const DefaultWait = 3 * time.Minute

// DefaultMaxHeld bounds the ended control connections a point holds while
// they wait.
const DefaultMaxHeld = 20000

// firstBatch: ended control connections a point holds before the first
// batch, which measures the clock offsets the reading goes by after.
const firstBatch = 256

// dataIdle is how long a data connection that did not end (a capture of
// one direction, a stalled transfer) waits idle before it is taken as
// over.
const dataIdle = 30 * time.Minute

// ownerAfter: a data connection started this long after a control
// connection's last packet is not taken for its (drain): a passive port
// used again by a later session would hold the ended one back.
const ownerAfter = time.Minute

// batchEvery: how often, on the reference clock, Advance looks for a batch.
const batchEvery = 30 * time.Second

func (st *Stream) init() {
	if st.Wait <= 0 {
		st.Wait = DefaultWait
	}
	if st.MaxHeld <= 0 {
		st.MaxHeld = DefaultMaxHeld
	}
	if st.Offsets == nil {
		st.Offsets = make([]time.Duration, len(st.Collectors))
	}
}

// Advance says every point has been read up to t on the first point's
// clock (a point i up to t+Offsets[i]): it merges and emits the
// connections that ended Wait before, when there are enough of them.
func (st *Stream) Advance(t time.Time) error {
	st.init()
	if t.Before(st.next) {
		return nil
	}
	st.next = t.Add(batchEvery)
	held := 0
	for _, c := range st.Collectors {
		n := 0
		for _, x := range c.ctlList {
			if x.ended() {
				n++
			}
		}
		held = max(held, n)
	}
	st.Held = max(st.Held, held)
	forced := held >= st.MaxHeld
	if !forced && !st.first && held < firstBatch {
		return nil
	}
	for _, c := range st.Collectors {
		if !forced && c.Span().Packets == 0 {
			return nil // a point not read yet, or holding nothing (refused at the end)
		}
	}
	cut := t.Add(-st.Wait)
	if forced {
		// Every ended connection, now: the bound holds, at the cost of
		// pairs whose other copy ends later than the wait allows.
		st.Forced++
		cut = t
	}
	return st.batch(cut, forced)
}

// Finish merges and emits what is left.
func (st *Stream) Finish() error {
	st.init()
	return st.batch(time.Time{}, false)
}

// forcedIdle: in a batch MaxHeld forced, a data connection idle this long
// is taken as over though it did not end.
const forcedIdle = time.Minute

// batch merges the connections that ended before cut (on the reference
// clock; all with Finish) and drops them from the Collectors; forced, a
// data connection idle forcedIdle is over.
func (st *Stream) batch(cut time.Time, forced bool) error {
	all := cut.IsZero()
	if st.Before != nil {
		st.Before()
	}
	part := make([]*Collector, len(st.Collectors))
	any := false
	for i, c := range st.Collectors {
		part[i] = c.drain(cut.Add(st.Offsets[i]), all, forced)
		any = any || len(part[i].ctlList) > 0
	}
	if !any && !all {
		return nil
	}
	r, err := merge(part, st.sessions)
	if err != nil {
		return err
	}
	st.first = true
	st.sessions += len(r.Sessions)
	st.Batches++
	for i, c := range st.Collectors {
		if r.Offsets[i].Samples > 0 {
			st.Offsets[i] = r.Offsets[i].Offset
		}
		c.carry.otherPorts = r.otherPorts[i]
		c.carry.dataAt = r.dataAt[i]
	}
	if st.Emit != nil {
		st.Emit(r)
	}
	return nil
}

// dataEnded says whether a data connection is over at this point: reset,
// closed both ways, or never answered (its SYN's tries are over by the
// time it is idle for the Stream's wait).
func (d *Data) dataEnded() bool {
	return !d.RST.IsZero() || d.Flows[0].fin && d.Flows[1].fin || d.SYNACKs == 0
}

// drain moves the control connections that ended before cut (every one
// with all) and the data connections that answer them, or no one and are
// over, into a Collector of their own, which shares the point's name,
// files, spans and counts so far; what is moved leaves c. A control
// connection with a data connection not over stays, and so does a data
// connection one of whose possible owners stays.
func (c *Collector) drain(cut time.Time, all, forced bool) *Collector {
	idle := dataIdle
	if forced {
		idle = forcedIdle
	}
	out := &Collector{Name: c.Name, Files: c.Files, opts: c.opts, files: slices.Clone(c.files), cur: c.cur, res: c.res,
		icmpErrors: c.icmpErrors, nonTCP: c.nonTCP, carry: c.carry, limits: c.limits}
	if all {
		out.ctlList, out.dataList = c.ctlList, c.dataList
		out.control, out.data = c.control, c.data
		out.store, out.kept = c.store, c.kept
		c.ctlList, c.dataList = nil, nil
		c.control, c.data = map[decode.ConnKey]*Control{}, map[decode.ConnKey]*Data{}
		return out
	}
	ctlGo := map[*Control]bool{}
	for _, x := range c.ctlList {
		if x.ended() && x.Last.Before(cut) {
			ctlGo[x] = true
		}
	}
	dataGo := map[*Data]bool{}
	for _, d := range c.dataList {
		if d.Last.Before(cut) && (d.dataEnded() || d.Last.Before(cut.Add(-idle))) {
			dataGo[d] = true
		}
	}
	// Owners by announced port: a data connection goes with every control
	// connection it may answer, or none goes.
	byPort := map[uint16][]*Control{}
	for _, x := range c.ctlList {
		for k := range x.Announce {
			p := x.Announce[k].Endpoint.Port()
			if !slices.Contains(byPort[p], x) {
				byPort[p] = append(byPort[p], x)
			}
		}
	}
	owners := func(d *Data, f func(*Control)) {
		start := d.Start()
		for _, x := range byPort[d.Dst.Port()] {
			if start.Before(x.Start.Add(-time.Second)) || start.After(x.Last.Add(ownerAfter)) {
				continue // another session's, a port used again
			}
			for k := range x.Announce {
				if answers(x, &x.Announce[k], d) {
					f(x)
					break
				}
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, d := range c.dataList {
			owners(d, func(x *Control) {
				if dataGo[d] != ctlGo[x] && (dataGo[d] || ctlGo[x]) {
					// One goes without the other: neither goes.
					delete(dataGo, d)
					delete(ctlGo, x)
					changed = true
				}
			})
		}
	}
	if len(ctlGo) == 0 && len(dataGo) == 0 {
		return out
	}
	out.control, out.data = map[decode.ConnKey]*Control{}, map[decode.ConnKey]*Data{}
	out.store = c.store
	c.ctlList = slices.DeleteFunc(c.ctlList, func(x *Control) bool {
		if ctlGo[x] {
			out.ctlList = append(out.ctlList, x)
		}
		return ctlGo[x]
	})
	c.dataList = slices.DeleteFunc(c.dataList, func(d *Data) bool {
		if dataGo[d] {
			out.dataList = append(out.dataList, d)
		}
		return dataGo[d]
	})
	for k, x := range c.control {
		if ctlGo[x] {
			out.control[k] = x
			delete(c.control, k)
		}
	}
	for k, d := range c.data {
		if dataGo[d] {
			out.data[k] = d
			delete(c.data, k)
		}
	}
	return out
}

// Combine adds a Stream batch's report r to acc (nil: none yet) and
// returns the sum: the sessions of both, the counts added, the pairs of
// points identical in every batch, the limits and spans as of r (they
// count the whole run so far), and each point's offset the median of the
// batches' offsets, each weighing as many as its samples. acc holds
// nothing of r but its sessions (set Sessions nil to drop those).
func Combine(acc, r *Report) *Report {
	n := len(r.Points)
	if acc == nil {
		acc = &Report{Points: r.Points, Offsets: make([]Offset, n), Unpaired: make([]int, n), UnpairedCapturing: make([]int, n),
			Twins: make([]int, n), Refused: make([]int, n), Identical: slices.Clone(r.Identical), batchOffsets: make([][]Offset, n)}
	} else {
		acc.Identical = slices.DeleteFunc(acc.Identical, func(p [2]int) bool { return !slices.Contains(r.Identical, p) })
	}
	acc.Sessions = append(acc.Sessions, r.Sessions...)
	acc.Limits, acc.Spans = slices.Clone(r.Limits), slices.Clone(r.Spans)
	acc.Ambiguous += r.Ambiguous
	acc.PayloadSkipped += r.PayloadSkipped
	for i := range n {
		acc.Unpaired[i] += at(r.Unpaired, i)
		acc.UnpairedCapturing[i] += at(r.UnpairedCapturing, i)
		acc.Twins[i] += at(r.Twins, i)
		acc.Refused[i] += at(r.Refused, i)
		if at(r.Offsets, i).Samples == 0 {
			continue
		}
		acc.batchOffsets[i] = append(acc.batchOffsets[i], r.Offsets[i])
		acc.Offsets[i] = weightedMedian(acc.batchOffsets[i])
	}
	acc.Batches++
	return acc
}

// weightedMedian is the offset at the middle of the samples of every
// batch, each batch's samples taken at its median; its Samples their sum,
// OneWay when every batch's was.
func weightedMedian(bs []Offset) Offset {
	s := slices.SortedFunc(slices.Values(bs), func(a, b Offset) int { return cmp.Compare(a.Offset, b.Offset) })
	total := 0
	oneWay := true
	for _, b := range s {
		total += b.Samples
		oneWay = oneWay && b.OneWay
	}
	seen := 0
	for _, b := range s {
		seen += b.Samples
		if 2*seen >= total {
			return Offset{Offset: b.Offset, Samples: total, OneWay: oneWay}
		}
	}
	return Offset{}
}

// at is xs[i], the zero value past its end (a Report built by hand).
func at[T any](xs []T, i int) T {
	var z T
	if i < len(xs) {
		return xs[i]
	}
	return z
}
