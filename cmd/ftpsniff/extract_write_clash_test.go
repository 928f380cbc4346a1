package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExtractWriteSamePathRefusedBeforeCreating guards `--extract D
// --write D` (however spelled, or through a link): one line saying the
// two flags name the same path, exit 2, and no folder created. Before,
// read created D and then failed "--write D is a directory"; live
// created it too.
func TestExtractWriteSamePathRefusedBeforeCreating(t *testing.T) {
	capFile := filepath.Join("..", "..", "pcaps", "real", "passive-curl.pcap")
	for _, tc := range []struct {
		name    string
		live    bool
		link    bool // D exists, and --write names a link to it
		dangle  bool // D does not exist yet, and --write names a relative link to it
		extract string
		write   string
	}{
		{name: "read", extract: "x", write: "x"},
		{name: "read other spelling", extract: "x/", write: "./y/../x"},
		{name: "read through a link", link: true, extract: "x", write: "l"},
		{name: "read through a link to a folder not made yet", dangle: true, extract: "x", write: "l"},
		{name: "live", live: true, extract: "x", write: "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			at := func(p string) string { return filepath.Join(base, p) }
			if tc.dangle {
				if err := os.Symlink("x", at("l")); err != nil {
					t.Fatal(err)
				}
			}
			if tc.link {
				if err := os.Mkdir(at("x"), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(at("x"), at("l")); err != nil {
					t.Fatal(err)
				}
			}
			args := []string{"read", "--extract", at(tc.extract), "--write", base + "/" + tc.write, capFile}
			if tc.live {
				// --duration bounds the capture a regression would start.
				args = []string{"live", "-i", "lo", "--duration", "1s", "--extract", at(tc.extract), "--write", at(tc.write)}
			}
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			msg := stderr.String()
			if code != exitError || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "name the same path") {
				t.Errorf("exit %d, stderr %q; want exit %d and one line saying the flags name the same path", code, msg, exitError)
			}
			if stdout.Len() != 0 {
				t.Errorf("output written:\n%s", stdout.String())
			}
			if !tc.link {
				if _, err := os.Lstat(at("x")); err == nil {
					t.Error("the refused command created the folder")
				}
			}
		})
	}
}
