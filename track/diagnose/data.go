package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// dataFindings diagnoses one data connection whose outcome is final, in a
// fixed order: the announcement (range, NAT, bounce), then the outcome.
func (d *Diagnoser) dataFindings(s *track.Session, dc *track.DataConn) []*Finding {
	var out []*Finding
	add := func(f *Finding) {
		if f != nil {
			f.Session, f.Data = s, dc
			out = append(out, f)
		}
	}
	if dc.Via == 0 || !dc.Announced.IsValid() {
		// Inferred (no visible announcement, e.g. under FTPS): only the
		// outcome and the TLS handshake can be judged; control-encrypted
		// counts it. A failed connection to a private address that is not
		// the server's tells what the hidden 227 said.
		nat := d.hiddenPrivateAddress(s, dc)
		add(nat)
		add(d.outcome(s, dc, nat, nil))
		add(d.startMissedFailed(s, dc))
		add(d.tlsNotResumed(s, dc))
		add(d.tlsReset(s, dc))
		add(d.tlsFailed(s, dc))
		d.noteDataTLS(s, dc)
		add(d.tlsRequired(s, dc))
		add(d.dataCleartext(s, dc))
		return out
	}
	// Whether the server had used up its passive range comes first: the
	// range findings and the outcome's advice follow it (a port outside
	// an exhausted range is a fallback, not a misconfiguration, and the
	// fix is a wider range, not the port).
	ex := d.rangeExhaustion(s, dc)
	add(d.portRange(s, dc, ex))
	var nat *Finding
	fxp := d.fxpOf(s, dc)
	switch {
	case dc.Passive && fxp != nil:
		// The endpoint went to the other server: whether that server
		// reaches the address is the question, not whether a client does.
		nat = d.fxpPassiveAddr(s, dc, fxp, d.natPassive(s, dc))
	case dc.Passive:
		nat = d.natPassive(s, dc)
	case fxp != nil:
		// The other server's endpoint, on purpose: no NAT reading, no
		// bounce; its own finding says what became of it.
		nat = d.fxpSender(s, dc, fxp)
	default:
		nat = d.natActive(s, dc.Announced, dc.Via, dc, dc.Announce)
	}
	if nat != nil && nat.Code == CodeNATTranslated {
		// The correct setup: say so once per session and address, not for
		// every announcement.
		st := d.state(s)
		if st.translated == nil {
			st.translated = map[netip.Addr]bool{}
		}
		if st.translated[dc.Announced.Addr()] {
			nat = nil
		}
		st.translated[dc.Announced.Addr()] = true
	}
	add(nat)
	if dc.Passive && fxp == nil {
		add(d.passivePrivilegedPort(s, dc))
	}
	if !dc.Passive && fxp == nil {
		if d.noteBounce(s, dc.Announced, dc.Announce, dc, bounceState(dc)) {
			// A connection to a third host is the bounce, not a firewall
			// fault: its outcome goes into the session's ftp-bounce.
			add(d.epsvAllIgnored(s, dc.Announce, dc))
			return out
		}
		add(d.ownPrivilegedPort(s, dc.Announced, dc.Via, dc.Announce, false))
	}
	onat := nat
	if nat != nil && nat.Code == CodeNATMismatch && !dc.Passive && lanActiveClient(s) {
		// "If a NAT sits between them" (natActiveLAN): the outcome's
		// advice names no NAT router in front of the client.
		onat = nil
	}
	of := d.outcome(s, dc, onat, ex)
	d.crossFamilyOutcome(s, dc, of)
	if fxp != nil {
		of = fxpOutcome(s, dc, fxp, of)
	}
	add(d.notBlind(s, dc, of))
	add(d.tlsNotResumed(s, dc))
	d.noteDataTLS(s, dc)
	add(d.tlsRequired(s, dc))
	add(d.dataCleartext(s, dc))
	add(d.rangeExhausted(s, dc, ex))
	add(d.modeFallback(s, dc))
	add(d.epsvAllIgnored(s, dc.Announce, dc))
	return out
}

// notBlind is f, the data connection's outcome finding, reworded when it
// is a data-not-attempted that blames the capture's vantage for a
// transfer the server reported (the capture cannot see the data path)
// while the capture does hold data connections of this session or of
// this server (dataPathSeen): it sees that path, so what else keeps
// those connections out of it is said instead. One it leaves blaming the
// vantage, the diagnoser holds to the session's end (holdBlind): a data
// connection seen later says the same.
func (d *Diagnoser) notBlind(s *track.Session, dc *track.DataConn, f *Finding) *Finding {
	if !stillBlind(f) {
		return f
	}
	seen, n := d.dataPathSeen(s, dc)
	return seenReworded(f, dc, seen, n)
}

// stillBlind reports whether f is a data-not-attempted that blames the
// capture's vantage.
func stillBlind(f *Finding) bool {
	return f != nil && f.Code == CodeDataNotAttempted && blindText(f.Message)
}

// seenReworded is notBlind's wording of f, dc's blind data-not-attempted,
// given what shows the capture seeing the data path (dataPathSeen): seen,
// a data connection of dc's session the capture holds, or else n, those
// of the server's other sessions. With neither, f is left as it is.
func seenReworded(f *Finding, dc *track.DataConn, seen *track.DataConn, n int) *Finding {
	if seen == nil && n == 0 {
		return f
	}
	what := "a transfer through"
	to := "to it"
	if !dc.Passive {
		what, to = "an active-mode transfer to", "from it"
	}
	held := fmt.Sprintf("%d data connections of this server's other sessions", n)
	if n == 1 {
		held = "a data connection of another session of this server"
	}
	if seen != nil {
		held = fmt.Sprintf("data connection #%d of this session (%s -> %s, %s", seen.ID, seen.Client, seen.Server, seen.Outcome)
		if b := seen.TotalBytes(); b > 0 {
			held += ", " + plural(int(b), "byte", "bytes")
		}
		held += ")"
	}
	f.Message = fmt.Sprintf("The server reported %s %s, but the capture shows no connection %s, though it does hold %s: the capture sees this server's data connections, or some of them. The ones it lacks were lost to it: packets the capture dropped (its drop counts tell), a capture cut or filtered afterwards to keep some connections only, or data connections that take another path than the one captured (ECMP routing or link aggregation spreads connections by their ports, and a capture on one link sees only those that hash to it).",
		what, dc.Announced, to, held)
	f.Advice = "Check the capture's drop counts (tcpdump's \"packets dropped by kernel\", capinfos, a pcapng's interface statistics) and whether the file was filtered after the capture; to see every data connection, capture on the server itself (tcpdump -i any host CLIENT), where every path ends, and compare with the server's transfer log (vsftpd xferlog, ProFTPD TransferLog)."
	return f
}

// maxHeld bounds sessMore.held: the blind findings of one session held
// for a data connection seen later.
const maxHeld = 16

// holdBlind is fs, dc's findings, to report now. A data connection the
// capture saw first releases the session's held findings reworded with
// it (they come first: they concern earlier connections). The blind
// data-not-attempted findings still among fs (notBlind found no seen data
// connection of the session or of the server) are held instead, up to
// maxHeld per session: a data connection of the session seen later (a
// capture cut short at its start, or one that lost some connections)
// proves the capture on the data path after all, and the vantage is not
// to blame. Held findings go out when that connection comes, or at the
// session's end (releaseHeld): so, in every output, later than the data
// connection's own record, just before the session's end record for one
// that never sees such a connection. Past maxHeld they go out at once as
// they are.
func (d *Diagnoser) holdBlind(s *track.Session, dc *track.DataConn, fs []*Finding) []*Finding {
	st := d.state(s)
	if dc.Seen() && st.more != nil && len(st.more.held) > 0 {
		out := make([]*Finding, 0, len(st.more.held)+len(fs))
		for _, f := range st.more.held {
			out = append(out, seenReworded(f, f.Data, dc, 0))
		}
		clear(st.more.held)
		st.more.held = st.more.held[:0]
		fs = append(out, fs...)
	}
	kept := fs[:0]
	for _, f := range fs {
		if !stillBlind(f) || st.more != nil && len(st.more.held) >= maxHeld {
			kept = append(kept, f)
			continue
		}
		m := st.moreState()
		m.held = append(m.held, f)
	}
	return kept
}

// releaseHeld returns s's held findings at its end (holdBlind), each
// judged again: a data connection of the server's other sessions the
// capture saw since rewords it as notBlind does; else it goes as it was.
func (d *Diagnoser) releaseHeld(s *track.Session) []*Finding {
	st := d.sess[s]
	if st == nil || st.more == nil || len(st.more.held) == 0 {
		return nil
	}
	out := st.more.held
	st.more.held = nil
	for i, f := range out {
		out[i] = d.notBlind(s, f.Data, f)
	}
	return out
}

// blindText reports whether a data-not-attempted message blames the
// capture's vantage (notAttempted's "cannot see the data path").
func blindText(msg string) bool {
	return strings.Contains(msg, "The capture cannot see the data path")
}

// dataPathSeen is what shows the capture holding data connections of s's
// server other than dc: the first of s's own it holds, or else
// the count of such connections in the server's earlier sessions (its
// summary's outcomes, which count dc's session's only once reported).
func (d *Diagnoser) dataPathSeen(s *track.Session, dc *track.DataConn) (*track.DataConn, int) {
	for i, x := range s.Data {
		if i >= maxHostLook {
			break
		}
		if x != dc && x.Seen() {
			return x, 0
		}
	}
	a := d.server(s)
	if a == nil || a == d.overflow {
		return nil, 0 // the overflow counts many servers
	}
	n := 0
	for _, o := range []track.Outcome{track.OutcomeTransferred, track.OutcomeConnected, track.OutcomeUnanswered, track.OutcomeRefused, track.OutcomeUnreachable} {
		n += a.outcomes[o]
	}
	// The session's own reported connections are in the counts too:
	// none of them was seen (the loop above), so the rest are others'.
	return nil, n
}

