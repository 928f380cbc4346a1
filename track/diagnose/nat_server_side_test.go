package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestServerSideNATCapturesSayBothReadings: from the server's side of a
// NAT, an announced private address no connection came to is either a
// client that trusted it or SYNs to the public address dropped in front
// of the server (router-drop-data-syn-server: the client ignored the 227
// and the router's forward chain dropped its SYNs; the finding said the
// first alone and "fix the announced address"); and the verdict of a
// server some of whose data connections arrived as announced does not
// say none was seen (proftpd-nat-no-masquerade-server: one transferred).
func TestServerSideNATCapturesSayBothReadings(t *testing.T) {
	for _, tc := range []struct {
		capture, server string
		finding, not    []string // in every data-not-attempted finding
		verdict, notV   []string
	}{
		{"router-drop-data-syn-server.pcap", "10.99.2.2:21",
			[]string{"or the client ignored it and connected to the control connection's address", "let the server's whole passive range (port 40086 is the one this session was given; the next gets another) through the router or DNAT"},
			[]string{"Fix the announced address (see nat-mismatch)."},
			[]string{"no connection to the endpoints it announced was seen"}, nil},
		{"proftpd-nat-no-masquerade-server.pcap", "10.99.2.2:21",
			[]string{"or the client ignored it"}, nil,
			[]string{"1 data connection arrived as announced, but not to every endpoint it announced"},
			[]string{"no connection to the endpoints it announced was seen"}},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			rec, d := realRun(t, tc.capture, policy.Policy{})
			n := 0
			for _, f := range rec.findings {
				if f.Code != CodeDataNotAttempted {
					continue
				}
				n++
				text := f.Message + "\n" + f.Advice
				for _, w := range tc.finding {
					if !strings.Contains(text, w) {
						t.Errorf("finding lacks %q:\n%s", w, text)
					}
				}
				for _, w := range tc.not {
					if strings.Contains(text, w) {
						t.Errorf("finding has %q:\n%s", w, text)
					}
				}
			}
			if n == 0 {
				t.Fatal("no data-not-attempted finding")
			}
			sum := serverSummary(t, d, tc.server)
			for _, w := range tc.verdict {
				if !strings.Contains(sum.Verdict, w) {
					t.Errorf("verdict lacks %q:\n%s", w, sum.Verdict)
				}
			}
			for _, w := range tc.notV {
				if strings.Contains(sum.Verdict, w) {
					t.Errorf("verdict has %q:\n%s", w, sum.Verdict)
				}
			}
		})
	}
}
