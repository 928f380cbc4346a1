package decode

import (
	"bytes"
	"math"
	"math/bits"
	"net/netip"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/decode/tlshello"
)

// ConnKey identifies a TCP connection whichever way a segment travels: the
// lesser endpoint is A. It is comparable, so it keys maps directly.
type ConnKey struct{ A, B netip.AddrPort }

// MakeConnKey returns the key of the connection between x and y.
func MakeConnKey(x, y netip.AddrPort) ConnKey {
	if x.Compare(y) > 0 {
		x, y = y, x
	}
	return ConnKey{x, y}
}

// Control-connection expiry, in packet time.
const (
	// idleClose: an idle control connection is closed after this long,
	// which is long: a control connection is silent for a whole transfer.
	idleClose = time.Hour
	// idleSilent: a connection that never carried a byte (a SYN scan of
	// port 21, a handshake with no greeting) or was found not to be FTP
	// is forgotten after this.
	idleSilent = time.Minute
	// ResumeWait is how long after its idle close what a control
	// connection's session hands on is kept (track: the session linked,
	// Resumption.From) should its bytes pick it up again: as long as its
	// tombstone holds (idleResumeTTL), so that a client silent for hours
	// (closed as idle after one) continues its session, with its number
	// and login. A late packet without bytes renews the tombstone on the
	// idle clock: picked up later still, it is a continuation whose
	// session is no longer known (ControlEvent.Resumed all the same).
	ResumeWait = idleResumeTTL
	// MaxClockStep: a forward step of packet time longer than this between
	// two packets is the capture's clock being set (an NTP step, files of
	// different days read as one), not time the connections sat idle
	// (conntable.go: idleClock), nor time the tracker's waits count
	// (track: packetClock), so that the two agree on what idle is.
	MaxClockStep = 24 * time.Hour
)

// connPhase is where a control connection is in its life.
type connPhase uint8

const (
	phaseSilent  connPhase = iota // no payload yet
	phaseText                     // carries FTP text (or is being checked for it)
	phaseHeaders                  // TLS: followed from its headers alone
)

// controlConn is one control connection (or a candidate for one): the
// reassembler that orders its bytes and the parser that reads them. The
// control table owns it from its first segment to its close.
type controlConn struct {
	t              *controlTable
	key            ConnKey
	client, server netip.AddrPort
	phase          connPhase
	byContent      bool // found by its content on another port: its greeting, or its lines mid-stream
	midstream      bool // found by its lines mid-stream, not a greeting (midstream.go): held back until decided (probing)
	implicitTLS    bool // to an implicit-FTPS port: TLS from the first byte
	announced      bool // ControlOpen was emitted
	syn            [2]bool
	fin            [2]bool    // FIN reached (in order, or seen when headers only)
	holeListed     bool       // in t.holes
	candidate      bool       // counted in t.candidates
	paired         bool       // counted in t.pairs (it carried bytes)
	resumed        resumeKind // picked up again after an idle close (as TLS: resumeTLS); 0 if it began here
	// isnAltN: how many starts of the server's stream a SYN-ACK with
	// another ISN replaced before the stream settled (isnAlt, latest
	// first; otherISN).
	isnAltN uint8
	// crEnd: the latest bytes delivered in that direction ended with a
	// CR, the line end begun, so that a gap after them cuts no line's
	// text (sessionParser.gap). (In what was padding.)
	crEnd [2]bool
	// isn: each direction's SYN's sequence number, when syn; the server's
	// is the one its stream starts by (otherISN).
	isn     [2]uint32
	isnAlt  [isnAlts]uint32
	firstTS time.Time
	// lastSeen: its own latest segment (ControlClose.LastSeen), as the
	// time after firstTS: a time.Time would take the connection past its
	// allocation class (TestMemoryPerOpenSession in track).
	lastSeen time.Duration
	// otherSeen: the latest segment of the side that did not send the
	// connection's latest one (latestServer tells which did), in
	// milliseconds after firstTS (saturating): the earlier of the two
	// sides' latest segments, when both were seen (heardBoth).
	otherSeen uint32
	// latestServer: the latest segment was the server's.
	latestServer bool
	// ttl: the IP TTL (hop limit) of each direction's latest segment,
	// which an RST of that direction is compared with
	// (ControlEvent.ResetTTL).
	ttl [2]uint8
	// listed: which of the table's lists it is on (list); a byte, not a
	// pointer: what otherSeen, latestServer and ttl take.
	listed listID
	// activeAt is when, on the idle clock, the connection or (once it
	// carried bytes) another connection between its two hosts was last
	// seen: what expiry and eviction go by, and the order of its list.
	activeAt time.Duration

	asm    reassembler
	parser sessionParser

	links lruLinks[*controlConn] // in t.silent, t.live or t.refusedConns, oldest first
}

// listID names the list of the control table a connection is on
// (controlConn.listed).
type listID uint8

const (
	listNone listID = iota
	listSilent
	listLive
	listRefused
)

// list is the list cs is on, nil when none.
func (cs *controlConn) list() *connList {
	switch cs.listed {
	case listSilent:
		return &cs.t.silent
	case listLive:
		return &cs.t.live
	case listRefused:
		return &cs.t.refusedConns
	}
	return nil
}

func (cs *controlConn) dirIndex(src netip.AddrPort) int {
	if src == cs.client {
		return dirClient
	}
	return dirServer
}

// confirmed tells whether the connection is known to be FTP control. A
// mid-stream candidate's parser reads FTP before it is decided (probing):
// until then its segments are not taken from the data side.
func (cs *controlConn) confirmed() bool {
	return cs.parser.state == parseFTP && !cs.probing() || cs.parser.state == parseTLS
}

// controlTable owns every control connection and content-detection
// candidate, with a bound on how many it follows at once. Closed
// connections leave only a tombstone, so that their late packets start
// nothing.
type controlTable struct {
	d      *Decoder
	conns  *ConnIndex[*controlConn]
	silent connList // no payload yet, or not FTP: short expiry
	live   connList // carrying bytes: long expiry
	// refusedConns: connections whose SYN an RST refused, kept refusedWait
	// for the SYN's copies (connect.go): a list of their own, in the order
	// of their refusals, so that neither waits behind the other.
	refusedConns connList
	holes        []*controlConn
	clock        idleClock
	pairs        hostPairs // hosts of the connections in live: when data last moved between them
	tombs        tombstones
	// refused: connections not checked for FTP by content because the
	// candidates were at their bound, so that each is counted once
	// (Stats.CandidatesFull), however many of its segments ask.
	refused tombstones
	// resumedAt: for the connections picked up again after an idle
	// close that have not been announced yet, when that close was, so
	// that their ControlOpen says which close they continue.
	resumedAt map[*controlConn]time.Time
	probes    map[*controlConn]*midProbe // what undecided mid-stream candidates hold back (midstream.go); at most maxCand
	// contentResumable: till when (idle clock) a tombstone of a
	// connection found by its content and closed as idle may still be
	// picked up again by its bytes (keepResumable).
	contentResumable time.Time
	// openings: what the SYNs of connections that have not opened, and
	// their answers, showed (connect.go): only for a SYN sent again or
	// answered by an RST or ICMP error; at most one a connection. (Not a
	// field of controlConn: it would take the connection past its
	// allocation class.)
	openings map[*controlConn]*connectAttempt
	// earlyICMP: ICMP errors held for the SYN they quote (connect.go);
	// allocated with the first.
	earlyICMP *earlyICMPs
	pool      heldPool
	// helloFirst: connections whose client spoke first, with a TLS
	// ClientHello, and whose server has not answered yet (helloAnswered):
	// counted (Stats.ClientHelloOnControlPort) unless the server answers
	// in clear FTP. Few; not a field of controlConn, as openings.
	helloFirst map[*controlConn]struct{}
	// handshakes: the TLS handshakes of control connections being walked
	// until they complete (tlsctl.go): at most one a connection. Not a
	// field of controlConn, as openings.
	handshakes map[*controlConn]*tlsHandshake

	// holds: connections with an RST or a SYN held (hold.go), few.
	holds map[*controlConn]*connHold
	// tunnels: what the connections that came inside a tunnel saw of it
	// (encap.go), made when the first did. (Not a field of the
	// connection: it would take it past its allocation class.)
	tunnels map[*controlConn]*Tunnel
	// bad: segments with a wrong checksum kept aside (checksum.go),
	// badBytes their bytes; at most maxBadHeld, maxBadBytes.
	bad      []badSeg
	badBytes int
	// stepConn, stepPair: what the packet of a forward step held as a
	// possible clock outlier (packet.go observe) touched, stamped with
	// the clock before it; stamped again by stepConfirmed.
	stepConn    *controlConn
	stepPair    [2]netip.Addr
	stepPairSet bool
	// recent: the latest control bytes delivered, to tell a later copy
	// that differs (conflict.go); allocated with the first.
	recent *recentCtl
	// heardConn, heardFrom, heardAfter: the connection whose segment is
	// being handled, and its start and its other side's latest segment
	// as they stood before it (heardBoth), from which the commands the
	// segment completes get ControlEvent.Heard: the Add only for them,
	// not for every segment. heardAfter is -1 when a side was never heard.
	heardConn  *controlConn
	heardFrom  time.Time
	heardAfter int64
	// ignore: the segment find returned the connection for is its
	// connection's but ends or changes nothing (a SYN held): handleTCP
	// hands it to the Handler as the connection's, not to segment.
	ignore     bool
	ev         ControlEvent // the event being emitted: one at a time
	candidates int          // entries still being checked for FTP by content
	byContent  int          // entries not on a control port: candidates, confirmed and rejected
	maxConns   int
	maxCand    int
}

