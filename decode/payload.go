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
// (WantPayload, asked after the Handler saw the segment): from their SYN;
// from their SYN-ACK when the capture lacks the SYN (both ISNs are in
// it); from their first bytes when it lacks both (after a GapStartUnknown
// notice). At most Options.MaxPayloadConns at once: a new one that finds
// it full evicts the least recently seen only when that one has been
// silent for payloadEvictQuiet (its stream is reported given up,
// GapGivenUp, and counted, PayloadStats.Evicted); otherwise the newcomer
// is refused (PayloadStats.Refused), so a crowd of new connections never
// cuts the ones delivering bytes. A connection given up or refused is
// remembered (payloadLostKeys of them): it is counted once, and its later
// bytes do not bring it back mid-stream (only a SYN or SYN-ACK, a known
// start, does). So is one that ended (an RST, both FINs; payloadEndedKeys
// of them, each for payloadEndedTTL of packet time after its last packet:
// payload_ended.go): a segment in flight when the RST went out, captured
// after it, was never received, and its bytes would start the stream
// again at an unknown offset, appended to the file; they are counted instead
// (PayloadStats.AfterEnd). But an RST its sender outlives (its bytes in
// sequence, its FIN, its peer's ACK past it) was not its own: the
// connection is followed on from where it stood (resume); and one that
// goes on past both its FINs is remembered so (PayloadEndOutlived).
// Before data flows, a SYN or SYN-ACK with another ISN replaces the first
// until the peer's ACK settles it (payloadConn.isn). Out-of-order bytes
// are held by the same reassembler as control streams, against bounds of
// their own, by bytes rather than segments (payloadHeldDir per direction,
// payloadHeldTotal in all; past either the oldest hole is given up as a
// gap, PayloadStats.HeldOverflow). The last payloadRecent bytes of each
// direction are kept after delivery (payloadRecentFloor of them whatever
// the budget), so a later copy of them (a retransmission, an overlap) is
// compared; a difference is reported as a
// conflict notice (GapConflictBack) and counted. A connection leaves the
// table when both FINs are seen, at an RST, when idle for payloadIdle,
// and at Finish; each time, everything held is delivered first and the
// bytes its FIN or its peer's ACK prove lost are reported as a gap (an
// ACK past the stream covers the sender's FIN: one sequence number less),
// so the handler has the whole stream before the tracker sees the segment
// that ends it. In a capture that may reorder, both FINs seen while
// bytes before one are missing keep it until they come or ReorderWait
// has passed (endWaits): the segments meanwhile say so
// (Segment.PayloadWaits), and PayloadEndHandler.DataEnd when it leaves.

// PayloadHandler is an optional interface of a Handler: the ordered
// payload of the connections it wants. Calls come from the decoder's
// goroutine, in stream order per direction, and for one segment before
// Handler.Segment is called with it.
type PayloadHandler interface {
	// WantPayload tells whether the payload of the connection src opens
	// to dst should be reassembled. It is asked for a SYN, a SYN-ACK or a
	// segment with payload of a connection the table does not follow,
	// after Handler.Segment saw it (for bytes without a handshake, src
	// is their sender, which may not be the opener).
	WantPayload(src, dst netip.AddrPort) bool
	// DataBytes delivers in-order payload sent from src to dst; b is valid
	// only during the call.
	DataBytes(src, dst netip.AddrPort, b []byte)
	// DataGap reports n bytes sent from src to dst that the capture does
	// not hold. A negative n is no length but a notice (one number so the
	// tracker passes it on unchanged): GapGivenUp, GapStartUnknown, or a
	// conflict (GapConflictBack).
	DataGap(src, dst netip.AddrPort, n int64)
}

// PayloadEndHandler is an optional interface of a PayloadHandler: told
// when a connection whose end waited (Segment.PayloadWaits: both FINs
// seen, bytes before one still missing, in a capture that may reorder)
// leaves the table, its bytes and gaps all delivered. Its end is final
// then.
type PayloadEndHandler interface {
	// DataEnd: the connection between a and b (either way round) left
	// the table.
	DataEnd(a, b netip.AddrPort)
}

// Notices DataGap gives as a negative n.
const (
	// GapGivenUp: the connection's reassembly was given up (the table was
	// full and it had been silent for payloadEvictQuiet), so no later
	// byte of it is delivered in place.
	GapGivenUp = -1
	// GapStartUnknown, before the first byte: the capture holds neither
	// the connection's SYN nor its SYN-ACK, so where the stream began is
	// unknown; bytes are delivered from the first one seen.
	GapStartUnknown = -2
	// gapConflict - back: the capture holds two different versions of
	// the bytes that start back bytes before the next one to be
	// delivered (GapConflictBack).
	gapConflict = -3
	// gapUnchecked - back: a later copy of bytes delivered already,
	// starting back bytes before the next one, could not be compared with
	// them (no longer in hand): the file may hold a forged or stale copy
	// (GapUncheckedBack).
	gapUnchecked = gapConflict - noticeSpan
	// gapEarlyEnd - back: the sender's FIN puts the stream's end back
	// bytes before the next one, behind bytes delivered already: the
	// capture holds two versions of the end (GapEarlyEndBack).
	gapEarlyEnd = gapUnchecked - noticeSpan
	// noticeSpan: the range of back (a sequence number distance) each
	// notice with one takes.
	noticeSpan = 1 << 32
)

