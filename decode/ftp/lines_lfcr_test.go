package ftp

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// lfcrTests: peers that end their lines in LF CR (some embedded servers,
// and clients with the same habit). The line ends at its LF (BareLF, as
// no CR came before it) and the CR that follows is the end of that line,
// not the start of the next: "220 ok\n\r331 x\n\r" is "220 ok", "331 x".
var lfcrTests = []struct {
	name    string
	maxLine int
	in      string
	want    []gotLine
}{
	{"server replies", 0, "220-Embedded FTP ready\n\r220 ok\n\r331 Password required\n\r230-Hi\n\r230 Logged in\n\r",
		[]gotLine{{Text: "220-Embedded FTP ready", BareLF: true}, {Text: "220 ok", BareLF: true},
			{Text: "331 Password required", BareLF: true}, {Text: "230-Hi", BareLF: true}, {Text: "230 Logged in", BareLF: true}}},
	{"client commands", 0, "USER u\n\rPASS p\n\rPASV\n\r",
		[]gotLine{{Text: "USER u", BareLF: true}, {Text: "PASS p", BareLF: true}, {Text: "PASV", BareLF: true}}},
	{"227 keeps its address", 0, "227 Entering Passive Mode (192,168,1,5,156,64)\n\r150 ok\n\r",
		[]gotLine{{Text: "227 Entering Passive Mode (192,168,1,5,156,64)", BareLF: true}, {Text: "150 ok", BareLF: true}}},
	{"last CR then the stream ends", 0, "221 Bye\n\r", []gotLine{{Text: "221 Bye", BareLF: true}}},
	{"partial line after the CR is flushed", 0, "221 Bye\n\rQUI", []gotLine{{Text: "221 Bye", BareLF: true}, {Text: "QUI", Unterminated: true}}},
	{"CR inside a line is kept", 0, "a\n\rb\rc\n\r", []gotLine{{Text: "a", BareLF: true}, {Text: "b\rc", BareLF: true}}},
	{"CR NUL opening a line is a CR", 0, "a\n\r\x00b\n\r", []gotLine{{Text: "a", BareLF: true}, {Text: "\rb", BareLF: true}}},
	// The empty line's LF CR reads as the CR LF it also is.
	{"empty line", 0, "a\n\r\n\rb\n\r", []gotLine{{Text: "a", BareLF: true}, {Text: ""}, {Text: "b", BareLF: true}}},
	{"Telnet abort after the CR", 0, "a\n\r\xff\xf4\xff\xf2ABOR\n\r",
		[]gotLine{{Text: "a", BareLF: true}, {Text: "ABOR", Telnet: TelnetIP | TelnetDM, BareLF: true}}},
	{"Telnet between LF and CR", 0, "a\n\xff\xf1\rNOOP\n\r",
		[]gotLine{{Text: "a", BareLF: true}, {Text: "NOOP", Telnet: TelnetOther, BareLF: true}}},
	{"CR at the stream's start", 0, "\r220 ok\n\r", []gotLine{{Text: "220 ok", BareLF: true}}},
	{"over-long line", 8, "0123456789ABC\n\rok\n\r", []gotLine{{Text: "012345BC", Dropped: 5, BareLF: true}, {Text: "ok", BareLF: true}}},
	{"over-long line after", 8, "ok\n\r0123456789ABC\n\r", []gotLine{{Text: "ok", BareLF: true}, {Text: "012345BC", Dropped: 5, BareLF: true}}},
	{"CR LF lines unchanged", 0, "a\r\nb\r\r\nc\r\n", []gotLine{{Text: "a"}, {Text: "b\r"}, {Text: "c"}}},
	{"mixed with CR LF", 0, "220 ok\r\n331 x\n\r230 y\r\n", []gotLine{{Text: "220 ok"}, {Text: "331 x", BareLF: true}, {Text: "230 y"}}},
}

// TestLineSplitterLFCR feeds each case in one write, byte by byte, and
// cut in two at every byte position (the CR often comes in the segment
// after its LF), and in three at every pair of positions.
func TestLineSplitterLFCR(t *testing.T) {
	for _, tt := range lfcrTests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(how string, got []gotLine) {
				t.Helper()
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("%s:\n got %#v\nwant %#v", how, got, tt.want)
				}
			}
			check("one write", splitChunks(tt.maxLine, tt.in))
			check("byte by byte", splitBytes(tt.maxLine, tt.in))
			for i := 0; i <= len(tt.in); i++ {
				check("cut at "+strconv.Itoa(i), splitChunks(tt.maxLine, tt.in[:i], tt.in[i:]))
				for j := i; j <= len(tt.in); j++ {
					check("cut at "+strconv.Itoa(i)+","+strconv.Itoa(j), splitChunks(tt.maxLine, tt.in[:i], tt.in[i:j], tt.in[j:]))
				}
			}
		})
	}
}

