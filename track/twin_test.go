package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestSameConnectionSeenTwice: a capture on a NAT router (tcpdump -i any)
// holds each control connection under the addresses of both sides; the
// client SYN's sequence number, which NAT keeps, pairs the two sessions,
// and only them.
func TestSameConnectionSeenTwice(t *testing.T) {
	pub := netip.MustParseAddrPort("203.0.113.1:21")
	priv := netip.MustParseAddrPort("10.0.0.5:21")
	client := netip.MustParseAddrPort("198.51.100.7:40000")
	other := netip.MustParseAddrPort("198.51.100.8:40001")
	type open struct {
		after          time.Duration
		client, server netip.AddrPort
		syn            bool
		isn            uint32
		serverISN      uint32 // 0: SYN-ACK not seen
	}
	tests := []struct {
		name  string
		opens []open
		want  []int // each session's SameConnection.ID, in order
	}{
		{"before and after NAT", []open{
			{0, client, pub, true, 7, 9},
			{50 * time.Microsecond, client, priv, true, 7, 9},
		}, []int{2, 1}},
		{"the servers' numbers differ", []open{
			{0, client, pub, true, 7, 9},
			{50 * time.Microsecond, client, priv, true, 7, 10},
		}, []int{0, 0}},
		// Two connections of one client to one server, from a stack that
		// starts every connection at the same number (suricata-verify's
		// ftp-bounce.pcap): no NAT changes only a port.
		{"only the client port differs", []open{
			{0, client, pub, true, 7, 0},
			{6 * time.Millisecond, netip.AddrPortFrom(client.Addr(), 40999), pub, true, 7, 0},
		}, []int{0, 0}},
		{"masqueraded client port too", []open{
			{0, client, pub, true, 7, 0},
			{time.Millisecond, netip.AddrPortFrom(client.Addr(), 61000), priv, true, 7, 0},
		}, []int{2, 1}},
		{"another sequence number", []open{
			{0, client, pub, true, 7, 0},
			{time.Millisecond, client, priv, true, 8, 0},
		}, []int{0, 0}},
		{"the same number too far apart", []open{
			{0, client, pub, true, 7, 0},
			{3 * time.Second, other, priv, true, 7, 0},
		}, []int{0, 0}},
		{"no SYN seen", []open{
			{0, client, pub, false, 0, 0},
			{time.Millisecond, client, priv, false, 0, 0},
		}, []int{0, 0}},
		{"a third copy pairs with nothing", []open{
			{0, client, pub, true, 7, 0},
			{time.Millisecond, client, priv, true, 7, 0},
			{time.Millisecond, other, priv, true, 7, 0},
		}, []int{2, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			trk := New(rec, Options{})
			now := t0
			for i, o := range tt.opens {
				now = now.Add(o.after)
				trk.Control(&decode.ControlEvent{Kind: decode.ControlOpen, Num: uint64(i + 1), TS: now,
					Client: o.client, Server: o.server, ClientSYN: o.syn, ClientISN: o.isn,
					ServerSYN: o.serverISN != 0, ServerISN: o.serverISN})
			}
			trk.Finish()
			if len(rec.ended) != len(tt.want) {
				t.Fatalf("%d sessions, want %d", len(rec.ended), len(tt.want))
			}
			for _, s := range rec.ended {
				got := 0
				if s.SameConnection != nil {
					got = s.SameConnection.ID
				}
				if want := tt.want[s.ID-1]; got != want {
					t.Errorf("session %d: same connection as %d, want %d", s.ID, got, want)
				}
				if tw := s.SameConnection; tw != nil {
					o := tt.opens[tw.ID-1]
					if tw.Client != o.client || tw.Server != o.server {
						t.Errorf("session %d names %v -> %v, want %v -> %v", s.ID, tw.Client, tw.Server, o.client, o.server)
					}
				}
			}
			if len(trk.byISN) != 0 {
				t.Errorf("%d sessions left in the sequence-number index after the end", len(trk.byISN))
			}
		})
	}
}

// TestSequenceIndexHoldsTwoSeconds: the index that pairs copies holds the
// sessions opened in the last two seconds of packet time, not every open
// one, so an open session costs it nothing once no copy can come.
func TestSequenceIndexHoldsTwoSeconds(t *testing.T) {
	trk := New(&recorder{}, Options{})
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	for i := range 100 {
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), 40000)
		trk.Control(&decode.ControlEvent{Kind: decode.ControlOpen, Num: uint64(i + 1), TS: t0.Add(time.Duration(i) * 100 * time.Millisecond),
			Client: cli, Server: srv, ClientSYN: true, ClientISN: uint32(1000 + i)})
	}
	if got := trk.OpenSessions(); got != 100 {
		t.Fatalf("%d open sessions, want 100", got)
	}
	// Opened over 9.9 s: those of the last 2 s (21 of them) are indexed.
	if got := len(trk.byISN); got > 21 {
		t.Errorf("%d sessions indexed, want at most 21", got)
	}
	if got := len(trk.isnOrder) - trk.isnHead; got > 21 {
		t.Errorf("%d entries queued, want at most 21", got)
	}
}