// GapConflictBack reads a DataGap notice of conflicting copies: back is
// how far before the next byte of the stream the differing bytes start.
func GapConflictBack(n int64) (back int64, ok bool) { return noticeBack(n, gapConflict) }

// GapUncheckedBack reads a DataGap notice of a copy that could not be
// compared: back is how far before the next byte of the stream it starts.
func GapUncheckedBack(n int64) (back int64, ok bool) { return noticeBack(n, gapUnchecked) }

// GapEarlyEndBack reads a DataGap notice of a FIN behind the bytes
// delivered: back is how far before the next byte of the stream it puts
// the stream's end.
func GapEarlyEndBack(n int64) (back int64, ok bool) { return noticeBack(n, gapEarlyEnd) }

func noticeBack(n, base int64) (int64, bool) {
	if n > base || n <= base-noticeSpan {
		return 0, false
	}
	return base - n, true
}

// DefaultMaxPayloadConns bounds the connections whose payload is
// reassembled at once when Options.MaxPayloadConns is 0.
const DefaultMaxPayloadConns = 4096

// payloadEvictQuiet: when the table is full, the least recently seen
// connection is given up for a newcomer only when silent this long
// (packet time; longer than TCP's largest retransmission backoff, 120 s
// on Linux); a connection heard from more recently is still delivering,
// and the newcomer is refused instead.
const payloadEvictQuiet = 150 * time.Second

// payloadLostKeys bounds the connections remembered as given up or
// refused (about 100 bytes each); past it the oldest is forgotten, and
// may be counted again.
const payloadLostKeys = 16384

// payloadEndedKeys bounds the connections remembered as ended by an RST
// or both FINs (64 bytes each and an index entry, about 1.6 MB at most),
// whose late segments start nothing, each for payloadEndedTTL after its
// last packet; past it the oldest is forgotten, counted
// (PayloadStats.EndedForgotten) if that was sooner.
const payloadEndedKeys = 16384

// payloadIdle: a followed connection silent this long (packet time)
// leaves the table, unless the handler still wants it (expire). It is
// longer than the tracker's idle limit for a data connection (10 min),
// which reports the connection first; one whose transfer command waits
// for its final reply it follows on.
const payloadIdle = 11 * time.Minute

// PayloadStats counts what payload reassembly did and every bound it hit.
type PayloadStats struct {
	Conns    uint64 `json:"conns"`     // connections followed
	Bytes    uint64 `json:"bytes"`     // bytes delivered in order
	Gaps     uint64 `json:"gaps"`      // gaps reported
	GapBytes uint64 `json:"gap_bytes"` // bytes those gaps covered
	Evicted  uint64 `json:"evicted"`   // connections given up for a newcomer: table full (MaxPayloadConns), silent for payloadEvictQuiet
	// Refused: connections wanted but not followed, the table full of
	// connections still sending (each counted once).
	Refused      uint64 `json:"refused"`
	Idle         uint64 `json:"idle"`          // connections that left the table idle
	HeldOverflow uint64 `json:"held_overflow"` // holes given up early: out-of-order bytes past the buffer bound
	// FromSynAck: connections followed from their SYN-ACK, the capture
	// lacking the SYN (both ISNs are known from it).
	FromSynAck uint64 `json:"from_syn_ack"`
	// StartUnknown: connections followed from their first bytes, the
	// capture lacking both SYN and SYN-ACK: their files start at an
	// unknown offset.
	StartUnknown uint64 `json:"start_unknown"`
	// Conflicts: places where the capture held two different versions of
	// the same bytes (a retransmission or overlap that differed).
	Conflicts uint64 `json:"conflicts"`
	// Unchecked: copies of delivered bytes that could not be compared,
	// the bytes no longer in hand (past payloadRecent, or the recent-bytes
	// budget was spent).
	Unchecked uint64 `json:"unchecked_copies"`
	// AfterEnd: segments with payload of connections that had ended (an
	// RST, both FINs) captured after that end, and AfterEndBytes their
	// bytes: in flight when the RST went out (never received), or late
	// copies; not delivered (they do not restart the stream).
	AfterEnd      uint64 `json:"after_end"`
	AfterEndBytes uint64 `json:"after_end_bytes"`
	// ResetsOutlived: connections an RST had ended that were followed
	// again from where they stood, the RST's sender going on after it
	// (endedConn.outlived): the RST was not its own.
	ResetsOutlived uint64 `json:"resets_outlived,omitempty"`
	// FinsOutlived: connections both FINs had ended that went on after
	// them (endedConn.pastFins): one FIN at least was not its sender's
	// (PayloadEndOutlived).
	FinsOutlived uint64 `json:"fins_outlived,omitempty"`
	// EndedForgotten: ended connections forgotten before payloadEndedTTL
	// had passed (or, gone on past their FINs, while still asked about),
	// the memory of them full (payloadEndedKeys): a late segment of one
	// may start its stream again at an unknown offset.
	EndedForgotten uint64 `json:"ended_forgotten,omitempty"`
}