// portRange checks an announced passive port against the policy. ex: the
// server had used up its range (rangeExhaustion), so it left it for a
// fallback port, not for a configuration of its own.
func (d *Diagnoser) portRange(s *track.Session, dc *track.DataConn, ex *exhaustion) *Finding {
	if !dc.Passive || dc.AfterUnsolicited() {
		// (A reply that answered no command is no announcement of the
		// server's to check: hedgeUnsolicited.)
		return nil
	}
	port := dc.Announced.Port()
	pol := d.polOf(s)
	fw := pol.Ranges
	sc := pol.Server
	switch {
	case len(fw) > 0 && fw.Contains(port):
		return nil
	case len(fw) == 0 && (sc == nil || len(sc.PassiveRange) == 0 || sc.PassiveRange.Contains(port)):
		return nil
	}
	// Quoted only now: most announcements raise nothing.
	ann, pk := announcement(dc)
	fam := d.family(s)
	worked := !dc.Outcome.Failed()
	if len(fw) > 0 {
		f := &Finding{Code: CodePortOutsideRange, Severity: SeverityError, TS: dc.Armed, Packets: pk,
			Evidence: joinEvidence(ann, fmt.Sprintf("firewall range %s", fw), "outcome "+dc.Outcome.String())}
		f.Message = fmt.Sprintf("The server announced passive port %d, outside the range %s the firewall is meant to allow.", port, fw)
		if worked {
			f.Severity = SeverityWarning
			f.Message = fmt.Sprintf("The server announced passive port %d, outside the range %s the firewall is meant to allow; it got through here, so the firewall is more open than intended or not on this path.", port, fw)
		}
		f.Advice = fmt.Sprintf("Keep the server inside the firewall range: %s (then restart the server).", fam.rangeSet(mainRange(fw)))
		if ex != nil {
			// It was inside until every port was in use: staying inside
			// takes a wider range, in the server and the firewall.
			f.Advice = "The server left the range only because all of its ports were in use (see passive-range-exhausted): keeping it inside takes a wider range, set in the server and opened in the firewall. "
			if ex.inferred {
				// The firewall's range is not the server's: what it
				// cycled through is what its announcements show.
				f.Advice += fmt.Sprintf("The server's own range is not known here (give --server-config): %d-%d is inferred from its announcements, not read from its configuration. ", ex.lo, ex.hi)
			}
			f.Advice += ex.widenBrief(fam) + "." + fam.note()
			return f
		}
		if sc != nil && len(sc.SwappedRange) > 0 && sc.PassiveRange.Contains(port) && !sc.SwappedRange.Contains(port) {
			// Its range is written with the ends swapped: what it
			// hands out is no range anyone meant to open.
			f.Advice += fmt.Sprintf(" The server hands out %s only because %s writes its passive range with the ends swapped (see its note).", sc.PassiveRange, sc.Path)
		} else if sc != nil && len(sc.PassiveRange) > 0 && sc.PassiveRange.Contains(port) {
			// The server's own range is known: opening it is the other
			// way. A port it picked outside any known range is never
			// offered: the next session picks another.
			open := sc.PassiveRange
			v6 := isV6(dc.Announced)
			host := fam.hostRule(open, v6, linuxOpenRule(open, v6))
			f.Advice = fmt.Sprintf("Keep the server inside the firewall range: %s (then restart the server); or, if %s is what you want, %s.",
				fam.rangeSet(mainRange(fw)), open, outsideOpen(outsidePlace(d.capture, s, dc), open, v6, host))
		} else if sc != nil && len(sc.PassiveRange) > 0 {
			// Outside the configuration's range too: the server that
			// answered does not run it, and setting the firewall's range
			// in that file changes nothing (it may set it already).
			if configSetsRange(sc, policy.Ranges{mainRange(fw)}) {
				f.Advice = fmt.Sprintf("%s sets %s already, the range the firewall allows: the server that answered does not run that configuration. Check that %s is the file the server reads, and restart the server; a second server or a container may answer on port %d instead.",
					sc.Path, sc.PassiveRange, sc.Path, s.Server.Port())
			} else {
				f.Advice = fmt.Sprintf("The server that answered does not run %s: port %d is outside the range %s it sets too. Check which file the server reads; there, keep the server inside the firewall range: %s (then restart the server).",
					sc.Path, port, sc.PassiveRange, fam.rangeSet(mainRange(fw)))
			}
		} else if sc != nil && len(sc.BuiltinRange) > 0 && !sc.BuiltinRange.Contains(port) {
			// No range set, and the server's own choice cannot be this
			// port (vsftpd picks from 5001 up): not this configuration.
			f.Advice = fmt.Sprintf("The server that answered does not run %s: it sets no passive range, so the server picks from %s itself, and port %d is outside that too. Check which file the server reads; there, keep the server inside the firewall range: %s (then restart the server).",
				sc.Path, sc.BuiltinRange, port, fam.rangeSet(mainRange(fw)))
		}
		f.Advice += fam.note()
		return f
	}
	if ex != nil {
		// The configuration is the server's own: it left the range because
		// every port was in use, not because it runs another one.
		return &Finding{Code: CodePortOutsideRange, Severity: SeverityWarning, TS: dc.Armed, Packets: pk,
			Evidence: joinEvidence(ann, fmt.Sprintf("%s configures %s", sc.Path, sc.PassiveRange), "outcome "+dc.Outcome.String()),
			Message:  fmt.Sprintf("The server announced passive port %d, outside the range %s of the configuration given: every port of it was in use (see passive-range-exhausted), so the server fell back to one the kernel chose.", port, sc.PassiveRange),
			Advice:   ex.widenBrief(fam) + "." + fam.note(),
		}
	}
	return &Finding{Code: CodePortOutsideRange, Severity: SeverityWarning, TS: dc.Armed, Packets: pk,
		Evidence: joinEvidence(ann, fmt.Sprintf("%s configures %s", sc.Path, sc.PassiveRange), "outcome "+dc.Outcome.String()),
		Message:  fmt.Sprintf("The server announced passive port %d, outside the range %s of the configuration given: the server that answered does not run that configuration.", port, sc.PassiveRange),
		Advice: fmt.Sprintf("Check that %s is the file the server reads and restart it after a change (%s); a second server or a container may answer on port %d instead.",
			sc.Path, fam.rangeSetIn(mainRange(sc.PassiveRange)), s.Server.Port()),
	}
}

// outsidePlace is where the firewall that is to open the server's own
// range sits, for port-outside-range: a failed data connection places it
// as any other (passivePlace); one that got through shows no firewall
// dropping it, so only what the addresses prove narrows it.
func outsidePlace(c *captureShared, s *track.Session, dc *track.DataConn) place {
	if dc.Outcome.Failed() {
		return passivePlace(c, s, dc)
	}
	p := natBehind(s, dc)
	if !p.nat && noRouterBetween(s) {
		return placeHost
	}
	return p.either()
}

// outsideOpen says where and how to open rs, as a clause "open it ...":
// at p as openAt says, and, where a router in front is named without a NAT
// the packets prove, that a router which forwards (DNATs) ports to the
// server must forward the range too: the packets do not rule it out.
func outsideOpen(p place, rs policy.Ranges, v6 bool, host string) string {
	a := openAt(p, rs, v6, host)
	switch {
	case !p.router:
		return "open it on the server's firewall: " + a
	case p.nat:
		return "open it " + a // on the NAT router, which forwards the range
	case p.host:
		a = "open it: " + a
	default:
		a = "open it " + a
	}
	return a + fmt.Sprintf("; a router that forwards (DNATs) ports to the server must forward %s to it too", rs)
}

// natPassive compares the address in a 227/228 with the address the
// client reaches the server at.
func (d *Diagnoser) natPassive(s *track.Session, dc *track.DataConn) *Finding {
	if dc.Via == ftp.ViaEPSV {
		return nil // EPSV carries no address: nothing to translate
	}
	a := dc.Announced.Addr().Unmap()
	pol := d.polOf(s)
	pub := pol.Public().Unmap()
	var other netip.Addr // --public-address of the other IP version
	if pub.IsValid() && pub.Is4() != a.Is4() {
		// A 227 carries an IPv4 address only (and vsftpd refuses an
		// IPv6 pasv_address): an IPv6 public address is no advice for
		// it, nor an IPv4 one for an IPv6 228.
		other, pub = pub, netip.Addr{}
	}
	// cfgPub: the address the configuration applied to this server sets
	// (no --public-address given). When the server announces another,
	// it does not run that configuration: the announcement is judged as
	// without one, and the advice names the configuration's address
	// (which family.addrSet says is set already).
	var cfgPub netip.Addr
	if !pol.PublicAddress.IsValid() && pol.Server != nil && pub.IsValid() && a != pub {
		cfgPub, pub = pub, netip.Addr{}
	}
	fam := d.family(s)
	f := d.natPassiveFor(s, dc, a, pub, cfgPub, fam)
	if f == nil {
		return nil
	}
	if cfgPub.IsValid() && !strings.Contains(f.Advice, "does not run that configuration") {
		f.Message += fmt.Sprintf(" %s sets %s, though: the server that answered does not run that configuration.", pol.Server.Path, family{kind: fam.kind}.briefly().addrSet(cfgPub.String()))
		f.Advice += fmt.Sprintf(" Before changing %s, check that it is the file the server reads (and restart the server after a change).", pol.Server.Path)
	}
	if other.IsValid() && f.Code == CodeNATMismatch {
		v := "IPv6"
		if a.Is4() {
			v = "IPv4"
		}
		f.Advice += fmt.Sprintf(" (--public-address %s is not advice for this announcement: the reply to %s carries an %s address, which %s is not; EPSV sends no address at all.)", other, dc.Via, v, other)
	}
	return f
}

// natPassiveFor is natPassive judging the announced address a against pub,
// the public address clients should be told (invalid: not known); cfgPub,
// when valid, is the one the configuration sets, which the server does not
// announce: advice names it still.
func (d *Diagnoser) natPassiveFor(s *track.Session, dc *track.DataConn, a, pub, cfgPub netip.Addr, fam family) *Finding {
	j := pasvJudge{d: d, s: s, dc: dc, fam: fam, a: a, srv: s.Server.Addr().Unmap(), cli: s.Client.Addr().Unmap(), pub: pub}
	if pub.IsValid() && !Local(j.srv) && j.srv != pub {
		// A server reached at a public address other than the configured
		// one is another server: the public address is not its.
		j.pub = netip.Addr{}
	}
	j.sugPub = j.pub
	if cfgPub.IsValid() {
		j.sugPub = cfgPub
	}
	j.cls = Classify(a)
	if f := j.routedOnNATBox(); f != nil {
		return f
	}
	j.worked = !dc.Outcome.Failed() || doneUnseen(dc)
	j.viaControl = dc.Match == track.MatchControlAddress && dc.Server.Addr().Unmap() == j.srv
	if j.trustedOtherIPv4() {
		// The client went to the IPv4 address the 227 names and failed:
		// the address is the cause, judged as any other wrong address
		// (mismatch words the advice for the IPv6 session).
		return j.notControlAddress()
	}
	if f := j.crossFamily(); f != nil {
		return f
	}
	if o := dc.Twin; a == j.srv && o != nil && o.Session.Server.Addr().Unmap() != j.srv && o.Announced.Addr().IsValid() &&
		s.SameConnection != nil && s.SameConnection.First {
		return j.clientSideCopy(o)
	}
	if a == j.srv {
		return j.ownAddress()
	}
	return j.notControlAddress()
}

// pasvJudge is what natPassiveFor judges one 227 or 228 by: the address
// it announces, the addresses the control connection shows, the public
// address clients should be told, and what became of the data connection.
type pasvJudge struct {
	d   *Diagnoser
	s   *track.Session
	dc  *track.DataConn
	fam family
	// a: the announced address; srv, cli: the control connection's
	// server and client addresses; cls: a's class.
	a, srv, cli netip.Addr
	cls         AddrClass
	// pub: the public address clients should be told (invalid: not
	// known); sugPub: the one the advice names, pub or the
	// configuration's.
	pub, sugPub netip.Addr
	// worked: the data connection did not fail; viaControl: the client
	// sent it to the control address, not to the announced one.
	worked, viaControl bool
	// oneLAN: the client, the control address and the announced address
	// share one network (SameNet): no NAT between them rewrites the 227,
	// and the advice names none. Set by the case that finds it.
	oneLAN bool
	// unusable: the announced address is one no client can connect to
	// (unusableAddr): the advice names it. Set by the case that finds it.
	unusable bool
}

