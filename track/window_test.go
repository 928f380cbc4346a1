package track

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// winConn drives one passive data connection, 198.51.100.7:50001 to
// 192.0.2.10:40000 (ISNs 1000 and 5000), whose segments carry the windows
// and scale options a real stack's do; the server sends, the client
// receives and advertises cwin.
type winConn struct {
	s        *session
	cli, srv netip.AddrPort
	cwin     uint16
	sent     uint32    // server bytes sent so far, captured or not
	finAt    time.Time // when the server's FIN was sent (close)
}

// seg sends one segment; shift >= 0 adds a window scale option.
func (c *winConn) seg(fromClient bool, flags decode.TCPFlags, seq, ack uint32, win uint16, shift int, n int) {
	src, dst := c.srv, c.cli
	if fromClient {
		src, dst = c.cli, c.srv
	}
	s := c.s
	s.num++
	s.tick(time.Millisecond)
	seg := decode.Segment{Num: s.num, TS: s.now, Src: src, Dst: dst, Flags: flags, Seq: seq, Ack: ack, Window: win,
		Payload: make([]byte, n), PayloadLen: n}
	if shift >= 0 {
		seg.WindowScale, seg.HasWindowScale = uint8(shift), true
	}
	s.trk.Segment(&seg)
}

func (c *winConn) next() uint32 { return 5001 + c.sent }

// handshake: the shifts of the SYN and the SYN-ACK (-1: no option);
// withSYNACK false leaves the SYN-ACK out of the capture.
func (c *winConn) handshake(cshift, sshift int, withSYNACK bool) {
	c.seg(true, decode.FlagSYN, 1000, 0, 64240, cshift, 0)
	if withSYNACK {
		c.seg(false, decode.FlagSYN|decode.FlagACK, 5000, 1001, 65160, sshift, 0)
	}
	c.ack()
}

// ack is the client's acknowledgment of everything the server sent.
func (c *winConn) ack() { c.seg(true, decode.FlagACK, 1001, c.next(), c.cwin, -1, 0) }

// send has the server send n bytes in segments of up to 1448; with acked
// the client acknowledges each.
func (c *winConn) send(n int, acked bool) {
	for n > 0 {
		k := min(1448, n)
		c.seg(false, decode.FlagACK, c.next(), 1001, 509, -1, k)
		c.sent += uint32(k)
		n -= k
		if acked {
			c.ack()
		}
	}
}

// lose: the server sent n bytes the capture does not hold.
func (c *winConn) lose(n int) { c.sent += uint32(n) }

// forge injects n bytes in the server's name, ahead bytes past its next
// byte.
func (c *winConn) forge(ahead uint32, n int) {
	c.seg(false, decode.FlagACK|decode.FlagPSH, c.next()+ahead, 1001, 509, -1, n)
}

func (c *winConn) close() {
	c.seg(false, decode.FlagFIN|decode.FlagACK, c.next(), 1001, 509, -1, 0)
	c.finAt = c.s.now
	c.seg(true, decode.FlagFIN|decode.FlagACK, 1001, c.next()+1, c.cwin, -1, 0)
}