func newControlTable(d *Decoder) *controlTable {
	t := &controlTable{d: d, conns: NewConnIndex(func(cs *controlConn, k ConnKey) bool { return cs.key == k })}
	t.maxConns = d.opts.MaxControlConns
	if t.maxConns <= 0 {
		t.maxConns = DefaultMaxControlConns
	}
	t.maxCand = d.opts.MaxCandidates
	if t.maxCand <= 0 {
		t.maxCand = DefaultMaxCandidates
	}
	t.tombs.init(tombstoneSlots)
	t.tombs.bound(tombstonesPerConn*t.maxConns, &d.stats.TombstonesForgotten)
	t.refused.init(0) // allocated when a connection is first refused
	t.refused.bound(tombstonesPerConn*t.maxCand, nil)
	t.pairs.init()
	return t
}

// advance moves the idle clock to packet time ts.
func (t *controlTable) advance(ts time.Time) {
	if t.clock.advance(ts) {
		t.d.stats.ClockJumps++
	}
}

// lookup returns the control connection (or content-detection candidate)
// the segment belongs to, creating it when the segment starts one, or nil.
// A segment of any other connection between the two hosts of control
// connections that carried bytes keeps them from idling out (pairs).
func (t *controlTable) lookup(s *Segment) *controlConn {
	t.advance(s.TS)
	if len(t.bad) > 0 && t.d.last.Sub(t.bad[0].seg.TS) >= badWait {
		// (t.bad is in arrival order: its first is due first. The
		// decoder's clock: not an outlier's.)
		t.releaseBad(t.d.last, false)
	}
	cs := t.find(s)
	if cs == nil && t.d.maybeData(s) {
		t.pairs.seen(s.Src.Addr(), s.Dst.Addr(), t.stampNow())
		if t.d.jumpHeld {
			t.stepPair, t.stepPairSet = [2]netip.Addr{s.Src.Addr(), s.Dst.Addr()}, true
		}
	}
	return cs
}

// stampNow is the idle-clock time a segment stamps its connection with:
// while the segment's packet is a forward step held as a possible clock
// outlier (packet.go observe), the clock before it, so that an outlier
// leaves no connection looking active hours ahead (in the live list, it
// would keep every connection behind it from idling out); stepConfirmed
// stamps again once the step is confirmed.
func (t *controlTable) stampNow() time.Duration {
	if t.d.jumpHeld {
		return t.d.clockSaved.since()
	}
	return t.clock.since()
}

// stepConfirmed stamps what the packet of a held forward step touched
// (stampNow) with the step's time at, now that the next packet confirmed
// it.
func (t *controlTable) stepConfirmed(at time.Time) {
	if t.stepPairSet {
		t.pairs.seen(t.stepPair[0], t.stepPair[1], t.clock.since())
	}
	if cs := t.stepConn; cs != nil && cs.t != nil && t.conns.Get(cs.key) == cs && cs.listed != listNone {
		cs.lastSeen = at.Sub(cs.firstTS)
		cs.activeAt = t.clock.since()
		cs.list().moveToBack(cs)
	}
	t.stepDone()
}

// stepDone forgets what a held step's packet touched.
func (t *controlTable) stepDone() {
	t.stepConn, t.stepPairSet = nil, false
}

// maybeData tells whether a segment may be an FTP data connection's: an
// active one from a control port's L-1 (RFC 959 3.2: 20 for 21, 989 for
// implicit FTPS's 990), or one between two unprivileged ports (as
// --filter-ports keeps). An SSH or HTTP connection between the same two
// hosts does not keep a dead control connection from idling out.
func (d *Decoder) maybeData(s *Segment) bool {
	sp, dp := s.Src.Port(), s.Dst.Port()
	return sp >= 1024 && dp >= 1024 || d.isControlPort(sp+1) || d.isControlPort(dp+1)
}

func (t *controlTable) find(s *Segment) *controlConn {
	d := t.d
	byPort := d.isControlPort(s.Dst.Port()) || d.isControlPort(s.Src.Port())
	if !byPort && t.byContent == 0 && !t.mayResume() && !startsGreeting(s.Payload) {
		if _, ok := startsMidstream(s.Payload); !ok {
			return nil
		}
	}
	newConn := s.Flags.Has(FlagSYN) && !s.Flags.Has(FlagACK)
	var resume resumeKind
	var closedAt time.Time // when the connection resumed was closed as idle
	cs := t.conns.GetPair(s.Src, s.Dst)
	if cs != nil && len(t.holds) > 0 {
		if h := t.holds[cs]; h.holdsRST() && (newConn || t.holdDue(cs, h, s.TS)) {
			// Its RST held (hold.go), and a SYN follows, or nothing went
			// on in time: it was the end. What follows finds its
			// tombstone.
			t.holdOver(cs, h)
			cs = t.conns.GetPair(s.Src, s.Dst) // (gone: closeBy removed it; kept if picked up after its RST)
		}
	}
	// The key in its order: a connection's own; made only for a segment
	// of none.
	var key ConnKey
	if cs != nil {
		key = cs.key
	} else {
		key = MakeConnKey(s.Src, s.Dst)
	}
	if cs != nil {
		switch {
		case newConn && cs.reusedBy(s) && t.forged(cs, s):
			return cs // not its sender's: dropped (handleTCP)
		case newConn && cs.reusedBy(s) && cs.established():
			// A SYN with another ISN on a connection that carries bytes
			// and was not closed: a new connection only once a SYN-ACK
			// answers it (below). Till then the old one goes on: a
			// forged or stale SYN does not end it (RFC 5961 4: the
			// receiver answers it with a challenge ACK).
			t.d.stats.SynMidSession++
			t.hold(cs).syn, t.hold(cs).synSeq = true, s.Seq
			t.ignore = true
			return cs
		case newConn && cs.reusedBy(s):
			// The 4-tuple's next connection: the old one is over, even if
			// the capture missed its end.
			t.close(cs, CloseReused, s.Num, s.TS)
		case t.answersSyn(cs, s):
			// A SYN-ACK that answers the SYN held (above), or the client
			// going on from that SYN (the SYN-ACK out of the capture's
			// sight): the 4-tuple's next connection after all.
			isn := t.holds[cs].synSeq
			t.close(cs, CloseReused, s.Num, s.TS)
			t.tombs.drop(key)
			ncs := t.newByPort(key, s, 0, time.Time{})
			ncs.syn[dirClient], ncs.isn[dirClient] = true, isn
			ncs.parser.syn[dirClient] = true
			ncs.asm.half[dirClient].next, ncs.asm.half[dirClient].started = isn+1, true
			return ncs
		case cs.parser.state == parseRejected:
			if s.Flags&(FlagFIN|FlagRST) != 0 {
				t.remove(cs)
			}
			return nil
		default:
			return cs
		}
	} else if tomb := t.tombs.find(key, t.clock.now()); tomb != nil {
		switch {
		case !newConn && byPort && len(s.Payload) > 0 && tomb.goesOn(s):
			// Bytes of a control connection closed by its FINs or an
			// RST, going on in sequence where it stood: the close was
			// not the endpoints' (forged, injected on the path). Picked
			// up again, mid-stream from where it stood, as a session of
			// its own (track ties only an idle close to what continues
			// it).
			was := *tomb
			t.tombs.drop(key)
			t.notTaken(was.ended)
			cs := t.newByPort(key, s, 0, time.Time{})
			cs.continueFrom(&was)
			return cs
		case !newConn && byPort && len(s.Payload) > 0 && tomb.senderGoesOn(s):
			// Bytes of the side in whose name an RST with a TTL unlike
			// its own ended the connection, going on in sequence where
			// it stood: that endpoint never sent the RST, and its peer
			// may not have taken it either (both went on, the reset
			// quiet for longer than its hold). Picked up again as above,
			// the RST held anew from here: the other side's bytes going
			// on show it was not taken; else its peer took it, and the
			// sender's bytes are shown as a pick-up after the close
			// (giveUpResumed).
			was := *tomb
			t.tombs.drop(key)
			cs := t.newByPort(key, s, 0, time.Time{})
			cs.continueFrom(&was)
			d := cs.dirIndex(s.Src)
			h := t.hold(cs)
			h.rst, h.by, h.num, h.ts, h.at = rstPickUpWaits, d, s.Num, s.TS, t.stampNow()
			h.note.ttl = ResetTTLOther // (its TTL was unlike its sender's: ttlOdd)
			h.bad = was.ended&endBadSum != 0
			h.senderNext = cs.asm.half[d].next
			return cs
		case !newConn && tomb.resume&resumeKindMask != 0 && len(s.Payload) > 0 && (byPort || tomb.resume&resumeByContent != 0):
			// Bytes of a control connection closed as idle: it was alive
			// after all. It is picked up again, mid-stream, as if the
			// capture started here, not swallowed as a late packet. One
			// found by its content was FTP already: the same.
			resume = tomb.resume
			closedAt = tomb.closed
			t.d.stats.IdleResumed++
		case !newConn && tomb.evicted && len(s.Payload) > 0 && t.roomForEvicted():
			// Bytes of a session evicted while alive, the table with room
			// again: picked up again mid-stream, as a session of its own
			// (track ties only an idle close to what continues it), that
			// cuts no other session short.
			t.d.stats.EvictedPickedUp++
		case !newConn:
			// A late packet (the last ACK) of a closed connection, or a
			// data connection to a control port: keep it known as long as
			// it goes on. The bytes of a session evicted while alive, the
			// table still full of live sessions, are dropped (picked up,
			// each would evict another in turn), and counted, once a
			// session.
			if s.Flags.Has(FlagACK) && s.Flags&(FlagSYN|FlagRST) == 0 {
				tomb.acks(s.Src, s.Ack) // (the last FIN acknowledged: it was taken)
			}
			if len(s.Payload) > 0 && !tomb.lateDropped {
				switch {
				case tomb.evicted:
					tomb.lateDropped = true
					t.d.stats.EvictedLateDropped++
				case tomb.resume&resumeWasFTP != 0 && !tomb.sentAgain(s):
					// Bytes of an FTP control connection after its
					// close (a FIN, an RST) beyond what was read: a
					// close that was not the end. (Its last bytes sent
					// again, their ACK lost, cost nothing.)
					tomb.lateDropped = true
					t.d.stats.ClosedLateBytes++
				}
			}
			tomb.at = t.clock.now()
			if tomb.resume&resumeByContent != 0 {
				t.keepResumable(tomb.at)
			}
			return nil
		}
		t.tombs.drop(key)
	}
	switch {
	case byPort && newConn && d.expect != nil && d.expect.ExpectsData(s.Src, s.Dst):
		// A data connection to a control port: the rest of it must not be
		// picked up as a control connection either.
		t.tombs.add(key, t.clock.now())
		return nil
	case byPort && resume == 0 && d.refusesUnseenSYN(s):
		// The refusal of a SYN the capture lost, or holds after it
		// (connect.go).
		cs := t.newByPort(key, s, 0, time.Time{})
		cs.refusedUnseenSYN(s)
		return cs
	case byPort:
		return t.newByPort(key, s, resume&resumeKindMask, closedAt)
	case resume != 0:
		return t.newResumedByContent(key, s, resume, closedAt)
	case !d.opts.NoContentDetection && startsGreeting(s.Payload):
		if t.candidates >= t.maxCand {
			t.refuse(key)
			return nil
		}
		t.makeRoom()
		t.candidates++
		t.byContent++
		d.stats.Candidates++
		cs := t.add(key, s.Dst, s.Src, parseCandidate, s.TS)
		cs.byContent, cs.candidate = true, true
		return cs
	case !byPort && !newConn && resume == 0:
		// Lines of a session already under way (midstream.go).
		return t.midstreamCandidate(key, s)
	}
	return nil
}