// Bounds of payload reassembly. A data connection's out-of-order bytes
// are bounded by bytes, a receive window's worth per direction, not by a
// segment count (a GSO super-segment is one segment of 64 KiB; a lost
// segment on a long fat path is followed by hundreds before its
// retransmission). The total bounds them over all connections.
const (
	// payloadHeldDir: bytes one direction holds behind a hole (a
	// scaled receive window: Linux's default tcp_rmem maximum is 6 MiB).
	payloadHeldDir = 8 << 20
	// payloadHeldTotal: bytes all followed connections hold together.
	payloadHeldTotal = 64 << 20
	// payloadHeldSegs bounds the segments one direction holds, against
	// a flood of tiny ones (inserting one is linear in those held).
	payloadHeldSegs = 8192
	// payloadAhead: bytes further than this beyond where the receiver
	// stands are no plausible part of the stream (larger than any window
	// within payloadHeldDir) until the receiver's ACK reaches them: held
	// provisionally till then, and dropped if it never does (holdFar).
	payloadAhead = 16 << 20
	// payloadRecent: bytes of each direction kept after delivery, so a
	// later copy (a retransmission, an overlap) is compared with them. A
	// window's worth: spurious retransmissions come from what was in
	// flight (a loopback lab's reached 74 KiB behind).
	payloadRecent = 256 << 10
	// payloadRecentTotal bounds those over all followed connections;
	// past it a connection's buffer grows no more (a copy further behind
	// is counted unchecked), but never below payloadRecentFloor.
	payloadRecentTotal = 32 << 20
	// payloadRecentFloor: bytes of each direction kept whatever the
	// budget (a few segments: an immediate retransmission, a forged copy
	// followed by the real one, is always compared). With it the recent
	// bytes are at most payloadRecentTotal plus the floor of every
	// direction followed: 2 × 4 KiB × MaxPayloadConns (32 MiB at the
	// default 4,096; the extractor follows only its open files, 64 by
	// default).
	payloadRecentFloor = 4 << 10
)

// payloadConn is one followed connection: its reassembler, its two ends
// (ends[0] sent the first segment seen) and its place in the LRU list.
type payloadConn struct {
	key     ConnKey
	ends    [2]netip.AddrPort
	r       reassembler
	recent  [2]recentBytes
	isnSt   [2]isnState
	ackHi   [2]uint32 // highest ACK each direction sent
	ackSeen [2]bool
	reset   [2]bool // the direction ended the connection with an RST
	// endNoted: a FIN behind the delivered bytes (or bytes delivered
	// past the FIN) was reported for the direction (endsBefore).
	endNoted [2]bool
	// moved: how far each direction's stream went, bytes delivered and
	// gaps: a notice of a place behind the next byte never reaches past
	// the stream's start.
	moved    [2]int64
	lastSeen time.Time
	// closing: both FINs came while bytes before one were missing, in a
	// capture that may reorder packets (endWaits), at closeAt: the
	// connection stays until they come or ReorderWait has passed.
	closeAt    time.Time
	closing    bool
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
	// recentBytes: the bytes all recent buffers hold (payloadRecentTotal).
	recentBytes int
	// synAcks remembers the last payloadSynAcks SYN-ACKs of connections
	// not wanted when they came (the tracker may learn of a data
	// connection only after its handshake: capture queues that wrote the
	// handshake before the 227), so one wanted at its first bytes still
	// starts at a known place.
	synAcks keyRing[synAckSeen]
	// lost remembers the connections given up (evicted) or refused
	// (payloadLostKeys at most): true for refused (never followed).
	lost keyRing[bool]
	// ended remembers the connections that left the table at an RST or
	// both FINs (payloadEndedKeys at most, each payloadEndedTTL after its
	// last packet: payload_ended.go): their later segments, but a SYN or
	// ones that outlive an RST (endedConn.outlived), start nothing
	// (counted, PayloadStats.AfterEnd).
	ended endedRing
}

// pastFins tells whether s, a segment of a connection both FINs ended
// (e), goes on past them: bytes of its sender past its own FIN, or an
// acknowledgment past the other direction's FIN. No byte follows a real
// FIN: one of them was forged (or dropped by its receiver, a wrong
// checksum). The tracker ended the data connection there too, so the
// bytes that follow reach no file: the file says it may lack its rest
// (PayloadEndOutlived).
func (e *endedConn) pastFins(k ConnKey, s *Segment) bool {
	if e.rstFrom() >= 0 || s.Flags.Has(FlagRST) || s.Flags.Has(FlagSYN) {
		return false
	}
	d := e.dir(k, s)
	if !e.started(d) || !e.started(1-d) {
		return false
	}
	if n := uint32(max(len(s.Payload), s.PayloadLen)); n > 0 {
		if past := int32(s.Seq + n - e.next[d]); past > 0 && past <= payloadAhead {
			return true
		}
	}
	past := int32(s.Ack - (e.next[1-d] + 1)) // (the FIN takes a sequence number)
	return s.Flags.Has(FlagACK) && past > 0 && past <= payloadAhead
}

// PayloadEndOutlived tells whether the data connection between a and b,
// which left payload reassembly at both its FINs, was seen going on after
// them (endedConn.pastFins): its stream's end is not known.
func (d *Decoder) PayloadEndOutlived(a, b netip.AddrPort) bool {
	if d.pay == nil {
		return false
	}
	e, ok := d.pay.ended.get(MakeConnKey(a, b))
	return ok && e.finsOutlived()
}

