package decode

import (
	"slices"
	"strings"
	"testing"
)

// TestLineAfterEmptyPassMasked guards the password a client sends on the
// line after a PASS (or ACCT) that carried none: a human at a terminal,
// or a script, that sent "PASS" alone, got its 530 (501, 503, or nothing
// yet) and then the password by itself. That line is masked as the line
// after a 331 is (passwordShaped): a known command other than PASS and
// ACCT is shown. Before, only a 331 or 332 made the next line a password:
// "Secret20" after "PASS" and its 530 was shown as the command SECRET20.
func TestLineAfterEmptyPassMasked(t *testing.T) {
	const (
		hi  = "220 hi\r\n"
		ask = "331 Please specify the password.\r\n"
	)
	login := []gapStep{srv(hi), cli("USER bob\r\n"), srv(ask)}
	tests := []struct {
		name   string
		steps  []gapStep
		lines  []string
		secret []bool
	}{
		{"empty PASS refused, then the password", []gapStep{
			cli("PASS\r\n"), srv("530 Login incorrect.\r\n"), cli("Secret20\r\n"), srv("500 Unknown command.\r\n"), cli("QUIT\r\n"),
		}, []string{"USER bob", "PASS", "SECRET20", "QUIT"}, []bool{false, true, true, false}},
		{"PASS and a space, then the password", []gapStep{
			cli("PASS \r\n"), srv("530 Login incorrect.\r\n"), cli("hunter2\r\n"), srv("500 Unknown command.\r\n"),
		}, []string{"USER bob", "PASS", "HUNTER2"}, []bool{false, true, true}},
		{"lower-case pass answered 501", []gapStep{
			cli("pass\r\n"), srv("501 Syntax error in parameters.\r\n"), cli("hunter2\r\n"), srv("500 Unknown command.\r\n"),
		}, []string{"USER bob", "PASS", "HUNTER2"}, []bool{false, true, true}},
		{"password typed before the refusal", []gapStep{
			cli("PASS\r\n"), cli("hunter2\r\n"), srv("530 Login incorrect.\r\n"), srv("500 Unknown command.\r\n"),
		}, []string{"USER bob", "PASS", "HUNTER2"}, []bool{false, true, true}},
		{"password with spaces, junk", []gapStep{
			cli("PASS\r\n"), srv("530 Login incorrect.\r\n"), cli("my\tsecret\r\n"), srv("500 Unknown command.\r\n"),
		}, []string{"USER bob", "PASS", "my\tsecret"}, []bool{false, true, true}},
		{"empty ACCT, then the account", []gapStep{
			cli("PASS pw1\r\n"), srv("332 Need account for login.\r\n"), cli("ACCT\r\n"), srv("501 Syntax error.\r\n"), cli("acct77\r\n"), srv("500 Unknown command.\r\n"),
		}, []string{"USER bob", "PASS pw1", "ACCT", "ACCT77"}, []bool{false, true, true, true}},
		{"after the masked line, commands are themselves", []gapStep{
			cli("PASS\r\n"), srv("530 Login incorrect.\r\n"), cli("hunter2\r\n"), srv("500 Unknown command.\r\n"), cli("XFOO bar\r\n"), srv("500 Unknown command.\r\n"),
		}, []string{"USER bob", "PASS", "HUNTER2", "XFOO bar"}, []bool{false, true, true, false}},
		{"a new login after the refusal is shown", []gapStep{
			cli("PASS\r\n"), srv("530 Login incorrect.\r\n"), cli("USER alice\r\n"), srv(ask), cli("PASS pw2\r\n"), srv("230 Login successful.\r\n"),
		}, []string{"USER bob", "PASS", "USER alice", "PASS pw2"}, []bool{false, true, false, true}},
		{"QUIT after the refusal is shown", []gapStep{
			cli("PASS\r\n"), srv("530 Login incorrect.\r\n"), cli("QUIT\r\n"), srv("221 Goodbye.\r\n"),
		}, []string{"USER bob", "PASS", "QUIT"}, []bool{false, true, false}},
		{"empty password accepted: the next line is a command", []gapStep{
			cli("PASS\r\n"), srv("230 Login successful.\r\n"), cli("XFOO bar\r\n"), srv("500 Unknown command.\r\n"),
		}, []string{"USER bob", "PASS", "XFOO bar"}, []bool{false, true, false}},
		{"pipelined USER and empty PASS, then the password", []gapStep{
			cli("USER carol\r\nPASS\r\n"), srv(ask), srv("530 Login incorrect.\r\n"), cli("hunter2\r\n"), srv("500 Unknown command.\r\n"),
		}, []string{"USER carol", "PASS", "HUNTER2"}, []bool{false, true, true}},
		{"a gap after the refusal", []gapStep{
			cli("PASS\r\n"), srv("530 Login incorrect.\r\n"), lostCli("NOOP\r\n"), cli("open sesame\r\n"), srv("500 Unknown command.\r\n"),
		}, []string{"USER bob", "PASS", "OPEN sesame"}, []bool{false, true, true}},
		{"a gap took the empty PASS", []gapStep{
			lostCli("PASS\r\n"), srv("530 Login incorrect.\r\n"), cli("open sesame\r\n"), srv("500 Unknown command.\r\n"),
		}, []string{"USER bob", "OPEN sesame"}, []bool{false, true}},
		{"a gap after the empty PASS held the password", []gapStep{
			cli("PASS\r\n"), lostCli("hunter2\r\n"), srv("530 Login incorrect.\r\n"), srv("500 Unknown command.\r\n"), cli("CWD /pub\r\n"),
		}, []string{"USER bob", "PASS", "CWD /pub"}, []bool{false, true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			steps := slices.Concat(login, tc.steps)
			if strings.HasPrefix(tc.steps[0].text, "USER") {
				steps = slices.Concat([]gapStep{srv(hi)}, tc.steps)
			}
			lines, secret := clientLines(t, steps, false)
			if !slices.Equal(lines, tc.lines) || !slices.Equal(secret, tc.secret) {
				t.Errorf("lines %q secret %v; want %q %v", lines, secret, tc.lines, tc.secret)
			}
		})
	}
}

// TestEchoOfPasswordAfterEmptyPassMasked: a server that repeats the line
// it did not understand ("500 SECRET20: command not understood.", BSD
// ftpd) repeats the password sent after an empty PASS: the reply is
// masked as after a 331.
func TestEchoOfPasswordAfterEmptyPassMasked(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER bob\r\n")
	v.srv("331 Password required for bob.\r\n")
	v.cli("PASS\r\n")
	v.srv("530 Login incorrect.\r\n")
	v.cli("Secret20\r\n")
	v.srv("500 SECRET20: command not understood.\r\n")
	d.Finish()
	var echo []bool
	for _, e := range rec.control {
		if e.Kind == ControlReply {
			echo = append(echo, e.SecretEcho)
		}
	}
	if want := []bool{false, false, false, true}; !slices.Equal(echo, want) {
		t.Errorf("replies' SecretEcho %v; want %v", echo, want)
	}
}
