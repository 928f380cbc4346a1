package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sync/atomic"
)

// ngFrame sits between the input and pcapgo.NgReader and follows the pcapng
// block framing as the bytes pass, stopping the stream at the first block
// whose lengths cannot be right. pcapgo trusts those lengths: a block length
// below 12 wraps its uint32 arithmetic and it then discards up to 4 GiB,
// silently swallowing the rest of the file; a captured length beyond the
// block makes it read (and buffer) the following blocks as packet data.
// Stopping the bytes at the bad header turns both into an ErrCorrupt with
// the block's offset, and bounds what one block can make pcapgo allocate.
//
// pcapgo also keeps, per section and without a bound, every interface
// description, name resolution record and decryption secret it reads. Each
// block header is therefore read whole before any of it is passed on, so
// that its type can be rewritten to one pcapgo skips unread: name
// resolution and decryption secrets blocks always (ftpsniff uses neither),
// interface descriptions beyond the per-section bound, and the packets and
// statistics of those interfaces. What is skipped for a bound is counted
// in Stats.
//
// pcapgo keeps the strings of options too: per interface its name,
// comment, description, filter and OS, per statistics block its comment,
// per packet every comment, hash and verdict, up to 64 KiB each. ftpsniff
// reads none of them, so each option header is read whole too and every
// option but an interface's if_tsresol and if_tsoffset is passed on under
// a code pcapgo reads past (optDropped): an interface or packet with
// megabytes of options is kept, and costs pcapgo no more than one without
// (review: a 13 MB interface description of 64 KB comments, legal, was
// ignored for the interface byte bound with every packet on it).
//
// ngFrame also reads a few options as they pass: if_tsresol, to pass on
// as nanoseconds an interface whose resolution pcapgo converts wrongly,
// rewriting the timestamps of its packets and statistics (fixTime); the
// drop counts of statistics blocks, for Stats; and an interface's
// if_filter, the capture filter its packets were taken with, for
// FilterOf.
type ngFrame struct {
	r     io.Reader
	stats *Stats
	err   error // first framing error; returned once the bytes before it were passed on
	rerr  error // read error that cut a block header; returned after its bytes

	off   int64 // stream offset of the next byte read from r
	start int64 // offset of the current block
	hdr   [24]byte
	hn    int    // header bytes of the current block read so far
	hsent int    // of those, bytes passed on
	left  uint32 // bytes of the current block after the header bytes
	skip  bool   // the current block is passed on as blockSkipped
	big   bool   // byte order of the current section

	// Interfaces of the current section: described and kept (the first
	// ones, within maxInterfaces).
	ifs, kept uint32
	snap0     uint32 // snap length of interface 0, which bounds simple packets

	// Options of the current block: pcapgo trusts their lengths too, and
	// one running past its block makes it read the next blocks as option
	// data. pos is the block offset of the next byte; options lie in
	// [optStart, optEnd), valLeft is what is left of an option's value.
	// An option header is read whole into optHdr (optN bytes, optSent of
	// them passed on) before any of it is passed on, so that its code can
	// be rewritten.
	pos, optStart, optEnd, blockLen uint32
	optHdr                          [4]byte
	optN, optSent                   int
	valLeft                         uint32

	// typ is the current block's type as the file has it (the header may
	// be rewritten to blockSkipped); isbIf the interface its statistics
	// are of, when it is a kept interface's statistics block.
	typ   uint32
	isbIf uint32
	// want is the code of an option whose value is collected into val as
	// it passes (0: none): if_tsresol, isb_ifdrop, isb_osdrop.
	want uint16
	val  [8]byte
	valN int
	// iface holds, per kept interface of the section, its timestamp
	// resolution as the file gives it and the drop counters of its last
	// statistics block.
	iface []ngIface

	// filter is what the kept interfaces described so far record of
	// their capture filter, published to rec as each description ends
	// (endInterface): Prefetch's goroutine reads the blocks while the
	// analysis asks. idbOpen: the current block is a kept interface
	// description not counted yet; idbFilter: it holds an if_filter,
	// whose string is collected into filterText (at most MaxFilterText
	// bytes; filterLong: it had more), filterLeft the value bytes of it
	// still to come.
	filter                         RecordedFilter
	rec                            *atomic.Pointer[RecordedFilter]
	idbOpen, idbFilter, filterLong bool
	filterText                     []byte
	filterLeft                     int
	// fcsSeen: an interface described so far had an if_fcslen (passed
	// on as optCarrier).
	fcsSeen bool
}

