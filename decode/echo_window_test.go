package decode

import (
	"strings"
	"testing"
)

// TestEchoWindowEndsAtItsOwnReply: a refusal that repeats a password
// ("530 Login incorrect: bob/hunter2") is hidden when the final replies
// to the lines before the PASS come first (a pipelined login: the 331
// answers the USER; a login sent before the greeting, TCP Fast Open,
// the greeting answering none), and when the PASS line was lost whole
// from the capture, or lost with its USER, before the client's next
// command was seen. The window still ends at the PASS's (or the lost
// bytes') final reply: what comes after is shown. rv-attack2:
// base-pipe.pcap, tfo-greet.pcap, lostpass-*.pcap, lost530-ackq.pcap.
func TestEchoWindowEndsAtItsOwnReply(t *testing.T) {
	tests := []struct {
		name  string
		steps []gapStep
		want  string // the replies' texts, "*" marking those hidden
	}{
		{"one at a time", []gapStep{
			srv("220 hi\r\n"), cli("USER bob\r\n"), srv("331 Password please\r\n"), cli("PASS hunter2\r\n"),
			srv("530 Login incorrect: bob/hunter2\r\n"), cli("QUIT\r\n"), srv("221 bye\r\n"),
		}, "hi|Password please|*Login incorrect: bob/hunter2|bye"},
		{"pipelined USER and PASS", []gapStep{
			srv("220 hi\r\n"), cli("USER bob\r\nPASS hunter2\r\n"), srv("331 Password please\r\n"),
			srv("530 Login incorrect: bob/hunter2\r\n"), cli("QUIT\r\n"), srv("221 bye\r\n"),
		}, "hi|Password please|*Login incorrect: bob/hunter2|bye"},
		{"login before the greeting", []gapStep{
			cli("USER bob\r\nPASS hunter2\r\n"), srv("220 hi\r\n"), srv("331 Password please\r\n"),
			srv("530 Login incorrect: bob/hunter2\r\n"), cli("QUIT\r\n"), srv("221 bye\r\n"),
		}, "hi|Password please|*Login incorrect: bob/hunter2|bye"},
		{"pipelined, the window ends at the PASS's reply", []gapStep{
			srv("220 hi\r\n"), cli("USER bob\r\nPASS Secret9x\r\n"), srv("331 Password please\r\n"),
			srv("230 Welcome\r\n"), cli("RETR Secret9x\r\n"), srv("550 Secret9x: No such file\r\n"),
		}, "hi|Password please|Welcome|Secret9x: No such file"},
		{"PASS lost, then QUIT", []gapStep{
			srv("220 hello\r\n"), cli("USER bob\r\n"), srv("331 Password required for bob\r\n"),
			lostCli("PASS hunter2\r\n"), cli("QUIT\r\n"), srv("530 Login incorrect: bob/hunter2\r\n"), srv("221 bye\r\n"),
		}, "hello|Password required for bob|*Login incorrect: bob/hunter2|bye"},
		{"PASS lost, then SYST", []gapStep{
			srv("220 hello\r\n"), cli("USER bob\r\n"), srv("331 Password required for bob\r\n"),
			lostCli("PASS hunter2\r\n"), cli("SYST\r\n"), srv("530 Login incorrect: bob/hunter2\r\n"),
			srv("530 Please login with USER and PASS.\r\n"),
		}, "hello|Password required for bob|*Login incorrect: bob/hunter2|Please login with USER and PASS."},
		{"USER and PASS lost, then QUIT", []gapStep{
			srv("220 hello\r\n"), lostCli("USER bob\r\nPASS hunter2\r\n"), cli("QUIT\r\n"),
			srv("530 Login incorrect for bob/hunter2\r\n"), srv("221 bye\r\n"),
		}, "hello|*Login incorrect for bob/hunter2|bye"},
		{"USER and PASS lost, their 331, then QUIT", []gapStep{
			srv("220 hello\r\n"), lostCli("USER bob\r\nPASS hunter2\r\n"), cli("QUIT\r\n"),
			srv("331 Password required for bob\r\n"), srv("530 Login incorrect for bob/hunter2\r\n"), srv("221 bye\r\n"),
		}, "hello|Password required for bob|*Login incorrect for bob/hunter2|bye"},
		{"lost bytes answered, the next 530 shown", []gapStep{
			srv("220 hello\r\n"), lostCli("USER bob\r\n"), cli("SYST\r\n"),
			srv("530 Login incorrect for bob\r\n"), srv("530 Please login with USER and PASS.\r\n"),
		}, "hello|*Login incorrect for bob|Please login with USER and PASS."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, replies := gapTranscript(t, tt.steps)
			if got := strings.Join(replies, "|"); got != tt.want {
				t.Errorf("replies\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
