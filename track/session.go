package track

import (
	"math"
	"net/netip"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

func (t *Tracker) command(sess *Session, e *decode.ControlEvent) {
	sess.CommandCount++
	t.seq++
	c := &Command{
		Seq:       t.seq,
		Index:     sess.CommandCount,
		TS:        e.TS,
		Num:       e.Num,
		Verb:      e.Command.Verb,
		Arg:       e.Command.Arg,
		Anomaly:   e.Command.Anomaly,
		Junk:      e.Kind == decode.ControlJunk,
		Cwd:       sess.Cwd,
		Telnet:    e.Telnet,
		Secret:    e.Secret,
		SecretArg: e.SecretArg,
		Urgent:    e.Urgent,
		Dropped:   e.Dropped,
	}
	if e.UrgentEnd {
		c.bits |= cmdUrgentEnd
	}
	if e.CaptureEnded || e.RestNotCaptured {
		c.bits |= cmdCapturedCut
	}
	if e.Endpoint.Via != 0 && !e.Endpoint.Smuggled {
		c.EndpointVia = e.Endpoint.Via
		c.Endpoint = e.Endpoint.Addr
		c.EndpointErr = e.EndpointErr
		c.EndpointLoose = e.Endpoint.Loose
	}
	if sess.sideLine(ClientSideOnly, e.PeerUnseen) {
		t.indexOneSide(sess, false)
	}
	before := latestCommand(sess) // (the one before c: activeMayBeLost)
	noteSmuggled(sess, c, e)
	sess.NoteCommand(c)
	t.keepCommand(sess, c)
	if !c.kept() {
		t.holdCommand(c)
	}
	// (Not fewer when CommandBytes is all taken: giving up a command
	// whose reply is still on its way pairs every later reply with the
	// command before its own. Its argument is cut instead: holdCommand.)
	bound := t.opts.MaxPending
	if len(sess.pending) >= bound {
		t.settle421(sess, false) // (the head's held 421, if any, is not its reply: the server never answered again)
	}
	for len(sess.pending) >= bound {
		old := sess.pending[0]
		sess.pending = slices.Delete(sess.pending, 0, 1)
		old.Status = StatusNoReply
		t.limits.PendingOverflow++
		t.reportCommand(sess, old)
	}
	sess.pending = append(sess.pending, c)
	if c.GapBefore {
		// The gap before it may have held a PORT or EPRT: the server's
		// connection back for it is found by peers and time (data.go).
		t.activeMayBeLost(sess, c, before)
	} else if !c.Secret && !ftp.IsTransfer(c.Verb) {
		// In order after the last one: no transfer command was lost
		// since, so a flow taken for now is given back at once rather
		// than held while the session lives (a transfer command has
		// its own say: linkTransfer).
		t.quietAfterFlow(sess)
	}
	if !c.Secret && (c.Verb == "ABOR" || c.Verb == "REIN") {
		// The client moves on: a data connection a refused transfer left
		// unused is offered no more (reoffer).
		t.withdrawOffer(sess)
	}
	if !c.Secret && ftp.IsTransfer(c.Verb) {
		// (A line taken for a password is one even when it reads
		// "RETR x": it names no file, and its data record and extracted
		// file would show it.)
		t.linkTransfer(sess, c)
		if len(c.Transfer) == 0 {
			if a := lostAnnouncement(sess, c); a != nil {
				// Its PASV or EPSV's reply was lost in a capture gap:
				// the client's SYN held since tells the port (early.go).
				t.adoptLost(sess, a)
			}
		}
		if len(c.Transfer) == 0 && t.unannouncedSession(sess) {
			// A transfer with no announcement in the capture: the
			// client may have connected, just before it, to one made
			// before the capture started (early.go).
			t.adoptEarly(sess, c.TS.Add(-transferLead), true)
		}
	}
	if e.Encrypts && !sess.Encrypted {
		// RFC 2228 protected commands (GSSAPI, as GridFTP uses): from
		// here the commands, and the endpoints, are ciphertext.
		t.encryptControl(sess, Event{Kind: EventEncrypted, TS: c.TS, Num: c.Num, Protected: c.Verb, Text: "RFC 2228 protected commands (" + c.Verb + ")"})
	}
	if c.EndpointVia != 0 && c.EndpointErr == nil && c.Endpoint.Addr().Is4() != sess.Client.Addr().Unmap().Is4() {
		t.event(sess, Event{Kind: EventEndpointFamily, TS: c.TS, Num: c.Num, FromClient: true,
			Text: c.Verb + " names " + c.Endpoint.Addr().String() + " over a control connection of the other family" + helperOnFamily(c.EndpointVia, c.Endpoint.Addr(), sess.Client.Addr())})
	}
	if c.EndpointVia != 0 && c.EndpointErr == nil && !c.EndpointVia.Passive() {
		// Active mode: the server may connect before its 200 arrives
		// (suricata-verify ruletype-firewall-116), so expect it now.
		t.arm(sess, c, false, c.TS, c.Num)
	}
}

func (t *Tracker) reply(sess *Session, e *decode.ControlEvent) {
	if h := held421(sess); h != nil {
		// The server speaks again after its 421: unless this is its
		// unasked 221 (it is closing after all), it did not close the
		// session, and the 421 was the reply of the command it held.
		t.settle421(sess, !(e.Reply.Code == 221 && !quitPending(sess)))
	}
	t.seq++
	r := Reply{Seq: t.seq, Code: e.Reply.Code, Text: e.Reply.Text, Lines: e.Reply.Lines, TS: e.TS, Num: e.Num, Anomaly: e.Reply.Anomaly, LinesDropped: e.Reply.Dropped, Dropped: e.Reply.LineBytesDropped, Secret: e.SecretEcho,
		AfterReset: e.AfterReset, Unacked: e.Unacked, Resent: e.Resent}
	t.limits.ReplyLinesDropped += e.Reply.Dropped
	if greets(sess, r.Code) {
		if len(sess.Greeting) < maxGreeting {
			sess.Greeting = appendReply(sess.Greeting, r)
		} else {
			t.limits.RepliesOmitted++
		}
		if r.Code == 230 {
			// No greeting is a 230: it answers a USER or PASS a gap
			// took (a snap length that cut the client's lines), and it
			// proves the login.
			sess.Login = LoginOK
		}
		return
	}
	if sess.sideLine(ServerSideOnly, e.PeerUnseen) {
		t.indexOneSide(sess, false)
	}
	if m := sess.xfer; m != nil && m.joined != nil {
		t.settleJoined(sess, r.Code, false)
	}
	spoke := sess.replied || len(sess.Greeting) > 0
	sess.replied = true
	if r.Code >= 200 {
		sess.flags |= flagFinalReply
	}
	if r.Code == 421 && spoke && len(sess.pending) > 0 && !isTransfer(sess.pending[0]) && answers421(r.Text) {
		// A 421 whose words answer the command it came after (RFC 959
		// 4.2: a 421 may answer any command): FileZilla Server's "421
		// Rejected command, requested IP address does not match control
		// connection IP." to a PORT, its "421 Temporarily banned for too
		// many failed login attempts" to a PASS. The server closes the
		// session after it, and the command's failure is in it (nat-
		// mismatch, the failed login); the commands after it get no reply.
		// (Not as the server's first word: a 421 there refuses the
		// connection, RFC 959 5.4, whatever the client sent before it.)
		c := sess.pending[0]
		t.addReply(sess, c, r)
		t.final(sess, c, &r, e)
		return
	}
	if r.Code == 421 && len(sess.pending) > 0 && !slices.ContainsFunc(sess.pending, isTransfer) {
		// A 421 while commands wait: the server closing (RFC 959 4.2),
		// the pending commands interrupted; or the reply of the head
		// command, when the session goes on after it (pyftpdlib's "421
		// Active data channel timed out." to a PORT whose connection back
		// got no answer, then the client's QUIT and its 221). Which one,
		// only what comes next tells: held until then (settle421). Not
		// while a transfer waits: its data connection may end before
		// anything else comes, and what reads its file and its failure
		// takes the 421 for its final reply as it comes (the closing
		// reply of transfer-aborted, extract's "final reply 421").
		head := sess.pending[0]
		t.addReply(sess, head, r)
		return
	}
	idle, keep := len(sess.pending) == 0, false
	c, lostInGap, unasked := t.pairReply(sess, r.Code, r.Text)
	if c == nil && e.Endpoint.Via.Passive() && e.EndpointErr == nil && passiveReply(&r) {
		switch {
		case idle && passiveShifted(sess):
			// The reply of the PASV just before, whose place another
			// reply took (unsolicited.go): that PASV refused nothing.
			c = t.unseenCommand(sess, e.Endpoint.Via.String(), r)
			c.bits |= cmdShifted
			sess.xfer.rare.passiveAnsweredOther.Refused = false
			sess.xfer.rare.passiveAnsweredOther = nil
		case idle && sess.commandsAllSeen():
			// No command asked for it (unsolicited.go): armed for nothing,
			// kept for its own client's connection.
			unasked, keep = true, true
		default:
			// The PASV is gone but its reply says all that matters: the
			// endpoint is still announced, and a client will connect to it.
			c = t.unseenCommand(sess, e.Endpoint.Via.String(), r)
		}
	}
	if c == nil && !lostInGap && !unasked {
		// The reply of a PORT past the line bound of the line before
		// (smuggled.go).
		c = t.smuggledCommand(sess, r)
	}
	forgetSmuggled(sess, c)
	if c == nil && t.otherFinal(sess, &r) {
		// The final reply of a command whose taken copy of its reply a
		// transfer contradicted (conflict.go).
		return
	}
	if c == nil {
		kind := EventReplyNoCommand
		switch {
		case lostInGap:
			kind = EventReplyGap
			if (r.Code == 331 || r.Code == 332) && sess.Login == LoginOK {
				// It asks for the password (the account) of a USER the gap
				// took or cut (decode delivers no cut USER): a new login
				// while one stood, by a user the capture does not name. A
				// 530 to its PASS fails it, a 230 proves it, neither the
				// login that stood nor its user's.
				was := login{user: sess.User, state: sess.Login}
				sess.User, sess.Login = "", LoginPending
				sess.replacedLogin(was)
			}
			if r.Code == 250 || r.Code == 200 && dirReplyText(r.Text) {
				// The command the gap took may have been a CWD or a CDUP
				// (RFC 959: 250, or 200 for CDUP, whose text then names
				// it): the directory is unknown from here, until a PWD or
				// an absolute CWD says it, rather than the one before it
				// (an extracted file named under the wrong directory). A
				// 200 of TYPE, PORT or NOOP leaves it.
				sess.Cwd = ""
			}
			if r.Code == 125 || r.Code == 150 || r.Code == 226 {
				// The transfer command the gap took: its data connection
				// is open (serverOpened).
				sess.gapOpened = true
			}
			switch r.Code {
			case 125, 150, 226, 425, 426:
				// (lostTransferAnswered)
				m := sess.memo()
				m.gapTransferReply, m.gapTransferReplyCode = r.TS, int16(r.Code)
			}
		case unasked || r.Code == 421 || r.Code == 221:
			kind = EventUnsolicited
		case sess.Midstream && sess.CommandCount == 0:
			kind = EventReplyUnseen
			switch r.Code {
			case 125, 150, 226, 257:
				// A transfer's, or PWD's: only to a logged-in user.
				if sess.Login == LoginNone {
					sess.LoginBefore = true
				}
			}
			if transferReply(r.Code) && t.unannouncedSession(sess) {
				// The reply of a transfer the capture began during: its
				// data connection may be among the held segments.
				t.adoptEarly(sess, time.Time{}, false)
			}
			if runningEnd(r.Code) && sess.Data == nil {
				// The transfer the capture began during, over just
				// before this reply (running.go).
				t.claimRunning(sess, r.Code, r.TS)
			}
		}
		t.event(sess, Event{Kind: kind, TS: r.TS, Num: r.Num, Code: r.Code, Text: r.Text, Secret: r.Secret, Dropped: r.Dropped})
		if keep {
			t.keepUnsolicited(sess, e, r)
		}
		if r.Code == 230 {
			// The 230 proves the login, whatever became of the line it
			// answers (mangled, lost in a gap), and whatever a line
			// before it drew: a USER paired with a cut greeting, a
			// refused attempt before the one the gap took.
			sess.Login = LoginOK
			sess.flags &^= flagReLogin
		}
		return
	}
	if waitsForLostPort(sess, c) {
		// The connection held for a lost PORT (addLostPort) is its: the
		// server answers once it connected, or failed to.
		t.lostPortReply(sess, c, &r)
	}
	if isTransfer(c) && len(c.Transfer) == 0 && len(c.Replies) == 0 && r.Code < 300 {
		// Its announcement's reply may have been found lost only now
		// (this reply fitted the transfer, not the PASV before it).
		if a := lostAnnouncement(sess, c); a != nil {
			t.adoptLost(sess, a)
		}
	}
	if bound := t.replyBound(c); len(c.Replies) < bound || !ftp.IsPreliminary(r.Code) {
		t.addReply(sess, c, r)
	} else {
		t.limits.RepliesOmitted++ // a hostile server's endless 1yz
		if bound < maxReplies {
			t.limits.RepliesBudget++
			t.limits.BytesCut += int64(lineBytes(&r))
		}
	}
	if ftp.IsPreliminary(r.Code) {
		t.preliminary(sess, c, &r, e)
		return
	}
	t.final(sess, c, &r, e)
}

// final pops c, answered by its final reply r, from the pending queue and
// applies r.
func (t *Tracker) final(sess *Session, c *Command, r *Reply, e *decode.ControlEvent) {
	for i, p := range sess.pending {
		if p == c {
			sess.pending = slices.Delete(sess.pending, i, i+1)
			break
		}
	}
	c.Status = StatusAnswered
	for _, p := range sess.pending {
		// The same line again in the same packet: if the server skips
		// it, the reply after it can tell (skipped).
		if p.Num != c.Num || p.Verb != c.Verb || p.Arg != c.Arg {
			break
		}
		p.bits |= cmdRepeat
	}
	t.joined(sess, c, r)
	notePassiveAnsweredOther(sess, c, r)
	if len(sess.pending) == 0 {
		// Every command answered: in step again after a gap.
		sess.resync = false
	}
	t.apply(sess, c, r, e)
	t.reportCommand(sess, c)
}

// joined takes the command after c, just answered by r, out of the
// pending queue when the server may have read it as the tail of c's line:
// c's line feed was its urgent byte (urgentEnd: Python's ftplib and
// Ruby's net/ftp send "ABOR\r\n" with MSG_OOB), which a server socket
// without SO_OOBINLINE never reads (RFC 6093), and r echoes the line it
// read, c's verb then the next command's (ProFTPD's "500 'ABOR TYPE I'
// not understood"). The server answered the two lines once: paired in
// order, every later reply would go to the command before its own (a 227
// to a TYPE, its PASV with none, and the data connection to it lost). A
// server that reads urgent data inline (pyftpdlib, BSD ftpd) answers both
// lines, and its echo of the first may name the next verb too (a client's
// "SITE PORT" sent urgent, then PORT: '500 Command "SITE PORT" not
// understood.', then the PORT's own 200): the echo only proposes the
// join, and the next reply, or the session's end, settles it
// (settleJoined).
func (t *Tracker) joined(sess *Session, c *Command, r *Reply) {
	if !c.urgentEnd() || c.Secret || len(sess.pending) == 0 {
		return
	}
	var n *Command
	for _, p := range sess.pending {
		if p.Index == c.Index+1 {
			n = p
			break
		}
	}
	if n == nil || n.Secret || n.Unseen || n.Junk || len(n.Replies) > 0 || !echoesJoined(r.Text, c.Verb, n.Verb) {
		return
	}
	if m := sess.xfer; m != nil && m.joined != nil {
		// (A reply settles the one before; a held 421 settled at a
		// command does not.)
		t.settleJoined(sess, 0, true)
	}
	sess.pending = slices.DeleteFunc(sess.pending, func(p *Command) bool { return p == n })
	n.Status = StatusJoined
	sess.memo().joined = n
}

// settleJoined decides the join proposed for the command joined took
// out of the pending queue, at the next reply (code) or at the session's
// end (atEnd), and reports that command when the join stands. It is
// refuted (the command waits for its reply again, and takes this one) by
// what a server that read the two lines apart shows:
//
//   - the server connected to the command's PORT: it read it as one;
//   - the reply fits the command (ftp.ValidReply), and no command waits
//     for one, or the one next in line cannot take it (a 200 while a
//     RETR waits, a 150 while a QUIT does). Joined, it would be a reply
//     without a command, and a transfer that ran would read "no data
//     connection was expected".
//
// A reply that fits the command next in line as well is that command's
// (ProFTPD: the client sends the line again once the 500 came). A 421
// closes the session: it refutes nothing. Deciding at the next reply
// bounds what waits to one command per session, and reports it late by
// one reply at most.
func (t *Tracker) settleJoined(sess *Session, code int, atEnd bool) {
	n := sess.xfer.joined
	sess.xfer.joined = nil
	if refutesJoined(sess, n, code, atEnd) {
		n.Status = StatusPending
		i := slices.IndexFunc(sess.pending, func(p *Command) bool { return p.Index > n.Index })
		if i < 0 {
			i = len(sess.pending)
		}
		sess.pending = slices.Insert(sess.pending, i, n)
		return
	}
	if dc := n.Data; dc != nil {
		// A PORT the server never read as one (nothing connected to
		// it: refutesJoined): it connects to nothing.
		t.retract(sess, dc)
	}
	t.reportCommand(sess, n)
}

// refutesJoined tells whether what came after the join of n (settleJoined)
// shows the server read n as a line of its own.
func refutesJoined(sess *Session, n *Command, code int, atEnd bool) bool {
	if dc := n.Data; dc != nil && dc.Seen() {
		return true
	}
	if atEnd || code == 421 || ftp.IsKnownVerb(n.Verb) && !ftp.ValidReply(n.Verb, code) {
		return false
	}
	return len(sess.pending) == 0 || !ftp.ValidReply(sess.pending[0].Verb, code)
}

// echoesJoined reports whether the first line of a reply's text holds
// verb a, then, after spaces, tabs or carriage returns only, verb b (any
// case), as a server echoes the line it read.
func echoesJoined(text, a, b string) bool {
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	for i := 0; i+len(a) <= len(text); i++ {
		if !strings.EqualFold(text[i:i+len(a)], a) || i > 0 && isLetter(text[i-1]) {
			continue
		}
		j := i + len(a)
		k := j
		for k < len(text) && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r') {
			k++
		}
		if k > j && k+len(b) <= len(text) && strings.EqualFold(text[k:k+len(b)], b) &&
			(k+len(b) == len(text) || !isLetter(text[k+len(b)])) {
			return true
		}
	}
	return false
}

func isLetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

// connectBackFailed tells whether r, the final reply to the active
// announcement c (PORT, EPRT, LPRT), is the server's failed connection
// back to the client rather than a refusal of the command. Servers that
// connect at the PORT itself, not at the transfer (pyftpdlib, Twisted),
// answer it with 425 when that connect fails ("425 Can't connect to
// specified address.", "425 Can't open data connection."), or with 421
// when it timed out (pyftpdlib's "421 Active data channel timed out.").
// A 425 to a PORT is that whatever the capture shows (RFC 959: "Can't
// open data connection"; a server refusing the command or its address
// answers 5yz: vsftpd's "500 Illegal PORT command.", its "550 Permission
// denied." with port_enable=NO); a 421 or 426 is when the server's SYN to
// the endpoint came before it. The announcement stands: the data
// connection, if the capture shows it, is the one the server tried.
func connectBackFailed(c *Command, r *Reply) bool {
	switch r.Code {
	case 425:
		return true
	case 421, 426:
		return c.Data != nil && c.Data.Seen()
	}
	return false
}

// held421 is the session's head command while it holds a 421 not yet
// settled (reply): its last reply, a final one, though it is pending.
func held421(sess *Session) *Command {
	if len(sess.pending) == 0 {
		return nil
	}
	h := sess.pending[0]
	if n := len(h.Replies); n > 0 && h.Replies[n-1].Code == 421 {
		return h
	}
	return nil
}