// crossFamily judges a 227 (an IPv4 address) on an IPv6 control
// connection: the reply cannot carry the address the client reaches the
// server at, so no address setting mends it, and EPSV (RFC 2428) is the
// fix. vsftpd writes 0,0,0,0 there by design (and refuses every PASV
// with "500 OOPS: invalid pasv_address" when that names an IPv6
// address); a server behind NAT64 announces its own IPv4 address, the
// one embedded in the address the client dials (RFC 6052). A note only,
// whatever became of the connection: the outcome's finding says what
// failed, and the verdict must not take the address for one to set.
// nil when the families agree.
func (j *pasvJudge) crossFamily() *Finding {
	s, dc, a, srv := j.s, j.dc, j.a, j.srv
	if !srv.Is6() || !a.Is4() {
		return nil
	}
	var msg string
	switch cf := crossFamilyOf(a, srv); cf {
	case crossUnspecified:
		msg = fmt.Sprintf("The server announces %s over an IPv6 control connection: a 227 carries only an IPv4 address, so it cannot name %s, where the client reaches the server.", a, srv)
		if j.fam.kind == policy.ServerVsftpd {
			msg += " vsftpd writes 0,0,0,0 there by design on IPv6 sessions: no setting makes it name an IPv6 address."
		}
	case crossNAT64:
		msg = fmt.Sprintf("The server announces %s, the IPv4 address embedded in %s, where the client reaches it (RFC 6052): the server's own address, seen through a NAT64 gateway that leaves the 227 as it is. A 227 carries only an IPv4 address, so no server setting can make it name %s.", a, srv, srv)
	default:
		msg = fmt.Sprintf("The server announces %s, an IPv4 address, over an IPv6 control connection (the client reaches it at %s): a 227 carries only an IPv4 address, so a client on IPv6 gets there only if it has IPv4 too and %s is the server's.", a, srv, a)
	}
	switch {
	case j.worked && j.viaControl:
		msg += " This client ignored the announced address and connected to the control connection's, as curl and busybox do."
	case !dc.Seen() && dc.Outcome.Failed():
		msg += " This client made no connection for it (see data-not-attempted)."
	case !j.worked && trustedPublicIPv4(s, dc):
		msg += fmt.Sprintf(" This client connected to %s over IPv4 and failed (see the data connection's finding): if %s is the server's IPv4 address, the IPv4 path to its passive ports is blocked; if it is not, the 227 names another host.", a, a)
	}
	ann, pk := j.quote()
	f := &Finding{Code: CodeNATMismatch, Severity: SeverityInfo, TS: dc.Armed, Evidence: joinEvidence(ann, j.control()), Message: msg}
	if dc.Seen() {
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("client connected to %s (%s match), outcome %s", dc.Server, dc.Match, dc.Outcome))
		pk = append(pk, dc.SYNNum)
	}
	f.Packets = packets(pk)
	f.Advice = crossFamilyAdvice(s, a, j.fam)
	return f
}

// trustedOtherIPv4 reports whether the 227 names, on an IPv6 control
// connection, a private (or otherwise local) IPv4 address that is neither
// 0.0.0.0 nor the one the IPv6 address embeds (crossOther), and the client
// connected to that address as announced, from another network, and
// failed: then the address is why, as over IPv4 (natPassive's usual
// judging), not a note (crossFamily). A public IPv4 address may be the
// server's own, where a firewall is as likely: the note and the outcome's
// finding speak for it.
func (j *pasvJudge) trustedOtherIPv4() bool {
	dc := j.dc
	return j.srv.Is6() && j.a.Is4() && Local(j.a) && crossFamilyOf(j.a, j.srv) == crossOther &&
		!j.worked && dc.Seen() && dc.Server.Addr().Unmap() == j.a && !SameNet(dc.Client.Addr().Unmap(), j.a)
}

// trustedPublicIPv4 reports whether dc, a passive data connection of an
// IPv6 control connection, went over IPv4 to the public IPv4 address its
// 227 names (crossOther, not Local): a dual-stack client that trusted the
// 227. That address may well be the server's own (a dual-stack server
// behind an IPv4 NAT, its passive address set right), so a failure there
// is judged as the same failure of an IPv4 session would be (a firewall
// or a NAT in front that does not forward the ports, its rules for
// IPv4), the address only a hedge (crossFamily's note).
func trustedPublicIPv4(s *track.Session, dc *track.DataConn) bool {
	if !dc.Passive || dc.Via == ftp.ViaEPSV || !dc.Seen() {
		return false
	}
	a, srv := dc.Announced.Addr().Unmap(), s.Server.Addr().Unmap()
	return srv.Is6() && a.Is4() && !Local(a) && crossFamilyOf(a, srv) == crossOther && dc.Server.Addr().Unmap() == a
}

// crossFamilyKind is what an IPv4 address in a 227 is to the IPv6
// address the client reaches the server at (crossFamilyOf).
type crossFamilyKind uint8

const (
	crossOther       crossFamilyKind = iota // another IPv4 address
	crossUnspecified                        // 0.0.0.0: vsftpd's on IPv6
	crossNAT64                              // the IPv4 address the IPv6 one embeds
)

// crossFamilyOf tells what a, an IPv4 address a 227 names, is to srv,
// the IPv6 address the client reaches the server at: the unspecified
// address, the IPv4 address srv embeds as a NAT64 address does (RFC
// 6052: the well-known 64:ff9b::/96 or a network-specific /96 prefix,
// the IPv4 address in its low 32 bits), or another.
func crossFamilyOf(a, srv netip.Addr) crossFamilyKind {
	switch {
	case a.IsUnspecified():
		return crossUnspecified
	case srv.Is6() && !srv.Is4In6():
		b := srv.As16()
		if netip.AddrFrom4([4]byte(b[12:])) == a {
			return crossNAT64
		}
	}
	return crossOther
}

// crossFamilyAdvice is the fix for a 227 on an IPv6 control connection
// (crossFamily): EPSV on the client, and on the server when it refused
// EPSV in the session; no address setting. For another IPv4 address, it
// names the setting only for the IPv4 clients.
func crossFamilyAdvice(s *track.Session, a netip.Addr, fam family) string {
	srv := s.Server.Addr().Unmap()
	other := crossFamilyOf(a, srv) == crossOther
	adv := fmt.Sprintf("Use EPSV on the client over IPv6 (RFC 2428: it carries no address; curl, lftp, ftplib and busybox send it first). No address setting in the server applies: a 227 cannot carry %s", srv)
	if other {
		// (The IPv4 clients' setting follows.)
		adv = fmt.Sprintf("Use EPSV on the client over IPv6 (RFC 2428: it carries no address; curl, lftp, ftplib and busybox send it first): no address setting in the server makes a 227 name %s", srv)
	}
	if fam.kind == policy.ServerVsftpd {
		adv += ", and vsftpd refuses every PASV (\"500 OOPS: invalid pasv_address\") when pasv_address names an IPv6 address"
	}
	adv += "."
	if other {
		if c := Classify(a); Local(a) {
			// (Not "must be the server's public address": it cannot be.)
			adv += fmt.Sprintf(" For IPv4 clients from other networks, the 227 must name the server's public IPv4 address, not %s, %s: set %s.", a, c.Describe(a), fam.addrSet("<public IPv4 address>"))
		} else {
			adv += fmt.Sprintf(" For IPv4 clients, %s must be the server's public IPv4 address.", a)
		}
	}
	return adv + epsvRefusedOverIPv6(s, fam) + fam.note()
}

// epsvRefusedOverIPv6 is the sentence, with a leading space, telling to
// allow EPSV when the session's server refused it (epsvRefusedIn): over
// IPv6 it is the only passive form that works. "" when it did not.
func epsvRefusedOverIPv6(s *track.Session, fam family) string {
	if e := epsvRefusedIn(s); e != nil {
		return fmt.Sprintf(" This server refused EPSV (%q): allow it%s, since over IPv6 it is the only passive form that works.", replyText(e.Final()), epsvAllowWhere(fam))
	}
	return ""
}

// epsvAllowWhere names, with a leading space, where the server's family
// refuses EPSV: "" when it has no setting for it alone.
func epsvAllowWhere(fam family) string {
	switch fam.kind {
	case policy.ServerProFTPD:
		return " (ProFTPD: remove the <Limit EPSV> that denies it, and reload ProFTPD)"
	case policy.ServerPureFTPd:
		return " (Pure-FTPd refuses it when started with -N, --natmode: remove that)"
	case policy.ServerVsftpd:
		return " (vsftpd refuses it with pasv_enable=NO: set pasv_enable=YES)"
	}
	return ""
}

// crossFamilyOutcome rewords f, the outcome finding of dc, a passive data
// connection nobody made for a 227 on an IPv6 control connection
// (crossFamily), whose advice tells to fix the announced address: no
// address the 227 can carry fixes it.
func (d *Diagnoser) crossFamilyOutcome(s *track.Session, dc *track.DataConn, f *Finding) {
	if f == nil || f.Code != CodeDataNotAttempted || !dc.Passive || dc.Via == ftp.ViaEPSV {
		return
	}
	a, srv := dc.Announced.Addr().Unmap(), s.Server.Addr().Unmap()
	if !srv.Is6() || !a.Is4() || !strings.Contains(f.Advice, "nat-mismatch") {
		return
	}
	f.Advice = crossFamilyAdvice(s, a, d.family(s))
}

// quote is the announcement, quoted only for a finding: most raise none.
func (j *pasvJudge) quote() (string, []uint64) { return announcement(j.dc) }

// control is the evidence's line for the control connection.
func (j *pasvJudge) control() string {
	return fmt.Sprintf("control connection %s -> %s", j.s.Client, j.s.Server)
}

// sevFor is a wrong address's severity: an error when the data
// connection failed, a warning when it worked all the same.
func (j *pasvJudge) sevFor() Severity {
	if j.worked {
		return SeverityWarning
	}
	return SeverityError
}

// routedOnNATBox is the note for a capture on the NAT box itself (-i
// any): the client went to the announced address itself, and the box
// routed it there untranslated (both sightings went to the other copy).
// nil when the twin does not show that.
func (j *pasvJudge) routedOnNATBox() *Finding {
	s, dc, a, srv := j.s, j.dc, j.a, j.srv
	o := dc.Twin
	if a == srv || dc.Seen() || o == nil || !o.SYNSeenTwice() || !o.Done || o.Outcome.Failed() || o.Server.Addr().Unmap() != a {
		return nil
	}
	ann, pk := j.quote()
	j.d.noteReached(s, a)
	return &Finding{Code: CodeNATMismatch, Severity: SeverityInfo, TS: dc.Armed, Packets: packets(pk, []uint64{o.SYNNum}), reached: true,
		Evidence: joinEvidence(ann, j.control(), fmt.Sprintf("session %d's data #%d: the client connected to %s, outcome %s", o.Session.ID, o.ID, o.Server, o.Outcome)),
		Message:  fmt.Sprintf("The server announces %s, %s, not the %s clients reach it at; this client connected to %s itself and the box in between routed it there. It works from networks that route to %s; a client anywhere else that trusts the 227 fails.", a, j.cls.Describe(a), srv, a, a),
		Advice:   fmt.Sprintf("If clients from other networks use this server, make it announce the address they reach: %s (restart the server).", j.fam.addrSet(suggestPublic(j.d.capture, s, a, j.sugPub))) + j.fam.note()}
}

