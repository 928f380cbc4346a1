package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestFTPSHangInHandshakeIsNoEncryptedSession guards the classic FTPS
// hang (pcaps/real/pmtu-ftps-{client,server}.pcap, curl --ssl-reqd
// through a path MTU black hole: the server's 1437-byte certificate
// flight sent 6 times, never acknowledged; curl "SSL connection
// timeout"). Both sides read as a working encrypted session: "login not
// visible (encrypted)", a control-encrypted warning whose fix opened
// 40000-40100, and nothing said the handshake never finished. Now each
// side says control-tls-unfinished (an error, in text and JSON, with the
// session's tls_unfinished and login_state), the server's side with the
// segment sent again and the path MTU reading, the client's with the
// server's flight that never came; no passive-port advice, no
// control-encrypted, no separate control-undelivered.
func TestFTPSHangInHandshakeIsNoEncryptedSession(t *testing.T) {
	for _, tc := range []struct {
		side, capture string
		want          []string
	}{
		{"server", "../../pcaps/real/pmtu-ftps-server.pcap", []string{"1437-byte segment of the handshake again", "path MTU black hole", "TCPMSS --clamp-mss-to-pmtu"}},
		{"client", "../../pcaps/real/pmtu-ftps-client.pcap", []string{"Only 99 bytes of the server's TLS", "Capture on the server's side"}},
		// Implicit FTPS on 990, the same hang (pcaps/synth implicitFTPSHang).
		{"implicit", "../../pcaps/synthetic/implicit-ftps-hang.pcap", []string{"to port 990 (implicit FTPS) began its TLS handshake", "1448-byte segment of the handshake again", "path MTU black hole"}},
	} {
		capture := tc.capture
		var stdout, stderr bytes.Buffer
		run([]string{"read", "--color", "never", "--full", "-v", capture}, &stdout, &stderr)
		out := strings.Join(strings.Fields(stdout.String()), " ") // (the text wraps)
		for _, w := range append([]string{"error control-tls-unfinished", "no login (TLS handshake never completed)", "no session got as far as a data connection"}, tc.want...) {
			if !strings.Contains(out, w) {
				t.Errorf("%s side: %q missing:\n%s", tc.side, w, out)
			}
		}
		for _, w := range []string{"login not visible", "control-encrypted", "40000-40100", "control-undelivered"} {
			if strings.Contains(out, w) {
				t.Errorf("%s side: %q shown:\n%s", tc.side, w, out)
			}
		}
		var codes []string
		unfinished := false
		for _, r := range runJSONRecords(t, []string{"read", "--json", capture}) {
			switch r["type"] {
			case "finding":
				codes = append(codes, fmt.Sprint(r["code"]))
			case "session":
				unfinished = r["tls_unfinished"] == true
				if got := r["login_state"]; got != "no login (TLS handshake never completed)" {
					t.Errorf("%s side: login_state %v", tc.side, got)
				}
			}
		}
		if len(codes) != 1 || codes[0] != "control-tls-unfinished" || !unfinished {
			t.Errorf("%s side: JSON findings %v, tls_unfinished %v; want control-tls-unfinished alone, true", tc.side, codes, unfinished)
		}
	}
}
