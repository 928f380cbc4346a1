// Regression tests from a review of the diagnosis: each was a wrong or
// misleading finding on realistic traffic.
package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

func dumpFindings(t *testing.T, c *collect) {
	for _, f := range c.fs {
		t.Logf("%s %s: %s\n   fix: %s", f.Severity, f.Code, f.Message, f.Advice)
	}
}

// Active mode, client-side capture (private client behind NAT, public server):
// the server's SYNs are SEEN on the client side, so they arrived; the sentence
// must not say "the capture is on the connecting side, SYNs left".
func TestActiveVantageClientSide(t *testing.T) {
	s := sess("192.168.1.50:50000", "198.51.100.1:21")
	dc := announce(s, 10, "PORT", ftp.ViaPORT, "192.168.1.50:45000", 200, "PORT command successful.")
	syn(dc, "198.51.100.1:20", "192.168.1.50:45000", 14, 3, 2*time.Second)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
	c, _ := feed(policy.Policy{}, s)
	dumpFindings(t, c)
	f := c.find(CodeActiveBlocked)
	if f != nil && strings.Contains(f.Message, "connecting side") {
		t.Errorf("active SYNs captured on the client's side described as the connecting side: %s", f.Message)
	}
}

// Active mode, server-side capture (public client, server at private address behind DNAT).
func TestActiveVantageServerSide(t *testing.T) {
	s := sess("203.0.113.7:50000", "10.1.1.10:21")
	dc := announce(s, 10, "EPRT", ftp.ViaEPRT, "203.0.113.7:45000", 200, "EPRT command successful.")
	syn(dc, "10.1.1.10:20", "203.0.113.7:45000", 14, 3, 2*time.Second)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
	c, _ := feed(policy.Policy{}, s)
	dumpFindings(t, c)
	f := c.find(CodeActiveBlocked)
	if f != nil && strings.Contains(f.Message, "client's side: the SYNs arrived here") {
		t.Errorf("server-side capture described as the client's side: %s", f.Message)
	}
}

// Routed (non-NAT) corporate LAN: client 10.20.5.30, server 10.20.8.10, server
// announces its own address; the transfer works. Correct setup.
func TestRoutedLANIsNotNAT(t *testing.T) {
	s := sess("10.20.5.30:50000", "10.20.8.10:21")
	dc := announce(s, 10, "PASV", ftp.ViaPASV, "10.20.8.10:40010", 227, "Entering Passive Mode (10,20,8,10,156,74).")
	syn(dc, "10.20.5.30:40001", "10.20.8.10:40010", 12, 1, 0)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeTransferred
	c, d := feed(policy.Policy{}, s)
	dumpFindings(t, c)
	for _, sum := range d.Summaries() {
		t.Logf("verdict: %s rules: %v", sum.Verdict, sum.Rules)
	}
	if f := c.find(CodeNATMismatch); f != nil && f.Severity > SeverityInfo {
		t.Errorf("nat-mismatch %s on a routed LAN where the server announces the address the client reached", f.Severity)
	}
}

// --public-address describes one server; another server in the same capture
// (public, announcing itself) must not get nat-mismatch.
func TestPublicAddressOnlyItsServer(t *testing.T) {
	p := policy.Policy{PublicAddress: netip.MustParseAddr("203.0.113.5")}
	s := sess("192.168.1.50:50000", "198.51.100.9:21")
	dc := announce(s, 10, "PASV", ftp.ViaPASV, "198.51.100.9:40010", 227, "Entering Passive Mode (198,51,100,9,156,74).")
	syn(dc, "192.168.1.50:40001", "198.51.100.9:40010", 12, 1, 0)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeTransferred
	c, _ := feed(p, s)
	dumpFindings(t, c)
	if f := c.find(CodeNATMismatch); f != nil {
		t.Errorf("nat-mismatch for a server unrelated to --public-address: %s", f.Message)
	}
}

// A firewall list "21,40000-40100": the server advice must name 40000-40100, not 21.
func TestMultiRangeAdvice(t *testing.T) {
	var p policy.Policy
	if err := p.AddRanges("21,40000-40100"); err != nil {
		t.Fatal(err)
	}
	s := sess("10.0.0.2:50000", "10.0.0.1:21")
	dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "10.0.0.1:50067", 229, "Entering Extended Passive Mode (|||50067|)")
	syn(dc, "10.0.0.2:40001", "10.0.0.1:50067", 12, 3, 2*time.Second)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
	c, d := feed(p, s)
	dumpFindings(t, c)
	for _, sum := range d.Summaries() {
		t.Logf("verdict: %s rules: %v", sum.Verdict, sum.Rules)
		for _, r := range sum.Rules {
			if r == "pasv_min_port=21" {
				t.Errorf("summary tells the server to use passive port 21: %v", sum.Rules)
			}
		}
	}
	if f := c.find(CodePortOutsideRange); f != nil && strings.Contains(f.Advice, "pasv_min_port=21 ") {
		t.Errorf("port-outside-range advice: %s", f.Advice)
	}
}

