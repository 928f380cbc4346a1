package diagnose

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// A transfer the server started and then gave up. RFC 959 (5.4) lists,
// after a transfer command's 1yz, 425 and 426 (server-data-error), and
// 451, 452, 550, 551, 552 and 421 as its failures; a server may send any
// 4yz/5yz. Once the 1yz came, the transfer had started: the failure is
// not a refusal of the command (a 550 to RETR of a missing file comes
// without one) but a transfer broken off, often after part of the file
// had moved, which the data connection's outcome alone ("transferred")
// hides.

// started tells whether the server started c's transfer: a 1yz reply.
func started(c *track.Command) bool {
	for i := range c.Replies {
		if ftp.IsPreliminary(c.Replies[i].Code) {
			return true
		}
	}
	return false
}

// preliminary is c's first 1yz reply, or nil.
func preliminary(c *track.Command) *track.Reply {
	for i := range c.Replies {
		if ftp.IsPreliminary(c.Replies[i].Code) {
			return &c.Replies[i]
		}
	}
	return nil
}

// abortedTransfer tells whether c is a transfer the server started whose
// final reply r is a failure transfer-aborted explains: not 425/426
// (server-data-error), not after the client's own ABOR.
func abortedTransfer(s *track.Session, c *track.Command, r *track.Reply) bool {
	return r != nil && r.Code >= 400 && r.Code != 425 && r.Code != 426 &&
		!c.Secret && ftp.IsTransfer(c.Verb) && started(c) && !c.Uncertain && !aborted(s, c)
}

// transferMoved says how much of c's transfer moved on dc, for a
// message: "21448 of 10485760 bytes", "all 4000 bytes", "10000 bytes";
// "" when the capture shows no data connection for it. For a TLS data
// connection the bytes are records, not the file.
func transferMoved(c *track.Command, dc *track.DataConn) (moved string, sent int64) {
	if dc == nil {
		return "", -1
	}
	download := ftp.IsDownload(c.Verb)
	// dc.Bytes is indexed by who opened the connection: in passive mode
	// the client, in active mode the server.
	send := 0
	if download == dc.Passive {
		send = 1
	}
	sent = dc.Bytes[send]
	if _, tls := dc.TLSHandshake(); tls {
		return fmt.Sprintf("%d bytes of TLS records", sent), sent
	}
	switch m := dc.ExpectedSize; {
	case m > 0 && !dc.Restarted() && sent < m:
		return fmt.Sprintf("%d of %s", sent, plural(int(m), "byte", "bytes")), sent
	case m > 0 && !dc.Restarted() && sent >= m:
		return "all " + plural(int(m), "byte", "bytes"), sent
	}
	return plural(int(sent), "byte", "bytes"), sent
}

