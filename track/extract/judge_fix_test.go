package extract

import (
	"errors"
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
// feed: the conversion explains it, not a "size mismatch" (before,
// vsftpd's ASCII RETRs, whole on the wire, read so); yet the file is the
// wire form, not the server's, so not complete (TestTypeAWireProves).
func TestTypeASizeExplainedByLineEnds(t *testing.T) {
	wire := strings.Repeat("line of text\r\n", 300) // 300 lines: 4200 bytes on the wire
	note := "line ends converted: the server's file is 3900 bytes (announced), 4200 on the wire: the hashes are the wire form's, not the server file's"
	for _, tc := range []struct {
		name      string
		announced int64
		ascii     bool
		complete  bool
		reason    string
	}{
		{"LF on disk, CR LF on the wire", 3900, true, false, note},
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

// TestHoleCountsAgainstFolderBudget guards the folder limit against
// holes: a hole takes no disk, but each of its bytes is hashed and reads
// back from the file, so it counts toward the folder's bound like written
// bytes (and Stats.HoleBytes counts it). Before, holes were bounded by
// the file's size only: 16 transfers of a few bytes 15 MiB apart took
// 45 s of hashing and 17 GB of apparent size against a 10 GiB folder.
func TestHoleCountsAgainstFolderBudget(t *testing.T) {
	d, _ := openDir(t, Limits{MaxTotalBytes: 1<<20 + 100, MaxFileBytes: 1 << 30})
	w, err := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "holey"})
	if err != nil {
		t.Fatal(err)
	}
	w.Gap(0, 1<<20)
	w.Write([]byte("tail"))
	if rec, _ := w.Close(Final{Announced: -1, Reply: 226}); rec.Bytes != 1<<20+4 || rec.Truncated {
		t.Errorf("file 1: %d bytes, truncated %v; want %d, not truncated", rec.Bytes, rec.Truncated, 1<<20+4)
	}
	w, err = d.Create(Transfer{Session: 1, Data: 2, Verb: "RETR", Arg: "holey"})
	if err != nil {
		t.Fatal(err)
	}
	w.Gap(0, 1<<20) // 96 bytes of room left: cut there
	w.Write([]byte("tail"))
	if rec, _ := w.Close(Final{Announced: -1, Reply: 226}); rec.Bytes != 96 || !rec.Truncated {
		t.Errorf("file 2: %d bytes, truncated %v; want 96, truncated", rec.Bytes, rec.Truncated)
	}
	if _, err := d.Create(Transfer{Session: 1, Data: 3, Verb: "RETR", Arg: "holey"}); !errors.Is(err, ErrFolderFull) {
		t.Errorf("file 3: %v, want ErrFolderFull", err)
	}
	if st := d.Stats(); st.Bytes != 4 || st.HoleBytes != 1<<20+96 || st.CutFull != 1 || st.RefusedFull != 1 {
		t.Errorf("stats %+v: want 4 bytes written, 1 MiB + 96 of holes, one file cut, one refused", st)
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
