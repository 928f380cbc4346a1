package track

import (
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// answeredLoop is heldSYNs.answered without its pass-over: every SYN held
// looked at, as it was first written.
func (h *heldSYNs) answeredLoop(s *decode.Segment) (overwrote bool) {
	kept := false
	for i := range h.segs {
		x := &h.segs[i]
		if x.Num == 0 {
			continue
		}
		if s.TS.Sub(x.TS) > synHoldWindow {
			x.Num = 0
			h.live--
			continue
		}
		onTuple := x.Src == s.Src && x.Dst == s.Dst || x.Src == s.Dst && x.Dst == s.Src
		if onTuple && h.answers[i].Num != 0 && s.Reorders && !s.Flags.Has(decode.FlagSYN) {
			if !kept {
				kept = true
				overwrote = h.keepLater(s)
			}
			continue
		}
		if x.Src == s.Src && x.Dst == s.Dst {
			if s.Flags&(decode.FlagSYN|decode.FlagRST|decode.FlagACK) != decode.FlagACK || int32(s.Seq-(x.Seq+1)) < 0 {
				continue
			}
		} else if x.Src != s.Dst || x.Dst != s.Src {
			continue
		} else if s.Flags.Has(decode.FlagRST) && !(s.Flags.Has(decode.FlagACK) && ackPastSYN(s.Ack, x.Seq)) {
			x.Num = 0
			h.live--
			continue
		}
		if h.answers[i].Num == 0 {
			a := *s
			a.Payload, a.PayloadLen = nil, 0
			h.answers[i] = a
		}
	}
	return overwrote
}

// TestHeldSYNsPassOverChangesNothing: answered, which passes over a
// segment that can age out no held SYN and is on no held SYN's 4-tuple
// (by the oldest time held and a bit per pair of ports), leaves the held
// SYNs, their answers and the segments kept after them as looking at
// every SYN held does, over random SYNs held (holdSYN), released
// (releaseHeldSYN) and segments between a few hosts and ports, in time
// order and out of it.
func TestHeldSYNsPassOverChangesNothing(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	hosts := []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("2001:db8::1")}
	ports := []uint16{20, 21, 1024, 1025, 40000, 40064, 40256, 50000}
	base := time.Unix(1764841234, 0)
	passed, looked := 0, 0
	for round := range 60 {
		fast, ref := &Tracker{}, &Tracker{}
		now := base
		num := uint64(0)
		for range 1000 {
			num++
			now = now.Add(time.Duration(r.IntN(300)) * time.Millisecond)
			ts := now
			if r.IntN(10) == 0 {
				ts = now.Add(-time.Duration(r.IntN(3000)) * time.Millisecond) // out of order
			}
			s := decode.Segment{
				Num: num, TS: ts,
				Src: netip.AddrPortFrom(hosts[r.IntN(len(hosts))], ports[r.IntN(len(ports))]),
				Dst: netip.AddrPortFrom(hosts[r.IntN(len(hosts))], ports[r.IntN(len(ports))]),
				Seq: uint32(r.IntN(4)), Ack: uint32(r.IntN(4)),
				Flags:    []decode.TCPFlags{decode.FlagSYN, decode.FlagACK, decode.FlagRST, decode.FlagRST | decode.FlagACK, decode.FlagSYN | decode.FlagACK, decode.FlagACK | decode.FlagFIN}[r.IntN(6)],
				Reorders: round%2 == 0,
			}
			switch k := r.IntN(10); {
			case k < 2:
				fast.holdSYN(&s, countedNone)
				ref.holdSYN(&s, countedNone)
			case k == 2 && fast.syns != nil:
				i := r.IntN(maxHeldSYNs)
				if fast.syns.segs[i].Num != 0 {
					fast.releaseHeldSYN(i)
					ref.releaseHeldSYN(i)
				}
			case fast.syns != nil && fast.syns.live > 0:
				if decode.PacketSub(s.TS, fast.syns.oldest) <= synHoldWindow && !fast.syns.mayHold(s.Src.Port(), s.Dst.Port()) {
					passed++
				} else {
					looked++
				}
				got, want := fast.syns.answered(&s), ref.syns.answeredLoop(&s)
				if got != want {
					t.Fatalf("round %d, packet %d: answered = %v, every SYN looked at: %v", round, num, got, want)
				}
				g, w := *fast.syns, *ref.syns
				g.oldest, g.tuples, w.oldest, w.tuples = time.Time{}, [4]uint64{}, time.Time{}, [4]uint64{}
				g.compared, w.compared = 0, 0
				if !reflect.DeepEqual(g, w) {
					t.Fatalf("round %d, packet %d: the SYNs held differ from looking at every one", round, num)
				}
			}
		}
	}
	if passed == 0 || looked == 0 {
		t.Fatalf("segments passed over %d, looked at %d: the test misses a path", passed, looked)
	}
}
