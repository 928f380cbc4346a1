package policy

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Regression tests from a review of --server-config against the servers'
// own parsers (vsftpd 3.0.3's parseconf.c and standalone.c, ProFTPD
// 1.3.8's parser, Debian's pure-ftpd-wrapper): files the server refuses
// are refused or noted, files it runs are read as it reads them.

// debianVsftpdConf is the active lines of Debian 12's stock
// /etc/vsftpd.conf: every name in it is one of vsftpd's.
const debianVsftpdConf = "listen=NO\nlisten_ipv6=YES\nanonymous_enable=NO\nlocal_enable=YES\ndirmessage_enable=YES\n" +
	"use_localtime=YES\nxferlog_enable=YES\nconnect_from_port_20=YES\nsecure_chroot_dir=/var/run/vsftpd/empty\n" +
	"pam_service_name=vsftpd\nrsa_cert_file=/etc/ssl/certs/ssl-cert-snakeoil.pem\n" +
	"rsa_private_key_file=/etc/ssl/private/ssl-cert-snakeoil.key\nssl_enable=NO\n"

// TestVsftpdSettingNamesAsVsftpdKnowsThem guards the names: a near miss
// of a setting ftpsniff reads (pasv_minport) stops vsftpd ("unrecognised
// variable in config file") and, read as unknown, made ftpsniff advise
// 5001-40100; a bad YES/NO value of any setting stops vsftpd too; other
// names vsftpd 3.0.3 lacks are noted, not refused, since other builds have
// them.
func TestVsftpdSettingNamesAsVsftpdKnowsThem(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		err        string // prefix; "" for none
		note       string // in the notes
		rng        string
	}{
		{"pasv_minport", "listen=YES\npasv_enable=YES\npasv_minport=40000\npasv_max_port=40100\n",
			`v.conf:3: pasv_minport is not a vsftpd setting (did you mean pasv_min_port?): vsftpd refuses to start ("unrecognised variable in config file: pasv_minport")`, "", ""},
		{"pasv_max_prot", "pasv_min_port=40000\npasv_max_prot=40100\n", "v.conf:2: pasv_max_prot is not a vsftpd setting (did you mean pasv_max_port?)", "", ""},
		{"pasv_adress", "pasv_adress=10.0.0.1\n", "v.conf:1: pasv_adress is not a vsftpd setting (did you mean pasv_address?)", "", ""},
		{"bad bool of a setting not read", "listen=YES\nssl_enable=MAYBE\n", "v.conf:2: ssl_enable=MAYBE: not YES or NO (vsftpd refuses to start: bad bool value)", "", ""},
		{"an unknown name far from any read", "foo_bar=1\npasv_min_port=40000\npasv_max_port=40100\n", "",
			`line 1: foo_bar is not a setting of vsftpd 3.0.3 (Debian 12's), which refuses to start with it ("unrecognised variable in config file")`, "40000-40100"},
		{"another build's setting", "ssl_tlsv1_2=YES\n", "", "line 1: ssl_tlsv1_2 is not a setting of vsftpd 3.0.3 (Debian 12's)", ""},
		{"Debian's stock file", debianVsftpdConf, "", "", ""},
		{"numbers not read take any value", "max_clients=abc\nlocal_umask=022\n", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseVsftpd("v.conf", []byte(tc.conf))
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("err %v, want prefix %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			notes := strings.Join(c.Notes, "\n")
			if tc.note != "" && !strings.Contains(notes, tc.note) {
				t.Errorf("notes %q lack %q", notes, tc.note)
			}
			if tc.note == "" && strings.Contains(notes, "is not a setting") {
				t.Errorf("notes %q", notes)
			}
			if c.PassiveRange.String() != tc.rng {
				t.Errorf("range %q, want %q", c.PassiveRange, tc.rng)
			}
		})
	}
}

