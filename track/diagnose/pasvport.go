package diagnose

import (
	"fmt"
	"net/netip"

	"github.com/ftpsniff/ftpsniff/track"
)

// A passive announcement (227, 228, 229) names where the server listens
// for the data connection, and no server listens on a privileged port
// (below 1024) for it: RFC 959 has PASV listen on a port that is not the
// server's default data port (20, its own source port in active mode),
// binding a port below 1024 takes root, and every server hands out its
// passive ports from 1024 up. A privileged port there is a service's
// (22, 25, 445): a server misconfigured, or a hostile one that sends its
// clients to connect to that service, of its own host or of a third one,
// on its behalf (the passive counterpart of the PORT an FTP bounce
// names, which ftp-bounce reports). Port 20 is no exception.

// noHostAddr reports whether a, an announced address Classify counts as
// public, is one no host has: the limited broadcast address, a multicast
// group, IPv4's reserved 240.0.0.0/4 (describeTarget names them). No
// client connects there, and it is nobody's public address.
func noHostAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && Classify(a) == ClassPublic && describeTarget(a) != ClassPublic.Describe(a)
}

// passivePrivilegedPort is the warning for dc, a passive data endpoint,
// when its announcement names a privileged port; nil otherwise.
func (d *Diagnoser) passivePrivilegedPort(s *track.Session, dc *track.DataConn) *Finding {
	if dc == nil || !dc.Passive || dc.Via == 0 || !dc.Announced.IsValid() || dc.Announced.Port() >= 1024 || dc.AfterUnsolicited() {
		// (A reply that answered no command is not read as the
		// server's: hedgeUnsolicited.)
		return nil
	}
	a, port, srv := dc.Announced.Addr().Unmap(), dc.Announced.Port(), s.Server.Addr().Unmap()
	ann, pk := announcement(dc)
	whose := fmt.Sprintf("the server's own address %s", a)
	if a != srv {
		whose = fmt.Sprintf("%s (%s), not the server's %s", a, describeTarget(a), srv)
	}
	f := &Finding{Code: CodePassivePrivilegedPort, Severity: SeverityWarning, TS: dc.Armed, Evidence: ann}
	f.Message = fmt.Sprintf("The server's %s names privileged port %d of %s: no server listens for passive data on a port below 1024 (RFC 959 has PASV listen on a port other than the default data port 20, and servers hand out passive ports from 1024 up), so a service listens there. A misconfigured server, or a hostile one, sends its clients to that service: the passive counterpart of an FTP bounce.",
		dc.Via, port, whose)
	switch {
	case dc.Seen() && gotThrough(dc):
		f.Message += fmt.Sprintf(" The client connected to %s, and it answered.", dc.Server)
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("data connection from %s to %s (packet %d), %s", dc.Client, dc.Server, dc.SYNNum, dc.Outcome))
		pk = append(pk, dc.SYNNum)
	case dc.Seen():
		f.Message += fmt.Sprintf(" The client tried to connect to %s (%s).", dc.Server, dc.Outcome)
		f.Evidence = joinEvidence(f.Evidence, fmt.Sprintf("data connection from %s to %s (packet %d), %s", dc.Client, dc.Server, dc.SYNNum, dc.Outcome))
		pk = append(pk, dc.SYNNum)
	}
	f.Packets = packets(pk)
	f.Advice = fmt.Sprintf("Open no firewall port for %d on this: it is no passive port. If the server is yours, set its passive port range to ports from 1024 up (%s) and check the address it announces; if it is not, find out who runs it, and keep clients from following its replies.",
		port, d.family(s).rangeNameIn())
	return f
}
