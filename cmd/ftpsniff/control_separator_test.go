package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestNULAfterVerbIsCommand guards a command whose verb a NUL ends, as
// some embedded clients send it ("QUIT\x00", ftp.CmdControlSeparator): it
// is that command, its reply paired with it, the NUL shown escaped right
// after the verb; it read "not FTP" and its reply "a reply without a
// command". A PASS so written is a PASS, masked, and so is a refusal
// that repeats its password.
func TestNULAfterVerbIsCommand(t *testing.T) {
	path := writeVsftpdSessions(t, [][][2]string{{
		{"USER alice", "331 Please specify the password."},
		{"PASS\x00Hunter2Zq", "530 Login incorrect: alice/Hunter2Zq"},
		{"USER alice", "331 Please specify the password."},
		{"PASS secret", "230 Login successful."},
		{"NOOP\x00", "200 NOOP ok."},
		{"QUIT\x00", "221 Goodbye."},
	}})
	var out, errb bytes.Buffer
	run([]string{"read", "--color", "never", path}, &out, &errb)
	text := out.String()
	for _, want := range []string{`<-- NOOP\x00`, `<-- QUIT\x00`, `<-- PASS ********`, "--> 221 Goodbye."} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	for _, bad := range []string{"not FTP", "without a command", "Hunter2Zq"} {
		if strings.Contains(text, bad) {
			t.Errorf("output has %q:\n%s", bad, text)
		}
	}
	recs := jsonRecords(t, "read", "--json", path)
	var verbs []string
	for _, c := range ofType(recs, "command") {
		verbs = append(verbs, c["command"].(string))
	}
	if got := strings.Join(verbs, " "); got != "USER PASS USER PASS NOOP QUIT" {
		t.Errorf("commands %q", got)
	}
}
