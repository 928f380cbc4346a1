package diagnose

import (
	"fmt"
	"net/netip"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
)

// FXP, a server-to-server transfer: one client drives two servers, PASV
// (EPSV, LPSV) on server A, then PORT (EPRT, LPRT) on server B naming the
// endpoint A's reply announced, and a transfer command on each; B
// connects to A, and the client is no end of the data connection (RFC 959
// section 2.3's third-party transfer). B's PORT names another host than
// its client, on purpose: neither a NAT in front of the client that does
// not rewrite PORT (nat-mismatch) nor a bounce attempt (ftp-bounce). The
// capture shows it when it holds both control connections: a PORT naming
// exactly the endpoint another open session of the same client address
// was given, while that announcement still waited for its connection.
// fxp-transfer says so; the NAT and bounce readings are left out, and a
// failure of B's connection is A's passive ports' (its firewall's), not
// the client's side's, or A's private address's, which B may not reach:
// A's address is judged for B, not for the client (fxpPassiveAddr,
// fxpPrivateNote). The 425 and 426 of either transfer command name the
// two servers (fxpReplyMode, fxpBroke).

const (
	// maxFXP bounds the FXP pairs one session keeps (sessMore.fxp); past
	// it a PORT is judged as before.
	maxFXP = 4
	// maxFXPLook bounds the open sessions of the client address, the
	// latest first, that a PORT naming another address is compared with;
	// maxFXPData the latest data connections of each read.
	maxFXPLook = 16
	maxFXPData = 4
)

// fxpPort names the settings that let a server connect to another host
// than its client for PORT/EPRT (FXP's sending side).
const fxpPort = "vsftpd port_promiscuous=YES, ProFTPD AllowForeignAddress on, Pure-FTPd AllowUserFXP (-w) or AllowAnonymousFXP (-W)"

// fxpPair is one FXP transfer the capture shows both halves of: the
// passive announcement of one session (offer) and the PORT/EPRT/LPRT of
// another session of the same client address that names it (port). Both
// sessions keep it; the pointers into a session are let go when it ends
// (fxpEnded), its quoted values stay.
type fxpPair struct {
	offer       *track.DataConn // nil once its session ended
	offerSess   int
	offerServer netip.AddrPort
	offerClient netip.AddrPort // the offer session's control connection's client end
	offerText   string         // the announcement as quoted (announcement)
	offerPk     []uint64

	port       *track.Command  // nil once its session ended
	portDC     *track.DataConn // what the PORT armed; nil when none, or once its session ended
	portSess   int
	portServer netip.AddrPort
	// armed: the PORT armed a data connection (not refused): the
	// endpoint went to the other server.
	armed bool
}

// noteFXP notes c, a command of s, when it is a PORT/EPRT/LPRT naming
// the endpoint another open session of s's client address announced in a
// 227/229/228 that still waits for its connection (not connected, not
// final, armed before c): an FXP pair, kept by both sessions.
func (d *Diagnoser) noteFXP(s *track.Session, c *track.Command) {
	if !activeEndpoint(c) {
		return
	}
	cli, ep := s.Client.Addr().Unmap(), netip.AddrPortFrom(c.Endpoint.Addr().Unmap(), c.Endpoint.Port())
	if ep.Addr() == cli {
		return
	}
	st := d.state(s)
	if st.more != nil && (len(st.more.fxp) >= maxFXP || d.fxpOfCommand(s, c) != nil) {
		return
	}
	offer := d.fxpOffer(s, cli, ep, c)
	if offer == nil {
		return
	}
	ann, pk := announcement(offer)
	p := &fxpPair{offer: offer, offerSess: offer.Session.ID, offerServer: offer.Session.Server, offerClient: offer.Session.Client, offerText: ann, offerPk: pk,
		port: c, portDC: c.Data, portSess: s.ID, portServer: s.Server, armed: c.Data != nil}
	m := st.moreState()
	m.fxp = append(m.fxp, p)
	if om := d.state(offer.Session).moreState(); len(om.fxp) < maxFXP {
		om.fxp = append(om.fxp, p)
	}
}

