package diagnose

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// The data-not-attempted that blames the capture's vantage ("cannot see
// the data path", "only port 21") was said of the data connections that
// came before the session's first one the capture saw: Zeek's
// pe-single.pcap has #1-#3 blamed on a port-21 filter, then #4 transferred
// 43,568 bytes in the capture, and only #5 was worded as notBlind does.
// The blind ones are now held and judged again once a seen connection or
// the session's end comes.

// blindTransfer appends to s a passive announcement the server reported a
// transfer through (150, 226) that the capture never saw a connection to.
func blindTransfer(s *track.Session, num uint64, port int) *track.DataConn {
	ann := fmt.Sprintf("%s:%d", s.Server.Addr(), port)
	dc := announce(s, num, "PASV", ftp.ViaPASV, ann, 227, "Entering Passive Mode.")
	dc.Outcome, dc.Done = track.OutcomeNotAttempted, true
	x := cmd(s, num+2, "RETR", "f", 150, "Opening BINARY mode data connection")
	x.Replies = append(x.Replies, track.Reply{Code: 226, Text: "Transfer complete.", TS: at(int(num) + 5), Num: num + 5})
	dc.Command, x.Transfer = x, []*track.DataConn{dc}
	return dc
}

// seenTransfer appends to s a passive transfer the capture saw.
func seenTransfer(s *track.Session, num uint64, port int) *track.DataConn {
	ann := fmt.Sprintf("%s:%d", s.Server.Addr(), port)
	dc := announce(s, num, "PASV", ftp.ViaPASV, ann, 227, "Entering Passive Mode.")
	syn(dc, fmt.Sprintf("%s:%d", s.Client.Addr(), 60000+port%1000), ann, num+2, 1, 0)
	dc.Match, dc.Outcome, dc.Done = track.MatchExact, track.OutcomeTransferred, true
	return dc
}

// blindDrive drives d with s: start, its commands, its data connections
// in order, then its end unless end is false (the session stays open).
// s.Data grows as the tracker's does: a data connection joins it when
// it is announced, so the later ones are not there yet.
func blindDrive(d *Diagnoser, s *track.Session, end bool) {
	all := s.Data
	s.Data = nil
	d.SessionStart(s)
	for _, c := range s.Commands {
		if c.Data != nil {
			s.Data = append(s.Data, c.Data)
		}
		d.Command(s, c)
		for _, dc := range c.Transfer {
			d.Data(s, dc)
		}
		if dc := c.Data; dc != nil && dc.Seen() {
			d.Data(s, dc)
		}
	}
	if len(s.Data) != len(all) {
		panic("a data connection without its announcement")
	}
	if end {
		d.SessionEnd(s)
	}
}

// notAttemptedOf is every data-not-attempted rec holds, by data ID; it
// fails the test on one reported twice.
func notAttemptedOf(t *testing.T, rec *recorder) map[int]*Finding {
	t.Helper()
	m := map[int]*Finding{}
	for _, f := range rec.findings {
		if f.Code != CodeDataNotAttempted {
			continue
		}
		if m[f.Data.ID] != nil {
			t.Errorf("data #%d: data-not-attempted reported twice", f.Data.ID)
		}
		m[f.Data.ID] = f
	}
	return m
}

