package main

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/maphash"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/extract"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// textView is what the text output shows of each session.
type textView uint8

const (
	// viewFull: every session's transcript (the default off a terminal).
	viewFull textView = iota
	// viewSummary: the policy, each server's verdict and change block,
	// and one line per session or data connection that failed or raised
	// a warning, with the --session N that shows it whole.
	viewSummary
	// viewAuto: the transcripts, unless the capture holds more sessions
	// than a screen has rows (or more than maxHeld bytes of transcript):
	// then the summary, and a line on stderr says so. Only a terminal
	// gets it: a script or a file always gets what it asked for.
	viewAuto
)

// maxHeld bounds the transcripts viewAuto holds back while it cannot yet
// tell whether the capture fits a screen.
const maxHeld = 1 << 20

// Bounds of the summary view: the failed sessions listed per server and
// reason (the rest are counted), with -v and without.
const (
	listedPerReason        = 5
	listedPerReasonVerbose = 1000
	maxListed              = 10000 // over all reasons
	// The data connections named under a listed session (the rest are
	// counted, with the flags that show them): a session of 3,000
	// refused transfers is not 3,000 lines.
	listedDataPerSession        = 5
	listedDataPerSessionVerbose = 100
)

// Bounds of the collapsing of repeated findings.
const (
	// maxCollapseKeys bounds the distinct (server, code, cause) kept per
	// severity: a busy day's info (a nat-mismatch per client network)
	// must not take the room of the errors and warnings a summary is for.
	maxCollapseKeys    = 1024
	maxCollapseClients = 4096 // distinct clients kept per key, to name them
	collapseSessions   = 8    // session numbers named per key
	maxServersNamed    = 16   // server addresses named for a finding merged over servers
)

// maxCollapseCount bounds the distinct clients counted per key: past
// maxCollapseClients as 64-bit keyed hashes (collapseSeed), so that a
// finding from a botnet's thousands of addresses says how many.
const maxCollapseCount = 16384

// collapseKey is what makes two findings "the same": the server, the code,
// the severity and the cause, which the advice states (the message may
// carry a port or a user name that differs from session to session), its
// shape: a lone number in it (a port, a data connection's number), the
// session's client address, a clock time and the example range it names
// for a server whose range is not known (diagnose.Finding.Example, made
// to hold each finding's own failed port) are not part of the cause
// (causeShape). The severity is part of it: a
// nat-mismatch that broke a transfer (error) must not be counted under one
// a client worked around (warning).
type collapseKey struct {
	server netip.AddrPort
	code   string
	sev    diagnose.Severity
	// cause: the cause's shape (causeShape) as a 64-bit keyed hash: the
	// shape itself, the advice's length, held by each of up to 1,024
	// entries per severity and as many keys, took 10 MB of a summary of
	// 5,000 servers' failures.
	cause uint64
	// timed: the shape holds a clock time made a placeholder
	// (noteOccurrence names the times).
	timed bool
}

// collapseKeyOf is f's collapseKey in session s.
func collapseKeyOf(s *track.Session, f *diagnose.Finding) collapseKey {
	shape := causeShape(f.Advice, s.Client.Addr(), f.Example)
	return collapseKey{server: s.Server, code: f.Code, sev: f.Severity,
		cause: maphash.String(collapseSeed, shape), timed: strings.Contains(shape, timePlaceholder)}
}

// collapsed is one repeated finding: its earliest occurrence, in full,
// and how often it came back.
type collapsed struct {
	key collapseKey
	// advice: the earliest occurrence's (earliest), as written; its
	// client is groupValues.firstClient.
	advice string
	sev    diagnose.Severity
	// earliest: the occurrence the server block writes, the earliest by
	// packet time, then by session number, in whatever order the
	// sessions' records came (a session whose record waited past its
	// close, track/afterend.go, comes after later ones).
	earliest occurrence
	// first: the session whose transcript wrote it in full, the first
	// to end, which the later transcripts point to; shownAdvice its
	// advice.
	first       int
	shownAdvice string
	count       int   // occurrences
	sessionsN   int   // distinct sessions
	sessions    []int // the lowest collapseSessions of their numbers
	lastSession int
	groupValues
	shown bool // printed under its server
	// With -v, the occurrences of a warning or an error other than
	// earliest, each in full (bounded: moreOver counts those past the
	// bound).
	more     []occurrence
	moreOver int
	// atBackend: every occurrence was refused by the control address
	// itself (diagnose.RefusedByBackend): when the server's verdict reads
	// backends spread, the fix is diagnose.BackendsSpreadAdvice.
	atBackend bool
	// backendsShown: a finding whose fix is the backends' (BackendsAdvised)
	// joined the entry and was written in full: first and shownAdvice
	// are now its.
	backendsShown bool
}

// occurrence is one finding a collapsed entry counts, kept whole for the
// server block (collapsed.earliest) and -v.
type occurrence struct {
	session  int
	at       time.Time // the finding's packet time (occurrenceOf)
	message  string
	evidence string
	packets  []uint64
}

// occurrenceOf is f, a finding of session s, as an occurrence: at its
// packet time, or its session's start when it has none.
func occurrenceOf(s *track.Session, f *diagnose.Finding) occurrence {
	at := f.TS
	if at.IsZero() {
		at = s.Start
	}
	return occurrence{session: s.ID, at: at, message: f.Message, evidence: f.Evidence, packets: f.Packets}
}

// before tells whether o came before p: by packet time, then by session
// number.
func (o *occurrence) before(p *occurrence) bool {
	if c := o.at.Compare(p.at); c != 0 {
		return c < 0
	}
	return o.session < p.session
}

// maxOccurrences bounds the occurrences -v keeps per collapsed finding.
const maxOccurrences = 32

// collapser counts repeated findings per server. Only the first occurrence
// of each is printed in full in a transcript; the server block ends with
// the count, the sessions and the earliest evidence.
type collapser struct {
	byKey map[collapseKey]*collapsed
	order []*collapsed
	kinds kindTable // which keys get an entry, and the count of the rest
	full  int       // findings not collapsed: no entry holds them
	// lastNotKept: the severity of the finding add last turned away, for
	// addMore's count of the same kind.
	lastNotKept diagnose.Severity
	// verdicts: each server's verdict, to show the findings it names
	// (collapsedShown); filled at the first need, after the diagnosis.
	verdicts map[netip.AddrPort]string
	// every: keep each occurrence of a warning or an error (-v), for the
	// summary view, which has no transcript to show them in.
	every bool
}

// kindTable decides which kinds of finding a summary (the text's
// collapser, the report's server notes) holds an entry for, and counts
// what it does not. Each severity has its own room (bound kinds), so
// that a busy day's info (a nat-mismatch per client network) never takes
// the room of the errors and warnings a summary is for; past it, the
// first kind of a code at a server still gets an entry (bound more of
// each severity): what a verdict's "see nat-mismatch" points to.
type kindTable struct {
	bound  int
	kinds  [numSeverities]int // entries within the bound
	firsts [numSeverities]int // entries past it, each the first of its serverCode
	codes  map[serverCode]struct{}
	// notKept: findings no entry holds, per severity (those past both
	// bounds, and what the caller counts with notHeld).
	notKept [numSeverities]int
	// worst: each server's most severe finding, whether an entry holds
	// it or not, for the order of the server blocks; at most
	// diagnose.MaxServers servers, as many as the diagnosis tells apart.
	worst map[netip.AddrPort]diagnose.Severity
}

// serverCode is a code of finding at a server, of one severity.
type serverCode struct {
	server netip.AddrPort
	code   string
	sev    diagnose.Severity
}

// numSeverities is the number of diagnose.Severity values.
const numSeverities = int(diagnose.SeverityError) + 1

func newKindTable(bound int) kindTable {
	return kindTable{bound: bound, codes: map[serverCode]struct{}{}, worst: map[netip.AddrPort]diagnose.Severity{}}
}

// sevIndex is sev as an index of the per-severity counts (an unknown
// severity counted as an error: never let it pass for info).
func sevIndex(sev diagnose.Severity) int { return min(int(sev), numSeverities-1) }

// seen counts a finding's severity for its server's rank, whatever
// becomes of the finding.
func (t *kindTable) seen(server netip.AddrPort, sev diagnose.Severity) {
	w, ok := t.worst[server]
	if !ok && len(t.worst) >= diagnose.MaxServers {
		return
	}
	if !ok || sev > w {
		t.worst[server] = sev
	}
}

// admit tells whether a new kind of finding, of code and sev at server,
// gets an entry; if not, the finding is counted as not kept.
func (t *kindTable) admit(server netip.AddrPort, code string, sev diagnose.Severity) bool {
	i := sevIndex(sev)
	sc := serverCode{server, code, sev}
	_, known := t.codes[sc]
	switch {
	case t.kinds[i] < t.bound:
		t.kinds[i]++
	case !known && t.firsts[i] < t.bound:
		t.firsts[i]++
	default:
		t.notKept[i]++
		return false
	}
	t.codes[sc] = struct{}{}
	return true
}

