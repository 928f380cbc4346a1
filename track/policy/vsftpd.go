package policy

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
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

// vsftpd's own limits for the passive range (privops.c
// vsf_privop_pasv_listen): pasv_min_port counts only when above 1024 and
// at most 65535, pasv_max_port only when at least the minimum in use and
// below 65535; vsftpd picks a random port in the range itself (not the
// kernel's ephemeral range). Without a pasv_min_port line vsftpd's own
// value is 5001 (tunables.c, "IPPORT_USERRESERVED + 1"), not the 0 its man
// page gives: with neither line it hands out 5001-65535, and
// pasv_max_port alone counts only from 5001 (measured on Debian's 3.0.3:
// pasv_max_port=2000 alone handed out 6744-65262).
const (
	vsftpdMinPort        = 1024
	vsftpdMaxPort        = 65535
	vsftpdDefaultMinPort = 5001
)

// vsftpd's settings, as its parseconf.c tables name them: those of
// Debian 12's vsftpd 3.0.3 (read from the binary's three tables, Debian's
// patches included: utf8_filesystem, upload_file, download_file), each
// table a kind. vsftpd compares a name exactly and refuses to start on one
// it does not know ("unrecognised variable in config file").
//
// vsftpdStrings are the string settings (parseconf_str_array): only these
// may have an empty value, or no '=' at all, which unsets them; any other
// setting without a value stops vsftpd with "missing value in config file
// for".
var vsftpdStrings = setOf(
	"secure_chroot_dir", "ftp_username", "chown_username", "xferlog_file", "vsftpd_log_file",
	"message_file", "nopriv_user", "ftpd_banner", "banned_email_file", "chroot_list_file",
	"pam_service_name", "guest_username", "userlist_file", "anon_root", "local_root", "banner_file",
	"pasv_address", "listen_address", "user_config_dir", "listen_address6", "cmds_allowed",
	"hide_file", "deny_file", "upload_file", "download_file", "user_sub_token", "email_password_file",
	"rsa_cert_file", "dsa_cert_file", "ssl_ciphers", "rsa_private_key_file", "dsa_private_key_file",
	"ca_certs_file", "cmds_denied",
	// Not Debian 12's, but other builds' (vsftpd 3.0.4's ssl_sni_hostname,
	// Fedora's DH and ECDH patches): taken as strings, with a note.
	"ssl_sni_hostname", "dh_param_file", "ecdh_param_file",
)

// vsftpdUints are the number settings (parseconf_uint_array): vsftpd
// reads any value as a number (atoi, or octal after a leading 0).
var vsftpdUints = setOf(
	"accept_timeout", "connect_timeout", "local_umask", "anon_umask", "ftp_data_port",
	"idle_session_timeout", "data_connection_timeout", "pasv_min_port", "pasv_max_port",
	"anon_max_rate", "local_max_rate", "listen_port", "max_clients", "file_open_mode", "max_per_ip",
	"trans_chunk_size", "delay_failed_login", "delay_successful_login", "max_login_fails",
	"chown_upload_mode",
)

