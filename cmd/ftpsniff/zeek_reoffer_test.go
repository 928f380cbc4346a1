package main

import (
	"bufio"
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestZeekRefusedTransferGivesItsDataOn: a RETR refused with 550 before
// it used the data connection gives it on to the LIST after it (track's
// reoffer). The RETR's line, written with the connection tied to it, must
// not carry it once it is reported as the LIST's: before, both lines said
// data 1, transferred.
func TestZeekRefusedTransferGivesItsDataOn(t *testing.T) {
	s := zeekTestSession()
	d := &track.DataConn{ID: 1, Session: s, Passive: true, Announced: netip.MustParseAddrPort("10.1.0.1:40000"),
		Client: netip.MustParseAddrPort("10.1.0.2:50000"), Server: netip.MustParseAddrPort("10.1.0.1:40000")}
	retr := answered(1, "RETR", "docs", 550, "Access is denied.")
	retr.Transfer = []*track.DataConn{d} // as tied when sent
	list := answered(2, "LIST", "", 226, "Transfer complete.")
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	o := newZeekOutput(bw, false, idOptions{})
	o.SessionStart(s)
	o.Command(s, retr)
	retr.Transfer = nil // given on
	list.Transfer = []*track.DataConn{d}
	d.Command, d.Done, d.Outcome, d.End = list, true, track.OutcomeTransferred, time.Unix(1e9+3, 0)
	o.Command(s, list)
	o.Data(s, d)
	o.SessionEnd(s)
	o.Summary(totals{})
	if err := o.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := jsonLines(t, "zeek", buf.Bytes())
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2: %v", len(lines), lines)
	}
	for _, l := range lines {
		_, has := l["ftpsniff.data"]
		if want := l["command"] == "LIST"; has != want {
			t.Errorf("%v line: ftpsniff.data present %v, want %v (%v)", l["command"], has, want, l)
		}
	}
}
