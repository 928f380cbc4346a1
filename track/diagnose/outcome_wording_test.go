package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// wants checks that text holds every want and none of not.
func wants(t *testing.T, what, text string, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
	for _, w := range not {
		if strings.Contains(text, w) {
			t.Errorf("%s says %q:\n%s", what, w, text)
		}
	}
}

// TestPortUnreachableIsARejectRuleNotAClosedPort guards data-unreachable's
// advice for ICMP port unreachable: it said "Port unreachable can also
// mean nothing listened on the port", which is wrong for TCP: a closed
// TCP port answers RST (RFC 9293 3.10.7.1; Linux tcp_v4_send_reset, and
// tcp_v6_send_reset), and only a reject rule answers a TCP SYN with ICMP
// port unreachable (iptables REJECT's default, ip6tables'
// icmp6-port-unreachable).
func TestPortUnreachableIsARejectRuleNotAClosedPort(t *testing.T) {
	for _, tc := range []struct {
		name      string
		dst, from string
		v6        bool
		typ, code uint8
	}{
		{"v4 port unreachable from the server", "192.0.2.10:40001", "192.0.2.10", false, 3, 3},
		{"v6 port unreachable from the server", "[2001:db8:2::10]:40001", "2001:db8:2::10", true, 1, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := unreachableSession(tc.dst, tc.from, tc.v6, tc.typ, tc.code)
			c, _ := feed(policy.Policy{}, s)
			f := c.find(CodeDataUnreachable)
			if f == nil {
				t.Fatal("no data-unreachable")
			}
			wants(t, "advice", f.Advice, []string{"comes from a reject rule", "a closed TCP port answers RST"}, []string{"nothing listened"})
		})
	}
}

// TestSynAckLostNamesTheClientsOwnInputChain guards data-unanswered for
// SYNs the server answered whose SYN-ACKs the client's TCP never took
// (rev-newnet's cli-fw-no-established.pcap, captured on the client host,
// whose input chain drops everything but source port 21). The finding
// named only the path back and its evidence said "no answer reached
// 10.99.0.2"; a capture on the client host records the SYN-ACKs before
// that host's own input chain drops them. Where the capture may be at the
// client, its own input chain is named with the rule that lets the
// answers in; a capture known to be on the server's side keeps the path.
func TestSynAckLostNamesTheClientsOwnInputChain(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cli, srv   string
		clientHost bool // the client's own input chain is named
	}{
		{"one network, capture point unknown", "10.99.0.2:57286", "10.99.0.1:21", true},
		{"public client, private server: the server's side", "198.51.100.7:50000", "10.0.0.5:21", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess(tc.cli, tc.srv)
			srvAddr := ap(tc.srv).Addr().String()
			dc := announce(s, 10, "EPSV", ftp.ViaEPSV, srvAddr+":40090", 229, "Entering Extended Passive Mode (|||40090|)")
			syn(dc, ap(tc.cli).Addr().String()+":51000", srvAddr+":40090", 12, 3, 2*time.Second)
			dc.SynAckTS = dc.FirstSYN.Add(time.Millisecond)
			dc.Outcome, dc.SynAckLost = track.OutcomeUnanswered, true
			c, _ := feed(policy.Policy{}, s)
			f := c.find(CodeDataUnanswered)
			if f == nil {
				t.Fatal("no data-unanswered")
			}
			cli := ap(tc.cli).Addr().String()
			own := []string{"if this capture was taken on " + cli + " itself, its own input firewall"}
			rule := []string{"if this capture was taken on " + cli + " itself, its own input chain must accept the answers to its connections", "nft insert rule inet filter input ct state established,related accept", "iptables -I INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"}
			if tc.clientHost {
				wants(t, "message", f.Message, own, nil)
				wants(t, "advice", f.Advice, append(rule, "Nothing on the server needs to change"), nil)
			} else {
				wants(t, "message", f.Message, []string{"dropped on the way back to " + cli}, own)
				wants(t, "advice", f.Advice, []string{"Let the replies back: on the path from"}, rule)
			}
			wants(t, "evidence", f.Evidence, []string{"answered by SYN-ACK", "never ACKed by " + cli}, []string{"no answer"})
		})
	}
}

