package decode

import "testing"

// TestConflictNamesHeldCopy: a segment held out of order whose first
// bytes a later packet delivered differently is the later copy: the
// conflict names its packet (the held one's), not the packet being
// decoded when the held bytes were compared (it printed "packet 12
// differs from packet 12").
func TestConflictNamesHeldCopy(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hi\r\n")
	v.cli("USER alice\r\n")
	v.srv("331 pw\r\n")
	// Held: "STAT\r\n" at +5, the hole before it.
	v.send(v.c, v.s, v.cseq+5, v.sseq, FlagACK|FlagPSH, "STAT\r\n")
	heldAt := d.num
	// Fills the hole and overlaps the held bytes' first three, differing.
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagPSH, "NOOP\r\nXY")
	takenAt := d.num
	d.Finish()
	var got []ControlEvent
	for _, e := range rec.control {
		if e.Kind == ControlConflict {
			got = append(got, e)
		}
	}
	if len(got) != 1 || !got[0].FromClient || got[0].Num != heldAt || got[0].ConflictWith != takenAt {
		dumpEvents(t, rec)
		t.Fatalf("conflicts %+v, want one of the client's: packet %d (held) against %d (taken)", got, heldAt, takenAt)
	}
}
