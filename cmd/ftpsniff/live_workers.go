package main

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
)

// `live --workers N`: the kernel's fanout group spreads the packets over N
// sockets by address pair (capture.FanoutProgram), so a session, its data
// connections and the ICMP errors about them reach one worker. Each worker
// is a goroutine with a decoder and a tracker of its own: the per-packet
// work (decoding, reassembly, matching) runs on as many cores as there are
// workers, with no lock on the packet path (but the --write file's).
//
// What the trackers report goes into one shared analysis, one call at a
// time under one mutex (sharedAnalysis): the diagnoser, so that per-server
// summaries and findings that compare sessions see all of a server's
// sessions; the output, so that every record is written whole, flushed
// before the next one starts, and the summary counts every worker's; and
// the metrics, so that the bound on server labels is one bound. That is
// per record, not per packet: a command with its reply, a data connection's
// outcome.
//
// Numbers: sessions, data connections and packets are numbered over all
// workers (sharedAnalysis; liveWorkers.numbered), so that each number
// names one in the output, as with one worker. A packet's number is its
// place in the --write file; without one, the order in which the workers
// took the packets, which interleaves their sockets.
//
// Clocks: each worker's decoder and tracker run on the packet times of its
// own packets and on the wall clock when its sockets are idle, as with one
// worker. Bounds: the decoder's and tracker's tables are per worker (N
// times the connections and sessions at once); the diagnoser's, the
// output's and the metrics' are global.

// workerCapture is what the workers read from: *capture.Live, or a test's
// stand-in.
type workerCapture interface {
	RunWorker(ctx context.Context, w int, pkt capture.PacketFunc, idle capture.IdleFunc) error
	Stats() ([]capture.IfaceStats, error)
}

// sharedAnalysis is what every worker's tracker reports to, one call at a
// time: the diagnoser and the output of one pipeline (whose own decoder
// and tracker are not used), and the numbering of sessions and of data
// connections.
type sharedAnalysis struct {
	mu       sync.Mutex
	p        *pipeline
	sessions int // sessions numbered so far, over all workers
	// dataConns: data connections numbered so far, over all workers. The
	// trackers number them (track.Options.NumberData) before the sink
	// call that first names them, outside the sink's lock: an atomic
	// count needs none.
	dataConns atomic.Int64
}

// numberData is every worker's tracker's track.Options.NumberData: one
// count over all workers, so that no two data connections in the output
// have the same number (each tracker would count its own from 1).
func (a *sharedAnalysis) numberData() int { return int(a.dataConns.Add(1)) }

// workerSink is one worker's tracker's sink.
type workerSink struct{ a *sharedAnalysis }

// SessionStart numbers the session in the capture, over all workers: each
// tracker numbers its own from 1, and its number is read only once the
// sink has seen the session (the tracker sorts its open sessions by it,
// an order this keeps).
func (k workerSink) SessionStart(s *track.Session) {
	k.a.mu.Lock()
	defer k.a.mu.Unlock()
	k.a.sessions++
	s.ID = k.a.sessions
	k.a.p.diag.SessionStart(s)
}

func (k workerSink) Command(s *track.Session, c *track.Command) {
	k.a.mu.Lock()
	defer k.a.mu.Unlock()
	k.a.p.diag.Command(s, c)
}

func (k workerSink) Data(s *track.Session, d *track.DataConn) {
	k.a.mu.Lock()
	defer k.a.mu.Unlock()
	k.a.p.diag.Data(s, d)
}

func (k workerSink) Event(s *track.Session, e *track.Event) {
	k.a.mu.Lock()
	defer k.a.mu.Unlock()
	k.a.p.diag.Event(s, e)
}

func (k workerSink) SessionEnd(s *track.Session) {
	k.a.mu.Lock()
	defer k.a.mu.Unlock()
	k.a.p.diag.SessionEnd(s)
}

// liveWorker is one worker: its decoder and tracker are touched only by
// its goroutine; pub is what it publishes once a second.
type liveWorker struct {
	dec        *decode.Decoder
	trk        *track.Tracker
	packets    uint64
	lastPacket time.Time
	// due: the ticker (liveWorkers.second) asks the worker to publish
	// at its next packet; on the monotonic clock, not the packets' time
	// stamps, which a clock step moves back.
	due atomic.Bool
	// idleAt: the time of the latest idle tick, which moves the packet
	// clock on while no packet comes (dec.Tick).
	idleAt time.Time

	mu  sync.Mutex
	pub workerSnapshot
}

// workerSnapshot is a worker's counters at one moment.
type workerSnapshot struct {
	Decode           decode.Stats
	Limits           track.Limits
	Packets          uint64
	LastPacket       time.Time
	Clock            time.Time // the packet clock: LastPacket, or a later idle tick
	OpenSessions     int
	OpenExpectations int
}

