package capture

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// pcapFormat is what a classic pcap file header says about its records,
// and how both readers (pcapSource for pipes and compressed files,
// blockPcap for plain files) take a record header apart.
type pcapFormat struct {
	order binary.ByteOrder
	big   bool   // order is big-endian (record reads it without the interface call)
	nanos uint32 // nanoseconds per unit of the fraction field: 1 or 1000
	link  layers.LinkType
	// fcs is the FCS bytes each Ethernet frame ends with, by the FCS bits
	// of the header's link type field (0: none; stripFCS).
	fcs int
	// snaplen is the header's; 0 (some writers' "unknown") counts no
	// record as longer. msgSnap is the snap length a length error names.
	snaplen int
	msgSnap uint32
	// recLen is the record header's length: 16, or 24 in Kuznetzov's
	// modified format (ifindex, protocol, packet type and a pad byte
	// follow the usual 16, and are not needed here).
	recLen int
	// swap tells how libpcap reads the two length fields of files older
	// than version 2.4 (sf-pcap.c, lengths_swapped): before 2.3 they are
	// always in the other order, in 2.3 when the capture length exceeds
	// the original length.
	swap uint8
}

const (
	swapNever = iota
	swapAlways
	swapMaybe
)

// parsePcapHeader reads the 24-byte file header; it returns the detail
// of ErrUnsupported for a version libpcap does not read either.
func parsePcapHeader(hdr []byte) (f pcapFormat, unsupported string) {
	f.order = binary.LittleEndian
	if hdr[0] == 0xa1 {
		f.order, f.big = binary.BigEndian, true
	}
	f.nanos = 1000
	f.recLen = 16
	switch [4]byte(hdr[:4]) {
	case magicPcapNanoLE, magicPcapNanoBE:
		f.nanos = 1
	case magicModLE, magicModBE:
		f.recLen = 24
	}
	major, minor := f.order.Uint16(hdr[4:6]), f.order.Uint16(hdr[6:8])
	switch {
	case major != 2 || minor > 4:
		return f, fmt.Sprintf("pcap version %d.%d, want 2.4 (convert with editcap -F pcap)", major, minor)
	case minor < 3:
		f.swap = swapAlways
	case minor == 3:
		f.swap = swapMaybe
	}
	snap := f.order.Uint32(hdr[16:20])
	f.snaplen = int(snap)
	f.msgSnap = min(snap, maxRecord)
	lt := f.order.Uint32(hdr[20:24])
	f.link = layers.LinkType(lt)
	f.fcs = 0
	if lt&0x04000000 != 0 {
		f.fcs = int(lt>>28) * 2 // the F bit: the FCS length in 16-bit words
	}
	return f, ""
}

// joinedFile reads hdr, 24 bytes at a record boundary that begin with a
// pcap magic, as the header of another pcap file joined to this one
// (cat a.pcap b.pcap, rotated files piped into read -): ok when it is one
// whose records can follow. Read as a record header, a file header is a
// time in 2055 or 2083 with a length of 0 (thiszone) and the record after
// it the snap length and link type: no writer's record. A real record
// that starts with the magic is told apart by the rest: version 2.4,
// every writer's since 1998, a snap length within the bound, a link type
// decoded.
func joinedFile(hdr []byte) (f pcapFormat, ok bool) {
	switch [4]byte(hdr[:4]) {
	case magicPcapLE, magicPcapBE, magicPcapNanoLE, magicPcapNanoBE, magicModLE, magicModBE:
	default:
		return f, false
	}
	f, unsupported := parsePcapHeader(hdr)
	if unsupported != "" || f.swap != swapNever || f.snaplen > maxRecord || !LinkTypeDecoded(f.link) {
		return f, false
	}
	return f, true
}

// mayJoin is the cheap test of a record header h for joinedFile: every
// pcap magic has a1 at one end (a record's time has it for a 256th of
// its microseconds, or from 2055 on).
func mayJoin(h []byte) bool { return h[0] == 0xa1 || h[3] == 0xa1 }

// record takes apart the record header h (recLen bytes). A capture length
// beyond maxRecord (libpcap's MAXIMUM_SNAPLEN) is corrupt: its bytes are
// not read. One beyond the original length is read on (tally counts it),
// as Wireshark reads it: the record's bytes are there, and the decoder
// bounds a packet by its own headers, so losing the rest of the file to
// one bad length field helps nobody.
func (f *pcapFormat) record(h []byte) (gopacket.CaptureInfo, error) {
	var ci gopacket.CaptureInfo
	ci.Timestamp = time.Unix(int64(f.u32(h[0:4])), int64(f.u32(h[4:8])*f.nanos)).UTC()
	ci.CaptureLength = int(f.u32(h[8:12]))
	ci.Length = int(f.u32(h[12:16]))
	if f.swap == swapAlways || f.swap == swapMaybe && ci.CaptureLength > ci.Length {
		ci.CaptureLength, ci.Length = ci.Length, ci.CaptureLength
	}
	if ci.CaptureLength > maxRecord {
		return ci, fmt.Errorf("capture length exceeds snap length: %d > %d", ci.CaptureLength, f.msgSnap)
	}
	return ci, nil
}

