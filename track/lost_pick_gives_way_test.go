package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestLostPortFailedCandidateGivesWay: the capture lost the client's
// PORT; after the RETR the server host's other connection to the client
// (a probe from an unprivileged port to 8080) is refused or goes
// unanswered, then ProFTPD's own connection, from an unprivileged port
// too, carries the file, and the server says 150 and 226. The RETR's data
// connection is ProFTPD's; the probe is not reported. Before, the probe
// was held and tied: active-blocked with RST on 8080 and --helper rules,
// the real connection not reported. A failed candidate alone is kept
// when the transfer fails (425), and not when it succeeds (226).
func TestLostPortFailedCandidateGivesWay(t *testing.T) {
	probe := netip.MustParseAddrPort("192.0.2.10:45123")
	probeTo := netip.MustParseAddrPort("198.51.100.7:8080")
	real := netip.MustParseAddrPort("192.0.2.10:39555")
	for _, tc := range []struct {
		name     string
		refused  bool
		realConn bool
		final    int
		want     Outcome // of the one connection reported; noneTaken for none
		from     netip.AddrPort
	}{
		{"probe refused, real one carries the file", true, true, 226, OutcomeTransferred, real},
		{"probe unanswered, real one carries the file", false, true, 226, OutcomeTransferred, real},
		{"probe refused, transfer succeeds without it", true, false, 226, noneTaken, probe},
		{"refused and 425", true, false, 425, OutcomeRefused, probe},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("TYPE", "I")
			s.reply(200, "Type set to I")
			s.clientGap() // PORT 198,51,100,7,163,105
			s.reply(200, "PORT command successful")
			s.cmd("RETR", "b.bin")
			if tc.refused {
				s.segAck(probe, probeTo, decode.FlagSYN, 77000, 0, 0)
				s.segAck(probeTo, probe, decode.FlagRST|decode.FlagACK, 0, 77001, 0)
			} else {
				for i := range 3 {
					if i > 0 {
						s.tick(time.Second)
						s.trk.Tick(s.now)
					}
					s.segAck(probe, probeTo, decode.FlagSYN, 77000, 0, 0)
				}
			}
			if tc.realConn {
				s.segAck(real, lpCliData, decode.FlagSYN, 7000, 0, 0)
				s.segAck(lpCliData, real, decode.FlagSYN|decode.FlagACK, 9000, 7001, 0)
				s.segAck(real, lpCliData, decode.FlagACK, 7001, 9001, 0)
				s.reply(150, "Opening BINARY mode data connection for b.bin (5000 bytes)")
				for i := range 5 {
					s.segAck(real, lpCliData, decode.FlagACK|decode.FlagPSH, 7001+uint32(i)*1000, 9001, 1000)
				}
				s.segAck(real, lpCliData, decode.FlagFIN|decode.FlagACK, 12001, 9001, 0)
				s.segAck(lpCliData, real, decode.FlagFIN|decode.FlagACK, 9001, 12002, 0)
			}
			if tc.final == 226 {
				s.reply(226, "Transfer complete")
			} else {
				s.tick(10 * time.Second)
				s.reply(425, "Unable to build data connection: Connection refused")
			}
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			got := s.rec.data
			if tc.want == noneTaken {
				for _, d := range got {
					t.Errorf("data connection %v -> %v reported (%v, %v); want none", d.Client, d.Server, d.Match, d.Outcome)
				}
				return
			}
			if len(got) != 1 {
				for _, d := range got {
					t.Logf("reported: %v -> %v (%v, %v)", d.Client, d.Server, d.Match, d.Outcome)
				}
				t.Fatalf("%d data connections reported, want 1", len(got))
			}
			d := got[0]
			if d.Client != tc.from || d.Outcome != tc.want || d.Match != MatchAnnounceLost || d.Command == nil || d.Command.Verb != "RETR" {
				t.Errorf("data connection %v -> %v (%v, %v, command %v); want from %v, %v, announcement-lost, tied to the RETR", d.Client, d.Server, d.Match, d.Outcome, d.Command, tc.from, tc.want)
			}
		})
	}
}