// fxpOffer is the passive data connection of another open session of
// client address cli that announced ep and waits for its connection
// when c, a command of s, names it; nil when none does. It reads at most
// maxFXPLook sessions, the latest first, and maxFXPData data connections
// of each.
func (d *Diagnoser) fxpOffer(s *track.Session, cli netip.Addr, ep netip.AddrPort, c *track.Command) *track.DataConn {
	l := d.hostIndex().client[cli]
	for i, n := len(l)-1, 0; i >= 0 && n < maxFXPLook; i-- {
		x := l[i]
		if x == s {
			continue
		}
		n++
		for j := len(x.Data) - 1; j >= max(0, len(x.Data)-maxFXPData); j-- {
			dc := x.Data[j]
			if dc.Passive && !dc.Done && !dc.Reported() && !dc.Seen() && !dc.Armed.After(c.TS) &&
				dc.Announced.Addr().Unmap() == ep.Addr() && dc.Announced.Port() == ep.Port() {
				return dc
			}
		}
	}
	return nil
}

// fxpOf is the FXP pair dc, a data connection of s, is a half of: the
// passive one announced, or the one a PORT armed; nil when none.
func (d *Diagnoser) fxpOf(s *track.Session, dc *track.DataConn) *fxpPair {
	st := d.sess[s]
	if st == nil || st.more == nil {
		return nil
	}
	for _, p := range st.more.fxp {
		if dc.Passive && p.offer == dc || !dc.Passive && (p.portDC == dc || p.port != nil && p.port == dc.Announce) {
			return p
		}
	}
	return nil
}

// fxpOfCommand is the FXP pair c, a PORT/EPRT/LPRT of s, is the active
// half of; nil when none.
func (d *Diagnoser) fxpOfCommand(s *track.Session, c *track.Command) *fxpPair {
	st := d.sess[s]
	if st == nil || st.more == nil {
		return nil
	}
	for _, p := range st.more.fxp {
		if p.port == c {
			return p
		}
	}
	return nil
}

// fxpEnded lets go of what s's FXP pairs point to in s: the other
// session keeps the pair's quoted values.
func (d *Diagnoser) fxpEnded(s *track.Session) {
	st := d.sess[s]
	if st == nil || st.more == nil {
		return
	}
	for _, p := range st.more.fxp {
		if p.offerSess == s.ID {
			p.offer = nil
		}
		if p.portSess == s.ID {
			p.port, p.portDC = nil, nil
		}
	}
	st.more.fxp = nil
}

// fxpFailed reports whether dc, the connection a PORT of an FXP pair
// armed, was tried and failed: its SYNs unanswered, refused or
// unreachable.
func fxpFailed(dc *track.DataConn) bool {
	return dc.SYNs > 0 && dc.Outcome.Failed() && dc.Outcome != track.OutcomeNotAttempted
}

