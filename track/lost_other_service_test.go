package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// otherConn is a connection of the client's to another service of the
// server (8443), whose SYN the capture lost: its SYN-ACK, the
// handshake's ACK, then a request of n bytes from the client (n 0: none).
func (s *session) otherConn(other, cliOther netip.AddrPort, n int) {
	s.segAck(other, cliOther, decode.FlagSYN|decode.FlagACK, 4000, 3001, 0)
	s.segAck(cliOther, other, decode.FlagACK, 3001, 4001, 0)
	if n > 0 {
		s.segAck(cliOther, other, decode.FlagACK|decode.FlagPSH, 3001, 4001, n)
	}
}

// TestLostPickRefutedByBytesTheWrongWay: the capture lost a PASV's 227
// (and the data SYNs); the client's only connection to the server in the
// window a lost reply's connection is found in is to another service
// (8443, a request and its answer), the transfer's own not in the
// capture. Taken by peers and time (MatchAnnounceLost), it carried bytes
// the way the transfer's data never goes (a RETR's to the server, a
// STOR's to the client): another service's, given back, so no data
// connection is reported and no port claimed, and the transfer is what
// its 150 and 226 say. Before, lost-other-only.pcap read "data #1 PASV
// (reply lost) inferred 10.1.0.20:8443 transferred: 20 bytes" and "the
// data connection worked", with 8443 a passive port. The transfer's own
// connection, its bytes one way, is kept; so is one of a session whose
// data is TLS (PROT P), whose handshake goes both ways.
func TestLostPickRefutedByBytesTheWrongWay(t *testing.T) {
	other := netip.MustParseAddrPort("192.0.2.10:8443")
	cliOther := netip.MustParseAddrPort("198.51.100.7:41000")
	for _, tc := range []struct {
		name string
		verb string
		// request: bytes the client sends on the connection before the
		// gap shows; toClient, toServer: bytes each way after the
		// transfer command (toClient after the 226 when late).
		request, toClient, toServer int
		late                        bool
		kept                        bool
	}{
		{"RETR: a request before the gap, its answer after the 226", "RETR", 10, 10, 0, true, false},
		{"RETR: the request after the RETR, answered", "RETR", 0, 10, 10, false, false},
		{"LIST: a request after the LIST", "LIST", 0, 0, 10, false, false},
		{"STOR: the server speaks first", "STOR", 0, 10, 0, false, false},
		{"RETR: the file to the client only", "RETR", 0, 3000, 0, false, true},
		{"STOR: the file to the server only", "STOR", 0, 0, 3000, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			s.cmd("PASV", "")
			s.otherConn(other, cliOther, tc.request)
			s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48}) // 227 Entering Passive Mode (192,0,2,10,195,80).
			s.cmd(tc.verb, "f")
			s.reply(150, "Opening BINARY mode data connection for f (3000 bytes).")
			cseq, sseq := uint32(3001+tc.request), uint32(4001)
			if tc.toServer > 0 {
				s.segAck(cliOther, other, decode.FlagACK|decode.FlagPSH, cseq, sseq, tc.toServer)
				cseq += uint32(tc.toServer)
			}
			if tc.toClient > 0 && !tc.late {
				s.segAck(other, cliOther, decode.FlagACK|decode.FlagPSH, sseq, cseq, tc.toClient)
				sseq += uint32(tc.toClient)
			}
			if tc.kept {
				// The transfer's own connection closes before its 226.
				s.segAck(cliOther, other, decode.FlagFIN|decode.FlagACK, cseq, sseq, 0)
				s.segAck(other, cliOther, decode.FlagFIN|decode.FlagACK, sseq, cseq+1, 0)
				s.segAck(cliOther, other, decode.FlagACK, cseq+1, sseq+1, 0)
			}
			s.reply(226, "Transfer complete.")
			if tc.late {
				s.tick(500 * time.Millisecond)
				s.segAck(other, cliOther, decode.FlagACK|decode.FlagPSH, sseq, cseq, tc.toClient)
			}
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			sess := s.end()
			if !tc.kept {
				for _, d := range s.rec.data {
					t.Errorf("data connection %v -> %v reported (%v, %v, bytes %v); want none", d.Client, d.Server, d.Match, d.Outcome, d.Bytes)
				}
				if sess.DataCount != 0 || len(sess.Data) != 0 {
					t.Errorf("the session counts %d data connections (%d kept); want none", sess.DataCount, len(sess.Data))
				}
				for _, c := range s.rec.commands {
					if len(c.Transfer) > 0 || c.Data != nil {
						t.Errorf("%s still holds a data connection (%d used, %v announced)", c.Verb, len(c.Transfer), c.Data)
					}
				}
				return
			}
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data connections reported, want 1", len(s.rec.data))
			}
			if d := s.rec.data[0]; d.Match != MatchAnnounceLost || d.Outcome != OutcomeTransferred || d.TotalBytes() != 3000 {
				t.Errorf("data connection %v -> %v (%v, %v, %d bytes); want announcement-lost, transferred, 3000 bytes", d.Client, d.Server, d.Match, d.Outcome, d.TotalBytes())
			}
		})
	}
}

