package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestVerdictSaysPassiveRefused guards the verdict of a server that
// refuses passive mode while active mode works (pureftpd-natmode: -N,
// curl's EPSV and PASV got 500, curl -P - transferred): it read "the data
// connection worked", which a client behind NAT, needing passive mode,
// finds false.
func TestVerdictSaysPassiveRefused(t *testing.T) {
	_, d := realRun(t, "pureftpd-natmode.pcap", policy.Policy{})
	v := serverSummary(t, d, "10.99.0.1:21").Verdict
	if !strings.Contains(v, "the server refused passive mode in 1 session (see passive-refused)") {
		t.Errorf("verdict %q", v)
	}
}
