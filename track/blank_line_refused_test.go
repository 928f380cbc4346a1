package track

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestBlankLineRefusalNotTransfers: a client line that is empty or
// Telnet commands only (a keep-alive) during a download is owed no
// reply, but a server that reads it as a command refuses it (500); a 500
// coming before the transfer's 226 answers that line, not the RETR (it
// read "transfer-aborted (500)" and the 226 "reply without a command").
// An empty line's event says so.
func TestBlankLineRefusalNotTransfers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		telnet ftp.TelnetFlags
		text   string
	}{
		{"empty line", 0, "(empty line)"},
		{"Telnet NOP only", ftp.TelnetOther, "(Telnet other only, no command)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			s.cmd("RETR", "f")
			s.reply(150, "ok")
			s.ctl(decode.ControlEvent{Kind: decode.ControlJunk, FromClient: true, Telnet: tc.telnet})
			s.reply(500, "Unknown command.")
			s.reply(226, "done")
			s.cmd("PWD", "")
			s.reply(257, `"/"`)
			sess := s.end()
			var retr *Command
			for _, c := range sess.Commands {
				if c.Verb == "RETR" {
					retr = c
				}
			}
			if retr == nil || len(retr.Replies) != 2 || retr.Replies[1].Code != 226 || retr.Status == StatusAborted {
				t.Fatalf("RETR %+v, want its 150 and 226, not aborted", retr)
			}
			var text string
			for _, e := range sess.Events {
				if e.Kind == EventJunk {
					text = e.Text
				}
			}
			if text != tc.text {
				t.Errorf("junk event %q, want %q", text, tc.text)
			}
		})
	}
}
