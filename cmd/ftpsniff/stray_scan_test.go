package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestStrangerSYNsRaiseNoDataFailure guards two captures of a real vsftpd
// under a SYN scan of its passive range (testdata/stray): another
// address's SYN to an announced port is no data connection of the
// session's. scan-after-quit.pcap: a session's PASV, then QUIT, and 0.3 s
// later a scanner's SYN to the announced port refused by RST (the
// listener was closed): it read as the data connection refused, an error
// with a rule to open the passive range, which was open. blocked-scan.pcap:
// three clients' PASV and LIST, their data SYNs dropped before the
// capture point (vsftpd's 425 after 15 s); in two sessions a spoofed SYN
// to the announced port got a SYN-ACK nobody acknowledged (or the
// scanner's RST), and read as "connected: handshake done", a path that
// works, with "no firewall dropped it". Every announcement there is not
// attempted, as in the session no scanner reached. (scan-after-quit's
// client sent its QUIT right after the 227: its not-attempted is the info
// the transcript gives, no warning that lists the session.)
func TestStrangerSYNsRaiseNoDataFailure(t *testing.T) {
	for _, tc := range []struct {
		file string
		in   []string
		not  []string
	}{
		{"scan-after-quit.pcap",
			[]string{"data: 1 transferred, 1 not-attempted", "no session failed or raised a warning", "findings: 0 errors, 0 warnings, 3 info"},
			[]string{"data-refused", "refused", "change:", "nft insert", "pasv_min_port", "matched by port-only"}},
		{"blocked-scan.pcap",
			[]string{"data: 3 not-attempted", "warning data-not-attempted in 3 sessions from 3 clients (sessions 1, 2, 3)"},
			[]string{"2 connected", "connected:", "handshake done", "matched by port-only", "no firewall dropped it", "path of the data connection works"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var out, stderr bytes.Buffer
			run([]string{"read", "--color", "never", "--summary", "--pasv-range", "40000-40100", filepath.Join("testdata", "stray", tc.file)}, &out, &stderr)
			text := out.String()
			if stderr.Len() > 0 {
				t.Errorf("stderr: %s", stderr.String())
			}
			for _, w := range tc.in {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
			for _, b := range tc.not {
				if strings.Contains(text, b) {
					t.Errorf("output has %q:\n%s", b, text)
				}
			}
		})
	}
}
