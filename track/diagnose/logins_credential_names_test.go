package diagnose

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// loginVerdicts feeds evs (sorted) and returns, per server, the
// login-brute-force severities in order, failing on an info that carries
// a block rule, and the servers whose verdict says guessing.
func loginVerdicts(t *testing.T, evs []loginEvent) (map[string][]string, map[string]bool, *collect) {
	t.Helper()
	evs = append([]loginEvent(nil), evs...)
	sortEvents(evs)
	c, d := feed(policy.Policy{}, loginSessions(evs)...)
	got := map[string][]string{}
	for _, f := range c.fs {
		if f.Code != CodeLoginAttack {
			continue
		}
		srv := f.Session.Server.String()
		got[srv] = append(got[srv], f.Severity.String())
		if f.Severity == SeverityInfo && (strings.Contains(f.Advice, "drop") || strings.Contains(f.Advice, "Block")) {
			t.Errorf("%s: info with a block rule: %s", srv, f.Advice)
		}
	}
	guess := map[string]bool{}
	for _, s := range d.Summaries() {
		if strings.Contains(s.Verdict, "guessing passwords") {
			guess[s.Server.String()] = true
		}
	}
	return got, guess, c
}

// TestOneStoredCredentialIsNoGuessing guards this: a monitoring probe (or a scheduled job) whose stored password went
// stale, retrying one user and one password every minute at one server,
// or once every few minutes at each of four servers, was "password
// guessing" with a block rule. One (user, password) pair is an info
// naming the client to fix; a varying user or password still warns.
func TestOneStoredCredentialIsNoGuessing(t *testing.T) {
	const (
		probe = "198.51.100.77:40000"
		s1    = "203.0.113.10:21"
	)
	servers := []string{s1, "203.0.113.11:21", "203.0.113.12:21", "203.0.113.13:21"}
	every := func(n int, step float64, user string, pass func(int) string, srv func(int) string) []loginEvent {
		var evs []loginEvent
		for i := range n {
			evs = append(evs, loginEvent{probe, srv(i), user, pass(i), false, float64(i) * step})
		}
		return evs
	}
	same := func(int) string { return "stale-pw" }
	one := func(int) string { return s1 }
	rotate := func(i int) string { return servers[i%len(servers)] }
	for _, tc := range []struct {
		name  string
		evs   []loginEvent
		want  string // the first finding's severity, at any server
		guess bool
	}{
		{"nagios every 60 s, one server", every(8, 60, "nagios", same, one), "info", false},
		{"monitor at 4 servers, one try each every 3 min", every(8, 45, "monitor", same, rotate), "info", false},
		{"monitor at 4 servers, one try each every 5 min", every(8, 75, "monitor", same, rotate), "info", false},
		{"passwords vary: guessing", every(8, 60, "nagios", func(i int) string { return fmt.Sprintf("pw%d", i) }, one), "warning", true},
		{"passwords vary over 4 servers: guessing", every(8, 45, "monitor", func(i int) string { return fmt.Sprintf("pw%d", i) }, rotate), "warning", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, guess, c := loginVerdicts(t, tc.evs)
			first := ""
			for _, srv := range servers {
				if len(got[srv]) > 0 && first == "" {
					first = got[srv][0]
				}
			}
			if first != tc.want {
				dumpFindings(t, c)
				t.Errorf("first login-brute-force %q, want %q (%v)", first, tc.want, got)
			}
			if len(guess) > 0 != tc.guess {
				t.Errorf("verdicts say guessing at %v, want %v", guess, tc.guess)
			}
			if tc.want == "info" {
				f := c.find(CodeLoginAttack)
				if !strings.Contains(f.Message, "one stored credential retried") || !strings.Contains(f.Advice, "Fix that client's password") {
					t.Errorf("info does not name the stored credential: %s | %s", f.Message, f.Advice)
				}
			}
		})
	}
	// Escalation: the probe's repeats, then the same address varies the
	// password.
	evs := every(6, 60, "nagios", same, one)
	for i := range 5 {
		evs = append(evs, loginEvent{probe, s1, "nagios", fmt.Sprintf("g%d", i), false, 400 + float64(i)})
	}
	got, _, c := loginVerdicts(t, evs)
	if strings.Join(got[s1], ",") != "info,warning" {
		dumpFindings(t, c)
		t.Errorf("stale credential then guesses: %v, want info then warning", got[s1])
	}
}

