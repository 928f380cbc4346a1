package policy

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// ServerKind names an FTP server family: the one a configuration file
// belongs to (vsftpd, ProFTPD, Pure-FTPd), or one a session's greeting
// names (KindFromGreeting).
type ServerKind uint8

const (
	ServerUnknown ServerKind = iota
	ServerVsftpd
	ServerProFTPD
	ServerPureFTPd
	// Recognised from their greetings only: ftpsniff reads no
	// configuration of theirs.
	ServerIIS
	ServerFileZilla
	ServerPyftpdlib
	ServerWuFTPd
	numKinds
)

var kindNames = [numKinds]string{"unknown", "vsftpd", "proftpd", "pure-ftpd", "iis", "filezilla-server", "pyftpdlib", "wu-ftpd"}

// productNames are the families as their makers spell them, for prose.
var productNames = [numKinds]string{"an unknown server", "vsftpd", "ProFTPD", "Pure-FTPd", "IIS", "FileZilla Server", "pyftpdlib", "wu-ftpd"}

func (k ServerKind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "unknown"
}

// Product is the family's name as its makers spell it ("ProFTPD").
func (k ServerKind) Product() string {
	if k < numKinds {
		return productNames[k]
	}
	return productNames[ServerUnknown]
}

// ServerConfig is what ftpsniff understood of a server's configuration.
type ServerConfig struct {
	Kind ServerKind
	Path string
	// PassiveEnabled is false when the server refuses PASV/EPSV
	// (vsftpd pasv_enable=NO).
	PassiveEnabled bool
	// PassiveRange is the ports the server hands out; nil means any
	// (the kernel's or the server's default choice).
	PassiveRange Ranges
	// SwappedRange is the passive range as written with its ends
	// swapped, put in order (vsftpd pasv_min_port=40100 and
	// pasv_max_port=40000: 40000-40100), when the server ignores an end
	// for it and hands out PassiveRange instead; nil otherwise.
	SwappedRange Ranges
	// BuiltinRange is the ports the server picks from itself when the
	// configuration narrows none (PassiveRange nil): vsftpd's 5001-65535
	// (1024-65535 with a pasv_min_port of 1024 or less). It says which
	// ports such a server cannot announce, never a range to open; nil
	// when not known (ProFTPD lets the kernel pick).
	BuiltinRange Ranges
	// PublicAddress is the address the server announces in 227
	// (pasv_address, MasqueradeAddress, ForcePassiveIP); PublicName is set
	// instead when the setting names a host.
	PublicAddress netip.Addr
	PublicName    string
	// UnusableAddress is an address the setting sets that no client can
	// connect to (0.0.0.0, loopback, link-local): the server announces
	// it, but it is not taken as PublicAddress (dropUnreachableAddress).
	UnusableAddress netip.Addr
	// ControlPort is where the server listens (listen_port, Port, Bind);
	// 0 when not known (any port). Off: it does not listen at all
	// (ProFTPD Port 0).
	ControlPort uint16
	Off         bool
	// BindAddrs are the addresses the server listens on (vsftpd
	// listen_address, Pure-FTPd Bind's address, a ProFTPD <VirtualHost>'s
	// addresses); empty: every address. BindNames are the host names
	// among them, not resolved.
	BindAddrs []netip.Addr
	BindNames []string
	// Hosts are the servers the file configures besides this one, each
	// with its own settings (ProFTPD <VirtualHost>s, which inherit only
	// <Global>'s). HostLine is, for one of them, the line of its
	// <VirtualHost> tag; 0 for the main server.
	Hosts    []*ServerConfig
	HostLine int
	// DefaultServer: a ProFTPD <VirtualHost> with DefaultServer on, which
	// serves the connections to its port no other host's address takes.
	DefaultServer bool
	// TLSReuseOff: the server does not require a PROT P data connection
	// to resume the control connection's TLS session (vsftpd
	// require_ssl_reuse=NO, ProFTPD TLSOptions NoSessionReuseRequired).
	// TLSReuseLine is the setting's line ("line 4: require_ssl_reuse=NO").
	TLSReuseOff  bool
	TLSReuseLine string
	// ClearDataOK: the server takes a data connection in clear (PROT C)
	// after an encrypted login, whoever logged in (vsftpd
	// force_local_data_ssl=NO, force_anon_data_ssl=NO, its default).
	// ClearDataLine names the settings' lines.
	ClearDataOK   bool
	ClearDataLine string
	// SourceCheckOff: the server takes a passive data connection from any
	// address, not only the control connection's (vsftpd
	// pasv_promiscuous=YES, ProFTPD AllowForeignAddress on).
	// SourceCheckLine is the setting's line.
	SourceCheckOff  bool
	SourceCheckLine string
	// ActiveEnabled is false when PORT/EPRT are refused (port_enable=NO).
	ActiveEnabled bool
	// ActiveSourcePort is the source port of active data connections; 0
	// means an ephemeral one. ActiveSourceKnown is false when the file
	// does not decide it.
	ActiveSourcePort  uint16
	ActiveSourceKnown bool
	// Settings lists, in file order, each setting that was understood and
	// what it means, with its line ("line 9: pasv_min_port=50000").
	Settings []string
	// Notes are remarks about how the server will read the file (defaults
	// applied, swapped ranges, names not resolved).
	Notes []string
	// NotFollowed are the ProFTPD Include lines whose files ftpsniff did
	// not read, each with its place ("Include /etc/proftpd/conf.d/ (line
	// 40)"): settings in them, a passive range among them, are not known.
	NotFollowed []string
}

