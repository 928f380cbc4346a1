package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// streamOutput is the text output of `live`: every line is written as the
// tracker reports it, prefixed by its session, instead of one transcript
// per session at its end. Lines of sessions that run at the same time
// interleave; the prefix tells them apart.
type streamOutput struct {
	w        *bufio.Writer
	p        *palette
	showPass bool

	// totals counts for the summary, which is the read command's.
	totals *textOutput
	// lines formats replies, events and data connections the way the
	// transcript does, into scratch, to be prefixed line by line.
	lines   *textOutput
	scratch bytes.Buffer
	sbuf    *bufio.Writer
	greeted map[*track.Session]int // greeting lines printed, per open session
}

func newStreamOutput(w *bufio.Writer, p *palette, showPass bool) *streamOutput {
	o := &streamOutput{w: w, p: p, showPass: showPass, totals: newTextOutput(w, p, showPass), greeted: map[*track.Session]int{}}
	o.sbuf = bufio.NewWriter(&o.scratch)
	o.lines = newTextOutput(o.sbuf, p, showPass)
	return o
}

// emit writes what f printed through o.lines, one prefixed line at a time.
func (o *streamOutput) emit(s *track.Session, f func()) {
	o.scratch.Reset()
	f()
	o.sbuf.Flush()
	prefix := o.p.dim.Sprintf("[%d]", s.ID)
	for _, l := range strings.SplitAfter(o.scratch.String(), "\n") {
		if l == "" || l == "\n" {
			continue
		}
		o.w.WriteString(prefix)
		o.w.WriteString(l)
	}
}

func (o *streamOutput) printf(s *track.Session, format string, a ...any) {
	o.emit(s, func() { fmt.Fprintf(o.sbuf, format, a...) })
}

func (o *streamOutput) SessionStart(s *track.Session) {
	notes := appendStartNotes(nil, s)
	extra := ""
	if len(notes) > 0 {
		extra = "  " + o.p.warn.Sprint(strings.Join(notes, "; "))
	}
	o.printf(s, " %s %s %s %s  %s%s\n", o.p.head.Sprint("session"), addrString(s.Client), o.p.dim.Sprint("->"), addrString(s.Server),
		s.Start.UTC().Format("2006-01-02 15:04:05.000000 UTC"), extra)
}

// greeting prints the greeting lines that arrived since the last call for
// the session: the session starts before its greeting is read, and the
// greeting is neither a command nor an event.
func (o *streamOutput) greeting(s *track.Session) {
	for n := o.greeted[s]; n < len(s.Greeting); n++ {
		r := &s.Greeting[n]
		o.emit(s, func() { o.lines.reply(s, r, nil) })
	}
	o.greeted[s] = len(s.Greeting)
}

// Command prints a command with its replies. Data connections are printed
// by Data when their outcome is known, which may be before or after.
func (o *streamOutput) Command(s *track.Session, c *track.Command) {
	o.greeting(s)
	o.emit(s, func() {
		o.lines.commandLine(s, c)
		for i := range c.Replies {
			o.lines.reply(s, &c.Replies[i], c)
		}
		o.lines.commandStatus(c)
	})
}

func (o *streamOutput) Data(s *track.Session, d *track.DataConn) {
	o.greeting(s)
	o.totals.count(d)
	o.emit(s, func() {
		// The transcript indents data lines under their command; here the
		// stamp says when the outcome was decided.
		ts := d.End
		if ts.IsZero() {
			ts = d.LastSYN
		}
		if ts.IsZero() {
			ts = d.Armed
		}
		o.lines.data(d, o.lines.stamp(s, ts))
	})
	// Its findings are printed with it; those left for the session's end
	// came after their data connection's line (a held data-not-attempted).
	o.lines.findings[s] = slices.DeleteFunc(o.lines.findings[s], func(f *diagnose.Finding) bool { return f.Data == d })
}

func (o *streamOutput) Event(s *track.Session, e *track.Event) {
	o.greeting(s)
	o.emit(s, func() { o.lines.event(s, e) })
}

