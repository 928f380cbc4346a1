package decode

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"time"
)

// connList is a list of control connections (lru.go).
type connList = lruList[*controlConn]

func (cs *controlConn) lru() *lruLinks[*controlConn] { return &cs.links }

// Tombstones: what a closed control connection leaves behind, so that its
// late packets (a retransmitted FIN, the last ACK, an RST answering
// them, the bytes of a session evicted while still alive) start no new
// session. A tombstone is a key and a time, in a ring: the oldest is
// overwritten first, and one older than its TTL (tombstoneTTL; an
// evicted session's, idleClose; one closed as idle, idleResumeTTL) no
// longer counts. The ring is allocated
// at the first close, 64 slots, and doubles, up to tombstoneSlots or
// tombstonesPerConn slots for each connection the table may hold,
// whichever is more, when the slot to overwrite still holds
// a tombstone within its TTL; at that bound such a tombstone is
// overwritten and counted (Stats.TombstonesForgotten): its late packets
// may start a session of their own.
const (
	tombstoneSlots    = 4096
	tombstonesPerConn = 4
	tombstoneTTL      = 4 * time.Minute // twice the usual maximum segment lifetime
	// idleResumeTTL: a connection closed as idle was silent an hour
	// already; its next bytes may come hours later (a client left open
	// overnight: TCP has no timeout of its own, and Linux conntrack keeps
	// an established connection five days), and are its own, picked up
	// again (ControlEvent.ResumesIdleClose), not a session "before the
	// capture". A day, the longest the capture's clock may jump
	// (MaxClockStep). Such tombstones are few (an hour's silence each) and
	// the ring bounded as for the others: one overwritten within its TTL
	// is counted (Stats.TombstonesForgotten).
	idleResumeTTL = MaxClockStep
)

type tombstone struct {
	key    ConnKey
	at     time.Time  // on the idle clock
	resume resumeKind // closed as idle: its next bytes start it again
	// evicted: a session closed to make room (CloseEvicted), alive when
	// it was: its next packet may come as late as an idle connection's,
	// so the tombstone holds for idleClose, not tombstoneTTL.
	evicted bool
	// lateDropped: with evicted, bytes of the session came while the
	// table was full and were dropped (Stats.EvictedLateDropped, counted
	// once a session).
	lateDropped bool
	// readEnd: with resumeWasFTP, where the bytes read of each side (0:
	// the key's A, 1: its B) ended at the close, when readKnown: a
	// segment after the close that ends there or before is only sent
	// again, nothing lost (Stats.ClosedLateBytes counts the others).
	readKnown [2]bool
	// ended: with resumeWasFTP, how the FTP text connection ended, when
	// by its FINs or by an RST held and never shown not taken (hold.go),
	// so that its later bytes going on in sequence pick it up again
	// (goesOn). One byte, in what was padding: the slot stays 128 bytes.
	ended   closeEnd
	readEnd [2]uint32
	// closed: with resume, when it was closed as idle (packet time, the
	// TS of its ControlClose), which a connection picked up again names
	// (ControlEvent.ResumesIdleClose).
	closed time.Time
}

// sentAgain tells whether segment s, of the connection closed, carries
// only bytes read before its close: a retransmission (its ACK lost), not
// bytes lost to the analysis.
func (tb *tombstone) sentAgain(s *Segment) bool {
	side := tb.side(s.Src)
	return tb.readKnown[side] && int32(s.Seq+uint32(len(s.Payload))-tb.readEnd[side]) <= 0
}

// closeEnd is how a control connection whose tombstone may still be
// picked up by its bytes ended (tombstone.ended): a kind and, for an RST,
// what hold.go knew of it.
type closeEnd uint8

const (
	endFIN    closeEnd = 1 << iota // both FINs, in order
	endRST                         // an RST held and never shown not taken
	endRSTByB                      // the RST came from the key's B
	endTTLOdd                      // its TTL was unlike its sender's (connHold.ttlOdd)
	endBadSum                      // its checksum was wrong (connHold.bad)
	endTakenA                      // with endFIN: the key's A's FIN was acknowledged by its peer (tombstone.acks)
	endTakenB                      // the same, the key's B's
)

// side is which side of the tombstone's key addr is (0: its A, 1: its B).
func (tb *tombstone) side(addr netip.AddrPort) int {
	if addr != tb.key.A {
		return 1
	}
	return 0
}

