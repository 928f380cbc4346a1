package vantage

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/track/nfhelper"
)

// The Linux FTP helper checked from two points: the router between the
// client-side point and the server-side point is simulated as a Linux
// router running nf_conntrack_ftp and nf_nat_ftp (track/nfhelper), fed
// each direction's segments as the point on the sender's side saw them,
// that is as the router received them. What the simulation says the
// router writes is then compared with what the point on the receiver's
// side saw: the rewritten text byte for byte (address, port, length), the
// sequence offset of the segments after it, whether a segment the helper
// drops ever arrived, and whether each data SYN matched the expectation.

// maxHelperSteps bounds the steps kept per session; the rest are counted.
const maxHelperSteps = 64

// maxLine bounds the lines kept for display.
const maxLine = 160

// HelperCheck is the simulation of one session's router.
type HelperCheck struct {
	// In and Out are the points on the client's and the server's side of
	// the router (indexes into Report.Points).
	In, Out int
	// Conn is the control connection as the router's conntrack keys it:
	// the client and the address it dials as In saw them, the
	// translations as Out saw them.
	Conn  nfhelper.Conn
	NATed bool
	Steps []HelperStep
	// StepsDropped counts steps beyond maxHelperSteps.
	StepsDropped int
	// Encrypted: a segment began like a TLS record; the helper reads
	// nothing after it.
	Encrypted bool
	// Incomplete says why the check could not use every segment ("" when
	// it could).
	Incomplete string
	// PickedUp says what the simulation assumes for a direction whose
	// sender's side point holds no start of it (the client's SYN, the
	// server's SYN-ACK): the kernel tracked the connection from its
	// start, so that direction's first kept segment is searched
	// (NF_CT_FTP_SEQ_PICKUP); "" when both starts are held.
	PickedUp string
}

// HelperStep is one segment the helper acted on, or that held an
// announcement it did not act on.
type HelperStep struct {
	Dir nfhelper.Dir
	// From is the point on the sender's side, To the one on the
	// receiver's side.
	From, To int
	Seq      uint32
	Num      uint64 // packet at From (the first copy)
	TS       time.Time
	Copies   int    // times From saw the segment (retransmissions)
	Original string // its first line at From, bounded
	Result   nfhelper.Result

	// What To saw.
	Forwarded    bool
	OutNum       uint64
	Seen         string         // the line at To, bounded
	SeenEndpoint netip.AddrPort // the endpoint To's decoder read from it (invalid when none)
	// TextAgrees: To's segment holds, byte for byte, what the simulation
	// says the router writes.
	TextAgrees bool
	// ShiftSim is the sequence offset the simulation applies to the next
	// segment of the direction; ShiftSeen the offset seen between the
	// points for that segment (ShiftKnown when it was found at To).
	ShiftSim, ShiftSeen int32
	ShiftKnown          bool
	HaveNext            bool // a later segment of the direction exists at From
	// MovedPort: To saw the simulated rewrite but for the port, a higher
	// one: nf_nat_exp_find_port found the announced port's tuple held by
	// another expectation (-EBUSY) and registered this one there (0 when
	// not).
	MovedPort uint16

	Agrees  bool
	Verdict string

	orig   []byte // the first copy's payload at From
	fedIdx int    // its place among the direction's segments fed
	// rewrote: 1 + the index of the step of an earlier copy of this
	// segment that the helper rewrote (0: none); this copy, when the
	// helper does not search it, leaves the router as it was sent.
	rewrote int
	// unrewritten says so (unrewritten()), for the verdict.
	unrewritten string
}

// PathHelper is a data SYN, as the router received it, against the
// expectation the simulated helper held at that moment.
type PathHelper struct {
	Expect  nfhelper.Expectation // invalid when there was none
	Match   nfhelper.Mismatch
	Verdict string
}

// helperEvent is one input of the simulation, on the reference clock.
type helperEvent struct {
	at      time.Time
	seg     *Seg
	payload []byte
	dir     nfhelper.Dir
	path    *Path
	data    *Data
}

