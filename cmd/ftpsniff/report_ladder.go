package main

import (
	"cmp"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/tlshello"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// A ladder is one session drawn as a sequence diagram: four lanes (the
// client's data end, the client's control end, the server's control end,
// the server's data end), time going down, an arrow per command, reply and
// data-connection packet the capture saw or missed. The report records
// each open session's ladder as the tracker reports it (reportOutput) and
// renders it to SVG when the session ends: what it keeps are short,
// escaped strings, never the tracker's objects.

// Bounds of one ladder.
const (
	// maxLadderRows: arrows and bars of one session, in the order the
	// tracker reports them; the rest are counted ("… N more …").
	maxLadderRows = 150
	// maxLadderExtra: rows beyond maxLadderRows still kept for a data
	// connection that failed or has a finding (and its commands), so that
	// a long session's failure is drawn.
	maxLadderExtra = 60
	// maxLadderNotes: findings drawn in one ladder; the rest are counted.
	maxLadderNotes = 32
	// maxLadderData: rows of a session's data-connection table.
	maxLadderData = 64
	// quietGap: rows further apart than this get a "… 21.3 s …" marker.
	quietGap = 2 * time.Second
)

// lane is a vertical line of the ladder.
type lane uint8

const (
	laneClientData lane = iota
	laneClient
	laneServer
	laneServerData
)

// Geometry of the SVG, in its own units (it scales to the page).
const (
	svgWidth   = 1000
	headHeight = 50
	rowHeight  = 26
	barHeight  = 24
	gapHeight  = 22
	noteLine   = 15
	charWidth  = 7.25 // 12px monospace
	noteLeft   = 76
	noteChars  = 120 // characters of a note line: (svgWidth-noteLeft-40)/charWidth
	noteIndent = 76  // where evidence and fix start, after their label
)

var laneX = [4]int{92, 242, 758, 908}

// rowKind is what a row draws.
type rowKind uint8

const (
	rowArrow   rowKind = iota // an arrow between two lanes
	rowBar                    // a band across the control lanes: an event of no direction
	rowOmitted                // "… N more … not drawn"
	rowQuiet                  // "… 21.3 s …"
)

// arrowStyle tells how an arrow is drawn. Failure is told by shape as well
// as colour: dashed and ending in an X, dotted with an X at its start.
type arrowStyle uint8

const (
	styleCommand  arrowStyle = iota // a command, client to server
	styleReply                      // a reply, server to client
	styleBadReply                   // a 4yz or 5yz reply
	styleLost                       // sent and never arrived: dashed, an X short of its target
	styleNotSent                    // expected and never sent: dotted, an X at its start
	styleRefusal                    // the answer that says no (RST, ICMP error)
	stylePayload                    // bytes moved: thick
	styleQuietPkt                   // SYN-ACK, FIN: thin
	styleSYN                        // a SYN that was answered
	styleUnknown                    // the capture ended first: dashed, a "?" short of its target
)

// lrow is one row of a ladder. Its strings are escaped for a terminal
// already (safe) and are escaped for HTML as they are written.
type lrow struct {
	ts   time.Time
	seq  uint64 // control rows: order among the session's commands, replies and events
	num  uint64 // control rows: the packet number, 0 when not known
	kind rowKind
	// event: an event's row (or a command's the stream's end delivered:
	// lateLine), which order places by its packet
	// (eventPlaces): the tracker may report it after later rows.
	event bool
	// opening: a row of the control connection's own opening
	// (connectRows), drawn before the control rows of its time.
	opening bool
	noStamp bool // its time is not known: none is written
	// timed: a data connection's packet, placed by its time among the
	// control rows (its own order is order when times tie).
	timed          bool
	order          uint8
	from, to       lane
	fromMid, toMid bool // the arrow starts or ends on the path, between the lanes
	style          arrowStyle
	text           string    // the label
	title          string    // the whole of it when text was cut (a tooltip)
	tag            string    // bold addendum: an announced endpoint
	note           string    // dim addendum: a command's status
	dataID         int       // the data connection a row belongs to
	cmdSeq         uint64    // the command a command or reply row belongs to
	count          int       // rowOmitted: rows not drawn
	omitEnd        time.Time // rowOmitted: the latest of them
}

// lgap is a run of rows not kept: rows that arrived one after the other
// with no kept row between them. Each is drawn as its own marker, so the
// ladder shows every place where rows are missing. There are at most as
// many as kept rows, plus one.
type lgap struct {
	mark  lrow      // the first row not kept: where the marker is drawn
	count int       // rows not kept in the run
	end   time.Time // the latest of them: quiet time is counted from it
	at    int       // len(rows) when the run began; a kept row ends it
	// lo, hi: the sequence numbers of its control rows (lo > hi: none).
	lo, hi uint64
}

// note counts row into the gap.
func (g *lgap) note(row lrow) {
	g.count++
	if row.ts.After(g.end) {
		g.end = row.ts
	}
	if !row.timed {
		if g.lo > g.hi {
			g.lo, g.hi = row.seq, row.seq
		}
		g.lo, g.hi = min(g.lo, row.seq), max(g.hi, row.seq)
	}
}

// recentOmitted bounds the rows not kept remembered one by one: enough
// for a command, its replies and what came before its data connection
// ended.
const recentOmitted = 16

// omittedRow is one of the recent rows not kept.
type omittedRow struct {
	row lrow
	gap int // index in gaps
}

// omit counts a row not kept in the current gap, or begins a gap after
// the last kept row.
func (l *ladder) omit(row lrow) {
	if n := len(l.gaps); n == 0 || l.gaps[n-1].at != len(l.rows) {
		l.gaps = append(l.gaps, lgap{mark: row, at: len(l.rows), lo: 1})
	}
	l.gaps[len(l.gaps)-1].note(row)
	if l.nRecent == recentOmitted {
		copy(l.recent[:], l.recent[1:])
		l.nRecent--
	}
	l.recent[l.nRecent] = omittedRow{row: row, gap: len(l.gaps) - 1}
	l.nRecent++
}

// unomit takes command seq's rows out of the gap that counted them, as
// they are about to be kept after all: the gap is split where they were,
// the rows after them becoming a gap of their own. A command no longer
// among the recent rows is only uncounted.
func (l *ladder) unomit(seq uint64, rows int) {
	first := -1
	for i := 0; i < l.nRecent; i++ {
		if !l.recent[i].row.timed && l.recent[i].row.cmdSeq == seq {
			first = i
			break
		}
	}
	if first < 0 || l.recent[first].gap != len(l.gaps)-1 {
		// Long gone, or never left out: uncount it from the gap whose
		// control rows span its sequence number, the marker staying
		// where it is.
		for i := len(l.gaps) - 1; i >= 0; i-- {
			if g := &l.gaps[i]; g.count > rows && g.lo <= seq && seq <= g.hi {
				g.count -= rows
				return
			}
		}
		return
	}
	gi := len(l.gaps) - 1
	var after []omittedRow
	mine := 0
	for i := first; i < l.nRecent; i++ {
		if !l.recent[i].row.timed && l.recent[i].row.cmdSeq == seq {
			mine++
		} else {
			after = append(after, l.recent[i])
		}
	}
	g := &l.gaps[gi]
	g.count -= mine + len(after)
	n := copy(l.recent[first:], after)
	l.nRecent = first + n
	if g.count == 0 {
		l.gaps = l.gaps[:gi] // the command began it
	}
	if len(after) == 0 {
		return
	}
	// The rows after the command: a gap of their own, which the kept
	// rows that now follow end.
	ng := lgap{mark: after[0].row, at: -1, lo: 1}
	for _, o := range after {
		ng.note(o.row)
	}
	l.gaps = append(l.gaps, ng)
	for i := first; i < l.nRecent; i++ {
		l.recent[i].gap = len(l.gaps) - 1
	}
}

// lnote is one finding, as the ladder draws it under the row it concerns.
type lnote struct {
	sev      diagnose.Severity
	code     string
	msg      string
	evidence string
	advice   string
	dataID   int
	cmdSeq   uint64
}

// ldata is one row of a session's data-connection table.
type ldata struct {
	id       int
	via      string
	announce string
	conn     string
	outcome  track.Outcome
	failed   bool // its bytes moved, and its transfer failed (TransferFailed)
	detail   string
}

// ladder is what the report keeps of one open session.
type ladder struct {
	rows  []lrow
	extra int    // rows kept past maxLadderRows
	gaps  []lgap // each run of rows not kept between kept ones
	// recent are the last rows not kept, so that a command drawn after
	// all (the failed data connection's) splits its gap where it was.
	recent   [recentOmitted]omittedRow
	nRecent  int
	notes    []lnote
	notesOut int // findings not drawn
	data     []ldata
	dataOut  int // data connections not in the table
	// shape: a hash of what the session did (its commands' verbs and
	// statuses, its replies' codes, its data connections' outcomes, its
	// events' kinds, its findings' codes): sessions of one shape at one
	// server are drawn as one ladder (reportOutput.folds).
	shape uint64
	harm
}

// FNV-1a, 64 bits.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// mixString adds s, and its end, to the shape.
func (l *ladder) mixString(s string) {
	h := l.shape
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	l.shape = (h ^ 0xff) * fnvPrime
}

// mixInt adds n to the shape.
func (l *ladder) mixInt(n int) {
	h := l.shape
	for u := uint64(n); ; u >>= 8 {
		h = (h ^ (u & 0xff)) * fnvPrime
		if u < 0x100 {
			break
		}
	}
	l.shape = (h ^ 0xfe) * fnvPrime
}

// harm is what tells how harmful a session was, which decides whether it
// is drawn (harmRank). The report keeps it for every open session, drawn
// or not, to count those not drawn by rank.
type harm struct {
	worst  int // highest severity of its findings, -1 for none
	failed int // data connections that failed (unanswered, refused, unreachable) and file transfers refused
	// loginFailed: the session's login failed (set at its end). The text
	// summary lists such a session as failed (sessionFailed), so the
	// report does too.
	loginFailed bool
	// pending: the rows of the servers' tables it raised that no session
	// ended yet had: ordered when it ends (serverNote.order).
	pending []*serverNote
}

// harmRank orders sessions for drawing, the most harmful first: a
// routine failed login must not take the place of a session with an
// error finding.
type harmRank uint8

const (
	rankError   harmRank = iota // a finding of error
	rankWarning                 // a finding of warning, none of error
	rankFailed                  // a failed login, data connection or refused transfer, no finding of warning or error
	rankOther                   // the rest
	numRanks
)

// rankNames say each rank in the session index and the "not drawn" line.
var rankNames = [numRanks]string{
	rankError:   "with errors",
	rankWarning: "with warnings",
	rankFailed:  "failed without a warning or error (a failed login, data connection or refused transfer)",
	rankOther:   "others",
}

// rank is the session's harmRank. Failed and warned sessions (the first
// three ranks) are the text summary's failed sessions (sessionFailed).
func (h *harm) rank() harmRank {
	switch {
	case h.worst >= int(diagnose.SeverityError):
		return rankError
	case h.worst >= int(diagnose.SeverityWarning):
		return rankWarning
	case h.failed > 0 || h.loginFailed:
		return rankFailed
	}
	return rankOther
}

// hasNote tells whether a finding concerns data connection id.
func (l *ladder) hasNote(id int) bool {
	for i := range l.notes {
		if l.notes[i].dataID == id {
			return true
		}
	}
	return false
}

// hasCommand tells whether the rows hold command seq already.
func (l *ladder) hasCommand(seq uint64) bool {
	for i := range l.rows {
		if l.rows[i].cmdSeq == seq {
			return true
		}
	}
	return false
}

// cut shortens a label to n columns, keeping the whole as a tooltip.
func cut(r *lrow, n int) {
	if columns(r.text) > n {
		if r.title == "" {
			r.title = r.text
		}
		r.text = shorten(r.text, max(n, 8))
	}
}

// commandRows are a command's arrow and its replies'.
func commandRows(c *track.Command, showPass bool) []lrow {
	line := shown(maskedVerb(c, showPass))
	if c.Arg != "" || c.Verb == "PASS" {
		line += " " + shown(maskedArg(c, showPass))
	}
	if c.Unseen {
		line = "(" + safe(c.Verb) + " not in the capture)"
	}
	// (A line the stream's end delivered is placed by its packet, as an
	// event is: lateLine.)
	cr := lrow{ts: c.TS, seq: c.Seq, from: laneClient, to: laneServer, style: styleCommand, text: line, cmdSeq: c.Seq, event: lateLine(c)}
	if !c.Unseen {
		cr.num = c.Num
	}
	if c.EndpointVia != 0 && !c.EndpointVia.Passive() && !c.Unseen {
		cr.tag = endpointTag(c)
	}
	var notes []string
	if c.Refused {
		notes = append(notes, "refused: no data connection expected")
	}
	switch c.Status {
	case track.StatusNoReply, track.StatusPending:
		notes = append(notes, "no reply seen")
	case track.StatusReplyLost:
		notes = append(notes, "reply lost in a capture gap")
	case track.StatusInterrupted:
		notes = append(notes, "interrupted: the server closed the session")
	case track.StatusAborted:
		notes = append(notes, "aborted")
	case track.StatusJoined:
		notes = append(notes, "joined to the line before it")
	}
	if c.Uncertain {
		notes = append(notes, "pairing uncertain")
	}
	if c.Dropped > 0 {
		notes = append(notes, fmt.Sprintf("%d byte%s over the line limit dropped", c.Dropped, plural(int(c.Dropped))))
	}
	cr.note = strings.Join(notes, "; ")
	rows := []lrow{cr}
	for i := range c.Replies {
		r := replyRow(&c.Replies[i], showPass)
		r.cmdSeq = c.Seq
		if i == len(c.Replies)-1 && c.EndpointVia.Passive() && r.text != "" && c.Replies[i].Code >= 227 && c.Replies[i].Code <= 229 {
			r.tag = endpointTag(c)
		}
		rows = append(rows, r)
	}
	return rows
}

// endpointTag names the endpoint an announcement armed, or why none.
func endpointTag(c *track.Command) string {
	switch {
	case c.EndpointErr != nil:
		return "[malformed: " + safe(c.EndpointErr.Error()) + "]"
	case c.Data != nil:
		return fmt.Sprintf("= %s (data #%d)", c.Data.Announced, c.Data.ID) + looseTag(c)
	case c.Endpoint.IsValid():
		return "= " + c.Endpoint.String() + looseTag(c)
	}
	return ""
}

// looseTag notes an endpoint read from a loosely written argument.
func looseTag(c *track.Command) string {
	if c.EndpointLoose {
		return " " + looseNote
	}
	return ""
}

// replyRow is a reply's arrow: its first line, the others in the tooltip.
func replyRow(r *track.Reply, showPass bool) lrow {
	row := lrow{ts: r.TS, seq: r.Seq, num: r.Num, from: laneServer, to: laneClient, style: styleReply}
	if r.Code >= 400 {
		row.style = styleBadReply
	}
	switch {
	case r.Secret && !showPass:
		row.text = fmt.Sprintf("%d %s", r.Code, mask)
		row.note = echoWhy
	case len(r.Lines) == 0:
		row.text = fmt.Sprint(r.Code)
	default:
		row.text = shown(r.Lines[0])
		if n := len(r.Lines) - 1 + r.LinesDropped; n > 0 {
			row.note = fmt.Sprintf("+%d line%s", n, plural(n))
			lines := make([]string, 0, min(len(r.Lines), 12))
			for i, l := range r.Lines {
				if i == 12 {
					lines = append(lines, "…")
					break
				}
				lines = append(lines, shown(l))
			}
			row.title = strings.Join(lines, "\n")
		}
	}
	return row
}

// eventRow is an event's row; ok is false for events drawn on their
// command instead.
func eventRow(s *track.Session, e *track.Event, showPass bool) (lrow, bool) {
	row := lrow{ts: e.TS, seq: e.Seq, num: e.Num, kind: rowBar, event: true}
	reply := func(why string) {
		row.kind, row.from, row.to, row.style = rowArrow, laneServer, laneClient, styleReply
		if e.Code >= 400 {
			row.style = styleBadReply
		}
		text := safe(e.Text)
		if e.Secret && !showPass {
			text = mask
		}
		row.text = fmt.Sprintf("%d %s", e.Code, text)
		row.note = why
	}
	switch e.Kind {
	case track.EventGap:
		who := "server"
		if e.FromClient {
			who = "client"
		}
		row.text = fmt.Sprintf("capture gap: %d %s bytes %s", e.Bytes, who, gapHow(e))
	case track.EventJunk:
		row.kind, row.style = rowArrow, styleBadReply
		row.from, row.to = laneServer, laneClient
		if e.FromClient {
			row.from, row.to, row.style = laneClient, laneServer, styleCommand
		}
		row.text = "not FTP: " + shown(maskedLine(e, showPass))
	case track.EventUnsolicited:
		reply("unsolicited")
	case track.EventReplyNoCommand:
		reply("reply without a command")
	case track.EventReplyGap:
		reply("to a command lost in a capture gap")
	case track.EventReplyUnseen:
		why := "to a command before the capture started"
		if s.Resumed != nil {
			why = "to a command before the idle close"
		}
		reply(why)
	case track.EventCommandLost, track.EventEndpointMalformed:
		return row, false // said on the command
	case track.EventEncrypted:
		row.text = "control channel encrypted from here (" + safe(e.Text) + ")"
	default:
		row.text = string(e.Kind) + ": " + safe(e.Text)
	}
	return row, true
}

// connectRows are the opening of a control connection that never opened
// (Session.Connect), drawn between the control lanes with the marks of a
// data connection's (dataRows): its SYNs and the answer (RST, ICMP error,
// a SYN-ACK that never reached the client) or its absence. (A session
// that opened gets no row for its SYN: its greeting and commands say it
// opened.)
func connectRows(s *track.Session) []lrow {
	c := s.Connect
	if c == nil {
		return nil
	}
	var rows []lrow
	add := func(ts time.Time, order uint8, a, b lane, st arrowStyle, text string) *lrow {
		rows = append(rows, lrow{ts: ts, timed: true, opening: true, order: order, from: a, to: b, style: st, text: text})
		return &rows[len(rows)-1]
	}
	st := styleSYN
	var icmp *track.ICMPInfo
	fromServer := false
	switch c.How {
	case decode.ConnectUnanswered:
		st = styleLost
	case decode.ConnectUnreachable:
		icmp = &track.ICMPInfo{From: c.ICMP.From, V6: c.ICMP.V6, Type: c.ICMP.Type, Code: c.ICMP.Code, TS: c.AnswerTS, Num: c.AnswerNum}
		// From the server itself (its own firewall): the SYN got there.
		if fromServer = icmp.From.Unmap() == s.Server.Addr().Unmap(); !fromServer {
			st = styleLost
		}
	}
	r := add(s.Start, 0, laneClient, laneServer, st, "SYN")
	r.toMid = st == styleLost
	if c.How == decode.ConnectAnswerLost {
		text := "SYN-ACK, never taken: lost on the way back"
		if c.SynAcks > 1 {
			text = fmt.Sprintf("%d SYN-ACKs, never taken: lost on the way back", c.SynAcks)
		}
		r := add(s.Start, 2, laneServer, laneClient, styleLost, text)
		r.toMid, r.noStamp = true, true // when, the capture keeps not
	}
	if c.SYNs > 1 {
		r := add(c.LastSYN, 3, laneClient, laneServer, st, fmt.Sprintf("SYN again: %d SYNs over %s", c.SYNs, seconds(c.LastSYN.Sub(s.Start))))
		r.toMid = st == styleLost
		if c.How == decode.ConnectUnanswered {
			r.text += ", no answer"
		}
	}
	switch c.How {
	case decode.ConnectRefused:
		text := "RST: refused"
		if c.Refusals > 1 {
			text = fmt.Sprintf("RST: refused (%d RSTs)", c.Refusals)
		}
		add(c.AnswerTS, 5, laneServer, laneClient, styleRefusal, text)
	case decode.ConnectUnreachable:
		add(c.AnswerTS, 5, laneServer, laneClient, styleRefusal, icmpInfoText(icmp)).fromMid = !fromServer
	}
	return rows
}

// dataRows are the packets of a data connection the capture saw, or the
// one it did not: the SYNs (the first, and the last with their count), the
// answer (SYN-ACK, RST, ICMP error) or its absence, the payload each way,
// the FINs and a RST.
func dataRows(d *track.DataConn) []lrow {
	from, to := laneClientData, laneServerData // passive: the client connects
	if !d.Passive {
		from, to = to, from
	}
	var rows []lrow
	add := func(ts time.Time, order uint8, a, b lane, st arrowStyle, text string) *lrow {
		rows = append(rows, lrow{ts: ts, timed: true, order: order, from: a, to: b, style: st, text: text, dataID: d.ID, seq: d.Seq})
		return &rows[len(rows)-1]
	}
	target := d.Announced.String()
	if d.Server.IsValid() {
		target = d.Server.String()
	}
	ends := "→ " + target
	if d.Client.IsValid() {
		ends = d.Client.String() + " → " + target
	}
	id := fmt.Sprintf("#%d ", d.ID)
	switch {
	case d.SYNs > 0:
		st := styleSYN
		// An ICMP error from the host the SYN went to (its own
		// firewall) means the SYN got there: drawn like a RST from it.
		icmpFromTarget := d.Outcome == track.OutcomeUnreachable && d.ICMP != nil && icmpFromListener(d)
		switch {
		case d.Outcome == track.OutcomeUnanswered && !d.SynAckLost, d.Outcome == track.OutcomeUnreachable && !icmpFromTarget:
			st = styleLost
		case d.Outcome == track.OutcomeUndetermined && d.SynAckTS.IsZero():
			st = styleUnknown
		}
		r := add(d.FirstSYN, 0, from, to, st, id+"SYN "+ends)
		r.toMid = st == styleLost || st == styleUnknown
		if d.SYNs > 1 {
			r := add(d.LastSYN, 1, from, to, st, fmt.Sprintf("%sSYN again: %d SYNs over %s", id, d.SYNs, seconds(d.LastSYN.Sub(d.FirstSYN))))
			r.toMid = st == styleLost || st == styleUnknown
		}
		switch d.Outcome {
		case track.OutcomeUnanswered:
			if d.SynAckLost && !d.SynAckTS.IsZero() {
				r := add(d.SynAckTS, 2, to, from, styleLost, id+"SYN-ACK, never taken: lost on the way back")
				r.toMid = true
			}
		case track.OutcomeRefused:
			r := add(d.RSTTS, 5, to, from, styleRefusal, id+"RST: refused")
			if !d.RSTFromServer {
				r.fromMid = true
				r.text = id + "RST from the path, not from " + target
			}
		case track.OutcomeUnreachable:
			if d.ICMP != nil {
				r := add(d.ICMP.TS, 5, to, from, styleRefusal, id+icmpText(d))
				r.fromMid = !icmpFromTarget
			}
		case track.OutcomeUndetermined:
			if d.OneSide != track.BothSides && d.SynAckTS.IsZero() {
				add(d.FirstSYN, 2, from, to, styleUnknown, id+oneSideText(d)).toMid = true
				break
			}
			if after, ok := d.GaveUp(); ok && d.SynAckTS.IsZero() {
				add(d.FirstSYN, 2, from, to, styleUnknown, fmt.Sprintf("%sno answer in the capture: the client gave up %s later", id, briefly(after))).toMid = true
				break
			}
			if d.SynAckTS.IsZero() {
				add(d.FirstSYN, 2, from, to, styleUnknown, fmt.Sprintf("%sno answer yet: the capture %s %s after the SYN", id, endedOrStopped(d), seconds(d.CaptureEndedAfter))).toMid = true
				break
			}
			fallthrough
		default:
			if !d.SynAckTS.IsZero() {
				add(d.SynAckTS, 2, to, from, styleQuietPkt, id+"SYN-ACK")
			}
			addTail(d, from, to, id, add)
		}
	case d.Outcome == track.OutcomeNotAttempted:
		add(d.Armed, 0, from, to, styleNotSent, id+"no SYN to "+d.Announced.String()+": not attempted")
	case d.Outcome == track.OutcomeUndetermined && d.OneSide != track.BothSides:
		add(d.Armed, 0, from, to, styleUnknown, id+"no SYN seen: "+oneSideText(d)).toMid = true
	case d.Outcome == track.OutcomeUndetermined && d.AfterCloseCut():
		add(d.Armed, 0, from, to, styleUnknown, id+"no SYN before its session's close: "+afterCloseCutText).toMid = true
	case d.Outcome == track.OutcomeUndetermined:
		add(d.Armed, 0, from, to, styleUnknown, fmt.Sprintf("%sno SYN yet: the capture %s %s after the announcement", id, endedOrStopped(d), seconds(d.CaptureEndedAfter))).toMid = true
	default:
		// Picked up after its handshake (mid-stream, or inferred).
		ts := d.Start
		if ts.IsZero() {
			ts = d.Armed
		}
		add(ts, 0, from, to, styleQuietPkt, id+ends+" (handshake not in the capture)")
		addTail(d, from, to, id, add)
	}
	return rows
}

// alertRecordLen is a plaintext TLS alert record: a 5-byte header and a
// 2-byte body.
const alertRecordLen = 5 + 2

// addTail adds what followed a data connection's handshake: the payload
// each way, the FINs, a RST.
func addTail(d *track.DataConn, from, to lane, id string, add func(time.Time, uint8, lane, lane, arrowStyle, string) *lrow) {
	// The payload is drawn where it ended: before the first FIN, else
	// at the connection's end.
	at := d.End
	for _, f := range d.FINTS {
		if !f.IsZero() && (at.IsZero() || f.Before(at)) {
			at = f
		}
	}
	if at.IsZero() {
		at = d.SynAckTS
	}
	what := [2]string{"bytes", "bytes"} // indexed like Bytes
	switch {
	case d.DataTLS() == track.DataTLSAlert:
		// An alert and no hello: not a handshake. Each side that began
		// its bytes with one is named.
		server := 0 // the opener in active mode
		if d.Passive {
			server = 1
		}
		alertLabel := func(dir int, by string, a tlshello.Alert) {
			switch {
			case a.IsZero():
			case d.Bytes[dir] == alertRecordLen:
				what[dir] = fmt.Sprintf("bytes: a TLS alert from the %s (%v), no handshake", by, a)
			default:
				what[dir] = fmt.Sprintf("bytes, the first a TLS alert from the %s (%v), no handshake", by, a)
			}
		}
		alertLabel(server, "server", d.TLSServerAlert())
		alertLabel(1-server, "client", d.TLSClientAlert())
	case d.TLSHandshakeOnly():
		what = [2]string{"bytes of TLS handshake only", "bytes of TLS handshake only"}
	}
	if d.Bytes[0] > 0 {
		add(at, 3, from, to, stylePayload, fmt.Sprintf("%s%d %s", id, d.Bytes[0], what[0]))
	}
	if d.Bytes[1] > 0 {
		add(at, 3, to, from, stylePayload, fmt.Sprintf("%s%d %s", id, d.Bytes[1], what[1]))
	}
	if d.TotalBytes() == 0 && (d.Outcome == track.OutcomeConnected || d.Outcome == track.OutcomeTransferred) {
		add(at, 3, from, to, styleQuietPkt, id+"no payload")
	}
	if f := d.FINTS[0]; !f.IsZero() {
		add(f, 4, from, to, styleQuietPkt, id+"FIN")
	}
	if f := d.FINTS[1]; !f.IsZero() {
		add(f, 4, to, from, styleQuietPkt, id+"FIN")
	}
	if !d.RSTTS.IsZero() {
		a, b := from, to
		if d.RSTFromServer {
			a, b = to, from
		}
		add(d.RSTTS, 5, a, b, styleRefusal, id+"RST")
	}
}

// icmpFromListener tells whether an unreachable data connection's ICMP
// error came from the host its SYN was sent to (the listener), not from
// a box on the path.
func icmpFromListener(d *track.DataConn) bool {
	dst := d.Server.Addr()
	if !dst.IsValid() {
		dst = d.Announced.Addr()
	}
	return dst.IsValid() && d.ICMP.From.Unmap() == dst.Unmap()
}

// noteOf is a finding as a ladder note: the same sentences the text
// output writes.
func noteOf(f *diagnose.Finding) lnote {
	n := lnote{sev: f.Severity, code: safe(f.Code), msg: sentence(f.Message), advice: sentence(f.Advice)}
	if f.Evidence != "" || len(f.Packets) > 0 {
		n.evidence = sentence(f.Evidence)
		if len(f.Packets) > 0 && !strings.Contains(f.Evidence, "packet") {
			word := "packets"
			if len(f.Packets) == 1 {
				word = "packet"
			}
			n.evidence = strings.TrimSpace(n.evidence + fmt.Sprintf(" (%s %s)", word, packetList(f.Packets)))
		}
	}
	if f.Data != nil {
		n.dataID = f.Data.ID
	} else if f.Command != nil {
		n.cmdSeq = f.Command.Seq
	}
	return n
}

// ladderItem is a row, a note or a marker in drawing order, with its top.
type ladderItem struct {
	row  *lrow
	note *lnote
	y    int
	h    int
	// lines of a note, wrapped
	lines []noteText
}

type noteText struct {
	class string
	label string // "evidence:", "fix:" on a block's first line
	text  string
	title string // the whole block, on its last line when the block was cut
}

// maxNoteBlockLines bounds the lines of one block of a note (message,
// evidence, one paragraph of advice): a 60,000-character banner quoted
// in evidence is cut there, whole in the tooltip.
const maxNoteBlockLines = 12

// boxLines wraps s to width columns for a note's box: a word longer than
// the box is broken (it would run past the diagram's edge), and past
// maxNoteBlockLines the last line ends in an ellipsis and carries the
// whole of s as its tooltip.
func boxLines(s string, width int) (lines []string, title string) {
	for _, l := range wrap(s, width, "", "") {
		for columns(l) > width {
			if len(lines) >= maxNoteBlockLines {
				break
			}
			r := []rune(l)
			lines = append(lines, string(r[:width]))
			l = string(r[width:])
		}
		if len(lines) >= maxNoteBlockLines {
			lines[len(lines)-1] = shorten(lines[len(lines)-1]+" …", width)
			if !strings.HasSuffix(lines[len(lines)-1], "…") {
				lines[len(lines)-1] += "…"
			}
			return lines, s
		}
		lines = append(lines, l)
	}
	return lines, ""
}

// order puts the rows in drawing order: the control rows in the order the
// session saw them, the data connections' packets merged in by time.
func (l *ladder) order() []*lrow {
	var ctl, timed []*lrow
	for i := range l.rows {
		if l.rows[i].timed {
			timed = append(timed, &l.rows[i])
		} else {
			ctl = append(ctl, &l.rows[i])
		}
	}
	for i := range l.gaps {
		m := new(lrow)
		*m = l.gaps[i].mark
		m.kind, m.count, m.omitEnd, m.event = rowOmitted, l.gaps[i].count, l.gaps[i].end, false
		if m.timed {
			timed = append(timed, m)
		} else {
			ctl = append(ctl, m)
		}
	}
	slices.SortStableFunc(ctl, func(a, b *lrow) int { return cmp.Compare(a.seq, b.seq) })
	// An event reported after rows whose packets came after its own (a
	// capture gap told when the bytes after it came) moves back before
	// them, as the text transcript places it (eventPlaces).
	for k, e := range ctl {
		if !e.event || e.num == 0 {
			continue
		}
		j := k
		for j > 0 && ctl[j-1].num > e.num && ctl[j-1].ts.After(e.ts) {
			j--
		}
		if j < k {
			copy(ctl[j+1:k+1], ctl[j:k])
			ctl[j] = e
		}
	}
	slices.SortStableFunc(timed, func(a, b *lrow) int {
		if c := a.ts.Compare(b.ts); c != 0 {
			return c
		}
		if c := cmp.Compare(a.dataID, b.dataID); c != 0 {
			return c
		}
		return cmp.Compare(a.order, b.order)
	})
	out := make([]*lrow, 0, len(ctl)+len(timed))
	i, j := 0, 0
	for i < len(ctl) || j < len(timed) {
		if j < len(timed) && (i == len(ctl) || timed[j].ts.Before(ctl[i].ts) || timed[j].opening && !ctl[i].ts.Before(timed[j].ts)) {
			out = append(out, timed[j])
			j++
		} else {
			out = append(out, ctl[i])
			i++
		}
	}
	return out
}

// layout places rows, quiet-time markers and notes one under the other.
func (l *ladder) layout() ([]ladderItem, int) {
	rows := l.order()
	lastData := map[int]int{}
	lastCmd := map[uint64]int{}
	for i, r := range rows {
		if r.dataID > 0 {
			lastData[r.dataID] = i
		}
		if r.cmdSeq > 0 {
			lastCmd[r.cmdSeq] = i
		}
	}
	after := make(map[int][]*lnote)
	var tail []*lnote
	for i := range l.notes {
		n := &l.notes[i]
		if k, ok := lastData[n.dataID]; ok && n.dataID > 0 {
			after[k] = append(after[k], n)
		} else if k, ok := lastCmd[n.cmdSeq]; ok && n.cmdSeq > 0 {
			after[k] = append(after[k], n)
		} else {
			tail = append(tail, n)
		}
	}
	var items []ladderItem
	y := headHeight + 6
	var prev time.Time
	for i, r := range rows {
		if !prev.IsZero() && !r.ts.IsZero() && r.ts.Sub(prev) >= quietGap {
			items = append(items, ladderItem{row: &lrow{kind: rowQuiet, ts: r.ts, title: quietLabel(r.ts.Sub(prev))}, y: y, h: gapHeight})
			y += gapHeight
		}
		if !r.ts.IsZero() && r.ts.After(prev) {
			prev = r.ts
		}
		if r.kind == rowOmitted && r.omitEnd.After(prev) {
			prev = r.omitEnd
		}
		h := rowHeight
		if r.kind != rowArrow {
			h = barHeight
		}
		items = append(items, ladderItem{row: r, y: y, h: h})
		y += h
		for _, n := range after[i] {
			it := noteItem(n, y, "")
			items = append(items, it)
			y += it.h
		}
	}
	for _, n := range tail {
		about := ""
		if n.dataID > 0 {
			about = fmt.Sprintf("(about data #%d, not drawn above) ", n.dataID)
		}
		it := noteItem(n, y, about)
		items = append(items, it)
		y += it.h
	}
	return items, y + 10
}

// quietLabel is a quiet-time marker's text.
func quietLabel(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s >= 3600:
		return fmt.Sprintf("… %.1f h …", s/3600)
	case s >= 120:
		return fmt.Sprintf("… %.1f min …", s/60)
	}
	return fmt.Sprintf("… %.1f s …", s)
}

