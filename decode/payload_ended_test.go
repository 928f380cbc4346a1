package decode

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// endedLen is how many ended connections the payload table remembers.
func endedLen(d *Decoder) int { return d.pay.ended.len() }

// endConns follows n data connections (client ports from 51000 up), each
// ended as end says, one every gap of packet time from at on.
func endConns(t *testing.T, d *Decoder, n int, at time.Time, gap time.Duration, end func(v *conv)) []*conv {
	vs := make([]*conv, n)
	for i := range n {
		v := dataConv(t, d, netip.AddrPortFrom(dataCli.Addr(), uint16(51000+i)), dataSrv)
		v.ts = at.Add(time.Duration(i) * gap)
		v.handshake()
		v.srv("abc")
		end(v)
		vs[i] = v
	}
	return vs
}

func endByRST(v *conv) { v.send(v.c, v.s, v.cseq, 0, FlagRST, "") }

func endByFins(v *conv) {
	v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
	v.send(v.c, v.s, v.cseq, v.sseq+1, FlagACK|FlagFIN, "")
}

// TestPayloadEndedExpireByPacketTime guards the memory of data connections
// ended by an RST or both FINs (--extract): it held the last 16,384 of
// them whatever their age, 6.4 MB once full, so peak memory grew with the
// hours of a capture, not with what was live. Each is now forgotten
// payloadEndedTTL of packet time after its last packet, at the tick after.
func TestPayloadEndedExpireByPacketTime(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(v *conv)
		n    int
	}{
		{"RST", endByRST, 3},
		{"both FINs", endByFins, 3},
		{"more than the ring's first size", endByRST, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New(&payloadRecorder{streams: map[string]*strings.Builder{}}, Options{DataPayload: true})
			vs := endConns(t, d, tc.n, convT0, 10*time.Millisecond, tc.end)
			first, last := vs[0].ts, vs[len(vs)-1].ts
			d.Tick(first.Add(payloadEndedTTL - time.Second))
			if got := endedLen(d); got != tc.n {
				t.Fatalf("%d ended connections remembered within the window, want %d", got, tc.n)
			}
			d.Tick(last.Add(payloadEndedTTL + 2*time.Second))
			if got := endedLen(d); got != 0 {
				t.Errorf("%d ended connections remembered past the window, want 0", got)
			}
			if st := d.PayloadStats(); st.EndedForgotten != 0 || st.Conns != uint64(tc.n) {
				t.Errorf("ended_forgotten %d, conns %d; want 0, %d", st.EndedForgotten, st.Conns, tc.n)
			}
		})
	}
}

// TestPayloadEndedLateSegmentWindow guards what the memory of ended
// connections is for: a late segment within payloadEndedTTL of the
// connection's last packet is still counted after its end and starts
// nothing (each one renews the window: a retransmission backs off up to
// 120 s at a time); one after a silence past the window is another
// connection's, followed from its first bytes.
func TestPayloadEndedLateSegmentWindow(t *testing.T) {
	for _, tc := range []struct {
		name    string
		end     func(v *conv)
		lateAt  []time.Duration // after the end, a tick every 30 s between
		late    uint64          // counted after_end
		unknown uint64          // followed again from first bytes
		left    int             // ended connections remembered at the end
	}{
		{"RST, late segment just within", endByRST, []time.Duration{payloadEndedTTL - time.Second}, 1, 0, 1},
		{"FINs, late segment just within", endByFins, []time.Duration{payloadEndedTTL - time.Second}, 1, 0, 1},
		{"RST, retransmissions renew it", endByRST, []time.Duration{3 * time.Minute, 6 * time.Minute, 9 * time.Minute}, 3, 0, 1},
		{"RST, late segment past the window", endByRST, []time.Duration{payloadEndedTTL + 10*time.Second}, 0, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &payloadRecorder{streams: map[string]*strings.Builder{}}
			d := New(h, Options{DataPayload: true})
			v := endConns(t, d, 1, convT0, 0, tc.end)[0]
			endAt := v.ts
			for _, after := range tc.lateAt {
				for v.ts.Before(endAt.Add(after - 30*time.Second)) {
					v.ts = v.ts.Add(30 * time.Second)
					d.Tick(v.ts)
				}
				v.ts = endAt.Add(after - 10*time.Millisecond) // (send adds 10 ms)
				v.send(v.s, v.c, v.sseq-3, v.cseq, FlagACK|FlagPSH, "abc")
			}
			st := d.PayloadStats()
			if st.AfterEnd != tc.late || st.StartUnknown != tc.unknown || st.EndedForgotten != 0 {
				t.Errorf("after_end %d, start_unknown %d, ended_forgotten %d; want %d, %d, 0", st.AfterEnd, st.StartUnknown, st.EndedForgotten, tc.late, tc.unknown)
			}
			if got := endedLen(d); got != tc.left {
				t.Errorf("%d ended connections remembered, want %d", got, tc.left)
			}
			if got := h.stream(v.s, v.c).String(); !strings.HasPrefix(got, "abc") {
				t.Errorf("stream %q, want it to start with the bytes before the end", got)
			}
		})
	}
}

