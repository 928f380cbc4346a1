package decode

import (
	"testing"
	"time"
)

// TestBoxResetServerClientAcksGoesOn guards a box's RST in the server's
// name that the client did not take: the client's TCP acknowledging the
// server's reply after it (no bytes of its own) shows it alive, so the
// reply is shown as it came (not marked after a reset) and the session
// goes on, the RST counted not taken. Waited on for the server
// (afterreset.go), the reply would otherwise be shown at a close by an
// RST no one took.
func TestBoxResetServerClientAcksGoesOn(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER alice\r\n")
	v.srv("230 ok\r\n")
	v.cli("DELE secret.txt\r\n")
	v.sendMangled(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "", setTTL(255))
	v.srv("250 Delete operation successful.\r\n")
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "") // (the client's ACK of the 250)
	v.ts = v.ts.Add(5 * time.Second)
	d.Tick(v.ts)
	if n := convClientount(rec, ControlClose); n != 0 {
		dumpEvents(t, rec)
		t.Fatalf("%d closes before the capture's end, want 0", n)
	}
	var last *ControlEvent
	for i := range rec.control {
		if rec.control[i].Kind == ControlReply {
			last = &rec.control[i]
		}
	}
	if last == nil || last.Reply.Code != 250 || last.AfterReset {
		dumpEvents(t, rec)
		t.Fatalf("want the 250 shown unmarked once the client acknowledged it")
	}
	v.cli("QUIT\r\n")
	d.Finish()
	if e := lastOf(rec, ControlClose); e == nil || e.Closed != CloseCaptureEnd || e.AfterReset {
		t.Errorf("closed %+v, want at the capture's end", e)
	}
	if st := d.Stats(); st.RSTNotTaken != 1 || st.RSTNotTakenTTL != 1 {
		t.Errorf("RSTNotTaken %d (by TTL %d), want 1 (1)", st.RSTNotTaken, st.RSTNotTakenTTL)
	}
}
