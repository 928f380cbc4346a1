package decode

import "encoding/binary"

// tcpHeader is what ftpsniff needs of a TCP header.
type tcpHeader struct {
	srcPort, dstPort uint16
	seq, ack         uint32
	window           uint16 // the raw window field
	flags            TCPFlags
	// wscale is the shift a SYN's window scale option announces (capped
	// at maxWindowShift), when hasWScale. Options are read on SYNs only:
	// the option is only valid there (RFC 7323 2.2).
	wscale    uint8
	hasWScale bool
	off       int // header length: where the payload starts
}

// maxWindowShift is the largest window scale shift a TCP uses; a larger
// one is taken as this (RFC 7323 2.3).
const maxWindowShift = 14

// TCP option kinds parseTCP reads (RFC 9293 3.1, RFC 7323 2.2).
const (
	tcpOptEnd         = 0
	tcpOptNop         = 1
	tcpOptWindowScale = 3
)

// parseTCP reads a TCP header (RFC 9293 section 3.1) without allocating.
func parseTCP(b []byte) (h tcpHeader, ok bool) {
	if len(b) < 20 {
		return h, false
	}
	h.off = int(b[12]>>4) * 4
	if h.off < 20 || h.off > len(b) {
		return h, false
	}
	h.srcPort = binary.BigEndian.Uint16(b[0:2])
	h.dstPort = binary.BigEndian.Uint16(b[2:4])
	h.seq = binary.BigEndian.Uint32(b[4:8])
	h.ack = binary.BigEndian.Uint32(b[8:12])
	fl := b[13]
	// The wire bits FIN SYN RST PSH ACK URG are the low six, in the order
	// of the TCPFlags constants.
	h.flags = TCPFlags(fl & 0x3f)
	h.window = binary.BigEndian.Uint16(b[14:16])
	if h.flags.Has(FlagSYN) && h.off > 20 {
		h.wscale, h.hasWScale = windowScaleOption(b[20:h.off])
	}
	return h, true
}

// windowScaleOption finds the window scale option among a SYN's options.
// Malformed options (a length below 2 or past the header) end the reading:
// what follows cannot be trusted to be an option, and a header the
// receiver would not parse announces no scaling.
func windowScaleOption(opts []byte) (shift uint8, ok bool) {
	for i := 0; i < len(opts); {
		kind := opts[i]
		switch kind {
		case tcpOptEnd:
			return 0, false
		case tcpOptNop:
			i++
			continue
		}
		if i+1 >= len(opts) {
			return 0, false
		}
		n := int(opts[i+1])
		if n < 2 || i+n > len(opts) {
			return 0, false
		}
		if kind == tcpOptWindowScale && n == 3 {
			return min(opts[i+2], maxWindowShift), true
		}
		i += n // (a scale option of another length is ignored, as Linux does)
	}
	return 0, false
}
