package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// A client that sends no PORT or EPRT gets its active data connections
// on RFC 959's default data port: from the server's port 20 to the
// client's own control port, the same four ends for every transfer. No
// FTP conntrack helper expects such a connection (it opens only what a
// PORT or EPRT names), so the advice must not be to attach one, and the
// "got through before" of an earlier transfer is that same 4-tuple, not
// a sign that something changed (rv-dialects' modeb-reuse-default.pcap,
// session 3: told to attach the helper and that something changed since).
func TestDefaultDataPortFailureIsNoHelperCase(t *testing.T) {
	const (
		cliCtl = "198.51.100.20:60200"
		srv    = "203.0.113.10:21"
		from   = "203.0.113.10:20"
	)
	for _, tc := range []struct {
		name  string
		first bool // a transfer on the same four ends got through before
	}{
		{"the second transfer on the same four ends", true},
		{"the first transfer", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess(cliCtl, srv)
			add := func(num uint64, ok bool) {
				c := cmd(s, num, "RETR", "f", 150, "Opening data connection")
				dc := &track.DataConn{ID: len(s.Data) + 1, Session: s, Command: c, ExpectedSize: -1, Rest: -1, Match: track.MatchDefaultPort}
				c.Transfer = append(c.Transfer, dc)
				if ok {
					syn(dc, from, cliCtl, num+2, 1, 0)
					dc.Outcome = track.OutcomeTransferred
				} else {
					syn(dc, from, cliCtl, num+2, 3, 6*time.Second)
					dc.Outcome = track.OutcomeUnanswered
				}
				s.ListData(dc)
			}
			if tc.first {
				add(10, true)
			}
			add(100, false)
			c, d := feed(policy.Policy{}, s)
			fs := c.all(CodeActiveBlocked)
			if len(fs) != 1 {
				t.Fatalf("active-blocked findings: %d, want 1", len(fs))
			}
			text := fs[0].Message + "\n" + fs[0].Advice
			for _, w := range []string{"RFC 959's default data port", "the same four ends (203.0.113.10:20 -> 198.51.100.20:60200)", "TIME_WAIT", "passive mode", "PORT or EPRT before each transfer"} {
				if !strings.Contains(text, w) {
					t.Errorf("finding lacks %q:\n%s", w, text)
				}
			}
			for _, w := range []string{"CT --helper", "ct helper set", "something changed since"} {
				if strings.Contains(text, w) {
					t.Errorf("finding has %q:\n%s", w, text)
				}
			}
			sum := serverSummary(t, d, srv)
			if !strings.Contains(sum.Verdict, "default data port") || strings.Contains(sum.Verdict, "something changed since") {
				t.Errorf("verdict:\n%s", sum.Verdict)
			}
			if r := strings.Join(sum.Rules, "\n"); strings.Contains(r, "helper") {
				t.Errorf("change lines attach a helper:\n%s", r)
			}
		})
	}
}
