package decode

import "time"

// Conflicting copies of control bytes. The reassembler takes the first
// copy of a stretch of a control stream and drops later ones as
// retransmissions. When a later copy differs from what was delivered, the
// capture holds two versions of those bytes: one was forged (inserted
// with a TTL that expires before the receiver, or raced ahead of the real
// one), and which one the receiver took the capture cannot tell. That is
// reported (ControlConflict, Stats.ControlConflicts), and the parser
// treats the bytes as it treats a gap's for what it masks: a client line
// after them may be the tail of a password whose "PASS" the first copy
// hid (sessionParser.conflict).
//
// The bytes delivered are kept in one ring for the whole control table
// (recentCtl), not per connection: a later copy comes within a round
// trip or a retransmission timeout, while the ring still holds the first,
// and a control connection stays at its allocation class.

const (
	recentCtlSlots = 256 // chunks the ring keeps
	recentCtlBytes = 128 // bytes a chunk keeps
	// recentCtlChunks bounds the chunks one delivery takes (the rest of
	// a larger one is not kept).
	recentCtlChunks = 12
)

type recentChunk struct {
	cs  *controlConn
	num uint64 // the packet that carried the bytes
	seq uint32 // the first byte's sequence number
	n   uint8  // bytes kept (up to recentCtlBytes)
	d   uint8
	b   [recentCtlBytes]byte
}

// recentCtl is the ring of the latest control bytes delivered.
type recentCtl struct {
	c [recentCtlSlots]recentChunk
	w int // the next slot written
}

// keep records bytes b of direction d of cs, delivered from packet num,
// that end at sequence number end.
func (r *recentCtl) keep(cs *controlConn, d int, end uint32, b []byte, num uint64) {
	seq := end - uint32(len(b))
	for k := 0; len(b) > 0 && k < recentCtlChunks; k++ {
		c := &r.c[r.w]
		r.w = (r.w + 1) % recentCtlSlots
		n := copy(c.b[:], b)
		c.cs, c.num, c.seq, c.n, c.d = cs, num, seq, uint8(n), uint8(d)
		b, seq = b[n:], seq+uint32(n)
	}
}

// compare looks for bytes of p (a later copy of direction d of cs from
// seq) that differ from those kept: the first one's sequence number and
// the packet of the copy it differs from.
func (r *recentCtl) compare(cs *controlConn, d int, seq uint32, p []byte) (at uint32, num uint64, differ bool) {
	for i := range r.c {
		c := &r.c[i]
		if c.cs != cs || int(c.d) != d {
			continue
		}
		// The stretch both hold, relative to seq.
		from := max(int32(c.seq-seq), 0)
		to := min(int32(c.seq+uint32(c.n)-seq), int32(len(p)))
		if from >= to {
			continue
		}
		off := int32(seq - c.seq) // where p[0] lies in c.b
		for k := from; k < to; k++ {
			if p[k] != c.b[k+off] {
				if x := seq + uint32(k); !differ || int32(x-at) < 0 {
					at, num, differ = x, c.num, true
				}
				break
			}
		}
	}
	return at, num, differ
}

// forget drops what the ring keeps of cs (it left the table).
func (r *recentCtl) forget(cs *controlConn) {
	for i := range r.c {
		if r.c[i].cs == cs {
			r.c[i].cs = nil
		}
	}
}

// again and differs make controlConn a copySink: they compare later
// copies of delivered bytes with the first.
func (cs *controlConn) again(d int, seq uint32, p []byte, num uint64, ts time.Time) {
	r := cs.t.recent
	if r == nil || cs.parser.state != parseFTP {
		return
	}
	if at, first0, differ := r.compare(cs, d, seq, p); differ {
		// (The stream's first byte starts a line, when its SYN was seen.)
		first, known := cs.isn[d]+1, cs.syn[d]
		alt, last := r.otherLine(cs, d, seq, at, p, cs.asm.half[d].next, first, known)
		cs.conflictLine(d, at, first0, len(p)-int(at-seq), alt, last, num, ts)
	}
}

