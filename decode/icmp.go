package decode

import (
	"encoding/binary"
	"net/netip"
)

// ICMP error types decode hands on as Unreachable when they quote TCP.
const (
	icmp4Unreachable    = 3   // destination unreachable (RFC 792)
	icmp4TimeExceeded   = 11  // time exceeded (RFC 792)
	icmp4ParamProblem   = 12  // parameter problem (RFC 792)
	icmp6Unreachable    = 1   // destination unreachable (RFC 4443)
	icmp6PacketTooBig   = 2   // packet too big (RFC 4443)
	icmp6TimeExceeded   = 3   // time exceeded (RFC 4443)
	icmp6ParamProblem   = 4   // parameter problem (RFC 4443)
	icmp4FragNeeded     = 4   // destination unreachable's code: fragmentation needed and DF set
	icmp4MaxUnreachCode = 15  // Linux's NR_ICMP_UNREACH: codes above it are ignored
	icmp6Informational  = 128 // ICMPv6 types from here on are informational (RFC 4443 2.1)
)

// icmpError tells whether an ICMP (v6: ICMPv6) message of type typ is an
// error a TCP stack acts on, which decode passes on when it quotes TCP:
// destination unreachable, time exceeded and parameter problem for both
// families, packet too big for IPv6 (IPv4's is unreachable code 4), and
// every other ICMPv6 error type (up to 127: RFC 4443 2.4(d) has an
// unknown error passed to the upper layer; Linux's icmpv6_rcv does, for
// every type without the informational bit). Type 0, reserved, is left
// out: the tracker reads a type 0 as destination unreachable. Source
// quench and redirects are not: Linux's tcp_v4_err ignores the one and
// only reroutes on the other.
func icmpError(v6 bool, typ uint8) bool {
	if v6 {
		return typ != 0 && typ < icmp6Informational
	}
	return typ == icmp4Unreachable || typ == icmp4TimeExceeded || typ == icmp4ParamProblem
}

// EndsConnect tells whether the message ends a connection attempt whose
// SYN it quotes, as Linux does (tcp_v4_err, tcp_v6_err on SYN_SENT): every
// ICMP error decode passes on but IPv4's fragmentation needed and
// unreachable codes above 15 (ignored), and IPv6's packet too big (both
// only lower the path MTU). Time exceeded ends it with EHOSTUNREACH,
// parameter problem and an unknown ICMPv6 error type (icmpv6_err_convert's
// default) with EPROTO.
func (u *Unreachable) EndsConnect() bool {
	if u.V6 {
		return icmpError(true, u.Type) && u.Type != icmp6PacketTooBig
	}
	switch u.Type {
	case icmp4Unreachable:
		return u.Code <= icmp4MaxUnreachCode && u.Code != icmp4FragNeeded
	case icmp4TimeExceeded, icmp4ParamProblem:
		return true
	}
	return false
}

// TimeExceeded tells whether the message says the quoted segment's TTL or
// hop limit ran out on the way (ICMP type 11, ICMPv6 type 3): a routing
// loop, or a probe sent with a small TTL (traceroute).
func (u *Unreachable) TimeExceeded() bool {
	return u.V6 && u.Type == icmp6TimeExceeded || !u.V6 && u.Type == icmp4TimeExceeded
}

// PacketTooBig tells whether the message says the quoted segment was too
// large for a link on its path (IPv4's destination unreachable code 4,
// fragmentation needed and DF set; IPv6's packet too big), and the MTU it
// gives: 0 when an IPv4 router older than RFC 1191 left it out.
func (u *Unreachable) PacketTooBig() (mtu int, ok bool) {
	if u.V6 && u.Type == icmp6PacketTooBig || !u.V6 && u.Type == icmp4Unreachable && u.Code == icmp4FragNeeded {
		return int(u.MTU), true
	}
	return 0, false
}

// parseQuotedTCP reads the endpoints and sequence number of the TCP segment
// an ICMP or ICMPv6 error quotes: the original IP header and at least the
// first 8 bytes of its payload (RFC 792, RFC 4443).
func parseQuotedTCP(b []byte) (src, dst netip.AddrPort, seq uint32, ok bool) {
	if len(b) < 1 {
		return
	}
	var tcp []byte
	var s, d netip.Addr
	switch b[0] >> 4 {
	case 4:
		if len(b) < 20 {
			return
		}
		ihl := int(b[0]&0x0f) * 4
		if ihl < 20 || len(b) < ihl+8 || b[9] != 6 {
			return
		}
		// A quoted non-first fragment carries no TCP header.
		if binary.BigEndian.Uint16(b[6:8])&0x1fff != 0 {
			return
		}
		s = netip.AddrFrom4([4]byte(b[12:16]))
		d = netip.AddrFrom4([4]byte(b[16:20]))
		tcp = b[ihl:]
	case 6:
		if len(b) < 40 {
			return
		}
		s = netip.AddrFrom16([16]byte(b[8:24])).Unmap()
		d = netip.AddrFrom16([16]byte(b[24:40])).Unmap()
		next, rest := b[6], b[40:]
		// Walk a bounded number of extension headers to the TCP header.
		for i := 0; i < 8 && next != 6; i++ {
			switch next {
			case 0, 43, 60: // hop-by-hop, routing, destination options
				if len(rest) < 8 {
					return
				}
				n := (int(rest[1]) + 1) * 8
				if len(rest) < n {
					return
				}
				next, rest = rest[0], rest[n:]
			case 44: // fragment
				if len(rest) < 8 || binary.BigEndian.Uint16(rest[2:4])&0xfff8 != 0 {
					return
				}
				next, rest = rest[0], rest[8:]
			default:
				return
			}
		}
		if next != 6 {
			return
		}
		tcp = rest
	default:
		return
	}
	if len(tcp) < 8 {
		return
	}
	src = netip.AddrPortFrom(s, binary.BigEndian.Uint16(tcp[0:2]))
	dst = netip.AddrPortFrom(d, binary.BigEndian.Uint16(tcp[2:4]))
	seq = binary.BigEndian.Uint32(tcp[4:8])
	return src, dst, seq, true
}
