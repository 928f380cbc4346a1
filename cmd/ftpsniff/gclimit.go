package main

import (
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"sync"
)

// The soft memory limit follows the live heap. A fixed limit makes the
// collector run again as soon as the heap reaches it: with a live heap
// close to or above it (thousands of sessions open at once, each waiting
// on its data connections), every few hundred KB of allocation started a
// collection, and a capture that needed 5 s of CPU took 23 s. After each
// collection the limit is set to the larger of the base limit and the
// memory the runtime holds (the live heap, its fragmentation, stacks,
// metadata) plus a quarter of the live heap (GOGC=50 gives half): past the
// base, the collector runs twice as often as GOGC alone would, never
// without room.

// followLiveHeap starts adjusting the soft memory limit to the live heap
// after every collection, never below base. It runs for the process's
// life; calling it again changes only the base.
func followLiveHeap(base int64) {
	follower.mu.Lock()
	follower.base = base
	started := follower.started
	follower.started = true
	follower.mu.Unlock()
	debug.SetMemoryLimit(base)
	if !started {
		armFollower()
	}
}

var follower struct {
	mu      sync.Mutex
	base    int64
	started bool
	samples [3]rtmetrics.Sample
}

// armFollower attaches the adjustment to an object that the next
// collection frees: its cleanup runs after that collection and arms the
// next one.
func armFollower() {
	sentinel := new([16]byte)
	runtime.AddCleanup(sentinel, func(struct{}) {
		adjustLimit()
		armFollower()
	}, struct{}{})
}

// adjustLimit sets the limit from the live heap the last collection left.
func adjustLimit() {
	follower.mu.Lock()
	defer follower.mu.Unlock()
	s := &follower.samples
	s[0].Name = "/gc/heap/live:bytes"
	s[1].Name = "/memory/classes/total:bytes"
	s[2].Name = "/memory/classes/heap/released:bytes"
	rtmetrics.Read(s[:])
	for i := range s {
		if s[i].Value.Kind() != rtmetrics.KindUint64 {
			return
		}
	}
	live, total, released := s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Uint64()
	if released > total {
		return
	}
	debug.SetMemoryLimit(followedLimit(follower.base, live, total-released))
}

// followedLimit is the soft memory limit for a live heap of live bytes
// when the runtime holds held bytes: held plus a quarter of live (half
// GOGC=50's room), never below base.
func followedLimit(base int64, live, held uint64) int64 {
	if live >= 1<<61 || held >= 1<<61 {
		return base
	}
	if want := held + live/4; want > uint64(base) {
		return int64(want)
	}
	return base
}
