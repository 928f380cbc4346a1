package policy

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// vsftpdKey reports whether k looks like a vsftpd setting name: vsftpd
// compares names exactly, so "Listen" or "listen " is an unknown setting
// and vsftpd refuses to start.
func vsftpdKey(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// vsftpd's own limits for the passive range (privops.c): ports below 1024
// are never used, and a pasv_max_port below the minimum is ignored.
const (
	vsftpdMinPort = 1024
	vsftpdMaxPort = 65535
)

// ParseVsftpd parses a vsftpd.conf. Lines are key=value with nothing around
// the '='; '#' starts a comment line. Absent keys take vsftpd's defaults:
// passive and active mode on, any passive port, the address of the
// interface the client reached, port 21, active data from an ephemeral port.
func ParseVsftpd(name string, data []byte) (*ServerConfig, error) {
	c := &ServerConfig{Kind: ServerVsftpd, Path: name, PassiveEnabled: true, ActiveEnabled: true, ControlPort: 21, ActiveSourceKnown: true}
	var (
		minPort, maxPort  int
		minLine, maxLine  int
		addr              string
		addrLine          int
		resolve           bool
		fromPort20        bool
		dataPort          = 20
		listen, listenIP6 bool
	)
	for i, raw := range lines(data) {
		n := i + 1
		if strings.TrimSpace(raw) == "" || raw[0] == '#' {
			continue
		}
		key, val, ok := strings.Cut(raw, "=")
		if !ok {
			return nil, lineErr(name, n, "%q has no '=': vsftpd settings are key=value", trunc(raw))
		}
		if !vsftpdKey(key) {
			return nil, lineErr(name, n, "%q is not a vsftpd setting name (lower case, no spaces around '='): vsftpd would refuse to start", trunc(key))
		}
		setting := fmt.Sprintf("line %d: %s=%s", n, key, val)
		var err error
		switch key {
		case "pasv_enable":
			c.PassiveEnabled, err = vsftpdBool(val)
		case "port_enable":
			c.ActiveEnabled, err = vsftpdBool(val)
		case "connect_from_port_20":
			fromPort20, err = vsftpdBool(val)
		case "pasv_addr_resolve":
			resolve, err = vsftpdBool(val)
		case "listen":
			listen, err = vsftpdBool(val)
		case "listen_ipv6":
			listenIP6, err = vsftpdBool(val)
		case "pasv_min_port":
			minPort, err = vsftpdUint(val)
			minLine = n
		case "pasv_max_port":
			maxPort, err = vsftpdUint(val)
			maxLine = n
		case "listen_port":
			var p int
			if p, err = vsftpdUint(val); err == nil {
				if p == 0 {
					err = fmt.Errorf("port 0")
				}
				c.ControlPort = uint16(p)
			}
		case "ftp_data_port":
			dataPort, err = vsftpdUint(val)
		case "pasv_address":
			addr, addrLine = strings.TrimSpace(val), n // inet_aton stops at a blank
		default:
			setting = ""
		}
		if err != nil {
			return nil, lineErr(name, n, "%s=%s: %v", key, trunc(val), err)
		}
		if setting != "" {
			c.Settings = append(c.Settings, setting)
		}
	}
	if listen && listenIP6 {
		c.Notes = append(c.Notes, "listen=YES and listen_ipv6=YES together: vsftpd refuses to start")
	}
	if fromPort20 {
		c.ActiveSourcePort = uint16(dataPort)
	}
	// The range rule of vsftpd's privops.c.
	lo, hi := vsftpdMinPort, vsftpdMaxPort
	if minPort > lo && minPort <= hi {
		lo = minPort
	}
	if maxPort >= lo && maxPort < hi {
		hi = maxPort
	}
	switch {
	case minPort == 0 && maxPort == 0:
		c.Notes = append(c.Notes, "no pasv_min_port/pasv_max_port: vsftpd hands out any port from 1024-65535, which no firewall range can follow")
	case maxPort != 0 && maxPort < lo:
		c.Notes = append(c.Notes, fmt.Sprintf("pasv_max_port=%d (line %d) is below pasv_min_port=%d (line %d): vsftpd ignores it and uses %d-%d", maxPort, maxLine, minPort, minLine, lo, hi))
	case minPort != 0 && minPort < vsftpdMinPort:
		c.Notes = append(c.Notes, fmt.Sprintf("pasv_min_port=%d (line %d) is below 1024: vsftpd starts at 1024", minPort, minLine))
	}
	if minPort != 0 || maxPort != 0 {
		c.PassiveRange = Ranges{{uint16(lo), uint16(hi)}}
	}
	if addr != "" {
		if resolve {
			if a, err := netip.ParseAddr(addr); err == nil {
				c.PublicAddress = a
			} else {
				c.PublicName = addr
				c.Notes = append(c.Notes, fmt.Sprintf("pasv_address=%s is resolved by vsftpd at start-up; ftpsniff does not resolve it", addr))
			}
		} else {
			a, err := netip.ParseAddr(addr)
			if err != nil || !a.Is4() {
				return nil, lineErr(name, addrLine, "pasv_address=%s is not an IPv4 address: vsftpd answers PASV with \"500 OOPS: invalid pasv_address\" (set pasv_addr_resolve=YES for a host name)", trunc(addr))
			}
			c.PublicAddress = a
		}
	}
	return c, nil
}

// vsftpdBool accepts what vsftpd's parseconf.c accepts, in any case.
func vsftpdBool(v string) (bool, error) {
	switch strings.ToUpper(v) {
	case "YES", "TRUE", "1":
		return true, nil
	case "NO", "FALSE", "0":
		return false, nil
	}
	return false, fmt.Errorf("not YES or NO (vsftpd refuses to start: bad bool value)")
}

// vsftpdUint reads a number as vsftpd's parseconf.c does: octal when it
// begins with 0 (for umask settings), else atoi (leading blanks skipped,
// the digits taken). Trailing blanks are fine, as for vsftpd; other
// trailing text, or no digits at all, is an error here, since vsftpd
// silently reads what atoi makes of it and may turn a range off.
func vsftpdUint(v string) (int, error) {
	s := strings.TrimSpace(v)
	base := 10
	if strings.HasPrefix(s, "0") && len(s) > 1 {
		base = 8
	}
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] < '0'+byte(min(base, 10)) {
		end++
	}
	if end == 0 || end < len(s) {
		n, _ := strconv.ParseUint(s[:end], base, 32)
		return 0, fmt.Errorf("not a number (vsftpd would read it as %d)", n)
	}
	n, err := strconv.ParseUint(s, base, 32)
	if err != nil || n > 65535 {
		return 0, fmt.Errorf("above 65535")
	}
	return int(n), nil
}

func trunc(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
