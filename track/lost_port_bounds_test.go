package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// clientGapOf is a gap of n bytes in the client's control stream.
func (s *session) clientGapOf(n int) {
	s.ctl(decode.ControlEvent{Kind: decode.ControlGap, FromClient: true, Gap: n})
}

// pasvDownload runs a passive RETR of the session, its data connection
// from the client's port 50001 to the server's port 40001.
func (s *session) pasvDownload() {
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,65).")
	s.cmd("RETR", "a.txt")
	s.handshakeTransfer(netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40001"), 3000)
	s.reply(226, "Transfer complete.")
}

// TestServerHostTrafficAfterAGapIsNoLostPort: the server host's own
// connections to the client (a monitor's probe to port 9100, from an
// unprivileged port) after a gap of the client's control bytes are not
// the data connection of a PORT the gap may have held when the gap is
// too short for any PORT or EPRT naming the client's address (a lost
// NOOP), or when the session's latest announcement was passive. Before,
// the probe, refused or unanswered, was taken for one (match
// announcement-lost): a false error active-blocked with client-side
// helper rules. One from the server's data port (20) after a long gap
// is still taken: the session may have switched to active mode.
func TestServerHostTrafficAfterAGapIsNoLostPort(t *testing.T) {
	probeSrc := netip.MustParseAddrPort("192.0.2.10:43210")
	probeDst := netip.MustParseAddrPort("198.51.100.7:9100")
	refused := func(s *session, from netip.AddrPort) {
		s.segAck(from, probeDst, decode.FlagSYN, 1000, 0, 0)
		s.segWin(probeDst, from, decode.FlagRST|decode.FlagACK, 0, 1001, 0)
	}
	unanswered := func(s *session, from netip.AddrPort) {
		for i := range 3 {
			if i > 0 {
				s.tick(time.Second)
				s.trk.Tick(s.now)
			}
			s.segAck(from, probeDst, decode.FlagSYN, 1000, 0, 0)
		}
	}
	for _, tc := range []struct {
		name    string
		passive bool // a passive download before the gap
		gap     int
		from    netip.AddrPort
		probe   func(s *session, from netip.AddrPort)
		taken   bool
	}{
		{"a lost NOOP, probe refused", true, len("NOOP\r\n"), probeSrc, refused, false},
		{"a lost NOOP, probe unanswered", true, len("NOOP\r\n"), probeSrc, unanswered, false},
		{"a lost NOOP in a session with no data yet", false, len("NOOP\r\n"), probeSrc, unanswered, false},
		{"one byte short of the shortest PORT", false, len("PORT 198,51,100,7,4,0\n") - 1, probeSrc, unanswered, false},
		{"a long gap after passive mode, from an unprivileged port", true, 40, probeSrc, unanswered, false},
		{"a long gap after passive mode, from port 20", true, 40, lpSrvData, unanswered, true},
		{"the shortest PORT, no data yet, from an unprivileged port", false, len("PORT 198,51,100,7,4,0\n"), probeSrc, unanswered, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			if tc.passive {
				s.pasvDownload()
			}
			s.tick(30 * time.Second)
			s.clientGapOf(tc.gap)
			s.reply(200, "NOOP ok.")
			tc.probe(s, tc.from)
			s.cmd("NOOP", "")
			s.reply(200, "NOOP ok.")
			s.tick(5 * time.Second)
			s.trk.Tick(s.now)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			var probe *DataConn
			for _, d := range s.rec.data {
				if d.Server == probeDst || d.Client == probeDst {
					probe = d
				}
			}
			switch {
			case tc.taken && probe == nil:
				t.Errorf("the connection from %v to %v not taken; want it taken (announcement-lost)", tc.from, probeDst)
			case !tc.taken && probe != nil:
				t.Errorf("the connection from %v to %v taken (%v, %v); want none: the server host's other traffic", tc.from, probeDst, probe.Match, probe.Outcome)
			}
		})
	}
}