// IPv6 server, ULA, routed: client fd00:1::2 server fd00:2::1, LPSV/228 own address.
func TestIPv6ULARoutedIsNotNAT(t *testing.T) {
	s := sess("[fd00:1::2]:50000", "[fd00:2::1]:21")
	dc := announce(s, 10, "LPSV", ftp.ViaLPSV, "[fd00:2::1]:40010", 228, "Entering Long Passive Mode")
	syn(dc, "[fd00:1::2]:40001", "[fd00:2::1]:40010", 12, 1, 0)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeTransferred
	c, _ := feed(policy.Policy{}, s)
	dumpFindings(t, c)
	if f := c.find(CodeNATMismatch); f != nil && f.Severity > SeverityInfo {
		t.Errorf("IPv6 own-address announcement flagged: %s %s", f.Severity, f.Message)
	}
}

// Active PORT, 425, no server SYN seen, capture on the server host (public
// client, private server): the block is the server's outgoing side, yet the
// summary says the client's side and gives client rules.
func TestActive425NoSYNVerdict(t *testing.T) {
	s := sess("203.0.113.7:50000", "10.1.1.10:21")
	dc := announce(s, 10, "PORT", ftp.ViaPORT, "203.0.113.7:45000", 200, "PORT command successful.")
	r := cmd(s, 20, "RETR", "f", 425, "Failed to establish connection.")
	dc.Command = r
	r.Transfer = append(r.Transfer, dc)
	dc.Outcome = track.OutcomeNotAttempted
	c, d := feed(policy.Policy{}, s)
	dumpFindings(t, c)
	for _, sum := range d.Summaries() {
		if strings.Contains(sum.Verdict, "blocked on the client's side") {
			t.Errorf("verdict blames the client's side though no SYN left the server: %s", sum.Verdict)
		}
	}
}

// Server-side capture behind DNAT: EPSV announced, client never arrives
// (edge firewall drops), client closes. Severity of the only finding?
func TestServerSideEdgeDropIsError(t *testing.T) {
	p := policy.Policy{Ranges: policy.Ranges{{Lo: 40000, Hi: 40100}}}
	s := sess("203.0.113.7:50000", "10.1.1.10:21")
	dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "10.1.1.10:40010", 229, "Entering Extended Passive Mode (|||40010|)")
	dc.Outcome = track.OutcomeNotAttempted
	c, d := feed(p, s)
	dumpFindings(t, c)
	for _, f := range c.fs {
		if f.Severity == SeverityError {
			return
		}
	}
	for _, sum := range d.Summaries() {
		t.Logf("verdict: %s rules: %v", sum.Verdict, sum.Rules)
	}
	t.Errorf("failed passive data connection seen from the server side yields no error")
}

// TestLoginTableForgetsStaleAttackers: a long capture of a public server
// sees failed logins from more addresses than the table holds; those idle
// past the window make room, so a new attacker is still reported.
func TestLoginTableForgetsStaleAttackers(t *testing.T) {
	d := New(policy.Policy{}, nil, nil)
	fail := func(client string, ms int) *Finding {
		s := sess(client, "10.0.0.1:21")
		s.User = "root"
		c := cmd(s, uint64(ms), "PASS", "x", 530, "Login incorrect.")
		c.TS, c.Replies[0].TS = at(ms), at(ms+1)
		return d.loginFailure(s, c)
	}
	ms := 0
	for i := range maxLoginClients {
		fail(fmt.Sprintf("10.1.%d.%d:40000", i/256, i%256), ms)
		ms += 10
	}
	// An hour later a new address fails five times.
	ms += int(time.Hour / time.Millisecond)
	var got *Finding
	for range bruteFailures {
		if f := fail("203.0.113.9:40000", ms); f != nil {
			got = f
		}
		ms += 1000
	}
	if got == nil || got.Code != CodeLoginAttack {
		t.Fatalf("no login-brute-force for a new attacker after the table filled (omitted %d)", d.logins.omitted)
	}
}