// ngIface is what ngFrame keeps of an interface: see tsresol and drops.
type ngIface struct {
	res            uint8
	ifdrop, osdrop uint64
}

// maxBlock bounds one pcapng block. Packets stay far below it (libpcap's
// largest snap length is 256 KiB); name resolution and custom blocks of a
// large capture can grow to megabytes.
const maxBlock = 16 << 20

// Option codes ngFrame reads or keeps (pcapng draft, sections 4.2 and
// 4.6).
const (
	optTsresol  = 9  // if_tsresol
	optTsoffset = 14 // if_tsoffset
	optIfdrop   = 5  // isb_ifdrop
	optOsdrop   = 7  // isb_osdrop
	optIfFilter = 11 // if_filter
	optFcslen   = 13 // if_fcslen
	// optCarrier is the code an interface's if_fcslen is passed on
	// under: if_os, whose string pcapgo keeps per interface and ftpsniff
	// reads no other way (a real if_os is dropped), so that the FCS
	// length reaches ngSource.Next with the interface of each packet as
	// pcapgo has it (ngFrame reads ahead of pcapgo: a table of its own
	// could be a later section's).
	optCarrier = 12
	// optDropped replaces the code of an option pcapgo must not keep: a
	// code no block type defines (the draft leaves 0x8000 and above to
	// local use), which pcapgo reads into its one reused buffer and drops.
	optDropped = 0x8054
)

// maxInterfaces bounds the interface table pcapgo keeps per section: 232
// bytes an interface, its option strings dropped (optDropped). A capture
// host describes a few interfaces, a router a few hundred; the bound keeps
// the table, with the copies its growth leaves for the collector, near
// 2 MiB whatever the file says (16384 interfaces took 23 MB of ftpsniff's
// resident memory). Interfaces described beyond it are counted in
// Stats.InterfacesIgnored and skipped, and so are the packets that name
// them (Stats.PacketsIgnored): without their link type those packets
// cannot be decoded, so stopping at the first would only lose the
// packets of the interfaces that were kept.
const maxInterfaces = 4096

// Block types (pcapng draft, section 11.1).
const (
	blockIDB = 1
	blockPB  = 2
	blockSPB = 3
	blockNRB = 4
	blockISB = 5
	blockEPB = 6
	blockDSB = 0x0a
	blockSHB = 0x0a0d0d0a
	// blockSkipped replaces the type of a block pcapgo must not read: a
	// local-use type (high bit set), which pcapgo discards unread.
	blockSkipped = 0x80465453
)

func (f *ngFrame) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if f.hsent < f.hn {
		return f.passHeader(p), nil
	}
	if f.optSent < f.optN {
		return f.passOption(p), nil
	}
	if f.rerr != nil {
		return 0, f.rerr
	}
	if f.err != nil {
		return 0, f.err
	}
	if f.left == 0 {
		if err := f.readHeader(); err != nil {
			if f.hn == 0 {
				return 0, err // io.EOF between blocks, or a read error
			}
			f.rerr = err // pass on the header's start, then the error
		}
		if f.err != nil {
			f.hn = 0 // the bad header is not passed on
			return 0, f.err
		}
		return f.passHeader(p), nil
	}
	if f.atOption() {
		if err := f.readOption(); err != nil {
			if f.optN == 0 {
				return 0, err
			}
			f.rerr = err // pass on the option header's start, then the error
		}
		if f.err != nil {
			f.optN = 0 // the bad option header is not passed on
			return 0, f.err
		}
		return f.passOption(p), nil
	}
	n, err := f.r.Read(p[:min(uint64(len(p)), uint64(f.free()))])
	f.off += int64(n)
	f.scanBody(p[:n])
	return n, err
}

// atBoundary tells whether the stream stopped between two blocks: every
// block before was passed on whole.
func (f *ngFrame) atBoundary() bool {
	return f.left == 0 && f.hn == 0 && f.optN == 0 && f.rerr == nil && f.err == nil
}

// passOption copies what is left of the option header to p.
func (f *ngFrame) passOption(p []byte) int {
	n := copy(p, f.optHdr[f.optSent:f.optN])
	f.optSent += n
	if f.optSent == f.optN {
		f.optN, f.optSent = 0, 0
	}
	return n
}

// atOption tells whether the next bytes of the block are an option header.
// Fewer than 4 bytes left in the option area are passed on as they are.
func (f *ngFrame) atOption() bool {
	return f.valLeft == 0 && f.pos >= f.optStart && f.pos < f.optEnd && f.optEnd-f.pos >= 4
}

