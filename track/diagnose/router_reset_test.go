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

// TestRouterResetPutsTheRoutersRulesFirst guards the reading of an RST
// to a passive data SYN whose TTL (hop limit) is a host's initial one
// while the server's own control segments came lowered: the router in
// front answered for the server (rv-nat pasvaddr-public, IPv4: a NAT
// router forwarding port 21 only, TTL 64 against the server's 63;
// v6-epsv-nohelper, NAT66). The forward accept and the server's input
// rule alone, loaded into that router, left the same RST: the finding
// says whose RST it was, and the change lines open with the router's
// DNAT (and its forward accept, and the FTP helper as the other way),
// the server host's input rule only after. An RST with the server's own
// TTL, or a server whose segments arrive unrouted, keeps the usual
// reading.
func TestRouterResetPutsTheRoutersRulesFirst(t *testing.T) {
	for _, tc := range []struct {
		name           string
		cli, srv, ep   string
		via            ftp.Via
		code           int
		text           string
		hops           decode.Hops
		rstTTL         uint8
		router         bool   // the router's reading expected
		msg, dnat, ctl string // in the message; the DNAT rule; the control helper's rule
	}{
		{"IPv4 NAT router, one hop", "10.99.1.2:33674", "10.99.1.1:21", "10.99.1.1:40050", ftp.ViaPASV, 227, "Entering Passive Mode (10,99,1,1,156,114).",
			decode.ClientUnrouted | decode.ServerRouted, 64, true,
			"the router right in front of the server answered for it", "nft add rule ip nat prerouting ip daddr 10.99.1.1 tcp dport 40000-40100 dnat to", "ct original proto-dst 21 ct helper set"},
		{"IPv6 NAT66 router, one hop", "[fd00:1::2]:38902", "[fd00:1::1]:21", "[fd00:1::1]:40028", ftp.ViaEPSV, 229, "Entering Extended Passive Mode (|||40028|)",
			decode.ClientUnrouted | decode.ServerRouted, 64, true,
			"hop limit 64", "nft add rule ip6 nat prerouting ip6 daddr fd00:1::1 tcp dport 40000-40100 dnat to", "ip6tables -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp"},
		{"server two hops away", "10.99.1.2:33674", "10.99.1.1:21", "10.99.1.1:40050", ftp.ViaPASV, 227, "Entering Passive Mode (10,99,1,1,156,114).",
			decode.ClientUnrouted | decode.ServerRouted | decode.ServerFar, 64, true,
			"nearer this capture point than the server", "dnat to", "ct helper set"},
		{"the server's own TTL", "10.99.1.2:33674", "10.99.1.1:21", "10.99.1.1:40050", ftp.ViaPASV, 227, "Entering Passive Mode (10,99,1,1,156,114).",
			decode.ClientUnrouted | decode.ServerRouted, 63, false, "the port is closed", "", ""},
		{"server unrouted", "10.99.1.2:33674", "10.99.1.1:21", "10.99.1.1:40050", ftp.ViaPASV, 227, "Entering Passive Mode (10,99,1,1,156,114).",
			decode.ClientUnrouted | decode.ServerUnrouted, 64, false, "the port is closed", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess(tc.cli, tc.srv)
			s.Hops = tc.hops
			dc := announce(s, 16, "PASV", tc.via, tc.ep, tc.code, tc.text)
			syn(dc, strings.Replace(tc.cli, "3", "4", 1), tc.ep, 17, 1, 0)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeRefused
			dc.RSTTS, dc.RSTFromServer, dc.RSTTTL = dc.FirstSYN.Add(100*time.Microsecond), true, tc.rstTTL
			c, d := feed(policy.Policy{}, s)
			f := c.find(CodeDataRefused)
			if f == nil {
				t.Fatal("no data-refused finding")
			}
			if !strings.Contains(f.Message, tc.msg) {
				t.Errorf("message should say %q:\n%s", tc.msg, f.Message)
			}
			sum := serverSummary(t, d, tc.srv)
			rules := strings.Join(sum.Rules, "\n")
			head := strings.Index(rules, "which answered the data SYNs itself")
			if !tc.router {
				if head >= 0 || strings.Contains(sum.Verdict, "by the router in front") || strings.Contains(f.Message, "not by the server") {
					t.Errorf("an RST with the server's own reading taken for the router's:\nverdict: %s\n%s\n%s", sum.Verdict, rules, f.Message)
				}
				return
			}
			// Two routers or more (ServerFar): not "the router in front
			// of the server", which of them the TTLs do not tell, but
			// the one that forwards the address dialled.
			byRouter, front := "by the router in front of the server, not by the server", "first on the router in front of the server"
			if tc.hops&decode.ServerFar != 0 {
				byRouter, front = "by a router on the path, nearer this capture point than the server, not by the server", "first on the router that forwards 10.99.1.1 to the server"
				if strings.Contains(sum.Verdict+rules+f.Advice, "router in front of the server") {
					t.Errorf("two routers named as the one in front of the server:\nverdict: %s\n%s\n%s", sum.Verdict, rules, f.Advice)
				}
			}
			if !strings.Contains(sum.Verdict, byRouter) {
				t.Errorf("verdict should say whose RSTs they were: %s", sum.Verdict)
			}
			dnat, helper, input := strings.Index(rules, tc.dnat), strings.Index(rules, tc.ctl), strings.Index(rules, "inet filter input")
			if head < 0 || dnat < head || helper < dnat || input < helper {
				t.Errorf("want the router's DNAT (%q), then its helper (%q), then the server's input rule:\n%s", tc.dnat, tc.ctl, rules)
			}
			if a := f.Advice; !strings.Contains(a, front) || strings.Index(a, tc.dnat) > strings.Index(a, "inet filter input") {
				t.Errorf("advice should put the router's DNAT before the server's input rule:\n%s", a)
			}
			if strings.Contains(f.Advice, "nothing listened on the port") {
				t.Errorf("advice still blames the server's port:\n%s", f.Advice)
			}
		})
	}
}