// translated is the note for an announcement that is right as seen
// from behind the NAT; why says what the address is.
func (j *pasvJudge) translated(why string) *Finding {
	dc := j.dc
	ann, pk := j.quote()
	ev := joinEvidence(ann, j.control())
	switch {
	case dc.Seen() && gotThrough(dc):
		ev = joinEvidence(ev, fmt.Sprintf("data connection arrived at %s (packet %d)", dc.Server, dc.SYNNum))
		pk = append(pk, dc.SYNNum)
	case dc.Seen():
		// SYNs only, or refused: nothing shows it arrived.
		ev = joinEvidence(ev, fmt.Sprintf("data connection to %s (packet %d), %s", dc.Server, dc.SYNNum, dc.Outcome))
		pk = append(pk, dc.SYNNum)
	}
	return &Finding{Code: CodeNATTranslated, Severity: SeverityInfo, TS: dc.Armed, Packets: packets(pk), Evidence: ev,
		Message: fmt.Sprintf("Seen from behind the NAT: the server, at %s, announces %s, %s; this is the correct setup.", j.srv, j.a, why),
		Advice:  "Nothing to change. Keep the NAT forwarding the passive range to the server and the announced address in step with the public one."}
}

// hairpinDirect is the note for an announcement of the server's own
// address that a client on its network, reaching the control port
// through the router's public address, connected to directly
// (hairpinDirect, seen from the client's side). nil when the server did
// not serve it: the refusal's finding (data-source-nat) says why.
func (j *pasvJudge) hairpinDirect() *Finding {
	dc := j.dc
	if !servedForeign(dc) {
		return nil
	}
	ann, pk := j.quote()
	return &Finding{Code: CodeNATTranslated, Severity: SeverityInfo, TS: dc.Armed, Packets: packets(append(pk, dc.SYNNum)),
		Evidence: joinEvidence(ann, j.control(), fmt.Sprintf("data connection to %s (packet %d), %s", dc.Server, dc.SYNNum, dc.Outcome)),
		Message:  "The server announces its own address, and " + hairpinDirectWhy(j.s, dc, true) + ". It worked because the server accepts a data connection from another address than the control connection's (the router's); a server that checks, as vsftpd does by default, refuses it.",
		Advice:   "Nothing failed here. To keep both connections on one path: " + hairpinDirectFix(j.s, dc, j.fam, true) + "." + j.fam.note()}
}

// uncheckedPublic is the note for a public address announced by a server
// seen at a private one, with no public address given to check it
// against: right as seen from behind the NAT if it is the address the
// NAT translates to the server, which a capture on this side cannot
// tell. A data connection that arrived shows the forward in front
// passes its port, not that the address is right: a client that ignores
// the 227's address arrives the same way. A wrong or stale address
// (pasv_address set by hand, then the provider changed the router's)
// looks the same from here.
func (j *pasvJudge) uncheckedPublic() *Finding {
	dc, a, srv := j.dc, j.a, j.srv
	ann, pk := j.quote()
	ev := joinEvidence(ann, j.control())
	cannot := fmt.Sprintf("Whether %s is the address the NAT translates to it, this capture on the server's side cannot check", a)
	f := &Finding{Code: CodeNATTranslated, Severity: SeverityInfo, TS: dc.Armed}
	check := fmt.Sprintf("%s is the address clients reach the server at (the router's public address, the one the server's name resolves to)", a)
	fix := fmt.Sprintf("if it is not (a stale address in %s, kept after the provider changed the router's), set %s (restart the server)", j.fam.briefly().addrName(), j.fam.addrSet("<public address>"))
	pre, final := transferReplies(dc.Command)
	switch {
	case dc.Seen():
		how := "arrived here translated"
		if !gotThrough(dc) {
			// SYNs only, or refused: they crossed the NAT all the same.
			how = fmt.Sprintf("SYNs arrived here translated (%s: see the outcome's finding)", dc.Outcome)
		}
		ev = joinEvidence(ev, fmt.Sprintf("data connection arrived at %s (packet %d), outcome %s", dc.Server, dc.SYNNum, dc.Outcome))
		pk = append(pk, dc.SYNNum)
		f.Message = fmt.Sprintf("Seen from behind the NAT: the server, at %s, announces %s, a public address, and this client's data connection %s: the NAT in front forwards port %d to the server. %s: a client that ignores the 227's address (curl, lftp and ftplib do so by default) connects to the control connection's address and arrives the same way.",
			srv, a, how, dc.Server.Port(), cannot)
		f.Advice = fmt.Sprintf("Nothing to change if %s; %s: clients that trust the 227 fail.", check, fix) + j.fam.note()
		if to := dc.Server.Addr().Unmap(); to != srv {
			// Forwarded to another address than port 21 (otherhost.go):
			// "to the server" would be false.
			f.Message = fmt.Sprintf("Seen from behind the NAT: the server, at %s, announces %s, a public address, and this client's data connection %s, but at %s, not at the server: the NAT or load balancer in front forwards port %d to another host (or address) than port 21. %s.",
				srv, a, how, to, dc.Server.Port(), cannot)
			f.Advice = fmt.Sprintf("For the address, nothing to change if %s; %s. For the forward to %s, see the outcome's finding.", check, fix, to) + j.fam.note()
			if gotThrough(dc) {
				f.Message = fmt.Sprintf("Seen from behind the NAT: the server, at %s, announces %s, a public address, and this client's data connection %s, at %s, another address than the control connection's: the NAT in front forwards port %d there (the server's other address, or a host that serves its passive ports). %s: a client that ignores the 227's address (curl, lftp and ftplib do so by default) connects to the control connection's address and arrives the same way.",
					srv, a, how, to, dc.Server.Port(), cannot)
				f.Advice = fmt.Sprintf("Nothing to change if %s; %s: clients that trust the 227 fail.", check, fix) + j.fam.note()
			}
		}
	case j.d.transferSaid(j.s, pre, final) == saidMade:
		// The server reported the transfer: a connection came, by a
		// path the capture does not hold.
		f.Message = fmt.Sprintf("Seen from behind the NAT: the server, at %s, announces %s, a public address, and reported the transfer, though this capture holds no connection to it (see data-not-attempted). %s: a client that ignores the 227's address (curl, lftp and ftplib do so by default) connects to the control connection's address and gets through the same way.", srv, a, cannot)
		f.Advice = fmt.Sprintf("Nothing to change if %s; %s: clients that trust the 227 fail.", check, fix) + j.fam.note()
	default:
		f.Message = fmt.Sprintf("Seen from behind the NAT: the server, at %s, announces %s, a public address for the NAT in front to translate to it, and no connection to it arrived here (see data-not-attempted). %s: a wrong or stale one sends the clients that trust the 227 elsewhere.", srv, a, cannot)
		f.Advice = fmt.Sprintf("Check that %s: %s; if it is, see data-not-attempted.", check, fix) + j.fam.note()
	}
	f.Evidence, f.Packets = ev, packets(pk)
	return f
}

// uncheckedAnnounced reports whether dc's announced address is one a
// capture on the server's side cannot check (uncheckedPublic): public,
// not the private control address, with no public address given.
func (d *Diagnoser) uncheckedAnnounced(s *track.Session, dc *track.DataConn) bool {
	a, srv, cli := dc.Announced.Addr().Unmap(), s.Server.Addr().Unmap(), s.Client.Addr().Unmap()
	if !dc.Passive || dc.Via == ftp.ViaEPSV || a == srv || Local(a) || !Local(srv) || SameNet(cli, srv) || unusableAddr(Classify(a)) || noHostAddr(a) {
		return false
	}
	return !d.polOf(s).Public().IsValid()
}

// forwardShown is what shows the forward in front of a server behind a
// NAT passing passive data connections, for dc, a passive endpoint
// nobody connected to: own, an earlier data connection of dc's session
// to the same announced address that arrived; else the ports of data
// connections of clients from outside (kindPublic) that arrived at the
// server, in other sessions (worked; n of them).
func (d *Diagnoser) forwardShown(s *track.Session, dc *track.DataConn) (own *track.DataConn, ports *workedPorts, n int) {
	srv := s.Server.Addr().Unmap()
	for i, x := range s.Data {
		if i >= maxHostLook || x == dc {
			break
		}
		if x.Passive && gotThrough(x) && x.Server.Addr().Unmap() == srv && x.Announced.Addr() == dc.Announced.Addr() {
			own = x
		}
	}
	if own != nil {
		return own, nil, 0
	}
	a := d.server(s)
	if a == nil || a == d.overflow {
		return nil, nil, 0 // the overflow counts many servers
	}
	w := &a.passiveClients.worked[kindPublic]
	return nil, &w.ports, w.n
}

// portsSaid says the ports of n data connections: "port 40079", "ports
// 40021, 40031 and 40045", "ports between 40021 and 40095".
func portsSaid(w *workedPorts, n int) string {
	lo, hi, ok := w.bounds()
	if w.set != nil {
		return fmt.Sprintf("ports between %d and %d", lo, hi)
	}
	ports := w.list
	switch {
	case !ok:
		return plural(n, "data connection", "data connections")
	case len(ports) == 1:
		return fmt.Sprintf("port %d", ports[0])
	case len(ports) <= 3:
		s := make([]string, len(ports))
		for i, p := range ports {
			s[i] = fmt.Sprint(p)
		}
		return "ports " + strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
	}
	return fmt.Sprintf("ports between %d and %d", ports[0], ports[len(ports)-1])
}

