package decode

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/reassembly"
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

// Reassembly bounds. Only control connections are reassembled, and they
// carry little, so these are generous for them and small in memory
// (a page is 1900 bytes).
const (
	maxPagesPerConn = 64
	maxPagesTotal   = 8192
	// Out-of-order control data waits at most this long (packet time) for
	// the bytes before it when no ACK tells that they are lost.
	holeWait = 5 * time.Second
	// An idle control connection is closed after this much packet time:
	// long, since a control connection is silent for a whole transfer.
	idleClose = time.Hour
	// An entry that never carried a byte (a SYN scan of port 21, a
	// handshake with no greeting) is forgotten after this.
	idleEmpty = time.Minute
)

// packetContext is the AssemblerContext of the packet being assembled. One
// value is reused for every packet, so passing it allocates nothing.
type packetContext struct {
	ci  gopacket.CaptureInfo
	num uint64
}

func (c *packetContext) GetCaptureInfo() gopacket.CaptureInfo { return c.ci }

// controlTable owns the control connections and the candidates for
// content detection, and the assembler that reassembles them.
type controlTable struct {
	d          *Decoder
	conns      map[ConnKey]*controlStream
	candidates int // entries still being checked for FTP by content
	byContent  int // entries not on a control port: candidates, confirmed and rejected
	asm        *reassembly.Assembler
	ctx        packetContext
	cur        *controlStream // the stream StreamFactory.New hands out
	ev         ControlEvent   // scratch event, reused
	// synthetic is set while retire feeds the assembler a RST of its own
	// making, from synthSrc.
	synthetic bool
	synthSrc  netip.AddrPort
	// why is the reason a close happening now is given.
	why CloseReason
	// flushing: a flush is under way; streams it completes wait (counted
	// in completed) for closeCompleted.
	flushing  bool
	completed int
	rst       layers.TCP
	rstHdr    [20]byte
	maxConns  int
	maxCand   int
}

func newControlTable(d *Decoder) *controlTable {
	t := &controlTable{d: d, conns: make(map[ConnKey]*controlStream)}
	t.maxConns = d.opts.MaxControlConns
	if t.maxConns <= 0 {
		t.maxConns = DefaultMaxControlConns
	}
	t.maxCand = d.opts.MaxCandidates
	if t.maxCand <= 0 {
		t.maxCand = DefaultMaxCandidates
	}
	pool := reassembly.NewStreamPool(t)
	t.asm = reassembly.NewAssembler(pool)
	t.asm.MaxBufferedPagesPerConnection = maxPagesPerConn
	t.asm.MaxBufferedPagesTotal = maxPagesTotal
	return t
}

// New implements reassembly.StreamFactory. decode creates the stream itself
// before it assembles a segment, so New only hands it over.
func (t *controlTable) New(_, _ gopacket.Flow, _ *layers.TCP, _ reassembly.AssemblerContext) reassembly.Stream {
	return t.cur
}

// lookup returns the control stream (or content-detection candidate) the
// segment belongs to, creating it when the segment starts one, or nil.
func (t *controlTable) lookup(s *Segment) *controlStream {
	d := t.d
	byPort := d.isControlPort(s.Dst.Port()) || d.isControlPort(s.Src.Port())
	if !byPort && t.byContent == 0 && !startsGreeting(s.Payload) {
		return nil
	}
	key := MakeConnKey(s.Src, s.Dst)
	cs := t.conns[key]
	newConn := s.Flags.Has(FlagSYN) && !s.Flags.Has(FlagACK)
	if cs != nil {
		if newConn && (cs.closed || cs.reusedBy(s)) {
			// The 4-tuple's next connection: the old one is over, even if
			// the capture missed its end.
			t.why = CloseReused
			t.retire(cs, s.TS, s.Num)
			t.why = CloseFIN
			t.forget(cs)
			cs = nil
		} else if cs.closed || cs.state == stateRejected {
			if s.Flags&(FlagFIN|FlagRST) != 0 && cs.state == stateRejected {
				t.forget(cs)
			}
			return nil
		} else {
			return cs
		}
	}
	switch {
	case byPort:
		if len(t.conns) >= t.maxConns {
			d.stats.ControlConnsFull++
			return nil
		}
		server, client := s.Dst, s.Src
		if !d.isControlPort(s.Dst.Port()) {
			server, client = s.Src, s.Dst
		}
		cs = newControlStream(t, key, client, server, stateConfirmed)
		cs.implicitTLS = d.isTLSPort(server.Port())
	case !d.opts.NoContentDetection && startsGreeting(s.Payload):
		if t.candidates >= t.maxCand || len(t.conns) >= t.maxConns {
			d.stats.CandidatesFull++
			return nil
		}
		t.candidates++
		t.byContent++
		d.stats.Candidates++
		cs = newControlStream(t, key, s.Dst, s.Src, stateCandidate)
		cs.byContent = true
	default:
		return nil
	}
	t.conns[key] = cs
	return cs
}

