package ftp

import (
	"reflect"
	"strings"
	"testing"
)

// crLine is Line with Text copied and BareCR, for comparing.
type crLine struct {
	Text         string
	BareCR       bool
	Unterminated bool
	Telnet       TelnetFlags
}

// peerSpoke, among the writes of splitLoneCR, calls PeerSpoke.
const peerSpoke = "<peer>"

// splitLoneCR writes each chunk to a LoneCR splitter of bound maxLine
// (peerSpoke: the other side sent a line), then flushes.
func splitLoneCR(maxLine int, chunks ...string) []crLine {
	s := LineSplitter{MaxLine: maxLine, LoneCR: true}
	var out []crLine
	emit := func(l Line) {
		out = append(out, crLine{string(l.Text), l.BareCR, l.Unterminated, l.Telnet})
	}
	for _, c := range chunks {
		if c == peerSpoke {
			s.PeerSpoke(emit)
			continue
		}
		s.Write([]byte(c), emit)
	}
	s.Flush(emit)
	return out
}

// TestLineSplitterLoneCR: a server whose lines end in a CR alone. Its
// CRs are taken for line ends once the stream shows it: the client
// answered (PeerSpoke), the line reached its bound with no LF, or the
// stream ended; from then on each CR ends its line as it comes. A stream
// whose first line end is a LF reads as before, its CRs kept as data.
func TestLineSplitterLoneCR(t *testing.T) {
	cr := func(s string) crLine { return crLine{Text: s, BareCR: true} }
	lf := func(s string) crLine { return crLine{Text: s} }
	tests := []struct {
		name    string
		maxLine int
		in      []string
		want    []crLine
	}{
		{"greeting answered, then each CR ends its line", 0,
			[]string{"220-cr only server\r220 ready\r", peerSpoke, "331 Password required for alice.\r", "230 User logged in.\r"},
			[]crLine{cr("220-cr only server"), cr("220 ready"), cr("331 Password required for alice."), cr("230 User logged in.")}},
		{"one-line greeting answered", 0,
			[]string{"220 ready\r", peerSpoke, "331 pw\r", "230 ok\r"},
			[]crLine{lf("220 ready"), cr("331 pw"), cr("230 ok")}},
		{"lines of one segment after the mode is known", 0,
			[]string{"220 a\r", peerSpoke, "150 Opening\r226 Done\r221 Bye\r"},
			[]crLine{lf("220 a"), cr("150 Opening"), cr("226 Done"), cr("221 Bye")}},
		{"CR LF after the mode is known is one line end", 0,
			[]string{"220-a\r220 b\r", peerSpoke, "331 x\r\n230 y\r"},
			[]crLine{cr("220-a"), cr("220 b"), cr("331 x"), cr("230 y")}},
		{"CR NUL line ends", 0,
			[]string{"220-a\r\x00220 b\r\x00", peerSpoke, "331 x\r\x00230 y\r\x00"},
			[]crLine{cr("220-a"), cr("220 b"), cr("331 x"), cr("230 y")}},
		{"the stream ends", 0, []string{"220-a\r220 b\r"}, []crLine{cr("220-a"), cr("220 b")}},
		{"the bound with no LF", 16, []string{"220-a\r220-bb\r220 ccc\r331 dddd\r"},
			[]crLine{cr("220-a"), cr("220-bb"), cr("220 ccc"), cr("331 dddd")}},
		// What reads as before.
		{"CR LF stream: a CR inside a line is kept", 0, []string{"220 ok\r\n", peerSpoke, "331 a\rb\r\n"}, []crLine{lf("220 ok"), lf("331 a\rb")}},
		{"first line's CR before its LF is kept", 0, []string{"a\rb\r\n", "c\rd\r\n"}, []crLine{lf("a\rb"), lf("c\rd")}},
		{"LF stream", 0, []string{"220 a\n", peerSpoke, "331 b\rc\n"}, []crLine{lf("220 a"), lf("331 b\rc")}},
		{"answered at its LF: CR LF split after its CR", 0, []string{"220 ok\r", peerSpoke, "\n331 x\ry\r\n"}, []crLine{lf("220 ok"), lf("331 x\ry")}},
		{"a trailing CR alone at the end", 0, []string{"221 Bye\r"}, []crLine{{Text: "221 Bye", Unterminated: true}}},
		{"no CR: nothing to split", 0, []string{"220 partial", peerSpoke, " line\r\n"}, []crLine{lf("220 partial line")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitLoneCR(tt.maxLine, tt.in...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %#v\nwant %#v", got, tt.want)
			}
			// Cut anywhere, byte by byte: the same lines.
			var bytewise []string
			for _, c := range tt.in {
				if c == peerSpoke {
					bytewise = append(bytewise, c)
					continue
				}
				for i := range len(c) {
					bytewise = append(bytewise, c[i:i+1])
				}
			}
			if got := splitLoneCR(tt.maxLine, bytewise...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("byte by byte:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// TestLineSplitterLoneCRClient: without LoneCR (a client's stream) a CR
// alone never ends a line, answered or not: a password holding a CR is
// not cut in two.
func TestLineSplitterLoneCRClient(t *testing.T) {
	s := LineSplitter{}
	var got []string
	emit := func(l Line) { got = append(got, string(l.Text)) }
	s.Write([]byte("PASS sec\rret\r"), emit)
	if s.PeerSpoke(emit) {
		t.Error("PeerSpoke emitted")
	}
	s.Flush(emit)
	if want := []string{"PASS sec\rret"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestLineSplitterRestKeepsLineEnds: a splitter swapped for one at rest
// (Rest, SwapBuffer: the session parser pools buffers between lines)
// keeps the stream's line ends and LoneCR, and takes none from the
// splitter whose buffer it takes.
func TestLineSplitterRestKeepsLineEnds(t *testing.T) {
	s := LineSplitter{LoneCR: true}
	var got []crLine
	emit := func(l Line) { got = append(got, crLine{Text: string(l.Text), BareCR: l.BareCR}) }
	s.Write([]byte("220-a\r220 b\r"), emit)
	s.PeerSpoke(emit)
	r := s.Rest()
	other := LineSplitter{}
	other.Write([]byte("x\n"), nil) // a LF stream's splitter, at rest
	r.SwapBuffer(other.SwapBuffer(nil))
	r.Write([]byte("331 c\r"), emit)
	want := []crLine{{"220-a", true, false, 0}, {"220 b", true, false, 0}, {"331 c", true, false, 0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	if !r.LoneCR || other.buf != nil {
		t.Errorf("LoneCR %v, other's buffer %v", r.LoneCR, other.buf)
	}
}

func TestLineSplitterLoneCRNoAlloc(t *testing.T) {
	in := []byte("227 Entering Passive Mode (192,0,2,10,156,66)\r150 ok\r226 Done\r")
	s := LineSplitter{LoneCR: true}
	n := 0
	emit := func(l Line) { n += len(l.Text) }
	s.Write([]byte("220 a\r220 b\r"), emit)
	s.PeerSpoke(emit)
	s.Write(in, emit) // warm the buffer
	if a := testing.AllocsPerRun(100, func() { s.Write(in, emit) }); a != 0 {
		t.Errorf("Write allocates %v times per run, want 0", a)
	}
}

// FuzzLineSplitterLoneCR: with LoneCR, how the stream is cut into writes
// changes no line; lines stay within the bound and hold no LF; a stream
// with a LF before its first CR reads as without LoneCR.
func FuzzLineSplitterLoneCR(f *testing.F) {
	f.Add("220-cr only server\r220 ready\r331 x\r", uint8(0), uint8(3))
	f.Add("220-a\r\x00220 b\r\x00331 c\r\x00", uint8(0), uint8(1))
	f.Add("220-a\r220-bb\r220 ccc\r331 dddd\r", uint8(16), uint8(5))
	f.Add("a\rb\r\nc\rd\r\n", uint8(0), uint8(2))
	f.Add("220 a\n331 b\rc\n", uint8(0), uint8(2))
	f.Add("\xff\xf4a\r\xff\xf2b\r\nc\r", uint8(6), uint8(1))
	f.Fuzz(func(t *testing.T, in string, maxLine, chunk uint8) {
		ml := int(maxLine)
		one := splitLoneCR(ml, in)
		var bytewise, chunks []string
		for i := range len(in) {
			bytewise = append(bytewise, in[i:i+1])
		}
		step := int(chunk%16) + 1
		for i := 0; i < len(in); i += step {
			chunks = append(chunks, in[i:min(i+step, len(in))])
		}
		if got := splitLoneCR(ml, bytewise...); !reflect.DeepEqual(one, got) {
			t.Fatalf("one write %#v != byte by byte %#v", one, got)
		}
		if got := splitLoneCR(ml, chunks...); !reflect.DeepEqual(one, got) {
			t.Fatalf("one write %#v != chunks of %d %#v", one, step, got)
		}
		limit := ml
		if limit == 0 {
			limit = DefaultMaxLine
		}
		for _, l := range one {
			if len(l.Text) > limit || strings.IndexByte(l.Text, '\n') >= 0 {
				t.Fatalf("line %q (bound %d)", l.Text, limit)
			}
		}
		lf, cr := strings.IndexByte(in, '\n'), strings.IndexByte(in, '\r')
		if lf >= 0 && (cr < 0 || lf < cr) {
			plain := splitChunks(ml, in)
			if len(plain) != len(one) {
				t.Fatalf("%d lines, %d without LoneCR", len(one), len(plain))
			}
			for i := range plain {
				if plain[i].Text != one[i].Text || one[i].BareCR {
					t.Fatalf("line %d %#v, without LoneCR %#v", i, one[i], plain[i])
				}
			}
		}
	})
}
