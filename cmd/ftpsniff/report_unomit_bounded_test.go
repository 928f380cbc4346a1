package main

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestReportLadderGapsBoundedByFailures: a session of many PASV/227 whose
// endpoints nobody connects to (rv-attack's perf/pasv_*.pcap) has a failed
// data connection per announcement. Past maxLadderExtra the ladder keeps
// none of their rows, and so takes none of their commands out of the gap
// that counted them: before, each took its PASV out (unomit), splitting
// the last gap, and the ladder held one gap per announcement (RSS 162,
// 268, 498 MB for 100,000, 200,000, 400,000 of them). Every row not kept
// is still counted.
func TestReportLadderGapsBoundedByFailures(t *testing.T) {
	gapsFor := func(n int) (gaps, omitted, kept int) {
		r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 10, false, nil, nil)
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		s := &track.Session{ID: 1, Client: netip.MustParseAddrPort("192.0.2.7:40000"), Server: netip.MustParseAddrPort("192.0.2.10:21"),
			Start: t0, User: "u", Login: track.LoginOK}
		r.SessionStart(s)
		l := r.open[s]
		var prev *track.DataConn
		for i := 0; i < n; i++ {
			ts := t0.Add(time.Duration(i) * time.Millisecond)
			port := uint16(40000 + i%1000)
			c := &track.Command{Seq: uint64(2*i + 1), Index: i + 1, TS: ts, Verb: "PASV", Status: track.StatusAnswered,
				Replies: []track.Reply{{Seq: uint64(2*i + 2), Code: 227, Text: fmt.Sprintf("Entering Passive Mode (192,0,2,10,%d,%d).", port>>8, port&255), TS: ts}}}
			r.Command(s, c)
			// The endpoint before is given up when the next is announced:
			// its record comes after the next PASV's rows.
			if prev != nil {
				r.Data(s, prev)
			}
			ep := netip.AddrPortFrom(s.Server.Addr(), port)
			prev = &track.DataConn{ID: i + 1, Session: s, Passive: true, Via: 1, Announce: c, Announced: ep, Outcome: track.OutcomeNotAttempted, Armed: ts}
		}
		for _, g := range l.gaps {
			omitted += g.count
		}
		return len(l.gaps), omitted, len(l.rows)
	}
	g1, o1, k1 := gapsFor(2000)
	g2, o2, k2 := gapsFor(8000)
	if g2 != g1 || k2 != k1 {
		t.Errorf("ladder of 2000 announcements: %d gaps, %d rows; of 8000: %d gaps, %d rows: grows with them", g1, k1, g2, k2)
	}
	if g2 > maxLadderRows+maxLadderExtra+1 {
		t.Errorf("%d gaps, more than the rows kept plus one", g2)
	}
	if o2 <= o1 || o2 < 8000 {
		t.Errorf("rows not kept counted: %d of 2000 announcements, %d of 8000", o1, o2)
	}
}
