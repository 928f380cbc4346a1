package diagnose

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestLoginAdviceFollowsServerFamily guards the advice of cleartext-login
// and login-brute-force against naming Linux and vsftpd tools for a
// Windows server: an IIS admin gets IIS's FTP SSL Settings, its FTP Logon
// Attempt Restrictions and a Windows Defender Firewall block rule, a
// FileZilla Server admin its own settings and both systems' rules, a
// pyftpdlib admin its handler's max_login_attempts and authorizer (never
// another server's settings or fail2ban jails), and a Unix or unknown
// server the Linux advice it always had.
func TestLoginAdviceFollowsServerFamily(t *testing.T) {
	const attacker = "198.51.100.66"
	// A client that logs in once in clear text, then fails 5 times.
	session := func(greeting string) *track.Session {
		s := sess(attacker+":50000", "203.0.113.31:21")
		s.Greeting = []track.Reply{{Code: 220, Text: greeting, TS: t0, Num: 4}}
		s.User = "alice"
		cmd(s, 6, "USER", "alice", 331, "Password required")
		cmd(s, 8, "PASS", "secret", 230, "User logged in.")
		for i := range 5 {
			n := uint64(10 + 4*i)
			cmd(s, n, "USER", "admin", 331, "Password required")
			cmd(s, n+2, "PASS", fmt.Sprintf("guess%d", i), 530, "User cannot log in.")
		}
		s.User = "admin"
		return s
	}
	linuxOnly := []string{"vsftpd", "ssl_enable", "fail2ban", "nft ", "iptables", "/etc/ftpusers", "ProFTPD", "pure-ftpd", "Pure-FTPd"}
	tests := []struct {
		name      string
		greeting  string
		cleartext []string // in cleartext-login's advice
		brute     []string // in login-brute-force's advice
		never     []string // in neither
	}{
		{"IIS", "Microsoft FTP Service",
			[]string{`FTP SSL Settings`, `"Require SSL connections"`, `ftpServer.security.ssl.controlChannelPolicy:"SslRequire"`, "(IIS's settings, from its greeting.)"},
			[]string{`New-NetFirewallRule -DisplayName "Block FTP logins from 198.51.100.66" -Direction Inbound -RemoteAddress 198.51.100.66 -Action Block`,
				`netsh advfirewall firewall add rule name="Block FTP logins from 198.51.100.66" dir=in action=block remoteip=198.51.100.66`,
				"FTP Logon Attempt Restrictions", "denyByFailure.enabled", "FTP Authorization Rules"},
			linuxOnly},
		{"FileZilla Server", "FileZilla Server 1.8.0",
			[]string{`"Require explicit FTP over TLS"`, "(FileZilla Server's settings, from its greeting.)"},
			[]string{"on Windows, New-NetFirewallRule", "on Linux, nft insert rule inet filter input ip saddr 198.51.100.66 drop", "Autoban", `"Ban IP address after"`},
			[]string{"vsftpd", "ssl_enable", "fail2ban", "/etc/ftpusers"}},
		{"vsftpd", "(vsFTPd 3.0.3)",
			[]string{"vsftpd: ssl_enable=YES, force_local_logins_ssl=YES"},
			[]string{"fail2ban", "nft insert rule inet filter input ip saddr 198.51.100.66 drop", "vsftpd max_login_fails", "/etc/ftpusers"},
			[]string{"netsh", "New-NetFirewallRule", "IIS", "FileZilla"}},
		// pyftpdlib is a Python library: its own handler attributes and
		// authorizer, no fail2ban jail (fail2ban ships no pyftpdlib
		// filter), and no other server's settings.
		{"pyftpdlib", "pyftpdlib 1.5.9 ready.",
			[]string{"pyftpdlib: serve with TLS_FTPHandler"},
			[]string{"FTPHandler.max_login_attempts (3 by default", "FTPHandler.auth_failed_timeout", "DummyAuthorizer.remove_user", "rejected_users",
				"nft insert rule inet filter input ip saddr 198.51.100.66 drop", "(pyftpdlib's settings, from its greeting.)"},
			[]string{"fail2ban", "vsftpd", "ProFTPD", "Pure-FTPd", "pure-ftpd", "/etc/ftpusers", "MaxLoginAttempts", "netsh"}},
		{"unknown", "FTP server ready.",
			[]string{"vsftpd: ssl_enable=YES", "ProFTPD: TLSEngine on"},
			[]string{"fail2ban", "nft insert rule inet filter input ip saddr 198.51.100.66 drop"},
			[]string{"netsh", "New-NetFirewallRule", "from its greeting"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := feed(policy.Policy{}, session(tt.greeting))
			clear, brute := c.find(CodeCleartextLogin), c.find(CodeLoginAttack)
			if clear == nil || brute == nil {
				dumpFindings(t, c)
				t.Fatalf("cleartext-login %v, login-brute-force %v", clear != nil, brute != nil)
			}
			for _, w := range tt.cleartext {
				if !strings.Contains(clear.Advice, w) {
					t.Errorf("cleartext-login advice lacks %q:\n%s", w, clear.Advice)
				}
			}
			for _, w := range tt.brute {
				if !strings.Contains(brute.Advice, w) {
					t.Errorf("login-brute-force advice lacks %q:\n%s", w, brute.Advice)
				}
			}
			for _, n := range tt.never {
				for _, f := range []*Finding{clear, brute} {
					if strings.Contains(f.Advice, n) {
						t.Errorf("%s advice names %q for a %s server:\n%s", f.Code, n, tt.name, f.Advice)
					}
				}
			}
		})
	}

	// Anonymous FTP: the way to offer TLS beside it, in IIS's words.
	s := sess(attacker+":50000", "203.0.113.31:21")
	s.Greeting = []track.Reply{{Code: 220, Text: "Microsoft FTP Service", TS: t0, Num: 4}}
	s.User = "anonymous"
	cmd(s, 6, "USER", "anonymous", 331, "Anonymous access allowed, send identity (e-mail name) as password.")
	cmd(s, 8, "PASS", "guest@example.com", 230, "User logged in.")
	c, _ := feed(policy.Policy{}, s)
	if f := c.find(CodeCleartextLogin); f == nil || strings.Contains(f.Advice, "vsftpd") || !strings.Contains(f.Advice, `"Require SSL connections"`) {
		dumpFindings(t, c)
		t.Error("anonymous login to IIS: advice names vsftpd or lacks IIS's setting")
	}
}

