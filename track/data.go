package track

import (
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/decode/tlshello"
)

// maxPerPort bounds the announcements waiting on one port number.
const maxPerPort = 64

// arm makes an accepted announcement an expectation, at the moment of the
// accepting reply: clients often connect before they send the transfer
// command.
func (t *Tracker) arm(sess *Session, c *Command, passive bool, ts time.Time, num uint64) {
	ann := sess.armedEndpoint(c.EndpointVia, c.Endpoint)
	if sess.xfer != nil {
		// A PORT a gap took is replaced by this one (activeMayBeLost).
		t.settleLostPort(sess)
		sess.xfer.lostActive = lostActive{}
	}
	if len(t.unsolicited) > 0 {
		t.forgetUnsolicited(sess) // the client moved on (unsolicited.go)
	}
	adopted := t.adoptInferred(sess, c, passive, ann, ts, num)
	if adopted == nil {
		if why := t.noDataRoom(sess); why != "" {
			t.event(sess, Event{Kind: EventLimit, TS: ts, Num: num, Text: why})
			return
		}
	}
	if sess.Midstream && t.held != nil {
		// SYNs the capture held from before it, of a data connection
		// announced before the capture began (early.go): finished below.
		t.adoptUnanswered(sess, ann, ts)
	}
	if n := len(sess.Data); n > 0 {
		t.settleFlowOnly(sess.Data[n-1]) // (before gapOpened is reset below)
	}
	// A new announcement means the session moved on: older ones nobody
	// connected to, or whose SYNs went unanswered, are final now. (But
	// the latest passive one nothing connected to yet waits on, once:
	// supersededWaits.)
	for _, old := range unreported(sess.Data) {
		if old == adopted || t.waitsOnSkew(old, ts) {
			continue // (reorder.go)
		}
		t.movedOn(sess, old)
	}
	if adopted != nil {
		return
	}
	t.seq++
	dc := &DataConn{
		Seq:          t.seq,
		Session:      sess,
		Via:          c.EndpointVia,
		Passive:      passive,
		Announced:    ann,
		Armed:        ts,
		ArmedNum:     num,
		Announce:     c,
		ExpectedSize: -1,
		Rest:         -1,
		protected:    sess.dataProtected(),
	}
	t.linkAnnounced(sess, c, dc)
	sess.gapOpened = false // (serverOpened)
	t.addToSession(sess, dc)
	sess.memo().lastAnn = dc
	// A pipelining client sends the transfer command before this reply
	// arrives (PASV and LIST in one segment): link it now.
	for _, p := range sess.pending {
		if p.Index > c.Index && ftp.IsTransfer(p.Verb) && len(p.Transfer) == 0 {
			t.linkTransfer(sess, p)
			break
		}
	}
	port := ann.Port()
	l := t.byPort[port]
	if len(l) >= maxPerPort {
		// Evict the oldest waiting on this port (a provisional port-only
		// match waits there too, finished or not).
		t.limits.ExpectationsEvicted++
		old := l[0]
		t.unwait(old)
		t.finishData(old)
		if awaitsBetterSYN(old) {
			t.reportData(old)
		}
		l = t.byPort[port]
	}
	if tw := sess.SameConnection; tw != nil {
		// The copy of this announcement on the other side of a NAT
		// (twin.go): the same port, in the other copy of the session.
		for _, o := range l {
			if o.Session.ID == tw.ID && o.Twin == nil && !o.Done {
				o.Twin, dc.Twin = dc, o
				break
			}
		}
	}
	t.byPort[port] = append(l, dc)
	t.addOpen(dc)
	if t.held != nil {
		// Armed late (a session decode confirmed after its data
		// connection passed): the SYN held since (early.go).
		t.adoptArmed(dc)
	}
	if t.syns != nil {
		t.replaySYNs(dc)
	}
	if t.resets != nil && t.resets.live > 0 && !dc.matched() {
		t.refusalsBefore(dc)
	}
}

// movedOn makes old, an announcement of sess a newer one superseded,
// final (arm): as it stands if nothing connected to it or its SYNs went
// unanswered; the latest passive one nothing connected to waits on,
// once (supersededWaits). An endpoint armed again for a transfer
// command (reuse.go) that nothing tried is given back instead, as at
// the command's final reply: the client asked for another endpoint, and
// that the server kept its listener was only a guess (pyftpdlib's STOU
// after a STOR, the client's next PASV and RETR).
func (t *Tracker) movedOn(sess *Session, old *DataConn) {
	if old.reused && !old.Done && old.Command != nil {
		if t.dropUnusedReuse(sess, old.Command); old.Done {
			return
		}
	}
	if supersededWaits(old) {
		t.finishSuperseded(old) // (one waits at a time)
		old.superseded = true
		sess.memo().superseded = old
		return
	}
	if !old.Done && !old.answered() && old.RSTTS.IsZero() {
		if old.SYNs > 0 {
			old.End = old.LastSYN
		}
		t.finishData(old)
	}
	if awaitsBetterSYN(old) {
		// A port-only match held for a better SYN (finishData): no
		// transfer command will use it now.
		t.reportData(old)
	}
}

// supersededWaits tells whether dc, a passive announcement the session's
// next announcement supersedes, waits on rather than being final now:
// nothing connected to it yet (no SYN, no refusal, no ICMP error), and it
// waited through no newer announcement before. A client may still connect
// to it: one that sent two PASVs and connects to the first port (its
// listener gone, or the NAT's expectation for it replaced by the newer
// one's: the SYN is refused). Matched, it keeps its own outcome; else it
// becomes final, not attempted, when a newer announcement of the session
// is connected to (finishSuperseded), at the announcement after, at the
// expectation timeout, or when the session ends.
func supersededWaits(dc *DataConn) bool {
	return dc.Passive && !dc.Done && !dc.superseded && !dc.matched() && dc.SYNs == 0 && dc.RSTTS.IsZero() && dc.ICMP == nil
}

// Superseded tells whether a newer announcement of the session came
// while nothing had connected to this passive one yet
// (supersededWaits): a connection to it came after the session had
// moved on, to a port the server may have closed for the newer one
// (vsftpd keeps one passive listener per session) or a NAT helper's
// expectation the newer one replaced: refused there, it is the client
// using a stale announcement, not a closed passive range.
func (dc *DataConn) Superseded() bool { return dc.superseded }

// finishSuperseded makes final the older announcement of dc's session
// that waits on though superseded (supersededWaits), if nothing connected
// to it: the client connected to dc, a newer one, or dc is final (its
// record comes after the older one's, as they were announced).
func (t *Tracker) finishSuperseded(dc *DataConn) {
	m := dc.Session.xfer
	if m == nil || m.superseded == nil || m.superseded == dc || m.superseded.Seq > dc.Seq {
		return
	}
	old := m.superseded
	m.superseded = nil
	if !old.Done && !old.matched() {
		t.finishData(old)
	}
}

// unreported copies out of data those not finished or not reported yet:
// what a new announcement may finish. (A text transcript's session keeps
// up to MaxDataPerSession reported ones: not copied per announcement.)
func unreported(data []*DataConn) []*DataConn {
	var out []*DataConn
	for _, dc := range data {
		if !dc.Done || !dc.reported {
			out = append(out, dc)
		}
	}
	return out
}

// noDataRoom tells why one more data connection of sess cannot be
// followed ("" when it can), and counts the bound it hit. The table's
// bound is on connections not finished (finished ones waiting for the
// next tick to leave t.open make room at once); the session's on those
// it keeps not yet reported. A text transcript keeps every one of its
// session's up to MaxDataPerSession; past it the session keeps what
// RecentOnly keeps, the live and latest ones, and follows and reports
// every new one all the same (a mirror client's session opens tens of
// thousands): the transcript shows those it no longer keeps under their
// announcement or transfer command, and counts those it cannot
// (DataNotKept).
func (t *Tracker) noDataRoom(sess *Session) string {
	if len(t.open) >= t.opts.MaxDataConns && t.doneInOpen > 0 {
		t.compactOpen()
	}
	if len(sess.Data) >= t.opts.MaxDataPerSession {
		// Past it the session keeps what RecentOnly keeps: the bound
		// is on those not yet reported.
		sess.recentData = true
		// (Walked again only once a data connection was reported since
		// it last found nothing to drop: a session of 4,096 live ones
		// is not walked for each new one.)
		if t.dropWalkedID != sess.ID || t.dropWalkedAt != t.reportedData {
			t.dropReportedFor(sess, recentKept)
			t.dropWalkedID, t.dropWalkedAt = sess.ID, t.reportedData
		}
	}
	switch {
	case len(sess.Data) >= t.opts.MaxDataPerSession:
		sess.omitData()
		t.limits.DataSessionFull++
		return fmt.Sprintf("data connections of this session past its %d not yet reported: not followed", t.opts.MaxDataPerSession)
	case len(t.open) >= t.opts.MaxDataConns:
		sess.omitData()
		t.limits.DataDropped++
		return "data connection table full"
	}
	return ""
}

// compactOpen takes finished data connections out of t.open, but for
// port-only matches held for a better SYN, which tick releases.
func (t *Tracker) compactOpen() {
	t.open = slices.DeleteFunc(t.open, func(x *DataConn) bool { return x.Done && !awaitsBetterSYN(x) })
	t.doneInOpen = 0
}

// addOpen adds a data connection to those expiry walks. Finished ones
// leave t.open at the next tick; a burst of announcements inside one
// second of packet time (a million 227s in a pipelined session) compacts
// it here too, so it holds what is open, not what passed.
func (t *Tracker) addOpen(dc *DataConn) {
	if len(t.open) >= t.openCompactAt {
		t.compactOpen()
		t.openCompactAt = max(2*len(t.open), 64)
	}
	t.open = append(t.open, dc)
}

// dataEndpoint is where an announcement via names the data endpoint: an
// EPSV reply names no address, and the data goes to the control
// connection's (RFC 2428).
func (sess *Session) dataEndpoint(via ftp.Via, ap netip.AddrPort) netip.AddrPort {
	if via == ftp.ViaEPSV && !ap.Addr().IsValid() {
		return netip.AddrPortFrom(sess.Server.Addr(), ap.Port())
	}
	return ap
}

// armedEndpoint is dataEndpoint unmapped, as an expectation waits on it:
// an IPv4-mapped IPv6 address (EPRT |2|::ffff:a.b.c.d|) is a.b.c.d, the
// data connection goes over IPv4 to it, and its packets carry it in that
// form.
func (sess *Session) armedEndpoint(via ftp.Via, ap netip.AddrPort) netip.AddrPort {
	ep := sess.dataEndpoint(via, ap)
	return netip.AddrPortFrom(ep.Addr().Unmap(), ep.Port())
}

// retire takes dc, never to be reported, out of the port index and the
// refusals held for it, and marks it done: tick drops it from t.open.
func (t *Tracker) retire(dc *DataConn) {
	t.unwait(dc)
	t.forgetRefusal(dc)
	dc.Done = true
	t.doneInOpen++
}

// retract undoes an active-mode announcement the server refused before
// anything connected to it: it was never an expectation.
func (t *Tracker) retract(sess *Session, dc *DataConn) {
	t.retire(dc) // never reported; tick drops it from t.open
	if t.unlist(sess, dc) {
		sess.DataCount--
	}
	if sess.lastAnn() == dc {
		sess.xfer.lastAnn = nil
	}
	if dc.Announce != nil {
		dc.Announce.Data = nil
	}
	defer t.maybeReportEnd(sess)
	for _, c := range sess.pending {
		if i := slices.Index(c.Transfer, dc); i >= 0 {
			c.Transfer = slices.Delete(c.Transfer, i, i+1)
		}
	}
}

// unwait removes an announcement from the port index.
func (t *Tracker) unwait(dc *DataConn) {
	port := dc.Announced.Port()
	l := t.byPort[port]
	for i, x := range l {
		if x == dc {
			l = append(l[:i], l[i+1:]...)
			break
		}
	}
	if len(l) == 0 {
		delete(t.byPort, port)
	} else {
		t.byPort[port] = l
	}
}

// matchSYN links a connection attempt to an announcement: by the observed
// peers of the control session and the announced port first, so a NAT'd or
// multi-homed announcement still matches, and by the port alone last. A
// match by the port alone is provisional: a later SYN from the session's
// peer that connects, to the announced or the control address, takes the
// announcement over while the first carried nothing (provisional,
// supersede).
func (t *Tracker) matchSYN(s *decode.Segment) bool {
	cands := t.byPort[s.Dst.Port()]
	if len(cands) == 0 {
		return t.defaultPortData(s)
	}
	if t.expireOverdue(cands) {
		if cands = t.byPort[s.Dst.Port()]; len(cands) == 0 {
			return false
		}
	}
	var best *DataConn
	bestRule, bestScore, bestRank := MatchNone, 0, 0
	for _, dc := range cands {
		score, rule, ok := t.synScore(dc, s)
		if !ok {
			continue
		}
		// On a tie the higher raceRank wins (an open session's over one
		// waiting past its session's end, a session's latest over one it
		// superseded, one a transfer command waits on), then the newest:
		// a server has one listener per port, the latest one (two
		// listeners on one port cannot be bound at once).
		if rank := raceRank(dc); best == nil || score > bestScore || score == bestScore && rank >= bestRank {
			best, bestScore, bestRule, bestRank = dc, score, rule, rank
		}
	}
	// among: the sessions whose announcements fitted as well as best's
	// (its own included), whatever their raceRank, within best's
	// raceTier: the choice is a guess then (settleRace). A rank tells
	// which is likelier, not whose it is (a session's transfer command
	// may wait while another's client connects first): a win on it stays
	// open to the reply that corrects it.
	among := 0
	if best != nil && len(cands) > 1 && bestRule != MatchPortOnly && !best.matched() {
		among = 1
		for _, dc := range cands {
			if score, _, ok := t.synScore(dc, s); ok && score == bestScore && raceTier(dc) == raceTier(best) && raceRival(dc, best) {
				among++
			}
		}
	}
	if best == nil || bestScore < 3 && len(t.cut) > 0 && t.cutOwn(s) {
		// (The own peer's connection to an announcement the bound let
		// go past its session's end is no stranger's here: afterend.go.)
		return false
	}
	// For EPSV the announced address is the control server's: the
	// control-address rule is an exact match there.
	if bestRule == MatchControlAddress && best.Announced.Addr() == best.Session.Server.Addr() {
		bestRule = MatchExact
	}
	if best.Announce != nil && best.Announce.Conflict != nil {
		// The copy of a conflicted line this SYN goes to was the one
		// used (conflict.go).
		t.conflictProven(best)
	}
	if t.flowOnly(best) {
		// The announcement's own SYN: the flow taken for now was
		// another connection to the port.
		t.dropFlowOnly(best)
	}
	if best.matched() {
		t.supersede(best, s, bestRule)
	}
	best.Match = bestRule
	best.Client, best.Server = s.Src, s.Dst
	if bestRule != MatchPortOnly {
		// A port-only match stays in the port index while a better SYN
		// may still take the announcement over (provisional).
		t.unwait(best)
	}
	if !best.superseded {
		// The client chose the latest announcement: the older ones it
		// passed over are final (before this one, as they came).
		t.finishSuperseded(best)
	}
	if among < 2 && (len(t.raced) > 0 || len(t.raceDoubt) > 0) && bestRule != MatchPortOnly {
		// The one left free by guesses before it is a guess as they are.
		among = t.racedBefore(best, s)
	}
	t.noteRace(best, among)
	t.addData(s, best)
	t.watchReflection(best)
	t.dataSegment(best, s)
	t.refusalAnswers(best, s)
	return true
}

// synScore is how well the SYN s fits the announcement dc (matchSYN):
// 4 its own peer's SYN to exactly its endpoint, 3 to the control
// address, 2 to 0 by the port alone (MatchPortOnly); ok false when dc
// cannot take it.
func (t *Tracker) synScore(dc *DataConn, s *decode.Segment) (score int, rule MatchRule, ok bool) {
	// A port-only match still open to a better one (provisional)
	// competes only against the scores that beat every port-only one.
	taken := dc.matched()
	if taken && !dc.provisional() && !t.flowOnly(dc) || !taken && dc.Done {
		return 0, MatchNone, false
	}
	sess := dc.Session
	// Who connects to whom: passive, the client to the server; active,
	// the server to the client.
	connector, listener := sess.Client.Addr(), sess.Server.Addr()
	if !dc.Passive {
		connector, listener = listener, connector
	}
	srcOK := s.Src.Addr() == connector
	switch {
	case s.Dst.Addr() == dc.Announced.Addr() && srcOK:
		score, rule = 4, MatchExact
	case s.Dst.Addr() == listener && srcOK:
		score, rule = 3, MatchControlAddress
	case !t.strangerMayConnect(dc, s):
		// Another source, when the session's own connection can no
		// longer come: a scan of the port, not the data connection.
		return 0, MatchNone, false
	case s.Dst.Addr() == dc.Announced.Addr() || s.Dst.Addr() == listener:
		score, rule = 2, MatchPortOnly // another source: a NAT on the connector's side
	case srcOK:
		score, rule = 1, MatchPortOnly
	default:
		score, rule = 0, MatchPortOnly // port alone
	}
	if !taken && score < 4 && t.late(dc) {
		// Past its wait (lateWaits): only its own peers' SYN to
		// exactly its endpoint (expired.go).
		return 0, MatchNone, false
	}
	if !taken && score < 3 && (dc.reused || dc.afterEnd != afterEndNo && score < 2) {
		// Armed again by a transfer command (a listener kept): only
		// its own peer's SYN to its endpoint (reuse.go). Waiting past
		// its session's end: that, or another host's to its endpoint
		// (strangerMayConnect; afterend.go).
		return 0, MatchNone, false
	}
	if taken && score < 3 && (score < 2 || dc.openerAcked) {
		// Only the peer's own SYN takes a port-only match over; or
		// another to the announced address, from a NAT'd client like
		// the first, when the first never completed its handshake (a
		// scanner's SYN, a spoofed one the server answers in vain).
		return 0, MatchNone, false
	}
	return score, rule, true
}

// strangerMayConnect tells whether a SYN s from another address than the
// session's peer that connects (a NAT on that peer's side gives its data
// connection another source: a CGNAT without paired pooling) may still be
// dc's data connection: soon after the announcement (PortOnlyWindow), and
// while the session is open (a 221 answered its QUIT, or its control
// connection ended: no data connection of its comes after) or its
// announcement waits past the close (afterend.go: only a connection the
// stranger completed and used stands then, releaseStranger). Any host can
// send a SYN to an announced port: a scan that reached it after the
// session was over read as the data connection's refusal, with a firewall
// rule to open a range that was open.
func (t *Tracker) strangerMayConnect(dc *DataConn, s *decode.Segment) bool {
	connector := dc.Session.Client.Addr()
	if !dc.Passive {
		connector = dc.Session.Server.Addr()
	}
	if from := s.Src.Addr(); from == connector || from == s.Dst.Addr() || from == dc.Announced.Addr() {
		return true // (fromStranger)
	}
	return s.TS.Sub(dc.Armed) <= t.opts.PortOnlyWindow && (!dc.Session.quit && !dc.Session.ended || waitsAfterEnd(dc))
}

// fromStranger tells whether dc was matched by the port alone to a SYN
// from another address than its session's peer that connects. A SYN from
// the address it goes to (or the announced one) is no stranger's: a NAT
// router that is the client itself connects from its outside address to
// the announced address it owns (diagnose's nat-mismatch reads that).
func (dc *DataConn) fromStranger() bool {
	if dc.Match != MatchPortOnly || !dc.matched() {
		return false
	}
	connector := dc.Session.Client.Addr()
	if !dc.Passive {
		connector = dc.Session.Server.Addr()
	}
	from := dc.Client.Addr().Unmap()
	return from != connector.Unmap() && from != dc.Server.Addr().Unmap() && from != dc.Announced.Addr().Unmap()
}

// strangerScanned tells whether dc is what a scan of an announced passive
// port looks like (fromStranger): one SYN, answered by the server's
// SYN-ACK (its listener was open: the path works, for strangers too),
// then the stranger's RST or nothing, and no byte. Anything else from
// another address stands as the data connection of a client behind a NAT
// that gives it another source (a CGNAT without paired pooling): a SYN
// sent again with back-off is a real stack's retry (a scanner sends one);
// a SYN refused by RST or ICMP was refused on the path (the listener
// answers anyone's SYN with a SYN-ACK), the data connection's failure. In
// active mode the connector is the server: its SYNs from another of its
// addresses (a multi-homed server, an outbound SNAT, source port 20) are
// never a stranger's.
func (dc *DataConn) strangerScanned() bool {
	return dc.Passive && dc.fromStranger() && dc.SYNs == 1 && !dc.SynAckTS.IsZero() &&
		!dc.openerAcked && dc.TotalBytes() == 0 && dc.Thief == nil
}

// releaseStranger gives back the announcement dc when the connection a
// stranger's SYN matched by the port alone ends as a scan's does
// (strangerScanned): one SYN answered by SYN-ACK, never acknowledged (a
// spoofed source, or a SYN scan's RST). Nothing says it was the session's
// data connection, and its SYN-ACK says nothing of the client's path:
// taken for it, it read as a data connection that reached the server when
// the client's own never came ("connected: no firewall dropped it"). A
// data-stray event tells it; dc is the announcement again, as supersede
// leaves it. It reports whether dc is released and still live (the
// session's latest announcement, its transfer command not finally
// answered, the session open): it then waits on, and is final later like
// any announcement nothing connected to.
func (t *Tracker) releaseStranger(dc *DataConn) (waits bool) {
	failedAfterEnd := dc.afterEnd != afterEndNo && dc.fromStranger() && !dc.openerAcked && dc.TotalBytes() == 0 && dc.Thief == nil
	if !dc.strangerScanned() && !failedAfterEnd {
		return false
	}
	// (After its session's close, any stranger's connection that did
	// not get going: nothing says the endpoint listened for it then, nor
	// that it was the client's: afterend.go.)
	afterEnd, atEnd := dc.afterEnd, dc.atEnd
	sess := dc.Session
	t.event(sess, Event{Kind: EventDataStray, TS: dc.FirstSYN, Num: dc.SYNNum, Text: releasedText(dc)})
	if t.lookupData(dc.Client, dc.Server) == dc {
		t.dropData(decode.MakeConnKey(dc.Client, dc.Server))
	}
	*dc = DataConn{
		ID: dc.ID, Seq: dc.Seq, Session: sess, Via: dc.Via, Passive: dc.Passive,
		Announced: dc.Announced, Armed: dc.Armed, ArmedNum: dc.ArmedNum, Announce: dc.Announce,
		Command: dc.Command, Twin: dc.Twin, ExpectedSize: dc.ExpectedSize, Type: dc.Type, Rest: dc.Rest,
		protected: dc.protected, afterEnd: afterEnd,
		// What the scan's SYN passed on its way is the capture's to
		// tell (diagnose), though it was no data connection.
		Scanned: &ScannedSYN{From: dc.Client, To: dc.Server, TS: dc.FirstSYN, Num: dc.SYNNum},
	}
	if afterEnd != afterEndNo {
		// Waits on past its session's end (its transfer command, if
		// one came, was left unanswered by the close), unless the
		// capture's end finished the stranger's connection.
		if atEnd {
			return false
		}
		t.keepAfterEnd(dc) // (the list lets go of it once taken: forgetAfterEnd)
	} else if sess.ended || sess.quit || sess.lastAnn() != dc || dc.Command != nil && dc.Command.Status != StatusPending {
		return false
	}
	if !slices.Contains(t.byPort[dc.Announced.Port()], dc) {
		// (A port-only match stays in the port index: this is a guard.)
		t.byPort[dc.Announced.Port()] = append(t.byPort[dc.Announced.Port()], dc)
	}
	return true
}

// releasedText describes a stranger's connection given back
// (releaseStranger).
func releasedText(dc *DataConn) string {
	return fmt.Sprintf("connection from %s to %s, matched by the announced port alone (%s, first SYN at packet %d): another address's, not taken for the data connection: it completed no handshake and carried nothing (a scan of the port, or a spoofed SYN)",
		dc.Client, dc.Server, strayState(dc), dc.SYNNum)
}

// releaseTLS keeps the TLS scanners' verdict and lets the scanners and
// their buffers go.
func (dc *DataConn) releaseTLS() {
	dc.tlsVerdict, dc.tlsSeen = dc.tls.verdict(dc.Passive)
	dc.tlsClientHello = dc.tls.clientHelloRead()
	dc.captureHole = dc.captureHole || dc.tls.hole
	dc.tls = nil
}

// viaAlias tells whether a segment between src and dst is on dc's
// reflection alias (watchReflection), not on its own 4-tuple.
func (dc *DataConn) viaAlias(src, dst netip.AddrPort) bool {
	return dc.reflectAlias && src != dc.Server && dst != dc.Server
}

// watchReflection indexes a passive data connection whose SYN went
// exactly to an announced address other than the session's control
// address (the public address a server behind NAT announces) under the
// 4-tuple of that SYN with the control address in its place too: a
// router that loops the client's connection back to the server without
// masquerading it has the server answer the client from there, on that
// 4-tuple (Reflection). The alias costs nothing per segment: the data
// table that lookupData reads holds it, and it leaves with the
// connection (dropData). Only an unused 4-tuple is taken.
func (t *Tracker) watchReflection(dc *DataConn) {
	ctl := dc.Session.Server.Addr()
	if !dc.Passive || dc.Match != MatchExact || dc.reflectAlias || dc.Server.Addr() == ctl || dc.Server.Addr() != dc.Announced.Addr() {
		return
	}
	key := reflectKey(dc)
	if _, taken := t.data[key]; taken {
		return
	}
	t.data[key] = dc
	t.portRefs[key.A.Port()]++
	t.portRefs[key.B.Port()]++
	dc.reflectAlias = true
}

// reflectKey is the 4-tuple watchReflection indexes dc under.
func reflectKey(dc *DataConn) decode.ConnKey {
	return decode.MakeConnKey(dc.Client, netip.AddrPortFrom(dc.Session.Server.Addr(), dc.Server.Port()))
}

// reflection takes a segment of dc's reflection 4-tuple (watchReflection):
// a SYN-ACK from the control address at the
// announced port to the client's endpoint that acknowledges dc's latest
// SYN (ACK = its ISN+1), while nothing answered it on its own 4-tuple,
// or the client's RST refusing one (its sequence number that ACK): true.
// Any other segment there is another connection's: the alias leaves the
// table, false, and Segment takes the segment as if it had never been
// there (a client that dialed the control address from the same port: its
// SYN held for an announcement still to come, matched, or picked up).
func (t *Tracker) reflection(dc *DataConn, s *decode.Segment) bool {
	ctl := netip.AddrPortFrom(dc.Session.Server.Addr(), dc.Server.Port())
	r := dc.Reflected
	switch {
	case s.Src == ctl && s.Dst == dc.Client && s.Flags&(decode.FlagSYN|decode.FlagACK|decode.FlagRST) == decode.FlagSYN|decode.FlagACK &&
		dc.SYNs > 0 && s.Ack == dc.lastSYNSeq+1 && dc.SynAckTS.IsZero():
		if r == nil {
			r = &Reflection{From: s.Src, First: s.TS, Num: s.Num}
			dc.Reflected = r
		}
		r.SynAcks++
		r.ack = s.Ack
		return true
	case r != nil && s.Src == dc.Client && s.Dst == ctl && s.Flags.Has(decode.FlagRST) && !s.Flags.Has(decode.FlagSYN) && s.Seq == r.ack:
		r.Resets++
		return true
	case r != nil && s.Src == ctl && s.Flags.Has(decode.FlagSYN) && s.Flags.Has(decode.FlagACK):
		// The same SYN-ACK again, or one for a SYN before: the
		// reflection still.
		return true
	}
	t.unwatchReflection(dc)
	return false
}

