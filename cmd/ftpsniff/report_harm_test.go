package main

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// harmSession is a session of server 192.0.2.10:21 ending with harm:
// "error" or "warning" (a finding of that severity, code harmCode),
// "login" (a failed login, no finding), or "" (nothing wrong).
func harmSession(r *reportOutput, id int, kind string) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &track.Session{ID: id, Client: netip.MustParseAddrPort(fmt.Sprintf("192.0.2.%d:40000", id%250+1)), Server: netip.MustParseAddrPort("192.0.2.10:21"),
		Start: t0.Add(time.Duration(id) * time.Second), End: t0.Add(time.Duration(id)*time.Second + 500*time.Millisecond), Login: track.LoginOK}
	c := &track.Command{Seq: 1, Index: 1, TS: s.Start, Verb: "USER", Arg: "u", Status: track.StatusAnswered,
		Replies: []track.Reply{{Seq: 2, Code: 331, Lines: []string{"331 password"}, TS: s.Start}}}
	var fs []*diagnose.Finding
	switch kind {
	case "error", "warning":
		sev := diagnose.SeverityError
		if kind == "warning" {
			sev = diagnose.SeverityWarning
		}
		fs = append(fs, &diagnose.Finding{Code: "harm-" + kind, Severity: sev, Session: s, Message: kind, Advice: "fix it"})
	case "login":
		s.Login = track.LoginFailed
	}
	feed(r, s, []*track.Command{c}, nil, nil, fs)
}

// drawnIDs are the sessions whose sections the page holds, in order.
func drawnIDs(page string) string {
	var ids []string
	for _, m := range regexp.MustCompile(`<section class="session" id="s(\d+)"`).FindAllStringSubmatch(page, -1) {
		ids = append(ids, m[1])
	}
	return strings.Join(ids, " ")
}