// notHeld counts n findings of sev that no entry holds.
func (t *kindTable) notHeld(sev diagnose.Severity, n int) { t.notKept[sevIndex(sev)] += n }

func newCollapser() *collapser {
	return &collapser{byKey: map[collapseKey]*collapsed{}, kinds: newKindTable(maxCollapseKeys)}
}

// notCollapsed counts n findings like f, of session s, that no entry
// holds (a session's findings past maxOverKinds kinds).
func (c *collapser) notCollapsed(s *track.Session, f *diagnose.Finding, n int) {
	c.kinds.seen(s.Server, f.Severity)
	c.full += n
	c.kinds.notHeld(f.Severity, n)
}

// add counts f, a finding of session s, and returns its entry and whether
// to print f in full: the first occurrence, or one whose advice names its
// own client or time. A nil entry means f is not collapsed (its
// severity's room is full): print it in full.
func (c *collapser) add(s *track.Session, f *diagnose.Finding) (*collapsed, bool) {
	c.kinds.seen(s.Server, f.Severity)
	k := collapseKeyOf(s, f)
	e := c.byKey[k]
	rewrote := false // the entry's shown fix is now f's (backendsShown)
	if e == nil && f.BackendsAdvised() {
		// The same refusals as the earlier ones at this address, whose
		// port rules predate the interleaving: one entry
		// (writeCollapsed gives it this fix when the verdict agrees).
		for _, x := range c.order {
			if x.atBackend && x.key.server == k.server && x.key.code == k.code && x.key.sev == k.sev {
				e, k = x, x.key
				if !x.backendsShown {
					// This transcript writes the new fix in full;
					// the later ones point to it.
					x.backendsShown, x.first, x.shownAdvice = true, s.ID, f.Advice
					rewrote = true
				}
				break
			}
		}
	}
	if e == nil {
		if !c.kinds.admit(s.Server, f.Code, f.Severity) {
			c.lastNotKept = f.Severity
			c.full++
			return nil, true
		}
		e = &collapsed{key: k, advice: f.Advice, sev: f.Severity, earliest: occurrenceOf(s, f),
			first: s.ID, shownAdvice: f.Advice, groupValues: newGroupValues(s, f), atBackend: true}
		c.byKey[k] = e
		c.order = append(c.order, e)
	}
	e.count++
	e.noteExample(f.Example)
	e.atBackend = e.atBackend && diagnose.RefusedByBackend(f)
	if e.count > 1 {
		x := occurrenceOf(s, f)
		if x.before(&e.earliest) {
			// An earlier one than the server block's, which came later
			// (its session's record waited): it writes this one.
			x, e.earliest = e.earliest, x
			e.advice, e.firstClient, e.firstExample = f.Advice, s.Client.Addr(), f.Example
		}
		if c.every && f.Severity >= diagnose.SeverityWarning {
			if len(e.more) < maxOccurrences {
				e.more = append(e.more, x)
			} else {
				e.moreOver++
			}
		}
	}
	if e.count == 1 || e.lastSession != s.ID {
		e.sessionsN++
		e.lastSession = s.ID
		if len(e.sessions) < collapseSessions {
			e.sessions = append(e.sessions, s.ID)
		} else if i := slices.Index(e.sessions, slices.Max(e.sessions)); s.ID < e.sessions[i] {
			// The lowest numbers are named: a session whose record
			// waited past its close comes after higher ones.
			e.sessions[i] = s.ID
		}
		e.noteOccurrence(s, k.timed, f.Advice)
	}
	// A transcript shows one session: an occurrence whose fix names
	// another client or time than the first's is written there in full.
	own := e.count > 1 && f.Advice != e.shownAdvice && adviceShape(f.Advice) != adviceShape(e.shownAdvice)
	return e, e.count == 1 || own || rewrote
}

// addMore counts n more occurrences, in the same session, of the finding
// just added to e (add): those a session's findings past maxFindingsKept
// counted by kind. With every, they are counted as occurrences not kept
// (moreOver). A nil e (its severity's table was full) counts them as not
// collapsed, of the severity of the finding add just turned away.
func (c *collapser) addMore(e *collapsed, n int) {
	if n <= 0 {
		return
	}
	if e == nil {
		c.full += n
		c.kinds.notHeld(c.lastNotKept, n)
		return
	}
	e.count += n
	if c.every && e.sev >= diagnose.SeverityWarning {
		e.moreOver += n
	}
}

// listed is one line of the summary view: a session that failed or
// raised a warning, and under it its failed data connections.
type listed struct {
	server netip.AddrPort
	rank   int // reasonRank of its reason: errors are listed first
	id     int // its session number, the order within a rank
	line   listLine
	data   []listLine
	// more: how many more data connections it would name, and how to
	// see them; written whole, as the list's other hints.
	more string
}

// listLine is a line of the summary list and where its items begin, so
// that cutting it at the width (cut) takes whole items: a finding's
// code, an address, a word; never half of one.
type listLine struct {
	text string
	at   []int32 // where each item after the first begins
	// fixed: how many items lead the line that cut always keeps (the
	// pointer, a data connection's outcome). codes, codesEnd: the items
	// of its finding codes ("  error a", ", warning b"; " [error a",
	// ", warning b" before a closing "]"), codes == codesEnd when it has
	// none.
	fixed, codes, codesEnd int32
}

// lineBuilder makes a listLine item by item.
type lineBuilder struct {
	b                      strings.Builder
	at                     []int32
	fixed, codes, codesEnd int32
}

func newLineBuilder() *lineBuilder { return &lineBuilder{} }

// n is the number of items so far.
func (lb *lineBuilder) n() int32 {
	if lb.b.Len() == 0 {
		return 0
	}
	return int32(len(lb.at)) + 1
}

// item adds one item.
func (lb *lineBuilder) item(s string) {
	if lb.b.Len() > 0 {
		lb.at = append(lb.at, int32(lb.b.Len()))
	}
	lb.b.WriteString(s)
}

// keep makes the items so far ones cut always keeps.
func (lb *lineBuilder) keep() { lb.fixed = lb.n() }

// words adds s, each word an item of its own (with the spaces before
// it).
func (lb *lineBuilder) words(s string) {
	start := 0
	for i := 1; i < len(s); i++ {
		if s[i] == ' ' && s[i-1] != ' ' {
			lb.item(s[start:i])
			start = i
		}
	}
	if start < len(s) {
		lb.item(s[start:])
	}
}

// codeList adds codes, each an item, the first after before and the
// others after ", ".
func (lb *lineBuilder) codeList(before string, codes []string) {
	lb.codes = lb.n()
	for _, c := range codes {
		lb.item(before + c)
		before = ", "
	}
	lb.codesEnd = lb.n()
}

// bracketed adds codes as " [a, b]".
func (lb *lineBuilder) bracketed(codes []string) {
	if len(codes) == 0 {
		return
	}
	lb.codeList(" [", codes)
	lb.item("]")
}

func (lb *lineBuilder) line() listLine {
	l := listLine{text: lb.b.String(), at: slices.Clip(lb.at), fixed: lb.fixed, codes: lb.codes, codesEnd: lb.codesEnd}
	if l.fixed == 0 && l.text != "" {
		l.fixed = 1 // (a line is never cut to "…" alone)
	}
	if l.codesEnd == 0 {
		l.codes, l.codesEnd = lb.n(), lb.n()
	}
	return l
}

// cut is the line shortened to n columns after whole items. The finding
// codes are what an admin greps and looks up, so the prose goes first,
// from its last word, ending in "…"; only when every code does not fit
// beside the leading items do the last codes go, counted ("[error a, +1
// more]"): the first one stays. A line whose leading items and first
// code do not fit loses its codes ("…"), and one whose leading items do
// not fit is cut at n, as shorten does.
func (l listLine) cut(n int) string {
	if columns(l.text) <= n {
		return l.text
	}
	items := make([]string, 0, len(l.at)+1)
	from := 0
	for _, at := range l.at {
		items = append(items, l.text[from:at])
		from = int(at)
	}
	items = append(items, l.text[from:])
	lead := strings.Join(items[:l.fixed], "")
	pre, codes, post := items[l.fixed:l.codes], items[l.codes:l.codesEnd], items[l.codesEnd:]
	closing := ""
	if len(codes) > 0 && len(post) > 0 && post[0] == "]" {
		closing, post = "]", post[1:]
	}
	// ellipsis ends a line cut before it: its separator, then "…".
	ellipsis := func(it string) string { return it[:len(it)-len(strings.TrimLeft(it, " ,:"))] + "…" }
	// render keeps k items of the prose (pre, then post) and c codes.
	render := func(k, c int) string {
		var b strings.Builder
		b.WriteString(lead)
		for _, it := range pre[:min(k, len(pre))] {
			b.WriteString(it)
		}
		if k < len(pre) {
			b.WriteString(ellipsis(pre[k]))
		}
		for _, it := range codes[:c] {
			b.WriteString(it)
		}
		if c < len(codes) {
			fmt.Fprintf(&b, ", +%d more", len(codes)-c)
		}
		b.WriteString(closing)
		if k >= len(pre) {
			for _, it := range post[:k-len(pre)] {
				b.WriteString(it)
			}
			if k-len(pre) < len(post) {
				b.WriteString(ellipsis(post[k-len(pre)]))
			}
		}
		return b.String()
	}
	for c := len(codes); c >= min(1, len(codes)); c-- {
		for k := len(pre) + len(post); k >= 0; k-- {
			if r := render(k, c); columns(r) <= n {
				return r
			}
		}
	}
	if len(codes) > 0 {
		// Not even the first code fits: the prose before the codes,
		// cut, and "…" in their place.
		next := append(slices.Clip(pre), codes[0])
		for k := len(pre); k >= 0; k-- {
			r := lead + strings.Join(pre[:k], "") + ellipsis(next[k])
			if columns(r) <= n {
				return r
			}
		}
	}
	return shorten(l.text, n)
}

