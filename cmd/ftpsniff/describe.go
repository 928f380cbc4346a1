package main

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// addrString writes an address the way netip.AddrPort does, and nothing
// for an invalid one.
func addrString(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return ""
	}
	return ap.String()
}

func seconds(d time.Duration) string {
	// A capture clock stepped back makes some spans negative: none. From
	// an hour on, in days, hours and minutes.
	return diagnose.Seconds(d)
}

// transferStepBack: a data connection whose last packet is stamped more
// than this before its first lived through a step back of the capture's
// clock (track's stepBack); less is reordering.
const transferStepBack = time.Second

// sessionSpan is how long a session lasted, its first packet to its
// last, as far as the packets' times tell.
type sessionSpan struct {
	d time.Duration // how long, the steps back left out, when known
	// back: the steps back the clock saw (at least one when the last
	// packet is stamped before the first); known: d is known (false
	// when the last packet is stamped before the first and the tracker
	// saw no step back between them, so how far it went is not known);
	// dayGaps: track.ClockSteps.Forward; set: track.ClockSteps.Set, the
	// live capture's wall clock set forward by setBy (left out of d).
	back, dayGaps, set int
	setBy              time.Duration
	known              bool
	// waited: a command of its transcript waited more than a day for
	// its first reply (only looked for with dayGaps).
	waited bool
}

// spanOf is s's span by its clock facts (track.ClockSteps).
func spanOf(s *track.Session) sessionSpan {
	sp := sessionSpan{d: s.End.Sub(s.Start), known: true}
	if cs := s.ClockSteps; cs != nil {
		sp.d += cs.BackBy - cs.SetBy
		sp.back, sp.dayGaps = cs.Back, cs.Forward
		sp.set, sp.setBy = cs.Set, cs.SetBy
		if sp.dayGaps > 0 {
			sp.waited = waitedADay(s)
		}
	}
	if sp.d < 0 {
		// Stamped before its start with no step back the tracker's
		// clock counted: one it took for two clocks interleaved or for
		// an input that overlaps the one before, or reordering.
		sp.back, sp.known = max(sp.back, 1), false
	}
	return sp
}

// words says how long the session lasted: "480.672s", then what that
// leaves out or may include: ", leaving out a step back of the capture's
// clock (the time across it is not known)".
func (sp sessionSpan) words() string {
	if !sp.known {
		return fmt.Sprintf("an unknown time: the capture's clock was set back during it (its last packet is stamped %s before its first)", seconds(-sp.d))
	}
	w := seconds(sp.d)
	switch {
	case sp.back == 1:
		w += ", leaving out a step back of the capture's clock (the time across it is not known)"
	case sp.back > 1:
		w += fmt.Sprintf(", leaving out %d steps back of the capture's clock (the time across each is not known)", sp.back)
	}
	switch {
	case sp.set == 1:
		w += fmt.Sprintf(", leaving out a forward step of the host's clock by %s (set while ftpsniff ran: no time passing)", seconds(sp.setBy))
	case sp.set > 1:
		w += fmt.Sprintf(", leaving out %d forward steps of the host's clock, by %s in all (set while ftpsniff ran: no time passing)", sp.set, seconds(sp.setBy))
	}
	if sp.dayGaps > 0 {
		// "No reply" only when a command waited across it: a silence
		// between commands was owed none.
		silence := "with no packet captured"
		if sp.waited {
			silence = "with no reply"
		}
		w += ", more than a day of it " + silence + " (less, if the capture's clock was set forward then: a step of more than a day is no time passing)"
	}
	return w
}

// waitedADay tells whether a command of s's transcript got its first
// reply more than a day (decode.MaxClockStep) after it.
func waitedADay(s *track.Session) bool {
	for _, c := range s.Commands {
		if len(c.Replies) > 0 && c.Replies[0].TS.Sub(c.TS) > decode.MaxClockStep {
			return true
		}
	}
	return false
}

// briefly is a short span in milliseconds below a second ("0.095ms"),
// where seconds would round it to nothing.
func briefly(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.3fms", float64(max(d, 0).Microseconds())/1000)
	}
	return seconds(d)
}

