package hostile

import (
	"encoding/binary"
	"net/netip"
)

// TCP flag bits as they sit in the header's flags byte.
const (
	flagFIN = 0x01
	flagSYN = 0x02
	flagRST = 0x04
	flagPSH = 0x08
	flagACK = 0x10
)

// mss is the payload of a full segment: a 1500-byte MTU less 20-byte IPv4
// and TCP headers (IPv6 shapes send no full segments).
const mss = 1460

// segment is one TCP segment to build. The zero values of the lying
// fields mean "tell the truth".
type segment struct {
	src, dst netip.AddrPort
	seq, ack uint32
	flags    uint8
	window   uint16
	payload  []byte
	ipid     uint16

	dataOff  uint8 // TCP data offset in words; 0 means 5
	ihl      uint8 // IPv4 header length in words; 0 means 5
	totalLen int   // IPv4 total length / IPv6 payload length; 0 means the true one
	fragment bool  // an IPv4 fragment: fragOff (in 8-byte units) and moreFrags apply
	fragOff  uint16
	more     bool
	rawIP    []byte // with fragment: the IP payload, instead of a TCP header and payload
}

// mac is 02:00 followed by the last four bytes of the address, as in
// pcaps/synthetic.
func mac(a netip.Addr) [6]byte {
	b := a.As16()
	return [6]byte{2, 0, b[12], b[13], b[14], b[15]}
}

// appendFrame appends s as an Ethernet frame to b.
func (s *segment) appendFrame(b []byte) []byte {
	dst, src := mac(s.dst.Addr()), mac(s.src.Addr())
	b = append(b, dst[:]...)
	b = append(b, src[:]...)
	if s.src.Addr().Is6() {
		b = binary.BigEndian.AppendUint16(b, 0x86dd)
		return s.appendIPv6(b, nil, 6)
	}
	b = binary.BigEndian.AppendUint16(b, 0x0800)
	return s.appendIPv4(b)
}

func (s *segment) appendIPv4(b []byte) []byte {
	ihl := s.ihl
	if ihl == 0 {
		ihl = 5
	}
	start := len(b)
	var l4 []byte
	if s.rawIP != nil {
		l4 = s.rawIP
	} else {
		l4 = s.tcp(nil)
	}
	total := 20 + len(l4)
	if s.totalLen != 0 {
		total = s.totalLen
	}
	b = append(b, 0x40|ihl&0x0f, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(total))
	b = binary.BigEndian.AppendUint16(b, s.ipid)
	var frag uint16 = 0x4000 // don't fragment
	if s.fragment {
		frag = s.fragOff & 0x1fff
		if s.more {
			frag |= 0x2000
		}
	}
	b = binary.BigEndian.AppendUint16(b, frag)
	b = append(b, 64, 6, 0, 0)
	src, dst := s.src.Addr().As4(), s.dst.Addr().As4()
	b = append(b, src[:]...)
	b = append(b, dst[:]...)
	binary.BigEndian.PutUint16(b[start+10:], fold(sum(0, b[start:start+20])))
	if s.rawIP == nil {
		binary.BigEndian.PutUint16(l4[16:], fold(sum(pseudo4(src, dst, len(l4)), l4)))
	}
	return append(b, l4...)
}

// appendIPv6 appends an IPv6 header, the extension headers ext (already
// chained; next is the protocol after them) and the TCP segment.
func (s *segment) appendIPv6(b []byte, ext []byte, next byte) []byte {
	l4 := s.tcp(nil)
	plen := len(ext) + len(l4)
	if s.totalLen != 0 {
		plen = s.totalLen
	}
	first := next
	if len(ext) > 0 {
		first = 60 // destination options; the chain says what follows
	}
	b = append(b, 0x60, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(plen))
	b = append(b, first, 64)
	src, dst := s.src.Addr().As16(), s.dst.Addr().As16()
	b = append(b, src[:]...)
	b = append(b, dst[:]...)
	b = append(b, ext...)
	binary.BigEndian.PutUint16(l4[16:], fold(sum(pseudo6(src, dst, len(l4)), l4)))
	return append(b, l4...)
}

// tcp appends the TCP header and payload, checksum left zero.
func (s *segment) tcp(b []byte) []byte {
	off := s.dataOff
	if off == 0 {
		off = 5
	}
	win := s.window
	if win == 0 {
		win = 65535
	}
	b = binary.BigEndian.AppendUint16(b, s.src.Port())
	b = binary.BigEndian.AppendUint16(b, s.dst.Port())
	b = binary.BigEndian.AppendUint32(b, s.seq)
	b = binary.BigEndian.AppendUint32(b, s.ack)
	b = append(b, off<<4, s.flags)
	b = binary.BigEndian.AppendUint16(b, win)
	b = append(b, 0, 0, 0, 0) // checksum, urgent pointer
	// A data offset above 5 promises options: pad them with NOPs as far as
	// the payload allows, so the lie is in the offset alone.
	for i := 5; i < int(off) && s.dataOff > 5 && s.dataOff < 16; i++ {
		b = append(b, 1, 1, 1, 1)
	}
	return append(b, s.payload...)
}

func pseudo4(src, dst [4]byte, n int) uint32 {
	return sum(sum(0, src[:]), dst[:]) + 6 + uint32(n)
}

func pseudo6(src, dst [16]byte, n int) uint32 {
	return sum(sum(0, src[:]), dst[:]) + 6 + uint32(n)
}

// sum adds b, as big-endian 16-bit words, to a one's-complement sum.
func sum(acc uint32, b []byte) uint32 {
	for len(b) >= 2 {
		acc += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint32(b[0]) << 8
	}
	return acc
}

// fold turns a sum into the checksum field's value.
func fold(acc uint32) uint16 {
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return ^uint16(acc)
}
