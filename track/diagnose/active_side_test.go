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

// Handshake timings of an active data connection (the server opens):
// taken beside the client, the client's SYN-ACK comes at once and the
// server's ACK a round trip later; beside the server, the other way.
var (
	timedAtClient = [2]time.Duration{40 * time.Microsecond, 30 * time.Millisecond}
	timedAtServer = [2]time.Duration{30 * time.Millisecond, 30 * time.Microsecond}
)

// activeConnSession is a session of client cli with server srv whose one
// active data connection, from the server's port sport, got through
// (ok, its handshake timed as timing says) or got three unanswered SYNs.
func activeConnSession(id int, cli, srv string, sport uint16, ok bool, timing [2]time.Duration) *track.Session {
	s := sess(fmt.Sprintf("%s:%d", cli, 40000+id), srv)
	s.ID = id
	ms := 100 * id
	ann := fmt.Sprintf("%s:%d", cli, 42000+id)
	dc := announce(s, uint64(ms), "PORT", ftp.ViaPORT, ann, 200, "PORT command successful.")
	from := netip.AddrPortFrom(ap(srv).Addr(), sport).String()
	if ok {
		syn(dc, from, ann, uint64(ms)+2, 1, 0)
		dc.Match, dc.Outcome = track.MatchExact, track.OutcomeTransferred
		handshake(dc, timing[0], timing[1])
		return s
	}
	syn(dc, from, ann, uint64(ms)+2, 3, 3*time.Second)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
	return s
}

