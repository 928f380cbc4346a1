package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// segAck is seg with an acknowledgment number: what an RST's acceptance
// turns on.
func (s *session) segAck(src, dst netip.AddrPort, flags decode.TCPFlags, seq, ack uint32, payload int) {
	s.num++
	s.tick(time.Millisecond)
	seg := decode.Segment{Num: s.num, TS: s.now, Src: src, Dst: dst, Flags: flags, Seq: seq, Ack: ack, Payload: make([]byte, payload), PayloadLen: payload}
	s.trk.Segment(&seg)
}

// rstConn drives one passive data connection, 198.51.100.7:50001 to
// 192.0.2.10:40000, with ISNs 1000 (client) and 5000 (server).
type rstConn struct {
	s        *session
	cli, srv netip.AddrPort
	sent     uint32 // server bytes sent so far
}

const (
	rstCliISN = 1000
	rstSrvISN = 5000
	ackRST    = decode.FlagRST | decode.FlagACK
)

func (c *rstConn) syn() { c.s.segAck(c.cli, c.srv, decode.FlagSYN, rstCliISN, 0, 0) }
func (c *rstConn) synAck() {
	c.s.segAck(c.srv, c.cli, decode.FlagSYN|decode.FlagACK, rstSrvISN, rstCliISN+1, 0)
}
func (c *rstConn) ack() { c.s.segAck(c.cli, c.srv, decode.FlagACK, rstCliISN+1, c.next(), 0) }

// next is the server's next sequence number.
func (c *rstConn) next() uint32 { return rstSrvISN + 1 + c.sent }

func (c *rstConn) handshake() { c.syn(); c.synAck(); c.ack() }

// send has the server send n bytes in 1448-byte segments; with acked the
// client acknowledges each, else none (a flight of n bytes).
func (c *rstConn) send(n int, acked bool) {
	for n > 0 {
		k := min(1448, n)
		c.s.segAck(c.srv, c.cli, decode.FlagACK, c.next(), rstCliISN+1, k)
		c.sent += uint32(k)
		n -= k
		if acked {
			c.ack()
		}
	}
}

// skip: the server sent n bytes the capture did not see.
func (c *rstConn) skip(n int) { c.sent += uint32(n) }

// close ends the connection by FIN both ways.
func (c *rstConn) close() {
	c.s.segAck(c.srv, c.cli, decode.FlagFIN|decode.FlagACK, c.next(), rstCliISN+1, 0)
	c.s.segAck(c.cli, c.srv, decode.FlagFIN|decode.FlagACK, rstCliISN+1, c.next()+1, 0)
}

// srvRST is an RST from the server at its sequence number off from its
// next byte.
func (c *rstConn) srvRST(flags decode.TCPFlags, off int64) {
	c.s.segAck(c.srv, c.cli, flags, c.next()+uint32(off), rstCliISN+1, 0)
}

