package extract

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// openDir opens a fresh folder with lim.
func openDir(t *testing.T, lim Limits) (*Dir, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	d, err := Open(dir, lim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, dir
}

// write creates a file for tr, writes data and closes it with a 226.
func write(t *testing.T, d *Dir, tr Transfer, data string) FileRecord {
	t.Helper()
	w, err := d.Create(tr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	rec, err := w.Close(Final{Announced: -1, Reply: 226})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

var passwd = Transfer{Session: 1, Data: 2, Verb: "RETR", Arg: "../../etc/passwd"}

// TestCreateNeverFollowsSymlink guards against a link planted in DIR under
// the name the writer would pick: neither its target nor a dangling
// link's target may be written or created.
func TestCreateNeverFollowsSymlink(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	d, dir := openDir(t, Limits{})
	outside := t.TempDir()
	target := filepath.Join(outside, "target")
	if err := os.WriteFile(target, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	absent := filepath.Join(outside, "absent")
	if err := os.Symlink(target, filepath.Join(dir, "s1-d2-passwd")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(absent, filepath.Join(dir, "s1-d3-passwd")); err != nil {
		t.Fatal(err)
	}

	rec := write(t, d, passwd, "evil")
	dangling := passwd
	dangling.Data = 3
	rec2 := write(t, d, dangling, "evil")

	if rec.File != "s1-d2-passwd-2" || rec2.File != "s1-d3-passwd-2" {
		t.Errorf("files %q, %q; want the -2 names", rec.File, rec2.File)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "precious" {
		t.Errorf("link target now %q (%v)", b, err)
	}
	if _, err := os.Lstat(absent); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dangling link target was created: %v", err)
	}
	for _, n := range []string{"s1-d2-passwd", "s1-d3-passwd"} {
		if fi, err := os.Lstat(filepath.Join(dir, n)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer the planted link: %v %v", n, fi, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, rec.File)); err != nil || string(b) != "evil" {
		t.Errorf("%s holds %q (%v)", rec.File, b, err)
	}
	if st := d.Stats(); st.Collisions != 2 || st.Files != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestCreateCollisionSuffix guards O_EXCL: a second file of the same
// transfer, a planted file or a planted directory never get overwritten.
func TestCreateCollisionSuffix(t *testing.T) {
	d, dir := openDir(t, Limits{})
	tr := Transfer{Session: 12, Data: 3, Verb: "RETR", Arg: "report.txt"}
	if err := os.WriteFile(filepath.Join(dir, "s12-d3-report.txt"), []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "s12-d3-report-2.txt"), 0o700); err != nil {
		t.Fatal(err)
	}
	a := write(t, d, tr, "one")
	b := write(t, d, tr, "two")
	if a.File != "s12-d3-report-3.txt" || b.File != "s12-d3-report-4.txt" {
		t.Errorf("files %q, %q", a.File, b.File)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "s12-d3-report.txt")); string(got) != "old" {
		t.Errorf("planted file overwritten: %q", got)
	}
	if st := d.Stats(); st.Collisions != 5 {
		t.Errorf("collisions %d, want 5", st.Collisions)
	}
}

// TestCreateNameTaken guards the bound on names tried.
func TestCreateNameTaken(t *testing.T) {
	d, dir := openDir(t, Limits{})
	tr := Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "x.bin"}
	for n := range maxNameTries {
		if err := os.WriteFile(filepath.Join(dir, fileName(1, 1, "x.bin", n)), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Create(tr); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("err %v, want ErrNameTaken", err)
	}
	if st := d.Stats(); st.RefusedName != 1 || st.Files != 0 || st.Open != 0 || st.Collisions != maxNameTries {
		t.Errorf("stats %+v", st)
	}
}

// TestFileMode guards that extracted payload is private and not executable.
func TestFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	d, dir := openDir(t, Limits{})
	rec := write(t, d, Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "run.sh"}, "#!/bin/sh\n")
	fi, err := os.Stat(filepath.Join(dir, rec.File))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&^0o600 != 0 {
		t.Errorf("mode %v", fi.Mode())
	}
}

// TestMaxOpen guards the open-writer bound and its counter.
func TestMaxOpen(t *testing.T) {
	d, _ := openDir(t, Limits{MaxOpen: 2})
	var ws []*Writer
	for i := range 2 {
		w, err := d.Create(Transfer{Session: 1, Data: i + 1, Verb: "RETR", Arg: "f"})
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	if _, err := d.Create(Transfer{Session: 1, Data: 3, Verb: "RETR", Arg: "f"}); !errors.Is(err, ErrTooManyOpen) {
		t.Fatalf("third Create: %v", err)
	}
	if st := d.Stats(); st.RefusedOpen != 1 || st.Open != 2 {
		t.Errorf("stats %+v", st)
	}
	if _, err := ws[0].Close(Final{Announced: -1, Reply: 226}); err != nil {
		t.Fatal(err)
	}
	w, err := d.Create(Transfer{Session: 1, Data: 4, Verb: "RETR", Arg: "f"})
	if err != nil {
		t.Fatalf("Create after a Close: %v", err)
	}
	w.Close(Final{})
	ws[1].Close(Final{})
	if st := d.Stats(); st.Open != 0 || st.Files != 3 {
		t.Errorf("stats %+v", st)
	}
}

// TestMaxFiles guards the file-count bound.
func TestMaxFiles(t *testing.T) {
	d, _ := openDir(t, Limits{MaxFiles: 2})
	for i := range 2 {
		write(t, d, Transfer{Session: 1, Data: i + 1, Verb: "RETR", Arg: "f"}, "x")
	}
	for range 3 {
		if _, err := d.Create(Transfer{Session: 1, Data: 9, Verb: "RETR", Arg: "f"}); !errors.Is(err, ErrTooManyFiles) {
			t.Fatalf("Create: %v", err)
		}
	}
	if st := d.Stats(); st.RefusedFiles != 3 || st.Files != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestMaxFileBytes guards the per-file cut: the file keeps the first
// MaxFileBytes bytes, hashes cover exactly those, the cost is counted.
func TestMaxFileBytes(t *testing.T) {
	d, dir := openDir(t, Limits{MaxFileBytes: 10})
	w, err := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "big"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"012345", "6789ab", "cdefg"} {
		if n, err := w.Write([]byte(p)); n != len(p) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	rec, err := w.Close(Final{Announced: 17, Reply: 226})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, rec.File))
	if string(b) != "0123456789" || rec.Bytes != 10 || rec.CutBytes != 7 || !rec.Truncated || rec.Complete {
		t.Errorf("file %q, record %+v", b, rec)
	}
	if rec.SHA256 != hexSHA256([]byte("0123456789")) {
		t.Errorf("sha256 %s", rec.SHA256)
	}
	if !hasReason(rec, "cut at the per-file limit") || hasReason(rec, "size mismatch") {
		t.Errorf("reasons %q", rec.Reasons)
	}
	if st := d.Stats(); st.CutFile != 1 || st.CutFileBytes != 7 || st.Bytes != 10 || st.CutFull != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestMaxFileBytesGap guards a gap that crosses the per-file bound: the
// file ends at the bound, and later payload is counted as cut.
func TestMaxFileBytesGap(t *testing.T) {
	d, dir := openDir(t, Limits{MaxFileBytes: 10})
	w, err := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "big"})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("abc"))
	if err := w.Gap(3, 20); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("zz"))
	rec, _ := w.Close(Final{Announced: 25, Reply: 226})
	fi, _ := os.Stat(filepath.Join(dir, rec.File))
	want := append([]byte("abc"), make([]byte, 7)...)
	if fi.Size() != 10 || rec.Bytes != 10 || rec.CutBytes != 2 || rec.Missing != 20 || rec.SHA256 != hexSHA256(want) {
		t.Errorf("size %d, record %+v", fi.Size(), rec)
	}
	if st := d.Stats(); st.CutFile != 1 || st.CutFileBytes != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestMaxTotalBytes guards the folder bound: the file that reaches it is
// cut, later files are refused, and both are counted.
func TestMaxTotalBytes(t *testing.T) {
	d, _ := openDir(t, Limits{MaxTotalBytes: 15})
	a := write(t, d, Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "a"}, "0123456789")
	b := write(t, d, Transfer{Session: 1, Data: 2, Verb: "RETR", Arg: "b"}, "0123456789")
	if a.Truncated || !b.Truncated || b.Bytes != 5 || b.CutBytes != 5 || !hasReason(b, "cut at the folder limit") {
		t.Errorf("records %+v %+v", a, b)
	}
	if _, err := d.Create(Transfer{Session: 1, Data: 3, Verb: "RETR", Arg: "c"}); !errors.Is(err, ErrFolderFull) {
		t.Fatalf("Create: %v", err)
	}
	if st := d.Stats(); st.CutFull != 1 || st.CutFullBytes != 5 || st.RefusedFull != 1 || st.Bytes != 15 || st.Files != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestOpen guards Open's checks and messages.
func TestOpen(t *testing.T) {
	base := t.TempDir()
	nested := filepath.Join(base, "a", "b")
	d, err := Open(nested, Limits{})
	if err != nil {
		t.Fatalf("Open creates missing folders: %v", err)
	}
	if d.Path() != nested || d.Limits() != (Limits{DefaultMaxOpen, DefaultMaxFiles, DefaultMaxFileBytes, DefaultMaxTotalBytes}) {
		t.Errorf("path %q limits %+v", d.Path(), d.Limits())
	}
	d.Close()
	if err := d.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	if _, err := d.Create(passwd); !errors.Is(err, ErrClosed) {
		t.Errorf("Create after Close: %v", err)
	}

	file := filepath.Join(base, "plain")
	os.WriteFile(file, nil, 0o600)
	if _, err := Open(file, Limits{}); err == nil || !strings.Contains(err.Error(), file) || strings.Contains(err.Error(), "\n") {
		t.Errorf("Open(file) = %v", err)
	}
	if _, err := Open(base, Limits{MaxFileBytes: -1}); !errors.Is(err, ErrLimits) {
		t.Errorf("negative limit: %v", err)
	}
}

// TestWriterAfterDirClose guards that an open writer outlives Dir.Close.
func TestWriterAfterDirClose(t *testing.T) {
	d, dir := openDir(t, Limits{})
	w, err := d.Create(passwd)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	w.Write([]byte("late"))
	rec, err := w.Close(Final{Announced: 4, Reply: 226})
	if err != nil || !rec.Complete {
		t.Fatalf("%+v %v", rec, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, rec.File)); string(b) != "late" {
		t.Errorf("file holds %q", b)
	}
}

// TestCreateError guards the message of a file-system error: one line
// naming the file and the folder, the cause kept for errors.Is. The folder
// is removed under the open Dir, which fails the same way for root.
func TestCreateError(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("an open directory cannot be removed on Windows")
	}
	d, dir := openDir(t, Limits{})
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	_, err := d.Create(passwd)
	if err == nil || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), dir) ||
		strings.Count(err.Error(), "s1-d2-passwd") != 1 || strings.Contains(err.Error(), "\n") {
		t.Errorf("err %v", err)
	}
	if st := d.Stats(); st.Files != 0 || st.Open != 0 {
		t.Errorf("stats %+v", st)
	}
}

