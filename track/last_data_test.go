package track

import (
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestLastDataIsWhenNewBytesLastCame guards DataConn.LastData, when a data
// connection last carried bytes not seen before, which tells a transfer
// whose data stopped long before its client's ABOR (a stall given up on)
// from a user's ^C while the data moved, and when a receiver that went
// away stopped answering: there was no such time (DataConn had no room
// for one), and an ABOR after 30 s of silence read as the user's choice.
// A sender's resends of what was never acknowledged are not new; a
// receiver that closed its window says it stopped reading itself
// (WindowClosed).
func TestLastDataIsWhenNewBytesLastCame(t *testing.T) {
	const cISN, sISN = 1000, 5000
	c, v := pcDataCli, pcDataSrv
	A := decode.FlagACK
	for _, tc := range []struct {
		name   string
		drive  func(s *session) time.Time // the time LastData must give
		closed bool
	}{
		{"300 bytes, then silence", func(s *session) time.Time {
			s.segWP(0, v, c, A, sISN+1, cISN+1, 509, 300)
			at := s.now
			s.segWP(0, c, v, A, cISN+1, sISN+301, 502, 0)
			s.tick(30 * time.Second)
			return at
		}, false},
		{"full-size segments resent, never acknowledged", func(s *session) time.Time {
			s.segWP(0, v, c, A, sISN+1, cISN+1, 509, 1448)
			s.segWP(0, v, c, A, sISN+1449, cISN+1, 509, 1448)
			at := s.now
			for rto := 300 * time.Millisecond; rto < 20*time.Second; rto *= 2 {
				s.segWP(rto, v, c, A, sISN+1, cISN+1, 509, 1448)
			}
			return at
		}, false},
		{"the receiver's window closed", func(s *session) time.Time {
			s.segWP(0, v, c, A, sISN+1, cISN+1, 509, 1000)
			at := s.now
			s.segWP(0, c, v, A, cISN+1, sISN+1001, 0, 0)
			for range 4 {
				s.segWP(5*time.Second, v, c, A, sISN+1000, cISN+1, 509, 0) // Linux's window probes (snd_una-1)
				s.segWP(0, c, v, A, cISN+1, sISN+1001, 0, 0)
			}
			return at
		}, true},
		{"nothing after the handshake", func(s *session) time.Time {
			s.tick(30 * time.Second)
			return time.Time{}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, pcPASV)
			s.cmd("RETR", "big.iso")
			s.reply(150, "Opening BINARY mode data connection for big.iso.")
			s.segWP(0, c, v, decode.FlagSYN, cISN, 0, 64240, 0)
			s.segWP(0, v, c, decode.FlagSYN|A, sISN, cISN+1, 65160, 0)
			s.segWP(0, c, v, A, cISN+1, sISN+1, 502, 0)
			want := tc.drive(s)
			s.cmd("ABOR", "")
			s.reply(426, "Failure writing network stream.")
			s.reply(226, "ABOR successful.")
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			dc := onlyData(t, s)
			if got := dc.LastData(); got.Sub(want).Abs() >= time.Millisecond || got.IsZero() != want.IsZero() {
				t.Errorf("LastData %v, want %v", got, want)
			}
			if got := dc.WindowClosed(1); got != tc.closed {
				t.Errorf("WindowClosed(server's bytes) %v, want %v", got, tc.closed)
			}
			if dc.WindowClosed(0) {
				t.Error("WindowClosed(client's bytes): the server's window is open")
			}
		})
	}
}
