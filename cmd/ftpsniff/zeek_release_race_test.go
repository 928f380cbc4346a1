package main

import (
	"context"
	"io"
	"sync/atomic"
	"testing"
)

// TestZeekLiveReleaseReadsNoDataConn: with live --workers, the zeek
// lines are released once a second on the ticker's goroutine, while the
// workers' trackers write their data connections outside the lock the
// sink's calls hold: release must read none of their fields (it read
// DataConn.Done, a data race). Every line is due at once here, and the
// ticker runs flat out; run under -race (CI does, for this package).
func TestZeekLiveReleaseReadsNoDataConn(t *testing.T) {
	data, err := generated(t, 300) // many sessions and transfers at once
	if err != nil {
		t.Fatal(err)
	}
	opts := workerOpts(t, "zeek")
	for range 3 {
		f := newPcapWorkers(t, data, 2)
		lines := newLiveOutputFor(&opts.analysisOptions, io.Discard, io.Discard, nil)
		z := lines.out.(*zeekOutput)
		z.holdFor, z.holdMax = 1, 1 // every line due at once
		r := newLiveWorkers(opts, f, 2, lines)
		r.lines = lines
		var stop atomic.Bool
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < 100000 && !stop.Load(); i++ {
				r.second()
			}
		}()
		ctx, cancel := context.WithCancel(context.Background())
		go func() { f.delivered.Wait(); cancel() }()
		if err := r.run(ctx); err != nil {
			t.Fatal(err)
		}
		stop.Store(true)
		<-done
		if err := r.finish(); err != nil {
			t.Fatal(err)
		}
	}
}
