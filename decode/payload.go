package decode

import (
	"net/netip"
	"time"
)

// Payload of connections that are not control connections (the data
// connections' file contents) is reassembled only when asked: with
// Options.DataPayload set and a Handler that implements PayloadHandler.
// Otherwise decode keeps nothing of those connections, as before.
//
// The payload table follows only the connections the handler wants
// (WantPayload, asked after the Handler saw the SYN), from their SYN, at most Options.MaxPayloadConns at once, least recently
// seen first: a new one that finds it full evicts the oldest, whose
// stream is reported given up (DataGap with a negative length) and
// counted (PayloadStats.Evicted). Out-of-order bytes are held by the same
// reassembler as control streams, against a pool of their own (64
// segments per direction, 4 MiB in all; past either the oldest hole is
// given up as a gap, PayloadStats.HeldOverflow). A connection leaves the
// table when both FINs are reached, at an RST, when idle for
// payloadIdle, and at Finish; each time, everything held is delivered
// first and the bytes its FIN or its peer's ACK prove lost are reported
// as a gap, so the handler has the whole stream before the tracker sees
// the segment that ends it.

// PayloadHandler is an optional interface of a Handler: the ordered
// payload of the connections it wants. Calls come from the decoder's
// goroutine, in stream order per direction, and for one segment before
// Handler.Segment is called with it.
type PayloadHandler interface {
	// WantPayload tells whether the payload of the connection src opens
	// to dst should be reassembled. It is asked once per SYN the table
	// does not follow, after Handler.Segment saw that SYN.
	WantPayload(src, dst netip.AddrPort) bool
	// DataBytes delivers in-order payload sent from src to dst; b is valid
	// only during the call.
	DataBytes(src, dst netip.AddrPort, b []byte)
	// DataGap reports n bytes sent from src to dst that the capture does
	// not hold. A negative n means an unknown number: the connection's
	// reassembly was given up (the table was full), so no later byte of
	// it is delivered in place.
	DataGap(src, dst netip.AddrPort, n int64)
}

// DefaultMaxPayloadConns bounds the connections whose payload is
// reassembled at once when Options.MaxPayloadConns is 0.
const DefaultMaxPayloadConns = 4096

// payloadIdle: a followed connection silent this long (packet time)
// leaves the table. It is longer than the tracker's idle limit for a data
// connection (10 min), which reports the connection first.
const payloadIdle = 11 * time.Minute

// PayloadStats counts what payload reassembly did and every bound it hit.
type PayloadStats struct {
	Conns        uint64 `json:"conns"`         // connections followed
	Bytes        uint64 `json:"bytes"`         // bytes delivered in order
	Gaps         uint64 `json:"gaps"`          // gaps reported
	GapBytes     uint64 `json:"gap_bytes"`     // bytes those gaps covered
	Evicted      uint64 `json:"evicted"`       // connections given up: table full (MaxPayloadConns)
	Idle         uint64 `json:"idle"`          // connections that left the table idle
	HeldOverflow uint64 `json:"held_overflow"` // holes given up early: out-of-order bytes past the buffer bound
}

// payloadConn is one followed connection: its reassembler, its two ends
// (ends[0] sent the first segment seen) and its place in the LRU list.
type payloadConn struct {
	key        ConnKey
	ends       [2]netip.AddrPort
	r          reassembler
	ackHi      [2]uint32 // highest ACK each direction sent
	ackSeen    [2]bool
	lastSeen   time.Time
	holeListed bool // in t.holes
	links      lruLinks[*payloadConn]
	t          *payloadTable
}

func (pc *payloadConn) lru() *lruLinks[*payloadConn] { return &pc.links }

// payloadTable follows the wanted connections' payload.
type payloadTable struct {
	h     PayloadHandler
	max   int
	conns map[ConnKey]*payloadConn
	lru   lruList[*payloadConn] // least recently seen first
	pool  heldPool
	st    PayloadStats
	holes []*payloadConn // connections holding bytes behind a hole
}

// newPayloadTable returns the table, or nil when payload is not asked for
// or the handler cannot take it.
func newPayloadTable(h Handler, o Options) *payloadTable {
	ph, ok := h.(PayloadHandler)
	if !o.DataPayload || !ok {
		return nil
	}
	n := o.MaxPayloadConns
	if n <= 0 {
		n = DefaultMaxPayloadConns
	}
	return &payloadTable{h: ph, max: n, conns: make(map[ConnKey]*payloadConn)}
}

// PayloadStats returns the payload counters (zero when payload is not
// reassembled).
func (d *Decoder) PayloadStats() PayloadStats {
	if d.pay == nil {
		return PayloadStats{}
	}
	st := d.pay.st
	st.HeldOverflow = d.pay.pool.overflow
	return st
}

// segment takes one segment of a connection that is not a control one,
// before the Handler sees it: only connections followed already.
func (t *payloadTable) segment(s *Segment) {
	if t == nil || len(t.conns) == 0 {
		return
	}
	if pc := t.conns[MakeConnKey(s.Src, s.Dst)]; pc != nil {
		t.feed(pc, s)
	}
}

// opened starts following a connection at its SYN, after the Handler saw
// it (so the tracker knows it by then), when the handler wants it. A
// connection is followed from its SYN only: its first byte's place is
// known, so bytes lost at its start are a gap, not a shorter file.
func (t *payloadTable) opened(s *Segment) {
	if t == nil || !s.Flags.Has(FlagSYN) || s.Flags.Has(FlagACK) || s.Flags.Has(FlagRST) {
		return
	}
	key := MakeConnKey(s.Src, s.Dst)
	if t.conns[key] != nil || !t.h.WantPayload(s.Src, s.Dst) {
		return
	}
	t.feed(t.add(key, s), s)
}

