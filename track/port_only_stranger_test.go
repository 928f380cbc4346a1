package track

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestStrangerSYNNotTheDataConnection guards what a SYN from another
// address than the session's client makes of a passive announcement (a
// scan of the passive range, a spoofed SYN): after the session's QUIT it
// is not matched at all, and one matched by the port alone that looks
// like a scan (one SYN, answered by SYN-ACK, never acknowledged, nothing
// carried) is given back, told as a data-stray event, and kept as the
// announcement's Scanned. Before, a scanner's
// SYN refused by RST 0.3 s after the QUIT made the unused announcement
// "refused" (data-refused, with a rule to open a range that was open),
// and a spoofed SYN answered by a SYN-ACK nobody acknowledged made it
// "connected" (a path that works) while the client's own SYNs never
// reached the server (vsftpd's 425).
// A stranger whose handshake completes (a CGNAT client's data connection
// leaving from another address) still stands: TestPortOnlyWindow and
// TestPortOnlyMatchTakenOverByBetterSYN; so does one refused by RST while
// the session is open (the listener would have answered a scanner with a
// SYN-ACK: the path refused it) and one whose SYN came again
// (TestStrangerDataConnectionKept).
func TestStrangerSYNNotTheDataConnection(t *testing.T) {
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	stray := netip.MustParseAddrPort("203.0.113.9:31367")
	passive := func(s *session) {
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	}
	for _, tc := range []struct {
		name  string
		run   func(s *session)
		want  Outcome
		match MatchRule
		from  netip.AddrPort
		// strayEvent: a data-stray event names the stranger.
		strayEvent bool
	}{
		{"PASV, QUIT, then a stranger's SYN refused by RST", func(s *session) {
			passive(s)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.tick(300 * time.Millisecond)
			s.segAck(stray, dsrv, decode.FlagSYN, 777, 0, 0)
			s.segAck(dsrv, stray, ackRST, 0, 778, 0)
		}, OutcomeNotAttempted, MatchNone, netip.AddrPort{}, false},
		{"PASV, a stranger's SYN refused by RST, then QUIT", func(s *session) {
			passive(s)
			s.segAck(stray, dsrv, decode.FlagSYN, 777, 0, 0)
			s.segAck(dsrv, stray, ackRST, 0, 778, 0)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
		}, OutcomeRefused, MatchPortOnly, stray, false},
		{"PASV, LIST, a spoofed SYN answered by SYN-ACKs never acknowledged, 425", func(s *session) {
			passive(s)
			s.cmd("LIST", "")
			s.tick(time.Second)
			s.segAck(stray, dsrv, decode.FlagSYN, 777, 0, 0)
			s.segAck(dsrv, stray, decode.FlagSYN|decode.FlagACK, 9000, 778, 0)
			s.tick(5 * time.Second)
			s.reply(425, "Failed to establish connection.")
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
		}, OutcomeNotAttempted, MatchNone, netip.AddrPort{}, true},
		{"PASV, LIST, a SYN scan: SYN-ACK, the scanner's RST, 425", func(s *session) {
			passive(s)
			s.cmd("LIST", "")
			s.tick(time.Second)
			s.segAck(stray, dsrv, decode.FlagSYN, 777, 0, 0)
			s.segAck(dsrv, stray, decode.FlagSYN|decode.FlagACK, 9000, 778, 0)
			s.segAck(stray, dsrv, decode.FlagRST, 778, 0, 0)
			s.tick(5 * time.Second)
			s.reply(425, "Failed to establish connection.")
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
		}, OutcomeNotAttempted, MatchNone, netip.AddrPort{}, true},
		{"PASV, LIST, a stranger's completed handshake, 425: it stands", func(s *session) {
			passive(s)
			s.cmd("LIST", "")
			s.segAck(stray, dsrv, decode.FlagSYN, 777, 0, 0)
			s.segAck(dsrv, stray, decode.FlagSYN|decode.FlagACK, 9000, 778, 0)
			s.segAck(stray, dsrv, decode.FlagACK, 778, 9001, 0)
			s.segAck(dsrv, stray, decode.FlagFIN|decode.FlagACK, 9001, 778, 0)
			s.segAck(stray, dsrv, decode.FlagFIN|decode.FlagACK, 778, 9002, 0)
			s.reply(425, "Failed to establish connection.")
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
		}, OutcomeConnected, MatchPortOnly, stray, false},
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
			if d.Outcome != tc.want || d.Match != tc.match || d.Client != tc.from {
				t.Errorf("outcome %v, match %v, client %v; want %v, %v, %v", d.Outcome, d.Match, d.Client, tc.want, tc.match, tc.from)
			}
			var strays []Event
			for _, e := range s.rec.events {
				if e.Kind == EventDataStray {
					strays = append(strays, e)
				}
			}
			switch {
			case !tc.strayEvent && len(strays) > 0:
				t.Errorf("stray event %q, want none", strays[0].Text)
			case tc.strayEvent && len(strays) != 1:
				t.Errorf("%d stray events, want 1", len(strays))
			case tc.strayEvent && !strings.Contains(strays[0].Text, stray.String()):
				t.Errorf("stray event %q does not name %v", strays[0].Text, stray)
			}
			// What the scan's SYN passed on its way stays the
			// diagnosis's to read (diagnose's scanForwarded).
			switch sc := d.Scanned; {
			case !tc.strayEvent && sc != nil:
				t.Errorf("Scanned %+v, want none", *sc)
			case tc.strayEvent && (sc == nil || sc.From != stray || sc.To != dsrv || len(strays) == 0 || sc.Num != strays[0].Num):
				t.Errorf("Scanned %+v, want the scan's SYN from %v to %v", sc, stray, dsrv)
			}
			if len(s.trk.byPort) != 0 {
				t.Errorf("%d ports still waiting after the end", len(s.trk.byPort))
			}
		})
	}
}
