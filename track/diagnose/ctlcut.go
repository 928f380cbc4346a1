package diagnose

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
)

// A control connection cut at a command or a reply. A firewall that
// inspects FTP ends the session at a line its policy denies: Cisco ASA's
// inspect ftp resets both sides at a command an ftp-map's request-command
// deny names (or a policy-map type inspect ftp matches with reset), and
// with strict at a PORT or 227 with more than 8 characters after the
// port numbers, among others; its drop action, or an IPS, drops the
// command instead, and the client sends it again and again until it gives
// up. The capture then holds a command no reply came to and a reset in
// the server's name (control-reset), a 227 no connection followed and a
// reset in the client's name (control-reset, from the server's side), or
// a command the client gave up on (command-unanswered). A session that
// closed before the greeting is session-refused's (closedWithoutGreeting).
// None of these is read where the capture may hold less than happened: a
// capture gap after the line, a capture of one side, a session cut by the
// capture's end or an idle close (no reset, no close of the client's).
// Two readings go before a firewall's: the server had closed its side (its
// FIN: the server ended the session, and a reset of its answers a command
// sent to a socket it closed), and a command that came after a silence
// longer than common NAT idle timeouts (natIdleFloor), reset at once: a
// NAT or firewall that forgot the idle connection. A silence is one of
// lines and of segments both ways (Session.QuietBeforeLatest): TCP
// keepalives answered kept a NAT's entry alive. The reset's TTL against
// its side's other segments (Session.ResetTTL) weighs in: another TTL is
// a box between; the client's own TTL after its TCP acknowledged the
// reply is most likely the client's own reset (equal TTLs alone are
// weak evidence, and only hedge the reading).

const (
	// cutAtOnce: a reset this soon after the line it follows came in
	// answer to it (a firewall's, or a crash at it): the time a reset
	// takes to cross back, with room for a slow path.
	cutAtOnce = 2 * time.Second
	// gaveUpMin: a client that closed this long after a command with no
	// reply had waited for it. Sooner is an interrupt as likely (a user,
	// a script's short timer), and a command TCP sent again after a lost
	// segment (a first retransmission timeout of 1 s, RFC 6298, then
	// 2 s) may have been answered unseen.
	gaveUpMin = 5 * time.Second
)

// noteUnanswered notes c, a command of s reported with no reply at the
// session's end, when it is the session's last: the cut rules read it at
// SessionEnd whatever the session keeps of its commands (RecentOnly).
func (d *Diagnoser) noteUnanswered(s *track.Session, c *track.Command) {
	if c.Index != s.CommandCount {
		return
	}
	if afterResetReply(c) == nil {
		if c.Status != track.StatusNoReply || len(c.Replies) > 0 || s.EndReason != track.EndRST && s.EndReason != track.EndFIN {
			return
		}
	}
	// (A command the server answered after a box's reset is reported at
	// that reply, before the session ends: controlCut reads its end.)
	d.state(s).moreState().unanswered = c
}

// cutCommand is the command the rules of a cut control connection may
// name: s's last, unanswered, a line the server answers (not QUIT,
// ABOR: a client that resets after them is done; not a junk line, a
// command not seen, one sent once the capture lost a side), on a
// control connection whose server the capture heard. nil otherwise.
func cutCommand(s *track.Session, st *sessState) *track.Command {
	if st == nil || st.more == nil || st.more.unanswered == nil || st.more.undelivered != nil {
		// (A command sent again unacknowledged is control-undelivered's.)
		return nil
	}
	c := st.more.unanswered
	if st.closing != nil || saidItCloses(s, st, c) {
		// The server said it closes (vsftpd's 421 Timeout, Pure-FTPd's
		// 421 greeting at its user limit): a reset to a later command is
		// its kernel answering data it never read on a socket it closed.
		return nil
	}
	if c.Index != s.CommandCount || len(c.Replies) > 0 && afterResetReply(c) == nil || c.Unseen || c.Junk || c.Verb == "QUIT" || c.Verb == "ABOR" {
		return nil
	}
	if s.OneSide != track.BothSides || s.Connect != nil || len(s.Greeting) == 0 && !st.answered {
		return nil
	}
	for _, dc := range c.Transfer {
		if !dc.Outcome.Failed() {
			return nil // the server acted on it: a data connection got through
		}
	}
	for _, dc := range s.Data {
		if dc.Announce == c && dc.SYNs > 0 || dc.Command == c {
			// A PORT the server connected back for before it answered
			// (Twisted answers once connected), a transfer whose data
			// connection was made or waited for: the server acted on
			// it, and that data connection's findings speak.
			return nil
		}
	}
	return c
}

