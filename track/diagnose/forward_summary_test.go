package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestServerForwardRuleNamesOnlyTheAddressReached guards the server
// summary's forward accept for failed control connections
// (connectVerdict): it named the server's address as captured as
// conntrack's original destination whatever the capture point, so on a
// server-side capture behind a DNAT (10.99.1.1 forwarded to 10.99.2.2,
// captured at 10.99.2.2) the rule matched nothing. It names the address
// the sessions' own rules name (forwardPlace), and none when they differ
// or cannot tell.
func TestServerForwardRuleNamesOnlyTheAddressReached(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cli, srv  string
		hops      []decode.Hops
		want, not string
	}{
		{"server side, client routed", "10.99.1.2", "10.99.2.2:21", []decode.Hops{decode.ClientRouted},
			"nft insert rule inet filter forward tcp dport 21 ct state new accept", "ct original"},
		{"client side, unrouted", "10.99.1.2", "10.99.1.1:21", []decode.Hops{decode.ClientUnrouted},
			"ct original ip daddr 10.99.1.1 ct original proto-dst 21", "forward tcp dport 21 ct state new accept"},
		{"one session each way", "10.99.1.2", "10.99.1.1:21", []decode.Hops{decode.ClientUnrouted, decode.ClientRouted},
			"nft insert rule inet filter forward tcp dport 21 ct state new accept", "ct original"},
		{"behind the NAT", "198.51.100.7", "10.99.2.2:21", []decode.Hops{decode.ClientRouted},
			"forward ip daddr 10.99.2.2 tcp dport 21 ct state new accept", "ct original"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &collect{}
			d := New(policy.Policy{}, nil, c)
			for i, h := range tc.hops {
				at := t0.Add(time.Duration(i) * time.Hour)
				s := failedConnect(i+1, tc.cli+":4000"+string(rune('0'+i)), tc.srv,
					decode.ConnectFailure{How: decode.ConnectRefused, SYNs: 2, AnswerNum: uint64(2*i + 2), AnswerTS: at.Add(time.Millisecond), Refusals: 2, LastSYN: at})
				s.Start, s.End, s.Hops = at, at.Add(time.Millisecond), h
				d.SessionStart(s)
				d.SessionEnd(s)
			}
			rules := strings.Join(serverSummary(t, d, tc.srv).Rules, "\n")
			if !strings.Contains(rules, tc.want) || strings.Contains(rules, tc.not) {
				t.Errorf("want %q, not %q:\n%s", tc.want, tc.not, rules)
			}
		})
	}
}
