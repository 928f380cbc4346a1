package diagnose

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// step2 is one exchange of a multiSession: a command line and its reply,
// or (port > 0) a PORT naming the session's client address and port.
type step2 struct {
	line string
	port uint16
	code int
	text string
}

// session2 is one control connection of a multiSession.
type session2 struct {
	cli      string
	greeting []step2 // replies before any command
	steps    []step2
}

// multiSession feeds the sessions one after another into one diagnoser
// (each closed before the next opens) and returns what it found.
func multiSession(t *testing.T, srv string, ss ...session2) (*collect, *Diagnoser) {
	t.Helper()
	return multiSessionOpts(t, track.Options{}, srv, ss...)
}

// multiSessionOpts is multiSession with the tracker's options (RecentOnly:
// as JSON output runs it, keeping no USER or PASS to look back at).
func multiSessionOpts(t *testing.T, o track.Options, srv string, ss ...session2) (*collect, *Diagnoser) {
	t.Helper()
	w := &wire{t: t, c: &collect{}, srv: ap(srv), now: t0}
	w.d = New(policy.Policy{}, nil, w.c)
	w.trk = track.New(w.d, o)
	for _, s := range ss {
		w.cli = ap(s.cli)
		w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
		for _, g := range s.greeting {
			w.reply(g.code, g.text)
		}
		for _, st := range s.steps {
			if st.port > 0 {
				w.announceActive(ftp.ViaPORT, netip.AddrPortFrom(w.cli.Addr(), st.port), st.code, st.text)
				continue
			}
			w.cmd(st.line)
			w.reply(st.code, st.text)
		}
		w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
	}
	w.trk.Finish()
	return w.c, w.d
}

func oneVerdict(t *testing.T, d *Diagnoser) string {
	t.Helper()
	sums := d.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d summaries", len(sums))
	}
	return sums[0].Verdict
}

func containsAll(t *testing.T, what, s string, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("no %q in the %s: %s", w, what, s)
		}
	}
	for _, w := range not {
		if strings.Contains(s, w) {
			t.Errorf("%q in the %s: %s", w, what, s)
		}
	}
}

// TestLoginLimit530IsSessionRefused guards a wrong rule (rev19 rev2-diag,
// proftpd-maxclients-530.pcap): ProFTPD (mod_auth.c) refuses a login past
// MaxClients with "530 Sorry, the maximum number of allowed clients (10)
// are already connected." and closes; the verdict said every (anonymous)
// login was refused and to allow anonymous FTP. It is the connection
// limit: session-refused with the limit's setting, not loginRefused.
func TestLoginLimit530IsSessionRefused(t *testing.T) {
	const limit = "Sorry, the maximum number of allowed clients (10) are already connected."
	var ss []session2
	for _, cli := range []string{"198.51.100.20:41000", "198.51.100.21:41001", "198.51.100.22:41002"} {
		ss = append(ss, session2{cli: cli, greeting: []step2{{code: 220, text: "ProFTPD Server (Debian) [203.0.113.10]"}},
			steps: []step2{{line: "USER anonymous", code: 331, text: "Anonymous login ok, send your complete email address as your password"},
				{line: "PASS guest@", code: 530, text: limit}}})
	}
	for _, o := range []track.Options{{}, {RecentOnly: true}} {
		c, d := multiSessionOpts(t, o, "203.0.113.10:21", ss...)
		fs := c.all(CodeSessionRefused)
		if len(fs) != 3 {
			dumpFindings(t, c)
			t.Fatalf("RecentOnly=%v: %d session-refused, want 3", o.RecentOnly, len(fs))
		}
		containsAll(t, "finding", fs[0].Message+" | "+fs[0].Advice+" | "+fs[0].Evidence,
			[]string{"limit on connections", "not a wrong user name or password", "MaxClients", limit, `"PASS ****"`}, []string{"anonymous", "guest@"})
		containsAll(t, "verdict", oneVerdict(t, d), []string{"connection limit", "see session-refused"},
			[]string{"anonymous", "every login was refused", "check the user names"})
	}

	for _, tc := range []struct {
		text string
		want int
	}{
		{limit, limitServer},
		{"Sorry, the maximum number of clients (3) from your host are already connected.", limitPerAddress},
		{"Sorry, the maximum number of clients (2) for this user are already connected.", limitPerUser},
		{"Sorry, the maximum number of hosts (1) for this user are already connected.", limitPerUser},
		{"Login incorrect.", limitNone},
		{"Maximum login attempts exceeded.", limitNone},
		{"Login authentication failed", limitNone},
		{"Non-anonymous sessions must use encryption.", limitNone},
	} {
		if got := loginLimitText(strings.ToLower(tc.text)); got != tc.want {
			t.Errorf("loginLimitText(%q) = %d, want %d", tc.text, got, tc.want)
		}
	}
}

