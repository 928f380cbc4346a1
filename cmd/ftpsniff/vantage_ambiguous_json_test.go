package main

import (
	"bytes"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/vantage"
)

// TestVantageJSONSaysWhatStayedUnpaired: the connections left unpaired
// because several at another point matched them equally well, and the
// pairs of points too large to compare by payload, are in the JSON (on
// the first point's record), not only in the text report.
func TestVantageJSONSaysWhatStayedUnpaired(t *testing.T) {
	rep := &vantage.Report{Points: []string{"a", "b"}, Offsets: make([]vantage.Offset, 2), Unpaired: []int{2, 2},
		Limits: make([]vantage.Limits, 2), Ambiguous: 2, PayloadSkipped: 1}
	cs := []*vantage.Collector{{Name: "a"}, {Name: "b"}}
	var buf bytes.Buffer
	enc := &vantageRecords{w: &buf, rec: newRecordEncoder("")}
	if writeVantagePointsJSON(enc, rep, cs); enc.err != nil {
		t.Fatal(enc.err)
	}
	recs := jsonLines(t, "vantage", buf.Bytes())
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2: %s", len(recs), buf.String())
	}
	if recs[0]["ambiguous_control"] != 2.0 || recs[0]["payload_pairs_skipped"] != 1.0 {
		t.Errorf("first point's record: %v", recs[0])
	}
	if _, ok := recs[1]["ambiguous_control"]; ok {
		t.Errorf("the counts are over all points, on the first record only: %v", recs[1])
	}
}
