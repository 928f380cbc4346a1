package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// zeekRun feeds a session's commands to a zeek output, then the findings
// (reported after every line, as the diagnosis does at a session's end),
// and returns the lines and the summary written to notes.
func zeekRun(t *testing.T, s *track.Session, cmds []*track.Command, findings []*diagnose.Finding) ([]map[string]any, string) {
	t.Helper()
	var buf, notes bytes.Buffer
	bw := bufio.NewWriter(&buf)
	o := newZeekOutput(bw, false, idOptions{})
	o.notes = &notes
	o.SessionStart(s)
	for _, c := range cmds {
		o.Command(s, c)
	}
	for _, f := range findings {
		o.Finding(f)
	}
	o.SessionEnd(s)
	o.Summary(totals{})
	if err := o.Flush(); err != nil {
		t.Fatal(err)
	}
	return jsonLines(t, "zeek", buf.Bytes()), notes.String()
}

func zeekTestSession() *track.Session {
	return &track.Session{ID: 1, Client: netip.MustParseAddrPort("10.1.0.2:40000"), Server: netip.MustParseAddrPort("10.1.0.1:21"), Start: time.Unix(1e9, 0)}
}

func answered(i int, verb, arg string, code int, text string) *track.Command {
	return &track.Command{Index: i, Verb: verb, Arg: arg, Status: track.StatusAnswered, TS: time.Unix(1e9+int64(i), 0),
		Replies: []track.Reply{{Code: code, Text: text}}}
}

// TestZeekReplyMsgLastLine: reply_msg of a multi-line reply is its last
// line's text, as Zeek logs it (it sets reply_msg at every line), not
// every line joined.
func TestZeekReplyMsgLastLine(t *testing.T) {
	s := zeekTestSession()
	pass := answered(1, "PASS", "x", 230, "\n    The NetBSD Project FTP Server\n    1 Gbps\nGuest login ok, access restrictions apply.")
	lines, _ := zeekRun(t, s, []*track.Command{pass}, nil)
	if len(lines) != 1 || lines[0]["reply_msg"] != "Guest login ok, access restrictions apply." {
		t.Errorf("reply_msg: %v", lines)
	}
	// The same on Zeek's own test capture, when the corpus is there.
	capFile := "/work/shared/corpus/zeek/ipv4.pcap"
	if _, err := os.Stat(capFile); err != nil {
		return
	}
	var out, stderr bytes.Buffer
	run([]string{"read", "--format", "zeek", capFile}, &out, &stderr)
	for _, l := range jsonLines(t, capFile, out.Bytes()) {
		msg, _ := l["reply_msg"].(string)
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: %v reply_msg has several lines: %q", capFile, l["command"], msg)
		}
		if l["command"] == "PASS" && msg != "Guest login ok, access restrictions apply." {
			t.Errorf("%s: PASS reply_msg %q", capFile, msg)
		}
	}
}

