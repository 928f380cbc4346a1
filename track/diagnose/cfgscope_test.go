package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// Regression tests from the review of --server-config's scope (rev18
// rev-config): a configuration describes the servers on its control port
// (a ProFTPD <VirtualHost> the address and port it is bound to), of its
// own family; advice never asks to set what the file sets already, nor an
// address a 227 cannot carry.

// cfgPolicy parses text as the configuration file name.
func cfgPolicy(t *testing.T, name, text string) policy.Policy {
	t.Helper()
	sc, err := policy.ParseServerConfig(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return policy.Policy{Server: sc}
}

// findingText is a finding's message and advice, for matching.
func findingText(f *Finding) string { return f.Message + "\n" + f.Advice }

func TestServerConfigScope(t *testing.T) {
	const (
		vhost50k   = "Port 21\nPassivePorts 40000 40100\n<VirtualHost 10.99.0.1>\n  Port 21\n  PassivePorts 50000 50100\n</VirtualHost>\n"
		vhost40k   = "Port 21\nPassivePorts 50000 50100\n<VirtualHost 10.99.0.1>\n  Port 21\n  PassivePorts 40000 40100\n</VirtualHost>\n"
		port0vhost = "Port 0\n<VirtualHost 10.99.0.1>\n  Port 21\n  PassivePorts 50000 50100\n</VirtualHost>\n"
		vhostMasq  = "Port 2121\nPassivePorts 40000 40100\nMasqueradeAddress 10.99.1.9\n<VirtualHost 10.99.2.2>\n  Port 21\n  PassivePorts 40000 40100\n  MasqueradeAddress 10.99.1.1\n</VirtualHost>\n"
	)
	vsftpdWith := func(c policy.ServerConfig) policy.Policy {
		c.Kind, c.Path, c.ControlPort, c.PassiveEnabled, c.ActiveEnabled = policy.ServerVsftpd, "vsftpd.conf", 21, true, true
		return policy.Policy{Server: &c}
	}
	for _, tc := range []struct {
		name, capture string
		p             policy.Policy
		code          string // the finding checked; "" with absent set
		absent        bool   // code must not be raised at all
		want, never   []string
	}{
		// 1. A ProFTPD <VirtualHost> is a server of its own.
		{name: "the vhost's range, not the main server's", capture: "proftpd-pasv-drop.pcap",
			p: cfgPolicy(t, "proftpd.conf", vhost40k), code: CodePortOutsideRange, absent: true},
		{name: "a port outside the vhost's range", capture: "proftpd-pasv-drop.pcap",
			p: cfgPolicy(t, "proftpd.conf", vhost50k), code: CodePortOutsideRange, want: []string{"50000-50100", "does not run that configuration"}},
		{name: "Port 0 main server, the vhost answers", capture: "proftpd-pasv-drop.pcap",
			p: cfgPolicy(t, "proftpd.conf", port0vhost), code: CodePortOutsideRange, want: []string{"50000-50100"}},
		{name: "the vhost's MasqueradeAddress", capture: "proftpd-nat-no-masquerade-server.pcap",
			p: cfgPolicy(t, "proftpd.conf", vhostMasq), code: CodeNATMismatch,
			want: []string{"MasqueradeAddress 10.99.1.1 (proftpd.conf sets it already", "does not run that configuration"}, never: []string{"10.99.1.9"}},
		// 2. Not applied to a server on another port, or of another family.
		{name: "a server on another port", capture: "pasv-outside-range.pcap",
			p: cfgPolicy(t, "vsftpd.conf", "listen_port=2121\npasv_min_port=40000\npasv_max_port=40100\n"), code: CodePortOutsideRange, absent: true},
		{name: "a greeting naming another family", capture: "proftpd-nat-no-masquerade-client.pcap",
			p: cfgPolicy(t, "vsftpd.conf", "pasv_min_port=40000\npasv_max_port=40100\npasv_address=10.99.0.1\n"), code: CodeNATMismatch,
			want:  []string{"MasqueradeAddress 10.99.1.1", "vsftpd.conf is not applied to this server: its greeting names ProFTPD"},
			never: []string{"pasv_address", "10.99.0.1"}},
		// 3. An address the file sets already.
		{name: "pasv_address set already", capture: "nat-no-pasv-address-trusting-client.pcap",
			p: cfgPolicy(t, "vsftpd.conf", "pasv_min_port=40000\npasv_max_port=40100\npasv_address=10.99.1.1\n"), code: CodeNATMismatch,
			want:  []string{"sets pasv_address=10.99.1.1 already", "does not run that configuration"},
			never: []string{"Make the server announce the address clients reach it at: pasv_address=10.99.1.1 (restart"}},
		{name: "pasv_address not announced, client trusted the 227", capture: "nat-pasv-address-server.pcap",
			p: cfgPolicy(t, "vsftpd.conf", "pasv_min_port=40000\npasv_max_port=40100\npasv_address=10.99.1.9\n"), code: CodeNATMismatch, absent: true},
		{name: "pasv_address not announced: said", capture: "nat-pasv-address-server.pcap",
			p: cfgPolicy(t, "vsftpd.conf", "pasv_min_port=40000\npasv_max_port=40100\npasv_address=10.99.1.9\n"), code: CodeNATTranslated,
			want: []string{"sets pasv_address=10.99.1.9, though: the server that answered does not run that configuration"}},
		// 4. An IPv6 --public-address is no advice for a 227.
		{name: "IPv6 public address", capture: "nat-no-pasv-address-trusting-client.pcap",
			p: policy.Policy{PublicAddress: netip.MustParseAddr("2001:db8::1")}, code: CodeNATMismatch,
			want: []string{"pasv_address=10.99.1.1", "--public-address 2001:db8::1 is not advice"}, never: []string{"pasv_address=2001:db8::1"}},
		// 6. Settings the file turns off already.
		{name: "TLSOptions NoSessionReuseRequired", capture: "proftpd-ftps-reuse.pcap",
			p: cfgPolicy(t, "proftpd.conf", "PassivePorts 40000 40100\n<IfModule mod_tls.c>\n  TLSEngine on\n  TLSOptions NoSessionReuseRequired\n</IfModule>\n"), code: CodeTLSNotResumed,
			want:  []string{"turns the requirement off already (line 4: TLSOptions NoSessionReuseRequired)", "does not run that configuration"},
			never: []string{"add NoSessionReuseRequired"}},
		{name: "require_ssl_reuse=NO", capture: "ftps-reuse-required.pcap",
			p: vsftpdWith(policy.ServerConfig{TLSReuseOff: true, TLSReuseLine: "line 3: require_ssl_reuse=NO"}), code: CodeTLSNotResumed,
			want: []string{"turns the requirement off already (line 3: require_ssl_reuse=NO)"}, never: []string{"set require_ssl_reuse=NO"}},
		{name: "pasv_promiscuous=YES", capture: "data-source-nat.pcap",
			p: vsftpdWith(policy.ServerConfig{SourceCheckOff: true, SourceCheckLine: "line 3: pasv_promiscuous=YES"}), code: CodeDataSourceNAT,
			want: []string{"sets it already (line 3: pasv_promiscuous=YES): a server that refuses a data connection from another address does not run that configuration"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, _ := realRun(t, tc.capture, tc.p)
			fs := findingsOf(rec, tc.code)
			if tc.absent {
				for _, f := range fs {
					t.Errorf("%s raised: %s", tc.code, findingText(f))
				}
				return
			}
			if len(fs) == 0 {
				t.Fatalf("no %s; findings: %v", tc.code, codes(rec))
			}
			text := findingText(fs[0])
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("%s lacks %q:\n%s", tc.code, w, text)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(text, n) {
					t.Errorf("%s says %q:\n%s", tc.code, n, text)
				}
			}
		})
	}
}