// TestPayloadEndedRenewedOrder guards the ring's order after a renewal:
// a connection whose late segment came is kept for the window after it,
// and the ones that ended after it and stayed silent still go at their
// own time (the renewed one, first in the ring, does not hold them).
func TestPayloadEndedRenewedOrder(t *testing.T) {
	d := New(&payloadRecorder{streams: map[string]*strings.Builder{}}, Options{DataPayload: true})
	vs := endConns(t, d, 2, convT0, time.Minute, endByRST) // A at 0, B at 1 min
	a := vs[0]
	a.ts = convT0.Add(200 * time.Second)
	a.send(a.s, a.c, a.sseq-3, a.cseq, FlagACK|FlagPSH, "abc") // renews A
	for _, step := range []struct {
		at   time.Duration
		left int
	}{
		{250 * time.Second, 2},                             // A renewed, B within
		{time.Minute + payloadEndedTTL + 2*time.Second, 1}, // B gone
		{200*time.Second + payloadEndedTTL - time.Second, 1},
		{200*time.Second + payloadEndedTTL + 2*time.Second, 0}, // A gone
	} {
		d.Tick(convT0.Add(step.at))
		if got := endedLen(d); got != step.left {
			t.Errorf("at %v: %d ended connections remembered, want %d", step.at, got, step.left)
		}
	}
	if st := d.PayloadStats(); st.AfterEnd != 1 || st.StartUnknown != 0 {
		t.Errorf("after_end %d, start_unknown %d; want 1, 0", st.AfterEnd, st.StartUnknown)
	}
}

// TestPayloadEndedBound guards the ring's bound: at most max ended
// connections, the ones forgotten within the window counted
// (ended_forgotten), none counted when the window had passed for them;
// and one that went on past its FINs is kept past the window (the file
// is judged when it closes, which may be when its session ends).
func TestPayloadEndedBound(t *testing.T) {
	t.Run("within the window", func(t *testing.T) {
		d := New(&payloadRecorder{streams: map[string]*strings.Builder{}}, Options{DataPayload: true})
		d.pay.ended.max = 4
		endConns(t, d, 6, convT0, time.Second, endByRST)
		if got, st := endedLen(d), d.PayloadStats(); got != 4 || st.EndedForgotten != 2 {
			t.Errorf("%d remembered, ended_forgotten %d; want 4, 2", got, st.EndedForgotten)
		}
	})
	t.Run("past the window", func(t *testing.T) {
		d := New(&payloadRecorder{streams: map[string]*strings.Builder{}}, Options{DataPayload: true})
		d.pay.ended.max = 4
		endConns(t, d, 6, convT0, payloadEndedTTL/2, endByRST)
		if got, st := endedLen(d), d.PayloadStats(); got > 3 || st.EndedForgotten != 0 {
			t.Errorf("%d remembered, ended_forgotten %d; want at most 3, 0", got, st.EndedForgotten)
		}
	})
	t.Run("gone on past its FINs", func(t *testing.T) {
		d := New(&payloadRecorder{streams: map[string]*strings.Builder{}}, Options{DataPayload: true})
		v := dataConv(t, d, dataCli, dataSrv)
		v.handshake()
		v.cli("bytes")
		v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
		v.send(v.s, v.c, v.sseq, v.cseq+1, FlagFIN|FlagACK, "")
		v.sseq++
		v.cli("more") // (the client's FIN was forged)
		endConns(t, d, 3, v.ts, time.Second, endByFins)
		for i := range 40 {
			d.Tick(v.ts.Add(time.Duration(i) * time.Minute))
		}
		if !d.PayloadEndOutlived(dataCli, dataSrv) || endedLen(d) != 1 {
			t.Errorf("end outlived %v, %d remembered; want true, 1 (40 minutes on)", d.PayloadEndOutlived(dataCli, dataSrv), endedLen(d))
		}
	})
}

