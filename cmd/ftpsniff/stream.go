package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/extract"
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
	// events counts each open session's events (streamEventsPerSession);
	// eventsNotShown those past the bound, of all sessions.
	events         map[*track.Session]int
	eventsNotShown int
	// written is the highest Index of each open session's commands
	// written: a finding about a later one waits for its line.
	written map[*track.Session]int
	// heldFor counts the findings held (in lines.findings) for each
	// command not written yet: Command looks through its session's held
	// findings only for a command that has some, not at every command
	// (a long session holds findings for its data connections).
	heldFor map[*track.Command]int
	// flush hands what was written on (flushEach's, in live): a line
	// written outside a record's call (FileSkipped) leaves at once.
	flush func()
}

// streamEventsPerSession bounds the events the stream prints of one
// session: the transcript's bound (track.Options.MaxEventsPerSess's
// default), which `read` keeps. The tracker streams every event (the
// outputs that write records as they happen keep none), and a scan of a
// session's passive port brought one data-stray line per SYN: 1,612 for
// one session in 200 s. Past it they are counted, said once in the
// session, at its end, and in the summary's notes; --json writes them all.
const streamEventsPerSession = 1000

func newStreamOutput(w *bufio.Writer, p *palette, showPass bool) *streamOutput {
	o := &streamOutput{w: w, p: p, showPass: showPass, totals: newTextOutput(w, p, showPass), greeted: map[*track.Session]int{}, events: map[*track.Session]int{}, written: map[*track.Session]int{}, heldFor: map[*track.Command]int{}}
	o.sbuf = bufio.NewWriter(&o.scratch)
	o.lines = newTextOutput(o.sbuf, p, showPass)
	o.lines.printedOnce = &printedOnce{first: map[collapseKey]int{}}
	return o
}

// printedOnce is the stream's memory of the findings it printed in full,
// by read's collapse key (server, code, severity, the advice's shape),
// each with the session it was printed in: one that comes back (the
// cleartext-login note of every anonymous session) takes one line, "as in
// session N above", as read's transcript does. At most printedOnceMax
// keys: past them, new kinds are printed in full every time.
type printedOnce struct{ first map[collapseKey]int }

const printedOnceMax = 4096

// seen tells whether a finding of f's kind was printed in full before,
// and in which session; if not, f is to be printed and is remembered.
func (p *printedOnce) seen(f *diagnose.Finding) (int, bool) {
	if p == nil || f.Session == nil {
		return 0, false
	}
	s := f.Session
	k := collapseKeyOf(s, f)
	if first, ok := p.first[k]; ok {
		return first, true
	}
	if len(p.first) < printedOnceMax {
		p.first[k] = s.ID
	}
	return 0, false
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
	o.written[s] = max(o.written[s], c.Index)
	o.emit(s, func() {
		o.lines.commandLine(s, c)
		for i := range c.Replies {
			o.lines.reply(s, &c.Replies[i], c)
		}
		o.lines.commandStatus(c)
	})
	// Findings about it made before it was answered (cleartext-login, at
	// the PASS) were held for this line: they come after it.
	if o.heldFor[c] > 0 {
		delete(o.heldFor, c)
		// (DeleteFunc visits in order: the findings keep theirs.)
		o.lines.findings[s] = slices.DeleteFunc(o.lines.findings[s], func(f *diagnose.Finding) bool {
			if f.Data != nil || f.Command != c {
				return false
			}
			o.emit(s, func() { o.lines.finding(f) })
			return true
		})
	}
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
		o.lines.data(d, o.lines.stamp(s, ts)) // (with the file-not-written line held for it: FileSkipped)
	})
	o.forgetSkipped(s, d)
	// Its findings are printed with it; those left for the session's end
	// came after their data connection's line (a held data-not-attempted).
	o.lines.findings[s] = slices.DeleteFunc(o.lines.findings[s], func(f *diagnose.Finding) bool { return f.Data == d })
}

func (o *streamOutput) Event(s *track.Session, e *track.Event) {
	o.greeting(s)
	n := o.events[s]
	o.events[s] = n + 1
	switch {
	case n < streamEventsPerSession:
		o.emit(s, func() { o.lines.event(s, e) })
	case n == streamEventsPerSession:
		o.printf(s, "%s %s\n", o.lines.stamp(s, e.TS), o.p.warn.Sprintf("(this session's events past its first %d not shown from here: transcript limit; --json writes them all)", streamEventsPerSession))
		fallthrough
	default:
		o.eventsNotShown++
	}
}