// mismatch is the nat-mismatch finding of severity sev saying msg, with
// the advice to announce the address clients reach, and what this
// client's own data connection shows.
func (j *pasvJudge) mismatch(sev Severity, msg string) *Finding {
	s, dc, a, srv, fam := j.s, j.dc, j.a, j.srv, j.fam
	suggest := suggestPublic(j.d.capture, s, a, j.sugPub)
	helper := "; or, if a Linux NAT sits in front of it, attach the FTP helper there so nf_nat_ftp rewrites the 227 (this does not work under FTPS)."
	routed := j.oneLAN && routedOnLAN(s)
	switch {
	case routed:
		// (The TTLs show a router: no "own network, no NAT".)
		helper = fmt.Sprintf(", and, since the client reaches %s on its own network (%s) but the server's segments come through a router (their TTL lowered on the way), most likely that is the router's own address, forwarding port 21 to the server behind it: forward the passive range to the server on that router too (one that forwards port 21 only answers the passive ports itself, with an RST from %s); or leave the address unset and attach the FTP helper on that router, whose nf_nat_ftp then rewrites the server's own address in the 227 to %s and lets each data connection through (not under FTPS).",
			srv, guessedNet(j.cli), srv, srv)
	case j.oneLAN:
		helper = fmt.Sprintf(": the client reaches the server on its own network (%s), where no NAT rewrites the 227.", guessedNet(j.cli))
	}
	ann, pk := j.quote()
	f := &Finding{Code: CodeNATMismatch, Severity: sev, TS: dc.Armed, Evidence: joinEvidence(ann, j.control()), routedLAN: routed}
	if dc.Seen() {
		who := "client"
		if strangerData(s, dc) {
			// Matched by the port alone from another address: what
			// connected, not who.
			who = fmt.Sprintf("%s, not the client,", dc.Client.Addr().Unmap())
		}
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("%s connected to %s (%s match), outcome %s", who, dc.Server, dc.Match, dc.Outcome))
		pk = append(pk, dc.SYNNum)
	}
	f.Packets = packets(pk)
	f.Message = msg
	instead := ""
	if j.unusable {
		// The Linux helper records and rewrites only a 227 that names
		// the address its packet comes from: it leaves this one alone.
		instead = fmt.Sprintf(", not %s", a)
		helper = fmt.Sprintf(".%s A Linux NAT's FTP helper does not mend it: nf_nat_ftp rewrites only a 227 that names the server's own address.", unusableCause(a, j.cls, fam))
	}
	restart := " (restart the server)"
	if fam.noAddr() {
		restart = "" // (no setting to restart it for)
	}
	cross := srv.Is6() && a.Is4()
	if cross {
		// A NAT's FTP helper for IPv4 never sees this 227: it crosses
		// the IPv6 control connection.
		helper = "."
	}
	f.Advice = fmt.Sprintf("Make the server announce the address clients reach it at%s: %s%s%s%s",
		instead, fam.addrSet(suggest), restart, helper, epsvWay(s, fam, " Using EPSV avoids the address altogether.")) + fam.note()
	if cross {
		// A 227 carries only IPv4 (trustedOtherIPv4): EPSV is the way
		// over IPv6, and the IPv4 address is for the clients that use it.
		f.Advice = fmt.Sprintf("Use EPSV on the client over IPv6 (RFC 2428: it carries no address; curl, lftp, ftplib and busybox send it first): a 227 cannot carry %s. For the clients that use the 227's address, make the server announce its public IPv4 address%s: set %s%s.%s",
			srv, instead, fam.addrSet(suggest), restart, epsvRefusedOverIPv6(s, fam)) + fam.note()
	}
	if fam.setsAddr(suggest) {
		// The configuration given sets that address: the server
		// announcing another does not run it.
		f.Advice = fmt.Sprintf("%s sets %s already, and the server announced %s: the server that answered does not run that configuration. Check that it is the file the server reads, and restart the server (a second server or a container may answer on port %d instead)%s%s",
			fam.cfg.Path, family{kind: fam.kind}.briefly().addrSet(suggest), a, s.Server.Port(), helper, epsvWay(s, fam, " Using EPSV avoids the address altogether.")) + fam.note()
	}
	if j.worked && j.viaControl {
		f.Message += " It works only because the client ignored the announced address and used the control connection's (curl, lftp and ftplib do so by default); a client that trusts the 227 fails."
	}
	if !j.worked && j.viaControl && dc.Seen() {
		// The client's SYNs went to the control address, not to
		// the announced one: what stopped them is a firewall or
		// the path, which the outcome's finding names. The
		// address is a fault still, for the clients that trust it.
		f.Severity = min(f.Severity, SeverityWarning)
		f.Message += fmt.Sprintf(" This client ignored it and sent its data connection to the control address %s, so the address is not why that connection failed (%s: see the outcome's finding); a client that trusts the 227 cannot reach %s at all.", srv, dc.Outcome, a)
	}
	// Only a failure whose SYNs did not go to the control address
	// (they went to the announced one, or none was seen) is the
	// address's doing.
	f.caused = f.Severity >= SeverityWarning && !j.worked && !(dc.Seen() && dc.Server.Addr().Unmap() == srv)
	return f
}

// unusableAddr tells the classes of address no client can connect to
// when a server announces one: the unspecified address, loopback and
// link-local.
func unusableAddr(c AddrClass) bool {
	return c == ClassUnspecified || c == ClassLoopback || c == ClassLinkLocal
}

// unusableCause is the sentence, with a leading space, on where a server
// takes the unusable address a (of class c) from; empty for a link-local
// one. vsftpd, ProFTPD, Pure-FTPd and pyftpdlib announce the address the
// control connection arrived at when their passive address setting is
// unset (the lab's pasv-zero captures got 0.0.0.0 from the setting
// alone), so for them 0.0.0.0 is the setting's doing and where the server
// listens is not: advice to change that would mislead. Only for another
// server is listening on all addresses offered, hedged, as a source.
func unusableCause(a netip.Addr, c AddrClass, fam family) string {
	setting := fam.briefly().addrName()
	switch c {
	case ClassUnspecified:
		if fam.noPassive {
			// GNU inetutils ftpd announces the control connection's
			// own address and has no setting to name.
			return ""
		}
		switch fam.kind {
		case policy.ServerVsftpd, policy.ServerProFTPD, policy.ServerPureFTPd, policy.ServerPyftpdlib:
			return fmt.Sprintf(" %s comes from %s: with it unset, %s announces the address the control connection arrived at, never %s.", a, setting, fam.kind.Product(), a)
		}
		return fmt.Sprintf(" %s most likely comes from %s; a server that, with it unset, announces the address it listens on announces %s when it listens on all of its addresses, which is no fault: set %s rather than change where it listens.", a, setting, a, setting)
	case ClassLoopback:
		return fmt.Sprintf(" %s comes from %s (or a host name set there that resolves to it, as the host's own name often does in /etc/hosts), or, where that is unset, from %s.", a, setting, unusableSource(c))
	}
	return ""
}

// unusableSource says where a server that announces the unspecified or a
// loopback address (class c) with no passive address set takes it from,
// for any family (it follows "or, where that is unset, from").
func unusableSource(c AddrClass) string {
	if c == ClassLoopback {
		return "the address the control connection arrived at on the server (a proxy or port forward on the server's host that passes clients on to it over loopback)"
	}
	return "the address the server listens on (all of its addresses), in a server that announces that one (vsftpd, ProFTPD, Pure-FTPd and pyftpdlib announce the address the control connection arrived at instead, so for them the setting is the cause)"
}

// clientSideCopy judges the server's own address when the same 227 was
// seen on the client's side of the NAT, in this capture (a NAT router,
// -i any): what the client received is known, and that copy's own
// finding speaks for it.
func (j *pasvJudge) clientSideCopy(o *track.DataConn) *Finding {
	a := j.a
	where := fmt.Sprintf("session %d, this connection on the client's side", o.Session.ID)
	if ta := o.Announced.Addr().Unmap(); ta != a {
		ann, pk := j.quote()
		return rewrittenOnTheWay(j.fam, Rewrite{Server: j.s.Server, From: a, To: ta, Where: where}, joinEvidence(ann, j.control()), j.dc, pk)
	}
	f := j.mismatch(SeverityInfo, fmt.Sprintf("The server announces its own address %s, %s, and the 227 crosses the NAT unchanged: session %d, this connection on the client's side, shows the client receiving %s.", a, j.cls.Describe(a), o.Session.ID, a))
	f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("%s saw the same 227", where))
	f.Advice = fmt.Sprintf("See session %d's findings: what the unchanged address cost the client there, and what to change.", o.Session.ID)
	// The client's copy failed because of the address (its SYNs went
	// to it, not to the control address): this copy's server is the
	// same server, and its verdict the same fault.
	// (The copy's outcome may still be open: its SYNs are what
	// count.)
	f.caused = !j.worked && o.Seen() && !gotThrough(o) && o.Server.Addr().Unmap() != o.Session.Server.Addr().Unmap()
	return f
}

// ownAddress judges a server that announces the control address the
// client reached: right unless clients are told another (pub), or the
// address is private and the client is elsewhere.
func (j *pasvJudge) ownAddress() *Finding {
	s, dc, a, cli, pub := j.s, j.dc, j.a, j.cli, j.pub
	if rw, ok := j.d.rewriteOf(s.Server, a); ok && rw.To != a {
		ann, pk := j.quote()
		return rewrittenOnTheWay(j.fam, rw, joinEvidence(ann, j.control()), dc, pk)
	}
	// arrived: the client's data connection went to the announced
	// address, which is the control address it reached: whatever
	// became of it, the address led it to the server.
	arrived := dc.Seen() && dc.Server.Addr().Unmap() == a
	if arrived && Local(cli) && !pub.IsValid() {
		return j.arrivedFromPrivateNet()
	}
	if arrived && Local(a) && !pub.IsValid() {
		return j.arrivedThroughNAT()
	}
	if j.d.wasReached(s, a) || !pub.IsValid() && Local(a) && sentTo(s, dc, a) {
		// This client reached the address earlier in the session, or
		// sent other data connections' SYNs to it (they failed, and
		// it gave up or fell back): the address is not why this
		// endpoint was not used.
		return nil
	}
	return j.ownAddressUnused()
}

// arrivedFromPrivateNet judges a private client on another network
// whose data connection reached the server's own private address as
// announced: a routed network (a corporate LAN) or a DNAT seen from
// inside look the same. A failure is the firewall's (the outcome's
// finding): nothing said here. A connection that worked exactly as
// announced gets a note that says both readings, since behind a DNAT
// the clients that trust the 227 fail; the note displaces no verdict
// (only a warning or an error does).
func (j *pasvJudge) arrivedFromPrivateNet() *Finding {
	s, dc, a, cli := j.s, j.dc, j.a, j.cli
	if !gotThrough(dc) || dc.Match != track.MatchExact || !Local(a) || SameNet(a, cli) {
		return nil
	}
	if atOpener(dc) {
		// The handshake shows the capture where the client is:
		// the control address is the one it dialed, and the 227
		// names it. Nothing to say.
		return nil
	}
	// Otherwise the handshake does not tell the capture's side
	// (a slow server beside it, or a path too short to time):
	// the note, the one warning that clients trusting the 227
	// fail behind a DNAT, says every reading.
	f := j.mismatch(SeverityInfo, fmt.Sprintf("The server announces its own address %s, %s, to client %s from another private network, and the client's data connection arrived at exactly that address and port. Either that network is routed to the server's, or this capture was taken where the client is (then %s is the address it dialed, and nothing is wrong), or a NAT in between forwards the client to the server (a DNAT: then its FTP helper rewrote the 227, or the client ignored the address, and clients that trust it fail); this capture cannot tell which.", a, j.cls.Describe(a), cli, a))
	f.Advice = fmt.Sprintf("Find out how %s reaches the server: routed, or dialing %s itself, change nothing. Through a DNAT of another address, look at the 227 on the client's side (ftpsniff read --vantage client=FILE --vantage server=FILE compares both): rewritten to the address the client connects to, change nothing (and do not set %s, which stops the helper); unchanged, set %s (restart the server), or attach the FTP helper on the NAT router.",
		cli, a, j.fam.briefly().addrName(), j.fam.addrSet(suggestPublic(j.d.capture, s, a, j.sugPub))) + j.fam.note()
	f.routedOrNAT = true
	return f
}

// arrivedThroughNAT judges a public client whose data connection reached
// the server's private address as announced: a NAT in between is proven.
// From the server's side its FTP helper is invisible: the 227 leaves as
// sent and the client's answer arrives as announced whether the helper
// rewrote the 227 or the client ignored its address. The advice must
// hold in both cases: pasv_address would break the helper, so it is only
// the fix when nothing rewrites.
func (j *pasvJudge) arrivedThroughNAT() *Finding {
	s, dc, a := j.s, j.dc, j.a
	conn := "the client's data connection"
	if strangerData(s, dc) {
		if strangerOnce(s, dc) && j.d.strangerOwned(s, dc) == "" {
			return j.strangerArrived()
		}
		conn = fmt.Sprintf("the client's data connection, from %s (another address than its control connection's: matched by the announced port alone),", dc.Client.Addr().Unmap())
	}
	msg := fmt.Sprintf("The server announces its own address %s, %s, to client %s from another network, and %s arrived at exactly that address and port: the box in between forwards it. Whether that box's FTP helper rewrites the 227 on its way out or the client ignored the address, this capture on the server's side cannot show.", a, j.cls.Describe(a), j.cli, conn)
	if !j.worked {
		msg += fmt.Sprintf(" The address is not why this data connection failed (%s): it arrived; see the outcome's finding.", dc.Outcome)
	}
	f := j.mismatch(SeverityInfo, msg)
	f.Advice = fmt.Sprintf("Look at the 227 on the client's side (capture there too; ftpsniff read --vantage client=FILE --vantage server=FILE compares both). If it arrives rewritten to the public address, an FTP helper translates it: change nothing, and do not set %s (the Linux helper only rewrites a 227 that names the server's own address). If it arrives unchanged, clients that trust it fail: set %s (restart the server), or attach the FTP helper on the NAT router.",
		j.fam.briefly().addrName(), j.fam.addrSet(suggestPublic(j.d.capture, s, a, j.sugPub))) + j.fam.note()
	if j.worked {
		f.reached = true
		j.d.noteReached(s, a)
	}
	return f
}

