package decode

import "encoding/binary"

// tcpHeader is what ftpsniff needs of a TCP header.
type tcpHeader struct {
	srcPort, dstPort uint16
	seq, ack         uint32
	window           uint16 // the raw window field
	urgent           uint16 // the urgent pointer field (meaningful with FlagURG)
	flags            TCPFlags
	// wscale is the shift a SYN's window scale option announces (capped
	// at maxWindowShift), when hasWScale. Options are read on SYNs only:
	// the option is only valid there (RFC 7323 2.2).
	wscale    uint8
	hasWScale bool
	off       int // header length: where the payload starts
	// optsCut: the snap length cut the options (parseTCP's cut): off
	// lies beyond the captured bytes, and no payload byte was captured.
	optsCut bool
}

// maxWindowShift is the largest window scale shift a TCP uses; a larger
// one is taken as this (RFC 7323 2.3).
const maxWindowShift = 14

// minTCPCut is the least of a TCP header parseTCPCut reads from a
// segment the snap length cut: through the flags.
const minTCPCut = 14

// TCP option kinds parseTCP reads (RFC 9293 3.1, RFC 7323 2.2).
const (
	tcpOptEnd         = 0
	tcpOptNop         = 1
	tcpOptWindowScale = 3
	tcpOptSACK        = 5 // RFC 2018's blocks (stall.go)
)

// parseTCP reads a whole TCP header (RFC 9293 section 3.1) without
// allocating: parseTCPCut of a segment the capture did not cut.
func parseTCP(b []byte) (h tcpHeader, ok bool) { return parseTCPCut(b, false) }

// parseTCPCut reads a TCP header without allocating. cut tells that the
// capture cut the segment short (the snap length): then options past the captured bytes are no fault of the segment, and
// a header whose fixed 20 bytes are whole is read without them (optsCut;
// off is still where the payload starts on the wire, beyond b). Options
// unknown, a SYN's window scale is taken as the largest a SYN can
// announce (hasWScale with maxWindowShift): scaling is in effect only if
// the other SYN offered it too, and the window edge is then put where the
// largest reading of the field puts it, as for a SYN the capture did not
// show (tcpwindow.go): the real window is never taken for smaller than it
// is. A cut that leaves the ports, numbers and flags (14 bytes: tcpdump's
// old default snap length of 68 on IPv6 keeps no more) but not the
// window field gives the window as unknown the same way: the largest the
// field holds, so that it bounds nothing. Without cut, a header not whole
// is malformed.
func parseTCPCut(b []byte, cut bool) (h tcpHeader, ok bool) {
	ok = h.read(b, cut)
	return h, ok
}

// read is parseTCPCut into h, all of whose fields it sets: handleTCP
// reads every segment's header into one, and its fields where they lie
// (a header returned is copied through the stack, in wide moves that
// wait for the narrow stores that wrote it).
func (h *tcpHeader) read(b []byte, cut bool) bool {
	*h = tcpHeader{}
	if len(b) < 20 && (!cut || len(b) < minTCPCut) {
		return false
	}
	h.off = int(b[12]>>4) * 4
	if h.off < 20 {
		return false
	}
	if h.off > len(b) {
		if !cut {
			return false
		}
		h.optsCut = true
	}
	h.srcPort = binary.BigEndian.Uint16(b[0:2])
	h.dstPort = binary.BigEndian.Uint16(b[2:4])
	h.seq = binary.BigEndian.Uint32(b[4:8])
	h.ack = binary.BigEndian.Uint32(b[8:12])
	fl := b[13]
	// The wire bits FIN SYN RST PSH ACK URG are the low six, in the order
	// of the TCPFlags constants.
	h.flags = TCPFlags(fl & 0x3f)
	h.window = 0xffff
	if len(b) >= 16 {
		h.window = binary.BigEndian.Uint16(b[14:16])
	}
	if len(b) >= 20 {
		h.urgent = binary.BigEndian.Uint16(b[18:20])
	}
	switch {
	case !h.flags.Has(FlagSYN):
	case h.optsCut:
		h.wscale, h.hasWScale = maxWindowShift, true
	case h.off > 20:
		h.wscale, h.hasWScale = windowScaleOption(b[20:h.off])
	}
	return true
}

// tcpOption finds the first option of kind among a TCP header's options
// whose data (after kind and length) is size bytes (any size when size is
// negative), and returns that data. Malformed options (a
// length below 2 or past the header) end the reading: what follows cannot
// be trusted to be an option, and the receiver would not parse it either.
func tcpOption(opts []byte, kind byte, size int) (data []byte, ok bool) {
	for i := 0; i < len(opts); {
		switch opts[i] {
		case tcpOptEnd:
			return nil, false
		case tcpOptNop:
			i++
			continue
		}
		if i+1 >= len(opts) {
			return nil, false
		}
		n := int(opts[i+1])
		if n < 2 || i+n > len(opts) {
			return nil, false
		}
		if opts[i] == kind && (size < 0 || n-2 == size) {
			return opts[i+2 : i+n], true
		}
		i += n
	}
	return nil, false
}

// windowScaleOption finds the window scale option among a SYN's options
// (tcpOption). One of another length than 3 is skipped, as Linux does.
func windowScaleOption(opts []byte) (shift uint8, ok bool) {
	d, ok := tcpOption(opts, tcpOptWindowScale, 1)
	if !ok {
		return 0, false
	}
	return min(d[0], maxWindowShift), true
}