// acks marks, of a connection closed by its FINs, the FIN that an
// acknowledgement ack from from (a segment with FlagACK, neither SYN nor
// RST) covers (one past where the other side's stream stood, a FIN
// taking a sequence number) as taken: its peer got it, and bytes at its
// place later are not the connection going on (goesOn). The segment
// that is itself the last FIN is not looked at (closeBy): forged FINs
// acknowledge each other.
func (tb *tombstone) acks(from netip.AddrPort, ack uint32) {
	if o := 1 - tb.side(from); tb.ended&endFIN != 0 && tb.readKnown[o] && ack == tb.readEnd[o]+1 {
		tb.ended |= endTakenA << o
	}
}

// goesOn tells whether segment s of the closed connection shows its close
// was not taken: bytes starting exactly where that side's stream stood at
// the close (a FIN takes a sequence number: bytes at it mean its sender
// did not send it), from a side whose going on proves it (rstProof). Only
// exactly there: the bytes before that place are gone, and a segment
// reaching over it from before may be another version of them. A SYN
// opening the 4-tuple's next connection never does (find drops the
// tombstone), nor bytes of one whose SYN the capture missed: its ISN
// would have to land on that very byte. Nor, after FINs, bytes of a side
// whose FIN its peer acknowledged (acks: it was taken), or bytes that
// acknowledge the other side's FIN (their sender got that FIN, and took
// its own as sent: injected in its name after a true close).
func (tb *tombstone) goesOn(s *Segment) bool {
	side := tb.side(s.Src)
	if tb.ended == 0 || len(s.Payload) == 0 || !tb.readKnown[side] || s.Flags&(FlagSYN|FlagRST) != 0 || s.Seq != tb.readEnd[side] {
		return false
	}
	if tb.ended&endFIN != 0 && (tb.ended&(endTakenA<<side) != 0 || s.Flags.Has(FlagACK) && tb.readKnown[1-side] && s.Ack == tb.readEnd[1-side]+1) {
		return false
	}
	if tb.ended&endRST != 0 {
		by := 0
		if tb.ended&endRSTByB != 0 {
			by = 1
		}
		return rstProof(by, side, tb.ended&endTTLOdd != 0)
	}
	return true
}

// senderGoesOn tells whether segment s of the closed connection carries
// bytes of the side in whose name an RST with a TTL unlike its own ended
// it (endTTLOdd), exactly where that side's stream stood: its endpoint
// never sent that RST and goes on; its peer going on too (goesOn, or
// the hold the connection picked up again keeps: hold.go) shows the RST
// was not taken at all.
func (tb *tombstone) senderGoesOn(s *Segment) bool {
	side := tb.side(s.Src)
	if tb.ended&(endRST|endTTLOdd) != endRST|endTTLOdd || len(s.Payload) == 0 || !tb.readKnown[side] || s.Flags&(FlagSYN|FlagRST) != 0 || s.Seq != tb.readEnd[side] {
		return false
	}
	by := 0
	if tb.ended&endRSTByB != 0 {
		by = 1
	}
	return side == by
}

// ttl is how long after its time the tombstone holds.
func (tb *tombstone) ttl() time.Duration {
	switch {
	case tb.resume&resumeKindMask != 0:
		return idleResumeTTL
	case tb.evicted:
		return idleClose
	}
	return tombstoneTTL
}

// resumeKind says how a connection closed as idle is picked up again when
// its bytes come after all.
type resumeKind uint8

const (
	resumeText resumeKind = iota + 1 // as FTP text, mid-stream
	resumeTLS                        // as TLS, from its headers
)

// tombstones is the ring and an index to it. The index is keyed by a hash
// of the connection key, not the key itself (8 bytes, not 64: its slots
// are a fifth of the size); the ring slot's own key is compared, so a
// hash shared by two keys makes neither a false match. When two
// tombstones share a hash (a seeded 64-bit hash: by chance only, about
// once in 10^15 connections), the newer takes the index and the older is
// forgotten early, which costs at most a late packet taken for a new
// connection.
type tombstones struct {
	ring   []tombstone
	next   int
	max    int // slots the ring may grow to
	hasher connHasher
	index  map[uint64]int32 // hash of a key -> its ring slot
	// forgotten counts tombstones overwritten within their TTL, the ring
	// at its bound (nil: not counted).
	forgotten *uint64
}

