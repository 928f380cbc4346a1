package diagnose

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// The advice applied in a lab (rev-applyrule, round 22): what ftpsniff
// told the admin to change had to fix the failure the capture showed.

// findingOf is the finding of code for data connection id.
func findingOf(c *collect, code string, id int) *Finding {
	for _, f := range c.fs {
		if f.Code == code && f.Data != nil && f.Data.ID == id {
			return f
		}
	}
	return nil
}

// epsvDroppedThenPASV is curl behind the lab's NAT (s8-client.pcap): its
// EPSV data connection to the control address 10.99.1.1 dropped (the
// router's forward chain), then a PASV naming the server's private
// address, to which it never connected (its connect timeout spent).
func epsvDroppedThenPASV() *track.Session {
	s := sess("10.99.1.2:38142", "10.99.1.1:21")
	e := announce(s, 16, "EPSV", ftp.ViaEPSV, "10.99.1.1:40095", 229, "Entering Extended Passive Mode (|||40095|)")
	syn(e, "10.99.1.2:33476", "10.99.1.1:40095", 17, 3, 2047*time.Millisecond)
	e.Match, e.Outcome = track.MatchExact, track.OutcomeUnanswered
	p := announce(s, 3022, "PASV", ftp.ViaPASV, "10.99.2.2:40053", 227, "Entering Passive Mode (10,99,2,2,156,117).")
	p.Outcome = track.OutcomeNotAttempted
	return s
}

// TestNATAddressDoesNotHideTheProvenPortBlock: the verdict was "set
// pasv_address" alone, which did not fix the lab; the EPSV SYNs to the
// public address, dropped, are the failure, with a rule for the NAT
// router's forward chain; the PASV the client gave up on is not the
// address's fault.
func TestNATAddressDoesNotHideTheProvenPortBlock(t *testing.T) {
	c, d := feed(policy.Policy{}, epsvDroppedThenPASV())
	sums := d.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d summaries", len(sums))
	}
	s := sums[0]
	if !strings.HasPrefix(s.Verdict, "passive data connections are dropped between client and server on port 40095") {
		t.Errorf("verdict %q: want the drop first", s.Verdict)
	}
	if !strings.Contains(s.Verdict, "set pasv_address=10.99.1.1") || !strings.Contains(s.Verdict, "gave up before using it") {
		t.Errorf("verdict %q: want the address named besides, as not what stopped this client", s.Verdict)
	}
	rules := strings.Join(s.Rules, "\n")
	fwd, in := strings.Index(rules, "nft insert rule inet filter forward ip daddr 10.99.2.2 tcp dport"), strings.Index(rules, "nft insert rule inet filter input")
	if fwd < 0 || in >= 0 && in < fwd {
		t.Errorf("change block: want the NAT router's forward chain first:\n%s", rules)
	}
	f := findingOf(c, CodeDataNotAttempted, 2)
	if f == nil {
		dumpFindings(t, c)
		t.Fatal("no data-not-attempted for the PASV")
	}
	if !strings.Contains(f.Message, "gave up without connecting to 10.99.2.2:40053, after data connection #1") ||
		strings.Contains(f.Message, "cannot see those SYNs") || strings.Contains(f.Message, "a client that trusted the announced address went there") {
		t.Errorf("data-not-attempted blames the address:\n%s\n%s", f.Message, f.Advice)
	}
}

// TestNotAttemptedAtClientSideSaysNoSYN: a capture on the client's side
// holds the SYNs to either address; "this capture cannot see those SYNs"
// is not said of it.
func TestNotAttemptedAtClientSideSaysNoSYN(t *testing.T) {
	s := sess("192.168.1.5:50000", "203.0.113.10:21")
	p := announce(s, 10, "PASV", ftp.ViaPASV, "10.0.0.5:40001", 227, "Entering Passive Mode (10,0,0,5,156,65).")
	p.Outcome = track.OutcomeNotAttempted
	c, d := feed(policy.Policy{}, s)
	if v, _ := d.vantage(s); v != VantageClient {
		t.Skipf("vantage %v: the addresses no longer put this capture at the client", v)
	}
	f := findingOf(c, CodeDataNotAttempted, 1)
	if f == nil {
		dumpFindings(t, c)
		t.Fatal("no data-not-attempted")
	}
	if strings.Contains(f.Message, "cannot see those SYNs") || !strings.Contains(f.Message, "the client sent no SYN for it to either address") {
		t.Errorf("message %q", f.Message)
	}
}