// isTransfer: c is a transfer command (not a line taken for a password).
func isTransfer(c *Command) bool { return !c.Secret && ftp.IsTransfer(c.Verb) }

// quitPending tells whether a QUIT (or REIN) waits for its reply.
func quitPending(sess *Session) bool {
	for _, p := range sess.pending {
		if p.Verb == "QUIT" || p.Verb == "REIN" {
			return true
		}
	}
	return false
}

// settle421 decides the 421 the head command holds (held421). wentOn:
// the server answered again, so the 421 is that command's reply, and the
// commands after it wait for theirs. Otherwise (the session ended, or the
// server's next word closes it) the server closed the session: the
// commands pending when the 421 came are interrupted, and the 421 is a
// session event, at its own place in the session's order.
func (t *Tracker) settle421(sess *Session, wentOn bool) {
	h := held421(sess)
	if h == nil {
		return
	}
	n := len(h.Replies)
	r := h.Replies[n-1]
	if wentOn {
		t.final(sess, h, &h.Replies[n-1], &decode.ControlEvent{Kind: decode.ControlReply, TS: r.TS, Num: r.Num})
		return
	}
	h.Replies = h.Replies[:n-1]
	i := 0
	for i < len(sess.pending) && sess.pending[i].Seq < r.Seq {
		p := sess.pending[i]
		p.Status = StatusInterrupted
		t.reportCommand(sess, p)
		i++
	}
	sess.pending = slices.Delete(sess.pending, 0, i)
	seq := t.seq
	t.seq = r.Seq - 1 // (t.event numbers it r.Seq: where the 421 came)
	t.event(sess, Event{Kind: EventUnsolicited, TS: r.TS, Num: r.Num, Code: r.Code, Text: r.Text, Secret: r.Secret, Dropped: r.Dropped})
	t.seq = seq
}

// answers421 tells whether the words of a 421 (RFC 959: "Service not
// available, closing control connection", which "may be a reply to any
// command if the service knows it must shut down") answer the command it
// came after, rather than give the server's own reason for closing
// the session. A reason of the server's own is a timeout ("421 Timeout.",
// "421 Login timeout", "421 No-transfer-time exceeded"), a shutdown or
// the stock "Service not available", or a connection limit ("421 Too
// many connections (10) from this IP", "421 There are too many connected
// users": session-refused reads those); the reply's own place in the
// session keeps them. The command's answer speaks of the command, the
// login or the address it names: "421 Rejected command, requested IP
// address does not match control connection IP." (FileZilla Server 0.9,
// to a PORT naming another address), "421 Too many failed login
// attempts, closing connection.", "421 Temporarily banned for too many
// failed login attempts" (to a PASS). Words neither way stay the
// session's, as before: nothing is made of a reply that says nothing of
// the command.
func answers421(text string) bool {
	t := strings.ToLower(text)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(t, w) {
				return true
			}
		}
		return false
	}
	login := has("login", "log in", "logon", "password", "attempt", "authenticat", "credential")
	failed := has("failed", "failure", "incorrect", "invalid", "wrong", "bad ")
	switch {
	case has("timeout", "timed out", "time out", "time-out", "idle", "time exceeded", "time limit"),
		has("shutting down", "shutdown", "shut down", "going down", "restart", "maintenance", "not available", "unavailable"),
		!failed && has("too many", "maximum", "limit", "already logged in", "already connected", "max ") &&
			has("connect", "client", "user", "host", "session", "logged in", "login"),
		// A ban or block of the address that names no failed login
		// ("Access denied: your IP address is blocked") refuses the
		// session, not the command: the right password would not get in.
		!failed && has("banned", "blocked", "blacklist", "blocklist", "denylist", " ban"):
		return false
	}
	return login || has("command", "rejected", "refused", "denied", "not allowed", "not permitted", "address")
}

