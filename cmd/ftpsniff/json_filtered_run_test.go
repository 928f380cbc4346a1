package main

import "testing"

// TestJSONSummaryFilteredFromTheRun: `read --json --host` writes in the
// summary the count the text summary prints ("filter: 30 packets left
// out by --host 10.99.0.99"), at one worker and two.
func TestJSONSummaryFilteredFromTheRun(t *testing.T) {
	for _, workers := range []string{"1", "2"} {
		sums := ofType(jsonRecords(t, "read", "--json", "--workers", workers, "--host", "10.99.0.99", viewRealDir+"pasv-drop.pcap"), "summary")
		if len(sums) != 1 {
			t.Fatalf("--workers %s: %d summary records, want 1", workers, len(sums))
		}
		f, ok := sums[0]["filtered"].(map[string]any)
		if !ok || f["packets"] != float64(30) || f["by"] != "--host 10.99.0.99" {
			t.Errorf("--workers %s: summary filtered = %v, want 30 packets by --host 10.99.0.99", workers, sums[0]["filtered"])
		}
	}
}
