package decode

import (
	"net/netip"
	"testing"
)

// TestClientHelloAnsweredInClearNotCounted: a client that opens a
// control connection with a TLS ClientHello is counted for the note that
// names --implicit-tls-port only when its server does not answer in clear
// FTP. A scanner that speaks first to a plain vsftpd on 21 (its ClientHello
// captured before the server's 220) counted, and the note told the admin
// to give --implicit-tls-port for a server that is no implicit FTPS.
func TestClientHelloAnsweredInClearNotCounted(t *testing.T) {
	hello := realClientHello(t)
	count := func(server netip.AddrPort, script func(v *conv)) uint64 {
		t.Helper()
		v := &conv{t: t, d: New(&recorder{}, Options{ControlPorts: []uint16{21, 9990}}), c: convClient, s: server, cseq: 1000, sseq: 5000, ts: convT0}
		v.handshake()
		script(v)
		v.d.Finish()
		return v.d.Stats().ClientHelloOnControlPort
	}
	s9990 := netip.MustParseAddrPort("192.0.2.10:9990")
	for _, tc := range []struct {
		name   string
		server netip.AddrPort
		script func(v *conv)
		want   uint64
	}{
		{"220 in clear after the ClientHello, on 21", convServer, func(v *conv) {
			v.cli(string(hello))
			v.srv("220 (vsFTPd 3.0.3)\r\n")
		}, 0},
		{"500 in clear after the ClientHello", s9990, func(v *conv) {
			v.cli(string(hello))
			v.srv("500 OOPS: vsftpd: refusing to run with writable root\r\n")
		}, 0},
		{"TLS answer", s9990, implicitSession(hello), 1},
		{"no answer in the capture", s9990, func(v *conv) {
			v.cli(string(hello))
		}, 1},
	} {
		if n := count(tc.server, tc.script); n != tc.want {
			t.Errorf("%s: counted %d, want %d", tc.name, n, tc.want)
		}
	}
}