// ownAddressUnused judges the server's own address that the client's
// data connection did not go to: wrong when clients must be told
// another, and, for a private address, named for what the capture can
// and cannot see of a NAT between.
func (j *pasvJudge) ownAddressUnused() *Finding {
	a, cli, pub, cls := j.a, j.cli, j.pub, j.cls
	switch {
	case pub.IsValid() && a != pub && !(Local(a) && Local(cli) && SameNet(a, cli)):
		return j.mismatch(j.sevFor(), fmt.Sprintf("The server announces %s (%s), the address it has on this side of the NAT, but clients must be told %s: the same fault seen from the server's side.", a, cls.Describe(a), pub))
	case pub.IsValid():
		return nil
	case Local(a) && !Local(cli):
		// Seen from the server's side of its NAT, the capture cannot
		// tell whether a router with the FTP helper rewrites the 227 on
		// its way out: say what the packets show, and what follows
		// without such a router.
		msg := fmt.Sprintf("The server announces its own address %s, %s, to client %s, which comes from outside that network. This capture, on the server's side, cannot see whether a NAT router with the FTP helper rewrites the 227 on its way out; without one, clients that trust the 227 are sent to an address they cannot reach.", a, cls.Describe(a), cli)
		if !scanForwarded(j.s, j.dc) {
			return j.mismatch(j.sevFor(), msg)
		}
		// Not the client's, but it shows what lies in front.
		msg += " The client's own data connection never came here, though " + scannedText(j.dc) + ": a client that ignored the address would most likely have arrived the same way."
		f := j.mismatch(j.sevFor(), msg)
		withScanned(f, j.dc)
		return f
	case Local(a) && Local(cli) && !SameNet(a, cli):
		// No SYN of this client to the address was seen: a routed
		// private network (or IPv6 ULAs) whose firewall drops them
		// before the capture point looks the same as a NAT seen from
		// inside whose client trusted the 227, so the message says
		// "if", and a failure is at most a warning: the address is
		// the one the client reached the control connection at, and
		// nothing on the wire shows a NAT (a capture that started
		// late or lost packets shows a client that gave up the same
		// way).
		sev := SeverityInfo
		if !j.worked {
			sev = SeverityWarning
		}
		f := j.mismatch(sev, fmt.Sprintf("The server announces its own address %s, %s, to client %s on another network: if a NAT sits between them, clients that trust the 227 cannot reach that address.", a, cls.Describe(a), cli))
		f.caused = false // "if": no failure is proven the address's (unprovenNAT)
		return f
	}
	return nil
}

// notControlAddress judges an announced address that is not the one the
// client reached the server at.
func (j *pasvJudge) notControlAddress() *Finding {
	s, dc, a, srv, pub, cls := j.s, j.dc, j.a, j.srv, j.pub, j.cls
	if f, ok := j.d.natPassiveLAN(s, dc, a, pub, j.fam, j.quote); ok {
		// A public address to a client on the server's own network:
		// right for outside clients, and only the router's NAT
		// loopback brings this one back.
		return f
	}
	exact := dc.Match == track.MatchExact && dc.Server.Addr().Unmap() == a && gotThrough(dc)
	switch {
	case pub.IsValid() && a == pub:
		return j.translated("its public address (as configured)")
	case unusableAddr(cls) || noHostAddr(a):
		// Only the clients that trust the address fail: one that ignored
		// it and got through makes this announcement a warning, as any
		// other wrong address that worked (sevFor). The fix names the
		// address, so that a second unusable one in the session (0.0.0.0,
		// then 127.0.0.1) is written out, not taken for a repeat.
		j.unusable = true
		return j.mismatch(j.sevFor(), fmt.Sprintf("The server announces %s, %s, which no client can connect to; it is seen at %s.", a, describeTarget(a), srv))
	case pub.IsValid():
		return j.mismatch(j.sevFor(), fmt.Sprintf("The server announces %s (%s), not the public address %s clients should be told; it is seen at %s.", a, cls.Describe(a), pub, srv))
	case Local(a) && !Local(srv):
		return j.mismatch(j.sevFor(), fmt.Sprintf("The server announces %s, %s, but the client reaches it at %s: a server behind NAT without its public address configured.", a, cls.Describe(a), srv))
	case Local(a) && Local(srv):
		return j.privateElsewhere(exact)
	case !Local(a) && Local(srv):
		return j.uncheckedPublic()
	}
	if !Local(a) && exact {
		// A public address the client reached exactly as announced: the
		// server's own other address, not a fault. Only clients that
		// ignore the 227's address land elsewhere: at the control address.
		return otherAddress(s, dc, a, srv, cls, j.fam, j.mismatch)
	}
	return j.mismatch(SeverityWarning, fmt.Sprintf("The server announces %s, a third host: the client reaches it at %s (a multi-homed server, or a wrong address in %s).", a, srv, j.fam.addrNameIn()))
}

// privateElsewhere judges a private announced address other than the
// private control address: translated when it is on the client's
// network and not the server's, the server's other address when the
// client reached it as announced (exact), else wrong.
func (j *pasvJudge) privateElsewhere(exact bool) *Finding {
	s, dc, a, srv, cli, cls := j.s, j.dc, j.a, j.srv, j.cli, j.cls
	if clientSide, ok := hairpinDirect(s, dc); ok && clientSide {
		// Not seen from behind a NAT: the client reached the announced
		// address itself, nearer than the control address (the TTLs),
		// a hairpin NAT of the control connection only.
		return j.hairpinDirect()
	}
	if SameNet(a, cli) && !SameNet(a, srv) {
		return j.translated(fmt.Sprintf("the address on the client's network (%s) that is translated to it", a))
	}
	if exact {
		// Reached exactly as announced, and it worked: the address
		// leads to the server from the client's network, whatever
		// the control connection crossed.
		return otherAddress(s, dc, a, srv, cls, j.fam, j.mismatch)
	}
	if answeredAt(s, dc, a) {
		// Another data connection of the session reached a as
		// announced and got through: the address leads to the
		// server's listener (that one's note said so); this one's
		// failure is its port's, the outcome's finding.
		return nil
	}
	if resetByAnnounced(dc, a) && SameNet(a, srv) {
		// (On the server's own network: no NAT's outside address,
		// whose router answers ports it does not forward with an RST
		// of its own, as one elsewhere may be.)
		return j.resetThere()
	}
	if SameNet(a, cli) {
		// (Not translated: the control address shares that
		// network too.) An address of the client's own network
		// that is not the server's: a client that trusts the 227
		// goes to another host there, or to none.
		j.oneLAN = SameNet(cli, srv)
		return j.mismatch(j.sevFor(), fmt.Sprintf("The server announces %s, %s, but the client reaches it at %s: %s is another address of the client's own network (the same %s as %s), not the control connection's, so a client that trusts the 227 goes to whichever host there has it, or to none.", a, cls.Describe(a), srv, a, netBits(cli), cli))
	}
	// (An address on neither side's network, and nothing on the wire
	// that shows it is another box's (lanOutside): the server's own,
	// as in the common server behind a NAT. A NAT's outside address
	// set on purpose looks the same from the addresses; only the
	// hop count of the server's packets, not read here, would tell.)
	return j.mismatch(j.sevFor(), fmt.Sprintf("The server announces %s, %s, but the client reaches it at %s: the announced address belongs to a network the client is not on.", a, cls.Describe(a), srv))
}

// resetByAnnounced tells whether the client's SYN went to a, the
// announced address, as announced, and an RST from a answered it: a
// itself, nothing listening on the port there, or a firewall rejecting it
// with tcp-reset in its name.
func resetByAnnounced(dc *track.DataConn, a netip.Addr) bool {
	return dc.Match == track.MatchExact && dc.Server.Addr().Unmap() == a && dc.Outcome == track.OutcomeRefused &&
		dc.RSTFromServer && dc.ICMP == nil
}

// answeredAt tells whether a data connection of s other than dc went to
// a, the address announced for it, as announced (an exact match of an
// announcement of a) and got through: a is right, whatever became of dc.
// s.Data is bounded by the tracker (MaxDataPerSession); read once per
// data connection privateElsewhere judges past the cases that need it
// not.
func answeredAt(s *track.Session, dc *track.DataConn, a netip.Addr) bool {
	for _, x := range s.Data {
		if x != dc && x.Announced.Addr().Unmap() == a && reachedAsAnnounced(x) {
			return true
		}
	}
	return false
}

// reachedAsAnnounced tells whether x is a passive data connection that
// went to the address its announcement named, as named (an exact match),
// and got through.
func reachedAsAnnounced(x *track.DataConn) bool {
	return x.Passive && x.Match == track.MatchExact && x.Server.Addr().Unmap() == x.Announced.Addr().Unmap() && gotThrough(x)
}

// resetThere is the finding for an announced address other than the
// control address that the client reached and that answered with a reset
// (resetByAnnounced): not an address clients cannot reach, so no NAT
// forward of the range mends it (caused is false: the verdict does not
// say so); the 227 names another host than the server, or a port the
// server does not listen on.
func (j *pasvJudge) resetThere() *Finding {
	a, srv, fam := j.a, j.srv, j.fam
	port := j.dc.Server.Port()
	f := j.mismatch(SeverityWarning, fmt.Sprintf("The server announces %s, %s, not the control address %s, on the server's own network, and the client's SYN to port %d there was answered by a reset from %s: nothing listens on that port at it (unless a firewall rejects it with tcp-reset in its name), not an address the client cannot reach: the 227 names another host than the server, or a port the server does not listen on.",
		a, j.cls.Describe(a), srv, port, a))
	restart := " (restart the server)"
	if fam.noAddr() {
		restart = ""
	}
	f.Advice = fmt.Sprintf("Make the server announce its own address: %s%s. If %s is another address of the server's own, its passive listener was not there: another server or container answers at that address. Nothing needs forwarding to it: the client reached it.",
		fam.addrSet(srv.String()), restart, a) + fam.note()
	f.caused, f.resetThere = false, true
	return f
}

// epsvWay is the advice's sentence on EPSV, which carries no address:
// the way around a wrong 227 address, unless the session's server refused
// it (epsvRefusedIn), where epsv-pasv-fallback tells the client to use
// PASV.
func epsvWay(s *track.Session, fam family, usual string) string {
	if u := unlistedOf(fam); u != nil && !u.epsv {
		return "" // (a server without EPSV: Twisted's)
	}
	if e := epsvRefusedIn(s); e != nil {
		return fmt.Sprintf(" EPSV would avoid the address altogether, but this server refused it (%q).", replyText(e.Final()))
	}
	return usual
}