func TestBlindNotAttemptedRejudgedBySeenDataConnection(t *testing.T) {
	for _, tc := range []struct {
		name string
		// blind ones before and after the seen one (seen: there is one)
		before, after int
		seen          bool
		// wantSeen: data IDs worded with the seen connection; wantBlind:
		// those left with the vantage's wording.
		wantSeen, wantBlind []int
	}{
		{"blind before and after a seen one", 3, 1, true, []int{1, 2, 3, 5}, nil},
		{"no seen one: as they were, at the end", 2, 0, false, nil, []int{1, 2}},
		{"past the bound: the rest at once, as they were", maxHeld + 3, 0, true,
			func() []int {
				var ids []int
				for i := 1; i <= maxHeld; i++ {
					ids = append(ids, i)
				}
				return ids
			}(), []int{maxHeld + 1, maxHeld + 2, maxHeld + 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("10.0.0.2:50000", "10.0.0.1:21")
			num := uint64(10)
			for i := 0; i < tc.before; i++ {
				blindTransfer(s, num, 41000+i)
				num += 10
			}
			var seen *track.DataConn
			if tc.seen {
				seen = seenTransfer(s, num, 42000)
				num += 10
			}
			for i := 0; i < tc.after; i++ {
				blindTransfer(s, num, 43000+i)
				num += 10
			}
			rec := &recorder{}
			d := New(policy.Policy{}, rec, rec)
			blindDrive(d, s, true)
			got := notAttemptedOf(t, rec)
			if len(got) != tc.before+tc.after {
				t.Fatalf("%d data-not-attempted, want %d: %v", len(got), tc.before+tc.after, rec.log)
			}
			for _, id := range tc.wantSeen {
				f := got[id]
				if want := fmt.Sprintf("data connection #%d of this session", seen.ID); !strings.Contains(f.Message, want) || blindText(f.Message) {
					t.Errorf("data #%d: want %q, not the vantage blamed:\n%s", id, want, f.Message)
				}
				if strings.Contains(f.Advice, "without a port filter") {
					t.Errorf("data #%d: advice still blames a port filter: %s", id, f.Advice)
				}
			}
			for _, id := range tc.wantBlind {
				if f := got[id]; !blindText(f.Message) {
					t.Errorf("data #%d: want the vantage's wording, got:\n%s", id, f.Message)
				}
			}
			// Every finding comes before the session's end record, and a
			// held one released by the seen connection before its record.
			end := slices.Index(rec.log, "end 1")
			if end < 0 || end != len(rec.log)-1 {
				t.Fatalf("session end not last: %v", rec.log)
			}
			if tc.seen && tc.before <= maxHeld {
				at := slices.Index(rec.log, fmt.Sprintf("data %d", seen.ID))
				if !slices.Contains(rec.log[:at], fmt.Sprintf("finding %s data=%d", CodeDataNotAttempted, tc.before)) {
					t.Errorf("held findings not released before data #%d's record: %v", seen.ID, rec.log)
				}
			}
			if st := d.sess[s]; st != nil {
				t.Errorf("session state left after its end")
			}
		})
	}
}

// A session with no data connection of its own seen, while another
// session of the same server saw one before it ended: worded as notBlind
// does for the server's other sessions, at the end.
func TestBlindNotAttemptedRejudgedAtSessionEndByOtherSession(t *testing.T) {
	a := sess("10.0.0.2:50000", "10.0.0.1:21")
	blindTransfer(a, 10, 41000)
	b := sess("10.0.0.3:50001", "10.0.0.1:21")
	b.ID = 2
	seenTransfer(b, 10, 42000)
	rec := &recorder{}
	d := New(policy.Policy{}, rec, rec)
	blindDrive(d, a, false) // a stays open
	if got := notAttemptedOf(t, rec); len(got) != 0 {
		t.Fatalf("blind finding reported before the session's end: %v", rec.log)
	}
	blindDrive(d, b, true)
	d.SessionEnd(a)
	var fs []*Finding
	for _, f := range rec.findings {
		if f.Code == CodeDataNotAttempted {
			fs = append(fs, f)
		}
	}
	if len(fs) != 1 {
		t.Fatalf("%d data-not-attempted, want 1: %v", len(fs), rec.log)
	}
	if f := fs[0]; f.Session != a || blindText(f.Message) || !strings.Contains(f.Message, "a data connection of another session of this server") {
		t.Errorf("want the other session's connection named:\n%s", f.Message)
	}
	if i, j := slices.Index(rec.log, "finding data-not-attempted data=1"), slices.Index(rec.log, "end 1"); i < 0 || i > j {
		t.Errorf("finding not before its session's end: %v", rec.log)
	}
}

// The corpus capture that showed it: #1-#3 and #5 all name #4.
func TestBlindNotAttemptedPESingle(t *testing.T) {
	path := filepath.Join("../../../shared/corpus/zeek", "pe-single.pcap")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s absent", path)
	}
	rec, _ := run(t, path, policy.Policy{})
	got := notAttemptedOf(t, rec)
	for _, id := range []int{1, 2, 3, 5} {
		f := got[id]
		if f == nil {
			t.Errorf("data #%d: no data-not-attempted", id)
			continue
		}
		if blindText(f.Message) || strings.Contains(f.Message, "port 21") || !strings.Contains(f.Message, "data connection #4 of this session") {
			t.Errorf("data #%d: %s", id, f.Message)
		}
	}
}