// greets tells whether a reply is (part of) the session's greeting.
// The greeting answers the connection itself (RFC 959 section 5.4: 120,
// 220 or 421 to the connection establishment):
//
//   - Any reply before any command is. A session picked up without its
//     handshake may still hold it: a 220 before any command or other
//     greeting line (the capture began between the SYNs and the banner)
//     names the server as well.
//   - In a session seen from its start (not mid-stream, nor picked up
//     again after an idle close) with no gap so far, the server's first
//     reply, if a 120 or 220, is the greeting whatever commands wait: a
//     client may speak before the greeting arrives (a pipelined login, a
//     server slow to greet: zeek's fake-server-delays-all.pcap), and its
//     commands' replies come after the greeting. So is a 220 after a 120
//     greeting ("120 Service ready in nnn minutes", then 220). A 421
//     there is left to pairReply, which closes the waiting commands as
//     interrupted and notes the 421 (session-refused reads it so). A
//     session picked up mid-stream keeps FIFO once a command was seen:
//     its 220 may answer a REIN.
func greets(sess *Session, code int) bool {
	if len(sess.pending) == 0 && sess.CommandCount == 0 && (!sess.Midstream || code == 220 && len(sess.Greeting) == 0) {
		// Before any command: the greeting, unless a final one came
		// already; then only a 421 (a server refusing after its banner,
		// Pure-FTPd's "220" lines then "421 too many connections"). Any
		// other reply after it answers a command the capture did not
		// show (one direction captured: a SPAN of one direction,
		// asymmetric routing), and a 227 in it still announces.
		n := len(sess.Greeting)
		return n == 0 || code == 421 || ftp.IsPreliminary(sess.Greeting[n-1].Code)
	}
	if sess.replied || sess.Midstream || sess.Resumed != nil || sess.Desync {
		return false
	}
	if n := len(sess.Greeting); n > 0 {
		return code == 220 && sess.Greeting[n-1].Code == 120
	}
	return code == 120 || code == 220
}

// sideLine takes a line of side (the side it came from) into OneSide:
// with no byte of the other side seen (peerUnseen), oneSideLinesMin of
// them make the session one-sided; one with the other side seen makes
// it two-sided for good (decode's PeerUnseen does not turn back). It
// tells whether OneSide changed.
func (sess *Session) sideLine(side OneSide, peerUnseen bool) bool {
	was := sess.OneSide
	switch {
	case !peerUnseen:
		sess.OneSide, sess.oneSideLines = BothSides, 255
	case sess.oneSideLines < oneSideLinesMin:
		sess.oneSideLines++
		if sess.oneSideLines == oneSideLinesMin {
			sess.OneSide = side
		}
	}
	return sess.OneSide != was
}

// Bounds on what one command or greeting keeps: a server can send any
// number of 1yz replies or greeting lines.
const (
	maxGreeting = 16
	maxReplies  = 64
)

// keepCommand adds a command to the session's transcript, within its
// bound; with RecentOnly only the latest are kept (the output wrote the
// others already).
func (t *Tracker) keepCommand(sess *Session, c *Command) {
	switch {
	case sess.recentOnly:
		if sess.loginKept > 0 && c.Verb != "PASS" && !c.Secret {
			t.dropLoginDone(sess)
		}
		if !lookedBackAt(c.Verb) && !(sess.CommandCount == 1 && len(sess.Greeting) == 0 && !sess.replied) {
			// Written when final; nothing looks back at it. (But a first
			// command before any word of the server's: a session the
			// server closes unanswered is judged by it, session-refused.)
			return
		}
		keep := recentKept
		if t.transcript >= t.opts.TranscriptBudget {
			// Many sessions open at once: each keeps only its very latest.
			keep = recentMin
		}
		if len(sess.Commands) >= keep {
			drop := len(sess.Commands) - keep/2
			for _, x := range sess.Commands[:drop] {
				if x.Status != StatusPending {
					t.letGo(x) // (one still waiting is let go when reported)
				}
			}
			n := copy(sess.Commands, sess.Commands[drop:])
			clear(sess.Commands[n:])
			sess.Commands = sess.Commands[:n]
			t.transcript -= drop
		}
		sess.Commands = append(sess.Commands, c)
		t.transcript++
		if (c.Verb == "USER" || c.Verb == "PASS") && sess.loginKept < math.MaxUint8 {
			sess.loginKept++
		}
	case len(sess.Commands) < t.opts.MaxTranscript && t.transcriptRoom():
		c.bits |= cmdKept
		sess.Commands = append(sess.Commands, c)
		t.transcript++
		t.countTranscript(sess, commandCost+len(c.Verb)+len(c.Arg))
		for i := range c.Replies {
			t.countTranscript(sess, replyBytes(&c.Replies[i]))
		}
	default:
		sess.CommandsOmitted++
		t.limits.CommandsOmitted++
	}
}

// dropLoginDone takes out of a RecentOnly session's commands the USER
// and PASS the diagnosis no longer looks back at: answered, when a
// command other than a password comes after them (the login's final
// reply judged them; a new USER starts another login). An open session
// keeps none once logged in.
func (t *Tracker) dropLoginDone(sess *Session) {
	n, left := 0, 0
	sess.Commands = slices.DeleteFunc(sess.Commands, func(x *Command) bool {
		if x.Verb != "USER" && x.Verb != "PASS" {
			return false
		}
		if x.Status == StatusPending {
			left++
			return false
		}
		n++
		t.letGo(x)
		return true
	})
	if len(sess.Commands) == 0 {
		sess.Commands = nil
	}
	sess.loginKept = uint8(min(left, math.MaxUint8))
	t.transcript -= n
}

// lookedBackAt tells whether the diagnosis looks back at a command of
// this verb after it is final: announcements, transfers and ABOR, and
// the USER and PASS of a login (a clear-text login's evidence names the
// USER's packet, and whether a PASS was sent: userBefore,
// passwordLineBefore).
func lookedBackAt(verb string) bool {
	switch verb {
	case "PASV", "EPSV", "LPSV", "PORT", "EPRT", "LPRT", "ABOR", "USER", "PASS":
		return true
	}
	return ftp.IsTransfer(verb)
}

