package diagnose

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
)

// TestForwardRuleOriginalAddressIsTheOneReached guards the address a
// router's forward accept matches as conntrack's original destination
// (ct original daddr, --ctorigdst): the address the client sent its SYNs
// to, never the server's inside address a capture behind the DNAT shows.
// The lab (pcaps/real/helper-nat-ftps-conntrack.txt): 10.99.1.2 reached
// 10.99.1.1, which the router forwarded to 10.99.2.2. Captured at the
// server, the rule named 10.99.2.2 and matched nothing; there the capture
// cannot tell the address reached, so the rule names none (and says it
// opens the ports to every host behind the router), unless
// --public-address gives it. Captured at the client, it names 10.99.1.1.
func TestForwardRuleOriginalAddressIsTheOneReached(t *testing.T) {
	const unscoped = "nft insert rule inet filter forward tcp dport 40000-40100 ct state new accept"
	for _, tc := range []struct {
		capture, public string
		want, not       []string
	}{
		{"helper-nat-ftps-server.pcap", "",
			[]string{unscoped, "iptables -I FORWARD -p tcp --dport 40000:40100 -m conntrack --ctstate NEW -j ACCEPT", "every host behind the router"},
			[]string{"ct original ip daddr", "--ctorigdst", "whether the router routes"}},
		{"helper-nat-ftps-server.pcap", "10.99.1.1",
			[]string{"ct original ip daddr 10.99.1.1 ct original proto-dst 40000-40100", "--ctorigdst 10.99.1.1 --ctorigdstport 40000:40100"},
			[]string{"10.99.2.2"}},
		{"helper-nat-ftps-client.pcap", "",
			[]string{"ct original ip daddr 10.99.1.1 ct original proto-dst 40000-40100", "--ctorigdst 10.99.1.1 --ctorigdstport 40000:40100", "whether the router routes to 10.99.1.1 or forwards it"},
			[]string{"10.99.2.2", unscoped}},
	} {
		t.Run(tc.capture+" "+tc.public, func(t *testing.T) {
			path := filepath.Join(realDir, tc.capture)
			if _, err := os.Stat(path); err != nil {
				t.Skipf("%s absent", path)
			}
			p := rangePolicy(t, "40000-40100")
			if tc.public != "" {
				p.PublicAddress = netip.MustParseAddr(tc.public)
			}
			rec, diag := run(t, path, p)
			sums := diag.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries, want 1", len(sums))
			}
			rules := strings.Join(sums[0].Rules, "\n")
			for _, w := range tc.want {
				if !strings.Contains(rules, w) {
					t.Errorf("rules lack %q:\n%s", w, rules)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(rules, n) {
					t.Errorf("rules have %q:\n%s", n, rules)
				}
			}
			// The finding's advice names no address it cannot tell either.
			for _, f := range rec.findings {
				if strings.Contains(f.Advice, "ct original ip daddr 10.99.2.2") {
					t.Errorf("%s advice names the inside address as the original destination: %s", f.Code, f.Advice)
				}
			}
		})
	}
}

// TestControlForwardRuleOriginalAddressIsTheOneReached is the same for
// the control port (controlOpenAdvice): two private hosts of different
// networks, the client's segments routed before the capture point (a
// capture on the server's side, maybe behind a DNAT) name no address;
// unrouted (the capture beside the client) the one it reached; a public
// client reaching a private server (behind the NAT) the server's inside
// address, as the forward chain sees it after the DNAT.
func TestControlForwardRuleOriginalAddressIsTheOneReached(t *testing.T) {
	for _, tc := range []struct {
		name, cli, srv string
		hops           decode.Hops
		want, not      string
	}{
		{"server side", "10.99.1.2:33688", "10.99.2.2:21", decode.ClientRouted,
			"nft insert rule inet filter forward tcp dport 21 ct state new accept", "ct original"},
		{"client side", "10.99.1.2:33688", "10.99.1.1:21", decode.ClientUnrouted,
			"ct original ip daddr 10.99.1.1 ct original proto-dst 21", "tcp dport 21 ct state new accept (this accepts"},
		{"behind the NAT", "198.51.100.7:33688", "10.99.2.2:21", decode.ClientRouted,
			"nft insert rule inet filter forward ip daddr 10.99.2.2 tcp dport 21 ct state new accept", "ct original"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New(rangePolicy(t, "40000-40100"), nil, nil)
			s := &track.Session{ID: 1, Client: ap(tc.cli), Server: ap(tc.srv), Start: t0, Hops: tc.hops}
			a := d.controlOpenAdvice(s, place{router: true})
			if !strings.Contains(a, tc.want) || strings.Contains(a, tc.not) {
				t.Errorf("want %q, not %q:\n%s", tc.want, tc.not, a)
			}
		})
	}
}