// TestListenAddressAsTheServerBindsIt guards the address a server listens
// on: 0.0.0.0 and :: are every address (a config naming them was "not
// applied" to any session); vsftpd uses listen_address with listen=YES
// only, listen_address6 with listen_ipv6=YES only, and neither when inetd
// or systemd starts it; the address is listed.
func TestListenAddressAsTheServerBindsIt(t *testing.T) {
	for _, tc := range []struct {
		name, file, conf string
		srv              string
		applied          bool
		describe, note   string
		err              string
	}{
		{"vsftpd 0.0.0.0", "vsftpd.conf", "listen=YES\nlisten_address=0.0.0.0\npasv_min_port=50000\npasv_max_port=50100\n", "10.99.0.1:21", true, "line 2: listen_address=0.0.0.0 (every address)", "", ""},
		{"vsftpd an address", "vsftpd.conf", "listen=YES\nlisten_address=10.99.0.5\n", "10.99.0.1:21", false, "=> control port 21 on 10.99.0.5 only;", "", ""},
		{"vsftpd the address reached", "vsftpd.conf", "listen=YES\nlisten_address=10.99.0.1\n", "10.99.0.1:21", true, "line 2: listen_address=10.99.0.1", "", ""},
		{"vsftpd IPv6 mode ignores listen_address", "vsftpd.conf", "listen=NO\nlisten_ipv6=YES\nlisten_address=10.99.0.5\n", "10.99.0.1:21", true, "", "line 3: listen_address=10.99.0.5 is not used: with listen_ipv6=YES", ""},
		{"vsftpd ::", "vsftpd.conf", "listen_ipv6=YES\nlisten_address6=::\n", "10.99.0.1:21", true, "listen_address6=:: (every address)", "", ""},
		{"vsftpd an IPv6 address", "vsftpd.conf", "listen_ipv6=YES\nlisten_address6=2001:db8::1\n", "10.99.0.1:21", false, "on 2001:db8::1 only", "", ""},
		{"vsftpd inetd mode", "vsftpd.conf", "listen_address=10.99.0.5\n", "10.99.0.1:21", true, "", "vsftpd is not standalone here (listen=NO, listen_ipv6=NO)", ""},
		{"vsftpd bad address", "vsftpd.conf", "listen=YES\nlisten_address=ftp.example.com\n", "", false, "", "", `vsftpd.conf:2: listen_address=ftp.example.com is not an IPv4 address: vsftpd refuses to start ("bad listen_address")`},
		{"Pure-FTPd Bind 0.0.0.0", "pure-ftpd.conf", "Bind 0.0.0.0,21\nPassivePortRange 40000 40100\n", "10.99.0.1:21", true, "Bind 0.0.0.0,21 (every address)", "", ""},
		{"ProFTPD <VirtualHost 0.0.0.0>", "proftpd.conf", "Port 21\n<VirtualHost 0.0.0.0>\n  Port 990\n  PassivePorts 40000 40100\n</VirtualHost>\n", "10.99.0.1:990", true, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseServerConfig(tc.file, []byte(tc.conf))
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("err %v, want prefix %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sc, why := c.For(netip.MustParseAddrPort(tc.srv), ServerUnknown)
			if (sc != nil) != tc.applied {
				t.Errorf("applied %v (%s), want %v", sc != nil, why, tc.applied)
			}
			d := Policy{Server: c}.Describe()
			if !strings.Contains(d, tc.describe) {
				t.Errorf("description lacks %q:\n%s", tc.describe, d)
			}
			if !strings.Contains(d, tc.note) {
				t.Errorf("description lacks the note %q:\n%s", tc.note, d)
			}
		})
	}
}

