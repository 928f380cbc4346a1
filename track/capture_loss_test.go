package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// segWin is segAck with the window field set: what tells an abort's RST
// from a refusal's.
func (s *session) segWin(src, dst netip.AddrPort, flags decode.TCPFlags, seq, ack uint32, win uint16) {
	s.num++
	s.tick(time.Millisecond)
	seg := decode.Segment{Num: s.num, TS: s.now, Src: src, Dst: dst, Flags: flags, Seq: seq, Ack: ack, Window: win}
	s.trk.Segment(&seg)
}

// TestRefusedTransferShowsHandshakeLostByCapture: the capture lost the
// data connection's SYN-ACK and the handshake's ACK; the client sent its
// RETR, the server refused it (550), and then the client's FIN (ACK =
// the server's ISN+1) and the server's RST came. They show the
// connection made. Before, the 550 made it final at once, unanswered (an
// error data-unanswered with an nft rule), and its FIN and RST, a
// millisecond later, matched nothing (rev-loss: bench200 with packets
// 8438-8439 dropped). A connection no one answered still reads
// unanswered, final as of the reply, however soon the capture ends.
func TestRefusedTransferShowsHandshakeLostByCapture(t *testing.T) {
	for _, tc := range []struct {
		name    string
		drive   func(s *session)
		want    Outcome
		endedBy EndReason
	}{
		{"FIN and RST after the 550", func(s *session) {
			s.segAck(pcDataCli, pcDataSrv, decode.FlagFIN|decode.FlagACK, 1001, 5001, 0)
			s.segAck(pcDataSrv, pcDataCli, decode.FlagRST|decode.FlagACK, 5001, 1002, 0)
			s.tick(2 * time.Second)
			s.trk.Tick(s.now)
		}, OutcomeConnected, EndRST},
		{"nothing after the 550, the capture goes on", func(s *session) {
			s.tick(2 * time.Second)
			s.trk.Tick(s.now)
			s.cmd("NOOP", "")
			s.reply(200, "NOOP ok.")
		}, OutcomeUnanswered, EndOpen},
		{"nothing after the 550 but the next PASV", func(s *session) {
			// (The client moved on because of the 550, not because its
			// connect failed: no "gave up" guess.)
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,65)")
			s.tick(2 * time.Second)
			s.trk.Tick(s.now)
		}, OutcomeUnanswered, EndOpen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			s.segAck(pcDataCli, pcDataSrv, decode.FlagSYN, 1000, 0, 0)
			s.tick(250 * time.Millisecond)
			s.cmd("RETR", "old-file.json")
			s.reply(550, "Failed to open file.")
			tc.drive(s)
			s.end()
			d := s.rec.data[0]
			if d.Outcome != tc.want || d.EndReason != tc.endedBy || d.SYNs != 1 {
				t.Errorf("outcome %v, end %v, %d SYNs; want %v, %v, 1", d.Outcome, d.EndReason, d.SYNs, tc.want, tc.endedBy)
			}
			if tc.want == OutcomeUnanswered && !d.End.Equal(d.LastSYN) {
				t.Errorf("end %v; want the SYN's time %v", d.End, d.LastSYN)
			}
		})
	}
}

// TestRefusedTransferCaptureEndsAfter: the capture ends a moment after
// the 550 that ended the transfer of a data connection whose SYN has no
// answer in it: the connection is final as of the reply (unanswered, as
// it was at once before), not undetermined for the capture's end.
func TestRefusedTransferCaptureEndsAfter(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
	s.segAck(pcDataCli, pcDataSrv, decode.FlagSYN, 1000, 0, 0)
	s.tick(250 * time.Millisecond)
	s.cmd("RETR", "old-file.json")
	s.reply(550, "Failed to open file.")
	s.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseCaptureEnd})
	s.trk.Finish()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	if d := s.rec.data[0]; d.Outcome != OutcomeUnanswered || !d.End.Equal(d.LastSYN) {
		t.Errorf("outcome %v, end %v; want unanswered at the SYN %v", d.Outcome, d.End, d.LastSYN)
	}
}

