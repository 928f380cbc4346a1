package decode

import "testing"

// TestCloseSaysServerFIN guards ControlClose.ServerFIN, which tells a
// session the server ended (its FIN, then its reset to a command sent
// into the closed connection, or the client's reset) from one a
// firewall or the client reset: the server's FIN in order by the close,
// on a connection followed in clear text and on one followed by its TLS
// headers alike.
func TestCloseSaysServerFIN(t *testing.T) {
	serverFIN := func(v *conv) {
		v.send(v.s, v.c, v.sseq, v.cseq, FlagFIN|FlagACK, "")
		v.sseq++
		v.send(v.c, v.s, v.cseq, v.sseq, FlagACK, "")
	}
	for _, tls := range []bool{false, true} {
		for _, tc := range []struct {
			name  string
			close func(v *conv)
			want  bool
		}{
			{"the server's FIN, then the client's RST", func(v *conv) {
				serverFIN(v)
				v.send(v.c, v.s, v.cseq, v.sseq, FlagRST|FlagACK, "")
			}, true},
			{"the server's FIN, then its RST", func(v *conv) {
				serverFIN(v)
				v.send(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "")
			}, true},
			{"both FINs", func(v *conv) { v.finBoth() }, true},
			{"the client's RST", func(v *conv) { v.send(v.c, v.s, v.cseq, v.sseq, FlagRST|FlagACK, "") }, false},
			{"the server's RST", func(v *conv) { v.send(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "") }, false},
			{"the client's FIN, then the server's RST", func(v *conv) {
				v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
				v.cseq++
				v.send(v.s, v.c, v.sseq, v.cseq, FlagRST|FlagACK, "")
			}, false},
		} {
			name := tc.name
			if tls {
				name += " after AUTH TLS"
			}
			t.Run(name, func(t *testing.T) {
				rec := &recorder{}
				v := &conv{t: t, d: New(rec, Options{}), c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
				v.handshake()
				v.srv("220 hi\r\n")
				if tls {
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
						if e.ServerFIN != tc.want {
							t.Errorf("ServerFIN %v (closed by %v), want %v", e.ServerFIN, e.Closed, tc.want)
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