// saidItCloses: the server's last reply before c, s's last command, was
// one a server closes the control connection after: a greeting that
// refuses the session (421, 530: at a connection limit, a denied host),
// or a closing final reply (closingFinal) to the command before c. A
// reset at c is then the server's TCP answering a command it never
// read, not a box's cut.
func saidItCloses(s *track.Session, st *sessState, c *track.Command) bool {
	if c.Index == 1 {
		n := len(s.Greeting)
		return n > 0 && s.Greeting[n-1].Code >= 400
	}
	return st.more != nil && st.more.closedAfter != 0 && st.more.closedAfter == c.Index-1
}

// closingFinal: r is a final reply a server closes the control
// connection after: a 421 or 221, or a 530 that says it disconnects
// (too many failed logins).
func closingFinal(r *track.Reply) bool {
	if r.Code == 421 || r.Code == 221 {
		return true
	}
	if r.Code != 530 {
		return false
	}
	t := strings.ToLower(r.Text)
	return strings.Contains(t, "disconnect") || strings.Contains(t, "closing")
}

// gapsAfter are the capture gaps of st's control connection after seq,
// as gapsWithin tells them.
func gapsAfter(st *sessState, seq uint64) ([]gapSeen, bool) {
	return st.gapsWithin(seq, math.MaxUint64)
}

// controlCut is the session's control-reset or command-unanswered, or nil.
func (d *Diagnoser) controlCut(s *track.Session) *Finding {
	st := d.sess[s]
	if st == nil {
		return nil
	}
	if c := cutCommand(s, st); c != nil {
		switch {
		case s.EndReason == track.EndRST && !s.ClientClosed && !s.ClientFIN:
			return d.resetAtCommand(s, st, c)
		case s.ClientClosed:
			return d.clientGaveUp(s, st, c)
		}
		return nil
	}
	if dc := resetAnnouncement(s, st); dc != nil {
		return resetAtAnnouncement(s, dc)
	}
	return nil
}

