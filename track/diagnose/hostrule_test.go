package diagnose

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// Linux host-firewall rules: an INPUT-chain rule opens ports on the host
// it runs on, and on an IIS host there is no such chain.
var linuxHostRules = []string{"nft insert rule inet filter input", "iptables -I INPUT", "ip6tables -I INPUT", "nft list ruleset"}

// TestWindowsServerGetsWindowsFirewallRule guards against advice telling
// the admin of an IIS server to open its passive ports with nft or
// iptables on the server's own host: the host runs Windows, whose rule is
// netsh advfirewall (or New-NetFirewallRule). FileZilla Server runs on
// Windows and on Linux, so it gets both rules, each named; a Unix server
// keeps the nftables/iptables rules, and the rule for a firewall in front
// of the server stays a Linux one whatever the server's system.
func TestWindowsServerGetsWindowsFirewallRule(t *testing.T) {
	const (
		iis       = "Microsoft FTP Service"
		filezilla = "FileZilla Server 1.8.0"
		vsftpd    = "(vsFTPd 3.0.3)"
	)
	fw := policy.Policy{Ranges: policy.Ranges{{Lo: 40000, Hi: 40100}}}
	// One failing passive data connection of a client-side capture, to a
	// server that greets as given, announcing port; enc: under AUTH TLS.
	session := func(greeting string, port uint16, enc bool) *track.Session {
		s := sess("198.51.100.40:50000", "203.0.113.31:21")
		s.Greeting = []track.Reply{{Code: 220, Text: greeting, TS: t0, Num: 4}}
		cmd(s, 6, "USER", "bob", 331, "Password required")
		if enc {
			cmd(s, 8, "AUTH", "TLS", 234, "AUTH command ok. Expecting TLS Negotiation.")
			s.Encrypted = true
		}
		ann := netip.AddrPortFrom(s.Server.Addr(), port) // announced as the control address
		dc := announce(s, 10, "PASV", ftp.ViaPASV, ann.String(), 227, "Entering Passive Mode ("+ftp.FormatPORT(ann)+").")
		syn(dc, "198.51.100.40:50001", ann.String(), 12, 4, 7*time.Second)
		dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
		return s
	}
	netsh := netshRule(policy.Ranges{{Lo: 40000, Hi: 40100}})
	tests := []struct {
		name     string
		greeting string
		p        policy.Policy
		port     uint16
		enc      bool
		code     string // the finding whose advice opens ports on the host
		want     []string
	}{
		// No range known: set one, then open it.
		{"IIS no range", iis, policy.Policy{}, 40017, false, CodeDataUnanswered,
			[]string{netsh, "give --pasv-range)", "if a Linux firewall in front of the server relies on the FTP conntrack helper"}},
		// Inside the range meant to be open: check the host's rules.
		{"IIS in range", iis, fw, 40050, false, CodeDataUnanswered,
			[]string{"no block rule covers the port", "netsh advfirewall firewall show rule name=all", netsh}},
		// Outside the firewall's range: keep the server inside it, in
		// IIS's words; never a rule for the one port it picked.
		{"IIS outside range", iis, fw, 40517, false, CodePortOutsideRange,
			[]string{"Data Channel Port Range 40000-40100"}},
		// Encrypted control: open the range statically.
		{"IIS encrypted", iis, fw, 40050, true, CodeControlEncrypted, []string{netsh}},
		{"FileZilla no range", filezilla, policy.Policy{}, 40017, false, CodeDataUnanswered,
			[]string{"on Windows, " + netsh + "; on Linux, nft insert rule inet filter input tcp dport 40000-40100 ct state new accept (or iptables -I INPUT"}},
		{"FileZilla in range", filezilla, fw, 40050, false, CodeDataUnanswered,
			[]string{"check on Windows that no block rule covers the port", "on Linux that the accept rule is loaded"}},
		{"vsftpd no range", vsftpd, policy.Policy{}, 40017, false, CodeDataUnanswered,
			[]string{"nft insert rule inet filter input tcp dport 40000-40100 ct state new accept (or iptables -I INPUT -p tcp --dport 40000:40100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, d := feed(tt.p, session(tt.greeting, tt.port, tt.enc))
			f := c.find(tt.code)
			if f == nil {
				dumpFindings(t, c)
				t.Fatalf("no %s", tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(f.Advice, w) {
					t.Errorf("%s advice lacks %q:\n%s", tt.code, w, f.Advice)
				}
			}
			if tt.code == CodePortOutsideRange {
				if strings.Contains(f.Advice, fmt.Sprint(tt.port)) {
					t.Errorf("the advice opens port %d, which the server picked itself:\n%s", tt.port, f.Advice)
				}
				return
			}
			all := f.Advice
			for _, s := range d.Summaries() {
				all += "\n" + strings.Join(s.Rules, "\n")
			}
			windows := strings.Contains(all, "netsh") || strings.Contains(all, "New-NetFirewallRule")
			linux := false
			for _, r := range linuxHostRules {
				linux = linux || strings.Contains(all, r)
			}
			switch tt.greeting {
			case iis:
				if linux || !windows {
					t.Errorf("IIS server: a Linux host rule %v or no Windows rule %v:\n%s", linux, windows, all)
				}
				if !strings.Contains(f.Advice, "(IIS's settings, from its greeting.)") {
					t.Errorf("a Windows rule taken from the greeting does not say so:\n%s", f.Advice)
				}
			case filezilla:
				if !linux || !windows {
					t.Errorf("FileZilla Server: both rules expected (Linux %v, Windows %v):\n%s", linux, windows, all)
				}
			default:
				if !linux || windows {
					t.Errorf("vsftpd: Linux rules only expected (Linux %v, Windows %v):\n%s", linux, windows, all)
				}
			}
		})
	}

	// The summary's change block: both Windows forms for IIS; FileZilla
	// Server's rules under a comment naming each system.
	for _, tc := range []struct {
		greeting string
		rules    []string
	}{
		{iis, []string{netsh, `New-NetFirewallRule -DisplayName "FTP passive 40000-40100" -Direction Inbound -Protocol TCP -LocalPort 40000-40100 -Action Allow`}},
		{filezilla, []string{"# on Windows:", netsh, "# on Linux:", "nft insert rule inet filter input tcp dport 40000-40100 ct state new accept"}},
	} {
		_, d := feed(policy.Policy{}, session(tc.greeting, 40017, false))
		rules := d.Summaries()[0].Rules
		at := -1
		for _, w := range tc.rules {
			i := indexOf(rules, w, at+1)
			if i < 0 {
				t.Errorf("%s: summary rules lack %q after line %d: %q", tc.greeting, w, at, rules)
				break
			}
			at = i
		}
	}

	// Seen from the server's side, SYNs that never arrived were dropped in
	// front of it: that rule is for the firewall or DNAT on the path, an
	// nftables/iptables one even for an IIS server, in the forward chain
	// (the connection passes the router) to the server's address behind
	// it.
	s := sess("203.0.113.7:50000", "10.1.1.10:21")
	s.Greeting = []track.Reply{{Code: 220, Text: iis, TS: t0, Num: 4}}
	dc := announce(s, 10, "EPSV", ftp.ViaEPSV, "10.1.1.10:40010", 229, "Entering Extended Passive Mode (|||40010|)")
	dc.Outcome = track.OutcomeNotAttempted
	c, _ := feed(fw, s)
	f := c.find(CodeDataNotAttempted)
	if f == nil || !strings.Contains(f.Advice, "on the firewall or DNAT in front of the server") || !strings.Contains(f.Advice, "nft insert rule inet filter forward ip daddr 10.1.1.10 tcp dport 40000-40100") || strings.Contains(f.Advice, "netsh") {
		dumpFindings(t, c)
		t.Errorf("the rule for the firewall in front of an IIS server is not the Linux one")
	}

	// The capture: IIS servers behind NAT (pcaps/synthetic/iis-nat.pcap).
	for _, p := range []policy.Policy{{}, fw} {
		rec, diag := run(t, filepath.Join(synthDir, "iis-nat.pcap"), p)
		all := strings.Join(adviceText(rec, diag), "\n")
		for _, r := range linuxHostRules {
			if strings.Contains(all, r) {
				t.Errorf("iis-nat.pcap (policy %q): Linux host rule %q for an IIS server:\n%s", p.Describe(), r, render(rec, diag))
			}
		}
		if len(p.Ranges) == 0 && !strings.Contains(all, "netsh advfirewall firewall add rule") {
			t.Errorf("iis-nat.pcap (policy %q): no Windows rule:\n%s", p.Describe(), render(rec, diag))
		}
	}
}

// indexOf is the index of the first line from start that contains w, -1
// when none does.
func indexOf(lines []string, w string, start int) int {
	for i := start; i < len(lines); i++ {
		if strings.Contains(lines[i], w) {
			return i
		}
	}
	return -1
}
