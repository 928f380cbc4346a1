package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/extract"
)

// TestExtractKilledRunLeavesPart guards what a run killed midway leaves
// (live --extract, kill -9): the file of a transfer still going on is
// "NAME.part", never NAME, which would look finished. Once the run ends
// the way it does at SIGINT, SIGTERM or the capture's end (every file
// still open closed: finishExtract), the file has its name, its record
// names it and says it is not complete, and no .part is left. Before,
// the file was NAME from its first byte.
func TestExtractKilledRunLeavesPart(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	s.data.handshake()
	s.cmd("RETR report.txt")
	s.reply("150 Opening BINARY mode data connection for report.txt (90000 bytes).")
	s.data.segments(wireBody(70000), nil) // more than a file's buffer: on disk

	out := filepath.Join(t.TempDir(), "x")
	d, err := extract.Open(out, extract.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	x := newExtractor(nopSink{}, d, false)
	rec := &fileRecorder{}
	x.out = rec
	dec := decode.New(track.New(x, track.Options{}), decode.Options{DataPayload: true})
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		dec.Decode(b, ci, r.LinkType())
	}
	names := func() []string {
		ents, err := os.ReadDir(out)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, e := range ents {
			n = append(n, e.Name())
		}
		return n
	}
	// Killed here.
	if got := names(); !slices.Equal(got, []string{"s1-d1-report.txt.part"}) {
		t.Errorf("mid-transfer the folder holds %q; want only s1-d1-report.txt.part", got)
	}
	dec.Finish()
	(&pipeline{ext: x, dec: dec}).finishExtract()
	if got := names(); !slices.Equal(got, []string{"s1-d1-report.txt"}) {
		t.Errorf("after the run the folder holds %q; want only s1-d1-report.txt", got)
	}
	if len(rec.recs) != 1 || rec.recs[0].File != "s1-d1-report.txt" || rec.recs[0].Complete || rec.recs[0].Bytes != 70000 {
		t.Errorf("records %+v; want one of s1-d1-report.txt, 70000 bytes, not complete", rec.recs)
	}
}
