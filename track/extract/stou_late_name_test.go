package extract

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestSTOUNameFromFinalReply guards an STOU without argument whose name
// the server gives only in the final reply (wu-ftpd: "250 … (unique file
// name:X)"), after the file was created under the fallback name: the
// record carries the wire name and the file is renamed to its safe form,
// without replacing a name already taken (a file, a dangling link).
func TestSTOUNameFromFinalReply(t *testing.T) {
	const final = "Transfer complete (unique file name:/tmp/x/../../.bashrc)"
	cases := []struct {
		name    string
		planted map[string]string // name -> "file" or "link"
		replies []string
		file    string
		path    string
	}{
		{"renamed", nil, []string{"Opening data connection", final}, "s1-d2-bashrc", "/tmp/x/../../.bashrc"},
		{"taken by a file", map[string]string{"s1-d2-bashrc": "file"}, []string{final}, "s1-d2-bashrc-2", "/tmp/x/../../.bashrc"},
		{"taken by a dangling link", map[string]string{"s1-d2-bashrc": "link"}, []string{final}, "s1-d2-bashrc-2", "/tmp/x/../../.bashrc"},
		{"hostile name made safe", nil, []string{"Transfer complete (unique file name:a\x1b[31m\u202e/..\\evil\x00.sh)"}, "s1-d2-evil_.sh", "a\x1b[31m\u202e/..\\evil\x00.sh"},
		{"no name given", nil, []string{"Transfer complete"}, "s1-d2-file", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, dir := openDir(t, Limits{})
			for n, kind := range c.planted {
				p := filepath.Join(dir, n)
				var err error
				if kind == "link" {
					err = os.Symlink(filepath.Join(dir, "nowhere"), p)
				} else {
					err = os.WriteFile(p, []byte("planted"), 0o600)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			w, err := d.Create(Transfer{Session: 1, Data: 2, Verb: "STOU", Replies: []string{"Opening data connection"}})
			if err != nil {
				t.Fatal(err)
			}
			if w.Name() != "s1-d2-file"+PartSuffix {
				t.Fatalf("created as %q, want the fallback s1-d2-file.part", w.Name())
			}
			if _, err := w.Write([]byte("payload")); err != nil {
				t.Fatal(err)
			}
			rec, err := w.Close(Final{Announced: -1, Reply: 250, Replies: c.replies})
			if err != nil {
				t.Fatal(err)
			}
			if rec.File != c.file || rec.Path != c.path {
				t.Errorf("file %q path %q, want %q %q", rec.File, rec.Path, c.file, c.path)
			}
			if got, err := os.ReadFile(filepath.Join(dir, rec.File)); err != nil || string(got) != "payload" {
				t.Errorf("%s holds %q (%v)", rec.File, got, err)
			}
			ents, _ := os.ReadDir(dir)
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			want := []string{rec.File}
			for n := range c.planted {
				want = append(want, n)
			}
			slices.Sort(want)
			if !slices.Equal(names, want) {
				t.Errorf("folder holds %q, want %q", names, want)
			}
			if _, err := os.Lstat(filepath.Join(dir, "nowhere")); err == nil {
				t.Error("a dangling link's target was created")
			}
			for n, kind := range c.planted {
				if kind == "file" {
					if got, _ := os.ReadFile(filepath.Join(dir, n)); string(got) != "planted" {
						t.Errorf("planted %s now holds %q", n, got)
					}
				}
			}
		})
	}
}
