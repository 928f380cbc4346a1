package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestTwoRoutersNameTheForwardingOne guards how the rules name the
// router to change when the TTLs show two routers or more between the
// server and a capture on the client's side. Recorded through a client's
// NAT router and the server's DNAT router (reviewer's double-pasv-none:
// the server's segments with TTL 62 at the client, the 227 naming the
// server's own 10.99.6.2), the change lines said "the NAT router in
// front of the server", which of the two routers the capture does not
// tell: they name the one that forwards the address the client dials
// (10.99.5.254) now, and say that the others must pass the range too. One
// router (TTL 63) stays "in front of the server".
func TestTwoRoutersNameTheForwardingOne(t *testing.T) {
	for _, tc := range []struct {
		name      string
		hops      decode.Hops
		want, not []string
	}{
		{"two routers", decode.ClientUnrouted | decode.ServerRouted | decode.ServerFar,
			[]string{"# on the NAT router that forwards 10.99.5.254 to the server (of the two or more routers", "any other on the path must pass the range too"},
			[]string{"in front of the server"}},
		{"one router", decode.ClientUnrouted | decode.ServerRouted,
			[]string{"# on the NAT router in front of the server (which must forward the range to it)"},
			[]string{"two or more routers", "that forwards 10.99.5.254"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("192.168.50.2:40100", "10.99.5.254:21")
			s.ID, s.Hops = 1, tc.hops
			dc := announce(s, 16, "PASV", ftp.ViaPASV, "10.99.6.2:40051", 227, "Entering Passive Mode (10,99,6,2,156,83).")
			syn(dc, "192.168.50.2:51000", "10.99.6.2:40051", 18, 3, 3*time.Second)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
			_, d := feed(policy.Policy{}, s)
			rules := strings.Join(serverSummary(t, d, "10.99.5.254:21").Rules, "\n")
			for _, w := range tc.want {
				if !strings.Contains(rules, w) {
					t.Errorf("lacks %q:\n%s", w, rules)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(rules, w) {
					t.Errorf("says %q:\n%s", w, rules)
				}
			}
		})
	}
}