// latestCommand is when the session's latest command came, seen or
// stood in for, as NoteCommand noted it (Session.spokeAt[0]): what the
// inferences that ask (activeMayBeLost, lostRequestFor) read, the same
// whatever the session keeps of its commands (with RecentOnly, Commands
// loses those nothing looks back at, and JSON, zeek, --summary and live
// decided otherwise than the text); zero when none. (While the control
// channel is TLS, when the client last sent a record past its
// handshake.)
func latestCommand(sess *Session) time.Time {
	if n := sess.spokeAt[0]; n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// LatestCommand is when s's latest command came (latestCommand; while
// the control channel is TLS, the client's latest record past its
// handshake), noted as each passes whatever Commands keeps; zero when
// none did. A client that still sends commands is still there.
func (s *Session) LatestCommand() time.Time { return latestCommand(s) }

// NoteCommand notes, as c passes, the facts about the session's commands
// that the diagnosis reads whatever the session keeps of them (with
// RecentOnly, only the few lookedBackAt names): an ABOR or QUIT right
// after an announcement (Command.CancelledBy), a capture gap of the
// client's stream before c (Command.GapBefore), the RFC 775 verbs
// (RFC775Verb), a request for a passive endpoint (AskedPassive) and
// when the latest command came (latestCommand). The
// Tracker calls it for every command, seen or stood in for, in order; a
// session made without a Tracker (a test's) calls it for each command it
// adds. No allocation, and bytes of the session's padding only (and, in
// clear text, spokeAt[0], which is TLS's only while the control channel
// is encrypted): the Session struct fills its size class (576 bytes with
// the allocator's header).
func (sess *Session) NoteCommand(c *Command) {
	c.GapBefore, sess.clientGap = sess.clientGap, false
	if !sess.Encrypted {
		sess.spokeAt[0] = c.TS.UnixNano() // (latestCommand)
	}
	if a := sess.lastAnn(); a != nil && a.Announce != nil && a.Announce.Index == c.Index-1 &&
		!c.Secret && !c.Unseen && (c.Verb == "ABOR" || c.Verb == "QUIT") {
		// (An announcement right before c that armed nothing, or whose
		// endpoint a transfer used, is not one the client gave up on.)
		a.Announce.CancelledBy = c
	}
	if len(c.Verb) == 3 && !c.Secret && (strings.EqualFold(c.Verb, "PWD") || strings.EqualFold(c.Verb, "MKD") || strings.EqualFold(c.Verb, "RMD")) {
		// ftp.exe never sends these; BSD ftp, tnftp and inetutils send
		// XPWD, XMKD, XRMD only after these were refused: no ftp.exe.
		sess.rfc775 = rfc775Never
		return
	}
	if len(c.Verb) != 4 {
		return // (neither an RFC 775 verb nor a passive request)
	}
	if sess.rfc775 == 0 && !c.Secret {
		for i, v := range rfc775Verbs {
			if strings.EqualFold(c.Verb, v) {
				sess.rfc775 = uint8(i + 1)
				break
			}
		}
	}
	switch {
	case passiveRequest(c.Verb), !c.Secret && ftp.IsAnnounce(c.Verb) && c.EndpointVia.Passive():
		sess.askedPassive = true
	}
}

// epsvAll tells whether c is "EPSV ALL" (RFC 2428 section 4).
func epsvAll(c *Command) bool {
	return !c.Secret && c.Verb == "EPSV" && strings.EqualFold(strings.TrimSpace(c.Arg), "ALL")
}

// rfc775Verbs are the RFC 775 forms of PWD, MKD, RMD, CWD and CDUP,
// which Windows's ftp.exe sends where other clients send RFC 959's.
var rfc775Verbs = [...]string{"XPWD", "XMKD", "XRMD", "XCWD", "XCUP"}

// rfc775Never: the client sent RFC 959's PWD, MKD or RMD, which
// Windows's ftp.exe never does, so an RFC 775 verb of it (a BSD client's
// fallback after a 500) tells nothing (RFC775Verb is "").
const rfc775Never = 0xff

// RFC775Verb is the first RFC 775 verb (XPWD, XMKD, XRMD, XCWD, XCUP) the
// session's client sent, in upper case; "" when none, or when it also
// sent RFC 959's PWD, MKD or RMD (rfc775Never): as a fallback after a
// 500, BSD clients send them too.
func (sess *Session) RFC775Verb() string {
	if sess.rfc775 == 0 || int(sess.rfc775) > len(rfc775Verbs) {
		return ""
	}
	return rfc775Verbs[sess.rfc775-1]
}

// AskedPassive tells whether the session's client asked for a passive
// endpoint (PASV, EPSV, LPSV), or a reply the tracker stood a command in
// for announced one.
func (sess *Session) AskedPassive() bool { return sess.askedPassive }

// ListData lists dc, a data connection of the session, in Data, and
// notes what the session's diagnosis needs of it whether or not Data
// keeps it (PassivePorts). The tracker lists every one this way; a
// session built by hand (a test) does the same.
func (sess *Session) ListData(dc *DataConn) {
	sess.Data = append(sess.Data, dc)
	if dc.Passive && !dc.modeUnknown {
		sess.passivePorts.add(dc.Announced.Port())
	}
}

// PassivePorts is the span of the announced ports of the session's
// passive data connections, as they were listed in Data: all of them,
// also those Data no longer keeps (RecentOnly, MaxDataPerSession).
func (sess *Session) PassivePorts() PortSpan { return sess.passivePorts }

// unseenCommand stands in for a command the capture lacks, so the reply
// that answers it can be kept and applied.
func (t *Tracker) unseenCommand(sess *Session, verb string, r Reply) *Command {
	sess.CommandCount++
	c := &Command{Seq: r.Seq, Index: sess.CommandCount, TS: r.TS, Num: r.Num, Verb: verb, Cwd: sess.Cwd, Unseen: true}
	sess.NoteCommand(c)
	t.keepCommand(sess, c)
	if !c.kept() {
		t.holdCommand(c)
	}
	sess.pending = append([]*Command{c}, sess.pending...)
	return c
}

// pairReply finds the pending command a reply answers. FIFO is the rule;
// while a transfer runs, the commands sent during it are told apart from
// it by code and text (duringTransfer); after a gap, a reply that fits a
// newer command but not the head pops the commands before it as having
// lost their reply. unasked: no command can have asked for the reply (a
// 425/426 while no transfer waits).
func (t *Tracker) pairReply(sess *Session, code int, text string) (c *Command, lostInGap, unasked bool) {
	blank := sess.flags&flagBlankLine != 0
	sess.flags &^= flagBlankLine
	if len(sess.pending) == 0 {
		return nil, sess.resync, false
	}
	head := sess.pending[0]
	if blank && code >= 500 && code <= 502 && ftp.IsTransfer(head.Verb) && len(head.Replies) > 0 {
		// The refusal of the empty or Telnet-only line just sent (a
		// keep-alive the server reads as a command): a transfer past its
		// 1yz is not refused, and its own reply is still to come.
		return nil, false, false
	}
	if code == 221 && head.Verb != "QUIT" && head.Verb != "REIN" {
		// A QUIT sent while an earlier command still waited (a client
		// giving up on a transfer): the 221 answers it, and the commands
		// before it will never get their replies.
		for i, p := range sess.pending {
			if p.Verb == "QUIT" {
				for _, q := range sess.pending[:i] {
					q.Status = StatusNoReply
					t.reportCommand(sess, q)
				}
				sess.pending = slices.Delete(sess.pending, 0, i)
				return p, false, false
			}
		}
	}
	if code == 421 || code == 221 && head.Verb != "QUIT" && head.Verb != "REIN" {
		// The server is closing: the pending commands are interrupted and
		// the 421 is a session event, not their result. (A 421 while no
		// transfer waits is held first: reply, settle421.)
		for _, p := range sess.pending {
			p.Status = StatusInterrupted
			t.reportCommand(sess, p)
		}
		sess.pending = slices.Delete(sess.pending, 0, len(sess.pending))
		return nil, false, false
	}
	if !sess.resync {
		if c, ended := duringTransfer(sess.pending, code, text); c != nil {
			switch ended {
			case StatusAborted:
				// The abort's reply went to the ABOR: the transfer's own
				// will not come, and the next transfer's must not fall to it.
				head.Status = StatusAborted
				t.reportCommand(sess, head)
				sess.pending = slices.Delete(sess.pending, 0, 1)
			case StatusNoReply:
				// A later transfer's 1yz: the server is past the commands
				// before it, which get no final reply.
				t.passOver(sess, slices.Index(sess.pending, c))
			}
			return c, false, false
		}
	}
	for head.Junk && code < 400 && len(sess.pending) > 1 && ftp.IsKnownVerb(sess.pending[1].Verb) && ftp.ValidReply(sess.pending[1].Verb, code) {
		// A junk line the server ignored (one it answers gets a 500): a
		// reply that is no refusal and fits the command after it is that
		// command's ("X", then PASV: the 227 is the PASV's).
		head.Status = StatusNoReply
		t.reportCommand(sess, head)
		sess.pending = slices.Delete(sess.pending, 0, 1)
		head = sess.pending[0]
	}
	if ftp.ValidReply(head.Verb, code) && !(sess.resync && code == 200 && head.Verb == "EPSV" && !strings.EqualFold(head.Arg, "ALL")) {
		// (After a gap, a 200 answers an EPSV only as "EPSV ALL" does,
		// RFC 2428 4; a plain EPSV draws 229 or a refusal: the 200
		// answers a later command, and the EPSV's 229 was in the gap.)
		return head, false, false
	}
	if (code == 425 || code == 426) && !sess.resync && ftp.IsKnownVerb(head.Verb) && !ftp.IsTransfer(head.Verb) && !ftp.IsAnnounce(head.Verb) {
		// Only a transfer has a data connection to fail (and a PASV or
		// PORT one to set up): a 425 while SIZE or TYPE waits is the
		// server's own report, sent unasked (pyftpdlib's "425 Rejected
		// data connection from foreign address" when it drops the data
		// connection: pcaps/real/pyftpdlib-data-source-nat.pcap). Paired
		// with the head, every reply after it would shift one place.
		// (After a gap the head's reply may be lost: the resync below
		// finds the transfer the 425 answers.)
		return nil, false, true
	}
	if c := t.skipped(sess, code); c != nil {
		return c, false, false
	}
	if sess.resync && ftp.IsKnownVerb(head.Verb) {
		// (An unknown verb's replies are not in the table: FIFO rules.)
		for i := 1; i < len(sess.pending); i++ {
			if ftp.ValidReply(sess.pending[i].Verb, code) {
				for _, lost := range sess.pending[:i] {
					lost.Status = StatusReplyLost
					if changesDir(lost.Verb) {
						// Whether it changed the directory, its lost reply
						// would have said: unknown from here (as after a
						// directory reply whose command was lost).
						sess.Cwd = ""
					}
					t.event(sess, Event{Kind: EventCommandLost, TS: lost.TS, Num: lost.Num, Text: lost.Verb})
					t.reportCommand(sess, lost)
				}
				sess.pending = slices.Delete(sess.pending, 0, i)
				return sess.pending[0], false, false
			}
		}
		// Nothing pending fits: it answers a command the gap swallowed.
		return nil, true, false
	}
	return head, false, false
}

// skipped finds, without a gap, the command a reply answers when the
// server skipped the ones before it: it read a packet of several lines,
// answered the first and dropped the rest (suricata-verify's
// bug-8489-03.pcap: "PWD\r\nPWD\r\nPWD\r\n" in one packet drew one 257,
// and the 250 after it answers the CWD sent next). Paired FIFO, the 250
// went to the second PWD and every reply after it shifted one place, a
// failure filed under the wrong command. The rule asks for proof that the
// commands passed over got no reply, so that a server that answers every
// line with a code the table lacks is still paired FIFO:
//
//   - the reply fits none of them (ftp.ValidReply), and fits a later
//     pending command, which takes it;
//   - each of them repeats the line (verb and argument) of the command
//     that got the latest final reply, and came in the same packet: that
//     line had its answer already, and the server answered no more of
//     the packet;
//   - none has had a reply, or is a password line.
//
// The second rule gives way to the reply's own code when it answers one
// kind of command only (answersOneKind: a 227, a 150, a 350): the
// commands before the one that takes it got no reply, repeated or not
// (a TYPE, then a PASV: a 227 is the PASV's). The commands passed over
// end with no reply. nil: FIFO (or the resync after a gap) decides.
func (t *Tracker) skipped(sess *Session, code int) *Command {
	if sess.resync {
		return nil
	}
	for i, p := range sess.pending {
		if i > 0 && ftp.ValidReply(p.Verb, code) {
			t.passOver(sess, i)
			return p
		}
		if p.bits&cmdRepeat == 0 && !answersOneKind(code) || len(p.Replies) > 0 || p.Secret || p.Junk || p.Unseen || !ftp.IsKnownVerb(p.Verb) || ftp.ValidReply(p.Verb, code) {
			return nil
		}
	}
	return nil
}

// passOver ends the first n pending commands with no final reply
// (StatusNoReply): the server answered a later command, and never will
// them. An endpoint armed again for one of them (reuse.go) that nothing
// tried is given back, as at a final reply: the server may never have
// listened there for it.
func (t *Tracker) passOver(sess *Session, n int) {
	for _, q := range sess.pending[:n] {
		q.Status = StatusNoReply
		t.dropUnusedReuse(sess, q)
		t.reportCommand(sess, q)
	}
	sess.pending = slices.Delete(sess.pending, 0, n)
}

// duringTransfer finds the command behind a running transfer that a reply
// answers, or nil for FIFO. A client may send commands while a transfer
// runs (ABOR, NOOP, STAT): the server answers those at once, but the
// transfer only when its data connection ends, and some never answer it
// (a transfer ABOR cut short, or one Pure-FTPd 1.0.50 ends with a second
// 150 after the client closed the data connection). So order alone
// pairs wrong; RFC 959 section 4.1.3 lets ABOR get 426 then 226, or only
// 226, and servers differ. Three kinds of evidence move a reply past the
// transfer at the head:
//
//   - Its text names the abort: a 225 or 226 whose first line says
//     "abor..." ("226 Abort successful", ProFTPD 1.3.8 after an RFC 959
//     Telnet IP/DM ABOR, with no 426 before it) answers the ABOR behind
//     the transfer, not the transfer. (A 426 fits no ABOR: it stays the
//     transfer's.)
//
//   - Its code cannot end a transfer that has started (had its 1yz): a
//     code not among the transfer's (200 "Zzz..." to a NOOP), or one of
//     the codes that refuse a command before it starts (500 "Unknown
//     command", Pure-FTPd's answer to an ftplib ABOR sent with MSG_OOB,
//     while the data keeps flowing). It answers the first command behind
//     that accepts it.
//
//   - It is a second 1yz (125, 150) while a transfer command waits
//     behind the started transfer with none of its own: a command takes
//     one 1yz before its final reply, and a server runs one transfer at
//     a time, so the 1yz is the later transfer's, and the started one
//     (with any command between) will get no final reply (ended
//     StatusNoReply): pyftpdlib 1.5.7 answers a STOU with "150 FILE:
//     ..." and, the client connecting nowhere, sends no more for it,
//     while the client's PASV and RETR go on (PASV 227, RETR 125).
//     Paired FIFO, the 125 and every reply after it went to the command
//     before its own. (With no transfer waiting behind it, a second 1yz
//     stays the transfer's: Pure-FTPd 1.0.50's closing 150.)
//
// For a code, the transfer stays pending: its own final reply (226 when
// the data ends) still comes, or none does. For the abort's 225/226
// (ended StatusAborted) it does not: the ABOR's reply is the last word
// on it. Before its 1yz a transfer is passed over only for a code a
// transfer never gets (answersOneKind: a 227 to the PASV behind it; a
// server may hold the transfer until its data connection comes): a 500
// or 530 then is its own refusal. ended is StatusPending when the head
// stays pending.
// Not after a gap (the caller's resync owns that case: there a reply
// the head does not fit means the head's reply was lost).
func duringTransfer(pending []*Command, code int, text string) (c *Command, ended CommandStatus) {
	head := pending[0]
	if len(pending) < 2 || !ftp.IsTransfer(head.Verb) {
		return nil, StatusPending
	}
	if (code == 225 || code == 226) && namesAbort(text) {
		for _, p := range pending[1:] {
			if p.Verb == "ABOR" {
				// A transfer that had its 1yz is over; one that had none
				// may still get it (an ABOR answered before the 150).
				if len(head.Replies) > 0 {
					return p, StatusAborted
				}
				return p, StatusPending
			}
		}
	}
	started := len(head.Replies) > 0
	if started && ftp.IsPreliminary(code) {
		for _, p := range pending[1:] {
			if isTransfer(p) && len(p.Replies) == 0 && ftp.ValidReply(p.Verb, code) {
				return p, StatusNoReply
			}
		}
		return nil, StatusPending
	}
	if !started && !(answersOneKind(code) && !ftp.ValidReply(head.Verb, code)) ||
		ftp.ValidReply(head.Verb, code) && !refusesCommand(code) {
		// Not started (and a code it may get), or a code that may end it.
		return nil, StatusPending
	}
	for _, p := range pending[1:] {
		if ftp.ValidReply(p.Verb, code) {
			return p, StatusPending
		}
	}
	return nil, StatusPending
}

// answersOneKind reports whether code answers only one kind of command
// (the ones ftp.ValidReply takes it for): 227 a PASV, 228 an LPSV, 229 an
// EPSV, 350 a REST or RNFR (or SITE), 125 and 150 a transfer command,
// 426 a transfer, 225 and 226 a transfer or ABOR. Without a gap, such a
// reply that the command at the head of the queue cannot take, while a
// later one can, is that later command's: the server passed over the
// ones before it (skipped, duringTransfer). Paired FIFO, it and every
// reply after it would go to the command before its own (a 227 to a
// TYPE, "PASV refused" for the 200 after it). A code any command may get
// (200, 250, 500...) is no such evidence: a server may answer a command
// with a code the table lacks.
func answersOneKind(code int) bool {
	switch code {
	case 125, 150, 225, 226, 227, 228, 229, 350, 426:
		return true
	}
	return false
}

// refusesCommand reports whether code is one that turns a command down
// before it runs (RFC 959 section 4.2: syntax error, not implemented,
// not logged in), valid after any command but never after a transfer's
// 1yz. (421 closes the session: pairReply handles it first.)
func refusesCommand(code int) bool {
	switch code {
	case 500, 501, 502, 530:
		return true
	}
	return false
}

// namesAbort reports whether the first line of a reply's text names the
// abort or the command: "abor" in any case ("Abort successful", "Transfer
// aborted", "ABOR command successful"). The first line is the status; the
// lines after it in a multi-line reply are a server's banner or statistics.
func namesAbort(text string) bool {
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	const word = "abor"
	for i := 0; i+len(word) <= len(text); i++ {
		j := 0
		for j < len(word) && text[i+j]|0x20 == word[j] {
			j++
		}
		if j == len(word) {
			return true
		}
	}
	return false
}

// loginRefusal: a reply code that refuses a login whatever line drew
// it (530 Not logged in, 430 Invalid username or password).
func loginRefusal(code int) bool { return code == 530 || code == 430 }

// preliminary handles a 1yz reply.
func (t *Tracker) preliminary(sess *Session, c *Command, r *Reply, e *decode.ControlEvent) {
	if len(t.raced) > 0 && r.Code == 125 && ftp.IsTransfer(c.Verb) {
		// "Data connection already open" (RFC 959): the server has the
		// connection, on this session (before the size below: the swap
		// moves it). Not a 150, "about to open": some servers (IIS) send
		// it as they start waiting for the connection, before it came.
		t.settleRace(sess, c, false)
	}
	if r.Code == 150 || r.Code == 125 {
		if n, ok := ftp.ParseSize(r.Code, r.Text); ok {
			for _, dc := range c.Transfer {
				dc.ExpectedSize = n
			}
		}
	}
}

// needsLogin tells whether a server accepts c only from a logged-in
// user: a transfer, a directory command (RFC 959 5.4: 530 before login;
// vsftpd, ProFTPD, Pure-FTPd refuse them so), not one any client may send
// before logging in (USER, PASS, FEAT, SYST, HELP, NOOP, AUTH, QUIT…).
func needsLogin(c *Command) bool {
	if c.Unseen || c.Secret {
		return false
	}
	switch c.Verb {
	case "RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD", "MLST",
		"PWD", "XPWD", "CWD", "XCWD", "CDUP", "XCUP", "SIZE", "MDTM",
		"DELE", "RNFR", "RNTO", "MKD", "XMKD", "RMD", "XRMD":
		return true
	}
	return false
}

// apply updates the session with a command's final reply.
func (t *Tracker) apply(sess *Session, c *Command, r *Reply, e *decode.ControlEvent) {
	ok := r.Code >= 200 && r.Code < 300
	if e.Encrypts && !sess.Encrypted {
		// Decode saw the 234 accept an AUTH: ciphertext from here.
		t.encryptControl(sess, Event{Kind: EventEncrypted, TS: r.TS, Num: r.Num, Code: r.Code, Text: strings.TrimSpace(c.Verb + " " + c.Arg)})
	}
	verb := c.LoginVerb() // (the password or account line, however mangled)
	if sess.Midstream && sess.Login == LoginNone && r.Code >= 200 && r.Code < 300 && needsLogin(c) {
		sess.LoginBefore = true
	}
	// A server refuses a USER or PASS sent while a login stands (vsftpd
	// and busybox: "530 Can't change to another user."; "503 Already
	// logged in."): the login stands, and so does its user. After a REIN
	// or a USER it accepts, the next attempt is the session's login.
	stands := sess.Login == LoginOK && sess.flags&flagReLogin == 0
	// was: the login that stood, which a new attempt may replace
	// (replacedLogin).
	was := login{user: sess.User, state: sess.Login}
	connectFailed := false // a PORT/EPRT/LPRT answered by the server's failed connect back
	switch verb {
	case "USER":
		switch {
		case r.Code == 230:
			sess.User, sess.Login = c.Arg, LoginOK
			sess.flags &^= flagReLogin
		case r.Code == 331 || r.Code == 332:
			sess.User, sess.Login = c.Arg, LoginPending
		case !stands && r.Code >= 400:
			sess.User, sess.Login = c.Arg, LoginFailed
		case !stands:
			// A reply no USER draws (a 220 paired with it when the snap
			// length cut the greeting's line end): the user is named,
			// the verdict is not known.
			sess.User, sess.Login = c.Arg, LoginPending
		}
		sess.replacedLogin(was)
	case "PASS", "ACCT":
		switch {
		case r.Code == 230 || r.Code == 202:
			sess.Login = LoginOK
			sess.flags &^= flagReLogin
		case r.Code == 332:
			sess.Login = LoginPending
		case r.Code >= 400 && !stands && (c.Verb == verb || loginRefusal(r.Code)):
			// A line only taken for a password (mangled, or after a gap
			// that may hold the USER and PASS and more commands) fails
			// the login only by a reply that refuses one: the 425 it
			// drew answers the LIST at its end.
			sess.Login = LoginFailed
		}
		sess.replacedLogin(was)
	case "REIN":
		if ok {
			sess.flags |= flagReLogin
		}
	case "QUIT":
		if r.Code == 221 {
			sess.quit = true
		}
	case "CWD", "XCWD":
		switch {
		case r.Code != 250 && r.Code != 200:
		case c.RestNotCaptured():
			sess.Cwd = "" // (its path only begun: where it went is not known)
		default:
			sess.Cwd = joinPath(sess.Cwd, c.Arg)
		}
	case "CDUP", "XCUP":
		if ok {
			sess.Cwd = joinPath(sess.Cwd, "..")
		}
	case "PWD", "XPWD":
		if r.Code == 257 {
			if p, found := quotedPath(r.Text); found {
				sess.Cwd = p
			}
		}
	case "PROT":
		if ok {
			// Read in clear text: before AUTH (servers refuse it there,
			// RFC 4217 section 9) or after CCC.
			sess.noteProt(c.Arg)
		}
	case "TYPE":
		if ok {
			sess.Type = strings.ToUpper(strings.TrimSpace(c.Arg))
		}
	case "REST":
		if r.Code == 350 && c.RestNotCaptured() {
			// Its digits only begun ("REST 12" of "REST 1234567"): the
			// server restarts at an offset the capture does not hold,
			// not at the digits it does.
			sess.memo().rest = RestUnknown
		} else if r.Code == 350 {
			var n int64
			for _, ch := range strings.TrimSpace(c.Arg) {
				if ch < '0' || ch > '9' || n > 1<<50 {
					n = -1
					break
				}
				n = n*10 + int64(ch-'0')
			}
			sess.memo().rest = n
		}
	case "SIZE":
		if r.Code == 213 {
			if n, found := ftp.ParseSize(213, r.Text); found {
				m := sess.memo()
				m.sizePath, m.size = joinPath(sess.Cwd, c.Arg), n
			}
		}
	case "PASV", "EPSV", "LPSV":
		if e.Endpoint.Via != 0 && !epsvAll(c) {
			// (EPSV ALL switches the session to EPSV only, RFC 2428
			// section 4: it opens no endpoint, whatever its reply reads;
			// Node's ftp-srv answers "229 EPSV OK (|||40007|)", a port
			// no client will connect to.)
			c.EndpointVia = e.Endpoint.Via
			c.Endpoint = e.Endpoint.Addr
			c.EndpointErr = e.EndpointErr
			if e.EndpointErr != nil {
				t.event(sess, Event{Kind: EventEndpointMalformed, TS: r.TS, Num: r.Num, Code: r.Code, Text: e.EndpointErr.Error()})
			} else if passiveReply(r) {
				t.arm(sess, c, true, r.TS, r.Num)
				if e.EndpointAlt.Via != 0 {
					t.armAmbiguous(sess, c, e) // (multiline.go)
				}
			}
		}
	case "PORT", "EPRT", "LPRT":
		connectFailed = connectBackFailed(c, r)
		// Armed at the command (some servers connect before they reply);
		// a refusal before any SYN means it never was an expectation.
		if dc := c.Data; dc != nil && r.Code != 200 && !dc.Seen() {
			t.retract(sess, dc)
		} else if c.EndpointErr != nil {
			t.event(sess, Event{Kind: EventEndpointMalformed, TS: c.TS, Num: c.Num, FromClient: true, Text: c.EndpointErr.Error()})
		}
	}
	switch c.Verb {
	case "EPSV":
		// EPSV ALL (RFC 2428 section 4) announces nothing: a 2yz accepts
		// it (the client will use only EPSV from here).
		c.Refused = r.Code != 229 && !(ok && epsvAll(c))
	case "PASV", "LPSV":
		c.Refused = r.Code != 227 && r.Code != 228 && r.Code != 229
	case "PORT", "EPRT", "LPRT":
		c.Refused = r.Code != 200 && !connectFailed
	}
	if !c.Secret && ftp.IsTransfer(c.Verb) {
		if ok && len(t.raced) > 0 {
			// The server's 226 as the connection a guess gave another
			// session closed: this session's (before transferDone
			// finishes an announcement nothing connected to).
			t.settleRace(sess, c, true)
		}
		t.transferDone(sess, c, r)
		if len(t.raceDoubt) > 0 {
			t.raceTransferDone(sess)
		}
	}
	if c.Verb != "REST" && ftp.IsTransfer(c.Verb) && sess.xfer != nil {
		sess.xfer.rest = -1
	}
}

// encryptControl marks the control channel as ciphertext from here: a
// PROT read in clear text before no longer tells the data protection,
// since the client may set another inside TLS.
func (t *Tracker) encryptControl(sess *Session, ev Event) {
	sess.prot = protUnseen
	t.encrypt(sess, ev)
}

// maxCwd bounds the working directory a session keeps (Linux's
// PATH_MAX): each command records it, so a client that descends without
// end (CWD after CWD of long names) would otherwise make every later
// record, and the work of building it, grow with all the names before.
const maxCwd = 4096

// changesDir tells whether verb is a command that changes the working
// directory.
func changesDir(verb string) bool {
	switch strings.ToUpper(verb) {
	case "CWD", "XCWD", "CDUP", "XCUP":
		return true
	}
	return false
}

// dirReplyText tells whether a 200's text is a directory change's
// ("200 CDUP command successful", "200 directory changed to /x"), not
// TYPE's, PORT's or NOOP's.
func dirReplyText(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "cwd") || strings.Contains(t, "cdup") || strings.Contains(t, "director")
}

