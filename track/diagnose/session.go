package diagnose

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/decode/tlshello"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// commandFindings diagnoses a command once it has its final reply (or
// never will).
func (d *Diagnoser) commandFindings(s *track.Session, c *track.Command) []*Finding {
	st := d.state(s)
	var out []*Finding
	add := func(f *Finding) {
		if f != nil {
			f.Session = s
			if f.Data == nil {
				f.Command = c
			}
			out = append(out, f)
		}
	}
	final := c.Final()
	st.noteFinal250(c)
	if announcementLost(s, st, c) {
		d.server(s).cutAnnounce++
	}
	if c.Verb == "USER" && !c.Secret {
		st.secretLine = 0 // a new login: its password line comes after
	}
	switch {
	case c.Verb == "AUTH" && final != nil && final.Code == 234:
		st.encryptedAgain(c)
	case c.Verb == "AUTH" && final != nil && final.Code >= 400 && authTLSMechanism(c.Arg):
		st.moreState().authRefused = c
	case c.Verb == "PASS" || c.Verb == "USER" && final != nil && final.Code == 230:
		if !st.loginReported && !s.Encrypted {
			st.loginReported = true
			add(d.cleartextLogin(s, c))
		}
	case final != nil && final.Code == 230 && !st.loginReported && !s.Encrypted:
		// The login succeeded on a line that is neither the USER nor a
		// PASS: a line decode took for a password (the tail of one a gap
		// cut, or a bare line after the 331), a command the tracker stands
		// in for (Unseen), or one a gap paired wrongly.
		u := userBefore(s, c.Seq)
		switch {
		case gapTookLoginLine(st, u, c.Seq) || c.Unseen:
			st.loginReported = true
			gap := uint64(0)
			if gapTookLoginLine(st, u, c.Seq) {
				gap = st.lastGap.num
			}
			add(d.cleartextLoginLost(s, final, gap, 0))
		case c.Secret:
			// The client's stream is whole: the line is what the server
			// took for the password.
			st.loginReported = true
			add(d.cleartextLogin(s, c))
		}
	}
	// A PORT/EPRT/LPRT the server refused arms nothing, so no Data call
	// will carry it: judge its address here.
	if c.EndpointVia != 0 && !c.EndpointVia.Passive() && c.EndpointErr == nil && c.Data == nil {
		fxp := d.fxpOfCommand(s, c)
		switch {
		case fxp != nil && final != nil && final.Code >= 400:
			add(d.fxpRefused(s, c, fxp)) // (the other server's endpoint: no NAT, no bounce)
		case fxp != nil:
		case final != nil && final.Code >= 400:
			if f := d.natActive(s, c.Endpoint, c.EndpointVia, nil, c); f != nil {
				add(f)
			} else if !d.noteBounce(s, c.Endpoint, c, nil, bounceRefused) {
				add(d.ownPrivilegedPort(s, c.Endpoint, c.EndpointVia, c, true))
			}
		case final == nil && c.Status != track.StatusPending && c.Status != track.StatusAnswered:
			// Never answered: still an attempt to bounce.
			d.noteBounce(s, c.Endpoint, c, nil, bounceNeverAnswered)
		}
	}
	if final != nil && final.Code >= 400 {
		if cfg := d.serverConfigError(s, c, final); cfg != nil {
			add(cfg) // the server's own error, not passive mode turned off
		} else if abortedTransfer(s, c, final) {
			add(d.transferAborted(s, c, final, false))
		} else {
			d.notePassiveRefusal(s, c, final)
		}
	}
	for i := range c.Replies {
		if r := &c.Replies[i]; r.Code == 425 || r.Code == 426 {
			add(d.serverDataError(s, c, r))
		}
	}
	d.notePassiveWorked(s, c)
	if (final != nil && (final.Code/100 == 2 || connectBackAnswer(c)) || connectBackTried(s, c)) && !c.Secret && c.EndpointVia != 0 && !c.EndpointVia.Passive() && c.EndpointErr == nil {
		// The server accepted a PORT/EPRT, or tried to connect back
		// for it (its SYNs, with or without a reply yet): active mode
		// is on for this client address (pendingActiveRefused,
		// settleActive).
		d.server(s).noteActiveAccepted(s.Client.Addr().Unmap())
	}
	st.noteActiveRefusal(s, c, final)
	if c.Verb == "EPSV" && strings.EqualFold(strings.TrimSpace(c.Arg), "ALL") && final != nil && final.Code/100 == 2 {
		st.epsvAll = true // (notePassiveRefusal, noteActiveRefusal: for the commands after it)
		if m := st.moreState(); m.epsvAll.seq == 0 && !pairedAcrossGap(st, c, final) {
			m.epsvAll.seq, m.epsvAll.num, m.epsvAll.reply = c.Seq, final.Num, replyText(final)
		}
	}
	if c.Verb == "REIN" && final != nil && final.Code < 400 && st.more != nil {
		st.more.epsvAll.seq = 0 // (RFC 959: REIN resets the session's parameters)
	}
	if c.Data == nil {
		// Accepted, it armed nothing (no Data call will carry it).
		add(d.epsvAllIgnored(s, c, nil))
	}
	if (c.Verb == "USER" || c.Verb == "PASS") && final != nil && (final.Code == 530 || final.Code >= 400 && tlsRequiredText(final.Text)) &&
		loginLimitText(strings.ToLower(final.Text)) == limitNone {
		// The words of the server's login refusal, for its verdict (not
		// a connection limit's: session-refused's).
		if a := d.server(s); a.loginRefusal == "" {
			a.loginRefusal = replyText(final)
		}
	}
	if final != nil && (c.Verb == "USER" || c.Verb == "PASS" || c.Verb == "ACCT") {
		d.server(s).noteLoginReply(s, c, final)
	}
	d.loginSuccess(s, c)
	login := c.Verb == "USER" || c.Verb == "PASS" || c.Verb == "ACCT"
	if !login || final == nil || final.Code < 400 || loginLimitText(strings.ToLower(final.Text)) == limitNone && !tlsRequiredText(final.Text) {
		// A login refused for the connection limit or for clear text
		// judged no password: not a failure to weigh for guessing. (The
		// words are read only for a refused login: every command passes
		// here.)
		add(d.loginFailure(s, c))
	}
	return out
}

func (d *Diagnoser) cleartextLogin(s *track.Session, c *track.Command) *Finding {
	user := s.User
	f := &Finding{Code: CodeCleartextLogin, Severity: SeverityInfo, TS: c.TS, Packets: []uint64{c.Num}}
	// hidden: a capture gap lies between the USER and its 230, so the
	// capture cannot say the login needed no password.
	hidden := false
	// noPassword: the server accepted the USER itself, and the client
	// stream shows no password sent.
	noPassword := false
	var pass *track.Command // a PASS between the USER and its 230
	if r := c.Final(); c.Verb == "USER" && r != nil {
		pass = passwordLineBefore(s, c, r)
	}
	switch {
	case c.Verb != "USER" && user == "":
		// No USER the server answered: one the capture holds with no
		// reply seen (a capture of the client's direction only, say) is
		// quoted; with none, picked up mid-stream after its USER, or
		// the client sent none.
		if u := latestBefore(s, c, func(x *track.Command) bool { return x.Verb == "USER" && !x.Secret }); u != nil {
			f.Evidence = fmt.Sprintf("USER %s (packet %d), then %q (packet %d) on an unencrypted control connection", bareName(u.Arg), u.Num, commandText(c), c.Num)
			f.Packets = packets([]uint64{u.Num, c.Num})
			user = u.Arg // (an anonymous one is worded as such below)
		} else if s.Midstream {
			f.Evidence = fmt.Sprintf("%q (packet %d) on an unencrypted control connection (its USER was before the capture)", commandText(c), c.Num)
		} else {
			f.Evidence = fmt.Sprintf("%q (packet %d) on an unencrypted control connection (no USER before it in the capture)", commandText(c), c.Num)
		}
	case c.Verb != "USER":
		f.Evidence = userThenLine(bareName(user), commandText(c), c.Num)
	case pass != nil:
		// The 230 was paired with the USER because a gap in the
		// server's stream took the 331 between: the password line
		// itself is in the capture.
		r := c.Final()
		f.Evidence = fmt.Sprintf("USER %s, then %q (packet %d), then %q (packet %d) on an unencrypted control connection", bareName(user), commandText(pass), pass.Num, replyText(r), r.Num)
		f.Packets = packets([]uint64{c.Num, pass.Num, r.Num})
	case gapBetween(d.state(s), c):
		r := c.Final()
		hidden = true
		gap := d.state(s).lastGap.num
		f.Evidence = fmt.Sprintf("USER %s (packet %d), then the login succeeded (%q, packet %d) on an unencrypted control connection; %s between them hides whether a password was sent", bareName(user), c.Num, replyText(r), r.Num, gapAt(gap, r.Num))
		f.Packets = packets([]uint64{c.Num, gap, r.Num})
	case c.Uncertain && s.CommandCount > c.Index:
		// A gap (the server's: its 331 lost) came between the USER and
		// the 230, and the client sent more after the USER: a PASS may
		// have answered the 331, and JSON's tracker keeps no PASS to look
		// for. (Nothing sent after it: no password was.)
		r := c.Final()
		hidden = true
		f.Evidence = fmt.Sprintf("USER %s (packet %d), then the login succeeded (%q, packet %d) on an unencrypted control connection; a capture gap between them hides whether a password was sent", bareName(user), c.Num, replyText(r), r.Num)
		f.Packets = packets([]uint64{c.Num, r.Num})
	default:
		noPassword = true
		f.Evidence = fmt.Sprintf("USER %s accepted without a password (packet %d) on an unencrypted control connection", bareName(user), c.Num)
	}
	// The settings of the server's family: an IIS or FileZilla Server
	// admin has no ssl_enable to set.
	fam := d.family(s)
	switch {
	case (anonymousUser(user) || c.Final() != nil && anonymousWelcome(c.Final().Text)) && loginRefused(c):
		// The server refused it: no login happened, only the attempt
		// crossed.
		f.Message, f.Advice = msgAnonymousAttempt, fam.anonymousAdvice()
	case (anonymousUser(user) || c.Final() != nil && anonymousWelcome(c.Final().Text)) && noPassword:
		// The server took the USER alone (aioftp): no password, not
		// even an e-mail address, crossed.
		f.Message, f.Advice = msgAnonymousNoPassword, fam.anonymousAdvice()
	case anonymousUser(user) || c.Final() != nil && anonymousWelcome(c.Final().Text):
		f.Message, f.Advice = msgAnonymousLogin, fam.anonymousAdvice()
	case hidden:
		f.Message = "A user name crossed the network in clear text and the login succeeded; a gap in the capture hides whether a password was sent (one sent on this connection crossed in clear text too)."
		f.Advice = fmt.Sprintf("Require TLS (%s) or move to SFTP; if this login sent a password, change it.", fam.requireTLS())
	case noPassword:
		// No password crossed: none was asked for. Said as it is; the
		// severity stays info, as odd servers (and test captures)
		// greet a user this way on purpose.
		f.Message = "The server logged a named user in on the user name alone, without asking for a password: anyone who knows or reads the name (it crossed the network in clear text) can log in as that user."
		f.Advice = fmt.Sprintf("Give the account a password, or disable its FTP login if it needs none (%s); then require TLS (%s) or move to SFTP so the password is not read on the way.", fam.noLogin(), fam.requireTLS())
	default:
		// The user is named in the evidence: the message is the cause, the
		// same for every session it is found in (the text output collapses
		// repeated findings by it).
		f.Message, f.Advice = msgPasswordCrossed, fam.passwordAdvice()
	}
	d.authFallback(s, c, f)
	if fam.ownTLS() {
		f.Advice += fam.note()
	}
	return f
}

