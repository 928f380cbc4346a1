package diagnose

import (
	"fmt"
	"net/netip"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// A passive data connection the client's own SYNs sent to an address that
// is neither the control connection's server nor the announced address
// (failure story 8, rv-servers lb-inside-two-backends): seen from behind a
// load balancer or DNAT, which sent port 21 to one host and the data port
// to another. That host never announced the port: whatever it answers,
// the session's server never saw the SYN, and no rule on its firewall
// changes that. The client itself never dials a third address (clients
// use the announced address or the control connection's), so the
// translation happened between it and this capture point.

// otherHostOf is the address dc's SYNs reached when dc is such a
// connection: passive, matched by the announced port alone
// (track.MatchPortOnly) from the session's own client, to neither the
// control address nor the announced one (nor the NAT64 form of either,
// with the well-known prefix or the control address's own: nspNAT64).
func otherHostOf(s *track.Session, dc *track.DataConn) (netip.Addr, bool) {
	if dc == nil || !dc.Passive || dc.Match != track.MatchPortOnly || dc.SYNs == 0 {
		return netip.Addr{}, false
	}
	if dc.Client.Addr().Unmap() != s.Client.Addr().Unmap() {
		return netip.Addr{}, false // another source: stranger.go's, foreign.go's
	}
	to := dc.Server.Addr().Unmap()
	if nspNAT64(s.Server.Addr().Unmap(), dc.Announced.Addr().Unmap(), to) {
		return netip.Addr{}, false
	}
	for _, a := range []netip.Addr{s.Server.Addr().Unmap(), dc.Announced.Addr().Unmap()} {
		if !a.IsValid() || to == a {
			return netip.Addr{}, false
		}
		if v4, ok := nat64Of(to); ok && v4 == a {
			return netip.Addr{}, false
		}
		if v4, ok := nat64Of(a); ok && v4 == to {
			return netip.Addr{}, false
		}
	}
	return to, true
}

// nspNAT64 tells whether to is ann, an announced IPv4 address, embedded
// under the /96 of srv, the IPv6 control address (as crossFamilyOf
// reads a 227 on IPv6): the client's NAT64 with a network-specific
// prefix (RFC 6052) made the data address of the 227's, which does not
// lead to the server (nat-mismatch), not a balancer in front.
func nspNAT64(srv, ann, to netip.Addr) bool {
	if !ann.Is4() || !srv.Is6() || !to.Is6() {
		return false
	}
	b, t := srv.As16(), to.As16()
	a4 := ann.As4()
	copy(b[12:], a4[:])
	return b == t
}

// wordOtherHost codes and words f, the failure of dc whose SYNs reached
// host, not the session's server: no port to open on the server, the
// balancer or DNAT in front must send the data connection where the
// control connection goes.
func (p *passiveFailure) wordOtherHost(f *Finding, host netip.Addr) {
	s, dc := p.s, p.dc
	srv := s.Server.Addr().Unmap()
	var what string
	switch dc.Outcome {
	case track.OutcomeRefused:
		f.Code = CodeDataRefused
		what = fmt.Sprintf("The SYN to the passive data endpoint %s was answered by RST from %s%s", dc.Server, host, synLost(dc))
	case track.OutcomeUnanswered:
		f.Code = CodeDataUnanswered
		what = fmt.Sprintf("%s to the passive data endpoint %s%s got no answer", plural(dc.SYNs, "SYN", "SYNs"), dc.Server, synSpan(dc))
	default:
		f.Code = CodeDataUnreachable
		what = fmt.Sprintf("The SYN to the passive data endpoint %s was answered by %s from %s%s", dc.Server, icmpName(dc.ICMP), icmpSender(dc.ICMP, dc.Server.Addr(), s), synLost(dc))
	}
	ann := ""
	if a := dc.Announced.Addr().Unmap(); a.IsValid() && a != srv {
		ann = fmt.Sprintf(", and the %d announced %s", announceCode(dc), a)
	}
	f.otherHost = true
	f.Message = fmt.Sprintf("%s, but %s is not the session's server: the control connection goes to %s%s. The data connection reached another host (or another address) than the control connection's: a load balancer or DNAT in front sends port %d to %s and port %d to %s, which never announced the port; the server at %s never saw this SYN.",
		what, host, srv, ann, s.Server.Port(), srv, dc.Server.Port(), host, srv)
	f.Advice = otherHostAdvice(srv, host, p.fam)
	p.named = true
}

// otherHostAdvice: no port to open on the server at srv; keep the data
// connection on the host its control connection reached.
func otherHostAdvice(srv, host netip.Addr, fam family) string {
	return fmt.Sprintf("Opening the passive range on %s changes nothing: this connection never reached it. Make the balancer or DNAT in front send each client's data connections to the host its control connection went to: source-address persistence (session affinity) for port 21 and the passive range together (IPVS: ipvsadm -p under one firewall mark for both; HAProxy: balance source, or a stick table on src; nftables: dnat by jhash ip saddr instead of numgen); or give each backend its own slice of the passive range (%s), forwarded to that backend alone; or have each backend announce an address of its own that leads to it alone (%s). If %s is another address of the same server (a DNAT that forwards port 21 and the passive range to different addresses), forward the passive range to %s, as port 21.",
		srv, fam.rangeExample(policy.PortRange{Lo: 40000, Hi: 40049}), fam.addrName(), host, srv)
}

// otherHostSeen is what a server's summary keeps of its passive data
// failures at another host (otherHostOf): how many, the first such host,
// whether another host was seen too, and their ports.
type otherHostSeen struct {
	n     int
	host  netip.Addr
	mixed bool
	ports PortStats
}

// noteOtherHost counts f, a passive data failure at another host than
// its session's server. Such a failure is not in failPorts: no range is
// opened for it.
func (a *serverAcc) noteOtherHost(f *Finding) {
	oh := &a.otherHost
	host := f.Data.Server.Addr().Unmap()
	switch {
	case oh.n == 0:
		oh.host = host
	case oh.host != host:
		oh.mixed = true
	}
	oh.n++
	oh.ports.tally(f.Data.Server.Port())
}

// otherHostLed: every passive data failure of the server reached another
// host than the control connection's (otherHostOf). No port to open: the
// balancer or DNAT in front must keep each client on one host.
func (v *verdictWriter) otherHostLed() {
	a, oh := v.a, v.a.otherHost
	v.accountFor(CodeDataUnanswered, CodeDataRefused, CodeDataUnreachable)
	v.coverPassive()
	srv := a.addr.Addr().Unmap()
	where := oh.host.String()
	if oh.mixed {
		where += " and other hosts"
	}
	v.text = fmt.Sprintf("passive data connections of sessions on %s reached %s instead (%s, failed there): a load balancer or DNAT in front sends the control connection to one host and the data connection to another, which never announced the port; keep each client's connections, control and data, on one backend (source-address persistence), or give each backend its own slice of the passive range or an address of its own; opening ports on %s changes nothing",
		srv, where, portsWord(oh.ports), srv)
	v.rules = append(v.rules,
		fmt.Sprintf("# the data connections reached %s, not %s: keep each client's connections, control and data, on one backend, e.g.:", where, srv),
		"#   IPVS: a persistent service (ipvsadm -p) under one firewall mark for port 21 and the passive range",
		"#   HAProxy: balance source, or a stick table on src, for port 21 and the passive range alike",
		"#   nftables DNAT: dnat to jhash ip saddr mod N map { ... } in place of numgen (per client, not per connection)",
		"# or give each backend its own slice of the passive range forwarded to it alone, or its own public address",
		fmt.Sprintf("# if %s is another address of the same server, forward the passive range to %s, as port 21", where, srv))
}
