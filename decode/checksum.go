package decode

import (
	"encoding/binary"
	"net/netip"
)

// Checksums of control segments. A segment whose TCP checksum (or IPv4
// header checksum) is wrong never reached the receiver's TCP: the
// receiver drops it (RFC 9293 3.10.7.x: "If the checksum is invalid, drop
// the segment"; RFC 791 3.2). Taken, a forged copy of bytes the real
// sender sends later ("230 Login successful" over the real "530 Login
// incorrect.", a "NOOP\r\n" over the start of "PASS secret") is what the
// session is reported to say, and a forged RST or FIN ends it. But a
// capture host's checksum offload leaves its OWN outgoing segments with
// checksums the NIC fills in later: wrong in the capture, all of them. So
// a direction's segment with a wrong checksum is dropped only once that
// direction has shown a segment with right ones (halfStream.sumOK): then
// the capture host is not its sender, or its sender computes checksums.
// Only whole segments are judged: one the snap length cut, or a datagram
// rebuilt from fragments (whose IP header decode made), cannot be.
//
// Checksums are verified only for segments of control connections and
// candidates (checkSum, lazily, once a segment): the data path never pays.

// sumVerdict is what a segment's checksums say.
type sumVerdict uint8

const (
	sumUnknown  sumVerdict = iota // not computed yet for this segment
	sumRight                      // both checksums right (IPv6: TCP's)
	sumWrong                      // one of them wrong
	sumUnjudged                   // not whole: the snap length cut it
)

// sumState is what the decoder keeps of the segment being handled to
// judge its checksums when asked.
type sumState struct {
	raw     []byte    // the TCP header and payload as captured
	ls      *layerSet // the layers decoded (the IP header's)
	wire    int       // the TCP segment's length by the IP header (-1: not known)
	cut     bool      // the snap length cut the frame
	verdict sumVerdict
}

// segmentSum returns the current segment's verdict, computing it once.
// The IPv4 header is judged unless the datagram was rebuilt from
// fragments (decode made its header).
func (d *Decoder) segmentSum() sumVerdict {
	st := &d.sum
	if st.verdict != sumUnknown {
		return st.verdict
	}
	src, dst := d.seg.Src.Addr(), d.seg.Dst.Addr()
	switch {
	case st.cut || st.wire < 0 || len(st.raw) < st.wire:
		st.verdict = sumUnjudged
	case src.Is4() && st.ls != d.frag && st.ls.ip4.Version == 4 && onesSum(0, st.ls.ip4.Contents) != 0xffff:
		st.verdict = sumWrong
	case tcpSum(src, dst, st.raw[:st.wire]) != 0xffff:
		st.verdict = sumWrong
	default:
		st.verdict = sumRight
	}
	return st.verdict
}

// tcpSum is the ones' complement sum of the TCP pseudo-header and
// segment (0xffff when the checksum in it is right).
func tcpSum(src, dst netip.Addr, seg []byte) uint16 {
	var s uint32
	if src.Is4() && dst.Is4() {
		a, b := src.As4(), dst.As4()
		s = sum16(s, a[:])
		s = sum16(s, b[:])
	} else {
		a, b := src.As16(), dst.As16()
		s = sum16(s, a[:])
		s = sum16(s, b[:])
	}
	s += 6 + uint32(len(seg)) // protocol and TCP length
	return onesSum(s, seg)
}

// onesSum folds the 16-bit ones' complement sum of b onto s.
func onesSum(s uint32, b []byte) uint16 {
	s = sum16(s, b)
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// sum16 adds b, as big-endian 16-bit words (an odd last byte padded with
// zero), to s, folding as it goes so that it never overflows.
func sum16(s uint32, b []byte) uint32 {
	for len(b) >= 8 {
		s += uint32(binary.BigEndian.Uint16(b)) + uint32(binary.BigEndian.Uint16(b[2:])) +
			uint32(binary.BigEndian.Uint16(b[4:])) + uint32(binary.BigEndian.Uint16(b[6:]))
		s = s&0xffff + s>>16
		b = b[8:]
	}
	for len(b) >= 2 {
		s += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s&0xffff + s>>16
}

// forged tells whether segment s (the one being handled) of control
// connection cs is not its sender's by its checksums (see above), and
// records a direction whose checksums are right.
func (t *controlTable) forged(cs *controlConn, s *Segment) bool {
	d := cs.dirIndex(s.Src)
	switch t.d.segmentSum() {
	case sumRight:
		cs.asm.half[d].sumOK = true
	case sumWrong:
		return cs.asm.half[d].sumOK
	}
	return false
}
