package capture

import (
	"encoding/binary"
	"fmt"
	"io"
)

// ngFrame sits between the input and pcapgo.NgReader and follows the pcapng
// block framing as the bytes pass, stopping the stream at the first block
// whose lengths cannot be right. pcapgo trusts those lengths: a block length
// below 12 wraps its uint32 arithmetic and it then discards up to 4 GiB,
// silently swallowing the rest of the file; a captured length beyond the
// block makes it read (and buffer) the following blocks as packet data.
// Stopping the bytes at the bad header turns both into an ErrCorrupt with
// the block's offset, and bounds what one block can make pcapgo allocate.
type ngFrame struct {
	r   io.Reader
	err error // first framing error; returned once the bytes before it were passed on

	off   int64 // stream offset of the next byte to pass on
	start int64 // offset of the current block
	hdr   [24]byte
	hn    int    // header bytes of the current block seen so far
	need  int    // header bytes needed before the block can be checked
	left  uint32 // bytes of the current block after the header bytes
	big   bool   // byte order of the current section
	ifs   int    // interfaces described so far in this section
	snap0 uint32 // snap length of interface 0, which bounds simple packets

	// Options of the current block: pcapgo trusts their lengths too, and
	// one running past its block makes it read the next blocks as option
	// data. pos is the block offset of the next byte; options lie in
	// [optStart, optEnd), optHdr collects an option header, valLeft is
	// what is left of an option's value.
	pos, optStart, optEnd, blockLen uint32
	optHdr                          [4]byte
	optHave                         int
	valLeft                         uint32
}

// maxBlock bounds one pcapng block. Packets stay far below it (libpcap's
// largest snap length is 256 KiB); name resolution and custom blocks of a
// large capture can grow to megabytes.
const maxBlock = 16 << 20

// Block types (pcapng draft, section 11.1).
const (
	blockIDB = 1
	blockPB  = 2
	blockSPB = 3
	blockISB = 5
	blockEPB = 6
	blockDSB = 0x0a
	blockSHB = 0x0a0d0d0a
)

func (f *ngFrame) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.r.Read(p)
	if k := f.scan(p[:n]); f.err != nil {
		return k, nil // the framing error comes with the next call
	}
	return n, err
}

// scan follows the framing through b and returns how many of its bytes may
// be passed on: all of them, or those before the point a bad header was found.
func (f *ngFrame) scan(b []byte) int {
	i := 0
	for i < len(b) {
		if f.left > 0 {
			// Inside a block: skip freely up to the next option header.
			stop := f.left
			if f.pos < f.optStart {
				stop = min(stop, f.optStart-f.pos)
			} else if f.pos < f.optEnd && (f.valLeft > 0 || f.optEnd-f.pos >= 4) {
				if f.valLeft > 0 {
					stop = min(stop, f.valLeft)
				} else {
					// An option header, possibly split between reads.
					c := copy(f.optHdr[f.optHave:], b[i:])
					f.optHave += c
					i += c
					f.pos += uint32(c)
					f.left -= uint32(c)
					if f.optHave < 4 {
						continue
					}
					f.optHave = 0
					if err := f.option(); err != nil {
						f.err = fmt.Errorf("pcapng block at offset %d: %w", f.start, err)
						f.off += int64(i)
						return i - 1
					}
					continue
				}
			}
			m := len(b) - i
			if uint64(m) > uint64(stop) {
				m = int(stop)
			}
			i += m
			f.left -= uint32(m)
			f.pos += uint32(m)
			if f.valLeft > 0 && f.pos > f.optStart {
				f.valLeft -= uint32(m)
			}
			continue
		}
		if f.hn == 0 {
			f.start = f.off + int64(i)
			f.need = 8
		}
		c := copy(f.hdr[f.hn:f.need], b[i:])
		f.hn += c
		i += c
		if f.hn < f.need {
			continue
		}
		more, err := f.check()
		if err != nil {
			f.err = fmt.Errorf("pcapng block at offset %d: %w", f.start, err)
			f.off += int64(i)
			return i - 1
		}
		if more > f.need {
			f.need = more
			continue
		}
		f.blockLen = f.u32(4)
		f.left = f.blockLen - uint32(f.hn)
		f.pos = uint32(f.hn)
		f.optStart, f.optEnd = f.options()
		f.optHave, f.valLeft = 0, 0
		f.hn = 0
	}
	f.off += int64(i)
	return i
}

func (f *ngFrame) u32(at int) uint32 {
	if f.big {
		return binary.BigEndian.Uint32(f.hdr[at:])
	}
	return binary.LittleEndian.Uint32(f.hdr[at:])
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
		f.ifs, f.snap0 = 0, 0
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
		if f.ifs == 0 {
			f.snap0 = f.u32(12)
		}
		f.ifs++
	case blockEPB, blockPB:
		if f.hn < 24 {
			return 24, nil
		}
		if caplen := f.u32(20); caplen > length-32 {
			return 0, fmt.Errorf("captured length %d does not fit in a block of %d bytes", caplen, length)
		}
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
	case blockDSB:
		if f.hn < 16 {
			return 16, nil
		}
		if n := f.u32(12); n > length-20 {
			return 0, fmt.Errorf("decryption secrets of %d bytes do not fit in a block of %d bytes", n, length)
		}
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
// the option area. The end-of-options code closes the area.
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
	return nil
}