// joinPath applies a CWD argument to the working directory. An unknown
// working directory stays unknown for relative arguments, and one longer
// than maxCwd becomes unknown.
func joinPath(cwd, arg string) string {
	if arg == "" {
		return cwd
	}
	var p string
	switch {
	case strings.HasPrefix(arg, "/"):
		p = path.Clean(arg)
	case cwd == "":
		return ""
	default:
		p = path.Join(cwd, arg)
	}
	if len(p) > maxCwd {
		return ""
	}
	return p
}

// quotedPath reads the path of a 257 reply: the first double-quoted string,
// with "" standing for a quote (RFC 959 appendix II).
func quotedPath(text string) (string, bool) {
	i := strings.IndexByte(text, '"')
	if i < 0 {
		return "", false
	}
	var b strings.Builder
	for j := i + 1; j < len(text); j++ {
		if text[j] == '"' {
			if j+1 < len(text) && text[j+1] == '"' {
				b.WriteByte('"')
				j++
				continue
			}
			return b.String(), true
		}
		b.WriteByte(text[j])
	}
	return "", false
}

// lostAnnouncement finds, for the transfer command x, the session's
// latest passive announcing command (PASV, EPSV, LPSV) before it when
// that command's reply was lost in a capture gap, and nothing announced
// or transferred between them.
func lostAnnouncement(sess *Session, x *Command) *Command {
	for i := len(sess.Commands) - 1; i >= 0; i-- {
		c := sess.Commands[i]
		switch {
		case c == x || c.Index > x.Index:
		case c.Data != nil || ftp.IsTransfer(c.Verb):
			return nil
		case c.Verb == "PASV" || c.Verb == "EPSV" || c.Verb == "LPSV":
			if c.Status == StatusReplyLost && !c.Secret {
				return c
			}
			return nil
		case ftp.IsAnnounce(c.Verb):
			return nil
		}
	}
	return nil
}

