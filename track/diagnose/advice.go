package diagnose

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// nftRule accepts new connections to the ports rs on the server.
func nftRule(rs policy.Ranges) string {
	return fmt.Sprintf("nft insert rule inet filter input tcp dport %s ct state new accept", nftPorts(rs))
}

func nftPorts(rs policy.Ranges) string {
	if len(rs) == 1 {
		return rs[0].String()
	}
	return "{ " + strings.ReplaceAll(rs.String(), ",", ", ") + " }"
}

// iptablesRule is the same for iptables (ip6tables for an IPv6 server).
func iptablesRule(rs policy.Ranges, v6 bool) string {
	cmd := "iptables"
	if v6 {
		cmd = "ip6tables"
	}
	ports := make([]string, len(rs))
	for i, r := range rs {
		ports[i] = r.String()
		if r.Lo != r.Hi {
			ports[i] = fmt.Sprintf("%d:%d", r.Lo, r.Hi)
		}
	}
	if len(rs) == 1 {
		return fmt.Sprintf("%s -I INPUT -p tcp --dport %s -m conntrack --ctstate NEW -j ACCEPT", cmd, ports[0])
	}
	return fmt.Sprintf("%s -I INPUT -p tcp -m multiport --dports %s -m conntrack --ctstate NEW -j ACCEPT", cmd, strings.Join(ports, ","))
}

// helperAdvice is how to attach the FTP conntrack helper: since Linux 4.7
// loading nf_conntrack_ftp is not enough.
func helperAdvice(controlPort uint16, outgoing bool) string {
	chain, hook := "PREROUTING", "prerouting"
	if outgoing {
		chain, hook = "OUTPUT", "output"
	}
	return fmt.Sprintf("attach the FTP conntrack helper explicitly (not automatic since Linux 4.7): iptables -t raw -A %s -p tcp --dport %d -j CT --helper ftp, or in nftables a %s-hook rule: tcp dport %d ct helper set \"ftp-std\" with ct helper ftp-std { type \"ftp\" protocol tcp; }, plus ct state related accept",
		chain, controlPort, hook, controlPort)
}

// pathOpenAdvice says how to open rs on a firewall in front of the server
// (a Linux router or NAT box): in nftables/iptables whatever the server's
// own system. Rules for the server's own host are family.openAdvice.
func pathOpenAdvice(rs policy.Ranges, v6 bool) string {
	return fmt.Sprintf("open %s on the server's firewall: %s (or %s); behind DNAT, forward the same range to the server", rs, nftRule(rs), iptablesRule(rs, v6))
}

func isV6(a netip.AddrPort) bool { return a.Addr().Unmap().Is6() }

// mainRange is the range a server's passive ports should come from when
// the policy lists several (--pasv-range 21,40000-40100): the widest of
// unprivileged ports, never the control port's.
func mainRange(rs policy.Ranges) policy.PortRange {
	var best policy.PortRange
	for _, r := range rs {
		if r.Lo >= 1024 && (best.Hi == 0 || r.Len() > best.Len()) {
			best = r
		}
	}
	if best.Hi == 0 && len(rs) > 0 {
		best = rs[0]
		for _, r := range rs[1:] {
			if r.Len() > best.Len() {
				best = r
			}
		}
	}
	return best
}

// exampleRange is the passive range advice proposes when the server has
// none: an example, named as one.
var exampleRange = policy.PortRange{Lo: 40000, Hi: 40100}

// anyPortBehaviour says what a server of kind k (one whose configuration
// ftpsniff reads) does without a passive range: the port changes every
// session, so no rule for one port helps.
func anyPortBehaviour(k policy.ServerKind) string {
	switch k {
	case policy.ServerProFTPD:
		return "without PassivePorts ProFTPD lets the kernel pick any ephemeral port"
	case policy.ServerPureFTPd:
		return "without a PassivePortRange (-p) Pure-FTPd lets the kernel pick any ephemeral port"
	}
	return "without pasv_min_port/pasv_max_port vsftpd lets the kernel pick any ephemeral port"
}

