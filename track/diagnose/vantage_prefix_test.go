package diagnose

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// Handshake timings of a passive data connection (the client opens):
// beside the client the SYN-ACK comes a round trip later and the ACK at
// once; beside the server, the other way.
var (
	passiveAtClient = [2]time.Duration{30 * time.Millisecond, 300 * time.Microsecond}
	passiveAtServer = [2]time.Duration{300 * time.Microsecond, 30 * time.Millisecond}
)

// passiveConnSession is a session of client cli with server srv whose one
// passive data connection got through, its handshake timed as timing says.
func passiveConnSession(id int, cli, srv string, timing [2]time.Duration) *track.Session {
	s := sess(fmt.Sprintf("%s:%d", cli, 40000+id), srv)
	s.ID = id
	ms := uint64(100 * id)
	host := ap(srv).Addr()
	b := host.As4()
	dc := announce(s, ms, "PASV", ftp.ViaPASV, fmt.Sprintf("%s:40000", host), 227,
		fmt.Sprintf("Entering Passive Mode (%d,%d,%d,%d,156,64).", b[0], b[1], b[2], b[3]))
	syn(dc, fmt.Sprintf("%s:%d", cli, 50000+id), fmt.Sprintf("%s:40000", host), ms+2, 1, 0)
	handshake(dc, timing[0], timing[1])
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeTransferred
	return s
}