// TestLostPickTLSBothWaysKept: a session whose data is TLS (PROT P,
// after AUTH TLS and CCC, the control connection clear again) whose
// 227 the capture lost: its data connection's handshake goes both ways,
// and the connection is not refuted for it (lostPickWrongWay).
func TestLostPickTLSBothWaysKept(t *testing.T) {
	s := newSession(t)
	s.login()
	sess := s.trk.sessions.All()[0]
	sess.prot = protProtected
	s.cmd("PASV", "")
	other := netip.MustParseAddrPort("192.0.2.10:40000")
	cliData := netip.MustParseAddrPort("198.51.100.7:41000")
	s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48})
	s.cmd("RETR", "f")
	s.otherConn(other, cliData, 0)
	s.reply(150, "Opening BINARY mode data connection for f (3000 bytes).")
	s.segAck(cliData, other, decode.FlagACK|decode.FlagPSH, 3001, 4001, 300) // ClientHello
	s.segAck(other, cliData, decode.FlagACK|decode.FlagPSH, 4001, 3301, 3000)
	s.segAck(other, cliData, decode.FlagFIN|decode.FlagACK, 7001, 3301, 0)
	s.segAck(cliData, other, decode.FlagFIN|decode.FlagACK, 3301, 7002, 0)
	s.reply(226, "Transfer complete.")
	s.end()
	if len(s.rec.data) != 1 || s.rec.data[0].Match != MatchAnnounceLost {
		t.Fatalf("%d data connections reported; want the TLS one, announcement-lost", len(s.rec.data))
	}
}

// TestLostPickGivesWayToQuietOne: the capture lost a PASV's 227 and the
// data SYNs; two SYN-ACKs from the server to the client are held till
// the gap shows (at the RETR): first another service's (8443), whose
// client had sent a request on it by then, then the transfer's. The
// client of a passive data connection sends nothing on it before its
// transfer command, so the one that carried its bytes gives way
// (takeHeldLost, heldSpoke) and the transfer's is taken, with its 3000
// bytes. Before, the 8443 one, held first, was taken, and 8443 read as
// the passive port (lost-other-open.pcap).
func TestLostPickGivesWayToQuietOne(t *testing.T) {
	other := netip.MustParseAddrPort("192.0.2.10:8443")
	cliOther := netip.MustParseAddrPort("198.51.100.7:41000")
	srvData := netip.MustParseAddrPort("192.0.2.10:50000")
	cliData := netip.MustParseAddrPort("198.51.100.7:40001")
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.otherConn(other, cliOther, 10)
	s.segAck(srvData, cliData, decode.FlagSYN|decode.FlagACK, 9000, 7001, 0)
	s.segAck(cliData, srvData, decode.FlagACK, 7001, 9001, 0)
	s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48})
	s.cmd("RETR", "f")
	s.reply(150, "Opening BINARY mode data connection for f (3000 bytes).")
	for i := range 3 {
		s.segAck(srvData, cliData, decode.FlagACK|decode.FlagPSH, 9001+uint32(i)*1000, 7001, 1000)
	}
	s.segAck(srvData, cliData, decode.FlagFIN|decode.FlagACK, 12001, 7001, 0)
	s.segAck(cliData, srvData, decode.FlagFIN|decode.FlagACK, 7001, 12002, 0)
	s.reply(226, "Transfer complete.")
	s.segAck(other, cliOther, decode.FlagACK|decode.FlagPSH, 4001, 3011, 10)
	s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data connections reported, want 1", len(s.rec.data))
	}
	if d := s.rec.data[0]; d.Server != srvData || d.Outcome != OutcomeTransferred || d.TotalBytes() != 3000 {
		t.Errorf("data connection %v -> %v (%v, %d bytes); want %v -> %v transferred, 3000 bytes", d.Client, d.Server, d.Outcome, d.TotalBytes(), cliData, srvData)
	}
}