// noteItem wraps a note's sentences to the ladder's width.
func noteItem(n *lnote, y int, about string) ladderItem {
	var lines []noteText
	block := func(class, lead, text string, width int) {
		ls, title := boxLines(text, width)
		for i, l := range ls {
			nt := noteText{class: class, text: l}
			if i == 0 {
				nt.label = lead
			}
			if i == len(ls)-1 {
				nt.title = title
			}
			lines = append(lines, nt)
		}
	}
	block("nm", "", about+n.msg, noteChars-4)
	if n.evidence != "" {
		block("ne", "evidence:", n.evidence, noteChars-11)
	}
	lead := "fix:"
	for _, para := range strings.Split(n.advice, "\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		block("nf", lead, para, noteChars-11)
		lead = ""
	}
	h := 30 + noteLine*len(lines) + 8
	return ladderItem{note: n, y: y, h: h, lines: lines}
}

// writeSVG draws the ladder. Every string from the wire was made safe
// (escape.go) when recorded and is HTML-escaped here. Its tooltips draw
// on tips.
func (l *ladder) writeSVG(w io.Writer, s *track.Session, tips *tipBudget) {
	items, height := l.layout()
	clientHost, serverHost := s.Client.Addr().String(), s.Server.Addr().String()
	fmt.Fprintf(w, `<svg class="ladder" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="ladder diagram of session %d">`+"\n",
		svgWidth, height, svgWidth, height, s.ID)
	heads := [4][2]string{
		{"client data", clientHost},
		{"client", s.Client.String()},
		{"server", s.Server.String()},
		{"server data", serverHost},
	}
	for i, x := range laneX {
		cls := "lane"
		if i == 0 || i == 3 {
			cls = "dlane"
		}
		fmt.Fprintf(w, `<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d"/>`+"\n", cls, x, headHeight-4, x, height-6)
		hc := "hd"
		if i == 0 || i == 3 {
			hc = "hdd"
		}
		fmt.Fprintf(w, `<rect class="%s" x="%d" y="4" width="136" height="38" rx="5"/>`, hc, x-68)
		fmt.Fprintf(w, `<text class="h1" x="%d" y="20">%s</text><text class="h2" x="%d" y="35">%s</text>`+"\n",
			x, heads[i][0], x, esc(shorten(heads[i][1], 18)))
	}
	for i := range items {
		it := &items[i]
		if it.note != nil {
			writeNote(w, it, tips)
			continue
		}
		r := it.row
		switch r.kind {
		case rowArrow:
			writeArrow(w, s, r, it.y, tips)
		case rowBar:
			fmt.Fprintf(w, `<g><rect class="bar" x="%d" y="%d" width="%d" height="%d" rx="3"/>`, laneX[1]-20, it.y+3, laneX[2]-laneX[1]+40, it.h-6)
			writeStamp(w, s, r.ts, it.y+16)
			lr := *r
			cut(&lr, int(float64(laneX[2]-laneX[1]+30)/charWidth))
			fmt.Fprintf(w, `<text class="lbl bart" x="%d" y="%d">%s<tspan class="w">%s</tspan></text></g>`+"\n", (laneX[1]+laneX[2])/2, it.y+16, tips.title(lr.title), esc(lr.text))
		case rowOmitted:
			fmt.Fprintf(w, `<g><rect class="omit" x="%d" y="%d" width="%d" height="%d"/>`, 70, it.y+3, svgWidth-80, it.h-6)
			fmt.Fprintf(w, `<text class="lbl omitt" x="%d" y="%d">… %s not drawn (ladder bound: %d rows) …</text></g>`+"\n",
				svgWidth/2, it.y+16, counted(int64(r.count), "more {command, reply or packet|commands, replies and packets}"), maxLadderRows)
		case rowQuiet:
			y := it.y + it.h/2
			for _, x := range laneX {
				fmt.Fprintf(w, `<rect class="cut" x="%d" y="%d" width="12" height="8"/><path class="zz" d="M%d %d l4 -3 l4 6 l4 -3"/>`, x-6, y-4, x-6, y)
			}
			fmt.Fprintf(w, "\n"+`<text class="lbl quiet" x="%d" y="%d">%s</text>`+"\n", (laneX[1]+laneX[2])/2, y+4, esc(r.title))
		}
	}
	io.WriteString(w, "</svg>\n")
}

