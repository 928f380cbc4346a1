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

// findingsRows are the rows of the report's server findings tables:
// code, times, and the note's severity word and advice, in page order.
func findingsRows(page string) []string {
	var rows []string
	re := regexp.MustCompile(`<tr><td class="code">([^<]*)</td><td>(\d+)</td><td>(?s:(.*?))</td></tr>`)
	sev := regexp.MustCompile(`(INFO|WARNING|ERROR)</span>`)
	fix := regexp.MustCompile(`(?s)<pre class="fix">(.*?)</pre>`)
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		row := m[1] + " " + m[2]
		if s := sev.FindStringSubmatch(m[3]); s != nil {
			row += " " + s[1]
		}
		if a := fix.FindStringSubmatch(m[3]); a != nil {
			row += " " + a[1]
		}
		rows = append(rows, row)
	}
	return rows
}

// TestReportServerFindingsSplitLikeTextSummary: the server's findings
// table has a row per finding as the text summary collapses them (code,
// severity, advice), not per code: an anonymous login's "nothing to do"
// must not stand for real users' passwords sent in the clear, nor an
// info for a warning of the same code. Rows go by severity, then in the
// text summary's order (TestReportFindingsInTextSummaryOrder).
// Regression: rows keyed by code alone showed the first finding's advice
// for all (r10k.html: "cleartext-login 2223 INFO … Nothing to do" over
// 894 real passwords) and sorted info above errors by name.
func TestReportServerFindingsSplitLikeTextSummary(t *testing.T) {
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 10, false, nil, nil)
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type fd struct {
		code   string
		sev    diagnose.Severity
		advice string
	}
	anon := fd{"cleartext-login", diagnose.SeverityInfo, "Nothing to do for public anonymous FTP."}
	user := fd{"cleartext-login", diagnose.SeverityInfo, "Require TLS and change the password."}
	sdeWarn := fd{"server-data-error", diagnose.SeverityWarning, "Check the server's data path."}
	sdeInfo := fd{"server-data-error", diagnose.SeverityInfo, "The client stopped: nothing to do."}
	unans := fd{"data-unanswered", diagnose.SeverityError, "Open the passive range."}
	// Session by session, anonymous first so that keying by code would
	// show its advice for every row.
	plan := []fd{anon, anon, anon, user, user, sdeInfo, sdeWarn, sdeInfo, sdeInfo, sdeInfo, unans}
	count := map[string]int{}
	for i, f := range plan {
		s := &track.Session{ID: i + 1, Client: netip.MustParseAddrPort(fmt.Sprintf("192.0.2.%d:40000", i+1)), Server: srv,
			Start: t0.Add(time.Duration(i) * time.Second), End: t0.Add(time.Duration(i)*time.Second + time.Millisecond), Login: track.LoginOK}
		feed(r, s, nil, nil, nil, []*diagnose.Finding{{Code: f.code, Severity: f.sev, Session: s, Message: "m", Advice: f.advice}})
		count[f.code]++
	}
	r.servers = []diagnose.ServerSummary{{Server: srv, Sessions: len(plan), Findings: count}}
	page := writeReportPage(t, r)
	got := strings.Join(findingsRows(page), "\n")
	want := strings.Join([]string{
		"data-unanswered 1 ERROR Open the passive range.",
		"server-data-error 1 WARNING Check the server&#39;s data path.",
		"cleartext-login 3 INFO Nothing to do for public anonymous FTP.",
		"cleartext-login 2 INFO Require TLS and change the password.",
		"server-data-error 4 INFO The client stopped: nothing to do.",
	}, "\n")
	if got != want {
		t.Errorf("findings rows:\n%s\nwant:\n%s", got, want)
	}
}

// TestReportServerFindingsPastBound: past maxServerNotes kinds of finding
// the rest of a code are one row of their count, so the table still adds
// up to the server's counts.
func TestReportServerFindingsPastBound(t *testing.T) {
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 0, false, nil, nil)
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	s := &track.Session{ID: 1, Server: srv, Client: netip.MustParseAddrPort("192.0.2.1:40000")}
	r.SessionStart(s)
	n := maxServerNotes + 5
	for i := range n {
		r.Finding(&diagnose.Finding{Code: "x", Severity: diagnose.SeverityInfo, Session: s, Advice: fmt.Sprintf("advice v%d", i)})
	}
	r.SessionEnd(s)
	rows := r.serverRows(diagnose.ServerSummary{Server: srv, Findings: map[string]int{"x": n}})
	total := 0
	for _, row := range rows {
		total += row.count
	}
	if total != n || len(rows) != maxServerNotes+1 || rows[len(rows)-1].note != nil || rows[len(rows)-1].count != 5 {
		t.Errorf("%d rows adding up to %d, last %+v; want %d rows adding up to %d, the last one of 5 without a note", len(rows), total, rows[len(rows)-1], maxServerNotes+1, n)
	}
}

// TestReportFailedLoginIsFailed: a session whose login failed, with no
// finding and no data connection, is judged failed as the text summary
// judges it (sessionFailed: "login failed"): badge FAILED, drawn first,
// marked bad in the index. Regression: r10k.html showed "✔ OK session 8
// … login failed" among the others.
func TestReportFailedLoginIsFailed(t *testing.T) {
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 10, false, nil, nil)
	r.fold = false // sessions alike but for their number: each its own section (the drawing rule, not folding)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for id := 1; id <= 3; id++ {
		s := &track.Session{ID: id, Client: netip.MustParseAddrPort(fmt.Sprintf("192.0.2.%d:40000", id)), Server: netip.MustParseAddrPort("192.0.2.10:21"),
			Start: t0.Add(time.Duration(id) * time.Second), End: t0.Add(time.Duration(id)*time.Second + time.Millisecond), User: "u", Login: track.LoginOK}
		if id == 2 {
			s.Login = track.LoginFailed
		}
		feed(r, s, nil, nil, nil, nil)
	}
	page := writeReportPage(t, r)
	var order []string
	for _, m := range regexp.MustCompile(`<section class="session" id="s(\d+)">\n<h3><span class="badge (\w+)"`).FindAllStringSubmatch(page, -1) {
		order = append(order, m[1]+" "+m[2])
	}
	if got := strings.Join(order, ", "); got != "2 bad, 1 good, 3 good" {
		t.Errorf("sections: %s, want 2 bad, 1 good, 3 good", got)
	}
	if !strings.Contains(page, `<a class="bad" href="#s2">2</a>`) {
		t.Error("session 2 not marked bad in the index")
	}
}

// writeReportPage writes r's page as it stands (r.servers as the test
// set them) and returns it.
func writeReportPage(t *testing.T, r *reportOutput) string {
	t.Helper()
	r.Summary(totals{})
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(r.path)
	if err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, string(b))
	return string(b)
}