// TestLateFallbackIsAFailedConnect: an EPSV accepted, no SYN, and the
// PASV a second or more later (curl's connect timeout: s8-server.pcap,
// 3 s) is a connect that failed, not a fallback to change nothing for;
// one asked at once still is.
func TestLateFallbackIsAFailedConnect(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pasv  uint64 // ms of the PASV; the 229 comes at 18
		late  bool
		words string
	}{
		{"3 s later: the connect failed", 3018, true, "most likely connecting there and failed"},
		{"at once: a fallback", 200, false, "it fell back from EPSV to PASV"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("10.99.1.2:38142", "10.99.2.2:21")
			e := announce(s, 17, "EPSV", ftp.ViaEPSV, "10.99.2.2:40095", 229, "Entering Extended Passive Mode (|||40095|)")
			e.Outcome = track.OutcomeNotAttempted
			p := announce(s, tc.pasv, "PASV", ftp.ViaPASV, "10.99.2.2:40053", 227, "Entering Passive Mode (10,99,2,2,156,117).")
			p.Outcome = track.OutcomeNotAttempted
			c, d := feed(policy.Policy{}, s)
			f := findingOf(c, CodeDataNotAttempted, 1)
			if f == nil {
				dumpFindings(t, c)
				t.Fatal("no data-not-attempted for the EPSV")
			}
			if !strings.Contains(f.Message, tc.words) {
				t.Errorf("message %q lacks %q", f.Message, tc.words)
			}
			if got := f.Severity >= SeverityWarning; got != tc.late {
				t.Errorf("severity %s", f.Severity)
			}
			if tc.late && strings.Contains(f.Advice, "Nothing to change") {
				t.Errorf("advice %q", f.Advice)
			}
			v := d.Summaries()[0]
			if got := strings.Contains(v.Verdict, "open and forward it end to end"); got != tc.late {
				t.Errorf("verdict %q: names the range %v, want %v", v.Verdict, got, tc.late)
			}
		})
	}
}

// TestActiveNoSYNNamesServersOutputChain: the server reported it could
// not connect back (425) and no SYN reached the capture point
// (s15-srvout.pcap, the server's output chain dropping them): rules on
// the client change nothing; the server's output chain does.
func TestActiveNoSYNNamesServersOutputChain(t *testing.T) {
	s := sess("10.99.0.2:33136", "10.99.0.1:21")
	dc := announce(s, 15, "PORT", ftp.ViaPORT, "10.99.0.2:37957", 200, "PORT command successful. Consider using PASV.")
	dc.Outcome = track.OutcomeNotAttempted
	x := cmd(s, 17, "RETR", "report.txt", 425, "Failed to establish connection.")
	dc.Command, x.Transfer = x, []*track.DataConn{dc}
	c, d := feed(policy.Policy{}, s)
	f := c.find(CodeActiveBlocked)
	if f == nil {
		dumpFindings(t, c)
		t.Fatal("no active-blocked")
	}
	if !strings.Contains(f.Advice, "nft insert rule inet filter output tcp sport 20 ct state new accept") {
		t.Errorf("advice names no rule for the server's output chain:\n%s", f.Advice)
	}
	if strings.Contains(f.Advice, "-t raw -A OUTPUT") || strings.Contains(f.Advice, "chain input") {
		t.Errorf("advice gives the client's helper rules, which cannot fix a SYN that never arrived:\n%s", f.Advice)
	}
	rules := strings.Join(d.Summaries()[0].Rules, "\n")
	if !strings.Contains(rules, "nft insert rule inet filter output tcp sport 20 ct state new accept") ||
		!strings.Contains(rules, "iptables -I OUTPUT -p tcp --sport 20 -m conntrack --ctstate NEW -j ACCEPT") ||
		strings.Contains(rules, "# on the client") || strings.Contains(rules, "chain input") {
		t.Errorf("change block:\n%s", rules)
	}
}

