package main

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/vantage"
)

// TestVantageOverturnedServersBounded guards the table of findings other
// points overturned, kept per server for its server record's note: a
// point that saw many servers (a scan) keeps at most maxOverturnedServers
// of them, and the findings of the servers beyond are counted
// (superseded_unnoted) and still marked superseded themselves.
func TestVantageOverturnedServersBounded(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ap := netip.MustParseAddrPort
	o := newPointRecords(io.Discard, []string{"c", "s"}, 0, nil)
	beyond := 5
	for k := range maxOverturnedServers + beyond {
		src, dst := ap("10.0.0.2:5000"), ap(fmt.Sprintf("10.%d.%d.1:40000", 1+k/250, k%250))
		tied := &tiedSession{id: k + 1, start: t0, last: t0.Add(time.Second), paths: []tiedPath{{
			where: vantage.LostSYNACK, verdict: "lost on the way back", after: 1,
			mine: true, src: src, dst: dst, start: t0,
		}}}
		it := &pointItem{id: k + 1, server: dst.Addr().String() + ":21", data: map[int]heldData{1: {client: src, server: dst, firstSYN: t0}}}
		q := &heldRecord{line: []byte(`{"type":"finding","code":"data-unanswered","session":1,"data":1,"observer":"c"}` + "\n"), data: 1, code: diagnose.CodeDataUnanswered}
		o.annotate(q, it, tied)
		if k == maxOverturnedServers+beyond-1 && !strings.Contains(string(q.line), `"superseded":`) {
			t.Errorf("a finding of a server past the bound is not marked superseded: %s", q.line)
		}
	}
	if len(o.overturned) > maxOverturnedServers {
		t.Errorf("%d servers kept, at most %d", len(o.overturned), maxOverturnedServers)
	}
	if o.overturnedUnnoted != beyond {
		t.Errorf("%d findings counted unnoted, want %d", o.overturnedUnnoted, beyond)
	}
}
