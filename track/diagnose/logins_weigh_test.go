package diagnose

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestLoginWeighingCountsOnlyEvidence guards faults 2 and 3 of the sixth
// review. Fault 2: every successful login weighed against the failures,
// so a guesser that logged in anonymously between its guesses, and an
// office address from which 20 account names that never logged in were
// tried among its users' 40 logins, were "not a client guessing
// passwords". Anonymous logins are no sign of several users now, and
// failures of names that never logged in from the address are guessing
// once strangerNames of them fail. Fault 3: failures were counted per
// server only, so one address failing 3 times at each of 4 servers, with
// no success anywhere, raised nothing; they add up now across servers,
// while an office's failures at two servers amid its successes stay
// each server's (TestSharedAddressLoginsAreNotGuessing).
func TestLoginWeighingCountsOnlyEvidence(t *testing.T) {
	const (
		office   = "10.20.0.1:40000"
		attacker = "198.51.100.66:40000"
	)
	srv := func(i int) string { return fmt.Sprintf("192.0.2.%d:21", 21+i) }
	tests := []struct {
		name   string
		events []loginEvent
		// want: per server, the severity of its login-brute-force ("" none)
		want    map[string]string
		message string // in the warning's message
	}{
		{"anonymous logins between the guesses", func() []loginEvent {
			var evs []loginEvent
			for i, u := range []string{"root", "admin", "oracle", "test", "backup"} {
				at := float64(20 * i)
				evs = append(evs, loginEvent{attacker, srv(0), "anonymous", "x@", true, at},
					loginEvent{attacker, srv(0), "anonymous", "x@", true, at + 1},
					loginEvent{attacker, srv(0), u, fmt.Sprintf("guess%d", i), false, at + 2})
			}
			return evs
		}(), map[string]string{srv(0): "warning"}, "Password guessing from 198.51.100.66"},
		{"account names that never log in, among an office's users", func() []loginEvent {
			var evs []loginEvent
			for i := range 40 {
				evs = append(evs, loginEvent{office, srv(0), fmt.Sprintf("staff%d", i%8), "pw", true, float64(i) * 5})
			}
			for i := range 20 {
				evs = append(evs, loginEvent{office, srv(0), fmt.Sprintf("victim%d", i), fmt.Sprintf("leaked%d", i), false, 2.5 + float64(i)*10})
			}
			return evs
		}(), map[string]string{srv(0): "warning"}, "user names that never logged in from it"},
		{"an office's users mistyping their own names' passwords", func() []loginEvent {
			var evs []loginEvent
			for i := range 40 {
				evs = append(evs, loginEvent{office, srv(0), fmt.Sprintf("staff%d", i%8), "pw", true, float64(i) * 5})
			}
			for i := range 6 {
				evs = append(evs, loginEvent{office, srv(0), fmt.Sprintf("staff%d", i), fmt.Sprintf("typo%d", i), false, 2.5 + float64(i)*20})
			}
			return evs
		}(), map[string]string{srv(0): "info"}, ""},
		{"three failures at each of four servers, no success", func() []loginEvent {
			var evs []loginEvent
			for round := range 3 {
				for s := range 4 {
					evs = append(evs, loginEvent{attacker, srv(s), "root", fmt.Sprintf("g%d-%d", round, s), false, float64(30*round + 7*s)})
				}
			}
			return evs
		}(), map[string]string{srv(0): "warning"}, "spread over 4 servers"},
		{"failures at four servers from an address that logs in at one", func() []loginEvent {
			evs := []loginEvent{{attacker, srv(3), "alice", "right", true, 0}}
			for s := range 4 {
				evs = append(evs, loginEvent{attacker, srv(s), "alice", "wrong", false, float64(10 + s)})
			}
			return evs
		}(), map[string]string{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			evs := append([]loginEvent(nil), tc.events...)
			sortEvents(evs)
			c, d := feed(policy.Policy{}, loginSessions(evs)...)
			got := map[string]string{}
			for _, f := range c.fs {
				if f.Code != CodeLoginAttack {
					continue
				}
				s := f.Session.Server.String()
				if got[s] == "warning" {
					t.Errorf("%s: a second login-brute-force: %s", s, f.Message)
				}
				got[s] = f.Severity.String()
				if f.Severity == SeverityWarning && !strings.Contains(f.Message, tc.message) {
					t.Errorf("%s: message %q lacks %q", s, f.Message, tc.message)
				}
			}
			for i := range 4 {
				if got[srv(i)] != tc.want[srv(i)] {
					dumpFindings(t, c)
					t.Errorf("%s: login-brute-force %q, want %q", srv(i), got[srv(i)], tc.want[srv(i)])
				}
			}
			for _, s := range d.Summaries() {
				guess := strings.Contains(s.Verdict, "guessing passwords")
				if guess != (tc.want[s.Server.String()] == "warning") {
					t.Errorf("%s: verdict %q", s.Server, s.Verdict)
				}
			}
		})
	}
}

// TestCrossServerTableBounded: the servers followed per address stop at
// maxCrossServers (counted), and forgetStale drops an address's entry
// with its last pair. The failures come 10 s apart, all within one
// window: pairs older than the window are swept as the clock passes.
func TestCrossServerTableBounded(t *testing.T) {
	var evs []loginEvent
	for s := range maxCrossServers + 3 {
		evs = append(evs, loginEvent{"198.51.100.66:40000", fmt.Sprintf("192.0.3.%d:21", s+1), "root", "x", false, float64(s) * 10})
	}
	_, d := feed(policy.Policy{}, loginSessions(evs)...)
	cc := d.logins.cross[ap("198.51.100.66:1").Addr()]
	if cc == nil || int(cc.n) != maxCrossServers || cc.omitted != 3 {
		t.Fatalf("cross entry %+v", cc)
	}
	d.logins.forgetStale(at(int((maxCrossServers+3)*1000*1000) + int(2*loginWindow.Milliseconds())))
	if len(d.logins.by) != 0 || len(d.logins.cross) != 0 {
		t.Errorf("%d pairs, %d cross entries left", len(d.logins.by), len(d.logins.cross))
	}
}
