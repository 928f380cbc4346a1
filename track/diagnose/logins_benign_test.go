package diagnose

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// loginTry is one USER/PASS pair of a session and whether the server
// accepted it (230) or refused the PASS (530).
type loginTry struct {
	user, pass string
	ok         bool
}

// loginVisit is one session: its client, server, start (seconds) and
// the logins it tried in order, 300 ms apart.
type loginVisit struct {
	client, server string
	at             float64
	tries          []loginTry
}

// visitSessions builds one session per visit, in time order.
func visitSessions(vs []loginVisit) []*track.Session {
	vs = slices.Clone(vs)
	slices.SortStableFunc(vs, func(a, b loginVisit) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	var ss []*track.Session
	for i, v := range vs {
		s := sess(v.client, v.server)
		s.ID = i + 1
		ms := uint64(v.at * 1000)
		s.Start = at(int(ms))
		for k, tr := range v.tries {
			base := ms + uint64(k)*300
			s.User = tr.user
			u := cmd(s, base+1, "USER", tr.user, 331, "Please specify the password.")
			u.TS, u.Replies[0].TS = at(int(base+1)), at(int(base+2))
			code, text := 530, "Login incorrect."
			if tr.ok {
				code, text = 230, "Login successful."
			}
			p := cmd(s, base+3, "PASS", tr.pass, code, text)
			p.TS, p.Replies[0].TS = at(int(base+3)), at(int(base+4))
		}
		ss = append(ss, s)
	}
	return ss
}

// TestBenignBusyLoginsAreNotGuessing guards the busy-server captures
// that were called password guessing, with an nft rule dropping an
// address whose users were only logging in:
//
//   - a stale credential behind a busy office NAT: one scheduled job
//     failing every minute with one password among the office's good
//     logins and a few typos of other users: "10 failed logins for one
//     user" was guessing because the one-credential rule looked at the
//     whole window, which other users' typos broke; it is judged per
//     user now;
//   - a workstation whose browser or Windows Explorer tries anonymous
//     first, gets 530, and then the user logs in seconds later: each
//     anonymous failure was weighed before its own success arrived; a
//     named login from the same address within seconds excuses one
//     anonymous attempt now;
//   - an office whose users mistype their names ("user_0046" refused,
//     "user0046" accepted 0.3 s later in the same session): the mistyped
//     names were strangers; a name its session retyped and logged in
//     with seconds later is no stranger now.
//
// Guessing still warns: a stale job's user with varying passwords, one
// password for several users each retried, anonymous failures that no
// named login follows, stranger names whose sessions never log in, and
// sessions that try two strangers before a hit.
func TestBenignBusyLoginsAreNotGuessing(t *testing.T) {
	const (
		office = "203.0.113.5:40000"
		ws     = "10.9.9.9:50000"
		srv    = "198.51.100.10:21"
	)
	ok := func(user string) loginTry { return loginTry{user, "right-" + user, true} }
	bad := func(user, pass string) loginTry { return loginTry{user, pass, false} }
	// office: 30 users, each logging in 4 times over 10 minutes (names
	// come back, so strangers can be judged), one visit every 5 s.
	office120 := func() []loginVisit {
		var vs []loginVisit
		for i := range 120 {
			vs = append(vs, loginVisit{office, srv, 5 * float64(i), []loginTry{ok(fmt.Sprintf("user%04d", i%30))}})
		}
		return vs
	}
	// typos: n office users mistyping their password once, then logging
	// in, in the same session.
	typos := func(n int, from float64) []loginVisit {
		var vs []loginVisit
		for i := range n {
			u := fmt.Sprintf("user%04d", i)
			vs = append(vs, loginVisit{office, srv, from + 40*float64(i) + 0.5, []loginTry{bad(u, fmt.Sprintf("typo%d", i)), ok(u)}})
		}
		return vs
	}
	// job: user every 55 s, 10 times, with pass(k).
	job := func(user string, pass func(k int) string) []loginVisit {
		var vs []loginVisit
		for k := range focusFailures {
			vs = append(vs, loginVisit{office, srv, 7 + 55*float64(k) + 0.25, []loginTry{bad(user, pass(k))}})
		}
		return vs
	}
	// browser: an anonymous attempt refused, then user logging in from
	// the next session, wait seconds later.
	browser := func(client string, from float64, user, mail string, wait float64) []loginVisit {
		return []loginVisit{
			{client, srv, from, []loginTry{bad("anonymous", mail)}},
			{client, srv, from + wait, []loginTry{ok(user)}},
		}
	}
	// nameTypo: a session trying a mistyped name, then the right one.
	nameTypo := func(i int, from float64) loginVisit {
		return loginVisit{office, srv, from + 0.75, []loginTry{bad(fmt.Sprintf("user_%04d", i), fmt.Sprintf("right-user%04d", i)), ok(fmt.Sprintf("user%04d", i))}}
	}
	cat := func(parts ...[]loginVisit) []loginVisit { return slices.Concat(parts...) }
	tests := []struct {
		name   string
		visits []loginVisit
		warn   bool
		// info: a word the info must say (when not warn), or the
		// warning's message (when warn).
		info string
	}{
		{"stale job behind a busy NAT among other users' typos",
			cat(office120(), typos(6, 20), job("backupjob", func(int) string { return "OldPassword2025" })),
			false, `"backupjob"`},
		{"two stale jobs and nothing else",
			cat(job("backupjob", func(int) string { return "OldPassword2025" }), job("syncjob", func(int) string { return "Winter2024" })),
			false, `users "backupjob", "syncjob"`},
		{"the job's user with a new password every time is guessing",
			cat(office120(), typos(6, 20), job("backupjob", func(k int) string { return fmt.Sprintf("guess%d", k) })),
			true, "for one user"},
		{"one password retried for several users is a spray",
			cat(office120(), func() []loginVisit {
				var vs []loginVisit
				for k, u := range []string{"admin", "root", "oracle", "admin", "root", "oracle"} {
					vs = append(vs, loginVisit{office, srv, 30 + 10*float64(k) + 0.25, []loginTry{bad(u, "Summer2026")}})
				}
				return vs
			}()),
			true, "spraying"},
		{"workstation: Explorer/browser tries anonymous first, then alice logs in",
			func() []loginVisit {
				var vs []loginVisit
				for i := range 6 {
					vs = append(vs, browser(ws, 90*float64(i), "alice", []string{"IEUser@", "mozilla@example.com"}[i%2], 5)...)
				}
				return vs
			}(),
			false, "anonymous"},
		{"workstation: Explorer only, one e-mail every time",
			func() []loginVisit {
				var vs []loginVisit
				for i := range 6 {
					vs = append(vs, browser(ws, 90*float64(i), "alice", "IEUser@", 4)...)
				}
				return vs
			}(),
			false, "anonymous"},
		{"office NAT: browsers' anonymous attempts among named logins",
			cat(func() []loginVisit {
				var vs []loginVisit
				// A burst of browser visits: each anonymous attempt
				// refused before the earlier visits' users logged in.
				for i := range 3 {
					vs = append(vs, loginVisit{office, srv, float64(i), []loginTry{ok(fmt.Sprintf("emp%03d", i))}})
				}
				for i := range 8 {
					vs = append(vs, browser(office, 10+float64(i)+0.5, fmt.Sprintf("emp%03d", 10+i), "mozilla@example.com", 4)...)
				}
				return vs
			}()),
			false, "anonymous"},
		// A guesser owning one account (mallory) that logs in with it
		// after each guess: the victims are no retyped names of
		// mallory's (rev3-last's retyped-extra.pcap, retyped-multi.pcap),
		// nor is a name tried with two passwords a typo.
		{"a guesser's own login after each victim is no retyping",
			func() []loginVisit {
				var vs []loginVisit
				for k := range 4 {
					vs = append(vs, loginVisit{ws, srv, float64(k), []loginTry{ok("mallory")}})
				}
				for i := range 12 {
					vs = append(vs, loginVisit{ws, srv, 10 + 20*float64(i), []loginTry{bad(fmt.Sprintf("victim%02d", i), fmt.Sprintf("Spring%d", i)), ok("mallory")}})
				}
				return vs
			}(),
			true, "user names that never logged in"},
		{"a name tried with two passwords, then another name, is no typo",
			func() []loginVisit {
				var vs []loginVisit
				for k := range 4 {
					vs = append(vs, loginVisit{ws, srv, float64(k), []loginTry{ok("user01")}})
				}
				for i := range 12 {
					vs = append(vs, loginVisit{ws, srv, 10 + 20*float64(i), []loginTry{bad(fmt.Sprintf("user%02d", 10+i), "a"), bad(fmt.Sprintf("user%02d", 10+i), "b"), ok("user01")}})
				}
				return vs
			}(),
			true, "Password"},
		{"anonymous failures no named login follows are guessing",
			cat(func() []loginVisit {
				var vs []loginVisit
				for i := range 3 {
					vs = append(vs, loginVisit{ws, srv, float64(i), []loginTry{ok(fmt.Sprintf("emp%03d", i))}})
				}
				for i := range 12 {
					vs = append(vs, loginVisit{ws, srv, 100 + 6*float64(i), []loginTry{bad("anonymous", fmt.Sprintf("x%d@", i))}})
				}
				return vs
			}()),
			true, "Password guessing from 10.9.9.9"},
		{"office: mistyped user names retyped in the same session",
			cat(office120(), func() []loginVisit {
				var vs []loginVisit
				for i := range 7 {
					vs = append(vs, nameTypo(i, 20+70*float64(i)))
				}
				return vs
			}()),
			false, ""},
		{"office: stranger names whose sessions never log in are guessing",
			cat(office120(), func() []loginVisit {
				var vs []loginVisit
				for i := range 7 {
					vs = append(vs, loginVisit{office, srv, 20 + 70*float64(i) + 0.75, []loginTry{bad(fmt.Sprintf("stranger%d", i), fmt.Sprintf("Passw0rd%d", i))}})
				}
				return vs
			}()),
			true, "user names that never logged in"},
		{"office: stranger names each retried with its own password are guessing",
			cat(office120(), func() []loginVisit {
				var vs []loginVisit
				for i := range 6 {
					for k := range 2 {
						vs = append(vs, loginVisit{office, srv, 20 + 70*float64(i) + 10*float64(k) + 0.75, []loginTry{bad(fmt.Sprintf("stranger%d", i), fmt.Sprintf("Passw0rd%d", i))}})
					}
				}
				return vs
			}()),
			true, "user names that never logged in"},
		{"office: sessions trying two strangers before a hit are guessing",
			cat(office120(), func() []loginVisit {
				var vs []loginVisit
				for i := range 8 {
					vs = append(vs, loginVisit{office, srv, 20 + 50*float64(i) + 0.75, []loginTry{
						bad(fmt.Sprintf("stranger%da", i), fmt.Sprintf("pw-%da", i)), bad(fmt.Sprintf("stranger%db", i), fmt.Sprintf("pw-%db", i)), ok(fmt.Sprintf("user%04d", i))}})
				}
				return vs
			}()),
			true, "user names that never logged in"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := feed(policy.Policy{}, visitSessions(tc.visits)...)
			warned := false
			var infos, warnings []string
			for _, f := range c.fs {
				if f.Code != CodeLoginAttack {
					continue
				}
				if f.Severity >= SeverityWarning {
					warned = true
					warnings = append(warnings, f.Message)
					continue
				}
				infos = append(infos, f.Message)
				if strings.Contains(f.Advice, "drop") {
					t.Errorf("info with a block rule: %s", f.Advice)
				}
			}
			if warned != tc.warn {
				dumpLoginFindings(t, c)
				t.Errorf("login-brute-force warning: %v, want %v", warned, tc.warn)
			}
			if !tc.warn && tc.info != "" && !strings.Contains(strings.Join(infos, "\n"), tc.info) {
				dumpLoginFindings(t, c)
				t.Errorf("no info saying %s", tc.info)
			}
			if tc.warn && !strings.Contains(strings.Join(warnings, "\n"), tc.info) {
				dumpLoginFindings(t, c)
				t.Errorf("no warning saying %s", tc.info)
			}
		})
	}
}

// dumpLoginFindings logs the login-brute-force findings of c.
func dumpLoginFindings(t *testing.T, c *collect) {
	t.Helper()
	for _, f := range c.fs {
		if f.Code == CodeLoginAttack {
			t.Logf("%s: %s\n   evidence: %s\n   fix: %s", f.Severity, f.Message, f.Evidence, f.Advice)
		}
	}
}
