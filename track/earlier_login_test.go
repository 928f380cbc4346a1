package track

import (
	"testing"
	"unsafe"
)

// TestEarlierLoginKeptWhenReplaced: a login that succeeded and that a
// later attempt replaced (after a REIN, or a USER the server took while
// logged in) is the session's EarlierLogin; User and Login tell the
// latest attempt. Before, a failed attempt after REIN left only "user
// bob, login failed": alice's login and transfer were hidden
// (rv-dialects misc.pcap session 1).
func TestEarlierLoginKeptWhenReplaced(t *testing.T) {
	loginAs := func(s *session, user string, code int) {
		s.cmd("USER", user)
		s.reply(331, "Please specify the password.")
		s.cmd("PASS", "pw")
		s.reply(code, "Login successful or not.")
	}
	rein := func(s *session) {
		s.cmd("REIN", "")
		s.reply(220, "Service ready for new user.")
	}
	tests := []struct {
		name    string
		after   func(s *session)
		user    string
		login   LoginState
		earlier string
		ok      bool
	}{
		{"REIN, then a failed login", func(s *session) { rein(s); loginAs(s, "bob", 530) }, "bob", LoginFailed, "alice", true},
		{"REIN, then a USER refused", func(s *session) {
			rein(s)
			s.cmd("USER", "bob")
			s.reply(530, "User cannot log in.")
		}, "bob", LoginFailed, "alice", true},
		{"REIN, then a password refused", func(s *session) {
			rein(s)
			s.cmd("PASS", "again")
			s.reply(530, "Login incorrect.")
		}, "alice", LoginFailed, "alice", true},
		{"REIN, then a login not completed", func(s *session) {
			rein(s)
			s.cmd("USER", "bob")
			s.reply(331, "Password required for bob.")
		}, "bob", LoginPending, "alice", true},
		{"REIN, then another user's login", func(s *session) { rein(s); loginAs(s, "bob", 230) }, "bob", LoginOK, "alice", true},
		{"USER taken while logged in, then refused", func(s *session) { loginAs(s, "bob", 530) }, "bob", LoginFailed, "alice", true},
		{"two replaced: the latest", func(s *session) {
			rein(s)
			loginAs(s, "bob", 230)
			rein(s)
			loginAs(s, "carol", 530)
		}, "carol", LoginFailed, "bob", true},
		{"a failed attempt replaces none", func(s *session) {
			rein(s)
			loginAs(s, "bob", 530)
			rein(s)
			loginAs(s, "carol", 530)
		}, "carol", LoginFailed, "alice", true},
		// Nothing replaced the login: none to tell.
		{"REIN alone", rein, "alice", LoginOK, "", false},
		{"USER refused while logged in", func(s *session) {
			s.cmd("USER", "root")
			s.reply(530, "Can't change to another user.")
		}, "alice", LoginOK, "", false},
		{"no REIN", func(s *session) {}, "alice", LoginOK, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			loginAs(s, "alice", 230)
			tt.after(s)
			sess := s.end()
			if sess.User != tt.user || sess.Login != tt.login {
				t.Errorf("user %q login %d, want %q %d", sess.User, sess.Login, tt.user, tt.login)
			}
			if user, ok := sess.EarlierLogin(); user != tt.earlier || ok != tt.ok {
				t.Errorf("EarlierLogin %q %v, want %q %v", user, ok, tt.earlier, tt.ok)
			}
		})
	}
}

// TestXferMemoSizeClass: the memo a session allocates at its first
// announcement stays in the 256-byte allocation class with the replaced
// login's pointer (EarlierLogin): every announcing session pays for it.
func TestXferMemoSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(xferMemo{}); n > 256 {
		t.Errorf("xferMemo is %d bytes, past the 256-byte size class", n)
	}
}
