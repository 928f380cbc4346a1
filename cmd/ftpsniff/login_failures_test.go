package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestServerSummaryShowsFailedLogins guards login-brute-force's "later
// failures from this address are counted in the server summary": no
// server summary held a failed-login count, in text, JSON or the report,
// and a second spraying burst hours later showed only as plain "login
// failed" lines. Each shows the count and its client addresses.
func TestServerSummaryShowsFailedLogins(t *testing.T) {
	const capFile = viewRealDir + "login-brute-force.pcap"
	var out, errb bytes.Buffer
	run([]string{"read", "--summary", "--color", "never", capFile}, &out, &errb)
	if !strings.Contains(out.String(), "\n  logins: 8 failed, from 1 client address\n") {
		t.Errorf("text summary lacks the logins line:\n%s", out.String())
	}
	out.Reset()
	run([]string{"read", "--json", capFile}, &out, &errb)
	if !strings.Contains(out.String(), `"login_failures":8,"login_failure_clients":1}`) {
		t.Errorf("server record lacks the count:\n%s", out.String())
	}
	html, _, _ := runReport(t, capFile)
	if !strings.Contains(html, "; logins: 8 failed, from 1 client address</p>") {
		t.Error("report's server lacks the count")
	}
	for _, tc := range []struct {
		s    diagnose.ServerSummary
		want string
	}{
		{diagnose.ServerSummary{}, ""},
		{diagnose.ServerSummary{LoginFailures: 3, LoginFailureClients: 2}, "3 failed, from 2 client addresses"},
		{diagnose.ServerSummary{LoginFailures: 90000, LoginFailureClients: diagnose.MaxLoginFailureClients, LoginFailureClientsMore: true}, "90000 failed, from more than 1024 client addresses"},
	} {
		if got := loginFailuresWords(tc.s); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.s, got, tc.want)
		}
	}
}
