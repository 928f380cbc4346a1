package decode

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
)

// payloadFuzzSink is the handler FuzzPayload's table delivers to: it
// reads where each delivered run lies from the followed connection's
// reassembler (the run ends at next when it is delivered) and checks it
// against the bytes the segments carried there.
type payloadFuzzSink struct {
	t   *testing.T
	tab *payloadTable
	key ConnKey
	cli netip.AddrPort
	// seen[d][seq]: the bytes any segment of direction d (0 the client's)
	// carried at seq, as a 256-bit set.
	seen [2]map[uint32]*[4]uint64
	// Per direction, for the connection incarnation pc: bytes delivered
	// and positive gap lengths reported; where the last delivered run
	// ended and the gap bytes reported since (the next run must start
	// there plus them).
	pc       *payloadConn
	advanced [2]int64
	ended    [2]uint32
	endKnown [2]bool
	gapSince [2]int64
	events   [2]int
	// consistent: every segment carried the one true stream (byte =
	// payloadFuzzByte of its position), so no conflict may be reported.
	consistent bool
	// refuse: WantPayload says no (the tracker has not learnt of the
	// connection yet: its handshake is remembered, fromRemembered).
	refuse bool
}

func payloadFuzzByte(d int, seq uint32) byte { return byte(seq*167+uint32(d)*59) ^ byte(seq>>8) }

func (p *payloadFuzzSink) Segment(*Segment)         {}
func (p *payloadFuzzSink) Unreachable(*Unreachable) {}
func (p *payloadFuzzSink) Control(*ControlEvent)    {}
func (p *payloadFuzzSink) Tick(time.Time)           {}
func (p *payloadFuzzSink) Finish()                  {}

func (p *payloadFuzzSink) WantPayload(netip.AddrPort, netip.AddrPort) bool { return !p.refuse }

// dir returns the direction of src and the connection the bytes are
// for, starting the accounting afresh for a new incarnation.
func (p *payloadFuzzSink) dir(src netip.AddrPort) (int, *payloadConn) {
	pc := p.tab.conns[p.key]
	if pc == nil {
		p.t.Fatalf("payload delivered for a connection not in the table")
	}
	if pc != p.pc {
		p.pc = pc
		p.advanced, p.endKnown, p.gapSince, p.events = [2]int64{}, [2]bool{}, [2]int64{}, [2]int{}
	}
	if src == p.cli {
		return 0, pc
	}
	return 1, pc
}

func (p *payloadFuzzSink) DataBytes(src, dst netip.AddrPort, b []byte) {
	d, pc := p.dir(src)
	p.events[d]++
	if len(b) == 0 {
		return
	}
	// pcd is the reassembler's direction of src (ends[0] sent the first
	// segment seen, which need not be the client).
	pcd := 0
	if src != pc.ends[0] {
		pcd = 1
	}
	start := pc.r.half[pcd].next - uint32(len(b))
	if p.endKnown[d] {
		if want := p.ended[d] + uint32(p.gapSince[d]); start != want {
			p.t.Fatalf("dir %d: %d bytes delivered at %d, want them at %d (last run ended at %d, %d gap bytes since)", d, len(b), start, want, p.ended[d], p.gapSince[d])
		}
	}
	for i, c := range b {
		seq := start + uint32(i)
		set := p.seen[d][seq]
		if set == nil || set[c>>6]&(1<<(c&63)) == 0 {
			p.t.Fatalf("dir %d: byte %#x delivered at %d, which no segment carried there", d, c, seq)
		}
	}
	p.ended[d], p.endKnown[d], p.gapSince[d] = pc.r.half[pcd].next, true, 0
	p.advanced[d] += int64(len(b))
}