// TestProFTPDWordsAsProFTPDSplitsThem guards pr_str_get_word: a word
// starting with '#' ends the line (an inline comment), a quoted word loses
// its quotes; a section tag may be followed by a comment; a line continued
// by '\' is reported at its last line, as ProFTPD reports it.
func TestProFTPDWordsAsProFTPDSplitsThem(t *testing.T) {
	for _, tc := range []struct {
		name, conf   string
		rng, addr    string
		port         uint16
		hostRng, err string
	}{
		{"comment after PassivePorts", "Port 21\nPassivePorts 40000 40100    # firewall range\n", "40000-40100", "", 21, "", ""},
		{"comment after Port", "Port 2121 # alt\n", "", "", 2121, "", ""},
		{"quoted address", "MasqueradeAddress \"10.99.1.1\"\n", "", "10.99.1.1", 21, "", ""},
		{"comment after a tag", "<VirtualHost 127.0.0.2>   # site b\n  PassivePorts 50000 50100  # b\n  MasqueradeAddress 127.0.0.3 # NAT\n</VirtualHost>  # end\n", "", "", 21, "50000-50100", ""},
		{"a '#' inside a word is no comment", "PassivePorts 40000 40100#x\n", "", "", 0, "", "p.conf:1: PassivePorts 40000 40100#x: ports must be numbers"},
		{"continued line at its last line", "PassivePorts 40000 \\\n  abc\n", "", "", 0, "", "p.conf:2: PassivePorts 40000 abc"},
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
			if c.PassiveRange.String() != tc.rng || c.ControlPort != tc.port {
				t.Errorf("range %q port %d, want %q %d", c.PassiveRange, c.ControlPort, tc.rng, tc.port)
			}
			if got := c.PublicAddress; tc.addr != "" && got.String() != tc.addr || c.PublicName != "" {
				t.Errorf("address %v name %q, want %s", got, c.PublicName, tc.addr)
			}
			if tc.hostRng != "" && (len(c.Hosts) != 1 || c.Hosts[0].PassiveRange.String() != tc.hostRng || c.Hosts[0].PublicAddress.String() != "127.0.0.3") {
				t.Errorf("hosts %+v", c.Hosts)
			}
		})
	}
}

// TestProFTPDNearMissNoted guards a misspelled directive ftpsniff reads
// (PassivePort): ProFTPD refuses it ("Did you mean: PassivePorts"), so it
// is noted, not skipped silently; real directives near one (FSOptions,
// QoSOptions) and unknown ones far from any are not.
func TestProFTPDNearMissNoted(t *testing.T) {
	c, err := ParseProFTPD("p.conf", []byte("PassivePort 40000 40100\nMasqueradeAdress 10.0.0.1\nFSOptions IgnoreExtendedAttributes\nQoSOptions dataqos cs2\nServerIdent off\n"))
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(c.Notes, "\n")
	for _, w := range []string{"line 1: PassivePort is not a directive ProFTPD knows (did you mean PassivePorts?)", "line 2: MasqueradeAdress is not a directive ProFTPD knows (did you mean MasqueradeAddress?)"} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes %q lack %q", notes, w)
		}
	}
	for _, w := range []string{"FSOptions", "QoSOptions", "ServerIdent"} {
		if strings.Contains(notes, w) {
			t.Errorf("notes %q name %s", notes, w)
		}
	}
}

