package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestFINPastUndeliveredBytesMovedNothing guards a download captured on
// the client's side behind a path MTU black hole (rv-real2
// pmtu-small-client: report.txt, 4640 bytes): the server's full-size
// segments never arrived, its small FIN did, at ISN+1+4640; the client
// acknowledged the FIN's place only (its ACK at ISN+1, a SACK of the
// FIN) and closed 10 s later still at ISN+1. It read "transferred: 4640
// bytes; ended by fin", the data connection working. Bytes the receiver,
// seen after the FIN, never acknowledged moved nothing: connected, the
// bytes LostBeforeFIN. The FIN still counts the bytes before it as the
// capture's loss when the receiver acknowledged them, or when nothing
// of the receiver's came a retransmission timeout after the FIN (a
// capture that ended, an ACK that may have been sent before the bytes
// could arrive). An RST|ACK is an acknowledgment too: one of the FIN
// (a client closing with linger 0 once it has the file) is no proof of a
// loss.
func TestFINPastUndeliveredBytesMovedNothing(t *testing.T) {
	const size = 4640
	a := netip.AddrPortFrom(cli.Addr(), 59004)
	b := netip.MustParseAddrPort("192.0.2.10:40030")
	for _, tc := range []struct {
		name      string
		after     func(s *session) // the client's segments after the server's FIN
		wantBytes int64
		wantLost  int64
		want      Outcome
	}{
		{"client acknowledges the FIN's place only, then closes without the bytes", func(s *session) {
			s.segAck(a, b, decode.FlagACK, 1001, 5001, 0) // (its SACK of the FIN)
			s.tick(10 * time.Second)
			s.segAck(a, b, decode.FlagACK|decode.FlagFIN, 1001, 5001, 0)
			s.segAck(b, a, decode.FlagACK, 5001+size+1, 1002, 0)
		}, 0, size, OutcomeConnected},
		{"client resets without the bytes", func(s *session) {
			s.segAck(a, b, decode.FlagACK, 1001, 5001, 0)
			s.tick(3 * time.Second)
			s.segAck(a, b, decode.FlagRST|decode.FlagACK, 1001, 5001, 0)
		}, 0, size, OutcomeConnected},
		{"client acknowledges part of them, then closes", func(s *session) {
			s.segAck(a, b, decode.FlagACK, 1001, 5001+1448, 0)
			s.tick(10 * time.Second)
			s.segAck(a, b, decode.FlagACK|decode.FlagFIN, 1001, 5001+1448, 0)
			s.segAck(b, a, decode.FlagACK, 5001+size+1, 1002, 0)
		}, 1448, size - 1448, OutcomeTransferred},
		{"client acknowledges them and the FIN: the capture lost them", func(s *session) {
			s.segAck(a, b, decode.FlagACK, 1001, 5001+size+1, 0)
			s.tick(10 * time.Second)
			s.segAck(a, b, decode.FlagACK|decode.FlagFIN, 1001, 5001+size+1, 0)
			s.segAck(b, a, decode.FlagACK, 5001+size+1, 1002, 0)
		}, size, 0, OutcomeTransferred},
		// rv-rta finhole-rstack.pcap: an RST carrying ACK is an ACK.
		{"client resets with an RST|ACK of the bytes and the FIN: the capture lost them", func(s *session) {
			s.segAck(a, b, decode.FlagRST|decode.FlagACK, 1001, 5001+size+1, 0)
		}, size, 0, OutcomeTransferred},
		{"a short acknowledgment, then an RST|ACK of them all", func(s *session) {
			s.segAck(a, b, decode.FlagACK, 1001, 5001, 0)
			s.tick(2 * time.Second)
			s.segAck(a, b, decode.FlagRST|decode.FlagACK, 1001, 5001+size+1, 0)
		}, size, 0, OutcomeTransferred},
		{"client resets with an RST|ACK of part of them", func(s *session) {
			s.segAck(a, b, decode.FlagRST|decode.FlagACK, 1001, 5001+1448, 0)
		}, 1448, size - 1448, OutcomeTransferred},
		{"a short acknowledgment at once, then the capture ends: not shown", func(s *session) {
			s.segAck(a, b, decode.FlagACK, 1001, 5001, 0)
		}, size, 0, OutcomeTransferred},
		{"a short acknowledgment, then one of them all", func(s *session) {
			s.segAck(a, b, decode.FlagACK, 1001, 5001, 0)
			s.tick(2 * time.Second)
			s.segAck(a, b, decode.FlagACK, 1001, 5001, 0)
			s.segAck(a, b, decode.FlagACK|decode.FlagFIN, 1001, 5001+size+1, 0)
			s.segAck(b, a, decode.FlagACK, 5001+size+1, 1002, 0)
		}, size, 0, OutcomeTransferred},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("EPSV", "")
			s.reply(229, "Entering Extended Passive Mode (|||40030|)")
			s.cmd("RETR", "report.txt")
			s.reply(150, "Opening BINARY mode data connection for report.txt (4640 bytes).")
			s.segAck(a, b, decode.FlagSYN, 1000, 0, 0)
			s.segAck(b, a, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.segAck(a, b, decode.FlagACK, 1001, 5001, 0)
			// The data: never in the capture. The server's FIN after it.
			s.segAck(b, a, decode.FlagACK|decode.FlagFIN, 5001+size, 1001, 0)
			tc.after(s)
			sess := s.end()
			if len(sess.Data) != 1 {
				t.Fatalf("%d data connections", len(sess.Data))
			}
			dc := sess.Data[0]
			lost, ok := dc.LostBeforeFIN()
			if dc.Bytes[1] != tc.wantBytes || dc.Outcome != tc.want || lost.Bytes != tc.wantLost || ok != (tc.wantLost > 0) {
				t.Errorf("%d bytes, %v, lost before the FIN %+v (%v); want %d bytes, %v, %d lost", dc.Bytes[1], dc.Outcome, lost, ok, tc.wantBytes, tc.want, tc.wantLost)
			}
			if ok && lost.Sender != b {
				t.Errorf("lost bytes' sender %v, want the server's %v", lost.Sender, b)
			}
			if _, stuck := dc.Stuck(); stuck {
				t.Error("read as resent bytes: none was seen")
			}
		})
	}
}