// free tells how many bytes of the block may be passed on as they are
// read: up to the next option header, or the end of the option value
// being read (whose bytes scanBody may collect), or of the block.
func (f *ngFrame) free() uint32 {
	switch {
	case f.pos < f.optStart:
		return min(f.left, f.optStart-f.pos)
	case f.valLeft > 0:
		return min(f.left, f.valLeft)
	}
	return f.left
}

// readOption reads the option header at the current position and checks
// it (option). A read error is returned (with f.optN bytes read); a
// framing error is left in f.err.
func (f *ngFrame) readOption() error {
	for f.optN < 4 {
		n, err := f.r.Read(f.optHdr[f.optN:4])
		f.optN += n
		f.off += int64(n)
		if err != nil && f.optN < 4 {
			return err
		}
	}
	f.pos += 4
	f.left -= 4
	if err := f.option(); err != nil {
		f.err = fmt.Errorf("pcapng block at offset %d: %w", f.start, err)
	}
	return nil
}

// passHeader copies what is left of the header to p.
func (f *ngFrame) passHeader(p []byte) int {
	n := copy(p, f.hdr[f.hsent:f.hn])
	f.hsent += n
	if f.hsent == f.hn {
		f.hn, f.hsent = 0, 0
	}
	return n
}

// readHeader reads as much of the next block's header as its checks need
// and validates it. A read error is returned (with f.hn bytes read); a
// framing error is left in f.err.
func (f *ngFrame) readHeader() error {
	f.endInterface()
	f.start, f.hn, f.hsent, f.skip = f.off, 0, 0, false
	need := 8
	for {
		for f.hn < need {
			n, err := f.r.Read(f.hdr[f.hn:need])
			f.hn += n
			f.off += int64(n)
			if err != nil && f.hn < need {
				return err
			}
		}
		more, err := f.check()
		if err != nil {
			f.err = fmt.Errorf("pcapng block at offset %d: %w", f.start, err)
			return nil
		}
		if more <= f.hn {
			break
		}
		need = more
	}
	f.blockLen = f.u32(4)
	f.left = f.blockLen - uint32(f.hn)
	f.pos = uint32(f.hn)
	f.typ = f.u32(0)
	if f.skip {
		f.put32(0, blockSkipped)
	}
	f.optStart, f.optEnd = f.options()
	f.optN, f.optSent, f.valLeft, f.want = 0, 0, 0, 0
	return nil
}

// scanBody follows b, bytes of the current block read as free allowed:
// they lie before the options, inside one option's value, or past the
// options. It collects the value of an option ngFrame reads.
func (f *ngFrame) scanBody(b []byte) {
	m := uint32(len(b))
	if f.valLeft > 0 {
		if f.want != 0 {
			f.collect(b)
		}
		f.valLeft -= m
	}
	f.left -= m
	f.pos += m
}

func (f *ngFrame) u32(at int) uint32 {
	if f.big {
		return binary.BigEndian.Uint32(f.hdr[at:])
	}
	return binary.LittleEndian.Uint32(f.hdr[at:])
}

func (f *ngFrame) u16(at int) uint16 {
	if f.big {
		return binary.BigEndian.Uint16(f.hdr[at:])
	}
	return binary.LittleEndian.Uint16(f.hdr[at:])
}

func (f *ngFrame) put32(at int, v uint32) {
	if f.big {
		binary.BigEndian.PutUint32(f.hdr[at:], v)
	} else {
		binary.LittleEndian.PutUint32(f.hdr[at:], v)
	}
}

// ignoredInterface tells whether interface id was described in this
// section but not kept.
func (f *ngFrame) ignoredInterface(id uint32) bool {
	return id >= f.kept && id < f.ifs
}

