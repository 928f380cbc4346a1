package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track/vantage"
)

// TestVantagePointRecordsKeepOrder guards how a point's own records are
// tied to the merged view: a finding is held until its session's record
// names the connection's addresses, records of other sessions in between
// keep their place, the fields go before the observer, and lines written
// in pieces come out whole.
func TestVantagePointRecordsKeepOrder(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ap := netip.MustParseAddrPort
	ctl := &vantage.Control{Client: ap("10.0.0.2:4000"), Server: ap("10.0.0.1:21"), Start: t0}
	far := &vantage.Control{Client: ap("10.0.0.2:4000"), Server: ap("10.1.0.1:21"), Start: t0}
	client := &vantage.Data{Src: ap("10.0.0.2:5000"), Dst: ap("10.0.0.1:40000"), HaveISN: true, SYNs: 3, FirstSYN: t0.Add(time.Second)}
	server := &vantage.Data{Src: ap("10.0.0.2:5000"), Dst: ap("10.1.0.1:40000"), HaveISN: true, SYNs: 3, SYNACKs: 3, FirstSYN: t0.Add(time.Second)}
	rep := &vantage.Report{Points: []string{"c", "s"}, Sessions: []*vantage.Session{{ID: 1, Views: []*vantage.Control{ctl, far}, Order: []int{0, 1},
		Data: []*vantage.Path{{Views: []*vantage.Data{client, server}, Order: []int{0, 1}, Passive: true, Where: vantage.LostSYNACK, After: 1, Before: 0,
			Verdict: "lost on the way back"}}}}}
	in := []string{
		`{"type":"command","session":1,"index":1,"observer":"c"}`,
		`{"type":"finding","code":"data-unanswered","session":1,"data":1,"observer":"c"}`,
		`{"type":"command","session":2,"index":1,"observer":"c"}`,
		`{"type":"data","session":1,"id":1,"client":"10.0.0.2:5000","server":"10.0.0.1:40000","first_syn":"2026-01-01T00:00:01Z","observer":"c"}`,
		`{"type":"session","id":2,"client":"10.0.0.3:4000","server":"10.0.0.1:21","start":"2026-01-01T00:00:00Z","observer":"c"}`,
		`{"type":"session","id":1,"client":"10.0.0.2:4000","server":"10.0.0.1:21","start":"2026-01-01T00:00:00Z","observer":"c"}`,
		`{"type":"server","server":"10.0.0.1:21","observer":"c"}`,
	}
	var out bytes.Buffer
	o := newPointRecords(&out, rep, 0, "c")
	all := strings.Join(in, "\n") + "\n"
	for len(all) > 0 { // in pieces of 7 bytes
		n := min(7, len(all))
		if _, err := o.Write([]byte(all[:n])); err != nil {
			t.Fatal(err)
		}
		all = all[n:]
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != len(in) {
		t.Fatalf("%d lines out of %d:\n%s", len(got), len(in), out.String())
	}
	for k, line := range got {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d: %v: %s", k+1, err, line)
		}
		if !strings.HasSuffix(line, `,"observer":"c"}`) {
			t.Errorf("line %d: observer not last: %s", k+1, line)
		}
		var want map[string]any
		json.Unmarshal([]byte(in[k]), &want)
		if m["type"] != want["type"] || m["session"] != want["session"] || m["id"] != want["id"] {
			t.Errorf("line %d out of order: %s", k+1, line)
		}
	}
	if !strings.Contains(got[1], `"superseded":"the receiver answered these SYNs: its SYN-ACKs were lost on the way back, after \"s\"; the merged view: syn-ack-lost: lost on the way back","vantage_path":{"session":1,"data":1,"where":"syn-ack-lost"}`) {
		t.Errorf("finding: %s", got[1])
	}
	if !strings.Contains(got[3], `"vantage_path":{"session":1,"data":1,"where":"syn-ack-lost"}`) || strings.Contains(got[3], "superseded") {
		t.Errorf("data: %s", got[3])
	}
	if got[2] != in[2] || got[4] != in[4] {
		t.Errorf("another session's records changed:\n%s\n%s", got[2], got[4])
	}
	if !strings.Contains(got[6], `"superseded":"this verdict rests on 1 finding that other points' captures overturn (data-unanswered of session 1, data 1)`) {
		t.Errorf("server: %s", got[6])
	}
}
