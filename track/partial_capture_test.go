package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// Captures that lost packets (a lossy mirror port, a cut, one direction
// only): what the capture still holds of a data connection proves it was
// made and what it carried (rev-partial's damaged captures).

var (
	pcDataCli = netip.MustParseAddrPort("198.51.100.7:50001")
	pcDataSrv = netip.MustParseAddrPort("192.0.2.10:40000") // (192,0,2,10,156,64)
)

const pcPASV = "Entering Passive Mode (192,0,2,10,156,64)."

// onlyData returns the one data record, failing the test otherwise.
func onlyData(t *testing.T, s *session) *DataConn {
	t.Helper()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records, want 1", len(s.rec.data))
	}
	return s.rec.data[0]
}

// TestResetAcknowledgingMoreProvesConnection: the SYN-ACK, the handshake
// ACK and the client's FIN lost, the server's RST that acknowledges the
// SYN and the FIN (ISN+2, from its own sequence number) is in the
// capture: the connection was made (rev-partial abort-vsftpd-del-750_751_756).
// It read "undetermined: the client gave up … after its only SYN", a
// data-answer-missing warning.
func TestResetAcknowledgingMoreProvesConnection(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("EPSV", "")
	s.reply(229, "Entering Extended Passive Mode (|||40000|)")
	s.segAck(pcDataCli, pcDataSrv, decode.FlagSYN, 1000, 0, 0)
	s.cmd("QUIT", "")
	s.reply(221, "Goodbye.")
	s.segAck(pcDataSrv, pcDataCli, decode.FlagRST|decode.FlagACK, 7001, 1002, 0)
	d := func() *DataConn { s.end(); return onlyData(t, s) }()
	if _, gaveUp := d.GaveUp(); d.Outcome != OutcomeConnected || gaveUp || d.EndReason != EndRST {
		t.Errorf("outcome %v (gave up %v), end %v; want connected, ended by RST", d.Outcome, gaveUp, d.EndReason)
	}
}

// TestPickedUpWithoutSYNWhenPairingUncertain: the data connection's SYN
// and SYN-ACK lost, and its transfer command lost in a gap (its 150 paired
// with nothing) or its 150 lost (the command waits with no reply): the
// segments between exactly its peers on the waiting announcement's port
// are its connection, not "not attempted" (rev-partial
// nat-default-client-del-17_18_24, resume-pureftpd-del-151_152_155_169).
func TestPickedUpWithoutSYNWhenPairingUncertain(t *testing.T) {
	t.Run("RETR lost in a gap, its 150 paired with nothing", func(t *testing.T) {
		s := newSession(t)
		s.login()
		s.cmd("PASV", "")
		s.reply(227, pcPASV)
		s.segAck(pcDataCli, pcDataSrv, decode.FlagACK, 1001, 5001, 0) // the handshake's ACK
		s.ctl(decode.ControlEvent{Kind: decode.ControlGap, FromClient: true, Gap: 17})
		s.reply(150, "Opening BINARY mode data connection for report.txt (4640 bytes).")
		s.segAck(pcDataSrv, pcDataCli, decode.FlagACK|decode.FlagPSH, 5001, 1001, 4640)
		s.segAck(pcDataCli, pcDataSrv, decode.FlagACK, 1001, 9641, 0)
		s.segAck(pcDataSrv, pcDataCli, decode.FlagFIN|decode.FlagACK, 9641, 1001, 0)
		s.segAck(pcDataCli, pcDataSrv, decode.FlagFIN|decode.FlagACK, 1001, 9642, 0)
		s.reply(226, "Transfer complete.")
		s.end()
		d := onlyData(t, s)
		if d.Outcome != OutcomeTransferred || d.TotalBytes() != 4640 || d.Client != pcDataCli || d.SYNs != 0 {
			t.Errorf("outcome %v, %d bytes, client %v, %d SYNs; want transferred, 4640, %v, 0", d.Outcome, d.TotalBytes(), d.Client, d.SYNs, pcDataCli)
		}
	})
	t.Run("STOR seen, its 150 and 226 lost", func(t *testing.T) {
		s := newSession(t)
		s.login()
		s.cmd("PASV", "")
		s.reply(227, pcPASV)
		s.segAck(pcDataCli, pcDataSrv, decode.FlagACK, 1001, 5001, 0) // the handshake's ACK
		s.cmd("STOR", "upload/res.bin")
		for off := uint32(0); off < 30000; off += 7500 {
			s.segAck(pcDataCli, pcDataSrv, decode.FlagACK|decode.FlagPSH, 1001+off, 5001, 7500)
			s.segAck(pcDataSrv, pcDataCli, decode.FlagACK, 5001, 1001+off+7500, 0)
		}
		s.segAck(pcDataCli, pcDataSrv, decode.FlagFIN|decode.FlagACK, 31001, 5001, 0)
		s.segAck(pcDataSrv, pcDataCli, decode.FlagFIN|decode.FlagACK, 5001, 31002, 0)
		s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 125})
		s.cmd("QUIT", "")
		s.reply(221, "Goodbye.")
		s.end()
		d := onlyData(t, s)
		if d.Outcome != OutcomeTransferred || d.Bytes[0] != 30000 || d.Client != pcDataCli {
			t.Errorf("outcome %v, bytes %v, client %v; want transferred, 30000 to the server", d.Outcome, d.Bytes, d.Client)
		}
	})
	t.Run("no transfer command: an ACK before it is not taken", func(t *testing.T) {
		// (A connection still running to the same port: only the
		// transfer's own bytes, or the server's word, pick one up.)
		s := newSession(t)
		s.login()
		s.cmd("PASV", "")
		s.reply(227, pcPASV)
		s.segAck(pcDataCli, pcDataSrv, decode.FlagACK, 1001, 5001, 0)
		s.tick(5 * time.Minute)
		s.cmd("QUIT", "")
		s.reply(221, "Goodbye.")
		s.end()
		if d := onlyData(t, s); d.matched() {
			t.Errorf("outcome %v: a lone ACK with no transfer under way was taken", d.Outcome)
		}
	})
}

