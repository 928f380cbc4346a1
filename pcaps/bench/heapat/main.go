// Command heapat runs what `ftpsniff read --json` runs (decode, track with
// RecentOnly, the diagnosis) over one capture and writes a heap profile
// after a given share of its packets: the live state at that moment, for
// finding what a capture of many open sessions keeps.
//
//	heapat -at 0.6 -o heap.prof FILE
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

type discard struct{}

func (discard) SessionStart(*track.Session)            {}
func (discard) Command(*track.Session, *track.Command) {}
func (discard) Data(*track.Session, *track.DataConn)   {}
func (discard) Event(*track.Session, *track.Event)     {}
func (discard) SessionEnd(*track.Session)              {}

func main() {
	at := flag.Float64("at", 0.5, "share of the packets after which to write the profile")
	out := flag.String("o", "heap.prof", "profile file")
	transcript := flag.Bool("transcript", false, "keep transcripts, as the text output does")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: heapat [-at 0.5] [-o heap.prof] FILE")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *at, *out, !*transcript); err != nil {
		fmt.Fprintln(os.Stderr, "heapat:", err)
		os.Exit(1)
	}
}

func run(name string, at float64, out string, recentOnly bool) error {
	// Count the packets first.
	total := 0
	src, err := capture.Open(name)
	if err != nil {
		return err
	}
	for {
		if _, _, _, err := src.Next(); err != nil {
			if !errors.Is(err, io.EOF) {
				return err
			}
			break
		}
		total++
	}
	src.Close()
	src, err = capture.Open(name)
	if err != nil {
		return err
	}
	defer src.Close()
	trk := track.New(diagnose.New(policy.Policy{}, discard{}, nil), track.Options{RecentOnly: recentOnly})
	dec := decode.New(trk, decode.Options{})
	stop := int(float64(total) * at)
	for n := 0; ; n++ {
		data, ci, link, err := src.Next()
		if err != nil {
			break
		}
		dec.Decode(data, ci, link)
		if n == stop {
			runtime.GC()
			f, err := os.Create(out)
			if err != nil {
				return err
			}
			if err := pprof.WriteHeapProfile(f); err != nil {
				return err
			}
			f.Close()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			fmt.Printf("after %d of %d packets: live heap %d KiB, %d sessions open\n", n+1, total, m.HeapAlloc>>10, trk.OpenSessions())
		}
	}
	dec.Finish()
	return nil
}
