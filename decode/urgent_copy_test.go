package decode

import "testing"

// TestUrgentCopyMarksNoLaterCommand: the ABOR a client sends as urgent
// data is marked urgent; a second copy of its segment (a mirror port,
// tcpdump -i any, a retransmission) brings no new bytes and must not mark
// the next command urgent too.
func TestUrgentCopyMarksNoLaterCommand(t *testing.T) {
	rec, _, v := openConv(t)
	v.srv("220 hi\r\n")
	abor := "\xff\xf4\xff\xf2ABOR\r\n"
	at := v.cseq
	v.send(v.c, v.s, at, v.sseq, FlagACK|FlagPSH|FlagURG, abor)
	v.cseq += uint32(len(abor))
	v.send(v.c, v.s, at, v.sseq, FlagACK|FlagPSH|FlagURG, abor) // the copy
	v.srv("226 Abort successful\r\n")
	v.cli("NOOP\r\n")
	v.srv("200 NOOP ok.\r\n")
	got := map[string]bool{}
	for _, e := range rec.control {
		if e.Kind == ControlCommand {
			got[e.Command.Verb] = e.Urgent
		}
	}
	if !got["ABOR"] {
		t.Errorf("ABOR not urgent: %v", got)
	}
	if got["NOOP"] {
		t.Errorf("NOOP marked urgent by a copy of the ABOR's segment")
	}
}