// newByPort adds a connection on a control port that segment s starts.
func (t *controlTable) newByPort(key ConnKey, s *Segment, resume resumeKind, closedAt time.Time) *controlConn {
	server, client := s.Dst, s.Src
	if !t.d.isControlPort(s.Dst.Port()) {
		server, client = s.Src, s.Dst
	}
	t.makeRoom()
	cs := t.add(key, client, server, parseFTP, s.TS)
	cs.implicitTLS = t.d.isTLSPort(server.Port())
	if resume != 0 {
		t.resumed(cs, resume, closedAt)
	}
	return cs
}

// Flags of a tombstone's resume beside its resumeKind (resumeText,
// resumeTLS), which a connection picked up again keeps without them.
const (
	resumeKindMask resumeKind = 3
	// resumeByContent: closed as idle, it was found by its content on
	// another port; resumeServerA: its server was its key's A, which the
	// port cannot tell when its bytes pick it up again.
	resumeByContent resumeKind = 1 << 2
	resumeServerA   resumeKind = 1 << 3
	// resumeWasFTP: with no resumeKind, it was an FTP control connection
	// (closed by its FIN or an RST), so that bytes after its close are
	// counted (Stats.ClosedLateBytes), once.
	resumeWasFTP resumeKind = 1 << 4
)

// newResumedByContent adds a connection found by its content, closed as
// idle, that segment s picks up again (resume: its tombstone's): FTP
// already, it is not checked again.
func (t *controlTable) newResumedByContent(key ConnKey, s *Segment, resume resumeKind, closedAt time.Time) *controlConn {
	server, client := key.B, key.A
	if resume&resumeServerA != 0 {
		server, client = key.A, key.B
	}
	t.makeRoom()
	t.byContent++
	cs := t.add(key, client, server, parseFTP, s.TS)
	cs.byContent = true
	t.resumed(cs, resume&resumeKindMask, closedAt)
	return cs
}

// keepResumable notes that a tombstone of a connection found by its
// content, closed as idle, holds till its time at plus its TTL: till
// then, segments on other ports are looked up even when no such
// connection is open (find), so that its bytes find it.
func (t *controlTable) keepResumable(at time.Time) {
	if until := at.Add(idleResumeTTL); until.After(t.contentResumable) {
		t.contentResumable = until
	}
}

// mayResume tells whether a tombstone of a connection found by its
// content and closed as idle may still hold (keepResumable).
func (t *controlTable) mayResume() bool {
	return !t.contentResumable.IsZero() && !t.clock.now().After(t.contentResumable)
}

// refuse counts a connection not checked for FTP by content, the
// candidates at their bound, once: its key is kept (refused, on the idle
// clock like a tombstone, renewed by each segment refused) so that its
// next segments that look like FTP too are not counted again.
func (t *controlTable) refuse(key ConnKey) {
	now := t.clock.now()
	if tomb := t.refused.find(key, now); tomb != nil {
		tomb.at = now
		return
	}
	t.refused.add(key, now)
	t.d.stats.CandidatesFull++
}

// resumed marks a connection just added as the one closed as idle at
// closedAt that its bytes pick up again: its ControlOpen will say so
// (announce), and one that was TLS when it idled out is followed from its
// headers.
func (t *controlTable) resumed(cs *controlConn, how resumeKind, closedAt time.Time) {
	cs.resumed = how
	if how == resumeTLS && !cs.implicitTLS {
		// It was TLS when it idled out: what follows is ciphertext,
		// followed from its headers (segment) and never parsed.
		cs.parser.state = parseTLS
	}
	if t.resumedAt == nil {
		t.resumedAt = make(map[*controlConn]time.Time)
	}
	t.resumedAt[cs] = closedAt
}

// Resumption says which idle close a control connection picked up again
// continues (ControlEvent.Resumed).
type Resumption struct {
	// Key is the connection's: the one closed as idle, whose Client and
	// Server the ControlOpen names again.
	Key ConnKey
	// Closed is when decode closed it as idle: the TS of its ControlClose
	// (Closed CloseIdle).
	Closed time.Time
}

// Resumed tells whether a ControlOpen starts the stream of a control
// connection decode closed as idle before (a ControlClose with CloseIdle)
// and whose later bytes picked it up again mid-stream: the same
// connection, silent for the idle limit, not a new one. It says which
// close the stream continues (ControlEvent.ResumesIdleClose).
func (e *ControlEvent) Resumed() (Resumption, bool) {
	if e.Kind != ControlOpen || e.ResumesIdleClose.IsZero() {
		return Resumption{}, false
	}
	return Resumption{Key: MakeConnKey(e.Client, e.Server), Closed: e.ResumesIdleClose}, true
}

// reusedBy tells whether a SYN opens a new connection on this 4-tuple
// rather than retransmitting the connection's own: its sequence number is
// not the first SYN's, or the connection already carried bytes without
// one (unless it is the connection's own SYN, late: lateSYN).
func (cs *controlConn) reusedBy(s *Segment) bool {
	d := cs.dirIndex(s.Src)
	return cs.syn[d] && s.Seq != cs.isn[d] || !cs.syn[d] && cs.phase != phaseSilent && !cs.lateSYN(d, s)
}

// lateSYN tells whether a SYN of direction d, which sent nothing yet, is
// the connection's own, come after the bytes that followed it in a
// capture that reorders packets (skew.go): the other direction's ACKs
// acknowledge it and no more than a stream's reach of bytes after it. (A
// TAP's two ports 10 ms apart put the SYN after the server's SYN-ACK,
// greeting and replies; taken for a new connection, it split the session
// in two, the server's side alone and the client's with every reply
// missing.)
func (cs *controlConn) lateSYN(d int, s *Segment) bool {
	h, o := &cs.asm.half[d], &cs.asm.half[1-d]
	if !cs.asm.pool.reorder || h.started && h.next != s.Seq+1 || !o.acked {
		// (Started, with nothing after the SYN yet: where a SYN-ACK
		// before it said it starts, reasm.go.)
		return false
	}
	off := int32(o.ack - (s.Seq + 1))
	return off >= 0 && off <= int32(cs.asm.pool.aheadBound())
}

// startsGreeting reports whether a payload starts like an FTP (or SMTP)
// greeting: "220 " or "220-".
func startsGreeting(p []byte) bool {
	return len(p) >= 4 && p[0] == '2' && p[1] == '2' && p[2] == '0' && (p[3] == ' ' || p[3] == '-')
}

func (t *controlTable) add(key ConnKey, client, server netip.AddrPort, st parseState, ts time.Time) *controlConn {
	cs := &controlConn{t: t, key: key, client: client, server: server, firstTS: ts, activeAt: t.stampNow()}
	cs.asm.pool = &t.pool
	cs.parser.init(client, server, st, t.d.opts.MaxLine, &t.d.stats, &t.ev, cs.emit)
	t.conns.Put(key, cs)
	t.enlist(cs, &t.silent)
	return cs
}

// roomForEvicted tells whether an evicted session's later bytes may be
// picked up again: only when the table has room. A connection that never
// carried a byte is usually a session in its handshake: given up for
// them, it would come back with its banner and evict a live one.
func (t *controlTable) roomForEvicted() bool {
	return t.conns.Len() < t.maxConns
}