// unwatchReflection takes dc's reflection 4-tuple out of the table.
func (t *Tracker) unwatchReflection(dc *DataConn) {
	if !dc.reflectAlias {
		return
	}
	dc.reflectAlias = false
	key := reflectKey(dc)
	if t.data[key] != dc {
		return
	}
	delete(t.data, key)
	t.portRefs[key.A.Port()]--
	t.portRefs[key.B.Port()]--
	t.forgetRecent(key)
}

// EventDataStray: a connection to an announced port from another host
// than the session's peer, taken for the data connection by the port
// alone until the peer's own SYN came (matchSYN, supersede). Its text
// says who it was and what became of it.
const EventDataStray EventKind = "data-stray"

// provisional tells whether dc, matched by a SYN on the announced port
// alone (MatchPortOnly: from another address than the session's peer, or
// to another than the announced one), may still be taken over by a SYN
// that matches it better (from the peer that connects, to the announced
// or the control address): its connection carried no byte, it is not
// reported yet, and the server did not take it for the transfer (a 1xx or
// 2xx reply to the transfer command after its handshake completed). Any
// host can send a SYN to an announced port once the 227 or the PORT
// crossed the network: a scan, a flood, a guess. Taken for good, the
// first one hid the transfer that came after it and read as the data
// connection's failure. A NAT on the connector's side gives the real
// connection another source address: then no better SYN ever comes, and
// the port-only match stands.
func (dc *DataConn) provisional() bool {
	if dc.Match != MatchPortOnly || dc.SYNs == 0 || dc.reported || dc.TotalBytes() > 0 {
		return false
	}
	c := dc.Command
	if c == nil || !dc.openerAcked || dc.SynAckTS.IsZero() {
		return true
	}
	for _, r := range c.Replies {
		if r.Code >= 100 && r.Code < 300 && !r.TS.Before(dc.SynAckTS) {
			return false
		}
	}
	return true
}

// awaitsBetterSYN tells whether dc is a port-only match finished and held for a
// better SYN (finishData): no transfer command of its own waits for it.
func awaitsBetterSYN(dc *DataConn) bool {
	return dc.Done && !dc.reported && dc.Command == nil && dc.Match == MatchPortOnly
}

// supersede gives back the provisional port-only match of dc before the
// better SYN s takes it (matchSYN): the stray connection is told as an
// event of the session (EventDataStray), its 4-tuple leaves the table
// (its later segments are nobody's), and dc is the announcement again,
// waiting, with what its transfer command set on it.
//
// A stray connection whose handshake completed was accepted by the
// server's listener: a server that lets any address connect (its source
// check off) may send it the transfer and refuse the better SYN, whose
// port it no longer listens on (passive port theft, RFC 2577). It is
// followed on: a copy of it, already reported (nobody reports it), keeps
// its 4-tuple and its place in t.open, and dc.Thief points at it, so that
// finishData can tell what it carried.
func (t *Tracker) supersede(dc *DataConn, s *decode.Segment, rule MatchRule) {
	t.event(dc.Session, Event{Kind: EventDataStray, TS: s.TS, Num: dc.SYNNum, Text: strayText(dc, s, rule)})
	var thief *DataConn
	if dc.openerAcked && dc.answered() {
		thief = new(DataConn)
		*thief = *dc
		thief.Command, thief.reported, thief.Thief = nil, true, nil
	}
	key := decode.MakeConnKey(dc.Client, dc.Server)
	if t.lookupData(dc.Client, dc.Server) == dc {
		if thief != nil && !thief.Done {
			t.data[key] = thief // (the same 4-tuple: portRefs unchanged)
			t.recentData[dataSlot(key)] = recentData{key, thief}
		} else {
			t.dropData(key)
		}
	}
	wasDone := dc.Done // (an unfinished one never left t.open)
	*dc = DataConn{
		ID: dc.ID, Seq: dc.Seq, Session: dc.Session, Via: dc.Via, Passive: dc.Passive,
		Announced: dc.Announced, Armed: dc.Armed, ArmedNum: dc.ArmedNum, Announce: dc.Announce,
		Command: dc.Command, Twin: dc.Twin, ExpectedSize: dc.ExpectedSize, Type: dc.Type, Rest: dc.Rest,
		protected: dc.protected, Thief: thief, OtherAttempts: min(dc.OtherAttempts, 1<<31-2) + 1,
	}
	if wasDone && !slices.Contains(t.open, dc) {
		t.addOpen(dc) // (a finished one may have left it)
	}
	if thief != nil && !thief.Done {
		t.addOpen(thief) // its idle expiry and the capture's end finish it
	}
}

// takeTheft makes dc's record the connection of its Thief when the
// server refused dc's own SYN with RST after that connection took the
// announced port: the thief's connection carried bytes or completed its
// handshake, and the session's client, connecting afterwards, was
// refused. The record then tells that connection (its peers, its bytes,
// its end; Match port-only), Thief stays set, and a data-stray event
// tells the client's refused SYN. Else Thief is let go.
func (t *Tracker) takeTheft(dc *DataConn) {
	th := dc.Thief
	if th == nil {
		return
	}
	if !dc.matched() || dc.answered() || dc.RSTTS.IsZero() || !dc.RSTFromServer || dc.ICMP != nil || th.TotalBytes() == 0 && !th.answered() {
		dc.Thief = nil
		return
	}
	t.event(dc.Session, Event{Kind: EventDataStray, TS: dc.FirstSYN, Num: dc.SYNNum, Text: theftText(dc, th)})
	if t.lookupData(dc.Client, dc.Server) == dc {
		t.dropData(decode.MakeConnKey(dc.Client, dc.Server))
	}
	own := *dc
	*dc = *th
	dc.ID, dc.Seq, dc.Session, dc.Via, dc.Passive = own.ID, own.Seq, own.Session, own.Via, own.Passive
	dc.Announced, dc.Armed, dc.ArmedNum, dc.Announce = own.Announced, own.Armed, own.ArmedNum, own.Announce
	dc.Command, dc.Twin, dc.ExpectedSize, dc.Type, dc.Rest = own.Command, own.Twin, own.ExpectedSize, own.Type, own.Rest
	dc.protected, dc.atEnd = own.protected, own.atEnd
	dc.Done, dc.reported, dc.Thief = false, false, th
	dc.beforePickUp = nil
	if e := th.ICMPErrors; e != nil && !th.Done {
		c := *e // (the copy goes on counting in its own)
		dc.ICMPErrors = &c
	}
	if th.Done {
		dc.Outcome = OutcomeNotAttempted // decided again by finishData
	}
}

// theftText describes the client's own SYN the server refused after
// another host's connection took the announced port (takeTheft).
func theftText(dc, th *DataConn) string {
	syns := fmt.Sprintf("%d SYNs", dc.SYNs)
	if dc.SYNs == 1 {
		syns = "1 SYN"
	}
	got := "no data"
	switch {
	case th.Bytes[1] > 0 && th.Bytes[0] > 0:
		got = fmt.Sprintf("%d bytes sent to it, %d taken from it", th.Bytes[1], th.Bytes[0])
	case th.Bytes[1] > 0:
		got = fmt.Sprintf("%d bytes sent to it", th.Bytes[1])
	case th.Bytes[0] > 0:
		got = fmt.Sprintf("%d bytes taken from it", th.Bytes[0])
	}
	return fmt.Sprintf("connection from %s to %s, the session's client's own (%s, refused by RST, first SYN at packet %d): the server had given the announced port to %s, which connected first (first SYN at packet %d) and took the transfer (%s): passive port theft; the data connection's record tells that connection",
		dc.Client, dc.Server, syns, dc.SYNNum, th.Client, th.SYNNum, got)
}

// strayText describes a port-only match superseded by the SYN s, which
// matched by rule. Only a SYN from the session's peer (a rule better than
// the port alone) is the data connection's; one from another stranger (a
// SYN flood's next source) took the announcement over as provisionally.
func strayText(dc *DataConn, s *decode.Segment, rule MatchRule) string {
	syns := strayState(dc)
	if rule == MatchPortOnly {
		return fmt.Sprintf("connection from %s to %s, matched by the announced port alone (%s, first SYN at packet %d): set aside for a later SYN from %s to %s (packet %d), matched by the announced port alone too",
			dc.Client, dc.Server, syns, dc.SYNNum, s.Src, s.Dst, s.Num)
	}
	if dc.answered() && dc.openerAcked {
		// The server's listener took it: whether it took the transfer
		// too is told at the end (takeTheft).
		return fmt.Sprintf("connection from %s to %s, matched by the announced port alone (%s, first SYN at packet %d): set aside for the SYN %s sent to %s (packet %d), and followed on its own",
			dc.Client, dc.Server, syns, dc.SYNNum, s.Src, s.Dst, s.Num)
	}
	return fmt.Sprintf("connection from %s to %s, matched by the announced port alone (%s, first SYN at packet %d): not the data connection, which %s opened to %s (packet %d)",
		dc.Client, dc.Server, syns, dc.SYNNum, s.Src, s.Dst, s.Num)
}

// strayState tells a port-only match's SYNs and what answered them.
func strayState(dc *DataConn) string {
	syns := fmt.Sprintf("%d SYNs", dc.SYNs)
	if dc.SYNs == 1 {
		syns = "1 SYN"
	}
	var what string
	switch {
	case dc.answered() && dc.openerAcked:
		// Followed on (Thief): if the server refuses the better SYN, a
		// second event tells what it got (takeTheft).
		what = "handshake done, no data yet"
	case dc.answered():
		what = "answered by SYN-ACK, handshake not completed"
	case !dc.RSTTS.IsZero() && dc.RSTFromServer:
		what = "refused by RST"
	case dc.ICMP != nil:
		what = "ICMP unreachable"
	default:
		what = "no answer"
	}
	return syns + ", " + what
}

// refusedBy finds the announcement waiting on the port an RST comes from
// (only that one, when only is not nil) whose connection it refused,
// when the capture lost the SYN: an RST with the ACK flag (one that
// answers a SYN acknowledges it: RFC 9293 3.10.7.1; a firewall's reject
// with tcp-reset does the same), from the announced (or the control)
// address at the announced port, to the address of the session's peer
// that connects, from at most answerHoldWindow before the announcement
// on (a capture's queues may write it before the reply), on a 4-tuple
// no connection of the session's had. The peers are those pickUp takes,
// and no looser: nothing but the RST says a connection was tried. An RST
// without ACK answers a segment that had one, from a side past SYN-SENT:
// it refuses no SYN, and the opener would drop it (resetVerdict).
func (t *Tracker) refusedBy(s *decode.Segment, only *DataConn) *DataConn {
	if !s.Flags.Has(decode.FlagRST) || !s.Flags.Has(decode.FlagACK) || s.Flags.Has(decode.FlagSYN) || s.Seq != 0 {
		// A reset that answers a SYN has sequence number 0 (RFC 9293
		// 3.10.7.1: the SYN had no ACK to take one from), from every stack
		// and every firewall's reject; another is the abort of a
		// connection the capture did not see on a reused port.
		return nil
	}
	return t.answeredAnnouncement(s.Dst, s.Src, s.TS, only)
}

// unreachableFor finds the announcement waiting (only that one, when only
// is not nil) whose connection an ICMP error was sent for, when the
// capture lost the SYN it quotes: a segment from the address of the
// session's peer that connects, to the announced (or the control) address
// at the announced port, on a 4-tuple no connection of the session's had,
// from at most answerHoldWindow before the announcement on. The first
// segment the connecting side sends on a 4-tuple is its SYN, and nothing
// else of the connection came: the quoted segment was the SYN. Not
// "fragmentation needed" (ICMP type 3 code 4): that quotes a segment too
// large for a link, never a SYN; nor ICMPv6 Packet Too Big.
func (t *Tracker) unreachableFor(u *decode.Unreachable, only *DataConn) *DataConn {
	if i := (ICMPInfo{V6: u.V6, Type: u.Type, Code: u.Code}); !i.EndsConnect() {
		// Fragmentation needed, Packet Too Big (an unknown code): it ends
		// no connect (Tracker.icmpError).
		return nil
	}
	return t.answeredAnnouncement(u.Src, u.Dst, u.TS, only)
}

// answeredAnnouncement finds the announcement waiting (only that one,
// when only is not nil) that an answer at ts to a lost SYN from connector
// to listener concerns: listener at the announced port, on the announced
// (or the control) address, connector the session's peer that connects,
// from at most answerHoldWindow before the announcement on; none when a
// connection of the session's on that 4-tuple ended (a late answer to it).
func (t *Tracker) answeredAnnouncement(connector, listener netip.AddrPort, ts time.Time, only *DataConn) *DataConn {
	cands := t.byPort[listener.Port()]
	for i := len(cands) - 1; i >= 0; i-- { // the newest first, as matchSYN
		dc := cands[i]
		if dc.Done || dc.matched() || only != nil && dc != only || dc.Armed.Sub(ts) > t.answerWindow() {
			continue
		}
		if !dc.connectsAs(connector, listener) {
			continue
		}
		if endedBefore(dc.Session, decode.MakeConnKey(connector, listener)) {
			return nil
		}
		return dc
	}
	return nil
}

// refusalMatch is the match rule of a connection known only by a segment
// from its listening end, as pickUp gives it.
func refusalMatch(dc *DataConn, listener netip.AddrPort) MatchRule {
	if listener.Addr() != dc.Announced.Addr() && dc.Announced.Addr() != dc.Session.Server.Addr() {
		return MatchControlAddress
	}
	return MatchExact
}

// refusalAnswers feeds a data connection a SYN just matched the answer
// kept for its announcement (noteRefusal, holdUnreachable) when that
// answer is this SYN's: an RST that acknowledges its sequence number plus
// one, within answerHoldWindow either way (the capture's queues wrote the
// reset first), or an ICMP error that quotes it (this SYN, or an earlier
// sending of it with the same sequence number that the capture lost). Any
// other answer kept answered an earlier SYN the capture lost, and the
// connection's outcome comes from what follows now.
func (t *Tracker) refusalAnswers(dc *DataConn, syn *decode.Segment) {
	rst, icmp := t.keptRefusal(dc)
	if rst == nil && icmp == nil {
		return
	}
	if r := rst; r != nil && r.Src == syn.Dst && r.Dst == syn.Src && r.Ack == syn.Seq+1 {
		if d := syn.TS.Sub(r.TS); -answerAfterSYN <= d && d <= t.answerWindow() {
			h := t.resets
			for i := range h.segs { // replayReset has nothing left to feed
				if x := &h.segs[i]; x.Num == r.Num && x.Num != 0 {
					x.Num = 0
					h.live--
				}
			}
			if t.lookupData(syn.Src, syn.Dst) == dc {
				t.dataSegment(dc, r)
			}
			return
		}
	}
	if u := icmp; u != nil && u.Src == syn.Src && u.Dst == syn.Dst && u.Seq == syn.Seq {
		h := t.unreach
		for i := range h.msgs { // replayUnreachable has nothing left to hand
			if x := &h.msgs[i]; x.Num == u.Num && x.Num != 0 {
				x.Num = 0
				h.live--
			}
		}
		t.Unreachable(u)
	}
}

// connectsAs tells whether connector and listener are dc's peers as
// matchSYN takes them first, where nothing but the listener's side of the
// connection was seen (pickUp, answeredAnnouncement): the connector the
// address of the session's peer that connects, the listener the announced
// (or the control) address.
func (dc *DataConn) connectsAs(connector, listener netip.AddrPort) bool {
	c, l := dc.Session.Client.Addr(), dc.Session.Server.Addr()
	if !dc.Passive {
		c, l = l, c
	}
	return connector.Addr() == c && (listener.Addr() == dc.Announced.Addr() || listener.Addr() == l)
}

// pickUp ties a segment other than a bare SYN or an RST to the
// announcement waiting on its port when the capture missed the SYN (lost
// it, or wrote it before the reply that announced the port: the queues of
// a multi-queue capture): a SYN-ACK, which starts a connection (see
// opensData); a later segment once the server said the connection is
// open (serverOpened) or the transfer command asks for its bytes
// (transferFlow); bytes while no transfer command is seen, for now only
// (flowOnly: a capture gap may have taken the command). Only
// exactly the peers matchSYN takes first count: one end the announced (or
// the control) address at the announced port, the other the address of
// the session's peer that connects (its port is unknown). The
// connection's outcome then comes from what the capture shows of it; its
// SYN count stays 0 unless a SYN comes after.
func (t *Tracker) pickUp(s *decode.Segment) bool {
	if t.syns != nil && t.syns.live > 0 && s.Flags&(decode.FlagSYN|decode.FlagRST) == 0 {
		// An answer to a held SYN the capture lost the SYN-ACK of (early.go).
		if t.syns.answered(s) {
			t.limits.HeldLaterOverwritten++
		}
	}
	for _, toListener := range [2]bool{true, false} {
		connector, listener := s.Src, s.Dst
		if !toListener {
			connector, listener = s.Dst, s.Src
		}
		synAck := opensData(s, toListener)
		if !synAck && s.Flags.Has(decode.FlagSYN) {
			continue
		}
		cands := t.byPort[listener.Port()]
		// The one that fits of the highest raceRank, the newest first
		// among equals, as matchSYN; among counts the sessions whose
		// announcements fit as well (the choice a guess: noteRace).
		// (Whatever their raceRank, within dc's raceTier, as matchSYN.)
		fits := func(x *DataConn) (now, ok bool) {
			if x.Done || x.matched() {
				return false, false
			}
			if !synAck && !serverOpened(x) && !transferFlow(x, s, toListener) {
				if !flowBeforeCommand(x, s) {
					return false, false
				}
				now = true
			}
			return now, x.connectsAs(connector, listener)
		}
		var dc *DataConn
		forNow, rank, among, n := false, 0, 0, 0
		for i := len(cands) - 1; i >= 0; i-- {
			x := cands[i]
			now, ok := fits(x)
			if !ok {
				continue
			}
			n++
			if r := raceRank(x); dc == nil || r > rank {
				dc, forNow, rank = x, now, r
			}
		}
		if dc != nil {
			among = 1
			for i := 0; n > 1 && i < len(cands); i++ {
				if x := cands[i]; raceTier(x) == raceTier(dc) && raceRival(x, dc) {
					if _, ok := fits(x); ok {
						among++
					}
				}
			}
			sess := dc.Session
			if endedBefore(sess, decode.MakeConnKey(connector, listener)) || !synAck && t.tookBefore(connector, listener) {
				// A late segment of a connection to the same port that
				// ended (a server that hands out its passive ports again),
				// of this session's or another's (its closing ACK, a FIN
				// or bytes sent again): no new connection without a SYN.
				return false
			}
			if dc.Announce != nil && dc.Announce.Conflict != nil {
				t.conflictProven(dc) // (conflict.go)
			}
			if !synAck {
				saved := *dc
				dc.beforePickUp = &saved
			}
			dc.Match = MatchExact
			if listener.Addr() != dc.Announced.Addr() && dc.Announced.Addr() != sess.Server.Addr() {
				dc.Match = MatchControlAddress
			}
			dc.Client, dc.Server = connector, listener
			dc.Start = s.TS
			if dc.protected || sess.dataProtected() {
				dc.tls = pickedUpTLS(s, toListener)
			}
			if !forNow {
				t.unwait(dc) // (a flow taken for now waits on: flowOnly)
				t.notePickedUp(connector, listener)
				t.noteRace(dc, among)
			}
			t.addData(s, dc)
			t.dataSegment(dc, s)
			return true
		}
	}
	return false
}

// pickedUpTLS starts the reading of the TLS hellos of a data connection
// picked up without its SYN, where the segment tells where the opener's
// bytes begin: the SYN-ACK acknowledges its SYN, and its handshake ACK
// (TLS has the client speak first: nothing of the opener's came before)
// starts at the byte after it. Picked up by anything else, the opener's
// records are not read (their start is not known).
func pickedUpTLS(s *decode.Segment, fromOpener bool) *dataTLS {
	x := &dataTLS{}
	switch {
	case !fromOpener && s.Flags.Has(decode.FlagSYN):
		x.next[0], x.ready[0] = s.Ack, true
	case fromOpener && s.PayloadLen == 0 && s.Flags.Has(decode.FlagACK):
		x.next[0], x.ready[0] = s.Seq, true
	}
	return x
}

// opensData tells whether a segment can begin what the capture shows of
// a data connection whose SYN it missed: only the SYN-ACK, which answers
// a SYN and so starts a connection. An ACK or bytes could as well be a
// connection already running to the same port before the announcement (a
// server that hands out its passive ports again, to another session of
// the same client): taken for the new one, it hid that one's own SYNs and
// their failure. A capture that lost both SYN and SYN-ACK of a data
// connection does not show its start: such a flow is the announcement's
// only by the server's word (serverOpened), after its transfer command
// (transferFlow), or after a capture gap that may hold that command
// (flowOnly, kept by keepFlowOnly); a SYN of the announcement's own, or
// the session moving on with no such gap, gives it back.
func opensData(s *decode.Segment, fromOpener bool) bool {
	return !fromOpener && s.Flags.Has(decode.FlagSYN) && s.Flags.Has(decode.FlagACK)
}

// serverOpened tells whether the server said that the data connection
// of dc is open: its transfer command, paired without a gap, has a
// positive reply (150 or 125 "opening", or the transfer's 2xx). Then a
// connection to the announced port is in use whatever the capture shows
// of its start, and a segment of it between its peers, after that reply,
// is that connection: the capture lost its SYN and SYN-ACK. Before that
// reply, an ACK or bytes could belong to a connection still running to
// the same port (see opensData); the SYNs of the new one come before the
// server's reply (it answers once it accepted or connected), so a capture
// that has them has matched them already.
func serverOpened(dc *DataConn) bool {
	if sess := dc.Session; sess.gapOpened && dc.Announce != nil && len(sess.Data) > 0 && sess.Data[len(sess.Data)-1] == dc {
		// The latest announcement's transfer command lost in a capture
		// gap, its 150 (or 226) paired with nothing: the server said so
		// all the same.
		return true
	}
	c := dc.Command
	if c == nil || c.Uncertain || c.Unseen {
		return false
	}
	for _, r := range c.Replies {
		if r.Code >= 100 && r.Code < 300 {
			return true
		}
	}
	return false
}

// transferFlow tells whether a segment whose SYN and SYN-ACK the capture
// lost is the file of dc's transfer command on the move: bytes, after
// the command, from the side that sends what the command asks for (the
// client for STOR, APPE, STOU; the server for RETR and listings), whose
// reply (the 150 that says the connection is open) the capture may have
// lost too. A connection still running to the same port from before
// carries bytes as well; a SYN of the announcement's own after it gives
// the flow back (matchSYN).
func transferFlow(dc *DataConn, s *decode.Segment, fromConnector bool) bool {
	c := dc.Command
	if c == nil || c.Unseen || s.PayloadLen == 0 || s.TS.Before(c.TS) {
		return false
	}
	fromClient := fromConnector == dc.Passive
	switch c.Verb {
	case "STOR", "APPE", "STOU":
		return fromClient
	}
	return !fromClient
}

// flowBeforeCommand tells whether a segment whose SYN and SYN-ACK the
// capture lost may be the file of dc's transfer whose command the capture
// lost too: bytes between dc's peers after its announcement, the
// session's latest, while no transfer command used it. The command and
// the 150 that says the connection is open are lost in a gap of the
// control stream the capture shows only after the transfer (the client
// says nothing while the file moves), so the flow is taken for now
// (flowOnly) and kept only if such a gap shows (keepFlowOnly); else it
// is given back (dropFlowOnly): a connection still running to the same
// port from before carries bytes as well (see opensData).
func flowBeforeCommand(dc *DataConn, s *decode.Segment) bool {
	sess := dc.Session
	return dc.Command == nil && dc.Announce != nil && s.PayloadLen > 0 && !s.TS.Before(dc.Armed) && !sess.ended &&
		len(sess.Data) > 0 && sess.Data[len(sess.Data)-1] == dc
}

// flowOnly tells whether dc holds a flow pickUp took for now
// (flowBeforeCommand): nothing but the flow says it is dc's connection
// yet, and the announcement still waits in the port index for a SYN of
// its own, which gives the flow back (matchSYN).
func (t *Tracker) flowOnly(dc *DataConn) bool {
	return dc.beforePickUp != nil && dc.matched() && dc.Match != MatchPortOnly && !dc.Done &&
		slices.Contains(t.byPort[dc.Announced.Port()], dc)
}

// gapOpenedFor tells whether the server said, in a reply whose command a
// capture gap took (a 150 or 226), that the data connection of dc, its
// session's latest announcement, is open (Session.gapOpened).
func gapOpenedFor(dc *DataConn) bool {
	sess := dc.Session
	return sess.gapOpened && len(sess.Data) > 0 && sess.Data[len(sess.Data)-1] == dc
}

// keepFlowOnly makes the flow dc holds for now (flowOnly) its connection
// for good: a capture gap may hold its transfer command. Held at its end
// (finishData), it is final now.
func (t *Tracker) keepFlowOnly(dc *DataConn) {
	t.unwait(dc)
	if !dc.End.IsZero() {
		t.finishData(dc)
	}
}

// dropFlowOnly gives back the flow dc holds for now (flowOnly): no gap
// says its transfer command was lost. The announcement waits as it did
// before (givePickUpBack), with what came to it since kept: its number,
// and whether the capture's end cut its wait (atEnd). One that a SYN on
// the flow made a connection of its own (givePickUpBack keeps it) is
// kept for good.
func (t *Tracker) dropFlowOnly(dc *DataConn) {
	id, atEnd := dc.ID, dc.atEnd
	t.givePickUpBack(dc)
	if dc.matched() {
		t.unwait(dc)
		return
	}
	dc.ID, dc.atEnd = id, atEnd
}

// settleFlowOnly decides the flow dc holds for now (flowOnly) when its
// session moves on (a transfer command, an announcement) without a gap
// of the client's bytes after it (keepFlowOnly would have kept it): kept
// when the server said a command the gap took opened the connection
// (gapOpenedFor), given back otherwise.
func (t *Tracker) settleFlowOnly(dc *DataConn) {
	if !t.flowOnly(dc) {
		return
	}
	if gapOpenedFor(dc) {
		t.keepFlowOnly(dc)
		return
	}
	t.dropFlowOnly(dc)
}

// clientGapSeen is called at c, the first command after a gap of the
// client's bytes in sess's control stream (nil: at the session's end):
// the gap may hold the transfer command of a flow the session's latest
// announcement holds for now (flowOnly), when the client's last command
// before the gap (at before: latestCommand) came no later than the
// flow's first segment. Not when c is a transfer command: it takes the
// announcement itself (linkTransfer), and the flow came before it.
func (t *Tracker) clientGapSeen(sess *Session, c *Command, before time.Time) {
	if len(sess.Data) == 0 || c != nil && (c.Secret || ftp.IsTransfer(c.Verb)) {
		return
	}
	dc := sess.Data[len(sess.Data)-1]
	if !t.flowOnly(dc) || before.After(dc.Start) {
		return
	}
	t.keepFlowOnly(dc)
}

