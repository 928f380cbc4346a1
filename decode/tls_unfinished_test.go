package decode

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestTLSHandshakeUnfinishedAtClose guards control-tls-unfinished's
// evidence: a control connection that turned to TLS (a 234 to AUTH, or
// implicit FTPS on 990) whose client never sent an application data
// record says so at its close (ControlClose.TLSUnfinished), and a stall
// of its handshake is reported as text's is, with the size of the
// segment sent again (the classic FTPS hang, rv-real2
// pmtu-ftps-server.pcap: the server's 1437-byte certificate flight sent
// again and again, never acknowledged, until the client closed). Before,
// such a session read as a working encrypted one: nothing followed the
// records, and stalls were looked for in text only. A handshake that
// completed (the client's first application data), one cut by the
// capture's end while still under way, and a TLS 1.3 encrypted alert (a
// 19-byte application data record, no proof) are told apart.
func TestTLSHandshakeUnfinishedAtClose(t *testing.T) {
	hello := realClientHello(t)
	flight := "\x16\x03\x03\x05\x90" + strings.Repeat("c", 1400-5) // (the record goes on past the segment)
	for _, tc := range []struct {
		name       string
		implicit   bool
		script     func(v *conv)
		unfinished bool
		stallSize  int
	}{
		{name: "server flight never acknowledged, client closes", script: func(v *conv) {
			at := v.sseq
			v.srv(flight)
			for i := 0; i < 5; i++ {
				v.ts = v.ts.Add(time.Duration(200<<i) * time.Millisecond)
				v.send(v.s, v.c, at, v.cseq, FlagACK|FlagPSH, flight)
				if i == 0 {
					v.send(v.c, v.s, v.cseq, at, FlagACK, "") // alive, lacking it
				}
			}
			v.send(v.c, v.s, v.cseq, at, FlagACK|FlagFIN, "")
		}, unfinished: true, stallSize: 1400},
		{name: "completed: the client's application data", script: func(v *conv) {
			v.srv("\x16\x03\x03\x00\x7a" + string(randomBytes(0x7a, 2)))
			v.srv("\x17\x03\x03\x01\x00" + string(randomBytes(0x100, 3)))
			v.cli("\x17\x03\x03\x00\x40" + string(randomBytes(0x40, 4)))
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
		}},
		{name: "a TLS 1.3 encrypted alert is no proof", script: func(v *conv) {
			v.srv("\x16\x03\x03\x00\x7a" + string(randomBytes(0x7a, 2)))
			v.cli("\x17\x03\x03\x00\x13" + string(randomBytes(0x13, 4)))
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
		}, unfinished: true},
		{name: "still under way at the capture's end", script: func(v *conv) {
			v.srv("\x16\x03\x03\x00\x7a" + string(randomBytes(0x7a, 2)))
		}},
		{name: "implicit FTPS on 990, server flight never acknowledged", implicit: true, script: func(v *conv) {
			at := v.sseq
			v.srv(flight)
			for i := 0; i < 4; i++ {
				v.ts = v.ts.Add(time.Duration(200<<i) * time.Millisecond)
				v.send(v.s, v.c, at, v.cseq, FlagACK|FlagPSH, flight)
				if i == 0 {
					v.send(v.c, v.s, v.cseq, at, FlagACK, "")
				}
			}
			v.ts = v.ts.Add(10 * time.Second) // the client gave up long ago; the capture ends
		}, unfinished: true, stallSize: 1400},
		{name: "implicit FTPS on 990, completed", implicit: true, script: func(v *conv) {
			v.srv("\x16\x03\x03\x00\x7a" + string(randomBytes(0x7a, 2)))
			v.cli("\x17\x03\x03\x00\x40" + string(randomBytes(0x40, 4)))
			v.ts = v.ts.Add(20 * time.Second)
			v.srv("\x17\x03\x03\x00\x40" + string(randomBytes(0x40, 5)))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			srv := convServer
			if tc.implicit {
				srv = netip.MustParseAddrPort("192.0.2.10:990")
			}
			v := &conv{t: t, d: New(rec, Options{}), c: convClient, s: srv, cseq: 1000, sseq: 5000, ts: convT0}
			v.handshake()
			if !tc.implicit {
				v.srv("220 hi\r\n")
				v.cli("AUTH TLS\r\n")
				v.srv("234 Proceed with negotiation.\r\n")
			}
			v.cli(string(hello))
			tc.script(v)
			v.d.Finish()
			var closes, stallSize int
			for _, e := range rec.control {
				switch e.Kind {
				case ControlClose:
					closes++
					if e.TLSUnfinished != tc.unfinished {
						t.Errorf("TLSUnfinished %v, want %v", e.TLSUnfinished, tc.unfinished)
					}
				case ControlStalled:
					if !e.FromClient && !e.StallCleared {
						stallSize = e.StallSize
					}
				}
			}
			if closes != 1 {
				t.Fatalf("%d closes", closes)
			}
			if stallSize != tc.stallSize {
				t.Errorf("stall of %d bytes reported, want %d", stallSize, tc.stallSize)
			}
		})
	}
}