// makeRoom evicts one connection when the table is full: the one silent
// longest, else the one idle longest, whose session ends "evicted". One
// whose hosts moved data since it was last placed is placed again first:
// it is not idle.
func (t *controlTable) makeRoom() {
	if t.conns.Len() < t.maxConns {
		return
	}
	t.d.stats.ControlConnsFull++
	if cs := t.refusedConns.front(); cs != nil {
		// (Refused already: closed as it would be in refusedWait.)
		t.close(cs, CloseIdle, t.d.num, t.d.last)
		return
	}
	if cs := t.silent.front(); cs != nil {
		t.d.stats.SilentEvicted++
		t.close(cs, CloseEvicted, t.d.num, t.d.last)
		return
	}
	for cs := t.live.front(); cs != nil; cs = t.live.front() {
		if t.busyHosts(cs) {
			continue
		}
		t.d.stats.ControlEvicted++
		t.close(cs, CloseEvicted, t.d.num, t.d.last)
		return
	}
}

// busyHosts tells whether another connection between cs's two hosts was
// seen after cs was last active; if so cs takes that time and its place
// in the live list by it. Each call that says yes moves cs's time
// forward, to a time the pair reached after cs's last placing, so walks
// that call it at their front end.
func (t *controlTable) busyHosts(cs *controlConn) bool {
	if !cs.paired || cs.list() != &t.live {
		return false
	}
	at, ok := t.pairs.lastSeen(cs.client.Addr(), cs.server.Addr())
	if !ok || at <= cs.activeAt {
		return false
	}
	cs.activeAt = at
	t.live.moveBehind(cs, func(o *controlConn) bool { return o.activeAt <= at })
	return true
}

// segment handles one segment of a control connection. The commands
// it completes carry when both sides were last heard before it
// (ControlEvent.Heard).
func (t *controlTable) segment(cs *controlConn, s *Segment) {
	t.heardConn, t.heardFrom, t.heardAfter = cs, cs.firstTS, -1
	if cs.heardBoth() {
		t.heardAfter = int64(cs.otherSeen)
	}
	t.segmentIn(cs, s)
	t.heardConn = nil
}

// heardBoth tells whether both sides of cs were heard; then the earlier
// of their latest segments came otherSeen after firstTS.
func (cs *controlConn) heardBoth() bool {
	return cs.asm.half[dirClient].ttls != 0 && cs.asm.half[dirServer].ttls != 0
}

// heard is when both sides of the connection whose segment is being
// handled had last been heard before it; zero when a side was never heard.
func (t *controlTable) heard() time.Time {
	if t.heardAfter < 0 {
		return time.Time{}
	}
	return t.heardFrom.Add(time.Duration(t.heardAfter) * time.Millisecond)
}

// sawSide notes that the connection's latest segment, lastSeen, is
// from the server when server: the side that sent the one before it, if
// the other, was last heard then.
func (cs *controlConn) sawSide(server bool, lastSeen time.Duration) {
	if server != cs.latestServer {
		cs.otherSeen = uint32(min(max(cs.lastSeen, 0)/time.Millisecond, math.MaxUint32))
		cs.latestServer = server
	}
	cs.lastSeen = lastSeen
}

func (t *controlTable) segmentIn(cs *controlConn, s *Segment) {
	d := cs.dirIndex(s.Src)
	if !cs.otherISN(d, s) {
		t.d.stats.SynAcksDropped++
		return // a SYN-ACK of another incarnation, or forged
	}
	// The window the segment advertises bounds what its receiver could
	// take of the other direction (tcpwindow.go); read before the
	// segment's bytes are placed, as its ACK is, and only from a segment
	// of the connection's own incarnation (a dropped SYN-ACK's scale
	// option would loosen the bound).
	cs.asm.advertised(d, s)
	cs.asm.half[d].ttls = withLinkDir(cs.asm.half[d].ttls|ttlClass(s.TTL), s.LinkDir)
	rstTTL := ResetTTLUnknown
	if s.Flags.Has(FlagRST) {
		// Compared with its side's latest segment, which it does not
		// replace: a forged RST not taken leaves the side's TTL as it was.
		// A side heard only in RSTs has no TTL to compare with (0: no
		// host sends one, RFC 1122 3.2.1.7): their TTLs, this one's too,
		// are evidence of nothing, not of another box.
		if cs.ttl[d] != 0 {
			rstTTL = ResetTTLSame
			if s.TTL != cs.ttl[d] {
				rstTTL = ResetTTLOther
			}
		}
	} else {
		cs.ttl[d] = s.TTL
	}
	if d == dirServer && s.PayloadLen > 0 && !s.Flags.Has(FlagACK) {
		// Server bytes without an ACK (no TCP past the handshake sends
		// them): what the server had received is not known from here,
		// so a refusal after client bytes the capture lacks stays hidden.
		cs.parser.serverOwed |= owedNoACK | owedEver
	}
	ts := s.TS
	if t.d.jumpHeld {
		// A possible clock outlier: stamped with the decoder's clock
		// (stampNow), again by stepConfirmed if the step holds.
		ts = t.d.last
		t.stepConn = cs
	}
	cs.sawSide(d == dirServer, PacketSub(ts, cs.firstTS))
	cs.activeAt = t.stampNow()
	if cs.notOpened() && cs.noteOpening(d, s) {
		return // (placed in its list by noteOpening)
	}
	if cs.phase == phaseSilent && len(s.Payload) > 0 {
		cs.phase = phaseText
		if !cs.implicitTLS && d == dirClient && !cs.byContent && !cs.midstream && startsClientHello(s.Payload) {
			// The client spoke first, with a TLS ClientHello: implicit
			// FTPS on a port not named as such, or TLS of another
			// protocol on a port given as a control port. Read as text
			// (its ciphertext lines are not FTP); counted once the
			// server's answer is not clear FTP (helloAnswered), so the
			// notes can name --implicit-tls-port.
			if t.helloFirst == nil {
				t.helloFirst = make(map[*controlConn]struct{})
			}
			t.helloFirst[cs] = struct{}{}
		}
		if cs.implicitTLS && !startsTLSRecord(s.Payload) && looksLikeLineStart(s.Payload, d == dirClient) {
			// An implicit-FTPS port, yet its first bytes are FTP text (a
			// "220 FTP ready", a "USER bob"), not a TLS record: a plain
			// FTP server on port 990. Read as such, its login is in clear.
			// Anything else (a record, or bytes in the middle of one, the
			// capture begun mid-stream) is TLS, as the port says.
			cs.implicitTLS = false
		}
		if cs.implicitTLS || cs.resumed == resumeTLS {
			cs.phase = phaseHeaders
			cs.parser.tlsReset()
			if cs.implicitTLS && cs.resumed == 0 && cs.syn[dirClient] {
				t.watchHandshake(cs) // (tlsctl.go)
			}
			// The server spoke TLS first (an alert, on the client's FIN
			// or a timeout), acknowledging no client byte of a
			// connection whose start was seen (at most the client's
			// FIN; no ClientHello is one byte): the client sent no
			// ClientHello, it waited for a 220 (an explicit-FTPS or
			// plain client on an implicit port). Nothing was encrypted.
			noHello := cs.implicitTLS && d == dirServer && cs.syn[dirClient] && s.Flags.Has(FlagACK) &&
				s.Ack-(cs.isn[dirClient]+1) <= 1 && startsTLSRecord(s.Payload)
			cs.announceAs(s.Num, s.TS, noHello)
		} else if cs.resumed == 0 && !cs.byContent && !cs.syn[dirClient] && !cs.syn[dirServer] {
			// Picked up mid-stream at the capture's start: the session is
			// there from its first bytes, before a whole line (the first
			// may have begun before the capture), so that a data
			// connection whose announcement came before the capture can be
			// tied to it. One picked up again after an idle close waits
			// for its first event, as a new connection does: an
			// announcement an hour old is no longer waited on.
			if startsTLSRecord(s.Payload) || looksLikeCiphertext(s.Payload) {
				// Inside TLS already (FTPS after an AUTH before the
				// capture): ciphertext, followed from its headers, and
				// its data connections inferred as for any encrypted
				// session. The first bytes may be a record's, or the
				// middle of one.
				cs.parser.state = parseTLS
				cs.phase = phaseHeaders
				cs.parser.tlsReset()
			}
			cs.announce(s.Num, s.TS)
		}
		t.enlist(cs, &t.live)
		if !cs.paired {
			cs.paired = true
			t.pairs.add(cs.client.Addr(), cs.server.Addr())
		}
	} else {
		cs.list().moveToBack(cs)
	}
	if len(t.helloFirst) > 0 && d == dirServer && len(s.Payload) > 0 {
		t.helloAnswered(cs, s.Payload)
	}
	if cs.phase == phaseHeaders {
		// (Its length on the wire: a record the snap length cut still
		// moves the stream to where the next segment starts.)
		before, started := cs.asm.half[d].next, cs.asm.half[d].started
		at := cs.asm.follow(d, s.Seq, max(s.PayloadLen, len(s.Payload)), s.Flags, s.Ack)
		if at && len(s.Payload) > 0 && looksLikeCleartext(s.Payload, d == dirClient) {
			t.cleartextAgain(cs, s)
		} else {
			if at {
				cs.parser.tlsSent(d, max(s.PayloadLen, len(s.Payload)))
			}
			if w := t.handshakes[cs]; w != nil {
				t.handshakeSegment(cs, w, d, s, before, started) // (tlsctl.go)
			}
			t.headersOnly(cs, d, s, at)
			return
		}
	}
	if len(s.Payload) > 0 && cs.probing() {
		cs.probeBytes(len(s.Payload)) // past its bound it is rejected, as below
	}
	if len(t.holds) > 0 {
		t.afterResetSegment(cs, d, s)
		t.goesOn(cs, d, s)
	}
	if s.Flags.Has(FlagRST) {
		t.rstBehind(cs, d, s) // (unconfirmed.go)
	}
	rst := s.Flags.Has(FlagRST) && cs.asm.inWindow(d, s.Seq)
	if s.Flags.Has(FlagRST) && !rst {
		t.d.stats.RSTOutOfWindow++
	}
	var rstSaid rstNote // what an RST in the window showed of its sender, for its ControlClose
	if rst {
		// (Acked before the RST's own ACK is taken.)
		rstSaid = rstNote{ttl: rstTTL, acked: cs.ackedAll(d), noACK: !s.Flags.Has(FlagACK)}
	}
	if h := &cs.asm.half[d]; s.Flags.Has(FlagURG) && (!h.started || int32(s.Seq+uint32(len(s.Payload))-h.next) > 0) {
		// Urgent data marks the line it brings; a copy of a segment the
		// stream has passed (a retransmission, a mirror port's second
		// copy) brings none, and must not mark the next command.
		switch {
		case urgentEndsLine(s) && h.started && s.Seq == h.next:
			// In order: its one line is the next the parser reads.
			cs.parser.urgent[d] = urgentLineEnd
		case cs.parser.urgent[d] == urgentNone:
			cs.parser.urgent[d] = urgentSeen
		}
	}
	if sa := &cs.asm.half[dirServer]; d == dirServer && s.Flags.Has(FlagACK) && sa.acked && !cs.asm.half[dirClient].started && int32(s.Ack-sa.ack) >= 2 {
		// Picked up mid-stream, the client's stream not begun: the
		// server acknowledges client bytes the capture has not shown (a
		// USER and PASS lost; a FIN would move it by one only).
		cs.parser.clientHeadUnseen()
	}
	// A payload the snap length cut is a gap at this segment, after the
	// bytes captured (segmentCut): the line it cut ends here.
	cs.asm.segmentCut(d, s.Seq, s.Ack, s.Flags, s.Payload, s.PayloadLen, s.Num, s.TS, cs)
	if cs.t == nil {
		return // closed (removed) while its bytes were read (both FINs)
	}
	if s.Flags.Has(FlagACK) {
		// (A SACK starts the stall watch here: ackNews.)
		t.ackNews(cs, d, s)
	}
	if cs.asm.stall != nil {
		t.stallNews(cs, s)
	}
	if cs.candidate && cs.parser.state != parseCandidate && !cs.probing() {
		cs.candidate = false // confirmed or rejected
		t.candidates--
	}
	switch {
	case rst && t.holdRST(cs, d, s, rstSaid):
		// Held: the connection's bytes going on in sequence would show
		// no endpoint took it (hold.go).
	case rst && t.d.sum.verdict == sumWrong && cs.asm.half[d].sumOK:
		// Its checksum wrong among its sender's right ones, and no hold
		// to judge it by (checksum.go): dropped.
		t.d.stats.ControlBadChecksum++
	case rst:
		// An RST outside the window is dropped by the receiver (RFC 5961)
		// and ends nothing.
		t.closeBy(cs, CloseRST, d, s.Num, s.TS, rstSaid)
		return
	case cs.parser.state == parseTLS:
		// TLS from here: follow it from headers; what it holds is
		// ciphertext.
		cs.phase = phaseHeaders
		cs.asm.release()
		cs.parser.tlsReset()
		t.watchHandshake(cs) // (tlsctl.go)
	case cs.parser.state == parseRejected && s.Flags&(FlagFIN|FlagRST) != 0:
		t.remove(cs)
		return
	case cs.parser.state == parseRejected && cs.list() != &t.silent:
		// Not FTP: its packets are ignored from here, and it is forgotten
		// after the short wait, not the hour a control connection gets.
		t.enlist(cs, &t.silent)
	}
	if cs.asm.holding() && !cs.holeListed {
		cs.holeListed = true
		t.holes = append(t.holes, cs)
	}
}

