package track

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// pasvRefused announces port p; the client's SYN to it is answered by an
// RST and the server answers the RETR with 425.
func (s *session) pasvRefused(p int) {
	s.cmd("PASV", "")
	s.reply(227, fmt.Sprintf("Entering Passive Mode (192,0,2,10,%d,%d).", p>>8, p&0xff))
	s.cmd("RETR", "f")
	c := netip.AddrPortFrom(cli.Addr(), uint16(p-10000))
	d := netip.AddrPortFrom(srv.Addr(), uint16(p))
	s.seg(c, d, decode.FlagSYN, 1000, 0)
	s.segAck(d, c, decode.FlagRST|decode.FlagACK, 0, 1001, 0)
	s.reply(425, "Failed to establish connection.")
}

// TestDataPastSessionBoundFollowed guards what a session past
// MaxDataPerSession data connections does (a mirror client's session
// opens tens of thousands). Before, a session keeping its transcript
// (text output, --summary, the text run's --report) followed none past
// the bound: refused data connections after it read as a server's 425
// with no announcement, and "N data connections worked", while JSON
// (RecentOnly) reported them refused. Now every one is followed and
// reported as RecentOnly does; the session keeps only the live and
// latest (its memory does not grow with them), and the transcript shows
// those it let go under their kept commands, or says how many it cannot
// show.
func TestDataPastSessionBoundFollowed(t *testing.T) {
	const good, bad = 8, 3
	for _, tc := range []struct {
		name    string
		o       Options
		notKept int // 1: some data connections the transcript cannot show
	}{
		{"text transcript", Options{MaxDataPerSession: 4}, 0},
		{"text transcript past its command bound", Options{MaxDataPerSession: 4, MaxTranscript: 6}, 1},
		{"recent only (JSON)", Options{MaxDataPerSession: 4, RecentOnly: true}, 0},
		{"recent only keeping data (summary view)", Options{MaxDataPerSession: 4, RecentOnly: true, KeepData: true}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := boundedSession(t, tc.o)
			for i := range good {
				s.pasvTransfer(40000+i, true)
			}
			for i := range bad {
				s.pasvRefused(41000 + i)
			}
			sess := s.end()
			lim := s.trk.Limits()
			if lim.DataSessionFull != 0 || lim.DataDropped != 0 || sess.DataOmitted != 0 {
				t.Errorf("data connections not followed: limits %+v, session omitted %d; want none", lim, sess.DataOmitted)
			}
			var n [NumOutcomes]int
			for _, d := range s.rec.data {
				n[d.Outcome]++
			}
			if len(s.rec.data) != good+bad || n[OutcomeTransferred] != good || n[OutcomeRefused] != bad {
				t.Errorf("%d reported (%d transferred, %d refused), want %d (%d, %d)",
					len(s.rec.data), n[OutcomeTransferred], n[OutcomeRefused], good+bad, good, bad)
			}
			if sess.DataCount != good+bad || sess.DataOutcomes != n {
				t.Errorf("session counts %d data connections, outcomes %v; want %d, %v", sess.DataCount, sess.DataOutcomes, good+bad, n)
			}
			if len(sess.Data) > recentKept {
				t.Errorf("session keeps %d data connections past its bound of 4, want at most %d (the live and latest)", len(sess.Data), recentKept)
			}
			// Each one the transcript shows (under a kept command, or
			// from Data) or counts: exactly one of the two.
			unshown := 0
			if !tc.o.RecentOnly {
				for _, d := range s.rec.data {
					if !(d.Announce != nil && d.Announce.kept()) && !(d.Command != nil && d.Command.kept()) && !slices.Contains(sess.Data, d) {
						unshown++
					}
				}
			}
			if sess.DataNotKept != unshown || (tc.notKept > 0) != (unshown > 0) {
				t.Errorf("DataNotKept %d, %d not shown; want them equal and %v", sess.DataNotKept, unshown, tc.notKept > 0)
			}
			said := ""
			for _, e := range s.rec.events {
				if e.Kind == EventLimit {
					said += e.Text + "\n"
				}
			}
			want := ""
			if tc.notKept > 0 {
				want = fmt.Sprintf("%d of this session's data connections not shown in this transcript (past its 4", unshown)
			}
			if want == "" && said != "" || want != "" && !strings.Contains(said, want) || strings.Contains(said, "not followed") {
				t.Errorf("limit events %q, want only %q", said, want)
			}
		})
	}
}

// TestKeepDataKeepsSessionData guards Options.KeepData (the text summary
// view): with RecentOnly a session keeps only its latest data connections,
// but the summary's list of failed sessions names every failed one, so
// with KeepData the session keeps them all, up to MaxDataPerSession.
func TestKeepDataKeepsSessionData(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want int
	}{
		{Options{RecentOnly: true}, -1}, // at most recentKept
		{Options{RecentOnly: true, KeepData: true}, 2 * recentKept},
		{Options{}, 2 * recentKept},
	} {
		s := boundedSession(t, tc.o)
		for i := range 2 * recentKept {
			s.pasvRefused(41000 + i)
		}
		sess := s.end()
		if tc.want < 0 && len(sess.Data) > recentKept || tc.want >= 0 && len(sess.Data) != tc.want {
			t.Errorf("%+v: session keeps %d data connections, want %d (-1: at most %d)", tc.o, len(sess.Data), tc.want, recentKept)
		}
	}
}

// TestRecentOnlyKeepsLogin guards what JSON's sessions (RecentOnly, and
// now the text summary view's) keep of a login: the diagnosis looks back
// at its USER and PASS when the 230 comes (userBefore,
// passwordLineBefore). Without them JSON's clear-text login read "USER
// anonymous accepted without a password" where the transcript read
// "USER anonymous, then "PASS ****" (packet 6)", and gave no USER packet.
// Once a later command comes they are let go: an open session costs no
// more than before (TestMemoryPerOpenSession).
func TestRecentOnlyKeepsLogin(t *testing.T) {
	s := boundedSession(t, Options{RecentOnly: true})
	verbs := func() []string {
		var v []string
		for _, c := range s.trk.sessions.Get(decode.MakeConnKey(cli, srv)).Commands {
			v = append(v, c.Verb)
		}
		return v
	}
	if v := verbs(); !slices.Contains(v, "USER") || !slices.Contains(v, "PASS") {
		t.Errorf("at the login's 230 a RecentOnly session keeps %v, want its USER and PASS", v)
	}
	s.cmd("PWD", "")
	if v := verbs(); slices.Contains(v, "USER") || slices.Contains(v, "PASS") {
		t.Errorf("after the next command a RecentOnly session keeps %v, want no USER or PASS", v)
	}
	s.end()
}
