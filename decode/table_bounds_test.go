package decode

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// boundsScene drives many connections through one decoder on one packet
// clock, a segment every 100 µs: thousands of sessions within the 4
// minutes a tombstone holds.
type boundsScene struct {
	t   *testing.T
	rec *recorder
	d   *Decoder
	ts  time.Time
}

func newBoundsScene(t *testing.T, o Options) *boundsScene {
	rec := &recorder{}
	return &boundsScene{t: t, rec: rec, d: New(rec, o), ts: convT0}
}

// bconv is a connection of a boundsScene.
type bconv struct {
	sc         *boundsScene
	c, s       netip.AddrPort
	cseq, sseq uint32
}

// conv returns connection i from a client of its own to server port sp.
func (sc *boundsScene) conv(i int, sp uint16) *bconv {
	c := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), uint16(1024+i%60000))
	s := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.10"), sp)
	return &bconv{sc: sc, c: c, s: s, cseq: 1000, sseq: 5000}
}

func (v *bconv) send(src, dst netip.AddrPort, seq, ack uint32, fl TCPFlags, p string) {
	sc := v.sc
	sc.ts = sc.ts.Add(100 * time.Microsecond)
	f := convFrame(sc.t, src, dst, seq, ack, fl, []byte(p))
	sc.d.Decode(f, gopacket.CaptureInfo{Timestamp: sc.ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
}

func (v *bconv) cli(p string) {
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, p)
	v.cseq += uint32(len(p))
}

func (v *bconv) srv(p string) {
	v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagPSH, p)
	v.sseq += uint32(len(p))
}

func (v *bconv) handshake() {
	v.send(v.c, v.s, v.cseq, 0, FlagSYN, "")
	v.cseq++
	v.send(v.s, v.c, v.sseq, v.cseq, FlagSYN|FlagACK, "")
	v.sseq++
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
}

func (v *bconv) login() {
	v.handshake()
	v.srv("220 ready\r\n")
	v.cli("USER bob\r\n")
	v.srv("331 pw\r\n")
	v.cli("PASS x\r\n")
	v.srv("230 ok\r\n")
}

// fin closes v with FINs from both sides and the last ACK.
func (v *bconv) fin() {
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
	v.cseq++
	v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
	v.sseq++
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
}

// late is a closed connection's late packets: the server's ACK again,
// then bytes.
func (v *bconv) late() {
	v.send(v.s, v.c, v.sseq, v.cseq, FlagACK, "")
	v.srv("421 late\r\n")
}

// noop is a command and its reply.
func (v *bconv) noop() {
	v.cli("NOOP\r\n")
	v.srv("200 ok\r\n")
}

// wait lets packet time pass, one second at a time.
func (sc *boundsScene) wait(d time.Duration) {
	end := sc.ts.Add(d)
	for ; sc.ts.Before(end); sc.ts = sc.ts.Add(time.Second) {
		sc.d.Tick(sc.ts)
	}
}

// TestTombstonesOutlastManyCloses: more control connections than the
// ring's first 4,096 slots close within the tombstone TTL (17 closes a
// second do it); the late packets of each, bytes included, are still
// its own: no session of their own. The ring grew instead of forgetting
// them: 5,000 closes gave 5,904 sessions.
func TestTombstonesOutlastManyCloses(t *testing.T) {
	const n = 5000
	sc := newBoundsScene(t, Options{})
	convs := make([]*bconv, n)
	for i := range convs {
		v := sc.conv(i, 21)
		v.login()
		v.cli("QUIT\r\n")
		v.srv("221 bye\r\n")
		v.fin()
		convs[i] = v
	}
	for _, v := range convs {
		v.late()
	}
	sc.d.Finish()
	st := sc.d.Stats()
	if st.ControlConns != n || st.TombstonesForgotten != 0 {
		t.Errorf("control_conns %d, tombstones_forgotten %d; want %d, 0", st.ControlConns, st.TombstonesForgotten, n)
	}
}

// TestTombstoneRingFullCounted: past the ring's bound (4 slots per
// connection the table may hold, at least 4,096) a tombstone within its
// TTL is overwritten, and counted: those connections' late bytes start
// sessions of their own, and the summary says why.
func TestTombstoneRingFullCounted(t *testing.T) {
	const n, over = tombstoneSlots + 4, 4
	sc := newBoundsScene(t, Options{MaxControlConns: 16}) // the ring's bound: 4,096
	convs := make([]*bconv, n)
	for i := range convs {
		v := sc.conv(i, 21)
		v.login()
		v.fin()
		convs[i] = v
	}
	for _, v := range convs {
		v.late()
	}
	sc.d.Finish()
	st := sc.d.Stats()
	if st.TombstonesForgotten != over || st.ControlConns != n+over {
		t.Errorf("tombstones_forgotten %d, control_conns %d; want %d, %d", st.TombstonesForgotten, st.ControlConns, over, n+over)
	}
}

