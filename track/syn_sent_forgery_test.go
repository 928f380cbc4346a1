package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestSynSentForgeryNotTaken guards what the opener of a data connection
// does in SYN-SENT (RFC 9293 3.10.7.3) against segments it did not take.
// An RST acknowledging its SYN closes it: it sends that SYN no more (a
// new connection has a new sequence number) and nothing else but RSTs.
// One RST answering the SYN (forged, or one its stack found corrupt)
// read "refused: SYN answered by RST", error data-refused with firewall
// rules, while the client sent the same SYN again, completed the
// handshake and the file crossed. And a segment without SYN from the
// side connected to before any SYN-ACK, which the opener drops, read
// "transferred: 20 bytes" though the client kept sending its SYN and the
// server answered 425.
func TestSynSentForgeryNotTaken(t *testing.T) {
	tests := []struct {
		name    string
		drive   func(c *rstConn)
		want    Outcome
		end     EndReason
		bytes   int64 // server→client
		ignored int
	}{
		// The same SYN again after the RST, then the handshake: a
		// refused connect retried (Windows, the server listening by
		// then), or an RST the opener dropped; no RST counted ignored
		// ("forged or stale") for what a retry explains.
		{"RST answering the SYN, the same SYN again, handshake, bytes, FIN: transferred, a retry", func(c *rstConn) {
			c.syn()
			c.s.segAck(c.srv, c.cli, ackRST, 0, rstCliISN+1, 0)
			c.s.tick(500 * time.Millisecond)
			c.handshake()
			c.send(12, true)
			c.close()
		}, OutcomeTransferred, EndFIN, 12, 0},
		{"RST answering the SYN, then the opener's ACK of a SYN-ACK (its retry not captured): transferred", func(c *rstConn) {
			c.syn()
			c.s.segAck(c.srv, c.cli, ackRST, 0, rstCliISN+1, 0)
			c.s.tick(time.Second)
			c.synAck()
			c.ack()
			c.send(3000, true)
			c.close()
		}, OutcomeTransferred, EndFIN, 3000, 1},
		{"RST answering the SYN, then nothing: refused", func(c *rstConn) {
			c.syn()
			c.s.segAck(c.srv, c.cli, ackRST, 0, rstCliISN+1, 0)
		}, OutcomeRefused, EndRST, 0, 0},
		{"RST answering the SYN, then a copy of the SYN seen at once: refused", func(c *rstConn) {
			c.syn()
			c.s.segAck(c.srv, c.cli, ackRST, 0, rstCliISN+1, 0)
			c.syn()
		}, OutcomeRefused, EndRST, 0, 0},
		{"RST answering the SYN, then a SYN-ACK the closed opener never acknowledges: refused", func(c *rstConn) {
			c.syn()
			c.s.segAck(c.srv, c.cli, ackRST, 0, rstCliISN+1, 0)
			c.synAck()
			c.send(500, false)
		}, OutcomeRefused, EndRST, 0, 0},
		// Windows sends a refused SYN twice more, 500 ms apart, before
		// it gives the connect up; each draws an RST: refused, and none
		// of the RSTs was ignored.
		{"RST answering the SYN, the same SYN again twice, each refused (Windows): refused", func(c *rstConn) {
			c.syn()
			c.s.segAck(c.srv, c.cli, ackRST, 0, rstCliISN+1, 0)
			for range 2 {
				c.s.tick(500 * time.Millisecond)
				c.syn()
				c.s.segAck(c.srv, c.cli, ackRST, 0, rstCliISN+1, 0)
			}
		}, OutcomeRefused, EndRST, 0, 0},
		{"RST answering a retried SYN, the SYN sent no more: refused", func(c *rstConn) {
			c.syn()
			c.s.tick(time.Second)
			c.syn()
			c.s.segAck(c.srv, c.cli, ackRST, 0, rstCliISN+1, 0)
		}, OutcomeRefused, EndRST, 0, 0},

		{"bytes from the server before any SYN-ACK, then the SYN again and again: unanswered, nothing moved", func(c *rstConn) {
			c.syn()
			c.s.segAck(c.srv, c.cli, decode.FlagACK|decode.FlagPSH, 123456, rstCliISN+1, 20)
			c.s.tick(time.Second)
			c.syn()
			c.s.tick(2 * time.Second)
			c.syn()
		}, OutcomeUnanswered, EndOpen, 0, 0},
		{"bytes from the server, its SYN-ACK not captured, the opener acknowledges them: transferred", func(c *rstConn) {
			c.syn()
			c.send(2000, true)
			c.close()
		}, OutcomeTransferred, EndFIN, 2000, 0},
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
			s.tick(10 * time.Minute) // long enough that an open SYN is final
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
