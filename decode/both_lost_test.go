package decode

import (
	"slices"
	"testing"
)

// TestBothDirectionsLostOneBeyondReach: the capture lost bytes of both
// directions, the server's more than the reach (2 MiB of a STAT listing
// and the reply after it), the client's a NOOP. Every later segment of
// the client lies past its own hole, and the server's past the reach, so
// neither side's ACK was taken: the server's replies were dropped as too
// far ahead, without a gap, for as long as the session went on (with only
// bare ACKs from the client, for ever). An ACK no further than the end
// of a segment dropped as too far ahead is plausible (the capture saw
// bytes there): the loss is reported, and the server's stream goes on
// from there. (The first reply after the loss, dropped before any ACK
// vouched for it, is part of the gap.)
func TestBothDirectionsLostOneBeyondReach(t *testing.T) {
	for _, tc := range []struct {
		name string
		// after the loss: the client's traffic between the server's
		// first reply (dropped) and its next one
		client func(v *conv)
		cmds   []string
	}{
		{name: "a command", client: func(v *conv) { v.cli("QUIT\r\n") }, cmds: []string{"STAT", "PWD", "QUIT"}},
		{name: "bare ACKs only", client: func(v *conv) { v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "") }, cmds: []string{"STAT", "PWD"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("STAT /\r\n")
			v.sseq += 2 << 20 // the listing, lost
			v.cseq += uint32(len("NOOP\r\n"))
			v.sseq += uint32(len("200 ok\r\n"))
			v.cli("PWD\r\n")
			v.srv("257 \"/\"\r\n")
			tc.client(v)
			v.srv("221 bye\r\n")
			v.finBoth()
			d.Finish()
			var cmds []string
			var replies []int
			var serverGap int
			var closes []CloseReason
			for _, e := range rec.control {
				switch e.Kind {
				case ControlCommand:
					cmds = append(cmds, e.Command.Verb)
				case ControlReply:
					replies = append(replies, e.Reply.Code)
				case ControlGap:
					if !e.FromClient {
						serverGap += e.Gap
					}
				case ControlClose:
					closes = append(closes, e.Closed)
				}
			}
			wantGap := 2<<20 + len("200 ok\r\n") + len("257 \"/\"\r\n")
			if !slices.Equal(cmds, tc.cmds) || !slices.Equal(replies, []int{220, 221}) || serverGap != wantGap {
				t.Errorf("commands %v, replies %v, the server's gaps %d bytes; want %v, [220 221], %d", cmds, replies, serverGap, tc.cmds, wantGap)
			}
			if !slices.Equal(closes, []CloseReason{CloseFIN}) {
				t.Errorf("closes %v; want by FIN", closes)
			}
		})
	}
}
