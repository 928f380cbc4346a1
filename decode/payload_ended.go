package decode

import (
	"encoding/binary"
	"net/netip"
)

// The connections the payload table followed that ended (an RST, both
// FINs), remembered so that their late segments start nothing
// (payloadTable.ended). Each is kept payloadEndedTTL of packet time after
// its end or its latest late segment, and expired once a second with the
// table's idle connections (payloadTable.expire: packet time, the clock
// the table's idle limit runs on; a forward step of the capture's clock
// ages them as it ages the connections followed): the
// ring holds the connections that ended recently, not the last 16,384
// whatever their age (6.4 MB once full, on a capture of hours). One that
// went on past both its FINs (finsOutlived) is kept until the ring's bound
// pushes it out, as every one was before: the extractor asks
// (PayloadEndOutlived) when the transfer's file closes, which may be when
// its session ends.

// payloadEndedTTL: how long an ended connection is remembered after its
// end or its latest late segment. What comes after an end is a segment in
// flight when the RST went out, a retransmission by a side that missed
// the RST or the peer's ACK (Linux backs off to TCP_RTO_MAX, 120 s, between
// two; each renews the entry, so a whole series of them is covered), a
// FIN or ACK of the TIME_WAIT exchange (2 x MSL: 4 minutes by RFC 9293's
// MSL, 60 s on Linux), or the real connection going on after a
// forged RST or FIN (its next segment, within a retransmission backoff).
// Twice the usual maximum segment lifetime, as the control table's
// tombstones (tombstoneTTL).
const payloadEndedTTL = tombstoneTTL

// packedKey is a ConnKey without its addresses' internal pointers: 37
// bytes, not 64. Addresses from packets have no zone; the family is kept
// (an IPv4 address and its IPv4-mapped IPv6 form are other keys).
type packedKey struct {
	a, b   [16]byte
	ap, bp uint16
	v4     uint8 // bit 0: a is IPv4, bit 1: b is IPv4
}

func packKey(k ConnKey) packedKey {
	p := packedKey{a: k.A.Addr().As16(), b: k.B.Addr().As16(), ap: k.A.Port(), bp: k.B.Port()}
	if k.A.Addr().Is4() {
		p.v4 |= 1
	}
	if k.B.Addr().Is4() {
		p.v4 |= 2
	}
	return p
}

// packed hashes a packed key: both addresses, both ports and the
// families, in its order (the ring keeps keys in one).
func (h *connHasher) packed(p *packedKey) uint64 {
	ports := uint64(p.ap)<<16 | uint64(p.bp) | uint64(p.v4)<<32
	return fold(binary.LittleEndian.Uint64(p.a[:8])^h.seed[0], binary.LittleEndian.Uint64(p.a[8:])^h.seed[1]) ^
		fold(binary.LittleEndian.Uint64(p.b[:8])^h.seed[2], binary.LittleEndian.Uint64(p.b[8:])^h.seed[3]) ^
		fold(ports^h.seed[4], h.seed[5])
}

// endedConn is where a connection that left the table at an RST or both
// FINs stood: 64 bytes (it was 88, and 160 with its map slot's key).
type endedConn struct {
	at   int64     // packet time of its end or of its latest late segment (Unix ns)
	next [2]uint32 // where each direction's stream stood (after the gaps its end proved); 0: the first segment's sender
	// edge: with endedRST, the later of the RST's sequence number and
	// where its sender's stream stood: an acknowledgment past it is of
	// bytes sent after it.
	edge  uint32
	key   packedKey
	flags endedFlags
}

type endedFlags uint8

const (
	endedStarted0 endedFlags = 1 << iota // direction 0's stream had started
	endedStarted1                        // direction 1's
	endedRST                             // an RST ended it (else both FINs)
	endedRSTFrom1                        // with endedRST: direction 1 sent it
	// endedFinsOutlived: ended by both FINs, it went on after them
	// (pastFins).
	endedFinsOutlived
	endedBFirst  // direction 0 (the first segment's sender) is the key's B
	endedRenewed // at moved on after it took its slot (expire sorts it back)
	endedDead    // the slot holds nothing (deleted, expired or moved)
)

func (e *endedConn) started(d int) bool { return e.flags&(endedStarted0<<d) != 0 }

// rstFrom is the direction whose RST ended it, -1 when both FINs did.
func (e *endedConn) rstFrom() int {
	switch {
	case e.flags&endedRST == 0:
		return -1
	case e.flags&endedRSTFrom1 != 0:
		return 1
	}
	return 0
}

func (e *endedConn) finsOutlived() bool { return e.flags&endedFinsOutlived != 0 }

// ends returns its two ends, the first segment's sender first, from its
// key k.
func (e *endedConn) ends(k ConnKey) [2]netip.AddrPort {
	if e.flags&endedBFirst != 0 {
		return [2]netip.AddrPort{k.B, k.A}
	}
	return [2]netip.AddrPort{k.A, k.B}
}

// dir is the direction of s, a segment of the connection (key k).
func (e *endedConn) dir(k ConnKey, s *Segment) int {
	if (s.Src == k.B) == (e.flags&endedBFirst == 0) {
		return 1
	}
	return 0
}