// TestNATRouterAdviceForwardsTheRange: a router that forwards port 21
// only (s14-client.pcap, s14b-client.pcap): its forward chain's accept
// changes nothing without a DNAT of the range, and pasv_address alone
// stops its FTP helper from following the 227; both routes are named.
func TestNATRouterAdviceForwardsTheRange(t *testing.T) {
	trusting := func() *track.Session {
		s := sess("10.99.1.2:50556", "10.99.1.1:21")
		p := announce(s, 16, "PASV", ftp.ViaPASV, "10.99.2.2:40022", 227, "Entering Passive Mode (10,99,2,2,156,86).")
		syn(p, "10.99.1.2:47724", "10.99.2.2:40022", 17, 3, 2046*time.Millisecond)
		p.Match, p.Outcome = track.MatchExact, track.OutcomeUnanswered
		return s
	}
	ignoring := func() *track.Session {
		s := sess("10.99.1.2:50556", "10.99.1.1:21")
		p := announce(s, 18, "PASV", ftp.ViaPASV, "10.99.2.2:40029", 227, "Entering Passive Mode (10,99,2,2,156,93).")
		syn(p, "10.99.1.2:46808", "10.99.1.1:40029", 19, 1, 0)
		p.Match, p.Outcome = track.MatchControlAddress, track.OutcomeRefused
		return s
	}
	const dnat = "nft add rule ip nat prerouting ip daddr 10.99.1.1 tcp dport 40000-40100 dnat to 10.99.2.2"
	const dnatIpt = "iptables -t nat -A PREROUTING -d 10.99.1.1 -p tcp --dport 40000:40100 -j DNAT --to-destination 10.99.2.2"
	for _, tc := range []struct {
		name string
		s    func() *track.Session
	}{{"client trusts the 227", trusting}, {"client ignores the 227, RST from the router", ignoring}} {
		t.Run(tc.name, func(t *testing.T) {
			c, d := feed(policy.Policy{}, tc.s())
			v := d.Summaries()[0]
			rules := strings.Join(v.Rules, "\n")
			if !strings.Contains(rules, dnat) || !strings.Contains(rules, dnatIpt) {
				dumpFindings(t, c)
				t.Errorf("change block lacks the DNAT of the range:\n%s", rules)
			}
			if !strings.Contains(rules, "pasv_address=10.99.1.1") || !strings.Contains(rules, `ct helper set "ftp-std"`) || !strings.Contains(rules, "no longer follows the 227") {
				t.Errorf("change block: want both routes (the address with a static forward, or the helper) and the trade-off:\n%s", rules)
			}
		})
	}
	c, d := feed(policy.Policy{}, trusting())
	v := d.Summaries()[0]
	if !strings.Contains(v.Verdict, "attach the FTP helper on the NAT router") || !strings.Contains(v.Verdict, "no longer follows it") {
		t.Errorf("verdict %q: pasv_address alone, no trade-off", v.Verdict)
	}
	f := c.find(CodeDataUnanswered)
	if f == nil {
		t.Fatal("no data-unanswered")
	}
}

// TestSameSlash24IsNoProofOfNoRouter: the lab's standard NAT layout puts
// the client in the /24 of the router's public address (s8-afterA.pcap:
// pasv_address set, the router's forward chain dropping): the advice
// names the router's forward chain too, not the server's input chain
// alone.
func TestSameSlash24IsNoProofOfNoRouter(t *testing.T) {
	s := sess("10.99.1.2:56956", "10.99.1.1:21")
	e := announce(s, 17, "EPSV", ftp.ViaEPSV, "10.99.1.1:40086", 229, "Entering Extended Passive Mode (|||40086|)")
	syn(e, "10.99.1.2:52854", "10.99.1.1:40086", 19, 3, 2030*time.Millisecond)
	e.Match, e.Outcome = track.MatchExact, track.OutcomeUnanswered
	c, d := feed(policy.Policy{}, s)
	f := c.find(CodeDataUnanswered)
	if f == nil {
		dumpFindings(t, c)
		t.Fatal("no data-unanswered")
	}
	if !strings.Contains(f.Advice, forwardRule) || !strings.Contains(f.Advice, inputRule) {
		t.Errorf("advice names one chain only:\n%s", f.Advice)
	}
	rules := strings.Join(d.Summaries()[0].Rules, "\n")
	if !strings.Contains(rules, forwardRule) || !strings.Contains(rules, inputRule) {
		t.Errorf("change block names one chain only:\n%s", rules)
	}
}