// epsvRefusedIn is the session's latest EPSV (without an argument, or
// EPSV ALL) the server refused as a command it does not implement (500,
// 502; 501 or 504 to a bare EPSV), when no EPSV of the session was
// accepted; nil otherwise. A 522 (another network protocol) or a 530 (not
// logged in) is no refusal of EPSV itself. The tracker keeps the EPSVs
// of a session (track.lookedBackAt).
func epsvRefusedIn(s *track.Session) *track.Command {
	var refused *track.Command
	for _, x := range s.Commands {
		if x.Verb != "EPSV" {
			continue
		}
		r := x.Final()
		if r == nil {
			continue
		}
		switch {
		case r.Code/100 == 2:
			return nil
		case epsvNotImplemented(x):
			refused = x
		}
	}
	return refused
}

// epsvNotImplemented reports whether x, an EPSV without an argument or
// EPSV ALL, was refused as a command the server does not implement: 500
// or 502, or 501 or 504 to a bare EPSV.
func epsvNotImplemented(x *track.Command) bool {
	r := x.Final()
	if x.Verb != "EPSV" || r == nil {
		return false
	}
	arg := strings.TrimSpace(x.Arg)
	if arg != "" && !strings.EqualFold(arg, "ALL") {
		return false
	}
	return r.Code == 500 || r.Code == 502 || (r.Code == 501 || r.Code == 504) && arg == ""
}

// netBits names the network SameNet takes a to be on: "/24" (IPv4) or
// "/64" (IPv6).
func netBits(a netip.Addr) string { return fmt.Sprintf("/%d", guessedNet(a).Bits()) }

// otherAddress is the note for an announced address other than the
// control address that the client reached exactly as announced, and that
// worked: the server's own other address (multi-homed, or a separate data
// address), not a fault. Only clients that ignore the 227's address land
// elsewhere: at the control address.
func otherAddress(s *track.Session, dc *track.DataConn, a, srv netip.Addr, cls AddrClass, fam family, mismatch func(Severity, string) *Finding) *Finding {
	f := mismatch(SeverityInfo, fmt.Sprintf("The server announces %s, %s other than the control address %s, and this client reached it there: a multi-homed server, or one with a separate data address. Clients that ignore the address in the 227 (curl since 7.74 by default, Python's ftplib) connect to %s instead.", a, cls.Describe(a), srv, srv))
	f.Advice = fmt.Sprintf("Nothing to change for clients that use the announced address. For those that ignore it, the passive ports must answer at %s too; or make the server announce the control address: %s.", srv, fam.addrSet(srv.String())) + fam.note()
	return f
}

// maxReached bounds sessMore.reached.
const maxReached = 8

// noteReached records that s's client reached a, one of the server's own
// private addresses, as announced (sessMore.reached).
func (d *Diagnoser) noteReached(s *track.Session, a netip.Addr) {
	st := d.state(s)
	if st.more != nil && (len(st.more.reached) >= maxReached || slices.Contains(st.more.reached, a)) {
		return
	}
	m := st.moreState()
	m.reached = append(m.reached, a)
}

// wasReached reports whether noteReached recorded a for s.
func (d *Diagnoser) wasReached(s *track.Session, a netip.Addr) bool {
	st := d.state(s)
	return st.more != nil && slices.Contains(st.more.reached, a)
}

// sentTo reports whether the session's client sent the SYNs of a data
// connection other than dc to a: it uses that address for its data
// connections, so a later endpoint at it that it never used is not the
// address's fault. s.Data is bounded by the tracker (MaxDataPerSession),
// and this is read only for an endpoint nobody connected to.
func sentTo(s *track.Session, dc *track.DataConn, a netip.Addr) bool {
	cli := s.Client.Addr().Unmap()
	for _, x := range s.Data {
		if x != dc && x.Seen() && x.Server.Addr().Unmap() == a && x.Client.Addr().Unmap() == cli {
			return true
		}
	}
	return false
}

// unprovenNAT: f is a passive nat-mismatch of a client on another
// private network that the capture never saw connect: the announced
// address is the control address the client reached, and nothing on the
// wire shows a NAT between them (natPassive words it "if a NAT sits
// between them"). It is a warning of its own, and no verdict says the
// address cannot be reached: the data connection's own finding speaks.
func unprovenNAT(f *Finding, dc *track.DataConn) bool {
	if f.Code != CodeNATMismatch || f.Severity != SeverityWarning || f.caused || dc == nil || !dc.Passive || dc.Seen() || dc.Twin != nil || f.Session == nil {
		// (A copy of the session on the other side of a NAT proves
		// what the address cost: its own finding, caused, says so.)
		return false
	}
	srv, cli := f.Session.Server.Addr().Unmap(), f.Session.Client.Addr().Unmap()
	a := dc.Announced.Addr().Unmap()
	return a == srv && Local(a) && Local(cli) && !SameNet(a, cli)
}

// rewrittenOnTheWay is the finding for a 227 that another capture point
// saw rewritten (KnowRewrite): the server announces its own address and a
// box in between translates it, which is how a NAT router's FTP helper
// works; setting the public address on the server would undo it.
func rewrittenOnTheWay(fam family, rw Rewrite, ev string, dc *track.DataConn, pk []uint64) *Finding {
	ev = joinEvidence(ev, fmt.Sprintf("capture point %q saw %s in its place", rw.Where, rw.To))
	if dc.Seen() {
		ev = joinEvidence(ev, fmt.Sprintf("data connection arrived at %s (packet %d), outcome %s", dc.Server, dc.SYNNum, dc.Outcome))
		pk = append(pk, dc.SYNNum)
	}
	return &Finding{Code: CodeNATTranslated, Severity: SeverityInfo, TS: dc.Armed, Packets: packets(pk), Evidence: ev,
		Message: fmt.Sprintf("The server announces its own address %s, and a box in between rewrites it to %s on the way to the client (seen at %q): a NAT router's FTP helper or ALG translates the 227. This is a correct setup.", rw.From, rw.To, rw.Where),
		Advice: fmt.Sprintf("Nothing to change, and leave %s unset: the Linux FTP helper rewrites only a 227 that names the server's own address (for any other it creates no expectation, loose=0), so announcing %s from the server would stop the rewrite and leave the data connections to a statically forwarded port range.",
			fam.addrName(), rw.To) + fam.note()}
}

// hiddenPrivateAddress: under FTPS, a client whose data connection to a
// private address that is not the server's failed, while it reaches the
// server at a public one, connected where the encrypted 227 told it: the
// server, behind NAT, announces its internal address, and no helper can
// rewrite a 227 inside TLS.
func (d *Diagnoser) hiddenPrivateAddress(s *track.Session, dc *track.DataConn) *Finding {
	if !dc.Outcome.Failed() || !dc.Seen() || !encryptedControl(s) {
		return nil
	}
	dst, srv := dc.Server.Addr().Unmap(), s.Server.Addr().Unmap()
	if dst == srv || dc.Client.Addr().Unmap() != s.Client.Addr().Unmap() || !Local(dst) || Local(srv) || inferredMisfit(s, dc) {
		return nil
	}
	pub := d.polOf(s).Public().Unmap()
	return &Finding{Code: CodeNATMismatch, Severity: SeverityError, TS: dc.FirstSYN, Packets: packets([]uint64{dc.SYNNum}), caused: true,
		Evidence: joinEvidence(fmt.Sprintf("control connection %s -> %s (encrypted)", s.Client, s.Server),
			fmt.Sprintf("data connection from %s to %s (packet %d), outcome %s", dc.Client, dc.Server, dc.SYNNum, dc.Outcome)),
		Message: fmt.Sprintf("The client connected its data connection to %s, a private address, while it reaches the server at %s: the server, behind NAT, announces its internal address inside TLS, where no FTP helper or NAT ALG can rewrite it.", dc.Server, srv),
		Advice: fmt.Sprintf("Make the server announce the address clients reach it at: %s (restart the server); or make the client ignore the address in the 227 (curl --ftp-skip-pasv-ip, lftp: set ftp:ignore-pasv-address yes).%s",
			d.family(s).addrSet(suggestPublic(d.capture, s, dst, pub)), epsvWay(s, d.family(s), " EPSV avoids the address altogether.")) + d.family(s).note()}
}

// suggestPublic is the address a server announcing a should announce
// instead: the configured public one, else the address the client reached
// when the capture is not from behind the server's NAT.
func suggestPublic(c *captureShared, s *track.Session, a, pub netip.Addr) string {
	srv := s.Server.Addr().Unmap()
	switch {
	case pub.IsValid() && pub.Is4() == a.Is4():
		// Only an address of the announcement's version can replace it:
		// a 227 carries IPv4 only.
		return pub.String()
	case srv != a && srv.Is4() == a.Is4() && (!Local(srv) || !atServer(c, s)):
		// (Only of the announcement's version: a 227 cannot carry the
		// IPv6 address the client reached.)
		return srv.String()
	}
	return "<public address>"
}

