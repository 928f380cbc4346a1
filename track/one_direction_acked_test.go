package track

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestOneDirectionBytesFromAcks guards a data connection of which the
// capture holds only the opener's half (rev-foreign's asym-data.pcap:
// the client's SYN, its ACKs and its FIN; asymmetric routing took the
// server's segments past the capture point). The client's ACK numbers
// advance by the 3000 bytes of the file (then one more, the server's
// FIN): the bytes flowed, and the record read "connected, no payload"
// (the summary: "made but carried nothing"). Now the side connected to
// is counted from its peer's acknowledgments (AckedOnly), its FIN left
// out; with a segment of that side seen, its own sequence numbers count
// as before.
func TestOneDirectionBytesFromAcks(t *testing.T) {
	dcli := netip.MustParseAddrPort("198.51.100.7:50001")
	dsrv := netip.MustParseAddrPort("192.0.2.10:40002") // (192,0,2,10,156,66)
	const isn = 1020026                                 // the server's, never seen
	tests := []struct {
		name      string
		acks      []uint32 // the client's ACK numbers after its SYN, less isn+1
		finAck    uint32   // the ACK on the client's FIN, less isn+1
		want      int64
		wantOut   Outcome
		ackedOnly bool
	}{
		{"3000 bytes, then the server's FIN", []uint32{0, 1448, 3000}, 3001, 3000, OutcomeTransferred, true},
		{"3000 bytes and the FIN acknowledged at once: the 150's size leaves the FIN out", []uint32{0, 3001}, 3001, 3000, OutcomeTransferred, true},
		{"nothing acknowledged: connected, no payload", []uint32{0}, 0, 0, OutcomeConnected, true},
		// An advance past the largest window TCP can open acknowledges
		// bytes that could not have been in flight: not counted.
		{"an advance past 2^30: forged, not counted", []uint32{0, 1000, 1000 + 0x7fffffff}, 1001, 1000, OutcomeTransferred, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,66).")
			s.cmd("RETR", "big.bin")
			s.segAck(dcli, dsrv, decode.FlagSYN, 351007, 0, 0)
			for _, a := range tc.acks {
				s.segAck(dcli, dsrv, decode.FlagACK, 351008, isn+1+a, 0)
			}
			s.reply(150, "Opening BINARY mode data connection for big.bin (3000 bytes).")
			s.segAck(dcli, dsrv, decode.FlagACK|decode.FlagFIN, 351008, isn+1+tc.finAck, 0)
			s.reply(226, "Transfer complete.")
			sess := s.end()
			dc := sess.Commands[2].Data
			if dc == nil {
				t.Fatal("PASV armed nothing")
			}
			if dc.Outcome != tc.wantOut || dc.Bytes[1] != tc.want || dc.Bytes[0] != 0 || dc.AckedOnly() != tc.ackedOnly {
				t.Errorf("outcome %v bytes %v acked-only %v, want %v, %d to the client, acked-only %v", dc.Outcome, dc.Bytes, dc.AckedOnly(), tc.wantOut, tc.want, tc.ackedOnly)
			}
		})
	}
	t.Run("the side connected to seen: its own segments count", func(t *testing.T) {
		s := newSession(t)
		s.login()
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,66).")
		s.cmd("RETR", "f")
		s.handshakeTransfer(dcli, dsrv, 3000)
		s.reply(226, "Transfer complete.")
		sess := s.end()
		dc := sess.Commands[2].Data
		if dc == nil || dc.AckedOnly() || dc.Bytes[1] != 3000 || dc.Outcome != OutcomeTransferred {
			t.Errorf("data %+v: want 3000 bytes seen, not acked-only", dc)
		}
	})
}
