package main

// read --vantage NAME=FILE: captures of the same traffic taken at several
// points, merged by track/vantage.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/nfhelper"
	"github.com/ftpsniff/ftpsniff/track/vantage"
)

// vantageOptions holds the --vantage flags.
type vantageOptions struct {
	Vantage []string
	points  []vantagePoint
}

type vantagePoint struct {
	name  string
	files []string
}

// maxVantagePoints bounds the points one run merges.
const maxVantagePoints = 16

// vantageKeepControlBytes is what each point keeps of its control
// connections' segments for --helper (vantage.Options.KeepControlBytes):
// a control connection carries a few kilobytes, so this holds thousands;
// past it the check of the remaining connections says it is incomplete.
const vantageKeepControlBytes = 32 << 20

func (v *vantageOptions) registerVantage(c *cobra.Command) {
	c.Flags().StringArrayVar(&v.Vantage, "vantage", nil, "a capture `NAME=FILE` taken at the point NAME (repeatable; two to 16 points; a point's several files are read in the order of their first packets): merge them and say where each data connection was lost")
}

// parseVantage reads the --vantage values into points, in the order each
// name first appears.
func (v *vantageOptions) parseVantage() error {
	idx := map[string]int{}
	for _, arg := range v.Vantage {
		name, file, ok := strings.Cut(arg, "=")
		if !ok || name == "" || file == "" {
			return usageErrorf("--vantage %q: want NAME=FILE", arg)
		}
		if len(name) > maxObserver || !utf8.ValidString(name) {
			return usageErrorf("--vantage %q: the name is too long or not UTF-8", arg)
		}
		for _, r := range name {
			if r < 0x20 || needsJSONEscape(r) {
				return usageErrorf("--vantage %q: the name holds a control or format character", arg)
			}
		}
		i, seen := idx[name]
		if !seen {
			if len(v.points) == maxVantagePoints {
				return usageErrorf("--vantage: at most %d points", maxVantagePoints)
			}
			i = len(v.points)
			idx[name] = i
			v.points = append(v.points, vantagePoint{name: name})
		}
		v.points[i].files = append(v.points[i].files, file)
	}
	if len(v.points) < 2 {
		return usageErrorf("--vantage needs two or more capture points (NAME=FILE with different names)")
	}
	return v.oneFileOnePoint()
}

// oneFileOnePoint refuses a capture given to two points: merged with
// itself it would pair every connection with itself and place every loss
// between two names for one place.
func (v *vantageOptions) oneFileOnePoint() error {
	type seen struct {
		point string
		file  string
		info  os.FileInfo
	}
	var all []seen
	for _, pt := range v.points {
		for _, f := range pt.files {
			if f == "-" {
				continue
			}
			fi, err := os.Stat(f)
			for _, o := range all {
				same := o.file == f
				if err == nil && o.info != nil {
					same = os.SameFile(o.info, fi)
				}
				if same && o.point != pt.name {
					return usageErrorf("--vantage %s and --vantage %s both name %s: one capture cannot be two points", o.point, pt.name, f)
				}
			}
			if err != nil {
				fi = nil
			}
			all = append(all, seen{pt.name, f, fi})
		}
	}
	return nil
}

// errNoPackets: a point's capture held no TCP packet.
var errNoPackets = errors.New("holds no TCP packets: nothing to compare at this point")

// vantageFlagsOK refuses what --vantage does not do, rather than ignore
// it silently: files outside a point, the views and filters of a single
// capture, standard input read twice (JSON reads each point twice), and
// --fail-on without the per-point findings JSON computes.
func vantageFlagsOK(c *cobra.Command, opts *readOptions) error {
	if len(opts.Files) > 0 {
		return usageErrorf("with --vantage every capture belongs to a point (NAME=FILE); %q is not one", opts.Files[0])
	}
	for _, name := range []string{"full", "format", "extract", "host", "net", "filter-ports", "bpf-raw", "server", "client", "session", "min-severity"} {
		if c.Flags().Changed(name) {
			return usageErrorf("--%s does not apply to --vantage (read each point's capture on its own for it)", name)
		}
	}
	if opts.FailOn != "never" && !opts.JSON && !opts.Summary {
		return usageErrorf("--fail-on with --vantage needs --json or --summary (the per-point findings)")
	}
	if opts.JSON || opts.Summary {
		flag := "--json"
		if !opts.JSON {
			flag = "--summary"
		}
		for _, v := range opts.Vantage {
			if strings.HasSuffix(v, "=-") {
				return usageErrorf("--vantage %s: with %s each point is read twice; give a file, not standard input", v, flag)
			}
		}
	}
	return nil
}

// runVantage reads the points' files side by side in time order, each
// into its collector, merges the sessions as they end (vantage.Stream)
// and writes the report. With JSON or --summary, each point is also
// analysed on its own (JSON: every record stamped with the point's name).
func runVantage(opts *readOptions, stdout, stderr io.Writer) error {
	if err := opts.parseVantage(); err != nil {
		return err
	}
	vo := vantage.Options{}
	if opts.Helper != "" {
		vo.KeepControlBytes = vantageKeepControlBytes
		vo.Attached = opts.attached().has
	}
	for k := range opts.points {
		// A point's rotated files, in time order; a file given twice is
		// read once.
		pt := &opts.points[k]
		pt.files = inputNames(orderInputs(dedupeInputs(pt.files, stderr), stderr))
	}
	if opts.JSON {
		return runVantageJSON(opts, vo, stdout, stderr)
	}
	var inputErrs []error
	readers, cs := newPointReaders(opts, vo)
	// Text is written batch by batch as sessions end (vantage.Stream);
	// --summary: each point's own summary, then the merged view's
	// closing lines, no session's.
	w := bufio.NewWriter(stdout)
	text := &vantageTextStream{w: w, cs: cs, quiet: opts.Summary}
	st := &vantage.Stream{Collectors: cs}
	// What each point's own analysis is told of its 227s that a box
	// rewrote (--summary), gathered batch by batch.
	rewrites := make([][]diagnose.Rewrite, len(cs))
	st.Emit = func(r *vantage.Report) {
		if opts.Helper != "" {
			vantage.CheckHelper(r, opts.helperCfg)
		}
		gatherRewrites(rewrites, r)
		text.batch(r)
	}
	st.Before = countNonTCP(readers)
	if err := readPointsInTime(readers, st, &inputErrs); err != nil {
		return err
	}
	if err := refuseEmpty(readers, cs, inputErrs, stderr); err != nil {
		return err
	}
	if err := st.Finish(); err != nil {
		return err
	}
	var findings findingsError // --fail-on, over the points (--summary)
	if opts.Summary {
		// Each point on its own, every record stamped with its name; its
		// diagnosis knows what the other points saw of its 227s.
		for i, pt := range opts.points {
			if i > 0 {
				fmt.Fprintln(w)
			}
			o := textOut(w)
			o.para("", "", fmt.Sprintf("point %s, as its capture alone shows it (%s):", quotedName(pt.name), safe(strings.Join(pt.files, ", "))), "  ")
			o.Flush()
			if err := w.Flush(); err != nil {
				return err
			}
			err := runRead(pointOptions(opts, i, rewrites[i]), stdout, stderr)
			findings.add(err, &inputErrs)
		}
		o := textOut(w)
		o.printf("\n")
		o.para("", "", "between the points (what the captures show together, where a point's own summary could only guess):", "  ")
		o.Flush()
	}
	text.close()
	if err := w.Flush(); err != nil {
		return err
	}
	return vantageExit(inputErrs, findings, stderr)
}

// runVantageJSON is read --vantage --json. The merge runs twice: first
// alone, for what each point's own analysis is told of its 227s that a
// box rewrote (all of it before any analysis starts, so that no finding
// depends on how far the merge had got), then with each point's own
// analysis beside it (startPointRun), every session written as its merge
// is done: the points' records of it (tied to it: pointRecords), then its
// vantage_session, helper and path records. Each point's server and
// summary records follow the last session, then the vantage records,
// which count the whole run.
func runVantageJSON(opts *readOptions, vo vantage.Options, stdout, stderr io.Writer) error {
	var inputErrs []error
	readers, cs := newPointReaders(opts, vo)
	rewrites := make([][]diagnose.Rewrite, len(cs))
	st := &vantage.Stream{Collectors: cs}
	st.Emit = func(r *vantage.Report) { gatherRewrites(rewrites, r) }
	st.Before = countNonTCP(readers)
	if err := readPointsInTime(readers, st, &inputErrs); err != nil {
		return err
	}
	if err := refuseEmpty(readers, cs, inputErrs, stderr); err != nil {
		return err
	}
	if err := st.Finish(); err != nil {
		return err
	}

	inputErrs = nil
	defer vantageGCPacing()()
	readers, cs = newPointReaders(opts, vo)
	w := bufio.NewWriter(stdout)
	quit := make(chan struct{})
	defer close(quit) // a run that failed: the analyses stop waiting
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	runs := make([]*pointRun, len(cs))
	recs := make([]*pointRecords, len(cs))
	for i := range opts.points {
		items := make(chan *pointItem, pointItemsQueued)
		runs[i] = startPointRun(pointOptions(opts, i, rewrites[i]), items, quit)
		recs[i] = newPointRecords(w, names, i, items)
	}
	enc := &vantageRecords{w: w, rec: newRecordEncoder(opts.Observer)}
	var whole *vantage.Report
	st = &vantage.Stream{Collectors: cs}
	st.Emit = func(r *vantage.Report) {
		if opts.Helper != "" {
			vantage.CheckHelper(r, opts.helperCfg)
		}
		for _, s := range r.Sessions {
			for _, o := range recs {
				o.session(s)
			}
			writeVantageSessionJSON(enc, r.Points, s)
			for _, v := range s.Views {
				if v != nil {
					v.Lines, v.Segs = nil, nil // what only the pairing read
				}
			}
		}
		whole = vantage.Combine(whole, r)
		whole.Sessions = nil
	}
	st.Before = countNonTCP(readers)
	if err := readPointsInTime(readers, st, &inputErrs); err != nil {
		return err
	}
	if err := st.Finish(); err != nil {
		return err
	}
	var findings findingsError // --fail-on, over the points
	for i, o := range recs {
		if err := o.finish(); err != nil {
			return err
		}
		<-runs[i].done
		if _, err := stderr.Write(runs[i].stderr.Bytes()); err != nil {
			return err
		}
		findings.add(runs[i].err, &inputErrs)
		whole.Limits[i].PointRecordsUntied = o.untied + runs[i].split.untied
		whole.Limits[i].SupersededUnnoted = o.overturnedUnnoted
	}
	writeVantagePointsJSON(enc, whole, cs)
	if enc.err != nil {
		return enc.err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return vantageExit(inputErrs, findings, stderr)
}

// vantageGCPercent is the collector's room (GOGC) while --json's three
// analyses run at once (the merge and each point's own, each with its own
// decoder, tracker and read-ahead): their live heaps together are three
// times a read's, and the room main gives (gcPercent, half) is also
// charged for the 5 MB of globals every collection scans, so the peak
// went 45 MB for 12 MB live. A quarter costs a sixth more CPU and 4 MB
// less peak (docs/performance.md).
const vantageGCPercent = 25

// vantageGCPacing sets the collector's room to vantageGCPercent unless
// GOGC says otherwise; the function it returns puts it back.
func vantageGCPacing() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(vantageGCPercent)
	return func() { debug.SetGCPercent(old) }
}

