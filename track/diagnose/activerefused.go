package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// activeRefusal is why a server refused a PORT, EPRT or LPRT naming the
// client's own address (activeRefusalOf).
type activeRefusal uint8

const (
	activeNotRefused activeRefusal = iota // accepted, or refused for another reason (421, 530, 500 OOPS...)
	// activeModeOff: the server refuses the command as such: vsftpd
	// port_enable=NO ("550 Permission denied."), ProFTPD's <Limit PORT
	// EPRT> DenyAll ("501 PORT: Operation not permitted"), a server that
	// does not implement it (500/502 unknown, not implemented).
	activeModeOff
	// activeAddrRefused: the server refuses the address named: vsftpd's
	// "500 Illegal PORT command." (port_promiscuous=NO), ProFTPD's "500
	// Illegal PORT command" (AllowForeignAddress off), Pure-FTPd's "500 I
	// won't open a connection to 10.0.0.2 (only to 192.0.2.7)", "501 ...
	// foreign address": it sees the control connection come from another
	// address than the one the PORT names.
	activeAddrRefused
	// activeFamilyRefused: the server does not take the network
	// protocol the EPRT names: RFC 2428's "522 Network protocol not
	// supported, use (1)" (ProFTPD), vsftpd's "500 Bad EPRT protocol.":
	// an IPv4-only server, or one reached through NAT64, told an IPv6
	// address it cannot connect to. Not active mode turned off: a note,
	// which the server's verdict leaves out.
	activeFamilyRefused
)

// activeRefusalOf reads a reply to a PORT, EPRT or LPRT: whether it
// refuses active mode, or the address named, in the words servers use.
func activeRefusalOf(r *track.Reply) activeRefusal {
	if r == nil || r.Code < 500 || r.Code > 559 {
		return activeNotRefused
	}
	text := strings.ToLower(r.Text)
	switch {
	case strings.HasPrefix(text, "oops"):
		// vsftpd's own fatal error: server-config-error's.
		return activeNotRefused
	case r.Code == 522 || containsAny(text, "bad eprt protocol", "network protocol not supported", "protocol not supported"):
		return activeFamilyRefused
	case containsAny(text, "illegal port", "illegal eprt", "illegal lprt", "foreign address", "won't open a connection", "will not open a connection", "address does not match", "not the same address"):
		return activeAddrRefused
	case refusesCommand(r):
		return activeModeOff
	case r.Code == 501 && containsAny(text, "operation not permitted", "permission denied", "disabled", "not allowed"):
		// ProFTPD answers a command its <Limit> denies with 501 and
		// strerror(EPERM), as it does PASV (mod_core).
		return activeModeOff
	case r.Code == 550 && containsAny(text, "operation not permitted"):
		return activeModeOff
	}
	return activeNotRefused
}

// maxActiveRefusedQuoted bounds the refused commands active-refused quotes.
const maxActiveRefusedQuoted = 3

// activeRefusals are the refused active announcements active-refused
// names (noteActiveRefusal): the first few, how many, and their verbs.
// Kept as the commands are reported: with RecentOnly the session's
// commands keep the latest few only, and a client that fell back to
// passive mode after its PORT was refused pushes it out of them.
type activeRefusals struct {
	kind   activeRefusal    // of the first
	quoted []*track.Command // the first maxActiveRefusedQuoted
	n      int              // all of them
	verbs  []string         // their verbs, in order, once each (PORT, EPRT, LPRT)
	// tabbed: the first answered 500-502 with a TAB after its verb
	// ("PORT\t..."): vsftpd and Pure-FTPd take the TAB for part of the
	// verb and answer an unknown command; active mode was never asked
	// for, and it is quoted only when no other was refused.
	tabbed *track.Command
	// lprtUnknown: the first LPRT answered as a command the server does
	// not implement (notImplemented): RFC 1639's LPRT is rare (vsftpd,
	// ProFTPD and Pure-FTPd have none), no refusal of active mode;
	// quoted only when no other was refused.
	lprtUnknown *track.Command
	// loose: the first PORT/EPRT written loosely (EndpointLoose: read
	// as the servers that accept the form read it) and refused as a
	// syntax error (looseRefusal): the server not taking that written
	// form, no refusal of active mode; quoted only when no other was
	// refused.
	loose *track.Command
}

