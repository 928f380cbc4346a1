package relay

import (
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// Batch bounds: a batch is handed over when it holds this many events or
// this many payload bytes, whichever comes first. With batches in flight
// at most, the decoder runs at most that far ahead of the handler.
const (
	batchEvents  = 256
	batchPayload = 256 << 10
	batches      = 4
)

type eventKind uint8

const (
	evSegment eventKind = iota
	evUnreachable
	evControl
	evTick
	evFinish
)

// event is one Handler call in a batch: its kind and its index in the
// slice of that kind.
type event struct {
	kind eventKind
	i    int32
}

// payloadRef locates a copied payload in a batch's arena.
type payloadRef struct {
	off, n int32
}

type batch struct {
	events   []event
	segments []decode.Segment
	payloads []payloadRef // one per segment; n < 0: none copied
	arena    []byte
	unreach  []decode.Unreachable
	controls []decode.ControlEvent
	ticks    []time.Time
	// sync: once this batch is replayed, the handler is idle until the
	// next one, and the relay's caller may call it directly.
	sync bool
}

func (b *batch) reset() {
	clear(b.segments) // drop what the entries point at (payloads, zones)
	clear(b.controls) // replies, strings
	b.events, b.segments, b.payloads, b.arena = b.events[:0], b.segments[:0], b.payloads[:0], b.arena[:0]
	b.unreach, b.controls, b.ticks = b.unreach[:0], b.controls[:0], b.ticks[:0]
	b.sync = false
}

func (b *batch) full() bool {
	return len(b.events) >= batchEvents || len(b.arena) >= batchPayload
}

// Relay is a decode.Handler that passes every call on to another Handler,
// in the same order, on a goroutine of its own. Make one with New, give it
// to decode.New, and call Finish through the decoder (or Close) at the end.
type Relay struct {
	h      decode.Handler
	expect decode.DataExpecter
	opts   Options

	cur  *batch
	full chan *batch
	free chan *batch
	// synced receives one value when a batch marked sync has been
	// replayed; exited is closed when the handler's goroutine ends.
	synced chan struct{}
	exited chan struct{}
	closed bool

	// What the decoder's goroutine knows of what the handler may need
	// (see ExpectsData and Segment).
	announced [1 << 16 / 64]uint64 // ports a data endpoint was announced on
	protected bool                 // a control connection has turned to TLS or sent PROT

	stats Stats
}

// Stats counts what a Relay did.
type Stats struct {
	Batches      uint64 // batches handed over
	Syncs        uint64 // times the decoder waited for the handler to catch up
	PayloadBytes uint64 // data-connection payload bytes copied for the handler
}

// Options says what a Relay's handler reads beyond what the tracker does.
type Options struct {
	// ControlPayload: the handler reads control segments' payloads too
	// (the Linux FTP helper's simulation parses them packet by packet,
	// as the kernel does), so they are copied.
	ControlPayload bool
	// PayloadOf, when set, says which segments of connections decode
	// does not take for FTP (yet) the handler reads the payload of too
	// (the helper simulation reads a connection to a port the helper is
	// attached to from its first packet, before decode has recognised it
	// by its content): those are copied as well.
	PayloadOf func(*decode.Segment) bool
}

// New starts the goroutine that calls h, and returns the Handler to give
// the decoder in its place.
func New(h decode.Handler, o Options) *Relay {
	r := &Relay{
		h:      h,
		opts:   o,
		full:   make(chan *batch, batches),
		free:   make(chan *batch, batches),
		synced: make(chan struct{}),
		exited: make(chan struct{}),
	}
	r.expect, _ = h.(decode.DataExpecter)
	for range batches - 1 {
		r.free <- &batch{}
	}
	r.cur = &batch{}
	go r.run()
	return r
}

// run is the handler's goroutine: every batch replayed in order.
func (r *Relay) run() {
	defer close(r.exited)
	for b := range r.full {
		r.replay(b)
		sync := b.sync
		b.reset()
		r.free <- b
		if sync {
			r.synced <- struct{}{}
		}
	}
}

func (r *Relay) replay(b *batch) {
	for _, e := range b.events {
		switch e.kind {
		case evSegment:
			s := &b.segments[e.i]
			if p := b.payloads[e.i]; p.n >= 0 {
				s.Payload = b.arena[p.off : p.off+p.n : p.off+p.n]
			}
			r.h.Segment(s)
		case evUnreachable:
			r.h.Unreachable(&b.unreach[e.i])
		case evControl:
			r.h.Control(&b.controls[e.i])
		case evTick:
			r.h.Tick(b.ticks[e.i])
		case evFinish:
			r.h.Finish()
		}
	}
}

// handOver passes the current batch to the handler's goroutine and takes
// a free one (waiting while the handler is batches behind).
func (r *Relay) handOver(sync bool) {
	r.cur.sync = sync
	r.stats.Batches++
	r.full <- r.cur
	r.cur = <-r.free
}

func (r *Relay) add(k eventKind, i int) {
	r.cur.events = append(r.cur.events, event{kind: k, i: int32(i)})
	if r.cur.full() {
		r.handOver(false)
	}
}

// Sync returns once the handler has been given, and has returned from,
// every call made so far. Until the next call to the Relay the handler is
// idle, so its state may be read (or it may be called) from the caller's
// goroutine.
func (r *Relay) Sync() {
	if r.closed {
		return
	}
	r.stats.Syncs++
	r.handOver(true)
	<-r.synced
}

// Close syncs and stops the handler's goroutine. Calls after it go to the
// handler directly, on the caller's goroutine.
func (r *Relay) Close() {
	if r.closed {
		return
	}
	r.Sync()
	r.closed = true
	close(r.full)
	<-r.exited
}

// Stats returns what the relay did so far.
func (r *Relay) Stats() Stats { return r.stats }

// Segment implements decode.Handler. The payload is copied only when the
// handler may read it: the tracker reads a data connection's payload only
// when its session's data may be TLS (it reads the record headers), which
// a control connection shows first (AUTH, PROT, implicit FTPS), and a
// control segment's payload never (its bytes come as ControlEvents)
// unless Options.ControlPayload; others as Options.PayloadOf says.
func (r *Relay) Segment(s *decode.Segment) {
	if r.closed {
		r.h.Segment(s)
		return
	}
	b := r.cur
	ref := payloadRef{n: -1}
	if len(s.Payload) > 0 && (s.Control && r.opts.ControlPayload || !s.Control && (r.protected || r.opts.PayloadOf != nil && r.opts.PayloadOf(s))) {
		ref = payloadRef{off: int32(len(b.arena)), n: int32(len(s.Payload))}
		b.arena = append(b.arena, s.Payload...)
		r.stats.PayloadBytes += uint64(len(s.Payload))
	}
	i := len(b.segments)
	b.segments = append(b.segments, *s)
	b.segments[i].Payload = nil
	b.payloads = append(b.payloads, ref)
	r.add(evSegment, i)
}

// Unreachable implements decode.Handler.
func (r *Relay) Unreachable(u *decode.Unreachable) {
	if r.closed {
		r.h.Unreachable(u)
		return
	}
	r.cur.unreach = append(r.cur.unreach, *u)
	r.add(evUnreachable, len(r.cur.unreach)-1)
}

// Control implements decode.Handler.
func (r *Relay) Control(e *decode.ControlEvent) {
	if e.Encrypts || e.ImplicitTLS || (e.Kind == decode.ControlCommand && e.Command.Verb == "PROT") {
		r.protected = true
	}
	if e.Endpoint.Via != 0 && e.EndpointErr == nil {
		p := e.Endpoint.Addr.Port()
		r.announced[p/64] |= 1 << (p % 64)
	}
	if r.closed {
		r.h.Control(e)
		return
	}
	r.cur.controls = append(r.cur.controls, *e)
	r.add(evControl, len(r.cur.controls)-1)
}

// Tick implements decode.Handler.
func (r *Relay) Tick(now time.Time) {
	if r.closed {
		r.h.Tick(now)
		return
	}
	r.cur.ticks = append(r.cur.ticks, now)
	r.add(evTick, len(r.cur.ticks)-1)
}

// Finish implements decode.Handler: it passes Finish on and returns once
// the handler has finished, so that what the handler made is complete
// when the decoder's Finish returns.
func (r *Relay) Finish() {
	if r.closed {
		r.h.Finish()
		return
	}
	r.add(evFinish, 0)
	r.Sync()
}

// ExpectsData implements decode.DataExpecter. The handler's answer depends
// on every call before this one, so asking it means waiting until it has
// caught up. That wait is spared where decode.DataExpecter's contract says
// the answer can only be no: no endpoint was announced on dst's port, no
// SYN from it was expected before, and the port is privileged or no
// control connection has turned to TLS.
func (r *Relay) ExpectsData(src, dst netip.AddrPort) bool {
	if r.expect == nil {
		return false
	}
	p := dst.Port()
	if r.closed {
		return r.expect.ExpectsData(src, dst)
	}
	if r.announced[p/64]&(1<<(p%64)) == 0 && !(r.protected && p >= 1024) {
		return false
	}
	r.Sync()
	yes := r.expect.ExpectsData(src, dst)
	if yes {
		// A SYN the other way on this 4-tuple (a simultaneous open) may
		// be expected too: it goes to src's port.
		q := src.Port()
		r.announced[q/64] |= 1 << (q % 64)
	}
	return yes
}