func (o *streamOutput) SessionEnd(s *track.Session) {
	o.greeting(s)
	delete(o.greeted, s)
	delete(o.written, s)
	if n := o.events[s] - streamEventsPerSession; n > 0 {
		o.printf(s, "   %s\n", o.p.warn.Sprintf("(%d more event%s not shown: transcript limit)", n, plural(n)))
	}
	delete(o.events, s)
	delete(o.lines.files.skipped, s)
	for _, f := range o.lines.findings[s] {
		// Reported after its data connection's line (diagnose holds a
		// data-not-attempted that blames the vantage: holdBlind), or
		// about a command never written.
		if f.Data == nil {
			delete(o.heldFor, f.Command)
		}
		o.emit(s, func() { o.lines.finding(f) })
	}
	delete(o.lines.findings, s)
	if s.Counted() {
		o.totals.sessions++
	}
	who := whoString(s, shownIsolated)
	o.printf(s, " %s %s after %s; %s; %d command%s; data: %s\n", o.p.head.Sprint("end:"),
		s.EndReason, spanOf(s).words(), who, s.CommandCount, plural(s.CommandCount), outcomeCounts(s.DataOutcomes[:], s.DataCount))
}

// Summary prints read's summary; the events the stream did not show are
// in its note with those a transcript leaves out.
func (o *streamOutput) Summary(t totals) {
	t.Limits.EventsOmitted += o.eventsNotShown
	o.totals.Summary(t)
}

// File prints an extracted file (--extract) as the transcript does,
// under its data connection: the data line came before it, since a file
// is closed once its transfer's final reply arrived.
func (o *streamOutput) File(s *track.Session, d *track.DataConn, r *extract.FileRecord) {
	o.lines.File(s, d, r)
	o.emit(s, func() { o.lines.fileLine(d) })
	if m := o.lines.files.recs[s]; m != nil {
		delete(m, d)
		if len(m) == 0 {
			delete(o.lines.files.recs, s)
		}
	}
}

// FileFailed says that a transfer's file could not be created (a
// file-system error; the summary counts them).
func (o *streamOutput) FileFailed(s *track.Session, d *track.DataConn, err error) {
	o.printf(s, "%s         %s\n", noStamp, o.p.warn.Sprintf("file not written for data connection %d: %s", d.ID, safe(err.Error())))
}

// FileSkipped says, under its data connection's line as read's
// transcript does, that a bound (--extract-max-total, --extract-max-open,
// the file count) kept the transfer's file from being written: at once
// when that line is out already (a transfer refused an open slot is
// told when it ends), else with it (the folder was full when its first
// bytes came: Data prints it).
func (o *streamOutput) FileSkipped(s *track.Session, d *track.DataConn, why string) {
	o.lines.FileSkipped(s, d, why)
	if d.Reported() {
		o.emit(s, func() { o.lines.fileLine(d) })
		o.forgetSkipped(s, d)
		if o.flush != nil {
			o.flush()
		}
	}
}

// forgetSkipped drops the file-not-written line held for d, printed.
func (o *streamOutput) forgetSkipped(s *track.Session, d *track.DataConn) {
	if m := o.lines.files.skipped[s]; m != nil {
		delete(m, d)
		if len(m) == 0 {
			delete(o.lines.files.skipped, s)
		}
	}
}

// ExtractSummary passes the extraction counters to the summary.
func (o *streamOutput) ExtractSummary(st extractStats) { o.totals.ExtractSummary(st) }

