package main

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/extract"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// The HTML report (read --report FILE, docs/report.md): one
// self-contained page, inline CSS and SVG, no script, for an admin to
// mail to whoever runs the firewall. It is an output beside the one on
// standard output (reportTee): it sees the same calls, keeps each open
// session's ladder while the session is open, renders a drawn session's
// section to a temporary file when the session ends, and at the summary
// writes the page: totals, servers, then the sections.
//
// Which sessions are drawn (at most --report-sessions, N): the most
// harmful first (harmRank): sessions with an error finding, then with a
// warning, then those that failed without one (a failed login, a data
// connection unanswered, refused or unreachable), then the others, each
// rank in capture order (session number). Sessions are judged as they
// end: while fewer than N are kept, each is kept; then a session
// displaces the most recently kept one of the least harmful rank kept,
// if that rank is less harmful than its own, and is otherwise not drawn.
// So the sessions drawn of a rank are the first to end, and a place is
// taken over at most three times (numRanks-1). Once N sessions with
// errors are kept nothing else can be drawn, and no ladder is recorded
// any more. The page counts the sessions not drawn by rank.
//
// Memory: the ladders of open sessions (at most maxLadderRows +
// maxLadderExtra rows each, and reportRowsBudget rows all together; the
// runs of rows left out, one per place, at most one more than the rows
// kept, and the last recentOmitted rows left out), the harm of open
// sessions not recorded (a few words each), and the kept sections'
// offsets, shapes and folds (at most maxFoldIDs session numbers each);
// the sections themselves are on disk, at most 2N of them: the
// file is compacted when the sections displaced reach N (compact).
//
// Folding (fold, set by read): a session that ends having done what a
// kept session of its rank did (sessionShape) is counted under that
// session's section, named in it, and takes no place; a section
// displaced takes its folded sessions with it into the count of those
// not drawn.

// reportOptions are read's flags for the HTML report.
type reportOptions struct {
	Report         string
	ReportSessions int
}

const (
	defaultReportSessions = 200
	maxReportSessions     = 100000
	// reportRowsBudget bounds the rows all open sessions' ladders hold
	// together; rows past it are counted in their ladder, not kept.
	reportRowsBudget = 50000
	// maxServerNotes bounds the kinds of finding (collapseKey) kept for
	// the server blocks, per severity (kindTable: and as many more, each
	// the first of its code at its server).
	maxServerNotes = 1000
	// maxLooseNotes bounds findings about no session.
	maxLooseNotes = 100
	// maxSectionsBytes bounds the sessions' sections of a page together
	// (docs/report.md): a page is meant to be mailed and opened. Past
	// it, the sections last in drawing order (the least harmful) are
	// left out and named, with how to see them. A section is at most
	// about 130 KB (its rows, findings and tooltips are bounded), 12 KB
	// on a busy day's page.
	maxSectionsBytes = 20 << 20
)

func (o *readOptions) registerReport() {
	f := o.cmd.Flags()
	f.StringVar(&o.Report, "report", "", "also write a self-contained HTML report to `FILE`: servers' verdicts and a ladder diagram per session (not with --vantage)")
	f.IntVar(&o.ReportSessions, "report-sessions", defaultReportSessions, "with --report, the most sessions drawn, `N`: those with errors first, then warnings, then other failed ones, then the rest")
}

