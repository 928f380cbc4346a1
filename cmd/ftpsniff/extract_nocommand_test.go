package main

import (
	"path/filepath"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/extract"
)

// TestExtractCountsTransferEndedBeforeItsCommand guards a data connection
// whose bytes came, and which ended, before any transfer command was
// linked to it (a two-interface capture whose clocks disagree writes a
// small transfer whole before its 227 and RETR): no file is made, and it
// is counted as bytes before their command, not left out in silence.
func TestExtractCountsTransferEndedBeforeItsCommand(t *testing.T) {
	d, err := extract.Open(filepath.Join(t.TempDir(), "x"), extract.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	x := newExtractor(nopSink{}, d, false)
	s := &track.Session{ID: 1}
	dc := &track.DataConn{ID: 1, Session: s, Passive: true, Outcome: track.OutcomeTransferred, Bytes: [2]int64{0, 6000}}
	x.Data(s, dc)
	if x.st.NoCommand != 1 {
		t.Errorf("NoCommand = %d, want 1", x.st.NoCommand)
	}
}
