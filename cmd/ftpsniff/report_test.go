package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// reportCaptures are the captures whose HTML report is pinned: a passive
// drop, an active-mode block, a port outside the range, FTPS.
var reportCaptures = []string{"pasv-drop", "active-client-firewall", "pasv-outside-range", "ftps-explicit"}

// runReport runs read with --report into a temporary file and returns
// the report, standard output and the exit code.
func runReport(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"read", "--report", path}, args...), &stdout, &stderr)
	if stderr.Len() > 0 {
		t.Logf("stderr: %s", stderr.String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("report not written: %v", err)
	}
	return string(b), stdout.String(), code
}

// TestReportGolden pins the report of four captures
// (testdata/report/*.html; -update rewrites them), and checks that
// --report leaves standard output as it is, text and JSON.
func TestReportGolden(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	for _, name := range reportCaptures {
		t.Run(name, func(t *testing.T) {
			capFile := "../../pcaps/real/" + name + ".pcap"
			got, stdout, code := runReport(t, "--color", "never", capFile)
			var plain, stderr bytes.Buffer
			if c := run([]string{"read", "--color", "never", capFile}, &plain, &stderr); c != code || plain.String() != stdout {
				t.Errorf("--report changed the text output (exit %d, %d):\n%s", code, c, firstDiff(plain.String(), stdout))
			}
			_, jsonOut, _ := runReport(t, "--json", capFile)
			plain.Reset()
			run([]string{"read", "--json", capFile}, &plain, &stderr)
			if plain.String() != jsonOut {
				t.Errorf("--report changed the JSON output:\n%s", firstDiff(plain.String(), jsonOut))
			}
			golden := filepath.Join("testdata", "report", name+".html")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/ftpsniff -run TestReportGolden -update)", err)
			}
			if got != string(want) {
				t.Errorf("report differs from %s:\n%s", golden, firstDiff(string(want), got))
			}
		})
	}
}

// TestReportWellFormed: the report of every shipped capture is one
// balanced HTML document without script, and each of its SVGs is XML.
func TestReportWellFormed(t *testing.T) {
	files := goldenCaptures(t)
	if testing.Short() {
		files = files[:min(len(files), 8)]
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			page, _, _ := runReport(t, f)
			checkWellFormed(t, page)
		})
	}
}

// htmlVoid are the HTML elements without an end tag.
var htmlVoid = map[string]bool{"meta": true, "br": true, "hr": true, "img": true, "link": true, "input": true, "wbr": true}

// checkWellFormed tokenizes page: every element closed in order, none a
// script or with an event handler, all text valid UTF-8 without control
// or bidi characters; every <svg> strict XML.
func checkWellFormed(t *testing.T, page string) {
	t.Helper()
	if !utf8.ValidString(page) {
		t.Fatal("report is not valid UTF-8")
	}
	z := html.NewTokenizer(strings.NewReader(page))
	var stack []string
	svgs := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if !errors.Is(z.Err(), io.EOF) {
				t.Fatalf("tokenizer: %v", z.Err())
			}
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			if tok.Data == "script" || tok.Data == "iframe" || tok.Data == "object" {
				t.Fatalf("report holds a <%s>", tok.Data)
			}
			for _, a := range tok.Attr {
				if strings.HasPrefix(a.Key, "on") || strings.Contains(a.Val, "javascript:") {
					t.Fatalf("report holds an active attribute %s=%q", a.Key, a.Val)
				}
			}
			if tok.Data == "svg" {
				svgs++
			}
			if tt == html.StartTagToken && !htmlVoid[tok.Data] {
				stack = append(stack, tok.Data)
			}
		case html.EndTagToken:
			if len(stack) == 0 || stack[len(stack)-1] != tok.Data {
				t.Fatalf("</%s> closes %v", tok.Data, stack)
			}
			stack = stack[:len(stack)-1]
		case html.TextToken:
			for _, r := range tok.Data {
				if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
					t.Fatalf("text holds %U: %q", r, tok.Data)
				}
			}
		}
	}
	if len(stack) > 0 {
		t.Fatalf("elements left open: %v", stack)
	}
	n := 0
	for rest := page; ; {
		i := strings.Index(rest, "<svg")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "</svg>")
		if j < 0 {
			t.Fatal("<svg> without </svg>")
		}
		d := xml.NewDecoder(strings.NewReader(rest[i : i+j+len("</svg>")]))
		d.Strict = true
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("svg %d is not XML: %v", n+1, err)
			}
		}
		n++
		rest = rest[i+j:]
	}
	if n != svgs {
		t.Fatalf("%d svg elements, %d parsed as XML", svgs, n)
	}
}