// outcomeDetail says in words what the capture shows of a data connection.
func outcomeDetail(d *track.DataConn) string {
	switch d.Outcome {
	case track.OutcomeConnected:
		if d.TLSAlertOnly() {
			// The server refused a connection on which no TLS began.
			return fmt.Sprintf("a TLS alert from the server only (%v), no handshake, no application data: %s", d.TLSServerAlert(), byteSplit(d))
		}
		if d.DataTLS() == track.DataTLSAlert && d.TLSHandshakeOnly() {
			// The client's alert alone: it began no handshake either.
			return fmt.Sprintf("a TLS alert from the client only (%v), no handshake, no application data: %s", d.TLSClientAlert(), byteSplit(d))
		}
		if d.TLSHandshakeOnly() {
			return "TLS handshake only, no application data: " + byteSplit(d)
		}
		if c := d.Command; c != nil && d.EndReason == track.EndFIN {
			if r := c.Final(); r != nil && r.Code >= 200 && r.Code < 300 {
				// An empty file or listing, or a resume at its end:
				// nothing was lost.
				switch {
				case d.Rest == track.RestUnknown:
					return fmt.Sprintf("handshake done, no payload, closed by FIN; %s ended %d after a REST whose offset the capture cut: nothing left to send", safe(c.Verb), r.Code)
				case d.Rest > 0:
					return fmt.Sprintf("handshake done, no payload, closed by FIN; %s ended %d after REST %d: nothing left to send", safe(c.Verb), r.Code, d.Rest)
				}
				return fmt.Sprintf("handshake done, no payload, closed by FIN; %s ended %d: nothing to send", safe(c.Verb), r.Code)
			}
		}
		if p := d.TooBig(); p != nil && p.BlackHole() {
			n := d.TotalBytes()
			if st, ok := d.Stuck(); ok {
				n += st.Bytes // (taken out of Bytes: they never arrived)
			}
			return fmt.Sprintf("handshake done; the %d byte%s %s sent never arrived: too large for the path (%d ICMP error%s from %s, MTU %d; see pmtu-blackhole)",
				n, plural(int(n)), p.Sender.Addr(), p.Errors, plural(p.Errors), p.From, p.MTU)
		}
		if st, ok := d.Stuck(); ok {
			return "handshake done; " + stuckText(st, "the")
		}
		if l, ok := d.LostBeforeFIN(); ok {
			return "handshake done; " + lostBeforeFINText(l, "the")
		}
		return "handshake done, no payload"
	case track.OutcomeTransferred:
		s := byteSplit(d)
		if d.StartMissed() {
			// Begun before the capture: what it saw, not the file; and
			// what the reply at its end said of the transfer, or that
			// none came.
			s += " seen"
			switch {
			case d.TransferFailed():
				s += fmt.Sprintf(", then its transfer failed (%d)", d.EndCode())
			case d.EndCode() == 0:
				s += ", its transfer not ended in the capture: still open at its end"
			}
		}
		switch dur := d.Duration(); {
		case dur > decode.MaxClockStep && mayStepForward(d):
			// A transfer that long, or the clock set forward while it
			// ran, which is no time passing (track/doc.go): its
			// packets between are not kept to tell.
			s += fmt.Sprintf(" in %s between its first and last packets: more than a day, less if the capture's clock was set forward meanwhile (a step of more than a day is no time passing)", seconds(dur))
		case dur > 0:
			s += " in " + seconds(dur)
		case !d.FirstSYN.IsZero() && !d.End.IsZero() && d.End.Before(d.FirstSYN.Add(-transferStepBack)):
			// Its last packet stamped before its first: not "in 0.000s".
			s += "; the capture's clock was set back while it ran, so how long it took is not known"
		}
		if st, ok := d.Stuck(); ok {
			s += "; " + stuckText(st, "another")
		}
		if l, ok := d.LostBeforeFIN(); ok {
			s += "; " + lostBeforeFINText(l, "another")
		}
		return s
	case track.OutcomeUnanswered:
		syns := "1 SYN"
		if d.SYNs != 1 {
			syns = fmt.Sprintf("%d SYNs over %s", d.SYNs, seconds(d.LastSYN.Sub(d.FirstSYN)))
		}
		if r := d.Reflected; r != nil {
			// A hairpin without masquerade: the server answered from
			// its own address, which the client did not call.
			return fmt.Sprintf("%s, answered from %s instead (%d SYN-ACK%s, %d reset by the client)", syns, r.From, r.SynAcks, plural(r.SynAcks), r.Resets)
		}
		if d.SynAckLost {
			// Answered: the capture shows the SYN-ACKs, which the
			// opener's TCP never took (lost on the way back, or dropped
			// by its own host after the capture saw them).
			return fmt.Sprintf("%s, answered by SYN-ACK, never acknowledged by %s", syns, d.Opener())
		}
		return syns + ", no answer"
	case track.OutcomeRefused:
		if d.SYNs == 0 {
			listener := d.Server // FTP roles: the client listens in active mode
			if !d.Passive {
				listener = d.Client
			}
			return fmt.Sprintf("RST+ACK from %s answered a SYN the capture lost", listener)
		}
		return fmt.Sprintf("SYN answered by RST after %s", seconds(d.RSTTS.Sub(d.FirstSYN)))
	case track.OutcomeUnreachable:
		s := icmpText(d)
		if d.SYNs > 1 {
			s += fmt.Sprintf(", %d SYNs over %s", d.SYNs, seconds(d.LastSYN.Sub(d.FirstSYN)))
		}
		return s
	case track.OutcomeNotAttempted:
		if o := d.Twin; o != nil && o.SYNs > 0 && o.SYNSeenTwice() {
			return fmt.Sprintf("no SYN of its own: the same connection, routed untranslated, is session %d's data #%d", o.Session.ID, o.ID)
		}
		if o := d.Twin; o != nil && o.SYNs > 0 {
			return fmt.Sprintf("no SYN to it on this side; the %s's reached the other side only (session %d, data #%d)", d.Opener(), o.Session.ID, o.ID)
		}
		if after, ok := d.ConnectedAfterQuit(); ok {
			// Its peer's SYN after the QUIT was another session's.
			return fmt.Sprintf("no SYN to it while the session was open; one from its %s %s after the session ended, not followed", d.Opener(), seconds(after))
		}
		if sc := d.Scanned; sc != nil && d.Session != nil && sc.TS.After(d.Session.End) {
			// Another host's, given back after the close (data-stray).
			return fmt.Sprintf("no SYN of its %s's to it; another host's, %s, after the session's close, not taken (see data-stray)", d.Opener(), sc.From.Addr().Unmap())
		}
		return "no SYN to it"
	case track.OutcomeUndetermined:
		if d.OneSide != track.BothSides {
			return oneSideText(d)
		}
		if after, ok := d.GaveUp(); ok {
			return fmt.Sprintf("no answer in the capture, but the client gave up %s after its only SYN, sooner than TCP resends one: an RST or ICMP error the capture did not record", briefly(after))
		}
		if d.AfterCloseCut() {
			return afterCloseCutText
		}
		ended, until := "ended", ""
		if d.InBreak() {
			ended, until = "stopped", " until its next file (one missing?)"
		}
		if d.SYNs > 0 {
			return fmt.Sprintf("the capture %s %s after the SYN%s, before an answer could be expected", ended, seconds(d.CaptureEndedAfter), until)
		}
		return fmt.Sprintf("the capture %s %s after the announcement%s, before a connection could be expected", ended, seconds(d.CaptureEndedAfter), until)
	}
	return ""
}

