package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// foreignSource finds a passive data connection that got through from
// another address than the session's control client: the tracker matched
// it by the announced port only (track.MatchPortOnly), its client is not
// the control connection's, and the server answered it and let it run.
// Either another host took the transfer (passive port theft: it connected
// to the announced port first, and a stock server refuses it:
// vsftpd pasv_promiscuous=NO, ProFTPD AllowForeignAddress off), or the
// client's own connections leave a NAT pool from different addresses (a
// CGNAT or load balancer without "paired" pooling), which the capture
// cannot tell apart. From another IPv6 address of the client's /64, the
// client host's own temporary address is the likelier reading, an info
// (ownPrefixSource). A server that refused it is data-source-nat's.
func (d *Diagnoser) foreignSource(s *track.Session, dc *track.DataConn) *Finding {
	if dc == nil || !dc.Passive || dc.Match != track.MatchPortOnly || !gotThrough(dc) {
		return nil
	}
	peer, cli := dc.Client.Addr().Unmap(), s.Client.Addr().Unmap()
	if !peer.IsValid() || peer == cli {
		return nil // the server's side of the match differed: a NAT in front of the server
	}
	if !servedForeign(dc) && (dc.Thief == nil || dc.TotalBytes() == 0) {
		if closedAtOnce(dc) {
			// Judged at the session's end (foreignClosed): whether the
			// transfer was answered, and the server waited on, is not
			// known yet.
			d.holdClosedForeign(s, dc)
		}
		// (Bytes that went to a thief were taken, whatever the server
		// told the client after.)
		return nil
	}
	f := &Finding{Code: CodeDataForeignSource, Severity: SeverityWarning, Session: s, Data: dc, TS: dc.FirstSYN}
	if f.TS.IsZero() {
		f.TS = dc.Start
	}
	ann, pk := announcement(dc)
	pk = append(pk, dc.SYNNum)
	what := fmt.Sprintf("Data connection #%d", dc.ID)
	if c := dc.Command; c != nil {
		what = fmt.Sprintf("The data connection of %s", commandText(c))
		pk = append(pk, c.Num)
	}
	moved, where := "", "the data connection was another address's than the client's"
	switch {
	case dc.Bytes[1] > 0 && dc.Bytes[0] > 0:
		moved, where = fmt.Sprintf(" and exchanged %s with it", plural(int(dc.TotalBytes()), "byte", "bytes")), "the data went to and came from another address than the client's"
	case dc.Bytes[1] > 0:
		moved, where = " and sent it "+plural(int(dc.Bytes[1]), "byte", "bytes"), "the data went to another address than the client's"
	case dc.Bytes[0] > 0:
		moved, where = fmt.Sprintf(" and took %s from it", plural(int(dc.Bytes[0]), "byte", "bytes")), "the data came from another address than the client's"
	}
	f.Evidence = joinEvidence(ann, fmt.Sprintf("control connection from %s", s.Client),
		fmt.Sprintf("data connection #%d from %s (packet %d), %s, port-only match", dc.ID, dc.Client, dc.SYNNum, dc.Outcome))
	f.Packets = packets(pk)
	f.Message = fmt.Sprintf("%s came from %s, not from the session's client %s, and the server accepted it%s: %s. Either another host connected to the announced port first and took the transfer (passive port theft), or the client's connections leave a NAT pool from different addresses (a CGNAT or load balancer that does not keep one address per client).",
		what, peer, cli, moved, where)
	fam := d.family(s)
	if th := dc.Thief; th != nil {
		// The client's own SYN came after it and the server refused it
		// with RST (track: takeTheft): the other host is not the
		// client's, and it took the transfer for certain.
		f.Severity = SeverityError
		got := "completed its handshake"
		switch {
		case dc.Bytes[1] > 0 && dc.Bytes[0] > 0:
			got = fmt.Sprintf("exchanged %d bytes with it (%d to it, %d from it)", dc.TotalBytes(), dc.Bytes[1], dc.Bytes[0])
		case dc.Bytes[1] > 0:
			got = "sent it the transfer, " + plural(int(dc.Bytes[1]), "byte", "bytes")
		case dc.Bytes[0] > 0:
			got = "took the transfer from it, " + plural(int(dc.Bytes[0]), "byte", "bytes")
		}
		f.Message = fmt.Sprintf("Passive port theft (RFC 2577): another host, %s, connected to the announced port %s before the session's client %s did (packet %d), and the server accepted it and %s, then refused the client's own SYN with RST (see the data-stray event). Not a firewall problem: the port was open, and another host took it first.",
			dc.Client, dc.Server, cli, dc.SYNNum, got)
		f.Evidence = joinEvidence(ann, fmt.Sprintf("control connection from %s", s.Client),
			fmt.Sprintf("data connection #%d from %s (packet %d), %s, port-only match; the client's own SYN from %s to %s came after it, answered by RST", dc.ID, dc.Client, dc.SYNNum, dc.Outcome, cli, dc.Server))
		f.Advice = "Make the server accept a passive data connection only from the control connection's address, as stock servers do (vsftpd pasv_promiscuous=NO and ProFTPD AllowForeignAddress off are the defaults): undo " + fam.sourceCheckOff() + ". No firewall rule is needed for the client. Treat what was sent to " + peer.String() + " as disclosed, and find out who it is."
		if fam.ownDataSettings() {
			f.Advice += fam.note()
		}
		return f
	}
	if ownPrefixSource(s, dc) {
		// Another address of the client's own /64: its temporary
		// address, most likely. Nothing failed, nothing proves a theft:
		// an info, which no alarm takes for an attack.
		f.Severity, f.ownPrefix = SeverityInfo, true
		f.Message = fmt.Sprintf("%s came from %s, not from the session's client %s, and the server accepted it%s. Both addresses are in the same IPv6 /64: most likely the client host itself opened the data connection from another of its addresses, %s. Less likely, another host on that network connected to the announced port first and took the transfer. It worked because the server accepts data connections from other addresses than the control connection's (stock servers refuse them).",
			what, peer, cli, moved, tempAddrWhy)
		f.Advice = "Nothing failed here. Before the server refuses data connections from other addresses again, as stock servers do, make this client use one address for both connections, or its transfers will fail: " + tempAddrFix + ". Then undo " + fam.sourceCheckOff() + ". If " + peer.String() + " is not the client's address, another host took the transfer: undo that setting now."
		if fam.ownDataSettings() {
			f.Advice += fam.note()
		}
		return f
	}
	if _, ok := hairpinDirect(s, dc); ok {
		// The TTLs show the control connection through the router and
		// this one straight from a host of the server's network: the
		// client's own, over the hairpin's other path.
		f.Severity, f.hairpinDirect = SeverityInfo, true
		f.Message = fmt.Sprintf("%s came from %s, not from the session's client %s, and the server accepted it%s: %s. It worked because the server accepts a data connection from another address than the control connection's (the router's), which also lets any host that guesses the port take a transfer; a server that checks, as vsftpd does by default, refuses it.",
			what, peer, cli, moved, hairpinDirectWhy(s, dc, false))
		f.Advice = "Nothing failed here, if " + peer.String() + " is the client. To keep both connections on one path, so that the server can refuse data connections from other addresses again: " + hairpinDirectFix(s, dc, fam, false) + "." + fam.note()
		return f
	}
	if hairpinSource(s, dc) {
		// Client, server and the source on one private network, and
		// the 227 named the public address: the router's NAT loopback
		// masquerading the client is the likelier reading, but nothing
		// on the wire shows that the source is the router.
		f.hairpin = true
		f.Message = fmt.Sprintf("%s came from %s, not from the session's client %s, and the server accepted it%s: %s. All three are on the server's own network, and the 227 sent the client to the public address %s: either the router's NAT loopback (hairpin NAT) masqueraded the client's connection as the router's LAN address (is %s the router?), or another host connected to the announced port first and took the transfer (passive port theft).",
			what, peer, cli, moved, where, dc.Announced.Addr(), peer)
		f.Advice = fmt.Sprintf("Find out whether %s is the router's LAN address. If it is, give the clients on the server's own network the private address, so their data connections stay inside and the server can refuse data connections from other addresses again: ", peer) + lanOrEPSV(fam, s.Server.Addr().Unmap(), "those clients") + ". If it is not, another host took the transfer: make the server accept a passive data connection only from the control connection's address, which stock servers do: undo " + fam.sourceCheckOff() + "." + fam.note()
		return f
	}
	f.Advice = "Make the server accept a passive data connection only from the control connection's address, which stock servers do: undo " + fam.sourceCheckOff() + ". If " + peer.String() + " belongs to the client, keep its source address the same for both connections instead: one SNAT address for the whole client (CGNAT/load balancer: address pooling \"paired\", sticky source)."
	if fxpLikeSource(dc) {
		// No client opens a data connection from a port below 1024,
		// and no NAT pool maps it there: an FTP server's active-mode
		// connection, which a client driving a server-to-server
		// transfer sends here on purpose.
		f.fxpLike = true
		f.Message = fmt.Sprintf("%s came from %s, not from the session's client %s, and the server accepted it%s: %s. Its source port %d is below 1024, where FTP servers open their active-mode data connections (port 20, or the control port less one): most likely a server-to-server (FXP) transfer, in which the client passed this endpoint to the server at %s in a PORT/EPRT; this capture does not hold that control connection (one that does makes it fxp-transfer). Otherwise another host connected to the announced port first and took the transfer (passive port theft).",
			what, dc.Client, cli, moved, where, dc.Client.Port(), peer)
		f.Advice = "If this server is meant to take part in site-to-site (FXP) transfers, nothing to change: FXP needs it to accept data connections from other addresses, as it does (" + fam.sourceCheckOff() + "). If it is not, make it accept a passive data connection only from the control connection's address, which stock servers do: undo that setting, and find out who " + peer.String() + " is."
	}
	if fam.ownDataSettings() {
		f.Advice += fam.note()
	}
	return f
}