// fxpSender is the fxp-transfer finding for dc, the data connection the
// PORT of p armed in s: the server connects to the other server's
// passive endpoint. An error when its SYNs failed (the other server's
// passive ports, or the path between the two servers, not the client's
// side); info otherwise.
func (d *Diagnoser) fxpSender(s *track.Session, dc *track.DataConn, p *fxpPair) *Finding {
	ann, pk := announcement(dc)
	other := p.offerServer.Addr().Unmap()
	ep := dc.Announced
	f := &Finding{Code: CodeFXP, Severity: SeverityInfo, TS: dc.Armed, Packets: packets(pk, p.offerPk),
		Evidence: joinEvidence(ann, fmt.Sprintf("session %d (%s -> %s): %s", p.offerSess, p.offerClient, p.offerServer, p.offerText))}
	head := fmt.Sprintf("A server-to-server (FXP) transfer: the client's %s names %s, the passive endpoint server %s announced to the same client in session %d, so this server connects to that server, not back to the client (no NAT in front of the client, and no bounce attempt: the address is the other server's).", dc.Via, ep, p.offerServer, p.offerSess)
	if dc.Seen() {
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("data connection %s -> %s (packet %d), outcome %s", dc.Client, dc.Server, dc.SYNNum, dc.Outcome))
		f.Packets = packets(f.Packets, []uint64{dc.SYNNum})
	}
	settings := fmt.Sprintf("FXP needs this server to accept a %s naming another host (%s) and server %s to accept a data connection from another address than its client's (%s).", dc.Via, fxpPort, other, d.family(s).sourceCheckOff())
	switch {
	case gotThrough(dc):
		f.Message = head + fmt.Sprintf(" The connection got through (data connection #%d).", dc.ID)
		f.Advice = "Nothing to change. " + settings + fmt.Sprintf(" If site-to-site transfers are not wanted, refuse them (%s).", d.family(s).refuseForeign())
	case fxpFailed(dc):
		f.Severity = SeverityError
		var out, cause string
		switch dc.Outcome {
		case track.OutcomeUnanswered:
			out = fmt.Sprintf("its %s to %s got no answer", plural(dc.SYNs, "SYN", "SYNs"), ep)
			cause = fmt.Sprintf("a firewall in front of %s, or on the path between the two servers, drops connections from this server (%s) to %s's passive ports", other, s.Server.Addr().Unmap(), other)
		case track.OutcomeRefused:
			out = fmt.Sprintf("its connection to %s was refused (RST)", ep)
			cause = fmt.Sprintf("nothing listened there when it came (server %s had closed that passive listener: its transfer command came late, or was refused), or a firewall in front of %s rejects connections from this server (%s)", other, other, s.Server.Addr().Unmap())
		default:
			out = fmt.Sprintf("its connection to %s was answered by an ICMP error", ep)
			cause = fmt.Sprintf("the path from this server (%s) to %s is not routed, or a router or firewall on it rejects the connection", s.Server.Addr().Unmap(), other)
		}
		let := fmt.Sprintf("Let this server (%s) reach server %s's passive ports (port %d is the one it was given; the next transfer gets another of its passive range) through the firewall in front of %s and any on the path between the two servers. %s", s.Server.Addr().Unmap(), other, ep.Port(), other, settings)
		note, likely := fxpPrivateNote(s, dc, p)
		if likely {
			f.Message = head + " " + upperFirst(out) + ": " + note + "; where it does, " + cause + ". The client and its network are no end of this connection: their NAT and firewall are not why."
			f.Advice = fxpPrivateFix(other, s.Server.Addr().Unmap()) + " Where a VPN or a route joins them: " + lowerFirst(let)
			break
		}
		f.Message = head + " " + upperFirst(out) + ": " + cause + "." + note + " The client and its network are no end of this connection: their NAT and firewall are not why."
		f.Advice = let
	case !dc.Seen() && fxpGaveUp(dc):
		// The server said it could not connect, and the capture (the
		// client's side, or a port 21 filter) does not see the path
		// between the two servers.
		r := dc.Command.Final()
		f.Severity = SeverityError
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(dc.Command), dc.Command.Num, replyText(r), r.Num))
		f.Packets = packets(f.Packets, []uint64{r.Num})
		capture := fmt.Sprintf("Capture on either server (tcpdump -i any host %s and host %s) to see where the SYNs stop; let this server (%s) reach server %s's passive ports. %s", other, s.Server.Addr().Unmap(), s.Server.Addr().Unmap(), other, settings)
		if note, likely := fxpPrivateNote(s, dc, p); likely {
			f.Message = head + fmt.Sprintf(" This server reported it could not make that connection (%q), and the capture does not see the path between the two servers: %s; where it does, a firewall in front of %s (its passive ports closed to %s), one on the path between them, or this server's own outgoing firewall stops it. The client and its network are no end of this connection.", replyText(r), note, other, s.Server.Addr().Unmap())
			f.Advice = fxpPrivateFix(other, s.Server.Addr().Unmap()) + " Where a VPN or a route joins them: " + lowerFirst(capture)
			break
		} else {
			f.Message = head + fmt.Sprintf(" This server reported it could not make that connection (%q), and the capture does not see the path between the two servers: a firewall in front of %s (its passive ports closed to %s), one on the path between them, or this server's own outgoing firewall stops it.%s The client and its network are no end of this connection.", replyText(r), other, s.Server.Addr().Unmap(), note)
		}
		f.Advice = capture
	default:
		f.Message = head
		f.Advice = "Nothing to change for the address. " + settings
	}
	return f
}