// resetAtCommand is control-reset for c, the last command of s, which got
// no reply before an RST from the server's side ended the session.
func (d *Diagnoser) resetAtCommand(s *track.Session, st *sessState, c *track.Command) *Finding {
	if r := afterResetReply(c); r != nil {
		return serverWentOn(s, c, r) // (the server answered it after all: ctlcut_afterreset.go)
	}
	after := s.End.Sub(c.TS)
	f := &Finding{Code: CodeControlReset, Severity: SeverityError, Session: s, Command: c, TS: s.End, Packets: []uint64{c.Num}}
	f.Evidence = fmt.Sprintf("%q (packet %d) got no reply; a reset from the server's address ended the control connection %s later", commandText(c), c.Num, dur(after))
	verb := verbText(c)
	reply := ""
	if code := passiveReplyCode(c.Verb); code != 0 {
		reply = fmt.Sprintf(", or at the server's reply to it (its %d), which never reached the client", code)
	}
	if n := portTail(c); n > maxPortTail {
		f.Evidence += fmt.Sprintf("; %d characters after its port numbers", n)
		reply += fmt.Sprintf(" (this %s has %d characters after its port numbers: Cisco ASA's inspect ftp strict closes the connection at more than %d)", c.Verb, n, maxPortTail)
	}
	quiet := s.QuietBeforeLatest()
	switch {
	case serverClosedFirst(s):
		// Not a firewall's reset: those come without a FIN (Cisco ASA
		// resets both sides).
		f.Severity = SeverityWarning
		f.Evidence += "; the server had sent its FIN before the reset"
		f.Message = fmt.Sprintf("The control connection was reset from the server's side %s after the client's %s, which got no reply, but the server had closed its side of the connection (its FIN) before that reset: the server ended the session, and the reset is its TCP answering a command that came to a connection it had closed, or that it closed at. No firewall is needed to explain it.",
			dur(after), verb)
		f.Advice = serverClosedAdvice(d.family(s), verb) + " A client that notices the server's close (and reconnects) sends no command into it; keep the session busier than the server's idle timeout (NOOP), or raise that timeout."
	case after <= cutAtOnce && quiet >= natIdleFloor && portTail(c) <= maxPortTail:
		// A NAT or firewall that forgot the idle connection resets, or
		// lets the server's TCP reset, the first segment after it. (A
		// PORT with a tail Cisco ASA's strict closes at is the
		// firewall's reading still.)
		f.Severity = SeverityWarning
		f.Evidence += fmt.Sprintf("; no line crossed the control connection in the %s before the command", dur(quiet))
		f.Message = fmt.Sprintf("The control connection was reset from the server's side %s after the client's %s, which got no reply; the command came after %s of silence on the control connection. A NAT router or stateful firewall between most likely forgot the idle connection (idle timeouts for established TCP: Azure's NAT gateway 4 min, AWS's NAT gateway 350 s, many home routers 5 to 15 min, Cisco ASA's conn timeout 1 h) and reset the first segment after it, or passed it to the server as one of no connection, which reset it. A server host restarted in that time without closing (a reboot, a crash) resets it the same way, and so does a firewall that inspects FTP and denies the command: a capture on the server's side shows whether the command reached the server, and the server's uptime whether it restarted.",
			dur(after), verb, dur(quiet))
		f.Advice = fmt.Sprintf("Keep the control connection from sitting idle longer than the NAT's or firewall's timeout: on the client, %s; lftp closes an idle connection itself after net:idle (3 min by default) and reconnects; on the server, TCP keepalive where it has one (ProFTPD: SocketOptions keepalive on; vsftpd has none); or raise the idle timeout for established TCP on the NAT or firewall (Linux: sysctl net.netfilter.nf_conntrack_tcp_timeout_established; Cisco ASA: timeout conn). A TCP keepalive helps only when its interval is below that timeout (Linux's default is 7200 s unless the program sets its own).",
			keepaliveAdvice(quiet))
	case after <= cutAtOnce:
		f.Message = fmt.Sprintf("The control connection was reset from the server's side %s after the client's %s, which got no reply: the server, or a firewall between in the server's name, ended the session at that command%s. "+
			"A firewall that inspects FTP does so at a command its policy denies or a line it will not pass (Cisco ASA's inspect ftp: an ftp-map's request-command deny, or a policy-map type inspect ftp that matches the command with reset; with strict, a PORT or 227 with more than %d characters after the port numbers, a command not ended by CRLF); a server that crashed on the command looks the same.",
			dur(after), verb, reply, maxPortTail)
		f.Advice = fmt.Sprintf("Check the FTP inspection policy of the firewalls between %s and %s, and their log at that time, for a rule that denies %s or the reply to it (Cisco ASA: the ftp-map's request-command deny list, the policy-map type inspect ftp, inspect ftp strict); allow it there if the client needs it. "+
			"A capture on the server's side shows whether the command reached the server at all. In this capture, the TTL of the reset tells who sent it: one unlike the server's other segments came from a box in between; if the server sent it, its log at that time says why (a crash, a refusal).",
			s.Client.Addr(), s.Server.Addr(), verb)
	default:
		f.Message = fmt.Sprintf("The control connection was reset from the server's side %s after the client's %s, which got no reply in that time: the server never answered the command, and then it, or a firewall between in its name, reset the session%s.",
			dur(after), verb, reply)
		f.Advice = fmt.Sprintf("Read the server's log at that time: a server that hung on %s, or was stopped while it waited; if the server never logged the command, look at the FTP inspection policy and log of the firewalls between %s and %s (a rule that drops %s, then resets the connection). The TTL of the reset in this capture tells who sent it: one unlike the server's other segments came from a box in between.",
			verb, s.Client.Addr(), s.Server.Addr(), verb)
	}
	if lines := s.LinesQuietBeforeLatest(); lines >= natIdleFloor && quiet < natIdleFloor {
		// A silence of lines a NAT's reading would have been given to,
		// had segments not crossed it (QuietBeforeLatest).
		since := "in the minute before it"
		if quiet > 0 {
			since = "until " + dur(quiet) + " before it"
		}
		f.Evidence += fmt.Sprintf("; no line in the %s before it, but TCP keepalives crossed both ways %s", dur(lines), since)
	}
	if s.ResetTTL() == decode.ResetTTLOther {
		// The server's TCP sends with one initial TTL over one path.
		f.Evidence += "; the reset's TTL is unlike the server's other segments': a box between sent it"
	}
	if gs, unknown := gapsAfter(st, c.Seq); len(gs) > 0 || unknown {
		// The capture lost bytes after the command: a reply may have
		// been among them, and the reset may answer something unseen.
		f.Severity = SeverityWarning
		f.Evidence = joinEvidence(f.Evidence, gapsText(gs, unknown)+" after it")
		f.Message += " But the capture lost control bytes after the command: a reply may have been among them, so this capture cannot show that none came."
		f.Packets = packets(f.Packets, gapNums(gs))
	}
	return f
}

