package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestServerVerdictNamesLikelyBlackHole guards a server whose one problem
// is a likely path MTU black hole (a pmtu-blackhole warning, read from the
// resends alone) while another clause leads its verdict: an FTPS server,
// whose encrypted control channel hid the announcements, read "the
// control channel is encrypted and the data connections worked" and
// nothing more: pmtu-blackhole was not among the problem warnings the
// verdict names. It is named once, after the lead; where it leads, or as
// an error (the router's ICMP in the capture), it is not named again
// among the problems.
func TestServerVerdictNamesLikelyBlackHole(t *testing.T) {
	suspected := &Finding{Code: CodePMTUBlackHole, Severity: SeverityWarning, mtuSuspected: true}
	proven := &Finding{Code: CodePMTUBlackHole, Severity: SeverityError}
	for _, tc := range []struct {
		name      string
		encrypted bool
		f         *Finding
		want, not []string
	}{
		{"FTPS, its data connection stopped by a likely black hole", true, suspected,
			[]string{"the control channel is encrypted", "; other problems: pmtu-blackhole (1 finding): see those findings"},
			[]string{"other errors"}},
		{"FTPS, a black hole the router's ICMP shows", true, proven,
			// (An error leads, before what worked: verdictWriter.workedLead.)
			[]string{"errors: pmtu-blackhole (1 finding): see those findings; besides, the control channel is encrypted"},
			[]string{"other problems", "other errors"}},
		{"in clear text: the black hole leads", false, suspected,
			[]string{"likely a path MTU black hole stopped 1 data connection"},
			[]string{"other problems", "other errors"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New(policy.Policy{}, nil, nil)
			a := newServerAcc(netip.MustParseAddrPort("192.0.2.1:21"))
			a.shared = d.capture
			a.sessions = 1
			a.outcomes[track.OutcomeConnected] = 1
			if tc.encrypted {
				a.encrypted, a.hidden = 1, 1
				a.findings[CodeControlEncrypted] = 1
			}
			a.finding(d, tc.f)
			v := d.summarize(a).Verdict
			for _, w := range tc.want {
				if !strings.Contains(v, w) {
					t.Errorf("verdict lacks %q:\n%s", w, v)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(v, n) {
					t.Errorf("verdict has %q:\n%s", n, v)
				}
			}
		})
	}
}