// TestLostPassivePickGivesWay: the capture lost the 227 in a gap of the
// server's bytes; after the RETR the same client connects to another
// service of the server (8443), refused or answered and closed, and then
// to the port the 227 announced, which carries the file or goes
// unanswered (425). The RETR's data connection is the second one. Before,
// the first SYN to any unprivileged port was taken for good: data-refused
// on 8443 and "open that range", or "the data connection worked" with
// the real SYNs unanswered.
func TestLostPassivePickGivesWay(t *testing.T) {
	other := netip.MustParseAddrPort("192.0.2.10:8443")
	otherFrom := netip.MustParseAddrPort("198.51.100.7:51500")
	real := netip.MustParseAddrPort("192.0.2.10:40001")
	realFrom := netip.MustParseAddrPort("198.51.100.7:51001")
	for _, tc := range []struct {
		name      string
		otherOK   bool
		realOK    bool
		want      Outcome
		wantFinal int
	}{
		{"other refused, real carries the file", false, true, OutcomeTransferred, 226},
		{"other answered, real unanswered, 425", true, false, OutcomeUnanswered, 425},
		{"other refused, real unanswered, 425", false, false, OutcomeUnanswered, 425},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			s.cmd("PASV", "")
			s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48}) // 227 Entering Passive Mode (192,0,2,10,156,65).
			s.cmd("RETR", "b.bin")
			if tc.otherOK {
				s.segAck(otherFrom, other, decode.FlagSYN, 5000, 0, 0)
				s.segAck(other, otherFrom, decode.FlagSYN|decode.FlagACK, 6000, 5001, 0)
				s.segAck(otherFrom, other, decode.FlagACK, 5001, 6001, 0)
				s.segAck(otherFrom, other, decode.FlagACK|decode.FlagPSH, 5001, 6001, 18)
				s.segAck(other, otherFrom, decode.FlagACK|decode.FlagPSH, 6001, 5019, 21)
				s.segAck(otherFrom, other, decode.FlagFIN|decode.FlagACK, 5019, 6022, 0)
				s.segAck(other, otherFrom, decode.FlagFIN|decode.FlagACK, 6022, 5020, 0)
				s.segAck(otherFrom, other, decode.FlagACK, 5020, 6023, 0)
			} else {
				s.segAck(otherFrom, other, decode.FlagSYN, 5000, 0, 0)
				s.segAck(other, otherFrom, decode.FlagRST|decode.FlagACK, 0, 5001, 0)
			}
			if tc.realOK {
				s.segAck(realFrom, real, decode.FlagSYN, 70000, 0, 0)
				s.segAck(real, realFrom, decode.FlagSYN|decode.FlagACK, 90000, 70001, 0)
				s.segAck(realFrom, real, decode.FlagACK, 70001, 90001, 0)
				s.reply(150, "Opening BINARY mode data connection for b.bin (5000 bytes).")
				for i := range 5 {
					s.segAck(real, realFrom, decode.FlagACK|decode.FlagPSH, 90001+uint32(i)*1000, 70001, 1000)
				}
				s.segAck(real, realFrom, decode.FlagFIN|decode.FlagACK, 95001, 70001, 0)
				s.segAck(realFrom, real, decode.FlagFIN|decode.FlagACK, 70001, 95002, 0)
				s.reply(226, "Transfer complete.")
			} else {
				for i := range 4 {
					if i > 0 {
						s.tick(time.Second)
						s.trk.Tick(s.now)
					}
					s.segAck(realFrom, real, decode.FlagSYN, 70000, 0, 0)
				}
				s.tick(10 * time.Second)
				s.reply(425, "Failed to establish connection.")
			}
			d := s.quitWithOneData()
			if d.Server != real || d.Outcome != tc.want || d.Match != MatchAnnounceLost || d.Command == nil || d.Command.Verb != "RETR" {
				t.Errorf("data connection %v -> %v (%v, %v, command %v); want to %v, %v, announcement-lost, tied to the RETR", d.Client, d.Server, d.Match, d.Outcome, d.Command, real, tc.want)
			}
		})
	}
}