// natActive compares the address in PORT/EPRT/LPRT with the client's: a
// private address from a client seen at another address is a NAT in front
// of the client that does not rewrite PORT. A host bounceTarget proves to
// be another (a public third host, one of the server's network, ...) is a
// bounce, reported by noteBounce.
func (d *Diagnoser) natActive(s *track.Session, a netip.AddrPort, via ftp.Via, dc *track.DataConn, c *track.Command) *Finding {
	addr, cli := a.Addr().Unmap(), s.Client.Addr().Unmap()
	if addr == cli || addr.Is4() != cli.Is4() {
		return nil
	}
	cls := Classify(addr)
	if cls != ClassPrivate && cls != ClassCGNAT {
		return d.externalArrived(s, a, dc)
	}
	if d.bounceTargetOf(s, a, dc).reason != "" {
		// Another host (of the client's network or the server's, one
		// that answered where the client's own network is out of reach,
		// or one of several): a bounce, not NAT.
		return nil
	}
	if lanActiveClient(s) {
		return d.natActiveLAN(s, addr, cls, via, dc, c)
	}
	f := &Finding{Code: CodeNATMismatch, Severity: SeverityWarning}
	var ann string
	var pk []uint64
	if dc != nil {
		ann, pk = announcement(dc)
		f.TS = dc.Armed
		if dc.Outcome.Failed() && !doneUnseen(dc) {
			f.Severity = SeverityError
		}
	} else if c != nil {
		ann, pk = fmt.Sprintf("%q (packet %d)", commandText(c), c.Num), []uint64{c.Num}
		if r := c.Final(); r != nil {
			ann += fmt.Sprintf(" -> %q", replyText(r))
			pk = append(pk, r.Num)
		}
		f.TS = c.TS
		f.Severity = SeverityError
	}
	f.Packets = packets(pk)
	f.Evidence = joinEvidence(ann, fmt.Sprintf("control connection from %s", s.Client))
	f.Message = fmt.Sprintf("The client announces %s in %s, %s, but the server sees it at %s: a NAT in front of the client does not rewrite %s, so the server's connection back cannot arrive.", addr, via, cls.Describe(addr), cli, via)
	// (A PORT the FTP helper could not see proves the NAT: helperBlindFix.)
	arrived := dc != nil && dc.Server.Addr().Unmap() == addr && gotThrough(dc) && !d.helperBlindOn(s, c)
	if arrived {
		// It did arrive: something at the announced address answered
		// the server, so the address is routed from the server's side.
		// Whose it is the capture cannot tell: the client's, behind a
		// NAT that does not rewrite PORT, or another host's, as in a
		// server-to-server (FXP) transfer whose other control
		// connection this capture does not hold (fxp-B.pcap) or a
		// bounce. No NAT is asserted, and no rule given: nothing failed.
		f.Message = fmt.Sprintf("The client announces %s in %s, %s, but the server sees it at %s, and the server's connection to %s was answered (data connection #%d): that address is routed from the server's side. Whose it is, this capture cannot tell: the client's own, behind a NAT that does not rewrite %s (then active mode works on this path, but not from a server that cannot route to it); or another host's: a server-to-server (FXP) transfer, the client naming the passive endpoint another server gave it in a 227/229 on a control connection this capture does not hold (a capture holding both makes it fxp-transfer), or an FTP bounce (RFC 2577).", addr, via, cls.Describe(addr), cli, addr, dc.ID, via)
		f.Severity = SeverityInfo
	}
	if dc != nil && doneUnseen(dc) {
		// No failure: the server reported the transfer done, the
		// connection out of the capture's sight (data-not-attempted).
		r := dc.Command.Final()
		f.Message = fmt.Sprintf("The client announces %s in %s, %s, but the server sees it at %s: a NAT in front of the client does not rewrite %s. Yet the server reported the transfer done (%q) though the capture shows no connection for it: the connection took a path the capture does not see, and %s is routed from the server's side, so active mode works on this path, but not from a server that cannot route to it.", addr, via, cls.Describe(addr), cli, via, replyText(r), addr)
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(dc.Command), dc.Command.Num, replyText(r), r.Num))
		f.Packets = packets(f.Packets, []uint64{r.Num})
	}
	if dc == nil && c != nil {
		// Refused: the server never tried to connect, so nothing about
		// the way back is proven; the refusal is.
		reply := "refused it"
		if r := c.Final(); r != nil {
			reply = fmt.Sprintf("refused it (%q)", replyText(r))
		}
		f.Message = fmt.Sprintf("The client announces %s in %s, %s, but the server sees it at %s: a NAT in front of the client does not rewrite %s. The server %s because the address is not the client's, and never tried to connect; active-mode transfers of this client cannot work.", addr, via, cls.Describe(addr), cli, via, reply)
		if activeRefusalOf(c.Final()) == activeModeOff {
			// The server refuses the command itself (vsftpd
			// port_enable=NO): the address is not why, though it would
			// fail too.
			f.Message = fmt.Sprintf("The client announces %s in %s, %s, but the server sees it at %s: a NAT in front of the client does not rewrite %s. The server %s: it refuses active mode itself (as vsftpd with port_enable=NO does), and with it on, the server's connection back to %s would not arrive either.", addr, via, cls.Describe(addr), cli, via, reply, addr)
		}
	}
	f.Advice = "Use passive mode on the client (the usual fix); or, to keep active mode, " + routerHelperAdvice(s.Server.Port(), isV6(s.Server)) + "."
	if dc != nil && doneUnseen(dc) {
		f.Advice = "Nothing to change while this server's transfers complete. Where active-mode transfers of this client fail (another server, another path), use passive mode on the client (the usual fix); or, to keep active mode, " + routerHelperAdvice(s.Server.Port(), isV6(s.Server)) + "."
	}
	if fix := d.helperBlindFix(s, c); fix != "" {
		f.Advice = fix
	} else if arrived {
		f.Advice = fmt.Sprintf("Nothing to change while it works. If %s is the client's own address, passive mode on the client also works with servers that cannot route to it. If it is another server's passive endpoint (FXP), this server accepts a %s naming another host, as FXP needs; if site-to-site transfers are not wanted, refuse them (%s).", addr, via, d.family(s).refuseForeign())
	}
	return f
}

// doneUnseen reports whether dc is a data connection the capture saw no
// packet of (not-attempted) while the server reported its transfer done
// (a 2yz final reply to the transfer command): the connection was made
// out of the capture's sight, no failure (Outcome.Failed counts it as
// one without the reply).
func doneUnseen(dc *track.DataConn) bool {
	if dc.Outcome != track.OutcomeNotAttempted || dc.Seen() || dc.Command == nil {
		return false
	}
	r := dc.Command.Final()
	return r != nil && r.Code/100 == 2
}

// externalAddrSetting names the client settings that make it announce
// its NAT's public address in PORT/EPRT.
const externalAddrSetting = "FileZilla's and WinSCP's external IP address for active mode, lftp's ftp:port-ipv4"

// externalArrived is the note for an active data connection whose PORT
// named the public address of the NAT in front of the client
// (natExternal) and that arrived at the client, as the capture on its
// side shows: the NAT forwards the port. nil for any other.
func (d *Diagnoser) externalArrived(s *track.Session, a netip.AddrPort, dc *track.DataConn) *Finding {
	cli := s.Client.Addr().Unmap()
	if dc == nil || !dc.Seen() || !gotThrough(dc) || dc.Server.Addr().Unmap() != cli || !d.natExternal(s, a) {
		return nil
	}
	ann, pk := announcement(dc)
	return &Finding{Code: CodeNATTranslated, Severity: SeverityInfo, TS: dc.Armed, Packets: packets(pk, []uint64{dc.SYNNum}),
		Evidence: joinEvidence(ann, fmt.Sprintf("control connection from %s", s.Client), fmt.Sprintf("data connection arrived at %s (packet %d)", dc.Server, dc.SYNNum)),
		Message: fmt.Sprintf("Seen from the client's side of its NAT: the client announces %s in %s, a public address, not its own %s. That is most likely the NAT's public address, which the client is set to announce (%s): the server sees the control connection come from it too, and its connection there arrived at %s (data connection #%d), so the NAT forwards that port to the client. No FTP bounce: active mode works this way.",
			a.Addr().Unmap(), dc.Via, cli, externalAddrSetting, dc.Server, dc.ID),
		Advice: fmt.Sprintf("Nothing to change while it works. It keeps working while the router forwards every port the client may announce to %s (limit the client's active-mode ports to a range, forwarded as a whole) and the setting names the router's current public address; passive mode needs neither.", cli)}
}

// lanActiveClient reports whether s's client is seen at a private (or
// otherwise local) address of the server's own network: an address it
// announces in PORT/EPRT outside that network (natActive) is not proven
// to sit behind a NAT, as it is for a client seen at a public address.
func lanActiveClient(s *track.Session) bool {
	cli, srv := s.Client.Addr().Unmap(), s.Server.Addr().Unmap()
	return cli != srv && Local(cli) && SameNet(cli, srv)
}

// natActiveLAN is natActive's finding for a client on the server's own
// network (lanActiveClient) that announces addr, a private address of
// another network that no rule proves another host's (bounceTarget): a
// NAT between them (a router of this network with the client behind it)
// that does not rewrite PORT is one reading, a bounce attempt to a host
// of another internal network the other. Nothing on the wire shows the
// NAT, so it is worded as the passive case is ("if a NAT sits between
// them"): a warning, never an error, and no helper rules for a NAT in
// front of the client; info when the server's connection arrived.
func (d *Diagnoser) natActiveLAN(s *track.Session, addr netip.Addr, cls AddrClass, via ftp.Via, dc *track.DataConn, c *track.Command) *Finding {
	cli := s.Client.Addr().Unmap()
	f := &Finding{Code: CodeNATMismatch, Severity: SeverityWarning}
	var ann string
	var pk []uint64
	switch {
	case dc != nil:
		ann, pk = announcement(dc)
		f.TS = dc.Armed
	case c != nil:
		ann, pk = fmt.Sprintf("%q (packet %d)", commandText(c), c.Num), []uint64{c.Num}
		if r := c.Final(); r != nil {
			ann += fmt.Sprintf(" -> %q", replyText(r))
			pk = append(pk, r.Num)
		}
		f.TS = c.TS
	}
	f.Packets = packets(pk)
	f.Evidence = joinEvidence(ann, fmt.Sprintf("control connection from %s, in the server's own network %s", s.Client, guessedNet(s.Server.Addr())))
	head := fmt.Sprintf("The client announces %s in %s, %s of another network, while the server sees it at %s, an address of the server's own network: ", addr, via, cls.Describe(addr), cli)
	other := fmt.Sprintf("if no NAT sits between them, %s is another host than the client, and this %s an FTP bounce attempt (RFC 2577)", addr, via)
	fam := d.family(s)
	refuse := fmt.Sprintf("If it is not, refuse PORT/EPRT naming another host (%s).", fam.refuseForeign())
	switch {
	case dc == nil && c != nil:
		reply := "refused it"
		if r := c.Final(); r != nil {
			reply = fmt.Sprintf("refused it (%q)", replyText(r))
		}
		f.Message = head + fmt.Sprintf("if a NAT sits between them (a router of this network with the client behind it) that does not rewrite %s, active-mode transfers of this client cannot work; %s. The server %s and never tried to connect.", via, other, reply)
		refuse = "If it is not, the server was right to refuse it."
	case dc != nil && dc.Server.Addr().Unmap() == addr && gotThrough(dc):
		f.Severity = SeverityInfo
		f.Message = head + fmt.Sprintf("if a NAT sits between them (a router of this network with the client behind it) that does not rewrite %s, the server's connection to %s arrived anyway (data connection #%d was answered): that address is routed from the server's side, so active mode works on this path, but not from a server that cannot route to it; %s.", via, addr, dc.ID, other)
	default:
		f.Message = head + fmt.Sprintf("if a NAT sits between them (a router of this network with the client behind it) that does not rewrite %s, the server's connection back cannot arrive; %s. Nothing on the wire shows such a NAT.", via, other)
	}
	f.Advice = fmt.Sprintf("Find out whether %s is the client's own address (its interface list, or a capture on its side, tells). If it is, a NAT between the client and this network does not rewrite %s: use passive mode on the client (PASV/EPSV announce no address of the client's), or let that NAT's FTP helper rewrite it. %s", addr, via, refuse)
	if fam.ownDataSettings() {
		f.Advice += fam.note()
	}
	return f
}

// atOpener reports whether dc's handshake shows the capture beside the
// side that opened it. There the SYN-ACK comes a round trip (and the
// listener's own delay) after the SYN, and the ACK at once after the
// SYN-ACK; beside the listener the SYN-ACK comes after the listener's
// delay alone, and the ACK a round trip later. A slow listener (load,
// SYN cookies, a VM) makes SYN to SYN-ACK long on both sides, but
// beside it keeps SYN-ACK to ACK a whole round trip: only a SYN-ACK
// at least 5 ms after its SYN and at least four times as long after it
// as the ACK after the SYN-ACK reads as the opener's side. A SYN sent
// again after the SYN-ACK, or a handshake without its ACK, tells
// nothing.
func atOpener(dc *track.DataConn) bool {
	if dc.SYNs == 0 || dc.SynAckTS.IsZero() || dc.AckTS.IsZero() || dc.SynAckLost || dc.LastSYN.After(dc.SynAckTS) {
		return false
	}
	synAck, ack := dc.SynAckTS.Sub(dc.LastSYN), dc.AckTS.Sub(dc.SynAckTS)
	return ack >= 0 && synAck >= 5*time.Millisecond && synAck >= 4*ack
}
