package policy

import "testing"

// TestKindFromGreeting: the families' default greetings name them, a custom
// or foreign one names none, and one naming two families proves neither.
func TestKindFromGreeting(t *testing.T) {
	tests := []struct {
		greeting string
		want     ServerKind
	}{
		{"(vsFTPd 3.0.3)", ServerVsftpd},
		{"(vsFTPd 2.3.4)", ServerVsftpd},
		{"ProFTPD Server (Debian) [203.0.113.10]", ServerProFTPD},
		{"ProFTPD 1.3.5rc3 Server (ProFTPD Default Installation) [::ffff:10.0.0.5]", ServerProFTPD},
		{"---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\nYou are user number 1 of 50 allowed.", ServerPureFTPd},
		{"Microsoft FTP Service", ServerIIS},
		{"FileZilla Server 1.8.0\nPlease visit https://filezilla-project.org/", ServerFileZilla},
		{"FileZilla Server version 0.9.60 beta\nwritten by Tim Kosse (tim.kosse@filezilla-project.org)", ServerFileZilla},
		{"pyftpdlib 1.5.7 ready.", ServerPyftpdlib},
		{"ftp.example.org FTP server (Version wu-2.6.2(1) Mon Dec 3 15:11:44 CET 2001) ready.", ServerWuFTPd},
		{"FTP server (Revision 9.0 Version wuftpd-2.6.1 Mon Jun 30 09:28:28 GMT 2014) ready", ServerWuFTPd},
		// Custom banners (ftpd_banner, ServerIdent) and servers whose
		// settings ftpsniff does not name.
		{"Welcome to the example.com file service.", ServerUnknown},
		{"FTP server ready.", ServerUnknown},
		{"ftpserver.py (scripted lab server)", ServerUnknown},
		{"Serv-U FTP Server v15.1 ready...", ServerUnknown},
		{"QTCP at as400.example.com.", ServerUnknown},
		{"host FTP server (GNU inetutils 2.4) ready.", ServerUnknown},
		{"", ServerUnknown},
		// Two families named: neither is proven.
		{"Migrated from ProFTPD to vsftpd", ServerUnknown},
		// The same family twice is still that family.
		{"ProFTPD here; ProFTPD everywhere", ServerProFTPD},
		{"VSFTPD", ServerVsftpd},
	}
	for _, tt := range tests {
		if got := KindFromGreeting(tt.greeting); got != tt.want {
			t.Errorf("KindFromGreeting(%q) = %s, want %s", tt.greeting, got, tt.want)
		}
	}
}

// TestKindWithoutConfigIsUnknown guards against advice naming vsftpd's
// settings for every server: without --server-config the policy knows no
// family (the greeting tells it, per session).
func TestKindWithoutConfigIsUnknown(t *testing.T) {
	if k := (Policy{}).Kind(); k != ServerUnknown {
		t.Errorf("Kind() without a configuration = %s, want unknown", k)
	}
	if k := (Policy{Server: &ServerConfig{Kind: ServerProFTPD}}).Kind(); k != ServerProFTPD {
		t.Errorf("Kind() with a ProFTPD configuration = %s", k)
	}
}

func TestProductNames(t *testing.T) {
	for k := ServerUnknown; k < numKinds; k++ {
		if k.String() == "" || k.Product() == "" {
			t.Errorf("kind %d has no name", k)
		}
	}
	if ServerKind(200).String() != "unknown" || ServerKind(200).Product() != ServerUnknown.Product() {
		t.Error("out-of-range kind")
	}
}

func BenchmarkKindFromGreeting(b *testing.B) {
	g := "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\nYou are user number 1 of 50 allowed.\nLocal time is now 12:00. Server port: 21."
	b.ReportAllocs()
	for b.Loop() {
		if KindFromGreeting(g) != ServerPureFTPd {
			b.Fatal("wrong kind")
		}
	}
}