// TestDataResetAcceptance guards how an RST on a data connection is
// judged: as the side it is sent to would take it (RFC 9293 3.10.7, RFC
// 5961), so an off-path forgery neither refuses a connection that works
// nor cuts a transfer short, while every RST a real stack sends still
// ends the connection.
func TestDataResetAcceptance(t *testing.T) {
	tests := []struct {
		name    string
		drive   func(c *rstConn)
		want    Outcome
		end     EndReason
		bytes   int64 // server→client
		ignored int
	}{
		// SYN-SENT (RFC 9293 3.10.7.3).
		{"forged RST answering the SYN with a wrong ACK is ignored: transferred", func(c *rstConn) {
			c.syn()
			c.s.segAck(c.srv, c.cli, ackRST, 0, 12345, 0)
			c.handshake()
			c.send(8000, true)
			c.close()
		}, OutcomeTransferred, EndFIN, 8000, 1},
		{"RST answering the SYN without ACK is dropped by the opener: transferred", func(c *rstConn) {
			c.syn()
			c.s.segAck(c.srv, c.cli, decode.FlagRST, 0, 0, 0)
			c.handshake()
			c.send(8000, true)
			c.close()
		}, OutcomeTransferred, EndFIN, 8000, 1},
		{"RST to the SYN with ACK = ISN+1 and sequence 0 (firewall reject with tcp-reset) refuses", func(c *rstConn) {
			c.syn()
			c.s.segAck(c.srv, c.cli, ackRST, 0, rstCliISN+1, 0)
		}, OutcomeRefused, EndRST, 0, 0},
		{"RST to the SYN with ACK = ISN+1 and any sequence (closed port) refuses", func(c *rstConn) {
			c.syn()
			c.s.segAck(c.srv, c.cli, ackRST, 0x9abcdef0, rstCliISN+1, 0)
		}, OutcomeRefused, EndRST, 0, 0},
		{"RST to a retried SYN with another ISN acknowledging the first is ignored", func(c *rstConn) {
			c.syn()
			c.s.tick(time.Second)
			c.s.segAck(c.cli, c.srv, decode.FlagSYN, 7000, 0, 0)
			c.s.segAck(c.srv, c.cli, ackRST, 0, rstCliISN+1, 0)
		}, OutcomeUnanswered, EndOpen, 0, 1},

		// Synchronized (RFC 9293 3.10.7.4, RFC 5961 3.2).
		{"forged RST 3,000,000 bytes ahead mid-transfer is ignored: ends by FIN with every byte", func(c *rstConn) {
			c.handshake()
			c.send(5000, true)
			c.srvRST(ackRST, 3000000)
			c.send(25000, true)
			c.close()
		}, OutcomeTransferred, EndFIN, 30000, 1},
		{"forged RST 3,000,000 bytes behind mid-transfer is ignored", func(c *rstConn) {
			c.handshake()
			c.send(5000, true)
			c.srvRST(ackRST, -3000000)
			c.send(25000, true)
			c.close()
		}, OutcomeTransferred, EndFIN, 30000, 1},
		{"RST at the next byte mid-transfer resets", func(c *rstConn) {
			c.handshake()
			c.send(5000, true)
			c.srvRST(ackRST, 0)
		}, OutcomeTransferred, EndRST, 5000, 0},
		{"RST after the sender's own FIN at the FIN's sequence plus one resets (ProFTPD)", func(c *rstConn) {
			c.handshake()
			c.send(2000, true)
			c.s.segAck(c.srv, c.cli, decode.FlagFIN|decode.FlagACK, c.next(), rstCliISN+1, 0)
			c.s.segAck(c.srv, c.cli, decode.FlagRST, c.next()+1, 0, 0)
		}, OutcomeTransferred, EndRST, 2000, 0},
		{"RST from the receiver at its own next byte resets", func(c *rstConn) {
			c.handshake()
			c.send(2000, true)
			c.s.segAck(c.cli, c.srv, ackRST, rstCliISN+1, c.next(), 0)
		}, OutcomeTransferred, EndRST, 2000, 0},
		{"RST just inside the unscaled 64 KiB of bytes the capture missed resets", func(c *rstConn) {
			c.handshake()
			c.send(2000, true)
			c.skip(60000)
			c.srvRST(ackRST, 0)
		}, OutcomeTransferred, EndRST, 2000, 0},
		// The sender had 1 MB unacknowledged: the receiver granted that
		// window at least; bytes the capture missed before the RST may
		// reach twice that.
		{"RST past bytes the capture missed, within twice the flight seen, resets", func(c *rstConn) {
			c.handshake()
			c.send(1000000, false)
			c.skip(1500000)
			c.srvRST(ackRST, 0)
		}, OutcomeTransferred, EndRST, 1000000, 0},
		{"RST as far ahead when every segment was acknowledged at once is ignored", func(c *rstConn) {
			c.handshake()
			c.send(1000000, true)
			c.srvRST(ackRST, 1500000)
			c.close()
		}, OutcomeTransferred, EndFIN, 1000000, 1},
		{"a forged old acknowledgment does not widen the allowance", func(c *rstConn) {
			c.handshake()
			c.send(5000, true)
			c.s.segAck(c.cli, c.srv, decode.FlagACK, rstCliISN+1, c.next()-2000000, 0)
			c.send(1448, false) // the flight is measured as the sender sends
			c.srvRST(ackRST, 3000000)
			c.send(23552, true)
			c.close()
		}, OutcomeTransferred, EndFIN, 30000, 1},
		{"a forged acknowledgment of bytes never sent does not widen the allowance", func(c *rstConn) {
			c.handshake()
			c.send(5000, true)
			c.s.segAck(c.cli, c.srv, decode.FlagACK, rstCliISN+1, c.next()+3000000, 0)
			c.send(1448, false) // the flight is measured as the sender sends
			c.srvRST(ackRST, 3000000)
			c.send(23552, true)
			c.close()
		}, OutcomeTransferred, EndFIN, 30000, 1},
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
		})
	}
}
