package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
)

// readRecords reads every packet of src and the error that ended it, then
// checks that the error is sticky.
func readRecords(t testing.TB, src Source) (pkts []string, end string) {
	t.Helper()
	defer src.Close()
	for {
		data, ci, link, err := src.Next()
		if err != nil {
			if _, _, _, again := src.Next(); again == nil || again.Error() != err.Error() {
				t.Errorf("Next after %q returned %v", err, again)
			}
			return pkts, err.Error()
		}
		pkts = append(pkts, fmt.Sprintf("%s %d/%d %v %x", ci.Timestamp.Format("2006-01-02T15:04:05.999999999"), ci.CaptureLength, ci.Length, link, data))
	}
}

// viaStream opens data as a pipe would be: read by pcapSource.
func viaStream(t testing.TB, name string, data []byte) Source {
	t.Helper()
	src, err := OpenReader(name, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if _, ok := src.(*pcapSource); !ok {
		t.Fatalf("%s: opened as %T, not as a stream", name, src)
	}
	return src
}

// viaBlocks opens data as a plain file, read in blocks of size.
func viaBlocks(t testing.TB, name string, data []byte, size int) Source {
	t.Helper()
	src, err := openSized(name, bytes.NewReader(data), nil, false, size)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if _, ok := src.(*blockPcap); !ok {
		t.Fatalf("%s: opened as %T, not in blocks", name, src)
	}
	return src
}

// blockSizes put block boundaries inside record headers, inside data, on
// record boundaries and far apart.
var blockSizes = []int{1, 7, 16, 17, 100, 1500, 4096, pcapBlockSize}

// TestBlockPcapSameAsStream: every pcap in pcaps/, read in blocks of every
// size, gives exactly the packets, times, lengths and ending the stream
// reader gives; and, where pcapgo.Reader reads the file to its end, what
// pcapgo gives (the readers part from it only where it stops: a capture
// length beyond the original length, other versions, the modified format).
func TestBlockPcapSameAsStream(t *testing.T) {
	var files []string
	for _, dir := range []string{"../../pcaps/synthetic", "../../pcaps/real", "../../pcaps/hostile"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.pcap"))
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("only %d captures found", len(files))
	}
	checked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) < 24 {
			continue
		}
		if m := [4]byte(data[:4]); m != magicPcapLE && m != magicPcapBE && m != magicPcapNanoLE && m != magicPcapNanoBE {
			continue
		}
		if src, err := OpenReader(f, bytes.NewReader(data)); err != nil {
			continue // a header that does not open: the open path is shared
		} else {
			src.Close()
		}
		want, wantEnd := readRecords(t, viaStream(t, f, data))
		if gp, gpEnd, ok := readPcapgo(data); ok && (gpEnd != wantEnd || fmt.Sprint(gp) != fmt.Sprint(want)) {
			t.Errorf("%s: %d packets, %q; pcapgo %d, %q", f, len(want), wantEnd, len(gp), gpEnd)
		}
		for _, size := range blockSizes {
			if size < 100 && len(data) > 1<<20 {
				continue // a byte at a time through a big file proves nothing more
			}
			got, gotEnd := readRecords(t, viaBlocks(t, f, data, size))
			if gotEnd != wantEnd {
				t.Errorf("%s, blocks of %d: ends %q, stream %q", f, size, gotEnd, wantEnd)
			}
			if len(got) != len(want) {
				t.Errorf("%s, blocks of %d: %d packets, stream %d", f, size, len(got), len(want))
				continue
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("%s, blocks of %d: packet %d differs:\n got %.200s\nwant %.200s", f, size, i+1, got[i], want[i])
					break
				}
			}
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("only %d pcap files compared", checked)
	}
}

// pcapFile is a pcap header (microseconds, little-endian, Ethernet, snap
// length snap) followed by body.
func pcapFile(snap uint32, body []byte) []byte {
	h := make([]byte, 24)
	copy(h, magicPcapLE[:])
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], snap)
	binary.LittleEndian.PutUint32(h[20:], 1)
	return append(h, body...)
}

