package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestTextFindingsBoundedPerSession: the text output keeps at most
// maxFindingsKept findings of an open session (each holds its data
// connection); past them it counts them by kind. A session of 100,000
// unused PASV announcements (one info finding each) kept all of them
// until it ended: 208 MB. The footer's counts, the server blocks' counts
// and the summary list's reason (an error that came past the bound) stay
// exact, and the transcript says how many findings it does not show.
func TestTextFindingsBoundedPerSession(t *testing.T) {
	const past = 3000
	n := maxFindingsKept + past
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	server := netip.MustParseAddrPort("192.0.2.1:21")
	for _, view := range []textView{viewFull, viewSummary} {
		t.Run(fmt.Sprint("view ", view), func(t *testing.T) {
			s := &track.Session{ID: 1, Start: t0, End: t0, Server: server, Client: netip.MustParseAddrPort("198.51.100.7:50000")}
			var buf bytes.Buffer
			o := newTextOutput(bufio.NewWriter(&buf), newPalette(false), false)
			o.view = view
			o.collapse = newCollapser()
			finding := func(code string, sev diagnose.Severity, d *track.DataConn, port int) *diagnose.Finding {
				return &diagnose.Finding{Code: code, Severity: sev, Session: s, Data: d, TS: t0,
					Message: fmt.Sprintf("PASV announced port %d; no data connection came.", port),
					Advice:  fmt.Sprintf("Nothing to change for port %d.", port)}
			}
			for i := 1; i <= n; i++ {
				c := &track.Command{Seq: uint64(i), Index: i, Verb: "PASV", TS: t0, Status: track.StatusAnswered}
				d := &track.DataConn{ID: i, Session: s, Announce: c, Outcome: track.OutcomeNotAttempted}
				c.Data = d
				s.Commands = append(s.Commands, c)
				s.Data = append(s.Data, d)
				s.CommandCount++
				switch i {
				case maxFindingsKept + 10: // past the bound
					o.Finding(finding(diagnose.CodeDataRefused, diagnose.SeverityError, d, 40000+i))
				case maxFindingsKept + 20:
					o.Finding(finding(diagnose.CodeNATMismatch, diagnose.SeverityWarning, d, 40000+i))
				default:
					o.Finding(finding(diagnose.CodeDataNotAttempted, diagnose.SeverityInfo, d, 40000+i))
				}
			}
			sf := o.open[s]
			// The summary view keeps none whole: it prints the first of
			// each kind and counts.
			// (Each costs what it holds, its data connection included:
			// maxFindingsBytes is reached before maxFindingsKept.)
			fit := min(maxFindingsKept, maxFindingsBytes/findingBytes(finding(diagnose.CodeDataNotAttempted, diagnose.SeverityInfo, s.Data[0], 40001)))
			wantKept, wantOver, wantKinds := fit, n-fit, 3
			if view == viewSummary {
				wantKept, wantOver, wantKinds = 0, n, 3
			}
			if sf == nil || len(sf.kept) != wantKept || sf.overN != wantOver || len(sf.over) != wantKinds {
				t.Fatalf("kept %d findings, %d past the bound in %d kinds; want %d, %d in %d", len(sf.kept), sf.overN, len(sf.over), wantKept, wantOver, wantKinds)
			}
			o.SessionEnd(s)
			if len(o.open) != 0 || len(o.short) != 0 {
				t.Errorf("an ended session's findings still kept: %d sessions, %d short", len(o.open), len(o.short))
			}
			o.Summary(totals{})
			o.Flush()
			out := buf.String()
			if !strings.Contains(out, fmt.Sprintf("findings: 1 error, 1 warning, %d info", n-2)) {
				t.Errorf("footer counts not exact:\n%s", outTail(out))
			}
			counts := map[string]int{}
			for _, e := range o.collapse.order {
				counts[e.code()] += e.count
			}
			if want := map[string]int{diagnose.CodeDataNotAttempted: n - 2, diagnose.CodeDataRefused: 1, diagnose.CodeNATMismatch: 1}; fmt.Sprint(counts) != fmt.Sprint(want) {
				t.Errorf("collapsed counts %v, want %v", counts, want)
			}
			if o.collapse.full != 0 {
				t.Errorf("%d findings not summarised", o.collapse.full)
			}
			if shown := strings.Count(out, "!! "); shown > maxFindingsKept {
				t.Errorf("%d findings written in transcripts, over the bound of %d", shown, maxFindingsKept)
			}
			switch view {
			case viewFull:
				for _, w := range []string{
					fmt.Sprintf("(%d more findings of this session not shown here (1 error data-refused, 1 warning nat-mismatch, %d info data-not-attempted): the transcripts of the sessions open at once keep %d findings", wantOver, wantOver-2, maxFindingsKept),
					fmt.Sprintf("%d findings left out of transcripts", wantOver),
				} {
					if !strings.Contains(out, w) {
						t.Errorf("does not say %q:\n%s", w, outTail(out))
					}
				}
				if strings.Contains(out, "error data-refused:") {
					t.Errorf("a finding past the bound written in the transcript:\n%s", outTail(out))
				}
			case viewSummary:
				for _, w := range []string{
					"--session 1  error data-refused, warning nat-mismatch: ",
					"error data-refused in session 1:",
					"warning nat-mismatch in session 1:",
				} {
					if !strings.Contains(out, w) {
						t.Errorf("does not say %q:\n%s", w, outTail(out))
					}
				}
				if strings.Contains(out, "not shown here") || strings.Contains(out, "left out of transcripts") {
					t.Errorf("the summary view speaks of transcripts it does not write:\n%s", outTail(out))
				}
			}
		})
	}
}