// afterCloseCutText says why an announcement let go by the bound on those
// waiting past their session's close is undetermined
// (track.DataConn.AfterCloseCut).
var afterCloseCutText = fmt.Sprintf("not followed past its session's close: %d other announcements were waiting so (a limit), and a connection to it after that is not shown", track.MaxAfterEnd)

// oneSideText says why a data connection's outcome is undetermined when
// the capture held one side of its session only (DataConn.OneSide).
func oneSideText(d *track.DataConn) string {
	shown, other := "server", "client"
	if d.OneSide == track.ClientSideOnly {
		shown, other = other, shown
	}
	opener := d.Opener()
	what := "the " + opener + "'s SYN"
	if opener == shown {
		what = "an answer from the " + other
	}
	return fmt.Sprintf("the capture holds only the %s's side of the session: %s could not be in it", shown, what)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// counted writes n and the phrase that counts it, in the number n takes:
// what changes with it is marked in the phrase, {x} for what only the
// plural has ("connection{s}", "address{es}") and {one|many} for words
// that differ ("repl{y|ies}", "{it is|they are}"). "1 control
// connections" was written where a count was taken to be plural.
func counted(n int64, phrase string) string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(n, 10))
	b.WriteByte(' ')
	for {
		i := strings.IndexByte(phrase, '{')
		j := strings.IndexByte(phrase[i+1:], '}')
		if i < 0 || j < 0 {
			b.WriteString(phrase)
			return b.String()
		}
		b.WriteString(phrase[:i])
		one, many, either := strings.Cut(phrase[i+1:i+1+j], "|")
		if !either {
			one, many = "", one
		}
		if n == 1 {
			b.WriteString(one)
		} else {
			b.WriteString(many)
		}
		phrase = phrase[i+1+j+1:]
	}
}

