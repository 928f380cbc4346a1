package track

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestTLSRefusedOnlyWhenNoTLSSessionWasSetUp guards Session.TLSRefused:
// a control channel counts as never encrypted only when every TLS
// stretch after a 234 went back to FTP text with the server having
// answered the client's TLS bytes with one alert record or none (BSD
// ftpd-ssl's "no shared cipher"). A TLS session before or after such a
// refusal, a client that sent no TLS byte, or a channel still TLS at the
// end may have hidden a login.
func TestTLSRefusedOnlyWhenNoTLSSessionWasSetUp(t *testing.T) {
	type stretch struct {
		client, server uint64 // TLS bytes each side sent
		open           bool   // still TLS when the capture ends
	}
	for _, tc := range []struct {
		name      string
		stretches []stretch
		want      bool
	}{
		{"alert", []stretch{{517, 7, false}}, true},
		{"no TLS byte from the server", []stretch{{517, 0, false}}, true},
		{"handshake, then CCC", []stretch{{2000, 3000, false}}, false},
		{"no TLS byte from the client", []stretch{{0, 0, false}}, false},
		{"alert, then a TLS session", []stretch{{517, 7, false}, {2000, 3000, false}}, false},
		{"a TLS session, then an alert", []stretch{{2000, 3000, false}, {517, 7, false}}, false},
		{"two alerts", []stretch{{517, 7, false}, {517, 7, false}}, true},
		{"alert, then TLS to the end", []stretch{{517, 7, false}, {0, 0, true}}, false},
		{"never TLS", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			for _, st := range tc.stretches {
				s.cmd("AUTH", "TLS")
				s.reply(234, "AUTH TLS successful")
				if st.open {
					break
				}
				s.ctl(decode.ControlEvent{Kind: decode.ControlCleartext, TLSBytes: [2]uint64{st.client, st.server}})
				s.reply(421, "no shared cipher")
			}
			sess := s.end()
			if got := sess.TLSRefused(); got != tc.want {
				t.Errorf("TLSRefused %v, want %v (WasEncrypted %v, Encrypted %v)", got, tc.want, sess.WasEncrypted, sess.Encrypted)
			}
		})
	}
}
