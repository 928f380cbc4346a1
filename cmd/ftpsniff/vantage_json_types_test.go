package main

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// TestVantageJSONTypesStable: a vantage_session with no announcement
// writes "announcements":[] (a list, as docs/json.md gives it; null was
// written), and clock_offset_s is always a decimal with a point, never 0
// or 5e-07: an index that types a field from its first value
// (Elasticsearch's dynamic mapping) would make the first point's 0 an
// integer field and truncate every later offset.
func TestVantageJSONTypesStable(t *testing.T) {
	args := []string{"read", "--json", "--vantage", "client=../../pcaps/real/helper-nat-ftps-client.pcap",
		"--vantage", "server=../../pcaps/real/helper-nat-ftps-server.pcap"}
	var stdout, stderr bytes.Buffer
	run(args, &stdout, &stderr)
	var points, sessions int
	for line := range bytes.Lines(stdout.Bytes()) {
		var r map[string]json.RawMessage
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("bad JSON line %q: %v", line, err)
		}
		switch string(r["type"]) {
		case `"vantage"`:
			points++
			off, ok := r["clock_offset_s"]
			if !ok {
				continue
			}
			if !bytes.Contains(off, []byte(".")) || bytes.ContainsAny(off, "eE") {
				t.Errorf("clock_offset_s written as %s: want a decimal with a point", off)
			}
		case `"vantage_session"`:
			sessions++
			if a := string(r["announcements"]); a == "" || a == "null" {
				t.Errorf("announcements is %q, want a list: %s", a, line)
			}
		}
	}
	if points != 2 || sessions == 0 {
		t.Fatalf("%d vantage and %d vantage_session records (%s)", points, sessions, stderr.String())
	}
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0, "0.0"}, {5e-7, "0.0000005"}, {-0.00042, "-0.00042"}, {3, "3.0"}, {1.5, "1.5"}, {-2, "-2.0"},
	} {
		b, err := json.Marshal(jsonSeconds(tc.v))
		if err != nil || string(b) != tc.want {
			t.Errorf("jsonSeconds(%v) = %s, %v; want %s", tc.v, b, err, tc.want)
		}
		var back float64
		if err := json.Unmarshal(b, &back); err != nil || math.Abs(back-tc.v) > 0 {
			t.Errorf("jsonSeconds(%v) = %s reads back as %v, %v", tc.v, b, back, err)
		}
	}
}
