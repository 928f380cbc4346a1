package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
)

// runRead analyses the files as one capture, in the order given. A file
// that cannot be read is one line naming it and why; the files after it
// are still read. When none could be read there is no summary at all:
// zeros would only hide the error.
func runRead(opts *readOptions, stdout, stderr io.Writer) error {
	inputs := orderInputs(dedupeInputs(opts.Files, stderr), stderr)
	files := inputNames(inputs)
	out := newOutput(&opts.analysisOptions, stdout)
	if t, ok := out.(*textOutput); ok {
		configureText(t, opts, files, stdout, stderr)
	} else if opts.minSev > 0 || opts.sel != nil {
		out = &recordFilter{out: out, minSev: opts.minSev, sel: opts.sel}
	}
	cv, err := startCarving(opts, files)
	if err != nil {
		return err
	}
	var c *carver
	if cv != nil {
		c = cv.c
	}
	p := newCarvingPipeline(&opts.analysisOptions, withReport(out, opts, files), track.Options{}, c, opts.Workers > 1)
	// A file may hold the control connections alone (taken or cut with
	// 'port 21'): the findings that rest on a data connection it lacks
	// say a filter may have left it out, and what a pcapng file records
	// of its capture filter settles whether one did. (A live capture's
	// filter is ftpsniff's own.)
	p.diag.SetControlOnly(p.trk.ControlOnly)
	p.diag.SetCaptureFilter(p.recordedFilter)
	p.sel = opts.sel
	p.carving = cv
	p.filter = opts.filter
	prog := newProgress(stderr)
	var inputErrs []error
	opened := 0
	var prev string
	var prevLast time.Time
	for i, name := range files {
		if ov, ok := overlapNote(stderr, prev, prevLast, inputs[i]); ok {
			tellOverlap(p.out, ov)
		}
		if len(files) > 1 {
			// Packet numbers restart per file, as the files number them.
			// (A frame the decoder held is decoded here: one pass writes
			// it as the previous file's.)
			p.dec.SetInput(name)
		}
		if cv != nil {
			cv.cur = i
		}
		if prev != "" && inputs[i].first.After(prevLast) {
			// Nothing was captured between the files read so far and
			// this one: a wait cut by that time is undetermined, not a
			// failure (a missing file of a rotation looks the same;
			// track/breaks.go). Everything before was tracked (sync).
			p.trk.InputBreak(prevLast, inputs[i].first)
		}
		ok, err := readInput(name, p, opts, prog, out)
		if ok {
			opened++
			// The file that ends last of those read so far: the one a
			// later file may start inside (the decoder's latest time
			// moves only when this file ends later).
			if last := p.dec.LastTime(); prev == "" || last.After(prevLast) {
				prev, prevLast = name, last
			}
		}
		if err != nil {
			// Keep going: what was decoded is reported, the error too.
			inputErrs = append(inputErrs, err)
		}
	}
	if opened == 0 && len(inputErrs) > 0 {
		if p.relay != nil {
			p.relay.Close()
		}
		if cv != nil {
			cv.abandon()
		}
		for _, err := range inputErrs[:len(inputErrs)-1] {
			fmt.Fprintf(stderr, "ftpsniff: %s\n", safe(oneLine(err.Error())))
		}
		return inputErrs[len(inputErrs)-1]
	}
	ferr := p.finish(inputErrs...)
	if r, ok := out.(*recordFilter); ok {
		noSuchSession(stderr, r.sel, r.selected, r.lastID)
	}
	if cv != nil {
		// After the analysis's output: a failure to write is said once,
		// as the error; findings (--fail-on) are said by the exit code.
		if err := cv.finish(opts, stderr); err != nil {
			return err
		}
	}
	if ferr != nil && len(inputErrs) == 0 {
		return ferr
	}
	if len(inputErrs) == 0 {
		return nil
	}
	// Every error once, in input order: main prints the last.
	for _, err := range inputErrs[:len(inputErrs)-1] {
		fmt.Fprintf(stderr, "ftpsniff: %s\n", safe(oneLine(err.Error())))
	}
	return inputErrs[len(inputErrs)-1]
}

// configureText sets the text output up for read's view flags.
func configureText(t *textOutput, opts *readOptions, files []string, stdout, stderr io.Writer) {
	t.width = outputWidth(stdout)
	t.verbose = opts.Verbose
	t.minSev = opts.minSev
	t.notes = stderr
	t.sel = opts.sel
	// The summary's hints say "the same command with …" (rerunDrops).
	t.rerunDrop = strings.Join(rerunDrops(opts), " and ")
	// Repeated findings are counted per server for the summary. Without
	// -v a transcript also shows a repeat in one line; with -v every
	// finding is written in full where it happened, and the summary view
	// (which writes no transcript) still explains each one.
	t.collapse = newCollapser()
	t.summaryAsked = opts.Summary
	switch {
	case opts.Summary:
		t.view = viewSummary
	case opts.Full || opts.sel != nil:
		t.view = viewFull
	case isTerminal(stdout) && !anyStream(files):
		// A person at a terminal, reading files: a capture of more
		// sessions than the screen has rows gets the summary. A pipe is
		// shown as it arrives, and scripts get what they asked for.
		t.view = viewAuto
		t.autoMax = max(outputRows(stdout), 24)
		t.startHolding()
	}
	// -v: the summary view (no transcript) shows every occurrence.
	t.collapse.every = opts.Verbose && t.view != viewFull
}

