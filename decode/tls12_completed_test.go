package decode

import (
	"net/netip"
	"testing"
	"time"
)

// TestTLS12HandshakeCompletedWithoutClientData guards the server's side of
// the handshake walk (tlsctl.go): a TLS 1.2 handshake that completed is no
// control-tls-unfinished though the client sent no application data (a
// health check, openssl s_client, or a client greeted with a 421 closes
// with a close_notify alert alone; rv-rta tls12-implicit-probe.pcap and
// tls12-implicit-421.pcap read "the client refused the handshake"). The
// server's ChangeCipherSpec and Finished, or its ChangeCipherSpec answering
// the client's, prove it; a TLS 1.3 server's ChangeCipherSpec (followed by
// encrypted records) does not; an alert after the client's own
// ChangeCipherSpec is no refusal.
func TestTLS12HandshakeCompletedWithoutClientData(t *testing.T) {
	rec := func(typ byte, n int, seed int64) string {
		return string([]byte{typ, 3, 3, byte(n >> 8), byte(n)}) + string(randomBytes(n, seed))
	}
	serverHello := rec(22, 3000, 2) // ServerHello, Certificate, ServerHelloDone
	clientKeys := rec(22, 70, 3) + rec(20, 1, 4) + rec(22, 40, 5)
	closeNotify := rec(21, 26, 6)
	for _, tc := range []struct {
		name              string
		script            func(v *conv)
		unfinished, alert bool
	}{
		{name: "TLS 1.2 probe: server CCS and Finished, client close_notify", script: func(v *conv) {
			v.srv(serverHello)
			v.cli(clientKeys)
			v.srv(rec(20, 1, 7) + rec(22, 40, 8))
			v.srv(rec(23, 60, 9)) // the 220 greeting
			v.cli(closeNotify)
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
		}},
		{name: "TLS 1.2, a 421 after the handshake, the server closes first", script: func(v *conv) {
			v.srv(serverHello)
			v.cli(clientKeys)
			v.srv(rec(20, 1, 7))
			v.srv(rec(22, 40, 8) + rec(23, 60, 9))
			v.send(v.s, v.c, v.sseq, v.cseq, FlagACK|FlagFIN, "")
			v.cli(closeNotify)
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
		}},
		{name: "TLS 1.2, the server's CCS answers the client's Finished (its Finished cut)", script: func(v *conv) {
			v.srv(serverHello)
			v.cli(clientKeys)
			v.srv(rec(20, 1, 7))
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
		}},
		{name: "TLS 1.2, client's Finished never answered, then close_notify", script: func(v *conv) {
			v.srv(serverHello)
			v.cli(clientKeys)
			v.cli(closeNotify)
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
		}, unfinished: true},
		{name: "TLS 1.2, the client refuses the certificate", script: func(v *conv) {
			v.srv(serverHello)
			v.cli(rec(21, 2, 6))
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
		}, unfinished: true, alert: true},
		{name: "TLS 1.3: the server's CCS then encrypted records prove nothing", script: func(v *conv) {
			v.srv(rec(22, 122, 2) + rec(20, 1, 7) + rec(23, 900, 8) + rec(23, 60, 9))
			v.cli(rec(21, 2, 6))
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
		}, unfinished: true, alert: true},
		{name: "TLS 1.3 HelloRetryRequest: the ServerHello after the server's CCS proves nothing", script: func(v *conv) {
			v.srv(rec(22, 88, 2) + rec(20, 1, 7))
			v.cli(rec(20, 1, 4) + rec(22, 300, 3))
			v.srv(rec(22, 122, 5) + rec(23, 900, 8))
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagFIN, "")
		}, unfinished: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			v := &conv{t: t, d: New(r, Options{}), c: convClient, s: netip.MustParseAddrPort("192.0.2.10:990"), cseq: 1000, sseq: 5000, ts: convT0}
			v.handshake()
			v.cli(string(realClientHello(t)))
			tc.script(v)
			v.ts = v.ts.Add(time.Second)
			v.d.Finish()
			closes := 0
			for _, e := range r.control {
				if e.Kind != ControlClose {
					continue
				}
				closes++
				if e.TLSUnfinished != tc.unfinished || e.TLSClientAlert != tc.alert {
					t.Errorf("TLSUnfinished %v, TLSClientAlert %v; want %v, %v", e.TLSUnfinished, e.TLSClientAlert, tc.unfinished, tc.alert)
				}
			}
			if closes != 1 {
				t.Fatalf("%d closes", closes)
			}
		})
	}
}
