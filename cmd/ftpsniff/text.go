package main

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"hash/maphash"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/fatih/color"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// textOutput writes a transcript per session when the session ends, then a
// summary. Sessions are kept only while open, so memory follows the live
// sessions, not the capture's length.
type textOutput struct {
	overlaps overlapList // inputs that overlap in time (tellOverlap)
	// neverReached: the servers the summary writes as one block
	// (writeNeverOpened), which its list of failed sessions groups too.
	neverReached map[netip.AddrPort]bool
	// rerunDrop: the flags a hint's "the same command" must leave out
	// (--write, --report: files it would overwrite)
	rerunDrop string
	w         *bufio.Writer
	p         *palette
	showPass  bool

	// summaryAsked: --summary was given, which a hint to show one
	// session's transcript must leave out.
	summaryAsked bool

	sessions int
	// sameConnection counts the sessions that are one connection seen
	// twice, on either side of an address translation.
	sameConnection int
	outcomes       [8]int
	dataN          int

	// open: the findings of each open session, for its transcript and
	// the summary, bounded (sessionFindings).
	open map[*track.Session]*sessionFindings
	// kept: what the open sessions' findings kept whole take together.
	kept findingBudget
	// findings: the live stream's (stream.go) findings held until their
	// data connection's line; empty in a text output of its own.
	findings map[*track.Session][]*diagnose.Finding
	// notShown counts the findings past maxFindingsKept the transcripts
	// written left out.
	notShown int
	servers  []diagnose.ServerSummary
	bySev    [3]int
	// firewallRange: the range in the summaries is the firewall's
	// (--pasv-range), not only the server configuration's.
	firewallRange bool
	inputErrs     []error
	files         textFiles    // extracted files (text_file.go)
	items         []item       // scratch of transcript, reused
	mid           []midEvent   // the transcript's events shown inside a command's block, in order of place
	midAt         int          // mid's first not yet written
	wire          []wireLine   // scratch of eventPlaces, reused
	evAt          []eventPlace // scratch of eventPlaces, reused
	// nextCmd: the transcript's next command after the one being
	// written (lateReplyNote), or nil.
	nextCmd *track.Command

	// Issue 10: reading less (summary.go).
	view     textView
	width    int // wrap ftpsniff's own sentences to this many columns
	verbose  bool
	minSev   diagnose.Severity // findings below it are counted, not shown
	belowMin int
	notes    io.Writer     // standard error: viewAuto says when it switches
	autoMax  int           // viewAuto: sessions a screen holds
	out      *bufio.Writer // viewAuto: the real output while held collects
	held     *bytes.Buffer
	policy   string // the policy block, repeated by a summary viewAuto switched to
	collapse *collapser
	short    map[*diagnose.Finding]*collapsed // repeated findings: one line
	// printedOnce, live's stream only: findings printed in full so far
	// this run; one that came back takes one line.
	printedOnce *printedOnce
	failed      failedList
	sel         *sessionSelector
	hidden      int // sessions the selection left out
	selected    int // sessions the selection kept, continuations too
	lastID      int // the highest session number seen
}

func newTextOutput(w *bufio.Writer, p *palette, showPass bool) *textOutput {
	return &textOutput{w: w, p: p, showPass: showPass, width: defaultWidth, open: map[*track.Session]*sessionFindings{},
		findings: map[*track.Session][]*diagnose.Finding{}}
}

func (o *textOutput) SessionStart(*track.Session) {}
func (o *textOutput) Command(s *track.Session, c *track.Command) {
	if o.view != viewFull && diagnose.RefusedTransfer(c) {
		o.noteRefused(s, c) // (the summary list names it)
	}
}
func (o *textOutput) Event(*track.Session, *track.Event) {}
func (o *textOutput) Data(s *track.Session, d *track.DataConn) {
	if o.sel.selects(s) {
		o.count(d)
	}
}
func (o *textOutput) count(d *track.DataConn)        { o.outcomes[d.Outcome]++; o.dataN++ }
func (o *textOutput) printf(format string, a ...any) { fmt.Fprintf(o.w, format, a...) }
func (o *textOutput) Flush() error                   { return o.w.Flush() }

// item is one line group of a transcript, in the order the tracker
// received it: a greeting reply, a command, a data connection without an
// announcement, or an event (the one of them that is set). A value, not a
// closure: a transcript is written for every session of a capture.
type item struct {
	seq uint64
	// before: an event the tracker reported after what followed it on
	// the wire (or a command the stream's end delivered: lateLine) goes
	// just before seq, the first of those (eventPlaces); sub orders the
	// items placed before the same line, as on the wire.
	before bool
	sub    int
	reply  *track.Reply
	cmd    *track.Command
	data   *track.DataConn
	event  *track.Event
}

// maxItemsKept bounds the item slice a textOutput keeps between
// transcripts.
const maxItemsKept = 1024

// midEvent is an event that came while a command waited for a reply (a
// capture gap between a 150 and its 226): the transcript shows it in the
// command's block, before the reply that came after it, not after the
// block (a gap at +0.007 printed under the 226 of +0.009). shown: written.
type midEvent struct {
	cmd   *track.Command
	ev    *track.Event
	at    uint64 // its place (item.place)
	shown bool
}

// maxOpenLookback bounds the items openCommand looks back over: a
// client's pipelined commands, not a session's.
const maxOpenLookback = 64

// openCommand is the earliest of the commands before an event (items, in
// order of place) that had a reply still to come after it, or nil.
// Replies come in the order of their commands: the walk back stops at the
// first command answered wholly before the event.
func openCommand(items []item, seq uint64) *track.Command {
	return openCommandAt(items, place(seq))
}

// openCommandAt is openCommand for an event at place at (item.place).
func openCommandAt(items []item, at uint64) *track.Command {
	var open *track.Command
	for i := len(items) - 1; i >= 0 && i >= len(items)-maxOpenLookback; i-- {
		c := items[i].cmd
		if c == nil || len(c.Replies) == 0 {
			continue
		}
		if place(c.Replies[len(c.Replies)-1].Seq) < at {
			break
		}
		open = c
	}
	return open
}

// place is where arrival number seq goes, in the units of item.place:
// twice it, so that an event can go just before it.
func place(seq uint64) uint64 { return 2 * seq }

// place is where the item goes among the others.
func (it *item) place() uint64 {
	if it.before {
		return place(it.seq) - 1
	}
	return place(it.seq)
}

// eventPlace is where an event goes: as item.seq, item.before, item.sub.
type eventPlace struct {
	seq    uint64
	before bool
	sub    int
}

// wireLine is a command, reply or event of a session, for eventPlaces.
type wireLine struct {
	seq, num uint64
	ts       time.Time
	// event: the index of the line's place in eventPlaces' result (an
	// event, or a command the stream's end delivered: lateLine); -1 for
	// any other command or reply.
	event int
}

// lateLine tells whether c is a line the stream's end delivered: sent
// without its line end (ftp.CmdUnterminated), never answered. The
// tracker receives it at the close, after the server's lines that came
// after its first bytes, whose packet and time it keeps: it is placed
// by them, as an event is (eventPlaces).
func lateLine(c *track.Command) bool {
	return c.Anomaly&ftp.CmdUnterminated != 0 && len(c.Replies) == 0 && !c.Unseen && c.Num != 0
}

// cameAfter tells whether line a's packet came after line b's: a later
// packet number at a later time (numbers restart in each input file, and
// a session may run from one into the next).
func (a *wireLine) cameAfter(b *wireLine) bool {
	return a.num > b.num && a.ts.After(b.ts)
}

// eventPlaces returns the place of each of s's events, then of each of
// its commands the stream's end delivered (lateLine), in their order.
// The tracker reports an event when it knows of it: a capture gap when
// the bytes after it come, which may be after later commands and replies
// (the gap of packet 32 reported after the QUIT of packet 34). Such an
// event goes before the run of commands, replies and events just before
// it whose packets came after its own, as in the JSON records; so does a
// line sent without its line end, which the close delivers (a "DELE x"
// cut by the capture's end, after the server's 421 of a later packet).
// lines is scratch, returned for reuse.
func eventPlaces(s *track.Session, lines []wireLine, at []eventPlace) ([]eventPlace, []wireLine) {
	at = at[:0]
	for i := range s.Events {
		at = append(at, eventPlace{seq: s.Events[i].Seq})
	}
	late := false
	for _, c := range s.Commands {
		if lateLine(c) {
			at = append(at, eventPlace{seq: c.Seq})
			late = true
		}
	}
	lines = lines[:0]
	if !late && !slices.ContainsFunc(s.Events, func(e track.Event) bool { return e.Num != 0 }) {
		return at, lines
	}
	for i := range s.Greeting {
		r := &s.Greeting[i]
		lines = append(lines, wireLine{seq: r.Seq, num: r.Num, ts: r.TS, event: -1})
	}
	k := len(s.Events)
	for _, c := range s.Commands {
		switch {
		case lateLine(c):
			lines = append(lines, wireLine{seq: c.Seq, num: c.Num, ts: c.TS, event: k})
			k++
		case !c.Unseen:
			lines = append(lines, wireLine{seq: c.Seq, num: c.Num, ts: c.TS, event: -1})
		}
		for i := range c.Replies {
			r := &c.Replies[i]
			lines = append(lines, wireLine{seq: r.Seq, num: r.Num, ts: r.TS, event: -1})
		}
	}
	for i := range s.Events {
		e := &s.Events[i]
		lines = append(lines, wireLine{seq: e.Seq, num: e.Num, ts: e.TS, event: i})
	}
	slices.SortFunc(lines, func(a, b wireLine) int { return cmp.Compare(a.seq, b.seq) })
	// Each event (and line delivered late) moves back over the lines
	// just before it that came after it on the wire (a line without a
	// packet number stops it).
	for k := range lines {
		e := lines[k]
		if e.event < 0 || e.num == 0 {
			continue
		}
		j := k
		for j > 0 && lines[j-1].cameAfter(&e) {
			j--
		}
		if j < k {
			copy(lines[j+1:k+1], lines[j:k])
			lines[j] = e
			lines[j].event = -2 - e.event // moved
		}
	}
	// A moved event's place is just before the next line not moved.
	var next uint64
	for k := len(lines) - 1; k >= 0; k-- {
		l := &lines[k]
		if l.event > -2 {
			next = l.seq
			continue
		}
		at[-2-l.event] = eventPlace{seq: next, before: true, sub: k}
	}
	return at, lines
}

// midEvents writes the events kept for c's block (o.mid) that came before
// the reply of arrival number seq.
func (o *textOutput) midEvents(s *track.Session, c *track.Command, seq uint64) {
	for o.midAt < len(o.mid) && o.mid[o.midAt].shown {
		o.midAt++
	}
	for i := o.midAt; i < len(o.mid) && o.mid[i].at < place(seq); i++ {
		if m := &o.mid[i]; m.cmd == c && !m.shown {
			m.shown = true
			o.event(s, m.ev)
		}
	}
}

// writeItem writes an item's lines.
func (o *textOutput) writeItem(s *track.Session, it *item) {
	switch {
	case it.reply != nil:
		o.reply(s, it.reply, nil)
	case it.cmd != nil:
		o.command(s, it.cmd)
	case it.data != nil:
		o.data(it.data, noStamp)
	case it.event != nil:
		o.event(s, it.event)
	}
}

func (o *textOutput) SessionEnd(s *track.Session) {
	// A session that continues one closed as idle is the same connection:
	// shown on its own, counted with the one it continues.
	counted := s.Counted()
	o.lastID = max(o.lastID, s.ID)
	if !o.sel.selects(s) {
		if counted {
			o.hidden++
		}
		o.forget(s, nil)
		return
	}
	o.selected++
	if counted {
		o.sessions++
	}
	if s.SameConnection != nil {
		o.sameConnection++
	}
	sf := o.open[s]
	fs := sf.keptList()
	if o.collapse != nil {
		for _, f := range fs {
			// With -v every finding is written in full in its transcript;
			// the summary view still needs them counted.
			if e, first := o.collapse.add(s, f); !first && !o.verbose {
				if o.short == nil {
					o.short = map[*diagnose.Finding]*collapsed{}
				}
				o.short[f] = e
			}
		}
		// Those past the bound, by kind: counted as they came, the
		// first of each standing for the rest (never written in a
		// transcript).
		for _, k := range sf.overList() {
			if k.rest {
				o.collapse.notCollapsed(s, k.first, k.n)
				continue
			}
			e, _ := o.collapse.add(s, k.first)
			o.collapse.addMore(e, k.n-1)
		}
	}
	o.listSession(s, sf)
	if o.view == viewSummary {
		o.forget(s, fs)
		return
	}
	o.transcript(s)
	o.forget(s, fs)
	o.autoDecide()
}

