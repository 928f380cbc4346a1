package nfhelper

import (
	"bytes"
	"net/netip"
	"strconv"
	"time"
)

// Result is what the helper did with one segment.
type Result struct {
	Dir    Dir
	Seq    uint32
	Len    int
	Action Action
	// Kind is the pattern found at the start of the segment (for
	// PartialDrop, NotRecorded and Expected).
	Kind Kind
	// Partial tells which step failed for a PartialDrop.
	Partial Partial
	// WrongFamily: for a PartialDrop of an EPRT whose address family
	// field is not the connection's (try_eprt reads only |1| on IPv4 and
	// |2| on IPv6), that byte; else 0.
	WrongFamily byte
	// MatchOff and MatchLen locate the number text the kernel parsed
	// (matchoff/matchlen, the bytes nf_nat_ftp replaces).
	MatchOff, MatchLen int
	// Announced is the address and port as the kernel computed them
	// (shifted and ORed, wrapped to 16 bits; for 229 the sender's address).
	Announced netip.AddrPort
	// Sender is the address the announcement was compared with: the
	// sender's address as conntrack sees it (tuplehash[dir] source).
	Sender netip.Addr
	// Expect is the expectation created (Action == Expected).
	Expect Expectation
	// Evicted: Expect replaced a different expectation that was still
	// live (max_expected = 1 per control connection).
	Evicted bool
	// Rewrite is what nf_nat_ftp wrote (Rewrite.Done on a NATed
	// connection with the NAT helper).
	Rewrite Rewrite
	// SeqShift is the offset seqadj adds to this segment's seq on its way
	// out (after any rewrite of earlier segments in this direction).
	SeqShift int32
	// TLS: the segment begins like a TLS record; the control channel is
	// encrypted and the helper cannot read it.
	TLS bool
	// Cut: the segment was fed with Segment.Cut > 0. Its end was not
	// seen, so Feed assumed that it ended a line; a result that depends
	// on the unseen bytes (a number running to the end of Payload) is
	// the model's guess too.
	Cut bool
	// Refill: the segment begins where bytes fed as unseen began (a
	// Segment with Cut and no Payload) and was searched for that reason:
	// the router searched those bytes there, so this copy of them is
	// judged as the router judged the first.
	Refill bool
	// Missed lists announcement lines in this segment that the helper did
	// not act on; MissedDropped counts the ones beyond MaxMissed.
	Missed        [MaxMissed]Missed
	NMissed       int
	MissedDropped int
}

// Dropped reports whether the helper returned NF_DROP for the segment.
func (r *Result) Dropped() bool { return r.Action == PartialDrop }

// PartialReason says why the parser failed for a PartialDrop: the
// Partial, or for an EPRT of another family than the connection's, that
// mismatch.
func (r *Result) PartialReason() string {
	switch r.WrongFamily {
	case 0:
		return r.Partial.String()
	case '1':
		return "EPRT |1| (IPv4) on an IPv6 connection, where only |2| is read"
	case '2':
		return "EPRT |2| (IPv6) on an IPv4 connection, where only |1| is read"
	}
	return "EPRT address family " + strconv.Quote(string([]byte{r.WrongFamily})) + ", not the connection's (|1| is read on IPv4, |2| on IPv6)"
}

// MissedLines returns the misses recorded in r.
func (r *Result) MissedLines() []Missed { return r.Missed[:r.NMissed] }

// KernelLog is the line nf_ct_helper_log would log for a dropped segment
// (when a netfilter logger is registered), or "".
func (r *Result) KernelLog() string {
	if r.Action != PartialDrop {
		return ""
	}
	return "nf_ct_ftp: dropping packet: partial matching of `" + r.Kind.Pattern() + "'"
}

// Rewritten appends the segment payload as nf_nat_ftp leaves it to dst. It
// returns payload unchanged (appended) when there was no rewrite.
func (r *Result) Rewritten(dst, payload []byte) []byte {
	if !r.Rewrite.Done || r.MatchOff+r.MatchLen > len(payload) {
		return append(dst, payload...)
	}
	dst = append(dst, payload[:r.MatchOff]...)
	dst = append(dst, r.Rewrite.text[:r.Rewrite.NewLen]...)
	return append(dst, payload[r.MatchOff+r.MatchLen:]...)
}

