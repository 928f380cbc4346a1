package extract

import (
	"bytes"
	"strings"
	"testing"
)

// BenchmarkWrite measures the hot path: one TCP segment's payload per
// Write, hashed three ways and buffered to disk.
func BenchmarkWrite(b *testing.B) {
	d, err := Open(b.TempDir(), Limits{MaxFileBytes: 1 << 62, MaxTotalBytes: 1 << 62})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	w, err := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "bench.bin"})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close(Final{})
	p := bytes.Repeat([]byte("0123456789abcdef"), 1460/16)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Write(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSafeName measures the sanitiser on a hostile 4,000-byte name.
func BenchmarkSafeName(b *testing.B) {
	in := "../../" + strings.Repeat("a\x1b[0m\u202e", 500) + ".txt"
	b.ReportAllocs()
	for b.Loop() {
		SafeName(in)
	}
}
