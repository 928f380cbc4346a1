package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

const implicit9990 = "../../pcaps/real/implicit-ftps-port-9990.pcap"

// TestGoldenImplicitTLSPort pins implicit FTPS on a port other than 990
// (vsftpd implicit_ssl=YES, listen_port=9990; the second session's
// passive range dropped) read with --implicit-tls-port 9990: two
// encrypted sessions, a transfer and an unanswered data connection with
// its error and the firewall change. Before, read without the flag
// reported no session at all and no flag could make it read the port as
// implicit FTPS; with --control-port 9990 it printed the ciphertext as
// lines that were not FTP and found no data connection.
func TestGoldenImplicitTLSPort(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	for _, mode := range []struct {
		ext  string
		args []string
	}{
		{".txt", []string{"read", "--color", "never"}},
		{".jsonl", []string{"read", "--json"}},
	} {
		t.Run(mode.ext, func(t *testing.T) {
			checkGolden(t, "implicit-tls-port-9990"+mode.ext, append(mode.args, "--implicit-tls-port", "9990", implicit9990))
		})
	}
}

// TestImplicitTLSPortFlag: the flag refuses what is no TCP port, and
// live's --filter-ports keeps its port beside 990 (a port below 1024
// would be dropped otherwise).
func TestImplicitTLSPortFlag(t *testing.T) {
	for _, p := range []string{"0", "65536"} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"read", "--implicit-tls-port", p, implicit9990}, &stdout, &stderr)
		line := strings.TrimSuffix(stderr.String(), "\n")
		if code != exitError || strings.Contains(line, "\n") || !strings.Contains(line, "--implicit-tls-port "+p) {
			t.Errorf("--implicit-tls-port %s: exit %d, stderr %q: want 2 and one line naming it", p, code, stderr.String())
		}
	}
	o := &liveOptions{FilterPorts: true}
	o.ImplicitPorts = []uint{89} // below 1024: dropped unless named
	cfg, err := o.captureConfig()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []uint16{21, 990, 89} {
		if !slices.Contains(cfg.Filter.Ports, p) {
			t.Errorf("--filter-ports with --implicit-tls-port 89 keeps ports %v: no %d", cfg.Filter.Ports, p)
		}
	}
	if d := o.decodeOptions(); !slices.Equal(d.ImplicitTLSPorts, []uint16{990, 89}) {
		t.Errorf("decode options' implicit TLS ports %v, want [990 89]", d.ImplicitTLSPorts)
	}
}
