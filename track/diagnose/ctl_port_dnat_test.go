package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestHelperRulesSayThePortMayBeAfterDNAT guards the FTP helper rules
// the diagnoser prints (without --helper) for a capture that may see the
// control port after a router's DNAT changed it: a private server whose
// client's segments came routed (reviewer's pub21-srv2121: the router's
// 21 forwarded to the server's 2121, seen as 2121 on the server's side,
// where a helper rule for 2121, loaded on the router, attached nothing).
// The finding's advice and the change lines say that the port to match
// on the router is the one the clients dial; a capture beside the client
// sees that port, and says nothing of it.
func TestHelperRulesSayThePortMayBeAfterDNAT(t *testing.T) {
	const note = "in the helper rules is the control port as this capture sees it, which may be after a router's DNAT changed it"
	for _, tc := range []struct {
		name   string
		server string
		hops   decode.Hops
		noted  bool
	}{
		{"the server's side, the client routed", "10.99.2.2:2121", decode.ServerUnrouted | decode.ClientRouted, true},
		{"the client's side", "10.99.1.1:2121", decode.ClientUnrouted | decode.ServerRouted, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := activeNoSYNSession("10.99.1.2:49800", tc.server, "(vsFTPd 3.0.3)", "10.99.1.2:50001", false)
			s.Hops = tc.hops
			c, d := feed(policy.Policy{}, s)
			f := c.find(CodeActiveBlocked)
			if f == nil {
				dumpFindings(t, c)
				t.Fatal("no active-blocked")
			}
			if !helperRuleFor(f.Advice, 2121) {
				t.Fatalf("advice gives no helper rule for 2121, nothing to check:\n%s", f.Advice)
			}
			if got := strings.Contains(f.Advice, "Port 2121 "+note) || strings.Contains(f.Advice, "port 2121 "+note); got != tc.noted {
				t.Errorf("advice notes the port %v, want %v:\n%s", got, tc.noted, f.Advice)
			}
			rules := serverSummary(t, d, tc.server).Rules
			first := -1
			for i, l := range rules {
				if helperRuleFor(l, 2121) {
					first = i
					break
				}
			}
			if first < 0 {
				t.Fatalf("change lines give no helper rule for 2121:\n%s", strings.Join(rules, "\n"))
			}
			if got := strings.Contains(strings.Join(rules[:first], "\n"), "# port 2121 "+note); got != tc.noted {
				t.Errorf("change lines note the port %v, want %v:\n%s", got, tc.noted, strings.Join(rules, "\n"))
			}
		})
	}
}
