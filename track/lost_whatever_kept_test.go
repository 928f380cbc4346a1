package track

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestLostAnnouncementFoundWhateverTheSessionKeeps: the inferences that
// look back at a session's commands when a capture gap may have held an
// announcement decide the same whether the session keeps its transcript
// (the text) or what RecentOnly keeps (JSON, zeek, --summary, --report,
// live), which drops the answered commands nothing looks back at (TYPE,
// NOOP) and a login once done. They read Commands: with RecentOnly, a
// PASV and its 227 both lost left no data connection and no error where
// the text had the unanswered SYNs (lostRequestFor; rev35,
// thin/fail-lost-ann-client.pcap: "2 data connections (2 unanswered)"
// against "0 data connections"); a gap after a USER the next command
// dropped took the server's SYNs sent before the USER for a lost PORT
// (the command before the gap, activeMayBeLost, read as none;
// caps/s-buf32-vs-client.pcap: another session's PORT lost its
// connection in JSON); and an older PORT cut by a gap, kept where the
// commands after it were not, was read as the command before a later
// gap (cutLineKept), its bytes making a lost PORT of a 5-byte gap.
func TestLostAnnouncementFoundWhateverTheSessionKeeps(t *testing.T) {
	dataSrv := netip.MustParseAddrPort("192.0.2.10:40097")
	dataCli := netip.MustParseAddrPort("198.51.100.7:36676")
	for _, tc := range []struct {
		name  string
		login bool
		drive func(s *session)
		want  Outcome // of the one data connection, or noneTaken
	}{
		{"PASV and 227 lost, SYNs unanswered", true, func(s *session) {
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48}) // 227 Entering Passive Mode (192,0,2,10,156,161).
			for i := range 3 {
				if i > 0 {
					s.tick(time.Second)
					s.trk.Tick(s.now)
				}
				s.segAck(dataCli, dataSrv, decode.FlagSYN, 5000, 0, 0)
			}
			s.tick(time.Second)
			s.clientGapOf(6) // PASV
		}, OutcomeUnanswered},
		{"server SYNs before the USER, a gap after it: not the lost PORT's", false, func(s *session) {
			s.segAck(lpSrvData, lpCliData, decode.FlagSYN, 1000, 0, 0)
			s.tick(300 * time.Millisecond)
			s.segAck(lpSrvData, lpCliData, decode.FlagSYN, 1000, 0, 0)
			s.cmd("USER", "anonymous")
			s.reply(331, "Please specify the password.")
			s.clientGapOf(37) // PASS x@y, PORT 198,51,100,7,163,105
			s.reply(230, "Login successful.")
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
		}, noneTaken},
		{"a PORT cut long before, a 5-byte gap after a NOOP: not a lost PORT", true, func(s *session) {
			s.cmd("PORT", "198,51,100,7") // the snap length cut the rest: decode hands it over at the gap
			s.trk.Control(&decode.ControlEvent{Kind: decode.ControlGap, FromClient: true, Gap: 7, Num: s.num, TS: s.now, Client: cli, Server: srv})
			s.reply(200, "PORT command successful. Consider using PASV.")
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			s.tick(15 * time.Second) // (past what that gap's inference waits)
			s.cmd("NOOP", "")
			s.reply(200, "NOOP ok.")
			s.clientGapOf(5) // NOOP
			s.cmd("TYPE", "A")
			s.segAck(lpSrvData, lpCliData, decode.FlagSYN, 1000, 0, 0)
			s.tick(time.Second)
			s.trk.Tick(s.now)
			s.segAck(lpSrvData, lpCliData, decode.FlagSYN, 1000, 0, 0)
			s.reply(200, "Switching to ASCII mode.")
		}, noneTaken},
	} {
		for _, recentOnly := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/RecentOnly=%v", tc.name, recentOnly), func(t *testing.T) {
				s := newSessionWith(t, Options{RecentOnly: recentOnly})
				if tc.login {
					s.login()
				}
				tc.drive(s)
				s.cmd("QUIT", "")
				s.reply(221, "Goodbye.")
				s.tick(2 * time.Second)
				s.trk.Tick(s.now)
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
				if d := s.rec.data[0]; d.Outcome != tc.want || d.Match != MatchAnnounceLost {
					t.Errorf("data connection %v -> %v (%v, %v); want %v, announcement-lost", d.Client, d.Server, d.Match, d.Outcome, tc.want)
				}
			})
		}
	}
}

// TestReplyAfterItsGapAdoptsTheSYN: on one interface whose queues wrote
// the client's acknowledgment of a 227 and its SYN to the port before
// the 227 itself, decode took the 227's bytes for lost at that
// acknowledgment (a capture gap), the SYN was taken for the PASV whose
// reply the gap held (announceLost), and the 227 came a millisecond
// later, then the server's RST. The 227 adopts that connection, as one
// written late in a capture of two interfaces does (adoptInferred): one
// data connection, refused, as live (in time order) said. Before (rev35,
// thin/mq-227-after-syn.pcap): the SYN's connection was made final by the
// 227 before its RST came, "unanswered: a firewall is dropping it" (an
// error), and the 227 announced a port nothing connected to
// (not-attempted).
func TestReplyAfterItsGapAdoptsTheSYN(t *testing.T) {
	dataSrv := netip.MustParseAddrPort("192.0.2.10:40032")
	dataCli := netip.MustParseAddrPort("198.51.100.7:51998")
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 47}) // at the client's ACK of it
	s.segAck(dataCli, dataSrv, decode.FlagSYN, 1000, 0, 0)
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,96).")
	s.segAck(dataSrv, dataCli, decode.FlagRST|decode.FlagACK, 0, 1001, 0)
	s.cmd("QUIT", "")
	s.reply(221, "Goodbye.")
	s.end()
	if len(s.rec.data) != 1 {
		for _, d := range s.rec.data {
			t.Logf("data connection %v -> %v announced %v (%v, %v)", d.Client, d.Server, d.Announced, d.Match, d.Outcome)
		}
		t.Fatalf("%d data connections reported, want 1", len(s.rec.data))
	}
	d := s.rec.data[0]
	if d.Outcome != OutcomeRefused || d.Match != MatchExact || d.Announced != dataSrv || d.Announce == nil || d.Announce.Verb != "PASV" || d.AmongLost != 0 {
		t.Errorf("data connection %v -> %v announced %v by %v (%v, %v, among %d); want refused, exact, announced %v by the PASV",
			d.Client, d.Server, d.Announced, d.Announce, d.Match, d.Outcome, d.AmongLost, dataSrv)
	}
}
