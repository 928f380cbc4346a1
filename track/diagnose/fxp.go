package diagnose

import (
	"fmt"
	"net/netip"

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
// the client's side's.

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
		var how string
		switch dc.Outcome {
		case track.OutcomeUnanswered:
			how = fmt.Sprintf("its %d SYNs to %s got no answer: a firewall in front of %s, or on the path between the two servers, drops connections from this server (%s) to %s's passive ports", dc.SYNs, ep, other, s.Server.Addr().Unmap(), other)
		case track.OutcomeRefused:
			how = fmt.Sprintf("its connection to %s was refused (RST): nothing listened there when it came (server %s had closed that passive listener: its transfer command came late, or was refused), or a firewall in front of %s rejects connections from this server (%s)", ep, other, other, s.Server.Addr().Unmap())
		default:
			how = fmt.Sprintf("its connection to %s was answered by an ICMP error: the path from this server (%s) to %s is not routed, or a router or firewall on it rejects the connection", ep, s.Server.Addr().Unmap(), other)
		}
		f.Message = head + " " + upper(how) + ". The client and its network are no end of this connection: their NAT and firewall are not why."
		f.Advice = fmt.Sprintf("Let this server (%s) reach server %s's passive ports (port %d is the one it was given; the next transfer gets another of its passive range) through the firewall in front of %s and any on the path between the two servers. %s", s.Server.Addr().Unmap(), other, ep.Port(), other, settings)
	case !dc.Seen() && fxpGaveUp(dc):
		// The server said it could not connect, and the capture (the
		// client's side, or a port 21 filter) does not see the path
		// between the two servers.
		r := dc.Command.Final()
		f.Severity = SeverityError
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("%q (packet %d) -> %q (packet %d)", commandText(dc.Command), dc.Command.Num, replyText(r), r.Num))
		f.Packets = packets(f.Packets, []uint64{r.Num})
		f.Message = head + fmt.Sprintf(" This server reported it could not make that connection (%q), and the capture does not see the path between the two servers: a firewall in front of %s (its passive ports closed to %s), one on the path between them, or this server's own outgoing firewall stops it. The client and its network are no end of this connection.", replyText(r), other, s.Server.Addr().Unmap())
		f.Advice = fmt.Sprintf("Capture on either server (tcpdump -i any host %s and host %s) to see where the SYNs stop; let this server (%s) reach server %s's passive ports. %s", other, s.Server.Addr().Unmap(), s.Server.Addr().Unmap(), other, settings)
	default:
		f.Message = head
		f.Advice = "Nothing to change for the address. " + settings
	}
	return f
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
