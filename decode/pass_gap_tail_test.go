package decode

import (
	"strings"
	"testing"
)

// gapTranscript runs a script (gapStep) on a fresh decoder and returns
// each client line as clientLines does, "*" marking the masked ones, and
// each reply's text, "*" marking those hidden as echoes (SecretEcho).
func gapTranscript(t *testing.T, steps []gapStep) (lines, replies []string) {
	t.Helper()
	rec, d, v := openConv(t)
	v.play(steps)
	d.Finish()
	return transcript(rec)
}

// transcript is gapTranscript's reading of what rec recorded.
func transcript(rec *recorder) (lines, replies []string) {
	for _, e := range rec.control {
		var l string
		switch {
		case e.Kind == ControlCommand:
			l = strings.TrimSpace(e.Command.Verb + " " + e.Command.Arg)
		case e.Kind == ControlJunk && e.FromClient:
			l = e.Line
		case e.Kind == ControlReply:
			r := e.Reply.Text
			if e.SecretEcho {
				r = "*" + r
			}
			replies = append(replies, r)
			continue
		default:
			continue
		}
		if e.Secret {
			l = "*" + l
		}
		lines = append(lines, l)
	}
	return lines, replies
}

// TestGapBeforePasswordTail: a client gap after the 331 that takes the
// start of the password line ("PASS ", "PASS Hun"): the first line after
// it is the password, or its tail, masked, not dropped, so a refusal
// that repeats it is hidden too; and the mark is spent on it, so the
// commands after it are themselves, not taken for the password. A gap
// that held the whole password line (the server answered it, or the gap
// is long enough and an upper-case command follows) leaves the next
// command shown. rev-ftps: pass-gap-echo.pcap, pass-gap-next-retr.pcap,
// pass-gap-verb.pcap.
func TestGapBeforePasswordTail(t *testing.T) {
	const pw = "Hunter2Zq9"
	login := []gapStep{srv("220 FTP ready\r\n"), cli("USER bob\r\n"), srv("331 Please specify the password.\r\n")}
	tests := []struct {
		name    string
		steps   []gapStep
		lines   []string // client lines after USER bob
		replies []string // replies after the 331
	}{
		{"PASS verb lost, refusal echoes the password", []gapStep{
			lostCli("PASS "), cli(pw + "\r\n"), srv("530 Login incorrect for bob/" + pw + "\r\n"),
			cli("QUIT\r\n"), srv("221 Goodbye.\r\n"),
		}, []string{"*HUNTER2ZQ9", "QUIT"}, []string{"*Login incorrect for bob/" + pw, "Goodbye."}},
		{"PASS H lost, then TYPE and PWD", []gapStep{
			lostCli("PASS H"), cli("unter2Zq9\r\n"), srv("230 Login successful.\r\n"),
			cli("TYPE I\r\n"), srv("200 Switching to Binary mode.\r\n"), cli("PWD\r\n"), srv("257 \"/\"\r\n"),
		}, []string{"*UNTER2ZQ9", "TYPE I", "PWD"}, []string{"Login successful.", "Switching to Binary mode.", `"/"`}},
		{"PASS Hun lost, then PWD", []gapStep{
			lostCli("PASS Hun"), cli("ter2Zq9\r\n"), srv("230 Login successful.\r\n"), cli("PWD\r\n"), srv("257 \"/\"\r\n"),
		}, []string{"*TER2ZQ9", "PWD"}, []string{"Login successful.", `"/"`}},
		{"line begun before the gap: its tail masked, echo found", []gapStep{
			cli("PASS Hu"), lostCli("nt"), cli("er2Zq9\r\n"), srv("530 Login incorrect for bob/" + pw + "\r\n"),
			cli("QUIT\r\n"),
		}, []string{"*ER2ZQ9", "QUIT"}, []string{"*Login incorrect for bob/" + pw}},
		{"short gap: a tail that reads as a command is still the password", []gapStep{
			lostCli("PASS "), cli("STAT " + pw + "\r\n"), srv("230 Login successful.\r\n"), cli("PWD\r\n"),
		}, []string{"*STAT " + pw, "PWD"}, []string{"Login successful."}},
		{"long gap, a lower-case tail that reads as a verb: masked", []gapStep{
			lostCli("PASS Mypass"), cli("port\r\n"), srv("230 Login successful.\r\n"), cli("PWD\r\n"),
		}, []string{"*PORT", "PWD"}, []string{"Login successful."}},
		{"whole password line lost, the server answered it", []gapStep{
			lostCli("PASS " + pw + "\r\n"), srv("230 Login successful.\r\n"), cli("SYST\r\n"), srv("215 UNIX Type: L8\r\n"),
		}, []string{"SYST"}, []string{"Login successful.", "UNIX Type: L8"}},
		{"whole password line and its reply lost: an upper-case command follows", []gapStep{
			lostCli("PASS " + pw + "\r\n"), lostSrv("230 Login successful.\r\n"), cli("PWD\r\n"), srv("257 \"/\"\r\n"),
		}, []string{"PWD"}, []string{`"/"`}},
		{"whole password line lost, its refusal may repeat it", []gapStep{
			lostCli("PASS " + pw + "\r\n"), srv("530 Login incorrect for bob/" + pw + "\r\n"), cli("QUIT\r\n"),
		}, []string{"QUIT"}, []string{"*Login incorrect for bob/" + pw}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lines, replies := gapTranscript(t, append(append([]gapStep{}, login...), tc.steps...))
			if len(lines) == 0 || lines[0] != "USER bob" || len(replies) < 2 {
				t.Fatalf("lines %q replies %q", lines, replies)
			}
			lines, replies = lines[1:], replies[2:]
			if strings.Join(lines, "|") != strings.Join(tc.lines, "|") {
				t.Errorf("client lines %q, want %q", lines, tc.lines)
			}
			if strings.Join(replies, "|") != strings.Join(tc.replies, "|") {
				t.Errorf("replies %q, want %q", replies, tc.replies)
			}
		})
	}
}

