package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestAnswerMissingFinding guards the findings of a passive data
// connection whose only SYN got no answer in the capture: a client that
// moved on (a new PASV, QUIT) sooner than TCP resends a SYN had its
// answer (an RST, an ICMP error the capture did not record): a warning
// data-answer-missing that says so, and no data-unanswered, no firewall
// advice; one that waited past a retry is a drop, data-unanswered as
// before. And a SYN-ACK sent again, never acknowledged, with one SYN: the
// SYN-ACKs lost on the way back, not "kept re-sending its SYN".
func TestAnswerMissingFinding(t *testing.T) {
	dcli, dsrv := ap("10.0.0.2:50001"), ap("10.0.0.1:40000")
	for _, tc := range []struct {
		name     string
		run      func(w *wire)
		code     string
		sev      Severity
		want     []string
		bad      []string
		notCodes []string
	}{
		{"one SYN, a new PASV at once", func(w *wire) {
			w.seg(dcli, dsrv, decode.FlagSYN, 7777, nil)
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (10,0,0,1,156,65).")
		}, CodeDataAnswerMissing, SeverityWarning,
			[]string{"gave up on it", "sooner than TCP sends a SYN again", "did not record", "without a filter that leaves ICMP out", "moved on 0.001s after it"},
			[]string{"firewall is dropping", "pasv_min_port", "nft "},
			[]string{CodeDataUnanswered}},
		{"one SYN, then 2 s of silence", func(w *wire) {
			w.seg(dcli, dsrv, decode.FlagSYN, 7777, nil)
			w.now = w.now.Add(2 * time.Second)
		}, CodeDataUnanswered, SeverityError, []string{"a firewall is dropping it"}, nil, []string{CodeDataAnswerMissing}},
		{"one SYN, its SYN-ACK sent again, never acknowledged", func(w *wire) {
			w.seg(dcli, dsrv, decode.FlagSYN, 7777, nil)
			w.seg(dsrv, dcli, decode.FlagSYN|decode.FlagACK, 9000, nil)
			w.now = w.now.Add(time.Second)
			w.seg(dsrv, dcli, decode.FlagSYN|decode.FlagACK, 9000, nil)
			w.now = w.now.Add(2 * time.Second)
			w.seg(dsrv, dcli, decode.FlagSYN|decode.FlagACK, 9000, nil)
		}, CodeDataUnanswered, SeverityError,
			[]string{"answered by a SYN-ACK from 10.0.0.1, which it sent again and the client never acknowledged", "dropped on the way back to 10.0.0.2"},
			[]string{"kept re-sending its SYN"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "10.0.0.2:50000", "10.0.0.1:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER anonymous")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS x@y")
			w.reply(230, "Login successful.")
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (10,0,0,1,156,64).")
			tc.run(w)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			for _, c := range tc.notCodes {
				if f := w.c.find(c); f != nil {
					t.Errorf("%s: %s", c, f.Message)
				}
			}
			f := w.c.find(tc.code)
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatalf("no %s finding", tc.code)
			}
			if f.Severity != tc.sev {
				t.Errorf("severity %v, want %v", f.Severity, tc.sev)
			}
			all := f.Message + " | " + f.Evidence + " | " + f.Advice
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("%q missing from %q", s, all)
				}
			}
			for _, s := range tc.bad {
				if strings.Contains(all, s) {
					t.Errorf("%q in %q", s, all)
				}
			}
		})
	}
}

// TestUnannouncedSYNsFinding guards the finding of the data connection
// inferred from SYNs held from before a mid-stream session's first
// announcement the capture shows (track's adoptUnanswered): a failure,
// hedged: its announcement is not in the capture.
func TestUnannouncedSYNsFinding(t *testing.T) {
	w := &wire{t: t, c: &collect{}, cli: ap("10.0.0.2:50000"), srv: ap("10.0.0.1:21"), now: t0}
	w.d = New(policy.Policy{}, nil, w.c)
	w.trk = track.New(w.d, track.Options{})
	for range 3 {
		w.seg(ap("10.0.0.2:50001"), ap("10.0.0.1:40011"), decode.FlagSYN, 7777, nil)
		w.now = w.now.Add(time.Second)
	}
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen, Midstream: true})
	w.cmd("PASV")
	w.reply(227, "Entering Passive Mode (10,0,0,1,156,99).")
	w.end()
	f := w.c.find(CodeDataUnanswered)
	if f == nil {
		dumpFindings(t, w.c)
		t.Fatal("no data-unanswered finding")
	}
	if want := "The announcement of port 40011 is not in the capture"; !strings.Contains(f.Message, want) {
		t.Errorf("%q missing from %q", want, f.Message)
	}
}