// TestLostPortPrefersTheServerDataPort: the client's PORT lost, its RETR
// seen; a connection of the server host's other traffic to the client (a
// backup job, from an unprivileged port) starts just before the server's
// data connection from port 20. The port-20 one is the RETR's; the
// other is no data connection. Before, the first one after the gap was
// taken and tied to the RETR (--extract wrote its bytes as the file),
// and the real one was not reported. Alone, a connection from an
// unprivileged port is still taken (ProFTPD without root, pyftpdlib,
// vsftpd with connect_from_port_20=NO), tied to the RETR.
func TestLostPortPrefersTheServerDataPort(t *testing.T) {
	backupSrc := netip.MustParseAddrPort("192.0.2.10:41000")
	backupDst := netip.MustParseAddrPort("198.51.100.7:9102")
	backup := func(s *session) {
		s.segAck(backupSrc, backupDst, decode.FlagSYN, 100, 0, 0)
		s.segAck(backupDst, backupSrc, decode.FlagSYN|decode.FlagACK, 200, 101, 0)
		s.segAck(backupSrc, backupDst, decode.FlagACK, 101, 201, 0)
		for i := range 3 {
			s.segAck(backupSrc, backupDst, decode.FlagACK|decode.FlagPSH, 101+uint32(i)*1000, 201, 1000)
		}
	}
	real := func(s *session) {
		s.segAck(lpSrvData, lpCliData, decode.FlagSYN, 7000, 0, 0)
		s.segAck(lpCliData, lpSrvData, decode.FlagSYN|decode.FlagACK, 9000, 7001, 0)
		s.segAck(lpSrvData, lpCliData, decode.FlagACK, 7001, 9001, 0)
	}
	realBytes := func(s *session) {
		for i := range 3 {
			s.segAck(lpSrvData, lpCliData, decode.FlagACK|decode.FlagPSH, 7001+uint32(i)*1000, 9001, 1000)
		}
		s.segAck(lpSrvData, lpCliData, decode.FlagFIN|decode.FlagACK, 10001, 9001, 0)
		s.segAck(lpCliData, lpSrvData, decode.FlagFIN|decode.FlagACK, 9001, 10002, 0)
	}
	for _, tc := range []struct {
		name string
		run  func(s *session)
		want netip.AddrPort // the RETR's connection's opener
	}{
		{"the backup starts at the RETR", func(s *session) {
			s.cmd("RETR", "f.bin")
			backup(s)
			real(s)
			s.reply(150, "Opening BINARY mode data connection for f.bin (3000 bytes).")
			realBytes(s)
			s.reply(226, "Transfer complete.")
		}, lpSrvData},
		{"the backup starts half a second before the RETR", func(s *session) {
			backup(s)
			s.tick(500 * time.Millisecond)
			s.cmd("RETR", "f.bin")
			real(s)
			s.reply(150, "Opening BINARY mode data connection for f.bin (3000 bytes).")
			realBytes(s)
			s.reply(226, "Transfer complete.")
		}, lpSrvData},
		{"only one from an unprivileged port: the RETR's", func(s *session) {
			s.cmd("RETR", "f.bin")
			backup(s)
			s.reply(150, "Opening BINARY mode data connection for f.bin (3000 bytes).")
			s.segAck(backupSrc, backupDst, decode.FlagFIN|decode.FlagACK, 3101, 201, 0)
			s.segAck(backupDst, backupSrc, decode.FlagFIN|decode.FlagACK, 201, 3102, 0)
			s.reply(226, "Transfer complete.")
		}, backupSrc},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			s.clientGap()
			s.reply(200, "PORT command successful. Consider using PASV.")
			tc.run(s)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			var retr *DataConn
			for _, d := range s.rec.data {
				if d.Command != nil && d.Command.Verb == "RETR" {
					if retr != nil {
						t.Fatalf("two data connections tied to the RETR: from %v and %v", retr.Client, d.Client)
					}
					retr = d
				} else {
					t.Errorf("a data connection from %v to %v tied to no RETR (%v, %v); want none", d.Client, d.Server, d.Match, d.Outcome)
				}
			}
			if retr == nil {
				t.Fatalf("no data connection tied to the RETR among %d", len(s.rec.data))
			}
			if retr.Client != tc.want || retr.Match != MatchAnnounceLost || retr.Outcome != OutcomeTransferred || retr.TotalBytes() != 3000 {
				t.Errorf("the RETR's from %v (%v, %v, %d bytes); want from %v, announcement-lost, transferred, 3000 bytes",
					retr.Client, retr.Match, retr.Outcome, retr.TotalBytes(), tc.want)
			}
		})
	}
}