// endSession makes everything of the session final and reports its end.
func (t *Tracker) endSession(sess *Session, reason EndReason) {
	if sess.ended {
		return
	}
	// A 421 nothing came after: the server closed the session with it.
	t.settle421(sess, false)
	if m := sess.xfer; m != nil && m.joined != nil {
		t.settleJoined(sess, 0, true)
	}
	if sess.clientGap {
		// A gap of the client's bytes no command came after: it may
		// have held a PORT whose connection the server tried (data.go).
		t.activeMayBeLost(sess, nil, latestCommand(sess))
	}
	t.settleLostPort(sess)
	if len(t.unsolicited) > 0 {
		t.forgetUnsolicited(sess)
	}
	if reason == EndCaptureEnd && !sess.ended {
		// A transfer begun before the capture and still hanging at its
		// end (running.go).
		t.claimRunningAtEnd(sess)
	}
	sess.ended = true
	if sess.Midstream && reason != EndCaptureEnd {
		// (One that ends with the capture stays listed: the others
		// ending with it are judged with it, othersWaiting.)
		t.forgetMidstream(sess)
	}
	t.unindexISN(sess)
	sess.End = t.last
	if !sess.lastSeen.IsZero() {
		sess.End = sess.lastSeen
	}
	if cs := sess.ClockSteps; cs != nil && cs.Back == 0 && cs.Forward == 0 && cs.Set == 0 {
		sess.ClockSteps = nil // lived through none: nil says so
	}
	if sess.Watched.IsZero() {
		// Ended with no close of decode's (the tracker's own end):
		// watched until the latest packet of all.
		sess.Watched = t.last
	}
	if sess.EndReason == EndOpen {
		sess.EndReason = reason
	}
	// What never got going is final now; a data connection still moving
	// data goes on to its own end (FIN, RST, idle, capture end), and the
	// session's end is reported after it. So does the latest
	// announcement still waiting when the control connection closed, to
	// the end of its wait (afterend.go).
	held := t.holdAfterEnd(sess, reason)
	var buf [8]*DataConn // (a copy, on the stack for a few: finishData may change sess.Data)
	for _, dc := range append(buf[:0], sess.Data...) {
		// (A flow taken for now is final too, reset or not: no gap came
		// to keep it, finishData gives it back.)
		if dc != held && !dc.Done && (!established(dc) || t.flowOnly(dc)) && !connectedAfterClose(sess, reason, dc) {
			// An announcement nothing connected to before the 221 that
			// answered the QUIT is not undetermined for the capture's
			// end: the session was over, and no connection comes after
			// it (suricata-verify's ftp-bounce.pcap: PORT, 200, QUIT,
			// 221 and no FIN). A SYN already sent may still be answered.
			dc.atEnd = reason == EndCaptureEnd && !(sess.quit && dc.SYNs == 0)
			t.finishData(dc)
		}
	}
	// Data connections held for a final reply, or for their transfer
	// command (awaitCommand), that will not come now; the hold lets go
	// of them with the session.
	for _, dc := range sess.Data {
		if dc.Done {
			t.reportData(dc)
		}
	}
	if len(t.awaiting) > 0 {
		t.awaiting = slices.DeleteFunc(t.awaiting, func(w awaitedData) bool { return w.dc.Session == sess })
	}
	// Pending commands after: an active announcement never answered is
	// retracted above, so its command names no data connection.
	for _, c := range sess.pending {
		c.Status = StatusNoReply
		t.reportCommand(sess, c)
	}
	sess.pending = nil
	t.maybeReportEnd(sess)
}