// CheckHelper runs the simulation for every paired session of r, from the
// Collectors' kept segments (Options.KeepControlBytes), and fills
// Session.Helper and Path.Helper.
func CheckHelper(r *Report, cfg nfhelper.Config) {
	for _, s := range r.Sessions {
		r.checkHelper(s, cfg)
	}
}

func (r *Report) checkHelper(s *Session, cfg nfhelper.Config) {
	if !s.OrderKnown {
		return // which side of the router each point is, is unknown
	}
	in, out := -1, -1
	for _, i := range s.Order {
		if s.Views[i] == nil {
			continue
		}
		if in < 0 {
			in = i
		}
		out = i
	}
	if in < 0 || in == out {
		return
	}
	cv, sv := s.Views[in], s.Views[out]
	hc := &HelperCheck{In: in, Out: out, Conn: nfhelper.Conn{Client: cv.Client, Server: cv.Server}}
	if sv.Client != cv.Client {
		hc.Conn.ClientAs = sv.Client
	}
	if sv.Server != cv.Server {
		hc.Conn.ServerAt = sv.Server
	}
	s.Helper = hc
	sim, err := nfhelper.New(hc.Conn, cfg)
	if err != nil {
		hc.Incomplete = err.Error()
		if errors.Is(err, nfhelper.ErrNAT) {
			hc.Incomplete = "the router translates between IPv4 and IPv6 (NAT64): Linux netfilter does no NAT64 and its FTP helper tracks each family's connection alone, so no helper expects or rewrites across it"
		}
		return
	}
	hc.NATed = sim.NATed()
	// A direction whose start the point on its sender's side does not
	// hold began before that capture (or before the capture knew the
	// connection): the kernel saw it from its SYN, so its line starts
	// before the first kept segment are unknown, not absent, and that
	// segment is searched, as for a single capture without the handshake
	// (docs/linux-ftp-helper.md L5). (A direction with no segment to
	// feed, a connection refused, has nothing to assume.)
	var late [2]bool
	for side, v := range [2]*Control{cv, sv} {
		if !v.HaveISN[side] && slices.ContainsFunc(v.Segs, func(g Seg) bool { return g.FromClient == (side == 0) }) {
			late[side] = true
			sim.PickUp(nfhelper.Dir(side))
		}
	}
	hc.PickedUp = pickedUpNote(late, fmt.Sprintf("%q", r.Points[in]), fmt.Sprintf("%q", r.Points[out]))
	if cv.SegsCut || sv.SegsCut {
		hc.Incomplete = "not every control segment was kept (the segment budget ran out): the check stops where they end"
	}

	var evs []helperEvent
	for k := range cv.Segs {
		if g := &cv.Segs[k]; g.FromClient {
			evs = append(evs, helperEvent{at: r.corrected(in, g.Time()), seg: g, payload: cv.Payload(g), dir: nfhelper.ClientToServer})
		}
	}
	for k := range sv.Segs {
		if g := &sv.Segs[k]; !g.FromClient {
			evs = append(evs, helperEvent{at: r.corrected(out, g.Time()), seg: g, payload: sv.Payload(g), dir: nfhelper.ServerToClient})
		}
	}
	for _, p := range s.Data {
		// The SYN as the router receives it: from the client's side for
		// passive mode, from the server's for active mode.
		at := in
		if !p.Passive {
			at = out
		}
		if d := p.Views[at]; d != nil {
			evs = append(evs, helperEvent{at: r.corrected(at, d.FirstSYN), path: p, data: d})
		}
	}
	slices.SortStableFunc(evs, func(a, b helperEvent) int { return a.at.Compare(b.at) })

	// shifts: the offset the simulation gave each segment fed, per
	// direction, in the order fed.
	// copy: the segment as a copy the far point may have seen
	// (copyOwner).
	type fed struct {
		seq     uint32
		payload []byte
		shift   int32
		copy    sentCopy
	}
	var fedSegs [2][]fed
	stepAt := map[[2]uint64]int{}    // (dir, seq) of the latest step -> index
	rewroteAt := map[[2]uint64]int{} // (dir, seq) -> 1 + index of the first step that rewrote it
	// moved: the live expectation nf_nat_ftp registered at another port
	// than the simulation's (HelperStep.MovedPort); extra, per
	// direction, the bytes its text differs in length from the
	// simulated one, added to every later segment's offset after seq.
	var moved struct {
		created time.Time
		port    uint16
		used    bool
		valid   bool
	}
	type extraAdj struct {
		seq   uint32
		bytes int32
		set   bool
	}
	var extra [2]extraAdj
	// next: per direction, the sequence number after the bytes fed so far
	// (from the handshake when seen): a segment beyond it follows bytes
	// the sender's side point did not capture.
	var next [2]struct {
		seq uint32
		set bool
	}
	// The client's bytes as In saw them, the server's as Out did.
	for side, v := range [2]*Control{cv, sv} {
		if v.HaveISN[side] {
			next[side].seq, next[side].set = v.ISN[side]+1, true
		}
	}
	for _, ev := range evs {
		if ev.path != nil {
			exp, _ := sim.Expectation(ev.at)
			syn := nfhelper.DataSYN{Proto: nfhelper.ProtoTCP, Src: ev.data.Src, Dst: ev.data.Dst, Time: ev.at}
			if moved.valid && exp.Valid() && exp.Created.Equal(moved.created) {
				// The router's expectation is at the moved port; the
				// simulation's (at the announced one) is left alone.
				exp.DstPort = moved.port
				m := nfhelper.MismatchNoExpectation
				if !moved.used {
					if m = nfhelper.Match(exp, syn); m == nfhelper.MatchOK {
						moved.used = true
					}
				}
				if moved.used && m != nfhelper.MatchOK {
					exp = nfhelper.Expectation{}
				}
				ev.path.Helper = &PathHelper{Expect: exp, Match: m, Verdict: pathVerdict(ev.path, exp, m)}
				continue
			}
			m := sim.DataSYN(syn)
			ev.path.Helper = &PathHelper{Expect: exp, Match: m, Verdict: pathVerdict(ev.path, exp, m)}
			continue
		}
		if ev.seg.Cut {
			if hc.Incomplete == "" {
				hc.Incomplete = fmt.Sprintf("packet %d was cut by the snap length: the check stops there", ev.seg.Num)
			}
			break
		}
		// A hole in the sender's bytes before this segment, as the point
		// on the sender's side captured them: the router saw what the
		// capture missed. Like a snap-length cut, whether it ended a line
		// is unknown; the helper is assumed to have read one there, never
		// to have been blind for want of it.
		if nx := &next[ev.dir&1]; !nx.set {
			nx.seq, nx.set = ev.seg.Seq, true
		} else if seqAfter(ev.seg.Seq, nx.seq) {
			gap := ev.seg.Seq - nx.seq
			sim.Feed(nfhelper.Segment{Dir: ev.dir, Seq: nx.seq, Cut: int(gap), Time: ev.at})
			if hc.Incomplete == "" {
				pt, who := in, "client"
				if ev.dir == nfhelper.ServerToClient {
					pt, who = out, "server"
				}
				hc.Incomplete = fmt.Sprintf("%q did not capture %d byte%s the %s sent before packet %d: the helper is assumed to have read them as ending a line",
					r.Points[pt], gap, plural(int(gap)), who, ev.seg.Num)
			}
		}
		// late: the sender had sent bytes past this segment before it (a
		// retransmission after newer data).
		late := seqAfter(next[ev.dir&1].seq, ev.seg.Seq+uint32(len(ev.payload)))
		if end := ev.seg.Seq + uint32(len(ev.payload)); seqAfter(end, next[ev.dir&1].seq) {
			next[ev.dir&1].seq = end
		}
		res := sim.Feed(nfhelper.Segment{Dir: ev.dir, Seq: ev.seg.Seq, Payload: ev.payload, Time: ev.at})
		if x := extra[ev.dir&1]; x.set && seqAfter(ev.seg.Seq, x.seq) {
			res.SeqShift += x.bytes
		}
		var movedTo uint16
		if res.Action == nfhelper.Expected && res.Rewrite.Done {
			moved.valid = false
			outView, fromClient := sv, true
			if ev.dir == nfhelper.ServerToClient {
				outView, fromClient = cv, false
			}
			if port, n, ok := movedPort(&res, ev.payload, outView, fromClient, ev.seg.Seq+uint32(res.SeqShift)); ok {
				movedTo = port
				moved.created, moved.port, moved.used, moved.valid = res.Expect.Created, port, false, true
				if d := int32(n) - int32(res.Rewrite.NewLen); d != 0 {
					x := &extra[ev.dir&1]
					x.bytes += d
					x.seq, x.set = ev.seg.Seq, true
				}
			}
		}
		outLen := len(ev.payload)
		if res.Action == nfhelper.Expected && res.Rewrite.Done {
			outLen += int(res.Rewrite.Delta())
		}
		fedSegs[ev.dir] = append(fedSegs[ev.dir], fed{ev.seg.Seq, ev.payload, res.SeqShift, sentCopy{at: ev.at, step: -1, n: outLen, late: late}})
		cp := &fedSegs[ev.dir][len(fedSegs[ev.dir])-1].copy
		if res.TLS {
			hc.Encrypted = true
		}
		key := [2]uint64{uint64(ev.dir), uint64(ev.seg.Seq)}
		if res.Kind == nfhelper.KindNone && res.NMissed == 0 {
			continue
		}
		if k, seen := stepAt[key]; seen && hc.Steps[k].Result.Action == res.Action && hc.Steps[k].Result.Kind == res.Kind {
			hc.Steps[k].Copies++
			cp.step = k
			continue
		}
		if len(hc.Steps) >= maxHelperSteps {
			hc.StepsDropped++
			continue
		}
		cp.step = len(hc.Steps)
		if res.Action == nfhelper.Expected && res.Rewrite.Done && rewroteAt[key] == 0 {
			rewroteAt[key] = len(hc.Steps) + 1
		}
		from, to := in, out
		if ev.dir == nfhelper.ServerToClient {
			from, to = out, in
		}
		stepAt[key] = len(hc.Steps)
		hc.Steps = append(hc.Steps, HelperStep{Dir: ev.dir, From: from, To: to, Seq: ev.seg.Seq, Num: ev.seg.Num, TS: ev.seg.Time(),
			Copies: 1, Original: lineAt(ev.payload, stepOff(res)), Result: res, MovedPort: movedTo, orig: ev.payload, fedIdx: len(fedSegs[ev.dir]) - 1})
		if w := rewroteAt[key]; w != 0 && w != len(hc.Steps) {
			hc.Steps[len(hc.Steps)-1].rewrote = w
		}
	}

	// The offset the far point showed for each direction's segments after
	// the last step (ShiftSeen): where the router did not rewrite as
	// simulated, the simulated offset would look for the next step's
	// segment at the wrong sequence number. It holds only for segments
	// after that step's: seqadj gives one at or before the rewrite point
	// the offset from before the rewrite, as the simulation does.
	var shiftSeen [2]struct {
		n     int32
		after uint32
		ok    bool
	}
	for k := range hc.Steps {
		st := &hc.Steps[k]
		outView, fromClient := sv, true
		if st.Dir == nfhelper.ServerToClient {
			outView, fromClient = cv, false
		}
		shift := st.Result.SeqShift
		if sh := shiftSeen[st.Dir&1]; sh.ok && seqAfter(st.Seq, sh.after) {
			shift = sh.n
		}
		// The copies fed at the step's sequence number, in time order.
		var cs []sentCopy
		for _, f := range fedSegs[st.Dir] {
			if f.seq == st.Seq {
				cs = append(cs, f.copy)
			}
		}
		to := st.To
		observe(st, k, outView, fromClient, shift, cs, func(t time.Time) time.Time { return r.corrected(to, t) })
		// The next segment of the direction after this one, as fed.
		for _, f := range fedSegs[st.Dir][st.fedIdx+1:] {
			if !seqAfter(f.seq, st.Seq) {
				continue // a retransmission of it or of what came before
			}
			st.HaveNext, st.ShiftSim = true, f.shift
			if o := sameBytes(outView, fromClient, f.seq, f.payload); o != nil {
				st.ShiftKnown, st.ShiftSeen = true, int32(o.Seq-f.seq)
			}
			break
		}
		shiftSeen[st.Dir&1].n, shiftSeen[st.Dir&1].after, shiftSeen[st.Dir&1].ok = st.ShiftSeen, st.Seq, st.ShiftKnown
		if st.rewrote != 0 && st.Forwarded && st.TextAgrees {
			st.unrewritten = unrewritten(&hc.Steps[st.rewrote-1], outView, fromClient, fmt.Sprintf("%q", r.Points[st.To]))
		}
		st.Agrees, st.Verdict = stepVerdict(st, fmt.Sprintf("%q", r.Points[st.From]), fmt.Sprintf("%q", r.Points[st.To]))
	}
}