// looseRefusal tells whether r, the reply to c, refuses c's loosely
// written endpoint (c.EndpointLoose) for how it is written: 501, syntax
// error in parameters (RFC 959), which servers answer an argument they do
// not read (ProFTPD "501 Illegal EPRT command" to a zone on a global
// address, Pure-FTPd "501 Syntax error in IP address"). Not a refusal of
// active mode as such (ProFTPD's <Limit PORT> "501 PORT: Operation not
// permitted"), nor of the network protocol (522), nor the 500 with which
// vsftpd and ProFTPD refuse a foreign address ("500 Illegal PORT
// command."): vsftpd reads the loose forms, so its refusal is of the
// address.
func looseRefusal(c *track.Command, r *track.Reply) bool {
	if !c.EndpointLoose || r == nil || r.Code != 501 {
		return false
	}
	k := activeRefusalOf(r)
	return k == activeAddrRefused || k == activeNotRefused
}

// noteActiveRefusal notes c, an active announcement (PORT, EPRT, LPRT)
// the server answered with r (nil: no reply), as it is reported: an
// acceptance, or a connection back tried for it (connectBackAnswer, or
// its SYNs: connectBackTried), turns active-refused off for the
// session; a refusal of the client's own address (as the capture sees
// it) and a port of 1024 or above is kept for it. A PORT
// naming another address is nat-mismatch's or ftp-bounce's (the
// client's NAT's own address too: a refusal of it is ftp-bounce's info,
// natExternal never reads a refused PORT as it), a privileged port
// ftp-bounce's; none counts after the client's own accepted EPSV ALL, nor
// one paired with its reply across a gap of the server's stream
// (pairedAcrossGap).
func (st *sessState) noteActiveRefusal(s *track.Session, c *track.Command, r *track.Reply) {
	if c.Secret || c.EndpointVia == 0 || c.EndpointVia.Passive() || c.EndpointErr != nil {
		return
	}
	if r != nil && r.Code/100 == 2 || connectBackAnswer(c) || connectBackTried(s, c) {
		// Active mode works in this session: the server accepted an
		// announcement, or tried to connect back for it (a server that
		// connects at the PORT answers a failed connect with 425:
		// active-blocked's, not active mode turned off; Twisted answers
		// only once connected, so a client that gave up first saw no
		// reply at all).
		st.activeAccepted = true
		return
	}
	if r == nil || pairedAcrossGap(st, c, r) {
		// A capture gap of the server's stream came between c and r,
		// which may answer a later command (the PORT's 200 lost, a
		// STOR's 550 paired with it): no refusal to name a setting for.
		return
	}
	if c.Data != nil || c.Endpoint.Addr().Unmap() != s.Client.Addr().Unmap() || c.Endpoint.Port() < 1024 {
		return
	}
	if c.Anomaly&ftp.CmdTabSeparator != 0 {
		if r.Code >= 500 && r.Code <= 502 {
			m := st.moreState()
			if m.activeRefused == nil {
				m.activeRefused = &activeRefusals{}
			}
			if m.activeRefused.tabbed == nil {
				m.activeRefused.tabbed = c
			}
		}
		return
	}
	if looseRefusal(c, r) && !st.epsvAll {
		m := st.moreState()
		if m.activeRefused == nil {
			m.activeRefused = &activeRefusals{}
		}
		if m.activeRefused.loose == nil {
			m.activeRefused.loose = c
		}
		return
	}
	if strings.EqualFold(c.Verb, "LPRT") && notImplemented(r) {
		m := st.moreState()
		if m.activeRefused == nil {
			m.activeRefused = &activeRefusals{}
		}
		if m.activeRefused.lprtUnknown == nil {
			m.activeRefused.lprtUnknown = c
		}
		return
	}
	k := activeRefusalOf(r)
	if k == activeNotRefused || st.epsvAll {
		return
	}
	m := st.moreState()
	if m.activeRefused == nil {
		m.activeRefused = &activeRefusals{}
	}
	a := m.activeRefused
	if a.n == 0 {
		a.kind = k
	}
	a.n++
	if len(a.quoted) < maxActiveRefusedQuoted {
		a.quoted = append(a.quoted, c)
	}
	if v := strings.ToUpper(c.Verb); !slices.Contains(a.verbs, v) {
		a.verbs = append(a.verbs, v)
	}
}

// connectBackTried: the server sent SYNs from its control address to the
// endpoint c, an active announcement, named, whatever its reply (or none
// yet): it took the PORT/EPRT/LPRT and tried to connect back. A SYN from
// another address (matched by the port alone) proves nothing of the
// server.
func connectBackTried(s *track.Session, c *track.Command) bool {
	dc := c.Data
	return dc != nil && !dc.Passive && dc.SYNs > 0 && dc.Client.Addr().Unmap() == s.Server.Addr().Unmap()
}

