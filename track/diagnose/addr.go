package diagnose

import (
	"net/netip"

	"github.com/ftpsniff/ftpsniff/track"
)

// AddrClass is what kind of address an announcement names.
type AddrClass uint8

const (
	ClassPublic      AddrClass = iota
	ClassPrivate               // RFC 1918, or IPv6 unique local fc00::/7
	ClassCGNAT                 // 100.64.0.0/10 (RFC 6598)
	ClassLoopback              // 127/8, ::1
	ClassLinkLocal             // 169.254/16, fe80::/10
	ClassUnspecified           // 0.0.0.0, ::
)

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Classify tells the kind of a.
func Classify(a netip.Addr) AddrClass {
	a = a.Unmap()
	switch {
	case a.IsUnspecified():
		return ClassUnspecified
	case a.IsLoopback():
		return ClassLoopback
	case a.IsLinkLocalUnicast():
		return ClassLinkLocal
	case a.IsPrivate():
		return ClassPrivate
	case cgnat.Contains(a):
		return ClassCGNAT
	}
	return ClassPublic
}

// Describe names the class for a person, with the family's own words.
func (c AddrClass) Describe(a netip.Addr) string {
	v6 := a.Unmap().Is6()
	switch c {
	case ClassPrivate:
		if v6 {
			return "a unique local address (fc00::/7)"
		}
		return "an RFC 1918 private address"
	case ClassCGNAT:
		return "a carrier-grade NAT address (100.64.0.0/10)"
	case ClassLoopback:
		return "a loopback address"
	case ClassLinkLocal:
		return "a link-local address"
	case ClassUnspecified:
		return "the unspecified address"
	}
	return "a public address"
}

// Local reports whether a is not reachable across the Internet.
func Local(a netip.Addr) bool { return Classify(a) != ClassPublic }

// SameNet is a guess at "the same network": the same /24 (IPv4) or /64
// (IPv6). Private addresses in different networks mean a router between
// them, and a router is no proof of a NAT: a corporate LAN routes between
// its private networks. So it only decides where the packets prove
// nothing else (natPassive: a client that reached the announced address
// is never a mismatch, whatever its network).
func SameNet(a, b netip.Addr) bool {
	a, b = a.Unmap(), b.Unmap()
	return a.Is4() == b.Is4() && guessedNet(a) == guessedNet(b)
}

// guessedNet is the network SameNet takes a to be on.
func guessedNet(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 64
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p
}

// Vantage is where the capture was taken, as far as the addresses tell.
type Vantage uint8

const (
	VantageUnknown Vantage = iota
	VantageClient          // inside the client's network
	VantageServer          // inside the server's network
)

func (v Vantage) String() string {
	return [...]string{"unknown", "client side", "server side"}[v]
}

// vantage guesses the capture point of a session from the packets alone.
// A capture shows each host at the address it has on the capture's side of
// any NAT: a private client talking to a public server was captured on the
// client's side, a public client talking to a private server on the
// server's side. The configuration (--public-address, pasv_address) never
// changes this: it says what the server should announce, not where the
// capture was taken, and a capture on the client's side of a server at
// its public address looks the same whatever the server is told.
func vantage(s *track.Session) Vantage {
	c, srv := s.Client.Addr().Unmap(), s.Server.Addr().Unmap()
	switch {
	case Local(c) && !Local(srv):
		return VantageClient
	case !Local(c) && Local(srv):
		return VantageServer
	}
	return VantageUnknown
}