// TestRefusedCandidateCountedOnce: a connection not checked for FTP by
// content because the candidates are at their bound is counted once, not
// once for each of its segments that looks like FTP: by its greeting
// lines, or by its lines mid-stream.
func TestRefusedCandidateCountedOnce(t *testing.T) {
	greeting := func(v *bconv) {
		v.handshake()
		for range 8 {
			v.srv("220-" + strings.Repeat("a", 70) + "\r\n")
		}
	}
	midstream := func(v *bconv) {
		for range 3 {
			v.noop()
		}
	}
	for _, tc := range []struct {
		name    string
		refused func(v *bconv)
	}{
		{"greeting", greeting},
		{"midstream", midstream},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := newBoundsScene(t, Options{MaxCandidates: 1})
			greeting(sc.conv(0, 2121)) // the one candidate, undecided
			for i := 1; i <= 3; i++ {
				tc.refused(sc.conv(i, 2121))
			}
			if st := sc.d.Stats(); st.Candidates != 1 || st.CandidatesFull != 3 {
				t.Errorf("candidates %d, candidates_full %d; want 1, 3 (connections)", st.Candidates, st.CandidatesFull)
			}
		})
	}
}

// TestEvictedSessionLateBytesStartNoSession: a session evicted to make
// room was alive, and may be silent for up to the idle limit; its bytes
// after the 4 minutes a closed connection's tombstone holds are still its
// own: no session picked up mid-stream that evicts another in turn
// (16,000 sessions open at once gave 32,000 sessions and 22,000
// evictions, not 16,000 and 6,000).
func TestEvictedSessionLateBytesStartNoSession(t *testing.T) {
	sc := newBoundsScene(t, Options{MaxControlConns: 2})
	a, b, c := sc.conv(0, 21), sc.conv(1, 21), sc.conv(2, 21)
	a.login()
	b.login()
	c.login() // the table is full: a, idle longest, is evicted
	sc.wait(5 * time.Minute)
	b.noop()
	c.noop()
	a.noop()
	sc.d.Finish()
	st := sc.d.Stats()
	if st.ControlConns != 3 || st.ControlEvicted != 1 {
		t.Errorf("control_conns %d, sessions_evicted %d; want 3, 1", st.ControlConns, st.ControlEvicted)
	}
	if n := convClientount(sc.rec, ControlOpen); n != 3 {
		t.Errorf("%d ControlOpen; want 3", n)
	}
}

// TestTombstoneRingGrowsInOrder: the ring grows with its oldest first, and
// every tombstone it held is still found where the index says.
func TestTombstoneRingGrowsInOrder(t *testing.T) {
	var forgotten uint64
	var tb tombstones
	tb.init(4)
	tb.bound(16, &forgotten)
	key := func(i int) ConnKey {
		return MakeConnKey(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), 1000), convServer)
	}
	now := convT0
	for i := range 20 {
		tb.add(key(i), now)
	}
	if len(tb.ring) != 16 || forgotten != 4 {
		t.Fatalf("ring %d, forgotten %d; want 16, 4", len(tb.ring), forgotten)
	}
	for i := range 20 {
		if found := tb.find(key(i), now) != nil; found != (i >= 4) {
			t.Errorf("key %d found %v", i, found)
		}
	}
	// Past the TTL a slot is reused without counting.
	later := now.Add(tombstoneTTL + time.Second)
	tb.add(key(30), later)
	if forgotten != 4 || tb.find(key(30), later) == nil {
		t.Errorf("forgotten %d after an expired slot's reuse", forgotten)
	}
}

// FuzzTombstoneRing: whatever the order of closes, drops and lookups, a
// tombstone within its TTL is found unless one was counted forgotten,
// the index points only at slots holding its key, and the ring stays
// within its bound.
func FuzzTombstoneRing(f *testing.F) {
	f.Add([]byte{0, 1, 0, 2, 1, 1, 2, 1, 0, 3, 3, 200, 0, 1})
	f.Add([]byte{0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0, 9, 1, 1, 1, 9})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var forgotten uint64
		var tb tombstones
		tb.init(2)
		tb.bound(8, &forgotten)
		key := func(b byte) ConnKey {
			return MakeConnKey(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, b % 16}), 1000), convServer)
		}
		type closed struct {
			at      time.Time
			evicted bool
		}
		model := map[ConnKey]closed{}
		now := convT0
		for len(ops) >= 2 {
			op, arg := ops[0], ops[1]
			ops = ops[2:]
			k := key(arg)
			switch op % 4 {
			case 0: // a close
				tb.add(k, now).evicted = arg&16 != 0
				model[k] = closed{now, arg&16 != 0}
			case 1: // a lookup
				c, ok := model[k]
				ttl := tombstoneTTL
				if c.evicted {
					ttl = idleClose
				}
				want := ok && now.Sub(c.at) <= ttl
				got := tb.find(k, now)
				if got != nil && got.key != k {
					t.Fatalf("find %v gave %v", k, got.key)
				}
				if want && got == nil && forgotten == 0 {
					t.Fatalf("tombstone of %v lost, none counted forgotten", k)
				}
			case 2:
				tb.drop(k)
				delete(model, k)
			case 3: // time passes
				now = now.Add(time.Duration(arg) * 10 * time.Second)
			}
			if len(tb.ring) > 8 {
				t.Fatalf("ring %d slots, bound 8", len(tb.ring))
			}
			for h, i := range tb.index {
				if tb.hash(tb.ring[i].key) != h {
					t.Fatalf("index %x points at slot %d holding another key", h, i)
				}
			}
		}
	})
}