// outlived tells whether s, a segment of a connection an RST ended (e),
// shows the RST's sender went on after it, as the tracker judges an
// exact RST it holds (track heldReset.sentPast): bytes from it in
// sequence past where its stream stood, a FIN from it not behind its
// stream, or an acknowledgment from its peer past the edge. A sender
// that reset the connection has none left to send on: the RST was forged,
// or dropped by its receiver (a wrong checksum).
func (e *endedConn) outlived(k ConnKey, s *Segment) bool {
	if e.rstFrom() < 0 || s.Flags.Has(FlagRST) || s.Flags.Has(FlagSYN) {
		return false
	}
	d := e.dir(k, s)
	if !e.started(d) || !e.started(1-d) {
		return false
	}
	if d != e.rstFrom() {
		past := int32(s.Ack - e.edge)
		return s.Flags.Has(FlagACK) && past > 0 && past <= payloadAhead
	}
	next, n := e.next[d], uint32(max(len(s.Payload), s.PayloadLen))
	if s.Flags.Has(FlagFIN) && int32(s.Seq+n-next) >= 0 && int32(s.Seq-next) <= payloadAhead {
		return true
	}
	return n > 0 && int32(s.Seq-next) <= 0 && int32(s.Seq+n-next) > 0
}

// synAckSeen is a remembered SYN-ACK: from the responder, its sequence
// number and acknowledgement.
type synAckSeen struct {
	from     netip.AddrPort
	seq, ack uint32
}

// payloadSynAcks bounds the SYN-ACKs remembered (about 64 bytes each).
const payloadSynAcks = 4096

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
	t := &payloadTable{h: ph, max: n, conns: make(map[ConnKey]*payloadConn)}
	t.ended.max, t.ended.forgotten = payloadEndedKeys, &t.st.EndedForgotten
	t.pool = heldPool{payload: true, segs: payloadHeldSegs, total: payloadHeldTotal, dirBytes: payloadHeldDir, ahead: payloadAhead}
	return t
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
func (t *payloadTable) segment(s *Segment) (followed bool) {
	if t == nil || len(t.conns) == 0 {
		return false
	}
	if pc := t.conns[MakeConnKey(s.Src, s.Dst)]; pc != nil {
		t.feed(pc, s)
		return true
	}
	return false
}

// opened starts following a connection the table does not follow, after
// the Handler saw the segment (so the tracker knows it by then), when the
// handler wants it:
//
//   - at its SYN: its first byte's place is known, so bytes lost at its
//     start are a gap, not a shorter file;
//   - at its SYN-ACK when the capture lacks the SYN: the SYN-ACK's
//     sequence number is the responder's ISN and its acknowledgement the
//     opener's ISN + 1, so both streams' places are known as well;
//   - at its first bytes when the capture lacks both: delivered from the
//     first byte seen, after a GapStartUnknown notice for each direction
//     (the offset in the file is unknown).
//
// One the table has no room for (room) is refused, or one it gave up is
// not taken again: each counted once (PayloadStats.Refused, Evicted) and
// remembered (lost), its later bytes starting nothing; none is dropped
// uncounted.
func (t *payloadTable) opened(s *Segment) {
	if t == nil || s.Flags.Has(FlagRST) {
		return
	}
	syn, ack := s.Flags.Has(FlagSYN), s.Flags.Has(FlagACK)
	key := MakeConnKey(s.Src, s.Dst)
	if t.conns[key] != nil {
		return
	}
	if _, ok := t.lost.get(key); ok && !syn {
		// Given up or refused: its bytes from here on would start a
		// stream in its middle (and count it again).
		return
	}
	now := s.TS.UnixNano()
	e, ended := t.ended.get(key)
	ended = ended && e.held(now)
	if ended {
		if ends := e.ends(key); e.outlived(key, s) && t.h.WantPayload(ends[0], ends[1]) && t.room(key, s) {
			// (A bare ACK or FIN too: its place is known.)
			t.resume(key, *e, s)
			return
		}
		// A late segment: its connection's later ones come from now on
		// (a retransmission backs off up to 120 s each time).
		t.ended.renew(e, now)
		if !e.finsOutlived() && e.pastFins(key, s) {
			e.flags |= endedFinsOutlived
			t.st.FinsOutlived++
		}
	}
	if !syn && len(s.Payload) == 0 && s.PayloadLen == 0 {
		return // a bare ACK or FIN starts nothing: no byte's place to anchor
	}
	if ended && !syn {
		// Ended (an RST, both FINs): a segment in flight when the RST
		// went out, or a late copy; it would restart the stream at an
		// unknown offset, its bytes appended to the file.
		t.st.AfterEnd++
		t.st.AfterEndBytes += uint64(max(len(s.Payload), s.PayloadLen))
		return
	}
	switch {
	case syn && !ack:
		if !t.h.WantPayload(s.Src, s.Dst) || !t.room(key, s) {
			return
		}
		t.feed(t.add(key, s), s)
	case syn:
		// The SYN-ACK: s.Dst opened the connection.
		if !t.h.WantPayload(s.Dst, s.Src) {
			t.rememberSynAck(key, s)
			return
		}
		if !t.room(key, s) {
			return
		}
		t.st.FromSynAck++
		t.feed(t.add(key, s), s) // the SYN-ACK starts both directions (payloadConn.isn)
	default:
		if !t.h.WantPayload(s.Src, s.Dst) || !t.room(key, s) {
			return
		}
		if m, ok := t.synAcks.get(key); ok {
			t.synAcks.del(key)
			if t.fromRemembered(key, m, s) {
				return
			}
		}
		t.st.StartUnknown++
		pc := t.add(key, s)
		t.h.DataGap(s.Src, s.Dst, GapStartUnknown)
		t.h.DataGap(s.Dst, s.Src, GapStartUnknown)
		t.feed(pc, s)
	}
}