func hasReason(r FileRecord, prefix string) bool {
	for _, s := range r.Reasons {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// TestConcurrentAccounting guards the folder's counters when writers in
// several goroutines race for the last bytes: what the records say was
// written and cut adds up to Stats, and the folder bound holds.
func TestConcurrentAccounting(t *testing.T) {
	const workers, writes, chunk = 8, 50, 100
	d, _ := openDir(t, Limits{MaxTotalBytes: 25_000})
	var ws []*Writer
	for i := range workers { // all created before any writes
		w, err := d.Create(Transfer{Session: 1, Data: i + 1, Verb: "RETR", Arg: "f"})
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	recs := make(chan FileRecord, workers)
	for _, w := range ws {
		go func() {
			p := make([]byte, chunk)
			for range writes {
				w.Write(p)
			}
			rec, _ := w.Close(Final{Announced: writes * chunk, Reply: 226})
			recs <- rec
		}()
	}
	var bytes, cut int64
	for range workers {
		r := <-recs
		bytes += r.Bytes
		cut += r.CutBytes
	}
	st := d.Stats()
	if bytes != 25_000 || st.Bytes != bytes || st.CutFullBytes != cut || cut != workers*writes*chunk-25_000 || st.Open != 0 {
		t.Errorf("records: %d written, %d cut; stats %+v", bytes, cut, st)
	}
}