// validateReport checks the report's flags and that its folder takes a
// file, so that a report that cannot be written is one clear error
// before any packet is read.
func (o *readOptions) validateReport() error {
	if o.Report == "" {
		if o.cmd != nil && o.cmd.Flags().Changed("report-sessions") {
			return usageErrorf("--report-sessions needs --report FILE")
		}
		return nil
	}
	if len(o.Vantage) > 0 {
		// Several capture points' sessions are the same sessions twice:
		// their ladders would need lanes per point.
		return usageErrorf("--report draws one capture point's sessions: not with --vantage")
	}
	if o.ReportSessions < 0 || o.ReportSessions > maxReportSessions {
		return usageErrorf("--report-sessions must be between 0 and %d, not %d", maxReportSessions, o.ReportSessions)
	}
	if o.Report == "-" {
		return usageErrorf("--report needs a file name: standard output carries the analysis")
	}
	if err := o.reportClashes(); err != nil {
		return err
	}
	fi, err := os.Stat(o.Report)
	if err == nil && fi.IsDir() {
		return usageErrorf("--report %s is a folder, not a file", safe(o.Report))
	}
	if err == nil && !fi.Mode().IsRegular() {
		// A pipe or device is written in place (reportTarget); opening
		// a pipe here would wait for its reader.
		return nil
	}
	f, err := os.CreateTemp(filepath.Dir(reportTarget(o.Report)), reportTempPattern)
	if err != nil {
		return usageErrorf("--report %s: %v", safe(o.Report), withoutReportTemp(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// reportClashes refuses a report that would be written over what the
// run reads or writes: an input capture (also through a link, as
// dedupeInputs tells them apart), standard output, --write's file, or a
// file inside --extract's folder.
func (o *readOptions) reportClashes() error {
	rep, err := os.Stat(o.Report)
	if err == nil {
		for _, name := range o.Files {
			in, err := os.Stat(name)
			if name == "-" {
				// Standard input may be a file redirected in.
				in, err = os.Stdin.Stat()
			}
			if err == nil && os.SameFile(rep, in) {
				return usageErrorf("--report %s is the input %s: the report would overwrite it", safe(o.Report), displayInput(name))
			}
		}
		if out, err := os.Stdout.Stat(); err == nil && os.SameFile(rep, out) {
			return usageErrorf("--report %s is standard output, which carries the analysis", safe(o.Report))
		}
		if o.Write != "" {
			if w, err := os.Stat(o.Write); err == nil && os.SameFile(rep, w) {
				return usageErrorf("--report %s is --write's file", safe(o.Report))
			}
		}
	}
	if o.Write != "" && samePath(o.Report, o.Write) {
		return usageErrorf("--report %s is --write's file", safe(o.Report))
	}
	if o.ExtractDir != "" && inFolder(reportTarget(o.Report), o.ExtractDir) {
		return usageErrorf("--report %s is inside --extract's folder %s", safe(o.Report), safe(o.ExtractDir))
	}
	return nil
}

// samePath tells whether two names, neither of which need exist yet,
// are the same path.
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// inFolder tells whether the file named path would be inside the folder
// dir, at any depth: each folder above path is compared with dir as a
// file (os.SameFile), so links to dir count.
func inFolder(path, dir string) bool {
	d, err := os.Stat(dir)
	if err != nil {
		return false
	}
	p, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	for i := 0; i < 256; i++ { // bounded: a path has fewer parts
		parent := filepath.Dir(p)
		if parent == p {
			return false
		}
		p = parent
		if fi, err := os.Stat(p); err == nil && os.SameFile(fi, d) {
			return true
		}
	}
	return false
}

// reportTarget is the file the report replaces: FILE, or what FILE links
// to, so that a link stays a link and points at the new report.
// A link to nothing yet is followed too: the report is made where it
// points.
func reportTarget(path string) string {
	for i := 0; i < 40; i++ { // the kernel's own bound on links followed
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return path
		}
		to, err := os.Readlink(path)
		if err != nil {
			return path
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(path), to)
		}
		path = to
	}
	return path
}

// withReport returns out with the report beside it when --report was
// given, else out.
func withReport(out output, o *readOptions, files []string) output {
	if o.Report == "" {
		return out
	}
	rep := newReportOutput(o.Report, o.ReportSessions, o.ShowPasswords, o.sel, files)
	// The page's "the same command with --session N": --summary would
	// still print the summary (it wins over --session), --write would
	// overwrite the capture written.
	var drop []string
	if o.Summary {
		drop = append(drop, "--summary")
	}
	rep.rerunDrop = append(drop, rerunDrops(o)...)
	return &reportTee{output: out, rep: rep}
}

// keepsTranscript tells whether the output looks back at a session's
// history (the text transcript) when the session ends, so the tracker
// must keep it. The report keeps its own. The text summary view
// (--summary) writes no transcript: of a session's history it looks
// back at its data connections only (keepsData).
func keepsTranscript(out output) bool {
	t := textOf(out)
	return t != nil && t.view != viewSummary
}

// keepsData tells whether the output looks back at a session's data
// connections when the session ends, though at none of its commands or
// events: the text summary view, whose list of failed sessions names
// each one's failed data connections (listSession).
func keepsData(out output) bool {
	t := textOf(out)
	return t != nil && t.view == viewSummary
}

// textOf is the text output out is or writes to beside the report; nil
// for another.
func textOf(out output) *textOutput {
	if t, ok := out.(*reportTee); ok {
		out = t.output
	}
	t, _ := out.(*textOutput)
	return t
}

// reportTee is the output on standard output with the report beside it:
// every call goes to both, the output first.
type reportTee struct {
	output
	rep *reportOutput
}

func (t *reportTee) SessionStart(s *track.Session) { t.output.SessionStart(s); t.rep.SessionStart(s) }
func (t *reportTee) Command(s *track.Session, c *track.Command) {
	t.output.Command(s, c)
	t.rep.Command(s, c)
}
func (t *reportTee) Data(s *track.Session, d *track.DataConn) { t.output.Data(s, d); t.rep.Data(s, d) }
func (t *reportTee) Event(s *track.Session, e *track.Event)   { t.output.Event(s, e); t.rep.Event(s, e) }
func (t *reportTee) SessionEnd(s *track.Session)              { t.output.SessionEnd(s); t.rep.SessionEnd(s) }
func (t *reportTee) Summary(tt totals)                        { t.output.Summary(tt); t.rep.Summary(tt) }

// Flush flushes the output; the report is written by Summary, and its
// error, if any, comes after the output's.
func (t *reportTee) Flush() error {
	if err := t.output.Flush(); err != nil {
		return err
	}
	return t.rep.err
}

func (t *reportTee) Finding(f *diagnose.Finding) {
	if d, ok := t.output.(diagnosisOutput); ok {
		d.Finding(f)
	}
	t.rep.Finding(f)
}

func (t *reportTee) Policy(p policy.Policy) {
	if d, ok := t.output.(diagnosisOutput); ok {
		d.Policy(p)
	}
	t.rep.policy = p.Describe()
}

func (t *reportTee) Servers(s []diagnose.ServerSummary) {
	if d, ok := t.output.(diagnosisOutput); ok {
		d.Servers(s)
	}
	t.rep.servers = s
}

func (t *reportTee) InputErrors(errs []error) {
	if e, ok := t.output.(interface{ InputErrors([]error) }); ok {
		e.InputErrors(errs)
	}
	t.rep.inputErrs = errs
}

// File, ExtractSummary and forgetFiles pass --extract's records on to the
// output that shows them.
func (t *reportTee) File(s *track.Session, d *track.DataConn, r *extract.FileRecord) {
	if f, ok := t.output.(fileOutput); ok {
		f.File(s, d, r)
	}
}

func (t *reportTee) ExtractSummary(st extractStats) {
	if f, ok := t.output.(fileOutput); ok {
		f.ExtractSummary(st)
	}
}

// FileSkipped passes extraction's "file not written" on to the text
// output, as File passes a file.
func (t *reportTee) FileSkipped(s *track.Session, d *track.DataConn, why string) {
	if f, ok := t.output.(fileSkippedOutput); ok {
		f.FileSkipped(s, d, why)
	}
}

func (t *reportTee) forgetFiles(s *track.Session) {
	if f, ok := t.output.(sessionFilesDone); ok {
		f.forgetFiles(s)
	}
}

// keptSection is a drawn session's section in the temporary file.
type keptSection struct {
	id     int
	rank   harmRank
	off, n int64
	// head: the bytes of the section before where the line that names
	// the sessions folded into it goes (after its heading).
	head  int64
	shape uint64
}

// shapeKey is a drawn session's shape within its rank: the sessions
// that end with one are folded into its ladder.
type shapeKey struct {
	rank  harmRank
	shape uint64
}

// fold is the sessions folded into a drawn one's ladder: they did what
// it did (its shape), at the same server, with the same outcome.
type fold struct {
	n   int   // how many
	ids []int // the first maxFoldIDs of them
}

// maxFoldIDs bounds the session numbers a fold names.
const maxFoldIDs = 16

// serverNote is a row of a server's findings table: findings the text
// summary collapses into one (collapseKey: the server, the code, the
// severity and the advice), the first of them, and how many there were.
// Keyed by code alone, an anonymous login's "nothing to do" would stand
// for real users' passwords sent in the clear.
type serverNote struct {
	note  lnote
	count int
	// order: the rows' order after severity, the text summary's
	// (collapser.order): when the first of its sessions ended (noteSeq);
	// -1 while none has.
	order int
	// sessions: the first collapseSessions sessions that raised it, as
	// the text summary names them; sessionsN: how many did.
	sessions    []int
	sessionsN   int
	lastSession int
	// values: the clients and clock times of its occurrences, for the
	// fix written once for all (groupFix).
	values groupValues
}

// reportOutput is the report: a track.Sink and diagnosisOutput that
// writes the page at Summary.
type reportOutput struct {
	path     string
	max      int
	showPass bool
	sel      *sessionSelector
	files    []string

	open map[*track.Session]*ladder
	held int       // rows the open ladders hold together
	free []*ladder // ended sessions' ladders, emptied for reuse
	// unrecorded: the harm of open sessions with no ladder (none could
	// be drawn any more when they started), to count them by rank.
	unrecorded map[*track.Session]*harm

	sessions, ended int
	hidden          int // sessions the selection left out (--session, --server, --client)
	endedBy         [numRanks]int
	dataN           int
	outcomes        [track.NumOutcomes]int
	bySev           [3]int
	first, last     time.Time

	policy      string
	servers     []diagnose.ServerSummary
	serverNotes map[collapseKey]*serverNote
	noteSeq     int // the next serverNote.order
	loose       []lnote
	looseOut    int
	inputErrs   []error
	overlaps    overlapList // inputs read one after the other that overlap in time

	noteKinds kindTable // which kinds serverNotes holds; each server's worst severity
	// notKeptBy: per server, the findings serverNotes does not hold, per
	// severity (at most diagnose.MaxServers servers; noteKinds counts all).
	notKeptBy map[netip.AddrPort]*[numSeverities]int

	kept  [numRanks][]keptSection // by rank, each in the order kept
	keptN int
	// shapes: the kept sections by shape, each the session drawn; folds:
	// the sessions folded into each (by the number of the one drawn);
	// foldedBy: how many, by rank. A fold goes with its section when the
	// section is displaced.
	shapes   map[shapeKey]int
	folds    map[int]*fold
	foldedBy [numRanks]int
	// fold: sessions of a drawn one's shape are folded into it, and a
	// session that failed its login and nothing else is a line, not a
	// ladder. Tests of the drawing rule, which feed sessions alike but
	// for their number, turn it off: every session drawn then has a
	// section and ladder of its own.
	fold      bool
	displaced int      // sections replaced by a more harmful session's (the bound): TestReportBound
	dead      int      // sections in tmp displaced since it was last compacted
	tmp       *os.File // the sections, created at the first
	tmpSize   int64
	buf       bytes.Buffer
	err       error

	// sectionsBudget: maxSectionsBytes, which tests lower.
	sectionsBudget int64
	// rerunDrop: the flags the page's "the same command with --session
	// N" leaves out (sessionRerun); --report at least.
	rerunDrop []string
}

func newReportOutput(path string, n int, showPass bool, sel *sessionSelector, files []string) *reportOutput {
	return &reportOutput{path: path, max: n, showPass: showPass, sel: sel, files: files,
		open: map[*track.Session]*ladder{}, unrecorded: map[*track.Session]*harm{}, serverNotes: map[collapseKey]*serverNote{},
		shapes: map[shapeKey]int{}, folds: map[int]*fold{}, fold: true, sectionsBudget: maxSectionsBytes,
		noteKinds: newKindTable(maxServerNotes), notKeptBy: map[netip.AddrPort]*[numSeverities]int{},
		rerunDrop: []string{"--report"}}
}

// recording tells whether a session starting now could still be drawn:
// not once N sessions with errors are kept, which none displaces.
func (r *reportOutput) recording() bool { return len(r.kept[rankError]) < r.max }

// harmOf is the harm of open session s, in its ladder or not; nil for a
// session the report did not see start.
func (r *reportOutput) harmOf(s *track.Session) *harm {
	if l := r.open[s]; l != nil {
		return &l.harm
	}
	return r.unrecorded[s]
}

func (r *reportOutput) SessionStart(s *track.Session) {
	if !r.sel.selects(s) {
		if s.Counted() {
			r.hidden++
		}
		return
	}
	if s.Counted() {
		r.sessions++
	}
	if r.first.IsZero() || s.Start.Before(r.first) {
		r.first = s.Start
	}
	if r.recording() {
		r.open[s] = r.ladder()
	} else {
		r.unrecorded[s] = &harm{worst: -1}
	}
}

// add keeps a row of l unless its bounds are reached; forced rows (those
// of a failure) have a bound of their own.
func (r *reportOutput) add(l *ladder, row lrow, forced bool) {
	switch {
	case r.held >= reportRowsBudget:
	case len(l.rows)-l.extra < maxLadderRows:
		l.rows = append(l.rows, row)
		r.held++
		return
	case forced && l.extra < maxLadderExtra:
		l.rows = append(l.rows, row)
		l.extra++
		r.held++
		return
	}
	l.omit(row)
}

func (r *reportOutput) Command(s *track.Session, c *track.Command) {
	if diagnose.RefusedTransfer(c) && r.sel.selects(s) {
		if h := r.harmOf(s); h != nil {
			h.failed++ // (the text summary lists it: sessionFailed)
		}
	}
	l := r.open[s]
	if l == nil {
		return
	}
	l.mixString(c.Verb)
	l.mixInt(int(c.Status))
	for i := range c.Replies {
		l.mixInt(c.Replies[i].Code)
	}
	if len(l.rows)-l.extra >= maxLadderRows && l.hasCommand(c.Seq) {
		return // drawn already, with the failed data connection that used it
	}
	for _, row := range commandRows(c, r.showPass) {
		r.add(l, row, false)
	}
}

func (r *reportOutput) Event(s *track.Session, e *track.Event) {
	l := r.open[s]
	if l == nil {
		return
	}
	l.mixString(string(e.Kind))
	if row, ok := eventRow(s, e, r.showPass); ok {
		r.add(l, row, false)
	}
}

func (r *reportOutput) Data(s *track.Session, d *track.DataConn) {
	if !r.sel.selects(s) {
		return
	}
	r.dataN++
	r.outcomes[d.Outcome]++
	if h := r.harmOf(s); h != nil && d.Outcome.Failed() && d.Outcome != track.OutcomeNotAttempted {
		// Not attempted is no failure by itself (a refused STOR, a
		// fallback): its finding, if any, says whether it is one.
		h.failed++
	}
	l := r.open[s]
	if l == nil {
		return
	}
	l.mixInt(int(d.Outcome))
	l.mixInt(int(d.Via))
	// Its findings came before it (diagnose reports them first).
	forced := d.Outcome.Failed() || l.hasNote(d.ID)
	if forced && len(l.rows)-l.extra >= maxLadderRows && l.extra < maxLadderExtra && r.held < reportRowsBudget {
		// Its commands, if the bound left them out, while the rows kept
		// for failures have room: past it they stay counted where they
		// were left out (unomit would split a gap for each, and a
		// session of many failed announcements would hold one per
		// announcement).
		for _, c := range []*track.Command{d.Announce, d.Command} {
			if c != nil && !l.hasCommand(c.Seq) {
				rows := commandRows(c, r.showPass)
				l.unomit(c.Seq, len(rows))
				for _, row := range rows {
					r.add(l, row, true)
				}
			}
		}
	}
	for _, row := range dataRows(d) {
		r.add(l, row, forced)
	}
	if len(l.data) >= maxLadderData {
		l.dataOut++
		return
	}
	// The facts and hedges text shows under its heading (a start the
	// capture missed, a session that is a guess), but its ends, which
	// have their column.
	detail := outcomeDetail(d)
	facts, short := dataFacts(d)
	if short != "" {
		facts = append(facts, short)
	}
	if detail != "" {
		facts = append([]string{detail}, facts...)
	}
	detail = strings.Join(facts, "; ")
	ld := ldata{id: d.ID, via: d.ViaName(), outcome: d.Outcome, failed: d.TransferFailed(), detail: detail}
	if why := inferredWhy(d); why != "" {
		// Where its SYN went, not what the lost or cut reply said.
		ld.via += " (" + why + ")"
		ld.announce = "inferred " + d.Announced.String()
	} else if d.Announce != nil {
		ld.announce = d.Announced.String()
	}
	if d.Client.IsValid() {
		ld.conn = d.Client.String() + " → " + d.Server.String()
	}
	l.data = append(l.data, ld)
}

func (r *reportOutput) Finding(f *diagnose.Finding) {
	if f.Session != nil && !r.sel.selects(f.Session) {
		return
	}
	if int(f.Severity) < len(r.bySev) {
		r.bySev[f.Severity]++
	}
	n := noteOf(f)
	if f.Session == nil {
		if len(r.loose) < maxLooseNotes {
			r.loose = append(r.loose, n)
		} else {
			r.looseOut++
		}
		return
	}
	k := collapseKeyOf(f.Session, f)
	r.noteKinds.seen(k.server, k.sev)
	sn := r.serverNotes[k]
	if sn == nil {
		if r.noteKinds.admit(k.server, k.code, k.sev) {
			sn = &serverNote{note: n, order: -1, values: newGroupValues(f.Session, f)}
			r.serverNotes[k] = sn
		} else {
			by := r.notKeptBy[k.server]
			if by == nil && len(r.notKeptBy) < diagnose.MaxServers {
				by = &[numSeverities]int{}
				r.notKeptBy[k.server] = by
			}
			if by != nil {
				by[sevIndex(k.sev)]++
			}
		}
	}
	if sn != nil {
		sn.count++
		sn.values.noteExample(f.Example)
		if id := f.Session.ID; sn.sessionsN == 0 || sn.lastSession != id {
			// Counted as the text summary counts them (collapser.add).
			sn.sessionsN++
			sn.lastSession = id
			if len(sn.sessions) < collapseSessions && !slices.Contains(sn.sessions, id) {
				sn.sessions = append(sn.sessions, id)
			}
			sn.values.noteOccurrence(f.Session, k.timed, f.Advice)
		}
	}
	h := r.harmOf(f.Session)
	if h != nil {
		h.worst = max(h.worst, int(f.Severity))
	}
	if sn != nil && sn.order < 0 {
		// Ordered when its first session ends, as the text summary
		// counts a session's findings then.
		switch {
		case h == nil:
			sn.order = r.noteSeq
			r.noteSeq++
		case !slices.Contains(h.pending, sn):
			h.pending = append(h.pending, sn)
		}
	}
	l := r.open[f.Session]
	if l == nil {
		return
	}
	l.mixString(f.Code)
	l.mixInt(int(f.Severity))
	// Its cause, as the servers' table tells findings apart: a session
	// folded into another's ladder shows that one's finding text.
	l.mixInt(int(k.cause))
	if len(l.notes) < maxLadderNotes {
		l.notes = append(l.notes, n)
	} else {
		l.notesOut++
	}
}

func (r *reportOutput) SessionEnd(s *track.Session) {
	if !r.sel.selects(s) {
		return
	}
	r.ended++
	if s.End.After(r.last) {
		r.last = s.End
	}
	h := r.harmOf(s)
	if h == nil {
		h = &harm{worst: -1} // not seen to start: judged by its login alone
	}
	h.loginFailed = s.Login == track.LoginFailed
	for _, sn := range h.pending {
		if sn.order < 0 {
			sn.order = r.noteSeq
			r.noteSeq++
		}
	}
	h.pending = nil
	rank := h.rank()
	r.endedBy[rank]++
	delete(r.unrecorded, s)
	l := r.open[s]
	if l == nil {
		return
	}
	delete(r.open, s)
	r.held -= len(l.rows)
	defer r.release(l)
	key := shapeKey{rank: rank, shape: sessionShape(s, l)}
	if rep, ok := r.shapes[key]; ok && r.fold {
		// Done as a drawn one did: counted under its ladder, which
		// names it, taking no place of its own.
		f := r.folds[rep]
		if f == nil {
			f = &fold{}
			r.folds[rep] = f
		}
		f.n++
		if len(f.ids) < maxFoldIDs {
			f.ids = append(f.ids, s.ID)
		}
		r.foldedBy[rank]++
		return
	}
	drop := numRanks // the rank whose most recently kept section this one displaces
	if r.keptN >= r.max {
		for d := numRanks - 1; d > rank; d-- {
			if len(r.kept[d]) > 0 {
				drop = d
				break
			}
		}
		if drop == numRanks {
			return // as harmful as every kept one, or less: not drawn
		}
	}
	l.rows = append(l.rows, connectRows(s)...)
	for i := range s.Greeting {
		l.rows = append(l.rows, replyRow(&s.Greeting[i], r.showPass))
	}
	r.buf.Reset()
	var head int
	if r.fold && rank == rankFailed && h.failed == 0 && h.loginFailed {
		// A failed login and nothing else: a line, no ladder.
		head = writeLoginLine(&r.buf, s, l)
	} else {
		head = writeSection(&r.buf, s, l, r.showPass, r.rerunDrop)
	}
	off, err := r.keep(r.buf.Bytes())
	if err != nil {
		r.fail(err)
		return
	}
	if drop < numRanks {
		gone := r.kept[drop][len(r.kept[drop])-1]
		r.kept[drop] = r.kept[drop][:len(r.kept[drop])-1]
		delete(r.shapes, shapeKey{rank: gone.rank, shape: gone.shape})
		if f := r.folds[gone.id]; f != nil {
			r.foldedBy[gone.rank] -= f.n
			delete(r.folds, gone.id)
		}
		r.keptN--
		r.displaced++
		r.dead++
	}
	r.kept[rank] = append(r.kept[rank], keptSection{id: s.ID, rank: rank, off: off, n: int64(r.buf.Len()), head: int64(head), shape: key.shape})
	r.shapes[key] = s.ID
	r.keptN++
	if r.buf.Cap() > 1<<20 {
		r.buf = bytes.Buffer{} // one huge section does not stay
	}
	if r.dead > 0 && r.dead >= r.max {
		if err := r.compact(); err != nil {
			r.fail(err)
			return
		}
	}
	if !r.recording() {
		// No section can be drawn any more: the ladders still open go
		// now, not each at its session's end; their harm stays, to
		// count them.
		for os, ol := range r.open {
			oh := ol.harm
			r.unrecorded[os] = &oh
			r.held -= len(ol.rows)
			delete(r.open, os)
			r.release(ol)
		}
	}
}

// compact moves the kept sections to the start of the temporary file, in
// the order they lie there, over those displaced, and cuts it after
// them: the file holds at most 2N sections. A section moves only towards
// the start, past the end of the one before it, so none is overwritten
// before it is read.
func (r *reportOutput) compact() error {
	var all []*keptSection
	for rk := range r.kept {
		for i := range r.kept[rk] {
			all = append(all, &r.kept[rk][i])
		}
	}
	slices.SortFunc(all, func(a, b *keptSection) int { return cmp.Compare(a.off, b.off) })
	var at int64
	var b []byte
	for _, k := range all {
		if k.off != at {
			b = slices.Grow(b[:0], int(k.n))[:k.n]
			if _, err := r.tmp.ReadAt(b, k.off); err != nil {
				return err
			}
			if _, err := r.tmp.WriteAt(b, at); err != nil {
				return err
			}
			k.off = at
		}
		at += k.n
	}
	if err := r.tmp.Truncate(at); err != nil {
		return err
	}
	if _, err := r.tmp.Seek(at, io.SeekStart); err != nil {
		return err
	}
	r.tmpSize = at
	r.dead = 0
	return nil
}

// maxFreeLadders bounds the ladders kept for reuse: most sessions are
// never drawn, and a ladder's rows are its cost.
const maxFreeLadders = 64

// ladder is an empty ladder, reused when one is free.
func (r *reportOutput) ladder() *ladder {
	if n := len(r.free); n > 0 {
		l := r.free[n-1]
		r.free = r.free[:n-1]
		return l
	}
	return &ladder{harm: harm{worst: -1}, rows: make([]lrow, 0, 32), shape: fnvOffset}
}

// release empties a ended session's ladder for reuse, unless it grew
// large.
func (r *reportOutput) release(l *ladder) {
	if len(r.free) >= maxFreeLadders || cap(l.rows) > 2*maxLadderRows || cap(l.data) > maxLadderData {
		return
	}
	clear(l.rows)
	clear(l.notes)
	clear(l.data)
	clear(l.gaps)
	*l = ladder{rows: l.rows[:0], notes: l.notes[:0], data: l.data[:0], gaps: l.gaps[:0], harm: harm{worst: -1}, shape: fnvOffset}
	r.free = append(r.free, l)
}

// keep appends a section to the temporary file, creating it.
func (r *reportOutput) keep(b []byte) (int64, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.tmp == nil {
		f, err := os.CreateTemp("", "ftpsniff-report-sections-*")
		if err != nil {
			return 0, err
		}
		// Gone from the folder at once where the system allows it (a
		// killed run leaves nothing behind); elsewhere closeTmp removes it.
		os.Remove(f.Name())
		r.tmp = f
	}
	off := r.tmpSize
	n, err := r.tmp.Write(b)
	r.tmpSize += int64(n)
	return off, err
}

func (r *reportOutput) fail(err error) {
	if r.err == nil {
		r.err = fmt.Errorf("report %s: %w", r.path, err)
	}
}

// Summary writes the page: to a temporary file in the report's folder,
// renamed over FILE (or what FILE links to) once whole. A FILE that is
// there and not a regular file (a pipe, a device) is written in place:
// renaming over it would replace it.
func (r *reportOutput) Summary(t totals) {
	defer r.closeTmp()
	if r.err != nil {
		return
	}
	if fi, err := os.Stat(r.path); err == nil && !fi.Mode().IsRegular() {
		r.writeInPlace(t)
		return
	}
	target := reportTarget(r.path)
	f, err := os.CreateTemp(filepath.Dir(target), reportTempPattern)
	if err != nil {
		r.fail(withoutReportTemp(err))
		return
	}
	err = r.writePageTo(f, t)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), target)
	}
	if err != nil {
		os.Remove(f.Name())
		r.fail(withoutReportTemp(err))
	}
}