// forget drops what was kept about an ended session, and gives its
// findings' room back to the budget.
func (o *textOutput) forget(s *track.Session, fs []*diagnose.Finding) {
	if sf := o.open[s]; sf != nil {
		o.kept.n -= len(sf.kept)
		o.kept.bytes -= sf.keptBytes
	}
	delete(o.open, s)
	for _, f := range fs {
		delete(o.short, f)
	}
}

// Bounds of the findings the text output keeps whole for the transcripts,
// all open sessions together, as the tracker bounds their commands
// (track.DefaultTranscriptBudget): 10,000 sessions open at once, each of
// 10,000 refused PASV, raise as many findings, each with some 3 KB of
// advice and holding its data connection. Past them a session's findings
// are counted by kind (sessionFindings.over), so that the summary's
// counts, the server blocks and the list of failed sessions stay exact;
// the transcript says how many it does not show, and of which codes.
const (
	maxFindingsKept  = 10000
	maxFindingsBytes = 8 << 20 // findingBytes
	// findingOverhead is what a kept finding costs besides its text: the
	// Finding itself (its size, so that a field added is counted), its
	// packets' array, its slot in the session's list and its strings'
	// rounding up.
	findingOverhead = int(unsafe.Sizeof(diagnose.Finding{})) + 128
	// findingDataHeld is what a finding about a data connection keeps
	// alive after its session let the record go (announcements nothing
	// used, track/datakept.go): the record (704 bytes) and its
	// announcement's command and reply; findingCommandHeld, a finding
	// about a command, that command and a reply.
	// (TestKeptFindingCountsWhatItHolds: 1,816 bytes held where 888 were
	// counted.)
	findingDataHeld    = 1152
	findingCommandHeld = 448
)

// findingBytes is what keeping f costs, of maxFindingsBytes.
func findingBytes(f *diagnose.Finding) int {
	n := findingOverhead + len(f.Message) + len(f.Evidence) + len(f.Advice) + 8*len(f.Packets)
	switch {
	case f.Data != nil:
		n += findingDataHeld
	case f.Command != nil:
		n += findingCommandHeld
	}
	return n
}

// findingBudget is what the open sessions' kept findings take together.
type findingBudget struct {
	n, bytes int
}

// maxOverKinds bounds the kinds (collapseKey: code, severity, advice
// shape) counted past maxFindingsKept in one session. Past it the findings
// of a new kind are counted by code and severity only, which tell the
// summary list why the session failed; the server blocks count them as
// not summarised (collapser.full).
const maxOverKinds = maxCollapseKeys

// smallFindings: a session with no more findings than this is scanned
// for those of a command or a data connection; a larger one is indexed
// once (sessionFindings.index).
const smallFindings = 32

// overKey is a kind of finding counted past maxFindingsKept: the
// collapseKey within one session (its server is the session's). rest:
// past maxOverKinds, code and severity only.
type overKey struct {
	code string
	sev  diagnose.Severity
	// shape: the advice's shape (adviceShape) as a 64-bit keyed hash:
	// the shape itself, kept per kind in each of thousands of open
	// sessions, took 14 MB of 4,000 sessions' summary.
	shape uint64
	rest  bool
}

// overKind counts the findings of one kind not kept whole (past the
// budget, or all of them in the summary view) and keeps the first of them.
type overKind struct {
	// first: a copy of the first (firstOfKind), without the records it
	// was about, which the session would otherwise hold to its end.
	first *diagnose.Finding
	n     int
	rest  bool
}

// firstOfKind is what an overKind keeps of f, the first of its kind: a
// copy without its command and data connection, which the session's end
// (collapser.add, notCollapsed), the transcript's count (overCodes) and
// the list of failed sessions (sessionFailed) do not read; the record,
// with its announcement's and transfer's commands and replies (about
// 1.5 KB), was held to the session's end for each kind: 4,000 open
// sessions of refused PASVs held two each. A data-refused keeps its
// connection: diagnose.RefusedByBackend reads it at the session's end.
func firstOfKind(f *diagnose.Finding) *diagnose.Finding {
	c := *f
	c.Command = nil
	if c.Code != diagnose.CodeDataRefused {
		c.Data = nil
	}
	return &c
}

// sessionFindings is what the text output keeps of an open session's
// findings: those the budget (findingBudget) has room for, in order of
// arrival, for the transcript; past it a count per kind, keeping the
// first of each. The summary view, which writes no transcript, keeps
// only the count per kind and the codes of each data connection's
// findings (dataCodes): what it prints. The transcript view lists no
// session (fullView): it keeps no codes.
type sessionFindings struct {
	// fullView: made in the transcript view (viewFull, which never
	// changes view), which writes no list of failed sessions: dataCodes,
	// keyed by record, would hold each session's latest records with
	// warnings to its end for nothing.
	fullView  bool
	kept      []*diagnose.Finding
	keptBytes int         // of the budget, given back when the session ends
	over      []*overKind // in order of their first finding
	overBy    map[overKey]*overKind
	kinds     int // of over, those not rest
	overN     int // findings not kept whole
	// dataCodes: the codes of the warnings and errors not kept whole
	// about each data connection, in order of arrival (the list of
	// failed sessions writes them); only of those the session still
	// holds (pruneDataCodes).
	dataCodes map[*track.DataConn][]string
	// gone: the data connections with warnings or errors whose codes
	// pruneDataCodes forgot, the session no longer holding them, but
	// for failed ones (the list counts those from the session's
	// outcomes): the list counts them with the others it does not name.
	gone int
	// byCmd and byData: kept indexed by the command (of a finding about
	// no data connection) and by the data connection, built once when
	// the transcript first asks for a large session's.
	byCmd  map[*track.Command][]*diagnose.Finding
	byData map[*track.DataConn][]*diagnose.Finding
	// dataShown: the data connections the transcript wrote with their
	// findings (ofData).
	dataShown map[*track.DataConn]bool
	// refused: the session's first file transfer the server refused
	// (diagnose.RefusedTransfer), for the summary list; nil when none.
	refused *track.Command
}

// add keeps f whole if b has room for it, else counts it by kind; slim
// (the summary view) keeps none whole.
func (sf *sessionFindings) add(f *diagnose.Finding, b *findingBudget, slim bool) {
	if n := findingBytes(f); !slim && b.n < maxFindingsKept && b.bytes+n <= maxFindingsBytes {
		b.n++
		b.bytes += n
		sf.keptBytes += n
		sf.kept = append(sf.kept, f)
		return
	}
	sf.addDataCode(f)
	sf.overN++
	k := overKey{code: f.Code, sev: f.Severity, shape: maphash.String(collapseSeed, adviceShape(f.Advice))}
	kind := sf.overBy[k]
	if kind == nil && sf.kinds >= maxOverKinds {
		k = overKey{code: f.Code, sev: f.Severity, rest: true}
		kind = sf.overBy[k]
	}
	if kind == nil {
		if sf.overBy == nil {
			sf.overBy = map[overKey]*overKind{}
		}
		kind = &overKind{first: firstOfKind(f), rest: k.rest}
		sf.overBy[k] = kind
		sf.over = append(sf.over, kind)
		if !k.rest {
			sf.kinds++
		}
	}
	kind.n++
}

// addDataCode notes the code of f, not kept whole, if it is a warning or
// an error about a data connection, for the summary list.
func (sf *sessionFindings) addDataCode(f *diagnose.Finding) {
	if f.Data == nil || f.Severity < diagnose.SeverityWarning || sf.fullView {
		return
	}
	if sf.dataCodes == nil {
		sf.dataCodes = map[*track.DataConn][]string{}
	}
	sf.dataCodes[f.Data] = append(sf.dataCodes[f.Data], f.Severity.String()+" "+f.Code)
	if s := f.Session; s != nil && len(sf.dataCodes) > len(s.Data)+max(2, len(s.Data)/2) {
		sf.pruneDataCodes(s)
	}
}

// pruneDataCodes forgets the codes of the data connections s no longer
// holds (track lets go of those past its MaxDataPerSession, of
// announcements nothing used past the first few, and more once the open
// sessions hold its budget): the list writes only those of s.Data, and
// counts the others (gone). Each key holds its data connection: called
// once dataCodes holds a few or half as many more than s.Data, so that
// what it holds stays near what s.Data does and each finding costs O(1)
// on average.
func (sf *sessionFindings) pruneDataCodes(s *track.Session) {
	held := make(map[*track.DataConn]bool, len(s.Data))
	for _, d := range s.Data {
		held[d] = true
	}
	for d := range sf.dataCodes {
		if !held[d] {
			if !dataFailed(d) {
				sf.gone++
			}
			delete(sf.dataCodes, d)
		}
	}
}

// codesByData is the codes of the warnings and errors about each data
// connection the session still holds, in order of arrival (those kept
// whole first): what the list of failed sessions writes under it.
func (sf *sessionFindings) codesByData() map[*track.DataConn][]string {
	if sf == nil {
		return nil
	}
	byData := sf.dataCodes
	if len(sf.kept) > 0 {
		byData = map[*track.DataConn][]string{}
		for _, f := range sf.kept {
			if f.Data != nil && f.Severity >= diagnose.SeverityWarning {
				byData[f.Data] = append(byData[f.Data], f.Severity.String()+" "+f.Code)
			}
		}
		for d, codes := range sf.dataCodes {
			byData[d] = append(byData[d], codes...)
		}
	}
	return byData
}

// keptList is the findings kept for the transcript, in order of arrival.
func (sf *sessionFindings) keptList() []*diagnose.Finding {
	if sf == nil {
		return nil
	}
	return sf.kept
}

// overList is the kinds counted past maxFindingsKept.
func (sf *sessionFindings) overList() []*overKind {
	if sf == nil {
		return nil
	}
	return sf.over
}

// notShown is the number of findings the transcript does not show.
func (sf *sessionFindings) notShown() int {
	if sf == nil {
		return 0
	}
	return sf.overN
}

// maxOverCodes bounds the codes overCodes names.
const maxOverCodes = 6

// overCodes says what the findings not kept whole are: how many of each
// severity and code, in order of their first, the worst first.
func (sf *sessionFindings) overCodes() string {
	type sevCode struct {
		sev  diagnose.Severity
		code string
	}
	var order []sevCode
	n := map[sevCode]int{}
	for _, k := range sf.over {
		c := sevCode{k.first.Severity, k.first.Code}
		if n[c] == 0 {
			order = append(order, c)
		}
		n[c] += k.n
	}
	slices.SortStableFunc(order, func(a, b sevCode) int { return cmp.Compare(b.sev, a.sev) })
	var parts []string
	for i, c := range order {
		if i == maxOverCodes {
			parts = append(parts, fmt.Sprintf("%d more code%s", len(order)-i, plural(len(order)-i)))
			break
		}
		parts = append(parts, fmt.Sprintf("%d %s %s", n[c], c.sev, c.code))
	}
	return strings.Join(parts, ", ")
}

// all is every kind of the session's findings: those kept, in order of
// arrival, then the first of each kind past the bound, in order of
// arrival too; so the first finding of a severity, and the first of a
// code, are those of all the session's findings.
func (sf *sessionFindings) all() []*diagnose.Finding {
	if sf == nil {
		return nil
	}
	if len(sf.over) == 0 {
		return sf.kept
	}
	fs := make([]*diagnose.Finding, 0, len(sf.kept)+len(sf.over))
	fs = append(fs, sf.kept...)
	for _, k := range sf.over {
		fs = append(fs, k.first)
	}
	return fs
}

// index builds byCmd and byData once.
func (sf *sessionFindings) index() {
	if sf.byCmd != nil {
		return
	}
	sf.byCmd = map[*track.Command][]*diagnose.Finding{}
	sf.byData = map[*track.DataConn][]*diagnose.Finding{}
	for _, f := range sf.kept {
		switch {
		case f.Data != nil:
			sf.byData[f.Data] = append(sf.byData[f.Data], f)
		case f.Command != nil:
			sf.byCmd[f.Command] = append(sf.byCmd[f.Command], f)
		}
	}
}

// ofCommand calls fn for each kept finding about c and no data
// connection, in order of arrival.
func (sf *sessionFindings) ofCommand(c *track.Command, fn func(*diagnose.Finding)) {
	if sf == nil {
		return
	}
	if len(sf.kept) <= smallFindings {
		for _, f := range sf.kept {
			if f.Data == nil && f.Command == c {
				fn(f)
			}
		}
		return
	}
	sf.index()
	for _, f := range sf.byCmd[c] {
		fn(f)
	}
}