// The server-side verdict for active-mode failures (activeServerSide)
// needs strong evidence, and no finding concludes what the verdict, made
// at the capture's end, may not: rev2-track's active-client-side,
// active-one-of-five and active-order captures, clients that failed
// elsewhere too, and act24's shape, which stays on the server's side.
func TestActiveBlockedServerSideNeedsStrongEvidence(t *testing.T) {
	const s1, s2, s3 = "198.51.100.10:21", "198.51.100.20:21", "198.51.100.30:21"
	type conn struct {
		cli, srv string
		sport    uint16
		ok       bool
		timing   [2]time.Duration
	}
	ok := func(cli, srv string, timing [2]time.Duration) conn { return conn{cli, srv, 20, true, timing} }
	fail := func(cli, srv string) conn { return conn{cli, srv, 20, false, [2]time.Duration{}} }
	for _, tc := range []struct {
		name  string
		conns []conn
		// verdict of s1: substrings it has and has not; its rules.
		want, not         []string
		rules, notRules   []string
		findWant, findNot []string // in every active-blocked finding of s1 (message and advice)
	}{
		{"capture at the client, whose firewall lets in S2's port 20 only (active-client-side)",
			[]conn{ok("192.168.1.10", s2, timedAtClient), {"192.168.1.10", s1, 40123, false, [2]time.Duration{}}},
			[]string{"back to the client are blocked", "the capture point is at the clients' side"},
			[]string{"the block is on this server's side"},
			[]string{"# on the client:"}, []string{"in front of the server"},
			[]string{"The capture is on the client's side", "lets in some servers' connections only"},
			[]string{"change nothing on the client", "Nothing to change on the client"}},
		{"one of five failing clients got through elsewhere (active-one-of-five)",
			[]conn{ok("203.0.113.1", s2, timedAtServer), fail("203.0.113.1", s1), fail("203.0.113.2", s1), fail("203.0.113.3", s1), fail("203.0.113.4", s1), fail("203.0.113.5", s1)},
			[]string{"back to 5 clients are blocked", "too few clients show it"},
			[]string{"the block is on this server's side"},
			nil, []string{"-s 198.51.100.10 -p tcp --sport 20", "in front of the server"},
			nil, []string{"Nothing to change on the client", "so the block is on this server's side"}},
		{"the failing session first, the other server's after (active-order)",
			[]conn{fail("203.0.113.1", s1), ok("203.0.113.1", s2, timedAtServer)},
			[]string{"back to the client are blocked", "too few clients show it"},
			[]string{"the block is on this server's side"},
			nil, []string{"in front of the server"},
			nil, []string{"Nothing to change on the client"}},
		{"two clients, failing first: the verdict concludes and says it overrules the findings",
			[]conn{fail("203.0.113.1", s1), fail("203.0.113.2", s1), ok("203.0.113.1", s2, timedAtServer), ok("203.0.113.2", s2, timedAtServer)},
			[]string{"all of those clients got active data connections through", "the block is on this server's side", "2 active-blocked findings, made for clients not seen with another server at the time, read alone and name the client's side: this verdict weighs them all"},
			nil,
			[]string{"-s 198.51.100.10 -p tcp --sport 20"}, []string{"# on the client:"},
			nil, nil},
		{"clients that failed with a third server too but got through from another: both failing servers behind one egress firewall (two-blocked-servers)",
			[]conn{ok("203.0.113.1", s2, timedAtServer), ok("203.0.113.2", s2, timedAtServer), fail("203.0.113.1", s3), fail("203.0.113.2", s3), fail("203.0.113.1", s1), fail("203.0.113.2", s1)},
			[]string{"all of those clients got active data connections through", "the block is on this server's side"},
			[]string{"the clients' side"},
			[]string{"-s 198.51.100.10 -p tcp --sport 20"}, []string{"# on the client:"},
			[]string{"either this server's side blocks them"}, []string{"points to this server's side"}},
		{"clients that failed with another server and got none through tell nothing: the verdict hedges for the one that did",
			[]conn{ok("203.0.113.1", s2, timedAtServer), fail("203.0.113.2", s3), fail("203.0.113.3", s3), fail("203.0.113.1", s1), fail("203.0.113.2", s1), fail("203.0.113.3", s1)},
			[]string{"back to 3 clients are blocked", "either this server's side blocks them", "so look at both"},
			[]string{"the block is on this server's side", "points to this server's side"},
			nil, []string{"-s 198.51.100.10 -p tcp --sport 20"},
			nil, []string{"points to this server's side"}},
		{"clients behind shared NAT addresses: the other server both got through to and failed for each address (cgnat-shared)",
			[]conn{ok("100.64.1.5", s2, timedAtServer), fail("100.64.1.5", s2), ok("100.64.2.7", s2, timedAtServer), fail("100.64.2.7", s2),
				fail("100.64.1.5", s1), fail("100.64.2.7", s1)},
			nil,
			[]string{"the block is on this server's side"},
			nil, []string{"-s 198.51.100.10 -p tcp --sport 20"},
			nil, []string{"points to this server's side"}},
		{"act24's shape: the clients that tried another server got through, the capture timed at the servers",
			[]conn{ok("203.0.113.1", s2, timedAtServer), ok("203.0.113.2", s2, timedAtServer), ok("203.0.113.3", s3, timedAtServer),
				fail("203.0.113.1", s1), fail("203.0.113.2", s1), fail("203.0.113.3", s1), fail("203.0.113.4", s1), fail("203.0.113.5", s1), fail("203.0.113.6", s1)},
			[]string{"(6 active data connections failed, for 6 clients), while 3 of those clients got active data connections through from other servers in this capture (of the others, 3 made no active data connection with another server; 3 active-blocked findings, made for clients not seen with another server at the time", "the block is on this server's side", "the capture is on the server's side"},
			nil,
			[]string{"-s 198.51.100.10 -p tcp --sport 20", "in front of the server"}, []string{"# on the client:"},
			nil, []string{"The capture is on the client's side"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ss []*track.Session
			for i, c := range tc.conns {
				ss = append(ss, activeConnSession(i+1, c.cli, c.srv, c.sport, c.ok, c.timing))
			}
			c, d := feed(policy.Policy{}, ss...)
			sum := serverSummary(t, d, s1)
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
			for _, w := range tc.notRules {
				if strings.Contains(rules, w) {
					t.Errorf("rules have %q:\n%s", w, rules)
				}
			}
			n := 0
			for _, f := range c.all(CodeActiveBlocked) {
				if f.Session.Server != ap(s1) {
					continue
				}
				n++
				text := f.Message + "\n" + f.Advice
				for _, w := range tc.findWant {
					if !strings.Contains(text, w) {
						t.Errorf("finding of %s lacks %q:\n%s", f.Session.Client, w, text)
					}
				}
				for _, w := range tc.findNot {
					if strings.Contains(text, w) {
						t.Errorf("finding of %s has %q:\n%s", f.Session.Client, w, text)
					}
				}
			}
			if n == 0 {
				t.Fatal("no active-blocked finding for " + s1)
			}
		})
	}
}

