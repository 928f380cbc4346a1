package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestLostRequestAndReplyStillFindFailure: the capture lost a request
// together with its reply. Passive: the PASV (6 client bytes) and its 227
// (a gap of the server's bytes while no command waited) are gone, and
// the client's SYNs to the server's port 40097 go unanswered. Active:
// the EPRT and, later, the RETR are gone (200 and 425 visible), and the
// server's connection back is refused. Each failure is the session's
// data connection, taken as "announcement lost". Before: "data: none",
// no finding. Without what says a transfer waited on it (one refused SYN
// and no transfer reply; a 226 after a refused connection), nothing is
// reported.
func TestLostRequestAndReplyStillFindFailure(t *testing.T) {
	dataSrv := netip.MustParseAddrPort("192.0.2.10:40097")
	dataCli := netip.MustParseAddrPort("198.51.100.7:36676")
	back := netip.MustParseAddrPort("192.0.2.10:44799")
	backTo := netip.MustParseAddrPort("198.51.100.7:43799")
	for _, tc := range []struct {
		name    string
		passive bool
		syns    int // passive: SYNs a second apart, unanswered (0: one, refused)
		final   int // active: the reply to the lost RETR
		want    Outcome
	}{
		{"PASV and 227 lost, SYNs unanswered", true, 5, 0, OutcomeUnanswered},
		{"EPRT and RETR lost, refused, 425", false, 0, 425, OutcomeRefused},
		{"PASV and 227 lost, one SYN refused", true, 0, 0, noneTaken},
		{"EPRT and RETR lost, refused, 226", false, 0, 226, noneTaken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			if tc.passive {
				s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48}) // 227 Entering Passive Mode (192,0,2,10,156,161).
				if tc.syns == 0 {
					s.segAck(dataCli, dataSrv, decode.FlagSYN, 5000, 0, 0)
					s.segAck(dataSrv, dataCli, decode.FlagRST|decode.FlagACK, 0, 5001, 0)
				}
				for i := range tc.syns {
					if i > 0 {
						s.tick(time.Second)
						s.trk.Tick(s.now)
					}
					s.segAck(dataCli, dataSrv, decode.FlagSYN, 5000, 0, 0)
				}
				s.tick(time.Second)
				s.clientGapOf(6) // PASV
			} else {
				s.clientGapOf(26) // EPRT |1|198.51.100.7|43799|
				s.reply(200, "EPRT command successful")
				s.cmd("SIZE", "mid.bin")
				s.reply(213, "300000")
				s.segAck(back, backTo, decode.FlagSYN, 7000, 0, 0)
				s.segAck(backTo, back, decode.FlagRST|decode.FlagACK, 0, 7001, 0)
				s.tick(time.Second)
				s.clientGapOf(14) // RETR mid.bin
				if tc.final == 425 {
					s.reply(425, "Unable to build data connection: Connection refused")
				} else {
					s.reply(150, "Opening BINARY mode data connection for mid.bin (300000 bytes)")
					s.reply(226, "Transfer complete")
				}
			}
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if tc.want == noneTaken {
				for _, d := range s.rec.data {
					t.Errorf("data connection %v -> %v reported (%v, %v); want none", d.Client, d.Server, d.Match, d.Outcome)
				}
				return
			}
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data connections reported, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want || d.Match != MatchAnnounceLost || d.Passive != tc.passive {
				t.Errorf("data connection %v -> %v (%v, %v, passive %v); want %v, announcement-lost", d.Client, d.Server, d.Match, d.Outcome, d.Passive, tc.want)
			}
		})
	}
}