func (o *streamOutput) SessionEnd(s *track.Session) {
	o.greeting(s)
	delete(o.greeted, s)
	for _, f := range o.lines.findings[s] {
		// Reported after its data connection's line (diagnose holds a
		// data-not-attempted that blames the vantage: holdBlind).
		o.emit(s, func() { o.lines.finding(f) })
	}
	delete(o.lines.findings, s)
	if s.Counted() {
		o.totals.sessions++
	}
	who := loginString(s)
	if s.User != "" {
		who = fmt.Sprintf("user %s, %s", shown(s.User), who)
	}
	o.printf(s, " %s %s after %s; %s; %d command%s; data: %s\n", o.p.head.Sprint("end:"),
		s.EndReason, seconds(s.End.Sub(s.Start)), who, s.CommandCount, plural(s.CommandCount), outcomeCounts(s.DataOutcomes[:], s.DataCount))
}

func (o *streamOutput) Summary(t totals) { o.totals.Summary(t) }

// Finding prints a finding as soon as it is made.
func (o *streamOutput) Finding(f *diagnose.Finding) {
	if int(f.Severity) < len(o.totals.bySev) {
		o.totals.bySev[f.Severity]++
	}
	switch {
	case f.Data != nil:
		// Reported just before its data connection: printed under it.
		o.lines.findings[f.Session] = append(o.lines.findings[f.Session], f)
	case f.Session == nil:
		o.lines.finding(f)
	default:
		o.emit(f.Session, func() { o.lines.finding(f) })
	}
}

func (o *streamOutput) Policy(p policy.Policy)             { o.totals.Policy(p) }
func (o *streamOutput) Servers(s []diagnose.ServerSummary) { o.totals.Servers(s) }
func (o *streamOutput) Flush() error                       { return o.w.Flush() }

// flushEach flushes the output after every record, so that each line
// leaves the process when it is final (`ftpsniff live --json | jq` sees
// it at once) and is written whole. before runs first when something is
// about to be written: it takes the status line off the terminal.
type flushEach struct {
	out      output
	buffered func() int
	before   func()
	err      error
}

func (f *flushEach) flush() {
	if f.buffered() == 0 {
		return
	}
	if f.before != nil {
		f.before()
	}
	if err := f.out.Flush(); err != nil && f.err == nil {
		f.err = err
	}
}

// tick passes the packet clock to an output that holds lines back for a
// while (the zeek writer in live: zeekOutput.release) and flushes what it
// wrote.
func (f *flushEach) tick(now time.Time) {
	if z, ok := f.out.(*zeekOutput); ok {
		z.release(now)
		f.flush()
	}
}

func (f *flushEach) SessionStart(s *track.Session)              { f.out.SessionStart(s); f.flush() }
func (f *flushEach) Command(s *track.Session, c *track.Command) { f.out.Command(s, c); f.flush() }
func (f *flushEach) Data(s *track.Session, d *track.DataConn)   { f.out.Data(s, d); f.flush() }
func (f *flushEach) Event(s *track.Session, e *track.Event)     { f.out.Event(s, e); f.flush() }
func (f *flushEach) SessionEnd(s *track.Session)                { f.out.SessionEnd(s); f.flush() }
func (f *flushEach) Summary(t totals) {
	f.out.Summary(t)
}

func (f *flushEach) Finding(fd *diagnose.Finding) {
	if d, ok := f.out.(diagnosisOutput); ok {
		d.Finding(fd)
		f.flush()
	}
}

func (f *flushEach) Policy(p policy.Policy) {
	if d, ok := f.out.(diagnosisOutput); ok {
		d.Policy(p)
		f.flush()
	}
}

func (f *flushEach) Servers(s []diagnose.ServerSummary) {
	if d, ok := f.out.(diagnosisOutput); ok {
		d.Servers(s)
	}
}

func (f *flushEach) Flush() error {
	if f.before != nil {
		f.before()
	}
	if err := f.out.Flush(); err != nil {
		return err
	}
	return f.err
}

// newLiveOutput is the output of `live`: JSON Lines or the streaming text,
// flushed record by record.
func newLiveOutput(o *analysisOptions, w io.Writer, before func()) *flushEach {
	bw := bufio.NewWriterSize(w, 64<<10)
	var out output
	if o.JSON {
		out = newJSONOutput(bw, o.ShowPasswords)
	} else {
		out = newStreamOutput(bw, newPalette(colorWanted(o.Color, w)), o.ShowPasswords)
	}
	return &flushEach{out: out, buffered: bw.Buffered, before: before}
}