// init makes an empty ring that may grow to n slots (at least one). The
// ring and its index are allocated as tombstones are left: a capture
// whose connections close slowly keeps a small ring.
func (t *tombstones) init(n int) {
	t.ring = nil
	t.max = max(n, 1)
	t.hasher = newConnHasher()
	t.index = make(map[uint64]int32)
}

// bound lets the ring grow to limit slots, and counts in forgotten (if
// not nil) the tombstones overwritten within their TTL once it is there.
func (t *tombstones) bound(limit int, forgotten *uint64) {
	t.max = max(t.max, limit)
	t.forgotten = forgotten
}

// hash is the index's key for k.
func (t *tombstones) hash(k ConnKey) uint64 { return t.hasher.hash(k) }

// connHasher hashes connection keys for the indexes that key a map by a
// 64-bit hash instead of the 64-byte key: each endpoint's address (as 16
// bytes; a zone is not hashed) and port, each pair of 64-bit words
// multiplied with random seeds into 128 bits and folded, as wyhash does,
// and the two endpoints' hashes added. The sum is the same either way
// round, so a segment's connection is found from its source and
// destination as they come (ConnIndex.GetPair), without putting them in
// a key's order first (MakeConnKey's comparison: as much as the hash).
// Equal keys hash equal; the indexes compare keys, since distinct keys
// may hash equal too, and keep such a pair apart in an ordinary map, so
// the hash's quality bears on memory only, never on what is found.
type connHasher struct{ seed [6]uint64 }

func newConnHasher() connHasher {
	var h connHasher
	for i := range h.seed {
		h.seed[i] = rand.Uint64()
	}
	return h
}

func (h *connHasher) hash(k ConnKey) uint64 { return h.pair(k.A, k.B) }

// pair is the hash of the key of the connection between a and b, in
// either order: the sum of the endpoints' hashes (each address's as
// addr's, the port's folded in). (One body, not a call an endpoint: the
// compiler inlines neither.)
func (h *connHasher) pair(a, b netip.AddrPort) uint64 {
	x, y := a.Addr().As16(), b.Addr().As16()
	ha := fold(binary.LittleEndian.Uint64(x[:8])^h.seed[0], binary.LittleEndian.Uint64(x[8:])^h.seed[1]) ^
		fold(uint64(a.Port())^h.seed[2], h.seed[3])
	hb := fold(binary.LittleEndian.Uint64(y[:8])^h.seed[0], binary.LittleEndian.Uint64(y[8:])^h.seed[1]) ^
		fold(uint64(b.Port())^h.seed[2], h.seed[3])
	return ha + hb
}

// addr hashes one address (as 16 bytes; a zone is not hashed) as pair
// hashes an endpoint's.
func (h *connHasher) addr(a netip.Addr) uint64 {
	b := a.As16()
	return fold(binary.LittleEndian.Uint64(b[:8])^h.seed[0], binary.LittleEndian.Uint64(b[8:])^h.seed[1])
}

// fold multiplies x and y into 128 bits and folds the halves together.
func fold(x, y uint64) uint64 {
	hi, lo := bits.Mul64(x, y)
	return hi ^ lo
}

// slot returns the ring slot holding k, or -1.
func (t *tombstones) slot(k ConnKey) (h uint64, i int) {
	h = t.hash(k)
	if j, ok := t.index[h]; ok && t.ring[j].key == k {
		return h, int(j)
	}
	return h, -1
}

// add leaves a tombstone for k, closed at at (on the idle clock: now);
// the caller may mark it.
func (t *tombstones) add(k ConnKey, at time.Time) *tombstone {
	if len(t.ring) == 0 {
		t.grow()
	}
	slot := &t.ring[t.next]
	if slot.key != (ConnKey{}) {
		if h, i := t.slot(slot.key); i == t.next {
			if at.Sub(slot.at) <= slot.ttl() {
				// Still within its TTL: the ring is too small for the
				// connections closing.
				if len(t.ring) < t.max {
					t.grow()
					return t.add(k, at)
				}
				if t.forgotten != nil {
					*t.forgotten++
				}
			}
			delete(t.index, h)
		}
	}
	*slot = tombstone{key: k, at: at}
	t.index[t.hash(k)] = int32(t.next)
	t.next = (t.next + 1) % len(t.ring)
	return slot
}

