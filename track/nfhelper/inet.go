package nfhelper

// A model of in6_pton and in4_pton (net/core/utils.c), which try_eprt uses
// through get_ipv6_addr for "EPRT |2|...". The kernel's state machine
// differs from net/netip in ways that decide whether a packet is dropped:
// a group may have more than four hex digits while its value stays below
// 0x1000 ("00001"), a NUL byte or the end of the buffer ends the address
// like the delimiter does, and an embedded IPv4 part may end at a colon.
// The result reports where parsing stopped, which try_eprt treats as the
// address length.

const (
	pXDigit   = 0x00010000
	pDigit    = 0x00020000
	pColon1   = 0x00100000 // single ':' allowed
	pColon2   = 0x00200000 // second ':' allowed
	pColon12  = 0x00400000 // "::" allowed
	pColonAll = 0x00700000
	pDot      = 0x00800000
	pDelim    = 0x10000000
	pNull     = 0x20000000 // nothing to store yet
	pUnknown  = 0x40000000
)

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// classify is xdigit2bin. delim is never -1 here (try_eprt passes a byte).
func classify(c byte, delim int) int {
	if int(c) == delim || c == 0 {
		return pDelim
	}
	if c == ':' {
		return pColonAll
	}
	if c == '.' {
		return pDot
	}
	if v := hexVal(c); v >= 0 {
		r := v | pXDigit
		if v < 10 {
			r |= pDigit
		}
		return r
	}
	return pUnknown
}

// at reads src[s] while s is inside the first n bytes, and NUL after, as
// the kernel does with "srclen > 0 ? *s : '\0'".
func at(src []byte, s, n int) byte {
	if s < n && s < len(src) {
		return src[s]
	}
	return 0
}

// in4pton parses a dotted quad from src[start:] reading at most n bytes.
// It returns the four bytes, the index where it stopped and success.
func in4pton(src []byte, start, n, delim int) ([4]byte, int, bool) {
	var dbuf [4]byte
	d, i := 0, 0
	var w int32
	s := start
	lim := start + n
	for {
		c := classify(at(src, s, lim), delim)
		if c&(pDigit|pDot|pDelim|pColonAll) == 0 {
			return dbuf, s, false
		}
		if c&(pDot|pDelim|pColonAll) != 0 {
			if w == 0 {
				return dbuf, s, false
			}
			if d >= len(dbuf) {
				return dbuf, s, false // unreachable: i >= 4 stopped us already
			}
			dbuf[d] = byte(w)
			d++
			w = 0
			i++
			if c&(pDelim|pColonAll) != 0 {
				if i != 4 {
					return dbuf, s, false
				}
				break
			}
		} else {
			// The class bits ride along in w; only the low 16 bits are
			// the value, as in the kernel.
			w = w*10 + int32(c)
			if w&0xffff > 255 {
				return dbuf, s, false
			}
		}
		if i >= 4 {
			return dbuf, s, false
		}
		s++
	}
	return dbuf, s, true
}

// in6pton parses an IPv6 address from src. It returns the address, the
// index where it stopped (end - src) and success.
func in6pton(src []byte, delim int) ([16]byte, int, bool) {
	var dbuf, dst [16]byte
	d, dc, tok := 0, -1, -1
	state := pColon12 | pXDigit | pNull
	w := 0
	s := 0
	n := len(src)
	for {
		c := classify(at(src, s, n), delim)
		if c&state == 0 {
			return dst, s, false
		}
		if c&(pDelim|pColonAll) != 0 {
			if state&pNull == 0 {
				if d+2 > len(dbuf) {
					return dst, s, false // unreachable: the state machine stops at 16 bytes
				}
				dbuf[d] = byte(w >> 8)
				dbuf[d+1] = byte(w)
				d += 2
			}
			w = 0
			if c&pDelim != 0 {
				break
			}
			switch state & pColonAll {
			case pColon2:
				dc = d
				state = pXDigit | pDelim
				if dc >= len(dbuf) {
					state |= pNull
				}
			case pColon1 | pColon12:
				state = pXDigit | pColon2
			case pColon1:
				state = pXDigit
			case pColon12:
				state = pColon2
			default:
				state = 0
			}
			tok = s + 1
		} else if c&pDot != 0 {
			if tok < 0 || d+4 > len(dbuf) {
				return dst, s, false // unreachable: DOT needs a colon first and room for 4 bytes
			}
			v4, end, ok := in4pton(src, tok, n-tok, delim)
			s = end
			if !ok {
				return dst, s, false
			}
			copy(dbuf[d:], v4[:])
			d += 4
			break
		} else {
			w = w<<4 | (c & 0xff)
			state = pColon1 | pDelim
			if w&0xf000 == 0 {
				state |= pXDigit
			}
			if dc < 0 && d+2 < len(dbuf) {
				state |= pColon12
				state &^= pDelim
			}
			if d+2 >= len(dbuf) {
				state &^= pColon1 | pColon12
			}
		}
		if (dc >= 0 && d+4 < len(dbuf)) || d+4 == len(dbuf) {
			state |= pDot
		}
		if d >= len(dbuf) {
			state &^= pXDigit | pColonAll
		}
		s++
	}
	if dc >= 0 {
		i := 15
		j := d - 1
		for j >= dc {
			dst[i] = dbuf[j]
			i--
			j--
		}
		for i >= dc {
			dst[i] = 0
			i--
		}
		for i >= 0 {
			dst[i] = dbuf[j]
			i--
			j--
		}
	} else {
		dst = dbuf
	}
	return dst, s, true
}