// TestResetFromAcceptedConnectionIsNoRefusal: an RST that acknowledges
// the SYN (ACK = ISN+1) from a sequence number of its sender's own and
// with a window is the abort of a connection its sender had accepted,
// whose SYN-ACK and ACK the capture lost (ProFTPD resetting a data
// connection on which the client began no TLS): connected, not refused.
// A refusal (a closed port, a firewall's reject with tcp-reset) has
// sequence number 0 and window 0 (RFC 9293 3.10.7.1). Before, any RST
// with ACK = ISN+1 read "refused" with an "open that range" rule
// (rev-loss: ftps-prot-refused-proftpd.pcap with packets 75-76 dropped).
func TestResetFromAcceptedConnectionIsNoRefusal(t *testing.T) {
	for _, tc := range []struct {
		name string
		seq  uint32
		win  uint16
		want Outcome
	}{
		{"own sequence number and a window: aborted", 5001, 64, OutcomeConnected},
		{"sequence 0, window 0: refused", 0, 0, OutcomeRefused},
		{"sequence 0 with a window: refused", 0, 64, OutcomeRefused},
		{"own sequence number, window 0: left a refusal", 5001, 0, OutcomeRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			s.segAck(pcDataCli, pcDataSrv, decode.FlagSYN, 1000, 0, 0)
			s.segWin(pcDataSrv, pcDataCli, decode.FlagRST|decode.FlagACK, tc.seq, 1001, tc.win)
			s.cmd("RETR", "x")
			s.reply(425, "Unable to build data connection")
			s.end()
			if d := onlyData(t, s); d.Outcome != tc.want || d.EndReason != EndRST {
				t.Errorf("outcome %v, end %v; want %v by rst", d.Outcome, d.EndReason, tc.want)
			}
		})
	}
}

// TestLostPassiveReplyStillShowsItsConnection: the 229 that answered the
// EPSV was lost in a gap of the server's bytes (the client's ACK of it
// shows the gap after its first SYN); the client's SYNs to the server
// are its data connection, the EPSV's, on the port they went to, matched
// by peers and time (MatchAnnounceLost), its first SYN taken from the
// held ones. Before,
// they matched nothing: "never connected" to the PASV's endpoint after
// it, the three unanswered SYNs not reported (rev-loss: pasv-drop.pcap
// with packet 16 dropped). Not taken: a SYN with no gap before, one long
// after the EPSV, one from another address, or one after the session
// announced again.
func TestLostPassiveReplyStillShowsItsConnection(t *testing.T) {
	other := netip.MustParseAddrPort("192.0.2.10:40035")
	for _, tc := range []struct {
		name  string
		gap   bool
		delay time.Duration
		from  netip.AddrPort
		want  MatchRule // of the data connection to 40000; MatchNone: none
	}{
		{"gap, SYNs at once", true, 0, pcDataCli, MatchAnnounceLost},
		{"no gap", false, 0, pcDataCli, MatchNone},
		{"gap, SYN 20s later", true, 20 * time.Second, pcDataCli, MatchNone},
		{"gap, SYN from another host", true, 0, netip.MustParseAddrPort("198.51.100.9:50001"), MatchNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("EPSV", "")
			s.tick(tc.delay)
			s.segAck(tc.from, pcDataSrv, decode.FlagSYN, 1000, 0, 0)
			if tc.gap {
				s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48})
			}
			for range 2 {
				s.tick(time.Second)
				s.trk.Tick(s.now)
				s.segAck(tc.from, pcDataSrv, decode.FlagSYN, 1000, 0, 0)
			}
			s.tick(time.Second)
			s.trk.Tick(s.now)
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,99)")
			s.segAck(pcDataCli, other, decode.FlagSYN, 2000, 0, 0) // after the 227: its own
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			var got *DataConn
			for _, d := range s.rec.data {
				if d.Server == pcDataSrv {
					got = d
				}
				if d.Announced == other && d.Match != MatchExact {
					t.Errorf("the PASV's connection matched %v; want exact", d.Match)
				}
			}
			switch {
			case tc.want == MatchNone && got != nil:
				t.Errorf("data connection to %v taken (%v, %v); want none", pcDataSrv, got.Match, got.Outcome)
			case tc.want != MatchNone && got == nil:
				t.Fatalf("no data connection to %v; want one matched %v", pcDataSrv, tc.want)
			case got != nil && (got.Match != tc.want || got.Outcome != OutcomeUnanswered || got.SYNs != 3 || got.Announce == nil || got.Announce.Verb != "EPSV" || got.Announced != pcDataSrv):
				t.Errorf("match %v, outcome %v, %d SYNs, announce %+v at %v; want %v, unanswered, 3 SYNs, the EPSV at %v", got.Match, got.Outcome, got.SYNs, got.Announce, got.Announced, tc.want, pcDataSrv)
			}
		})
	}
}