// check validates the header bytes collected so far. It returns a larger
// count when the checks for this block type need more of its header.
func (f *ngFrame) check() (more int, err error) {
	typ := binary.LittleEndian.Uint32(f.hdr[0:4]) // palindromic for SHB
	if typ == blockSHB {
		if f.hn < 12 {
			return 12, nil
		}
		switch binary.BigEndian.Uint32(f.hdr[8:12]) {
		case 0x1a2b3c4d:
			f.big = true
		case 0x4d3c2b1a:
			f.big = false
		default:
			return 0, fmt.Errorf("section header byte-order magic % x", f.hdr[8:12])
		}
		f.ifs, f.kept, f.snap0 = 0, 0, 0
		f.iface = f.iface[:0]
		f.stats.Sections++
	} else if f.start == 0 {
		return 0, fmt.Errorf("file starts with block type %#x, not a section header", typ)
	}
	typ = f.u32(0)
	length := f.u32(4)
	if length%4 != 0 {
		return 0, fmt.Errorf("block type %#x has length %d, not a multiple of 4", typ, length)
	}
	if length > maxBlock {
		return 0, fmt.Errorf("block type %#x has length %d, above the %d-byte limit", typ, length, maxBlock)
	}
	// minimum lengths: 12 bytes of framing plus the fixed fields
	var minLen uint32 = 12
	switch typ {
	case blockSHB:
		minLen = 28
	case blockIDB:
		minLen = 20
	case blockEPB, blockPB:
		minLen = 32
	case blockSPB:
		minLen = 16
	case blockISB:
		minLen = 24
	case blockDSB:
		minLen = 20
	}
	if length < minLen {
		return 0, fmt.Errorf("block type %#x has length %d, below its minimum %d", typ, length, minLen)
	}
	switch typ {
	case blockIDB:
		if f.hn < 16 {
			return 16, nil
		}
		f.ifs++
		// Once one interface is ignored, all later ones of the section
		// are too: packets name interfaces by position.
		// Its options do not count: pcapgo keeps none but two numbers.
		if f.kept == f.ifs-1 && f.kept < maxInterfaces {
			if f.kept == 0 {
				f.snap0 = f.u32(12)
			}
			f.kept++
			f.iface = append(f.iface, ngIface{res: 6}) // microseconds unless told
			f.idbOpen, f.idbFilter, f.filterLong = true, false, false
			f.filterText = f.filterText[:0]
		} else {
			f.skip = true
			f.stats.InterfacesIgnored++
		}
	case blockEPB, blockPB:
		if f.hn < 24 {
			return 24, nil
		}
		caplen := f.u32(20)
		if caplen > length-32 {
			return 0, fmt.Errorf("captured length %d does not fit in a block of %d bytes", caplen, length)
		}
		if caplen > maxRecord {
			return 0, fmt.Errorf("captured length %d, above the %d-byte limit", caplen, maxRecord)
		}
		id := f.u32(8)
		if typ == blockPB {
			id = uint32(f.u16(8))
		}
		if f.ignoredInterface(id) {
			f.skip = true
			f.stats.PacketsIgnored++
		}
		f.fixTime(id)
	case blockSPB:
		if f.hn < 12 {
			return 12, nil
		}
		// pcapgo reads min(original length, snap length of interface 0)
		caplen := f.u32(8)
		if f.snap0 != 0 && caplen > f.snap0 {
			caplen = f.snap0
		}
		if caplen > length-16 {
			return 0, fmt.Errorf("simple packet of %d bytes does not fit in a block of %d bytes", caplen, length)
		}
		if caplen > maxRecord {
			return 0, fmt.Errorf("simple packet of %d bytes, above the %d-byte limit", caplen, maxRecord)
		}
		if f.ignoredInterface(0) {
			f.skip = true
			f.stats.PacketsIgnored++
		} else {
			f.stats.NoTimestamp++ // a simple packet block has no time field
		}
	case blockISB:
		if f.hn < 20 {
			return 20, nil
		}
		f.isbIf = f.u32(8)
		f.skip = f.ignoredInterface(f.isbIf)
		f.fixTime(f.isbIf)
	case blockDSB:
		if f.hn < 16 {
			return 16, nil
		}
		if n := f.u32(12); n > length-20 {
			return 0, fmt.Errorf("decryption secrets of %d bytes do not fit in a block of %d bytes", n, length)
		}
		f.skip = true
	case blockNRB:
		f.skip = true
	}
	return f.hn, nil
}

// options tells where the current block's options lie. Blocks whose
// option area ftpsniff does not follow get an empty one.
func (f *ngFrame) options() (start, end uint32) {
	end = f.blockLen - 4 // the trailing copy of the length
	pad := func(n uint32) uint32 { return (n + 3) &^ 3 }
	switch f.u32(0) {
	case blockSHB:
		start = 24
	case blockIDB:
		start = 16
	case blockISB:
		start = 20
	case blockEPB, blockPB:
		start = 28 + pad(f.u32(20))
	default:
		return 0, 0
	}
	if start > end {
		return 0, 0
	}
	return start, end
}

