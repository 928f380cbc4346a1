package diagnose

import (
	"fmt"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// guess makes client fail bruteFailures logins at server, a second
// apart from at on, each with another password, for a user name of its
// own (no guessing spread over addresses), and returns the
// login-brute-force warnings they raised.
func guess(d *Diagnoser, client, server string, at time.Time) int {
	warned := 0
	for k := range bruteFailures {
		s := sess(client, server)
		s.User = "user-" + client
		c := cmd(s, uint64(k), "PASS", fmt.Sprintf("pw%d", k), 530, "Login incorrect.")
		ts := at.Add(time.Duration(k) * time.Second)
		c.TS, c.Replies[0].TS = ts, ts.Add(time.Millisecond)
		if f := d.loginFailure(s, c); f != nil && f.Code == CodeLoginAttack && f.Severity == SeverityWarning {
			warned++
		}
	}
	return warned
}

// fillReported fills d's login table with maxLoginClients guessers at
// 192.0.2.10:21, 100 ms apart from t0 on, each reported.
func fillReported(t *testing.T, d *Diagnoser) {
	t.Helper()
	for i := range maxLoginClients {
		if w := guess(d, fmt.Sprintf("10.1.%d.%d:40000", i>>8, i&255), "192.0.2.10:21", t0.Add(time.Duration(i)*100*time.Millisecond)); w != 1 {
			t.Fatalf("guesser %d raised %d warnings, want 1", i, w)
		}
	}
}

// TestLoginTableFullOfReportedLetsThemGo guards password-guessing
// detection in a capture of weeks: a reported (client, server) pair
// stayed in the table for good, so once maxLoginClients attackers had
// been reported, every later one was beyond the bound (5,000 attackers
// one every 11 minutes over 38 days: 4,096 reported, then nothing, and
// "failed logins of client addresses beyond the bound"). A full table
// lets go of the reported pair whose latest login is the oldest, past
// the window, and counts it.
func TestLoginTableFullOfReportedLetsThemGo(t *testing.T) {
	d := New(policy.Policy{}, nil, nil)
	fillReported(t, d)
	later := t0.Add(time.Hour)
	for i := range 3 {
		if w := guess(d, fmt.Sprintf("203.0.113.%d:40000", i+1), "192.0.2.10:21", later.Add(time.Duration(i)*11*time.Minute)); w != 1 {
			t.Errorf("new guesser %d after the table filled: %d warnings, want 1 (failures not followed: %d)", i, w, d.logins.omitted)
		}
	}
	o := d.Omitted()
	if o.LoginFailures != 0 || o.LoginAttackersLetGo != 3 {
		t.Errorf("Omitted: %d failures not followed, %d attackers let go; want 0, 3", o.LoginFailures, o.LoginAttackersLetGo)
	}
	if n := len(d.logins.by); n > maxLoginClients {
		t.Errorf("table holds %d pairs, beyond %d", n, maxLoginClients)
	}
	// The oldest went: the first three guessers.
	for i := range maxLoginClients {
		k := loginKey{client: ap(fmt.Sprintf("10.1.%d.%d:40000", i>>8, i&255)).Addr(), server: ap("192.0.2.10:21")}
		if gone := d.logins.by[k] == nil; gone != (i < 3) {
			t.Errorf("guesser %d let go: %v, want %v", i, gone, i < 3)
		}
	}
}

// TestLoginTableLiveReportedStay: a full table lets go of no reported
// pair with a login within the window: a new address is then beyond the
// bound, counted, as before.
func TestLoginTableLiveReportedStay(t *testing.T) {
	d := New(policy.Policy{}, nil, nil)
	fillReported(t, d)
	// The last guesser's latest failure is within the window of this.
	if w := guess(d, "203.0.113.1:40000", "192.0.2.10:21", t0.Add(time.Duration(maxLoginClients)*100*time.Millisecond)); w != 0 {
		t.Errorf("%d warnings, want none: the table is full of pairs within the window", w)
	}
	if o := d.Omitted(); o.LoginFailures != bruteFailures || o.LoginAttackersLetGo != 0 {
		t.Errorf("Omitted: %d failures not followed, %d attackers let go; want %d, 0", o.LoginFailures, o.LoginAttackersLetGo, bruteFailures)
	}
}

// TestLoginReportedLetGoRemembered: a guesser the full table let go is
// remembered as reported for reportedMemory after its latest login: back
// within it, it is not reported again; back after it, it is.
func TestLoginReportedLetGoRemembered(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after time.Duration // from the first guesser's latest failure
		warn  int
	}{
		{"back the same day", 2 * time.Hour, 0},
		{"back after reportedMemory", reportedMemory + time.Hour, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New(policy.Policy{}, nil, nil)
			fillReported(t, d)
			// A new guesser takes the room of the first.
			if w := guess(d, "203.0.113.1:40000", "192.0.2.10:21", t0.Add(time.Hour)); w != 1 {
				t.Fatalf("new guesser: %d warnings, want 1", w)
			}
			if w := guess(d, "10.1.0.0:40000", "192.0.2.10:21", t0.Add(tc.after)); w != tc.warn {
				t.Errorf("the first guesser back: %d warnings, want %d", w, tc.warn)
			}
			if n := d.Omitted().LoginAttackersLetGo; n != 2 {
				t.Errorf("%d attackers let go, want 2", n)
			}
		})
	}
}

// TestLoginReportedLetGoCrossServer: an address reported for guessing
// spread over servers, whose pairs all went, is remembered as reported
// with its cross-server entry: failing again at two servers within
// reportedMemory raises nothing.
func TestLoginReportedLetGoCrossServer(t *testing.T) {
	d := New(policy.Policy{}, nil, nil)
	fail := func(client, server string, k int, ts time.Time) *Finding {
		s := sess(client, server)
		s.User = "root"
		c := cmd(s, uint64(k), "PASS", fmt.Sprintf("pw%d", k), 530, "Login incorrect.")
		c.TS, c.Replies[0].TS = ts, ts.Add(time.Millisecond)
		return d.loginFailure(s, c)
	}
	const cli = "198.51.100.7:40000"
	spread := func(at time.Time, s1, s2 string) int {
		warned := 0
		for k := range bruteFailures {
			srv := s1
			if k >= 3 {
				srv = s2
			}
			if f := fail(cli, srv, k, at.Add(time.Duration(k)*time.Second)); f != nil && f.Severity == SeverityWarning {
				warned++
			}
		}
		return warned
	}
	if w := spread(t0, "192.0.2.1:21", "192.0.2.2:21"); w != 1 {
		t.Fatalf("spread over servers: %d warnings, want 1", w)
	}
	// An hour later the table fills with others; the spread guesser's
	// pairs are stale (the unreported one) or let go (the reported).
	for i := range maxLoginClients {
		guess(d, fmt.Sprintf("10.1.%d.%d:40000", i>>8, i&255), "192.0.2.10:21", t0.Add(time.Hour+time.Duration(i)*100*time.Millisecond))
	}
	if d.logins.cross[ap(cli).Addr()] != nil {
		t.Fatalf("the spread guesser's cross-server entry is still there")
	}
	if w := spread(t0.Add(3*time.Hour), "192.0.2.1:21", "192.0.2.3:21"); w != 0 {
		t.Errorf("back at two servers within reportedMemory: %d warnings, want 0", w)
	}
}