// quietAfterFlow is called at a command of sess that no gap of the
// client's bytes came before: the session's latest announcement's flow
// taken for now (flowOnly) is decided, as when the session moves on
// (settleFlowOnly).
func (t *Tracker) quietAfterFlow(sess *Session) {
	if n := len(sess.Data); n > 0 {
		t.settleFlowOnly(sess.Data[n-1])
	}
}

// sendsFile tells whether the bytes dc carried came from the side that
// sends what the transfer command c asks for (as transferFlow takes
// them): the client for STOR, APPE and STOU, the server otherwise.
func sendsFile(dc *DataConn, c *Command) bool {
	server := 0 // (the opener's side, in active mode)
	if dc.Passive {
		server = 1
	}
	switch c.Verb {
	case "STOR", "APPE", "STOU":
		return dc.Bytes[server^1] > 0
	}
	return dc.Bytes[server] > 0
}

// endedBefore tells whether one of the latest data connections of a
// session, finished, had the connection key k.
func endedBefore(sess *Session, k decode.ConnKey) bool {
	for i, n := len(sess.Data)-1, 0; i >= 0 && n < recentKept; i, n = i-1, n+1 {
		if dc := sess.Data[i]; dc.Done && dc.matched() && decode.MakeConnKey(dc.Client, dc.Server) == k {
			return true
		}
	}
	return false
}

// ExpectsData implements decode.DataExpecter: a SYN is an expected data
// connection when an announcement waits on its destination port for it
// (by the observed peers and the announced or control address, not the
// port alone), or when it retransmits one already matched, or goes from
// a session's client to the endpoint of a passive reply no command asked
// for (unsolicitedFor).
func (t *Tracker) ExpectsData(src, dst netip.AddrPort) bool {
	if t.lookupData(src, dst) != nil || len(t.unsolicited) > 0 && t.unsolicitedFor(src, dst) >= 0 {
		return true
	}
	for _, dc := range t.byPort[dst.Port()] {
		if taken := dc.matched(); taken && !dc.provisional() && !t.flowOnly(dc) || !taken && dc.Done {
			continue
		}
		connector, listener := dc.Session.Client.Addr(), dc.Session.Server.Addr()
		if !dc.Passive {
			connector, listener = listener, connector
		}
		if src.Addr() == connector && (dst.Addr() == dc.Announced.Addr() || dst.Addr() == listener) {
			return true
		}
	}
	return false
}

// inferData ties a SYN between the peers of a session whose announcements
// cannot be read to it: an encrypted session's are ciphertext, and a
// session picked up mid-stream may have made its last one before the
// capture started. Peers and ports are all there is. Only unprivileged
// ports count as data ports (and 20 for active mode), so the peers' other
// services are not taken for FTP data.
func (t *Tracker) inferData(s *decode.Segment) bool {
	var sess *Session
	passive := true
	to, from := [2]netip.Addr{s.Src.Addr(), s.Dst.Addr()}, [2]netip.Addr{s.Dst.Addr(), s.Src.Addr()}
	activePorts := s.Dst.Port() >= 1024 && (s.Src.Port() == 20 || s.Src.Port() >= 1024)
	among := 0
	var cands []*Session // the encrypted sessions it was chosen among
	// announcer: the encrypted session whose exchange the connection
	// uses (flagExchangeOpen), in passive mode.
	var announcer *Session
	if list := t.encrypted[to]; len(list) > 0 && s.Dst.Port() >= 1024 {
		sess, among = encryptedOwner(list, s, 1)
		cands = list
		if sess != nil {
			if announcer = t.announcedInsideAny(list, sess, s, true); announcer == nil {
				t.decline(s)
				return false
			}
		}
	} else if list := t.encrypted[from]; len(list) > 0 && activePorts {
		sess, among = encryptedOwner(list, s, 0)
		cands, passive = list, false
		// (Active mode: the server's SYN from its data port back to the
		// client is no other service of the client's; not gated.)
	} else if x := t.encryptedClients[s.Src.Addr()]; x != nil && elsewhereData(x, s, t.clock.since(x.lastSeen)) && t.announcedInside(x, s, true) {
		// A client of an encrypted session connecting to a private address
		// on another network than its own, soon after the session spoke:
		// the announcement it trusted (inside TLS) named that address.
		sess, announcer = x, x
	} else if x := t.unannounced[to]; x != nil && x.Midstream && s.Dst.Port() >= 1024 && t.beforeCapture(x, s) && x.transferDue() {
		sess = x
	} else if x := t.unannounced[from]; x != nil && x.Midstream && activePorts && t.beforeCapture(x, s) && x.transferDue() {
		sess, passive = x, false
	} else if p := t.pickLostOwner(to, s, true, nil); p.owner != nil {
		return t.takeLost(p, s, s, true)
	} else if p := t.pickLostOwner(from, s, false, nil); p.owner != nil {
		return t.takeLost(p, s, s, false)
	} else if x := t.clientOnly[to]; x != nil && s.Dst.Port() >= 1024 && clientOnlyData(x, s) {
		sess = x
	}
	if sess == nil || sess.ended {
		return false
	}
	if !t.addInferred(sess, s, passive, !sess.Encrypted, MatchInferred) {
		return false
	}
	if announcer != nil {
		announcer.flags &^= flagExchangeOpen // (used: once per exchange)
	}
	if dc := t.lookupData(s.Src, s.Dst); dc != nil && dc.Session == sess && cands != nil {
		if among > 1 {
			dc.AmongEncrypted = uint8(min(among, 255))
		}
		t.awaitOwner(dc, cands)
	}
	return true
}

// inferLostAnswer takes the SYN-ACK s, whose SYN the capture lost and
// which matched nothing (answerUnseen), for the data connection of a
// session between its peers whose announcement the capture lost, as
// inferData takes a SYN (pickLostOwner, on the SYN it answers: unseenSYN):
// the burst that took the announcement may take the SYN too. The
// connection starts at s: no SYN counted, answered.
func (t *Tracker) inferLostAnswer(s *decode.Segment) bool {
	syn := unseenSYN(s)
	if p := t.pickLostOwner([2]netip.Addr{syn.Src.Addr(), syn.Dst.Addr()}, &syn, true, nil); p.owner != nil {
		return t.takeLost(p, &syn, s, true)
	}
	if p := t.pickLostOwner([2]netip.Addr{syn.Dst.Addr(), syn.Src.Addr()}, &syn, false, nil); p.owner != nil {
		return t.takeLost(p, &syn, s, false)
	}
	return false
}

// lostPassive finds the passive announcing command (PASV, EPSV, LPSV) of
// sess whose reply the capture may have lost in a gap of the server's
// bytes, sent at or before at: the session's latest announcing command,
// pending since before the gap (Uncertain) with no reply, or found lost
// (StatusReplyLost), with nothing armed from it and no connection taken
// for it (Data: addLostAnnounced); nil when there is none.
func lostPassive(sess *Session, at time.Time) *Command {
	for i := len(sess.Commands) - 1; i >= 0; i-- {
		c := sess.Commands[i]
		if !ftp.IsAnnounce(c.Verb) {
			continue
		}
		switch {
		case c.Verb != "PASV" && c.Verb != "EPSV" && c.Verb != "LPSV", c.Secret, c.Data != nil, c.TS.After(at):
		case c.Status == StatusReplyLost, c.Status == StatusPending && c.Uncertain && len(c.Replies) == 0:
			return c
		case c.EndpointErr != nil && endpointCut(c):
			return c
		}
		return nil
	}
	return nil
}

// endpointCut tells whether c, a PASV, EPSV or LPSV, was accepted by a
// reply whose endpoint did not parse (227, 228 or 229: the snap length cut
// it, "229 Entering Extended Passive "): the port it announced is not in
// the capture, as for a lost reply.
func endpointCut(c *Command) bool {
	if len(c.Replies) == 0 {
		return false
	}
	switch c.Replies[len(c.Replies)-1].Code {
	case 227, 228, 229:
		return true
	}
	return false
}

// promptAfter tells whether dc, taken for the PASV/EPSV/LPSV whose reply
// the capture lost (MatchAnnounceLost), failed at once after it: its SYN
// within a second of the command and before the session's next one, as a
// client connects to what the reply announced and gives up when refused.
// The client's other traffic to the server comes later, after other
// commands (a monitor's probe after a NOOP).
func promptAfter(dc *DataConn) bool {
	if !dc.Passive {
		// Its PORT or EPRT is not in the capture: the SYN came within a
		// second before the client's next command (lostPrompt), as a
		// server that connects at the PORT itself (pyftpdlib, Twisted)
		// answers it, and the client goes on once told.
		return dc.lostPrompt && dc.Outcome != OutcomeTransferred && dc.Outcome != OutcomeConnected
	}
	a := dc.Announce
	first := dc.FirstSYN
	if dc.SYNs == 0 {
		first = dc.Armed // (taken at its SYN-ACK: inferLostAnswer)
	}
	if a == nil || first.Sub(a.TS) > time.Second || dc.Outcome == OutcomeTransferred || dc.Outcome == OutcomeConnected {
		return false
	}
	cs := dc.Session.Commands
	i := slices.Index(cs, a)
	if i < 0 {
		return false // (no longer kept: not told)
	}
	return i+1 == len(cs) || cs[i+1].TS.After(first)
}

// lostAnnounceWindow: how soon after a PASV or EPSV whose reply the
// capture lost a SYN from its client is taken for the data connection
// it announced (announceLost): clients connect within a round trip of the
// reply, as for a client-only session (clientOnlyWindow).
const lostAnnounceWindow = clientOnlyWindow

// announceLost tells whether the SYN s is the passive data connection of
// sess, whose PASV, EPSV or LPSV reply the capture lost (lostPassive):
// from its client to an unprivileged port of its server's control
// address, within lostAnnounceWindow after the command, while no
// connection was taken for it (one reply announced one endpoint; the
// same SYN sent again is a segment of that connection). Not one to
// another address (a 227 naming the server's
// address behind NAT, or another host): what the reply said, which the
// diagnosis of such a connection turns on (NAT or firewall), is not in
// the capture.
func (t *Tracker) announceLost(sess *Session, s *decode.Segment) bool {
	if sess.ended || sess.Encrypted || s.Src.Addr() != sess.Client.Addr() || s.Dst.Port() < 1024 || s.Dst.Addr() != sess.Server.Addr() {
		return false
	}
	c := lostPassive(sess, s.TS)
	if c == nil {
		c, _ = t.voidableLostPick(sess, s)
	}
	if c == nil {
		return lostRequestFor(sess, s)
	}
	return s.TS.Sub(c.TS) <= lostAnnounceWindow
}

// lostRequestGap tells whether a gap of the server's bytes that shows now
// in sess's control stream came while no command waited for a reply:
// they answered a command whose bytes the capture lost too (a PASV and
// its 227 lost together). Only in a session past its login, not picked
// up mid-stream, that announced nothing since its latest command.
// (CommandCount, not Commands: with RecentOnly the session keeps few.)
func lostRequestGap(sess *Session) bool {
	return len(sess.pending) == 0 && !sess.Midstream && sess.Login == LoginOK && sess.CommandCount > 0
}

// lostRequestFor tells whether the SYN s may be the passive data
// connection of a PASV or EPSV that sess's client sent in bytes the
// capture lost, answered in a gap of the server's bytes
// (xferMemo.lostRequest): from its client to an unprivileged port of
// its server's control address, within lostAnnounceWindow of the gap
// (before it too: the gap shows at the client's acknowledgment, which
// may come after its SYN), with no visible command since. Taken by
// peers and time alone (MatchAnnounceLost, no announcement): kept only
// when a transfer used it or its SYNs were sent again unanswered
// (finalData).
func lostRequestFor(sess *Session, s *decode.Segment) bool {
	m := sess.xfer
	if m == nil || m.lostRequest.IsZero() || s.Src.Addr() != sess.Client.Addr() || s.Dst.Port() < 1024 || s.Dst.Addr() != sess.Server.Addr() {
		return false
	}
	if d := s.TS.Sub(m.lostRequest); d > lostAnnounceWindow || d < -synHoldWindow {
		return false
	}
	// (Not the last of Commands: with RecentOnly the session keeps few.)
	return !latestCommand(sess).After(m.lostRequest)
}

// voidLostPick gives back the connection taken for the PASV, EPSV or
// LPSV of sess whose reply the capture lost (addLostAnnounced) when the
// client's SYN s, to another port, comes after it ended or failed and
// before its transfer's first reply: a client connects once to what one
// reply announced, so the one taken was other traffic of the client's
// to the server (another service's port, refused or not), and s may be
// the transfer's. It returns the command, free again (lostPassive), or
// nil.
func (t *Tracker) voidLostPick(sess *Session, s *decode.Segment) *Command {
	c, dc := t.voidableLostPick(sess, s)
	if c == nil {
		return nil
	}
	if t.lookupData(dc.Client, dc.Server) == dc {
		t.dropData(decode.MakeConnKey(dc.Client, dc.Server))
	}
	t.retract(sess, dc)
	c.Data = nil
	if x := dc.Command; x != nil {
		dc.Command = nil
		sess.memo().lastAnn = nil
	}
	return lostPassive(sess, s.TS)
}

// voidableLostPick is the passive announcing command of sess and the
// connection taken for it that voidLostPick would give back for the SYN
// s; nil when none. It changes nothing (announceLost asks it of every
// session a SYN may be for: pickLostOwner).
func (t *Tracker) voidableLostPick(sess *Session, s *decode.Segment) (*Command, *DataConn) {
	for i := len(sess.Commands) - 1; i >= 0; i-- {
		c := sess.Commands[i]
		if !ftp.IsAnnounce(c.Verb) {
			continue
		}
		dc := c.Data
		if dc == nil || dc.Match != MatchAnnounceLost || !dc.Passive || dc.reported || dc.Server == s.Dst ||
			s.TS.Sub(c.TS) > lostAnnounceWindow || t.lookupData(s.Src, s.Dst) != nil {
			return nil, nil
		}
		if x := dc.Command; x != nil && (len(x.Replies) > 0 || x.Status != StatusPending) {
			return nil, nil
		}
		if dc.answered() && !dc.Done && !(dc.finSent(0) && dc.finSent(1)) && dc.win.rst == nil {
			return nil, nil // (still open: maybe the transfer's)
		}
		return c, dc
	}
	return nil, nil
}

// addLostAnnounced makes the SYN s (announceLost) the data connection of
// the PASV, EPSV or LPSV of sess whose reply the capture lost, as
// announced on the port it went to: the reply announced the endpoint the
// client connected to. Its match, MatchAnnounceLost, says the
// announcement is not in the capture; one connection per lost reply
// (lostPassive takes no command with one). first is the segment the
// connection starts at: s, or the SYN-ACK that answered s when the
// capture lost s too (unseenSYN).
func (t *Tracker) addLostAnnounced(sess *Session, s, first *decode.Segment) bool {
	a := lostPassive(sess, s.TS)
	if a == nil {
		a = t.voidLostPick(sess, s)
	}
	if a == nil && lostRequestFor(sess, s) {
		// Its PASV or EPSV lost with the reply: no command to tie it
		// to; one connection per loss.
		sess.xfer.lostRequest = time.Time{}
		return t.addInferred(sess, first, true, true, MatchAnnounceLost)
	}
	if a == nil || !t.addInferred(sess, first, true, true, MatchAnnounceLost) {
		return false
	}
	dc := t.lookupData(s.Src, s.Dst)
	if dc == nil || dc.Session != sess {
		return true // (no room: counted by addInferred)
	}
	via := ftp.ViaPASV
	switch a.Verb {
	case "EPSV":
		via = ftp.ViaEPSV
	case "LPSV":
		via = ftp.ViaLPSV
	}
	// (Not a.Endpoint: the command's announcement is not in the
	// capture, and what reads it, --helper's simulation of the reply,
	// has none to read.)
	a.Data = dc
	dc.Announce, dc.Via, dc.Announced = a, via, sess.dataEndpoint(via, s.Dst)
	dc.announceCut = a.EndpointErr != nil && endpointCut(a)
	return true
}

// AnnouncementCut tells whether dc, taken for an announcement the
// capture lost (MatchAnnounceLost), was announced by a reply or command
// the capture holds cut short, its endpoint cut off (a snap length
// shorter than its packet, most often: tcpdump -s 96), rather than lost
// whole in a capture gap: a 227, 228 or 229 whose endpoint did not parse
// (endpointCut), or a PORT, EPRT or LPRT whose line a gap cut
// (cutLineKept).
func (dc *DataConn) AnnouncementCut() bool {
	return dc.Match == MatchAnnounceLost && dc.announceCut
}

// announceMayBeLost is called at a gap of the server's bytes in sess's
// control stream: when its latest PASV, EPSV or LPSV waits for a reply
// (lostPassive), the gap may hold it, and the client's SYN to what it
// announced is found by peers and time (announceLost, inferData), until
// the session announces again or ends (the unannounced index, which it
// joins unless a session picked up mid-stream between the same hosts
// holds it). The SYNs sent before the gap showed, held (holdSYN), are
// taken now, with their answers.
func (t *Tracker) announceMayBeLost(sess *Session) {
	if sess.ended || sess.Encrypted || sess.OneSide != BothSides {
		return
	}
	if lostPassive(sess, t.last) == nil {
		if !lostRequestGap(sess) {
			return
		}
		sess.memo().lostRequest = t.last
	}
	if !t.claimLost(sess) {
		return
	}
	t.takeHeldLost(sess, true)
}

// takeHeldLost gives the SYNs held (holdSYN, holdUnseen) that may be the
// data connection of the announcement sess lost, oldest first, to the
// session of its peers that lost one they fit (pickLostOwner: sess, or
// another that waited longer): a passive one's SYN from its client
// (announceLost), an active one's from its server (portLost). One on a
// 4-tuple taken already is a segment of that connection, the same SYN
// sent again, held too (replayed for a passive loss, whoever's it is;
// for an active one only into sess's own connection for a lost PORT).
// For a passive loss, a held connection that was answered and ended
// before the gap showed gives way to one that did not: the client
// connects once to what the reply announced, and that one is the
// transfer's, open when the reply after the gap (the 150) comes; the one
// that ended was its other traffic to the server (another service, a
// probe). So does, before those, one that carried the client's bytes
// before the gap showed (heldSpoke): a passive data connection's client
// sends nothing before its transfer command, and the gap shows at the
// client's first command after the lost reply.
func (t *Tracker) takeHeldLost(sess *Session, passive bool) {
	h := t.syns
	if h == nil || h.live == 0 {
		return
	}
	pair := [2]netip.Addr{sess.Client.Addr(), sess.Server.Addr()}
	// giveWay: how far a held slot is from fitting (0: open and quiet
	// so far; 1: it carried the client's bytes; 2: it ended); skip:
	// slots further than the best candidate held give way.
	giveWay := func(i int) int {
		switch {
		case !passive:
			return 0
		case h.closed[i]:
			return 2
		case t.heldSpoke(&h.segs[i]):
			return 1
		}
		return 0
	}
	skip := 2
	for i := range maxHeldSYNs {
		if s := &h.segs[i]; passive && s.Num != 0 && t.sessions.Get(decode.MakeConnKey(s.Src, s.Dst)) == nil &&
			t.lookupData(s.Src, s.Dst) == nil && t.announceLost(sess, s) {
			skip = min(skip, giveWay(i))
		}
	}
	for k := range maxHeldSYNs {
		i := (h.next + k) % maxHeldSYNs // oldest first
		s := &h.segs[i]
		if s.Num == 0 || t.sessions.Get(decode.MakeConnKey(s.Src, s.Dst)) != nil || giveWay(i) > skip {
			continue
		}
		dc := t.lookupData(s.Src, s.Dst)
		switch {
		case passive && !t.announceLost(sess, s), !passive && dc == nil && !portLost(sess, s):
		case dc != nil:
			if passive || dc.Session == sess && dc.Match == MatchAnnounceLost && !dc.Passive {
				t.releaseHeldAsSegment(i, dc, dc.Session == sess)
			}
		default:
			if p := t.pickLostOwner(pair, s, passive, sess); p.owner != nil {
				t.takeHeld(i, p, passive)
			}
		}
	}
}

// heldSpoke tells whether the connection of the SYN held s (from the
// client) carried the client's bytes after its handshake, as summed up
// while it was held (noteRunning: the capture's first minutes); not in a
// capture that may reorder, whose order says nothing of that.
func (t *Tracker) heldSpoke(s *decode.Segment) bool {
	return !s.Reorders && t.runningSent(s.Src, s.Dst)
}

// releaseHeldAsSegment empties slot i of the held SYNs, on the 4-tuple of
// dc (takeHeldLost): the SYN sent again, held too, is a segment of dc,
// replayed when replay (a slot whose SYN the capture lost gives its
// answer, the SYN-ACK: heldSYNs.unseen).
func (t *Tracker) releaseHeldAsSegment(i int, dc *DataConn, replay bool) {
	h := t.syns
	s := h.segs[i]
	if h.unseen[i] {
		s = h.answers[i]
	}
	t.releaseHeldSYN(i)
	if replay {
		t.replay(dc, &s)
	}
}

// takeHeld makes the SYN held in slot i the data connection of the
// session p chose for an announcement the capture lost (takeLost,
// takeHeldLost), with the answer held beside it, what came after that in
// a capture that reorders, and an ICMP error that quotes it. A slot
// whose SYN the capture lost (heldSYNs.unseen) starts the connection at
// its answer, the SYN-ACK. The slot is emptied, and what the running
// table summed up of the 4-tuple meanwhile (the handshake's ACK, before
// the gap showed) is forgotten: the connection is followed from here.
func (t *Tracker) takeHeld(i int, p lostPick, passive bool) {
	h := t.syns
	syn, ans, unseen := h.segs[i], h.answers[i], h.unseen[i]
	t.releaseHeldSYN(i)
	first := &syn
	if unseen {
		first = &ans
	}
	if !t.takeLost(p, &syn, first, passive) {
		return
	}
	if dc := t.lookupData(syn.Src, syn.Dst); dc != nil && ans.Num != 0 {
		if !unseen {
			t.replay(dc, &ans)
		}
		t.replayLater(dc, syn.Src, syn.Dst)
		t.forgetRunning(syn.Src, syn.Dst)
	}
	if t.unreach != nil && t.unreach.live > 0 {
		t.replayUnreachable(&syn) // (held: quotesHeldSYN)
	}
}

// activeMayBeLost is called at c, the first command after a gap of the
// client's bytes in sess's control stream (Command.GapBefore): the gap
// may hold a PORT, EPRT or LPRT, and the server's SYN to what it
// announced is found by peers and time (portLost, inferData), until the
// session announces again (arm) or ends, or one connection is taken (the
// unannounced index, which it joins unless another session between the
// same hosts holds it). The SYNs sent before the gap showed, held
// (holdSYN), are taken now, with their answers: a server that connects
// at the PORT itself does so before the client's next command. When c
// announces, only those: the connections after it are c's. c is nil at
// the session's end, for a gap no command followed (the client gave up
// while the server's SYNs went unanswered, and closed): only those too.
// since is when the client's command before the gap came
// (latestCommand, as c came), whatever the session keeps of it.
func (t *Tracker) activeMayBeLost(sess *Session, c *Command, since time.Time) {
	t.clientGapSeen(sess, c, since)
	if sess.ended || sess.Encrypted || sess.Midstream || sess.OneSide != BothSides || c != nil && c.Secret {
		return
	}
	kept := cutLineKept(sess, c)
	if n, least := clientGapBytes(sess, since), shortestActiveLine(sess.Client.Addr()); n < least && n+kept < least {
		// Too few bytes for any PORT, EPRT or LPRT naming the client's
		// address (a lost NOOP), counting what the capture kept of one
		// the gap cut: the server's connections to the client after it
		// are other traffic (a monitor's probe).
		return
	}
	if x := t.unannounced[[2]netip.Addr{sess.Client.Addr(), sess.Server.Addr()}]; x != nil && x != sess && t.claimsUnannounced(x) && x.Midstream {
		return
	}
	t.settleLostPort(sess) // (an earlier gap's connection, held)
	if c == nil {
		sess.memo().lostActive = lostActive{since: since, at: sess.lastSeen, cut: kept > 0}
	} else {
		sess.memo().lostActive = lostActive{since: since, at: c.TS, cut: kept > 0}
	}
	if c == nil || c.EndpointVia != 0 {
		defer func() {
			t.settleLostPort(sess)
			sess.xfer.lostActive = lostActive{}
		}()
	} else {
		if !t.claimLost(sess) {
			sess.xfer.lostActive = lostActive{}
			return
		}
		sess.xfer.lostActive.stale = staleOf(sess)
	}
	t.takeHeldLost(sess, false)
}

// maxLostOthers bounds the sessions of one client and server address
// pair waiting in Tracker.lostOthers.
const maxLostOthers = 8

// claimLost enters sess, which found an announcement lost in a capture
// gap (announceMayBeLost, activeMayBeLost), in the index of sessions
// whose data connections are found by peers and time: the unannounced
// index, unless another session of the pair holds it and still waits
// there; then, unless that one was picked up mid-stream (whose
// connections are all found so), beside it (lostOthers: pickLostOwner
// chooses among them). False when sess is not entered.
func (t *Tracker) claimLost(sess *Session) bool {
	if m := sess.xfer; m != nil {
		m.lostHedge = 0 // (an earlier loss's)
	}
	pair := [2]netip.Addr{sess.Client.Addr(), sess.Server.Addr()}
	x := t.unannounced[pair]
	if x == nil || x == sess || !t.claimsUnannounced(x) {
		t.unannounced[pair] = sess
		t.leaveLostOthers(sess)
		return true
	}
	if x.Midstream {
		return false
	}
	list := t.lostOthers[pair]
	if slices.Contains(list, sess) {
		return true
	}
	if len(list) >= maxLostOthers {
		list = slices.DeleteFunc(list, func(y *Session) bool { return !t.claimsUnannounced(y) })
		if len(list) >= maxLostOthers {
			t.lostOthers[pair] = list
			return false
		}
	}
	t.lostOthers[pair] = append(list, sess)
	return true
}

// leaveLostOthers takes sess out of Tracker.lostOthers.
func (t *Tracker) leaveLostOthers(sess *Session) {
	pair := [2]netip.Addr{sess.Client.Addr(), sess.Server.Addr()}
	list, ok := t.lostOthers[pair]
	if !ok || !slices.Contains(list, sess) {
		return
	}
	if list = slices.DeleteFunc(list, func(y *Session) bool { return y == sess }); len(list) == 0 {
		delete(t.lostOthers, pair)
	} else {
		t.lostOthers[pair] = list
	}
}

// lostPick is pickLostOwner's choice: the session a SYN is the data
// connection of, and the others of the same peers it could as well be
// (those waiting as long, or as free, as far as peers and time tell).
type lostPick struct {
	owner  *Session
	among  int // owner and the others; 0 for none
	others [maxLostOthers + 1]*Session
}