// authFallback adds to f, the cleartext-login of c, that the client had
// asked for TLS (AUTH) before and, refused, logged in in clear instead of
// stopping: the server offers no TLS, or something on the path answered
// the AUTH (a downgrade). A named user's password crossing that way is a
// warning; the fix starts at the client, which should refuse to go on.
func (d *Diagnoser) authFallback(s *track.Session, c *track.Command, f *Finding) {
	st := d.state(s)
	if st.more == nil || st.more.authRefused == nil || s.WasEncrypted || loginRefused(c) {
		return
	}
	a := st.more.authRefused
	r := a.Final()
	f.Evidence += fmt.Sprintf("; before it the client asked for TLS, %q (packet %d), and the server refused: %q (packet %d)", commandText(a), a.Num, replyText(r), r.Num)
	f.Packets = packets(append(f.Packets, a.Num, r.Num))
	anonymous := f.Message == msgAnonymousLogin || f.Message == msgAnonymousNoPassword
	f.Message += " The client had asked for TLS first (AUTH) and, refused, logged in in clear instead of stopping: the server offers no TLS on this port, or something on the path answered the AUTH in its place (a downgrade)."
	if anonymous {
		return // public anonymous FTP: falling back is what the client is for
	}
	f.Severity = SeverityWarning
	f.Advice = "Make the client require TLS, so that it stops when AUTH is refused (curl --ssl-reqd, lftp set ftp:ssl-force yes, FileZilla \"Require explicit FTP over TLS\"); on the server: " + f.Advice
}

// authTLSMechanism tells whether arg, an AUTH's, asks for TLS (RFC 4217:
// TLS, and the SSL, TLS-C and TLS-P clients send), not GSSAPI.
func authTLSMechanism(arg string) bool {
	switch strings.ToUpper(strings.TrimSpace(arg)) {
	case "TLS", "SSL", "TLS-C", "TLS-P":
		return true
	}
	return false
}

// userThenLine is the evidence of every cleartext login, fmt.Sprintf's
// "USER %s, then %q (packet %d) on an unencrypted control connection"
// appended ("%q" is strconv.Quote, "%d" strconv.FormatUint): one per
// session, the Sprintf was most of the finding's cost.
func userThenLine(user, line string, num uint64) string {
	const fixed = len("USER , then \"\" (packet 18446744073709551615) on an unencrypted control connection")
	b := make([]byte, 0, fixed+len(user)+len(line))
	b = append(append(b, "USER "...), user...)
	b = strconv.AppendQuote(append(b, ", then "...), line)
	b = strconv.AppendUint(append(b, " (packet "...), num, 10)
	return string(append(b, ") on an unencrypted control connection"...))
}

// The two cleartext-login causes every way of finding them words alike
// (the text output groups repeated findings by message).
const (
	msgAnonymousLogin  = "An anonymous login crossed the network in clear text (the password is usually an e-mail address, but every command and file name is readable)."
	msgPasswordCrossed = "A user name and its password crossed the network in clear text: anyone on the path can read them."
	// msgAnonymousNoPassword: an anonymous login the server accepted on
	// the USER alone (aioftp's "230 anonymous login"): no password crossed.
	msgAnonymousNoPassword = "An anonymous login crossed the network in clear text; the server asked for no password, so none crossed, but every command and file name is readable."
	// msgAnonymousAttempt: an anonymous login the server refused (vsftpd
	// anonymous_enable=NO: "530 Login incorrect."): the credentials
	// crossed, no login happened.
	msgAnonymousAttempt = "An anonymous login attempt crossed the network in clear text, and the server refused it (the password is usually an e-mail address, but every command and file name is readable)."
)

// loginRefused tells whether c, the login line cleartext-login is about,
// got a refusal (4yz/5yz) for its final reply: no login happened.
func loginRefused(c *track.Command) bool {
	r := c.Final()
	return r != nil && r.Code >= 400
}

func (fam family) anonymousAdvice() string {
	return fmt.Sprintf("Nothing to do for public anonymous FTP; for private data use FTPS (%s) or SFTP.", fam.anonTLS())
}

func (fam family) passwordAdvice() string {
	return fmt.Sprintf("Require TLS (%s) or move to SFTP, and change the password that was exposed.", fam.requireTLS())
}

// cleartextLoginLost is cleartext-login for a login whose success, r (a
// 230), answers no command the capture holds: a gap of the client's
// stream (at packet gap; 0 when none is known) took the PASS line, or the
// USER's too, and r answers the lost line or the tail decode read of it;
// or the password line was no command decode could read (PASS<TAB>..., a
// NUL in it: a junk line it hid, at packet junk; 0 when none). The login
// crossed an unencrypted control connection; the finding claims a password
// crossed only where the line that may hold it is in the capture.
func (d *Diagnoser) cleartextLoginLost(s *track.Session, r *track.Reply, gap, junk uint64) *Finding {
	u := userBefore(s, r.Seq)
	if gap != 0 {
		junk = 0 // the gap may have taken more of it
	}
	f := &Finding{Code: CodeCleartextLogin, Severity: SeverityInfo, TS: r.TS, Session: s}
	ok := fmt.Sprintf("the login succeeded (%q, packet %d) on an unencrypted control connection", replyText(r), r.Num)
	hides := "no line it answers is in the capture, so whether a password was sent cannot be told"
	switch {
	case gap != 0:
		hides = fmt.Sprintf("%s between them hides whether a password was sent", gapAt(gap, r.Num))
	case junk != 0:
		ok = fmt.Sprintf("%s (packet %d, not read as a command), then %s", hiddenLine, junk, ok)
		hides = ""
	}
	var userNum uint64
	switch {
	case u != nil:
		userNum = u.Num
		f.Evidence = fmt.Sprintf("USER %s (packet %d), then %s", bareName(s.User), u.Num, ok)
	case s.User != "":
		// Its USER is no longer in the transcript (RecentOnly).
		f.Evidence = fmt.Sprintf("USER %s, then %s", bareName(s.User), ok)
	case gap != 0:
		f.Evidence = upperFirst(ok)
		hides = fmt.Sprintf("%s before it hides the user name and whether a password was sent", gapAt(gap, r.Num))
	case junk != 0:
		f.Evidence = upperFirst(ok)
	default:
		f.Evidence = upperFirst(ok)
		hides = "no line it answers is in the capture, so neither the user name nor whether a password was sent can be told"
	}
	if hides != "" {
		f.Evidence += "; " + hides
	}
	f.Packets = packets([]uint64{userNum, gap, junk, r.Num})
	fam := d.family(s)
	switch {
	case anonymousUser(s.User) || anonymousWelcome(r.Text):
		// (The welcome says so when the gap took the USER: ProFTPD's
		// "230 Anonymous access granted, restrictions apply".)
		f.Message, f.Advice = msgAnonymousLogin, fam.anonymousAdvice()
	case junk != 0:
		f.Message, f.Advice = msgPasswordCrossed, fam.passwordAdvice()
	case gap != 0:
		f.Message = "A user name crossed the network in clear text and the login succeeded; a gap in the capture hides whether a password was sent (one sent on this connection crossed in clear text too)."
		f.Advice = fmt.Sprintf("Require TLS (%s) or move to SFTP; if this login sent a password, change it.", fam.requireTLS())
	default:
		f.Message = "A user name crossed the network in clear text and the login succeeded; the capture does not show whether a password was sent (one sent on this connection crossed in clear text too)."
		f.Advice = fmt.Sprintf("Require TLS (%s) or move to SFTP; if this login sent a password, change it.", fam.requireTLS())
	}
	if fam.ownTLS() {
		f.Advice += fam.note()
	}
	return f
}

// anonymousWelcome tells whether a login's success reply says the login
// is anonymous, in any case: ProFTPD's "230 Anonymous access granted,
// restrictions apply", Pure-FTPd's "230 Anonymous user logged in",
// wu-ftpd's "230 Guest login ok, access restrictions apply.".
func anonymousWelcome(text string) bool {
	t := strings.ToLower(text)
	for _, w := range [...]string{"anonymous access", "anonymous login", "anonymous user", "guest access", "guest login"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// gapAt names a capture gap of the client's stream seen at packet gap, in
// evidence about the reply at packet reply: by its packet, unless that is
// the reply's own (the gap was found when the reply's packet acknowledged
// the lost bytes).
func gapAt(gap, reply uint64) string {
	if gap == reply {
		return "a capture gap"
	}
	return fmt.Sprintf("a capture gap (packet %d)", gap)
}

// greetingLogin is cleartext-login for a 230 the tracker kept among the
// greeting lines: no command was in the capture yet, since gaps of the
// client's stream took the USER and PASS lines (a snap length that cut
// them). Asked once the greeting is over (the first command, or the
// session's end); only where such a gap came before the 230.
func (d *Diagnoser) greetingLogin(s *track.Session) *Finding {
	st := d.state(s)
	if st.loginReported || s.Encrypted || s.ImplicitTLS {
		return nil
	}
	for i := range s.Greeting {
		r := &s.Greeting[i]
		if r.Code != 230 {
			continue
		}
		gap := uint64(0)
		if gapTookLoginLine(st, nil, r.Seq) {
			gap = st.lastGap.num
		} else {
			// The latest gap came after the 230: an earlier one, kept
			// among the session's events, may have taken the lines.
			for j := range s.Events {
				if e := &s.Events[j]; e.Kind == track.EventGap && e.FromClient && e.Seq < r.Seq {
					gap = e.Num
				}
			}
		}
		if gap == 0 {
			return nil
		}
		st.loginReported = true
		return d.cleartextLoginLost(s, r, gap, 0)
	}
	return nil
}

// userBefore is the session's latest USER sent before seq, among the
// last maxPasswordLook commands of the transcript; nil when none is.
func userBefore(s *track.Session, seq uint64) *track.Command {
	for i, n := len(s.Commands)-1, 0; i >= 0 && n < maxPasswordLook; i, n = i-1, n+1 {
		if x := s.Commands[i]; x.Seq < seq && x.Verb == "USER" && !x.Secret {
			return x
		}
	}
	return nil
}

// crossFamilyConnect is server-data-error for r, a 425 to c, the transfer
// command whose data connection dc the client announced by an EPRT (or
// PORT) the server accepted, naming an address of the other family than
// the control connection's, and to which no SYN was seen: the server
// most likely could not connect across families (ProFTPD's "425 Unable
// to build data connection: Invalid argument", the connect's EINVAL).
// nil otherwise.
func crossFamilyConnect(s *track.Session, c *track.Command, r *track.Reply, dc *track.DataConn) *Finding {
	a := dc.Announced.Addr().Unmap()
	srv := s.Server.Addr().Unmap()
	if r.Code != 425 || dc.Passive || !a.IsValid() || a.Is4() == srv.Is4() || dc.SYNs > 0 || dc.Announce == nil {
		return nil
	}
	fam := func(x netip.Addr) string {
		if x.Is4() {
			return "IPv4"
		}
		return "IPv6"
	}
	x := dc.Announce
	f := &Finding{Code: CodeServerDataError, Severity: SeverityWarning, TS: r.TS, Data: dc}
	pk := []uint64{x.Num}
	ev := fmt.Sprintf("%q (packet %d)", commandText(x), x.Num)
	if xr := x.Final(); xr != nil {
		ev = fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(x), x.Num, replyText(xr), xr.Num)
		pk = append(pk, xr.Num)
	}
	f.Evidence = joinEvidence(ev, fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(c), c.Num, replyText(r), r.Num), "no connection to "+dc.Announced.String()+" seen")
	f.Packets = packets(append(pk, c.Num, r.Num))
	f.Message = fmt.Sprintf("The server accepted %s naming %s, an %s address, over an %s control connection, then failed %s with %q without a connection attempt: its connection back uses the control connection's family, so it most likely cannot reach an address of the other family. The family mismatch failed it, not a firewall.",
		x.Verb, a, fam(a), fam(srv), verbText(c), replyText(r))
	f.Advice = fmt.Sprintf("Make the client name its own %s address in %s (the control connection's family: %s here), or use passive mode (EPSV).", fam(srv), x.Verb, s.Client.Addr().Unmap())
	return f
}

// gapTookLoginLine: the session's latest gap of the client's stream lies
// before seq and after u, the USER of the login (anywhere before seq when
// no USER is in the capture): the PASS line may be in it.
func gapTookLoginLine(st *sessState, u *track.Command, seq uint64) bool {
	g := st.lastGap
	return g.num != 0 && g.seq < seq && (u == nil || g.seq > u.Seq)
}

