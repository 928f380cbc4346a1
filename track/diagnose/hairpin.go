package diagnose

import (
	"fmt"
	"net/netip"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// The LAN client of a server behind NAT: client and server on one private
// network (SameNet), and the server announcing a public address, the one
// its NAT forwards to it (vsftpd pasv_address, ProFTPD MasqueradeAddress,
// Pure-FTPd ForcePassiveIP, IIS's External IP Address of Firewall,
// FileZilla Server's "Use the following IP"). That is right for outside
// clients; a client on the server's own network must go out to the
// router and come back: only a router that loops connections to its
// public address back inside (NAT loopback, hairpin NAT) gets it there,
// and one that does so usually masquerades them as its own LAN address,
// so the server sees the data connection come from the router.
//
// What the capture cannot tell, the findings say as readings, not facts:
// a data connection from another host of the server's network may be the
// router's masquerade or another host taking the transfer (the capture
// does not say which address is the router's); SYNs to the public address
// unanswered may be a router without loopback, one that loops back without
// masquerading (the server answers the client directly from its private
// address and the client resets that answer), or a passive range the
// router does not forward or the server's firewall drops. Where the
// capture holds that answer (track.Reflection: a SYN-ACK from the
// server's address at the announced port to the client's port,
// acknowledging its SYN), the loopback without masquerade is the fact.

// lanPublic reports whether dc is a passive announcement of a public
// address (one a host may have: noHostAddr's are no one's), not the
// control address, to a client on the server's own private network.
func lanPublic(s *track.Session, dc *track.DataConn) bool {
	if dc == nil || !dc.Passive || !dc.Announced.IsValid() {
		return false
	}
	a := dc.Announced.Addr().Unmap()
	srv, cli := s.Server.Addr().Unmap(), s.Client.Addr().Unmap()
	return !Local(a) && !noHostAddr(a) && a != srv && Local(srv) && Local(cli) && SameNet(cli, srv)
}

// The same holds for a private address (a CGNAT one too) that is not the
// server's: the outside address of a NAT in front of it, set on purpose
// for the clients beyond that NAT (a double NAT, a corporate DMZ, a routed
// private network). But a capture on the client's side of a server
// behind a DNAT looks the same: the client and the DNAT's address on one
// network, the server announcing its own address on another. Only the
// wire tells them apart (lanOutside): the announced address answering
// the client's SYN itself, with a RST or an ICMP port unreachable, is a
// box that does not listen where the server does; the server answering
// it from the control address (a reflection) is the loopback without
// masquerade. Without such evidence natPassive says both readings
// (outsideReadings).

// outsideShape reports whether dc is a passive announcement of a private
// or CGNAT address that is neither the control address nor on its
// network, nor on the private client's: the server behind a DNAT
// announcing its own address, or a NAT's outside address set on purpose.
// A copy of the session seen on the other side of the NAT, at the
// announced address, tells: the server's own.
func outsideShape(s *track.Session, dc *track.DataConn) bool {
	if dc == nil || !dc.Passive || !dc.Announced.IsValid() {
		return false
	}
	a := dc.Announced.Addr().Unmap()
	srv, cli := s.Server.Addr().Unmap(), s.Client.Addr().Unmap()
	if t := s.SameConnection; t != nil && t.Server.Addr().Unmap() == a {
		// The capture holds this control connection again, on the other
		// side of a NAT, to the announced address: it is the server's.
		return false
	}
	cls := Classify(a)
	return (cls == ClassPrivate || cls == ClassCGNAT) && a != srv && a.Is4() == srv.Is4() && Local(srv) && Local(cli) &&
		!SameNet(a, srv) && !SameNet(a, cli)
}

// outsideProven reports whether the wire shows dc's announced address to
// be another box than the server: an ICMP port unreachable from it
// (nothing listens there at the port the server opened; a router that
// forwards sends its ICMP from its own address), the client's SYN sent
// from that very address and refused (the client is on the box that owns
// it), or the server answering from the control address (a router
// looping it back without masquerade). An RST alone from the address
// proves nothing: a reject rule with tcp-reset on a router in front of the
// server forges it with the blocked destination's address.
func outsideProven(s *track.Session, dc *track.DataConn) bool {
	// (The connection's source need not be the control connection's: a
	// client on the NAT box itself connects to the box's own outside
	// address from it.)
	a := dc.Announced.Addr().Unmap()
	if !dc.Seen() || dc.Server.Addr().Unmap() != a {
		return false
	}
	if r := dc.Reflected; r != nil && r.From.Addr().Unmap() == s.Server.Addr().Unmap() {
		return true
	}
	if dc.Outcome == track.OutcomeRefused && dc.RSTFromServer && dc.Client.Addr().Unmap() == a {
		return true
	}
	return portUnreachableFrom(dc, a)
}

// portUnreachableFrom reports whether dc's connect ended with an ICMP or
// ICMPv6 port unreachable from a itself.
func portUnreachableFrom(dc *track.DataConn, a netip.Addr) bool {
	i := dc.ICMP
	if i == nil || !i.IsUnreachable() || i.From.Unmap() != a {
		return false
	}
	return !i.V6 && i.Code == 3 || i.V6 && i.Code == 4
}

// lanOutside reports whether dc announces to a client on the server's own
// network a private address that the wire proves another box's
// (outsideProven): the outside address of a NAT in front of the server,
// set on purpose. pub is the public address clients should be told
// (invalid: not known); one other than the announced address is judged
// by natPassive's own cases.
func lanOutside(s *track.Session, dc *track.DataConn, pub netip.Addr) bool {
	if !outsideShape(s, dc) || !SameNet(s.Client.Addr().Unmap(), s.Server.Addr().Unmap()) {
		return false
	}
	if pub.IsValid() && pub != dc.Announced.Addr().Unmap() {
		return false
	}
	return outsideProven(s, dc)
}

// hairpinSource reports whether dc, announced as lanPublic, reached the
// server at its own address from another host of its network than the
// client: the router, if its NAT loopback masqueraded the client's data
// connection as its own LAN address, or another host that connected to
// the announced port (the capture does not show which is the router).
func hairpinSource(s *track.Session, dc *track.DataConn) bool {
	if !lanPublic(s, dc) || !dc.Seen() {
		return false
	}
	srv, cli := s.Server.Addr().Unmap(), s.Client.Addr().Unmap()
	peer := dc.Client.Addr().Unmap()
	return dc.Server.Addr().Unmap() == srv && peer.IsValid() && peer != cli && Local(peer) && SameNet(peer, srv)
}

// lanAddrAdvice is how to give the clients on the server's own network the
// private address while outside clients keep the public one, in the
// family's words where ftpsniff knows a way.
func lanAddrAdvice(fam family, srv netip.Addr) string {
	switch fam.kind {
	case policy.ServerFileZilla:
		return fmt.Sprintf(`FileZilla Server 0.9.x: tick "Don't use external IP for local connections" in the passive mode settings, so LAN clients are told %s`, srv)
	case policy.ServerIIS:
		return fmt.Sprintf("IIS has no per-client setting (the External IP Address of Firewall applies to every client): a second FTP site for LAN clients, on another address or port, without it, which announces %s", srv)
	case policy.ServerVsftpd:
		return fmt.Sprintf("vsftpd applies pasv_address to every client: serve LAN clients from a second listener (another listen_address or listen_port) without pasv_address, which announces %s", srv)
	case policy.ServerProFTPD:
		return fmt.Sprintf("ProFTPD: keep MasqueradeAddress to what outside clients reach, and serve LAN clients from a <VirtualHost> (another address or port) without it, which announces %s", srv)
	}
	return fmt.Sprintf("a second listener for LAN clients (another address or port) that does not set %s, so it announces %s", fam.briefly().addrName(), srv)
}

// lanOrEPSV is the way around the loopback for the clients on the server's
// own network (who names them in the sentence): the private address, or
// EPSV.
func lanOrEPSV(fam family, srv netip.Addr, who string) string {
	return lanAddrAdvice(fam, srv) + "; or have " + who + " use EPSV, which carries no address"
}

// lanWays is lanOrEPSV for a session whose server refused EPSV (epsv, nil
// when it did not): then not EPSV but clients that ignore the 227's
// address. ignore adds those clients even when EPSV is not refused.
func lanWays(fam family, srv netip.Addr, who string, epsv *track.Command, ignore bool) string {
	switch {
	case epsv != nil:
		return lanAddrAdvice(fam, srv) + "; or have " + who + " ignore the address in the 227 (" + ignoreClients + ") and connect to the control address. EPSV, which carries no address, is no way out here: the server refused it (" + fmt.Sprintf("%q", replyText(epsv.Final())) + ")"
	case ignore:
		return lanAddrAdvice(fam, srv) + "; or have " + who + " use EPSV, which carries no address, or ignore the address in the 227 (" + ignoreClients + ") and connect to the control address"
	}
	return lanOrEPSV(fam, srv, who)
}

// ignoreClients names the clients that connect to the control address
// whatever the 227 says, and how to make the others do so.
const ignoreClients = "curl does so by default since 7.74 (--ftp-skip-pasv-ip), Python's ftplib by default; lftp: set ftp:ignore-pasv-address yes"

// lanKeep is the advice's last word for the address a, announced to a
// client on the server's own network: the clients beyond the NAT need it.
func lanKeep(a netip.Addr) string {
	if !Local(a) {
		return "Outside clients need the public address: keep it for them."
	}
	return fmt.Sprintf("The clients beyond that NAT need %s: keep it for them.", a)
}

// hairpinAdvice is the fix for a LAN client sent to the server's public
// address by its 227 whose data connection did not come back: NAT
// loopback first, with the two causes that look the same from the
// client's side.
func hairpinAdvice(fam family, srv, a netip.Addr, epsv *track.Command) string {
	return "On the router: turn on NAT loopback (hairpin NAT, \"NAT reflection\") for the control port and the passive range, masquerading the connections it loops back (pfSense: \"Enable automatic outbound NAT for Reflection\"; MikroTik: a srcnat rule with the LAN as src-address, dst-address=" + srv.String() + " and action=masquerade), and check that it forwards the whole passive range to the server and that the server's firewall accepts it; a capture on the client that shows a SYN-ACK from " + srv.String() + " answered by the client's RST is a loopback without masquerade. Or give the clients on the server's own network its private address: " +
		lanWays(fam, srv, "those clients", epsv, Local(a)) + ". " + lanKeep(a)
}

// hairpinCauses is what a LAN client's data connection to the public
// address failing looks like from here: the missing loopback is the
// likeliest, and two others look the same.
func hairpinCauses(srv netip.Addr) string {
	return fmt.Sprintf("If outside clients work, the likeliest cause is that the router does not loop connections from the LAN to its public address back to the server (no NAT loopback, hairpin NAT): the classic \"works from outside, fails inside\". Two others look the same from here: a loopback without masquerade (the router forwards the connection to the server, which answers the client directly from %s, and the client rejects that answer: pfSense NAT reflection without automatic outbound NAT, MikroTik without a srcnat masquerade for LAN to LAN), or a passive range the router does not forward or the server's firewall drops.", srv)
}

// natPassiveLAN is natPassive's finding for a lanPublic announcement; ok
// false leaves it to natPassive's other cases.
func (d *Diagnoser) natPassiveLAN(s *track.Session, dc *track.DataConn, a, pub netip.Addr, fam family, quote func() (string, []uint64)) (*Finding, bool) {
	outside := false
	switch {
	case lanPublic(s, dc):
	case lanOutside(s, dc, pub):
		outside = true
	default:
		return nil, false
	}
	srv, cli := s.Server.Addr().Unmap(), s.Client.Addr().Unmap()
	epsv := epsvRefusedIn(s)
	ann, pk := quote()
	ev := joinEvidence(ann, fmt.Sprintf("control connection %s -> %s", s.Client, s.Server))
	head := fmt.Sprintf("The server, at %s, announces the public address %s to client %s on its own network", srv, a, cli)
	outsideFor, to := "clients outside", "its public address"
	if outside {
		// A private address the wire proves another box's: not the
		// server's own, so a NAT's outside address, set on purpose.
		head = fmt.Sprintf("The server, at %s, announces %s, %s that is not its own: the outside address of a NAT in front of it, set on purpose (%s) for the clients beyond that NAT (a double NAT, a DMZ, a routed private network). It announces it to client %s on the server's own network", srv, a, Classify(a).Describe(a), fam.briefly().addrName(), cli)
		outsideFor, to = "the clients beyond that NAT", a.String()
	}
	toPublic := dc.Seen() && dc.Server.Addr().Unmap() == a // the client's connection, to the address announced
	// unproven: nothing shows a to be the server's own public address (a
	// public address given or configured, a connection to it that
	// reached the server, the server's answer reflected: those cases
	// below say so): it may as well be
	// another host's, to which a misconfigured or hostile server sends
	// its clients (the passive counterpart of an FTP bounce). On a
	// privileged port (passive-privileged-port) that is the likelier
	// reading, and no NAT loopback is the lead.
	reflected := dc.Reflected != nil && dc.Reflected.From.Addr().Unmap() == srv
	unproven := !outside && pub != a && !d.wasReached(s, a) && !hairpinSource(s, dc) && !(toPublic && (gotThrough(dc) || reflected))
	privileged := unproven && dc.Announced.Port() < 1024
	rightFor := ": right for clients outside, but"
	if unproven {
		head = fmt.Sprintf("The server, at %s, announces %s, a public address, to client %s on its own network: its own public address if the router in front forwards it to the server (nothing here shows that it does), or another host's, to which a misconfigured or hostile server sends its clients (the passive counterpart of an FTP bounce)", srv, a, cli)
		if privileged {
			head += fmt.Sprintf(". Port %d makes the second likelier: no server listens for passive data below 1024 (see passive-privileged-port)", dc.Announced.Port())
		}
		rightFor = ". If it is the server's own, that is right for clients outside, but"
	}
	dcEvidence := fmt.Sprintf("data connection from %s to %s (packet %d), %s", dc.Client, dc.Server, dc.SYNNum, dc.Outcome)
	switch {
	case hairpinSource(s, dc):
		if !servedForeign(dc) {
			// The server refused it (vsftpd's "425 Security: Bad IP
			// connecting."): data-source-nat says both readings.
			return nil, true
		}
		peer := dc.Client.Addr()
		ev = joinEvidence(ev, fmt.Sprintf("data connection #%d from %s to %s (packet %d), %s", dc.ID, dc.Client, dc.Server, dc.SYNNum, dc.Outcome))
		f := &Finding{Code: CodeNATTranslated, Severity: SeverityInfo, TS: dc.Armed, Packets: packets(pk, []uint64{dc.SYNNum}), Evidence: ev}
		f.Message = fmt.Sprintf("%s, and the data connection arrived from %s, another host of that network, not from %s, and was served. If %s is the router, its NAT loopback (hairpin NAT) brought the client's connection to the public address back masqueraded as the router's LAN address, and it worked because the server accepted a data connection from another address than the control connection's; if it is not, another host took the transfer (see data-foreign-source). This capture does not show which address is the router's.", head, peer, cli, peer)
		f.Advice = fmt.Sprintf("Find out whether %s is the router's LAN address. If it is, the clients on the server's own network depend on its loopback and on the server accepting their data connections from the router's address, which also lets any host that guesses the port take a transfer: give them the private address instead: ", peer) + lanWays(fam, srv, "them", epsv, false) + ". If it is not, see data-foreign-source." + fam.note()
		return f, true
	case toPublic && gotThrough(dc):
		ev = joinEvidence(ev, dcEvidence)
		f := &Finding{Code: CodeNATTranslated, Severity: SeverityInfo, TS: dc.Armed, Packets: packets(pk, []uint64{dc.SYNNum}), Evidence: ev}
		f.Message = fmt.Sprintf("%s, and the client's data connection to %s was answered: the router loops connections to its public address back to the server (NAT loopback, hairpin NAT). This works.", head, dc.Server)
		f.Advice = "Nothing to change. The clients on the server's own network depend on the router's NAT loopback; giving them the private address spares them the detour: " + lanAddrAdvice(fam, srv) + "." + fam.note()
		return f, true
	case toPublic && dc.Outcome.Failed() && reflected:
		// The server's answer from its private address is on the wire,
		// and the client's reset of it: the router does loop the
		// connection back, without masquerading it.
		r := dc.Reflected
		ev = joinEvidence(ev, dcEvidence, reflectionEvidence(dc))
		f := &Finding{Code: CodeNATMismatch, Severity: SeverityError, TS: dc.Armed, Packets: packets(pk, []uint64{dc.SYNNum, r.Num}), Evidence: ev, caused: true, hairpin: true, unmasqueraded: true}
		f.Message = fmt.Sprintf("%s: right for %s, but this client's data connection to %s failed, and the capture shows why: a loopback without masquerade. The router loops the client's connection to %s back to the server without masquerading it, so the server answers the client directly from %s (%s), and the client, which expects an answer from %s, %s.", head, outsideFor, dc.Server, to, r.From, plural(r.SynAcks, "SYN-ACK", "SYN-ACKs"), a, refusedAnswer(r))
		f.Advice = unmasqAdvice(fam, cli, srv, a, epsv) + fam.note()
		return f, true
	case toPublic && dc.Outcome.Failed():
		// The failure is on the wire (SYNs unanswered, refused or
		// unreachable); its cause is not: the readings, likeliest first.
		ev = joinEvidence(ev, dcEvidence)
		f := &Finding{Code: CodeNATMismatch, Severity: SeverityError, TS: dc.Armed, Packets: packets(pk, []uint64{dc.SYNNum}), Evidence: ev, caused: true, hairpin: true}
		f.Message = fmt.Sprintf("%s%s this client's data connection to %s failed (%s). %s", head, rightFor, dc.Server, dc.Outcome, hairpinCauses(srv))
		if outside {
			// outsideProven: the box at the address answered itself.
			how := "with a RST"
			if dc.Outcome != track.OutcomeRefused {
				how = "with an ICMP port unreachable"
			}
			f.Message = fmt.Sprintf("%s: right for %s, but this client's data connection to %s failed: %s answered its SYN itself, %s, so nothing there listens on port %d, the port the server opened. From the server's own network, %s leads back to the server only if the router loops connections to it back (NAT loopback, hairpin NAT) and forwards the whole passive range; this one does not, for this port, or a firewall there rejects it.", head, outsideFor, dc.Server, a, how, dc.Server.Port(), a)
		}
		f.Advice = hairpinAdvice(fam, srv, a, epsv) + fam.note()
		unprovenSaid(f, a, privileged, unproven)
		return f, true
	case !dc.Seen() && dc.Outcome.Failed():
		f := &Finding{Code: CodeNATMismatch, Severity: SeverityWarning, TS: dc.Armed, Packets: packets(pk), Evidence: ev, hairpin: true}
		f.Message = fmt.Sprintf("%s%s this client must go out to the router and come back, and no data connection of it was seen. They never arrive if the router does not loop connections from the LAN to its public address back to the server (no NAT loopback, hairpin NAT: the classic \"works from outside, fails inside\"), loops them back without masquerading them, or does not forward the passive range.", head, rightFor)
		f.Advice = hairpinAdvice(fam, srv, a, epsv) + fam.note()
		unprovenSaid(f, a, privileged, unproven)
		return f, true
	}
	return nil, true
}

// unprovenSaid adds to f, natPassiveLAN's finding for a public address a
// nothing shows to be the server's (unproven), the advice for the other
// reading, another host's address; privileged (a port below 1024, where
// no server listens for passive data): that reading leads, and the
// finding is no NAT loopback's (hairpin: the verdict and the outcome's
// finding blame the address, not the router).
func unprovenSaid(f *Finding, a netip.Addr, privileged, unproven bool) {
	if !unproven {
		return
	}
	other := fmt.Sprintf("If %s is not the server's, no router setting mends it: find out why the server announces it (its passive address setting, or a server that is not yours) and keep clients from following it. If it is: ", a)
	if privileged {
		f.hairpin = false
		f.Advice = other + f.Advice
		return
	}
	f.Advice += fmt.Sprintf(" If %s is not the server's at all, no router setting mends it: find out why the server announces it (its passive address setting, or a server that is not yours).", a)
}

// reflectionEvidence says what the capture shows of dc's reflection.
func reflectionEvidence(dc *track.DataConn) string {
	r := dc.Reflected
	e := fmt.Sprintf("%s from %s to %s acknowledging its SYN (first at packet %d)", plural(r.SynAcks, "SYN-ACK", "SYN-ACKs"), r.From, dc.Client, r.Num)
	switch {
	case r.Resets == 1:
		e += ", reset by the client"
	case r.Resets > 1:
		e += fmt.Sprintf(", reset by the client %d times", r.Resets)
	}
	return e
}

// refusedAnswer says what the client did with the reflected SYN-ACKs.
func refusedAnswer(r *track.Reflection) string {
	them := "them"
	if r.SynAcks == 1 {
		them = "it"
	}
	if r.Resets > 0 {
		return fmt.Sprintf("rejected %s (%s)", them, plural(r.Resets, "RST", "RSTs"))
	}
	return fmt.Sprintf("did not take %s (no ACK followed; its RST is not in the capture)", them)
}

// unmasqAdvice is the fix for a LAN client whose connection the router
// loops back to the server without masquerade: masquerade what it loops
// back, and only that, or keep those clients off the loopback.
func unmasqAdvice(fam family, cli, srv, a netip.Addr, epsv *track.Command) string {
	lan := guessedNet(cli)
	adv := fmt.Sprintf("On the router: masquerade (source-NAT) the connections it loops back from the LAN to the server, and only those, so the server answers through the router: pfSense: NAT reflection with \"Enable automatic outbound NAT for Reflection\" (System > Advanced > Firewall & NAT); MikroTik: /ip firewall nat add chain=srcnat src-address=%s dst-address=%s action=masquerade (before other srcnat rules); iptables: iptables -t nat -A POSTROUTING -s %s -d %s -j MASQUERADE; nft: ip saddr %s ip daddr %s masquerade in the nat postrouting chain (%s stands for the LAN; put the real one). ", lan, srv, lan, srv, lan, srv, lan)
	adv += "The server then sees the data connection come from the router's LAN address while the control connection comes from the client: a server that checks the data connection's source against the control connection's (vsftpd's default pasv_promiscuous=NO answers \"425 Security: Bad IP connecting.\") refuses it. "
	return adv + "Better for those clients: give them the private address: " + lanWays(fam, srv, "them", epsv, Local(a)) + ". " + lanKeep(a)
}

// The other hairpin: a server that announces its own address (no passive
// address set), and a client on its own network that dials the router's
// public address. The router forwards the control port to the server
// and, looping the connection back into the network it came from,
// masquerades it as its own address there (without that the server's
// answers would go to the client directly, and the control connection
// would fail). The client, trusting the 227, connects to the server's
// address itself: the data connection does not cross the router, and the
// server sees it come from the client, the control connection from the
// router. A server that checks (vsftpd's default pasv_promiscuous=NO)
// refuses it: no translator of data connections is involved, only the
// two paths. The TTLs show the two paths (decode.Hops): the control
// connection's segments of the far side routed, the data connection's
// direct (hairpinDirect).

// hairpinDirect reports whether the TTLs show dc, a passive data
// connection between a client and a server on one network, taking the
// direct path while its control connection went through a router (the
// hairpin above). clientSide: the capture is on the client's side (the
// server's control segments came routed, the data connection was
// answered directly by the announced address, on the client's network);
// else on the server's (the control connection came routed from an
// address of the server's network, the data connection directly from
// another of them).
func hairpinDirect(s *track.Session, dc *track.DataConn) (clientSide, ok bool) {
	if dc == nil || !dc.Passive || !dc.Seen() || !dc.Announced.IsValid() {
		return false, false
	}
	a := dc.Announced.Addr().Unmap()
	srv, cli := s.Server.Addr().Unmap(), s.Client.Addr().Unmap()
	to, from := dc.Server.Addr().Unmap(), dc.Client.Addr().Unmap()
	switch {
	case from == cli && to == a && a != srv && Local(a) && Local(cli) && SameNet(a, cli) &&
		s.Hops.Beyond(true) && dc.Hops.Direct(true):
		return true, true
	case from != cli && to == srv && Local(from) && Local(cli) && Local(srv) && SameNet(from, srv) && SameNet(cli, srv) &&
		s.Hops.Beyond(false) && dc.Hops.Direct(false):
		return false, true
	}
	return false, false
}

// hairpinDirectWhy says what the two paths of hairpinDirect were, as the
// capture shows them.
func hairpinDirectWhy(s *track.Session, dc *track.DataConn, clientSide bool) string {
	if clientSide {
		a := dc.Announced.Addr()
		return fmt.Sprintf("the client %s reaches the control port at %s through a router (the server's segments came with a lowered TTL), which forwards it to the server at %s on the client's own network and masquerades it (hairpin NAT: the server sees the control connection come from the router's address there), while the client, trusting the 227, connected to %s directly (its answer came with a host's initial TTL: no router in between), from its own address",
			s.Client.Addr(), s.Server.Addr(), a, a)
	}
	return fmt.Sprintf("the control connection came from %s through a router (its segments with a lowered TTL), the data connection from %s directly (with a host's initial TTL: no router in between), both addresses of the server's own network: a hairpin NAT. The client %s, on the server's network, dials the router's public address, which forwards the control port to the server and masquerades it as %s, its own address there, while the client, trusting the 227, connected to %s directly",
		s.Client.Addr(), dc.Client.Addr(), dc.Client.Addr(), s.Client.Addr(), dc.Server.Addr())
}

// hairpinDirectFix is the fix for hairpinDirect: one path for both
// connections. The helper on the router makes the 227 name the public
// address (nf_nat_ftp), and the data connection follows the control
// connection through it; the inside address for the inside clients
// keeps both off the router; a passive address set to the public one
// works only if the router also forwards and loops back the passive
// range. A capture on the server's side sees the control port after
// the router's DNAT, which may have changed it.
func hairpinDirectFix(s *track.Session, dc *track.DataConn, fam family, clientSide bool) string {
	srv := dc.Server.Addr()
	port := fmt.Sprintf("%d", s.Server.Port())
	if clientSide {
		srv = dc.Announced.Addr()
	} else {
		port += " (the control port as this capture sees it, behind the router: the rule matches the port clients dial, before its DNAT)"
	}
	return fmt.Sprintf("Attach the FTP helper on the router, to connections to port %s: %s (or %s), plus ct state related accept in its forward chain; its nf_nat_ftp rewrites the 227 to the public address, and the data connection then takes the router's path as the control connection does (not under FTPS). Or have the clients on the server's own network reach it at its inside address %s (split DNS: its name resolving to %s inside), so that neither connection crosses the router. Or set %s and have the router forward the passive range to the server and loop it back masqueraded, as it does the control port",
		port, nftHelperTable(s.Server.Port(), false), iptablesHelperRule(s.Server.Port(), false, isV6(s.Server)), srv, srv, fam.addrSet("<public address>"))
}
