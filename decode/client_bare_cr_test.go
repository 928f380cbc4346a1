package decode

import (
	"strings"
	"testing"
)

// TestClientBareCRLineEnds: a client whose lines end in a CR alone (or
// a CR NUL, a telnet's Enter) has each line ended where the server
// answered it, or, sent with no answer between, at a CR a command verb
// follows: its PASS is masked and a refusal that repeats the password
// hidden, never "USER bob\rPASS hunter2" shown as the user name.
// rv-telnet: user-cr.pcap, pass-cr-fin.pcap, pass-cr-echo.pcap,
// cli-cr-srv-crlf.pcap, pw-cr.pcap, pw-crnul.pcap, pw-pipe-cr.pcap. A
// CR inside a password stays in it; a line after a PASS that a reply
// to an earlier command ended at such a CR, not a command, may be the
// password's tail, and is masked. And a NUL after a password: a server
// written in C repeats the part before it (pw-nul-b.pcap).
func TestClientBareCRLineEnds(t *testing.T) {
	const pw = "hunter2"
	greet := srv("220 hi\r\n")
	tests := []struct {
		name           string
		steps          []gapStep
		lines, replies string // "*": masked
	}{
		{"USER ended by a CR, answered", []gapStep{
			greet, cli("USER bob\r"), srv("331 pw\r\n"), cli("PASS hunter2\r\n"), srv("230 ok\r\n"),
		}, "USER bob|*PASS hunter2", "hi|pw|ok"},
		{"PASS ended by a CR, refused, then the end", []gapStep{
			greet, cli("USER bob\r\n"), srv("331 pw\r\n"), cli("PASS hunter2\r"), srv("530 Login incorrect: bob/hunter2\r\n"),
		}, "USER bob|*PASS hunter2", "hi|pw|*Login incorrect: bob/hunter2"},
		{"every line in a CR alone", []gapStep{
			greet, cli("USER bob\r"), srv("331 pw\r\n"), cli("PASS hunter2\r"), srv("530 Login incorrect hunter2\r\n"),
			cli("USER bob\r"), srv("331 pw\r\n"), cli("PASS hunter3\r"), srv("230 ok\r\n"), cli("PASV\r"),
			srv("227 Entering Passive Mode (10,0,0,1,156,64).\r\n"), cli("QUIT\r"), srv("221 bye\r\n"),
		}, "USER bob|*PASS hunter2|USER bob|*PASS hunter3|PASV|QUIT",
			"hi|pw|*Login incorrect hunter2|pw|ok|Entering Passive Mode (10,0,0,1,156,64).|bye"},
		{"CR NUL", []gapStep{
			greet, cli("USER bob\r\x00"), srv("331 pw\r\n"), cli("PASS hunter2\r\x00"), srv("530 Login incorrect: hunter2\r\n"),
			cli("QUIT\r\x00"), srv("221 bye\r\n"),
		}, "USER bob|*PASS hunter2|QUIT", "hi|pw|*Login incorrect: hunter2|bye"},
		{"pipelined in one segment", []gapStep{
			greet, cli("USER bob\rPASS hunter2\rSYST\r"), srv("331 pw\r\n530 bad hunter2\r\n530 please login\r\n"),
			cli("QUIT\r"), srv("221 bye\r\n"),
		}, "USER bob|*PASS hunter2|SYST|QUIT", "hi|pw|*bad hunter2|please login|bye"},
		{"glued, unanswered, a LF at the end", []gapStep{
			greet, cli("USER bob\rpass hunter2\r\n"), srv("331 pw\r\n530 Login incorrect: hunter2\r\n"),
		}, "USER bob|*PASS hunter2", "hi|pw|*Login incorrect: hunter2"},
		{"CR LF cut at its CR, a reply between", []gapStep{
			greet, cli("NOOP\r\nUSER bob\r"), srv("200 ok\r\n"), cli("\nPASS hunter2\r\n"), srv("331 pw\r\n230 ok\r\n"),
		}, "NOOP|USER bob|*PASS hunter2", "hi|ok|pw|ok"},
		{"a verb glued to the tail of a password after its CR", []gapStep{
			greet, cli("USER bob\r\n"), srv("331 pw\r\n"), cli("PASS Xy9\rUSER12\r\n"), srv("530 Login incorrect\r\n"),
			cli("PASS Xy9\rcwd-Secret77\r\n"), srv("530 Login incorrect\r\n"),
		}, "USER bob|*PASS Xy9\rUSER12|*PASS Xy9\rcwd-Secret77", "hi|pw|Login incorrect|Login incorrect"},
		{"a CR inside the password", []gapStep{
			greet, cli("USER bob\r\n"), srv("331 pw\r\n"), cli("PASS hun\rter2\r\n"), srv("530 Login incorrect: hun\rter2\r\n"),
		}, "USER bob|*PASS hun\rter2", "hi|pw|*Login incorrect: hun\rter2"},
		{"the password's tail after a CR a reply to an earlier command came at", []gapStep{
			greet, cli("USER bob\r\n"), srv("331 pw\r\n"), cli("NOOP\r\nPASS hun\r"), srv("200 ok\r\n"), cli("ter2\r\n"),
			srv("530 Login incorrect: hun\rter2\r\n"), cli("QUIT\r\n"), srv("221 bye\r\n"),
		}, "USER bob|NOOP|*PASS hun|*TER2|QUIT", "hi|pw|ok|*Login incorrect: hun\rter2|bye"},
		{"a NUL after the password", []gapStep{
			greet, cli("USER bob\r\n"), srv("331 pw\r\n"), cli("PASS hunter2\x00\r\n"), srv("530 Login incorrect: hunter2\r\n"),
			cli("QUIT\r\n"), srv("221 bye\r\n"),
		}, "USER bob|*PASS hunter2\x00|QUIT", "hi|pw|*Login incorrect: hunter2|bye"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, replies := gapTranscript(t, tt.steps)
			if got := strings.Join(lines, "|"); got != tt.lines {
				t.Errorf("lines\n%q\nwant\n%q", got, tt.lines)
			}
			if got := strings.Join(replies, "|"); got != tt.replies {
				t.Errorf("replies\n%q\nwant\n%q", got, tt.replies)
			}
			for _, l := range append(lines, replies...) {
				if !strings.HasPrefix(l, "*") && (strings.Contains(l, pw) || strings.Contains(l, "ter2")) {
					t.Errorf("shown: %q", l)
				}
			}
		})
	}
}

