package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestExactResetOutlivedBySender guards an RST at the sender's next byte
// on a data connection, after which the capture shows its sender going
// on: bytes in sequence, its FIN, or the receiver acknowledging bytes
// sent after it. A stack that reset a connection has none left to send
// on, so such an RST was not its own (forged, or one the receiver dropped
// for a bad checksum: rev-evade's drst_badsum). It ended the connection
// at once, "24 of 49 bytes, ended by rst"; now it is held while the
// transfer command waits for its final reply, and what followed decides.
// An RST nothing outlives still ends the connection, at its own time,
// with the counts it had (bytes that crossed it do not count), and one
// after the final reply ends it at once, reported at once, as before.
func TestExactResetOutlivedBySender(t *testing.T) {
	tests := []struct {
		name    string
		drive   func(c *rstConn)
		end     EndReason
		bytes   [2]int64
		ignored int
	}{
		{"server's exact RST, then its bytes in sequence and FIN (drst_badsum): every byte, ended by FIN", func(c *rstConn) {
			c.handshake()
			c.send(24, true)
			c.srvRST(ackRST, 0)
			c.send(25, true)
			c.close()
		}, EndFIN, [2]int64{0, 49}, 1},
		{"client's exact RST, then its ACK and FIN after the server's next bytes (drst_exact): every byte, ended by FIN", func(c *rstConn) {
			c.handshake()
			c.send(24, true)
			c.s.segAck(c.cli, c.srv, ackRST, rstCliISN+1, c.next(), 0)
			c.send(25, true)
			c.close()
		}, EndFIN, [2]int64{0, 49}, 1},
		{"server's exact RST, then the client's ACK of bytes sent after it: ignored", func(c *rstConn) {
			c.handshake()
			c.send(3000, true)
			c.srvRST(ackRST, 0)
			c.skip(1000) // the capture lost them (the FIN's number counts them)
			c.ack()
			c.close()
		}, EndFIN, [2]int64{0, 4000}, 1},
		{"server's exact RST, then only the client's crossing bytes and ACK: ended by RST, crossing bytes not counted", func(c *rstConn) {
			c.handshake()
			c.send(3000, true)
			c.srvRST(ackRST, 0)
			c.s.segAck(c.cli, c.srv, decode.FlagACK|decode.FlagPSH, rstCliISN+1, c.next(), 100)
			c.ack()
			c.s.segAck(c.cli, c.srv, decode.FlagFIN|decode.FlagACK, rstCliISN+101, c.next(), 0)
		}, EndRST, [2]int64{0, 3000}, 0},
		{"server's exact RST and nothing after: ended by RST at the final reply", func(c *rstConn) {
			c.handshake()
			c.send(5000, true)
			c.srvRST(ackRST, 0)
		}, EndRST, [2]int64{0, 5000}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			s.cmd("RETR", "f")
			s.reply(150, "Opening BINARY mode data connection.")
			c := &rstConn{s: s, cli: netip.MustParseAddrPort("198.51.100.7:50001"), srv: netip.MustParseAddrPort("192.0.2.10:40000")}
			tt.drive(c)
			if len(s.rec.data) != 0 {
				t.Fatalf("reported before the transfer command's final reply")
			}
			s.reply(226, "Transfer complete.")
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records at the final reply, want 1", len(s.rec.data))
			}
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			d := s.rec.data[0]
			if d.Outcome != OutcomeTransferred || d.EndReason != tt.end || d.Bytes != tt.bytes {
				t.Errorf("outcome %v, end %v, bytes %v; want transferred, %v, %v", d.Outcome, d.EndReason, d.Bytes, tt.end, tt.bytes)
			}
			if int(d.rstIgnored) != tt.ignored {
				t.Errorf("%d RSTs ignored, want %d", d.rstIgnored, tt.ignored)
			}
			if tt.end == EndRST && (d.RSTTS.IsZero() || !d.End.Equal(d.RSTTS)) {
				t.Errorf("end %v, RST at %v: the RST's own time wanted", d.End, d.RSTTS)
			}
		})
	}
}

// TestExactResetAfterFinalReplyEndsAtOnce: an exact RST after the
// transfer command's final reply (a client resetting the data connection
// after the 226) ends the connection and reports it at once, as always:
// nothing waits for it.
func TestExactResetAfterFinalReplyEndsAtOnce(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
	s.cmd("RETR", "f")
	s.reply(150, "Opening BINARY mode data connection.")
	c := &rstConn{s: s, cli: netip.MustParseAddrPort("198.51.100.7:50001"), srv: netip.MustParseAddrPort("192.0.2.10:40000")}
	c.handshake()
	c.send(5000, true)
	s.reply(226, "Transfer complete.")
	s.tick(time.Millisecond)
	s.segAck(c.cli, c.srv, ackRST, rstCliISN+1, c.next(), 0)
	if len(s.rec.data) != 1 {
		t.Fatalf("%d data records right after the RST, want 1", len(s.rec.data))
	}
	if d := s.rec.data[0]; d.EndReason != EndRST || d.Bytes[1] != 5000 {
		t.Errorf("end %v, %d bytes; want rst, 5000", d.EndReason, d.Bytes[1])
	}
	s.cmd("QUIT", "")
	s.reply(221, "Goodbye.")
	s.end()
}
