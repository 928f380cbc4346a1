package decode

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestControlRefusalWithoutItsSYNBefore: a capture that loses or
// reorders packets holds the answer to a control SYN without that SYN
// before it: the RST refusing it, or the ICMP error quoting it, written
// first (two interfaces, two NIC queues), or the SYN lost altogether.
// The connection that never opened is said all the same (before: the RST
// began and ended a connection of its own, the SYN after it went
// unanswered, and the capture read "0 sessions"; an ICMP error before its
// SYN found no connection). An RST that answered no bare SYN (sequence
// number not 0), and an ICMP error further from its SYN than queues
// reorder, say nothing, as before. rev-loss: control-refused.pcap and
// control-reject-icmp.pcap with the client's side 60 µs late, or
// without the SYN.
func TestControlRefusalWithoutItsSYNBefore(t *testing.T) {
	const isn = 1000
	rstAck := FlagRST | FlagACK
	t0 := convT0.Add(time.Second)
	for _, tc := range []struct {
		name  string
		drive func(v *conv, at func(dt time.Duration, src bool, seq, ack uint32, fl TCPFlags), icmp func(dt time.Duration))
		how   ConnectHow // 0: nothing said
		syns  int
		start time.Duration // the session's start after t0
	}{
		{"RST written before its SYN, stamped before it", func(v *conv, at func(time.Duration, bool, uint32, uint32, TCPFlags), _ func(time.Duration)) {
			at(60*time.Microsecond, false, 0, isn+1, rstAck)
			at(0, true, isn, 0, FlagSYN)
		}, ConnectRefused, 1, 0},
		{"RST written before its SYN, stamped after it", func(v *conv, at func(time.Duration, bool, uint32, uint32, TCPFlags), _ func(time.Duration)) {
			at(0, false, 0, isn+1, rstAck)
			at(1500*time.Microsecond, true, isn, 0, FlagSYN)
		}, ConnectRefused, 1, 0},
		{"the SYN lost, its RST captured: nothing (a flood's backscatter looks the same)", func(v *conv, at func(time.Duration, bool, uint32, uint32, TCPFlags), _ func(time.Duration)) {
			at(0, false, 0, isn+1, rstAck)
		}, 0, 0, 0},
		{"the SYN lost, its RST captured, then the SYN again refused (Windows)", func(v *conv, at func(time.Duration, bool, uint32, uint32, TCPFlags), _ func(time.Duration)) {
			at(0, false, 0, isn+1, rstAck)
			at(500*time.Millisecond, true, isn, 0, FlagSYN)
			at(500*time.Millisecond+50*time.Microsecond, false, 0, isn+1, rstAck)
		}, ConnectRefused, 2, 0},
		{"ICMP error written before its SYN", func(v *conv, at func(time.Duration, bool, uint32, uint32, TCPFlags), icmp func(time.Duration)) {
			icmp(0)
			at(60*time.Microsecond, true, isn, 0, FlagSYN)
		}, ConnectUnreachable, 1, 60 * time.Microsecond},
		{"an RST with a sequence number first: nothing", func(v *conv, at func(time.Duration, bool, uint32, uint32, TCPFlags), _ func(time.Duration)) {
			at(0, false, 777, isn+1, rstAck)
			at(60*time.Microsecond, true, isn, 0, FlagSYN)
		}, 0, 0, 0},
		{"ICMP error a second before a SYN it quotes: nothing", func(v *conv, at func(time.Duration, bool, uint32, uint32, TCPFlags), icmp func(time.Duration)) {
			icmp(0)
			at(time.Second, true, isn, 0, FlagSYN)
		}, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{})
			v := &conv{t: t, d: d, c: convClient, s: convServer, ts: convT0}
			at := func(dt time.Duration, fromClient bool, seq, ack uint32, fl TCPFlags) {
				src, dst := v.s, v.c
				if fromClient {
					src, dst = v.c, v.s
				}
				f := convFrame(t, src, dst, seq, ack, fl, nil)
				d.Decode(f, gopacket.CaptureInfo{Timestamp: t0.Add(dt), CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
			}
			icmp := func(dt time.Duration) {
				pkt := icmpQuotingSYN(v.s.Addr(), v.c, v.s, isn, 3, 13, 0)
				d.Decode(pkt, gopacket.CaptureInfo{Timestamp: t0.Add(dt), CaptureLength: len(pkt), Length: len(pkt)}, layers.LinkTypeRaw)
			}
			tc.drive(v, at, icmp)
			v.ts = t0.Add(2 * time.Second)
			later(v, 5*time.Second)
			d.Finish()
			var failed []*ConnectFailure
			var opens []ControlEvent
			for _, e := range rec.control {
				switch {
				case e.Kind == ControlOpen:
					opens = append(opens, e)
				case e.Kind == ControlClose && e.Connect != nil:
					failed = append(failed, e.Connect)
				}
			}
			if tc.how == 0 {
				if len(failed)+len(opens) != 0 {
					t.Fatalf("%d sessions, %d failures said; want none", len(opens), len(failed))
				}
				return
			}
			if len(failed) != 1 || len(opens) != 1 {
				t.Fatalf("%d sessions, %d failures said; want one", len(opens), len(failed))
			}
			f := failed[0]
			if f.How != tc.how || f.SYNs != tc.syns || f.AnswerNum == 0 {
				t.Errorf("%v with %d SYNs, answer packet %d; want %v with %d", f.How, f.SYNs, f.AnswerNum, tc.how, tc.syns)
			}
			if o := opens[0]; o.Client != convClient || o.Server != convServer || !o.ClientSYN || o.ClientISN != isn || !o.TS.Equal(t0.Add(tc.start)) {
				t.Errorf("open: %v -> %v, client SYN %v, ISN %d, at %v; want %v -> %v, ISN %d at %v",
					o.Client, o.Server, o.ClientSYN, o.ClientISN, o.TS.Sub(t0), convClient, convServer, isn, tc.start)
			}
		})
	}
}

