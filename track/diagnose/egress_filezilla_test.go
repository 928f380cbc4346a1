package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestFileZillaEgressRuleCoversAnyPort guards the Windows rule for a
// FileZilla Server's active data connections: it may connect from port
// 20 or from any port, as it is set, and the advice says so, so the
// rule is one for its program, not localport=20, which let out only the
// first kind. IIS, which connects from port 20, keeps the port's rule.
func TestFileZillaEgressRuleCoversAnyPort(t *testing.T) {
	fz := family{kind: policy.ServerFileZilla, byGreeting: true}
	iis := family{kind: policy.ServerIIS, byGreeting: true}
	adv := serverEgressAdvice(fz, 21, false)
	win, _, _ := strings.Cut(adv, "; on Linux,")
	if strings.Contains(win, "localport=20") || strings.Contains(win, "-LocalPort 20") || !strings.Contains(win, `program="%ProgramFiles%\FileZilla Server\filezilla-server.exe"`) || !strings.Contains(win, `-Program "%ProgramFiles%\FileZilla Server\filezilla-server.exe"`) {
		t.Errorf("FileZilla Server's Windows rule: %s", win)
	}
	if a := serverEgressAdvice(iis, 21, false); !strings.Contains(a, "localport=20") || strings.Contains(a, "program=") {
		t.Errorf("IIS: %s", a)
	}
	acc := &serverAcc{addr: netip.MustParseAddrPort("93.184.216.34:21")}
	lines := strings.Join(acc.serverOutputLines(fz), "\n")
	win, _, _ = strings.Cut(lines, "# on Linux:")
	if strings.Contains(win, "localport=20") || strings.Contains(win, "-LocalPort 20") || !strings.Contains(win, "filezilla-server.exe") {
		t.Errorf("FileZilla Server's Windows change lines:\n%s", win)
	}
	if lines := strings.Join(acc.serverOutputLines(iis), "\n"); !strings.Contains(lines, "localport=20") {
		t.Errorf("IIS change lines:\n%s", lines)
	}
}
