package track

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// annSessions opens n sessions of clients 198.51.100.7:30000+i, logged
// in, and returns their clients.
func annSessions(s *session, n int) []netip.AddrPort {
	var cs []netip.AddrPort
	for i := range n {
		c := netip.AddrPortFrom(cli.Addr(), uint16(30000+i))
		s.as(c, true)
		s.login()
		cs = append(cs, c)
	}
	return cs
}

// announce has the session of c ask for a passive endpoint, answered
// with port p; with tried, the client's SYN to it goes unanswered.
func (s *session) announce(c netip.AddrPort, p int, tried bool) {
	s.as(c, false)
	s.cmd("PASV", "")
	s.reply(227, fmt.Sprintf("Entering Passive Mode (192,0,2,10,%d,%d).", p>>8, p&0xff))
	if tried {
		s.seg(netip.AddrPortFrom(c.Addr(), uint16(p-10000)), netip.AddrPortFrom(srv.Addr(), uint16(p)), decode.FlagSYN, 1000, 0)
	}
}

// keptData is what the open sessions hold in Data together, and the
// most one holds.
func keptData(sessions map[*Session]bool) (total, most int) {
	for sess := range sessions {
		if sess.reported {
			continue
		}
		total += len(sess.Data)
		most = max(most, len(sess.Data))
	}
	return total, most
}

// dataLookBacks counts, at each data connection reported, the records
// its session holds in Data: what arm's walk for those a new
// announcement finishes (unreported, adoptInferred) and the diagnosis's
// look-backs (gaveUpAfter, usedSuperseded, sentTo: each over s.Data)
// step through for it.
type dataLookBacks struct {
	recorder
	steps, most int
	sessions    map[*Session]bool
}

func (r *dataLookBacks) SessionStart(s *Session) { r.sessions[s] = true }

func (r *dataLookBacks) Data(s *Session, d *DataConn) {
	r.recorder.Data(s, d)
	r.steps += len(s.Data)
	r.most = max(r.most, len(s.Data))
}

// TestUnusedAnnouncementsBoundedAcrossSessions guards what open sessions
// keep of announcements nothing used: a client of any server can ask for
// PASV after PASV, each answered by a 227 it never connects to. Before,
// a session keeping its transcript (text output) or its data
// connections (--summary) kept every one, up to MaxDataPerSession
// (4,096), in each of up to 10,000 open sessions: 1,000 sessions of 400
// took 829 MB. Now each keeps its first maxUnusedKept and its latest
// (and up to as many more, let go together), every one still reported
// and counted, and the open sessions together
// keep at most DataBudget (then each its live and latest), as a
// RecentOnly session does.
func TestUnusedAnnouncementsBoundedAcrossSessions(t *testing.T) {
	const sessions, each = 20, 300
	for _, tc := range []struct {
		name  string
		o     Options
		tried bool // every announcement's SYN sent, unanswered: kept (the admin needs them), within the budget
		most  int  // the most one open session may keep in Data
		total int  // the most all keep together
	}{
		{"text transcript", Options{}, false, 2*maxUnusedKept + 2, sessions * (2*maxUnusedKept + 2)},
		{"summary view (KeepData)", Options{RecentOnly: true, KeepData: true}, false, 2*maxUnusedKept + 2, sessions * (2*maxUnusedKept + 2)},
		{"tried, past the budget", Options{DataBudget: 500}, true, 500, 500 + sessions*recentMin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &dataLookBacks{sessions: map[*Session]bool{}}
			s := &session{t: t, trk: New(rec, tc.o), rec: &rec.recorder, now: t0}
			cs := annSessions(s, sessions)
			most, total := 0, 0
			for k := range each {
				for i, c := range cs {
					s.announce(c, 2000+(k*sessions+i)%60000, tc.tried)
				}
				tot, m := keptData(rec.sessions)
				most, total = max(most, m), max(total, tot)
				if tot != s.trk.dataListed {
					t.Fatalf("after %d announcements each: the open sessions hold %d data connections, the tracker counts %d", k+1, tot, s.trk.dataListed)
				}
			}
			for _, c := range cs {
				s.as(c, false)
				s.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			}
			s.trk.Finish()
			if len(rec.data) != sessions*each {
				t.Errorf("%d data connections reported, want every one: %d", len(rec.data), sessions*each)
			}
			if most > tc.most || total > tc.total {
				t.Errorf("open sessions kept up to %d data connections each, %d together; want at most %d and %d", most, total, tc.most, tc.total)
			}
			if s.trk.dataListed != 0 {
				t.Errorf("after every session ended the tracker counts %d data connections held", s.trk.dataListed)
			}
			lim := s.trk.Limits()
			if tc.tried && lim.DataBudget == 0 || !tc.tried && lim.UnusedNotKept == 0 {
				t.Errorf("the bound hit is not counted: limits %+v", lim)
			}
		})
	}
}

// TestAnnouncementLookBacksLinear guards the work each announcement
// costs: a new one walks its session's data connections for those it
// finishes (arm: unreported, adoptInferred), and the diagnosis of each
// walks them again (gaveUpAfter, usedSuperseded, sentTo). Before, a
// session of 2,000 announcements nothing used held them all, and the
// walks grew with the square of their number (4,096 announcements per
// session took 12 times the CPU of 1,024). Counted, not timed: the
// records those walks step through, at each data connection reported.
func TestAnnouncementLookBacksLinear(t *testing.T) {
	for _, n := range []int{500, 2000} {
		rec := &dataLookBacks{sessions: map[*Session]bool{}}
		s := &session{t: t, trk: New(rec, Options{}), rec: &rec.recorder, now: t0}
		cs := annSessions(s, 1)
		for k := range n {
			s.announce(cs[0], 2000+k, false)
		}
		s.as(cs[0], false)
		s.ctl(decode.ControlEvent{Kind: decode.ControlClose})
		s.trk.Finish()
		if len(rec.data) != n {
			t.Fatalf("%d data connections reported, want %d", len(rec.data), n)
		}
		if per := float64(rec.steps) / float64(n); rec.most > 2*maxUnusedKept+2 || per > 2*maxUnusedKept+2 {
			t.Errorf("%d announcements: a look-back steps through up to %d records, %.1f on average; want at most %d", n, rec.most, per, 2*maxUnusedKept+2)
		}
	}
}
