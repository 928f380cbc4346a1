package extract

import (
	"slices"
	"strings"
	"testing"
)

// TestAPPENeverComplete guards the verdict on APPE: the file holds only
// the bytes appended to a remote file the capture never showed, so it is
// never the whole remote file. Before, it read complete.
func TestAPPENeverComplete(t *testing.T) {
	d, _ := openDir(t, Limits{})
	w, err := d.Create(Transfer{Session: 1, Data: 2, Verb: "APPE", Arg: "log.txt"})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("one more line\n"))
	rec, err := w.Close(Final{Announced: -1, Reply: 226})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Complete || !slices.Contains(rec.Reasons, "appended to the remote file; only the appended bytes") {
		t.Errorf("complete %v, reasons %q", rec.Complete, rec.Reasons)
	}
}

// TestTypeASizeExplainedByLineEnds guards TYPE A downloads whose wire
// size exceeds the announced (disk) size by no more than one CR per line
// feed: the conversion explains it, so it is a note, not a fault. Before,
// vsftpd's ASCII RETRs, whole on the wire, read "size mismatch".
func TestTypeASizeExplainedByLineEnds(t *testing.T) {
	wire := strings.Repeat("line of text\r\n", 300) // 300 lines: 4200 bytes on the wire
	note := "TYPE A: wire bytes, line ends converted; size differs from the announced disk size"
	for _, tc := range []struct {
		name      string
		announced int64
		ascii     bool
		complete  bool
		reason    string
	}{
		{"LF on disk, CR LF on the wire", 3900, true, true, note},
		{"more than the line ends explain", 3899, true, false, "size mismatch: announced 3899, got 4200"},
		{"smaller than announced", 4300, true, false, "size mismatch: announced 4300, got 4200"},
		{"binary: a mismatch stays one", 3900, false, false, "size mismatch: announced 3900, got 4200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := feed(t, Limits{}, []piece{{data: wire}}, Final{Announced: tc.announced, Reply: 226, ASCII: tc.ascii})
			if rec.Complete != tc.complete || !slices.Contains(rec.Reasons, tc.reason) {
				t.Errorf("complete %v, reasons %q; want %v with %q", rec.Complete, rec.Reasons, tc.complete, tc.reason)
			}
		})
	}
}

// TestHoleTakesNoFolderBudget guards the folder limit against holes: a
// hole is sparse, so it counts toward the file's size bound but not the
// folder's. Before, a few files with phantom holes of gigabytes filled
// the 10 GiB folder and real files were refused.
func TestHoleTakesNoFolderBudget(t *testing.T) {
	d, _ := openDir(t, Limits{MaxTotalBytes: 1000, MaxFileBytes: 1 << 30})
	for i := range 3 {
		w, err := d.Create(Transfer{Session: 1, Data: i + 1, Verb: "RETR", Arg: "holey"})
		if err != nil {
			t.Fatalf("file %d refused: %v", i+1, err)
		}
		w.Gap(0, 1<<20)
		w.Write([]byte("tail"))
		rec, err := w.Close(Final{Announced: -1, Reply: 226})
		if err != nil {
			t.Fatal(err)
		}
		if rec.Bytes != 1<<20+4 || rec.Truncated {
			t.Errorf("file %d: %d bytes, truncated %v", i+1, rec.Bytes, rec.Truncated)
		}
	}
	if st := d.Stats(); st.Bytes != 12 || st.HoleBytes != 3<<20 || st.RefusedFull != 0 || st.CutFull != 0 {
		t.Errorf("stats %+v: want 12 bytes written, 3 MiB of holes, nothing refused or cut", st)
	}
}

// TestConflictAndStartUnknownReasons guards the reasons a conflict and an
// unknown start give.
func TestConflictAndStartUnknownReasons(t *testing.T) {
	d, _ := openDir(t, Limits{})
	w, _ := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "f"})
	w.StartUnknown()
	w.Write([]byte("0123456789"))
	w.Conflict(4)
	w.Conflict(8)
	rec, _ := w.Close(Final{Announced: -1, Reply: 226})
	want := []string{"start not in the capture; offset unknown",
		"the capture holds two different versions of bytes at offset 4", "1 more places with two different versions"}
	if rec.Complete || !slices.Equal(rec.Reasons, want) {
		t.Errorf("complete %v, reasons %q; want %q", rec.Complete, rec.Reasons, want)
	}
}
