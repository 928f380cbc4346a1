package main

// read --vantage reads its points side by side in time order, so that the
// merge (vantage.Stream) can write and drop each session once every point
// has seen it end: what the run holds follows the sessions open at once.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
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
	file  io.Closer // src's file when openPoint opened it (nil: src closes its own)
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
			src, file, err := openPoint(f)
			if err != nil {
				p.failed = true
				*errs = append(*errs, fmt.Errorf("--vantage %s: %w", p.name, err))
				continue
			}
			if len(p.files) > 1 {
				p.dec.SetInput(f)
			}
			p.src, p.file = src, file
		}
		var err error
		p.data, p.ci, p.link, err = p.src.Next()
		if err == nil {
			p.ok = true
			return
		}
		p.src.Close()
		if p.file != nil {
			p.file.Close()
		}
		p.src, p.file = nil, nil
		if !errors.Is(err, io.EOF) {
			p.failed = true
			*errs = append(*errs, fmt.Errorf("--vantage %s: %w", p.name, err))
		}
	}
}

// openPoint opens a point's file for the merge. A plain pcap file is
// read as a stream (capture.OpenReader over the file, its Close the
// caller's): each record taken from capture's 64 KiB buffer in the
// merge's goroutine, not from blocks a goroutine of its own reads ahead
// (blockPcap: 4 of 128 KiB a file, live all along, and with --json
// each point's own analysis reads the same file at once with its own).
// The merge decodes far slower than a file is read, so the read-ahead
// bought it nothing. capture holds both ways of reading a pcap file to
// the same records and the same errors (TestBlockPcapSameAsStream).
// Anything else (gzip, pcapng, standard input, a file that will not
// open or whose stream refuses it) is opened as read opens it, and read
// ahead (capture.Prefetch) where that pays: errors worded as read's.
func openPoint(name string) (capture.Source, io.Closer, error) {
	if name != "-" {
		if f, err := os.Open(name); err == nil {
			var head [4]byte
			if _, err := io.ReadFull(f, head[:]); err == nil && plainPcapMagic(head) {
				if _, err := f.Seek(0, io.SeekStart); err == nil {
					if src, err := capture.OpenReader(name, struct{ io.Reader }{f}); err == nil {
						return src, f, nil
					}
				}
			}
			f.Close()
		}
	}
	src, err := capture.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return capture.Prefetch(src), nil, nil
}

// plainPcapMagic says whether a file starting with head is a pcap file
// (not gzip-compressed, not pcapng): micro- or nanosecond, modified
// (Kuznetzov's), either byte order.
func plainPcapMagic(head [4]byte) bool {
	switch binary.LittleEndian.Uint32(head[:]) {
	case 0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34, 0xd4c3b2a1, 0x4d3cb2a1, 0x34cdb2a1:
		return true
	}
	return false
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