// fxpPrivateNote is what fxpSender says of a failed connection of dc,
// the active half of p, to a private address of another network than
// this server's (fxpPassiveAddr judges it on the passive side). From a
// public address such an address is reached only through a VPN or a
// route: most likely why (likely), said as the clause note. From another
// private network, only a NAT between the two servers makes it
// unreachable: note is a sentence, with a leading space. "" for any
// other address, and for a refusal (a host at the address answered).
func fxpPrivateNote(s *track.Session, dc *track.DataConn, p *fxpPair) (note string, likely bool) {
	a := dc.Announced.Addr().Unmap()
	b := s.Server.Addr().Unmap()
	if dc.Seen() {
		b = dc.Client.Addr().Unmap()
	}
	if !Local(a) || unusableAddr(Classify(a)) || a.Is4() != b.Is4() || Local(b) && SameNet(a, b) || dc.Outcome == track.OutcomeRefused {
		return "", false
	}
	if !Local(b) {
		return fmt.Sprintf("%s is %s, which this server, at the public address %s, reaches only if a VPN or a route joins it to that network: most likely that is why (server %s announced it: see session %d's findings)", a, Classify(a).Describe(a), b, p.offerServer, p.offerSess), true
	}
	return fmt.Sprintf(" Or, if a NAT sits between the two servers, %s, %s of another network than this server's %s, cannot be reached from here at all.", a, Classify(a).Describe(a), b), false
}

// fxpPrivateFix is the fix for an FXP transfer whose passive server
// (other) announced a private address the active one (self), at a public
// address, cannot reach (fxpPrivateNote).
func fxpPrivateFix(other, self netip.Addr) string {
	return fmt.Sprintf("Make server %s announce an address this server reaches it at (its public address, with its passive range forwarded to it), or have the client swap the roles: PASV on this server (%s) and PORT on server %s, which then connects out to this one.", other, self, other)
}

// fxpGaveUp reports whether the transfer command of dc, a data connection
// a PORT armed, got a final reply of 4yz or 5yz: the server gave it up.
func fxpGaveUp(dc *track.DataConn) bool {
	if dc.Command == nil {
		return false
	}
	r := dc.Command.Final()
	return r != nil && r.Code >= 400
}

// fxpOffered is the fxp-transfer note for dc, the passive data connection
// of s that the PORT of p, in another session, named: the connection to
// it comes from that session's server and is reported there, so no
// connection from the client is missing. Info: the other session's
// finding says what became of it.
func fxpOffered(s *track.Session, dc *track.DataConn, p *fxpPair) *Finding {
	ann, pk := announcement(dc)
	f := &Finding{Code: CodeFXP, Severity: SeverityInfo, TS: dc.Armed, Packets: packets(pk),
		Evidence: ann}
	other := p.portServer
	f.Message = fmt.Sprintf("A server-to-server (FXP) transfer: the client passed this endpoint, %s, to server %s in session %d, so the data connection comes from that server, not from the client, and is that session's.", dc.Announced, other, p.portSess)
	if c := p.port; c != nil {
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("session %d (to %s): %q (packet %d)", p.portSess, other, commandText(c), c.Num))
		f.Packets = packets(f.Packets, []uint64{c.Num})
	}
	switch x := p.portDC; {
	case x == nil:
	case x.Seen():
		f.Message += fmt.Sprintf(" The capture shows it there: data connection #%d, %s -> %s, %s.", x.ID, x.Client, x.Server, x.Outcome)
		if fxpFailed(x) {
			f.Message += " It failed at this server's passive port: see that connection's fxp-transfer finding."
		}
	case x.Done:
		f.Message += fmt.Sprintf(" The capture shows no connection from %s to it (data connection #%d, %s): it passes where the capture does not see it.", other.Addr(), x.ID, x.Outcome)
	}
	f.Advice = "Nothing to change for this endpoint; see the other session's fxp-transfer finding for the connection itself."
	return f
}