// transferAborted explains a transfer the server started (a 1yz) and
// then failed with r: its final reply (a 4yz/5yz other than 425/426), or,
// with closing, the unsolicited 421 (or 221) that ended the session
// while it ran (nil when the capture does not keep that reply: live
// output keeps no events). The message is the same for every transfer
// that failed alike (the text output collapses repeats by it): the bytes
// and the reply's packets are in the evidence.
func (d *Diagnoser) transferAborted(s *track.Session, c *track.Command, r *track.Reply, closing bool) *Finding {
	var dc *track.DataConn
	if n := len(c.Transfer); n > 0 {
		dc = c.Transfer[n-1]
	}
	if dc != nil && dc.Outcome.Failed() {
		return nil // no data connection was made: its own finding says why
	}
	f := &Finding{Code: CodeTransferAborted, Severity: SeverityWarning, TS: c.TS}
	pre := preliminary(c)
	pk := []uint64{c.Num, pre.Num}
	ev := fmt.Sprintf("%q (packet %d): %d (packet %d)", commandText(c), c.Num, pre.Code, pre.Num)
	if r != nil {
		f.TS = r.TS
		pk = append(pk, r.Num)
		ev += fmt.Sprintf(", then %q (packet %d) %s later", replyText(r), r.Num, dur(r.TS.Sub(pre.TS)))
	} else {
		ev += ", then the server ended the session (an unsolicited 421 or 221)"
	}
	moved, sent := transferMoved(c, dc)
	if !closing && sent <= 0 && refusedAfterStart(r.Code) {
		// Nothing moved: a server that sends its 150 before it looks at
		// the file (IIS's "150 Opening…" then "550 The system cannot find
		// the file", an empty NLST's 450, Pure-FTPd's 553 on a denied
		// STOR) refused the command; it broke nothing off. The server's
		// verdict speaks of data connections that carried nothing.
		return nil
	}
	if dc != nil {
		dev := fmt.Sprintf("data connection #%d %s: %s moved", dc.ID, endpointText(dc), moved)
		if r != nil && closing && (dc.End.IsZero() || !dc.End.Before(r.TS)) {
			dev += fmt.Sprintf(", still open at the %d", r.Code)
		}
		ev = joinEvidence(ev, dev)
		pk = append(pk, dc.SYNNum)
	} else {
		ev = joinEvidence(ev, "no data connection for it in the capture")
	}
	f.Evidence, f.Packets = ev, packets(pk)
	partway := ""
	if dc != nil && dc.ExpectedSize > 0 && !dc.Restarted() && sent < dc.ExpectedSize {
		partway = " partway"
	}
	what := "the transfer"
	switch {
	case ftp.IsUpload(c.Verb):
		what = "the upload"
	case c.Verb == "RETR":
		what = "the download"
	case ftp.IsListing(c.Verb):
		what = "the listing"
	}
	what += " (" + verbText(c) + ")"
	if r == nil {
		f.Message = fmt.Sprintf("The server ended the session while %s was running: the transfer did not complete.", what)
		f.Advice = "The server's reply and log give why: a data timeout (the data flow stalled), a shutdown, or a session limit."
		return f
	}
	text := strings.ToLower(r.Text)
	if dc != nil && !closing && uploadResetByClient(dc, c, r) {
		// The client reset its upload's data connection before the
		// server's failure: the server reports what the client did.
		f.Severity = SeverityInfo
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("a reset from the client's side of the data connection %s before the %d", dur(r.TS.Sub(dc.RSTTS)), r.Code))
		f.Message = fmt.Sprintf("The data connection of %s was reset from the client's side while the client was sending, and the server's %d follows from it: the client gave the upload up, or a firewall or NAT reset the connection in its name.", what, r.Code)
		f.Advice = "Look at the client's log first (its own time limit, an interrupt, a local read error); if it reports a reset it did not send, look for a firewall or NAT between client and server that resets long-running data connections. Nothing on the server needs to change."
		return f
	}
	if dc != nil && !closing {
		if stop := receiverStopped(dc, c, r); stop.ok && stop.download {
			// The client closed the download first (it gave up): the
			// server's failure follows from that.
			f.Severity = SeverityInfo
			f.Evidence = joinEvidence(f.Evidence, stop.evidence(r))
			f.Message = fmt.Sprintf("The client stopped %s itself: it closed or reset the data connection while the server was still sending, and the server's %d follows from it.", what, r.Code)
			f.Advice = "Nothing to change on the network or the server: the client gave the transfer up (its own time limit, an interrupt); look at the client if the file should have arrived whole."
			return f
		}
	}
	switch {
	case closing && r.Code == 421 && dataTimeoutText(text) && sent == 0:
		f.Message = fmt.Sprintf("The server gave up %s on a data timeout (421): no data moved on its data connection for as long as the server waits (%s).", what, dataTimeoutName(d.family(s)))
		f.Advice = "Nothing moved at all: a firewall or NAT on the data path that lets the connection through but not its data, or a receiver that never read. Look at the data connection's segments in the capture, then at the firewalls between client and server."
	case closing && r.Code == 421 && dataTimeoutText(text):
		f.Message = fmt.Sprintf("The server gave up %s%s on a data timeout (421): the data stopped moving, with the data connection still open, for as long as the server waits (%s).", what, partway, dataTimeoutName(d.family(s)))
		f.Advice = "A data flow that stops mid-transfer with its connection open is, most often, a firewall or NAT on the data path that dropped the established connection (its state or conntrack timeout, e.g. nf_conntrack_tcp_timeout_established, or a table that was flushed), or an MTU black hole (full-size segments dropped and the ICMP \"fragmentation needed\" filtered): the sender then resends the same segment with no ACK. A receiver that stopped reading advertises a zero window instead. Look at the data connection's last segments in the capture to tell which, then at the firewalls and the MTU between client and server; the server's data timeout only sets how long it waits."
	case closing:
		f.Message = fmt.Sprintf("The server ended the session (%d) while %s was running: the transfer did not complete.", r.Code, what)
		f.Advice = "The server ended it, not the network: its reply and its log give why (a shutdown or restart, a limit on the session's time, an idle timeout that counts a long transfer as idle, an administrator's kick)."
	case r.Code == 452 || r.Code == 552 || storageText(text):
		f.Message = fmt.Sprintf("The server aborted %s%s (%d): it ran out of storage or reached a quota or size limit.", what, partway, r.Code)
		f.Advice = "Free space on the server's disk, or raise the account's quota or the server's file size limit; the network is not the cause."
	case networkText(text):
		// The server's own words blame the data connection ("451
		// Failure reading network stream."): a break on the path.
		f.Message = fmt.Sprintf("The server aborted %s%s (%d): it reports that its data connection failed.", what, partway, r.Code)
		f.Advice = "Look for a firewall or NAT that times out or resets data connections during long transfers, or a peer that closed the data connection; the data connection's last segments in the capture show which side ended it."
	case r.Code == 451:
		f.Message = fmt.Sprintf("The server aborted %s%s (451): an error on its own side while it ran.", what, partway)
		f.Advice = "Read the server's log at that time: a disk or file system error, a file changed or removed while it was sent, or a resource limit on the server; the network path of the data connection is not the cause."
	case r.Code/100 == 5 || r.Code == 450:
		f.Message = fmt.Sprintf("The server aborted %s%s (%d): the file became unavailable, or could not be read or written, while it was transferred.", what, partway, r.Code)
		f.Advice = "Read the server's log at that time: a read or write error, permissions, or the file being changed or removed during the transfer; the network path of the data connection is not the cause."
	default:
		f.Message = fmt.Sprintf("The server aborted %s%s (%d) after it had started it.", what, partway, r.Code)
		f.Advice = "The reply and the server's log give the reason; the data connection itself was made."
	}
	return f
}

// refusedAfterStart: the failure codes a server sends after its 150 when
// it refuses the command itself (no such file, no permission, an empty
// listing), rather than breaking a transfer off.
func refusedAfterStart(code int) bool {
	switch code {
	case 450, 501, 550, 553:
		return true
	}
	return false
}

// uploadResetByClient tells whether c is an upload whose data connection
// the client (its sender) reset before the final reply r.
func uploadResetByClient(dc *track.DataConn, c *track.Command, r *track.Reply) bool {
	if !ftp.IsUpload(c.Verb) || dc.RSTTS.IsZero() || dc.RSTTS.After(r.TS) {
		return false
	}
	// RSTFromServer: from the side the connection was opened to, which
	// is the FTP server in passive mode and the client in active mode.
	return dc.RSTFromServer != dc.Passive
}

// dataTimeoutText tells a 421 (lower case) sent because the data
// connection stopped moving: vsftpd's "Data timeout. Reconnect. Sorry."
// (data_connection_timeout), ProFTPD's "Data transfer stall timeout: N
// seconds" (TimeoutStalled), and other servers' "no data"/"stalled"
// wordings; not an idle or login timeout, nor ProFTPD's "No transfer
// timeout" (TimeoutNoTransfer: no transfer was started at all).
func dataTimeoutText(text string) bool {
	if strings.Contains(text, "no transfer timeout") {
		return false
	}
	timeout := strings.Contains(text, "timeout") || strings.Contains(text, "timed out") || strings.Contains(text, "time out")
	return timeout && (strings.Contains(text, "data") || strings.Contains(text, "stall") || strings.Contains(text, "transfer"))
}