// TestEndedRingFullRotation guards the ring's own bookkeeping where the
// decoder tests do not reach it: a renewed entry moved back while the ring
// is full (its slot becomes the newest), and a ring grown past deleted
// slots (they are dropped, the index follows the live ones).
func TestEndedRingFullRotation(t *testing.T) {
	key := func(i int) ConnKey {
		return MakeConnKey(netip.AddrPortFrom(dataCli.Addr(), uint16(52000+i)), dataSrv)
	}
	sec := int64(time.Second)
	var forgotten uint64
	r := endedRing{max: 128, forgotten: &forgotten}
	for i := range 64 { // fills the first 64 slots
		r.put(key(i), endedConn{at: int64(i) * sec})
	}
	e, ok := r.get(key(0))
	if !ok {
		t.Fatal("key 0 not found")
	}
	r.renew(e, 100*sec)
	r.expire(int64(payloadEndedTTL) + 10*sec) // keys 0 (renewed) and 10 on stay
	if got := r.len(); got != 55 {
		t.Fatalf("%d kept, want 55", got)
	}
	if _, ok := r.get(key(0)); !ok {
		t.Error("renewed key 0 forgotten")
	}
	r.del(key(20))
	for i := 64; i < 140; i++ { // grows to 128 (without 20), then overwrites 10, 11
		r.put(key(i), endedConn{at: int64(i) * sec})
	}
	for _, i := range []int{0, 10, 11, 12, 20, 30, 139} {
		_, ok := r.get(key(i))
		if want := i != 10 && i != 11 && i != 20; ok != want {
			t.Errorf("key %d kept %v, want %v", i, ok, want)
		}
	}
	if got := r.len(); got != 128 || len(r.ring) != 128 || forgotten != 2 {
		t.Errorf("%d kept in %d slots, %d forgotten; want 128, 128, 2", got, len(r.ring), forgotten)
	}
}

// TestPayloadEndedLateSegmentNoAlloc: looking an ended connection up and
// renewing it (every late segment of one) allocates nothing.
func TestPayloadEndedLateSegmentNoAlloc(t *testing.T) {
	d := New(&payloadRecorder{streams: map[string]*strings.Builder{}}, Options{DataPayload: true})
	v := endConns(t, d, 1, convT0, 0, endByRST)[0]
	f := convFrame(t, v.s, v.c, v.sseq-3, v.cseq, FlagACK|FlagPSH, []byte("abc"))
	ts := v.ts
	allocs := testing.AllocsPerRun(100, func() {
		ts = ts.Add(time.Millisecond)
		d.Decode(f, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
	})
	if allocs > 0 {
		t.Errorf("%.1f allocations per late segment", allocs)
	}
	if st := d.PayloadStats(); st.AfterEnd < 100 || st.StartUnknown != 0 {
		t.Errorf("after_end %d, start_unknown %d; want at least 100, 0", st.AfterEnd, st.StartUnknown)
	}
}
