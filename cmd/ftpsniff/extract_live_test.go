package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/extract"
)

// TestLiveExtractFolderFreed: live --extract past --extract-max-total,
// then the admin removes the files: the capture counts them back and
// writes files again, on SIGHUP at once, and by itself at most a minute
// (60 housekeeping seconds) after a bound refused a file; the metrics
// show the folder's files, the refusals by reason and what it holds now.
// Before, the bound was over the process's life: "file not written: the
// folder limit was reached" for every file until a restart, and the
// metrics had no extraction series.
func TestLiveExtractFolderFreed(t *testing.T) {
	for _, asked := range []bool{false, true} {
		name := "by itself"
		if asked {
			name = "SIGHUP"
		}
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "files")
			d, err := extract.Open(dir, extract.Limits{MaxTotalBytes: 10})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			d.KeepClosed() // as runLive does
			p := &pipeline{ext: newExtractor(nil, d, false)}
			w, err := d.Create(extract.Transfer{Session: 1, Data: 1, Verb: "RETR", Arg: "a"})
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte("0123456789"))
			rec, _ := w.Close(extract.Final{Announced: -1, Reply: 226})
			if _, err := d.Create(extract.Transfer{Session: 1, Data: 2, Verb: "RETR", Arg: "b"}); !errors.Is(err, extract.ErrFolderFull) {
				t.Fatalf("Create: %v, want the folder full", err)
			}
			m := newMetrics(10)
			m.snap.update(snapshot{Extract: p.extractCounts()})
			for _, c := range []struct{ series, label, want string }{
				{"ftpsniff_extract_files_total", "", "1"},
				{"ftpsniff_extract_bytes_total", "", "10"},
				{"ftpsniff_extract_folder_bytes", "", "10"},
				{"ftpsniff_extract_files_not_written_total", "reason=full", "1"},
				{"ftpsniff_extract_files_not_written_total", "reason=error", "0"},
			} {
				var labels []string
				if c.label != "" {
					labels = append(labels, c.label)
				}
				if got := metricValue(t, m, c.series, labels...); got != c.want {
					t.Errorf("%s{%s} = %q, want %s", c.series, c.label, got, c.want)
				}
			}
			if err := os.Remove(filepath.Join(dir, rec.File)); err != nil {
				t.Fatal(err)
			}
			var said []string
			say := func(l string) { said = append(said, l) }
			var r extractReclaimer
			seconds := 1
			if !asked {
				for range reclaimEvery - 1 {
					r.second(p, false, say)
				}
				if d.Held() != 10 || len(said) > 0 {
					t.Fatalf("before a minute: held %d, said %q", d.Held(), said)
				}
				seconds = reclaimEvery
			}
			r.second(p, asked, say)
			if d.Held() != 0 || len(said) != 1 || !strings.Contains(said[0], "1 file (10 bytes)") {
				t.Fatalf("after %d s: held %d, said %q", seconds, d.Held(), said)
			}
			if _, err := d.Create(extract.Transfer{Session: 1, Data: 3, Verb: "RETR", Arg: "c"}); err != nil {
				t.Errorf("Create after the folder was freed: %v", err)
			}
			m.snap.update(snapshot{Extract: p.extractCounts()})
			if got := metricValue(t, m, "ftpsniff_extract_files_reclaimed_total"); got != "1" {
				t.Errorf("ftpsniff_extract_files_reclaimed_total %q, want 1", got)
			}
		})
	}
}