// TestBlockRuleIsInsertedForTheAddressFamily: a drop appended after the
// input chain's accept for port 21 stops nothing, so the rule is inserted;
// an IPv6 attacker needs ip6 saddr.
func TestBlockRuleIsInsertedForTheAddressFamily(t *testing.T) {
	f := family{kind: policy.ServerVsftpd}
	if got := f.blockRule(ap("[2001:db8::66]:1").Addr()); !strings.Contains(got, "nft insert rule inet filter input ip6 saddr 2001:db8::66 drop") {
		t.Errorf("IPv6 block rule: %s", got)
	}
	if got := f.blockRule(ap("[::ffff:198.51.100.66]:1").Addr()); !strings.Contains(got, "nft insert rule inet filter input ip saddr 198.51.100.66 drop") {
		t.Errorf("IPv4-mapped block rule: %s", got)
	}
}

// TestBlockRuleNamesTheFamilysJail guards login-brute-force's block rule
// against naming fail2ban jails of servers other than the one attacked:
// each Unix family its own jail (fail2ban's jail.conf: [vsftpd],
// [proftpd], [pure-ftpd], [wuftpd]), an unknown server the common ones,
// pyftpdlib none (fail2ban has no filter for it).
func TestBlockRuleNamesTheFamilysJail(t *testing.T) {
	a := ap("198.51.100.66:1").Addr()
	for _, tc := range []struct {
		kind        policy.ServerKind
		want, never string
	}{
		{policy.ServerVsftpd, "fail2ban's vsftpd jail", "proftpd"},
		{policy.ServerProFTPD, "fail2ban's proftpd jail", "vsftpd"},
		{policy.ServerPureFTPd, "fail2ban's pure-ftpd jail", "vsftpd"},
		{policy.ServerWuFTPd, "fail2ban's wuftpd jail", "vsftpd"},
		{policy.ServerUnknown, "fail2ban's vsftpd/proftpd/pure-ftpd jails", "wuftpd"},
		{policy.ServerPyftpdlib, "nft insert rule inet filter input ip saddr 198.51.100.66 drop", "fail2ban"},
	} {
		got := family{kind: tc.kind}.blockRule(a)
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.never) {
			t.Errorf("%s: %s\nwant %q, never %q", tc.kind.Product(), got, tc.want, tc.never)
		}
	}
}
