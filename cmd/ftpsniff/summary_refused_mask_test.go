package main

import (
	"strings"
	"testing"
)

// secretRETRCapture: "PASS \rRETR hunter2" after a 331, the PASS carrying
// no password and ended at a bare CR: decode takes the line after the CR
// for the password whatever word it begins with (crPassword), and the
// server refuses it as a file (550). The line is masked whole in the
// transcript, its verb too.
func secretRETRCapture(t *testing.T) string {
	c, path := newWireCap(t)
	s := openWireSession(c)
	s.reply("220 (vsFTPd 3.0.5)")
	s.cmd("USER alice")
	s.reply("331 Please specify the password.")
	s.cmd("PASS \rRETR hunter2")
	s.reply("331 Please specify the password.")
	s.reply("550 Failed to open file.")
	s.quit()
	c.w = nil
	return path
}

// echoedRETRCapture: a RETR read after a capture gap that follows a 331
// (the gap may have held the password), refused with a 550 that decode
// takes for a possible echo of it: the reply is masked in the transcript
// unless --show-passwords.
func echoedRETRCapture(t *testing.T) string {
	c, path := newWireCap(t)
	s := openWireSession(c)
	s.reply("220 (vsFTPd 3.0.5)")
	s.cmd("USER alice")
	s.reply("331 Please specify the password.")
	s.cmd("PASS secret")
	s.reply("230 Login successful.")
	s.cmd("USER bob")
	s.reply("331 Please specify the password.")
	s.ctl.aseq += 7 // client bytes the capture lost
	s.cmd("RETR report.txt")
	s.reply("550 Failed to open file report.txt.")
	s.quit()
	c.w = nil
	return path
}

// TestSummaryRefusedLineMasksAsTranscript: the summary list's "X
// refused: CODE TEXT" line masks what the transcript masks, no more and
// no less: a line taken for a password (a RETR after a PASS's bare CR)
// is hidden whole, verb and argument, unless --show-passwords; a reply
// taken for an echo of one is hidden unless --show-passwords, and shown
// with it. Before, --summary printed "RETR hunter2 refused" (the
// password) and, with --show-passwords, still "550 ********".
func TestSummaryRefusedLineMasksAsTranscript(t *testing.T) {
	secret, echoed := secretRETRCapture(t), echoedRETRCapture(t)
	for _, tc := range []struct {
		name       string
		path       string
		show       bool
		want, line string // line: the transcript's for the command, the same masking
	}{
		{"password line", secret, false, "******** ******** refused: 550 Failed to open file.", "<-- ******** ********"},
		{"password line shown", secret, true, "RETR hunter2 refused: 550 Failed to open file.", "<-- RETR hunter2"},
		{"echoed reply", echoed, false, "RETR report.txt refused: 550 ********", "--> 550 ********"},
		{"echoed reply shown", echoed, true, "RETR report.txt refused: 550 Failed to open file report.txt.", "--> 550 Failed to open file report.txt."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"--summary", tc.path}
			full := []string{"--full", tc.path}
			if tc.show {
				args = append([]string{"--show-passwords"}, args...)
				full = append([]string{"--show-passwords"}, full...)
			}
			out, errs, code := readText(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if !strings.Contains(out, "      "+tc.want+"\n") {
				t.Errorf("summary list lacks %q:\n%s", tc.want, out)
			}
			if !tc.show && strings.Contains(out, "hunter2") {
				t.Errorf("summary shows the password without --show-passwords:\n%s", out)
			}
			transcript, _, _ := readText(t, full...)
			if !strings.Contains(transcript, tc.line) {
				t.Errorf("transcript lacks %q (the masking the summary must match):\n%s", tc.line, transcript)
			}
		})
	}
}
