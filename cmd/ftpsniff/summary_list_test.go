package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// manyDataSession is a session of n PASV data connections, the odd ones
// refused (error data-refused and warning server-data-error), the even
// ones unanswered (error data-unanswered), as gen/manydata2.py makes.
func manyDataSession(o *textOutput, n int) *track.Session {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &track.Session{ID: 1, Start: t0, End: t0.Add(time.Hour), Server: netip.MustParseAddrPort("10.6.0.1:21"),
		Client: netip.MustParseAddrPort("10.6.0.2:33000"), User: "u", Login: track.LoginOK}
	for i := 1; i <= n; i++ {
		ts := t0.Add(time.Duration(i) * time.Second)
		port := uint16(20000 + i - 1)
		pasv := &track.Command{Seq: uint64(i), Index: i, TS: ts, Verb: "PASV", EndpointVia: 1, Status: track.StatusAnswered}
		d := &track.DataConn{ID: i, Session: s, Passive: true, Announce: pasv, Announced: netip.AddrPortFrom(s.Server.Addr(), port),
			Client: netip.AddrPortFrom(s.Client.Addr(), uint16(1024+i)), Server: netip.AddrPortFrom(s.Server.Addr(), port),
			SYNs: 2, FirstSYN: ts, LastSYN: ts.Add(time.Second), Outcome: track.OutcomeUnanswered, Via: ftp.ViaPASV, ExpectedSize: -1}
		pasv.Data = d
		codes := []string{diagnose.CodeDataUnanswered}
		if i%2 == 1 {
			d.SYNs, d.LastSYN, d.Outcome, d.RSTTS, d.RSTFromServer = 1, time.Time{}, track.OutcomeRefused, ts.Add(time.Millisecond), true
			codes = []string{diagnose.CodeDataRefused, "server-data-error"}
		}
		s.Data = append(s.Data, d)
		s.DataOutcomes[d.Outcome]++
		for j, code := range codes {
			sev := diagnose.SeverityError
			if j > 0 {
				sev = diagnose.SeverityWarning
			}
			o.Finding(&diagnose.Finding{Code: code, Severity: sev, Session: s, Data: d, Message: "m", Advice: "a"})
		}
	}
	s.DataCount = n
	return s
}

// summaryList ends s in a summary view and returns its list of failed
// sessions.
func summaryList(o *textOutput, w *bufio.Writer, out *bytes.Buffer, s *track.Session) string {
	o.SessionEnd(s)
	o.writeFailedList()
	w.Flush()
	return out.String()
}

// TestSummaryListBoundsDataPerSession: under a listed session the
// summary names at most listedDataPerSession of its failed data
// connections (listedDataPerSessionVerbose with -v), then counts the rest
// and says how to see them: the session's transcript, the same command
// with --session N, without --summary and the files it would overwrite.
// Regression: many3k.pcap listed "--session 1" then 3,000 lines.
func TestSummaryListBoundsDataPerSession(t *testing.T) {
	for _, tt := range []struct {
		name         string
		n            int
		verbose      bool
		summaryAsked bool
		rerunDrop    string
		lines        int
		more         string
	}{
		{"summary asked", 3000, false, true, "", listedDataPerSession,
			"      … 2995 more such data connections (the same command with --session 1 and without --summary shows them)\n"},
		{"summary by itself, with --report", 40, false, false, "--report", listedDataPerSession,
			"      … 35 more such data connections (the same command with --session 1 and without --report shows them)\n"},
		{"-v", 3000, true, true, "", listedDataPerSessionVerbose,
			"      … 2900 more such data connections (the same command with --session 1 and without --summary shows them)\n"},
		{"few", 4, false, true, "", 4, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			w := bufio.NewWriter(&out)
			o := newTextOutput(w, newPalette(false), false)
			o.view, o.collapse, o.verbose, o.summaryAsked, o.rerunDrop = viewSummary, newCollapser(), tt.verbose, tt.summaryAsked, tt.rerunDrop
			list := summaryList(o, w, &out, manyDataSession(o, tt.n))
			if got := strings.Count(list, "\n      data #"); got != tt.lines {
				t.Errorf("%d data connections named, want %d", got, tt.lines)
			}
			if tt.more != "" && !strings.Contains(list, tt.more) {
				t.Errorf("the list does not end in %q:\n%s", tt.more, list[max(len(list)-600, 0):])
			}
			if tt.more == "" && strings.Contains(list, " more such data connection") {
				t.Errorf("a count of more data connections though all are named:\n%s", list)
			}
		})
	}
}