// TestDurationFromSynAckWhenSYNLost: a data connection the capture holds
// from its SYN-ACK to its close, its SYN lost (with the 227), lasted from
// that SYN-ACK to its end (Duration). Before, with no SYN, it had none,
// and lost-real.pcap's transfer read "3000 bytes" with no time.
func TestDurationFromSynAckWhenSYNLost(t *testing.T) {
	srvData := netip.MustParseAddrPort("192.0.2.10:50000")
	cliData := netip.MustParseAddrPort("198.51.100.7:40001")
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.segAck(srvData, cliData, decode.FlagSYN|decode.FlagACK, 9000, 7001, 0)
	synAck := s.now
	s.segAck(cliData, srvData, decode.FlagACK, 7001, 9001, 0)
	s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48})
	s.cmd("RETR", "f")
	s.reply(150, "Opening BINARY mode data connection for f (3000 bytes).")
	for i := range 3 {
		s.tick(10 * time.Millisecond)
		s.segAck(srvData, cliData, decode.FlagACK|decode.FlagPSH, 9001+uint32(i)*1000, 7001, 1000)
	}
	s.segAck(srvData, cliData, decode.FlagFIN|decode.FlagACK, 12001, 7001, 0)
	s.segAck(cliData, srvData, decode.FlagFIN|decode.FlagACK, 7001, 12002, 0)
	s.reply(226, "Transfer complete.")
	s.end()
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data connections reported, want 1", len(s.rec.data))
	}
	d := s.rec.data[0]
	if d.SYNs != 0 || d.SynAckTS != synAck || d.End.IsZero() {
		t.Fatalf("%d SYNs, SYN-ACK at %v, end %v; want no SYN, the SYN-ACK at %v, an end", d.SYNs, d.SynAckTS, d.End, synAck)
	}
	if got, want := d.Duration(), d.End.Sub(synAck); got != want || got <= 0 {
		t.Errorf("Duration %v; want %v, from the SYN-ACK to the end", got, want)
	}
}

// TestLostTransferCarriedKept: the capture lost a PASV's 227 and the
// RETR after it (gaps of both sides' control bytes) and the data SYN;
// the connection from the client to the server's unprivileged port, from
// its SYN-ACK, was open when the 150 to the lost command came, and
// carried the file one way. It is that transfer's connection
// (lostTransferCarried), reported with no transfer command. Before, no
// visible transfer used it and it was dropped: vs-lost-227-syn-ack.pcap's
// 3 MB transfer read "data: none". One whose bytes go both ways is still
// dropped.
func TestLostTransferCarriedKept(t *testing.T) {
	srvData := netip.MustParseAddrPort("192.0.2.10:40053")
	cliData := netip.MustParseAddrPort("198.51.100.7:55878")
	for _, tc := range []struct {
		name    string
		request int // bytes from the client before the file
		kept    bool
	}{
		{"the file one way, the 150 while it ran", 0, true},
		{"a request and an answer", 20, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			s.cmd("PASV", "")
			s.ctl(decode.ControlEvent{Kind: decode.ControlGap, FromClient: true, Gap: 14}) // RETR big.bin
			s.segAck(srvData, cliData, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.segAck(cliData, srvData, decode.FlagACK, 1001, 5001, 0)
			s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48}) // 227 Entering Passive Mode (192,0,2,10,156,117).
			cseq := uint32(1001)
			if tc.request > 0 {
				s.segAck(cliData, srvData, decode.FlagACK|decode.FlagPSH, cseq, 5001, tc.request)
				cseq += uint32(tc.request)
			}
			s.reply(150, "Opening BINARY mode data connection for big.bin (3000 bytes).")
			for i := range 3 {
				s.segAck(srvData, cliData, decode.FlagACK|decode.FlagPSH, 5001+uint32(i)*1000, cseq, 1000)
			}
			s.segAck(srvData, cliData, decode.FlagFIN|decode.FlagACK, 8001, cseq, 0)
			s.segAck(cliData, srvData, decode.FlagFIN|decode.FlagACK, cseq, 8002, 0)
			s.reply(226, "Transfer complete.")
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if !tc.kept {
				for _, d := range s.rec.data {
					t.Errorf("data connection %v -> %v reported (%v, %v, bytes %v); want none", d.Client, d.Server, d.Match, d.Outcome, d.Bytes)
				}
				return
			}
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data connections reported, want 1", len(s.rec.data))
			}
			if d := s.rec.data[0]; d.Match != MatchAnnounceLost || d.Outcome != OutcomeTransferred || d.TotalBytes() != 3000 || d.Server != srvData {
				t.Errorf("data connection %v -> %v (%v, %v, %d bytes); want %v -> %v announcement-lost, transferred, 3000 bytes", d.Client, d.Server, d.Match, d.Outcome, d.TotalBytes(), cliData, srvData)
			}
		})
	}
}
