package diagnose

import (
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
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
		// The 426 ended the wait at 0.5 s, though the capture cut the
		// connection and its session ran on (rev38 rt-c: the cut's
		// fallback came after the 426's cap and replaced it).
		{"a 426 at 0.5 s, the connection cut by the capture's end", &track.Command{Verb: "RETR", Status: track.StatusAnswered,
			Replies: []track.Reply{{Code: 150, TS: t0}, {Code: 426, TS: t0.Add(500 * time.Millisecond)}}},
			track.EndCaptureEnd, &track.Session{End: t0.Add(10 * time.Second)}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newServerAcc(track.Session{}.Server)
			a.shared = &captureShared{}
			a.data(&track.DataConn{Outcome: track.OutcomeConnected, Command: tc.c, EndReason: tc.end, Session: tc.sess}, false)
			if a.emptyStalled != tc.want {
				t.Errorf("emptyStalled %d, want %d", a.emptyStalled, tc.want)
			}
		})
	}
}

// TestStalledTransferMeasuredToItsOwnLastPacket guards "too soon to tell"
// for a data connection the capture cut (rev38 fx-pmtu2,
// pmtu-client-vanish.pcap): the server resent its first segment for
// 15 s to a client that had gone, the control connection silent since
// the 150, and waitedOut measured to the control connection's last
// packet (0.013 s after the 150), not the data connection's. Now to the
// later of the two.
func TestStalledTransferMeasuredToItsOwnLastPacket(t *testing.T) {
	for _, tc := range []struct {
		name    string
		resends int           // the server's first data segment sent again, this far apart
		every   time.Duration //
		stalled int           // emptyStalled; else emptyTooSoon
	}{
		{"resent for 15 s, the control connection silent", 7, 2 * time.Second, 1},
		{"resent for 0.6 s, then the capture's end", 3, 200 * time.Millisecond, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "192.168.1.10:50000", "203.0.113.10:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS secret")
			w.reply(230, "Login successful.")
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (203,0,113,10,156,64).")
			w.cmd("RETR big.iso")
			w.reply(150, "Opening BINARY mode data connection for big.iso (10485760 bytes).")
			cli, srv := ap("192.168.1.10:50001"), ap("203.0.113.10:40000")
			w.seg(cli, srv, decode.FlagSYN, 1000, nil)
			w.segAck(srv, cli, decode.FlagSYN|decode.FlagACK, 5000, 1001)
			w.segAck(cli, srv, decode.FlagACK, 1001, 5001)
			p := make([]byte, 1448)
			for range tc.resends + 1 {
				w.seg(srv, cli, decode.FlagACK|decode.FlagPSH, 5001, p)
				w.wait(tc.every)
			}
			w.trk.Finish() // the capture's end: no close of either connection
			a := w.d.servers[w.srv]
			if a == nil {
				t.Fatal("no summary of the server")
			}
			if a.emptyStalled+a.emptyTooSoon != 1 {
				t.Fatalf("emptyStalled %d, emptyTooSoon %d: the connection not counted as carrying nothing for a transfer begun", a.emptyStalled, a.emptyTooSoon)
			}
			if a.emptyStalled != tc.stalled {
				t.Errorf("emptyStalled %d, want %d", a.emptyStalled, tc.stalled)
			}
		})
	}
}
