package vantage

import (
	"strings"
	"testing"
	"time"
)

// TestMissedAnnouncementOwnsItsConnection guards who owns a data
// connection at a point that missed the announcement it answers (a
// capture gap) while it saw an earlier session's announcement of the same
// passive port: the earlier session, answered and closed, took it there
// (review: the connection under session 1, and session 2's "syn-lost:
// dropped in between" though the server saw every SYN). The announcement
// the point missed, as the other point saw it, ranks with the ones it saw:
// the open session's, not answered yet, owns it.
func TestMissedAnnouncementOwnsItsConnection(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    dataOpts
		want Where
	}{
		{"no answer", dataOpts{synReach: 1, synTries: 3}, NoAnswer},
		{"syn-ack lost", dataOpts{synReach: -1, synACKReach: 0, synTries: 3}, LostSYNACK},
		{"delivered", dataOpts{synReach: -1, synACKReach: -1}, Delivered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, "client", "server")
			// The server's capture misses session 2's 227.
			l.taps[1].miss = func(f *frame) bool { return f.cport == 40100 && strings.HasPrefix(f.payload, "227 ") }
			c1 := l.control(40000, 1000, 9000)
			c1.pasv(40032)
			c1.data(50000, 40032, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 100)
			c1.quit()
			l.tick(18 * time.Second)
			c2 := l.control(40100, 3000, 11000)
			c2.pasv(40032)
			c2.data(50100, 40032, 17000, 18000, tc.o, 100)
			l.tick(5 * time.Second)
			c2.quit()
			r := l.merge()
			if len(r.Sessions) != 2 {
				t.Fatalf("want 2 sessions: %s", describe(r))
			}
			s1, s2 := r.Sessions[0], r.Sessions[1]
			if s1.Views[0].Client.Port() != 40000 {
				s1, s2 = s2, s1
			}
			if len(s1.Data) != 1 || s1.Data[0].Where != Delivered {
				t.Errorf("session 1: want its one connection, delivered: %s", describe(r))
			}
			if len(s2.Data) != 1 {
				t.Fatalf("session 2: want 1 connection: %s", describe(r))
			}
			p := s2.Data[0]
			if p.Views[0] == nil || p.Views[1] == nil || p.Where != tc.want || len(p.Ambiguous) != 0 {
				t.Errorf("session 2: views %v, where %v (%s), ambiguous %v; want both points' views, %v", p.Views, p.Where, p.Verdict, p.Ambiguous, tc.want)
			}
		})
	}
}