func (p *payloadFuzzSink) DataGap(src, dst netip.AddrPort, n int64) {
	d, _ := p.dir(src)
	p.events[d]++
	switch {
	case n > 0:
		p.advanced[d] += n
		p.gapSince[d] += n
	case n == GapStartUnknown:
		if p.events[d] != 1 {
			p.t.Fatalf("dir %d: start-unknown notice after %d other events", d, p.events[d]-1)
		}
	case n == GapGivenUp:
		p.t.Fatalf("dir %d: given up with one connection in a table of %d", d, p.tab.max)
	default:
		// A copy that could not be compared, or a FIN behind the bytes
		// delivered: notices of places already passed.
		if back, ok := GapUncheckedBack(n); ok {
			if back < 1 || back > p.advanced[d] {
				p.t.Fatalf("dir %d: unchecked copy %d back, but the stream advanced only %d so far", d, back, p.advanced[d])
			}
			return
		}
		if back, ok := GapEarlyEndBack(n); ok {
			if back < 1 || back > p.advanced[d] {
				p.t.Fatalf("dir %d: FIN %d back, but the stream advanced only %d so far", d, back, p.advanced[d])
			}
			return
		}
		back, ok := GapConflictBack(n)
		if !ok || n == 0 {
			p.t.Fatalf("dir %d: DataGap(%d): neither a length nor a notice", d, n)
		}
		if p.consistent {
			p.t.Fatalf("dir %d: conflict %d back reported, but every copy carried the same bytes", d, back)
		}
		if back < 1 || back > p.advanced[d] {
			p.t.Fatalf("dir %d: conflict %d back, but the stream advanced only %d so far", d, back, p.advanced[d])
		}
	}
}

