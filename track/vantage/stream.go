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
// is over at its point (its FIN both ways, a reset, or idleClose without a
// packet) and that every point has read Wait past, with the data
// connections that answer its announcements, is merged with the others of
// its batch (Merge), handed to Emit and dropped from the Collectors. A
// connection whose copy at another point (the same session by the pairing
// markers: an ISN, or the lines near the same time: twinIndex) is not
// ready yet waits for it, at most maxTwinWait. What is left at the end is
// merged by Finish.
//
// A batch is judged as Merge judges a whole run, from its own connections
// and the points' spans so far; what the points showed before (that they
// hold data connections, packets a port filter would drop) carries over.
// Nothing is merged before the clock offsets are measured on what the
// points hold (measureOffsets: firstBatch ended connections at a point, or
// firstWindow of packet time, at most maxFirstWait or MaxHeld), so that
// the first batch's cut and the reading after it go by them; each batch
// then measures its own.
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

	// Offsets: each point's clock offset from the first point's, as
	// measured before the first batch and by every batch after (0 before):
	// Advance's times are on the first point's clock, a point's packets
	// read at time t-offset.
	Offsets []time.Duration
	// Batches counts the reports emitted; Forced those merged before their
	// connections' Wait passed because a point held MaxHeld.
	Batches, Forced int
	// Held is the most ended control connections a point held waiting at
	// once: what the run's memory follows.
	Held int

	sessions int
	next     time.Time // the next Advance that looks for a batch
	measured bool      // the offsets were measured (or given up on): batches run
	began    time.Time // the first Advance's time
	tried    int       // ended connections held at the last measuring
	triedAt  time.Time // and when
}

// DefaultWait covers a SYN's retransmissions (Linux gives up after
// 127 s): a connection a point saw end is merged once every point has
// read this far past its end.
const DefaultWait = 3 * time.Minute

// DefaultMaxHeld bounds the ended control connections a point holds while
// they wait.
const DefaultMaxHeld = 20000

// firstBatch: ended control connections at a point that have the clock
// offsets measured, before anything is merged; firstWindow: packet time
// that has them measured with fewer. Until measured, a try is repeated
// as the connections held double or firstWindow passes, up to
// maxFirstWait of packet time (or MaxHeld); then the first batch is
// merged with the offsets unknown (Limits.OffsetUnmeasured).
const (
	firstBatch   = 256
	firstWindow  = 5 * time.Minute
	maxFirstWait = time.Hour
)

// idleClose: a control connection with no packet for this long at its
// point is over though it did not close (the decoder closes it so too): a
// capture that missed its FIN, a client that went away.
const idleClose = time.Hour

// maxTwinWait bounds how long a connection that is over waits for a copy
// at another point that is not: a copy that never closes there is over
// after idleClose and merged Wait after that; another Wait covers its
// last packets coming after this one's.
func (st *Stream) maxTwinWait() time.Duration { return idleClose + 2*st.Wait }

// twinWindow: how far apart, on the reference clock, two points' control
// connections may start and still be taken for copies of one by their
// lines (twinIndex.each): the clock offsets are measured, this is what they
// leave.
const twinWindow = 2 * time.Minute

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

// over says whether a control connection is over at its point, which has
// been read up to now: closed (ended), or idle for idleClose.
func (x *Control) over(now time.Time) bool {
	return x.ended() || !x.Last.After(now.Add(-idleClose))
}

// Advance says every point has been read up to t on the first point's
// clock (a point i up to t+Offsets[i]): it merges and emits the
// connections over Wait before, when there are enough of them.
func (st *Stream) Advance(t time.Time) error {
	st.init()
	if t.Before(st.next) {
		return nil
	}
	st.next = t.Add(batchEvery)
	if st.began.IsZero() {
		st.began = t
	}
	held := 0
	heldAt := make([]int, len(st.Collectors))
	for i, c := range st.Collectors {
		now := t.Add(st.Offsets[i])
		for _, x := range c.ctlList {
			if x.over(now) {
				heldAt[i]++
			}
		}
		held = max(held, heldAt[i])
	}
	st.Held = max(st.Held, held)
	forced := held >= st.MaxHeld
	for _, c := range st.Collectors {
		if !forced && c.Span().Packets == 0 {
			return nil // a point not read yet, or holding nothing (refused at the end)
		}
	}
	if !st.measured && !st.measure(t, held, forced) {
		return nil
	}
	cut := t.Add(-st.Wait)
	if forced {
		// Every connection over, now: the bound holds, at the cost of
		// pairs whose other copy ends later than the wait allows.
		st.Forced++
		cut = t
		for i, c := range st.Collectors {
			if heldAt[i] >= st.MaxHeld {
				c.limits.ForcedMerges++
			}
		}
	}
	return st.batch(t, cut, forced)
}

