package decode

import "testing"

// TestCloseSaysWhoClosedFirst guards ControlClose.ClientClosed, which
// tells a server that closed a session before its greeting (refusing it)
// from a client that gave up on a slow one: the side whose FIN came first
// in order, or whose RST ended the connection.
func TestCloseSaysWhoClosedFirst(t *testing.T) {
	for _, tc := range []struct {
		name  string
		close func(v *conv)
		want  bool
	}{
		{"server's FIN first", func(v *conv) { v.finBoth() }, false},
		{"client's FIN first", func(v *conv) {
			v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
			v.cseq++
			v.send(v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, "")
			v.sseq++
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
		}, true},
		{"client's RST", func(v *conv) { v.send(v.c, v.s, v.cseq, v.sseq, FlagRST|FlagACK, "") }, true},
		{"server's RST", func(v *conv) { v.send(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "") }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			v := &conv{t: t, d: New(rec, Options{}), c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
			v.handshake()
			v.cli("USER bob\r\n")
			tc.close(v)
			v.d.Finish()
			var closes int
			for _, e := range rec.control {
				if e.Kind == ControlClose {
					closes++
					if e.ClientClosed != tc.want {
						t.Errorf("ClientClosed %v (closed by %v), want %v", e.ClientClosed, e.Closed, tc.want)
					}
				}
			}
			if closes != 1 {
				t.Fatalf("%d closes", closes)
			}
		})
	}
}
