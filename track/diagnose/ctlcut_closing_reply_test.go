package diagnose

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestResetAfterClosingReplyIsTheServersClose guards control-reset
// against a server that said it closes and closed, with the client's
// next command unread: its TCP answers that command with a reset (the
// lab's Pure-FTPd at its user limit: a 421 greeting, then the client's
// FEAT, then the RST, no FIN seen). The server ended the session, not a
// firewall's FTP inspection nor a crash: no control-reset, nor a
// command-unanswered. A firewall's reset at a command after an
// ordinary reply still reads as one.
func TestResetAfterClosingReplyIsTheServersClose(t *testing.T) {
	for _, recent := range []bool{false, true} {
		for _, tc := range []struct {
			name   string
			script func(w *wire)
			cut    bool
		}{
			{"421 greeting at the user limit, FEAT reset", func(w *wire) {
				w.reply(421, "10 users (the maximum) are already logged in, sorry")
				w.cmd("FEAT")
			}, false},
			{"530 greeting of a denied host, USER reset", func(w *wire) {
				w.reply(530, "Access denied for your address")
				w.cmd("USER bob")
			}, false},
			{"421 to USER, PASS reset", func(w *wire) {
				w.reply(220, "ready")
				w.cmd("USER bob")
				w.reply(421, "Too many connections from your IP")
				w.cmd("PASS pw")
			}, false},
			{"530 that disconnects, USER reset", func(w *wire) {
				w.reply(220, "ready")
				w.cmd("USER bob")
				w.reply(331, "password please")
				w.cmd("PASS pw")
				w.reply(530, "Login incorrect, too many failures: disconnecting")
				w.cmd("USER bob")
			}, false},
			{"FileZilla Server's 421 to a PORT it refuses, PASV reset", func(w *wire) {
				w.reply(220, "FileZilla Server 0.9.60 beta")
				w.cmd("USER bob")
				w.reply(331, "Password required for bob")
				w.cmd("PASS pw")
				w.reply(230, "Logged on")
				w.cmd("PORT 192,168,1,5,200,10")
				w.reply(421, "Rejected command, requested IP address does not match control connection IP.")
				w.cmd("PASV")
			}, true},
			{"a 530 whose user name holds 'bye', USER reset", func(w *wire) {
				w.reply(220, "ready")
				w.cmd("USER bobbye")
				w.reply(331, "password please")
				w.cmd("PASS pw")
				w.reply(530, "User bobbye cannot log in.")
				w.cmd("USER bob")
			}, true},
			{"a firewall's reset at SITE after an ordinary reply", func(w *wire) {
				w.reply(220, "ready")
				w.cmd("NOOP")
				w.reply(200, "ok")
				w.cmd("SITE EXEC ls")
			}, true},
		} {
			w := &wire{t: t, c: &collect{}, cli: ap("198.51.100.40:52100"), srv: ap("203.0.113.60:21"), now: t0}
			w.d = New(policy.Policy{}, nil, w.c)
			w.trk = track.New(w.d, track.Options{RecentOnly: recent})
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen, ClientSYN: true, ServerSYN: true})
			tc.script(w)
			w.closeBy(decode.CloseRST, false, false)
			got := w.c.find(CodeControlReset) != nil
			if got != tc.cut {
				t.Errorf("%s (recent %v): control-reset %v, want %v", tc.name, recent, got, tc.cut)
			}
			if f := w.c.find(CodeCommandUnanswered); f != nil {
				t.Errorf("%s (recent %v): command-unanswered: %s", tc.name, recent, f.Message)
			}
		}
	}
}
