package decode

import (
	"fmt"
	"testing"
	"time"
)

// TestResetTTLUnknownAfterRSTsOnly guards the RST of a side whose only
// earlier segments were RSTs (a capture of the server's side, the client
// heard only in its resets): no TTL of that side is known, so the RST is
// not "another box", however its TTL reads: its ControlClose says
// ResetTTLUnknown, not ResetTTLOther, and one shown not taken is not
// counted as injected (Stats.RSTNotTakenTTL).
func TestResetTTLUnknownAfterRSTsOnly(t *testing.T) {
	for _, ttl := range []uint8{64, 255} {
		for _, goesOn := range []bool{false, true} {
			t.Run(fmt.Sprintf("TTL %d, server goes on %v", ttl, goesOn), func(t *testing.T) {
				rec := &recorder{}
				d := New(rec, Options{})
				v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
				// Picked up mid-stream, the server alone heard.
				v.srv("230 ok\r\n")
				v.srv("257 \"/\" is the current directory\r\n")
				// The client's first RST, held, shown not taken by the
				// server going on a round trip later, within the hold.
				v.send(v.c, v.s, v.cseq, v.sseq, FlagRST|FlagACK, "")
				v.ts = v.ts.Add(rstInFlight + (rstHold-rstInFlight)/2)
				v.srv("226 Transfer complete.\r\n")
				// Its second: nothing to compare it with.
				v.sendMangled(v.c, v.s, v.cseq, v.sseq, FlagRST|FlagACK, "", setTTL(ttl))
				v.ts = v.ts.Add(rstInFlight + (rstHold-rstInFlight)/2)
				if goesOn {
					v.srv("221 Goodbye.\r\n")
				}
				v.ts = v.ts.Add(time.Minute)
				d.Finish()
				st := d.Stats()
				if goesOn {
					if st.RSTNotTaken != 2 || st.RSTNotTakenTTL != 0 {
						t.Errorf("RSTNotTaken %d, RSTNotTakenTTL %d; want 2, 0 (an RST compared with no TTL is not odd)", st.RSTNotTaken, st.RSTNotTakenTTL)
					}
					return
				}
				e := lastOf(rec, ControlClose)
				if e == nil || e.Closed != CloseRST {
					dumpEvents(t, rec)
					t.Fatalf("close %+v", e)
				}
				if e.ResetTTL != ResetTTLUnknown {
					t.Errorf("ResetTTL %v, want %v (no TTL of the client's known)", e.ResetTTL, ResetTTLUnknown)
				}
			})
		}
	}
}
