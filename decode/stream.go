package decode

import (
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/reassembly"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

type streamState uint8

const (
	stateConfirmed streamState = iota // an FTP control connection
	stateCandidate                    // a 220 greeting seen, waiting for the client's first line
	stateRejected                     // not FTP after all
)

// invalidSeq is reassembly's nextSeq before a direction has started.
const invalidSeq reassembly.Sequence = -1

// maxQueued bounds the events a candidate holds back until it is confirmed.
const maxQueued = 64

const (
	dirClient = 0 // client to server
	dirServer = 1 // server to client
)

// controlStream is one FTP control connection (or a candidate for one): it
// splits each direction into lines and turns them into ControlEvents.
type controlStream struct {
	t              *controlTable
	key            ConnKey
	client, server netip.AddrPort
	state          streamState
	byContent      bool
	counted        bool // candidate count released

	opened, closed bool
	firstTS        time.Time // the first segment of the connection seen
	lastSeen       time.Time

	split   [2]ftp.LineSplitter
	replies ftp.ReplyReader
	emitFn  [2]func(ftp.Line)

	syn     [2]bool // a SYN was seen in that direction
	started [2]bool // bytes were delivered in that direction
	resync  [2]bool // the next bytes follow a gap
	urgent  [2]bool // urgent data seen, not yet attached to a line
	// base: the assembler's nextSeq at the last segment of a direction;
	// delivered: bytes (and skipped bytes) delivered since; high: the
	// furthest sequence number seen.
	base, delivered, high [2]uint32
	haveBase, haveHigh    [2]bool
	fin                   [2]bool
	holeLost              bool
	isn                   [2]uint32    // the SYN's sequence number, per direction
	queuedAt              [2]time.Time // when the oldest segment still queued arrived
	// detached: the assembler no longer holds it (encrypted: followed
	// from headers alone).
	detached bool
	// completed: a flush ended it in the assembler; closed after the flush.
	completed bool
	// lostAhead: bytes declared lost from an ACK before any later data
	// came; gapReported: that gap was already reported, so the
	// assembler's skip for it is not reported again.
	lostAhead   [2]bool
	gapReported [2]bool
	// clientDir is reassembly's name for the client-to-server half.
	clientDir reassembly.TCPFlowDirection

	implicitTLS bool // implicit FTPS: followed from headers, never parsed
	finFrom     [2]bool

	// AUTH was sent; a 234 to it turns the rest of the stream into TLS,
	// which is counted, not parsed.
	authAsked, encrypted bool

	serverProbe int            // candidate: server bytes before the client spoke
	queue       []ControlEvent // candidate: events held back

	// the packet and time of the bytes being delivered
	num uint64
	ts  time.Time
}

func newControlStream(t *controlTable, key ConnKey, client, server netip.AddrPort, st streamState) *controlStream {
	cs := &controlStream{t: t, key: key, client: client, server: server, state: st}
	ml := t.d.opts.MaxLine
	cs.split[0].MaxLine, cs.split[1].MaxLine = ml, ml
	cs.emitFn[dirClient] = cs.clientLine
	cs.emitFn[dirServer] = cs.serverLine
	return cs
}

func (cs *controlStream) confirmed() bool { return cs.state == stateConfirmed }

func (cs *controlStream) dirIndex(src netip.AddrPort) int {
	if src == cs.client {
		return dirClient
	}
	return dirServer
}

// Accept implements reassembly.Stream. It forces a start on the first
// segment seen (a connection picked up mid-stream) and watches ACKs for
// bytes the capture lost.
func (cs *controlStream) Accept(tcp *layers.TCP, ci gopacket.CaptureInfo, dir reassembly.TCPFlowDirection, nextSeq reassembly.Sequence, start *bool, _ reassembly.AssemblerContext) bool {
	if cs.closed || cs.state == stateRejected {
		return false
	}
	cs.lastSeen = ci.Timestamp
	if cs.firstTS.IsZero() {
		cs.firstTS = ci.Timestamp
	}
	// Accept runs for the segment decode is handling now, or for a
	// synthetic RST retire sends.
	src := cs.t.d.seg.Src
	if cs.t.synthetic {
		src = cs.t.synthSrc
	}
	d := cs.dirIndex(src)
	if d == dirClient {
		cs.clientDir = dir
	} else {
		cs.clientDir = dir.Reverse()
	}
	if tcp.SYN && !cs.syn[d] {
		cs.syn[d] = true
		cs.isn[d] = tcp.Seq
	}
	*start = true

	// Keep the assembler's position in this direction (its nextSeq, plus
	// what it delivers after this call) and the furthest byte seen, to
	// tell bytes the capture lost (the peer ACKed past them) from bytes
	// merely late.
	seq := tcp.Seq
	switch {
	case nextSeq != invalidSeq:
		cs.base[d] = uint32(nextSeq)
	case tcp.SYN:
		cs.base[d] = seq + 1
	default:
		cs.base[d] = seq // start forced here
	}
	cs.delivered[d] = 0
	cs.haveBase[d] = true
	if tcp.SYN {
		seq++
	}
	end := seq + uint32(len(tcp.Payload))
	if tcp.FIN {
		cs.fin[d] = true
	}
	if !cs.haveHigh[d] || int32(end-cs.high[d]) > 0 {
		cs.high[d], cs.haveHigh[d] = end, true
	}
	switch {
	case cs.lostAhead[d] && int32(seq-cs.base[d]) > 0:
		// The bytes before this segment were declared lost: the
		// assembler still waits for them, so flush past the hole.
		cs.lostAhead[d] = false
		cs.holeLost = true
	case cs.lostAhead[d] && seq == cs.base[d] && len(tcp.Payload) > 0:
		// The bytes came after their ACK after all (a capture that
		// merges two taps, or a drop healed by retransmission): no
		// skip will come, so the next real gap must not be taken for
		// this one.
		cs.lostAhead[d], cs.gapReported[d] = false, false
	}
	return true
}

// inWindow tells whether an RST from direction d sits where the receiver
// expects the next byte (RFC 5961: anything else is not a reset).
func (cs *controlStream) inWindow(d int, seq uint32) bool {
	return !cs.haveBase[d] || seq == cs.base[d]+cs.delivered[d] || seq == cs.base[d]
}

// reusedBy tells whether a SYN opens a new connection on this stream's
// 4-tuple rather than retransmitting its own: its sequence number is not
// the first SYN's.
func (cs *controlStream) reusedBy(s *Segment) bool {
	d := cs.dirIndex(s.Src)
	return cs.syn[d] && s.Seq != cs.isn[d] || !cs.syn[d] && cs.opened
}

// willQueue tells whether the assembler will hold a segment back: it
// carries bytes beyond the direction's current position.
func (cs *controlStream) willQueue(s *Segment) bool {
	d := cs.dirIndex(s.Src)
	if !cs.haveBase[d] || len(s.Payload) == 0 || s.Flags.Has(FlagSYN) {
		return false
	}
	return int32(s.Seq-(cs.base[d]+cs.delivered[d])) > 0
}

// ackedPastCapture runs before a segment is assembled. When the segment
// acknowledges bytes of the other direction the capture does not hold, they
// were lost to the capture, not delayed: what waits behind them is flushed
// now, or, when nothing waits yet, the gap is reported now. Either way it
// happens before this segment's own bytes, so a reply is never taken for
// the answer to a command that came before a lost one.
func (cs *controlStream) ackedPastCapture(tcp *layers.TCP, src netip.AddrPort, ci gopacket.CaptureInfo) (flush bool, until time.Time) {
	o := 1 - cs.dirIndex(src)
	if !tcp.ACK || !cs.haveBase[o] || cs.closed {
		return false, until
	}
	cur := cs.base[o] + cs.delivered[o]
	ahead := int32(tcp.Ack - cur)
	if ahead <= 0 || (ahead == 1 && cs.fin[o]) {
		return false, until // nothing missing, or only the FIN's sequence number
	}
	if int32(cs.high[o]-cur) > 0 {
		// Data after the hole waits in the assembler: release what waited
		// as long as it, not younger holes of other connections.
		until = cs.queuedAt[o]
		if until.IsZero() {
			until = ci.Timestamp
		}
		return true, until.Add(time.Nanosecond)
	}
	if cs.opened && cs.state == stateConfirmed && !cs.encrypted && !cs.lostAhead[o] {
		cs.lostAhead[o] = true
		cs.gapReported[o] = true
		cs.num, cs.ts = cs.t.ctx.num, ci.Timestamp
		cs.gap(o, int(ahead))
	}
	return false, until
}

// ReassembledSG implements reassembly.Stream.
func (cs *controlStream) ReassembledSG(sg reassembly.ScatterGather, ac reassembly.AssemblerContext) {
	dir, _, end, skip := sg.Info()
	length, _ := sg.Lengths()
	d := dirServer
	if dir == cs.clientDir {
		d = dirClient
	}
	cs.queuedAt[d] = time.Time{} // what waited is delivered now
	if cs.closed || cs.state == stateRejected || cs.encrypted {
		// Keep the position right all the same: retire relies on it.
		if skip > 0 {
			cs.delivered[d] += uint32(skip)
		}
		cs.delivered[d] += uint32(length)
		return
	}
	cs.num, cs.ts = cs.t.ctx.num, cs.t.ctx.ci.Timestamp
	if length > 0 {
		// Bytes released from the queue carry their own packet.
		if ci := sg.CaptureInfo(0); ci.InterfaceIndex > 0 {
			cs.num, cs.ts = uint64(ci.InterfaceIndex), ci.Timestamp
		}
	}
	st := &cs.t.d.stats
	if skip > 0 {
		cs.delivered[d] += uint32(skip)
	}
	cs.delivered[d] += uint32(length)
	if skip > 0 {
		if cs.gapReported[d] {
			cs.gapReported[d] = false
		} else {
			cs.gap(d, skip)
		}
	}
	if length > 0 {
		data := sg.Fetch(length)
		st.ControlBytes += uint64(length)
		if !cs.started[d] {
			cs.started[d] = true
			cs.resync[d] = !cs.syn[d]
		}
		if cs.resync[d] {
			// After a gap, or picked up mid-stream: a line cut by the
			// missing bytes is dropped, up to the next line end, unless the
			// data plainly starts a line.
			cs.resync[d] = false
			if looksLikeLineStart(data, d == dirClient) {
				cs.split[d] = ftp.LineSplitter{MaxLine: cs.t.d.opts.MaxLine}
			} else {
				cs.split[d].Resync()
			}
		}
		if d == dirServer && cs.state == stateCandidate {
			cs.serverProbe += length
			if cs.serverProbe > candidateProbeBytes {
				cs.reject()
				return
			}
		}
		if sg.Stats().Chunks <= 1 {
			cs.split[d].Write(data, cs.emitFn[d])
		} else {
			cs.writeChunks(d, sg, data)
		}
	}
	if end && !cs.closed && cs.state != stateRejected {
		cs.split[d].Flush(cs.emitFn[d])
	}
}

// writeChunks feeds data that came from several segments (out-of-order
// ones released together) one segment at a time, so that every line is
// stamped with the packet and time of the segment that completed it.
// Each chunk's packet number rides in its CaptureInfo.InterfaceIndex (see
// controlTable.assemble).
func (cs *controlStream) writeChunks(d int, sg reassembly.ScatterGather, data []byte) {
	for off := 0; off < len(data) && !cs.closed && cs.state != stateRejected && !cs.encrypted; {
		ci := sg.CaptureInfo(off)
		same := func(i int) bool {
			c := sg.CaptureInfo(i)
			return c.InterfaceIndex == ci.InterfaceIndex && c.Timestamp.Equal(ci.Timestamp)
		}
		// The segment's bytes run from off to end: gallop, then halve,
		// rather than asking byte by byte (CaptureInfo walks the chunks).
		lo, step := off, 1
		for lo+step < len(data) && same(lo+step) {
			lo += step
			step *= 2
		}
		hi := min(lo+step, len(data)) // same(lo) holds; same(hi) does not, or hi is the end
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if same(mid) {
				lo = mid
			} else {
				hi = mid
			}
		}
		end := hi
		cs.num, cs.ts = uint64(ci.InterfaceIndex), ci.Timestamp
		cs.split[d].Write(data[off:end], cs.emitFn[d])
		off = end
	}
}

