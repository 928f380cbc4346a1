package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
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

// TestUndeliveredAfterALateOne guards a session whose server first sent a
// 150 again and again until the client acknowledged it (a slow link), then
// a 227 that never got through: the second is the error. Only the first
// stall was kept, and its late acknowledgment cleared the finding.
func TestUndeliveredAfterALateOne(t *testing.T) {
	s := sess("10.0.0.2:50000", "10.0.0.1:21")
	cmd(s, 5, "RETR", "a", 150, "Opening data connection.")
	cmd(s, 20, "PASV", "", 227, "Entering Passive Mode (10,0,0,1,156,64).")
	c := &collect{}
	d := New(policy.Policy{}, nil, c)
	d.SessionStart(s)
	for _, x := range s.Commands {
		d.Command(s, x)
	}
	d.Event(s, &track.Event{Kind: track.EventUndelivered, Num: 10, TS: at(10), Since: at(7), Bytes: 3})
	d.Event(s, &track.Event{Kind: track.EventDeliveredLate, Num: 15, TS: at(15), Since: at(7), Bytes: 4})
	d.Event(s, &track.Event{Kind: track.EventUndelivered, Num: 30, TS: at(30), Since: at(23), Bytes: 3})
	d.SessionEnd(s)
	n := 0
	for _, f := range c.fs {
		if f.Code == CodeControlUndelivered {
			n++
			if !strings.Contains(f.Message, "227 reply") {
				t.Errorf("message %q, want the 227", f.Message)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d control-undelivered findings, want 1", n)
	}
}
