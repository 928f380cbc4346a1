package main

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/extract"
)

// TestTextFilesKeptPerSessionAndBounded guards what the text output keeps
// of extraction: each session's file records and skipped transfers apart,
// so that showing one session forgets its own without walking every other
// session's (16,000 skipped transfers of one long session while 16,000
// short ones ended: 20.7 s, quadratic), and at most maxFileLines per
// session, which its transcript could not show past anyway.
func TestTextFilesKeptPerSessionAndBounded(t *testing.T) {
	var b bytes.Buffer
	o := newTextOutput(bufio.NewWriter(&b), newPalette(false), false)
	long, short := &track.Session{ID: 1}, &track.Session{ID: 2}
	for i := range maxFileLines + 100 {
		d := &track.DataConn{ID: i, Session: long}
		o.FileSkipped(long, d, "bound")
		o.File(long, d, &extract.FileRecord{})
	}
	ds := &track.DataConn{ID: 1, Session: short}
	o.File(short, ds, &extract.FileRecord{})
	o.FileSkipped(short, ds, "bound")
	if n, m := len(o.files.recs[long]), len(o.files.skipped[long]); n > maxFileLines || m > maxFileLines {
		t.Errorf("kept %d records and %d skipped for one session, bound %d", n, m, maxFileLines)
	}
	o.forgetFiles(short)
	if o.files.recs[short] != nil || o.files.skipped[short] != nil {
		t.Error("the shown session's entries stayed")
	}
	if len(o.files.recs[long]) == 0 || len(o.files.skipped[long]) == 0 {
		t.Error("another session's entries went with it")
	}
}
