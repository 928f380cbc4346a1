package diagnose

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// The LAN client of a server behind NAT: client and server on one private
// network (sameNet), and the server announcing a public address, the one
// its NAT forwards to it (vsftpd pasv_address, ProFTPD MasqueradeAddress,
// Pure-FTPd ForcePassiveIP, IIS's External IP Address of Firewall,
// FileZilla Server's "Use the following IP"). That is right for outside
// clients; a client on the server's own network must go out to the
// router and come back: only a router that loops connections to its
// public address back inside (NAT loopback, hairpin NAT) gets it there,
// and one that does so usually masquerades them as its own LAN address,
// so the server sees the data connection come from the router. No
// firewall rule on the server changes either.

// lanPublic reports whether dc is a passive announcement of a public
// address, not the control address, to a client on the server's own
// private network.
func lanPublic(s *track.Session, dc *track.DataConn) bool {
	if dc == nil || !dc.Passive || !dc.Announced.IsValid() {
		return false
	}
	a := dc.Announced.Addr().Unmap()
	srv, cli := s.Server.Addr().Unmap(), s.Client.Addr().Unmap()
	return !local(a) && a != srv && local(srv) && local(cli) && sameNet(cli, srv)
}

// hairpinSource reports whether dc, announced as lanPublic, reached the
// server at its own address from another host of its network than the
// client: the router, whose NAT loopback masquerades the client's data
// connection as its own LAN address.
func hairpinSource(s *track.Session, dc *track.DataConn) bool {
	if !lanPublic(s, dc) || !dc.Seen() {
		return false
	}
	srv, cli := s.Server.Addr().Unmap(), s.Client.Addr().Unmap()
	peer := dc.Client.Addr().Unmap()
	return dc.Server.Addr().Unmap() == srv && peer.IsValid() && peer != cli && local(peer) && sameNet(peer, srv)
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

// hairpinAdvice is the fix for a LAN client sent to the server's public
// address by its 227.
func hairpinAdvice(fam family, srv netip.Addr) string {
	return "Opening ports on a firewall changes nothing here. Turn on NAT loopback (hairpin NAT, \"NAT reflection\") on the router for the control port and the passive range; or give the clients on the server's own network its private address: " +
		lanAddrAdvice(fam, srv) + "; or have those clients use EPSV, which carries no address. Outside clients need the public address: keep it for them."
}

// natPassiveLAN is natPassive's finding for a lanPublic announcement; ok
// false leaves it to natPassive's other cases.
func (d *Diagnoser) natPassiveLAN(s *track.Session, dc *track.DataConn, a netip.Addr, fam family, quote func() (string, []uint64)) (*Finding, bool) {
	if !lanPublic(s, dc) {
		return nil, false
	}
	srv, cli := s.Server.Addr().Unmap(), s.Client.Addr().Unmap()
	ann, pk := quote()
	ev := joinEvidence(ann, fmt.Sprintf("control connection %s -> %s", s.Client, s.Server))
	head := fmt.Sprintf("The server, at %s, announces the public address %s to client %s on its own network", srv, a, cli)
	switch {
	case hairpinSource(s, dc):
		if !servedForeign(dc) {
			// The server refused it (vsftpd's "425 Security: Bad IP
			// connecting."): data-source-nat names the hairpin.
			return nil, true
		}
		ev = joinEvidence(ev, fmt.Sprintf("data connection #%d from %s to %s (packet %d), %s", dc.ID, dc.Client, dc.Server, dc.SYNNum, dc.Outcome))
		f := &Finding{Code: CodeNATTranslated, Severity: SeverityInfo, TS: dc.Armed, Packets: packets(pk, []uint64{dc.SYNNum}), Evidence: ev}
		f.Message = fmt.Sprintf("%s: its data connection went out to the router and came back through the router's NAT loopback (hairpin NAT), which masquerades it: it arrived from %s, not from %s. It works because the server accepted a data connection from another address than the control connection's.", head, dc.Client.Addr(), cli)
		f.Advice = "Nothing needs to change for it to work. The clients on the server's own network depend on the router's loopback and on the server accepting their data connections from the router's address; to spare them the detour, give them the private address: " + lanAddrAdvice(fam, srv) + "." + fam.note()
		return f, true
	case dc.Seen() && dc.Server.Addr().Unmap() == a && gotThrough(dc):
		ev = joinEvidence(ev, fmt.Sprintf("data connection from %s to %s (packet %d), %s", dc.Client, dc.Server, dc.SYNNum, dc.Outcome))
		f := &Finding{Code: CodeNATTranslated, Severity: SeverityInfo, TS: dc.Armed, Packets: packets(pk, []uint64{dc.SYNNum}), Evidence: ev}
		f.Message = fmt.Sprintf("%s, and the client's data connection to %s was answered: the router loops connections to its public address back to the server (NAT loopback, hairpin NAT). This works.", head, dc.Server)
		f.Advice = "Nothing to change. The clients on the server's own network depend on the router's NAT loopback; giving them the private address spares them the detour: " + lanAddrAdvice(fam, srv) + "." + fam.note()
		return f, true
	case dc.Seen() && dc.Server.Addr().Unmap() == a && dc.Outcome.Failed():
		ev = joinEvidence(ev, fmt.Sprintf("data connection from %s to %s (packet %d), %s", dc.Client, dc.Server, dc.SYNNum, dc.Outcome))
		f := &Finding{Code: CodeNATMismatch, Severity: SeverityError, TS: dc.Armed, Packets: packets(pk, []uint64{dc.SYNNum}), Evidence: ev, caused: true, hairpin: true}
		f.Message = fmt.Sprintf("%s: right for clients outside, but this client's data connection to %s went to the router and did not come back (%s). The router does not loop connections from the LAN to its public address back to the server (no NAT loopback, hairpin NAT): the classic \"works from outside, fails inside\".", head, dc.Server, dc.Outcome)
		f.Advice = hairpinAdvice(fam, srv) + fam.note()
		return f, true
	case !dc.Seen() && dc.Outcome.Failed():
		f := &Finding{Code: CodeNATMismatch, Severity: SeverityWarning, TS: dc.Armed, Packets: packets(pk), Evidence: ev, hairpin: true}
		f.Message = fmt.Sprintf("%s: right for clients outside, but this client must go out to the router and come back, and no data connection of it was seen. If the router does not loop connections from the LAN to its public address back to the server (no NAT loopback, hairpin NAT), they never arrive: the classic \"works from outside, fails inside\".", head)
		f.Advice = hairpinAdvice(fam, srv) + fam.note()
		return f, true
	}
	return nil, true
}

// farFromServer reports whether dc's handshake shows the capture point a
// round trip away from the server: its SYN-ACK came at least
// serverTurnaround after the SYN it answered. A capture on the server, or
// beside it behind its DNAT, sees the SYN-ACK leave at once; one taken
// where the client is sees the path's round trip. Not seen from the
// server's side, the address the client connected to is the one it
// dialed: no DNAT rewrote it before the capture.
func farFromServer(dc *track.DataConn) bool {
	if dc == nil || dc.SYNs != 1 || dc.SynAckTS.IsZero() || dc.LastSYN.IsZero() {
		return false
	}
	return dc.SynAckTS.Sub(dc.LastSYN) >= serverTurnaround
}

// serverTurnaround: a SYN-ACK later than this after the SYN crossed a
// path, not just the server's own stack.
const serverTurnaround = 5 * time.Millisecond