// reasonRank orders the summary list: sessions with an error, then with a
// warning, then those that failed without a finding at or above warning
// (a failed login, a failed data connection).
func reasonRank(reason string) int {
	switch {
	case strings.HasPrefix(reason, diagnose.SeverityError.String()+" "):
		return 0
	case strings.HasPrefix(reason, diagnose.SeverityWarning.String()+" "):
		return 1
	}
	return 2
}

// reasonKey groups the listed sessions, so that a thousand sessions that
// failed alike take five lines and a count.
type reasonKey struct {
	server netip.AddrPort
	reason string
}

// maxListedKeys bounds the (server, reason) pairs the summary list counts
// sessions of, the first seen, as diagnose.MaxServers bounds the server
// summaries: server addresses are the sender's to choose (spoofed
// handshakes, FTP found by content on any port), and a count per pair,
// and a line per pair, grew with them (80,000 servers: 70,000 lines of
// "… 1 more session of"). The sessions of the pairs past it are counted
// per reason, with their servers (otherFailed).
const maxListedKeys = diagnose.MaxServers

// workedReserve is the room for (server, reason) pairs past
// maxListedKeys kept for servers where something worked (workedAt): the
// first maxListedKeys pairs go to whoever fails first, and a sender
// choosing server addresses takes them all with one failed session per
// address; a real server where transfers went through, or sessions
// logged in and ended well, keeps its later failures listed by server
// however many such pairs came before. Spoofing that too takes a
// transfer's packets both ways, per address, and fills no more than
// this reserve.
const workedReserve = maxListedKeys / 4

// maxWorkedServers bounds the servers where something worked that the
// list knows (keyed 64-bit hashes); past it a server's success is not
// noted, counted in failedList.workedOver.
const maxWorkedServers = 16384

// maxOtherServers bounds the distinct servers counted for the reasons'
// other sessions (otherFailed), over all reasons: each a 64-bit keyed
// hash; past it the count says "more than".
const maxOtherServers = 16384

// failedList is what the summary view lists, bounded.
type failedList struct {
	items []listed
	// counts: the sessions listed and not listed of each (server,
	// reason), the first maxListedKeys pairs seen and up to
	// workedReserve more of servers where something worked (room).
	counts map[reasonKey]listedCount
	keys   []reasonKey // of those with sessions not listed, in first-seen order
	// others: per reason, the sessions of pairs past maxListedKeys;
	// otherServers, the servers they hold over all reasons.
	others       map[string]*otherFailed
	otherServers int
	// worked: the servers where a session moved data or logged in and
	// ended well (workedAt), maphash.Comparable(collapseSeed, server);
	// workedOver: those past maxWorkedServers not noted.
	worked     map[uint64]struct{}
	workedOver int
}

// noteWorked notes that something worked at server when s, one of its
// sessions, moved data, or logged in and did not fail.
func (l *failedList) noteWorked(s *track.Session, failed bool) {
	if s.DataOutcomes[track.OutcomeTransferred] == 0 && (failed || s.Login != track.LoginOK) {
		return
	}
	h := maphash.Comparable(collapseSeed, s.Server)
	if _, ok := l.worked[h]; ok {
		return
	}
	if len(l.worked) >= maxWorkedServers {
		l.workedOver++
		return
	}
	if l.worked == nil {
		l.worked = map[uint64]struct{}{}
	}
	l.worked[h] = struct{}{}
}

// workedAt tells whether something worked at server in a session that
// ended before (or in the one ending).
func (l *failedList) workedAt(server netip.AddrPort) bool {
	_, ok := l.worked[maphash.Comparable(collapseSeed, server)]
	return ok
}

// room tells whether a new (server, reason) pair gets counts of its own:
// within maxListedKeys, or the reserve past it for a server where
// something worked.
func (l *failedList) room(server netip.AddrPort) bool {
	n := len(l.counts)
	return n < maxListedKeys || n < maxListedKeys+workedReserve && l.workedAt(server)
}

// listedCount is what the list did with the sessions of one (server,
// reason): listed, or only counted (omitted).
type listedCount struct{ listed, omitted int }

// otherFailed is the sessions of one reason whose (server, reason) came
// past maxListedKeys: counted, with their distinct servers.
type otherFailed struct {
	sessions int
	servers  map[uint64]struct{} // maphash.Comparable(collapseSeed, server)
	over     bool                // a server came that the bound could not count
}

// other counts a session of server that failed for reason, past
// maxListedKeys.
func (l *failedList) other(server netip.AddrPort, reason string) {
	if l.others == nil {
		l.others = map[string]*otherFailed{}
	}
	x := l.others[reason]
	if x == nil {
		x = &otherFailed{servers: map[uint64]struct{}{}}
		l.others[reason] = x
	}
	x.sessions++
	h := maphash.Comparable(collapseSeed, server)
	if _, ok := x.servers[h]; ok || x.over {
		return
	}
	if l.otherServers >= maxOtherServers {
		x.over = true
		return
	}
	x.servers[h] = struct{}{}
	l.otherServers++
}

// notListedByServer is how many sessions the list counts by reason only
// (their pair past maxListedKeys).
func (l *failedList) notListedByServer() int {
	n := 0
	for _, x := range l.others {
		n += x.sessions
	}
	return n
}

// notes says in words the list's bound hit, for the summary's note line.
func (l *failedList) notes() []string {
	var notes []string
	if n := l.notListedByServer(); n > 0 {
		notes = append(notes, fmt.Sprintf("%d session%s that failed or raised a warning counted by reason only in the summary's list, not by server: their server and reason came after the first %d such pairs (and %d kept for servers where a transfer or login worked)", n, plural(n), maxListedKeys, workedReserve))
	}
	if l.workedOver > 0 {
		notes = append(notes, fmt.Sprintf("%d session%s where a transfer or login worked not noted for the summary list's room for such servers: it knows %d servers", l.workedOver, plural(l.workedOver), maxWorkedServers))
	}
	return notes
}

// sessionFailed decides whether s belongs in the summary list, and why:
// the most severe finding at or above warning, else a failed login or a
// failed data connection.
func (o *textOutput) sessionFailed(s *track.Session, sf *sessionFindings, fs []*diagnose.Finding) (reason string, ok bool) {
	worst := diagnose.Severity(0)
	for _, f := range fs {
		if f.Severity >= diagnose.SeverityWarning && f.Severity >= o.minSev && (reason == "" || f.Severity > worst) {
			worst, reason = f.Severity, f.Severity.String()+" "+f.Code
		}
	}
	if reason != "" {
		return reason, true
	}
	for _, d := range s.Data {
		if dataFailed(d) {
			return "data " + d.Outcome.String(), true
		}
	}
	if s.Login == track.LoginFailed {
		return "login failed", true
	}
	if sf != nil && sf.refused != nil {
		return "transfer refused", true
	}
	return "", false
}

// noteRefused keeps c, a file transfer of s the server refused
// (diagnose.RefusedTransfer), for the summary list: its first.
func (o *textOutput) noteRefused(s *track.Session, c *track.Command) {
	if sf := o.findingsOf(s); sf.refused == nil {
		sf.refused = c
	}
}

// refusedLine is the summary list's line for a session's refused file
// transfer: the command and the server's reply, escaped, and masked as
// the transcript masks them (maskedVerb, maskedArg, maskedReply): a
// line taken for a password, or the reply that repeats one, shown only
// with --show-passwords (showPass).
func refusedLine(c *track.Command, showPass bool) string {
	r := c.Replies[0]
	line := strings.TrimSpace(maskedVerb(c, showPass) + " " + maskedArg(c, showPass))
	return fmt.Sprintf("%s refused: %d %s", safe(line), r.Code, safe(maskedReply(r.Text, r.Secret, showPass)))
}

// dataFailed: a data connection the summary lists without a finding.
// not-attempted is left out: it is what a fallback or a missing file
// looks like, and its finding says when it is a fault.
func dataFailed(d *track.DataConn) bool {
	return d.Outcome == track.OutcomeUnanswered || d.Outcome == track.OutcomeRefused || d.Outcome == track.OutcomeUnreachable
}