// reportTempPattern names the temporary file a report is written to
// before it is renamed over FILE.
const reportTempPattern = ".ftpsniff-report-*"

// withoutReportTemp is err without the name of the temporary file in
// FILE's folder: the admin gave FILE, which the message names, and the
// temporary file is gone. Errors about other files are left whole.
func withoutReportTemp(err error) error {
	isTemp := func(name string) bool {
		return strings.HasPrefix(filepath.Base(name), strings.TrimSuffix(reportTempPattern, "*"))
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && isTemp(pe.Path) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) && isTemp(le.Old) {
		return le.Err
	}
	return err
}

// writeInPlace writes the page into FILE as it is, for a FILE that is
// not a regular file.
func (r *reportOutput) writeInPlace(t totals) {
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		r.fail(err)
		return
	}
	err = r.writePageTo(f, t)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		r.fail(err)
	}
}

// writePageTo writes the page to f through a buffer (writePage flushes
// it).
func (r *reportOutput) writePageTo(f *os.File, t totals) error {
	return r.writePage(bufio.NewWriterSize(f, 64<<10), t)
}

func (r *reportOutput) closeTmp() {
	if r.tmp != nil {
		name := r.tmp.Name()
		r.tmp.Close()
		os.Remove(name) // where it could not be removed at once
		r.tmp = nil
	}
}