// pickLostOwner chooses, of the sessions between the peers pair whose
// announcement the capture lost (the unannounced index, lostOthers, and
// self when not nil), the one the SYN s is the data connection of
// (announceLost for a passive one, portLost for an active one). One
// that has no connection taken yet comes before one whose connection
// taken may give way to s; among those, the one waiting longest (its
// transfer command, or the command that showed the lost bytes): a
// server answers its sessions' transfers in turn. Two or more waiting
// together cannot be told apart by peers and time: the pick says among
// how many it chose (DataConn.AmongLost).
func (t *Tracker) pickLostOwner(pair [2]netip.Addr, s *decode.Segment, passive bool, self *Session) lostPick {
	var p lostPick
	var cands [maxLostOthers + 2]*Session
	var free [maxLostOthers + 2]bool
	var bestAt time.Time
	bestFree, n := false, 0
	consider := func(x *Session) {
		if x == nil || x.Midstream || n == len(cands) || passive && !t.announceLost(x, s) || !passive && !portLost(x, s) {
			return
		}
		at, f := t.lostWaitSince(x, s, passive)
		cands[n], free[n] = x, f
		n++
		if p.owner == nil || f && !bestFree || f == bestFree && at.Before(bestAt) {
			p.owner, bestAt, bestFree = x, at, f
		}
	}
	x := t.unannounced[pair]
	consider(x)
	others := t.lostOthers[pair]
	for _, y := range others {
		if y != x {
			consider(y)
		}
	}
	if self != nil && self != x && !slices.Contains(others, self) {
		consider(self)
	}
	if p.owner == nil {
		return p
	}
	p.among = 1
	for i, y := range cands[:n] {
		if y != p.owner && free[i] == bestFree {
			p.others[p.among-1] = y
			p.among++
		}
	}
	return p
}

// lostWaitSince is since when sess, whose announcement the capture lost,
// has waited for the data connection s may be (pickLostOwner), and
// whether it has none taken yet: for a passive one, its command whose
// reply was lost; for an active one, its first transfer command waiting
// for a connection, or the command that showed the gap.
func (t *Tracker) lostWaitSince(sess *Session, s *decode.Segment, passive bool) (time.Time, bool) {
	if passive {
		if c := lostPassive(sess, s.TS); c != nil {
			return c.TS, true
		}
		if c, _ := t.voidableLostPick(sess, s); c != nil {
			return c.TS, false
		}
		return sess.xfer.lostRequest, true // (announceLost: lostRequestFor)
	}
	l := sess.xfer.lostActive // (portLost: not zero)
	if p := waitingTransfer(sess); p != nil {
		return p.TS, l.held == nil
	}
	return l.at, l.held == nil
}

// takeLost makes the SYN s the data connection of p.owner for the
// announcement the capture lost (addLostAnnounced, addLostPort), chosen
// among p.among sessions of the same peers (pickLostOwner), starting at
// first (s, or the SYN-ACK that answered s when the capture lost s:
// unseenSYN). When that was a guess, the connection says so, and so does
// the one each other session takes next for the same loss (lostHedge):
// the guess may have given it the connection of the one it was made for.
func (t *Tracker) takeLost(p lostPick, s, first *decode.Segment, passive bool) bool {
	sess := p.owner
	among := p.among
	if m := sess.xfer; m != nil && int(m.lostHedge) > among {
		among = int(m.lostHedge)
	}
	var ok bool
	if passive {
		ok = t.addLostAnnounced(sess, s, first)
	} else {
		ok = t.addLostPort(sess, s, first)
	}
	dc := t.lookupData(s.Src, s.Dst)
	if !ok || dc == nil || dc.Session != sess {
		return ok
	}
	if m := sess.xfer; m != nil {
		m.lostHedge = 0
	}
	if among > 1 {
		dc.AmongLost = uint8(min(among, 255))
	}
	for _, y := range p.others[:max(p.among-1, 0)] {
		if m := y.memo(); int(m.lostHedge) < p.among {
			m.lostHedge = uint8(min(p.among, 255))
		}
	}
	return ok
}

// lastCommandBefore is the session's command before c (nil: its
// latest), as far as the session keeps it (its transcript, or its
// pending commands); nil when it keeps none.
func lastCommandBefore(sess *Session, c *Command) *Command {
	var last *Command
	for _, list := range [2][]*Command{sess.Commands, sess.pending} {
		for i := len(list) - 1; i >= 0; i-- {
			if p := list[i]; c == nil || p != c && p.Index < c.Index {
				if last == nil || p.TS.After(last.TS) {
					last = p
				}
				break
			}
		}
	}
	return last
}

// cutLineKept is how many bytes of its line the capture kept of a PORT,
// EPRT or LPRT that a gap of the client's bytes cut (a snap length
// shorter than its segment: tcpdump -s 74 keeps "PORT 10,"): the
// session's command before c, when its endpoint did not parse and that
// gap came in the packet that delivered it (decode hands the cut line
// over at the gap). Its start is known: the gap holds the rest of that
// line, and those bytes count toward it (activeMayBeLost). 0 otherwise,
// and when the session no longer keeps the command right before c (an
// older PORT kept with RecentOnly is not it).
func cutLineKept(sess *Session, c *Command) int {
	p := lastCommandBefore(sess, c)
	prev := sess.CommandCount
	if c != nil {
		prev = c.Index - 1
	}
	if p == nil || p.Index != prev || p.Secret || p.Data != nil || p.EndpointVia != 0 && p.EndpointErr == nil {
		return 0
	}
	switch p.Verb {
	case "PORT", "EPRT", "LPRT":
	default:
		return 0
	}
	for i := len(sess.Events) - 1; i >= 0; i-- {
		e := &sess.Events[i]
		if e.TS.Before(p.TS) {
			break
		}
		if e.Kind == EventGap && e.FromClient && e.Num == p.Num {
			return len(p.Verb) + len(" ") + len(p.Arg)
		}
	}
	return 0
}

// portLost tells whether the SYN s is the active data connection of sess
// for a PORT, EPRT or LPRT a gap of its client's bytes may have held
// (activeMayBeLost): from its server's control address (from port 20,
// the control port minus one, or an unprivileged one) to an unprivileged
// port of its client's control address, sent after the client's command
// before the gap, and within lostAnnounceWindow of the command that
// showed it, or of a transfer command waiting for a data connection
// since (a server connects when the transfer asks for it: vsftpd,
// ProFTPD, Pure-FTPd). Not one to another address: what the PORT said,
// which the diagnosis of such a connection turns on (NAT, a bounce), is
// not in the capture.
func portLost(sess *Session, s *decode.Segment) bool {
	m := sess.xfer
	if m == nil || m.lostActive.at.IsZero() || sess.ended || sess.Encrypted ||
		s.Src.Addr() != sess.Server.Addr() || s.Dst.Addr() != sess.Client.Addr() || s.Dst.Port() < 1024 || s.Dst == sess.Client {
		return false
	}
	l := m.lostActive
	if !fromDataPort(sess, s.Src) {
		switch {
		case s.Src.Port() < 1024:
			return false
		case l.held != nil && !heldFailed(l.held, s.TS) && !heldClosed(l.held):
			// One from an unprivileged port is held for the gap
			// already (addLostPort): only one from the data port
			// takes its place, or any once the held one failed (the
			// server host's probe refused or unanswered, and then
			// the server's own connection: ProFTPD's, from an
			// unprivileged port too) or ended (heldClosed).
			return false
		case latestPassive(sess) && !transferWaiting(sess, s.TS):
			// The session's latest announcement was passive and no
			// transfer waits for a connection: a gap holding a switch
			// to active mode is less likely than the server host's
			// other connections to the client (a monitor's probe, a
			// backup job), which come from unprivileged ports too.
			// With a transfer waiting, a server that connects from
			// one (ProFTPD, pyftpdlib) may be answering it: held, as
			// every unprivileged candidate is (addLostPort).
			return false
		}
	}
	if !s.TS.After(l.since) {
		return false // (sent before the lost bytes were)
	}
	if d := s.TS.Sub(l.at); d <= lostAnnounceWindow && d >= -lostAnnounceWindow {
		return true
	}
	return transferWaiting(sess, s.TS)
}

// transferWaiting tells whether a transfer command of sess, sent by at
// and within lostAnnounceWindow of it, waits for a data connection.
func transferWaiting(sess *Session, at time.Time) bool {
	for _, p := range sess.pending {
		if waitsForLostPort(sess, p) && !p.TS.After(at) && at.Sub(p.TS) <= lostAnnounceWindow {
			return true
		}
	}
	return false
}

// waitsForLostPort tells whether p, a command of sess, is a transfer
// command that waits for a data connection a PORT lost in a gap may
// bring (activeMayBeLost): none is tied to it, or only the announcement
// that PORT replaces (staleLinked).
func waitsForLostPort(sess *Session, p *Command) bool {
	if !isTransfer(p) {
		return false
	}
	return len(p.Transfer) == 0 || len(p.Transfer) == 1 && staleLinked(sess, p, p.Transfer[0])
}

// staleOf is the announcement of sess a PORT lost in the gap that shows
// now would replace (lostActive.stale): the newest one no transfer used
// yet (or offered again after a refused one: reoffer), an active one
// nothing connected to; or the connection an earlier gap's lost PORT
// brought that no transfer command took (lostPortUntied: that gap took
// the command too). The command after the gap takes it (linkTransfer) as
// it would if the gap held no PORT; the server's connection for one
// gives it back (supersedeStale). Not a passive one: while a transfer
// waits on it, the server host's other connections to the client
// (portLost) would be held for the transfer instead of refused.
func staleOf(sess *Session) staleAnnouncement {
	a := sess.lastAnn()
	if a == nil || a.Passive || a.Done || a.reported || a.matched() && !a.lostPortUntied() {
		return staleAnnouncement{}
	}
	return staleAnnouncement{dc: a, cmd: a.Command, rest: a.Rest, size: a.ExpectedSize, transferType: a.Type}
}

// staleLinked tells whether dc, tied to the transfer command p of sess,
// is the announcement the PORT a gap may have held replaces
// (lostActive.stale), still as it was: nothing connected to one that
// had nothing.
func staleLinked(sess *Session, p *Command, dc *DataConn) bool {
	m := sess.xfer
	return m != nil && m.lostActive.stale.dc == dc && dc.Command == p && !dc.Done && !dc.reported &&
		(!dc.matched() || dc.Match == MatchAnnounceLost)
}

// supersedeStale is for the server's connection for a PORT a gap held
// (addLostPort, settleLostPort), l the gap: the announcement before the
// gap nothing connected to (l.stale) is replaced by that PORT, as a
// visible one would replace it (arm). The transfer command waiting that
// took it (linkTransfer: the gap could have held another line) gives it
// back, to the refused transfer that offered it when one did (reoffer),
// and it is final as it stands: the transfer's connection is the one
// that came.
func (t *Tracker) supersedeStale(sess *Session, l lostActive) {
	st := l.stale
	a := st.dc
	if a == nil || a.Done || a.reported || a.matched() && a.Match != MatchAnnounceLost {
		return
	}
	switch c := a.Command; {
	case sess.lastAnn() == a:
		sess.xfer.lastAnn = nil
	case c != nil && c != st.cmd && c.Status == StatusPending && len(c.Transfer) == 1 && c.Transfer[0] == a:
		c.Transfer = nil
		a.Command, a.Rest, a.ExpectedSize, a.Type = st.cmd, st.rest, st.size, st.transferType
		if st.cmd != nil {
			st.cmd.Transfer = append(slices.Clone(st.cmd.Transfer), a) // (a new slice: the old one was reported)
		}
	default:
		return // (another's by now)
	}
	if a.matched() {
		// The connection an earlier lost PORT brought: the server
		// opens one data connection at a time, and it opened the next,
		// so that one is over (its end may be what the capture missed
		// with that gap's bytes).
		t.finishData(a)
		return
	}
	t.movedOn(sess, a)
}

// addLostPort makes the SYN s (portLost) the active data connection of
// sess for the PORT, EPRT or LPRT the gap may have held, tied to the
// transfer command waiting for one, or the next one, starting at first
// (as addLostAnnounced). Its match, MatchAnnounceLost, says the
// announcement is not in the capture; it has none (no Announce, Via or
// Announced). One connection per gap.
//
// One from an unprivileged port while a transfer command waits for its
// data connection, unanswered yet, is held for now (lostActive.held):
// not tied to the command, so its bytes make no file, while the server's
// own connection from its data port (20, or the control port minus one)
// may still come and take its place (the server host's other traffic to
// the client, a backup job, starts from unprivileged ports too). The
// command's first reply, the connection's end, the next gap or
// announcement, or the session's end ties it (settleLostPort).
func (t *Tracker) addLostPort(sess *Session, s, first *decode.Segment) bool {
	m := sess.memo()
	l := m.lostActive
	if l.held != nil {
		if fromDataPort(sess, s.Src) || heldClosed(l.held) {
			// From the data port, or after the held one ended with
			// no reply to its transfer (portLost): the one held for
			// now was another connection.
			t.dropHeldLostPort(sess, l.held)
		} else {
			// The held one failed (portLost): kept till the
			// transfer's first reply tells which was the server's.
			if l.failed != nil {
				t.dropHeldLostPort(sess, l.failed)
			}
			l.failed = l.held
		}
		l.held = nil
	}
	hold := !fromDataPort(sess, s.Src) && waitingTransfer(sess) != nil
	if !hold {
		if l.failed != nil {
			t.dropHeldLostPort(sess, l.failed)
			l.failed = nil
		}
		t.supersedeStale(sess, l)
	}
	m.lostActive = lostActive{}
	if hold {
		m.lostActive = l
	}
	if !t.addInferred(sess, first, false, !hold, MatchAnnounceLost) {
		return false
	}
	dc := t.lookupData(s.Src, s.Dst)
	if dc == nil || dc.Session != sess {
		m.lostActive = lostActive{} // (no room: counted by addInferred)
		return true
	}
	d := l.at.Sub(s.TS)
	dc.lostPrompt = d >= 0 && d <= time.Second
	dc.announceCut = l.cut
	if hold {
		m.lostActive.held = dc
	}
	return true
}

// HeldForLostPort tells whether dc is held for now for a PORT, EPRT or
// LPRT the capture lost (addLostPort): a connection from an unprivileged
// port of the server while a transfer command waits, not tied to it
// (Command is nil) until that command's first reply, the connection's
// end, the session's next gap or announcement, or its end
// (settleLostPort), as one from the server's data port may still take
// its place: dc is then the server host's other traffic, never reported.
// Its bytes may be the transfer's file: a sink keeps them until it
// knows (its Data call, or its Command set).
func (dc *DataConn) HeldForLostPort() bool {
	m := dc.Session.xfer
	return m != nil && m.lostActive.held == dc
}

// lostPortUntied tells whether dc is an active connection taken for a
// PORT the capture lost that no transfer command is tied to yet (held
// for one, HeldForLostPort, or retracted when final: finalData):
// its number waits for its record or its command, so that one given up
// leaves no hole in the numbering (payloadConn).
func (dc *DataConn) lostPortUntied() bool {
	return dc.Match == MatchAnnounceLost && !dc.Passive && dc.Command == nil
}

// fromDataPort tells whether src is the server's active-mode data port
// of sess: 20, or its control port minus one (RFC 959's L-1).
func fromDataPort(sess *Session, src netip.AddrPort) bool {
	return src.Port() == 20 || src.Port() == sess.Server.Port()-1
}

// latestPassive tells whether the latest data connection sess lists is a
// passive one.
func latestPassive(sess *Session) bool {
	n := len(sess.Data)
	return n > 0 && sess.Data[n-1].Passive
}

// waitingTransfer is the session's first transfer command that waits for
// a data connection (waitsForLostPort), with no reply yet; nil when none
// does.
func waitingTransfer(sess *Session) *Command {
	for _, p := range sess.pending {
		if waitsForLostPort(sess, p) && len(p.Replies) == 0 {
			return p
		}
	}
	return nil
}

// settleLostPort ties the connection held for a lost PORT (addLostPort),
// if any, to the transfer command waiting for one: no connection from
// the data port came to take its place before the command's reply, the
// connection's end, the next gap or announcement, or the session's end.
// The gap takes no other connection after it.
func (t *Tracker) settleLostPort(sess *Session) {
	m := sess.xfer
	if m == nil || m.lostActive.held == nil {
		return
	}
	dc, l := m.lostActive.held, m.lostActive
	m.lostActive = lostActive{}
	if l.failed != nil {
		t.dropHeldLostPort(sess, l.failed) // (the held one is the server's)
	}
	if dc.Command != nil || dc.reported {
		return
	}
	t.supersedeStale(sess, l)
	defer func() {
		if !dc.Done {
			return
		}
		// Ended while held (finishData kept it): no segment of its
		// numbers it now (payloadConn).
		t.numberData(dc)
		if dc.Command == nil {
			t.reportData(dc)
		}
	}()
	for _, p := range sess.pending {
		if isTransfer(p) && len(p.Transfer) == 0 {
			if m.lastAnn == nil {
				m.lastAnn = dc
				t.linkTransfer(sess, p)
			}
			return
		}
	}
}

// heldClosed tells whether dc, held for a lost PORT (addLostPort), was
// answered and has ended (its FINs or an RST): held, its transfer
// command has no reply yet, and a server says 150 once the data
// connection is open, before it sends the file and closes. So it was the
// server host's other traffic to the client (a backup job, a monitor's
// probe), and the next connection from the server's address takes its
// place, whatever port it comes from: port 20 (vsftpd) or another
// (ProFTPD or Pure-FTPd configured so, pyftpdlib, IIS).
func heldClosed(dc *DataConn) bool {
	return dc.answered() && (dc.Done || dc.win.rst != nil || dc.finSent(0) && dc.finSent(1))
}

// heldFailed tells whether dc, held for a lost PORT (addLostPort), has
// failed by now: nothing answered its SYN, and it was refused (an RST,
// held or final), sent again, or waited a second.
func heldFailed(dc *DataConn, now time.Time) bool {
	if dc.answered() || dc.Bytes[0]+dc.Bytes[1] > 0 {
		return false
	}
	return dc.Done || dc.win.rst != nil || dc.SYNs > 1 || now.Sub(dc.FirstSYN) >= time.Second
}

// lostPortReply is for r, a reply to c, the transfer command of sess
// waiting for the connection of a PORT the capture lost
// (waitsForLostPort). The connection held for it (addLostPort) is
// tied at the first reply when it was answered. One that failed so far
// is held till the final reply, as the server's own connection may
// still come (portLost): a success then says the held one was the
// server host's other traffic (a probe) and it is dropped; a failure
// ties it.
func (t *Tracker) lostPortReply(sess *Session, c *Command, r *Reply) {
	m := sess.xfer
	if m == nil || m.lostActive.held == nil {
		return
	}
	dc := m.lostActive.held
	switch {
	case dc.answered() && m.lostActive.failed != nil && len(c.Replies) == 0 && r.Code >= 400:
		// The transfer failed at once: the connection that failed
		// before this one was the server's own, this one the server
		// host's other traffic to the client (a probe, a backup job).
		failed := m.lostActive.failed
		m.lostActive.held, m.lostActive.failed = failed, nil
		t.dropHeldLostPort(sess, dc)
		t.settleLostPort(sess)
	case dc.answered():
		if len(c.Replies) == 0 {
			t.settleLostPort(sess)
		}
	case ftp.IsPreliminary(r.Code):
	case r.Code < 300:
		m.lostActive = lostActive{}
		t.dropHeldLostPort(sess, dc)
	default:
		t.settleLostPort(sess)
	}
}

// dropHeldLostPort undoes addLostPort's taking of dc, held for a lost
// PORT: a connection from the server's data port came for the gap, and
// dc was the server host's other traffic to the client. It leaves the
// session unreported, and its later segments match nothing.
func (t *Tracker) dropHeldLostPort(sess *Session, dc *DataConn) {
	if dc.reported || dc.Command != nil {
		return
	}
	if t.lookupData(dc.Client, dc.Server) == dc {
		t.dropData(decode.MakeConnKey(dc.Client, dc.Server))
	}
	t.retract(sess, dc)
}

// shortestActiveLine is the fewest bytes a PORT, EPRT or LPRT line naming
// an unprivileged port (1024 and up) of addr takes, its line ended by a
// bare LF (servers take one): "PORT a,b,c,d,4,0" for IPv4,
// "EPRT |2|addr|1024|" otherwise (LPRT is never shorter). A gap of the
// client's bytes shorter than that held none (activeMayBeLost).
func shortestActiveLine(addr netip.Addr) int {
	a := addr.Unmap().WithZone("")
	eprt := len("EPRT |2|") + len(a.String()) + len("|1024|\n")
	if !a.Is4() {
		return eprt
	}
	port := len("PORT ") + len("4,0\n")
	for _, b := range a.As4() {
		port += len(strconv.Itoa(int(b))) + len(",")
	}
	return min(port, eprt)
}

// clientGapBytes is how many bytes of the client's control stream of sess
// the capture lost after since (the time of its command before them), as
// its transcript's gap events count them; math.MaxInt when one's size is
// not known, or none is kept (the transcript's bounds).
func clientGapBytes(sess *Session, since time.Time) int {
	n, found := 0, false
	for i := len(sess.Events) - 1; i >= 0; i-- {
		e := &sess.Events[i]
		if e.TS.Before(since) {
			break
		}
		if e.Kind != EventGap || !e.FromClient {
			continue
		}
		if e.Bytes <= 0 {
			return math.MaxInt
		}
		n, found = n+e.Bytes, true
	}
	if !found {
		return math.MaxInt
	}
	return n
}

// claimsUnannounced tells whether x, the session the unannounced index
// holds for its peers, still waits there for a connection: one picked up
// mid-stream, for as long as it is open; one whose PASV reply or PORT a
// capture gap may have held, within lostAnnounceWindow of the command or
// of a transfer command waiting since (announceLost, portLost). Past
// that, another session between the same hosts that finds a reply or
// command lost takes its place.
func (t *Tracker) claimsUnannounced(x *Session) bool {
	if x.ended {
		return false
	}
	if x.Midstream {
		return true
	}
	now := t.last
	if c := lostPassive(x, now); c != nil && now.Sub(c.TS) <= lostAnnounceWindow {
		return true
	}
	if m := x.xfer; m != nil && !m.lostRequest.IsZero() && now.Sub(m.lostRequest) <= lostAnnounceWindow {
		return true
	}
	m := x.xfer
	if m == nil || m.lostActive.at.IsZero() {
		return false
	}
	if m.lostActive.held != nil || now.Sub(m.lostActive.at) <= lostAnnounceWindow {
		return true
	}
	for _, p := range x.pending {
		if waitsForLostPort(x, p) && now.Sub(p.TS) <= lostAnnounceWindow {
			return true
		}
	}
	return false
}

// spokePast tells whether side of the open encrypted session sess has
// spoken past its TLS handshake (noteRecord): what it sent last may be a
// command or a reply.
func (sess *Session) spokePast(side int) bool {
	return !sess.ended && sess.turns[side] > handshakeTurns
}

// announceFlightWindow: how long after the control record that
// announced it (the server's 227 or 229, the client's PORT, EPRT or the
// transfer command after it) a data connection's SYN comes. A client
// connects as it reads the reply, a server as it reads the command;
// captured at the other end, a round trip later (under a second on a
// WAN, as ownerMargin), and a busy host takes a little more. Wider
// takes the client's other connections to the server (a web page's
// requests seconds after a listing) for FTP data.
const announceFlightWindow = 2 * time.Second

// announcedInside tells whether the SYN s between the peers of the
// encrypted session sess (passive: from its client) may be a data
// connection it announced inside TLS, where peers and time are all the
// capture shows. The same two hosts talk over other services too (a web
// server, a database), and one taken for FTP data would be reported as a
// failed transfer with a firewall rule for its port. So it is not:
//   - to a port outside the passive range known for the server
//     (Options.PassiveRange: --pasv-range or its configuration), in
//     passive mode;
//   - when the capture shows both sides of the control connection and
//     they did not just exchange the records that announce one: in
//     passive mode the client's request answered by the server (its 227
//     or 229) within announceFlightWindow before the SYN (in active mode
//     the client's command within that window, though inferData does not
//     ask there: a server's SYN back to its client is no other service).
//     Not longer while the client says nothing since: any exchange (a
//     NOOP and its 200) reads as one that may announce, and a SYN to
//     another service seconds after it would get a wrong rule, worse
//     than missing a slow client's data connection;
//   - when that exchange was used: it got its connection (passive:
//     flagExchangeOpen; a data connection of the session began after
//     it), or it came while a data connection of the session held its
//     transfer (noteExchange, holdsTransfer: a session transfers one
//     file at a time, each on a connection of its own, and a client
//     connects before its LIST or RETR, so the records exchanged while
//     the connection waits for its data announce none), or one still
//     holds it. A connection whose close the capture lost holds none
//     once its bytes stopped before the server's record after them
//     (the 226).
//
// A capture that shows one side of the control connection only (turns:
// the other never spoke) cannot tell, and the SYN is taken by peers and
// time as before.
func (t *Tracker) announcedInside(sess *Session, s *decode.Segment, passive bool) bool {
	if passive && t.opts.PassiveRange != nil {
		if rs := t.opts.PassiveRange(sess); len(rs) > 0 && !rs.Contains(s.Dst.Port()) {
			return false
		}
	}
	if sess.turns[0] == 0 || sess.turns[1] == 0 {
		return true
	}
	side := 0
	if passive {
		side = 1
	}
	at := sess.spokeAt[side]
	syn := s.TS.UnixNano()
	if !sess.spokePast(side) || at > syn {
		return false
	}
	if passive && sess.flags&flagExchangeOpen == 0 {
		return false
	}
	if syn-at > int64(announceFlightWindow) {
		return false
	}
	for i, n := len(sess.Data)-1, 0; i >= 0 && n < recentKept; i, n = i-1, n+1 {
		dc := sess.Data[i]
		if dc.Passive != passive {
			continue
		}
		if dc.Armed.UnixNano() >= at || dc.holdsTransfer(at) {
			return false
		}
	}
	return true
}

// InferNearPorts: how far from a port a session's passive data
// connections were answered on (FitsWorking) an inferred one's port may be
// and still be read as its server's range: a fixed range is rarely wider
// than a thousand ports (vsftpd's and ProFTPD's examples: 40000-40100),
// and one wider shows itself by ports answered across it.
const InferNearPorts = 1000

// FitsWorking tells whether dst fits the passive data connections of the
// session its server answered (a SYN-ACK: it listened there), of the
// latest recentKept: at the same address as one of them, within
// InferNearPorts of one of their ports. Near one port, not inside their
// span: an answered connection to another service inferred the same way
// (a TLS admin panel on 8443) would otherwise stretch the span over a
// database port between it and the range (3306 fitting 8443-40050).
// answered: some were; without them nothing fits, nor is contradicted.
// except, when not nil, is left out: an answered connection weighed
// against the others.
func (sess *Session) FitsWorking(dst netip.AddrPort, except *DataConn) (fits, answered bool) {
	port := int(dst.Port())
	for i, n := len(sess.Data)-1, 0; i >= 0 && n < recentKept; i, n = i-1, n+1 {
		dc := sess.Data[i]
		if dc == except || !dc.Passive || !dc.answered() {
			continue
		}
		answered = true
		if dc.Server.Addr() != dst.Addr() {
			continue
		}
		if d := port - int(dc.Server.Port()); d >= -InferNearPorts && d <= InferNearPorts {
			return true, true
		}
	}
	return false, answered
}

// noteExchange notes the server's answer to its client's latest record
// on the encrypted session sess (a new turn of the server's: noteRecord,
// before spokeAt[1] moves on to it) as an exchange that may have
// announced a passive data connection (flagExchangeOpen), unless one of
// the session's still held its transfer when the request came
// (holdsTransfer, past the server's record before it).
func (sess *Session) noteExchange() {
	sess.flags |= flagExchangeOpen
	for i, n := len(sess.Data)-1, 0; i >= 0 && n < recentKept; i, n = i-1, n+1 {
		if dc := sess.Data[i]; dc.Passive && dc.holdsTransfer(sess.spokeAt[1]) {
			sess.flags &^= flagExchangeOpen
			return
		}
	}
}