// listSession adds s to the summary list when it failed or warned, with
// what the output kept of its findings.
func (o *textOutput) listSession(s *track.Session, sf *sessionFindings) {
	if o.view == viewFull {
		return // (only the summary view writes the list)
	}
	fs := sf.all() // every kind of its findings
	reason, ok := o.sessionFailed(s, sf, fs)
	l := &o.failed
	l.noteWorked(s, ok)
	if !ok {
		return
	}
	if l.counts == nil {
		l.counts = map[reasonKey]listedCount{}
	}
	k := reasonKey{server: s.Server, reason: reason}
	c, known := l.counts[k]
	if !known && !l.room(s.Server) {
		l.other(s.Server, reason)
		return
	}
	per := listedPerReason
	if o.verbose {
		per = listedPerReasonVerbose
	}
	if c.listed >= per || len(l.items) >= maxListed {
		if c.omitted == 0 {
			l.keys = append(l.keys, k)
		}
		c.omitted++
		l.counts[k] = c
		return
	}
	c.listed++
	l.counts[k] = c
	who := whoString(s, safe)
	var codes []string
	seen := map[string]bool{}
	// Errors first, then warnings: the line may be cut at the width.
	for sev := diagnose.SeverityError; sev >= diagnose.SeverityWarning; sev-- {
		for _, f := range fs {
			if f.Severity == sev && f.Severity >= o.minSev && !seen[f.Code] {
				seen[f.Code] = true
				codes = append(codes, f.Severity.String()+" "+f.Code)
			}
		}
	}
	// The pointer first, then what went wrong, where cutting the line
	// cannot take them; who and where last.
	lb := newLineBuilder()
	// The flag that shows the session whole; "session N" when that
	// flag is given already (writeFailedList's heading says what shows it).
	if o.sel != nil && o.sel.session > 0 {
		lb.item(fmt.Sprintf("session %d", s.ID))
	} else {
		lb.item(fmt.Sprintf("--session %d", s.ID))
	}
	lb.keep()
	lb.codeList("  ", codes)
	before := "  "
	if len(codes) > 0 {
		before = ": "
	}
	lb.item(before + addrString(s.Client))
	lb.item(" -> " + addrString(s.Server) + ",")
	lb.words(" " + who)
	it := listed{server: s.Server, rank: reasonRank(reason), id: s.ID, line: lb.line()}
	byData := sf.codesByData()
	// Past track's MaxDataPerSession the session holds only its latest
	// data connections: the list says how many failed ones it cannot
	// name, before those it names, not only the last few as if they
	// were all.
	failed := s.DataOutcomes[track.OutcomeUnanswered] + s.DataOutcomes[track.OutcomeRefused] + s.DataOutcomes[track.OutcomeUnreachable]
	for _, d := range s.Data {
		if dataFailed(d) {
			failed--
		}
	}
	if failed > 0 {
		lb := newLineBuilder()
		lb.words(fmt.Sprintf("… %d earlier failed one%s not listed: the session keeps its latest; --json lists all", failed, plural(failed)))
		it.data = append(it.data, lb.line())
	}
	perSession := listedDataPerSession
	if o.verbose {
		perSession = listedDataPerSessionVerbose
	}
	named, more := 0, 0
	for _, d := range s.Data {
		dcodes := byData[d]
		if !dataFailed(d) && len(dcodes) == 0 {
			continue
		}
		if named == perSession {
			more++
			continue
		}
		named++
		head := fmt.Sprintf("data #%d %s", d.ID, dataEndpoint(d))
		if d.Announce == nil {
			head = fmt.Sprintf("data #%d", d.ID)
		}
		lb := newLineBuilder()
		lb.item(head)
		lb.item(fmt.Sprintf(" %s:", d.Outcome))
		lb.keep()
		lb.words(" " + outcomeDetail(d))
		// Errors first: a cut line keeps its first code.
		dcodes = slices.Clone(dcodes)
		slices.SortStableFunc(dcodes, func(a, b string) int { return reasonRank(a) - reasonRank(b) })
		lb.bracketed(dcodes)
		it.data = append(it.data, lb.line())
	}
	if sf != nil && sf.refused != nil && named < perSession {
		lb := newLineBuilder()
		lb.words(refusedLine(sf.refused, o.showPass))
		it.data = append(it.data, lb.line())
	}
	if sf != nil {
		more += sf.gone + sf.goneAt(s)
	}
	if more > 0 {
		it.more = fmt.Sprintf("… %d more such data connection%s (%s)", more, plural(more), o.sessionHint(s.ID))
	}
	l.items = append(l.items, it)
}

// sessionHint is the command that shows session id whole: its
// transcript.
func (o *textOutput) sessionHint(id int) string {
	var drop []string
	if o.summaryAsked {
		drop = append(drop, "--summary")
	}
	if o.rerunDrop != "" {
		drop = append(drop, o.rerunDrop)
	}
	return sessionRerun(strconv.Itoa(id), drop) + " shows them"
}

// sessionRerun is the command that prints session id's transcript: the
// same command with --session id and without the flags in drop (--summary,
// which wins over --session; those writing a file it would overwrite).
func sessionRerun(id string, drop []string) string {
	hint := "the same command with --session " + id
	if len(drop) > 0 {
		hint += " and without " + strings.Join(drop, " and ")
	}
	return hint
}

