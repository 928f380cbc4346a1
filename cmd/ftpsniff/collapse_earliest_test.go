package main

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestCollapsedKeepsEarliestOccurrence: whatever order a finding's
// occurrences come in, the entry writes the earliest by packet time,
// then by session number (its message, evidence, fix and client), and
// with -v lists the others as also-occurrences; the transcript's pointer
// (first) stays the session written first.
func TestCollapsedKeepsEarliestOccurrence(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	srv := netip.MustParseAddrPort("10.0.0.1:21")
	type occ struct {
		id int
		at time.Duration
	}
	tests := []struct {
		name   string
		arrive []occ
		want   int // the session written in the server block
		first  int // the session whose transcript wrote it in full
		others []int
	}{
		{"in order", []occ{{1, 0}, {2, time.Second}, {3, 2 * time.Second}}, 1, 1, []int{2, 3}},
		{"earliest delivered last", []occ{{2, time.Second}, {3, 2 * time.Second}, {1, 0}}, 1, 2, []int{2, 3}},
		{"earliest in the middle", []occ{{3, 2 * time.Second}, {1, 0}, {2, time.Second}}, 1, 3, []int{2, 3}},
		{"same time: the lower session", []occ{{5, time.Second}, {4, time.Second}}, 4, 5, []int{5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCollapser()
			c.every = true
			for _, o := range tt.arrive {
				cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(1 + o.id)}), 50000)
				s := &track.Session{ID: o.id, Client: cli, Server: srv, Start: t0}
				f := &diagnose.Finding{Code: diagnose.CodeDataUnanswered, Severity: diagnose.SeverityError, Session: s,
					TS: t0.Add(o.at), Packets: []uint64{uint64(100 * o.id)},
					Message: "message " + string(rune('0'+o.id)), Evidence: "evidence " + string(rune('0'+o.id)),
					Advice: "open the port for " + cli.Addr().String()}
				c.add(s, f)
			}
			if len(c.order) != 1 {
				t.Fatalf("%d entries, want 1", len(c.order))
			}
			e := c.order[0]
			w := string(rune('0' + tt.want))
			wantCli := netip.AddrFrom4([4]byte{10, 0, 0, byte(1 + tt.want)})
			if e.earliest.session != tt.want || e.earliest.message != "message "+w || e.earliest.evidence != "evidence "+w ||
				len(e.earliest.packets) != 1 || e.earliest.packets[0] != uint64(100*tt.want) ||
				e.advice != "open the port for "+wantCli.String() || e.firstClient != wantCli {
				t.Errorf("entry writes session %d (%q, %q, %v, %q, client %v), want session %d's",
					e.earliest.session, e.earliest.message, e.earliest.evidence, e.earliest.packets, e.advice, e.firstClient, tt.want)
			}
			if e.first != tt.first {
				t.Errorf("transcript pointer session %d, want %d", e.first, tt.first)
			}
			var others []int
			for _, x := range e.more {
				others = append(others, x.session)
			}
			// (-v sorts them by time when it writes them.)
			slices.Sort(others)
			if !slices.Equal(others, tt.others) {
				t.Errorf("also-occurrences %v, want %v", others, tt.others)
			}
		})
	}
}

// TestMergedGroupLedByEarliest: entries written as one (info alike at
// several servers, the servers never reached) are led by the one of the
// earliest occurrence, whose evidence the group writes; the others keep
// their order.
func TestMergedGroupLedByEarliest(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	mk := func(id int, at time.Duration) *collapsed {
		return &collapsed{earliest: occurrence{session: id, at: t0.Add(at)}}
	}
	a, b, c, d := mk(4, 3*time.Second), mk(7, 2*time.Second), mk(2, time.Second), mk(9, 5*time.Second)
	g := earliestFirst([]*collapsed{a, b, c, d})
	if g[0] != c || g[1] != a || g[2] != b || g[3] != d {
		t.Errorf("group order %d %d %d %d, want 2 4 7 9", g[0].earliest.session, g[1].earliest.session, g[2].earliest.session, g[3].earliest.session)
	}
}

// TestCollapsedNamesLowestSessions: the sessions a repeated finding's
// entry names are the lowest collapseSessions numbers, whatever order
// their records came in (session 1's waited past its close, after
// sessions 2 to 10).
func TestCollapsedNamesLowestSessions(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	srv := netip.MustParseAddrPort("10.0.0.1:21")
	c := newCollapser()
	for _, id := range []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 1} {
		s := &track.Session{ID: id, Client: netip.MustParseAddrPort("10.0.0.2:50000"), Server: srv, Start: t0.Add(time.Duration(id) * time.Second)}
		c.add(s, &diagnose.Finding{Code: diagnose.CodeCleartextLogin, Severity: diagnose.SeverityInfo, Session: s, TS: s.Start, Advice: "use TLS"})
	}
	e := c.order[0]
	got := slices.Sorted(slices.Values(e.sessions))
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8}; !slices.Equal(got, want) || e.sessionsN != 10 {
		t.Errorf("sessions %v of %d, want %v of 10", got, e.sessionsN, want)
	}
	if e.earliest.session != 1 {
		t.Errorf("earliest occurrence session %d, want 1", e.earliest.session)
	}
}
