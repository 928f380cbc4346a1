package track

import (
	"strconv"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// Announcements smuggled past a line bound (decode/smuggled.go). An
// over-long client line whose kept tail holds a PORT, EPRT or LPRT
// (decode.Endpoint.Smuggled) is remembered (xferMemo.smuggled); a
// server that splits lines at its own bound (vsftpd at 4,096 bytes) read
// that tail as a command of its own, and answers it after the line's own
// reply: a 200 that no pending command asked for. That reply makes it a
// command of the session (Command.Smuggled), armed as a PORT is, so the
// server's connection to the address it names is matched and diagnosed
// (a bounce to a third host among them), and shown hedged: the capture
// holds the bytes, not where the server cut the line. A reply paired with
// a later command forgets it (the server read the line whole).

// smuggledPort is an announcement in the tail of an over-long line.
type smuggledPort struct {
	ep    decode.Endpoint
	ts    time.Time
	num   uint64
	index int // the index of the line's command in its session
}

// noteSmuggled remembers the announcement in the tail of c's line, cut
// by the line bound, if it holds one.
func noteSmuggled(sess *Session, c *Command, e *decode.ControlEvent) {
	if !e.Endpoint.Smuggled || e.Endpoint.Via == 0 || e.Endpoint.Via.Passive() {
		return
	}
	sess.memo().rareMemo().smuggled = &smuggledPort{ep: e.Endpoint, ts: e.TS, num: e.Num, index: c.Index}
}

// forgetSmuggled drops the remembered announcement once a reply pairs
// with a command after its line: the server did not split that line.
func forgetSmuggled(sess *Session, c *Command) {
	if r := sess.rare(); r != nil && r.smuggled != nil && c != nil && c.Index > r.smuggled.index {
		r.smuggled = nil
	}
}

// smuggledCommand is for r, a reply no pending command asked for: when
// it accepts an active announcement (200) and the session's latest line
// was an over-long one whose tail holds one, it is that announcement's
// reply; it returns the command, armed (at the line), first in the
// pending queue. nil otherwise.
func (t *Tracker) smuggledCommand(sess *Session, r Reply) *Command {
	m := sess.rare()
	if m == nil || m.smuggled == nil || r.Code != 200 || sess.Encrypted {
		return nil
	}
	sm := m.smuggled
	m.smuggled = nil
	if sm.index != sess.CommandCount {
		return nil // (a command came after the line: its reply is this one's)
	}
	sess.CommandCount++
	c := &Command{Seq: r.Seq, Index: sess.CommandCount, TS: sm.ts, Num: sm.num, Verb: sm.ep.Via.String(), Arg: smuggledArg(sm.ep), Cwd: sess.Cwd,
		EndpointVia: sm.ep.Via, Endpoint: sm.ep.Addr, EndpointLoose: sm.ep.Loose}
	c.bits |= cmdSmuggled
	sess.NoteCommand(c)
	t.keepCommand(sess, c)
	if !c.kept() {
		t.holdCommand(c)
	}
	sess.pending = append([]*Command{c}, sess.pending...)
	t.arm(sess, c, false, c.TS, c.Num)
	return c
}

// smuggledArg writes ep as its command's argument.
func smuggledArg(ep decode.Endpoint) string {
	switch ep.Via {
	case ftp.ViaPORT:
		if ep.Addr.Addr().Unmap().Is4() {
			return ftp.FormatPORT(ep.Addr)
		}
	case ftp.ViaLPRT:
		return ftp.FormatLong(ep.Addr)
	}
	proto := "1"
	if !ep.Addr.Addr().Is4() {
		proto = "2"
	}
	return "|" + proto + "|" + ep.Addr.Addr().String() + "|" + strconv.Itoa(int(ep.Addr.Port())) + "|"
}

// Smuggled tells whether c is an announcement read from the tail of an
// over-long line, past the line bound, that a reply no other command
// asked for accepted (smuggledCommand): the server split the line there
// and read it as a command, by all the capture shows.
func (c *Command) Smuggled() bool { return c.bits&cmdSmuggled != 0 }