// connectedAfterClose tells whether dc is a connection its session's own
// peer began (its first SYN) after the control connection's last packet,
// closed by FIN or RST: the connection the held announcement waits for
// (afterend.go), linked before the close was (decode delivers an RST's
// close once its copies had their time, the data SYN first). Its SYN may
// be answered yet: it goes on to its own end, as when linked after the
// close, not final (unanswered) at the session's end.
func connectedAfterClose(sess *Session, reason EndReason, dc *DataConn) bool {
	return (reason == EndFIN || reason == EndRST) && dc.SYNs > 0 && dc.Match != MatchPortOnly &&
		dc.FirstSYN.After(sess.End)
}

// helperOnFamily is what Linux's nf_conntrack_ftp does with an endpoint of
// the other family, by the form that announced it: an EPRT is a partial
// match it drops (try_eprt refuses the family); a PORT or 227 parses, but
// its address is not the connection's, so no expectation is recorded
// (a mixed address with loose=1); LPRT and 228 it does not parse.
func helperOnFamily(v ftp.Via, named, sender netip.Addr) string {
	switch v {
	case ftp.ViaEPRT:
		return " (a Linux conntrack helper drops it)"
	case ftp.ViaPORT, ftp.ViaPASV:
		// nf_conntrack_ftp starts from the sender's own address and
		// try_rfc959 writes the four numbers over its first four bytes:
		// over IPv6 the result is the sender's address, and an
		// expectation recorded, when those are its first 32 bits.
		if s := sender.Unmap(); named.Is4() && s.Is6() {
			if b, n := s.As16(), named.As4(); [4]byte(b[:4]) == n {
				return " (a Linux conntrack helper writes the four numbers over the first 32 bits of the sender's address, which they equal, and records an expectation for it)"
			}
		}
		return " (a Linux conntrack helper records no expectation for it)"
	}
	return ""
}

// omitData counts one data connection of sess not followed (saturates).
func (sess *Session) omitData() {
	if sess.DataOmitted < math.MaxInt32 {
		sess.DataOmitted++
	}
}