func (r *Result) addMiss(m Missed, st *Stats) {
	if r.NMissed < MaxMissed {
		r.Missed[r.NMissed] = m
		r.NMissed++
		return
	}
	r.MissedDropped++
	st.MissedDropped++
}

// Stats counts what a Simulator saw.
type Stats struct {
	Segments      uint64
	Searched      uint64 // find_pattern ran
	Drops         uint64 // PartialDrop
	CutUnknown    uint64 // CutUnknown: a cut segment's verdict unknown
	Expectations  uint64 // Expected
	NotRecorded   uint64
	Rewrites      uint64
	Evicted       uint64 // a live expectation replaced by another
	Consumed      uint64 // data connections that matched (DataSYN)
	Missed        uint64 // announcement lines not acted on
	MissedDropped uint64 // misses beyond MaxMissed in one segment
}

// Simulator replays nf_conntrack_ftp (and nf_nat_ftp) for one control
// connection. Its state is a few integers, like the kernel's: two
// remembered line starts and a pick-up flag per direction, one seqadj
// record per direction, and at most one live expectation.
type Simulator struct {
	conn   Conn
	cfg    Config
	family Family
	// tuple addresses: [dir] source and destination as conntrack keys them.
	src, dst [2][16]byte
	natted   bool

	nl     [2][NumSeqToRemember]uint32
	nlNum  [2]uint8
	pickup [2]bool
	adj    [2]seqAdj
	// unseen: per direction, where the last bytes fed as unseen began,
	// when that was a line start the helper searched (unseenOK). Their
	// assumed line end is remembered as a line start and may push this
	// one out of the two slots, while the router, which saw the bytes,
	// searched them here: a later segment that begins exactly here (the
	// copy that fills the capture's hole) is searched.
	unseen   [2]uint32
	unseenOK [2]bool

	exp   Expectation
	stats Stats
}

