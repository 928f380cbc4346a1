package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestFinalReply250ThenHang guards the shapes in which a client that
// waits for a 226 ends after a transfer the server ended with 250: it
// says nothing more until the server's idle timeout closes the session
// (an unsolicited "421 Timeout.", or the server's FIN), or until its
// user stops it (a FIN without a QUIT), after a long silence. Each is
// the warning; a client that went on, a session still open at the
// capture's end, and a close without a QUIT seconds after the 250 (a
// script done, as Python's ftplib close() ends) are nothing. When only a
// client's reset counted as hung, the 421 after 300 s silent (the
// reviewer's u1-250-hang-server-timeout.pcap) gave no finding at all.
func TestFinalReply250ThenHang(t *testing.T) {
	build := func(after time.Duration, end track.EndReason, clientClosed bool, closing int, quit bool) *track.Session {
		s := sess("10.0.0.5:43000", "10.0.0.1:21")
		dc := announce(s, 20, "PASV", ftp.ViaPASV, "10.0.0.1:40000", 227, "Entering Passive Mode (10,0,0,1,156,64).")
		x := &track.Command{Index: len(s.Commands) + 1, TS: at(22), Num: 22, Verb: "RETR", Arg: "a.txt", Status: track.StatusAnswered,
			Replies: []track.Reply{{Code: 150, Text: "Opening BINARY mode data connection.", TS: at(23), Num: 23},
				{Code: 250, Text: "Transfer complete.", TS: at(30), Num: 30}}}
		s.Commands = append(s.Commands, x)
		s.NoteCommand(x)
		syn(dc, "10.0.0.5:43001", "10.0.0.1:40000", 24, 1, 0)
		dc.SynAckTS, dc.Match, dc.Outcome = at(25), track.MatchExact, track.OutcomeTransferred
		dc.Command, x.Transfer = x, []*track.DataConn{dc}
		endAt := at(30).Add(after)
		if quit {
			cmd(s, 40, "QUIT", "", 221, "Goodbye.")
			endAt = at(42)
		}
		if closing != 0 {
			s.Events = append(s.Events, track.Event{Kind: track.EventUnsolicited, Seq: 1 << 20, TS: endAt, Num: 32, Code: closing, Text: "Timeout."})
		}
		s.CommandCount = len(s.Commands)
		s.End, s.EndReason, s.ClientClosed = endAt.Add(time.Millisecond), end, clientClosed
		return s
	}
	for _, tc := range []struct {
		name         string
		after        time.Duration
		end          track.EndReason
		clientClosed bool
		closing      int
		quit         bool
		want         string // in the warning's message; "" for no finding
	}{
		{"server's 421 after 300 s, capture ends", 300 * time.Second, track.EndCaptureEnd, false, 421, false, `until the server closed the session ("421 Timeout."`},
		{"server's 421 after 300 s, then FIN", 300 * time.Second, track.EndFIN, false, 421, false, "until the server's idle timeout"},
		{"server's FIN after 300 s", 300 * time.Second, track.EndFIN, false, 0, false, "until the server closed the connection"},
		{"client's FIN without QUIT after 60 s", 60 * time.Second, track.EndFIN, true, 0, false, "closed the connection 60.001s later, without a QUIT"},
		{"client's RST after 20 s", 20 * time.Second, track.EndRST, true, 0, false, "reset the connection 20.001s later, without a QUIT"},
		{"client went on", 0, track.EndFIN, true, 0, true, ""},
		{"open at the capture's end", 300 * time.Second, track.EndCaptureEnd, false, 0, false, ""},
		{"client's FIN without QUIT after 2 s", 2 * time.Second, track.EndFIN, true, 0, false, ""},
		{"server's 421 after 5 s", 5 * time.Second, track.EndFIN, false, 421, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := feed(policy.Policy{}, build(tc.after, tc.end, tc.clientClosed, tc.closing, tc.quit))
			f := c.find(CodeUnusualFinalReply)
			switch {
			case tc.want == "" && f != nil:
				t.Errorf("%s %s", f.Severity, f.Message)
			case tc.want == "":
			case f == nil:
				t.Errorf("no unusual-final-reply")
			case f.Severity != SeverityWarning || !strings.Contains(f.Message, tc.want) || !strings.Contains(f.Advice, "accept 250"):
				t.Errorf("%s %s | %s; want a warning saying %q", f.Severity, f.Message, f.Advice, tc.want)
			}
		})
	}
}