// gapBetween reports whether a capture gap of the client's stream came
// between c and its final reply (only the client's bytes can hold a
// PASS; Event keeps only those gaps). The diagnoser is told of c when that
// reply arrives, so the session's latest gap is the one to look at.
func gapBetween(st *sessState, c *track.Command) bool {
	r := c.Final()
	return r != nil && st.lastGap.seq > c.Seq && st.lastGap.seq < r.Seq
}

// maxPasswordLook bounds the commands passwordLineBefore reads back.
const maxPasswordLook = 64

// passwordLineBefore is a PASS the client sent after USER c and before
// r, the 230 paired with c, when the transcript keeps it; else nil. A
// line decode only took for a password after the gap (its verb not
// PASS) is no proof that one was sent.
func passwordLineBefore(s *track.Session, c *track.Command, r *track.Reply) *track.Command {
	for i, n := len(s.Commands)-1, 0; i >= 0 && n < maxPasswordLook; i, n = i-1, n+1 {
		x := s.Commands[i]
		if x.Seq <= c.Seq {
			break
		}
		if x.Seq < r.Seq && x.Verb == "PASS" {
			return x
		}
	}
	return nil
}

// serverDataError explains a 425/426 reply and links it to the data
// connection of its transfer.
func (d *Diagnoser) serverDataError(s *track.Session, c *track.Command, r *track.Reply) *Finding {
	f := &Finding{Code: CodeServerDataError, Severity: SeverityWarning, TS: r.TS}
	var dc *track.DataConn
	if n := len(c.Transfer); n > 0 {
		dc = c.Transfer[n-1]
		f.Data = dc
		if g := crossFamilyConnect(s, c, r, dc); g != nil {
			return g
		}
		if !dc.Passive && dc.Announced.IsValid() {
			if d.bounceTargetOf(s, dc.Announced, dc).reason != "" {
				return nil // the session's ftp-bounce accounts for it
			}
		}
	}
	pk := []uint64{c.Num, r.Num}
	ev := fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(c), c.Num, replyText(r), r.Num)
	if dc != nil {
		if dc.Outcome == track.OutcomePending {
			ev = joinEvidence(ev, fmt.Sprintf("data connection #%d %s", dc.ID, endpointText(dc)))
		} else {
			ev = joinEvidence(ev, fmt.Sprintf("data connection #%d %s: %s", dc.ID, endpointText(dc), dc.Outcome))
		}
		pk = append(pk, dc.SYNNum)
	}
	f.Evidence, f.Packets = ev, packets(pk)
	text := strings.ToLower(r.Text)
	var stop receiverStop
	var stall abortStall
	var fxp *fxpPair // (an FXP transfer's: the data connection runs between two servers)
	if dc != nil {
		fxp = d.fxpOf(s, dc)
	}
	if r.Code == 426 && dc != nil {
		stop = receiverStopped(dc, c, r)
		v, _ := d.vantage(s)
		stall = abortStalled(s, c, dc, v)
	}
	switch {
	case r.Code == 425 && c.Verb == "PASV" && strings.Contains(text, "ipv6"):
		// Pure-FTPd: "425 You cannot use PASV on IPv6 connections. Use
		// EPSV instead.": the reply to PASV itself, by design.
		f.Severity = SeverityInfo
		f.Message = fmt.Sprintf("The server does not take PASV on an IPv6 control connection (it answered %q): a 227 carries only an IPv4 address, so it cannot name the address the client reaches the server at. No data connection was tried, and no firewall is involved.", replyText(r))
		f.Advice = "Nothing to change in the server or the firewall: make the client use EPSV over IPv6 (RFC 2428; curl, lftp, ftplib and busybox send it first)."
	case r.Code == 425 && sourceRefusal(text) && fxp != nil && dc != nil && dc.Passive:
		// An FXP transfer's passive half: the connection came from the
		// other server, as the client asked, not from a NAT's address.
		fxpSourceRefused(d, s, r, dc, fxp, f)
	case r.Code == 425 && sourceRefusal(text):
		return d.dataSourceTranslated(s, c, r, dc)
	case r.Code == 425 && strings.Contains(text, "cannot assign requested address"):
		return nil // server-config-error says it
	case connectBackAnswer(c) && c.Data != nil && !connectedData(c.Data):
		// The reply answers the PORT itself: the server connected back
		// at the PORT (pyftpdlib, Twisted), and the capture shows that
		// connection fail. Its own finding (active-blocked) says where it
		// was stopped; the announcement stands.
		return nil
	case connectBackAnswer(c) && c.Data != nil:
		f.Data = c.Data
		f.Evidence = joinEvidence(ev, fmt.Sprintf("data connection #%d %s: %s", c.Data.ID, endpointText(c.Data), c.Data.Outcome))
		f.Packets = packets([]uint64{c.Num, r.Num, c.Data.SYNNum})
		f.Message = fmt.Sprintf("The server answered %s with %q though its connection back to the client at %s was answered: the network path of the data connection works; the server failed it for the reason its reply gives.", c.Verb, replyText(r), c.Endpoint)
		f.Advice = "Read the reply and the server's log for the cause."
	case connectBackAnswer(c) && r.Code == 425:
		return d.connectBackUnseen(s, c, r)
	case r.Code == 425 && (strings.Contains(text, "port or pasv") || strings.Contains(text, "pasv or port") || strings.Contains(text, "first")):
		f.Message = fmt.Sprintf("The client sent %s without setting up a data connection first (no accepted PASV/EPSV/PORT/EPRT).", verbText(c))
		f.Advice = "A client bug, or a PASV/PORT the server refused just before: see the replies before this command."
	case r.Code == 425 && dc != nil && unresumedHandshake(dc) && resumptionRefusal(d.family(s), r):
		// The client's connection arrived and its TLS handshake was read
		// (after CCC, or with the reply in clear): the server refused it
		// itself, not a firewall. data-tls-not-resumed gives the fix.
		f.Message = fmt.Sprintf("The server refused %s (%q) after the client's data connection had reached it and made a TLS handshake that did not resume the control connection's TLS session: a server that requires resumption on data connections (%s) refuses such a connection.", c.Verb, replyText(r), d.family(s).tlsReuseRequired())
		f.Advice = "See data-tls-not-resumed: a client that resumes the TLS session on data connections, or a server that accepts a full handshake."
	case r.Code == 425 && dc != nil && connectedData(dc) && strangerData(s, dc):
		// Matched by the announced port alone, from another address than
		// the client's: a connection reached the server, but nothing says
		// it was the client's (a connect scan of the port, or the client
		// behind a NAT that changes its address).
		f.Message = fmt.Sprintf("The server refused %s (%q) after a connection from %s, another address than the client's %s, had reached the announced port %s: the client's own data connection may never have come (a scan of the port), or it leaves a NAT from another address than its control connection.", c.Verb, replyText(r), dc.Client.Addr().Unmap(), s.Client.Addr().Unmap(), dc.Server)
		f.Advice = "Read the reply and the server's log for the cause and for which address connected; if the client's own connection never arrived, see the client's error."
	case r.Code == 425 && dc != nil && connectedData(dc):
		// The data connection reached the server, and the reply is not
		// the refusal of a TLS session that was not resumed: nobody
		// "failed to connect", and no firewall dropped it. The server
		// refused it for the reason its reply gives.
		f.Message = fmt.Sprintf("The server refused %s (%q) after the client's data connection had reached it: the server itself closed or refused that connection, for the reason its reply gives; no firewall dropped it.", c.Verb, replyText(r))
		f.Advice = "Read the reply and the server's log for the cause; the network path of the data connection works."
	case r.Code == 425 && dc == nil && refusedAnnouncement(lastAnnouncement(s, c)) != nil:
		// No data connection was set up because the server had refused
		// the PORT/EPRT (or PASV/EPSV) before: the 425 follows from that
		// refusal, which its own reply (and ftp-bounce) explains.
		a := lastAnnouncement(s, c)
		ar := refusedAnnouncement(a)
		f.Severity = SeverityInfo
		f.Message = fmt.Sprintf("The server had refused the client's %s (%q, packet %d), so no data connection was set up; the client sent %s anyway, and this 425 follows from that refusal, not from the network.", a.Verb, replyText(ar), ar.Num, verbText(c))
		f.Advice = "Nothing on the data path to change: see why the server refused the announcement (its reply; ftp-bounce when it named another host or a privileged port)."
		f.Packets = packets([]uint64{ar.Num, c.Num, r.Num})
	case r.Code == 425 && dc == nil && connectBackAnswer(lastAnnouncement(s, c)) && lastAnnouncement(s, c).Final() != nil:
		// The server had tried to connect back at the PORT before, and
		// failed (its reply to the PORT said so): nothing was set up for
		// this transfer, and the PORT's own findings say why.
		a := lastAnnouncement(s, c)
		ar := a.Final()
		f.Severity = SeverityInfo
		f.Message = fmt.Sprintf("The server's connection back for the client's %s had failed (%q, packet %d), so no data connection was set up; the client sent %s anyway, and this 425 follows from that failure.", a.Verb, replyText(ar), ar.Num, verbText(c))
		f.Advice = "See the findings of that " + a.Verb + " for where the connection back was stopped."
		f.Packets = packets([]uint64{ar.Num, c.Num, r.Num})
	case r.Code == 425:
		mode := "the data connection"
		// The timeouts by name only where the server is vsftpd.
		vsftpd := d.family(s).kind == policy.ServerVsftpd
		switch {
		case dc != nil && dc.Passive && vsftpd:
			mode = "the passive data connection: nobody connected within accept_timeout (vsftpd, 60 s by default)"
		case dc != nil && dc.Passive:
			mode = "the passive data connection: nobody connected within the server's accept timeout"
		case dc != nil && (dc.Outcome == track.OutcomeRefused || strings.Contains(text, "refused")):
			// The wire (an RST) or the reply says refused: not a timeout.
			mode = "the active data connection: the connection back to the client was refused"
		case dc != nil && dc.Outcome == track.OutcomeUnreachable:
			mode = "the active data connection: the connection back to the client was answered by an ICMP error"
		case dc != nil && vsftpd:
			mode = "the active data connection: the connect back to the client failed within connect_timeout (vsftpd, 60 s by default)"
		case dc != nil:
			mode = "the active data connection: the connect back to the client failed within the server's connect timeout"
		}
		if fxp != nil {
			// On FXP the data connection runs between the two
			// servers: no connect back to the client (fxpReplyMode).
			mode = fxpReplyMode(dc, fxp, vsftpd, strings.Contains(text, "refused"))
		}
		f.Message = fmt.Sprintf("The server could not establish %s.", mode)
		f.Advice = "See the data connection's own finding for where it was blocked."
		if fxp != nil {
			f.Advice = "See the fxp-transfer findings for where the connection between the two servers was stopped."
		}
		switch {
		case dc == nil && (announcementCut(s, lastAnnouncement(s, c)) || announcementLost(s, d.state(s), c) || passiveReplyLost(lastAnnouncement(s, c))):
			// The PORT or the 227 was there, and the capture lost it:
			// nothing tells where the connection was to go, or that a
			// firewall had any part in it.
			f.Advice = "The capture does not hold this transfer's data endpoint announcement whole (a PORT/EPRT or PASV/EPSV reply cut short, or lost in a capture gap: a snap length shorter than the packets, most often), so it cannot tell where the data connection was to go or what stopped it; capture again with whole packets (tcpdump -s 0) before changing a firewall."
		case dc == nil:
			f.Advice = "The capture shows no announcement for this transfer; look at the firewall between client and server for the data ports."
		}
	case stall.ok:
		// The client gave up on data that had stopped coming long
		// before: a stall, not a user's choice.
		abortStallError(f, c, r, dc, stall)
	case aborted(s, c):
		f.Severity = SeverityInfo
		f.Message = "The transfer was aborted by the client (ABOR): the 426 is the normal answer."
		f.Advice = "Nothing to change."
	case stop.ok && fxp != nil:
		// An FXP transfer: the receiver is a server, not the client.
		f.Severity = SeverityInfo
		f.Evidence = joinEvidence(f.Evidence, stop.evidence(r))
		fxpStopped(f, fxp, stop)
	case stop.ok:
		// The side the data flowed to ended the connection itself, while
		// the sender was still at it: a client that gave up a download
		// (closed it, timed out, was interrupted), or a server that
		// refused the rest of an upload. The sender's 426 follows from
		// that; no firewall or NAT broke anything.
		f.Severity = SeverityInfo
		f.Evidence = joinEvidence(f.Evidence, stop.evidence(r))
		// A bare RST in the receiver's name may be a device on the path
		// (an IPS or DLP "reset both" action): only a capture on the
		// receiver's own side, or its FIN before, shows it sent it.
		v, _ := d.vantage(s)
		onReceiverSide := stop.download && v == VantageClient || !stop.download && v == VantageServer
		switch {
		case stop.download && (onReceiverSide || !stop.bareReset):
			f.Message = "The client stopped the download itself: it closed or reset the data connection while the server was still sending, before the server's reply; the 426 is the normal answer."
			f.Advice = "Nothing to change on the network or the server: the client gave the transfer up (its own time limit, an interrupt, or a reader that stops early); look at the client if the file should have arrived whole."
		case stop.download:
			f.Message = "The client, or a device on the path in its name, reset the data connection while the server was still sending, before the server's reply; the 426 follows from it."
			f.Advice = "If a user or the client's own time limit stopped it, nothing to change. If transfers break like this again and again, look for an IPS or DLP device on the path that resets flows: a capture on the client's side tells, since an RST the client did not send never leaves it."
		default:
			f.Message = "The server stopped the upload itself: it closed or reset the data connection while the client was still sending, before its reply; no firewall or NAT broke it."
			f.Advice = "The network path of the data connection works: the server's reply and its log give why it refused the rest of the upload (a quota, a full disk, a size limit)."
		}
	case r.Code == 426 && clientGapBefore(d.state(s), c, r) != nil:
		// The capture lost client bytes just before the 426: an ABOR
		// (6 bytes, or 4 in urgent mode) fits there, and a server
		// answers it with 426 as it does a broken connection.
		g := clientGapBefore(d.state(s), c, r)
		// (Still a warning: a real break in a lossy capture must not drop
		// out of --summary; the wording says it may be an abort.)
		f.Severity = SeverityWarning
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("%d client bytes missing at packet %d, before the 426", g.bytes, g.num))
		f.Packets = packets(f.Packets, []uint64{g.num})
		f.Message = "The data connection ended before the end of the transfer, and the capture lost bytes of the client's commands just before the server's 426: the client may have sent ABOR there (a server answers ABOR with 426, as it does a broken connection), so this capture cannot tell an abort from a break."
		f.Advice = "Nothing to change if the client aborted the transfer (its log tells). If transfers break like this without an abort, look for a firewall or NAT that times out or resets long transfers, in a capture that does not lose packets."
	case r.Code == 426 && dc != nil && stalledData(dc, c, r):
		// Nothing got through on a connection that was made: a stall on
		// the path, not a firewall timing a long transfer out.
		stalledDataError(f, c, r, dc)
	case r.Code == 426 && fxp != nil:
		fxpBroke(f, dc, fxp)
	default:
		f.Message = "The data connection broke during the transfer: reset or closed before the end."
		f.Advice = "Look for a firewall or NAT that times out or resets long transfers (idle timeouts on the control connection during a long transfer are common), or a client killed mid-transfer."
	}
	return f
}

