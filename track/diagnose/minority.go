package diagnose

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ftpsniff/ftpsniff/track"
)

// A server's data connections that failed for some clients while other
// clients' got through the same way are those clients' path's fault, not
// the server's range: the server summary keeps, per direction, which
// clients' data connections got through and which failed, so that its
// verdict can tell the two apart (clientPathVerdict).

// maxSummaryClients bounds each client list of a server summary: beyond
// it, clients are not named one by one, and their data connections are
// counted in clientMarks.dropped.
const maxSummaryClients = 32

// clientMark is one client of a server summary's list.
type clientMark struct {
	addr netip.Addr
	// both: in a list of failing clients, the client also got a data
	// connection of the same direction through to this server.
	both bool
}

// clientMarks is a bounded list of clients, in the order first seen.
type clientMarks struct {
	list []clientMark
	// dropped counts the data connections of clients the bound kept out.
	dropped int
}

// find returns a's mark, or nil.
func (m *clientMarks) find(a netip.Addr) *clientMark {
	for i := range m.list {
		if m.list[i].addr == a {
			return &m.list[i]
		}
	}
	return nil
}

// add returns a's mark, adding it if the bound allows; nil when it does
// not (counted in dropped).
func (m *clientMarks) add(a netip.Addr) *clientMark {
	if c := m.find(a); c != nil {
		return c
	}
	if len(m.list) >= maxSummaryClients {
		m.dropped++
		return nil
	}
	m.list = append(m.list, clientMark{addr: a})
	return &m.list[len(m.list)-1]
}

// directionStats is what a server summary keeps of one direction's data
// connections (passive or active), per client.
type directionStats struct {
	ok, failed clientMarks
	okPorts    PortStats // passive: the server ports the ones that got through used
	failPorts  PortStats // passive: the server ports of the failed ones
	okConns    int       // data connections that got through
	// icmpServer, icmpOther: failures answered by an ICMP error from the
	// server's own address, or from another host (a router).
	icmpServer, icmpOther int
}

// got records a data connection of client cli that got through.
func (ds *directionStats) got(cli netip.Addr, port uint16) {
	ds.okConns++
	if port != 0 {
		ds.okPorts.add(port)
	}
	if f := ds.failed.find(cli); f != nil {
		f.both = true
	}
	ds.ok.add(cli)
}

// lost records a failed data connection of client cli.
func (ds *directionStats) lost(cli netip.Addr, port uint16) {
	if port != 0 {
		ds.failPorts.add(port)
	}
	if f := ds.failed.add(cli); f != nil && ds.ok.find(cli) != nil {
		f.both = true
	}
}

// gotThrough reports whether a data connection's handshake completed.
func gotThrough(dc *track.DataConn) bool {
	return dc.SYNs > 0 && (dc.Outcome == track.OutcomeTransferred || dc.Outcome == track.OutcomeConnected)
}

// someClients reports whether the failures of this direction are some
// clients' own: every failing client is named (none beyond the bound),
// none of them got a data connection of this direction through, and
// other clients' did. For passive ones (ports), the failed ports must also
// lie within the span of the ports that got through: a failed port
// outside it may be one the firewall does not open, which is the
// server's range to fix, so the server-wide verdict stands. A span is not
// proof that every port in it is open, but firewall ranges are spans, and
// one that let ports on both sides of the failed one through for other
// clients does not stop this one for its port. (A failing client whose
// connections that got through came after the ok list was full is not
// known to have got through: the bound trades that case for memory.)
func (ds *directionStats) someClients(ports bool) bool {
	if len(ds.failed.list) == 0 || ds.failed.dropped > 0 || len(ds.ok.list) == 0 {
		return false
	}
	for _, f := range ds.failed.list {
		if f.both {
			return false
		}
	}
	if ports {
		if ds.okPorts.Count == 0 || ds.failPorts.Count == 0 {
			return false
		}
		if ds.failPorts.Min < ds.okPorts.Min || ds.failPorts.Max > ds.okPorts.Max {
			return false
		}
	}
	return true
}

// failingNames is "client 10.99.6.8" or "clients 10.99.6.8 and
// 10.99.6.9", and the addresses alone.
func (ds *directionStats) failingNames() (who, addrs string) {
	names := make([]string, len(ds.failed.list))
	for i, f := range ds.failed.list {
		names[i] = f.addr.String()
	}
	if len(names) == 1 {
		return "client " + names[0], names[0]
	}
	addrs = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	return "clients " + addrs, addrs
}

// othersWorked is "68 passive data connections of 18 other clients to
// this server worked through ports between 40001 and 40097".
func (ds *directionStats) othersWorked(kind string, ports bool) string {
	clients := plural(len(ds.ok.list), "other client", "other clients")
	if ds.ok.dropped > 0 {
		clients = "at least " + clients
	}
	s := fmt.Sprintf("%s of %s to this server worked", plural(ds.okConns, kind+" data connection", kind+" data connections"), clients)
	if ports {
		switch ps := ds.okPorts; {
		case ps.Min == ps.Max:
			s += fmt.Sprintf(" through port %d", ps.Min)
		default:
			s += fmt.Sprintf(" through ports between %d and %d", ps.Min, ps.Max)
		}
	}
	return s
}

// passiveClientVerdict is the verdict for passive failures that are some
// clients' own (someClients): what failed for whom, what worked for the
// others, and where to look instead of the server's range. how is
// "dropped", "refused with RST" or "rejected with ICMP unreachable".
func (a *serverAcc) passiveClientVerdict(how string) string {
	ds := &a.passiveClients
	who, addrs := ds.failingNames()
	// The words for one client or several.
	its, it, whose := "its", "it", addrs+"'s address"
	if len(ds.failed.list) > 1 {
		its, it, whose = "their", "them", addrs+"' addresses"
	}
	v := fmt.Sprintf("passive data connections of %s are %s on %s, while %s: the server's passive ports are open to other clients",
		who, how, portsWord(ds.failPorts), ds.othersWorked("passive", true))
	if ds.icmpServer > 0 && ds.icmpOther == 0 {
		// The ICMP errors came from the server's own address: its own
		// firewall rejects these clients, by their source.
		return v + fmt.Sprintf(", and the rejections came from the server %s itself: look for a rule in the server's firewall that matches %s or network, not at the server's range",
			a.addr.Addr(), whose)
	}
	return v + fmt.Sprintf(", so look at what treats %s differently: %s own firewall, a NAT or router in front of %s, or a rule for %s address or network on the path or on the server; not at the server's range",
		addrs, its, it, its)
}

// activeClientVerdict is the verdict for active-mode failures that are
// some clients' own (someClients).
func (a *serverAcc) activeClientVerdict() string {
	ds := &a.activeClients
	who, addrs := ds.failingNames()
	its, that := "its", "that client's"
	if len(ds.failed.list) > 1 {
		its, that = "their", "those clients'"
	}
	return fmt.Sprintf("active data connections from the server back to %s are blocked, while %s: the server lets them out, so look at the path to %s (%s own firewall, or a NAT or router in front of it); use passive mode there, or let them in on %s side",
		who, ds.othersWorked("active", false), addrs, its, that)
}
