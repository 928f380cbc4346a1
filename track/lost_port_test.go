package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// The server's active data connection back to the client of newSession:
// from port 20 to a port of the client's control address.
var (
	lpSrvData = netip.MustParseAddrPort("192.0.2.10:20")
	lpCliData = netip.MustParseAddrPort("198.51.100.7:41833")
)

// noneTaken: no data connection is taken (a case's want).
const noneTaken = OutcomePending

// clientGap is a gap of 24 bytes in the client's control stream: the
// capture lost a "PORT 198,51,100,7,163,105" line.
func (s *session) clientGap() {
	s.ctl(decode.ControlEvent{Kind: decode.ControlGap, FromClient: true, Gap: 24})
}

// unansweredSYNs sends n SYNs from the server's port 20 to the client's
// data port a second apart, with the tracker's clock ticking.
func (s *session) unansweredSYNs(n int) {
	for i := range n {
		if i > 0 {
			s.tick(time.Second)
			s.trk.Tick(s.now)
		}
		s.segAck(lpSrvData, lpCliData, decode.FlagSYN, 1000, 0, 0)
	}
}

// TestLostPortStillShowsItsConnection: the capture lost the client's
// PORT or EPRT (a gap in its control bytes); the server's connection back
// to the client that follows is the session's data connection, matched by
// peers and time (MatchAnnounceLost), with no announcement (what the
// command said is not in the capture). Before, it matched nothing: a
// failed active data connection was hidden ("announcements not whole", no
// active-blocked), rev32: active-client-firewall.pcap with packet 17
// dropped. Taken only when a transfer used it, its SYNs were sent again
// unanswered, or it failed at once before the client's next command (a
// server that connects at the PORT itself: pyftpdlib, Twisted); not the
// server host's other connections to the client (one refused, or
// answered and unused), nor one with no gap before it, from another host
// or a privileged port, or long after the gap.
func TestLostPortStillShowsItsConnection(t *testing.T) {
	for _, tc := range []struct {
		name    string
		drive   func(s *session)
		want    Outcome // of the one data connection taken, or noneTaken
		command string  // the transfer command tied to it
		syns    int
	}{
		{"vsftpd: 200 seen, RETR, SYNs unanswered, 425", func(s *session) {
			s.clientGap()
			s.reply(200, "PORT command successful. Consider using PASV.")
			s.cmd("RETR", "report.txt")
			s.unansweredSYNs(3)
			s.tick(time.Second)
			s.reply(425, "Failed to establish connection.")
		}, OutcomeUnanswered, "RETR", 3},
		{"no gap: not taken", func(s *session) {
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			s.cmd("RETR", "report.txt")
			s.unansweredSYNs(3)
			s.reply(425, "Failed to establish connection.")
		}, noneTaken, "", 0},
		{"refused while RETR waits", func(s *session) {
			s.clientGap()
			s.reply(200, "PORT command successful.")
			s.cmd("RETR", "report.txt")
			s.segAck(lpSrvData, lpCliData, decode.FlagSYN, 1000, 0, 0)
			s.segWin(lpCliData, lpSrvData, decode.FlagRST|decode.FlagACK, 0, 1001, 0)
			s.reply(425, "Failed to establish connection.")
		}, OutcomeRefused, "RETR", 1},
		{"connect at the PORT, refused at once, held till the QUIT showed the gap", func(s *session) {
			s.segAck(lpSrvData, lpCliData, decode.FlagSYN, 1000, 0, 0)
			s.segWin(lpCliData, lpSrvData, decode.FlagRST|decode.FlagACK, 0, 1001, 0)
			s.reply(425, "Can't connect to specified address.")
			s.clientGap()
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
		}, OutcomeRefused, "", 1},
		{"refused 3 s before the gap showed, no transfer: not taken", func(s *session) {
			s.segAck(lpSrvData, lpCliData, decode.FlagSYN, 1000, 0, 0)
			s.segWin(lpCliData, lpSrvData, decode.FlagRST|decode.FlagACK, 0, 1001, 0)
			s.tick(3 * time.Second)
			s.clientGap()
			s.cmd("NOOP", "")
			s.reply(200, "NOOP ok.")
		}, noneTaken, "", 0},
		{"answered and unused, no transfer: not reported", func(s *session) {
			s.clientGap()
			s.cmd("NOOP", "")
			s.reply(200, "NOOP ok.")
			s.segAck(lpSrvData, lpCliData, decode.FlagSYN, 1000, 0, 0)
			s.segAck(lpCliData, lpSrvData, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.segAck(lpSrvData, lpCliData, decode.FlagACK, 1001, 5001, 0)
			s.segAck(lpSrvData, lpCliData, decode.FlagFIN|decode.FlagACK, 1001, 5001, 0)
			s.segAck(lpCliData, lpSrvData, decode.FlagFIN|decode.FlagACK, 5001, 1002, 0)
		}, noneTaken, "", 0},
		{"SYNs unanswered, no command after the gap, the client closes", func(s *session) {
			s.unansweredSYNs(3)
			s.clientGap()
		}, OutcomeUnanswered, "", 3},
		{"from another host: not taken", func(s *session) {
			s.clientGap()
			s.cmd("RETR", "report.txt")
			s.segAck(netip.MustParseAddrPort("203.0.113.5:20"), lpCliData, decode.FlagSYN, 1000, 0, 0)
			s.reply(425, "Failed to establish connection.")
		}, noneTaken, "", 0},
		{"from a privileged port not 20: not taken", func(s *session) {
			s.clientGap()
			s.cmd("RETR", "report.txt")
			s.segAck(netip.MustParseAddrPort("192.0.2.10:22"), lpCliData, decode.FlagSYN, 1000, 0, 0)
			s.reply(425, "Failed to establish connection.")
		}, noneTaken, "", 0},
		{"20 s after the gap, no transfer waiting: not taken", func(s *session) {
			s.clientGap()
			s.cmd("NOOP", "")
			s.reply(200, "NOOP ok.")
			s.tick(20 * time.Second)
			s.unansweredSYNs(3)
		}, noneTaken, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			tc.drive(s)
			s.tick(2 * time.Second)
			s.trk.Tick(s.now)
			sess := s.end()
			if tc.want == noneTaken {
				if len(s.rec.data) != 0 || sess.DataCount != 0 {
					d := s.rec.data[0]
					t.Errorf("%d data records (%d counted), the first %v -> %v %v; want none", len(s.rec.data), sess.DataCount, d.Client, d.Server, d.Outcome)
				}
				return
			}
			d := onlyData(t, s)
			if d.Match != MatchAnnounceLost || d.Passive || d.Outcome != tc.want || d.SYNs != tc.syns || d.Client != lpSrvData || d.Server != lpCliData {
				t.Errorf("match %v, passive %v, outcome %v, %d SYNs, %v -> %v; want announcement-lost, active, %v, %d SYNs, %v -> %v",
					d.Match, d.Passive, d.Outcome, d.SYNs, d.Client, d.Server, tc.want, tc.syns, lpSrvData, lpCliData)
			}
			if d.Announce != nil || d.Via != 0 || d.Announced.IsValid() {
				// (The PORT's words are not in the capture: nothing may
				// quote it, nor name a port it announced.)
				t.Errorf("announce %+v, via %v, announced %v; want none", d.Announce, d.Via, d.Announced)
			}
			switch got := d.Command; {
			case tc.command == "" && got != nil:
				t.Errorf("tied to %s; want no transfer command", got.Verb)
			case tc.command != "" && (got == nil || got.Verb != tc.command):
				t.Errorf("tied to %+v; want %s", got, tc.command)
			}
		})
	}
}

