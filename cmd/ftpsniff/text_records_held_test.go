package main

import (
	"bufio"
	"bytes"
	"net/netip"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// letGoAfterFindings sends o, its findings budget full, a warning about a
// data connection of s and its command, then lets the connection go from
// s.Data as the tracker does past its bounds; it returns weak pointers to
// the record and the command.
func letGoAfterFindings(o *textOutput, s *track.Session, code string) (weak.Pointer[track.DataConn], weak.Pointer[track.Command]) {
	c := &track.Command{Verb: "LIST", Arg: "some/long/directory/name"}
	d := &track.DataConn{ID: 7, Session: s, Outcome: track.OutcomeNotAttempted, Announce: &track.Command{Verb: "PASV"}}
	s.Data = append(s.Data, d)
	o.Finding(&diagnose.Finding{Code: code, Severity: diagnose.SeverityWarning, Session: s, Data: d, Command: c,
		Message: "The server waited for a connection and gave up.", Advice: "Open the passive range."})
	s.Data = nil
	return weak.Make(d), weak.Make(c)
}

// TestTextOutputHoldsNoRecordTheSessionLetGo: what the text output keeps
// of an open session's findings past its budget (the first of each kind,
// the codes for the list of failed sessions) holds no data connection or
// command the session let go: 4,000 open sessions of refused PASVs, 25
// each, held two records and their commands each to their end (dataCodes
// keyed by record in the transcript view, which lists no sessions; the
// first finding of each kind whole), 122 MB against --json's 78 MB. A
// data-refused's first keeps its record (diagnose.RefusedByBackend reads
// it at the session's end).
func TestTextOutputHoldsNoRecordTheSessionLetGo(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, view := range []textView{viewFull, viewSummary} {
		o := newTextOutput(bufio.NewWriter(&bytes.Buffer{}), newPalette(false), false)
		o.view = view
		o.collapse = newCollapser()
		o.kept = findingBudget{n: maxFindingsKept} // full: every finding is counted by kind
		s := &track.Session{ID: 1, Start: t0, End: t0, Server: netip.MustParseAddrPort("192.0.2.1:21"),
			Client: netip.MustParseAddrPort("198.51.100.7:50000")}
		wd, wc := letGoAfterFindings(o, s, diagnose.CodeDataNotAttempted)
		runtime.GC()
		if wc.Value() != nil {
			t.Errorf("view %d: the command of the first finding of its kind is held after its session let it go", view)
		}
		if view == viewFull && wd.Value() != nil {
			t.Errorf("view %d: a data connection its session let go is held for a finding's code", view)
		}
		sf := o.open[s]
		if sf == nil || len(sf.over) != 1 || sf.over[0].first.Code != diagnose.CodeDataNotAttempted || sf.over[0].n != 1 {
			t.Fatalf("view %d: the finding is not counted by kind: %+v", view, sf)
		}
		if view == viewFull && len(sf.dataCodes) != 0 {
			t.Errorf("view %d: the transcript view keeps codes of %d data connections it never lists", view, len(sf.dataCodes))
		}
		if view == viewSummary && len(sf.dataCodes) != 1 {
			t.Errorf("summary view: codes of %d data connections kept, want the one (the list names it)", len(sf.dataCodes))
		}
	}
}

// TestFirstOfKindKeepsRefusedData: a data-refused's first keeps its data
// connection, which diagnose.RefusedByBackend reads when the session ends;
// other kinds keep neither record nor command.
func TestFirstOfKindKeepsRefusedData(t *testing.T) {
	d, c := &track.DataConn{ID: 1}, &track.Command{Verb: "LIST"}
	f := firstOfKind(&diagnose.Finding{Code: diagnose.CodeDataRefused, Data: d, Command: c, Message: "m"})
	if f.Data != d || f.Command != nil || f.Message != "m" {
		t.Errorf("data-refused's first: %+v", f)
	}
	f = firstOfKind(&diagnose.Finding{Code: diagnose.CodeDataNotAttempted, Data: d, Command: c, Message: "m"})
	if f.Data != nil || f.Command != nil || f.Message != "m" {
		t.Errorf("data-not-attempted's first: %+v", f)
	}
}
