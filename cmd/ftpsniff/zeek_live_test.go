package main

import (
	"bufio"
	"bytes"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestZeekLiveLinesDoNotWaitForSessionEnd: in live, a session's ftp.log
// lines leave once they have waited zeekLiveHold of packet time (and the
// data connection they announced is decided) or zeekLiveHoldMax whatever,
// not when the session ends, which may be hours later; a finding that
// comes after its line goes on the session's last line and is counted.
func TestZeekLiveLinesDoNotWaitForSessionEnd(t *testing.T) {
	var buf, notes bytes.Buffer
	bw := bufio.NewWriter(&buf)
	o := newZeekOutput(bw, false, idOptions{})
	o.notes = &notes
	o.holdFor, o.holdMax = zeekLiveHold, zeekLiveHoldMax
	s := zeekTestSession()
	t0 := time.Unix(1e9, 0)
	lines := func() []map[string]any {
		t.Helper()
		if err := o.Flush(); err != nil {
			t.Fatal(err)
		}
		return jsonLines(t, "zeek", buf.Bytes())
	}

	o.SessionStart(s)
	user := answered(1, "USER", "ann", 331, "Please specify the password.")
	user.TS = t0
	o.Command(s, user)
	pending := &track.DataConn{ID: 1}
	pasv := answered(2, "PASV", "", 227, "Entering Passive Mode (10,1,0,1,156,64).")
	pasv.TS = t0.Add(time.Second)
	pasv.EndpointVia = ftp.ViaPASV
	pasv.Data, pending.Announce = pending, pasv
	o.Command(s, pasv)

	o.release(t0.Add(zeekLiveHold - time.Second))
	if got := lines(); len(got) != 0 {
		t.Fatalf("lines written before they waited %v: %v", zeekLiveHold, got)
	}
	o.release(t0.Add(zeekLiveHold + 2*time.Second))
	got := lines()
	if len(got) != 1 || got[0]["command"] != "USER" {
		t.Fatalf("after %v: want the USER line only (PASV's data connection is not decided), got %v", zeekLiveHold, got)
	}
	pending.Done, pending.Outcome = true, track.OutcomeUnanswered
	o.Data(s, pending) // the tracker reports it once decided
	o.release(t0.Add(zeekLiveHold + 3*time.Second))
	got = lines()
	if len(got) != 2 || got[1]["command"] != "PASV" || got[1]["ftpsniff.outcome"] != "unanswered" {
		t.Fatalf("once decided: want the PASV line with its outcome, got %v", got)
	}

	// A line whose data connection is never decided goes out at holdMax.
	open := &track.DataConn{ID: 2}
	epsv := answered(3, "EPSV", "", 229, "Entering Extended Passive Mode (|||40001|).")
	epsv.TS = t0.Add(time.Minute)
	epsv.EndpointVia = ftp.ViaEPSV
	epsv.Data, open.Announce = open, epsv
	o.Command(s, epsv)
	o.release(epsv.TS.Add(zeekLiveHoldMax - time.Second))
	if got := lines(); len(got) != 2 {
		t.Fatalf("EPSV written before %v: %v", zeekLiveHoldMax, got)
	}
	o.release(epsv.TS.Add(zeekLiveHoldMax))
	if got := lines(); len(got) != 3 || got[2]["command"] != "EPSV" {
		t.Fatalf("EPSV not written at %v: %v", zeekLiveHoldMax, got)
	}

	// The session's last line is still held when a finding about the
	// PASV line (written) comes: it goes there, counted.
	quit := answered(4, "QUIT", "", 221, "Goodbye.")
	quit.TS = epsv.TS.Add(zeekLiveHoldMax + time.Second)
	o.Command(s, quit)
	o.Finding(&diagnose.Finding{Code: "data-unanswered", Session: s, Data: pending})
	o.SessionEnd(s)
	o.Summary(totals{})
	got = lines()
	if len(got) != 4 || got[3]["command"] != "QUIT" {
		t.Fatalf("at the session's end: want the QUIT line last, got %v", got)
	}
	if f, _ := got[3]["ftpsniff.findings"].([]any); len(f) != 1 || f[0] != "data-unanswered" {
		t.Errorf("the late finding is not on the last line: %v", got[3])
	}
	if !bytes.Contains(notes.Bytes(), []byte(`"findings_after_line":1`)) {
		t.Errorf("the late finding is not counted: %s", notes.String())
	}
	if o.held != 0 {
		t.Errorf("%d lines still counted as held", o.held)
	}
}

// TestZeekReadHoldsLinesToSessionEnd: read (holdFor 0) keeps a session's
// lines until its end, however much packet time passes, so that every
// finding goes on the line it concerns.
func TestZeekReadHoldsLinesToSessionEnd(t *testing.T) {
	var buf bytes.Buffer
	o := newZeekOutput(bufio.NewWriter(&buf), false, idOptions{})
	s := zeekTestSession()
	o.SessionStart(s)
	o.Command(s, answered(1, "USER", "ann", 331, "Please specify the password."))
	o.release(time.Unix(2e9, 0))
	if err := o.Flush(); err != nil || buf.Len() != 0 {
		t.Fatalf("read wrote a line before the session ended: %q (%v)", buf.String(), err)
	}
}
