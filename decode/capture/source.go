package capture

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync/atomic"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Source yields packets one by one. Data returned by Next is valid only
// until the next call (zero-copy).
type Source interface {
	// Next returns the next packet and the link type it was captured on.
	// It returns io.EOF at a clean end and an *Error otherwise; after
	// either, every later call returns the same error.
	Next() (data []byte, ci gopacket.CaptureInfo, link layers.LinkType, err error)
	// Name is the file name as given ("-" shown as "stdin").
	Name() string
	// Close releases the file opened by Open. It never closes standard
	// input or the reader given to OpenReader.
	Close() error
}

// bufSize is the read buffer in front of the file or gzip stream: large
// enough that a read system call brings in dozens of packets.
const bufSize = 64 << 10

// Magic numbers as the first four bytes appear in the file.
var (
	magicPcapLE     = [4]byte{0xd4, 0xc3, 0xb2, 0xa1} // a1b2c3d4 little-endian, microseconds
	magicPcapBE     = [4]byte{0xa1, 0xb2, 0xc3, 0xd4}
	magicPcapNanoLE = [4]byte{0x4d, 0x3c, 0xb2, 0xa1} // a1b23c4d, nanoseconds
	magicPcapNanoBE = [4]byte{0xa1, 0xb2, 0x3c, 0x4d}
	magicModLE      = [4]byte{0x34, 0xcd, 0xb2, 0xa1} // a1b2cd34, Kuznetzov's modified pcap
	magicModBE      = [4]byte{0xa1, 0xb2, 0xcd, 0x34}
	magicPcapng     = [4]byte{0x0a, 0x0d, 0x0d, 0x0a} // section header block type
	magicGzip       = [2]byte{0x1f, 0x8b}
)

// Open opens a capture file ("-" means standard input) and tells pcap (both
// byte orders, micro and nano: a1b2c3d4, a1b23c4d), pcapng (0a0d0d0a) and
// gzip-compressed pcap/pcapng apart by magic, never by file name (and
// names the formats of foreignFormats it does not read).
func Open(path string) (Source, error) {
	if path == "-" {
		return open(displayName(path), os.Stdin, nil, streamingFile(os.Stdin))
	}
	f, err := os.Open(path)
	if err != nil {
		detail := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			detail = pe.Err.Error()
		}
		return nil, &Error{File: path, Kind: ErrRead, Cause: err, what: "cannot open (" + detail + ")"}
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, &Error{File: path, Kind: ErrRead, Cause: fs.ErrInvalid, what: "is a directory, not a capture file"}
	}
	s, err := open(path, f, f, streamingFile(f))
	if err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// OpenReader reads a capture from r, which need not be seekable; name is
// used in Name and in error messages. The caller keeps ownership of r.
func OpenReader(name string, r io.Reader) (Source, error) {
	stream := true
	if f, ok := r.(*os.File); ok {
		stream = streamingFile(f)
	}
	return open(displayName(name), r, nil, stream)
}

// streamingFile tells whether f is read as it is written (a pipe, a FIFO,
// a terminal, a socket), where a read can wait on the writer, rather than
// a regular file or block device, which is there to be read whole.
func streamingFile(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return true
	}
	m := fi.Mode()
	return !m.IsRegular() && m&fs.ModeDevice == 0 || m&fs.ModeCharDevice != 0
}

// Streaming tells whether src is read from a pipe or another input that
// delivers packets as they are written: its reader then hands packets on
// as soon as the input has no more to give at once (see Prefetch).
func Streaming(src Source) bool {
	switch s := src.(type) {
	case *pcapSource:
		return s.stream
	case *blockPcap:
		return s.stream
	case *ngSource:
		return s.stream
	case *prefetch:
		return Streaming(s.src)
	}
	return false
}

// BytesRead is how many bytes of the file (compressed bytes for a gzip
// file) src has read so far. It may be called from any goroutine, while
// another reads src: for a progress display.
func BytesRead(src Source) int64 {
	switch s := src.(type) {
	case *pcapSource:
		return s.raw.n.Load()
	case *blockPcap:
		return s.raw.n.Load()
	case *ngSource:
		return s.raw.n.Load()
	case *prefetch:
		return BytesRead(s.src)
	}
	return 0
}

func displayName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

func open(name string, r io.Reader, closer io.Closer, stream bool) (Source, error) {
	return openSized(name, r, closer, stream, pcapBlockSize)
}

