package policy

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
// Servers whose passive settings are not in ftpsniff's table are left out
// on purpose, so that their advice names the setting generically rather
// than a family's: Serv-U ("220 Serv-U FTP Server v15.1 ready..."), IBM i
// ("220-QTCP at host."), Twisted ("220 Twisted 22.4.0 FTP Server"). GNU
// inetutils ftpd ("host FTP server (GNU inetutils 2.4) ready.") is no
// family either, but has no passive range or address option at all
// (ftpd(8), ftpd --help): FamilyFromGreeting says so, so that its advice
// names no setting it lacks.
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
		if m.kind == found || !containsFold(text, m.mark) {
			continue
		}
		if found != ServerUnknown {
			return ServerUnknown
		}
		found = m.kind
	}
	return found
}

// noPassiveMarks are the words of the default greetings of servers that
// have no setting for their passive port range or for the address they
// announce, matched as greetingMarks are: GNU inetutils ftpd
// ("localhost FTP server (GNU inetutils 2.4) ready."), whose PASV binds
// port 0 on the control connection's local address (ftpd.c passive()), so
// its ports are the kernel's ephemeral ones (net.ipv4.ip_local_port_range)
// and its 227 names its own address of the control connection.
var noPassiveMarks = [...]string{"gnu inetutils"}

// GreetingFamily is what a greeting says of the server that sent it.
type GreetingFamily struct {
	Kind ServerKind // KindFromGreeting
	// NoPassiveSettings: the greeting names a server that has no passive
	// range or passive address setting (noPassiveMarks); Kind is then
	// ServerUnknown.
	NoPassiveSettings bool
}

// FamilyFromGreeting is what a greeting's text says of the server: the
// family it names (KindFromGreeting), or that it names a server without
// passive settings. A greeting that names both a family and such a server
// proves neither. It does not allocate.
func FamilyFromGreeting(text string) GreetingFamily {
	k := KindFromGreeting(text)
	for _, m := range noPassiveMarks {
		if containsFold(text, m) {
			if k != ServerUnknown {
				return GreetingFamily{}
			}
			return GreetingFamily{NoPassiveSettings: true}
		}
	}
	return GreetingFamily{Kind: k}
}

// Named reports whether the greeting names anything: a family, or a
// server without passive settings.
func (g GreetingFamily) Named() bool { return g.Kind != ServerUnknown || g.NoPassiveSettings }

// Greeting is g itself: GreetingFamily and ServerKind both give one, so
// that a vote over greetings takes either.
func (g GreetingFamily) Greeting() GreetingFamily { return g }

// Greeting is k as what a greeting naming it says.
func (k ServerKind) Greeting() GreetingFamily { return GreetingFamily{Kind: k} }

// containsFold reports whether s contains lower, ASCII letters compared
// without regard to case; lower must be lower case.
func containsFold(s, lower string) bool {
	n := len(lower)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lower[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}
