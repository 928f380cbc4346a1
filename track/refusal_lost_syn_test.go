package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestRefusalOfALostSYN guards the outcome of a data connection whose SYN
// the capture lost but whose refusal it shows: an RST with ACK from the
// announced endpoint to the peer that connects, on a 4-tuple no earlier
// connection had, answers a SYN that reached the endpoint (an RST that
// answers a SYN acknowledges it, RFC 9293 3.10.7.1). That connection was
// refused, not "not attempted". An RST without ACK, or from another port,
// or late from an earlier connection on the same 4-tuple, refuses nothing.
func TestRefusalOfALostSYN(t *testing.T) {
	dcli := netip.MustParseAddrPort("198.51.100.7:50001")
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	asrv := netip.MustParseAddrPort("192.0.2.10:20")
	const isn = 7777
	passive := func(s *session) {
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	}
	tests := []struct {
		name     string
		run      func(s *session)
		want     Outcome
		syns     int
		from, to netip.AddrPort // the data connection's peers, when seen
	}{
		{"PASV, only the RST+ACK", func(s *session) {
			passive(s)
			s.segAck(dsrv, dcli, ackRST, 0, isn+1, 0)
		}, OutcomeRefused, 0, dcli, dsrv},
		{"EPSV, only the RST+ACK", func(s *session) {
			s.cmd("EPSV", "")
			s.reply(229, "Entering Extended Passive Mode (|||40000|)")
			s.segAck(dsrv, dcli, ackRST, 0, isn+1, 0)
		}, OutcomeRefused, 0, dcli, dsrv},
		{"PORT, only the client's RST+ACK", func(s *session) {
			s.cmd("PORT", "198,51,100,7,195,81")
			s.reply(200, "PORT command successful.")
			s.cmd("LIST", "")
			s.segAck(dcli, asrv, ackRST, 0, isn+1, 0)
			s.reply(425, "Failed to establish connection.")
		}, OutcomeRefused, 0, asrv, dcli},
		{"EPRT, the RST+ACK before the 200", func(s *session) {
			s.cmd("EPRT", "|1|198.51.100.7|50001|")
			s.segAck(dcli, asrv, ackRST, 0, isn+1, 0)
			s.reply(200, "EPRT command successful.")
			s.cmd("LIST", "")
			s.reply(425, "Failed to establish connection.")
		}, OutcomeRefused, 0, asrv, dcli},
		{"PASV, SYN and RST+ACK written before the 227", func(s *session) {
			s.cmd("PASV", "")
			s.segAck(dcli, dsrv, decode.FlagSYN, isn, 0, 0)
			s.segAck(dsrv, dcli, ackRST, 0, isn+1, 0)
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
		}, OutcomeRefused, 1, dcli, dsrv},
		{"PASV, RST+ACK written before the SYN it answers", func(s *session) {
			passive(s)
			s.segAck(dsrv, dcli, ackRST, 0, isn+1, 0)
			s.segAck(dcli, dsrv, decode.FlagSYN, isn, 0, 0)
		}, OutcomeRefused, 1, dcli, dsrv},
		{"PASV, RST+ACK written before the SYN, stamped a 20 ms round trip after it", func(s *session) {
			passive(s)
			t0 := s.now
			s.tick(20 * time.Millisecond)
			s.segAck(dsrv, dcli, ackRST, 0, isn+1, 0)
			s.now = t0 // the queues wrote the SYN second
			s.segAck(dcli, dsrv, decode.FlagSYN, isn, 0, 0)
		}, OutcomeRefused, 1, dcli, dsrv},
		{"PASV, bare RST: it answers no SYN", func(s *session) {
			passive(s)
			s.segAck(dsrv, dcli, decode.FlagRST, 0, 0, 0)
		}, OutcomeNotAttempted, 0, netip.AddrPort{}, netip.AddrPort{}},
		{"PASV, RST+ACK of a nonzero sequence number: the abort of a connection not seen", func(s *session) {
			passive(s)
			s.segAck(dsrv, dcli, ackRST, 123456, isn+1, 0)
		}, OutcomeNotAttempted, 0, netip.AddrPort{}, netip.AddrPort{}},
		{"PASV, RST+ACK from another port", func(s *session) {
			passive(s)
			s.segAck(netip.MustParseAddrPort("192.0.2.10:40001"), dcli, ackRST, 0, isn+1, 0)
		}, OutcomeNotAttempted, 0, netip.AddrPort{}, netip.AddrPort{}},
		{"PASV, RST+ACK then a retry from another port answered", func(s *session) {
			passive(s)
			s.segAck(dsrv, dcli, ackRST, 0, isn+1, 0)
			d2 := netip.MustParseAddrPort("198.51.100.7:50002")
			s.segAck(dsrv, d2, decode.FlagSYN|decode.FlagACK, 9000, 5001, 0)
			s.segAck(d2, dsrv, decode.FlagACK, 5001, 9001, 0)
		}, OutcomeConnected, 0, netip.MustParseAddrPort("198.51.100.7:50002"), dsrv},
	}
	tests = append(tests, []struct {
		name     string
		run      func(s *session)
		want     Outcome
		syns     int
		from, to netip.AddrPort
	}{
		{"PASV, only the ICMP error quoting the SYN", func(s *session) {
			passive(s)
			s.unreachable("192.0.2.1", 13, dcli, dsrv, isn)
		}, OutcomeUnreachable, 0, dcli, dsrv},
		{"PORT, only the ICMP error quoting the server's SYN", func(s *session) {
			s.cmd("PORT", "198,51,100,7,195,81")
			s.reply(200, "PORT command successful.")
			s.cmd("LIST", "")
			s.unreachable("198.51.100.1", 13, asrv, dcli, isn)
			s.reply(425, "Failed to establish connection.")
		}, OutcomeUnreachable, 0, asrv, dcli},
		{"PASV, the ICMP error, then the SYN sent again", func(s *session) {
			passive(s)
			s.unreachable("192.0.2.1", 13, dcli, dsrv, isn)
			s.tick(time.Second)
			s.segAck(dcli, dsrv, decode.FlagSYN, isn, 0, 0)
		}, OutcomeUnreachable, 1, dcli, dsrv},
		{"PASV, fragmentation needed: it quotes no SYN", func(s *session) {
			passive(s)
			s.unreachable("192.0.2.1", 4, dcli, dsrv, isn+1)
		}, OutcomeNotAttempted, 0, netip.AddrPort{}, netip.AddrPort{}},
		{"PASV, an ICMP error quoting a segment from the server", func(s *session) {
			passive(s)
			s.unreachable("198.51.100.1", 13, dsrv, dcli, isn)
		}, OutcomeNotAttempted, 0, netip.AddrPort{}, netip.AddrPort{}},
	}...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			tc.run(s)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tc.want || d.SYNs != tc.syns {
				t.Fatalf("outcome %v with %d SYNs; want %v with %d", d.Outcome, d.SYNs, tc.want, tc.syns)
			}
			if d.Client != tc.from || d.Server != tc.to {
				t.Errorf("peers %v -> %v, want %v -> %v", d.Client, d.Server, tc.from, tc.to)
			}
			if tc.want == OutcomeUnreachable && (d.ICMP == nil || d.ICMP.Num == 0) {
				t.Errorf("unreachable without the ICMP error: %+v", d.ICMP)
			}
			if tc.want == OutcomeRefused && (!d.RSTFromServer || d.RSTTS.IsZero() || d.EndReason != EndRST) {
				t.Errorf("refused without the listener's RST: from server %v at %v, end %v", d.RSTFromServer, d.RSTTS, d.EndReason)
			}
		})
	}
}