// rememberSynAck keeps the SYN-ACK s of a connection not wanted (yet); a
// repeated SYN-ACK takes the word of the first (the later ISN).
func (t *payloadTable) rememberSynAck(key ConnKey, s *Segment) {
	t.synAcks.put(key, synAckSeen{from: s.Src, seq: s.Seq, ack: s.Ack}, payloadSynAcks)
}

// fromRemembered starts following key from its remembered SYN-ACK m at
// segment s, its first wanted one, when s lies where that handshake's
// streams could be (else the SYN-ACK was another incarnation's): false
// when it does not.
func (t *payloadTable) fromRemembered(key ConnKey, m synAckSeen, s *Segment) bool {
	start := m.ack // s from the opener
	if s.Src == m.from {
		start = m.seq + 1
	}
	if rel := int32(s.Seq - start); rel < 0 || rel > payloadAhead {
		return false
	}
	t.st.FromSynAck++
	pc := t.add(key, s)
	dr := 0 // the responder's direction
	if m.from != pc.ends[0] {
		dr = 1
	}
	r, o := &pc.r.half[dr], &pc.r.half[1-dr]
	r.started, r.next = true, m.seq+1
	o.started, o.next = true, m.ack
	pc.isnSt[dr].synOnly = true
	pc.isnSt[1-dr] = isnState{synOnly: true, acked: true}
	t.feed(pc, s)
	return true
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
	pc.isn(d, s)
	if s.Reorders {
		// The capture may reorder packets (skew.go): a data connection's
		// bytes an ACK proves sent are waited for too.
		t.pool.reorder = true
	}
	// The payload as captured: what a snap length cut from it is a gap
	// at this segment when it was delivered in order (segmentCut, as for
	// control connections), else the skip over the hole reports it.
	pc.r.segmentCut(d, s.Seq, s.Ack, s.Flags, s.Payload, s.PayloadLen, s.Num, s.TS, pc)
	h := &pc.r.half
	switch rst := s.Flags.Has(FlagRST) && pc.resetEnds(d, s); {
	case rst:
		pc.reset[d] = true
		t.end(pc, d, s.Seq, true)
		return
	case h[0].finSeen && h[1].finSeen && !pc.endWaits(s.TS):
		t.end(pc, d, s.Seq, false)
		return
	case pc.closing:
		s.PayloadWaits = true
	}
	if (pc.r.holding() || pc.closing) && !pc.holeListed {
		pc.holeListed = true
		t.holes = append(t.holes, pc)
	}
}

// endWaits tells whether pc, both of whose FINs were seen, stays in the
// table at now: bytes before a FIN are still missing, in a capture that
// may reorder packets, and ReorderWait has not passed since the second
// FIN. A TAP's two ports skewed by a millisecond hold the receiver's FIN,
// which acknowledges every byte, before the sender's last
// retransmissions: ended at that FIN, the file lost its last kilobytes
// (the bytes came after the end, and were counted AfterEnd). A capture
// of one interface shows the bytes a receiver took before its FIN.
func (pc *payloadConn) endWaits(now time.Time) bool {
	h := &pc.r.half
	if !pc.t.pool.reorder || (!h[0].finSeen || h[0].done) && (!h[1].finSeen || h[1].done) {
		return false
	}
	if !pc.closing {
		pc.closing, pc.closeAt = true, now
	}
	return now.Sub(pc.closeAt) <= ReorderWait
}

// end removes pc, ended by an RST of direction d at seq (rst), or by its
// FINs, and remembers where its streams stood (ended) from its last
// packet on.
func (t *payloadTable) end(pc *payloadConn, d int, seq uint32, rst bool) {
	h := &pc.r.half
	e := endedConn{at: pc.lastSeen.UnixNano()}
	if rst {
		e.flags |= endedRST | endedRSTFrom1*endedFlags(d)
	}
	if pc.ends[0] != pc.key.A {
		e.flags |= endedBFirst
	}
	t.remove(pc, false)
	for i := range h {
		if h[i].started {
			e.flags |= endedStarted0 << i
		}
		e.next[i] = h[i].next
	}
	if e.edge = e.next[d]; rst {
		if h[d].finSeen {
			e.edge++ // (the FIN takes a sequence number)
		}
		if int32(seq-e.edge) > 0 {
			e.edge = seq
		}
	}
	t.ended.put(pc.key, e)
}

// resume follows again a connection an RST ended, from where its streams
// stood (e), at s, which shows the RST's sender went on after it
// (endedConn.outlived). The bytes come on at their offsets, after those
// delivered before the RST; what the RST's receiver sent meanwhile was
// counted after the end (AfterEnd), and is a gap if the stream goes on
// past it. Copies of bytes delivered before the RST can no longer be
// compared.
func (t *payloadTable) resume(key ConnKey, e endedConn, s *Segment) {
	pc := t.add(key, s)
	t.st.Conns-- // (counted when first followed)
	t.st.ResetsOutlived++
	pc.ends = e.ends(key)
	for d := range pc.r.half {
		h := &pc.r.half[d]
		h.started, h.next = e.started(d), e.next[d]
		pc.isnSt[d].acked = true // (its start is settled)
	}
	t.feed(pc, s)
}

