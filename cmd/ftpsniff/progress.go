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

// progress draws one line on stderr while a file is read, when stderr is a
// terminal: bytes read of the file's size, packets, sessions so far and
// the rate. It is drawn from the decoding goroutine, between packets, so
// it reads the decoder's counters without sharing them.
type progress struct {
	w     io.Writer
	on    bool
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
	return &progress{w: stderr, on: isTerminal(stderr) && os.Getenv("TERM") != "dumb"}
}

// file starts the line for one input.
func (p *progress) file(name string, src capture.Source, dec *decode.Decoder) {
	p.name, p.src, p.dec, p.size = name, src, dec, 0
	if name != "-" {
		if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() {
			p.size = fi.Size()
		}
	}
	p.start = time.Now()
	p.next = p.start.Add(500 * time.Millisecond) // quick reads draw nothing
}

// tick is called per packet; it looks at the clock every progressEvery.
func (p *progress) tick() {
	if p.n++; p.n < progressEvery {
		return
	}
	p.n = 0
	now := time.Now()
	if now.Before(p.next) {
		return
	}
	p.next = now.Add(200 * time.Millisecond)
	read := capture.BytesRead(p.src)
	st := p.dec.Stats()
	rate := float64(read) / now.Sub(p.start).Seconds()
	name := p.name
	if name == "-" {
		name = "stdin"
	}
	line := fmt.Sprintf("%s  %s", name, mib(read))
	if p.size > 0 {
		line += fmt.Sprintf(" of %s (%d%%)", mib(p.size), read*100/p.size)
	}
	line += fmt.Sprintf("  %d packets  %d sessions  %s/s", st.Packets, st.ControlConns, mib(int64(rate)))
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.shown = true
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