// TestSummaryListCutsWholeItems: a line of the summary list too long for
// the width is cut after a whole item (a finding's code, an address, a
// word), never inside one. Regression: at 100 columns
// "[error data-refused, wa…" and "-> 10.99.0.1:2…". The finding codes
// are what an admin greps and looks up, so the prose goes first and the
// codes stay; past that the last codes go, counted ("+1 more"), the
// first (an error before a warning) kept. Changed deliberately (rev39):
// the codes went first, one by one, then all ("[…]"), so at 80 columns
// no data connection's line named a code (inetutils-ftpd-nat.pcap: "no
// answer […]", its nat-mismatch error unnamed). Only when not even the
// first code fits beside the leading items (60 columns here) do the codes
// give way to "…".
func TestSummaryListCutsWholeItems(t *testing.T) {
	for _, tt := range []struct {
		width int
		want  []string
	}{
		{100, []string{
			"  --session 1  error data-refused, error data-unanswered, warning server-data-error: …",
			"      data #1 PASV 10.6.0.1:20000 refused: SYN … [error data-refused, warning server-data-error]",
			"      data #2 PASV 10.6.0.1:20001 unanswered: 2 SYNs over 1.000s, no answer [error data-unanswered]",
		}},
		{80, []string{
			"  --session 1  error data-refused, error data-unanswered, +1 more: …",
			"      data #1 PASV 10.6.0.1:20000 refused: SYN … [error data-refused, +1 more]",
			"      data #2 PASV 10.6.0.1:20001 unanswered: 2 SYNs … [error data-unanswered]",
		}},
		{60, []string{
			"  --session 1  error data-refused, +2 more: 10.6.0.2:33000 …",
			"      data #1 PASV 10.6.0.1:20000 refused: SYN answered by …",
			"      data #2 PASV 10.6.0.1:20001 unanswered: 2 SYNs over …",
		}},
		{50, []string{
			"  --session 1  error data-refused, +2 more: …",
			"      data #1 PASV 10.6.0.1:20000 refused: SYN …",
			"      data #2 PASV 10.6.0.1:20001 unanswered: 2 …",
		}},
		{200, []string{
			"  --session 1  error data-refused, error data-unanswered, warning server-data-error: 10.6.0.2:33000 -> 10.6.0.1:21, user u, logged in",
		}},
	} {
		t.Run(fmt.Sprint(tt.width), func(t *testing.T) {
			var out bytes.Buffer
			w := bufio.NewWriter(&out)
			o := newTextOutput(w, newPalette(false), false)
			o.view, o.collapse, o.width = viewSummary, newCollapser(), tt.width
			list := summaryList(o, w, &out, manyDataSession(o, 2))
			for _, want := range tt.want {
				if !strings.Contains(list, want+"\n") {
					t.Errorf("no line %q in:\n%s", want, list)
				}
			}
			for _, line := range strings.Split(list, "\n")[1:] { // the heading aside
				if columns(line) > tt.width {
					t.Errorf("a line of %d columns, over %d: %q", columns(line), tt.width, line)
				}
				if tt.width >= 80 && strings.HasPrefix(strings.TrimSpace(line), "data #") && !strings.Contains(line, " [error data-") {
					t.Errorf("a data connection's line without its first code: %q", line)
				}
				for _, m := range regexp.MustCompile(`(?:error|warning) ([a-z-]+)`).FindAllStringSubmatch(line, -1) {
					if m[1] != "data-refused" && m[1] != "data-unanswered" && m[1] != "server-data-error" {
						t.Errorf("a code cut: %q in %q", m[1], line)
					}
				}
			}
		})
	}
}
