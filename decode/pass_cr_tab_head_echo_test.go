package decode

import (
	"strings"
	"testing"
)

// TestPasswordAfterCRAndHeadEcho: the password leaks rv-attack's pw.py
// and pw4.py found. A PASS after a CR with a tab for its space
// ("NOOP\rPASS\tZq9SecretPw", cr_noop_pass_tab.pcap) is a line of its
// own, masked, not the NOOP's argument shown whole. The bytes after a CR
// in a PASS's argument, in a line a LF ends ("PASS Zq9Sec\rNOOP retPw",
// pass_cr_noop.pcap), are the password's tail to a server that reads to
// the LF: the whole line is masked, not "NOOP retPw" shown. A refusal
// that repeats the password cut short ("530 bad pw Zq9Secret...",
// echo_part.pcap) is hidden, wherever the head is and whatever cuts it
// (a space, punctuation). A refusal that holds no head of it, or the
// head going on with other letters or digits, stays shown.
func TestPasswordAfterCRAndHeadEcho(t *testing.T) {
	greet := srv("220 hi\r\n")
	login := []gapStep{greet, cli("USER bob\r\n"), srv("331 pw\r\n")}
	tests := []struct {
		name           string
		steps          []gapStep
		lines, replies string // "*": masked
	}{
		{"PASS and a tab after a CR", []gapStep{cli("NOOP\rPASS\tZq9SecretPw\r\n"), srv("200 x\r\n230 ok\r\n")},
			"USER bob|NOOP|*PASS\tZq9SecretPw", "hi|pw|x|ok"},
		{"lower case PASS and a tab after a CR", []gapStep{cli("NOOP\rpass\tZq9SecretPw\r\n"), srv("200 x\r\n230 ok\r\n")},
			"USER bob|NOOP|*pass\tZq9SecretPw", "hi|pw|x|ok"},
		{"a verb after a CR in the password, LF-ended", []gapStep{cli("PASS Zq9Sec\rNOOP retPw\r\n"), srv("230 ok\r\n")},
			"USER bob|*PASS Zq9Sec\rNOOP retPw", "hi|pw|ok"},
		{"a command and its argument after a CR in the password", []gapStep{cli("PASS Zq9SecretPw\rRETR Zq9SecretPw\r\n"), srv("230 ok\r\n")},
			"USER bob|*PASS Zq9SecretPw\rRETR Zq9SecretPw", "hi|pw|ok"},
		{"a PASS after a CR in the password: both masked", []gapStep{cli("PASS x\rPASS Zq9SecretPw\r\n"), srv("530 x\r\n503 ok\r\n")},
			"USER bob|*PASS x|*PASS Zq9SecretPw", "hi|pw|x|ok"},
		{"the same, the line unterminated at the end", []gapStep{cli("PASS Zq9Sec\rNOOP retPw")},
			"USER bob|*PASS Zq9Sec\rNOOP retPw", "hi|pw"},
		{"head echoed with an ellipsis", []gapStep{cli("PASS Zq9SecretPw\r\n"), srv("530 bad pw Zq9Secret...\r\n")},
			"USER bob|*PASS Zq9SecretPw", "hi|pw|*bad pw Zq9Secret..."},
		{"head echoed in quotes with an ellipsis", []gapStep{cli("PASS Zq9SecretPw\r\n"), srv("530 bad pw 'zq9s...'\r\n")},
			"USER bob|*PASS Zq9SecretPw", "hi|pw|*bad pw 'zq9s...'"},
		{"head echoed at the reply's end", []gapStep{cli("PASS Zq9SecretPw\r\n"), srv("530 Login incorrect: bob/Zq9Sec\r\n")},
			"USER bob|*PASS Zq9SecretPw", "hi|pw|*Login incorrect: bob/Zq9Sec"},
		{"no head echoed", []gapStep{cli("PASS Zq9SecretPw\r\n"), srv("530 Login incorrect...\r\n")},
			"USER bob|*PASS Zq9SecretPw", "hi|pw|Login incorrect..."},
		{"head echoed glued to a word", []gapStep{cli("PASS Zq9SecretPw\r\n"), srv("530 xZq9S...\r\n")},
			"USER bob|*PASS Zq9SecretPw", "hi|pw|*xZq9S..."},
		{"a PASS after a CR with a vertical tab", []gapStep{cli("NOOP\rPASS\vZq9SecretPw\r\n"), srv("200 ok\r\n530 no\r\n")},
			"USER bob|NOOP|*PASS \vZq9SecretPw", "hi|pw|ok|no"},
		{"a head of letters alone cut at the reply's end", []gapStep{cli("PASS Sunshine77\r\n"), srv("530 Bad password Sunshi\r\n")},
			"USER bob|*PASS Sunshine77", "hi|pw|*Bad password Sunshi"},
		{"head cut short by a space", []gapStep{cli("PASS Zq9SecretPw\r\n"), srv("530 Zq9S is not it\r\n")},
			"USER bob|*PASS Zq9SecretPw", "hi|pw|*Zq9S is not it"},
		{"a word that goes on otherwise is no echo", []gapStep{cli("PASS Zq9SecretPw\r\n"), srv("530 Zq9Sxy is not it\r\n")},
			"USER bob|*PASS Zq9SecretPw", "hi|pw|Zq9Sxy is not it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, replies := gapTranscript(t, append(append([]gapStep(nil), login...), tt.steps...))
			if got := strings.Join(lines, "|"); got != tt.lines {
				t.Errorf("lines\n%q\nwant\n%q", got, tt.lines)
			}
			if got := strings.Join(replies, "|"); got != tt.replies {
				t.Errorf("replies\n%q\nwant\n%q", got, tt.replies)
			}
			for _, l := range lines {
				if !strings.HasPrefix(l, "*") && (strings.Contains(l, "Zq9") || strings.Contains(l, "retPw")) {
					t.Errorf("shown: %q", l)
				}
			}
		})
	}
}
