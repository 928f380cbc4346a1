package diagnose

import (
	"net/netip"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

const (
	inputRule   = "inet filter input"
	forwardRule = "inet filter forward"
)

// TestRouterInFrontGetsForwardChainRule guards where a rule goes: a data
// connection through a router or NAT box is filtered in that router's
// forward chain, not in its input chain (which is for connections to the
// router itself) nor the server host's. The packets decide: a NAT between
// client and server (a private address of the server's own announced
// while the client reaches another, a public client at a private server),
// an ICMP reject from an address other than the destination, client and
// server on one network (no router between), the SYNs seen on the server's
// side of its NAT. Where they cannot tell, both are named.
func TestRouterInFrontGetsForwardChainRule(t *testing.T) {
	// A passive data connection from client to the announced endpoint,
	// ending as outcome; icmpFrom: the sender of the ICMP error.
	passive := func(client, server, announced string, outcome track.Outcome, icmpFrom string) *track.Session {
		s := sess(client, server)
		s.Hops = decode.ClientUnrouted | decode.ServerUnrouted // (what a capture on one network shows)
		dc := announce(s, 10, "PASV", ftp.ViaPASV, announced, 227, "Entering Passive Mode ("+ftp.FormatPORT(ap(announced))+").")
		cp := ap(client)
		syn(dc, netip.AddrPortFrom(cp.Addr(), cp.Port()+1).String(), netip.AddrPortFrom(ap(server).Addr(), ap(announced).Port()).String(), 12, 3, 2*time.Second)
		dc.Match, dc.Outcome = track.MatchControlAddress, outcome
		if dc.Server.Addr() == ap(announced).Addr() {
			dc.Match = track.MatchExact
		}
		if icmpFrom != "" {
			dc.ICMP = &track.ICMPInfo{From: netip.MustParseAddr(icmpFrom), Type: 3, Code: 13, TS: at(13), Num: 13}
		}
		return s
	}
	tests := []struct {
		name        string
		s           *track.Session
		code        string
		input, fwd  bool   // the advice has an input-chain / forward-chain rule
		contains    string // and says this
		summaryFwd  bool   // the server's change block has forward-chain lines
		summaryHost bool   // and input-chain lines
	}{
		{"one network: the server's own firewall", passive("10.99.0.2:50000", "10.99.0.1:21", "10.99.0.1:40011", track.OutcomeUnanswered, ""),
			CodeDataUnanswered, true, false, "", false, true},
		// The same addresses with the server's TTL one lower: 10.99.0.1
		// is a router's, forwarding to the server behind it.
		{"one network, a router by the TTLs", func() *track.Session {
			s := passive("10.99.0.2:50000", "10.99.0.1:21", "10.99.0.1:40011", track.OutcomeUnanswered, "")
			s.Hops = decode.ClientUnrouted | decode.ServerRouted
			return s
		}(), CodeDataUnanswered, true, true, "on the server's own firewall, or, if the firewall is a router in front of the server, in its forward chain", true, true},
		{"NAT in front of the server: its internal address announced", passive("10.99.1.2:50000", "10.99.1.1:21", "10.99.2.2:40086", track.OutcomeUnanswered, ""),
			CodeDataUnanswered, true, true, "on the NAT router in front of the server, which must forward (DNAT) the range to it, in the forward chain: nft insert rule inet filter forward ip daddr 10.99.2.2", false, false},
		{"ICMP reject from a router", passive("198.51.100.20:50000", "203.0.113.10:21", "203.0.113.10:40104", track.OutcomeUnreachable, "192.0.2.254"),
			CodeDataUnreachable, false, true, "on the router in front of the server, in its forward chain", true, false},
		{"ICMP reject from the server itself", passive("198.51.100.20:50000", "203.0.113.10:21", "203.0.113.10:40104", track.OutcomeUnreachable, "203.0.113.10"),
			CodeDataUnreachable, true, false, "", false, true},
		{"the packets cannot tell", passive("198.51.100.20:50000", "203.0.113.10:21", "203.0.113.10:40104", track.OutcomeUnanswered, ""),
			CodeDataUnanswered, true, true, "on the server's own firewall, or, if the firewall is a router in front of the server, in its forward chain", true, true},
		{"SYNs seen behind the server's NAT", passive("198.51.100.20:50000", "10.0.0.5:21", "10.0.0.5:40104", track.OutcomeUnanswered, ""),
			CodeDataUnanswered, true, false, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, d := feed(policy.Policy{}, tt.s)
			f := c.find(tt.code)
			if f == nil {
				dumpFindings(t, c)
				t.Fatalf("no %s", tt.code)
			}
			if got := strings.Contains(f.Advice, inputRule); got != tt.input {
				t.Errorf("input-chain rule %v, want %v:\n%s", got, tt.input, f.Advice)
			}
			if got := strings.Contains(f.Advice, forwardRule) && strings.Contains(f.Advice, "iptables -I FORWARD"); got != tt.fwd {
				t.Errorf("forward-chain rules %v, want %v:\n%s", got, tt.fwd, f.Advice)
			}
			if tt.fwd && !strings.Contains(f.Advice, "ct state related accept in the") {
				t.Errorf("the helper's RELATED accept names no chain:\n%s", f.Advice)
			}
			if !strings.Contains(f.Advice, tt.contains) {
				t.Errorf("advice lacks %q:\n%s", tt.contains, f.Advice)
			}
			if tt.summaryFwd || tt.summaryHost {
				rules := strings.Join(d.Summaries()[0].Rules, "\n")
				if strings.Contains(rules, forwardRule) != tt.summaryFwd || strings.Contains(rules, inputRule) != tt.summaryHost {
					t.Errorf("change block (forward %v, input %v wanted):\n%s", tt.summaryFwd, tt.summaryHost, rules)
				}
			}
		})
	}

	// Inside the range meant to be open: what to check, on each firewall
	// the packets leave possible, each with its chain.
	fw := policy.Policy{Ranges: policy.Ranges{{Lo: 40000, Hi: 40200}}}
	c, _ := feed(fw, passive("198.51.100.20:50000", "203.0.113.10:21", "203.0.113.10:40104", track.OutcomeUnanswered, ""))
	if f := c.find(CodeDataUnanswered); f == nil || !strings.Contains(f.Advice, "on the server, check that the accept rule is loaded") ||
		!strings.Contains(f.Advice, "nft insert rule inet filter input tcp dport 40000-40200") ||
		!strings.Contains(f.Advice, "accepts it in its forward chain: nft insert rule inet filter forward meta l4proto tcp ct original ip daddr 203.0.113.10 ct original proto-dst 40000-40200") {
		dumpFindings(t, c)
		t.Error("a port inside the range, packets that cannot tell: not both checks, each with its chain")
	}
	c, _ = feed(fw, passive("198.51.100.20:50000", "203.0.113.10:21", "203.0.113.10:40104", track.OutcomeUnreachable, "192.0.2.254"))
	if f := c.find(CodeDataUnreachable); f == nil || strings.Contains(f.Advice, inputRule) || !strings.Contains(f.Advice, "a router on the path rejects it") {
		dumpFindings(t, c)
		t.Error("a port inside the range rejected by a router: not the router's forward chain alone")
	}

	// The recorded router that drops the data SYN, seen from the client:
	// the 227 names the server's address behind the router.
	rec, diag := run(t, filepath.Join("../../pcaps/real", "router-drop-data-syn-client.pcap"), policy.Policy{})
	found := false
	for _, f := range rec.findings {
		if f.Code == CodeDataUnanswered {
			found = true
			if !strings.Contains(f.Advice, "nft insert rule inet filter forward ip daddr 10.99.2.2") || !strings.Contains(f.Advice, "iptables -I FORWARD -d 10.99.2.2") {
				t.Errorf("router-drop-data-syn-client.pcap: no forward-chain rule for the router:\n%s", render(rec, diag))
			}
		}
	}
	if !found {
		t.Errorf("router-drop-data-syn-client.pcap: no data-unanswered:\n%s", render(rec, diag))
	}
}