// resetEnds tells whether an RST from direction d ends the connection:
// at the next byte d's stream expects (after its FIN, the FIN's sequence
// number plus one) or at the other side's latest ACK of d's bytes, as the
// tracker's resetVerdict decides. Elsewhere in the window the receiver
// drops it (RFC 5961: a blind reset gets a challenge ACK), and the
// connection is followed on to its FINs, its idle end or Finish; the
// tracker drops the bytes of a connection it ended.
func (pc *payloadConn) resetEnds(d int, s *Segment) bool {
	h := &pc.r.half[d]
	if !h.started {
		return true
	}
	next := h.next
	if h.finSeen {
		next = h.finSeq + 1
	}
	return s.Seq == next || pc.ackSeen[1-d] && s.Seq == pc.ackHi[1-d]
}

// room tells whether the table can follow key, wanted at segment s.
// When full, it gives up the least recently seen connection if that one
// has been silent for payloadEvictQuiet; otherwise the newcomer is
// refused, counted once (remembered in lost).
func (t *payloadTable) room(key ConnKey, s *Segment) bool {
	if len(t.conns) < t.max {
		return true
	}
	if f := t.lru.front(); f != nil && s.TS.Sub(f.lastSeen) > payloadEvictQuiet {
		t.st.Evicted++
		t.lost.put(f.key, false, payloadLostKeys)
		t.remove(f, true)
		return true
	}
	if _, ok := t.lost.get(key); !ok {
		t.st.Refused++
		t.lost.put(key, true, payloadLostKeys)
	}
	return false
}

// add starts following a connection; the table has room (room).
// A connection refused before and followed now (from its SYN or
// SYN-ACK) is no longer counted refused.
func (t *payloadTable) add(key ConnKey, s *Segment) *payloadConn {
	if refused, ok := t.lost.get(key); ok {
		if refused {
			t.st.Refused--
		}
		t.lost.del(key)
	}
	t.ended.del(key) // a new incarnation (its SYN or SYN-ACK)
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
		if !h.finSeen && n > 0 && !pc.reset[d] && (n == 1 || !pc.reset[1-d] || pc.r.half[1-d].finSeen) {
			// The receiver's acknowledgement past the stream, at its end,
			// covers the sender's FIN, which the capture lacks: one
			// sequence number, no byte. The receiving side of a transfer
			// acknowledges the end of file, the sender's FIN (often on
			// the last segment, lost with it), and nothing after it; the
			// bytes before it are a gap. Read as a byte, it made a file
			// one byte longer than the one sent. Not when the sender
			// ended the connection with a reset (an abortive close sends
			// no FIN: what the acknowledgement covers is bytes, every
			// one), nor, beyond one, when the receiver gave up with one
			// before closing its side (it acknowledged bytes, not an end
			// of file).
			n--
		}
		if n > 0 {
			pc.gap(d, int(n), false, 0, pc.lastSeen)
			h.next += uint32(n) // (where the stream stands: endedConn)
		}
		if givenUp {
			t.h.DataGap(pc.ends[d], pc.ends[1-d], GapGivenUp)
		}
	}
	if pc.closing {
		if eh, ok := t.h.(PayloadEndHandler); ok {
			eh.DataEnd(pc.ends[0], pc.ends[1])
		}
	}
	pc.r.release()
	for d := range pc.recent {
		t.recentBytes -= cap(pc.recent[d].buf)
		pc.recent[d] = recentBytes{}
	}
	delete(t.conns, pc.key)
	t.lru.remove(pc)
}

// expire removes connections idle past payloadIdle, and gives up holes
// that waited past holeWait.
func (t *payloadTable) expire(now time.Time) {
	if t == nil {
		return
	}
	for n := t.lru.n; n > 0; n-- {
		h := t.lru.front()
		if h == nil || now.Sub(h.lastSeen) <= payloadIdle {
			break
		}
		if t.h.WantPayload(h.ends[0], h.ends[1]) {
			// The handler follows it still (the tracker: a transfer
			// stalled while its command waits for its final reply):
			// its bytes go on where they stood. Behind the others,
			// asked again when it comes to the front.
			t.lru.moveToBack(h)
			continue
		}
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
		if pc.closing && t.conns[pc.key] == pc && !pc.endWaits(now) {
			// Both FINs came, and the bytes missing before one came
			// since (or ReorderWait passed without them).
			t.end(pc, 0, pc.r.half[0].next, false)
		}
		if t.conns[pc.key] == pc && (pc.r.holding() || pc.closing) {
			kept = append(kept, pc)
		} else {
			pc.holeListed = false
		}
	}
	clear(t.holes[len(kept):])
	t.holes = kept
	t.ended.expire(now.UnixNano())
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
	pc.moved[d] += int64(len(b))
	pc.keepRecent(d, b)
	pc.t.h.DataBytes(pc.ends[d], pc.ends[1-d], b)
	if h := &pc.r.half[d]; h.finSeen && int32(h.next-h.finSeq) > 0 {
		// Bytes past the FIN: no byte follows a real one.
		pc.endsBefore(d, h.finSeq)
	}
}