// newPointReaders makes every point's collector, and its reader, which
// feeds the collector.
func newPointReaders(opts *readOptions, vo vantage.Options) ([]*pointReader, []*vantage.Collector) {
	readers := make([]*pointReader, len(opts.points))
	cs := make([]*vantage.Collector, len(opts.points))
	for k, pt := range opts.points {
		c := vantage.NewCollector(pt.name, vo)
		c.Files = pt.files
		readers[k] = &pointReader{name: pt.name, files: pt.files, c: c, dec: decode.New(c, opts.decodeOptions())}
		cs[k] = c
	}
	return readers, cs
}

// countNonTCP is the Stream's Before: every collector's count of packets
// not TCP brought up to its decoder's.
func countNonTCP(readers []*pointReader) func() {
	return func() {
		for _, p := range readers {
			p.nonTCP()
		}
	}
}

// gatherRewrites adds to rewrites what each point's own analysis is to
// be told of its 227s that a box rewrote, as a batch r shows them.
func gatherRewrites(rewrites [][]diagnose.Rewrite, r *vantage.Report) {
	for i := range rewrites {
		if room := diagnose.MaxRewrites - len(rewrites[i]); room > 0 {
			more := rewritesSeenBy(r, i)
			rewrites[i] = append(rewrites[i], more[:min(room, len(more))]...)
		}
	}
}

// refuseEmpty refuses the run when a point has nothing to compare (its
// file unopenable, or no TCP in it), as docs/troubleshooting.md says: its
// error lines, no merged view.
func refuseEmpty(readers []*pointReader, cs []*vantage.Collector, inputErrs []error, stderr io.Writer) error {
	refused := false
	for k, p := range readers {
		if cs[k].Span().Packets == 0 {
			refused = true
			if !p.failed {
				inputErrs = append(inputErrs, fmt.Errorf("--vantage %s: %s %w", p.name, strings.Join(p.files, ", "), errNoPackets))
			}
		}
	}
	if !refused {
		return nil
	}
	for _, e := range inputErrs[:len(inputErrs)-1] {
		fmt.Fprintf(stderr, "ftpsniff: %s\n", safe(oneLine(e.Error())))
	}
	return inputErrs[len(inputErrs)-1]
}

// pointOptions are the options of point i's own analysis: its files,
// every record stamped with its name, its diagnosis told what the other
// points saw of its 227s, on one goroutine (--workers 1, as --help says
// of --vantage): with --json it runs beside the merge and the other
// points' analyses, which leave no core to a relay of its own, whose
// batches in flight (decode/relay) were a megabyte a point.
func pointOptions(opts *readOptions, i int, rewrites []diagnose.Rewrite) *readOptions {
	one := *opts
	one.Observer = opts.points[i].name
	one.Vantage, one.points = nil, nil
	one.Workers = 1
	one.Files = opts.points[i].files
	one.knownRewrites = rewrites
	return &one
}

// add counts a point's findings (--fail-on) from its analysis's error,
// any other error kept with the input errors.
func (f *findingsError) add(err error, inputErrs *[]error) {
	if err == nil {
		return
	}
	if fe, isFinding := err.(findingsError); isFinding {
		f.n += fe.n
		f.level = fe.level
	} else {
		*inputErrs = append(*inputErrs, err)
	}
}

// vantageExit is the run's end: the input errors said (the last
// returned), else the points' findings (--fail-on).
func vantageExit(inputErrs []error, findings findingsError, stderr io.Writer) error {
	if len(inputErrs) > 0 {
		for _, e := range inputErrs[:len(inputErrs)-1] {
			fmt.Fprintf(stderr, "ftpsniff: %s\n", safe(oneLine(e.Error())))
		}
		return inputErrs[len(inputErrs)-1]
	}
	if findings.n > 0 {
		return findings
	}
	return nil
}

// rewritesSeenBy lists, for point i, the 227s it saw that the client's
// side of the same session saw naming another address: a box in between
// rewrote them, which point i's own diagnosis cannot see.
func rewritesSeenBy(rep *vantage.Report, i int) []diagnose.Rewrite {
	var out []diagnose.Rewrite
	for _, s := range rep.Sessions {
		ref := s.Order[0]
		if s.Views[i] == nil || ref == i || !s.OrderKnown {
			continue
		}
		for _, a := range s.Announcements {
			mine, theirs := a.Views[i], a.Views[ref]
			if !a.Rewritten || mine == nil || theirs == nil || !mine.Via.Passive() {
				continue
			}
			from, to := mine.Endpoint.Addr(), theirs.Endpoint.Addr()
			if from.IsValid() && to.IsValid() && from != to && len(out) < diagnose.MaxRewrites {
				out = append(out, diagnose.Rewrite{Server: s.Views[i].Server, From: from, To: to, Where: rep.Points[ref]})
			}
		}
	}
	return out
}

func offsetString(o vantage.Offset) string {
	if o.Samples == 0 {
		return "clock offset unknown (no paired connection)"
	}
	s := fmt.Sprintf("clock offset %+.6f s (median of %d paired connection%s)", o.Offset.Seconds(), o.Samples, plural(o.Samples))
	if o.OneWay {
		s += ", one-way: includes the transit time"
	}
	return s
}

// pairedByText says how a session's views were paired when lines paired
// some (PairedBy "payload"): all by them, or the points whose sequence
// numbers paired them and that lines joined those (halves either side of
// a box that randomises the numbers).
func pairedByText(rep *vantage.Report, s *vantage.Session) string {
	if len(s.ISNGroups) == 0 {
		return "paired by its commands and replies (the sequence numbers differ between the points, or a point missed the SYN)"
	}
	const why = "(the sequence numbers differ there: a box in between changes them, or a point missed the SYN)"
	pos := func(i int) int { return slices.Index(s.Order, i) }
	groups := slices.Clone(s.ISNGroups)
	for k, g := range groups {
		groups[k] = slices.SortedFunc(slices.Values(g), func(a, b int) int { return pos(a) - pos(b) })
	}
	slices.SortFunc(groups, func(a, b []int) int { return pos(a[0]) - pos(b[0]) })
	parts := make([]string, len(groups))
	for k, g := range groups {
		names := make([]string, len(g))
		for x, i := range g {
			names[x] = quotedName(rep.Points[i])
		}
		parts[k] = "at " + joinAnd(names)
	}
	var others []string // points lines paired one by one
	for _, i := range s.Order {
		if s.Views[i] != nil && !slices.ContainsFunc(groups, func(g []int) bool { return slices.Contains(g, i) }) {
			others = append(others, quotedName(rep.Points[i]))
		}
	}
	joined := "across them by its commands and replies"
	switch {
	case len(others) > 0 && len(groups) == 1:
		joined = joinAnd(others) + " joined by its commands and replies"
	case len(others) > 0:
		joined = "those and " + joinAnd(others) + " joined by its commands and replies"
	}
	return fmt.Sprintf("paired by its sequence numbers %s; %s %s", strings.Join(parts, ", and "), joined, why)
}

// joinAnd lists names as "a", "a and b", "a, b and c".
func joinAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func writeVantageText(w io.Writer, rep *vantage.Report, cs []*vantage.Collector) {
	t := &vantageTextStream{w: w, cs: cs}
	t.batch(rep)
	t.close()
}

// vantageTextStream writes the merged view as text a batch at a time
// (vantage.Stream): the capture points with the first batch, each batch's
// sessions, and at the end what the batches add up to.
type vantageTextStream struct {
	w  io.Writer
	cs []*vantage.Collector
	// quiet (--summary): no session is written, and the capture points
	// come at the end, with the offsets of the whole run.
	quiet bool
	total *vantage.Report // the counts of the batches so far, no sessions

	// the closing summary's counts, over every batch
	conns, everywhere, unordered, sessions int
	byWhere                                [16]int
	diffs                                  []string
	// control lines (commands, replies) lost or never acknowledged:
	// how many, in how many sessions, the first maxVantageDiffs said.
	ctlLines, ctlSessions int
	ctlDiffs              []string
}

