package extract

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func hexSHA256(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// piece is one step fed to a writer: payload, or a gap of n bytes.
type piece struct {
	data string
	gap  int64
}

// TestHashesAndHoles guards that the record's hashes equal crypto's of the
// same bytes (holes as zeros) and of the file read back, and that gaps
// keep later bytes at their offsets.
func TestHashesAndHoles(t *testing.T) {
	big := string(bytes.Repeat([]byte("0123456789abcdef"), 10_000)) // crosses the write buffer
	tests := []struct {
		name   string
		pieces []piece
	}{
		{"empty", nil},
		{"one write", []piece{{data: "hello, world\n"}}},
		{"many writes", []piece{{data: "a"}, {data: "bc"}, {data: ""}, {data: big}, {data: "z"}}},
		{"gap in the middle", []piece{{data: "head"}, {gap: 5}, {data: "tail"}}},
		{"gap first", []piece{{gap: 3}, {data: "x"}}},
		{"gap last", []piece{{data: "x"}, {gap: 70_000}}},
		{"only a gap", []piece{{gap: 100}}},
		{"big gap after buffered bytes", []piece{{data: big}, {gap: 1 << 20}, {data: big}}},
		{"zero-length gap", []piece{{data: "a"}, {gap: 0}, {data: "b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, dir := openDir(t, Limits{})
			w, err := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "f.bin"})
			if err != nil {
				t.Fatal(err)
			}
			var want []byte
			var missing int64
			for _, p := range tt.pieces {
				if p.gap == 0 {
					if _, err := w.Write([]byte(p.data)); err != nil {
						t.Fatal(err)
					}
					want = append(want, p.data...)
					continue
				}
				if err := w.Gap(w.Offset(), p.gap); err != nil {
					t.Fatal(err)
				}
				want = append(want, make([]byte, p.gap)...)
				missing += p.gap
			}
			if w.Offset() != int64(len(want)) {
				t.Errorf("Offset %d, want %d", w.Offset(), len(want))
			}
			rec, err := w.Close(Final{Announced: int64(len(want)), Reply: 226})
			if err != nil {
				t.Fatal(err)
			}
			disk, err := os.ReadFile(filepath.Join(dir, rec.File))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(disk, want) {
				t.Errorf("file has %d bytes, want %d (equal prefix: %v)", len(disk), len(want), bytes.HasPrefix(want, disk))
			}
			s1 := sha1.Sum(want)
			m5 := md5.Sum(want)
			if rec.SHA256 != hexSHA256(want) || rec.SHA1 != hex.EncodeToString(s1[:]) || rec.MD5 != hex.EncodeToString(m5[:]) {
				t.Errorf("hashes %s %s %s", rec.SHA256, rec.SHA1, rec.MD5)
			}
			if rec.Bytes != int64(len(want)) || rec.Missing != missing || rec.Complete != (missing == 0) {
				t.Errorf("record %+v", rec)
			}
		})
	}
}

// TestGapOffset guards Gap's argument checks.
func TestGapOffset(t *testing.T) {
	d, _ := openDir(t, Limits{})
	w, _ := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "f"})
	w.Write([]byte("abc"))
	for _, g := range [][2]int64{{0, 1}, {5, 1}, {3, -1}, {3, math.MaxInt64}} {
		if err := w.Gap(g[0], g[1]); !errors.Is(err, ErrGapOffset) {
			t.Errorf("Gap(%d, %d) = %v", g[0], g[1], err)
		}
	}
	if w.Offset() != 3 {
		t.Errorf("a refused gap moved the offset to %d", w.Offset())
	}
	rec, _ := w.Close(Final{Announced: 3, Reply: 226})
	if !rec.Complete || rec.Missing != 0 {
		t.Errorf("record %+v", rec)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
	if err := w.Gap(3, 1); !errors.Is(err, ErrClosed) {
		t.Errorf("Gap after Close: %v", err)
	}
	if r, err := w.Close(Final{}); !errors.Is(err, ErrClosed) || r.File != "" {
		t.Errorf("second Close: %+v %v", r, err)
	}
}

// TestMIME guards the content sniff on the file's first bytes.
func TestMIME(t *testing.T) {
	tests := []struct {
		name   string
		pieces []piece
		want   string
	}{
		{"empty", nil, ""},
		{"html", []piece{{data: "<!DOCTYPE html><html>"}}, "text/html; charset=utf-8"},
		{"png split", []piece{{data: "\x89PN"}, {data: "G\r\n\x1a\n\x00\x00"}}, "image/png"},
		{"zip", []piece{{data: "PK\x03\x04rest"}}, "application/zip"},
		{"text", []piece{{data: "total 0\r\ndrwxr-xr-x 2 ftp ftp 6 Jan 1 pub\r\n"}}, "text/plain; charset=utf-8"},
		{"gap first", []piece{{gap: 4}, {data: "<html>"}}, "application/octet-stream"},
		{"html after 512", []piece{{data: string(bytes.Repeat([]byte{0}, 600))}, {data: "<html>"}}, "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := openDir(t, Limits{})
			w, _ := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "f"})
			for _, p := range tt.pieces {
				if p.gap > 0 {
					w.Gap(w.Offset(), p.gap)
				} else {
					w.Write([]byte(p.data))
				}
			}
			rec, _ := w.Close(Final{Announced: -1, Reply: 226})
			if rec.MIME != tt.want {
				t.Errorf("MIME %q, want %q", rec.MIME, tt.want)
			}
		})
	}
}

// TestWriteAllocs guards the hot path: Write allocates nothing.
func TestWriteAllocs(t *testing.T) {
	d, _ := openDir(t, Limits{})
	w, _ := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "f"})
	defer w.Close(Final{})
	p := bytes.Repeat([]byte{'x'}, 1460)
	if n := testing.AllocsPerRun(1000, func() { w.Write(p) }); n != 0 {
		t.Errorf("Write allocates %.1f times", n)
	}
}

// TestWriteError guards a failing disk: the error is sticky, names the
// file, and the record says the write failed.
func TestWriteError(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	d, _ := openDir(t, Limits{})
	w, _ := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "f"})
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	w.f.Close()
	w.f = full
	w.buf.Reset(full)
	p := make([]byte, bufSize+1) // more than the buffer: reaches the file
	if _, err := w.Write(p); err == nil {
		t.Fatal("Write to a full disk succeeded")
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("the write error is not sticky")
	}
	rec, err := w.Close(Final{Announced: -1, Reply: 226})
	if err == nil || rec.Complete || !hasReason(rec, "write failed: extract: write s1-d1-f in ") {
		t.Errorf("record %+v, err %v", rec, err)
	}
}