// TestGapsInOneLineCountItOnce: two gaps in one client line ("U" and
// "E" of "USER alice" lost), each followed by bytes that do not start a
// line, count it once as awaiting a reply: counted twice, the refusal
// window of a later gap in the re-login's password (its "7" lost) took
// the 530 for the reply to a line before that gap, and showed the
// password it repeats. FuzzRefusalEchoHidden's 9933f1d6c8645956, its
// bytes and gaps in the order the parser had them.
func TestGapsInOneLineCountItOnce(t *testing.T) {
	const pw = "Zq9xW7kv"
	steps := []gapStep{
		lostCli("U"), cli("S"), lostCli("E"), cli("R"), cli(" alice\r\nPASS first1\r\nPWD"), srv("220 hi\r\n331 pw\r\n230 ok\r\n"),
		cli("\r\nREIN\r\nUSER bob\r\nPASS Zq9"), srv("257 \"/\"\r\n220 ready\r\n331 p"), cli("x"), cli("W"), lostCli("7"),
		cli("kv\r\nQUIT\r\n"), srv("w\r\n530 Login incorrect: bob/" + pw + "\r\n221 bye\r\n"),
	}
	var stats Stats
	var scratch ControlEvent
	var p sessionParser
	found := false
	p.init(convClient, convServer, parseFTP, 0, &stats, &scratch, func(e *ControlEvent) {
		if e.Kind == ControlReply && strings.Contains(e.Reply.Text, pw) {
			found = true
			if !e.SecretEcho {
				t.Errorf("reply shown: %q", e.Reply.Text)
			}
		}
	})
	p.syn = [2]bool{true, true}
	for i, s := range steps {
		d := dirClient
		if s.server {
			d = dirServer
		}
		if s.lost {
			p.gap(d, len(s.text), uint64(i), convT0)
			continue
		}
		p.bytes(d, []byte(s.text), uint64(i), convT0)
	}
	p.end(uint64(len(steps)), convT0, false)
	if !found {
		t.Error("no refusal that repeats the password")
	}
}