// clientGapBefore is the latest capture gap of the client's stream that
// came between c and r, its reply; nil when none did.
func clientGapBefore(st *sessState, c *track.Command, r *track.Reply) *gapSeen {
	gs, _ := st.gapsWithin(c.Seq, r.Seq)
	for i := len(gs) - 1; i >= 0; i-- {
		if gs[i].fromClient {
			return &gs[i]
		}
	}
	return nil
}

// receiverStop is how the side a transfer's data flowed to ended its
// data connection first (receiverStopped).
type receiverStop struct {
	ok       bool
	download bool           // the receiver was the FTP client (RETR, LIST...); else the server (STOR...)
	by       netip.AddrPort // the receiver's end of the data connection
	at       time.Time      // its first closing segment
	how      string         // what it sent: "its reset", "its FIN, then its reset"
	// bareReset: a reset alone, no FIN before it: on a capture away from
	// the receiver's side, a device on the path may have sent it.
	bareReset bool
}

// receiverStopped tells whether the side c's data flowed to, the client
// for RETR and the listings, the server for STOR, STOU and APPE, ended dc
// first while the sender was still sending: its reset, alone or after
// its own FIN, came before r, the sender's 426. That is the receiver
// giving the transfer up (ftplib closing the data connection, curl -m,
// lftp interrupted; the same clients on Pure-FTPd, which answers them
// with no 426, raise nothing), not a break on the path.
//
// A break keeps its warning: a reset from the sender's side (the sender
// itself, or a middlebox speaking for it), an ICMP error, a reset that
// came after the reply, or one before any data moved. The capture cannot
// tell a middlebox that forges the receiver's reset from the receiver's
// own; a firewall does so for a connection it timed out as idle, while
// the receivers here reset a transfer in full flow. A receiver that
// closed by FIN alone (lftp on ProFTPD) is not recognised: which side
// sent the first FIN is not recorded on track.DataConn.
//
// dc.Bytes, RSTFromServer and ReceiverAborted index the sides by who
// opened the connection: in active mode that is the FTP server.
func receiverStopped(dc *track.DataConn, c *track.Command, r *track.Reply) receiverStop {
	download := ftp.IsDownload(c.Verb)
	if !download && !ftp.IsUpload(c.Verb) {
		return receiverStop{}
	}
	return receiverStoppedBy(dc, download, r.TS)
}

// receiverStoppedBy is receiverStopped for a transfer whose data flowed
// to the client (download) or to the server, whose sender reported the
// failure at reply.
func receiverStoppedBy(dc *track.DataConn, download bool, reply time.Time) receiverStop {
	var none receiverStop
	if dc.ICMP != nil || !connectedData(dc) {
		return none
	}
	// recv indexes dc.Bytes: 0 the side that opened the connection, 1 the
	// side it connected to.
	recv := 1
	if download == dc.Passive {
		recv = 0
	}
	send := recv ^ 1
	if dc.Bytes[send] == 0 {
		return none // nothing sent yet to give up on
	}
	rstFrom := 0
	if dc.RSTFromServer {
		rstFrom = 1
	}
	st := receiverStop{download: download, by: dc.Client}
	if recv == 1 {
		st.by = dc.Server
	}
	rst := !dc.RSTTS.IsZero()
	switch fin := dc.FINTS[recv]; {
	case rst && rstFrom == send:
		return none // the sender's side reset it
	case !fin.IsZero() && rst:
		st.at, st.how = fin, "its FIN, then its reset"
	case !fin.IsZero():
		st.at, st.how = fin, "its FIN"
	case rst:
		st.at, st.how, st.bareReset = dc.RSTTS, "its reset", true
	default:
		return none // the receiver has not closed
	}
	if st.at.After(reply) {
		return none // the sender reported the failure first
	}
	if sf := dc.FINTS[send]; !sf.IsZero() && !sf.After(st.at) {
		return none // the sender closed first: the receiver's close answers it
	}
	st.ok = true
	return st
}

// evidence says how and when the receiver ended the data connection,
// relative to r.
func (st receiverStop) evidence(r *track.Reply) string {
	who := "the client"
	if !st.download {
		who = "the server"
	}
	return fmt.Sprintf("ended first by %s %s, the receiving side: %s %s before the reply", who, st.by, st.how, dur(r.TS.Sub(st.at)))
}

// lastAnnouncement is the session's latest announcing command (PASV,
// EPSV, PORT, EPRT...) before c, accepted or refused.
func lastAnnouncement(s *track.Session, c *track.Command) *track.Command {
	return latestBefore(s, c, func(x *track.Command) bool { return !x.Secret && ftp.IsAnnounce(x.Verb) })
}

// announcementCut: c announced a data endpoint whose address the capture
// could not read because it cut the reply short: the 227/228/229 ends in
// a packet where a gap of the server's stream begins (a snap length
// shorter than the packet, tcpdump -s 96, keeps "227 Entering Passive
// Mode (10,"), or it was flushed unterminated. A server's own malformed
// reply, whole, is not cut. The gap is reported after the reply, so a
// command's own findings come too early for it: sessionFindings counts.
//
// A PORT, EPRT or LPRT, or a reply, that decode found cut inside its last
// number (decode.ErrEndpointCut: it would have parsed, to a port the
// client or server never named) is cut whatever else the session holds.
func announcementCut(s *track.Session, c *track.Command) bool {
	if activeCut(c) {
		return true
	}
	r := cutCandidate(c)
	if r == nil {
		return false
	}
	if r.Anomaly&ftp.ReplyUnterminated != 0 || errors.Is(c.EndpointErr, decode.ErrEndpointCut) {
		return true
	}
	for i := range s.Events {
		if e := &s.Events[i]; e.Kind == track.EventGap && !e.FromClient && e.Num == r.Num {
			return true
		}
	}
	return false
}

// greetingNeverWhole tells that the bytes of the server's greeting the
// capture lacks (a gap in the server's stream before any command) most
// likely never reached the client either, so that capturing again would
// not bring them back: the client sent no command at all and closed its
// end (its FIN, before any of the server's), a second or more after the
// gap. TCP hands a client the bytes after a hole only with the hole's, and
// an FTP client answers a whole greeting with a command (one that reads a
// banner and leaves, a health check, a banner grab, closes at once).
//
// A client that acknowledged every byte the server sent by the close
// (ServerUnacked 0) had them all, the greeting's hole included: the
// capture lost them (a segment it missed, a frame the snap length cut,
// nc -w 2 reading a banner), and capturing again does bring them back.
// Not known (-1: its ACKs stop before the hole) leaves the question to
// the client's silence.
//
// Only a hole the capture never saw counts. One the snap length cut
// (track.Event.Cut: the tail of a frame it holds) crossed the capture
// point on its way to the client, whatever the client's ACKs show (lost
// with it, or never sent by a client that closed at once): the capture
// cut those bytes, and capturing whole packets brings them back.
func greetingNeverWhole(s *track.Session) bool {
	if s.Midstream || s.Resumed != nil || s.ByContent || s.ImplicitTLS || s.Connect != nil || s.CommandCount > 0 ||
		!s.ClientFIN || s.EndReason == track.EndFIN && !s.ClientClosed || s.ServerUnacked == 0 {
		return false
	}
	var last *track.Event
	for i := range s.Events {
		if e := &s.Events[i]; e.Kind == track.EventGap {
			if e.FromClient {
				return false // the client's bytes went missing too: capture loss
			}
			if !e.Cut {
				last = e
			}
		}
	}
	return last != nil && s.End.Sub(last.TS) >= time.Second
}

// cutCandidate is c's final reply when c is a passive announcement whose
// endpoint could not be read: announcementCut's question is whether the
// capture cut it.
func cutCandidate(c *track.Command) *track.Reply {
	if c == nil || c.EndpointVia == 0 || c.EndpointErr == nil || !c.EndpointVia.Passive() {
		return nil
	}
	return c.Final()
}

// activeCut: c is a PORT, EPRT or LPRT whose line the capture cut inside
// its last number (decode.ErrEndpointCut): the command is there, its
// endpoint not whole.
func activeCut(c *track.Command) bool {
	return c != nil && c.EndpointVia != 0 && !c.EndpointVia.Passive() && errors.Is(c.EndpointErr, decode.ErrEndpointCut)
}