// TestActiveRefusedContradictedElsewhere guards a wrong rule (rev19
// rev2-diag, active-refused-once-of-five.pcap, active-refused-one-user*.pcap):
// one session's PORT refused while the server accepted PORT in other
// sessions (per-user vsftpd port_enable=NO in user_config_dir, or
// cmds_denied) made the verdict say the server refused active mode and
// the finding say active mode cannot work. The capture-wide fact rules the
// verdict; a finding made after an accepted PORT says the refusal is this
// session's or user's.
func TestActiveRefusedContradictedElsewhere(t *testing.T) {
	const vs = "(vsFTPd 3.0.3)"
	greet := []step2{{code: 220, text: vs}}
	login := func(user string) []step2 {
		return []step2{{line: "USER " + user, code: 331, text: "Please specify the password."},
			{line: "PASS secret", code: 230, text: "Login successful."}}
	}
	refused := func(user, cli, code string) session2 {
		st := step2{port: 40001, code: 550, text: "Permission denied."}
		if code == "addr" {
			st = step2{port: 40001, code: 500, text: "Illegal PORT command."}
		}
		return session2{cli: cli, greeting: greet, steps: append(login(user), st, step2{line: "QUIT", code: 221, text: "Goodbye."})}
	}
	accepted := func(user, cli string) session2 {
		return session2{cli: cli, greeting: greet, steps: append(login(user), step2{port: 40002, code: 200, text: "PORT command successful. Consider using PASV."},
			step2{line: "QUIT", code: 221, text: "Goodbye."})}
	}
	tests := []struct {
		name         string
		ss           []session2
		sev          Severity
		want, not    []string // the finding
		verd, notVer []string
	}{
		{name: "carol refused, then dave accepted (verdict only)",
			ss:   []session2{refused("carol", "198.51.100.40:43000", "off"), accepted("dave", "198.51.100.41:43001")},
			sev:  SeverityError,
			verd: []string{"accepted it in others", "user_config_dir"}, notVer: []string{"refused active mode", "port_enable=YES"}},
		{name: "dave accepted, then carol refused: the finding too",
			ss:   []session2{accepted("dave", "198.51.100.41:43001"), refused("carol", "198.51.100.40:43000", "off")},
			sev:  SeverityWarning,
			want: []string{"accepted PORT/EPRT in another session", `user "carol"`, "user_config_dir", "port_enable=NO"},
			not:  []string{"no data connection can be set up", "cannot work"},
			verd: []string{"accepted it in others"}, notVer: []string{"refused active mode"}},
		{name: "address refused once, accepted later from the same client",
			ss: []session2{refused("gina", "198.51.100.44:43000", "addr"), accepted("gina", "198.51.100.44:43001"),
				accepted("gina", "198.51.100.44:43002")},
			sev:  SeverityError,
			verd: []string{"accepted it in others"}, notVer: []string{"NAT in front of the clients"}},
		{name: "address accepted first from the same client: the finding too",
			ss:   []session2{accepted("gina", "198.51.100.44:43001"), refused("gina", "198.51.100.44:43000", "addr")},
			sev:  SeverityWarning,
			want: []string{"same client address 198.51.100.44", "not a NAT"}, not: []string{"cannot work"},
			notVer: []string{"NAT in front of the clients"}},
		{name: "address refused for one client, accepted for another: still the NAT",
			ss:   []session2{accepted("dave", "198.51.100.41:43001"), refused("gina", "192.168.7.2:43000", "addr")},
			sev:  SeverityError,
			want: []string{"NAT in front of the client"},
			verd: []string{"NAT in front of the clients"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, d := multiSession(t, "203.0.113.10:21", tc.ss...)
			fs := c.all(CodeActiveRefused)
			if len(fs) != 1 {
				dumpFindings(t, c)
				t.Fatalf("%d active-refused, want 1", len(fs))
			}
			if fs[0].Severity != tc.sev {
				t.Errorf("severity %v, want %v", fs[0].Severity, tc.sev)
			}
			containsAll(t, "finding", fs[0].Message+" | "+fs[0].Advice, tc.want, tc.not)
			containsAll(t, "verdict", oneVerdict(t, d), tc.verd, tc.notVer)
		})
	}
}

// TestTLSRequiredLoginVerdict guards a wrong rule (rev19 rev2-diag,
// vsftpd-ssl-required-530.pcap): vsftpd's force_local_logins_ssl=YES
// answers every clear-text USER with "530 Non-anonymous sessions must use
// encryption."; the verdict said to check the user names and passwords.
// The server takes logins over TLS only: FTPS in the client, or the
// server's setting.
func TestTLSRequiredLoginVerdict(t *testing.T) {
	for _, tc := range []struct {
		name, greeting string
		code           int
		text           string
		want           []string
	}{
		{"vsftpd force_local_logins_ssl", "(vsFTPd 3.0.3)", 530, "Non-anonymous sessions must use encryption.",
			[]string{"TLS only", "curl --ssl-reqd", "ftp:ssl-force true", "force_local_logins_ssl"}},
		{"ProFTPD TLSRequired", "ProFTPD Server (lab) [203.0.113.10]", 550, "SSL/TLS required on the control channel",
			[]string{"TLS only", "curl --ssl-reqd", "TLSRequired"}},
		{"Serv-U (rv-dialects tls-required-sep)", "Serv-U FTP Server v15.4 ready...", 530, "Not logged in, secure connection required.",
			[]string{"TLS only", "curl --ssl-reqd"}},
		{"Pure-FTPd -Y 2", "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------", 421, "Sorry, cleartext sessions and weak ciphers are not accepted on this server. Please reconnect using TLS security mechanisms.",
			[]string{"TLS only", "curl --ssl-reqd", "Pure-FTPd -Y"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ss []session2
			for _, cli := range []string{"198.51.100.30:42000", "198.51.100.31:42001"} {
				ss = append(ss, session2{cli: cli, greeting: []step2{{code: 220, text: tc.greeting}},
					steps: []step2{{line: "USER alice", code: tc.code, text: tc.text}, {line: "QUIT", code: 221, text: "Goodbye."}}})
			}
			for _, o := range []track.Options{{}, {RecentOnly: true}} {
				_, d := multiSessionOpts(t, o, "203.0.113.10:21", ss...)
				containsAll(t, "verdict", oneVerdict(t, d), tc.want, []string{"check the user names"})
			}
		})
	}
}

