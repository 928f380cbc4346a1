package capture

import (
	"io"
	"sync/atomic"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// A plain pcap file (not compressed, not a pipe) is read by blockPcap: a
// goroutine reads the file in large blocks, one or two ahead, and Next
// returns each record's bytes where they lie in a block. The caller's
// goroutine makes no read system call and copies nothing but the rare
// record that straddles two blocks; the reading goroutine hands over a
// block, not a packet, so the hand-over costs nothing per packet
// (docs/performance.md, "Reading a plain pcap file").
//
// Records are taken apart as pcapSource takes them, by pcapFormat.record,
// and end the same way, error for error (TestBlockPcapSameAsStream and
// FuzzBlockPcapSameAsStream hold it to that).
const (
	pcapBlockSize = 128 << 10
	pcapBlocks    = 4 // one the caller reads from, three for the reader to fill
)

type pcapBlock struct {
	b   []byte
	err error // what ended reading after these bytes (io.EOF included)
}

type blockPcap struct {
	*input
	pcapFormat

	full    chan pcapBlock
	free    chan []byte
	stop    chan struct{}
	stopped atomic.Bool

	cur     []byte // unread bytes of the current block
	curBuf  []byte // the current block whole, to recycle (nil: none)
	curErr  error  // what ends the input after cur
	scratch []byte // a record or header that straddles blocks
	head    [24]byte
	// back: bytes ahead read for a file header that was none (ahead),
	// taken before cur.
	back []byte
}

// newBlockPcap reads records from r, positioned after the file header,
// in the format f.
func newBlockPcap(in *input, r io.Reader, f pcapFormat, blockSize int) *blockPcap {
	s := &blockPcap{
		input:      in,
		pcapFormat: f,
		full:       make(chan pcapBlock, pcapBlocks),
		free:       make(chan []byte, pcapBlocks),
		stop:       make(chan struct{}),
	}
	for range pcapBlocks {
		s.free <- make([]byte, blockSize)
	}
	go s.read(r)
	return s
}

// read fills free blocks from r until it ends or fails, or Close.
func (s *blockPcap) read(r io.Reader) {
	defer close(s.full)
	for {
		var b []byte
		select {
		case b = <-s.free:
		case <-s.stop:
			return
		}
		n, err := io.ReadFull(r, b)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF // a short last block
		}
		select {
		case s.full <- pcapBlock{b: b[:n], err: err}:
		case <-s.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// nextBlock makes the next block current and recycles the one before:
// nothing in it is needed any more (Next invalidated the last packet, and
// a record header is copied out before its data is taken), so the caller
// holds one block and the reader always has the others to fill.
func (s *blockPcap) nextBlock() bool {
	if s.curErr != nil {
		return false
	}
	if s.curBuf != nil {
		s.free <- s.curBuf
		s.curBuf = nil
	}
	blk, ok := <-s.full
	if !ok {
		s.curErr = io.EOF
		return false
	}
	s.curBuf = blk.b[:cap(blk.b)]
	s.cur, s.curErr = blk.b, blk.err
	return true
}

// take returns the next n bytes, in place when one block holds them, else
// gathered into scratch. Short of n bytes it returns what there was and
// io.EOF (none) or io.ErrUnexpectedEOF (some), as io.ReadFull does, or
// the error that stopped reading.
func (s *blockPcap) take(n int) ([]byte, error) {
	if len(s.back) > 0 {
		return s.takeBack(n)
	}
	for len(s.cur) == 0 {
		if !s.nextBlock() {
			if n == 0 {
				return nil, nil
			}
			return nil, s.endErr(io.EOF)
		}
	}
	if len(s.cur) >= n {
		b := s.cur[:n:n]
		s.cur = s.cur[n:]
		return b, nil
	}
	s.scratch = append(s.scratch[:0], s.cur...)
	s.cur = nil
	return s.fill(n)
}

// fill appends the input's next bytes to scratch until it holds n, across
// blocks (take, takeBack).
func (s *blockPcap) fill(n int) ([]byte, error) {
	for len(s.scratch) < n {
		if len(s.cur) == 0 && !s.nextBlock() {
			return s.scratch, s.endErr(io.ErrUnexpectedEOF)
		}
		k := min(n-len(s.scratch), len(s.cur))
		s.scratch = append(s.scratch, s.cur[:k]...)
		s.cur = s.cur[k:]
	}
	return s.scratch, nil
}

// takeBack is take when bytes read ahead are waiting in back.
func (s *blockPcap) takeBack(n int) ([]byte, error) {
	if n <= len(s.back) {
		b := s.back[:n:n]
		s.back = s.back[n:]
		return b, nil
	}
	s.scratch = append(s.scratch[:0], s.back...)
	s.back = nil
	return s.fill(n)
}

// ahead returns the next n bytes, or as many as the input has, without
// taking them: in place when the current block holds them, else read
// and kept in back (only at a file header's magic: allocating is fine).
func (s *blockPcap) ahead(n int) []byte {
	if len(s.back) == 0 && len(s.cur) >= n {
		return s.cur[:n]
	}
	b, _ := s.take(n)
	s.back = append(append([]byte(nil), b...), s.back...)
	return s.back[:len(b)]
}

// joined reads on past the header of another pcap file joined to this one
// (joinedFile) when the record header in head (recLen bytes) starts one.
func (s *blockPcap) joined() bool {
	if !mayJoin(s.head[:]) {
		return false
	}
	rest := 24 - s.recLen
	if copy(s.head[s.recLen:], s.ahead(rest)) < rest {
		return false
	}
	f, ok := joinedFile(s.head[:])
	if !ok {
		return false
	}
	s.take(rest)
	s.pcapFormat = f
	s.stats.JoinedFiles++
	return true
}

// endErr is the error for an input that ended short: its own error if it
// failed, else short (io.EOF or io.ErrUnexpectedEOF).
func (s *blockPcap) endErr(short error) error {
	if s.curErr != nil && s.curErr != io.EOF {
		return s.curErr
	}
	return short
}

func (s *blockPcap) Next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	if s.err != nil {
		return nil, gopacket.CaptureInfo{}, 0, s.err
	}
	for {
		h, err := s.take(s.recLen)
		if err != nil {
			if err == io.EOF && s.raw.err == nil {
				s.err = io.EOF
				return nil, gopacket.CaptureInfo{}, 0, io.EOF
			}
			return nil, gopacket.CaptureInfo{}, 0, s.fail(err)
		}
		copy(s.head[:], h) // the data may come from another block, or scratch
		if !s.joined() {
			break
		}
	}
	ci, err := s.record(s.head[:s.recLen])
	if err != nil {
		return nil, gopacket.CaptureInfo{}, 0, s.corrupt(err)
	}
	data, err := s.take(ci.CaptureLength)
	if err != nil {
		return nil, gopacket.CaptureInfo{}, 0, s.fail(err)
	}
	s.tally(ci, &s.stats)
	s.packets++
	if s.fcs > 0 && s.link == layers.LinkTypeEthernet {
		data = stripFCS(data, &ci, s.fcs)
	}
	return data, ci, s.link, nil
}

// fail stops the reading goroutine before classifying err: it reads the
// recorders, which that goroutine writes.
func (s *blockPcap) fail(err error) error {
	s.halt()
	return s.input.fail(err)
}

// corrupt stops reading at a record the bytes already in hand prove
// corrupt. Unlike fail it does not look for an I/O error first: one the
// reading goroutine met further on, up to a few blocks ahead, is not why
// this record is bad (the stream reader, reading no further than the
// record, reports it as corrupt too).
func (s *blockPcap) corrupt(err error) error {
	s.halt()
	s.err = readError(s.name, s.packets, ErrCorrupt, err.Error(), err)
	return s.err
}

// halt stops the reading goroutine and waits for it to leave the file.
func (s *blockPcap) halt() {
	if !s.stopped.Swap(true) {
		close(s.stop)
	}
	for range s.full {
	}
}

// Close stops the reading goroutine, waiting for a read under way to
// return, then closes the file.
func (s *blockPcap) Close() error {
	s.halt()
	return s.input.Close()
}
