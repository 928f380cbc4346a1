package diagnose

import (
	"fmt"
	"net/netip"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// hostOS is the system a server runs on, as far as its family tells
// (family.go's settingsTable). It decides the syntax of a rule that opens
// ports on the server's own host firewall: an nftables rule is no rule for
// an IIS host. Rules for a firewall on the path (a Linux router, a NAT
// box) do not depend on it.
type hostOS uint8

const (
	hostLinux          hostOS = iota // nftables or iptables
	hostWindows                      // Windows Defender Firewall
	hostWindowsOrLinux               // built for both: both rules, each named
)

// host is the system f's server runs on; Linux for a family not in the
// table.
func (f family) host() hostOS {
	if s := settingsOf(f.kind); s != nil {
		return s.host
	}
	return hostLinux
}

// The Windows Defender Firewall rules, as Microsoft documents them:
//
//	netsh       learn.microsoft.com, "Netsh AdvFirewall Firewall Commands"
//	            (previous-versions/windows/it-pro/windows-server-2008-R2-and-2008/dd734783):
//	            add rule name=<name> dir=in action=allow protocol=tcp
//	            localport=<port or range>[,...]; netsh's own help lists
//	            localport=0-65535|<port range>[,...].
//	PowerShell  learn.microsoft.com/powershell/module/netsecurity/new-netfirewallrule:
//	            -DisplayName, -Direction Inbound, -Protocol TCP, -LocalPort
//	            (a port, a range or a keyword, several as a list), -Action Allow.
//	            A block rule from one address: action=block remoteip=<address>
//	            (netsh), -Action Block -RemoteAddress <address> (PowerShell).
//	precedence  learn.microsoft.com, Windows Firewall rules, "Rule precedence":
//	            explicit block rules take precedence over any conflicting
//	            allow rules, and there is no administrator-set rule order.
//
// A rule without localip/remoteip covers IPv4 and IPv6 alike, so there is
// no ip6tables counterpart. rs.String() is "40000-40100" or
// "40000-40100,50000", the list form both take.

// netshRule allows new inbound connections to the ports rs.
func netshRule(rs policy.Ranges) string {
	return fmt.Sprintf(`netsh advfirewall firewall add rule name="FTP passive %s" dir=in action=allow protocol=TCP localport=%s`, rs, rs)
}

// powershellRule is netshRule as a PowerShell cmdlet.
func powershellRule(rs policy.Ranges) string {
	return fmt.Sprintf(`New-NetFirewallRule -DisplayName "FTP passive %s" -Direction Inbound -Protocol TCP -LocalPort %s -Action Allow`, rs, rs)
}

// hostRule is the rule, in prose, that opens rs on the server's own host
// firewall. linux is the nftables/iptables wording of the call site, kept
// as it was for a Linux host; a family that runs on either system gets
// both rules, each named.
func (f family) hostRule(rs policy.Ranges, v6 bool, linux string) string {
	switch f.host() {
	case hostWindows:
		return netshRule(rs)
	case hostWindowsOrLinux:
		return fmt.Sprintf("on Windows, %s; on Linux, %s", netshRule(rs), linuxOpenRule(rs, v6))
	}
	return linux
}

// hostLines are the summary's change lines that open rs on the server's
// own host firewall.
func (f family) hostLines(rs policy.Ranges, v6 bool) []string {
	linux := append([]string{nftRule(rs)}, iptablesRules(rs, v6)...)
	windows := []string{netshRule(rs), powershellRule(rs)}
	switch f.host() {
	case hostWindows:
		return windows
	case hostWindowsOrLinux:
		l := append([]string{"# on Windows:"}, windows...)
		l = append(l, "# on Linux:")
		return append(l, linux...)
	}
	return linux
}

// hostCheck says how to check that the server's own host firewall really
// lets the ports through, where the range is meant to be open already;
// reject is the Linux rule that would answer as the capture shows. v6:
// the server is reached over IPv6, whose rules ip6tables lists.
func (f family) hostCheck(reject string, v6 bool) string {
	const windows = "no block rule covers the port: in Windows Defender Firewall a block rule wins over any allow rule (netsh advfirewall firewall show rule name=all)"
	linux := fmt.Sprintf("the accept rule is loaded and comes before any %s (nft list ruleset; %s -S)", reject, iptablesCmd(v6))
	switch f.host() {
	case hostWindows:
		return "check that the allow rule is enabled and that " + windows
	case hostWindowsOrLinux:
		return "check on Windows that " + windows + ", on Linux that " + linux
	}
	return "check that " + linux
}

// helperFirewall names the firewall that may rely on the FTP conntrack
// helper: a Windows host has none, so for a server on Windows only a
// Linux firewall in front of it.
func (f family) helperFirewall() string {
	if f.host() == hostWindows {
		return "a Linux firewall in front of the server"
	}
	return "the firewall"
}

// blockRule drops the connections of a client guessing passwords, on the
// server's own host in the syntax of its system. A Windows Defender
// Firewall block rule wins over any allow rule; an nftables drop has to
// come before the accept for the control port, so it is inserted, not
// appended (an appended drop after "tcp dport 21 accept" stops nothing).
func (f family) blockRule(a netip.Addr) string {
	a = a.Unmap()
	ipf := "ip"
	if a.Is6() {
		ipf = "ip6"
	}
	nft := fmt.Sprintf("nft insert rule inet filter input %s saddr %s drop; on a router in front, the same rule in its forward chain", ipf, a)
	ps := fmt.Sprintf(`New-NetFirewallRule -DisplayName "Block FTP logins from %s" -Direction Inbound -RemoteAddress %s -Action Block`, a, a)
	netsh := fmt.Sprintf(`netsh advfirewall firewall add rule name="Block FTP logins from %s" dir=in action=block remoteip=%s`, a, a)
	switch f.host() {
	case hostWindows:
		return "in Windows Defender Firewall: " + ps + ", or " + netsh
	case hostWindowsOrLinux:
		return "on Windows, " + ps + "; on Linux, " + nft
	}
	// fail2ban's own jails (config/jail.conf: [vsftpd], [proftpd],
	// [pure-ftpd], [wuftpd]) for the servers it ships a filter for;
	// pyftpdlib has none, so only the rule.
	switch f.kind {
	case policy.ServerVsftpd:
		return "fail2ban's vsftpd jail, or " + nft
	case policy.ServerProFTPD:
		return "fail2ban's proftpd jail, or " + nft
	case policy.ServerPureFTPd:
		return "fail2ban's pure-ftpd jail, or " + nft
	case policy.ServerWuFTPd:
		return "fail2ban's wuftpd jail, or " + nft
	case policy.ServerUnknown:
		return "fail2ban's vsftpd/proftpd/pure-ftpd jails, or " + nft
	}
	return nft
}
