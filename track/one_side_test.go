package track

import "testing"

// TestOneSideNeedsTwoLinesAndTurnsBackOnce guards how a session is found
// one-sided: two lines of one side with no byte of the other (one is a
// capture that began between a command and its reply), and any line
// with the other side seen makes it two-sided for good.
func TestOneSideNeedsTwoLinesAndTurnsBackOnce(t *testing.T) {
	type line struct {
		side       OneSide // the side the line came from
		peerUnseen bool
	}
	for _, tc := range []struct {
		name  string
		lines []line
		want  OneSide
	}{
		{"one reply, nothing of the client's", []line{{ServerSideOnly, true}}, BothSides},
		{"two replies, nothing of the client's", []line{{ServerSideOnly, true}, {ServerSideOnly, true}}, ServerSideOnly},
		{"a reply, then the client's command", []line{{ServerSideOnly, true}, {ClientSideOnly, false}, {ServerSideOnly, false}}, BothSides},
		{"two commands, nothing of the server's", []line{{ClientSideOnly, true}, {ClientSideOnly, true}, {ClientSideOnly, true}}, ClientSideOnly},
		{"client-only, then a reply", []line{{ClientSideOnly, true}, {ClientSideOnly, true}, {ServerSideOnly, false}, {ClientSideOnly, true}, {ClientSideOnly, true}}, BothSides},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Session
			for _, l := range tc.lines {
				s.sideLine(l.side, l.peerUnseen)
			}
			if s.OneSide != tc.want {
				t.Errorf("OneSide %v, want %v", s.OneSide, tc.want)
			}
		})
	}
}
