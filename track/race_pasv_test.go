package track

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// raceTransfer runs a whole data connection from a to b carrying n bytes
// b->a, closed by both FINs and the final ACK of the second one (sent
// after the connection is over: the segment a pickUp must not take).
func (s *session) raceTransfer(a, b netip.AddrPort, n int) {
	s.handshakeTransfer(a, b, n)
	s.seg(b, a, decode.FlagACK, 5002+uint32(n), 0)
}

// TestRacingSessionsOnOnePassiveEndpoint: two sessions of one client
// host (or two clients behind one NAT address) get the same passive
// endpoint at once. The first SYN is the session's announced first (a
// server hands one listener out in turn), a guess until that session's
// 226 comes after the connection's end while the other still waits;
// the closing ACK of the first connection is no pickup of the other
// announcement, so the second connection, and its bytes, are the other
// session's. When the other session's 226 comes first instead, the
// first connection's session stays a guess (AmongRace) and no bytes are
// lost.
func TestRacingSessionsOnOnePassiveEndpoint(t *testing.T) {
	for _, tc := range []struct {
		name       string
		firstDone2 bool // the second session's 226 comes before the first's
		wantAmong  uint8
	}{
		{"first session's 226 settles it", false, 0},
		{"second session's 226 first leaves it a guess", true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			c1 := cli
			c2 := netip.AddrPortFrom(cli.Addr(), 50100)
			ep := netip.MustParseAddrPort("192.0.2.10:40000")
			d1 := netip.AddrPortFrom(cli.Addr(), 45001)
			d2 := netip.AddrPortFrom(cli.Addr(), 45002)
			s.login()
			s.as(c2, true)
			s.login()
			s.as(c1, false)
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			s.as(c2, false)
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			// The first connection's SYN comes before either RETR.
			s.seg(d1, ep, decode.FlagSYN, 1000, 0)
			s.seg(ep, d1, decode.FlagSYN|decode.FlagACK, 5000, 0)
			s.seg(d1, ep, decode.FlagACK, 1001, 0)
			s.as(c1, false)
			s.cmd("RETR", "one.bin")
			s.as(c2, false)
			s.cmd("RETR", "two.bin")
			s.as(c1, false)
			s.reply(150, "Opening BINARY mode data connection for one.bin (10000 bytes)")
			s.as(c2, false)
			s.reply(150, "Opening BINARY mode data connection for two.bin (5000 bytes)")
			for sent := 0; sent < 10000; sent += 1000 {
				s.seg(ep, d1, decode.FlagACK, 5001+uint32(sent), 1000)
			}
			s.seg(ep, d1, decode.FlagFIN|decode.FlagACK, 15001, 0)
			s.seg(d1, ep, decode.FlagACK, 1001, 0)
			s.seg(d1, ep, decode.FlagFIN|decode.FlagACK, 1001, 0)
			s.seg(ep, d1, decode.FlagACK, 15002, 0) // after the close
			if tc.firstDone2 {
				s.as(c2, false)
				s.reply(226, "Transfer complete")
			}
			s.as(c1, false)
			s.reply(226, "Transfer complete")
			if !tc.firstDone2 {
				s.raceTransfer(d2, ep, 5000)
				s.as(c2, false)
				s.reply(226, "Transfer complete")
			}
			for _, c := range []netip.AddrPort{c1, c2} {
				s.as(c, false)
				s.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			}
			s.trk.Finish()

			var got1, got2 []*DataConn
			for _, d := range s.rec.data {
				switch d.Session.Client {
				case c1:
					got1 = append(got1, d)
				case c2:
					got2 = append(got2, d)
				}
			}
			if len(got1) != 1 {
				t.Fatalf("session 1 has %d data connections, want 1", len(got1))
			}
			if d := got1[0]; d.Client != d1 || d.Bytes[1] != 10000 || d.Outcome != OutcomeTransferred || d.AmongRace != tc.wantAmong {
				t.Errorf("session 1's data: from %v, %d bytes, %v, among %d; want from %v, 10000 bytes, transferred, among %d",
					d.Client, d.Bytes[1], d.Outcome, d.AmongRace, d1, tc.wantAmong)
			}
			if tc.firstDone2 {
				return
			}
			if len(got2) != 1 {
				t.Fatalf("session 2 has %d data connections, want 1", len(got2))
			}
			if d := got2[0]; d.Client != d2 || d.Bytes[1] != 5000 || d.Outcome != OutcomeTransferred || d.AmongRace != 0 {
				t.Errorf("session 2's data: from %v, %d bytes, %v, among %d; want from %v, 5000 bytes, transferred, among 0",
					d.Client, d.Bytes[1], d.Outcome, d.AmongRace, d2)
			}
		})
	}
}

// TestLateSegmentOfEndedConnectionIsNoPickup: once a data connection to
// a passive endpoint ended, a late segment of it (the ACK of the last
// FIN, a FIN or bytes sent again) is no connection whose SYN the capture
// lost for another session's announcement of the same endpoint, even
// when that session's server said its connection is open.
func TestLateSegmentOfEndedConnectionIsNoPickup(t *testing.T) {
	for _, tc := range []struct {
		name    string
		flags   decode.TCPFlags
		seq     uint32
		payload int
	}{
		{"ACK of the last FIN", decode.FlagACK, 5002 + 3000, 0},
		{"FIN sent again", decode.FlagFIN | decode.FlagACK, 5001 + 3000, 0},
		{"bytes sent again", decode.FlagACK, 5001 + 2000, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			c1 := cli
			c2 := netip.AddrPortFrom(cli.Addr(), 50100)
			ep := netip.MustParseAddrPort("192.0.2.10:40000")
			d1 := netip.AddrPortFrom(cli.Addr(), 45001)
			s.login()
			s.as(c2, true)
			s.login()
			// Session 2 announces the endpoint more than a minute
			// after session 1 (raceWindow): its listener is the one
			// the SYN goes to.
			s.as(c1, false)
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			s.cmd("RETR", "one.bin")
			s.reply(150, "Opening BINARY mode data connection for one.bin")
			s.tick(2 * raceWindow)
			s.as(c2, false)
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			s.cmd("RETR", "two.bin")
			s.handshakeTransfer(d1, ep, 3000)
			s.reply(150, "Opening BINARY mode data connection for two.bin")
			s.reply(226, "Transfer complete")
			// The late segment of the connection over, after the 150
			// of session 1 said its connection is open.
			s.seg(ep, d1, tc.flags, tc.seq, tc.payload)
			for _, c := range []netip.AddrPort{c1, c2} {
				s.as(c, false)
				s.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			}
			s.trk.Finish()
			n := 0
			for _, d := range s.rec.data {
				if d.Client == d1 {
					n++
					if d.Session.Client != c2 {
						t.Errorf("the connection from %v was taken for session %v, want %v", d1, d.Session.Client, c2)
					}
				}
			}
			if n != 1 {
				t.Errorf("the connection from %v is told %d times, want once", d1, n)
			}
		})
	}
}