// TestOldLostPortGapLeavesOtherSessionsLostReply: session A of a client
// lost a line in a gap of its bytes (its PORT maybe) and stays open,
// idle; 20 s later session B of the same client lost the 227 of its PASV
// in a gap of the server's bytes, and the client's SYNs to the port it
// announced went unanswered. A's claim on their peers' unmatched SYNs
// (the unannounced index) ends with its window: B's SYNs are B's data
// connection and its failure is reported. Before, A held the index for
// as long as it lived, and B's passive failure was hidden (no
// data-unanswered error, "no announcement in the capture"). With no gap
// in A, the same.
func TestOldLostPortGapLeavesOtherSessionsLostReply(t *testing.T) {
	cliA, cliB := netip.MustParseAddrPort("198.51.100.7:50000"), netip.MustParseAddrPort("198.51.100.7:50010")
	bData, bAnn := netip.MustParseAddrPort("198.51.100.7:50077"), netip.MustParseAddrPort("192.0.2.10:40001")
	for _, gapA := range []bool{true, false} {
		name := "no gap in A"
		if gapA {
			name = "a 40-byte gap in A"
		}
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			trk := New(rec, Options{})
			now, num := t0, uint64(0)
			ctl := func(c netip.AddrPort, e decode.ControlEvent) {
				num++
				now = now.Add(time.Millisecond)
				e.Num, e.TS, e.Client, e.Server = num, now, c, srv
				trk.Control(&e)
			}
			cmd := func(c netip.AddrPort, verb, arg string) {
				e := decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true}
				e.Command.Verb, e.Command.Arg = verb, arg
				ctl(c, e)
			}
			reply := func(c netip.AddrPort, code int, text string) {
				e := decode.ControlEvent{Kind: decode.ControlReply}
				e.Reply = &ftp.Reply{Code: code, Text: text}
				ctl(c, e)
			}
			login := func(c netip.AddrPort) {
				ctl(c, decode.ControlEvent{Kind: decode.ControlOpen})
				reply(c, 220, "(vsFTPd 3.0.3)")
				cmd(c, "USER", "anonymous")
				reply(c, 331, "Please specify the password.")
				cmd(c, "PASS", "x@y")
				reply(c, 230, "Login successful.")
			}
			login(cliA)
			if gapA {
				ctl(cliA, decode.ControlEvent{Kind: decode.ControlGap, FromClient: true, Gap: 40})
			}
			cmd(cliA, "NOOP", "")
			reply(cliA, 200, "NOOP ok.")
			now = now.Add(20 * time.Second)
			trk.Tick(now)
			login(cliB)
			cmd(cliB, "PASV", "")
			ctl(cliB, decode.ControlEvent{Kind: decode.ControlGap, Gap: len("227 Entering Passive Mode (192,0,2,10,156,65).\r\n")})
			cmd(cliB, "RETR", "f.bin")
			for _, dt := range []time.Duration{0, time.Second, 2 * time.Second} {
				now = now.Add(dt)
				trk.Tick(now)
				num++
				seg := decode.Segment{Num: num, TS: now, Src: bData, Dst: bAnn, Flags: decode.FlagSYN, Seq: 7000}
				trk.Segment(&seg)
			}
			now = now.Add(time.Second)
			reply(cliB, 425, "Failed to establish connection.")
			cmd(cliB, "QUIT", "")
			reply(cliB, 221, "Goodbye.")
			ctl(cliB, decode.ControlEvent{Kind: decode.ControlClose})
			now = now.Add(30 * time.Second)
			cmd(cliA, "QUIT", "")
			reply(cliA, 221, "Goodbye.")
			ctl(cliA, decode.ControlEvent{Kind: decode.ControlClose})
			trk.Finish()
			var got *DataConn
			for _, d := range rec.data {
				if d.Client == bData && d.Server == bAnn {
					got = d
				}
			}
			if got == nil || got.Match != MatchAnnounceLost || got.Outcome != OutcomeUnanswered || got.SYNs != 3 || !got.Passive {
				t.Fatalf("B's SYNs to %v: record %+v; want a passive announcement-lost connection, unanswered, 3 SYNs", bAnn, got)
			}
			if got.Session.Client != cliB {
				t.Errorf("taken for the session of %v; want B's (%v)", got.Session.Client, cliB)
			}
		})
	}
}

