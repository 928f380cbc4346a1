package decode

import (
	"fmt"
	"testing"
	"time"
)

// TestPickUpWaitsBounded guards the bound on the events kept waiting
// after an RST sent in the name of the side that goes on talking
// (pickUpWaitsMax, about 512 bytes each): a connection picked up again
// by that side after the RST closed it (rstPickUpWaits: nothing was owed,
// the hold ended), and a connection whose RST is still held because the
// client's DELE awaits its reply (rstSenderWaits: hold_owed.go). Past the
// bound they are shown at once, in order, and the hit counted
// (Stats.PickUpWaitsFull); within it they wait.
func TestPickUpWaitsBounded(t *testing.T) {
	for _, tc := range []struct {
		state    string
		owed     bool // the DELE's reply is owed at the RST (else a NOOP answered)
		replies  int
		wantFull uint64
		// opens: the sessions opened by the capture's end: the pick-up
		// is one of its own; an RST never shown not taken ends the first
		// at it, what waited (the server's, after a box's RST in its
		// name) shown before that close (afterreset.go).
		opens int
	}{
		{"pick-up", false, pickUpWaitsMax, 0, 2},
		{"pick-up", false, pickUpWaitsMax + 1, 1, 2},
		{"sender waits", true, pickUpWaitsMax, 0, 1}, // (a box's RST in the server's name: its replies in its session, afterreset.go)
		{"sender waits", true, pickUpWaitsMax + 1, 1, 1},
	} {
		t.Run(fmt.Sprint(tc.state, " ", tc.replies, " replies"), func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("USER alice\r\n")
			v.srv("230 ok\r\n")
			if tc.owed {
				v.cli("DELE secret.txt\r\n")
			} else {
				v.cli("NOOP\r\n")
				v.srv("200 ok\r\n")
			}
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
			if !tc.owed {
				shown = shown[min(1, len(shown)):] // (the 200)
			}
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
			opens := 0
			for _, e := range rec.control {
				if e.Kind == ControlOpen {
					opens++
				}
			}
			if opens != tc.opens {
				dumpEvents(t, rec)
				t.Errorf("%d sessions opened, want %d", opens, tc.opens)
			}
		})
	}
}
