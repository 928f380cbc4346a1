package main

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelperEncryptedFromWhatTheSimulationSaw guards helper-encrypted:
// raised from what crosses the control connection, not from the 234
// alone, and worded for what protects the announcements. A client that
// goes on in clear after AUTH TLS's 234 (no TLS record crosses) leaves
// its 227 readable to the helper, which the simulation reads: no warning
// (reviewer's auth-then-clear-pasv.pcap). A TLS record after the 234
// makes the helper blind. RFC 2228 protected commands (GSSAPI, as GridFTP
// uses) are no TLS: ENC is encrypted, MIC is integrity-protected base64
// that a helper does not decode (reviewer's gssapi.pcap, gssapi-mic.pcap).
func TestHelperEncryptedFromWhatTheSimulationSaw(t *testing.T) {
	login := [][2]string{{"USER bob", "331 Password required"}, {"PASS secret", "230 Logged in"}}
	pasv := [2]string{"PASV", "227 Entering Passive Mode (10,0,0,5,156,64)."}
	tlsClient := "\x16\x03\x01\x00\x2a\x01\x00\x00\x26\x03\x03hello"
	tlsServer := "\x16\x03\x03\x00\x2a\x02\x00\x00\x26\x03\x03hello"
	gss := [][2]string{{"AUTH GSSAPI", "334 Using authentication type GSSAPI; ADAT must follow"}, {"ADAT YIIB2QYJKoZIhvcSAQICAQBu", "235 ADAT=YGwGCSqGSIb3EgECAgIAb10w"}}
	for _, tc := range []struct {
		name     string
		exchange [][2]string
		want     bool     // a helper-encrypted finding
		words    []string // in its message
		notWords []string
	}{
		{"auth then clear", append(append([][2]string{{"AUTH TLS", "234 AUTH TLS successful"}}, login...), pasv), false, nil, nil},
		{"auth then tls", [][2]string{{"AUTH TLS", "234 AUTH TLS successful"}, {tlsClient, tlsServer}}, true, []string{"under TLS"}, nil},
		// The client's ClientHello alone, the server answering in clear
		// text: no TLS started, the helper reads on.
		{"clienthello answered in clear", append([][2]string{{"AUTH TLS", "234 AUTH TLS successful"}, {tlsClient, "500 Invalid command"}}, pasv), false, nil, nil},
		{"gssapi enc", append(append([][2]string{}, gss...), [2]string{"ENC YEQGCSqGSIb3EgECAgIBAAD", "632 YEQGCSqGSIb3EgECAgIBAAD"}), true,
			[]string{"RFC 2228 protected (ENC)", "encrypted inside ENC or CONF commands"}, []string{"TLS"}},
		{"gssapi mic", append(append([][2]string{}, gss...), [2]string{"MIC YEQGCSqGSIb3EgECAgIBAAD", "631 YEQGCSqGSIb3EgECAgIBAAD"}), true,
			[]string{"RFC 2228 protected (MIC)", "integrity-protected and base64-encoded, not encrypted"}, []string{"TLS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.pcap")
			writeHelperCapture(t, path, helperSession{
				client:    netip.MustParseAddrPort("192.0.2.10:40001"),
				server:    netip.MustParseAddrPort("10.0.0.5:21"),
				handshake: true,
				exchange:  tc.exchange,
			})
			enc := findingsOf(helperCodeFindings(t, path), CodeHelperEncrypt)
			if !tc.want {
				for _, f := range enc {
					t.Errorf("%v %s: %v", f["severity"], CodeHelperEncrypt, f["message"])
				}
				return
			}
			if len(enc) != 1 {
				t.Fatalf("%d helper-encrypted findings, want 1", len(enc))
			}
			msg, _ := enc[0]["message"].(string)
			for _, w := range tc.words {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			for _, w := range tc.notWords {
				if strings.Contains(msg, w) {
					t.Errorf("message %q says %q", msg, w)
				}
			}
		})
	}
}
