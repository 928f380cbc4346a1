package diagnose

import (
	"net/netip"
	"time"

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

// vantage guesses the capture point of a session from the packets alone:
// the timing of the session's own data handshakes when the capture holds
// one that tells (handshakeVantage), else its addresses (addrVantage).
// The Diagnoser's vantage weighs the server's other data connections
// too, before the addresses.
func vantage(s *track.Session) Vantage {
	v, _ := sessionVantage(s)
	return v
}

// vantageWhy is what decided a Vantage.
type vantageWhy uint8

const (
	whyNothing vantageWhy = iota
	whySession            // the handshakes of the session's own data connections
	whyServer             // the handshakes of other data connections with the same server
	whyAddress            // the addresses alone (addrVantage)
)

// sessionVantage is vantage and what decided it.
func sessionVantage(s *track.Session) (Vantage, vantageWhy) {
	var votes vantageVotes
	for _, dc := range s.Data {
		votes.add(dc)
	}
	if v := votes.side(); v != VantageUnknown {
		return v, whySession
	}
	if v := addrVantage(s); v != VantageUnknown {
		return v, whyAddress
	}
	return VantageUnknown, whyNothing
}

// addrVantage guesses the capture point from the addresses alone.
// A capture shows each host at the address it has on the capture's side of
// any NAT: a private client talking to a public server was captured on the
// client's side, a public client talking to a private server on the
// server's side. The configuration (--public-address, pasv_address) never
// changes this: it says what the server should announce, not where the
// capture was taken, and a capture on the client's side of a server at
// its public address looks the same whatever the server is told. But a
// private client reaches a public server without a NAT too (a routed
// network, a lab, a VPN): then a capture at the server shows the same
// addresses, and only the handshake timing tells (handshakeSide).
func addrVantage(s *track.Session) Vantage {
	c, srv := s.Client.Addr().Unmap(), s.Server.Addr().Unmap()
	switch {
	case Local(c) && !Local(srv):
		return VantageClient
	case !Local(c) && Local(srv):
		return VantageServer
	}
	return VantageUnknown
}

// hsSide is what one handshake's timing tells of the capture point.
type hsSide uint8

const (
	hsUnknown  hsSide = iota
	hsOpener          // beside the side that sent the SYN
	hsListener        // beside the side that answered it
)

// handshakeSide reads the capture's side from dc's handshake. Beside the
// opener the SYN-ACK comes a round trip (and the listener's own delay)
// after the SYN, and the ACK at once after the SYN-ACK; beside the
// listener the SYN-ACK comes after the listener's delay alone (tens of
// microseconds), and the ACK a round trip later. The opener's side is
// atOpener's rule (a SYN-ACK at least 5 ms after its SYN, and at least
// four times as long after it as the ACK after the SYN-ACK: a slow
// listener makes SYN to SYN-ACK long on both sides); the listener's is
// its mirror (an ACK at least 1 ms after the SYN-ACK, and at least four
// times as long after it as the SYN-ACK after the SYN: an opener
// delays its handshake ACK only when it has data to send at once). A
// SYN sent again after the SYN-ACK, or a handshake without its ACK,
// tells nothing.
func handshakeSide(dc *track.DataConn) hsSide {
	if dc == nil || dc.SYNs == 0 || dc.SynAckTS.IsZero() || dc.AckTS.IsZero() || dc.SynAckLost || dc.LastSYN.After(dc.SynAckTS) {
		return hsUnknown
	}
	synAck, ack := dc.SynAckTS.Sub(dc.LastSYN), dc.AckTS.Sub(dc.SynAckTS)
	switch {
	case synAck < 0 || ack < 0:
	case synAck >= 5*time.Millisecond && synAck >= 4*ack:
		return hsOpener
	case ack >= time.Millisecond && ack >= 4*synAck:
		return hsListener
	}
	return hsUnknown
}

// handshakeVantage is the capture's side dc's handshake tells, in FTP
// roles: in passive mode the client opens, in active mode the server.
func handshakeVantage(dc *track.DataConn) Vantage {
	h := handshakeSide(dc)
	if h == hsUnknown {
		return VantageUnknown
	}
	if (h == hsOpener) == dc.Passive {
		return VantageClient
	}
	return VantageServer
}

// vantageVotes counts the handshakes read as taken on the client's side
// and on the server's.
type vantageVotes struct{ client, server int }

func (v *vantageVotes) add(dc *track.DataConn) {
	switch handshakeVantage(dc) {
	case VantageClient:
		v.client++
	case VantageServer:
		v.server++
	}
}

// side is the side at least three quarters of the handshakes tell, or
// unknown.
func (v vantageVotes) side() Vantage {
	n := v.client + v.server
	switch {
	case n == 0:
	case 4*v.client >= 3*n:
		return VantageClient
	case 4*v.server >= 3*n:
		return VantageServer
	}
	return VantageUnknown
}

// vantage is the capture point of s, and what decided it: the session's
// own data handshakes, else those of the other data connections of its
// server seen so far, else the addresses.
func (d *Diagnoser) vantage(s *track.Session) (Vantage, vantageWhy) {
	v, why := sessionVantage(s)
	if why == whySession {
		return v, why
	}
	if a := d.server(s); a != d.overflow {
		if sv := a.votes.side(); sv != VantageUnknown {
			return sv, whyServer
		}
	}
	return v, why
}

// because says what decided v, for a sentence about the capture point.
func (w vantageWhy) because(s *track.Session) string {
	switch w {
	case whySession, whyServer:
		// One wording for both: the findings of one cause group by it.
		return " (the handshake timing of data connections with this server shows it)"
	case whyAddress:
		c := "a private client and a public server"
		if Local(s.Server.Addr()) {
			c = "a public client and a private server"
		}
		return " (a guess from the addresses, " + c + ": no data handshake in the capture times it)"
	}
	return ""
}
