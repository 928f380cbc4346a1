package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestFullRangeFallbackOnlyWhereTheFamilyLeavesIt guards
// passive-range-exhausted against families that never leave their range:
// Pure-FTPd (ftpd.c dopasv answers 425 when every port is busy) and vsftpd
// (privops.c gives up) announcing a port outside the range given are not
// running that configuration; ProFTPD and pyftpdlib do fall back to a port
// the kernel chooses, and say so by name.
func TestFullRangeFallbackOnlyWhereTheFamilyLeavesIt(t *testing.T) {
	four := []uint16{40000, 40001, 40002, 40003}
	cfg := func(k policy.ServerKind) policy.Policy {
		return policy.Policy{Server: &policy.ServerConfig{Path: "server.conf", Kind: k, ControlPort: 21, PassiveEnabled: true,
			PassiveRange: policy.Ranges{{Lo: 40000, Hi: 40003}}}}
	}
	for _, tc := range []struct {
		name      string
		p         policy.Policy
		greeting  string
		exhausted bool
		says      string // in passive-range-exhausted, or in port-outside-range when not exhausted
	}{
		{"Pure-FTPd by its configuration", cfg(policy.ServerPureFTPd), "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------", false, "does not run that configuration"},
		{"Pure-FTPd by its greeting", policy.Policy{}, "---------- Welcome to Pure-FTPd [privsep] [TLS] ----------", false, ""},
		{"vsftpd by its configuration", cfg(policy.ServerVsftpd), "(vsFTPd 3.0.5)", false, "does not run that configuration"},
		{"ProFTPD", cfg(policy.ServerProFTPD), "ProFTPD Server (Debian)", true, "ProFTPD does so"},
		{"pyftpdlib by its greeting", policy.Policy{}, "pyftpdlib 1.5.7 ready.", true, "pyftpdlib does so"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := feed(tc.p, pasvCycle(tc.greeting, four, 47129))
			f := c.find(CodeRangeExhausted)
			if (f != nil) != tc.exhausted {
				t.Fatalf("passive-range-exhausted: %v, want %v (%v)", f != nil, tc.exhausted, f)
			}
			if tc.says == "" {
				return
			}
			if !tc.exhausted {
				if f = c.find(CodePortOutsideRange); f == nil {
					t.Fatal("no port-outside-range")
				}
				if strings.Contains(f.Message, "fell back") {
					t.Errorf("port-outside-range says the server fell back: %s", f.Message)
				}
			}
			if !strings.Contains(f.Message, tc.says) {
				t.Errorf("%s lacks %q: %s", f.Code, tc.says, f.Message)
			}
		})
	}
}

// TestAnyPortBehaviourIsTheServersOwn guards the no-range advice: vsftpd
// (privops.c) and Pure-FTPd (dopasv, 1024-65534 by default) pick the port
// themselves, not from the kernel's ephemeral range; ProFTPD binds port 0
// and the kernel picks.
func TestAnyPortBehaviourIsTheServersOwn(t *testing.T) {
	for _, tc := range []struct {
		k          policy.ServerKind
		want       string
		kernelSaid bool
	}{
		{policy.ServerVsftpd, "random port from 5001-65535 itself", false},
		{policy.ServerPureFTPd, "random port from 1024-65534 itself", false},
		{policy.ServerProFTPD, "the kernel pick any ephemeral port (net.ipv4.ip_local_port_range)", true},
	} {
		got := anyPortBehaviour(tc.k)
		if !strings.Contains(got, tc.want) || strings.Contains(got, "kernel") != tc.kernelSaid {
			t.Errorf("%s: %q, want %q (kernel named: %v)", tc.k, got, tc.want, tc.kernelSaid)
		}
		d := New(policy.Policy{Server: &policy.ServerConfig{Path: "server.conf", Kind: tc.k, ControlPort: 21, PassiveEnabled: true}}, nil, &collect{})
		a := d.noRangeAdvice(family{kind: tc.k, cfg: d.p.Server}, false, place{})
		if strings.Contains(a, "ip_local_port_range") != tc.kernelSaid {
			t.Errorf("%s: no-range advice names the kernel's range: %s", tc.k, a)
		}
	}
}
