package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// progressEvery is how many packets go by between two looks at the clock.
const progressEvery = 4096

const (
	progressDelay  = 500 * time.Millisecond // quick reads draw nothing
	progressRedraw = 200 * time.Millisecond // between two draws
)

// progress draws one line on stderr while a file is read, when stderr is a
// terminal: bytes read of the file's size, packets, sessions so far and
// the rate. It is drawn from the decoding goroutine, between packets, so
// it reads the decoder's counters without sharing them.
//
// Its clock is now (time.Now when nil); tests give it their own, and look
// at it every packet instead of every progressEvery. The zero value is a
// line that is off.
type progress struct {
	w     io.Writer
	on    bool
	now   func() time.Time
	every int // packets between looks at the clock; progressEvery when 0
	name  string
	size  int64 // 0 when unknown (a pipe)
	src   capture.Source
	dec   *decode.Decoder
	start time.Time
	next  time.Time
	n     int
	shown bool
}

// newProgress returns a progress line for stderr, off when stderr is not a
// terminal (or TERM=dumb).
func newProgress(stderr io.Writer) *progress {
	return newProgressFor(stderr, drawsProgress(isTerminal(stderr), os.Getenv("TERM")), time.Now)
}

// newProgressFor returns a progress line written to w when on, on the
// clock now.
func newProgressFor(w io.Writer, on bool, now func() time.Time) *progress {
	return &progress{w: w, on: on, now: now, every: progressEvery}
}

// drawsProgress tells whether a line redrawn in place belongs on a stream:
// only on a terminal that understands the erase-line escape.
func drawsProgress(terminal bool, term string) bool {
	return terminal && term != "dumb"
}

func (p *progress) clock() time.Time {
	if p.now == nil {
		return time.Now()
	}
	return p.now()
}

// file starts the line for one input.
func (p *progress) file(name string, src capture.Source, dec *decode.Decoder) {
	p.name, p.src, p.dec, p.size = name, src, dec, 0
	if name != "-" {
		if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() {
			p.size = fi.Size()
		}
	}
	p.start = p.clock()
	p.next = p.start.Add(progressDelay)
}

// tick is called per packet; it looks at the clock every progressEvery.
func (p *progress) tick() {
	every := p.every
	if every <= 0 {
		every = progressEvery
	}
	if p.n++; p.n < every {
		return
	}
	p.n = 0
	now := p.clock()
	if now.Before(p.next) {
		return
	}
	p.next = now.Add(progressRedraw)
	st := p.dec.Stats()
	line := progressLine(p.name, capture.BytesRead(p.src), p.size, st.Packets, st.ControlConns, now.Sub(p.start))
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.shown = true
}

// progressLine is what the line says: the input ("-" is stdin), bytes
// read of its size (when known), packets, sessions, and bytes read per
// second over elapsed.
func progressLine(name string, read, size int64, packets, sessions uint64, elapsed time.Duration) string {
	if name == "-" {
		name = "stdin"
	}
	// A file name is anyone's bytes: one holding ESC]0;…BEL would retitle
	// the terminal the line is drawn on.
	line := fmt.Sprintf("%s  %s", safe(name), mib(read))
	if size > 0 {
		line += fmt.Sprintf(" of %s (%d%%)", mib(size), read*100/size)
	}
	var rate float64
	if elapsed > 0 {
		rate = float64(read) / elapsed.Seconds()
	}
	return line + "  " + counted(int64(packets), "packet{s}") + "  " + counted(int64(sessions), "session{s}") + "  " + mib(int64(rate)) + "/s"
}

// clear takes the line off the terminal.
func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// progressSource ticks the progress line once per packet.
type progressSource struct {
	capture.Source
	p *progress
}

func (s *progressSource) Next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	s.p.tick()
	return s.Source.Next()
}
