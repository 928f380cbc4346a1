package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestStalledTransferOutlivesDataIdle guards s-1800-busy.pcap: a data
// connection set up, then silent for half an hour of packet time while
// other traffic moved the clock (a transfer stalled: ProFTPD's
// TimeoutStalled is an hour, a STOR from a slow pipe) was ended as idle
// after 10 minutes; its later bytes, FIN and the 226 matched nothing,
// uncounted ("1000 bytes; ended by idle", or "carried nothing" when the
// stall came before the first byte). While its transfer command waits for
// its final reply, the session open, it is followed on. Not when no
// transfer command waits (none came: 10 minutes of quiet still end it),
// nor once the session has ended (30 seconds).
func TestStalledTransferOutlivesDataIdle(t *testing.T) {
	a := netip.AddrPortFrom(cli.Addr(), 50001)
	b := netip.MustParseAddrPort("192.0.2.10:40001")
	for _, tc := range []struct {
		name      string
		first     int  // bytes before the stall
		retr      bool // the transfer command came (and waits for its final reply)
		closeCtl  bool // the control connection closed as idle during the stall
		wantBytes int64
		wantEnd   EndReason
	}{
		{"stalled after its first bytes", 1000, true, false, 6000, EndFIN},
		{"stalled before its first byte", 0, true, false, 5000, EndFIN},
		{"no transfer command", 1000, false, false, 1000, EndIdle},
		{"session ended meanwhile", 1000, true, true, 1000, EndIdle},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,65).")
			if tc.retr {
				s.cmd("RETR", "slow.bin")
				s.reply(150, "Opening BINARY mode data connection for slow.bin (6000 bytes).")
			}
			s.segAck(a, b, decode.FlagSYN, 1000, 0, 0)
			s.segAck(b, a, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.segAck(a, b, decode.FlagACK, 1001, 5001, 0)
			if tc.first > 0 {
				s.segAck(b, a, decode.FlagACK, 5001, 1001, tc.first)
				s.segAck(a, b, decode.FlagACK, 1001, 5001+uint32(tc.first), 0)
			}
			if tc.closeCtl {
				s.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseIdle})
			}
			// Half an hour of other traffic: the clock moves a minute at
			// a time.
			for range 30 {
				s.tick(time.Minute)
				s.trk.Tick(s.now)
			}
			seq := 5001 + uint32(tc.first)
			s.segAck(b, a, decode.FlagACK, seq, 1001, 5000)
			s.segAck(b, a, decode.FlagFIN|decode.FlagACK, seq+5000, 1001, 0)
			s.segAck(a, b, decode.FlagFIN|decode.FlagACK, 1001, seq+5001, 0)
			if !tc.closeCtl {
				if tc.retr {
					s.reply(226, "Transfer complete.")
				}
				s.cmd("QUIT", "")
				s.reply(221, "Goodbye.")
			}
			sess := s.end()
			if len(sess.Data) != 1 {
				t.Fatalf("%d data connections", len(sess.Data))
			}
			dc := sess.Data[0]
			if dc.Bytes[1] != tc.wantBytes || dc.EndReason != tc.wantEnd {
				t.Errorf("%d bytes, ended by %v; want %d, %v", dc.Bytes[1], dc.EndReason, tc.wantBytes, tc.wantEnd)
			}
			if tc.wantEnd == EndIdle && dc.End.After(t0.Add(time.Minute)) {
				t.Errorf("ended at %v, not at its last segment before the stall", dc.End)
			}
		})
	}
}
