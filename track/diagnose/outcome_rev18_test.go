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

// handshake sets dc's handshake timing: the SYN-ACK synAck after the SYN,
// the opener's ACK ack after the SYN-ACK.
func handshake(dc *track.DataConn, synAck, ack time.Duration) {
	dc.SynAckTS = dc.LastSYN.Add(synAck)
	dc.AckTS = dc.SynAckTS.Add(ack)
}

// serverSummary is the summary of server srv.
func serverSummary(t *testing.T, d *Diagnoser, srv string) ServerSummary {
	t.Helper()
	for _, sum := range d.Summaries() {
		if sum.Server == ap(srv) {
			return sum
		}
	}
	t.Fatalf("no summary of %s", srv)
	return ServerSummary{}
}

func TestHandshakeSideReadsTheCapturePoint(t *testing.T) {
	for _, tc := range []struct {
		name        string
		synAck, ack time.Duration
		want        hsSide
	}{
		{"beside the listener: SYN-ACK at once, ACK a round trip later", 30 * time.Microsecond, 1100 * time.Microsecond, hsListener},
		{"beside the opener: SYN-ACK a round trip later, ACK at once", 20 * time.Millisecond, 40 * time.Microsecond, hsOpener},
		{"too short to tell", 30 * time.Microsecond, 90 * time.Microsecond, hsUnknown},
		{"a slow listener beside it: both long", 20 * time.Millisecond, 20 * time.Millisecond, hsUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("10.20.12.163:44911", "192.0.2.24:21")
			dc := announce(s, 10, "PASV", ftp.ViaPASV, "192.0.2.24:40001", 227, "Entering Passive Mode (192,0,2,24,156,65).")
			syn(dc, "10.20.12.163:50001", "192.0.2.24:40001", 12, 1, 0)
			handshake(dc, tc.synAck, tc.ack)
			if got := handshakeSide(dc); got != tc.want {
				t.Errorf("handshakeSide = %d, want %d", got, tc.want)
			}
		})
	}
}

// A private client and a public server captured at the server (a routed
// network, a lab): the address guess says the client's side; the
// handshake timing of the server's data connections says the server's,
// and decides.
func TestVantageFromHandshakeTimingBeforeAddresses(t *testing.T) {
	for _, tc := range []struct {
		name string
		// own: the timed handshake is the session's own passive
		// connection; else another session's with the same server.
		own         bool
		synAck, ack time.Duration
		want        []string
		not         []string
	}{
		{"own handshake at the server", true, 30 * time.Microsecond, 1100 * time.Microsecond,
			[]string{"The capture is on the connecting side (the handshake timing of data connections in this capture shows it)", "between here and the client"},
			[]string{"client's side: the SYN arrived", "a guess from the addresses"}},
		{"another session's handshake at the server", false, 30 * time.Microsecond, 1100 * time.Microsecond,
			[]string{"The capture is on the connecting side (the handshake timing of data connections in this capture shows it)"},
			[]string{"client's side: the SYN arrived"}},
		{"no handshake that tells: the addresses, said to be a guess", true, 30 * time.Microsecond, 90 * time.Microsecond,
			[]string{"The capture is on the client's side (a guess from the addresses, a private client and a public server"},
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ss []*track.Session
			other := sess("10.20.3.4:40000", "192.0.2.24:21")
			other.ID = 2
			s := sess("10.20.12.163:44911", "192.0.2.24:21")
			host := s
			if !tc.own {
				host = other
				ss = append(ss, other)
			}
			// Two timed handshakes: one alone decides nothing (minVotes).
			for i, port := range []string{"40001", "40002"} {
				p := announce(host, uint64(8+i*4), "PASV", ftp.ViaPASV, "192.0.2.24:"+port, 227, "Entering Passive Mode (192,0,2,24,156,65).")
				syn(p, fmt.Sprintf("%s:%d", host.Client.Addr(), 50001+i), "192.0.2.24:"+port, uint64(9+i*4), 1, 0)
				handshake(p, tc.synAck, tc.ack)
				p.Match, p.Outcome = track.MatchExact, track.OutcomeTransferred
			}
			dc := announce(s, 20, "EPRT", ftp.ViaEPRT, "10.20.12.163:44912", 200, "EPRT command successful.")
			syn(dc, "192.0.2.24:20", "10.20.12.163:44912", 24, 1, 0)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
			ss = append(ss, s)
			c, _ := feed(policy.Policy{}, ss...)
			f := c.find(CodeActiveBlocked)
			if f == nil {
				t.Fatal("no active-blocked")
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Message, w) {
					t.Errorf("message lacks %q:\n%s", w, f.Message)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(f.Message, w) {
					t.Errorf("message has %q:\n%s", w, f.Message)
				}
			}
		})
	}
}