// measure measures the clock offsets on what the points hold, before the
// first batch, when there is enough to: it says whether batches may run
// (measured, or given up on at maxFirstWait or MaxHeld).
func (st *Stream) measure(t time.Time, held int, forced bool) bool {
	waited := t.Sub(st.began)
	if !forced && held < firstBatch && waited < firstWindow {
		return false
	}
	if !forced && st.tried > 0 && held < 2*st.tried && t.Sub(st.triedAt) < firstWindow {
		return false // a try a little later would see no more
	}
	st.tried, st.triedAt = max(held, 1), t
	offs := measureOffsets(st.Collectors)
	all := true
	for i := 1; i < len(offs); i++ {
		if offs[i].Samples > 0 {
			st.Offsets[i] = offs[i].Offset
		} else {
			all = false
		}
	}
	if all {
		st.measured = true
		return true
	}
	if !forced && waited < maxFirstWait {
		return false
	}
	st.measured = true
	for i := 1; i < len(offs); i++ {
		if offs[i].Samples == 0 {
			st.Collectors[i].limits.OffsetUnmeasured = 1
		}
	}
	return true
}

// Finish merges and emits what is left.
func (st *Stream) Finish() error {
	st.init()
	return st.batch(time.Time{}, time.Time{}, false)
}

// forcedIdle: in a batch MaxHeld forced, a data connection idle this long
// is taken as over though it did not end.
const forcedIdle = time.Minute

