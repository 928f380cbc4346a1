package extract

import (
	"errors"
	"os"
	"testing"
)

// TestDiscardLeavesNothing: a file discarded (holes alone: nothing the
// capture delivered) leaves no name in the folder, and the folder counts
// it no more than a file never created: not in Stats, nor against the
// folder bound, so the next file has the room.
func TestDiscardLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	d, err := Open(dir, Limits{MaxTotalBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w, err := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "report.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Gap(0, 4096); err != nil {
		t.Fatal(err)
	}
	if w.Received() != 0 || w.Offset() != 4096 {
		t.Fatalf("received %d of %d", w.Received(), w.Offset())
	}
	if err := w.Discard(); err != nil {
		t.Fatal(err)
	}
	if err := w.Discard(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Discard: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("the folder holds %v", ents)
	}
	if st := d.Stats(); st.Files != 0 || st.Open != 0 || st.HoleBytes != 0 || st.Bytes != 0 {
		t.Errorf("stats %+v", st)
	}
	w2, err := d.Create(Transfer{Session: 1, Data: 2, Verb: "RETR", Arg: "b.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w2.Write(make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	rec, err := w2.Close(Final{Reply: 226, Announced: -1})
	if err != nil || rec.Bytes != 4096 || rec.Truncated {
		t.Errorf("the next file: %d bytes, truncated %v, %v (the discarded one's room not given back)", rec.Bytes, rec.Truncated, err)
	}
}