// pendingActiveRefused is active-refused, at the session's end: the
// server refused the client's PORT/EPRT/LPRT naming its own address (as
// the capture sees it) and a port of 1024 or above, as a command it will
// not run (active mode turned off) or for the address (a NAT in front of
// the client the server sees through): noteActiveRefusal. Not raised
// when the server accepted any active announcement in the session or
// tried to connect back for one (connectBackAnswer), nor after the
// client's own accepted EPSV ALL. Info when passive mode worked in the
// session (the client fell back to it), error when the session made no
// data connection, else a warning.
func (d *Diagnoser) pendingActiveRefused(s *track.Session, st *sessState) *Finding {
	if st.activeAccepted || st.more == nil || st.more.activeRefused == nil {
		return nil
	}
	refused := st.more.activeRefused
	kind := refused.kind
	cli := s.Client.Addr().Unmap()
	c := refused.loose
	if c == nil {
		c = refused.tabbed
	}
	if c == nil {
		c = refused.lprtUnknown
	}
	if len(refused.quoted) > 0 {
		c = refused.quoted[0]
	}
	r := c.Final()
	f := &Finding{Code: CodeActiveRefused, Severity: SeverityWarning, Session: s, Command: c, TS: r.TS}
	worked := s.DataOutcomes[track.OutcomeTransferred] + s.DataOutcomes[track.OutcomeConnected]
	switch {
	case st.passiveWorked:
		f.Severity = SeverityInfo
	case worked == 0:
		f.Severity = SeverityError
	}
	switch {
	case len(refused.quoted) == 0 && c == refused.loose:
		looseRefused(f, c, r, st.passiveWorked, worked > 0)
		return f
	case len(refused.quoted) == 0 && c == refused.lprtUnknown:
		lprtNotImplemented(f, s, c, r, st.passiveWorked, worked > 0)
		return f
	case len(refused.quoted) == 0:
		tabRefused(f, c, r, st.passiveWorked, worked > 0)
		return f
	}
	var ev []string
	var pk []uint64
	for _, x := range refused.quoted {
		xr := x.Final()
		ev = append(ev, fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(x), x.Num, replyText(xr), xr.Num))
		pk = append(pk, x.Num, xr.Num)
	}
	if more := refused.n - len(refused.quoted); more > 0 {
		ev = append(ev, fmt.Sprintf("%d more refused", more))
	}
	f.Packets = packets(pk)
	f.Evidence = joinEvidence(ev...)
	verbs := activeVerbs(refused.verbs)
	after := afterRefusal(st.passiveWorked, worked > 0)
	f.Evidence = joinEvidence(f.Evidence, after)
	fam := d.family(s)
	addr := c.Endpoint.Addr().Unmap()
	if a := d.server(s); kind == activeModeOff && a.activeAccepted || kind == activeAddrRefused && a.activeAcceptedBy(cli) {
		// The server accepted a PORT/EPRT in another session (from this
		// client address, for a refused address): active mode is on, and
		// this refusal is this session's or its user's.
		if f.Severity == SeverityError {
			f.Severity = SeverityWarning
		}
		d.activeRefusedHere(f, s, c, r, kind, verbs, st.passiveWorked, worked > 0)
		return f
	}
	switch {
	case kind == activeFamilyRefused:
		familyRefused(f, c, r, after, st.passiveWorked || worked > 0)
	case kind == activeAddrRefused:
		where := "a NAT in front of the client (masquerade) that does not rewrite " + verbs
		if cls := Classify(addr); cls != ClassPrivate && cls != ClassCGNAT {
			where = "a NAT or proxy between client and server that does not rewrite " + verbs
		}
		f.Message = fmt.Sprintf("The server refused the address the client named in %s (%q): %s is the client's own address as this capture sees it, so the server sees the control connection come from another one, through %s. Active-mode transfers of this client cannot work.", c.Verb, replyText(r), addr, where)
		if st.passiveWorked {
			f.Message = fmt.Sprintf("The server refused the address the client named in %s (%q): the server sees the control connection come from another address than %s, through %s. The client then used passive mode, which worked.", c.Verb, replyText(r), addr, where)
		}
		f.Advice = "Use passive mode on the client (the usual fix); or, to keep active mode, " + routerHelperAdvice(s.Server.Port(), isV6(s.Server)) + "."
		if fix := d.helperBlindFix(s, c); fix != "" {
			f.Advice = fix
		}
	default:
		f.Message = fmt.Sprintf("The server refused active mode (it answered %s with %q): no data connection can be set up by PORT/EPRT, and this session made none.", verbs, replyText(r))
		switch {
		case st.passiveWorked:
			f.Message = fmt.Sprintf("The server refused active mode (it answered %s with %q); the client then used passive mode, which worked.", verbs, replyText(r))
		case worked > 0:
			f.Message = fmt.Sprintf("The server refused active mode (it answered %s with %q): no data connection can be set up by PORT/EPRT.", verbs, replyText(r))
		}
		f.Advice = activeOnAdvice(fam, d.polOf(s).Server)
	}
	return f
}

