package main

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelperEncryptedAdviceSaysBehindNAT guards helper-encrypted's
// advice: it told every server to "set the server's public address
// (vsftpd's pasv_address)", also one whose clients share its network
// (rev-newnet's fw-helper-ftps.pcap, client 10.99.0.2, server
// 10.99.0.1), where no NAT stands between them and the address the
// server announces is already right. The public address is for a server
// behind NAT, as the other findings say; the passive range is to open
// either way. Both the TLS and the RFC 2228 wordings.
func TestHelperEncryptedAdviceSaysBehindNAT(t *testing.T) {
	tlsClient := "\x16\x03\x01\x00\x2a\x01\x00\x00\x26\x03\x03hello"
	tlsServer := "\x16\x03\x03\x00\x2a\x02\x00\x00\x26\x03\x03hello"
	gss := [][2]string{{"AUTH GSSAPI", "334 Using authentication type GSSAPI; ADAT must follow"}, {"ADAT YIIB2QYJKoZIhvcSAQICAQBu", "235 ADAT=YGwGCSqGSIb3EgECAgIAb10w"}}
	for _, tc := range []struct {
		name     string
		exchange [][2]string
	}{
		{"tls", [][2]string{{"AUTH TLS", "234 AUTH TLS successful"}, {tlsClient, tlsServer}}},
		{"gssapi enc", append(append([][2]string{}, gss...), [2]string{"ENC YEQGCSqGSIb3EgECAgIBAAD", "632 YEQGCSqGSIb3EgECAgIBAAD"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.pcap")
			writeHelperCapture(t, path, helperSession{
				client:    netip.MustParseAddrPort("10.99.0.2:40001"),
				server:    netip.MustParseAddrPort("10.99.0.1:21"),
				handshake: true,
				exchange:  tc.exchange,
			})
			enc := findingsOf(helperCodeFindings(t, path), CodeHelperEncrypt)
			if len(enc) != 1 {
				t.Fatalf("%d helper-encrypted findings, want 1", len(enc))
			}
			adv, _ := enc[0]["advice"].(string)
			if !strings.Contains(adv, "open the server's passive port range") || !strings.Contains(adv, "behind NAT, set the server's public address") {
				t.Errorf("advice %q does not keep the public address for a server behind NAT", adv)
			}
		})
	}
}
