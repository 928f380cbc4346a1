package extract

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestReclaimRemovedFiles: MaxTotalBytes (and MaxFiles) bound what a
// Dir has in its folder: once the admin removes a file it wrote (or
// truncates it), Reclaim counts it back and new files are written again;
// a file still there stays counted. Before, the bound was over the
// process's life: a live capture refused every file after 10 GiB until
// restarted, whatever was deleted.
func TestReclaimRemovedFiles(t *testing.T) {
	for _, tc := range []struct {
		name       string
		lim        Limits
		change     func(t *testing.T, path string)
		wantFiles  int64
		wantBytes  int64
		writeAfter bool
	}{
		{"removed", Limits{MaxTotalBytes: 15}, func(t *testing.T, p string) { mustDo(t, os.Remove(p)) }, 1, 10, true},
		{"truncated", Limits{MaxTotalBytes: 15}, func(t *testing.T, p string) { mustDo(t, os.Truncate(p, 4)) }, 0, 6, true},
		{"kept", Limits{MaxTotalBytes: 15}, func(*testing.T, string) {}, 0, 0, false},
		{"files bound", Limits{MaxFiles: 2}, func(t *testing.T, p string) { mustDo(t, os.Remove(p)) }, 1, 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, dir := openDir(t, tc.lim)
			d.KeepClosed() // as live does
			a := write(t, d, Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "a"}, "0123456789")
			write(t, d, Transfer{Session: 1, Data: 2, Verb: "RETR", Arg: "b"}, "01234")
			if _, err := d.Create(Transfer{Session: 1, Data: 3, Verb: "RETR", Arg: "c"}); !errors.Is(err, ErrFolderFull) && !errors.Is(err, ErrTooManyFiles) {
				t.Fatalf("Create before: %v, want a bound", err)
			}
			if !d.RefusedSince() {
				t.Error("RefusedSince false after a refusal")
			}
			tc.change(t, filepath.Join(dir, a.File))
			files, bytes := d.Reclaim()
			if files != tc.wantFiles || bytes != tc.wantBytes {
				t.Errorf("Reclaim: %d files %d bytes, want %d, %d", files, bytes, tc.wantFiles, tc.wantBytes)
			}
			if d.RefusedSince() {
				t.Error("RefusedSince true right after Reclaim")
			}
			w, err := d.Create(Transfer{Session: 1, Data: 4, Verb: "RETR", Arg: "d"})
			if (err == nil) != tc.writeAfter {
				t.Fatalf("Create after: %v, want written %v", err, tc.writeAfter)
			}
			if w != nil {
				w.Write([]byte("xyz"))
				w.Close(Final{Announced: -1, Reply: 226})
			}
			if again, _ := d.Reclaim(); again != 0 {
				t.Errorf("a second Reclaim gave back %d files more", again)
			}
			if st := d.Stats(); st.Reclaimed != tc.wantFiles || st.ReclaimedBytes != tc.wantBytes {
				t.Errorf("stats reclaimed %d, %d bytes; want %d, %d", st.Reclaimed, st.ReclaimedBytes, tc.wantFiles, tc.wantBytes)
			}
		})
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
