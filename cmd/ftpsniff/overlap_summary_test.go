package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOverlapNoteReturnsOverlap: overlapNote says an overlap on stderr
// and returns it for the summaries; inputs one after the other in time
// (or without a time) give none.
func TestOverlapNoteReturnsOverlap(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		prev     string
		prevLast time.Time
		cur      timedInput
		want     time.Duration // 0: no overlap
	}{
		{"overlap", "a.pcap", t0.Add(2 * time.Hour), timedInput{"b.pcap", t0}, 2 * time.Hour},
		{"after", "a.pcap", t0, timedInput{"b.pcap", t0.Add(time.Second)}, 0},
		{"same instant", "a.pcap", t0, timedInput{"b.pcap", t0}, 0},
		{"first input", "", time.Time{}, timedInput{"b.pcap", t0}, 0},
		{"no time", "a.pcap", t0.Add(time.Hour), timedInput{"b.pcap", time.Time{}}, 0},
	} {
		var stderr bytes.Buffer
		ov, ok := overlapNote(&stderr, c.prev, c.prevLast, c.cur)
		if ok != (c.want > 0) || (ok && (ov.Overlap() != c.want || ov.File != "b.pcap" || ov.Previous != "a.pcap")) {
			t.Errorf("%s: %+v %v, want an overlap of %v", c.name, ov, ok, c.want)
		}
		if (stderr.Len() > 0) != ok {
			t.Errorf("%s: stderr %q with overlap %v", c.name, stderr.String(), ok)
		}
	}
}

// TestOverlapInSummaries: an overlap of the inputs reaches the JSON
// summary record (input_overlaps: which files, by how much; a name not
// UTF-8 also raw) through the record filter, and the report's header
// beside it. Regression: overlapping inputs doubled every count and only
// stderr said so (read --json P drop23.pcap: "sessions":20000, no
// caveat; grep -c overlap ov.html → 0).
func TestOverlapInSummaries(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	ov := inputOverlap{File: "drop23\xff.pcap", Previous: "<day>.pcap", Starts: t0, PreviousEnds: t0.Add(2*time.Hour + 1500*time.Microsecond)}
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	js := newJSONOutput(bw, false)
	path := filepath.Join(t.TempDir(), "r.html")
	var out output = &reportTee{output: &recordFilter{out: js, minSev: 1}, rep: newReportOutput(path, 10, false, nil, []string{"<day>.pcap", "drop23\xff.pcap"})}
	tellOverlap(out, ov)
	out.Summary(totals{})
	if err := out.Flush(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var sum struct {
		Type     string `json:"type"`
		Overlaps []struct {
			File         string  `json:"file"`
			FileRaw      []byte  `json:"file_raw"`
			Starts       string  `json:"starts"`
			Previous     string  `json:"previous"`
			PreviousEnds string  `json:"previous_ends"`
			OverlapMS    float64 `json:"overlap_ms"`
		} `json:"input_overlaps"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil || sum.Type != "summary" {
		t.Fatalf("summary %q: %v", lines[len(lines)-1], err)
	}
	if len(sum.Overlaps) != 1 {
		t.Fatalf("input_overlaps %+v, want one: %s", sum.Overlaps, lines[len(lines)-1])
	}
	o := sum.Overlaps[0]
	if string(o.FileRaw) != ov.File || o.Previous != "<day>.pcap" || o.OverlapMS != 7200001.5 ||
		o.Starts != "2026-01-05T09:00:00Z" || o.PreviousEnds != "2026-01-05T11:00:00.0015Z" {
		t.Errorf("input_overlaps[0] = %+v", o)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	checkWellFormed(t, page)
	head, _, _ := strings.Cut(page, "</header>")
	for _, want := range []string{"inputs overlap in time", `drop23\xff.pcap starts 2h0m0.002s before &lt;day&gt;.pcap ends`} {
		if !strings.Contains(head, want) {
			t.Errorf("report header lacks %q:\n%s", want, head)
		}
	}
}

// TestOverlapListBound: an output keeps maxInputOverlaps overlaps and
// counts the rest; the JSON summary says how many more.
func TestOverlapListBound(t *testing.T) {
	js := newJSONOutput(bufio.NewWriter(io.Discard), false)
	for range maxInputOverlaps + 3 {
		tellOverlap(js, inputOverlap{File: "b", Previous: "a"})
	}
	if len(js.overlaps.list) != maxInputOverlaps || js.overlaps.more != 3 {
		t.Errorf("kept %d, more %d; want %d and 3", len(js.overlaps.list), js.overlaps.more, maxInputOverlaps)
	}
}