// ackedAll tells whether direction d had acknowledged every byte of the
// other direction's stream as far as it was followed.
func (cs *controlConn) ackedAll(d int) bool {
	h, o := &cs.asm.half[d], &cs.asm.half[1-d]
	return h.acked && o.started && int32(h.ack-o.next) >= 0
}

// isnAlts bounds the replaced starts a control connection keeps
// (controlConn.isnAlt).
const isnAlts = 4

// otherISN handles what segment s of direction d says of where a stream
// starts, before the reassembler takes it, and records the SYNs. It
// tells whether s is the connection's at all.
//
// The reassembler starts a direction at its first SYN. But a server may
// answer one SYN twice with different ISNs (a SYN cookie, then a real
// one; a half-open connection restarted; a middlebox answering first),
// and the client goes on with either. So, while nothing followed the
// server's SYN-ACK (no byte, no FIN) and the client acknowledged none, a
// SYN-ACK with another ISN starts the server's stream again at its own,
// and the start it replaces is kept (isnAlt). Then:
//   - the client's first acknowledgement names the start it took:
//     exactly a replaced one; or, from a segment at the client's
//     position, one behind the start, or more than maxAhead beyond it
//     (the SYN-ACK it took is not in the capture: no stretch of a control
//     stream lost before the client's first ACK is that long);
//   - the server's first bytes exactly at a replaced start, before any
//     acknowledgement, name it.
//
// Once the client acknowledged, or bytes or a FIN came, the start is
// settled (isnOpen): a SYN-ACK with another ISN after that is another
// incarnation's or forged, and is dropped whole, its ACK as well (a
// forged one acknowledging far ahead reported the client's next bytes
// lost). So is a SYN-ACK that acknowledges no SYN of the client's the
// capture holds (one that answers an earlier SYN the client sent again
// with a new ISN, which began this connection: reusedBy). Without this
// the reassembler kept the first SYN-ACK's start: the distance to the
// one the client took became a gap of millions of bytes, or, behind it,
// every reply was taken for a retransmission and dropped. (Payload
// reassembly does the same for data connections: payloadConn.isn.)
//
// Only the server's stream moves: the client's SYN with another ISN is a
// new connection (reusedBy).
func (cs *controlConn) otherISN(d int, s *Segment) bool {
	if s.Flags.Has(FlagSYN) {
		if d == dirServer && cs.syn[dirClient] && s.Flags.Has(FlagACK) &&
			(int32(s.Ack-cs.isn[dirClient]-1) < 0 || int32(s.Ack-cs.asm.synEnd(dirClient)) > 0) {
			// It acknowledges no SYN of the client's the capture holds
			// (or more than a SYN carried: TCP Fast Open; the SYN's
			// payload waits held for this acknowledgement, synEnd).
			return false
		}
		switch {
		case !cs.syn[d]:
			cs.syn[d], cs.isn[d] = true, s.Seq
			cs.parser.syn[d] = true
			return true
		case d != dirServer || s.Seq == cs.isn[d]:
			return true // a retransmission
		case !cs.isnOpen():
			return false
		}
		copy(cs.isnAlt[1:], cs.isnAlt[:isnAlts-1])
		cs.isnAlt[0] = cs.asm.half[d].next
		cs.isnAltN = min(cs.isnAltN+1, isnAlts)
		cs.startAt(s.Seq + 1)
		return true
	}
	switch {
	case d == dirClient && s.Flags&(FlagACK|FlagRST) == FlagACK && cs.isnOpen():
		h := &cs.asm.half[d]
		switch ahead := int32(s.Ack - cs.asm.half[dirServer].next); {
		case ahead == 0:
		case cs.isAlt(s.Ack):
			cs.startAt(s.Ack)
		case (ahead < 0 || ahead > maxAhead) && (!h.started || s.Seq == h.next):
			// The SYN-ACK the client took is not in the capture. Only an
			// ACK at the client's own next byte says so: a blind or stale
			// one (any sequence number behind it would do otherwise)
			// would make every reply vanish behind a false start.
			cs.startAt(s.Ack)
		}
	case d == dirServer && len(s.Payload) > 0 && cs.isnAltN > 0 && s.Seq != cs.asm.half[d].next && cs.isAlt(s.Seq) && cs.isnOpen():
		cs.startAt(s.Seq)
	}
	return true
}

// isnOpen tells whether the server's start may still move (otherISN): it
// began at its SYN-ACK, nothing came after that, and the client
// acknowledged none of it.
func (cs *controlConn) isnOpen() bool {
	h := &cs.asm.half[dirServer]
	// (acked first: once the client acknowledged the server's bytes it
	// stays so, and the rest is not looked at on every later ACK.)
	return !cs.asm.half[dirClient].acked && cs.syn[dirServer] && h.started && h.next == cs.isn[dirServer]+1 &&
		len(h.held) == 0 && !h.finSeen
}

// isAlt tells whether seq is where a replaced SYN-ACK starts the server's
// stream.
func (cs *controlConn) isAlt(seq uint32) bool {
	for _, a := range cs.isnAlt[:cs.isnAltN] {
		if a == seq {
			return true
		}
	}
	return false
}

// stallNews reports, after segment s, bytes of either direction of cs
// sent again and again unacknowledged, or acknowledged at last (stall.go).
// It tells whether it reported a stall.
func (t *controlTable) stallNews(cs *controlConn, s *Segment) (reported bool) {
	for d := range 2 {
		stalled, cleared, since, resent, size := cs.asm.stallNews(d)
		if !stalled && !cleared {
			continue
		}
		if stalled {
			t.d.stats.ControlStalls++
			reported = true
		}
		p := &cs.parser
		p.num, p.ts = s.Num, s.TS
		e := p.event(ControlStalled)
		e.FromClient = d == dirClient
		e.StallCleared = cleared
		e.StallSince = since
		e.StallResent = resent
		e.StallSize = size
		p.emit(e)
	}
	return reported
}

