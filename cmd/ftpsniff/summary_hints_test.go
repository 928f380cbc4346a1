package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAdviceShapeGroupsByCause: findings whose advice differs only in a
// lone number (a port, a data connection's number) are one cause in the
// summary and the report; advice naming another address or range is
// another. Regression: a passive range given, every unanswered port was a
// block of its own (10,319 lines, the 1,024-kind bound hit).
func TestAdviceShapeGroupsByCause(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"Port 45011 is outside 40000-44999: open it.", "Port 45012 is outside 40000-44999: open it.", true},
		{"Fix the failure of data connection #3; this endpoint would have failed the same way.", "Fix the failure of data connection #17; this endpoint would have failed the same way.", true},
		{"open 40000-40100", "open 50000-50100", false},
		{"nft insert rule inet filter input ip saddr 10.0.0.5 drop", "nft insert rule inet filter input ip saddr 10.0.0.6 drop", false},
		{"set pasv_address=192.0.2.1", "set pasv_address=192.0.2.9", false},
		{"use [2001:db8::1]:21", "use [2001:db8::2]:21", false},
		{"after 3 SYNs.", "after 4 SYNs.", false},
		{"Widen the range to at least 44 ports (PassivePorts 40000 40043)", "Widen the range to at least 130 ports (PassivePorts 40000 40129)", false},
		{"pasv_min_port=40000 and pasv_max_port=40100", "pasv_min_port=50000 and pasv_max_port=50100", false},
		{"tcp dport 40011 accept", "tcp dport 40012 accept", false},
		{"(an MSS of at most 1360)", "(an MSS of at most 1220)", false},
		{"See session 6's findings.", "See session 2's findings.", false},
	} {
		if got := adviceShape(tc.a) == adviceShape(tc.b); got != tc.same {
			t.Errorf("%q ~ %q: same %v, want %v (%q, %q)", tc.a, tc.b, got, tc.same, adviceShape(tc.a), adviceShape(tc.b))
		}
	}
}

// TestMoreHintIsACommand: the hint for the sessions a summary leaves out
// keeps the command's own flags ("the same command with …": a
// --pasv-range decides which findings there are) and quotes an IPv6
// server for the shell (its brackets are a glob).
func TestMoreHintIsACommand(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"192.0.2.1:21", "192.0.2.1:21"},
		{"[2001:db8::1]:21", "'[2001:db8::1]:21'"},
	} {
		if got := shellWord(tc.in); got != tc.want {
			t.Errorf("shellWord(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	var out, errb bytes.Buffer
	run([]string{"read", "--summary", "--color", "never", viewRealDir + "login-brute-force.pcap"}, &out, &errb)
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, "more sessions") && !strings.Contains(l, "the same command with ") {
			t.Errorf("hint is no command: %s", l)
		}
	}
}

// TestSessionPastEndSaidInEveryFormat: --session past the capture's last
// session is said on stderr whatever the output format (it was said for
// text only; JSON and zeek wrote "sessions":0 and nothing else).
func TestSessionPastEndSaidInEveryFormat(t *testing.T) {
	for _, args := range [][]string{{"--json"}, {"--format", "zeek"}, {"--color", "never"}} {
		var out, errb bytes.Buffer
		run(append(append([]string{"read", "--session", "999"}, args...), viewRealDir+"pasv-drop.pcap"), &out, &errb)
		if !strings.Contains(errb.String(), "ftpsniff: --session 999: the capture holds 1 session (numbered 1)\n") {
			t.Errorf("%v: stderr %q", args, errb.String())
		}
	}
}

// TestZeekSummaryNamesOverlappingInputs: the zeek summary record (on
// stderr) carries input_overlaps as the JSON one does.
func TestZeekSummaryNamesOverlappingInputs(t *testing.T) {
	f := viewRealDir + "pasv-drop.pcap"
	raw, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	copyName := filepath.Join(t.TempDir(), "copy.pcap")
	if err := os.WriteFile(copyName, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	run([]string{"read", "--format", "zeek", f, copyName}, &out, &errb)
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	var sum struct {
		Type     string            `json:"type"`
		Overlaps []json.RawMessage `json:"input_overlaps"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || sum.Type != "summary" {
		t.Fatalf("last stderr line is no summary record (%v): %s", err, lines[len(lines)-1])
	}
	if len(sum.Overlaps) != 1 {
		t.Errorf("zeek summary input_overlaps: %d, want 1", len(sum.Overlaps))
	}
}

// TestLongSessionKeepsItsDataLine: a session past the transcript bound
// whose PASV was left out still shows its data connection and the
// finding about it in the transcript (they were printed only under a kept
// command, so --session N, the flag the summary points at, hid the
// session's error).
func TestLongSessionKeepsItsDataLine(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c) // PASV to 10.0.0.1:40000 is its last command
	for range 10050 {
		s.cmd("NOOP")
		s.reply("200 NOOP ok.")
	}
	s.cmd("PASV")
	s.reply("227 Entering Passive Mode (10,0,0,1,156,65).")
	for range 3 {
		c.ts = c.ts.Add(time.Second)
		c.pkt(netip.MustParseAddrPort("10.0.0.2:50002"), netip.MustParseAddrPort("10.0.0.1:40001"), 1, 0, "S", nil)
	}
	c.ts = c.ts.Add(5 * time.Minute)
	s.quit()
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--color", "never", "--session", "1", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"data #2 PASV 10.0.0.1:40001 unanswered", "error data-unanswered", "not kept"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("transcript lacks %q:\n%s", want, lastLines(out.String(), 30))
		}
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(s, "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}

// TestMoreHintLeavesOutFilesWritten: a command that writes --write or
// --report files would overwrite them when run again as the hint says:
// the hint names them to leave out.
func TestMoreHintLeavesOutFilesWritten(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	run([]string{"read", "--summary", "--color", "never", "--write", filepath.Join(dir, "w.pcapng"), "--report", filepath.Join(dir, "r.html"), viewRealDir + "login-brute-force.pcap"}, &out, &errb)
	if !strings.Contains(out.String(), " and without --write and --report lists them)") {
		t.Errorf("hint does not leave out the files written:\n%s", out.String())
	}
}
