package decode

import (
	"net/netip"
	"testing"
	"time"
)

// TestConnIndexLastFoundForgottenOnChange: the value ConnIndex found last
// (ConnIndex.last, which answers the next lookup of the same connection
// without the map) is what the map says after every change: gone once
// deleted or cleared, the new value once the key is put again.
func TestConnIndexLastFoundForgottenOnChange(t *testing.T) {
	type v struct{ k ConnKey }
	x := NewConnIndex(func(p *v, k ConnKey) bool { return p.k == k })
	a, b := netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:21")
	c := netip.MustParseAddrPort("10.0.0.3:40000")
	k := MakeConnKey(a, b)
	p := &v{k}
	x.Put(k, p)
	if x.GetPair(a, b) != p || x.GetPair(b, a) != p || x.Get(k) != p {
		t.Fatal("not found as put")
	}
	if x.GetPair(a, c) != nil || x.GetPair(c, b) != nil {
		t.Error("another pair found as the last one found")
	}
	x.Delete(k)
	if got := x.GetPair(a, b); got != nil {
		t.Errorf("found after its delete: %p", got)
	}
	if got := x.Get(k); got != nil {
		t.Errorf("Get: found after its delete: %p", got)
	}
	q := &v{k}
	x.Put(k, q)
	if got := x.GetPair(b, a); got != q {
		t.Errorf("the key put again: found %p, want the new value %p", got, q)
	}
	x.Clear()
	if got := x.GetPair(a, b); got != nil {
		t.Errorf("found after Clear: %p", got)
	}
	// Found by Get, then deleted with another key put: GetPair finds
	// each as the map has it.
	k2 := MakeConnKey(a, c)
	p2 := &v{k2}
	x.Put(k, p)
	x.Put(k2, p2)
	if x.Get(k) != p || x.GetPair(c, a) != p2 || x.GetPair(b, a) != p {
		t.Fatal("two connections not found as put")
	}
	x.Delete(k)
	if got := x.GetPair(a, b); got != nil {
		t.Errorf("found after its delete, another connection's put between: %p", got)
	}
	if got := x.GetPair(a, c); got != p2 {
		t.Errorf("the other connection: %p, want %p", got, p2)
	}
}

// TestHostPairsSeenAfterPairAddedAgain: a pair's segments in the second
// hostPairs.seen stamped last change nothing, but a pair added again
// since (its control connections gone and a new one carrying bytes)
// starts unstamped and is stamped by its next segment in that second
// too, as is a pair seen with no entry and added since.
func TestHostPairsSeenAfterPairAddedAgain(t *testing.T) {
	var p hostPairs
	p.init()
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.10")
	other := netip.MustParseAddr("192.0.2.20")
	p.add(a, other) // (an entry: seen looks up the pairs only when there is one)
	p.seen(a, b, 5*time.Second)
	p.add(a, b)
	p.seen(b, a, 5*time.Second+100*time.Millisecond)
	if at, ok := p.lastSeen(a, b); !ok || at != 5*time.Second {
		t.Errorf("a pair added after a segment with none, seen again in the same second: %v %v, want 5s", at, ok)
	}
	p.seen(a, b, 5*time.Second+500*time.Millisecond)
	p.seen(a, b, 6*time.Second)
	if at, ok := p.lastSeen(b, a); !ok || at != 6*time.Second {
		t.Errorf("the next second: %v %v, want 6s", at, ok)
	}
	p.remove(a, b)
	p.add(a, b)
	if _, ok := p.lastSeen(a, b); ok {
		t.Fatal("a pair added again has a time already")
	}
	p.seen(a, b, 6*time.Second+200*time.Millisecond)
	if at, ok := p.lastSeen(a, b); !ok || at != 6*time.Second {
		t.Errorf("a pair added again, seen in the second stamped last: %v %v, want 6s", at, ok)
	}
}