// writeStamp writes a row's time since the session began.
func writeStamp(w io.Writer, s *track.Session, ts time.Time, y int) {
	if ts.IsZero() {
		return
	}
	fmt.Fprintf(w, `<text class="ts" x="62" y="%d">+%.3f</text>`, y, max(ts.Sub(s.Start), 0).Seconds())
}

// The tooltips' byte budget (docs/report.md). Wire text is escaped
// twice (a control byte becomes \x01, a quote &#34;), so a reply of
// twelve 240-byte lines made a 12 KB tooltip, and 150 of them a
// megabyte of section.
const (
	// maxTipBytes bounds one tooltip's HTML: past it, it is cut at a
	// whole line (a first line longer than that at a character) and ends
	// in "…". The longest tooltip of the shipped captures is 2.4 KB.
	maxTipBytes = 4 << 10
	// maxSectionTipBytes bounds a section's tooltips together: past it,
	// a tooltip is cut to what is left, or left out. The most of the
	// shipped captures' is 5.8 KB.
	maxSectionTipBytes = 16 << 10
	// minTipBytes: a tooltip is not cut to less; it is left out.
	minTipBytes = 256
)

// tipBudget is what is left of a section's tooltip budget, and what it
// cut: the section says so (writeSection).
type tipBudget struct {
	left         int
	cut, dropped int
}

