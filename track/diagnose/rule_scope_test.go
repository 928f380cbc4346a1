package diagnose

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestControlForwardRuleMatchesAfterDNAT guards the forward-chain accept
// of a refused or unanswered control connection: the address the client
// reached may be a router's own that it forwards (DNAT) to a server
// behind it, and the forward chain sees the packets after the DNAT, so
// "ip daddr <address reached>" never matches there (a lab router at
// 10.99.1.1 forwarding to 10.99.2.2 kept refusing). The rule names the
// address as conntrack saw it before any DNAT (ct original), which matches
// routed and forwarded alike. The client's SYNs came with a host's
// initial TTL: the capture is beside the client, before any DNAT, so it
// shows the address reached (clientReached).
func TestControlForwardRuleMatchesAfterDNAT(t *testing.T) {
	clientSide := func(s *track.Session) *track.Session {
		s.Hops = decode.ClientUnrouted
		return s
	}
	refused := decode.ConnectFailure{How: decode.ConnectRefused, SYNs: 1, AnswerNum: 2, AnswerTS: t0.Add(time.Millisecond), Refusals: 1}
	unanswered := decode.ConnectFailure{How: decode.ConnectUnanswered, SYNs: 4, LastSYN: t0.Add(7 * time.Second)}
	for _, tc := range []struct {
		name, cli, srv string
		f              decode.ConnectFailure
		code           string
		want, not      []string
	}{
		{"refused, client's side", "10.99.1.2:32812", "10.99.1.1:21", refused, CodeControlRefused,
			[]string{"forward meta l4proto tcp ct original ip daddr 10.99.1.1 ct original proto-dst 21 ct state new accept", "--ctorigdst 10.99.1.1 --ctorigdstport 21"},
			[]string{"forward ip daddr 10.99.1.1", "FORWARD -d 10.99.1.1"}},
		{"unanswered, client's side", "10.99.1.2:32812", "10.99.1.1:21", unanswered, CodeControlUnanswered,
			[]string{"ct original ip daddr 10.99.1.1 ct original proto-dst 21"},
			[]string{"forward ip daddr 10.99.1.1", "FORWARD -d 10.99.1.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := feed(policy.Policy{}, clientSide(failedConnect(1, tc.cli, tc.srv, tc.f)))
			f := c.find(tc.code)
			if f == nil {
				t.Fatalf("no %s finding", tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Advice, w) {
					t.Errorf("advice lacks %q:\n%s", w, f.Advice)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(f.Advice, w) {
					t.Errorf("advice has %q:\n%s", w, f.Advice)
				}
			}
		})
	}
	// The summary's change lines: the same rule.
	c, d := feed(policy.Policy{}, clientSide(failedConnect(1, "10.99.1.2:32812", "10.99.1.1:21", refused)))
	if c.find(CodeControlRefused) == nil {
		t.Fatal("no control-refused finding")
	}
	rules := strings.Join(serverSummary(t, d, "10.99.1.1:21").Rules, "\n")
	if !strings.Contains(rules, "nft insert rule inet filter forward meta l4proto tcp ct original ip daddr 10.99.1.1 ct original proto-dst 21 ct state new accept") ||
		!strings.Contains(rules, "iptables -I FORWARD -p tcp -m conntrack --ctstate NEW --ctorigdst 10.99.1.1 --ctorigdstport 21 -j ACCEPT") {
		t.Errorf("change lines lack the ct original forward rules:\n%s", rules)
	}
	if strings.Contains(rules, "forward tcp dport 21") || strings.Contains(rules, "FORWARD -p tcp --dport 21") {
		t.Errorf("change lines open port 21 to every host behind the router:\n%s", rules)
	}
}

// TestForwardRuleNamesAnAddressOrSaysItOpensAll guards the forward-chain
// accepts of a router in front of the server: each names the address the
// router forwards to (the inside one), or the one the clients reach (ct
// original), or says plainly that it lets the ports through to every host
// behind the router; never an unscoped accept that reads like one for the
// server.
func TestForwardRuleNamesAnAddressOrSaysItOpensAll(t *testing.T) {
	rs := policy.Ranges{{Lo: 40000, Hi: 40100}}
	none := place{router: true}
	if fwd := forwardRules(rs, false, none); !strings.Contains(fwd, "every host behind the router") {
		t.Errorf("unscoped forward rule without saying so: %s", fwd)
	}
	if l := strings.Join(forwardLines(rs, false, none), "\n"); !strings.HasPrefix(l, "# this accepts the ports to every host behind the router") {
		t.Errorf("unscoped forward lines without saying so:\n%s", l)
	}
	inside := place{router: true, nat: true, inside: netip.MustParseAddr("10.0.0.5"), public: netip.MustParseAddr("203.0.113.10")}
	if fwd := forwardRules(rs, false, inside); !strings.Contains(fwd, "forward ip daddr 10.0.0.5 tcp dport 40000-40100") || strings.Contains(fwd, "every host") {
		t.Errorf("forward rule behind a DNAT does not name the inside address: %s", fwd)
	}

	// A passive data connection from the client's side that a router
	// in front drops: the summary names the address reached, not all.
	s := sess("198.51.100.7:50000", "203.0.113.10:21")
	dc := announce(s, 10, "PASV", ftp.ViaPASV, "203.0.113.10:40036", 227, "Entering Passive Mode (203,0,113,10,156,100).")
	syn(dc, "198.51.100.7:40001", "203.0.113.10:40036", 12, 3, 2*time.Second)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
	var pol policy.Policy
	if err := pol.AddRanges("40000-40100"); err != nil {
		t.Fatal(err)
	}
	_, d := feed(pol, s)
	rules := strings.Join(serverSummary(t, d, "203.0.113.10:21").Rules, "\n")
	for _, l := range strings.Split(rules, "\n") {
		if strings.Contains(l, "inet filter forward") && !strings.Contains(l, "daddr") && !strings.Contains(rules, "every host behind the router") {
			t.Errorf("forward accept for every host behind the router, not said:\n%s", rules)
		}
	}
	if !strings.Contains(rules, "ct original ip daddr 203.0.113.10 ct original proto-dst 40000-40100") {
		t.Errorf("change lines do not name the address the client reached:\n%s", rules)
	}
}

// TestDNATRuleNamesThePublicAddress guards the DNAT printed for a NAT
// router in front of the server: a prerouting DNAT of no address also
// catches the connections the hosts behind the router open to those
// ports anywhere (a LAN host's connection to an outside :40050 went to
// the FTP server). With the public address known it is named; without it,
// a placeholder stands in its place, never nothing.
func TestDNATRuleNamesThePublicAddress(t *testing.T) {
	rs := policy.Ranges{{Lo: 40000, Hi: 40100}}
	inside := netip.MustParseAddr("10.0.0.5")
	for _, tc := range []struct {
		public netip.Addr
		want   []string
	}{
		{netip.Addr{}, []string{"prerouting ip daddr " + publicPlaceholder + " tcp dport 40000-40100 dnat to 10.0.0.5", "PREROUTING -d " + publicPlaceholder + " -p tcp"}},
		{netip.MustParseAddr("198.51.100.7"), []string{"prerouting ip daddr 198.51.100.7 tcp dport 40000-40100 dnat to 10.0.0.5", "PREROUTING -d 198.51.100.7 -p tcp"}},
	} {
		texts := []string{pathOpenAdvice(rs, false, inside, tc.public), strings.Join(dnatLines(rs, false, place{nat: true, inside: inside, public: tc.public}), "\n")}
		for _, text := range texts {
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("DNAT lacks %q:\n%s", w, text)
				}
			}
			if regexp.MustCompile(`prerouting tcp dport|PREROUTING -p tcp`).MatchString(text) {
				t.Errorf("DNAT of no address:\n%s", text)
			}
		}
	}
}