// serverClosedFirst reports whether the server had closed its side of
// s's control connection (its FIN) when the client reset it or a FIN of
// the server's stood alone at the end (ServerFIN; a close by both FINs is
// the client's here: controlCut asks only when the client closed or the
// server's side reset).
func serverClosedFirst(s *track.Session) bool {
	return s.ServerFIN() && !s.ClientFIN
}

// serverClosedAdvice is the advice of a command the server closed the
// session on (its FIN) without a reply: its log, its idle timeout in
// fam's words.
func serverClosedAdvice(fam family, verb string) string {
	return fmt.Sprintf("Read the server's log for why it closed the session then: its idle timeout, which may close without a word or with a 421 this capture does not hold (its setting: %s), a limit, or its process ending on %s.",
		fam.idleTimeout(), verb)
}

// clientGaveUp is command-unanswered for c, the last command of s, which
// got no reply before the client closed or reset the connection
// gaveUpMin or more later. Not a login line: servers delay their answer
// to a failed login on purpose, and a guesser gives up on it. When the
// server had closed its side first (its FIN), the server ended the
// session: the client did not give up; nor when the reset came with a
// TTL unlike the client's segments' (Session.ResetTTL): a box between
// sent it.
func (d *Diagnoser) clientGaveUp(s *track.Session, st *sessState, c *track.Command) *Finding {
	waited := s.End.Sub(c.TS)
	if waited < gaveUpMin || c.Secret || c.Verb == "USER" || c.Verb == "PASS" || c.Verb == "ACCT" {
		return nil
	}
	if gs, unknown := gapsAfter(st, c.Seq); len(gs) > 0 || unknown {
		return nil // the reply may be in what the capture lost
	}
	how := "closed"
	if s.EndReason == track.EndRST {
		how = "reset"
	}
	verb := verbText(c)
	f := &Finding{Code: CodeCommandUnanswered, Severity: SeverityWarning, Session: s, Command: c, TS: s.End, Packets: []uint64{c.Num}}
	f.Evidence = fmt.Sprintf("%q (packet %d) got no reply in the %s before the client %s the connection", commandText(c), c.Num, dur(waited), how)
	if serverClosedFirst(s) {
		f.Evidence += "; the server had sent its FIN before that"
		f.Message = fmt.Sprintf("The client's %s got no reply: the server closed its side of the connection (its FIN) without answering it, and the client %s the connection %s after the command. The server ended the session: an idle timeout that closes without a word or whose 421 was lost, its process ending on the command, or a command that never reached it (dropped on the way) while its idle timer ran out.",
			verb, how, dur(waited))
		f.Advice = serverClosedAdvice(d.family(s), verb) + fmt.Sprintf(" If the server never logged %s, it was dropped on the way: check the FTP inspection policy and log of the firewalls between %s and %s.", verb, s.Client.Addr(), s.Server.Addr())
		return f
	}
	if how == "reset" && s.ResetTTL() == decode.ResetTTLOther {
		// The client's TCP sends with one initial TTL over one path: a
		// reset with another came from a box between, and the client
		// did not give up.
		f.Evidence = fmt.Sprintf("%q (packet %d) got no reply in the %s before a reset from the client's address, with a TTL unlike the client's other segments', ended the connection", commandText(c), c.Num, dur(waited))
		f.Message = fmt.Sprintf("The client's %s got no reply, and %s after it a reset in the client's name ended the connection, with a TTL unlike the client's own segments: a box between (a firewall, an IPS) sent it, not the client, which did not give up. Either the box dropped the command on its way and then ended the session (an IPS, or a firewall that inspects FTP, denying it), or the server never answered it (it hung on it) and the box ended the connection it saw stalled.",
			verb, dur(waited))
		f.Advice = fmt.Sprintf("Check the firewalls and IPSs between %s and %s, and their log at that time, for the reset they sent in the client's name and the rule behind it (one that denies %s); look for %s in the server's log too: if the server logged it, it hung on it, and its log says why.",
			s.Client.Addr(), s.Server.Addr(), verb, verb)
		return f
	}
	f.Message = fmt.Sprintf("The client's %s got no reply: the client waited %s, then %s the connection, giving up on it. Either the command never reached the server (a firewall that inspects FTP drops a command its policy denies, and the client's TCP sends it again and again, never acknowledged: Cisco ASA's inspect ftp with an ftp-map's request-command deny, or a policy-map type inspect ftp that drops it; an IPS), or the server never answered it (it hung on it).",
		verb, dur(waited), how)
	f.Advice = fmt.Sprintf("Look for %s in the server's log at that time. If the server never logged it, it was dropped on the way: check the FTP inspection policy and log of the firewalls between %s and %s for a rule that drops it, and allow it there if the client needs it; the client's copies of the command sent again with no acknowledgment (in this capture, or one on the server's side, which shows whether they arrive) tell a drop. If the server logged it, it hung on it: its log says why (a full disk, a stuck file system, a script a SITE command runs).",
		verb, s.Client.Addr(), s.Server.Addr())
	return f
}

