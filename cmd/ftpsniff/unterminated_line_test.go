package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// unterminatedConv is a login, then "DELE foo" sent without its line
// end, then server lines after it (when replies), then the close by FINs
// or the capture's end with the connection open.
func unterminatedConv(t *testing.T, replies, open bool) string {
	steps := []convStep{
		{server: true, text: "220 hi\r\n"}, {text: "USER bob\r\n"}, {server: true, text: "331 pw\r\n"},
		{text: "PASS Zq9SecretPw\r\n"}, {server: true, text: "230 ok\r\n"}, {text: "DELE foo"},
	}
	if replies {
		steps = append(steps, convStep{server: true, text: "421 Timeout.\r\n"}, convStep{server: true, text: "200 more\r\n"})
	}
	return writeConv(t, steps, open)
}

// TestUnterminatedLinePlacedByItsTime: a line sent without its line end
// that the close delivers ("DELE foo" at +0.122, then the server's 421
// at +0.142 and a 200 at +0.162, then FINs) is shown where its first
// bytes came, before the server's later lines, not after them (it was
// printed last, out of time order), in the text transcript and in the
// report's ladder.
func TestUnterminatedLinePlacedByItsTime(t *testing.T) {
	out := readConv(t, unterminatedConv(t, true, false), "--color", "never")
	dele, timeout, more := strings.Index(out, "<-- DELE foo"), strings.Index(out, "--> 421 Timeout."), strings.Index(out, "--> 200 more")
	if dele < 0 || timeout < 0 || more < 0 {
		t.Fatalf("lines missing:\n%s", out)
	}
	if !(strings.Index(out, "--> 230 ok") < dele && dele < timeout && timeout < more) {
		t.Errorf("DELE not between the 230 and the 421:\n%s", out)
	}
	if !strings.Contains(out, "<-- DELE foo  [no line end]") {
		t.Errorf("a line the FIN cut is not said to have no line end:\n%s", out)
	}
	// The report's ladder places it so too.
	report := filepath.Join(t.TempDir(), "report.html")
	readConv(t, unterminatedConv(t, true, false), "--color", "never", "--summary", "--report", report)
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	if dele, timeout := strings.Index(html, "DELE foo"), strings.Index(html, "421 Timeout."); dele < 0 || timeout < 0 || dele > timeout {
		t.Errorf("report: DELE at %d, the 421 at %d", dele, timeout)
	}
}

// TestCaptureEndedMidLineSaid: a line under way when the capture ended,
// the connection open, is said to be cut by the capture's end
// ("[capture ended mid-line]"; JSON: "unterminated" and
// "unterminated_by":"capture-end"), not to have been sent with no line
// end: its line end may have come after the capture stopped. A line a
// FIN cut keeps "[no line end]" and no unterminated_by.
func TestCaptureEndedMidLineSaid(t *testing.T) {
	for _, open := range []bool{true, false} {
		path := unterminatedConv(t, false, open)
		text := readConv(t, path, "--color", "never")
		want, not := "<-- DELE foo  [capture ended mid-line]", "[no line end]"
		if !open {
			want, not = "<-- DELE foo  [no line end]", "[capture ended mid-line]"
		}
		if !strings.Contains(text, want) || strings.Contains(text, not) {
			t.Errorf("open %v: want %q:\n%s", open, want, text)
		}
		var dele map[string]any
		for _, l := range strings.Split(readConv(t, path, "--json"), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(l), &rec) == nil && rec["type"] == "command" && rec["command"] == "DELE" {
				dele = rec
			}
		}
		if dele == nil {
			t.Fatalf("open %v: no DELE record", open)
		}
		if dele["unterminated"] != true {
			t.Errorf("open %v: %v, want unterminated", open, dele)
		}
		if by, _ := dele["unterminated_by"].(string); open && by != "capture-end" || !open && by != "" {
			t.Errorf("open %v: unterminated_by %q", open, by)
		}
	}
}
