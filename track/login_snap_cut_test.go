package track

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestLoginStateOfSnapCutLines guards the login state against the
// shapes a short snap length (tcpdump -s 68, -s 96) gives the control
// connection: every line loses its end, so the decoder pairs a USER
// with the cut greeting's 220, takes the 331 and 230 that follow for
// the greeting or for replies to lines a gap took, and joins the
// client's USER, PASS, PORT and LIST into one line it masks as a
// possible password, answered by the LIST's 425. A 230 on the wire
// proves the login; a reply no login draws proves no failure; a 530
// still fails it.
func TestLoginStateOfSnapCutLines(t *testing.T) {
	secret := func(s *session, verb string) {
		s.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Secret: true, Command: ftp.Command{Verb: verb}})
	}
	tests := []struct {
		name string
		run  func(s *session)
		want LoginState
	}{
		{"331 and 230 before any command, then a masked line answered 425", func(s *session) {
			s.reply(331, "Please spe")
			s.reply(230, "Login succ")
			secret(s, "LIST")
			s.reply(425, "Unable to ")
		}, LoginOK},
		{"USER paired with the cut greeting, then an unpaired 230", func(s *session) {
			s.cmd("USER", "anonymous")
			s.reply(220, "---------- Welcome to Pure-")
			s.reply(230, "Anonymous user logged in")
		}, LoginOK},
		{"USER paired with a 220 and nothing after it: not known", func(s *session) {
			s.cmd("USER", "anonymous")
			s.reply(220, "(vsFTPd 3.")
		}, LoginPending},
		{"a masked line answered 425 and no 230: not a failure", func(s *session) {
			secret(s, "PORT")
			s.reply(425, "Unable to ")
		}, LoginNone},
		{"a refused attempt, then a 230 to a line a gap took", func(s *session) {
			s.cmd("USER", "admin")
			s.reply(331, "Please specify the password.")
			s.cmd("PASS", "x")
			s.reply(530, "Login incorrect.")
			s.reply(230, "Login successful.")
		}, LoginOK},
		{"PASS refused: failed", func(s *session) {
			s.cmd("USER", "admin")
			s.reply(331, "Please specify the password.")
			s.cmd("PASS", "x")
			s.reply(530, "Login incorrect.")
		}, LoginFailed},
		{"a masked line refused with 530: failed", func(s *session) {
			s.cmd("USER", "admin")
			s.reply(331, "Please specify the password.")
			secret(s, "SS")
			s.reply(530, "Login incorrect.")
		}, LoginFailed},
		{"USER refused: failed", func(s *session) {
			s.cmd("USER", "root")
			s.reply(530, "This FTP server is anonymous only.")
		}, LoginFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			tc.run(s)
			if got := s.end().Login; got != tc.want {
				t.Errorf("login %v, want %v", got, tc.want)
			}
		})
	}
}
