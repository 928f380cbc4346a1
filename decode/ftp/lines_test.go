package ftp

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// gotLine is Line with Text copied, for comparing.
type gotLine struct {
	Text         string
	Dropped      int
	Telnet       TelnetFlags
	Unterminated bool
	BareLF       bool
	Skipped      int
}

func collect(out *[]gotLine) func(Line) {
	return func(l Line) {
		*out = append(*out, gotLine{string(l.Text), l.Dropped, l.Telnet, l.Unterminated, l.BareLF, l.Skipped})
	}
}

// splitChunks writes each chunk in turn, then flushes.
func splitChunks(maxLine int, chunks ...string) []gotLine {
	s := LineSplitter{MaxLine: maxLine}
	var out []gotLine
	emit := collect(&out)
	for _, c := range chunks {
		s.Write([]byte(c), emit)
	}
	s.Flush(emit)
	return out
}

// splitBytes writes in byte by byte, then flushes.
func splitBytes(maxLine int, in string) []gotLine {
	s := LineSplitter{MaxLine: maxLine}
	var out []gotLine
	emit := collect(&out)
	for i := 0; i < len(in); i++ {
		s.Write([]byte{in[i]}, emit)
	}
	s.Flush(emit)
	return out
}

var lineTests = []struct {
	name    string
	maxLine int
	in      []string
	want    []gotLine
}{
	{"crlf", 0, []string{"USER anonymous\r\n"}, []gotLine{{Text: "USER anonymous"}}},
	{"empty line", 0, []string{"\r\n"}, []gotLine{{Text: ""}}},
	{"bare LF", 0, []string{"USER a\nPASS b\n"}, []gotLine{{Text: "USER a", BareLF: true}, {Text: "PASS b", BareLF: true}}},
	{"CR NUL is CR", 0, []string{"a\r\x00b\r\n"}, []gotLine{{Text: "a\rb"}}},
	{"lone CR kept", 0, []string{"a\rb\r\n"}, []gotLine{{Text: "a\rb"}}},
	{"CR CR LF", 0, []string{"a\r\r\n"}, []gotLine{{Text: "a\r"}}},
	{"CR split from LF", 0, []string{"NOOP\r", "\nQUIT\r\n"}, []gotLine{{Text: "NOOP"}, {Text: "QUIT"}}},
	{"IAC IAC is 0xFF", 0, []string{"STOR \xff\xff.txt\r\n"}, []gotLine{{Text: "STOR \xff.txt"}}},
	{"RFC 959 abort", 0, []string{"\xff\xf4\xff\xf2ABOR\r\n"}, []gotLine{{Text: "ABOR", Telnet: TelnetIP | TelnetDM}}},
	{"BSD abort across segments", 0, []string{"\xff\xf4\xff", "\xf2ABOR\r\n"}, []gotLine{{Text: "ABOR", Telnet: TelnetIP | TelnetDM}}},
	{"flags reset per line", 0, []string{"\xff\xf4\xff\xf2ABOR\r\nNOOP\r\n"}, []gotLine{{Text: "ABOR", Telnet: TelnetIP | TelnetDM}, {Text: "NOOP"}}},
	{"negotiation removed", 0, []string{"\xff\xfb\x01USER x\r\n"}, []gotLine{{Text: "USER x", Telnet: TelnetNegotiation}}},
	{"option byte may be LF", 0, []string{"\xff\xfd\nUSER\r\n"}, []gotLine{{Text: "USER", Telnet: TelnetNegotiation}}},
	{"option split", 0, []string{"\xff", "\xfe", "\x03PWD\r\n"}, []gotLine{{Text: "PWD", Telnet: TelnetNegotiation}}},
	{"subnegotiation removed", 0, []string{"\xff\xfa\x18\x01\xff\xf0NOOP\r\n"}, []gotLine{{Text: "NOOP", Telnet: TelnetSubnegotiation}}},
	{"IAC IAC inside SB", 0, []string{"\xff\xfa\x18\xff\xff\x01\xff\xf0NOOP\r\n"}, []gotLine{{Text: "NOOP", Telnet: TelnetSubnegotiation}}},
	{"unterminated SB ends at LF", 0, []string{"\xff\xfaabc\r\nNOOP\r\n"},
		[]gotLine{{Text: "", Telnet: TelnetSubnegotiation, BareLF: true}, {Text: "NOOP"}}},
	{"IAC NOP", 0, []string{"\xff\xf1NOOP\r\n"}, []gotLine{{Text: "NOOP", Telnet: TelnetOther}}},
	{"stray SE", 0, []string{"NO\xff\xf0OP\r\n"}, []gotLine{{Text: "NOOP", Telnet: TelnetOther}}},
	{"unescaped 0xFF kept", 0, []string{"STOR caf\xffa\r\n"}, []gotLine{{Text: "STOR caf\xffa", Telnet: TelnetUnescaped}}},
	{"unescaped 0xFF before CRLF", 0, []string{"a\xff\r\n"}, []gotLine{{Text: "a\xff", Telnet: TelnetUnescaped}}},
	{"two lines one segment", 0, []string{"150 ok\r\n227 Entering Passive Mode (192,0,2,10,156,66)\r\n"},
		[]gotLine{{Text: "150 ok"}, {Text: "227 Entering Passive Mode (192,0,2,10,156,66)"}}},
	{"line spans segments", 0, []string{"227 Entering Pas", "sive Mode (192,0,2,", "10,156,66)\r", "\n"},
		[]gotLine{{Text: "227 Entering Passive Mode (192,0,2,10,156,66)"}}},
	{"truncated: head and tail kept", 8, []string{"0123456789ABC\r\nok\r\n"}, []gotLine{{Text: "012345BC", Dropped: 5}, {Text: "ok"}}},
	{"truncated across writes", 4, []string{"ab", "cdef", "gh\r\n"}, []gotLine{{Text: "abch", Dropped: 4}}},
	{"truncated, the tail's ring wrapped", 8, []string{"012345", "6", "7", "8", "9", "A\r\n"}, []gotLine{{Text: "0123459A", Dropped: 3}}},
	{"truncated, a middle byte from the Telnet path", 8, []string{"012345\xff\xff6789\r\n"}, []gotLine{{Text: "01234589", Dropped: 3}}},
	{"truncated, the last byte from the Telnet path", 8, []string{"01234567\xff\xff\r\n"}, []gotLine{{Text: "0123457\xff", Dropped: 1}}},
	{"flush unterminated", 0, []string{"QUIT"}, []gotLine{{Text: "QUIT", Unterminated: true}}},
	{"flush drops trailing CR", 0, []string{"QUIT\r"}, []gotLine{{Text: "QUIT", Unterminated: true}}},
	{"flush keeps telnet-only", 0, []string{"\xff\xf4"}, []gotLine{{Telnet: TelnetIP, Unterminated: true}}},
	{"flush nothing", 0, []string{"NOOP\r\n"}, []gotLine{{Text: "NOOP"}}},
}

