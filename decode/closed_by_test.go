package decode

import "testing"

// TestCloseSaysWhoClosedFirst guards ControlClose.ClientClosed, which
// tells a server that closed a session before its greeting (refusing it)
// from a client that gave up on a slow one: the side whose FIN came first
// in order, or whose RST ended the connection; on a connection
// followed in clear text and on one followed by its TLS headers alike.
func TestCloseSaysWhoClosedFirst(t *testing.T) {
	for _, tls := range []bool{false, true} {
		for _, tc := range closeOrders {
			name := tc.name
			if tls {
				name += " after AUTH TLS"
			}
			t.Run(name, func(t *testing.T) {
				rec := &recorder{}
				v := &conv{t: t, d: New(rec, Options{}), c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
				v.handshake()
				if tls {
					v.srv("220 hi\r\n")
					v.cli("AUTH TLS\r\n")
					v.srv("234 Proceed with negotiation.\r\n")
					v.cli("\x16\x03\x01\x00\x05hello")
					v.srv("\x16\x03\x03\x00\x05hello")
				} else {
					v.cli("USER bob\r\n")
				}
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
}

var closeOrders = []struct {
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
}