// fxpRefused is the fxp-transfer finding for c, a PORT/EPRT/LPRT of an
// FXP pair that s's server refused: it accepts no PORT naming another
// host than the client, the safe default; the site-to-site transfer the
// client asked for cannot happen with this server sending.
func (d *Diagnoser) fxpRefused(s *track.Session, c *track.Command, p *fxpPair) *Finding {
	ev := fmt.Sprintf("%q (packet %d)", commandText(c), c.Num)
	pk := []uint64{c.Num}
	reply := "refused it"
	if r := c.Final(); r != nil {
		ev += fmt.Sprintf(" -> %q (packet %d)", replyText(r), r.Num)
		pk = append(pk, r.Num)
		reply = fmt.Sprintf("refused it (%q)", replyText(r))
	}
	return &Finding{Code: CodeFXP, Severity: SeverityWarning, TS: c.TS, Command: c, Packets: packets(pk, p.offerPk),
		Evidence: joinEvidence(ev, fmt.Sprintf("session %d (%s -> %s): %s", p.offerSess, p.offerClient, p.offerServer, p.offerText)),
		Message:  fmt.Sprintf("A server-to-server (FXP) transfer: the client's %s names %s, the passive endpoint server %s announced to the same client in session %d, and this server %s: it accepts no %s naming another host than the client (no NAT in front of the client: the address is the other server's).", c.Verb, c.Endpoint, p.offerServer, p.offerSess, reply, c.Verb),
		Advice:   fmt.Sprintf("Nothing to change unless site-to-site transfers are wanted: the refusal is the safe default (RFC 2577). To allow them: %s on this server.", fxpPort)}
}

// fxpOutcome is of, the outcome finding of dc, a half of the FXP pair p,
// as the pair changes it: the connection the PORT armed that failed (or
// that the server gave up, unseen) is fxp-transfer's error (the other server's passive ports, not the
// client's side: no active-blocked); the passive endpoint nobody from
// the client connected to, passed to a PORT the other server accepted, is
// fxp-transfer's note (fxpOffered), not a missing connection.
func fxpOutcome(s *track.Session, dc *track.DataConn, p *fxpPair, of *Finding) *Finding {
	switch {
	case !dc.Passive && (fxpFailed(dc) || !dc.Seen() && fxpGaveUp(dc)):
		return nil
	case dc.Passive && !dc.Seen() && p.armed:
		return fxpOffered(s, dc, p)
	}
	return of
}

// fxpReplyMode is what a 425 of an FXP transfer could not establish
// (serverDataError's mode), for dc, a half of p: on the passive server
// (A) the connection the active server (B) was to make, on B its
// connection to A's passive endpoint; never a connection back to the
// client, which is no end of it. refused: the reply says refused.
func fxpReplyMode(dc *track.DataConn, p *fxpPair, vsftpd, refused bool) string {
	if dc.Passive {
		wait := "the server's accept timeout"
		if vsftpd {
			wait = "accept_timeout (vsftpd, 60 s by default)"
		}
		m := fmt.Sprintf("the server-to-server (FXP) data connection: the client passed this server's passive endpoint %s to the active server %s (session %d), and no connection from it came within %s", dc.Announced, p.portServer, p.portSess, wait)
		if x := p.portDC; x != nil && x.Seen() {
			m += fmt.Sprintf(" (that server's connection to it: %s, data connection #%d)", x.Outcome, x.ID)
		}
		return m
	}
	how := "failed within the server's connect timeout"
	switch {
	case dc.Outcome == track.OutcomeRefused || refused:
		// The wire (an RST) or the reply says refused: not a timeout.
		how = "was refused"
	case dc.Outcome == track.OutcomeUnreachable:
		how = "was answered by an ICMP error"
	case vsftpd:
		how = "failed within connect_timeout (vsftpd, 60 s by default)"
	}
	return fmt.Sprintf("the server-to-server (FXP) data connection: its connection to %s, the passive endpoint the passive server %s announced in session %d, %s; the client is no end of it", dc.Announced, p.offerServer, p.offerSess, how)
}