// textOut is a textOutput on w for its wrapping: flush it when done.
func textOut(w io.Writer) *textOutput {
	return &textOutput{w: bufio.NewWriter(w), width: defaultWidth}
}

func (t *vantageTextStream) batch(rep *vantage.Report) {
	o := textOut(t.w)
	defer o.Flush()
	if t.total == nil && !t.quiet {
		t.points(o, rep)
	}
	t.total = vantage.Combine(t.total, rep)
	t.total.Sessions = nil // written here: not held
	for _, s := range rep.Sessions {
		if !t.quiet {
			writeVantageSession(o, rep, s)
		}
		t.count(s)
	}
}

// points lists the capture points, their files and clock offsets.
func (t *vantageTextStream) points(o *textOutput, rep *vantage.Report) {
	o.printf("capture points:\n")
	for i, c := range t.cs {
		off := "reference clock"
		if i > 0 {
			off = offsetString(rep.Offsets[i])
		}
		o.printf("  #%d %s: %s; %s\n", i, safe(c.Name), safe(strings.Join(c.Files, ", ")), off)
	}
	o.printf("\n")
}

// count adds a session to the closing summary's counts.
func (t *vantageTextStream) count(s *vantage.Session) {
	t.sessions++
	if !slices.Contains(s.Views, nil) {
		t.everywhere++
	}
	if !s.OrderKnown {
		t.unordered++
	}
	if s.ControlLost > 0 {
		t.ctlSessions++
		t.ctlLines += s.ControlLost
		for _, c := range s.ControlLosses {
			if len(t.ctlDiffs) < maxVantageDiffs {
				t.ctlDiffs = append(t.ctlDiffs, fmt.Sprintf("session %d control: %s: %s", s.ID, c.Where, sentence(c.Verdict)))
			}
		}
	}
	for n, p := range s.Data {
		t.conns++
		t.byWhere[min(int(p.Where), len(t.byWhere)-1)]++
		if p.Where != vantage.Delivered && len(t.diffs) < maxVantageDiffs {
			t.diffs = append(t.diffs, fmt.Sprintf("session %d data %d: %s: %s", s.ID, n+1, p.Where, sentence(p.Verdict)))
		}
	}
}

func writeVantageSession(o *textOutput, rep *vantage.Report, s *vantage.Session) {
	o.printf("session %d\n", s.ID)
	if s.PairedBy == "payload" {
		o.para("  ", "", pairedByText(rep, s), "    ")
	}
	if !s.OrderKnown {
		// Said in full once, in the closing summary: on a busy
		// capture every session repeated it.
		o.para("  ", "", orderUnknownShort, "    ")
	} else if t := orderText(s); t != "" {
		o.para("  ", "", t, "    ")
	}
	for _, i := range s.Order {
		v := s.Views[i]
		if v == nil {
			o.printf("  %-10s not seen\n", safe(rep.Points[i]))
			continue
		}
		o.printf("  %-10s %s -> %s  %s%s\n", safe(rep.Points[i]), addrString(v.Client), addrString(v.Server), v.Start.UTC().Format("15:04:05.000000"), oneWayText(s, i))
	}
	for _, a := range s.Announcements {
		same := !a.Rewritten && !a.Missing // the same at every point: shown once
		for _, i := range s.Order {
			an := a.Views[i]
			if an == nil {
				o.printf("  announcement %d at %s: not seen\n", a.Index, safe(rep.Points[i]))
				continue
			}
			o.printf("  announcement %d at %s: %s  = %s\n", a.Index, safe(rep.Points[i]), announcementText(an), endpointText(an))
			if same {
				break
			}
		}
		if a.Verdict != "" {
			o.para("     ", "!!", sentence(a.Verdict), "        ")
		}
	}
	if s.Helper != nil {
		writeHelperCheckText(o.w, rep, s.Helper)
	}
	for n, p := range s.Data {
		mode := "active"
		if p.Passive {
			mode = "passive"
		}
		o.printf("  data %d (%s)\n", n+1, mode)
		for _, i := range p.Order {
			d := p.Views[i]
			if d == nil {
				o.printf("    %-10s not seen\n", safe(rep.Points[i]))
				continue
			}
			o.printf("    %-10s %s -> %s  %s\n", safe(rep.Points[i]), addrString(d.Src), addrString(d.Dst), dataViewString(d))
		}
		o.para("     ", "->", fmt.Sprintf("%s: %s", p.Where, sentence(p.Verdict)), "        ")
		if len(p.Ambiguous) > 0 {
			o.para("        ", "", "("+ambiguousText(p)+")", "         ")
		}
		for _, g := range p.Gaps {
			o.para("        ", "", "("+sentence(g)+")", "         ")
		}
		if p.Helper != nil {
			o.para("     ", "helper:", sentence(p.Helper.Verdict), "        ")
		}
	}
	if s.ControlLost > 0 {
		o.printf("  control connection\n")
		for _, c := range s.ControlLosses {
			o.para("     ", "->", fmt.Sprintf("%s: %s", c.Where, sentence(c.Verdict)), "        ")
		}
		if more := s.ControlLost - len(s.ControlLosses); more > 0 {
			o.printf("     … %d more line%s\n", more, plural(more))
		}
	}
	o.printf("\n")
}

// close writes what the batches add up to: the connections not paired,
// the points given twice, the limits hit, and the summary.
func (t *vantageTextStream) close() {
	rep := t.total
	if rep == nil {
		return
	}
	o := textOut(t.w)
	defer o.Flush()
	if t.quiet {
		t.points(o, rep)
	}
	for i, n := range rep.Unpaired {
		if n > 0 {
			o.para("", "", fmt.Sprintf("%s: %d control connection%s not paired with another point (not seen there, or its SYN not captured)", safe(rep.Points[i]), n, plural(n)), "  ")
			if w := unpairedCapturing(rep, i); w > 0 {
				o.para("  ", "", fmt.Sprintf("%d of them while every other point was capturing: not seen there (lost or blocked in between, or on another path), or not recognised there", w), "    ")
			}
			if k := refusedAt(rep, i); k > 0 {
				o.para("  ", "", fmt.Sprintf("%d of them with the same commands and replies as a connection at another point, not taken for the same session: their markers (the ports their 227 or 229 named, both ISNs, the client's address and port) say another session, or the clocks would lie too far apart for a pairing by lines alone", k), "    ")
			}
		}
	}
	for i, n := range rep.Twins {
		if n > 0 {
			o.para("", "", fmt.Sprintf("%s: %d control connection%s held twice, on both sides of a NAT (a capture on every interface, tcpdump -i any): the paired copy stands for both", safe(rep.Points[i]), n, plural(n)), "  ")
		}
	}
	for _, g := range identicalGroups(rep) {
		var names []string
		for _, i := range g {
			names = append(names, quotedName(rep.Points[i]))
		}
		given := "twice (under two names, or a copy)"
		if len(g) > 2 {
			given = fmt.Sprintf("%d times (under %d names, or copies)", len(g), len(g))
		}
		o.para("", "", fmt.Sprintf("%s and %s hold the same packets at the same times: one capture given %s? Their order along the path is unknown and no loss is placed between them",
			strings.Join(names[:len(names)-1], ", "), names[len(names)-1], given), "  ")
	}
	if rep.Ambiguous > 0 {
		o.para("", "", fmt.Sprintf("%d control connection%s left unpaired: another point holds two or more with the same commands and replies, and nothing (the server's ISN, the announced ports, the addresses, the clocks) tells them apart", rep.Ambiguous, plural(rep.Ambiguous)), "  ")
	}
	if rep.PayloadSkipped > 0 {
		o.para("", "", fmt.Sprintf("%d pair%s of points held too many control connections and sessions to compare by their commands and replies alone (over %d comparisons): there only those the server's ISN confirms were paired; others may stay unpaired, a session's halves either side of a box that randomises ISNs apart", rep.PayloadSkipped, plural(rep.PayloadSkipped), vantage.MaxPayloadCompares), "  ")
	}
	for i, l := range rep.Limits {
		merging := vantage.Limits{ForcedMerges: l.ForcedMerges, TwinWaitExpired: l.TwinWaitExpired, OffsetUnmeasured: l.OffsetUnmeasured}
		if l != merging {
			o.para("", "", fmt.Sprintf("%s: limits hit: %d control and %d data connections, %d announcements not kept", safe(rep.Points[i]), l.ControlDropped, l.DataDropped, l.AnnouncementsDropped), "  ")
		}
		if l.ForcedMerges > 0 {
			o.para("", "", fmt.Sprintf("%s: limits hit: %d time%s %d sessions over waited at once, and were merged without waiting for their copies at the other points: some may be unpaired", safe(rep.Points[i]), l.ForcedMerges, plural(l.ForcedMerges), vantage.DefaultMaxHeld), "  ")
		}
		if l.TwinWaitExpired > 0 {
			o.para("", "", fmt.Sprintf("%s: limits hit: %d control connection%s merged while a copy at another point was still open, after waiting an hour: unpaired if it was their session", safe(rep.Points[i]), l.TwinWaitExpired, plural(l.TwinWaitExpired)), "  ")
		}
		if l.OffsetUnmeasured > 0 {
			o.para("", "", fmt.Sprintf("%s: limits hit: its clock offset could not be measured in the first hour of packets: sessions merged then may be unpaired", safe(rep.Points[i])), "  ")
		}
	}
	if rep.Batches > 1 && !t.quiet {
		// The capture points' offsets above are the first batch's.
		o.para("", "", fmt.Sprintf("merged in %d batches, each session once every point had seen it end (or idle an hour): the clock offsets each batch measured itself (above: the first's)", rep.Batches), "  ")
		for i := 1; i < len(rep.Points); i++ {
			o.para("  ", "", fmt.Sprintf("%s over the run: %s", safe(rep.Points[i]), offsetString(rep.Offsets[i])), "    ")
		}
	}
	t.summary(o)
}