// familyRefused words active-refused for an EPRT whose network protocol
// the server does not take (activeFamilyRefused): it cannot connect to
// an address of that family. The server refuses no mode, and the fix is
// the client's: a note when the session made a data connection all the
// same (dataWorked: the client fell back), a warning when it made none
// (the transfer failed). The server's verdict leaves it out either way
// (serverAcc.countActiveRefused).
func familyRefused(f *Finding, c *track.Command, r *track.Reply, after string, dataWorked bool) {
	f.Severity = SeverityInfo
	if !dataWorked {
		f.Severity = SeverityWarning
	}
	addr := c.Endpoint.Addr().Unmap()
	v := "IPv4"
	if addr.Is6() {
		v = "IPv6"
	}
	why := "the server has no IPv4 route to the client (an IPv6-only server)"
	if addr.Is6() {
		why = "the server has no IPv6 route to the client (an IPv4-only server, or one reached through a NAT64 gateway)"
	}
	rfc := ""
	if r.Code == 522 {
		rfc = " (522 is RFC 2428's reply for a network protocol the server does not support)"
	}
	f.Message = fmt.Sprintf("The server does not take %s addresses in %s: it answered %q%s, so it cannot connect back to %s, and active mode cannot work for this client: %s; %s.", v, c.Verb, replyText(r), rfc, addr, why, after)
	f.Advice = "Use passive mode on the client (EPSV: curl without -P/--ftp-port, ftplib's default set_pasv(True), lftp set ftp:passive-mode on). Nothing in the server makes it connect to an address of a family it has no route for."
}

// looseRefused words active-refused for a PORT or EPRT written loosely
// (activeRefusals.loose) that the server refused as a syntax error:
// servers differ on such forms (vsftpd reads a zone on a global IPv6
// address, ProFTPD answers "501 Illegal EPRT command", Pure-FTPd "501
// Syntax error in IP address"), so the written form is the likely
// cause, no refusal of active mode: a note the server's verdict leaves
// out, whose advice is the standard form.
func looseRefused(f *Finding, c *track.Command, r *track.Reply, passiveWorked, worked bool) {
	after := afterRefusal(passiveWorked, worked)
	f.Severity = SeverityInfo
	f.Packets = packets([]uint64{c.Num, r.Num})
	f.Evidence = joinEvidence(fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(c), c.Num, replyText(r), r.Num), after)
	how := fmt.Sprintf("written loosely, not in the form %s gives: servers that accept that form read it as %s, others refuse it", activeRFC(c.Verb), c.Endpoint)
	if _, zone, ok := strings.Cut(c.Arg, "%"); ok && strings.EqualFold(c.Verb, "EPRT") {
		zone, _, _ = strings.Cut(zone, "|")
		how = fmt.Sprintf("written with a zone (%%%s) on an address that is not link-local: vsftpd reads it as %s, ProFTPD and Pure-FTPd refuse it", plainZone(zone), c.Endpoint)
	}
	f.Message = fmt.Sprintf("The server refused the client's %s (it answered %q), %s. Most likely the server does not take the written form: no refusal of active mode.",
		c.Verb, replyText(r), how)
	f.Advice = fmt.Sprintf("Make the client write %s in the standard form (%s), or use passive mode on the client. Nothing to change in the server unless it refuses the standard form too.", c.Verb, standardActive(c))
}

// plainZone is z, an IPv6 zone as the client wrote it, when it is an
// interface name or number of at most 16 characters (Linux's IFNAMSIZ),
// else "interface": wire text is not written out unquoted.
func plainZone(z string) string {
	if z == "" || len(z) > 16 {
		return "interface"
	}
	for _, r := range z {
		if r != '.' && r != '-' && r != '_' && (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return "interface"
		}
	}
	return z
}

