package diagnose

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestCutPasswordsAreNoStoredCredential guards login-brute-force against
// reading passwords a snap length cut to the same first bytes ("PASS
// Guess" of "PASS Guess000" to "Guess007", delivered without their line
// end) as one stored credential retried: eight refused logins of admin
// from one address read "one stored credential retried ... not a client
// guessing passwords" (info), and twenty from as many addresses "every
// one with the same password". A cut password is unknown: a key of its
// own, so the failures weigh as guessing (warning), the evidence saying
// the passwords were cut. Whole passwords alike still read as one
// credential.
func TestCutPasswordsAreNoStoredCredential(t *testing.T) {
	for _, tc := range []struct {
		name  string
		addrs int // client addresses; the failures: 8 from one, else one each
		cut   bool
		sev   Severity
		in    []string
		not   []string
	}{
		{"one address, cut", 1, true, SeverityWarning,
			[]string{"Password guessing from 198.51.100.66", "5 passwords cut short by the capture, not comparable"},
			[]string{"stored credential", "same password"}},
		{"one address, whole", 1, false, SeverityInfo,
			[]string{"one stored credential retried"}, []string{"cut short"}},
		{"many addresses, cut", spreadFailures, true, SeverityWarning,
			[]string{"Password guessing against user \"admin\" spread over many addresses", "passwords that differ, or that the capture cut short"},
			[]string{"stored credential", "same password"}},
		{"many addresses, whole", spreadFailures, false, SeverityInfo,
			[]string{"every one with the same password", "one stored credential retried by many clients"}, []string{"cut short"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ss []*track.Session
			n := 8
			if tc.addrs > 1 {
				n = tc.addrs
			}
			for i := range n {
				client := "198.51.100.66:" + fmt.Sprint(40000+i)
				if tc.addrs > 1 {
					client = fmt.Sprintf("198.51.100.%d:40000", 10+i)
				}
				s := sess(client, "203.0.113.31:21")
				s.ID = i + 1
				num := uint64(10 + 10*i)
				cmd(s, num, "USER", "admin", 331, "Please specify the password.")
				p := cmd(s, num+2, "PASS", "Guess", 530, "Login incorrect.")
				if tc.cut {
					p.Anomaly |= ftp.CmdUnterminated // (the line's end not in the capture)
				}
				s.User = "admin"
				s.Login = track.LoginFailed
				ss = append(ss, s)
			}
			c, _ := feed(policy.Policy{}, ss...)
			f := c.find(CodeLoginAttack)
			if f == nil {
				dumpFindings(t, c)
				t.Fatal("no login-brute-force")
			}
			all := f.Message + " | " + f.Evidence + " | " + f.Advice
			if f.Severity != tc.sev {
				t.Errorf("severity %v, want %v: %s", f.Severity, tc.sev, all)
			}
			for _, w := range tc.in {
				if !strings.Contains(all, w) {
					t.Errorf("lacks %q: %s", w, all)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(all, w) {
					t.Errorf("holds %q: %s", w, all)
				}
			}
		})
	}
}
