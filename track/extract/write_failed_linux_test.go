package extract

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWriteFailedRecordDescribesTheFileOnDisk guards the record of a file
// whose write failed (a full disk; here the file size limit, which fails
// a write the same way): its size and hashes are those of the file on
// disk, not of bytes that never reached it (the buffered ones, the rest
// of a short write, every one after), and the reasons name the failure,
// not a size mismatch that blames the transfer. Before, the hashes were
// taken as the bytes came, before the buffer was written, and the stream
// stopped counting at the failure: "bytes" and the SHA-256 described
// bytes that were not on disk, and the reasons said "size mismatch".
func TestWriteFailedRecordDescribesTheFileOnDisk(t *testing.T) {
	d, dir := openDir(t, Limits{})
	w, err := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "f"})
	if err != nil {
		t.Fatal(err)
	}
	const limit = 100_000
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skip(err)
	}
	lim := old
	lim.Cur = limit
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skip(err)
	}
	restored := false
	restore := func() {
		if !restored {
			restored = true
			syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old)
		}
	}
	defer restore()
	// (Go ignores SIGXFSZ: the write past the limit fails with EFBIG.)

	head := bytes.Repeat([]byte("head"), 20_000) // more than the buffer: reaches the file
	tail := bytes.Repeat([]byte{'t'}, 70_000)    // fills the buffer: it is written, short
	var sent []byte
	for _, p := range [][]byte{head, nil, []byte("buffered"), tail, []byte("after the failure")} {
		if p == nil {
			w.Gap(w.Offset(), 10) // a hole, before bytes that reach the file
			sent = append(sent, make([]byte, 10)...)
			continue
		}
		w.Write(p)
		sent = append(sent, p...)
	}
	rec, _ := w.Close(Final{Announced: int64(len(sent)), Reply: 226})
	restore()

	got, err := os.ReadFile(filepath.Join(dir, rec.File))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != limit || !bytes.Equal(got, sent[:limit]) {
		t.Fatalf("file on disk %d bytes; want the first %d sent", len(got), limit)
	}
	if rec.Bytes != int64(len(got)) || rec.SHA256 != hexSHA256(got) {
		t.Errorf("record bytes %d sha256 %s; want the file on disk: %d, %s", rec.Bytes, rec.SHA256, len(got), hexSHA256(got))
	}
	if rec.Complete || !hasReason(rec, "write failed: ") || !hasReason(rec, "the file on disk is short: it holds the first 100000 bytes of ") {
		t.Errorf("reasons %q; want the write failure and the short file", rec.Reasons)
	}
	for _, r := range rec.Reasons {
		if strings.HasPrefix(r, "size mismatch") {
			t.Errorf("reason %q blames the transfer", r)
		}
	}
}