// ofData calls fn for each kept finding about d, in order of arrival.
func (sf *sessionFindings) ofData(d *track.DataConn, fn func(*diagnose.Finding)) {
	if sf == nil {
		return
	}
	if len(sf.kept) <= smallFindings {
		for _, f := range sf.kept {
			if f.Data == d {
				sf.shown(d)
				fn(f)
			}
		}
		return
	}
	sf.index()
	for _, f := range sf.byData[d] {
		sf.shown(d)
		fn(f)
	}
}

// shown notes that the transcript wrote d's findings under it.
func (sf *sessionFindings) shown(d *track.DataConn) {
	if sf.dataShown == nil {
		sf.dataShown = map[*track.DataConn]bool{}
	}
	sf.dataShown[d] = true
}

// transcript writes a session's transcript.
func (o *textOutput) transcript(s *track.Session) {
	p := o.p
	o.printf("%s %s %s %s  %s\n",
		p.head.Sprintf("session %d", s.ID),
		addrString(s.Client), p.dim.Sprint("->"), addrString(s.Server),
		s.Start.UTC().Format("2006-01-02 15:04:05.000000 UTC"))
	for i, l := range tunnelLines(s, o.width) {
		if s.TunnelUnverified() {
			l = p.warn.Sprint(l)
		}
		o.printf("%s%s\n", tunnelIndent[min(i, 1)], l)
	}
	var noteBuf [6]string
	notes := noteBuf[:0]
	notes = append(notes, whoString(s, shownIsolated))
	notes = appendEncryptedNote(notes, s)
	notes = appendStartNotes(notes, s)
	if s.File != "" {
		notes = append(notes, "in "+safe(s.File)+" (packet numbers are that file's)")
	}
	if s.Desync {
		notes = append(notes, "capture gaps: some replies may be paired wrongly")
	}
	o.printf("  %s\n", strings.Join(notes, "; "))
	if tw := s.SameConnection; tw != nil {
		o.printf("  also session %d, %s -> %s: the same connection on the other side of a NAT\n",
			tw.ID, addrString(tw.Client), addrString(tw.Server))
	}

	items := o.items[:0]
	for i := range s.Greeting {
		items = append(items, item{seq: greetingPlace(s, &s.Greeting[i]), reply: &s.Greeting[i]})
	}
	var at []eventPlace
	at, o.wire = eventPlaces(s, o.wire, o.evAt)
	o.evAt = at[:0]
	late := len(s.Events) // (the places of lateLine's commands follow the events')
	for _, c := range s.Commands {
		it := item{seq: c.Seq, cmd: c}
		if lateLine(c) {
			it.seq, it.before, it.sub = at[late].seq, at[late].before, at[late].sub
			late++
		}
		items = append(items, it)
	}
	kept := commandSet{cmds: s.Commands}
	for _, d := range s.Data {
		unshown := s.CommandsOmitted > 0 && (d.Announce == nil || !kept.has(d.Announce)) && (d.Command == nil || !kept.has(d.Command))
		if d.Announce == nil && d.Command == nil || unshown {
			// Inferred: no announcement or transfer command to show it
			// under; or the transcript bound left both out.
			items = append(items, item{seq: d.Seq, data: d})
		}
	}
	for i := range s.Events {
		items = append(items, item{seq: at[i].seq, before: at[i].before, sub: at[i].sub, event: &s.Events[i]})
	}
	// Every item has its own place but a greeting placed before a
	// command (greetingPlace) and events placed before the same line:
	// the order is the same whatever the sort.
	slices.SortFunc(items, func(a, b item) int {
		if c := cmp.Compare(a.place(), b.place()); c != 0 {
			return c
		}
		// Greeting lines share a command's place: they go first, in
		// their own order. Events (and lines delivered late) moved
		// before the same line share its place less one: in their wire
		// order.
		switch {
		case a.before && b.before:
			return cmp.Compare(a.sub, b.sub)
		case a.reply != nil && b.reply != nil:
			return cmp.Compare(a.reply.Seq, b.reply.Seq)
		case a.reply != nil:
			return -1
		case b.reply != nil:
			return 1
		}
		return 0
	})
	// An event that came while a command waited for a reply goes in the
	// command's block, before that reply.
	mid := o.mid[:0]
	for i := range items {
		if e := items[i].event; e != nil {
			if c := openCommandAt(items[:i], items[i].place()); c != nil {
				mid = append(mid, midEvent{cmd: c, ev: e, at: items[i].place()})
				items[i].event = nil // (writeItem writes nothing)
			}
		}
	}
	o.mid, o.midAt = mid, 0
	// Commands the transcript bound left out are said where they were
	// (a gap in the commands' numbers), not only at the end.
	last, placed, next := 0, 0, 0
	for i := range items {
		if c := items[i].cmd; c != nil {
			if n := min(c.Index-last-1, s.CommandsOmitted-placed); n > 0 {
				o.printf("  %s\n", p.warn.Sprintf("(%d command%s not kept here: transcript limit)", n, plural(n)))
				placed += n
			}
			last = max(last, c.Index)
			for next = max(next, i+1); next < len(items) && (items[next].cmd == nil || items[next].cmd.Unseen); next++ {
			}
			o.nextCmd = nil
			if next < len(items) {
				o.nextCmd = items[next].cmd
			}
		}
		o.writeItem(s, &items[i])
	}
	o.nextCmd = nil
	// The next session's transcript reuses the slice, unless it grew
	// large (a session of thousands of commands).
	clear(items)
	if cap(items) <= maxItemsKept {
		o.items = items[:0]
	} else {
		o.items = nil
	}
	clear(o.mid)
	if cap(o.mid) <= maxItemsKept {
		o.mid = o.mid[:0]
	} else {
		o.mid = nil
	}
	if cap(o.wire) > maxItemsKept {
		o.wire, o.evAt = nil, nil
	}
	// Findings about the session as a whole, about a command the
	// transcript did not keep, or about a data connection it did not
	// show (the session no longer held it, and kept neither of its
	// commands).
	sf := o.open[s]
	for _, f := range sf.keptList() {
		if f.Data != nil && sf.dataShown[f.Data] || f.Data == nil && f.Command != nil && kept.has(f.Command) {
			continue
		}
		o.finding(f)
	}
	if n := s.CommandsOmitted - placed; n > 0 {
		o.printf("  %s\n", p.warn.Sprintf("(%d more command%s not kept: transcript limit)", n, plural(n)))
	}
	if n := sf.notShown(); n > 0 {
		o.notShown += n
		o.printf("  %s\n", p.warn.Sprintf("(%d more finding%s of this session not shown here (%s): the transcripts of the sessions open at once keep %d findings or %d MiB together; the summary counts them all, --json lists every one)",
			n, plural(n), sf.overCodes(), maxFindingsKept, maxFindingsBytes>>20))
	}
	// Data connections no transfer command used are shown under their
	// announcement already; count them in the footer.
	o.printf("  %s\n\n", p.dim.Sprintf("end: %s; %d command%s; data: %s",
		sessionEnd(s), s.CommandCount, plural(s.CommandCount), outcomeCounts(s.DataOutcomes[:], s.DataCount)))
}

// sessionEnd says how a session ended: its end reason and when its last
// packet came; for one that ended in silence (an idle close, the
// capture's end), how long the silence lasted too, so that neither an
// hour's idle wait nor a session's own few milliseconds read as its
// length. A session across a step back of the capture's clock lasted
// the packet time the step leaves out, and says so (sessionSpan, by the
// tracker's Session.ClockSteps). The offset of its last packet is the
// transcript's, on the clock as stamped.
func sessionEnd(s *track.Session) string {
	silent := s.WatchedUntil().Sub(s.End)
	sp := spanOf(s)
	if silent < time.Second || s.EndReason == track.EndFIN || s.EndReason == track.EndRST {
		return fmt.Sprintf("%s after %s", s.EndReason, sp.words())
	}
	if sp.back+sp.dayGaps+sp.set > 0 {
		return fmt.Sprintf("%s, the control connection silent for %s after its last packet at %+.3fs, %s after its first", s.EndReason, seconds(silent), s.End.Sub(s.Start).Seconds(), sp.words())
	}
	return fmt.Sprintf("%s, the control connection silent for %s after its last packet at +%s", s.EndReason, seconds(silent), seconds(sp.d))
}

// InputOverlap keeps an overlap of the inputs for the summary (tellOverlap).
func (o *textOutput) InputOverlap(ov inputOverlap) { o.overlaps.add(ov) }

// commandSet tells whether a command is among a transcript's kept ones:
// a scan of a short list, a map built once for a long one.
type commandSet struct {
	cmds []*track.Command
	m    map[*track.Command]bool
}

func (k *commandSet) has(c *track.Command) bool {
	if len(k.cmds) <= 32 {
		return slices.Contains(k.cmds, c)
	}
	if k.m == nil {
		k.m = make(map[*track.Command]bool, len(k.cmds))
		for _, x := range k.cmds {
			k.m[x] = true
		}
	}
	return k.m[c]
}

// greetingPlace is where the transcript shows a greeting line: at its
// arrival, unless commands the client sent before it arrived were answered
// after it (a client that did not wait for the greeting). Their replies are
// shown under them, so the greeting goes before the first of them, as it
// came before their replies on the wire.
func greetingPlace(s *track.Session, g *track.Reply) uint64 {
	for _, c := range s.Commands {
		if c.Seq > g.Seq {
			break
		}
		if len(c.Replies) > 0 && c.Replies[0].Seq > g.Seq {
			return c.Seq
		}
	}
	return g.Seq
}

// appendEncryptedNote adds how the control channel came to be encrypted,
// for the transcript and the report alike.
func appendEncryptedNote(notes []string, s *track.Session) []string {
	switch {
	case s.TLSUnfinished() && s.ImplicitTLS:
		// (The login line says the handshake never completed.)
		return append(notes, "control channel turned to TLS (implicit FTPS)")
	case s.TLSUnfinished():
		return append(notes, "control channel turned to TLS (AUTH accepted)")
	case s.Encrypted && s.ImplicitTLS:
		return append(notes, "control channel encrypted (implicit FTPS)")
	case s.Encrypted && s.Midstream && s.Resumed == nil && s.CommandCount == 0:
		return append(notes, "control channel encrypted (TLS from before the capture)")
	case s.Encrypted:
		return append(notes, "control channel encrypted (AUTH accepted)")
	}
	return notes
}

// appendStartNotes adds how the session's connection was found: picked
// up again after an idle close, or mid-stream, and by its content.
func appendStartNotes(notes []string, s *track.Session) []string {
	switch {
	case s.Resumed != nil:
		notes = append(notes, resumedNote(s.Resumed))
	case s.Midstream:
		notes = append(notes, "picked up mid-stream")
	}
	if s.OneSide != track.BothSides {
		notes = append(notes, "only the "+s.OneSide.String()+"'s side captured")
	}
	if s.ByContent {
		notes = append(notes, "recognised as FTP by content")
	}
	return notes
}

// resumedNote says which session a session picked up again after an
// idle close continues.
func resumedNote(r *track.Resumption) string {
	at := r.Closed.UTC().Format("2006-01-02 15:04:05 UTC")
	if r.From == 0 {
		return "continues a session closed as idle at " + at + " (no longer known which)"
	}
	return fmt.Sprintf("continues session %d (closed as idle at %s)", r.From, at)
}

func outcomeCounts(counts []int, total int) string {
	if total == 0 {
		return "none"
	}
	var parts []string
	for o := track.OutcomeTransferred; o <= track.OutcomeUndetermined; o++ {
		if counts[o] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[o], o))
		}
	}
	return strings.Join(parts, ", ")
}

func (o *textOutput) stamp(s *track.Session, ts time.Time) string {
	// %+: a capture clock stepped back reads -3599.994, not +-3599.994.
	return o.p.dim.Sprintf("%10s", offsetStamp(ts.Sub(s.Start)))
}