// resetAnnouncement is the passive data connection of s whose announcing
// reply (227, 228, 229) was the last thing of the session before an RST
// from the client's side at once (cutAtOnce): answering the client's
// last command, with no SYN to it, no FIN of the client's, no capture
// gap after it. nil otherwise.
func resetAnnouncement(s *track.Session, st *sessState) *track.DataConn {
	if s.EndReason != track.EndRST || !s.ClientClosed || s.ClientFIN || s.OneSide != track.BothSides {
		return nil
	}
	for i := len(s.Data) - 1; i >= 0; i-- {
		dc := s.Data[i]
		c := dc.Announce
		if c == nil || !dc.Passive || c.Index != s.CommandCount {
			continue
		}
		if dc.Announced.Addr() != s.Server.Addr() {
			// A client that cannot reach the announced address resets:
			// nat-mismatch tells that, not an inspecting firewall.
			return nil
		}
		r := c.Final()
		if r == nil || r.Code != 227 && r.Code != 228 && r.Code != 229 || dc.SYNs > 0 || dc.Command != nil || s.End.Sub(r.TS) > cutAtOnce {
			return nil
		}
		if gs, unknown := gapsAfter(st, c.Seq); len(gs) > 0 || unknown {
			return nil
		}
		return dc
	}
	return nil
}

