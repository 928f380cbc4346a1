package decode

import (
	"encoding/binary"
	"net/netip"
)

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
