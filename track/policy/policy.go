package policy

import (
	"fmt"
	"net/netip"
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
	// PublicAddress is the address the server announces in 227
	// (pasv_address, MasqueradeAddress, ForcePassiveIP); PublicName is set
	// instead when the setting names a host.
	PublicAddress netip.Addr
	PublicName    string
	// ControlPort is where the server listens (listen_port, Port, Bind).
	ControlPort uint16
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
	Server *ServerConfig
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
		passive := "any port"
		if len(s.PassiveRange) > 0 {
			passive = "ports " + s.PassiveRange.String()
		}
		if !s.PassiveEnabled {
			passive = "disabled"
		}
		fmt.Fprintf(&b, "  => control port %d; passive: %s", s.ControlPort, passive)
		switch {
		case s.PublicAddress.IsValid():
			fmt.Fprintf(&b, ", announces %s", s.PublicAddress)
		case s.PublicName != "":
			fmt.Fprintf(&b, ", announces the address of %s (not resolved)", s.PublicName)
		default:
			b.WriteString(", announces the address of the interface the client reached")
		}
		if !s.ActiveEnabled {
			b.WriteString("; active mode disabled")
		} else if !s.ActiveSourceKnown {
			b.WriteString("; active data source port not set here")
		} else if s.ActiveSourcePort != 0 {
			fmt.Fprintf(&b, "; active data from port %d", s.ActiveSourcePort)
		} else {
			b.WriteString("; active data from an ephemeral port")
		}
		b.WriteByte('\n')
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "  note: %s\n", n)
		}
		if len(p.Ranges) > 0 && len(s.PassiveRange) > 0 {
			for _, r := range s.PassiveRange {
				if !p.Ranges.Covers(r) {
					fmt.Fprintf(&b, "  mismatch: the server hands out %s but the firewall range is %s\n", s.PassiveRange, p.Ranges)
					break
				}
			}
		}
		if len(p.Ranges) > 0 && s.PassiveEnabled && len(s.PassiveRange) == 0 {
			fmt.Fprintf(&b, "  mismatch: the server may hand out any port but the firewall range is %s\n", p.Ranges)
		}
	}
	if b.Len() == 0 {
		return "no policy: findings come from the capture alone\n"
	}
	return b.String()
}
