package track

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestPassivePortTheftTellsTheThief guards passive port theft (RFC 2577):
// another host completes a handshake to the announced port before the
// session's client, the server (its source check off) sends it the
// transfer, and refuses the client's own SYN with RST, since it no longer
// listens on the port. The client's SYN took the announcement over from
// the stranger's port-only match, whose later segments were nobody's: the
// record said "refused: SYN answered by RST" (data-refused, firewall
// rules) and the stray event "handshake done, no data", though the file
// went to the stranger. The record now tells the stranger's connection
// (its peers, its bytes, Thief set) and a second data-stray event the
// client's refused SYN. A stranger whose handshake completed while the
// client's own connection worked changes nothing (Thief nil).
func TestPassivePortTheftTellsTheThief(t *testing.T) {
	dcli := netip.MustParseAddrPort("198.51.100.7:50001")
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	thief := netip.MustParseAddrPort("203.0.113.66:5555")
	// handshake: the stranger connects before the RETR.
	handshake := func(s *session) {
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
		s.segAck(thief, dsrv, decode.FlagSYN, 777, 0, 0)
		s.segAck(dsrv, thief, decode.FlagSYN|decode.FlagACK, 9000, 778, 0)
		s.segAck(thief, dsrv, decode.FlagACK, 778, 9001, 0)
		s.cmd("RETR", "payroll.xlsx")
		s.segAck(dcli, dsrv, decode.FlagSYN, 1000, 0, 0)
	}
	// stolen: the server refuses the client's SYN and sends the stranger
	// 20 bytes; the 226 before or after the close.
	stolen := func(replyFirst bool) func(s *session) {
		return func(s *session) {
			handshake(s)
			s.segAck(dsrv, dcli, ackRST, 0, 1001, 0)
			s.reply(150, "Opening BINARY mode data connection.")
			s.segAck(dsrv, thief, decode.FlagACK|decode.FlagPSH, 9001, 778, 20)
			s.segAck(dsrv, thief, decode.FlagFIN|decode.FlagACK, 9021, 778, 0)
			if replyFirst {
				s.reply(226, "Transfer complete.")
			}
			s.segAck(thief, dsrv, decode.FlagFIN|decode.FlagACK, 778, 9022, 0)
			s.segAck(dsrv, thief, decode.FlagACK, 9022, 779, 0)
			if !replyFirst {
				s.reply(226, "Transfer complete.")
			}
		}
	}
	tests := []struct {
		name   string
		run    func(s *session)
		from   netip.AddrPort
		want   Outcome
		bytes  int64
		thief  bool
		strays []string
	}{
		{"the server sends the stranger the file and refuses the client, then 226", stolen(false),
			thief, OutcomeTransferred, 20, true,
			[]string{"handshake done, no data yet", "the session's client's own (1 SYN, refused by RST, first SYN at packet", "passive port theft", "20 bytes sent to it", "203.0.113.66:5555, which connected first"}},
		{"the same, the 226 before the stranger's FIN", stolen(true),
			thief, OutcomeTransferred, 20, true,
			[]string{"handshake done, no data yet", "passive port theft", "20 bytes sent to it"}},
		{"the stranger's handshake completed, the client's own transfer worked", func(s *session) {
			handshake(s)
			s.segAck(dsrv, dcli, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.segAck(dcli, dsrv, decode.FlagACK, 1001, 5001, 0)
			s.reply(150, "Opening BINARY mode data connection.")
			s.segAck(dsrv, dcli, decode.FlagACK|decode.FlagPSH, 5001, 1001, 100)
			s.segAck(dsrv, dcli, decode.FlagFIN|decode.FlagACK, 5101, 1001, 0)
			s.segAck(dcli, dsrv, decode.FlagFIN|decode.FlagACK, 1001, 5102, 0)
			s.reply(226, "Transfer complete.")
			s.segAck(dsrv, thief, decode.FlagRST|decode.FlagACK, 9001, 778, 0)
		}, dcli, OutcomeTransferred, 100, false,
			[]string{"handshake done, no data yet", "set aside for the SYN " + dcli.String()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			tc.run(s)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.tick(time.Second)
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			dc := s.rec.data[0]
			if dc.Client != tc.from || dc.Outcome != tc.want || dc.Bytes[1] != tc.bytes || (dc.Thief != nil) != tc.thief || dc.Command == nil || dc.ID != 1 {
				t.Errorf("record: from %v, %s, %d bytes, thief %v, command %v, #%d; want from %v, %s, %d bytes, thief %v",
					dc.Client, dc.Outcome, dc.Bytes[1], dc.Thief != nil, dc.Command, dc.ID, tc.from, tc.want, tc.bytes, tc.thief)
			}
			if tc.thief && dc.Match != MatchPortOnly {
				t.Errorf("match %s, want port-only", dc.Match)
			}
			var strays string
			n := 0
			for _, e := range s.rec.events {
				if e.Kind == EventDataStray {
					strays += e.Text + "\n"
					n++
				}
			}
			if want := map[bool]int{true: 2, false: 1}[tc.thief]; n != want {
				t.Errorf("%d data-stray events, want %d:\n%s", n, want, strays)
			}
			for _, w := range tc.strays {
				if !strings.Contains(strays, w) {
					t.Errorf("data-stray events lack %q:\n%s", w, strays)
				}
			}
			if strings.Contains(strays, "no data,") {
				t.Errorf("a data-stray event says no data went to the stranger:\n%s", strays)
			}
		})
	}
}
