package decode

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"slices"
	"time"
)

// Checksums of control segments. A segment whose TCP checksum (or IPv4
// header checksum) is wrong never reached the receiver's TCP: the
// receiver drops it (RFC 9293 3.10.7.x: "If the checksum is invalid, drop
// the segment"; RFC 791 3.2). Taken, a forged copy of bytes the real
// sender sends later ("230 Login successful" over the real "530 Login
// incorrect.", a "NOOP\r\n" over the start of "PASS secret") is what the
// session is reported to say, and a forged RST or FIN ends it.
//
// But real segments are captured with wrong checksums too:
//   - A capture host's transmit checksum offload leaves its OWN outgoing
//     segments with the checksum the NIC fills in later: Linux puts the
//     folded pseudo-header sum there (CHECKSUM_PARTIAL), and GRO writes
//     the same into the segments it coalesces (tcp4_gro_complete:
//     ~tcp_v4_check(len, saddr, daddr, 0)). A TCP checksum equal to that
//     sum, or its complement, is offload (sumOffload): taken as right.
//   - A direction whose segments are all wrong (a NIC that fills in
//     something else): a wrong one is judged only once its direction has
//     shown a right one (halfStream.sumOK).
//   - A segment corrupted on the capture path, not on the receiver's:
//     the receiver acknowledges it.
//
// So a wrong segment (data or FIN) in a direction with right ones is
// not dropped at once but kept aside (badSeg; one per direction, at most
// maxBadHeld in all, maxBadBytes of them): a right copy of its sequence
// range coming next shows it was not the sender's (dropped, counted in
// Stats.ControlBadChecksum), and so does an ACK of its receiver, heard
// badAckWait or more after it, that acknowledges none of it (a real
// segment lost on the way is sent again, right); the receiver's ACK
// passing its end, the sender's next segment from its end on, or badWait
// of packet time with neither delivers it as if it had been right. A
// wrong SYN or RST is dropped: its receiver drops it, and a control
// connection idles for minutes, longer than any hold.
// Only whole segments are judged: one the snap length cut, or a datagram
// rebuilt from fragments (whose IP header decode made), cannot be.
//
// Checksums are verified only for segments of control connections and
// candidates (checkSum, lazily, once a segment): the data path never pays.

// Bounds of the wrong-checksum segments kept aside (badSeg).
const (
	maxBadHeld  = 16       // segments, over all connections
	maxBadBytes = 64 << 10 // their bytes, over all connections
	// badWait: packet time after which one is delivered with no word
	// from either side (a capture of one direction). Longer than a
	// server's delay before it refuses a login (vsftpd's
	// delay_failed_login: 1 s), whose right copy must find the forged
	// one still aside; a receiver's ACK or its sender going on settles
	// it sooner.
	badWait = 10 * time.Second
	// badAckWait: an ACK of its receiver this long after a segment kept
	// aside, acknowledging none of it, shows the receiver dropped it (one
	// sooner may have been sent before it arrived).
	badAckWait = 500 * time.Millisecond
)

// badSeg is a segment with a wrong checksum kept aside.
type badSeg struct {
	cs  *controlConn
	dir int
	end uint32 // the sequence number after its bytes (and FIN)
	seg Segment
	raw []byte // its TCP header and payload (a copy); seg.Payload points in it
}

// sumVerdict is what a segment's checksums say.
type sumVerdict uint8

const (
	sumUnknown  sumVerdict = iota // not computed yet for this segment
	sumRight                      // both checksums right (IPv6: TCP's)
	sumWrong                      // one of them wrong
	sumUnjudged                   // not whole: the snap length cut it
	sumOffload                    // TCP's holds the pseudo-header sum only: the sender's NIC fills it in (offload, GRO)
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
		if offloadSum(src, dst, st.raw[:st.wire]) {
			st.verdict = sumOffload
		}
	default:
		st.verdict = sumRight
	}
	return st.verdict
}

// tcpSum is the ones' complement sum of the TCP pseudo-header and
// segment (0xffff when the checksum in it is right).
func tcpSum(src, dst netip.Addr, seg []byte) uint16 {
	return onesSum(pseudoSum(src, dst, len(seg)), seg)
}