// activeSession is a session of client cli with server srv whose one
// active data connection got through (ok) or got no answer.
func activeSession(id int, cli, srv string, port uint16, ms int, ok bool) *track.Session {
	s := sess(fmt.Sprintf("%s:40000", cli), srv)
	s.ID = id
	ann := fmt.Sprintf("%s:%d", cli, port)
	dc := announce(s, uint64(ms), "PORT", ftp.ViaPORT, ann, 200, "PORT command successful.")
	syn(dc, netip.MustParseAddrPort(srv).Addr().String()+":20", ann, uint64(ms)+2, 1, 0)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
	if ok {
		dc.Outcome = track.OutcomeTransferred
		// Timed at the servers' side (beside the opener): the SYN-ACK
		// a round trip after the SYN, the ACK at once.
		handshake(dc, 20*time.Millisecond, 40*time.Microsecond)
	}
	return s
}

// The mirror of "some clients only": every active data connection of
// one server fails, for clients that take active data connections from
// other servers of the same capture. Their side lets them in: the
// verdict and the advice are for the server's side.
func TestActiveBlockedForClientsThatTakeActiveFromOtherServers(t *testing.T) {
	const bad = "192.0.2.24:21"
	for _, tc := range []struct {
		name        string
		elsewhere   bool // the failing clients got through from another server first
		want, not   []string
		rules, nots []string
	}{
		{"clients take active from another server", true,
			[]string{"back to its clients are blocked (3 active data connections failed, for 3 clients), while 2 of those clients got active data connections through from other servers", "the block is on this server's side or its path", "source port 20"},
			[]string{"in on the client"},
			[]string{"iptables -I FORWARD -s 192.0.2.24 -p tcp --sport 20 -j ACCEPT"},
			[]string{"# on the client:"}},
		{"no client got through anywhere: the clients' side, in plural", false,
			[]string{"back to 3 clients are blocked", "the clients' side", "in on the clients"},
			[]string{"other servers", "back to the client are"},
			nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ss []*track.Session
			id := 1
			if tc.elsewhere {
				for _, cli := range []string{"10.20.1.1", "10.20.1.2"} {
					ss = append(ss, activeSession(id, cli, "192.0.2.21:21", 50000, 10*id, true))
					id++
				}
			}
			for _, cli := range []string{"10.20.1.1", "10.20.1.2", "10.20.1.3"} {
				ss = append(ss, activeSession(id, cli, bad, 50001, 10*id, false))
				id++
			}
			c, d := feed(policy.Policy{}, ss...)
			sum := serverSummary(t, d, bad)
			for _, w := range tc.want {
				if !strings.Contains(sum.Verdict, w) {
					t.Errorf("verdict lacks %q:\n%s", w, sum.Verdict)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(sum.Verdict, w) {
					t.Errorf("verdict has %q:\n%s", w, sum.Verdict)
				}
			}
			rules := strings.Join(sum.Rules, "\n")
			for _, w := range tc.rules {
				if !strings.Contains(rules, w) {
					t.Errorf("rules lack %q:\n%s", w, rules)
				}
			}
			for _, w := range tc.nots {
				if strings.Contains(rules, w) {
					t.Errorf("rules have %q:\n%s", w, rules)
				}
			}
			// The finding of a client seen getting through elsewhere says
			// so, and gives the server's side's fix.
			var f *Finding
			for _, x := range c.all(CodeActiveBlocked) {
				if x.Session.Client.Addr() == netip.MustParseAddr("10.20.1.1") {
					f = x
				}
			}
			if f == nil {
				t.Fatal("no active-blocked for 10.20.1.1")
			}
			// Neutral: the verdict, made at the end, concludes.
			says := strings.Contains(f.Message, "got an active data connection through from another server of this capture (192.0.2.21:21)") &&
				strings.Contains(f.Advice, "see the server's verdict. When it puts the block on the server's side, change nothing on the client")
			if says != tc.elsewhere {
				t.Errorf("advice names the other server: %v, want %v:\n%s", says, tc.elsewhere, f.Advice)
			}
		})
	}
}

