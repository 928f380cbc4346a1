package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestEveryLoginRefusedFromManyAddresses guards the verdict of a server
// that refused every login when the refusals came from many client
// addresses: 10,000 addresses each failing once as root read "every login
// was refused … check the user names and passwords", an admin's typo,
// and the logins line said "from more than 64 client addresses". The
// verdict now says from how many addresses, exactly up to
// MaxLoginFailureClients, and agrees with login-brute-force's reading of
// one account failing from many addresses: guessing when the passwords
// vary, one stored credential retried or a login replayed with one
// password; from manyLoginAddrs addresses on, with neither, too many for
// one user's typo. One address's or a few addresses' failures keep the
// typo wording.
func TestEveryLoginRefusedFromManyAddresses(t *testing.T) {
	for _, tc := range []struct {
		name      string
		addrs     int
		user      func(i int) string
		pass      func(i int) string
		in, not   []string
		clients   int
		more      bool
		spreadSev string // login-brute-force's severity, "" for none
	}{
		{"one account, one password, from 300 addresses", 300,
			func(int) string { return "root" }, func(int) string { return "secret" },
			[]string{"from 300 client addresses", "one account with the same password every time", "one stored credential retried by many clients", "not one user's mistyped password", "see login-brute-force"},
			[]string{"check the user names and passwords"}, 300, false, "info"},
		{"one account, passwords varying, from 300 addresses", 300,
			func(int) string { return "root" }, func(i int) string { return fmt.Sprintf("pw%d", i) },
			[]string{"an account is being guessed from many addresses"},
			[]string{"check the user names and passwords"}, 300, false, "warning"},
		{"a different user from each of 30 addresses", 30,
			func(i int) string { return fmt.Sprintf("user%d", i) }, func(int) string { return "secret" },
			[]string{"from 30 client addresses, too many for one user's mistyped password", "the server refuses everyone"},
			[]string{"check the user names and passwords"}, 30, false, ""},
		{"a user mistyping from 3 addresses", 3,
			func(int) string { return "alice" }, func(int) string { return "wrong" },
			[]string{"check the user names and passwords"},
			[]string{"client addresses", "mistyped"}, 3, false, ""},
		{"one account, one password, past the bound", MaxLoginFailureClients + 5,
			func(int) string { return "root" }, func(int) string { return "secret" },
			[]string{fmt.Sprintf("from more than %d client addresses", MaxLoginFailureClients)},
			[]string{"check the user names and passwords"}, MaxLoginFailureClients, true, "info"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &wire{t: t, c: &collect{}, srv: ap("192.0.2.10:21"), now: t0}
			w.d = New(policy.Policy{}, nil, w.c)
			w.trk = track.New(w.d, track.Options{})
			for i := range tc.addrs {
				w.cli = netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)}), 40000)
				w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
				w.reply(220, "(vsFTPd 3.0.3)")
				w.cmd("USER " + tc.user(i))
				w.reply(331, "Please specify the password.")
				w.cmd("PASS " + tc.pass(i))
				w.reply(530, "Login incorrect.")
				w.cmd("QUIT")
				w.reply(221, "Goodbye.")
				w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			}
			w.trk.Finish()
			sums := w.d.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d server summaries", len(sums))
			}
			s := sums[0]
			if s.LoginFailureClients != tc.clients || s.LoginFailureClientsMore != tc.more {
				t.Errorf("login failures from %d clients (more %v), want %d (%v)", s.LoginFailureClients, s.LoginFailureClientsMore, tc.clients, tc.more)
			}
			sev := ""
			for _, f := range w.c.fs {
				if f.Code == CodeLoginAttack && f.spread {
					sev = f.Severity.String()
				}
			}
			if sev != tc.spreadSev {
				t.Errorf("login-brute-force spread over addresses: %q, want %q", sev, tc.spreadSev)
			}
			for _, x := range tc.in {
				if !strings.Contains(s.Verdict, x) {
					t.Errorf("verdict lacks %q: %s", x, s.Verdict)
				}
			}
			for _, x := range tc.not {
				if strings.Contains(s.Verdict, x) {
					t.Errorf("verdict has %q: %s", x, s.Verdict)
				}
			}
		})
	}
}
