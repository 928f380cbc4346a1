package diagnose

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestSpreadNeedsInterleavingAtOnce guards what reads as more than one
// host behind the address (spreadSeen): refused and working passive
// ports interleaved, within spreadWindow. A firewall opening part of the
// range (every refused port above every working one), drops, stale
// endpoints, other addresses, and a firewall changed minutes later do
// not.
func TestSpreadNeedsInterleavingAtOnce(t *testing.T) {
	ctl := netip.MustParseAddr("10.0.0.1")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type c struct {
		port uint16
		out  track.Outcome
		at   time.Duration // after t0
		late time.Duration // SYN after the announcement
		to   string        // address connected to; "" the control address
	}
	ok, rst, drop := track.OutcomeTransferred, track.OutcomeRefused, track.OutcomeUnanswered
	ms := time.Millisecond
	for _, tc := range []struct {
		name  string
		conns []c
		want  bool
	}{
		{"refused between worked", []c{{40084, rst, 0, 0, ""}, {40094, ok, ms, 0, ""}, {40044, rst, 2 * ms, 0, ""}, {40060, ok, 180 * ms, 0, ""}}, true},
		{"worked between refused", []c{{40010, rst, 0, 0, ""}, {40050, ok, ms, 0, ""}, {40090, rst, 2 * ms, 0, ""}}, true},
		{"partly open range", []c{{40010, ok, 0, 0, ""}, {40070, rst, ms, 0, ""}, {40040, ok, 2 * ms, 0, ""}, {40090, rst, 3 * ms, 0, ""}, {40051, rst, 4 * ms, 0, ""}, {40050, ok, 5 * ms, 0, ""}}, false},
		{"drops between worked", []c{{40010, ok, 0, 0, ""}, {40050, drop, ms, 0, ""}, {40090, ok, 2 * ms, 0, ""}}, false},
		{"stale endpoint", []c{{40010, ok, 0, 0, ""}, {40050, rst, ms, time.Minute, ""}, {40090, ok, 2 * ms, 0, ""}}, false},
		{"other address", []c{{40010, ok, 0, 0, ""}, {40050, rst, ms, 0, "10.0.0.9"}, {40090, ok, 2 * ms, 0, ""}}, false},
		{"firewall changed minutes later", []c{{40010, rst, 0, 0, ""}, {40090, rst, ms, 0, ""}, {40050, ok, 5 * time.Minute, 0, ""}}, false},
	} {
		var sp spreadSeen
		for _, x := range tc.conns {
			to := ctl
			if x.to != "" {
				to = netip.MustParseAddr(x.to)
			}
			at := t0.Add(x.at)
			dc := &track.DataConn{Passive: true, Match: track.MatchExact, SYNs: 1, Outcome: x.out,
				Server: netip.AddrPortFrom(to, x.port), Armed: at.Add(-x.late), FirstSYN: at, RSTFromServer: x.out == rst}
			sp.note(dc, ctl)
		}
		if sp.found != tc.want {
			t.Errorf("%s: found %v (%s), want %v", tc.name, sp.found, sp.words(), tc.want)
		}
	}
}