// feed hands one segment to a followed connection's reassembler, and
// ends the connection at an RST or once both FINs are seen.
func (t *payloadTable) feed(pc *payloadConn, s *Segment) {
	t.lru.moveToBack(pc)
	pc.lastSeen = s.TS
	d := 0
	if s.Src != pc.ends[0] {
		d = 1
	}
	if s.Flags.Has(FlagACK) && (!pc.ackSeen[d] || int32(s.Ack-pc.ackHi[d]) > 0) {
		pc.ackHi[d], pc.ackSeen[d] = s.Ack, true
	}
	// The payload as captured: a snap length that cut it leaves a hole
	// that the next segment's skip, or the end, reports.
	pc.r.segment(d, s.Seq, s.Ack, s.Flags, s.Payload, s.Num, s.TS, pc)
	h := &pc.r.half
	if cut := s.PayloadLen - len(s.Payload); cut > 0 && !s.Flags.Has(FlagSYN) {
		// The snap length cut this segment: when it was delivered in
		// order, what it lacks is a gap now.
		if hd := &h[d]; hd.next == s.Seq+uint32(len(s.Payload)) {
			hd.next += uint32(cut)
			pc.gap(d, cut, s.Num, s.TS)
			pc.r.drain(d, pc)
		}
	}
	if s.Flags.Has(FlagRST) || h[0].finSeen && h[1].finSeen {
		t.remove(pc, false)
		return
	}
	if pc.r.holding() && !pc.holeListed {
		pc.holeListed = true
		t.holes = append(t.holes, pc)
	}
}

// add starts following a connection, evicting the least recently seen
// one when the table is full.
func (t *payloadTable) add(key ConnKey, s *Segment) *payloadConn {
	if len(t.conns) >= t.max && t.lru.front() != nil {
		t.st.Evicted++
		t.remove(t.lru.front(), true)
	}
	pc := &payloadConn{key: key, ends: [2]netip.AddrPort{s.Src, s.Dst}, t: t}
	pc.r.pool = &t.pool
	t.conns[key] = pc
	t.lru.pushBack(pc)
	t.st.Conns++
	return pc
}

// remove delivers what pc holds, reports the bytes its FINs or ACKs prove
// lost (or, when givenUp, that the rest of the stream is unknown), and
// forgets it.
func (t *payloadTable) remove(pc *payloadConn, givenUp bool) {
	pc.r.flush(0, pc.lastSeen, pc)
	for d := range pc.r.half {
		h := &pc.r.half[d]
		if !h.started {
			continue
		}
		var end uint32
		switch {
		case h.finSeen:
			end = h.finSeq
		case pc.ackSeen[1-d]:
			end = pc.ackHi[1-d]
		default:
			end = h.next
		}
		n := int32(end - h.next)
		if !h.finSeen && n == 1 {
			n = 0 // the ACK of a FIN the capture lacks
		}
		if n > 0 {
			pc.gap(d, int(n), 0, pc.lastSeen)
		}
		if givenUp {
			t.h.DataGap(pc.ends[d], pc.ends[1-d], -1)
		}
	}
	pc.r.release()
	delete(t.conns, pc.key)
	t.lru.remove(pc)
}

// expire removes connections idle past payloadIdle, and gives up holes
// that waited past holeWait.
func (t *payloadTable) expire(now time.Time) {
	if t == nil {
		return
	}
	for h := t.lru.front(); h != nil && now.Sub(h.lastSeen) > payloadIdle; h = t.lru.front() {
		t.st.Idle++
		t.remove(h, false)
	}
	// Only the connections holding bytes behind a hole, not every one
	// followed: the control table's way.
	kept := t.holes[:0]
	for _, pc := range t.holes {
		if t.conns[pc.key] != pc {
			continue // removed meanwhile
		}
		pc.r.expire(now, 0, pc)
		if t.conns[pc.key] == pc && pc.r.holding() {
			kept = append(kept, pc)
		} else {
			pc.holeListed = false
		}
	}
	clear(t.holes[len(kept):])
	t.holes = kept
}

// closeAll delivers everything at the capture's end.
func (t *payloadTable) closeAll() {
	if t == nil {
		return
	}
	for h := t.lru.front(); h != nil; h = t.lru.front() {
		t.remove(h, false)
	}
}

// payloadConn is the reassembler's orderedSink.

func (pc *payloadConn) bytes(d int, b []byte, _ uint64, _ time.Time) {
	pc.t.st.Bytes += uint64(len(b))
	pc.t.h.DataBytes(pc.ends[d], pc.ends[1-d], b)
}

func (pc *payloadConn) gap(d int, n int, _ uint64, _ time.Time) {
	if n <= 0 {
		return
	}
	pc.t.st.Gaps++
	pc.t.st.GapBytes += uint64(n)
	pc.t.h.DataGap(pc.ends[d], pc.ends[1-d], int64(n))
}

func (pc *payloadConn) finished(int, uint64, time.Time) {}

// early: a gap is reported only when the bytes after it are delivered,
// never at an ACK, so a late segment can never land after its gap was
// already counted (the file's offsets would shift).
func (pc *payloadConn) early(int) bool { return false }