// unreachable is an ICMP destination unreachable of code code from from,
// quoting the segment src->dst with sequence number seq.
func (s *session) unreachable(from string, code uint8, src, dst netip.AddrPort, seq uint32) {
	s.num++
	s.tick(time.Millisecond)
	u := decode.Unreachable{Num: s.num, TS: s.now, From: netip.MustParseAddr(from), Type: 3, Code: code, Src: src, Dst: dst, Seq: seq}
	s.trk.Unreachable(&u)
}

// TestLateResetOfAnEarlierConnectionRefusesNothing: a server that hands
// out its passive port again gets, for the second announcement, a late
// RST of the first connection on the same 4-tuple: that is no refusal of
// the second.
func TestLateResetOfAnEarlierConnectionRefusesNothing(t *testing.T) {
	dcli := netip.MustParseAddrPort("198.51.100.7:50001")
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	s.cmd("LIST", "")
	s.reply(150, "Here comes the directory listing.")
	s.handshakeTransfer(dcli, dsrv, 100)
	s.reply(226, "Directory send OK.")
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	s.segAck(dsrv, dcli, ackRST, 5102, 1002, 0)
	s.cmd("QUIT", "")
	s.reply(221, "Goodbye.")
	s.end()
	if len(s.rec.data) != 2 {
		t.Fatalf("%d data records, want 2", len(s.rec.data))
	}
	if d := s.rec.data[1]; d.Outcome != OutcomeNotAttempted {
		t.Errorf("second announcement %v, want %v", d.Outcome, OutcomeNotAttempted)
	}
}