// pickedUpNote says what the simulation assumes for the directions
// late marks (HelperCheck.PickedUp); in and out name the points on the
// client's and on the server's side.
func pickedUpNote(late [2]bool, in, out string) string {
	const assume = ": this assumes the helper tracked the connection from its start, as the kernel does, and searches the first "
	switch {
	case late[0] && late[1]:
		return in + " and " + out + " start after the control connection's handshake" + assume + "client segment " + in + " holds and the first server segment " + out + " holds"
	case late[0]:
		return in + " starts after the client's SYN" + assume + "client segment it holds"
	case late[1]:
		return out + " starts after the server's SYN-ACK" + assume + "server segment it holds"
	}
	return ""
}

// sentCopy is one copy of a segment fed to the simulation: when the
// router received it (reference clock), the step it belongs to (-1:
// none), its length as the simulated router writes it, and whether the
// sender had sent bytes past it before (late).
type sentCopy struct {
	at   time.Time
	step int
	n    int
	late bool
}

// unrewritten says what a copy of an announcement that the helper did not
// search did, when it rewrote an earlier copy (first): it left the router
// as sent (docs/linux-ftp-helper.md L4), and when the rewrite changed the
// length, seqadj gave it the offset from before the rewrite (it starts at
// the rewrite point), so its bytes no longer line up with the rewritten
// stream that to (outView) got.
func unrewritten(first *HelperStep, outView *Control, fromClient bool, to string) string {
	fr := &first.Result
	s := fmt.Sprintf(", so the retransmitted %s left the router unrewritten, naming %s, where the helper rewrote its first copy (packet %d) to %s",
		fr.Kind, fr.Announced, first.Num, fr.Rewrite.Text())
	const took = ". The sender repeats what was not acknowledged: if the receiver lacked the first copy, it takes this one"
	d := fr.Rewrite.Delta()
	if d == 0 {
		return s + took + fmt.Sprintf(", and %s with it", fr.Announced)
	}
	s += fmt.Sprintf(". The router moves the sequence numbers after the rewrite by %+d bytes, but not this copy's, which starts at it", d)
	if d < 0 {
		s += fmt.Sprintf(", so its last %d bytes lie over the next %d that %s got", -d, -d, to)
		// The next segment as To got it: right after the rewritten copy.
		next := first.Seq + uint32(first.Result.SeqShift) + uint32(len(first.orig)+int(d))
		for k := range outView.Segs {
			if o := &outView.Segs[k]; o.FromClient == fromClient && o.Seq == next {
				if p := outView.Payload(o); len(p) > 0 {
					s += fmt.Sprintf(" (%q)", p[:min(len(p), -int(d))])
				}
				break
			}
		}
	} else {
		s += fmt.Sprintf(", so it ends %d bytes short of where the router has the next segment begin", d)
	}
	return s + took + fmt.Sprintf(", %s with it, and its control stream no longer lines up with what the sender wrote", fr.Announced)
}