// unreachableSession is a passive data connection to dst answered by an
// ICMP error of type/code from from.
func unreachableSession(dst, from string, v6 bool, typ, code uint8) *track.Session {
	srv, cli := "192.0.2.10:21", "10.1.0.2:50000"
	if v6 {
		srv, cli = "[2001:db8:2::10]:21", "[2001:db8:1::2]:50000"
	}
	s := sess(cli, srv)
	dc := announce(s, 10, "EPSV", ftp.ViaEPSV, dst, 229, "Entering Extended Passive Mode (|||40001|)")
	syn(dc, netip.AddrPortFrom(netip.MustParseAddrPort(cli).Addr(), 51000).String(), dst, 12, 1, 0)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnreachable
	dc.ICMP = &track.ICMPInfo{From: netip.MustParseAddr(from), V6: v6, Type: typ, Code: code, TS: at(13), Num: 13}
	return s
}

// A net, host or address unreachable from the destination itself: the
// address answered, so it is reachable; its own firewall rejects the
// port. The finding and the verdict say the same.
func TestICMPUnreachableFromTheDestinationIsItsFirewall(t *testing.T) {
	for _, tc := range []struct {
		name          string
		dst, from     string
		v6            bool
		typ, code     uint8
		advice        string // in the finding's advice
		verdict       string
		notAdvice     string
		notVerdictSub string
	}{
		{"v4 net unreachable from the server", "192.0.2.10:40001", "192.0.2.10", false, 3, 0, "--reject-with icmp-net-unreachable", "rejected with ICMP unreachable on port 40001", "cannot be reached", "cannot be reached"},
		{"v4 host unreachable from the server", "192.0.2.10:40001", "192.0.2.10", false, 3, 1, "--reject-with icmp-host-unreachable", "rejected with ICMP unreachable on port 40001", "cannot be reached", "cannot be reached"},
		{"v6 no route from the server", "[2001:db8:2::10]:40001", "2001:db8:2::10", true, 1, 0, "--reject-with icmp6-no-route", "rejected with ICMP unreachable on port 40001", "cannot be reached", "cannot be reached"},
		{"v6 address unreachable from the server", "[2001:db8:2::10]:40001", "2001:db8:2::10", true, 1, 3, "--reject-with icmp6-addr-unreachable", "rejected with ICMP unreachable on port 40001", "cannot be reached", "cannot be reached"},
		// A router's, about another address than the control
		// connection's: the address cannot be reached; the verdict
		// agrees (no range to open).
		{"v4 host unreachable from a router, another address", "192.0.2.99:40001", "10.1.0.1", false, 3, 1, "cannot be reached", "cannot be reached from the clients", "--reject-with", "open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := unreachableSession(tc.dst, tc.from, tc.v6, tc.typ, tc.code)
			c, d := feed(policy.Policy{}, s)
			f := c.find(CodeDataUnreachable)
			if f == nil {
				t.Fatal("no data-unreachable")
			}
			if !strings.Contains(f.Message+f.Advice, tc.advice) || strings.Contains(f.Advice, tc.notAdvice) {
				t.Errorf("advice: want %q, not %q:\n%s", tc.advice, tc.notAdvice, f.Advice)
			}
			sum := serverSummary(t, d, s.Server.String())
			if !strings.Contains(sum.Verdict, tc.verdict) || strings.Contains(sum.Verdict, tc.notVerdictSub) {
				t.Errorf("verdict: want %q, not %q:\n%s", tc.verdict, tc.notVerdictSub, sum.Verdict)
			}
		})
	}
}