// grow doubles the ring (up to max), oldest first, and points next at
// the first new slot: what is there stays, in the order it came.
func (t *tombstones) grow() {
	old := t.ring
	n := min(max(2*len(old), 64), t.max)
	ring := make([]tombstone, n)
	copy(ring, old[t.next:])
	copy(ring[len(old)-t.next:], old[:t.next])
	for j := range old {
		k := ring[j].key
		if k == (ConnKey{}) {
			continue
		}
		h := t.hash(k)
		if i, ok := t.index[h]; ok && int(i) == (t.next+j)%len(old) {
			t.index[h] = int32(j)
		}
	}
	t.ring, t.next = ring, len(old)
}

// find returns k's tombstone if k closed (or its last late packet came)
// less than its TTL before now, else nil. Setting its at renews it.
func (t *tombstones) find(k ConnKey, now time.Time) *tombstone {
	h, i := t.slot(k)
	if i < 0 {
		return nil
	}
	if now.Sub(t.ring[i].at) > t.ring[i].ttl() {
		delete(t.index, h)
		return nil
	}
	return &t.ring[i]
}

func (t *tombstones) drop(k ConnKey) {
	if h, i := t.slot(k); i >= 0 {
		delete(t.index, h)
		t.ring[i] = tombstone{}
	}
}

// ConnIndex maps connection keys to values (open sessions, followed
// connections) through a seeded 64-bit hash of the key instead of the
// 64-byte key itself. A map keyed by ConnKey has 72-byte slots and never
// shrinks: once thousands of connections are open and come and go it
// costs about 250 bytes an entry, this one about 30. The value found is
// checked against the key (isKey), so a hash two keys share makes no
// false match; the second of two such values goes to an ordinary map that
// stays empty but for that chance (one pair of keys in 2^64). The zero
// value is not usable: make one with NewConnIndex. Not safe for
// concurrent use.
//
// The value found last is kept with the endpoints it was found by
// (last, lastA, lastB): a connection's segments and events come in runs
// (a command and its reply, a reply's lines, a transfer's ACKs), and the
// next lookup of the same endpoints, either way round, is answered by
// comparing them, without the hash and the map (GetPair: nor isKey; Get
// asks it, as its key has an order). It is what the map
// would give: it was found in byHash under their hash, and any Put,
// Delete or Clear since forgets it. (A value's key does not change while
// it is in the index: Delete finds it by that key.)
type ConnIndex[V comparable] struct {
	isKey        func(V, ConnKey) bool
	hasher       connHasher
	byHash       map[uint64]V
	collided     map[ConnKey]V
	last         V // the value byHash gave last; the zero V for none
	lastA, lastB netip.AddrPort
}

// lastFor returns the value found last if it was found by a and b, either
// way round, and nothing changed since; else the zero V.
func (x *ConnIndex[V]) lastFor(a, b netip.AddrPort) V {
	if a == x.lastA && b == x.lastB || a == x.lastB && b == x.lastA {
		return x.last
	}
	var zero V
	return zero
}

// found keeps v, found in byHash by a and b, as the value found last.
func (x *ConnIndex[V]) found(v V, a, b netip.AddrPort) V {
	x.last, x.lastA, x.lastB = v, a, b
	return v
}

// forget forgets the value found last: the index changed.
func (x *ConnIndex[V]) forget() {
	var zero V
	x.last, x.lastA, x.lastB = zero, netip.AddrPort{}, netip.AddrPort{}
}

// NewConnIndex returns an empty index of values; isKey tells whether a
// value is the one of a key.
func NewConnIndex[V comparable](isKey func(V, ConnKey) bool) *ConnIndex[V] {
	return &ConnIndex[V]{isKey: isKey, hasher: newConnHasher(), byHash: make(map[uint64]V)}
}

// Get returns the value of k, or the zero V.
func (x *ConnIndex[V]) Get(k ConnKey) V {
	var zero V
	if v := x.lastFor(k.A, k.B); v != zero && x.isKey(v, k) {
		return v // (asked: a key in the other order is not its key)
	}
	if v, ok := x.byHash[x.hasher.hash(k)]; ok && x.isKey(v, k) {
		return x.found(v, k.A, k.B)
	}
	if len(x.collided) > 0 {
		return x.collided[k]
	}
	return zero
}

