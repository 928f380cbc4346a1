package track

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestPortOnlyMatchTakenOverByBetterSYN guards the matching of a data
// connection when another host's SYN reaches the announced port first:
// after a 227 or a PORT any host can connect to the port it names (a
// scan, a flood). Matched by the port alone, that SYN took the
// announcement for good, and the session's own connection that followed
// (its transfer, 2000 bytes) appeared nowhere, while the stray SYN's
// failure read as the data connection's, with firewall advice for it. A
// port-only match is provisional while it carries nothing and the server
// has not taken it for the transfer: the peer's own SYN takes the
// announcement over, and the stray connection is told as an event. A NAT
// on the connector's side, where the port-only match is the only one, and
// a connection from another host the server served (passive port theft)
// keep their port-only match.
func TestPortOnlyMatchTakenOverByBetterSYN(t *testing.T) {
	dcli := netip.MustParseAddrPort("198.51.100.7:50001")
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	stray := netip.MustParseAddrPort("203.0.113.9:1024")
	nat := netip.MustParseAddrPort("203.0.113.50:61000") // the client's NAT, for data connections only
	asrv := netip.MustParseAddrPort("192.0.2.10:20")
	passive := func(s *session) {
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	}
	// transfer runs a connection from a to b that carries 2000 bytes b->a
	// and closes by FIN, with the 150 after its handshake.
	transfer := func(s *session, a, b netip.AddrPort) {
		s.segAck(a, b, decode.FlagSYN, 1000, 0, 0)
		s.segAck(b, a, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
		s.segAck(a, b, decode.FlagACK, 1001, 5001, 0)
		s.reply(150, "Opening BINARY mode data connection.")
		s.segAck(b, a, decode.FlagACK, 5001, 1001, 1000)
		s.segAck(b, a, decode.FlagACK, 6001, 1001, 1000)
		s.segAck(a, b, decode.FlagACK, 1001, 7001, 0)
		s.segAck(b, a, decode.FlagFIN|decode.FlagACK, 7001, 1001, 0)
		s.segAck(a, b, decode.FlagFIN|decode.FlagACK, 1001, 7002, 0)
		s.segAck(b, a, decode.FlagACK, 7002, 1002, 0)
	}
	tests := []struct {
		name       string
		run        func(s *session)
		want       Outcome
		match      MatchRule
		from, to   netip.AddrPort
		bytes      int64
		strayEvent bool
	}{
		{"PASV: one unanswered SYN from another host, then the client's transfer", func(s *session) {
			passive(s)
			s.segAck(stray, dsrv, decode.FlagSYN, 777, 0, 0)
			s.cmd("RETR", "f")
			transfer(s, dcli, dsrv)
			s.reply(226, "Transfer complete.")
		}, OutcomeTransferred, MatchExact, dcli, dsrv, 2000, true},
		{"PASV: another host's SYN refused by RST, then the client's transfer", func(s *session) {
			passive(s)
			s.segAck(stray, dsrv, decode.FlagSYN, 777, 0, 0)
			s.segAck(dsrv, stray, ackRST, 0, 778, 0)
			s.cmd("RETR", "f")
			transfer(s, dcli, dsrv)
			s.reply(226, "Transfer complete.")
		}, OutcomeTransferred, MatchExact, dcli, dsrv, 2000, true},
		{"PASV: another host's SYN answered, then reset by it, then the client's transfer", func(s *session) {
			passive(s)
			s.segAck(stray, dsrv, decode.FlagSYN, 777, 0, 0)
			s.segAck(dsrv, stray, decode.FlagSYN|decode.FlagACK, 9000, 778, 0)
			s.segAck(stray, dsrv, decode.FlagRST, 778, 0, 0)
			s.cmd("RETR", "f")
			transfer(s, dcli, dsrv)
			s.reply(226, "Transfer complete.")
		}, OutcomeTransferred, MatchExact, dcli, dsrv, 2000, true},
		{"PASV: another host's completed handshake without data, then the client's transfer", func(s *session) {
			passive(s)
			s.segAck(stray, dsrv, decode.FlagSYN, 777, 0, 0)
			s.segAck(dsrv, stray, decode.FlagSYN|decode.FlagACK, 9000, 778, 0)
			s.segAck(stray, dsrv, decode.FlagACK, 778, 9001, 0)
			s.segAck(stray, dsrv, decode.FlagRST|decode.FlagACK, 778, 9001, 0)
			s.cmd("RETR", "f")
			transfer(s, dcli, dsrv)
			s.reply(226, "Transfer complete.")
		}, OutcomeTransferred, MatchExact, dcli, dsrv, 2000, true},
		{"PORT: a scanner's SYN to the client's port, then the server's transfer", func(s *session) {
			s.cmd("PORT", "198,51,100,7,195,81")
			s.reply(200, "PORT command successful.")
			s.segAck(stray, dcli, decode.FlagSYN, 777, 0, 0)
			s.cmd("RETR", "f")
			transfer(s, asrv, dcli)
			s.reply(226, "Transfer complete.")
		}, OutcomeTransferred, MatchExact, asrv, dcli, 2000, true},
		{"PASV: a stray SYN before the 227 (held, never replayed for another host)", func(s *session) {
			s.cmd("PASV", "")
			s.segAck(stray, dsrv, decode.FlagSYN, 777, 0, 0)
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			s.cmd("RETR", "f")
			transfer(s, dcli, dsrv)
			s.reply(226, "Transfer complete.")
		}, OutcomeTransferred, MatchExact, dcli, dsrv, 2000, false},

		{"PASV through a NAT on the client's side: a spoofed SYN answered in vain first, then the client's transfer", func(s *session) {
			passive(s)
			s.segAck(stray, dsrv, decode.FlagSYN, 777, 0, 0)
			s.segAck(dsrv, stray, decode.FlagSYN|decode.FlagACK, 9000, 778, 0) // never acknowledged
			s.cmd("RETR", "f")
			transfer(s, nat, dsrv)
			s.segAck(dsrv, stray, decode.FlagSYN|decode.FlagACK, 9000, 778, 0) // sent again
			s.reply(226, "Transfer complete.")
		}, OutcomeTransferred, MatchPortOnly, nat, dsrv, 2000, true},
		{"PASV through a NAT on the client's side: a scanner's SYN, SYN-ACK and its RST first, then the client's transfer", func(s *session) {
			passive(s)
			s.segAck(stray, dsrv, decode.FlagSYN, 777, 0, 0)
			s.segAck(dsrv, stray, decode.FlagSYN|decode.FlagACK, 9000, 778, 0)
			s.segAck(stray, dsrv, decode.FlagRST, 778, 0, 0)
			s.cmd("RETR", "f")
			transfer(s, nat, dsrv)
			s.reply(226, "Transfer complete.")
		}, OutcomeTransferred, MatchPortOnly, nat, dsrv, 2000, true},

		// The port-only match stands.
		{"PASV through a NAT on the client's side: the only connection is port-only", func(s *session) {
			passive(s)
			s.cmd("RETR", "f")
			transfer(s, nat, dsrv)
			s.reply(226, "Transfer complete.")
		}, OutcomeTransferred, MatchPortOnly, nat, dsrv, 2000, false},
		{"PASV through a NAT on the client's side, an empty listing", func(s *session) {
			passive(s)
			s.cmd("LIST", "")
			s.segAck(nat, dsrv, decode.FlagSYN, 1000, 0, 0)
			s.segAck(dsrv, nat, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.segAck(nat, dsrv, decode.FlagACK, 1001, 5001, 0)
			s.reply(150, "Here comes the directory listing.")
			s.segAck(dsrv, nat, decode.FlagFIN|decode.FlagACK, 5001, 1001, 0)
			s.segAck(nat, dsrv, decode.FlagFIN|decode.FlagACK, 1001, 5002, 0)
			s.reply(226, "Directory send OK.")
		}, OutcomeConnected, MatchPortOnly, nat, dsrv, 0, false},
		{"PASV: another host took the transfer, the client's SYN after it refused", func(s *session) {
			passive(s)
			s.cmd("RETR", "f")
			transfer(s, stray, dsrv)
			s.reply(226, "Transfer complete.")
			s.segAck(dcli, dsrv, decode.FlagSYN, 1000, 0, 0)
			s.segAck(dsrv, dcli, ackRST, 0, 1001, 0)
		}, OutcomeTransferred, MatchPortOnly, stray, dsrv, 2000, false},
		{"PASV: the server sent its 150 on another host's connection, then the client's SYN", func(s *session) {
			passive(s)
			s.cmd("RETR", "f")
			s.segAck(stray, dsrv, decode.FlagSYN, 777, 0, 0)
			s.segAck(dsrv, stray, decode.FlagSYN|decode.FlagACK, 9000, 778, 0)
			s.segAck(stray, dsrv, decode.FlagACK, 778, 9001, 0)
			s.reply(150, "Opening BINARY mode data connection.")
			s.segAck(dcli, dsrv, decode.FlagSYN, 1000, 0, 0)
			s.segAck(dsrv, dcli, ackRST, 0, 1001, 0)
			s.segAck(dsrv, stray, decode.FlagFIN|decode.FlagACK, 9001, 778, 0)
			s.segAck(stray, dsrv, decode.FlagFIN|decode.FlagACK, 778, 9002, 0)
			s.reply(226, "Transfer complete.")
		}, OutcomeConnected, MatchPortOnly, stray, dsrv, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			tc.run(s)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want || d.Match != tc.match || d.Bytes[0]+d.Bytes[1] != tc.bytes {
				t.Errorf("outcome %v, match %v, %d bytes; want %v, %v, %d", d.Outcome, d.Match, d.Bytes[0]+d.Bytes[1], tc.want, tc.match, tc.bytes)
			}
			if d.Client != tc.from || d.Server != tc.to {
				t.Errorf("peers %v -> %v, want %v -> %v", d.Client, d.Server, tc.from, tc.to)
			}
			var strays []Event
			for _, e := range s.rec.events {
				if e.Kind == EventDataStray {
					strays = append(strays, e)
				}
			}
			switch {
			case !tc.strayEvent && len(strays) > 0:
				t.Errorf("stray event %q, want none", strays[0].Text)
			case tc.strayEvent && len(strays) != 1:
				t.Errorf("%d stray events, want 1", len(strays))
			case tc.strayEvent && !strings.Contains(strays[0].Text, stray.String()):
				t.Errorf("stray event %q does not name %v", strays[0].Text, stray)
			}
			if len(s.trk.byPort) != 0 {
				t.Errorf("%d ports still waiting after the end", len(s.trk.byPort))
			}
		})
	}
}

// TestHeldPortOnlyMatchReleasedAfterTheWait: a finished port-only match
// held for a better SYN (a stray's, refused) leaves the port index and is
// reported once the announcement's wait is over, not at the session's
// next announcement or end, which may be hours away: it kept the port
// index non-empty, so every later packet took the slow path.
func TestHeldPortOnlyMatchReleasedAfterTheWait(t *testing.T) {
	stray := netip.MustParseAddrPort("203.0.113.9:1024")
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	s.segAck(stray, dsrv, decode.FlagSYN, 777, 0, 0)
	s.segAck(dsrv, stray, ackRST, 0, 778, 0)
	for range 120 { // an hour, ticked every 30 s
		s.tick(30 * time.Second)
		s.trk.Tick(s.now)
	}
	if n := s.trk.OpenExpectations(); n != 0 {
		t.Errorf("%d expectations open an hour later, want 0", n)
	}
	if len(s.rec.data) != 1 {
		t.Errorf("%d data records an hour later, want the stray's match reported", len(s.rec.data))
	}
	s.end()
}
