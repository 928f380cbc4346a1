package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestUndeliveredControlSegmentIsSaid guards control-undelivered on the
// real helper-split captures: nf_conntrack_ftp on the router dropped the
// first piece of a 227 the server wrote in two (helper-split-227-server)
// and of a PORT the client wrote in two (helper-split-port-client) on
// every retransmission. The side that sent them shows the same bytes sent
// again and again, never acknowledged: an error naming the line and the
// helper, and the server's verdict. (Before, the 227 read as a client
// that "gave up", and the PORT's session as one whose data connection
// worked.) The far sides' captures hold no copy and say nothing of it.
func TestUndeliveredControlSegmentIsSaid(t *testing.T) {
	for _, tc := range []struct {
		capture, server string
		want            []string // in the finding's message; none: no finding
	}{
		{"helper-split-227-server.pcap", "10.99.2.2:21", []string{"The server sent its 227 reply (packet 33) again and again", "nf_conntrack_ftp"}},
		{"helper-split-port-client.pcap", "10.99.1.1:21", []string{"The client sent its PORT (packet 32) again and again", "nf_conntrack_ftp"}},
		{"helper-split-227-client.pcap", "10.99.1.1:21", nil},
		{"helper-split-port-server.pcap", "10.99.2.2:21", nil},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			rec, d := realRun(t, tc.capture, policy.Policy{})
			var got []*Finding
			for _, f := range rec.findings {
				if f.Code == CodeControlUndelivered {
					got = append(got, f)
				}
			}
			sum := serverSummary(t, d, tc.server)
			if tc.want == nil {
				if len(got) != 0 || strings.Contains(sum.Verdict, "control-undelivered") {
					t.Fatalf("%d findings, verdict %q", len(got), sum.Verdict)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d control-undelivered findings, want 1", len(got))
			}
			f := got[0]
			if f.Severity != SeverityError {
				t.Errorf("severity %v", f.Severity)
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Message, w) {
					t.Errorf("message lacks %q:\n%s", w, f.Message)
				}
			}
			if !strings.Contains(f.Advice, "nf_ct_ftp: dropping packet") {
				t.Errorf("advice: %s", f.Advice)
			}
			if !strings.Contains(sum.Verdict, "see control-undelivered") {
				t.Errorf("verdict: %s", sum.Verdict)
			}
		})
	}
}