// looksLikeLineStart tells whether bytes picked up mid-stream begin a line:
// a reply code from the server, a command word from the client.
func looksLikeLineStart(b []byte, fromClient bool) bool {
	if fromClient {
		n := 0
		for n < len(b) && n < 5 && (b[n]|0x20 >= 'a' && b[n]|0x20 <= 'z') {
			n++
		}
		if n < 3 || n > 4 || n >= len(b) {
			return false
		}
		return b[n] == ' ' || b[n] == '\r' || b[n] == '\n'
	}
	if len(b) < 4 {
		return false
	}
	return b[0] >= '1' && b[0] <= '6' && b[1] >= '0' && b[1] <= '9' && b[2] >= '0' && b[2] <= '9' && (b[3] == ' ' || b[3] == '-' || b[3] == '\r')
}

// ReassemblyComplete implements reassembly.Stream. It returns false: a
// stream removed here would be re-created by the final ACK
// (google/gopacket#427); the idle flush removes it.
func (cs *controlStream) ReassemblyComplete(reassembly.AssemblerContext) bool {
	if cs.t.flushing && !cs.closed && !cs.detached {
		cs.completed = true
		cs.t.completed++
		return false
	}
	if !cs.closed && !cs.detached {
		cs.close(cs.t.ctx.ci.Timestamp, cs.t.ctx.num)
	}
	return false
}

