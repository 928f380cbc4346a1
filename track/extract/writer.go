package extract

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"
)

// sniffLen is what net/http.DetectContentType looks at.
const sniffLen = 512

// maxGapNotes bounds the gaps a record lists one by one; the rest are
// summed up in one reason.
const maxGapNotes = 16

// newline is what Write counts for TYPE A.
var newline = []byte{'\n'}

// crlf is what Write counts for TYPE A: the line ends a server's
// conversion produces (RFC 959 3.1.1.1).
var crlf = []byte{'\r', '\n'}

// zeroBuf feeds the hashes the bytes of a hole; never written to.
var zeroBuf [32 << 10]byte

// Writer writes one file: the ordered payload of one data connection
// direction, with Gap for the bytes the capture lost. It hashes what
// reaches the file (toDisk), so that after a failed write (a full disk)
// the record's size and hashes are still those of the file on disk; a
// bound cuts the file rather than failing the writes. It is not safe for
// concurrent use.
type Writer struct {
	d    *Dir
	f    *os.File
	buf  *bufio.Writer
	t    Transfer
	path string // the remote path (remotePath)
	name string // the file's name in the folder (with PartSuffix until Close)
	try  int    // Create's try number for name (fileName)
	// late: t with the replies that named an STOU file only after it was
	// created (lateName): the name Close tries first.
	late *Transfer

	sha256, sha1, md5 hash.Hash
	sniff             [sniffLen]byte
	sniffN            int

	stream   int64 // bytes offered so far: written, cut and missing
	size     int64 // the file's size: written bytes and holes
	missing  int64 // bytes in gaps
	gaps     int
	gapNotes []string // the first maxGapNotes gaps, as reasons
	unlisted int64    // bytes of the gaps after those
	cut      limitCut // the limit that cut the file, if one did
	cutBytes int64    // received bytes not written because of it
	holeEnd  bool     // the file ends in a hole: Close sets its size
	lf       int64    // line feeds written: what TYPE A conversion may add
	crlf     int64    // of those, the ones after a CR (CR LF line ends)
	lastCR   bool     // the last byte written is a CR (a CR LF across two writes)
	// conflicts counts the places the capture held two different copies
	// of the same bytes; conflictAt is the first one's offset.
	conflicts    int
	conflictAt   int64
	startUnknown bool  // the stream's first byte was not in the capture: offsets are relative
	err          error // sticky write error
	closed       bool
	// disk: the file's size on disk, what reached it (toDisk) and the
	// holes before that; hole: a hole seeked past, hashed and counted in
	// disk once bytes after it reach the file (or Truncate gives the file
	// its size). After a failed write, size is disk.
	disk, hole int64
	toDisk     bool // buf writes through toDisk
	// reserved, reservedHoles: the bytes and hole bytes the folder granted
	// (Dir.reserve); diskBytes: of disk, the bytes (not holes). A failed
	// write gives back the difference at Close (Dir.unreserve).
	reserved, reservedHoles, diskBytes int64
}

// toDisk is what buf writes to: the file, hashing the bytes it takes.
type toDisk struct{ w *Writer }

func (t toDisk) Write(p []byte) (int, error) {
	w := t.w
	n, err := w.f.Write(p)
	if n > 0 {
		w.onDisk(p[:n])
	}
	return n, err
}

// onDisk hashes q, the file's next bytes on disk, after the hole before
// them (as zeros).
func (w *Writer) onDisk(q []byte) {
	holes := w.holeOnDisk()
	w.sha256.Write(q)
	w.sha1.Write(q)
	w.md5.Write(q)
	w.disk += int64(len(q))
	w.diskBytes += int64(len(q))
	w.d.wrote(int64(len(q)), holes)
}

// holeOnDisk hashes the hole seeked past, now part of the file, and
// returns its length (the caller counts it: Dir.wrote).
func (w *Writer) holeOnDisk() (n int64) {
	n = w.hole
	for w.hole > 0 {
		k := min(w.hole, int64(len(zeroBuf)))
		w.sha256.Write(zeroBuf[:k])
		w.sha1.Write(zeroBuf[:k])
		w.md5.Write(zeroBuf[:k])
		w.hole -= k
		w.disk += k
	}
	return n
}

// out is buf, writing through toDisk. (Dir.Create makes buf on the file;
// nothing is buffered yet at the first call.)
func (w *Writer) out() *bufio.Writer {
	if !w.toDisk {
		w.toDisk = true
		w.buf.Reset(toDisk{w})
	}
	return w.buf
}

// Name is the file's name relative to the folder.
func (w *Writer) Name() string { return w.name }

