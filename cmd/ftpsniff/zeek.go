package main

import (
	"bufio"
	"crypto/sha1"
	"encoding/binary"
	"io"
	"math/big"
	"net/netip"
	"os"
	"path"
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
// Zeek writes a line when a command's reply is in; ftpsniff holds the line
// of a command that set up or used a data connection until that
// connection's outcome is known, so the line can say it. Held lines are
// bounded per session (maxZeekHeld); past the bound the oldest is written
// without its outcome.
type zeekOutput struct {
	w        *bufio.Writer
	line     jsonWriter
	showPass bool
	ids      idOptions
	err      error
	// notes receives what ftp.log has no place for: the summary record
	// with every limit hit (standard error).
	notes    io.Writer
	sessions map[*track.Session]*zeekSession
	counts   zeekCounts
}

type zeekCounts struct {
	sessions, data int
	outcomes       map[string]int
}

// maxZeekHeld bounds the lines one session holds back for an outcome.
const maxZeekHeld = 64

// hidden stands for a password, as Zeek writes it.
const hidden = "<hidden>"

type zeekSession struct {
	uid string
	cid string
	// The session's addresses as written, formatted once.
	origH, respH string
	password     string
	held         []*zeekLine
	// Findings waiting for the line they belong to.
	byData    map[*track.DataConn][]string
	byCommand map[*track.Command][]string
	loose     []string
}

// zeekLine is one ftp.log line, and what it waits for.
type zeekLine struct {
	rec      zeekFTP
	announce *track.DataConn // the data connection the command armed
	transfer *track.DataConn // the data connection the command used
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
	Uncertain   bool     `json:"ftpsniff.uncertain,omitempty"`
	Unseen      bool     `json:"ftpsniff.unseen,omitempty"`
	CommunityID string   `json:"ftpsniff.community_id,omitempty"`
	DataCID     string   `json:"ftpsniff.data_community_id,omitempty"`
	Observer    string   `json:"ftpsniff.observer,omitempty"`
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
	zs := &zeekSession{uid: zeekUID(o.ids.Observer, s), cid: o.ids.communityID(s.Client, s.Server),
		origH: s.Client.Addr().String(), respH: s.Server.Addr().String(),
		byData: map[*track.DataConn][]string{}, byCommand: map[*track.Command][]string{}}
	o.sessions[s] = zs
	return zs
}

// zeekUID makes a connection uid the way Zeek writes them ("C" and up to
// 17 base62 digits of 96 bits), from what identifies the session in this
// run, so that a capture read twice gives the same uids. It does not
// match the uid Zeek gives the same connection: join on the Community ID.
func zeekUID(observer string, s *track.Session) string {
	h := sha1.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(s.Start.UnixNano()))
	h.Write(b[:])
	binary.BigEndian.PutUint64(b[:], uint64(s.ID))
	h.Write(b[:])
	h.Write([]byte(s.Client.String() + " " + s.Server.String() + " " + observer))
	sum := h.Sum(nil)
	return "C" + new(big.Int).SetBytes(sum[:12]).Text(62)
}

func (o *zeekOutput) SessionStart(s *track.Session) { o.session(s) }

func (o *zeekOutput) Event(*track.Session, *track.Event) {}

