package main

import (
	"bufio"
	"bytes"
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

// TestReportFindingsInTextSummaryOrder: the report's findings table lists
// a server's findings in the text summary's order (by severity, then in
// the order the summary counted them: as their first session ended), not
// by count: the error the verdict is about, raised once by the session
// that ended first, is the table's first row, as it is the text
// summary's first entry. Regression: mixreal.pcap's verdict named the
// 8th of 8 error rows, sorted by count then code. Sessions interleave:
// session 1 raises its error first and ends last.
func TestReportFindingsInTextSummaryOrder(t *testing.T) {
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	text := newTextOutput(w, newPalette(false), false)
	text.view, text.collapse = viewSummary, newCollapser()
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 10, false, nil, nil)
	tee := &reportTee{output: text, rep: r}
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ss []*track.Session
	for id := 1; id <= 5; id++ {
		s := &track.Session{ID: id, Client: netip.MustParseAddrPort(fmt.Sprintf("192.0.2.%d:40000", id)), Server: srv,
			Start: t0.Add(time.Duration(id) * time.Second), End: t0.Add(time.Duration(id+10) * time.Second), Login: track.LoginOK}
		ss = append(ss, s)
		tee.SessionStart(s)
	}
	raise := func(s *track.Session, code string, sev diagnose.Severity) {
		tee.Finding(&diagnose.Finding{Code: code, Severity: sev, Session: s, Message: code + " happened", Advice: "fix " + code})
	}
	raise(ss[0], "aaa-first-raised", diagnose.SeverityError)
	raise(ss[0], "info-early", diagnose.SeverityInfo)
	raise(ss[1], "data-unanswered", diagnose.SeverityError)
	tee.SessionEnd(ss[1])
	for _, s := range ss[2:] {
		raise(s, "data-refused", diagnose.SeverityError)
		raise(s, "info-late", diagnose.SeverityInfo)
		raise(s, "info-late", diagnose.SeverityInfo)
		tee.SessionEnd(s)
	}
	tee.SessionEnd(ss[0])
	tee.Servers([]diagnose.ServerSummary{{Server: srv, Sessions: 5, Verdict: "passive data connections are dropped (see data-unanswered)",
		Findings: map[string]int{"aaa-first-raised": 1, "data-unanswered": 1, "data-refused": 3, "info-early": 1, "info-late": 6}}})
	tee.Summary(totals{})
	if err := tee.Flush(); err != nil {
		t.Fatal(err)
	}
	var textOrder []string
	for _, m := range regexp.MustCompile(`(?m)^  (?:error|warning|info) (\S+) in`).FindAllStringSubmatch(out.String(), -1) {
		textOrder = append(textOrder, m[1])
	}
	b, err := os.ReadFile(r.path)
	if err != nil {
		t.Fatal(err)
	}
	var reportOrder []string
	for _, row := range findingsRows(string(b)) {
		reportOrder = append(reportOrder, strings.Fields(row)[0])
	}
	// info-early came back in no other session: the text summary does
	// not write it, the table has it.
	want := "data-unanswered data-refused aaa-first-raised info-late info-early"
	if got := strings.Join(textOrder, " ") + " info-early"; got != want {
		t.Fatalf("the text summary's order is %q, want %q:\n%s", got, want, out.String())
	}
	if got := strings.Join(reportOrder, " "); got != want {
		t.Errorf("the report's findings rows go %q, want the text summary's %q", got, want)
	}
}

// TestReportPolicyLineByLine: the policy box holds the policy's lines,
// each escaped as the text output escapes it, not one line with its
// breaks written as a literal \n. Regression: --server-config with
// --report showed "server config …:\n  pasv_enable=YES\n …".
func TestReportPolicyLineByLine(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "vsftpd.conf")
	if err := os.WriteFile(cfg, []byte("pasv_enable=YES\npasv_min_port=40000\npasv_max_port=40100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	page, _, _ := runReport(t, "--server-config", cfg, "../../pcaps/real/pasv-drop.pcap")
	m := regexp.MustCompile(`(?s)<h3>Policy checked against</h3>\n<pre>(.*?)</pre>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no policy box")
	}
	if strings.Contains(m[1], `\n`) {
		t.Errorf("the policy box holds a literal \\n:\n%s", m[1])
	}
	lines := strings.Split(m[1], "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "server config ") || !strings.Contains(m[1], "\n  line 2: pasv_min_port=40000\n") {
		t.Errorf("the policy box is not the policy's lines:\n%s", m[1])
	}
}

// TestReportFoldsOnlyFindingsAlike: sessions that did the same thing
// fold into one ladder only when their findings are alike as the
// servers' table tells them apart (code, severity and advice, its
// client, ports and times aside). Regression: an anonymous login's
// cleartext-login ("nothing to do") folded a real user's ("change the
// password") into its ladder, which showed the anonymous advice.
func TestReportFoldsOnlyFindingsAlike(t *testing.T) {
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 10, false, nil, nil)
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for id, advice := range []string{
		"Nothing to do for public anonymous FTP.",
		"Require TLS and change the password.",
		"Nothing to do for public anonymous FTP.",
		"Open port 400%[1]d from 192.0.2.%[1]d.", // the same cause as the next: port and client aside
		"Open port 400%[1]d from 192.0.2.%[1]d.",
	} {
		id++
		if strings.Contains(advice, "%") {
			advice = fmt.Sprintf(advice, id)
		}
		s := &track.Session{ID: id, Client: netip.MustParseAddrPort(fmt.Sprintf("192.0.2.%d:40000", id)), Server: srv,
			Start: t0.Add(time.Duration(id) * time.Second), End: t0.Add(time.Duration(id)*time.Second + time.Millisecond), Login: track.LoginOK}
		feed(r, s, nil, nil, nil, []*diagnose.Finding{{Code: "cleartext-login", Severity: diagnose.SeverityInfo, Session: s, Message: "m", Advice: advice}})
	}
	page := harmPage(t, r, map[string]int{"cleartext-login": 5})
	checkWellFormed(t, page)
	if got := drawnIDs(page); got != "1 2 4" {
		t.Errorf("sections drawn: %s, want 1 2 4 (3 folded into 1, 5 into 4)", got)
	}
	for _, want := range []string{`also session <a id="s3"></a>3:`, `also session <a id="s5"></a>5:`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestReportMaskedReplyNoteOnce: a reply masked because it repeats a
// password line is drawn with its note in one pair of parentheses.
// Regression: "500 ******** ((hidden: …))".
func TestReportMaskedReplyNoteOnce(t *testing.T) {
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 10, false, nil, nil)
	s, cs, _, ev, _ := secretShapes()
	feed(r, s, cs, nil, []*track.Event{ev}, nil)
	page := writeReportPage(t, r)
	if !strings.Contains(page, `<tspan class="nt">(`+echoWhy+`)</tspan>`) {
		t.Errorf("the masked reply's note is not %q in parentheses", echoWhy)
	}
	if strings.Contains(page, "((") || strings.Contains(page, "))") {
		t.Error("a note in doubled parentheses")
	}
}
