package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestNoRangeVerdictHedgedWhenIncludeNotFollowed guards the verdict,
// advice and change block for a ProFTPD configuration without PassivePorts
// whose Include ftpsniff did not follow (Debian's stock proftpd.conf keeps
// its range under conf.d/): the included file may set the range, so they
// do not say flatly that the file sets none and to add one.
func TestNoRangeVerdictHedgedWhenIncludeNotFollowed(t *testing.T) {
	sc := &policy.ServerConfig{Path: "/etc/proftpd/proftpd.conf", Kind: policy.ServerProFTPD,
		NotFollowed: []string{"Include /etc/proftpd/conf.d/ (line 210)"}}
	rec, diag := realRun(t, "proftpd-pasv-drop.pcap", policy.Policy{Server: sc})
	sums := diag.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d summaries", len(sums))
	}
	fs := findingsOf(rec, CodeDataUnanswered)
	if len(fs) != 1 {
		t.Fatalf("%d data-unanswered findings", len(fs))
	}
	const unread = "but Include /etc/proftpd/conf.d/ (line 210) may set one: if so, open that range"
	for what, s := range map[string]string{"verdict": sums[0].Verdict, "advice": fs[0].Advice, "change block": strings.Join(sums[0].Rules, "\n")} {
		if !strings.Contains(s, unread) {
			t.Errorf("%s lacks %q: %s", what, unread, s)
		}
		if strings.Contains(s, "sets no passive range;") || strings.Contains(s, "sets no passive range,") || strings.Contains(s, "sets no passive range (") {
			t.Errorf("%s says flatly that the file sets no range: %s", what, s)
		}
	}
}
