package decode

import (
	"fmt"
	"testing"
	"time"
)

// TestPickUpWaitsBounded guards the bound on the events a connection
// picked up again by the side an RST was sent in the name of keeps
// waiting for its peer to go on too (pickUpWaitsMax, about 512 bytes
// each): past it they are shown at once, in order, and the hit counted
// (Stats.PickUpWaitsFull); within it they wait.
func TestPickUpWaitsBounded(t *testing.T) {
	for _, tc := range []struct {
		replies  int
		wantFull uint64
	}{
		{pickUpWaitsMax, 0},
		{pickUpWaitsMax + 1, 1},
	} {
		t.Run(fmt.Sprint(tc.replies, " replies"), func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("USER alice\r\n")
			v.srv("230 ok\r\n")
			v.cli("DELE secret.txt\r\n")
			v.sendMangled(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "", setTTL(255))
			v.ts = v.ts.Add(10 * time.Second)
			for i := range tc.replies {
				v.srv(fmt.Sprintf("250 step %d done.\r\n", i))
			}
			var shown []string
			for _, e := range rec.control {
				if e.Kind == ControlReply {
					shown = append(shown, e.Reply.Text)
				}
			}
			shown = shown[min(2, len(shown)):] // (the 220 and 230)
			if full := tc.wantFull > 0; full && len(shown) != tc.replies || !full && len(shown) != 0 {
				dumpEvents(t, rec)
				t.Fatalf("%d replies shown before the hold ended: %q", len(shown), shown)
			}
			for i, text := range shown {
				if want := fmt.Sprintf("step %d done.", i); text != want {
					t.Errorf("reply %d %q, want %q", i, text, want)
				}
			}
			if st := d.Stats(); st.PickUpWaitsFull != tc.wantFull {
				t.Errorf("PickUpWaitsFull %d, want %d", st.PickUpWaitsFull, tc.wantFull)
			}
			d.Finish()
		})
	}
}
