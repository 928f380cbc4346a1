package decode

import (
	"slices"
	"testing"
)

// TestLineAfter331MaskedOnlyIfPassword guards which client line after a
// 331 is masked as the password. With no gap before it the line is what
// the client sent: a known command other than PASS and ACCT is shown (a
// login given up with QUIT; a capture picked up at the 331 after a
// pipelined PASS it did not see), anything a password line can be is
// masked. After a gap that may have taken "PASS ", and after a 230,
// masking stays as it was. Before, every line after a 331 was masked:
// the transcript showed "PASS ****" for a CWD, and the tracker took it
// for a password sent.
func TestLineAfter331MaskedOnlyIfPassword(t *testing.T) {
	const ask = "331 Please specify the password.\r\n"
	tests := []struct {
		name      string
		midstream bool
		steps     []gapStep
		lines     []string
		secret    []bool
	}{
		// Picked up after a 331, the first client line may be a
		// command after a PASS pipelined before the capture, or the
		// tail of a password line whose "PASS " the capture missed,
		// spelt like a command: masked either way.
		{"picked up at a 331, command after a pipelined PASS", true, []gapStep{
			srv(ask), cli("CWD /pub\r\n"), srv("230 Login successful.\r\n"), srv("250 ok\r\n"), cli("PASV\r\n"),
		}, []string{"CWD /pub", "PASV"}, []bool{true, false}},
		{"picked up at a 331, password tail spelt like a command", true, []gapStep{
			srv(ask), cli("SITE Hunter2\r\n"), srv("230 Login successful.\r\n"), cli("PASV\r\n"),
		}, []string{"SITE Hunter2", "PASV"}, []bool{true, false}},
		{"picked up at a 331, PASS", true, []gapStep{
			srv(ask), cli("PASS pickup8\r\n"), srv("230 Login successful.\r\n"), cli("CWD /pub\r\n"),
		}, []string{"PASS pickup8", "CWD /pub"}, []bool{true, false}},
		{"picked up at a 331, bare password", true, []gapStep{
			srv(ask), cli("pickup8\r\n"), srv("230 Login successful.\r\n"), cli("CWD /pub\r\n"),
		}, []string{"PICKUP8", "CWD /pub"}, []bool{true, false}},
		{"picked up at a 331, password's tail", true, []gapStep{
			srv(ask), cli("SS pickup8\r\n"), srv("230 Login successful.\r\n"), cli("CWD /pub\r\n"),
		}, []string{"SS pickup8", "CWD /pub"}, []bool{true, false}},
		{"picked up at a 230", true, []gapStep{
			srv("230 Login successful.\r\n"), cli("CWD /pub\r\n"), srv("250 ok\r\n"), cli("PASV\r\n"),
		}, []string{"CWD /pub", "PASV"}, []bool{false, false}},
		{"login given up after the 331", false, []gapStep{
			srv("220 hi\r\n"), cli("USER bob\r\n"), srv(ask), cli("QUIT\r\n"), srv("221 Goodbye.\r\n"),
		}, []string{"USER bob", "QUIT"}, []bool{false, false}},
		{"bare password after the 331", false, []gapStep{
			srv("220 hi\r\n"), cli("USER bob\r\n"), srv(ask), cli("hunter2\r\n"), srv("530 Login incorrect.\r\n"),
		}, []string{"USER bob", "HUNTER2"}, []bool{false, true}},
		{"lower-case pass after the 331", false, []gapStep{
			srv("220 hi\r\n"), cli("USER bob\r\n"), srv(ask), cli("pass hunter2\r\n"), srv("230 Login successful.\r\n"),
		}, []string{"USER bob", "PASS hunter2"}, []bool{false, true}},
		{"gap took PASS, password spelt as a command", false, []gapStep{
			srv("220 hi\r\n"), cli("USER bob\r\n"), srv(ask), lostCli("PASS "), cli("LIST\r\n"), srv("230 Login successful.\r\n"),
		}, []string{"USER bob", "LIST"}, []bool{false, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lines, secret := clientLines(t, tc.steps, tc.midstream)
			if !slices.Equal(lines, tc.lines) || !slices.Equal(secret, tc.secret) {
				t.Errorf("lines %q secret %v; want %q %v", lines, secret, tc.lines, tc.secret)
			}
		})
	}
}