// Flush: the report is written whole by Summary.
func (r *reportOutput) Flush() error { return r.err }

// writePage writes the whole page.
func (r *reportOutput) writePage(w *bufio.Writer, t totals) error {
	title := "ftpsniff report"
	if len(r.files) > 0 {
		title += ": " + strings.Join(displayNames(r.files, 3), ", ")
	}
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n", esc(title), reportCSS)
	fmt.Fprintf(w, "<header><h1>FTP traffic report</h1>\n<p class=\"sub\">written by ftpsniff from %s</p>", esc(strings.Join(displayNames(r.files, 20), ", ")))
	r.writeOverlaps(w)
	io.WriteString(w, "</header>\n")
	r.writeTotals(w, t)
	order, over := r.fit(r.order())
	// drawn: the sessions drawn, in a ladder of their own or folded into
	// another's (those its fold names, each with an anchor there).
	drawn := make(map[int]bool, len(order))
	for _, k := range order {
		drawn[k.id] = true
		if f := r.folds[k.id]; f != nil {
			for _, id := range f.ids {
				drawn[id] = true
			}
		}
	}
	r.writeServers(w, drawn)
	r.writeSessions(w, order, over)
	if r.tmp != nil {
		for _, k := range order {
			if _, err := io.Copy(w, io.NewSectionReader(r.tmp, k.off, k.head)); err != nil {
				return err
			}
			if f := r.folds[k.id]; f != nil {
				writeFold(w, f)
			}
			if _, err := io.Copy(w, io.NewSectionReader(r.tmp, k.off+k.head, k.n-k.head)); err != nil {
				return err
			}
		}
	}
	io.WriteString(w, "</section>\n<footer>Every command, reply, user name and file name above is shown as the capture held it, with control and format characters written as escapes (\\x1b, \\u202e); passwords are masked unless ftpsniff was run with --show-passwords.</footer>\n</body>\n</html>\n")
	return w.Flush()
}

// InputOverlap keeps an overlap of the inputs for the page's header.
func (r *reportOutput) InputOverlap(ov inputOverlap) { r.overlaps.add(ov) }

// writeOverlaps says, at the top of the page, which inputs overlap in
// time and by how much: every count below may hold their sessions twice.
func (r *reportOutput) writeOverlaps(w *bufio.Writer) {
	if len(r.overlaps.list) == 0 {
		return
	}
	io.WriteString(w, "\n<div class=\"overlap\"><p><span class=\"warn\">▲ inputs overlap in time:</span> the counts below may hold the same sessions twice, or sessions broken in two.</p>\n<ul>\n")
	for _, ov := range r.overlaps.list {
		fmt.Fprintf(w, "<li>%s</li>\n", esc(ov.Sentence()))
	}
	if r.overlaps.more > 0 {
		fmt.Fprintf(w, "<li class=\"dim\">… %d more</li>\n", r.overlaps.more)
	}
	io.WriteString(w, "</ul></div>")
}

// order is the kept sections in drawing order: the most harmful rank
// first, each rank by session number.
func (r *reportOutput) order() []keptSection {
	ks := make([]keptSection, 0, r.keptN)
	for rk := range r.kept {
		ks = append(ks, r.kept[rk]...)
	}
	slices.SortFunc(ks, func(a, b keptSection) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.id, b.id))
	})
	return ks
}

// fit splits the sections, in drawing order, into those the page's
// budget holds (sectionsBudget, each with the line naming its folds) and
// those past it, which are left out.
func (r *reportOutput) fit(order []keptSection) (in, over []keptSection) {
	var n int64
	for i, k := range order {
		n += k.n
		if f := r.folds[k.id]; f != nil {
			var b bytes.Buffer
			writeFold(&b, f)
			n += int64(b.Len())
		}
		if n > r.sectionsBudget {
			return order[:i], order[i:]
		}
	}
	return order, nil
}

// displayNames are input names as the report shows them, at most n.
func displayNames(files []string, n int) []string {
	var out []string
	for i, f := range files {
		if i == n {
			out = append(out, fmt.Sprintf("and %d more", len(files)-n))
			break
		}
		out = append(out, displayInput(f))
	}
	return out
}

// outcomeMarks mark outcomes by a shape as well as a colour.
func outcomeMark(o track.Outcome) (class, mark string) {
	switch {
	case o == track.OutcomeTransferred:
		return "good", "✔"
	case o == track.OutcomeNotAttempted:
		return "warn", "▲"
	case o.Failed():
		return "bad", "✖"
	case o == track.OutcomeUndetermined:
		return "dim", "?"
	}
	return "dim", "○"
}