func (o *textOutput) command(s *track.Session, c *track.Command) {
	o.commandLine(s, c)
	for i := range c.Replies {
		if i == len(c.Replies)-1 && c.Status == track.StatusAnswered {
			// A transfer's data connections appear between the
			// preliminary replies and the final one, where they happened.
			o.transferLines(c)
		}
		o.midEvents(s, c, c.Replies[i].Seq)
		o.reply(s, &c.Replies[i], c)
		o.lateReplyNote(c, &c.Replies[i])
	}
	if c.Status != track.StatusAnswered {
		o.transferLines(c)
	}
	// An announcement no transfer used shows its outcome under its reply.
	if c.Data != nil && c.Data.Command == nil {
		o.data(c.Data, noStamp)
	}
	o.commandStatus(c)
	// Findings about this command.
	o.open[s].ofCommand(c, o.finding)
}

// smuggledNote hedges a command read past a line bound
// (track.Command.Smuggled): the capture holds its bytes, not where the
// server cut the line.
const smuggledNote = "[smuggled past a line limit: the end of the over-long line before it, which a server that splits lines at its bound (vsftpd: 4,096 bytes) reads as a command of its own; the reply after it, which no command shown asked for, accepted it; unverified: where the server cut the line is not in the capture]"

// lateReplyShown: how much later than the next command a reply must come
// for its note; a client pipelining NOOP and QUIT gets replies a
// millisecond after, which the stamps barely show and a note on every
// line would bury.
const lateReplyShown = 10 * time.Millisecond

// lateReplyNote marks a reply of c that came after the next command was
// sent (o.nextCmd): printed in c's block, its time runs back to the
// command below it ("+2.577 --> 426" over "+2.551 <-- ABOR", a RETR's
// 426 after the client's ABOR); the note says whose it is.
func (o *textOutput) lateReplyNote(c *track.Command, r *track.Reply) {
	n := o.nextCmd
	if n == nil || r.Seq < n.Seq || r.TS.Sub(n.TS) < lateReplyShown {
		return
	}
	o.printf("%s %s\n", noStamp, o.p.dim.Sprintf("    (answers %s above; it came after %s below was sent)", o.lineName(c), o.lineName(n)))
}

// lineName names a command in a note: "the RETR"; "the line" for one
// masked or no FTP command.
func (o *textOutput) lineName(c *track.Command) string {
	if v := maskedVerb(c, o.showPass); v != mask && !c.Junk {
		return "the " + shownIsolated(v)
	}
	return "the line"
}

// commandLine writes the `<--` line of a command.
func (o *textOutput) commandLine(s *track.Session, c *track.Command) {
	p := o.p
	line := shownIsolated(maskedVerb(c, o.showPass))
	tab := c.Anomaly&ftp.CmdTabSeparator != 0
	if c.Arg != "" || c.Verb == "PASS" || tab {
		sep := " "
		arg := maskedArg(c, o.showPass)
		switch {
		case tab:
			sep = shown("\t")
		case c.Anomaly&ftp.CmdControlSeparator != 0 && arg == c.Arg:
			sep = "" // ("QUIT\x00": the control byte, shown escaped, begins the argument)
		}
		line += sep + shownKept(arg, c.Dropped)
	}
	extra := ""
	if c.EndpointVia != 0 && !c.EndpointVia.Passive() {
		if c.EndpointErr != nil {
			extra = "  " + p.bad.Sprintf("[malformed: %v]", c.EndpointErr)
		} else {
			extra = "  " + p.head.Sprintf("= %s", c.Endpoint)
		}
		if c.EndpointLoose {
			extra += "  " + p.warn.Sprint(looseNote)
		}
	}
	if c.Dropped > 0 {
		extra += "  " + p.warn.Sprint(droppedNote(c.Dropped))
	}
	if c.Smuggled() {
		extra += "  " + p.warn.Sprint(smuggledNote)
	}
	if tab {
		extra += "  " + p.warn.Sprint(tabNote(c.Verb))
	}
	switch {
	case c.RestNotCaptured():
		// (Sent whole: the capture holds its start.)
		extra += "  " + p.warn.Sprint("[rest of the line not captured]")
	case c.Anomaly&ftp.CmdUnterminated == 0:
	case c.CaptureEnded():
		// (Its line end may have come after the capture stopped: the
		// server may have acted on it.)
		extra += "  " + p.warn.Sprint("[capture ended mid-line]")
	default:
		// (Sent without its line end, the stream ending: the server
		// did not act on it.)
		extra += "  " + p.warn.Sprint("[no line end]")
	}
	if c.Telnet != 0 {
		extra += "  " + p.dim.Sprintf("[telnet %s]", c.Telnet)
	}
	if c.Junk {
		extra += "  " + p.warn.Sprint("[not an FTP command]")
	}
	if c.Shifted() {
		line = "(the " + c.Verb + " above: another reply took its place)"
		extra = ""
	} else if c.Unseen {
		line = "(" + c.Verb + " not in the capture)"
		extra = ""
	}
	o.printf("%s %s %s%s\n", o.stamp(s, c.TS), p.client.Sprint("<--"), p.client.Sprint(line), extra)
}

// commandStatus notes a command that got no final reply, or whose pairing
// a capture gap makes uncertain.
func (o *textOutput) commandStatus(c *track.Command) {
	p := o.p
	pad := strings.Repeat(" ", 10)
	if c.Refused {
		// (Its verb masked as on its line: a line taken for a password.)
		o.printf("%s %s\n", pad, p.warn.Sprintf("    (%s refused: no data connection is expected from it)", maskedVerb(c, o.showPass)))
	}
	if c.Unconfirmed() {
		o.printf("%s %s\n", pad, p.warn.Sprint("    (not taken: the server never acknowledged it; see unconfirmed below)"))
		return
	}
	switch c.Status {
	case track.StatusNoReply, track.StatusPending:
		o.printf("%s %s\n", pad, p.warn.Sprint("    (no reply seen)"))
	case track.StatusReplyLost:
		o.printf("%s %s\n", pad, p.warn.Sprint("    (reply lost in a capture gap)"))
	case track.StatusInterrupted:
		o.printf("%s %s\n", pad, p.warn.Sprint("    (interrupted: the server closed the session)"))
	case track.StatusAborted:
		o.printf("%s %s\n", pad, p.warn.Sprint("    (aborted: the ABOR's reply ended it; no final reply of its own)"))
	case track.StatusJoined:
		o.printf("%s %s\n", pad, p.warn.Sprint("    (joined to the line before it: the server never read that line's urgent line feed; one reply for both)"))
	}
	if c.Uncertain {
		o.printf("%s %s\n", pad, p.warn.Sprint("    (a capture gap came before this reply: pairing uncertain)"))
	}
}

// Finding keeps a finding for its session's transcript.
func (o *textOutput) Finding(f *diagnose.Finding) {
	// The footer counts the findings of the sessions shown (--session,
	// --server, --client), as --json, --report and --fail-on do.
	if f.Session != nil && !o.sel.selects(f.Session) {
		return
	}
	if int(f.Severity) < len(o.bySev) {
		o.bySev[f.Severity]++
	}
	if f.Severity < o.minSev {
		o.belowMin++
		return
	}
	sf := o.findingsOf(f.Session)
	// The summary view (-v aside: it shows every occurrence) prints
	// counts and the first of each kind: nothing to keep whole.
	sf.add(f, &o.kept, o.view == viewSummary && !o.verbose)
}

// findingsOf is what the open session s keeps for its summary,
// made on first use; SessionEnd lets it go (forget).
func (o *textOutput) findingsOf(s *track.Session) *sessionFindings {
	sf := o.open[s]
	if sf == nil {
		sf = &sessionFindings{fullView: o.view == viewFull}
		o.open[s] = sf
	}
	return sf
}

func (o *textOutput) severityColor(s diagnose.Severity) *color.Color {
	switch s {
	case diagnose.SeverityError:
		return o.p.bad
	case diagnose.SeverityWarning:
		return o.p.warn
	}
	return o.p.dim
}

// finding writes one finding: what is wrong, the evidence, what to do,
// wrapped to the output width and indented under the line it concerns. A
// finding already shown in full for an earlier session of the same server
// takes one line; the server block counts them.
func (o *textOutput) finding(f *diagnose.Finding) {
	pad := strings.Repeat(" ", 15)
	col := o.severityColor(f.Severity)
	head := col.Sprintf("!! %s %s:", f.Severity, f.Code)
	if first, ok := o.printedOnce.seen(f); ok {
		if f.Session.ID == first {
			o.printf("%s%s %s\n", pad, head, o.p.dim.Sprint("again, as above"))
		} else {
			o.printf("%s%s %s\n", pad, head, o.p.dim.Sprintf("as in session %d above", first))
		}
		return
	}
	if e := o.short[f]; e != nil {
		if f.Session != nil && f.Session.ID == e.first {
			// Again in the session shown in full above: the server block
			// lists only what came back in other sessions.
			o.printf("%s%s %s\n", pad, head, o.p.dim.Sprint("again, as above"))
			return
		}
		o.printf("%s%s %s\n", pad, head, o.p.dim.Sprintf("as in session %d (counted under server %s below)", e.first, e.key.server))
		return
	}
	o.para(pad, head, sentence(f.Message), pad+"   ")
	if f.Evidence != "" {
		o.para(pad+"   ", o.p.dim.Sprint("evidence:"), o.evidenceText(f.Evidence, f.Packets), pad+strings.Repeat(" ", 13))
	}
	o.adviceLines(pad+"   ", f.Advice)
}

// imageType reports whether t (track.Session.TransferType) is image
// (binary) type, TYPE I or L 8, in which the bytes on the wire are the
// file's.
func imageType(t string) bool {
	return t == "I" || t == "L8"
}

// evidenceText is a finding's evidence with its packet numbers. Without
// -v, evidence longer than three wrapped lines is cut, and packet lists
// stop at eight.
func (o *textOutput) evidenceText(evidence string, packets []uint64) string {
	ev := sentence(evidence) // ftpsniff's own sentence, its wire text quoted
	if len(packets) > 0 && !strings.Contains(evidence, "packet") {
		word := "packets"
		if len(packets) == 1 {
			word = "packet"
		}
		ev += fmt.Sprintf(" (%s %s)", word, o.packetList(packets))
	}
	if limit := 3 * (o.width - 28); !o.verbose && limit > 0 && columns(ev) > limit {
		ev = shorten(ev, limit-len(" (-v shows all)")) + " (-v shows all)"
	}
	return ev
}

// adviceLines writes the fix, each of its lines wrapped.
func (o *textOutput) adviceLines(indent, advice string) {
	first := true
	for _, line := range strings.Split(advice, "\n") {
		if line == "" {
			continue
		}
		label := o.p.head.Sprint("fix:     ")
		if !first {
			label = "         "
		}
		first = false
		o.para(indent, label, sentence(line), indent+strings.Repeat(" ", 10))
	}
}

func (o *textOutput) packetList(nums []uint64) string {
	if o.verbose {
		parts := make([]string, 0, len(nums))
		for _, n := range nums {
			parts = append(parts, fmt.Sprint(n))
		}
		return strings.Join(parts, ", ")
	}
	return packetList(nums)
}

func packetList(nums []uint64) string {
	parts := make([]string, 0, len(nums))
	for i, n := range nums {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("… %d more", len(nums)-i))
			break
		}
		parts = append(parts, fmt.Sprint(n))
	}
	return strings.Join(parts, ", ")
}

// Policy says what the diagnosis checks against, before any session.
func (o *textOutput) Policy(p policy.Policy) {
	o.firewallRange = len(p.Ranges) > 0
	var b strings.Builder
	b.WriteString(o.p.head.Sprint("policy:") + "\n")
	for _, line := range strings.Split(strings.TrimRight(p.Describe(), "\n"), "\n") {
		// The configuration's values are anyone's bytes (a pasv_address
		// or an Include path may hold terminal escapes).
		b.WriteString("  " + safe(line) + "\n")
	}
	b.WriteString("\n")
	o.policy = b.String()
	if o.view != viewSummary {
		o.w.WriteString(o.policy)
	}
}

// InputErrors keeps the errors that ended reading some input, for the
// summary.
func (o *textOutput) InputErrors(errs []error) { o.inputErrs = errs }

// Servers keeps the per-server summaries for the end.
func (o *textOutput) Servers(s []diagnose.ServerSummary) { o.servers = s }

