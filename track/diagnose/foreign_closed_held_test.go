package diagnose

import (
	"fmt"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// foreignClosedSession is a ProFTPD session whose n passive transfers
// each got a data connection from another address (a CGNAT pool) that
// the server closed at once, nothing sent; answered(i) tells whether the
// i-th transfer's RETR got its 550 (else it never gets a reply). It is
// fed in the pipeline's order: each data connection is reported when it
// closes, its RETR still waiting, and the 550, when there is one, comes
// after. It returns the findings and the Diagnoser.
func foreignClosedSession(n int, answered func(int) bool) (*collect, *Diagnoser) {
	s := sess("198.51.100.7:50000", "192.0.2.10:21")
	s.Greeting[0].Text = "ProFTPD Server (Debian) [192.0.2.10]"
	col := &collect{}
	d := New(policy.Policy{}, nil, col)
	d.SessionStart(s)
	var silent []*track.Command
	for i := range n {
		base := uint64(10 + 1000*i)
		port := 40500 + i
		ann := fmt.Sprintf("192.0.2.10:%d", port)
		dc := announce(s, base, "PASV", ftp.ViaPASV, ann, 227, fmt.Sprintf("Entering Passive Mode (192,0,2,10,%d,%d).", port>>8, port&255))
		d.Command(s, dc.Announce)
		c := cmd(s, base+2, "RETR", fmt.Sprintf("a%d.txt", i), 550, fmt.Sprintf("a%d.txt: No such file or directory", i))
		c.Replies, c.Status = nil, track.StatusPending
		syn(dc, fmt.Sprintf("100.64.7.9:%d", 50001+i), ann, base+4, 1, 0)
		dc.SynAckTS, dc.AckTS = dc.FirstSYN.Add(time.Millisecond), dc.FirstSYN.Add(2*time.Millisecond)
		dc.Match, dc.Outcome, dc.EndReason = track.MatchPortOnly, track.OutcomeConnected, track.EndFIN
		dc.FINTS[1] = dc.AckTS.Add(3 * time.Millisecond)
		dc.End, dc.Done = dc.FINTS[1].Add(time.Millisecond), true
		c.Data, dc.Command = dc, c
		d.Data(s, dc)
		if answered(i) {
			c.Replies = []track.Reply{{Code: 550, Text: fmt.Sprintf("a%d.txt: No such file or directory", i), TS: dc.End.Add(time.Millisecond), Num: base + 9}}
			c.Status = track.StatusAnswered
			d.Command(s, c)
		} else {
			silent = append(silent, c)
		}
	}
	for _, c := range silent {
		c.Status = track.StatusNoReply
	}
	last := s.Data[len(s.Data)-1]
	s.End, s.EndReason = last.FINTS[1].Add(20*time.Second), track.EndFIN
	d.SessionEnd(s)
	return col, d
}

// TestSilentForeignRefusalAfterAnsweredOnes guards the silent refusal of
// a foreign data connection (ProFTPD closes it at once and leaves the
// transfer unanswered: data-source-nat) that comes after
// maxClosedForeign connections of the same session the server closed at
// once too but whose transfers it answered (550): those kept their
// places until the session's end, the silent one found none, and the
// verdict read "carried nothing ... not a firewall problem".
func TestSilentForeignRefusalAfterAnsweredOnes(t *testing.T) {
	for _, before := range []int{maxClosedForeign, maxClosedForeign + 1, 3 * maxClosedForeign} {
		t.Run(fmt.Sprintf("%d answered before", before), func(t *testing.T) {
			col, d := foreignClosedSession(before+1, func(i int) bool { return i < before })
			fs := col.all(CodeDataSourceNAT)
			if len(fs) != 1 {
				t.Fatalf("%d data-source-nat findings, want 1 (the last transfer's)", len(fs))
			}
			if f := fs[0]; f.Data == nil || f.Data.ID != before+1 {
				t.Errorf("data-source-nat for %v, want data connection #%d, the last", f.Packets, before+1)
			}
			if o := d.Omitted().ForeignClosesNotJudged; o != 0 {
				t.Errorf("Omitted().ForeignClosesNotJudged = %d, want 0: nothing was left unjudged", o)
			}
		})
	}
}

// TestSilentForeignRefusalsBeyondTheBoundCounted guards what the bound
// of held connections costs: past maxClosedForeign unanswered at once,
// one more is not judged, and says so (Omitted) instead of vanishing.
func TestSilentForeignRefusalsBeyondTheBoundCounted(t *testing.T) {
	col, d := foreignClosedSession(maxClosedForeign+2, func(int) bool { return false })
	if n := len(col.all(CodeDataSourceNAT)); n != maxClosedForeign {
		t.Errorf("%d data-source-nat findings, want %d (the bound)", n, maxClosedForeign)
	}
	if o := d.Omitted().ForeignClosesNotJudged; o != 2 {
		t.Errorf("Omitted().ForeignClosesNotJudged = %d, want 2", o)
	}
}
