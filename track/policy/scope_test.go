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
		// rev18 rev2-track 5b: a <VirtualHost> named by a host name.
		namevh      = "DefaultServer on\nPort 21\nPassivePorts 50000 50100\n<VirtualHost ftp.example.com>\n  PassivePorts 40000 40100\n</VirtualHost>\n"
		namevh2121  = "Port 21\nPassivePorts 50000 50100\n<VirtualHost ftp.example.com>\n  Port 2121\n  PassivePorts 40000 40100\n</VirtualHost>\n"
		addrAndName = "PassivePorts 50000 50100\n<VirtualHost 10.99.0.1>\n  PassivePorts 41000 41100\n</VirtualHost>\n<VirtualHost ftp.example.com>\n  PassivePorts 40000 40100\n</VirtualHost>\n"
		dfltAndName = "Port 0\n<VirtualHost 192.0.2.7>\n  DefaultServer on\n  PassivePorts 50000 50100\n</VirtualHost>\n<VirtualHost ftp.example.com>\n  PassivePorts 40000 40100\n</VirtualHost>\n"
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
		{"named vhost on the port: main or it", "proftpd.conf", namevh, "10.99.0.1:21", ServerUnknown, "", "", false, "the <VirtualHost ftp.example.com> of line 4 on port 21 is named by a host name ftpsniff does not resolve: if it is 10.99.0.1, that host serves this session, else the main server does, and ftpsniff cannot tell which"},
		{"named vhost on another port", "proftpd.conf", namevh2121, "10.99.0.1:21", ServerUnknown, "50000-50100", "", false, ""},
		{"named vhost on its port, main elsewhere", "proftpd.conf", namevh2121, "10.99.0.1:2121", ServerUnknown, "", "", false, "listen on ftp.example.com only"},
		{"vhost by address before a named one", "proftpd.conf", addrAndName, "10.99.0.1:21", ServerUnknown, "41000-41100", "", false, ""},
		{"named vhost or the DefaultServer", "proftpd.conf", dfltAndName, "10.99.0.1:21", ServerUnknown, "", "", false, "else the DefaultServer <VirtualHost 192.0.2.7> of line 2 does"},
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

// TestProFTPDPrecedenceAsProFTPD guards ProFTPD's precedence (rev18
// rev2-track 5a, 5c): find_config returns the first record of a server's
// set, which holds its own records in file order and then the copies of
// <Global>'s (dirtree.c copy_global_to_all, xaset_insert_end), so a
// server's own setting wins over <Global>'s in any order, and the first of
// a repeated one wins; TLSOptions are OR'd; Port is the last one; Port and
// DefaultServer in <Global>, a second DefaultServer on and a <VirtualHost>
// in <Global> stop ProFTPD, so they are errors naming the line.
func TestProFTPDPrecedenceAsProFTPD(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		host       int // 0: the main server, k: c.Hosts[k-1]
		rng        string
		public     string
		sourceOff  bool
		tlsOff     bool
		port       uint16
		dflt       bool
		note       string
		err        string
	}{
		{name: "own before <Global>", conf: "ServerName \"main\"\nDefaultServer on\nPort 21\nPassivePorts 40000 40100\n<Global>\n  PassivePorts 50000 50100\n</Global>\n",
			rng: "40000-40100", port: 21, dflt: true, note: "line 6: PassivePorts 50000 50100 (in <Global>) is not used by this server: its own PassivePorts (line 4) wins"},
		{name: "own after <Global>", conf: "<Global>\n  PassivePorts 50000 50100\n</Global>\nPassivePorts 40000 40100\n", rng: "40000-40100", port: 21},
		{name: "<Global> where the server sets none", conf: "PassivePorts 40000 40100\n<Global>\n  PassivePorts 50000 50100\n</Global>\n<VirtualHost 10.0.0.1>\n</VirtualHost>\n", host: 1, rng: "50000-50100", port: 21},
		{name: "vhost's own before a later <Global>", conf: "<VirtualHost 10.0.0.1>\n  PassivePorts 40000 40100\n</VirtualHost>\n<Global>\n  PassivePorts 50000 50100\n</Global>\n", host: 1, rng: "40000-40100", port: 21},
		{name: "repeated in one server: the first", conf: "PassivePorts 40000 40100\nPassivePorts 50000 50100\n", rng: "40000-40100", port: 21,
			note: "line 2: PassivePorts 50000 50100 is not used: this server's PassivePorts of line 1 comes first, and ProFTPD uses the first"},
		{name: "<Global> inside a vhost is for every server", conf: "<VirtualHost 10.0.0.1>\n  <Global>\n    PassivePorts 50000 50100\n  </Global>\n</VirtualHost>\n", rng: "50000-50100", port: 21},
		{name: "the main server's <Global> is copied first", conf: "<VirtualHost 10.0.0.1>\n  <Global>\n    PassivePorts 50000 50100\n  </Global>\n</VirtualHost>\n<Global>\n  PassivePorts 40000 40100\n</Global>\n", host: 1, rng: "40000-40100", port: 21,
			note: "line 3: PassivePorts 50000 50100 (in <Global>) is not used: the <Global> PassivePorts of line 7 comes first"},
		{name: "MasqueradeAddress own wins", conf: "MasqueradeAddress 192.0.2.1\n<Global>\n  MasqueradeAddress 192.0.2.9\n</Global>\n", public: "192.0.2.1", port: 21},
		{name: "AllowForeignAddress off own wins", conf: "AllowForeignAddress off\n<Global>\n  AllowForeignAddress on\n</Global>\n", port: 21},
		{name: "TLSOptions are OR'd", conf: "TLSOptions NoSessionReuseRequired\nTLSOptions EnableDiags\n", tlsOff: true, port: 21},
		{name: "the last Port", conf: "Port 21\nPort 2121\n", port: 2121, note: "line 1: Port 21 is not used: the last Port of a server counts (line 2)"},
		{name: "DefaultServer off stores nothing", conf: "DefaultServer on\nDefaultServer off\n", port: 21, dflt: true},
		{name: "Port in <Global>", conf: "ServerName \"main\"\nDefaultServer on\nPassivePorts 40000 40100\n<Global>\n  Port 2121\n</Global>\n",
			err: "p.conf:5: Port inside <Global>: ProFTPD refuses it"},
		{name: "Port in a vhost's <Global>", conf: "<VirtualHost 10.0.0.1>\n<Global>\nPort 2121\n</Global>\n</VirtualHost>\n", err: "p.conf:3: Port inside <Global>"},
		{name: "DefaultServer in <Global>", conf: "<Global>\n  DefaultServer on\n</Global>\n", err: "p.conf:2: DefaultServer inside <Global>: ProFTPD refuses it"},
		{name: "two DefaultServer on", conf: "DefaultServer on\n<VirtualHost 10.0.0.1>\n  DefaultServer on\n</VirtualHost>\n", err: "p.conf:3: DefaultServer on: already set on line 1"},
		{name: "vhost in <Global>", conf: "<Global>\n<VirtualHost 10.0.0.1>\n</VirtualHost>\n</Global>\n", err: "p.conf:2: <VirtualHost> inside <Global>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseProFTPD("p.conf", []byte(tc.conf))
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("err %v, want prefix %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sc := c
			if tc.host > 0 {
				sc = c.Hosts[tc.host-1]
			}
			if got := sc.PassiveRange.String(); got != tc.rng {
				t.Errorf("range %q, want %q", got, tc.rng)
			}
			if got := sc.PublicAddress; tc.public == "" && got.IsValid() || tc.public != "" && got.String() != tc.public {
				t.Errorf("public %v, want %q", got, tc.public)
			}
			if sc.SourceCheckOff != tc.sourceOff || sc.TLSReuseOff != tc.tlsOff || sc.ControlPort != tc.port || sc.DefaultServer != tc.dflt {
				t.Errorf("source check off %v, TLS reuse off %v, port %d, default %v; want %v %v %d %v", sc.SourceCheckOff, sc.TLSReuseOff, sc.ControlPort, sc.DefaultServer, tc.sourceOff, tc.tlsOff, tc.port, tc.dflt)
			}
			if notes := strings.Join(sc.Notes, "\n"); !strings.Contains(notes, tc.note) {
				t.Errorf("notes %q lack %q", notes, tc.note)
			}
		})
	}
}

