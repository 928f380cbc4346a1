package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/netip"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

func TestSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"220 (vsFTPd 3.0.3)", "220 (vsFTPd 3.0.3)"},
		{"clear\x1b[2Jscreen", `clear\x1b[2Jscreen`},
		{"\x1b]0;title\a", `\x1b]0;title\a`},
		{"evil\u202etxt.exe", `evil\u202etxt.exe`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"c1\u009bx", `c1\u009bx`},
		{`back\slash`, `back\\slash`},
		{"héllo wörld", "héllo wörld"},
		{"tab\there", `tab\there`},
		{"del\x7f", `del\x7f`},
	}
	for _, tt := range tests {
		if got := safe(tt.in); got != tt.want {
			t.Errorf("safe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzSafe checks that nothing safe returns can reach a terminal as a
// control sequence.
func FuzzSafe(f *testing.F) {
	f.Add("220 \x1b[31mred")
	f.Add("\u202e\xff\x00")
	f.Fuzz(func(t *testing.T, s string) {
		out := safe(s)
		for _, r := range out {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) || r == 0x202e || r == 0x202d || r == 0x2066 || r == 0x2067 || r == 0x2068 || r == 0x2069 {
				t.Fatalf("safe(%q) = %q keeps control rune %U", s, out, r)
			}
		}
	})
}

// hostileStrings are the strings the JSON escaping must make inert and
// keep recoverable (issue 14, "Raw control characters in JSON"): every C0
// control, DEL, every C1 control, the bidi embeddings, overrides,
// isolates and marks, and every byte that cannot start or be valid UTF-8
// on its own (0x80-0xff), each inside ordinary text; then a few mixes.
func hostileStrings() []string {
	var out []string
	for c := 0; c < 0x20; c++ {
		out = append(out, "a"+string(rune(c))+"b")
	}
	out = append(out, "a\x7fb")
	for r := rune(0x80); r <= 0x9f; r++ {
		out = append(out, "a"+string(r)+"b")
	}
	for _, r := range []rune{0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0xfeff, 0x200b, 0xe0041} {
		out = append(out, "a"+string(r)+"b")
	}
	for b := 0x80; b <= 0xff; b++ {
		out = append(out, "a"+string([]byte{byte(b)})+"b")
	}
	return append(out, "\x1b]0;owned\a\u202etxt.exe \xc3\x28\xfe", "\xed\xa0\x80 surrogate", "ok \u00e9 \u4e16\u754c \U0001f600")
}

// inert reports the first rune of a JSON line that a terminal or viewer
// could act on: anything below 0x20, DEL, C1, format characters.
func inert(line []byte) (rune, bool) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	for _, r := range string(line) {
		if r < 0x20 || needsJSONEscape(r) || r == utf8.RuneError && !utf8.Valid(line) {
			return r, false
		}
	}
	return 0, true
}

// recovered is what a consumer gets back for field f of a decoded record:
// the base64 bytes of f_raw when present, else the string.
func recovered(t *testing.T, rec map[string]any, f string) string {
	t.Helper()
	if raw, ok := rec[f+"_raw"].(string); ok {
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			t.Fatalf("%s_raw %q: %v", f, raw, err)
		}
		return string(b)
	}
	s, _ := rec[f].(string)
	return s
}

// TestJSONEscapingRoundTrip writes every hostile string into every wire
// field of every record type and checks that each line is inert and that
// decoding it gives back the original bytes.
func TestJSONEscapingRoundTrip(t *testing.T) {
	client := netip.MustParseAddrPort("192.0.2.1:40000")
	server := netip.MustParseAddrPort("192.0.2.10:21")
	for _, h := range hostileStrings() {
		var buf bytes.Buffer
		bw := bufio.NewWriter(&buf)
		o := newJSONOutput(bw, false).withIDs(idOptions{Observer: "tap-1"})
		s := &track.Session{ID: 1, Client: client, Server: server, User: h, Cwd: h, File: h, Greeting: []track.Reply{{Code: 220, Text: h}}}
		c := &track.Command{Index: 1, Verb: h, Arg: h, Cwd: h, Status: track.StatusAnswered, Replies: []track.Reply{{Code: 550, Text: h}}}
		d := &track.DataConn{ID: 1, Session: s, Command: c, ExpectedSize: -1}
		o.Command(s, c)
		o.Data(s, d)
		o.Event(s, &track.Event{Kind: track.EventJunk, Text: h})
		o.Finding(&diagnose.Finding{Code: "x", Session: s, Message: h, Evidence: h, Advice: h})
		o.InputErrors([]error{errors.New(h)})
		o.SessionEnd(s)
		if err := o.Flush(); err != nil {
			t.Fatal(err)
		}
		fields := map[string][]string{
			"command": {"command", "arg", "cwd"}, "data": {"command", "arg", "cwd"}, "event": {"text"},
			"finding": {"message", "evidence", "advice"}, "session": {"user", "cwd", "file", "greeting"},
		}
		lines := bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n"))
		if len(lines) != 6 {
			t.Fatalf("%q: %d lines, want 6", h, len(lines))
		}
		for _, line := range lines {
			if r, ok := inert(line); !ok {
				t.Errorf("%q: line keeps %U raw: %s", h, r, line)
			}
			var rec map[string]any
			if err := json.Unmarshal(line, &rec); err != nil {
				t.Fatalf("%q: %v: %s", h, err, line)
			}
			if rec["observer"] != "tap-1" {
				t.Errorf("%q: observer %v", h, rec["observer"])
			}
			typ := rec["type"].(string)
			if typ == "error" {
				// oneLine cuts at a newline, like every error line.
				if got, exp := recovered(t, rec, "message"), oneLine(h); got != exp {
					t.Errorf("%q: error message recovers as %q", h, got)
				}
				continue
			}
			for _, f := range fields[typ] {
				if got := recovered(t, rec, f); got != h {
					t.Errorf("%q: %s %s recovers as %q", h, typ, f, got)
				}
			}
			if typ == "command" {
				r := rec["replies"].([]any)[0].(map[string]any)
				if got := recovered(t, r, "text"); got != h {
					t.Errorf("%q: reply text recovers as %q", h, got)
				}
			}
		}
	}
}

// FuzzInertJSON: whatever a string holds, its record line is inert and
// the string comes back from it.
func FuzzInertJSON(f *testing.F) {
	for _, h := range hostileStrings()[:8] {
		f.Add(h)
	}
	f.Add("\u202e\xff\x00\U000e0001")
	enc := newRecordEncoder("obs")
	f.Fuzz(func(t *testing.T, s string) {
		line, err := enc.encode(struct {
			V   string `json:"v"`
			Raw []byte `json:"v_raw,omitempty"`
		}{s, rawOf(s)})
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := inert(line); !ok {
			t.Fatalf("%q: line keeps %U raw: %s", s, r, line)
		}
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("%q: %v: %s", s, err, line)
		}
		if got := recovered(t, rec, "v"); got != s {
			t.Fatalf("%q recovers as %q", s, got)
		}
	})
}

// TestSecondsNeverNegative: a span a stepped-back capture clock made
// negative shows as none, never "-3.385s".
func TestSecondsNeverNegative(t *testing.T) {
	if got := seconds(-3385 * time.Millisecond); got != "0.000s" {
		t.Errorf("seconds(-3.385s) = %q", got)
	}
	if got := seconds(1500 * time.Millisecond); got != "1.500s" {
		t.Errorf("seconds(1.5s) = %q", got)
	}
}