// writeTotals writes the capture's totals: what was read, what was found,
// which bounds were hit.
func (r *reportOutput) writeTotals(w *bufio.Writer, t totals) {
	io.WriteString(w, "<section id=\"totals\"><h2>Capture</h2>\n<table class=\"kv\">\n")
	kv := func(k, v string) { fmt.Fprintf(w, "<tr><th>%s</th><td>%s</td></tr>\n", k, v) }
	kv("files", esc(strings.Join(displayNames(r.files, 50), ", ")))
	kv("packets", fmt.Sprintf("%d (%d TCP, %s)", t.Decode.Packets, t.Decode.TCP, counted(int64(t.Decode.ICMPErrors), "ICMP error{s}")))
	if f := t.Filtered; f.By != "" {
		kv("filter", esc(fmt.Sprintf("%d packet%s left out by %s", f.Packets, plural(int(f.Packets)), safe(f.By))))
	}
	if !r.first.IsZero() {
		kv("sessions' time", sessionsTime(r.first, r.last, t.Decode.ClockStepsBack))
	}
	sessions := fmt.Sprint(r.sessions)
	if r.sel != nil {
		// As the text summary says it; the counts below are of these.
		sessions += esc(fmt.Sprintf(" shown of %d (%s); the data connections and findings below are theirs", r.sessions+r.hidden, safe(r.sel.desc)))
	}
	kv("sessions", sessions)
	var parts []string
	for o := track.OutcomeTransferred; int(o) < track.NumOutcomes; o++ {
		if n := r.outcomes[o]; n > 0 {
			cls, mark := outcomeMark(o)
			parts = append(parts, fmt.Sprintf(`<span class="%s">%s %d %s</span>`, cls, mark, n, o))
		}
	}
	dv := fmt.Sprint(r.dataN)
	if len(parts) > 0 {
		dv += ": " + strings.Join(parts, ", ")
	}
	kv("data connections", dv)
	kv("findings", fmt.Sprintf(`<span class="bad">✖ %d error%s</span>, <span class="warn">▲ %d warning%s</span>, <span class="dim">● %d info</span>`,
		r.bySev[2], plural(r.bySev[2]), r.bySev[1], plural(r.bySev[1]), r.bySev[0]))
	// In the text summary's words, each with what it cost: a counter's
	// JSON name says neither (the JSON summary record has them all).
	if lim := readingNotes(t, false, 0); len(lim) > 0 {
		kv("limits hit", "<span class=\"warn\">▲</span> "+escList(lim))
	}
	if notes := diagnosisNotes(t.Diagnosis); len(notes) > 0 {
		// What the diagnosis's own memory let go: notes on how far its
		// cross-session judgements reach, no limit of the capture's
		// reading.
		kv("diagnosis notes", `<span class="dim">●</span> `+escList(notes))
	}
	for _, err := range r.inputErrs {
		kv("input error", `<span class="bad">✖</span> `+esc(safe(oneLine(err.Error()))+inputErrNote(err)))
	}
	io.WriteString(w, "</table>\n")
	if r.policy != "" {
		// Escaped line by line, as the text output writes it: safe
		// would make its line breaks a literal \n.
		io.WriteString(w, "<h3>Policy checked against</h3>\n<pre>")
		for i, line := range strings.Split(strings.TrimRight(r.policy, "\n"), "\n") {
			if i > 0 {
				io.WriteString(w, "\n")
			}
			io.WriteString(w, esc(safe(line)))
		}
		io.WriteString(w, "</pre>\n")
	}
	io.WriteString(w, "</section>\n")
}

// escList escapes notes for a cell, one to a line.
func escList(notes []string) string {
	out := make([]string, len(notes))
	for i, n := range notes {
		out[i] = esc(n)
	}
	return strings.Join(out, "<br>\n")
}

// writeServers writes a block per server: its verdict, the changes, and
// the first finding of each code with its advice and the sessions that
// raised it, linked to those drawn.
func (r *reportOutput) writeServers(w *bufio.Writer, drawn map[int]bool) {
	io.WriteString(w, "<section id=\"servers\"><h2>Servers</h2>\n")
	shownAny := false
	// Servers with errors first, then with warnings, as the text summary
	// orders them: by every finding's severity, kept in a row or not (the
	// rows decide only for servers past noteKinds's bound).
	worst := map[netip.AddrPort]int{}
	for k := range r.serverNotes {
		if _, ok := r.noteKinds.worst[k.server]; !ok && k.sev >= diagnose.SeverityWarning {
			worst[k.server] = max(worst[k.server], int(k.sev))
		}
	}
	for a, sev := range r.noteKinds.worst {
		if sev >= diagnose.SeverityWarning {
			worst[a] = int(sev)
		}
	}
	servers := slices.Clone(r.servers)
	slices.SortStableFunc(servers, func(a, b diagnose.ServerSummary) int { return worst[b.Server] - worst[a.Server] })
	for _, s := range servers {
		if s.Verdict == "" && s.PortsAnnounced.Count == 0 && len(s.Findings) == 0 {
			continue
		}
		if !r.sel.selectsServer(s.Server) {
			continue
		}
		shownAny = true
		var counts [track.NumOutcomes]int
		total := 0
		for oc, n := range s.Outcomes {
			counts[oc] += n
			total += n
		}
		cls := "ok"
		for oc, n := range counts {
			if n > 0 && track.Outcome(oc).Failed() {
				cls = "fail"
			}
		}
		fmt.Fprintf(w, "<article class=\"server %s\"><h3>server %s</h3>\n<p>%d session%s; data: %s", cls, esc(s.Server.String()), s.Sessions, plural(s.Sessions), esc(outcomeCounts(counts[:], total)))
		if ps := s.PortsAnnounced; ps.Count > 0 {
			// As the text's server line: a port only seen in a SYN (an
			// encrypted or mid-stream session's) was never announced here.
			label := "passive ports"
			switch {
			case ps.Inferred == ps.Count:
				label = "passive ports seen, not announced in the capture,"
			case ps.Inferred > 0:
				label = "passive ports announced or seen"
			}
			fmt.Fprintf(w, "; %s %s", onePortLabel(label, ps), esc(ps.String()))
		}
		if len(s.Range) > 0 {
			fmt.Fprintf(w, "; range %s", esc(s.Range.String()))
			if s.OutsideRange > 0 {
				fmt.Fprintf(w, ` <span class="bad">(✖ %d outside)</span>`, s.OutsideRange)
			}
		}
		if l := loginFailuresWords(s); l != "" {
			fmt.Fprintf(w, "; logins: %s", esc(l))
		}
		io.WriteString(w, "</p>\n")
		if s.Verdict != "" {
			fmt.Fprintf(w, "<p class=\"verdict\"><b>verdict:</b> %s</p>\n", esc(sentence(s.Verdict)))
		}
		if len(s.Rules) > 0 {
			io.WriteString(w, "<p><b>change:</b></p>\n<pre class=\"rules\">")
			for _, rule := range s.Rules {
				io.WriteString(w, esc(sentence(rule))+"\n")
			}
			io.WriteString(w, "</pre>\n")
		}
		if rows := r.serverRows(s); len(rows) > 0 {
			io.WriteString(w, "<table class=\"findings\"><tr><th>finding</th><th>times</th><th>sessions</th><th>first seen: what, and what to change</th></tr>\n")
			for _, row := range rows {
				fmt.Fprintf(w, "<tr><td class=\"code\">%s</td><td>%d</td><td>", esc(safe(row.code)), row.count)
				writeSessionRefs(w, row, drawn)
				io.WriteString(w, "</td><td>")
				if row.note != nil {
					writeNoteHTML(w, row.note)
				} else {
					io.WriteString(w, `<span class="dim">not told apart: past the first `+fmt.Sprint(maxServerNotes)+` kinds of finding of their severity</span>`)
				}
				io.WriteString(w, "</td></tr>\n")
			}
			io.WriteString(w, "</table>\n")
		}
		r.writeNotKept(w, s.Server)
		io.WriteString(w, "</article>\n")
	}
	if len(r.loose) > 0 {
		shownAny = true
		io.WriteString(w, "<article class=\"server\"><h3>findings about no one session</h3>\n")
		for i := range r.loose {
			writeNoteHTML(w, &r.loose[i])
		}
		if r.looseOut > 0 {
			fmt.Fprintf(w, "<p class=\"dim\">… %d more</p>\n", r.looseOut)
		}
		io.WriteString(w, "</article>\n")
	}
	if !shownAny {
		io.WriteString(w, "<p class=\"dim\">No server announced a data endpoint or had a finding.</p>\n")
	}
	io.WriteString(w, "</section>\n")
}

