package main

import (
	"bufio"
	"cmp"
	"crypto/sha1"
	"encoding/binary"
	"io"
	"math/bits"
	"net/netip"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// zeekOutput writes `--format zeek`: Zeek's ftp.log, one JSON object per
// line as Zeek's JSON log writer writes it (LogAscii::use_json, epoch
// timestamps, record fields flattened with dots). Field names and meanings
// are those of Zeek's FTP::Info (base/protocols/ftp/info.zeek); what Zeek
// does not know (the data connection's outcome, the findings, the Community
// IDs, the observer) is in added fields prefixed "ftpsniff.". docs/json.md
// documents the mapping.
//
// Zeek writes a line when a command's reply is in. ftpsniff holds a
// session's lines until the session ends, because the diagnosis may add a
// finding to a line later: a 425/426 reply names the data connection of an
// earlier line (server-data-error), and the session's end judges its PORTs
// (ftp-bounce) and its control channel (control-encrypted). Every finding
// goes on a line: its command's, its data connection's announcing or
// transfer line, else the session's last line (a line of its own, with no
// command, when the session has none). Held lines are bounded per session
// (maxZeekHeld) and in all (maxZeekHeldTotal); past a bound the oldest are
// written early, and a finding that arrives after its line was written
// goes on the session's last line and is counted in the summary's "zeek"
// object (findings_after_line). In live a line waits a bounded time
// instead (zeekLiveHold, release).
type zeekOutput struct {
	w        *bufio.Writer
	line     jsonWriter
	showPass bool
	ids      idOptions
	err      error
	// notes receives what ftp.log has no place for: the summary record
	// with every limit hit (standard error).
	notes    io.Writer
	overlaps overlapList // inputs that overlap in time (tellOverlap)
	sessions map[*track.Session]*zeekSession
	counts   zeekCounts
	held     int // lines held over all sessions
	// holdFor and holdMax: in live, how long a line waits for the
	// findings about it (release); 0 holds it until its session ends.
	holdFor, holdMax time.Duration
	due              []zeekDue // release's scratch
	// idleEnded: what each session closed as idle hands on to the
	// session that continues it (track.Session.Resumed), by session ID:
	// the same connection, so the same uid, password and working
	// directory. idleOrder lists the IDs oldest first; at most
	// maxZeekIdleEnded are kept (keepIdleEnd).
	idleEnded map[int]zeekCarry
	idleOrder []int
}

// zeekCarry is what a session closed as idle hands on.
type zeekCarry struct{ uid, password, cwd string }

// maxZeekIdleEnded bounds the sessions closed as idle whose uid is kept
// for a continuation: the tracker links a continuation to one of the
// last 1,024 it closed (track's maxIdleEnded), one tracker per worker in
// live --workers. A continuation not found here gets a uid of its own.
const maxZeekIdleEnded = 4096

type zeekCounts struct {
	sessions, data int
	outcomes       map[string]int
	notes          zeekNotes
}

// zeekNotes counts the findings that did not go on the line they concern;
// the summary on standard error carries them (as "zeek"), so that none is
// lost without a trace.
type zeekNotes struct {
	// FindingsAfterLine: findings that arrived after their line was
	// written (a session past maxZeekHeld lines); they went on the
	// session's last line instead.
	FindingsAfterLine int `json:"findings_after_line,omitempty"`
	// FindingsOverBound: findings beyond maxZeekFindings of one session,
	// counted, not written.
	FindingsOverBound int `json:"findings_over_bound,omitempty"`
	// FindingsWithoutSession: findings about no session, or about a
	// session whose lines were all written; ftp.log has no line for them.
	FindingsWithoutSession int `json:"findings_without_session,omitempty"`
}

// zeekSummary is the summary record of --json, plus zeekNotes.
type zeekSummary struct {
	jsonSummary
	Zeek *zeekNotes `json:"zeek,omitempty"`
}

const (
	// maxZeekHeld bounds the lines one session holds back until its end.
	maxZeekHeld = 64
	// maxZeekHeldTotal bounds the lines held over all sessions: past it,
	// a session that adds a line writes all but its last.
	maxZeekHeldTotal = 1 << 16
	// maxZeekFindings bounds the findings one session keeps for its lines.
	maxZeekFindings = 1024

	// In live, a session's lines do not wait for its end, which may be
	// hours away (an interactive client, keepalives): a line is written
	// once it has waited zeekLiveHold of packet time and the data
	// connection it announced or used is decided, or once it has waited
	// zeekLiveHoldMax whatever, so that a log shipper tailing the output
	// sees it within a minute or so. A finding that arrives later goes on
	// the session's last line (findings_after_line), as past maxZeekHeld.
	zeekLiveHold    = 30 * time.Second
	zeekLiveHoldMax = 5 * time.Minute
)

// hidden stands for a password, as Zeek writes it.
const hidden = "<hidden>"

type zeekSession struct {
	uid string
	cid string
	// The session's addresses as written, formatted once.
	origH, respH string
	password     string
	// cwd is the working directory as Zeek keeps it: the tracker's when
	// it knows it, else relative to "." (Zeek's default), followed
	// through CWD and CDUP (zeekJoin).
	cwd  string
	held []*zeekLine
	// writtenThrough is the index of the last line written before the
	// session ended (0: none).
	writtenThrough int
	// pending: findings waiting for the line they belong to, in arrival
	// order (at most maxZeekFindings).
	pending []zeekFinding
}

// zeekFinding is a finding's code and what it is about.
type zeekFinding struct {
	code string
	cmd  *track.Command
	data *track.DataConn
	// controlOnly: diagnose.Finding.ControlOnly.
	controlOnly bool
}

// zeekLine is one ftp.log line, and what it is about.
type zeekLine struct {
	rec       zeekFTP
	cmd       *track.Command
	announce  *track.DataConn   // the data connection the command armed
	transfers []*track.DataConn // the data connections the command used
	// data is the one whose outcome the line carries: announce, else the
	// last of transfers. decided: what the line needs of it was copied
	// (noteData) when it was reported, under the lock the sink's calls
	// hold with live --workers: release, on the ticker's goroutine, reads
	// no field of it.
	data    *track.DataConn
	decided bool
}

// zeekFTP is FTP::Info as Zeek logs it, then ftpsniff's fields.
type zeekFTP struct {
	TS        zeekTime `json:"ts"`
	UID       string   `json:"uid"`
	OrigH     string   `json:"id.orig_h"`
	OrigP     uint16   `json:"id.orig_p"`
	RespH     string   `json:"id.resp_h"`
	RespP     uint16   `json:"id.resp_p"`
	User      string   `json:"user"`
	Password  string   `json:"password,omitempty"`
	Command   string   `json:"command,omitempty"`
	Arg       string   `json:"arg,omitempty"`
	MimeType  string   `json:"mime_type,omitempty"`
	FileSize  *uint64  `json:"file_size,omitempty"`
	ReplyCode *int     `json:"reply_code,omitempty"`
	ReplyMsg  *string  `json:"reply_msg,omitempty"`
	DCPassive *bool    `json:"data_channel.passive,omitempty"`
	DCOrigH   string   `json:"data_channel.orig_h,omitempty"`
	DCRespH   string   `json:"data_channel.resp_h,omitempty"`
	DCRespP   *uint16  `json:"data_channel.resp_p,omitempty"`
	FUID      string   `json:"fuid,omitempty"`

	Session     int      `json:"ftpsniff.session"`
	Index       int      `json:"ftpsniff.index"`
	Status      string   `json:"ftpsniff.status"`
	Data        int      `json:"ftpsniff.data,omitempty"`
	Outcome     string   `json:"ftpsniff.outcome,omitempty"`
	Findings    []string `json:"ftpsniff.findings,omitempty"`
	ControlOnly bool     `json:"ftpsniff.control_only,omitempty"`
	Uncertain   bool     `json:"ftpsniff.uncertain,omitempty"`
	Unseen      bool     `json:"ftpsniff.unseen,omitempty"`
	// RestNotCaptured: a capture gap took the rest of the command's line
	// (the command record's rest_not_captured): arg is only its start.
	RestNotCaptured bool   `json:"ftpsniff.rest_not_captured,omitempty"`
	CommunityID     string `json:"ftpsniff.community_id,omitempty"`
	DataCID         string `json:"ftpsniff.data_community_id,omitempty"`
	Observer        string `json:"ftpsniff.observer,omitempty"`
	// The bytes of a string field that is not valid UTF-8, base64.
	UserRaw     []byte `json:"ftpsniff.user_raw,omitempty"`
	PasswordRaw []byte `json:"ftpsniff.password_raw,omitempty"`
	CommandRaw  []byte `json:"ftpsniff.command_raw,omitempty"`
	ArgRaw      []byte `json:"ftpsniff.arg_raw,omitempty"`
	ReplyMsgRaw []byte `json:"ftpsniff.reply_msg_raw,omitempty"`
}

// zeekTime is a Zeek JSON timestamp: seconds since the epoch with
// microseconds (JSON::TS_EPOCH, the default of LogAscii::json_timestamps).
type zeekTime time.Time

func (t zeekTime) MarshalJSON() ([]byte, error) {
	return appendZeekTime(nil, time.Time(t)), nil
}

func newZeekOutput(w *bufio.Writer, showPass bool, ids idOptions) *zeekOutput {
	// The observer is a field of its own here, not the native "observer".
	return &zeekOutput{w: w, showPass: showPass, ids: ids, notes: os.Stderr,
		sessions: map[*track.Session]*zeekSession{}, counts: zeekCounts{outcomes: map[string]int{}}}
}

func (o *zeekOutput) write(r *zeekFTP) {
	if o.err != nil {
		return
	}
	_, o.err = o.w.Write(r.appendTo(&o.line))
}

func (o *zeekOutput) Flush() error {
	if err := o.w.Flush(); o.err == nil {
		o.err = err
	}
	return o.err
}

func (o *zeekOutput) session(s *track.Session) *zeekSession {
	if zs := o.sessions[s]; zs != nil {
		return zs
	}
	zs := &zeekSession{cid: o.ids.communityID(s.Client, s.Server),
		origH: s.Client.Addr().String(), respH: s.Server.Addr().String()}
	if c, ok := o.resumed(s); ok {
		// The continuation of a session closed as idle: one connection
		// to Zeek, one uid (docs/json.md), and the password and
		// directory it had.
		zs.uid, zs.password, zs.cwd = c.uid, c.password, c.cwd
	} else {
		zs.uid = zeekUID(o.ids.Observer, s)
	}
	o.sessions[s] = zs
	return zs
}

// resumed returns what the session s continues handed on, if s is a
// continuation the tracker linked and its part is still kept.
func (o *zeekOutput) resumed(s *track.Session) (zeekCarry, bool) {
	if s.Resumed == nil || s.Resumed.From == 0 {
		return zeekCarry{}, false
	}
	c, ok := o.idleEnded[s.Resumed.From]
	delete(o.idleEnded, s.Resumed.From)
	return c, ok
}

// keepIdleEnd keeps what the session id, closed as idle, hands on to a
// continuation, forgetting the oldest kept past maxZeekIdleEnded.
func (o *zeekOutput) keepIdleEnd(id int, zs *zeekSession) {
	keepIdleEnded(&o.idleEnded, &o.idleOrder, id, zeekCarry{uid: zs.uid, password: zs.password, cwd: zs.cwd})
}

// keepIdleEnded keeps v for the session id closed as idle in kept, order
// listing the IDs oldest first, forgetting the oldest past
// maxZeekIdleEnded: the bound --format zeek and the JSON session_uid
// share.
func keepIdleEnded[V any](kept *map[int]V, order *[]int, id int, v V) {
	if *kept == nil {
		*kept = map[int]V{}
	}
	if len(*order) >= 2*maxZeekIdleEnded {
		// Drop the IDs picked up (or forgotten) since.
		*order = slices.DeleteFunc(*order, func(k int) bool {
			_, ok := (*kept)[k]
			return !ok
		})
	}
	for len(*kept) >= maxZeekIdleEnded && len(*order) > 0 {
		delete(*kept, (*order)[0])
		*order = (*order)[1:]
	}
	(*kept)[id] = v
	*order = append(*order, id)
}

// zeekUID makes a connection uid the way Zeek writes them ("C" and up to
// 17 base62 digits of 96 bits), from what identifies the connection (its
// first packet's time, its addresses, the observer), so that a capture
// read twice gives the same uids; not the session's number, which
// depends on the view (a carved file, live workers, a filter) and
// restarts every run: the uid is the JSON records' session_uid, their key
// across runs. It does not match the uid Zeek gives the same connection:
// join on the Community ID.
//
// The hashed bytes are assembled on the stack and the 96 bits turned into
// digits by hand, not through String, a hasher and math/big: it is made
// once for every session of a JSON run (session_uid), and those were
// eight allocations and most of its cost (TestZeekUIDMatchesBigText).
func zeekUID(observer string, s *track.Session) string {
	var buf [128]byte
	b := binary.BigEndian.AppendUint64(buf[:0], uint64(s.Start.UnixNano()))
	b = appendAddrPortString(b, s.Client)
	b = append(b, ' ')
	b = appendAddrPortString(b, s.Server)
	b = append(b, ' ')
	b = append(b, observer...)
	sum := sha1.Sum(b)
	return string(appendBase62(append(buf[:0], 'C'), sum[:12]))
}

// appendAddrPortString appends ap.String(): AppendTo writes nothing for
// an address that is not valid.
func appendAddrPortString(b []byte, ap netip.AddrPort) []byte {
	if !ap.IsValid() {
		return append(b, "invalid AddrPort"...)
	}
	return ap.AppendTo(b)
}

// appendBase62 appends the 96-bit big-endian number x (12 bytes) in base
// 62, as big.Int's Text(62) writes it: digits 0-9a-zA-Z, no leading
// zeros, "0" for zero.
func appendBase62(b []byte, x []byte) []byte {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	hi, lo := uint64(binary.BigEndian.Uint32(x[:4])), binary.BigEndian.Uint64(x[4:12])
	var text [17]byte // 62^17 > 2^96
	i := len(text)
	for {
		var r uint64
		hi, r = hi/62, hi%62
		lo, r = bits.Div64(r, lo, 62)
		i--
		text[i] = digits[r]
		if hi == 0 && lo == 0 {
			break
		}
	}
	return append(b, text[i:]...)
}

func (o *zeekOutput) SessionStart(s *track.Session) { o.session(s) }

func (o *zeekOutput) Event(*track.Session, *track.Event) {}

func (o *zeekOutput) Command(s *track.Session, c *track.Command) {
	zs := o.session(s)
	secret := c.Secret && !o.showPass
	if c.LoginVerb() == "PASS" { // (the password line, however mangled; not an ACCT's)
		zs.password = c.Arg
		if secret {
			zs.password = hidden
		}
	}
	l := &zeekLine{cmd: c, rec: zeekFTP{
		TS: zeekTime(c.TS), UID: zs.uid,
		OrigH: zs.origH, OrigP: s.Client.Port(), RespH: zs.respH, RespP: s.Server.Port(),
		User: s.User, Password: zs.password, Command: c.Verb, Arg: c.Arg,
		Session: s.ID, Index: c.Index, Status: c.Status.String(), Uncertain: c.Uncertain, Unseen: c.Unseen,
		RestNotCaptured: c.RestNotCaptured(), CommunityID: zs.cid, Observer: o.ids.Observer,
	}}
	if c.TS.IsZero() && len(c.Replies) > 0 {
		l.rec.TS = zeekTime(c.Replies[0].TS)
	}
	if l.rec.User == "" {
		l.rec.User = "<unknown>" // FTP::Info's default
	}
	if c.Cwd != "" {
		zs.cwd = c.Cwd // the tracker knows it
	}
	if secret {
		if c.Verb != "PASS" && c.Verb != "ACCT" {
			l.rec.Command = hidden
		}
		if c.Arg != "" {
			l.rec.Arg = hidden
		}
	} else if c.SecretArg && !o.showPass && c.Arg != "" {
		l.rec.Arg = firstWord(c.Arg) + " " + hidden
	} else if zeekFileCommands[c.Verb] && c.Arg != "" {
		l.rec.Arg = zeekURL(s.Server.Addr(), zs.cwd, c.Arg)
	}
	r := c.Final()
	if r == nil && len(c.Replies) > 0 {
		r = &c.Replies[len(c.Replies)-1]
	}
	if r != nil {
		code, msg := r.Code, zeekReplyMsg(r.Text)
		if r.Secret && !o.showPass {
			msg = hidden
		}
		l.rec.ReplyCode, l.rec.ReplyMsg = &code, &msg
		if c.Verb == "SIZE" && code == 213 {
			if n, err := strconv.ParseUint(strings.TrimSpace(msg), 10, 64); err == nil {
				l.rec.FileSize = &n
			}
		}
		if !c.Secret {
			zs.cwd = zeekCwdAfter(zs.cwd, c.Verb, c.Arg, code)
		}
	} else if !c.Secret {
		zs.cwd = zeekCwdAfter(zs.cwd, c.Verb, c.Arg, 0)
	}
	// data_channel unless the server refused the announcement (one
	// without a reply keeps it). Zeek's main.zeek sets it for a PORT or
	// EPRT when it sees the request (its argument parsed), whatever the
	// reply, and for a PASV or EPSV at its 227 or 229 reply.
	if c.EndpointVia != 0 && c.EndpointErr == nil && !c.Refused && c.Data != nil {
		ep := c.Data.Announced
		passive := c.EndpointVia.Passive()
		orig := s.Server.Addr() // active: the server connects
		if passive {
			orig = s.Client.Addr()
		}
		if ep.IsValid() {
			port := ep.Port()
			l.rec.DCPassive, l.rec.DCOrigH, l.rec.DCRespH, l.rec.DCRespP = &passive, orig.String(), ep.Addr().String(), &port
		}
		l.announce = c.Data
	}
	l.transfers = c.Transfer
	l.data = l.announce
	if l.data == nil && len(l.transfers) > 0 {
		l.data = l.transfers[len(l.transfers)-1]
	}
	if l.data != nil {
		l.rec.Data = l.data.ID
		if l.data.Done {
			o.noteData(l, l.data) // reported before its transfer's final reply
		}
	}
	zs.held = append(zs.held, l)
	o.held++
	switch {
	case len(zs.held) > maxZeekHeld:
		o.writeOldest(zs, len(zs.held)-maxZeekHeld, true)
	case o.held > maxZeekHeldTotal:
		o.writeOldest(zs, len(zs.held)-1, true)
	}
}

// zeekReplyMsg is reply_msg as Zeek logs it: Zeek sets it at every line
// of a reply, so a multi-line reply leaves its last line's text (the code
// already taken off by the tracker).
func zeekReplyMsg(text string) string {
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		return text[i+1:]
	}
	return text
}