// TestConfigErrorsNameTheirPlace guards the one-line errors: an unclosed
// section names itself as written and its line; a file too large or a
// compressed one names the file once, without escaping its bytes.
func TestConfigErrorsNameTheirPlace(t *testing.T) {
	_, err := ParseProFTPD("p.conf", []byte("Port 21\n<VirtualHost 10.0.0.1>\n  PassivePorts 40000 40100\n"))
	if err == nil || !strings.HasPrefix(err.Error(), `p.conf:2: <VirtualHost 10.0.0.1> is never closed: ProFTPD does not start ("unclosed configuration section"); add </VirtualHost>`) {
		t.Errorf("unclosed: %v", err)
	}
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.conf")
	if err := os.WriteFile(huge, make([]byte, MaxConfigSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadServerConfig(huge); err == nil || strings.Count(err.Error(), "huge.conf") != 1 {
		t.Errorf("huge: %v", err)
	}
	gz := filepath.Join(dir, "vsftpd.conf.gz")
	if err := os.WriteFile(gz, []byte("\x1f\x8b\x08\x08\x85\xe5Kc\x00\x03vsftpd.conf\x00\x9dX"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadServerConfig(gz); err == nil || err.Error() != gz+": gzip-compressed, not a server configuration: give the file uncompressed (zcat)" {
		t.Errorf("gz: %v", err)
	}
	// A setting's file that cannot be read (here a directory) names it.
	pd := filepath.Join(dir, "conf")
	if err := os.MkdirAll(filepath.Join(pd, "PassivePortRange"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadServerConfig(pd); err == nil || !strings.HasPrefix(err.Error(), filepath.Join(pd, "PassivePortRange")+": cannot read the server configuration (") {
		t.Errorf("unreadable: %v", err)
	}
}

// TestPureDirAsTheWrapperReadsIt guards Debian's /etc/pure-ftpd/conf as
// pure-ftpd-wrapper reads it: its stock files (no ChrootEveryone, no
// PassivePortRange) are all defaults, not "not a pure-ftpd directory"; an
// empty file is skipped; a file named after no setting, or a yes/no one
// holding neither, stops the wrapper; a backup's name is skipped.
func TestPureDirAsTheWrapperReadsIt(t *testing.T) {
	stock := map[string]string{"AltLog": "clf:/var/log/pure-ftpd/transfer.log\n", "FSCharset": "UTF-8\n", "MinUID": "1000\n",
		"NoAnonymous": "yes\n", "PAMAuthentication": "yes\n", "PureDB": "/etc/pure-ftpd/pureftpd.pdb\n", "TLSCipherSuite": "HIGH\n", "UnixAuthentication": "no\n"}
	for _, tc := range []struct {
		name  string
		files map[string]string
		rng   string
		note  string
		err   string
	}{
		{"Debian's stock directory", nil, "", "no PassivePortRange", ""},
		{"a range", map[string]string{"PassivePortRange": "40000 40100\n"}, "40000-40100", "", ""},
		{"an empty file", map[string]string{"ForcePassiveIP": ""}, "", "ForcePassiveIP holds no value: pure-ftpd-wrapper skips it", ""},
		{"a backup", map[string]string{"PassivePortRange.dpkg-old": "40000 40100\n"}, "", "PassivePortRange.dpkg-old is skipped by pure-ftpd-wrapper", ""},
		{"a misnamed file", map[string]string{"PassivePorts": "40000 40100\n"}, "", "", "PassivePorts is not a pure-ftpd-wrapper setting (did you mean PassivePortRange?): the wrapper does not start pure-ftpd"},
		{"a yes/no file holding neither", map[string]string{"NoAnonymous": "maybe\n"}, "", "", "NoAnonymous:1: NoAnonymous maybe: not yes or no"},
		{"a blank in Bind", map[string]string{"Bind": "10.0.0.1, 21\n"}, "", "", "Bind:1: Bind 10.0.0.1, 21: the value holds a blank"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, m := range []map[string]string{stock, tc.files} {
				for n, v := range m {
					if err := os.WriteFile(filepath.Join(dir, n), []byte(v), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			c, err := LoadServerConfig(dir)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.PassiveRange.String() != tc.rng {
				t.Errorf("range %q, want %q", c.PassiveRange, tc.rng)
			}
			if n := strings.Join(c.Notes, "\n"); !strings.Contains(n, tc.note) {
				t.Errorf("notes %q lack %q", n, tc.note)
			}
		})
	}
	if _, err := LoadServerConfig(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a pure-ftpd configuration directory") {
		t.Errorf("empty directory: %v", err)
	}
}

// TestDescribeEveryServersRangeAndAddress guards the description: a
// <VirtualHost>'s range outside the firewall range is a mismatch too (only
// the main server's was checked), and an IPv6 announced address is not
// said to be announced in a 227, which carries IPv4 only.
func TestDescribeEveryServersRangeAndAddress(t *testing.T) {
	c, err := ParseProFTPD("proftpd.conf", []byte("PassivePorts 40000 40100\n<VirtualHost 10.99.2.2>\n  PassivePorts 50000 50100\n</VirtualHost>\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := Policy{Server: c}
	if err := p.AddRanges("40000-40100"); err != nil {
		t.Fatal(err)
	}
	d := p.Describe()
	if !strings.Contains(d, "mismatch: the <VirtualHost 10.99.2.2> of line 2 hands out 50000-50100 but the firewall range is 40000-40100") || strings.Contains(d, "mismatch: the server") {
		t.Errorf("description:\n%s", d)
	}
	c, err = ParseProFTPD("proftpd.conf", []byte("PassivePorts 40000 40100\nMasqueradeAddress 2001:db8::1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d := (Policy{Server: c}).Describe(); strings.Contains(d, "announces 2001:db8::1") || !strings.Contains(d, "a 227 reply to PASV cannot carry it") {
		t.Errorf("description:\n%s", d)
	}
}