// writeFailedList prints the summary view's list.
func (o *textOutput) writeFailedList() {
	l := &o.failed
	p := o.p
	if len(l.items) == 0 && len(l.others) == 0 {
		o.printf("%s\n\n", p.good.Sprint("no session failed or raised a warning"))
		return
	}
	if o.sel != nil && o.sel.session > 0 {
		o.printf("%s\n", p.head.Sprint("the session failed or raised a warning (without --summary it is shown whole):"))
	} else {
		o.printf("%s\n", p.head.Sprint("sessions that failed or raised a warning (each with the flag that shows it whole):"))
	}
	cut := func(l listLine, indent int) string {
		if o.verbose {
			return l.text
		}
		return l.cut(o.width - indent)
	}
	// Errors first, then warnings, then the rest; each in session order.
	// (Which sessions a reason lists is decided as they end: its first.)
	slices.SortStableFunc(l.items, func(a, b listed) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return a.id - b.id
	})
	// The servers never reached (writeNeverOpened) are listed as one:
	// their first sessions, then one count.
	groupedShown, groupedMore := 0, 0
	for _, it := range l.items {
		if o.neverReached[it.server] {
			if groupedShown >= listedPerReason && !o.verbose {
				groupedMore++
				continue
			}
			groupedShown++
		}
		o.printf("  %s\n", cut(it.line, 2))
		for _, d := range it.data {
			o.printf("      %s\n", cut(d, 6))
		}
		if it.more != "" {
			o.printf("      %s\n", p.dim.Sprint(it.more))
		}
	}
	keys := slices.Clone(l.keys)
	slices.SortStableFunc(keys, func(a, b reasonKey) int {
		if c := reasonRank(a.reason) - reasonRank(b.reason); c != 0 {
			return c
		}
		if c := a.server.Compare(b.server); c != 0 {
			return c
		}
		return strings.Compare(a.reason, b.reason)
	})
	for _, k := range keys {
		n := l.counts[k].omitted
		if o.neverReached[k.server] {
			groupedMore += n
			continue
		}
		o.printf("  %s\n", p.dim.Sprintf("… %d more session%s of %s with %s (%s)",
			n, plural(n), k.server, k.reason, o.moreHint(k)))
	}
	// Past maxListedKeys: a line per reason.
	reasons := slices.Collect(maps.Keys(l.others))
	slices.SortFunc(reasons, func(a, b string) int {
		if c := reasonRank(a) - reasonRank(b); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, r := range reasons {
		x := l.others[r]
		servers := fmt.Sprintf("%d other server%s", len(x.servers), plural(len(x.servers)))
		if x.over {
			servers = fmt.Sprintf("more than %d other servers", len(x.servers))
		}
		o.printf("  %s\n", p.dim.Sprintf("… %d more session%s of %s with %s (%s)",
			x.sessions, plural(x.sessions), servers, r, o.otherHint()))
	}
	if groupedMore > 0 {
		o.printf("  %s\n", p.dim.Sprintf("… %d more session%s of the servers never reached (--server ADDR:PORT lists one server's; --json writes every session)",
			groupedMore, plural(groupedMore)))
	}
	o.printf("\n")
}

// moreHint is the command that shows the sessions a reason of the summary
// list left out: -v lists up to listedPerReasonVerbose of each reason (with
// --server, those of that server only); past that, --json writes them all.
func (o *textOutput) moreHint(k reasonKey) string {
	l := &o.failed
	server := ""
	if o.sel == nil || !o.sel.serverSet {
		server = " --server " + shellWord(k.server.String())
	}
	// "The same command": the policy flags (--pasv-range, --server-config)
	// decide which findings there are, so they must stay.
	without := ""
	if o.rerunDrop != "" {
		without = " and without " + o.rerunDrop
	}
	c := l.counts[k]
	if !o.verbose && c.listed+c.omitted <= listedPerReasonVerbose && len(l.items)+c.omitted <= maxListed {
		return "the same command with -v" + server + without + " lists them"
	}
	return "the same command with --json" + server + without + " writes every session"
}

// otherHint is the command that shows the sessions of a reason the summary
// list counted past maxListedKeys: --server lists one server's, and --json
// writes them all.
func (o *textOutput) otherHint() string {
	if o.rerunDrop != "" {
		return "the same command without " + o.rerunDrop + ": with --server ADDR:PORT it lists one server's, with --json every session"
	}
	return "the same command with --server ADDR:PORT lists one server's; --json writes every session"
}

// shellWord quotes w for a POSIX shell when it holds a character the
// shell would expand ([ ] of an IPv6 address: a glob).
func shellWord(w string) string {
	if strings.ContainsAny(w, "[]*?{}$`\\\"' ;&|<>()") {
		return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return w
}

// collapsedShown tells whether the server blocks write e. The summary
// view writes no transcript, so every warning and error is explained
// there, even one of a single session, and so is every finding the
// server's verdict names ("see nat-mismatch"); other info, as after
// transcripts, when it came back in more than one session. After
// transcripts, only those that came back in more than one session
// (without -v: the transcripts showed the repeats in one line), and with
// -v none (every one was written in full).
func (o *textOutput) collapsedShown(e *collapsed) bool {
	if o.view == viewSummary {
		return e.sev >= diagnose.SeverityWarning || e.sessionsN >= 2 || o.verdictNames(e)
	}
	return !o.verbose && e.sessionsN >= 2
}

// verdictNames tells whether the verdict of e's server names e's code.
func (o *textOutput) verdictNames(e *collapsed) bool {
	c := o.collapse
	if c.verdicts == nil {
		c.verdicts = make(map[netip.AddrPort]string, len(o.servers))
		for _, s := range o.servers {
			if s.Verdict != "" {
				c.verdicts[s.Server] = s.Verdict
			}
		}
	}
	return containsCode(c.verdicts[e.key.server], e.code())
}

// containsCode tells whether text names code as a word of its own: not
// data-refused inside data-refused-foo.
func containsCode(text, code string) bool {
	if code == "" {
		return false
	}
	codeByte := func(b byte) bool { return b == '-' || b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' }
	for i := 0; ; {
		j := strings.Index(text[i:], code)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(code)
		if (j == 0 || !codeByte(text[j-1])) && (end == len(text) || !codeByte(text[end])) {
			return true
		}
		i = j + 1
	}
}

// collapsedOf is what a server block writes of the repeated findings: those
// of the server, not shown yet, errors first, then warnings, then info,
// each in the order first seen.
func (o *textOutput) collapsedOf(server netip.AddrPort) []*collapsed {
	if o.collapse == nil {
		return nil
	}
	var es []*collapsed
	for _, e := range o.collapse.order {
		if !e.shown && e.key.server == server && o.collapsedShown(e) {
			es = append(es, e)
		}
	}
	slices.SortStableFunc(es, func(a, b *collapsed) int { return int(b.sev) - int(a.sev) })
	return es
}

// serverRank orders the server blocks: servers with errors first, then
// with warnings, then the others (each group in the diagnosis's order).
// A server's rank is that of every finding it raised, kept in the table
// or not; the table decides only for servers past the bound of worst.
func (o *textOutput) serverRank(server netip.AddrPort) int {
	worst := -1
	if o.collapse != nil {
		if w, ok := o.collapse.kinds.worst[server]; ok {
			if w >= diagnose.SeverityWarning {
				worst = int(w)
			}
			return -worst
		}
		for _, e := range o.collapse.order {
			if e.key.server == server && e.sev >= diagnose.SeverityWarning && int(e.sev) > worst {
				worst = int(e.sev)
			}
		}
	}
	return -worst
}

// writeCollapsed prints, under a server's block, its failed logins
// (loginFailuresWords), then its findings: in the summary view all of
// them, after transcripts those that came back in more than one session.
func (o *textOutput) writeCollapsed(server netip.AddrPort) {
	backends := false
	for _, s := range o.servers {
		if s.Server == server {
			if w := loginFailuresWords(s); w != "" {
				o.printf("  %s %s\n", o.p.head.Sprint("logins:"), w)
			}
			backends = s.BackendsSpread
			break
		}
	}
	var fixes blockFixes // the fixes written in this block in full
	for _, e := range o.collapsedOf(server) {
		e.shown = true
		if backends && e.atBackend {
			// The verdict, seeing the whole capture, reads these RSTs
			// as other backends': the rules written when the finding
			// was made open nothing that helps.
			e.advice = diagnose.BackendsSpreadAdvice(server.Addr())
		}
		fix := groupAdvice(e.advice, e)
		o.writeCollapsedEntry(e, nil, fixes.refer(fix, e.code(), fmt.Sprintf("%s in session %d", e.code(), e.earliest.session)))
	}
}

// loginFailuresWords says how many logins the server refused and from how
// many client addresses ("57 failed, from 3 client addresses"): what
// login-brute-force's "later failures ... are counted in the server
// summary" points to. "" when none failed.
func loginFailuresWords(s diagnose.ServerSummary) string {
	if s.LoginFailures == 0 {
		return ""
	}
	from := fmt.Sprintf("%d client address%s", s.LoginFailureClients, pluralES(s.LoginFailureClients))
	if s.LoginFailureClientsMore {
		from = fmt.Sprintf("more than %d client addresses", s.LoginFailureClients)
	}
	return fmt.Sprintf("%d failed, from %s", s.LoginFailures, from)
}

// pluralES is "es" unless n is 1.
func pluralES(n int) string {
	if n == 1 {
		return ""
	}
	return "es"
}

// writeCollapsedEntry writes one collapsed finding: what it is, where,
// the first occurrence's message and evidence, and the fix. merged, when
// set, are the same finding at other servers, written as one (info that
// every server raises alike).
func (o *textOutput) writeCollapsedEntry(e *collapsed, merged []*collapsed, sameFix *fixRef) {
	p := o.p
	all := append([]*collapsed{e}, merged...)
	sessionsN, count := 0, 0
	var sessions []int
	clients := map[uint64]struct{}{}
	over := false
	vals := make([]*groupValues, 0, len(all))
	for _, x := range all {
		sessionsN += x.sessionsN
		count += x.count
		sessions = append(sessions, x.sessions...)
		for h := range x.clients {
			clients[h] = struct{}{}
		}
		over = over || x.clientsOver
		vals = append(vals, &x.groupValues)
	}
	nClients := len(clients)
	if n, ok := countedClients(vals); ok {
		nClients = n
	}
	// The first sessions that raised it, in the order of their numbers,
	// as the reader looks them up.
	slices.Sort(sessions)
	if len(sessions) > collapseSessions {
		sessions = sessions[:collapseSessions]
	}
	ids := make([]string, 0, len(sessions)+1)
	for _, id := range sessions {
		ids = append(ids, fmt.Sprint(id))
	}
	if sessionsN > len(sessions) {
		ids = append(ids, "…")
	}
	where := ""
	if len(merged) > 0 {
		// (One server may have two entries: the same code with two fixes.)
		servers := map[netip.AddrPort]struct{}{}
		for _, x := range all {
			servers[x.key.server] = struct{}{}
		}
		where = fmt.Sprintf(" at %d server%s,", len(servers), plural(len(servers)))
	}
	var head string
	if sessionsN == 1 {
		head = fmt.Sprintf("%s %s%s in session %s", e.sev, e.code(), where, ids[0])
		if count > 1 {
			head += fmt.Sprintf(", %d times", count)
		}
		head += ":"
	} else {
		who := fmt.Sprintf("%d client%s", nClients, plural(nClients))
		if over {
			who = fmt.Sprintf("more than %d clients", nClients)
		}
		head = fmt.Sprintf("%s %s%s in %d sessions from %s (sessions %s)", e.sev, e.code(), where, sessionsN, who, strings.Join(ids, ", "))
		if count > sessionsN {
			// Some sessions raised it more than once: the report's
			// "times" column says as much.
			head += fmt.Sprintf(", %d times", count)
		}
		head += ":"
	}
	o.printf("  %s\n", o.severityColor(e.sev).Sprint(head))
	if len(merged) > 0 {
		servers := make([]netip.AddrPort, 0, len(all))
		for _, x := range all {
			servers = append(servers, x.key.server)
		}
		slices.SortFunc(servers, netip.AddrPort.Compare)
		names := make([]string, 0, min(len(all), maxServersNamed)+1)
		for _, a := range servers[:min(len(servers), maxServersNamed)] {
			names = append(names, a.String())
		}
		if len(servers) > maxServersNamed {
			names = append(names, fmt.Sprintf("… %d more", len(servers)-maxServersNamed))
		}
		o.para("    ", p.dim.Sprint("servers:"), strings.Join(names, ", "), "    "+strings.Repeat(" ", 9))
	}
	o.para("    ", "", sentence(e.earliest.message), "    ")
	if e.earliest.evidence != "" {
		o.para("    ", p.dim.Sprint("first evidence:"), o.evidenceText(e.earliest.evidence, e.earliest.packets), "    "+strings.Repeat(" ", 16))
	}
	// -v: every other occurrence in full (its message when it differs),
	// in the order they happened.
	slices.SortStableFunc(e.more, func(a, b occurrence) int {
		switch {
		case a.before(&b):
			return -1
		case b.before(&a):
			return 1
		}
		return 0
	})
	for _, x := range e.more {
		text := ""
		if x.message != e.earliest.message {
			text = sentence(x.message)
		}
		if x.evidence != "" {
			if text != "" {
				text += " "
			}
			text += "Evidence: " + o.evidenceText(x.evidence, x.packets)
		}
		if text == "" {
			text = "the same"
		}
		o.para("    ", p.dim.Sprintf("also in session %d:", x.session), text, "      ")
	}
	if e.moreOver > 0 {
		o.printf("    %s\n", p.dim.Sprintf("… %d more occurrence%s (--json lists every finding)", e.moreOver, plural(e.moreOver)))
	}
	if sameFix != nil && !o.verbose {
		// The same long fix a few lines up, or one that begins the
		// same: said once.
		o.adviceLines("    ", sameFix.words())
		return
	}
	o.adviceLines("    ", groupAdvice(e.advice, all...))
}

// adviceShape is advice with the numbers that name one occurrence made
// '#': a port named as such ("port 45011", "Port 45011") and a data
// connection's number ("#3"). Every other number (a range to open, a
// count of ports to widen to, a setting's value, an MTU, an address, a
// session pointed at) is part of the cause: two fixes that differ in one
// are two fixes.
func adviceShape(advice string) string {
	occurrence := func(before string) bool {
		if strings.HasSuffix(before, "#") {
			return true
		}
		if !strings.HasSuffix(before, "port ") && !strings.HasSuffix(before, "Port ") {
			return false
		}
		// A rule's port (dport, sport, --dport) is what to open.
		return !strings.HasSuffix(before, "dport ") && !strings.HasSuffix(before, "sport ")
	}
	var b strings.Builder
	for i := 0; i < len(advice); {
		c := advice[i]
		if c < '0' || c > '9' {
			b.WriteByte(c)
			i++
			continue
		}
		j := i
		for j < len(advice) && advice[j] >= '0' && advice[j] <= '9' {
			j++
		}
		joined := j < len(advice) && (advice[j] == '-' || advice[j] == ':' || advice[j] == '.' && j+1 < len(advice) && advice[j+1] >= '0' && advice[j+1] <= '9')
		if occurrence(advice[:i]) && !joined {
			b.WriteByte('#')
		} else {
			b.WriteString(advice[i:j])
		}
		i = j
	}
	return b.String()
}

// The values of one occurrence that a finding's advice may name besides
// its ports, written as placeholders in the fix of a group that spans
// more than one (groupAdvice).
const (
	clientPlaceholder = "<client>"
	timePlaceholder   = "<time>"
	maxClientsNamed   = 16 // clients named under a fix written with <client>
	maxTimesNamed     = collapseSessions
)

// causeShape is advice as collapseKey holds it: the session's own client
// address, every clock time (hh:mm:ss UTC) and the ends of the example
// range example (zero: none) made placeholders, then adviceShape. A
// control connection refused to ten clients, or to one twice a second
// apart, is one cause: "a rule that names 10.0.0.5" and "a restart at
// 09:45:15 UTC" say which occurrence, not what is wrong; so is a port
// dropped at a server whose range is not known, whatever example range
// holds each session's port ("e.g. 41200-41300", "e.g. 42000-42100").
func causeShape(advice string, client netip.Addr, example policy.PortRange) string {
	return adviceShape(maskTimes(maskClient(swapExample(advice, example, policy.PortRange{}), client)))
}

// swapExample is advice with every number that is an end of the example
// range from (a whole run of digits: 40000 in "40000-40100", "40000:40100",
// "pasv_min_port=40000") made the same end of to, or a placeholder when to
// is zero. advice as it is when from is zero.
func swapExample(advice string, from, to policy.PortRange) string {
	if from == (policy.PortRange{}) {
		return advice
	}
	lo, hi := strconv.Itoa(int(from.Lo)), strconv.Itoa(int(from.Hi))
	newLo, newHi := "<from>", "<to>"
	if to != (policy.PortRange{}) {
		newLo, newHi = strconv.Itoa(int(to.Lo)), strconv.Itoa(int(to.Hi))
	}
	var b strings.Builder
	for i := 0; i < len(advice); {
		j := i
		for j < len(advice) && advice[j] >= '0' && advice[j] <= '9' {
			j++
		}
		switch run := advice[i:j]; {
		case j == i:
			b.WriteByte(advice[i])
			i++
			continue
		case run == lo:
			b.WriteString(newLo)
		case run == hi:
			b.WriteString(newHi)
		default:
			b.WriteString(run)
		}
		i = j
	}
	return b.String()
}

// groupValues are the clients of a collapsed finding's sessions and the
// clock times their advice named: what its fix stands for when written
// once for all of them (groupAdvice). clients holds the first
// maxCollapseClients, moreClients the others up to maxCollapseCount in
// all; clientsOver: more came.
type groupValues struct {
	firstClient netip.Addr // the client of the occurrence whose advice is written
	// firstExample: the example range that occurrence's advice names
	// (diagnose.Finding.Example); examples: the span of every
	// occurrence's (zero: none named one).
	firstExample, examples policy.PortRange
	// clients and moreClients hold 64-bit keyed hashes of the addresses
	// (clientKey); of the kept ones (clients), lowest is the lowest
	// maxClientsNamed unmapped, in address order, which a fix names
	// (clientsWords), and mapped those in IPv4-mapped form, which count
	// once with their plain form where a fix names them unmapped
	// (keptUnmapped). An address as a key took 24 bytes and a pointer
	// the collector follows: a day of 20,000 sessions from 4,096 clients
	// kept 0.7 MB of them in its few kinds of finding.
	clients     map[uint64]struct{}
	lowest      []netip.Addr
	mapped      []netip.Addr
	moreClients map[uint64]struct{}
	clientsOver bool
	times       []occurrenceTime // distinct, in the order seen
	timesOver   bool
}

// occurrenceTime is a clock time an occurrence's advice named, and the
// first session that named it.
type occurrenceTime struct {
	at      string
	session int
}

func newGroupValues(s *track.Session, f *diagnose.Finding) groupValues {
	return groupValues{firstClient: s.Client.Addr(), firstExample: f.Example, clients: map[uint64]struct{}{}}
}

// rangeSpan is the range from a's lowest port to b's highest or the
// other way round (either zero: the other).
func rangeSpan(a, b policy.PortRange) policy.PortRange {
	switch {
	case a == (policy.PortRange{}):
		return b
	case b == (policy.PortRange{}):
		return a
	}
	return policy.PortRange{Lo: min(a.Lo, b.Lo), Hi: max(a.Hi, b.Hi)}
}

// noteExample widens the group's examples to hold r (zero: none).
func (g *groupValues) noteExample(r policy.PortRange) {
	g.examples = rangeSpan(g.examples, r)
}

// noteOccurrence counts s, a session that raised the finding, with
// advice (timed: its shape holds a clock time), once per session.
func (g *groupValues) noteOccurrence(s *track.Session, timed bool, advice string) {
	g.noteClient(s.Client.Addr())
	if !timed {
		return
	}
	for _, at := range clockTimes(advice) {
		if slices.ContainsFunc(g.times, func(t occurrenceTime) bool { return t.at == at }) {
			continue
		}
		if len(g.times) < maxTimesNamed {
			g.times = append(g.times, occurrenceTime{at: at, session: s.ID})
		} else {
			g.timesOver = true
		}
	}
}

// groupAdvice is the fix written for a collapsed finding (with others:
// the same finding at other servers): advice, the first occurrence's, as
// written when the occurrences named one client and one time; else with
// the first's client address and clock times made <client> and <time>
// where they differ, and a last line saying what those stand for, with
// the clients and times (bounded).
func groupAdvice(advice string, gs ...*collapsed) string {
	if len(gs) == 0 {
		return advice
	}
	vals := make([]*groupValues, len(gs))
	for i, g := range gs {
		vals[i] = &g.groupValues
	}
	return groupFix(advice, vals)
}

// groupFix is groupAdvice over the values of each part of the group, the
// first the one whose advice is written.
func groupFix(advice string, vals []*groupValues) string {
	nKept, lowest := keptUnmapped(vals)
	over := false
	var times []occurrenceTime
	timesOver := false
	for _, v := range vals {
		over = over || v.clientsOver
		for _, t := range v.times {
			if !slices.ContainsFunc(times, func(u occurrenceTime) bool { return u.at == t.at }) {
				times = append(times, t)
			}
		}
		timesOver = timesOver || v.timesOver
	}
	var legend []string
	var span policy.PortRange
	for _, v := range vals {
		span = rangeSpan(span, v.examples)
	}
	if first := vals[0].firstExample; first != (policy.PortRange{}) && span != first && int(span.Hi)-int(span.Lo) > diagnose.MaxExampleSpan {
		// Too wide to be one rule from a few failures: the first
		// occurrence's own, said as such.
		legend = append(legend, fmt.Sprintf("the example range %s holds the port the first of these failed on; each occurrence's holds its own", first))
	} else if first != (policy.PortRange{}) && span != first {
		// Each occurrence's example range holds its own failed port:
		// the one written holds them all.
		if swapped := swapExample(advice, first, span); swapped != advice {
			advice = swapped
			legend = append(legend, fmt.Sprintf("the example range %s holds the port each of these failed on", span))
		}
	}
	if nKept > 1 || over {
		if masked := maskClient(advice, vals[0].firstClient); masked != advice {
			advice = masked
			n := nKept
			if m, ok := countedClients(vals); ok {
				n = m
			}
			legend = append(legend, clientPlaceholder+": "+clientsWords(lowest, nKept, n, over))
		}
	}
	if len(times) > 1 || timesOver {
		if masked := maskTimes(advice); masked != advice {
			advice = masked
			slices.SortStableFunc(times, func(a, b occurrenceTime) int { return a.session - b.session })
			words := make([]string, 0, min(len(times), maxTimesNamed)+1)
			for _, t := range times[:min(len(times), maxTimesNamed)] {
				words = append(words, fmt.Sprintf("%s (session %d)", t.at, t.session))
			}
			if len(times) > maxTimesNamed || timesOver {
				words = append(words, "…")
			}
			legend = append(legend, timePlaceholder+": the time each session's finding names, "+strings.Join(words, ", "))
		}
	}
	if len(legend) == 0 {
		return advice
	}
	return advice + "\n" + strings.Join(legend, "; ")
}

// collapseSeed keys the hashes of groupValues.moreClients.
var collapseSeed = maphash.MakeSeed()

// clientKey is what groupValues keeps of a client's address.
func clientKey(c netip.Addr) uint64 { return maphash.Comparable(collapseSeed, c) }

// noteClient counts c among the group's clients.
func (g *groupValues) noteClient(c netip.Addr) {
	h := clientKey(c)
	if _, ok := g.clients[h]; ok || g.clientsOver {
		return
	}
	if len(g.clients) < maxCollapseClients {
		if g.clients == nil {
			g.clients = map[uint64]struct{}{}
		}
		g.clients[h] = struct{}{}
		if c.Is4In6() {
			g.mapped = append(g.mapped, c)
		}
		g.lowest = addLowest(g.lowest, c.Unmap())
		return
	}
	if _, ok := g.moreClients[h]; ok {
		return
	}
	if len(g.clients)+len(g.moreClients) >= maxCollapseCount {
		g.clientsOver = true
		return
	}
	if g.moreClients == nil {
		g.moreClients = map[uint64]struct{}{}
	}
	g.moreClients[h] = struct{}{}
}

// countedClients is how many distinct clients the groups' occurrences
// came from (their union) when one of them counted clients past those it
// keeps (moreClients); ok is false when none did: the kept ones are all.
func countedClients(gs []*groupValues) (n int, ok bool) {
	if !slices.ContainsFunc(gs, func(g *groupValues) bool { return len(g.moreClients) > 0 }) {
		return 0, false
	}
	seen := map[uint64]struct{}{}
	for _, g := range gs {
		for h := range g.clients {
			seen[h] = struct{}{}
		}
		for h := range g.moreClients {
			seen[h] = struct{}{}
		}
	}
	return len(seen), true
}

// addLowest adds u to lowest, the lowest maxClientsNamed distinct
// addresses in address order, if it is one of them.
func addLowest(lowest []netip.Addr, u netip.Addr) []netip.Addr {
	i, found := slices.BinarySearchFunc(lowest, u, netip.Addr.Compare)
	if found || i == maxClientsNamed {
		return lowest
	}
	if len(lowest) == maxClientsNamed {
		lowest = lowest[:maxClientsNamed-1]
	}
	return slices.Insert(lowest, i, u)
}

// keptUnmapped is how many distinct addresses, unmapped, the groups kept
// (their union), and the lowest maxClientsNamed of them in address order.
// An IPv4-mapped address kept with its plain form is one.
func keptUnmapped(gs []*groupValues) (n int, lowest []netip.Addr) {
	kept := map[uint64]struct{}{}
	mapped := map[netip.Addr]struct{}{}
	for _, g := range gs {
		for h := range g.clients {
			kept[h] = struct{}{}
		}
		for _, m := range g.mapped {
			mapped[m] = struct{}{}
		}
		for _, u := range g.lowest {
			lowest = addLowest(lowest, u)
		}
	}
	n = len(kept)
	for m := range mapped {
		if _, ok := kept[clientKey(m.Unmap())]; ok {
			n--
		}
	}
	return n, lowest
}

// clientsWords names the clients a <client> stands for: "each of the 3
// clients: 10.0.0.1, 10.0.0.2, 10.0.0.3", the lowest (those the groups
// kept, in address order: keptUnmapped) of the kept ones; n of them
// were counted.
func clientsWords(lowest []netip.Addr, kept, n int, over bool) string {
	names := make([]string, 0, min(len(lowest), maxClientsNamed)+1)
	for _, a := range lowest[:min(len(lowest), maxClientsNamed)] {
		names = append(names, a.String())
	}
	switch {
	case over || n > kept:
		// (Not all kept: the first in address order may be missing.)
		names = append(names, "… (--json names each session's)")
	case kept > maxClientsNamed:
		names = append(names, fmt.Sprintf("… %d more (--json names each session's)", kept-maxClientsNamed))
	}
	count := fmt.Sprintf("%d", n)
	if over {
		count = fmt.Sprintf("more than %d", n)
	}
	return fmt.Sprintf("each of the %s clients, %s", count, strings.Join(names, ", "))
}

// maskClient makes client, where advice names it as an address of its
// own (not inside a longer address or number; in its IPv4-mapped form
// too), <client>.
func maskClient(advice string, client netip.Addr) string {
	if !client.IsValid() {
		return advice
	}
	plain := client.Unmap()
	if client.Is4In6() {
		advice = maskAddr(advice, client.String(), false)
	}
	return maskAddr(advice, plain.String(), plain.Is4())
}

// maskAddr replaces each occurrence of the address addr in text that
// stands alone: not preceded by a character an address or name goes on
// with, not followed by one (for IPv4, a ':' after is its port's; for
// IPv6 only ']' or a non-address character ends it).
func maskAddr(text, addr string, v4 bool) string {
	if !strings.Contains(text, addr) {
		return text
	}
	word := func(c byte) bool {
		return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '-'
	}
	var b strings.Builder
	for {
		i := strings.Index(text, addr)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		j := i + len(addr)
		alone := i == 0 || !word(text[i-1]) && text[i-1] != '.' && text[i-1] != ':'
		if alone && j < len(text) {
			switch c := text[j]; {
			case word(c):
				alone = false
			case c == '.':
				alone = j+1 == len(text) || !word(text[j+1])
			case c == ':':
				alone = v4
			}
		}
		b.WriteString(text[:i])
		if alone {
			b.WriteString(clientPlaceholder)
		} else {
			b.WriteString(addr)
		}
		text = text[j:]
	}
}

// clockTimeLen is the length of "15:04:05 UTC".
const clockTimeLen = len("15:04:05 UTC")

// clockTimeAt tells whether text holds a clock time "hh:mm:ss UTC" at i,
// standing alone.
func clockTimeAt(text string, i int) bool {
	if i+clockTimeLen > len(text) || i > 0 && (isDigit(text[i-1]) || text[i-1] == ':') {
		return false
	}
	t := text[i : i+clockTimeLen]
	for k, c := range []byte(t) {
		switch k {
		case 2, 5:
			if c != ':' {
				return false
			}
		case 8:
			if c != ' ' {
				return false
			}
		case 9, 10, 11:
		default:
			if !isDigit(c) {
				return false
			}
		}
	}
	if t[9:] != "UTC" {
		return false
	}
	end := i + clockTimeLen
	return end == len(text) || !(isDigit(text[end]) || 'a' <= text[end] && text[end] <= 'z' || 'A' <= text[end] && text[end] <= 'Z')
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// clockTimes are the clock times text names, in order.
func clockTimes(text string) []string {
	var ts []string
	for i := strings.Index(text, " UTC"); i >= 0; {
		if start := i - 8; start >= 0 && clockTimeAt(text, start) {
			ts = append(ts, text[start:start+clockTimeLen])
		}
		next := strings.Index(text[i+1:], " UTC")
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return ts
}

// maskTimes makes every clock time in text <time>.
func maskTimes(text string) string {
	if !strings.Contains(text, " UTC") {
		return text
	}
	var b strings.Builder
	last := 0
	for i := 0; i+clockTimeLen <= len(text); i++ {
		if clockTimeAt(text, i) {
			b.WriteString(text[last:i])
			b.WriteString(timePlaceholder)
			i += clockTimeLen - 1
			last = i + 1
		}
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// mergeInfo takes out of the server blocks the info findings that more
// than one of the servers shown raised alike (same code and fix): each is
// written once, after the server blocks, naming the servers. An info
// finding repeated at every server of a busy capture (a clear-text login)
// would otherwise fill most of the summary. It returns the groups in the
// order first seen, each led by the one of the earliest occurrence.
func (o *textOutput) mergeInfo(shown func(netip.AddrPort) bool) [][]*collapsed {
	if o.collapse == nil {
		return nil
	}
	type infoKey struct {
		code  string
		cause uint64
	}
	byKey := map[infoKey][]*collapsed{}
	var keys []infoKey
	for _, e := range o.collapse.order {
		if e.shown || e.sev != diagnose.SeverityInfo || !o.collapsedShown(e) || !shown(e.key.server) {
			continue
		}
		if o.view == viewSummary && o.verdictNames(e) {
			continue // in its server's block, under the verdict that names it
		}
		k := infoKey{e.key.code, e.key.cause}
		if byKey[k] == nil {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], e)
	}
	var groups [][]*collapsed
	for _, k := range keys {
		if g := byKey[k]; len(g) > 1 {
			for _, e := range g {
				e.shown = true
			}
			groups = append(groups, earliestFirst(g))
		}
	}
	return groups
}

func (e *collapsed) code() string { return e.key.code }

// earliestFirst puts first in g the entry of the earliest occurrence, the
// others in their order: a group of entries written as one
// (writeCollapsedEntry) writes its first's message, evidence and fix.
func earliestFirst(g []*collapsed) []*collapsed {
	m := 0
	for i, e := range g {
		if e.earliest.before(&g[m].earliest) {
			m = i
		}
	}
	if m > 0 {
		e := g[m]
		copy(g[1:m+1], g[:m])
		g[0] = e
	}
	return g
}

// writeNotSummarised says, in the summary view, how many findings of each
// severity the server blocks do not explain (more kinds of that severity
// than maxCollapseKeys), and how to see them.
func (o *textOutput) writeNotSummarised() {
	c := o.collapse
	if o.view != viewSummary || c == nil || c.full == 0 {
		return
	}
	var parts []string
	told := 0
	for sev := numSeverities - 1; sev >= 0; sev-- {
		if n := c.kinds.notKept[sev]; n > 0 {
			told += n
			word := diagnose.Severity(sev).String()
			if sev != int(diagnose.SeverityInfo) {
				word += plural(n)
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, word))
		}
	}
	if n := c.full - told; n > 0 {
		parts = append(parts, fmt.Sprintf("%d of other kinds", n))
	}
	color := o.p.dim
	if c.kinds.notKept[diagnose.SeverityWarning] > 0 || c.kinds.notKept[diagnose.SeverityError] > 0 || c.full > told {
		color = o.p.warn
	}
	// Only the selected sessions' findings are collapsed: --server makes
	// the table one server's.
	how := "--server ADDR:PORT summarises one server's; --json lists every finding"
	if o.sel != nil && o.sel.serverSet {
		how = "--json lists every finding"
	}
	o.printf("%s\n\n", color.Sprintf("findings not summarised (their kinds past the first %d of each severity): %s (%s)",
		maxCollapseKeys, strings.Join(parts, ", "), how))
}

// para prints text wrapped to the output width: the first line after
// indent and label, the others after cont.
func (o *textOutput) para(indent, label, text, cont string) {
	first := indent
	if label != "" {
		first += stripANSI(label) + " "
	}
	lines := wrap(text, o.width, first, cont)
	if label != "" {
		o.printf("%s%s %s\n", indent, label, lines[0])
	} else {
		o.printf("%s%s\n", indent, lines[0])
	}
	for _, l := range lines[1:] {
		o.printf("%s%s\n", cont, l)
	}
}

// stripANSI removes SGR sequences (fatih/color's) to measure a label.
func stripANSI(s string) string {
	if !strings.Contains(s, "\x1b[") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && s[j] != 'm' {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// startHolding makes viewAuto hold the output back until it knows whether
// the capture fits a screen.
func (o *textOutput) startHolding() {
	o.out = o.w
	o.held = &bytes.Buffer{}
	o.w = bufio.NewWriterSize(o.held, 4096)
}

// autoDecide switches viewAuto to the summary once the capture holds more
// sessions than a screen, or more transcript than maxHeld.
func (o *textOutput) autoDecide() {
	if o.view != viewAuto || o.held == nil {
		return
	}
	heldBytes := o.held.Len() + o.w.Buffered()
	var why string
	switch {
	case o.sessions > o.autoMax:
		why = fmt.Sprintf("more than %d sessions", o.autoMax)
	case heldBytes > maxHeld:
		why = fmt.Sprintf("more than %d MiB of transcript", maxHeld>>20)
	default:
		return
	}
	o.view = viewSummary
	o.held, o.w = nil, o.out
	if o.notes != nil {
		fmt.Fprintf(o.notes, "ftpsniff: %s: showing the summary (--full for every transcript, --session N for one)\n", why)
	}
}

// release writes what viewAuto held: the capture fitted a screen.
func (o *textOutput) release() {
	if o.held == nil {
		return
	}
	o.w.Flush()
	o.out.Write(o.held.Bytes())
	o.held, o.w = nil, o.out
	o.view = viewFull
}

// sessionSelector is --server, --client and --session: which sessions the
// output shows. Every session is still analysed, so numbers and server
// summaries are those of the whole capture.
type sessionSelector struct {
	server    netip.AddrPort // port 0: any port
	serverSet bool
	client    netip.Addr
	session   int
	desc      string // the flags, for the summary
}

func (s *sessionSelector) selects(ss *track.Session) bool {
	if s == nil {
		return true
	}
	if s.session > 0 && ss.ID != s.session {
		return false
	}
	if s.serverSet {
		if ss.Server.Addr().Unmap() != s.server.Addr() || (s.server.Port() != 0 && ss.Server.Port() != s.server.Port()) {
			return false
		}
	}
	if s.client.IsValid() && ss.Client.Addr().Unmap() != s.client {
		return false
	}
	return true
}

// selectsServer: a server block is shown with --server only for the
// server named, and left out with --client or --session.
func (s *sessionSelector) selectsServer(a netip.AddrPort) bool {
	if s == nil {
		return true
	}
	if s.session > 0 || s.client.IsValid() {
		return false
	}
	return !s.serverSet || (a.Addr().Unmap() == s.server.Addr() && (s.server.Port() == 0 || a.Port() == s.server.Port()))
}

// recordFilter applies --min-severity and the session selection to the
// JSON and Zeek records: records of sessions not selected, and findings
// below the threshold, are not written. The summary still counts them.
type recordFilter struct {
	out    output
	minSev diagnose.Severity
	sel    *sessionSelector
	// lastID and selected: the highest session number seen and the
	// sessions selected, for a --session past the last (noSuchSession).
	lastID, selected int
}

func (r *recordFilter) SessionStart(s *track.Session) {
	r.lastID = max(r.lastID, s.ID)
	if r.sel.selects(s) {
		r.selected++
		r.out.SessionStart(s)
	}
}

func (r *recordFilter) Command(s *track.Session, c *track.Command) {
	if r.sel.selects(s) {
		r.out.Command(s, c)
	}
}

func (r *recordFilter) Data(s *track.Session, d *track.DataConn) {
	if r.sel.selects(s) {
		r.out.Data(s, d)
	}
}

func (r *recordFilter) Event(s *track.Session, e *track.Event) {
	if r.sel.selects(s) {
		r.out.Event(s, e)
	}
}

func (r *recordFilter) SessionEnd(s *track.Session) {
	if r.sel.selects(s) {
		r.out.SessionEnd(s)
	}
}

func (r *recordFilter) Summary(t totals) { r.out.Summary(t) }
func (r *recordFilter) Flush() error     { return r.out.Flush() }

func (r *recordFilter) Finding(f *diagnose.Finding) {
	if f.Severity < r.minSev || (f.Session != nil && !r.sel.selects(f.Session)) {
		return
	}
	if d, ok := r.out.(diagnosisOutput); ok {
		d.Finding(f)
	}
}

func (r *recordFilter) Policy(p policy.Policy) {
	if d, ok := r.out.(diagnosisOutput); ok {
		d.Policy(p)
	}
}

func (r *recordFilter) Servers(ss []diagnose.ServerSummary) {
	d, ok := r.out.(diagnosisOutput)
	if !ok {
		return
	}
	if r.sel != nil {
		kept := ss[:0:0]
		for _, s := range ss {
			if r.sel.selectsServer(s.Server) {
				kept = append(kept, s)
			}
		}
		ss = kept
	}
	d.Servers(ss)
}

// File passes a file record on as the records of its session: kept for
// a selected session whatever --min-severity (the selection flags also
// limit what is extracted: extractor.selected).
func (r *recordFilter) File(s *track.Session, d *track.DataConn, rec *extract.FileRecord) {
	if f, ok := r.out.(fileOutput); ok && r.sel.selects(s) {
		f.File(s, d, rec)
	}
}

// ExtractSummary passes the extraction record on, as Summary is.
func (r *recordFilter) ExtractSummary(st extractStats) {
	if f, ok := r.out.(fileOutput); ok {
		f.ExtractSummary(st)
	}
}

func (r *recordFilter) InputErrors(errs []error) {
	if e, ok := r.out.(interface{ InputErrors([]error) }); ok {
		e.InputErrors(errs)
	}
}