// TestExampleRangeFollowsSeenPorts: with no range known, the example
// range sits around the ports the server announced (s2-range.pcap: 50006
// and 50040), not at 40000-40100 beside them.
func TestExampleRangeFollowsSeenPorts(t *testing.T) {
	for _, tc := range []struct {
		lo, hi   uint16
		distinct int
		want     string
	}{
		{50006, 50040, 2, "50000-50100"},
		{40053, 40095, 2, "40000-40100"},
		{40100, 40150, 2, "40100-40200"},
		{65500, 65530, 3, "65500-65535"},
		{47123, 47123, 1, exampleRange.String()}, // one port a server picked: no range shown
		{2000, 60000, 2, exampleRange.String()},  // no one range: the default
		{40000, 50078, 3213, "40000-50100"},      // a busy server's wide range, read from its ports
		{50030, 59987, 400, "50000-60000"},
		{40000, 50078, 15, exampleRange.String()},  // too few ports to read a range that wide
		{5003, 65530, 3000, exampleRange.String()}, // a server picking any port (vsftpd with no range)
		{49160, 65530, 200, exampleRange.String()}, // Windows' dynamic range
		{33000, 60900, 500, exampleRange.String()}, // the kernel's ephemeral range (ProFTPD with no PassivePorts)
		{1030, 2400, 100, "1024-2400"},             // never below 1024
		{1100, 3000, 20, exampleRange.String()},    // too few ports for a range that wide
		{40000, 50078, 39, exampleRange.String()},
		{0, 0, 0, exampleRange.String()},
	} {
		if got := exampleNear(tc.lo, tc.hi, tc.distinct).String(); got != tc.want {
			t.Errorf("exampleNear(%d, %d, %d) = %s, want %s", tc.lo, tc.hi, tc.distinct, got, tc.want)
		}
	}
	// s2-range.pcap: EPSV to 50040 dropped, then a PASV of 50006 unused.
	s := sess("10.99.0.2:50000", "10.99.0.1:21")
	e := announce(s, 10, "EPSV", ftp.ViaEPSV, "10.99.0.1:50040", 229, "Entering Extended Passive Mode (|||50040|)")
	syn(e, "10.99.0.2:50001", "10.99.0.1:50040", 12, 3, 2*time.Second)
	e.Match, e.Outcome = track.MatchExact, track.OutcomeUnanswered
	p := announce(s, 3020, "PASV", ftp.ViaPASV, "10.99.0.1:50006", 227, "Entering Passive Mode (10,99,0,1,195,86).")
	p.Outcome = track.OutcomeNotAttempted
	c, d := feed(policy.Policy{}, s)
	rules := strings.Join(d.Summaries()[0].Rules, "\n")
	if !strings.Contains(rules, "tcp dport 50000-50100") || strings.Contains(rules, "40000") {
		t.Errorf("change block:\n%s", rules)
	}
	if f := c.find(CodeDataUnanswered); f == nil || !strings.Contains(f.Advice, "pasv_min_port=50000") {
		dumpFindings(t, c)
		t.Error("finding's example range ignores the port seen")
	}
}

// TestExampleRangeHoldsTheFailedPort: with the server's range not known,
// a data-unanswered finding's fix named "e.g. 40000-40100" for a port
// dropped at 50011 (range50k: the server's change block said 50000-50100),
// and for each session's own few ports another range (split30: three
// ranges, none holding some of the failed ports). The example range of
// the finding (Finding.Example, and its advice) and of the server's
// change block now holds a port that failed: every port that failed
// where one range of about a hundred can (serverExample: one output
// proposes one range per server).
func TestExampleRangeHoldsTheFailedPort(t *testing.T) {
	const srv = "10.3.0.1:21"
	for _, tc := range []struct {
		name    string
		ports   []int // announced in one session, the last one dropped
		finding string
		block   string
	}{
		{"one port, above the default example", []int{50011}, "50000-50100", "50000-50100"},
		{"one port, inside the default example", []int{40011}, "40000-40100", "40000-40100"},
		// More than MaxExampleSpan apart: the first failure's hundred,
		// for both findings and the change block (one range per server).
		{"two ports too far apart to read a range", []int{41234, 45077}, "41200-41300", "41200-41300"},
		{"two ports close together", []int{50006, 50040}, "50000-50100", "50000-50100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("10.3.0.2:50000", srv)
			var dc *track.DataConn
			for i, p := range tc.ports {
				num := uint64(1000 * (i + 1))
				dc = announce(s, num, "PASV", ftp.ViaPASV, fmt.Sprintf("10.3.0.1:%d", p), 227, "Entering Passive Mode.")
				syn(dc, fmt.Sprintf("10.3.0.2:%d", 40001+i), fmt.Sprintf("10.3.0.1:%d", p), num+2, 3, 2*time.Second)
				dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
			}
			c, d := feed(policy.Policy{}, s)
			var f *Finding
			for _, x := range c.fs {
				if x.Code == CodeDataUnanswered && x.Data == dc {
					f = x
				}
			}
			if f == nil {
				t.Fatalf("no data-unanswered for port %d", dc.Server.Port())
			}
			if f.Example.String() != tc.finding || !strings.Contains(f.Advice, "e.g. "+tc.finding+":") {
				t.Errorf("finding's example %s, want %s:\n%s", f.Example, tc.finding, f.Advice)
			}
			if !slices.ContainsFunc(tc.ports, func(p int) bool { return f.Example.Contains(uint16(p)) }) {
				t.Errorf("example %s holds none of the failed ports %v", f.Example, tc.ports)
			}
			rules := strings.Join(summaryOf(t, d, srv).Rules, "\n")
			if !strings.Contains(rules, "dport "+tc.block+" ") {
				t.Errorf("change block lacks dport %s:\n%s", tc.block, rules)
			}
		})
	}
}
