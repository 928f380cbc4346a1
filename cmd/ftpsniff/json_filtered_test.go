package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// summaryOf writes the JSON summary of an output that saw nothing but
// what the packet filters left out, and returns the line.
func summaryOf(t *testing.T, filtered uint64, desc string) []byte {
	t.Helper()
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	o := newJSONOutput(bw, false)
	o.Summary(totals{Filtered: packetsFiltered{Packets: filtered, By: desc}})
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// TestJSONSummaryCountsFilteredPackets guards the summary's "filtered"
// object: the text summary says "filter: 30 packets left out by --host
// 10.99.0.99", and a script reading --json must learn the same (before,
// the JSON summary had no field for it).
func TestJSONSummaryCountsFilteredPackets(t *testing.T) {
	line := summaryOf(t, 30, "--host 10.99.0.99 --net 192.0.2.0/24")
	var rec struct {
		Type     string `json:"type"`
		Filtered *struct {
			Packets *uint64 `json:"packets"`
			By      *string `json:"by"`
		} `json:"filtered"`
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	if rec.Type != "summary" || rec.Filtered == nil || rec.Filtered.Packets == nil || rec.Filtered.By == nil {
		t.Fatalf("summary without the filtered packets and filters: %s", line)
	}
	if *rec.Filtered.Packets != 30 || *rec.Filtered.By != "--host 10.99.0.99 --net 192.0.2.0/24" {
		t.Errorf("filtered = %d by %q, want 30 by \"--host 10.99.0.99 --net 192.0.2.0/24\"", *rec.Filtered.Packets, *rec.Filtered.By)
	}
}

// TestJSONSummaryFilterGivenButNothingLeftOut: a filter that kept every
// packet is still said (0 packets), so the record shows the analysis ran
// behind a filter; without a filter there is no "filtered" object.
func TestJSONSummaryFilterGivenButNothingLeftOut(t *testing.T) {
	if line := summaryOf(t, 0, "--filter-ports"); !bytes.Contains(line, []byte(`"filtered":{"packets":0,"by":"--filter-ports"}`)) {
		t.Errorf("a filter that left nothing out is not said: %s", line)
	}
	if line := summaryOf(t, 0, ""); bytes.Contains(line, []byte(`"filtered"`)) {
		t.Errorf("no filter given, but the summary has a filtered object: %s", line)
	}
}

// TestJSONSummaryFilterDescriptionIsInert: the description is a string
// of the record like any other, escaped so that a terminal showing the
// line raw interprets nothing, and it decodes back whole.
func TestJSONSummaryFilterDescriptionIsInert(t *testing.T) {
	desc := "--host \x1b[31m\u202eevil\u0085"
	line := summaryOf(t, 2, desc)
	for _, bad := range []string{"\x1b", "\u202e", "\u0085"} {
		if bytes.Contains(line, []byte(bad)) {
			t.Errorf("raw %q in the summary line: %q", bad, line)
		}
	}
	var rec struct {
		Filtered struct {
			By string `json:"by"`
		} `json:"filtered"`
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	if rec.Filtered.By != desc {
		t.Errorf("by = %q, want %q", rec.Filtered.By, desc)
	}
	if !strings.Contains(string(line), `\u001b`) {
		t.Errorf("the escape is not escaped: %q", line)
	}
}