// whoString is who logged in, as a session's header says it: "user
// alice, logged in", loginString alone when no USER was seen. A login
// that succeeded and that a later attempt replaced (after a REIN, or a
// USER the server took while logged in: track.Session.EarlierLogin)
// comes first when that attempt would hide it: "user alice logged in;
// later user bob, login failed". What the session did before was done
// logged in. name writes a user name (shown, or safe where the line is
// cut anyway).
func whoString(s *track.Session, name func(string) string) string {
	who := loginString(s)
	if s.User != "" {
		who = "user " + name(s.User) + ", " + who
	}
	if before, ok := earlierLogin(s); ok {
		if before != "" {
			before = "user " + name(before) + " "
		}
		who = before + "logged in; later " + who
	}
	return who
}

// earlierLogin is the login a later attempt replaced
// (track.Session.EarlierLogin) when the session's User and Login do not
// tell it: the latest attempt did not succeed, or was another user's.
func earlierLogin(s *track.Session) (string, bool) {
	user, ok := s.EarlierLogin()
	if !ok || s.Login == track.LoginOK && s.User == user {
		return "", false
	}
	return user, true
}

func loginString(s *track.Session) string {
	if c := s.Connect; c != nil {
		return "never connected (" + connectWords[c.How] + ")"
	}
	switch s.Login {
	case track.LoginOK:
		return "logged in"
	case track.LoginFailed:
		return "login failed"
	case track.LoginPending:
		return "login not completed"
	}
	if s.TLSUnfinished() {
		// No command crossed the channel: nothing was hidden.
		return "no login (TLS handshake never completed)"
	}
	if (s.WasEncrypted || s.ImplicitTLS) && !s.TLSRefused() {
		return "login not visible (encrypted)"
	}
	if r := s.Resumed; r != nil && r.From == 0 {
		// It continues a session the tracker no longer knew: its login,
		// if any, came before the idle close.
		return "login not visible (before the idle close)"
	}
	if s.OneSide != track.BothSides {
		// The replies that tell a login's outcome, or the commands
		// they answer, crossed the direction the capture did not hold.
		return "login not visible (one direction captured)"
	}
	if s.LoginBefore {
		// Picked up mid-stream: the server accepted commands only a
		// logged-in user may send.
		if s.PickedUpLate() {
			// Its connection may be one the capture showed, silent
			// for more than a day since: its login too.
			return "login not visible (before a silence of more than a day, or before the capture)"
		}
		return "login not visible (before the capture)"
	}
	if s.TLSRefused() {
		// Nothing was encrypted: no login was hidden, none was tried.
		return "no login (TLS handshake failed)"
	}
	return "no login"
}

// connectWords say how a control connection that never opened failed
// (track.Session.Connect).
var connectWords = map[decode.ConnectHow]string{
	decode.ConnectRefused:     "refused",
	decode.ConnectUnreachable: "unreachable",
	decode.ConnectUnanswered:  "unanswered",
	decode.ConnectAnswerLost:  "the server's answer lost",
}

// mask stands for a password in the output.
const mask = "********"

