package diagnose

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// A passive endpoint that let a client's data connections in earlier in
// the capture and then drops that client's SYNs proves the firewall
// accepted it then: something changed since. No passive range is to be
// invented for it (rv-dialects' single-port-range.pcap: vsftpd announcing
// 21000 each time, two transfers through it, the third dropped, was told
// to set pasv_min_port=40000 and open 40000-40100). Another client's
// success, another port's, or another address's proves nothing of the
// sort: the range advice stands then.
func TestPassiveDropAfterSamePortWorkedIsAChange(t *testing.T) {
	const (
		srv     = "203.0.113.10:21"
		cli     = "198.51.100.20"
		changed = "This client's passive data connections to 203.0.113.10:21000 got through before: at 03:04:06 UTC (session 2, data #1)"
		noRange = "no passive range needs opening or setting"
		invent  = "pasv_min_port="
	)
	type conn struct {
		client string // address
		port   int    // the endpoint's port
		ok     bool
		tls    bool // its control connection encrypted
	}
	for _, tc := range []struct {
		name   string
		conns  []conn // each its own session; the last is the one dropped
		before bool
	}{
		{"the same client and port earlier (single-port-range)", []conn{{cli, 21000, true, false}, {cli, 21000, true, false}, {cli, 21000, false, false}}, true},
		{"another client on that port", []conn{{"198.51.100.21", 21000, true, false}, {cli, 21000, false, false}}, false},
		{"the same client on another port", []conn{{cli, 21001, true, false}, {cli, 21000, false, false}}, false},
		{"dropped first, nothing before it", []conn{{cli, 21000, false, false}}, false},
		// A helper may have let the clear session's in from its 227 and
		// cannot read the encrypted one's: nothing else need change.
		{"clear before, encrypted dropped", []conn{{cli, 21000, true, false}, {cli, 21000, false, true}}, false},
		{"encrypted before, encrypted dropped", []conn{{cli, 21000, true, true}, {cli, 21000, true, true}, {cli, 21000, false, true}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ss []*track.Session
			for i, c := range tc.conns {
				s := sess(c.client+":60400", srv)
				s.ID, s.Start, s.Encrypted = i+1, at(1000*i), c.tls
				num := uint64(1000*i + 10)
				ep := fmt.Sprintf("203.0.113.10:%d", c.port)
				dc := announce(s, num, "PASV", ftp.ViaPASV, ep, 227, "Entering Passive Mode.")
				dc.Match = track.MatchExact
				if c.ok {
					syn(dc, c.client+":60401", ep, num+2, 1, 0)
					dc.Outcome = track.OutcomeTransferred
				} else {
					syn(dc, c.client+":60403", ep, num+2, 3, 6*time.Second)
					dc.Outcome = track.OutcomeUnanswered
				}
				ss = append(ss, s)
			}
			c, d := feed(policy.Policy{}, ss...)
			fs := c.all(CodeDataUnanswered)
			if len(fs) != 1 {
				t.Fatalf("data-unanswered findings: %d, want 1", len(fs))
			}
			text := fs[0].Message + "\n" + fs[0].Advice
			sum := serverSummary(t, d, srv)
			rules := strings.Join(sum.Rules, "\n")
			if !tc.before {
				if strings.Contains(text, "got through before") || strings.Contains(text, noRange) || !strings.Contains(rules, invent) {
					t.Errorf("nothing got through before on this endpoint for this client: want the range advice:\n%s\nrules:\n%s", text, rules)
				}
				return
			}
			for _, w := range []string{changed, "something changed since", noRange} {
				if !strings.Contains(text, w) {
					t.Errorf("finding lacks %q:\n%s", w, text)
				}
			}
			for _, w := range []string{"pasv_min_port", "set one", "dport"} {
				if strings.Contains(text, w) {
					t.Errorf("finding invents a range (%q):\n%s", w, text)
				}
			}
			if !strings.Contains(sum.Verdict, "got through before") || !strings.Contains(sum.Verdict, "something changed since") || strings.Contains(sum.Verdict, "set one") {
				t.Errorf("verdict:\n%s", sum.Verdict)
			}
			if strings.Contains(rules, invent) || strings.Contains(rules, "dport") {
				t.Errorf("change lines invent a range:\n%s", rules)
			}
		})
	}
}