func TestLineSplitter(t *testing.T) {
	for _, tt := range lineTests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitChunks(tt.maxLine, tt.in...)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("chunks:\n got %#v\nwant %#v", got, tt.want)
			}
			one := splitChunks(tt.maxLine, strings.Join(tt.in, ""))
			if !reflect.DeepEqual(one, tt.want) {
				t.Errorf("one write:\n got %#v\nwant %#v", one, tt.want)
			}
			byByte := splitBytes(tt.maxLine, strings.Join(tt.in, ""))
			if !reflect.DeepEqual(byByte, tt.want) {
				t.Errorf("byte by byte:\n got %#v\nwant %#v", byByte, tt.want)
			}
		})
	}
}

func TestLineSplitterResync(t *testing.T) {
	var s LineSplitter
	var out []gotLine
	emit := collect(&out)
	s.Write([]byte("RETR fi"), emit)
	if s.Pending() != 7 {
		t.Fatalf("Pending = %d, want 7", s.Pending())
	}
	s.Resync() // gap: the rest of RETR's line is lost
	if s.Pending() != 0 {
		t.Fatalf("Pending after Resync = %d, want 0", s.Pending())
	}
	s.Write([]byte("le\r"), emit)
	s.Write([]byte("\nUSER x\r\nPASS"), emit)
	want := []gotLine{{Text: "USER x", Skipped: 7 + 4}}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("got %#v, want %#v", out, want)
	}
	if s.Pending() != 4 {
		t.Errorf("Pending = %d, want 4", s.Pending())
	}
}

// A gap inside a Telnet sequence must not leave the splitter expecting an
// option byte.
func TestLineSplitterResyncClearsTelnetState(t *testing.T) {
	var s LineSplitter
	var out []gotLine
	emit := collect(&out)
	s.Write([]byte("\xff\xfa\x18"), emit) // SB opened
	s.Resync()
	s.Write([]byte("x\r\nNOOP\r\n"), emit)
	want := []gotLine{{Text: "NOOP", Skipped: 3}}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("got %#v, want %#v", out, want)
	}
}

// Suricata cuts over-long lines and resumes after the next LF; a truncated
// command must still be one line so reply pairing does not shift.
func TestOverlongLine_CountedOnce_SuricataResync(t *testing.T) {
	long := "STOR " + strings.Repeat("a", 10000) + "\r\nNOOP\r\n"
	got := splitChunks(0, long)
	if len(got) != 2 {
		t.Fatalf("got %d lines, want 2", len(got))
	}
	if len(got[0].Text) != DefaultMaxLine || got[0].Dropped != len(long)-len("\r\nNOOP\r\n")-DefaultMaxLine {
		t.Errorf("first line len %d dropped %d", len(got[0].Text), got[0].Dropped)
	}
	if got[1].Text != "NOOP" {
		t.Errorf("second line %q", got[1].Text)
	}
}