func (cs *controlStream) event(kind ControlKind) *ControlEvent {
	e := &cs.t.ev
	*e = ControlEvent{Kind: kind, Num: cs.num, TS: cs.ts, Client: cs.client, Server: cs.server}
	return e
}

// emit delivers an event, or holds it back while the stream is a candidate.
func (cs *controlStream) emit(e *ControlEvent) {
	switch cs.state {
	case stateRejected:
		return
	case stateCandidate:
		if len(cs.queue) < maxQueued {
			cs.queue = append(cs.queue, *e)
		}
		return
	}
	cs.t.d.h.Control(e)
}

func (cs *controlStream) open() {
	if cs.opened {
		return
	}
	cs.opened = true
	cs.t.d.stats.ControlConns++
	e := cs.event(ControlOpen)
	// A connection found by its greeting starts with that greeting.
	e.Midstream = !cs.byContent && !cs.syn[dirClient] && !cs.syn[dirServer]
	e.TS = cs.firstTS
	e.ByContent = cs.byContent
	e.ImplicitTLS = cs.implicitTLS
	e.File = cs.t.d.input
	cs.emit(e)
}

// finOther records a FIN from src and reports whether the other side
// sent one already.
func (cs *controlStream) finOther(src netip.AddrPort) bool {
	d := cs.dirIndex(src)
	cs.finFrom[d] = true
	return cs.finFrom[1-d]
}