// hostile is wire text meant to break out of HTML, move the terminal, or
// reorder what is read.
const hostile = "<script>alert('x')</script>\"&amp;'\x1b[31m\x00\xff\xfe\u202eevil"

// hostileSession is a session whose every wire string is hostile, with a
// failed data connection and a finding quoting the wire.
func hostileSession() (*track.Session, []*track.Command, *track.DataConn, *track.Event, *diagnose.Finding) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &track.Session{ID: 1, Client: netip.MustParseAddrPort("192.0.2.1:40000"), Server: netip.MustParseAddrPort("192.0.2.10:21"),
		Start: t0, End: t0.Add(5 * time.Second), User: hostile, Login: track.LoginOK, File: hostile + ".pcap"}
	s.Greeting = []track.Reply{{Seq: 1, Code: 220, Text: hostile, Lines: []string{"220 " + hostile}, TS: t0}}
	rep := func(seq uint64, code int, text string) track.Reply {
		return track.Reply{Seq: seq, Code: code, Text: text, Lines: []string{fmt.Sprintf("%d %s", code, text), "second " + hostile}, TS: t0.Add(time.Duration(seq) * time.Millisecond)}
	}
	user := &track.Command{Seq: 2, Index: 1, TS: t0, Verb: "USER", Arg: hostile, Status: track.StatusAnswered, Replies: []track.Reply{rep(3, 331, hostile)}}
	pass := &track.Command{Seq: 4, Index: 2, TS: t0, Verb: "PASS", Arg: "Sw0rdfish" + hostile, Secret: true, Status: track.StatusAnswered, Replies: []track.Reply{rep(5, 230, "ok")}}
	pasv := &track.Command{Seq: 6, Index: 3, TS: t0, Verb: "PASV", EndpointVia: 1, Status: track.StatusAnswered, Replies: []track.Reply{rep(7, 227, hostile)}}
	d := &track.DataConn{ID: 1, Seq: 8, Session: s, Passive: true, Announced: netip.MustParseAddrPort("192.0.2.10:40001"),
		Announce: pasv, Outcome: track.OutcomeUnanswered, SYNs: 2, FirstSYN: t0.Add(time.Second), LastSYN: t0.Add(2 * time.Second),
		Client: netip.MustParseAddrPort("192.0.2.1:50000"), Server: netip.MustParseAddrPort("192.0.2.10:40001"), ExpectedSize: -1}
	pasv.Data = d
	retr := &track.Command{Seq: 9, Index: 4, TS: t0.Add(time.Second), Verb: "RETR", Arg: hostile + ".txt", Status: track.StatusAnswered,
		Replies: []track.Reply{rep(10, 425, hostile)}, Transfer: []*track.DataConn{d}}
	d.Command = retr
	ev := &track.Event{Seq: 11, Kind: track.EventJunk, TS: t0.Add(3 * time.Second), FromClient: true, Text: hostile}
	f := &diagnose.Finding{Code: "data-unanswered", Severity: diagnose.SeverityError, Session: s, Data: d,
		Message: "SYNs to " + hostile + " got no answer", Evidence: "RETR " + hostile, Advice: "open it:\n" + hostile, Packets: []uint64{3, 4}}
	return s, []*track.Command{user, pass, pasv, retr}, d, ev, f
}

// feed runs one session through a report as the pipeline would.
func feed(r *reportOutput, s *track.Session, cs []*track.Command, ds []*track.DataConn, evs []*track.Event, fs []*diagnose.Finding) {
	r.SessionStart(s)
	for _, c := range cs {
		r.Command(s, c)
	}
	for _, f := range fs {
		r.Finding(f)
	}
	for _, d := range ds {
		r.Data(s, d)
	}
	for _, e := range evs {
		r.Event(s, e)
	}
	r.SessionEnd(s)
}