// startAt starts the server's stream at next, as its SYN-ACK at next-1
// does: the ISN ControlOpen reports is the one the connection took.
func (cs *controlConn) startAt(next uint32) {
	cs.asm.half[dirServer].next = next
	cs.isn[dirServer] = next - 1
}

// cleartextAgain turns a connection followed from its headers (TLS) back
// to FTP text: a client sent CCC, or TLS was closed by its alerts and
// plain FTP follows. Reassembly starts again from this segment, as a
// mid-stream pickup.
func (t *controlTable) cleartextAgain(cs *controlConn, s *Segment) {
	sent := cs.parser.tlsCounts()
	cs.phase = phaseText
	// (A FIN reached in TLS stays: that side sent its last byte, and an
	// RST after it is no RST to hold, hold.go.)
	cs.crEnd = [2]bool{}
	delete(t.handshakes, cs)                                   // (TLS left: the text says what came of it)
	cs.asm.release()                                           // (nothing held while followed from headers)
	ttls := [2]uint8{cs.asm.half[0].ttls, cs.asm.half[1].ttls} // (the connection's, not the stream's: kept)
	cs.asm = reassembler{pool: &t.pool}
	cs.asm.half[0].ttls, cs.asm.half[1].ttls = ttls[0], ttls[1]
	p := &cs.parser
	p.state = parseFTP
	p.started, p.syn, p.resync = [2]bool{}, [2]bool{}, [2]bool{}
	p.auth, p.passNext, p.gapHeldEnd = authNone, false, false
	// (The lines sent in TLS are not known, nor their replies: no
	// greeting comes, and a login there, a USER or REIN, is not proved.)
	p.owed, p.owedHi, p.proven = 0, 0, provedGreeting
	p.gapBudget = 0 // (its count of lines was owed's)
	p.serverOwed = p.serverOwed&^owedHeads | owedNoHead
	p.split[dirClient] = ftp.LineSplitter{MaxLine: p.lineBound()}
	p.split[dirServer] = ftp.LineSplitter{MaxLine: p.lineBound(), LoneCR: true}
	p.replies = ftp.ReplyReader{}
	p.num, p.ts = s.Num, s.TS
	p.tlsReset()
	t.d.stats.CleartextAgain++
	if cs.announced {
		e := p.event(ControlCleartext)
		e.TLSBytes = sent
		cs.deliver(e)
	}
}

// looksLikeCleartext tells whether a segment of a TLS connection is FTP
// text instead: a TLS record starts with a content type byte (20-23), an
// FTP line with a letter (a command) or a digit (a reply), and the segment
// is printable text ending a line. A server's reply ending in CRLF may
// hold bytes that are not: it echoes what it did not understand (after
// CCC, ProFTPD reads the client's TLS close_notify as a command and
// answers "500 \x17\x03\x03 not understood"). Ciphertext takes that shape
// about once in 10^11 segments (a code, its separator and CRLF).
func looksLikeCleartext(b []byte, fromClient bool) bool {
	if len(b) < 4 || b[len(b)-1] != '\n' || !looksLikeLineStart(b, fromClient) {
		return false
	}
	if !fromClient && len(b) >= 6 && b[len(b)-2] == '\r' && (b[3] == ' ' || b[3] == '-') {
		return true
	}
	for _, c := range b {
		if (c < 0x20 || c > 0x7e) && c != '\r' && c != '\n' && c != '\t' {
			return false
		}
	}
	return true
}

// looksLikeCiphertext tells whether the first bytes of a control
// connection picked up mid-stream are the middle of a TLS record rather
// than FTP text: enough of them (minCipherBytes) and, among them, control
// bytes (C0 but tab, CR, LF and ESC; DEL) and bytes that are no UTF-8 both at
// least one in sixteen, as random bytes are (about one in nine, and
// nearly every other byte of them starts no valid UTF-8 sequence), the
// control bytes of at least minCipherCtl distinct values (random bytes
// hit most of the 29: a stretch of 64 holds about 7 distinct ones). FTP
// text has none of them but a Telnet command's few bytes (IAC IP IAC DM
// before an ABOR), UTF-8 path names, and in a welcome banner ANSI colour
// sequences (ESC [ 1;34m: ESC is their only control byte) and CP437
// box-drawing bytes (glftpd's "230-" banners), which are no UTF-8: so ESC
// is not counted, and bytes that begin with a line start (a reply code
// from the server, a verb from the client) and end a line are text
// whatever they hold (either way: a line start is so rare in random
// bytes that the direction need not be told). Should a later segment be text after all, it turns
// the connection back (looksLikeCleartext).
func looksLikeCiphertext(b []byte) bool {
	if len(b) < minCipherBytes {
		return false
	}
	if b[len(b)-1] == '\n' && (looksLikeLineStart(b, false) || looksLikeLineStart(b, true)) {
		return false
	}
	var seen uint32 // the C0 values seen, one bit each (DEL as ESC's bit, never otherwise set)
	ctl, bad := 0, 0
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			switch {
			case c == '\t' || c == '\r' || c == '\n' || c == 0x1b:
			case c < 0x20:
				ctl++
				seen |= 1 << c
			case c == 0x7f:
				ctl++
				seen |= 1 << 0x1b
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			bad++
			n = 1
		}
		i += n
	}
	return ctl*16 >= len(b) && bad*16 >= len(b) && bits.OnesCount32(seen) >= minCipherCtl
}

// minCipherCtl: the distinct control byte values (looksLikeCiphertext)
// that tell ciphertext from text that uses one or two.
const minCipherCtl = 3

// minCipherBytes: fewer bytes tell too little of what they are.
const minCipherBytes = 64

// startsTLSRecord tells whether b begins with a TLS record header (RFC
// 8446 5.1, and SSL 3.0 to TLS 1.2 alike): a known content type
// (change_cipher_spec, alert, handshake, application_data), version 3.x,
// and a length a record can have. FTP text never begins so: its bytes are
// printable.
func startsTLSRecord(b []byte) bool {
	if len(b) < 5 || b[0] < 20 || b[0] > 23 || b[1] != 3 || b[2] > 4 {
		return false
	}
	n := int(b[3])<<8 | int(b[4])
	return n > 0 && n <= maxRecordBody
}

// startsClientHello tells whether b begins with a TLS ClientHello: a
// handshake record (startsTLSRecord) whose first message is a
// client_hello (RFC 8446 4.1.2; SSL 3.0 to TLS 1.3 alike), which
// tlshello reads without finding it malformed as far as b goes (a
// ClientHello with a post-quantum key share outgrows one segment).
func startsClientHello(b []byte) bool {
	const recHandshake, msgClientHello = 22, 1
	if !startsTLSRecord(b) || len(b) < 6 || b[0] != recHandshake || b[5] != msgClientHello {
		return false
	}
	var sc tlshello.Scanner
	return sc.Feed(b) == nil
}

// headersOnly follows a TLS connection from its headers: it ends on an
// RST or on FINs from both sides, each where the stream stands (at, from
// follow), or past bytes the capture lost and acknowledged exactly by the
// receiver. Nothing is reassembled.
func (t *controlTable) headersOnly(cs *controlConn, d int, s *Segment, at bool) {
	if o := &cs.asm.half[1-d]; at && s.Flags.Has(FlagACK) && o.finSeen && !cs.fin[1-d] && s.Ack == o.finSeq+1 {
		// The other direction's FIN, sent past bytes the capture lost
		// (below), acknowledged exactly: it was its end.
		o.next = s.Ack
		cs.fin[1-d] = true
	}
	switch {
	case s.Flags.Has(FlagFIN) && !s.Flags.Has(FlagRST) && !at:
		// Past bytes the capture lost, before an ACK showed they arrived
		// (follow): its place is kept, the earliest, and it counts once
		// the receiver acknowledges exactly it (above). Before, it was
		// ignored, and the session never closed by its FINs.
		h := &cs.asm.half[d]
		end := s.Seq + uint32(len(s.Payload))
		if int32(end-h.next) > 0 && int32(end-cs.asm.standsAt(d)) <= int32(cs.asm.pool.aheadBound()) && (!h.finSeen || int32(end-h.finSeq) < 0) {
			h.finSeen, h.finSeq = true, end
		}
	case s.Flags&(FlagRST|FlagFIN) != 0 && !at:
		if s.Flags.Has(FlagRST) {
			t.d.stats.RSTOutOfWindow++
		}
	case s.Flags.Has(FlagRST):
		t.closeBy(cs, CloseRST, d, s.Num, s.TS, rstNote{})
		return
	case s.Flags.Has(FlagFIN):
		cs.fin[d] = true
	}
	if cs.fin[d] && cs.fin[1-d] {
		t.closeBy(cs, CloseFIN, 1-d, s.Num, s.TS, rstNote{}) // the other side's FIN came first
	}
}