// startsGreeting reports whether a payload starts like an FTP (or SMTP)
// greeting: "220 " or "220-".
func startsGreeting(p []byte) bool {
	return len(p) >= 4 && p[0] == '2' && p[1] == '2' && p[2] == '0' && (p[3] == ' ' || p[3] == '-')
}

func (t *controlTable) forget(cs *controlStream) {
	if t.conns[cs.key] == cs {
		delete(t.conns, cs.key)
		if cs.byContent {
			t.byContent--
		}
	}
	if cs.state == stateCandidate || cs.state == stateRejected {
		if !cs.counted {
			cs.counted = true
			t.candidates--
		}
	}
}

// assemble hands one segment of a control stream to the reassembler.
func (t *controlTable) assemble(cs *controlStream, tcp *layers.TCP, s *Segment, ci gopacket.CaptureInfo) {
	t.ctx.ci = ci
	// The packet number travels with the bytes, in a CaptureInfo field
	// decode does not otherwise use, so that data released later is
	// stamped with its own packet.
	t.ctx.ci.InterfaceIndex = int(s.Num)
	t.ctx.num = s.Num
	ctx := &t.ctx
	d := cs.dirIndex(s.Src)
	if cs.willQueue(s) {
		// The assembler keeps the context of a queued segment: it needs
		// one of its own (the shared one would show the latest packet).
		own := t.ctx
		ctx = &own
		if cs.queuedAt[d].IsZero() {
			cs.queuedAt[d] = ci.Timestamp
		}
	}
	t.cur = cs
	if tcp.URG {
		cs.urgent[d] = true
	}
	if flush, until := cs.ackedPastCapture(tcp, s.Src, ci); flush {
		t.flush(reassembly.FlushOptions{T: until})
	}
	t.asm.AssembleWithContext(flowOf(s.Src.Addr(), s.Dst.Addr()), tcp, ctx)
	if cs.holeLost {
		// The peer acknowledged bytes the capture lacks: they will not
		// come, so deliver what waits behind the hole now.
		cs.holeLost = false
		t.flush(reassembly.FlushOptions{T: ci.Timestamp.Add(time.Nanosecond)})
	}
	switch {
	case s.Flags.Has(FlagRST) && !cs.closed && cs.inWindow(d, s.Seq):
		// gopacket closes nothing on RST until a flush
		// (google/gopacket#425); an RST outside the window is dropped by
		// the receiver (RFC 5961) and ends nothing.
		t.why = CloseRST
		t.retire(cs, s.TS, s.Num)
		t.why = CloseFIN
	case cs.encrypted && !cs.detached:
		// TLS from here: follow it from headers, out of the assembler.
		t.detach(cs)
	}
	if cs.state == stateRejected && s.Flags&(FlagFIN|FlagRST) != 0 {
		t.forget(cs)
	}
}

// detach closes both halves of a stream's connection in the assembler
// with RSTs of decode's own making, at the positions the assembler
// expects: gopacket keeps a connection until both halves close, and only
// then lets a new SYN on its 4-tuple start a new one.
func (t *controlTable) detach(cs *controlStream) {
	if cs.detached {
		return
	}
	cs.detached = true
	t.synthetic = true
	for d := dirClient; d <= dirServer; d++ {
		src, dst := cs.client, cs.server
		if d == dirServer {
			src, dst = dst, src
		}
		// Decoded from header bytes, not filled in: the assembler keys on
		// TransportFlow, which only DecodeFromBytes sets.
		h := &t.rstHdr
		binary.BigEndian.PutUint16(h[0:2], src.Port())
		binary.BigEndian.PutUint16(h[2:4], dst.Port())
		binary.BigEndian.PutUint32(h[4:8], cs.base[d]+cs.delivered[d])
		h[12], h[13] = 5<<4, 0x04 // data offset 5 words; RST
		if err := t.rst.DecodeFromBytes(h[:], gopacket.NilDecodeFeedback); err != nil {
			continue
		}
		t.synthSrc = src
		t.cur = cs
		t.asm.AssembleWithContext(flowOf(src.Addr(), dst.Addr()), &t.rst, &t.ctx)
	}
	t.synthetic = false
}