// holdsTransfer tells whether dc, a data connection of an encrypted
// session, still held its transfer after since (packet time, Unix
// nanoseconds: a record of the server's): answered, no FIN or RST seen,
// and it carried no bytes yet (it waits for its transfer command and the
// 150: the data, and its TLS handshake, come after), or its bytes went
// on past since. One whose bytes stopped before since, its latest
// segment too, or a millisecond before (LastData's precision), is done:
// the server's record after them was its 226, and its close is lost to
// the capture.
func (dc *DataConn) holdsTransfer(since int64) bool {
	if dc.Done || !dc.answered() || dc.finSent(0) || dc.finSent(1) || !dc.RSTTS.IsZero() {
		return false
	}
	last := dc.LastData()
	if dc.Bytes[0] == 0 && dc.Bytes[1] == 0 || last.IsZero() {
		return true
	}
	return dc.lastSeen.UnixNano() >= since && last.Add(time.Millisecond).UnixNano() > since
}

// announcedInsideAny tells which of the open encrypted sessions list
// between a SYN's peers may have announced it (announcedInside): owner,
// encryptedOwner's guess (settled later: settleOwner), when it may, else
// the first other that may; nil when none may. Its exchange is the one
// the connection uses (inferData).
func (t *Tracker) announcedInsideAny(list []*Session, owner *Session, s *decode.Segment, passive bool) *Session {
	if t.declinedBefore(s) {
		return nil
	}
	if !owner.ended && t.announcedInside(owner, s, passive) {
		return owner
	}
	if i := slices.IndexFunc(list, func(x *Session) bool { return x != owner && !x.ended && t.announcedInside(x, s, passive) }); i >= 0 {
		return list[i]
	}
	return nil
}

// declinedKept: how many SYNs announcedInside turned down the tracker
// remembers (Tracker.declined), so that the same SYN sent again (after
// 1, 3, 7 s) is not judged anew against records that came after the
// first: a retry of a connection to another service is no more FTP data
// than the first try. A small ring: a client retries few at once.
const declinedKept = 16

// decline remembers the SYN s as no inferred data connection.
func (t *Tracker) decline(s *decode.Segment) {
	t.declined[t.declinedNext%declinedKept] = declinedSYN{decode.MakeConnKey(s.Src, s.Dst), s.Seq}
	t.declinedNext++
}

// declinedBefore tells whether s is a SYN turned down before (decline):
// the same connection and initial sequence number.
func (t *Tracker) declinedBefore(s *decode.Segment) bool {
	k := decode.MakeConnKey(s.Src, s.Dst)
	for _, d := range t.declined {
		if d.key == k && d.isn == s.Seq {
			return true
		}
	}
	return false
}

// declinedSYN is a SYN announcedInside turned down.
type declinedSYN struct {
	key decode.ConnKey
	isn uint32
}

// ownerMargin: two encrypted sessions between the same hosts whose
// deciding records (encryptedOwner) came closer together than this are
// too close to tell which one a data connection answers. A second: a
// capture beside the server sees the client's SYN a round trip after
// the 227, and another session's reply sent within that trip (a NOOP's,
// a 150 of a parallel transfer) is the last record before the SYN
// without having caused it; a WAN round trip is under a second.
const ownerMargin = time.Second

// encryptedOwner picks, of the open encrypted sessions between a SYN's
// peers, the one whose announcement it answers: the one whose server
// (side 1: passive mode, its 227 or 229) or client (side 0: active
// mode, its PORT or EPRT) last spoke before the SYN, past its TLS
// handshake (spokePast), as the reply or command that announced the
// port is the last thing its session said before the connection. among
// counts the sessions that could as well have been it: those whose side
// spoke within ownerMargin of the one taken, or after the SYN (a capture
// written out of order); or, when none spoke past its handshake before
// the SYN, all of them (the one seen last is taken). 1 when the choice
// is clear.
func encryptedOwner(list []*Session, s *decode.Segment, side int) (owner *Session, among int) {
	syn := s.TS.UnixNano()
	var best int64
	for _, x := range list {
		if at := x.spokeAt[side]; x.spokePast(side) && at <= syn && at > best {
			owner, best = x, at
		}
	}
	if owner == nil {
		for _, x := range list {
			if !x.ended && (owner == nil || x.lastSeen.After(owner.lastSeen)) {
				owner = x
			}
			if !x.ended {
				among++
			}
		}
		return owner, among
	}
	for _, x := range list {
		if at := x.spokeAt[side]; x.spokePast(side) && (at > syn || best-at < int64(ownerMargin)) {
			among++
		}
	}
	return owner, among
}

// ownerSettleWait: how long after a data connection's first FIN or RST
// the first server record on a control connection of its session's
// encrypted peers may come and still be taken for its transfer's final
// reply (settleOwner). The server sends its 226 as the data connection
// closes; captured beside the client, an upload's comes a round trip
// after the client's FIN, and a WAN round trip is under a second.
const ownerSettleWait = time.Second

// maxOwnerWaits bounds the data connections per client and server
// address pair whose session waits to be settled (Tracker.ownerWaits):
// each of the pair's maxEncryptedPerPair sessions has one transfer at a
// time. Past it the oldest keeps the session it was taken for.
const maxOwnerWaits = 2 * maxEncryptedPerPair

// ownerWait is a data connection inferred for one of several encrypted
// sessions between the same two hosts (encryptedOwner), whose session is
// settled by the first server record on one of their control
// connections after it ends (settleOwner), and the sessions it was
// chosen among: those that had spoken past their TLS handshake by its
// SYN (a session still in its handshake or login then announced
// nothing; its records after are not the reply).
type ownerWait struct {
	dc    *DataConn
	cands [maxEncryptedPerPair]int // session IDs, 0 past the last
}

// candidate tells whether the session numbered id could have announced
// w's data connection.
func (w *ownerWait) candidate(id int) bool {
	for _, c := range w.cands {
		if c == 0 {
			break
		}
		if c == id {
			return true
		}
	}
	return false
}

// among counts the sessions that could have announced w's data
// connection.
func (w *ownerWait) among() int {
	n := 0
	for n < len(w.cands) && w.cands[n] != 0 {
		n++
	}
	return n
}

// awaitOwner holds dc, just inferred for dc.Session among the encrypted
// sessions list of its peers, for the reply that settles its session
// (settleOwner), when another of them could have announced it: its
// record is reported once that reply came, or ownerSettleWait after its
// end without one (the guess stands), or at the capture's end. A
// session that turns to TLS later is no candidate: it announced nothing
// before the SYN.
func (t *Tracker) awaitOwner(dc *DataConn, list []*Session) {
	side := 1
	if !dc.Passive {
		side = 0
	}
	var w ownerWait
	n := 0
	for _, x := range list {
		if x == dc.Session || x.spokePast(side) {
			w.cands[n] = x.ID
			n++
		}
	}
	if n < 2 {
		return // no other could have
	}
	pair := [2]netip.Addr{dc.Session.Client.Addr(), dc.Session.Server.Addr()}
	if l := t.ownerWaits[pair]; len(l) >= maxOwnerWaits {
		t.settleAsIs(l[0].dc)
	}
	w.dc = dc
	dc.ownerWaits = true
	t.ownerWaits[pair] = append(t.ownerWaits[pair], w)
}

// endSeen tells when dc, answered, showed its end first: its first FIN
// or RST (one held for what follows included); false while it showed
// none, and for one never answered (a refused or unanswered connect is
// told by a reply to the transfer command, not one after its end).
func (dc *DataConn) endSeen() (time.Time, bool) {
	if !dc.answered() {
		return time.Time{}, false
	}
	var at time.Time
	for _, ts := range [...]time.Time{dc.FINTS[0], dc.FINTS[1], dc.RSTTS} {
		if !ts.IsZero() && (at.IsZero() || ts.Before(at)) {
			at = ts
		}
	}
	if h := dc.win.rst; h != nil && (at.IsZero() || h.ts.Before(at)) {
		at = h.ts
	}
	return at, !at.IsZero()
}

// settleOwner takes a record from the server of the encrypted session
// sess, past its TLS handshake, that answers nothing of its client's
// (the server spoke last on the connection) for the final reply (226,
// 426) of the transfer of a data connection that just ended between its
// peers: the server sends it on the owning session's control connection
// as the data connection closes, after its 150 and with no command of
// the client's between, where the last record before the SYN was a
// guess. (A reply to a command another session's client sent just then,
// a 200 to its TYPE, is not it.) prevServer is when sess's server sent
// its record before this one (Unix nanoseconds): this one must be the
// first since the connection's end, the one before sent while it was
// open (the 150, or the 227 of a short transfer). A reply begun after
// the end (a 221 to another session's QUIT), its later segments, or the
// TLS close_notify after a 221, come after another record of the server
// sent since the end: they are not it. One record settles one data
// connection: the one taken for sess if it waits, else the one that
// ended first. A move to sess clears the hedge (AmongEncrypted) only
// when the record before came strictly before the end; at the same
// instant the order is not known, and the connection moves hedged.
func (t *Tracker) settleOwner(sess *Session, prevServer int64) {
	pair := [2]netip.Addr{sess.Client.Addr(), sess.Server.Addr()}
	l := t.ownerWaits[pair]
	pick, strict := -1, false
	for i := range l {
		w := &l[i]
		end, ok := w.dc.endSeen()
		if !ok || t.clock.since(end) > ownerSettleWait || !w.candidate(sess.ID) {
			// Still open (the record is not after its end), waited too
			// long (tick lets it go), or sess announced nothing before it.
			continue
		}
		endAt := end.UnixNano()
		if prevServer == 0 || prevServer > endAt {
			continue // sess's server spoke since the end: not the first
		}
		if w.dc.Session == sess {
			pick, strict = i, prevServer < endAt
			break
		}
		if pick < 0 || !strict && prevServer < endAt {
			pick, strict = i, prevServer < endAt
		}
	}
	if pick < 0 {
		return
	}
	dc, among := l[pick].dc, l[pick].among()
	t.dropOwnerWait(dc)
	from := dc.Session
	moved := from != sess && t.moveData(dc, sess)
	switch {
	case from == sess || moved && strict:
		dc.AmongEncrypted = 0 // no longer a guess
	case moved && dc.AmongEncrypted < 2:
		// Moved on a record whose order against the end is not known:
		// still a guess among the sessions that could have announced it.
		dc.AmongEncrypted = uint8(among)
	}
	if dc.Done {
		t.reportData(dc)
	}
	if moved {
		t.maybeReportEnd(from) // (its end may have waited for dc)
	}
}

// moveData makes dc, not reported yet, a data connection of to instead of
// its session's, unless to holds MaxDataPerSession already.
func (t *Tracker) moveData(dc *DataConn, to *Session) bool {
	if len(to.Data) >= t.opts.MaxDataPerSession {
		return false
	}
	from := dc.Session
	t.unlist(from, dc)
	from.DataCount--
	dc.Session = to
	t.addToSession(to, dc)
	return true
}

// awaitsOwner tells whether dc's record still waits for the reply that
// settles its session (settleOwner): it ended (a FIN or an RST) less
// than ownerSettleWait ago. Otherwise it lets it go as it was taken.
func (t *Tracker) awaitsOwner(dc *DataConn) bool {
	if end, ok := dc.endSeen(); ok && t.clock.since(end) <= ownerSettleWait {
		return true
	}
	t.dropOwnerWait(dc)
	return false
}

// dropOwnerWait takes dc out of those waiting for their session to be
// settled.
func (t *Tracker) dropOwnerWait(dc *DataConn) {
	if !dc.ownerWaits {
		return
	}
	dc.ownerWaits = false
	pair := [2]netip.Addr{dc.Session.Client.Addr(), dc.Session.Server.Addr()}
	l := slices.DeleteFunc(t.ownerWaits[pair], func(w ownerWait) bool { return w.dc == dc })
	if len(l) == 0 {
		delete(t.ownerWaits, pair)
	} else {
		t.ownerWaits[pair] = l
	}
}

// settleAsIs lets dc go with the session it was taken for, and reports
// it if it is final.
func (t *Tracker) settleAsIs(dc *DataConn) {
	t.dropOwnerWait(dc)
	if dc.Done {
		t.reportData(dc)
	}
}

