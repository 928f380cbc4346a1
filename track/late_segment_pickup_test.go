package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

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
			// after session 1: its listener is the one
			// the SYN goes to.
			s.as(c1, false)
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			s.cmd("RETR", "one.bin")
			s.reply(150, "Opening BINARY mode data connection for one.bin")
			s.tick(2 * time.Minute)
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