// TestProFTPDSettingsBelowAServer: a setting of a whole server inside
// <Anonymous>, <Directory> or <Limit> was read as the server's, though
// ProFTPD refuses PassivePorts, MasqueradeAddress, TLSOptions, Port and
// DefaultServer there (and does not start), and AllowForeignAddress in
// <Anonymous> lets only the anonymous logins' data connections come from
// another address.
func TestProFTPDSettingsBelowAServer(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		err        string // "" when the file is taken
		rng        string
		sourceOff  bool
		note       string
	}{
		{"PassivePorts in <Anonymous>", "PassivePorts 40000 40100\n<Anonymous ~ftp>\n  PassivePorts 50000 50100\n</Anonymous>\n",
			"proftpd.conf:3: PassivePorts inside <Anonymous>: ProFTPD refuses it there", "", false, ""},
		{"MasqueradeAddress in <Directory>", "<Directory /srv>\n  MasqueradeAddress 192.0.2.1\n</Directory>\n",
			"proftpd.conf:2: MasqueradeAddress inside <Directory>", "", false, ""},
		{"Port in <Limit> inside <Anonymous>", "<Anonymous ~ftp>\n<Limit WRITE>\nPort 2121\n</Limit>\n</Anonymous>\n",
			"Port inside <Limit>: ProFTPD refuses it there (it belongs in the server config or a <VirtualHost>)", "", false, ""},
		{"AllowForeignAddress in <Anonymous>: the anonymous logins' only", "PassivePorts 40000 40100\n<Anonymous ~ftp>\n  AllowForeignAddress on\n</Anonymous>\n",
			"", "40000-40100", false, "line 3: AllowForeignAddress inside <Anonymous> applies to anonymous logins only"},
		{"AllowForeignAddress in <IfModule>: the server's", "<IfModule mod_core.c>\n  AllowForeignAddress on\n</IfModule>\n",
			"", "", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseServerConfig("proftpd.conf", []byte(tc.conf))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.PassiveRange.String(); tc.rng != "" && got != tc.rng {
				t.Errorf("passive range %s, want %s", got, tc.rng)
			}
			if c.SourceCheckOff != tc.sourceOff {
				t.Errorf("SourceCheckOff %v, want %v", c.SourceCheckOff, tc.sourceOff)
			}
			if tc.note != "" && !strings.Contains(strings.Join(c.Notes, "\n"), tc.note) {
				t.Errorf("notes %q, want one saying %q", c.Notes, tc.note)
			}
		})
	}
}
