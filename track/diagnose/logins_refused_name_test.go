package diagnose

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// nameLogin is one session's login: a USER the server refused (refused,
// no PASS sent), or USER then PASS that succeeded (ok) or failed.
type nameLogin struct {
	client, server string
	user, pass     string
	refused, ok    bool
	at             float64
}

// nameSessions builds one session per login, in the order given.
func nameSessions(ls []nameLogin) []*track.Session {
	var ss []*track.Session
	for i, l := range ls {
		s := sess(l.client, l.server)
		s.ID = i + 1
		ms := uint64(l.at * 1000)
		s.Start = at(int(ms))
		s.User = l.user
		if l.refused {
			cmd(s, ms+1, "USER", l.user, 530, "This FTP server is anonymous only.")
			ss = append(ss, s)
			continue
		}
		cmd(s, ms+1, "USER", l.user, 331, "Please specify the password.")
		code, text := 530, "Login incorrect."
		if l.ok {
			code, text = 230, "Login successful."
		}
		cmd(s, ms+3, "PASS", l.pass, code, text)
		ss = append(ss, s)
	}
	return ss
}

// TestLoginRefusedAtUserNameIsNoPasswordGuess guards two faults seen on a
// real anonymous-only vsftpd behind one client address (an office NAT):
// every anonymous login succeeded, and the users who typed their own
// name first got "530 This FTP server is anonymous only." to USER, with
// no PASS ever sent; five of them made "Password guessing" with a rule
// to drop the address, because a USER refused counted as a password
// guessed and the address's anonymous successes were not weighed at all.
// A USER refused tries no password: it is never counted toward guessing
// (per address, over servers, per account over addresses, nor as a
// stored credential retried); the address's anonymous successes weigh
// against its anonymous failures and are said. Guessing with passwords
// beside refused names is still guessing.
func TestLoginRefusedAtUserNameIsNoPasswordGuess(t *testing.T) {
	const (
		office = "10.99.0.170:40000"
		srv    = "10.99.0.1:21"
		srv2   = "10.99.0.2:21"
	)
	anonOK := func(client, server string, at float64) nameLogin {
		return nameLogin{client, server, "anonymous", "guest@", false, true, at}
	}
	refused := func(client, server, user string, at float64) nameLogin {
		return nameLogin{client, server, user, "", true, false, at}
	}
	passFail := func(client, server, user, pass string, at float64) nameLogin {
		return nameLogin{client, server, user, pass, false, false, at}
	}
	// office: 120 sessions 0.3 s apart, every 12th (from the 6th) a
	// user's own name refused at USER, the rest anonymous and in.
	officeAnon := func(names []string) []nameLogin {
		var ls []nameLogin
		n := 0
		for i := range 120 {
			if i%12 == 5 {
				ls = append(ls, refused(office, srv, names[n%len(names)], float64(i)*0.3))
				n++
				continue
			}
			ls = append(ls, anonOK(office, srv, float64(i)*0.3))
		}
		return ls
	}
	tests := []struct {
		name string
		ls   []nameLogin
		// want: the most severe login-brute-force ("" none); says: in its
		// message.
		want, says string
	}{
		{"anonymous-only server behind a NAT, own names typed first",
			officeAnon([]string{"soakuser", "jsmith", "soakuser", "mlee", "soakuser", "soakuser", "akhan", "soakuser", "soakuser", "soakuser"}),
			"info", "refused at the user name before any password was sent"},
		{"names refused at USER, no login at all: an account-name scan",
			func() []nameLogin {
				var ls []nameLogin
				for i, u := range scanNameList(scanNames + 1) {
					ls = append(ls, refused(office, srv, u, float64(i)))
				}
				return ls
			}(), "warning", "Account-name scan"},
		{"seven names refused at USER, no login at all: a handful, no scan yet",
			func() []nameLogin {
				var ls []nameLogin
				for i, u := range []string{"root", "admin", "oracle", "test", "backup", "guest", "ftp1"} {
					ls = append(ls, refused(office, srv, u, float64(i)))
				}
				return ls
			}(), "info", "refused at the user name before any password was sent"},
		{"four names refused at USER, no login at all",
			func() []nameLogin {
				var ls []nameLogin
				for i, u := range []string{"root", "admin", "oracle", "test", "root"} {
					ls = append(ls, refused(office, srv, u, float64(i)))
				}
				return ls
			}(), "info", "no password was tried"},
		{"one name refused at USER again and again: no stored password",
			func() []nameLogin {
				var ls []nameLogin
				for i := range 8 {
					ls = append(ls, refused(office, srv, "backup", float64(i*10)))
				}
				return ls
			}(), "info", "no password was tried"},
		{"anonymous USER refused at USER, no login at all",
			func() []nameLogin {
				var ls []nameLogin
				for i := range 6 {
					ls = append(ls, refused(office, srv, "anonymous", float64(i)))
				}
				return ls
			}(), "info", ""},
		{"anonymous failures among many anonymous successes",
			func() []nameLogin {
				var ls []nameLogin
				for i := range 60 {
					if i%10 == 3 {
						ls = append(ls, passFail(office, srv, "anonymous", "bad", float64(i)))
						continue
					}
					ls = append(ls, anonOK(office, srv, float64(i)))
				}
				return ls
			}(), "info", "anonymous logins from it succeeded"},
		{"names refused at USER at two servers: nothing spread over servers",
			[]nameLogin{refused(office, srv, "root", 1), refused(office, srv2, "admin", 2), refused(office, srv, "test", 3),
				refused(office, srv2, "oracle", 4), refused(office, srv, "guest", 5), refused(office, srv2, "backup", 6)},
			"", ""},
		{"passwords guessed beside refused names",
			func() []nameLogin {
				var ls []nameLogin
				for i, u := range []string{"root", "admin", "oracle"} {
					ls = append(ls, refused(office, srv, u, float64(i)))
				}
				for i := range bruteFailures {
					ls = append(ls, passFail(office, srv, "alice", fmt.Sprintf("guess%d", i), float64(10+i)))
				}
				return ls
			}(), "warning", "3 of them were refused at the user name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, d := feed(policy.Policy{}, nameSessions(tc.ls)...)
			got := ""
			var msg string
			for _, f := range c.fs {
				if f.Code != CodeLoginAttack {
					continue
				}
				if f.Severity == SeverityWarning || got == "" {
					got, msg = f.Severity.String(), f.Message
				}
				if tc.want != "warning" && (f.Severity >= SeverityWarning || strings.Contains(f.Message, "Password guessing") || strings.Contains(f.Advice, "drop")) {
					t.Errorf("%s: %s\n%s", f.Severity, f.Message, f.Advice)
				}
				if tc.want != "warning" && strings.Contains(f.Message, "stored credential") {
					t.Errorf("a name refused at USER taken for a stored password: %s", f.Message)
				}
			}
			if got != tc.want {
				dumpFindings(t, c)
				t.Fatalf("login-brute-force %q, want %q", got, tc.want)
			}
			if !strings.Contains(msg, tc.says) {
				t.Errorf("message lacks %q: %s", tc.says, msg)
			}
			for _, s := range d.Summaries() {
				if strings.Contains(s.Verdict, "guessing") != (tc.want == "warning") {
					t.Errorf("%s: verdict %q", s.Server, s.Verdict)
				}
			}
		})
	}
}

