package policy

import (
	"strings"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// The server family from a session's greeting. Without --server-config the
// greeting is the only thing the capture says about which server answered,
// and it is a hint, not proof: the admin writes the banner (vsftpd
// ftpd_banner, ProFTPD ServerIdent, IIS suppressDefaultBanner), so a
// custom one names no family, and a greeting may even name the wrong one.
// Advice built on it says so.

// greetingMarks are the words the families' default greetings carry, as
// the servers' sources and documentation give them, matched without
// regard to case:
//
//	vsftpd     "220 (vsFTPd 3.0.3)"                          (vsftpd.conf(5): the default when ftpd_banner is unset)
//	ProFTPD    "220 ProFTPD Server (Debian) [203.0.113.10]"  (ServerIdent on, the default)
//	Pure-FTPd  "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------"
//	IIS        "220 Microsoft FTP Service"                   (unless suppressDefaultBanner is set)
//	FileZilla  "220-FileZilla Server 1.8.0" (1.x), "220-FileZilla Server version 0.9.60 beta" (0.9)
//	pyftpdlib  "220 pyftpdlib 1.5.7 ready."                  (FTPHandler.banner's default)
//	wu-ftpd    "220 host FTP server (Version wu-2.6.2(1) ...) ready.", HP-UX "(... Version wuftpd-2.6.1 ...)"
//
// Servers whose settings are not in ftpsniff's table are no family, so
// that their advice names a setting generically rather than a family's:
// Serv-U ("220 Serv-U FTP Server v15.1 ready..."), IBM i ("220-QTCP at
// host."). A few of them are known to lack settings the generic advice
// names, or to spell them otherwise: FamilyFromGreeting names those
// (unlistedMarks), so that their advice names no setting they lack.
var greetingMarks = [...]struct {
	mark string // lower case
	kind ServerKind
}{
	{"vsftpd", ServerVsftpd},
	{"proftpd", ServerProFTPD},
	{"pure-ftpd", ServerPureFTPd},
	{"microsoft ftp service", ServerIIS},
	{"filezilla server", ServerFileZilla},
	{"pyftpdlib", ServerPyftpdlib},
	{"version wu-", ServerWuFTPd},
	{"wuftpd", ServerWuFTPd},
	{"wu-ftpd", ServerWuFTPd},
}

// KindFromGreeting is the family a greeting's text names: ServerUnknown
// when it names none, or several (a banner that mentions two servers
// proves neither). It does not allocate.
func KindFromGreeting(text string) ServerKind {
	found := ServerUnknown
	for _, m := range greetingMarks {
		if m.kind == found || !ftp.ContainsFold(text, m.mark) {
			continue
		}
		if found != ServerUnknown {
			return ServerUnknown
		}
		found = m.kind
	}
	return found
}

// Unlisted is a server a greeting names that is no family of ftpsniff's
// (ServerKind), but whose lack of passive or TLS settings ftpsniff
// knows, so that advice for it names none it lacks.
type Unlisted uint8

const (
	UnlistedNone Unlisted = iota
	// UnlistedInetutils: GNU inetutils ftpd. Its PASV binds port 0 on the
	// control connection's local address (ftpd.c passive()), so its ports
	// are the kernel's ephemeral ones (net.ipv4.ip_local_port_range) and
	// its 227 names its own address of the control connection; ftpd(8)
	// and ftpd --help list no option for either. No TLS (no AUTH).
	UnlistedInetutils
	// UnlistedLinuxFtpd: OpenBSD's ftpd as ported to Linux (netkit's
	// linux-ftpd 0.17, and its TLS build ftpd-ssl, whose in.ftpd(8) adds
	// the -z options). Like inetutils' it binds port 0 for PASV on the
	// control connection's address and has no passive range or address
	// option. The greeting does not tell the TLS build from the other.
	UnlistedLinuxFtpd
	// UnlistedTwisted: Twisted's FTP server (twisted.protocols.ftp). It
	// has a passive range (FTPFactory.passivePortRange) but no passive
	// address: ftp_PASV announces transport.getHost().host, its own
	// address of the control connection. No EPSV (502), no TLS.
	UnlistedTwisted
	// UnlistedGridFTP: globus-gridftp-server. Its passive range is
	// -port-range (or GLOBUS_TCP_PORT_RANGE), its announced address
	// -data-interface; its logins are protected by GSI (AUTH GSSAPI), not
	// by FTPS.
	UnlistedGridFTP
	numUnlisted
)

var unlistedNames = [numUnlisted]string{"", "GNU inetutils ftpd", "Linux-ftpd", "Twisted's FTP server", "GridFTP (globus-gridftp-server)"}

// Product is the server's name for prose; "" for UnlistedNone.
func (u Unlisted) Product() string {
	if u < numUnlisted {
		return unlistedNames[u]
	}
	return ""
}

// NoPassiveSettings reports whether u has neither a passive range nor a
// passive address setting.
func (u Unlisted) NoPassiveSettings() bool {
	return u == UnlistedInetutils || u == UnlistedLinuxFtpd
}

// unlistedMarks are the words of these servers' default greetings, all
// of which must be there, matched as greetingMarks are:
//
//	GNU inetutils ftpd  "220 localhost FTP server (GNU inetutils 2.4) ready."
//	Linux-ftpd          "220 host FTP server (Version 6.4/OpenBSD/Linux-ftpd-0.17) ready." (ftpd-ssl's too)
//	Twisted             "220 Twisted 22.4.0 FTP Server" (FTPFactory.welcomeMessage)
//	GridFTP             "220 host GridFTP Server 13.24 (gcc64, ...) [Grid Community Toolkit 6.2] ready."
//
// NetBSD's ftpd ("(NetBSD-ftpd 20100320)") is not Linux-ftpd: its
// ftpd.conf has portrange and advertise. The marks follow each default
// greeting's shape, not a word anywhere: a host named twisted.example.org,
// or a banner that mentions GridFTP or linux-ftpd, names none of them
// (its advice would lose the settings it has). A mark that begins with
// "^" begins the text.
var unlistedMarks = [...]struct {
	marks  []string // lower case
	server Unlisted
}{
	{[]string{"ftp server (gnu inetutils "}, UnlistedInetutils},
	{[]string{"(version ", "/linux-ftpd-"}, UnlistedLinuxFtpd},
	{[]string{"^twisted ", " ftp server"}, UnlistedTwisted},
	{[]string{" gridftp server ", " toolkit "}, UnlistedGridFTP},
	{[]string{"^gridftp server"}, UnlistedGridFTP}, // banner_terse: "GridFTP Server."
}

// GreetingFamily is what a greeting says of the server that sent it.
type GreetingFamily struct {
	Kind ServerKind // KindFromGreeting
	// Unlisted: the greeting names a server that is no family but lacks
	// settings (unlistedMarks); Kind is then ServerUnknown.
	Unlisted Unlisted
	// NoPassiveSettings: Unlisted has no passive range or passive
	// address setting (Unlisted.NoPassiveSettings).
	NoPassiveSettings bool
}

// FamilyFromGreeting is what a greeting's text says of the server: the
// family it names (KindFromGreeting), or the unlisted server it names. A
// greeting that names two of them proves neither. It does not allocate.
func FamilyFromGreeting(text string) GreetingFamily {
	k := KindFromGreeting(text)
	u := UnlistedNone
	for _, m := range unlistedMarks {
		if !containsAllFold(text, m.marks) {
			continue
		}
		if k != ServerUnknown || u != UnlistedNone && u != m.server {
			return GreetingFamily{}
		}
		u = m.server
	}
	if u != UnlistedNone {
		return GreetingFamily{Unlisted: u, NoPassiveSettings: u.NoPassiveSettings()}
	}
	return GreetingFamily{Kind: k}
}

// containsAllFold reports whether s contains every one of lower
// (ftp.ContainsFold).
func containsAllFold(s string, lower []string) bool {
	for _, l := range lower {
		if p, ok := strings.CutPrefix(l, "^"); ok {
			if len(s) < len(p) || !ftp.ContainsFold(s[:len(p)], p) {
				return false
			}
		} else if !ftp.ContainsFold(s, l) {
			return false
		}
	}
	return true
}

// Named reports whether the greeting names anything: a family, or an
// unlisted server.
func (g GreetingFamily) Named() bool { return g.Kind != ServerUnknown || g.Unlisted != UnlistedNone }

// Greeting is g itself: GreetingFamily and ServerKind both give one, so
// that a vote over greetings takes either.
func (g GreetingFamily) Greeting() GreetingFamily { return g }

// Greeting is k as what a greeting naming it says.
func (k ServerKind) Greeting() GreetingFamily { return GreetingFamily{Kind: k} }