func newTipBudget() *tipBudget { return &tipBudget{left: maxSectionTipBytes} }

// title is a tooltip element for t, or nothing: t whole when it fits the
// budgets, else cut to them, or left out when too little is left.
func (b *tipBudget) title(t string) string {
	if t == "" {
		return ""
	}
	e := esc(t)
	if len(e) > maxTipBytes || len(e) > b.left {
		limit := min(maxTipBytes, b.left)
		if limit < minTipBytes {
			b.dropped++
			return ""
		}
		e = cutTip(t, limit)
		b.cut++
	}
	b.left -= len(e)
	return "<title>" + e + "</title>"
}

// cutTip is t escaped for HTML and cut to at most limit bytes: its
// first lines that fit whole, then "…"; a first line that does not fit
// is cut at a character. t's escaped whole is longer than limit.
func cutTip(t string, limit int) string {
	const more = "\n…"
	limit -= len(more)
	var out strings.Builder
	first, _, _ := strings.Cut(t, "\n")
	if len(esc(first)) <= limit {
		for i, line := range strings.Split(t, "\n") {
			e := esc(line)
			if i > 0 {
				e = "\n" + e
			}
			if out.Len()+len(e) > limit {
				break
			}
			out.WriteString(e)
		}
		return out.String() + more
	}
	for _, r := range first {
		e := esc(string(r))
		if out.Len()+len(e) > limit {
			break
		}
		out.WriteString(e)
	}
	return out.String() + "…"
}