// copyOwner is the step of the copy that the far point's segment (n
// bytes, seen at t on the reference clock; late: after bytes of its
// sender past it) was forwarded from (-1: no copy is a step's). The
// copies that fit it are those of its length and, as a router forwards in
// order, of its kind: a segment that came after newer bytes is a copy
// sent after them, one that came before is a copy sent before them
// (unless those bytes were lost on the way). Among them it is the last the
// router received before t, else the first. Time comes last: the points'
// clock offset is an estimate that can be off by more than a transit
// time (5 µs in a recording where the copies were 200 µs apart and the
// transit 3 µs), so a copy may seem to arrive before it left.
func copyOwner(cs []sentCopy, n int, late bool, t time.Time) int {
	fits := func(c sentCopy, strict int) bool {
		return c.step >= 0 && (strict < 1 || c.n == n) && (strict < 2 || c.late == late)
	}
	for strict := 2; strict >= 0; strict-- {
		own := -1
		for _, c := range cs {
			if !fits(c, strict) {
				continue
			}
			if own >= 0 && c.at.After(t) {
				break
			}
			own = c.step
		}
		if own >= 0 {
			return own
		}
	}
	return -1
}

// observe finds what the point past the router saw of step k's segment:
// the segment from the same sender at its sequence number moved by shift
// (the offset seen after the direction's last step, else the simulated),
// forwarded from one of the step's own copies, when copies of the segment
// belong to several steps (a retransmission the helper judged otherwise):
// copyOwner, with cs the copies fed at the step's sequence number in time
// order and corr putting the far point's times on the reference clock.
func observe(st *HelperStep, k int, outView *Control, fromClient bool, shift int32, cs []sentCopy, corr func(time.Time) time.Time) {
	res := &st.Result
	want := st.Seq + uint32(shift)
	wrote := res.Rewritten(nil, st.orig)
	var maxEnd uint32 // of the sender's bytes seen so far at the far point
	seen := false
	for i := range outView.Segs {
		o := &outView.Segs[i]
		if o.FromClient != fromClient {
			continue
		}
		end := o.Seq + uint32(o.n)
		late := seen && seqAfter(maxEnd, end)
		if !seen || seqAfter(end, maxEnd) {
			maxEnd, seen = end, true
		}
		if o.Seq != want || copyOwner(cs, int(o.n), late, corr(o.Time())) != k {
			continue
		}
		p := outView.Payload(o)
		if res.Action == nfhelper.PartialDrop && len(p) != len(st.orig) {
			// A later, longer retransmission that the helper may have
			// judged differently: not this segment.
			continue
		}
		st.Forwarded, st.OutNum = true, o.Num
		st.Seen = lineAt(p, 0)
		st.TextAgrees = bytes.HasPrefix(p, wrote)
		for a := range outView.Announce {
			if outView.Announce[a].Num == o.Num {
				st.SeenEndpoint = outView.Announce[a].Endpoint
				break
			}
		}
		return
	}
}