// TestTranscriptShowsFindingsOfDataNotShown: a finding about a data
// connection the transcript does not show (the session let it go past
// MaxDataPerSession, and the transcript kept neither of its commands) is
// written at the transcript's end, as one about a command it did not keep
// is; before, it was written nowhere.
func TestTranscriptShowsFindingsOfDataNotShown(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{1, smallFindings + 5} { // scanned, and indexed
		s := &track.Session{ID: 1, Start: t0, End: t0, CommandsOmitted: 2}
		var buf bytes.Buffer
		o := newTextOutput(bufio.NewWriter(&buf), newPalette(false), false)
		gone := &track.DataConn{ID: 7, Session: s, Announce: &track.Command{Verb: "PASV", Index: 1}}
		for i := 0; i < n; i++ {
			o.Finding(&diagnose.Finding{Code: diagnose.CodeDataRefused, Severity: diagnose.SeverityError, Session: s, Data: gone,
				Message: fmt.Sprintf("The SYN to port %d was refused.", 40000+i)})
		}
		o.SessionEnd(s)
		o.Flush()
		if got := strings.Count(buf.String(), "!! error data-refused: The SYN to port"); got != n {
			t.Errorf("%d findings: %d written:\n%s", n, got, buf.String())
		}
	}
}

// TestSessionFindingsPastKindBound: past maxOverKinds kinds in a session,
// findings are counted by code and severity, not summarised, and the
// session's reason for failing stays its first worst finding.
func TestSessionFindingsPastKindBound(t *testing.T) {
	sf := &sessionFindings{}
	var b findingBudget
	for i := 0; i < maxFindingsKept; i++ {
		sf.add(&diagnose.Finding{Code: diagnose.CodeDataNotAttempted, Advice: "a"}, &b, false)
	}
	for i := 0; i < maxOverKinds+50; i++ {
		sf.add(&diagnose.Finding{Code: diagnose.CodeDataNotAttempted, Advice: fmt.Sprintf("open %d", i)}, &b, false)
	}
	sf.add(&diagnose.Finding{Code: diagnose.CodeDataRefused, Severity: diagnose.SeverityError, Advice: "open 1.2.3.4"}, &b, false)
	if len(sf.kept) != maxFindingsKept || len(sf.over) != maxOverKinds+2 || sf.overN != maxOverKinds+51 {
		t.Fatalf("kept %d, %d kinds, %d past", len(sf.kept), len(sf.over), sf.overN)
	}
	rest := 0
	for _, k := range sf.over {
		if k.rest {
			rest += k.n
		}
	}
	if rest != 51 {
		t.Errorf("%d counted by code only, want 51", rest)
	}
	var o textOutput
	if reason, ok := o.sessionFailed(&track.Session{}, sf, sf.all()); !ok || reason != "error data-refused" {
		t.Errorf("reason %q %v", reason, ok)
	}
}

func outTail(s string) string {
	if len(s) > 3000 {
		return "…" + s[len(s)-3000:]
	}
	return s
}
