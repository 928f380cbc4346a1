package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestSYNAfterAnnouncementExpiredIsCounted guards a SYN to the endpoint
// of an announcement that expired unused (ExpectationTimeout, a newer one
// of the session superseding it): nothing
// waits for it any more and it is not followed, but it is counted
// (Limits.DataAfterExpiry), not dropped in silence; a SYN from another
// host, or one after the tombstone's hour, is not.
func TestSYNAfterAnnouncementExpiredIsCounted(t *testing.T) {
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	for _, tc := range []struct {
		name  string
		from  netip.AddrPort
		after time.Duration // after the announcement
		want  int
	}{
		{"the client, 6 minutes on", netip.AddrPortFrom(cli.Addr(), 50001), 6 * time.Minute, 1},
		{"another host", netip.MustParseAddrPort("198.51.100.99:50001"), 6 * time.Minute, 0},
		{"the client, past the tombstone's hour", netip.AddrPortFrom(cli.Addr(), 50001), 2 * time.Hour, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			// The session moved on to a newer announcement: the first
			// waits ExpectationTimeout, no longer (a session's latest
			// waits while the session lives: TestLateSYNToLatestAnnouncement).
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,65).")
			// Packet time passes with the session alive (its NOOPs).
			for end := s.now.Add(tc.after); s.now.Before(end); {
				s.tick(30 * time.Second)
				s.cmd("NOOP", "")
				s.reply(200, "NOOP ok.")
				s.trk.Tick(s.now)
			}
			s.seg(tc.from, dsrv, decode.FlagSYN, 7000, 0)
			s.end()
			if got := s.trk.Limits().DataAfterExpiry; got != tc.want {
				t.Errorf("data_after_expiry %d, want %d", got, tc.want)
			}
			if len(s.rec.data) != 2 || s.rec.data[0].Outcome != OutcomeNotAttempted {
				t.Errorf("data records %v: want the first announcement not attempted", s.rec.data)
			}
		})
	}
}

// TestExpiredTombstonesBounded: the tombstones stay within
// maxExpiredAnn however many announcements expire.
func TestExpiredTombstonesBounded(t *testing.T) {
	trk := New(&recorder{}, Options{})
	sess := &Session{Client: cli, Server: srv}
	for i := range 5 * maxExpiredAnn {
		trk.rememberExpired(&DataConn{Passive: true, Session: sess, Announced: netip.AddrPortFrom(srv.Addr(), uint16(1024+i%60000))})
	}
	if n := len(trk.expired.at); n > maxExpiredAnn {
		t.Errorf("%d tombstones, bound %d", n, maxExpiredAnn)
	}
	if n := len(trk.expired.order); n > 2*maxExpiredAnn+1 {
		t.Errorf("order holds %d, bound %d", n, 2*maxExpiredAnn+1)
	}
}

// TestSYNJustBeforeTheEndpointIsAnnouncedAgain: the expired endpoint is
// announced again and the client's SYN is written just before the 227
// (two NIC queues): the SYN is the new announcement's, not one after
// the old one's expiry.
func TestSYNJustBeforeTheEndpointIsAnnouncedAgain(t *testing.T) {
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	dcli := netip.AddrPortFrom(cli.Addr(), 50001)
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	for end := s.now.Add(6 * time.Minute); s.now.Before(end); {
		s.tick(30 * time.Second)
		s.cmd("NOOP", "")
		s.reply(200, "NOOP ok.")
		s.trk.Tick(s.now)
	}
	s.cmd("PASV", "")
	s.seg(dcli, dsrv, decode.FlagSYN, 7000, 0)
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	s.seg(dsrv, dcli, decode.FlagSYN|decode.FlagACK, 9000, 0)
	s.seg(dcli, dsrv, decode.FlagACK, 7001, 0)
	s.end()
	if got := s.trk.Limits().DataAfterExpiry; got != 0 {
		t.Errorf("data_after_expiry %d, want 0", got)
	}
	if len(s.rec.data) != 2 || s.rec.data[1].SYNs != 1 {
		t.Fatalf("data records %+v: want the second with its SYN", s.rec.data)
	}
}

// TestExpiredTombstoneMadeAgainKeepsItsPlace: a tombstone used by a SYN
// and made again, or made again unused, is evicted in the order of its
// latest making, not of its first.
func TestExpiredTombstoneMadeAgainKeepsItsPlace(t *testing.T) {
	trk := New(&recorder{}, Options{})
	sess := &Session{Client: cli, Server: srv}
	ann := func(i int) *DataConn {
		return &DataConn{Passive: true, Session: sess, Announced: netip.AddrPortFrom(srv.Addr(), uint16(1024+i))}
	}
	trk.rememberExpired(ann(0))
	for i := 1; i < maxExpiredAnn; i++ {
		trk.rememberExpired(ann(i))
	}
	trk.clock.now = trk.clock.now.Add(time.Second)
	trk.rememberExpired(ann(0)) // made again: now the newest
	trk.rememberExpired(ann(maxExpiredAnn))
	if _, ok := trk.expired.at[expiredKey{endpoint: ann(0).Announced, from: cli.Addr()}]; !ok {
		t.Error("the tombstone made again was evicted by its first place")
	}
	if n := len(trk.expired.at); n > maxExpiredAnn {
		t.Errorf("%d tombstones, bound %d", n, maxExpiredAnn)
	}
}

// TestExpiryDecidedAtTheSYN guards that a SYN long after its
// announcement finds it expired whether or not a tick ran in between:
// tick runs only when packet time moves on a whole second, and decode
// takes the packet after a silence with the clock before it, so the
// answer must not hang on an unrelated packet just before the SYN.
func TestExpiryDecidedAtTheSYN(t *testing.T) {
	dsrv := netip.MustParseAddrPort("192.0.2.10:40000")
	dcli := netip.AddrPortFrom(cli.Addr(), 50001)
	for _, ticked := range []bool{true, false} {
		t.Run(map[bool]string{true: "ticked", false: "no tick since the 227"}[ticked], func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			s.cmd("PASV", "") // the session moved on: the first waits no longer
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,65).")
			s.tick(6 * time.Minute)
			if ticked {
				s.trk.Tick(s.now)
			}
			s.seg(dcli, dsrv, decode.FlagSYN, 7000, 0)
			s.end()
			if got := s.trk.Limits().DataAfterExpiry; got != 1 {
				t.Errorf("data_after_expiry %d, want 1", got)
			}
			if len(s.rec.data) != 2 || s.rec.data[0].Outcome != OutcomeNotAttempted {
				t.Errorf("data records %v: want the first announcement not attempted", s.rec.data)
			}
		})
	}
}
