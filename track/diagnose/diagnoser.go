package diagnose

import (
	"fmt"
	"math"
	"net/netip"
	"strings"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// Diagnoser wraps the output sink: it implements track.Sink, forwards every
// call to next, and reports each finding to r before it forwards the call
// that completed the finding's evidence: Data for a data connection's
// findings, Command for findings about a command (a refused PORT, a 425/426
// reply, the login), SessionEnd for findings about the whole session.
type Diagnoser struct {
	p    policy.Policy
	next track.Sink
	r    Reporter

	sess map[*track.Session]*sessState
	// lastSess, lastState: the entry of sess that state found last. A
	// session's events call state many times in a row; this spares the
	// map's lookup for each. Cleared when the entry leaves sess.
	lastSess  *track.Session
	lastState *sessState
	servers   map[netip.AddrPort]*serverAcc // at most MaxServers
	overflow  *serverAcc                    // where sessions beyond it count
	omitted   Omitted

	logins loginTable // failed logins per client address, across sessions
	// bounces: the hosts clients' PORTs named as other hosts, per client
	// address, across sessions (stories.go).
	bounces bounceClients
	// hosts: where the open sessions show an address as a host's, for
	// seenAsHost (stories.go).
	hosts hostsShown
	// capture: what the whole capture tells, shared by every serverAcc
	// (the capture point's timing votes, the clients' active peers).
	capture *captureShared

	rewrites []Rewrite // what other capture points showed of the 227s (KnowRewrite), at most MaxRewrites
	// filter: the user's packet filter the packets went through
	// (SetPacketFilter); zero for none.
	filter PacketFilter
	// controlOnly: whether the capture input has held nothing but
	// control connections so far (SetControlOnly); nil: not known.
	controlOnly func() bool
	// captureFilter: what the capture file being read records of its
	// capture filter (SetCaptureFilter); nil: nothing. capFiltered: the
	// recorded filter that left out the data connections of a finding
	// rewritten for it (filteredByCapture), the latest.
	captureFilter func() CaptureFilter
	capFiltered   string
	// drops: when the capture point lost packets (CaptureDropped).
	drops captureDrops
	// stallsOpen: transfers stalled half-way in sessions closed as idle,
	// at most maxStallsOpen, for the session that picks one up again
	// (stallhalfway.go).
	stallsOpen []stallOpen
}

// bounceSet is what a session's FTP bounce attempts leave for its
// ftp-bounce finding.
type bounceSet struct {
	recs    []bounceRec // at most maxBounces
	omitted int
	why     string // why the first one is a bounce
}

// sessMore is the part of a session's state that few sessions need.
type sessMore struct {
	// closedAfter: the index of the latest command whose final reply
	// is one a server closes the session after (closingFinal), 0 when
	// none: a reset to the next command is its TCP's (saidItCloses).
	closedAfter int
	// reached: the server's own private addresses a client from another
	// network reached as announced in this session (at most maxReached).
	reached []netip.Addr
	// held: data-not-attempted findings that blame the capture's vantage
	// ("cannot see the data path") while the session had shown no data
	// connection the capture saw, at most maxHeld, in the order made
	// (holdBlind); the rest go out at once as they were. A seen data
	// connection of the session, or the session's end, releases them
	// (releaseHeld).
	held []*Finding
	// closedForeign: data connections from another address the server
	// closed at once with the transfer command not yet answered, at
	// most maxClosedForeign: judged at the session's end, when its
	// replies and how long the server waited on are known
	// (foreignClosed).
	closedForeign []*track.DataConn
	// tlsResets: passive data connections of an FTPS session that carried
	// nothing and that the server reset, at most maxTLSResets, judged at
	// the session's end (tlsResetFindings): a server that requires
	// protected data resets such a connection, and so does one refusing
	// the transfer (a 550 closes the listener), which a TLS handshake on
	// any other data connection of the session rules in. tlsDataSeen:
	// one did.
	tlsResets   []*track.DataConn
	tlsDataSeen bool
	// mtuWait: data connections whose likely path MTU black hole waits
	// for its receiver to show it was still there (awaitReceiver), at
	// most maxMTUWait: the session's commands release them, its end lets
	// the rest go (releaseMTU).
	mtuWait []*track.DataConn
	// stalls: data connections of transfers that may have stalled
	// (stallCandidate), at most maxStallWait, judged at the session's
	// end when whether the client gave up is known (stallFindings).
	stalls []*track.DataConn
	// loginInClear: a login command (USER, PASS, ACCT) was sent after
	// the packet where the control channel carried FTP text again
	// (sessState.cleartextNum), noted as the commands are reported
	// (loginAfter): JSON's tracker drops a login's commands once it is
	// judged. tlsEchoCommands: the session's commands before tlsEcho
	// (track.Session.CommandCount then, saturated), so that cccBroken
	// counts those after it whatever the tracker keeps of them. (In what
	// was padding.)
	loginInClear    bool
	tlsEchoCommands int32
	// authRefused: the session's latest AUTH the server refused (a 4yz
	// or 5yz), for cleartext-login: a client that asked for TLS and
	// logged in in clear when refused (authFallback).
	authRefused *track.Command
	// fxp: the FXP transfers this session is a half of (fxp.go), at
	// most maxFXP.
	fxp []*fxpPair
	// tlsEcho: the server's first refusal after the channel turned to
	// clear text whose words echo a TLS record header (echoesTLSRecord):
	// it read TLS bytes of the client's as a command. nil when none.
	tlsEcho *track.Reply
	// tlsBefore: the spans the control channel was encrypted before the
	// latest AUTH accepted (sessState.authCmd), each ended by FTP text
	// again (CCC, or TLS closed) and followed by another AUTH: from the
	// first one's 234 until the FTP text after the last one, and how
	// many. control-encrypted names them beside the latest span.
	tlsBefore struct {
		from, until uint64
		n           int
	}
	// hidden: the session's data connections whose announcement the
	// encryption hid (noteHidden), for control-encrypted; nil when none.
	hidden *hiddenData
	// activeRefused: the session's PORTs, EPRTs and LPRTs naming its
	// client's own address that the server refused (noteActiveRefusal),
	// for active-refused at its end; nil when none.
	activeRefused *activeRefusals
	// undelivered: the session's EventUndelivered (a copy) that no
	// EventDeliveredLate followed yet; reported at the session's end
	// (undeliveredFinding).
	undelivered *track.Event
	// tlsUnfinished: the session's EventTLSUnfinished (a copy), for
	// control-tls-unfinished at its end; nil when none.
	tlsUnfinished *track.Event
	// unanswered: the session's last command, reported with no reply at
	// its end (noteUnanswered), for control-reset and command-unanswered
	// (ctlcut.go) whatever the tracker keeps of its commands.
	unanswered *track.Command
	// helperBlind: the latest PORT/EPRT of the session that a simulated
	// Linux FTP helper could not see (HelperBlind), and why; its refusal
	// is not advised away by attaching the helper.
	helperBlind    *track.Command
	helperBlindWhy string
	// gaps: the session's latest capture gaps of either stream
	// (noteGap), for a late request for another endpoint whose transfer
	// command and data connection may be in one (lostInGap).
	gaps recentGaps
	// epsvAll: the client's EPSV ALL the server accepted, the first of
	// the session not paired across a gap (its Seq, 0 for none; its
	// reply, quoted), and which severities of epsv-all-ignored the
	// session has said (epsvAllIgnored). An accepted REIN forgets it.
	epsvAll struct {
		seq   uint64
		num   uint64
		reply string
		said  [SeverityError]bool
	}
}

// moreState returns st's sessMore, made on first use.
func (st *sessState) moreState() *sessMore {
	if st.more == nil {
		st.more = &sessMore{}
	}
	return st.more
}

// sessState is what the diagnoser remembers of an open session, one per
// open session: its small fields share one word (the flags and the
// family), so that the struct keeps its allocation size class.
type sessState struct {
	authCmd *track.Command // the AUTH that got 234
	// cleartextNum: the packet after which the control channel carried
	// FTP text again (CCC, or TLS closed by alerts); 0 when it did not.
	cleartextNum uint64
	// lastGap is the session's latest capture gap in the client's
	// stream (its order among commands and replies, and the packet it
	// was seen at): a USER answered by 230 with such a gap between them
	// may have had its PASS swallowed (cleartextLogin). A gap in the
	// server's stream hides no PASS: the client's is whole.
	lastGap struct{ seq, num uint64 }
	// secretLine is the packet of the latest client line decode hid as
	// one that may hold a password and could not read as a command
	// (EventJunk, Secret: PASS<TAB>..., a NUL in it), since the session's
	// latest USER; 0 when none. A 230 that answers no command after it
	// is the login it made (cleartextLoginLost). The events themselves are
	// not kept by every output (RecentOnly).
	secretLine uint64
	// encrypted: the tracker's event where the control channel turned
	// to TLS with no AUTH's 234 in the capture (lost in a gap: decode saw
	// a TLS record after the AUTH; RFC 2228 protected commands; picked
	// up mid-stream inside TLS): its packet, time and words; nil when it
	// did not. A copy, made only for the few sessions that have one (a
	// packet number, a time and the words kept here would take every
	// session's state past its allocation class).
	encrypted  *track.Event
	translated map[netip.Addr]bool // announced addresses already reported as nat-translated
	// greet: what the greeting's replies name (greetingKind), read when
	// the greeting had greetN-1 replies (greetN 0: not read yet). Replies
	// are only ever added to a greeting, so its length tells whether the
	// vote is still the greeting's (greetingVote). (In what was padding,
	// sourceRefused moved to the bools below for it.)
	greet kindVote
	// final250Seq: the order (Seq) of the session's latest 250 that ended
	// a transfer, 0 for none; accepts250: a command of the client's came
	// after such a 250, so it takes 250 as a transfer's end (noteFinal250,
	// for unusualFinalReplies). Noted as the commands are reported,
	// whatever the tracker keeps of them; a uint32 in what was padding.
	final250Seq uint32
	// more: what only some sessions need (reached addresses, held
	// findings), nil until one does: behind a pointer so that the struct
	// keeps its allocation size class.
	more *sessMore

	loginReported          bool // cleartext-login said once per session
	fallbackReported       bool // epsv-pasv-fallback said once per session
	passiveRefusedReported bool // passive-refused said once per session
	// passiveWorked: the server accepted a passive announcement (227,
	// 228, 229) in this session, so passive mode is on.
	passiveWorked  bool
	configReported bool // server-config-error said once per session
	// tlsSent: who sent TLS bytes between the 234 and the FTP text at
	// cleartextNum, as the tracker's EventCleartext tells (tlsSentBy).
	tlsSent tlsSenders
	// kind: the family the greeting names, kept once the greeting is over
	// (kindKnown), so that each finding does not read it again.
	kind      policy.ServerKind
	kindKnown bool
	greetN    uint8 // see greet
	// serverSpoke: the server's stream showed something besides replies
	// to commands (a gap or junk of its own, an unsolicited reply, a
	// reply no command waited for, TLS): closedWithoutGreeting's "no
	// byte from the server", which the events, not kept by every output
	// (RecentOnly), would otherwise tell.
	serverSpoke bool
	// answered: a command of the session got a reply; interrupted: one
	// was ended by an unsolicited 421/221 (firstAnswerClosed). Noted as
	// the commands are reported: JSON's tracker keeps few of them.
	answered, interrupted bool
	// activeAccepted: the server accepted an active announcement of the
	// session (PORT, EPRT, LPRT), or tried to connect back for one
	// (pendingActiveRefused); epsvAll: it accepted the client's EPSV ALL
	// (RFC 2428: every other data connection setup command is refused
	// after it). Noted as the commands are reported, whatever the
	// tracker keeps of them.
	activeAccepted, epsvAll bool
	accepts250              bool
	// sourceRefused: the server said, unasked, that it dropped a data
	// connection for its source (pyftpdlib's 425): foreignClosed leaves
	// that connection to the data-source-nat it raised.
	sourceRefused bool

	// pasvRefusal: the session's gravest refused passive announcement
	// (passiveRefusalOf: a PASV or LPSV refused as a command, an EPSV
	// refused on an IPv6 control connection, an LPSV not implemented),
	// the first of its kind, judged at its end (pendingPassiveRefused).
	pasvRefusal *track.Command

	// bounce: the session's PORTs naming another host (ftp-bounce), nil
	// until one does: few sessions have one, every open one keeps this.
	bounce *bounceSet
	// closing: the first unsolicited 421 or 221, kept for outputs that
	// keep no events (JSON, live): it says why a transfer it interrupted
	// ended (closingReply).
	closing *track.Reply
}

// New returns a Diagnoser checking against p. next and r may be nil.
func New(p policy.Policy, next track.Sink, r Reporter) *Diagnoser {
	return &Diagnoser{p: p, next: next, r: r, sess: make(map[*track.Session]*sessState), servers: make(map[netip.AddrPort]*serverAcc), logins: newLoginTable(), capture: &captureShared{}}
}

func (d *Diagnoser) state(s *track.Session) *sessState {
	if st := d.lastState; st != nil && d.lastSess == s {
		return st
	}
	st := d.sess[s]
	if st == nil {
		st = &sessState{}
		d.sess[s] = st
		if d.hosts.built {
			d.hosts.opened(s)
		}
	}
	d.lastSess, d.lastState = s, st
	return st
}

func (d *Diagnoser) report(fs []*Finding) {
	for _, f := range fs {
		d.hedgeDropped(f) // (capturedrops.go)
		hedgeTunnel(f)
		if f.Session != nil && PortMayBeTranslated(f.Session) {
			d.server(f.Session).ctlAfterDNAT = true
			f.Advice = ctlPortNoted(f.Advice, f.Session.Server.Port())
		}
		d.server(f.Session).finding(d, f)
		if d.r != nil {
			d.r.Finding(f)
		}
	}
}

// SessionStart implements track.Sink.
func (d *Diagnoser) SessionStart(s *track.Session) {
	d.state(s)
	a := d.server(s)
	switch {
	case !s.Counted():
	case a == d.overflow:
		d.omitted.Sessions++
	default:
		a.sessions++
	}
	if d.next != nil {
		d.next.SessionStart(s)
	}
}

// Command implements track.Sink.
func (d *Diagnoser) Command(s *track.Session, c *track.Command) {
	if c.Unconfirmed() {
		// Not taken: the server never got it, and the client's own FIN,
		// or an RST in its name, stood at its bytes
		// (track/unconfirmed.go). Nothing is derived from it.
		if d.next != nil {
			d.next.Command(s, c)
		}
		return
	}
	d.hosts.noteAnnounced(s, c.Data)
	d.noteFXP(s, c)
	if len(c.Replies) > 0 || c.Status == track.StatusInterrupted {
		st := d.state(s)
		st.answered = st.answered || len(c.Replies) > 0
		st.interrupted = st.interrupted || c.Status == track.StatusInterrupted
	}
	if c.Verb == "USER" || c.Verb == "PASS" || c.Verb == "ACCT" {
		d.state(s).noteLogin(c)
	}
	if n := len(c.Replies); n > 0 && closingFinal(&c.Replies[n-1]) && !(c.Replies[n-1].Code == 421 && d.greetKind(s) == policy.ServerFileZilla) {
		// (FileZilla Server answers 421 to commands it refuses,
		// "Rejected command, requested IP address does not match",
		// and keeps the session: not a close.)
		d.state(s).moreState().closedAfter = c.Index
	}
	d.noteUnanswered(s, c)
	if RefusedTransfer(c) {
		d.server(s).refusedTransfers++
	}
	if c.Data == nil && (c.Refused || c.EndpointVia != 0 && c.Status != track.StatusAnswered) {
		// An announcement that armed nothing: refused, or never answered.
		d.server(s).unaccepted++
	}
	if c.Index == 1 {
		d.server(s).opened(s)
		// The greeting is complete once the client speaks: a summary
		// made while the session is open knows its family.
		d.server(s).greeting.addFamily(d.greetingVote(s).Greeting())
		if f := d.greetingLogin(s); f != nil {
			d.report([]*Finding{f})
		}
	}
	d.report(d.commandFindings(s, c))
	if st := d.state(s); st.more != nil && len(st.more.mtuWait) > 0 {
		d.report(d.releaseMTU(s, st, false)) // (a command: its client is there)
	}
	if d.next != nil {
		d.next.Command(s, c)
	}
}

// Data implements track.Sink.
func (d *Diagnoser) Data(s *track.Session, dc *track.DataConn) {
	d.keepOwnVotes(s) // before the summary's and the advice's looks (passivePlace)
	d.hosts.reported(s, dc)
	// (A failure hedged as another service's, misfitOf, is no passive
	// port of the server's: passiveFailed words it from the same look;
	// nor is a service's port that worked aside from the others.)
	d.server(s).data(dc, dc.Outcome.Failed() && misfitOf(s, dc, d.polOf(s)) != fits || serviceAside(s, dc))
	if !dc.Outcome.Failed() && strangerOnce(s, dc) && d.strangerOwned(s, dc) == "" {
		d.server(s).noteStrangerMade(dc)
	}
	if dc.Match == track.MatchInferred {
		d.state(s).noteHidden(dc)
	}
	fs := d.hedgeResetAnnouncement(s, dc, d.hedgeFiltered(s, dc, hedgeConflicted(dc, d.dataFindings(s, dc))))
	if f := d.foreignSource(s, dc); f != nil {
		// Not the outcome's doing: the connection got through, to
		// whoever took it.
		fs = append(fs, f)
	}
	mtu := pmtuBlackHole(s, dc)
	if mtu == nil {
		if st, ok := pmtuSuspect(dc); ok {
			mtu = d.awaitReceiver(s, dc, st)
		} else {
			mtu = pmtuLostBeforeFIN(s, dc)
		}
	}
	if mtu != nil {
		fs = append(fs, mtu)
	} else if stallCandidate(dc) {
		d.holdStall(s, dc) // (unless its receiver speaks: stallFindings)
	}
	d.report(d.holdBlind(s, dc, fs))
	d.noteSource(s, dc)
	if d.next != nil {
		d.next.Data(s, dc)
	}
}

// Event implements track.Sink.
func (d *Diagnoser) Event(s *track.Session, e *track.Event) {
	st := d.state(s) // one map lookup for every note below
	if e.Kind == track.EventGap && e.FromClient {
		st.lastGap.seq, st.lastGap.num = e.Seq, e.Num
	}
	if e.Kind == track.EventGap {
		st.noteGap(e)
	}
	if f := d.stallEnded(s, e); f != nil {
		d.report([]*Finding{f})
	}
	switch e.Kind {
	case track.EventGap, track.EventJunk:
		if !e.FromClient {
			st.serverSpoke = true
		}
	case track.EventUnsolicited, track.EventReplyNoCommand, track.EventReplyGap, track.EventReplyUnseen, track.EventEncrypted:
		st.serverSpoke = true
	}
	if e.Kind == track.EventJunk && e.FromClient && e.Secret {
		st.secretLine = e.Num
	}
	if e.Code == 230 && (e.Kind == track.EventReplyGap || e.Kind == track.EventReplyNoCommand) {
		// A login's success answering no command the capture holds: the
		// session logged in on an unencrypted control connection, though
		// no PASS reached the tracker (a gap of the client's stream took
		// it, or decode could not read it as a command). Only after a
		// USER in clear, or such a gap.
		u := userBefore(s, e.Seq)
		gap := uint64(0)
		if gapTookLoginLine(st, u, e.Seq) {
			gap = st.lastGap.num
		}
		if r := (track.Reply{Seq: e.Seq, Code: e.Code, Text: e.Text, TS: e.TS, Num: e.Num, Secret: e.Secret}); !st.loginReported && !s.Encrypted && (gap != 0 || u != nil || s.User != "") {
			st.loginReported = true
			d.report([]*Finding{d.cleartextLoginLost(s, &r, gap, st.secretLine)})
		}
	}
	if e.Kind == track.EventUnsolicited && (e.Code == 421 || e.Code == 221) {
		if st.closing == nil {
			st.closing = &track.Reply{Seq: e.Seq, Code: e.Code, Text: e.Text, TS: e.TS, Num: e.Num}
		}
	}
	if e.Kind == track.EventEncrypted && !s.ImplicitTLS {
		if st.authCmd == nil && st.encrypted == nil {
			ev := *e
			st.encrypted = &ev
		}
	}
	if e.Kind == track.EventCleartext {
		if st.cleartextNum == 0 {
			st.cleartextNum = e.Num
			st.tlsSent = tlsSentBy(e)
		}
	}
	switch {
	case e.Kind == track.EventTLSUnfinished:
		ev := *e
		st.moreState().tlsUnfinished = &ev
	case e.Kind == track.EventUndelivered && (st.more == nil || st.more.undelivered == nil):
		ev := *e
		st.moreState().undelivered = &ev
	case e.Kind == track.EventDeliveredLate && st.more != nil && st.more.undelivered != nil && st.more.undelivered.FromClient == e.FromClient:
		// Acknowledged at last: TCP recovered. A later stall of the
		// session may be one that never does.
		st.more.undelivered = nil
	}
	if st.cleartextNum != 0 && e.Code >= 500 && e.Code < 600 && (st.more == nil || st.more.tlsEcho == nil) && echoesTLSRecord(e.Text) {
		switch e.Kind {
		case track.EventReplyNoCommand, track.EventReplyGap, track.EventReplyUnseen, track.EventUnsolicited:
			m := st.moreState()
			m.tlsEcho = &track.Reply{Seq: e.Seq, Code: e.Code, Text: e.Text, TS: e.TS, Num: e.Num}
			m.tlsEchoCommands = int32(min(s.CommandCount, math.MaxInt32))
		}
	}
	if e.Kind == track.EventUnsolicited && e.Code == 425 && sourceRefusal(strings.ToLower(e.Text)) {
		// The server's own report that it dropped a data connection for
		// its source, sent unasked (pyftpdlib): data-source-nat, for the
		// session's latest data connection that reached it.
		var dc *track.DataConn
		for i := len(s.Data) - 1; i >= 0; i-- {
			if x := s.Data[i]; x.SYNs > 0 && x.Passive {
				dc = x
				break
			}
		}
		f := d.dataSourceTranslated(s, nil, &track.Reply{Code: e.Code, Text: e.Text, TS: e.TS, Num: e.Num}, dc)
		f.Session = s
		d.state(s).sourceRefused = true
		d.report([]*Finding{f})
	}
	if d.next != nil {
		d.next.Event(s, e)
	}
}

// HelperBlind tells the diagnoser, before it judges c (of session s), that a simulated
// Linux FTP helper (read --helper linux) attached to c's control
// connection could not see c, a PORT or EPRT, for the reason why: a NAT
// router with that helper left the address as the client wrote it, so
// advice to attach the helper would be no fix.
func (d *Diagnoser) HelperBlind(s *track.Session, c *track.Command, why string) {
	st := d.state(s).moreState()
	st.helperBlind, st.helperBlindWhy = c, why
}

// helperBlindOn reports whether a simulated helper could not see c
// (HelperBlind): the NAT it stands for is the reading, not a hedge.
func (d *Diagnoser) helperBlindOn(s *track.Session, c *track.Command) bool {
	st := d.sess[s]
	return c != nil && st != nil && st.more != nil && st.more.helperBlind == c
}

// helperBlindFix is the advice for an active-mode refusal of c when a
// simulated helper could not see c ("" when it saw it, or none ran).
func (d *Diagnoser) helperBlindFix(s *track.Session, c *track.Command) string {
	st := d.sess[s]
	if c == nil || st == nil || st.more == nil || st.more.helperBlind != c {
		return ""
	}
	d.server(s).helperBlind++
	return fmt.Sprintf("Use passive mode on the client (the usual fix); or, to keep active mode, make the client send its %s at the start of a segment of its own: the FTP helper is attached but cannot see it (%s), so a NAT router leaves the address as the client wrote it (lftp: set ftp:sync-mode on, which waits for each reply before the next command).", c.Verb, st.more.helperBlindWhy)
}

// SessionEnd implements track.Sink.
func (d *Diagnoser) SessionEnd(s *track.Session) {
	// Every way a session ends (its close, eviction, the capture's end)
	// comes here: the held findings go out before the session's own.
	d.report(d.releaseHeld(s))
	d.report(d.releaseMTU(s, d.sess[s], true))
	d.report(d.stallFindings(s))
	d.report(d.closedForeignFindings(s))
	d.report(d.tlsResetFindings(s))
	if s.Connect == nil && s.Counted() {
		d.server(s).opened(s)
	}
	if PortMayBeTranslated(s) {
		d.server(s).ctlAfterDNAT = true
	}
	d.server(s).greeting.addFamily(d.greetingVote(s).Greeting())
	if f := d.greetingLogin(s); f != nil {
		d.report([]*Finding{f})
	}
	d.report(d.sessionFindings(s))
	if f := d.connectFinding(s); f != nil {
		d.report([]*Finding{f})
	}
	if f := d.undeliveredFinding(s); f != nil {
		d.report([]*Finding{f})
	}
	if f := d.controlCut(s); f != nil {
		d.report([]*Finding{f})
	}
	if f := controlPMTUBlackHole(s); f != nil {
		d.report([]*Finding{f})
	}
	d.fxpEnded(s)
	delete(d.sess, s)
	if d.lastSess == s {
		d.lastSess, d.lastState = nil, nil
	}
	d.hosts.ended(s)
	// (Its memo of what its PORTs showed holds the session and one of
	// its commands: it goes with it, not at the next memo's prune.)
	delete(d.bounces.signs, s)
	delete(d.bounces.ports, s)
	delete(d.capture.own, s)
	if d.next != nil {
		d.next.SessionEnd(s)
	}
}
