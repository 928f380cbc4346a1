package capture

import (
	"sync/atomic"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Prefetch blocks: packets are copied back to back into blocks of about
// prefetchBlock bytes; prefetchBlocks of them circulate between the reading
// goroutine and the caller.
const (
	prefetchBlock  = 256 << 10 // large enough that a channel hand-over per block costs nothing per packet
	prefetchBlocks = 4
	prefetchPkts   = prefetchBlock / 64 // more packets than this per block are improbable
)

type prefetchRec struct {
	off, n int
	ci     gopacket.CaptureInfo
	link   layers.LinkType
}

type prefetchBatch struct {
	buf  []byte
	recs []prefetchRec
	err  error // what ended the source after these packets (io.EOF included)
}

// prefetch is a Source that reads its source in a goroutine of its own, a
// block ahead of the caller, so reading (and gunzipping) a file runs on one
// core while the caller decodes on another. Packets cross between the two
// as copies in recycled blocks, never as the source's zero-copy buffers.
type prefetch struct {
	src  Source
	full chan *prefetchBatch
	free chan *prefetchBatch
	stop chan struct{}
	// stopped mirrors stop for the reader's per-packet check: a load
	// instead of a select for every packet.
	stopped atomic.Bool
	cur     *prefetchBatch
	i       int
	// waiting runs in the caller's goroutine when Next is about to wait
	// for the reader (nil: nothing to do).
	waiting func()
}

// blocker is a source that can tell that its next Next may wait on a
// writer (the file sources on a pipe: input.wouldBlock).
type blocker interface{ wouldBlock() bool }

// Prefetch wraps src so that it is read ahead in a goroutine. The result
// keeps src's contract: Next's data is valid until the next call, errors
// come after every packet read before them, in order. Close stops the
// reading goroutine (waiting for a Next of src under way to return) and
// closes src.
//
// When src is a pipe (Streaming), the reader does not wait for a full
// block: it hands over what it holds as soon as src has no more bytes
// buffered, so packets written to the pipe are analysed as they arrive,
// not when a block fills or the writer closes the pipe.
func Prefetch(src Source) Source { return PrefetchWaiting(src, nil) }

// PrefetchWaiting is Prefetch, with waiting called (in Next's goroutine)
// each time Next has no packet at hand and is about to wait for the
// reader: the moment to flush output, so that what the packets so far
// produced is seen while the input is quiet.
//
// A plain file (not compressed, not a pipe) is returned as it is: read in
// the caller's goroutine from the page cache, it costs less than handing
// every packet across cores (see readAheadPays).
func PrefetchWaiting(src Source, waiting func()) Source {
	if !readAheadPays(src) {
		return src
	}
	return newPrefetch(src, waiting)
}

// newPrefetch starts reading src ahead, whatever it is.
func newPrefetch(src Source, waiting func()) *prefetch {
	p := &prefetch{
		waiting: waiting,
		src:     src,
		full:    make(chan *prefetchBatch, prefetchBlocks),
		free:    make(chan *prefetchBatch, prefetchBlocks),
		stop:    make(chan struct{}),
	}
	for range prefetchBlocks {
		p.free <- &prefetchBatch{
			// Room for a block plus the largest record, so appending never
			// grows the buffer.
			buf:  make([]byte, 0, prefetchBlock+maxRecord),
			recs: make([]prefetchRec, 0, prefetchPkts),
		}
	}
	go p.read()
	return p
}

// readAheadPays tells whether reading src in a goroutine of its own is
// worth copying every packet into a block and handing it to another core:
// for a gzip-compressed input, whose inflating costs more than the
// decoding, and for a pipe, whose reads wait on the writer. A plain file
// is not: its read is a copy from the page cache, cheaper than the
// hand-over (docs/performance.md, "Reading ahead": 1 GB of bulk transfers
// 0.53 s with a reading goroutine, 0.44 s without, half the CPU time and
// 3 MB less resident; 20,000 small sessions the same wall time, a fifth
// less CPU, 4 MB less resident; a gzip file 1.8 s with it, 2.5 s without).
func readAheadPays(src Source) bool {
	var in *input
	switch s := src.(type) {
	case *blockPcap:
		return false // it reads ahead itself, in blocks
	case *pcapSource:
		in = s.input
	case *ngSource:
		in = s.input
	default:
		return true
	}
	return in.gz != nil || in.stream
}

func (p *prefetch) read() {
	defer close(p.full)
	bl, _ := p.src.(blocker)
	for {
		var b *prefetchBatch
		select {
		case b = <-p.free:
		case <-p.stop:
			return
		}
		b.buf, b.recs, b.err = b.buf[:0], b.recs[:0], nil
		for len(b.buf) < prefetchBlock && len(b.recs) < cap(b.recs) && !p.stopping() {
			data, ci, link, err := p.src.Next()
			if err != nil {
				b.err = err
				break
			}
			if len(data) > maxRecord {
				data = data[:maxRecord] // never happens with the sources here
			}
			off := len(b.buf)
			b.buf = append(b.buf, data...)
			b.recs = append(b.recs, prefetchRec{off: off, n: len(data), ci: ci, link: link})
			if bl != nil && bl.wouldBlock() {
				break // hand over what arrived before waiting for more
			}
		}
		select {
		case p.full <- b:
		case <-p.stop:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// stopping tells whether Close was called, without waiting.
func (p *prefetch) stopping() bool { return p.stopped.Load() }

// Next implements Source.
func (p *prefetch) Next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	for {
		if b := p.cur; b != nil {
			if p.i < len(b.recs) {
				r := &b.recs[p.i]
				p.i++
				return b.buf[r.off : r.off+r.n : r.off+r.n], r.ci, r.link, nil
			}
			if b.err != nil {
				return nil, gopacket.CaptureInfo{}, 0, b.err // sticky, like the sources
			}
			p.free <- b
			p.cur = nil
		}
		var b *prefetchBatch
		var ok bool
		select {
		case b, ok = <-p.full:
		default:
			if p.waiting != nil {
				p.waiting()
			}
			b, ok = <-p.full
		}
		if !ok {
			return nil, gopacket.CaptureInfo{}, 0, openError(p.src.Name(), ErrClosed, "", nil)
		}
		p.cur, p.i = b, 0
	}
}

// Name implements Source.
func (p *prefetch) Name() string { return p.src.Name() }

// Close implements Source.
func (p *prefetch) Close() error {
	if !p.stopped.Swap(true) {
		close(p.stop)
	}
	// Wait for the reader to leave src before closing it.
	for range p.full {
	}
	return p.src.Close()
}
