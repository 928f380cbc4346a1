package communityid

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/netip"
)

// IP protocol numbers the package knows the port layout of.
const (
	ProtoICMP   = 1
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMPv6 = 58
	ProtoSCTP   = 132
)

// Errors For returns.
var (
	// ErrFamily: the two addresses are not of one family, or not valid.
	ErrFamily = errors.New("communityid: addresses of different families")
	// ErrProtocol: ICMP and ICMPv6 need the type/code mapping of the
	// spec, which is not implemented.
	ErrProtocol = errors.New("communityid: ICMP type/code mapping not implemented")
)

// prefix is the version prefix of a v1 ID.
const prefix = "1:"

// For returns the Community ID v1 of the flow between a and b with the
// given IP protocol. For TCP, UDP and SCTP the ports take part; for other
// protocols (those without ports) only the addresses, and the ports of a
// and b are ignored. The order of a and b does not matter.
func For(seed uint16, proto uint8, a, b netip.AddrPort) (string, error) {
	aa, ba := a.Addr().Unmap(), b.Addr().Unmap()
	if !aa.IsValid() || !ba.IsValid() || aa.Is4() != ba.Is4() {
		return "", ErrFamily
	}
	if proto == ProtoICMP || proto == ProtoICMPv6 {
		return "", ErrProtocol
	}
	ap, bp := a.Port(), b.Port()
	// The smaller address first; for equal addresses, the smaller port.
	if c := aa.Compare(ba); c > 0 || (c == 0 && ap > bp) {
		aa, ba, ap, bp = ba, aa, bp, ap
	}
	var buf [2 + 16 + 16 + 2 + 4]byte
	in := binary.BigEndian.AppendUint16(buf[:0], seed)
	in = append(in, aa.AsSlice()...)
	in = append(in, ba.AsSlice()...)
	in = append(in, proto, 0)
	if hasPorts(proto) {
		in = binary.BigEndian.AppendUint16(in, ap)
		in = binary.BigEndian.AppendUint16(in, bp)
	}
	sum := sha1.Sum(in)
	out := make([]byte, len(prefix)+base64.StdEncoding.EncodedLen(len(sum)))
	copy(out, prefix)
	base64.StdEncoding.Encode(out[len(prefix):], sum[:])
	return string(out), nil
}

// TCP is For with ProtoTCP; it returns "" for addresses For rejects.
func TCP(seed uint16, a, b netip.AddrPort) string {
	id, err := For(seed, ProtoTCP, a, b)
	if err != nil {
		return ""
	}
	return id
}

func hasPorts(proto uint8) bool {
	return proto == ProtoTCP || proto == ProtoUDP || proto == ProtoSCTP
}
