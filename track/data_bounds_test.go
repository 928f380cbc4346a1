package track

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// boundedSession is newSession with the data-connection bounds set.
func boundedSession(t *testing.T, o Options) *session {
	rec := &recorder{}
	s := &session{t: t, trk: New(rec, o), rec: rec, now: t0}
	s.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	s.reply(220, "(vsFTPd 3.0.3)")
	s.login()
	return s
}

// pasv announces port p and connects a client port to it; with done, the
// transfer runs to both FINs and its 226.
func (s *session) pasvTransfer(p int, done bool) {
	s.cmd("PASV", "")
	s.reply(227, fmt.Sprintf("Entering Passive Mode (192,0,2,10,%d,%d).", p>>8, p&0xff))
	s.cmd("RETR", "f")
	s.reply(150, "Opening BINARY mode data connection.")
	c := netip.AddrPortFrom(cli.Addr(), uint16(p-10000))
	d := netip.AddrPortFrom(srv.Addr(), uint16(p))
	if done {
		s.handshakeTransfer(c, d, 100)
		s.reply(226, "Transfer complete.")
		return
	}
	s.seg(c, d, decode.FlagSYN, 1000, 0)
	s.seg(d, c, decode.FlagSYN|decode.FlagACK, 5000, 0)
	s.seg(c, d, decode.FlagACK, 1001, 0)
}

// TestDataBoundsCountOpenConnections guards the two bounds on data
// connections. The table's counts connections not finished: before, it
// counted a live one twice (in the SYN index and the expiry list) and
// finished ones until the next second of packet time, so it held half
// its size. The session's counts the connections not yet reported, for
// a text transcript as with RecentOnly (JSON): reported ones make room
// (the transcript then counts those it no longer shows), and it is told
// as its own bound, not as "table full".
func TestDataBoundsCountOpenConnections(t *testing.T) {
	t.Run("finished ones make room", func(t *testing.T) {
		for _, o := range []Options{{MaxDataConns: 4}, {MaxDataPerSession: 4}, {MaxDataPerSession: 40, RecentOnly: true}} {
			s := boundedSession(t, o)
			for i := range 100 {
				s.pasvTransfer(40000+i, true)
			}
			sess := s.end()
			lim := s.trk.Limits()
			if len(s.rec.data) != 100 || lim.DataDropped != 0 || lim.DataSessionFull != 0 || sess.DataOmitted != 0 {
				t.Errorf("%+v: %d data connections reported, %d dropped, %d over the session bound; want 100, 0, 0",
					o, len(s.rec.data), lim.DataDropped, lim.DataSessionFull)
			}
			for _, d := range s.rec.data {
				if d.Outcome != OutcomeTransferred {
					t.Errorf("%+v: data connection %d %v, want transferred", o, d.ID, d.Outcome)
				}
			}
		}
	})
	t.Run("kept or open ones fill the bound", func(t *testing.T) {
		for _, tc := range []struct {
			o     Options
			done  bool // each transfer finishes before the next
			table bool // the table's bound, not the session's
			text  string
		}{
			{Options{MaxDataConns: 4}, false, true, "data connection table full"},
			{Options{MaxDataPerSession: 4}, false, false, "data connections of this session past its 4"},
			{Options{MaxDataPerSession: 40, RecentOnly: true}, false, false, "data connections of this session past its 40"},
		} {
			s := boundedSession(t, tc.o)
			n := 4 + 2
			if tc.o.MaxDataPerSession == 40 {
				n = 40 + 2
			}
			for i := range n {
				s.pasvTransfer(40000+i, tc.done)
			}
			s.end()
			lim := s.trk.Limits()
			dropped := lim.DataSessionFull
			if tc.table {
				dropped = lim.DataDropped
			}
			if len(s.rec.data) != n-2 || dropped != 2 || lim.DataDropped+lim.DataSessionFull != 2 {
				t.Errorf("%+v done %v: %d reported, limits %+v; want %d reported, 2 dropped by that bound", tc.o, tc.done, len(s.rec.data), lim, n-2)
			}
			found := false
			for _, e := range s.rec.events {
				found = found || e.Kind == EventLimit && strings.Contains(e.Text, tc.text)
			}
			if !found {
				t.Errorf("%+v: no limit event %q in %+v", tc.o, tc.text, s.rec.events)
			}
		}
	})
}