// Unread says what of the configuration ftpsniff did not read, for advice
// that would else say the configuration sets no passive range: the
// Includes not followed ("Include /etc/proftpd/conf.d/ (line 40)"); ""
// when it read all of it.
func (c *ServerConfig) Unread() string {
	if c == nil {
		return ""
	}
	return strings.Join(c.NotFollowed, ", ")
}

// Policy is what data connections are checked against. The zero Policy
// checks nothing but what the capture shows by itself.
type Policy struct {
	// Ranges are the passive ports the firewall is meant to allow
	// (--pasv-range). Empty: take the server configuration's range.
	Ranges Ranges
	// PublicAddress is the address clients should be told (--public-address).
	PublicAddress netip.Addr
	// Server is the server's own configuration (--server-config), or nil.
	// For a server it does not describe, For leaves it nil.
	Server *ServerConfig
}

// For is the part of c that configures the server a client reached at
// srv, whose greeting names the family greeting (ServerUnknown: none, or
// not seen): c itself, one of its Hosts (ProFTPD serves a connection with
// the <VirtualHost> bound to the address and port it reached, else with
// the main server on that port, else with the DefaultServer host), or nil
// when c configures no server there, or when a <VirtualHost> named by a
// host name (not resolved) on that port may be the one bound to the
// address; why then says, for a note, why not.
func (c *ServerConfig) For(srv netip.AddrPort, greeting ServerKind) (sc *ServerConfig, why string) {
	if c == nil {
		return nil, ""
	}
	if greeting != ServerUnknown && greeting != c.Kind {
		return nil, fmt.Sprintf("its greeting names %s, not %s", greeting.Product(), c.Kind.Product())
	}
	port, addr := srv.Port(), srv.Addr().Unmap()
	for _, h := range c.Hosts {
		if h.listens(port) && h.binds(addr) && len(h.BindAddrs) > 0 {
			return h, ""
		}
	}
	var fallback *ServerConfig
	if c.listens(port) && c.binds(addr) {
		fallback = c
	} else {
		for _, h := range c.Hosts {
			if h.DefaultServer && h.listens(port) {
				fallback = h
				break
			}
		}
	}
	if fallback != nil {
		// A <VirtualHost> named by a host name on this port may be the
		// one bound to addr: which server serves the session is not
		// known, and judging it with the fallback's settings as if it
		// were would raise false alarms when it is the named host.
		for _, h := range c.Hosts {
			if h != fallback && len(h.BindNames) > 0 && h.listens(port) {
				other := "the main server does"
				if fallback != c {
					other = fmt.Sprintf("the DefaultServer <VirtualHost %s> of line %d does", fallback.bindWords(), fallback.HostLine)
				}
				return nil, fmt.Sprintf("the <VirtualHost %s> of line %d on port %d is named by a host name ftpsniff does not resolve: if it is %s, that host serves this session, else %s, and ftpsniff cannot tell which", h.bindWords(), h.HostLine, port, addr, other)
			}
		}
		return fallback, ""
	}
	var ports []string
	bound := false
	for _, x := range append([]*ServerConfig{c}, c.Hosts...) {
		if x.Off {
			continue
		}
		if x.ControlPort == port {
			bound = true
		}
		if p := strconv.Itoa(int(x.ControlPort)); !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
	}
	switch {
	case bound:
		return nil, fmt.Sprintf("it is reached at %s, and the servers the file configures on port %d listen on %s only", addr, port, c.boundList(port))
	case len(ports) == 0:
		return nil, "the file configures no server that listens (Port 0)"
	}
	return nil, fmt.Sprintf("it listens on port %d, not %s", port, strings.Join(ports, " or "))
}

