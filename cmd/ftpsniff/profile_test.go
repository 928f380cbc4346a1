package main

import (
	"io"
	"path/filepath"
	"runtime"
	"testing"
)

// TestAllocationSamplingOnlyForMemprofile: a command run without
// --memprofile turns the runtime's allocation sampling off (it unwinds a
// stack every 512 KiB allocated, for a profile nothing writes); with it,
// the rate the program started with is kept.
func TestAllocationSamplingOnlyForMemprofile(t *testing.T) {
	start := runtime.MemProfileRate
	defer func() { runtime.MemProfileRate = start }()
	if start == 0 {
		t.Skip("the test binary started with allocation sampling off")
	}
	capture := filepath.Join("..", "..", "pcaps", "synthetic", "walkthrough.pcap")
	run := func(args ...string) {
		t.Helper()
		root := newRootCmd(io.Discard, io.Discard)
		root.SetArgs(args)
		if err := root.Execute(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	run("read", capture)
	if runtime.MemProfileRate != 0 {
		t.Errorf("without --memprofile: MemProfileRate %d, want 0", runtime.MemProfileRate)
	}
	run("read", "--memprofile", filepath.Join(t.TempDir(), "mem.pprof"), capture)
	if runtime.MemProfileRate != start {
		t.Errorf("with --memprofile: MemProfileRate %d, want %d", runtime.MemProfileRate, start)
	}
}