// vsftpdBools are the YES/NO settings (parseconf_bool_array): any other
// value stops vsftpd with "bad bool value in config file for".
var vsftpdBools = setOf(
	"anonymous_enable", "utf8_filesystem", "local_enable", "pasv_enable", "port_enable",
	"chroot_local_user", "write_enable", "anon_upload_enable", "anon_mkdir_write_enable",
	"anon_other_write_enable", "chown_uploads", "connect_from_port_20", "xferlog_enable",
	"dirmessage_enable", "anon_world_readable_only", "async_abor_enable", "ascii_upload_enable",
	"ascii_download_enable", "one_process_model", "xferlog_std_format", "pasv_promiscuous",
	"deny_email_enable", "chroot_list_enable", "setproctitle_enable", "text_userdb_names",
	"ls_recurse_enable", "log_ftp_protocol", "guest_enable", "userlist_enable", "userlist_deny",
	"use_localtime", "check_shell", "hide_ids", "listen", "port_promiscuous", "passwd_chroot_enable",
	"no_anon_password", "tcp_wrappers", "use_sendfile", "force_dot_files", "listen_ipv6",
	"dual_log_enable", "syslog_enable", "background", "virtual_use_local_privs", "session_support",
	"download_enable", "dirlist_enable", "chmod_enable", "secure_email_list_enable",
	"run_as_launching_user", "no_log_lock", "ssl_enable", "allow_anon_ssl", "force_local_logins_ssl",
	"force_local_data_ssl", "ssl_sslv2", "ssl_sslv3", "ssl_tlsv1", "tilde_user_enable",
	"force_anon_logins_ssl", "force_anon_data_ssl", "mdtm_write", "lock_upload_files",
	"pasv_addr_resolve", "debug_ssl", "require_cert", "validate_cert", "strict_ssl_read_eof",
	"strict_ssl_write_shutdown", "ssl_request_cert", "delete_failed_uploads", "implicit_ssl",
	"ptrace_sandbox", "require_ssl_reuse", "isolate", "isolate_network", "ftp_enable", "http_enable",
	"seccomp_sandbox", "allow_writeable_chroot",
	// Fedora's and RHEL's patches (not Debian's): a note says so.
	"ssl_tlsv1_1", "ssl_tlsv1_2",
)

// vsftpdOtherBuilds are the settings above that Debian 12's vsftpd 3.0.3
// does not have: it refuses to start with them, a build that adds them
// runs them.
var vsftpdOtherBuilds = setOf("ssl_sni_hostname", "dh_param_file", "ecdh_param_file", "ssl_tlsv1_1", "ssl_tlsv1_2")

// vsftpdRead are the settings ftpsniff reads. A name that is none of
// vsftpd's but a near miss of one of these (pasv_minport) is refused, as
// vsftpd refuses it: skipped as unknown, it left vsftpd's built-in 5001 as
// the range's start (5001-40100 advised for a file meaning 40000-40100).
// Other unknown names are noted only, since a build may add settings (see
// vsftpdOtherBuilds).
var vsftpdRead = []string{
	"pasv_enable", "port_enable", "connect_from_port_20", "pasv_addr_resolve", "listen", "listen_ipv6",
	"pasv_min_port", "pasv_max_port", "listen_port", "require_ssl_reuse", "pasv_promiscuous",
	"ftp_data_port", "pasv_address", "listen_address", "listen_address6",
}

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// nearMiss returns the name of names that s is within two edits of
// (a letter added, dropped, changed, or two swapped: optimal string
// alignment distance), letters compared without regard to case; "" when
// none is.
func nearMiss(s string, names []string) string {
	for _, n := range names {
		if strings.EqualFold(s, n) || editDistance(strings.ToLower(s), strings.ToLower(n), 2) <= 2 {
			return n
		}
	}
	return ""
}

