package decode

import (
	"strings"
	"testing"
)

// TestSitePasswordSubcommands: the SITE sub-commands that carry
// passwords besides Serv-U's PSWD (wu-ftpd's GPASS, PASSWD, CHPASS...),
// in any case and with a tab as separator, keep their sub-command word
// and mask the rest (SecretArg: the outputs show the argument's first
// space-delimited word), and a reply that repeats the password is hidden.
// A SITE verb cut from its argument by a tab is junk, hidden whole.
// rev-ftps: site-gpass.pcap, site-pw.pcap.
func TestSitePasswordSubcommands(t *testing.T) {
	const pw = "Hunter2Zq9"
	for _, tt := range []struct {
		line      string
		secretArg bool   // a command whose argument holds a password
		junk      bool   // a junk line, hidden whole
		word      string // the argument's first word, as outputs show it
		echo      string // a reply to it; "" for "200 ok"
		echoed    bool   // that reply is hidden
	}{
		{line: "SITE GPASS " + pw, secretArg: true, word: "GPASS", echo: "530 group password " + pw + " wrong", echoed: true},
		{line: "site gpass " + pw, secretArg: true, word: "gpass"},
		{line: "SITE PSWD\t" + pw + " NewPw77xx", secretArg: true, word: "PSWD"},
		{line: "SITE  \tPSWD\t\t" + pw + " NewPw77xx", secretArg: true, word: "PSWD"},
		{line: "SITE PASSWD " + pw, secretArg: true, word: "PASSWD", echo: "500 'SITE PASSWD " + strings.ToUpper(pw) + "': command not understood", echoed: true},
		{line: "SITE CHPASS bob " + pw, secretArg: true, word: "CHPASS", echo: "200 password of bob set to " + pw, echoed: true},
		{line: "SITE\tPSWD " + pw + " NewPw77xx", junk: true},
		{line: "SITE GROUP staff", word: "GROUP"},
		{line: "SITE CHMOD 644 passwd", word: "CHMOD"},
	} {
		rec, d, v := openConv(t)
		v.srv("220 hi\r\n")
		v.cli(tt.line + "\r\n")
		reply := tt.echo
		if reply == "" {
			reply = "200 ok"
		}
		v.srv(reply + "\r\n")
		d.Finish()
		var lines int
		for _, e := range rec.control {
			switch {
			case e.Kind == ControlCommand:
				lines++
				if tt.junk || e.SecretArg != tt.secretArg || e.Secret {
					t.Errorf("%q: command, SecretArg %v Secret %v; want SecretArg %v (junk %v)", tt.line, e.SecretArg, e.Secret, tt.secretArg, tt.junk)
				}
				w := strings.TrimLeft(e.Command.Arg, " ")
				if i := strings.IndexByte(w, ' '); i >= 0 {
					w = w[:i]
				}
				if w != tt.word {
					t.Errorf("%q: argument %q shows first word %q, want %q", tt.line, e.Command.Arg, w, tt.word)
				}
			case e.Kind == ControlJunk && e.FromClient:
				lines++
				if !tt.junk || !e.Secret {
					t.Errorf("%q: junk, Secret %v; want junk %v, hidden", tt.line, e.Secret, tt.junk)
				}
			case e.Kind == ControlReply && e.Reply.Code != 220:
				if e.SecretEcho != tt.echoed {
					t.Errorf("%q: reply %q SecretEcho %v, want %v", tt.line, e.Reply.Text, e.SecretEcho, tt.echoed)
				}
			}
		}
		if lines != 1 {
			t.Errorf("%q: %d client lines, want 1", tt.line, lines)
		}
	}
}
