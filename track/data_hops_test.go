package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestDataConnHopsFromItsOwnSegments guards DataConn.Hops, which tells a
// data connection that took another path than its control connection
// (a hairpin NAT: the control connection through the router, the data
// connection straight to the server): each side's bits come from its
// own segments' TTLs, the opener's as the client's; an RST, which a
// router or firewall forges in a side's name, sets none.
func TestDataConnHopsFromItsOwnSegments(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		opener, listener, rst   uint8
		openerDirect, lisDirect bool
		lisBeyond               bool
	}{
		{"both beside the capture", 64, 64, 0, true, true, false},
		{"the listener one router away", 64, 63, 0, true, false, true},
		{"a Windows opener, the listener beside", 128, 64, 0, true, true, false},
		{"an RST one router away sets nothing", 64, 64, 63, true, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			a, b := netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40000")
			seg := func(src, dst netip.AddrPort, fl decode.TCPFlags, seq uint32, ttl uint8) {
				s.num++
				s.tick(time.Millisecond)
				s.trk.Segment(&decode.Segment{Num: s.num, TS: s.now, Src: src, Dst: dst, Flags: fl, Seq: seq, TTL: ttl})
			}
			s.cmd("RETR", "f")
			seg(a, b, decode.FlagSYN, 1000, tc.opener)
			seg(b, a, decode.FlagSYN|decode.FlagACK, 5000, tc.listener)
			seg(a, b, decode.FlagACK, 1001, tc.opener)
			s.reply(150, "Opening BINARY mode data connection.")
			if tc.rst != 0 {
				// The listener's end is an RST that came from farther.
				seg(b, a, decode.FlagRST|decode.FlagACK, 5001, tc.rst)
			} else {
				seg(b, a, decode.FlagFIN|decode.FlagACK, 5001, tc.listener)
				seg(a, b, decode.FlagFIN|decode.FlagACK, 1001, tc.opener)
			}
			s.reply(226, "Transfer complete.")
			d := s.quitWithOneData()
			if got := d.Hops.Direct(false); got != tc.openerDirect {
				t.Errorf("opener direct = %v, want %v (hops %04b)", got, tc.openerDirect, d.Hops)
			}
			if got := d.Hops.Direct(true); got != tc.lisDirect {
				t.Errorf("listener direct = %v, want %v (hops %04b)", got, tc.lisDirect, d.Hops)
			}
			if got := d.Hops.Beyond(true); got != tc.lisBeyond {
				t.Errorf("listener beyond a router = %v, want %v (hops %04b)", got, tc.lisBeyond, d.Hops)
			}
		})
	}
}