// writeNotKept says how many findings of server, of each severity, no row
// of its table tells apart, and how to see them.
func (r *reportOutput) writeNotKept(w io.Writer, server netip.AddrPort) {
	by := r.notKeptBy[server]
	if by == nil {
		return
	}
	var parts []string
	for sev := numSeverities - 1; sev >= 0; sev-- {
		if n := by[sev]; n > 0 {
			word := diagnose.Severity(sev).String()
			if sev != int(diagnose.SeverityInfo) {
				word += plural(n)
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, word))
		}
	}
	how := "--server ADDR:PORT makes the report one server's; --json lists every finding"
	if r.sel != nil && r.sel.serverSet {
		how = "--json lists every finding"
	}
	cls := "dim"
	if by[diagnose.SeverityWarning] > 0 || by[diagnose.SeverityError] > 0 {
		cls = "warn"
	}
	fmt.Fprintf(w, "<p class=\"%s\">Not told apart above (their kinds past the first %d of each severity): %s findings (%s).</p>\n",
		cls, maxServerNotes, esc(strings.Join(parts, ", ")), esc(how))
}

// findingRow is a row of a server's findings table; note nil for the
// findings of a code past the bound (maxServerNotes), counted together.
type findingRow struct {
	code  string
	count int
	note  *lnote
	order int
	// sessions: the first that raised it, sessionsN: how many did.
	sessions  []int
	sessionsN int
}

// writeSessionRefs names the sessions of a findings row as the text
// summary does (the first collapseSessions, by number, then "… N more"):
// those drawn as links to their ladders, then those not drawn.
func writeSessionRefs(w io.Writer, row findingRow, drawn map[int]bool) {
	if row.note == nil {
		io.WriteString(w, `<span class="dim">not kept</span>`)
		return
	}
	var links, plain []string
	for _, id := range slices.Sorted(slices.Values(row.sessions)) {
		if drawn[id] {
			links = append(links, fmt.Sprintf(`<a href="#s%d">%d</a>`, id, id))
		} else {
			plain = append(plain, fmt.Sprint(id))
		}
	}
	parts := []string{}
	if len(links) > 0 {
		parts = append(parts, strings.Join(links, ", "))
	}
	if len(plain) > 0 {
		parts = append(parts, `<span class="dim">not drawn:</span> `+strings.Join(plain, ", "))
	}
	if n := row.sessionsN - len(row.sessions); n > 0 {
		parts = append(parts, fmt.Sprintf(`<span class="dim">… %d more</span>`, n))
	}
	io.WriteString(w, strings.Join(parts, "; "))
}

// serverRows are the rows of server s's findings table: the findings as
// the text summary collapses them, errors first, then warnings, then
// info, each the most frequent first. The counts add up to the server's
// (s.Findings): what the bound left out is one row per code, last.
func (r *reportOutput) serverRows(s diagnose.ServerSummary) []findingRow {
	var rows []findingRow
	told := map[string]int{}
	for k, sn := range r.serverNotes {
		if k.server != s.Server {
			continue
		}
		note := &sn.note
		// Occurrences that named different clients or times: the fix
		// with placeholders, and what they stand for.
		if fix := groupFix(note.advice, []*groupValues{&sn.values}); fix != note.advice {
			nn := *note
			nn.advice = fix
			note = &nn
		}
		rows = append(rows, findingRow{code: k.code, count: sn.count, note: note, order: sn.order, sessions: sn.sessions, sessionsN: sn.sessionsN})
		told[k.code] += sn.count
	}
	// As the text summary orders them (collapsedOf): by severity, then
	// in the order it counted them, the verdict's subject among the
	// first; not by count, which put the errors the verdict is about
	// under routine ones.
	unordered := func(o int) int {
		if o < 0 {
			return int(^uint(0) >> 1)
		}
		return o
	}
	slices.SortFunc(rows, func(a, b findingRow) int {
		return cmp.Or(cmp.Compare(b.note.sev, a.note.sev), cmp.Compare(unordered(a.order), unordered(b.order)), cmp.Compare(a.code, b.code))
	})
	for _, code := range slices.Sorted(maps.Keys(s.Findings)) {
		if n := s.Findings[code] - told[code]; n > 0 {
			rows = append(rows, findingRow{code: code, count: n})
		}
	}
	return rows
}

// writeNoteHTML writes a finding as HTML: severity (word and mark),
// message, evidence, advice.
func writeNoteHTML(w io.Writer, n *lnote) {
	sev := min(int(n.sev), 2)
	cls := [...]string{"dim", "warn", "bad"}[sev]
	mark := [...]string{"●", "▲", "✖"}[sev]
	fmt.Fprintf(w, `<div class="note"><span class="%s">%s %s</span> <b>%s</b>: %s`, cls, mark, strings.ToUpper(diagnose.Severity(sev).String()), esc(n.code), esc(n.msg))
	if n.evidence != "" {
		fmt.Fprintf(w, `<br><span class="dim">evidence: %s</span>`, esc(n.evidence))
	}
	if n.advice != "" {
		fmt.Fprintf(w, "<pre class=\"fix\">%s</pre>", esc(n.advice))
	}
	io.WriteString(w, "</div>\n")
}

// writeSessions opens the sessions' part with the index of drawn sessions
// and the legend; the sections follow, copied from the temporary file.
// over are the sections kept that the page's budget left out.
func (r *reportOutput) writeSessions(w *bufio.Writer, order, over []keptSection) {
	io.WriteString(w, "<section id=\"sessions\"><h2>Sessions</h2>\n")
	// foldedBy counts the folds of every kept section: those drawn and
	// those the budget left out (over).
	foldedAll, foldedOver := 0, 0
	for _, n := range r.foldedBy {
		foldedAll += n
	}
	for _, k := range over {
		if f := r.folds[k.id]; f != nil {
			foldedOver += f.n
		}
	}
	folded := foldedAll - foldedOver
	fmt.Fprintf(w, "<p>%d session%s drawn", len(order), plural(len(order)))
	if folded > 0 {
		fmt.Fprintf(w, " (and %d more folded into them: sessions that did what a drawn one did, at the same server, are drawn once, marked ×N with their numbers)", folded)
	}
	if len(order) > 0 {
		io.WriteString(w, ", the most harmful first:")
	}
	io.WriteString(w, "</p>\n")
	for rk := harmRank(0); rk < numRanks; rk++ {
		if !slices.ContainsFunc(order, func(k keptSection) bool { return k.rank == rk }) {
			continue
		}
		fmt.Fprintf(w, "<p class=\"index\"><b>%s</b>:", esc(rankNames[rk]))
		for _, k := range order {
			if k.rank == rk {
				fmt.Fprintf(w, ` <a class="%s" href="#s%d">%d</a>`, rankClass[rk], k.id, k.id)
				if f := r.folds[k.id]; f != nil {
					fmt.Fprintf(w, `<span class="dim">×%d</span>`, f.n+1)
				}
			}
		}
		io.WriteString(w, "</p>\n")
	}
	if len(over) > 0 {
		writeOverBudget(w, over, foldedOver, r.sectionsBudget, r.rerunDrop)
	}
	if notDrawn := r.ended - r.keptN - foldedAll; notDrawn > 0 {
		// By rank, so that a failed session left out is never hidden in
		// a count of routine ones.
		var parts []string
		harmful := 0
		for rk := harmRank(0); rk < numRanks; rk++ {
			n := r.endedBy[rk] - len(r.kept[rk]) - r.foldedBy[rk]
			if n <= 0 {
				continue
			}
			if rk <= rankWarning {
				harmful += n
			}
			part := fmt.Sprintf("%d %s", n, esc(rankNames[rk]))
			if rk == rankOther {
				part = fmt.Sprintf("%d other%s", n, plural(n))
			}
			if rk <= rankWarning {
				part = fmt.Sprintf(`<span class="%s">%s</span>`, rankClass[rk], part)
			}
			parts = append(parts, part)
		}
		fmt.Fprintf(w, "<p class=\"more\">%d more session%s not drawn (--report-sessions %d, the most harmful first): %s.", notDrawn, plural(notDrawn), r.max, strings.Join(parts, ", "))
		if harmful > 0 {
			fmt.Fprintf(w, " The findings of the %d session%s with errors or warnings not drawn are counted in the servers' tables above; to draw them, raise --report-sessions or pick them with --session, --server or --client.", harmful, plural(harmful))
		}
		io.WriteString(w, "</p>\n")
	}
	if len(order) > 0 {
		io.WriteString(w, legend)
	}
}

// maxOverNamed bounds the sessions named of those the page's budget left
// out.
const maxOverNamed = 32

// writeOverBudget names the sessions whose sections the page's budget
// left out (the last in drawing order), and how to see them (the same
// command without the flags in rerun).
func writeOverBudget(w io.Writer, over []keptSection, folded int, budget int64, rerun []string) {
	harmful := false
	ids := make([]string, 0, min(len(over), maxOverNamed)+1)
	for i, k := range over {
		harmful = harmful || k.rank <= rankWarning
		if i < maxOverNamed {
			ids = append(ids, fmt.Sprintf(`<span class="%s">%d</span>`, rankClass[k.rank], k.id))
		}
	}
	if len(over) > maxOverNamed {
		ids = append(ids, fmt.Sprintf("… %d more", len(over)-maxOverNamed))
	}
	cls := "more"
	if harmful {
		cls = "more warn"
	}
	also := ""
	if folded > 0 {
		also = fmt.Sprintf(", and %d more of their shapes folded into them", folded)
	}
	fmt.Fprintf(w, "<p class=\"%s\">%d session%s to draw left out, the last in drawing order, to keep the sections under %s: %s%s. The text output shows one (%s); a report of fewer sessions draws them (--session, --server or --client, or a smaller --report-sessions).</p>\n",
		cls, len(over), plural(len(over)), budgetWords(budget), strings.Join(ids, ", "), also, sessionRerun("N", rerun))
}

