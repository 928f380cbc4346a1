package decode

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// wconv is a control connection driven frame by frame through a Decoder,
// each side advertising the window it is given (conv advertises 1,000
// bytes and no scaling).
type wconv struct {
	t          testing.TB
	d          *Decoder
	rec        *recorder
	c, s       netip.AddrPort
	cseq, sseq uint32
	cwin, swin uint16 // the raw window field each side sends
	ts         time.Time
}

func newWconv(t testing.TB, cwin uint16) *wconv {
	rec := &recorder{}
	return &wconv{t: t, d: New(rec, Options{}), rec: rec, c: convClient, s: convServer,
		cseq: 1000, sseq: 5000, cwin: cwin, swin: 509, ts: convT0}
}

// frame builds an Ethernet/IPv4/TCP frame; shift >= 0 adds a window scale
// option with that shift (to a SYN).
func (v *wconv) frame(src, dst netip.AddrPort, seq, ack uint32, fl TCPFlags, win uint16, shift int, p string) []byte {
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack, Window: win,
		FIN: fl.Has(FlagFIN), SYN: fl.Has(FlagSYN), RST: fl.Has(FlagRST), PSH: fl.Has(FlagPSH), ACK: fl.Has(FlagACK)}
	if shift >= 0 {
		tcp.Options = []layers.TCPOption{mssOpt, nopOpt, wsOpt(byte(shift)), nopOpt}
	}
	_ = tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(p)); err != nil {
		v.t.Fatal(err)
	}
	return buf.Bytes()
}