// TestUnansweredNamesTheServersOutputChain guards data-unanswered with no
// SYN-ACK in the capture (rev-newnet's srv-out-drop-synack-server.pcap:
// the server's output chain drops its SYN-ACKs, and a capture on the
// server, which records outgoing packets after its firewall, shows SYNs
// and nothing else). Where the advice names the server's input chain, it
// names its output chain too: the two look the same on the wire. Not
// where the advice is a router's forward chain, nor a Windows host's.
func TestUnansweredNamesTheServersOutputChain(t *testing.T) {
	const out = "check its output chain"
	const outRule = "nft insert rule inet filter output ct state established,related accept"
	for _, tc := range []struct {
		name   string
		pol    policy.Policy
		greet  string
		cli    string
		output bool
	}{
		{"range not known, one network", policy.Policy{}, "(vsFTPd 3.0.3)", "10.99.0.2:52632", true},
		{"inside the known range", policy.Policy{Ranges: policy.Ranges{{Lo: 40000, Hi: 40100}}}, "(vsFTPd 3.0.3)", "10.99.0.2:52632", true},
		{"a Windows server", policy.Policy{}, "Microsoft FTP Service", "10.99.0.2:52632", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess(tc.cli, "10.99.0.1:21")
			s.Greeting[0].Text = tc.greet
			dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "10.99.0.1:40065", 229, "Entering Extended Passive Mode (|||40065|)")
			syn(dc, "10.99.0.2:51000", "10.99.0.1:40065", 12, 3, 2*time.Second)
			dc.Outcome = track.OutcomeUnanswered
			c, _ := feed(tc.pol, s)
			f := c.find(CodeDataUnanswered)
			if f == nil {
				t.Fatal("no data-unanswered")
			}
			if tc.output {
				wants(t, "advice", f.Advice, []string{"inet filter input", out, outRule, "iptables -I OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"}, nil)
			} else {
				wants(t, "advice", f.Advice, nil, []string{out})
			}
		})
	}
}

// TestNATMismatchOnTheClientsOwnNetwork guards nat-mismatch and the
// data-not-attempted that follows it for an announced address on the
// client's own network (rev-newnet's vsftpd-pasv-address-wrong.pcap:
// pasv_address=10.99.0.77, client 10.99.0.2, server 10.99.0.1). It said
// the address "belongs to a network the client is not on", which the
// addresses contradict, and sent the admin to a NAT helper and to "a
// router or DNAT in front of the server" where none stands between them.
// An address on another network keeps the old words.
func TestNATMismatchOnTheClientsOwnNetwork(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cli        string
		natMsg     []string
		natNot     []string
		natAdvice  []string
		adviceNot  []string
		notAttMsg  []string
		notAttNot  []string
		notAttAdv  []string
		notAttAdvN []string
	}{
		{"the client's own network", "10.99.0.2:42196",
			[]string{"10.99.0.77 is another address of the client's own network (the same /24 as 10.99.0.2), not the control connection's"},
			[]string{"a network the client is not on"},
			[]string{"pasv_address=10.99.0.1", "no NAT rewrites the 227"},
			[]string{"NAT sits in front"},
			[]string{"went to 10.99.0.77, another address of its own network, where the server is not"},
			[]string{"router or DNAT"},
			[]string{"Fix the announced address (see nat-mismatch)"},
			[]string{"router or DNAT in front"}},
		{"another network", "10.99.1.2:42196",
			[]string{"a network the client is not on"},
			[]string{"client's own network"},
			[]string{"pasv_address=10.99.0.1", "if a Linux NAT sits in front of it"},
			nil,
			[]string{"router or DNAT in front of the server did not pass port 40030"},
			nil,
			[]string{"router or DNAT in front of the server"},
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess(tc.cli, "10.99.0.1:21")
			dc := announce(s, 16, "PASV", ftp.ViaPASV, "10.99.0.77:40030", 227, "Entering Passive Mode (10,99,0,77,156,94).")
			dc.Outcome = track.OutcomeNotAttempted
			c, _ := feed(policy.Policy{}, s)
			nat := c.find(CodeNATMismatch)
			if nat == nil {
				dumpFindings(t, c)
				t.Fatal("no nat-mismatch")
			}
			wants(t, "nat-mismatch message", nat.Message, tc.natMsg, tc.natNot)
			wants(t, "nat-mismatch advice", nat.Advice, tc.natAdvice, tc.adviceNot)
			na := c.find(CodeDataNotAttempted)
			if na == nil {
				dumpFindings(t, c)
				t.Fatal("no data-not-attempted")
			}
			wants(t, "data-not-attempted message", na.Message, tc.notAttMsg, tc.notAttNot)
			wants(t, "data-not-attempted advice", na.Advice, tc.notAttAdv, tc.notAttAdvN)
		})
	}
}
