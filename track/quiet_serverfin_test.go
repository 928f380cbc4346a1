package track

import (
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestQuietBeforeLatestCommand guards the silence the diagnosis reads
// before a session's latest command (a NAT or firewall that forgot an
// idle control connection resets the first command after it): the time
// since the line before it, whatever the session keeps of its commands;
// 0 for one that came soon after the line before it (the silence was an
// earlier command's), and a second command of the same segment keeps the
// first one's.
func TestQuietBeforeLatestCommand(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script func(s *session)
		want   time.Duration
	}{
		{"a command after 10 min of silence", func(s *session) {
			s.tick(10 * time.Minute)
			s.cmd("CWD", "pub")
		}, 10*time.Minute + time.Millisecond},
		{"a command 30 s after the last reply", func(s *session) {
			s.tick(30 * time.Second)
			s.cmd("CWD", "pub")
		}, 0},
		{"a long silence, then a command answered and another", func(s *session) {
			s.tick(10 * time.Minute)
			s.cmd("CWD", "pub")
			s.reply(250, "Directory successfully changed.")
			s.tick(2 * time.Second)
			s.cmd("PWD", "")
		}, 0},
		{"two commands in one segment after a long silence", func(s *session) {
			s.tick(10 * time.Minute)
			s.cmd("CWD", "pub")
			s.num-- // the same segment
			s.tick(-time.Millisecond)
			s.cmd("PWD", "")
		}, 10*time.Minute + time.Millisecond},
	} {
		for _, recent := range []bool{false, true} {
			t.Run(tc.name, func(t *testing.T) {
				s := newSessionWith(t, Options{RecentOnly: recent})
				s.login()
				tc.script(s)
				sess := s.end()
				if got := sess.QuietBeforeLatest(); got != tc.want {
					t.Errorf("RecentOnly %v: quiet %v, want %v", recent, got, tc.want)
				}
			})
		}
	}
}

// TestServerFINAtClose guards Session.ServerFIN: the server had sent its
// FIN when the control connection ended (decode.ControlEvent.ServerFIN),
// kept whether the end was its or the client's reset, and told by a close
// by both FINs.
func TestServerFINAtClose(t *testing.T) {
	for _, tc := range []struct {
		name  string
		close decode.ControlEvent
		want  bool
	}{
		{"the server's FIN, then the client's reset", decode.ControlEvent{Closed: decode.CloseRST, ClientClosed: true, ServerFIN: true}, true},
		{"the server's FIN, then its reset to a command", decode.ControlEvent{Closed: decode.CloseRST, ServerFIN: true}, true},
		{"both FINs", decode.ControlEvent{Closed: decode.CloseFIN, ClientClosed: true, ClientFIN: true, ServerFIN: true}, true},
		{"the client's reset alone", decode.ControlEvent{Closed: decode.CloseRST, ClientClosed: true}, false},
		{"the capture's end", decode.ControlEvent{Closed: decode.CloseCaptureEnd}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "SIZE", Arg: "f"}})
			e := tc.close
			e.Kind = decode.ControlClose
			s.ctl(e)
			s.trk.Finish()
			if len(s.rec.ended) != 1 {
				t.Fatalf("%d sessions ended", len(s.rec.ended))
			}
			if got := s.rec.ended[0].ServerFIN(); got != tc.want {
				t.Errorf("ServerFIN %v, want %v", got, tc.want)
			}
		})
	}
}
