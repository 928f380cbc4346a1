package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// liveExtractCapture is one download of 3000 bytes, RETR report.bin.
func liveExtractCapture(t *testing.T) []byte {
	c, path := newWireCap(t)
	s := newWireSession(c)
	k := &s.data
	k.handshake()
	s.cmd("RETR report.bin")
	s.reply("150 Opening BINARY mode data connection for report.bin (3000 bytes).")
	k.segments(wireBody(3000), nil)
	k.closeFromB()
	s.reply("226 Transfer complete.")
	s.quit()
	c.w = nil
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLiveTextShowsExtractedFiles: `live --extract DIR` in text shows each
// file under its session, as docs/extraction.md says, and a file that
// could not be created (the folder gone, say) in one line, counted in the
// summary. Before, live's text stream showed neither: it had no File,
// and a create that failed for every transfer was silent.
func TestLiveTextShowsExtractedFiles(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		remove     bool
	}{
		{"written", "file s1-d1-report.bin  3000 bytes  sha256 ", false},
		{"folder gone", "file not written for data connection 1: ", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := liveExtractCapture(t)
			opts := &liveOptions{UnansweredWait: 10 * time.Second}
			dir := filepath.Join(t.TempDir(), "files")
			opts.analysisOptions = analysisOptions{Color: "never", MaxLine: 4096, FailOn: "never"}
			opts.ExtractDir, opts.ExtractMaxOpen, opts.ExtractMaxFile, opts.ExtractMaxTotal = dir, 8, 1<<20, 1<<20
			if err := opts.analysisOptions.validate(); err != nil {
				t.Fatal(err)
			}
			if tc.remove {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
			}
			out := runOneOn(t, data, opts)
			var line string
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, tc.want) {
					line = l
				}
			}
			if !strings.HasPrefix(line, "[1]") {
				t.Errorf("no [1] line with %q:\n%s", tc.want, out)
			}
			if !strings.Contains(out, "extract") {
				t.Errorf("no extraction summary:\n%s", out)
			}
		})
	}
}

// TestLiveExtractRefusesWorkers: `live --workers 2 --extract DIR` wrote no
// file and said nothing (the workers' trackers report to no extractor);
// it is refused before the folder is made.
func TestLiveExtractRefusesWorkers(t *testing.T) {
	for _, workers := range []int{1, 2} {
		dir := filepath.Join(t.TempDir(), "files")
		o := &liveOptions{Interfaces: []string{"eth0"}, Workers: workers, BufferMiB: 4, UnansweredWait: 10 * time.Second}
		o.analysisOptions = analysisOptions{Color: "never", MaxLine: 4096, FailOn: "never"}
		o.ExtractDir, o.ExtractMaxOpen, o.ExtractMaxFile, o.ExtractMaxTotal = dir, 8, 1<<20, 1<<20
		err := o.validate()
		_, statErr := os.Stat(dir)
		switch {
		case workers == 1 && err != nil:
			t.Errorf("one worker: %v", err)
		case workers > 1 && (err == nil || statErr == nil):
			t.Errorf("%d workers: error %v, folder made %v; want refused, no folder", workers, err, statErr == nil)
		}
		if o.extractDir != nil {
			o.extractDir.Close()
		}
	}
}