// budgetWords says a byte budget in MB, or KB below one.
func budgetWords(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", n>>10)
}

// writeFold names, under a drawn session's heading, the sessions folded
// into its ladder.
func writeFold(w io.Writer, f *fold) {
	ids := make([]string, 0, len(f.ids)+1)
	for _, id := range f.ids {
		ids = append(ids, fmt.Sprintf(`<a id="s%d"></a>%d`, id, id))
	}
	if n := f.n - len(f.ids); n > 0 {
		ids = append(ids, fmt.Sprintf("… %d more", n))
	}
	fmt.Fprintf(w, "<p class=\"fold\"><b>×%d</b>: also session%s %s: at the same server, in the same order, the same commands (their arguments aside), reply codes, data connection outcomes and findings; this one is drawn for all.</p>\n",
		f.n+1, plural(f.n), strings.Join(ids, ", "))
}

// rankClass colours a rank in the index: as the sections' badges do.
var rankClass = [numRanks]string{rankError: "bad", rankWarning: "warn", rankFailed: "bad", rankOther: "ok"}

// legend explains the ladders' marks.
const legend = `<figure class="legend"><svg class="ladder" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 58" width="1000" height="58" role="img" aria-label="legend">
<line class="ac" x1="20" y1="16" x2="82" y2="16"/><polygon class="hc" points="90,16 82,12 82,20"/><text class="lg" x="100" y="20">command</text>
<line class="ar" x1="250" y1="16" x2="312" y2="16"/><polygon class="hr" points="320,16 312,12 312,20"/><text class="lg" x="330" y="20">reply, packet</text>
<line class="ap" x1="480" y1="16" x2="530" y2="16"/><polygon class="hp" points="542,16 530,9 530,23"/><text class="lg" x="552" y="20">payload</text>
<line class="ab" x1="710" y1="16" x2="772" y2="16"/><polygon class="hb" points="780,16 772,12 772,20"/><text class="lg" x="790" y="20">refusal: RST, ICMP, 4yz/5yz</text>
<line class="al" x1="20" y1="44" x2="82" y2="44"/><path class="x" d="M77 39 l10 10 m0 -10 l-10 10"/><text class="lg" x="100" y="48">sent, never answered</text>
<path class="x" d="M245 39 l10 10 m0 -10 l-10 10"/><line class="an" x1="260" y1="44" x2="312" y2="44"/><polygon class="hn" points="320,44 312,40 312,48"/><text class="lg" x="330" y="48">expected, never sent</text>
<line class="au" x1="480" y1="44" x2="530" y2="44"/><text class="q" x="540" y="49">?</text><text class="lg" x="552" y="48">capture ended first</text>
<rect class="cut" x="734" y="40" width="12" height="8"/><path class="zz" d="M734 44 l4 -3 l4 6 l4 -3"/><line class="lane" x1="740" y1="30" x2="740" y2="40"/><line class="lane" x1="740" y1="48" x2="740" y2="58"/><text class="lg" x="790" y="48">quiet time left out</text>
</svg></figure>
`

// sessionShape is what session s did, as a hash: its ladder's shape (its
// commands, replies, data connections, events and findings, as they came)
// with its server, how its control connection opened, its greeting, login
// and end. Sessions of one shape and rank are drawn as one ladder.
func sessionShape(s *track.Session, l *ladder) uint64 {
	a := s.Server.Addr().As16()
	l.mixString(string(a[:]))
	l.mixInt(int(s.Server.Port()))
	if c := s.Connect; c != nil {
		l.mixInt(int(c.How))
		l.mixInt(c.SYNs)
	}
	for i := range s.Greeting {
		l.mixInt(s.Greeting[i].Code)
	}
	l.mixInt(int(s.Login))
	l.mixInt(int(s.EndReason))
	return l.shape
}

// shownRun is shown with the wire text marked as a run to isolate (an
// LRI before it, a PDI after it: the wire's own are escaped), for
// bdiHTML to write as a <bdi> element: the user name in "user ..., logged
// in", the greeting before "(N more bytes)".
func shownRun(s string) string {
	return shownAs(s, func(w string) string { return lri + safe(w) + pdi })
}

// bdiTags writes the runs shownRun marked as <bdi> elements.
var bdiTags = strings.NewReplacer(lri, "<bdi>", pdi, "</bdi>")

// bdiHTML is esc(s) with the runs shownRun marked in it written as <bdi>
// elements: the report holds no bidi control character.
func bdiHTML(s string) string { return bdiTags.Replace(esc(s)) }

// writeLoginLine writes the section of a session that failed its login
// and did nothing else worth a ladder: one line. It returns where the
// line naming the sessions folded into it goes.
func writeLoginLine(w *bytes.Buffer, s *track.Session, l *ladder) int {
	login := whoString(s, shownRun)
	fmt.Fprintf(w, "<section class=\"session line\" id=\"s%d\">\n<p><span class=\"badge bad\">✖ FAILED</span> session %d: %s → %s, %s; %s; %d command%s (not drawn: a failed login only)</p>\n",
		s.ID, s.ID, esc(addrString(s.Client)), esc(addrString(s.Server)), bdiHTML(login), esc(sessionEnd(s)), s.CommandCount, plural(s.CommandCount))
	head := w.Len()
	// Its findings, written out: a line has no ladder to hold them (a
	// clear-text login's advice to change the password exposed).
	if len(l.notes) > 0 {
		io.WriteString(w, "<ul class=\"notes\">\n")
		for i := range l.notes {
			n := &l.notes[i]
			fmt.Fprintf(w, "<li>%s %s: %s", esc(strings.ToUpper(n.sev.String())), esc(n.code), esc(n.msg))
			if n.advice != "" {
				fmt.Fprintf(w, " (%s)", esc(n.advice))
			}
			io.WriteString(w, "</li>\n")
		}
		if l.notesOut > 0 {
			fmt.Fprintf(w, "<li class=\"dim\">%s of this session not shown</li>\n", counted(int64(l.notesOut), "more finding{s}"))
		}
		io.WriteString(w, "</ul>\n")
	}
	io.WriteString(w, "</section>\n")
	return head
}

// writeSection writes one session's section: who, its data connections,
// its ladder. It returns where the line naming the sessions folded into
// it goes: after its heading. rerun: the flags its hint's "the same
// command" leaves out.
func writeSection(w *bytes.Buffer, s *track.Session, l *ladder, showPass bool, rerun []string) int {
	cls, word := "good", "✔ OK"
	switch {
	case l.worst >= int(diagnose.SeverityError) || l.failed > 0 || l.loginFailed:
		cls, word = "bad", "✖ FAILED"
	case l.worst >= int(diagnose.SeverityWarning):
		cls, word = "warn", "▲ WARNING"
	}
	fmt.Fprintf(w, "<section class=\"session\" id=\"s%d\">\n<h3><span class=\"badge %s\">%s</span> session %d: %s → %s</h3>\n", s.ID, cls, word, s.ID, esc(addrString(s.Client)), esc(addrString(s.Server)))
	head := w.Len()
	io.WriteString(w, "<table class=\"kv\">\n")
	kv := func(k, v string) { fmt.Fprintf(w, "<tr><th>%s</th><td>%s</td></tr>\n", k, v) }
	kv("started", esc(s.Start.UTC().Format("2006-01-02 15:04:05.000000 UTC")))
	login := whoString(s, shownRun)
	kv("login", bdiHTML(login))
	if g := greetingOf(s); g != nil {
		text := fmt.Sprint(g.Code)
		switch {
		case g.Secret && !showPass:
			// It repeats a line taken for a password (a 530 that the
			// capture's gaps left in the greeting's place).
			text = fmt.Sprintf("%d %s", g.Code, mask)
		case len(g.Lines) > 0:
			text = shownRun(g.Lines[0])
		}
		kv("greeting", bdiHTML(text))
	}
	var notes []string
	notes = appendEncryptedNote(notes, s)
	notes = appendStartNotes(notes, s)
	if s.File != "" {
		notes = append(notes, "in "+safe(s.File))
	}
	if s.Desync {
		notes = append(notes, "capture gaps: some replies may be paired wrongly")
	}
	if tw := s.SameConnection; tw != nil {
		notes = append(notes, fmt.Sprintf("also session %d (%s → %s): the same connection on the other side of a NAT", tw.ID, addrString(tw.Client), addrString(tw.Server)))
	}
	if len(notes) > 0 {
		kv("notes", esc(strings.Join(notes, "; ")))
	}
	kv("ended", esc(fmt.Sprintf("%s; %d command%s", sessionEnd(s), s.CommandCount, plural(s.CommandCount))))
	io.WriteString(w, "</table>\n")
	if len(l.data) > 0 {
		io.WriteString(w, "<table class=\"data\"><tr><th>data</th><th>via</th><th>announced</th><th>connection</th><th>outcome</th><th>what the capture shows</th></tr>\n")
		for _, d := range l.data {
			oc, mark := outcomeMark(d.outcome)
			if d.failed {
				oc, mark = "warn", "▲" // as text colours it: bytes moved, the transfer failed
			}
			fmt.Fprintf(w, "<tr><td>#%d</td><td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">%s %s</td><td>%s</td></tr>\n",
				d.id, esc(d.via), esc(d.announce), esc(d.conn), oc, mark, d.outcome, esc(d.detail))
		}
		if l.dataOut > 0 {
			fmt.Fprintf(w, "<tr><td colspan=\"6\" class=\"dim\">… %s</td></tr>\n", counted(int64(l.dataOut), "more data connection{s}"))
		}
		io.WriteString(w, "</table>\n")
	}
	if l.notesOut > 0 {
		fmt.Fprintf(w, "<p class=\"dim\">%s of this session not drawn (the ladder shows %d).</p>\n", counted(int64(l.notesOut), "more finding{s}"), maxLadderNotes)
	}
	// The ladder first, so that what its tooltips' budget cut is said
	// above it.
	var svg bytes.Buffer
	tips := newTipBudget()
	l.writeSVG(&svg, s, tips)
	if tips.cut > 0 || tips.dropped > 0 {
		var parts []string
		if tips.cut > 0 {
			was := "were"
			if tips.cut == 1 {
				was = "was"
			}
			parts = append(parts, fmt.Sprintf("%d %s cut short", tips.cut, was))
		}
		if tips.dropped > 0 {
			parts = append(parts, fmt.Sprintf("%d left out", tips.dropped))
		}
		fmt.Fprintf(w, "<p class=\"dim\">Of this ladder's tooltips, %s to keep the page small (a tooltip holds at most %d KB, a section's tooltips %d KB): the text output shows every line whole (%s).</p>\n",
			strings.Join(parts, " and "), maxTipBytes>>10, maxSectionTipBytes>>10, sessionRerun(strconv.Itoa(s.ID), rerun))
	}
	io.WriteString(w, "<div class=\"ladderbox\">\n")
	w.Write(svg.Bytes())
	io.WriteString(w, "</div>\n</section>\n")
	return head
}