func (pc *payloadConn) gap(d int, n int, _ bool, _ uint64, _ time.Time) {
	if n <= 0 {
		return
	}
	pc.t.st.Gaps++
	pc.t.st.GapBytes += uint64(n)
	pc.moved[d] += int64(n)
	pc.t.h.DataGap(pc.ends[d], pc.ends[1-d], int64(n))
}

func (pc *payloadConn) finished(int, uint64, time.Time) {}

// early: a gap is reported only when the bytes after it are delivered,
// never at an ACK, so a late segment can never land after its gap was
// already counted (the file's offsets would shift).
func (pc *payloadConn) early(int) bool { return false }

// gone: a payload connection leaves the table only after its segment was
// taken (feed), never while its reassembler delivers.
func (pc *payloadConn) gone() bool { return false }

// recentBytes is the last bytes delivered in one direction: while it
// grows (ring false), buf holds them oldest first; once it can grow no
// more (payloadRecent reached, or the budget spent), it is a ring of
// len(buf) bytes and w is where the next byte goes. end is the sequence
// number after the last one; n how many are valid (a gap empties it).
type recentBytes struct {
	buf  []byte
	end  uint32
	n    int
	w    int
	ring bool
}

// keepRecent appends b, just delivered (so it ends at next), to the
// recent bytes of direction d. Every direction keeps at least its last
// payloadRecentFloor bytes, whatever the budget: an immediate
// retransmission (a forged copy, then the real one a packet later) is
// always compared. Past the floor it grows up to payloadRecent while the
// table's total stays within payloadRecentTotal, and when it cannot, it
// keeps what it has as a ring (before, a connection that found the budget
// spent kept nothing at all).
func (pc *payloadConn) keepRecent(d int, b []byte) {
	rb, t := &pc.recent[d], pc.t
	end := pc.r.half[d].next
	if rb.n > 0 && rb.end != end-uint32(len(b)) {
		rb.n, rb.w = 0, 0 // not contiguous (a gap came between)
		if !rb.ring {
			rb.buf = rb.buf[:0]
		}
	}
	rb.end = end
	if len(b) > payloadRecent {
		b = b[len(b)-payloadRecent:]
	}
	if size := cap(rb.buf); size < payloadRecent && rb.n+len(b) > size {
		// Grow, keeping the valid bytes in order: to the floor always,
		// past it within the budget.
		want := min(max(2*size, rb.n+len(b), payloadRecentFloor), payloadRecent)
		if want > payloadRecentFloor && t.recentBytes+want-size > payloadRecentTotal {
			want = max(size, payloadRecentFloor)
		}
		if want > size {
			nb := make([]byte, rb.n, want)
			rb.copyTo(nb)
			t.recentBytes += want - size
			rb.buf, rb.ring, rb.w = nb, false, 0
		}
	}
	if !rb.ring {
		if len(rb.buf)+len(b) <= cap(rb.buf) {
			rb.buf = append(rb.buf, b...)
			rb.n += len(b)
			return
		}
		// Full: a ring from now on (n == len(buf) while it grew).
		rb.buf = rb.buf[:cap(rb.buf)]
		rb.ring, rb.w = true, rb.n%len(rb.buf)
	}
	if len(b) > len(rb.buf) {
		b = b[len(b)-len(rb.buf):]
	}
	rb.n = min(rb.n+len(b), len(rb.buf))
	for len(b) > 0 {
		k := copy(rb.buf[rb.w:], b)
		b = b[k:]
		rb.w = (rb.w + k) % len(rb.buf)
	}
}

// copyTo copies the valid bytes, oldest first, into dst (len rb.n).
func (rb *recentBytes) copyTo(dst []byte) {
	if !rb.ring {
		copy(dst, rb.buf[len(rb.buf)-rb.n:])
		return
	}
	i := rb.w - rb.n
	if i < 0 {
		i += len(rb.buf)
		k := copy(dst, rb.buf[i:])
		copy(dst[k:], rb.buf[:rb.w])
		return
	}
	copy(dst, rb.buf[i:rb.w])
}

// at returns the recent byte at seq, if it is still kept.
func (rb *recentBytes) at(seq uint32) (byte, bool) {
	back := int(rb.end - seq) // 1 for the last byte
	if back <= 0 || back > rb.n {
		return 0, false
	}
	if !rb.ring {
		return rb.buf[len(rb.buf)-back], true
	}
	i := rb.w - back
	if i < 0 {
		i += len(rb.buf)
	}
	return rb.buf[i], true
}

// again compares a later copy of delivered bytes with the ones kept.
func (pc *payloadConn) again(d int, seq uint32, p []byte, _ uint64, _ time.Time) {
	rb := &pc.recent[d]
	checked := false
	for i := range p {
		c, ok := rb.at(seq + uint32(i))
		if !ok {
			continue
		}
		checked = true
		if c != p[i] {
			pc.differs(d, seq+uint32(i))
			return
		}
	}
	back := int64(pc.r.half[d].next - seq)
	if !checked && back >= 1 && back <= pc.moved[d] {
		pc.t.st.Unchecked++
		// The file may hold a forged or stale copy of these bytes and
		// nothing tells: it says so (GapUncheckedBack). (A copy from
		// before the stream's start is no copy of its bytes.)
		pc.t.h.DataGap(pc.ends[d], pc.ends[1-d], gapUnchecked-back)
	}
}