// TestICMPRejectRulesUseNftNames guards the nft half of the reject rule
// a finding names for an ICMP error: nft's code names differ from
// iptables' (prot-unreachable, admin-prohibited), and nft refuses
// iptables' ("Could not parse icmpv6 code"). With nft and root, each
// loads with nft -c.
func TestICMPRejectRulesUseNftNames(t *testing.T) {
	var nftRules []string
	for _, tc := range []struct {
		v6   bool
		code uint8
		nft  string
	}{
		{false, 0, "reject with icmp type net-unreachable"},
		{false, 1, "reject with icmp type host-unreachable"},
		{false, 2, "reject with icmp type prot-unreachable"},
		{false, 3, "reject with icmp type port-unreachable"},
		{false, 9, "reject with icmp type net-prohibited"},
		{false, 10, "reject with icmp type host-prohibited"},
		{false, 13, "reject with icmp type admin-prohibited"},
		{true, 0, "reject with icmpv6 type no-route"},
		{true, 1, "reject with icmpv6 type admin-prohibited"},
		{true, 3, "reject with icmpv6 type addr-unreachable"},
		{true, 4, "reject with icmpv6 type port-unreachable"},
	} {
		typ := uint8(3)
		if tc.v6 {
			typ = 1
		}
		r := icmpRejectRule(&track.ICMPInfo{V6: tc.v6, Type: typ, Code: tc.code})
		if !strings.HasSuffix(r, "nft "+tc.nft) {
			t.Errorf("v6=%v code %d: %q, want nft %q", tc.v6, tc.code, r, tc.nft)
		}
		nftRules = append(nftRules, "add rule inet filter input tcp dport 21 "+tc.nft)
	}
	nft := rootWith(t, "nft")
	file := filepath.Join(t.TempDir(), "reject.nft")
	base := "table inet filter {\n chain input { type filter hook input priority 0; policy accept; }\n}\n"
	if err := os.WriteFile(file, []byte(base+strings.Join(nftRules, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(nft, "-c", "-f", file).CombinedOutput(); err != nil {
		t.Errorf("nft -c refuses the reject rules (%v): %s", err, out)
	}
}

// TestKeepaliveBelowTheSilenceThatFailed guards the control-idle advice:
// a control connection lost after 11 s of silence is not kept by a
// keepalive every 30-60 s; the interval must stay below the silence that
// was cut. Long silences keep the usual figures.
func TestKeepaliveBelowTheSilenceThatFailed(t *testing.T) {
	a := idleAdvice(11244*time.Millisecond, family{kind: policy.ServerVsftpd})
	if strings.Contains(a, "30-60 s") || strings.Contains(a, "--keepalive-time 30") {
		t.Errorf("keepalive slower than the 11 s silence that failed: %s", a)
	}
	if !strings.Contains(a, "every 5 s or less") || !strings.Contains(a, "--keepalive-time 5") {
		t.Errorf("keepalive not below the silence: %s", a)
	}
	if a := idleAdvice(400*time.Second, family{kind: policy.ServerVsftpd}); !strings.Contains(a, "every 30-60 s") {
		t.Errorf("long silence lost the usual figures: %s", a)
	}
	if a := keepaliveAdvice(1500 * time.Millisecond); !strings.Contains(a, "every 1 s or less") {
		t.Errorf("short silence: %s", a)
	}
}

// TestActiveRouterHelperAcceptsRelated guards the advice for an active-mode
// client behind a NAT router: the helper attached there expects the
// server's connection, which the router's forward chain must also accept
// (as the passive advice says); without it a forward chain that drops new
// connections still drops it.
func TestActiveRouterHelperAcceptsRelated(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		a := routerHelperAdvice(21, v6)
		if !strings.Contains(a, "ct state related accept in its forward chain") || !strings.Contains(a, nftRelatedRule("forward")) || !strings.Contains(a, iptablesRelatedRule("forward", v6)) {
			t.Errorf("v6=%v: no related accept in the router's forward chain: %s", v6, a)
		}
	}
}