// servedForeign reports whether the server used dc for its transfer:
// data moved on it, or its transfer command ended in success. vsftpd and
// pyftpdlib complete the handshake of a connection from another address
// and only then refuse it ("425 Security: Bad IP connecting."):
// data-source-nat's, not a transfer served to another address.
func servedForeign(dc *track.DataConn) bool {
	c := dc.Command
	if c != nil {
		for _, r := range c.Replies {
			if r.Code == 425 || r.Code == 426 {
				return false
			}
		}
	}
	if dc.Outcome == track.OutcomeTransferred {
		return true
	}
	if c == nil {
		return false
	}
	f := c.Final()
	return f != nil && f.Code/100 == 2
}

// ownPrefixSource reports whether dc came from another IPv6 address of the
// control client's /64. The likeliest source is the client host itself: a
// host with temporary addresses (RFC 8981, RFC 4941; on by default on
// Windows, macOS and many Linux desktops) opens each new connection from
// its newest one, so a data connection opened after the address rotated,
// or by a client that does not bind it to the control connection's local
// address, leaves from another address of the same /64. IPv6 rarely has a
// NAT; another host of that network is the other reading. /64s that many
// unrelated hosts share are excluded: link-local, Teredo, and the NAT64
// prefixes in which IPv4 hosts appear (SIIT-DC).
func ownPrefixSource(s *track.Session, dc *track.DataConn) bool {
	cli, peer := s.Client.Addr().Unmap(), dc.Client.Addr().Unmap()
	if !cli.Is6() || !peer.Is6() || cli == peer || !SameNet(cli, peer) {
		return false
	}
	if c := Classify(cli); c != ClassPublic && c != ClassPrivate {
		return false
	}
	if !randomIID(peer) {
		// A temporary address's interface identifier is random (RFC
		// 8981 3.3): ::66 or an EUI-64 one is a host's fixed address,
		// another host's as likely as this client's.
		return false
	}
	for _, p := range sharedV6 {
		if p.Contains(cli) {
			return false
		}
	}
	return true
}