// One handshake's timing decides nothing (a loaded listener's 6 ms
// SYN-ACK against a LAN's 1 ms ACK reads as the opener's side): the
// capture point needs more than one vote and a clear majority, from
// every data connection of the capture (rev2-track's slow-listener).
func TestCapturePointNeedsMoreThanOneHandshake(t *testing.T) {
	for _, tc := range []struct {
		name      string
		timings   [][2]time.Duration // passive handshakes of other clients with the server
		want, not string
	}{
		{"one slow listener's handshake", [][2]time.Duration{{6 * time.Millisecond, time.Millisecond}},
			"The SYNs passed the capture point", "The capture is on the client's side"},
		{"two handshakes timed at the server", [][2]time.Duration{{30 * time.Microsecond, 2 * time.Millisecond}, {40 * time.Microsecond, 3 * time.Millisecond}},
			"The capture is on the connecting side (the handshake timing of data connections in this capture shows it)", "The capture is on the client's side"},
		{"votes that disagree", [][2]time.Duration{{30 * time.Microsecond, 2 * time.Millisecond}, {40 * time.Microsecond, 3 * time.Millisecond}, {20 * time.Millisecond, 40 * time.Microsecond}, {20 * time.Millisecond, 40 * time.Microsecond}},
			"The SYNs passed the capture point", "The capture is on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ss []*track.Session
			for i, tm := range tc.timings {
				s := sess(fmt.Sprintf("10.0.0.%d:50000", 50+i), "10.0.0.1:21")
				s.ID = i + 1
				dc := announce(s, uint64(100*i+8), "PASV", ftp.ViaPASV, "10.0.0.1:40000", 227, "Entering Passive Mode (10,0,0,1,156,64).")
				syn(dc, fmt.Sprintf("10.0.0.%d:50001", 50+i), "10.0.0.1:40000", uint64(100*i+10), 1, 0)
				handshake(dc, tm[0], tm[1])
				dc.Match, dc.Outcome = track.MatchExact, track.OutcomeTransferred
				ss = append(ss, s)
			}
			s := activeConnSession(len(ss)+1, "10.0.0.60", "10.0.0.1:21", 20, false, [2]time.Duration{})
			ss = append(ss, s)
			c, _ := feed(policy.Policy{}, ss...)
			f := c.find(CodeActiveBlocked)
			if f == nil {
				t.Fatal("no active-blocked")
			}
			if !strings.Contains(f.Message, tc.want) || strings.Contains(f.Message, tc.not) {
				t.Errorf("message: want %q, not %q:\n%s", tc.want, tc.not, f.Message)
			}
		})
	}
}

// Host unreachable from the destination address itself: its own
// firewall's reject, or a port-forwarding router that owns the address
// and whose forwarded host does not answer (rev2-track's
// dnat-host-unreach). The words leave both open; the rule is the same.
func TestUnreachableFromTheDestinationMayBeAForwardingRouter(t *testing.T) {
	for _, code := range []uint8{0, 1} {
		t.Run(fmt.Sprintf("code %d", code), func(t *testing.T) {
			s := unreachableSession("192.0.2.10:40001", "192.0.2.10", false, 3, code)
			c, _ := feed(policy.Policy{}, s)
			f := c.find(CodeDataUnreachable)
			if f == nil {
				t.Fatal("no data-unreachable")
			}
			for _, w := range []string{"a router that forwards the port to a host behind it", "its own firewall rejects the port"} {
				if !strings.Contains(f.Message, w) {
					t.Errorf("message lacks %q:\n%s", w, f.Message)
				}
			}
			if !strings.Contains(f.Advice, "check first that the host is up") {
				t.Errorf("advice lacks the forwarded host:\n%s", f.Advice)
			}
		})
	}
}

// A capture on the NAT box itself (tcpdump -i any) shows a failing
// server's SYNs on the far side of the NAT too (DataConn.Twin): the box
// let them out, so however many of its clients got active connections
// through from other servers, the block is beyond it and no rule for the
// server's side is given (rev4-final's gw-any-cli).
func TestActiveBlockedBeyondTheNATBoxIsNotTheServers(t *testing.T) {
	const s1, s2 = "198.51.100.10:21", "198.51.100.20:21"
	var ss []*track.Session
	for i, cli := range []string{"203.0.113.1", "203.0.113.2"} {
		ss = append(ss, activeConnSession(2*i+1, cli, s2, 20, true, timedAtServer))
		f := activeConnSession(2*i+2, cli, s1, 20, false, [2]time.Duration{})
		f.Data[0].Twin = &track.DataConn{SYNs: 3}
		ss = append(ss, f)
	}
	_, d := feed(policy.Policy{}, ss...)
	sum := serverSummary(t, d, s1)
	if strings.Contains(sum.Verdict, "the block is on this server's side") || !strings.Contains(sum.Verdict, "seen leaving the NAT box") {
		t.Errorf("verdict:\n%s", sum.Verdict)
	}
	if rules := strings.Join(sum.Rules, "\n"); strings.Contains(rules, "-s 198.51.100.10 -p tcp --sport 20") {
		t.Errorf("rules for the server's side:\n%s", rules)
	}
}
