package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestLoginWordsAfterRefusedTLSHandshake guards what a session says of
// its login when the server refused the control channel's TLS handshake:
// BSD ftpd-ssl (pcaps/real/ftpd-ssl-handshake-alert.pcap, session 2)
// accepts AUTH SSL, answers the ClientHello with one alert record and
// closes in clear text (control-tls-failed). Nothing was encrypted, so
// no login was hidden: none was tried. The transcript's header, the
// summary's list of failed sessions and the JSON login_state said "login
// not visible (encrypted)".
func TestLoginWordsAfterRefusedTLSHandshake(t *testing.T) {
	const capture = "../../pcaps/real/ftpd-ssl-handshake-alert.pcap"
	const want, wrong = "no login (TLS handshake failed)", "login not visible (encrypted)"
	for _, view := range []string{"--full", "--summary"} {
		var stdout, stderr bytes.Buffer
		run([]string{"read", "--color", "never", view, capture}, &stdout, &stderr)
		// (The summary's list cuts its lines at the width.)
		out := stdout.String()
		if !strings.Contains(out, want[:len("no login (TLS handshake")]) || strings.Contains(out, wrong[:len("login not visible (encr")]) {
			t.Errorf("read %s: want %q, not %q:\n%s%s", view, want, wrong, out, stderr.String())
		}
	}
	n := 0
	for _, r := range runJSONRecords(t, []string{"read", "--json", capture}) {
		if r["type"] != "session" {
			continue
		}
		n++
		got, _ := r["login_state"].(string)
		switch r["id"] {
		case 1.0:
			if got != "logged in" {
				t.Errorf("session 1 login_state %q, want logged in", got)
			}
		case 2.0:
			if got != want {
				t.Errorf("session 2 login_state %q, want %q", got, want)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d session records, want 2", n)
	}
}
