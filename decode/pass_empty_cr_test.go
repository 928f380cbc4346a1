package decode

import (
	"strings"
	"testing"
)

// TestEmptyPassBareCRNextLineIsSecret: a client that sends "PASS" with no
// argument ended by a bare CR, then its password before any reply (in
// the same segment or the next), to a server that ends lines at a bare
// CR: the server reads "PASS" alone (its 501) and the password as a line
// of its own, which it echoes ("500 'HUNTER2': command not understood").
// The password line is masked, and every reply repeating it, in any case,
// is marked (SecretEcho); it was shown, the PASS's argument "\rhunter2"
// the only secret looked for.
func TestEmptyPassBareCRNextLineIsSecret(t *testing.T) {
	login := []gapStep{srv("220 ready\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n")}
	cases := []struct {
		name    string
		steps   []gapStep
		replies []string // after the 331, each repeating the password
	}{
		{"PASS and a space, the password in the next segment", []gapStep{cli("PASS \r"), cli("hunter2\r\n")},
			[]string{"501 Syntax error\r\n", "500 'HUNTER2': command not understood\r\n"}},
		{"PASS alone, the password in the next segment", []gapStep{cli("PASS\r"), cli("hunter2\r\n")},
			[]string{"501 Syntax error\r\n", "500 'HUNTER2': command not understood\r\n"}},
		{"PASS alone, the password in the same segment", []gapStep{cli("PASS\rhunter2\r\n")},
			[]string{"500 unknown\r\n", "530 hunter2\r\n"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			steps := append(append([]gapStep{}, login...), tc.steps...)
			for _, r := range tc.replies {
				steps = append(steps, srv(r))
			}
			steps = append(steps, cli("QUIT\r\n"), srv("221 bye\r\n"))
			lines, secret := clientLines(t, steps, false)
			masked := false
			for i, l := range lines {
				if strings.Contains(strings.ToLower(l), "hunter2") {
					masked = masked || secret[i]
					if !secret[i] {
						t.Errorf("password shown: %q (lines %q)", l, lines)
					}
				}
			}
			if !masked {
				t.Errorf("no masked line holds the password: %q %v", lines, secret)
			}
			replies, echo := echoReplies(t, steps)
			for i, r := range replies {
				if strings.Contains(strings.ToLower(r), "hunter2") && !echo[i] {
					t.Errorf("reply %q repeats the password, not marked (replies %q)", r, replies)
				}
			}
		})
	}
}