// TestLostPassiveFailedPickDroppedOnSuccess: the capture lost the 227;
// the client's SYN to another service of the server (8443) is refused,
// the capture misses the real data connection, and the server says 150
// and 226. The refused connection is not the RETR's: nothing is
// reported. Before, data-refused on 8443 and "open that range".
func TestLostPassiveFailedPickDroppedOnSuccess(t *testing.T) {
	other := netip.MustParseAddrPort("192.0.2.10:8443")
	otherFrom := netip.MustParseAddrPort("198.51.100.7:51500")
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48})
	s.cmd("RETR", "b.bin")
	s.segAck(otherFrom, other, decode.FlagSYN, 5000, 0, 0)
	s.segAck(other, otherFrom, decode.FlagRST|decode.FlagACK, 0, 5001, 0)
	s.reply(150, "Opening BINARY mode data connection for b.bin (5000 bytes).")
	s.reply(226, "Transfer complete.")
	s.cmd("QUIT", "")
	s.reply(221, "Goodbye.")
	s.end()
	for _, d := range s.rec.data {
		t.Errorf("data connection %v -> %v reported (%v, %v); want none", d.Client, d.Server, d.Match, d.Outcome)
	}
}

// TestLostPortClosedCandidateGivesWayToDataPort: the capture lost the
// client's PORT; after the RETR the server host's other connection from
// an unprivileged port to the client (to 9100) is answered, carries 6
// bytes and closes; then vsftpd's own SYN from port 20 is refused or
// goes unanswered, and the server says 425. The RETR's data connection
// is the one from port 20 (active-blocked). Before, the closed one was
// tied at its FIN: "transferred 6 bytes", "no firewall", and the refused
// SYN from port 20 not reported.
func TestLostPortClosedCandidateGivesWayToDataPort(t *testing.T) {
	other := netip.MustParseAddrPort("192.0.2.10:45123")
	otherTo := netip.MustParseAddrPort("198.51.100.7:9100")
	for _, refused := range []bool{true, false} {
		name, want := "port 20 refused", OutcomeRefused
		if !refused {
			name, want = "port 20 unanswered", OutcomeUnanswered
		}
		t.Run(name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.clientGap() // PORT 198,51,100,7,163,105
			s.reply(200, "PORT command successful. Consider using PASV.")
			s.cmd("RETR", "b.bin")
			s.segAck(other, otherTo, decode.FlagSYN, 77000, 0, 0)
			s.segAck(otherTo, other, decode.FlagSYN|decode.FlagACK, 88000, 77001, 0)
			s.segAck(other, otherTo, decode.FlagACK, 77001, 88001, 0)
			s.segAck(other, otherTo, decode.FlagACK|decode.FlagPSH, 77001, 88001, 6)
			s.segAck(other, otherTo, decode.FlagFIN|decode.FlagACK, 77007, 88001, 0)
			s.segAck(otherTo, other, decode.FlagFIN|decode.FlagACK, 88001, 77008, 0)
			s.segAck(other, otherTo, decode.FlagACK, 77008, 88002, 0)
			if refused {
				s.segAck(lpSrvData, lpCliData, decode.FlagSYN, 11000, 0, 0)
				s.segAck(lpCliData, lpSrvData, decode.FlagRST|decode.FlagACK, 0, 11001, 0)
			} else {
				s.unansweredSYNs(4)
			}
			s.reply(425, "Failed to establish connection.")
			d := s.quitWithOneData()
			if d.Client != lpSrvData || d.Outcome != want || d.Command == nil || d.Command.Verb != "RETR" {
				t.Errorf("data connection %v -> %v (%v, %v, command %v); want from %v, %v, tied to the RETR", d.Client, d.Server, d.Match, d.Outcome, d.Command, lpSrvData, want)
			}
		})
	}
}