// openSized is open, a plain pcap file read in blocks of blockSize.
func openSized(name string, r io.Reader, closer io.Closer, stream bool, blockSize int) (Source, error) {
	in := &input{name: name, closer: closer, raw: &recorder{r: r}, stream: stream, blockSize: blockSize}
	br := bufio.NewReaderSize(in.raw, bufSize)

	head, err := br.Peek(4)
	if err != nil && err != io.EOF {
		return nil, in.openFailure(err)
	}
	if len(head) >= 2 && [2]byte(head[:2]) == magicGzip {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, in.gzipOpenFailure(err)
		}
		zr.Multistream(false)
		in.gz = &recorder{r: &gzipMembers{br: br, zr: zr}}
		br = bufio.NewReaderSize(in.gz, bufSize)
		if head, err = br.Peek(4); err != nil && err != io.EOF {
			return nil, in.openFailure(err)
		}
	}
	in.bufs = append(in.bufs, br)
	if len(head) == 0 {
		detail := ""
		if in.gz != nil {
			detail = "gzip-compressed"
		}
		return nil, openError(name, ErrEmpty, detail, nil)
	}
	if len(head) < 4 {
		return nil, in.shortHeader(head)
	}
	switch m := [4]byte(head); m {
	case magicPcapLE, magicPcapBE, magicPcapNanoLE, magicPcapNanoBE, magicModLE, magicModBE:
		return openPcap(in, br)
	case magicPcapng:
		return openPcapng(in, br)
	default:
		if in.gz != nil && [2]byte(head[:2]) == magicGzip {
			return nil, openError(name, ErrUnsupported, "compressed twice (gunzip it once)", nil)
		}
		if in.gz == nil {
			if what := foreignFormat(br); what != "" {
				return nil, openError(name, ErrUnsupported, what, nil)
			}
		}
		detail := fmt.Sprintf("starts with % x", head)
		if in.gz != nil {
			detail = "gzip-compressed data " + detail
		}
		return nil, openError(name, ErrNotCapture, detail, nil)
	}
}

// foreignFormats are the magic numbers of what is taken for a capture
// and is not one ftpsniff reads: a compressed file (gzip is read), a
// capture format of another tool. Each says what to do.
var foreignFormats = []struct {
	magic, what string
}{
	{"\xfd7zXZ\x00", "xz-compressed: unxz it first"},
	{"BZh", "bzip2-compressed: bunzip2 it first"},
	{"\x28\xb5\x2f\xfd", "zstd-compressed: unzstd it first"},
	{"\x04\x22\x4d\x18", "lz4-compressed: unlz4 it first"},
	{"\x1f\x9d", "compress-ed (.Z): uncompress it first"},
	{"PK\x03\x04", "a zip archive: unzip it first"},
	{"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: extract it first"},
	{"snoop\x00\x00\x00", "a snoop capture (Solaris snoop, Check Point fw monitor): convert it with editcap -F pcap"},
	{"GMBU", "a Microsoft Network Monitor 2 capture: convert it with editcap -F pcap"},
	{"RTSS", "a Microsoft Network Monitor 1 capture: convert it with editcap -F pcap"},
	{"XCP\x00", "a NetXRay or Windows Sniffer capture: convert it with editcap -F pcap"},
	{"TRSNIFF data", "a Sniffer capture: convert it with editcap -F pcap"},
}

// foreignFormat names the format the input br starts with among
// foreignFormats, or "".
func foreignFormat(br *bufio.Reader) string {
	head, _ := br.Peek(12) // as much as there is
	for _, f := range foreignFormats {
		if len(head) >= len(f.magic) && string(head[:len(f.magic)]) == f.magic {
			return f.what
		}
	}
	return ""
}

// shortHeader explains an input of one to three bytes: the start of a
// capture that was cut, or something else altogether.
func (in *input) shortHeader(head []byte) error {
	for _, m := range [][4]byte{magicPcapLE, magicPcapBE, magicPcapNanoLE, magicPcapNanoBE, magicPcapng} {
		if string(m[:len(head)]) == string(head) {
			return openError(in.name, ErrTruncated, fmt.Sprintf("only %d bytes%s", len(head), in.gzipNote()), nil)
		}
	}
	return openError(in.name, ErrNotCapture, fmt.Sprintf("starts with % x", head), nil)
}

