package policy

import "testing"

// TestGreetingNamesUnlistedServer guards the greetings of servers that
// are no family but lack settings the generic advice names: GNU inetutils
// ftpd and Linux-ftpd (no passive range or address setting), Twisted (no
// passive address setting), GridFTP (its own spellings); and that no other
// greeting seen in pcaps/ or the shared corpus names one (NetBSD's ftpd
// has portrange and advertise).
func TestGreetingNamesUnlistedServer(t *testing.T) {
	for _, tc := range []struct {
		greeting string
		want     GreetingFamily
	}{
		{"localhost FTP server (GNU inetutils 2.4) ready.", GreetingFamily{Unlisted: UnlistedInetutils, NoPassiveSettings: true}},
		{"vm FTP server (Version 6.4/OpenBSD/Linux-ftpd-0.17) ready.", GreetingFamily{Unlisted: UnlistedLinuxFtpd, NoPassiveSettings: true}},
		{"redmint FTP server (Version 6.4/OpenBSD/Linux-ftpd-0.17) ready.", GreetingFamily{Unlisted: UnlistedLinuxFtpd, NoPassiveSettings: true}},
		{"Twisted 22.4.0 FTP Server", GreetingFamily{Unlisted: UnlistedTwisted}},
		{"vm GridFTP Server 13.24 (gcc64, 1653033972-1) [Grid Community Toolkit 6.2] ready.", GreetingFamily{Unlisted: UnlistedGridFTP}},
		{"alpha GridFTP Server 6.14 (gcc64dbg, 1342551528-83) [Globus Toolkit 5.2.2] ready.", GreetingFamily{Unlisted: UnlistedGridFTP}},
		{"GridFTP Server.", GreetingFamily{Unlisted: UnlistedGridFTP}}, // banner_terse
		{"GridFTP Server 13.24 (gcc64, 1653033972-1) [Grid Community Toolkit 6.2] ready.", GreetingFamily{Unlisted: UnlistedGridFTP}},
		// Two names prove neither.
		{"Twisted 22.4.0 FTP Server (vsFTPd 3.0.3)", GreetingFamily{}},
		{"localhost FTP server (GNU inetutils 2.4) ready. vm GridFTP Server 13.24 [Grid Community Toolkit 6.2]", GreetingFamily{}},
		// The words elsewhere than in the default greeting's shape: a
		// host name, a notice, a banner of one's own (rev-diffB: the
		// advice lost the settings these servers have).
		{"(vsFTPd 3.0.3) behind Twisted FTP Server", GreetingFamily{Kind: ServerVsftpd}},
		{"twisted.example.org FTP server ready.", GreetingFamily{}},
		{"Welcome. Notice: we moved off linux-ftpd last year.", GreetingFamily{}},
		{"Welcome to GridFTP server mirror of example.org", GreetingFamily{}},
		{"GNU inetutils are installed here", GreetingFamily{}},
		// Other greetings of pcaps/ and /work/shared/corpus.
		{"ftp.NetBSD.org FTP server (NetBSD-ftpd 20100320) ready.", GreetingFamily{}},
		{"ftp.ncsa.illinois.edu FTP Server (Apache/2.2.3 (CentOS) PHP/5.1.6 mod_ftp/0.9.6) ready.", GreetingFamily{}},
		{"NetX FTP Server ready.", GreetingFamily{}},
		{"FTP server ready.", GreetingFamily{}},
		{"(Ftp Server)", GreetingFamily{}},
		{"FTP Sandbox Ready.", GreetingFamily{}},
		{"Twisted", GreetingFamily{}},
		{"(vsFTPd 3.0.3)", GreetingFamily{Kind: ServerVsftpd}},
		{"ProFTPD 1.3.3d Server (BELNET FTPD Server) [2001:6a8:a40::21]", GreetingFamily{Kind: ServerProFTPD}},
	} {
		if got := FamilyFromGreeting(tc.greeting); got != tc.want {
			t.Errorf("FamilyFromGreeting(%q) = %+v, want %+v", tc.greeting, got, tc.want)
		}
	}
}