// readFile feeds one capture to the decoder and adds what the file reader
// met and read past (limits, oddities) to files: no filter, no progress.
func readFile(name string, dec *decode.Decoder, files *capture.Stats) error {
	src, err := capture.Open(name)
	if err != nil {
		return err
	}
	src = capture.Prefetch(src)
	err = dec.DecodeAll(src)
	src.Close()
	files.Add(capture.StatsOf(src))
	return err
}

// readInput is readFile with read's filters, progress line and, for a
// pipe, output flushed whenever the decoder catches up with the input. It
// reports whether the file could be opened at all.
func readInput(name string, p *pipeline, opts *readOptions, prog *progress, out output) (bool, error) {
	src, err := capture.Open(name)
	if err != nil {
		return false, err
	}
	// A gzip file is inflated, and a pipe read, on one core while
	// decoding runs on another (a plain file is read directly: cheaper).
	// A pipe is analysed as it arrives: whenever the decoder has caught up
	// with it, what it produced is flushed.
	var waiting func()
	if capture.Streaming(src) {
		waiting = func() {
			p.sync()
			_ = out.Flush()
		}
	}
	pre := capture.PrefetchWaiting(src, waiting)
	p.input.Store(&inputSource{src: pre})
	in := pre
	if opts.filter != nil {
		in = &filteredSource{Source: in, f: opts.filter, dec: p.dec}
	}
	if prog.on {
		prog.file(name, pre, p.dec)
		in = &progressSource{Source: in, p: prog}
	}
	var carved *packetSource
	if p.carving != nil {
		carved = p.carving.source(in)
		in = carved
	}
	err = p.dec.DecodeAll(in)
	p.sync() // the output is the caller's again (the summary's notes)
	if carved != nil {
		carved.flush() // the last packet, before its buffer goes
	}
	prog.clear()
	pre.Close()
	p.files.Add(capture.StatsOf(pre))
	return true, err
}

// anyStream tells whether one of the inputs is a pipe or the like.
func anyStream(files []string) bool {
	for _, name := range files {
		var fi os.FileInfo
		var err error
		if name == "-" {
			fi, err = os.Stdin.Stat()
		} else {
			fi, err = os.Stat(name)
		}
		if err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
			return true
		}
	}
	return false
}

// dedupeInputs drops a file given more than once (by name or by another
// path to it): read twice, every session would be counted twice. It says
// so once per file on stderr.
func dedupeInputs(names []string, stderr io.Writer) []string {
	var out []string
	var seen []os.FileInfo
	stdin := false
	warned := map[string]bool{}
	for _, name := range names {
		dup := false
		if name == "-" {
			dup, stdin = stdin, true
		} else if fi, err := os.Stat(name); err == nil {
			for _, s := range seen {
				if os.SameFile(s, fi) {
					dup = true
					break
				}
			}
			if !dup {
				seen = append(seen, fi)
			}
		}
		if dup {
			if !warned[name] {
				warned[name] = true
				fmt.Fprintf(stderr, "ftpsniff: %s is given more than once: read once\n", displayInput(name))
			}
			continue
		}
		out = append(out, name)
	}
	return out
}

// inputErrNote tells, after an input error in the summary, whether
// anything of that input is in the output above.
func inputErrNote(err error) string {
	var e *capture.Error
	if errors.As(err, &e) && e.Packets > 0 {
		if e.Packets == 1 {
			return " (its 1 packet before that is analysed above)"
		}
		return fmt.Sprintf(" (its %d packets before that are analysed above)", e.Packets)
	}
	return " (nothing read from it)"
}

// displayInput is an input's name as printed on stderr: escaped (safe),
// since a file name is anyone's bytes and may hold terminal escapes, and
// "-" said as what it is. An error that wraps it is escaped again where
// printed: wrap the name itself instead.
func displayInput(name string) string {
	if name == "-" {
		return "standard input"
	}
	return safe(name)
}

// rerunDrops are the flags a hint's "the same command with --session N"
// must leave out to print a transcript (besides --summary, which only
// some hints drop): an output format other than text, and those writing
// files it would write again (--write would overwrite the capture,
// --extract would add copies, --report would overwrite the page).
func rerunDrops(o *readOptions) []string {
	var drop []string
	switch {
	case o.JSON:
		drop = append(drop, "--json")
	case o.Format == "json" || o.Format == "zeek":
		drop = append(drop, "--format "+o.Format)
	}
	if o.Write != "" {
		drop = append(drop, "--write")
	}
	if o.ExtractDir != "" {
		drop = append(drop, "--extract")
	}
	if o.Report != "" {
		drop = append(drop, "--report")
	}
	return drop
}