// fxpBroke words f, server-data-error for a 426 to the transfer command
// whose data connection dc is a half of p: the connection runs between
// the passive server (A) and the active server (B), not with the client,
// so the firewall or NAT to look at is between them. On A, dc is the
// endpoint B was to connect to (B's connection is B's session's): what
// became of B's connection says why A gave up.
func fxpBroke(f *Finding, dc *track.DataConn, p *fxpPair) {
	between := "Look for a firewall or NAT between the two servers that times out or resets the connection; the client and its network are no end of it."
	if !dc.Passive {
		f.Message = fmt.Sprintf("The server-to-server (FXP) data connection between this server, the active one, and the passive server %s (session %d), not one with the client, broke during the transfer: reset or closed before the end.", p.offerServer, p.offerSess)
		f.Advice = between
		if fxpFailed(dc) || !dc.Answered() {
			// Never made (or not seen): nothing broke mid-way.
			what := dc.Outcome.String()
			switch {
			case fxpFailed(dc):
			case !dc.Seen():
				what = "the capture shows no SYN of it"
			default:
				what = plural(dc.SYNs, "SYN", "SYNs") + ", no answer by then"
			}
			f.Message = fmt.Sprintf("This server, the active end of a server-to-server (FXP) transfer, gave the transfer up: its data connection to %s, the passive endpoint the passive server %s announced in session %d, was never made (%s); the client is no end of it.", dc.Announced, p.offerServer, p.offerSess, what)
			f.Advice = "See the fxp-transfer findings for where the connection between the two servers was stopped."
		}
		return
	}
	head := fmt.Sprintf("This server, the passive end of a server-to-server (FXP) transfer, gave the transfer up: its data connection was to come from the active server %s (session %d), to which the client passed this endpoint %s", p.portServer, p.portSess, dc.Announced)
	switch x := p.portDC; {
	case x != nil && x.Seen() && fxpFailed(x):
		f.Message = head + fmt.Sprintf(", and that server's connection to it failed (data connection #%d, %s): see session %d's fxp-transfer finding.", x.ID, x.Outcome, p.portSess)
		f.Advice = fmt.Sprintf("Let server %s reach this server's passive ports (see session %d's fxp-transfer finding); the client and its network are no end of this connection.", p.portServer.Addr(), p.portSess)
	case x != nil && x.Seen():
		f.Message = head + fmt.Sprintf("; that server's connection (data connection #%d, %s) broke before the end of the transfer.", x.ID, x.Outcome)
		f.Advice = between
	default:
		f.Message = head + "; this capture does not see the connection between the two servers."
		f.Advice = fmt.Sprintf("Capture on either server (tcpdump -i any host %s and host %s) to see where the connection between them stops; the client and its network are no end of it.", p.portServer.Addr(), dc.Announced.Addr())
	}
}

