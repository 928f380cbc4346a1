package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVsftpdIgnoredRangeIsNoRange guards the range vsftpd really uses
// (privops.c vsf_privop_pasv_listen: pasv_min_port only above 1024,
// pasv_max_port only from the minimum in use up to 65534, 5001 without a
// pasv_min_port line): both ignored is
// no range at all, never 1024-65535 as if configured; a value partly
// ignored leaves the range vsftpd uses; the notes name each value on its
// own line, and say nothing of passive ports with pasv_enable=NO.
func TestVsftpdIgnoredRangeIsNoRange(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		rng        string
		note       string // "" for none
		notNote    string
	}{
		{"both below 1024", "pasv_min_port=500\npasv_max_port=600\n", "", "pasv_min_port=500 (line 1) is below 1024: vsftpd starts at 1024 instead", "line 0"},
		{"max below 1024 alone", "pasv_max_port=600\n", "", "pasv_max_port=600 (line 1) is below 5001", "line 0"},
		{"zeros", "pasv_min_port=0\npasv_max_port=0\n", "", "any port from 1024-65535", "line 0"},
		{"min ignored, max used", "pasv_min_port=500\npasv_max_port=2000\n", "1024-2000", "vsftpd starts at 1024 instead (it uses pasv_min_port only above 1024): it uses 1024-2000", ""},
		{"max below min", "pasv_min_port=40000\npasv_max_port=600\n", "40000-65535", "pasv_max_port=600 (line 2) is below pasv_min_port=40000 (line 1): vsftpd ignores it", "below pasv_min_port=0"},
		{"min 1024 is the default", "pasv_min_port=1024\npasv_max_port=2000\n", "1024-2000", "", "ignores"},
		{"pasv off", "pasv_enable=NO\n", "", "", "any port"},
		{"pasv off, range ignored", "pasv_enable=NO\npasv_min_port=500\n", "", "", "ignores"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseVsftpd("v.conf", []byte(tc.conf))
			if err != nil {
				t.Fatal(err)
			}
			if c.PassiveRange.String() != tc.rng {
				t.Errorf("range %q, want %q", c.PassiveRange, tc.rng)
			}
			notes := strings.Join(c.Notes, "\n")
			if tc.note != "" && !strings.Contains(notes, tc.note) || tc.note == "" && tc.notNote == "" && notes != "" {
				t.Errorf("notes %q, want %q", notes, tc.note)
			}
			if tc.notNote != "" && strings.Contains(notes, tc.notNote) {
				t.Errorf("notes %q say %q", notes, tc.notNote)
			}
		})
	}
}

