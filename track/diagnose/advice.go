package diagnose

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// rangeSettings are the server lines that make it hand out ports from r.
func rangeSettings(k policy.ServerKind, r policy.PortRange) []string {
	switch k {
	case policy.ServerProFTPD:
		return []string{fmt.Sprintf("PassivePorts %d %d", r.Lo, r.Hi)}
	case policy.ServerPureFTPd:
		return []string{fmt.Sprintf("PassivePortRange %d %d", r.Lo, r.Hi)}
	}
	return []string{fmt.Sprintf("pasv_min_port=%d", r.Lo), fmt.Sprintf("pasv_max_port=%d", r.Hi)}
}

// addrSetting is the server line that makes it announce a.
func addrSetting(k policy.ServerKind, a string) string {
	switch k {
	case policy.ServerProFTPD:
		return "MasqueradeAddress " + a
	case policy.ServerPureFTPd:
		return "ForcePassiveIP " + a
	}
	return "pasv_address=" + a
}

// addrSettingName names the setting for prose.
func addrSettingName(k policy.ServerKind) string {
	switch k {
	case policy.ServerProFTPD:
		return "MasqueradeAddress"
	case policy.ServerPureFTPd:
		return "ForcePassiveIP"
	}
	return "pasv_address"
}

func rangeSettingName(k policy.ServerKind) string {
	switch k {
	case policy.ServerProFTPD:
		return "PassivePorts"
	case policy.ServerPureFTPd:
		return "PassivePortRange"
	}
	return "pasv_min_port/pasv_max_port"
}

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

// openAdvice says how to open rs on the firewall in front of the server.
func openAdvice(rs policy.Ranges, v6 bool) string {
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
