package vantage

import (
	"testing"
	"time"
)

// TestSpanRotationGap guards how a point's files join into one span: files
// that follow each other less than a second apart (tcpdump -C starting the
// next file at the next packet, a quiet moment) are one capture, with no
// break, so that a SYN shortly before a rotation is not taken as
// "not captured"; a longer time between them (a missing file, which may
// hold every try of a SYN) is a break; overlapping files cover their union.
func TestSpanRotationGap(t *testing.T) {
	ms := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Millisecond))) }
	for _, tc := range []struct {
		name   string
		files  [][2]time.Time // first, last packet of each file
		breaks int
	}{
		{"contiguous split, 0.15 ms apart", [][2]time.Time{{ms(0), ms(400)}, {ms(400.15), ms(5000)}}, 0},
		{"rotation in a quiet 0.9 s", [][2]time.Time{{ms(0), ms(400)}, {ms(1297), ms(5000)}}, 0},
		{"missing file, 2.87 s", [][2]time.Time{{ms(0), ms(400)}, {ms(3270), ms(5000)}}, 1},
		{"missing file, 1 s", [][2]time.Time{{ms(0), ms(400)}, {ms(1400), ms(5000)}}, 1},
		{"overlapping", [][2]time.Time{{ms(0), ms(400)}, {ms(300), ms(5000)}}, 0},
		{"one short, one long", [][2]time.Time{{ms(0), ms(400)}, {ms(400.2), ms(2000)}, {ms(4000), ms(5000)}}, 1},
	} {
		c := NewCollector("p", Options{})
		for k, f := range tc.files {
			c.seen(f[0], uint32(k), true)
			c.seen(f[1], uint32(k), true)
		}
		sp := c.Span()
		if len(sp.Breaks) != tc.breaks {
			t.Errorf("%s: breaks %v, want %d", tc.name, sp.Breaks, tc.breaks)
		}
		if last := tc.files[len(tc.files)-1][1]; sp.Packets != 2*len(tc.files) || !sp.First.Equal(ms(0)) || !sp.Last.Equal(last) {
			t.Errorf("%s: span %v..%v (%d packets), want %v..%v", tc.name, sp.First, sp.Last, sp.Packets, ms(0), last)
		}
		// A SYN 0.1 s before the first file's last packet: the second
		// after it is captured when the files are one capture.
		if got, want := sp.Through(ms(300), ms(1300)), tc.breaks == 0 || tc.name == "one short, one long"; got != want {
			t.Errorf("%s: Through(0.3 s, 1.3 s) = %v, want %v", tc.name, got, want)
		}
	}
}
