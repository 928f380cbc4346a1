package decode

import "testing"

// TestTombstoneRingAllocatedAsConnectionsClose: the ring of tombstones
// costs nothing until a control connection closes, and then only what
// the closes within a TTL need, not the 4,096 slots it may grow to
// first: a quiet capture's (or live's) heap is not set by the bound.
func TestTombstoneRingAllocatedAsConnectionsClose(t *testing.T) {
	sc := newBoundsScene(t, Options{})
	if n := len(sc.d.ctl.tombs.ring); n != 0 {
		t.Fatalf("ring of %d slots before any connection closed; want none", n)
	}
	const closes = 100 // within one TTL: the ring must grow past 64
	for i := range closes {
		v := sc.conv(i, 21)
		v.login()
		v.fin()
	}
	if n := len(sc.d.ctl.tombs.ring); n < closes || n >= tombstoneSlots {
		t.Errorf("ring of %d slots after %d closes within a TTL; want at least %d and fewer than %d", n, closes, closes, tombstoneSlots)
	}
	sc.d.Finish()
	if st := sc.d.Stats(); st.TombstonesForgotten != 0 {
		t.Errorf("tombstones_forgotten %d; want 0", st.TombstonesForgotten)
	}
}