// retire ends a stream: out of the assembler, and its close reported.
func (t *controlTable) retire(cs *controlStream, ts time.Time, num uint64) {
	if cs.closed {
		return
	}
	if !cs.implicitTLS {
		t.detach(cs)
	}
	cs.close(ts, num)
}

// implicit follows an implicit-FTPS connection from its headers alone: it
// opens with its first payload and closes on FIN or RST. Nothing is
// reassembled: it is all ciphertext.
func (t *controlTable) implicit(cs *controlStream, s *Segment) {
	if cs.closed {
		return
	}
	cs.lastSeen = s.TS
	if cs.firstTS.IsZero() {
		cs.firstTS = s.TS
	}
	if s.Flags.Has(FlagSYN) {
		cs.syn[cs.dirIndex(s.Src)] = true
	}
	cs.num, cs.ts = s.Num, s.TS
	if len(s.Payload) > 0 {
		cs.open()
	}
	if s.Flags.Has(FlagRST) {
		t.why = CloseRST
		t.retire(cs, s.TS, s.Num)
		t.why = CloseFIN
	} else if s.Flags.Has(FlagFIN) && cs.finOther(s.Src) {
		t.retire(cs, s.TS, s.Num)
	}
}

func flowOf(src, dst netip.Addr) gopacket.Flow {
	if src.Is4() {
		a, b := src.As4(), dst.As4()
		return gopacket.NewFlow(layers.EndpointIPv4, a[:], b[:])
	}
	a, b := src.As16(), dst.As16()
	return gopacket.NewFlow(layers.EndpointIPv6, a[:], b[:])
}

// flushOlder runs once per second of packet time: it skips holes that have
// waited too long, closes idle connections, and forgets closed ones.
func (t *controlTable) flushOlder(now time.Time) {
	if len(t.conns) == 0 {
		return
	}
	t.why = CloseIdle
	defer func() { t.why = CloseFIN }()
	t.flush(reassembly.FlushOptions{T: now.Add(-holeWait), TC: now.Add(-idleClose)})
	for _, cs := range t.sorted() {
		idle := now.Sub(cs.lastSeen)
		switch {
		case cs.closed && idle > time.Minute:
			t.forget(cs)
		case !cs.closed && !cs.opened && idle > idleEmpty:
			// Never carried a byte: a scan or a refused session.
			t.retire(cs, now, t.d.num)
			t.forget(cs)
		case !cs.closed && idle > idleClose+time.Minute:
			// Followed from headers (encrypted), or only bare ACKs.
			t.retire(cs, now, t.d.num)
			t.forget(cs)
		}
	}
}

// flush runs the assembler's flush. It walks its connections in map order,
// so streams it completes are closed afterwards, in the order they began:
// the same output on every run.
func (t *controlTable) flush(o reassembly.FlushOptions) {
	t.flushing = true
	t.asm.FlushWithOptions(o)
	t.flushing = false
	t.closeCompleted()
}

func (t *controlTable) closeCompleted() {
	if t.completed == 0 {
		return
	}
	t.completed = 0
	for _, cs := range t.sorted() {
		if cs.completed && !cs.closed {
			cs.close(t.ctx.ci.Timestamp, t.ctx.num)
		}
	}
}

// sorted lists the streams in the order they began, so that closes
// happening at one moment are reported in the same order on every run
// (map order is random).
func (t *controlTable) sorted() []*controlStream {
	l := make([]*controlStream, 0, len(t.conns))
	for _, cs := range t.conns {
		l = append(l, cs)
	}
	slices.SortFunc(l, func(a, b *controlStream) int {
		if c := a.firstTS.Compare(b.firstTS); c != 0 {
			return c
		}
		if c := a.key.A.Compare(b.key.A); c != 0 {
			return c
		}
		return a.key.B.Compare(b.key.B)
	})
	return l
}

// flushAll delivers everything buffered and closes every stream.
func (t *controlTable) flushAll() {
	t.ctx.ci = gopacket.CaptureInfo{Timestamp: t.d.last}
	t.ctx.num = t.d.num
	t.why = CloseCaptureEnd
	t.flushing = true
	t.asm.FlushAll()
	t.flushing = false
	t.closeCompleted()
	for _, cs := range t.sorted() {
		if !cs.closed {
			cs.close(t.d.last, t.d.num)
		}
		t.forget(cs)
	}
}
