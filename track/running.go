package track

import (
	"net/netip"
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
// sequence number, its FINs, its RST): at most maxRunning of them. A
// session picked up mid-stream whose first reply (to a command before
// the capture) ends a transfer (226, or 426, 451, 552: it failed) claims
// the one between its peers (as observed: behind a NAT, the addresses
// the capture saw) that carried bytes and ended within runningTie before
// that reply (the server sends it as the data connection closes), or
// still runs and sent within runningTie before it (a server that sends
// it once the last byte is written, then closes): claimRunning. Two such
// candidates, or none, and nothing is claimed. What is claimed is
// an inferred data connection (MatchInferred) whose start the capture
// missed (StartMissed): its bytes are those seen, not the file's.

// maxRunning bounds the connections summed up (runningFlows).
const maxRunning = 16

// runningTie: how soon after a connection's end the session's first
// reply must come for the connection to be its transfer's. A server
// sends its 226 as it sees the data connection close (a round trip
// after the last byte, on a slow path); a reply seconds later is not
// tied to that close by time.
const runningTie = 2 * time.Second

// runningIdle: how long a connection summed up must have been quiet to
// make room in a full table for another.
const runningIdle = time.Minute

// maxRunningHole bounds the bytes a segment past the highest seen of its
// direction may add (a hole the capture missed): one forged far ahead
// of the flow adds nothing.
const maxRunningHole = 16 << 20

// runningFlows holds the connections the capture began during.
type runningFlows struct {
	flows []runningFlow // at most maxRunning
}

// runningFlow sums up one connection whose start the capture missed.
// Direction 0 is from a, the source of its first segment seen.
type runningFlow struct {
	a, b     netip.AddrPort
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
// Allocation-free but for the table's first use.
func (t *Tracker) noteRunning(s *decode.Segment) {
	r := t.running
	if r == nil && (s.Flags.Has(decode.FlagSYN) || !t.early(s) || !dataPorts(s.Src.Port(), s.Dst.Port())) {
		return
	}
	if r != nil {
		for i := range r.flows {
			f := &r.flows[i]
			if at, ok := f.ended(); ok && s.TS.Sub(at) > runningTie {
				// Too long over for a reply to claim it.
				t.dropRunning(i)
				t.noteRunning(s)
				return
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
		// One quiet for runningIdle makes room; else the first ones stay.
		i := 0
		for j := range r.flows {
			if r.flows[j].last.Before(r.flows[i].last) {
				i = j
			}
		}
		if s.TS.Sub(r.flows[i].last) <= runningIdle {
			return
		}
		t.dropRunning(i)
		if t.running == nil {
			return
		}
	}
	r.flows = append(r.flows, runningFlow{a: s.Src, b: s.Dst, first: s.TS, firstNum: s.Num})
	r.flows[len(r.flows)-1].add(0, s)
}

// dropRunning takes the i-th connection out of the table; an empty
// table goes, so that segments skip it.
func (t *Tracker) dropRunning(i int) {
	r := t.running
	r.flows[i] = r.flows[len(r.flows)-1]
	r.flows = r.flows[:len(r.flows)-1]
	if len(r.flows) == 0 && decode.PacketSub(t.last, t.start) > earlyWindow {
		t.running = nil
	}
}

// add sums one segment of direction dir.
func (f *runningFlow) add(dir int, s *decode.Segment) {
	f.last = s.TS
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
	case s.PayloadLen > 0 && int32(end-f.hi[dir]) > 0 && end-f.hi[dir] <= uint32(s.PayloadLen)+maxRunningHole:
		// Past the highest byte seen: a hole before it the capture
		// missed was sent all the same. (Bytes only: a bare ACK after
		// the FIN is one past the last byte.)
		f.bytes[dir] += int64(end - f.hi[dir])
		f.hi[dir] = end
	}
	if s.Flags.Has(decode.FlagFIN) && f.fin[dir].IsZero() {
		f.fin[dir] = s.TS
	}
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
	r := t.running
	if r == nil || !runningEnd(code) || sess.ended || sess.Encrypted {
		return
	}
	cli, srv := sess.Client.Addr(), sess.Server.Addr()
	pick := -1
	for i := range r.flows {
		f := &r.flows[i]
		if !(f.a.Addr() == cli && f.b.Addr() == srv || f.a.Addr() == srv && f.b.Addr() == cli) {
			continue
		}
		at, ok := f.ended()
		if !ok {
			at = f.last
		}
		if at.After(ts) || ts.Sub(at) > runningTie || f.bytes[0]+f.bytes[1] == 0 ||
			t.sessions.Get(decode.MakeConnKey(f.a, f.b)) != nil || t.lookupData(f.a, f.b) != nil {
			continue
		}
		if pick >= 0 {
			return // two could be it: neither is taken
		}
		pick = i
	}
	if pick < 0 || t.noDataRoom(sess) != "" {
		return
	}
	f := r.flows[pick]
	t.dropRunning(pick)
	// The side at the server's address listens in passive mode (an
	// unprivileged port); from port 20, the server connected (active).
	srvEnd, cliEnd, srvDir := f.a, f.b, 0
	if f.a.Addr() != srv {
		srvEnd, cliEnd, srvDir = f.b, f.a, 1
	}
	passive := srvEnd.Port() != 20
	t.seq++
	dc := &DataConn{
		Seq: t.seq, Session: sess, Passive: passive, Armed: f.first, ArmedNum: f.firstNum,
		Client: cliEnd, Server: srvEnd, Match: MatchInferred, ExpectedSize: -1, Rest: -1,
		protected: sess.dataProtected(), startMissed: true, endCode: uint16(code),
		Start: f.first, lastSeen: f.last,
	}
	// Indexed by the opener (direction 0 of DataConn): the client's side
	// in passive mode, the server's in active mode.
	opener := 1 - srvDir
	if !passive {
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
	dc.End, dc.EndReason = f.last, EndFIN
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
// (complete), or 426, 451, 552 (failed). 0 otherwise.
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
