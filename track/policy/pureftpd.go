package policy

import (
	"fmt"
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

// pureSingle applies one Debian-style file as pure-ftpd-wrapper reads it
// (parse_file): blank lines and '#' comments skipped, the first other line
// the value. A file without one is skipped, as the wrapper skips it. Its
// setting is listed under the file's path, since a directory's files each
// have their own line 1.
func pureSingle(c *ServerConfig, name, key string, data []byte) error {
	for i, raw := range lines(data) {
		if l := strings.TrimSpace(raw); l != "" && l[0] != '#' {
			if strings.ContainsAny(l, " \t") && key != "PassivePortRange" {
				// parse_string: "contains whitespace".
				return lineErr(name, i+1, "%s %s: the value holds a blank; pure-ftpd-wrapper does not start pure-ftpd with it (\"contains whitespace\")", key, trunc(l))
			}
			return pureSet(c, name, i+1, fmt.Sprintf("%s line %d", name, i+1), key, l)
		}
	}
	c.Notes = append(c.Notes, fmt.Sprintf("%s holds no value: pure-ftpd-wrapper skips it, so pure-ftpd runs with its default", name))
	return nil
}

// pureWrapperOptions are the file names pure-ftpd-wrapper (Debian's
// pure-ftpd-common 1.0.50) reads under /etc/pure-ftpd/conf (its %conf),
// each with how it reads the value: "yesno" (yes, 1 or on sets the option;
// no, 0 or off reads the next line), "number" (digits only), "" (a value
// ftpsniff does not check). A file by another name that is a word of
// letters and digits stops the wrapper ("No corresponding directive");
// the names of its %authconf are skipped there.
var pureWrapperOptions = map[string]string{
	"AllowAnonymousFXP": "yesno", "AllowDotFiles": "yesno", "AllowUserFXP": "yesno", "AltLog": "",
	"AnonymousBandwidth": "", "AnonymousCanCreateDirs": "yesno", "AnonymousCantUpload": "yesno",
	"AnonymousOnly": "yesno", "AnonymousRatio": "", "AntiWarez": "yesno", "AutoRename": "yesno",
	"Bind": "", "BrokenClientsCompatibility": "yesno", "CallUploadScript": "yesno",
	"ChrootEveryone": "yesno", "CreateHomeDir": "yesno", "CustomerProof": "yesno", "Daemonize": "yesno",
	"DisplayDotFiles": "yesno", "DontResolve": "yesno", "ForcePassiveIP": "", "FortunesFile": "",
	"FSCharset": "", "ClientCharset": "", "IPV4Only": "yesno", "IPV6Only": "yesno", "KeepAllFiles": "yesno",
	"LimitRecursion": "", "LogPID": "yesno", "MaxClientsNumber": "number", "MaxClientsPerIP": "number",
	"MaxDiskUsage": "number", "MaxIdleTime": "number", "MaxLoad": "number", "MinUID": "number",
	"NATmode": "yesno", "NoAnonymous": "yesno", "NoChmod": "yesno", "NoRename": "yesno",
	"NoTruncate": "yesno", "PassivePortRange": "", "PerUserLimits": "", "ProhibitDotFilesRead": "yesno",
	"ProhibitDotFilesWrite": "yesno", "Quota": "", "SyslogFacility": "", "TLS": "number",
	"TLSCipherSuite": "", "TrustedGID": "number", "TrustedIP": "", "Umask": "", "UserBandwidth": "",
	"UserRatio": "", "VerboseLog": "yesno",
}

// pureWrapperAuth are the wrapper's %authconf names: read from
// /etc/pure-ftpd/auth, skipped in the conf directory.
var pureWrapperAuth = setOf("ExtAuth", "LDAPConfigFile", "MySQLConfigFile", "PGSQLConfigFile", "PAMAuthentication", "PureDB", "UnixAuthentication")

// pureWrapperName is the wrapper's filter: other names are skipped.
func pureWrapperName(s string) bool {
	if len(s) < 2 || !(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') {
		return false
	}
	for _, c := range s[1:] {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// loadPureFTPdDir reads a Debian /etc/pure-ftpd/conf as pure-ftpd-wrapper
// does: every file named by a word of letters and digits is a setting (the
// others, and the authentication ones, skipped), a name the wrapper does
// not know, or a value it cannot read, stops it. A directory of settings
// ftpsniff does not read (Debian's stock one: MinUID, PureDB, NoAnonymous
// and the like) is all defaults. One without any wrapper setting is not
// taken for a pure-ftpd one.
func loadPureFTPdDir(dir string) (*ServerConfig, error) {
	c := newPure(dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, &ConfigError{File: dir, Msg: fmt.Sprintf("cannot read the directory (%v)", unwrapPath(err))}
	}
	known := false
	for _, e := range entries {
		if _, ok := pureWrapperOptions[e.Name()]; ok || pureWrapperAuth[e.Name()] {
			known = true
		}
	}
	if !known {
		return nil, &ConfigError{File: dir, Msg: "a directory, but not a pure-ftpd configuration directory (none of its files is named after a pure-ftpd-wrapper setting, such as PassivePortRange, ForcePassiveIP or Bind)"}
	}
	ours := map[string][]byte{} // the files of pureKeys
	for _, e := range entries { // sorted by name
		n := e.Name()
		p := filepath.Join(dir, n)
		if !pureWrapperName(n) {
			if k := pureKeyIn(n); k != "" {
				c.Notes = append(c.Notes, fmt.Sprintf("%s is skipped by pure-ftpd-wrapper, which reads only files named by letters and digits: its %s is not used", p, k))
			}
			continue
		}
		if pureWrapperAuth[n] {
			continue
		}
		kind, ok := pureWrapperOptions[n]
		if !ok {
			hint := ""
			if near := pureNearMiss(n); near != "" {
				hint = fmt.Sprintf(" (did you mean %s?)", near)
			}
			return nil, &ConfigError{File: p, Msg: fmt.Sprintf("%s is not a pure-ftpd-wrapper setting%s: the wrapper does not start pure-ftpd (\"Invalid configuration file ...: No corresponding directive\"); rename or remove the file", trunc(n), hint)}
		}
		data, err := readBounded(p)
		if err != nil {
			return nil, readErr(p, err)
		}
		if k := pureSingleKey(n); k != "" {
			ours[k] = data
			continue
		}
		if err := pureCheckValue(p, n, kind, data); err != nil {
			return nil, err
		}
	}
	for _, k := range pureKeys { // listed in this order, whatever the files'
		if data, ok := ours[k]; ok {
			if err := pureSingle(c, filepath.Join(dir, k), k, data); err != nil {
				return nil, err
			}
		}
	}
	pureFinish(c)
	c.dropUnreachableAddress()
	return c, nil
}

// pureNearMiss returns the setting ftpsniff reads that name is a near
// miss of (a letter or two off, or its start: PassivePorts), or "".
func pureNearMiss(name string) string {
	if near := nearMiss(name, pureKeys); near != "" {
		return near
	}
	for _, k := range pureKeys {
		// A shared start all but a letter long (PassivePorts).
		a, b := strings.ToLower(name), strings.ToLower(k)
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		if i >= 6 && i >= min(len(a), len(b))-1 {
			return k
		}
	}
	return ""
}

// pureKeyIn returns the setting ftpsniff reads that name holds
// (PassivePortRange.dpkg-old, ForcePassiveIP~), or "".
func pureKeyIn(name string) string {
	for _, k := range pureKeys {
		if strings.Contains(strings.ToLower(name), strings.ToLower(k)) {
			return k
		}
	}
	return ""
}

// pureCheckValue checks the value of a setting ftpsniff does not read, as
// far as the wrapper refuses it: a yes/no one's, a number's.
func pureCheckValue(file, key, kind string, data []byte) error {
	for i, raw := range lines(data) {
		l := strings.TrimSpace(raw)
		if l == "" || l[0] == '#' {
			continue
		}
		switch kind {
		case "yesno":
			switch strings.ToLower(l) {
			case "yes", "1", "on":
				return nil
			case "no", "0", "off":
				continue // the wrapper reads the next line
			}
			return lineErr(file, i+1, "%s %s: not yes or no; pure-ftpd-wrapper does not start pure-ftpd with it (\"not convertible to true or false\")", key, trunc(l))
		case "number":
			if strings.Trim(l, "0123456789") != "" {
				return lineErr(file, i+1, "%s %s: not a number; pure-ftpd-wrapper does not start pure-ftpd with it (\"not a number\")", key, trunc(l))
			}
		}
		return nil
	}
	return nil
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
			} else if a.Unmap().IsUnspecified() {
				// The wildcard: every address, as with no address.
				c.BindAddrs, c.BindNames = nil, nil
				setting += " (every address)"
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
