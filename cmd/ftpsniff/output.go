package main

import (
	"bufio"
	"io"
	"os"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// output is where the tracker's conclusions are written.
type output interface {
	track.Sink
	Summary(t totals)
	Flush() error
}

// totals is what the summary reports: the decoder's counters, the
// tracker's limits and the diagnosis's, every bound that was hit.
type totals struct {
	Files     capture.Stats // what the file readers read past (read only)
	Decode    decode.Stats
	Links     decode.LinkStats // names the tunnels and link types Decode counts
	Limits    track.Limits
	Diagnosis diagnose.Omitted
	Filtered  packetsFiltered // read's packet filters; zero without one
	// ControlOnly: a capture of the control connections alone (read).
	ControlOnly controlOnlyTotals
}

// packetsFiltered is what read's packet filters (--host, --net,
// --filter-ports, --bpf-raw) left out: Packets, and By naming the
// filters as given; By is empty when no filter was given.
type packetsFiltered struct {
	Packets uint64
	By      string
}

func newOutput(o *analysisOptions, w io.Writer) output {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch {
	case o.Format == "zeek":
		z := newZeekOutput(bw, o.ShowPasswords, o.ids())
		if o.notes != nil {
			z.notes = o.notes
		}
		return z
	case o.JSON:
		return newJSONOutput(bw, o.ShowPasswords).withIDs(o.ids())
	}
	return newTextOutput(bw, newPalette(colorWanted(o.Color, w)), o.ShowPasswords)
}

// colorWanted decides colour for one stream: the flag, then NO_COLOR and
// CLICOLOR_FORCE, then whether the stream is a terminal. fatih/color's own
// global decision looks at stdout only, once, so it is not used.
func colorWanted(flag string, w io.Writer) bool {
	switch flag {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	if v := os.Getenv("CLICOLOR_FORCE"); v != "" && v != "0" {
		return true
	}
	if os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// palette holds the colours of the text output, each enabled or disabled
// for its stream.
type palette struct {
	client, server, bad, good, warn, dim, head *color.Color
}

func newPalette(on bool) *palette {
	p := &palette{
		client: color.New(color.FgCyan),
		server: color.New(color.FgYellow),
		bad:    color.New(color.FgRed, color.Bold),
		good:   color.New(color.FgGreen),
		warn:   color.New(color.FgMagenta),
		dim:    color.New(color.Faint),
		head:   color.New(color.Bold),
	}
	for _, c := range []*color.Color{p.client, p.server, p.bad, p.good, p.warn, p.dim, p.head} {
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return p
}