func openPcap(in *input, br *bufio.Reader) (Source, error) {
	hdr, err := br.Peek(24)
	if err == io.EOF {
		return nil, openError(in.name, ErrTruncated, fmt.Sprintf("pcap header is 24 bytes, got %d%s", len(hdr), in.gzipNote()), io.ErrUnexpectedEOF)
	}
	if err != nil {
		return nil, in.openFailure(err)
	}
	f, unsupported := parsePcapHeader(hdr)
	if unsupported != "" {
		return nil, openError(in.name, ErrUnsupported, unsupported, nil)
	}
	if !LinkTypeDecoded(f.link) {
		// Every record is of that link type: one line now, not a
		// summary of nothing.
		return nil, linkNotDecodedError(in.name, -1, f.link, false)
	}
	if _, err := br.Discard(24); err != nil {
		return nil, in.openFailure(err)
	}
	if in.gz == nil && !in.stream {
		// A plain file: read in blocks by a goroutine, records taken in
		// place (pcapblock.go).
		return newBlockPcap(in, br, f, in.blockSize), nil
	}
	return &pcapSource{input: in, pcapFormat: f, br: br}, nil
}

// maxRecord is libpcap's MAXIMUM_SNAPLEN: no capture tool writes a longer
// pcap record.
const maxRecord = 262144

func openPcapng(in *input, br *bufio.Reader) (Source, error) {
	shb, err := br.Peek(16)
	if err == io.EOF {
		return nil, openError(in.name, ErrTruncated, fmt.Sprintf("pcapng section header cut after %d bytes%s", len(shb), in.gzipNote()), io.ErrUnexpectedEOF)
	}
	if err != nil {
		return nil, in.openFailure(err)
	}
	var order binary.ByteOrder
	switch binary.BigEndian.Uint32(shb[8:12]) {
	case 0x1a2b3c4d:
		order = binary.BigEndian
	case 0x4d3c2b1a:
		order = binary.LittleEndian
	default:
		return nil, openError(in.name, ErrCorrupt, fmt.Sprintf("pcapng byte-order magic % x", shb[8:12]), nil)
	}
	if major, minor := order.Uint16(shb[12:14]), order.Uint16(shb[14:16]); major != 1 || minor != 0 {
		return nil, openError(in.name, ErrUnsupported, fmt.Sprintf("pcapng version %d.%d, want 1.0", major, minor), nil)
	}
	frame := &ngFrame{r: br, stats: &in.stats, rec: &in.filter}
	// pcapgo reads through this buffer as it is (bufio.NewReader returns a
	// large enough *bufio.Reader unchanged), so what it holds is known to
	// wouldBlock.
	fbr := bufio.NewReaderSize(frame, bufSize)
	in.bufs = append(in.bufs, fbr)
	r, err := pcapgo.NewNgReader(fbr, pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		if frame.err != nil {
			return nil, openError(in.name, ErrCorrupt, frame.err.Error(), frame.err)
		}
		return nil, in.openFailure(err)
	}
	return &ngSource{input: in, r: r, frame: frame}, nil
}

// input is the state shared by the file sources: where the bytes come from
// and how far reading got.
type input struct {
	name    string
	closer  io.Closer
	raw     *recorder // the caller's reader, for I/O errors
	gz      *recorder // the gzip stream, nil when the input is not compressed
	packets int       // complete packets returned by Next
	err     error     // sticky: io.EOF or *Error once reading stopped
	stats   Stats
	// filter: what a pcapng file records of its capture filter so far
	// (ngFrame.endInterface, FilterOf); nil before its first interface.
	filter atomic.Pointer[RecordedFilter]

	// stream: the input is a pipe or the like (see Streaming); bufs are
	// the buffers packets are parsed from, innermost last.
	stream bool
	bufs   []*bufio.Reader

	// blockSize: the blocks a plain pcap file is read in (pcapBlockSize;
	// tests choose others to put record boundaries everywhere).
	blockSize int
}

// wouldBlock tells, for a streaming input, that the next Next may have to
// wait for the writer: no byte is buffered on this side of the pipe.
func (in *input) wouldBlock() bool {
	if !in.stream {
		return false
	}
	for _, b := range in.bufs {
		if b.Buffered() > 0 {
			return false
		}
	}
	return true
}

func (in *input) Name() string { return in.name }