func record(sec, frac, capLen, origLen uint32, data []byte) []byte {
	r := make([]byte, 16, 16+len(data))
	binary.LittleEndian.PutUint32(r[0:], sec)
	binary.LittleEndian.PutUint32(r[4:], frac)
	binary.LittleEndian.PutUint32(r[8:], capLen)
	binary.LittleEndian.PutUint32(r[12:], origLen)
	return append(r, data...)
}

// TestBlockPcapEndings: the ways a pcap file ends or breaks, each ending
// as the stream reader ends it (the same error, after the same packets).
func TestBlockPcapEndings(t *testing.T) {
	ok := record(1, 2, 4, 4, []byte{1, 2, 3, 4})
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	cases := map[string][]byte{
		"empty body":              pcapFile(65535, nil),
		"clean end":               pcapFile(65535, cat(ok, ok)),
		"header cut":              pcapFile(65535, cat(ok, ok[:9])),
		"data cut":                pcapFile(65535, cat(ok, ok[:18])),
		"header without data":     pcapFile(65535, cat(ok, ok[:16])),
		"zero-length record":      pcapFile(65535, cat(record(1, 0, 0, 0, nil), ok)),
		"over snap length":        pcapFile(2, cat(ok, ok)),
		"over the record bound":   pcapFile(65535, cat(ok, record(1, 0, maxRecord+1, maxRecord+1, nil))),
		"at the record bound":     pcapFile(0, cat(record(1, 0, maxRecord, maxRecord, make([]byte, maxRecord)), ok)),
		"capture over original":   pcapFile(65535, cat(ok, record(1, 0, 4, 3, []byte{1, 2, 3, 4}))),
		"huge snap length":        pcapFile(1<<31, cat(ok, record(1, 0, maxRecord+5, maxRecord+5, nil))),
		"microseconds that wrap":  pcapFile(65535, record(1, 4294968, 0, 0, nil)),
		"microseconds past a sec": pcapFile(65535, record(1, 2500000, 0, 0, nil)),
	}
	for name, data := range cases {
		want, wantEnd := readRecords(t, viaStream(t, name, data))
		for _, size := range blockSizes {
			got, gotEnd := readRecords(t, viaBlocks(t, name, data, size))
			if gotEnd != wantEnd || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s, blocks of %d:\n got %d packets, %q\nwant %d packets, %q", name, size, len(got), gotEnd, len(want), wantEnd)
			}
		}
	}
}

// failingReader returns its bytes, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// TestBlockPcapReadError: an I/O error is reported as one, naming the file
// and the packets read before it, after every packet before it.
func TestBlockPcapReadError(t *testing.T) {
	ok := record(1, 2, 4, 4, []byte{1, 2, 3, 4})
	data := pcapFile(65535, bytes.Join([][]byte{ok, ok, ok[:10]}, nil))
	for _, size := range blockSizes {
		src, err := openSized("disk.pcap", &failingReader{data: data, err: errors.New("input/output error")}, nil, false, size)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			_, _, _, err = src.Next()
			if err != nil {
				break
			}
			n++
		}
		src.Close()
		var e *Error
		if n != 2 || !errors.As(err, &e) || e.Kind != ErrRead || e.Packets != 2 || e.File != "disk.pcap" {
			t.Errorf("blocks of %d: %d packets, then %v", size, n, err)
		}
	}
}

// TestBlockPcapCloseEarly: Close in the middle stops the reader, and Next
// then says the source is closed.
func TestBlockPcapCloseEarly(t *testing.T) {
	ok := record(1, 2, 4, 4, []byte{1, 2, 3, 4})
	data := pcapFile(65535, bytes.Repeat(ok, 10000))
	src := viaBlocks(t, "x.pcap", data, 64)
	if _, _, _, err := src.Next(); err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := src.Next(); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v", err)
	}
}