// TestCutPassiveReplyTakesTheClientsSYN: the snap length cut the 229
// ("229 Entering Extended Passive ": its endpoint did not parse), a gap
// of the server's bytes follows, and the client's SYN to the server's
// unprivileged port is refused. That SYN is the EPSV's data connection,
// as for a lost 229 (data-refused). Before: "data: none", 0 errors.
func TestCutPassiveReplyTakesTheClientsSYN(t *testing.T) {
	dataSrv := netip.MustParseAddrPort("192.0.2.10:40066")
	dataCli := netip.MustParseAddrPort("198.51.100.7:55822")
	s := newSession(t)
	s.login()
	s.cmd("EPSV", "")
	s.reply(229, "Entering Extended Passive ")
	s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 23})
	s.segAck(dataCli, dataSrv, decode.FlagSYN, 5000, 0, 0)
	s.segAck(dataSrv, dataCli, decode.FlagRST|decode.FlagACK, 0, 5001, 0)
	s.cmd("QUIT", "")
	s.reply(221, "Goodbye.")
	s.end()
	if len(s.rec.data) != 1 || s.rec.data[0].Server != dataSrv || s.rec.data[0].Outcome != OutcomeRefused {
		for _, d := range s.rec.data {
			t.Logf("reported: %v -> %v (%v, %v)", d.Client, d.Server, d.Match, d.Outcome)
		}
		t.Fatalf("%d data connections reported; want the refused one to %v", len(s.rec.data), dataSrv)
	}
}

// TestLostPortRefusedThenProbeStillBlocked guards the other order: after
// a lost PORT the server's own connection from an unprivileged port is
// refused (ProFTPD's, a client firewall blocking active mode), then the
// server host's other traffic reaches the client and carries a few
// bytes, and the transfer fails with 425. The refused one is the data
// connection (the client's firewall blocked it); the later one is not
// taken as "the data connection worked".
func TestLostPortRefusedThenProbeStillBlocked(t *testing.T) {
	real := netip.MustParseAddrPort("192.0.2.10:39555")
	probe := netip.MustParseAddrPort("192.0.2.10:45123")
	probeTo := netip.MustParseAddrPort("198.51.100.7:9100")
	s := newSession(t)
	s.login()
	s.cmd("TYPE", "I")
	s.reply(200, "Type set to I")
	s.clientGap() // PORT 198,51,100,7,163,105
	s.reply(200, "PORT command successful")
	s.cmd("RETR", "b.bin")
	s.segAck(real, lpCliData, decode.FlagSYN, 7000, 0, 0)
	s.segAck(lpCliData, real, decode.FlagRST|decode.FlagACK, 0, 7001, 0)
	s.tick(200 * time.Millisecond)
	s.segAck(probe, probeTo, decode.FlagSYN, 77000, 0, 0)
	s.segAck(probeTo, probe, decode.FlagSYN|decode.FlagACK, 88000, 77001, 0)
	s.segAck(probe, probeTo, decode.FlagACK|decode.FlagPSH, 77001, 88001, 6)
	s.segAck(probe, probeTo, decode.FlagFIN|decode.FlagACK, 77007, 88001, 0)
	s.reply(425, "Unable to build data connection: Connection refused")
	s.cmd("QUIT", "")
	s.reply(221, "Goodbye.")
	s.end()
	var taken []string
	for _, d := range s.rec.data {
		taken = append(taken, d.Client.String()+" "+d.Outcome.String())
		if d.Client == probe {
			t.Errorf("the server host's other connection %v -> %v was taken (%v)", d.Client, d.Server, d.Outcome)
		}
	}
	if len(s.rec.data) != 1 || s.rec.data[0].Client != real || s.rec.data[0].Outcome != OutcomeRefused {
		t.Errorf("reported %q, want the refused %v only", taken, real)
	}
}

// quitWithOneData ends the session with QUIT and returns the one data
// connection reported, failing the test if there is not exactly one.
func (s *session) quitWithOneData() *DataConn {
	s.t.Helper()
	s.cmd("QUIT", "")
	s.reply(221, "Goodbye.")
	s.end()
	if len(s.rec.data) != 1 {
		for _, d := range s.rec.data {
			s.t.Logf("reported: %v -> %v (%v, %v)", d.Client, d.Server, d.Match, d.Outcome)
		}
		s.t.Fatalf("%d data connections reported, want 1", len(s.rec.data))
	}
	return s.rec.data[0]
}