func (in *input) Close() error {
	if !errors.Is(in.err, ErrClosed) {
		in.err = &Error{File: in.name, Packets: in.packets, Kind: ErrClosed, what: ErrClosed.Error()}
	}
	if c := in.closer; c != nil {
		in.closer = nil
		return c.Close()
	}
	return nil
}

func (in *input) gzipNote() string {
	if in.gz != nil {
		return ", gzip-compressed"
	}
	return ""
}

// classify turns an error that pcapgo returned into a kind, a detail for
// the message and a cause. The recorders come first: pcapgo rewrites some
// errors it gets from its reader, and an I/O or gzip error explains the
// failure better than the format error it led to.
func (in *input) classify(err error) (kind error, detail string, cause error) {
	if in.raw.err != nil {
		return ErrRead, in.raw.err.Error(), in.raw.err
	}
	if in.gz != nil && in.gz.err != nil {
		if in.gz.err == io.ErrUnexpectedEOF {
			return ErrTruncated, "gzip stream ends early", in.gz.err
		}
		if in.gz.err == errGzipTrailing {
			return ErrTruncated, "the compressed capture ends early, and bytes that are not gzip follow it", in.gz.err
		}
		return ErrCorrupt, in.gz.err.Error(), in.gz.err
	}
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return ErrTruncated, "", io.ErrUnexpectedEOF
	}
	if err == pcapgo.ErrNgVersionMismatch { // a later section's version
		return ErrUnsupported, "pcapng section of a version other than 1.0", err
	}
	return ErrCorrupt, err.Error(), err
}

func (in *input) openFailure(err error) error {
	kind, detail, cause := in.classify(err)
	if kind == ErrTruncated && detail == "" {
		detail = "ends inside the file header" + in.gzipNote()
	}
	return openError(in.name, kind, detail, cause)
}

// gzipOpenFailure explains a gzip header that gzip.NewReader refused.
func (in *input) gzipOpenFailure(err error) error {
	if in.raw.err != nil {
		return openError(in.name, ErrRead, in.raw.err.Error(), in.raw.err)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return openError(in.name, ErrTruncated, "gzip header cut short", io.ErrUnexpectedEOF)
	}
	return openError(in.name, ErrCorrupt, err.Error(), err)
}

// endTrailing is the error for an input that ended at a record or block
// boundary, every packet read, when what followed the last gzip member
// was not gzip; nil for any other end.
func (in *input) endTrailing() error {
	if in.raw.err != nil || in.gz == nil || in.gz.err != errGzipTrailing {
		return nil
	}
	in.err = &Error{File: in.name, Packets: in.packets, Kind: ErrCorrupt, Cause: errGzipTrailing,
		what: fmt.Sprintf("trailing bytes after the compressed capture (all %d %s read)", in.packets, plural(in.packets, "packet"))}
	return in.err
}

// fail records why Next stopped and returns the sticky error.
func (in *input) fail(err error) error {
	kind, detail, cause := in.classify(err)
	in.err = readError(in.name, in.packets, kind, detail, cause)
	return in.err
}

// recorder remembers the first error other than io.EOF from the reader it
// wraps, so that an error pcapgo reports can be traced to its source.
type recorder struct {
	r   io.Reader
	err error
	n   atomic.Int64 // bytes read, for BytesRead
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n.Add(int64(n))
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// gzipMembers reads every member of a gzip file, as gzip(1) does, and,
// like it, takes zero padding after the last member (some tools write it)
// for the end; other trailing data is errGzipTrailing.
// errGzipTrailing: bytes other than zeros or another gzip member follow
// the last gzip member. It wraps gzip.ErrHeader, what gzip(1) calls them.
var errGzipTrailing = fmt.Errorf("trailing bytes after the last gzip member: %w", gzip.ErrHeader)

type gzipMembers struct {
	br *bufio.Reader
	zr *gzip.Reader
}

func (g *gzipMembers) Read(p []byte) (int, error) {
	for {
		n, err := g.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		if next, _ := g.br.Peek(2); len(next) < 2 || [2]byte(next) != magicGzip {
			for {
				c, rerr := g.br.ReadByte()
				if rerr != nil {
					return n, io.EOF // nothing, or only zeros, after the last member
				}
				if c != 0 {
					return n, errGzipTrailing
				}
			}
		}
		if err := g.zr.Reset(g.br); err != nil {
			return n, err
		}
		g.zr.Multistream(false)
		if n > 0 {
			return n, nil
		}
	}
}
