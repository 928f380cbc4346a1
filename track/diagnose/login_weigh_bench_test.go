package diagnose

import (
	"fmt"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// BenchmarkLoginFailuresWeighed: an office address with many users
// logging in and failing now and then, and a guesser beside it: every
// failure past bruteFailures is weighed against the window (the shared
// address noted once, the guesser reported once), the path
// BenchmarkLoginsManyClients does not reach.
func BenchmarkLoginFailuresWeighed(b *testing.B) {
	const (
		office   = "10.20.0.1:40000"
		attacker = "198.51.100.66:40000"
		srv      = "192.0.2.21:21"
	)
	var evs []loginEvent
	for i := range 200 {
		evs = append(evs, loginEvent{office, srv, fmt.Sprintf("staff%d", i%16), "pw", true, float64(i) * 2})
	}
	for i := range 60 {
		evs = append(evs, loginEvent{office, srv, fmt.Sprintf("staff%d", i%16), fmt.Sprintf("typo%d", i), false, 1 + float64(i)*6},
			loginEvent{attacker, srv, fmt.Sprintf("user%d", i%7), fmt.Sprintf("guess%d", i), false, 3 + float64(i)*6})
	}
	sortEvents(evs)
	ss := loginSessions(evs)
	b.ReportAllocs()
	for range b.N {
		feed(policy.Policy{}, ss...)
	}
}