// TestRefusedVerdictNamesFewClients guards misleading wording (rev19
// rev2-diag, busy-minute-421-big.pcap): 1600 of 3100 sessions refused
// with 421, all from one client; the verdict did not say so, and one
// client looping is what to look at.
func TestRefusedVerdictNamesFewClients(t *testing.T) {
	var ss []session2
	for i := range 4 {
		ss = append(ss, session2{cli: netip.AddrPortFrom(netip.MustParseAddr("198.19.0.9"), uint16(50000+i)).String(),
			greeting: []step2{{code: 421, text: "There are too many connected users, please try later."}}})
	}
	_, d := multiSession(t, "203.0.113.10:21", ss...)
	containsAll(t, "verdict", oneVerdict(t, d), []string{"from 1 client (198.19.0.9)"}, nil)

	a := newServerAcc(ap("203.0.113.10:21"))
	a.refused, a.sessions = 3, 3
	for _, c := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		a.noteRefusedClient(netip.MustParseAddr(c))
	}
	if w := a.refusedFromWords(); w != "" {
		t.Errorf("one session per client named: %q", w)
	}
}

// TestOutputCheckNamesForwardChain guards a wrong rule (rev19 rev2-diag,
// pcaps/real/router-drop-data-synack-client.pcap): a router's forward
// chain dropped the server's SYN-ACKs, captured at the client; the
// advice named only the server's output chain. Where the capture point is
// not known to be the server host, the path's forward chains too.
func TestOutputCheckNamesForwardChain(t *testing.T) {
	rec, diag := run(t, filepath.Join(realDir, "router-drop-data-synack-client.pcap"), policy.Policy{})
	found := false
	for _, f := range rec.findings {
		if f.Code != CodeDataUnanswered || !strings.Contains(f.Advice, "output chain") {
			continue
		}
		found = true
		if !strings.Contains(f.Advice, "nft insert rule inet filter forward ct state established,related accept") {
			t.Errorf("the output-chain check names no router's forward chain:\n%s", render(rec, diag))
		}
	}
	if !found {
		t.Fatalf("no data-unanswered with the output-chain check:\n%s", render(rec, diag))
	}
	if s := serverOutputCheck(false, placeHost); strings.Contains(s, "forward") {
		t.Errorf("captured on the server host: a forward chain named: %s", s)
	}
}

// TestLimitAndTLSRefusalsAreNoGuessing guards a false alarm: logins
// refused for the connection limit (ProFTPD's 530 past MaxClients) or for
// clear text (vsftpd force_local_logins_ssl) judge no password, yet each
// counted as a failed password for login-brute-force.
func TestLimitAndTLSRefusalsAreNoGuessing(t *testing.T) {
	for _, text := range []string{"Sorry, the maximum number of allowed clients (10) are already connected.", "Non-anonymous sessions must use encryption."} {
		var ss []session2
		for i := range 30 {
			ss = append(ss, session2{cli: netip.AddrPortFrom(netip.MustParseAddr("198.51.100.9"), uint16(41000+i)).String(),
				greeting: []step2{{code: 220, text: "FTP server ready"}},
				steps:    []step2{{line: "USER alice", code: 331, text: "Password required for alice"}, {line: "PASS secret", code: 530, text: text}}})
		}
		c, _ := multiSession(t, "203.0.113.10:21", ss...)
		if fs := c.all(CodeLoginAttack); len(fs) > 0 {
			t.Errorf("%q: login-brute-force raised: %s", text, fs[0].Message)
		}
	}
}

// TestLoginVerdictSaysHowSessionsWereRefused guards the verdict of a server
// whose sessions were refused at login for its connection limit beside
// logins refused otherwise: it said "refused at connect" for 530s to PASS.
func TestLoginVerdictSaysHowSessionsWereRefused(t *testing.T) {
	a := &serverAcc{refused: 3, refusedLogin: 3, loginRefused: 3, loginRefusal: "530 Login incorrect."}
	v := a.loginRefusedVerdict(family{})
	if !strings.Contains(v, "3 sessions were refused at login for the server's connection limit") || strings.Contains(v, "at connect") {
		t.Errorf("verdict %q", v)
	}
}