// zeekCwdAfter follows the working directory as Zeek does
// (directory_cmds in base/protocols/ftp/main.zeek): a CWD answered 250
// joins its argument, a CDUP answered 200 or 250 goes up. A PWD's 257 is
// the tracker's to read (the next command's Cwd). A CWD or CDUP whose
// reply the capture lacks (code 0: lost in a gap, or none came) leaves the
// directory unknown ("."): Zeek keeps the old one, and every later URL of
// the session names a directory the client is not in.
func zeekCwdAfter(cwd, verb, arg string, code int) string {
	next := cwd
	switch {
	case code == 0 && (verb == "CWD" || verb == "CDUP"):
		next = "."
	case verb == "CWD" && code == 250 && arg != "":
		next = zeekJoin(cwd, arg)
	case verb == "CDUP" && (code == 200 || code == 250):
		next = zeekJoin(cwd, "..")
	}
	if len(next) > zeekMaxCwd {
		// Every held line keeps its URL: a client descending without
		// end would make each longer than all the names before it.
		return "."
	}
	return next
}

// zeekMaxCwd bounds the working directory the writer follows (Linux's
// PATH_MAX, as the tracker's); past it the directory is unknown, ".".
const zeekMaxCwd = 4096

// zeekJoin joins a path to a working directory as Zeek's
// build_path_compressed does: an absolute path stands alone; a directory
// not known ("" or ".") is ".", so a relative one stays relative ("./di").
func zeekJoin(cwd, arg string) string {
	switch {
	case strings.HasPrefix(arg, "/"):
		return path.Clean(arg)
	case strings.HasPrefix(cwd, "/"):
		return path.Clean(cwd + "/" + arg)
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(cwd, "."), "/")
	p := path.Join(rel, arg)
	if p == "." {
		return "."
	}
	return "./" + p
}