// esc escapes text for HTML and SVG alike (both <, >, & and quotes).
func esc(s string) string { return html.EscapeString(s) }

// styleClasses are the CSS classes of an arrow's line, head and label.
var styleClasses = [...][3]string{
	styleCommand:  {"ac", "hc", "lc"},
	styleReply:    {"ar", "hr", "lr"},
	styleBadReply: {"ab", "hb", "lb"},
	styleLost:     {"al", "hb", "lb"},
	styleNotSent:  {"an", "hn", "ln"},
	styleRefusal:  {"ab", "hb", "lb"},
	stylePayload:  {"ap", "hp", "lp"},
	styleQuietPkt: {"aq", "hq", "lq"},
	styleSYN:      {"as", "hs", "ls"},
	styleUnknown:  {"au", "hn", "ln"},
}

// writeArrow draws one arrow with its label and time.
func writeArrow(w io.Writer, s *track.Session, r *lrow, top int, tips *tipBudget) {
	y := top + 18
	x1, x2 := laneX[r.from], laneX[r.to]
	mid := x1 + (x2-x1)*62/100
	if r.fromMid {
		x1 = mid
	}
	end := x2
	if r.toMid {
		end = mid
	}
	cls := styleClasses[r.style]
	io.WriteString(w, "<g>")
	if !r.noStamp {
		writeStamp(w, s, r.ts, y+4)
	}
	dir := 1
	if end < x1 {
		dir = -1
	}
	head := 8
	if r.style == stylePayload {
		head = 12
	}
	switch {
	case r.style == styleLost:
		fmt.Fprintf(w, `<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d"/>`, cls[0], x1, y, end, y)
		fmt.Fprintf(w, `<path class="x" d="M%d %d l10 10 m0 -10 l-10 10"/>`, end-5, y-5)
	case r.style == styleUnknown:
		fmt.Fprintf(w, `<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d"/>`, cls[0], x1, y, end, y)
		fmt.Fprintf(w, `<text class="q" x="%d" y="%d">?</text>`, end+dir*8, y+5)
	case r.style == styleNotSent:
		fmt.Fprintf(w, `<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d"/>`, cls[0], x1+dir*10, y, end-dir*head, y)
		fmt.Fprintf(w, `<polygon class="%s" points="%d,%d %d,%d %d,%d"/>`, cls[1], end, y, end-dir*head, y-4, end-dir*head, y+4)
		fmt.Fprintf(w, `<path class="x" d="M%d %d l10 10 m0 -10 l-10 10"/>`, x1-5, y-5)
	default:
		fmt.Fprintf(w, `<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d"/>`, cls[0], x1, y, end-dir*head, y)
		hw := 4
		if r.style == stylePayload {
			hw = 7
		}
		fmt.Fprintf(w, `<polygon class="%s" points="%d,%d %d,%d %d,%d"/>`, cls[1], end, y, end-dir*head, y-hw, end-dir*head, y+hw)
		if r.fromMid {
			fmt.Fprintf(w, `<circle class="hb" cx="%d" cy="%d" r="4"/>`, x1, y)
		}
	}
	// The label, centred on the lanes it joins, cut to fit.
	lo, hi := min(laneX[r.from], laneX[r.to]), max(laneX[r.from], laneX[r.to])
	// A control arrow's label may reach over the control lanes (its halo
	// keeps it legible): most replies fit whole.
	room := int(float64(max(hi-lo, 640)-24) / charWidth)
	lr := *r
	extra := 0
	if lr.tag != "" {
		extra += 1 + columns(lr.tag)
	}
	if lr.note != "" {
		extra += 3 + columns(lr.note)
	}
	if columns(lr.text)+extra > room {
		if lr.title == "" {
			lr.title = strings.TrimSpace(lr.text + " " + lr.tag + " " + lr.note)
			if hasRightToLeft(lr.text) {
				// A tooltip is plain text, with no run to isolate: the
				// annotation goes first, out of the wire text's reach.
				lr.title = strings.TrimSpace(lr.tag+" "+lr.note) + ": " + lr.text
			}
		}
		if room-extra < 16 {
			lr.note = shorten(lr.note, max(room-columns(lr.text)-columns(lr.tag)-4, 8))
			extra = 0
			if lr.tag != "" {
				extra += 1 + columns(lr.tag)
			}
			if lr.note != "" {
				extra += 3 + columns(lr.note)
			}
		}
		lr.text = shorten(lr.text, max(room-extra, 12))
	}
	// The wire text and ftpsniff's words after it are isolated runs
	// (.w, .tag, .nt: unicode-bidi isolate, left to right), so that a
	// Hebrew letter in a 227 cannot draw "= 10.0.0.1:40000" into its
	// right-to-left run (see isolated).
	fmt.Fprintf(w, `<text class="lbl %s" x="%d" y="%d">%s<tspan class="w">%s</tspan>`, cls[2], (lo+hi)/2, y-5, tips.title(lr.title), esc(lr.text))
	if lr.tag != "" {
		fmt.Fprintf(w, ` <tspan class="tag">%s</tspan>`, esc(lr.tag))
	}
	if lr.note != "" {
		fmt.Fprintf(w, ` <tspan class="nt">(%s)</tspan>`, esc(lr.note))
	}
	io.WriteString(w, "</text></g>\n")
}

