package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestHeldSYNsOfAnAnnouncementBeforeTheCapture guards a capture that
// starts after a session's announcement (an EPSV whose SYNs a firewall
// drops) and shows its client's SYNs to that port, then the client's
// next request (a PASV) once it gave up: the SYNs, held from the
// capture's start (early.go), are the session's data connection when its
// first announcement the capture shows comes, inferred (MatchInferred)
// and unanswered; without this the capture read as one endpoint never
// used and no failure. A held refusal (the SYN and the RST that answers
// it) is taken too, refused. Not taken: a SYN to the port the new
// announcement names, one the server answered with a SYN-ACK (only its
// handshake is held), a single SYN the client moved on from sooner than
// TCP resends one (answered by what the capture lost, or a late retry:
// nothing to tell), a SYN to another host, SYNs to another service of the
// server's far from the ports it announces (a database, a web console),
// and any in a session seen from its start.
func TestHeldSYNsOfAnAnnouncementBeforeTheCapture(t *testing.T) {
	a := netip.MustParseAddrPort("198.51.100.7:53194")
	b := netip.MustParseAddrPort("192.0.2.10:40011")
	const isn = 4242
	tests := []struct {
		name      string
		midstream bool
		before    func(s *session) // segments before the session shows
		want      Outcome          // of the inferred connection; 0: none
		syns      int
	}{
		{"three SYNs over 2 s", true, func(s *session) {
			for range 3 {
				s.segAck(a, b, decode.FlagSYN, isn, 0, 0)
				s.tick(time.Second)
			}
		}, OutcomeUnanswered, 3},
		{"one SYN, then silence past a retry", true, func(s *session) {
			s.segAck(a, b, decode.FlagSYN, isn, 0, 0)
			s.tick(1500 * time.Millisecond)
		}, OutcomeUnanswered, 1},
		{"one SYN refused by RST", true, func(s *session) {
			s.segAck(a, b, decode.FlagSYN, isn, 0, 0)
			s.segAck(b, a, ackRST, 0, isn+1, 0)
		}, OutcomeRefused, 1},
		{"one SYN to another service of the server (3306) refused by RST", true, func(s *session) {
			c := netip.MustParseAddrPort("192.0.2.10:3306")
			s.segAck(a, c, decode.FlagSYN, isn, 0, 0)
			s.segAck(c, a, ackRST, 0, isn+1, 0)
			s.tick(2 * time.Second)
		}, 0, 0},
		{"three SYNs to another service of the server (8443), far from the passive ports", true, func(s *session) {
			c := netip.MustParseAddrPort("192.0.2.10:8443")
			for range 3 {
				s.segAck(a, c, decode.FlagSYN, isn, 0, 0)
				s.tick(time.Second)
			}
		}, 0, 0},
		{"one SYN, the client moves on at once", true, func(s *session) {
			s.segAck(a, b, decode.FlagSYN, isn, 0, 0)
		}, 0, 0},
		{"SYNs answered by a SYN-ACK", true, func(s *session) {
			s.segAck(a, b, decode.FlagSYN, isn, 0, 0)
			s.segAck(b, a, decode.FlagSYN|decode.FlagACK, 9000, isn+1, 0)
			s.tick(2 * time.Second)
		}, 0, 0},
		{"SYNs to the port announced next", true, func(s *session) {
			c := netip.MustParseAddrPort("192.0.2.10:40035")
			for range 3 {
				s.segAck(a, c, decode.FlagSYN, isn, 0, 0)
				s.tick(time.Second)
			}
		}, 0, 0},
		{"SYNs to another host", true, func(s *session) {
			c := netip.MustParseAddrPort("192.0.2.99:40011")
			for range 3 {
				s.segAck(a, c, decode.FlagSYN, isn, 0, 0)
				s.tick(time.Second)
			}
		}, 0, 0},
		{"a session seen from its start", false, func(s *session) {
			for range 3 {
				s.segAck(a, b, decode.FlagSYN, isn, 0, 0)
				s.tick(time.Second)
			}
		}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
			tc.before(s)
			s.ctl(decode.ControlEvent{Kind: decode.ControlOpen, Midstream: tc.midstream})
			if !tc.midstream {
				s.reply(220, "(vsFTPd 3.0.3)")
				s.login()
			}
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,99).")
			s.end()
			var inferred []*DataConn
			for _, d := range rec.data {
				if d.Match == MatchInferred {
					inferred = append(inferred, d)
				}
			}
			if tc.want == 0 {
				if len(inferred) != 0 {
					t.Fatalf("inferred %v with %d SYNs to %v, want none", inferred[0].Outcome, inferred[0].SYNs, inferred[0].Server)
				}
				return
			}
			if len(inferred) != 1 {
				t.Fatalf("%d inferred data connections of %d, want 1", len(inferred), len(rec.data))
			}
			d := inferred[0]
			if d.Outcome != tc.want || d.SYNs != tc.syns || d.Client != a || d.Server != b || !d.Passive {
				t.Errorf("inferred %v with %d SYNs, %v -> %v (passive %v); want %v with %d, %v -> %v", d.Outcome, d.SYNs, d.Client, d.Server, d.Passive, tc.want, tc.syns, a, b)
			}
			if len(rec.data) != 2 || rec.data[0] != d {
				t.Errorf("%d data records, want the inferred one, then the PASV's", len(rec.data))
			}
		})
	}
}