func (o *textOutput) serverSummaries() {
	p := o.p
	// Info every server raised alike goes after the blocks, once.
	merged := o.mergeInfo(o.sel.selectsServer)
	servers := slices.Clone(o.servers)
	o.rankServers(servers)
	grouped := o.neverOpenedGroup(servers)
	blocks := o.chooseServerBlocks(servers, grouped)
	o.neverReached = grouped // (the list of failed sessions groups them too)
	for _, s := range servers {
		if s.Verdict == "" && s.PortsAnnounced.Count == 0 && len(s.Findings) == 0 {
			continue
		}
		if !o.sel.selectsServer(s.Server) || grouped[s.Server] || !blocks.writes(s.Server) {
			continue
		}
		o.printf("%s %s: %d session%s", p.head.Sprint("server"), s.Server, s.Sessions, plural(s.Sessions))
		if ps := s.PortsAnnounced; ps.Count > 0 {
			// An encrypted session's ports were seen, not announced, as
			// were those announced before the capture started.
			label := "passive ports announced"
			switch {
			case ps.Inferred == ps.Count && ps.Lost == ps.Inferred:
				label = "passive ports seen (their announcements lost in capture gaps or cut short)"
			case ps.Inferred == ps.Count && ps.Lost > 0:
				label = "passive ports seen (their announcements not in the capture)"
			case ps.Inferred == ps.Count && ps.OneSide == ps.Inferred:
				label = "passive ports seen (their announcements in the direction not captured)"
			case ps.Inferred == ps.Count && ps.BeforeCapture == 0 && ps.OneSide == 0:
				label = "passive ports seen (their announcements encrypted)"
			case ps.Inferred == ps.Count && ps.BeforeCapture == ps.Inferred:
				label = "passive ports seen (announced before the capture started)"
			case ps.Inferred == ps.Count:
				label = "passive ports seen (their announcements encrypted or before the capture)"
			case ps.Inferred > 0:
				label = "passive ports announced or seen"
			}
			o.printf("; %s %s", onePortLabel(label, ps), ps)
		}
		if len(s.Range) > 0 {
			label := "allowed range"
			if !o.firewallRange {
				label = "configured range"
			}
			o.printf("; %s %s", label, s.Range)
			if s.OutsideRange > 0 {
				o.printf(" (%s)", p.bad.Sprintf("%d outside", s.OutsideRange))
			}
		}
		o.printf("\n")
		var counts [8]int
		total := 0
		for oc, n := range s.Outcomes {
			counts[oc] += n
			total += n
		}
		o.printf("  data: %s\n", outcomeCounts(counts[:], total))
		if s.Verdict != "" {
			// (escaped: a verdict may quote --server-config's file name.)
			o.para("  ", p.head.Sprint("verdict:"), sentence(s.Verdict), "           ")
		}
		if len(s.Rules) > 0 {
			o.printf("  %s\n", p.head.Sprint("change:"))
			for _, r := range s.Rules {
				o.printf("    %s\n", sentence(r)) // a rule to copy: never wrapped
			}
		}
		o.writeCollapsed(s.Server)
		o.printf("\n")
	}
	o.writeNeverOpened(servers, grouped)
	// Findings of servers without a block of their own.
	if o.collapse != nil {
		for _, e := range o.collapse.order {
			if !e.shown && o.collapsedShown(e) && o.sel.selectsServer(e.key.server) && blocks.writes(e.key.server) {
				o.printf("%s %s\n", p.head.Sprint("server"), e.key.server)
				o.writeCollapsed(e.key.server)
				o.printf("\n")
			}
		}
	}
	o.writeOmittedServers(blocks)
	o.writeNotSummarised() // (no transcript shows them either)
	if len(merged) > 0 {
		o.printf("%s\n", p.head.Sprint("info found at more than one server:"))
		for _, g := range merged {
			o.writeCollapsedEntry(g[0], g[1:], nil)
		}
		if o.minSev < diagnose.SeverityWarning {
			o.printf("  %s\n", p.dim.Sprint("(--min-severity warning leaves the info findings out)"))
		}
		o.printf("\n")
	}
}

// noStamp fills the time column of a line that has no time of its own.
var noStamp = strings.Repeat(" ", 10)

// transferLines shows the data connections a transfer command used.
func (o *textOutput) transferLines(c *track.Command) {
	for _, d := range c.Transfer {
		o.data(d, noStamp)
	}
}

// dataVia names how a data connection was announced: its command, and
// the reply's code when the reply is another command's form (GNU inetutils
// ftpd answers PASV on IPv6 with LPSV's 228: "PASV (228 reply)").
func dataVia(d *track.DataConn) string {
	var code int
	switch d.Via {
	case ftp.ViaPASV:
		code = 227
	case ftp.ViaEPSV:
		code = 229
	case ftp.ViaLPSV:
		code = 228
	}
	if code == 0 || d.Announce == nil || d.Announce.Verb == d.Via.String() {
		return d.Via.String()
	}
	switch d.Announce.Verb {
	case "PASV", "EPSV", "LPSV":
		return fmt.Sprintf("%s (%d reply)", d.Announce.Verb, code)
	}
	return d.Via.String()
}

// data writes a data connection's lines. lead fills the time column: blank
// in a transcript, where the line sits under its command; the time of the
// outcome in the live stream.
func (o *textOutput) data(d *track.DataConn, lead string) {
	p := o.p
	col := p.good
	switch {
	case d.Outcome == track.OutcomeNotAttempted || d.Outcome == track.OutcomeConnected:
		col = p.warn // not necessarily a fault: a fallback, a missing file
	case d.Outcome.Failed():
		col = p.bad
	case d.TransferFailed():
		col = p.warn // its bytes moved, and its transfer failed
	}
	head := fmt.Sprintf("data #%d %s", d.ID, dataEndpoint(d))
	if d.Announce == nil {
		head = fmt.Sprintf("data #%d (no visible announcement)", d.ID)
	}
	o.printf("%s     %s %s: %s\n", lead, p.head.Sprint(head), col.Sprint(d.Outcome), outcomeDetail(d))
	var facts []string
	if d.Client.IsValid() && d.ModeUnknown() {
		// Who connected is not in the capture: no arrow.
		facts = append(facts, fmt.Sprintf("client %s, server %s, mode unknown (its SYN, which tells who connected to whom, came before the capture)", d.Client, d.Server))
	} else if d.Client.IsValid() {
		facts = append(facts, fmt.Sprintf("%s -> %s", d.Client, d.Server))
	}
	more, short := dataFacts(d)
	facts = append(facts, more...)
	if short != "" {
		facts = append(facts, p.warn.Sprint(short))
	}
	if len(facts) > 0 {
		o.printf("%s         %s\n", strings.Repeat(" ", 10), p.dim.Sprint(strings.Join(facts, "; ")))
	}
	o.fileLine(d)
	o.open[d.Session].ofData(d, o.finding)
	for _, f := range o.findings[d.Session] { // the live stream's
		if f.Data == d {
			o.finding(f)
		}
	}
}

func (o *textOutput) reply(s *track.Session, r *track.Reply, c *track.Command) {
	p := o.p
	col := p.server
	if r.Code >= 400 {
		col = p.bad
	}
	extra := ""
	if c != nil && c.EndpointVia.Passive() && r.Code >= 227 && r.Code <= 229 {
		if c.EndpointErr != nil {
			extra = "  " + p.bad.Sprintf("[malformed: %v]", c.EndpointErr)
		} else if c.Data != nil {
			extra = "  " + p.head.Sprintf("= %s", c.Data.Announced)
		}
		if lc := c.Conflict; lc != nil && lc.Multiline {
			extra += "  " + p.warn.Sprint(ambiguousNote(lc))
		}
	}
	if r.Secret && !o.showPass {
		o.printf("%s %s %s%s\n", o.stamp(s, r.TS), p.server.Sprint("-->"), col.Sprintf("%d %s", r.Code, mask), p.dim.Sprint(echoNote))
		return
	}
	if r.Dropped > 0 {
		extra += "  " + p.warn.Sprint(droppedNote(r.Dropped))
	}
	for i, l := range r.Lines {
		stamp := strings.Repeat(" ", 10)
		if i == 0 {
			stamp = o.stamp(s, r.TS)
		}
		e := ""
		if i == len(r.Lines)-1 {
			e = extra
		}
		o.printf("%s %s %s%s\n", stamp, p.server.Sprint("-->"), col.Sprint(shownKept(l, r.Dropped)), e)
	}
	if len(r.Lines) == 0 {
		o.printf("%s %s %s%s\n", o.stamp(s, r.TS), p.server.Sprint("-->"), col.Sprint(r.Code), extra)
	}
	if r.LinesDropped > 0 {
		o.printf("%s %s\n", noStamp, p.warn.Sprintf("    (%s of this reply not kept: reply bound)", counted(int64(r.LinesDropped), "more line{s}")))
	}
	if r.AfterReset {
		o.printf("%s %s\n", noStamp, p.warn.Sprint("    "+afterResetNote(r)))
	}
}

// afterResetNote says of r, a reply the server sent after a box's reset
// in its name (track.Reply.AfterReset), what became of it.
func afterResetNote(r *track.Reply) string {
	note := "(the server went on after the reset, which it never sent"
	if r.Unacked {
		note += "; never acknowledged by the client"
		if r.Resent > 0 {
			note += fmt.Sprintf(", sent %d more time%s", r.Resent, plural(int(r.Resent)))
		}
	}
	return note + ")"
}

// eventReply is the text of a reply event, masked when it repeats a line
// taken for a password.
func (o *textOutput) eventReply(e *track.Event) string {
	if e.Secret && !o.showPass {
		return mask + echoNote
	}
	if e.Dropped > 0 {
		return safeIsolated(e.Text) + "  " + droppedNote(e.Dropped)
	}
	return safeIsolated(e.Text)
}

// shownKept is shownIsolated for the text of a line the line bound cut (dropped
// bytes over it, 0 when none): what shown leaves out of it is then said
// to be the rest of what was kept, the dropped bytes being noted apart
// ("[N bytes over the line limit dropped]"), so that "(3856 more bytes)"
// does not read as all the line held past what is shown.
func shownKept(s string, dropped int) string {
	t := shownIsolated(s)
	if dropped > 0 && len(s) > maxShown && strings.HasSuffix(t, " more bytes)") {
		t = t[:len(t)-1] + " kept)"
	}
	return t
}

// unaskedEndpoint says, after "unsolicited", why a passive reply no
// command asked for, the event e of s, announces nothing, or which data
// connection of its client's went to it all the same
// (track/unsolicited.go).
func unaskedEndpoint(s *track.Session, e *track.Event) string {
	if e.Code != 227 && e.Code != 228 && e.Code != 229 {
		return ""
	}
	for _, d := range s.Data {
		if d.AfterUnsolicited() && d.Announce.Seq == e.Seq {
			return fmt.Sprintf(": the client sent no PASV, EPSV or LPSV, yet connected to %s: data #%d", d.Announced, d.ID)
		}
	}
	return ": the client sent no PASV, EPSV or LPSV; its endpoint is not followed"
}

// gapHow says what became of a gap's bytes: cut by the snap length from
// a frame the capture holds (they went on to the receiver), or missing.
func gapHow(e *track.Event) string {
	if e.Cut {
		return "cut by the snap length"
	}
	return "missing"
}

func (o *textOutput) event(s *track.Session, e *track.Event) {
	p := o.p
	var msg string
	switch e.Kind {
	case track.EventGap:
		who := "server"
		if e.FromClient {
			who = "client"
		}
		msg = fmt.Sprintf("!! capture gap: %d %s bytes %s", e.Bytes, who, gapHow(e))
	case track.EventJunk:
		msg = fmt.Sprintf("!! not FTP: %s", shownKept(maskedLine(e, o.showPass), e.Dropped))
		if e.Dropped > 0 {
			msg += "  " + droppedNote(e.Dropped)
		}
	case track.EventUnsolicited:
		msg = fmt.Sprintf("--> %d %s  (unsolicited%s)", e.Code, o.eventReply(e), unaskedEndpoint(s, e))
	case track.EventReplyNoCommand:
		msg = fmt.Sprintf("--> %d %s  (reply without a command)", e.Code, o.eventReply(e))
	case track.EventReplyGap:
		msg = fmt.Sprintf("--> %d %s  (reply to a command lost in a capture gap)", e.Code, o.eventReply(e))
	case track.EventReplyUnseen:
		before := "the capture started"
		switch r := s.Resumed; {
		case r != nil && r.From != 0:
			before = fmt.Sprintf("the idle close, in session %d", r.From)
		case r != nil:
			before = "the idle close"
		}
		msg = fmt.Sprintf("--> %d %s  (reply to a command before %s)", e.Code, o.eventReply(e), before)
	case track.EventCommandLost:
		return // shown on the command itself: "(reply lost in a capture gap)"
	case track.EventEncrypted:
		msg = "!! control channel encrypted from here (" + safeIsolated(e.Text) + "): commands and data endpoints are invisible"
	case track.EventEndpointMalformed:
		return // shown on the command
	case track.EventEndpointFamily:
		msg = "!! " + safeIsolated(e.Text)
	default:
		msg = fmt.Sprintf("!! %s: %s", e.Kind, safeIsolated(e.Text))
	}
	o.printf("%s %s\n", o.stamp(s, e.TS), p.warn.Sprint(msg))
}