// Finding prints a finding as soon as it is made.
func (o *streamOutput) Finding(f *diagnose.Finding) {
	if int(f.Severity) < len(o.totals.bySev) {
		o.totals.bySev[f.Severity]++
	}
	switch {
	case f.Data != nil:
		// Reported just before its data connection: printed under it.
		o.lines.findings[f.Session] = append(o.lines.findings[f.Session], f)
	case f.Session != nil && f.Command != nil && f.Command.Index > o.written[f.Session]:
		// About a command not written yet: diagnose judges a command
		// when it is reported, before the command reaches this output
		// (cleartext-login came above its `<-- PASS`). Printed under
		// its line by Command; at the session's end if it never is.
		o.lines.findings[f.Session] = append(o.lines.findings[f.Session], f)
		o.heldFor[f.Command]++
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
//
// The output's bufio.Writer writes into sink (when set), which never
// fails: a record is handed to the destination whole by the flush, and a
// write that fails (a full disk) loses that record only, counted, while
// the next ones are tried again (outputSink).
type flushEach struct {
	out      output
	buffered func() int
	before   func()
	sink     *outputSink
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
	if f.sink != nil {
		f.sink.commit()
	}
}

// lost is how many records (lines) writing failed to deliver so far.
func (f *flushEach) lost() uint64 {
	if f == nil || f.sink == nil {
		return 0
	}
	return f.sink.lost.Load()
}

// outputSink is the destination of live's records behind the output's
// bufio.Writer: what the writer flushes is kept until commit writes it
// to w in one write, so a record is either written or lost whole (but
// for a write cut short, below). A failed write does not stop the
// capture, nor does it stick as a bufio.Writer's error would: its record
// is dropped and counted (lost, in the capture record and the metrics),
// one line on stderr says that writing fails, and the next record is
// tried again: once there is room, or once SIGHUP has reopened the file
// (reopenFile), records are written again, which one more line says.
//
// A write cut short (a disk that filled up in the middle of a record)
// leaves a torn line: the next write starts with a newline, so the
// records after it stay one to a line.
type outputSink struct {
	w       io.Writer
	stderr  io.Writer
	pending bytes.Buffer
	torn    bool   // the last write ended inside a line
	failing bool   // the last write failed
	since   uint64 // records lost since writes started failing
	// lost: records (lines) not written, over the run. Atomic: the
	// metrics read it from the once-a-second tick.
	lost atomic.Uint64
}

func (s *outputSink) Write(b []byte) (int, error) { return s.pending.Write(b) }

// commit writes what was flushed into s since the last commit.
func (s *outputSink) commit() error {
	if s.pending.Len() == 0 {
		return nil
	}
	b := s.pending.Bytes()
	defer s.pending.Reset()
	if s.torn {
		if _, err := s.w.Write([]byte{'\n'}); err != nil {
			s.fail(err, b)
			return err
		}
		s.torn = false
	}
	n, err := s.w.Write(b)
	if err != nil {
		if n > 0 && b[n-1] != '\n' {
			s.torn = true
		}
		s.fail(err, b[min(max(n, 0), len(b)):])
		return err
	}
	if s.failing {
		s.failing = false
		if s.stderr != nil {
			fmt.Fprintf(s.stderr, "ftpsniff: output: writing again; %d record%s lost\n", s.since, plural(int(s.since)))
		}
	}
	return nil
}

// fail counts the lines of rest, which were not written, and says that
// writes fail when they start to.
func (s *outputSink) fail(err error, rest []byte) {
	k := uint64(bytes.Count(rest, []byte{'\n'}))
	if len(rest) > 0 && rest[len(rest)-1] != '\n' {
		k++
	}
	s.lost.Add(k)
	if !s.failing {
		s.failing, s.since = true, 0
		if s.stderr != nil {
			fmt.Fprintf(s.stderr, "ftpsniff: output: %s; records are lost (and counted) until a write succeeds\n", safe(err.Error()))
		}
	}
	s.since += k
}

// reopened is called with the file the output wrote to, just before it
// is closed for a new one (SIGHUP): a torn line in it is ended if it can
// be, and the new file starts clean.
func (s *outputSink) reopened(old io.Writer) {
	if s.torn {
		old.Write([]byte{'\n'}) // best effort: the file is rotated away
		s.torn = false
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
	if f.sink != nil {
		// The output writes into the sink, which never fails; what the
		// destination refused is counted in lost, said on stderr, and
		// makes the run's error (endLive): the summary is not an error.
		f.sink.commit()
		return nil
	}
	return f.err
}

// note says line in the stream, between records, on a line of its own
// ("[ftpsniff] ..."): the text stream is read as it comes. JSON and Zeek
// lines have no place for it: it goes to stderr, after "ftpsniff: ".
func (f *flushEach) note(line string) {
	o, ok := f.out.(*streamOutput)
	if !ok {
		if f.sink != nil && f.sink.stderr != nil {
			if f.before != nil {
				f.before()
			}
			fmt.Fprintf(f.sink.stderr, "ftpsniff: %s\n", line)
		}
		return
	}
	o.w.WriteString(o.p.warn.Sprint("[ftpsniff] " + line))
	o.w.WriteString("\n")
	f.flush()
}

// writer writes straight to the output's destination, through the sink
// (the capture record after the summary): each Write is a record.
func (f *flushEach) writer() io.Writer { return sinkWriter{f} }

type sinkWriter struct{ f *flushEach }

func (w sinkWriter) Write(b []byte) (int, error) {
	if w.f.sink == nil {
		return 0, errors.New("no output sink")
	}
	w.f.sink.pending.Write(b)
	if err := w.f.sink.commit(); err != nil {
		return 0, err
	}
	return len(b), nil
}
