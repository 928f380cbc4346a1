package decode

import (
	"net/netip"
	"testing"
	"time"
)

// TestImplicitPortEncryptedFromItsBytes: a connection to an implicit-FTPS
// port (990) is implicit FTPS, encrypted, from the client's ClientHello,
// not from the port alone. One refused before a byte, or whose client
// sent nothing while the server's first bytes were TLS (an explicit
// client waiting for a 220: vsftpd's alert at its FIN,
// pcaps/real/tls-mode-explicit-to-990.pcap), carried no TLS; the close
// of one followed as TLS tells what each side sent (a handshake the
// server refused with one alert: pcaps/real/implicit-ftps-fail.pcap).
// Before, each was announced ImplicitTLS and Encrypts from its port.
func TestImplicitPortEncryptedFromItsBytes(t *testing.T) {
	hello := realClientHello(t)
	s990 := netip.MustParseAddrPort("192.0.2.10:990")
	const alert = "\x15\x03\x03\x00\x02\x02\x32"
	type result struct {
		open, implicit, encrypts, noHello bool
		closeTLS                          [2]uint64
	}
	for _, tc := range []struct {
		name   string
		script func(v *conv)
		want   result
	}{
		{"handshake", func(v *conv) {
			v.handshake()
			implicitSession(hello)(v)
			v.finBoth()
		}, result{open: true, implicit: true, encrypts: true, closeTLS: [2]uint64{uint64(len(hello)) + 0x45, 0x7f + 0x105 + 0x45}}},
		{"handshake refused with an alert", func(v *conv) {
			v.handshake()
			v.cli(string(hello))
			v.srv(alert)
			v.send(v.c, v.s, v.cseq, v.sseq, FlagRST, "")
		}, result{open: true, implicit: true, encrypts: true, closeTLS: [2]uint64{uint64(len(hello)), 7}}},
		{"no ClientHello, the server's alert at the client's FIN", func(v *conv) {
			v.handshake()
			v.ts = v.ts.Add(3 * time.Second)
			v.send(v.c, v.s, v.cseq, v.sseq, FlagFIN|FlagACK, "")
			v.cseq++
			v.srv(alert)
			v.send(v.c, v.s, v.cseq, 0, FlagRST, "")
		}, result{open: true, noHello: true, closeTLS: [2]uint64{0, 7}}},
		{"refused", func(v *conv) {
			v.send(v.c, v.s, v.cseq, 0, FlagSYN, "")
			v.send(v.s, v.c, 0, v.cseq+1, FlagRST|FlagACK, "")
		}, result{open: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			v := &conv{t: t, d: New(rec, Options{ImplicitTLSPorts: []uint16{990}}), c: convClient, s: s990, cseq: 1000, sseq: 5000, ts: convT0}
			tc.script(v)
			v.d.Finish()
			var got result
			for _, e := range rec.control {
				switch e.Kind {
				case ControlOpen:
					got.open, got.implicit, got.encrypts, got.noHello = true, e.ImplicitTLS, e.Encrypts, e.NoClientHello
				case ControlClose:
					got.closeTLS = e.TLSBytes
				}
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
