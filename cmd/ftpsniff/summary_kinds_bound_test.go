package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// busyDay feeds out, a text or report output, a day where one server
// (infoServer) raises more kinds of info than a summary keeps (a
// nat-mismatch per client network: their advice names the network), and
// two servers seen after it raise a warning (warnServer, whose verdict
// names it) and an error (errServer). It returns the servers'
// summaries, in the diagnosis's order: the info server first.
func busyDay(out interface {
	Finding(*diagnose.Finding)
	SessionEnd(*track.Session)
}, infoKinds int) []diagnose.ServerSummary {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	id := 0
	session := func(server netip.AddrPort, client string) *track.Session {
		id++
		return &track.Session{ID: id, Start: t0, End: t0, Server: server, Client: netip.MustParseAddrPort(client)}
	}
	for i := range infoKinds {
		s := session(infoServer, fmt.Sprintf("10.20.%d.%d:50000", i/256, i%256))
		out.Finding(&diagnose.Finding{Code: diagnose.CodeNATMismatch, Severity: diagnose.SeverityInfo, Session: s, TS: t0,
			Message: "The server announces its own address.",
			Advice:  fmt.Sprintf("Find out how network %d reaches the server.", i)})
		out.SessionEnd(s)
	}
	s := session(warnServer, "10.99.1.2:57148")
	out.Finding(&diagnose.Finding{Code: diagnose.CodeControlIdle, Severity: diagnose.SeverityWarning, Session: s, TS: t0,
		Message: "The control connection was dropped while idle.", Advice: "Keep the control connection alive."})
	out.SessionEnd(s)
	s = session(errServer, "198.51.100.7:50000")
	out.Finding(&diagnose.Finding{Code: diagnose.CodeDataRefused, Severity: diagnose.SeverityError, Session: s, TS: t0,
		Message: "The SYN was refused.", Advice: "Open the passive range."})
	out.SessionEnd(s)
	return []diagnose.ServerSummary{
		{Server: infoServer, Sessions: infoKinds, Verdict: "the data connections worked", Findings: map[string]int{diagnose.CodeNATMismatch: infoKinds}},
		{Server: warnServer, Sessions: 1, Verdict: "see control-idle-timeout for the keepalive", Findings: map[string]int{diagnose.CodeControlIdle: 1}},
		{Server: errServer, Sessions: 1, Verdict: "passive data connections are refused", Findings: map[string]int{diagnose.CodeDataRefused: 1}},
	}
}

var (
	infoServer = netip.MustParseAddrPort("10.0.22.21:21")
	warnServer = netip.MustParseAddrPort("10.99.2.2:21")
	errServer  = netip.MustParseAddrPort("192.0.2.10:21")
)

// TestSummaryInfoLeavesRoomForErrors: info can never take the room of
// the errors and warnings in the summary's table of kinds of finding,
// the servers are ordered by their findings' real severity, and what the
// table does not hold is counted per severity. Regression: a busy day
// with a private-address server (a nat-mismatch info per client network)
// filled the table first come, first kept; the errors and warnings seen
// later lost their explanation and fix, and a server with only warnings
// came after the info-only servers.
func TestSummaryInfoLeavesRoomForErrors(t *testing.T) {
	const extra = 76
	var buf bytes.Buffer
	o := newTextOutput(bufio.NewWriter(&buf), newPalette(false), false)
	o.view = viewSummary
	o.collapse = newCollapser()
	o.Servers(busyDay(o, maxCollapseKeys+extra))
	o.Summary(totals{})
	o.Flush()
	out := buf.String()
	for _, want := range []string{
		fmt.Sprintf("warning control-idle-timeout in session %d:", maxCollapseKeys+extra+1),
		"fix:      Keep the control connection alive.",
		fmt.Sprintf("error data-refused in session %d:", maxCollapseKeys+extra+2),
		"fix:      Open the passive range.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in the summary:\n%s", want, outTail(out))
		}
	}
	e, w, i := strings.Index(out, "server "+errServer.String()), strings.Index(out, "server "+warnServer.String()), strings.Index(out, "server "+infoServer.String())
	if e < 0 || w < 0 || i < 0 || e > w || w > i {
		t.Errorf("server blocks at %d (error), %d (warning), %d (info only); want that order", e, w, i)
	}
	if got := o.collapse.kinds.notKept; got != [numSeverities]int{extra, 0, 0} {
		t.Errorf("not kept per severity %v, want [%d 0 0]", got, extra)
	}
}

// TestServerRankCountsFindingsNotKept: a server's rank in the summary is
// that of every finding it raised, an entry kept for it or not.
func TestServerRankCountsFindingsNotKept(t *testing.T) {
	o := &textOutput{view: viewSummary, collapse: newCollapser()}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	busy := &track.Session{ID: 1, Server: netip.MustParseAddrPort("192.0.2.1:21"), Client: netip.MustParseAddrPort("198.51.100.1:50000")}
	// The warnings' room, then the room of the first kind of each code.
	for i := range 2 * maxCollapseKeys {
		code := "x"
		if i >= maxCollapseKeys {
			code = fmt.Sprint("code-", i)
		}
		o.collapse.add(busy, &diagnose.Finding{Code: code, Severity: diagnose.SeverityWarning, Session: busy, TS: t0, Advice: fmt.Sprint("set 10.0.0.", i)})
	}
	quiet := &track.Session{ID: 2, Server: warnServer, Client: netip.MustParseAddrPort("198.51.100.2:50000")}
	if e, _ := o.collapse.add(quiet, &diagnose.Finding{Code: diagnose.CodeControlIdle, Severity: diagnose.SeverityWarning, Session: quiet, TS: t0}); e != nil {
		t.Fatal("the warnings' table is not full")
	}
	info := &track.Session{ID: 3, Server: infoServer, Client: netip.MustParseAddrPort("198.51.100.3:50000")}
	o.collapse.add(info, &diagnose.Finding{Code: diagnose.CodeCleartextLogin, Severity: diagnose.SeverityInfo, Session: info, TS: t0})
	if w, i := o.serverRank(warnServer), o.serverRank(infoServer); w >= i {
		t.Errorf("rank of a server whose warning was not kept %d, of an info-only server %d: want it first", w, i)
	}
}