// expireOwnerWaits lets go, as they were taken, the data connections
// whose session no reply settled within ownerSettleWait of their end,
// those final without a FIN or RST (unanswered, idle), and with all, every
// one (the capture's end: no reply comes now); in the order they came.
func (t *Tracker) expireOwnerWaits(all bool) {
	var due []*DataConn
	for _, l := range t.ownerWaits {
		for _, w := range l {
			end, ok := w.dc.endSeen()
			if all || ok && t.clock.since(end) > ownerSettleWait || !ok && w.dc.Done {
				due = append(due, w.dc)
			}
		}
	}
	slices.SortFunc(due, func(a, b *DataConn) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, dc := range due {
		t.settleAsIs(dc)
	}
}

// addInferred makes the SYN s the inferred data connection of sess
// (passive: opened by its client). With link, it is tied to the transfer
// command waiting for one, or the next one (its commands are readable).
func (t *Tracker) addInferred(sess *Session, s *decode.Segment, passive, link bool, match MatchRule) bool {
	if t.noDataRoom(sess) != "" {
		return true
	}
	t.seq++
	dc := &DataConn{
		Seq: t.seq, Session: sess, Passive: passive, Armed: s.TS, ArmedNum: s.Num,
		Client: s.Src, Server: s.Dst, Match: match, ExpectedSize: -1, Rest: -1,
		protected: sess.dataProtected(),
	}
	if s.Flags.Has(decode.FlagACK) {
		// A SYN-ACK whose SYN the capture began after (adoptEarly): from
		// the side connected to.
		dc.Client, dc.Server = s.Dst, s.Src
	}
	t.addToSession(sess, dc)
	if link {
		// Its commands are readable: the transfer command waiting for a
		// data connection, or the next one, is this connection's.
		sess.memo().lastAnn = dc
		for _, p := range sess.pending {
			if ftp.IsTransfer(p.Verb) && len(p.Transfer) == 0 {
				t.linkTransfer(sess, p)
				break
			}
		}
	}
	t.addData(s, dc)
	t.addOpen(dc)
	t.dataSegment(dc, s)
	return true
}

// defaultPortData ties the SYN s to a session with no data port announced
// and waiting, as the RFC 959 default one (sections 3.2 and 5.2): from the
// server's control address at its control port minus one (L-1: 20) to the
// client's control address and port (U), while a transfer command of the
// session waits for a data connection (a BSD ftp with "sendport off", an
// old client that never sends PORT). Only in a session followed from its
// start, whose control channel is readable, with no announcement waiting
// (a PORT holds until REIN or another one; a PASV until it is used): there
// nothing else can be this 4-tuple's owner. Its record has no
// announcement (via unknown) and is matched as MatchDefaultPort.
func (t *Tracker) defaultPortData(s *decode.Segment) bool {
	if s.Src.Port() == 0 || s.Src.Port() == 65535 || s.Dst.Port() < 1024 {
		return false
	}
	ctl := netip.AddrPortFrom(s.Src.Addr(), s.Src.Port()+1)
	sess := t.sessions.Get(decode.MakeConnKey(s.Dst, ctl))
	if sess == nil || sess.Client != s.Dst || sess.Server != ctl || sess.ended || sess.Midstream ||
		sess.Encrypted || sess.WasEncrypted || sess.lastAnn() != nil {
		return false
	}
	waiting := false
	for _, p := range sess.pending {
		if ftp.IsAnnounce(p.Verb) {
			return false
		}
		if ftp.IsTransfer(p.Verb) && !p.Secret && len(p.Transfer) == 0 {
			waiting = true
		}
	}
	return waiting && t.addInferred(sess, s, false, true, MatchDefaultPort)
}

// transferDue tells whether a session waits for a data connection it
// announced where the capture cannot show it: a transfer command of its
// (RETR, LIST, STOR…) waits for its final reply with none tied to it. Only
// then is a SYN between its peers its data connection: the same two hosts
// talk over other services too, and a session that only keeps its
// connection alive (NOOP) waits for none.
func (sess *Session) transferDue() bool {
	for _, p := range sess.pending {
		if ftp.IsTransfer(p.Verb) && !p.Secret && len(p.Transfer) == 0 {
			return true
		}
	}
	return false
}

// clientOnlyData tells whether a SYN from the client of a session the
// capture holds the client's side of only (Tracker.clientOnly) to an
// unprivileged port of its server is the passive data connection of its
// latest PASV, EPSV or LPSV: one sent within clientOnlyWindow before the
// SYN, after the session's latest data connection began. The reply that
// announced the port is not in the capture; the peers, the command and
// the timing are.
func clientOnlyData(sess *Session, s *decode.Segment) bool {
	var since time.Time
	if n := len(sess.Data); n > 0 {
		since = sess.Data[n-1].Armed
	}
	for i := len(sess.pending) - 1; i >= 0; i-- {
		c := sess.pending[i]
		if c.TS.Before(since) || s.TS.Sub(c.TS) > clientOnlyWindow {
			break
		}
		switch c.Verb {
		case "PASV", "EPSV", "LPSV":
			return !c.Secret && !c.TS.After(s.TS)
		}
	}
	return false
}

// clientOnlyWindow: how soon after its PASV/EPSV a client-only session's
// SYN to its server is taken for the data connection. Clients connect
// within a round trip of the reply; later, another connection between
// the two hosts (RDP, a database) would be taken for one a PASV the
// client never used announced.
const clientOnlyWindow = 10 * time.Second

// midstreamWindow: how long after a mid-stream session's start (the
// capture's first packet of it) or its last control activity a SYN
// between its peers may still answer an announcement made before the
// capture started. Servers give up on a passive listener, or on
// connecting back, within about a minute (vsftpd's accept_timeout and
// connect_timeout, 60 s).
const midstreamWindow = time.Minute

// beforeCapture tells whether a SYN between the peers of a session picked
// up mid-stream, with no announcement of its own yet, may be the data
// connection of one made before the capture started: soon after the
// session's start or its last control line. Past that the session leaves
// the index.
func (t *Tracker) beforeCapture(sess *Session, s *decode.Segment) bool {
	if s.TS.Sub(sess.Start) <= midstreamWindow || s.TS.Sub(sess.lastSeen) <= midstreamWindow {
		return true
	}
	t.announced(sess)
	return false
}

// synCopyWindow: a SYN with the sequence number of the one before, seen
// sooner than this after it, is that SYN seen again, not a retry: TCP
// first retransmits a SYN after its initial timeout, a second or more
// (RFC 6298 2.1; Linux's TCP_TIMEOUT_INIT), while one capture taken on
// several interfaces (tcpdump -i any on a router or a bridge) or a mirror
// port fed by two links holds each packet twice within microseconds.
const synCopyWindow = 50 * time.Millisecond

// elsewhereWindow: how soon after its session's last control activity a
// SYN to another address counts as that session's data connection.
const elsewhereWindow = time.Minute

// elsewhereData tells whether a SYN from an encrypted session's client to
// an address other than its server is a passive data connection the
// session announced inside TLS: to an unprivileged port of a private
// address outside the client's own /24 (or /64), while the session is
// active (quiet: the packet time since the session last spoke). The
// client's own LAN, and public addresses, are left alone: they are the
// client's other traffic far more often.
func elsewhereData(sess *Session, s *decode.Segment, quiet time.Duration) bool {
	dst, cli := s.Dst.Addr(), sess.Client.Addr()
	if dst == sess.Server.Addr() || s.Dst.Port() < 1024 || !dst.IsPrivate() || quiet > elsewhereWindow {
		return false
	}
	bits := 24
	if dst.Is6() {
		bits = 64
	}
	p, err := cli.Prefix(bits)
	return err == nil && !p.Contains(dst)
}

// dataSegment updates a data connection from one segment's header: the
// handshake, the payload counted from sequence numbers (retransmissions
// add nothing), and how it ended. An RST the side it is sent to would
// drop (resetVerdict) changes nothing but the count of those; one it may
// drop waits for what follows (heldReset).
func (t *Tracker) dataSegment(dc *DataConn, s *decode.Segment) {
	if dc.Done {
		return
	}
	if dc.endWaits {
		// Ended by its FINs; decode delivers the bytes that were missing
		// before one (a retransmission the capture holds after both
		// FINs) and says when it has them all (DataEnd). Nothing of the
		// connection changes meanwhile: an RST after the FINs ends
		// nothing more, and the bytes were counted from the FIN's place.
		return
	}
	if dc.viaAlias(s.Src, s.Dst) {
		// (Segment takes a segment the reflection does not as any
		// other; a replay of held segments only lets the alias go.)
		t.reflection(dc, s)
		return
	}
	dir := 0 // from the side that opened it
	if s.Src != dc.Client {
		dir = 1
	}
	if !s.Flags.Has(decode.FlagRST) {
		dc.Hops |= decode.SegmentHops(s.TTL, dir == 0)
	}
	if s.Flags.Has(decode.FlagRST) {
		verdict := dc.resetVerdict(dir, s)
		if verdict != resetDropped && dc.finHole != 0 {
			// An RST carrying ACK acknowledges as an ACK does, held or
			// taken: a receiver's RST|ACK of a FIN past a hole says the
			// bytes before it arrived (finhole.go).
			dc.finHoleReceiver(dir, s)
		}
		switch verdict {
		case resetDropped:
			// The side it is sent to drops it (a blind injection, or an
			// RST for another incarnation of the 4-tuple): it ends
			// nothing, and moves nothing.
			dc.rstIgnored++
			t.limits.DataRSTIgnored++
			return
		case resetHeld:
			// In the window but not at the next byte: the receiver
			// answers it with a challenge ACK if it follows RFC 5961
			// 3.2, and it ends the connection only if nothing of the
			// receiver's follows (heldReset).
			if dc.win.rst == nil {
				// Past the sender's next byte and the RST's own number:
				// an acknowledgment that was on its way when the RST came
				// (of bytes the capture lost before it) reaches neither.
				edge := dc.seqHi[dir]
				if dc.finSent(dir) {
					edge++
				}
				if int32(s.Seq-edge) > 0 {
					edge = s.Seq
				}
				dc.win.rst = &heldReset{ts: s.TS, dir: uint8(dir), ttl: s.TTL, ackEdge: edge}
			}
			return
		case resetTaken:
			if dc.win.rst == nil && dc.seqInit[dir] && dc.answered() && dc.awaitsFinalReply() {
				// Exact: it ends the connection, unless its sender goes
				// on after it (heldReset.exact). Its record waits for
				// the transfer command's final reply anyway, which
				// settles it (transferDone, reportCommand), as does the
				// session's end: held, it changes no record's order.
				edge := dc.seqHi[dir]
				if dc.finSent(dir) {
					edge++
				}
				if int32(s.Seq-edge) > 0 {
					edge = s.Seq
				}
				dc.win.rst = &heldReset{ts: s.TS, dir: uint8(dir), ttl: s.TTL, ackEdge: edge, exact: true, bytes: dc.Bytes, fins: dc.FINTS}
				return
			}
		case resetMade:
			dc.openerAcked = true // (answered: it went past SYN-SENT)
		case resetRefusal:
			// It answers the opener's SYN, as a closed port and a
			// firewall's reject do: an opener that takes it is closed,
			// and sends nothing more on the connection. Its SYN sent
			// again with the same sequence number, or its ACK, says it
			// did not (a forged RST, or one its stack found corrupt):
			// the connection is what followed. Else it refused the
			// connection when it is final (finishData).
			if h := dc.win.rst; h == nil {
				dc.win.rst = &heldReset{ts: s.TS, dir: uint8(dir), ttl: s.TTL, synSent: true}
			}
			return
		}
	}
	if h := dc.win.rst; h != nil && h.exact && s.Flags.Has(decode.FlagSYN) {
		// A SYN on the 4-tuple after the RST held: a new connection
		// (the RST stood), as when an exact RST ended this one at once.
		t.finishData(dc)
		return
	}
	if h := dc.win.rst; h != nil && h.exact && h.sentPast(dc, dir, s) {
		// Its sender went on after it: it was not the sender's (a
		// forged RST, or one the receiver found corrupt and dropped).
		// (What came meanwhile counted; had the RST stood, its counts
		// would be put back: takeHeldReset.)
		dc.win.rst = nil
		dc.rstIgnored++
		t.limits.DataRSTIgnored++
	}
	moved := dc.TotalBytes() > 0
	switch dc.win.judge(dc, dir, s) {
	case windowRefused:
		// Its receiver could not have taken it on what the capture shows
		// (dataWindow): it moves nothing until the receiver acknowledges
		// it.
		return
	case windowNewRun:
		t.limits.DataBeyondWindow++
		return
	case windowStale:
		if dc.win.coveredBy(dir, s) {
			t.limits.DataBeyondWindow-- // the sender's after all: counted with this segment
		}
	default:
		dc.win.coveredBy(dir, s) // passed by the flow: they stay left out
	}
	if h := dc.win.rst; h != nil && h.synSent && dir != int(h.dir) && s.Flags.Has(decode.FlagSYN) {
		h.retried = true
	}
	if h := dc.win.rst; h != nil && !h.exact && dir != int(h.dir) && h.outlivedBy(dc, dir, s) {
		// The side the held RST was sent to went on: it dropped it, or
		// (its SYN sent again since) it took it and tried again, as
		// Windows does with a refused connect: a refusal the retry got
		// past, not an RST ignored.
		dc.win.rst = nil
		if !h.retried {
			dc.rstIgnored++
			t.limits.DataRSTIgnored++
		}
	}
	dc.lastSeen = s.TS
	if dc.tls == nil && s.Flags.Has(decode.FlagSYN) && dir == 0 && dc.SYNs == 0 && (dc.protected || dc.Session.dataProtected()) {
		dc.tls = &dataTLS{}
	}
	if dc.tls != nil {
		dc.tls.feed(dir, s)
		if dc.tls.settled() {
			// Nothing more can change the verdict: keep it, not the
			// scanners, for the rest of a transfer that may last hours.
			dc.releaseTLS()
		}
	}
	syn := s.Flags.Has(decode.FlagSYN)
	if dir == 0 && !s.Flags.Has(decode.FlagRST) && dc.openerFromAcks(0) && dc.Bytes[0] > 0 {
		dc.unseenSeen(0, s, syn)
	}
	if dir == 0 && !syn && !s.Flags.Has(decode.FlagRST) && dc.openerFromAcks(0) && dc.Bytes[0] == 0 {
		// The opener is seen after all, its sequence space known from
		// its peer's acknowledgments only (ackedUnseenOpener) and no
		// byte counted from them: its own segments count from here.
		dc.seqInit[0] = false
	}
	if syn && dir == 0 {
		switch s.LinkDir {
		case decode.LinkIn:
			dc.synSeen |= synArrived
		case decode.LinkOut:
			dc.synSeen |= synLeft
		}
	}
	switch {
	case syn && dir == 0 && dc.SYNs > 0 && s.Seq == dc.lastSYNSeq && -synCopyWindow < s.TS.Sub(dc.LastSYN) && s.TS.Sub(dc.LastSYN) < synCopyWindow:
		// The same SYN again at once: a second sighting of it (a capture
		// on several interfaces, a mirror port fed twice), not a retry.
		// Either way in time: a retry seconds before the SYN it repeats
		// is one whose capture clock stepped back, still a retry.
		dc.synSeen |= synTwice
	case syn && dir == 0:
		if dc.SYNs > 0 && dc.SynAckTS.IsZero() && !dc.openerAcked && dc.seqInit[1] {
			// The opener sends its SYN again: it is in SYN-SENT still,
			// and dropped what came from the other side without a SYN
			// since (RFC 9293 3.10.7.3): a forged segment, or one of
			// another incarnation of the 4-tuple, not the connection's.
			dc.forgetAnswer()
		}
		dc.SYNs++
		dc.lastSYNSeq = s.Seq
		if dc.FirstSYN.IsZero() {
			dc.FirstSYN = s.TS
			dc.SYNNum = s.Num
			dc.Start = s.TS
		}
		dc.LastSYN = s.TS
		if !dc.SynAckTS.IsZero() && dc.synsAfterSynAck < math.MaxUint8 {
			dc.synsAfterSynAck++
		}
	case dir == 0 && !s.Flags.Has(decode.FlagRST):
		if !dc.openerAcked && !dc.SynAckTS.IsZero() && s.Flags.Has(decode.FlagACK) {
			dc.AckTS = s.TS
		}
		dc.openerAcked = true
	case syn && dir == 1:
		if dc.SynAckTS.IsZero() {
			dc.SynAckTS = s.TS
		} else {
			dc.countSynAck(s)
		}
	}
	if dir == 1 && dc.win.flags[1]&ackOnly != 0 && !s.Flags.Has(decode.FlagRST) {
		dc.unseenSeen(1, s, syn)
	}
	if syn {
		// A SYN sent again with the same number, short of the data an
		// earlier one carried (TCP Fast Open's retry drops it; snd_nxt
		// stays past it): the data was sent all the same.
		if !dc.seqInit[dir] || s.Seq+1 != dc.acked[dir] || int32(dc.seqHi[dir]-dc.acked[dir]) <= 0 {
			dc.seqHi[dir] = s.Seq + 1
		}
		dc.seqInit[dir] = true
		dc.acked[dir] = s.Seq + 1
	} else if !dc.seqInit[dir] && !s.Flags.Has(decode.FlagRST) {
		// Picked up without this side's SYN: count from here.
		dc.seqHi[dir] = s.Seq
		dc.seqInit[dir] = true
		dc.acked[dir] = dc.seqHi[dir]
	}
	if dc.finHole != 0 && !s.Flags.Has(decode.FlagRST) {
		// (An RST was read above, by its verdict.)
		dc.finHoleReceiver(dir, s)
	}
	if s.Flags.Has(decode.FlagACK) && !s.Flags.Has(decode.FlagRST) && dc.seqInit[dir^1] {
		// (Before advertised: against the window the receiver
		// advertised before this segment.)
		dc.noteAckPast(dir, s.Ack)
	}
	counted := dc.TotalBytes() // (LastData: below, what this segment adds)
	finTaken := false
	if dc.win.advertised(dc, dir, s) {
		// The receiver acknowledged bytes left out as beyond its window:
		// it took them. They count now, the hole before them too, and
		// their FIN once acknowledged. An ACK short of the run's end
		// takes the run up to it (the rest stays left out): in a bulk
		// flow the receiver's ACKs trail the sender by up to a window,
		// and never reach the newest byte left out while the sender has
		// more to send; without it, a capture that lost more than a
		// window of a transfer counted nothing after the loss. The edge
		// moves with the bytes taken (acked below), so the flow after
		// them is within the window again.
		o := dir ^ 1
		w := &dc.win
		end := w.pendEnd[dir]
		if w.flags[dir]&pending != 0 {
			end = s.Ack // (short of pendEnd: advertised)
		}
		if int32(end-dc.seqHi[o]) > 0 {
			dc.Bytes[o] += int64(end - dc.seqHi[o])
			dc.seqHi[o] = end
			if f := end - dc.acked[o]; f > dc.flight[o] {
				dc.flight[o] = f
			}
			if int32(end-dc.acked[o]) > 0 {
				dc.acked[o] = end
			}
			// The run counted beyond the window is the sender's after
			// all: once, at the first of its bytes acknowledged.
			if w.flags[dir]&pendPart == 0 {
				t.limits.DataBeyondWindow--
			}
			w.flags[dir] |= pendPart
			if w.flags[dir]&pending == 0 {
				w.flags[dir] &^= pendPart
			}
		}
		if w.flags[dir]&pendFIN != 0 && int32(s.Ack-w.pendEnd[dir]) > 0 {
			w.flags[dir] &^= pendFIN
			if !dc.finSent(o) {
				dc.FINTS[o] = s.TS
				finTaken = true
			}
		}
	}
	if dir == 1 && dc.win.flags[1]&ackOnly != 0 {
		// The side connected to is seen after all: its own segments
		// count from here, in the sequence space its peer's
		// acknowledgments gave (its own, while they gave no byte).
		dc.win.flags[1] &^= ackOnly | ackOnlyFIN
		if dc.Bytes[1] == 0 && !syn && !s.Flags.Has(decode.FlagRST) {
			dc.seqHi[1], dc.acked[1] = s.Seq, s.Seq
		}
	}
	if dir == 0 && !syn && s.Flags.Has(decode.FlagACK) && !s.Flags.Has(decode.FlagRST) {
		dc.ackedUnseen(s)
	}
	if dir == 1 && s.Flags.Has(decode.FlagACK) && !s.Flags.Has(decode.FlagRST) {
		dc.ackedUnseenOpener(s)
	}
	if other := dir ^ 1; s.Flags.Has(decode.FlagACK) && dc.seqInit[other] {
		dc.noteAckMoved(other, s) // (before acked moves: stuck.go)
		// Only forward, and never past what the other side was seen to
		// send: an old or a forged acknowledgment cannot widen the
		// flight resetVerdict allows for.
		if a := s.Ack; int32(a-dc.acked[other]) > 0 && int32(a-dc.seqHi[other]) <= 0 {
			dc.acked[other] = a
		}
	}
	if dc.ICMPErrors != nil {
		dc.tooBigSegment(s)
	}
	if n := s.PayloadLen; n > 0 && dc.seqInit[dir] {
		if overLink(s.Src.Addr(), n) {
			dc.win.flags[dir] |= bigSeg
		}
		if !syn {
			dc.noteResend(dir, s, n) // (before seqHi moves: stuck.go)
		}
		end := s.Seq + uint32(n)
		if syn {
			// Data on a SYN (TCP Fast Open) follows the SYN's own
			// sequence number.
			end++
		}
		if d := int32(end - dc.seqHi[dir]); d > 0 {
			// Count only bytes past the highest seen; a segment wholly
			// before it is a retransmission.
			add := int64(d)
			if add > int64(n) {
				// A hole the capture missed: the bytes were sent all the same.
				add = int64(d)
			}
			dc.Bytes[dir] += add
			dc.seqHi[dir] = end
			if f := dc.seqHi[dir] - dc.acked[dir]; f > dc.flight[dir] {
				dc.flight[dir] = f
			}
		}
	}
	if s.PayloadLen == 0 && s.Flags.Has(decode.FlagFIN) && !syn && dc.seqInit[dir] && !dc.finSent(dir) && !dc.openerFromAcks(dir) {
		// A FIN past the highest byte seen of its direction: the bytes
		// before it were sent, and the capture missed them (RFC 9293
		// 3.4: the FIN takes the sequence number after the last byte),
		// as far as its receiver's window lets them be.
		if d := s.Seq - dc.seqHi[dir]; int32(d) > 0 && d <= dc.win.finHoleMax(dir) {
			dc.finHoleStart(dir, s.Seq) // (their receiver may show they never came: finhole.go)
			dc.Bytes[dir] += int64(d)
			dc.seqHi[dir] = s.Seq
		}
	}
	if dc.TotalBytes() != counted {
		dc.noteData(s.TS)
	}
	if !moved && dc.Match == MatchPortOnly && dc.TotalBytes() > 0 {
		t.unwait(dc) // bytes moved: no longer provisional
	}
	if s.Flags.Has(decode.FlagRST) {
		dc.endByReset(dir, s.TS, s.TTL)
		t.finishData(dc)
		return
	}
	if s.Flags.Has(decode.FlagFIN) || finTaken {
		if s.Flags.Has(decode.FlagFIN) && !dc.finSent(dir) {
			dc.FINTS[dir] = s.TS
		}
		if dc.finSent(0) && dc.finSent(1) {
			dc.End = s.TS
			dc.EndReason = EndFIN
			if s.PayloadWaits {
				// Bytes before a FIN may still come (a capture that
				// reorders): their file is not whole yet.
				dc.endWaits = true
				return
			}
			t.finishData(dc)
		}
	}
}

// DataEnd implements decode.PayloadEndHandler: the payload of the data
// connection between a and b, whose end waited for bytes before a FIN
// (endWaits), is all delivered: it is final now.
func (t *Tracker) DataEnd(a, b netip.AddrPort) {
	if dc := t.lookupData(a, b); dc != nil && dc.endWaits && !dc.Done {
		t.finishData(dc)
	}
}

// ackPast bits: per direction d, ackPastSet<<d says ackTop[d] holds an
// acknowledgment, ackPastLate<<d that its sender had sent its own FIN
// before it.
const (
	ackPastSet  = 1
	ackPastLate = 4
)

// noteAckPast keeps ack, sent by dir, as the highest acknowledgment of
// the other side's bytes past the highest byte seen of them (ackTop):
// the capture lost what they acknowledge. Each step forward within the
// window dir advertised before it (finHoleMax), from the highest byte
// seen or the acknowledgment kept, as a bulk flow's acknowledgments
// advance (no sender sends past the window): one forged far ahead is not
// kept. Taken at the connection's end only (ackProvenEnd): a segment the
// capture holds later (a TAP's skewed port) still counts as it comes.
func (dc *DataConn) noteAckPast(dir int, ack uint32) {
	o := dir ^ 1
	base := dc.seqHi[o]
	if dc.ackPast&(ackPastSet<<o) != 0 && int32(dc.ackTop[o]-base) > 0 {
		base = dc.ackTop[o]
	}
	if d := ack - base; int32(d) <= 0 || d > dc.win.finHoleMax(o) && !dc.ackAtFileEnd(o, ack) {
		return
	}
	if dc.openerFromAcks(o) || o == 1 && dc.win.flags[1]&ackOnly != 0 {
		return // its bytes are counted from acknowledgments already
	}
	dc.ackTop[o] = ack
	dc.ackPast |= ackPastSet << o
	if dc.finSent(dir) {
		dc.ackPast |= ackPastLate << o
	} else {
		dc.ackPast &^= ackPastLate << o
	}
}

// ackProvenEnd takes, at the connection's end (finalData), what the
// acknowledgments say of a side whose FIN the capture lacks (ackTop): the
// receiver acknowledged its bytes up to the sequence number before the
// highest it acknowledged, and that last one is the FIN, never a byte
// (the receiving side of a transfer acknowledges the end of file, the
// sender's FIN, often on the last segment and lost with it). Counted as
// sent, as a hole before a segment is. When the receiver closed too (its
// FIN), the sender's FIN is taken, and the connection ended by its FINs,
// not the capture's end: unless the size the server announced says the
// file ends elsewhere (a receiver that closed before the end of file).
// Not at an RST: an abortive close sends no FIN.
//
// Only here, at the end: ended at the receiver's FIN, a connection lost
// the sender's bytes the capture holds after it (a TAP's skewed port),
// and with them the file's end.
func (dc *DataConn) ackProvenEnd() {
	if !dc.RSTTS.IsZero() || dc.EndReason == EndRST {
		return
	}
	for o := range dc.ackTop {
		r := o ^ 1
		if dc.ackPast&(ackPastSet<<o) == 0 || dc.finSent(o) || !dc.seqInit[o] {
			continue
		}
		n := dc.ackTop[o] - 1 - dc.seqHi[o]
		if int32(n) < 0 {
			continue // the bytes came after all (ackTop is not past them)
		}
		dc.Bytes[o] += int64(n)
		dc.seqHi[o] += n
		dc.noteAckedUnseen(o, n)
		if !dc.finSent(r) || dc.sizeRefutes(o) {
			continue
		}
		at := dc.FINTS[r]
		if dc.ackPast&(ackPastLate<<o) != 0 {
			// Acknowledged after the receiver's own FIN: the sender's
			// came between, by its latest segment.
			if dc.lastSeen.After(at) {
				at = dc.lastSeen
			}
		}
		dc.FINTS[o] = at
		dc.End, dc.EndReason = at, EndFIN
	}
}

// sizeRefutes tells whether the size the server announced for the file
// side o sent (RETR, no REST) is not what o's bytes came to: its FIN was
// not where the acknowledgments end.
func (dc *DataConn) sizeRefutes(o int) bool {
	srv := 0 // the opener in active mode
	if dc.Passive {
		srv = 1
	}
	return o == srv && dc.ExpectedSize >= 0 && !dc.Restarted() && dc.Bytes[o] != dc.ExpectedSize
}

// dataWindow bounds the bytes counted on a data connection by the window
// each receiver advertised, as decode bounds a control stream (see
// decode/tcpwindow.go for the reasoning). Bytes of a direction that start
// past the highest byte seen of it (past a hole) and at or beyond the
// right edge of the window its receiver advertised could not have been
// taken on what the capture shows: they are left out, and counted only
// once the receiver acknowledges them (the capture missed its window
// update: a sampled or lossy capture). Without this, one segment forged
// far ahead of the flow added everything up to it to the bytes
// transferred (a hole counts as sent: the capture missed it). Every byte
// the receiver acknowledges counts: an ACK short of the end of the bytes
// left out takes them up to it, and the edge moves with it (a bulk flow's
// ACKs trail its newest byte by up to a window, so a capture that lost
// more than a window of it counted nothing after the loss until the
// sender went idle).
//
// The edge is the highest acknowledgment of the direction's bytes (never
// past what the capture saw of them) plus its receiver's latest window,
// shifted by what the SYNs agreed (RFC 7323 2.2), or by 14, the most a
// window can be scaled, when the capture did not show both; plus the
// rounding of one unit. Segments that continue the flow (at or before its
// highest byte) always count. A capture that loses the receiver's
// segments leaves the edge behind the real one: once a window's worth of
// bytes came beyond it with the receiver not heard, it is stale, and bytes
// count again, the hole before them included.
//
// Indexed by the receiver (the side whose window it is). 32 bytes with the
// held RST's pointer and two notes of the handshake (the SYN-ACKs sent
// again, in flags; movedOn): DataConn, with its Thief, stays in its
// allocation class (704 bytes).
type dataWindow struct {
	// pendEnd: where the bytes left out as beyond the receiver's window
	// end, while flags has pending.
	pendEnd [2]uint32
	win     [2]uint16 // the window field of the receiver's latest segment at its position
	// beyond: the sender's bytes, in units of the window field, that came
	// beyond the window since the receiver was last heard; staleWindow
	// once a window's worth did.
	beyond [2]uint16
	// movedOn: the outcome is undetermined because the opener moved on
	// this long after its only SYN, in nanoseconds (never 0: movedOnAt
	// takes what came after it), sooner than TCP resends one
	// (synRetryMin, 1 s: it fits 32 bits); 0 otherwise.
	movedOn uint32
	// scale: what the receiver's SYNs said about scaling: scaleUnseen,
	// scaleNone, scaleMixed (they disagreed), or scaleOffered plus the
	// shift.
	scale [2]uint8
	// flags: winFrom bits, pending, pendFIN, pendPart, bigSeg; and in
	// flags[0]'s top two bits, synAckAgain.
	flags [2]uint8
	// rst: an RST in the window but not exact, waiting for its verdict
	// (heldReset); nil when none. Kept here, the one struct of
	// DataConn's this file has, behind a pointer: it is rare.
	rst *heldReset
}

// ackedUnseen counts the bytes of the side connected to from the
// opener's acknowledgments (s, an ACK of the opener's) while the capture
// shows nothing of that side: no SYN-ACK, no segment (a capture of one
// direction only: asymmetric routing past the capture point, a mirror
// port fed one way). The opener's first ACK, the handshake's, gives the
// side's sequence numbers (its ISN+1); every advance of its ACKs after
// that is bytes it received (RFC 9293 3.4: an ACK acknowledges every
// byte before it), counted as a capture's hole is. An advance of one
// last, and no more after it, is taken for the side's FIN, not a byte
// (ackOnlyFIN, finalData): a transfer's last byte acknowledged alone
// counts one short.
func (dc *DataConn) ackedUnseen(s *decode.Segment) {
	w := &dc.win
	switch {
	case !dc.seqInit[1] && dc.SynAckTS.IsZero():
		dc.seqHi[1], dc.acked[1], dc.seqInit[1] = s.Ack, s.Ack, true
		w.flags[1] |= ackOnly
	case w.flags[1]&ackOnly != 0 && int32(s.Ack-dc.seqHi[1]) > 0 && s.Ack-dc.seqHi[1] <= maxAckAdvance:
		// (An advance past the largest window TCP can open, 2^30 with
		// window scaling (RFC 7323 2.3), acknowledges bytes that could
		// not have been in flight: forged or stale, not counted.)
		d := s.Ack - dc.seqHi[1]
		dc.Bytes[1] += int64(d)
		dc.seqHi[1] = s.Ack
		if d == 1 {
			w.flags[1] |= ackOnlyFIN
		} else {
			w.flags[1] &^= ackOnlyFIN
		}
	}
}

// ackedUnseenOpener counts the opener's bytes from the acknowledgments of
// the side connected to (s, a segment of its with ACK) while the capture
// shows nothing the opener sent (no SYN, no segment: a capture of the
// accepting side's direction only), as ackedUnseen counts the other way:
// the SYN-ACK acknowledges the opener's ISN+1, and every advance after it
// is bytes the opener sent (and, last, its FIN: finalData).
func (dc *DataConn) ackedUnseenOpener(s *decode.Segment) {
	switch {
	case dc.SYNs > 0 || dc.openerAcked:
	case !dc.seqInit[0]:
		dc.seqHi[0], dc.acked[0], dc.seqInit[0] = s.Ack, s.Ack, true
	case int32(s.Ack-dc.seqHi[0]) > 0 && s.Ack-dc.seqHi[0] <= maxAckAdvance:
		dc.Bytes[0] += int64(s.Ack - dc.seqHi[0])
		dc.seqHi[0] = s.Ack
	}
}

// openerFromAcks tells whether dir is the opener's and its bytes are
// counted from its peer's acknowledgments (ackedUnseenOpener): nothing
// of the opener's is in the capture.
func (dc *DataConn) openerFromAcks(dir int) bool {
	return dir == 0 && dc.SYNs == 0 && !dc.openerAcked && dc.seqInit[0]
}

// finHoleMax bounds the bytes a FIN past the highest byte seen of dir
// may say the capture missed: its receiver's window, as advertised
// (scaled as the SYNs agreed, or by the most a window can be when they
// were not seen), at least the unscaled 64 KiB; 64 KiB when its receiver
// was never heard.
func (w *dataWindow) finHoleMax(dir int) uint32 {
	r := dir ^ 1
	if w.flags[r]&winFrom == 0 {
		return 65535
	}
	return max(uint32(w.win[r]+1)<<w.shift(r), 65535)
}

// maxAckAdvance is the most one acknowledgment can move forward: the
// largest window TCP can open (RFC 7323 2.3: 2^30 bytes).
const maxAckAdvance = 1 << 30

// AckedOnly tells whether the capture shows nothing the side connected
// to sent, and its bytes (Bytes[1]) are those its peer acknowledged
// (ackedUnseen): one direction of the connection was captured. The
// bytes moved; the capture holds none of them.
func (dc *DataConn) AckedOnly() bool {
	// (Bytes counted so, not merely the mark: a STOR of a client-only
	// capture marks the listener's side acked-only at the opener's first
	// ACK, while every byte moved was the opener's own, captured.)
	return dc.win.flags[1]&ackOnly != 0 && (dc.Bytes[1] > 0 || dc.Bytes[0] == 0) || dc.openerFromAcks(0) && dc.Bytes[0] > 0
}

// synAckAgain: SYN-ACKs from the side connected to, with the sequence
// number of its first, sent again (not a copy seen at once:
// synCopyWindow) while the opener had acknowledged nothing
// (countSynAck), up to synAckAgainMax: only none, one and two or more
// tell anything. Kept in flags[0]'s top bits: one more byte of
// dataWindow's would take DataConn past its allocation class.
func (w *dataWindow) synAckAgain() uint8 { return w.flags[0] >> synAckShift }

// addSynAckAgain counts one more SYN-ACK sent again, up to
// synAckAgainMax.
func (w *dataWindow) addSynAckAgain() {
	if n := w.synAckAgain(); n < synAckAgainMax {
		w.flags[0] = w.flags[0]&^(synAckAgainMax<<synAckShift) | (n+1)<<synAckShift
	}
}

// clearSynAckAgain forgets the SYN-ACKs counted as sent again.
func (w *dataWindow) clearSynAckAgain() { w.flags[0] &^= synAckAgainMax << synAckShift }

// synAckShift and synAckAgainMax place synAckAgain in flags[0], above
// bigSeg.
const (
	synAckShift    = 6
	synAckAgainMax = 3
)

// dataWindow.scale and dataWindow.flags.
const (
	scaleUnseen  = 0
	scaleNone    = 1
	scaleMixed   = 2
	scaleOffered = 3

	winFrom    = 3 // mask: where win came from
	winSegment = 1
	winSYN     = 2 // a SYN's window: never scaled
	pending    = 4 // bytes up to pendEnd were left out
	pendFIN    = 8 // and a FIN right after them
	// pendPart: the receiver acknowledged a first part of the bytes left
	// out; Limits.DataBeyondWindow no longer counts them.
	pendPart = 16
	// bigSeg: the direction sent a segment larger than a 1500-byte link
	// carries (overLink): segmentation offload or jumbo frames, whose
	// sizes in the capture are not the wire's (PathMTU.Offload).
	bigSeg = 32
	// ackOnly (flags[1] only: flags[0]'s top bits are synAckAgain): the
	// side connected to is known from its peer's acknowledgments only
	// (ackedUnseen); ackOnlyFIN: their latest advance was of one, its FIN.
	ackOnly    = 64
	ackOnlyFIN = 128
)

// maxWindowShift is the largest window scale shift (RFC 7323 2.3);
// staleWindow marks dataWindow.beyond once the edge is stale.
const (
	maxWindowShift = 14
	staleWindow    = 0xffff
)

// What judge makes of a segment.
const (
	windowTaken   = iota // within the window, or continuing the flow
	windowRefused        // beyond it: left out, with those before it
	windowNewRun         // beyond it, the first left out since the last taken
	windowStale          // beyond it, but the edge is stale: taken
)

// shift is the scale of the window r last advertised: none on a SYN's,
// else 0 when either SYN was seen without the option, r's own when both
// carried it, the largest when the capture did not show them.
func (w *dataWindow) shift(r int) uint8 {
	a, b := w.scale[r], w.scale[r^1]
	switch {
	case w.flags[r]&winFrom == winSYN:
		return 0
	case a == scaleNone || b == scaleNone:
		return 0
	case a >= scaleOffered && b >= scaleOffered:
		return a - scaleOffered
	}
	return maxWindowShift
}

// advertised takes what a segment from r tells of its receive window: on
// a SYN, its scale option; with an ACK (an RST's window means nothing),
// its window, from a segment at r's own position only (at or before the
// highest byte seen from it), so that a blind forgery rarely moves it. It
// reports whether the segment acknowledges the bytes left out as beyond
// r's window (or the FIN after them), which are then taken: the caller
// counts them.
func (w *dataWindow) advertised(dc *DataConn, r int, s *decode.Segment) bool {
	syn := s.Flags.Has(decode.FlagSYN)
	if syn {
		st := uint8(scaleNone)
		if s.HasWindowScale {
			st = scaleOffered + min(s.WindowScale, maxWindowShift)
		}
		switch w.scale[r] {
		case scaleUnseen:
			w.scale[r] = st
		case st:
		default:
			w.scale[r] = scaleMixed
		}
	}
	if !s.Flags.Has(decode.FlagACK) || s.Flags.Has(decode.FlagRST) || !dc.seqInit[r] || int32(s.Seq-dc.seqHi[r]) > 0 {
		return false
	}
	switch {
	case !syn:
		w.win[r] = s.Window
		w.flags[r] = w.flags[r]&^winFrom | winSegment
	case w.flags[r]&winFrom != winSegment:
		// (A SYN-ACK seen again later does not take the place of a
		// scaled window.)
		w.win[r] = s.Window
		w.flags[r] = w.flags[r]&^winFrom | winSYN
	}
	w.beyond[r] = 0 // r is heard
	if w.flags[r]&(pending|pendFIN) == 0 {
		return false
	}
	if int32(s.Ack-w.pendEnd[r]) < 0 {
		// Short of the run's end: it takes the bytes up to the ACK if
		// the ACK is past every byte counted (a part of the run), and
		// not the ACK of a FIN the sender sent after them (nothing real
		// follows a FIN: a run beyond it is forged).
		return w.flags[r]&pending != 0 && !dc.finSent(r^1) && int32(s.Ack-dc.seqHi[r^1]) > 0
	}
	w.flags[r] &^= pending // (pendFIN waits for an ACK past the bytes)
	return true
}

// judge decides whether a segment from dir is taken: one with bytes that
// start past the highest byte seen of dir and at or beyond the edge of the
// window its receiver advertised is not, unless the edge is stale. A
// receiver may round its window down to the unit it can advertise, so up
// to that unit less one past the edge counts as inside.
func (w *dataWindow) judge(dc *DataConn, dir int, s *decode.Segment) int {
	r := dir ^ 1
	n := s.PayloadLen
	if n <= 0 || s.Flags.Has(decode.FlagSYN) || !dc.seqInit[dir] || w.flags[r]&winFrom == 0 || int32(s.Seq-dc.seqHi[dir]) <= 0 {
		return windowTaken
	}
	shift := w.shift(r)
	if edge := dc.acked[dir] + (uint32(w.win[r])+1)<<shift - 1; int32(s.Seq-edge) < 0 {
		return windowTaken
	}
	if w.beyond[r] == staleWindow {
		return windowStale
	}
	units := (uint64(n) + 1<<shift - 1) >> shift
	if uint64(w.beyond[r])+units >= uint64(w.win[r]) {
		// A window's worth beyond the edge, the receiver not heard: the
		// capture lost its segments. Stale until it is heard again.
		w.beyond[r] = staleWindow
		return windowStale
	}
	w.beyond[r] += uint16(units)
	end := s.Seq + uint32(n)
	verdict := windowRefused
	if w.flags[r]&pending == 0 {
		verdict = windowNewRun
		w.pendEnd[r] = end
		w.flags[r] &^= pendPart
	}
	if int32(end-w.pendEnd[r]) >= 0 {
		w.pendEnd[r] = end
		w.flags[r] &^= pendFIN
		if s.Flags.Has(decode.FlagFIN) {
			w.flags[r] |= pendFIN
		}
	}
	w.flags[r] |= pending
	return verdict
}

// coveredBy ends what was left out as beyond the window when bytes taken
// from dir reach past it (a FIN left out with them is no FIN, then), and
// tells whether bytes were left out that Limits.DataBeyondWindow still
// counts (none of them acknowledged: pendPart).
func (w *dataWindow) coveredBy(dir int, s *decode.Segment) bool {
	r := dir ^ 1
	if s.PayloadLen <= 0 || w.flags[r]&(pending|pendFIN) == 0 || int32(s.Seq+uint32(s.PayloadLen)-w.pendEnd[r]) < 0 {
		return false
	}
	left := w.flags[r]&(pending|pendPart) == pending
	w.flags[r] &^= pending | pendFIN | pendPart
	return left
}

// Bounds of the distance from the receiver's next expected byte within
// which an RST on a synchronized data connection is taken as real.
const (
	// rstWindowMin: the largest window a receiver advertises without
	// window scaling (RFC 9293 3.1), which every stack offers from the
	// start of a connection.
	rstWindowMin = 1 << 16
	// rstWindowMax: the largest window a receiver can advertise at all,
	// 65535 scaled by 2^14 (RFC 7323 2.3).
	rstWindowMax = 65535 << 14
)

// What the side an RST is sent to makes of it (resetVerdict).
const (
	resetTaken   = iota // it ends the connection
	resetHeld           // in the window, not exact: it depends on what follows (heldReset)
	resetDropped        // dropped: it ends nothing
	resetRefusal        // it answers the opener's SYN: it refuses, unless the opener goes on (heldReset.synSent)
	resetMade           // it acknowledges the opener's SYN from a sequence number of its sender's: the connection was made, and it ends it
)

// resetVerdict tells what the side an RST is sent to does with it,
// judged from what the capture shows of the connection.
//
// Before the opener hears an answer to its SYN (SYN-SENT), only an RST
// with an ACK of its SYN, the SYN's sequence number plus one, resets it;
// one without ACK, or with any other, is dropped (RFC 9293 3.10.7.3). A
// port that is closed, and a firewall's "reject with tcp-reset", answer
// that way, with sequence number 0 and window 0 (RFC 9293 3.10.7.1;
// Linux, Windows, the BSDs, nft and iptables alike): a refusal. One with
// a sequence number of its sender's own and a window comes from a
// connection its sender had accepted, whose SYN-ACK the capture lost:
// the abort of a connection made.
//
// Once synchronized, a receiver that follows RFC 5961 3.2 (Linux since
// 3.6, Windows, the BSDs) takes an RST only at exactly its next expected
// byte, and answers one elsewhere in its window with a challenge ACK; an
// older one takes anything in its window (RFC 9293 3.10.7.4). An RST at
// the highest byte seen from the sender (plus one after its FIN: ProFTPD
// resets right after its own FIN, at the FIN's sequence number plus one),
// or at the receiver's latest acknowledgment of the sender's bytes (the
// next byte it expected when the capture last heard it), is taken. One
// elsewhere in the window is held: the capture may have missed the last
// bytes the sender sent before it, or see bytes the receiver never got,
// and then it is the sender's own; or it is a blind injection the
// receiver drops. What follows tells (heldReset). The window is as far
// as the capture bears it out: twice the largest flight the sender had
// unacknowledged (its window can at most double from one round trip to
// the next, RFC 5681 3.1, and never exceeds the receiver's), at least
// the unscaled 64 KiB, at most the 1 GiB scaling allows (a capture of one
// direction only shows no acknowledgment: the flight is then every byte
// moved). Outside it, an RST is dropped.
func (dc *DataConn) resetVerdict(dir int, s *decode.Segment) int {
	if dir == 1 && !dc.seqInit[1] && !dc.openerAcked && dc.SYNs > 0 {
		// The opener is in SYN-SENT: it heard nothing from the other side
		// yet.
		if s.Flags.Has(decode.FlagACK) && s.Ack == dc.lastSYNSeq+1 && (s.Seq == 0 || s.Window == 0) {
			// (One with a sequence number but no window, as Windows
			// aborts a connection, is also how a middlebox that ignores
			// RFC 9293 3.10.7.1 might refuse: left a refusal.)
			return resetRefusal
		}
		if s.Flags.Has(decode.FlagACK) && s.Seq != 0 && ackPastSYN(s.Ack, dc.lastSYNSeq) {
			// It acknowledges the SYN (and maybe the opener's bytes or
			// FIN) from its sender's own sequence number, where one that
			// refuses a SYN has 0 (RFC 9293 3.10.7.1: a SYN without ACK
			// gives it none to take; refusedBy), and it advertises a
			// window, where a refusal has none: its sender had a
			// connection, so it had answered the SYN with a SYN-ACK the
			// capture lost, and the RST ends the connection made
			// (dataSegment), as ProFTPD aborts a data connection it will
			// not use.
			return resetMade
		}
		return resetDropped
	}
	if !dc.seqInit[dir] {
		// Nothing seen from the sender to judge the number by (its SYN-ACK
		// missed by the capture, or a connection picked up mid-stream).
		return resetTaken
	}
	next := dc.seqHi[dir]
	if dc.finSent(dir) {
		next++ // the FIN takes one sequence number
	} else if s.Seq == next+1 {
		// Just past a FIN the capture lost: a sender that closed and then
		// reset (an aborted download's client), as exact as next itself.
		return resetTaken
	}
	if s.Seq == next || s.Seq == dc.acked[dir] {
		return resetTaken
	}
	w := min(max(2*int64(dc.flight[dir]), rstWindowMin), rstWindowMax)
	if d := int64(int32(s.Seq - next)); -w <= d && d <= w {
		return resetHeld
	}
	return resetDropped
}

// forgetAnswer undoes what the side connected to sent while the opener
// was in SYN-SENT, which the opener did not take: segments without a SYN
// it dropped (RFC 9293 3.10.7.3), or anything after an RST that closed
// it (heldReset.synSent).
func (dc *DataConn) forgetAnswer() {
	dc.SynAckTS = time.Time{}
	dc.Bytes[1] = 0
	dc.FINTS[1] = time.Time{}
	dc.seqInit[1] = false
	dc.seqHi[1], dc.acked[1], dc.flight[1] = 0, 0, 0
	dc.win.clearSynAckAgain()
	dc.synsAfterSynAck = 0
	if dc.Bytes[0] == 0 {
		dc.dataAt = 0 // (LastData: the bytes it noted are gone)
	}
}

// endByReset ends dc by an RST from dir at ts, that came with ttl.
func (dc *DataConn) endByReset(dir int, ts time.Time, ttl uint8) {
	dc.RSTTS, dc.RSTTTL = ts, ttl
	dc.RSTFromServer = dir == 1
	other := dir ^ 1
	dc.ReceiverAborted = dc.finSent(dir) && !dc.finSent(other) && dc.Bytes[other] > dc.Bytes[dir]
	dc.End = ts
	dc.EndReason = EndRST
}

// heldReset is an RST within the receiver's window but not at its next
// expected byte (resetHeld), its verdict waiting on what follows: a
// receiver that follows RFC 5961 3.2 (Linux since 3.6, Windows, the
// BSDs) answers it with a challenge ACK and goes on, and one that took it
// sends nothing more on the connection (a segment to it is answered by an
// RST). Bytes or a FIN from the receiver after it, or an acknowledgment
// of bytes the sender sent after it, say it was dropped; if nothing of the
// sort comes before the connection is final, it ended the connection
// (finishData): a capture that lost the sender's last segments makes the
// sender's own exact RST look inexact.
type heldReset struct {
	ts time.Time
	// ackEdge: the later of the sender's next sequence number, as seen
	// when the RST came, and the RST's own: an acknowledgment past it
	// is of bytes sent after the RST.
	ackEdge uint32
	dir     uint8 // its sender
	ttl     uint8 // its TTL (hop limit)
	// synSent: it answered the opener's SYN (resetRefusal), in
	// SYN-SENT; retried: the opener sent that SYN again after it.
	synSent, retried bool
	// exact: at the sender's next byte (resetTaken), held while the
	// transfer command waits for its final reply (awaitsFinalReply): a
	// sender that reset the connection has no connection left to send
	// on, so new bytes or a FIN from it after the RST, or an
	// acknowledgment of bytes it sent after it, say the RST was not its
	// own (forged, or dropped for a bad checksum). The receiver's own
	// bytes and FIN say nothing: they may have crossed the RST.
	exact bool
	// bytes and fins: dc.Bytes and dc.FINTS when the exact RST came,
	// put back if it stands (takeHeldReset): what crossed it, or came
	// after it, was not taken.
	bytes [2]int64
	fins  [2]time.Time
}

// takeHeldReset ends dc by the RST held for it, which nothing outlived.
func (dc *DataConn) takeHeldReset() {
	h := dc.win.rst
	if h == nil {
		return
	}
	dc.win.rst = nil
	if h.synSent {
		// In SYN-SENT: the opener, closed by it, took nothing the side
		// connected to sent after it.
		dc.forgetAnswer()
	}
	if h.exact {
		dc.Bytes, dc.FINTS = h.bytes, h.fins
	}
	dc.endByReset(int(h.dir), h.ts, h.ttl)
}

// sentPast tells whether s shows the sender of the exact RST held went
// on after it (heldReset.exact): new bytes in sequence or a FIN from it,
// or an acknowledgment from the receiver past ackEdge.
func (h *heldReset) sentPast(dc *DataConn, dir int, s *decode.Segment) bool {
	if s.Flags.Has(decode.FlagRST) {
		return false
	}
	if dir != int(h.dir) {
		return s.Flags.Has(decode.FlagACK) && int32(s.Ack-h.ackEdge) > 0
	}
	if s.Flags.Has(decode.FlagFIN) && !dc.finSent(dir) {
		return true
	}
	n := uint32(s.PayloadLen)
	return n > 0 && int32(s.Seq-dc.seqHi[dir]) <= 0 && int32(s.Seq+n-dc.seqHi[dir]) > 0
}

// awaitsFinalReply tells whether dc's record waits for its transfer
// command's final reply (finishData): an exact RST may be held till then.
func (dc *DataConn) awaitsFinalReply() bool {
	c := dc.Command
	return c != nil && c.Status == StatusPending && !dc.Session.ended
}

// heldExact tells whether an exact RST is held for dc (heldReset.exact).
func (dc *DataConn) heldExact() bool { return dc.win.rst != nil && dc.win.rst.exact }

// outlivedBy tells whether s, a segment from the receiver of the held
// RST (dir), shows the receiver still had the connection: bytes past
// the highest it sent, a FIN, or an acknowledgment of bytes the sender
// sent after the RST (ackEdge).
func (h *heldReset) outlivedBy(dc *DataConn, dir int, s *decode.Segment) bool {
	if s.Flags.Has(decode.FlagRST) {
		return false
	}
	if h.synSent {
		// An opener that took it is closed (RFC 9293 3.10.7.3): an ACK
		// from it (it went past SYN-SENT) is the opener still in the
		// connection.
		// Windows, though, sends the refused SYN again (twice, 500 ms
		// apart) before it gives a refused connect up: the same SYN
		// again proves nothing until the handshake goes on (the
		// opener's ACK); another RST answers it as it did the first.
		return !s.Flags.Has(decode.FlagSYN) && s.Flags.Has(decode.FlagACK)
	}
	if s.Flags.Has(decode.FlagFIN) && !dc.finSent(dir) {
		return true
	}
	if n := s.PayloadLen; n > 0 && (!dc.seqInit[dir] || int32(s.Seq+uint32(n)-dc.seqHi[dir]) > 0) {
		return true
	}
	return s.Flags.Has(decode.FlagACK) && int32(s.Ack-h.ackEdge) > 0
}

// linkTransfer ties a transfer command to the newest armed announcement
// no transfer has used yet, or to one a refused transfer left unused
// (reoffer): that one leaves the refused command.
func (t *Tracker) linkTransfer(sess *Session, c *Command) {
	dc := sess.lastAnn()
	if dc == nil {
		t.reuseEndpoint(sess, c)
		return
	}
	if t.flowOnly(dc) {
		if sendsFile(dc, c) && dc.Start.Sub(c.TS) >= -t.answerWindow() {
			// Its first bytes written before c, sent after it: a
			// multi-queue capture's order.
			t.unwait(dc)
		} else {
			// Before c: the connection of a lost command, or another's
			// (transferFlow takes what follows c).
			t.settleFlowOnly(dc)
		}
	}
	m := sess.xfer
	if old := dc.Command; old != nil {
		// Offered again after its transfer command's refusal (reoffer):
		// the next transfer command's, while it is still unused.
		if old == c || !unused(dc) {
			m.lastAnn = nil
			return
		}
		var kept []*DataConn
		for _, x := range old.Transfer {
			if x != dc {
				kept = append(kept, x) // (a new slice: the old one was reported)
			}
		}
		old.Transfer = kept
		dc.ExpectedSize = -1
	}
	dc.Command = c
	dc.Rest = m.rest
	dc.Type = sess.TransferType()
	if c.Verb == "RETR" && m.sizePath != "" && m.sizePath == joinPath(sess.Cwd, c.Arg) {
		dc.ExpectedSize = m.size
	}
	c.Transfer = append(c.Transfer, dc)
	m.lastAnn = nil
}

// transferDone handles a transfer command's final reply: a data connection
// that never got going is final now, unless the server refused the
// command before it used its data connection (reoffer).
func (t *Tracker) transferDone(sess *Session, c *Command, r *Reply) {
	t.dropUnusedReuse(sess, c)
	for _, dc := range c.Transfer {
		if !dc.Done && dc.heldExact() {
			// Its exact RST stood till the final reply: it ended the
			// connection, final as if at the RST (reported below).
			t.finalData(dc)
		}
	}
	if dc := refusedBeforeUse(sess, c, r); dc != nil {
		t.reoffer(sess, c, dc)
		return
	}
	// (A copy: the loop may change c.Transfer. Held on the stack for
	// the usual one or two.)
	var buf [4]*DataConn
	for _, dc := range append(buf[:0], c.Transfer...) {
		if r.Code == 425 {
			t.givePickUpBack(dc)
		}
		if lostPickFailed(dc, r) || lostPickRefuted(dc, c, r) || lostPickWrongWay(dc) {
			// Taken for an announcement the capture lost (peers and
			// time), it failed, and the transfer succeeded: the
			// transfer's connection was another the capture missed,
			// and this one other traffic (a probe, another service).
			// Or it was answered, and the server's first reply says
			// no data connection was made: other traffic too.
			if t.lookupData(dc.Client, dc.Server) == dc {
				t.dropData(decode.MakeConnKey(dc.Client, dc.Server))
			}
			t.retract(sess, dc)
			// (c left the pending queue retract looks in; a new
			// slice: the old one may have been reported.)
			c.Transfer = slices.DeleteFunc(slices.Clone(c.Transfer), func(x *DataConn) bool { return x == dc })
			continue
		}
		switch {
		case dc.Done:
			if dc.Outcome == OutcomeConnected && dc.Bytes[0]+dc.Bytes[1] > 0 && !dc.TLSHandshakeOnly() && !dc.nothingDelivered() {
				// A 2xx says the TLS records read as handshake only
				// carried the file after all (TLSHandshakeOnly). Not the
				// bytes a path MTU black hole kept from the receiver.
				dc.Outcome = OutcomeTransferred
			}
			if dc.Outcome == OutcomeTransferred && refusesData(r.Code) && dc.tlsUnreadSmall() {
				// Records the capture could not read (a snap length that
				// cut their headers, a lost segment), no more than a
				// handshake's worth, and the transfer refused: nothing
				// says a file moved.
				dc.Outcome = OutcomeConnected
			}
			t.reportData(dc) // held for this reply
		case !dc.answered() && answerMayFollow(dc, r):
			// Left open: the rest of its handshake, or its close, may
			// still come (lingerOver).
		case !dc.answered() || dc.strangerScanned():
			// (A scanner's SYN-ACK never acknowledged is no answer to
			// the client: releaseStranger gives the announcement back.)
			if dc.SYNs > 0 && dc.End.IsZero() {
				dc.End = dc.LastSYN
			}
			t.finishData(dc)
		}
	}
}

// lostPickFailed tells whether dc, taken for an announcement the capture
// lost (MatchAnnounceLost) and not reported yet, failed (nothing
// answered its SYN, no byte) while r, its transfer's final reply, says
// the transfer succeeded; not the server's SYN from its data port.
func lostPickFailed(dc *DataConn, r *Reply) bool {
	if dc.Match != MatchAnnounceLost || dc.reported || r.Code < 200 || r.Code >= 300 || dc.answered() || dc.Bytes[0]+dc.Bytes[1] > 0 {
		return false
	}
	if !dc.Passive && fromDataPort(dc.Session, dc.Client) {
		// The server's own connection from its data port: a failure
		// of its, if maybe another session's between the same hosts
		// (the unannounced index holds one session per pair): kept.
		return false
	}
	return !dc.Done || dc.Outcome.Failed()
}

// lostTransferAnswered tells whether dc, taken for an announcement the
// capture lost (MatchAnnounceLost) and used by no visible transfer
// command, failed while a 425 or 426 to a command the capture lost too
// came after its first SYN, within lostAnnounceWindow (EventReplyGap,
// xferMemo.gapTransferReply): the transfer the gap took, which the
// server says had no data connection, as the failed one shows (a lost
// EPRT and RETR, the server's connection refused).
func lostTransferAnswered(dc *DataConn) bool {
	m := dc.Session.xfer
	if m == nil || m.gapTransferReply.IsZero() || dc.answered() || dc.Bytes[0]+dc.Bytes[1] > 0 || dc.SYNs == 0 {
		return false
	}
	if m.gapTransferReplyCode != 425 && m.gapTransferReplyCode != 426 {
		return false
	}
	d := m.gapTransferReply.Sub(dc.FirstSYN)
	return d >= 0 && d <= lostAnnounceWindow
}

// lostTransferCarried tells whether dc, taken for the PASV, EPSV or LPSV
// whose reply the capture lost (MatchAnnounceLost) and used by no
// visible transfer command, carried the transfer of a command the
// capture lost too: the 125 or 150 to that command (EventReplyGap,
// xferMemo.gapTransferReply) came while dc was open, after its start
// and before its end, and its bytes went one way, a file's (in clear
// text: a TLS session's data goes both ways in its handshake). A lost
// 227 and RETR, the connection holding the 3 MB the 150 announced, read
// "data: none" (vs-lost-227-syn-ack.pcap).
func lostTransferCarried(dc *DataConn) bool {
	m := dc.Session.xfer
	if m == nil || !dc.Passive || m.gapTransferReply.IsZero() || m.gapTransferReplyCode != 125 && m.gapTransferReplyCode != 150 ||
		dc.Outcome != OutcomeTransferred || (dc.Bytes[0] > 0) == (dc.Bytes[1] > 0) || dc.protected || dc.Session.dataProtected() {
		return false
	}
	start := dc.FirstSYN
	if dc.SYNs == 0 {
		start = dc.Armed // (taken at its SYN-ACK)
	}
	at := m.gapTransferReply
	return !at.Before(start) && (dc.End.IsZero() || !at.After(dc.End))
}

// lostPickRefuted tells whether dc, taken for an announcement the
// capture lost (MatchAnnounceLost) and not reported yet, was answered
// while r, the first reply to its transfer command c, is a 425 ("Can't
// open data connection"): the server says no data connection was made,
// so the one taken, made, was the client's or the server host's other
// traffic (another service: 8443, a backup job), not the transfer's.
// One that failed stays: a 425 agrees with it.
func lostPickRefuted(dc *DataConn, c *Command, r *Reply) bool {
	return dc.Match == MatchAnnounceLost && !dc.reported && r.Code == 425 && len(c.Replies) == 1 && dc.answered()
}

// lostPickWrongWay tells whether dc, taken for an announcement the
// capture lost (MatchAnnounceLost: by peers and time) and not reported
// yet, carried bytes the way its transfer command's data never goes: to
// the side that sends the file (a RETR's or a listing's from the client,
// a STOR's from the server; counted from the receiver's acknowledgments
// too, which prove them sent). In clear text an FTP data connection
// carries its payload one way, the other acknowledgments only; a
// request and its answer (HTTPS, a database, a TLS handshake with no
// PROT P) are another service's the client used meanwhile. Not when the
// session's data may be TLS (PROT P, an encrypted control connection):
// its handshake goes both ways.
func lostPickWrongWay(dc *DataConn) bool {
	c := dc.Command
	if dc.Match != MatchAnnounceLost || dc.reported || c == nil || !ftp.IsTransfer(c.Verb) ||
		dc.protected || dc.tls != nil || dc.Session.dataProtected() {
		return false
	}
	server := 0 // (the opener's side, in active mode: sendsFile)
	if dc.Passive {
		server = 1
	}
	switch c.Verb {
	case "STOR", "APPE", "STOU":
		return dc.Bytes[server] > 0
	}
	return dc.Bytes[server^1] > 0
}

// refuteLostPick gives back dc, taken for an announcement the capture
// lost, that what it carried refutes (lostPickWrongWay): it was another
// service's connection, and the transfer's is not in the capture. Never
// reported, it claims no port; the transfer is what its replies say.
func (t *Tracker) refuteLostPick(dc *DataConn) {
	if t.lookupData(dc.Client, dc.Server) == dc {
		t.dropData(decode.MakeConnKey(dc.Client, dc.Server))
	}
	if c := dc.Command; c != nil {
		// (A new slice: the old one may have been reported. Before
		// retract, which may report the session's end.)
		c.Transfer = slices.DeleteFunc(slices.Clone(c.Transfer), func(x *DataConn) bool { return x == dc })
	}
	t.retract(dc.Session, dc)
}

// answerMayFollow tells whether dc, a data connection whose SYN has no
// answer in the capture when its transfer command's final reply comes,
// is left open a while longer (lingerOver) instead of final at once:
// nothing answered it, no RST or ICMP error either. A client that
// connected and then gets a refusal (550: no such file) closes the
// connection it made: a capture that lost the SYN-ACK and the
// handshake's ACK (a lossy mirror port, a busy tcpdump) shows it
// connected only by the client's FIN, or the server's RST, that the
// reply brings. One whose SYN no one answered shows nothing more, and is
// final as of the reply (lingered), as it was at once before. Not after
// a 425: the server says the data connection was not made.
func answerMayFollow(dc *DataConn, r *Reply) bool {
	return r.Code != 425 && dc.SYNs > 0 && dc.win.rst == nil && dc.RSTTS.IsZero() && dc.ICMP == nil && dc.Thief == nil &&
		dc.Reflected == nil && !dc.strangerScanned()
}

// lingered tells whether dc's wait for an answer ended at its transfer
// command's final reply (answerMayFollow), with nothing of the
// connection's since to say it was answered: its outcome is the one it
// had then, from what came until then (movedOnAt), however soon the
// capture or the session ended after.
func lingered(dc *DataConn) bool {
	return dc.SYNs > 0 && !dc.answered() && dc.RSTTS.IsZero() && dc.ICMP == nil && dc.Command != nil && dc.Command.Final() != nil
}

// lingerOver tells whether dc was left open at its transfer command's
// final reply (answerMayFollow) and has waited synRetryMin of packet
// time since with nothing of the connection's to answer it (its close
// follows the reply by a round trip): it is final now (tick). An answer
// that came meanwhile makes it a connection like any other, final at its
// own end.
func (t *Tracker) lingerOver(dc *DataConn) bool {
	if dc.Done || !lingered(dc) {
		return false
	}
	return t.clock.since(dc.Command.Final().TS) > synRetryMin
}

// refusedBeforeUse finds the data connection of a transfer command c that
// the server refused, by its final reply r, before it used it: a 4yz or
// 5yz with no 1yz before it (550 "Access is denied", 450, 530), and the
// announcement's connection not made yet, or made and still open with no
// byte on it. Such a refusal leaves the server's passive listener (or the
// PORT address) set: IIS and vsftpd keep it, and the next transfer
// command uses it ("125 Data connection already open"). Not a 425, 426,
// 522 or 534: those are about the data connection itself. Not after a
// capture gap (a 1yz may be lost in it), nor when the client announced
// again already (a pipelined PASV or PORT after c).
func refusedBeforeUse(sess *Session, c *Command, r *Reply) *DataConn {
	if r.Code < 400 || r.Code == 425 || r.Code == 426 || refusesData(r.Code) || c.Uncertain || sess.resync {
		return nil
	}
	if len(c.Transfer) != 1 || sess.lastAnn() != nil {
		return nil
	}
	for _, x := range c.Replies {
		if ftp.IsPreliminary(x.Code) {
			return nil
		}
	}
	dc := c.Transfer[0]
	if dc.Command != c || !unused(dc) || dc.Announce != nil && !accepted(dc.Announce) {
		return nil
	}
	for _, p := range sess.pending {
		if p.Index > c.Index && ftp.IsAnnounce(p.Verb) {
			return nil
		}
	}
	return dc
}

// unused tells whether a data connection may still serve a transfer: not
// finished, no SYN yet or a handshake answered, nothing carried, neither
// side closed it, no RST or ICMP error.
func unused(dc *DataConn) bool {
	if dc.Done || dc.reported || dc.TotalBytes() > 0 || dc.finSent(0) || dc.finSent(1) || !dc.RSTTS.IsZero() || dc.ICMP != nil {
		return false
	}
	return !dc.matched() || dc.answered()
}

// refusedUnused tells whether nothing connected to dc and its transfer
// command was refused (a 4yz or 5yz), so none was needed: a capture that
// ended soon after leaves nothing to tell. (Its offer to a next transfer
// command, reoffer, kept it from being final at the refusal.)
func refusedUnused(dc *DataConn) bool {
	if dc.SYNs > 0 || dc.Command == nil {
		return false
	}
	f := dc.Command.Final()
	return f != nil && f.Code >= 400
}

// reoffer makes the data connection a refused transfer command left
// unused (refusedBeforeUse) the next transfer command's: one already sent
// (a pipelining client) takes it now, a later one when it is sent
// (linkTransfer). Until then it stays the refused command's, and stays
// so when the session announces again instead (a server that drops its
// listener on the refusal: ProFTPD), or the client aborts.
func (t *Tracker) reoffer(sess *Session, c *Command, dc *DataConn) {
	sess.memo().lastAnn = dc
	for _, p := range sess.pending {
		if p.Index > c.Index && ftp.IsTransfer(p.Verb) && !p.Secret && len(p.Transfer) == 0 {
			t.linkTransfer(sess, p)
			break
		}
	}
}

// withdrawOffer ends the offer of a data connection a refused transfer
// left unused (reoffer) when the client moves on otherwise (ABOR, REIN):
// it is the refused command's, and final now if nothing connected.
func (t *Tracker) withdrawOffer(sess *Session) {
	dc := sess.lastAnn()
	if dc == nil || dc.Command == nil {
		return
	}
	sess.xfer.lastAnn = nil
	if !dc.answered() {
		if dc.SYNs > 0 && dc.End.IsZero() {
			dc.End = dc.LastSYN
		}
		t.finishData(dc)
	}
}

// givePickUpBack undoes pickUp's taking of a flow on the server's word
// (serverOpened) when the transfer's final reply is a 425: the server
// could not open the data connection, so the flow between its peers was
// another one, still running to the same port (a server that sends its
// 150 before the client connects, as IIS does, and a connection of the
// client's to that port from before). The announcement is then as if
// nothing had matched it; a connection reported already stays.
func (t *Tracker) givePickUpBack(dc *DataConn) {
	before := dc.beforePickUp
	if before == nil || dc.reported || dc.SYNs > 0 {
		return
	}
	if t.lookupData(dc.Client, dc.Server) == dc {
		t.dropData(decode.MakeConnKey(dc.Client, dc.Server))
	}
	t.dropRaced(dc) // (an announcement again: no guess to settle)
	*dc = *before
}

// maxUnreadHandshake bounds what a data connection whose TLS records
// could not be read may carry and still be taken for a handshake only
// when its transfer was refused: a full handshake with a certificate
// chain, not a file.
const maxUnreadHandshake = 64 << 10

// tlsUnreadSmall tells whether dc may carry TLS, its records could not be
// read to a conclusion, and it carried no more than a handshake's worth.
func (dc *DataConn) tlsUnreadSmall() bool {
	v, seen := dc.TLSHandshake()
	if !dc.MayBeProtected() || seen && v.Content != tlshello.ContentUnknown {
		return false
	}
	return dc.TotalBytes() <= maxUnreadHandshake
}

// refusesData: a transfer's final reply that says its data connection was
// refused before any file moved: 425 (ProFTPD's "Unable to build data
// connection" to an unresumed TLS session), 522 and 534 (TLS required or
// refused, RFC 4217). A 426 or 451 breaks off a transfer that may have
// started: unread records then stay a transfer.
func refusesData(code int) bool {
	switch code {
	case 425, 522, 534:
		return true
	}
	return false
}

// openerSeenUnseen tells a data connection whose SYNs the capture holds
// from the side its session was taken to lack (OneSide): that side is in
// the capture after all, and what became of the SYNs can be told.
func openerSeenUnseen(dc *DataConn) bool {
	clientMissing := dc.Session.OneSide == ServerSideOnly // (ClientSideOnly: the server's are)
	openerIsClient := dc.Passive
	return dc.SYNs > 0 && openerIsClient == clientMissing
}

// expireOverdue expires the announcements among cands that waited
// longer than ExpectationTimeout by now, as tick would, and tells
// whether there were any. Called at a SYN to their port: tick runs only
// when packet time has advanced a whole second since the last, and the
// packet after a silence is taken with the clock before it (decode's
// clock-outlier hold), so whether a SYN long after its announcement
// still matched it would otherwise hang on an unrelated packet just
// before it.
func (t *Tracker) expireOverdue(cands []*DataConn) bool {
	var overdue [maxPerPort]*DataConn // (finishing one edits cands)
	n := 0
	for _, dc := range cands {
		if !dc.matched() && !dc.Done && t.overdue(dc) && n < len(overdue) {
			overdue[n] = dc
			n++
		}
	}
	for _, dc := range overdue[:n] {
		t.finishData(dc)
		t.rememberExpired(dc)
	}
	return n > 0
}

// finishData decides the outcome and reports the data connection once.
func (t *Tracker) finishData(dc *DataConn) {
	if c := dc.Announce; c != nil && c.Conflict != nil && c.Conflict.alt != nil && !dc.matched() {
		// Nothing connected to the other copy of a conflicted line
		// (conflict.go): it goes unreported, with the copy taken or
		// before it.
		isAlt := c.Conflict.alt == dc
		t.dropOther(c.Conflict.alt)
		if isAlt {
			return
		}
	}
	keepHeld := false
	if m := dc.Session.xfer; m != nil && m.lostActive.held == dc {
		if dc.Session.ended {
			// Held for a lost PORT (addLostPort), ended before its
			// transfer command's reply: its own.
			t.settleLostPort(dc.Session)
		} else {
			// Ended before its transfer command's reply: the
			// server's own connection from its data port may still
			// come and take its place (portLost: the server host's
			// probe closed, then vsftpd's SYN from port 20), or, one
			// that failed, any (heldFailed), or its transfer succeed
			// without it (lostPortReply). Final now, reported when
			// tied (settleLostPort).
			keepHeld = true
		}
	}
	if t.flowOnly(dc) {
		switch {
		case gapOpenedFor(dc):
			t.unwait(dc) // (keepFlowOnly)
		case dc.Session.ended:
			// No gap came to say its transfer command was lost: the
			// announcement is final as if nothing had connected.
			t.dropFlowOnly(dc)
		default:
			// Ended before the gap that may have taken its transfer
			// command shows (the client's next bytes, the 226 after
			// it): held until the session moves on (clientGapSeen,
			// settleFlowOnly).
			return
		}
	}
	if !dc.Done && !dc.superseded {
		t.finishSuperseded(dc)
	}
	if !t.finalData(dc) || keepHeld {
		return
	}
	if c := dc.Command; c != nil && c.Conflict != nil {
		t.transferProvesOther(dc) // (conflict.go)
	}
	if c := dc.Command; c != nil && c.Status == StatusPending && !dc.Session.ended {
		// Its transfer command's final reply (the 226 that follows the
		// data connection's close) comes later: report it with it.
		return
	}
	if dc.Command == nil && dc.provisional() && !dc.Session.ended {
		// A port-only match that carried nothing: a better SYN may still
		// take the announcement over (matchSYN). Reported with its
		// transfer's final reply, at the session's next announcement or
		// at its end.
		return
	}
	if r := t.replaying; r != nil && dc.Command == nil && !dc.Session.ended && r.Input == t.input && dc.ArmedNum < r.Num {
		// Finished by a segment held from before its announcement
		// reached the tracker (a session decode confirmed late hands its
		// held events over at once): its transfer command, sent before
		// that segment, may be among the events still to come
		// (awaitCommand).
		t.awaitCommand(dc, r)
		return
	}
	t.reportData(dc)
}

// finalData decides the outcome of dc, final now (Done), and reports
// whether it did: not for one final already, nor for an active
// announcement it retracts.
func (t *Tracker) finalData(dc *DataConn) bool {
	if dc.Done {
		return false
	}
	// Nothing of the receiver's came after the RST held: it ended the
	// connection.
	dc.takeHeldReset()
	if dc.Thief != nil {
		t.takeTheft(dc)
		// The thief's connection's own RST held (its copy goes on
		// judging it): as of now, it ended it.
		dc.takeHeldReset()
	}
	if t.releaseStranger(dc) {
		return false // the announcement waits on
	}
	if !dc.matched() {
		// An RST from its endpoint, or an ICMP error, answered a SYN the
		// capture lost.
		t.takeRefusal(dc)
	} else {
		t.forgetRefusal(dc)
	}
	if a := dc.Announce; !dc.Passive && !dc.matched() && a != nil && !accepted(a) {
		// An active announcement the server never accepted, and nothing
		// connected to it: not an expectation after all.
		t.retract(dc.Session, dc)
		return false
	}
	if lingered(dc) {
		// Final as of its transfer's final reply (answerMayFollow), as
		// transferDone makes one at once: not cut short by the
		// capture's end after it.
		dc.End, dc.EndReason, dc.atEnd = dc.LastSYN, EndOpen, false
	}
	dc.ackProvenEnd()
	dc.dropUnacked()
	dc.dropUndelivered()
	dc.Done = true
	t.doneInOpen++ // (a hint: compactOpen finds which)
	if dc.tls != nil {
		dc.releaseTLS()
	}
	if w := &dc.win; w.flags[1]&(ackOnly|ackOnlyFIN) == ackOnly|ackOnlyFIN && dc.Bytes[1] > 0 {
		// The last advance of the acknowledgments was the unseen side's
		// FIN (ackedUnseen), not a byte.
		dc.Bytes[1]--
		w.flags[1] &^= ackOnlyFIN
	} else if w.flags[1]&ackOnly != 0 && dc.Bytes[1] > 0 && dc.ExpectedSize >= 0 && !dc.Restarted() && dc.Bytes[1] == dc.ExpectedSize+1 {
		// One more than the file the server announced: the unseen side's
		// FIN rode on its last bytes and was acknowledged with them.
		dc.Bytes[1]--
	}
	if dc.openerFromAcks(0) && dc.Bytes[0] > 0 && (dc.finSent(1) || dc.ExpectedSize >= 0 && !dc.Restarted() && dc.Bytes[0] == dc.ExpectedSize+1) {
		// The opener's FIN is in its peer's acknowledgments: the side
		// connected to closes after it (the end of the file in stream
		// mode), or one more than the file announced was acknowledged.
		dc.Bytes[0]--
	}
	switch {
	case dc.Bytes[0]+dc.Bytes[1] > 0 && dc.TLSHandshakeOnly():
		// Its payload was a TLS handshake and nothing else (a server that
		// refused the connection after it, say): no file data moved.
		dc.Outcome = OutcomeConnected
	case dc.nothingDelivered():
		// A path MTU black hole before the first byte: the sender's
		// segments were too large for a router on the way, which dropped
		// them and said so (PathMTU), and the receiver acknowledged none.
		// The bytes the capture shows never arrived: connected, and no
		// data moved.
		dc.Outcome = OutcomeConnected
	case dc.Bytes[0]+dc.Bytes[1] > 0 && dc.answered():
		// (Data on an unanswered SYN, TCP Fast Open's, moved nothing.)
		dc.Outcome = OutcomeTransferred
	case !dc.SynAckTS.IsZero() && (dc.synsAfterSynAck > 0 || dc.win.synAckAgain() > 0) && !dc.openerAcked:
		// Answered, but the answer never arrived: the opener kept
		// sending its SYN, or the side connected to kept sending its
		// SYN-ACK (no ACK came back to it), and the opener never
		// completed the handshake. A SYN-ACK that reaches the opener is
		// acknowledged, each time it comes: one the capture shows sent
		// again and never acknowledged did not reach it (a capture that
		// lost the SYN's retries still shows the SYN-ACK's).
		dc.Outcome, dc.SynAckLost = OutcomeUnanswered, true
	case dc.answered():
		// Connected, though the capture may miss its SYN-ACK (or its SYN):
		// the side connected to sent on it, or the opener went past
		// SYN-SENT. A capture's loss is not the network's.
		dc.Outcome = OutcomeConnected
	case dc.ICMP != nil:
		dc.Outcome = OutcomeUnreachable
	case !dc.RSTTS.IsZero() && dc.RSTFromServer:
		dc.Outcome = OutcomeRefused
	case dc.SYNs > 0:
		dc.Outcome = OutcomeUnanswered
	default:
		dc.Outcome = OutcomeNotAttempted
	}
	if dc.afterEnd == afterEndCut && dc.Outcome == OutcomeNotAttempted {
		// Let go by the bound while it still waited past its session's
		// close (afterend.go): its connection may have come after.
		dc.Outcome = OutcomeUndetermined
	}
	// A SYN sent again twice after SYN-ACKs (or a SYN-ACK sent again
	// twice, never acknowledged) is proof enough that they do not
	// arrive, however soon the capture ended: it is no longer open.
	proven := dc.SynAckLost && (dc.synsAfterSynAck >= 2 || dc.win.synAckAgain() >= 2)
	armed := dc.Armed
	if dc.Match == MatchAnnounceLost && dc.Announce != nil {
		// Its reply, lost, came after the command (addLostAnnounced).
		armed = dc.Announce.TS
	}
	if dc.Outcome == OutcomeUnanswered && !dc.SynAckLost && dc.SYNs == 1 && dc.Passive && dc.Announce != nil && dc.LastSYN.Sub(armed) < synRetryMin {
		// One SYN and nothing back, but the client moved on sooner than
		// its TCP could have sent the SYN again: its connect had failed
		// already, by an answer (an RST, an ICMP error) the capture did
		// not record. Not proven unanswered. The SYN is the client's
		// first only if it came sooner than a retry after the
		// announcement: one seen later may be a retry whose SYNs before
		// it the capture lost, and the client may have waited seconds.
		if at, ok := movedOnAt(dc); ok {
			if d := at.Sub(dc.LastSYN); d < synRetryMin {
				dc.Outcome, dc.win.movedOn = OutcomeUndetermined, uint32(d) // (d < synRetryMin)
			}
		}
	}
	if (dc.Outcome == OutcomeNotAttempted || dc.Outcome == OutcomeUnanswered) && !dc.SynAckLost && dc.Session.OneSide != BothSides && !openerSeenUnseen(dc) {
		// The capture holds one side of the session's control connection
		// only, and so of the path: a SYN, or the answer to one, would
		// have crossed the direction it did not see. What the capture
		// lacks is not the network's failure, whenever the capture ended.
		dc.Outcome, dc.OneSide = OutcomeUndetermined, dc.Session.OneSide
	}
	cut := !proven && (dc.Outcome == OutcomeUnanswered || dc.Outcome == OutcomeNotAttempted && !refusedUnused(dc) && !dc.superseded)
	if d, ok := t.cutByBreak(dc); ok && cut {
		// The capture stopped looking between two of its files (one
		// missing?) before an answer could be expected (breaks.go).
		dc.Outcome, dc.CaptureEndedAfter, dc.SynAckLost, dc.inBreak = OutcomeUndetermined, d, false, true
	} else if dc.atEnd && cut {
		// (A superseded announcement nothing connected to is not cut
		// short by the capture's end: the session moved on from it
		// before, as when arm finished it at once.)
		since := dc.FirstSYN
		if dc.SYNs == 0 {
			since = dc.Armed
		}
		if d := t.clock.since(since); d < t.opts.EvidenceWait {
			dc.Outcome, dc.CaptureEndedAfter, dc.SynAckLost = OutcomeUndetermined, d, false
		}
	}
	if lostPickWrongWay(dc) {
		// Its bytes went the way its transfer's never do: another
		// service's connection (refuteLostPick).
		t.refuteLostPick(dc)
		return false
	}
	if dc.Match == MatchAnnounceLost && dc.Command == nil && !dc.HeldForLostPort() && !(dc.Outcome == OutcomeUnanswered && dc.SYNs >= 2) && !promptAfter(dc) && !lostTransferAnswered(dc) && !lostTransferCarried(dc) {
		// Taken by peers and time alone (announceLost), and no transfer
		// used it: nothing says it was the data connection (the client's
		// other traffic to the server: HTTP, a monitor's probe of a
		// closed port, a second session's control connection, a scan;
		// and the lost reply may have refused the PASV). Only SYNs sent
		// again and again to one port and never answered, a client
		// waiting on its data connection, tell something the capture
		// would otherwise hide; a refusal or a single SYN is not
		// reported (it read as data-refused with a rule for port 8080).
		t.dropData(decode.MakeConnKey(dc.Client, dc.Server))
		t.retract(dc.Session, dc)
		return false
	}
	if dc.End.IsZero() && dc.EndReason == EndOpen && dc.matched() {
		// The latest packet time since the clock last stepped back: the
		// time the capture ended on, as this connection's times were.
		dc.End = t.clock.now
	}
	if !dc.matched() {
		t.unwait(dc)
	} else if dc.Thief == nil {
		// Final: out of the table now. A late segment of it matches
		// nothing, and the session (or the output) is its only owner.
		// (A record takeTheft made leaves its 4-tuple to the thief's
		// copy, which follows it to its end.)
		t.dropData(decode.MakeConnKey(dc.Client, dc.Server))
	}
	if !dc.reported {
		t.numberData(dc) // (a thief's copy has the record's number)
	}
	return true
}

// synRetryMin: the least time after which a TCP that heard nothing sends
// its SYN again: its initial retransmission timeout, 1 s (RFC 6298 2.1;
// Linux's TCP_TIMEOUT_INIT, Windows since 8 and Server 2012, macOS and
// the BSDs; older Windows waits 3 s). A connect still waiting blocks the
// client that long at least: one that moved on sooner had its answer.
const synRetryMin = time.Second

// movedOnAt tells when the client of a passive data connection whose
// only SYN got no answer in the capture first moved on after it: a new
// announcing command (PASV, EPSV, LPSV, PORT, EPRT, LPRT), an ABOR, a
// QUIT or a REIN still waiting for its reply, or the end of its control
// connection by FIN or RST. A transfer command, or a TYPE or a SIZE (a
// client that connects without blocking, as curl does, sends them
// while its SYN waits), is not moving on. Only commands both the full
// transcript and the recent one (RecentOnly) keep count, so the text
// and the JSON outputs agree.
func movedOnAt(dc *DataConn) (time.Time, bool) {
	sess := dc.Session
	var at, until time.Time
	if c := dc.Command; c != nil && c.Final() != nil {
		// Its transfer's final reply ended the wait (lingered): what the
		// client did after it is no failed connect's doing.
		until = c.Final().TS
	}
	take := func(ts time.Time) {
		if ts.After(dc.LastSYN) && (until.IsZero() || !ts.After(until)) && (at.IsZero() || ts.Before(at)) {
			at = ts
		}
	}
	for i := len(sess.Commands) - 1; i >= 0; i-- {
		c := sess.Commands[i]
		if c.Data == dc {
			break // its own announcement: nothing before it moves on
		}
		if !c.Unseen && c != dc.Command && (ftp.IsAnnounce(c.Verb) || c.Verb == "ABOR") {
			take(c.TS)
		}
	}
	for _, c := range sess.pending {
		if c.Unseen || c == dc.Command || c.Data == dc {
			continue
		}
		switch {
		case ftp.IsAnnounce(c.Verb), c.Verb == "ABOR", c.Verb == "QUIT", c.Verb == "REIN":
			take(c.TS)
		}
	}
	if sess.ended && (sess.EndReason == EndFIN || sess.EndReason == EndRST) {
		take(sess.End)
	}
	return at, !at.IsZero()
}

// GaveUp tells whether the outcome is undetermined because the client
// moved on after its only SYN sooner than TCP resends one (synRetryMin),
// and how soon: the SYN was answered, by an RST or an ICMP error the
// capture did not record (a capture filter of "tcp" leaves ICMP out), or
// the client's connect failed on its own host. Nothing says a firewall
// dropped it.
func (dc *DataConn) GaveUp() (time.Duration, bool) {
	return time.Duration(dc.win.movedOn), dc.win.movedOn > 0
}

// countSynAck counts a SYN-ACK s from the side connected to, after the
// first, when it is that one sent again: the same sequence number,
// nothing acknowledged by the opener yet, and not a copy of the first
// seen at once (synCopyWindow, either way: a clock stepped back).
func (dc *DataConn) countSynAck(s *decode.Segment) {
	if dc.openerAcked || !dc.seqInit[1] || s.Seq+1 != dc.seqHi[1] {
		return
	}
	if d := s.TS.Sub(dc.SynAckTS); -synCopyWindow < d && d < synCopyWindow {
		return
	}
	dc.win.addSynAckAgain()
}

// reportData tells the sink a finished data connection's outcome, once.
func (t *Tracker) reportData(dc *DataConn) {
	if dc.reported || dc.ownerWaits && t.awaitsOwner(dc) {
		return
	}
	if otherCopy(dc) {
		// The other copy of a conflicted line, connected to by a way
		// that did not decide it (conflict.go): it is the one used.
		t.conflictProven(dc)
		t.numberData(dc)
	}
	dc.reported = true
	t.reportedData++
	t.dropRaced(dc) // (a guess that stands)
	t.letTakenGo(dc)
	dc.beforePickUp = nil // a reported connection is given back no more (givePickUpBack)
	if dc.Match == MatchPortOnly {
		t.unwait(dc) // no longer provisional
	}
	dc.Session.DataOutcomes[dc.Outcome]++
	t.sink.Data(dc.Session, dc)
	t.letUnusedGo(dc) // (datakept.go)
	t.maybeReportEnd(dc.Session)
}

// matched tells whether a data connection was seen: a segment of it
// matched its announcement (its SYN, or a later one when the capture
// missed the SYN: pickUp), or it was inferred from one. An announcement
// not matched yet waits in the port index.
func (dc *DataConn) matched() bool { return dc.Client.IsValid() }

// Seen tells whether the capture shows the data connection itself: its
// SYN, or, when it missed the SYN, a later segment between exactly its
// peers (SYNs is 0 then), or an inferred connection's SYN. An
// announcement nothing connected to is not seen.
func (dc *DataConn) Seen() bool { return dc.matched() }

// Reported tells whether the sink was told dc's outcome (Sink.Data).
// A reported connection is given back no more: not a port-only match
// (provisional, supersede), nor a pick-up (givePickUpBack). The
// diagnosis reads it to know that what it read of dc stays so.
func (dc *DataConn) Reported() bool { return dc.reported }

// Answered tells whether the capture shows that the side connected to
// answered the SYN (answered): the handshake completed, or a SYN-ACK came
// back, even where the capture lost the SYN-ACK itself.
func (dc *DataConn) Answered() bool { return dc.answered() }

// LastSeen is when the capture last showed a segment of the connection;
// zero when it showed none. A connection the capture cut keeps no End:
// this is how long it was seen to last.
func (dc *DataConn) LastSeen() time.Time { return dc.lastSeen }

// answered tells whether the side connected to answered the SYN: the
// capture shows its SYN-ACK, a segment from it other than an RST, or one
// from the opener other than a SYN or an RST (it went past SYN-SENT, so a
// SYN-ACK reached it). A capture that lost the SYN-ACK (a lossy mirror
// port, one queue of a multi-queue capture) still shows the rest.
func (dc *DataConn) answered() bool {
	return !dc.SynAckTS.IsZero() || dc.openerAcked || dc.seqInit[1]
}

// established tells whether a data connection is up and not closed: its
// session's end waits for it.
func established(dc *DataConn) bool {
	return !dc.Done && dc.answered() && !(dc.finSent(0) && dc.finSent(1)) && !dc.heldExact()
}

// maybeReportEnd reports an ended session once none of its data
// connections is left open: SessionEnd comes after all of them.
func (t *Tracker) maybeReportEnd(sess *Session) {
	if sess == nil || !sess.ended || sess.reported || len(sess.pending) > 0 {
		return // (pending commands are reported first, by endSession)
	}
	for _, dc := range sess.Data {
		if !dc.reported {
			return
		}
	}
	sess.reported = true
	t.releaseTranscript(sess)
	t.dataReleased(sess)
	if n := sess.DataNotKept; n > 0 && !sess.recentOnly {
		// Said once, where the transcript ends, past every bound on
		// events: the session's own count of what it does not show.
		t.seq++
		sess.Events = append(sess.Events, Event{Seq: t.seq, Kind: EventLimit, TS: sess.End, Text: fmt.Sprintf(
			"%d of this session's data connections not shown in this transcript (past its %d, or let go sooner: announcements nothing used past its first %d, or past the %d the open sessions keep together; and neither their announcement nor their transfer command kept here): each was followed, diagnosed and counted",
			n, t.opts.MaxDataPerSession, maxUnusedKept, t.opts.DataBudget)})
		t.sink.Event(sess, &sess.Events[len(sess.Events)-1])
	}
	t.sink.SessionEnd(sess)
}

// addToSession adds a data connection to its session's list. With
// RecentOnly (or past MaxDataPerSession: noDataRoom, or once the open
// sessions hold DataBudget: dataKeep), finished ones beyond the last
// few leave the list: the output has them already.
func (t *Tracker) addToSession(sess *Session, dc *DataConn) {
	sess.DataCount++
	if keep := t.dataKeep(sess); sess.recentData && len(sess.Data) >= keep {
		t.dropReportedFor(sess, keep)
	}
	sess.ListData(dc)
	t.listed(sess, 1)
}

// dropReported takes the reported data connections out of sess.Data but
// the latest announcement, and the oldest reported ones past half of
// keep. A session keeping its transcript counts those the
// transcript can no longer show (DataNotKept): those neither of whose
// commands it kept (an inferred connection has none).
func (t *Tracker) dropReported(sess *Session, keep int) {
	drop := func(x *DataConn) bool {
		if !sess.recentOnly && !(x.Announce != nil && x.Announce.kept()) && !(x.Command != nil && x.Command.kept()) {
			sess.DataNotKept++
		}
		return true
	}
	sess.Data = slices.DeleteFunc(sess.Data, func(x *DataConn) bool { return x.reported && x != sess.lastAnn() && drop(x) })
	if len(sess.Data) > keep/2 {
		n := len(sess.Data) - keep/2
		kept := sess.Data[:0]
		for _, x := range sess.Data {
			if n > 0 && x.reported && drop(x) {
				n--
				continue
			}
			kept = append(kept, x)
		}
		clear(sess.Data[len(kept):])
		sess.Data = kept
	}
}

// addData files a data connection under its 4-tuple, and counts its two
// ports so that segments of other flows skip the map lookup.
func (t *Tracker) addData(s *decode.Segment, dc *DataConn) {
	key := decode.MakeConnKey(s.Src, s.Dst)
	if old := t.data[key]; old != nil {
		t.dropData(key)
	}
	t.data[key] = dc
	t.portRefs[key.A.Port()]++
	t.portRefs[key.B.Port()]++
}

func (t *Tracker) dropData(key decode.ConnKey) {
	dc, ok := t.data[key]
	if !ok {
		return
	}
	if dc.reflectAlias {
		if key == reflectKey(dc) {
			// Its reflection 4-tuple, taken by another connection.
			t.unwatchReflection(dc)
			return
		}
		t.unwatchReflection(dc)
	}
	delete(t.data, key)
	t.portRefs[key.A.Port()]--
	t.portRefs[key.B.Port()]--
	t.forgetRecent(key)
}

// lookupData finds the data connection a segment belongs to. Most segments
// belong to none, or to the same connection as the one before: a port
// count and a one-entry cache keep the map out of their way.
func (t *Tracker) lookupData(src, dst netip.AddrPort) *DataConn {
	if t.portRefs[src.Port()] == 0 || t.portRefs[dst.Port()] == 0 {
		return nil
	}
	// (Compared either way round: key puts the two in order, and that
	// costs more than the comparing.)
	r := &t.recentData[portsSlot(src.Port(), dst.Port())]
	if r.dc != nil && (r.key.A == src && r.key.B == dst || r.key.A == dst && r.key.B == src) {
		return r.dc
	}
	key := decode.MakeConnKey(src, dst)
	dc := t.data[key]
	if dc != nil {
		r.key, r.dc = key, dc
	}
	return dc
}

// dataSlots is how many lookups in Tracker.data are cached (recentData).
const dataSlots = 64

// recentData is a lookup in Tracker.data: key's data connection.
type recentData struct {
	key decode.ConnKey
	dc  *DataConn
}

// dataSlot is key's slot in Tracker.recentData: by its ports, of which
// one at least differs between the transfers of a session.
func dataSlot(key decode.ConnKey) int { return portsSlot(key.A.Port(), key.B.Port()) }

// portsSlot is dataSlot for a 4-tuple between ports a and b, either way
// round.
func portsSlot(a, b uint16) int { return int(a^b) & (dataSlots - 1) }

// forgetRecent takes key out of the lookups cached, as it leaves data.
func (t *Tracker) forgetRecent(key decode.ConnKey) {
	if r := &t.recentData[dataSlot(key)]; r.key == key {
		r.dc = nil
	}
}

// numberData gives a data connection its number when it is first
// reported, so retracted announcements leave no holes in the numbering.
func (t *Tracker) numberData(dc *DataConn) {
	if dc != nil && dc.ID == 0 {
		dc.ID = t.opts.NumberData()
	}
}

// reportCommand numbers the data connection a command armed, then reports
// the command.
func (t *Tracker) reportCommand(sess *Session, c *Command) {
	if dc := c.Data; dc != nil && !(!dc.Passive && !dc.matched() && !accepted(c)) {
		// (An active announcement not accepted is retracted unless
		// something connects: it gets a number only if it is reported.)
		t.numberData(dc)
	}
	// A data connection held for this command's final reply is reported
	// now whatever ended its wait (the reply, a 421, a gap that lost it,
	// the pending queue's bound): never after SessionEnd, never lost.
	if c.Status != StatusPending {
		for _, dc := range c.Transfer {
			if !dc.Done && dc.heldExact() {
				t.finishData(dc) // the RST stood: it ended the connection
			}
			if dc.Done {
				t.reportData(dc)
			}
		}
	}
	t.sink.Command(sess, c)
	if c.cost > 0 && c.Status != StatusPending && !(sess.recentOnly && slices.Contains(sess.Commands, c)) {
		// Written; its session keeps it no longer (with RecentOnly, one
		// among the latest kept is let go when they move on: keepCommand).
		t.letGo(c)
	}
}

// accepted tells whether an announcing command's final reply accepted it.
func accepted(c *Command) bool {
	f := c.Final()
	if f == nil {
		return false
	}
	switch c.Verb {
	case "PORT", "EPRT", "LPRT":
		return f.Code == 200
	}
	return passiveReply(f)
}