// option checks the option header in optHdr: its value must end inside
// the option area. The end-of-options code closes the area. The code of
// every other option but an interface's if_tsresol and if_tsoffset is
// rewritten to optDropped.
func (f *ngFrame) option() error {
	var code, n uint16
	if f.big {
		code, n = binary.BigEndian.Uint16(f.optHdr[0:]), binary.BigEndian.Uint16(f.optHdr[2:])
	} else {
		code, n = binary.LittleEndian.Uint16(f.optHdr[0:]), binary.LittleEndian.Uint16(f.optHdr[2:])
	}
	if code == 0 {
		f.optEnd = f.pos // opt_endofopt: the rest is padding
		return nil
	}
	v := (uint32(n) + 3) &^ 3
	if f.pos+v > f.optEnd {
		return fmt.Errorf("option %d of %d bytes runs past the end of its block", code, n)
	}
	f.valLeft = v
	f.want, f.valN = 0, 0
	if f.typ != blockIDB || code != optTsresol && code != optTsoffset {
		kept := uint16(optDropped)
		if f.typ == blockIDB && code == optFcslen && n == 1 {
			kept = optCarrier
			f.fcsSeen = true
		}
		if f.big {
			binary.BigEndian.PutUint16(f.optHdr[0:], kept)
		} else {
			binary.LittleEndian.PutUint16(f.optHdr[0:], kept)
		}
	}
	switch {
	case f.typ == blockIDB && !f.skip && code == optTsresol && n >= 1:
		f.want = code
	case f.typ == blockISB && f.isbIf < f.kept && (code == optIfdrop || code == optOsdrop) && n >= 8:
		f.want = code
	case f.typ == blockIDB && f.idbOpen && code == optIfFilter && n >= 1 && !f.idbFilter:
		// (The first if_filter of the description: the draft allows
		// one.)
		f.want, f.idbFilter, f.filterLeft = code, true, int(n)
	}
	return nil
}

// collect takes the bytes b of the value of option f.want as they pass.
// An if_tsresol that pcapgo would get wrong is rewritten to nanoseconds
// here (see fixTime).
func (f *ngFrame) collect(b []byte) {
	if f.want == optIfFilter {
		f.collectFilter(b)
		return
	}
	if f.want == optTsresol {
		if f.valN == 0 && len(b) > 0 {
			f.iface[f.ifs-1].res = b[0]
			if inexact(b[0]) {
				b[0] = 9
			}
			f.valN, f.want = 1, 0
		}
		return
	}
	f.valN += copy(f.val[f.valN:], b)
	if f.valN < 8 {
		return
	}
	var v uint64
	if f.big {
		v = binary.BigEndian.Uint64(f.val[:])
	} else {
		v = binary.LittleEndian.Uint64(f.val[:])
	}
	f.drops(f.want, v)
	f.want = 0
}

// drops records a statistics block's count of packets dropped. The
// counts of an interface are totals since its capture started, so the
// file's total is the sum of each interface's last one: it moves by the
// difference from the interface's previous count. A count beyond 2^53
// is no packet count (and would wrap the sum): it is left out.
func (f *ngFrame) drops(code uint16, v uint64) {
	if v >= 1<<53 {
		return
	}
	in := &f.iface[f.isbIf]
	switch code {
	case optIfdrop:
		f.stats.InterfaceDropped += v - in.ifdrop
		in.ifdrop = v
	case optOsdrop:
		f.stats.OSDropped += v - in.osdrop
		in.osdrop = v
	}
}

// inexact tells whether pcapgo converts timestamps of resolution res
// (an if_tsresol value) wrongly or not at all: it takes 2^-e as 1e9/2^e
// nanoseconds (or 2^e/1e9 ticks a nanosecond) in integers, exact only up
// to 2^-9, refuses 2^-64 and finer, and overflows its tick count beyond
// 10^-19; and it takes 0, ticks of a second (10^0), for an absent option,
// microseconds, which would put the capture in 1970.
func inexact(res uint8) bool {
	e := res & 0x7f
	if res&0x80 != 0 {
		return e >= 10
	}
	return e >= 20 || e == 0
}

// fixTime rewrites the timestamp of the packet or statistics block in
// the header to nanoseconds when its interface's resolution is one pcapgo
// gets wrong (the if_tsresol passed on was rewritten to 10^-9): tshark
// shows 2^-20 ticks of .050000190 s; pcapgo, counting 953 ns a tick
// instead of 953.67, .049964837.
func (f *ngFrame) fixTime(id uint32) {
	if id >= f.kept || int(id) >= len(f.iface) || f.skip || !inexact(f.iface[id].res) {
		return
	}
	ns := toNanos(uint64(f.u32(12))<<32|uint64(f.u32(16)), f.iface[id].res)
	f.put32(12, uint32(ns>>32))
	f.put32(16, uint32(ns))
}