// TestGapBeforeThe331DoesNotEndPassword: a client gap before the 331
// (its USER lost) says nothing of the password line after it: a short
// gap after the 331 leaves the line after it masked, though it reads as
// a command. rev-ftps: pass-gap-user-too.pcap.
func TestGapBeforeThe331DoesNotEndPassword(t *testing.T) {
	lines, _ := gapTranscript(t, []gapStep{
		srv("220 FTP ready\r\n"), lostCli("USER bob\r\n"), srv("331 Please specify the password.\r\n"),
		lostCli("PASS "), cli("SIZE Hunter2Zq9\r\n"), srv("230 Login successful.\r\n"),
	})
	if strings.Join(lines, "|") != "*SIZE Hunter2Zq9" {
		t.Errorf("client lines %q, want the password masked", lines)
	}
}

// TestGapEndsPasswordLineAnswered: the password line begun before a
// client gap that took its end, the server's answer after the gap: the
// head seen is the password, masked (not delivered unmasked at the
// stream's end), and the answer does not make the next line a password.
// (FuzzGapKeepsPasswordSecret found the first.)
func TestGapEndsPasswordLineAnswered(t *testing.T) {
	lines, replies := gapTranscript(t, []gapStep{
		srv("220 FTP ready\r\n"), cli("USER bob\r\n"), srv("331 Please specify the password.\r\n"),
		cli("PASS Hunter"), lostCli("2Zq9\r\n"), srv("530 Login incorrect for bob/Hunter2Zq9\r\n"),
	})
	if strings.Join(lines, "|") != "USER bob|*PASS Hunter" {
		t.Errorf("client lines %q, want USER bob and the masked head", lines)
	}
	if len(replies) != 3 || replies[2] != "*Login incorrect for bob/Hunter2Zq9" {
		t.Errorf("replies %q, want the refusal hidden", replies)
	}
	lines, _ = gapTranscript(t, []gapStep{
		srv("220 FTP ready\r\n"), cli("USER bob\r\n"), srv("331 Please specify the password.\r\n"),
		cli("PASS Hunter"), lostCli("2Zq9\r\n"), srv("230 Login successful.\r\n"), cli("SYST\r\n"),
	})
	if strings.Join(lines, "|") != "USER bob|*PASS Hunter|SYST" {
		t.Errorf("client lines %q, want USER bob, the masked head, SYST", lines)
	}
}
