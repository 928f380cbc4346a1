package decode

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestControlConnectFailureSaid guards what decode says of a control
// connection that never opened. Such a connection carries no byte, and a
// session was announced only once a side spoke: a port 21 that refused
// every SYN, or a firewall dropping them, left "0 sessions". Now its
// session is announced at its close, with how its opening failed; a
// single SYN nothing answered (a scanner's probe, a capture that ended),
// a handshake with no byte after it (a health check), and a refusal the
// client's retry got past (Windows sends a refused SYN again) say
// nothing.
func TestControlConnectFailureSaid(t *testing.T) {
	const isn = 1000
	rstAck := FlagRST | FlagACK
	for _, tc := range []struct {
		name  string
		drive func(v *conv)
		how   ConnectHow // 0: no session
		syns  int
	}{
		{"RST answering the SYN: refused", func(v *conv) {
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
			v.send(v.s, v.c, 0, isn+1, rstAck, "")
		}, ConnectRefused, 1},
		{"the SYN sent again, each answered by RST (Windows): refused", func(v *conv) {
			for range 3 {
				v.send(v.c, v.s, isn, 0, FlagSYN, "")
				v.send(v.s, v.c, 0, isn+1, rstAck, "")
				v.ts = v.ts.Add(500 * time.Millisecond)
			}
		}, ConnectRefused, 3},
		{"the SYN sent again and again, no answer: unanswered", func(v *conv) {
			for _, gap := range []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second} {
				v.ts = v.ts.Add(gap)
				v.send(v.c, v.s, isn, 0, FlagSYN, "")
			}
			later(v, 8*time.Second)
		}, ConnectUnanswered, 4},
		{"SYN-ACKs the client never takes, its SYN sent again: answer lost", func(v *conv) {
			for range 3 {
				v.send(v.c, v.s, isn, 0, FlagSYN, "")
				v.send(v.s, v.c, 5000, isn+1, FlagSYN|FlagACK, "")
				v.ts = v.ts.Add(time.Second)
			}
			later(v, 5*time.Second)
		}, ConnectAnswerLost, 3},
		{"an ICMP port unreachable quoting the SYN: unreachable", func(v *conv) {
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
			pkt := icmpQuotingSYN(v.s.Addr(), v.c, v.s, isn, 3, 3, 0)
			v.ts = v.ts.Add(time.Millisecond)
			v.d.Decode(pkt, gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(pkt), Length: len(pkt)}, layers.LinkTypeRaw)
		}, ConnectUnreachable, 1},

		{"the SYN sent again, the capture ending at once: nothing (the answer may be on its way)", func(v *conv) {
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
			v.ts = v.ts.Add(time.Second)
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
		}, 0, 0},
		{"SYNs unanswered, then a late SYN-ACK the client resets (its connect gave up): nothing", func(v *conv) {
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
			v.ts = v.ts.Add(time.Second)
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
			v.ts = v.ts.Add(2 * time.Second)
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
			v.send(v.s, v.c, 5000, isn+1, FlagSYN|FlagACK, "")
			v.send(v.c, v.s, isn+1, 0, FlagRST, "")
			later(v, 5*time.Second)
		}, 0, 0},
		{"a TTL-limited probe's SYNs drawing time exceeded from hop after hop (traceroute -T): nothing", func(v *conv) {
			for i := range 3 {
				v.send(v.c, v.s, isn, 0, FlagSYN, "")
				pkt := icmpQuotingSYN(netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + i)}), v.c, v.s, isn, 11, 0, 0)
				v.ts = v.ts.Add(time.Second)
				v.d.Decode(pkt, gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(pkt), Length: len(pkt)}, layers.LinkTypeRaw)
			}
			later(v, 5*time.Second)
		}, 0, 0},
		{"every copy of the SYN expiring at one router: a routing loop, unreachable", func(v *conv) {
			for range 3 {
				v.send(v.c, v.s, isn, 0, FlagSYN, "")
				pkt := icmpQuotingSYN(netip.MustParseAddr("198.51.100.1"), v.c, v.s, isn, 11, 0, 0)
				v.ts = v.ts.Add(time.Second)
				v.d.Decode(pkt, gopacket.CaptureInfo{Timestamp: v.ts, CaptureLength: len(pkt), Length: len(pkt)}, layers.LinkTypeRaw)
			}
			later(v, 5*time.Second)
		}, ConnectUnreachable, 3},
		{"one SYN, no answer: nothing", func(v *conv) {
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
		}, 0, 0},
		{"one SYN and its copy from a second interface: nothing", func(v *conv) {
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
			v.ts = v.ts.Add(-9 * time.Millisecond) // (send adds 10 ms)
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
		}, 0, 0},
		{"an RST acknowledging no SYN of the client's: nothing", func(v *conv) {
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
			v.send(v.s, v.c, 0, isn+77, rstAck, "")
		}, 0, 0},
		{"a handshake, then the client's FIN, no byte: nothing", func(v *conv) {
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
			v.send(v.s, v.c, 5000, isn+1, FlagSYN|FlagACK, "")
			v.send(v.c, v.s, isn+1, 5001, FlagACK, "")
			v.send(v.c, v.s, isn+1, 5001, FlagFIN|FlagACK, "")
		}, 0, 0},
		{"refused, the SYN again, then the handshake and a greeting: a session that opened", func(v *conv) {
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
			v.send(v.s, v.c, 0, isn+1, rstAck, "")
			v.ts = v.ts.Add(500 * time.Millisecond)
			v.send(v.c, v.s, isn, 0, FlagSYN, "")
			v.send(v.s, v.c, 5000, isn+1, FlagSYN|FlagACK, "")
			v.send(v.c, v.s, isn+1, 5001, FlagACK, "")
			v.send(v.s, v.c, 5001, isn+1, FlagACK|FlagPSH, "220 ready\r\n")
		}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{})
			v := &conv{t: t, d: d, c: convClient, s: convServer, ts: convT0}
			tc.drive(v)
			d.Finish()
			var closes []ControlEvent
			for _, e := range rec.control {
				if e.Kind == ControlClose {
					closes = append(closes, e)
				}
			}
			opened := countKind(rec, ControlOpen)
			if tc.how == 0 {
				for _, e := range closes {
					if e.Connect != nil {
						t.Fatalf("a connect failure said: %+v", *e.Connect)
					}
				}
				want := 0
				if strings.HasSuffix(tc.name, "a session that opened") {
					want = 1
				}
				if opened != want {
					t.Fatalf("%d sessions announced, want %d", opened, want)
				}
				return
			}
			if opened != 1 || len(closes) != 1 || len(rec.control) != 2 {
				t.Fatalf("%d events (%d opens, %d closes), want an open and a close", len(rec.control), opened, len(closes))
			}
			f := closes[0].Connect
			if f == nil {
				t.Fatal("no connect failure on the close")
			}
			if f.How != tc.how || f.SYNs != tc.syns {
				t.Errorf("%v with %d SYNs, want %v with %d", f.How, f.SYNs, tc.how, tc.syns)
			}
			if o := rec.control[0]; !o.ClientSYN || o.ClientISN != isn || !o.TS.Equal(convT0.Add(10*time.Millisecond)) {
				t.Errorf("open: client SYN %v, ISN %d, at %v", o.ClientSYN, o.ClientISN, o.TS)
			}
			if (tc.how == ConnectRefused || tc.how == ConnectUnreachable) && f.AnswerNum == 0 {
				t.Error("no answer packet")
			}
			if tc.how == ConnectUnreachable && !(f.ICMP.Type == 3 && f.ICMP.Code == 3 && f.ICMP.From == convServer.Addr() ||
				f.ICMP.Type == 11 && f.ICMP.From == netip.MustParseAddr("198.51.100.1")) {
				t.Errorf("ICMP %+v", f.ICMP)
			}
		})
	}
}