// randomIID reports whether a's interface identifier (its low 64 bits)
// looks random, as a temporary address's is: not a small number (a
// manually numbered or DHCPv6 address, ::66) and not an EUI-64 one made
// from a MAC address (ff:fe in its middle), which is a host's stable
// address.
func randomIID(a netip.Addr) bool {
	b := a.As16()
	if b[8]|b[9]|b[10]|b[11] == 0 {
		return false
	}
	return b[11] != 0xff || b[12] != 0xfe
}

// sharedV6 are the IPv6 prefixes whose /64s hold unrelated hosts.
var sharedV6 = []netip.Prefix{
	netip.MustParsePrefix("2001::/32"),      // Teredo (RFC 4380)
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64 well-known prefix (RFC 6052)
	netip.MustParsePrefix("64:ff9b:1::/48"), // NAT64 local-use prefix (RFC 8215)
}

// tempAddrWhy says how a host's own other address of its /64 comes to
// open the data connection.
const tempAddrWhy = "a temporary (\"privacy\") address (RFC 8981/4941, the default on Windows and macOS and on many Linux desktops): the host opens new connections from its newest one, so a data connection made after the address rotated, or by a client that does not bind it to the control connection's address, leaves from another address"

// tempAddrFix is how to make such a client use one address for both
// connections.
const tempAddrFix = "have the client open its data connections from the control connection's local address (curl --interface ADDR, Python ftplib's source_address), or make the client host prefer its stable address (Linux: sysctl net.ipv6.conf.IFACE.use_tempaddr=1, or 0 for no temporary addresses; NetworkManager: ipv6.ip6-privacy the same way; Windows: netsh interface ipv6 set privacy state=disabled; macOS: sysctl net.inet6.ip6.use_tempaddr=0)"