// reportCSS styles the page and the ladders. Colours are the Okabe-Ito
// palette (told apart with any colour vision); every failure also has a
// shape (X, triangle, dashes) and a word.
const reportCSS = `
:root{--bad:#D55E00;--warn:#B77A00;--good:#007A5A;--blue:#0072B2;--ink:#1b1b1b;--dim:#666;--rule:#ddd}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);max-width:1060px;margin:0 auto;padding:18px 24px 40px;background:#fff}
h1{font-size:26px;margin:0 0 2px}h2{font-size:20px;margin:28px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--ink)}h3{font-size:16px;margin:18px 0 8px}
.sub,.dim{color:var(--dim)}.bad{color:var(--bad);font-weight:600}.warn{color:var(--warn);font-weight:600}.good{color:var(--good)}
pre,code,.code,td{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
pre{font-size:12.5px;background:#f6f6f4;border:1px solid var(--rule);border-radius:4px;padding:8px 10px;white-space:pre-wrap;overflow-wrap:anywhere}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}th,td{text-align:left;vertical-align:top;padding:3px 10px 3px 0}
td,p,li,h1,h2,h3,.note{overflow-wrap:anywhere}
table.kv th{font-family:system-ui,sans-serif;font-weight:600;color:var(--dim);white-space:nowrap;padding-right:16px}
table.data,table.findings{width:100%}table.data th,table.findings th{border-bottom:1px solid var(--ink);font-family:system-ui,sans-serif}
table.data td,table.findings td{border-bottom:1px solid var(--rule);padding:4px 10px 4px 0}table.findings td{font-family:system-ui,sans-serif}
.note{margin:2px 0}.note pre.fix{margin:4px 0 2px}
article.server{border:1px solid var(--rule);border-left:6px solid var(--good);border-radius:4px;padding:2px 14px 8px;margin:10px 0}
article.server.fail{border-left:6px dashed var(--bad)}article.server h3{margin-top:10px}
p.verdict{background:#fff7ea;padding:6px 8px;border-radius:4px}
div.overlap{background:#fff7ea;border-left:6px solid var(--warn);padding:2px 12px;margin:10px 0}
section.session{border-top:1px solid var(--rule);margin-top:22px;padding-top:4px}
.badge{display:inline-block;font-size:12px;padding:1px 8px;border-radius:10px;border:1.5px solid currentColor;margin-right:6px;vertical-align:1px}
.badge.bad{border-style:dashed}
a{color:var(--blue)}a.bad{font-weight:700;color:var(--bad)}
p.more{background:#f6f6f4;padding:6px 10px;border-radius:4px}
p.fold{background:#eef3f8;padding:4px 10px;border-radius:4px;margin:4px 0 8px}section.session.line{margin-top:6px}
.legend{margin:8px 0 0}
svg.ladder{display:block;width:100%;height:auto;font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}
.ladder text{fill:var(--ink)}.ladder .ts{fill:#777;font-size:11px;text-anchor:end}
.ladder .lbl{text-anchor:middle;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}
.ladder .lane{stroke:#888;stroke-width:1.6}.ladder .dlane{stroke:#aaa;stroke-width:1.4;stroke-dasharray:3 4}
.ladder .hd{fill:#eef3f8;stroke:#5b7a99}.ladder .hdd{fill:#f7f7f7;stroke:#aaa;stroke-dasharray:3 3}
.ladder .h1{text-anchor:middle;font-family:system-ui,sans-serif;font-weight:700;font-size:12px}.ladder .h2{text-anchor:middle;font-size:11px;fill:#444}
.ladder .ac{stroke:var(--blue);stroke-width:1.6}.ladder .hc{fill:var(--blue)}.ladder .lc{fill:var(--blue)}
.ladder .ar{stroke:#333;stroke-width:1.4}.ladder .hr{fill:#333}
.ladder .ab{stroke:var(--bad);stroke-width:2.2}.ladder .hb{fill:var(--bad)}.ladder .lb{fill:var(--bad);font-weight:700}
.ladder .al{stroke:var(--bad);stroke-width:2.2;stroke-dasharray:8 5}.ladder .x{stroke:var(--bad);stroke-width:3.2;fill:none}
.ladder .an{stroke:#888;stroke-width:1.6;stroke-dasharray:2 4}.ladder .hn{fill:#888}.ladder .ln{fill:#555;font-style:italic}
.ladder .au{stroke:#888;stroke-width:1.6;stroke-dasharray:6 4}.ladder .q{fill:#555;font-weight:700;font-size:15px;text-anchor:middle}
.ladder .ap{stroke:var(--good);stroke-width:5}.ladder .hp{fill:var(--good)}.ladder .lp{fill:var(--good);font-weight:700}
.ladder .aq{stroke:#999;stroke-width:1.1}.ladder .hq{fill:#999}.ladder .lq{fill:#555}
.ladder .as{stroke:#333;stroke-width:1.6}.ladder .hs{fill:#333}
.ladder .tag{font-weight:700;fill:var(--ink)}.ladder .nt{fill:var(--dim);font-style:italic}
.ladder .w,.ladder .tag,.ladder .nt{unicode-bidi:isolate;direction:ltr}
.ladder .bar{fill:#fff3d6;stroke:var(--warn);stroke-dasharray:4 3}.ladder .bart{fill:#6b4a00}
.ladder .omit{fill:#f0f0f0;stroke:#999;stroke-dasharray:4 3}.ladder .omitt{fill:#333}
.ladder .cut{fill:#fff}.ladder .zz{stroke:#888;stroke-width:1.4;fill:none}.ladder .quiet{fill:#555;font-style:italic}
.ladder .nb{fill:#fff;stroke-width:1.6}.ladder .nx .nb{stroke:var(--bad);fill:#fdf1ea;stroke-dasharray:7 3}.ladder .nw .nb{stroke:var(--warn);fill:#fff8e6}.ladder .ni .nb{stroke:#8aa;fill:#f4f8fb}
.ladder .ic{stroke:none}.ladder .nx .ic{fill:var(--bad)}.ladder .nw .ic{fill:#E69F00}.ladder .ni .ic{fill:var(--blue)}
.ladder .icx{stroke:#fff;stroke-width:2.4}.ladder .ict{fill:#fff;font-weight:700;text-anchor:middle;font-size:12px;font-family:system-ui,sans-serif}
.ladder .nh{font-weight:700;font-family:system-ui,sans-serif;font-size:13px}.ladder .nx .nh{fill:var(--bad)}.ladder .nw .nh{fill:#8a5c00}
.ladder .nm{fill:var(--ink)}.ladder .ne{fill:#555}.ladder .nf{fill:#0b4f2f}.ladder .nl{fill:#555;font-weight:700}
.ladder .lg{font-family:system-ui,sans-serif;font-size:13px}
footer{margin-top:30px;padding-top:8px;border-top:1px solid var(--rule);color:var(--dim);font-size:13px}
@media print{body{max-width:none;padding:0;font-size:11pt}section.session{break-before:auto}h3{break-after:avoid}.ladderbox{break-inside:auto}article.server,table.data tr,.note{break-inside:avoid}a{color:inherit;text-decoration:none}}
`