// fxpPassiveAddr judges the address of dc, the passive announcement of
// s that the client passed to the active server of p, in place of nat,
// natPassive's finding, which judged it for the client: in FXP the
// address goes to that server, and whether it reaches it is the
// question. A private address (not one no host can connect to) that the
// active server reached, or that sits on its network, is no fault (nil);
// one it, seen at a public address, cannot reach unless a VPN or route
// joins the networks is an error when its connection went unanswered or
// unreachable (or it gave up, unseen); from another private network, a
// NAT between the servers is one reading only: a warning then. Info
// while what became of that connection is not known. A public address,
// an unusable one, a PORT the other server refused and findings other
// than nat-mismatch are left to nat.
func (d *Diagnoser) fxpPassiveAddr(s *track.Session, dc *track.DataConn, p *fxpPair, nat *Finding) *Finding {
	a := dc.Announced.Addr().Unmap()
	cls := Classify(a)
	if dc.Via == ftp.ViaEPSV || !a.IsValid() || !Local(a) || unusableAddr(cls) || !p.armed || nat != nil && nat.Code != CodeNATMismatch {
		return nat
	}
	x := p.portDC
	b := p.portServer.Addr().Unmap()
	if x != nil && x.Seen() {
		b = x.Client.Addr().Unmap() // where the active server connects from
	}
	reached := x != nil && (x.Seen() && (gotThrough(x) || x.Outcome == track.OutcomeRefused) || doneUnseen(x))
	if reached || Local(b) && SameNet(a, b) || a.Is4() != b.Is4() {
		// (Refused: a host at the address answered; the refusal is
		// fxp-transfer's.)
		return nil
	}
	failed := x != nil && (x.Seen() && (x.Outcome == track.OutcomeUnanswered || x.Outcome == track.OutcomeUnreachable) || !x.Seen() && fxpGaveUp(x))
	ann, pk := announcement(dc)
	f := &Finding{Code: CodeNATMismatch, Severity: SeverityInfo, TS: dc.Armed, fxpAddr: true, Evidence: ann}
	if c := p.port; c != nil {
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("session %d (to %s): %q (packet %d)", p.portSess, p.portServer, commandText(c), c.Num))
		pk = append(pk, c.Num)
	}
	if x != nil && x.Seen() {
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("data connection #%d %s -> %s, outcome %s", x.ID, x.Client, x.Server, x.Outcome))
		pk = append(pk, x.SYNNum)
	}
	f.Packets = packets(pk)
	f.Message = fmt.Sprintf("The server announces %s, %s, and the client passed this endpoint to the active server %s (session %d) for a server-to-server (FXP) transfer: the address goes to that server, not to the client.", a, cls.Describe(a), p.portServer, p.portSess)
	what := ""
	if failed {
		what = fmt.Sprintf("Its connection to it failed (%s)", x.Outcome)
		if !x.Seen() {
			what = fmt.Sprintf("It reported it could not connect (%q)", replyText(x.Command.Final()))
		}
	}
	fam := d.family(s)
	fix := fmt.Sprintf("make this server announce an address %s reaches it at: %s (restart the server; every client of it is then told that address), with its passive range forwarded to it; or have the client swap the roles: PASV on server %s and PORT on this one, which then connects out to it.", b, fam.addrSet(suggestPublic(d.capture, s, a, d.polOf(s).Public().Unmap())), p.portServer.Addr())
	if Local(b) {
		f.Message += fmt.Sprintf(" %s is on another network: if a NAT sits between the two servers, it cannot reach %s; if their networks are routed to each other, the address is right.", b, a)
		if failed {
			f.Severity = SeverityWarning
			f.Message += fmt.Sprintf(" %s: the address, or a firewall between the servers (see session %d's fxp-transfer finding).", what, p.portSess)
		}
		f.Advice = fmt.Sprintf("Nothing to change if %s reaches %s (routed networks). If a NAT sits between them, ", b, a) + fix + fam.note()
		if failed {
			f.Advice = "If a NAT sits between the two servers, " + fix + fmt.Sprintf(" If their networks are routed to each other, the address is right: see session %d's fxp-transfer finding for the firewall between them.", p.portSess) + fam.note()
		}
		return f
	}
	f.Message += fmt.Sprintf(" Seen at %s, a public address, that server reaches %s only if a VPN or a route joins it to this server's network.", b, a)
	if failed {
		f.Severity = SeverityError
		f.Message += fmt.Sprintf(" %s: most likely for this address.", what)
		f.Advice = fmt.Sprintf("For FXP with server %s, ", p.portServer.Addr()) + fix + fam.note()
		return f
	}
	f.Advice = fmt.Sprintf("Nothing to change if %s reaches %s (a VPN, a route). If not, ", b, a) + fix + fam.note()
	return f
}