// TestDataBytesBeyondTheAdvertisedWindow guards the window bound on data
// connections (dataWindow): a segment forged far ahead of the flow used to
// add everything up to it to the bytes transferred; bytes that start past
// a hole and beyond the window the receiver advertised are not counted
// now, while real bytes after a lost stretch still are (the stretch with
// them), with the scale the SYNs agreed, the largest when they are not
// both seen, and every byte once the capture shows it lost the receiver's
// segments.
func TestDataBytesBeyondTheAdvertisedWindow(t *testing.T) {
	const kib = 1 << 10
	tests := []struct {
		name   string
		cwin   uint16 // the client's raw window
		drive  func(c *winConn)
		bytes  int64 // server to client
		beyond int   // Limits.DataBeyondWindow
	}{
		{"forged 3,000,000 bytes ahead mid-transfer, window 512 << 7: not counted", 512, func(c *winConn) {
			c.handshake(7, 7, true)
			c.send(20000, true)
			c.forge(3000000, 1448)
			c.send(20000, true)
			c.close()
		}, 40000, 1},
		{"forged 100 KiB ahead of an unscaled 8 KiB window: not counted", 8 * kib, func(c *winConn) {
			c.handshake(-1, -1, true)
			c.send(20000, true)
			c.forge(100*kib, 1448)
			c.send(20000, true)
			c.close()
		}, 40000, 1},
		{"forged FIN with bytes 100 KiB ahead: no FIN before the real one", 8 * kib, func(c *winConn) {
			c.handshake(-1, -1, true)
			c.send(20000, true)
			c.seg(false, decode.FlagACK|decode.FlagFIN, c.next()+100*kib, 1001, 509, -1, 100)
			c.send(20000, true)
			c.close()
		}, 40000, 1},
		// The forged bytes lie where the flow goes later: those bytes are
		// counted once, as the flow's, and the forgery stays left out.
		{"forged 10 KiB ahead of an unscaled 8 KiB window, then the flow passes it", 8 * kib, func(c *winConn) {
			c.handshake(-1, -1, true)
			c.send(20000, true)
			c.forge(10*kib, 1448)
			c.send(20000, true)
			c.close()
		}, 40000, 1},
		// 300 bytes, less than the raw window: read unscaled, the window
		// would leave them out.
		{"a real segment 30,000 bytes past a lost stretch, within 512 << 7: counted with the stretch", 512, func(c *winConn) {
			c.handshake(7, 7, true)
			c.send(20000, true)
			c.lose(30000)
			c.send(300, false)
			c.close()
		}, 50300, 0},
		{"one SYN without the option: no scaling, forged 100 KiB ahead of 8 KiB not counted", 8 * kib, func(c *winConn) {
			c.handshake(-1, 7, true)
			c.send(20000, true)
			c.forge(100*kib, 1448)
			c.send(20000, true)
			c.close()
		}, 40000, 1},
		{"SYN-ACK not captured: scale unknown, a raw 512 may be 8 MiB: a segment 1 MB past a loss counted", 512, func(c *winConn) {
			c.handshake(7, 7, false)
			c.send(20000, true)
			c.lose(1000000)
			c.send(300, false)
			c.close()
		}, 1020300, 0},
		{"SYN-ACK not captured: a raw window of 4 is at most 64 KiB whatever the scale: forged 3,000,000 ahead not counted", 4, func(c *winConn) {
			c.handshake(7, 7, false)
			c.send(20000, true)
			c.forge(3000000, 1448)
			c.send(20000, true)
			c.close()
		}, 40000, 1},
		// The capture lost the client's ACKs after the first 4 KiB: the
		// first segment past the loss lies beyond the last edge it showed
		// and waits; the second makes a window's worth of them, so the
		// edge is stale and everything counts, the loss included.
		{"capture lost the receiver's ACKs: a window's worth beyond the edge, everything counts", 8 * kib, func(c *winConn) {
			c.handshake(-1, -1, true)
			c.send(4*kib, true)
			c.lose(10000)
			for range 3 {
				c.seg(false, decode.FlagACK, c.next(), 1001, 509, -1, 4*kib)
				c.sent += 4 * kib
			}
			c.close()
		}, 4*kib + 10000 + 12*kib, 0},
		// A sampled capture (the zeek corpus' bigtransfer.pcap keeps a few
		// packets of a 5 GB transfer): each stretch it kept starts far
		// beyond the last window it showed, and the client's ACK of it,
		// and of the FIN after the last one, proves them taken.
		{"sampled capture: bytes and FIN past a 380 MB skip count once the receiver acknowledges them", 16022, func(c *winConn) {
			c.handshake(3, 7, true)
			c.send(14480, true)
			c.lose(380 << 20)
			c.send(752, false)
			c.seg(true, decode.FlagACK, 1001, c.next()-752, c.cwin, -1, 0) // up to the kept stretch, not past it
			c.ack()
			c.lose(741 << 20)
			c.seg(false, decode.FlagACK|decode.FlagPSH|decode.FlagFIN, c.next(), 1001, 509, -1, 1182)
			c.sent += 1182
			c.seg(true, decode.FlagACK, 1001, c.next(), c.cwin, -1, 0)
			c.seg(true, decode.FlagFIN|decode.FlagACK, 1001, c.next()+1, c.cwin, -1, 0)
		}, 14480 + 380<<20 + 752 + 741<<20 + 1182, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
			s.cmd("RETR", "f")
			c := &winConn{s: s, cli: netip.MustParseAddrPort("198.51.100.7:50001"), srv: netip.MustParseAddrPort("192.0.2.10:40000"), cwin: tt.cwin}
			tt.drive(c)
			s.tick(time.Minute) // (the sampled capture's FIN may not end it)
			s.reply(226, "Transfer complete.")
			s.end()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			d := s.rec.data[0]
			if d.Bytes[1] != tt.bytes || d.EndReason != EndFIN {
				t.Errorf("%d bytes, ended %v; want %d, by FIN", d.Bytes[1], d.EndReason, tt.bytes)
			}
			if !c.finAt.IsZero() && !d.FINTS[1].Equal(c.finAt) {
				t.Errorf("server FIN at %v, want %v (the real one)", d.FINTS[1], c.finAt)
			}
			if n := s.trk.Limits().DataBeyondWindow; n != tt.beyond {
				t.Errorf("%d segments beyond the window, want %d", n, tt.beyond)
			}
		})
	}
}