// TestMidstreamCaptureStartsAtSynAck: a capture that begins after the
// data connection's SYN, at its SYN-ACK, of a transfer announced before
// the capture: the SYN-ACK held from the capture's start is that
// connection, and its bytes count (rev-partial cuts/passive-lftp/head37:
// RETR, 150, 226 and no data record at all).
func TestMidstreamCaptureStartsAtSynAck(t *testing.T) {
	rec := &recorder{}
	s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
	s.segAck(pcDataSrv, pcDataCli, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
	s.segAck(pcDataCli, pcDataSrv, decode.FlagACK, 1001, 5001, 0)
	s.ctl(decode.ControlEvent{Kind: decode.ControlOpen, Midstream: true})
	s.cmd("RETR", "data.bin")
	s.reply(150, "Opening BINARY mode data connection for data.bin (131072 bytes).")
	for off := uint32(0); off < 131072; off += 16384 {
		s.segAck(pcDataSrv, pcDataCli, decode.FlagACK|decode.FlagPSH, 5001+off, 1001, 16384)
	}
	s.segAck(pcDataCli, pcDataSrv, decode.FlagACK, 1001, 5001+131072, 0)
	s.segAck(pcDataSrv, pcDataCli, decode.FlagFIN|decode.FlagACK, 5001+131072, 1001, 0)
	s.segAck(pcDataCli, pcDataSrv, decode.FlagFIN|decode.FlagACK, 1001, 5002+131072, 0)
	s.reply(226, "Transfer complete.")
	sess := s.end()
	d := onlyData(t, s)
	if d.Outcome != OutcomeTransferred || d.Bytes[1] != 131072 || d.Client != pcDataCli || d.Server != pcDataSrv {
		t.Errorf("outcome %v, bytes %v, %v -> %v; want transferred, 131072 to the client", d.Outcome, d.Bytes, d.Client, d.Server)
	}
	if !sess.LoginBefore {
		t.Errorf("a mid-stream session's RETR got 150 and 226: its login came before the capture")
	}
}

// epsvRetrHandshake is a logged-in session whose EPSV announced
// pcDataSrv and whose RETR's data connection completed its handshake
// (client ISN 1000, server ISN 5000).
func epsvRetrHandshake(t *testing.T) *session {
	s := newSession(t)
	s.login()
	s.cmd("EPSV", "")
	s.reply(229, "Entering Extended Passive Mode (|||40000|)")
	s.cmd("RETR", "report.txt")
	s.segAck(pcDataCli, pcDataSrv, decode.FlagSYN, 1000, 0, 0)
	s.segAck(pcDataSrv, pcDataCli, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
	s.segAck(pcDataCli, pcDataSrv, decode.FlagACK, 1001, 5001, 0)
	return s
}

// TestBytesProvenBySequenceNumbers: the bytes a capture lost but the
// sequence numbers prove were sent. A FIN past the highest byte seen
// follows bytes the capture missed (rev-partial passive-curl-del-26: the
// one 4640-byte segment lost read "no payload … nothing to send"). A
// capture of the accepting side only counts the opener's bytes from its
// acknowledgments, the SYN-ACK's giving the opener's ISN (oneway
// active-ftplib-port-data-c2s), the opener's FIN left out. The unseen
// side's FIN acknowledged with its last bytes is not a byte when the 150
// named the size (oneway passive-lftp-data-c2s: 131073 of 131072).
func TestBytesProvenBySequenceNumbers(t *testing.T) {
	t.Run("a FIN past a lost segment", func(t *testing.T) {
		s := epsvRetrHandshake(t)
		s.reply(150, "Opening BINARY mode data connection for report.txt (4640 bytes).")
		// (The 4640 bytes at 5001 lost.)
		s.segAck(pcDataCli, pcDataSrv, decode.FlagACK, 1001, 9641, 0)
		s.segAck(pcDataSrv, pcDataCli, decode.FlagFIN|decode.FlagACK, 9641, 1001, 0)
		s.segAck(pcDataCli, pcDataSrv, decode.FlagFIN|decode.FlagACK, 1001, 9642, 0)
		s.reply(226, "Transfer complete.")
		s.end()
		if d := onlyData(t, s); d.Outcome != OutcomeTransferred || d.Bytes != [2]int64{0, 4640} {
			t.Errorf("outcome %v, bytes %v; want transferred, 4640 to the client", d.Outcome, d.Bytes)
		}
	})
	t.Run("a FIN far past any window is no hole", func(t *testing.T) {
		s := epsvRetrHandshake(t)
		s.segAck(pcDataSrv, pcDataCli, decode.FlagFIN|decode.FlagACK, 5001+1<<20, 1001, 0)
		s.reply(226, "Transfer complete.")
		s.end()
		if d := onlyData(t, s); d.TotalBytes() != 0 {
			t.Errorf("bytes %v: a FIN a megabyte past a 0-byte window counted", d.Bytes)
		}
	})
	t.Run("only the accepting side: the opener's bytes from its peer's ACKs", func(t *testing.T) {
		s := newSession(t)
		s.login()
		s.cmd("PORT", "198,51,100,7,195,81") // 198.51.100.7:50001
		s.reply(200, "PORT command successful.")
		s.cmd("RETR", "report.txt")
		from20 := netip.MustParseAddrPort("192.0.2.10:20")
		s.segAck(pcDataCli, from20, decode.FlagSYN|decode.FlagACK, 9000, 7001, 0) // the server's ISN 7000
		s.reply(150, "Opening BINARY mode data connection for report.txt (4640 bytes).")
		for _, a := range []uint32{1448, 2896, 4344, 4640, 4641} {
			s.segAck(pcDataCli, from20, decode.FlagACK, 9001, 7001+a, 0)
		}
		s.segAck(pcDataCli, from20, decode.FlagFIN|decode.FlagACK, 9001, 7001+4641, 0)
		s.reply(226, "Transfer complete.")
		s.end()
		d := onlyData(t, s)
		if d.Outcome != OutcomeTransferred || d.Bytes != [2]int64{4640, 0} || !d.AckedOnly() {
			t.Errorf("outcome %v, bytes %v, acked-only %v; want transferred, 4640 from the server, acked-only", d.Outcome, d.Bytes, d.AckedOnly())
		}
	})
	t.Run("only the opener's side: the unseen FIN on the last bytes is no byte", func(t *testing.T) {
		s := newSession(t)
		s.login()
		s.cmd("PASV", "")
		s.reply(227, pcPASV)
		s.cmd("RETR", "data.bin")
		s.segAck(pcDataCli, pcDataSrv, decode.FlagSYN, 1000, 0, 0)
		s.segAck(pcDataCli, pcDataSrv, decode.FlagACK, 1001, 5001, 0)
		s.reply(150, "Opening BINARY mode data connection for data.bin (131072 bytes).")
		s.segAck(pcDataCli, pcDataSrv, decode.FlagACK, 1001, 5001+97392, 0)
		s.segAck(pcDataCli, pcDataSrv, decode.FlagACK, 1001, 5001+131073, 0) // 33680 bytes and the FIN
		s.segAck(pcDataCli, pcDataSrv, decode.FlagFIN|decode.FlagACK, 1001, 5001+131073, 0)
		s.reply(226, "Transfer complete.")
		s.end()
		if d := onlyData(t, s); d.Bytes != [2]int64{0, 131072} {
			t.Errorf("bytes %v; want 131072 to the client", d.Bytes)
		}
	})
}

// TestLostEPSVReplyAfterGap: the 229 lost in a server-side gap; the 200
// after it answers the TYPE sent next, not the EPSV (a 200 answers only
// "EPSV ALL", RFC 2428 4), and the client's SYN to the port the lost 229
// named is the EPSV's data connection, used by the RETR (rev-partial
// passive-curl-del-16: "EPSV refused", the 4640-byte transfer not
// reported).
func TestLostEPSVReplyAfterGap(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("EPSV", "")
	s.segAck(pcDataCli, pcDataSrv, decode.FlagSYN, 1000, 0, 0)
	s.segAck(pcDataSrv, pcDataCli, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
	s.segAck(pcDataCli, pcDataSrv, decode.FlagACK, 1001, 5001, 0)
	s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48})
	s.cmd("TYPE", "I")
	s.reply(200, "Switching to Binary mode.")
	s.cmd("RETR", "report.txt")
	s.reply(150, "Opening BINARY mode data connection for report.txt (4640 bytes).")
	s.segAck(pcDataSrv, pcDataCli, decode.FlagACK|decode.FlagPSH, 5001, 1001, 4640)
	s.segAck(pcDataCli, pcDataSrv, decode.FlagACK, 1001, 9641, 0)
	s.segAck(pcDataSrv, pcDataCli, decode.FlagFIN|decode.FlagACK, 9641, 1001, 0)
	s.segAck(pcDataCli, pcDataSrv, decode.FlagFIN|decode.FlagACK, 1001, 9642, 0)
	s.reply(226, "Transfer complete.")
	s.end()
	for _, c := range s.rec.commands {
		switch c.Verb {
		case "EPSV":
			if c.Status != StatusReplyLost || c.Final() != nil {
				t.Errorf("EPSV %v %+v; want its reply lost in the gap", c.Status, c.Final())
			}
		case "TYPE":
			if f := c.Final(); f == nil || f.Code != 200 {
				t.Errorf("TYPE %+v; want the 200", f)
			}
		}
	}
	d := onlyData(t, s)
	if d.Outcome != OutcomeTransferred || d.Bytes[1] != 4640 || d.Command == nil || d.Command.Verb != "RETR" || d.Announced != pcDataSrv {
		t.Errorf("outcome %v, bytes %v, command %v, announced %v; want the RETR's 4640 bytes on %v", d.Outcome, d.Bytes, d.Command, d.Announced, pcDataSrv)
	}
}

// TestMidstreamLoginBefore: a session picked up mid-stream whose server
// accepts commands only a logged-in user may send logged in before the
// capture (rev-partial cuts/passive-lftp/head26: "no login" beside 257,
// 150 and 226); one with no such reply does not say so.
func TestMidstreamLoginBefore(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  string
		code int
		want bool
	}{
		{"PWD answered 257", "PWD", 257, true},
		{"CWD answered 250", "CWD", 250, true},
		{"NOOP answered 200", "NOOP", 200, false},
		{"PWD refused 530", "PWD", 530, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
			s.ctl(decode.ControlEvent{Kind: decode.ControlOpen, Midstream: true})
			s.cmd(tc.cmd, "")
			s.reply(tc.code, "x")
			if sess := s.end(); sess.LoginBefore != tc.want || sess.Login != LoginNone {
				t.Errorf("login before %v, login %v; want %v, none", sess.LoginBefore, sess.Login, tc.want)
			}
		})
	}
}

