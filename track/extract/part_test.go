package extract

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// folderNames lists the names in dir, sorted.
func folderNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// TestFileIsPartUntilClosed guards a file while it is written: it is
// "NAME.part" until Close, which gives it NAME, so a run killed before
// (kill -9, a crash) leaves a .part file, never a truncated NAME that
// looks finished, and a closed one leaves no .part. Neither a NAME nor a
// NAME.part already in the folder (a file, a dangling link, another
// run's unfinished file), nor a NAME taken while the file was written,
// is replaced: a counter goes before the extension. Before, the file was
// created as NAME at the first byte.
func TestFileIsPartUntilClosed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		planted []string // before Create
		later   []string // after Create, before Close
		part    string   // the file while written
		final   string   // its record's file
	}{
		{"free", nil, nil, "s1-d2-a.txt.part", "s1-d2-a.txt"},
		{"name taken", []string{"s1-d2-a.txt"}, nil, "s1-d2-a-2.txt.part", "s1-d2-a-2.txt"},
		{"part taken (an earlier run killed)", []string{"s1-d2-a.txt.part"}, nil, "s1-d2-a-2.txt.part", "s1-d2-a-2.txt"},
		{"dangling link on the name", []string{"link:s1-d2-a.txt"}, nil, "s1-d2-a-2.txt.part", "s1-d2-a-2.txt"},
		{"name taken while written", nil, []string{"s1-d2-a.txt"}, "s1-d2-a.txt.part", "s1-d2-a-2.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, dir := openDir(t, Limits{})
			plant := func(names []string) {
				for _, n := range names {
					var err error
					if l, ok := strings.CutPrefix(n, "link:"); ok {
						err = os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, l))
					} else {
						err = os.WriteFile(filepath.Join(dir, n), []byte("planted"), 0o600)
					}
					if err != nil {
						t.Fatal(err)
					}
				}
			}
			plant(tc.planted)
			w, err := d.Create(Transfer{Session: 1, Data: 2, Verb: "RETR", Arg: "a.txt"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte("payload")); err != nil {
				t.Fatal(err)
			}
			plant(tc.later)
			// Killed here: the folder holds the .part, not the name.
			mid := folderNames(t, dir)
			if !slices.Contains(mid, tc.part) || slices.Contains(mid, tc.final) && !slices.Contains(tc.later, tc.final) {
				t.Errorf("while written the folder holds %q; want %s, not %s", mid, tc.part, tc.final)
			}
			rec, err := w.Close(Final{Announced: -1, Reply: 226})
			if err != nil {
				t.Fatal(err)
			}
			if rec.File != tc.final {
				t.Errorf("record's file %q, want %q", rec.File, tc.final)
			}
			if got, err := os.ReadFile(filepath.Join(dir, rec.File)); err != nil || string(got) != "payload" {
				t.Errorf("%s holds %q (%v)", rec.File, got, err)
			}
			after := folderNames(t, dir)
			want := []string{tc.final}
			for _, n := range append(tc.planted, tc.later...) {
				l, _ := strings.CutPrefix(n, "link:")
				want = append(want, l)
			}
			slices.Sort(want)
			if !slices.Equal(after, want) {
				t.Errorf("closed, the folder holds %q; want %q (no .part left, nothing replaced)", after, want)
			}
			for _, n := range append(tc.planted, tc.later...) {
				if _, ok := strings.CutPrefix(n, "link:"); !ok {
					if got, _ := os.ReadFile(filepath.Join(dir, n)); string(got) != "planted" {
						t.Errorf("planted %s now holds %q", n, got)
					}
				}
			}
		})
	}
}