// toNanos converts ticks of resolution res (an if_tsresol value) to
// nanoseconds, rounded down; a time past 2^64 ns (the year 2554) becomes
// the largest.
func toNanos(ticks uint64, res uint8) uint64 {
	e := uint(res & 0x7f)
	if res&0x80 != 0 { // 2^-e
		hi, lo := bits.Mul64(ticks, 1e9)
		if e >= 64 {
			return hi >> (e - 64)
		}
		if hi>>e != 0 {
			return math.MaxUint64
		}
		return hi<<(64-e) | lo>>e
	}
	if e <= 9 { // 10^-e
		hi, lo := bits.Mul64(ticks, pow10(9-e))
		if hi != 0 {
			return math.MaxUint64
		}
		return lo
	}
	if e-9 > 19 {
		return 0 // 10^(e-9) > 2^64 > ticks
	}
	return ticks / pow10(e-9)
}

func pow10(n uint) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}

// MaxFilterText bounds the capture filter string kept of an interface
// description (RecordedFilter.Text): a filter is a line; one longer is
// counted as no one text (RecordedFilter.Mixed), not kept.
const MaxFilterText = 256

// RecordedFilter is what a pcapng file's interface descriptions record
// of the capture filter their packets were taken with (if_filter, option 11:
// dumpcap, Wireshark and tshark write the filter string given to them,
// and nothing when none was), as far as the file has been read. A pcap
// file records none: its RecordedFilter is the zero value.
type RecordedFilter struct {
	// Interfaces counts the interface descriptions read (the kept ones:
	// see maxInterfaces); Unfiltered, those that record no filter (or
	// an empty one).
	Interfaces, Unfiltered int
	// Text is the filter string the others record, as the file has it
	// (the wire's bytes: escape before printing), when it is one: see
	// Mixed.
	Text string
	// Mixed: the interfaces that record a filter do not record one
	// string: they differ, one records a BPF program (if_filter type 1)
	// or a string longer than MaxFilterText.
	Mixed bool
}

// Filtered counts the interface descriptions that record a filter.
func (f RecordedFilter) Filtered() int { return f.Interfaces - f.Unfiltered }

// collectFilter takes the bytes b of an if_filter value as they pass:
// its first byte, the filter's type (0: a libpcap filter string), then
// the filter; the padding after it is left.
func (f *ngFrame) collectFilter(b []byte) {
	b = b[:min(len(b), f.filterLeft)]
	f.filterLeft -= len(b)
	if f.valN == 0 && len(b) > 0 {
		f.valN = 1
		if b[0] != 0 {
			f.filterLong = true // a BPF program, or a type not defined: no string
		}
		b = b[1:]
	}
	if room := MaxFilterText - len(f.filterText); len(b) > room {
		b, f.filterLong = b[:room], true
	}
	f.filterText = append(f.filterText, b...)
	if f.filterLeft == 0 {
		f.want = 0
	}
}

// endInterface counts the kept interface description that just ended,
// with its if_filter, and publishes what the descriptions so far record.
func (f *ngFrame) endInterface() {
	if !f.idbOpen {
		return
	}
	f.idbOpen = false
	t := f.filterText
	for len(t) > 0 && t[len(t)-1] == 0 { // a terminating NUL, as some writers add
		t = t[:len(t)-1]
	}
	f.filter.Interfaces++
	switch {
	case !f.idbFilter || len(t) == 0 && !f.filterLong:
		f.filter.Unfiltered++
	case f.filterLong:
		f.filter.Mixed = true
	case f.filter.Filtered() == 1:
		f.filter.Text = string(t)
	case f.filter.Text != string(t):
		f.filter.Mixed = true
	}
	if f.filter.Mixed {
		f.filter.Text = ""
	}
	if f.rec != nil {
		c := f.filter
		f.rec.Store(&c)
	}
}

// FilterOf returns what the capture file read by s, from Open or
// OpenReader, also through Prefetch, records of its capture filter so
// far (RecordedFilter); the zero RecordedFilter for a pcap file and
// other sources. Safe to call while Prefetch's goroutine reads.
func FilterOf(s Source) RecordedFilter {
	switch s := s.(type) {
	case *ngSource:
		if p := s.filter.Load(); p != nil {
			return *p
		}
	case *prefetch:
		return FilterOf(s.src)
	}
	return RecordedFilter{}
}