// movedPort: the segment of view from the sender at seq holds the
// rewrite res simulates for payload but for the port, which is higher
// than the announced one (nf_nat_exp_find_port tries ports from it up to
// 65535 when another expectation holds its tuple: docs/linux-ftp-helper.md
// N3). It returns that port and the length of the text written.
func movedPort(res *nfhelper.Result, payload []byte, view *Control, fromClient bool, seq uint32) (uint16, int, bool) {
	if res.MatchOff+res.MatchLen > len(payload) {
		return 0, 0, false
	}
	head, tail := payload[:res.MatchOff], payload[res.MatchOff+res.MatchLen:]
	text := res.Rewrite.Text()
	// base: the text before the port; the port ends at sep.
	var base string
	switch res.Kind {
	case nfhelper.KindPORT, nfhelper.KindPASV:
		i := strings.LastIndexByte(text, ',')
		if i < 0 {
			return 0, 0, false
		}
		j := strings.LastIndexByte(text[:i], ',')
		if j < 0 {
			return 0, 0, false
		}
		base = text[:j+1]
	case nfhelper.KindEPRT, nfhelper.KindEPSV:
		if len(text) < 2 || text[len(text)-1] != '|' {
			return 0, 0, false
		}
		base = text[:strings.LastIndexByte(text[:len(text)-1], '|')+1]
	default:
		return 0, 0, false
	}
	for k := range view.Segs {
		o := &view.Segs[k]
		if o.FromClient != fromClient || o.Seq != seq {
			continue
		}
		p := view.Payload(o)
		if !bytes.HasPrefix(p, head) || !bytes.HasPrefix(p[len(head):], []byte(base)) {
			continue
		}
		rest := p[len(head)+len(base):]
		var port, n int
		switch res.Kind {
		case nfhelper.KindPORT, nfhelper.KindPASV:
			hi, a := decimal(rest, 255)
			if a == 0 || a >= len(rest) || rest[a] != ',' {
				continue
			}
			lo, b := decimal(rest[a+1:], 255)
			if b == 0 {
				continue
			}
			port, n = hi<<8|lo, a+1+b
		default:
			v, a := decimal(rest, 65535)
			if a == 0 || a >= len(rest) || rest[a] != '|' {
				continue
			}
			port, n = v, a+1
		}
		if port <= int(res.Rewrite.Port) || !bytes.Equal(rest[n:], tail) {
			continue
		}
		return uint16(port), len(base) + n, true
	}
	return 0, 0, false
}