// orderUnknownShort stands for orderText's sentence in a session: the
// closing summary says it in full once.
const orderUnknownShort = "the points' order along the path is unknown: no loss placed between them (see the summary)"

// maxVantageDiffs bounds the differences the closing summary lists.
const maxVantageDiffs = 20

// summary closes the text output with what a reader of a long one looks
// for first: the data connections the points saw differently (lost
// between them, refused, ...), then how many sessions and connections
// were paired, and, once, why sessions whose points' order is unknown
// place no loss.
func (t *vantageTextStream) summary(o *textOutput) {
	o.printf("summary:\n")
	differ := t.conns - t.byWhere[vantage.Delivered]
	if differ > 0 {
		o.printf("  %d data connection%s not delivered at every point:\n", differ, plural(differ))
		for _, d := range t.diffs {
			o.para("    ", "", d, "      ")
		}
		if differ > len(t.diffs) {
			o.printf("    … %d more (shown above under their sessions)\n", differ-len(t.diffs))
		}
	} else if t.conns > 0 {
		o.printf("  every data connection delivered at every point that saw it\n")
	}
	if t.ctlLines > 0 {
		// A transfer whose data passed while its 226 never reached the
		// client hangs all the same: said beside the data's verdict.
		o.printf("  %d control line%s (command or reply) in %d session%s not delivered:\n", t.ctlLines, plural(t.ctlLines), t.ctlSessions, plural(t.ctlSessions))
		for _, d := range t.ctlDiffs {
			o.para("    ", "", d, "      ")
		}
		if shown := len(t.ctlDiffs); t.ctlLines > shown {
			o.printf("    … %d more (shown above under their sessions)\n", t.ctlLines-shown)
		}
	}
	var parts []string
	for k, n := range t.byWhere {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, vantage.Where(k)))
		}
	}
	line := fmt.Sprintf("%d session%s (%d seen at every point), %d data connection%s", t.sessions, plural(t.sessions), t.everywhere, t.conns, plural(t.conns))
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	o.para("  ", "", line, "    ")
	if t.unordered > 0 {
		o.para("  ", "", fmt.Sprintf("%d session%s: %s", t.unordered, plural(t.unordered), orderText(&vantage.Session{})), "    ")
	}
}

// oneWayText says, after a point's view of a session, that the point
// captured one direction of it only; "" when it captured both.
func oneWayText(s *vantage.Session, i int) string {
	switch capturedOneSide(s, i) {
	case "client":
		return "  (one direction: only the client's packets)"
	case "server":
		return "  (one direction: only the server's packets)"
	}
	return ""
}

// capturedOneSide is whose packets alone point i captured of the session:
// "client", "server", or "" for both.
func capturedOneSide(s *vantage.Session, i int) string {
	switch {
	case !s.Sees(i, false):
		return "client"
	case !s.Sees(i, true):
		return "server"
	}
	return ""
}

// quotedName is a point's name in double quotes, a quote or backslash in
// it escaped once, as the verdicts quote it (vantage.Report.name).
func quotedName(name string) string { return sentence(strconv.Quote(name)) }

// identicalGroups joins rep.Identical's pairs into groups of points that
// all hold the same capture (15 copies: one group, not 105 pairs), each in
// the order given, the groups by their first point.
func identicalGroups(rep *vantage.Report) [][]int {
	group := make([]int, len(rep.Points)) // the group's first point, +1
	for _, pair := range rep.Identical {
		a, b := pair[0], pair[1]
		switch {
		case group[a] == 0 && group[b] == 0:
			group[a], group[b] = a+1, a+1
		case group[b] == 0:
			group[b] = group[a]
		case group[a] == 0:
			group[a] = group[b]
		case group[a] != group[b]:
			from, to := max(group[a], group[b]), min(group[a], group[b])
			for i := range group {
				if group[i] == from {
					group[i] = to
				}
			}
		}
	}
	var out [][]int
	for first := range rep.Points {
		var g []int
		for i := range rep.Points {
			if group[i] == first+1 {
				g = append(g, i)
			}
		}
		if len(g) > 1 {
			out = append(out, g)
		}
	}
	return out
}

// refusedAt is rep.Refused[i], 0 when not counted.
func refusedAt(rep *vantage.Report, i int) int {
	if i < len(rep.Refused) {
		return rep.Refused[i]
	}
	return 0
}

// unpairedCapturing is rep.UnpairedCapturing[i], 0 when not counted.
func unpairedCapturing(rep *vantage.Report, i int) int {
	if i < len(rep.UnpairedCapturing) {
		return rep.UnpairedCapturing[i]
	}
	return 0
}

// twins is rep.Twins[i], 0 when not counted.
func twins(rep *vantage.Report, i int) int {
	if i < len(rep.Twins) {
		return rep.Twins[i]
	}
	return 0
}

// orderText says how the session's points were ordered along its path
// when the clocks did not: by what, or that the order is unknown.
func orderText(s *vantage.Session) string {
	switch {
	case !s.OrderKnown:
		return "the points' order along the path is unknown: their clocks cannot tell it (the transit between them is below the timestamps' resolution) and no packet does; no loss is placed between them"
	case s.OrderedBy == "addresses":
		return "points ordered by their addresses (the private side of the NAT): the clocks cannot tell the order"
	case s.OrderedBy == "data":
		return "points ordered by where the data connections' SYN-ACKs and retransmitted SYNs were seen: the clocks cannot tell the order"
	}
	return ""
}

// ambiguousText names the other sessions a data connection may belong to.
func ambiguousText(p *vantage.Path) string {
	ids := make([]string, len(p.Ambiguous))
	for k, id := range p.Ambiguous {
		ids[k] = fmt.Sprint(id)
	}
	list := ids[0]
	if n := len(ids); n > 1 {
		list = strings.Join(ids[:n-1], ", ") + " and " + ids[n-1]
	}
	return "ambiguous: it answers an announcement of session" + plural(len(ids)) + " " + list + " as well; which session's it is is not known"
}

// announcementText is an announcement's line for the text output, with
// what the collector's bound left out said as shown says it.
func announcementText(a *vantage.Announcement) string {
	t := shown(a.Text)
	if a.TextMore > 0 {
		t += fmt.Sprintf("… (%d more bytes)", a.TextMore)
	}
	return t
}

func endpointText(a *vantage.Announcement) string {
	if !a.Endpoint.Addr().IsValid() {
		return fmt.Sprintf("port %d", a.Endpoint.Port())
	}
	return addrString(a.Endpoint)
}

func dataViewString(d *vantage.Data) string {
	parts := []string{fmt.Sprintf("%d SYN%s", d.SYNs, plural(d.SYNs))}
	if d.SYNACKs > 0 {
		parts = append(parts, fmt.Sprintf("%d SYN-ACK%s", d.SYNACKs, plural(d.SYNACKs)))
	} else {
		parts = append(parts, "no SYN-ACK")
	}
	if !d.RST.IsZero() {
		parts = append(parts, "RST from "+d.RSTFrom.String())
	}
	if !d.ICMP.IsZero() {
		parts = append(parts, fmt.Sprintf("ICMP %d/%d from %s", d.ICMPType, d.ICMPCode, d.ICMPFrom))
	}
	if d.Bytes > 0 {
		// Each byte once, as the data record counts them; resent
		// segments apart.
		parts = append(parts, countNoun(int(d.Bytes), "byte"))
	}
	if n, b := d.Flows[0].Resent+d.Flows[1].Resent, d.Flows[0].ResentBytes+d.Flows[1].ResentBytes; n > 0 {
		parts = append(parts, fmt.Sprintf("%d retransmission%s (%d bytes resent)", n, plural(n), b))
	}
	return strings.Join(parts, ", ")
}

// JSON records of the merged view.
type jsonVantagePoint struct {
	Type     string       `json:"type"`
	Point    string       `json:"point"`
	Files    []string     `json:"files"`
	Offset   *jsonSeconds `json:"clock_offset_s,omitempty"`
	Samples  int          `json:"offset_samples"`
	OneWay   bool         `json:"offset_one_way,omitempty"`
	Unpaired int          `json:"unpaired_control"`
	// UnpairedCapturing: of Unpaired, those every other point was
	// capturing throughout.
	UnpairedCapturing int `json:"unpaired_control_while_capturing,omitempty"`
	// RefusedControl: of Unpaired, those whose candidates at another
	// point with the same lines their own evidence refused (another
	// session's markers, or clocks too far apart).
	RefusedControl int `json:"refused_control,omitempty"`
	// TwinControl: control connections this point holds twice, the same
	// handshake under other addresses (both sides of a NAT).
	TwinControl int `json:"twin_control,omitempty"`
	// IdenticalTo: points whose capture holds the same packets at the
	// same times as this one's.
	IdenticalTo []string       `json:"identical_to,omitempty"`
	Limits      vantage.Limits `json:"limits"`
	// Over all pairs of points, on the first point's record only.
	Ambiguous      int `json:"ambiguous_control,omitempty"`
	PayloadSkipped int `json:"payload_pairs_skipped,omitempty"`
}

