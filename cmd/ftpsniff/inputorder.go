package main

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/capture"
)

// timedInput is an input file and the time of its first packet.
type timedInput struct {
	name  string
	first time.Time // zero: unknown (a pipe, an empty or unreadable file)
}

// orderInputs puts capture files in the order of their first packets. A
// capture split by `tcpdump -C` or `-G` (day.pcap, day.pcap1, …
// day.pcap10) comes from a shell glob in the order of the names, which is
// not the order of time: read that way, sessions crossing a file boundary
// split in two and their data connections look unanswered. Inputs whose
// first packet is unknown (unreadable, empty) have no time to be ordered
// by: they stay where they were given, and the files with a first packet
// are ordered among the other places. A pipe cannot be looked into without
// reading it, so with one the order given stands. The reorder is said once
// on stderr, naming two files it moved (never one without a time).
func orderInputs(names []string, stderr io.Writer) []timedInput {
	in := make([]timedInput, len(names))
	for i, name := range names {
		in[i].name = name
	}
	if len(names) < 2 || anyStream(names) {
		return in
	}
	var places []int // of the inputs with a first packet
	var timed []timedInput
	for i := range in {
		if in[i].first = firstPacketTime(in[i].name); !in[i].first.IsZero() {
			places = append(places, i)
			timed = append(timed, in[i])
		}
	}
	slices.SortStableFunc(timed, func(a, b timedInput) int { return a.first.Compare(b.first) })
	for k, i := range places {
		in[i] = timed[k]
	}
	for i := range in {
		if in[i].name != names[i] {
			which := fmt.Sprintf("the %d files are", len(in))
			if len(timed) < len(in) {
				which = fmt.Sprintf("the %d files with packets are", len(timed))
			}
			fmt.Fprintf(stderr, "ftpsniff: %s read in the order of their first packets, not as given (%s before %s)\n",
				which, displayInput(in[i].name), displayInput(names[i]))
			break
		}
	}
	return in
}

// firstPacketTime is the timestamp of a file's first packet, or the zero
// time when it has none or cannot be read (the read proper says why).
func firstPacketTime(name string) time.Time {
	src, err := capture.Open(name)
	if err != nil {
		return time.Time{}
	}
	defer src.Close()
	_, ci, _, err := src.Next()
	if err != nil {
		return time.Time{}
	}
	return ci.Timestamp
}

// inputOverlap is an input that starts before the one read before it
// ended: read one after the other, not merged by time, so the sessions
// in both are counted twice (the same capture under two names, or a copy
// of part of it) or broken in two (two capture points, overlapping
// rotations). The summaries say so (JSON's input_overlaps, the report's
// header, the text summary), not only stderr: every count after it may
// be doubled.
type inputOverlap struct {
	File, Previous string    // names as given; Previous: of the files read before File, the one that ends last
	Starts         time.Time // File's first packet
	PreviousEnds   time.Time // Previous's last packet
}

// Overlap is how long the two files overlap: from File's first packet to
// Previous's last.
func (ov inputOverlap) Overlap() time.Duration { return ov.PreviousEnds.Sub(ov.Starts) }

// Sentence says the overlap in one line (names escaped, as displayInput
// does), for the text summary and the report.
func (ov inputOverlap) Sentence() string {
	return fmt.Sprintf("%s starts %s before %s ends (%s before %s): read one after the other, not merged by time, so its sessions may be counted twice or broken in two; merge overlapping captures first (mergecap -w merged.pcap FILE...)",
		displayInput(ov.File), overlapSpan(ov.Overlap()), displayInput(ov.Previous),
		ov.Starts.UTC().Format(time.RFC3339Nano), ov.PreviousEnds.UTC().Format(time.RFC3339Nano))
}

// overlapSpan is an overlap's length, rounded for reading.
func overlapSpan(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(time.Microsecond).String()
	}
	return d.String()
}

// maxInputOverlaps bounds the overlaps an output keeps (one per input
// at most, but inputs are many with a glob); the rest are counted.
const maxInputOverlaps = 100

// overlapList is what an output keeps of the overlaps: the first
// maxInputOverlaps, and how many more.
type overlapList struct {
	list []inputOverlap
	more int
}

func (l *overlapList) add(ov inputOverlap) {
	if len(l.list) < maxInputOverlaps {
		l.list = append(l.list, ov)
	} else {
		l.more++
	}
}

// overlapOutput is an output that shows the inputs' overlaps in its
// summary.
type overlapOutput interface {
	InputOverlap(ov inputOverlap)
}

// tellOverlap gives ov to out and to the outputs it wraps (the report
// beside it, the record filter's output), each that shows it.
func tellOverlap(out output, ov inputOverlap) {
	switch o := out.(type) {
	case *recordFilter:
		tellOverlap(o.out, ov)
		return
	case *reportTee:
		tellOverlap(o.output, ov)
		o.rep.InputOverlap(ov)
		return
	}
	if o, ok := out.(overlapOutput); ok {
		o.InputOverlap(ov)
	}
}

// overlapNote says, when a file starts before the one read before it
// ended, that the two were not interleaved: two capture points or
// overlapping rotations belong merged by time (mergecap) before they are
// read, and the same file under two names is counted twice. It says so
// on stderr, and returns the overlap for the summaries (tellOverlap).
func overlapNote(stderr io.Writer, prev string, prevLast time.Time, cur timedInput) (inputOverlap, bool) {
	if prev == "" || prevLast.IsZero() || cur.first.IsZero() || !cur.first.Before(prevLast) {
		return inputOverlap{}, false
	}
	fmt.Fprintf(stderr, "ftpsniff: %s starts (%s) before %s ends (%s): read one after the other, not merged by time, its sessions may count twice or break in two; merge overlapping captures first (mergecap -w merged.pcap FILE...)\n",
		displayInput(cur.name), cur.first.UTC().Format(time.RFC3339Nano), displayInput(prev), prevLast.UTC().Format(time.RFC3339Nano))
	return inputOverlap{File: cur.name, Previous: prev, Starts: cur.first, PreviousEnds: prevLast}, true
}

// inputNames are the names of inputs, in their order.
func inputNames(in []timedInput) []string {
	names := make([]string, len(in))
	for i, t := range in {
		names[i] = t.name
	}
	return names
}