// pseudoSum is the sum of the TCP pseudo-header (RFC 9293 3.1, RFC 8200
// 8.1) of a segment of n bytes from src to dst, not folded to 16 bits.
// The addresses are added as 32-bit words into 64 bits and folded once,
// as sum16 does, not by two calls of it: every control segment's
// checksum starts here.
func pseudoSum(src, dst netip.Addr, n int) uint32 {
	var acc uint64
	if src.Is4() && dst.Is4() {
		a, b := src.As4(), dst.As4()
		acc = uint64(binary.BigEndian.Uint32(a[:])) + uint64(binary.BigEndian.Uint32(b[:]))
	} else {
		a, b := src.As16(), dst.As16()
		acc = addWords(a) + addWords(b)
	}
	acc = acc&0xffffffff + acc>>32
	acc = acc&0xffffffff + acc>>32
	v := uint32(acc&0xffff + acc>>16)
	return v&0xffff + v>>16 + 6 + uint32(n) // protocol and TCP length
}

// addWords is the sum of the four 32-bit words of an IPv6 address.
func addWords(a [16]byte) uint64 {
	return uint64(binary.BigEndian.Uint32(a[:])) + uint64(binary.BigEndian.Uint32(a[4:])) +
		uint64(binary.BigEndian.Uint32(a[8:])) + uint64(binary.BigEndian.Uint32(a[12:]))
}

