package vantage

import (
	"testing"
	"time"
)

// TestFlowHolesBoundedWhenSplit guards the holes of a flow against
// segments that each land inside one and split it in two: the bound
// (maxHoles) held only for holes made past the highest byte, so 20,000
// one-byte segments into one gap made 20,001 holes, re-sorted on each
// segment (--vantage took 10.6 s on 40,000).
func TestFlowHolesBoundedWhenSplit(t *testing.T) {
	var f Flow
	ts := time.Unix(0, 0)
	f.payload(1000, 1, ts)
	f.payload(1000+1_000_000, 1, ts) // a gap of a million bytes
	for i := range 20_000 {
		f.payload(uint32(1000+1+2*i), 1, ts) // every other byte: each splits the gap
	}
	if len(f.holes) > maxHoles {
		t.Errorf("%d holes, bound %d", len(f.holes), maxHoles)
	}
	if f.Bytes != 20_002 {
		t.Errorf("bytes %d, want 20002 (each counted once)", f.Bytes)
	}
}
