package track

import (
	"net/netip"
	"slices"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// A capture started during a transfer (tcpdump started on a hanging or
// slow one, the commonest way a capture is taken) holds the data
// connection's bytes and its close, then the control connection's 226:
// no SYN, and no announcement, ever. The session is picked up mid-stream
// only at that reply, after the connection is over, so nothing of its
// was there to match when its segments passed. A connection between
// data ports (dataPorts: not SSH on 22, HTTPS on 443) whose first
// segment in the capture's first earlyWindow is no SYN, and that matched
// nothing, is summed up here as it passes (header only: its bytes by
// sequence number, its FINs, its RST, the turns of its bytes'
// direction): at most maxRunning of them, a full table making room for
// a newcomer (runningVictim). Only one whose bytes go one way (but for
// a TLS handshake's and close's turns: dataShaped) is claimed. A
// session picked up mid-stream whose first reply (to a command before
// the capture) ends a transfer (226, or 426, 451, 552: it failed) claims
// the one between its peers (as observed: behind a NAT, the addresses
// the capture saw) that carried bytes and ended within runningTie before
// that reply (the server sends it as the data connection closes), or
// still runs and sent within runningTie before it (a server that sends
// it once the last byte is written, then closes): claimRunning. Two such
// candidates, or none, and nothing is claimed. A session left waiting on
// such a transfer (the transfer that hangs, that tcpdump was started
// for: no reply but a 1yz, no data connection) claims at the capture's
// end the one still open between its peers that carried bytes, when no
// other such session is between the same hosts: claimRunningAtEnd. What
// is claimed is an inferred data connection (MatchInferred) whose start
// the capture missed (StartMissed): its bytes are those seen, not the
// file's. Its SYN is not in the capture, so who connected to whom is
// not either: from port 20, the server's ftp-data port, the server
// connected (active mode); else the mode is unknown (ModeUnknown), as
// servers connect from other ports too (vsftpd with
// connect_from_port_20=NO, ProFTPD and Pure-FTPd not run as root).

// maxRunning bounds the connections summed up (runningFlows).
const maxRunning = 16

// runningTie: how soon after a connection's end the session's first
// reply must come for the connection to be its transfer's. A server
// sends its 226 as it sees the data connection close (a round trip
// after the last byte, on a slow path); a reply seconds later is not
// tied to that close by time.
const runningTie = 2 * time.Second

// maxDataTurns bounds the times a connection summed up may change the
// direction its new bytes go and still be taken for a data connection.
// An FTP data connection carries one direction's payload, the other
// acknowledgments only (0 turns); with TLS (PROT P), a handshake both
// ways first and an alert each way at the close (the handshake mostly
// before the capture, as the connection's SYN was). A database, a proxy,
// a shell turn at each request: 20 MySQL queries read as data #1 of a
// session between the same hosts, and port 3306 as its passive port.
const maxDataTurns = 4

// maxRunningHole bounds the bytes a segment past the highest seen of its
// direction may add (a hole the capture missed): one forged far ahead
// of the flow adds nothing.
const maxRunningHole = 16 << 20

// runningFlows holds the connections the capture began during.
type runningFlows struct {
	flows []runningFlow // at most maxRunning
	// mask has the bit runningBit of each flow's ports set: a segment
	// whose bit is clear matches none without a look at the flows (most
	// segments on a busy link, the table full).
	mask uint64
}

// runningPorts is the key of a connection's ports, either way.
func runningPorts(a, b netip.AddrPort) uint32 { return tupleKey(a.Port(), b.Port()) }

// runningBit is the bit of mask for ports key k.
func runningBit(k uint32) uint64 {
	return 1 << ((k * 0x9e3779b1) >> 26)
}

// maxLeftOut bounds the host pairs leftOutPairs names.
const maxLeftOut = 8

// leftOutPairs names the host pairs of connections the running table,
// full, left out: a session between them that finds no connection may
// have lost its own to the bound (Limits.RunningFull). Past maxLeftOut
// pairs, any pair may have.
type leftOutPairs struct {
	pairs [maxLeftOut][2]netip.Addr
	n     int
	all   bool
}

// hostPair is the pair of a and b in a fixed order.
func hostPair(a, b netip.Addr) [2]netip.Addr {
	if b.Less(a) {
		a, b = b, a
	}
	return [2]netip.Addr{a, b}
}

// add names the pair of a and b.
func (l *leftOutPairs) add(a, b netip.Addr) {
	if l.all {
		return // (every pair is already taken as left out: has)
	}
	p := hostPair(a, b)
	for i := range l.n {
		if l.pairs[i] == p {
			return
		}
	}
	if l.n == maxLeftOut {
		l.all = true
		return
	}
	l.pairs[l.n] = p
	l.n++
}

// has tells whether a connection between a and b may have been left out.
func (l *leftOutPairs) has(a, b netip.Addr) bool {
	if l == nil {
		return false
	}
	if l.all {
		return true
	}
	p := hostPair(a, b)
	for i := range l.n {
		if l.pairs[i] == p {
			return true
		}
	}
	return false
}

// runningFlow sums up one connection whose start the capture missed.
// Direction 0 is from a, the source of its first segment seen.
type runningFlow struct {
	a, b     netip.AddrPort
	ports    uint32 // runningPorts(a, b)
	segs     uint32 // segments seen (saturating)
	lastNs   int64  // last, as Unix nanoseconds: compared on eviction
	turns    uint8  // changes of the direction of new bytes (saturating)
	dataDir  int8   // the direction of the last new bytes + 1; 0: none yet
	first    time.Time
	firstNum uint64
	last     time.Time
	hi       [2]uint32 // the highest sequence number seen, per direction
	seen     [2]bool
	bytes    [2]int64
	fin      [2]time.Time
	rst      time.Time
	rstFromA bool
}

// ended tells whether f is over: an RST, or a FIN each way.
func (f *runningFlow) ended() (time.Time, bool) {
	if !f.rst.IsZero() {
		return f.rst, true
	}
	if !f.fin[0].IsZero() && !f.fin[1].IsZero() {
		return f.last, true
	}
	return time.Time{}, false
}

// noteRunning sums s, a non-control segment that matched nothing, into
// the connection the capture began during it belongs to, or starts one
// for it. A SYN on a connection summed up is a new one: the entry goes.
// A full table makes room (runningVictim): a newcomer may be the
// transfer. Allocation-free but for the table's first use; a segment of
// no connection summed up costs a bit test in the common case.
func (t *Tracker) noteRunning(s *decode.Segment) {
	r := t.running
	if r == nil && (s.Flags.Has(decode.FlagSYN) || !t.early(s) || !dataPorts(s.Src.Port(), s.Dst.Port())) {
		return
	}
	key := runningPorts(s.Src, s.Dst)
	if r != nil && r.mask&runningBit(key) != 0 {
		for i := range r.flows {
			f := &r.flows[i]
			if f.ports != key {
				continue
			}
			dir := -1
			switch {
			case s.Src == f.a && s.Dst == f.b:
				dir = 0
			case s.Src == f.b && s.Dst == f.a:
				dir = 1
			}
			if dir < 0 {
				continue
			}
			if s.Flags.Has(decode.FlagSYN) {
				t.dropRunning(i) // a new connection on the 4-tuple
				return
			}
			if at, ok := f.ended(); ok && s.TS.Sub(at) > runningTie {
				// Too long over for a reply to claim it: a new one.
				t.dropRunning(i)
				r = t.running
				break
			}
			f.add(dir, s)
			return
		}
	}
	if s.Flags.Has(decode.FlagSYN) || !t.early(s) || !dataPorts(s.Src.Port(), s.Dst.Port()) {
		return
	}
	if r == nil {
		r = &runningFlows{flows: make([]runningFlow, 0, maxRunning)}
		t.running = r
	}
	if len(r.flows) == maxRunning {
		i, dead := t.runningVictim(s.TS)
		if !dead {
			// Its hosts' transfer, if it was one, is not found.
			f := &r.flows[i]
			if t.runningLeftOut == nil {
				t.runningLeftOut = new(leftOutPairs)
			}
			t.runningLeftOut.add(f.a.Addr(), f.b.Addr())
		}
		t.dropRunning(i)
		if t.running == nil {
			return
		}
	}
	r.flows = append(r.flows, runningFlow{a: s.Src, b: s.Dst, ports: key, first: s.TS, firstNum: s.Num})
	r.mask |= runningBit(key)
	r.flows[len(r.flows)-1].add(0, s)
}

// runningSent tells whether the connection between a and b summed up
// here (the capture's first minutes: noteRunning) carried bytes from a.
func (t *Tracker) runningSent(a, b netip.AddrPort) bool {
	r := t.running
	if r == nil || r.mask&runningBit(runningPorts(a, b)) == 0 {
		return false
	}
	for i := range r.flows {
		switch f := &r.flows[i]; {
		case f.a == a && f.b == b:
			return f.bytes[0] > 0
		case f.a == b && f.b == a:
			return f.bytes[1] > 0
		}
	}
	return false
}

// runningVictim is the connection a full table lets go for a newcomer
// (at now): one too long over for a reply to claim it (dead), else one
// that is no data connection's shape (dataShaped), else the one with
// the fewest segments, the least recently seen of those. Unrelated
// flows, a segment or a few each (sixteen of them hid a transfer that
// came after), cannot keep a transfer out, nor push out one that ran
// long or hangs quiet; long-lived services turning at each request
// (databases, proxies) go first.
func (t *Tracker) runningVictim(now time.Time) (i int, dead bool) {
	r := t.running
	i = -1
	for j := range r.flows {
		f := &r.flows[j]
		if at, ok := f.ended(); ok && now.Sub(at) > runningTie {
			return j, true
		}
		if i < 0 {
			i = j
			continue
		}
		v := &r.flows[i]
		switch fs, vs := f.dataShaped(), v.dataShaped(); {
		case fs != vs:
			if !fs {
				i = j
			}
		case f.segs != v.segs:
			if f.segs < v.segs {
				i = j
			}
		case f.lastNs < v.lastNs:
			i = j
		}
	}
	return i, false
}

// dataShaped tells whether f may be a data connection by its bytes: one
// way, but for a TLS handshake's and close's turns (maxDataTurns).
func (f *runningFlow) dataShaped() bool { return f.turns <= maxDataTurns }

// dropRunning takes the i-th connection out of the table; an empty
// table goes, so that segments skip it.
func (t *Tracker) dropRunning(i int) {
	r := t.running
	r.flows[i] = r.flows[len(r.flows)-1]
	r.flows = r.flows[:len(r.flows)-1]
	r.mask = 0
	for j := range r.flows {
		r.mask |= runningBit(r.flows[j].ports)
	}
	if len(r.flows) == 0 && decode.PacketSub(t.last, t.start) > earlyWindow {
		t.running = nil
	}
}

// add sums one segment of direction dir.
func (f *runningFlow) add(dir int, s *decode.Segment) {
	f.last, f.lastNs = s.TS, s.TS.UnixNano()
	if f.segs < ^uint32(0) {
		f.segs++
	}
	if s.Flags.Has(decode.FlagRST) {
		if f.rst.IsZero() {
			f.rst, f.rstFromA = s.TS, dir == 0
		}
		return
	}
	end := s.Seq + uint32(s.PayloadLen)
	switch {
	case !f.seen[dir]:
		f.seen[dir] = true
		f.hi[dir] = end
		f.bytes[dir] += int64(s.PayloadLen)
		f.turn(dir, s.PayloadLen)
	case s.PayloadLen > 0 && int32(end-f.hi[dir]) > 0 && end-f.hi[dir] <= uint32(s.PayloadLen)+maxRunningHole:
		// Past the highest byte seen: a hole before it the capture
		// missed was sent all the same. (Bytes only: a bare ACK after
		// the FIN is one past the last byte.)
		f.bytes[dir] += int64(end - f.hi[dir])
		f.hi[dir] = end
		f.turn(dir, s.PayloadLen)
	}
	if s.Flags.Has(decode.FlagFIN) && f.fin[dir].IsZero() {
		f.fin[dir] = s.TS
	}
}

// turn notes n new bytes of direction dir (a retransmission or a
// keepalive's old byte is none): a change of direction is a turn.
func (f *runningFlow) turn(dir, n int) {
	if n == 0 || int(f.dataDir) == dir+1 {
		return
	}
	if f.dataDir != 0 && f.turns < ^uint8(0) {
		f.turns++
	}
	f.dataDir = int8(dir + 1)
}

// runningEnd tells whether a reply's code ends a transfer: complete, or
// failed (aborted, a local error, out of space).
func runningEnd(code int) bool {
	switch code {
	case 226, 426, 451, 552:
		return true
	}
	return false
}

// claimRunning makes the connection between sess's peers the capture
// began during its data connection, when sess, picked up mid-stream, has
// as its first reply (code, at ts, to a command before the capture) the
// end of a transfer, and that connection carried bytes and either ended
// within runningTie before the reply (the server answers the close) or
// is still running and sent within runningTie before it (a server that
// answers once it wrote the last byte, as Pure-FTPd does, then closes):
// exactly one may fit. One still running goes on as a data connection
// followed from here: its close ends it.
func (t *Tracker) claimRunning(sess *Session, code int, ts time.Time) {
	if !runningEnd(code) || sess.ended || sess.Encrypted {
		return
	}
	pick, n := t.runningFor(sess, func(f *runningFlow) bool {
		at, ok := f.ended()
		if !ok {
			at = f.last
		}
		return !at.After(ts) && ts.Sub(at) <= runningTie
	})
	if n == 0 {
		t.runningMissed(sess, ts)
	}
	if pick < 0 || t.othersWaiting(sess) || t.noDataRoom(sess) != "" {
		return
	}
	t.takeRunning(sess, pick, code)
}

// runningWaits tells whether sess may be left waiting on a transfer
// begun before the capture: picked up mid-stream, in clear text, with no
// data connection, and no reply from the server but a 1yz (a final reply
// ends the transfer, or answers a command no server takes during one).
func runningWaits(sess *Session) bool {
	return sess.Midstream && !sess.Encrypted && sess.OneSide == BothSides && sess.DataCount == 0 && sess.flags&flagFinalReply == 0
}

// claimRunningAtEnd: sess, ending with the capture, left waiting on a
// transfer begun before the capture (runningWaits: the transfer that
// hangs), claims the one connection between its peers summed up that
// carried bytes, one way, and is still open, as its data connection,
// its transfer never ended in the capture (EndCode 0). None is claimed
// when two could be it, or when another session waiting so is between
// the same hosts (othersWaiting: those that ended with the capture too
// stay listed for this): it could be that one's.
func (t *Tracker) claimRunningAtEnd(sess *Session) {
	if !runningWaits(sess) {
		return
	}
	pick, n := t.runningFor(sess, func(f *runningFlow) bool {
		// Still open, its bytes one way: a file's (a connection with
		// bytes both ways is another service's: a remote desktop, a
		// database, a shell on an unprivileged port; no reply ties it to
		// the transfer by time).
		_, ended := f.ended()
		return !ended && (f.bytes[0] == 0 || f.bytes[1] == 0)
	})
	if n == 0 && sess.replied {
		// (Only a session whose transfer shows, its 1yz seen: one with
		// an unanswered command alone may wait on none.)
		t.runningMissed(sess, t.last)
	}
	if pick < 0 || t.othersWaiting(sess) || t.noDataRoom(sess) != "" {
		return
	}
	t.takeRunning(sess, pick, 0)
}

// maxMidstreamPerPair bounds the sessions picked up mid-stream the
// midstream index lists per host pair; past it they are counted, and a
// connection between those hosts the capture began during is claimed
// for none of them (othersWaiting).
const maxMidstreamPerPair = 8

// midstreamPair lists the open sessions picked up mid-stream between two
// hosts (either way), and counts those past maxMidstreamPerPair.
type midstreamPair struct {
	list  []*Session
	extra int
}

// noteMidstream lists sess, picked up mid-stream, in the midstream index
// until its end (forgetMidstream), or the tracker's for one that ends
// with the capture.
func (t *Tracker) noteMidstream(sess *Session) {
	if t.midstream == nil {
		t.midstream = make(map[[2]netip.Addr]*midstreamPair)
	}
	k := hostPair(sess.Client.Addr(), sess.Server.Addr())
	p := t.midstream[k]
	if p == nil {
		p = &midstreamPair{}
		t.midstream[k] = p
	}
	if len(p.list) == maxMidstreamPerPair {
		p.extra++
		return
	}
	p.list = append(p.list, sess)
}

// forgetMidstream takes sess, ended, out of the midstream index.
func (t *Tracker) forgetMidstream(sess *Session) {
	k := hostPair(sess.Client.Addr(), sess.Server.Addr())
	p := t.midstream[k]
	if p == nil {
		return
	}
	if i := slices.Index(p.list, sess); i >= 0 {
		p.list = slices.Delete(p.list, i, i+1)
	} else if p.extra > 0 {
		p.extra--
	}
	if len(p.list) == 0 && p.extra == 0 {
		delete(t.midstream, k)
	}
}

// othersWaiting tells whether another session between sess's hosts,
// picked up mid-stream, open (or ended with the capture), may be waiting
// on a transfer begun before the capture (runningWaits), or more than
// maxMidstreamPerPair of them are listed: a connection between those
// hosts the capture began during may be that one's, and none claims it.
func (t *Tracker) othersWaiting(sess *Session) bool {
	p := t.midstream[hostPair(sess.Client.Addr(), sess.Server.Addr())]
	if p == nil {
		return false
	}
	if p.extra > 0 {
		return true
	}
	for _, x := range p.list {
		if x != sess && runningWaits(x) {
			return true
		}
	}
	return false
}

// runningFor is the connection summed up that fits sess as its data
// connection (fits, and between its peers, on a data port of the FTP
// client's that is not 20, with bytes, a data connection's shape
// (dataShaped), no control or data connection followed), and how many
// fit: pick is -1 unless exactly one does.
func (t *Tracker) runningFor(sess *Session, fits func(*runningFlow) bool) (pick, n int) {
	r := t.running
	if r == nil {
		return -1, 0
	}
	cli, srv := sess.Client.Addr(), sess.Server.Addr()
	pick = -1
	for i := range r.flows {
		f := &r.flows[i]
		if !(f.a.Addr() == cli && f.b.Addr() == srv || f.a.Addr() == srv && f.b.Addr() == cli) {
			continue
		}
		srvDir, ok := runningEnds(sess, f)
		// (The client's end at port 20: a data connection of an FTP
		// server on the client's host, of another session.)
		if !ok || [2]netip.AddrPort{f.a, f.b}[1-srvDir].Port() == 20 || f.bytes[0]+f.bytes[1] == 0 || !f.dataShaped() || !fits(f) ||
			t.sessions.Get(decode.MakeConnKey(f.a, f.b)) != nil || t.lookupData(f.a, f.b) != nil {
			continue
		}
		n++
		pick = i
	}
	if n != 1 {
		pick = -1
	}
	return pick, n
}

// runningEnds tells which end of f is the server's (srvDir: 0 for f.a,
// 1 for f.b), by sess's peers' addresses; ok false when both peers share
// an address (a host talking to itself) and no end is port 20: the roles
// cannot be told.
func runningEnds(sess *Session, f *runningFlow) (srvDir int, ok bool) {
	if srv := sess.Server.Addr(); srv != sess.Client.Addr() {
		if f.a.Addr() == srv {
			return 0, true
		}
		return 1, true
	}
	switch {
	case f.a.Port() == 20:
		return 0, true
	case f.b.Port() == 20:
		return 1, true
	}
	return 0, false
}

// runningMissed counts a search for sess's data connection among those
// the capture began during (at ts) that found none, where a bound may
// have kept it out (Limits.RunningFull, RunningLate).
func (t *Tracker) runningMissed(sess *Session, ts time.Time) {
	if t.runningLeftOut.has(sess.Client.Addr(), sess.Server.Addr()) {
		t.limits.RunningFull++
	}
	if decode.PacketSub(ts, t.start) > earlyWindow {
		t.limits.RunningLate++
	}
}

// takeRunning makes the pick-th connection summed up sess's inferred
// data connection whose start the capture missed, its transfer ended by
// code (0: none seen). Its mode: active from the server's port 20 (its
// ftp-data port: a server listens on no such port for passive data),
// else unknown: a server may connect from another port (vsftpd with
// connect_from_port_20=NO, ProFTPD or Pure-FTPd not run as root), and
// its SYN, which would tell, came before the capture.
func (t *Tracker) takeRunning(sess *Session, pick, code int) {
	r := t.running
	f := r.flows[pick]
	t.dropRunning(pick)
	srvDir, _ := runningEnds(sess, &f)
	ends := [2]netip.AddrPort{f.a, f.b}
	srvEnd, cliEnd := ends[srvDir], ends[1-srvDir]
	active := srvEnd.Port() == 20
	t.seq++
	dc := &DataConn{
		Seq: t.seq, Session: sess, Passive: !active, modeUnknown: !active, Armed: f.first, ArmedNum: f.firstNum,
		Client: cliEnd, Server: srvEnd, Match: MatchInferred, ExpectedSize: -1, Rest: -1,
		protected: sess.dataProtected(), startMissed: true, endCode: uint16(code),
		Start: f.first, lastSeen: f.last,
	}
	// Indexed by the opener (direction 0 of DataConn): the FTP client's
	// side (passive mode, or the mode unknown), the server's in active
	// mode.
	opener := 1 - srvDir
	if active {
		opener = srvDir
		dc.Client, dc.Server = srvEnd, cliEnd
	}
	for d, fd := range [2]int{opener, 1 - opener} {
		dc.Bytes[d], dc.FINTS[d] = f.bytes[fd], f.fin[fd]
		dc.seqHi[d], dc.acked[d], dc.seqInit[d] = f.hi[fd], f.hi[fd], f.seen[fd]
	}
	dc.openerAcked = true // (answered: the connection ran)
	t.addToSession(sess, dc)
	if _, ended := f.ended(); !ended {
		// Followed from here as any data connection (dataSegment).
		t.addData(&decode.Segment{Src: dc.Client, Dst: dc.Server}, dc)
		t.addOpen(dc)
		return
	}
	dc.End, dc.EndReason, dc.endedFirst = f.last, EndFIN, code != 0
	if !f.rst.IsZero() {
		dc.End, dc.EndReason, dc.RSTTS = f.rst, EndRST, f.rst
		dc.RSTFromServer = f.rstFromA == (opener == 1)
	}
	t.finishData(dc)
}

// StartMissed tells whether the capture began during the data connection
// (no SYN, its first bytes not in it): Bytes counts what the capture
// saw, not the whole. It is taken for its session by the peers and the
// session's first reply, EndCode, which came just after its end.
func (dc *DataConn) StartMissed() bool { return dc.startMissed }

// EndCode is, for a connection whose start the capture missed
// (StartMissed), the session's reply that ended its transfer: 226
// (complete), or 426, 451, 552 (failed: TransferFailed). 0 otherwise,
// and for one claimed at the capture's end, its transfer not ended in
// the capture (the connection still open then: EndCaptureEnd).
func (dc *DataConn) EndCode() int { return int(dc.endCode) }

// forgetRunning takes the connection between a and b out of the table,
// if it is there: it became a data connection whose SYN-ACK came first
// (takeHeldLost), and what passed before is not this table's to claim.
func (t *Tracker) forgetRunning(a, b netip.AddrPort) {
	r := t.running
	if r == nil {
		return
	}
	for i := range r.flows {
		if f := &r.flows[i]; f.a == a && f.b == b || f.a == b && f.b == a {
			t.dropRunning(i)
			return
		}
	}
}

// TransferFailed tells whether the reply that ended the transfer of a
// connection whose start the capture missed (EndCode) says it failed:
// a 426 (the connection closed, the transfer aborted), 451 or 552. The
// connection carried its bytes all the same (OutcomeTransferred): what
// reached the receiver is a part of the file.
func (dc *DataConn) TransferFailed() bool {
	return dc.startMissed && dc.endCode != 0 && dc.endCode != 226
}

// EndedBeforeReply tells, for a connection whose start the capture
// missed (StartMissed), that it had ended (a FIN each way, or an RST)
// when the reply that ended its transfer (EndCode) came: what ended it
// came first. False for one still running then, followed to its close.
func (dc *DataConn) EndedBeforeReply() bool { return dc.endedFirst }

// ModeUnknown tells, for a connection whose start the capture missed
// (StartMissed), that nothing in the capture tells its mode: its SYN,
// which says who connected to whom, came before the capture, and the
// server's end is not its ftp-data port 20. Passive is then true only so
// that Client is the FTP client's end and Server the server's: who
// connected is not known.
func (dc *DataConn) ModeUnknown() bool { return dc.modeUnknown }
