package diagnose

import (
	"fmt"
	"strings"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// family is the server software whose settings advice names, and how
// ftpsniff knows it: from the configuration given (--server-config), or
// from the session's greeting, which is only a hint (the admin writes the
// banner). The zero family is unknown: advice then names each setting
// generically with the common families' names for it.
type family struct {
	kind       policy.ServerKind
	byGreeting bool // learnt from the greeting, not from --server-config
	// brief: an unknown server's setting is named without the families'
	// list, which the same text gives elsewhere (an earlier mention, or
	// the summary's change block).
	brief bool
	// cfg is the part of the configuration given that configures this
	// server (policy.ServerConfig.For), nil when none was given or none
	// does; skipped then says why the one given was not applied to it.
	cfg     *policy.ServerConfig
	skipped string
	// unlisted: the greeting names a server that is no family but lacks
	// settings (policy.FamilyFromGreeting), kind unknown: advice names
	// only the settings it has (unlistedSettings). noPassive: it has no
	// passive range or passive address setting at all (GNU inetutils
	// ftpd, Linux-ftpd): advice names the kernel's range and the NAT's
	// helper.
	unlisted  policy.Unlisted
	noPassive bool
}

// briefly is f naming an unknown server's settings without the list.
func (f family) briefly() family {
	f.brief = true
	return f
}

// family is the family of the server s talks to: the configuration's when
// one was given and configures that server, else the one its greeting
// names.
func (d *Diagnoser) family(s *track.Session) family {
	if s == nil {
		if f, ok := d.configFamily(); ok {
			return f
		}
		return family{}
	}
	p, why := d.pol(s)
	if p.Server != nil {
		return family{kind: p.Server.Kind, cfg: p.Server}
	}
	k := d.greetKind(s)
	f := family{kind: k, byGreeting: true, skipped: skippedNote(d.p.Server, why)}
	if k == policy.ServerUnknown {
		// A greeting naming no family is read again for an unlisted
		// server (a few hundred bytes, only for the findings made).
		f = f.withUnlisted(d.greetingVote(s).unlisted)
	}
	return f
}

// withUnlisted is f for the unlisted server u.
func (f family) withUnlisted(u policy.Unlisted) family {
	f.unlisted, f.noPassive = u, u.NoPassiveSettings()
	return f
}

// greetKind is the family s's greeting names, kept once the greeting is
// over (the client has spoken).
func (d *Diagnoser) greetKind(s *track.Session) policy.ServerKind {
	st := d.sess[s]
	if st != nil && st.kindKnown {
		return st.kind
	}
	k := d.greetingVote(s).kind
	if st != nil && s.CommandCount > 0 {
		st.kind, st.kindKnown = k, true
	}
	return k
}

// pol is the policy for the server s reached: the configuration given
// narrowed to the part that configures that server (its Server nil when
// no part does: another port or address, or a greeting naming another
// family), and then why.
func (d *Diagnoser) pol(s *track.Session) (policy.Policy, string) {
	if d.p.Server == nil || s == nil {
		return d.p, ""
	}
	return d.p.For(s.Server, d.greetKind(s))
}

// polOf is pol without the reason, for advice that needs the policy only.
func (d *Diagnoser) polOf(s *track.Session) policy.Policy {
	p, _ := d.pol(s)
	return p
}

// serverPol is pol for a server's summary: its address and the family its
// sessions' greetings agree on.
func (d *Diagnoser) serverPol(a *serverAcc) (policy.Policy, string) {
	if d.p.Server == nil {
		return d.p, ""
	}
	return d.p.For(a.addr, a.greeting.kind)
}

// skippedNote says that the configuration sc was not applied to a server,
// and why; empty when none was given.
func skippedNote(sc *policy.ServerConfig, why string) string {
	if sc == nil || why == "" {
		return ""
	}
	name := sc.Path
	if name == "" {
		name = "the server configuration given"
	}
	return fmt.Sprintf("%s is not applied to this server: %s", name, why)
}

// configFamily is the family the configuration names, which goes before
// any greeting's; ok is false when it names none.
func (d *Diagnoser) configFamily() (f family, ok bool) {
	if k := d.p.Kind(); k != policy.ServerUnknown {
		return family{kind: k, cfg: d.p.Server}, true
	}
	return family{}, false
}

// kindVote merges the families several greetings name: one naming none
// (custom, or not captured) does not contradict, the first named wins, and
// two naming different families leave it unknown for good. A greeting
// naming an unlisted server votes as a family of its own.
type kindVote struct {
	kind      policy.ServerKind
	unlisted  policy.Unlisted
	noPassive bool // unlisted has no passive settings
	mixed     bool // two greetings named different families
}

// voter is what add takes: a policy.ServerKind, or what a greeting says
// (policy.GreetingFamily).
type voter interface {
	Greeting() policy.GreetingFamily
}

func (v *kindVote) add(x voter) { v.addFamily(x.Greeting()) }

// addFamily is add for what a greeting says, taken as it is: a value
// passed as a voter is boxed on the heap, once per session's greeting
// and vote.
func (v *kindVote) addFamily(g policy.GreetingFamily) {
	cur := v.Greeting()
	switch {
	case !g.Named() || g == cur:
	case !cur.Named() && !v.mixed:
		v.kind, v.unlisted, v.noPassive = g.Kind, g.Unlisted, g.NoPassiveSettings
	default:
		v.kind, v.unlisted, v.noPassive, v.mixed = policy.ServerUnknown, policy.UnlistedNone, false, true
	}
}

// greetingKind is what the session's greeting names: every reply of the
// greeting must agree (a 120 then a 220, or a multi-line 220).
func greetingKind(s *track.Session) kindVote {
	var v kindVote
	for i := range s.Greeting {
		if v.addFamily(policy.FamilyFromGreeting(s.Greeting[i].Text)); v.mixed {
			break
		}
	}
	return v
}

// greetingVote is greetingKind(s), read once per length of s's greeting
// while s has a state (a session's summary vote, its family and its
// findings each ask for it) rather than at every ask.
func (d *Diagnoser) greetingVote(s *track.Session) kindVote {
	st := d.lastState
	if st == nil || d.lastSess != s {
		st = d.sess[s]
	}
	n := len(s.Greeting) + 1
	if st == nil || n > 255 { // (greetN is a byte; a greeting keeps at most 16 replies)
		return greetingKind(s)
	}
	if int(st.greetN) != n {
		st.greet, st.greetN = greetingKind(s), uint8(n)
	}
	return st.greet
}

// Greeting is the vote's outcome, so that a server's vote takes a
// session's (greetingKind).
func (v kindVote) Greeting() policy.GreetingFamily {
	return policy.GreetingFamily{Kind: v.kind, Unlisted: v.unlisted, NoPassiveSettings: v.noPassive}
}

// serverFamily is the family a server's summary names settings for: the
// configuration's when it configures that server, else the one its
// sessions' greetings agree on.
func (d *Diagnoser) serverFamily(a *serverAcc) family {
	p, why := d.serverPol(a)
	if p.Server != nil {
		return family{kind: p.Server.Kind, cfg: p.Server}
	}
	return family{kind: a.greeting.kind, byGreeting: true, skipped: skippedNote(d.p.Server, why)}.withUnlisted(a.greeting.unlisted)
}

// known reports whether advice can name this family's own settings.
func (f family) known() bool { return settingsOf(f.kind) != nil }

// note is what advice naming this family's settings adds: nothing when the
// configuration says which server it is, or for vsftpd (the advice every
// capture got before families were told apart), and nothing for an unknown
// family, whose advice names every family's setting; else where the family
// came from, so that an admin whose banner misleads knows why. A server
// the configuration given does not configure is told so, and why.
func (f family) note() string {
	var n string
	if f.byGreeting && f.kind != policy.ServerVsftpd && f.known() {
		n = possessive(f.kind.Product()) + " settings, from its greeting"
	}
	if f.skipped != "" {
		if n != "" {
			n += "; "
		}
		n += f.skipped
	}
	if n == "" {
		return ""
	}
	return " (" + n + ".)"
}

// verdictNote is note for a summary's one-line verdict.
func (f family) verdictNote() string {
	if n := f.note(); n != "" {
		return strings.TrimSuffix(n, ".)") + ")"
	}
	return ""
}

func possessive(s string) string {
	if strings.HasSuffix(s, "s") {
		return s + "'"
	}
	return s + "'s"
}

// serverSettings are one family's settings for its passive port range and
// for the address it announces in 227, spelt as its documentation does.
type serverSettings struct {
	rangeName  string // for prose
	rangeLines func(policy.PortRange) []string
	addrName   string
	addrLine   func(addr string) string
	// rangeAlt and addrAlt are the same settings in the family's other
	// spellings, for a family whose packaged daemon is configured by its
	// command-line flags (Pure-FTPd): nil where the configuration file is
	// the only one.
	rangeAlt func(policy.PortRange) altForms
	addrAlt  func(addr string) altForms
	// rangeNote, when set, says what the family's line for r gives
	// besides r (ProFTPD: a one-port range takes two ports); "" when
	// nothing.
	rangeNote func(policy.PortRange) string
	// rangeListed and addrListed name the settings in the list an unknown
	// server's advice gives.
	rangeListed, addrListed string
	// host is the system the family runs on, whose firewall rule opens
	// ports on the server's own host (hostrule.go).
	host hostOS
	// The family's own settings for login security, in prose: requireTLS
	// makes control and data connections TLS, anonTLS offers it,
	// loginLimit limits failed logins, noLogin disables an account's FTP
	// logins. Empty: the Unix families' list of the settings of vsftpd,
	// ProFTPD and Pure-FTPd (unixRequireTLS...), as before families were
	// told apart; ProFTPD and Pure-FTPd name their own TLS settings, and
	// vsftpd its own anonTLS (an admin of one has no other's to set).
	requireTLS, anonTLS, loginLimit, noLogin string
	// The family's own settings that guard the data connection, in prose
	// (familydata.go): tlsReuseRequired says whether it requires a PROT P
	// data connection to resume the control connection's TLS session,
	// tlsReuseReply is the reply it refuses one with, tlsReuseServer how to
	// lift the requirement; sourceCheckOff, idleTimeout, refusePrivileged
	// and refuseForeign are set together, for the families whose own
	// settings the data advice names (ownDataSettings). Empty: the Unix
	// families' wording (unixTLSReuseRequired...).
	tlsReuseRequired, tlsReuseReply, tlsReuseServer              string
	sourceCheckOff, idleTimeout, refusePrivileged, refuseForeign string
}

// The Unix families' login security settings, named together: the advice
// for a server whose family is not known, and (login limits, requireTLS)
// for vsftpd.
//
//	vsftpd     vsftpd.conf(5): ssl_enable, force_local_logins_ssl,
//	           force_local_data_ssl, max_login_fails, delay_failed_login.
//	ProFTPD    mod_tls (proftpd.org/docs/contrib/mod_tls.html, the
//	           doc/howto/TLS.html example): TLSEngine on, with
//	           TLSRSACertificateFile and TLSRSACertificateKeyFile;
//	           TLSRequired (off by default) on refuses clear-text sessions;
//	           mod_auth MaxLoginAttempts; mod_ban.
//	Pure-FTPd  README.TLS: -Y/--tls=1 accepts clear-text and TLS sessions,
//	           2 refuses clear-text ones, 3 clear-text data connections too;
//	           the certificate and key in /etc/ssl/private/pure-ftpd.pem
//	           (the Debian 1.0.50 binary's built-in path, strings(1)); the
//	           same in pure-ftpd.conf "TLS <n>" (the binary's own
//	           config-file table: "TLS (<digits>)" -> --tls=$0), and in
//	           Debian's pure-ftpd-wrapper, which reads one file per option
//	           in /etc/pure-ftpd/conf ('TLS' => '-Y %d'). No login limit of
//	           its own: PAM (-l pam) with pam_faillock.
const (
	unixRequireTLS = "vsftpd: ssl_enable=YES, force_local_logins_ssl=YES, force_local_data_ssl=YES; ProFTPD: TLSEngine on, TLSRequired on; Pure-FTPd: -Y 2 or pure-ftpd.conf TLS 2"
	unixAnonTLS    = "vsftpd: ssl_enable=YES; ProFTPD: TLSEngine on; Pure-FTPd: -Y 1 or pure-ftpd.conf TLS 1"
	unixLoginLimit = "vsftpd max_login_fails and delay_failed_login, ProFTPD MaxLoginAttempts and mod_ban, Pure-FTPd with PAM authentication (-l pam) and pam_faillock"
	unixNoLogin    = "/etc/ftpusers"
	// A server whose family is not known may be any: its own setting
	// first, the Unix families' and the Windows servers' as examples,
	// not three Unix servers as if the list were whole.
	unknownRequireTLS = "the server's own setting that requires TLS on the control and data connections, e.g. " + unixRequireTLS +
		`; IIS: FTP SSL Settings, "Require SSL connections"; FileZilla Server: a listener with "Require explicit FTP over TLS"; Serv-U and others: their FTPS or encryption settings`
	unknownAnonTLS = "the server's own FTPS setting, e.g. " + unixAnonTLS + `; IIS: FTP SSL Settings; FileZilla Server: a listener with "Require explicit FTP over TLS"`
	// wu-ftpd has no TLS: its last release (2.6.2, 2001) has no AUTH TLS
	// (RFC 4217) support; FTPS came only as third-party patches.
	// GNU inetutils ftpd (the only server noPassive marks) has no TLS
	// either: its ftpd.c knows no AUTH.
	inetutilsNoTLS = "GNU inetutils ftpd has no TLS: replace it with a server that supports FTPS, e.g. vsftpd, ProFTPD or Pure-FTPd"
	// Twisted's twisted.protocols.ftp knows no AUTH either.
	twistedNoTLS = "Twisted's FTP server has no TLS: replace it with a server that supports FTPS, e.g. vsftpd, ProFTPD or Pure-FTPd"
	// BSD ftpd's Linux port has TLS in its ftpd-ssl build only
	// (in.ftpd(8): -z secure, -z cert=, -z key=, the certificate in
	// /etc/ftpd-ssl/ftpd.pem by default), and the greeting is the same.
	linuxFtpdRequireTLS = "Linux-ftpd, OpenBSD's ftpd ported to Linux, has TLS only in its ftpd-ssl build: there in.ftpd -z secure refuses clients that do not use it, with the certificate in /etc/ftpd-ssl/ftpd.pem or -z cert= and -z key=; the plain build (netkit linux-ftpd) has none: replace it with ftpd-ssl or another server that supports FTPS"
	linuxFtpdAnonTLS    = "Linux-ftpd, OpenBSD's ftpd ported to Linux, has TLS only in its ftpd-ssl build, which offers it with a certificate in /etc/ftpd-ssl/ftpd.pem (or -z cert= and -z key=); the plain build (netkit linux-ftpd) has none"
	// GridFTP's own protection is GSI (AUTH GSSAPI, X.509 certificates);
	// clear-text logins come from -aa (-allow-anonymous) and
	// -password-file (globus-gridftp-server -help).
	gridRequireTLS = "GridFTP protects logins with GSI, AUTH GSSAPI with X.509 certificates, not with FTPS: run globus-gridftp-server without -password-file and -aa (-allow-anonymous), which allow clear-text logins"
	gridAnonTLS    = "GridFTP protects logins and data with GSI, AUTH GSSAPI with X.509 certificates, not with FTPS: serve private data to GSI logins only, without -password-file"
	wuNoTLS        = "wu-ftpd has no TLS of its own: its last release, 2.6.2, has no AUTH TLS, and only third-party patches added it; replace it with a server that supports FTPS, e.g. vsftpd, ProFTPD or Pure-FTPd"
)

// ownTLS and ownLoginLimit report whether advice on logins names the
// family's own settings (and so says where the family came from, note).
func (f family) ownTLS() bool {
	return f.ownOr(func(s *serverSettings) string { return s.requireTLS }, "") != ""
}

func (f family) ownLoginLimit() bool {
	return f.ownOr(func(s *serverSettings) string { return s.loginLimit }, "") != ""
}

// requireTLS is how to make the server require TLS, for a parenthesis.
func (f family) requireTLS() string {
	if u := unlistedOf(f); u != nil {
		return u.requireTLS
	}
	if f.kind == policy.ServerUnknown {
		return unknownRequireTLS
	}
	return f.ownOr(func(s *serverSettings) string { return s.requireTLS }, unixRequireTLS)
}

// anonTLS is how to offer TLS for private data beside anonymous FTP.
func (f family) anonTLS() string {
	if u := unlistedOf(f); u != nil {
		return u.anonTLS
	}
	if f.kind == policy.ServerUnknown {
		return unknownAnonTLS
	}
	return f.ownOr(func(s *serverSettings) string { return s.anonTLS }, unixAnonTLS)
}

// loginLimit is how the server itself limits failed logins.
func (f family) loginLimit() string {
	return f.ownOr(func(s *serverSettings) string { return s.loginLimit }, unixLoginLimit)
}

// noLogin is how to disable the FTP logins of an account.
func (f family) noLogin() string {
	return f.ownOr(func(s *serverSettings) string { return s.noLogin }, unixNoLogin)
}

// settingsTable: where each name comes from.
//
//	vsftpd     vsftpd.conf(5): pasv_min_port, pasv_max_port, pasv_address.
//	ProFTPD    proftpd.org directives: PassivePorts min max, MasqueradeAddress.
//	Pure-FTPd  pure-ftpd(8) -p first:last / -P (--passiveportrange,
//	           --forcepassiveip); pure-ftpd.conf PassivePortRange, ForcePassiveIP.
//	IIS        learn.microsoft.com, IIS configuration reference
//	           system.ftpServer/firewallSupport (lowDataChannelPort,
//	           highDataChannelPort: server level) and
//	           sites/site/ftpServer/firewallSupport (externalIp4Address: per
//	           site); IIS Manager's "FTP Firewall Support" page calls them
//	           "Data Channel Port Range" and "External IP Address of Firewall".
//	FileZilla  filezillapro.com docs, "FileZilla Server Passive Mode": the
//	Server     Passive mode tab's "Use custom port range" and "Use the
//	           following host".
//	pyftpdlib  pyftpdlib/handlers.py, FTPHandler.passive_ports (a range of
//	           ports) and FTPHandler.masquerade_address.
//	wu-ftpd    ftpaccess(5): "passive ports <cidr> <min> <max>", "passive
//	           address <externalip> <cidr>".
//
// Their login security settings (requireTLS, loginLimit...):
//
//	IIS        learn.microsoft.com, IIS configuration reference
//	           sites/site/ftpServer/security/ssl: controlChannelPolicy and
//	           dataChannelPolicy (SslAllow, SslRequire...), IIS Manager's
//	           "FTP SSL Settings" page ("Require SSL connections"), their
//	           appcmd form as IIS setup scripts write it (set config
//	           -section:system.applicationHost/sites
//	           /[name='SITE'].ftpServer.security.ssl.controlChannelPolicy:...);
//	           system.ftpServer/security/authentication/denyByFailure
//	           (IIS 8.0 and later, server level only: enabled, maxFailure,
//	           entryExpiration), IIS Manager's "FTP Logon Attempt
//	           Restrictions"; its appcmd form as the CIS IIS 10 benchmark
//	           gives it; "FTP Authorization Rules"
//	           (system.ftpServer/security/authorization).
//	FileZilla  FileZilla Server 1.x administration interface
//	Server     (src/gui/settingsdialog.cpp): the "Server listeners" page,
//	           protocol "Require explicit FTP over TLS"; "Protocols
//	           settings", tab "Autoban": "Ban IP address after: N failed
//	           login attempts", "If they happen within", "The ban will
//	           last"; "Rights management", "Users". 0.9.x: "FTP over TLS
//	           settings" ("Disallow plain unencrypted FTP", "Force PROT P
//	           to encrypt file transfers when using FTP over TLS") and
//	           "Autoban" ("Enable automatic bans").
//	pyftpdlib  pyftpdlib/handlers.py, TLS_FTPHandler.tls_control_required
//	           and tls_data_required; FTPHandler.max_login_attempts ("the
//	           maximum number of wrong authentications before disconnecting
//	           the client (default 3)": per connection, no ban) and
//	           auth_failed_timeout (seconds before each 530, 3 by default);
//	           the authorizer holds the accounts (docs/api.rst:
//	           DummyAuthorizer.remove_user(username), UnixAuthorizer's
//	           rejected_users).
//
// The hosts: IIS is a Windows component. FileZilla Server ran on Windows
// only up to 0.9 and is built for Linux too from 1.x, and its greeting
// does not say which host it runs on, so its advice gives both rules,
// each named. The others are Unix servers (pyftpdlib runs wherever
// Python does, but is read as on Linux, as is a family not in this
// table: the rules ftpsniff gave before families were told apart).
var settingsTable = [...]struct {
	kind policy.ServerKind
	s    serverSettings
}{
	{policy.ServerVsftpd, serverSettings{
		rangeName: "pasv_min_port/pasv_max_port",
		rangeLines: func(r policy.PortRange) []string {
			return []string{fmt.Sprintf("pasv_min_port=%d", r.Lo), fmt.Sprintf("pasv_max_port=%d", r.Hi)}
		},
		addrName:    "pasv_address",
		addrLine:    func(a string) string { return "pasv_address=" + a },
		rangeListed: "vsftpd pasv_min_port/pasv_max_port", addrListed: "vsftpd pasv_address",
		anonTLS:          "vsftpd: ssl_enable=YES",
		tlsReuseRequired: "vsftpd does, with require_ssl_reuse=YES, the default",
		tlsReuseReply:    "522",
		tlsReuseServer:   "Or, on the server, set require_ssl_reuse=NO in vsftpd.conf and restart vsftpd" + tlsReuseCosts,
	}},
	{policy.ServerProFTPD, serverSettings{
		rangeName: "PassivePorts",
		rangeLines: func(r policy.PortRange) []string {
			r = proftpdRange(r)
			return []string{fmt.Sprintf("PassivePorts %d %d", r.Lo, r.Hi)}
		},
		rangeNote: func(r policy.PortRange) string {
			if r.Lo != r.Hi {
				return ""
			}
			w := proftpdRange(r)
			extra := w.Hi
			if extra == r.Lo {
				extra = w.Lo
			}
			return fmt.Sprintf("ProFTPD refuses a one-port PassivePorts (\"min port must be less than max port\") and does not start: open port %d too", extra)
		},
		addrName:    "MasqueradeAddress",
		addrLine:    func(a string) string { return "MasqueradeAddress " + a },
		rangeListed: "ProFTPD PassivePorts", addrListed: "ProFTPD MasqueradeAddress",
		requireTLS:       "ProFTPD: mod_tls's TLSEngine on and TLSRequired on, with TLSRSACertificateFile and TLSRSACertificateKeyFile",
		anonTLS:          "ProFTPD: mod_tls's TLSEngine on, with TLSRSACertificateFile and TLSRSACertificateKeyFile",
		tlsReuseRequired: "ProFTPD's mod_tls does, unless TLSOptions NoSessionReuseRequired",
		tlsReuseReply:    "425",
		tlsReuseServer:   "Or, on the server, add NoSessionReuseRequired to ProFTPD's TLSOptions and restart it" + tlsReuseCosts,
	}},
	{policy.ServerPureFTPd, serverSettings{
		rangeName:  "PassivePortRange or -p",
		rangeLines: func(r policy.PortRange) []string { return []string{fmt.Sprintf("PassivePortRange %d %d", r.Lo, r.Hi)} },
		rangeAlt: func(r policy.PortRange) altForms {
			return pureFTPdForms(fmt.Sprintf("-p %d:%d", r.Lo, r.Hi), "PassivePortRange", fmt.Sprintf("%d %d", r.Lo, r.Hi))
		},
		addrName:    "ForcePassiveIP or -P",
		addrLine:    func(a string) string { return "ForcePassiveIP " + a },
		addrAlt:     func(a string) altForms { return pureFTPdForms("-P "+a, "ForcePassiveIP", a) },
		rangeListed: "Pure-FTPd PassivePortRange or -p", addrListed: "Pure-FTPd ForcePassiveIP or -P",
		requireTLS:       pureFTPdTLS(2) + ", 3 to refuse clear-text data connections too; the certificate and key in /etc/ssl/private/pure-ftpd.pem",
		anonTLS:          pureFTPdTLS(1) + "; the certificate and key in /etc/ssl/private/pure-ftpd.pem",
		tlsReuseRequired: "Pure-FTPd does only when built with ONLY_ACCEPT_REUSED_SSL_SESSIONS, off by default",
		tlsReuseServer:   "Or run a Pure-FTPd built without ONLY_ACCEPT_REUSED_SSL_SESSIONS: the default build does not require resumption.",
	}},
	{policy.ServerIIS, serverSettings{
		rangeName: "the Data Channel Port Range of FTP Firewall Support",
		rangeLines: func(r policy.PortRange) []string {
			return []string{fmt.Sprintf("FTP Firewall Support (server level in IIS Manager): Data Channel Port Range %d-%d", r.Lo, r.Hi)}
		},
		addrName: "the External IP Address of Firewall in FTP Firewall Support",
		addrLine: func(a string) string {
			return "FTP Firewall Support (the FTP site in IIS Manager): External IP Address of Firewall " + a
		},
		rangeListed: "IIS FTP Firewall Support's Data Channel Port Range", addrListed: "IIS FTP Firewall Support's External IP Address of Firewall",
		host:             hostWindows,
		requireTLS:       `IIS: in IIS Manager, the FTP site's FTP SSL Settings: choose an SSL certificate and "Require SSL connections"; or appcmd set config -section:system.applicationHost/sites /[name='<site>'].ftpServer.security.ssl.controlChannelPolicy:"SslRequire" /commit:apphost, and the same for dataChannelPolicy`,
		anonTLS:          `IIS: FTP SSL Settings, "Require SSL connections"`,
		loginLimit:       `IIS FTP Logon Attempt Restrictions, IIS 8 and later, server level: appcmd set config -section:system.ftpServer/security/authentication /denyByFailure.enabled:"True" /commit:apphost, with maxFailure and entryExpiration`,
		noLogin:          "a Deny rule for them in the FTP site's FTP Authorization Rules",
		tlsReuseRequired: "ftpsniff knows no IIS setting for it",
		tlsReuseServer:   "ftpsniff knows no IIS setting for resumption on data connections: if IIS refuses these connections, the client must resume.",
		sourceCheckOff:   `IIS: matchClientAddressForPasv="false" in the FTP site's dataChannelSecurity (system.applicationHost/sites/site/ftpServer/security/dataChannelSecurity, IIS Manager's Configuration Editor)`,
		idleTimeout:      "IIS's Control Channel Timeout (the FTP site's ftpServer/connections controlChannelTimeout, in seconds)",
		refusePrivileged: "ftpsniff knows no IIS" + noPrivilegedSetting,
		refuseForeign:    `IIS: matchClientAddressForPort="true" in the FTP site's dataChannelSecurity (the default)`,
	}},
	{policy.ServerFileZilla, serverSettings{
		rangeName: "the passive mode's custom port range",
		rangeLines: func(r policy.PortRange) []string {
			return []string{fmt.Sprintf("Passive mode: Use custom port range %d-%d", r.Lo, r.Hi)}
		},
		addrName:    "the passive mode's public host (\"Use the following host\")",
		addrLine:    func(a string) string { return "Passive mode: Use the following host " + a },
		rangeListed: "FileZilla Server's passive mode custom port range", addrListed: "FileZilla Server's passive mode \"Use the following host\"",
		host:             hostWindowsOrLinux,
		requireTLS:       `FileZilla Server: Server > Configure > Server listeners, protocol "Require explicit FTP over TLS"; 0.9.x: FTP over TLS settings, "Disallow plain unencrypted FTP" and "Force PROT P to encrypt file transfers when using FTP over TLS"`,
		anonTLS:          `FileZilla Server: a listener with "Require explicit FTP over TLS"`,
		loginLimit:       `FileZilla Server's autoban: Server > Configure > Protocols settings > Autoban, "Ban IP address after" N failed login attempts; 0.9.x: Autoban, "Enable automatic bans"`,
		noLogin:          `Rights management > Users, "User is enabled" unticked`,
		tlsReuseRequired: "FileZilla Server does by default",
		tlsReuseReply:    "425; 450 from 0.9.x",
		tlsReuseServer:   `Or, on the server: in FileZilla Server 0.9.x, untick "Require TLS session resumption on data connection when using PROT P" (Settings, FTP over TLS settings)` + tlsReuseCosts + " ftpsniff knows no such setting in FileZilla Server 1.x: there the client must resume.",
		sourceCheckOff:   "FileZilla Server 0.9.x: the data connection IP check of its Security settings, relaxed (the same /24 or /64) or off; ftpsniff knows no such setting in FileZilla Server 1.x",
		idleTimeout:      `FileZilla Server's "Activity timeout" (Protocols settings > Timeouts; 0.9.x: its connections and no-transfer timeouts)`,
		refusePrivileged: "ftpsniff knows no FileZilla Server" + noPrivilegedSetting,
		refuseForeign:    "FileZilla Server 0.9.x: the data connection IP check of its Security settings, exact (the default); ftpsniff knows no such setting in FileZilla Server 1.x",
	}},
	{policy.ServerPyftpdlib, serverSettings{
		rangeName: "FTPHandler.passive_ports",
		rangeLines: func(r policy.PortRange) []string {
			return []string{fmt.Sprintf("FTPHandler.passive_ports = range(%d, %d)", r.Lo, int(r.Hi)+1)}
		},
		addrName:         "FTPHandler.masquerade_address",
		addrLine:         func(a string) string { return fmt.Sprintf("FTPHandler.masquerade_address = %q", a) },
		requireTLS:       "pyftpdlib: serve with TLS_FTPHandler and set tls_control_required = True and tls_data_required = True",
		anonTLS:          "pyftpdlib: TLS_FTPHandler",
		loginLimit:       "pyftpdlib's FTPHandler.max_login_attempts (3 by default: the client is disconnected after that many failures on one connection, not banned) and FTPHandler.auth_failed_timeout (seconds before each 530, 3 by default)",
		noLogin:          "pyftpdlib: remove them from its authorizer (DummyAuthorizer.remove_user), or list them in a UnixAuthorizer's rejected_users",
		tlsReuseRequired: "pyftpdlib does not",
		tlsReuseServer:   "pyftpdlib does not require resumption (its TLS_DTPHandler makes no such check): a refusal has another cause; read the server's reply and its log.",
		sourceCheckOff:   "pyftpdlib: FTPHandler.permit_foreign_addresses = True (which also lets PORT name another host)",
		idleTimeout:      "pyftpdlib's FTPHandler.timeout (300 s by default)",
		refusePrivileged: "pyftpdlib: FTPHandler.permit_privileged_ports = False, the default",
		refuseForeign:    "pyftpdlib: FTPHandler.permit_foreign_addresses = False and permit_privileged_ports = False (the defaults)",
	}},
	{policy.ServerWuFTPd, serverSettings{
		rangeName: "passive ports (ftpaccess)",
		rangeLines: func(r policy.PortRange) []string {
			return []string{fmt.Sprintf("passive ports 0.0.0.0/0 %d %d", r.Lo, r.Hi)}
		},
		addrName:   "passive address (ftpaccess)",
		addrLine:   func(a string) string { return fmt.Sprintf("passive address %s 0.0.0.0/0", a) },
		requireTLS: wuNoTLS,
		anonTLS:    wuNoTLS,
	}},
}

// altForms is a setting in the other spellings of a family configured on
// the command line: the daemon's flag, and the file Debian's wrapper reads
// it from (one file per option, holding its value).
type altForms struct {
	daemon, conf string // "pure-ftpd", its configuration file "pure-ftpd.conf"
	flag         string // "-p 40000:40100"
	file, value  string // "/etc/pure-ftpd/conf/PassivePortRange", "40000 40100"
}

// pureFTPdForms are Pure-FTPd's: pure-ftpd(8) -p first:last and -P
// address (the Debian 1.0.50 binary's own config-file table maps
// "PassivePortRange (<digits>) (<digits>)" to --passiveportrange=$0:$1 and
// "ForcePassiveIP (<nospace>)" to --forcepassiveip=$0); Debian's
// pure-ftpd-wrapper reads /etc/pure-ftpd/conf/<Option>, PassivePortRange
// as two numbers separated by white space ('-p %d:%d', parse_number_2)
// and ForcePassiveIP as a string ('-P %s').
func pureFTPdForms(flag, option, value string) altForms {
	return altForms{daemon: "pure-ftpd", conf: "pure-ftpd.conf", flag: flag, file: "/etc/pure-ftpd/conf/" + option, value: value}
}

// pureFTPdTLS is Pure-FTPd's TLS level n in its three spellings, for prose
// that may stand in parentheses.
func pureFTPdTLS(n int) string {
	return fmt.Sprintf("Pure-FTPd: -Y %d or --tls=%d on its command line, TLS %d in pure-ftpd.conf, or echo %d > /etc/pure-ftpd/conf/TLS on Debian", n, n, n, n)
}

// prose is line (the configuration file's form) with the other forms, to
// stand after "set" or in parentheses: it opens none of its own.
func (a altForms) prose(line string) string {
	return fmt.Sprintf("%s in %s, %s on %s's command line, or %s in Debian's %s", line, a.conf, a.flag, a.daemon, a.value, a.file)
}

// lines are the other forms as comment lines of a change block, after the
// configuration file's line.
func (a altForms) lines() []string {
	return []string{
		"# or on the command line: " + a.daemon + " " + a.flag,
		"# or, with Debian's wrapper: echo " + shellWord(a.value) + " > " + a.file,
	}
}

// proftpdRange is r as ProFTPD's PassivePorts can give it: mod_core.c's
// set_passiveports refuses a maximum not above the minimum, so a one-port
// range takes the next port too (the one below at 65535).
func proftpdRange(r policy.PortRange) policy.PortRange {
	if r.Lo == r.Hi {
		if r.Hi < 65535 {
			r.Hi++
		} else {
			r.Lo--
		}
	}
	return r
}

// shellWord is v quoted for a shell when it holds more than an address's
// or a number's characters (a space, "<public address>").
func shellWord(v string) string {
	if v != "" && strings.Trim(v, "0123456789abcdefABCDEF.:") == "" {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

// settingsOf is k's row of settingsTable, nil for a family not in it.
func settingsOf(k policy.ServerKind) *serverSettings {
	if k == policy.ServerUnknown {
		return nil
	}
	for i := range settingsTable {
		if settingsTable[i].kind == k {
			return &settingsTable[i].s
		}
	}
	return nil
}

// The lists an unknown server's advice names the setting with: the common
// families' names for it.
var (
	genericRangeList = listed(func(s *serverSettings) string { return s.rangeListed })
	genericAddrList  = listed(func(s *serverSettings) string { return s.addrListed })
)

const (
	genericRange = "the server's passive port range setting"
	genericAddr  = "the server's passive address setting"
)

// unlistedSettings are what advice says of an unlisted server's
// settings (policy.Unlisted): its own passive range and address settings
// where it has them, and its TLS.
type unlistedSettings struct {
	u policy.Unlisted
	// rangeName and rangeLines: its own passive range setting; rangeName
	// "" when it has none (noPassive: its ports are the kernel's).
	rangeName  string
	rangeLines func(policy.PortRange) []string
	// addrName and addrLine: its own setting for the address its 227
	// names; "" when it has none (it announces its own address of the
	// control connection).
	addrName string
	addrLine func(a string) string
	epsv     bool // it implements EPSV
	// requireTLS and anonTLS are family.requireTLS and anonTLS.
	requireTLS, anonTLS string
}

// unlistedTable: where each comes from.
//
//	GNU inetutils ftpd  ftpd(8), ftpd --help: no passive option; ftpd.c passive() binds port 0 on the control connection's address; EPSV answered (229).
//	Linux-ftpd          in.ftpd(8) of ftpd-ssl 0.17: no passive range or address option; EPSV answered.
//	Twisted             twisted/protocols/ftp.py: FTPFactory.passivePortRange (a range of ports); ftp_PASV announces transport.getHost().host; EPSV 502.
//	GridFTP             globus-gridftp-server -help: -port-range "startport,endport" ("the same as setting the environment variable GLOBUS_TCP_PORT_RANGE"), -data-interface; EPSV answered.
var unlistedTable = [...]unlistedSettings{
	{u: policy.UnlistedInetutils, epsv: true, requireTLS: inetutilsNoTLS, anonTLS: inetutilsNoTLS},
	{u: policy.UnlistedLinuxFtpd, epsv: true, requireTLS: linuxFtpdRequireTLS, anonTLS: linuxFtpdAnonTLS},
	{u: policy.UnlistedTwisted,
		rangeName: "Twisted's FTPFactory.passivePortRange",
		rangeLines: func(r policy.PortRange) []string {
			return []string{fmt.Sprintf("FTPFactory.passivePortRange = range(%d, %d)", r.Lo, int(r.Hi)+1)}
		},
		requireTLS: twistedNoTLS, anonTLS: twistedNoTLS},
	{u: policy.UnlistedGridFTP,
		rangeName: "GridFTP's -port-range or GLOBUS_TCP_PORT_RANGE",
		rangeLines: func(r policy.PortRange) []string {
			return []string{fmt.Sprintf("globus-gridftp-server -port-range %d,%d", r.Lo, r.Hi), fmt.Sprintf("# or GLOBUS_TCP_PORT_RANGE=%d,%d in its environment", r.Lo, r.Hi)}
		},
		addrName: "GridFTP's -data-interface",
		addrLine: func(a string) string { return "globus-gridftp-server -data-interface " + a },
		epsv:     true, requireTLS: gridRequireTLS, anonTLS: gridAnonTLS},
}

// unlistedOf is the row of f's unlisted server, nil when f names none.
func unlistedOf(f family) *unlistedSettings {
	if f.kind != policy.ServerUnknown || f.unlisted == policy.UnlistedNone {
		return nil
	}
	for i := range unlistedTable {
		if unlistedTable[i].u == f.unlisted {
			return &unlistedTable[i]
		}
	}
	return nil
}

// rangeSet is the server's own range setting given r in prose: its line,
// with the other spellings its comment lines give.
func (u *unlistedSettings) rangeSet(r policy.PortRange) string {
	l := u.rangeLines(r)
	line := l[0]
	for _, alt := range l[1:] {
		line += ", " + strings.TrimPrefix(alt, "# ")
	}
	return line
}

// ownRange is f's unlisted server's own passive range setting, nil when
// it names none, or has none.
func ownRange(f family) *unlistedSettings {
	if u := unlistedOf(f); u != nil && u.rangeName != "" {
		return u
	}
	return nil
}

// noAddr reports whether f's greeting names a server without a passive
// address setting; ownAddr is its own setting, nil when it names none or
// has none.
func (f family) noAddr() bool {
	u := unlistedOf(f)
	return u != nil && u.addrName == ""
}

func ownAddr(f family) *unlistedSettings {
	if u := unlistedOf(f); u != nil && u.addrName != "" {
		return u
	}
	return nil
}

// The advice for a server without passive settings (family.noPassive:
// GNU inetutils ftpd, Linux-ftpd). Its passive ports are the kernel's
// ephemeral ports, whose range (net.ipv4.ip_local_port_range, 32768-60999
// by Linux's default) is the host's: narrowing it narrows every program's
// outgoing connections too, so the lighter fixes come first. A server
// without a passive address setting (those, and Twisted) names its own
// address of the control connection in its 227 (it binds the data socket
// there), so behind a NAT only a rewrite of the 227 (the NAT's FTP
// helper) or EPSV, where it has it, gets clients the right one.
const kernelRange = "net.ipv4.ip_local_port_range, the kernel's ephemeral port range"

// kernelDefault is Linux's default ephemeral port range
// (net.ipv4.ip_local_port_range), the passive ports of a server without
// a passive range setting.
var kernelDefault = policy.PortRange{Lo: 32768, Hi: 60999}

// noRangeWhy follows a setting's name or line in parentheses, or after a
// colon.
func (f family) noRangeWhy() string {
	return "its greeting names " + f.unlisted.Product() + ", which has no passive port range setting: its passive ports are the kernel's ephemeral ports, whose range is host-wide, so narrowing it narrows every program's outgoing connections too; the lighter fix is to open the range it uses, 32768-60999 by default, as /proc/sys/net/ipv4/ip_local_port_range shows, to attach the FTP conntrack helper, or to use a server with a passive range setting"
}

// sysctlRange is the line that narrows the kernel's ephemeral range to r.
func sysctlRange(r policy.PortRange) string {
	return fmt.Sprintf("sysctl -w net.ipv4.ip_local_port_range='%d %d'", r.Lo, r.Hi)
}

// epsvOr is ", or have clients use EPSV" for a server that implements
// it, "" for one that does not (Twisted).
func (f family) epsvOr() string {
	if u := unlistedOf(f); u != nil && !u.epsv {
		return ";"
	}
	return "; or have clients use EPSV,"
}

// noAddrSet is how a server without a passive address setting comes to
// announce a, for "set ..." and after a colon.
func (f family) noAddrSet(a string) string {
	return fmt.Sprintf("the NAT's FTP helper (nf_nat_ftp, with the FTP conntrack helper attached) to rewrite its 227 to %s: its greeting names %s, which has no passive address setting and announces its own address of the control connection (behind a NAT, the private one)%s or use a server with a passive address setting", a, f.unlisted.Product(), f.epsvOr())
}

// noAddrWhy says why a server without a passive address setting needs
// the NAT's helper, to end a verdict.
func (f family) noAddrWhy() string {
	return fmt.Sprintf("its greeting names %s, which has no passive address setting: it announces its own address of the control connection, behind a NAT the private one (or use a server with a passive address setting)", f.unlisted.Product())
}

func (f family) noAddrName() string {
	return "the address it announces, which it does not choose (its greeting names " + f.unlisted.Product() + ", which has no passive address setting: it announces its own address of the control connection, behind a NAT the private one)"
}

func listed(name func(*serverSettings) string) string {
	var l []string
	for i := range settingsTable {
		if n := name(&settingsTable[i].s); n != "" {
			l = append(l, n)
		}
	}
	return strings.Join(l, ", ")
}

// The setting names and values in prose. The ...In forms stand at the end
// of a parenthesis: an unknown server's list follows a colon there instead
// of opening a parenthesis of its own.

func (f family) rangeName() string {
	if f.noPassive {
		return kernelRange + " (" + f.noRangeWhy() + ")"
	}
	if u := ownRange(f); u != nil {
		return u.rangeName
	}
	if s := settingsOf(f.kind); s != nil {
		return s.rangeName
	}
	if f.brief {
		return genericRange
	}
	return genericRange + " (" + genericRangeList + ")"
}

func (f family) rangeNameIn() string {
	if f.noPassive {
		return kernelRange + ": " + f.noRangeWhy()
	}
	if u := ownRange(f); u != nil {
		return u.rangeName
	}
	if s := settingsOf(f.kind); s != nil {
		return s.rangeName
	}
	if f.brief {
		return genericRange
	}
	return genericRange + ": " + genericRangeList
}

// ownRangeSet and ownAddrSet are a known family's setting in prose: the
// configuration file's lines, with the other spellings where the family
// has them (all of them, or the flag alone when brief).
func (f family) ownRangeSet(s *serverSettings, r policy.PortRange) string {
	line := strings.Join(s.rangeLines(r), " and ")
	if s.rangeNote != nil {
		if n := s.rangeNote(r); n != "" {
			line += " (" + n + ")"
		}
	}
	if s.rangeAlt == nil {
		return line
	}
	alt := s.rangeAlt(r)
	if f.brief {
		return line + " or " + alt.flag
	}
	return alt.prose(line)
}

func (f family) ownAddrSet(s *serverSettings, a string) string {
	line := s.addrLine(a)
	if s.addrAlt == nil {
		return line
	}
	alt := s.addrAlt(a)
	if f.brief {
		return line + " or " + alt.flag
	}
	return alt.prose(line)
}

// rangeSet is the passive range setting given r.
func (f family) rangeSet(r policy.PortRange) string {
	if f.noPassive {
		return sysctlRange(r) + " (" + f.noRangeWhy() + ")"
	}
	if u := ownRange(f); u != nil {
		return u.rangeSet(r)
	}
	if s := settingsOf(f.kind); s != nil {
		return f.ownRangeSet(s, r)
	}
	if f.brief {
		return fmt.Sprintf("%s in %s", r, genericRange)
	}
	return fmt.Sprintf("%s in %s (%s)", r, genericRange, genericRangeList)
}

func (f family) rangeSetIn(r policy.PortRange) string {
	if f.noPassive {
		return sysctlRange(r) + ": " + f.noRangeWhy()
	}
	if u := ownRange(f); u != nil {
		return u.rangeSet(r)
	}
	if s := settingsOf(f.kind); s != nil {
		return f.ownRangeSet(s, r)
	}
	if f.brief {
		return fmt.Sprintf("%s in %s", r, genericRange)
	}
	return fmt.Sprintf("%s in %s: %s", r, genericRange, genericRangeList)
}

// rangeExample names the setting and gives r as an example, to stand in
// parentheses: "pasv_min_port/pasv_max_port, e.g. pasv_min_port=40000 and
// pasv_max_port=40100".
func (f family) rangeExample(r policy.PortRange) string {
	if f.noPassive {
		return fmt.Sprintf("%s, e.g. %s: %s", kernelRange, sysctlRange(r), f.noRangeWhy())
	}
	if u := ownRange(f); u != nil {
		return u.rangeName + ", e.g. " + u.rangeSet(r)
	}
	if s := settingsOf(f.kind); s != nil {
		return s.rangeName + ", e.g. " + f.rangeSet(r)
	}
	return fmt.Sprintf("%s: %s; e.g. %s", genericRange, genericRangeList, r)
}

// rangeLines are the lines to write for r in a summary's change block,
// with the family's other spellings as comment lines; for an unknown
// server one comment line naming the setting.
func (f family) rangeLines(r policy.PortRange) []string {
	if f.noPassive {
		return []string{
			"# its greeting names " + f.unlisted.Product() + ", which has no passive port range setting: its passive ports are the kernel's ephemeral ports (cat /proc/sys/net/ipv4/ip_local_port_range; 32768-60999 by default)",
			"# open that range instead, or attach the FTP conntrack helper, or use a server with a passive range setting; narrowing the kernel's range is host-wide (every program's outgoing connections get these ports only):",
			"# " + sysctlRange(r),
		}
	}
	if u := ownRange(f); u != nil {
		return u.rangeLines(r)
	}
	if s := settingsOf(f.kind); s != nil {
		l := s.rangeLines(r)
		if s.rangeNote != nil {
			if n := s.rangeNote(r); n != "" {
				l = append(l, "# "+n)
			}
		}
		if s.rangeAlt != nil {
			l = append(l, s.rangeAlt(r).lines()...)
		}
		return l
	}
	return []string{fmt.Sprintf("# set %s to %s (%s)", genericRange, r, genericRangeList)}
}

func (f family) addrName() string {
	if f.noAddr() {
		return f.noAddrName()
	}
	if u := ownAddr(f); u != nil {
		return u.addrName
	}
	if s := settingsOf(f.kind); s != nil {
		return s.addrName
	}
	if f.brief {
		return genericAddr
	}
	return genericAddr + " (" + genericAddrList + ")"
}

func (f family) addrNameIn() string {
	if f.noAddr() {
		return f.noAddrName()
	}
	if u := ownAddr(f); u != nil {
		return u.addrName
	}
	if s := settingsOf(f.kind); s != nil {
		return s.addrName
	}
	if f.brief {
		return genericAddr
	}
	return genericAddr + ": " + genericAddrList
}

// setsAddr reports whether the configuration applied to the server sets
// the address it announces to a already (an address, or a host name it
// resolves).
func (f family) setsAddr(a string) bool {
	c := f.cfg
	return c != nil && a != "" && (c.PublicAddress.IsValid() && c.PublicAddress.String() == a || c.PublicName != "" && c.PublicName == a)
}

// alreadySet follows a setting the configuration given sets already: a
// server that announces another address does not run it.
func (f family) alreadySet() string {
	return fmt.Sprintf("%s sets it already: a server that announces another address does not run that configuration; check that it is the file the server reads, and restart the server", f.cfg.Path)
}

// byName is, when the configuration applied to the server sets the
// announced address by a host name, what advice to announce a adds: the
// name must resolve to a where the server starts.
func (f family) byName(a string) string {
	if f.cfg == nil || f.cfg.PublicName == "" || f.cfg.PublicName == a {
		return ""
	}
	return fmt.Sprintf("%s names %s instead, resolved when the server starts: make that name resolve there to %s and restart the server, or set the address itself; a server that announces another address than the name's does not run that configuration", f.cfg.Path, f.cfg.PublicName, a)
}

// addrSet is the announced-address setting given a.
func (f family) addrSet(a string) string {
	if f.noAddr() {
		return f.noAddrSet(a)
	}
	if u := ownAddr(f); u != nil {
		return u.addrLine(a)
	}
	if s := settingsOf(f.kind); s != nil {
		if f.setsAddr(a) {
			return s.addrLine(a) + " (" + f.alreadySet() + ")"
		}
		if n := f.byName(a); n != "" {
			return s.addrLine(a) + " (" + n + ")"
		}
		return f.ownAddrSet(s, a)
	}
	if f.brief {
		return fmt.Sprintf("%s in %s", a, genericAddr)
	}
	return fmt.Sprintf("%s in %s (%s)", a, genericAddr, genericAddrList)
}

func (f family) addrSetIn(a string) string {
	if f.noAddr() {
		return f.noAddrSet(a)
	}
	if u := ownAddr(f); u != nil {
		return u.addrLine(a)
	}
	if s := settingsOf(f.kind); s != nil {
		if f.setsAddr(a) {
			return s.addrLine(a) + ", which " + f.alreadySet()
		}
		if n := f.byName(a); n != "" {
			return s.addrLine(a) + "; " + n
		}
		return f.ownAddrSet(s, a)
	}
	if f.brief {
		return fmt.Sprintf("%s in %s", a, genericAddr)
	}
	return fmt.Sprintf("%s in %s: %s", a, genericAddr, genericAddrList)
}

// addrLines are the lines to write for a in a summary's change block,
// with the family's other spellings as comment lines; a comment when the
// configuration given sets a already.
func (f family) addrLines(a string) []string {
	if f.noAddr() {
		epsv := ", or have clients use EPSV"
		if f.epsvOr() == ";" {
			epsv = ""
		}
		return []string{
			"# its greeting names " + f.unlisted.Product() + ", which has no passive address setting: it announces its own address of the control connection (behind a NAT, the private one)",
			"# have the NAT's FTP helper rewrite its 227 to " + a + " (attach the FTP conntrack helper)" + epsv + ", or use a server with a passive address setting",
		}
	}
	if u := ownAddr(f); u != nil {
		return []string{u.addrLine(a)}
	}
	if s := settingsOf(f.kind); s != nil {
		if f.setsAddr(a) {
			return []string{fmt.Sprintf("# %s sets %s already: a server that announces another address does not run that configuration; check that it is the file the server reads, and restart the server", f.cfg.Path, s.addrLine(a))}
		}
		l := []string{s.addrLine(a)}
		if n := f.byName(a); n != "" {
			l = append(l, "# "+n)
		}
		if s.addrAlt != nil {
			l = append(l, s.addrAlt(a).lines()...)
		}
		return l
	}
	return []string{fmt.Sprintf("# set %s to %s (%s)", genericAddr, a, genericAddrList)}
}