// jsonSeconds is a float of seconds that encoding/json writes in decimal
// notation with a decimal point always (0.0, 0.0000005: not 0 or 5e-07),
// as the _ms fields are (appendMillis): an index that types a field from
// its first value (Elasticsearch's dynamic mapping) would make "0", the
// first point's offset, an integer field and truncate every later one.
type jsonSeconds float64

func (s jsonSeconds) MarshalJSON() ([]byte, error) {
	b := strconv.AppendFloat(nil, float64(s), 'f', -1, 64)
	if !bytes.ContainsAny(b, ".") {
		b = append(b, ".0"...)
	}
	return b, nil
}

type jsonConnView struct {
	Point  string `json:"point"`
	Client string `json:"client,omitempty"`
	Server string `json:"server,omitempty"`
	Start  string `json:"ts,omitempty"`
	Seen   bool   `json:"seen"`
	// OneDirection: the point captured only this side's packets of the
	// session ("client" or "server").
	OneDirection string `json:"one_direction,omitempty"`
}

type jsonAnnView struct {
	Point   string `json:"point"`
	Text    string `json:"text"`
	TextRaw []byte `json:"text_raw,omitempty"`
	// Truncated: the line was longer than the point keeps (Text is its
	// start, cut at a character boundary).
	Truncated bool   `json:"text_truncated,omitempty"`
	Endpoint  string `json:"endpoint"`
	TS        string `json:"ts"`
	Packet    uint64 `json:"packet"`
}

type jsonVantageSession struct {
	Type          string             `json:"type"`
	Session       int                `json:"session"`
	PairedBy      string             `json:"paired_by"`
	OrderUnknown  bool               `json:"order_unknown,omitempty"`
	OrderedBy     string             `json:"ordered_by,omitempty"`
	Points        []jsonConnView     `json:"points"`
	Announcements []jsonAnnouncement `json:"announcements"`
	// ControlLost counts the commands and replies lost between points or
	// never acknowledged; ControlLosses holds the first few.
	ControlLost   int               `json:"control_lost,omitempty"`
	ControlLosses []jsonControlLoss `json:"control_losses,omitempty"`
}

type jsonControlLoss struct {
	Where   string `json:"where"`
	From    string `json:"from"`
	Code    int    `json:"code,omitempty"`
	Text    string `json:"text"`
	TextRaw []byte `json:"text_raw,omitempty"`
	// Truncated: Text is the line's first 64 bytes.
	Truncated bool   `json:"truncated,omitempty"`
	TS        string `json:"ts"`
	After     string `json:"after"`
	Before    string `json:"before,omitempty"`
	Verdict   string `json:"verdict"`
}

type jsonAnnouncement struct {
	Index        int           `json:"index"`
	Views        []jsonAnnView `json:"views"`
	Rewritten    bool          `json:"rewritten"`
	Untranslated bool          `json:"untranslated"`
	// Missing: a point that saw the session did not see it (the verdict
	// says whether it was lost or only not captured there).
	Missing bool   `json:"missing"`
	Verdict string `json:"verdict,omitempty"`
}

type jsonDataView struct {
	Point    string `json:"point"`
	Seen     bool   `json:"seen"`
	Src      string `json:"src,omitempty"`
	Dst      string `json:"dst,omitempty"`
	SYNs     int    `json:"syns,omitempty"`
	FirstSYN string `json:"first_syn,omitempty"`
	SYNACK   bool   `json:"syn_ack,omitempty"`
	RSTFrom  string `json:"rst_from,omitempty"`
	ICMPFrom string `json:"icmp_from,omitempty"`
	Bytes    int64  `json:"bytes,omitempty"`
	// Retransmissions and BytesResent: segments that resent bytes seen
	// before, and those bytes (not in Bytes).
	Retransmissions int   `json:"retransmissions,omitempty"`
	BytesResent     int64 `json:"bytes_resent,omitempty"`
}

// jsonDataLoss is vantage.DataLoss.
type jsonDataLoss struct {
	From       string `json:"from"`
	Sender     string `json:"sender"`
	Sent       int64  `json:"sent"`
	Reached    int64  `json:"reached"`
	Bytes      int64  `json:"bytes"`
	Acked      int64  `json:"acked"`
	Resent     int    `json:"resent"`
	ResentFrom int64  `json:"resent_from"`
}

type jsonPath struct {
	Type    string         `json:"type"`
	Session int            `json:"session"`
	Data    int            `json:"data"`
	Mode    string         `json:"mode"`
	Points  []jsonDataView `json:"points"`
	Where   string         `json:"where"`
	After   string         `json:"lost_after,omitempty"`
	Before  string         `json:"lost_before,omitempty"`
	Verdict string         `json:"verdict"`
	Gaps    []string       `json:"capture_gaps,omitempty"`
	// Ambiguous: other sessions whose announcements it answers as well.
	Ambiguous []int           `json:"ambiguous_sessions,omitempty"`
	Helper    *jsonPathHelper `json:"helper,omitempty"`
	// Lost: for data-lost, the payload lost between the points.
	Lost *jsonDataLoss `json:"data_lost,omitempty"`
}

type jsonPathHelper struct {
	Expect  string `json:"expect"`
	Match   string `json:"match"`
	Verdict string `json:"verdict"`
}

func tsString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// vantageRecords writes the merged view's records as every JSON output
// writes its records (recordEncoder): nothing from the wire raw, the
// observer (--observer) last. The first error is kept and stops the rest.
type vantageRecords struct {
	w   io.Writer
	rec *recordEncoder
	err error
}

func (o *vantageRecords) write(v any) {
	if o.err != nil {
		return
	}
	line, err := o.rec.encode(v)
	if err == nil {
		_, err = o.w.Write(line)
	}
	o.err = err
}

// writeVantagePointsJSON writes the vantage record of every point.
func writeVantagePointsJSON(enc *vantageRecords, rep *vantage.Report, cs []*vantage.Collector) {
	for i, c := range cs {
		j := jsonVantagePoint{Type: "vantage", Point: c.Name, Files: c.Files, Samples: rep.Offsets[i].Samples,
			OneWay: rep.Offsets[i].OneWay, Unpaired: rep.Unpaired[i], UnpairedCapturing: unpairedCapturing(rep, i), RefusedControl: refusedAt(rep, i), TwinControl: twins(rep, i), Limits: rep.Limits[i]}
		for _, pair := range rep.Identical {
			if pair[0] == i {
				j.IdenticalTo = append(j.IdenticalTo, rep.Points[pair[1]])
			} else if pair[1] == i {
				j.IdenticalTo = append(j.IdenticalTo, rep.Points[pair[0]])
			}
		}
		if i == 0 || rep.Offsets[i].Samples > 0 {
			v := jsonSeconds(rep.Offsets[i].Offset.Seconds())
			j.Offset = &v
		}
		if i == 0 {
			j.Ambiguous, j.PayloadSkipped = rep.Ambiguous, rep.PayloadSkipped
		}
		enc.write(j)
	}
}

// writeVantageSessionJSON writes a merged session's records: its
// vantage_session, its helper_check and helper_step records, its paths.
func writeVantageSessionJSON(enc *vantageRecords, points []string, s *vantage.Session) {
	rep := &vantage.Report{Points: points}
	// Announcements is [] when none, not null: json.md gives it as a list.
	js := jsonVantageSession{Type: "vantage_session", Session: s.ID, PairedBy: s.PairedBy, OrderUnknown: !s.OrderKnown,
		Announcements: []jsonAnnouncement{}}
	if s.OrderedBy == "addresses" || s.OrderedBy == "data" {
		js.OrderedBy = s.OrderedBy
	}
	for _, i := range s.Order {
		v := s.Views[i]
		cv := jsonConnView{Point: rep.Points[i]}
		if v != nil {
			cv = jsonConnView{Point: rep.Points[i], Client: addrString(v.Client), Server: addrString(v.Server), Start: tsString(v.Start), Seen: true,
				OneDirection: capturedOneSide(s, i)}
		}
		js.Points = append(js.Points, cv)
	}
	for _, a := range s.Announcements {
		ja := jsonAnnouncement{Index: a.Index, Rewritten: a.Rewritten, Untranslated: a.Untranslated, Missing: a.Missing, Verdict: a.Verdict}
		for _, i := range s.Order {
			if an := a.Views[i]; an != nil {
				ja.Views = append(ja.Views, jsonAnnView{Point: rep.Points[i], Text: an.Text, TextRaw: rawOf(an.Text), Truncated: an.TextMore > 0,
					Endpoint: endpointText(an), TS: tsString(an.TS), Packet: an.Num})
			}
		}
		js.Announcements = append(js.Announcements, ja)
	}
	js.ControlLost = s.ControlLost
	for _, c := range s.ControlLosses {
		jc := jsonControlLoss{Where: c.Where.String(), From: "server", Code: c.Code, Text: c.Text, TextRaw: rawOf(c.Text), Truncated: c.TextCut, TS: tsString(c.TS),
			After: rep.Points[c.After], Verdict: c.Verdict}
		if c.FromClient {
			jc.From = "client"
		}
		if c.Before >= 0 {
			jc.Before = rep.Points[c.Before]
		}
		js.ControlLosses = append(js.ControlLosses, jc)
	}
	enc.write(js)
	if s.Helper != nil {
		writeHelperCheckJSON(enc, rep, s)
	}
	for n, p := range s.Data {
		jp := jsonPath{Type: "path", Session: s.ID, Data: n + 1, Mode: "active", Where: p.Where.String(), Verdict: p.Verdict, Gaps: p.Gaps, Ambiguous: p.Ambiguous}
		if p.Passive {
			jp.Mode = "passive"
		}
		if p.After >= 0 {
			jp.After, jp.Before = rep.Points[p.After], rep.Points[p.Before]
		}
		if h := p.Helper; h != nil {
			jp.Helper = &jsonPathHelper{Expect: h.Expect.String(), Match: h.Match.String(), Verdict: h.Verdict}
		}
		if l := p.Lost; l != nil {
			jp.Lost = &jsonDataLoss{From: "client", Sender: addrString(l.Sender), Sent: l.Sent, Reached: l.Reached, Bytes: l.Bytes,
				Acked: l.Acked, Resent: l.Resent, ResentFrom: l.ResentFrom}
			if l.FromReceiver == p.Passive {
				jp.Lost.From = "server"
			}
		}
		for _, i := range p.Order {
			d := p.Views[i]
			dv := jsonDataView{Point: rep.Points[i]}
			if d != nil {
				dv = jsonDataView{Point: rep.Points[i], Seen: true, Src: addrString(d.Src), Dst: addrString(d.Dst), SYNs: d.SYNs,
					FirstSYN: tsString(d.FirstSYN), SYNACK: d.SYNACKs > 0, Bytes: d.Bytes,
					Retransmissions: d.Flows[0].Resent + d.Flows[1].Resent, BytesResent: d.Flows[0].ResentBytes + d.Flows[1].ResentBytes}
				if !d.RST.IsZero() {
					dv.RSTFrom = d.RSTFrom.String()
				}
				if !d.ICMP.IsZero() {
					dv.ICMPFrom = d.ICMPFrom.String()
				}
			}
			jp.Points = append(jp.Points, dv)
		}
		enc.write(jp)
	}
}

