package decode

import (
	"strings"
	"testing"
)

// TestReloginLostInGapMasksEcho: a second login (a retry after a
// refusal, or a change of user after a welcome) whose USER and PASS the
// capture lost: the refusal that repeats the password is hidden as it is
// on a first login. The USER the gap took ends the earlier PASS's mark
// (flagPassSent), so the 331 after it asks for a password again.
// rev-output: gap-echo-retry.pcap, gap-echo4.pcap session 2,
// gap-echo3.pcap; gap-echo2.pcap (the 331 lost too: the tail of the
// password line after the gap, dropped as a line cut by it, is looked
// for in the refusal).
func TestReloginLostInGapMasksEcho(t *testing.T) {
	first := []gapStep{srv("220 ok\r\n"), cli("USER w\r\n"), srv("331 Password required for w.\r\n")}
	refused := append(append([]gapStep{}, first...), cli("PASS wrongpw\r\n"), srv("530 Login incorrect: w/wrongpw\r\n"))
	welcomed := append(append([]gapStep{}, first...), cli("PASS x\r\n"), srv("230 ok\r\n"))
	tests := []struct {
		name  string
		steps []gapStep
		echo  string // the last refusal, as gapTranscript gives it
	}{
		{"retry after a refusal, USER and PASS segments lost", append(append([]gapStep{}, refused...),
			lostCli("USER w\r\n"), srv("331 Password required for w.\r\n"),
			lostCli("PASS SECRETRETRY\r\n"), srv("530 Login incorrect: w/SECRETRETRY\r\n")),
			"*Login incorrect: w/SECRETRETRY"},
		{"new login after a welcome, USER and PASS segments lost", append(append([]gapStep{}, welcomed...),
			lostCli("USER w\r\n"), srv("331 pw\r\n"),
			lostCli("PASS SECRETWE\r\n"), srv("530 Login incorrect: w/SECRETWE\r\n")),
			"*Login incorrect: w/SECRETWE"},
		{"new login after a welcome, gap into the PASS verb", append(append([]gapStep{}, welcomed...),
			lostCli("USER w\r\nPA"), srv("331 pw\r\n"),
			cli("SS SECRETWB\r\n"), srv("530 Login incorrect: w/SECRETWB\r\n")),
			"*Login incorrect: w/SECRETWB"},
		{"new login after a welcome, gap into the password", append(append([]gapStep{}, welcomed...),
			lostCli("USER w\r\nPASS SEC"), srv("331 pw\r\n"),
			cli("RETWC\r\n"), srv("530 Login incorrect: w/SECRETWC\r\n")),
			"*Login incorrect: w/SECRETWC"},
		{"first login, 331 lost too, gap into the PASS verb", []gapStep{srv("220 ok\r\n"),
			lostCli("USER w\r\nPA"), lostSrv("331 pw\r\n"),
			cli("SS SECRETW7\r\n"), srv("530 Login incorrect: w/SECRETW7\r\n")},
			"*Login incorrect: w/SECRETW7"},
		{"new login after a welcome, 331 lost too, gap into the password", append(append([]gapStep{}, welcomed...),
			lostCli("USER w\r\nPASS SEC"), lostSrv("331 pw\r\n"),
			cli("RETW8\r\n"), srv("530 Login incorrect: w/SECRETW8\r\n")),
			"*Login incorrect: w/SECRETW8"},
		{"first login, USER, PASS and 331 lost whole", []gapStep{srv("220 ok\r\n"),
			lostCli("USER w\r\nPASS SECRETX1\r\n"), lostSrv("331 pw\r\n"), srv("530 Login incorrect: w/SECRETX1\r\n"), cli("QUIT\r\n")},
			"*Login incorrect: w/SECRETX1"},
		{"first login, USER, 331, then PASS lost", []gapStep{srv("220 ok\r\n"),
			lostCli("USER w\r\n"), lostSrv("331 pw\r\n"), lostCli("PASS SECRETX2\r\n"), srv("530 Login incorrect: w/SECRETX2\r\n")},
			"*Login incorrect: w/SECRETX2"},
		{"new login after a welcome, USER, PASS and 331 lost whole", append(append([]gapStep{}, welcomed...),
			lostCli("USER w\r\nPASS SECRETX3\r\n"), lostSrv("331 pw\r\n"), srv("530 Login incorrect: w/SECRETX3\r\n")),
			"*Login incorrect: w/SECRETX3"},
		{"220, USER, 331 and PASS lost: no client byte seen before the refusal", []gapStep{
			lostSrv("220 ok\r\n"), lostCli("USER w\r\n"), lostSrv("331 pw\r\n"), lostCli("PASS SECRETGL\r\n"),
			srv("530 Login incorrect: w/SECRETGL\r\n"), cli("QUIT\r\n")},
			"*Login incorrect: w/SECRETGL"},
		// Not every refusal after a gap: a 550 names a file, not a password.
		{"a 550 after a lost command is shown", append(append([]gapStep{}, welcomed...),
			lostCli("RETR a.txt\r\n"), srv("550 a.txt: No such file or directory.\r\n")),
			"a.txt: No such file or directory."},
		{"a 550 after the tail of a cut command is shown", append(append([]gapStep{}, welcomed...),
			lostCli("RET"), cli("R a.txt\r\n"), srv("550 a.txt: No such file or directory.\r\n")),
			"a.txt: No such file or directory."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, replies := gapTranscript(t, tc.steps)
			if len(replies) == 0 || replies[len(replies)-1] != tc.echo {
				t.Errorf("replies %q, want the last %q", replies, tc.echo)
			}
			for _, r := range replies {
				if !strings.HasPrefix(r, "*") && strings.Contains(r, "SECRET") {
					t.Errorf("reply %q shown", r)
				}
			}
		})
	}
}

// TestPipelinedPassKeepsNextCommand: USER and PASS sent together before
// the 331 came: the 331 does not make the next command a password; nor
// after a client gap that the 331 and the welcome answer as one login.
func TestPipelinedPassKeepsNextCommand(t *testing.T) {
	lines, _ := gapTranscript(t, []gapStep{
		srv("220 ok\r\n"), cli("USER w\r\nPASS x\r\n"), srv("331 pw\r\n230 ok\r\n"), cli("SYST\r\n"), srv("215 UNIX\r\n"),
	})
	if got := strings.Join(lines, "|"); got != "USER w|*PASS x|SYST" {
		t.Errorf("client lines %q, want SYST shown", got)
	}
}
