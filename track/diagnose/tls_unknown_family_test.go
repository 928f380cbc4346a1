package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// The TLS advice for a server whose family is not known (Serv-U, say)
// named vsftpd, ProFTPD and Pure-FTPd only, as if the list were whole;
// and an identified wu-ftpd, which has no TLS at all, got the same three
// servers' settings. The unknown server's advice now leads with its own
// setting and names the Windows servers too; wu-ftpd's (and GNU inetutils
// ftpd's) says it has none.
func TestTLSAdviceForUnknownServerAndWuFTPd(t *testing.T) {
	for _, tc := range []struct {
		greeting string
		want     []string
		not      []string
	}{
		{"Serv-U FTP Server v15.1 ready...", []string{"the server's own setting", "IIS", "FileZilla Server", "vsftpd"}, nil},
		{"ftp.example.com FTP server (Version wu-2.6.2(1) Mon Jan 1 00:00:00 UTC 2001) ready.", []string{"wu-ftpd has no TLS of its own"}, []string{"ssl_enable", "TLSEngine", "-Y 2"}},
		{"localhost FTP server (GNU inetutils 2.4) ready.", []string{"GNU inetutils ftpd has no TLS"}, []string{"ssl_enable", "IIS"}},
		{"(vsFTPd 3.0.3)", []string{"ssl_enable=YES, force_local_logins_ssl=YES"}, []string{"the server's own setting", "IIS"}},
	} {
		t.Run(tc.greeting, func(t *testing.T) {
			w := newWire(t, "192.0.2.10:50000", "203.0.113.5:21")
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			w.reply(220, tc.greeting)
			w.cmd("USER alice")
			w.reply(331, "Password required for alice.")
			w.cmd("PASS secret")
			w.reply(230, "User logged in.")
			w.end()
			fs := w.c.all(CodeCleartextLogin)
			if len(fs) != 1 {
				t.Fatalf("%d cleartext-login findings", len(fs))
			}
			for _, s := range tc.want {
				if !strings.Contains(fs[0].Advice, s) {
					t.Errorf("advice lacks %q: %s", s, fs[0].Advice)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(fs[0].Advice, s) {
					t.Errorf("advice has %q: %s", s, fs[0].Advice)
				}
			}
		})
	}
}
