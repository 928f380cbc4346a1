package track

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestCwdUnknownAfterDirectoryReplyInGap guards the working directory
// after a capture gap took a command whose 250 or 200 came: it may have
// been a CWD or a CDUP, so the commands after it (and the files
// extracted for them) carry no directory until a PWD says it again,
// rather than the directory from before the gap.
func TestCwdUnknownAfterDirectoryReplyInGap(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		want string
	}{
		{"250 after the gap", 250, ""},
		{"200 after the gap (CDUP)", 200, ""},
		{"550 after the gap: no change", 550, "/"},
		{"TYPE's 200 after the gap: no change", 200, "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PWD", "")
			s.reply(257, `"/" is the current directory`)
			s.ctl(decode.ControlEvent{Kind: decode.ControlGap, FromClient: true, Gap: 12}) // "CWD secret\r\n"
			text := "Directory successfully changed."
			if strings.HasPrefix(tc.name, "TYPE") {
				text = "Switching to Binary mode."
			}
			s.reply(tc.code, text)
			s.cmd("RETR", "plan.txt")
			s.reply(550, "Failed to open file.")
			s.cmd("PWD", "")
			s.reply(257, `"/secret" is the current directory`)
			s.cmd("RETR", "plan.txt")
			s.reply(550, "Failed to open file.")
			s.end()
			var retr []*Command
			for _, c := range s.rec.commands {
				if c.Verb == "RETR" {
					retr = append(retr, c)
				}
			}
			if len(retr) != 2 {
				t.Fatalf("%d RETRs recorded, want 2", len(retr))
			}
			if retr[0].Cwd != tc.want {
				t.Errorf("RETR after the gap: cwd %q, want %q", retr[0].Cwd, tc.want)
			}
			if retr[1].Cwd != "/secret" {
				t.Errorf("RETR after the PWD: cwd %q, want /secret", retr[1].Cwd)
			}
		})
	}
}

// TestCwdUnknownAfterCwdReplyInGap guards the mirror case: a CWD the
// capture saw, whose reply a gap took (the next reply fits a later
// command): whether the directory changed, the lost reply would have
// said, so the commands after it carry none.
func TestCwdUnknownAfterCwdReplyInGap(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PWD", "")
	s.reply(257, `"/home/bob" is the current directory`)
	s.cmd("CWD", "secret")
	s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 33}) // "250 Directory successfully changed.\r\n"
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	s.cmd("RETR", "plan.txt")
	s.reply(550, "Failed to open file.")
	s.end()
	for _, c := range s.rec.commands {
		if c.Verb == "RETR" && c.Cwd != "" {
			t.Errorf("RETR after the CWD whose reply was lost: cwd %q, want unknown", c.Cwd)
		}
	}
}