// maskedArg hides a password unless asked to show it: all of a
// password line's argument, or all but the first word of an argument
// that holds one (SITE PSWD old new).
func maskedArg(c *track.Command, show bool) string {
	switch {
	case show || c.Arg == "":
	case c.Secret:
		return mask
	case c.SecretArg:
		return firstWord(c.Arg) + " " + mask
	}
	return c.Arg
}

// firstWord is s up to its first space, leading spaces skipped.
func firstWord(s string) string {
	s = strings.TrimLeft(s, " ")
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

// maskedReply hides the text of a reply that repeats a line taken for a
// password (track.Reply.Secret) unless asked to show it.
func maskedReply(text string, secret, show bool) string {
	if secret && !show {
		return mask
	}
	return text
}

// echoWhy says why a reply is masked (maskedReply); echoNote follows
// such a reply in the text output, in parentheses, which the report's
// ladder adds itself.
const (
	echoWhy  = "hidden: it repeats a line that may hold a password"
	echoNote = " (" + echoWhy + ")"
)

// maskedVerb hides the verb of a line taken for a password that is not a
// PASS or ACCT (a PASS whose first bytes a gap took, say): it may be part
// of the secret.
func maskedVerb(c *track.Command, show bool) string {
	if c.Secret && !show && c.Verb != "PASS" && c.Verb != "ACCT" {
		return mask
	}
	return c.Verb
}

// maskedLine hides a junk line that may hold a password.
func maskedLine(e *track.Event, show bool) string {
	if e.Secret && !show {
		return mask + " (hidden: it may hold a password)"
	}
	return e.Text
}

// tlsFact says what a data connection's first bytes show of TLS, for the
// line under its outcome; "" where they were not read (a session whose
// data could not be TLS), where no payload crossed, or where the outcome
// line says it already (TLSAlertOnly).
func tlsFact(d *track.DataConn) string {
	switch d.DataTLS() {
	case track.DataTLSHandshake:
		return "encrypted (TLS)"
	case track.DataTLSClear:
		return "in clear (no TLS)"
	case track.DataTLSAlert:
		if d.Outcome != track.OutcomeConnected || !d.TLSHandshakeOnly() {
			return tlsAlertFrom(d) + ", no handshake"
		}
	case track.DataTLSUnknown:
		return "TLS or clear: unknown, its first bytes are not in the capture"
	}
	return ""
}

// tlsAlertFrom names the TLS alert that began a data connection with no
// hello (track.DataTLSAlert) and the side that sent it, in FTP roles.
func tlsAlertFrom(d *track.DataConn) string {
	c, s := d.TLSClientAlert(), d.TLSServerAlert()
	switch {
	case !c.IsZero() && !s.IsZero():
		return fmt.Sprintf("TLS alerts from both sides (the client's %v, the server's %v)", c, s)
	case !c.IsZero():
		return fmt.Sprintf("a TLS alert from the client (%v)", c)
	}
	return fmt.Sprintf("a TLS alert from the server (%v)", s)
}

// tlsAlertSide is tlsAlertFrom's side alone, for the JSON record:
// client, server or both.
func tlsAlertSide(d *track.DataConn) string {
	c, s := !d.TLSClientAlert().IsZero(), !d.TLSServerAlert().IsZero()
	switch {
	case c && s:
		return "both"
	case c:
		return "client"
	}
	return "server"
}

// byteSplit is a data connection's byte count, and which way each part
// went when both ways carried some (a TLS handshake, say).
func byteSplit(d *track.DataConn) string {
	s := countNoun(int(d.TotalBytes()), "byte")
	if d.Bytes[0] > 0 && d.Bytes[1] > 0 {
		toClient, toServer := d.Bytes[1], d.Bytes[0]
		if !d.Passive {
			toClient, toServer = toServer, toClient
		}
		s += fmt.Sprintf(" (%d to the client, %d to the server)", toClient, toServer)
	}
	if d.AckedOnly() {
		// Counted from the other side's acknowledgments: the capture
		// holds one direction of the connection.
		s += " (counted from the receiver's acknowledgments: the capture holds only the receiver's packets)"
	}
	return s
}

// icmpText is an unreachable data connection's ICMP error.
func icmpText(d *track.DataConn) string { return icmpInfoText(d.ICMP) }

// icmpInfoText names an ICMP error: its type, code and sender.
func icmpInfoText(i *track.ICMPInfo) string {
	proto := "ICMP"
	if i.V6 {
		proto = "ICMPv6"
	}
	return fmt.Sprintf("%s type %d code %d (%s) from %s", proto, i.Type, i.Code, i.CodeName(), i.From)
}

// inferredWhy says why a data connection's endpoint is inferred, not
// announced: taken for an announcing command whose reply (or, active, the
// command itself) the capture lost or holds cut short
// (MatchAnnounceLost), Announced is only where its SYN went. "" when the
// endpoint is the one announced, or when no announcement is visible at
// all (the heading says so instead).
func inferredWhy(d *track.DataConn) string {
	if d.Match != track.MatchAnnounceLost || d.Announce == nil {
		return ""
	}
	what := "reply"
	if !d.Passive {
		what = "command"
	}
	if d.AnnouncementCut() {
		return what + " cut short"
	}
	return what + " lost"
}

// dataEndpoint names how a data connection was announced and its
// endpoint: "PASV 10.99.0.1:40001", or, inferred from its SYN,
// "PASV (reply lost) inferred 10.99.0.1:40001", so that no one opens a
// port the server was never read announcing. "" with no visible
// announcement.
func dataEndpoint(d *track.DataConn) string {
	if d.Announce == nil {
		return ""
	}
	if why := inferredWhy(d); why != "" {
		return fmt.Sprintf("%s (%s) inferred %s", dataVia(d), why, d.Announced)
	}
	return fmt.Sprintf("%s %s", dataVia(d), d.Announced)
}

// dataFacts are what text shows of a data connection past its outcome
// and its connection's ends, the report in its data table alike: how it
// was matched and what that leaves a guess, how it ended, its TLS; and
// apart, short, a size shortfall (text colours it a warning).
func dataFacts(d *track.DataConn) (facts []string, short string) {
	if d.AfterUnsolicited() {
		facts = append(facts, fmt.Sprintf("follows a %d that answered no command seen (packet %d)", d.Announce.Replies[0].Code, d.ArmedNum))
	}
	if d.Client.IsValid() {
		if f := matchFact(d); f != "" {
			facts = append(facts, f)
		}
		if d.Match == track.MatchAnnounceLost && d.AmongLost > 1 {
			facts = append(facts, fmt.Sprintf("%d sessions between these hosts lost theirs and waited for a connection at once, so its session is a guess (the one whose transfer waited longest)", d.AmongLost))
		}
		if d.AmongRace > 1 {
			facts = append(facts, fmt.Sprintf("%d sessions between these hosts were told this endpoint and no reply after it told whose connection it was, so its session is a guess (the likelier: a session's latest announcement, one its transfer command waited on, else the one announced last)", d.AmongRace))
		}
	}
	if d.Outcome == track.OutcomeTransferred || d.Outcome == track.OutcomeConnected {
		facts = append(facts, "ended by "+d.EndReason.String())
	}
	if from, n := d.AckedUnseen(); n > 0 {
		facts = append(facts, fmt.Sprintf("the capture missed the last %d byte%s %s sent, which its peer acknowledged: capture loss, not the transfer's", n, plural(int(n)), from.Addr()))
	}
	if t := tlsFact(d); t != "" {
		facts = append(facts, t)
	}
	// Under TLS the bytes are records, not the file: no size to compare.
	// Outside image type (TYPE A, or none sent: RFC 959's default is
	// ASCII) LF may become CR LF on the way, so only fewer bytes than
	// announced say the transfer was short.
	if _, tls := d.TLSHandshake(); !tls && d.ExpectedSize >= 0 && d.Outcome == track.OutcomeTransferred && !d.Restarted() {
		if got := d.TotalBytes(); got < d.ExpectedSize || got > d.ExpectedSize && imageType(d.Type) {
			short = fmt.Sprintf("server announced %d byte%s, %d moved", d.ExpectedSize, plural(int(d.ExpectedSize)), got)
		}
	}
	return facts, short
}

// matchFact says how an observed data connection was tied to its session
// when not by its announcement's endpoint, and what of that is a guess;
// "" for an exact match.
func matchFact(d *track.DataConn) string {
	switch {
	case d.Match == track.MatchInferred && d.Session.WasEncrypted && d.AmongEncrypted > 1:
		who := "server"
		if !d.Passive {
			who = "client"
		}
		return fmt.Sprintf("inferred from the peers: %d encrypted sessions between these hosts could as well have announced it, so its session is a guess (the one whose %s spoke last before it, or the one seen last when none had spoken past its TLS handshake)", d.AmongEncrypted, who)
	case d.Match == track.MatchInferred && d.Session.WasEncrypted:
		return "inferred from the peers of the encrypted session"
	case d.Match == track.MatchDefaultPort:
		return "RFC 959 default data port (no PORT or PASV waiting)"
	case d.Match == track.MatchInferred && d.Session.OneSide == track.ClientSideOnly:
		return "inferred from the peers and the client's passive command: its reply is in the direction not captured"
	case d.Match == track.MatchInferred && d.StartMissed() && d.EndCode() == 0:
		return "started before the capture: the bytes are those it saw, not the whole; taken for this session's by its peers alone, a guess: no reply ended its transfer, and it was the one connection between them still open at the capture's end"
	case d.Match == track.MatchInferred && d.StartMissed():
		return fmt.Sprintf("started before the capture: the bytes are those it saw, not the whole; taken for this session's by its peers and the %d at its end, a guess", d.EndCode())
	case d.Match == track.MatchInferred:
		return "inferred from the peers: announced before the capture started"
	case d.Match == track.MatchAnnounceLost && d.AnnouncementCut() && !d.Passive:
		return "inferred from the peers: the client's PORT or EPRT announcing it is cut short in the capture, its endpoint cut off (a snap length shorter than the packet, such as tcpdump -s 96, most often)"
	case d.Match == track.MatchAnnounceLost && d.AnnouncementCut():
		return "inferred from the peers: the reply announcing it is cut short in the capture, its endpoint cut off (a snap length shorter than the packet, such as tcpdump -s 96, most often)"
	case d.Match == track.MatchAnnounceLost && !d.Passive:
		return "inferred from the peers: the client's PORT or EPRT announcing it was lost in a capture gap"
	case d.Match == track.MatchAnnounceLost:
		return "inferred from the peers: the reply announcing it was lost in a capture gap"
	case d.Match != track.MatchExact && d.Match != track.MatchNone:
		return "matched by " + d.Match.String()
	}
	return ""
}

// lostBeforeFINText says what of a data connection never arrived though
// its sender's FIN did (track.LostBeforeFIN): bytes the capture never
// saw and the receiver, seen after the FIN, never acknowledged (the:
// "the" or "another").
func lostBeforeFINText(l track.LostBeforeFIN, the string) string {
	return fmt.Sprintf("%s %d byte%s %s sent before its FIN never arrived (never acknowledged, none in the capture; the FIN got through)", the, l.Bytes, plural(int(l.Bytes)), l.Sender.Addr())
}

// stuckText says what of a data connection never arrived (track.StuckSend):
// bytes its receiver, seen in the capture, never acknowledged, their
// oldest sent again and again (the: "the" or "another").
func stuckText(st track.StuckSend, the string) string {
	return fmt.Sprintf("%s %d byte%s %s sent never arrived (never acknowledged, its %d-byte segment sent %s)", the, st.Bytes, plural(int(st.Bytes)), st.Sender.Addr(), st.Len, timesWord(uint64(st.Resends)+1))
}

// ambiguousNote says that a multi-line 227/228/229 names two endpoints
// (track.LineConflict.Multiline): clients differ on which they take, and
// which one this client took, when a data connection shows it.
func ambiguousNote(lc *track.LineConflict) string {
	note := fmt.Sprintf("[ambiguous: the first line names %s, the last %s (curl takes the last, Python ftplib the first)", lc.First, lc.Other)
	switch lc.Proof {
	case track.ProofTaken:
		return note + "; the client used the first]"
	case track.ProofOther:
		return note + "; the client used the last]"
	}
	return note + "; no data connection shows which the client took]"
}