func (w *liveWorker) publish() {
	s := workerSnapshot{Decode: w.dec.Stats(), Limits: w.trk.Limits(), Packets: w.packets, LastPacket: w.lastPacket,
		Clock: w.lastPacket, OpenSessions: w.trk.OpenSessions(), OpenExpectations: w.trk.OpenExpectations()}
	if w.idleAt.After(s.Clock) {
		s.Clock = w.idleAt
	}
	w.mu.Lock()
	w.pub = s
	w.mu.Unlock()
}

func (w *liveWorker) published() workerSnapshot {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pub
}

// liveWorkers runs `live` with several workers. runLive fills it.
type liveWorkers struct {
	opts    *liveOptions
	src     workerCapture
	shared  *sharedAnalysis
	workers []*liveWorker

	cf      *captureFile  // --write; nil without
	pwMu    sync.Mutex    // holds cf
	counted atomic.Uint64 // packets taken, with --count
	// numbered: packets numbered so far over all workers, so that a
	// packet number names one packet (with --write, the file's).
	numbered atomic.Uint64
	outFile  *reopenFile // --output; nil without
	m        *metrics    // --metrics; nil without
	st       *statusLine
	// lines is the output under the metrics wrapper, ticked once a
	// second at the workers' packet clock (flushEach.tick).
	lines *flushEach
	notes liveNotes // said in the stream (under a.mu)
}

// newLiveWorkers builds n workers around out, the output every worker
// writes to (through the shared analysis).
func newLiveWorkers(opts *liveOptions, src workerCapture, n int, out output) *liveWorkers {
	o := &opts.analysisOptions
	// The shared pipeline: its diagnoser and output are every worker's;
	// its decoder and tracker stay unused.
	a := &sharedAnalysis{p: newPipelineWith(o, out, track.Options{})}
	r := &liveWorkers{opts: opts, src: src, shared: a, st: &statusLine{}}
	for range n {
		// RecentOnly: live's outputs write each record as it happens
		// (newPipelineWith decides the same for them).
		trk := track.New(workerSink{a}, track.Options{UnansweredWait: opts.UnansweredWait, RecentOnly: true, NumberData: a.numberData,
			PassiveRange: o.passiveRange})
		w := &liveWorker{trk: trk, dec: decode.New(trk, o.decodeOptions())}
		w.due.Store(true) // the first packet publishes
		r.workers = append(r.workers, w)
	}
	return r
}

// run reads packets with every worker until ctx ends, --count packets
// were taken or a socket fails (the error returned).
func (r *liveWorkers) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.shared.mu.Lock()
	r.notes.startDrops()
	r.shared.mu.Unlock()
	tickDone := make(chan struct{})
	tickStopped := make(chan struct{})
	go func() {
		defer close(tickStopped)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				r.second()
			case <-tickDone:
				return
			}
		}
	}()
	errs := make([]error, len(r.workers))
	var wg sync.WaitGroup
	for i, w := range r.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.src.RunWorker(ctx, i, func(data []byte, ci gopacket.CaptureInfo, link layers.LinkType, iface int) bool {
				return r.packet(w, data, ci, link, iface)
			}, func(now time.Time) {
				w.dec.Tick(now) // the packet clock: decode expires, then track
				w.idleAt = now
				w.publish()
			})
			// A worker ends when asked to or when its socket failed;
			// either way the others stop too.
			cancel()
		}()
	}
	wg.Wait()
	close(tickDone)
	<-tickStopped
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// packet is a worker's packet callback.
func (r *liveWorkers) packet(w *liveWorker, data []byte, ci gopacket.CaptureInfo, link layers.LinkType, iface int) bool {
	last := false
	if r.opts.Count > 0 {
		// Exactly --count packets over all workers.
		k := r.counted.Add(1)
		if k > r.opts.Count {
			return true
		}
		last = k == r.opts.Count
	}
	var num uint64
	if r.cf != nil {
		r.pwMu.Lock()
		num = r.numbered.Add(1) // under the lock: the packet's place in the file
		r.cf.packet(iface, data, ci)
		r.pwMu.Unlock()
	} else {
		num = r.numbered.Add(1)
	}
	w.dec.DecodeNumbered(num, data, ci, link)
	w.packets++
	w.lastPacket = ci.Timestamp
	if w.due.Load() && w.due.Swap(false) {
		w.publish()
	}
	return last
}

