package policy

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePortRanges(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{"40000-41000", "40000-41000", false},
		{"50000", "50000", false},
		{"40000:40100", "40000-40100", false},
		{"40000 40100", "40000-40100", false},
		{" 21 , 40000-40100 ", "21,40000-40100", false},
		{"40050-40200,40000-40100", "40000-40200", false},
		{"40000-40100,40101", "40000-40101", false},
		{"1-65535", "1-65535", false},
		{"", "", true},
		{"0", "", true},
		{"65536", "", true},
		{"41000-40000", "", true},
		{"40000-", "", true},
		{"abc", "", true},
		{"-5", "", true},
		{"40000,,40001", "", true},
		{"+40000", "", true},
	} {
		got, err := ParsePortRanges(tc.in)
		if tc.err {
			if !errors.Is(err, ErrBadRange) {
				t.Errorf("ParsePortRanges(%q) = %v, %v; want ErrBadRange", tc.in, got, err)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("ParsePortRanges(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestRanges(t *testing.T) {
	rs, _ := ParsePortRanges("21,40000-40100")
	for _, tc := range []struct {
		p    uint16
		want bool
	}{{21, true}, {22, false}, {39999, false}, {40000, true}, {40100, true}, {40101, false}} {
		if rs.Contains(tc.p) != tc.want {
			t.Errorf("Contains(%d) = %v", tc.p, !tc.want)
		}
	}
	if !rs.Covers(PortRange{40010, 40020}) || rs.Covers(PortRange{40050, 40200}) {
		t.Error("Covers wrong")
	}
	var p Policy
	if err := p.AddRanges("40000-40100"); err != nil {
		t.Fatal(err)
	}
	if err := p.AddRanges("50000"); err != nil {
		t.Fatal(err)
	}
	if p.Ranges.String() != "40000-40100,50000" {
		t.Errorf("repeated --pasv-range: %s", p.Ranges)
	}
	if err := p.AddRanges("x"); err == nil {
		t.Error("bad range accepted")
	}
}

// TestRecordConfs reads the vsftpd configs the real captures were made with.
func TestRecordConfs(t *testing.T) {
	for _, tc := range []struct {
		file   string
		rng    string
		public string
	}{
		{"anon.conf", "40000-40100", ""},
		{"anon-ipv6.conf", "40000-40100", ""},
		{"upload.conf", "40000-40100", ""},
		{"ftps.conf", "40000-40100", ""},
		{"active-client-firewall.conf", "40000-40100", ""},
		{"pasv-outside-range.conf", "50000-50100", ""},
		{"nat-pasv-address.conf", "40000-40100", "10.99.1.1"},
	} {
		c, err := LoadServerConfig(filepath.Join("../../pcaps/record/conf", tc.file))
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if c.Kind != ServerVsftpd || c.PassiveRange.String() != tc.rng || !c.PassiveEnabled || c.ControlPort != 21 || c.ActiveSourcePort != 20 {
			t.Errorf("%s: %+v", tc.file, c)
		}
		if got := c.PublicAddress; tc.public != "" && got != netip.MustParseAddr(tc.public) || tc.public == "" && got.IsValid() {
			t.Errorf("%s: public %v, want %q", tc.file, got, tc.public)
		}
		d := Policy{Server: c}.Describe()
		if !strings.Contains(d, "passive: ports "+tc.rng) || !strings.Contains(d, "line ") {
			t.Errorf("%s: Describe:\n%s", tc.file, d)
		}
	}
}

func TestVsftpd(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		rng        string // "" for any
		public     string
		port       uint16
		active     uint16
		note       string
		err        string
	}{
		{"defaults", "listen=YES\n", "", "", 21, 0, "any port from 5001-65535", ""},
		{"min only", "pasv_min_port=50000\n", "50000-65535", "", 21, 0, "", ""},
		{"max only", "pasv_max_port=41000\n", "5001-41000", "", 21, 0, "built-in pasv_min_port, 5001", ""},
		{"swapped", "pasv_min_port=50000\npasv_max_port=40000\n", "50000-65535", "", 21, 0, "ignores it", ""},
		{"low min", "pasv_min_port=100\npasv_max_port=2000\n", "1024-2000", "", 21, 0, "below 1024", ""},
		{"port 20", "connect_from_port_20=YES\nftp_data_port=2020\nlisten_port=2121\n", "", "", 2121, 2020, "", ""},
		{"pasv off", "pasv_enable=NO\nport_enable=no\n", "", "", 21, 0, "", ""},
		{"resolve", "pasv_addr_resolve=YES\npasv_address=ftp.example.com\n", "", "", 21, 0, "does not resolve", ""},
		{"crlf and comments", "# c\r\n\r\npasv_address=192.0.2.1\r\n", "", "192.0.2.1", 21, 0, "", ""},
		{"no equals", "listen=YES\nlisten YES\n", "", "", 0, 0, "", "x.conf:2: "},
		{"spaces", "pasv_min_port = 40000\n", "", "", 0, 0, "", "x.conf:1: "},
		{"bad bool", "pasv_enable=maybe\n", "", "", 0, 0, "", "x.conf:1: pasv_enable=maybe: not YES or NO"},
		{"bad number", "\npasv_min_port=4o000\n", "", "", 0, 0, "", "x.conf:2: pasv_min_port=4o000: not a number"},
		{"too big", "pasv_max_port=70000\n", "", "", 0, 0, "", "x.conf:1: pasv_max_port=70000: above 65535"},
		{"bad address", "pasv_address=ftp.example.com\n", "", "", 0, 0, "", "x.conf:1: pasv_address=ftp.example.com is not an IPv4 address"},
		{"ipv6 address", "pasv_address=2001:db8::1\n", "", "", 0, 0, "", "x.conf:1: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseVsftpd("x.conf", []byte(tc.conf))
			checkParsed(t, c, err, tc.rng, tc.public, tc.port, tc.note, tc.err)
			if err == nil && c.ActiveSourcePort != tc.active {
				t.Errorf("active source port %d, want %d", c.ActiveSourcePort, tc.active)
			}
			if tc.name == "pasv off" && (c.PassiveEnabled || c.ActiveEnabled) {
				t.Errorf("pasv_enable/port_enable not read: %+v", c)
			}
		})
	}
}

func checkParsed(t *testing.T, c *ServerConfig, err error, rng, public string, port uint16, note, wantErr string) {
	t.Helper()
	if wantErr != "" {
		var ce *ConfigError
		if err == nil || !strings.HasPrefix(err.Error(), wantErr) || !errors.As(err, &ce) {
			t.Fatalf("err %v, want prefix %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if c.PassiveRange.String() != rng {
		t.Errorf("range %q, want %q", c.PassiveRange, rng)
	}
	if public != "" && c.PublicAddress.String() != public || public == "" && c.PublicAddress.IsValid() {
		t.Errorf("public %v, want %q", c.PublicAddress, public)
	}
	if c.ControlPort != port {
		t.Errorf("port %d, want %d", c.ControlPort, port)
	}
	if note != "" && !strings.Contains(strings.Join(c.Notes, "\n"), note) {
		t.Errorf("notes %q lack %q", c.Notes, note)
	}
}

func TestProFTPD(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		rng        string
		public     string
		port       uint16
		note       string
		err        string
	}{
		{"defaults", "ServerName \"x\"\n", "", "", 21, "no PassivePorts", ""},
		{"full", "ServerName \"x\"\nport 2121\npassiveports 49152 65534\nMasqueradeAddress 198.51.100.1\n", "49152-65534", "198.51.100.1", 2121, "", ""},
		{"continuation", "PassivePorts 49152 \\\n  65534\n", "49152-65534", "", 21, "", ""},
		{"host name", "MasqueradeAddress ftp.example.com\n", "", "", 21, "does not resolve", ""},
		{"vhost only", "<VirtualHost 192.0.2.1>\n  PassivePorts 50000 50100\n</VirtualHost>\n", "", "", 21, "that host only", ""},
		{"global", "<Global>\n  PassivePorts 50000 50100\n</Global>\n", "50000-50100", "", 21, "", ""},
		{"one port", "PassivePorts 50000\n", "", "", 0, "", "x.conf:1: PassivePorts needs two ports"},
		{"low port", "# c\nPassivePorts 100 2000\n", "", "", 0, "", "x.conf:2: PassivePorts 100 2000"},
		{"swapped", "PassivePorts 50100 50000\n", "", "", 0, "", "x.conf:1: PassivePorts 50100 50000: the minimum is above"},
		{"bad Port", "Port twentyone\n", "", "", 0, "", "x.conf:1: Port twentyone"},
		{"unclosed", "<Global>\nPort 21\n", "", "", 0, "", "x.conf:1: <Global> is never closed"},
		{"stray close", "</Global>\n", "", "", 0, "", "x.conf:1: </Global> closes no open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseProFTPD("x.conf", []byte(tc.conf))
			checkParsed(t, c, err, tc.rng, tc.public, tc.port, tc.note, tc.err)
		})
	}
}

func TestPureFTPd(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		rng        string
		public     string
		port       uint16
		err        string
	}{
		{"full", "ChrootEveryone yes\nPassivePortRange 30000 35000\nForcePassiveIP 198.51.100.1\nBind ,2121\n", "30000-35000", "198.51.100.1", 2121, ""},
		{"bind with address", "Bind 192.0.2.1,21\n", "", "", 21, ""},
		{"tabs", "PassivePortRange\t30000\t35000\n", "30000-35000", "", 21, ""},
		{"one port", "PassivePortRange 30000\n", "", "", 0, "x.conf:1: PassivePortRange needs two ports"},
		{"swapped", "\n\nPassivePortRange 35000 30000\n", "", "", 0, "x.conf:3: PassivePortRange 35000 30000"},
		{"bad bind", "Bind 192.0.2.1,ftp\n", "", "", 0, "x.conf:1: Bind"},
		{"two addresses", "ForcePassiveIP 192.0.2.1 192.0.2.2\n", "", "", 0, "x.conf:1: ForcePassiveIP needs one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParsePureFTPd("x.conf", []byte(tc.conf))
			checkParsed(t, c, err, tc.rng, tc.public, tc.port, "", tc.err)
		})
	}
}

func TestDetectAndLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, content string
		kind          ServerKind
		rng           string
		err           string
	}{
		{"vsftpd.conf", "pasv_min_port=40000\npasv_max_port=40100\n", ServerVsftpd, "40000-40100", ""},
		{"site.conf", "# vsftpd, by content\npasv_min_port=40000\npasv_max_port=40100\n", ServerVsftpd, "40000-40100", ""},
		{"proftpd.conf", "PassivePorts 49152 65534\n", ServerProFTPD, "49152-65534", ""},
		{"ftp.conf", "ServerName \"x\"\n<Global>\nPassivePorts 49152 65534\n</Global>\n", ServerProFTPD, "49152-65534", ""},
		{"pure-ftpd.conf", "PassivePortRange 30000 35000\n", ServerPureFTPd, "30000-35000", ""},
		{"other.conf", "ChrootEveryone yes\nPassivePortRange 30000 35000\n", ServerPureFTPd, "30000-35000", ""},
		{"conf/PassivePortRange", "30000 35000\n", ServerPureFTPd, "30000-35000", ""},
		{"unknown.conf", "hello world\n", ServerUnknown, "", "cannot tell which FTP server"},
		{"bad-vsftpd.conf", "pasv_min_port=40000\nlisten\n", ServerVsftpd, "", "bad-vsftpd.conf:2: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(tc.name, tc.content)
			c, err := LoadServerConfig(p)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Kind != tc.kind || c.PassiveRange.String() != tc.rng {
				t.Errorf("kind %s range %s", c.Kind, c.PassiveRange)
			}
		})
	}
	// A Debian pure-ftpd configuration directory.
	write("pure/PassivePortRange", "30000 35000\n")
	write("pure/ForcePassiveIP", "198.51.100.1\n")
	c, err := LoadServerConfig(filepath.Join(dir, "pure"))
	if err != nil || c.Kind != ServerPureFTPd || c.PassiveRange.String() != "30000-35000" || c.PublicAddress.String() != "198.51.100.1" {
		t.Errorf("pure-ftpd dir: %+v, %v", c, err)
	}
	if _, err := LoadServerConfig(t.TempDir()); err == nil {
		t.Error("empty directory accepted")
	}
	if _, err := LoadServerConfig(filepath.Join(dir, "absent.conf")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	c, err := ParseVsftpd("v.conf", []byte("pasv_min_port=50000\npasv_max_port=50100\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := Policy{Ranges: Ranges{{40000, 40100}}, PublicAddress: netip.MustParseAddr("198.51.100.1"), Server: c}
	d := p.Describe()
	for _, s := range []string{"firewall passive range (--pasv-range): 40000-40100", "public address (--public-address): 198.51.100.1",
		"line 1: pasv_min_port=50000", "mismatch: the server hands out 50000-50100 but the firewall range is 40000-40100"} {
		if !strings.Contains(d, s) {
			t.Errorf("Describe lacks %q:\n%s", s, d)
		}
	}
	if p.Public().String() != "198.51.100.1" || p.PassiveRanges().String() != "40000-40100" || p.Kind() != ServerVsftpd {
		t.Error("accessors")
	}
	if !strings.HasPrefix(Policy{}.Describe(), "no policy") {
		t.Error("empty policy")
	}
}