// decimal reads a number as the kernel prints it (%u: no sign, no
// leading zero) up to max; it returns the value and the digits read (0
// when none or out of bounds).
func decimal(p []byte, max int) (int, int) {
	v, n := 0, 0
	for n < len(p) && p[n] >= '0' && p[n] <= '9' && n < 6 {
		v = v*10 + int(p[n]-'0')
		n++
	}
	if n == 0 || n > 1 && p[0] == '0' || v > max {
		return 0, 0
	}
	return v, n
}

// stepOff is where the line the step is about starts in its segment.
func stepOff(res nfhelper.Result) int {
	if res.Kind == nfhelper.KindNone && res.NMissed > 0 {
		return res.Missed[0].Off
	}
	return 0
}

// sameBytes finds, among the segments of view from the same sender, one
// that carries exactly payload, the one nearest seq: the sequence offset
// between two points is a few bytes, while the same reply sent again (a
// second "200 Switching to Binary mode.") lies at least its own length
// away.
func sameBytes(view *Control, fromClient bool, seq uint32, payload []byte) *Seg {
	var best *Seg
	bestDist := uint32(0)
	for k := range view.Segs {
		o := &view.Segs[k]
		if o.FromClient != fromClient || int(o.n) != len(payload) || !bytes.Equal(view.Payload(o), payload) {
			continue
		}
		d := o.Seq - seq
		if int32(d) < 0 {
			d = -d
		}
		if best == nil || d < bestDist {
			best, bestDist = o, d
		}
	}
	return best
}

