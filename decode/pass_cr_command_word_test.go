package decode

import (
	"slices"
	"strings"
	"testing"
)

// TestEmptyPassBareCRPasswordAnyWord: after "PASS" with no argument
// ended at a CR alone, the client's next line, sent before any final
// reply answered the PASS, is the password whatever word it begins with
// (rt-e's pcr.pcap: "PASS \rSite 2024!\r\n"): a server that ends lines at
// a CR reads it alone (its 501 to the PASS, then "500 'SITE 2024!':
// command not understood"), one that ends them at CR LF reads it as the
// PASS's argument "\rSite 2024!". Either way it is masked, and a reply
// repeating it is marked (SecretEcho); it was shown as a SITE command,
// and its echo too. Once a final reply answered the empty PASS, the next
// line is a command, shown.
func TestEmptyPassBareCRPasswordAnyWord(t *testing.T) {
	login := []gapStep{srv("220 ready\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n")}
	cases := []struct {
		name   string
		steps  []gapStep // after the 220, USER and 331 (unless greeted)
		greet  bool      // steps hold the whole conversation after the handshake
		secret string    // in no line or reply shown ("" for none)
		clear  []string  // client lines shown, not masked
		shown  []string  // replies (first lines) not marked as echoes
	}{
		{name: "command word, bare-CR server", steps: []gapStep{cli("PASS \rSite 2024!\r\n"),
			srv("501 Syntax\r\n"), srv("500 'SITE 2024!': command not understood\r\n")},
			secret: "site 2024!", shown: []string{"501 Syntax"}},
		{name: "command word in the next segment", steps: []gapStep{cli("PASS \r"), cli("list 77abc\r\n"),
			srv("501 Syntax\r\n"), srv("500 'LIST 77abc': command not understood\r\n")},
			secret: "list 77abc"},
		{name: "verb alone, PASS with no space", steps: []gapStep{cli("pass\rNoop\r\n"),
			srv("501 Syntax\r\n"), srv("530 NOOP: not logged in\r\n")},
			secret: "noop"},
		{name: "an announcement pipelined after an empty PASS is shown", steps: []gapStep{cli("PASS \rPASV\r"),
			srv("230 ok\r\n"), srv("227 Entering Passive Mode (10,2,0,9,195,80)\r\n")},
			clear: []string{"PASV"}, shown: []string{"227 Entering Passive Mode (10,2,0,9,195,80)"}},
		{name: "the same in its own segment", steps: []gapStep{cli("PASS \r"), cli("EPSV\r"),
			srv("230 ok\r\n"), srv("229 Entering Extended Passive Mode (|||50000|)\r\n")},
			clear: []string{"EPSV"}},
		{name: "a password reading PORT and a word is masked", steps: []gapStep{cli("PASS \rport Royal77\r"),
			srv("501 Syntax\r\n"), srv("500 'PORT Royal77': command not understood\r\n")},
			secret: "royal77"},
		{name: "after PASS and a CR, an LF-ended line is not split again", steps: []gapStep{cli("PASS \rab\rSTOR\vSecret77\r\n"),
			srv("530 Login incorrect.\r\n")},
			secret: "secret77"},
		{name: "plain password", steps: []gapStep{cli("PASS \rhunter2\r\n"),
			srv("501 Syntax\r\n"), srv("500 'HUNTER2': command not understood\r\n")},
			secret: "hunter2"},
		{name: "CRLF-only server, refused", steps: []gapStep{cli("PASS \rSite 2024!\r\n"),
			srv("530 Login incorrect: Site 2024!\r\n")},
			secret: "site 2024!"},
		{name: "CRLF-only server, accepted", steps: []gapStep{cli("PASS \rRetr 2024!\r\n"),
			srv("230 Logged in.\r\n"), cli("PWD\r\n"), srv("257 \"/\"\r\n")},
			secret: "retr 2024!", clear: []string{"PWD"}, shown: []string{"230 Logged in.", "257 \"/\""}},
		{name: "pipelined USER, the 331 between", greet: true, steps: []gapStep{srv("220 ready\r\n"),
			cli("USER bob\rPASS \r"), srv("331 pw\r\n"), cli("Site 2024!\r\n"),
			srv("501 Syntax\r\n"), srv("500 'SITE 2024!': command not understood\r\n")},
			secret: "site 2024!", clear: []string{"USER bob"}, shown: []string{"331 pw", "501 Syntax"}},
		{name: "answered empty PASS, then a real SITE", steps: []gapStep{cli("PASS \r"), srv("501 Syntax\r\n"),
			cli("SITE CHMOD 600 f\r\n"), srv("200 SITE CHMOD command ok.\r\n")},
			clear: []string{"SITE CHMOD 600 f"}, shown: []string{"501 Syntax", "200 SITE CHMOD command ok."}},
		{name: "empty PASS refused, then a real LIST", steps: []gapStep{cli("PASS \r"), srv("530 Login incorrect.\r\n"),
			cli("LIST\r\n"), srv("530 Please login with USER and PASS.\r\n")},
			clear: []string{"LIST"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			steps := tc.steps
			if !tc.greet {
				steps = append(append([]gapStep{}, login...), tc.steps...)
			}
			steps = append(steps, cli("QUIT\r\n"), srv("221 bye\r\n"))
			lines, secret := clientLines(t, steps, false)
			masked := false
			for i, l := range lines {
				if tc.secret != "" && strings.Contains(strings.ToLower(l), tc.secret) {
					if !secret[i] {
						t.Errorf("password shown: %q (lines %q)", l, lines)
					}
					masked = masked || secret[i]
				}
			}
			if tc.secret != "" && !masked {
				t.Errorf("no masked line holds the password %q: %q %v", tc.secret, lines, secret)
			}
			for _, want := range append(tc.clear, "QUIT") {
				if i := slices.Index(lines, want); i < 0 || secret[i] {
					t.Errorf("%q not shown in clear: %q %v", want, lines, secret)
				}
			}
			replies, echo := echoReplies(t, steps)
			for i, r := range replies {
				if tc.secret != "" && strings.Contains(strings.ToLower(r), tc.secret) && !echo[i] {
					t.Errorf("reply %q repeats the password, not marked (replies %q)", r, replies)
				}
			}
			for _, want := range append(tc.shown, "221 bye") {
				if i := slices.Index(replies, want); i < 0 || echo[i] {
					t.Errorf("reply %q not shown: %q %v", want, replies, echo)
				}
			}
		})
	}
}