// countCutAnnouncements adds to the server's count the session's
// announcements the capture cut short (announcementCut), once the
// session's gaps are all known, and counts the session among those whose
// server stream has gaps (serverAcc.gapped): a 227 may be in them.
func (d *Diagnoser) countCutAnnouncements(s *track.Session) {
	if !s.Desync {
		return // no gap, nothing cut
	}
	a := d.server(s)
	for _, c := range s.Commands {
		// (Not counted by announcementLost: the announcement is there.)
		if activeCut(c) {
			a.cutAnnounce++
		}
	}
	var gaps map[uint64]bool
	for i := range s.Events {
		if e := &s.Events[i]; e.Kind == track.EventGap && !e.FromClient {
			if gaps == nil {
				gaps = map[uint64]bool{}
			}
			gaps[e.Num] = true
		}
	}
	if gaps == nil {
		// Only the client's stream has gaps: a 227 or 229 would be in
		// the server's, and a PORT lost in a gap is announcementLost's.
		return
	}
	a.gapped++
	if greetingNeverWhole(s) {
		a.gappedUnread++
	}
	n := 0
	for _, c := range s.Commands {
		if r := cutCandidate(c); r != nil && (r.Anomaly&ftp.ReplyUnterminated != 0 || gaps[r.Num] || errors.Is(c.EndpointErr, decode.ErrEndpointCut)) {
			n++
		}
	}
	a.cutAnnounce += n
}

// announcementLost: c asks for a transfer with no announcement the
// tracker could link, and a capture gap in the client's stream lies
// between it and the session's command before it: the PORT/EPRT (or
// PASV) it relied on may be in that gap (a snap length cuts the
// client's lines, and the decoder loses a line the gap cut). A line taken
// for a password is no transfer, whatever its tail reads ("list ...").
//
// Whether a gap came between c and the command before it, the tracker
// notes as the commands pass (track.Command.GapBefore): with RecentOnly
// the session keeps neither a TYPE, SIZE or CWD between, nor a login's
// commands once it is judged.
func announcementLost(s *track.Session, st *sessState, c *track.Command) bool {
	if c == nil || c.Secret || !ftp.IsTransfer(c.Verb) || len(c.Transfer) > 0 || st.lastGap.num == 0 || st.lastGap.seq > c.Seq || !c.GapBefore {
		return false
	}
	// The gap after a PORT or EPRT cut short is its cut: the
	// announcement is there, cut (announcementCut), not lost. (An
	// announcement right before c is kept, RecentOnly or not.)
	prev := latestBefore(s, c, func(*track.Command) bool { return true })
	return prev == nil || prev.Index != c.Index-1 || !activeCut(prev)
}

// passiveReplyLost: c, a PASV, EPSV or LPSV, has its reply lost in a
// capture gap (track: StatusReplyLost, or still pending past a gap), so
// the endpoint it announced is not in the capture, as for a lost PORT
// (announcementLost).
func passiveReplyLost(c *track.Command) bool {
	if c == nil || c.Secret || c.Data != nil || len(c.Replies) > 0 {
		return false
	}
	switch c.Verb {
	case "PASV", "EPSV", "LPSV":
		return c.Status == track.StatusReplyLost || c.Status == track.StatusPending && c.Uncertain
	}
	return false
}

// connectBackAnswer: c is an active announcement (PORT, EPRT, LPRT)
// whose final reply is the server's failed connection back to the
// client, not a refusal of the command (track: the 425, or the 421/426
// after the server's SYN, of a server that connects at the PORT itself,
// as pyftpdlib and Twisted do).
func connectBackAnswer(c *track.Command) bool {
	if c == nil || c.Secret || c.EndpointVia == 0 || c.EndpointVia.Passive() || c.EndpointErr != nil || c.Refused {
		return false
	}
	r := c.Final()
	return r != nil && r.Code >= 400
}

// connectBackUnseen is the finding for a PORT, EPRT or LPRT the server
// answered with 425, its connection back to the client failed, while the
// capture shows no SYN of that connection: blocked before the capture
// point, as for a transfer's 425 after an accepted PORT with no SYN
// (notAttempted). A PORT naming another address than the client's own is
// left to nat-mismatch and ftp-bounce, which the command's address
// raises, but the public address of the client's NAT (natExternal).
func (d *Diagnoser) connectBackUnseen(s *track.Session, c *track.Command, r *track.Reply) *Finding {
	a := c.Endpoint.Addr().Unmap()
	external := d.natExternal(s, c.Endpoint)
	if a != s.Client.Addr().Unmap() && !external {
		return nil
	}
	f := &Finding{Code: CodeActiveBlocked, Severity: SeverityError, TS: r.TS, Packets: packets([]uint64{c.Num, r.Num}),
		Evidence: joinEvidence(fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(c), c.Num, replyText(r), r.Num), "no SYN to "+c.Endpoint.String()+" in the capture")}
	if external {
		d.externalBlocked(f, s, c.Endpoint, r)
		d.filteredConnectBack(s, c, r, f)
		return f
	}
	f.Message = fmt.Sprintf("The server could not connect back to %s (%q) and no SYN of it reached the capture point: it is blocked before this point, by the server's outgoing firewall or on the path.", c.Endpoint, replyText(r))
	from := "from port 20 or an ephemeral port, as the server is set"
	if d.family(s).kind == policy.ServerVsftpd {
		from = "from port 20 when connect_from_port_20=YES"
	}
	f.Advice = passiveFirst(s, "; or ", " Or ") + "allow the server's outgoing connections (" + from + ") to the client's ports and " +
		clientLetIn(s, activePlace(d.capture, s, nil, a), s.Server.Port(), isV6(s.Server)) + "."
	d.filteredConnectBack(s, c, r, f)
	return f
}

// refusedAnnouncement returns the final reply of a, the session's latest
// announcing command, when the server refused it (4xx/5xx); else nil.
func refusedAnnouncement(a *track.Command) *track.Reply {
	if a == nil || !a.Refused {
		return nil
	}
	if r := a.Final(); r != nil && r.Code >= 400 {
		return r
	}
	return nil
}

// strangerData: dc, passive, was matched by the announced port alone to
// a connection from another address than the session's client (and not
// from the address it went to: a NAT router that is the client).
func strangerData(s *track.Session, dc *track.DataConn) bool {
	from := dc.Client.Addr().Unmap()
	return dc.Passive && dc.Match == track.MatchPortOnly && from != s.Client.Addr().Unmap() && from != dc.Server.Addr().Unmap() && from != dc.Announced.Addr().Unmap()
}

// connectedData: dc's handshake completed, so the client's connection
// reached the server. Not while SYN-ACKs came and the opener sent its SYN
// again after them, nothing else (no ACK, no bytes): asked at a reply
// before dc is final, that is a SynAckLost to be (the server's 425 came
// while its answers were not getting back), no connection made.
func connectedData(dc *track.DataConn) bool {
	if !dc.Answered() || dc.SynAckLost {
		return false
	}
	return dc.SynAckTS.IsZero() || !dc.AckTS.IsZero() || !dc.LastSYN.After(dc.SynAckTS) || dc.TotalBytes() > 0
}

// unresumedHandshake: dc connected and its TLS handshake, read from the
// hellos, did not resume a session (tlsNotResumedVerdict's condition).
// Whether the server refused it for that is resumptionRefusal's question.
func unresumedHandshake(dc *track.DataConn) bool {
	if !connectedData(dc) {
		return false
	}
	v, seen := dc.TLSHandshake()
	return seen && (v.Resumption == tlshello.Full || v.Resumption == tlshello.Refused)
}

