package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadOverlappingInputsInSummaries: the same capture under a second
// name, read after it, overlaps it by its whole span; the JSON summary
// record names both files (input_overlaps), and the report's header says
// so; one file alone has neither. Regression: only stderr said it while
// every count was doubled (read --json P drop23.pcap: "sessions":20000).
func TestReadOverlappingInputsInSummaries(t *testing.T) {
	f := viewRealDir + "pasv-drop.pcap"
	raw, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	copyName := filepath.Join(t.TempDir(), "copy.pcap")
	if err := os.WriteFile(copyName, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		files []string
		want  bool
	}{{[]string{f, copyName}, true}, {[]string{f}, false}} {
		for _, args := range [][]string{{"--json"}, {"--json", "--min-severity", "error"}} {
			var stdout, stderr bytes.Buffer
			run(append(append([]string{"read"}, args...), c.files...), &stdout, &stderr)
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			var sum struct {
				Overlaps []struct {
					File, Previous string
					OverlapMS      float64 `json:"overlap_ms"`
				} `json:"input_overlaps"`
			}
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
				t.Fatal(err)
			}
			got := len(sum.Overlaps) == 1 && sum.Overlaps[0].File == copyName && sum.Overlaps[0].Previous == f && sum.Overlaps[0].OverlapMS > 0
			if got != c.want || (!c.want && len(sum.Overlaps) > 0) {
				t.Errorf("%v %v: input_overlaps %+v, want one: %v", args, c.files, sum.Overlaps, c.want)
			}
		}
		page, _, _ := runReport(t, append([]string{"--color", "never"}, c.files...)...)
		head, _, _ := strings.Cut(page, "</header>")
		if got := strings.Contains(head, "inputs overlap in time") && strings.Contains(head, "copy.pcap starts"); got != c.want {
			t.Errorf("%v: report header says the overlap: %v, want %v", c.files, got, c.want)
		}
	}
}