// TestFlowTakenForNowDecidedWhenTheSessionMovesOn: a flow to the
// session's announced passive port with no handshake and no transfer
// command in the capture (taken for now, flowOnly) is decided at the
// session's next command with no gap of the client's bytes before it,
// and at its end whether the flow was reset or not: given back, the
// announcement not attempted. Before, a flow reset before the QUIT
// counted as a connection still up, and the session's end waited on it:
// "undetermined: capture longer"; and a flow followed by NOOPs stayed
// held while the session lived.
func TestFlowTakenForNowDecidedWhenTheSessionMovesOn(t *testing.T) {
	dataCli, dataSrv := netip.MustParseAddrPort("198.51.100.7:50077"), netip.MustParseAddrPort("192.0.2.10:40001")
	flow := func(s *session) {
		seq := uint32(9001)
		for range 5 {
			s.segAck(dataSrv, dataCli, decode.FlagACK|decode.FlagPSH, seq, 7001, 1000)
			seq += 1000
			s.segAck(dataCli, dataSrv, decode.FlagACK, 7001, seq, 0)
		}
	}
	rst := func(s *session) { s.segWin(dataCli, dataSrv, decode.FlagRST|decode.FlagACK, 7001, 14001, 0) }
	fin := func(s *session) {
		s.segAck(dataSrv, dataCli, decode.FlagFIN|decode.FlagACK, 14001, 7001, 0)
		s.segAck(dataCli, dataSrv, decode.FlagFIN|decode.FlagACK, 7001, 14002, 0)
	}
	quit := func(s *session) {
		s.cmd("QUIT", "")
		s.reply(221, "Goodbye.")
	}
	for _, tc := range []struct {
		name   string
		end    func(s *session)
		noop   bool // a NOOP, with no gap, after the flow: the flow is given back there
		ending func(s *session)
	}{
		{"reset, then QUIT", rst, false, quit},
		{"closed, then QUIT", fin, false, quit},
		{"reset, then a NOOP", rst, true, quit},
		{"closed, then a NOOP", fin, true, quit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,65).")
			flow(s)
			tc.end(s)
			if tc.noop {
				s.tick(time.Second)
				s.cmd("NOOP", "")
				s.reply(200, "NOOP ok.")
				sess := s.trk.sessions.Get(decode.MakeConnKey(cli, srv))
				if sess == nil {
					t.Fatal("the session is gone")
				}
				for _, d := range sess.Data {
					if s.trk.flowOnly(d) {
						t.Errorf("after the NOOP, the flow from %v is still held for a transfer command a gap may have taken; want it given back", d.Client)
					}
				}
				s.tick(300 * time.Second)
			}
			tc.ending(s)
			s.end()
			d := onlyData(t, s)
			if d.Outcome != OutcomeNotAttempted || d.Client.IsValid() || d.TotalBytes() != 0 {
				t.Errorf("outcome %v, from %v with %d bytes; want not attempted, the flow given back", d.Outcome, d.Client, d.TotalBytes())
			}
		})
	}
}

// TestLostPortAfterPassiveTakenForAWaitingTransfer: a session that used
// passive mode, then lost its PORT in a capture gap and sent RETR; the
// server (ProFTPD, pyftpdlib) connects back from an unprivileged port and
// the client refuses it, then the 425. That connection is the RETR's:
// refusing every unprivileged-source candidate after passive mode hid
// the failure behind "the data connection worked".
func TestLostPortAfterPassiveTakenForAWaitingTransfer(t *testing.T) {
	src := netip.MustParseAddrPort("192.0.2.10:43210")
	dst := netip.MustParseAddrPort("198.51.100.7:41000")
	s := newSession(t)
	s.login()
	s.pasvDownload()
	s.tick(30 * time.Second)
	s.clientGapOf(40)
	s.reply(200, "PORT command successful.")
	s.cmd("RETR", "b.txt")
	s.segAck(src, dst, decode.FlagSYN, 1000, 0, 0)
	s.segWin(dst, src, decode.FlagRST|decode.FlagACK, 0, 1001, 0)
	s.reply(425, "Unable to build data connection: Connection refused")
	s.cmd("QUIT", "")
	s.reply(221, "Goodbye.")
	s.end()
	var got *DataConn
	for _, d := range s.rec.data {
		if d.Client == dst || d.Server == dst {
			got = d
		}
	}
	switch {
	case got == nil:
		t.Fatalf("the server's connection back to %v not taken; want it the RETR's, refused", dst)
	case got.Outcome != OutcomeRefused || got.Command == nil || got.Command.Verb != "RETR":
		t.Errorf("the connection back: %v, command %v; want refused, the RETR's", got.Outcome, got.Command)
	}
}
