package main

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestJSONTimeAcrossDays: the seconds of sessions that interleave, days
// apart, across midnight and before the epoch (the day kept, the time of
// day worked out) are time.RFC3339Nano's, whatever came before.
func TestJSONTimeAcrossDays(t *testing.T) {
	mid := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	times := []time.Time{mid, mid.Add(-1), mid.Add(-time.Second), mid.Add(time.Second + 7), mid.AddDate(0, 0, -1),
		mid.Add(23*time.Hour + 59*time.Minute + 59*time.Second), mid.Add(-time.Second), mid.Add(12*time.Hour + 34*time.Minute + 56*time.Second),
		time.Unix(-1, 0), time.Unix(-86400, 0), time.Unix(-86401, 5), time.Unix(-86399, 0), time.Unix(0, 0), time.Unix(86399, 0),
		time.Date(10000, 1, 1, 0, 0, 1, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(0, 1, 1, 0, 0, 1, 0, time.UTC), mid.In(time.FixedZone("X", -5*3600))}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		times = append(times, time.Unix(r.Int64N(300000000000)-150000000000, r.Int64N(1e9)),
			mid.Add(time.Duration(r.Int64N(3*86400e9))-86400e9))
	}
	var w jsonWriter
	for _, tm := range times {
		if got, want := string(w.appendTime(nil, tm)), tm.UTC().Format(time.RFC3339Nano); got != want {
			t.Fatalf("appendTime(%d.%09d) = %q, want %q", tm.Unix(), tm.Nanosecond(), got, want)
		}
	}
}

// TestJSONStrRawMatchesStrThenRaw: a string written with its _raw sibling
// in one go (ASCII: no UTF-8 check) is the field then the sibling written
// one after the other, for ASCII, escapes, valid UTF-8 and invalid bytes,
// with and without omitempty.
func TestJSONStrRawMatchesStrThenRaw(t *testing.T) {
	in := []string{"", "RETR", "a b", `q"\`, "ctl\x01\x7f", strings.Repeat("plain text ", 9), "caf\u00e9", "\u2028",
		"\xff", "ok then \xc3", strings.Repeat("x", 17) + "\x80" + strings.Repeat("y", 9), "\U0001F600", "\u200b"}
	for c := 0; c < 256; c++ {
		in = append(in, strings.Repeat("z", c%11)+string([]byte{byte(c)}))
	}
	for _, s := range in {
		var a, b jsonWriter
		a.begin()
		a.int("n", 1)
		a.strRaw("text", "text_raw", s)
		a.strOmitRaw("cwd", "cwd_raw", s)
		b.begin()
		b.int("n", 1)
		b.str("text", s)
		b.raw("text_raw", s)
		b.strOmit("cwd", s)
		b.raw("cwd_raw", s)
		if got, want := string(a.end(nil)), string(b.end(nil)); got != want {
			t.Errorf("%q: %s, want %s", s, got, want)
		}
	}
}

// TestJSONStringWordsAndTail guards the whole-string fast path
// (plainHead): a byte that must be escaped, or is not ASCII, at any
// place of strings of 7 to 17 bytes (in a whole word, in the overlapping
// last word, at either end) is escaped as the record encoder escapes it,
// and the ASCII answer is right.
func TestJSONStringWordsAndTail(t *testing.T) {
	n := 0
	for size := 7; size <= 17; size++ {
		for at := range size {
			for _, c := range []byte{0x00, 0x1f, '"', '\\', 0x7f, 0x80, 0xc3, 0xff, ' ', '~'} {
				b := []byte(strings.Repeat("ab cd~ef", 3)[:size])
				b[at] = c
				s := string(b)
				got, ascii := appendJSONStringASCII(nil, s)
				if want := referenceJSON(t, s); !bytes.Equal(got, want) {
					t.Errorf("%q: got %s, want %s", s, got, want)
				}
				if want := c < 0x80; ascii != want {
					t.Errorf("%q: ascii %v, want %v", s, ascii, want)
				}
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no case")
	}
}
