package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestPasswordAfterCRNeverShown: the captures of testdata/leaks (see its
// README) show no part of their password in any output: a PASS after a
// CR with a tab for its space, a PASS's argument with a CR and a command
// word in it (the whole line is the password to a server reading to the
// LF), a refusal repeating the password's head cut short. Each still
// shows its login (user bob).
func TestPasswordAfterCRNeverShown(t *testing.T) {
	for _, name := range []string{"cr_noop_pass_tab", "pass_cr_noop", "cr_verbs", "echo_part"} {
		capFile := "testdata/leaks/" + name + ".pcap"
		for _, args := range [][]string{{"read", "--color", "never", "--full"}, {"read", "--json"}, {"read", "--format", "zeek"}} {
			var stdout, stderr bytes.Buffer
			if code := run(append(args, capFile), &stdout, &stderr); code != 0 {
				t.Fatalf("%s %q: exit %d: %s", name, args, code, stderr.String())
			}
			out := strings.ToLower(stdout.String() + stderr.String())
			for _, secret := range []string{"zq9s", "retpw", "secretpw"} {
				if strings.Contains(out, secret) {
					t.Errorf("%s %q shows the password (%q):\n%s", name, args, secret, stdout.String())
				}
			}
			if !strings.Contains(out, "bob") {
				t.Errorf("%s %q: no login of bob:\n%s", name, args, stdout.String())
			}
		}
	}
}

// TestUnterminatedCommandAtItsTime: a DELE sent with no line end and
// reset 50 ms later (testdata/leaks/forged_srv_rst_noeol.pcap) is shown
// at the time it was sent, marked as having no line end, and the
// control-reset finding counts from it: not "0.000s after".
func TestUnterminatedCommandAtItsTime(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--color", "never", "--full", "testdata/leaks/forged_srv_rst_noeol.pcap"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"+0.009 <-- DELE important.db  [no line end]", "0.050s after the client's DELE"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	stdout.Reset()
	if code := run([]string{"read", "--json", "testdata/leaks/forged_srv_rst_noeol.pcap"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"command":"DELE","arg":"important.db","status":"no-reply","replies":[],"unterminated":true`) {
		t.Errorf("DELE not marked unterminated in JSON:\n%s", stdout.String())
	}
}