func seqAfter(a, b uint32) bool { return int32(a-b) > 0 }

// lineAt is the line starting at off, without its end, bounded.
func lineAt(p []byte, off int) string {
	if off >= len(p) {
		return ""
	}
	line := p[off:]
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	if len(line) > maxLine+utf8.UTFMax {
		line = line[:maxLine+utf8.UTFMax] // enough for cutText to find a boundary
	}
	s, _ := cutText(string(line), maxLine) // never half a character
	return s
}

// stepVerdict compares the simulation with what the point past the
// router (named to; from is the sender's side) saw.
func stepVerdict(st *HelperStep, from, to string) (bool, string) {
	res := &st.Result
	shift := func(ok bool, v string) (bool, string) {
		switch {
		case !st.HaveNext:
			return ok, v
		case !st.ShiftKnown:
			return ok, v + fmt.Sprintf("; the next segment (simulated offset %+d bytes) was not found at %s", st.ShiftSim, to)
		case st.ShiftSeen != st.ShiftSim:
			return false, v + fmt.Sprintf("; but later segments moved by %+d bytes at %s, simulated %+d", st.ShiftSeen, to, st.ShiftSim)
		}
		return ok, v + fmt.Sprintf("; later segments moved by %+d bytes, as simulated", st.ShiftSeen)
	}
	switch res.Action {
	case nfhelper.PartialDrop:
		why := fmt.Sprintf("the helper drops it (%s: %s)", res.KernelLog(), res.PartialReason())
		if st.Forwarded {
			return false, fmt.Sprintf("disagrees: %s, but it reached %s (packet %d): this router does not drop it", why, to, st.OutNum)
		}
		if st.Copies > 1 {
			return true, fmt.Sprintf("agrees: %s, and none of its %d copies reached %s", why, st.Copies, to)
		}
		return true, fmt.Sprintf("agrees: %s, and it never reached %s", why, to)
	case nfhelper.Expected, nfhelper.NotRecorded:
		what := "the helper creates no expectation: the " + res.Kind.String() + " names " + res.Announced.Addr().String() + ", the sender is " + res.Sender.String() + " (loose=0); it passes unchanged"
		if res.Action == nfhelper.Expected {
			what = "the helper expects " + res.Expect.String()
			if res.Rewrite.Done {
				what += fmt.Sprintf(" and rewrites the numbers to %s (%+d bytes)", res.Rewrite.Text(), res.Rewrite.Delta())
			} else {
				what += " and passes it unchanged (the connection is not NATed)"
			}
		}
		switch {
		case !st.Forwarded:
			return false, fmt.Sprintf("cannot compare: %s, but %s never saw it", what, to)
		case st.MovedPort != 0:
			return shift(true, fmt.Sprintf("agrees: %s, and %s saw that but for the port, %d: nf_nat_ftp moved the port (another expectation held the tuple, so nf_nat_exp_find_port took a higher free port); the data connection is expected at %d", what, to, st.MovedPort, st.MovedPort))
		case !st.TextAgrees:
			return false, fmt.Sprintf("disagrees: %s, but %s saw %q: this router does not act like Linux's FTP helper here (none attached, or another kind)", what, to, st.Seen)
		}
		return shift(true, fmt.Sprintf("agrees: %s; %s saw exactly that", what, to))
	}
	m := res.Missed[0]
	if !st.Forwarded {
		return false, fmt.Sprintf("cannot compare: the helper does not read the %s at %s (%s), and %s never saw the segment", m.Kind, from, m.Why, to)
	}
	if !st.TextAgrees {
		return false, fmt.Sprintf("disagrees: the helper does not read the %s (%s), yet %s saw it changed: %q", m.Kind, m.Why, to, st.Seen)
	}
	if st.unrewritten != "" {
		return shift(true, fmt.Sprintf("agrees: the helper does not read the %s (%s)%s", m.Kind, m.Why, st.unrewritten))
	}
	return shift(true, fmt.Sprintf("agrees: the helper does not read the %s (%s); it passed unchanged", m.Kind, m.Why))
}

func pathVerdict(p *Path, exp nfhelper.Expectation, m nfhelper.Mismatch) string {
	lost := p.Where != Delivered
	switch {
	case m == nfhelper.MatchOK && !lost:
		return "the helper's expectation " + exp.String() + " admits this SYN (RELATED), and the router let it through"
	case m == nfhelper.MatchOK:
		return "the helper's expectation " + exp.String() + " admits this SYN, yet it was lost (" + p.Where.String() + "): a rule other than the helper's stopped it, or the router runs no FTP helper"
	case !lost:
		return "no helper expectation admits this SYN (" + m.String() + "): the router let it through by another rule (a forwarded port range)"
	}
	return "no helper expectation admits this SYN (" + m.String() + "): a router that relies on the helper drops it"
}