// TestAckOfWholeFilePastWindowCounts guards a client capture whose
// tcpdump lost the last ~300 KB of a 4 MiB RETR, the acknowledgments
// between, the server's FIN and the 226 (rv-real2 capdrop-client): the
// client's FIN acknowledged ISN+1+4194304+1, the whole file and the FIN,
// further past the last byte seen than its window. It read "server
// announced 4194304 bytes, 3882704 moved; ended by capture-end". An
// acknowledgment landing on the end of the file the server announced
// (and its FIN) counts however far: the bytes were delivered, the
// capture missed them (AckedUnseen). One landing elsewhere that far is
// still not taken (a forgery's).
func TestAckOfWholeFilePastWindowCounts(t *testing.T) {
	const size, seen = 400000, 300000
	a := netip.AddrPortFrom(cli.Addr(), 49650)
	b := netip.MustParseAddrPort("192.0.2.10:40028")
	for _, tc := range []struct {
		name      string
		ack       uint32
		wantBytes int64
		wantEnd   EndReason
	}{
		{"the whole file and the FIN", 5001 + size + 1, size, EndFIN},
		{"as far, but not the file's end", 5001 + size + 1001, seen, EndCaptureEnd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("EPSV", "")
			s.reply(229, "Entering Extended Passive Mode (|||40028|)")
			s.cmd("RETR", "big.bin")
			s.reply(150, "Opening BINARY mode data connection for big.bin (400000 bytes).")
			s.segAck(a, b, decode.FlagSYN, 1000, 0, 0)
			s.segAck(b, a, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.segAck(a, b, decode.FlagACK, 1001, 5001, 0)
			for sent := 0; sent < seen; sent += 10000 {
				s.segAck(b, a, decode.FlagACK, 5001+uint32(sent), 1001, 10000)
				s.segAck(a, b, decode.FlagACK, 1001, 5001+uint32(sent)+10000, 0)
			}
			s.segAck(a, b, decode.FlagACK|decode.FlagFIN, 1001, tc.ack, 0)
			s.segAck(b, a, decode.FlagACK, 5001+size+1, 1002, 0)
			sess := s.end()
			dc := sess.Data[0]
			if dc.Bytes[1] != tc.wantBytes || dc.EndReason != tc.wantEnd {
				t.Errorf("%d bytes, ended by %v; want %d, %v", dc.Bytes[1], dc.EndReason, tc.wantBytes, tc.wantEnd)
			}
			from, n := dc.AckedUnseen()
			if want := tc.wantBytes - seen; n != want || n > 0 && from != b {
				t.Errorf("acknowledged unseen: %d bytes from %v, want %d from %v", n, from, want, b)
			}
		})
	}
}

// TestFINHoleResetAfterFinalReplyReadOnce guards the receiver's RST
// after a FIN past a hole, when the transfer's final reply came first:
// the RST is not held for it, and goes on through dataSegment past the
// verdicts, where the receiver's other segments are read for the hole
// (finHoleReceiver); read there a second time it moved nothing more (the
// reading is idempotent), and is read by its verdict only now. What the
// RST acknowledges counts once: all of them, part, or none.
func TestFINHoleResetAfterFinalReplyReadOnce(t *testing.T) {
	const size = 4640
	a := netip.AddrPortFrom(cli.Addr(), 59004)
	b := netip.MustParseAddrPort("192.0.2.10:40030")
	for _, tc := range []struct {
		name                string
		ack                 uint32
		wantBytes, wantLost int64
	}{
		{"an RST|ACK of them all", 5001 + size + 1, size, 0},
		{"an RST|ACK of part of them", 5001 + 1448, 1448, size - 1448},
		{"an RST|ACK of none of them", 5001, 0, size},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("EPSV", "")
			s.reply(229, "Entering Extended Passive Mode (|||40030|)")
			s.cmd("RETR", "report.txt")
			s.reply(150, "Opening BINARY mode data connection for report.txt (4640 bytes).")
			s.segAck(a, b, decode.FlagSYN, 1000, 0, 0)
			s.segAck(b, a, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.segAck(a, b, decode.FlagACK, 1001, 5001, 0)
			s.segAck(b, a, decode.FlagACK|decode.FlagFIN, 5001+size, 1001, 0)
			s.reply(226, "Transfer complete.")
			s.tick(time.Second)
			s.segAck(a, b, decode.FlagRST|decode.FlagACK, 1001, tc.ack, 0)
			sess := s.end()
			if len(sess.Data) != 1 {
				t.Fatalf("%d data connections", len(sess.Data))
			}
			dc := sess.Data[0]
			lost, _ := dc.LostBeforeFIN()
			if dc.Bytes[1] != tc.wantBytes || lost.Bytes != tc.wantLost {
				t.Errorf("%d bytes, %d lost before the FIN; want %d, %d", dc.Bytes[1], lost.Bytes, tc.wantBytes, tc.wantLost)
			}
		})
	}
}
