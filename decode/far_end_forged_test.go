package decode

import (
	"slices"
	"testing"
)

// TestForgedFarSegmentProvesNoGap guards the far end an ACK may reach
// (halfStream.farEnd) against a blind off-path forger: it plants one
// server-direction segment far ahead at a sequence number of its choice,
// then sprays pure ACKs from the client's side, one every 1 MiB over the
// whole sequence space (4,096: one lands within reach of the client's
// next byte), each acknowledging the end of its planted segment. The
// planted segment's own ACK is a guess too, and not near the client's
// stream: it sets no far end, so no ACK proves a gap. Before, the planted
// segment alone chose how large a gap the spray proved (805,301,341
// bytes).
func TestForgedFarSegmentProvesNoGap(t *testing.T) {
	rec, d, v := openConv(t)
	v.srv("220 hello\r\n")
	v.cli("USER bob\r\n")
	v.srv("331 pw\r\n")
	v.cli("PASS pw\r\n")
	v.srv("230 ok\r\n")
	const far = 0x30000000 // ahead of the server's stream, beyond the reach
	v.send(v.s, v.c, far, v.cseq+0x40000000, FlagACK|FlagPSH, "x")
	for i := uint32(0); i < 4096; i++ {
		v.send(v.c, v.s, i<<20, far+1, FlagACK, "")
	}
	v.cli("DELE /secret/payroll.xlsx\r\n")
	v.srv("250 deleted\r\n")
	v.cli("QUIT\r\n")
	v.srv("221 bye\r\n")
	v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
	v.cseq++
	v.send(v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, "")
	v.sseq++
	v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
	d.Finish()
	var gaps, replies []int
	for _, e := range rec.control {
		switch e.Kind {
		case ControlGap:
			gaps = append(gaps, e.Gap)
		case ControlReply:
			replies = append(replies, e.Reply.Code)
		}
	}
	if len(gaps) != 0 || !slices.Equal(replies, []int{220, 331, 230, 250, 221}) {
		t.Errorf("gaps %v, replies %v; want no gap, 220 331 230 250 221", gaps, replies)
	}
}
