package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestEvidenceMasksSecrets: evidence never quotes a reply that repeats a
// password line (a login-attack finding quotes the latest failure's
// reply: "500 HUNTER2ECHO: command not understood."), nor a SITE PSWD's
// passwords.
func TestEvidenceMasksSecrets(t *testing.T) {
	r := &track.Reply{Code: 500, Text: "HUNTER2ECHO: command not understood.", Secret: true}
	if got := replyText(r); strings.Contains(got, "HUNTER2") || !strings.HasPrefix(got, "500 ") {
		t.Errorf("replyText = %q", got)
	}
	c := &track.Command{Verb: "SITE", Arg: "PSWD OldSecret1 NewSecret2", SecretArg: true}
	if got := commandText(c); got != "SITE PSWD ****" {
		t.Errorf("commandText = %q, want %q", got, "SITE PSWD ****")
	}
	plain := &track.Reply{Code: 530, Text: "Login incorrect."}
	if got := replyText(plain); got != "530 Login incorrect." {
		t.Errorf("replyText = %q", got)
	}
}

// TestRefusalWhileLoggedInIsNoFailure: a USER the server refuses while a
// login stands (vsftpd_reuser.pcap: "530 Can't change to another user."),
// which the tracker leaves logged in, is no failed login for the
// brute-force count; the same refusal without a login is.
func TestRefusalWhileLoggedInIsNoFailure(t *testing.T) {
	d := New(policy.Policy{}, nil, nil)
	s := sess("198.51.100.7:50000", "192.0.2.10:21")
	s.User, s.Login = "alice", track.LoginOK
	c := cmd(s, 10, "USER", "root", 530, "Can't change to another user.")
	d.loginFailure(s, c)
	if n := len(d.logins.by); n != 0 {
		t.Errorf("refusal while logged in counted: %d pairs", n)
	}
	s.Login = track.LoginFailed
	d.loginFailure(s, c)
	if n := len(d.logins.by); n != 1 {
		t.Errorf("refusal without a login: %d pairs, want 1", n)
	}
}