// TestHeldSYNAnsweredByLaterSegments: a SYN held while no announcement
// waited for its port (its 227 lost), whose SYN-ACK the capture lost too,
// was answered all the same: its connector ACKed the handshake and the
// listener sent on the 4-tuple. When the server hands the port out again
// within synHoldWindow, that old SYN is not replayed as the new
// announcement's connection: the new one's own SYN is (rev-partial
// mirror-vsftpd-no227-nosynack: data-unanswered and an nft rule from two
// lost packets). With another announcement of the session waiting, and
// with none (then Segment must pass the old connection's segments while
// a SYN is held, with no data connection open).
func TestHeldSYNAnsweredByLaterSegments(t *testing.T) {
	oldCli := netip.MustParseAddrPort("198.51.100.7:60948")
	newCli := netip.MustParseAddrPort("198.51.100.7:60956")
	port := netip.MustParseAddrPort("192.0.2.10:40089") // (192,0,2,10,156,153)
	for _, otherWaiting := range []bool{true, false} {
		t.Run(map[bool]string{true: "another announcement waiting", false: "nothing waiting"}[otherWaiting], func(t *testing.T) {
			s := newSession(t)
			s.login()
			if otherWaiting {
				s.cmd("PASV", "")
				s.reply(227, "Entering Passive Mode (192,0,2,10,156,150).") // 40086, never used
			}
			s.cmd("PASV", "")
			// (Its 227, for 40089, and the SYN-ACK lost.)
			s.segAck(oldCli, port, decode.FlagSYN, 1000, 0, 0)
			s.segAck(oldCli, port, decode.FlagACK, 1001, 5001, 0)
			s.segAck(port, oldCli, decode.FlagACK|decode.FlagPSH, 5001, 1001, 261)
			s.segAck(oldCli, port, decode.FlagACK, 1001, 5262, 0)
			s.segAck(port, oldCli, decode.FlagFIN|decode.FlagACK, 5262, 1001, 0)
			s.segAck(oldCli, port, decode.FlagFIN|decode.FlagACK, 1001, 5263, 0)
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,153).")
			s.cmd("LIST", "")
			s.segAck(newCli, port, decode.FlagSYN, 2000, 0, 0)
			s.segAck(port, newCli, decode.FlagSYN|decode.FlagACK, 8000, 2001, 0)
			s.segAck(newCli, port, decode.FlagACK, 2001, 8001, 0)
			s.reply(150, "Here comes the directory listing.")
			s.segAck(port, newCli, decode.FlagACK|decode.FlagPSH, 8001, 2001, 192)
			s.segAck(port, newCli, decode.FlagFIN|decode.FlagACK, 8193, 2001, 0)
			s.segAck(newCli, port, decode.FlagFIN|decode.FlagACK, 2001, 8194, 0)
			s.reply(226, "Directory send OK.")
			s.end()
			var got *DataConn
			for _, d := range s.rec.data {
				if d.Outcome == OutcomeUnanswered {
					t.Errorf("data %v: %d SYNs unanswered from %v", d.Announced, d.SYNs, d.Client)
				}
				if d.Announced == port {
					got = d
				}
			}
			if got == nil || got.Outcome != OutcomeTransferred || got.Client != newCli || got.TotalBytes() != 192 {
				t.Errorf("the second 227's connection: %+v; want transferred from %v, 192 bytes", got, newCli)
			}
		})
	}
}
