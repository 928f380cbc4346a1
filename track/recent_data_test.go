package track

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestRecentDataFollowsData: the data connections a 4-tuple looks up
// (lookupData, through its cache of recent lookups, one per slot) are
// those filed under it (Tracker.data), either way round, as connections
// are filed, replaced and dropped on 4-tuples that share cache slots.
func TestRecentDataFollowsData(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	tr := New(nil, Options{})
	hosts := []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("2001:db8::2")}
	// Ports 40000+64k share a slot with 40000 against the same peer port.
	ports := []uint16{20, 21, 40000, 40064, 40128, 40001, 50000, 50064}
	pick := func() netip.AddrPort {
		return netip.AddrPortFrom(hosts[r.IntN(len(hosts))], ports[r.IntN(len(ports))])
	}
	for range 200000 {
		a, b := pick(), pick()
		key := decode.MakeConnKey(a, b)
		switch r.IntN(4) {
		case 0:
			tr.addData(&decode.Segment{Src: a, Dst: b}, &DataConn{})
		case 1:
			tr.dropData(key)
		default:
			if got, want := tr.lookupData(a, b), tr.data[key]; got != want {
				t.Fatalf("lookupData(%v, %v) = %p, data holds %p", a, b, got, want)
			}
			if got, want := tr.lookupData(b, a), tr.data[key]; got != want {
				t.Fatalf("lookupData(%v, %v) = %p, data holds %p", b, a, got, want)
			}
		}
	}
}