// bytes, gap, finished and early implement orderedSink for the
// connection's reassembler.
func (cs *controlConn) bytes(d int, b []byte, num uint64, ts time.Time) {
	if len(b) > 0 {
		cs.crEnd[d] = b[len(b)-1] == '\r'
		if cs.parser.state == parseFTP {
			t := cs.t
			if t.recent == nil {
				t.recent = new(recentCtl)
			}
			t.recent.keep(cs, d, cs.asm.half[d].next, b, num)
		}
	}
	// The client's bytes acknowledge server bytes not delivered yet
	// (a reply the capture holds after them, or lost): see
	// authClientTLS.
	owed := d == dirClient && cs.asm.half[dirClient].acked && int32(cs.asm.half[dirClient].ack-cs.asm.half[dirServer].next) > 0
	if sa := &cs.asm.half[dirServer]; d == dirClient && sa.acked && int32(cs.asm.half[dirClient].next-uint32(len(b))-sa.ack) >= 2 {
		// The client's first bytes of a connection picked up mid-stream
		// start past what the server acknowledged: the client sent bytes
		// before them the capture lacks (its first segments lost), a
		// line at least (its line end) (clientHeadUnseen: only then).
		cs.parser.clientHeadUnseen()
	}
	if d == dirServer {
		// The server's acknowledgement goes past the client's bytes
		// parsed, or is not known: it may have got bytes the capture
		// lacks (a 530 then may repeat a password: sessionParser.reply).
		sa, c := &cs.asm.half[dirServer], &cs.asm.half[dirClient]
		owed = !sa.acked || !c.started || int32(sa.ack-c.next) > 0
		if owed && sa.acked && c.started && c.finSeen && c.next == c.finSeq && sa.ack == c.finSeq+1 {
			// The acknowledgement of the client's FIN, every byte before
			// it parsed: no byte is owed ("QUIT" sent with its FIN).
			owed = false
		}
	}
	probing := cs.probing()
	if probing {
		if p := cs.t.probes[cs]; p != nil {
			p.parsed += uint64(len(b))
		}
	}
	cs.parser.bytesOwed(d, b, owed, probing, num, ts)
}

func (cs *controlConn) gap(d int, n int, cut bool, num uint64, ts time.Time) {
	cs.parser.gapAfter(d, n, cs.crEnd[d], cut, num, ts)
}

// early: an ACK that proves bytes lost is reported at once only once the
// session is under way; before that the skip over the hole reports it.
//
// Server bytes that an ACK proves lost while an AUTH awaits its reply are
// not reported at once: the client's ClientHello may acknowledge a 234 the
// capture holds after it (authClientTLS), which the report would call
// lost. Later bytes report them (skip), or the 234 fills the hole.
func (cs *controlConn) early(d int) bool {
	return cs.announced && cs.parser.state == parseFTP &&
		!(d == dirServer && (cs.parser.auth == authSent || cs.parser.auth == authClientTLS))
}

func (cs *controlConn) gone() bool { return cs.t == nil }

// midLine tells whether direction d's text delivered so far ends inside
// a line (reasm.go lineSink).
func (cs *controlConn) midLine(d int) bool { return cs.parser.split[d].Pending() > 0 }

func (cs *controlConn) finished(d int, num uint64, ts time.Time) {
	cs.parser.lineEnd(d, num, ts)
	cs.fin[d] = true
	if cs.fin[1-d] {
		cs.t.closeBy(cs, CloseFIN, 1-d, num, ts, rstNote{}) // the other side's FIN came first
	}
}

// emit is where the parser's events leave decode: the session is
// announced (ControlOpen) before its first event.
func (cs *controlConn) emit(e *ControlEvent) {
	if e.Kind == ControlCommand && cs.t.heardConn == cs {
		e.Heard = cs.t.heard()
	}
	if cs.probing() && !cs.probeEvent(e) {
		return // held back, or the candidate is not FTP
	}
	if len(cs.t.holds) > 0 && cs.t.waitResumed(cs, e) {
		return // picked up again, or an injected RST's sender's: not shown yet (hold.go)
	}
	if !cs.announced {
		ev := *e
		cs.announce(e.Num, e.TS)
		*e = ev
	}
	if e.PeerUnseen {
		// Any segment of the other side, a pure ACK too, puts that side
		// in the capture: a mid-stream capture before its client's next
		// command is no capture of the server's side only.
		other := dirClient
		if e.Kind == ControlCommand {
			other = dirServer
		}
		e.PeerUnseen = cs.asm.half[other].ttls == 0
	}
	cs.deliver(e)
}

// deliver hands one of the connection's events to the Handler, with what
// the TTLs of its segments so far tell (ControlEvent.Hops): every event
// of a control connection goes through here.
func (cs *controlConn) deliver(e *ControlEvent) {
	e.Hops = sideHops(cs.asm.half[dirClient].ttls) | sideHops(cs.asm.half[dirServer].ttls)<<2
	if len(cs.t.tunnels) > 0 && e.Kind != ControlClose {
		if t := cs.t.tunnels[cs]; t != nil && t.reshaped {
			// A copy, a few a connection: a finding raised while the
			// session is open (a brute force's fifth 530) can tell a
			// tunnel one sender made up from a fabric's.
			t.reshaped = false
			c := *t
			e.Tunnel = &c
			cs.t.d.h.Control(e)
			e.Tunnel = nil // (the event is the parser's, reused)
			return
		}
	}
	cs.t.d.h.Control(e)
}

// announce emits ControlOpen.
func (cs *controlConn) announce(num uint64, ts time.Time) { cs.announceAs(num, ts, false) }

// announceAs is announce, for a connection to an implicit-FTPS port whose
// client sent no ClientHello when noHello (ControlEvent.NoClientHello).
func (cs *controlConn) announceAs(num uint64, ts time.Time, noHello bool) {
	if cs.announced {
		return
	}
	if cs.t.holds[cs].pickUpWaits() {
		return // (announced once shown going on: showHeld)
	}
	cs.announced = true
	d := cs.t.d
	if cs.resumed == 0 {
		// One picked up again was counted when it opened (and in
		// IdleResumed).
		d.stats.ControlConns++
	}
	e := cs.parser.event(ControlOpen)
	e.Num = num
	e.TS = cs.firstTS // the session starts with its first segment
	// A connection found by its greeting starts with that greeting; one
	// found by its lines mid-stream does not.
	e.Midstream = cs.midstream || cs.resumed != 0 || !cs.byContent && !cs.syn[dirClient] && !cs.syn[dirServer]
	e.ByContent = cs.byContent
	e.ClientSYN, e.ClientISN = cs.syn[dirClient], cs.isn[dirClient]
	e.ServerSYN, e.ServerISN = cs.syn[dirServer], cs.isn[dirServer]
	// Implicit FTPS from its bytes, not its port alone: a connection
	// announced before any byte (refused, unanswered) carried no TLS,
	// nor one whose client sent no ClientHello (noHello).
	e.ImplicitTLS = cs.implicitTLS && cs.phase != phaseSilent && !noHello
	e.NoClientHello = noHello
	// Picked up again after an idle close while TLS: ciphertext too.
	e.Encrypts = e.ImplicitTLS || cs.resumed == resumeTLS || cs.phase == phaseHeaders && !noHello
	e.File = d.input
	if cs.resumed != 0 {
		e.ResumesIdleClose = cs.t.resumedAt[cs]
		delete(cs.t.resumedAt, cs)
	}
	cs.deliver(e)
}

// helloAnswered settles a connection whose client opened with a TLS
// ClientHello (helloFirst) at its server's first payload: a server that
// answers in clear FTP (its 220, whenever the ClientHello reached it: a
// scanner that speaks first) is a plain FTP server, and
// --implicit-tls-port would be wrong for it; any other answer (a TLS
// record) is counted.
func (t *controlTable) helloAnswered(cs *controlConn, payload []byte) {
	if _, ok := t.helloFirst[cs]; !ok {
		return
	}
	delete(t.helloFirst, cs)
	if !startsReplyCode(payload) {
		t.d.stats.ClientHelloOnControlPort++
	}
}

// close ends a connection: what it still buffers is delivered (unless
// it was reset), its close reported, and it leaves the table.
func (t *controlTable) close(cs *controlConn, why CloseReason, num uint64, ts time.Time) {
	t.closeBy(cs, why, -1, num, ts, rstNote{})
}

