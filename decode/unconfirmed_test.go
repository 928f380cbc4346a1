package decode

import "testing"

// TestUnconfirmedEndBytes guards unconfirmed.go: bytes at a stream's end
// past the receiver's last ACK, with the sender's own FIN or RST at
// their first byte, are reported as not the sender's and the stream ends
// there (the FINs close the connection, not the capture's end); bytes
// with no FIN or RST behind them, bytes the receiver acknowledged, and
// a line begun before the receiver's ACK that they leave unended stay as
// they were.
func TestUnconfirmedEndBytes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inject string // the client's bytes injected after the 221
		before string // the client's bytes sent (and acknowledged) before them
		acked  bool   // the server acknowledges the injected bytes
		end    string // "fin", "rst", "" (the capture ends)
		want   bool   // an unconfirmed event, and the stream's end at their first byte
		close  CloseReason
	}{
		{"FIN at their first byte", "PORT 10,9,9,9,0,25\r\n", "", false, "fin", true, CloseFIN},
		{"RST at their first byte", "PORT 10,9,9,9,0,25\r\n", "", false, "rst", true, CloseRST},
		{"a line end of their own not needed", "PORT 10,9,9,9,0,25\r\nNOO", "", false, "fin", true, CloseFIN},
		{"no FIN or RST: the capture's end", "PORT 10,9,9,9,0,25\r\n", "", false, "", false, CloseCaptureEnd},
		{"acknowledged", "PORT 10,9,9,9,0,25\r\n", "", true, "", false, CloseCaptureEnd},
		{"a line begun before them, ended among them", "9,9,9,0,25\r\n", "PORT 10,9,", false, "fin", true, CloseFIN},
		{"a line begun before them, not ended", "9,9,9", "PORT 10,9,", false, "fin", false, CloseCaptureEnd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 hi\r\n")
			v.cli("QUIT\r\n")
			v.srv("221 bye\r\n")
			if tc.before != "" {
				v.cli(tc.before)
				v.send(v.s, v.c, v.sseq, v.cseq, FlagACK, "")
			}
			at := v.cseq
			v.send(v.c, v.s, at, v.sseq, FlagACK|FlagPSH, tc.inject)
			if tc.acked {
				v.send(v.s, v.c, v.sseq, at+uint32(len(tc.inject)), FlagACK, "")
			}
			switch tc.end {
			case "fin":
				v.send(v.c, v.s, at, v.sseq, FlagFIN|FlagACK, "")
				v.send(v.s, v.c, v.sseq, at+1, FlagFIN|FlagACK, "")
				v.send(v.c, v.s, at+1, v.sseq+1, FlagACK, "")
			case "rst":
				v.send(v.c, v.s, at, v.sseq, FlagRST|FlagACK, "")
			}
			d.Finish()
			var got *ControlEvent
			for i := range rec.control {
				if e := &rec.control[i]; e.Kind == ControlUnconfirmed {
					got = e
				}
			}
			if (got != nil) != tc.want {
				dumpEvents(t, rec)
				t.Fatalf("unconfirmed event %+v, want %v", got, tc.want)
			}
			if got != nil && (!got.FromClient || got.Gap != len(tc.inject) || got.UnconfirmedFrom == 0) {
				t.Errorf("unconfirmed: client %v, %d bytes, from packet %d; want the client's %d", got.FromClient, got.Gap, got.UnconfirmedFrom, len(tc.inject))
			}
			if e := lastOf(rec, ControlClose); e == nil || e.Closed != tc.close {
				t.Errorf("closed %+v, want %v", e, tc.close)
			}
			if n := d.Stats().ControlUnconfirmed; (n == 1) != tc.want {
				t.Errorf("Stats.ControlUnconfirmed %d", n)
			}
		})
	}
}
