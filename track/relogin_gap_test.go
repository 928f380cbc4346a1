package track

import "testing"

// TestReloginAskedAfterGapNamesNoUser guards a 331 or 332 that answers a
// command a capture gap took (a USER lost whole, or cut: decode delivers
// no cut USER) while a login stands: a new login begins, its user not
// known. A 530 to its PASS fails it (the server's failed-login count has
// it), a 230 proves it, neither the earlier login's nor its user's
// (which stays the session's EarlierLogin). Before, the 530 read as a
// refusal while the login stood ("user alice, logged in") and a 230
// credited alice with what the new user did. A reply no new login draws
// (vsftpd's "530 Can't change to another user.") leaves the login, and a
// 331 before any login names no one either way.
func TestReloginAskedAfterGapNamesNoUser(t *testing.T) {
	loginAs := func(s *session, user string) {
		s.cmd("USER", user)
		s.reply(331, "Please specify the password.")
		s.cmd("PASS", "pw")
		s.reply(230, "Login successful.")
	}
	tests := []struct {
		name    string
		before  func(s *session)
		after   func(s *session)
		user    string
		login   LoginState
		earlier string
		ok      bool
	}{
		{"331, then its PASS refused", func(s *session) { loginAs(s, "alice") }, func(s *session) {
			s.reply(331, "Password required for administrator")
			s.cmd("PASS", "guess")
			s.reply(530, "Login incorrect.")
		}, "", LoginFailed, "alice", true},
		{"331, then its PASS taken", func(s *session) { loginAs(s, "alice") }, func(s *session) {
			s.reply(331, "Password required for administrator")
			s.cmd("PASS", "guess")
			s.reply(230, "Logged in as administrator")
		}, "", LoginOK, "alice", true},
		{"332, then its ACCT refused", func(s *session) { loginAs(s, "alice") }, func(s *session) {
			s.reply(332, "Need account for login.")
			s.cmd("ACCT", "acct")
			s.reply(530, "Login incorrect.")
		}, "", LoginFailed, "alice", true},
		{"331 and nothing after", func(s *session) { loginAs(s, "alice") }, func(s *session) {
			s.reply(331, "Password required for administrator")
		}, "", LoginPending, "alice", true},
		{"a USER refused while logged in", func(s *session) { loginAs(s, "alice") }, func(s *session) {
			s.reply(530, "Can't change to another user.")
		}, "alice", LoginOK, "", false},
		{"331 before any login", func(s *session) {}, func(s *session) {
			s.reply(331, "Password required for administrator")
			s.cmd("PASS", "guess")
			s.reply(530, "Login incorrect.")
		}, "", LoginFailed, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			tt.before(s)
			s.clientGapOf(20) // "USER administrator\r\n", or its cut rest
			tt.after(s)
			sess := s.end()
			if sess.User != tt.user || sess.Login != tt.login {
				t.Errorf("user %q login %d, want %q %d", sess.User, sess.Login, tt.user, tt.login)
			}
			if user, ok := sess.EarlierLogin(); user != tt.earlier || ok != tt.ok {
				t.Errorf("earlier login %q %v, want %q %v", user, ok, tt.earlier, tt.ok)
			}
		})
	}
}
