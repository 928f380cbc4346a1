package diagnose

import (
	"net"
	"strings"
	"testing"
	"time"
)

// anonOnlyCapture writes what the reviewer captured on an anonymous-only
// vsftpd: 120 control connections from one address 0.3 s apart, every
// 12th (from the 6th) a user's own name refused at USER ("530 This FTP
// server is anonymous only.", then QUIT), the rest anonymous logins that
// succeed.
func anonOnlyCapture(t *testing.T) []byte {
	t.Helper()
	names := []string{"soakuser", "jsmith", "soakuser", "mlee", "soakuser", "soakuser", "akhan", "soakuser", "soakuser", "soakuser"}
	var scripts [][]ctlLine
	for i := range 120 {
		if i%12 == 5 {
			scripts = append(scripts, []ctlLine{{true, "USER " + names[len(scripts)/12%len(names)] + "\r\n"},
				{false, "530 This FTP server is anonymous only.\r\n"}})
			continue
		}
		scripts = append(scripts, []ctlLine{{true, "USER anonymous\r\n"}, {false, "331 Please specify the password.\r\n"},
			{true, "PASS guest@\r\n"}, {false, "230 Login successful.\r\n"}})
	}
	return loginCaptureFrom(t, net.IPv4(10, 99, 0, 170), net.IPv4(10, 99, 0, 1), 300*time.Millisecond, scripts)
}

// TestAnonymousOnlyServerNamesRefusedCapture runs anonOnlyCapture through
// the real pipeline: the users who typed their own names at an
// anonymous-only server, behind one address with 110 anonymous logins,
// were "Password guessing" with a rule to drop the address. No password
// was ever sent: an info says so, with nothing to block, and the
// server's verdict is not guessing.
func TestAnonymousOnlyServerNamesRefusedCapture(t *testing.T) {
	rec, diag := readLogins(t, anonOnlyCapture(t))
	var infos int
	for _, f := range findingsOf(rec, CodeLoginAttack) {
		if f.Severity > SeverityInfo || strings.Contains(f.Message, "Password guessing") || strings.Contains(f.Advice, "drop") {
			t.Errorf("%s login-brute-force: %s\n%s", f.Severity, f.Message, f.Advice)
			continue
		}
		if !strings.Contains(f.Message, "refused at the user name before any password was sent") || !strings.Contains(f.Message, "anonymous logins from it succeeded") {
			t.Errorf("info does not say the names were refused before any password among anonymous logins: %s", f.Message)
		}
		infos++
	}
	if infos != 1 {
		t.Errorf("%d infos, want 1", infos)
	}
	sums := diag.Summaries()
	if len(sums) != 1 || sums[0].Sessions != 120 || sums[0].LoginFailures != 10 {
		t.Fatalf("summaries %+v: the capture is not read as built", sums)
	}
	if strings.Contains(sums[0].Verdict, "guessing") {
		t.Errorf("verdict %q", sums[0].Verdict)
	}
}