// closeBy is close by direction by's first FIN or its RST (-1: neither,
// or not known); rst: what an RST that ends it at once (not held) showed
// of its sender, for its ControlClose (a held one's is its hold's).
func (t *controlTable) closeBy(cs *controlConn, why CloseReason, by int, num uint64, ts time.Time, rst rstNote) {
	if t.conns.Get(cs.key) != cs {
		return
	}
	if h := t.holds[cs]; h.pickUpWaits() {
		t.giveUpResumed(cs, h) // (shown, and closed as any other below)
	} else if h.senderWaits() && !h.boxResetServer() {
		defer t.shownAfterClose(t.leftWaiting(cs, h), why, num, ts) // (hold_owed.go)
	}
	var ended closeEnd // what the tombstone keeps of a FIN or RST end (tombstone.goesOn)
	if h := t.holds[cs]; h.holdsRST() {
		// An RST held and never shown not taken: it was the end.
		why, by, num, ts, rst = CloseRST, h.by, h.num, h.ts, h.note
		// Its last segment is the RST: what came in the hold added
		// nothing (else it was not taken), and its end must not depend
		// on when the hold was seen over (LastSeen).
		cs.lastSeen = PacketSub(ts, cs.firstTS)
		ended = endRST
		from := cs.client
		if by == dirServer {
			from = cs.server
		}
		if from != cs.key.A {
			ended |= endRSTByB
		}
		if h.ttlOdd() {
			ended |= endTTLOdd
		}
		if h.bad {
			ended |= endBadSum
		}
	} else if why == CloseFIN {
		ended = endFIN
	}
	if cs.list() == &t.refusedConns {
		// Refused (connect.go): the server's RST ended it, whenever its
		// wait for the SYN's copies is over.
		why, by = CloseRST, dirServer
	}
	switch why {
	case CloseIdle, CloseCaptureEnd, CloseEvicted:
		cs.asm.flush(num, ts, cs)
	default:
		if cs.asm.skew() != nil {
			// Bytes that waited for the other direction's (skew.go) are
			// delivered before the end, as they were before there was a
			// wait.
			cs.asm.endWaits(num, ts, cs)
		}
	}
	if t.conns.Get(cs.key) != cs {
		return // ended by its FINs as its last bytes were delivered
	}
	afterReset := t.showAfterReset(cs)                            // (the server's events after a box's RST, before its close)
	tlsUnfinished, tlsAlert := t.handshakeUnfinished(cs, why, ts) // (tlsctl.go)
	failed := cs.connectFailure(why, ts)
	if failed != nil {
		// Never opened: its session is said now (connect.go).
		cs.announce(num, ts)
	}
	if cs.announced {
		cs.parser.end(num, ts, why == CloseCaptureEnd)
		e := cs.parser.event(ControlClose)
		e.Num, e.TS = num, ts
		e.Closed = why
		e.ClientClosed = by == dirClient
		e.ClientFIN = cs.fin[dirClient]
		e.ServerFIN = cs.fin[dirServer]
		e.ClientFINAcked = cs.clientFINAcked()
		e.LastSeen = cs.firstTS.Add(cs.lastSeen)
		e.Connect = failed
		e.ServerUnacked = cs.unacked(dirServer)
		if len(t.tunnels) > 0 {
			e.Tunnel = t.tunnels[cs] // (handed over: dropped from the table below)
		}
		e.AfterReset = afterReset
		if why == CloseRST {
			e.ResetTTL, e.ResetAcked, e.ResetNoACK = rst.ttl, rst.acked, rst.noACK
		}
		if cs.phase == phaseHeaders {
			// Followed as TLS to its end: what each side sent of it
			// (an implicit-FTPS handshake the server refused).
			e.TLSBytes = cs.parser.tlsCounts()
			e.TLSUnfinished, e.TLSClientAlert = tlsUnfinished, tlsAlert
		}
		cs.deliver(e)
	}
	if cs.phase != phaseSilent && why != CloseCaptureEnd {
		// (At the capture's end no packet follows: a tombstone would
		// only push out others, and count them forgotten.)
		tomb := t.tombs.add(cs.key, t.clock.now())
		// An evicted session was alive (idle for less than idleClose):
		// its next packets may come as late as that, and are its own,
		// not a session of their own that would evict another in turn.
		tomb.evicted = why == CloseEvicted
		if cs.confirmed() && cs.announced {
			tomb.resume = resumeWasFTP
			for d, at := range [2]netip.AddrPort{dirClient: cs.client, dirServer: cs.server} {
				if h := &cs.asm.half[d]; h.started {
					side := tomb.side(at)
					tomb.readKnown[side], tomb.readEnd[side] = true, h.next
				}
			}
			if cs.phase == phaseText && cs.parser.state == parseFTP {
				// FTP text to its end: its bytes going on in sequence
				// pick it up again (find).
				tomb.ended = ended
				if ended == endFIN && by >= 0 && cs.asm.half[by].acked {
					// The first FIN's sender acknowledged the last FIN
					// before it closed the connection (its latest ACK,
					// not the last FIN's own): that FIN was taken.
					tomb.acks([2]netip.AddrPort{dirClient: cs.client, dirServer: cs.server}[by], cs.asm.half[by].ack)
				}
			}
		}
		if why == CloseIdle && cs.confirmed() {
			// Idle is a guess: its next bytes, if any come, start it
			// again (lookup).
			tomb.resume = resumeText
			if cs.phase == phaseHeaders {
				tomb.resume = resumeTLS
			}
			closed := ts
			if at, ok := t.resumedAt[cs]; ok {
				// Picked up again but idle once more before its first
				// event: what was reported closed is the close before.
				closed = at
			}
			tomb.closed = closed
			if cs.byContent {
				tomb.resume |= resumeByContent
				if cs.server == cs.key.A {
					tomb.resume |= resumeServerA
				}
				t.keepResumable(tomb.at)
			}
		}
	}
	t.remove(cs)
}

// enlist puts a connection at the back of list l, off the one it was on.
func (t *controlTable) enlist(cs *controlConn, l *connList) {
	t.delist(cs)
	switch l {
	case &t.silent:
		cs.listed = listSilent
	case &t.live:
		cs.listed = listLive
	case &t.refusedConns:
		cs.listed = listRefused
	}
	l.pushBack(cs)
}

func (t *controlTable) delist(cs *controlConn) {
	if l := cs.list(); l != nil {
		l.remove(cs)
		cs.listed = listNone
	}
}

// remove takes a connection out of the table and frees its buffers.
func (t *controlTable) remove(cs *controlConn) {
	if t.conns.Get(cs.key) != cs {
		return
	}
	t.conns.Delete(cs.key)
	t.delist(cs)
	if cs.byContent {
		t.byContent--
	}
	if cs.candidate {
		t.candidates--
	}
	if cs.paired {
		cs.paired = false
		t.pairs.remove(cs.client.Addr(), cs.server.Addr())
	}
	if cs.resumed != 0 {
		delete(t.resumedAt, cs) // if it closed before its first event
	}
	if cs.midstream {
		delete(t.probes, cs) // if it closed undecided
	}
	if len(t.openings) > 0 {
		delete(t.openings, cs)
	}
	if _, ok := t.helloFirst[cs]; ok {
		// The server never answered the ClientHello in the capture (or
		// its answers were not captured): it may take implicit FTPS.
		delete(t.helloFirst, cs)
		t.d.stats.ClientHelloOnControlPort++
	}
	if t.holds != nil {
		delete(t.holds, cs)
	}
	if len(t.handshakes) > 0 {
		delete(t.handshakes, cs)
	}
	if len(t.tunnels) > 0 {
		delete(t.tunnels, cs)
	}
	if len(t.bad) > 0 {
		t.dropBad(cs)
	}
	if t.recent != nil {
		t.recent.forget(cs)
	}
	cs.asm.release()
	cs.parser.release()
	cs.parser.emitTo = nil
	cs.t = nil
}

// expire runs once per second of packet time: holes that waited too long
// are skipped, and idle connections closed. It touches only what is due:
// a connection due whose hosts moved data since is placed again by that
// time (busyHosts), which makes it not due, so each is looked at once.
func (t *controlTable) expire(now time.Time) {
	num := t.d.num
	if len(t.bad) > 0 {
		t.releaseBad(now, false)
	}
	t.advance(now)
	idleNow := t.clock.since()
	kept := t.holes[:0]
	for _, cs := range t.holes {
		if t.conns.Get(cs.key) != cs {
			continue
		}
		cs.asm.expire(now, num, cs)
		if t.conns.Get(cs.key) == cs && cs.asm.holding() {
			kept = append(kept, cs)
		} else {
			cs.holeListed = false
		}
	}
	clear(t.holes[len(kept):])
	t.holes = kept
	if len(t.holds) > 0 {
		t.expireHolds(now)
	}
	for cs := t.refusedConns.front(); cs != nil && idleNow-cs.activeAt > refusedWait; cs = t.refusedConns.front() {
		t.close(cs, CloseIdle, num, now)
	}
	for cs := t.silent.front(); cs != nil && idleNow-cs.activeAt > idleSilent; cs = t.silent.front() {
		t.close(cs, CloseIdle, num, now)
	}
	for cs := t.live.front(); cs != nil && idleNow-cs.activeAt > idleClose; cs = t.live.front() {
		if !t.busyHosts(cs) {
			t.close(cs, CloseIdle, num, now)
		}
	}
}

// closeAll delivers everything buffered and closes every connection, in
// the order they began.
func (t *controlTable) closeAll(num uint64, ts time.Time) {
	t.releaseBad(ts, true) // nothing contradicted them
	all := t.conns.All()
	slices.SortFunc(all, func(a, b *controlConn) int {
		if c := a.firstTS.Compare(b.firstTS); c != 0 {
			return c
		}
		if c := a.key.A.Compare(b.key.A); c != 0 {
			return c
		}
		return a.key.B.Compare(b.key.B)
	})
	for _, cs := range all {
		t.close(cs, CloseCaptureEnd, num, ts)
	}
}

// unacked is how many bytes direction d sent that the other direction had
// not acknowledged, as far as the stream was followed: 0 when it
// acknowledged them all (a FIN alone counts as none), -1 when not known.
// Bytes its sender never sent again are not known unacknowledged: its TCP
// resends what is not acknowledged (RFC 6298), so an acknowledgement the
// capture missed, or one not due yet when the capture ended, looks so.
func (cs *controlConn) unacked(d int) int {
	h, o := &cs.asm.half[d], &cs.asm.half[1-d]
	if !h.started || !o.acked {
		return -1
	}
	n := int(int32(h.next - o.ack))
	if h.done && n == 1 {
		n = 0 // only its FIN
	}
	if n > 0 && (cs.asm.stall == nil || cs.asm.stall[d].resent == 0) {
		return -1
	}
	return max(n, 0)
}

// urgentEndsLine tells whether the urgent byte of s, a segment with
// FlagURG, is the line feed that ends the one line it carries whole: the
// urgent pointer (the offset of the byte after the urgent byte, RFC 6093)
// at its last byte, a '\n', and no other line end in it. Python's ftplib
// and Ruby's net/ftp send their ABOR so (send "ABOR\r\n" with MSG_OOB).
func urgentEndsLine(s *Segment) bool {
	n := len(s.Payload)
	return n > 0 && n == s.PayloadLen && int(s.Urgent) == n && bytes.IndexByte(s.Payload, '\n') == n-1
}

// clientFINAcked tells whether the server acknowledged the client's FIN
// (ControlEvent.ClientFINAcked): an acknowledgment past the FIN's
// sequence number, taken at the stream's position.
func (cs *controlConn) clientFINAcked() bool {
	c, sv := &cs.asm.half[dirClient], &cs.asm.half[dirServer]
	return c.finSeen && sv.acked && int32(sv.ack-c.finSeq) > 0
}
