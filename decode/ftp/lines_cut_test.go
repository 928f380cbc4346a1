package ftp

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// TestCutLineDropsItsRest: Cut emits a line over the bound as it stands
// (its reply came before its end), drops the rest of it up to its LF, and
// the line after it is whole; a line under the bound is not cut.
func TestCutLineDropsItsRest(t *testing.T) {
	s := LineSplitter{MaxLine: 16}
	var out []gotLine
	emit := collect(&out)
	s.Write([]byte("USER "+strings.Repeat("A", 20)), emit)
	if !s.Cut(emit) || !s.CutRest() {
		t.Fatal("a line over the bound not cut")
	}
	if s.Cut(emit) {
		t.Error("cut twice")
	}
	s.Write([]byte("AAA\r\nNOOP\r\n"), emit)
	if s.CutRest() {
		t.Error("still dropping after the line end")
	}
	s.Write([]byte("LIST"), emit)
	if s.Cut(emit) {
		t.Error("a line under the bound cut")
	}
	s.Write([]byte("\r\n"), emit)
	want := []gotLine{
		{Text: "USER AAAAAAAAAAA", Dropped: 9, Unterminated: true},
		{Text: "NOOP"},
		{Text: "LIST"},
	}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("lines %#v, want %#v", out, want)
	}
}

// FuzzLineSplitterCut: Cut between writes keeps the splitter's bounds,
// and lines do not depend on how the writes between two cuts are split.
func FuzzLineSplitterCut(f *testing.F) {
	f.Add("USER AAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\nNOOP\r\n", uint8(8), []byte{10, 0x80 | 5, 30})
	f.Add("a\xff\xfb\x01bbbbbbbbbbbbbbbbbbbbbb\r\r\n\nx", uint8(4), []byte{0x80 | 7, 0x80 | 1})
	f.Fuzz(func(t *testing.T, in string, maxLine uint8, cuts []byte) {
		ml := int(maxLine)
		limit := ml
		if limit == 0 {
			limit = DefaultMaxLine
		}
		var chunks []string
		cutAfter := map[int]bool{}
		rest := in
		for _, c := range cuts {
			if rest == "" {
				break
			}
			n := min(int(c&0x3F)+1, len(rest))
			cutAfter[len(chunks)] = c&0x80 != 0
			chunks, rest = append(chunks, rest[:n]), rest[n:]
		}
		if rest != "" {
			chunks = append(chunks, rest)
		}
		run := func(byByte bool) []gotLine {
			s := LineSplitter{MaxLine: ml}
			var out []gotLine
			emit := collect(&out)
			for i, c := range chunks {
				if byByte {
					for j := 0; j < len(c); j++ {
						s.Write([]byte{c[j]}, emit)
					}
				} else {
					s.Write([]byte(c), emit)
				}
				if cutAfter[i] {
					s.Cut(emit)
				}
			}
			s.Flush(emit)
			return out
		}
		one := run(false)
		if got := run(true); !reflect.DeepEqual(one, got) {
			t.Fatalf("chunks %#v != byte by byte %#v", one, got)
		}
		total := 0
		for _, l := range one {
			if len(l.Text) > limit {
				t.Fatalf("line of %d bytes over MaxLine %d", len(l.Text), limit)
			}
			if bytes.IndexByte([]byte(l.Text), '\n') >= 0 {
				t.Fatalf("line %q holds LF", l.Text)
			}
			total += len(l.Text) + l.Dropped
		}
		if total > len(in) {
			t.Fatalf("lines hold %d bytes from %d input bytes", total, len(in))
		}
	})
}
