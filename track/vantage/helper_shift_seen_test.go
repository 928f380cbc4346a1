package vantage

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/nfhelper"
)

// TestHelperLaterStepFoundAtShiftSeen guards the second announcement
// through a router that rewrote neither (no helper attached): the first
// step found the later segments unmoved, so the second is looked for
// where they are, not at the simulated offset the rewrite the router never
// made would have left (review: "server never saw it" of a PORT the server
// saw). The far point saw both, untranslated: both disagree.
func TestHelperLaterStepFoundAtShiftSeen(t *testing.T) {
	segs := []string{
		"220 ready\r\n",
		"227 Entering Passive Mode (10,1,0,2,156,100).\r\n",
		"226 Transfer complete.\r\n",
		"227 Entering Passive Mode (10,1,0,2,156,101).\r\n",
		"226 Transfer complete.\r\n",
	}
	cli, srv := natPair(segs, segs, nil)
	r, err := Merge([]*Collector{cli, srv})
	if err != nil {
		t.Fatal(err)
	}
	CheckHelper(r, nfhelper.Config{})
	hc := r.Sessions[0].Helper
	if hc == nil || len(hc.Steps) != 2 {
		t.Fatalf("helper check %+v", hc)
	}
	for k, st := range hc.Steps {
		if st.Result.Action != nfhelper.Expected || st.Result.Rewrite.Delta() == 0 {
			t.Fatalf("step %d simulated %v, delta %d; want a rewrite", k+1, st.Result.Action, st.Result.Rewrite.Delta())
		}
		if !st.Forwarded || st.TextAgrees || st.Agrees || !strings.Contains(st.Verdict, "does not act like Linux's FTP helper") {
			t.Fatalf("step %d: forwarded %v, text agrees %v (%s); want seen at the far point, untranslated", k+1, st.Forwarded, st.TextAgrees, st.Verdict)
		}
	}
}
