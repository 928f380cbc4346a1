package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestStrangerDataConnectionKept guards the data connections from
// another address that are the session's own, not a scan to give back
// (releaseStranger): in active mode the server connects, and its SYNs
// from another of its addresses (a multi-homed server, an outbound SNAT,
// source port 20) are its data connection; in passive mode a client
// behind a NAT that gives its data connection another address (a CGNAT
// without paired pooling) sends its SYN again with back-off, and a SYN
// refused by RST was refused on the path (the server's listener answers
// anyone's SYN with a SYN-ACK). Taken for a scan, they read as "no SYN
// reached the capture point", not attempted, with the server's outgoing
// firewall to blame in active mode, where the client refused or dropped
// the server's SYNs.
func TestStrangerDataConnectionKept(t *testing.T) {
	const (
		synRST = iota
		synDropped
		synAckLost
	)
	// backoff is a real stack's SYN retries: 1, 2, 4, 8 s apart.
	backoff := []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	tries := func(s *session, from, to netip.AddrPort, n, answer int) {
		for i := range n {
			s.tick(backoff[i])
			s.segAck(from, to, decode.FlagSYN, 777, 0, 0)
			switch answer {
			case synRST:
				s.segAck(to, from, ackRST, 0, 778, 0)
			case synAckLost:
				s.segAck(to, from, decode.FlagSYN|decode.FlagACK, 9000, 778, 0)
			}
		}
	}
	active := func(n, answer int) func(s *session) {
		return func(s *session) {
			s.cmd("PORT", "198,51,100,7,195,81")
			s.reply(200, "PORT command successful. Consider using PASV.")
			s.cmd("LIST", "")
			tries(s, netip.MustParseAddrPort("192.0.2.11:20"), netip.MustParseAddrPort("198.51.100.7:50001"), n, answer)
			s.tick(time.Second)
			s.reply(425, "Failed to establish connection.")
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
		}
	}
	passive := func(n, answer int) func(s *session) {
		return func(s *session) {
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			s.cmd("LIST", "")
			tries(s, netip.MustParseAddrPort("198.51.100.8:40001"), netip.MustParseAddrPort("192.0.2.10:40000"), n, answer)
			s.tick(time.Second)
			s.reply(425, "Failed to establish connection.")
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
		}
	}
	for _, tc := range []struct {
		name string
		run  func(s *session)
		want Outcome
		from string
	}{
		{"PORT, LIST, the server's SYNs from another address and port 20 refused by the client's RST", active(2, synRST), OutcomeRefused, "192.0.2.11:20"},
		{"PORT, LIST, the server's SYNs from another address and port 20 dropped", active(5, synDropped), OutcomeUnanswered, "192.0.2.11:20"},
		{"PASV, LIST, another address's SYN sent again, refused by RST", passive(2, synRST), OutcomeRefused, "198.51.100.8:40001"},
		{"PASV, LIST, another address's SYN sent again, no answer", passive(5, synDropped), OutcomeUnanswered, "198.51.100.8:40001"},
		{"PASV, LIST, another address's SYN sent again, its SYN-ACKs lost", passive(4, synAckLost), OutcomeUnanswered, "198.51.100.8:40001"},
		{"PASV, LIST, another address's one SYN refused by RST", passive(1, synRST), OutcomeRefused, "198.51.100.8:40001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			tc.run(s)
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want || d.Match != MatchPortOnly || d.Client.String() != tc.from {
				t.Errorf("outcome %v, match %v, client %v; want %v, %v, %v", d.Outcome, d.Match, d.Client, tc.want, MatchPortOnly, tc.from)
			}
			for _, e := range s.rec.events {
				if e.Kind == EventDataStray {
					t.Errorf("stray event %q: the session's own data connection given back", e.Text)
				}
			}
		})
	}
}