// writeReport writes r's page and returns it.
func writeReport(t *testing.T, r *reportOutput) string {
	t.Helper()
	r.servers = ([]diagnose.ServerSummary{{Server: netip.MustParseAddrPort("192.0.2.10:21"), Sessions: 1, Verdict: "verdict " + hostile,
		Rules: []string{"rule " + hostile}, Findings: map[string]int{"data-unanswered": 1}}})
	r.Summary(totals{})
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(r.path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReportEscapesWire: every wire string (user, greeting, commands,
// replies, file names, junk lines, findings quoting them, the input's
// name) is escaped as the terminal output escapes it and then for HTML:
// no tag, control, bidi or invalid byte gets through; passwords are
// masked unless --show-passwords. Regression guard for the report's
// trust: an FTP server's banner must not run script in the admin's mail.
func TestReportEscapesWire(t *testing.T) {
	for _, show := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "r.html")
		r := newReportOutput(path, 10, show, nil, []string{hostile + ".pcap"})
		s, cs, d, ev, f := hostileSession()
		feed(r, s, cs, []*track.DataConn{d}, []*track.Event{ev}, []*diagnose.Finding{f})
		// The secret shapes the other outputs mask (secret_output_test.go).
		s2, cs2, _, ev2, secrets := secretShapes()
		s2.ID = 2
		feed(r, s2, cs2, nil, []*track.Event{ev2}, nil)
		page := writeReport(t, r)
		checkWellFormed(t, page)
		if strings.Contains(strings.ToLower(page), "<script") {
			t.Fatal("a <script> got through")
		}
		for _, want := range []string{`&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#34;&amp;amp;&#39;\x1b[31m\x00\xff\xfe\u202eevil`} {
			if n := strings.Count(page, want); n < 8 {
				t.Errorf("the escaped wire text is there %d times, want it in user, greeting, replies, commands, junk, finding, file name:\n%s", n, want)
			}
		}
		pw := strings.Contains(page, "Sw0rdfish")
		if pw != show {
			t.Errorf("show-passwords %v: password shown %v", show, pw)
		}
		for _, sec := range secrets {
			if strings.Contains(page, sec) != show {
				t.Errorf("show-passwords %v: secret %q shown %v", show, sec, !show)
			}
		}
		if !show && !strings.Contains(page, "SITE PSWD "+mask) {
			t.Errorf("SITE PSWD not masked as the text output masks it")
		}
	}
}

// TestReportBound: with --report-sessions 5 and 50 sessions of which
// three failed, the five drawn are the three failed (first) and the first
// two others; 45 are counted as not drawn; no ladder outlives its session
// and once five failed ones are kept none is recorded.
func TestReportBound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.html")
	r := newReportOutput(path, 5, false, nil, nil)
	r.fold = false // sessions alike but for their number: each its own section (the drawing rule, not folding)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	failed := map[int]bool{7: true, 20: true, 33: true}
	for id := 1; id <= 50; id++ {
		s := &track.Session{ID: id, Client: netip.MustParseAddrPort(fmt.Sprintf("192.0.2.%d:40000", id)), Server: netip.MustParseAddrPort("192.0.2.250:21"),
			Start: t0.Add(time.Duration(id) * time.Second), End: t0.Add(time.Duration(id)*time.Second + 500*time.Millisecond)}
		c := &track.Command{Seq: 1, Index: 1, TS: s.Start, Verb: "PASV", EndpointVia: 1, Status: track.StatusAnswered,
			Replies: []track.Reply{{Seq: 2, Code: 227, Lines: []string{"227 ok"}, TS: s.Start}}}
		d := &track.DataConn{ID: id, Seq: 3, Session: s, Passive: true, Announce: c, Announced: netip.MustParseAddrPort("192.0.2.250:40000"),
			Outcome: track.OutcomeTransferred, SYNs: 1, FirstSYN: s.Start, SynAckTS: s.Start, Bytes: [2]int64{0, 10}, End: s.End, ExpectedSize: -1}
		if failed[id] {
			d.Outcome, d.SynAckTS, d.Bytes = track.OutcomeUnanswered, time.Time{}, [2]int64{}
		}
		c.Data = d
		feed(r, s, []*track.Command{c}, []*track.DataConn{d}, nil, nil)
		if len(r.open) != 0 || r.held != 0 {
			t.Fatalf("after session %d: %d ladders, %d rows held", id, len(r.open), r.held)
		}
	}
	page := writeReport(t, r)
	var order []string
	for _, m := range regexp.MustCompile(`<section class="session" id="s(\d+)"`).FindAllStringSubmatch(page, -1) {
		order = append(order, m[1])
	}
	if got := strings.Join(order, " "); got != "7 20 33 1 2" {
		t.Errorf("sections drawn: %s, want 7 20 33 1 2", got)
	}
	if !strings.Contains(page, "45 more sessions not drawn") {
		t.Error(`no "45 more sessions not drawn"`)
	}
	if r.displaced != 3 {
		t.Errorf("%d sections displaced, want 3", r.displaced)
	}

	// Once N failed sessions are kept, new sessions get no ladder at all.
	r2 := newReportOutput(filepath.Join(t.TempDir(), "r2.html"), 1, false, nil, nil)
	s1, cs, d, ev, f := hostileSession()
	feed(r2, s1, cs, []*track.DataConn{d}, []*track.Event{ev}, []*diagnose.Finding{f})
	s2 := &track.Session{ID: 2, Start: t0}
	r2.SessionStart(s2)
	if r2.open[s2] != nil {
		t.Error("a ladder was recorded though nothing more can be drawn")
	}
	r2.SessionEnd(s2)
	if page := writeReport(t, r2); !strings.Contains(page, "1 more session not drawn") {
		t.Error(`no "1 more session not drawn"`)
	}
}