// TestZeekURLRelativeCwd: a relative CWD taken while the directory is not
// known moves Zeek's cwd from "." (Zeek's default) to "./di"; the file
// commands after it name ./di/FILE, and a CDUP goes back.
func TestZeekURLRelativeCwd(t *testing.T) {
	s := zeekTestSession()
	cmds := []*track.Command{
		answered(1, "CWD", "di", 250, "ok"),
		answered(2, "RETR", "fi", 226, "ok"),
		answered(3, "CWD", "sub", 550, "no"),
		answered(4, "SIZE", "fo", 213, "5"),
		answered(5, "CDUP", "", 250, "ok"),
		answered(6, "DELE", "x", 250, "ok"),
	}
	// Once the tracker knows the directory, its Cwd wins.
	known := answered(7, "RETR", "k", 226, "ok")
	known.Cwd = "/pub"
	cmds = append(cmds, known)
	lines, _ := zeekRun(t, s, cmds, nil)
	want := []string{"ftp://10.1.0.1/./di", "ftp://10.1.0.1/./di/fi", "ftp://10.1.0.1/./di/sub", "ftp://10.1.0.1/./di/fo", "", "ftp://10.1.0.1/./x", "ftp://10.1.0.1/pub/k"}
	for i, l := range lines {
		arg, _ := l["arg"].(string)
		if arg != want[i] {
			t.Errorf("%v: arg %q, want %q", l["command"], arg, want[i])
		}
	}
	for _, tt := range []struct{ cwd, arg, want string }{
		{"", "a", "./a"}, {".", "a", "./a"}, {"./di", "a", "./di/a"}, {"./di", "..", "."}, {"./di", "../../x", "./../x"},
		{"/pub", "a", "/pub/a"}, {"./di", "/etc", "/etc"}, {"", "a/../b", "./b"},
	} {
		if got := zeekJoin(tt.cwd, tt.arg); got != tt.want {
			t.Errorf("zeekJoin(%q, %q) = %q, want %q", tt.cwd, tt.arg, got, tt.want)
		}
	}
}

// TestZeekFindingsAfterLine: findings the diagnosis reports after the
// line they concern (at the session's end, about a command or data
// connection) go on that line; past maxZeekHeld lines, those whose line
// was already written go on the session's last line and are counted.
func TestZeekFindingsAfterLine(t *testing.T) {
	s := zeekTestSession()
	d := &track.DataConn{ID: 1, Session: s, Done: true, Outcome: track.OutcomeTransferred, ExpectedSize: -1}
	port := answered(1, "PORT", "10,1,0,9,0,25", 500, "no")
	retr := answered(2, "RETR", "f", 425, "Can't open data connection.")
	retr.Transfer = []*track.DataConn{d}
	d.Command = retr
	cmds := []*track.Command{port, retr}
	for i := 3; i <= maxZeekHeld+10; i++ {
		cmds = append(cmds, answered(i, "NOOP", "", 200, "ok"))
	}
	findings := []*diagnose.Finding{
		{Code: "ftp-bounce", Session: s, Command: port},
		{Code: "server-data-error", Session: s, Data: d, Command: retr},
		{Code: "control-encrypted", Session: s},
	}
	lines, notes := zeekRun(t, s, cmds, findings)
	if len(lines) != len(cmds) {
		t.Fatalf("%d lines for %d commands", len(lines), len(cmds))
	}
	last := fmt.Sprint(lines[len(lines)-1]["ftpsniff.findings"])
	if last != "[ftp-bounce server-data-error control-encrypted]" {
		t.Errorf("last line findings %s", last)
	}
	var sum struct {
		Zeek zeekNotes `json:"zeek"`
	}
	json.Unmarshal([]byte(notes), &sum)
	if sum.Zeek.FindingsAfterLine != 2 {
		t.Errorf("findings_after_line %d, want 2: %s", sum.Zeek.FindingsAfterLine, notes)
	}
	// Within the bound they go on their own lines, and none is counted.
	lines, notes = zeekRun(t, s, cmds[:5], findings)
	if fmt.Sprint(lines[0]["ftpsniff.findings"]) != "[ftp-bounce]" || fmt.Sprint(lines[1]["ftpsniff.findings"]) != "[server-data-error]" ||
		fmt.Sprint(lines[4]["ftpsniff.findings"]) != "[control-encrypted]" || strings.Contains(notes, `"zeek"`) {
		t.Errorf("lines %v\nnotes %s", lines, notes)
	}
	// A session without a command gets a line of its own for them.
	lines, _ = zeekRun(t, s, nil, findings[2:])
	if len(lines) != 1 || lines[0]["command"] != nil || lines[0]["ftpsniff.status"] != "session" || fmt.Sprint(lines[0]["ftpsniff.findings"]) != "[control-encrypted]" {
		t.Errorf("session line %v", lines)
	}
}