// harmPage writes r's page, the server's summary counting the findings
// fed.
func harmPage(t *testing.T, r *reportOutput, findings map[string]int) string {
	t.Helper()
	r.servers = []diagnose.ServerSummary{{Server: netip.MustParseAddrPort("192.0.2.10:21"), Sessions: r.sessions, Findings: findings}}
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

// TestReportDrawsMostHarmfulFirst: routine failed logins that end first
// fill the page, and the sessions with an error or a warning that end
// later still take their places (errors before warnings), the failed
// logins before the sessions with nothing wrong; the sessions not drawn
// are counted by rank, so that a session with an error left out is
// never hidden in a count of failed logins.
func TestReportDrawsMostHarmfulFirst(t *testing.T) {
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 5, false, nil, nil)
	r.fold = false // sessions alike but for their number: each its own section (the drawing rule, not folding)
	id := 0
	next := func(kind string) { id++; harmSession(r, id, kind) }
	for range 3 {
		next("") // 1-3: kept while there is room, then displaced
	}
	for range 10 {
		next("login") // 4-13
	}
	next("warning") // 14
	next("error")   // 15
	next("")        // 16
	next("error")   // 17
	next("login")   // 18
	page := harmPage(t, r, map[string]int{"harm-error": 2, "harm-warning": 1})
	if got, want := drawnIDs(page), "15 17 14 4 5"; got != want {
		t.Errorf("sections drawn: %s, want %s (errors, warnings, then the first failed logins)", got, want)
	}
	for _, want := range []string{
		`<b>with errors</b>: <a class="bad" href="#s15">15</a> <a class="bad" href="#s17">17</a>`,
		`<b>with warnings</b>: <a class="warn" href="#s14">14</a>`,
		"13 more sessions not drawn (--report-sessions 5, the most harmful first): 9 failed without a warning or error (a failed login, data connection or refused transfer), 4 others.",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if len(r.open) != 0 || len(r.unrecorded) != 0 || r.held != 0 {
		t.Errorf("after the last session: %d ladders, %d unrecorded, %d rows held", len(r.open), len(r.unrecorded), r.held)
	}

	// More sessions with errors than places: once the page holds only
	// errors nothing more is recorded, and those left out are still
	// counted by their rank, warnings apart from errors.
	r = newReportOutput(filepath.Join(t.TempDir(), "r2.html"), 2, false, nil, nil)
	r.fold = false
	id = 0
	next("login") // 1
	next("error") // 2
	next("error") // 3
	s := &track.Session{ID: 99, Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r.SessionStart(s)
	if r.open[s] != nil {
		t.Error("a ladder was recorded though nothing more can be drawn")
	}
	r.Finding(&diagnose.Finding{Code: "harm-warning", Severity: diagnose.SeverityWarning, Session: s, Message: "w"})
	r.SessionEnd(s)
	next("error") // 4
	next("")      // 5
	page = harmPage(t, r, map[string]int{"harm-error": 3, "harm-warning": 1})
	if got, want := drawnIDs(page), "2 3"; got != want {
		t.Errorf("sections drawn: %s, want %s", got, want)
	}
	want := `4 more sessions not drawn (--report-sessions 2, the most harmful first): <span class="bad">1 with errors</span>, <span class="warn">1 with warnings</span>, 1 failed without a warning or error (a failed login, data connection or refused transfer), 1 other. The findings of the 2 sessions with errors or warnings not drawn are counted in the servers' tables above`
	if !strings.Contains(page, want) {
		t.Errorf("page lacks %q", want)
	}
	if len(r.open) != 0 || len(r.unrecorded) != 0 {
		t.Errorf("after the last session: %d ladders, %d unrecorded", len(r.open), len(r.unrecorded))
	}
}

// TestReportSectionsFileStaysBounded: each place taken over three times
// (nothing wrong, then failed logins, then warnings, then errors) leaves
// at most 2N sections in the temporary file, and the sections moved when
// it is compacted are drawn whole.
func TestReportSectionsFileStaysBounded(t *testing.T) {
	const n = 3
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), n, false, nil, nil)
	r.fold = false // sessions alike but for their number: each its own section (the drawing rule, not folding)
	id := 0
	for _, kind := range []string{"", "login", "warning", "error"} {
		for range n {
			id++
			harmSession(r, id, kind)
			var live int64
			for _, ks := range r.kept {
				for _, k := range ks {
					live += k.n
				}
			}
			if sections := r.keptN + r.dead; sections > 2*n {
				t.Fatalf("after session %d: %d sections in the file, more than 2N = %d", id, sections, 2*n)
			}
			if r.tmpSize > 2*live {
				t.Fatalf("after session %d: the file holds %d bytes for %d of kept sections", id, r.tmpSize, live)
			}
		}
	}
	if r.displaced != 3*n {
		t.Errorf("%d sections displaced, want %d", r.displaced, 3*n)
	}
	page := harmPage(t, r, map[string]int{"harm-error": n, "harm-warning": n})
	if got, want := drawnIDs(page), "10 11 12"; got != want {
		t.Errorf("sections drawn: %s, want %s", got, want)
	}
	// Each section whole: its header, its ladder, its end, in order.
	for i := 10; i <= 12; i++ {
		re := regexp.MustCompile(fmt.Sprintf(`(?s)<section class="session" id="s%d">\n<h3><span class="badge bad">✖ FAILED</span> session %d: .*?</svg>\n</div>\n</section>\n`, i, i))
		if !re.MatchString(page) {
			t.Errorf("section %d is not whole after the file was compacted", i)
		}
	}
}

// TestReportFindingsNameSessions: a row of a server's findings table
// names the sessions that raised it as the text summary does (the first
// eight by number, "… N more"), those drawn as links to their ladders,
// the others said not drawn.
func TestReportFindingsNameSessions(t *testing.T) {
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 2, false, nil, nil)
	r.fold = false // sessions alike but for their number: each its own section (the drawing rule, not folding)
	for id := 1; id <= 11; id++ {
		harmSession(r, id, "error")
	}
	page := harmPage(t, r, map[string]int{"harm-error": 11})
	want := `<td class="code">harm-error</td><td>11</td><td><a href="#s1">1</a>, <a href="#s2">2</a>; <span class="dim">not drawn:</span> 3, 4, 5, 6, 7, 8; <span class="dim">… 3 more</span></td>`
	if !strings.Contains(page, want) {
		t.Errorf("findings row lacks its sessions: want %q", want)
	}
}

// TestReportSaysSessionSelection: with --server the capture table says
// how many sessions are shown of how many, and the pick, as the text
// summary does.
func TestReportSaysSessionSelection(t *testing.T) {
	page, stdout, _ := runReport(t, "--color", "never", "--server", "10.99.0.1:21", "../../pcaps/real/pasv-drop.pcap", "../../pcaps/real/control-port-2121.pcap")
	const pick = "1 session shown of 4 (--server 10.99.0.1:21)"
	if !strings.Contains(stdout, pick) {
		t.Fatalf("the text summary no longer says %q: %s", pick, stdout)
	}
	if want := "<tr><th>sessions</th><td>1 shown of 4 (--server 10.99.0.1:21);"; !strings.Contains(page, want) {
		t.Errorf("the report does not say the selection: want %q", want)
	}
}