func (o *textOutput) Summary(t totals) {
	st := t.Decode
	p := o.p
	if o.view == viewAuto {
		o.release()
	}
	if o.view == viewSummary {
		o.w.WriteString(o.policy)
	}
	o.serverSummaries()
	if o.view == viewSummary {
		o.writeFailedList()
	}
	shownOf := ""
	if o.sel != nil {
		shownOf = fmt.Sprintf(" shown of %d (%s)", o.sessions+o.hidden, o.sel.desc)
	}
	o.printf("%s %d session%s%s, %d data connection%s", p.head.Sprint("summary:"), o.sessions, plural(o.sessions), shownOf, o.dataN, plural(o.dataN))
	if o.dataN > 0 {
		o.printf(" (%s)", outcomeCounts(o.outcomes[:], o.dataN))
	}
	o.printf("; %d packet%s, %d TCP\n", st.Packets, plural(int(st.Packets)), st.TCP)
	if n := noTCPNote(st, t.Links); n != "" {
		o.printf("  %s %s\n", p.warn.Sprint("no TCP:"), n)
	}
	if n := o.bySev[0] + o.bySev[1] + o.bySev[2]; n > 0 {
		o.printf("  findings: %s, %s, %s\n",
			p.bad.Sprintf("%d error%s", o.bySev[2], plural(o.bySev[2])),
			p.warn.Sprintf("%d warning%s", o.bySev[1], plural(o.bySev[1])),
			fmt.Sprintf("%d info", o.bySev[0]))
		if o.belowMin > 0 {
			o.printf("    (%d below --min-severity %s not shown)\n", o.belowMin, o.minSev)
		}
	}
	if o.sameConnection > 0 {
		o.printf("  %s %d of these sessions are connections seen twice, under the addresses of each side\n"+
			"        of a NAT: the capture was taken on the box that translates them (tcpdump -i any on\n"+
			"        a NAT router); each session names its other copy, and the counts hold both copies\n",
			p.head.Sprint("note:"), o.sameConnection)
	}
	for _, ov := range o.overlaps.list {
		o.para("  ", p.warn.Sprint("inputs overlap:"), ov.Sentence(), "    ")
	}
	if o.overlaps.more > 0 {
		o.printf("  %s\n", p.dim.Sprint("… "+counted(int64(o.overlaps.more), "more overlapping input{s}")))
	}
	if f := t.Filtered; f.Packets > 0 {
		o.printf("  %s %d packet%s left out by %s\n", p.head.Sprint("filter:"), f.Packets, plural(int(f.Packets)), safe(f.By))
	}
	warn := readingNotes(t, o.view != viewSummary, o.notShown)
	warn = append(warn, diagnosisNotes(t.Diagnosis)...)
	warn = append(warn, o.failed.notes()...)
	if len(warn) > 0 {
		// Wrapped like every sentence of ftpsniff's: a busy capture's
		// limits make a note of a thousand characters.
		o.para("  ", p.warn.Sprint("note:"), strings.Join(warn, ", "), "        ")
	}
	o.extractSummary()
	for _, err := range o.inputErrs {
		o.printf("  %s %s%s\n", p.bad.Sprint("input:"), safe(oneLine(err.Error())), inputErrNote(err))
	}
	o.noSuchSession()
}

// noTCPNote says what a capture that held packets but not one TCP
// segment held instead ("" when it held TCP, or nothing counted not
// TCP): "30 packets: 24 UDP port 37008, 4 ICMPv4, 2 with no IP". A
// mirror or tunnel on a UDP port ftpsniff does not follow reads as
// that port, not as a capture of nothing. Not when a snap length below
// the headers explains it (snapBelowHeaders says so).
func noTCPNote(st decode.Stats, l decode.LinkStats) string {
	if st.TCP > 0 || st.NotTCP == 0 || st.Truncated > 0 && st.Malformed > 0 {
		return ""
	}
	parts := make([]string, 0, len(l.NotTCPKinds)+3)
	for _, k := range l.NotTCPKinds {
		parts = append(parts, k.String())
	}
	if l.NotTCPOtherKinds > 0 {
		parts = append(parts, fmt.Sprintf("%d of other protocols", l.NotTCPOtherKinds))
	}
	if st.NotIP > 0 {
		parts = append(parts, fmt.Sprintf("%d with no IP", st.NotIP))
	}
	if st.Malformed > 0 {
		parts = append(parts, fmt.Sprintf("%d malformed", st.Malformed))
	}
	return fmt.Sprintf("%d packet%s: %s", st.Packets, plural(int(st.Packets)), strings.Join(parts, ", "))
}

// snapBelowHeaders says that the capture's snap length (snap bytes, 0
// when not known) left no TCP header whole: cut frames, malformed ones,
// and not one TCP segment.
func snapBelowHeaders(cut, malformed uint64, snap int) string {
	of := ""
	if snap > 0 {
		of = fmt.Sprintf(" of %d bytes", snap)
	}
	return fmt.Sprintf("%d frame%s cut by the capture's snap length%s, shorter than the link, IP and TCP headers: not one TCP segment could be read (%d malformed frame%s); capture again with the whole frames (tcpdump -s 0)",
		cut, plural(int(cut)), of, malformed, plural(int(malformed)))
}

// inInputs names files frames came from, escaped, for a note: " (in
// a.pcapng, b.pcapng)", "…" when there were more; "" for none (the
// capture is one file).
func inInputs(files []string, more bool) string {
	if len(files) == 0 {
		return ""
	}
	shown := make([]string, 0, len(files)+1)
	for _, n := range files {
		shown = append(shown, displayInput(n))
	}
	if more {
		shown = append(shown, "…")
	}
	return " (in " + strings.Join(shown, ", ") + ")"
}

// noSuchSession says on standard error that --session named a number the
// capture does not have: "0 sessions shown" alone reads like a session
// that had nothing in it.
func (o *textOutput) noSuchSession() {
	if o.notes != nil {
		noSuchSession(o.notes, o.sel, o.selected, o.lastID)
	}
}

// noSuchSession says on w that --session named a number past lastID, the
// highest session number of the capture, when nothing was selected; for
// every output alike.
func noSuchSession(w io.Writer, sel *sessionSelector, selected, lastID int) {
	if sel == nil || sel.session <= 0 || selected > 0 || sel.session <= lastID {
		return
	}
	switch lastID {
	case 0:
		fmt.Fprintf(w, "ftpsniff: --session %d: the capture holds no FTP session\n", sel.session)
	case 1:
		fmt.Fprintf(w, "ftpsniff: --session %d: the capture holds 1 session (numbered 1)\n", sel.session)
	default:
		fmt.Fprintf(w, "ftpsniff: --session %d: the capture holds %d sessions (numbered 1 to %d)\n", sel.session, lastID, lastID)
	}
}

// transcriptNote says what the transcripts' bounds left out: commands
// and events, by the bound on all open transcripts together (budget of
// them) or by the per-session ones. Only the transcripts lack them.
func transcriptNote(commands, events, budget int) string {
	if commands+events == 0 {
		return ""
	}
	var what []string
	if commands > 0 {
		what = append(what, fmt.Sprintf("%d command%s", commands, plural(commands)))
	}
	if events > 0 {
		what = append(what, fmt.Sprintf("%d session event%s", events, plural(events)))
	}
	all := fmt.Sprintf("the bound of %d commands and events, or %d MiB of their text, on all open transcripts together", track.DefaultTranscriptBudget, track.DefaultTranscriptBytes>>20)
	var why string
	switch {
	case budget >= commands+events:
		why = "by " + all
	case budget > 0:
		why = fmt.Sprintf("(%d by %s, the rest by the per-session bounds)", budget, all)
	default:
		why = "by the per-session bounds"
	}
	return fmt.Sprintf("%s left out of transcripts %s; the counts above and --json hold them all", strings.Join(what, " and "), why)
}

// budgetCutNote says what the byte bounds on all open sessions together
// (track.Options.CommandBytes, TranscriptBytes) cost: replies and
// command arguments cut, preliminary replies past the smaller
// per-command bound they then set, and the bytes not kept. "" when they
// cost nothing.
func budgetCutNote(lim track.Limits) string {
	var what []string
	add := func(n int, one, many string) { what = appendCount(what, int64(n), one, many) }
	add(lim.RepliesCut, fmt.Sprintf("reply kept as its first line (at most %d bytes)", track.ReplyKept), fmt.Sprintf("replies kept as their first line (at most %d bytes)", track.ReplyKept))
	add(lim.RepliesBudget, fmt.Sprintf("preliminary reply not kept (past %d of its command)", track.RepliesMin), fmt.Sprintf("preliminary replies not kept (past %d of their command)", track.RepliesMin))
	add(lim.ArgsCut, fmt.Sprintf("command argument kept as its first %d bytes", track.ArgKept), fmt.Sprintf("command arguments kept as their first %d bytes", track.ArgKept))
	if len(what) == 0 {
		return ""
	}
	if lim.BytesCut > 0 {
		what = append(what, fmt.Sprintf("%d byte%s not kept", lim.BytesCut, plural(int(lim.BytesCut))))
	}
	return fmt.Sprintf("%s: all open sessions together held the %d MiB they may keep of commands waiting for a reply or looked back at, and of their replies (or the %d MiB of transcripts); what each reply and command lost is said with it (the preliminary replies not kept are also in the count of replies beyond the per-command bound)",
		strings.Join(what, ", "), track.DefaultCommandBytes>>20, track.DefaultTranscriptBytes>>20)
}

// appendCount appends to words n of a counter, "1 one" or "N many",
// and nothing when n is 0.
func appendCount(words []string, n int64, one, many string) []string {
	switch {
	case n == 1:
		return append(words, "1 "+one)
	case n > 1:
		return append(words, fmt.Sprintf("%d %s", n, many))
	}
	return words
}

// droppedNote is what a command, reply or line says of the bytes the
// line bound dropped from it.
func droppedNote(n int) string {
	return fmt.Sprintf("[%d byte%s over the line limit dropped]", n, plural(n))
}

// looseNote marks the endpoint of a PORT or EPRT written against its
// RFC's syntax ("+25", a trailing comma or word), read as the servers that
// accept such an argument read it: a broken client's or a scanner's tell.
const looseNote = "[loose syntax, read as servers read it]"

// tabNote marks a PORT, EPRT or LPRT whose verb a TAB, not a space, ends
// (ftp.CmdTabSeparator; a TAB after any other verb leaves the line junk):
// ProFTPD runs a PORT or EPRT so; vsftpd and Pure-FTPd take the TAB for
// part of the verb and do not know the command; nf_conntrack_ftp, which
// needs a space after PORT and EPRT, drops the segment. LPRT, which few
// servers and no helper know, is left at what the capture shows.
func tabNote(verb string) string {
	if verb == "PORT" || verb == "EPRT" {
		return "[TAB after the verb: ProFTPD runs it; vsftpd and Pure-FTPd do not know it; a Linux FTP helper drops it]"
	}
	return "[TAB after the verb: only a server that splits words at any white space reads it]"
}

// neverOpenedMin: this many servers or more none of whose control
// connections opened are written as one block (writeNeverOpened), not a
// block each: a scan of port 21 across a network's hosts, or many
// servers down, would otherwise fill the summary with the same verdict.
const neverOpenedMin = 8

// neverOpened tells whether every session of s is a control connection
// that never opened (its control-refused, control-unreachable and
// control-unanswered findings, one a session).
func neverOpened(s diagnose.ServerSummary) bool {
	n := s.Findings[diagnose.CodeControlRefused] + s.Findings[diagnose.CodeControlUnreachable] + s.Findings[diagnose.CodeControlUnanswered]
	return s.Sessions > 0 && n >= s.Sessions && s.PortsAnnounced.Count == 0 && len(s.Outcomes) == 0
}

// neverOpenedGroup returns the servers written together by
// writeNeverOpened: the selected ones none of whose control connections
// opened, when there are neverOpenedMin of them or more; none otherwise.
func (o *textOutput) neverOpenedGroup(servers []diagnose.ServerSummary) map[netip.AddrPort]bool {
	var g []netip.AddrPort
	for _, s := range servers {
		if neverOpened(s) && o.sel.selectsServer(s.Server) {
			g = append(g, s.Server)
		}
	}
	if len(g) < neverOpenedMin {
		return nil
	}
	m := make(map[netip.AddrPort]bool, len(g))
	for _, a := range g {
		m[a] = true
	}
	return m
}