// sourceRefusal: a 425 text (lower case) that refuses a data connection
// for coming from another address than the control connection: vsftpd's
// "425 Security: Bad IP connecting." (pasv_promiscuous=NO), pyftpdlib's
// "425 Rejected data connection from foreign address %s:%s."
// (permit_foreign_addresses = False, pyftpdlib/handlers.py PassiveDTP),
// and the wordings of other servers' same check.
func sourceRefusal(text string) bool {
	for _, w := range []string{"bad ip", "address does not match", "not from the same", "foreign address"} {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// aborted reports whether the client sent ABOR after c, before any other
// transfer.
func aborted(s *track.Session, c *track.Command) bool { return abortOf(s, c) != nil }

// abortOf is the ABOR the client sent after c, before any other transfer;
// nil when none.
func abortOf(s *track.Session, c *track.Command) *track.Command {
	for _, x := range s.Commands {
		if x.Index <= c.Index {
			continue
		}
		switch {
		case x.Secret:
			// a line taken for a password, whatever it reads
		case x.Verb == "ABOR":
			return x
		case ftp.IsTransfer(x.Verb):
			return nil
		}
	}
	return nil
}

// sessionFindings diagnoses the session as a whole, at its end.
func (d *Diagnoser) sessionFindings(s *track.Session) []*Finding {
	st := d.state(s)
	var out []*Finding
	d.countCutAnnouncements(s)
	if o := s.OneSide; o != track.BothSides && int(o) < len(d.server(s).oneSided) {
		d.server(s).oneSided[o]++
	}
	if f := d.bounceFinding(s, st); f != nil {
		out = append(out, f)
	}
	if f := d.pendingPassiveRefused(s, st); f != nil {
		out = append(out, f)
	}
	if f := d.pendingActiveRefused(s, st); f != nil {
		out = append(out, f)
	}
	login := d.server(s).takeLogin(s) // the latest refused login line
	if _, replaced := s.EarlierLogin(); s.Login == track.LoginFailed && !replaced && s.Counted() && loginLimitOf(s, login) == limitNone {
		// The session's login was refused and never succeeded (a
		// login that succeeded before a refused one after REIN, or a
		// USER taken while logged in, did): the server's verdict says
		// so when no session got further. A refusal that names a
		// connection limit is session-refused's.
		a := d.server(s)
		a.loginRefused++
		if anonymousUser(s.User) {
			a.loginRefusedAnon++
		}
		if login != nil && tlsRequiredText(login.text) {
			a.loginRefusedTLS++
		}
		if login != nil && login.code == 421 && banText(strings.ToLower(login.text)) {
			// The last refusal banned the address: the failed logins
			// before it are why ("421 Temporarily banned for too many
			// failed login attempts").
			a.loginRefusedBan++
		}
	}
	for _, c := range s.Commands {
		if f := d.controlIdleLost(s, c); f != nil {
			f.Session, f.Command = s, c
			out = append(out, f)
		}
	}
	out = append(out, d.unusualFinalReplies(s)...)
	out = append(out, d.interruptedFindings(s)...)
	if f := d.sessionRefused(s); f != nil {
		out = append(out, f)
	} else if f := d.loginLimitRefused(s, login); f != nil {
		out = append(out, f)
	} else if f := greetingLate(s); f != nil {
		out = append(out, f)
	}
	if f := tlsModeMismatch(s); f != nil {
		out = append(out, f)
	} else if f := d.controlTLSRequired(s, st, login); f != nil {
		out = append(out, f)
	} else if f := d.controlTLSUnavailable(s, st); f != nil {
		out = append(out, f)
	}
	if f := d.encryptedFinding(s, st); f != nil {
		out = append(out, f)
	}
	return out
}

// lateGreetingMin: a greeting this long after the client's SYN is the
// server's delay, not the network's.
const lateGreetingMin = time.Second

// greetingLate is greeting-late: the server's greeting came
// lateGreetingMin or more after the client's SYN, and the client, which
// had sent no command, reset the connection within a second of it. A
// client that has closed its end (given up waiting) answers the late
// greeting so; the capture does not say when it closed, so the finding
// says "most likely". The usual cause is the server's reverse DNS
// lookup of the client's address (or an ident query) waiting out its
// timeout before it greets. A client that took the greeting and went on
// is not judged: it waited long enough.
func greetingLate(s *track.Session) *Finding {
	if s.Midstream || s.Resumed != nil || s.ByContent || s.ImplicitTLS || s.Connect != nil || len(s.Greeting) == 0 ||
		s.CommandCount > 0 || s.EndReason != track.EndRST || !s.ClientClosed || !s.ClientFIN {
		// (A client that reset without its FIN read the greeting and
		// aborted: a health check, a banner grab. One that gave up
		// closed its end first, and its TCP reset the late greeting.)
		return nil
	}
	g := &s.Greeting[0]
	late, reset := g.TS.Sub(s.Start), s.End.Sub(g.TS)
	if late < lateGreetingMin || reset > time.Second || g.Code == 421 {
		return nil
	}
	f := &Finding{Code: CodeGreetingLate, Severity: SeverityWarning, Session: s, TS: g.TS, Packets: []uint64{g.Num}}
	f.Evidence = fmt.Sprintf("greeting %q (packet %d) %s after the client's SYN; no command; the client reset the connection %s after the greeting", replyText(g), g.Num, dur(late), dur(reset))
	f.Message = fmt.Sprintf("The server's greeting came %s after the client connected, and the client, which had sent no command, answered it with a reset, as a client that has already closed its end does: it most likely gave up waiting for the greeting. No login was tried.", dur(late))
	f.Advice = "A greeting this late is most often the server looking up the client's address in DNS (a reverse, PTR, lookup) and waiting out a DNS server that does not answer, or an ident query (RFC 1413, TCP port 113) that the client's firewall drops. " +
		"A capture on the server shows them (udp port 53 PTR queries, or SYNs to port 113, right after the client's SYN). " +
		"Make the lookup answer at once (a DNS server the server host can reach in /etc/resolv.conf, a PTR record for the client's network, or the clients in /etc/hosts), or turn it off: ProFTPD UseReverseDNS off and IdentLookups off; Pure-FTPd -H (DontResolve yes in pure-ftpd.conf); a server run through tcpd (inetd, xinetd; vsftpd tcp_wrappers=YES) looks names up for host names in /etc/hosts.allow and hosts.deny. " +
		"GNU inetutils ftpd and BSD ftpd (Linux-ftpd, ftpd-ssl) look up every client, with no setting to skip it: only a DNS that answers fixes them. Or let the client wait longer for the greeting."
	return f
}

// encryptedAgain takes c, an AUTH accepted, as the session's latest. One
// after FTP text again (CCC, or TLS closed, then AUTH TLS again) begins
// a new span: the FTP text that ended the one before is no longer where
// encryption ends (control-encrypted said "until" a packet before the
// second 234), so the span before is kept aside (sessMore.tlsBefore)
// when TLS crossed in it, and what was noted of its end starts over.
func (st *sessState) encryptedAgain(c *track.Command) {
	if prev := st.authCmd; prev != nil && st.cleartextNum != 0 && st.cleartextNum < c.Num {
		r := prev.Final()
		noTLS := st.tlsSent == tlsSentClient || st.tlsSent == tlsSentAlert || st.tlsSent == tlsSentUnknown && noRoomForTLS(r.Num, st.cleartextNum)
		if !noTLS {
			m := st.moreState()
			if m.tlsBefore.n == 0 {
				m.tlsBefore.from = r.Num
			}
			m.tlsBefore.until = st.cleartextNum
			m.tlsBefore.n++
		}
		st.cleartextNum, st.tlsSent = 0, tlsSentUnknown
		if st.more != nil {
			st.more.tlsEcho, st.more.tlsEchoCommands, st.more.loginInClear = nil, 0, false
		}
	}
	st.authCmd = c
}

// encryptedBefore words the spans the control channel was encrypted
// before its latest AUTH (sessMore.tlsBefore), "" when none.
func (st *sessState) encryptedBefore() string {
	if st.more == nil || st.more.tlsBefore.n == 0 {
		return ""
	}
	b := st.more.tlsBefore
	if b.n == 1 {
		return fmt.Sprintf("from packet %d until packet %d", b.from, b.until)
	}
	return fmt.Sprintf("%d times between packet %d and packet %d", b.n, b.from, b.until)
}

// encryptedFinding is control-encrypted, for a session whose control
// channel turned to TLS.
func (d *Diagnoser) encryptedFinding(s *track.Session, st *sessState) *Finding {
	if st.authCmd == nil && !s.ImplicitTLS && st.encrypted == nil {
		return nil
	}
	if s.ImplicitTLS && s.TLSRefused() {
		return d.implicitTLSFailed(s, st)
	}
	if st.more != nil && st.more.tlsUnfinished != nil && s.TLSUnfinished() {
		// Nothing crossed the channel: no hidden announcement to open
		// ports for (tlsunfinished.go).
		return d.tlsUnfinishedFinding(s, st, st.more.tlsUnfinished)
	}
	f := &Finding{Code: CodeControlEncrypted, Severity: SeverityWarning, Session: s}
	var hidden hiddenData
	if st.more != nil && st.more.hidden != nil {
		hidden = *st.more.hidden
	}
	inferred := hidden.n
	var r *track.Reply
	gss := false // RFC 2228 protected commands: GSSAPI, as GridFTP uses
	if c := st.authCmd; c != nil {
		r = c.Final()
		f.Command = c // where the channel turned encrypted
		f.TS = r.TS
		f.Packets = packets([]uint64{c.Num, r.Num})
		f.Evidence = fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(c), c.Num, replyText(r), r.Num)
		f.Message = "The control channel is encrypted (AUTH accepted): the data endpoints are invisible to this capture and to every firewall helper and NAT ALG."
		if before := st.encryptedBefore(); before != "" {
			b := st.more.tlsBefore
			f.Packets = packets(f.Packets, []uint64{b.from, b.until})
			f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("encrypted before too, %s, FTP text between", before))
			f.Message = fmt.Sprintf("The control channel is encrypted from packet %d (AUTH accepted again); it was encrypted before too, %s, and carried FTP text between (CCC, or TLS closed). The data endpoints announced while it was encrypted are invisible to this capture and to every firewall helper and NAT ALG; those announced in clear text between are visible.", r.Num, before)
		}
	} else if !s.ImplicitTLS {
		// TLS with no 234 in the capture (decode saw a record after the
		// AUTH, its reply lost in a gap): where it turned, as the
		// tracker said it.
		ev := st.encrypted
		f.TS = ev.TS // (where it turned, the packet it names)
		f.Packets = []uint64{ev.Num}
		f.Evidence = fmt.Sprintf("control channel encrypted from packet %d (%s)", ev.Num, ev.Text)
		f.Message = "The control channel is encrypted: the data endpoints are invisible to this capture and to every firewall helper and NAT ALG."
		if gss = ev.Protected != ""; gss {
			// GSSAPI (GridFTP's GSI): ENC and CONF are ciphertext, MIC is
			// integrity-protected base64; either way no helper reads it.
			f.Message = "The control channel is protected (RFC 2228 commands, GSSAPI as GridFTP uses): the data endpoints are invisible to this capture and to every firewall helper and NAT ALG."
		}
	} else {
		f.TS = s.Start
		f.Evidence = fmt.Sprintf("control connection to port %d (implicit FTPS) %s -> %s", s.Server.Port(), s.Client, s.Server)
		f.Message = fmt.Sprintf("Implicit FTPS on port %d: the data endpoints are invisible to this capture and to every firewall helper and NAT ALG.", s.Server.Port())
	}
	f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("%s seen without a visible announcement", plural(inferred, "data connection", "data connections")))
	if st.cleartextNum != 0 && st.authCmd != nil && st.tlsSent == tlsSentAlert && st.encryptedBefore() == "" {
		return d.controlTLSFailed(s, st, r)
	}
	if st.cleartextNum != 0 && st.authCmd != nil {
		// CCC, or TLS closed and FTP text after it: what was announced
		// after that is visible, to this capture and to helpers alike.
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("FTP text again after packet %d", st.cleartextNum))
		f.Message = fmt.Sprintf("The control channel was encrypted from packet %d (AUTH accepted) until packet %d, where it carried FTP text again (CCC, or TLS closed): announcements after that are visible to this capture and to firewall helpers, those before it are not.", r.Num, st.cleartextNum)
		if before := st.encryptedBefore(); before != "" {
			f.Message = fmt.Sprintf("The control channel was encrypted from packet %d (AUTH accepted again) until packet %d, where it carried FTP text again (CCC, or TLS closed), and before that %s: announcements made in clear text are visible to this capture and to firewall helpers, those made while it was encrypted are not.", r.Num, st.cleartextNum, before)
		}
		// What crossed between the 234 and the FTP text: decode's byte
		// counts when the tracker passed them (tlsSent), else the
		// packets between (noRoomForTLS).
		noTLS := st.tlsSent == tlsSentUnknown && noRoomForTLS(r.Num, st.cleartextNum)
		serverNoTLS := st.tlsSent == tlsSentClient
		c := st.authCmd
		authEvidence := fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(c), c.Num, replyText(r), r.Num)
		login := ""
		if st.loginAfter() {
			login = " (a login too, see cleartext-login)"
		}
		switch {
		case noTLS:
			// FTP text right after the 234: no handshake crossed, so
			// nothing was ever encrypted (a client that asked for TLS
			// and went on in clear, or the server's 234 unheeded).
			f.Evidence = joinEvidence(authEvidence,
				fmt.Sprintf("FTP text at packet %d, too few packets after the 234 for a TLS handshake", st.cleartextNum))
			f.Message = fmt.Sprintf("The server accepted AUTH (packet %d), but the control connection went on in clear text from packet %d, with no TLS handshake between: its commands, its replies and the announcements are readable, to this capture and to firewall helpers alike.", r.Num, st.cleartextNum)
		case serverNoTLS:
			// The client began TLS (its ClientHello), the server
			// answered in clear text: it, or a proxy or FTP ALG that
			// answered the AUTH for it, never started TLS.
			f.Evidence = joinEvidence(authEvidence,
				fmt.Sprintf("TLS bytes from the client after the 234 (its ClientHello), none from the server, then FTP text at packet %d", st.cleartextNum))
			f.Message = fmt.Sprintf("The server accepted AUTH (packet %d) and the client began its TLS handshake, but no TLS byte came back and FTP text followed at packet %d: the server, or a proxy or FTP ALG between that answered the AUTH, never started TLS. What follows is readable, to this capture and to firewall helpers alike.", r.Num, st.cleartextNum)
		}
		f.Packets = packets(f.Packets, []uint64{st.cleartextNum})
		if echo := st.tlsEchoed(); echo != nil && inferred == 0 && st.tlsSent == tlsSentBoth {
			// Both sides spoke TLS, then the server refused TLS bytes in
			// clear text: they left TLS at different points. (A server
			// that never began TLS and echoes the ClientHello is
			// serverNoTLS above.)
			cccBroken(f, s, r.Num, echo, int(st.more.tlsEchoCommands))
			return f
		}
		if inferred == 0 {
			// Every data connection had a visible announcement: nothing
			// was hidden from a helper.
			f.Severity = SeverityInfo
			f.Advice = "Nothing to change for the firewall: the data connections were announced in clear text. While the channel is encrypted a helper sees no announcement; a server that always returns to clear text before PASV/PORT is served by the FTP helper."
			switch fam := d.family(s); {
			case noTLS:
				f.Advice = fmt.Sprintf("Nothing to change for the firewall: every announcement crossed in clear text. No TLS handshake followed the 234, so the commands%s crossed in clear text: look at the client's TLS settings, and make the server require TLS (%s).", login, fam.requireTLS())
				if fam.ownTLS() {
					f.Advice += fam.note()
				}
			case serverNoTLS:
				f.Advice = fmt.Sprintf("Nothing to change for the firewall: every announcement crossed in clear text. The client sent its TLS ClientHello after the 234 but the server sent no TLS byte back, so TLS never started%s: look at the server's TLS configuration (a certificate and key it can read, its TLS module loaded; its TLS settings: %s), and at any FTP proxy or ALG between client and server that answers or rewrites AUTH.", clearAfter(login), fam.requireTLS())
				if fam.ownTLS() {
					f.Advice += fam.note()
				}
			}
			return f
		}
	}
	if hidden.n > 0 && !hidden.failed {
		// Every data connection it hid got through the firewalls: what
		// went wrong on them, if anything (TLS: PROT, session reuse),
		// their own findings say, and a rule changes none of it.
		f.Advice = "Nothing to change in the firewalls for these: every data connection whose announcement the encryption hid got through (what else went wrong on them, such as their TLS, their own findings say). No helper can follow them, so whatever lets them through now must stay a static opening of the passive range, not a helper."
		return f
	}
	rs := d.polOf(s).PassiveRanges()
	fam := d.family(s)
	// Every firewall on the way opens the range: the server's own, and
	// the forward chain of a router or NAT in front, unless client and
	// server share a network.
	at := natBehind(s, nil)
	if !at.nat && noRouterBetween(s) {
		at = placeHost
	} else {
		at = at.either()
	}
	v6 := isV6(s.Server)
	if gss {
		// GSSAPI is GridFTP's (Globus): none of the FTP servers whose
		// settings the families name speaks it. Its data ports are
		// bounded by GLOBUS_TCP_PORT_RANGE (gridftp.conf port_range),
		// its active connections' source ports by
		// GLOBUS_TCP_SOURCE_RANGE, and the address it announces behind
		// NAT by data_interface.
		ex, eg := rs, ""
		if len(ex) == 0 {
			ex, eg = policy.Ranges{exampleRange}, "e.g. "
		}
		f.Advice = fmt.Sprintf("Give the GridFTP server a fixed data port range (%sGLOBUS_TCP_PORT_RANGE=%d,%d in its environment, or port_range %d,%d in gridftp.conf; GLOBUS_TCP_SOURCE_RANGE bounds the source ports of its active connections), open it statically (%s%s) and, behind NAT, set its data_interface (-data-interface) to the public address; no FTP helper can read GSSAPI-protected commands.",
			eg, ex[0].Lo, ex[0].Hi, ex[0].Lo, ex[0].Hi, eg, openAt(at, ex, v6, nftRule(ex)))
		return f
	}
	if hidden.active {
		// Active mode: the server connects to the client, whose side
		// must let it in; the server's passive range is beside the
		// point for these.
		act := hidden.activeAdvice()
		if !hidden.passive {
			f.Advice = act
			return f
		}
		f.Advice = "This session used both modes. Active mode (PORT, EPRT): " + act + " Passive mode (PASV, EPSV): "
	}
	if len(rs) > 0 {
		f.Advice += fmt.Sprintf("Open the whole passive range statically (%s) and, behind NAT, make the server announce its public address itself (%s); the FTP conntrack helper cannot help.",
			openAt(at, rs, v6, fam.hostRule(rs, v6, nftRule(rs)+"; "+iptablesRule(rs, v6))), fam.addrSetIn(publicOr(d.polOf(s).Public())))
	} else {
		ex := policy.Ranges{exampleRange}
		f.Advice += fmt.Sprintf("Give the server a fixed passive range (%s), open it statically (e.g. %s) and, behind NAT, set %s; the FTP conntrack helper cannot help.",
			fam.rangeNameIn(), openAt(at, ex, v6, fam.hostRule(ex, v6, nftRule(ex))), fam.addrName())
	}
	f.Advice += fam.note()
	return f
}