// TestActiveClientBehindRouterGetsForwardChainRule: in active mode the
// client listens; a helper and the RELATED accept on the client host
// (OUTPUT, INPUT) do nothing for a router in front of it, which needs
// them in PREROUTING and FORWARD. Where the packets cannot tell, both.
func TestActiveClientBehindRouterGetsForwardChainRule(t *testing.T) {
	active := func(client, server, port string, outcome track.Outcome, icmpFrom string) *Finding {
		s := sess(client, server)
		dc := announce(s, 10, "PORT", ftp.ViaPORT, port, 200, "PORT command successful.")
		syn(dc, netip.AddrPortFrom(ap(server).Addr(), 20).String(), port, 14, 3, 2*time.Second)
		dc.Match, dc.Outcome = track.MatchExact, outcome
		if icmpFrom != "" {
			dc.ICMP = &track.ICMPInfo{From: netip.MustParseAddr(icmpFrom), Type: 3, Code: 13, TS: at(15), Num: 15}
		}
		c, _ := feed(policy.Policy{}, s)
		f := c.find(CodeActiveBlocked)
		if f == nil {
			dumpFindings(t, c)
			t.Fatal("no active-blocked")
		}
		return f
	}
	const (
		clientHost = "iptables -I INPUT -m conntrack --ctstate RELATED"
		router     = "iptables -I FORWARD -m conntrack --ctstate RELATED"
		prerouting = "iptables -t raw -A PREROUTING"
	)
	tests := []struct {
		name         string
		f            *Finding
		host, router bool
	}{
		{"one network", active("10.99.0.2:50000", "10.99.0.1:21", "10.99.0.2:45000", track.OutcomeUnanswered, ""), true, false},
		{"cannot tell", active("198.51.100.7:50000", "203.0.113.10:21", "198.51.100.7:45000", track.OutcomeUnanswered, ""), true, true},
		{"ICMP from a router", active("198.51.100.7:50000", "203.0.113.10:21", "198.51.100.7:45000", track.OutcomeUnreachable, "198.51.100.1"), false, true},
		{"SYNs seen behind the client's NAT", active("192.168.1.50:50000", "198.51.100.1:21", "192.168.1.50:45000", track.OutcomeUnanswered, ""), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.f.Advice
			if got := strings.Contains(a, clientHost); got != tt.host {
				t.Errorf("client host's INPUT accept %v, want %v:\n%s", got, tt.host, a)
			}
			if got := strings.Contains(a, router) && strings.Contains(a, prerouting); got != tt.router {
				t.Errorf("router's PREROUTING helper and FORWARD accept %v, want %v:\n%s", got, tt.router, a)
			}
		})
	}
}