// TestLostPassiveHeldProbeGivesWay: the capture lost the 227, and the
// gap shows only at the 150: the client's SYN to another service of the
// server (8443: refused, or answered and closed) and then its SYN to the
// port the 227 announced are held until then (holdSYN) and taken in
// that order. The RETR's data connection is the second one; before, the
// probe was taken and the real one left: data-refused on 8443, or "the
// data connection worked" with the wrong outcome.
func TestLostPassiveHeldProbeGivesWay(t *testing.T) {
	other := netip.MustParseAddrPort("192.0.2.10:8443")
	otherFrom := netip.MustParseAddrPort("198.51.100.7:51500")
	real := netip.MustParseAddrPort("192.0.2.10:40001")
	realFrom := netip.MustParseAddrPort("198.51.100.7:51001")
	for _, tc := range []struct {
		name    string
		otherOK bool
		realOK  bool
		want    Outcome
	}{
		{"probe refused, real carries the file", false, true, OutcomeTransferred},
		{"probe answered and closed, real carries the file", true, true, OutcomeTransferred},
		{"probe refused, real refused, 425", false, false, OutcomeRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			s.cmd("PASV", "")
			s.cmd("RETR", "b.bin")
			s.segAck(otherFrom, other, decode.FlagSYN, 5000, 0, 0)
			if tc.otherOK {
				s.segAck(other, otherFrom, decode.FlagSYN|decode.FlagACK, 6000, 5001, 0)
				s.segAck(otherFrom, other, decode.FlagACK, 5001, 6001, 0)
				s.segAck(otherFrom, other, decode.FlagFIN|decode.FlagACK, 5001, 6001, 0)
				s.segAck(other, otherFrom, decode.FlagFIN|decode.FlagACK, 6001, 5002, 0)
			} else {
				s.segAck(other, otherFrom, decode.FlagRST|decode.FlagACK, 0, 5001, 0)
			}
			s.segAck(realFrom, real, decode.FlagSYN, 70000, 0, 0)
			if !tc.realOK {
				s.segAck(real, realFrom, decode.FlagRST|decode.FlagACK, 0, 70001, 0)
				s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48}) // 227 Entering Passive Mode (192,0,2,10,156,65).
				s.reply(425, "Failed to establish connection.")
			} else {
				s.segAck(real, realFrom, decode.FlagSYN|decode.FlagACK, 90000, 70001, 0)
				s.segAck(realFrom, real, decode.FlagACK, 70001, 90001, 0)
				s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48})
				s.reply(150, "Opening BINARY mode data connection for b.bin (5000 bytes).")
				for i := range 5 {
					s.segAck(real, realFrom, decode.FlagACK|decode.FlagPSH, 90001+uint32(i)*1000, 70001, 1000)
				}
				s.segAck(real, realFrom, decode.FlagFIN|decode.FlagACK, 95001, 70001, 0)
				s.segAck(realFrom, real, decode.FlagFIN|decode.FlagACK, 70001, 95002, 0)
				s.reply(226, "Transfer complete.")
			}
			d := s.quitWithOneData()
			if d.Server != real || d.Outcome != tc.want || d.Match != MatchAnnounceLost || d.Command == nil || d.Command.Verb != "RETR" {
				t.Errorf("data connection %v -> %v (%v, %v, command %v); want to %v, %v, announcement-lost, tied to the RETR", d.Client, d.Server, d.Match, d.Outcome, d.Command, real, tc.want)
			}
		})
	}
}

