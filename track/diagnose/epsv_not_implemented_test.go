package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestEPSVNotImplementedAdvisesNoFirewall: "500 'EPSV': command not
// understood", then PASV worked (an IIS 6 answering Apache Commons Net).
// The server does not know EPSV: nothing on the path refused anything,
// so the advice opens no range "statically on every hop"; it says what
// the refusal means. The firewall reading is for an EPSV whose data
// connection failed.
func TestEPSVNotImplementedAdvisesNoFirewall(t *testing.T) {
	s := sess("10.30.0.40:58000", "10.30.0.4:21")
	s.Greeting = []track.Reply{{Code: 220, Text: "Microsoft FTP Service", TS: t0, Num: 4}}
	cmd(s, 18, "EPSV", "", 500, "'EPSV': command not understood")
	dc := announce(s, 22, "PASV", ftp.ViaPASV, "10.30.0.4:50010", 227, "Entering Passive Mode (10,30,0,4,195,90).")
	syn(dc, "10.30.0.40:58001", "10.30.0.4:50010", 26, 1, 0)
	dc.SynAckTS, dc.Match, dc.Outcome = at(27), track.MatchExact, track.OutcomeTransferred
	s.CommandCount = len(s.Commands)
	c, _ := feed(policy.Policy{}, s)
	check(t, c, want{CodeModeFallback, SeverityInfo, 1, []string{"does not implement EPSV", "no port to open"}})
	if f := c.find(CodeModeFallback); strings.Contains(f.Advice, "every hop") || strings.Contains(f.Advice, "forward and open") {
		t.Errorf("a firewall's advice for a server that does not know EPSV:\n%s", f.Advice)
	}
}