// TestStrangersAreJudgedAfterTheGrace guards three shapes of an office NAT. New users who mistype once and log in
// seconds later are no strangers (five of them were "guessing"
// when the fifth failed); twenty names that never log in, among the
// successes of twenty real users, are credential stuffing (past
// 16 known names no name was judged, and the info said "not a client
// guessing passwords"); users pressing Enter at the password prompt share
// the empty password, no spray among many successes .
func TestStrangersAreJudgedAfterTheGrace(t *testing.T) {
	const (
		office = "198.51.100.200:40000"
		srv    = "203.0.113.10:21"
	)
	ok := func(user string, at float64) loginEvent { return loginEvent{office, srv, user, "pw", true, at} }
	fail := func(user, pass string, at float64) loginEvent { return loginEvent{office, srv, user, pass, false, at} }
	regulars := func(n, names int, step float64) []loginEvent {
		var evs []loginEvent
		for i := range n {
			evs = append(evs, ok(fmt.Sprintf("staff%02d", i%names), float64(i)*step))
		}
		return evs
	}
	newcomers := []string{"gina", "hans", "ines", "jan", "karl"}
	burst := regulars(20, 6, 15)
	for i, u := range newcomers {
		burst = append(burst, fail(u, u+"-typo", 300+3*float64(i)))
		burst = append(burst, ok(u, 315+3*float64(i)))
	}
	stuffing := regulars(20, 20, 3)
	for i := range 40 {
		at := 60 + 12*float64(i)
		stuffing = append(stuffing, ok(fmt.Sprintf("staff%02d", i%20), at))
		if i%2 == 0 {
			stuffing = append(stuffing, fail(fmt.Sprintf("nosuch%02d", i/2), fmt.Sprintf("Leak%d", i), at+7))
		}
	}
	empty := regulars(20, 12, 10)
	for i, u := range newcomers {
		empty = append(empty, fail(u, "", 30+40*float64(i)))
		empty = append(empty, ok(u, 35+40*float64(i)))
	}
	stuffingEmpty := regulars(40, 20, 1.5)
	for i := range 10 {
		stuffingEmpty = append(stuffingEmpty, fail(fmt.Sprintf("nosuch%d", i), "", 60+30*float64(i)))
	}
	for _, tc := range []struct {
		name  string
		evs   []loginEvent
		want  string // the last login-brute-force severity
		guess bool
		not   string // not in any login-brute-force message
	}{
		{"new users mistype once and log in seconds later", burst, "info", false, ""},
		{"twenty names that never log in among twenty users' successes", stuffing, "warning", true, ""},
		{"users press Enter at the password prompt among many successes", empty, "info", false, ""},
		{"the empty password sprayed over names that never log in", stuffingEmpty, "warning", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, guess, c := loginVerdicts(t, tc.evs)
			last := ""
			if n := len(got[srv]); n > 0 {
				last = got[srv][n-1]
			}
			if last != tc.want {
				dumpFindings(t, c)
				t.Errorf("login-brute-force %v, want the last %q", got[srv], tc.want)
			}
			if guess[srv] != tc.guess {
				t.Errorf("verdict says guessing: %v, want %v", guess[srv], tc.guess)
			}
			for _, f := range c.fs {
				if f.Code == CodeLoginAttack && f.Severity == SeverityInfo && strings.Contains(f.Message, "not a client guessing passwords") && tc.guess {
					t.Errorf("info says no guessing while strangers were pending: %s", f.Message)
				}
			}
		})
	}
}

// TestNameSetBound guards the bound of the names kept per address: 256
// kept, the rest counted, and a stranger is never judged once names were
// dropped.
func TestNameSetBound(t *testing.T) {
	var ns nameSet
	for i := range maxOKNames + 10 {
		ns.add(uint64(i + 1))
	}
	if len(ns.h) != maxOKNames || ns.dropped != 10 {
		t.Fatalf("kept %d, dropped %d; want %d and 10", len(ns.h), ns.dropped, maxOKNames)
	}
	c := ns.clone()
	c.h[0] = 0
	if ns.h[0] == 0 {
		t.Fatal("clone shares storage")
	}
}