// resetAtAnnouncement is control-reset for dc, whose announcement an RST
// from the client's side followed at once (resetAnnouncement).
func resetAtAnnouncement(s *track.Session, dc *track.DataConn) *Finding {
	c := dc.Announce
	r := c.Final()
	after := s.End.Sub(r.TS)
	f := &Finding{Code: CodeControlReset, Severity: SeverityError, Session: s, Command: c, TS: s.End, Packets: []uint64{c.Num, r.Num}}
	tail := replyTail(r)
	strict := fmt.Sprintf("Cisco ASA's inspect ftp strict does so at a %d with more than %d characters after the port numbers", r.Code, maxPortTail)
	chars := ""
	if tail > maxPortTail {
		chars = fmt.Sprintf("%d characters after the port numbers of ", tail)
		strict += fmt.Sprintf(", as this one has (%d)", tail)
	}
	// (The reply's text last: the text output cuts a long evidence.)
	f.Evidence = fmt.Sprintf("a reset from the client's address ended the control connection %s after the %d (packet %d), with no connection to %s and no command before it; %s%q",
		dur(after), r.Code, r.Num, dc.Announced, chars, replyText(r))
	f.Message = fmt.Sprintf("The control connection was reset from the client's side %s after the server's %d announcing %s, before any connection to it or another command: the client, or a firewall between in the client's name, ended the session at that reply. "+
		"A firewall that inspects FTP resets the connection at a reply it will not pass (%s; other FTP ALGs and IPSs at one they cannot parse); a client that could not use the reply may reset too. The client never got a data connection: the data-not-attempted of %s follows from this.",
		dur(after), r.Code, dc.Announced, strict, dc.Announced)
	f.Advice = fmt.Sprintf("Check the FTP inspection policy of the firewalls between %s and %s, and their log at that time, for the rule that rejects this reply (Cisco ASA: inspect ftp strict, the policy-map type inspect ftp). A capture on the client's side shows whether the reply reached the client: a firewall's reset reaches it instead, from the server's address. In this capture, the TTL of the reset tells who sent it: one unlike the client's other segments came from a box in between.",
		s.Client.Addr(), s.Server.Addr())
	switch s.ResetTTL() {
	case decode.ResetTTLOther:
		// The client's TCP sends with one initial TTL over one path: a
		// reset with another came from a box between.
		f.Evidence = fmt.Sprintf("a reset from the client's address, with a TTL unlike the client's other segments', ended the control connection %s after the %d (packet %d), with no connection to %s and no command before it; %s%q",
			dur(after), r.Code, r.Num, dc.Announced, chars, replyText(r))
		f.Message = fmt.Sprintf("The control connection was reset in the client's name %s after the server's %d announcing %s, before any connection to it or another command, and the reset came with a TTL unlike the client's own segments: a box between (a firewall, an IPS) sent it, not the client, and ended the session at that reply. "+
			"A firewall that inspects FTP resets the connection at a reply it will not pass (%s; other FTP ALGs and IPSs at one they cannot parse). The client never got a data connection: the data-not-attempted of %s follows from this.",
			dur(after), r.Code, dc.Announced, strict, dc.Announced)
	case decode.ResetTTLSame:
		if !s.ResetAcked() {
			// Equal TTLs are weak evidence alone: a box as many hops
			// away with the client's initial TTL resets the same.
			f.Message += " The reset came with the TTL of the client's own segments: the client's own reset fits that, and so does a box between as far from the capture point that sends with the same initial TTL."
			break
		}
		// The client's TCP had the reply (its ACK), which a firewall
		// that rejects it keeps from the client, and the reset has the
		// client's TTL: the client ended the session itself.
		f.Severity = SeverityWarning
		f.Evidence = fmt.Sprintf("the client acknowledged the %d (packet %d), then reset the control connection %s after it, with the TTL of its other segments; no connection to %s, no command; %s%q",
			r.Code, r.Num, dur(after), dc.Announced, chars, replyText(r))
		f.Message = fmt.Sprintf("The client most likely reset the control connection itself %s after the server's %d announcing %s, before any connection to it or another command: its TCP had acknowledged the reply, which a firewall that rejects it keeps from the client, and the reset came with the TTL of the client's own segments. "+
			"Clients reset their connection when they give up or exit (curl at its timeout, a script's process ending with SO_LINGER 0, a user's interrupt); one that could not use the reply may too. A box between that acknowledged the reply in the client's name and reset with its TTL would look the same, which is rare. The client never got a data connection: the data-not-attempted of %s follows from this.",
			dur(after), r.Code, dc.Announced, dc.Announced)
		f.Advice = fmt.Sprintf("Nothing to change on a firewall for this reply: look at the client on %s for why it ended the session right after the %d (its log, its timeout, whether it was stopped). Only if the client did not reset it, check the firewalls between for a box that resets in its name.",
			s.Client.Addr(), r.Code)
		return f
	}
	if tail > maxPortTail {
		f.Advice += fmt.Sprintf(" Either turn strict off for this traffic, or have the server end its %d right after the numbers (\"(h1,h2,h3,h4,p1,p2).\", as most servers do).", r.Code)
	}
	return f
}