// TestLineSplitterLFCREmitsAtLF: a line ending in LF is emitted at its LF,
// without waiting for a CR that may follow; the CR is decided when the
// next byte comes.
func TestLineSplitterLFCREmitsAtLF(t *testing.T) {
	var s LineSplitter
	var out []gotLine
	emit := collect(&out)
	s.Write([]byte("331 Password required\n"), emit)
	if want := []gotLine{{Text: "331 Password required", BareLF: true}}; !reflect.DeepEqual(out, want) {
		t.Fatalf("after the LF: got %#v, want %#v", out, want)
	}
	s.Write([]byte("\r"), emit)
	if len(out) != 1 || s.Pending() != 0 {
		t.Fatalf("after the CR: %d lines, %d bytes pending", len(out), s.Pending())
	}
	s.Write([]byte("230 Logged in\n"), emit)
	if want := (gotLine{Text: "230 Logged in", BareLF: true}); len(out) != 2 || out[1] != want {
		t.Fatalf("got %#v, want the second line %#v", out, want)
	}
}

// TestLineSplitterLFCRFreshSplitter: a splitter at rest after a LF is the
// same as a fresh one (the session parser swaps one for the other), so a
// fresh splitter given the CR first reads the same line.
func TestLineSplitterLFCRFreshSplitter(t *testing.T) {
	var fresh LineSplitter
	var out []gotLine
	fresh.Write([]byte("\r230 Logged in\n\r"), collect(&out))
	fresh.Flush(collect(&out))
	if want := []gotLine{{Text: "230 Logged in", BareLF: true}}; !reflect.DeepEqual(out, want) {
		t.Fatalf("got %#v, want %#v", out, want)
	}
}

// TestLineSplitterLFCRResync: after a gap the splitter skips to the next
// LF; the CR after it does not start the next line.
func TestLineSplitterLFCRResync(t *testing.T) {
	var s LineSplitter
	var out []gotLine
	emit := collect(&out)
	s.Write([]byte("150 Open"), emit)
	s.Resync()
	s.Write([]byte("ing\n"), emit)
	s.Write([]byte("\r226 Transfer complete\n\r"), emit)
	s.Flush(emit)
	if want := []gotLine{{Text: "226 Transfer complete", BareLF: true, Skipped: 8 + 4}}; !reflect.DeepEqual(out, want) {
		t.Fatalf("got %#v, want %#v", out, want)
	}
}

// TestReplyReaderLFCR: the lines of a LF CR server make the replies it
// sent, with their codes, a multi-line one included.
func TestReplyReaderLFCR(t *testing.T) {
	in := "220-Embedded FTP ready\n\r220 ok\n\r331 Password required\n\r230-Hi\n\r230 Logged in\n\r" +
		"227 Entering Passive Mode (192,168,1,5,156,64)\n\r"
	for cut := 0; cut <= len(in); cut++ {
		var s LineSplitter
		var r ReplyReader
		var codes []int
		var texts []string
		emit := func(l Line) {
			rep, err := r.Line(l.Text)
			if err != nil {
				t.Fatalf("cut %d: line %q: %v", cut, l.Text, err)
			}
			if rep != nil {
				codes = append(codes, rep.Code)
				texts = append(texts, rep.Text)
			}
		}
		s.Write([]byte(in[:cut]), emit)
		s.Write([]byte(in[cut:]), emit)
		s.Flush(emit)
		if r.Open() {
			t.Fatalf("cut %d: a reply is still open", cut)
		}
		wantCodes := []int{220, 331, 230, 227}
		wantTexts := []string{"Embedded FTP ready\nok", "Password required", "Hi\nLogged in", "Entering Passive Mode (192,168,1,5,156,64)"}
		if !reflect.DeepEqual(codes, wantCodes) || !reflect.DeepEqual(texts, wantTexts) {
			t.Fatalf("cut %d: codes %v texts %q, want %v %q", cut, codes, texts, wantCodes, wantTexts)
		}
		if ep, _, err := ParsePASV(texts[3]); err != nil || ep.String() != "192.168.1.5:40000" {
			t.Fatalf("cut %d: PASV endpoint %v, %v", cut, ep, err)
		}
	}
}

// lfcr turns every LF of in into LF CR.
func lfcr(in string) string { return strings.ReplaceAll(in, "\n", "\n\r") }