func (cs *controlStream) gap(d int, n int) {
	st := &cs.t.d.stats
	st.ControlGaps++
	st.ControlGapBytes += uint64(n)
	cs.open()
	e := cs.event(ControlGap)
	e.FromClient = d == dirClient
	e.Gap = n
	cs.emit(e)
	cs.resync[d] = true
	if d == dirServer {
		cs.replies.Reset()
	}
}

func (cs *controlStream) clientLine(l ftp.Line) {
	if cs.closed || cs.state == stateRejected || cs.encrypted {
		return
	}
	cs.open()
	if l.Dropped > 0 {
		cs.t.d.stats.LinesTruncated++
	}
	cmd, err := ftp.ParseCommand(l.Text)
	if cs.state == stateCandidate {
		if err != nil || (cmd.Verb != "USER" && cmd.Verb != "AUTH") {
			cs.reject()
			return
		}
		cs.confirm()
	}
	if r := cs.replies.ClientSpoke(); r != nil {
		cs.reply(r)
	}
	if err != nil {
		e := cs.event(ControlJunk)
		e.FromClient = true
		e.Line = string(l.Text)
		e.Dropped = l.Dropped
		cs.emit(e)
		return
	}
	if cmd.Verb == "AUTH" {
		cs.authAsked = true
	}
	e := cs.event(ControlCommand)
	e.FromClient = true
	e.Command = cmd
	e.Telnet = l.Telnet
	e.Dropped = l.Dropped
	e.Urgent = cs.urgent[dirClient]
	cs.urgent[dirClient] = false
	switch cmd.Verb {
	case "PORT":
		ap, err := ftp.ParsePORT(cmd.Arg)
		e.Endpoint, e.EndpointErr = Endpoint{Via: ftp.ViaPORT, Addr: ap}, err
	case "EPRT":
		ap, _, err := ftp.ParseEPRT(cmd.Arg)
		e.Endpoint, e.EndpointErr = Endpoint{Via: ftp.ViaEPRT, Addr: ap}, err
	case "LPRT":
		ap, err := ftp.ParseLPRT(cmd.Arg)
		e.Endpoint, e.EndpointErr = Endpoint{Via: ftp.ViaLPRT, Addr: ap}, err
	}
	cs.emit(e)
}

