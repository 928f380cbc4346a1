package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestCleartextLoginAfterRefusedAUTH: a client that asked for TLS (AUTH
// TLS), was refused, and then logged in in clear (curl --ssl, which
// tries TLS and falls back; or a path answering the AUTH in the server's
// place) sent a named user's password where it meant to protect it: the
// cleartext-login says so and is a warning, its fix starting at the
// client. Anonymous FTP stays a note with its own fix; an AUTH GSSAPI
// refused is no TLS asked for; an AUTH that later succeeded leaves no
// clear login.
func TestCleartextLoginAfterRefusedAUTH(t *testing.T) {
	for _, tc := range []struct {
		name     string
		auth     string
		user     string
		sev      Severity
		fallback bool
	}{
		{"named user after AUTH TLS refused", "AUTH TLS", "alice", SeverityWarning, true},
		{"named user after AUTH SSL refused", "AUTH SSL", "alice", SeverityWarning, true},
		{"anonymous after AUTH TLS refused", "AUTH TLS", "anonymous", SeverityInfo, true},
		{"named user after AUTH GSSAPI refused", "AUTH GSSAPI", "alice", SeverityInfo, false},
		{"named user, no AUTH", "", "alice", SeverityInfo, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "192.0.2.10:50000", "203.0.113.5:21")
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			w.reply(220, "(vsFTPd 3.0.3)")
			if tc.auth != "" {
				w.cmd(tc.auth)
				w.reply(530, "Please login with USER and PASS.")
			}
			w.cmd("USER " + tc.user)
			w.reply(331, "Please specify the password.")
			w.cmd("PASS secret")
			w.reply(230, "Login successful.")
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			fs := w.c.all(CodeCleartextLogin)
			if len(fs) != 1 {
				dumpFindings(t, w.c)
				t.Fatalf("%d cleartext-login findings, want 1", len(fs))
			}
			f := fs[0]
			said := strings.Contains(f.Message, "asked for TLS first") && strings.Contains(f.Evidence, tc.auth)
			if f.Severity != tc.sev || said != tc.fallback {
				t.Errorf("severity %v, fallback said %v; want %v, %v\nmessage: %s\nevidence: %s", f.Severity, said, tc.sev, tc.fallback, f.Message, f.Evidence)
			}
			if tc.fallback && tc.sev == SeverityWarning && !strings.HasPrefix(f.Advice, "Make the client require TLS") {
				t.Errorf("advice %q: want the client's fix first", f.Advice)
			}
			if strings.Contains(f.Evidence+f.Message+f.Advice, "secret") {
				t.Errorf("password shown")
			}
		})
	}
}
