package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// newMidstreamSession starts a session the way decode reports one picked
// up without its SYN: no greeting, no login seen.
func newMidstreamSession(t *testing.T) *session {
	rec := &recorder{}
	s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
	s.ctl(decode.ControlEvent{Kind: decode.ControlOpen, Midstream: true})
	return s
}

// TestMidstreamDataAnnouncedBeforeTheCapture: a capture that starts after
// a session's PORT (or 227) loses the announcement, not the data
// connection: a SYN between the session's peers on data ports, soon after
// the session was picked up and before it shows an announcement of its
// own, is its data connection, tied to the transfer command waiting for
// one. Without this an active-mode failure whose PORT preceded the capture
// read "data: none".
func TestMidstreamDataAnnouncedBeforeTheCapture(t *testing.T) {
	serverData := netip.MustParseAddrPort("192.0.2.10:20")
	clientPort := netip.MustParseAddrPort("198.51.100.7:41833")
	for _, tc := range []struct {
		name     string
		run      func(s *session)
		inferred bool
		outcome  Outcome
		linked   string // the verb of the command it is tied to, "" for none
	}{
		{
			name: "active SYNs unanswered after the RETR",
			run: func(s *session) {
				s.cmd("RETR", "report.txt")
				for range 3 {
					s.seg(serverData, clientPort, decode.FlagSYN, 77, 0)
					s.tick(time.Second)
				}
				s.reply(425, "Failed to establish connection.")
			},
			inferred: true, outcome: OutcomeUnanswered, linked: "RETR",
		},
		{
			name: "passive connection before the transfer command",
			run: func(s *session) {
				a, b := netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40007")
				s.seg(a, b, decode.FlagSYN, 1000, 0)
				s.seg(b, a, decode.FlagSYN|decode.FlagACK, 5000, 0)
				s.seg(a, b, decode.FlagACK, 1001, 0)
				s.cmd("RETR", "f")
				s.reply(150, "Opening BINARY mode data connection.")
				s.seg(b, a, decode.FlagACK, 5001, 3000)
				s.seg(b, a, decode.FlagFIN|decode.FlagACK, 8001, 0)
				s.seg(a, b, decode.FlagFIN|decode.FlagACK, 1001, 0)
				s.reply(226, "Transfer complete.")
			},
			inferred: true, outcome: OutcomeTransferred, linked: "RETR",
		},
		{
			name: "another service between the same hosts",
			run: func(s *session) {
				s.seg(netip.MustParseAddrPort("198.51.100.7:50002"), netip.MustParseAddrPort("192.0.2.10:22"), decode.FlagSYN, 1, 0)
			},
		},
		{
			name: "a SYN long after the session last spoke",
			run: func(s *session) {
				s.cmd("NOOP", "")
				s.reply(200, "NOOP ok.")
				s.tick(2 * midstreamWindow)
				s.seg(serverData, clientPort, decode.FlagSYN, 77, 0)
			},
		},
		{
			name: "after an announcement of its own",
			run: func(s *session) {
				s.cmd("PASV", "")
				s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
				// Not to the announced port: other traffic, not inferred.
				s.seg(netip.MustParseAddrPort("198.51.100.7:50003"), netip.MustParseAddrPort("192.0.2.10:40001"), decode.FlagSYN, 1, 0)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newMidstreamSession(t)
			tc.run(s)
			s.end()
			var got []*DataConn
			for _, d := range s.rec.data {
				if d.Match == MatchInferred {
					got = append(got, d)
				}
			}
			if !tc.inferred {
				if len(got) != 0 {
					t.Fatalf("inferred %d data connections, want none: %+v", len(got), got[0])
				}
				if len(s.trk.unannounced) != 0 {
					t.Errorf("the unannounced index keeps %d sessions after the capture's end", len(s.trk.unannounced))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("inferred %d data connections, want 1", len(got))
			}
			d := got[0]
			if d.Outcome != tc.outcome {
				t.Errorf("outcome %v, want %v", d.Outcome, tc.outcome)
			}
			verb := ""
			if d.Command != nil {
				verb = d.Command.Verb
			}
			if verb != tc.linked {
				t.Errorf("tied to %q, want %q", verb, tc.linked)
			}
		})
	}
}

// TestMidstreamIndexFollowsTheSession: a session leaves the unannounced
// index at its first announcement and at its end, so the index holds only
// open sessions that may still need it.
func TestMidstreamIndexFollowsTheSession(t *testing.T) {
	s := newMidstreamSession(t)
	if len(s.trk.unannounced) != 1 {
		t.Fatalf("a mid-stream session is not indexed: %d", len(s.trk.unannounced))
	}
	s.cmd("PORT", "198,51,100,7,163,105")
	if len(s.trk.unannounced) != 0 {
		t.Errorf("still indexed after its PORT")
	}
	s.end()

	s = newMidstreamSession(t)
	s.ctl(decode.ControlEvent{Kind: decode.ControlClose})
	if len(s.trk.unannounced) != 0 {
		t.Errorf("still indexed after its end")
	}

	// A session seen from its SYN never is.
	s = newSession(t)
	if len(s.trk.unannounced) != 0 {
		t.Errorf("a session seen from its start is indexed")
	}
}

// TestMidstreamClaimsSYNsBeforeItsFirstByte: a capture started while an
// active-mode transfer hangs holds the server's retried SYNs before any
// byte of the control connection (the server says nothing until it gives
// up). The session picked up then claims them when it shows the transfer
// (the 425 of a RETR sent before the capture): its data connection is
// unanswered, not "data: none". A session that shows no transfer claims
// nothing (the same two hosts talk over other services too); segments of
// other hosts are left; nothing past the capture's first earlyWindow is
// held; the ring's bound is counted.
func TestMidstreamClaimsSYNsBeforeItsFirstByte(t *testing.T) {
	srvData := netip.MustParseAddrPort("192.0.2.10:20")
	cliData := netip.MustParseAddrPort("198.51.100.7:41833")
	other := netip.MustParseAddrPort("203.0.113.9:40999")
	for _, tc := range []struct {
		name     string
		lead     time.Duration // packet time before the first SYN
		others   int           // unrelated SYNs held before the session's
		evidence bool          // the session's first line is the 425
		want     int           // data connections claimed
		evicted  int
	}{
		{"retried SYNs before the 425 of an unseen RETR", 0, 0, true, 1, 0},
		{"other hosts' SYNs are not claimed", 0, 5, true, 1, 0},
		{"a session that shows no transfer claims nothing", 0, 0, false, 0, 0},
		{"SYNs past the capture's first minutes are not held", 2 * earlyWindow, 0, true, 0, 0},
		{"the held segments are bounded", 0, maxEarly + 44, true, 0, 47},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
			// The capture's first packet.
			s.seg(netip.MustParseAddrPort("203.0.113.1:1"), netip.MustParseAddrPort("203.0.113.2:2"), decode.FlagACK, 1, 0)
			s.tick(tc.lead)
			for range 3 {
				s.seg(srvData, cliData, decode.FlagSYN, 1000, 0)
				s.tick(time.Second)
			}
			for i := range tc.others {
				s.seg(netip.AddrPortFrom(other.Addr(), uint16(1024+i)), netip.MustParseAddrPort("192.0.2.99:443"), decode.FlagSYN, 1, 0)
			}
			s.ctl(decode.ControlEvent{Kind: decode.ControlOpen, Midstream: true})
			if tc.evidence {
				s.reply(425, "Failed to establish connection.")
			}
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if len(s.rec.data) != tc.want {
				t.Fatalf("%d data connections, want %d", len(s.rec.data), tc.want)
			}
			if tc.want > 0 {
				d := s.rec.data[0]
				if d.Match != MatchInferred || d.Outcome != OutcomeUnanswered || d.SYNs != 3 || d.Client != srvData || d.Passive {
					t.Errorf("match %v outcome %v SYNs %d client %v passive %v; want inferred, unanswered, 3, %v, active", d.Match, d.Outcome, d.SYNs, d.Client, d.Passive, srvData)
				}
			}
			if got := s.trk.Limits().EarlyOverwritten; got != tc.evicted {
				t.Errorf("EarlyOverwritten %d, want %d", got, tc.evicted)
			}
		})
	}
}