// writeHelperCheckText shows the simulated Linux helper of one session's
// router against what the points on either side of it saw.
func writeHelperCheckText(w io.Writer, rep *vantage.Report, hc *vantage.HelperCheck) {
	pr := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	pr("  Linux FTP helper simulated between %s and %s: %s\n", quotedName(rep.Points[hc.In]), quotedName(rep.Points[hc.Out]), helperConnText(hc))
	if hc.Incomplete != "" {
		pr("    incomplete: %s\n", sentence(hc.Incomplete))
	}
	if hc.PickedUp != "" {
		pr("    %s\n", sentence(hc.PickedUp))
	}
	if hc.Encrypted {
		pr("    the control channel turned to TLS: the helper reads nothing after that\n")
	}
	for _, st := range hc.Steps {
		copies := ""
		if st.Copies > 1 {
			copies = fmt.Sprintf(", %d copies", st.Copies)
		}
		pr("    %s at %s (packet %d%s): %s\n", stepKind(st), quotedName(rep.Points[st.From]), st.Num, copies, shown(st.Original))
		if st.Forwarded {
			ep := ""
			if st.SeenEndpoint.IsValid() || st.SeenEndpoint.Port() != 0 {
				ep = "  = " + endpointText(&vantage.Announcement{Endpoint: st.SeenEndpoint})
			}
			pr("      %s saw (packet %d): %s%s\n", quotedName(rep.Points[st.To]), st.OutNum, shown(st.Seen), ep)
		}
		pr("      -> %s\n", sentence(st.Verdict))
	}
	if hc.StepsDropped > 0 {
		pr("    %d more step%s not kept\n", hc.StepsDropped, plural(hc.StepsDropped))
	}
	if len(hc.Steps) == 0 && !hc.Encrypted && hc.Incomplete == "" {
		pr("    nothing the helper acts on\n")
	}
}

// helperConnText is the control connection as the simulated router keys it.
func helperConnText(hc *vantage.HelperCheck) string {
	t := "conntrack keys " + addrString(hc.Conn.Client) + " -> " + addrString(hc.Conn.Server)
	if hc.Conn.ServerAt.IsValid() {
		t += ", DNAT to " + addrString(hc.Conn.ServerAt)
	}
	if hc.Conn.ClientAs.IsValid() {
		t += ", SNAT to " + addrString(hc.Conn.ClientAs)
	}
	if !hc.NATed {
		t += " (not NATed: nf_nat_ftp rewrites nothing)"
	}
	return t
}

// stepKind names what the step is about: the announcement the helper
// found, or the one it did not read.
func stepKind(st vantage.HelperStep) string {
	if st.Result.Kind != nfhelper.KindNone {
		return st.Result.Kind.String()
	}
	if st.Result.NMissed > 0 {
		return st.Result.Missed[0].Kind.String()
	}
	return "segment"
}

// JSON records of the helper check.
type jsonHelperCheck struct {
	Type         string   `json:"type"`
	Session      int      `json:"session"`
	Between      []string `json:"between"`
	Client       string   `json:"client"`
	Server       string   `json:"server"`
	ClientAs     string   `json:"client_as,omitempty"`
	ServerAt     string   `json:"server_at,omitempty"`
	NATed        bool     `json:"nated"`
	Encrypted    bool     `json:"encrypted,omitempty"`
	Incomplete   string   `json:"incomplete,omitempty"`
	PickedUp     string   `json:"picked_up,omitempty"`
	StepsDropped int      `json:"steps_dropped,omitempty"`
}

type jsonExpect struct {
	Src     string `json:"src"`
	Dst     string `json:"dst"`
	DstPort uint16 `json:"dst_port"`
	NATDst  string `json:"nat_dst,omitempty"`
}

type jsonRewrite struct {
	Text  string `json:"text"`
	Addr  string `json:"addr,omitempty"`
	Port  uint16 `json:"port"`
	Delta int32  `json:"delta"`
}

type jsonHelperStep struct {
	Type           string       `json:"type"`
	Session        int          `json:"session"`
	Step           int          `json:"step"`
	Dir            string       `json:"dir"`
	Kind           string       `json:"kind"`
	Action         string       `json:"action"`
	Partial        string       `json:"partial,omitempty"`
	Missed         string       `json:"missed,omitempty"`
	From           string       `json:"from"`
	To             string       `json:"to"`
	Packet         uint64       `json:"packet"`
	Copies         int          `json:"copies"`
	Original       string       `json:"original"`
	OriginalRaw    []byte       `json:"original_raw,omitempty"`
	Expect         *jsonExpect  `json:"expect,omitempty"`
	Rewrite        *jsonRewrite `json:"rewrite,omitempty"`
	Forwarded      bool         `json:"forwarded"`
	SeenPacket     uint64       `json:"seen_packet,omitempty"`
	Seen           string       `json:"seen,omitempty"`
	SeenRaw        []byte       `json:"seen_raw,omitempty"`
	SeenEndpoint   string       `json:"seen_endpoint,omitempty"`
	TextAgrees     bool         `json:"text_agrees"`
	ShiftSimulated *int32       `json:"shift_simulated,omitempty"`
	ShiftSeen      *int32       `json:"shift_seen,omitempty"`
	Agrees         bool         `json:"agrees"`
	Verdict        string       `json:"verdict"`
}

func writeHelperCheckJSON(enc *vantageRecords, rep *vantage.Report, s *vantage.Session) {
	hc := s.Helper
	j := jsonHelperCheck{Type: "helper_check", Session: s.ID, Between: []string{rep.Points[hc.In], rep.Points[hc.Out]},
		Client: addrString(hc.Conn.Client), Server: addrString(hc.Conn.Server), NATed: hc.NATed, Encrypted: hc.Encrypted,
		Incomplete: hc.Incomplete, PickedUp: hc.PickedUp, StepsDropped: hc.StepsDropped}
	if hc.Conn.ClientAs.IsValid() {
		j.ClientAs = addrString(hc.Conn.ClientAs)
	}
	if hc.Conn.ServerAt.IsValid() {
		j.ServerAt = addrString(hc.Conn.ServerAt)
	}
	enc.write(j)
	for k, st := range hc.Steps {
		r := st.Result
		js := jsonHelperStep{Type: "helper_step", Session: s.ID, Step: k + 1, Dir: r.Dir.String(), Kind: stepKind(st), Action: r.Action.String(),
			From: rep.Points[st.From], To: rep.Points[st.To], Packet: st.Num, Copies: st.Copies, Original: st.Original, OriginalRaw: rawOf(st.Original),
			Forwarded: st.Forwarded, TextAgrees: st.TextAgrees, Agrees: st.Agrees, Verdict: st.Verdict}
		if r.Action == nfhelper.PartialDrop {
			js.Partial = r.Partial.String()
		}
		if r.Kind == nfhelper.KindNone && r.NMissed > 0 {
			js.Missed = r.Missed[0].Why.String()
		}
		if r.Expect.Valid() {
			js.Expect = &jsonExpect{Src: r.Expect.Src.String(), Dst: r.Expect.Dst.String(), DstPort: r.Expect.DstPort}
			if r.Expect.NATed {
				js.Expect.NATDst = addrString(r.Expect.NATDst)
			}
		}
		if r.Rewrite.Done {
			js.Rewrite = &jsonRewrite{Text: r.Rewrite.Text(), Port: r.Rewrite.Port, Delta: r.Rewrite.Delta()}
			if r.Rewrite.Addr.IsValid() {
				js.Rewrite.Addr = r.Rewrite.Addr.String()
			}
		}
		if st.Forwarded {
			js.SeenPacket, js.Seen, js.SeenRaw = st.OutNum, st.Seen, rawOf(st.Seen)
			if st.SeenEndpoint.IsValid() || st.SeenEndpoint.Port() != 0 {
				js.SeenEndpoint = endpointText(&vantage.Announcement{Endpoint: st.SeenEndpoint})
			}
		}
		if st.HaveNext {
			sim := st.ShiftSim
			js.ShiftSimulated = &sim
			if st.ShiftKnown {
				seen := st.ShiftSeen
				js.ShiftSeen = &seen
			}
		}
		enc.write(js)
	}
}

