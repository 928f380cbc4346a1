package diagnose

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestSpreadGuessingOfOneAccount guards that failed logins for one user
// name from many addresses, each too few to stand out per address (and
// beyond the table's maxLoginClients), are weighed for that account:
// with varying passwords a login-brute-force warning naming the user,
// with one password every time an info (a stale stored credential), and
// nothing where the failures are spread over more than the window, the
// name's own logins succeed as often, the name is anonymous, or one
// address's own count already raised the warning.
//
// The name's successes: one after every failure, from other addresses
// (its users mistyping, then getting in).
func TestSpreadGuessingOfOneAccount(t *testing.T) {
	const srv = "192.0.2.10:21"
	// n failures for user, one per address (or all from one), gap
	// seconds apart; pass(i) is the i-th password; okEvery: a
	// successful login of user from another address after every
	// okEvery failures (0: none).
	gen := func(n int, user string, gap float64, pass func(int) string, oneAddr bool, okEvery int) []loginEvent {
		var evs []loginEvent
		for i := range n {
			cli := fmt.Sprintf("10.%d.%d.%d:40000", i>>16&255, i>>8&255, i&255)
			if oneAddr {
				cli = "198.51.100.66:40000"
			}
			evs = append(evs, loginEvent{cli, srv, user, pass(i), false, float64(i) * gap})
			if okEvery > 0 && i%okEvery == 0 {
				evs = append(evs, loginEvent{fmt.Sprintf("172.16.%d.%d:40000", i>>8&255, i&255), srv, user, "right", true, float64(i)*gap + 0.5})
			}
		}
		return evs
	}
	varied := func(i int) string { return fmt.Sprintf("guess%d", i) }
	same := func(int) string { return "s3cretpw" }
	tests := []struct {
		name     string
		evs      []loginEvent
		found    bool // a finding for the account
		severity Severity
		contains string
	}{
		{"many addresses, varied passwords", gen(10*maxLoginClients, "alice", 0.01, varied, false, 0), true, SeverityWarning, `against user "alice" spread over many addresses`},
		{"many addresses, one password", gen(10*maxLoginClients, "alice", 0.01, same, false, 0), true, SeverityInfo, `every one with the same password: one stored credential retried by many clients`},
		{"just below the threshold", gen(spreadFailures-1, "alice", 1, varied, false, 0), false, 0, ""},
		{"spread over more than the window", gen(3*spreadFailures, "alice", 60, varied, false, 0), false, 0, ""},
		{"the name logs in as often", gen(3*spreadFailures, "alice", 1, varied, false, 1), false, 0, ""},
		{"anonymous", gen(3*spreadFailures, "anonymous", 1, varied, false, 0), false, 0, ""},
		{"one address", gen(3*spreadFailures, "alice", 1, varied, true, 0), false, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, d := feed(policy.Policy{}, loginSessions(tt.evs)...)
			var spread []*Finding
			for _, f := range c.fs {
				if f.Code == CodeLoginAttack && strings.Contains(f.Message, "many addresses") {
					spread = append(spread, f)
				}
			}
			if !tt.found {
				if len(spread) != 0 {
					t.Fatalf("%d findings for one account from many addresses, want none: %s", len(spread), spread[0].Message)
				}
				return
			}
			if len(spread) != 1 {
				dumpFindings(t, c)
				t.Fatalf("%d findings for one account from many addresses, want 1", len(spread))
			}
			if f := spread[0]; f.Severity != tt.severity || !strings.Contains(f.Message, tt.contains) {
				t.Errorf("severity %v, message %q; want %v and %q", f.Severity, f.Message, tt.severity, tt.contains)
			}
			// The server's verdict names the account, not "a client":
			// blocking one address stops nothing.
			if v := serverSummary(t, d, srv).Verdict; tt.severity == SeverityWarning && !strings.Contains(v, "an account is being guessed from many addresses") {
				t.Errorf("verdict %q", v)
			}
		})
	}
}
