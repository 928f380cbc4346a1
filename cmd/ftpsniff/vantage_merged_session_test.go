package main

import (
	"fmt"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track/vantage"
)

// TestVantageMergedSessionByConnection guards how a point's session record
// finds its merged session (read --vantage --json): by the point's own
// control connection (client, server), the nearest start among those
// that reused the 4-tuple, never another point's view. It is looked up,
// not found by scanning every merged session for each of the point's
// (quadratic: 10,000 sessions a point took 9.5 s, 20,000 took 33 s): with
// the report's sessions gone after the first lookup, the others are still
// found.
func TestVantageMergedSessionByConnection(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	srv := netip.MustParseAddrPort("10.0.0.1:21")
	cli := func(port int) netip.AddrPort { return netip.MustParseAddrPort(fmt.Sprintf("10.0.0.2:%d", port)) }
	rep := &vantage.Report{Points: []string{"c", "s"}}
	for k := range 1000 {
		c := &vantage.Control{Client: cli(30000 + k), Server: srv, Start: t0.Add(time.Duration(k) * time.Second)}
		rep.Sessions = append(rep.Sessions, &vantage.Session{ID: k + 1, Views: []*vantage.Control{c, nil}})
	}
	// The 4-tuple of session 1 reused an hour later (session 1001); one
	// seen at the other point only under session 3's addresses.
	rep.Sessions = append(rep.Sessions,
		&vantage.Session{ID: 1001, Views: []*vantage.Control{{Client: cli(30000), Server: srv, Start: t0.Add(time.Hour)}, nil}},
		&vantage.Session{ID: 1002, Views: []*vantage.Control{nil, {Client: cli(30002), Server: srv, Start: t0.Add(2 * time.Second)}}})
	o := newPointRecords(io.Discard, rep, 0, "c")
	for _, tc := range []struct {
		client netip.AddrPort
		start  time.Time
		want   int // 0: none
	}{
		{cli(30000), t0, 1},
		{cli(30000), t0.Add(time.Hour - time.Second), 1001},
		{cli(30002), t0.Add(2 * time.Second), 3},
		{cli(30999), t0.Add(999 * time.Second), 1000},
		{cli(31000), t0, 0},
		{netip.MustParseAddrPort("10.0.0.3:30000"), t0, 0},
	} {
		got := 0
		if s := o.mergedSession(tc.client, srv, tc.start); s != nil {
			got = s.ID
		}
		if got != tc.want {
			t.Errorf("%v at %v: session %d, want %d", tc.client, tc.start.Sub(t0), got, tc.want)
		}
		rep.Sessions = nil // looked up from now on, not scanned
	}
}