// listens reports whether the server listens on port (any, when its
// port is not known).
func (c *ServerConfig) listens(port uint16) bool {
	return !c.Off && (c.ControlPort == 0 || c.ControlPort == port)
}

// binds reports whether the server listens on a (every address when it
// names none, or names 0.0.0.0 or ::, the wildcard a socket binds for
// every address; a host name may be any).
func (c *ServerConfig) binds(a netip.Addr) bool {
	if len(c.BindAddrs) == 0 && len(c.BindNames) == 0 {
		return true
	}
	return slices.ContainsFunc(c.BindAddrs, func(b netip.Addr) bool { return b == a || b.IsUnspecified() })
}

// boundList names the addresses the servers of c on port bind.
func (c *ServerConfig) boundList(port uint16) string {
	var l []string
	for _, x := range append([]*ServerConfig{c}, c.Hosts...) {
		if !x.listens(port) {
			continue
		}
		for _, a := range x.BindAddrs {
			l = append(l, a.String())
		}
		l = append(l, x.BindNames...)
	}
	return strings.Join(l, ", ")
}

// For is p for the server a client reached at srv whose greeting names
// greeting: its Server is the part of the configuration that describes
// that server (ServerConfig.For), nil when none does; why says why not.
func (p Policy) For(srv netip.AddrPort, greeting ServerKind) (q Policy, why string) {
	q = p
	if p.Server != nil {
		q.Server, why = p.Server.For(srv, greeting)
	}
	return q, why
}

// AddRanges adds --pasv-range values (repeatable).
func (p *Policy) AddRanges(s string) error {
	rs, err := ParsePortRanges(s)
	if err != nil {
		return err
	}
	p.Ranges = normalize(append(p.Ranges, rs...))
	return nil
}

// PassiveRanges is the range passive ports should come from: the firewall
// range when given, else the server's configured range. nil: unknown or any.
func (p Policy) PassiveRanges() Ranges {
	if len(p.Ranges) > 0 {
		return p.Ranges
	}
	if p.Server != nil {
		return p.Server.PassiveRange
	}
	return nil
}

// Public is the address clients should be told: --public-address, else the
// server's configured one. The zero Addr when neither says.
func (p Policy) Public() netip.Addr {
	if p.PublicAddress.IsValid() {
		return p.PublicAddress
	}
	if p.Server != nil {
		return p.Server.PublicAddress
	}
	return netip.Addr{}
}

// Kind is the server family of the configuration given (--server-config),
// ServerUnknown when none was: then the family is each session's to tell
// (KindFromGreeting), and a server that tells none gets advice naming the
// setting generically, never one family's as if it were known.
func (p Policy) Kind() ServerKind {
	if p.Server != nil {
		return p.Server.Kind
	}
	return ServerUnknown
}