// TestSpreadGuessingIgnoresNamesRefusedAtUser: one name refused at USER
// from many addresses (a fleet's users typing their name at a server
// for anonymous FTP only) tried no password: with a few failed
// passwords for it among them, far fewer than spreadFailures, no
// finding for the account, neither guessing nor a stored credential
// retried.
func TestSpreadGuessingIgnoresNamesRefusedAtUser(t *testing.T) {
	for _, passwords := range []int{1, spreadPasswords} {
		var ls []nameLogin
		for i := range 3 * spreadFailures {
			l := nameLogin{fmt.Sprintf("10.1.%d.%d:40000", i>>8, i&255), "192.0.2.10:21", "alice", "", true, false, float64(i)}
			if i%10 == 9 && i/10 < spreadPasswords {
				// A failed password; passwords different ones.
				l.refused, l.pass = false, fmt.Sprintf("pw%d", (i/10)%passwords)
			}
			ls = append(ls, l)
		}
		c, _ := feed(policy.Policy{}, nameSessions(ls)...)
		for _, f := range c.fs {
			if f.Code == CodeLoginAttack {
				t.Errorf("%d passwords: %s: %s", passwords, f.Severity, f.Message)
			}
		}
	}
}

// TestLoginSuccessesKeepNamedAddresses: anonymous logins count in a
// server's sketch of successful addresses now, but a mirror's busier
// anonymous clients do not push out an address whose named users log
// in: those are what its failed passwords are weighed against.
func TestLoginSuccessesKeepNamedAddresses(t *testing.T) {
	d := New(policy.Policy{}, nil, nil)
	ok := func(client, user string, ms int) {
		s := sess(client, "192.0.2.21:21")
		s.User = user
		c := cmd(s, uint64(ms), "PASS", "x", 230, "Login successful.")
		c.TS, c.Replies[0].TS = at(ms), at(ms+1)
		d.loginSuccess(s, c)
	}
	ms := 0
	for range 3 {
		ok("10.20.0.1:40000", "alice", ms) // the office: 3 named logins
		ms += 100
	}
	for i := range 4 * maxOKClients {
		for range 10 {
			ok(fmt.Sprintf("10.30.0.%d:40000", i), "anonymous", ms)
			ms += 10
		}
	}
	k := d.logins.okBy[ap("192.0.2.21:21")]
	if o, _ := k.find(ap("10.20.0.1:1").Addr()); o == nil || o.within(at(ms)) != 3 {
		t.Errorf("the office's named logins were pushed out by anonymous ones: %v", o)
	}
	if a := k.anonOf(ap("10.30.0.31:1").Addr()); a == nil || a.within(at(ms)) != 10 {
		t.Errorf("the latest anonymous client's logins not counted: %v", a)
	}
}