// endsBefore reports, once per direction, that a FIN of direction d puts
// the stream's end at fin, behind bytes delivered already: the capture
// holds two versions of the end (the bytes, or the FIN, were not the
// sender's), and which one the receiver took is not known here.
func (pc *payloadConn) endsBefore(d int, fin uint32) {
	back := int64(pc.r.half[d].next - fin)
	if pc.endNoted[d] || back < 1 || back > pc.moved[d] {
		return // (said once; a FIN before the stream's start ends none of it)
	}
	pc.endNoted[d] = true
	pc.t.h.DataGap(pc.ends[d], pc.ends[1-d], gapEarlyEnd-back)
}

// differs reports, as a DataGap notice, that the capture held two
// versions of the bytes of direction d from seq on (delivered already).
func (pc *payloadConn) differs(d int, seq uint32) {
	pc.t.st.Conflicts++
	back := int64(pc.r.half[d].next - seq)
	pc.t.h.DataGap(pc.ends[d], pc.ends[1-d], gapConflict-back)
}

// isnState is what one direction's start is known by, before data flows.
type isnState struct {
	// synOnly: the stream's next byte is its SYN's sequence number + 1
	// and nothing (no byte, no FIN) came after that SYN.
	synOnly bool
	// acked: the peer acknowledged an ISN of it, which settles it.
	acked bool
	// others: where the stream would start by the ISNs that a later one
	// replaced (latest first, n of them), kept until an acknowledgement or
	// the first bytes settle which one the connection took.
	others [isnOthers]uint32
	n      uint8
}

// isnOthers bounds the replaced ISNs kept per direction.
const isnOthers = 4

// replace moves the stream's start from *next to to, keeping the one it
// leaves as a candidate.
func (st *isnState) replace(next *uint32, to uint32) {
	if *next == to {
		return
	}
	copy(st.others[1:], st.others[:isnOthers-1])
	st.others[0] = *next
	st.n = min(st.n+1, isnOthers)
	*next = to
}

// other tells whether seq is where the stream starts by a replaced ISN.
func (st *isnState) other(seq uint32) bool {
	for _, o := range st.others[:st.n] {
		if o == seq {
			return true
		}
	}
	return false
}

// isn handles what segment s of direction d says of the initial sequence
// numbers before data flows; called before the reassembler takes s.
//
//   - A SYN or SYN-ACK with another ISN, while nothing followed the first
//     one in its direction and the peer has not acknowledged one, replaces
//     it: a server that answers a SYN again with a new ISN (SYN cookies,
//     a listen queue that overflowed, a port reused) is taken at its
//     latest word until the opener's ACK settles which one it took. The
//     replaced ones are kept (isnState.others): an ACK of exactly one of
//     them + 1, or first bytes exactly where one puts the stream (no ACK
//     before them), names it the connection's.
//   - A SYN-ACK's acknowledgement is the opener's ISN + 1: it starts (or
//     corrects) the opener's stream even when the capture lacks the SYN.
//   - The opener's first acknowledgement settles the responder's ISN; one
//     behind it, or further ahead than bytes could be in flight unseen
//     (payloadAhead), names another ISN (the SYN-ACK that carried it is
//     not in the capture) and replaces it.
//
// Without this, the distance between two ISNs became a hole of millions
// of bytes at the file's start, or every byte was taken for a
// retransmission. Control streams are left as they are (this is payload
// reassembly's only).
func (pc *payloadConn) isn(d int, s *Segment) {
	h, o := &pc.r.half[d], &pc.r.half[1-d]
	st, ot := &pc.isnSt[d], &pc.isnSt[1-d]
	syn := s.Flags.Has(FlagSYN)
	if syn {
		switch dataSeq := s.Seq + 1; {
		case !h.started:
			st.synOnly = true // the reassembler starts it at dataSeq
		case st.synOnly && !st.acked && dataSeq != h.next && len(h.held) == 0:
			st.replace(&h.next, dataSeq)
		}
	}
	if s.Flags.Has(FlagACK) {
		switch {
		case syn:
			if !o.started {
				o.started, o.next = true, s.Ack
				ot.synOnly = true
			} else if ot.synOnly && !ot.acked && o.next != s.Ack && len(o.held) == 0 {
				ot.replace(&o.next, s.Ack)
			}
			ot.acked = true
		case ot.synOnly && !ot.acked && len(o.held) == 0:
			// An acknowledgement of exactly a replaced ISN + 1 names it:
			// the connection took the earlier SYN-ACK (a retransmitted
			// or duplicated answer with another ISN came after it).
			if ahead := int32(s.Ack - o.next); ot.other(s.Ack) || ahead < 0 || ahead > payloadAhead {
				o.next = s.Ack
			}
			ot.acked = true
		}
	}
	if !syn && s.PayloadLen > 0 && st.synOnly && !st.acked && s.Seq != h.next && len(h.held) == 0 && st.other(s.Seq) {
		// The first bytes, before any acknowledgement settled the ISN,
		// start exactly where a replaced one puts the stream: that one
		// was the connection's.
		h.next = s.Seq
	}
	if s.PayloadLen > 0 || s.Flags.Has(FlagFIN) {
		st.synOnly = false
	}
}