// endedRing is the ended connections in the order they ended (a late
// segment's renewal moves one to the back at the next expiry), and an
// index to it keyed by a seeded hash of the key (as the tombstones': 8
// bytes, not 64; the slot's own key is compared, so a hash two keys share
// makes no false match: the newer takes the index, the older is forgotten).
// The ring is allocated as connections end, from 64 slots, and doubles up
// to max while the slot to overwrite holds one within payloadEndedTTL; at
// max, such a one is overwritten and counted (forgotten).
type endedRing struct {
	ring   []endedConn
	head   int // the oldest slot
	n      int // slots used from head, dead ones included
	max    int
	hasher connHasher
	index  map[uint64]int32
	// forgotten counts connections overwritten within payloadEndedTTL
	// (or kept past it as outlived), the ring at max.
	forgotten *uint64
}

func (r *endedRing) len() int { return len(r.index) }

// slot returns the slot holding k (packed p, hashed h), or -1.
func (r *endedRing) slot(p *packedKey) (h uint64, i int) {
	if r.index == nil {
		return 0, -1
	}
	h = r.hasher.packed(p)
	if j, ok := r.index[h]; ok && r.ring[j].key == *p {
		return h, int(j)
	}
	return h, -1
}

// get returns k's entry, valid until the ring's next change, if the ring
// holds it (expired or not: held).
func (r *endedRing) get(k ConnKey) (*endedConn, bool) {
	if len(r.index) == 0 {
		return nil, false
	}
	p := packKey(k)
	if _, i := r.slot(&p); i >= 0 {
		return &r.ring[i], true
	}
	return nil, false
}

// held tells whether e still counts at now (Unix ns): it ended (or its
// latest late segment came) no more than payloadEndedTTL before, or it
// went on after its FINs. (Between two expiries the ring may hold one
// past it.)
func (e *endedConn) held(now int64) bool {
	return now-e.at <= int64(payloadEndedTTL) || e.finsOutlived()
}

// renew marks e, just seen at now (a late segment), as ended then.
func (r *endedRing) renew(e *endedConn, now int64) {
	if now > e.at {
		e.at = now
		e.flags |= endedRenewed
	}
}

// del forgets k (a new incarnation of it is followed).
func (r *endedRing) del(k ConnKey) {
	if len(r.index) == 0 {
		return
	}
	p := packKey(k)
	if h, i := r.slot(&p); i >= 0 {
		delete(r.index, h)
		r.ring[i].flags |= endedDead
	}
}

// put remembers e, ended at e.at, under k.
func (r *endedRing) put(k ConnKey, e endedConn) {
	if r.index == nil {
		r.hasher = newConnHasher()
		r.index = make(map[uint64]int32)
	}
	e.key = packKey(k)
	h, i := r.slot(&e.key)
	if i >= 0 {
		r.ring[i].flags |= endedDead // (ended again: where it stands now)
	} else if j, ok := r.index[h]; ok {
		r.ring[j].flags |= endedDead // another key's hash: the newer takes it
	}
	if r.n == len(r.ring) {
		if r.n > 0 {
			if o := &r.ring[r.head]; o.flags&endedDead == 0 && o.held(e.at) {
				if len(r.ring) < r.max {
					r.grow()
				} else if r.forgotten != nil {
					*r.forgotten++
				}
			}
		} else {
			r.grow()
		}
		if r.n == len(r.ring) {
			r.pop()
		}
	}
	j := (r.head + r.n) % len(r.ring)
	r.ring[j] = e
	r.index[h] = int32(j)
	r.n++
}

// pop takes the oldest slot out.
func (r *endedRing) pop() {
	o := &r.ring[r.head]
	if o.flags&endedDead == 0 {
		h := r.hasher.packed(&o.key)
		if j, ok := r.index[h]; ok && int(j) == r.head {
			delete(r.index, h)
		}
	}
	*o = endedConn{}
	r.head = (r.head + 1) % len(r.ring)
	r.n--
}

// toBack moves the oldest slot's entry behind the newest.
func (r *endedRing) toBack() {
	if r.n == len(r.ring) {
		// Full: the oldest slot is the one after the newest.
		r.head = (r.head + 1) % len(r.ring)
		return
	}
	o := r.ring[r.head]
	r.ring[r.head].flags |= endedDead // (its index moves with it)
	j := (r.head + r.n) % len(r.ring)
	r.ring[j] = o
	r.index[r.hasher.packed(&o.key)] = int32(j)
	r.n++
	r.pop()
}

// grow doubles the ring (up to max), keeping the live entries in order.
func (r *endedRing) grow() {
	ring := make([]endedConn, min(max(2*len(r.ring), 64), max(r.max, 1)))
	n := 0
	for k := range r.n {
		o := &r.ring[(r.head+k)%len(r.ring)]
		if o.flags&endedDead != 0 {
			continue
		}
		ring[n] = *o
		r.index[r.hasher.packed(&o.key)] = int32(n)
		n++
	}
	r.ring, r.head, r.n = ring, 0, n
}

// expire forgets the connections that ended (or were last seen) more
// than payloadEndedTTL before now (Unix ns). One renewed since it took
// its slot goes to the back; one that went on after its FINs stays (its
// time set to now, so it is looked at once a TTL).
func (r *endedRing) expire(now int64) {
	for r.n > 0 {
		o := &r.ring[r.head]
		switch {
		case o.flags&endedDead != 0:
			r.pop()
		case now-o.at > int64(payloadEndedTTL):
			if !o.finsOutlived() {
				r.pop()
				continue
			}
			o.at = now
			o.flags &^= endedRenewed
			r.toBack()
		case o.flags&endedRenewed != 0:
			o.flags &^= endedRenewed
			r.toBack()
		default:
			return // (the rest ended later)
		}
	}
}
