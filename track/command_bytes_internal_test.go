package track

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestCommandBytesGivenBack: every byte a session's commands and replies
// counted against CommandBytes is given back by the time the session is
// reported, whichever way each command left it (answered and written,
// kept among the latest and pushed out, given up past the pending bound,
// no reply at the end), with RecentOnly and with a transcript whose
// budget is full; a drift would leave a long capture's later sessions cut.
func TestCommandBytesGivenBack(t *testing.T) {
	for _, recentOnly := range []bool{true, false} {
		t.Run(fmt.Sprintf("RecentOnly=%v", recentOnly), func(t *testing.T) {
			rec := &recorder{}
			// (TranscriptBudget 1: the transcript keeps none, so its
			// commands count against CommandBytes too.)
			s := &session{t: t, trk: New(rec, Options{RecentOnly: recentOnly, TranscriptBudget: 1, CommandBytes: 64 << 10}), rec: rec, now: t0}
			s.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			s.reply(220, "hi")
			s.login()
			long := strings.Repeat("a", 4000)
			for i := range 40 {
				s.cmd("PASV", "")
				s.reply(227, fmt.Sprintf("Entering Passive Mode (192,0,2,10,%d,%d).", 100+i/256, i%256))
				s.cmd("RETR", fmt.Sprintf("f%d%s", i, long))
				s.reply(150, "Opening BINARY mode data connection.\n"+strings.Repeat(long+"\n", 4))
				s.reply(226, "Transfer complete.")
			}
			for range 70 {
				s.cmd("STAT", long)
			}
			held := s.trk.commandBytes
			if lim := s.trk.limits; held == 0 || lim.ArgsCut == 0 {
				t.Fatalf("commands held %d bytes, %d arguments cut: the bound was never reached", held, lim.ArgsCut)
			}
			s.end()
			if got := s.trk.commandBytes; got != 0 {
				t.Errorf("%d bytes still counted after the session was reported (%d while it was open)", got, held)
			}
		})
	}
}