// hiddenData is what control-encrypted says of a session's data
// connections whose announcement the encryption hid (MatchInferred),
// noted as each is reported (noteHidden): the session's own list keeps
// only the latest few with RecentOnly, and an FTPS session makes many.
type hiddenData struct {
	n int // how many
	// passive, active: of each mode (the client connected; the server
	// connected back). failed: one of them failed on the network
	// (unanswered, refused, unreachable).
	passive, active, failed bool
	// Of the active ones: from, the source address of the first (the
	// server, as it connected); sport, the source port of the latest;
	// sports, how many times the source port changed, plus one.
	from   netip.Addr
	sport  uint16
	sports int
}

// noteHidden notes dc, a data connection whose announcement the
// encryption hid, as it is reported (hiddenData).
func (st *sessState) noteHidden(dc *track.DataConn) {
	m := st.moreState()
	if m.hidden == nil {
		m.hidden = &hiddenData{}
	}
	h := m.hidden
	h.n++
	h.failed = h.failed || dc.Outcome.Failed()
	if dc.Passive {
		h.passive = true
		return
	}
	h.active = true
	if p := dc.Client.Port(); h.sports == 0 || p != h.sport {
		h.sport = p
		h.sports++
	}
	if !h.from.IsValid() {
		h.from = dc.Client.Addr().Unmap() // the server, as it connected
	}
}

// activeAdvice is control-encrypted's advice for active data
// connections whose PORT or EPRT the encryption hid: no helper on the
// client's side can open the port it names, so the client's side must
// let the server's connections in statically, from the source port seen
// (20, usually), or the client must use passive mode.
func (h hiddenData) activeAdvice() string {
	from, sport, sports := h.from, h.sport, h.sports
	fam := "ip"
	if from.Is6() {
		fam = "ip6"
	}
	src, rule := fmt.Sprintf("from %s port %d", from, sport), fmt.Sprintf("nft insert rule inet filter input %s saddr %s tcp sport %d tcp dport 1024-65535 ct state new accept", fam, from, sport)
	if sports > 1 {
		// Source ports that vary: the server's address alone.
		src, rule = "from "+from.String(), fmt.Sprintf("nft insert rule inet filter input %s saddr %s tcp dport 1024-65535 ct state new accept", fam, from)
	}
	return fmt.Sprintf("Use passive mode on the client; to keep active mode, the client's firewall (and a NAT router in front of it) must let in the server's data connections %s to the client's listening ports statically (on a Linux client, e.g. %s; behind NAT, forward the client's listening port range to it and set its external address for active mode), since no helper can see the PORT or EPRT under TLS and open the port it names.", src, rule)
}

// controlTLSFailed is control-tls-failed, for a session whose control
// channel never became TLS after the server's 234 (r): the client sent
// its ClientHello, the server answered with one alert record and nothing
// else (tlsSentAlert), then FTP text. Nothing was encrypted, so this
// replaces control-encrypted. The server's reply in clear text, when it
// closed the session with one (OpenSSL's words in ftpd-ssl's "421 ftpd:
// SSL_accept error:...: no shared cipher"), names the cause.
func (d *Diagnoser) controlTLSFailed(s *track.Session, st *sessState, r *track.Reply) *Finding {
	c := st.authCmd
	f := &Finding{Code: CodeControlTLSFailed, Severity: SeverityError, Session: s, TS: r.TS,
		Packets: packets([]uint64{c.Num, r.Num, st.cleartextNum})}
	f.Evidence = joinEvidence(fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(c), c.Num, replyText(r), r.Num),
		fmt.Sprintf("after the client's TLS bytes (its ClientHello), %d from the server (one TLS alert record), then FTP text at packet %d", tlsAlertRecordLen, st.cleartextNum))
	said, why := ", then went on in clear text", ""
	if x := st.closing; x != nil && x.Num >= st.cleartextNum {
		// The server's own words, in clear text, as it closed.
		f.Packets = packets(f.Packets, []uint64{x.Num})
		f.TS = x.TS
		said = fmt.Sprintf(", then closed the session in clear text with %q (packet %d)", replyText(x), x.Num)
		why = tlsFailureHint(strings.ToLower(x.Text))
	}
	went := "No login or transfer was tried."
	if s.CommandCount > c.Index {
		// The client went on without TLS.
		f.Severity = SeverityWarning
		went = fmt.Sprintf("The client went on in clear text (%s after it).", plural(s.CommandCount-c.Index, "command", "commands"))
		if st.loginAfter() {
			went = fmt.Sprintf("The client went on in clear text (%s after it, a login too: see cleartext-login).", plural(s.CommandCount-c.Index, "command", "commands"))
		}
	}
	f.Message = fmt.Sprintf("The control channel's TLS handshake failed: the server accepted AUTH (packet %d), answered the client's TLS ClientHello with a TLS alert (%d bytes) and no handshake%s. No TLS session was set up, so nothing on this connection was encrypted. %s",
		r.Num, tlsAlertRecordLen, said, went)
	f.Advice = "Nothing to change for the firewall. The server refused the handshake"
	if why != "" {
		f.Advice += ": " + why
	} else {
		f.Advice += ": look at its TLS settings and its log at that time (a certificate and key it can read, the TLS versions and ciphers it allows, against those the client offers)"
	}
	f.Advice += fmt.Sprintf(". openssl s_client -starttls ftp -connect %s shows the alert and what the server accepts.", s.Server)
	return f
}

// tlsFailureHint words what a server's reply after a failed TLS handshake
// (text, lower case) says of the cause, in OpenSSL's words: "" when it
// names none of them.
func tlsFailureHint(text string) string {
	switch {
	case strings.Contains(text, "no shared cipher"):
		return `"no shared cipher": none of the cipher suites the client offered is one the server allows with its certificate's key (a cipher list or security level set too narrow, an old server build, or a certificate and key it could not load, which leaves it no cipher at all)`
	case containsAny(text, "unsupported protocol", "wrong version number", "version too low", "no protocols available"):
		return "it names the TLS version: the versions the server allows and those the client offers do not meet (an old server build, or a minimum TLS version set on one side)"
	case containsAny(text, "certificate", "private key", "no such file"):
		return "it names its certificate or key: check the files its TLS settings name exist, are readable by the server, and match"
	}
	return ""
}

// tlsSenders says who sent TLS bytes while the control connection was
// followed as TLS after a 234, before it carried FTP text again: decode
// counts them (decode.ControlEvent.TLSBytes), and the tracker passes them
// on its EventCleartext (Event.TLSSent: the client's, then the server's).
type tlsSenders uint8

const (
	// tlsSentUnknown: no count (none from either side reads the same):
	// the packets between decide (noRoomForTLS).
	tlsSentUnknown tlsSenders = iota
	// tlsSentClient: the client's bytes alone, its ClientHello: the
	// server answered in clear text, never starting TLS.
	tlsSentClient
	tlsSentServer // the server's alone
	tlsSentBoth   // both: a TLS session, then CCC or TLS closed
	// tlsSentAlert: the client's bytes (its ClientHello), and from the
	// server exactly one record with a 2-byte body, which before any
	// handshake only an alert is: the server refused the handshake, and
	// no TLS session was set up (controlTLSFailed).
	tlsSentAlert
)

// tlsAlertRecordLen is a plaintext TLS alert record: a 5-byte header
// and a 2-byte body (level, description).
const tlsAlertRecordLen = 5 + 2

// tlsSentBy reads tlsSenders from an EventCleartext.
func tlsSentBy(e *track.Event) tlsSenders {
	switch {
	case e.TLSSent[0] > 0 && e.TLSSent[1] == tlsAlertRecordLen:
		return tlsSentAlert
	case e.TLSSent[0] > 0 && e.TLSSent[1] > 0:
		return tlsSentBoth
	case e.TLSSent[0] > 0:
		return tlsSentClient
	case e.TLSSent[1] > 0:
		return tlsSentServer
	}
	return tlsSentUnknown
}

// loginAfter tells whether the session sent a login command (USER, PASS,
// ACCT) after the packet where its control channel carried FTP text
// again (cleartextNum): one that crossed in clear text once the channel
// was clear again. Noted as the commands are reported (noteLogin): the
// session's commands keep no settled login with RecentOnly.
func (st *sessState) loginAfter() bool {
	return st.more != nil && st.more.loginInClear
}

// noteLogin notes c, a login command (USER, PASS, ACCT) reported, for
// loginAfter.
func (st *sessState) noteLogin(c *track.Command) {
	if st.cleartextNum != 0 && c.Num > st.cleartextNum {
		st.moreState().loginInClear = true
	}
}

// clearAfter words what crossed in clear text after TLS failed to start:
// the commands, a login among them when one came (login, from
// loginAfter's words).
func clearAfter(login string) string {
	if login == "" {
		return ""
	}
	return "; the commands after it" + login + " crossed in clear text"
}

// noRoomForTLS: the control connection carried FTP text again at packet
// clear, too soon after the 234 at packet accepted for a TLS handshake
// to have crossed between: one needs at least three segments of this
// connection (the ClientHello, the server's flight, the client's
// Finished), and CCC or a TLS close more. Packets of other connections
// in between only make the count larger, so it never calls a real TLS
// session unmade.
func noRoomForTLS(accepted, clear uint64) bool {
	return clear > accepted && clear-accepted-1 < 3
}

