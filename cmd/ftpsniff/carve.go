package main

import (
	"bytes"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// carve.go: which packets belong to which session, for read --write
// (carvewrite.go writes them, carverun.go runs the passes).
//
// A packet belongs to a session when it carries a segment of the
// session's control connection or of a data connection matched to it, or
// an ICMP error quoting one of those. The tracker knows the owner of
// every connection it follows (Tracker.Owner); the carver remembers each
// answer for carveLinger after the connection's last packet, because the
// tracker releases a connection the moment it is final and its last ACKs
// come after that.
//
// What is attributed is kept as spans: per session, per connection, the
// first and last packet numbers of the connection in one input file. A
// connection recognised late (FTP found by content on another port, a
// data connection picked up mid-stream) starts where its first packet
// was seen, which the carver also remembers, boundedly.

const (
	// carveLinger: packets of a connection this long after its previous
	// one still belong to the session it was attributed to.
	carveLinger = 2 * time.Minute
	// carveSweep: how often (packet time) lingering entries are expired.
	carveSweep = 10 * time.Second
	// maxCarveFlows bounds the connections attributed at once,
	// maxFirstSeen the connections whose first packet is remembered, and
	// maxCarveSpans the spans kept for the second pass.
	maxCarveFlows = 1 << 16
	maxFirstSeen  = 1 << 16
	maxCarveSpans = 1 << 18 // about 80 bytes each: 21 MB at most
	// In one pass, the handshake of a control connection goes by before
	// its session opens (at its first line): up to maxHeldPerFlow
	// payload-less packets of at most maxHeldBytes are kept for up to
	// maxHeldFlows connections, and written when the session is chosen.
	maxHeldFlows   = 1024
	maxHeldPerFlow = 4
	maxHeldBytes   = 256
	// maxPacketFlows: the connections one packet can carry (a segment,
	// an ICMP quote; a tunnel frame decodes once).
	maxPacketFlows = 4
)

// flowSpan is one connection of a session in one input file: the packets
// numbered first to last (as the decoder numbers them) that belong to it.
type flowSpan struct {
	file        int
	key         decode.ConnKey
	first, last uint64
}

// carveSession is what the carver knows of one session.
type carveSession struct {
	id       int
	selected bool // chosen by the selection flags (--session, --server, --client)
	failed   bool // a failed data connection, a failed login, a finding of warning or above
	ended    bool
	spans    []flowSpan
}

// carveFlow is a connection attributed to a session.
type carveFlow struct {
	sess *carveSession
	span int       // its span in sess.spans in the current file; -1 for none (one pass, or the bound)
	last time.Time // packet time of its latest packet
	// isn: the initial sequence number of the SYN that opened it, when
	// seen; a SYN with another is a new connection on the same tuple.
	isn    uint32
	isnSet bool
}

// firstSeen is the first packet of a connection not yet attributed.
type firstSeen struct {
	file         int
	num, lastNum uint64
	packets      int
	last         time.Time
	isn          uint32
	isnSet       bool
}

// carveLimits counts what the carver's bounds cost.
type carveLimits struct {
	FlowsNotFollowed int // connections attributed while maxCarveFlows were: their later packets are not written
	FirstSeenFull    int // connections whose start was not remembered: written from their recognition on
	SpansDropped     int // spans beyond maxCarveSpans: those packets are not written
	// EarlyPackets: in one pass (standard input), packets of a connection
	// seen before it was recognised as the session's; they had already
	// gone by.
	EarlyPackets int
	// FragmentsNotWritten: IP fragments of written datagrams whose copy
	// the bounds of fragmentHold had pushed out.
	FragmentsNotWritten int
	// FragmentsUnlisted: IP fragments of written datagrams beyond those
	// decode names per datagram (decode.Segment.FragmentsUnlisted).
	FragmentsUnlisted int
}

// carver attributes packets to sessions during the analysis. In one pass
// (onePass) it marks the current packet for writing when it belongs to a
// selected session; otherwise it keeps the spans of the sessions chosen
// at their end for a second pass.
type carver struct {
	trk      *track.Tracker
	sel      *sessionSelector
	failed   bool // --only-failed
	minSev   diagnose.Severity
	onePass  bool
	file     int // index of the input being read
	sessions map[int]*carveSession
	flows    map[decode.ConnKey]*carveFlow
	seen     map[decode.ConnKey]*firstSeen
	kept     []*carveSession // chosen sessions, for the second pass
	// chosenSessions counts, in one pass, the sessions written.
	chosenSessions int
	spans          int // spans held, by selected open sessions and kept ones
	nextSwp        time.Time
	sweeps         int // walks of the tables, for the test that they stay periodic

	// the current packet's connections, and the packet
	pkt  [maxPacketFlows]packetFlow
	npkt int
	cur  heldPacket
	// the current packet's fragments: whether the decoder holds it as
	// one (and its number), and the numbers its segments name
	// (packetFlow.frags points in here)
	fragHeld    bool
	fragHeldNum uint64
	fragNums    []uint64
	// frame: the frame of a forward clock step, which the decoder
	// decodes only with the next packet (decode.HeldFrameHandler):
	// frameHeld while its events are to come, frameNow when the packet
	// just decoded is it; in one pass its copy, to write if chosen.
	frame     heldPacket
	frameNum  uint64
	frameHeld bool
	frameNow  bool
	// frags: in one pass, copies of fragments not yet written
	// (carvefrag.go)
	frags fragmentHold
	// held: in one pass, handshake packets of control connections not
	// yet attributed; emit writes them once their session is chosen.
	held map[decode.ConnKey][]heldPacket
	emit func(heldPacket)

	limits carveLimits
}

type packetFlow struct {
	src, dst netip.AddrPort
	num      uint64
	ts       time.Time
	syn      bool   // a SYN without ACK: a new connection, or its retransmission
	seq      uint32 // the segment's sequence number (a SYN's ISN)
	ctl      bool   // a segment of a connection decode takes for FTP control
	hold     bool   // a control connection's packet without payload, or an ICMP error
	// frags: the packets whose fragments, with this one, made the
	// datagram the segment came in (decode.Segment.Fragments), and
	// unlisted, how many more there were (decode lists 64)
	frags    []uint64
	unlisted int
}

// heldPacket is a packet kept (copied) or the current one.
type heldPacket struct {
	data []byte
	ci   gopacket.CaptureInfo
	link layers.LinkType
}

func newCarver(sel *sessionSelector, onlyFailed bool, minSev diagnose.Severity, onePass bool) *carver {
	return &carver{
		sel: sel, failed: onlyFailed, minSev: minSev, onePass: onePass,
		sessions: map[int]*carveSession{},
		flows:    map[decode.ConnKey]*carveFlow{},
		seen:     map[decode.ConnKey]*firstSeen{},
		held:     map[decode.ConnKey][]heldPacket{},
	}
}

// chosen tells whether a session's packets are to be written.
func (c *carver) chosen(cs *carveSession) bool {
	return cs.selected && (!c.failed || cs.failed)
}

// segment notes a connection the current packet carries.
func (c *carver) segment(src, dst netip.AddrPort, num uint64, ts time.Time, syn bool, seq uint32, ctl, hold bool, frags []uint64, unlisted int) {
	if c.npkt < len(c.pkt) {
		c.pkt[c.npkt] = packetFlow{src: src, dst: dst, num: num, ts: ts, syn: syn, seq: seq, ctl: ctl, hold: hold, unlisted: unlisted}
		if len(frags) > 0 {
			at := len(c.fragNums)
			c.fragNums = append(c.fragNums, frags...)
			c.pkt[c.npkt].frags = c.fragNums[at:]
		}
		c.npkt++
	}
}

// endPacket attributes the current packet's connections, now that the
// tracker has seen the whole packet, and tells whether to write it. A
// packet the decoder holds (frameHeld) has no connection yet: its copy
// waits for heldDecoded.
func (c *carver) endPacket(data []byte, ci gopacket.CaptureInfo, link layers.LinkType) bool {
	c.cur = heldPacket{data: data, ci: ci, link: link}
	if c.frameNow {
		c.frameNow, c.frameHeld = false, true
		c.frame = heldPacket{ci: ci, link: link}
		if c.onePass {
			c.frame.data = bytes.Clone(data)
		}
	}
	return c.attributePacket()
}

// heldDecoded: the decoder has decoded the frame it held (with the next
// packet, at the next input or at the end), whose connections are the
// ones noted since; in one pass it is written if chosen, before the
// packet that released it.
func (c *carver) heldDecoded(num uint64) {
	if !c.frameHeld || num != c.frameNum {
		return
	}
	c.frameHeld = false
	c.cur = c.frame
	if c.attributePacket() && c.onePass {
		c.emit(c.frame)
	}
	c.frame = heldPacket{}
}

// attributePacket attributes the connections of c.cur and tells whether
// to write it.
func (c *carver) attributePacket() bool {
	if c.fragHeld {
		c.fragHeld = false
		if c.onePass {
			c.frags.add(c.file, c.fragHeldNum, c.cur)
		}
	}
	write := false
	for i := range c.npkt {
		p := &c.pkt[i]
		w := c.attribute(p)
		if c.onePass && len(p.frags) > 0 {
			// The datagram's other fragments go out just before it.
			c.frags.take(c.file, p.frags, w, c.emit)
		}
		if w && c.onePass {
			c.limits.FragmentsUnlisted += p.unlisted
		}
		write = write || w
	}
	c.npkt = 0
	c.fragNums = c.fragNums[:0]
	return write
}

// attribute finds the session of one connection of the current packet and
// extends its span. It reports whether the packet is to be written now.
func (c *carver) attribute(p *packetFlow) bool {
	key := decode.MakeConnKey(p.src, p.dst)
	f := c.flows[key]
	owner := c.trk.Owner(p.src, p.dst)
	switch {
	case owner != nil:
		cs := c.sessions[owner.ID]
		if cs == nil || !cs.selected {
			// Not the sink's, or never to be written (--only-failed
			// narrows the selection, it never widens it): nothing kept.
			return false
		}
		if f == nil || f.sess != cs {
			f = c.follow(key, cs, p)
			if f == nil {
				return false
			}
		}
	case f == nil:
		if c.firstPacket(key, p) {
			c.hold(key, p)
		}
		return false
	case p.ts.Sub(f.last) > carveLinger || p.syn && (f.isnSet && p.seq != f.isn || !f.isnSet && f.sess.ended):
		// The tuple is used again, by a new connection (another ISN),
		// after the one attributed; a retransmitted SYN is not new.
		delete(c.flows, key)
		c.firstPacket(key, p)
		return false
	}
	f.last = p.ts
	if p.syn && !f.isnSet {
		f.isn, f.isnSet = p.seq, true
	}
	c.extend(f, p.num)
	return c.onePass && c.chosen(f.sess)
}

// extend makes the connection's span in the current file reach packet
// num: a connection that goes on in the next input (a capture rotated
// into several files) gets a span there too.
func (c *carver) extend(f *carveFlow, num uint64) {
	if f.span >= 0 && f.span < len(f.sess.spans) {
		if sp := &f.sess.spans[f.span]; sp.file == c.file {
			if num > sp.last {
				sp.last = num
			}
			return
		}
		key := f.sess.spans[f.span].key
		f.span = c.addSpan(f.sess, flowSpan{file: c.file, key: key, first: num, last: num})
	}
}

// addSpan keeps a span for the second pass, within maxCarveSpans over
// all sessions; it returns its index, or -1 when none is kept. One pass
// keeps none: it writes as it goes.
func (c *carver) addSpan(cs *carveSession, sp flowSpan) int {
	if c.onePass {
		return -1
	}
	if c.spans >= maxCarveSpans {
		c.limits.SpansDropped++
		return -1
	}
	c.spans++
	cs.spans = append(cs.spans, sp)
	return len(cs.spans) - 1
}

// follow attributes a connection to a session, from its first packet on.
func (c *carver) follow(key decode.ConnKey, cs *carveSession, p *packetFlow) *carveFlow {
	first := p.num
	held := c.held[key]
	delete(c.held, key)
	isn, isnSet := p.seq, p.syn
	if fs := c.seen[key]; fs != nil {
		if fs.isnSet && !isnSet {
			isn, isnSet = fs.isn, true
		}
		if fs.file == c.file && fs.num < first && p.ts.Sub(fs.last) <= carveLinger {
			first = fs.num
			if c.onePass && c.chosen(cs) {
				for _, h := range held {
					c.emit(h)
				}
				c.limits.EarlyPackets += fs.packets - len(held)
			}
		}
		delete(c.seen, key)
	}
	f := c.addFlow(key, cs, first, p.num, p.ts)
	if f != nil {
		f.isn, f.isnSet = isn, isnSet
	}
	return f
}

// addFlow starts the span of a connection attributed to cs.
func (c *carver) addFlow(key decode.ConnKey, cs *carveSession, first, last uint64, ts time.Time) *carveFlow {
	if len(c.flows) >= maxCarveFlows {
		// Full of connections younger than carveLinger: the periodic
		// sweep frees them in time; sweeping here would not, and would
		// cost the whole table for every packet.
		c.limits.FlowsNotFollowed++
		return nil
	}
	f := &carveFlow{sess: cs, span: c.addSpan(cs, flowSpan{file: c.file, key: key, first: first, last: last}), last: ts}
	c.flows[key] = f
	return f
}

// hold keeps a copy of a control connection's handshake packet, or of an
// ICMP error about a connection not yet attributed, in one pass, until
// the connection's session opens (follow, adoptSeen).
func (c *carver) hold(key decode.ConnKey, p *packetFlow) {
	if !c.onePass || !p.hold || len(c.cur.data) > maxHeldBytes {
		return
	}
	l, ok := c.held[key]
	if len(l) >= maxHeldPerFlow || !ok && len(c.held) >= maxHeldFlows {
		return // counted as an early packet if its session is chosen
	}
	h := c.cur
	h.data = bytes.Clone(h.data)
	c.held[key] = append(l, h)
}

// firstPacket remembers where a connection not (yet) attributed began:
// one decode takes for FTP control, or one that starts with a SYN (a
// connection FTP may be recognised on later). It reports whether the
// connection is remembered.
func (c *carver) firstPacket(key decode.ConnKey, p *packetFlow) bool {
	fs := c.seen[key]
	if fs == nil && !p.syn && !p.ctl {
		return false
	}
	if fs != nil && (fs.file != c.file || p.ts.Sub(fs.last) > carveLinger || p.syn && (!fs.isnSet || fs.isn != p.seq)) {
		// A new connection on the same tuple starts afresh; a
		// retransmitted SYN does not.
		fs.file, fs.num, fs.packets, fs.isnSet = c.file, p.num, 0, false
		delete(c.held, key)
	}
	if fs == nil {
		if len(c.seen) >= maxFirstSeen {
			c.limits.FirstSeenFull++
			return false
		}
		fs = &firstSeen{file: c.file, num: p.num}
		c.seen[key] = fs
	}
	if p.syn && !fs.isnSet {
		fs.isn, fs.isnSet = p.seq, true
	}
	fs.packets++
	fs.last, fs.lastNum = p.ts, p.num
	return true
}

// tick expires what lingered past carveLinger, every carveSweep of packet
// time.
func (c *carver) tick(now time.Time) {
	if now.Before(c.nextSwp) {
		return
	}
	c.nextSwp = now.Add(carveSweep)
	c.sweep(now)
}

func (c *carver) sweep(now time.Time) {
	c.sweeps++
	c.frags.expire(now)
	for k, f := range c.flows {
		if now.Sub(f.last) > carveLinger {
			delete(c.flows, k)
		}
	}
	for k, fs := range c.seen {
		if now.Sub(fs.last) > carveLinger {
			delete(c.seen, k)
			delete(c.held, k)
		}
	}
}

// sessionStart: a new session, selected or not by the flags.
func (c *carver) sessionStart(s *track.Session) {
	c.sessions[s.ID] = &carveSession{id: s.ID, selected: c.sel.selects(s)}
}

// data: a data connection of s is final. One that ended in the packet
// that first showed it (an ICMP error or RST to an announcement whose SYN
// the capture lacks) was released before any packet of it was
// attributed: it is attributed here, from where it was first seen.
func (c *carver) data(s *track.Session, d *track.DataConn) {
	cs := c.sessions[s.ID]
	if cs == nil || !cs.selected {
		return
	}
	if dataFailed(d) {
		cs.failed = true
	}
	if !d.Client.IsValid() || !d.Server.IsValid() {
		return
	}
	key := decode.MakeConnKey(d.Client, d.Server)
	if c.flows[key] != nil || c.adoptSeen(key, cs) {
		return
	}
	for i := range c.npkt {
		if p := &c.pkt[i]; decode.MakeConnKey(p.src, p.dst) == key {
			c.addFlow(key, cs, p.num, p.num, p.ts)
			return
		}
	}
}

// adoptSeen attributes to cs a connection released before any packet of
// it was attributed, from where it was first seen, and reports whether
// it was seen. In one pass its packets went by: counted, but for those
// of a control connection kept (hold), written now.
func (c *carver) adoptSeen(key decode.ConnKey, cs *carveSession) bool {
	fs := c.seen[key]
	if fs == nil || fs.file != c.file {
		return false
	}
	held := c.held[key]
	delete(c.seen, key)
	delete(c.held, key)
	if c.onePass && c.chosen(cs) {
		// A control connection's handshake packets were kept (hold).
		for _, h := range held {
			c.emit(h)
		}
		c.limits.EarlyPackets += fs.packets - len(held)
	}
	if f := c.addFlow(key, cs, fs.num, fs.lastNum, fs.last); f != nil {
		f.isn, f.isnSet = fs.isn, fs.isnSet
	}
	return true
}

// finding: a finding of warning or above (and at or above
// --min-severity) makes its session failed, as the summary view lists it.
func (c *carver) finding(f *diagnose.Finding) {
	if f.Session == nil || f.Severity < diagnose.SeverityWarning || f.Severity < c.minSev {
		return
	}
	if cs := c.sessions[f.Session.ID]; cs != nil {
		cs.failed = true
	}
}

// sessionEnd decides, for the second pass, whether the session's spans
// are kept. Its connections keep lingering (their last ACKs extend the
// spans) but attribute nothing new.
func (c *carver) sessionEnd(s *track.Session) {
	cs := c.sessions[s.ID]
	if cs == nil {
		return
	}
	delete(c.sessions, s.ID)
	if s.Connect != nil && cs.selected {
		// A control connection that never opened: its session opens
		// and ends at once, after its SYNs and their answers, which no
		// session owned when they went by.
		if key := decode.MakeConnKey(s.Client, s.Server); c.flows[key] == nil {
			c.adoptSeen(key, cs)
		}
	}
	cs.ended = true
	if s.Login == track.LoginFailed {
		cs.failed = true
	}
	if c.onePass {
		if c.chosen(cs) {
			c.chosenSessions++
		}
		return
	}
	if !c.chosen(cs) {
		c.spans -= len(cs.spans)
		cs.spans = nil
		return
	}
	c.kept = append(c.kept, cs)
}

// carveHandler is the decoder's handler with the carver listening: it
// notes each packet's connections and passes everything on.
type carveHandler struct {
	handlerForward // the optional interfaces of what it wraps
	c              *carver
}

func (h *carveHandler) Segment(s *decode.Segment) {
	h.c.segment(s.Src, s.Dst, s.Num, s.TS, s.Flags.Has(decode.FlagSYN) && !s.Flags.Has(decode.FlagACK), s.Seq, s.Control, s.Control && s.PayloadLen == 0, s.Fragments, s.FragmentsUnlisted)
	h.next.Segment(s)
}

// FragmentHeld implements decode.FragmentHandler: the current packet is
// a fragment, to keep until its datagram shows its session.
func (h *carveHandler) FragmentHeld(num uint64) {
	h.c.fragHeld, h.c.fragHeldNum = true, num
}

// FrameHeld implements decode.HeldFrameHandler: the current packet's
// connections come with a later one's.
func (h *carveHandler) FrameHeld(num uint64) {
	h.c.frameNow, h.c.frameNum = true, num
}

// HeldFrameDecoded implements decode.HeldFrameHandler.
func (h *carveHandler) HeldFrameDecoded(num uint64) { h.c.heldDecoded(num) }

func (h *carveHandler) Unreachable(u *decode.Unreachable) {
	// Kept (hold) for a connection not yet attributed, like its SYN: a
	// control connection an ICMP error ends opens its session later.
	h.c.segment(u.Src, u.Dst, u.Num, u.TS, false, 0, false, true, u.Fragments, u.FragmentsUnlisted)
	h.next.Unreachable(u)
}

func (h *carveHandler) Control(e *decode.ControlEvent) { h.next.Control(e) }

func (h *carveHandler) Tick(now time.Time) {
	h.next.Tick(now)
	h.c.tick(now)
}

func (h *carveHandler) Finish() { h.next.Finish() }

// carveSink tells the carver of sessions, data connections and ends, after
// the diagnosis (whose findings come first) and before the output.
type carveSink struct {
	track.Sink
	c *carver
}

func (s carveSink) SessionStart(ss *track.Session) {
	s.c.sessionStart(ss)
	s.Sink.SessionStart(ss)
}

func (s carveSink) Data(ss *track.Session, d *track.DataConn) {
	s.c.data(ss, d)
	s.Sink.Data(ss, d)
}

func (s carveSink) SessionEnd(ss *track.Session) {
	s.Sink.SessionEnd(ss)
	s.c.sessionEnd(ss)
}

// packetSource hands each packet on and, when the decoder asks for the
// next one (so it is done with this one), calls done with it: the
// packet's bytes are still valid then.
type packetSource struct {
	capture.Source
	done    func(data []byte, ci gopacket.CaptureInfo, link layers.LinkType)
	data    []byte
	ci      gopacket.CaptureInfo
	link    layers.LinkType
	pending bool
}

func (s *packetSource) Next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	s.flush()
	data, ci, link, err := s.Source.Next()
	if err == nil {
		s.data, s.ci, s.link, s.pending = data, ci, link, true
	}
	return data, ci, link, err
}

// flush ends the last packet; call it when the decoder has returned.
func (s *packetSource) flush() {
	if s.pending {
		s.pending = false
		s.done(s.data, s.ci, s.link)
	}
}