// TestVsftpdLinesAsVsftpdReadsThem guards the parser against refusing
// files vsftpd runs (parseconf.c skips blanks before the name, keeps the
// whole rest of the line as the value; pasv_address goes through
// inet_aton, which takes the short forms and stops at a blank) and against
// a false reason for one it refuses.
func TestVsftpdLinesAsVsftpdReadsThem(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		rng, addr  string
		note, err  string
	}{
		{"leading blanks", "  pasv_min_port=40000\n\tpasv_max_port=40100\n", "40000-40100", "", "", ""},
		{"address with a comment", "pasv_address=1.2.3.4 # public\n", "", "1.2.3.4", "inet_aton stops at the blank", ""},
		{"a.b", "pasv_address=10.1\n", "", "10.0.0.1", "read by inet_aton as 10.0.0.1", ""},
		{"a.b.c", "pasv_address=192.168.257\n", "", "192.168.1.1", "", ""},
		{"hex and octal", "pasv_address=0x7f.0.0.010\n", "", "127.0.0.8", "", ""},
		{"one number", "pasv_address=3221225985\n", "", "192.0.2.1", "", ""},
		{"empty string setting unsets", "pasv_address=1.2.3.4\npasv_address=\nftpd_banner\n", "", "", "", ""},
		{"empty number", "pasv_min_port=\n", "", "", "", `v.conf:1: "pasv_min_port=" has no value: vsftpd refuses to start ("missing value in config file for: pasv_min_port")`},
		{"no value at all", "anonymous_enable\n", "", "", "", "v.conf:1: \"anonymous_enable\" has no value: vsftpd refuses to start"},
		{"indented comment", "  # a comment\n", "", "", "", "v.conf:1: \"  # a comment\" has no value"},
		{"blank before address", "pasv_address= 1.2.3.4\n", "", "", "", "v.conf:1: pasv_address= 1.2.3.4 is not an IPv4 address"},
		{"part too big", "pasv_address=1.2.3.256\n", "", "", "", "v.conf:1: pasv_address=1.2.3.256 is not an IPv4 address"},
		{"bad octal", "pasv_address=1.2.3.08\n", "", "", "", "v.conf:1: pasv_address=1.2.3.08 is not an IPv4 address"},
		{"five parts", "pasv_address=1.2.3.4.5\n", "", "", "", "v.conf:1: "},
		// vsftpd runs with 40000 (atoi stops at the blank; rev18
		// rev2-track 10): accepted, with a note, never refused.
		{"comment after a number", "pasv_min_port=40000 # x\npasv_max_port=40100\t\n", "40000-40100", "", `pasv_min_port=40000 # x (line 1): vsftpd has no inline comments, but it reads the number only up to the blank, so it runs with pasv_min_port=40000; the rest of the line ("# x") is ignored`, ""},
		{"comment after an octal number", "listen_port=02121 # x\npasv_min_port=40000\tlow end\n", "40000-65535", "", "so it runs with listen_port=1105", ""},
		{"letters right after a number", "pasv_min_port=40000x\n", "", "", "", "v.conf:1: pasv_min_port=40000x: not a number (vsftpd has no inline comments and would read it as 40000)"},
		{"negative", "pasv_min_port=-1\n", "", "", "", "v.conf:1: pasv_min_port=-1: a negative number (vsftpd would read it as 4294967295)"},
		{"leading blank is decimal", "pasv_min_port= 040000\n", "40000-65535", "", "", ""},
		{"DOS line ends", "listen=YES\r\n", "", "", "", "v.conf:1: listen=YES\r: not YES or NO: the line ends in a carriage return"},
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
			if c.PassiveRange.String() != tc.rng {
				t.Errorf("range %q, want %q", c.PassiveRange, tc.rng)
			}
			if got := c.PublicAddress; tc.addr == "" && got.IsValid() || tc.addr != "" && got.String() != tc.addr {
				t.Errorf("address %v, want %q", got, tc.addr)
			}
			if !strings.Contains(strings.Join(c.Notes, "\n"), tc.note) {
				t.Errorf("notes %q lack %q", c.Notes, tc.note)
			}
		})
	}
}

// TestPureDirSettingsNameTheirFile guards the listing of a Debian
// /etc/pure-ftpd/conf directory: each setting is line 1 of its own file,
// so the file is named, and no PassivePortRange says which ports Pure-FTPd
// picks from (dopasv: 1024-65534 by default).
func TestPureDirSettingsNameTheirFile(t *testing.T) {
	dir := t.TempDir()
	for name, v := range map[string]string{"PassivePortRange": "40000 40100\n", "ForcePassiveIP": "192.0.2.1\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := LoadServerConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "PassivePortRange") + " line 1: PassivePortRange 40000 40100", filepath.Join(dir, "ForcePassiveIP") + " line 1: ForcePassiveIP 192.0.2.1"}
	if strings.Join(c.Settings, "\n") != strings.Join(want, "\n") {
		t.Errorf("settings %q, want %q", c.Settings, want)
	}
	c, err = ParsePureFTPd("pure-ftpd.conf", []byte("ChrootEveryone yes\n"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Join(c.Notes, "\n"); !strings.Contains(n, "1024-65534") {
		t.Errorf("notes %q", n)
	}
}