// notePassiveRefusal recognises a server with passive mode turned off: it
// answers PASV (or LPSV) as a command it does not know or will not run
// (500, 502, 504, 550), which no client can fall back from, unlike an
// EPSV refused over IPv4 (epsv-pasv-fallback). Over IPv6, where a 227
// cannot carry the server's address, an EPSV refused is passive mode
// refused to IPv6 clients; an LPSV the server does not implement is
// no refusal of passive mode (a note). Pure-FTPd started with -N/--natmode
// answers "500 Unknown command" to EPSV and PASV alike
// (pcaps/real/pureftpd-natmode.pcap); vsftpd with pasv_enable=NO answers
// "550 Permission denied.". Once per session.
//
// Passive mode is off only if no passive form works in the session: a
// PASV refused before or after an EPSV the server accepts (229) is PASV
// alone turned off, or not implemented (502), and a PASV after the
// client's own accepted EPSV ALL is one RFC 2428 (section 4) makes the
// server refuse. So the refusal is kept (st.pasvRefusal) and judged at
// the session's end (pendingPassiveRefused), when the session has shown
// whether passive mode works. A refusal paired across a gap of the
// server's stream (pairedAcrossGap) is not kept: the reply may be a
// later command's.
//
// Which refusal the session keeps goes by passiveRefusalOf: a PASV
// refused as a command before an EPSV refused on an IPv6 control
// connection, before an LPSV the server does not implement.
func (d *Diagnoser) notePassiveRefusal(s *track.Session, c *track.Command, r *track.Reply) {
	st := d.state(s)
	k := passiveRefusalOf(s, c, r)
	switch {
	case st.passiveRefusedReported || k == passiveNotRefused:
		// 421, 425, 530, vsftpd's "500 OOPS: ...": not the mode itself
	case st.pasvRefusal != nil && k <= passiveRefusalOf(s, st.pasvRefusal, st.pasvRefusal.Final()):
		// the first of the gravest kind is the one quoted
	case st.passiveWorked:
		// passive mode works (by EPSV): only PASV is turned off
	case st.epsvAll:
		// the client's own EPSV ALL: the server must refuse PASV
	case pairedAcrossGap(st, c, r):
		// a gap of the server's stream came between: the reply may
		// answer a later command (the 227 lost, a RETR's 550 paired
		// with the PASV)
	default:
		st.pasvRefusal = c
	}
}

// passiveRefusal is what a refused passive announcement tells of the
// server (passiveRefusalOf), in order of weight.
type passiveRefusal uint8

const (
	passiveNotRefused passiveRefusal = iota
	// passiveLPSVUnknown: LPSV answered as a command the server does
	// not implement (500/502/504 "unknown", "not understood"): RFC
	// 1639's LPSV is rare (vsftpd, ProFTPD and Pure-FTPd have none),
	// and passive mode is not off for it. tnftp with epsv6 off and
	// inetutils ftp after a refused EPSV send it.
	passiveLPSVUnknown
	// passiveEPSVv6: EPSV refused as a command on an IPv6 control
	// connection, where a 227 cannot carry the server's address: passive
	// mode refused for IPv6 clients (ProFTPD's <Limit EPSV> DenyAll:
	// "501 EPSV: Operation not permitted").
	passiveEPSVv6
	// passiveOff: PASV (or LPSV) refused as a command: passive mode off.
	passiveOff
)

// passiveRefusalOf reads r, the final reply to c, a passive announcement
// of session s: whether it refuses passive mode, and how.
func passiveRefusalOf(s *track.Session, c *track.Command, r *track.Reply) passiveRefusal {
	if r == nil {
		return passiveNotRefused
	}
	switch c.Verb {
	case "PASV":
		if refusesCommand(r) {
			return passiveOff
		}
	case "LPSV":
		switch {
		case notImplemented(r):
			return passiveLPSVUnknown
		case refusesCommand(r):
			return passiveOff
		}
	case "EPSV":
		arg := strings.TrimSpace(c.Arg)
		if !s.Server.Addr().Unmap().Is6() || arg != "" && arg != "2" {
			// Over IPv4 a client falls back to PASV (epsv-pasv-fallback).
			return passiveNotRefused
		}
		if arg == "" && epsvNotImplemented(c) || refusesCommand(r) || r.Code == 501 && containsAny(strings.ToLower(r.Text), "operation not permitted", "permission denied", "not allowed") {
			return passiveEPSVv6
		}
	}
	return passiveNotRefused
}

// notImplemented: r answers a command the server does not know or
// implement (500, 502, 504 in the words servers use for that), not one
// it refuses by a setting.
func notImplemented(r *track.Reply) bool {
	text := strings.ToLower(r.Text)
	return (r.Code == 500 || r.Code == 502 || r.Code == 504) && !strings.HasPrefix(text, "oops") &&
		containsAny(text, "unknown", "not understood", "not implemented", "unrecognized", "not recognized", "unrecognised")
}

// notePassiveWorked records that the server accepted a passive
// announcement (227, 228, 229) in the session: passive mode is on, so a
// refused PASV is not passive mode turned off.
func (d *Diagnoser) notePassiveWorked(s *track.Session, c *track.Command) {
	if f := c.Final(); f != nil && (f.Code == 227 || f.Code == 228 || f.Code == 229) {
		d.state(s).passiveWorked = true
		d.server(s).passiveAccepted = true
	}
}

// pendingPassiveRefused is passive-refused for the session's refused PASV
// (notePassiveRefusal kept it), at the session's end: only when no passive
// announcement was accepted in the whole session.
func (d *Diagnoser) pendingPassiveRefused(s *track.Session, st *sessState) *Finding {
	c := st.pasvRefusal
	if c == nil || st.passiveWorked || st.passiveRefusedReported {
		return nil
	}
	r := c.Final()
	if r == nil {
		return nil
	}
	st.passiveRefusedReported = true
	f := &Finding{Code: CodePassiveRefused, Severity: SeverityWarning, Session: s, Command: c, TS: r.TS, Packets: packets([]uint64{c.Num, r.Num})}
	f.Evidence = fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(c), c.Num, replyText(r), r.Num)
	// As active-refused: an error when the session made no data
	// connection (nothing was transferred), a warning when one worked
	// (active mode, the client's fallback) or when the server accepted
	// a passive announcement in another session (passive mode is on).
	none := s.DataOutcomes[track.OutcomeTransferred]+s.DataOutcomes[track.OutcomeConnected] == 0
	if none && !d.server(s).passiveAccepted {
		f.Severity = SeverityError
	}
	fam := d.family(s)
	switch passiveRefusalOf(s, c, r) {
	case passiveLPSVUnknown:
		// No refusal of passive mode: the verdict leaves a note out.
		f.Severity = SeverityInfo
		f.Message = fmt.Sprintf("The server does not implement LPSV (it answered %q): RFC 1639's LPSV is rare (vsftpd, ProFTPD and Pure-FTPd have none), so this is no refusal of passive mode, and the session made no passive data connection.", replyText(r))
		f.Advice = "Nothing to change in the server. Make the client use EPSV (RFC 2428), which current servers implement (tnftp: epsv6 on)" + ipv4PASV(s) + "."
		return f
	case passiveEPSVv6:
		f.Message = fmt.Sprintf("The server refused EPSV (it answered %q) on this IPv6 control connection, where a 227 cannot carry the server's address: passive mode is refused to IPv6 clients. Only active mode (EPRT) can work for them, and a client behind NAT or a firewall, which needs passive mode, cannot transfer anything.", replyText(r))
		if w := epsvAllowWhere(fam); w != "" {
			f.Advice = "Allow EPSV" + w + "; over IPv6 it is the only passive form that works (RFC 2428)."
		} else {
			f.Advice = "Allow EPSV in the server (ProFTPD: remove a <Limit EPSV> that denies it; vsftpd: pasv_enable=YES; Pure-FTPd: remove -N/--natmode); over IPv6 it is the only passive form that works (RFC 2428)."
		}
		return f
	}
	also := ""
	if e := refusedEPSV(s, c); e != nil {
		if er := e.Final(); er != nil {
			also = fmt.Sprintf(", as it refused EPSV (%q)", replyText(er))
			f.Evidence = fmt.Sprintf("%q (packet %d) -> %q (packet %d); ", commandText(e), e.Num, replyText(er), er.Num) + f.Evidence
			f.Packets = packets([]uint64{e.Num, er.Num, c.Num, r.Num})
		}
	}
	f.Message = fmt.Sprintf("The server refused passive mode: it answered %s with %q%s. Only active mode (PORT/EPRT) can work, and a client behind NAT or a firewall, which needs passive mode, cannot transfer anything.", c.Verb, replyText(r), also)
	bothRefused := false
	if a := st.moreActiveRefused(); a != nil && a.n > 0 && !st.activeAccepted {
		// The session's own PORT/EPRT was refused too (active-refused):
		// neither mode is left to point the client at.
		bothRefused = true
		f.Message = fmt.Sprintf("The server refused passive mode: it answered %s with %q%s. It refused active mode in this session too (%s: see active-refused), so no data connection can be set up at all: nothing can be transferred until the server allows one of the two modes, passive mode for a client behind NAT or a firewall.", c.Verb, replyText(r), also, strings.Join(a.verbs, ", "))
	}
	if none {
		f.Evidence += "; the session made no data connection"
	}
	switch fam.kind {
	case policy.ServerPureFTPd:
		f.Advice = "Pure-FTPd refuses passive mode when started with -N (--natmode; NATmode yes in pure-ftpd.conf, /etc/pure-ftpd/conf/NATmode on Debian): remove it; behind NAT give it a passive range (-p) and its public address (-P) instead, and open that range."
	case policy.ServerVsftpd:
		f.Advice = "vsftpd refuses passive mode with pasv_enable=NO: set pasv_enable=YES, with pasv_min_port/pasv_max_port, and open that range."
	default:
		f.Advice = "Turn passive mode on in the server (vsftpd: pasv_enable=YES; Pure-FTPd: remove -N/--natmode; ProFTPD: remove a <Limit> that denies PASV/EPSV), give it a fixed passive range and open that range."
	}
	if bothRefused {
		f.Advice += " Active mode, refused in this session too, is no way around it: active-refused says how to turn it on, for clients that can take a connection from the server."
	}
	if fam.kind == policy.ServerPureFTPd || fam.kind == policy.ServerVsftpd {
		f.Advice += fam.note()
	}
	return f
}

// ipv4PASV is the note that over IPv4 PASV works too, for the client of
// s: "" on an IPv6 control connection, where a 227 cannot carry the
// server's address.
func ipv4PASV(s *track.Session) string {
	if s.Server.Addr().Unmap().Is6() {
		return ""
	}
	return ", or PASV"
}

// refusesCommand tells a reply that refuses the command as such: not
// known or not implemented (500, 502, 504), or not permitted (550), in the
// words servers use for that, not a failure while running it.
func refusesCommand(r *track.Reply) bool {
	text := strings.ToLower(r.Text)
	switch r.Code {
	case 500, 502, 504:
		return containsAny(text, "unknown", "not understood", "not implemented", "unrecognized", "not recognized", "not supported", "disabled", "not allowed", "denied")
	case 550:
		return containsAny(text, "permission denied", "not allowed", "disabled", "denied")
	}
	return false
}

// tlsRequiredText tells whether a reply refusing a login says the server
// takes logins over TLS only: vsftpd's force_local_logins_ssl=YES "530
// Non-anonymous sessions must use encryption." and force_anon_logins_ssl
// "530 Anonymous sessions must use encryption." (prelogin.c); ProFTPD
// mod_tls's TLSRequired "550 SSL/TLS required on the control channel";
// FileZilla Server's "530 This server does not allow plain FTP. You have
// to use FTP over TLS."; IIS's SSL policy "534 Policy requires SSL.";
// Serv-U's "530 Not logged in, secure connection required."; Pure-FTPd's
// -Y 2 "421 Sorry, cleartext sessions and weak ciphers are not accepted
// on this server. Please reconnect using TLS security mechanisms.".
func tlsRequiredText(text string) bool {
	return containsAny(strings.ToLower(text), "must use encryption", "ssl/tls required", "tls required", "ssl required", "requires ssl", "requires tls", "use ftp over tls", "does not allow plain ftp", "must use ssl", "must use tls",
		"secure connection required", "cleartext sessions and weak ciphers are not accepted", "reconnect using tls")
}
