package decode

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
func (cs *controlConn) again(d int, seq uint32, p []byte) {
	r := cs.t.recent
	if r == nil || cs.parser.state != parseFTP {
		return
	}
	if at, num, differ := r.compare(cs, d, seq, p); differ {
		cs.conflict(d, at, num, len(p)-int(at-seq))
	}
}

func (cs *controlConn) differs(d int, seq uint32) {
	if cs.parser.state == parseFTP {
		cs.conflict(d, seq, 0, 1)
	}
}

// conflict reports that bytes of direction d from sequence number at on
// (n of them, in the later copy) had two versions, the one delivered from
// packet first (0: not known).
func (cs *controlConn) conflict(d int, at uint32, first uint64, n int) {
	dec := cs.t.d
	dec.stats.ControlConflicts++
	// (Reported at the packet that brought the later copy.)
	cs.parser.num, cs.parser.ts = dec.num, dec.seg.TS
	cs.parser.conflict(d, at, first, n)
}