// offloadSum tells whether TCP segment seg's checksum field holds the sum
// of its pseudo-header alone, folded, or that sum's complement: what
// Linux leaves for the NIC to finish (transmit offload, GRO).
func offloadSum(src, dst netip.Addr, seg []byte) bool {
	if len(seg) < 18 {
		return false
	}
	p := onesSum(pseudoSum(src, dst, len(seg)), nil)
	c := binary.BigEndian.Uint16(seg[16:])
	return c == p || c == ^p
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
// zero), to s, folding at the end. The ones' complement sum does not
// depend on how the words are grouped, nor on their byte order (RFC 1071
// 2(B): summed with their bytes swapped, the sum comes out swapped), so
// b is added as little-endian 64-bit words, the carry out of each added
// back in (bits.Add64: a load and two adds for 8 bytes, where 16-bit
// big-endian words took a load, a swap and an add for every 4), and the
// sum, folded to 16 bits, swapped once. s goes in swapped the same way.
// The result is folded to 16 bits.
func sum16(s uint32, b []byte) uint32 {
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	acc := uint64(bits.ReverseBytes16(uint16(s)))
	var c uint64
	for len(b) >= 32 {
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[8:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[16:]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[24:]), c)
		b = b[32:]
	}
	for len(b) >= 8 {
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b), c)
		b = b[8:]
	}
	// The last 0 to 7 bytes: a 16-bit word's place in the 64 bits counts
	// only modulo 16 bits (2^16 is 1 in the sum), so they are added
	// at the bottom, an odd last byte as the low one of its word.
	var tail uint64
	if len(b) >= 4 {
		tail = uint64(binary.LittleEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		tail += uint64(binary.LittleEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		tail += uint64(b[0])
	}
	acc, c = bits.Add64(acc, tail, c)
	acc += c // (no carry again: after one out of adding the tail, acc is below 2^33)
	acc = acc&0xffffffff + acc>>32
	acc = acc&0xffffffff + acc>>32
	v := uint32(acc&0xffff + acc>>16)
	v = v&0xffff + v>>16
	return uint32(bits.ReverseBytes16(uint16(v)))
}

// forged tells whether segment s (the one being handled) of control
// connection cs has a wrong checksum in a direction whose checksums were
// right (see above), and records a direction whose checksums are right.
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

// badSegment tells whether segment s of cs is not to be taken now: a
// wrong checksum (forged) that is dropped (counted) or kept aside. A
// wrong RST on an established connection is taken: the hold rule judges
// it (holdRST).
func (t *controlTable) badSegment(cs *controlConn, s *Segment) bool {
	if !t.forged(cs, s) {
		return false
	}
	// A wrong SYN or RST is dropped: the receiver drops it (RFC 9293
	// 3.10.7), and a control connection idles for minutes, longer than
	// any hold. (An offloaded one's checksum is the pseudo-header sum:
	// right, above.)
	if s.Flags&(FlagSYN|FlagRST) != 0 || !t.keepBad(cs, cs.dirIndex(s.Src), s) {
		t.d.stats.ControlBadChecksum++
	}
	return true
}

// keepBad keeps segment s of direction d of cs aside, if it carries
// anything the stream has not had and there is room: one per direction.
func (t *controlTable) keepBad(cs *controlConn, d int, s *Segment) bool {
	n := uint32(len(s.Payload))
	if s.Flags.Has(FlagFIN) {
		n++
	}
	raw := t.d.sum.raw[:t.d.sum.wire]
	h := &cs.asm.half[d]
	if n == 0 || h.started && int32(s.Seq+n-h.next) <= 0 || len(raw) < len(s.Payload) ||
		len(t.bad) >= maxBadHeld || t.badBytes+len(raw) > maxBadBytes {
		return false // nothing new (a bare ACK, a copy of bytes taken), or no room
	}
	for i := range t.bad {
		if t.bad[i].cs == cs && t.bad[i].dir == d {
			return false // one kept already
		}
	}
	b := badSeg{cs: cs, dir: d, end: s.Seq + n, seg: *s, raw: append([]byte(nil), raw...)}
	b.seg.Payload = b.raw[len(raw)-len(s.Payload):]
	b.seg.Fragments = nil
	t.bad = append(t.bad, b)
	t.badBytes += len(b.raw)
	return true
}

// badBefore, before right segment s of cs is taken, settles what it says
// of the segments of cs kept aside: a copy of one's bytes drops it; one
// from its end on (its sender's), or an ACK past its end (its
// receiver's), delivers it first.
func (t *controlTable) badBefore(cs *controlConn, s *Segment) {
	d := cs.dirIndex(s.Src)
	n := uint32(len(s.Payload))
	if s.Flags.Has(FlagFIN) {
		n++
	}
	for i := 0; i < len(t.bad); {
		b := &t.bad[i]
		if b.cs != cs || s.Flags.Has(FlagSYN) {
			i++
			continue
		}
		deliver := false
		switch {
		case b.dir == d && n > 0 && int32(s.Seq-b.end) < 0 && int32(s.Seq+n-b.seg.Seq) > 0:
			// A right copy of its bytes: it was not the sender's.
		case b.dir == d && int32(s.Seq-b.end) >= 0:
			deliver = true
		case b.dir != d && s.Flags.Has(FlagACK) && int32(s.Ack-b.end) >= 0:
			deliver = true
		case b.dir != d && s.Flags.Has(FlagACK) && int32(s.Ack-b.seg.Seq) <= 0 && s.TS.Sub(b.seg.TS) >= badAckWait:
			// Its receiver, heard well after it came, has none of its
			// bytes: it dropped it. A real segment lost on the way is
			// sent again, right this time.

		default:
			i++
			continue
		}
		x := t.takeBad(i)
		if deliver {
			t.deliverBad(&x)
		} else {
			t.d.stats.ControlBadChecksum++
		}
	}
}

// takeBad removes the i-th segment kept aside and returns it.
func (t *controlTable) takeBad(i int) badSeg {
	b := t.bad[i]
	t.bad = slices.Delete(t.bad, i, i+1)
	t.badBytes -= len(b.raw)
	return b
}

// releaseBad delivers the segments kept aside since badWait before now
// (all of them when all is set: the capture's end).
func (t *controlTable) releaseBad(now time.Time, all bool) {
	for i := 0; i < len(t.bad); {
		if !all && now.Sub(t.bad[i].seg.TS) < badWait {
			i++
			continue
		}
		b := t.takeBad(i)
		t.deliverBad(&b)
	}
}

// dropBad forgets the segments of cs kept aside (cs removed): never
// delivered, they count as dropped.
func (t *controlTable) dropBad(cs *controlConn) {
	for i := 0; i < len(t.bad); {
		if t.bad[i].cs != cs {
			i++
			continue
		}
		t.takeBad(i)
		t.d.stats.ControlBadChecksum++
	}
}

// deliverBad hands segment b kept aside to its connection, as if its
// checksum had been right.
func (t *controlTable) deliverBad(b *badSeg) {
	cs := b.cs
	if cs.t == nil || t.conns.Get(cs.key) != cs {
		return
	}
	saved := t.d.sum
	t.d.sum = sumState{raw: b.raw, wire: len(b.raw), verdict: sumRight}
	t.segment(cs, &b.seg)
	t.d.sum = saved
}