// TestWrongAddressOnLANThroughRouterNamesTheRouter guards a wrong
// announced address of the client's own network (rv-nat pasvaddr-wrong:
// pasv_address=10.99.1.77 on the client's 10.99.1.0/24) when the client
// reaches the server at 10.99.1.1 on that network too, but the server's
// segments come one hop lower: a router lies between, most likely the
// NAT whose own address 10.99.1.1 is. No finding may say that no router
// is involved, and the verdict's change may not be pasv_address alone
// (rv-nat pasvaddr-public: that router's own RST): the router's DNAT of
// the range comes with it, or the helper with the address unset.
// Unrouted segments on both sides keep the shared-network reading.
func TestWrongAddressOnLANThroughRouterNamesTheRouter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		hops   decode.Hops
		routed bool
	}{
		{"server one hop away", decode.ClientUnrouted | decode.ServerRouted, true},
		{"no router", decode.ClientUnrouted | decode.ServerUnrouted, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("10.99.1.2:33662", "10.99.1.1:21")
			s.Hops = tc.hops
			dc := announce(s, 16, "PASV", ftp.ViaPASV, "10.99.1.77:40000", 227, "Entering Passive Mode (10,99,1,77,156,64).")
			dc.Outcome = track.OutcomeNotAttempted
			c, d := feed(policy.Policy{}, s)
			var all []string
			for _, f := range c.fs {
				all = append(all, f.Message+" "+f.Advice)
			}
			text := strings.Join(all, "\n")
			sum := serverSummary(t, d, "10.99.1.1:21")
			rules := strings.Join(sum.Rules, "\n")
			if !tc.routed {
				if !strings.Contains(text, "no router or DNAT between them is involved") || strings.Contains(rules, "dnat to") {
					t.Errorf("no router: the shared-network reading should stand:\n%s\n%s", text, rules)
				}
				return
			}
			for _, no := range []string{"no router", "where no NAT rewrites the 227"} {
				if strings.Contains(text, no) {
					t.Errorf("a finding says %q though the TTLs show a router:\n%s", no, text)
				}
			}
			if f := c.find(CodeDataNotAttempted); f == nil || !strings.Contains(f.Advice, "must forward the passive range to the server") {
				t.Errorf("data-not-attempted should name the router's forward: %+v", f)
			}
			if f := c.find(CodeNATMismatch); f == nil || !strings.Contains(f.Advice, "forward the passive range to the server on that router") {
				t.Errorf("nat-mismatch should name the router's forward: %+v", f)
			}
			if !strings.Contains(rules, "pasv_address=10.99.1.1") || !strings.Contains(rules, "nft add rule ip nat prerouting ip daddr 10.99.1.1 tcp dport 40000-40100 dnat to") ||
				!strings.Contains(rules, "leave the address unset and attach the FTP helper") {
				t.Errorf("the change should set the address with the router's DNAT, or the helper with it unset:\n%s", rules)
			}
			if !strings.Contains(sum.Verdict, "leave pasv_address unset and attach the FTP helper") {
				t.Errorf("verdict should offer the helper with the address unset: %s", sum.Verdict)
			}
		})
	}
}

// TestRouterResetSomeOfTheRefusals guards the verdict when only some of
// a server's refused passive data connections were refused by the
// router in front (routerReset): it counts those, keeps the usual
// reading for the rest, and the change lines still open with the
// router's rules.
func TestRouterResetSomeOfTheRefusals(t *testing.T) {
	var ss []*track.Session
	for i, ttl := range []uint8{64, 63} {
		s := sess("10.99.1.2:3367"+string(rune('4'+i)), "10.99.1.1:21")
		s.ID, s.Hops = i+1, decode.ClientUnrouted|decode.ServerRouted
		s.Start = t0.Add(time.Duration(i) * time.Minute)
		ep := "10.99.1.1:4005" + string(rune('0'+i))
		dc := announce(s, 16, "PASV", ftp.ViaPASV, ep, 227, "Entering Passive Mode (10,99,1,1,156,11"+string(rune('4'+i))+").")
		syn(dc, "10.99.1.2:3472"+string(rune('6'+i)), ep, 17, 1, 0)
		dc.Match, dc.Outcome = track.MatchExact, track.OutcomeRefused
		dc.RSTTS, dc.RSTFromServer, dc.RSTTTL = dc.FirstSYN.Add(100*time.Microsecond), true, ttl
		ss = append(ss, s)
	}
	_, d := feed(policy.Policy{}, ss...)
	sum := serverSummary(t, d, "10.99.1.1:21")
	if !strings.Contains(sum.Verdict, "1 of them by the router in front of the server, not by the server") || !strings.Contains(sum.Verdict, "a firewall rejects them or nothing listens") {
		t.Errorf("verdict should tell the router's RSTs from the others: %s", sum.Verdict)
	}
	if rules := strings.Join(sum.Rules, "\n"); !strings.Contains(rules, "dnat to") || strings.Index(rules, "dnat to") > strings.Index(rules, "inet filter input") {
		t.Errorf("the router's DNAT should come before the server's input rule:\n%s", rules)
	}
}
