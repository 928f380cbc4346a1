package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// segWP is segAck with a window field and a gap of d before it.
func (s *session) segWP(d time.Duration, src, dst netip.AddrPort, flags decode.TCPFlags, seq, ack uint32, win uint16, payload int) {
	s.tick(d)
	s.num++
	s.tick(time.Millisecond)
	seg := decode.Segment{Num: s.num, TS: s.now, Src: src, Dst: dst, Flags: flags, Seq: seq, Ack: ack, Window: win, Payload: make([]byte, payload), PayloadLen: payload}
	s.trk.Segment(&seg)
}

// TestUnacknowledgedResentBytesDidNotMove guards what a data connection
// moved when its sender sent the same oldest unacknowledged segment again
// and again and its receiver, whose segments the capture holds, never
// acknowledged it (a path MTU black hole seen from the server's side, no
// ICMP in the capture: rev37's pmtu-server.pcap): those bytes never
// arrived, and are neither counted in Bytes nor make the connection
// "transferred". Before, every byte the sender put on the wire counted
// (transferred: 2896 bytes). Ordinary retransmissions that get
// acknowledged, window probes into a closed window, and a capture that
// holds the sender's side only (nothing says what arrived) keep every
// byte.
func TestUnacknowledgedResentBytesDidNotMove(t *testing.T) {
	const cISN, sISN = 1000, 5000
	c, v := pcDataCli, pcDataSrv
	A := decode.FlagACK
	handshake := func(s *session) {
		s.segWP(0, c, v, decode.FlagSYN, cISN, 0, 64240, 0)
		s.segWP(0, v, c, decode.FlagSYN|A, sISN, cISN+1, 65160, 0)
		s.segWP(0, c, v, A, cISN+1, sISN+1, 502, 0)
	}
	resend := func(s *session, seq uint32, n, times int) {
		rto := 300 * time.Millisecond
		for range times {
			s.segWP(rto, v, c, A, seq, cISN+1, 509, n)
			rto *= 2
		}
	}
	for _, tc := range []struct {
		name      string
		drive     func(s *session)
		final     int
		bytes     int64 // server to client
		outcome   Outcome
		stuck     int64 // 0: none
		large     bool
		resends   int
		bigAcked  bool
		stuckSeen bool
	}{
		{"full-size segments sent again and again, never acknowledged", func(s *session) {
			handshake(s)
			s.segWP(0, v, c, A, sISN+1, cISN+1, 509, 1448)
			s.segWP(0, v, c, A, sISN+1449, cISN+1, 509, 1448)
			resend(s, sISN+1, 1448, 7)
		}, 426, 0, OutcomeConnected, 2896, true, 7, false, true},
		{"a small segment acknowledged, then full-size ones never", func(s *session) {
			handshake(s)
			s.segWP(0, v, c, A, sISN+1, cISN+1, 509, 300)
			s.segWP(0, c, v, A, cISN+1, sISN+301, 502, 0)
			s.segWP(0, v, c, A, sISN+301, cISN+1, 509, 1448)
			s.segWP(0, v, c, A, sISN+1749, cISN+1, 509, 1448)
			resend(s, sISN+301, 1448, 8)
		}, 426, 300, OutcomeTransferred, 2896, true, 8, false, true},
		{"small segments sent again, never acknowledged", func(s *session) {
			handshake(s)
			s.segWP(0, v, c, A, sISN+1, cISN+1, 509, 500)
			resend(s, sISN+1, 500, 3)
		}, 426, 0, OutcomeConnected, 500, false, 3, false, true},
		{"a full-size segment acknowledged before the stall", func(s *session) {
			handshake(s)
			s.segWP(0, v, c, A, sISN+1, cISN+1, 509, 1448)
			s.segWP(0, c, v, A, cISN+1, sISN+1449, 502, 0)
			s.segWP(0, v, c, A, sISN+1449, cISN+1, 509, 1448)
			resend(s, sISN+1449, 1448, 4)
		}, 426, 1448, OutcomeTransferred, 1448, true, 4, true, true},
		{"ordinary retransmissions, acknowledged", func(s *session) {
			handshake(s)
			s.segWP(0, v, c, A, sISN+1, cISN+1, 509, 1448)
			s.segWP(0, v, c, A, sISN+1449, cISN+1, 509, 1448)
			resend(s, sISN+1, 1448, 3)
			s.segWP(0, c, v, A, cISN+1, sISN+2897, 502, 0)
			s.segWP(0, v, c, decode.FlagFIN|A, sISN+2897, cISN+1, 509, 0)
			s.segWP(0, c, v, decode.FlagFIN|A, cISN+1, sISN+2898, 502, 0)
		}, 226, 2896, OutcomeTransferred, 0, false, 0, false, false},
		{"sent again, then new data: the capture lost the acknowledgment", func(s *session) {
			handshake(s)
			s.segWP(0, v, c, A, sISN+1, cISN+1, 509, 1448)
			resend(s, sISN+1, 1448, 3)
			s.segWP(0, v, c, A, sISN+1449, cISN+1, 509, 1448)
			s.segWP(0, v, c, decode.FlagRST|A, sISN+2897, cISN+1, 0, 0)
		}, 426, 2896, OutcomeTransferred, 0, false, 0, false, false},
		{"window probes into a closed window", func(s *session) {
			handshake(s)
			s.segWP(0, v, c, A, sISN+1, cISN+1, 509, 1000)
			s.segWP(0, c, v, A, cISN+1, sISN+1001, 0, 0)
			for range 4 {
				s.segWP(time.Second, v, c, A, sISN+1001, cISN+1, 509, 1)
				s.segWP(0, c, v, A, cISN+1, sISN+1001, 0, 0)
			}
		}, 426, 1001, OutcomeTransferred, 0, false, 0, false, false},
		{"the server's side only: its SYN-ACK and data, no segment of the client's", func(s *session) {
			s.segWP(0, v, c, decode.FlagSYN|A, sISN, cISN+1, 65160, 0)
			s.segWP(0, v, c, A, sISN+1, cISN+1, 509, 1448)
			resend(s, sISN+1, 1448, 5)
		}, 426, 1448, OutcomeTransferred, 0, false, 0, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, pcPASV)
			s.cmd("RETR", "big.iso")
			s.reply(150, "Opening BINARY mode data connection for big.iso.")
			tc.drive(s)
			s.tick(time.Second)
			if tc.final == 426 {
				s.reply(426, "Failure writing network stream.")
				s.segWP(0, v, c, decode.FlagRST|A, sISN+1+uint32(tc.bytes+tc.stuck), cISN+1, 0, 0)
			} else {
				s.reply(tc.final, "Transfer complete.")
			}
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			dc := onlyData(t, s)
			if dc.Bytes[1] != tc.bytes || dc.Outcome != tc.outcome {
				t.Errorf("bytes %d, outcome %s; want %d, %s", dc.Bytes[1], dc.Outcome, tc.bytes, tc.outcome)
			}
			st, ok := dc.Stuck()
			if ok != tc.stuckSeen {
				t.Fatalf("Stuck: %v, want %v (%+v)", ok, tc.stuckSeen, st)
			}
			if !ok {
				return
			}
			if st.Sender != v || st.Bytes != tc.stuck || st.Large != tc.large || st.Resends != tc.resends || st.BigAcked != tc.bigAcked {
				t.Errorf("Stuck %+v; want sender %s, %d bytes, large %v, %d resends, big acked %v", st, v, tc.stuck, tc.large, tc.resends, tc.bigAcked)
			}
		})
	}
}