func (cs *controlConn) differs(d int, seq uint32) {
	if cs.parser.state == parseFTP {
		dec := cs.t.d
		cs.conflictLine(d, seq, 0, 1, nil, false, dec.num, dec.seg.TS)
	}
}

// conflictLine reports that bytes of direction d from sequence number at
// on (n of them, in the later copy) had two versions, the one delivered
// from packet first (0: not known), with the line the later copy makes
// (other: otherLine), and whether the bytes taken lie in the direction's
// latest line (last). It is reported at num, ts: the packet that brought
// the later copy (a segment held out of order is later than the bytes
// that overtook it, though its packet came first).
func (cs *controlConn) conflictLine(d int, at uint32, first uint64, n int, other []byte, last bool, num uint64, ts time.Time) {
	dec := cs.t.d
	dec.stats.ControlConflicts++
	cs.parser.num, cs.parser.ts = num, ts
	cs.parser.conflict(d, at, first, n, other, last)
}

// maxOtherLine bounds the line otherLine rebuilds: longer than any
// announcement (a 229 with an IPv6 address, a PORT, an LPRT), or a reply
// a transfer turns on.
const maxOtherLine = 256

// otherLine rebuilds the line of direction d of cs that p, a later copy
// of bytes from seq that differs from the copy delivered from at on,
// makes: the delivered bytes from the start of the line at seems to be
// in, then p's, then the delivered ones again up to the line end (LF).
// It is nil when the ring lacks a byte of it or it is longer than
// maxOtherLine. last tells whether the delivered copy's line holding at
// ended, and was the direction's last line to end before next (the
// delivered end): its command or reply is the latest event of the
// direction. The ring's bytes around at are gathered once into a window
// (as compare, one pass over the ring).
//
// first is the direction's first byte, when known (firstKnown): a line
// starts there too.
func (r *recentCtl) otherLine(cs *controlConn, d int, seq, at uint32, p []byte, next, first uint32, firstKnown bool) (line []byte, last bool) {
	const span = 3 * maxOtherLine
	var win [span]byte
	var have [span]bool
	lo := at - maxOtherLine // win[0]'s sequence number
	for i := range r.c {
		c := &r.c[i]
		if c.cs != cs || int(c.d) != d {
			continue
		}
		for k := range int(c.n) {
			if off := c.seq + uint32(k) - lo; off < span {
				win[off], have[off] = c.b[k], true
			}
		}
	}
	// delivered is the delivered byte at x, if the window holds it.
	delivered := func(x uint32) (byte, bool) {
		off := x - lo
		if off >= span || int32(x-next) >= 0 || !have[off] {
			return 0, false
		}
		return win[off], true
	}
	// Where the line starts: after the delivered LF before at (a line
	// whose start the ring no longer holds is not rebuilt).
	start := at
	for !firstKnown || start != first {
		b, ok := delivered(start - 1)
		if !ok || start-lo == 0 {
			return nil, false
		}
		if b == '\n' {
			break
		}
		start--
	}
	if int32(seq-start) < 0 {
		// p starts before the line: only the line's part of it.
		p, seq = p[start-seq:], start
	}
	for x := start; len(line) < maxOtherLine; x++ {
		var b byte
		if k := int32(x - seq); k >= 0 && int(k) < len(p) {
			b = p[k]
		} else if c, ok := delivered(x); ok {
			b = c
		} else {
			return nil, false
		}
		line = append(line, b)
		if b == '\n' {
			break
		}
	}
	if len(line) == 0 || line[len(line)-1] != '\n' {
		return nil, false
	}
	// The delivered copy's line end, and no line after it.
	for x := at; int32(x-next) < 0; x++ {
		b, ok := delivered(x)
		if !ok {
			return line, false
		}
		if b != '\n' {
			continue
		}
		for y := x + 1; int32(y-next) < 0; y++ {
			if c, ok := delivered(y); !ok || c == '\n' {
				return line, false
			}
		}
		return line, true
	}
	return line, false
}