// Offset is the stream position the next Write or Gap starts at: every
// byte offered so far, cut or missing ones included.
func (w *Writer) Offset() int64 { return w.stream }

// Write appends payload. It takes all of p: bytes beyond a bound are
// counted (Stats, FileRecord.CutBytes), not written, and the file is
// marked truncated. The error is ErrClosed or a file-system error (a
// full disk), which is sticky. It allocates nothing.
func (w *Writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, ErrClosed
	}
	n := int64(len(p))
	w.stream += n
	if w.err != nil {
		// (Counted in the stream all the same: the record says the file
		// on disk is short, not that the transfer was.)
		return 0, w.err
	}
	if w.cut != cutNone {
		w.cutBytes += n
		w.d.countCut(w.cut, n, false)
		return len(p), nil
	}
	ok, why := w.d.reserve(w.size, n)
	w.reserved += ok
	if ok > 0 {
		q := p[:ok]
		w.sniffBytes(q)
		w.lf += int64(bytes.Count(q, newline))
		w.crlf += int64(bytes.Count(q, crlf))
		if w.lastCR && q[0] == '\n' {
			w.crlf++
		}
		w.lastCR = q[len(q)-1] == '\r'
		if _, err := w.out().Write(q); err != nil {
			return 0, w.fail(err)
		}
		w.size += ok
		w.holeEnd = false
	}
	if ok < n {
		w.cut = why
		w.cutBytes += n - ok
		w.d.countCut(why, n-ok, true)
	}
	return len(p), nil
}

// Gap records length bytes the capture lost at offset, which must be
// Offset(). The file keeps its offsets right: the missing bytes become a
// hole (a sparse region reading as zeros, Seek rather than writing), and
// the hashes take them as zeros, so they match the file on disk. A gap
// counts toward the bounds like written bytes.
func (w *Writer) Gap(offset, length int64) error {
	if w.closed {
		return ErrClosed
	}
	if offset != w.stream || length < 0 || length > math.MaxInt64-w.stream {
		return fmt.Errorf("%w: gap of %d bytes at %d, writer at %d", ErrGapOffset, length, offset, w.stream)
	}
	if length == 0 {
		return w.err
	}
	w.stream += length
	w.missing += length
	w.gaps++
	w.lastCR = false
	if len(w.gapNotes) < maxGapNotes {
		w.gapNotes = append(w.gapNotes, "gap at offset "+strconv.FormatInt(offset, 10)+" for "+strconv.FormatInt(length, 10)+" bytes")
	} else {
		w.unlisted += length
	}
	if w.err != nil {
		return w.err
	}
	if w.cut != cutNone {
		return nil
	}
	ok, why := w.d.reserve(w.size, length)
	w.reservedHoles += ok
	if ok > 0 {
		if err := w.out().Flush(); err != nil {
			return w.fail(err)
		}
		if _, err := w.f.Seek(ok, io.SeekCurrent); err != nil {
			return w.fail(err)
		}
		for left := ok; left > 0 && w.sniffN < sniffLen; {
			k := min(left, int64(len(zeroBuf)))
			w.sniffBytes(zeroBuf[:k])
			left -= k
		}
		w.hole += ok
		w.size += ok
		w.holeEnd = true
	}
	if ok < length {
		w.cut = why
		w.d.countCut(why, 0, true) // no received byte lost yet
	}
	return nil
}

// Conflict records that the capture held two different versions of the
// bytes at offset (a retransmission or overlap whose content differs from
// the copy written): the file is then not complete, whichever copy the
// receiver took.
func (w *Writer) Conflict(offset int64) {
	if w.conflicts == 0 {
		w.conflictAt = offset
	}
	w.conflicts++
}

// StartUnknown records that the stream's start was not in the capture
// (neither the SYN nor the SYN-ACK): the file begins with the first byte
// seen, at an unknown offset of the remote file.
func (w *Writer) StartUnknown() { w.startUnknown = true }

// sniffBytes feeds q, the file's next bytes, to the content sniffer.
func (w *Writer) sniffBytes(q []byte) {
	if w.sniffN < sniffLen {
		w.sniffN += copy(w.sniff[w.sniffN:], q)
	}
}

// fail makes err sticky, naming the file once.
func (w *Writer) fail(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	// (Named as its record will name it: the ".part" goes at Close.)
	w.err = fmt.Errorf("extract: write %s in %s: %w", strings.TrimSuffix(w.name, PartSuffix), w.d.path, err)
	return w.err
}