// Describe says, in a few lines, what the policy will check.
func (p Policy) Describe() string {
	var b strings.Builder
	if len(p.Ranges) > 0 {
		fmt.Fprintf(&b, "firewall passive range (--pasv-range): %s\n", p.Ranges)
	}
	if p.PublicAddress.IsValid() {
		fmt.Fprintf(&b, "public address (--public-address): %s\n", p.PublicAddress)
	}
	if s := p.Server; s != nil {
		fmt.Fprintf(&b, "server config %s (%s):\n", s.Path, s.Kind)
		for _, l := range s.Settings {
			fmt.Fprintf(&b, "  %s\n", l)
		}
		s.describe(&b, "  => ")
		for _, h := range s.Hosts {
			fmt.Fprintf(&b, "  <VirtualHost %s> of line %d, a server of its own:\n", h.bindWords(), h.HostLine)
			for _, l := range h.Settings {
				fmt.Fprintf(&b, "    %s\n", l)
			}
			h.describe(&b, "    => ")
		}
		if len(s.Hosts) > 0 {
			b.WriteString("  note: a session is judged with the settings of the server above that serves the address and port it reached; one no server above serves, one a <VirtualHost> named by a host name may serve, or one whose greeting names another family, without them\n")
		}
		if len(p.Ranges) > 0 {
			// Each server the file configures: a <VirtualHost>'s range
			// is handed out too.
			p.mismatch(&b, s, "the server")
			for _, h := range s.Hosts {
				if !h.Off {
					p.mismatch(&b, h, fmt.Sprintf("the <VirtualHost %s> of line %d", h.bindWords(), h.HostLine))
				}
			}
		}
	}
	if b.Len() == 0 {
		return "no policy: findings come from the capture alone\n"
	}
	return b.String()
}

// mismatch writes the line saying that s, named who, hands out ports
// outside the firewall range, if it does.
func (p Policy) mismatch(b *strings.Builder, s *ServerConfig, who string) {
	if len(s.PassiveRange) > 0 {
		for _, r := range s.PassiveRange {
			if !p.Ranges.Covers(r) {
				fmt.Fprintf(b, "  mismatch: %s hands out %s but the firewall range is %s\n", who, s.PassiveRange, p.Ranges)
				return
			}
		}
		return
	}
	if !s.PassiveEnabled {
		return
	}
	if len(s.BuiltinRange) > 0 {
		fmt.Fprintf(b, "  mismatch: %s may hand out any port of %s but the firewall range is %s\n", who, s.BuiltinRange, p.Ranges)
	} else {
		fmt.Fprintf(b, "  mismatch: %s may hand out any port but the firewall range is %s\n", who, p.Ranges)
	}
}

// bindWords are the addresses and names of a <VirtualHost> tag.
func (c *ServerConfig) bindWords() string {
	var l []string
	for _, a := range c.BindAddrs {
		l = append(l, a.String())
	}
	return strings.Join(append(l, c.BindNames...), " ")
}

// describe writes c's one-line verdict (after lead) and its notes.
func (c *ServerConfig) describe(b *strings.Builder, lead string) {
	indent := strings.Repeat(" ", len(lead)-len(strings.TrimLeft(lead, " ")))
	passive := "any port"
	if len(c.PassiveRange) > 0 {
		passive = "ports " + c.PassiveRange.String()
	}
	if !c.PassiveEnabled {
		passive = "disabled"
	}
	fmt.Fprintf(b, "%scontrol port %d", lead, c.ControlPort)
	if w := c.bindWords(); w != "" && c.HostLine == 0 {
		// (A <VirtualHost>'s are in its heading.)
		fmt.Fprintf(b, " on %s only", w)
	}
	fmt.Fprintf(b, "; passive: %s", passive)
	switch {
	case c.UnusableAddress.IsValid():
		fmt.Fprintf(b, ", announces %s (no client can connect to it)", c.UnusableAddress)
	case c.PublicAddress.Is6() && !c.PublicAddress.Is4In6():
		// A 227 carries four bytes: no IPv4 session can be told it.
		fmt.Fprintf(b, ", sets %s as the address to announce (IPv6: a 227 reply to PASV cannot carry it, and EPSV names no address)", c.PublicAddress)
	case c.PublicAddress.IsValid():
		fmt.Fprintf(b, ", announces %s", c.PublicAddress)
	case c.PublicName != "":
		fmt.Fprintf(b, ", announces the address of %s (not resolved)", c.PublicName)
	default:
		b.WriteString(", announces the address of the interface the client reached")
	}
	if !c.ActiveEnabled {
		b.WriteString("; active mode disabled")
	} else if !c.ActiveSourceKnown {
		b.WriteString("; active data source port not set here")
	} else if c.ActiveSourcePort != 0 {
		fmt.Fprintf(b, "; active data from port %d", c.ActiveSourcePort)
	} else {
		b.WriteString("; active data from an ephemeral port")
	}
	b.WriteByte('\n')
	for _, n := range c.Notes {
		fmt.Fprintf(b, "%snote: %s\n", indent, n)
	}
}
