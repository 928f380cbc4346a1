package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJSONSummaryFilteredFromTheRun: `read --json --host` writes in the
// summary the count the text summary prints ("filter: 30 packets left
// out by --host 10.99.0.99"), at one worker and two, and also when a
// selection (--session, --server, --min-severity) wraps the JSON output:
// the count reached the outputs by their type, and a wrapped one lost it.
func TestJSONSummaryFilteredFromTheRun(t *testing.T) {
	for _, extra := range [][]string{
		{"--workers", "1"},
		{"--workers", "2"},
		{"--session", "1"},
		{"--server", "10.99.0.1"},
		{"--min-severity", "warning"},
	} {
		args := append([]string{"read", "--json", "--host", "10.99.0.99"}, extra...)
		sums := ofType(jsonRecords(t, append(args, viewRealDir+"pasv-drop.pcap")...), "summary")
		if len(sums) != 1 {
			t.Fatalf("%q: %d summary records, want 1", extra, len(sums))
		}
		f, ok := sums[0]["filtered"].(map[string]any)
		if !ok || f["packets"] != float64(30) || f["by"] != "--host 10.99.0.99" {
			t.Errorf("%q: summary filtered = %v, want 30 packets by --host 10.99.0.99", extra, sums[0]["filtered"])
		}
	}
}

// TestReportSaysWhatTheFilterLeftOut: the HTML report's capture table
// says what read's packet filters left out, as the text and JSON
// summaries do; before, a report of a filtered read looked like the
// whole capture.
func TestReportSaysWhatTheFilterLeftOut(t *testing.T) {
	capFile := viewRealDir + "pasv-drop.pcap"
	if _, err := os.Stat(capFile); err != nil {
		t.Skipf("%s absent", capFile)
	}
	page := filepath.Join(t.TempDir(), "r.html")
	var stdout, stderr strings.Builder
	if code := run([]string{"read", "--host", "10.99.0.99", "--report", page, capFile}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if want := "<tr><th>filter</th><td>30 packets left out by --host 10.99.0.99</td></tr>"; !strings.Contains(string(b), want) {
		t.Errorf("the report does not say %q", want)
	}
}
