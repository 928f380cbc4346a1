package vantage

import (
	"strings"
	"testing"
	"time"
)

// TestControlLossesKeepPasswordsMasked guards the text of control lines
// one point lost: a refusal echoing the password, and a password line
// sent without its PASS verb after the 331, are masked as the outputs
// mask them (they were printed in the vantage verdict and JSON).
func TestControlLossesKeepPasswordsMasked(t *testing.T) {
	const secret = "Zq9Secret"
	for _, tc := range []struct {
		name       string
		fromClient bool
		line       string
		setup      func(c *ctl)
	}{
		{"echo", false, "530 Login incorrect: " + secret, func(c *ctl) { c.command("PASS " + secret) }},
		{"bare password", true, secret, func(*ctl) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, "client", "server")
			c := l.open(40000, 1000, 9000)
			c.reply("220 lab FTP server ready")
			c.command("USER bob")
			c.reply("331 Please specify the password.")
			tc.setup(c)
			before := c.sseq
			if tc.fromClient {
				before = c.cseq
			}
			lineOut(c, tc.fromClient, tc.line, 0)
			finFrom(c, !tc.fromClient, before, 20*time.Second)
			s := onlySession(t, l.merge())
			if s.ControlLost == 0 {
				t.Fatalf("no control line lost: the test proves nothing (%+v)", s)
			}
			for _, x := range s.ControlLosses {
				if strings.Contains(strings.ToLower(x.Text), strings.ToLower(secret)) || strings.Contains(strings.ToLower(x.Verdict), strings.ToLower(secret)) {
					t.Errorf("the password is in a control loss: %+v", x)
				}
			}
		})
	}
}
