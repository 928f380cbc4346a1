package diagnose

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestVerdictErrorsLeadWhatWorked guards a server whose sessions failed
// (three of four never logged in for want of TLS; implicit FTPS refused,
// unanswered, its TLS failed) against a verdict that opens with "the
// data connection worked": the errors lead, what worked follows.
func TestVerdictErrorsLeadWhatWorked(t *testing.T) {
	for _, tc := range []struct{ capture, err string }{
		{"auth-tls-refused.pcap", "control-tls-unavailable"},
		{"implicit-ftps-fail.pcap", "control-tls-failed"},
	} {
		_, diag := run(t, filepath.Join(realDir, tc.capture), policy.Policy{})
		for _, sum := range diag.Summaries() {
			v := sum.Verdict
			e, w := strings.Index(v, tc.err), strings.Index(v, "worked")
			if e < 0 || w >= 0 && w < e {
				t.Errorf("%s %s: the verdict does not lead with %s:\n%s", tc.capture, sum.Server, tc.err, v)
			}
		}
	}
}