// second runs once a second in its own goroutine: the --write file, the
// --output file's reopening, the status line and the metrics, from what
// the workers published.
func (r *liveWorkers) second() {
	for _, w := range r.workers {
		w.due.Store(true)
	}
	if r.cf != nil {
		r.pwMu.Lock()
		r.cf.flush()
		r.cf.reopenIfAsked()
		r.pwMu.Unlock()
	}
	a := r.shared
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.lines != nil {
		// The workers' packet clock, idle ticks included (as one worker's
		// live loop ticks its output when no packet comes).
		var now time.Time
		for _, w := range r.workers {
			if c := w.published().Clock; c.After(now) {
				now = c
			}
		}
		r.lines.tick(now)
	}
	if r.outFile != nil {
		// Between records: no record is being written while a.mu is held.
		r.outFile.reopenIfAsked()
	}
	var ks []capture.IfaceStats
	kerr := errNoSource
	if r.src != nil {
		ks, kerr = r.src.Stats()
	}
	r.notes.readDrops(ks, kerr, a.p.diag.CaptureDropped, false)
	snap := r.snapshot(ks)
	if r.m != nil {
		r.m.snap.update(snap)
	}
	if r.lines != nil {
		for _, l := range r.notes.check(snap) {
			r.lines.note(l)
		}
	}
	if r.st.on {
		drops := uint64(0)
		if kerr == nil {
			drops = kernelDrops(ks)
		}
		r.st.show(counted(int64(snap.Packets), "packet{s}") + "  " + counted(int64(snap.OpenSessions), "session{s} open") + "  " +
			counted(int64(snap.OpenExpectations), "expectation{s}") + "  " + counted(int64(drops), "kernel drop{s}") +
			"  (" + counted(int64(len(r.workers)), "worker{s}") + ")")
	}
}

// errNoSource: no capture to ask for the kernel's counters (tests).
var errNoSource = errors.New("no capture source")

// snapshot adds up what the workers published. Called with a.mu held (the
// diagnoser's counters), or once the workers have stopped.
func (r *liveWorkers) snapshot(kernel []capture.IfaceStats) snapshot {
	s := snapshot{Kernel: kernel, Omitted: r.shared.p.diag.Omitted(), OutputLost: r.lines.lost(), Files: filesCounts(r.cf, r.outFile)}
	for _, w := range r.workers {
		p := w.published()
		addCounters(&s.Decode, p.Decode)
		addCounters(&s.Limits, p.Limits)
		s.Packets += p.Packets
		if p.LastPacket.After(s.LastPacket) {
			s.LastPacket = p.LastPacket
		}
		s.OpenSessions += p.OpenSessions
		s.OpenExpectations += p.OpenExpectations
	}
	return s
}

// packets returns how many packets the workers analysed.
func (r *liveWorkers) packets() uint64 {
	n := uint64(0)
	for _, w := range r.workers {
		n += w.packets
	}
	return n
}

// finish ends the analysis once the workers have stopped: what each
// worker has pending becomes final, then the per-server summaries and the
// summary, once, with every worker's counters added up (pipeline.finish
// for several decoders).
func (r *liveWorkers) finish() error {
	r.endDrops()
	for _, w := range r.workers {
		w.dec.Finish() // closes its control connections, then finishes its tracker
		w.publish()
	}
	a := r.shared
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.p
	if d, ok := p.out.(diagnosisOutput); ok {
		d.Servers(p.diag.Summaries())
	}
	t := totals{Diagnosis: p.diag.Omitted()}
	for _, w := range r.workers {
		addCounters(&t.Decode, w.dec.Stats())
		t.Links = t.Links.Merge(w.dec.LinkStats())
		addCounters(&t.Limits, w.trk.Limits())
	}
	p.out.Summary(t)
	if err := p.out.Flush(); err != nil {
		return err
	}
	return p.failOnError()
}

// endDrops tells the diagnosis the drops since the last second's reading,
// before the workers' open sessions end, and says those no line said yet.
func (r *liveWorkers) endDrops() {
	if r.src == nil {
		return
	}
	ks, err := r.src.Stats()
	a := r.shared
	a.mu.Lock()
	defer a.mu.Unlock()
	said := r.notes.readDrops(ks, err, a.p.diag.CaptureDropped, true)
	if r.lines != nil {
		for _, l := range said {
			r.lines.note(l)
		}
	}
}

// addCounters adds every integer field of src to dst's: the counters of
// decode.Stats and track.Limits, all of which add up over workers
// (TestAddCounters checks that they have no other fields).
func addCounters[T any](dst *T, src T) {
	d, s := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src)
	for i := range d.NumField() {
		f := d.Field(i)
		switch {
		case f.CanInt():
			f.SetInt(f.Int() + s.Field(i).Int())
		case f.CanUint():
			f.SetUint(f.Uint() + s.Field(i).Uint())
		}
	}
}