// activeRFC names the RFC that defines verb's argument.
func activeRFC(verb string) string {
	if strings.EqualFold(verb, "EPRT") {
		return "RFC 2428"
	}
	return "RFC 959"
}

// standardActive is c's endpoint (a PORT or EPRT) written as its RFC
// writes it: "EPRT |2|2001:db8::2|50010|", "PORT 10,0,0,2,195,80".
func standardActive(c *track.Command) string {
	a, port := c.Endpoint.Addr(), c.Endpoint.Port()
	if strings.EqualFold(c.Verb, "EPRT") {
		af := 1
		if a.Is6() && !a.Is4In6() {
			af = 2
		}
		if !a.IsLinkLocalUnicast() {
			a = a.WithZone("")
		}
		return fmt.Sprintf("EPRT |%d|%s|%d|, %s", af, a.Unmap(), port, activeRFC(c.Verb))
	}
	if !a.Unmap().Is4() {
		return activeRFC(c.Verb)
	}
	b := a.Unmap().As4()
	return fmt.Sprintf("PORT %d,%d,%d,%d,%d,%d, %s", b[0], b[1], b[2], b[3], port>>8, port&0xff, activeRFC(c.Verb))
}

// lprtNotImplemented words active-refused for an LPRT the server does
// not implement (activeRefusals.lprtUnknown): no refusal of active mode,
// so a note the server's verdict leaves out.
func lprtNotImplemented(f *Finding, s *track.Session, c *track.Command, r *track.Reply, passiveWorked, worked bool) {
	after := afterRefusal(passiveWorked, worked)
	f.Severity = SeverityInfo
	f.Packets = packets([]uint64{c.Num, r.Num})
	f.Evidence = joinEvidence(fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(c), c.Num, replyText(r), r.Num), after)
	f.Message = fmt.Sprintf("The server does not implement LPRT (it answered %q): RFC 1639's LPRT is rare (vsftpd, ProFTPD and Pure-FTPd have none), so this is no refusal of active mode.", replyText(r))
	eprt := "EPRT"
	if !s.Server.Addr().Unmap().Is6() {
		eprt = "EPRT or PORT"
	}
	f.Advice = fmt.Sprintf("Nothing to change in the server. Make the client use %s (RFC 2428), which current servers implement (tnftp: epsv6 on), or passive mode.", eprt)
}

// tabRefused words active-refused for a PORT or EPRT whose verb a TAB
// ends, answered 500-502: the server (vsftpd, Pure-FTPd) did not know the
// command as written, which ProFTPD runs. Not active mode turned off:
// the server's verdict leaves it out (serverAcc.countActiveRefused).
func tabRefused(f *Finding, c *track.Command, r *track.Reply, passiveWorked, worked bool) {
	after := afterRefusal(passiveWorked, worked)
	f.Packets = packets([]uint64{c.Num, r.Num})
	f.Evidence = joinEvidence(fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(c), c.Num, replyText(r), r.Num), after)
	f.Message = fmt.Sprintf("The server did not take the client's %s as a command: the client ended the verb with a TAB, not a space. vsftpd and Pure-FTPd read the TAB as part of the verb and answer an unknown command (ProFTPD runs it), so this is no refusal of active mode.", c.Verb)
	f.Advice = fmt.Sprintf("Fix the client to write a space after %s (RFC 959 separates the verb from its argument with a space; a Linux FTP helper, which needs that space too, drops the TAB form), or use passive mode on the client. Nothing to change in the server.", c.Verb)
}

