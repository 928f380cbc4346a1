package decode

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestContentSessionResumedAfterIdleClose: a control connection found by
// its content on a port that is not a control port, closed as idle, is
// picked up again by its later bytes as one on port 21 is: the same
// connection, FTP already. Its tombstone swallowed them, a whole later
// PASV, 227 and 425 reported nowhere. Bytes that begin no line (TLS
// records after AUTH TLS) find it too, with no other connection on such
// a port open.
func TestContentSessionResumedAfterIdleClose(t *testing.T) {
	server := netip.MustParseAddrPort("192.0.2.10:2121")
	late := idleClose + 90*time.Second
	tests := []struct {
		name   string
		before func(v *conv)
		after  func(v *conv)
		want   []string
	}{
		{"a late PASV",
			nil,
			func(v *conv) {
				v.cli("PASV\r\n")
				v.srv("227 Entering Passive Mode (192,0,2,10,156,64).\r\n")
				v.cli("RETR a.txt\r\n")
				v.srv("425 Can't open data connection.\r\n")
			},
			[]string{"close idle", "open midstream", "PASV", "227 Entering Passive Mode (192,0,2,10,156,64).", "RETR", "425 Can't open data connection.", "close capture-end"}},
		{"TLS bytes after AUTH TLS",
			func(v *conv) { v.cli("AUTH TLS\r\n"); v.srv("234 Proceed with negotiation.\r\n") },
			func(v *conv) { v.srv("\x17\x03\x03\x00\x20" + strings.Repeat("\x8a\n", 16)) },
			[]string{"close idle", "open midstream encrypted", "close capture-end"}},
	}
	// The server the lesser address (its key's A) or the greater.
	for _, client := range []netip.AddrPort{convClient, netip.MustParseAddrPort("192.0.2.200:50000")} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s from %s", tt.name, client), func(t *testing.T) {
				rec := &recorder{}
				d := New(rec, Options{})
				v := &conv{t: t, d: d, c: client, s: server, cseq: 1000, sseq: 5000, ts: convT0}
				v.handshake()
				v.srv("220 ready\r\n")
				v.cli("USER anonymous\r\n")
				v.srv("331 Password.\r\n")
				v.cli("PASS guest\r\n")
				v.srv("230 Login successful.\r\n")
				if tt.before != nil {
					tt.before(v)
				}
				sc := &idleScene{t: t, rec: rec, d: d, ctl: v}
				last := v.ts
				sc.tickTo(last.Add(late))
				at(v, last.Add(late))
				tt.after(v)
				d.Finish()
				story := sc.story()
				if len(story) > len(tt.want) {
					story = story[len(story)-len(tt.want):]
				}
				if !slices.Equal(story, tt.want) {
					t.Errorf("got %q, want %q", story, tt.want)
				}
				var resumed []ControlEvent
				for _, e := range rec.control {
					if _, ok := e.Resumed(); ok {
						resumed = append(resumed, e)
					}
				}
				if len(resumed) != 1 {
					t.Fatalf("%d resumed Opens, want 1", len(resumed))
				}
				if o := resumed[0]; o.Client != client || o.Server != server || !o.ByContent {
					t.Errorf("resumed open %s -> %s, by content %v; want %s -> %s by content", o.Client, o.Server, o.ByContent, client, server)
				}
				if st := d.Stats(); st.IdleResumed != 1 || st.ControlConns != 1 {
					t.Errorf("IdleResumed %d, ControlConns %d; want 1, 1", st.IdleResumed, st.ControlConns)
				}
			})
		}
	}
}