func (v *wconv) decode(f []byte) {
	v.ts = v.ts.Add(10 * time.Millisecond)
	v.d.Decode(f, gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
}

// handshake: cshift and sshift are the shifts of the client's SYN and
// the server's SYN-ACK (-1: no option); withSYNACK false leaves the
// SYN-ACK out of the capture.
func (v *wconv) handshake(cshift, sshift int, withSYNACK bool) {
	v.decode(v.frame(v.c, v.s, v.cseq, 0, FlagSYN, 64240, cshift, ""))
	v.cseq++
	if withSYNACK {
		v.decode(v.frame(v.s, v.c, v.sseq, v.cseq, FlagSYN|FlagACK, 65160, sshift, ""))
	}
	v.sseq++
	v.ack()
}

func (v *wconv) cli(p string) {
	v.decode(v.frame(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, v.cwin, -1, p))
	v.cseq += uint32(len(p))
}

func (v *wconv) srv(p string) {
	v.decode(v.frame(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, v.swin, -1, p))
	v.sseq += uint32(len(p))
}

// ack is the client's pure ACK of everything the server sent.
func (v *wconv) ack() { v.decode(v.frame(v.c, v.s, v.cseq, v.sseq, FlagACK, v.cwin, -1, "")) }

// lose: the server sent n bytes the capture does not hold.
func (v *wconv) lose(n int) { v.sseq += uint32(n) }

// forge injects a segment in the server's name, ahead bytes past its next
// byte, with an ACK of ackAhead bytes past the client's next byte.
func (v *wconv) forge(ahead, ackAhead uint32, fl TCPFlags, p string) {
	v.decode(v.frame(v.s, v.c, v.sseq+ahead, v.cseq+ackAhead, fl, v.swin, -1, p))
}

// wait lets packet time pass with nothing captured (holes fall due).
func (v *wconv) wait(d time.Duration) {
	v.ts = v.ts.Add(d)
	v.d.Tick(v.ts)
}

func (v *wconv) login() {
	v.srv("220 (vsFTPd 3.0.3)\r\n")
	v.cli("USER anonymous\r\n")
	v.srv("331 Please specify the password.\r\n")
	v.cli("PASS guest@\r\n")
	v.srv("230 Login successful.\r\n")
	v.ack()
}

// rest is the session after an injection: two NOOPs a hole's wait apart,
// PWD, QUIT, and FINs both ways.
func (v *wconv) rest() {
	exchange := func(cmd, reply string) {
		v.cli(cmd)
		v.srv(reply)
		v.ack()
	}
	exchange("NOOP\r\n", "200 NOOP ok.\r\n")
	v.wait(6 * time.Second)
	exchange("NOOP\r\n", "200 NOOP ok.\r\n")
	v.wait(6 * time.Second)
	exchange("PWD\r\n", "257 \"/\" is the current directory\r\n")
	exchange("QUIT\r\n", "221 Goodbye.\r\n")
	v.decode(v.frame(v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, v.swin, -1, ""))
	v.sseq++
	v.decode(v.frame(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, v.cwin, -1, ""))
	v.cseq++
	v.decode(v.frame(v.s, v.c, v.sseq, v.cseq, FlagACK, v.swin, -1, ""))
}

var realReplies = []string{"(vsFTPd 3.0.3)", "Please specify the password.", "Login successful.",
	"NOOP ok.", "NOOP ok.", `"/" is the current directory`, "Goodbye."}

const forgedText = "227 Entering Passive Mode (198,51,100,7,195,80).\r\n530 Login incorrect.\r\n"

// TestControlBytesBeyondTheAdvertisedWindow guards the window bound on
// control streams (tcpwindow.go): bytes past a hole that start beyond the
// window the receiver advertised, and that it never acknowledges, are
// dropped when the hole is given up, with the ACK and FIN they came with
// (a blind injection less than 64 KiB ahead used to be skipped to after
// the hole's wait, its text replacing the real replies), while real bytes
// the receiver's window covers, or that its ACK shows it took, are still
// delivered; the scale comes from the SYNs, without them the edge is where
// the largest scale puts it, and a capture that lost the receiver's
// segments makes the edge stale.
func TestControlBytesBeyondTheAdvertisedWindow(t *testing.T) {
	const kib = 1 << 10
	tests := []struct {
		name  string
		cwin  uint16 // the client's raw window
		drive func(v *wconv)
		want  []string // replies (substrings, in order)
		gaps  int
		// gapBytes, when set, is what the gaps cover.
		gapBytes int
		beyond   uint64 // Stats.BeyondWindow
		fin      bool   // closed by FIN
	}{
		{name: "forged 20 KiB ahead of an unscaled 8 KiB window: dropped, the real replies kept",
			cwin: 8 * kib,
			drive: func(v *wconv) {
				v.handshake(-1, -1, true)
				v.login()
				v.forge(20*kib, 0, FlagACK|FlagPSH, forgedText)
				v.rest()
			},
			want: realReplies, beyond: 1, fin: true},
		{name: "a real reply within the window after a lost stretch: skipped to after the wait",
			cwin: 8 * kib,
			drive: func(v *wconv) {
				v.handshake(-1, -1, true)
				v.login()
				v.cli("STAT /\r\n")
				v.lose(6 * kib)
				v.srv("211 End of status\r\n")
				v.wait(6 * time.Second)
				v.rest()
			},
			want: []string{"Login successful.", "End of status", "NOOP ok."}, gaps: 1, fin: true},
		{name: "scale from the handshake: 64 << 7 is 8 KiB, forged 20 KiB ahead dropped",
			cwin: 64,
			drive: func(v *wconv) {
				v.handshake(7, 7, true)
				v.login()
				v.forge(20*kib, 0, FlagACK|FlagPSH, forgedText)
				v.rest()
			},
			want: realReplies, beyond: 1, fin: true},
		{name: "scale from the handshake: a real reply 6 KiB past a lost stretch is within 64 << 7",
			cwin: 64,
			drive: func(v *wconv) {
				v.handshake(7, 7, true)
				v.login()
				v.cli("STAT /\r\n")
				v.lose(6 * kib)
				v.srv("211 End of status\r\n")
				v.wait(6 * time.Second)
				v.rest()
			},
			want: []string{"Login successful.", "End of status", "NOOP ok."}, gaps: 1, fin: true},
		{name: "one SYN without the option (SYN-ACK not captured): no scaling either way",
			cwin: 8 * kib,
			drive: func(v *wconv) {
				v.handshake(-1, 7, false)
				v.login()
				v.forge(20*kib, 0, FlagACK|FlagPSH, forgedText)
				v.rest()
			},
			want: realReplies, beyond: 1, fin: true},
		{name: "SYNs of one side that disagree leave the scale unknown: 8 KiB raw may be 128 MiB",
			cwin: 8 * kib,
			drive: func(v *wconv) {
				v.decode(v.frame(v.c, v.s, v.cseq, 0, FlagSYN, 64240, 7, ""))
				v.handshake(-1, 7, true)
				v.login()
				v.cli("STAT /\r\n")
				v.lose(20 * kib)
				v.srv("211 End of status\r\n")
				v.wait(6 * time.Second)
				v.rest()
			},
			want: []string{"Login successful.", "End of status", "NOOP ok."}, gaps: 1, fin: true},
		// Picked up after the handshake: the scale is unknown, and a raw
		// window of 160 may be 160 << 7 = 20 KiB (Linux's usual scale).
		// The unscaled reading would drop this real reply.
		{name: "no handshake: a real reply 12 KiB past a lost stretch, raw window 160, kept",
			cwin: 160,
			drive: func(v *wconv) {
				v.login()
				v.cli("STAT /\r\n")
				v.lose(12 * kib)
				v.srv("211 End of status\r\n")
				v.wait(6 * time.Second)
				v.rest()
			},
			want: []string{"Login successful.", "End of status", "NOOP ok."}, gaps: 1, fin: true},
		// Whatever the scale, a raw window of 1 is at most 16 KiB.
		{name: "no handshake: forged 40 KiB ahead of a raw window of 1 (at most 16 KiB): dropped",
			cwin: 1,
			drive: func(v *wconv) {
				v.login()
				v.forge(40*kib, 0, FlagACK|FlagPSH, forgedText)
				v.rest()
			},
			want: realReplies[2:], beyond: 1, fin: true},
		{name: "forged FIN with bytes beyond the window: ignored, the real FIN ends the connection",
			cwin: 8 * kib,
			drive: func(v *wconv) {
				v.handshake(-1, -1, true)
				v.login()
				v.forge(20*kib, 0, FlagACK|FlagPSH|FlagFIN, "221 Goodbye.\r\n")
				v.rest()
			},
			want: realReplies, beyond: 1, fin: true},
		{name: "the ACK of a segment beyond the window is not taken: no client bytes made lost",
			cwin: 8 * kib,
			drive: func(v *wconv) {
				v.handshake(-1, -1, true)
				v.login()
				v.forge(20*kib, 5000, FlagACK|FlagPSH, forgedText)
				v.rest()
			},
			want: realReplies, beyond: 1, fin: true},
		// Injected while the connection is quiet (during a transfer, say):
		// no byte comes in the hole's place, nothing is acknowledged, and
		// still the bytes are no part of the stream.
		{name: "forged 20 KiB ahead while the connection is quiet: dropped at the hole's wait",
			cwin: 8 * kib,
			drive: func(v *wconv) {
				v.handshake(-1, -1, true)
				v.login()
				v.forge(20*kib, 0, FlagACK|FlagPSH, forgedText)
				v.wait(6 * time.Second)
				v.rest()
			},
			want: realReplies, beyond: 1, fin: true},
		// A capture that skipped far ahead (sampled, or lossy in both
		// directions): the bytes after the skip lie beyond the last window
		// it showed, and the client's ACK of them proves them taken.
		{name: "skip of 100 KiB beyond an 8 KiB window, then the receiver's ACK of it: delivered",
			cwin: 8 * kib,
			drive: func(v *wconv) {
				v.handshake(-1, -1, true)
				v.login()
				v.cli("STAT /\r\n")
				v.lose(100 * kib)
				v.srv("211 End of status\r\n")
				v.ack()
				v.rest()
			},
			want: []string{"Login successful.", "End of status", "NOOP ok."}, gaps: 1, fin: true},
		// The server's windows are 1000 << 7; its SYN-ACK, seen again, says
		// 65,160 unscaled. Client bytes 100 KiB past a loss are within the
		// first.
		{name: "a SYN-ACK seen again does not take the place of a scaled window",
			cwin: 8 * kib,
			drive: func(v *wconv) {
				v.handshake(7, 7, true)
				v.swin = 1000
				v.login()
				v.decode(v.frame(v.s, v.c, 5000, 1001, FlagSYN|FlagACK, 65160, 7, ""))
				v.cseq += 100 * kib // the capture lost 100 KiB the client sent
				v.cli("NOOP\r\n")
				v.wait(6 * time.Second)
				v.rest()
			},
			want: realReplies, gaps: 1, fin: true},
		// The capture lost the client's segments: the server goes on more
		// than a window past the last edge it showed, which no sender can
		// on what the capture shows. The edge is stale: at the wait the
		// hole is skipped and every byte after it kept.
		{name: "capture lost the receiver's updates: past a window beyond the edge, the hole is skipped",
			cwin: 1000,
			drive: func(v *wconv) {
				v.handshake(-1, -1, true)
				v.login()
				v.lose(1500)
				line := strings.Repeat("211-status line\r\n", 35) // 595 bytes
				v.srv(line)
				v.srv(line)
				v.srv(line)
				v.srv("211 End of status\r\n")
				v.wait(6 * time.Second)
				v.ack()
				v.rest()
			},
			want: []string{"Login successful.", "status line", "NOOP ok."}, gaps: 1, gapBytes: 1500, fin: true},
		// 64 one-byte segments further ahead than a forged reply beyond
		// the window filled the held bound, and the bound skipped to the
		// forgery (a hole given up without the window's judgement): the
		// segment beyond the window that finds the bound full is dropped
		// now, and the held ones go at the wait.
		{name: "a spray of 64 segments behind a forgery beyond 502 << 7: dropped, not skipped to at the held bound",
			cwin: 502,
			drive: func(v *wconv) {
				v.handshake(7, 7, true)
				v.login()
				v.forge(100000, 0, FlagACK|FlagPSH, forgedText)
				for i := range 64 {
					v.forge(101000+uint32(i)*100, 0, FlagACK|FlagPSH, "Z")
				}
				v.rest()
			},
			want: realReplies, beyond: 65, fin: true},
		// A real segment within the window past a lost stretch finds the
		// bound full of held bytes beyond it: those are given up as the
		// wait would (dropped), the real one is held and skipped to.
		{name: "the held bound hit by a real segment within the window: the forgery dropped, the real reply kept",
			cwin: 502,
			drive: func(v *wconv) {
				v.handshake(7, 7, true)
				v.login()
				v.cli("STAT /\r\n")
				v.forge(100000, 0, FlagACK|FlagPSH, forgedText)
				for i := range 63 {
					v.forge(101000+uint32(i)*100, 0, FlagACK|FlagPSH, "Z")
				}
				v.lose(100)
				v.srv("211 End of status\r\n")
				v.wait(6 * time.Second)
				v.rest()
			},
			want: []string{"Login successful.", "End of status", "NOOP ok."}, gaps: 1, gapBytes: 100, beyond: 64, fin: true},
		// The injector's own bytes made the edge stale: 46 segments of
		// 1,400 bytes beyond it (a window's worth) behind a forged reply,
		// no byte of them adjoining it. Only a run that goes on from the
		// held head tells the capture lost the receiver's updates.
		{name: "a window's worth of forged bytes apart from a forged reply does not make the edge stale",
			cwin: 502,
			drive: func(v *wconv) {
				v.handshake(7, 7, true)
				v.login()
				v.cli("STAT /\r\n")
				v.forge(100000, 0, FlagACK|FlagPSH, forgedText)
				for i := range 46 {
					v.forge(101000+uint32(i)*1400, 0, FlagACK|FlagPSH, strings.Repeat("Z", 1400))
				}
				v.wait(6 * time.Second)
				v.srv("211 End of status\r\n")
				v.ack()
				v.rest()
			},
			want: []string{"Login successful.", "End of status", "NOOP ok."}, beyond: 47, fin: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newWconv(t, tc.cwin)
			tc.drive(v)
			v.d.Finish()
			var replies []string
			var closed []CloseReason
			for _, e := range v.rec.control {
				switch e.Kind {
				case ControlReply:
					replies = append(replies, e.Reply.Text)
				case ControlClose:
					closed = append(closed, e.Closed)
				}
			}
			if !inOrder(replies, tc.want) {
				dumpEvents(t, v.rec)
				t.Errorf("replies %q, want %q among them in order", replies, tc.want)
			}
			for _, r := range replies {
				if strings.Contains(r, "198,51,100,7") || strings.Contains(r, "Login incorrect") {
					t.Errorf("forged reply %q taken as the server's", r)
				}
			}
			if n := countKind(v.rec, ControlGap); n != tc.gaps {
				dumpEvents(t, v.rec)
				t.Errorf("%d gaps, want %d", n, tc.gaps)
			}
			if tc.gapBytes > 0 {
				n := 0
				for _, e := range v.rec.control {
					if e.Kind == ControlGap {
						n += e.Gap
					}
				}
				if n != tc.gapBytes {
					t.Errorf("gaps of %d bytes, want %d", n, tc.gapBytes)
				}
			}
			if n := v.d.Stats().BeyondWindow; n != tc.beyond {
				t.Errorf("%d segments dropped beyond the window, want %d", n, tc.beyond)
			}
			if tc.fin && !slices.Equal(closed, []CloseReason{CloseFIN}) {
				t.Errorf("closed %v, want by FIN", closed)
			}
		})
	}
}

