package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The pure-ftpd settings ftpsniff reads. Debian's pure-ftpd-wrapper keeps
// each in its own file named after it, under /etc/pure-ftpd/conf.
var pureKeys = []string{"PassivePortRange", "ForcePassiveIP", "Bind"}

func pureSingleKey(base string) string {
	for _, k := range pureKeys {
		if base == k {
			return k
		}
	}
	return ""
}

func newPure(name string) *ServerConfig {
	return &ServerConfig{Kind: ServerPureFTPd, Path: name, PassiveEnabled: true, ActiveEnabled: true, ControlPort: 21}
}

// ParsePureFTPd parses a pure-ftpd.conf: "Key value" lines, '#' comments,
// keys in any case. Defaults: port 21, any passive port, the address of the
// interface the client reached.
func ParsePureFTPd(name string, data []byte) (*ServerConfig, error) {
	c := newPure(name)
	for i, raw := range lines(data) {
		l := strings.TrimSpace(raw)
		if l == "" || l[0] == '#' {
			continue
		}
		key, val, _ := strings.Cut(l, " ")
		if j := strings.IndexAny(l, " \t"); j >= 0 {
			key, val = l[:j], l[j+1:]
		}
		if err := pureSet(c, name, i+1, fmt.Sprintf("line %d", i+1), key, strings.TrimSpace(val)); err != nil {
			return nil, err
		}
	}
	pureFinish(c)
	return c, nil
}

func parsePureFTPdSingle(name, key string, data []byte) (*ServerConfig, error) {
	c := newPure(name)
	if err := pureSingle(c, name, key, data); err != nil {
		return nil, err
	}
	pureFinish(c)
	return c, nil
}

// pureSingle applies one Debian-style file: its first non-empty line is
// the value. Its setting is listed under the file's path, since a
// directory's files each have their own line 1.
func pureSingle(c *ServerConfig, name, key string, data []byte) error {
	for i, raw := range lines(data) {
		if l := strings.TrimSpace(raw); l != "" && l[0] != '#' {
			return pureSet(c, name, i+1, fmt.Sprintf("%s line %d", name, i+1), key, l)
		}
	}
	return lineErr(name, 0, "empty: the file should hold the %s value", key)
}

func loadPureFTPdDir(dir string) (*ServerConfig, error) {
	c := newPure(dir)
	found := false
	for _, k := range pureKeys {
		p := filepath.Join(dir, k)
		data, err := readBounded(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found = true
		if err := pureSingle(c, p, k, data); err != nil {
			return nil, err
		}
	}
	if !found {
		// A directory with none of the files may still be a pure-ftpd one
		// (all defaults); say so rather than guess silently.
		if _, err := os.Stat(filepath.Join(dir, "ChrootEveryone")); err != nil {
			return nil, &ConfigError{File: dir, Msg: "a directory, but not a pure-ftpd configuration directory (no PassivePortRange, ForcePassiveIP, Bind or ChrootEveryone file)"}
		}
	}
	pureFinish(c)
	c.dropUnreachableAddress()
	return c, nil
}

// pureSet applies key's value val from line n of the file name; where
// is how Settings names the place ("line 3").
func pureSet(c *ServerConfig, name string, n int, where, key, val string) error {
	setting := fmt.Sprintf("%s: %s %s", where, key, val)
	switch strings.ToLower(key) {
	case "passiveportrange":
		f := strings.Fields(val)
		if len(f) != 2 {
			return lineErr(name, n, "PassivePortRange needs two ports: PassivePortRange FIRST LAST")
		}
		lo, err1 := parsePort(f[0])
		hi, err2 := parsePort(f[1])
		if err1 != nil || err2 != nil {
			return lineErr(name, n, "PassivePortRange %s: ports must be numbers from 1 to 65535", trunc(val))
		}
		if lo > hi {
			// pure-ftpd -p 40100:40000 exits with "421 Configuration
			// error: Illegal ports range" (pcaps/real/pasv-range-swapped-pureftpd.pcap).
			return lineErr(name, n, "PassivePortRange %d %d: the first port is above the last; pure-ftpd does not start with it (\"Illegal ports range\"), so clients get a refused control connection; write PassivePortRange %d %d", lo, hi, hi, lo)
		}
		c.PassiveRange = Ranges{{lo, hi}}
	case "forcepassiveip":
		if val == "" || strings.ContainsAny(val, " \t") {
			return lineErr(name, n, "ForcePassiveIP needs one address or host name")
		}
		if a, err := netip.ParseAddr(val); err == nil {
			c.PublicAddress = a
		} else {
			c.PublicName = val
			c.Notes = append(c.Notes, fmt.Sprintf("ForcePassiveIP %s is a host name; ftpsniff does not resolve it", val))
		}
	case "bind":
		// "[address,]port", as pure-ftpd's -S option.
		host, port := "", val
		if j := strings.LastIndexByte(val, ','); j >= 0 {
			host, port = strings.TrimSpace(val[:j]), strings.TrimSpace(val[j+1:])
		}
		if port != "" {
			p, err := strconv.ParseUint(port, 10, 16)
			if err != nil || p == 0 {
				return lineErr(name, n, "Bind %s: the port after the comma must be a number from 1 to 65535", trunc(val))
			}
			c.ControlPort = uint16(p)
		}
		if host != "" {
			if a, err := netip.ParseAddr(host); err != nil {
				c.Notes = append(c.Notes, fmt.Sprintf("Bind address %s is a host name; ftpsniff does not resolve it", host))
				c.BindAddrs, c.BindNames = nil, []string{host}
			} else {
				c.BindAddrs, c.BindNames = []netip.Addr{a.Unmap()}, nil
			}
		}
	default:
		return nil
	}
	c.Settings = append(c.Settings, setting)
	return nil
}

func pureFinish(c *ServerConfig) {
	if len(c.PassiveRange) == 0 {
		c.Notes = append(c.Notes, "no PassivePortRange: pure-ftpd hands out any port from 1024-65534 (a random one it picks itself, not the kernel's ephemeral range), which no firewall range can follow")
	}
}