// fxpStopped words f, the info server-data-error for a 426 of the
// active server of p whose data connection the receiving side ended
// while the sender was still sending (receiverStopped): on FXP the
// receiver is the passive server (a download, RETR, on this server) or
// this server (an upload), never the client.
func fxpStopped(f *Finding, p *fxpPair, stop receiverStop) {
	if !stop.download {
		f.Message = fmt.Sprintf("This server stopped the transfer itself: it closed or reset the server-to-server (FXP) data connection while the passive server %s (session %d) was still sending, before its reply; no firewall or NAT broke it, and the client is no end of it.", p.offerServer, p.offerSess)
		f.Advice = "The network path between the two servers works: this server's reply and its log give why it refused the rest of the transfer (a quota, a full disk, a size limit)."
		return
	}
	who := fmt.Sprintf("The passive server %s (session %d), the receiving end of this server-to-server (FXP) transfer,", p.offerServer, p.offerSess)
	if stop.bareReset {
		// (A bare RST in its name may be a device on the path.)
		who = fmt.Sprintf("The passive server %s (session %d), the receiving end of this server-to-server (FXP) transfer, or a device on the path between the two servers in its name,", p.offerServer, p.offerSess)
	}
	f.Message = who + " ended the data connection while this server was still sending, before this reply; the 426 follows from it. The client is no end of this connection."
	f.Advice = fmt.Sprintf("See session %d's replies for why the passive server gave the transfer up; if transfers between the servers break like this again and again, look for an IPS or firewall between them that resets flows.", p.offerSess)
}

// fxpSourceRefused words f, server-data-error for r, this server's
// refusal of the data connection of its passive endpoint dc because it
// came from another address than its client's, when dc is the passive
// half of the FXP pair p: the connection was the other server's, as the
// client asked (the other session's fxp-transfer names it), and the
// server refused it by its source check, not because a NAT translated
// the client.
func fxpSourceRefused(d *Diagnoser, s *track.Session, r *track.Reply, dc *track.DataConn, p *fxpPair, f *Finding) {
	from := p.portServer.Addr().Unmap()
	// came: what the capture shows of the connection, or an inference
	// worded as one when it shows none.
	came := "so the data connection most likely came from that server (this capture does not show it)"
	if x := p.portDC; x != nil && x.Seen() {
		came = fmt.Sprintf("so the data connection came from that server (data connection #%d, %s -> %s, in session %d)", x.ID, x.Client, x.Server, p.portSess)
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("session %d: data connection #%d %s -> %s (packet %d), outcome %s", p.portSess, x.ID, x.Client, x.Server, x.SYNNum, x.Outcome))
		f.Packets = packets(f.Packets, []uint64{x.SYNNum})
	} else {
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("session %d (to %s) was passed this endpoint; this capture shows no connection from it", p.portSess, p.portServer))
	}
	f.Message = fmt.Sprintf("A server-to-server (FXP) transfer refused by this server: the client passed its passive endpoint %s to server %s in session %d, %s, and this server refused it (%q) because it accepts a data connection only from its client's address %s. No NAT is involved: the source check did what it is for.",
		dc.Announced, p.portServer, p.portSess, came, replyText(r), s.Client.Addr())
	f.Advice = fmt.Sprintf("Nothing to change unless site-to-site transfers are wanted: the refusal is the safe default (RFC 2577). To allow them, let this server accept a data connection from another address than its client's (%s), which lets anyone who guesses the port take a transfer; or have the client swap the roles: PORT on this server and PASV on %s.",
		d.family(s).sourceCheckOff(), from)
}