// New returns a Simulator for conn under cfg.
func New(conn Conn, cfg Config) (*Simulator, error) {
	s := new(Simulator)
	if err := s.Reset(conn, cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// Reset starts s over for a new control connection, as a fresh conntrack
// entry would (all helper state zero).
func (s *Simulator) Reset(conn Conn, cfg Config) error {
	c := conn.Client.Addr().Unmap()
	sv := conn.Server.Addr().Unmap()
	if !c.IsValid() || !sv.IsValid() || c.Is4() != sv.Is4() {
		return ErrConn
	}
	if cfg.Kernel > KernelRangeChecked {
		return ErrKernel
	}
	fam := familyOf(c)
	clientAs, serverAt := c, sv
	if conn.ClientAs.IsValid() {
		clientAs = conn.ClientAs.Addr().Unmap()
		if familyOf(clientAs) != fam {
			return ErrNAT
		}
	}
	if conn.ServerAt.IsValid() {
		serverAt = conn.ServerAt.Addr().Unmap()
		if familyOf(serverAt) != fam {
			return ErrNAT
		}
	}
	*s = Simulator{conn: conn, cfg: cfg, family: fam}
	s.src[ClientToServer], s.dst[ClientToServer] = u3(c), u3(sv)
	s.src[ServerToClient], s.dst[ServerToClient] = u3(serverAt), u3(clientAs)
	// IPS_SRC_NAT / IPS_DST_NAT are set when a manip changed the tuple,
	// ports included.
	s.natted = (conn.ClientAs.IsValid() && netip.AddrPortFrom(clientAs, conn.ClientAs.Port()) != netip.AddrPortFrom(c, conn.Client.Port())) ||
		(conn.ServerAt.IsValid() && netip.AddrPortFrom(serverAt, conn.ServerAt.Port()) != netip.AddrPortFrom(sv, conn.Server.Port()))
	s.pickup = [2]bool{cfg.PickUp, cfg.PickUp}
	return nil
}

// u3 lays an address out like union nf_inet_addr: IPv4 in the first four
// bytes, the rest zero.
func u3(a netip.Addr) [16]byte {
	var b [16]byte
	if a.Is4() {
		v := a.As4()
		copy(b[:], v[:])
		return b
	}
	return a.As16()
}

func (s *Simulator) addr(b [16]byte) netip.Addr {
	if s.family == IPv4 {
		return netip.AddrFrom4([4]byte{b[0], b[1], b[2], b[3]})
	}
	return netip.AddrFrom16(b)
}

// PickUp sets NF_CT_FTP_SEQ_PICKUP on direction dir alone (the kernel's
// flag is per direction, ct_ftp_info->flags[dir]; Config.PickUp sets it
// on both): the first payload segment of dir fed after it that is not at
// a remembered line start is searched once. For input that holds one
// direction's start and not the other's (two captures, each feeding one
// direction).
func (s *Simulator) PickUp(dir Dir) { s.pickup[dir&1] = true }

// NATed reports whether conntrack would mark the connection as NATed
// (IPS_NAT_MASK), which is what makes nf_nat_ftp run.
func (s *Simulator) NATed() bool { return s.natted }

// Stats returns the counters.
func (s *Simulator) Stats() Stats { return s.stats }

// Expectation returns the live expectation at time now (a zero now skips
// the timer), if any.
func (s *Simulator) Expectation(now time.Time) (Expectation, bool) {
	if !s.exp.Valid() || s.expired(now) {
		return Expectation{}, false
	}
	return s.exp, true
}

// SeqOffset is the offset seqadj adds to the seq of a segment travelling
// in dir (nf_ct_seq_offset).
func (s *Simulator) SeqOffset(dir Dir, seq uint32) int32 { return s.adj[dir&1].seqOffset(seq) }

// AckOffset is the offset seqadj subtracts from the ack number of a
// segment travelling in dir; it comes from the other direction's rewrites.
func (s *Simulator) AckOffset(dir Dir, ack uint32) int32 { return s.adj[(dir^1)&1].ackOffset(ack) }

// DataSYN checks the first packet of a data connection against the live
// expectation and, when it matches, consumes the expectation as the kernel
// does (it is not NF_CT_EXPECT_PERMANENT).
func (s *Simulator) DataSYN(syn DataSYN) Mismatch {
	if !s.exp.Valid() {
		return MismatchNoExpectation
	}
	m := Match(s.exp, syn)
	if m == MatchOK {
		s.exp = Expectation{}
		s.stats.Consumed++
	}
	return m
}

// Feed runs help() on one segment. Segments must come in the order the
// router received them, retransmissions included.
func (s *Simulator) Feed(seg Segment) Result {
	dir := seg.Dir & 1
	p := seg.Payload
	r := Result{Dir: dir, Seq: seg.Seq, Len: len(p)}
	s.stats.Segments++
	cut := max(seg.Cut, 0)
	r.Cut = cut > 0
	if len(p) == 0 {
		if cut > 0 {
			// All of it unseen: assume it ended a line, and keep where
			// it began for the copy that fills it. The router searched
			// it there if that was a line start, or by the pick-up
			// flag, which it used up then.
			ok := s.findNL(dir, seg.Seq)
			if !ok && s.pickup[dir] {
				ok, s.pickup[dir] = true, false
			}
			s.unseen[dir], s.unseenOK[dir] = seg.Seq, ok
			s.updateNL(dir, seg.Seq+uint32(cut))
		}
		r.Action = NoPayload
		r.SeqShift = s.adj[dir].seqOffset(seg.Seq)
		return r
	}
	r.TLS = looksTLS(p)
	// A cut segment is assumed to end a line: the unseen bytes decide.
	endsNL := cut > 0 || p[len(p)-1] == '\n'
	next := seg.Seq + uint32(len(p)) + uint32(cut)

	searched := true
	refill := s.unseenOK[dir] && s.unseen[dir] == seg.Seq
	if !s.findNL(dir, seg.Seq) {
		switch {
		case refill:
			// The router searched the first copy of these bytes here.
			r.Refill = true
		case s.pickup[dir]:
			s.pickup[dir] = false
		default:
			searched = false
		}
	}
	if refill {
		// Once: a drop (below) keeps the line start, as the kernel
		// does, for the next copy.
		s.unseenOK[dir] = false
	}
	startMiss := MissNone
	if !searched {
		startMiss = MissNotAfterNewline
		if s.nlNum[dir] == 0 {
			startMiss = MissFirstSegment
		}
	}
	s.scanMissed(&r, p, dir, startMiss)

	if !searched {
		r.Action = NotAtLineStart
		s.finish(&r, dir, endsNL, next)
		return r
	}
	s.stats.Searched++

	cmd := manip{family: s.family, u3: s.src[dir]}
	found := 0
	var pat *pattern
	for i := range search[dir] {
		pat = &search[dir][i]
		var why Partial
		found, why, r.MatchOff, r.MatchLen = findPattern(p, pat, &cmd, s.cfg.Kernel)
		if found != 0 {
			r.Partial = why
			break
		}
	}
	if found == -1 && cut > 0 && cmd.eod {
		// The parser ran out of the bytes the capture holds, not out of
		// the segment: the unseen rest decides, which the router saw.
		r.Action = CutUnknown
		r.Kind = pat.kind
		r.MatchOff, r.MatchLen = 0, 0
		s.stats.CutUnknown++
		s.finish(&r, dir, endsNL, next)
		return r
	}
	switch found {
	case -1:
		// NF_DROP before out_update_nl: the line starts stay as they were,
		// so the retransmission is searched again.
		if refill {
			s.unseenOK[dir] = true
		}
		r.Action = PartialDrop
		r.Kind = pat.kind
		r.MatchOff, r.MatchLen = 0, 0
		if pat.kind == KindEPRT {
			r.WrongFamily = cmd.wrongAF
		}
		s.stats.Drops++
		r.SeqShift = s.adj[dir].seqOffset(seg.Seq)
		return r
	case 0:
		r.Action = NoPattern
		s.finish(&r, dir, endsNL, next)
		return r
	}

	r.Kind = pat.kind
	r.Announced = netip.AddrPortFrom(s.addr(cmd.u3), cmd.port)
	r.Sender = s.addr(s.src[dir])
	other := dir ^ 1
	daddr := s.dst[other]
	if cmd.u3 != s.src[dir] {
		// "NOT RECORDING": a different address than the sender's.
		if !s.cfg.Loose {
			r.Action = NotRecorded
			s.stats.NotRecorded++
			s.finish(&r, dir, endsNL, next)
			return r
		}
		daddr = cmd.u3
	}
	exp := Expectation{
		Kind:    pat.kind,
		Family:  s.family,
		Proto:   ProtoTCP,
		Src:     s.addr(s.src[other]),
		Dst:     s.addr(daddr),
		DstPort: cmd.port,
		Dir:     other,
		Created: seg.Time,
	}
	if !seg.Time.IsZero() {
		exp.Expires = seg.Time.Add(ExpectTimeout)
	}
	if s.natted && !s.cfg.NoNATHelper {
		// nf_nat_ftp: the text gets the address the packet is going to
		// (tuplehash[!dir] destination) and the port nf_nat_exp_find_port
		// keeps when no other expectation holds it.
		newaddr := s.dst[other]
		w := &r.Rewrite
		w.Done = true
		w.Port = cmd.port
		if pat.kind != KindEPSV {
			if pat.kind == KindEPRT {
				w.Addr = s.addr(newaddr)
			} else {
				w.Addr = netip.AddrFrom4([4]byte{newaddr[0], newaddr[1], newaddr[2], newaddr[3]})
			}
		}
		w.OldLen = r.MatchLen
		w.NewLen = formatCmd(&w.text, pat.kind, s.family, newaddr, w.Port)
		exp.NATed = true
		// nf_nat_follow_master: source becomes master tuplehash[dir]
		// destination, destination the announcer's own address with the
		// saved (announced) port.
		exp.NATSrc = s.addr(s.dst[dir])
		exp.NATDst = netip.AddrPortFrom(s.addr(s.src[dir]), cmd.port)
		exp.DstPort = w.Port
		s.adj[dir].set(seg.Seq, w.Delta())
		s.stats.Rewrites++
	}
	if s.exp.Valid() && !s.expired(seg.Time) && !sameTuple(s.exp, exp) {
		r.Evicted = true
		s.stats.Evicted++
	}
	s.exp = exp
	r.Expect = exp
	r.Action = Expected
	s.stats.Expectations++
	s.finish(&r, dir, endsNL, next)
	return r
}

// finish is out_update_nl plus the seqadj that nf_confirm applies after
// the helper.
func (s *Simulator) finish(r *Result, dir Dir, endsNL bool, next uint32) {
	if endsNL {
		s.updateNL(dir, next)
	}
	r.SeqShift = s.adj[dir].seqOffset(r.Seq)
}

func sameTuple(a, b Expectation) bool {
	return a.Src == b.Src && a.Dst == b.Dst && a.DstPort == b.DstPort && a.Family == b.Family
}

func (s *Simulator) expired(now time.Time) bool {
	return !now.IsZero() && !s.exp.Expires.IsZero() && !now.Before(s.exp.Expires)
}

// findNL is find_nl_seq.
func (s *Simulator) findNL(dir Dir, seq uint32) bool {
	for i := uint8(0); i < s.nlNum[dir]; i++ {
		if s.nl[dir][i] == seq {
			return true
		}
	}
	return false
}

// updateNL is update_nl_seq: keep the value unless known; fill two slots,
// then replace the older one only with a newer value.
func (s *Simulator) updateNL(dir Dir, seq uint32) {
	for i := uint8(0); i < s.nlNum[dir]; i++ {
		if s.nl[dir][i] == seq {
			return
		}
	}
	if s.nlNum[dir] < NumSeqToRemember {
		s.nl[dir][s.nlNum[dir]] = seq
		s.nlNum[dir]++
		return
	}
	oldest := 1
	if seqBefore(s.nl[dir][0], s.nl[dir][1]) {
		oldest = 0
	}
	if seqAfter(seq, s.nl[dir][oldest]) {
		s.nl[dir][oldest] = seq
	}
}

// LineStarts returns the remembered line-start sequence numbers of dir.
func (s *Simulator) LineStarts(dir Dir) []uint32 {
	return append([]uint32(nil), s.nl[dir&1][:s.nlNum[dir&1]]...)
}

// unsupported are the RFC 1639 forms, per direction.
var unsupported = [2]struct {
	text string
	kind Kind
}{
	ClientToServer: {"LPRT", KindLPRT},
	ServerToClient: {"228 ", KindLPSV},
}

// LineKind reports which announcement of dir, if any, begins at line (the
// helper's patterns, or the RFC 1639 forms it has no parser for), as an
// FTP parser reads the line.
func LineKind(line []byte, dir Dir) Kind { return lineKind(line, dir&1) }

// lineKind reports which announcement, if any, begins at line.
func lineKind(line []byte, dir Dir) Kind {
	for i := range search[dir] {
		t := search[dir][i].text
		if len(line) >= len(t) && equalFold(line[:len(t)], t) {
			return search[dir][i].kind
		}
	}
	u := unsupported[dir]
	if len(line) >= len(u.text) && equalFold(line[:len(u.text)], u.text) {
		return u.kind
	}
	return KindNone
}

// scanMissed records the announcement lines of p that the helper will not
// act on: any at a line start inside the segment, the one at offset 0 when
// the segment is not searched, and RFC 1639 forms anywhere.
func (s *Simulator) scanMissed(r *Result, p []byte, dir Dir, startMiss MissReason) {
	off := 0
	for {
		k := lineKind(p[off:], dir)
		if k != KindNone {
			why := MissMidSegment
			switch {
			case k == KindLPRT || k == KindLPSV:
				why = MissUnsupported
			case off == 0:
				why = startMiss
			}
			if why != MissNone {
				r.addMiss(Missed{Off: off, Kind: k, Why: why}, &s.stats)
				s.stats.Missed++
			}
		}
		i := bytes.IndexByte(p[off:], '\n')
		if i < 0 || off+i+1 >= len(p) {
			return
		}
		off += i + 1
	}
}

// looksTLS reports whether p begins with a TLS record header: content type
// 20..24, major version 3, minor 0..4.
func looksTLS(p []byte) bool {
	return len(p) >= 5 && p[0] >= 20 && p[0] <= 24 && p[1] == 3 && p[2] <= 4
}