// TestLostPassiveReplyRefusalTakenOnlyAtOnce guards a refusal after a PASV
// whose reply the capture lost. The client's other traffic to the server
// (a monitor's probe of a closed port 8080 after a NOOP, a port scan) is
// refused the same way, and the lost reply may have refused the PASV:
// taken for the data connection, it read as data-refused with a firewall
// rule for a port nothing announced. A refusal of a SYN sent within a
// second of the command and before the session's next, as a client
// connects to what the reply announced, is kept (a refused passive
// connection whose 227 the capture lost: the only finding that explains
// the failure); a later one is not.
func TestLostPassiveReplyRefusalTakenOnlyAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		noop bool          // a command of the session before the SYN
		wait time.Duration // from the EPSV to the SYN
		kept bool
	}{
		{"at once", false, time.Millisecond, true},
		{"after a NOOP", true, time.Millisecond, false},
		{"2 s later", false, 2 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("EPSV", "")
			if tc.noop {
				s.cmd("NOOP", "")
			}
			s.tick(tc.wait)
			s.segAck(pcDataCli, pcDataSrv, decode.FlagSYN, 1000, 0, 0)
			s.num++
			s.tick(time.Millisecond)
			s.trk.Unreachable(&decode.Unreachable{Num: s.num, TS: s.now, From: pcDataSrv.Addr(), Type: 3, Code: 13, Src: pcDataCli, Dst: pcDataSrv, Seq: 1000})
			s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48})
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			sess := s.end()
			switch {
			case tc.kept && (len(s.rec.data) != 1 || s.rec.data[0].Match != MatchAnnounceLost || s.rec.data[0].Outcome != OutcomeUnreachable):
				t.Errorf("%d data records; want one, announcement-lost, unreachable", len(s.rec.data))
			case !tc.kept && (len(s.rec.data) != 0 || sess.DataCount != 0):
				t.Errorf("%d data records (%d counted); want none", len(s.rec.data), sess.DataCount)
			}
		})
	}
}

// TestLostPassiveReplyAnsweredUnusedNotReported: a connection the client
// made to its server after a PASV whose reply the capture lost, answered
// and used by no transfer, is not reported as the data connection:
// nothing but peers and time says it was (the client's HTTP to the same
// host), and only a failed one tells what the capture would otherwise
// hide.
func TestLostPassiveReplyAnsweredUnusedNotReported(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48})
	s.segAck(pcDataCli, pcDataSrv, decode.FlagSYN, 1000, 0, 0)
	s.segAck(pcDataSrv, pcDataCli, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
	s.segAck(pcDataCli, pcDataSrv, decode.FlagACK, 1001, 5001, 0)
	s.segAck(pcDataCli, pcDataSrv, decode.FlagFIN|decode.FlagACK, 1001, 5001, 0)
	s.segAck(pcDataSrv, pcDataCli, decode.FlagFIN|decode.FlagACK, 5001, 1002, 0)
	s.cmd("QUIT", "")
	s.reply(221, "Goodbye.")
	sess := s.end()
	if len(s.rec.data) != 0 || sess.DataCount != 0 {
		t.Errorf("%d data records (%d counted); want none", len(s.rec.data), sess.DataCount)
	}
}
