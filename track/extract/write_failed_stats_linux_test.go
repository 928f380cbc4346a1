package extract

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// limitFileSize makes writes past limit bytes of any file fail (EFBIG,
// as a full disk fails them: Go ignores SIGXFSZ) until the returned
// function is called; it skips the test where the limit cannot be set.
func limitFileSize(t *testing.T, limit uint64) (restore func()) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skip(err)
	}
	lim := old
	lim.Cur = limit
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skip(err)
	}
	done := false
	restore = func() {
		if !done {
			done = true
			syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old)
		}
	}
	t.Cleanup(restore)
	return restore
}

// TestStatsCountOnlyBytesOnDisk guards the folder's counters after a
// failed write (a full disk): Stats.Bytes and HoleBytes are what reached
// the disk, and the bytes that never did no longer count toward
// MaxTotalBytes. Before, the bytes were counted when the folder granted
// them, before the write, and never given back: on a full tmpfs the
// summary said "41 files, 1755487 bytes" of 41 empty files, and a later
// file was cut at the folder limit by bytes that were not on disk.
func TestStatsCountOnlyBytesOnDisk(t *testing.T) {
	t.Run("short write, hole on disk", func(t *testing.T) {
		d, dir := openDir(t, Limits{MaxTotalBytes: 200_000})
		w, err := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "a"})
		if err != nil {
			t.Fatal(err)
		}
		restore := limitFileSize(t, 100_000)
		w.Write(bytes.Repeat([]byte{'h'}, 80_000)) // more than the buffer: on disk
		w.Gap(w.Offset(), 10)                      // on disk once bytes after it are
		w.Write(bytes.Repeat([]byte{'b'}, 60_000)) // buffered
		w.Write(bytes.Repeat([]byte{'c'}, 50_000)) // the flush is cut short at 100 000
		w.Write([]byte("after the failure"))
		rec, err := w.Close(Final{Announced: -1, Reply: 226})
		restore()
		if err == nil || rec.Bytes != 100_000 {
			t.Fatalf("record %d bytes, err %v; want a write error and 100000 bytes", rec.Bytes, err)
		}
		checkStatsMatchDisk(t, d, dir)

		// 100 000 bytes on disk: another 100 000 fit under the bound.
		w, err = d.Create(Transfer{Session: 1, Data: 2, Verb: "RETR", Arg: "b"})
		if err != nil {
			t.Fatalf("second file: %v", err)
		}
		w.Write(bytes.Repeat([]byte{'x'}, 100_000))
		if rec, err := w.Close(Final{Announced: -1, Reply: 226}); err != nil || rec.Truncated || rec.Bytes != 100_000 {
			t.Errorf("second file: %d bytes, truncated %v, err %v; want 100000, not cut: the failed bytes are not on disk", rec.Bytes, rec.Truncated, err)
		}
		checkStatsMatchDisk(t, d, dir)
		if st := d.Stats(); st.CutFull != 0 || st.CutFullBytes != 0 {
			t.Errorf("stats %+v: nothing should be cut at the folder limit", st)
		}
	})
	t.Run("hole never on disk", func(t *testing.T) {
		d, dir := openDir(t, Limits{})
		w, err := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "a"})
		if err != nil {
			t.Fatal(err)
		}
		restore := limitFileSize(t, 80_000)
		w.Write(bytes.Repeat([]byte{'h'}, 80_000))
		w.Gap(w.Offset(), 10) // seeked past; the write after it fails whole
		w.Write([]byte("tail"))
		_, err = w.Close(Final{Announced: -1, Reply: 226})
		restore()
		if err == nil {
			t.Fatal("Close after a failed write: no error")
		}
		checkStatsMatchDisk(t, d, dir)
		if st := d.Stats(); st.HoleBytes != 0 {
			t.Errorf("hole bytes %d: the hole never reached the file", st.HoleBytes)
		}
	})
}

// checkStatsMatchDisk compares the folder's byte counters with its files.
func checkStatsMatchDisk(t *testing.T, d *Dir, dir string) {
	t.Helper()
	var size int64
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		fi, err := os.Stat(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		size += fi.Size()
	}
	st := d.Stats()
	if st.Bytes+st.HoleBytes != size {
		t.Errorf("stats: %d bytes + %d of holes; the files hold %d", st.Bytes, st.HoleBytes, size)
	}
	d.mu.Lock()
	total := d.total
	d.mu.Unlock()
	if total != size {
		t.Errorf("the folder bound counts %d bytes; the files hold %d", total, size)
	}
}

// TestStatsNeverGoDownOnFailedWrite guards Stats.Bytes and HoleBytes, which
// live exports as the counter ftpsniff_extract_bytes_total: they only grow,
// a write that fails (a full disk) included. Before, they counted the
// bytes as the folder granted them (into the writer's buffer) and Close
// took back those that never reached the disk: the counter went from
// 190000 to 100000, which Prometheus reads as a restart (a bogus spike in
// rate()).
func TestStatsNeverGoDownOnFailedWrite(t *testing.T) {
	write := func(c byte, n int) func(*Writer) {
		return func(w *Writer) { w.Write(bytes.Repeat([]byte{c}, n)) }
	}
	for _, tc := range []struct {
		name  string
		limit uint64 // RLIMIT_FSIZE: writes past it fail
		steps []func(*Writer)
		// bytes and holes: Stats at the end, the files on disk
		bytes, holes int64
	}{
		{"buffered bytes lost", 100_000, []func(*Writer){
			write('h', 80_000), // more than the buffer: on disk
			write('b', 60_000), // buffered
			write('c', 50_000), // the flush is cut short at 100 000
		}, 100_000, 0},
		{"hole seeked past, write after it fails", 80_000, []func(*Writer){
			write('h', 80_000),
			func(w *Writer) { w.Gap(w.Offset(), 10) },
			write('x', 100_000), // fails whole
		}, 80_000, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, dir := openDir(t, Limits{})
			w, err := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "a"})
			if err != nil {
				t.Fatal(err)
			}
			restore := limitFileSize(t, tc.limit)
			seen := []Stats{d.Stats()} // after each step, as a scrape reads them
			for _, step := range tc.steps {
				step(w)
				seen = append(seen, d.Stats())
			}
			_, err = w.Close(Final{Announced: -1, Reply: 226})
			restore()
			if err == nil {
				t.Fatal("Close after a failed write: no error")
			}
			seen = append(seen, d.Stats())
			for i := 1; i < len(seen); i++ {
				if a, b := seen[i-1], seen[i]; b.Bytes < a.Bytes || b.HoleBytes < a.HoleBytes {
					t.Errorf("stats went down after step %d: bytes %d -> %d, holes %d -> %d", i, a.Bytes, b.Bytes, a.HoleBytes, b.HoleBytes)
				}
			}
			if last := seen[len(seen)-1]; last.Bytes != tc.bytes || last.HoleBytes != tc.holes {
				t.Errorf("stats at the end: %d bytes, %d of holes; want %d, %d", last.Bytes, last.HoleBytes, tc.bytes, tc.holes)
			}
			checkStatsMatchDisk(t, d, dir)
		})
	}
}