// writeNeverOpened writes the servers of neverOpenedGroup as one block:
// how many, and their findings merged by code.
func (o *textOutput) writeNeverOpened(servers []diagnose.ServerSummary, grouped map[netip.AddrPort]bool) {
	if len(grouped) == 0 {
		return
	}
	p := o.p
	sessions := 0
	for _, s := range servers {
		if grouped[s.Server] {
			sessions += s.Sessions
		}
	}
	o.printf("%s %s, %s: none of their control connections opened (a scan of many hosts, or FTP servers down; --server ADDR:PORT shows one server's verdict and rules)\n",
		p.head.Sprint("servers never reached:"), counted(int64(len(grouped)), "address{es}"), counted(int64(sessions), "session{s}"))
	// By code and severity: a server's control-refused are errors until
	// a sweep of it shows, info after (diagnose's sweepProbe), and an
	// info one merged under an error would read as one more.
	type codeSev struct {
		code string
		sev  diagnose.Severity
	}
	byCode := map[codeSev][]*collapsed{}
	var codes []codeSev
	for _, s := range servers {
		if !grouped[s.Server] {
			continue
		}
		for _, e := range o.collapsedOf(s.Server) {
			e.shown = true
			k := codeSev{e.code(), e.sev}
			if _, ok := byCode[k]; !ok {
				codes = append(codes, k)
			}
			byCode[k] = append(byCode[k], e)
		}
	}
	for _, c := range codes {
		es := earliestFirst(byCode[c])
		o.writeCollapsedEntry(es[0], es[1:], nil)
	}
	o.printf("\n")
}

// onePortLabel is label, the words before a server's passive ports
// ("passive ports announced"), for ps: "passive port" when they are one
// port, announced once ("its announcement") or more often.
func onePortLabel(label string, ps diagnose.PortStats) string {
	if ps.Min != ps.Max {
		return label
	}
	label = strings.Replace(label, "passive ports", "passive port", 1)
	if ps.Count == 1 {
		return strings.Replace(label, "their announcements", "its announcement", 1)
	}
	return strings.Replace(label, "their announcements", "its announcements", 1)
}

// readingNotes says in words the bounds hit and oddities met in reading
// the capture (t), each with what it cost: the text summary's note line
// and the report's "limits hit". transcripts adds what was left out of
// transcripts (notShown findings among them), for outputs that print them.
func readingNotes(t totals, transcripts bool, notShown int) []string {
	st, lim := t.Decode, t.Limits
	var warn []string
	// addw: a count and what it counts, {marked} for one and many
	// (counted).
	addw := func(n uint64, what string) {
		if n > 0 {
			warn = append(warn, counted(int64(n), what))
		}
	}
	// addn: a count that is often 1, in its two forms.
	addn := func(n uint64, one, many string) { warn = appendCount(warn, int64(n), one, many) }
	addn(t.Files.JoinedFiles, "pcap file joined to the one before it (cat a.pcap b.pcap): read on with its own file header",
		"pcap files joined to the one before them (cat a.pcap b.pcap): each read on with its own file header")
	addw(t.Files.InterfacesIgnored, "pcapng interface description{s} beyond the bound, ignored")
	addw(t.Files.PacketsIgnored, "packet{s} on ignored interfaces, skipped")
	addw(t.Files.OverSnaplen, "pcap record{s} longer than the file's snap length")
	addw(t.Files.OverLength, "packet{s} longer than {its|their} original length, read as {it is|they are}")
	addw(t.Files.InterfaceDropped, "packet{s} dropped by the interface, as the capture's own statistics say (pcapng isb_ifdrop): {it explains|they explain} gaps")
	addw(t.Files.OSDropped, "packet{s} dropped by the operating system, as the capture's own statistics say (pcapng isb_osdrop): {it explains|they explain} gaps")
	addw(t.Files.NoTimestamp, "packet{s} with no timestamp (pcapng simple packet block{s}): {its time reads|their times read} 0001-01-01 and every interval {to it|between them} 0, so no time, wait or timeout shown is the wire's")
	if st.Truncated > 0 && st.Malformed > 0 && st.TCP == 0 {
		// Not one TCP header whole: the counts alone read like damage.
		warn = append(warn, snapBelowHeaders(st.Truncated, st.Malformed, t.Files.SnapCut))
	} else {
		addw(st.Truncated, "frame{s} cut by the snap length")
		addw(st.TCPOptionsCut, "of those, TCP segment{s} whose options the snap length cut, read from {its|their} fixed header")
		addw(st.Malformed, "malformed frame{s}")
	}
	named := uint64(0)
	for _, u := range t.Links.UnknownLinks {
		warn = append(warn, u.String()+inInputs(t.Links.InputsOf(u.Link)))
		named += u.Frames
	}
	addw(st.UnknownLink-min(named, st.UnknownLink), "frame{s} of other link types ftpsniff does not decode")
	addw(st.IPBeyondFrame, "frame{s} whose IP length runs past a frame the capture holds whole (truncated or corrupt before the capture, not the snap length)")
	addw(st.IPLengthZero, "TCP segment{s} with IP length 0 (segmentation offload, BIG TCP: captured on the sending host): payload length taken from the frame's length")
	addw(st.IPLengthStale, "TCP segment{s} in {a frame|frames} longer than {its|their} IP length says: read by the IP length, the bytes after it left out (segments receive offload merged, or a device's trailer: if offload, the transfer's count and an extracted file are short; capture with offload off, ethtool -K IFACE gro off lro off)")
	addw(st.IPLengthZeroShort, "TCP segment{s} with IP length 0 in a minimum-size frame: bytes past the TCP header taken for Ethernet padding, not payload")
	if st.TunnelsNotFollowed > 0 {
		warn = append(warn, counted(int64(st.TunnelsNotFollowed), "tunnelled packet{s} of a kind ftpsniff does not follow")+" ("+strings.Join(t.Links.Tunnels, ", ")+")")
	}
	// Frames with no IP of an EtherType other than the link's own
	// protocols are named whatever their share: a tag or an
	// encapsulation not followed hides whole sessions.
	for _, e := range t.Links.NotIPTypes {
		warn = append(warn, e.String())
	}
	addw(t.Links.NotIPOtherTypes, "frame{s} of other EtherTypes with no IP ftpsniff could find, not decoded")
	if st.NotIP*2 > st.Packets {
		// ARP and LLDP are a few frames of a capture; most of one with
		// no IP is a link or tunnel header ftpsniff does not know.
		addw(st.NotIP, "frame{s} with no IP layer ftpsniff could find, more than half the capture: an encapsulation it does not follow?")
	}
	addn(st.ControlGaps, "gap in control streams", "gaps in control streams")
	if st.LinesTruncated > 0 {
		warn = append(warn, fmt.Sprintf("%d over-long control line%s cut (%d byte%s dropped)", st.LinesTruncated, plural(int(st.LinesTruncated)), st.LineBytesDropped, plural(int(st.LineBytesDropped))))
	}
	addn(st.FragmentsLost, "IP fragment that never completed", "IP fragments that never completed")
	addw(st.FragmentConflicts, "IP fragment{s} that carr{ies|y} bytes of {its|their} datagram differently from another fragment (overlapping versions): decoded as later copies")
	addw(st.SYNDataDropped, "SYN payload{s} on control connections {its|their} receiver did not take (it acknowledged the SYN alone): not stream data")
	addw(st.FragmentsFull, "time{s} the IP fragment bound emptied the reassembly tables")
	addw(st.ControlConnsFull, "control connection{s} taken into a full table, each evicting one (one forgotten and seen again counts again)")
	addw(st.ControlEvicted, "session{s} ended early to make room (\"evicted\")")
	addw(st.SilentEvicted, "connection{s} without payload forgotten to make room")
	addw(st.HeldOverflow, "control-stream hole{s} given up early (out-of-order bytes past the buffer bound)")
	addw(st.RSTOutOfWindow, "out-of-window RST{s} on control connections, ignored")
	addw(st.SynAcksDropped, "SYN-ACK{s} on control connections of another incarnation or forged (another ISN once the start was settled), ignored")
	addw(st.FarAhead, "control segment{s} over 1 MiB beyond what the receiver acknowledged, dropped")
	addw(st.Unacknowledged, "control segment{s} held ahead of a hole and dropped: the receiver acknowledged the stream in {its|their} place, never {it|them} (forged or stale)")
	addw(st.BeyondWindow, "held control segment{s} beyond the window the receiver advertised, never acknowledged: dropped (forged or stale)")
	addw(st.TombstonesForgotten, "closed control connection{s} forgotten early (the ring that remembers {it|them} was full): {its|their} late bytes may have started extra sessions")
	addw(st.EarlyICMPOverwritten, "ICMP error{s} written before the control SYN {it answers|they answer}, pushed out of the 8 held for {its|their} SYN: {that session|those sessions}, if {its|their} SYN came, {is|are} not said unreachable")
	addw(st.EvictedPickedUp, "session{s} evicted whose later bytes were picked up again once the table had room (mid-stream, each shown as a session of its own)")
	addw(st.EvictedLateDropped, "session{s} evicted whose later bytes came while the table was still full of live sessions: dropped, {its|their} commands and replies shown nowhere")
	addw(st.ClosedLateBytes, "control connection{s} sent new bytes after one side closed {it|them} (a FIN or an RST): not read, as the side that closed did not read them either, so they are shown nowhere; most often the server's last reply after the client's RST (a command left with \"no reply seen\" may have had one): harmless unless that reply matters (bytes only sent again are not counted)")
	resumedHow := "forged or injected"
	if st.ClosedResumedOwnTTL > 0 {
		resumedHow = "forged, injected or lost on the way" // an RST at its sender's TTL: it may have sent it
	}
	addw(st.ClosedResumed, "control connection{s} closed by FINs or an RST whose later bytes went on in sequence where they stood, from a side that shows the close was not taken ("+resumedHow+"): picked up again there (mid-stream, each shown as a session of its own)")
	addw(st.ResetSenderWentOn, "control connection{s} reset by a box between in one side's name whose other side took the reset, while the side named, never reset, went on sending: what it sent after is shown as a session picked up mid-stream (the other side never got it)")
	addw(st.PickUpWaitsFull, "control connection{s} where the side a box between reset {it|them} in the name of talked on (picked up again after the reset, or while a reply was owed), saying more than is kept waiting for the other side to go on too: shown at once, before the reset was shown not taken")
	addw(st.ClientHelloOnControlPort, "control connection{s} whose client opened with a TLS ClientHello that the server did not answer in clear FTP, read as text ({its|their} lines not FTP): if the server takes ftps:// on that port, give --implicit-tls-port PORT")
	addw(st.RefusalsWithoutSYN, "control connection{s} seen only as resets from the control port refusing a SYN the capture never held, not shown as sessions (a SYN flood's backscatter, spoofing these addresses, or SYNs the capture lost)")
	addw(st.FailedFromPort20, "connect{s} from port 20 to a control port that failed (refused, unanswered or unreachable), not shown as sessions (an active data connection to a control port, or a scan)")
	addw(st.IdleResumed, "control connection{s} closed as idle whose later bytes picked {it|them} up again (mid-stream; each shown as continuing its session and counted with it)")
	addw(st.ControlBadChecksum, "control segment{s} with a wrong TCP or IP header checksum among {its|their} sender's right ones, not taken (forged or corrupted, or more than could be kept aside to be judged: JSON control_bad_checksum)")
	addw(st.ControlUnconfirmed, "stretch{es} of control bytes at a stream's end past {its|their} receiver's last acknowledgement, where the sender's own FIN or RST then stood: not the sender's (injected), not taken")
	addw(st.ControlConflicts, "later cop{y|ies} of control bytes that differ{s|} from the copy taken: two versions of a stretch of a control stream (forged or corrupted)")
	addn(st.ControlStalls, "control segment sent again and again, never acknowledged", "control segments sent again and again, never acknowledged")
	addw(st.RSTNotTaken, "RST{s} on control connections after which the connection went on in sequence: not taken, the session goes on")
	addw(st.RSTNotTakenTTL, "of those RSTs not taken, with a TTL unlike {its|their} sender's other segments: injected on the path (forged), not sent by the endpoint")
	addw(st.SynMidSession, "SYN{s} with another start on established control connections that nothing answered, ignored")
	addn(st.ClockOutliers, "packet whose time stepped over 30 s ahead while the next came back: read at the time of the packet before it (one packet's time, not the capture's clock)",
		"packets whose time stepped over 30 s ahead while the next came back: each read at the time of the packet before it (one packet's time, not the capture's clock)")
	addw(st.ClockSetLive, "forward step{s} of the host's wall clock over 30 s while ftpsniff ran, which its steady clock showed {was|were} no time passing: not counted as idle time or by any wait")
	addn(st.TimeOutOfRange, "packet stamped before year 1 or after 2261 (a capture's time gone wrong): not decoded",
		"packets stamped before year 1 or after 2261 (a capture's time gone wrong): not decoded")
	addn(st.ClockStepsBack, "step back of packet time over a second (the capture's clock set back: the time across it is not known, and no duration or idle time counts it)",
		"steps back of packet time over a second (the capture's clock set back: the time across each is not known, and no duration or idle time counts it)")
	addw(st.ClockJumps, "forward step{s} of packet time over a day (the capture's clock set; not counted as idle time)")
	addw(uint64(lim.ResumedUnlinked), "continuation{s} of {a session|sessions} closed as idle no longer linked to {it|them} ({its|their} record past its bound or wait)")
	addw(uint64(lim.IdleEndedForgotten), "record{s} of {a session|sessions} closed as idle dropped within {its|their} day because 1,024 others were kept: a continuation of one is no longer linked to it")
	addw(uint64(lim.DataRSTIgnored), "RST{s} on data connections a receiver would drop (forged or stale), ignored")
	addw(uint64(lim.DataBeyondWindow), "data segment{s} beyond the window the receiver advertised, never acknowledged: not counted as transferred (forged or stale)")
	addw(uint64(lim.DataAfterExpiry), "SYN{s} to the endpoint of an announcement that had expired unused (no connection within 5 minutes): nothing waited for {it|them} any more, not followed")
	addw(uint64(lim.DataAfterQuit), "SYN{s} from a session's client (the server, active) to the endpoint its latest announcement named and nothing had used, within 2 minutes after a 221 answered its QUIT: not that session's (the server ends it and its listener at QUIT) but another session's this capture does not show, or a client reusing an old endpoint; not followed (the announcement's data-not-attempted finding tells when)")
	addw(uint64(lim.AfterEndNotHeld), fmt.Sprintf("announcement{s} still waiting when {its|their} session's control connection closed, let go before {its|their} 2 minutes after the close were over because %d others waited so: a connection to one after that shows in no session (and the announcement reads undetermined, not followed)", track.MaxAfterEnd))
	addw(uint64(lim.SYNsHeldOverwritten), "SYN{s} held in case {its|their} announcement was written just after {it|them} (two NIC queues), pushed out by newer ones: an announcement that did come for one misses its SYN (most are usually other traffic)")
	addw(uint64(lim.SYNACKsHeldOverwritten), "SYN-ACK{s} whose SYN the capture lost, held in case a lost announcement showed just after {it|them}, pushed out by newer ones: a data connection whose announcement and SYN were both lost may show no session (most are usually other traffic)")
	addw(uint64(lim.ClockStepsNotKept), "step{s} of the capture's clock beyond the 16 kept within an hour of packet time: the oldest merged into the time before it, so an announcement or SYN from before it may have waited longer than its timeout before it was judged")
	addw(uint64(lim.InputBreaksNotKept), "break{s} between input files (time the capture did not look) beyond the 16 kept within an hour of packet time: the oldest forgotten, so a data connection or announcement whose wait it cut may read unanswered or not attempted instead of undetermined")
	addw(uint64(lim.HeldLaterOverwritten), "segment{s} held after a SYN's answer in case a data connection was written before its announcement (interfaces whose clocks disagree), pushed out by newer ones: a connection announced after all misses {it|them}, though its FINs still prove its bytes when they were kept (most are usually other traffic)")
	addw(uint64(lim.ResetsHeldOverwritten), "RST{s} held in case {its|their} data SYN was written just after {it|them} (two NIC queues), pushed out by newer ones: a SYN that did come for one misses its answer (most are usually other traffic)")
	addw(uint64(lim.UnreachablesHeldOverwritten), "ICMP error{s} held in case {its|their} data SYN was written just after {it|them} (two NIC queues), pushed out by newer ones: a SYN that did come for one misses its answer (most are usually other traffic)")
	addw(uint64(lim.RunningFull), "transfer{s} of sessions picked up mid-stream whose data connection, begun before the capture, was not found while the 16 such connections followed at once had left one between {its|their} hosts out: the transfer shows no data connection")
	addw(uint64(lim.RunningLate), "transfer{s} of sessions picked up mid-stream whose data connection, begun before the capture, was looked for after its first 3 minutes and not found: one first seen after them is not followed (nor any, in a capture filtered to the control port), and the transfer shows no data connection")
	addw(uint64(lim.EarlyOverwritten), "handshake segment{s} of the capture's first minutes replaced by newer ones before a session picked up mid-stream could claim {it|them} (a data connection announced before the capture may have lost its first SYNs)")
	addw(uint64(lim.EarlyLaterOverwritten), "segment{s} of {a data connection|data connections} that ran before {its|their} session was recognised (byte counts, FINs), pushed out of the 128 held until it was: {that connection|those connections} may show fewer bytes or no end ({its|their} FINs still prove {its|their} bytes when they were kept)")
	addw(uint64(lim.RefusalsNotKept), "answer{s} (an RST or ICMP error) to {a data SYN|data SYNs} the capture lost, not kept (256 announcements still waiting held one already): an announcement whose SYN was lost may read not attempted or undetermined instead of refused")
	addw(uint64(lim.DataEndpointTaken), "SYN{s} to an announced endpoint another connection had already taken: not followed (retries from a new port, or other hosts trying the port)")
	addw(uint64(lim.UnsolicitedNotKept), "endpoint{s} of passive replies no command asked for let go past the 4 kept per session (128 in all): a client's connection to one is not tied to it")
	addw(uint64(lim.EncryptedPairOverflow), "encrypted session{s} between the same two hosts past the 8 followed at once for data connections: the one quiet longest left the index (its data connections may be shown under another of them, or not at all)")
	addn(st.CandidatesFull, "connection not checked for FTP (table full)", "connections not checked for FTP (table full)")
	addn(uint64(lim.SessionsDropped), "session not followed (table full)", "sessions not followed (table full)")
	if transcripts {
		// The summary view prints no transcript: nothing left out of one
		// to tell.
		if n := transcriptNote(lim.CommandsOmitted, lim.EventsOmitted, lim.TranscriptBudget); n != "" {
			warn = append(warn, n)
		}
		if n := notShown; n > 0 {
			warn = append(warn, fmt.Sprintf("%d finding%s left out of transcripts (the sessions open at once keep %d findings or %d MiB together); the counts above and --json hold them all", n, plural(n), maxFindingsKept, maxFindingsBytes>>20))
		}
	}
	addn(uint64(lim.PendingOverflow), "command given up waiting for a reply", "commands given up waiting for a reply")
	if n := budgetCutNote(lim); n != "" {
		warn = append(warn, n)
	}
	addn(uint64(lim.DataDropped), "data connection not followed (table full)", "data connections not followed (table full)")
	addw(uint64(lim.DataSessionFull), fmt.Sprintf("data connection{s} not followed: {its|their} session had %d not yet reported already", track.DefaultMaxDataPerSession))
	addw(uint64(lim.UnusedNotKept), "announcement{s} nothing used, superseded by later ones, past the first 16 of {its|their} session, let go once written: counted above and in --json with {its|their} findings; a transcript shows {it|them} only under {its|their} kept commands, and the session's later data connections are judged without {it|them}")
	addw(uint64(lim.DataBudget), fmt.Sprintf("data connection{s} let go from {its|their} open session sooner because the sessions open at once kept %d together: counted above and in --json with {its|their} findings; a transcript shows {it|them} only under {its|their} kept commands, and the session's later data connections are judged without {it|them}", track.DefaultDataBudget))
	addn(uint64(lim.ExpectationsEvicted), "announcement evicted", "announcements evicted")
	addw(uint64(lim.RepliesOmitted), "repl{y|ies} beyond the per-command bound")
	addw(uint64(lim.ReplyLinesDropped), "line{s} of multi-line replies beyond the reply bound")
	return warn
}

