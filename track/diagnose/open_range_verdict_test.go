package diagnose

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestFailedPortVerdictOpensTheRange guards the firewall verdict's
// advice: read literally, "on port 50067; open it" opens one port, and
// the next transfer gets another (the docs say never to). It names the
// range the port belongs to, the server's own when only its
// configuration's range covers it, as the change block does.
func TestFailedPortVerdictOpensTheRange(t *testing.T) {
	both := rangePolicy(t, "40000-40100")
	both.Server = confPolicy(t, "pasv-outside-range.conf").Server
	for _, tc := range []struct {
		name, pcap string
		p          policy.Policy
		want       string
	}{
		{"the server's range, outside the firewall's", "pasv-outside-range.pcap", both,
			"on port 50067; open it with the rest of the server's passive range 50000-50100;"},
		{"the firewall's range", "pasv-drop.pcap", rangePolicy(t, "40000-40100"),
			"on port 40011; open it with the rest of the passive range 40000-40100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, diag := run(t, filepath.Join(realDir, tc.pcap), tc.p)
			sums := diag.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries", len(sums))
			}
			v := sums[0].Verdict
			if !strings.Contains(v, tc.want) || strings.Contains(v, "open it;") || strings.HasSuffix(v, "open it") {
				t.Errorf("verdict %q, want %q\n%s", v, tc.want, render(rec, diag))
			}
		})
	}
}
