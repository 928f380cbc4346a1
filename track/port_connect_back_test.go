package track

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestPortConnectBackFailure guards the reading of a reply to PORT/EPRT
// from a server that connects back at the PORT itself, not at the
// transfer (pyftpdlib, Twisted): its 425 when that connection fails is no
// refusal of the command. The announcement stands (not Refused), and the
// data connection the server tried, when the capture shows its SYN, is
// kept with its outcome. A 5yz (vsftpd's "500 Illegal PORT command.", its
// "550 Permission denied." with port_enable=NO, a 502 not implemented)
// refuses the command, and a refusal before any SYN arms nothing.
func TestPortConnectBackFailure(t *testing.T) {
	dcli := netip.MustParseAddrPort("198.51.100.7:50001") // PORT 198,51,100,7,195,81
	asrv := netip.MustParseAddrPort("192.0.2.10:38416")   // the server's own port for its connect
	const isn = 4242
	tests := []struct {
		name        string
		verb, arg   string
		wire        func(s *session) // between the command and its reply
		code        int
		text        string
		wantRefused bool
		wantData    Outcome // OutcomePending: no data connection kept
	}{
		{"PORT, the client's RST to the server's SYN, 425 (Twisted)", "PORT", "198,51,100,7,195,81", func(s *session) {
			s.segAck(asrv, dcli, decode.FlagSYN, isn, 0, 0)
			s.segAck(dcli, asrv, decode.FlagRST|decode.FlagACK, 0, isn+1, 0)
		}, 425, "Can't open data connection.", false, OutcomeRefused},
		{"EPRT, the client's RST to the server's SYN, 425 (pyftpdlib)", "EPRT", "|1|198.51.100.7|50001|", func(s *session) {
			s.segAck(asrv, dcli, decode.FlagSYN, isn, 0, 0)
			s.segAck(dcli, asrv, decode.FlagRST|decode.FlagACK, 0, isn+1, 0)
		}, 425, "Can't connect to specified address.", false, OutcomeRefused},
		{"PORT, SYNs unanswered, 425", "PORT", "198,51,100,7,195,81", func(s *session) {
			s.segAck(asrv, dcli, decode.FlagSYN, isn, 0, 0)
			s.segAck(asrv, dcli, decode.FlagSYN, isn, 0, 0)
		}, 425, "Can't open data connection.", false, OutcomeUnanswered},
		{"PORT, no SYN in the capture, 425", "PORT", "198,51,100,7,195,81", nil,
			425, "Can't connect to specified address.", false, OutcomePending},
		{"PORT, vsftpd's address refusal", "PORT", "198,51,100,7,195,81", nil,
			500, "Illegal PORT command.", true, OutcomePending},
		{"PORT, vsftpd port_enable=NO", "PORT", "198,51,100,7,195,81", nil,
			550, "Permission denied.", true, OutcomePending},
		{"EPRT, not implemented", "EPRT", "|1|198.51.100.7|50001|", nil,
			502, "Command 'EPRT' not implemented", true, OutcomePending},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd(tc.verb, tc.arg)
			if tc.wire != nil {
				tc.wire(s)
			}
			s.reply(tc.code, tc.text)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			sess := s.end()
			var c *Command
			for _, x := range sess.Commands {
				if x.Verb == tc.verb {
					c = x
				}
			}
			if c == nil || c.Status != StatusAnswered || c.Final() == nil || c.Final().Code != tc.code {
				t.Fatalf("%s not answered by its %d: %+v", tc.verb, tc.code, c)
			}
			if c.Refused != tc.wantRefused {
				t.Errorf("Refused = %v, want %v", c.Refused, tc.wantRefused)
			}
			if tc.wantData == OutcomePending {
				if c.Data != nil || len(s.rec.data) != 0 {
					t.Errorf("a data connection kept (%d records), want none", len(s.rec.data))
				}
				return
			}
			if c.Data == nil || len(s.rec.data) != 1 {
				t.Fatalf("data connection %v, %d records: want the one the server tried", c.Data, len(s.rec.data))
			}
			if d := s.rec.data[0]; d != c.Data || d.Outcome != tc.wantData || d.Client != asrv || d.Server != dcli {
				t.Errorf("data %v -> %v outcome %v, want %v -> %v %v", d.Client, d.Server, d.Outcome, asrv, dcli, tc.wantData)
			}
		})
	}
}