// TestLostPortClosedCandidateGivesWayToAnyPort: as
// TestLostPortClosedCandidateGivesWayToDataPort, but the server's own
// connection comes from an unprivileged port (ProFTPD or Pure-FTPd
// configured so, pyftpdlib, IIS with a random source): the closed
// candidate gives way to it all the same, whatever port it comes from.
// Before, only a connection from port 20 took its place: "transferred 6
// bytes", the real connection (refused, or carrying the file) not
// reported.
func TestLostPortClosedCandidateGivesWayToAnyPort(t *testing.T) {
	other := netip.MustParseAddrPort("192.0.2.10:45123")
	otherTo := netip.MustParseAddrPort("198.51.100.7:9100")
	real := netip.MustParseAddrPort("192.0.2.10:39555")
	for _, tc := range []struct {
		name string
		how  string
		want Outcome
	}{
		{"refused, 425", "refused", OutcomeRefused},
		{"unanswered, 425", "unanswered", OutcomeUnanswered},
		{"carries the file", "file", OutcomeTransferred},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.clientGap() // PORT 198,51,100,7,163,105
			s.reply(200, "PORT command successful. Consider using PASV.")
			s.cmd("RETR", "b.bin")
			s.segAck(other, otherTo, decode.FlagSYN, 77000, 0, 0)
			s.segAck(otherTo, other, decode.FlagSYN|decode.FlagACK, 88000, 77001, 0)
			s.segAck(other, otherTo, decode.FlagACK, 77001, 88001, 0)
			s.segAck(other, otherTo, decode.FlagACK|decode.FlagPSH, 77001, 88001, 6)
			s.segAck(other, otherTo, decode.FlagFIN|decode.FlagACK, 77007, 88001, 0)
			s.segAck(otherTo, other, decode.FlagFIN|decode.FlagACK, 88001, 77008, 0)
			s.segAck(other, otherTo, decode.FlagACK, 77008, 88002, 0)
			switch tc.how {
			case "refused":
				s.segAck(real, lpCliData, decode.FlagSYN, 11000, 0, 0)
				s.segAck(lpCliData, real, decode.FlagRST|decode.FlagACK, 0, 11001, 0)
				s.reply(425, "Failed to establish connection.")
			case "unanswered":
				for i := range 4 {
					if i > 0 {
						s.tick(time.Second)
						s.trk.Tick(s.now)
					}
					s.segAck(real, lpCliData, decode.FlagSYN, 11000, 0, 0)
				}
				s.reply(425, "Failed to establish connection.")
			case "file":
				s.segAck(real, lpCliData, decode.FlagSYN, 7000, 0, 0)
				s.segAck(lpCliData, real, decode.FlagSYN|decode.FlagACK, 9000, 7001, 0)
				s.segAck(real, lpCliData, decode.FlagACK, 7001, 9001, 0)
				s.reply(150, "Opening BINARY mode data connection for b.bin (5000 bytes)")
				for i := range 5 {
					s.segAck(real, lpCliData, decode.FlagACK|decode.FlagPSH, 7001+uint32(i)*1000, 9001, 1000)
				}
				s.segAck(real, lpCliData, decode.FlagFIN|decode.FlagACK, 12001, 9001, 0)
				s.segAck(lpCliData, real, decode.FlagFIN|decode.FlagACK, 9001, 12002, 0)
				s.reply(226, "Transfer complete")
			}
			d := s.quitWithOneData()
			if d.Client != real || d.Outcome != tc.want || d.Command == nil || d.Command.Verb != "RETR" {
				t.Errorf("data connection %v -> %v (%v, %v, command %v); want from %v, %v, tied to the RETR", d.Client, d.Server, d.Match, d.Outcome, d.Command, real, tc.want)
			}
		})
	}
}

// TestLostPassiveSaysCutOrLost: the connection taken for a passive
// announcement whose reply the snap length cut ("229 Entering Extended
// Passive ": in the capture, its endpoint cut off) says so
// (AnnouncementCut), where one whose reply a capture gap took whole does
// not. Before, both read "the reply announcing it was lost in a capture
// gap".
func TestLostPassiveSaysCutOrLost(t *testing.T) {
	dataSrv := netip.MustParseAddrPort("192.0.2.10:40066")
	dataCli := netip.MustParseAddrPort("198.51.100.7:55822")
	for _, cut := range []bool{true, false} {
		t.Run(map[bool]string{true: "cut", false: "lost"}[cut], func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("EPSV", "")
			if cut {
				s.reply(229, "Entering Extended Passive ")
			}
			s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 23})
			s.segAck(dataCli, dataSrv, decode.FlagSYN, 5000, 0, 0)
			s.segAck(dataSrv, dataCli, decode.FlagRST|decode.FlagACK, 0, 5001, 0)
			d := s.quitWithOneData()
			if d.Match != MatchAnnounceLost || d.AnnouncementCut() != cut {
				t.Errorf("match %v, announcement cut %v; want announcement-lost, cut %v", d.Match, d.AnnouncementCut(), cut)
			}
		})
	}
}
