package track_test

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestMemoryPerOpenSession opens 5,000 control sessions at once, each
// logged in and idle between commands, as a capture of many concurrent
// sessions has them (pcaps/hostile's concurrent shape), and bounds what
// each costs decode and track together while it stays open: the decoder's
// connection (reassembler, parser, table entry) and the tracker's session
// (with its greeting and its last command, as the text transcript keeps
// them, or as JSON's RecentOnly keeps less). The bounds guard the
// compaction of both (line buffers handed back between lines, the
// session index keyed by a hash, what only some sessions need behind a
// pointer, kept replies that do not hold the decoder's): before it, an
// open session cost 3,360 bytes here with transcripts and 2,690 without;
// after it, 2,600 and 2,060. The bounds are close on purpose: the text
// output of 10,000 sessions open at once is a few MB under its 64 MB
// peak, and one allocation class more for the decoder's connection
// (128 bytes) must fail here.
func TestMemoryPerOpenSession(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 5,000 sessions")
	}
	const n = 5000
	for _, recentOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("RecentOnly=%v", recentOnly), func(t *testing.T) {
			sink := &countSink{}
			trk := track.New(diagnose.New(policy.Policy{}, sink, nil), track.Options{RecentOnly: recentOnly})
			w := &wire{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), buf: make([]byte, 0, 256)}
			w.d = decode.New(trk, decode.Options{})
			srv := netip.MustParseAddrPort("192.0.2.10:21")
			convs := make([]*conv, n)
			base := liveHeap()
			for i := range convs {
				cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)}), uint16(20000+i))
				c := w.open(cli, srv)
				c.server("220 (vsFTPd 3.0.3)\r\n")
				c.client("USER anonymous\r\n")
				c.server("331 Please specify the password.\r\n")
				c.client("PASS guest\r\n")
				c.server("230 Login successful.\r\n")
				c.client("PWD\r\n")
				convs[i] = c
			}
			per := (int64(liveHeap()) - int64(base)) / n
			if open := trk.OpenSessions(); open != n {
				t.Fatalf("%d sessions open, want %d", open, n)
			}
			// (The Session struct is in the 576-byte class since it
			// keeps until when it was watched, Session.Watched: 2,737
			// and 2,177 bytes measured.)
			bound := int64(2200)
			if !recentOnly {
				bound = 2760
			}
			if per > bound {
				t.Errorf("%d bytes per open session, bound %d", per, bound)
			}
			t.Logf("%d bytes per open session (%d open)", per, n)
			for _, c := range convs {
				c.server("257 \"/\" is the current directory\r\n")
				c.close()
			}
			w.d.Finish()
			if sink.sessions != n {
				t.Errorf("%d sessions ended, want %d", sink.sessions, n)
			}
			runtime.KeepAlive(convs)
		})
	}
}