// TestReportLongSession: a session of 400 commands keeps maxLadderRows
// rows and says how many more; its failed data connection at the end,
// and the PASV that announced it, are drawn all the same, once, and make
// no room for a command after them.
func TestReportLongSession(t *testing.T) {
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 10, false, nil, nil)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &track.Session{ID: 1, Client: netip.MustParseAddrPort("192.0.2.1:40000"), Server: netip.MustParseAddrPort("192.0.2.10:21"), Start: t0, End: t0.Add(time.Hour)}
	r.SessionStart(s)
	seq := uint64(1)
	for i := 1; i <= 400; i++ {
		ts := t0.Add(time.Duration(i) * time.Second)
		r.Command(s, &track.Command{Seq: seq, Index: i, TS: ts, Verb: "NOOP", Status: track.StatusAnswered,
			Replies: []track.Reply{{Seq: seq + 1, Code: 200, Lines: []string{"200 ok"}, TS: ts}}})
		seq += 2
	}
	ts := t0.Add(30 * time.Minute)
	pasv := &track.Command{Seq: seq, Index: 401, TS: ts, Verb: "PASV", EndpointVia: 1, Status: track.StatusAnswered,
		Replies: []track.Reply{{Seq: seq + 1, Code: 227, Lines: []string{"227 Entering Passive Mode (192,0,2,10,156,65)"}, TS: ts}}}
	d := &track.DataConn{ID: 1, Seq: seq + 2, Session: s, Passive: true, Announce: pasv, Announced: netip.MustParseAddrPort("192.0.2.10:40001"),
		Outcome: track.OutcomeUnanswered, SYNs: 3, FirstSYN: ts, LastSYN: ts.Add(3 * time.Second), ExpectedSize: -1}
	pasv.Data = d
	r.Data(s, d)
	r.Command(s, pasv)
	// Rows kept for the failure do not make room for others.
	r.Command(s, &track.Command{Seq: seq + 3, Index: 402, TS: ts.Add(time.Minute), Verb: "NOOP", Status: track.StatusAnswered,
		Replies: []track.Reply{{Seq: seq + 4, Code: 200, Lines: []string{"200 ok"}, TS: ts.Add(time.Minute)}}})
	if r.held > maxLadderRows+maxLadderExtra {
		t.Fatalf("%d rows held", r.held)
	}
	r.SessionEnd(s)
	page := writeReport(t, r)
	checkWellFormed(t, page)
	// The NOOPs past the bound before the failure, and the one after it:
	// a marker at each place.
	for _, want := range []string{fmt.Sprintf("… %d more commands, replies and packets not drawn", 800-maxLadderRows), "… 2 more commands, replies and packets not drawn"} {
		if !strings.Contains(page, want) {
			t.Errorf("no %q", want)
		}
	}
	for _, want := range []string{"#1 SYN again: 3 SYNs over 3.000s", "227 Entering Passive Mode (192,0,2,10,156,65)"} {
		if !strings.Contains(page, want) {
			t.Errorf("the failure at the end is not drawn: no %q", want)
		}
	}
	// The quiet time before the PASV is counted from the last row not
	// drawn before it (NOOP 400, at 400 s), not from its marker (placed
	// at NOOP 76).
	if !strings.Contains(page, "… 23.3 min …") || strings.Contains(page, "28.7 min") {
		t.Error("quiet time not counted from the last row not drawn")
	}
	if n := strings.Count(page, "PASV</tspan></text>"); n != 1 {
		t.Errorf("PASV drawn %d times", n)
	}
}

// TestReportFlags: --report with --vantage, a negative --report-sessions
// and --report-sessions alone are usage errors; a report in a folder
// that does not exist is refused before reading.
func TestReportFlags(t *testing.T) {
	capFile := "../../pcaps/real/pasv-drop.pcap"
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--report", dir + "/r.html", "--vantage", "a=" + capFile, "--vantage", "b=" + capFile}, "not with --vantage"},
		{[]string{"--report", dir + "/r.html", "--report-sessions", "-1", capFile}, "--report-sessions must be"},
		{[]string{"--report-sessions", "3", capFile}, "--report-sessions needs --report"},
		{[]string{"--report", dir + "/no/such/r.html", capFile}, "--report " + dir + "/no/such/r.html"},
		{[]string{"--report", dir, capFile}, "is a folder"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"read"}, tt.args...), &stdout, &stderr)
		if code == 0 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, stderr.String(), tt.want)
		}
		if stdout.Len() > 0 {
			t.Errorf("%v: analysed before refusing: %s", tt.args, stdout.String())
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".ftpsniff-report-*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}