// dataTimeoutName names the server's data timeout setting, its family's
// where known.
func dataTimeoutName(fam family) string {
	switch fam.kind {
	case policy.ServerVsftpd:
		return "vsftpd's data_connection_timeout, 300 s by default"
	case policy.ServerProFTPD:
		return "ProFTPD's TimeoutStalled, 3600 s by default"
	case policy.ServerPureFTPd:
		return "Pure-FTPd's idle timeout, -I"
	case policy.ServerIIS:
		return "IIS's dataChannelTimeout, 30 s by default"
	case policy.ServerPyftpdlib:
		return "pyftpdlib's DTPHandler.timeout, 300 s by default"
	}
	return "the server's data timeout: vsftpd data_connection_timeout, ProFTPD TimeoutStalled, IIS dataChannelTimeout"
}

// storageText: a failure reply (lower case) naming a full disk or a quota.
func storageText(text string) bool {
	for _, w := range []string{"quota", "no space", "disk full", "storage", "space left", "file too large", "too big"} {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// networkText: a failure reply (lower case) naming the data connection or
// the network: vsftpd's "451 Failure reading network stream.", a "reset
// by peer", a "broken pipe".
func networkText(text string) bool {
	for _, w := range []string{"network", "data connection", "connection reset", "reset by peer", "broken pipe", "connection closed", "connection lost", "timed out"} {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// closingReply is the unsolicited 421 (or 221) that ended s after c, as
// the diagnoser kept it (sessState.closing) or the session's events keep
// it; nil when neither does.
func (d *Diagnoser) closingReply(s *track.Session, c *track.Command) *track.Reply {
	if st := d.sess[s]; st != nil && st.closing != nil && st.closing.Seq > c.Seq {
		return st.closing
	}
	for i := range s.Events {
		e := &s.Events[i]
		if e.Kind == track.EventUnsolicited && e.Seq > c.Seq && (e.Code == 421 || e.Code == 221) {
			return &track.Reply{Seq: e.Seq, Code: e.Code, Text: e.Text, TS: e.TS, Num: e.Num}
		}
	}
	return nil
}

// interruptedFindings is transfer-aborted for a transfer the server's
// closing reply (an unsolicited 421 or 221) interrupted, said at the
// session's end: the tracker reports the interrupted command before it
// records the reply that interrupted it, as an event.
func (d *Diagnoser) interruptedFindings(s *track.Session) []*Finding {
	var out []*Finding
	for _, c := range s.Commands {
		if c.Status != track.StatusInterrupted || c.Secret || !ftp.IsTransfer(c.Verb) || !started(c) || c.Uncertain || aborted(s, c) {
			continue
		}
		if f := d.transferAborted(s, c, d.closingReply(s, c), true); f != nil {
			f.Session, f.Command = s, c
			out = append(out, f)
		}
	}
	return out
}

// refusedForConfig is server-config-error for a greeting that refuses
// the session because of the server's own configuration: Pure-FTPd
// answers every connection with "421 Illegal forced IP for passive
// connections" when ForcePassiveIP (-P) names a host it cannot resolve
// or an address it cannot use. Read as a refusal, the verdict blamed the
// connection limit its greeting's "user number 1 of 50" line mentions.
// nil for any other greeting.
func (d *Diagnoser) refusedForConfig(s *track.Session, r *track.Reply) *Finding {
	line, lines := "", r.Lines
	if len(lines) == 0 {
		lines = []string{fmt.Sprintf("%d %s", r.Code, r.Text)}
	}
	for _, l := range lines {
		if strings.Contains(strings.ToLower(l), "illegal forced ip") {
			line = l
		}
	}
	if line == "" || r.Secret {
		return nil
	}
	d.state(s).configReported = true
	// The line that says it: a greeting's first lines are its banner.
	f := &Finding{Code: CodeServerConfigError, Severity: SeverityError, Session: s, TS: r.TS, Packets: []uint64{r.Num},
		Evidence: fmt.Sprintf("%q in the greeting (packet %d)", line, r.Num)}
	f.Message = "Pure-FTPd refused the session in its greeting because it cannot use its ForcePassiveIP setting (-P): the address to announce names a host it cannot resolve, or is not an IP address. It refuses every session until that is fixed; no login or transfer was tried."
	f.Advice = "Set ForcePassiveIP (or -P) to the public IP address clients reach the server at (a host name must resolve when pure-ftpd starts), or remove it when no NAT is in front; then restart pure-ftpd."
	return f
}

// sessionRefused is session-refused: the server answered the connection
// with 421 (its connection limit, most often) before it answered any
// command, or closed it without a greeting (closedWithoutGreeting); nil
// otherwise. A 421 after a session's first answers, or one picked up
// mid-stream, is not a refusal.
func (d *Diagnoser) sessionRefused(s *track.Session) *Finding {
	if s.Midstream || s.Resumed != nil {
		return nil
	}
	if c := closedWithoutGreeting(s, d.state(s)); c != nil {
		return d.sessionRefusedSilently(s, c)
	}
	var r *track.Reply
	atConnect := false
	if g := refusingGreeting(s); g != nil {
		r, atConnect = g, true
	} else if g := greetingRefusal(s); g != nil {
		// vsftpd's "500 OOPS: …" is its configuration error, at the
		// greeting as after a command.
		if f := d.serverConfigError(s, nil, g); f != nil {
			f.Session = s
			return f
		}
		return d.greetingRefused(s, g)
	} else if r = firstAnswerClosed(s, d.state(s)); r == nil {
		return nil
	}
	if atConnect {
		if f := d.refusedForConfig(s, r); f != nil {
			return f
		}
	}
	f := &Finding{Code: CodeSessionRefused, Severity: SeverityWarning, Session: s, TS: r.TS, Packets: []uint64{r.Num}}
	f.Evidence = fmt.Sprintf("%q (packet %d)", replyText(r), r.Num)
	when := "at once, in its greeting"
	if atConnect && len(s.Greeting) > 1 && !ftp.IsPreliminary(s.Greeting[0].Code) {
		when = "right after its greeting"
	}
	if !atConnect {
		when = "before it answered any command"
		f.Evidence = fmt.Sprintf("%s, before any command was answered", f.Evidence)
	}
	text := strings.ToLower(r.Text)
	if banText(text) && limitText(text) == limitNone {
		// A ban of the client's address, not a limit on connections:
		// "421 Temporarily banned for too many failed login attempts"
		// has "too many" in it too.
		d.server(s).refusedBan++
		why := "it bans or blocks the client's address, as the reply says"
		if failedLoginText(text) {
			why = "it bans the client's address after failed logins from it, as the reply says"
		}
		f.Message = fmt.Sprintf("The server refused the session %s (421): %s; not a limit on connections. No login or transfer was tried.", when, why)
		fam, note := d.refusalFamily(s, text)
		f.Advice = banAdvice(fam, s.Client.Addr().Unmap().String(), failedLoginText(text)) + note
		return f
	}
	limit := limitText(text)
	if limit == limitNone && r.Anomaly&ftp.ReplyUnterminated != 0 && s.Desync {
		// A multi-line 421 left open at a capture gap (a snap length
		// cuts the frame, and the rest is a gap): its last line, which
		// gives the cause, is not in the capture. (Not a server that
		// closed mid-reply: no gap then.)
		d.server(s).refusedCut++
		f.Message = fmt.Sprintf("The server refused the session %s (421), but the capture cut its reply short (a snap length shorter than the packets, or a capture gap): the lines that give the cause are not in it. No login or transfer was tried.", when)
		f.Advice = "Read the server's log at that time, or capture again with whole packets (tcpdump -s 0) to read the whole reply: it says why (a connection limit, a ban of the client's address, a setting the server cannot use)."
		return f
	}
	if limit == limitNone {
		f.Message = fmt.Sprintf("The server refused the session %s (421): no login or transfer was tried.", when)
		f.Advice = "The reply says why: a server shutting down or not ready, an access rule or ban for the client's address, a requirement the client did not meet. The server's log at that time has the rest."
		return f
	}
	scope := "its limit on connections"
	if limit == limitPerAddress {
		scope = "its limit on connections from one client address"
	}
	f.Message = fmt.Sprintf("The server refused the session %s (421): it had reached %s. No login or transfer was tried.", when, scope)
	fam, note := d.refusalFamily(s, text)
	f.Advice = connectionLimitAdvice(fam, limit) + note
	if fam.kind == policy.ServerPureFTPd && limit == limitServer {
		if n := pureUsersMax(text); n > 0 {
			f.Advice = d.pureRangeLimitAdvice(s, fam, n) + note
		} else {
			f.Advice = connectionLimitAdvice(fam, limit) + " " + pureRangeCap + note
		}
	}
	return f
}

// refusalFamily is the family whose settings session-refused's advice
// for the 421 text (lower case) names, and the note saying where it came
// from. The session's own (the configuration's, or its greeting's) comes
// first; a 421 that took the banner's place names none, so then the
// reply's stock wording (wordingFamily), and then the family the greetings
// of the same server's other sessions agree on (pyftpdlib refuses past
// FTPServer.max_cons before it greets, while the sessions it let in got
// "220 pyftpdlib 1.5.7 ready.").
func (d *Diagnoser) refusalFamily(s *track.Session, text string) (family, string) {
	fam := d.family(s)
	if fam.kind != policy.ServerUnknown {
		return fam, fam.note()
	}
	from := ""
	if k := wordingFamily(text); k != policy.ServerUnknown {
		fam.kind, from = k, "from the reply's wording"
	} else if a := d.server(s); a.addr == s.Server && a.greeting.kind != policy.ServerUnknown {
		// (Not the accumulator servers past MaxServers share.)
		fam.kind, from = a.greeting.kind, "from the greetings of the server's other sessions"
	}
	if from == "" {
		return fam, fam.note()
	}
	fam.byGreeting = false
	n := fmt.Sprintf("%s settings, %s", possessive(fam.kind.Product()), from)
	if fam.skipped != "" {
		n += "; " + fam.skipped
	}
	return fam, " (" + n + ".)"
}

// loginLimitRefused is session-refused for a session whose login the
// server refused with words that name a connection limit
// (loginLimitOf): ProFTPD's mod_auth answers the USER or PASS past
// MaxClients with "530 Sorry, the maximum number of allowed clients (10)
// are already connected." and closes the connection. Not a wrong
// password: the limit, as a 421 at connect would be. l is the session's
// latest refused login line (takeLogin); nil otherwise.
func (d *Diagnoser) loginLimitRefused(s *track.Session, l *loginRefusalSeen) *Finding {
	limit := loginLimitOf(s, l)
	if limit == limitNone {
		return nil
	}
	d.server(s).refusedLogin++
	// (Under the refused line, in the transcript.)
	f := &Finding{Code: CodeSessionRefused, Severity: SeverityWarning, Session: s, Command: l.cmd, TS: l.ts, Packets: packets([]uint64{l.num, l.replyNum})}
	reply := replyText(&track.Reply{Code: l.code, Text: l.text, Secret: l.secret})
	f.Evidence = fmt.Sprintf("%q (packet %d) -> %q (packet %d)", l.line, l.num, reply, l.replyNum)
	scope := "its limit on connections"
	switch limit {
	case limitPerAddress:
		scope = "its limit on connections from one client address"
	case limitPerUser:
		scope = "its limit on sessions of this account"
	}
	f.Message = fmt.Sprintf("The server refused the login (it answered %s with %d) because it had reached %s: the reply says so, it is not a wrong user name or password. No transfer was tried.", l.verb, l.code, scope)
	fam := d.family(s)
	note := fam.note()
	if limit == limitPerUser {
		set := "the server's per-account session limit (ProFTPD MaxClientsPerUser, or MaxHostsPerUser for the hosts one account may log in from)"
		if fam.kind == policy.ServerProFTPD {
			set = "ProFTPD MaxClientsPerUser (MaxHostsPerUser for the hosts one account may log in from)"
		}
		f.Advice = fmt.Sprintf("The account already holds as many sessions as the server allows it: raise that limit, or find what holds them open (clients that never log out, parallel transfers); the setting is %s.%s", set, note)
		return f
	}
	f.Advice = connectionLimitAdvice(fam, limit) + note
	return f
}

// loginLimitOf is the connection limit the refusal l of s's latest login
// line names (loginLimitText), when s never logged in; limitNone
// otherwise.
func loginLimitOf(s *track.Session, l *loginRefusalSeen) int {
	if l == nil || s.Login != track.LoginFailed {
		return limitNone
	}
	return loginLimitText(strings.ToLower(l.text))
}

// loginLimitText is the connection limit a reply to a login line (lower
// case) names, limitNone when it names none: ProFTPD's mod_auth
// (MaxClients, MaxClientsPerHost, MaxClientsPerUser, MaxHostsPerUser)
// refuses with 530 "Sorry, the maximum number of allowed clients (%m) are
// already connected.", "... clients (%m) from your host ...", "...
// clients (%m) for this user ...", "... hosts (%m) for this user ...".
// Stricter than limitText: the words must also speak of connections,
// clients, users, hosts or sessions, so that a refused password ("Login
// incorrect", "maximum login attempts exceeded") is not taken for it.
func loginLimitText(text string) int {
	limit := limitText(text)
	if limit == limitNone || containsAny(text, "attempt", "password") ||
		!containsAny(text, "connect", "client", "users", "hosts", "sessions", "logged in") {
		return limitNone
	}
	if containsAny(text, "for this user", "this account", "per user") {
		return limitPerUser
	}
	return limit
}

// pureRangeCap is Pure-FTPd's own cap on its clients (ftpd.c main: with
// -p first:last, maxusers = min(-c, (last-first+1)/2), "so we don't run
// out of ports"): a small passive range lowers the limit whatever -c says.
const pureRangeCap = "Pure-FTPd also lowers that limit to half its passive range when the range is small (-p first:last, PassivePortRange in pure-ftpd.conf: (last-first+1)/2 clients, so a 2-port range allows 1): there, raising -c changes nothing; widen the passive range (and open it in the firewall)."

// pureUsersMax is N of Pure-FTPd's "N users (the maximum) are already
// logged in" (lower case), 0 when text is not that reply.
func pureUsersMax(text string) int {
	i := strings.Index(text, " users (the maximum)")
	if i <= 0 {
		return 0
	}
	j := i
	for j > 0 && text[j-1] >= '0' && text[j-1] <= '9' {
		j--
	}
	if j == i || i-j > 6 {
		return 0
	}
	n, err := strconv.Atoi(text[j:i])
	if err != nil {
		return 0
	}
	return n
}

// aboutHalf: a limit of n is Pure-FTPd's cap for a passive range of size
// ports ((size)/2, give or take a port of a firewall range that is not
// exactly the server's).
func aboutHalf(n, size int) bool {
	return size >= 2 && 2*n >= size-1 && 2*n <= size+1
}

// pureRangeLimitAdvice is session-refused's advice for Pure-FTPd's "n
// users (the maximum)": its limit is -c, or half its passive range when
// that is smaller (pureRangeCap). A passive range known here (the
// server's configuration, else the firewall's --pasv-range, else the span
// of the ports the server announced so far) of about 2n ports is named as
// the cause; the server's own configured range much wider clears it.
func (d *Diagnoser) pureRangeLimitAdvice(s *track.Session, fam family, n int) string {
	why := "find what holds sessions open (clients that never log out, parallel transfers, a script looping)"
	var rng policy.PortRange
	from, own := "", false
	switch {
	case fam.cfg != nil && len(fam.cfg.PassiveRange) > 0:
		rng, from, own = mainRange(fam.cfg.PassiveRange), "from "+fam.cfg.Path, true
	case len(d.p.Ranges) > 0:
		// The firewall's range: the server's -p is likely the same, not
		// known to be.
		rng, from = mainRange(d.p.Ranges), "the firewall's, from --pasv-range, if the server's -p is the same"
	}
	widen := func(r policy.PortRange) string {
		hi := int(r.Lo) + 2*max(100, 2*n) - 1
		if hi > 65535 {
			return "widen the passive range (-p first:last, PassivePortRange in pure-ftpd.conf) to twice the clients it should take, and open it in the firewall"
		}
		return fmt.Sprintf("widen the passive range to twice the clients it should take, e.g. -p %d:%d (PassivePortRange %d %d in pure-ftpd.conf) for %d clients, and open it in the firewall", r.Lo, hi, r.Lo, hi, (hi-int(r.Lo)+1)/2)
	}
	if rng.Hi != 0 {
		size := rng.Len()
		switch {
		case aboutHalf(n, size):
			return fmt.Sprintf("The limit of %d is half the passive range %s (%d ports; %s): Pure-FTPd lowers its client limit (-c, MaxClientsNumber) to (last-first+1)/2 of its passive range when that is smaller, so raising -c changes nothing. %s; or %s.",
				n, rng, size, from, upperFirst(widen(rng)), why)
		case own && size/2 > n+1:
			return fmt.Sprintf("Raise the limit if the server has room for more sessions, or %s; the setting is Pure-FTPd -c (--maxclientsnumber; MaxClientsNumber in pure-ftpd.conf): the passive range %s (%d ports; %s) would allow %d, so it is not what limits here.",
				why, rng, size, from, size/2)
		}
		return connectionLimitAdvice(fam, limitServer) + " " + pureRangeCap
	}
	// No range given: the ports the server announced so far, when they
	// span about 2n ports, are the likely range.
	if a := d.server(s); a.passive.Distinct >= 2 {
		span := policy.PortRange{Lo: a.passive.Min, Hi: a.passive.Max}
		if aboutHalf(n, span.Len()) {
			return fmt.Sprintf("The limit of %d is half the span of the passive ports the server announced (%s, %d ports): if that is its whole passive range (-p, PassivePortRange), Pure-FTPd lowers its client limit (-c, MaxClientsNumber) to (last-first+1)/2 of it, so raising -c changes nothing: %s; or %s.",
				n, span, span.Len(), widen(span), why)
		}
	}
	return connectionLimitAdvice(fam, limitServer) + " " + pureRangeCap
}

// closedWithoutGreeting is the client's first command of a session the
// server ended without sending a byte: the connection's handshake is in
// the capture (not picked up mid-stream), no greeting, no reply and
// nothing else came from the server, and the connection ended by FIN
// both ways or a reset, not by the capture's end or an idle close (where
// the greeting may still have come). A server, or something in front of
// it, that accepts the TCP connection and closes it at once is refusing
// the client before FTP starts: the client's QUIT then draws an RST.
// One command only: a client that went on to a second one without a
// reply read replies this capture does not hold (a capture of one
// direction). Decode announces a session only once a side speaks, so a
// client that said nothing either leaves no session. nil otherwise.
func closedWithoutGreeting(s *track.Session, st *sessState) *track.Command {
	if s.Midstream || s.Resumed != nil || s.ByContent || s.ImplicitTLS || s.WasEncrypted || len(s.Greeting) > 0 ||
		s.CommandCount != 1 || len(s.Commands) != 1 || len(s.Commands[0].Replies) > 0 || st.serverSpoke {
		return nil
	}
	if s.EndReason != track.EndFIN && s.EndReason != track.EndRST || s.ClientClosed {
		// (A client that closed first gave up on a slow greeting, or
		// never waited for one: a health check that sends a line.)
		return nil
	}
	return s.Commands[0]
}

// sessionRefusedSilently is session-refused for a session the server
// closed without a greeting (closedWithoutGreeting): no 421 says why, so
// the advice names the layers that close a connection without a word.
func (d *Diagnoser) sessionRefusedSilently(s *track.Session, c *track.Command) *Finding {
	end := "FIN both ways"
	if s.EndReason == track.EndRST {
		end = "a reset"
	}
	f := &Finding{Code: CodeSessionRefused, Severity: SeverityWarning, Session: s, Command: c, TS: c.TS, Packets: []uint64{c.Num}, silent: true}
	f.Evidence = fmt.Sprintf("no greeting; %q (packet %d) got no reply; the connection ended by %s %s after it opened, with no byte from the server", commandText(c), c.Num, end, dur(s.End.Sub(s.Start)))
	f.Message = fmt.Sprintf("The server refused the session without a word: it accepted the TCP connection, sent no greeting (220) and no reply, and the connection ended by %s. No login or transfer was tried.", end)
	f.Advice = "A connection closed before the greeting is refused below FTP, or by a limit that does not say so: " +
		"tcp_wrappers (/etc/hosts.deny and /etc/hosts.allow, for a server started by inetd/xinetd through tcpd, or built with libwrap); " +
		"a connection limit (xinetd's instances and per_source, or the server's own: vsftpd max_clients/max_per_ip, ProFTPD MaxClients/MaxClientsPerHost, Pure-FTPd -c/-C; those send a reply naming the limit before they close, so a silent close points at the layer in front); " +
		"a proxy, load balancer or IPS in front of the server that closes the connection (its backend down, or the client's address blocked). " +
		"The server's or the system's log (tcpd, xinetd) at that time names the refusal."
	return f
}

// refusingGreeting is s's greeting when it is a 421, after nothing but
// 1yz ("120 Service ready in nnn minutes"), or after a 220 when the 421
// names a connection limit (a server that greets, then counts); nil
// otherwise. A 220 and another 421 the server sent before the client
// spoke are a session it accepted and then closed (an idle or login
// timeout), both kept as the greeting.
func refusingGreeting(s *track.Session) *track.Reply {
	n := len(s.Greeting)
	if n == 0 || s.Greeting[n-1].Code != 421 {
		return nil
	}
	if t := strings.ToLower(s.Greeting[n-1].Text); limitText(t) != limitNone || banText(t) {
		return &s.Greeting[n-1]
	}
	for i := range s.Greeting[:n-1] {
		if !ftp.IsPreliminary(s.Greeting[i].Code) {
			return nil
		}
	}
	return &s.Greeting[n-1]
}

// greetingRefusal is s's greeting when it refuses the session with a
// 4xx or 5xx other than 421 (refusingGreeting's), after nothing but 1yz,
// before the client sent a command: IIS or wu-ftpd denying the client's
// address ("530 Connection refused, unknown IP address."), Serv-U's IP
// rules ("530 Not logged in, unauthorized IP address."), vsftpd's
// "500 OOPS: …". Read by its code and place, not its words: decode hides
// a 530 before any client line as a possible password echo. (What the
// client sent after it, a QUIT most often, changes nothing.) nil
// otherwise.
func greetingRefusal(s *track.Session) *track.Reply {
	n := len(s.Greeting)
	if n == 0 {
		return nil
	}
	last := &s.Greeting[n-1]
	if last.Code < 400 || last.Code > 599 || last.Code == 421 {
		return nil
	}
	if s.Desync || last.Secret {
		// A capture gap, or client bytes the server had taken that the
		// capture lacks (decode then hides a 530: it may echo a
		// password): the 530 may answer a login the capture lost.
		return nil
	}
	for i := range s.Greeting[:n-1] {
		if !ftp.IsPreliminary(s.Greeting[i].Code) {
			return nil
		}
	}
	return last
}

// greetingRefused is session-refused for a greeting that refuses the
// session (greetingRefusal): before the client said a word, the server
// turned it away, most often by an access rule for the client's address
// (a 530, "not logged in", before any USER can mean nothing else); a
// connection limit or a ban when the words say so (not when they are
// hidden).
func (d *Diagnoser) greetingRefused(s *track.Session, r *track.Reply) *Finding {
	f := &Finding{Code: CodeSessionRefused, Severity: SeverityWarning, Session: s, TS: r.TS, Packets: []uint64{r.Num}, greetingCode: r.Code}
	f.Evidence = fmt.Sprintf("%q (packet %d) as the greeting, before any command", replyText(r), r.Num)
	cli := s.Client.Addr().Unmap().String()
	text := ""
	if !r.Secret {
		text = strings.ToLower(r.Text)
	}
	fam, note := d.refusalFamily(s, text)
	switch {
	case banText(text) && limitText(text) == limitNone:
		d.server(s).refusedBan++
		f.Message = fmt.Sprintf("The server refused the session at once, in its greeting (%d), before the client sent anything: it bans or blocks the client's address, as the reply says. No login or transfer was tried.", r.Code)
		f.Advice = banAdvice(fam, cli, failedLoginText(text)) + note
		return f
	case limitText(text) != limitNone:
		f.Message = fmt.Sprintf("The server refused the session at once, in its greeting (%d), before the client sent anything: it had reached its limit on connections, as the reply says. No login or transfer was tried.", r.Code)
		f.Advice = connectionLimitAdvice(fam, limitText(text)) + note
		return f
	}
	what := "a refusal"
	if r.Code == 530 {
		what = "not logged in, before any USER"
	}
	f.Message = fmt.Sprintf("The server refused the session at once, in its greeting (%d: %s), before the client sent anything: no login or transfer was tried. A server greets with a refusal when an access rule for the client's address turns it away (an IP restriction or deny list), or when it cannot serve at all (its reply says which).", r.Code, what)
	f.Advice = fmt.Sprintf("If %s should be let in, allow its address (or its network) in the server's IP restrictions: %s. Raising a connection limit changes nothing; the server's log at that time names the rule.", cli, ipRestrictions(fam)) + note
	return f
}

// ipRestrictions is where a family keeps the rules that let client
// addresses in or turn them away; every family's when it is not known.
func ipRestrictions(fam family) string {
	switch fam.kind {
	case policy.ServerIIS:
		return "IIS's FTP IP Address and Domain Restrictions (an allow entry, or \"Allow\" for unspecified clients, on the site or the server)"
	case policy.ServerProFTPD:
		return "ProFTPD's <Limit LOGIN> Allow from / Deny from (or mod_wrap's hosts.allow and hosts.deny)"
	case policy.ServerVsftpd:
		return "vsftpd's tcp_wrappers (/etc/hosts.allow and /etc/hosts.deny, with tcp_wrappers=YES) or the deny_file and userlist settings"
	case policy.ServerFileZilla:
		return "FileZilla Server's IP filter (its disallowed and allowed addresses)"
	case policy.ServerWuFTPd:
		return "the deny lines of ftpaccess (and ftphosts)"
	}
	return "IIS's FTP IP Address and Domain Restrictions; Serv-U's IP Access rules (of the domain or the user); wu-ftpd's deny lines in ftpaccess; ProFTPD's <Limit LOGIN> Deny from; FileZilla Server's IP filter; tcp_wrappers (/etc/hosts.deny) for a server started through tcpd"
}

// firstAnswerClosed is the unsolicited 421 that answered s's first
// commands, before the server answered any (a client that spoke before
// the greeting, or a 220 and then a 421 to USER for a per-user limit);
// nil otherwise, and for a 421 that says it timed out (the server waited
// for a client that never went on). The session's events must keep it:
// live output keeps none, and a transcript cut short is not judged.
func firstAnswerClosed(s *track.Session, st *sessState) *track.Reply {
	if st.answered || !st.interrupted {
		return nil // a command was answered, or none ended by the 421
	}
	// The first unsolicited 421 or 221, noted as it came (JSON's tracker
	// keeps no events).
	r := st.closing
	if r == nil || r.Code != 421 {
		return nil
	}
	if t := strings.ToLower(r.Text); strings.Contains(t, "timeout") || strings.Contains(t, "timed out") {
		return nil
	}
	return r
}

// connection limit kinds a 421 names (limitText).
const (
	limitNone       = iota
	limitServer     // the server's (or the site's) total
	limitPerAddress // per client address
	limitPerUser    // per account (only loginLimitText tells it)
)

// limitText tells whether a 421 (lower case) names a connection limit,
// and which, per client address or in all, as the servers' stock
// wordings say:
//
//	per address  "Too many connections (10) from this IP"               Pure-FTPd -C (MaxClientsPerIP)
//	             "There are too many connections from your internet address."  vsftpd max_per_ip
//	             "Too many connections from the same IP address."       pyftpdlib FTPServer.max_cons_per_ip
//	             "Sorry, the maximum number of clients (N) from your host are already connected."  ProFTPD MaxClientsPerHost (a 530)
//	             "Not logged in, only N sessions from same IP allowed concurrently."  Serv-U (a 530)
//	in all       "There are too many connected users, please try later."  vsftpd max_clients
//	             "10 users (the maximum) are already logged in, sorry"  Pure-FTPd -c (MaxClientsNumber)
//	             "Too many connections. Service temporarily unavailable."  pyftpdlib FTPServer.max_cons
//	             "Sorry, the maximum number of allowed clients (N) are already connected."  ProFTPD MaxClients (a 530)
//	             "Too many users" (others)
//
// A reply that speaks of a ban names no limit, whatever else it says
// ("Temporarily banned for too many failed login attempts"); "blocked"
// alone does not make one ("Too many connections from your IP (max 5);
// new connections are blocked until one closes" is a limit).
func limitText(text string) int {
	if banWord(text, false) || failedLoginText(text) {
		return limitNone
	}
	if !containsAny(text, "too many", "maximum", "limit", "already logged in", "already connected", "max ", "allowed concurrently", "allowed at a time") {
		return limitNone
	}
	if containsAny(text, "this ip", "your ip", "from your", "per ip", "per host", "your host", "your address", "internet address", "this address", "this host",
		"same ip", "same address", "same host", "per address", "per-ip", "per-host") {
		return limitPerAddress
	}
	return limitServer
}

// wordingFamily is the family whose stock connection-limit wording a 421
// (lower case) is, or ServerUnknown: Pure-FTPd's "Too many connections
// (N) from this IP" and "N users (the maximum) are already logged in";
// vsftpd's "There are too many connected users" and "too many
// connections from your internet address"; pyftpdlib's "Too many
// connections. Service temporarily unavailable." and "Too many
// connections from the same IP address." (handlers.py,
// FTPHandler.handle_max_cons and handle_max_cons_per_ip).
func wordingFamily(text string) policy.ServerKind {
	switch {
	case strings.Contains(text, "too many connections (") && strings.Contains(text, "from this ip"),
		strings.Contains(text, "users (the maximum) are already logged in"):
		return policy.ServerPureFTPd
	case strings.Contains(text, "there are too many connected users"),
		strings.Contains(text, "too many connections from your internet address"):
		return policy.ServerVsftpd
	case strings.Contains(text, "too many connections. service temporarily unavailable"),
		strings.Contains(text, "too many connections from the same ip address"):
		return policy.ServerPyftpdlib
	}
	return policy.ServerUnknown
}

// connectionLimitAdvice names the setting that limits connections, per
// family (and per client address or in all, as the reply said).
func connectionLimitAdvice(fam family, limit int) string {
	perIP := limit == limitPerAddress
	why := "Raise the limit if the server has room for more sessions, or find what holds sessions open (clients that never log out, parallel transfers, a script looping)"
	if perIP {
		why = "Clients behind one NAT share an address, and a client opening parallel transfers (FileZilla's \"Maximum simultaneous transfers\") uses several sessions: raise the per-address limit, or lower the client's simultaneous connections"
	}
	var set string
	switch fam.kind {
	case policy.ServerVsftpd:
		set = "vsftpd.conf max_clients (all clients)"
		if perIP {
			set = "vsftpd.conf max_per_ip (per client address)"
		}
	case policy.ServerProFTPD:
		set = "ProFTPD MaxClients (all clients)"
		if perIP {
			set = "ProFTPD MaxClientsPerHost (per client address; MaxClientsPerUser per account)"
		}
	case policy.ServerPureFTPd:
		set = "Pure-FTPd -c (--maxclientsnumber; MaxClientsNumber in pure-ftpd.conf)"
		if perIP {
			set = "Pure-FTPd -C (--maxclientsperip; MaxClientsPerIP in pure-ftpd.conf)"
		}
	case policy.ServerIIS:
		set = "the FTP site's maxConnections (IIS Manager: the site's Advanced Settings, Connections, Max Connections)"
	case policy.ServerFileZilla:
		set = "FileZilla Server's \"Maximum number of connections\" (and its per-IP limit)"
	case policy.ServerPyftpdlib:
		set = "pyftpdlib's FTPServer.max_cons"
		if perIP {
			set = "pyftpdlib's FTPServer.max_cons_per_ip"
		}
	case policy.ServerWuFTPd:
		set = "the \"limit\" line of the client's class in ftpaccess"
	default:
		set = "the server's limit on all its connections: vsftpd max_clients, ProFTPD MaxClients, Pure-FTPd -c, IIS maxConnections, FileZilla Server \"Maximum number of connections\", pyftpdlib FTPServer.max_cons"
		if perIP {
			set = "the server's limit on connections from one client address: vsftpd max_per_ip, ProFTPD MaxClientsPerHost, Pure-FTPd -C, FileZilla Server's per-IP limit, pyftpdlib FTPServer.max_cons_per_ip"
		}
	}
	return fmt.Sprintf("%s; the setting is %s.", why, set)
}

// banText tells whether a reply (lower case) says the server bans or
// blocks the client's address, most often after failed logins: FileZilla
// Server's autoban ("421 Temporarily banned for too many failed login
// attempts"), "Access denied: your IP is blocked", ProFTPD mod_ban's
// BanMessage; read by its words, not one server's sentence. "ban" counts
// as a word only ("banner" is not one).
func banText(text string) bool {
	return banWord(text, true) || failedLoginText(text)
}

// banWord: text (lower case) holds a word of a ban; with blocked, also
// "blocked", which a connection limit says too ("new connections are
// blocked until one closes").
func banWord(text string, blocked bool) bool {
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return (r < 'a' || r > 'z') && r != '-' }) {
		switch strings.Trim(w, "-") {
		case "ban", "bans", "banned", "autoban", "autobanned", "auto-ban", "auto-banned", "blacklisted", "blocklisted", "blacklist", "blocklist", "denylisted", "denylist":
			return true
		case "blocked":
			if blocked {
				return true
			}
		}
	}
	return false
}

// failedLoginText: a reply (lower case) gives failed logins as its
// reason ("too many failed login attempts", "login failures").
func failedLoginText(text string) bool {
	return containsAny(text, "failed login", "login failure", "failed logon", "logon failure", "failed attempt", "login attempt", "logon attempt",
		"authentication failure", "failed authentication", "invalid login", "bad login", "failed password", "wrong password")
}

// banAdvice is session-refused's advice for a server that bans the
// client's address (banText): find why it was banned (its failed logins,
// when the reply says so), then lift the ban where the server keeps it,
// per family where known.
func banAdvice(fam family, client string, logins bool) string {
	where := banWhere(fam, client)
	if !logins {
		return "If " + client + " should be let in, find why it was blocked in the server's log (failed logins from it, most often, or a rule that denies its address), fix that, then lift the block in " + where + ". Raising a connection limit changes nothing."
	}
	return "Find why logins from " + client + " failed before (a wrong or changed password saved in a client or a script, or someone guessing passwords from that address: the server's log lists the failed attempts); fix that first, then lift the ban in " + where + ". Raising a connection limit changes nothing."
}

// banWhere is where the family keeps its bans of client addresses.
func banWhere(fam family, client string) string {
	where := "the server's own ban list (FileZilla Server's autoban; ProFTPD's mod_ban: ftpdctl permit host " + client + "; IIS's FTP Logon Attempt Restrictions and FTP IP Address and Domain Restrictions; Serv-U's IP access rules and anti-hammering) or an intrusion-prevention tool in front of it (fail2ban and the like)"
	switch fam.kind {
	case policy.ServerFileZilla:
		where = "FileZilla Server's autoban (its settings set after how many failed logins an address is banned and for how long; the ban ends on its own once that time has passed)"
	case policy.ServerProFTPD:
		where = "ProFTPD's mod_ban (its BanOnEvent rules, e.g. MaxLoginAttempts; lift it with ftpdctl permit host " + client + ")"
	case policy.ServerIIS:
		where = "IIS's FTP Logon Attempt Restrictions (or a deny entry in FTP IP Address and Domain Restrictions)"
	}
	return where
}
