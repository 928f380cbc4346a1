package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// dataRecord is the part of a `data` record these tests check.
type dataRecord struct {
	Type    string `json:"type"`
	Via     string `json:"via"`
	Outcome string `json:"outcome"`
	Match   string `json:"match"`
	Bytes   int64  `json:"bytes"`
	Command string `json:"command"`
	End     string `json:"end_reason"`
}

func dataRecords(t *testing.T, capFile string) []dataRecord {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--json", capFile}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var out []dataRecord
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r dataRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		if r.Type == "data" {
			out = append(out, r)
		}
	}
	return out
}

// TestRealCaptureOutcomes pins what each capture recorded from real vsftpd,
// curl, lftp and ftplib must show (pcaps/real/README.md): every endpoint's
// form, outcome and how its connection was matched, and the bytes moved.
func TestRealCaptureOutcomes(t *testing.T) {
	tests := []struct {
		file string
		want string // via:outcome[/match][=bytes][@command] per data connection
	}{
		{"passive-curl", "EPSV:transferred=4640@RETR EPSV:transferred=261@LIST"},
		{"passive-ftplib-pasv", "PASV:transferred=4640@RETR PASV:transferred=37@NLST"},
		{"passive-lftp", "PASV:transferred=131072@RETR PASV:transferred=261@LIST"},
		{"active-curl-eprt", "EPRT:transferred=4640@RETR"},
		{"active-ftplib-port", "PORT:transferred=4640@RETR"},
		{"ipv6-epsv", "EPSV:transferred=4640@RETR EPSV:transferred=4640@RETR EPRT:transferred=4640@RETR"},
		{"missing-file", "PASV:connected=0@RETR PORT:not-attempted=0@RETR"},
		{"upload-stor", "PASV:transferred=20000@STOR PASV:transferred=5000@APPE"},
		{"pasv-drop", "EPSV:unanswered=0 PASV:not-attempted=0"},
		{"pasv-outside-range", "EPSV:unanswered=0 PASV:not-attempted=0"},
		{"pasv-reject-rst", "EPSV:refused=0 PASV:refused=0"},
		{"pasv-reject-icmp", "EPSV:unreachable=0 PASV:unreachable=0"},
		{"pasv-reject-icmp6", "EPSV:unreachable=0"},
		{"nat-no-pasv-address-default-client", "PASV:transferred/control-address=4640@RETR"},
		{"nat-no-pasv-address-default-server", "PASV:transferred=4640@RETR"},
		{"nat-no-pasv-address-trusting-client", "PASV:unanswered=0"},
		{"nat-no-pasv-address-trusting-server", "PASV:not-attempted=0"},
		{"nat-pasv-address-client", "PASV:transferred=4640@RETR"},
		{"nat-pasv-address-server", "PASV:transferred/control-address=4640@RETR"},
		{"active-client-firewall", "PORT:unanswered=0@RETR"},
		{"ftps-explicit", "unknown:transferred/inferred"},
		// The failure stories (docs/troubleshooting.md).
		// require_ssl_reuse=YES: two full handshakes the server closes (connected: TLS
		// handshake only), one resumed transfer.
		{"ftps-reuse-required", "unknown:connected/inferred unknown:connected/inferred unknown:transferred/inferred"},
		// The data SYN arrives SNAT'ed from 10.99.0.3: matched by port only, 425 Bad IP.
		{"data-source-nat", "PASV:connected/port-only=0@RETR"},
		// 500 OOPS: invalid pasv_address to PASV: nothing announced.
		{"pasv-address-invalid", ""},
		// Eight refused logins, then one anonymous NLST.
		{"login-brute-force", "PASV:transferred=37@NLST"},
		// The upload completes on the data connection; the 226 never arrives.
		{"control-idle-nat-client", "PASV:transferred/control-address=131072@STOR"},
		{"control-idle-nat-server", "PASV:transferred=131072@STOR"},
		// Issue 13. The router drops the data SYN-ACK: the client's SYNs
		// (to the control address, curl's default) go unanswered.
		{"router-drop-data-synack-client", "PASV:unanswered/control-address=0"},
		// The router's FTP helper rewrote the first 227 and dropped the
		// first segment of the split second one: the client never saw it.
		{"helper-split-227-client", "PASV:transferred=4640@RETR"},
		{"helper-split-227-server", "PASV:transferred=4640@RETR PASV:not-attempted=0"},
		// The split second PORT never reached the server whole.
		{"helper-split-port-client", "PORT:transferred=4640@RETR"},
		{"helper-split-port-server", "PORT:transferred=4640@RETR"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			recs := dataRecords(t, filepath.Join("../../pcaps/real", tt.file+".pcap"))
			var got []string
			for _, r := range recs {
				s := r.Via + ":" + r.Outcome
				if r.Match != "" && r.Match != "exact" {
					s += "/" + r.Match
				}
				if r.Via != "unknown" {
					s += "=" + strconv.FormatInt(r.Bytes, 10)
				}
				if r.Command != "" {
					s += "@" + r.Command
				}
				got = append(got, s)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("got  %s\nwant %s", g, tt.want)
			}
		})
	}
}