// FuzzPayload drives one data connection's segments, both directions,
// through the payload table (payload.go, reasm.go): SYNs and SYN-ACKs
// with fuzzed ISNs, ACKs, data with fuzzed places, lengths and content
// (retransmissions, overlaps, keepalive bytes, snap-cut payloads), FINs,
// RSTs, and packet time that runs holes and the connection idle. Any
// input:
//
//   - nothing panics;
//   - per direction and incarnation, bytes delivered plus gap bytes
//     reported never exceed the span of sequence space the segments and
//     the peer's ACKs covered (an ACK proves bytes the capture lacks; no
//     phantom bytes beyond that);
//   - each delivered run starts where the last one ended plus the gaps
//     reported since, and each delivered byte is one some segment carried
//     at that position; when every copy carried the same bytes, no
//     conflict is reported (and a conflict never points before the start);
//   - held bytes stay within their bounds and the pool's count is the sum
//     of what is held; recent-byte buffers within theirs;
//   - removing the connection (closeAll) gives everything back.
//
// Input: 8 bytes of ISN bases (client, server), a mode byte (bit 0: the
// one true stream, else content from the input; bit 1: the connection is
// not wanted until a record's flag 32), then records of 8 bytes (kind,
// flags, seq offset, ack offset, length, time step), content after a
// record when not in the one-stream mode.
func FuzzPayload(f *testing.F) {
	rec := func(kind, fl byte, off, ack int16, n, dt byte) []byte {
		b := []byte{kind, fl, 0, 0, 0, 0, n, dt}
		binary.BigEndian.PutUint16(b[2:], uint16(off))
		binary.BigEndian.PutUint16(b[4:], uint16(ack))
		return b
	}
	hdr := func(mode byte) []byte { return []byte{0, 0, 3, 232, 0, 0, 19, 136, mode} }
	join := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	// Handshake, out-of-order data, FINs (TestPayloadOrderedWithGaps).
	f.Add(join(hdr(1), rec(0, 0, -1, 0, 0, 0), rec(1, 1, -1, 0, 0, 0), rec(2, 0, 0, 0, 0, 0),
		rec(3, 1, 5, 0, 5, 1), rec(3, 1, 0, 0, 5, 1), rec(3, 1, 20, 0, 5, 1), rec(2, 0, 0, 25, 0, 1),
		rec(5, 1, 28, 0, 0, 1), rec(5, 0, 0, 29, 0, 1)))
	// Two SYN-ACKs with different ISNs, settled by the ACK.
	f.Add(join(hdr(1), rec(0, 0, -1, 0, 0, 0), rec(1, 1|8, 100, 0, 0, 0), rec(1, 1, -1, 0, 0, 0),
		rec(2, 0, 0, 0, 0, 0), rec(3, 1, 0, 0, 6, 0), rec(3, 1, 6, 0, 5, 0), rec(4, 1, 11, 0, 0, 0), rec(5, 0, 0, 12, 0, 0)))
	// Conflicting copies, a keepalive byte, an RST (content from the input).
	f.Add(join(hdr(0), rec(1, 1, -1, 0, 0, 0), rec(3, 1, 0, 0, 6, 0), []byte("abcdef"),
		rec(3, 1, 2, 0, 3, 0), []byte("cXe"), rec(3, 1, 5, 0, 1, 0), []byte{0},
		rec(3, 1, 10, 0, 4, 0), []byte("klmn"), rec(3, 1, 8, 0, 4, 0), []byte("ijKL"), rec(6, 1, 14, 0, 0, 200)))
	// A duplicate of a held segment that differs (compareHeld).
	f.Add(join(hdr(0), rec(0, 0, -1, 0, 0, 0), rec(1, 1, -1, 0, 0, 0), rec(2, 0, 0, 0, 0, 0),
		rec(3, 1, 4, 0, 4, 0), []byte("efgh"), rec(3, 1, 4, 0, 3, 0), []byte("eFg"), rec(3, 1, 0, 0, 4, 0), []byte("abcd"),
		rec(4, 1, 8, 0, 0, 0), rec(5, 0, 0, 9, 0, 0)))
	// The handshake before the connection is wanted: followed from the
	// remembered SYN-ACK, two bytes lost at the start.
	f.Add(join(hdr(3), rec(0, 0, -1, 0, 0, 0), rec(1, 1, -1, 0, 0, 0), rec(2, 0, 0, 0, 0, 0),
		rec(3, 1|32, 2, 0, 4, 0), rec(4, 1, 6, 0, 0, 0), rec(5, 0, 0, 7, 0, 0)))
	// No handshake: start unknown, a snap-cut segment, ACK past the end.
	f.Add(join(hdr(1), rec(3, 1, 3000, 0, 7, 0), rec(7, 1, 3007, 0, 3, 0), rec(3, 1, 3020, 0, 2, 0), rec(2, 0, 0, 3030, 0, 0), rec(5, 0, 0, 3031, 0, 0)))

	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 9 {
			return
		}
		cli := netip.MustParseAddrPort("192.0.2.1:50001")
		srv := netip.MustParseAddrPort("192.0.2.10:40000")
		base := [2]uint32{binary.BigEndian.Uint32(in[0:]), binary.BigEndian.Uint32(in[4:])}
		mode := in[8]
		in = in[9:]
		sink := &payloadFuzzSink{t: t, key: MakeConnKey(cli, srv), cli: cli, consistent: mode&1 != 0, refuse: mode&2 != 0}
		sink.seen = [2]map[uint32]*[4]uint64{{}, {}}
		tab := newPayloadTable(sink, Options{DataPayload: true})
		sink.tab = tab
		ends := [2]netip.AddrPort{cli, srv}
		// Points of each direction's sequence space the input touched,
		// relative to its base: lo and hi.
		var lo, hi [2]int64
		touched := [2]bool{}
		touch := func(d int, v int64) {
			if !touched[d] || v < lo[d] {
				lo[d] = v
			}
			if !touched[d] || v > hi[d] {
				hi[d] = v
			}
			touched[d] = true
		}
		now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
		var payload [256]byte
		for num := uint64(1); len(in) >= 8 && num <= 256; num++ {
			kind, fl := in[0]%8, in[1]
			off, ackOff := int64(int16(binary.BigEndian.Uint16(in[2:]))), int64(int16(binary.BigEndian.Uint16(in[4:])))
			n, dt := int(in[6]), in[7]
			in = in[8:]
			if fl&8 != 0 {
				off <<= 8 // ISNs and jumps far away (up to 8 MiB)
			}
			if fl&16 != 0 {
				ackOff <<= 8
			}
			d := int(fl & 1)
			var flags TCPFlags
			switch kind {
			case 0:
				d, flags, n = 0, FlagSYN, 0
			case 1:
				d, flags, n = 1, FlagSYN|FlagACK, 0
			case 2:
				flags, n = FlagACK, 0
			case 3, 7:
				flags = FlagACK
			case 4:
				flags = FlagACK | FlagFIN
			case 5:
				flags, n = FlagACK|FlagFIN, 0
			case 6:
				flags, n = FlagRST, 0
			}
			if fl&2 != 0 && kind != 1 {
				flags &^= FlagACK // some segments without an ACK
			}
			if fl&4 != 0 {
				flags |= FlagPSH
			}
			if fl&32 != 0 {
				sink.refuse = false // the announcement came
			}
			seq := base[d] + uint32(off)
			ack := base[1-d] + uint32(ackOff)
			p := payload[:n]
			if sink.consistent {
				for i := range p {
					p[i] = payloadFuzzByte(d, seq+uint32(i))
				}
			} else {
				k := copy(p, in)
				p = p[:k]
				in = in[k:]
			}
			wireLen := len(p)
			if kind == 7 {
				// The snap length cut this segment: it carried more.
				cut := len(p) / 2
				p = p[:len(p)-cut]
				wireLen += cut
			}
			dataOff := off
			if flags.Has(FlagSYN) {
				dataOff++
			}
			touch(d, off)
			touch(d, dataOff+int64(wireLen))
			if flags.Has(FlagFIN) {
				touch(d, dataOff+int64(wireLen)+1)
			}
			if flags.Has(FlagACK) {
				touch(1-d, ackOff)
			}
			for i, c := range p {
				at := base[d] + uint32(dataOff) + uint32(i)
				set := sink.seen[d][at]
				if set == nil {
					set = new([4]uint64)
					sink.seen[d][at] = set
				}
				set[c>>6] |= 1 << (c & 63)
			}
			switch {
			case dt < 200:
				now = now.Add(time.Duration(dt) * 10 * time.Millisecond)
			case dt < 250:
				now = now.Add(time.Duration(dt-199) * time.Second) // holes wait out holeWait
			default:
				now = now.Add(payloadIdle + time.Second)
			}
			s := &Segment{Num: num, TS: now, Src: ends[d], Dst: ends[1-d], Seq: seq, Ack: ack, Flags: flags, Payload: p, PayloadLen: wireLen}
			tab.segment(s)
			tab.opened(s)
			tab.expire(now)
			payloadFuzzCheck(t, tab, sink, lo, hi, touched)
		}
		tab.closeAll()
		payloadFuzzCheck(t, tab, sink, lo, hi, touched)
		if len(tab.conns) != 0 || tab.lru.front() != nil || tab.pool.bytes != 0 || tab.recentBytes != 0 {
			t.Fatalf("after closeAll: %d connections, lru empty %v, %d held bytes, %d recent bytes", len(tab.conns), tab.lru.front() == nil, tab.pool.bytes, tab.recentBytes)
		}
	})
}

