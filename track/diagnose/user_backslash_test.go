package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestUserBackslashEscapedInEvidence: a Windows domain user,
// CONTOSO\alice, is written CONTOSO\\alice in the transcript (a
// backslash from the wire is doubled there, so that none passes for an
// escape); the cleartext-login evidence, which shows the name without
// quotes, must write it the same way, not CONTOSO\alice.
func TestUserBackslashEscapedInEvidence(t *testing.T) {
	s := sess("192.168.50.20:51000", "192.168.50.5:21")
	s.User = `CONTOSO\alice`
	cmd(s, 6, "USER", `CONTOSO\alice`, 331, "Password required")
	cmd(s, 10, "PASS", "********", 230, "User logged in.")
	s.CommandCount = len(s.Commands)
	c, _ := feed(policy.Policy{}, s)
	f := c.find(CodeCleartextLogin)
	if f == nil {
		dumpFindings(t, c)
		t.Fatal("no cleartext-login")
	}
	if !strings.HasPrefix(f.Evidence, `USER CONTOSO\\alice,`) {
		t.Errorf("evidence %q: want the user written CONTOSO\\\\alice, as the transcript does", f.Evidence)
	}
}
