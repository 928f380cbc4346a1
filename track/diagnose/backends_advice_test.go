package diagnose

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestRefusedByOtherBackendOpensNoPort guards the data-refused fix beside
// the "more than one host answers" verdict (spread.go): the verdict said
// opening ports changes nothing, while every data-refused finding still
// told to open the passive range and load the helper. Findings made
// after the interleaving was seen say the backends' fix themselves
// (BackendsAdvised); the earlier ones, made before anything showed it,
// are refusals at the control address (RefusedByBackend) that the
// summary gives the verdict's fix (ServerSummary.BackendsSpread).
// testdata/lb-split-roundrobin.pcap: data connections balanced round
// robin over two backends, every other session refused (sessions 2, 4
// and 6, two refusals each; the interleaving shows in session 3).
func TestRefusedByOtherBackendOpensNoPort(t *testing.T) {
	for _, tc := range []struct {
		path, server string
		refused      int // data-refused findings
		advised      int // of them, those made after the interleaving
	}{
		{"testdata/lb-split-roundrobin.pcap", "203.0.113.20:21", 6, 4},
		// Its interleaving shows only with session 2's last connection.
		{filepath.Join(realDir, "lb-split-client.pcap"), "10.99.1.1:21", 3, 0},
	} {
		rec, d := run(t, tc.path, policy.Policy{})
		sum := serverSummary(t, d, tc.server)
		if !sum.BackendsSpread || !strings.Contains(sum.Verdict, "more than one host answers") {
			t.Errorf("%s: BackendsSpread %v, verdict %q", tc.path, sum.BackendsSpread, sum.Verdict)
		}
		refused, advised := 0, 0
		for _, f := range rec.findings {
			if f.Code != CodeDataRefused {
				continue
			}
			refused++
			if !RefusedByBackend(f) {
				t.Errorf("%s: session %d: %q not counted as refused at the control address", tc.path, f.Session.ID, f.Evidence)
			}
			if !f.BackendsAdvised() {
				continue
			}
			advised++
			if strings.Contains(f.Advice, "accept") || strings.Contains(f.Advice, "ACCEPT") || strings.Contains(f.Advice, "helper") ||
				!strings.Contains(f.Advice, "opening ports changes nothing") {
				t.Errorf("%s: session %d: advice %q", tc.path, f.Session.ID, f.Advice)
			}
		}
		if refused != tc.refused || advised != tc.advised {
			t.Errorf("%s: %d data-refused, %d with the backends' fix; want %d, %d", tc.path, refused, advised, tc.refused, tc.advised)
		}
	}
}