// lateName gives an STOU file the name the server gave only after the
// file was created: the record's path, and the name its file takes at
// Close (settleName).
func (w *Writer) lateName(replies []string) {
	t := w.t
	t.Replies = replies
	path := remotePath(t)
	if path == "" || path == t.Arg {
		return
	}
	w.path = path
	w.late = &t
}

// Retitle makes t the transfer the file holds from here on, before
// Close: its name (given at Close) and its record follow t. A data
// connection whose session was a guess among several told its endpoint
// is written under that guess when its bytes cannot wait for the reply
// that settles it; the reply may give it to another session's transfer
// (cmd/ftpsniff's race_guessed). False once closed: the file keeps the
// name and record it has.
func (w *Writer) Retitle(t Transfer) bool {
	if w.closed {
		return false
	}
	if t.Session == w.t.Session && t.Data == w.t.Data && t.Verb == w.t.Verb && t.Arg == w.t.Arg && t.Cwd == w.t.Cwd {
		return true
	}
	// (The ".part" name stays until Close settles the new one, its
	// counter tried from the first again: another base name.)
	w.t, w.path, w.try, w.late = t, remotePath(t), 0, nil
	return true
}

// settleName gives the file, its record final, its name without
// PartSuffix, when it can take one without replacing anything (else it
// keeps the ".part" one, which its record names).
func (w *Writer) settleName() {
	name := ""
	if w.late != nil {
		name = w.d.settle(w.name, *w.late, 0)
	}
	if name == "" {
		name = w.d.settle(w.name, w.t, w.try)
	}
	if name != "" {
		w.name = name
	}
}

// finish flushes the buffer and gives a file ending in a hole its size.
func (w *Writer) finish() error {
	if err := w.out().Flush(); err != nil {
		return w.fail(err)
	}
	if w.holeEnd {
		if err := w.f.Truncate(w.size); err != nil {
			return w.fail(err)
		}
		w.d.wrote(0, w.holeOnDisk())
	}
	return nil
}

// Received is how many of the stream's bytes the capture delivered:
// offered to Write (cut ones included), not the holes of Gap.
func (w *Writer) Received() int64 { return w.stream - w.missing }

// Discard ends the file without keeping it: its ".part" is removed, and
// the folder counts it no more than a file never created (Stats.Files,
// its bounds). For a file that would hold nothing the capture delivered
// (Received 0: holes alone, all zeros), which is no copy of the transfer
// but a file of its size that reads as one. A second Discard, or one
// after Close, returns ErrClosed.
func (w *Writer) Discard() error {
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	w.buf.Reset(io.Discard) // (what it holds is not written)
	err := w.f.Close()
	d := w.d
	d.mu.Lock()
	defer d.mu.Unlock()
	d.st.Open--
	d.st.Files--
	d.st.Bytes -= w.diskBytes
	d.st.HoleBytes -= w.disk - w.diskBytes
	d.total -= w.reserved + w.reservedHoles
	if d.closed {
		return ErrClosed
	}
	if rerr := d.root.Remove(w.name); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && err == nil {
		err = w.fail(rerr)
	}
	return err
}

// Close ends the file and returns its record, judged against fin (what
// the tracker knows of the transfer). The record is filled in even when
// the error is not nil (a write or close failed: the record says so);
// a second Close returns ErrClosed and an empty record.
func (w *Writer) Close(fin Final) (FileRecord, error) {
	if w.closed {
		return FileRecord{}, ErrClosed
	}
	w.closed = true
	defer func() { w.d.release(w.name, w.reserved+w.reservedHoles) }()
	err := w.err
	if err == nil {
		err = w.finish()
	}
	if cerr := w.f.Close(); cerr != nil && err == nil {
		err = w.fail(cerr)
	}
	if w.path == "" && len(fin.Replies) > 0 {
		w.lateName(fin.Replies)
	}
	w.settleName()
	if w.err == nil {
		return w.record(fin), err
	}
	// The bytes buffered when a write failed, and every one after, never
	// reached the file: its size and hashes are those of what did, and the
	// folder's counters give back the rest.
	w.size = w.disk
	back, backHoles := w.reserved-w.diskBytes, w.reservedHoles-(w.disk-w.diskBytes)
	w.d.unreserve(back, backHoles)
	w.reserved, w.reservedHoles = w.reserved-back, w.reservedHoles-backHoles
	r := w.record(fin)
	if short := w.stream - w.disk; short > 0 {
		r.Reasons = append(r.Reasons, "the file on disk is short: it holds the first "+strconv.FormatInt(w.disk, 10)+
			" bytes of "+strconv.FormatInt(w.stream, 10)+" (bytes and hashes are of those)")
	}
	return r, err
}