// TestSYNsOfBothCopies: both copies of a session (a NAT router's capture)
// wait on the same announced endpoint. The client's SYNs match one copy;
// the other names it (DataConn.Twin). Translated, the SYNs that never
// reach the other side are counted there once each; routed untranslated,
// the one SYN is seen twice at once, under the same addresses, and both
// sightings go to one copy, which knows it (SYNSeenTwice).
func TestSYNsOfBothCopies(t *testing.T) {
	tests := []struct {
		name      string
		syns      int           // SYN sightings sent
		gap       time.Duration // between them
		wantSYNs  int
		wantTwice bool
	}{
		{"seen on one side only: 3 SYNs a second apart", 3, time.Second, 3, false},
		{"routed untranslated: one SYN seen arriving and leaving", 2, 50 * time.Microsecond, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			trk := New(rec, Options{})
			client := netip.MustParseAddrPort("198.51.100.7:40000")
			pub := netip.MustParseAddrPort("203.0.113.1:21")
			priv := netip.MustParseAddrPort("10.0.0.5:21")
			now, num := t0, uint64(0)
			ctl := func(server netip.AddrPort, e decode.ControlEvent) {
				num++
				now = now.Add(time.Microsecond)
				e.Num, e.TS, e.Client, e.Server = num, now, client, server
				trk.Control(&e)
			}
			text := "Entering Passive Mode (10,0,0,5,156,64)."
			ap, form, _ := ftp.ParsePASV(text)
			for _, srv := range []netip.AddrPort{priv, pub} {
				ctl(srv, decode.ControlEvent{Kind: decode.ControlOpen, ClientSYN: true, ClientISN: 7, ServerSYN: true, ServerISN: 9})
				ctl(srv, decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "PASV"}})
			}
			for _, srv := range []netip.AddrPort{priv, pub} {
				ctl(srv, decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 227, Text: text},
					Endpoint: decode.Endpoint{Via: ftp.ViaPASV, Addr: ap, Form: form}})
			}
			dataCli := netip.MustParseAddrPort("198.51.100.7:50000")
			for range tt.syns {
				num++
				now = now.Add(tt.gap)
				trk.Segment(&decode.Segment{Num: num, TS: now, Src: dataCli, Dst: ap, Flags: decode.FlagSYN, Seq: 1000})
			}
			trk.Finish()
			var seen, other *DataConn
			for _, d := range rec.data {
				if d.SYNs > 0 {
					seen = d
				} else {
					other = d
				}
			}
			if seen == nil || other == nil {
				t.Fatalf("want one data connection with the SYNs and one without; got %d records", len(rec.data))
			}
			if seen.SYNs != tt.wantSYNs || seen.SYNSeenTwice() != tt.wantTwice {
				t.Errorf("%d SYNs, seen twice %v; want %d, %v", seen.SYNs, seen.SYNSeenTwice(), tt.wantSYNs, tt.wantTwice)
			}
			if other.Twin != seen {
				t.Errorf("the copy without SYNs names %p, want %p (the one that got them)", other.Twin, seen)
			}
		})
	}
}

// BenchmarkSessionsOpenDensely opens sessions 100 µs apart, each closing
// at once: twenty thousand in the two seconds a copy can pair within. The
// time per session must not grow with b.N (expireISN copied the whole
// window per session: 47 % of a dense capture's profile).
func BenchmarkSessionsOpenDensely(b *testing.B) {
	trk := New(discardSink{}, Options{})
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	b.ReportAllocs()
	for i := range b.N {
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)}), uint16(1024+i%60000))
		ts := t0.Add(time.Duration(i) * 100 * time.Microsecond)
		trk.Control(&decode.ControlEvent{Kind: decode.ControlOpen, Num: uint64(2*i + 1), TS: ts,
			Client: cli, Server: srv, ClientSYN: true, ClientISN: uint32(1000 + i)})
		trk.Control(&decode.ControlEvent{Kind: decode.ControlClose, Num: uint64(2*i + 2), TS: ts,
			Client: cli, Server: srv})
	}
}

// discardSink keeps nothing: a benchmark's sink costs no time of its own.
type discardSink struct{}

func (discardSink) SessionStart(*Session)      {}
func (discardSink) Command(*Session, *Command) {}
func (discardSink) Data(*Session, *DataConn)   {}
func (discardSink) Event(*Session, *Event)     {}
func (discardSink) SessionEnd(*Session)        {}