// maxClosedForeign bounds the connections of one session held for
// foreignClosed whose transfer commands are not answered yet; one more is
// counted (Omitted.ForeignClosesNotJudged), not held.
const maxClosedForeign = 4

// holdClosedForeign keeps dc for foreignClosed to judge at the session's
// end. The held connections whose transfer commands were answered since
// (a 550 for a missing file, a 150) can no longer be a silent refusal:
// they give up their places first, so that a session's earlier transfers
// refused with a reply do not crowd out a later silent one.
func (d *Diagnoser) holdClosedForeign(s *track.Session, dc *track.DataConn) {
	st := d.state(s)
	if st.sourceRefused {
		return // the server said why (pyftpdlib's 425): foreignClosed judges none
	}
	m := st.moreState()
	m.closedForeign = slices.DeleteFunc(m.closedForeign, func(x *track.DataConn) bool { return !transferUnanswered(x.Command) })
	if len(m.closedForeign) >= maxClosedForeign {
		d.omitted.ForeignClosesNotJudged++
		return
	}
	m.closedForeign = append(m.closedForeign, dc)
}

// transferUnanswered reports whether c, a transfer command, got no reply
// so far and none was lost in a gap: a silent refusal's still may be.
func transferUnanswered(c *track.Command) bool {
	return c != nil && len(c.Replies) == 0 && (c.Status == track.StatusPending || c.Status == track.StatusNoReply)
}

// serverClosedAt is when the server closed dc (its first FIN, or its
// RST), zero when it did not close it first.
func serverClosedAt(dc *track.DataConn) time.Time {
	closed := dc.FINTS[1]
	if closed.IsZero() && dc.RSTFromServer && !dc.RSTTS.IsZero() {
		closed = dc.RSTTS
	}
	if !dc.FINTS[0].IsZero() && !closed.IsZero() && dc.FINTS[0].Before(closed) {
		return time.Time{}
	}
	return closed
}

// closedAtOnce reports whether the server closed dc, a data connection
// that carried nothing and no thief took, within closeAtOnce of its
// handshake, before the client did; for foreignClosed to judge.
func closedAtOnce(dc *track.DataConn) bool {
	if dc.Thief != nil || dc.TotalBytes() != 0 || dc.AckTS.IsZero() || dc.Command == nil {
		return false
	}
	closed := serverClosedAt(dc)
	return !closed.IsZero() && closed.Sub(dc.AckTS) <= closeAtOnce
}

// closedForeignFindings judges, at the session's end, the data
// connections foreignSource held (foreignClosed).
func (d *Diagnoser) closedForeignFindings(s *track.Session) []*Finding {
	st := d.sess[s]
	if st == nil || st.more == nil || len(st.more.closedForeign) == 0 {
		return nil
	}
	var out []*Finding
	for _, dc := range st.more.closedForeign {
		if f := d.foreignClosed(s, dc, dc.Client.Addr().Unmap(), s.Client.Addr().Unmap()); f != nil {
			out = append(out, f)
		}
	}
	st.more.closedForeign = nil
	return out
}

// closeAtOnce: a server that closes a data connection within this of
// its handshake, nothing sent, did not mean to use it. waitedOn: the
// session goes on at least this long after, with the transfer command
// unanswered, for the server to be seen waiting for another connection.
const (
	closeAtOnce = time.Second
	waitedOn    = 3 * time.Second
)