// editDistance is the optimal string alignment distance of a and b, or
// limit+1 when their lengths differ by more (or either is long).
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit || len(a) > 256 || len(b) > 256 {
		return limit + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// cSpace is what C's isspace accepts: vsftpd skips it before a setting's
// name, and atoi and inet_aton treat it as the end of a number.
const cSpace = " \t\n\v\f\r"

func isCSpace(c byte) bool { return strings.IndexByte(cSpace, c) >= 0 }

// ParseVsftpd parses a vsftpd.conf as vsftpd's parseconf.c does: lines
// split at '\n' only (a '\r' stays in the value), a line that is empty,
// all blank or starts with '#' skipped, blanks before the name skipped,
// the name up to the first '=' compared exactly, the value the whole rest
// of the line (no inline comments). Absent keys take vsftpd's defaults:
// passive and active mode on, any passive port from 5001-65535, the
// address of the interface the client reached, port 21, active data from
// an ephemeral port.
func ParseVsftpd(name string, data []byte) (*ServerConfig, error) {
	c := &ServerConfig{Kind: ServerVsftpd, Path: name, PassiveEnabled: true, ActiveEnabled: true, ControlPort: 21, ActiveSourceKnown: true}
	var (
		minPort, maxPort uint32
		minLine, maxLine int
		addr             string
		addrLine         int
		resolve          bool
		fromPort20       bool
		dataPort         = 20
		// force_local_data_ssl (YES by default) and force_anon_data_ssl
		// (NO): whether vsftpd refuses a data connection in clear.
		forceLocal, forceAnon = true, false
		localLine, anonLine   string
		listen, listenIP6     bool
		// listen_address and listen_address6, read once the mode is known.
		listenAddr, listenAddr6         string
		listenAddrLine, listenAddr6Line int
		listenAt, listenAt6             int // where in Settings their lines go
	)
	for i, raw := range strings.Split(string(data), "\n") {
		n := i + 1
		if raw == "" || raw[0] == '#' || strings.TrimLeft(raw, cSpace) == "" {
			continue
		}
		key, val, _ := strings.Cut(strings.TrimLeft(raw, cSpace), "=")
		if vsftpdStrings[key] {
			// The last line of a setting counts; an empty value unsets it.
			switch key {
			case "listen_address":
				listenAddr, listenAddrLine, listenAt = val, n, len(c.Settings)
			case "listen_address6":
				listenAddr6, listenAddr6Line, listenAt6 = val, n, len(c.Settings)
			case "pasv_address":
				addr, addrLine = val, n
				if val != "" {
					c.Settings = append(c.Settings, fmt.Sprintf("line %d: %s=%s", n, key, val))
				}
			}
			if vsftpdOtherBuilds[key] {
				c.Notes = append(c.Notes, otherBuildNote(key, n))
			}
			continue
		}
		if val == "" {
			return nil, lineErr(name, n, "\"%s\" has no value: vsftpd refuses to start (\"missing value in config file for: %s\"); settings are key=value", trunc(raw), trunc(key))
		}
		if !vsftpdKey(key) {
			return nil, lineErr(name, n, "\"%s\" is not a vsftpd setting name (lower case, no spaces around '='): vsftpd would refuse to start", trunc(key))
		}
		setting := fmt.Sprintf("line %d: %s=%s", n, key, val)
		var err error
		ignored := "" // text after a number that vsftpd ignores
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
			minPort, ignored, err = vsftpdUint(val)
			minLine = n
		case "pasv_max_port":
			maxPort, ignored, err = vsftpdUint(val)
			maxLine = n
		case "listen_port":
			var p uint32
			if p, ignored, err = vsftpdUint(val); err == nil {
				if p == 0 {
					err = fmt.Errorf("port 0")
				}
				c.ControlPort = uint16(p)
			}
		case "require_ssl_reuse":
			var on bool
			if on, err = vsftpdBool(val); err == nil {
				c.TLSReuseOff, c.TLSReuseLine = !on, ""
				if !on {
					c.TLSReuseLine = setting
				}
			}
		case "force_local_data_ssl":
			forceLocal, err = vsftpdBool(val)
			localLine = setting
		case "force_anon_data_ssl":
			forceAnon, err = vsftpdBool(val)
			anonLine = setting
		case "pasv_promiscuous":
			var on bool
			if on, err = vsftpdBool(val); err == nil {
				c.SourceCheckOff, c.SourceCheckLine = on, ""
				if on {
					c.SourceCheckLine = setting
				}
			}
		case "ftp_data_port":
			var p uint32
			p, ignored, err = vsftpdUint(val)
			dataPort = int(p)
		default:
			setting = ""
			switch {
			case vsftpdBools[key]:
				_, err = vsftpdBool(val)
				if err == nil && vsftpdOtherBuilds[key] {
					c.Notes = append(c.Notes, otherBuildNote(key, n))
				}
			case vsftpdUints[key]:
			default:
				if near := nearMiss(key, vsftpdRead); near != "" {
					return nil, lineErr(name, n, "%s is not a vsftpd setting (did you mean %s?): vsftpd refuses to start (\"unrecognised variable in config file: %s\")", trunc(key), near, trunc(key))
				}
				c.Notes = append(c.Notes, fmt.Sprintf("line %d: %s is not a setting of vsftpd 3.0.3 (Debian 12's), which refuses to start with it (\"unrecognised variable in config file\"); ftpsniff ignores it, as a vsftpd build that has it may run it", n, trunc(key)))
			}
		}
		if err != nil {
			return nil, lineErr(name, n, "%s=%s: %v", key, trunc(val), err)
		}
		if ignored != "" {
			num, _, _ := cNumber(val)
			c.Notes = append(c.Notes, fmt.Sprintf("%s=%s (line %d): vsftpd has no inline comments, but it reads the number only up to the blank, so it runs with %s=%d; the rest of the line (%q) is ignored", key, trunc(val), n, key, num, trunc(ignored)))
		}
		if setting != "" {
			c.Settings = append(c.Settings, setting)
		}
	}
	if listen && listenIP6 {
		c.Notes = append(c.Notes, "listen=YES and listen_ipv6=YES together: vsftpd refuses to start")
	}
	if err := vsftpdListenAddress(c, name, listen, listenIP6, vsftpdSetting{listenAddr, listenAddrLine, listenAt}, vsftpdSetting{listenAddr6, listenAddr6Line, listenAt6}); err != nil {
		return nil, err
	}
	if fromPort20 {
		c.ActiveSourcePort = uint16(dataPort)
	}
	c.PassiveRange = vsftpdRange(c, minPort, maxPort, minLine, maxLine)
	if !forceLocal && !forceAnon {
		// Neither login's data must be protected: a data connection in
		// clear is accepted whoever logged in.
		c.ClearDataOK = true
		c.ClearDataLine = strings.Join(slices.DeleteFunc([]string{localLine, anonLine}, func(l string) bool { return l == "" }), ", ")
	}
	if addr != "" {
		if err := vsftpdAddress(c, name, addr, addrLine, resolve); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// vsftpdSetting is a string setting's value, its line, and where in
// Settings its line goes.
type vsftpdSetting struct {
	val      string
	line, at int
}

// otherBuildNote says that a setting is not Debian 12's vsftpd's.
func otherBuildNote(key string, line int) string {
	return fmt.Sprintf("line %d: %s is not a setting of vsftpd 3.0.3 (Debian 12's), which refuses to start with it (\"unrecognised variable in config file\"); a build that adds it (another vsftpd version, or a distribution's patch: Fedora's and RHEL's add several) runs it", line, key)
}

// vsftpdListenAddress reads the address vsftpd listens on as standalone.c
// does: with listen=YES (IPv4) listen_address, read by inet_aton; with
// listen_ipv6=YES listen_address6, read by inet_pton; started by inetd or
// systemd (both NO, vsftpd's default), neither. A value vsftpd cannot read
// stops it ("bad listen_address"); 0.0.0.0 and :: are every address, as
// for no setting at all. The setting not used for the mode is noted.
func vsftpdListenAddress(c *ServerConfig, name string, listen, listenIP6 bool, a4, a6 vsftpdSetting) error {
	unused := func(key string, v vsftpdSetting, why string) {
		if v.val != "" {
			c.Notes = append(c.Notes, fmt.Sprintf("line %d: %s=%s is not used: %s", v.line, key, trunc(v.val), why))
		}
	}
	bind := func(key string, v vsftpdSetting, a netip.Addr) {
		setting := fmt.Sprintf("line %d: %s=%s", v.line, key, v.val)
		if a = a.Unmap(); a.IsUnspecified() {
			setting += " (every address)"
		} else {
			c.BindAddrs = []netip.Addr{a}
		}
		c.Settings = slices.Insert(c.Settings, min(v.at, len(c.Settings)), setting)
	}
	switch {
	case listen && listenIP6:
		// vsftpd does not start: nothing to read.
	case listen:
		unused("listen_address6", a6, "vsftpd listens on IPv4 (listen=YES), where listen_address says")
		if a4.val == "" {
			return nil
		}
		a, _, ok := inetAton(a4.val)
		if !ok {
			return lineErr(name, a4.line, "listen_address=%s is not an IPv4 address: vsftpd refuses to start (\"bad listen_address\")", trunc(a4.val))
		}
		bind("listen_address", a4, a)
	case listenIP6:
		unused("listen_address", a4, "with listen_ipv6=YES vsftpd listens where listen_address6 says (every address, IPv4 too, when it is unset)")
		if a6.val == "" {
			return nil
		}
		a, err := netip.ParseAddr(a6.val)
		if err != nil || a.Zone() != "" || !a.Is6() {
			return lineErr(name, a6.line, "listen_address6=%s is not an IPv6 address: vsftpd refuses to start (\"bad listen_address6\")", trunc(a6.val))
		}
		bind("listen_address6", a6, a)
	default:
		why := "vsftpd is not standalone here (listen=NO, listen_ipv6=NO): inetd or systemd listens for it, where their own configuration says"
		unused("listen_address", a4, why)
		unused("listen_address6", a6, why)
	}
	return nil
}

// vsftpdRange is the passive range vsftpd uses (privops.c
// vsf_privop_pasv_listen), nil when no setting of the file narrows vsftpd's
// own range (5001-65535, or 1024-65535 with a pasv_min_port line it does
// not use), and notes on what it ignores (only while passive mode is on:
// with pasv_enable=NO no port is handed out).
func vsftpdRange(c *ServerConfig, minPort, maxPort uint32, minLine, maxLine int) Ranges {
	tunMin := minPort
	if minLine == 0 {
		tunMin = vsftpdDefaultMinPort
	}
	lo, hi := uint32(vsftpdMinPort), uint32(vsftpdMaxPort)
	minUsed := tunMin > lo && tunMin <= hi
	if minUsed {
		lo = tunMin
	}
	maxUsed := maxPort >= lo && maxPort < hi
	if maxUsed {
		hi = maxPort
	}
	minSetUsed := minUsed && minLine != 0 // the file's, not vsftpd's own 5001
	note := func(format string, args ...any) {
		if c.PassiveEnabled {
			c.Notes = append(c.Notes, fmt.Sprintf(format, args...))
		}
	}
	any := fmt.Sprintf("vsftpd hands out any port from %d-%d (a random one it picks itself, not the kernel's ephemeral range), which no firewall range can follow", lo, hi)
	if minLine == 0 {
		any += "; 5001 is vsftpd's built-in pasv_min_port (its man page says 0)"
	}
	// Why a value set is ignored ("" when it is not, or changes nothing).
	minWhy := ""
	if minLine != 0 && !minUsed && minPort != 0 && minPort != vsftpdMinPort {
		// (Not "ignored": without the line vsftpd would start at 5001.)
		minWhy = fmt.Sprintf("pasv_min_port=%d (line %d) is below 1024: vsftpd starts at 1024 instead (it uses pasv_min_port only above 1024)", minPort, minLine)
	}
	maxWhy := ""
	if maxLine != 0 && maxPort != 0 && !maxUsed && maxPort != vsftpdMaxPort {
		switch {
		case minSetUsed:
			maxWhy = fmt.Sprintf("pasv_max_port=%d (line %d) is below pasv_min_port=%d (line %d): vsftpd ignores it", maxPort, maxLine, minPort, minLine)
			if maxPort > vsftpdMinPort && c.PassiveEnabled {
				// Swapped ends, each usable: what was meant.
				c.SwappedRange = Ranges{{uint16(maxPort), uint16(minPort)}}
			}
		case minLine == 0:
			maxWhy = fmt.Sprintf("pasv_max_port=%d (line %d) is below 5001, where vsftpd's range starts without a pasv_min_port line: vsftpd ignores it", maxPort, maxLine)
		default:
			maxWhy = fmt.Sprintf("pasv_max_port=%d (line %d) is below 1024, where vsftpd's range starts: vsftpd ignores it", maxPort, maxLine)
		}
	}
	if !minSetUsed && !maxUsed {
		// Lines that leave vsftpd's range as it is, named so that the
		// note does not deny them.
		var kept []string
		if minLine != 0 && minWhy == "" {
			kept = append(kept, fmt.Sprintf("pasv_min_port=%d (line %d)", minPort, minLine))
		}
		if maxLine != 0 && maxWhy == "" {
			kept = append(kept, fmt.Sprintf("pasv_max_port=%d (line %d)", maxPort, maxLine))
		}
		switch {
		case minWhy != "" && maxWhy != "":
			note("%s, and %s; with neither in effect %s", minWhy, maxWhy, any)
		case minWhy != "" || maxWhy != "":
			note("%s%s; with no narrower range in effect %s", minWhy, maxWhy, any)
		case len(kept) == 1:
			note("%s narrows nothing: %s", kept[0], any)
		case len(kept) > 1:
			note("%s narrow nothing: %s", strings.Join(kept, " and "), any)
		default:
			note("no pasv_min_port/pasv_max_port: %s", any)
		}
		c.BuiltinRange = Ranges{{uint16(lo), uint16(hi)}}
		return nil
	}
	if minWhy != "" {
		note("%s: it uses %d-%d", minWhy, lo, hi)
	}
	if maxWhy != "" {
		note("%s and uses %d-%d", maxWhy, lo, hi)
	}
	if maxUsed && minLine == 0 {
		note("pasv_max_port=%d (line %d) with no pasv_min_port: vsftpd starts at its built-in pasv_min_port, 5001 (its man page says 0), and uses %d-%d", maxPort, maxLine, lo, hi)
	}
	return Ranges{{uint16(lo), uint16(hi)}}
}

// vsftpdAddress reads pasv_address as vsftpd does: inet_aton at each PASV
// (postlogin.c: a value it refuses ends the session with "500 OOPS:
// invalid pasv_address"), or, with pasv_addr_resolve=YES, a host name
// resolved at start-up.
func vsftpdAddress(c *ServerConfig, name, addr string, line int, resolve bool) error {
	a, end, ok := inetAton(addr)
	if resolve {
		switch {
		case ok && end == len(addr):
			c.PublicAddress = a
		default:
			if p, err := netip.ParseAddr(addr); err == nil {
				c.PublicAddress = p
				return nil
			}
			c.PublicName = addr
			c.Notes = append(c.Notes, fmt.Sprintf("pasv_address=%s is resolved by vsftpd at start-up; ftpsniff does not resolve it", addr))
		}
		return nil
	}
	if !ok {
		return lineErr(name, line, "pasv_address=%s is not an IPv4 address: vsftpd answers PASV with \"500 OOPS: invalid pasv_address\" (set pasv_addr_resolve=YES for a host name)", trunc(addr))
	}
	c.PublicAddress = a
	switch {
	case end < len(addr):
		c.Notes = append(c.Notes, fmt.Sprintf("pasv_address=%s (line %d): vsftpd has no inline comments, but inet_aton stops at the blank, so it announces %s", trunc(addr), line, a))
	case addr != a.String():
		c.Notes = append(c.Notes, fmt.Sprintf("pasv_address=%s (line %d) is read by inet_aton as %s, which vsftpd announces", trunc(addr), line, a))
	}
	return nil
}

// inetAton reads an IPv4 address as glibc's inet_aton: one to four parts
// separated by '.', each decimal, octal (leading 0) or hex (0x), the last
// filling the bytes left (a, a.b, a.b.c, a.b.c.d); the address may be
// followed by a blank and anything. end is where the address ends.
func inetAton(s string) (a netip.Addr, end int, ok bool) {
	var parts []uint64
	i := 0
	for {
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return a, 0, false
		}
		base, digits := uint64(10), "0123456789"
		if s[i] == '0' {
			base, digits = 8, "01234567"
			if i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') && i+2 < len(s) && strings.IndexByte("0123456789abcdefABCDEF", s[i+2]) >= 0 {
				base, digits = 16, "0123456789abcdefABCDEF"
				i += 2
			}
		}
		var v uint64
		for ; i < len(s) && strings.IndexByte(digits, s[i]) >= 0; i++ {
			d := strings.IndexByte("0123456789abcdef", strings.ToLower(s[i : i+1])[0])
			v = v*base + uint64(d)
			if v > 0xffffffff {
				return a, 0, false
			}
		}
		parts = append(parts, v)
		if i < len(s) && s[i] == '.' {
			if len(parts) > 3 || v > 0xff {
				return a, 0, false
			}
			i++
			continue
		}
		break
	}
	if i < len(s) && !isCSpace(s[i]) {
		return a, 0, false
	}
	last := parts[len(parts)-1]
	if last > [4]uint64{0xffffffff, 0xffffff, 0xffff, 0xff}[len(parts)-1] {
		return a, 0, false
	}
	var w uint32
	for k, p := range parts[:len(parts)-1] {
		w |= uint32(p) << (24 - 8*k)
	}
	w |= uint32(last)
	return netip.AddrFrom4([4]byte{byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w)}), i, true
}