// batch merges the connections over before cut (on the reference clock,
// every point read up to t; all with Finish) and drops them from the
// Collectors; forced, a data connection idle forcedIdle is over and no
// connection waits for its copies.
func (st *Stream) batch(t, cut time.Time, forced bool) error {
	all := cut.IsZero()
	if st.Before != nil {
		st.Before()
	}
	var part []*Collector
	if all {
		part = make([]*Collector, len(st.Collectors))
		for i, c := range st.Collectors {
			part[i] = c.drain(nil, nil)
		}
	} else if part = st.drainReady(t, cut, forced); part == nil {
		return nil
	}
	any := false
	for _, p := range part {
		any = any || len(p.ctlList) > 0
	}
	if !any && !all {
		return nil
	}
	r, err := merge(part, st.sessions)
	if err != nil {
		return err
	}
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

// drainReady picks, at every point, the control connections over before
// cut and the data connections that answer them (or no one) and are over,
// and moves them out of the Collectors into Collectors of their own. A
// control connection with a data connection not over stays, and so does a
// data connection one of whose possible owners stays; a control
// connection whose copy at another point stays, stays too, for at most
// maxTwinWait past its last packet (Limits.TwinWaitExpired). Forced, a
// data connection idle forcedIdle is over and nothing waits for a copy.
func (st *Stream) drainReady(t, cut time.Time, forced bool) []*Collector {
	n := len(st.Collectors)
	idle := dataIdle
	if forced {
		idle = forcedIdle
	}
	ctlGo := make([]map[*Control]bool, n)
	dataGo := make([]map[*Data]bool, n)
	for i, c := range st.Collectors {
		now, cutAt := t.Add(st.Offsets[i]), cut.Add(st.Offsets[i])
		ctlGo[i], dataGo[i] = map[*Control]bool{}, map[*Data]bool{}
		for _, x := range c.ctlList {
			if x.over(now) && x.Last.Before(cutAt) {
				ctlGo[i][x] = true
			}
		}
		for _, d := range c.dataList {
			if d.Last.Before(cutAt) && (d.dataEnded() || d.Last.Before(cutAt.Add(-idle))) {
				dataGo[i][d] = true
			}
		}
	}
	if !slices.ContainsFunc(ctlGo, func(m map[*Control]bool) bool { return len(m) > 0 }) &&
		!slices.ContainsFunc(dataGo, func(m map[*Data]bool) bool { return len(m) > 0 }) {
		return nil // nothing over: most Advances of a quiet capture
	}
	// Copies at the other points of every connection that may go, and
	// whether it may go without them (waited maxTwinWait, or forced).
	type waiting struct {
		i      int
		x      *Control
		twins  []*Control
		twinAt []int
		alone  bool
	}
	var ws []waiting
	if !forced && n > 1 {
		idx := make([]*twinIndex, n)
		for i, c := range st.Collectors {
			idx[i] = newTwinIndex(c.ctlList, st.Offsets[i])
		}
		for i := range st.Collectors {
			now := t.Add(st.Offsets[i])
			for x := range ctlGo[i] {
				w := waiting{i: i, x: x, alone: !x.Last.After(now.Add(-st.maxTwinWait()))}
				for j := range n {
					if j == i {
						continue
					}
					idx[j].each(x, st.Offsets[i], func(y *Control) {
						w.twins = append(w.twins, y)
						w.twinAt = append(w.twinAt, j)
					})
				}
				if len(w.twins) > 0 {
					ws = append(ws, w)
				}
			}
		}
	}
	owners := make([]func(*Data, func(*Control)), n)
	for i, c := range st.Collectors {
		owners[i] = c.ownersOf()
	}
	expired := map[*Control]bool{}
	changed := true
	// pair is told each owner x of point i's data connection d: one
	// closure for the whole drain, not one a data connection.
	var i int
	var d *Data
	pair := func(x *Control) {
		if dataGo[i][d] != ctlGo[i][x] && (dataGo[i][d] || ctlGo[i][x]) {
			// One goes without the other: neither goes.
			delete(dataGo[i], d)
			delete(ctlGo[i], x)
			changed = true
		}
	}
	for changed {
		changed = false
		for i = range st.Collectors {
			for _, d = range st.Collectors[i].dataList {
				owners[i](d, pair)
			}
		}
		for _, w := range ws {
			if !ctlGo[w.i][w.x] {
				continue
			}
			for k, y := range w.twins {
				if ctlGo[w.twinAt[k]][y] {
					continue
				}
				if w.alone {
					expired[w.x] = true
					continue
				}
				delete(ctlGo[w.i], w.x)
				changed = true
				break
			}
		}
	}
	part := make([]*Collector, n)
	for i, c := range st.Collectors {
		for x := range expired {
			if ctlGo[i][x] {
				c.limits.TwinWaitExpired++
			}
		}
		part[i] = c.drain(ctlGo[i], dataGo[i])
	}
	return part
}

// ownersOf returns a function calling f with every control connection of
// c a data connection may answer (by announced port, near in time).
func (c *Collector) ownersOf() func(*Data, func(*Control)) {
	byPort := map[uint16][]*Control{}
	for _, x := range c.ctlList {
		for k := range x.Announce {
			p := x.Announce[k].Endpoint.Port()
			if !slices.Contains(byPort[p], x) {
				byPort[p] = append(byPort[p], x)
			}
		}
	}
	return func(d *Data, f func(*Control)) {
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
}

// twinIndex finds a point's control connection that may be the copy of
// another point's (each), by start time on the reference clock.
type twinIndex struct {
	byStart []*Control // sorted by Start
	off     time.Duration
}

func newTwinIndex(list []*Control, off time.Duration) *twinIndex {
	ix := &twinIndex{byStart: slices.Clone(list), off: off}
	slices.SortFunc(ix.byStart, func(a, b *Control) int { return a.Start.Compare(b.Start) })
	return ix
}

// maxTwinLook bounds the connections each looks at: sessions alike
// started at once by the thousand (a load test) cost no more.
const maxTwinLook = 64

// each calls f with the connection of the index that may be the copy of
// x, whose point's clock is xOff from the reference's, as the pairing
// would take it: of the maxTwinLook started nearest to it (within
// twinWindow), the nearest with the same ISN (pairByISN), else the
// nearest whose lines line up with x's (alignLines: payload pairing
// across a box that randomises ISNs). One only: sessions alike (the same
// commands, one a second) would otherwise hold each other back along the
// whole capture.
func (ix *twinIndex) each(x *Control, xOff time.Duration, f func(*Control)) {
	at := x.Start.Add(ix.off - xOff) // x's start on this point's clock
	hi, _ := slices.BinarySearchFunc(ix.byStart, at, func(y *Control, t time.Time) int { return y.Start.Compare(t) })
	lo := hi - 1
	var byLines *Control
	for range maxTwinLook {
		// The nearer of the next ones before and after at.
		var y *Control
		switch {
		case lo >= 0 && (hi >= len(ix.byStart) || at.Sub(ix.byStart[lo].Start) <= ix.byStart[hi].Start.Sub(at)):
			y = ix.byStart[lo]
			lo--
		case hi < len(ix.byStart):
			y = ix.byStart[hi]
			hi++
		}
		if y == nil || absDur(y.Start.Sub(at)) > twinWindow {
			break
		}
		if sameISN(x, y) {
			f(y)
			return
		}
		if byLines == nil && len(x.Lines) >= minLines && len(y.Lines) >= minLines {
			if _, _, ok := alignLines(x.Lines, y.Lines); ok {
				byLines = y
			}
		}
	}
	if byLines != nil {
		f(byLines)
	}
}

// sameISN: x and y are one connection by its sequence numbers, as
// pairByISN pairs them: the client's ISN, the server's agreeing where
// both are known; or the server's alone.
func sameISN(x, y *Control) bool {
	if x.HaveISN[1] && y.HaveISN[1] {
		return x.ISN[1] == y.ISN[1]
	}
	return x.HaveISN[0] && y.HaveISN[0] && x.ISN[0] == y.ISN[0]
}

// drain moves the control and data connections in ctl and data (every one
// when both are nil) into a Collector of their own, which shares the
// point's name, files, spans and counts so far; what is moved leaves c.
func (c *Collector) drain(ctl map[*Control]bool, data map[*Data]bool) *Collector {
	out := &Collector{Name: c.Name, Files: c.Files, opts: c.opts, files: slices.Clone(c.files), cur: c.cur, res: c.res,
		icmpErrors: c.icmpErrors, nonTCP: c.nonTCP, carry: c.carry, limits: c.limits}
	if ctl == nil && data == nil {
		out.ctlList, out.dataList = c.ctlList, c.dataList
		out.control, out.data = c.control, c.data
		out.store, out.kept = c.store, c.kept
		c.ctlList, c.dataList = nil, nil
		c.control, c.data = map[decode.ConnKey]*Control{}, map[decode.ConnKey]*Data{}
		return out
	}
	if len(ctl) == 0 && len(data) == 0 {
		return out
	}
	out.control, out.data = map[decode.ConnKey]*Control{}, map[decode.ConnKey]*Data{}
	out.store = c.store
	c.ctlList = slices.DeleteFunc(c.ctlList, func(x *Control) bool {
		if ctl[x] {
			out.ctlList = append(out.ctlList, x)
		}
		return ctl[x]
	})
	c.dataList = slices.DeleteFunc(c.dataList, func(d *Data) bool {
		if data[d] {
			out.dataList = append(out.dataList, d)
		}
		return data[d]
	})
	for k, x := range c.control {
		if ctl[x] {
			out.control[k] = x
			delete(c.control, k)
		}
	}
	for k, d := range c.data {
		if data[d] {
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
		acc.batchOffsets[i] = addOffset(acc.batchOffsets[i], r.Offsets[i])
		acc.Offsets[i] = weightedMedian(acc.batchOffsets[i])
	}
	acc.Batches++
	return acc
}

// maxBatchOffsets bounds the batches' offsets a Combine sum keeps per
// point: a run of days merges a batch every batchEvery.
const maxBatchOffsets = 256

// addOffset adds a batch's offset b to bs, kept in order of offset: one
// equal to another adds its samples to it; past maxBatchOffsets the two
// nearest become one, at the offset of the one with more samples (the
// weighted median moves by less than their distance).
func addOffset(bs []Offset, b Offset) []Offset {
	k, found := slices.BinarySearchFunc(bs, b.Offset, func(x Offset, t time.Duration) int { return cmp.Compare(x.Offset, t) })
	if found {
		bs[k].Samples += b.Samples
		bs[k].OneWay = bs[k].OneWay && b.OneWay
		return bs
	}
	bs = slices.Insert(bs, k, b)
	if len(bs) <= maxBatchOffsets {
		return bs
	}
	near := 0
	for k := 1; k+1 < len(bs); k++ {
		if bs[k+1].Offset-bs[k].Offset < bs[near+1].Offset-bs[near].Offset {
			near = k
		}
	}
	a, c := bs[near], bs[near+1]
	if c.Samples > a.Samples {
		a.Offset = c.Offset
	}
	a.Samples += c.Samples
	a.OneWay = a.OneWay && c.OneWay
	bs[near] = a
	return slices.Delete(bs, near+1, near+2)
}

// weightedMedian is the offset at the middle of the samples of every
// batch, each batch's samples taken at its median; its Samples their sum,
// OneWay when every batch's was. bs is in order of offset (addOffset).
func weightedMedian(s []Offset) Offset {
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
