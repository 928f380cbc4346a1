package decode

import (
	"net/netip"
	"testing"
)

// TestKeyRingBound: the ring keeps the last n keys; a key put again keeps
// its slot; a key deleted and put again is not taken out when its old
// slot comes round (the SYN-ACK memory forgot such a key too early).
func TestKeyRingBound(t *testing.T) {
	key := func(i int) ConnKey {
		return MakeConnKey(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, 1}), uint16(1000+i)), netip.MustParseAddrPort("10.0.0.2:21"))
	}
	var r keyRing[int]
	for i := range 5 {
		r.put(key(i), i, 3)
	}
	for i := range 5 {
		if _, ok := r.get(key(i)); ok != (i >= 2) {
			t.Errorf("key %d kept %v, want %v", i, ok, i >= 2)
		}
	}
	r.put(key(4), 40, 3) // again: same slot, new value
	if v, _ := r.get(key(4)); v != 40 {
		t.Errorf("key 4 = %d, want 40", v)
	}
	// A key deleted and put again takes another slot; its old slot, when
	// it comes round, must not take it out.
	var q keyRing[int]
	q.put(key(10), 1, 4) // slot 0
	q.put(key(11), 1, 4) // slot 1
	q.del(key(10))
	q.put(key(10), 2, 4) // slot 2 (slot 0 still names it)
	q.put(key(12), 1, 4) // slot 3
	q.put(key(13), 1, 4) // slot 0 again
	if v, ok := q.get(key(10)); !ok || v != 2 {
		t.Errorf("key 10 = %d, %v; want 2, kept", v, ok)
	}
	if len(r.m) > 3 {
		t.Errorf("%d keys kept, want at most 3", len(r.m))
	}
}