// writeNote draws a finding's box: its severity as a word, a shape and a
// colour; what is wrong, the evidence and the fix.
func writeNote(w io.Writer, it *ladderItem, tips *tipBudget) {
	n := it.note
	sev := min(int(n.sev), 2)
	cls := [...]string{"ni", "nw", "nx"}[sev]
	x, y := noteLeft, it.y+4
	fmt.Fprintf(w, `<g class="%s"><rect class="nb" x="%d" y="%d" width="%d" height="%d" rx="4"/>`, cls, x, y, svgWidth-noteLeft-12, it.h-8)
	ix, iy := x+14, y+14
	switch sev {
	case 2: // error: an X in a square
		fmt.Fprintf(w, `<rect class="ic" x="%d" y="%d" width="14" height="14"/><path class="icx" d="M%d %d l8 8 m0 -8 l-8 8"/>`, ix-7, iy-7, ix-4, iy-4)
	case 1: // warning: a triangle with "!"
		fmt.Fprintf(w, `<polygon class="ic" points="%d,%d %d,%d %d,%d"/><text class="ict" x="%d" y="%d">!</text>`, ix, iy-8, ix+8, iy+7, ix-8, iy+7, ix, iy+5)
	default: // info: a circle with "i"
		fmt.Fprintf(w, `<circle class="ic" cx="%d" cy="%d" r="7"/><text class="ict" x="%d" y="%d">i</text>`, ix, iy, ix, iy+4)
	}
	fmt.Fprintf(w, `<text class="nh" x="%d" y="%d">%s %s</text>`+"\n", x+30, y+18, strings.ToUpper(diagnose.Severity(sev).String()), esc(n.code))
	for i, l := range it.lines {
		ly := y + 18 + noteLine*(i+1) + 2
		tx := x + 30
		if l.class != "nm" {
			tx += noteIndent
		}
		if l.label != "" {
			fmt.Fprintf(w, `<text class="nl" x="%d" y="%d">%s</text>`, x+30, ly, l.label)
		}
		fmt.Fprintf(w, `<text class="%s" x="%d" y="%d">%s%s</text>`+"\n", l.class, tx, ly, tips.title(l.title), esc(l.text))
	}
	io.WriteString(w, "</g>\n")
}

// endedOrStopped says how the capture cut an undetermined data
// connection's wait: it ended, or it stopped between two of its files
// (track.DataConn.InBreak).
func endedOrStopped(d *track.DataConn) string {
	if d.InBreak() {
		return "stopped between its files"
	}
	return "ended"
}
