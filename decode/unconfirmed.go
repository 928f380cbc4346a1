package decode

// Bytes at a stream's end their receiver never got. The reassembler takes
// the first bytes at a sequence number and drops later ones there as
// retransmissions; a segment injected with the sender's next sequence
// number (a PORT forged after the 221 to a QUIT, a 227 forged as the
// server's last words, its TTL too short to reach the receiver) is taken
// so, and the sender's own FIN or RST that follows, at the very sequence
// number the forged bytes claimed, was left behind them: a FIN behind the
// stream is no FIN of it, an RST there is out of the window. The session
// then seemed to end with the forger's line, taken for the sender's.
//
// The receiver says otherwise: its ACKs never went past the place where
// the FIN or RST stands, and the sender, which closes its stream after
// its last byte, closed it there. Bytes delivered past the receiver's
// highest ACK, at whose first byte the sender's own FIN, or an RST in
// its name (no payload), sits, are not taken: the FIN shows they are not
// the sender's; the RST (the sender's, or a box's between that dropped
// them and reset the connection in its name) that the receiver never got
// them. They are reported (ControlUnconfirmed: FromClient, Gap the
// bytes, UnconfirmedFrom the packet that brought the first,
// UnconfirmedBy the FIN or RST), the stream goes back to where the FIN
// or RST stands, and that ends it as it would have without them
// (Stats.ControlUnconfirmed); a line a line end among them completed is
// theirs (the receiver never got its end). A line they leave pending is
// dropped when it began among them; one begun before them leaves them
// as they were. Bytes at the capture's end with no FIN or RST behind
// them stay as they were: a capture may end before the ACK.

// unconfirmedEnd handles the FIN (rst false) or RST of direction d of cs
// at sequence number at, behind the bytes delivered. It tells whether it
// took back the bytes from at on, so that the stream ends at at.
func (t *controlTable) unconfirmedEnd(cs *controlConn, d int, at uint32, rst bool) bool {
	h, o := &cs.asm.half[d], &cs.asm.half[1-d]
	if cs.phase != phaseText || cs.parser.state != parseFTP || cs.probing() || t.recent == nil ||
		!h.started || !o.acked || o.ack != at || len(h.held) > 0 || h.finSeen || cs.fin[d] {
		return false
	}
	n := h.next - at
	if int32(n) <= 0 || n > recentCtlBytes*recentCtlSlots {
		return false
	}
	from, ok := t.recent.packetAt(cs, d, at)
	if !ok {
		return false // (the ring no longer holds them: what they were is not known)
	}
	if sp := &cs.parser.split[d]; sp.Pending() > 0 {
		if sp.Pending() > int(n) {
			return false // a line begun before them
		}
		sp.Flush(nil) // the pending line is theirs: dropped
	}
	t.d.stats.ControlUnconfirmed++
	if d == dirClient {
		// Their lines await no reply (an RST's hold waits on those that
		// do: hold_owed.go).
		cs.parser.owed = uint8(max(int(cs.parser.owed)-t.recent.lineEnds(cs, d, at, h.next), 0))
	}
	h.next = at
	by := FlagFIN
	if rst {
		by = FlagRST
	}
	dec := t.d
	p := &cs.parser
	p.num, p.ts = dec.num, dec.seg.TS
	e := p.event(ControlUnconfirmed)
	e.FromClient = d == dirClient
	e.Gap = int(n)
	e.UnconfirmedFrom, e.UnconfirmedBy = from, by
	p.emit(e)
	return true
}

// endsBefore makes controlConn an endSink: a FIN of direction d at fin,
// behind the bytes delivered. A pure FIN where the receiver's ACKs stopped
// takes the bytes after it back (unconfirmedEnd) and is the stream's end.
func (cs *controlConn) endsBefore(d int, fin uint32) {
	t := cs.t
	if t == nil || t.d.seg.PayloadLen > 0 || len(t.d.seg.Payload) > 0 {
		return
	}
	if t.unconfirmedEnd(cs, d, fin, false) {
		h := &cs.asm.half[d]
		h.finSeen, h.finSeq = true, fin // (reached in order: maybeFinished)
	}
}

// rstBehind handles an RST s of direction d that lies behind the bytes
// delivered: one with no payload where the receiver's ACKs stopped takes
// them back (unconfirmedEnd), and stands at the stream's position.
func (t *controlTable) rstBehind(cs *controlConn, d int, s *Segment) {
	if s.PayloadLen > 0 || len(s.Payload) > 0 || cs.asm.inWindow(d, s.Seq) {
		return
	}
	t.unconfirmedEnd(cs, d, s.Seq, true)
}

// packetAt is the packet that brought byte seq of direction d of cs, if
// the ring still holds it.
func (r *recentCtl) packetAt(cs *controlConn, d int, seq uint32) (uint64, bool) {
	for i := range r.c {
		c := &r.c[i]
		if c.cs == cs && int(c.d) == d && seq-c.seq < uint32(c.n) {
			return c.num, true
		}
	}
	return 0, false
}

// lineEnds counts the line feeds the ring holds of direction d of cs
// from sequence number from up to (not including) to.
func (r *recentCtl) lineEnds(cs *controlConn, d int, from, to uint32) int {
	n := 0
	for i := range r.c {
		c := &r.c[i]
		if c.cs != cs || int(c.d) != d {
			continue
		}
		for k := range uint32(c.n) {
			if x := c.seq + k; x-from < to-from && c.b[k] == '\n' {
				n++
			}
		}
	}
	return n
}
