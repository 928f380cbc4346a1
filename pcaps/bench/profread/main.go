// Command profread runs what `ftpsniff read` runs (decode/capture source,
// decode.Decoder, track.Tracker) over one capture with a CPU profile, and
// prints the tracker's conclusions as counts. Output formatting (the
// cmd/ftpsniff package) is left out: it is per session and command, not per
// packet. It exists because cmd/ftpsniff has no profiling flag.
//
//	profread -cpuprofile cpu.prof -memprofile mem.prof FILE
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
)

// counter is a track.Sink that only counts.
type counter struct {
	sessions, commands, data int
	outcomes                 map[track.Outcome]int
}

func (c *counter) SessionStart(*track.Session)            {}
func (c *counter) Command(*track.Session, *track.Command) { c.commands++ }
func (c *counter) Data(_ *track.Session, d *track.DataConn) {
	c.data++
	c.outcomes[d.Outcome]++
}
func (c *counter) Event(*track.Session, *track.Event) {}
func (c *counter) SessionEnd(*track.Session)          { c.sessions++ }

func main() {
	cpu := flag.String("cpuprofile", "", "write a CPU profile here")
	mem := flag.String("memprofile", "", "write a heap (allocation) profile here")
	repeat := flag.Int("repeat", 1, "analyse the file this many times, each with a fresh pipeline (more profile samples)")
	flag.Parse()
	if flag.NArg() != 1 || *repeat < 1 {
		fmt.Fprintln(os.Stderr, "usage: profread [-cpuprofile F] [-memprofile F] [-repeat N] FILE")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *cpu, *mem, *repeat); err != nil {
		fmt.Fprintln(os.Stderr, "profread:", err)
		os.Exit(1)
	}
}

func run(name, cpu, mem string, repeat int) error {
	if mem != "" {
		runtime.MemProfileRate = 4096
	}
	if cpu != "" {
		f, err := os.Create(cpu)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for range repeat {
		if err := analyse(name); err != nil {
			return err
		}
	}
	if mem != "" {
		f, err := os.Create(mem)
		if err != nil {
			return err
		}
		defer f.Close()
		return pprof.Lookup("allocs").WriteTo(f, 0)
	}
	return nil
}

// analyse runs the pipeline over the file once and prints what it found.
func analyse(name string) error {
	src, err := capture.Open(name)
	if err != nil {
		return err
	}
	defer src.Close()
	sink := &counter{outcomes: map[track.Outcome]int{}}
	trk := track.New(sink, track.Options{})
	dec := decode.New(trk, decode.Options{})
	if err := dec.DecodeAll(src); err != nil {
		return err
	}
	dec.Finish()
	trk.Finish()
	st := dec.Stats()
	fmt.Printf("packets %d tcp %d sessions %d commands %d data %d outcomes %v\n",
		st.Packets, st.TCP, sink.sessions, sink.commands, sink.data, sink.outcomes)
	return nil
}