// diagnosisNotes says in words what the diagnosis's own memory let go (d):
// how far its judgements across sessions reach, no bound of the reading.
func diagnosisNotes(d diagnose.Omitted) []string {
	var warn []string
	// addw: a count and what it counts, {marked} for one and many
	// (counted).
	addw := func(n uint64, what string) {
		if n > 0 {
			warn = append(warn, counted(int64(n), what))
		}
	}
	addw(uint64(d.Sessions), fmt.Sprintf("session{s} of servers beyond the first %d not in a server summary", diagnose.MaxServers))
	addw(uint64(d.LoginFailures), "failed login{s} of client addresses beyond the bound, not weighed for password guessing")
	addw(uint64(d.LoginSuccesses), "successful login{s} at servers beyond the bound, not weighed against failures")
	addw(uint64(d.TimingVotesForgotten), "pair{s} of networks whose handshake timing (where the capture was taken) the bound forgot, oldest first")
	addw(uint64(d.ActiveClientsForgotten), "client address{es} whose active data connections from other servers the bound forgot, oldest first")
	addw(uint64(d.DataSourceClientsForgotten), "client address{es} whose data connections from another address (a carrier-grade NAT's) the bound of 4,096 forgot, oldest first: a later single SYN from such an address reads as a warning with both readings")
	addw(uint64(d.BounceClientsNotFollowed), "client address{es} whose PORTs to other hosts were not followed across sessions (the bound of 1,024 clients was full): each session judged alone")
	addw(uint64(d.LoginSpreadNotWeighed), fmt.Sprintf("failed login{s} at servers beyond the first %d with failed logins, not weighed for password guessing spread over many addresses (each address's own failures still are)", diagnose.MaxServers))
	addw(uint64(d.LoginSpreadUsersForgotten), "time{s} a user name with failed logins was pushed out of the bound of 8 names per server (the fewest failures first; a name pushed out twice counts twice): those failures are not weighed with its later ones for password guessing spread over many addresses")
	addw(uint64(d.LoginSpreadReportsForgotten), "user name{s} reported or noted for password guessing spread over many addresses that the memory of 32 per server forgot (the oldest first): each may be reported or noted again")
	addw(uint64(d.TLSResetsNotJudged), "data connection{s} of FTPS sessions that carried nothing and that the server reset, not judged for data-tls-required: {its|their} session already held 4")
	addw(uint64(d.StallsNotJudged), "data connection{s} of transfers that may have stalled, not judged for transfer-stalled: {its|their} session already held 4")
	addw(uint64(d.StallEndsNotKept), "transfer{s} stalled half-way in sessions closed as idle let go past the 64 kept (the oldest first): a final reply in the session that picks one up again reads as a reply to a command before the idle close, with no word of the stall's end")
	addw(uint64(d.SweepClientsForgotten), "client address{es} whose control connections opened, which a port scan's are told from, forgotten (the least recently opened first; the latest 8,192 are kept): a later refused SYN from one of them may be taken for a scan's probe")
	addw(uint64(d.LoginAttackersLetGo), "client and server pair{s} reported for password guessing that the full table of 4,096 let go after 10 minutes without a login there (the oldest first): each is remembered as reported for a day (at most 4,096 at once), then reported again if it fails again")
	addw(uint64(d.HostScanClientsNotFollowed), "control connection{s} that never opened, from client addresses not followed for a scan of many hosts (64 others' runs were live): each stays an error")
	addw(uint64(d.ForeignClosesNotJudged), "data connection{s} from another address than the client's that the server closed at once, not judged for a silent refusal (ProFTPD's; data-source-nat): {its|their} session already held 4 whose transfer commands were not answered yet")
	return warn
}

// goneAt is how many data connections with warnings or errors, not
// failed, the codes of which dataCodes holds but s no longer does (not
// yet pruned: pruneDataCodes).
func (sf *sessionFindings) goneAt(s *track.Session) int {
	if len(sf.dataCodes) == 0 {
		return 0
	}
	held := make(map[*track.DataConn]bool, len(s.Data))
	for _, d := range s.Data {
		held[d] = true
	}
	n := 0
	for d := range sf.dataCodes {
		if !dataFailed(d) && !held[d] {
			n++
		}
	}
	return n
}