// pointRecords ties one point's own records (read --vantage --json) to
// the merged view as the merge goes: its finding and data records gain
// vantage_path (the path record that says where the connection was
// lost), and a finding the other points' captures overturn gains
// superseded, saying what they saw; so does the server record whose
// verdict such a finding fed. Each point's diagnosis sees its own capture
// only: without this, the client's side reads "a firewall drops the
// SYNs, open the range" while the merged view shows the SYNs reached the
// server and its SYN-ACKs were lost on the way back.
//
// The point's analysis runs in a goroutine of its own (startPointRun),
// whose records come grouped by session (pointSplitter: a session's
// records, its session record last). When the merge writes a session,
// session writes the group of each point's view of it first, pulling the
// point's groups as far as that one (the others wait in pending, at most
// maxPendingRecords bytes: past that the oldest goes out untied, counted).
// So what is held follows what is open at once, not the capture.
type pointRecords struct {
	w      io.Writer
	points []string // the points' names
	point  int
	suffix []byte // what ends every record: `,"observer":NAME`
	items  <-chan *pointItem
	done   bool // items closed
	// pending: groups pulled before their merged session was written, in
	// the order pulled, by their control connection (client, server).
	pending      []*pointItem
	pendingBytes int
	byConn       map[[2]netip.AddrPort][]*pointItem
	// recent: the last maxRecentSessions merged sessions written with a
	// view at this point, by its control connection: a group that comes
	// after its session was written (a point session split by an idle
	// close) is still tied to it. Each is kept as what tying reads of it
	// (tiedSession), not whole: every point's views of its connections
	// were most of what the run held.
	recent      map[[2]netip.AddrPort][]*tiedSession
	recentOrder [][2]netip.AddrPort
	tail        []*pointItem // the server and summary records: written last
	// overturned counts, per server (as its records write it), the
	// findings marked superseded, naming the first maxNamedOverturned;
	// at most maxOverturnedServers servers, the findings of those beyond
	// counted in overturnedUnnoted (their server records say nothing of
	// them).
	overturned        map[string]*overturnedFindings
	overturnedUnnoted int
	// untied counts the records written before their session's merge was
	// done (maxPendingRecords), without vantage_path.
	untied int
	err    error
}

// maxPendingRecords bounds the bytes of a point's records pulled ahead
// of their merged session (pointRecords.pending), and maxOpenRecords
// those of its open sessions (pointSplitter).
const (
	maxPendingRecords = 4 << 20
	maxOpenRecords    = 4 << 20
)

// maxRecentSessions bounds pointRecords.recent.
const maxRecentSessions = 256

// maxStartGap: a point's session record is its merged session's view's
// when both name the same control connection and it started while the
// view was open, give or take this (the 4-tuple reused later is another
// session).
const maxStartGap = time.Minute

// maxPointWait: looking for the records of a view, a point's group of a
// session started this long after the view's last packet says the
// point's analysis has none: it closes a session an idle hour after its
// last packet at the latest (decode), the announcement wait after that.
const maxPointWait = 2 * time.Hour

type overturnedFindings struct {
	n     int
	names []string
}

// maxOverturnedServers bounds pointRecords.overturned: a point's analysis
// writes no more server records than it keeps per-server summaries
// (diagnose.MaxServers), so no more servers' notes can be written.
const maxOverturnedServers = diagnose.MaxServers

// maxNamedOverturned bounds the overturned findings a server record's
// superseded names (the rest are counted).
const maxNamedOverturned = 8

type heldRecord struct {
	line []byte
	data int    // the data connection's id (finding, data); 0 for none
	code string // a finding's code, or "data"
}

// pointItem is what a point's analysis wrote of one session (its records
// in order, the session record last), or one record of no session.
type pointItem struct {
	recs    []heldRecord
	bytes   int
	session bool // ended by its session record
	id      int  // the point's session id
	tail    bool // a server or summary record, or one after them
	typ     string
	server  string // the session's or the server record's server
	client  netip.AddrPort
	srvAddr netip.AddrPort
	start   time.Time
	data    map[int]heldData // by the point's data id (nil until its first data record)
	// older, newer: the open sessions' groups in the order opened, while
	// open (pointSplitter).
	older, newer *pointItem
}

type heldData struct {
	client, server  netip.AddrPort
	firstSYN, armed time.Time
}

// pointRecordHead is what pointRecords reads of a record.
type pointRecordHead struct {
	Type     string `json:"type"`
	Session  int    `json:"session"`
	ID       int    `json:"id"`
	Data     int    `json:"data"`
	Code     string `json:"code"`
	Client   string `json:"client"`
	Server   string `json:"server"`
	Start    string `json:"start"`
	Armed    string `json:"armed"`
	FirstSYN string `json:"first_syn"`
}

func newPointRecords(w io.Writer, points []string, point int, items <-chan *pointItem) *pointRecords {
	o := &pointRecords{w: w, points: points, point: point, items: items, byConn: map[[2]netip.AddrPort][]*pointItem{},
		recent: map[[2]netip.AddrPort][]*tiedSession{}, overturned: map[string]*overturnedFindings{}}
	o.suffix = observerSuffix(points[point])
	return o
}

// observerSuffix is what the records of a point named name end with, as
// its encoder writes it.
func observerSuffix(name string) []byte {
	line, err := newRecordEncoder(name).encode(struct {
		X int `json:"x"`
	}{})
	if err != nil {
		return nil
	}
	return bytes.Clone(line[len(`{"x":0`) : len(line)-2])
}

// session writes the point's records of the merged session s, when the
// point saw it, tied to it.
func (o *pointRecords) session(s *vantage.Session) {
	v := s.Views[o.point]
	if v == nil {
		return
	}
	t := o.tie(s)
	if it := o.take(v); it != nil {
		o.writeItem(it, t)
	}
	k := [2]netip.AddrPort{v.Client, v.Server}
	o.recent[k] = append(o.recent[k], t)
	o.recentOrder = append(o.recentOrder, k)
	if len(o.recentOrder) > maxRecentSessions {
		old := o.recentOrder[0]
		o.recentOrder = o.recentOrder[1:]
		if o.recent[old] = o.recent[old][1:]; len(o.recent[old]) == 0 {
			delete(o.recent, old)
		}
	}
}

// take is the group of the point's view v: waiting, else pulled.
func (o *pointRecords) take(v *vantage.Control) *pointItem {
	k := [2]netip.AddrPort{v.Client, v.Server}
	best := -1
	for n, it := range o.byConn[k] {
		if ofView(it, v.Start, v.Last) && (best < 0 || nearer(it.start, o.byConn[k][best].start, v.Start)) {
			best = n
		}
	}
	if best >= 0 {
		it := o.byConn[k][best]
		o.unpend(it)
		return it
	}
	for !o.done {
		it, ok := <-o.items
		if !ok {
			o.done = true
			break
		}
		if it.session && it.client == v.Client && it.srvAddr == v.Server && ofView(it, v.Start, v.Last) {
			return it
		}
		o.place(it)
		if it.session && it.start.After(v.Last.Add(maxPointWait)) {
			break
		}
	}
	return nil
}

// ofView says whether the point's session it, of the same control
// connection as a view open from start to last, is that view's: started
// while the view was open (a session the point's analysis split at an
// idle close, continued, too), give or take maxStartGap.
func ofView(it *pointItem, start, last time.Time) bool {
	return !it.start.Before(start.Add(-maxStartGap)) && !it.start.After(last.Add(maxStartGap))
}

// nearer says whether a is nearer to t than b.
func nearer(a, b, t time.Time) bool {
	return absDuration(a.Sub(t)) < absDuration(b.Sub(t))
}

// place puts an item pulled that is not the one looked for where it
// goes: a record of no session out at once (server and summary at the
// end), a session whose merged one was written tied to it, else pending.
func (o *pointRecords) place(it *pointItem) {
	switch {
	case it.tail:
		o.tail = append(o.tail, it)
	case !it.session:
		o.writeItem(it, nil)
	default:
		if s := o.recentOf(it); s != nil {
			o.writeItem(it, s)
			return
		}
		k := [2]netip.AddrPort{it.client, it.srvAddr}
		o.byConn[k] = append(o.byConn[k], it)
		o.pending = append(o.pending, it)
		o.pendingBytes += it.bytes
		for o.pendingBytes > maxPendingRecords && len(o.pending) > 0 {
			old := o.pending[0]
			o.unpend(old)
			o.untied += len(old.recs)
			o.writeItem(old, nil)
		}
	}
}

// recentOf is the merged session written already that the point's
// session it is of.
func (o *pointRecords) recentOf(it *pointItem) *tiedSession {
	var best *tiedSession
	for _, t := range o.recent[[2]netip.AddrPort{it.client, it.srvAddr}] {
		if ofView(it, t.start, t.last) && (best == nil || nearer(t.start, best.start, it.start)) {
			best = t
		}
	}
	return best
}

func (o *pointRecords) unpend(it *pointItem) {
	k := [2]netip.AddrPort{it.client, it.srvAddr}
	o.byConn[k] = slices.DeleteFunc(o.byConn[k], func(x *pointItem) bool { return x == it })
	if len(o.byConn[k]) == 0 {
		delete(o.byConn, k)
	}
	if n := slices.Index(o.pending, it); n >= 0 {
		o.pending = slices.Delete(o.pending, n, n+1)
	}
	o.pendingBytes -= it.bytes
}

