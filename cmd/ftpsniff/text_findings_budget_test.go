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

// refusedFindings sends o n findings of session s, each about a data
// connection of its own with advice of adviceLen bytes, as a session of
// refused PASV raises them; s keeps its latest keepData data connections,
// as the tracker's MaxDataPerSession does.
func refusedFindings(o *textOutput, s *track.Session, n, adviceLen, keepData int) {
	advice := strings.Repeat("a", adviceLen)
	for i := 1; i <= n; i++ {
		d := &track.DataConn{ID: i, Session: s, Outcome: track.OutcomeRefused}
		s.Data = append(s.Data, d)
		if len(s.Data) > keepData {
			s.Data = s.Data[1:]
		}
		o.Finding(&diagnose.Finding{Code: diagnose.CodeDataRefused, Severity: diagnose.SeverityError, Session: s, Data: d,
			Message: fmt.Sprintf("The SYN to port %d was refused.", 40000+i%1000), Advice: advice})
	}
}

// TestTextFindingsBudgetAcrossSessions: the findings the text output
// keeps whole are bounded across the open sessions, in number and in
// bytes, not per session: 8 sessions open at once, each of 10,000 refused
// PASV, kept 80,000 findings of 3 KB each (263 MB). What a session could
// not keep is said under its transcript, by code; an ended session's
// room is given back.
func TestTextFindingsBudgetAcrossSessions(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	server := netip.MustParseAddrPort("192.0.2.1:21")
	var buf bytes.Buffer
	o := newTextOutput(bufio.NewWriter(&buf), newPalette(false), false)
	o.view = viewFull
	o.collapse = newCollapser()
	var ss []*track.Session
	for i := range 3 {
		s := &track.Session{ID: i + 1, Start: t0, End: t0, Server: server, Client: netip.AddrPortFrom(netip.MustParseAddr("198.51.100.7"), uint16(50000+i))}
		ss = append(ss, s)
		refusedFindings(o, s, maxFindingsKept/2, 10, 100) // small findings: the count binds
	}
	kept, over := 0, 0
	for _, s := range ss {
		kept += len(o.open[s].kept)
		over += o.open[s].overN
	}
	if kept > maxFindingsKept || kept != o.kept.n || over != 3*(maxFindingsKept/2)-kept {
		t.Errorf("the open sessions keep %d findings whole (budget says %d), %d counted past them; want at most %d", kept, o.kept.n, over, maxFindingsKept)
	}
	// Large findings: the bytes bind.
	big := &track.Session{ID: 4, Start: t0, End: t0, Server: server, Client: netip.MustParseAddrPort("198.51.100.8:50000")}
	for _, s := range ss {
		o.SessionEnd(s)
	}
	if o.kept != (findingBudget{}) || len(o.open) != 0 {
		t.Fatalf("after every session ended the budget still holds %+v, %d sessions", o.kept, len(o.open))
	}
	refusedFindings(o, big, 5000, 3000, 100)
	if b := o.kept.bytes; b > maxFindingsBytes || len(o.open[big].kept) == 5000 {
		t.Errorf("one session keeps %d findings, %d bytes, whole; want at most %d bytes", len(o.open[big].kept), b, maxFindingsBytes)
	}
	o.SessionEnd(big)
	o.Flush()
	out := buf.String()
	if !strings.Contains(out, "more findings of this session not shown here (") || !strings.Contains(out, " error data-refused): the transcripts of the sessions open at once keep") {
		t.Errorf("a transcript does not say which findings it left out:\n%s", outTail(out))
	}
}

// TestSummaryViewKeepsNoFindingWhole: the summary view writes no
// transcript; it keeps a count and the first of each kind of finding, and
// the codes of the data connections the session still holds (for the
// list of failed sessions), not every finding: one session of 80,000
// refused PASV kept 10,000 whole and its --summary ran at the heap's soft
// limit (21 s). The list and the server block read as before.
func TestSummaryViewKeepsNoFindingWhole(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	server := netip.MustParseAddrPort("192.0.2.1:21")
	s := &track.Session{ID: 1, Start: t0, End: t0, Server: server, Client: netip.MustParseAddrPort("198.51.100.7:50000")}
	var buf bytes.Buffer
	o := newTextOutput(bufio.NewWriter(&buf), newPalette(false), false)
	o.view = viewSummary
	o.collapse = newCollapser()
	const n, keepData = 20000, 50
	refusedFindings(o, s, n, 3000, keepData)
	sf := o.open[s]
	if len(sf.kept) != 0 || o.kept.n != 0 || len(sf.over) != 1 || sf.over[0].n != n {
		t.Errorf("summary view: %d findings kept whole, %d kinds; want none, 1 kind of %d", len(sf.kept), len(sf.over), n)
	}
	if len(sf.dataCodes) > 2*keepData+64 {
		t.Errorf("codes of %d data connections kept; the session holds %d", len(sf.dataCodes), keepData)
	}
	o.SessionEnd(s)
	it := o.failed.items
	if len(it) != 1 || !strings.HasPrefix(it[0].line.text, "--session 1  error data-refused: ") || len(it[0].data) != listedDataPerSession ||
		!strings.HasPrefix(it[0].more, fmt.Sprintf("… %d more such data connections (", keepData-listedDataPerSession)) {
		t.Fatalf("list %+v", it)
	}
	for _, d := range it[0].data {
		if !strings.HasSuffix(d.text, " [error data-refused]") {
			t.Errorf("a data connection listed without its finding's code: %q", d)
		}
	}
	e := o.collapse.order
	if len(e) != 1 || e[0].count != n || e[0].sessionsN != 1 {
		t.Errorf("server block: %d entries, want one counting %d", len(e), n)
	}
}