// The capture point is no property of the whole capture: a capture on a
// gateway's inside is beside its LAN's clients and its in-house servers
// alike. A session is judged by its own handshakes first, then by the
// votes about its own client's and server's networks, never by the pooled
// roles of other hosts' sessions (rev3-diag's gw-two-servers,
// gw-router-own, host-both, two-blocked-servers).
func TestCapturePointIsJudgedByTheSessionsOwnNetworks(t *testing.T) {
	type conn struct {
		cli, srv string
		passive  bool
		ok       bool
		timing   [2]time.Duration
	}
	pok := func(cli, srv string, timing [2]time.Duration) conn { return conn{cli, srv, true, true, timing} }
	aok := func(cli, srv string, timing [2]time.Duration) conn { return conn{cli, srv, false, true, timing} }
	afail := func(cli, srv string) conn { return conn{cli, srv, false, false, [2]time.Duration{}} }
	lanClients := func(n int, srv string) []conn {
		var l []conn
		for i := 0; i < n; i++ {
			l = append(l, pok(fmt.Sprintf("192.168.1.%d", 10+i), srv, passiveAtClient))
		}
		return l
	}
	for _, tc := range []struct {
		name  string
		conns []conn
		// own: an own passive handshake timed beside the server, in the
		// session of the last active failure.
		own     bool
		servers []string // whose verdicts and findings are checked
		// in every active-blocked finding of those servers, and in their
		// verdicts.
		findWant, findNot       []string
		verdictWant, verdictNot []string
	}{
		{"gw-two-servers: LAN clients' sessions timed beside them say nothing of the in-house servers' WAN clients",
			append(lanClients(8, "198.51.100.20:21"),
				aok("203.0.113.50", "192.168.1.6:21", timedAtServer), aok("203.0.113.51", "192.168.1.6:21", timedAtServer),
				afail("203.0.113.50", "192.168.1.5:21"), afail("203.0.113.51", "192.168.1.5:21")),
			false, []string{"192.168.1.5:21"},
			[]string{"The capture is on the connecting side"},
			[]string{"The capture is on the client's side", "dropped on the client host itself"},
			[]string{"the block is on this server's side"}, []string{"the capture point is at the clients' side"}},
		{"gw-router-own: the session's own clear handshake decides for it",
			append(lanClients(5, "198.51.100.20:21"), afail("203.0.113.50", "192.0.2.5:21")),
			true, []string{"192.0.2.5:21"},
			[]string{"The capture is on the connecting side (the handshake timing"},
			[]string{"The capture is on the client's side", "dropped on the client host itself"},
			nil, nil},
		{"gw-router-pub: being far from a /24 says nothing of an in-house server in it",
			append(lanClients(3, "198.51.100.20:21"), afail("203.0.113.50", "198.51.100.200:21")),
			false, []string{"198.51.100.200:21"},
			[]string{"The SYNs passed the capture point"},
			[]string{"The capture is on the client's side", "dropped on the client host itself"},
			nil, nil},
		{"host-both: the capture on a host that is a server and a client",
			[]conn{pok("192.0.2.10", "198.51.100.7:21", passiveAtServer), pok("192.0.2.11", "198.51.100.7:21", passiveAtServer), pok("192.0.2.12", "198.51.100.7:21", passiveAtServer),
				afail("198.51.100.7", "203.0.113.9:21")},
			false, []string{"203.0.113.9:21"},
			[]string{"The capture is on the client's side"},
			[]string{"The capture is on the connecting side"},
			nil, nil},
		{"two-blocked-servers: clients that failed with both blocked servers got through from a third",
			[]conn{aok("198.51.100.1", "203.0.113.20:21", timedAtServer), aok("198.51.100.2", "203.0.113.20:21", timedAtServer),
				afail("198.51.100.1", "203.0.113.10:21"), afail("198.51.100.2", "203.0.113.10:21"),
				afail("198.51.100.1", "203.0.113.30:21"), afail("198.51.100.2", "203.0.113.30:21")},
			false, []string{"203.0.113.10:21", "203.0.113.30:21"},
			[]string{"either this server's side blocks them"},
			[]string{"That points to this server's side", "which points to this server's side"},
			[]string{"the block is on this server's side"}, []string{"the clients' side"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ss []*track.Session
			for i, c := range tc.conns {
				var s *track.Session
				switch {
				case c.passive:
					s = passiveConnSession(i+1, c.cli, c.srv, c.timing)
				default:
					s = activeConnSession(i+1, c.cli, c.srv, 20, c.ok, c.timing)
				}
				ss = append(ss, s)
			}
			if tc.own {
				// The failing session's own passive LIST, before its
				// active RETR, timed beside the server.
				s := ss[len(ss)-1]
				host := s.Server.Addr()
				p := announce(s, 10, "PASV", ftp.ViaPASV, host.String()+":40001", 227, "Entering Passive Mode.")
				syn(p, s.Client.Addr().String()+":51000", host.String()+":40001", 11, 1, 0)
				handshake(p, passiveAtServer[0], passiveAtServer[1])
				p.Match, p.Outcome = track.MatchExact, track.OutcomeTransferred
				s.Data[0], s.Data[1] = s.Data[1], s.Data[0]
			}
			c, d := feed(policy.Policy{}, ss...)
			for _, srv := range tc.servers {
				n := 0
				for _, f := range c.all(CodeActiveBlocked) {
					if f.Session.Server != ap(srv) {
						continue
					}
					n++
					text := f.Message + "\n" + f.Advice
					for _, w := range tc.findWant {
						if !strings.Contains(text, w) {
							t.Errorf("finding of %s with %s lacks %q:\n%s", srv, f.Session.Client, w, text)
						}
					}
					for _, w := range tc.findNot {
						if strings.Contains(text, w) {
							t.Errorf("finding of %s with %s has %q:\n%s", srv, f.Session.Client, w, text)
						}
					}
				}
				if n == 0 {
					t.Fatalf("no active-blocked finding for %s", srv)
				}
				sum := serverSummary(t, d, srv)
				for _, w := range tc.verdictWant {
					if !strings.Contains(sum.Verdict, w) {
						t.Errorf("verdict of %s lacks %q:\n%s", srv, w, sum.Verdict)
					}
				}
				for _, w := range tc.verdictNot {
					if strings.Contains(sum.Verdict, w) {
						t.Errorf("verdict of %s has %q:\n%s", srv, w, sum.Verdict)
					}
				}
			}
		})
	}
}