// hedgeResetAnnouncement words the data-not-attempted of dc in fs when
// the control connection was reset from the client's side right after
// the reply that announced it (resetAnnouncement): the client had no
// time to connect, so neither a client that gave up nor SYNs dropped
// before the capture point is the reading; the session's control-reset
// says what happened.
func (d *Diagnoser) hedgeResetAnnouncement(s *track.Session, dc *track.DataConn, fs []*Finding) []*Finding {
	if len(fs) == 0 || s.EndReason != track.EndRST || !s.ClientClosed {
		return fs
	}
	st := d.sess[s]
	if st == nil || resetAnnouncement(s, st) != dc {
		return fs
	}
	for _, f := range fs {
		if f.Code != CodeDataNotAttempted || f.Data != dc {
			continue
		}
		r := dc.Announce.Final()
		f.Severity = SeverityInfo
		f.blind, f.filtered = false, false
		f.Message = fmt.Sprintf("The client never connected to %s: the control connection was reset from the client's side %s after the %d that announced it, sooner than a client connects (see control-reset).", dc.Announced, dur(s.End.Sub(r.TS)), r.Code)
		f.Advice = "Nothing to change for this endpoint itself: see the session's control-reset."
	}
	return fs
}

// maxPortTail: Cisco ASA's inspect ftp strict closes the connection at a
// PORT command or 227 reply with more characters than this after the
// port numbers ("command pipelining", its documentation says).
const maxPortTail = 8

// portTail is how many characters follow the port numbers of c's PORT
// argument; 0 for another command.
func portTail(c *track.Command) int {
	if c.Verb != "PORT" {
		return 0
	}
	return afterSixNumbers(c.Arg)
}

// replyTail is how many characters follow the port numbers of r, a 227;
// 0 for another reply (a 229's numbers end in its delimiter).
func replyTail(r *track.Reply) int {
	if r.Code != 227 || r.Secret {
		return 0
	}
	return afterSixNumbers(r.Text)
}

