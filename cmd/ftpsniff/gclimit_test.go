package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestFollowedLimit(t *testing.T) {
	const base = 40 << 20
	tests := []struct {
		live, held uint64
		want       int64
	}{
		{0, 4 << 20, base},
		{8 << 20, 14 << 20, base},
		{20 << 20, 30 << 20, base},        // 40 MiB exactly: the base
		{40 << 20, 50 << 20, 60 << 20},    // what is held, plus a quarter of the live heap
		{400 << 20, 480 << 20, 580 << 20}, // however large
		{1 << 63, 1 << 63, base},          // nonsense from the runtime: the base
	}
	for _, tt := range tests {
		if got := followedLimit(base, tt.live, tt.held); got != tt.want {
			t.Errorf("followedLimit(%d, %d, %d) = %d, want %d", base, tt.live, tt.held, got, tt.want)
		}
	}
}

// TestSoftLimitFollowsLiveHeap guards against a collector that runs
// without room: with a live heap above the soft limit, a fixed limit had
// it collect again every few hundred KB of allocation (a capture with
// 2,000 sessions waiting on data connections took 23 s of CPU instead of
// 5). After a collection, the limit leaves GOGC's room above what the
// runtime holds, and is back at the base once the heap is small again.
func TestSoftLimitFollowsLiveHeap(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(old)
	const base = 16 << 20
	followLiveHeap(base)
	defer followLiveHeap(softMemoryLimit)
	limitAfterGC := func(ok func(int64) bool) int64 {
		t.Helper()
		var l int64
		for i := 0; i < 100; i++ { // the cleanup runs after the collection, on its own goroutine
			runtime.GC()
			if l = debug.SetMemoryLimit(-1); ok(l) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		return l
	}
	held := make([][]byte, 48)
	for i := range held {
		held[i] = make([]byte, 1<<20)
	}
	if l := limitAfterGC(func(l int64) bool { return l >= 60<<20 }); l < 60<<20 {
		t.Errorf("with 48 MiB live the soft limit is %d MiB, want at least 60", l>>20)
	}
	runtime.KeepAlive(held)
	held = nil
	if l := limitAfterGC(func(l int64) bool { return l == base }); l != base {
		t.Errorf("with the heap released the soft limit is %d MiB, want the base %d", l>>20, base>>20)
	}
}
