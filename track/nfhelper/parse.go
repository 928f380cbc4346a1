package nfhelper

import "bytes"

// This file models the parsers of net/netfilter/nf_conntrack_ftp.c:
// the search[][] table, find_pattern, try_number, try_rfc959, try_rfc1123,
// get_port, try_eprt and try_epsv_response. Each function keeps the
// kernel's return conventions (0 = failure, otherwise a length) so that
// matchoff/matchlen come out exactly as nf_nat_ftp receives them.

// manip is struct nf_conntrack_man as help() uses it: the family of the
// connection, the 16-byte address union and the port. help() initialises
// u3 with the sender's address, so a 229 reply (which carries no address)
// leaves it equal and passes the address check.
type manip struct {
	family Family
	u3     [16]byte
	port   uint16
	// eod: a parser failed because it ran out of bytes (not on a byte it
	// read): with more bytes after the segment's end the result could
	// differ. Only meaningful when findPattern returns -1.
	eod bool
	// wrongAF: try_eprt failed on the address family byte, which is not
	// the connection's ('1' on IPv4, '2' on IPv6): that byte, else 0.
	wrongAF byte
}

type pattern struct {
	text string
	skip byte // 0: no skip loop (the 227 entry since try_rfc1123)
	term byte // 0: any character ends the numbers
	kind Kind // selects getnum: try_rfc959, try_rfc1123, try_eprt, try_epsv_response
}

// search is search[IP_CT_DIR_MAX][2] in the order the kernel tries it.
var search = [2][2]pattern{
	ClientToServer: {
		{text: "PORT", skip: ' ', term: '\r', kind: KindPORT},
		{text: "EPRT", skip: ' ', term: '\r', kind: KindEPRT},
	},
	ServerToClient: {
		{text: "227 ", kind: KindPASV},
		{text: "229 ", skip: '(', term: ')', kind: KindEPSV},
	},
}

func dirOfKind(k Kind) Dir {
	if k == KindPASV || k == KindEPSV || k == KindLPSV {
		return ServerToClient
	}
	return ClientToServer
}

