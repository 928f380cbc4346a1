package main

import (
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// memProfileRate is the allocation sampling rate the program started with
// (512 KiB, or GODEBUG=memprofilerate's), taken before any command set it.
var memProfileRate = runtime.MemProfileRate

// addProfiling adds hidden --cpuprofile and --memprofile flags: a CPU
// profile of the whole command, and a heap profile (live objects after a
// GC) when it ends, for measuring ftpsniff itself on a capture.
//
// Without --memprofile the runtime's allocation sampling is off
// (runtime.MemProfileRate 0): on by default, it unwinds the stack of one
// allocation in every 512 KiB allocated, about 1 % of the instructions
// of a read (docs/performance.md), for a profile nothing writes.
func addProfiling(root *cobra.Command) {
	var cpu, mem string
	var cpuFile *os.File
	f := root.PersistentFlags()
	f.StringVar(&cpu, "cpuprofile", "", "write a CPU profile to FILE")
	f.StringVar(&mem, "memprofile", "", "write a heap profile to FILE at the end")
	_ = f.MarkHidden("cpuprofile")
	_ = f.MarkHidden("memprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		runtime.MemProfileRate = 0
		if mem != "" {
			runtime.MemProfileRate = memProfileRate
		}
		if cpu == "" {
			return nil
		}
		var err error
		if cpuFile, err = os.Create(cpu); err != nil {
			return fileFlagError("--cpuprofile", cpu, "cannot create the file", err)
		}
		return pprof.StartCPUProfile(cpuFile)
	}
	root.PersistentPostRunE = func(*cobra.Command, []string) error {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			cpuFile.Close()
		}
		if mem == "" {
			return nil
		}
		w, err := os.Create(mem)
		if err != nil {
			return fileFlagError("--memprofile", mem, "cannot create the file", err)
		}
		defer w.Close()
		runtime.GC()
		return pprof.Lookup("allocs").WriteTo(w, 0)
	}
}
