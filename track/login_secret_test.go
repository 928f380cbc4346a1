package track

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestRefusedReloginKeepsLogin: a USER (or PASS) the server refuses
// while a login stands leaves that login and its user
// (vsftpd_reuser.pcap: alice's 230, then "USER root" -> "530 Can't change
// to another user."); after a REIN, or a USER the server takes with 331,
// the new attempt is the session's login, failed or not.
func TestRefusedReloginKeepsLogin(t *testing.T) {
	loginAs := func(s *session, user string) {
		s.cmd("USER", user)
		s.reply(331, "Please specify the password.")
		s.cmd("PASS", "pw")
		s.reply(230, "Login successful.")
	}
	tests := []struct {
		name  string
		after func(s *session)
		user  string
		login LoginState
	}{
		{"USER refused", func(s *session) {
			s.cmd("USER", "root")
			s.reply(530, "Can't change to another user.")
		}, "alice", LoginOK},
		{"PASS refused", func(s *session) {
			s.cmd("PASS", "again")
			s.reply(503, "Already logged in.")
		}, "alice", LoginOK},
		{"after REIN", func(s *session) {
			s.cmd("REIN", "")
			s.reply(220, "Service ready for new user.")
			s.cmd("USER", "mallory")
			s.reply(530, "User cannot log in.")
		}, "mallory", LoginFailed},
		{"after REIN, PASS refused", func(s *session) {
			s.cmd("REIN", "")
			s.reply(220, "Service ready for new user.")
			s.cmd("USER", "mallory")
			s.reply(331, "Password required for mallory.")
			s.cmd("PASS", "guess")
			s.reply(530, "User cannot log in.")
		}, "mallory", LoginFailed},
		{"USER taken with 331", func(s *session) {
			s.cmd("USER", "bob")
			s.reply(331, "Previous account information was flushed, send password.")
			s.cmd("PASS", "guess")
			s.reply(530, "Authentication failed.")
		}, "bob", LoginFailed},
		{"REIN, then a new login, then a refused USER", func(s *session) {
			s.cmd("REIN", "")
			s.reply(220, "Service ready for new user.")
			loginAs(s, "carol")
			s.cmd("USER", "root")
			s.reply(530, "Can't change to another user.")
		}, "carol", LoginOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			loginAs(s, "alice")
			tt.after(s)
			sess := s.end()
			if sess.User != tt.user || sess.Login != tt.login {
				t.Errorf("user %q login %d, want %q %d", sess.User, sess.Login, tt.user, tt.login)
			}
		})
	}
}

// TestEPSVAllAccepted: a 2yz to EPSV ALL accepts it (RFC 2428 section 4):
// not refused, and nothing is expected from it.
func TestEPSVAllAccepted(t *testing.T) {
	for _, tt := range []struct {
		arg     string
		code    int
		refused bool
	}{
		{"ALL", 200, false},
		{"all", 200, false},
		{"ALL", 500, true},
		{"", 500, true},
		{"", 200, true}, // a 200 announces nothing to a plain EPSV
	} {
		s := newSession(t)
		s.login()
		s.cmd("EPSV", tt.arg)
		s.reply(tt.code, "EPSV ALL command successful")
		s.end()
		c := s.rec.commands[len(s.rec.commands)-1]
		if c.Verb != "EPSV" || c.Refused != tt.refused || c.Data != nil {
			t.Errorf("EPSV %q -> %d: verb %s refused %v data %v, want refused %v and no data", tt.arg, tt.code, c.Verb, c.Refused, c.Data, tt.refused)
		}
		if len(s.rec.data) != 0 {
			t.Errorf("EPSV %q -> %d armed %d data connections", tt.arg, tt.code, len(s.rec.data))
		}
	}
}

// TestSecretLineIsNoTransfer: a line taken for a password that reads like
// a transfer (after a 331: "RETR SECRETD1") is linked to no data
// connection, so no data record or extracted file names it
// (secret-transfer-line.pcap).
func TestSecretLineIsNoTransfer(t *testing.T) {
	s := newSession(t)
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,200,1)")
	s.cmd("USER", "bob")
	s.reply(331, "pw")
	s.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "RETR", Arg: "SECRETD1"}, Secret: true})
	s.reply(150, "ok")
	s.handshakeTransfer(cli, netip.MustParseAddrPort("192.0.2.10:51201"), 8)
	s.reply(226, "done")
	s.end()
	for _, d := range s.rec.data {
		if d.Command != nil {
			t.Errorf("data #%d linked to %s %s", d.ID, d.Command.Verb, d.Command.Arg)
		}
	}
	for _, c := range s.rec.commands {
		if c.Secret && len(c.Transfer) > 0 {
			t.Errorf("secret line %s used %d data connections", c.Verb, len(c.Transfer))
		}
	}
}

// TestSecretEchoCarried: decode's SecretEcho reaches the reply the
// tracker keeps, paired or not, and SecretArg the command.
func TestSecretEchoCarried(t *testing.T) {
	s := newSession(t)
	s.cmd("USER", "bob")
	s.reply(331, "pw")
	s.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "HUNTER2ECHO"}, Secret: true})
	s.ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 500, Text: "HUNTER2ECHO: command not understood."}, SecretEcho: true})
	s.ctl(decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 500, Text: "PASS\tTABSECRET9: command not understood."}, SecretEcho: true})
	s.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "SITE", Arg: "PSWD a b"}, SecretArg: true})
	s.reply(230, "Password changed okay.")
	s.end()
	var echoed, site bool
	for _, c := range s.rec.commands {
		if c.Verb == "HUNTER2ECHO" {
			echoed = len(c.Replies) == 1 && c.Replies[0].Secret
		}
		if c.Verb == "SITE" {
			site = c.SecretArg && !c.Secret && !c.Replies[0].Secret
		}
	}
	if !echoed || !site {
		t.Errorf("paired echo secret %v, SITE PSWD marked %v", echoed, site)
	}
	n := 0
	for _, e := range s.rec.events {
		if e.Code == 500 {
			n++
			if !e.Secret {
				t.Errorf("unpaired echo %q not secret", e.Text)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d unpaired 500 events, want 1", n)
	}
}
