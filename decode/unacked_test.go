package decode

import (
	"testing"
	"time"
)

// TestServerUnackedAtClose guards ControlClose.ServerUnacked, what tells a
// final reply the client got (and then sat idle) from one a NAT that
// forgot the connection dropped: the server's bytes the client had not
// acknowledged when the connection closed.
func TestServerUnackedAtClose(t *testing.T) {
	const reply = "226 Transfer complete.\r\n"
	for _, tc := range []struct {
		name   string
		acked  bool
		resent int
		want   int
	}{
		{"the client acknowledged the 226", true, 0, 0},
		{"the 226 sent again and never acknowledged", false, 2, len(reply)},
		// Never sent again: the server's TCP had its acknowledgement,
		// which the capture missed (or the capture ended before a resend
		// was due): not known.
		{"the 226 never acknowledged nor sent again", false, 0, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			d := New(rec, Options{})
			v := &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
			v.handshake()
			v.srv("220 ready\r\n")
			v.cli("NOOP\r\n")
			seq := v.sseq
			v.srv(reply)
			for range tc.resent {
				v.ts = v.ts.Add(time.Second)
				v.send(v.s, v.c, seq, v.cseq, FlagACK|FlagPSH, reply)
			}
			if tc.acked {
				v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
			}
			d.Finish()
			var got []int
			for _, e := range rec.control {
				if e.Kind == ControlClose {
					got = append(got, e.ServerUnacked)
				}
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("ServerUnacked %v, want [%d]", got, tc.want)
			}
		})
	}
}
