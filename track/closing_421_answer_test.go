package track

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestClosing421AnswersItsCommand guards a 421 that answers the command
// it came after, though the server closes the session right after it
// (RFC 959 4.2: a 421 may answer any command). FileZilla Server 0.9
// answers a PORT naming an address other than the control connection's
// with "421 Rejected command, requested IP address does not match control
// connection IP." and closes; it answers the PASS that passed its limit
// of failed logins with "421 Temporarily banned for too many failed
// login attempts" and closes. Taken for a session event, the PORT read
// "interrupted" and its refusal (nat-mismatch) and the failed login
// vanished. A 421 whose words are the server's own reason for closing (a
// timeout, a shutdown, the stock "Service not available", a connection
// limit) stays the session event that interrupts the pending commands.
func TestClosing421AnswersItsCommand(t *testing.T) {
	tests := []struct {
		name    string
		verb    string // the command the 421 follows (after a login, or after USER's 331 for PASS)
		arg     string
		text    string
		answers bool // the 421 is the command's reply (else: interrupted, an unsolicited event)
	}{
		{"FileZilla: PORT to another address", "PORT", "192,168,1,10,195,81", "Rejected command, requested IP address does not match control connection IP.", true},
		{"FileZilla: PASS past the failed logins", "PASS", "x", "Temporarily banned for too many failed login attempts", true},
		{"PASS: too many failed attempts, closing", "PASS", "x", "Too many failed login attempts, closing connection.", true},
		{"idle timeout crossing a NOOP", "NOOP", "", "Timeout.", false},
		{"stock closing text", "PWD", "", "Service not available, closing control connection.", false},
		{"login timeout after a PASS", "PASS", "x", "Login timeout (300 seconds): closing control connection.", false},
		{"connection limit after a PASS", "PASS", "x", "Too many users logged in for this account.", false},
		{"per-address limit after a PORT", "PORT", "198,51,100,7,195,81", "There are too many connections from your internet address.", false},
		{"words that say nothing of the command", "PWD", "", "Goodbye.", false},
		// The server's own reasons, whatever words of a login they hold:
		// its login timer (FileZilla Server 0.9), a block of the address
		// that names no failed login (the right password would not get
		// in: session-refused's ban advice), a per-user limit.
		{"login timer after a PASS", "PASS", "x", "Login time exceeded. Closing control connection.", false},
		{"address blocked after a PASS", "PASS", "x", "Access denied: your IP address is blocked.", false},
		{"per-user login limit after a PASS", "PASS", "x", "Too many concurrent logins for this user, try again later.", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			if tc.verb == "PASS" {
				s.cmd("USER", "alice")
				s.reply(331, "Password required for alice")
			} else {
				s.login()
			}
			s.cmd(tc.verb, tc.arg)
			s.reply(421, tc.text)
			sess := s.end()
			c := sess.Commands[len(sess.Commands)-1]
			unsolicited := 0
			for _, e := range sess.Events {
				if e.Kind == EventUnsolicited && e.Code == 421 {
					unsolicited++
				}
			}
			if !tc.answers {
				if c.Status != StatusInterrupted || len(c.Replies) != 0 || unsolicited != 1 {
					t.Errorf("%s status %v replies %d, %d unsolicited 421 events: want interrupted, no reply, one event", c.Verb, c.Status, len(c.Replies), unsolicited)
				}
				return
			}
			if c.Status != StatusAnswered || c.Final() == nil || c.Final().Code != 421 || unsolicited != 0 {
				t.Fatalf("%s status %v final %+v, %d unsolicited 421 events: want answered by the 421, no event", c.Verb, c.Status, c.Final(), unsolicited)
			}
			switch tc.verb {
			case "PORT":
				if !c.Refused || c.Data != nil {
					t.Errorf("PORT refused %v data %+v: want refused, nothing armed", c.Refused, c.Data)
				}
			case "PASS":
				if sess.Login != LoginFailed {
					t.Errorf("login %v, want failed", sess.Login)
				}
			}
		})
	}
	t.Run("the server's first word refuses the connection", func(t *testing.T) {
		// A client that sent USER before the greeting, and a server that
		// bans its address: the 421 answers the connection (RFC 959 5.4),
		// and the USER is interrupted (session-refused reads it so).
		rec := &recorder{}
		s := &session{t: t, trk: New(rec, Options{}), rec: rec, now: t0}
		s.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
		s.cmd("USER", "alice")
		s.reply(421, "Your IP address is banned.")
		sess := s.end()
		if u := sess.Commands[0]; u.Status != StatusInterrupted || len(u.Replies) != 0 {
			t.Errorf("USER status %v replies %d: want interrupted, no reply", u.Status, len(u.Replies))
		}
	})
	t.Run("commands after the answered one get no reply", func(t *testing.T) {
		s := newSession(t)
		s.login()
		s.cmd("PORT", "192,168,1,10,195,81")
		s.cmd("LIST", "")
		s.reply(421, "Rejected command, requested IP address does not match control connection IP.")
		sess := s.end()
		port, list := sess.Commands[2], sess.Commands[3]
		if port.Status != StatusAnswered || port.Final() == nil || port.Final().Code != 421 || !port.Refused {
			t.Errorf("PORT status %v final %+v refused %v: want answered by the 421, refused", port.Status, port.Final(), port.Refused)
		}
		if list.Status != StatusNoReply || len(list.Replies) != 0 {
			t.Errorf("LIST status %v replies %d: want no reply", list.Status, len(list.Replies))
		}
		for _, e := range sess.Events {
			if e.Kind == EventUnsolicited {
				t.Errorf("unsolicited event %+v: the 421 answered the PORT", e)
			}
		}
	})
}
