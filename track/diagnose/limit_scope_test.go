package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestSessionRefusedLimitScopeAndFamily guards session-refused's reading
// of a connection-limit 421 (rev20 rev-newsrv, py-limits-login.pcap and
// py-maxperip.pcap): pyftpdlib refuses before it greets, with "421 Too
// many connections. Service temporarily unavailable." (FTPServer.max_cons,
// FTPHandler.handle_max_cons) and "421 Too many connections from the same
// IP address." (FTPServer.max_cons_per_ip, handle_max_cons_per_ip). Both
// were read with the setting of every family but pyftpdlib's, and the
// per-IP one as the total limit. Now the scope follows the words, the
// advice names the family's setting alone when the wording or the greetings
// of the server's other sessions tell the family, and an unknown server's
// advice lists the settings of the scope the reply named.
func TestSessionRefusedLimitScopeAndFamily(t *testing.T) {
	const perAddr = "its limit on connections from one client address"
	tests := []struct {
		name  string
		greet string // an earlier session of the same server greeted so; "" for none
		text  string // the 421 the refused session got in place of a greeting
		want  []string
		not   []string
	}{
		{"pyftpdlib max_cons", "", "Too many connections. Service temporarily unavailable.",
			[]string{"it had reached its limit on connections.", "the setting is pyftpdlib's FTPServer.max_cons.", "(pyftpdlib's settings, from the reply's wording.)"},
			[]string{perAddr, "vsftpd", "ProFTPD", "max_cons_per_ip"}},
		{"pyftpdlib max_cons_per_ip", "", "Too many connections from the same IP address.",
			[]string{perAddr, "the setting is pyftpdlib's FTPServer.max_cons_per_ip.", "raise the per-address limit", "(pyftpdlib's settings, from the reply's wording.)"},
			[]string{"vsftpd", "ProFTPD", "max_cons."}},
		{"pyftpdlib's per-IP wording after its greeting elsewhere", "pyftpdlib 1.5.7 ready.", "Too many connections from the same IP address.",
			[]string{perAddr, "pyftpdlib's FTPServer.max_cons_per_ip"},
			[]string{"vsftpd", "Pure-FTPd"}},
		{"a custom wording, the family from the other sessions' greetings", "pyftpdlib 1.5.7 ready.", "Server full: too many users, try later.",
			[]string{"the setting is pyftpdlib's FTPServer.max_cons.", "(pyftpdlib's settings, from the greetings of the server's other sessions.)"},
			[]string{perAddr, "vsftpd", "IIS"}},
		{"a custom per-host wording, the family from the other sessions' greetings", "ProFTPD Server (Debian) [10.0.0.1]", "Too many sessions from the same host.",
			[]string{perAddr, "the setting is ProFTPD MaxClientsPerHost", "(ProFTPD's settings, from the greetings of the server's other sessions.)"},
			[]string{"vsftpd", "pyftpdlib", "MaxClients (all clients)"}},
		{"vsftpd max_per_ip", "", "There are too many connections from your internet address.",
			[]string{perAddr, "the setting is vsftpd.conf max_per_ip"},
			[]string{"max_clients", "pyftpdlib", "ProFTPD"}},
		{"Pure-FTPd -C", "", "Too many connections (4) from this IP",
			[]string{perAddr, "the setting is Pure-FTPd -C"},
			[]string{"-c (", "pyftpdlib", "vsftpd"}},
		{"an unknown server's per-address limit", "", "Too many connections from the same IP, sorry.",
			[]string{perAddr, "the server's limit on connections from one client address: vsftpd max_per_ip, ProFTPD MaxClientsPerHost, Pure-FTPd -C", "pyftpdlib FTPServer.max_cons_per_ip"},
			[]string{"max_clients", "MaxClients,", "-c,", "maxConnections"}},
		{"an unknown server's total limit", "", "Too many users, try later.",
			[]string{"it had reached its limit on connections.", "the server's limit on all its connections: vsftpd max_clients, ProFTPD MaxClients, Pure-FTPd -c, IIS maxConnections", "pyftpdlib FTPServer.max_cons"},
			[]string{perAddr, "max_per_ip", "MaxClientsPerHost", "-C", "max_cons_per_ip"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &wire{t: t, c: &collect{}, cli: ap("10.0.0.2:50000"), srv: ap("10.0.0.1:21"), now: t0}
			w.d = New(policy.Policy{}, nil, w.c)
			w.trk = track.New(w.d, track.Options{})
			if tc.greet != "" {
				// A session the server let in, still open.
				w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
				w.reply(220, tc.greet)
				w.cmd("USER user")
				w.reply(331, "Username ok, send password.")
				w.cli = ap("10.0.0.2:50001")
			}
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			w.reply(421, tc.text)
			w.end()
			fs := w.c.all(CodeSessionRefused)
			if len(fs) != 1 {
				dumpFindings(t, w.c)
				t.Fatalf("%d session-refused findings, want 1", len(fs))
			}
			containsAll(t, "finding", fs[0].Message+" | "+fs[0].Advice, tc.want, tc.not)
		})
	}
}

// TestLimitWordings guards the table of connection-limit wordings the
// servers send: which scope each names (limitText, loginLimitText for a
// 530) and which family's stock text it is (wordingFamily).
func TestLimitWordings(t *testing.T) {
	for _, tc := range []struct {
		text  string
		limit int
		kind  policy.ServerKind
	}{
		{"Too many connections. Service temporarily unavailable.", limitServer, policy.ServerPyftpdlib},
		{"Too many connections from the same IP address.", limitPerAddress, policy.ServerPyftpdlib},
		{"There are too many connections from your internet address.", limitPerAddress, policy.ServerVsftpd},
		{"There are too many connected users, please try later.", limitServer, policy.ServerVsftpd},
		{"Too many connections (10) from this IP", limitPerAddress, policy.ServerPureFTPd},
		{"10 users (the maximum) are already logged in, sorry", limitServer, policy.ServerPureFTPd},
		{"Sorry, the maximum number of clients (3) from your host are already connected.", limitPerAddress, policy.ServerUnknown},
		{"Sorry, the maximum number of allowed clients (10) are already connected.", limitServer, policy.ServerUnknown},
		{"Too many users", limitServer, policy.ServerUnknown},
		{"Service not available, closing control connection.", limitNone, policy.ServerUnknown},
		// "blocked" of a limit's new connections is no ban.
		{"Too many connections from your IP (max 5); new connections are blocked until one closes.", limitPerAddress, policy.ServerUnknown},
		{"Temporarily banned for too many failed login attempts", limitNone, policy.ServerUnknown},
	} {
		low := strings.ToLower(tc.text)
		if got := limitText(low); got != tc.limit {
			t.Errorf("limitText(%q) = %d, want %d", tc.text, got, tc.limit)
		}
		if got := wordingFamily(low); got != tc.kind {
			t.Errorf("wordingFamily(%q) = %v, want %v", tc.text, got, tc.kind)
		}
	}
	// Serv-U refuses the login past its per-IP limit with a 530.
	for _, tc := range []struct {
		text string
		want int
	}{
		{"Not logged in, only 2 sessions from same IP allowed concurrently.", limitPerAddress},
		{"Not logged in, only one session from same IP allowed at a time.", limitPerAddress},
		{"Not logged in.", limitNone},
	} {
		if got := loginLimitText(strings.ToLower(tc.text)); got != tc.want {
			t.Errorf("loginLimitText(%q) = %d, want %d", tc.text, got, tc.want)
		}
	}
}
