package diagnose

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestTransferStalledHalfway guards transfers whose data connection moved
// part of the size the 150 announced, then nothing, neither side closing
// it (pcaps/synth scenarios_stall.go; the rv-soak stall5h capture's
// shape). They read "transferred: 51100 bytes ... ended by idle" (or
// capture-end) with no finding and "the data connection worked": an
// admin reading it took the file for moved. Now transfer-stalled with the
// bytes moved of those announced and the silence; when the session that
// picks the idle-closed control connection up again brings the 226, a
// note says the transfer completed after the stall, and the verdict says
// both, not "worked" nor a failure.
func TestTransferStalledHalfway(t *testing.T) {
	for _, tc := range []struct {
		capture string
		want    []string
		message []string
		verdict []string
	}{
		{"stall-halfway-226-later.pcap",
			[]string{"cleartext-login:info", "transfer-stalled:warning", "transfer-stalled:info"},
			[]string{"stalled half-way", "51100 of the 100000 bytes", "until ftpsniff let it go as idle", "completed after all: the server's 226 came here, 3h00m00.1s after"},
			[]string{"its transfer stalled", "it completed after the stall"}},
		{"stall-halfway-probes.pcap",
			[]string{"cleartext-login:info", "transfer-stalled:warning"},
			[]string{"stalled half-way", "51100 of the 100000 bytes", "until the capture ended", "only segments without new data"},
			[]string{"its transfer stalled", "no final reply came while the capture watched"}},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			rec, diag := run(t, filepath.Join(synthDir, tc.capture), policy.Policy{})
			var got []string
			var text strings.Builder
			for _, f := range rec.findings {
				got = append(got, f.Code+":"+f.Severity.String())
				text.WriteString(f.Message + " " + f.Evidence + " ")
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("findings\n got %q\nwant %q\n%s", got, tc.want, render(rec, diag))
			}
			for _, m := range tc.message {
				if !strings.Contains(text.String(), m) {
					t.Errorf("findings lack %q:\n%s", m, text.String())
				}
			}
			checkFindings(t, rec)
			sums := diag.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d server summaries", len(sums))
			}
			for _, v := range tc.verdict {
				if !strings.Contains(sums[0].Verdict, v) {
					t.Errorf("verdict %q lacks %q", sums[0].Verdict, v)
				}
			}
		})
	}
}

// TestStallsOpenBounded guards the memory of transfers stalled half-way
// kept for the session that picks an idle-closed one up again: at most
// maxStallsOpen, the oldest let go and counted (StallEndsNotKept), and a
// continuation's final reply finds the one of its own session.
func TestStallsOpenBounded(t *testing.T) {
	d := New(policy.Policy{}, nil, nil)
	c := &track.Command{Verb: "RETR", Arg: "f.bin"}
	for i := 1; i <= maxStallsOpen+1; i++ {
		s := &track.Session{ID: i, EndReason: track.EndIdle}
		d.keepStallOpen(s, &track.DataConn{ID: 1, Command: c, ExpectedSize: 10, Bytes: [2]int64{0, 5}})
	}
	if len(d.stallsOpen) != maxStallsOpen || d.Omitted().StallEndsNotKept != 1 {
		t.Fatalf("kept %d, not kept %d; want %d and 1", len(d.stallsOpen), d.Omitted().StallEndsNotKept, maxStallsOpen)
	}
	e := &track.Event{Kind: track.EventReplyUnseen, Code: 226}
	if f := d.stallEnded(&track.Session{ID: 100, Resumed: &track.Resumption{From: 1}}, e); f != nil {
		t.Errorf("session 1's stall was let go, yet its continuation found it: %s", f.Message)
	}
	f := d.stallEnded(&track.Session{ID: 101, Resumed: &track.Resumption{From: maxStallsOpen + 1}}, e)
	if f == nil || !f.completed || len(d.stallsOpen) != maxStallsOpen-1 {
		t.Fatalf("the continuation of the latest stall: %v, %d kept", f, len(d.stallsOpen))
	}
}