func (cs *controlStream) serverLine(l ftp.Line) {
	if cs.closed || cs.state == stateRejected || cs.encrypted {
		return
	}
	cs.open()
	if l.Dropped > 0 {
		cs.t.d.stats.LinesTruncated++
	}
	r, err := cs.replies.Line(l.Text)
	if err != nil {
		e := cs.event(ControlJunk)
		e.Line = string(l.Text)
		e.Dropped = l.Dropped
		cs.emit(e)
		return
	}
	if r != nil {
		cs.reply(r)
	}
}

func (cs *controlStream) reply(r *ftp.Reply) {
	e := cs.event(ControlReply)
	e.Reply = r
	switch r.Code {
	case 227:
		ap, form, err := ftp.ParsePASV(r.Text)
		e.Endpoint, e.EndpointErr = Endpoint{Via: ftp.ViaPASV, Addr: ap, Form: form}, err
	case 228:
		ap, err := ftp.ParseLPSV(r.Text)
		e.Endpoint, e.EndpointErr = Endpoint{Via: ftp.ViaLPSV, Addr: ap}, err
	case 229:
		addr, port, err := ftp.ParseEPSV(r.Text)
		e.Endpoint, e.EndpointErr = Endpoint{Via: ftp.ViaEPSV, Addr: netip.AddrPortFrom(addr, port)}, err
	case 234:
		if cs.authAsked {
			cs.encrypted = true
		}
	}
	cs.emit(e)
}

func (cs *controlStream) confirm() {
	cs.state = stateConfirmed
	if !cs.counted {
		cs.counted = true
		cs.t.candidates--
	}
	q := cs.queue
	cs.queue = nil
	for i := range q {
		cs.t.d.h.Control(&q[i])
	}
}

func (cs *controlStream) reject() {
	cs.state = stateRejected
	cs.queue = nil
	if cs.opened {
		// It never reached the handler: uncount it.
		cs.t.d.stats.ControlConns--
	}
}

// close flushes what the stream still buffers and ends it.
func (cs *controlStream) close(ts time.Time, num uint64) {
	if cs.closed {
		return
	}
	if cs.state == stateConfirmed && cs.opened && cs.implicitTLS {
		cs.num, cs.ts = num, ts
		e := cs.event(ControlClose)
		e.Closed = cs.t.why
		cs.emit(e)
	} else if cs.state == stateConfirmed && cs.opened {
		cs.num, cs.ts = num, ts
		cs.split[dirClient].Flush(cs.emitFn[dirClient])
		cs.split[dirServer].Flush(cs.emitFn[dirServer])
		if r := cs.replies.Flush(); r != nil {
			cs.reply(r)
		}
		cs.num, cs.ts = num, ts
		e := cs.event(ControlClose)
		e.Closed = cs.t.why
		cs.emit(e)
	}
	cs.closed = true
}
