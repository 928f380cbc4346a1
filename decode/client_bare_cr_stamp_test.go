package decode

import (
	"testing"
	"time"
)

// TestClientBareCRLineStampedWithItsPacket: a client line ended by a CR
// alone (or a CR NUL) is delivered when the server answers it
// (ftp.LineSplitter.EndAtCR), stamped with the packet and time that
// brought it, not with the answer's (one packet, 10 ms, later here).
func TestClientBareCRLineStampedWithItsPacket(t *testing.T) {
	tests := []struct {
		name  string
		steps []gapStep
		verb  string // the command ended at its CR
	}{
		{"USER ended by a CR", []gapStep{srv("220 hi\r\n"), cli("USER bob\r"), srv("331 pw\r\n")}, "USER"},
		{"PASS ended by a CR", []gapStep{srv("220 hi\r\n"), cli("USER bob\r\n"), srv("331 pw\r\n"), cli("PASS hunter2\r"),
			srv("230 ok\r\n")}, "PASS"},
		{"QUIT ended by a CR NUL", []gapStep{srv("220 hi\r\n"), cli("QUIT\r\x00"), srv("221 bye\r\n")}, "QUIT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.play(tc.steps)
			d.Finish()
			var cmd, answer *ControlEvent
			for i := range rec.control {
				e := &rec.control[i]
				switch {
				case e.Kind == ControlCommand && e.Command.Verb == tc.verb:
					cmd = e
				case e.Kind == ControlReply && cmd != nil && answer == nil:
					answer = e
				}
			}
			if cmd == nil || answer == nil {
				t.Fatalf("no %s and its reply", tc.verb)
			}
			if cmd.Num != answer.Num-1 || !cmd.TS.Equal(answer.TS.Add(-10*time.Millisecond)) {
				t.Errorf("%s stamped packet %d at %v, its reply packet %d at %v: want the packet before it",
					tc.verb, cmd.Num, cmd.TS, answer.Num, answer.TS)
			}
		})
	}
}