// TestNotAttemptedServerSideNoSinglePortRule guards data-not-attempted
// seen from the server's side of a NAT (pasv-unreached-server-side.pcap:
// vsftpd behind a router that forwards port 21 only, announcing its public
// address and a port of its own choosing, and no SYN ever arriving)
// against a rule for the one port the server happened to pick: with no
// passive range known, it says to set a fixed range, then open and
// forward that range on the NAT router to the server (the example range
// holds the port that failed, 47123, never a rule for it alone); with
// --server-config naming no range, what vsftpd does then; with a range
// given, that range forwarded to the server.
func TestNotAttemptedServerSideNoSinglePortRule(t *testing.T) {
	const capture = "../../pcaps/synthetic/pasv-unreached-server-side.pcap"
	noRange := &policy.ServerConfig{Path: "/etc/vsftpd.conf", Kind: policy.ServerVsftpd}
	for _, tc := range []struct {
		name        string
		p           policy.Policy
		want, never []string
	}{
		{"no range known", policy.Policy{},
			[]string{"if it has none, set one (pasv_min_port/pasv_max_port", "on the NAT router in front of the server, which must forward (DNAT) the range to it",
				"nft insert rule inet filter forward ip daddr 10.0.0.5 tcp dport 47100-47200 ct state new accept"},
			[]string{"47123 to", "dport 47123", "--dport 47123"}},
		{"configuration without a range", policy.Policy{Server: noRange},
			[]string{"/etc/vsftpd.conf sets no passive range", "pasv_min_port=47100", "ip daddr 10.0.0.5 tcp dport 47100-47200"},
			[]string{"dport 47123", "give --server-config"}},
		{"range given", rangePolicy(t, "40000-40100"),
			[]string{"forward (DNAT) 40000-40100 to 10.0.0.5", "ip daddr 10.0.0.5 tcp dport 40000-40100"},
			[]string{"dport 47123"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, _ := run(t, capture, tc.p)
			fs := findingsOf(rec, CodeDataNotAttempted)
			if len(fs) != 1 || fs[0].Severity != SeverityError {
				t.Fatalf("data-not-attempted: %v, want one error", fs)
			}
			a := fs[0].Advice
			for _, w := range tc.want {
				if !strings.Contains(a, w) {
					t.Errorf("advice lacks %q:\n%s", w, a)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(a, n) {
					t.Errorf("advice says %q:\n%s", n, a)
				}
			}
		})
	}
}

// singlePortRule finds a firewall rule for one port (nftables, iptables,
// netsh, PowerShell), not a range or a list.
var singlePortRule = regexp.MustCompile(`(?:dport |--dport |localport=|-LocalPort )(\d+)(?:[^-:,\d]|$)`)

// TestNoRuleForAnObservedPassivePort guards every finding and server
// summary, over every capture in pcaps/ read without a range or a
// configuration, against a firewall rule for a passive port the server
// announced: a port the server picked itself changes every session, so
// advice sets a fixed range first and opens that.
func TestNoRuleForAnObservedPassivePort(t *testing.T) {
	var files []string
	for _, pat := range []string{"../../pcaps/synthetic/*.pcap*", "../../pcaps/real/*.pcap*"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no captures")
	}
	for _, file := range files {
		rec, diag := run(t, file, policy.Policy{})
		seen := map[string]bool{}
		for _, f := range rec.findings {
			if dc := f.Data; dc != nil && dc.Passive {
				seen[strconv.Itoa(int(dc.Announced.Port()))] = true
				seen[strconv.Itoa(int(dc.Server.Port()))] = true
			}
		}
		delete(seen, "0")
		check := func(where, text string) {
			for _, m := range singlePortRule.FindAllStringSubmatch(text, -1) {
				if seen[m[1]] {
					t.Errorf("%s: %s opens the observed passive port %s alone:\n%s", filepath.Base(file), where, m[1], text)
				}
			}
		}
		for _, f := range rec.findings {
			check(f.Code, f.Advice)
		}
		for _, sum := range diag.Summaries() {
			check("server "+sum.Server.String()+" rules", strings.Join(sum.Rules, "\n"))
		}
	}
}