func (o *zeekOutput) Command(s *track.Session, c *track.Command) {
	zs := o.session(s)
	secret := c.Secret && !o.showPass
	verb := c.Verb
	if c.Secret && verb != "ACCT" {
		verb = "PASS" // the password line, however mangled
	}
	if verb == "PASS" {
		zs.password = c.Arg
		if secret {
			zs.password = hidden
		}
	}
	l := &zeekLine{rec: zeekFTP{
		TS: zeekTime(c.TS), UID: zs.uid,
		OrigH: zs.origH, OrigP: s.Client.Port(), RespH: zs.respH, RespP: s.Server.Port(),
		User: s.User, Password: zs.password, Command: c.Verb, Arg: c.Arg,
		Session: s.ID, Index: c.Index, Status: c.Status.String(), Uncertain: c.Uncertain, Unseen: c.Unseen,
		CommunityID: zs.cid, Observer: o.ids.Observer,
	}}
	if c.TS.IsZero() && len(c.Replies) > 0 {
		l.rec.TS = zeekTime(c.Replies[0].TS)
	}
	if l.rec.User == "" {
		l.rec.User = "<unknown>" // FTP::Info's default
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
		l.rec.Arg = zeekURL(s.Server.Addr(), c.Cwd, c.Arg)
	}
	r := c.Final()
	if r == nil && len(c.Replies) > 0 {
		r = &c.Replies[len(c.Replies)-1]
	}
	if r != nil {
		code, msg := r.Code, r.Text
		if r.Secret && !o.showPass {
			msg = hidden
		}
		l.rec.ReplyCode, l.rec.ReplyMsg = &code, &msg
		if c.Verb == "SIZE" && code == 213 {
			if n, err := strconv.ParseUint(strings.TrimSpace(msg), 10, 64); err == nil {
				l.rec.FileSize = &n
			}
		}
	}
	if c.EndpointVia != 0 && c.EndpointErr == nil && !c.Refused && c.Data != nil { // Zeek fills data_channel once the announcement was accepted
		ep := c.Endpoint
		if c.Data != nil {
			ep = c.Data.Announced
		}
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
	if n := len(c.Transfer); n > 0 {
		l.transfer = c.Transfer[n-1]
	}
	l.rec.Findings = append(l.rec.Findings, zs.byCommand[c]...)
	delete(zs.byCommand, c)
	l.rec.Findings = append(l.rec.Findings, zs.loose...)
	zs.loose = nil
	if d := l.announce; d != nil && d.Done {
		l.rec.Findings = append(l.rec.Findings, zs.byData[d]...)
		delete(zs.byData, d)
	}
	zs.held = append(zs.held, l)
	o.release(zs, false)
}

// release writes the held lines from the oldest on, up to the first that
// still waits for an outcome; all of them when the session is over, and
// the oldest ones past the bound.
func (o *zeekOutput) release(zs *zeekSession, all bool) {
	for len(zs.held) > 0 {
		l := zs.held[0]
		if !all && len(zs.held) <= maxZeekHeld && (waits(l.announce) || waits(l.transfer)) {
			return
		}
		zs.held[0] = nil
		zs.held = zs.held[1:]
		o.finishLine(l)
	}
	zs.held = nil
}

func waits(d *track.DataConn) bool { return d != nil && !d.Done }

// finishLine adds what the data connection showed, then writes the line.
func (o *zeekOutput) finishLine(l *zeekLine) {
	d := l.announce
	if d == nil {
		d = l.transfer
	}
	if d != nil {
		l.rec.Data = d.ID
		if d.Done {
			l.rec.Outcome = d.Outcome.String()
			l.rec.DataCID = o.ids.communityID(d.Client, d.Server)
		}
		if l.rec.Command == "RETR" && l.rec.FileSize == nil && d.ExpectedSize >= 0 {
			n := uint64(d.ExpectedSize)
			l.rec.FileSize = &n
		}
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
	found := zs.byData[d]
	delete(zs.byData, d)
	// The findings go on the line of the command that announced it, or
	// else on the transfer command's.
	attached := false
	for _, want := range []func(*zeekLine) bool{
		func(l *zeekLine) bool { return l.announce == d },
		func(l *zeekLine) bool { return l.transfer == d },
	} {
		for _, l := range zs.held {
			if !attached && want(l) {
				l.rec.Findings = append(l.rec.Findings, found...)
				attached = true
			}
		}
	}
	if !attached && len(found) > 0 && d.Announce != nil {
		// The announcing command's line is not in yet (an active
		// connection over before its 200): keep them for it.
		zs.byData[d] = found
	}
	o.release(zs, false)
}

func (o *zeekOutput) SessionEnd(s *track.Session) {
	if s.Counted() {
		o.counts.sessions++
	}
	if zs := o.sessions[s]; zs != nil {
		o.release(zs, true)
		delete(o.sessions, s)
	}
}

// Finding keeps the finding's code for the line it concerns.
func (o *zeekOutput) Finding(f *diagnose.Finding) {
	if f.Session == nil {
		return
	}
	zs := o.session(f.Session)
	switch {
	case f.Data != nil:
		zs.byData[f.Data] = append(zs.byData[f.Data], f.Code)
	case f.Command != nil:
		zs.byCommand[f.Command] = append(zs.byCommand[f.Command], f.Code)
	default:
		if len(zs.loose) < maxZeekHeld {
			zs.loose = append(zs.loose, f.Code)
		}
	}
}

func (o *zeekOutput) Policy(policy.Policy)             {}
func (o *zeekOutput) Servers([]diagnose.ServerSummary) {}

// Summary writes the summary record of --json, with every limit hit, to
// standard error: ftp.log has no place for it.
func (o *zeekOutput) Summary(t totals) {
	j := jsonSummary{Type: "summary", Sessions: o.counts.sessions, Data: o.counts.data, Outcomes: o.counts.outcomes, Decode: t.Decode, Limits: t.Limits}
	if t.Diagnosis != (diagnose.Omitted{}) {
		j.Diagnosis = &t.Diagnosis
	}
	if t.Files.Any() {
		j.Files = &t.Files
	}
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
// ftp://SERVER/PATH, the path joined to the working directory ("." when
// unknown, as Zeek's default).
func zeekURL(server netip.Addr, cwd, arg string) string {
	var p string
	switch {
	case strings.HasPrefix(arg, "/"):
		p = path.Clean(arg)
	case cwd == "":
		p = "./" + arg
	default:
		p = path.Clean(cwd + "/" + arg)
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	host := server.String()
	if server.Is6() && !server.Is4In6() {
		host = "[" + host + "]"
	}
	return "ftp://" + host + p
}
