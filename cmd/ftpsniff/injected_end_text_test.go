package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestInjectedEndText guards what the transcript says of one injected
// packet (pcaps/hostile/attack/inject.py, review rev43): a PORT injected
// after the 221 as the client's last bytes, its FIN at their sequence
// number, is marked not taken with the unconfirmed event, and
// draws no ftp-bounce, nor, with --helper linux, a helper finding and
// its rule (the helper simulation read it as the client's and offered an
// nft rule); a 229 injected after the 221 is an unsolicited reply that
// arms nothing: no passive-privileged-port, no port-outside-range and no
// change with --pasv-range.
func TestInjectedEndText(t *testing.T) {
	for _, tc := range []struct {
		file        string
		args        []string
		want, never []string
	}{
		{"inj_client_port_third.pcap", []string{"--helper", "linux"},
			[]string{"(not taken: the server never acknowledged it; see unconfirmed below)", "!! unconfirmed: the client's last 20 bytes (PORT), from packet 36", "client's FIN (packet 37)", "end: fin after"},
			[]string{"ftp-bounce", "helper-rewrite", "nft ", "bounce attempt"}},
		{"inj_server_229.pcap", []string{"--pasv-range", "40000-60000"},
			[]string{"--> 229 Extended Passive Mode Entered (|||445|) (unsolicited: the client sent no PASV, EPSV or LPSV; its endpoint is not followed)", "!! unconfirmed: the server's last 45 bytes"},
			[]string{"passive-privileged-port", "port-outside-range", "change:", "EPSV not in the capture", "data #2"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"read", "--color", "never"}, tc.args...)
			run(append(args, "../../pcaps/hostile/attack/"+tc.file), &stdout, &stderr)
			out := strings.Join(strings.Fields(stdout.String()), " ")
			for _, s := range tc.want {
				if !strings.Contains(out, s) {
					t.Errorf("lacks %q", s)
				}
			}
			for _, s := range tc.never {
				if strings.Contains(out, s) {
					t.Errorf("has %q", s)
				}
			}
			if t.Failed() {
				t.Log(stdout.String(), stderr.String())
			}
		})
	}
}
