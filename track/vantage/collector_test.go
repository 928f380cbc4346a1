package vantage

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestCutTextKeepsWholeCharacters guards the bound on an announcement's
// text: a character the bound would split is left out whole (a split one
// reads as an invalid byte, \xc3 in the text output, U+FFFD in JSON),
// bytes that were not UTF-8 to begin with are cut where the bound falls,
// and what was left out is counted.
func TestCutTextKeepsWholeCharacters(t *testing.T) {
	x := func(n int) string { return strings.Repeat("x", n) }
	for _, tc := range []struct {
		name string
		in   string
		n    int
		want string
		more int
	}{
		{"short", "227 ok", 10, "227 ok", 0},
		{"exactly the bound", x(10), 10, x(10), 0},
		{"ASCII", x(12), 10, x(10), 2},
		{"two-byte across the bound", x(9) + "é" + "y", 10, x(9), 3},
		{"two-byte ending at the bound", x(8) + "é" + "y", 10, x(8) + "é", 1},
		{"three-byte across the bound, 1 in", x(9) + "€y", 10, x(9), 4},
		{"three-byte across the bound, 2 in", x(8) + "€y", 10, x(8), 4},
		{"four-byte across the bound, 3 in", x(7) + "😀y", 10, x(7), 5},
		{"four-byte ending at the bound", x(6) + "😀y", 10, x(6) + "😀", 1},
		// Not UTF-8 to begin with: cut at the bound, the bytes kept.
		{"stray continuation bytes", x(7) + "\x9b\x9b\x9b\x9b", 10, x(7) + "\x9b\x9b\x9b", 1},
		{"invalid lead byte", x(9) + "\xffy", 10, x(9) + "\xff", 1},
	} {
		got, more := cutText(tc.in, tc.n)
		if got != tc.want || more != tc.more {
			t.Errorf("%s: cutText(%q, %d) = %q, %d; want %q, %d", tc.name, tc.in, tc.n, got, more, tc.want, tc.more)
		}
		if utf8.ValidString(tc.in) && !utf8.ValidString(got) {
			t.Errorf("%s: cutText(%q) split a character: %q", tc.name, tc.in, got)
		}
		if len(got)+more != len(tc.in) {
			t.Errorf("%s: kept %d + left out %d != %d bytes", tc.name, len(got), more, len(tc.in))
		}
	}
}

// TestAnnouncementTextCutMarked guards what the collector keeps of a long
// 227: at most maxText bytes, ending on a whole character, with the rest
// counted (TextMore) so that the output can say the line was cut.
func TestAnnouncementTextCutMarked(t *testing.T) {
	head := "227 Entering Passive Mode (10,1,0,2,156,100) "
	line := head + strings.Repeat("x", maxText-1-len(head)) + "é and the rest"
	c := NewCollector("a", Options{})
	e := &decode.ControlEvent{Kind: decode.ControlReply, Client: ap("203.0.113.7:40000"), Server: ap("10.1.0.2:21"),
		Reply:    &ftp.Reply{Code: 227, Lines: []string{line}},
		Endpoint: decode.Endpoint{Via: ftp.ViaPASV, Addr: ap("10.1.0.2:40036")}}
	e.TS = t0
	c.Control(e)
	if len(c.ctlList) != 1 || len(c.ctlList[0].Announce) != 1 {
		t.Fatalf("announcement not kept: %+v", c.ctlList)
	}
	an := c.ctlList[0].Announce[0]
	if !utf8.ValidString(an.Text) || len(an.Text) > maxText || !strings.HasPrefix(line, an.Text) {
		t.Errorf("text %q (%d bytes): not a whole-character start of the line within %d bytes", an.Text, len(an.Text), maxText)
	}
	if an.TextMore == 0 || len(an.Text)+an.TextMore != len(line) {
		t.Errorf("TextMore %d: the %d bytes left out of %d are not counted", an.TextMore, len(line)-len(an.Text), len(line))
	}
	short := *e
	short.Reply = &ftp.Reply{Code: 227, Lines: []string{head}}
	c.Control(&short)
	if an := c.ctlList[0].Announce[1]; an.Text != head || an.TextMore != 0 {
		t.Errorf("a short line: %q, %d more; want it whole", an.Text, an.TextMore)
	}
}