// FuzzBlockPcapSameAsStream: any bytes after a pcap header, read in blocks
// of any size, give what the stream reader gives, and what pcapgo gives
// when it reads them to the end.
func FuzzBlockPcapSameAsStream(f *testing.F) {
	ok := record(1, 2, 4, 4, []byte{1, 2, 3, 4})
	f.Add(uint32(65535), uint16(7), bytes.Repeat(ok, 3))
	f.Add(uint32(2), uint16(16), ok)
	f.Add(uint32(0), uint16(1), ok[:11])
	f.Add(uint32(65535), uint16(5), cat(ok, pcapFile(9, ok), ok[:3])) // files joined
	f.Fuzz(func(t *testing.T, snap uint32, size uint16, body []byte) {
		data := pcapFile(snap, body)
		stream := viaStream(t, "f.pcap", data)
		want, wantEnd := readRecords(t, stream)
		got, gotEnd := readRecords(t, viaBlocks(t, "f.pcap", data, int(size%4096)+1))
		if gotEnd != wantEnd || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("blocks of %d: %d packets, %q; stream %d, %q", int(size%4096)+1, len(got), gotEnd, len(want), wantEnd)
		}
		// pcapgo reads a joined file's header as a record.
		joined := StatsOf(stream).JoinedFiles != 0
		if gp, gpEnd, ok := readPcapgo(data); ok && !joined && (gpEnd != wantEnd || fmt.Sprint(gp) != fmt.Sprint(want)) {
			t.Fatalf("%d packets, %q; pcapgo %d, %q", len(want), wantEnd, len(gp), gpEnd)
		}
	})
}

// readPcapgo reads data with pcapgo.Reader, as readRecords would, when it
// reads to a clean end; ok is false when pcapgo stops with an error (or
// with io.EOF after a record header: a record cut short).
func readPcapgo(data []byte) (pkts []string, end string, ok bool) {
	r, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, "", false
	}
	if r.Snaplen() > maxRecord {
		r.SetSnaplen(maxRecord) // as ftpsniff bounds records
	}
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF && ci.CaptureLength == 0 {
			return pkts, "EOF", true
		}
		if err != nil {
			return nil, "", false
		}
		pkts = append(pkts, fmt.Sprintf("%s %d/%d %v %x", ci.Timestamp.Format("2006-01-02T15:04:05.999999999"), ci.CaptureLength, ci.Length, r.LinkType(), data))
	}
}

// TestBlockPcapCorruptRecordBeforeReadError guards the classification of
// a corrupt record: the reading goroutine runs blocks ahead, and an I/O
// error it meets further on is not why the record is bad. pcapgo, which
// reads no further than the record, calls it corrupt; so must this.
func TestBlockPcapCorruptRecordBeforeReadError(t *testing.T) {
	ok := record(1, 2, 4, 4, []byte{1, 2, 3, 4})
	bad := record(1, 2, maxRecord+1, maxRecord+1, nil)
	for _, size := range []int{100, 4096, pcapBlockSize} {
		// Within the blocks the reader may fill ahead of the caller's.
		data := pcapFile(65535, bytes.Join([][]byte{ok, bad, make([]byte, size)}, nil))
		src, err := openSized("disk.pcap", &failingReader{data: data, err: errors.New("input/output error")}, nil, false, size)
		if err != nil {
			t.Fatal(err)
		}
		// Let the reader run ahead into the I/O error (it has read every
		// byte) before the bad record is looked at.
		if _, _, _, err := src.Next(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); BytesRead(src) < int64(len(data)) && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		_, _, _, err = src.Next()
		src.Close()
		var e *Error
		if !errors.As(err, &e) || e.Kind != ErrCorrupt || e.Packets != 1 {
			t.Errorf("blocks of %d: %v, want a corrupt record after 1 packet", size, err)
		}
	}
}