// TestDataBulkFlowPastALossLargerThanTheWindow guards the release of bytes
// left out as beyond the window by an ACK short of their end: a bulk
// download whose client window (502 << 7, about 64 KiB) keeps the server
// window-limited, the client's ACKs trailing by 20 segments, and a capture
// that lost 120 data segments (about 170 KB, more than the window) with or
// without the ACKs in that stretch. Every segment after the loss starts
// beyond the last edge the capture showed, and the receiver's ACKs never
// reach the newest of them while the server has more to send: before the
// fix, everything after the loss was left out (724,000 of 2,172,000 bytes
// counted) unless the transfer ended with FINs.
func TestDataBulkFlowPastALossLargerThanTheWindow(t *testing.T) {
	const (
		segs, mss, lag   = 1500, 1448, 20
		lostFrom, lostTo = 500, 620
	)
	for _, end := range []string{"rst", "capture end", "fin"} {
		for _, acksLost := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s, ACKs lost %v", end, acksLost), func(t *testing.T) {
				s := newSession(t)
				s.login()
				s.cmd("PASV", "")
				s.reply(227, "Entering Passive Mode (192,0,2,10,156,64)")
				s.cmd("RETR", "f")
				c := &winConn{s: s, cli: netip.MustParseAddrPort("198.51.100.7:50001"), srv: netip.MustParseAddrPort("192.0.2.10:40000"), cwin: 502}
				c.handshake(7, 7, true)
				for i := range segs + lag {
					kept := i < lostFrom || i >= lostTo
					if i < segs {
						if kept {
							c.seg(false, decode.FlagACK, c.next(), 1001, 509, -1, mss)
						}
						c.sent += mss
					}
					if j := i - lag; j >= 0 && j%2 == 1 && (kept || !acksLost) {
						if end == "capture end" && i >= segs {
							break
						}
						c.seg(true, decode.FlagACK, 1001, 5001+uint32(j+1)*mss, c.cwin, -1, 0)
					}
					if end == "rst" && i == segs-1 {
						c.seg(true, decode.FlagRST, 1001, 0, 0, -1, 0)
						break
					}
				}
				if end == "fin" {
					c.close()
					c.ack()
				}
				s.reply(226, "Transfer complete.")
				s.end()
				if len(s.rec.data) != 1 {
					t.Fatalf("%d data records, want 1", len(s.rec.data))
				}
				if d := s.rec.data[0]; d.Bytes[1] != segs*mss {
					t.Errorf("%d bytes, want %d", d.Bytes[1], segs*mss)
				}
				if n := s.trk.Limits().DataBeyondWindow; n != 0 {
					t.Errorf("%d segments beyond the window, want 0", n)
				}
			})
		}
	}
}
