package decode

import (
	"strings"
	"testing"
)

// TestRefusalAfterAnsweredCutLineMasked: a client line whose end a gap
// took ("PWD\r", its LF lost) is answered ("257") before the bytes after
// the gap drop it and count it as awaiting a reply: it was answered
// already, and counted then the parser took one line too many for
// unanswered, so the refusal window a later gap opened (a re-login's
// PASS lost there) took the refusal that repeats the password for the
// reply to a line before that gap, and showed it. The replies of a
// re-login the capture shows whole stay as they are.
// FuzzRefusalEchoHidden seed 65c327bb0b1a6084 (the first case).
func TestRefusalAfterAnsweredCutLineMasked(t *testing.T) {
	welcomed := []gapStep{srv("220 ok\r\n"), cli("USER w\r\n"), srv("331 pw\r\n"), cli("PASS first1\r\n"), srv("230 ok\r\n")}
	after := func(steps ...gapStep) []gapStep { return append(append([]gapStep{}, welcomed...), steps...) }
	tests := []struct {
		name    string
		steps   []gapStep
		replies []string // as transcript gives them: "*" marks a masked one
	}{
		{"pipelined login, greeting cut, PWD's LF and USER lost, then the re-login's password lost up to its line end",
			[]gapStep{srv("220"), cli("USER alice\r\nPASS first1\r\nPWD\r"), lostSrv(" hi\r\n3"), lostCli("\nUSER "),
				srv("31 pw\r\n230 ok\r\n257 \"/\"\r\n"), cli("bob\r\n"), srv("331 pw\r\n"), lostCli("PASS SECRETF1"),
				cli("\r\nQUIT\r\n"), srv("530 Login incorrect: bob/SECRETF1\r\n221 bye\r\n")},
			[]string{"ok", "\"/\"", "pw", "*Login incorrect: bob/SECRETF1", "bye"}},
		{"PWD's LF lost and answered, the re-login's PASS lost, then a command in lower case",
			after(cli("PWD\r"), lostCli("\n"), srv("257 \"/\"\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n"),
				lostCli("PASS SECRETF2\r\n"), cli("quit\r\n"), srv("530 Login incorrect: bob/SECRETF2\r\n221 bye\r\n")),
			[]string{"ok", "pw", "ok", "\"/\"", "pw", "*Login incorrect: bob/SECRETF2", "bye"}},
		{"PWD's LF lost and answered, the re-login's password lost up to its line end",
			after(cli("PWD\r"), lostCli("\n"), srv("257 \"/\"\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n"),
				lostCli("PASS SECRETF3"), cli("\r\nQUIT\r\n"), srv("530 Login incorrect: bob/SECRETF3\r\n221 bye\r\n")),
			[]string{"ok", "pw", "ok", "\"/\"", "pw", "*Login incorrect: bob/SECRETF3", "bye"}},
		// No password hidden: the re-login and its refusal are shown.
		{"PWD's LF lost and answered, then a re-login seen whole",
			after(cli("PWD\r"), lostCli("\n"), srv("257 \"/\"\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n"),
				cli("PASS SECRETF4\r\n"), srv("530 Login incorrect.\r\n"), cli("RETR x\r\n"), srv("550 x: No such file.\r\n")),
			[]string{"ok", "pw", "ok", "\"/\"", "pw", "Login incorrect.", "x: No such file."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, replies := gapTranscript(t, tc.steps)
			if strings.Join(replies, "|") != strings.Join(tc.replies, "|") {
				t.Errorf("replies %q, want %q", replies, tc.replies)
			}
		})
	}
}