// TestNotSummarisedPerSeverity: the line for the findings the summary's
// table does not hold counts them per severity, the most severe first,
// and says how to see them.
func TestNotSummarisedPerSeverity(t *testing.T) {
	var buf bytes.Buffer
	o := newTextOutput(bufio.NewWriter(&buf), newPalette(false), false)
	o.view = viewSummary
	o.collapse = newCollapser()
	s := &track.Session{ID: 1, Server: infoServer, Client: netip.MustParseAddrPort("198.51.100.3:50000")}
	o.collapse.notCollapsed(s, &diagnose.Finding{Code: "x", Severity: diagnose.SeverityInfo}, 6186)
	o.collapse.notCollapsed(s, &diagnose.Finding{Code: "y", Severity: diagnose.SeverityError}, 3)
	o.collapse.notCollapsed(s, &diagnose.Finding{Code: "z", Severity: diagnose.SeverityWarning}, 1)
	o.writeNotSummarised()
	o.Flush()
	want := "findings not summarised (their kinds past the first 1024 of each severity): 3 errors, 1 warning, 6186 info (--server ADDR:PORT summarises one server's; --json lists every finding)\n"
	if buf.String() != want+"\n" {
		t.Errorf("got %q\nwant %q", buf.String(), want)
	}
	if o.serverRank(infoServer) != -int(diagnose.SeverityError) {
		t.Errorf("rank %d: findings not held do not count", o.serverRank(infoServer))
	}
}

// TestSummaryShowsInfoTheVerdictNames: a finding the server's verdict
// points to ("see nat-mismatch for whether to set pasv_address") is in
// the summary with its fix, though it is info of a single session.
func TestSummaryShowsInfoTheVerdictNames(t *testing.T) {
	var out, errb bytes.Buffer
	run([]string{"read", "--summary", "--color", "never", viewRealDir + "control-idle-nat-server.pcap"}, &out, &errb)
	got := out.String()
	if !strings.Contains(got, "see nat-mismatch") {
		t.Fatalf("the verdict no longer names nat-mismatch:\n%s", got)
	}
	i := strings.Index(got, "  info nat-mismatch in session 1:")
	if i < 0 || !strings.Contains(got[i:], "    fix:      Find out how") {
		t.Errorf("nat-mismatch, which the verdict names, not shown with its fix:\n%s", got)
	}
}

func TestContainsCode(t *testing.T) {
	for _, tc := range []struct {
		text, code string
		want       bool
	}{
		{"see nat-mismatch for whether", "nat-mismatch", true},
		{"other errors: control-refused (10 findings)", "control-refused", true},
		{"see data-refused-foo", "data-refused", false},
		{"see my-data-refused", "data-refused", false},
		{"data-refused, data-refused.", "data-refused", true},
		{"", "x", false},
	} {
		if got := containsCode(tc.text, tc.code); got != tc.want {
			t.Errorf("containsCode(%q, %q) = %v", tc.text, tc.code, got)
		}
	}
}

// TestReportInfoLeavesRoomForErrors: the report's server tables keep
// errors and warnings whatever the info before them, order the servers
// by their findings' real severity, and say per severity what no row
// tells apart. Regression: as the text summary (first come, first kept).
func TestReportInfoLeavesRoomForErrors(t *testing.T) {
	const extra = 5
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 0, false, nil, nil)
	r.servers = busyDay(r, maxServerNotes+extra)
	for _, tc := range []struct {
		server netip.AddrPort
		code   string
	}{{warnServer, diagnose.CodeControlIdle}, {errServer, diagnose.CodeDataRefused}} {
		var s diagnose.ServerSummary
		for _, x := range r.servers {
			if x.Server == tc.server {
				s = x
			}
		}
		rows := r.serverRows(s)
		if len(rows) != 1 || rows[0].code != tc.code || rows[0].note == nil {
			t.Errorf("%s: rows %+v, want one of %s with its note", tc.server, rows, tc.code)
		}
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	r.writeServers(w, nil)
	w.Flush()
	out := buf.String()
	e, wi, i := strings.Index(out, "server "+errServer.String()), strings.Index(out, "server "+warnServer.String()), strings.Index(out, "server "+infoServer.String())
	if e < 0 || wi < 0 || i < 0 || e > wi || wi > i {
		t.Errorf("server blocks at %d (error), %d (warning), %d (info only); want that order", e, wi, i)
	}
	if want := fmt.Sprintf("their kinds past the first %d of each severity): %d info findings", maxServerNotes, extra); !strings.Contains(out, want) {
		t.Errorf("no %q in:\n%s", want, out[max(0, len(out)-3000):])
	}
}