// Wireshark parses only the first line of each segment; every line must come out.
func TestPipelinedLines_WiresharkFirstLineOnly(t *testing.T) {
	got := splitChunks(0, "PASV\r\nLIST\r\nQUIT\r\n")
	var texts []string
	for _, l := range got {
		texts = append(texts, l.Text)
	}
	if want := []string{"PASV", "LIST", "QUIT"}; !reflect.DeepEqual(texts, want) {
		t.Errorf("got %q, want %q", texts, want)
	}
}

func TestLineSplitterNoAllocs(t *testing.T) {
	in := []byte("227 Entering Passive Mode (192,0,2,10,156,66)\r\n\xff\xf4\xff\xf2ABOR\r\n150 ok\n")
	var s LineSplitter
	n := 0
	emit := func(l Line) { n += len(l.Text) }
	s.Write(in, emit) // warm the buffer
	if a := testing.AllocsPerRun(100, func() { s.Write(in, emit) }); a != 0 {
		t.Errorf("Write allocates %v times per run, want 0", a)
	}
}

func TestTelnetFlagsString(t *testing.T) {
	for _, tt := range []struct {
		f    TelnetFlags
		want string
	}{
		{0, "none"},
		{TelnetIP | TelnetDM, "IP|DM"},
		{TelnetUnescaped, "unescaped-IAC"},
		{1 << 7, "unknown"},
	} {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("%08b: got %q, want %q", tt.f, got, tt.want)
		}
	}
}

func FuzzLineSplitter(f *testing.F) {
	for _, tt := range lineTests {
		f.Add(strings.Join(tt.in, ""), uint8(tt.maxLine), uint8(3))
	}
	for _, tt := range lfcrTests {
		f.Add(tt.in, uint8(tt.maxLine), uint8(1))
	}
	f.Fuzz(func(t *testing.T, in string, maxLine, chunk uint8) {
		ml := int(maxLine)
		one := splitChunks(ml, in)
		byByte := splitBytes(ml, in)
		if !reflect.DeepEqual(one, byByte) {
			t.Fatalf("one write %#v != byte by byte %#v", one, byByte)
		}
		var chunks []string
		step := int(chunk%16) + 1
		for i := 0; i < len(in); i += step {
			chunks = append(chunks, in[i:min(i+step, len(in))])
		}
		if got := splitChunks(ml, chunks...); !reflect.DeepEqual(one, got) {
			t.Fatalf("one write %#v != chunks of %d %#v", one, step, got)
		}
		limit := ml
		if limit == 0 {
			limit = DefaultMaxLine
		}
		total, terminated := 0, 0
		for _, l := range one {
			if len(l.Text) > limit {
				t.Fatalf("line of %d bytes over MaxLine %d", len(l.Text), limit)
			}
			if bytes.IndexByte([]byte(l.Text), '\n') >= 0 {
				t.Fatalf("line %q holds LF", l.Text)
			}
			total += len(l.Text) + l.Dropped
			if !l.Unterminated {
				terminated++
			}
		}
		if total > len(in) {
			t.Fatalf("lines hold %d bytes from %d input bytes", total, len(in))
		}
		if terminated > strings.Count(in, "\n") {
			t.Fatalf("%d terminated lines from %d LFs", terminated, strings.Count(in, "\n"))
		}
		// Without Telnet bytes and CRs the splitter is strings.Split on LF.
		if !strings.ContainsAny(in, "\r") && strings.IndexByte(in, 0xff) < 0 {
			parts := strings.Split(in, "\n")
			if parts[len(parts)-1] == "" {
				parts = parts[:len(parts)-1]
			}
			if len(parts) != len(one) {
				t.Fatalf("%d lines, Split gives %d", len(one), len(parts))
			}
			for i, p := range parts {
				want := p
				if len(p) > limit {
					k := lineTail(limit)
					want = p[:limit-k] + p[len(p)-k:] // head and tail kept, the middle dropped
				}
				if one[i].Text != want || one[i].Dropped != len(p)-len(want) {
					t.Fatalf("line %d = %q (dropped %d), want %q", i, one[i].Text, one[i].Dropped, want)
				}
			}
		}
		// LF CR line ends read as LF ones: the same lines, but an empty
		// line after the first, whose LF CR is also a CR LF.
		if !strings.ContainsAny(in, "\r\x00") && strings.IndexByte(in, 0xff) < 0 {
			want := slices.Clone(one)
			for i := 1; i < len(want); i++ {
				if want[i].Text == "" && !want[i].Unterminated {
					want[i].BareLF = false
				}
			}
			if got := splitBytes(ml, lfcr(in)); !reflect.DeepEqual(got, want) {
				t.Fatalf("LF CR ends %#v, want %#v", got, want)
			}
		}
	})
}

func TestLineSplitterNilEmit(t *testing.T) {
	var s LineSplitter
	s.Write([]byte("NOOP\r\nQUIT"), nil)
	if s.Pending() != 4 {
		t.Errorf("Pending = %d, want 4", s.Pending())
	}
	s.Flush(nil)
	if s.Pending() != 0 {
		t.Errorf("Pending after Flush = %d", s.Pending())
	}
}
