package main

// read --vantage reads its points side by side in time order, so that the
// merge (vantage.Stream) can write and drop each session once every point
// has seen it end: what the run holds follows the sessions open at once.

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track/vantage"
)

// pointReader reads one point's files, one after the other, a packet
// ahead: the one its next Decode will take.
type pointReader struct {
	name  string
	files []string
	c     *vantage.Collector
	dec   *decode.Decoder
	k     int // the next file to open
	src   capture.Source
	// the packet read ahead; ok false once every file is read
	data    []byte
	ci      gopacket.CaptureInfo
	link    layers.LinkType
	ok      bool
	failed  bool   // a file could not be read
	counted uint64 // decode's packets not TCP, given to the collector so far
}

// next reads the packet after the one at hand, opening the point's next
// file at the end of one; errors are the point's input errors.
func (p *pointReader) next(errs *[]error) {
	for {
		if p.src == nil {
			if p.k == len(p.files) {
				p.ok = false
				return
			}
			f := p.files[p.k]
			p.k++
			src, err := capture.Open(f)
			if err != nil {
				p.failed = true
				*errs = append(*errs, fmt.Errorf("--vantage %s: %w", p.name, err))
				continue
			}
			if len(p.files) > 1 {
				p.dec.SetInput(f)
			}
			p.src = capture.Prefetch(src)
		}
		var err error
		p.data, p.ci, p.link, err = p.src.Next()
		if err == nil {
			p.ok = true
			return
		}
		p.src.Close()
		p.src = nil
		if !errors.Is(err, io.EOF) {
			p.failed = true
			*errs = append(*errs, fmt.Errorf("--vantage %s: %w", p.name, err))
		}
	}
}

// nonTCP brings the collector's count of packets neither TCP nor an ICMP
// error up to decode's.
func (p *pointReader) nonTCP() {
	st := p.dec.Stats()
	if n := st.NotIP + st.NotTCP; n > p.counted {
		p.c.NonTCP(n - p.counted)
		p.counted = n
	}
}

// readPointsInTime decodes every point's packets in the order of their
// times, each point's taken on the first point's clock (st.Offsets), and
// tells st how far every point has been read.
func readPointsInTime(ps []*pointReader, st *vantage.Stream, errs *[]error) error {
	for _, p := range ps {
		p.next(errs)
	}
	for {
		var at *pointReader
		var t time.Time
		for i, p := range ps {
			if !p.ok {
				continue
			}
			pt := p.ci.Timestamp
			if i < len(st.Offsets) {
				pt = pt.Add(-st.Offsets[i])
			}
			if at == nil || pt.Before(t) {
				at, t = p, pt
			}
		}
		if at == nil {
			break
		}
		// Every point has been read up to t: what ended long enough
		// before may be merged.
		if err := st.Advance(t); err != nil {
			return err
		}
		at.dec.Decode(at.data, at.ci, at.link)
		at.next(errs)
	}
	for _, p := range ps {
		p.dec.Finish()
		p.nonTCP()
	}
	return nil
}
