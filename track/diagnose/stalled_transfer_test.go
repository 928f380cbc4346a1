package diagnose

import (
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestStalledTransferNotAbortedOrCut guards what the server verdict calls a
// transfer that stalled (emptyStalled): a 150 with no data and no final
// reply, waited on for 2 s or more. A transfer the client broke off with
// ABOR at once (Pure-FTPd answers the ABOR alone: "226 Since you see this
// ABOR must've succeeded"), or whose data connection the capture's end
// cut just after the 150, is not one (the verdict said "stalled on the
// path" for both), nor a refusal (emptyTooSoon, not "not a firewall
// problem"); one aborted after waiting is.
func TestStalledTransferNotAbortedOrCut(t *testing.T) {
	began := func(status track.CommandStatus) *track.Command {
		return &track.Command{Verb: "RETR", Status: status, Replies: []track.Reply{{Code: 150, TS: t0}}}
	}
	for _, tc := range []struct {
		name string
		c    *track.Command
		end  track.EndReason
		sess *track.Session // its End: when the session ended
		want int
	}{
		{"150, no data for 3 s, connection closed", began(track.StatusNoReply), track.EndFIN, &track.Session{End: t0.Add(3 * time.Second)}, 1},
		{"aborted at once", began(track.StatusAborted), track.EndFIN, nil, 0},
		{"aborted after waiting 3 s", began(track.StatusAborted), track.EndFIN, &track.Session{End: t0.Add(3 * time.Second)}, 1},
		{"cut by the capture's end at once", began(track.StatusNoReply), track.EndCaptureEnd, &track.Session{End: t0.Add(40 * time.Millisecond)}, 0},
		{"open 10 s at the capture's end", began(track.StatusNoReply), track.EndCaptureEnd, &track.Session{End: t0.Add(10 * time.Second)}, 1},
		{"refused", &track.Command{Verb: "RETR", Status: track.StatusAnswered, Replies: []track.Reply{{Code: 550}}}, track.EndFIN, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newServerAcc(track.Session{}.Server)
			a.shared = &captureShared{}
			a.data(&track.DataConn{Outcome: track.OutcomeConnected, Command: tc.c, EndReason: tc.end, Session: tc.sess})
			if a.emptyStalled != tc.want {
				t.Errorf("emptyStalled %d, want %d", a.emptyStalled, tc.want)
			}
		})
	}
}
