package extract

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestGapIsSparse guards that a gap is a hole, not written zeros.
func TestGapIsSparse(t *testing.T) {
	d, dir := openDir(t, Limits{})
	w, _ := d.Create(Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "holey"})
	w.Write([]byte("a"))
	w.Gap(1, 64<<20)
	w.Write([]byte("b"))
	rec, err := w.Close(Final{Announced: -1, Reply: 226})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, rec.File))
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Size() != 64<<20+2 || st.Blocks*512 > 16<<20 {
		t.Errorf("size %d, %d bytes allocated", fi.Size(), st.Blocks*512)
	}
}