// Time exceeded and parameter problem end a connect too (Linux's
// tcp_v4_err/tcp_v6_err), and are no firewall's reject: a routing loop,
// a malformed header or rejected option.
func TestICMPTimeExceededAndParameterProblemAreNoFirewall(t *testing.T) {
	for _, tc := range []struct {
		name      string
		v6        bool
		typ, code uint8
		message   string
		verdict   string
	}{
		{"v4 TTL exceeded", false, 11, 0, "ICMP time exceeded (type 11 code 0, time to live exceeded in transit) from 10.1.0.1, a router or firewall on the path: a router reports the TTL ran out on the way, a routing loop", "time exceeded from a router: the packets loop"},
		{"v6 hop limit exceeded", true, 3, 0, "a router reports the hop limit ran out on the way, a routing loop", "time exceeded from a router: the packets loop"},
		{"v4 parameter problem", false, 12, 0, "ICMP parameter problem (type 12 code 0, pointer indicates the error)", "parameter problem: a malformed header or an option"},
		{"v6 parameter problem", true, 4, 1, "a parameter problem, a malformed header or an option a router or middlebox rejects", "parameter problem: a malformed header or an option"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst, from := "192.0.2.10:40001", "10.1.0.1"
			if tc.v6 {
				dst, from = "[2001:db8:2::10]:40001", "2001:db8:1::1"
			}
			if tc.v6 && strings.Contains(tc.message, "ICMP ") {
				t.Fatal("bad case")
			}
			s := unreachableSession(dst, from, tc.v6, tc.typ, tc.code)
			c, d := feed(policy.Policy{}, s)
			f := c.find(CodeDataUnreachable)
			if f == nil {
				t.Fatal("no data-unreachable")
			}
			if !strings.Contains(f.Message, tc.message) {
				t.Errorf("message lacks %q:\n%s", tc.message, f.Message)
			}
			for _, no := range []string{"destination unreachable", "cannot be reached", "open that range", "nft insert rule"} {
				if strings.Contains(f.Message+f.Advice, no) {
					t.Errorf("finding has %q:\n%s\n%s", no, f.Message, f.Advice)
				}
			}
			sum := serverSummary(t, d, s.Server.String())
			if !strings.Contains(sum.Verdict, tc.verdict) || strings.Contains(sum.Verdict, "rejected with ICMP unreachable") || len(sum.Rules) > 0 {
				t.Errorf("verdict: want %q, no reject and no rules:\n%s\n%v", tc.verdict, sum.Verdict, sum.Rules)
			}

			// The same error ending an active-mode connect back.
			a := sess("10.1.0.2:50000", "192.0.2.10:21")
			dc := announce(a, 10, "PORT", ftp.ViaPORT, "10.1.0.2:50010", 200, "PORT command successful.")
			syn(dc, "192.0.2.10:20", "10.1.0.2:50010", 12, 1, 0)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnreachable
			dc.ICMP = &track.ICMPInfo{From: netip.MustParseAddr("10.1.0.1"), Type: 11, Code: 0, TS: at(13), Num: 13}
			c, _ = feed(policy.Policy{}, a)
			if f := c.find(CodeActiveBlocked); f == nil || !strings.Contains(f.Message, "routing loop") || strings.Contains(f.Advice, "helper") {
				t.Errorf("active-mode time exceeded: %+v", f)
			}
		})
	}
}

// Wording: one SYN is "it"; failed ports are not "ports 1935 different".
func TestOutcomeWordingAgreesInNumber(t *testing.T) {
	s := sess("10.0.0.2:50000", "10.0.0.1:21")
	dc := announce(s, 8, "PASV", ftp.ViaPASV, "10.0.0.1:40000", 227, "Entering Passive Mode (10,0,0,1,156,64).")
	syn(dc, "10.0.0.2:50001", "10.0.0.1:40000", 9, 1, 0)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
	c, _ := feed(policy.Policy{}, s)
	f := c.find(CodeDataUnanswered)
	if f == nil || !strings.Contains(f.Message, "1 SYN to the passive data endpoint 10.0.0.1:40000 got no answer: a firewall is dropping it.") ||
		strings.Contains(f.Message, "The SYNs passed") {
		t.Errorf("one SYN: %+v", f)
	}
	if got := portsWord(PortStats{Min: 45000, Max: 49999, Count: 2000, Distinct: 1935}); got != "ports between 45000 and 49999" {
		t.Errorf("portsWord = %q", got)
	}
}