// inOrder tells whether each of want is a substring of a reply in got,
// in order.
func inOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && strings.Contains(g, want[i]) {
			i++
		}
	}
	return i == len(want)
}

// discardHandler is a Handler that keeps nothing.
type discardHandler struct{}

func (discardHandler) Segment(*Segment)         {}
func (discardHandler) Unreachable(*Unreachable) {}
func (discardHandler) Control(*ControlEvent)    {}
func (discardHandler) Tick(time.Time)           {}
func (discardHandler) Finish()                  {}

// BenchmarkDecodeControlPair measures the control path in order: a
// command and its reply, each read, windowed (tcpwindow.go), reassembled
// and parsed into events. Two frames are reused with their sequence and
// acknowledgment numbers moved on each time (nothing checks the TCP
// checksum), so every segment continues its stream.
func BenchmarkDecodeControlPair(b *testing.B) {
	v := newWconv(b, 502)
	v.d = New(discardHandler{}, Options{})
	v.handshake(7, 7, true)
	v.login()
	cmd := v.frame(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, v.cwin, -1, "NOOP\r\n")
	reply := v.frame(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, v.swin, -1, "200 NOOP ok.\r\n")
	const tcpAt = 14 + 20 // Ethernet and IPv4 headers
	ci := gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(cmd), Length: len(cmd)}
	cr := gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(reply), Length: len(reply)}
	b.ReportAllocs()
	b.SetBytes(int64(len(cmd) + len(reply)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		binary.BigEndian.PutUint32(cmd[tcpAt+4:], v.cseq)
		binary.BigEndian.PutUint32(cmd[tcpAt+8:], v.sseq)
		v.d.Decode(cmd, ci, layers.LinkTypeEthernet)
		v.cseq += 6
		binary.BigEndian.PutUint32(reply[tcpAt+4:], v.sseq)
		binary.BigEndian.PutUint32(reply[tcpAt+8:], v.cseq)
		v.d.Decode(reply, cr, layers.LinkTypeEthernet)
		v.sseq += 14
	}
}

// BenchmarkDecodeControlACK measures a pure ACK of a control connection:
// read, windowed (tcpwindow.go) and placed, with no bytes to parse, so
// that the cost of the window bound is not lost among the parser's.
func BenchmarkDecodeControlACK(b *testing.B) {
	v := newWconv(b, 502)
	v.d = New(discardHandler{}, Options{})
	v.handshake(7, 7, true)
	v.login()
	ack := v.frame(v.c, v.s, v.cseq, v.sseq, FlagACK, v.cwin, -1, "")
	const tcpAt = 14 + 20 // Ethernet and IPv4 headers
	ci := gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(ack), Length: len(ack)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		binary.BigEndian.PutUint32(ack[tcpAt+4:], v.cseq)
		v.d.Decode(ack, ci, layers.LinkTypeEthernet)
	}
}