// u32 reads a field of the file's byte order, inlined (a call through
// order was a tenth of the reader's time per packet).
func (f *pcapFormat) u32(b []byte) uint32 {
	if f.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// tally counts the oddities of a record read whole, and the snap length
// a cut one shows (Stats.SnapCut).
func (f *pcapFormat) tally(ci gopacket.CaptureInfo, stats *Stats) {
	if ci.CaptureLength > ci.Length {
		stats.OverLength++
	} else if ci.CaptureLength < ci.Length {
		stats.snapCut(ci.CaptureLength)
	}
	if f.snaplen != 0 && ci.CaptureLength > f.snaplen {
		stats.OverSnaplen++
	}
}

// pcapSource reads classic pcap from a pipe or a compressed stream: one
// link type for the whole file. A record is returned where it lies in the
// buffer when the buffer can hold it, else copied to buf.
type pcapSource struct {
	*input
	pcapFormat
	br   *bufio.Reader
	head [24]byte
	buf  []byte
}

func (s *pcapSource) Next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	if s.err != nil {
		return nil, gopacket.CaptureInfo{}, 0, s.err
	}
	h, err := s.br.Peek(s.recLen)
	for len(h) >= s.recLen && mayJoin(h) {
		hdr, _ := s.br.Peek(24)
		if len(hdr) < 24 {
			h, err = s.br.Peek(s.recLen) // the longer peek may have moved the buffer
			break
		}
		f, ok := joinedFile(hdr)
		if !ok {
			h, err = s.br.Peek(s.recLen)
			break
		}
		s.br.Discard(24)
		s.pcapFormat = f
		s.stats.JoinedFiles++
		h, err = s.br.Peek(s.recLen)
	}
	if len(h) < s.recLen {
		if len(h) == 0 && err == io.EOF && s.raw.err == nil && (s.gz == nil || s.gz.err == nil) {
			s.err = io.EOF
			return nil, gopacket.CaptureInfo{}, 0, io.EOF
		}
		if len(h) == 0 && s.endTrailing() != nil {
			return nil, gopacket.CaptureInfo{}, 0, s.err
		}
		return nil, gopacket.CaptureInfo{}, 0, s.fail(shortRead(err))
	}
	copy(s.head[:], h)
	s.br.Discard(s.recLen)
	ci, err := s.record(s.head[:s.recLen])
	if err != nil {
		s.err = readError(s.name, s.packets, ErrCorrupt, err.Error(), err)
		return nil, gopacket.CaptureInfo{}, 0, s.err
	}
	var data []byte
	if n := ci.CaptureLength; n <= s.br.Size() {
		data, err = s.br.Peek(n)
		if len(data) < n {
			return nil, gopacket.CaptureInfo{}, 0, s.fail(shortRead(err))
		}
		s.br.Discard(n)
	} else {
		if cap(s.buf) < n {
			s.buf = make([]byte, n)
		}
		data = s.buf[:n]
		if _, err := io.ReadFull(s.br, data); err != nil {
			return nil, gopacket.CaptureInfo{}, 0, s.fail(shortRead(err))
		}
	}
	s.tally(ci, &s.stats)
	s.packets++
	if s.fcs > 0 && s.link == layers.LinkTypeEthernet {
		data = stripFCS(data, &ci, s.fcs)
	}
	return data, ci, s.link, nil
}

// stripFCS returns data, a frame that ends with fcs bytes of FCS (pcap's
// FCS bits, pcapng's if_fcslen), without them, and ci's lengths without
// them: no checksum of the link is taken for the frame's bytes, where a
// frame's length is read as its packet's (decode: an IP length of 0 from
// segmentation offload). What the snap length cut of the frame is cut
// from the FCS first.
func stripFCS(data []byte, ci *gopacket.CaptureInfo, fcs int) []byte {
	if ci.Length < fcs {
		return data
	}
	ci.Length -= fcs
	if n := len(data); n > ci.Length {
		data = data[:ci.Length]
		ci.CaptureLength = ci.Length
	}
	return data
}

// shortRead is the error for a record the input ended inside: the reader's
// own error, or io.ErrUnexpectedEOF for a clean end.
func shortRead(err error) error {
	if err == nil || err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