// GetPair returns the value of the connection between a and b, given in
// either order (a segment's source and destination), or the zero V: Get
// without MakeConnKey. isKey is asked with the pair in both orders.
func (x *ConnIndex[V]) GetPair(a, b netip.AddrPort) V {
	var zero V
	if v := x.lastFor(a, b); v != zero {
		return v
	}
	if v, ok := x.byHash[x.hasher.pair(a, b)]; ok && (x.isKey(v, ConnKey{a, b}) || x.isKey(v, ConnKey{b, a})) {
		return x.found(v, a, b)
	}
	if len(x.collided) > 0 {
		return x.collided[MakeConnKey(a, b)]
	}
	return zero
}

// Put adds v under k, which has no value yet.
func (x *ConnIndex[V]) Put(k ConnKey, v V) {
	x.forget()
	h := x.hasher.hash(k)
	if _, taken := x.byHash[h]; !taken {
		x.byHash[h] = v
		return
	}
	if x.collided == nil {
		x.collided = make(map[ConnKey]V)
	}
	x.collided[k] = v
}

// Delete removes k's value.
func (x *ConnIndex[V]) Delete(k ConnKey) {
	x.forget()
	h := x.hasher.hash(k)
	if v, ok := x.byHash[h]; ok && x.isKey(v, k) {
		delete(x.byHash, h)
		return
	}
	delete(x.collided, k)
}

// Len returns how many values the index holds.
func (x *ConnIndex[V]) Len() int { return len(x.byHash) + len(x.collided) }

// All returns the values, in no particular order.
func (x *ConnIndex[V]) All() []V {
	all := make([]V, 0, x.Len())
	for _, v := range x.byHash {
		all = append(all, v)
	}
	for _, v := range x.collided {
		all = append(all, v)
	}
	return all
}

// Clear removes every value.
func (x *ConnIndex[V]) Clear() {
	x.forget()
	clear(x.byHash)
	x.collided = nil
}

// idleClock is packet time for idle expiry: it moves with the capture's
// packets, but a forward step longer than MaxClockStep (the capture's
// clock set, files of different days read as one) moves it not at all,
// so that nothing idles out on it, and a step back waits until packet
// time is past the latest seen. It never goes back, so the lists ordered
// by it stay in order.
type idleClock struct {
	start   time.Time     // the first packet's time
	elapsed time.Duration // idle-clock time since start
	latest  int64         // the latest packet time, Unix nanoseconds
	set     bool
	// nextInput: the next step starts another file of the capture; a
	// long one there is the gap between the files, not a clock set.
	nextInput bool
}

// advance moves the clock to packet time ts; it tells whether ts is a
// forward step of more than MaxClockStep, which is not counted. It runs
// for every TCP segment: integer nanoseconds, not time.Time arithmetic.
func (c *idleClock) advance(ts time.Time) (jumped bool) {
	n := ts.UnixNano()
	if !c.set {
		c.start, c.latest, c.set = ts, n, true
		return false
	}
	step := time.Duration(n - c.latest)
	between := c.nextInput
	c.nextInput = false
	if step <= 0 {
		return false
	}
	c.latest = n
	if step > MaxClockStep {
		return !between
	}
	c.elapsed += step
	return false
}

// PacketSub is t.Sub(u) for two times of which one at least has no
// monotonic clock reading (a packet's time: Sub then goes by the wall
// clock too), without Sub's overflow check (an Add and an Equal: most of
// the decoder's and the tracker's per-segment time arithmetic). Within
// packetSubBound of each other the difference cannot overflow; further
// apart, Sub says.
func PacketSub(t, u time.Time) time.Duration {
	s := t.Unix() - u.Unix()
	if s > packetSubBound || s < -packetSubBound {
		return t.Sub(u)
	}
	return time.Duration(s)*time.Second + time.Duration(t.Nanosecond()-u.Nanosecond())
}

// packetSubBound is 200 years in seconds: a Duration holds 292.
const packetSubBound = 200 * 366 * 24 * 3600

// now is the idle clock's time.
func (c *idleClock) now() time.Time { return c.start.Add(c.elapsed) }

