package policy

import (
	"net/netip"
	"strings"
	"testing"
)

// Regression tests from the review of --server-config's scope (rev18
// rev-config): which part of a configuration configures the server a
// session reached, and ProFTPD settings that were not read.

// TestConfigForTheServerReached: a ProFTPD <VirtualHost> is a server of
// its own (its Port, its addresses, <Global>'s settings and not the main
// server's); a configuration is not applied to a server on another port
// or address, or whose greeting names another family.
func TestConfigForTheServerReached(t *testing.T) {
	const (
		vhost = "Port 2121\nPassivePorts 40000 40100\nMasqueradeAddress 10.99.1.9\n<Global>\n  AllowForeignAddress on\n</Global>\n" +
			"<VirtualHost 10.99.0.1 10.99.2.2>\n  Port 21\n  PassivePorts 50000 50100\n  MasqueradeAddress 10.99.1.1\n</VirtualHost>\n"
		port0   = "Port 0\n<VirtualHost 10.99.0.1>\n  Port 21\n  PassivePorts 50000 50100\n</VirtualHost>\n"
		dflt    = "Port 0\n<VirtualHost 192.0.2.7>\n  DefaultServer on\n  PassivePorts 50000 50100\n</VirtualHost>\n"
		vsftpd2 = "listen_port=2121\npasv_min_port=40000\npasv_max_port=40100\n"
	)
	for _, tc := range []struct {
		name, file, conf string
		srv              string
		greeting         ServerKind
		rng, public      string // "" with why set: not applied
		sourceCheckOff   bool
		why              string
	}{
		{"vhost by address and port", "proftpd.conf", vhost, "10.99.0.1:21", ServerUnknown, "50000-50100", "10.99.1.1", true, ""},
		{"vhost's second address", "proftpd.conf", vhost, "10.99.2.2:21", ServerProFTPD, "50000-50100", "10.99.1.1", true, ""},
		{"main server on its port", "proftpd.conf", vhost, "10.99.0.1:2121", ServerUnknown, "40000-40100", "10.99.1.9", true, ""},
		{"no server on port 21 at that address", "proftpd.conf", vhost, "10.99.3.3:21", ServerUnknown, "", "", false, "listen on 10.99.0.1, 10.99.2.2 only"},
		{"another port", "proftpd.conf", vhost, "10.99.0.1:990", ServerUnknown, "", "", false, "it listens on port 990, not 2121 or 21"},
		{"Port 0 main server", "proftpd.conf", port0, "10.99.0.1:21", ServerUnknown, "50000-50100", "", false, ""},
		{"Port 0, another address", "proftpd.conf", port0, "10.99.0.2:21", ServerUnknown, "", "", false, "listen on 10.99.0.1 only"},
		{"DefaultServer vhost", "proftpd.conf", dflt, "10.99.0.1:21", ServerUnknown, "50000-50100", "", false, ""},
		{"vsftpd on its port", "vsftpd.conf", vsftpd2, "10.99.0.1:2121", ServerVsftpd, "40000-40100", "", false, ""},
		{"vsftpd, another port", "vsftpd.conf", vsftpd2, "10.99.0.1:21", ServerUnknown, "", "", false, "it listens on port 21, not 2121"},
		{"vsftpd, a ProFTPD greeting", "vsftpd.conf", vsftpd2, "10.99.1.1:2121", ServerProFTPD, "", "", false, "its greeting names ProFTPD, not vsftpd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseServerConfig(tc.file, []byte(tc.conf))
			if err != nil {
				t.Fatal(err)
			}
			p, why := Policy{Server: c}.For(netip.MustParseAddrPort(tc.srv), tc.greeting)
			sc := p.Server
			if tc.why != "" {
				if sc != nil || !strings.Contains(why, tc.why) {
					t.Errorf("config %v applied, why %q; want none, %q", sc, why, tc.why)
				}
				return
			}
			if sc == nil {
				t.Fatalf("not applied: %s", why)
			}
			if got := sc.PassiveRange.String(); got != tc.rng {
				t.Errorf("range %s, want %s", got, tc.rng)
			}
			if got := sc.PublicAddress; tc.public != "" && got.String() != tc.public || tc.public == "" && got.IsValid() {
				t.Errorf("public %v, want %q", got, tc.public)
			}
			if sc.SourceCheckOff != tc.sourceCheckOff {
				t.Errorf("SourceCheckOff %v", sc.SourceCheckOff)
			}
			if p.PassiveRanges().String() != tc.rng {
				t.Errorf("Policy.PassiveRanges %s", p.PassiveRanges())
			}
		})
	}
}

// TestProFTPDSettingsRead: a one-port PassivePorts is refused by ProFTPD
// ("min port must be less than max port"), TLSOptions
// NoSessionReuseRequired lifts the resumption requirement, and Describe
// lists each virtual host.
func TestProFTPDSettingsRead(t *testing.T) {
	if _, err := ParseProFTPD("p.conf", []byte("PassivePorts 50000 50000\n")); err == nil || !strings.Contains(err.Error(), "p.conf:1: PassivePorts 50000 50000: ProFTPD refuses a one-port range") {
		t.Errorf("one-port range: %v", err)
	}
	c, err := ParseProFTPD("p.conf", []byte("<IfModule mod_tls.c>\n  TLSEngine on\n  TLSOptions EnableDiags NoSessionReuseRequired\n</IfModule>\n<VirtualHost 10.99.0.1>\n  TLSOptions EnableDiags\n</VirtualHost>\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.TLSReuseOff || c.TLSReuseLine != "line 3: TLSOptions EnableDiags NoSessionReuseRequired" {
		t.Errorf("main: TLSReuseOff %v %q", c.TLSReuseOff, c.TLSReuseLine)
	}
	if len(c.Hosts) != 1 || c.Hosts[0].TLSReuseOff {
		t.Errorf("the vhost takes its own TLSOptions: %+v", c.Hosts)
	}
	d := Policy{Server: c}.Describe()
	for _, s := range []string{"<VirtualHost 10.99.0.1> of line 5, a server of its own:", "    line 6: TLSOptions EnableDiags", "    => control port 21"} {
		if !strings.Contains(d, s) {
			t.Errorf("Describe lacks %q:\n%s", s, d)
		}
	}
}