// foreignClosed is the data-source-nat of a server that refuses a data
// connection from another address than the control connection's without
// a word: ProFTPD (AllowForeignAddress off, its default; pr_inet_accept
// closes it and accepts again) closes it at once and waits on for the
// client's own, so the transfer
// command gets no reply, where vsftpd answers 425 "Security: Bad IP
// connecting." and pyftpdlib a 425 of its own (dataSourceTranslated).
// The connection is passive, matched by the port alone from peer (not
// the control client cli), carried nothing, and the server closed it
// (FIN or RST) first, within closeAtOnce of the handshake.
func (d *Diagnoser) foreignClosed(s *track.Session, dc *track.DataConn, peer, cli netip.Addr) *Finding {
	closed := serverClosedAt(dc)
	c := dc.Command
	if c == nil || len(c.Replies) > 0 || c.Status != track.StatusNoReply || d.state(s).sourceRefused {
		// Answered: a 150 means the server took the connection (an
		// empty transfer closes it as fast), a 550 for a missing file
		// closes it too, a reply lost in a gap may be either, and a 425
		// that says why (vsftpd's "Bad IP connecting", pyftpdlib's
		// foreign address) is dataSourceTranslated's.
		return nil
	}
	if s.EndReason == track.EndCaptureEnd || s.End.Sub(closed) < waitedOn {
		return nil // nothing shows the server waiting on
	}
	if k := d.family(s).kind; k == policy.ServerVsftpd || k == policy.ServerPyftpdlib {
		return nil // they refuse with a 425 that says so, never silently
	}
	f := &Finding{Code: CodeDataSourceNAT, Severity: SeverityError, Session: s, Data: dc, Command: c, TS: closed}
	ann, pk := announcement(dc)
	f.Packets = packets(append(pk, dc.SYNNum, c.Num))
	reply := "no reply"
	f.Evidence = joinEvidence(ann, fmt.Sprintf("control connection from %s", s.Client),
		fmt.Sprintf("data connection #%d from %s (packet %d), port-only match, closed by the server %s after its handshake with nothing sent", dc.ID, dc.Client, dc.SYNNum, dur(closed.Sub(dc.AckTS))),
		fmt.Sprintf("%s -> %s", commandText(c), reply))
	fam := d.family(s)
	why := "Either something between them translates the source of the data connection only (a CGNAT or load balancer without \"paired\" address pooling, Docker's userland proxy), or another host connected to the announced port first."
	fix := "Keep one source address for both of the client's connections (SNAT/CGNAT address pooling \"paired\", one SNAT address per client; Docker: userland-proxy off)"
	if _, ok := hairpinDirect(s, dc); ok {
		// The TTLs show the two paths: no translator of data
		// connections.
		f.hairpinDirect = true
		why = "The capture shows why: " + hairpinDirectWhy(s, dc, false) + "."
		fix = hairpinDirectFix(s, dc, fam, false)
	} else if ownPrefixSource(s, dc) {
		f.ownPrefix = true
		why = "Both are in the same IPv6 /64: most likely the client host itself opened it from another of its addresses, " + tempAddrWhy + "."
		fix = "Fix it on the client: " + tempAddrFix
	}
	f.Message = fmt.Sprintf("The data connection of %s came from %s, not from the session's client %s, and the server closed it at once without sending anything: ProFTPD (AllowForeignAddress off, its default) refuses a data connection from another address than the control connection's this way, without a reply, and waits for the client's own, so the transfer got %s. %s",
		commandText(c), peer, cli, reply, why)
	f.Advice = fix + ". Only as a last resort let the server accept data connections from other addresses, which lets anyone who guesses the port take the transfer: " + fam.sourceCheckOff() + "."
	if fam.ownDataSettings() {
		f.Advice += fam.note()
	}
	return f
}

// fxpLikeSource reports whether dc, a passive data connection from
// another address than its client's, came from a port below 1024: where
// FTP servers open their active-mode data connections (port 20, or the
// control port less one), not a client's port, nor one a NAT pool maps
// to. A server-to-server (FXP) transfer's connection looks so from the
// passive side.
func fxpLikeSource(dc *track.DataConn) bool {
	return dc.Client.Port() != 0 && dc.Client.Port() < 1024
}