// TestClosedControlLateBytesCounted: bytes of a control connection after
// its close (both FINs, or an RST) beyond what was read are not read, and
// are counted once for the connection (Stats.ClosedLateBytes), not
// dropped in silence; its late ACKs count nothing, and nor does a
// retransmission of bytes read before the close (same sequence range,
// their ACK lost): it costs the analysis nothing, and counted it would
// make a whole capture look lossy.
func TestClosedControlLateBytesCounted(t *testing.T) {
	const bye = "221 Goodbye.\r\n"
	for _, tt := range []struct {
		name string
		rst  bool // the client's RST closes it, not both FINs
		// late sends what comes after the close; byeSeq is where the
		// 221 started, quitSeq where the QUIT did.
		late func(v *conv, byeSeq, quitSeq uint32)
		want uint64
	}{
		{"last segment with its FIN sent again", false, func(v *conv, byeSeq, _ uint32) {
			v.send(v.s, v.c, byeSeq, v.cseq, FlagACK|FlagPSH|FlagFIN, bye)
		}, 0},
		{"last bytes sent again without the FIN", false, func(v *conv, byeSeq, _ uint32) {
			v.send(v.s, v.c, byeSeq, v.cseq, FlagACK|FlagPSH, bye)
		}, 0},
		{"tail of the last bytes sent again", false, func(v *conv, byeSeq, _ uint32) {
			v.send(v.s, v.c, byeSeq+4, v.cseq, FlagACK|FlagPSH, bye[4:])
		}, 0},
		{"client command sent again", false, func(v *conv, _, quitSeq uint32) {
			v.send(v.c, v.s, quitSeq, v.sseq, FlagACK|FlagPSH, "QUIT\r\n")
		}, 0},
		{"bytes past the FIN", false, func(v *conv, _, _ uint32) {
			v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, "500 more\r\n")
		}, 1},
		{"last bytes sent again with new ones", false, func(v *conv, byeSeq, _ uint32) {
			v.send(v.s, v.c, byeSeq, v.cseq, FlagACK|FlagPSH, bye+"500 more\r\n")
		}, 1},
		{"client bytes past its FIN", false, func(v *conv, _, _ uint32) {
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, "NOOP\r\n")
		}, 1},
		{"reset, last bytes sent again", true, func(v *conv, byeSeq, _ uint32) {
			v.send(v.s, v.c, byeSeq, v.cseq, FlagACK|FlagPSH, bye)
		}, 0},
		{"reset, bytes past it", true, func(v *conv, _, _ uint32) {
			// (Beyond where the stream stood: exactly there, they would
			// show the RST not taken: TestClosedNotTakenResumes.)
			v.send(v.s, v.c, v.sseq+100, v.cseq, FlagACK|FlagPSH, "500 more\r\n")
		}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 ready\r\n")
			quitSeq := v.cseq
			v.cli("QUIT\r\n")
			byeSeq := v.sseq
			if tt.rst {
				v.srv(bye)
				v.send(v.c, v.s, v.cseq, v.sseq, FlagRST|FlagACK, "")
				// Past the RST's hold (hold.go), it closed the connection.
				v.ts = v.ts.Add(rstHold + time.Second)
				v.send(v.s, v.c, v.sseq, v.cseq, FlagACK, "")
			} else {
				v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH|FlagFIN, bye)
				v.sseq += uint32(len(bye)) + 1
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
				v.cseq++
				v.send(v.s, v.c, v.sseq, v.cseq, FlagACK, "")
			}
			if n := convClientount(rec, ControlClose); n != 1 {
				t.Fatalf("%d closes before the late bytes, want 1", n)
			}
			if st := d.Stats(); st.ClosedLateBytes != 0 {
				t.Fatalf("ClosedLateBytes %d before any late byte", st.ClosedLateBytes)
			}
			for range 2 {
				tt.late(v, byeSeq, quitSeq)
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
			}
			d.Finish()
			if n := convClientount(rec, ControlOpen); n != 1 {
				t.Errorf("%d opens, want 1", n)
			}
			if st := d.Stats(); st.ClosedLateBytes != tt.want {
				t.Errorf("ClosedLateBytes %d, want %d", st.ClosedLateBytes, tt.want)
			}
		})
	}
}

// TestFailedConnectFromPort20Counted: a connect from port 20 to a control
// port refused (or unanswered) is not shown as a session, as connect.go
// ftpDataPort says, but is counted (Stats.FailedFromPort20), not dropped
// in silence; the same from an ephemeral port is a session whose connect
// failed.
func TestFailedConnectFromPort20Counted(t *testing.T) {
	server := netip.MustParseAddrPort("10.0.0.2:21")
	tests := []struct {
		name       string
		client     netip.AddrPort
		refuse     bool
		wantOpens  int
		wantFailed uint64
	}{
		{"refused from port 20", netip.MustParseAddrPort("10.0.0.1:20"), true, 0, 1},
		{"unanswered from port 20", netip.MustParseAddrPort("10.0.0.1:20"), false, 0, 1},
		{"refused from an ephemeral port", netip.MustParseAddrPort("10.0.0.1:40000"), true, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{})
			ts := convT0
			send := func(src, dst netip.AddrPort, seq, ack uint32, fl TCPFlags) {
				f := convFrame(t, src, dst, seq, ack, fl, nil)
				d.Decode(f, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
			}
			for _, gap := range []time.Duration{0, time.Second, 2 * time.Second} {
				ts = ts.Add(gap)
				send(tt.client, server, 1000, 0, FlagSYN)
				if tt.refuse {
					ts = ts.Add(time.Millisecond)
					send(server, tt.client, 0, 1001, FlagRST|FlagACK)
				}
			}
			d.Tick(ts.Add(time.Minute))
			d.Finish()
			if n := convClientount(rec, ControlOpen); n != tt.wantOpens {
				t.Errorf("%d sessions, want %d", n, tt.wantOpens)
			}
			if st := d.Stats(); st.FailedFromPort20 != tt.wantFailed {
				t.Errorf("FailedFromPort20 %d, want %d", st.FailedFromPort20, tt.wantFailed)
			}
		})
	}
}