// payloadFuzzCheck asserts the table's bounds and the span bound.
func payloadFuzzCheck(t *testing.T, tab *payloadTable, sink *payloadFuzzSink, lo, hi [2]int64, touched [2]bool) {
	t.Helper()
	for d := range sink.advanced {
		span := hi[d] - lo[d]
		if !touched[d] {
			span = 0
		}
		if sink.advanced[d] > span {
			t.Fatalf("dir %d: %d bytes delivered or reported lost, but the segments and ACKs cover only %d of its sequence space", d, sink.advanced[d], span)
		}
	}
	held := 0
	for _, pc := range tab.conns {
		for d := range pc.r.half {
			h := &pc.r.half[d]
			dir := 0
			for _, s := range h.held {
				dir += len(s.data)
			}
			if dir > payloadHeldDir || len(h.held) > payloadHeldSegs {
				t.Fatalf("direction %d holds %d bytes in %d segments, past the bounds %d, %d", d, dir, len(h.held), payloadHeldDir, payloadHeldSegs)
			}
			held += dir
			if rb := &pc.recent[d]; len(rb.buf) > payloadRecent || rb.n > len(rb.buf) {
				t.Fatalf("recent bytes of direction %d: %d kept, %d valid, bound %d", d, len(rb.buf), rb.n, payloadRecent)
			}
		}
	}
	if held != tab.pool.bytes || held > payloadHeldTotal {
		t.Fatalf("held %d bytes, pool counts %d (bound %d)", held, tab.pool.bytes, payloadHeldTotal)
	}
	kept := 0
	for _, pc := range tab.conns {
		for d := range pc.recent {
			kept += cap(pc.recent[d].buf)
		}
	}
	if bound := payloadRecentTotal + 2*payloadRecentFloor*len(tab.conns); tab.recentBytes != kept || tab.recentBytes > bound {
		t.Fatalf("recent bytes %d (buffers %d), bound %d", tab.recentBytes, kept, bound)
	}
}