// activeRefusedHere words active-refused for a session whose PORT/EPRT
// the server refused though it accepted one in another session of the
// capture (from the same client address, for a refused address): not
// active mode turned off, nor a NAT in front of the client, but this
// session's or this user's: a per-user configuration (vsftpd's
// user_config_dir file with port_enable=NO, cmds_denied or cmds_allowed
// leaving PORT out; ProFTPD's <Limit PORT EPRT> for a user or group).
func (d *Diagnoser) activeRefusedHere(f *Finding, s *track.Session, c *track.Command, r *track.Reply, kind activeRefusal, verbs string, passiveWorked, worked bool) {
	after := "this session made no data connection"
	switch {
	case passiveWorked:
		after = "the client then used passive mode, which worked"
	case worked:
		after = "the session's other data connections were not active ones"
	}
	user := "this user"
	if s.User != "" {
		user = fmt.Sprintf("user %q", s.User)
	}
	if kind == activeAddrRefused {
		f.Message = fmt.Sprintf("The server refused the address the client named in %s (%q) in this session, though it accepted PORT/EPRT from the same client address %s in another session of this capture: not a NAT in front of the client (that would refuse every session's), but something of this session or %s; %s.",
			c.Verb, replyText(r), s.Client.Addr().Unmap(), user, after)
		f.Advice = "Compare this session's " + verbs + " with the accepted ones (the address and port it names), and look for a per-user setting that refuses it (vsftpd: a user_config_dir file with port_promiscuous or port_enable=NO, cmds_denied); passive mode on the client avoids it."
		return
	}
	f.Message = fmt.Sprintf("The server refused %s for %s in this session (it answered %s with %q), though it accepted PORT/EPRT in another session of this capture: active mode is on in the server, refused for this user or session only; %s.",
		verbs, user, verbs, replyText(r), after)
	f.Advice = "Look for a per-user setting that refuses active mode for this account: vsftpd's user_config_dir file for the user with port_enable=NO, or cmds_denied (or cmds_allowed leaving PORT/EPRT out); ProFTPD a <Limit PORT EPRT> section denying this user or group. Or use passive mode on the client (PASV/EPSV)." + d.family(s).note()
}

// activeVerbs names the verbs of the refused commands (vs, in order,
// once each): "PORT", "EPRT and PORT".
func activeVerbs(vs []string) string {
	if len(vs) <= 1 {
		return strings.Join(vs, "")
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " and " + vs[len(vs)-1]
}

// activeOnAdvice is how to turn active mode on in the server's family, or
// use passive mode; sc is the configuration given, if any.
func activeOnAdvice(fam family, sc *policy.ServerConfig) string {
	passive := "or use passive mode on the client (PASV/EPSV: curl without -P/--ftp-port, ftplib's default set_pasv(True), lftp set ftp:passive-mode on)"
	switch fam.kind {
	case policy.ServerVsftpd:
		a := "vsftpd refuses PORT and EPRT with port_enable=NO: set port_enable=YES in vsftpd.conf and restart vsftpd"
		if sc != nil && sc.Kind == policy.ServerVsftpd && !sc.ActiveEnabled && sc.Path != "" {
			a = fmt.Sprintf("vsftpd refuses PORT and EPRT with port_enable=NO, as %s sets: set port_enable=YES there and restart vsftpd", sc.Path)
		}
		return a + ", " + passive + "." + fam.note()
	case policy.ServerProFTPD:
		return "ProFTPD refuses PORT and EPRT that a <Limit PORT EPRT> (or <Limit DATA>) section denies: remove that DenyAll and reload ProFTPD, " + passive + "." + fam.note()
	case policy.ServerPureFTPd:
		return "Pure-FTPd has no setting that turns active mode off (it refuses it after the client's own EPSV ALL): look for a proxy or filter in front of it that refuses PORT, " + passive + "." + fam.note()
	}
	return "Turn active mode on in the server (vsftpd: port_enable=YES; ProFTPD: remove a <Limit PORT EPRT> that denies them), " + passive + "."
}

// anonymousOn is how the server's family allows anonymous logins, for a
// verdict whose anonymous logins were all refused.
func anonymousOn(fam family) string {
	switch fam.kind {
	case policy.ServerVsftpd:
		return "vsftpd anonymous_enable=YES"
	case policy.ServerProFTPD:
		return "ProFTPD: an <Anonymous ~ftp> section with User ftp and UserAlias anonymous ftp"
	case policy.ServerPureFTPd:
		return "Pure-FTPd: without -E (--noanonymous; NoAnonymous no in pure-ftpd.conf), and an ftp system user"
	case policy.ServerPyftpdlib:
		return "pyftpdlib: authorizer.add_anonymous(dir)"
	case policy.ServerIIS:
		return "IIS: FTP Authentication, Anonymous Authentication enabled"
	}
	return "vsftpd anonymous_enable=YES; ProFTPD an <Anonymous> section; Pure-FTPd without -E/--noanonymous"
}

// afterRefusal says, for the evidence of an active-refused finding, what
// the session did once its PORT or EPRT was refused.
func afterRefusal(passiveWorked, worked bool) string {
	switch {
	case passiveWorked:
		return "the client then used passive mode, which worked"
	case worked:
		return "the session's other data connections were not active ones"
	}
	return "the session made no data connection"
}

// moreActiveRefused is the session's refused active announcements
// (noteActiveRefusal); nil when none.
func (st *sessState) moreActiveRefused() *activeRefusals {
	if st.more == nil {
		return nil
	}
	return st.more.activeRefused
}
