package track

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestInexactResetWaitsForWhatFollows guards the verdict on an RST inside
// the receiver's window but not at its next expected byte. A receiver that
// follows RFC 5961 3.2 answers it with a challenge ACK and goes on; one
// blind injection (next+1000 right after the handshake, next+500 or
// next+2 mid-transfer) ended the data connection, which then read
// "connected, no payload" or "2000 bytes … ended by rst" while 5000 bytes
// moved and the connection closed by FIN. An RST at the next byte, or at
// the receiver's latest acknowledgment, ends the connection at once; an
// inexact one ends it only if nothing of the receiver's follows (bytes, a
// FIN, an acknowledgment of bytes sent after the RST): a capture that
// lost the sender's last segments makes the sender's own RST inexact.
func TestInexactResetWaitsForWhatFollows(t *testing.T) {
	// challenge is the client's challenge ACK: its next byte, the
	// server's next expected.
	challenge := func(c *rstConn) { c.ack() }
	tests := []struct {
		name    string
		drive   func(c *rstConn)
		want    Outcome
		end     EndReason
		bytes   int64 // server→client
		ignored int
	}{
		{"RST at next+1000 right after the handshake, challenge ACK, 5000 bytes, FIN", func(c *rstConn) {
			c.handshake()
			c.srvRST(decode.FlagRST, 1000)
			challenge(c)
			c.send(5000, true)
			c.close()
		}, OutcomeTransferred, EndFIN, 5000, 1},
		{"RST at next+500 mid-transfer, challenge ACK, the rest, FIN", func(c *rstConn) {
			c.handshake()
			c.send(2000, true)
			c.srvRST(decode.FlagRST, 500)
			challenge(c)
			c.send(3000, true)
			c.close()
		}, OutcomeTransferred, EndFIN, 5000, 1},
		{"RST at next+2 mid-transfer, challenge ACK, the rest, FIN", func(c *rstConn) {
			c.handshake()
			c.send(2000, true)
			c.srvRST(ackRST, 2)
			challenge(c)
			c.send(3000, true)
			c.close()
		}, OutcomeTransferred, EndFIN, 5000, 1},
		{"RST at next+2 mid-transfer, the client acknowledges bytes sent after it", func(c *rstConn) {
			c.handshake()
			c.send(2000, true)
			c.srvRST(ackRST, 2)
			c.send(3000, true)
		}, OutcomeTransferred, EndCaptureEnd, 5000, 1},
		{"RST at next+2 mid-transfer, the client's own FIN after it", func(c *rstConn) {
			c.handshake()
			c.send(2000, true)
			c.srvRST(ackRST, 2)
			c.s.segAck(c.cli, c.srv, decode.FlagFIN|decode.FlagACK, rstCliISN+1, c.next(), 0)
		}, OutcomeTransferred, EndCaptureEnd, 2000, 1},
		{"RST to the server at the client's next+700 on an upload, the server goes on acknowledging", func(c *rstConn) {
			c.handshake()
			c.s.segAck(c.cli, c.srv, decode.FlagACK, rstCliISN+1, c.next(), 1000)
			c.s.segAck(c.srv, c.cli, decode.FlagACK, c.next(), rstCliISN+1001, 0)
			c.s.segAck(c.cli, c.srv, decode.FlagRST, rstCliISN+1001+700, 0, 0)
			c.s.segAck(c.cli, c.srv, decode.FlagACK, rstCliISN+1001, c.next(), 1000)
			c.s.segAck(c.srv, c.cli, decode.FlagACK, c.next(), rstCliISN+2001, 0)
			c.s.segAck(c.cli, c.srv, decode.FlagFIN|decode.FlagACK, rstCliISN+2001, c.next(), 0)
			c.s.segAck(c.srv, c.cli, decode.FlagFIN|decode.FlagACK, c.next(), rstCliISN+2002, 0)
		}, OutcomeTransferred, EndFIN, 0, 1},

		// It ends the connection.
		{"the client's RST just past a FIN the capture lost, the server's bytes in flight: ends at once", func(c *rstConn) {
			c.handshake()
			c.send(2000, true)
			c.s.segAck(c.cli, c.srv, decode.FlagRST|decode.FlagACK, rstCliISN+2, c.next(), 0) // its FIN at rstCliISN+1 not captured
			c.send(1000, false)
		}, OutcomeTransferred, EndRST, 2000, 0},
		{"RST at the next byte mid-transfer, then nothing: ends at once", func(c *rstConn) {
			c.handshake()
			c.send(2000, true)
			c.srvRST(ackRST, 0)
		}, OutcomeTransferred, EndRST, 2000, 0},
		{"RST at the client's latest acknowledgment, bytes in flight: ends at once", func(c *rstConn) {
			c.handshake()
			c.send(2000, true)
			c.send(3000, false)
			c.srvRST(ackRST, -3000)
		}, OutcomeTransferred, EndRST, 5000, 0},
		{"inexact RST after bytes the capture lost, then nothing: it ended the connection", func(c *rstConn) {
			c.handshake()
			c.send(2000, true)
			c.skip(3000)
			c.srvRST(ackRST, 0)
		}, OutcomeTransferred, EndRST, 2000, 0},
		{"RST after bytes the capture lost, then the client's ACK of them sent before it came: it ended the connection", func(c *rstConn) {
			c.handshake()
			c.send(2000, true)
			c.skip(3000)
			c.srvRST(ackRST, 0)
			c.ack() // acknowledges the 3000 bytes lost, up to the RST
		}, OutcomeTransferred, EndRST, 2000, 0},
		{"inexact RST, then only the client's challenge ACK: it ended the connection", func(c *rstConn) {
			c.handshake()
			c.send(2000, true)
			c.srvRST(ackRST, 500)
			challenge(c)
		}, OutcomeTransferred, EndRST, 2000, 0},
		{"inexact RST right after the handshake, then nothing: refused nothing, connected", func(c *rstConn) {
			c.handshake()
			c.srvRST(decode.FlagRST, 1000)
		}, OutcomeConnected, EndRST, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			s.cmd("RETR", "f")
			c := &rstConn{s: s, cli: netip.MustParseAddrPort("198.51.100.7:50001"), srv: netip.MustParseAddrPort("192.0.2.10:40000")}
			tt.drive(c)
			s.reply(226, "Transfer complete.")
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Outcome != tt.want || d.EndReason != tt.end || d.Bytes[1] != tt.bytes {
				t.Errorf("outcome %v, end %v, %d bytes; want %v, %v, %d", d.Outcome, d.EndReason, d.Bytes[1], tt.want, tt.end, tt.bytes)
			}
			if int(d.rstIgnored) != tt.ignored {
				t.Errorf("%d RSTs ignored, want %d", d.rstIgnored, tt.ignored)
			}
			if tt.end == EndRST && d.End != d.RSTTS {
				t.Errorf("ended at %v, the RST came at %v", d.End, d.RSTTS)
			}
		})
	}
}
