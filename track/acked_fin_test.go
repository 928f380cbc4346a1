package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestAckProvenFINEndsTheTransfer guards a transfer whose last segment
// and FIN the capture lost (rev-lossy thin/clean-lost-finseg: the last
// 344 bytes and the FIN of a 3,000,000-byte RETR): the client's FIN
// acknowledges ISN+1+size+1, all the bytes and the server's FIN. It read
// "2999656 bytes; ended by capture-end; server announced 3000000 bytes,
// 2999656 moved". At the connection's end the acknowledged bytes count,
// the last sequence number as the FIN, never a byte, and with the
// receiver's own FIN the connection ended by its FINs; not when the size
// the server announced says the file ended elsewhere (a client that
// closed early), nor without the receiver's FIN (the close is not seen),
// nor on an acknowledgment further ahead than any window (forged).
func TestAckProvenFINEndsTheTransfer(t *testing.T) {
	const size = 3000
	a := netip.AddrPortFrom(cli.Addr(), 50001)
	b := netip.MustParseAddrPort("192.0.2.10:40001")
	for _, tc := range []struct {
		name      string
		announced string // the 150's text
		lost      int    // bytes at the end the capture lost with the FIN
		clientFIN bool   // the client's FIN (else its ACK alone)
		ackPast   uint32 // the client's acknowledgment past the file's end and the FIN
		wantBytes int64
		wantEnd   EndReason
	}{
		{"last segment and FIN lost, client closed", "(3000 bytes)", 344, true, 0, size, EndFIN},
		{"FIN alone lost, client closed", "(3000 bytes)", 0, true, 0, size, EndFIN},
		{"no size announced", "", 344, true, 0, size, EndFIN},
		{"client's ACK alone: its close not seen", "(3000 bytes)", 344, false, 0, size, EndCaptureEnd},
		{"client closed short of the announced size", "(4000 bytes)", 344, true, 0, size, EndCaptureEnd},
		{"acknowledgment past any window", "", 344, true, 10 << 20, size - 344, EndCaptureEnd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,65).")
			s.cmd("RETR", "big.bin")
			s.reply(150, "Opening BINARY mode data connection for big.bin "+tc.announced)
			s.segAck(a, b, decode.FlagSYN, 1000, 0, 0)
			s.segAck(b, a, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.segAck(a, b, decode.FlagACK, 1001, 5001, 0)
			seen := size - tc.lost
			for sent := 0; sent < seen; {
				k := min(1000, seen-sent)
				s.segAck(b, a, decode.FlagACK, 5001+uint32(sent), 1001, k)
				sent += k
				s.segAck(a, b, decode.FlagACK, 1001, 5001+uint32(sent), 0)
			}
			// The rest of the file and the server's FIN: lost. The
			// client acknowledges both.
			fl := decode.FlagACK
			if tc.clientFIN {
				fl |= decode.FlagFIN
			}
			s.segAck(a, b, fl, 1001, 5001+size+1+tc.ackPast, 0)
			s.reply(226, "Transfer complete.")
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			sess := s.end()
			if len(sess.Data) != 1 {
				t.Fatalf("%d data connections", len(sess.Data))
			}
			dc := sess.Data[0]
			if dc.Bytes[1] != tc.wantBytes || dc.EndReason != tc.wantEnd {
				t.Errorf("%d bytes, ended by %v; want %d, %v", dc.Bytes[1], dc.EndReason, tc.wantBytes, tc.wantEnd)
			}
			if fin := dc.FINTS[1]; (tc.wantEnd == EndFIN) != !fin.IsZero() || tc.wantEnd == EndFIN && (!fin.Equal(dc.FINTS[0]) || !dc.End.Equal(fin)) {
				t.Errorf("server's FIN at %v, client's %v, end %v", fin, dc.FINTS[0], dc.End)
			}
		})
	}
}

// TestEndWaitsForPayloadBeforeFIN guards --extract on a TAP capture
// whose server port is late: both FINs came while decode's payload
// reassembly still waited for bytes before the server's FIN
// (decode.Segment.PayloadWaits), which come after them. The connection
// was final, and its file closed, at the second FIN: the late bytes were
// dropped and the file lost its last kilobytes. It ends by its FINs as
// before, final once decode says its bytes are all delivered (DataEnd),
// or, should decode never say, a while after; an RST meanwhile changes
// nothing.
func TestEndWaitsForPayloadBeforeFIN(t *testing.T) {
	a := netip.AddrPortFrom(cli.Addr(), 50001)
	b := netip.MustParseAddrPort("192.0.2.10:40001")
	for _, tc := range []struct {
		name string
		end  func(s *session)
	}{
		{"decode's DataEnd", func(s *session) { s.trk.DataEnd(b, a) }},
		{"no word from decode", func(s *session) {
			s.tick(dataIdleAfterSession + time.Second)
			s.trk.Tick(s.now)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,65).")
			s.cmd("RETR", "big.bin")
			s.reply(150, "Opening BINARY mode data connection for big.bin (3000 bytes)")
			s.segAck(a, b, decode.FlagSYN, 1000, 0, 0)
			s.segAck(b, a, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.segAck(a, b, decode.FlagACK, 1001, 5001, 0)
			s.segAck(b, a, decode.FlagACK, 5001, 1001, 2000)
			s.segAck(b, a, decode.FlagACK|decode.FlagFIN, 7001, 1001, 1000)
			s.num++
			s.tick(time.Millisecond)
			fin := decode.Segment{Num: s.num, TS: s.now, Src: a, Dst: b, Flags: decode.FlagACK | decode.FlagFIN, Seq: 1001, Ack: 8002, PayloadWaits: true}
			s.trk.Segment(&fin)
			s.reply(226, "Transfer complete.")
			dc := s.trk.lookupData(a, b)
			if dc == nil || dc.Done || len(s.rec.data) != 0 {
				t.Fatalf("final at the second FIN while decode waits for its bytes (%v)", dc)
			}
			s.segAck(b, a, decode.FlagRST, 8002, 0, 0) // ends nothing more
			tc.end(s)
			if !dc.Done || dc.EndReason != EndFIN || !dc.End.Equal(fin.TS) || dc.Bytes[1] != 3000 {
				t.Errorf("done %v, ended by %v at %v, %d bytes; want done by FIN at %v, 3000 bytes", dc.Done, dc.EndReason, dc.End, dc.Bytes[1], fin.TS)
			}
			if len(s.rec.data) != 1 {
				t.Errorf("%d data records after its end, want 1", len(s.rec.data))
			}
		})
	}
}