// later moves the capture's clock by dt with a packet of another
// connection, so that the capture does not end at the test's last SYN.
func later(v *conv, dt time.Duration) {
	v.ts = v.ts.Add(dt)
	o := netip.MustParseAddrPort("192.0.2.99:40000")
	v.send(o, netip.MustParseAddrPort("192.0.2.98:40001"), 1, 1, FlagACK, "")
}

// TestRefusedConnectionLeavesTheTable guards the control table against a
// scan of a closed port 21: a refused connection is kept only
// refusedWait for its SYN's copies, not the minute a silent one waits,
// so thousands of refusals a second do not fill the table and evict the
// real sessions in their handshake.
func TestRefusedConnectionLeavesTheTable(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: convServer, ts: convT0}
	for i := range 1000 {
		c := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 9, byte(i >> 8), byte(i)}), 40000)
		v.send(c, v.s, 1000, 0, FlagSYN, "")
		v.send(v.s, c, 0, 1001, FlagRST|FlagACK, "")
	}
	later(v, 5*time.Second)
	later(v, time.Second) // (expiry runs once a second of packet time)
	if n := d.ctl.conns.Len(); n > 10 {
		t.Errorf("%d connections still in the table 5 s after their refusal", n)
	}
	if n := countKind(rec, ControlClose); n != 1000 {
		t.Errorf("%d refused sessions said, want 1000", n)
	}
}

// TestRefusalsDoNotHoldBackIdleExpiry guards the order of expiry: a scan
// refused once a second must not keep a real silent connection (SYNs sent
// again, no answer) from closing as idle after its minute: refused
// connections wait in a list of their own.
func TestRefusalsDoNotHoldBackIdleExpiry(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: convServer, ts: convT0}
	v.send(v.c, v.s, 1000, 0, FlagSYN, "")
	v.ts = v.ts.Add(time.Second)
	v.send(v.c, v.s, 1000, 0, FlagSYN, "")
	for i := range 90 {
		c := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 9, 0, byte(i)}), 40000)
		v.ts = v.ts.Add(time.Second)
		v.send(c, v.s, 7000, 0, FlagSYN, "")
		v.send(v.s, c, 0, 7001, FlagRST|FlagACK, "")
	}
	var closed *ControlEvent
	for i, e := range rec.control {
		if e.Kind == ControlClose && e.Client == convClient {
			closed = &rec.control[i]
		}
	}
	if closed == nil || closed.Closed != CloseIdle || closed.Connect == nil || closed.Connect.How != ConnectUnanswered {
		t.Fatalf("the silent connection's close: %+v, want an idle close saying unanswered", closed)
	}
}