// finish writes the rest once the merge is done: every record still to
// come, the sessions no merged one took as they are, then the server and
// summary records (a server's noting the findings overturned).
func (o *pointRecords) finish() error {
	for !o.done {
		it, ok := <-o.items
		if !ok {
			o.done = true
			break
		}
		o.place(it)
	}
	for _, it := range o.pending {
		o.writeItem(it, nil)
	}
	o.pending, o.byConn, o.pendingBytes = nil, nil, 0
	for _, it := range o.tail {
		if ov := o.overturned[it.server]; it.typ == "server" && ov != nil && len(it.recs) == 1 {
			its := "their"
			if ov.n == 1 {
				its = "its"
			}
			named := strings.Join(ov.names, "; ")
			if more := ov.n - len(ov.names); more > 0 {
				named += fmt.Sprintf("; and %d more", more)
			}
			note := fmt.Sprintf("this verdict rests on %s that other points' captures overturn (%s): see %s superseded field and the path records",
				countNoun(ov.n, "finding"), named, its)
			it.recs[0].line = o.insert(it.recs[0].line, map[string]any{"superseded": note})
		}
		o.writeItem(it, nil)
	}
	o.tail = nil
	return o.err
}

func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeItem writes an item's records, those about a data connection tied
// to s (nil: as they are).
func (o *pointRecords) writeItem(it *pointItem, s *tiedSession) {
	for k := range it.recs {
		q := &it.recs[k]
		if s != nil && q.data > 0 {
			o.annotate(q, it, s)
		}
		if o.err == nil {
			_, o.err = o.w.Write(q.line)
		}
	}
}

// annotate adds the merged path to a finding or data record of s.
func (o *pointRecords) annotate(q *heldRecord, it *pointItem, s *tiedSession) {
	d, ok := it.data[q.data]
	if !ok {
		return
	}
	n := s.pathOf(d)
	if n < 0 {
		return
	}
	p := &s.paths[n]
	add := map[string]any{"vantage_path": jsonPathRef{Session: s.id, Data: n + 1, Where: p.where.String()}}
	if q.code != "data" {
		if why := o.overturn(q.code, s, p); why != "" {
			add["superseded"] = why
			o.noteOverturned(it, q)
		}
	}
	q.line = o.insert(q.line, add)
}

// noteOverturned counts the finding q of it, marked superseded, for its
// server record's note: past maxOverturnedServers servers, in
// overturnedUnnoted instead.
func (o *pointRecords) noteOverturned(it *pointItem, q *heldRecord) {
	ov := o.overturned[it.server]
	if ov == nil {
		if len(o.overturned) >= maxOverturnedServers {
			o.overturnedUnnoted++
			return
		}
		ov = &overturnedFindings{}
		o.overturned[it.server] = ov
	}
	ov.n++
	if len(ov.names) < maxNamedOverturned {
		ov.names = append(ov.names, fmt.Sprintf("%s of session %d, data %d", q.code, it.id, q.data))
	}
}

// jsonPathRef names the path record of a point's data connection.
type jsonPathRef struct {
	Session int    `json:"session"`
	Data    int    `json:"data"`
	Where   string `json:"where"`
}

// insert adds fields to a record, before its observer.
func (o *pointRecords) insert(line []byte, fields map[string]any) []byte {
	at := len(line) - 2 // before "}\n"
	if end := append(bytes.Clone(o.suffix), '}', '\n'); bytes.HasSuffix(line, end) {
		at = len(line) - len(end)
	}
	if at < 1 || line[at] != ',' && line[at] != '}' {
		return line
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var add []byte
	for _, k := range keys {
		v, err := json.Marshal(fields[k])
		if err != nil {
			return line
		}
		add = append(add, ',')
		add = strconv.AppendQuote(add, k)
		add = append(add, ':')
		add = append(add, v...)
	}
	out := append(bytes.Clone(line[:at]), appendInertJSON(nil, add)...)
	return append(out, line[at:]...)
}

// tiedSession is what a point's records need of the merged session
// they are tied to: the span of the point's view of its control
// connection, and its data connections and announcements as tying reads
// them (pathOf, overturn), the other points' views folded in.
type tiedSession struct {
	id          int
	start, last time.Time // the point's view
	paths       []tiedPath
	anns        []tiedAnn
}

// tiedPath is a merged data connection (vantage.Path) as tying reads it.
type tiedPath struct {
	where   vantage.Where
	verdict string
	after   int // vantage.Path.After
	// announcement: the index of the announcement it answers (0: none).
	announcement int
	// mine: the point saw the connection; src, dst and start are its
	// view's, synacks the SYN-ACKs it saw.
	mine     bool
	src, dst netip.AddrPort
	start    time.Time
	synacks  int
	// attempted: the points, in path order, that saw SYNs or SYN-ACKs of
	// it, when this point did not see it (all overturn reads).
	attempted  []int
	sentTo     netip.AddrPort // the destination its first view along the path saw
	haveSentTo bool
}

// tiedAnn is a merged announcement (vantage.AnnouncementPath) as tying
// reads it: the point's view (seen) and whether no box translated it.
type tiedAnn struct {
	index        int
	untranslated bool
	seen         bool
	ts           time.Time
	endpoint     netip.AddrPort
}

// tie is what the point's records need of the merged session s.
func (o *pointRecords) tie(s *vantage.Session) *tiedSession {
	v := s.Views[o.point]
	t := &tiedSession{id: s.ID, start: v.Start, last: v.Last}
	if len(s.Data) > 0 {
		t.paths = make([]tiedPath, len(s.Data))
	}
	for n, p := range s.Data {
		tp := &t.paths[n]
		tp.where, tp.verdict, tp.after, tp.announcement = p.Where, p.Verdict, p.After, p.Announcement
		if mine := p.Views[o.point]; mine != nil {
			tp.mine, tp.src, tp.dst, tp.start, tp.synacks = true, mine.Src, mine.Dst, mine.Start(), mine.SYNACKs
		}
		for _, i := range p.Order {
			dv := p.Views[i]
			if dv == nil {
				continue
			}
			if !tp.haveSentTo {
				tp.sentTo, tp.haveSentTo = dv.Dst, true
			}
			if !tp.mine && (dv.SYNs > 0 || dv.SYNACKs > 0) {
				tp.attempted = append(tp.attempted, i)
			}
		}
	}
	if len(s.Announcements) > 0 {
		t.anns = make([]tiedAnn, len(s.Announcements))
	}
	for n, a := range s.Announcements {
		ta := &t.anns[n]
		ta.index, ta.untranslated = a.Index, a.Untranslated
		if av := a.Views[o.point]; av != nil {
			ta.seen, ta.ts, ta.endpoint = true, av.TS, av.Endpoint
		}
	}
	return t
}

// pathOf is the index of the path of a data connection the point's
// records name (-1: none): by its addresses where the point saw its SYN,
// else by the announcement it answers (the point saw none of it: another
// point may have).
func (s *tiedSession) pathOf(d heldData) int {
	best, bestGap := -1, time.Duration(0)
	if d.client.IsValid() {
		for n := range s.paths {
			p := &s.paths[n]
			if !p.mine || !(p.src == d.client && p.dst == d.server || p.src == d.server && p.dst == d.client) {
				continue
			}
			gap := absDuration(p.start.Sub(d.firstSYN))
			if best < 0 || gap < bestGap {
				best, bestGap = n, gap
			}
		}
	} else if !d.armed.IsZero() {
		for _, a := range s.anns {
			if !a.seen || !a.ts.Equal(d.armed) {
				continue
			}
			for n := range s.paths {
				if p := &s.paths[n]; p.announcement == a.index && !p.mine {
					best = n
					break
				}
			}
			break
		}
	}
	return best
}

// overturn says why the other points' captures overturn a finding of
// this point about the data connection p, or "" when they do not: a
// connection this point saw no SYN of that another point saw attempted;
// SYNs this point saw unanswered that the receiver answered (its SYN-ACK
// lost on the way back) or whose handshake completed.
func (o *pointRecords) overturn(code string, s *tiedSession, p *tiedPath) string {
	merged := fmt.Sprintf("the merged view: %s: %s", p.where, p.verdict)
	switch code {
	case diagnose.CodeDataNotAttempted:
		if p.mine {
			return ""
		}
		var saw []string
		for _, i := range p.attempted {
			saw = append(saw, strconv.Quote(o.points[i]))
		}
		if len(saw) == 0 || s.sentAsAnnounced(p) {
			// Sent to the untranslated address announced: the finding's
			// first reading holds.
			return ""
		}
		return fmt.Sprintf("%s saw this data connection, which this point did not: it was attempted; %s", joinNames(saw), merged)
	case diagnose.CodeDataUnanswered, diagnose.CodeDataRefused, diagnose.CodeDataUnreachable:
		if !p.mine || p.synacks > 0 {
			return ""
		}
		switch p.where {
		case vantage.LostSYNACK:
			return "the receiver answered these SYNs: its SYN-ACKs were lost on the way back, after " + strconv.Quote(o.points[p.after]) + "; " + merged
		case vantage.Delivered, vantage.LostData:
			return "other points saw the handshake complete: this point did not capture the answer; " + merged
		}
	}
	return ""
}

// sentAsAnnounced says whether the data connection p, as the point
// nearest its sender saw it, went to the private address its
// announcement named at every point, untranslated.
func (s *tiedSession) sentAsAnnounced(p *tiedPath) bool {
	if p.announcement <= 0 || p.announcement > len(s.anns) {
		return false
	}
	a := &s.anns[p.announcement-1]
	if !a.untranslated || !a.seen {
		return false
	}
	return p.haveSentTo && p.sentTo == a.endpoint
}

func joinNames(names []string) string {
	if n := len(names); n > 1 {
		return strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	}
	return strings.Join(names, "")
}

func parseAddrPort(s string) netip.AddrPort {
	ap, _ := netip.ParseAddrPort(s)
	return ap
}

func parseTS(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
