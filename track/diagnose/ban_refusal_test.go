package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// A 421 greeting that says the client's address is banned ("Temporarily
// banned for too many failed login attempts", FileZilla Server's
// autoban) was read as a connection limit for its "too many", and told
// the admin to raise vsftpd max_clients. The words of a ban are read in
// general ("ban", "blocked", "failed login"), and a ban is not a limit;
// the limits' own wordings stay limits.
func TestBanGreetingIsNotAConnectionLimit(t *testing.T) {
	for _, tc := range []struct {
		text    string
		ban     bool
		logins  bool // the advice speaks of the failed logins
		message string
	}{
		{"Temporarily banned for too many failed login attempts", true, true, "bans the client's address after failed logins"},
		{"Access denied: your IP is blocked", true, false, "bans or blocks the client's address"},
		{"Your address is on the blacklist", true, false, "bans or blocks"},
		{"Too many failed logon attempts from your address, try later", true, true, "after failed logins"},
		{"Too many connections (10) from this IP", false, false, "limit on connections from one client address"},
		{"There are too many connected users, please try later.", false, false, "it had reached its limit on connections"},
		{"Welcome: see the banner", false, false, "no login or transfer was tried"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			low := strings.ToLower(tc.text)
			if got := banText(low); got != tc.ban {
				t.Errorf("banText = %v, want %v", got, tc.ban)
			}
			if tc.ban && limitText(low) != limitNone {
				t.Errorf("limitText names a limit for a ban")
			}
			s := sess("192.0.2.10:50000", "203.0.113.5:21")
			s.Greeting = []track.Reply{{Code: 421, Text: tc.text, TS: t0, Num: 4}}
			c, d := feed(policy.Policy{}, s)
			f := c.find(CodeSessionRefused)
			if f == nil {
				t.Fatal("no session-refused")
			}
			if !strings.Contains(f.Message, tc.message) {
				t.Errorf("message lacks %q: %s", tc.message, f.Message)
			}
			sum := serverSummary(t, d, "203.0.113.5:21")
			if tc.ban {
				for _, no := range []string{"max_clients", "Raise the limit", "MaxClients"} {
					if strings.Contains(f.Advice, no) {
						t.Errorf("a ban's advice names a connection limit (%q): %s", no, f.Advice)
					}
				}
				if !strings.Contains(f.Advice, "lift the") {
					t.Errorf("advice does not say to lift the ban: %s", f.Advice)
				}
				if got := strings.Contains(f.Advice, "failed before"); got != tc.logins {
					t.Errorf("advice speaks of failed logins: %v, want %v: %s", got, tc.logins, f.Advice)
				}
				if !strings.Contains(sum.Verdict, "bans the client's address") || strings.Contains(sum.Verdict, "connection limit, most often") {
					t.Errorf("verdict: %s", sum.Verdict)
				}
			} else if strings.Contains(sum.Verdict, "bans") {
				t.Errorf("verdict speaks of a ban: %s", sum.Verdict)
			}
		})
	}
}

// TestLoginRefusedThenBannedVerdict guards the verdict of a server whose
// last answer to a client's failed logins was a 421 banning its address
// (FileZilla Server's autoban): besides checking the passwords, the ban
// has to be lifted, or the right password is refused too.
func TestLoginRefusedThenBannedVerdict(t *testing.T) {
	s := sess("10.0.0.2:50000", "10.0.0.1:21")
	s.Greeting = []track.Reply{{Code: 220, Text: "FileZilla Server version 0.9.60 beta", TS: t0, Num: 4}}
	cmd(s, 6, "USER", "bob", 331, "Password required for bob")
	cmd(s, 8, "PASS", "x", 421, "Temporarily banned for too many failed login attempts")
	s.Login = track.LoginFailed
	_, d := feed(policy.Policy{}, s)
	v := serverSummary(t, d, "10.0.0.1:21").Verdict
	for _, w := range []string{"every login was refused", "banned the client's address", "lift the ban in FileZilla Server's autoban"} {
		if !strings.Contains(v, w) {
			t.Errorf("verdict lacks %q: %s", w, v)
		}
	}
}