// TestLostPortTakesOneConnectionBeforeTheNextAnnouncement: a PORT seen
// after the gap arms its own expectation, matched exactly; the gap's
// lost PORT takes no connection after it (a second SYN to another port
// of the client is not the lost one's), and one connection at most per
// gap.
func TestLostPortTakesOneConnectionBeforeTheNextAnnouncement(t *testing.T) {
	seen := netip.MustParseAddrPort("198.51.100.7:50002") // (198,51,100,7,195,82)
	other := netip.MustParseAddrPort("198.51.100.7:50003")
	s := newSession(t)
	s.login()
	s.clientGap()
	s.reply(200, "PORT command successful.")
	s.cmd("LIST", "")
	s.segAck(lpSrvData, lpCliData, decode.FlagSYN, 1000, 0, 0)
	s.segAck(lpSrvData, other, decode.FlagSYN, 3000, 0, 0) // a second one: not the gap's
	s.tick(time.Second)
	s.trk.Tick(s.now)
	s.segAck(lpSrvData, lpCliData, decode.FlagSYN, 1000, 0, 0)
	s.reply(425, "Failed to establish connection.")
	s.cmd("PORT", "198,51,100,7,195,82")
	s.reply(200, "PORT command successful.")
	s.cmd("RETR", "report.txt")
	s.segAck(lpSrvData, seen, decode.FlagSYN, 2000, 0, 0)
	s.segAck(lpSrvData, other, decode.FlagSYN, 3000, 0, 0)
	s.tick(2 * time.Second)
	s.trk.Tick(s.now)
	s.end()
	var lost, exact int
	for _, d := range s.rec.data {
		switch {
		case d.Match == MatchAnnounceLost && d.Server == lpCliData && d.SYNs == 2 && d.Command != nil && d.Command.Verb == "LIST":
			lost++
		case d.Match == MatchExact && d.Server == seen:
			exact++
		default:
			t.Errorf("data connection %v -> %v matched %v (%d SYNs); want none such", d.Client, d.Server, d.Match, d.SYNs)
		}
	}
	if lost != 1 || exact != 1 {
		t.Errorf("%d announcement-lost connections of the LIST, %d exact of the PORT; want 1 and 1", lost, exact)
	}
}