// TestEarlyICMPBounded: ICMP errors held for the SYNs they quote are
// bounded (maxEarlyICMP); one pushed out within the wait is counted, and
// its SYN, when it comes, is not said unreachable.
func TestEarlyICMPBounded(t *testing.T) {
	const isn = 1000
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: convServer, ts: convT0}
	t0 := convT0.Add(time.Second)
	client := func(i int) netip.AddrPort { return netip.AddrPortFrom(convClient.Addr(), uint16(40000+i)) }
	for i := range maxEarlyICMP + 1 {
		pkt := icmpQuotingSYN(v.s.Addr(), client(i), v.s, isn, 3, 13, 0)
		d.Decode(pkt, gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Microsecond), CaptureLength: len(pkt), Length: len(pkt)}, layers.LinkTypeRaw)
	}
	for _, i := range []int{0, maxEarlyICMP} {
		f := convFrame(t, client(i), v.s, isn, 0, FlagSYN, nil)
		d.Decode(f, gopacket.CaptureInfo{Timestamp: t0.Add(100 * time.Microsecond), CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
	}
	v.ts = t0
	later(v, 5*time.Second)
	d.Finish()
	if n := d.Stats().EarlyICMPOverwritten; n != 1 {
		t.Errorf("EarlyICMPOverwritten %d, want 1", n)
	}
	var said []netip.AddrPort
	for _, e := range rec.control {
		if e.Kind == ControlClose && e.Connect != nil {
			said = append(said, e.Client)
		}
	}
	if len(said) != 1 || said[0] != client(maxEarlyICMP) {
		t.Errorf("unreachable said for %v, want %v only", said, client(maxEarlyICMP))
	}
}

// TestBackscatterIsNoSession guards RSTs from a control port refusing
// SYNs the capture never held: the backscatter of a SYN flood that
// spoofed these addresses against a server whose port 21 is closed. Each
// read as a refused control connection, with an error and a rule opening
// port 21 at a server that is not the admin's. None is a session now;
// they are counted (Stats.RefusalsWithoutSYN).
func TestBackscatterIsNoSession(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{})
	srv := netip.MustParseAddrPort("203.0.113.7:21")
	ts := convT0
	for i := range 50 {
		dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)}), uint16(40000+i))
		f := convFrame(t, srv, dst, 0, uint32(7000+i), FlagRST|FlagACK, nil)
		d.Decode(f, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
		ts = ts.Add(10 * time.Millisecond)
	}
	d.Finish()
	for _, e := range rec.control {
		if e.Kind == ControlOpen {
			t.Fatalf("a session from %v: backscatter taken for a client", e.Client)
		}
	}
	if n := d.Stats().RefusalsWithoutSYN; n != 50 {
		t.Errorf("RefusalsWithoutSYN %d, want 50", n)
	}
}