// noRangeAdvice is what to do when the server's passive range is not known
// (no --pasv-range, no range in --server-config): a port the server picks
// itself changes every session, so the fix is a fixed range, then a rule
// for that range, never a rule for the ports one capture happened to see.
func (d *Diagnoser) noRangeAdvice(fam family, v6 bool) string {
	ex := policy.Ranges{exampleRange}
	if sc := d.p.Server; sc != nil && len(sc.PassiveRange) == 0 {
		return fmt.Sprintf("%s sets no passive range, and %s (net.ipv4.ip_local_port_range), a different one every session: add a fixed range, e.g. %s, restart the server, then open that range: %s (or %s)",
			sc.Path, anyPortBehaviour(sc.Kind), fam.rangeSet(exampleRange), nftRule(ex), iptablesRule(ex, v6))
	}
	give := "give --server-config or --pasv-range"
	if fam.known() && !configReadable(fam.kind) {
		give = "give --pasv-range"
	}
	return fmt.Sprintf("The server's passive range is not known here (%s), and a port the server picks itself changes every session: set a fixed passive range (%s), restart the server, then open that range: %s",
		give, fam.rangeExample(exampleRange), fam.hostRule(ex, v6, fmt.Sprintf("%s (or %s)", nftRule(ex), iptablesRule(ex, v6))))
}

// configReadable reports whether --server-config reads configurations of
// family k (policy.ParseServerConfig): a family known from its greeting
// only is not told to give one.
func configReadable(k policy.ServerKind) bool {
	switch k {
	case policy.ServerVsftpd, policy.ServerProFTPD, policy.ServerPureFTPd:
		return true
	}
	return false
}

// noRangeRules are the summary lines for the same case.
func (d *Diagnoser) noRangeRules(fam family, v6 bool) []string {
	head := "# the server's passive range is not known, and a port it picks itself changes every session: set a fixed range, then open it, e.g.:"
	if sc := d.p.Server; sc != nil && len(sc.PassiveRange) == 0 {
		head = fmt.Sprintf("# %s sets no passive range (%s, a different one every session): add one, then open it, e.g.:", sc.Path, anyPortBehaviour(sc.Kind))
	}
	ex := policy.Ranges{exampleRange}
	return append(append([]string{head}, fam.rangeLines(exampleRange)...), fam.hostLines(ex, v6)...)
}

// configSetsRange reports whether the given server configuration already
// sets rs: advice must never tell the admin to set what it sets.
func (d *Diagnoser) configSetsRange(rs policy.Ranges) bool {
	sc := d.p.Server
	return sc != nil && len(sc.PassiveRange) > 0 && sc.PassiveRange.String() == rs.String()
}

// encryptedControl reports whether the session's control channel is TLS:
// no conntrack helper or ALG can read its announcements.
func encryptedControl(s *track.Session) bool { return s.Encrypted || s.ImplicitTLS }

// tlsRangeAdvice replaces helper advice for an encrypted session.
const tlsRangeAdvice = "the control channel is encrypted, so no FTP conntrack helper or ALG can see the data ports (see control-encrypted): open the fixed passive range statically and forward it as a whole, and behind NAT make the server announce its public address itself"

// routerHelperAdvice is where the helper goes for an active-mode client
// behind a NAT router: on the router, which must rewrite the PORT.
func routerHelperAdvice(controlPort uint16) string {
	return fmt.Sprintf("on the NAT router in front of the client (not on the client host), attach the FTP conntrack helper to the control connection so nf_nat_ftp rewrites the PORT/EPRT address: iptables -t raw -A PREROUTING -p tcp --dport %d -j CT --helper ftp, or in nftables a prerouting-hook rule tcp dport %d ct helper set \"ftp-std\" with ct helper ftp-std { type \"ftp\" protocol tcp; } (not possible under FTPS)",
		controlPort, controlPort)
}
