package vantage

import "testing"

// TestISNGroupsSayHowHalvesPaired guards the label of a session whose
// halves either side of an ISN-randomising box (two points each side)
// were each paired by their sequence numbers and joined by their lines:
// it said the session was paired by its commands and replies, as if
// every point had been. ISNGroups names the points each number paired.
func TestISNGroupsSayHowHalvesPaired(t *testing.T) {
	l := newLab(t, "client", "r1pub", "r1priv", "server")
	l.natAt = 2
	for _, i := range []int{2, 3} {
		l.taps[i].miss = randomiseISN
	}
	c := l.control(40000, 1000, 9000)
	c.pasv(40086)
	c.data(50000, 40086, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 100)
	c.quit()
	r := l.merge()
	if len(r.Sessions) != 1 {
		t.Fatalf("want one session, got %s", describe(r))
	}
	s := r.Sessions[0]
	if s.PairedBy != "payload" || len(s.ISNGroups) != 2 {
		t.Fatalf("paired by %s, ISN groups %v; want payload joining two groups", s.PairedBy, s.ISNGroups)
	}
	for _, g := range s.ISNGroups {
		if len(g) != 2 || (g[0] < 2) != (g[1] < 2) {
			t.Errorf("ISN groups %v; want {client, r1pub} and {r1priv, server}", s.ISNGroups)
		}
	}

	// Two points, the box between them: no number paired any.
	l = newLab(t, "client", "server")
	l.taps[1].miss = randomiseISN
	c = l.control(40000, 1000, 9000)
	c.pasv(40086)
	c.data(50000, 40086, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 100)
	c.quit()
	r = l.merge()
	if len(r.Sessions) != 1 || r.Sessions[0].PairedBy != "payload" || r.Sessions[0].ISNGroups != nil {
		t.Fatalf("two points: %s; want one session paired by lines alone, no ISN group", describe(r))
	}
}