// writeOldest writes the session's n oldest held lines before its end;
// mayRead: in a call of the sink's, where their data connections may be
// read (finishLine).
func (o *zeekOutput) writeOldest(zs *zeekSession, n int, mayRead bool) {
	for i := 0; i < n && len(zs.held) > 0; i++ {
		l := zs.held[0]
		zs.held[0] = nil
		zs.held = zs.held[1:]
		o.held--
		o.attach(zs, l)
		zs.writtenThrough = l.rec.Index
		o.finishLine(l, mayRead)
	}
}

// at is the line's packet time (its ts).
func (l *zeekLine) at() time.Time { return time.Time(l.rec.TS) }

// zeekDue is a session with lines to write early (release).
type zeekDue struct {
	zs *zeekSession
	n  int // its oldest n held lines
	id int // the session's ID, for a stable order
}

// release writes, in live (holdFor > 0), each session's oldest held lines
// that have waited long enough at packet time now (zeekLiveHold), the
// sessions in the order of their oldest line.
func (o *zeekOutput) release(now time.Time) {
	if o.holdFor <= 0 || o.held == 0 {
		return
	}
	due := o.due[:0]
	for s, zs := range o.sessions {
		n := 0
		for _, l := range zs.held {
			if !o.lineDue(l, now) {
				break // a session's lines go out in order
			}
			n++
		}
		if n > 0 {
			due = append(due, zeekDue{zs: zs, n: n, id: s.ID})
		}
	}
	slices.SortFunc(due, func(a, b zeekDue) int {
		if c := a.zs.held[0].at().Compare(b.zs.held[0].at()); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	for _, d := range due {
		o.writeOldest(d.zs, d.n, false) // the ticker's goroutine: no DataConn is read
	}
	clear(due)
	o.due = due[:0]
}

// lineDue tells whether a held line has waited long enough: holdMax, or
// holdFor once the data connection it announced or used is decided.
func (o *zeekOutput) lineDue(l *zeekLine, now time.Time) bool {
	waited := now.Sub(l.at())
	switch {
	case waited >= o.holdMax:
		return true
	case waited < o.holdFor:
		return false
	}
	return l.data == nil || l.decided
}

// attach moves to l the pending findings about its command, the data
// connection it announced, or one it used.
func (o *zeekOutput) attach(zs *zeekSession, l *zeekLine) {
	kept := zs.pending[:0]
	for _, f := range zs.pending {
		if l.about(f) {
			l.rec.Findings = append(l.rec.Findings, f.code)
			l.rec.ControlOnly = l.rec.ControlOnly || f.controlOnly
		} else {
			kept = append(kept, f)
		}
	}
	clear(zs.pending[len(kept):])
	zs.pending = kept
}

func (l *zeekLine) about(f zeekFinding) bool {
	if f.data != nil {
		if l.announce == f.data {
			return true
		}
		for _, d := range l.transfers {
			if d == f.data {
				return true
			}
		}
		return false
	}
	return f.cmd != nil && f.cmd == l.cmd
}

// lineWritten tells whether the line f belongs on was written before the
// session ended: its command's, or its data connection's announcing or
// transfer command's.
func (zs *zeekSession) lineWritten(f zeekFinding) bool {
	written := func(c *track.Command) bool { return c != nil && c.Index <= zs.writtenThrough }
	if f.data != nil {
		return written(f.data.Announce) || written(f.data.Command)
	}
	return written(f.cmd)
}

// noteData copies to l what its data connection d showed. Called where d
// may be read: in the sink's calls (Command, Data, SessionEnd), never on
// release's goroutine.
func (o *zeekOutput) noteData(l *zeekLine, d *track.DataConn) {
	l.rec.Data = d.ID
	if d.Done {
		l.rec.Outcome = d.Outcome.String()
		l.rec.DataCID = o.ids.communityID(d.Client, d.Server)
		l.decided = true
	}
	if l.rec.Command == "RETR" && l.rec.FileSize == nil && d.ExpectedSize >= 0 {
		n := uint64(d.ExpectedSize)
		l.rec.FileSize = &n
	}
}

// finishLine adds what the data connection showed, then writes the line.
// Without mayRead (release) only what noteData copied is there.
func (o *zeekOutput) finishLine(l *zeekLine, mayRead bool) {
	if l.data != nil && !l.decided && mayRead {
		o.noteData(l, l.data)
	}
	r := &l.rec
	r.UserRaw, r.PasswordRaw, r.CommandRaw, r.ArgRaw = rawOf(r.User), rawOf(r.Password), rawOf(r.Command), rawOf(r.Arg)
	if r.ReplyMsg != nil {
		r.ReplyMsgRaw = rawOf(*r.ReplyMsg)
	}
	o.write(r)
}

func (o *zeekOutput) Data(s *track.Session, d *track.DataConn) {
	o.counts.data++
	o.counts.outcomes[d.Outcome.String()]++
	zs := o.session(s)
	for _, l := range zs.held {
		if l.data != d {
			continue
		}
		if l.announce != d && d.Command != l.cmd {
			// A transfer command refused before using it gave it on
			// (track's reoffer): the line that took it first has none.
			l.data, l.rec.Data = nil, 0
			continue
		}
		o.noteData(l, d)
	}
}

// SessionEnd writes the session's lines: every finding is in by now (the
// diagnosis reports the session's before it passes the end on). Findings
// whose line is not held go on the last line; a session without a line
// gets one of its own when it has findings.
func (o *zeekOutput) SessionEnd(s *track.Session) {
	if s.Counted() {
		o.counts.sessions++
	}
	zs := o.sessions[s]
	if zs == nil {
		return
	}
	delete(o.sessions, s)
	if s.EndReason == track.EndIdle {
		o.keepIdleEnd(s.ID, zs)
	}
	for _, l := range zs.held {
		o.attach(zs, l)
	}
	if len(zs.pending) > 0 && len(zs.held) == 0 {
		zs.held = append(zs.held, o.sessionLine(s, zs))
		o.held++
	}
	if len(zs.pending) > 0 {
		last := zs.held[len(zs.held)-1]
		for _, f := range zs.pending {
			if zs.lineWritten(f) {
				o.counts.notes.FindingsAfterLine++
			}
			last.rec.Findings = append(last.rec.Findings, f.code)
			last.rec.ControlOnly = last.rec.ControlOnly || f.controlOnly
		}
		zs.pending = nil
	}
	for i, l := range zs.held {
		zs.held[i] = nil
		o.held--
		o.finishLine(l, true)
	}
	zs.held = nil
}

// sessionLine is the line of a session that has no command line (its
// control channel encrypted from the start, or no command at all), for
// its findings: no command, ftpsniff.index 0, ftpsniff.status "session".
func (o *zeekOutput) sessionLine(s *track.Session, zs *zeekSession) *zeekLine {
	l := &zeekLine{rec: zeekFTP{
		TS: zeekTime(s.Start), UID: zs.uid,
		OrigH: zs.origH, OrigP: s.Client.Port(), RespH: zs.respH, RespP: s.Server.Port(),
		User: s.User, Password: zs.password, Session: s.ID, Status: "session",
		CommunityID: zs.cid, Observer: o.ids.Observer,
	}}
	if l.rec.User == "" {
		l.rec.User = "<unknown>"
	}
	return l
}

// Finding keeps the finding's code for the line it concerns, written at
// the session's end.
func (o *zeekOutput) Finding(f *diagnose.Finding) {
	zs := o.sessions[f.Session]
	if f.Session == nil || zs == nil {
		// No session, or one already over: the diagnosis reports a
		// session's findings before its end, so this is not expected.
		o.counts.notes.FindingsWithoutSession++
		return
	}
	if len(zs.pending) >= maxZeekFindings {
		o.counts.notes.FindingsOverBound++
		return
	}
	zf := zeekFinding{code: f.Code, data: f.Data, controlOnly: f.ControlOnly()}
	if f.Data == nil {
		zf.cmd = f.Command
	}
	zs.pending = append(zs.pending, zf)
}

func (o *zeekOutput) Policy(policy.Policy) {}

// InputOverlap keeps an overlap of the inputs for the summary record.
func (o *zeekOutput) InputOverlap(ov inputOverlap)     { o.overlaps.add(ov) }
func (o *zeekOutput) Servers([]diagnose.ServerSummary) {}

// Summary writes the summary record of --json, with every limit hit and
// what ftp.log could not place (zeekNotes), to standard error: ftp.log has
// no place for it.
func (o *zeekOutput) Summary(t totals) {
	j := zeekSummary{jsonSummary: jsonSummary{Type: "summary", Sessions: o.counts.sessions, Data: o.counts.data, Outcomes: o.counts.outcomes, Decode: t.Decode, Limits: t.Limits}}
	if t.Diagnosis != (diagnose.Omitted{}) {
		j.Diagnosis = &t.Diagnosis
	}
	j.Links = summaryLinks(t)
	if t.Files.Any() {
		j.Files = &t.Files
	}
	if o.counts.notes != (zeekNotes{}) {
		j.Zeek = &o.counts.notes
	}
	j.setOverlaps(&o.overlaps)
	j.setControlOnly(t.ControlOnly)
	line, err := newRecordEncoder(o.ids.Observer).encode(j)
	if err == nil && o.notes != nil {
		o.notes.Write(line)
	}
}

// zeekFileCommands are the commands whose argument Zeek logs as a URL
// (file_cmds in base/protocols/ftp/main.zeek).
var zeekFileCommands = map[string]bool{
	"APPE": true, "CWD": true, "DELE": true, "MKD": true, "RETR": true, "RMD": true, "RNFR": true, "RNTO": true,
	"STOR": true, "STOU": true, "REST": true, "SIZE": true, "MDTM": true,
}

// zeekURL is the argument of a file command as Zeek logs it:
// ftp://SERVER/PATH, the path joined to the working directory (zeekJoin:
// relative to "." while it is not known, as Zeek's default).
func zeekURL(server netip.Addr, cwd, arg string) string {
	p := zeekJoin(cwd, arg)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	host := server.String()
	if server.Is6() && !server.Is4In6() {
		host = "[" + host + "]"
	}
	return "ftp://" + host + p
}
