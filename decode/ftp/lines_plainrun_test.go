package ftp

import (
	"bytes"
	"reflect"
	"testing"
)

// TestPlainRunStopsAtEverySpecialByte: Write's fast path skips the bytes
// that are not CR, LF or IAC eight at a time (plainRun, specialIn8). Each
// special byte, at every offset of a run longer than two words, among
// fillers one bit away from it (and the high-bit and NUL bytes the word
// test borrows through), ends the run exactly where a byte-by-byte scan
// does; a run without one is taken whole.
func TestPlainRunStopsAtEverySpecialByte(t *testing.T) {
	fillers := []byte{'a', ' ', 0x00, 0x09, 0x0b, 0x0c, 0x0e, 0x0f, 0x1a, 0x2d, 0x7f, 0x80, 0x8a, 0x8d, 0xfe, 0xef, 0x7e}
	byteScan := func(p []byte) int {
		j := 0
		for j < len(p) && !special[p[j]] {
			j++
		}
		return j
	}
	for _, fill := range fillers {
		for n := 0; n <= 20; n++ {
			p := bytes.Repeat([]byte{fill}, n)
			if got := plainRun(p); got != n {
				t.Errorf("filler %#x, %d bytes, none special: plainRun = %d, want %d", fill, n, got, n)
			}
			for _, sp := range []byte{'\r', '\n', telnetIAC} {
				for at := 0; at < n; at++ {
					q := bytes.Clone(p)
					q[at] = sp
					if got, want := plainRun(q), byteScan(q); got != want || got != at {
						t.Errorf("filler %#x, %d bytes, %#x at %d: plainRun = %d, byte scan %d", fill, n, sp, at, got, want)
					}
					// A second special byte after the first (the word
					// test's borrow flags bytes above a match, never
					// below) changes nothing.
					for at2 := at + 1; at2 < n; at2++ {
						for _, sp2 := range []byte{'\r', '\n', telnetIAC} {
							r := bytes.Clone(q)
							r[at2] = sp2
							if got := plainRun(r); got != at {
								t.Errorf("filler %#x, %d bytes, %#x at %d and %#x at %d: plainRun = %d", fill, n, sp, at, sp2, at2, got)
							}
						}
					}
				}
			}
		}
	}
}

// TestWriteWordScanSameLines: lines whose ends and IACs fall at every
// offset of the word scan split the same whether written whole or byte
// by byte (where the fast path never takes more than one byte).
func TestWriteWordScanSameLines(t *testing.T) {
	for at := 0; at < 18; at++ {
		pre := bytes.Repeat([]byte{'x'}, at)
		for _, in := range []string{
			string(pre) + "\r\nUSER anonymous\r\n",
			string(pre) + "\nPASS\xff\xffsecret\r\n",
			string(pre) + "\xff\xf4\xff\xf2ABOR\r\n",
			"RETR " + string(pre) + "\rfile\r\n",
		} {
			if whole, one := splitChunks(0, in), splitBytes(0, in); !reflect.DeepEqual(whole, one) {
				t.Errorf("%q: whole %+v, byte by byte %+v", in, whole, one)
			}
		}
	}
}
