package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedConfs adds the real vsftpd configs and a few lines of each kind.
func seedConfs(f *testing.F, extra ...string) {
	files, _ := filepath.Glob("../../pcaps/record/conf/*.conf")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// checkResult is the contract of every parser: a config, or a ConfigError
// naming the file (and a line within it).
func checkResult(t *testing.T, data []byte, c *ServerConfig, err error) {
	if err != nil {
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.File != "f.conf" || ce.Line < 0 || ce.Line > strings.Count(string(data), "\n")+1 {
			t.Fatalf("bad error %#v", err)
		}
		return
	}
	for _, r := range c.PassiveRange {
		if r.Lo > r.Hi || r.Lo == 0 {
			t.Fatalf("bad range %v", r)
		}
	}
	_ = Policy{Server: c}.Describe()
}

func FuzzVsftpd(f *testing.F) {
	seedConfs(f, "pasv_min_port=50000\npasv_max_port=40000\n", "pasv_address=x\npasv_addr_resolve=YES\n",
		"listen=YES\nlisten_address=0.0.0.0\npasv_minport=1\n", "listen_ipv6=YES\nlisten_address6=::1\nssl_enable=MAYBE\nfoo=1\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseVsftpd("f.conf", data)
		checkResult(t, data, c, err)
	})
}

func FuzzProFTPD(f *testing.F) {
	seedConfs(f, "<Global>\nPassivePorts 49152 65534\n</Global>\n", "Port 0\nMasqueradeAddress a \\\nb\n",
		"<VirtualHost \"10.0.0.1\"> # x\nPassivePort 1 2 # y\nMasqueradeAddress \"a \\\" b\n</VirtualHost>\nInclude /x/\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseProFTPD("f.conf", data)
		checkResult(t, data, c, err)
	})
}

func FuzzPureFTPd(f *testing.F) {
	seedConfs(f, "PassivePortRange 30000 35000\nBind ,21\nForcePassiveIP 192.0.2.1\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParsePureFTPd("f.conf", data)
		checkResult(t, data, c, err)
	})
}

// FuzzPureFTPdSingleFile fuzzes a Debian one-setting file (its name the
// setting: /etc/pure-ftpd/conf/PassivePortRange) and the value checks of
// the settings ftpsniff does not read.
func FuzzPureFTPdSingleFile(f *testing.F) {
	for _, s := range []string{"40000 40100\n", "# x\n\n10.0.0.1\n", "", "0.0.0.0,21\n", "no\nmaybe\n"} {
		f.Add(byte(0), []byte(s))
	}
	f.Fuzz(func(t *testing.T, which byte, data []byte) {
		key := pureKeys[int(which)%len(pureKeys)]
		c, err := parsePureFTPdSingle("f.conf", key, data)
		checkResult(t, data, c, err)
		for _, kind := range []string{"yesno", "number", ""} {
			if err := pureCheckValue("f.conf", "X", kind, data); err != nil {
				checkResult(t, data, nil, err)
			}
		}
	})
}

func FuzzParsePortRanges(f *testing.F) {
	for _, s := range []string{"40000-41000", "21,40000:40100", "1 2", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := ParsePortRanges(s)
		if err != nil {
			if !errors.Is(err, ErrBadRange) {
				t.Fatalf("error %v is not ErrBadRange", err)
			}
			return
		}
		again, err := ParsePortRanges(rs.String())
		if err != nil || again.String() != rs.String() {
			t.Fatalf("%q -> %q does not round-trip: %q %v", s, rs, again, err)
		}
	})
}