// TestMidstreamClaimsOnlyWithATransferDue guards the review's false
// alarms: a session picked up mid-stream that only keeps its connection
// alive (NOOP, PWD) does not take the same two hosts' other traffic (a
// firewalled 8443, a closed 5432, a web request, another FTP session's
// control connection) for data connections, and of two sessions between
// the same hosts, the one that shows the transfer gets its data
// connection, not the one that spoke first.
func TestMidstreamClaimsOnlyWithATransferDue(t *testing.T) {
	c1 := netip.MustParseAddrPort("198.51.100.7:50001")
	for _, tc := range []struct {
		name string
		run  func(s *session)
		want int
	}{
		{"SYNs to a blocked service during keepalives", func(s *session) {
			for range 4 {
				s.cmd("NOOP", "")
				s.reply(200, "NOOP ok.")
				s.seg(c1, netip.MustParseAddrPort("192.0.2.10:8443"), decode.FlagSYN, 1000, 0)
				s.tick(time.Second)
			}
		}, 0},
		{"a closed port's RST", func(s *session) {
			s.cmd("PWD", "")
			s.reply(257, `"/"`)
			s.seg(c1, netip.MustParseAddrPort("192.0.2.10:5432"), decode.FlagSYN, 1000, 0)
			s.segAck(netip.MustParseAddrPort("192.0.2.10:5432"), c1, decode.FlagRST|decode.FlagACK, 0, 1001, 0)
		}, 0},
		{"a transfer command after the SYN claims it", func(s *session) {
			s.seg(c1, netip.MustParseAddrPort("192.0.2.10:40007"), decode.FlagSYN, 1000, 0)
			s.tick(time.Second)
			s.seg(c1, netip.MustParseAddrPort("192.0.2.10:40007"), decode.FlagSYN, 1000, 0)
			s.cmd("RETR", "f")
			s.tick(10 * time.Second)
			s.reply(425, "Failed to establish connection.")
		}, 1},
		{"a SYN long before the transfer command is not claimed", func(s *session) {
			s.seg(c1, netip.MustParseAddrPort("192.0.2.10:40007"), decode.FlagSYN, 1000, 0)
			s.tick(transferLead + 5*time.Second)
			s.cmd("RETR", "f")
			s.reply(425, "Failed to establish connection.")
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newMidstreamSession(t)
			tc.run(s)
			s.end()
			if len(s.rec.data) != tc.want {
				t.Fatalf("%d data connections, want %d", len(s.rec.data), tc.want)
			}
		})
	}
}

// TestMidstreamKeepsTheGreeting: a capture that begins between a
// connection's SYNs and its banner picks the session up without its
// handshake, but the 220 is still its greeting (it names the server, and
// the advice follows it). A 220 after a command (REIN's) is a reply.
func TestMidstreamKeepsTheGreeting(t *testing.T) {
	s := newMidstreamSession(t)
	s.reply(220, "(vsFTPd 3.0.3)")
	s.login()
	sess := s.end()
	if len(sess.Greeting) != 1 || sess.Greeting[0].Text != "(vsFTPd 3.0.3)" {
		t.Errorf("greeting %+v, want the 220", sess.Greeting)
	}

	s = newMidstreamSession(t)
	s.cmd("REIN", "")
	s.reply(220, "Service ready for new user.")
	if sess := s.end(); len(sess.Greeting) != 0 {
		t.Errorf("REIN's 220 taken for a greeting: %+v", sess.Greeting)
	}
}