func codes(rec *recorder) []string {
	var l []string
	for _, f := range rec.findings {
		l = append(l, f.Code)
	}
	return l
}

// TestProFTPDOnePortRangeTakesTwo: ProFTPD refuses PassivePorts with a
// maximum not above its minimum (mod_core.c set_passiveports), so advice
// for one port gives two and says so.
func TestProFTPDOnePortRangeTakesTwo(t *testing.T) {
	fam := family{kind: policy.ServerProFTPD}
	for _, tc := range []struct {
		r         policy.PortRange
		line, not string
	}{
		{policy.PortRange{Lo: 50000, Hi: 50000}, "PassivePorts 50000 50001", "PassivePorts 50000 50000"},
		{policy.PortRange{Lo: 65535, Hi: 65535}, "PassivePorts 65534 65535", "PassivePorts 65535 65535"},
		{policy.PortRange{Lo: 40000, Hi: 40100}, "PassivePorts 40000 40100", "refuses a one-port"},
	} {
		set, lines := fam.rangeSet(tc.r), strings.Join(fam.rangeLines(tc.r), "\n")
		for _, s := range []string{set, lines} {
			if !strings.Contains(s, tc.line) || strings.Contains(s, tc.not) {
				t.Errorf("%s: %q", tc.r, s)
			}
		}
		if tc.r.Lo == tc.r.Hi && !strings.Contains(lines, "# ProFTPD refuses a one-port PassivePorts") {
			t.Errorf("%s: no note: %q", tc.r, lines)
		}
	}
}