// since is how much idle-clock time passed since the first packet: what
// control connections keep, in 8 bytes, of when they were last active.
func (c *idleClock) since() time.Duration { return c.elapsed }

// hostPairs records when any TCP segment that is not of a control
// connection last passed between two hosts, for the pairs of hosts of
// the control connections that carried bytes: a data connection of a
// session runs between its client and server addresses (passive and
// active alike; a NAT's announced address is not where the packets go),
// and while one moves, the control connection's silence is a transfer,
// not an idle connection. Decode cannot tell which session a data
// connection belongs to, so data between two hosts keeps every control
// connection between them from idling out. An entry lives while a
// control connection of the pair does, so there are at most as many
// entries as control connections. Keyed by a seeded hash of the pair,
// not the pair (8 bytes, not 48): a hash two pairs share (by chance, one
// pair in 2^64) makes one's data keep the other's connections from
// idling out, nothing more. An entry is 8 bytes (hostPair), since every
// open session has one.
//
// The pair seen last is kept (last): a data connection's segments come in
// runs, and its next segment in the same second, with no entry added or
// removed since, changes nothing, found without the hash and the map.
type hostPairs struct {
	hasher connHasher
	byHash map[uint64]hostPair
	last   seenPair
}

// seenPair is the pair of hosts hostPairs.seen looked up last, either
// way round, when ok: whether it had an entry (kept), and then the time
// (hostPair's low 32 bits) the entry holds since.
type seenPair struct {
	a, b     netip.Addr
	stamp    uint32
	kept, ok bool
}

// same tells whether a and b, either way round, are the pair.
func (l *seenPair) same(a, b netip.Addr) bool {
	return a == l.a && b == l.b || a == l.b && b == l.a
}

// hostPair is, in its high 32 bits, how many control connections run
// between the two hosts, and in its low 32 bits, 1 + the whole seconds on
// the idle clock (since) when a segment last passed between them (0:
// none yet). A second's precision is plenty for limits of minutes, and
// rounding down never keeps a connection longer; 32 bits of seconds are
// 136 years of idle clock.
type hostPair uint64

const pairOne = hostPair(1) << 32

func (e hostPair) at() (time.Duration, bool) {
	sec := uint32(e)
	return time.Duration(sec-1) * time.Second, sec != 0
}

func (p *hostPairs) init() {
	p.last = seenPair{}
	p.hasher = newConnHasher()
	p.byHash = make(map[uint64]hostPair)
}

// hash is the pair's hash, the same either way round: the sum of the
// two addresses' hashes, not the hash of a key put in order (seen runs on
// every segment, and ordering two addresses costs most of a hash).
func (p *hostPairs) hash(a, b netip.Addr) uint64 {
	return p.hasher.addr(a) + p.hasher.addr(b)
}

func (p *hostPairs) add(a, b netip.Addr) {
	p.last.ok = false
	p.byHash[p.hash(a, b)] += pairOne
}

func (p *hostPairs) remove(a, b netip.Addr) {
	p.last.ok = false
	h := p.hash(a, b)
	e, ok := p.byHash[h]
	if !ok {
		return
	}
	if e -= pairOne; e < pairOne {
		delete(p.byHash, h)
		return
	}
	p.byHash[h] = e
}

// seen notes a segment between a and b at idle-clock time at: on every
// segment that is not of a control connection, so no allocation and
// nothing at all while no control connection carried bytes.
func (p *hostPairs) seen(a, b netip.Addr, at time.Duration) {
	if len(p.byHash) == 0 {
		return
	}
	stamp := uint32(at/time.Second) + 1
	if l := &p.last; l.ok && (!l.kept || l.stamp == stamp) && l.same(a, b) {
		return // (nothing to write: the entry holds this second, or there is none)
	}
	h := p.hash(a, b)
	e, ok := p.byHash[h]
	if ok {
		// Written once a second at most: most segments only read.
		if n := e&^0xffffffff | hostPair(stamp); n != e {
			p.byHash[h] = n
		}
	}
	p.last = seenPair{a: a, b: b, stamp: stamp, kept: ok, ok: true}
}

// lastSeen returns when the last segment passed between a and b.
func (p *hostPairs) lastSeen(a, b netip.Addr) (time.Duration, bool) {
	return p.byHash[p.hash(a, b)].at()
}