// afterSixNumbers is how many characters of text follow its first run of
// six comma-separated numbers ("h1,h2,h3,h4,p1,p2", spaces allowed after
// the commas), 0 when it holds none.
func afterSixNumbers(text string) int {
	for i := 0; i < len(text); i++ {
		if !isDigit(text[i]) || i > 0 && isDigit(text[i-1]) {
			continue
		}
		j, n := i, 0
		for {
			k := j
			for k < len(text) && isDigit(text[k]) {
				k++
			}
			if k == j {
				break
			}
			n++
			if n == 6 {
				return len(text) - k
			}
			if k >= len(text) || text[k] != ',' {
				break
			}
			j = k + 1
			for j < len(text) && text[j] == ' ' {
				j++
			}
		}
	}
	return 0
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// resetAnsweredReply tells whether the RST that ended s's control
// connection, from the client's side at once (cutAtOnce) after r, the
// server's latest reply, answered r from no TCP that had it: the client
// had not acknowledged r, and the RST came without the ACK flag (a TCP
// that aborts a connection it has sets it; one answering a segment of no
// connection does not: a NAT or firewall that had forgotten the
// connection, or a host that lost it) or with a TTL unlike the client's
// segments' (a box between). The client's own reset after reading r
// (curl can reset on close after a complete download) comes after its
// ACK of r, with its TTL: not this.
func resetAnsweredReply(s *track.Session, r *track.Reply) bool {
	if s.EndReason != track.EndRST || !s.ClientClosed || s.ClientFIN || s.OneSide != track.BothSides || s.ResetAcked() || s.ServerUnacked == 0 {
		return false
	}
	if after := s.End.Sub(r.TS); after < 0 || after > cutAtOnce {
		return false
	}
	return s.ResetNoACK() || s.ResetTTL() == decode.ResetTTLOther
}

// replyResetIdle is control-idle-timeout for c, a transfer whose final
// reply final came after gap of control silence and was answered at once
// by an RST in the client's name from no TCP that had it
// (resetAnsweredReply): the reply never reached the client. lastNum is
// the last control message before the data ended, synNum the data
// connection's SYN, ev the transfer's evidence.
func replyResetIdle(s *track.Session, c *track.Command, final *track.Reply, gap time.Duration, lastNum, synNum uint64, ev string, fam family) *Finding {
	f := &Finding{Code: CodeControlIdle, Severity: SeverityWarning, Session: s, Command: c, TS: final.TS, Packets: packets([]uint64{c.Num, lastNum, final.Num, synNum})}
	var how []string
	if s.ResetNoACK() {
		how = append(how, "without the ACK flag")
	}
	if s.ResetTTL() == decode.ResetTTLOther {
		how = append(how, "with another TTL than the client's")
	}
	howText := strings.Join(how, " and ")
	since := s.End.Sub(final.TS)
	after := dur(since)
	if since < time.Millisecond {
		after = "less than a millisecond"
	}
	// (The transfer's evidence last: the text output cuts a long one.)
	f.Evidence = joinEvidence(fmt.Sprintf("%q (packet %d), after %s of control silence, answered %s later by a reset from the client's address %s, not acknowledged before it",
		replyText(final), final.Num, dur(gap), after, howText), ev)
	f.Message = fmt.Sprintf("The server sent the final reply after the control connection had been silent for %s, and a reset in the client's name answered it %s later, %s, before the client had acknowledged it: not the client's TCP closing a connection it had (that reset acknowledges, comes with the client's TTL, and after the client acknowledged the %d), but an answer to a segment of no connection. A NAT router or stateful firewall between that had forgotten the idle control connection (some home routers and firewalls keep an idle connection only seconds to minutes) most likely sent it, or the client host had lost the connection (a reboot); either way the %d never reached the client, which waits for it until it times out (curl: \"FTP response timeout\"), and the transfer counts as failed there although its data arrived.",
		dur(gap), after, howText, final.Code, final.Code)
	if s.ResetTTL() != decode.ResetTTLOther {
		f.Message += " (A capture on the client's own host shows the same when that host's firewall rejects the reply of a connection it forgot.)"
	}
	f.Advice = idleAdvice(gap, fam)
	return f
}