// TestHeld421 guards the pairing of a 421 that comes while commands wait.
// RFC 959 lets a 421 answer any command when the server is closing; a
// server may also answer one command with 421 and go on: pyftpdlib's "421
// Active data channel timed out." to a PORT whose connection back got no
// answer, after which the client's QUIT gets its 221. When the server
// answers again after the 421, the 421 was the head command's reply (no
// unsolicited event, nothing interrupted); when the session ends with no
// word of the server's after it, or the server's next word is an unasked
// 221, the pending commands were interrupted and the 421 is an
// unsolicited event, in its own place among the session's entries.
func TestHeld421(t *testing.T) {
	dcli := netip.MustParseAddrPort("198.51.100.7:50001")
	asrv := netip.MustParseAddrPort("192.0.2.10:43741")
	t.Run("the session goes on: the PORT's reply", func(t *testing.T) {
		s := newSession(t)
		s.login()
		s.cmd("PORT", "198,51,100,7,195,81")
		s.segAck(asrv, dcli, decode.FlagSYN, 99, 0, 0)
		s.segAck(asrv, dcli, decode.FlagSYN, 99, 0, 0)
		s.reply(421, "Active data channel timed out.")
		s.cmd("QUIT", "")
		s.reply(221, "Goodbye.")
		sess := s.end()
		port, quit := sess.Commands[2], sess.Commands[3]
		if port.Status != StatusAnswered || port.Final() == nil || port.Final().Code != 421 || port.Refused {
			t.Errorf("PORT status %v final %+v refused %v: want answered by the 421, not refused", port.Status, port.Final(), port.Refused)
		}
		if quit.Status != StatusAnswered || quit.Final() == nil || quit.Final().Code != 221 {
			t.Errorf("QUIT status %v final %+v: want answered by the 221", quit.Status, quit.Final())
		}
		for _, e := range sess.Events {
			if e.Kind == EventUnsolicited {
				t.Errorf("unsolicited event %+v: the 421 answered the PORT", e)
			}
		}
		if port.Data == nil || port.Data.Outcome != OutcomeUnanswered {
			t.Errorf("PORT data %+v: want the server's unanswered connection", port.Data)
		}
	})
	t.Run("a transfer waits: interrupted at once", func(t *testing.T) {
		// The transfer's 421 stays the closing reply it was (transfer-
		// aborted and extract read it so), even when the session goes on.
		s := newSession(t)
		s.login()
		s.cmd("RETR", "f")
		s.reply(150, "Opening BINARY mode data connection.")
		s.reply(421, "Passive data channel timed out.")
		s.cmd("QUIT", "")
		s.reply(221, "Goodbye.")
		sess := s.end()
		retr := sess.Commands[2]
		if retr.Status != StatusInterrupted {
			t.Errorf("RETR status %v, want interrupted", retr.Status)
		}
		n := 0
		for _, e := range sess.Events {
			if e.Kind == EventUnsolicited && e.Code == 421 {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d unsolicited 421 events, want 1", n)
		}
	})
	closing := []struct {
		name string
		tail func(s *session) // after the 421
	}{
		{"nothing after it", func(*session) {}},
		{"a QUIT after it, no reply", func(s *session) { s.cmd("QUIT", "") }},
		{"the server's unasked 221 after it", func(s *session) { s.reply(221, "Goodbye.") }},
	}
	for _, tc := range closing {
		t.Run("the server closes: "+tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("NOOP", "")
			s.cmd("PWD", "")
			s.reply(421, "Service not available, closing control connection.")
			tc.tail(s)
			sess := s.end()
			noop, pwd := sess.Commands[2], sess.Commands[3]
			for _, c := range []*Command{noop, pwd} {
				if c.Status != StatusInterrupted || len(c.Replies) != 0 {
					t.Errorf("%s status %v replies %d: want interrupted, no reply", c.Verb, c.Status, len(c.Replies))
				}
			}
			var ev *Event
			for i := range sess.Events {
				if e := &sess.Events[i]; e.Kind == EventUnsolicited && e.Code == 421 {
					ev = e
				}
			}
			if ev == nil {
				t.Fatalf("no unsolicited 421 event: %+v", sess.Events)
			}
			if ev.Seq <= pwd.Seq {
				t.Errorf("421 event seq %d not after the PWD's %d", ev.Seq, pwd.Seq)
			}
			if len(sess.Commands) > 4 {
				if q := sess.Commands[4]; ev.Seq >= q.Seq || q.Status != StatusNoReply {
					t.Errorf("QUIT seq %d status %v, 421 event seq %d: want the event before it, the QUIT unanswered", q.Seq, q.Status, ev.Seq)
				}
			}
		})
	}
}