func idxOfKind(k Kind) int {
	if k == KindEPRT || k == KindEPSV {
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// equalFold is strncasecmp(data, pat, len(data)) == 0 for len(data) <=
// len(pat). The kernel's tolower also folds Latin-1 capitals, but none of
// them folds onto an ASCII letter, so ASCII folding gives the same answer
// for the ASCII patterns.
func equalFold(data []byte, pat string) bool {
	for i := range data {
		if lowerASCII(data[i]) != lowerASCII(pat[i]) {
			return false
		}
	}
	return true
}

// tryNumber is try_number: array_size numbers separated by sep, ended by
// term (or by any character when term is 0) once the last number has
// started. It returns the length consumed, or 0; eod tells that it failed
// because the data ended before the numbers did.
func tryNumber(data []byte, array []uint32, sep, term byte, k Kernel) (int, bool) {
	for j := range array {
		array[j] = 0
	}
	i := 0
	for n := 0; n < len(data) && i < len(array); n++ {
		c := data[n]
		switch {
		case isDigit(c):
			array[i] = array[i]*10 + uint32(c-'0')
			if k == KernelRangeChecked && array[i] > 255 {
				return 0, false
			}
		case c == sep:
			i++
		default:
			if (c == term || term == 0) && i == len(array)-1 {
				return n, false
			}
			return 0, false
		}
	}
	// Out of bytes (eod), or a separator too many (not).
	return 0, i < len(array)
}

// tryRFC959 is try_rfc959: "h1,h2,h3,h4,p1,p2". The values are shifted
// and ORed without masking, exactly like the kernel.
func tryRFC959(data []byte, cmd *manip, term byte, _ *int, k Kernel) int {
	var a [6]uint32
	n, eod := tryNumber(data, a[:], ',', term, k)
	if n == 0 {
		cmd.eod = eod
		return 0
	}
	ip := a[0]<<24 | a[1]<<16 | a[2]<<8 | a[3]
	cmd.u3[0], cmd.u3[1], cmd.u3[2], cmd.u3[3] = byte(ip>>24), byte(ip>>16), byte(ip>>8), byte(ip)
	cmd.port = uint16(a[4]<<8 | a[5])
	return n
}

// tryRFC1123 is try_rfc1123: scan to the first digit, then try_rfc959
// with no terminator. It moves *off to the first digit.
func tryRFC1123(data []byte, cmd *manip, _ byte, off *int, k Kernel) int {
	i := 0
	for i < len(data) && !isDigit(data[i]) {
		i++
	}
	if i == len(data) {
		cmd.eod = true
		return 0
	}
	*off += i
	return tryRFC959(data[i:], cmd, 0, nil, k)
}

// getPort is get_port: decimal digits from start up to delim; returns the
// index after delim, or 0 (also for port 0).
func getPort(data []byte, start int, delim byte, cmd *manip, k Kernel) int {
	var tmp uint32
	for i := start; i < len(data); i++ {
		c := data[i]
		switch {
		case c == delim:
			if tmp == 0 {
				return 0
			}
			cmd.port = uint16(tmp)
			return i + 1
		case isDigit(c):
			tmp = tmp*10 + uint32(c-'0')
			if k == KernelRangeChecked {
				if tmp > 65535 {
					return 0
				}
			} else {
				tmp &= 0xffff // u_int16_t tmp_port wraps
			}
		default:
			return 0
		}
	}
	cmd.eod = true
	return 0
}

// validDelim is the delimiter test of try_eprt and try_epsv_response: not
// a digit and within 33..126 (a byte >= 0x80 is a negative char there).
func validDelim(c byte) bool { return !isDigit(c) && c >= 33 && c <= 126 }

// tryEPRT is try_eprt: "|1|a.b.c.d|port|" or "|2|ipv6|port|". The AF
// digit must match the connection's family.
func tryEPRT(data []byte, cmd *manip, _ byte, _ *int, k Kernel) int {
	if len(data) <= 3 {
		cmd.eod = true
		return 0
	}
	delim := data[0]
	if !validDelim(delim) || data[2] != delim {
		return 0
	}
	if (cmd.family == IPv4 && data[1] != '1') || (cmd.family == IPv6 && data[1] != '2') {
		cmd.wrongAF = data[1]
		return 0
	}
	var length int
	if data[1] == '1' {
		var a [4]uint32
		var eod bool
		length, eod = tryNumber(data[3:], a[:], '.', delim, k)
		cmd.eod = eod
		if length != 0 {
			ip := a[0]<<24 | a[1]<<16 | a[2]<<8 | a[3]
			cmd.u3[0], cmd.u3[1], cmd.u3[2], cmd.u3[3] = byte(ip>>24), byte(ip>>16), byte(ip>>8), byte(ip)
		}
	} else {
		src := data[3:]
		if len(src) > 0xffff {
			src = src[:0xffff]
		}
		addr, end, ok := in6pton(src, int(delim))
		if ok {
			cmd.u3 = addr
			length = end
		} else {
			// The end of the segment ends the address too (P8): a
			// failure with no delimiter in sight may be the cut.
			cmd.eod = bytes.IndexByte(src, delim) < 0
		}
	}
	if length == 0 {
		return 0
	}
	// The start skips "|1|", the address and the byte after it.
	return getPort(data, 3+length+1, delim, cmd, k)
}

// tryEPSVResponse is try_epsv_response: three equal delimiters, a port,
// the delimiter again.
func tryEPSVResponse(data []byte, cmd *manip, _ byte, _ *int, k Kernel) int {
	if len(data) <= 3 {
		cmd.eod = true
		return 0
	}
	delim := data[0]
	if !validDelim(delim) || data[1] != delim || data[2] != delim {
		return 0
	}
	return getPort(data, 3, delim, cmd, k)
}

// findPattern is find_pattern: 1 match, 0 no match, -1 partial (the
// caller drops the packet). On a match off/n are matchoff/matchlen.
func findPattern(data []byte, p *pattern, cmd *manip, k Kernel) (found int, why Partial, off, n int) {
	plen := len(p.text)
	if len(data) <= plen {
		if equalFold(data, p.text[:len(data)]) {
			cmd.eod = true
			return -1, PartialShort, 0, 0
		}
		return 0, PartialNone, 0, 0
	}
	if !equalFold(data[:plen], p.text) {
		return 0, PartialNone, 0, 0
	}
	cmd.eod = false
	i := plen
	if p.skip != 0 {
		for ; data[i] != p.skip; i++ {
			if i == len(data)-1 {
				cmd.eod = true
				return -1, PartialNoSkip, 0, 0
			}
		}
		i++
	}
	off = i
	// getnum; a switch rather than a function value keeps cmd on the stack.
	switch p.kind {
	case KindPORT:
		n = tryRFC959(data[i:], cmd, p.term, &off, k)
	case KindPASV:
		n = tryRFC1123(data[i:], cmd, p.term, &off, k)
	case KindEPRT:
		n = tryEPRT(data[i:], cmd, p.term, &off, k)
	case KindEPSV:
		n = tryEPSVResponse(data[i:], cmd, p.term, &off, k)
	}
	if n == 0 {
		return -1, PartialParse, 0, 0
	}
	return 1, PartialNone, off, n
}