// vsftpdBool accepts what vsftpd's parseconf.c accepts, in any case.
func vsftpdBool(v string) (bool, error) {
	switch strings.ToUpper(v) {
	case "YES", "TRUE", "1":
		return true, nil
	case "NO", "FALSE", "0":
		return false, nil
	}
	if strings.HasSuffix(v, "\r") {
		return false, fmt.Errorf("not YES or NO: the line ends in a carriage return (DOS line ends), which vsftpd keeps in the value (vsftpd refuses to start: bad bool value)")
	}
	return false, fmt.Errorf("not YES or NO (vsftpd refuses to start: bad bool value)")
}

// vsftpdUint reads a number as vsftpd's parseconf.c does: octal when it
// begins with 0 (str_octal_to_uint: the digits 0-7 up to the first other
// character), else atoi (leading blanks and a sign skipped, the digits
// taken, the result stored in an unsigned int). Trailing blanks are fine,
// as for vsftpd, and so is text after a blank ("40000 # range": vsftpd has
// no inline comments, but the number ends at the blank and vsftpd runs with
// it): ignored is that text, for a note. Text right after the digits
// ("4o000"), or no digits at all, is an error here, since vsftpd silently
// reads what atoi makes of it and may turn a range off; so is a value
// above 65535.
func vsftpdUint(v string) (n uint32, ignored string, err error) {
	n, end, digits := cNumber(v)
	rest := v[end:]
	if !digits || rest != "" && !isCSpace(rest[0]) {
		return 0, "", fmt.Errorf("not a number (vsftpd has no inline comments and would read it as %d)", n)
	}
	if n > 65535 {
		if strings.Contains(v[:end], "-") {
			return 0, "", fmt.Errorf("a negative number (vsftpd would read it as %d)", n)
		}
		return 0, "", fmt.Errorf("above 65535 (vsftpd would read it as %d)", n)
	}
	return n, strings.Trim(rest, cSpace), nil
}

// cNumber is what vsftpd makes of a number setting's value, where the
// number ends, and whether it had digits.
func cNumber(v string) (n uint32, end int, digits bool) {
	i := 0
	if v != "" && v[0] == '0' {
		for ; i < len(v) && v[i] >= '0' && v[i] <= '7'; i++ {
			n = n<<3 + uint32(v[i]-'0')
		}
		return n, i, true
	}
	for i < len(v) && isCSpace(v[i]) {
		i++
	}
	neg := false
	if i < len(v) && (v[i] == '+' || v[i] == '-') {
		neg = v[i] == '-'
		i++
	}
	start := i
	var x int64 // strtol's long, saturating; atoi keeps its low 32 bits
	for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
		d := int64(v[i] - '0')
		if x > (math.MaxInt64-d)/10 {
			x = math.MaxInt64
		} else if x != math.MaxInt64 {
			x = x*10 + d
		}
	}
	if i == start {
		return 0, 0, false
	}
	if neg {
		x = -x
		if x == -math.MaxInt64 {
			x = math.MinInt64
		}
	}
	return uint32(x), i, true
}

func trunc(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
