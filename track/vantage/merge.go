package vantage

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// ErrPoints: Merge needs two or more points.
var ErrPoints = errors.New("vantage: two or more capture points are needed")

// Offset is a point's clock relative to the first point's: add it to the
// first point's time to get this point's.
type Offset struct {
	Offset  time.Duration
	Samples int
	// OneWay: no SYN-ACK was paired; the offset includes the transit time.
	OneWay bool
}

// Report is the merged view.
type Report struct {
	Points   []string
	Offsets  []Offset // per point; the first is zero
	Sessions []*Session
	// Unpaired counts control connections seen at one point only (or
	// without their SYN).
	Unpaired []int
	Limits   []Limits
	// Spans: what each point's capture covers, on its own clock.
	Spans    []Span
	annIndex map[annKey][]annRef
	// unreadable: per point, the sessions whose announcements it could
	// not read (encrypted, cut by the snap length).
	unreadable [][]*Session

	// PayloadSkipped counts the pairs of points whose unpaired control
	// connections were too many to compare by payload (maxPayloadPairs).
	PayloadSkipped int
	// Ambiguous counts, per pair of points, control connections left
	// unpaired because two or more connections at the other point matched
	// them equally well (the same lines, nothing else telling them
	// apart): unpaired rather than guessed.
	Ambiguous int
}

// maxPayloadPairs bounds the comparisons of payload pairing between two
// points (unpaired connections at one times those at the other): each
// compares up to 64 lines with 64.
const maxPayloadPairs = 1 << 18

// Session is one control connection paired across points.
type Session struct {
	ID    int
	Views []*Control // per point; nil where not seen
	// Order lists the points from the client's side to the server's.
	Order         []int
	Announcements []AnnouncementPath
	Data          []*Path
	// Helper is the Linux FTP helper's simulation checked against the
	// points on either side (CheckHelper); nil until then.
	Helper *HelperCheck
	// PairedBy says how the views were paired: "isn" (the initial
	// sequence numbers) or "payload" (the commands and replies, when a
	// firewall randomised the numbers or a capture missed the SYN).
	PairedBy string

	// The session's own clock offsets per point (on the reference clock)
	// and each point's place along the path (sessionTiming).
	pivot   int
	offsets []time.Duration
	localOK []bool
	pos     []time.Duration
	posOK   []bool
}

// AnnouncementPath is one announcement as each point saw it.
type AnnouncementPath struct {
	Index int
	Views []*Announcement // per point; nil where not seen
	// Rewritten: the endpoint differs between points.
	Rewritten bool
	// Untranslated: every point saw the same private address, which is
	// not the address the client reaches the server at (227) or the
	// server sees the client at (PORT).
	Untranslated bool
	// Missing: a point that saw the session did not see it.
	Missing bool
	Verdict string

	entry *annEntry
}

// Where says where a data connection was lost.
type Where uint8

const (
	Delivered       Where = iota // handshake completed at every point that saw it
	LostSYN                      // the SYN left one point and never reached the next
	NoAnswer                     // the SYN reached the last point; nothing came back
	LostSYNACK                   // the receiver answered; the SYN-ACK did not come back
	RSTInBetween                 // a reset came from a box in between
	RSTFromReceiver              // the receiver refused
	ICMPInBetween                // an ICMP error came from a box in between
	NotSeen                      // no point saw a SYN
	// NotCaptured: the point that would tell was not capturing then (its
	// capture had not started or had ended): nothing is said of the
	// network past the last point that saw it.
	NotCaptured
)

var whereNames = [...]string{"delivered", "syn-lost", "no-answer", "syn-ack-lost", "rst-in-between", "rst-from-receiver", "icmp-in-between", "not-seen", "not-captured"}

func (w Where) String() string {
	if int(w) < len(whereNames) {
		return whereNames[w]
	}
	return "unknown"
}

// Path is one data connection as each point saw it.
type Path struct {
	Views []*Data // per point; nil where not seen
	// Order lists the points from the SYN's sender to its receiver.
	Order   []int
	Passive bool
	Where   Where
	// Between names the two points the loss lies between (indexes into
	// Report.Points; -1 when not a loss between points).
	After, Before int
	Verdict       string
	// Gaps: points that did not capture part of what a point further on
	// proves passed them (frames missing there, not lost).
	Gaps []string
	// Announcement is the index (AnnouncementPath.Index) of the
	// announcement the connection answers; 0 when matched otherwise.
	Announcement int
	// Helper: the SYN against the simulated helper's expectation
	// (CheckHelper); nil until then or when no point saw it where the
	// router receives it.
	Helper *PathHelper
}

// Merge pairs the points' records. names and cs are in the order given.
func Merge(cs []*Collector) (*Report, error) {
	if len(cs) < 2 {
		return nil, ErrPoints
	}
	n := len(cs)
	r := &Report{Offsets: make([]Offset, n), Unpaired: make([]int, n), Limits: make([]Limits, n), Spans: make([]Span, n)}
	for i, c := range cs {
		r.Points = append(r.Points, c.Name)
		r.Limits[i] = c.limits
		r.Spans[i] = c.span
	}
	used := map[*Control]bool{}
	r.pairByISN(cs, used)
	r.pairByPayload(cs, used)
	for i, c := range cs {
		for _, x := range c.ctlList {
			if !used[x] {
				r.Unpaired[i]++
			}
		}
	}
	for k, s := range r.Sessions {
		s.ID = k + 1
	}
	r.sessionTiming()
	for _, s := range r.Sessions {
		s.Order = r.order(s)
		r.announcements(s)
	}
	r.attach(cs)
	for _, s := range r.Sessions {
		r.judgeAnnouncements(s)
	}
	return r, nil
}

// pairByISN pairs control connections by their initial sequence numbers.
// Both numbers equal (64 bits) pair them whatever the clocks say; the
// client's alone pairs within a day when the lines they carried agree.
func (r *Report) pairByISN(cs []*Collector, used map[*Control]bool) {
	n := len(cs)
	byISN := make([]map[uint32][]*Control, n)
	for i, c := range cs {
		byISN[i] = map[uint32][]*Control{}
		for _, x := range c.ctlList {
			if x.HaveISN[0] {
				byISN[i][x.ISN[0]] = append(byISN[i][x.ISN[0]], x)
			}
		}
	}
	for i, c := range cs {
		for _, x := range c.ctlList {
			if !x.HaveISN[0] || used[x] {
				continue
			}
			views := make([]*Control, n)
			views[i] = x
			found := 1
			for j := i + 1; j < n; j++ {
				for _, y := range byISN[j][x.ISN[0]] {
					if used[y] {
						continue
					}
					both := x.HaveISN[1] && y.HaveISN[1]
					if both && x.ISN[1] != y.ISN[1] {
						continue
					}
					if !both {
						if absDur(y.SYN.Sub(x.SYN)) > 24*time.Hour {
							continue
						}
						if _, _, ok := align(x.Lines, y.Lines); !ok && len(x.Lines) > 0 && len(y.Lines) > 0 {
							continue
						}
					}
					views[j] = y
					found++
					break
				}
			}
			if found < 2 {
				continue
			}
			for _, v := range views {
				if v != nil {
					used[v] = true
				}
			}
			r.Sessions = append(r.Sessions, &Session{Views: views, PairedBy: "isn"})
		}
	}
}

// minLines is how many lines (other than announcements) two views of a
// control connection must share, in the same order, to be paired by
// payload.
const minLines = 3

// align finds how b's lines line up with a's: b[k] is a[k+shift]. Every
// overlapping line must agree (same direction; the same text unless one is
// an announcement a helper may rewrite); the shift with the most
// agreeing lines wins, and a tie between two shifts is no answer. It
// returns the shift, how many lines other than announcements agree, and
// whether at least minLines do.
func align(a, b []Line) (shift, matched int, ok bool) {
	best, bestN, tie := 0, -1, false
	for sh := -(len(b) - 1); sh < len(a); sh++ {
		n, bad := 0, false
		for k := range b {
			i := k + sh
			if i < 0 || i >= len(a) {
				continue
			}
			x, y := a[i], b[k]
			if x.FromClient != y.FromClient {
				bad = true
				break
			}
			if x.Announce || y.Announce {
				continue
			}
			if x.Hash != y.Hash {
				bad = true
				break
			}
			n++
		}
		if bad {
			continue
		}
		switch {
		case n > bestN:
			best, bestN, tie = sh, n, false
		case n == bestN:
			tie = true
		}
	}
	if bestN < minLines || tie {
		return 0, max(bestN, 0), false
	}
	return best, bestN, true
}

// pairByPayload pairs the control connections the sequence numbers did
// not: a firewall that randomises ISNs (Cisco ASA by default, pf's
// modulate state), or a capture that started after the SYN. Two views
// are candidates only when their lines line up (align) over most of the
// shorter one (linesAgree); timing alone never makes one. Sessions of one
// server carry the same lines, so candidates are ranked by what else
// tells them apart (evidence: the server's ISN, which a firewall
// randomising the client's leaves alone; the ports the announcements
// name, which NAT seldom changes; the endpoints), then by the clock
// offset most candidates agree on. A view pairs only with a candidate
// that is better than every other one of either side; where two are
// equally good it stays unpaired (Ambiguous) rather than guessed.
func (r *Report) pairByPayload(cs []*Collector, used map[*Control]bool) {
	n := len(cs)
	for j := 1; j < n; j++ {
		for i := 0; i < j; i++ {
			type group struct {
				s *Session // the session x belongs to, or nil
				x *Control // at point i
			}
			var anchors []time.Duration // sessions paired already: their offset
			var groups []group
			for _, s := range r.Sessions {
				if s.Views[i] != nil && s.Views[j] == nil {
					groups = append(groups, group{s, s.Views[i]})
				}
				if s.Views[i] != nil && s.Views[j] != nil {
					if dt, ok := lineOffset(s.Views[i], s.Views[j]); ok {
						anchors = append(anchors, dt)
					}
				}
			}
			for _, x := range cs[i].ctlList {
				if !used[x] {
					groups = append(groups, group{nil, x})
				}
			}
			var ys []*Control
			for _, y := range cs[j].ctlList {
				if !used[y] && len(y.Lines) >= minLines {
					ys = append(ys, y)
				}
			}
			if len(ys)*len(groups) > maxPayloadPairs {
				r.PayloadSkipped++
				continue
			}
			var cands []*payloadCand
			for _, y := range ys {
				for _, g := range groups {
					shift, matched, ok := align(g.x.Lines, y.Lines)
					if !ok || !linesAgree(g.x.Lines, y.Lines, matched) {
						continue
					}
					dt, ok := offsetOf(timingAligned(g.x, y, shift, true))
					if !ok {
						continue
					}
					cands = append(cands, &payloadCand{s: g.s, x: g.x, y: y, dt: dt, ev: evidenceOf(g.x, y, shift)})
				}
			}
			if len(cands) == 0 {
				continue
			}
			// The offset most candidates (and sessions already paired)
			// agree on; those the server's ISN confirms, when there are
			// any, since the others may be sessions apart.
			all := slices.Clone(anchors)
			for _, c := range cands {
				if c.ev.isn == isnSame {
					all = append(all, c.dt)
				}
			}
			if len(all) == len(anchors) {
				for _, c := range cands {
					all = append(all, c.dt)
				}
			}
			centre := densest(all)
			var live []*payloadCand
			for _, c := range cands {
				c.dist = absDur(c.dt - centre)
				if c.dist <= payloadWindow {
					live = append(live, c)
				}
			}
			for _, c := range r.matchPayload(live) {
				used[c.x], used[c.y] = true, true
				if c.s != nil {
					c.s.Views[j] = c.y
					c.s.PairedBy = "payload"
					continue
				}
				views := make([]*Control, n)
				views[i], views[j] = c.x, c.y
				r.Sessions = append(r.Sessions, &Session{Views: views, PairedBy: "payload"})
			}
		}
	}
	// Sessions in the order they started at their first point.
	slices.SortStableFunc(r.Sessions, func(a, b *Session) int { return a.firstStart().Compare(b.firstStart()) })
}

// payloadCand is a candidate pair of views for pairByPayload.
type payloadCand struct {
	s    *Session // the session x belongs to, or nil
	x, y *Control
	dt   time.Duration // y's clock minus x's by their lines
	dist time.Duration // from the offset most candidates agree on
	ev   evidence
}

// evidence is what tells two candidate pairings of identical lines apart,
// most telling first.
type evidence struct {
	// isn: the server's ISN at both points (isnSame, isnDiffer) or not
	// seen at one (isnUnknown).
	isn int
	// ports: announcements naming the same port at both points less
	// those naming different ones.
	ports int
	// ends: the client's and the server's address and port, how many are
	// the same at both points (no NAT in between).
	ends int
}

const (
	isnDiffer = iota
	isnUnknown
	isnSame
)

func evidenceOf(x, y *Control, shift int) evidence {
	var e evidence
	e.isn = isnUnknown
	if x.HaveISN[1] && y.HaveISN[1] {
		e.isn = isnDiffer
		if x.ISN[1] == y.ISN[1] {
			e.isn = isnSame
		}
	}
	for k, b := range y.Lines {
		i := k + shift
		if i < 0 || i >= len(x.Lines) {
			continue
		}
		if a := x.Lines[i]; a.Announce && b.Announce && a.Port != 0 && b.Port != 0 {
			if a.Port == b.Port {
				e.ports++
			} else {
				e.ports--
			}
		}
	}
	if x.Client == y.Client {
		e.ends++
	}
	if x.Server == y.Server {
		e.ends++
	}
	return e
}

// timingTie is how close two candidates' clock offsets must lie for the
// clocks not to tell them apart: sessions started that close together
// differ by less than a path's asymmetry and its queues.
const timingTie = 100 * time.Millisecond

// better compares two candidates: positive when a is better, negative
// when b is, zero when nothing tells them apart.
func better(a, b *payloadCand) int {
	switch {
	case a.ev.isn != b.ev.isn:
		return a.ev.isn - b.ev.isn
	case a.ev.ports != b.ev.ports:
		return a.ev.ports - b.ev.ports
	case a.ev.ends != b.ev.ends:
		return a.ev.ends - b.ev.ends
	case b.dist-a.dist > timingTie:
		return 1
	case a.dist-b.dist > timingTie:
		return -1
	}
	return 0
}

// cmpRank orders candidates as better does, the clocks without a
// tolerance: the best by cmpRank is the only one better may prefer to
// all others.
func cmpRank(a, b *payloadCand) int {
	if a.ev != b.ev {
		return better(a, b)
	}
	return cmp.Compare(b.dist, a.dist)
}

// matchPayload picks the pairs among the candidates: a candidate better
// than every other of its two views, then again among what is left, until
// none is. The views still with candidates are counted in r.Ambiguous.
func (r *Report) matchPayload(cands []*payloadCand) []*payloadCand {
	var out []*payloadCand
	taken := map[*Control]bool{}
	for {
		byView := map[*Control][]*payloadCand{}
		var live []*payloadCand
		for _, c := range cands {
			if !taken[c.x] && !taken[c.y] {
				live = append(live, c)
				byView[c.x] = append(byView[c.x], c)
				byView[c.y] = append(byView[c.y], c)
			}
		}
		cands = live
		// Each view's best candidate, when it is better than all its
		// others; a pair is picked when it is both views' best.
		best := map[*Control]*payloadCand{}
		for v, list := range byView {
			top := list[0]
			for _, o := range list[1:] {
				if cmpRank(o, top) > 0 {
					top = o
				}
			}
			unique := true
			for _, o := range list {
				if o != top && better(top, o) <= 0 {
					unique = false
					break
				}
			}
			if unique {
				best[v] = top
			}
		}
		var picked []*payloadCand
		for _, c := range cands {
			if best[c.x] == c && best[c.y] == c {
				picked = append(picked, c)
			}
		}
		if len(picked) == 0 {
			break
		}
		for _, c := range picked {
			taken[c.x], taken[c.y] = true, true
			out = append(out, c)
		}
	}
	seen := map[*Control]bool{}
	for _, c := range cands {
		if !seen[c.x] {
			seen[c.x] = true
			r.Ambiguous++
		}
	}
	return out
}

// linesAgree: the lines two views share (matched, announcements aside)
// are at least half of the shorter view's, so that a few common lines
// (a greeting, QUIT and its reply) cannot pair two sessions that share
// nothing else.
func linesAgree(a, b []Line, matched int) bool {
	count := func(v []Line) int {
		n := 0
		for _, l := range v {
			if !l.Announce {
				n++
			}
		}
		return n
	}
	return matched >= minLines && 2*matched >= min(count(a), count(b))
}

// densest is the middle of the payloadWindow that holds the most of v.
func densest(v []time.Duration) time.Duration {
	v = slices.Clone(v)
	slices.Sort(v)
	centre, most, k := v[0], 0, 0
	for a, lo := range v {
		// v[a:k] lies within the window from lo; k only moves on.
		for k < len(v) && v[k]-lo <= payloadWindow {
			k++
		}
		if k-a > most {
			most, centre = k-a, lo+(v[k-1]-lo)/2
		}
	}
	return centre
}

// payloadWindow is how far apart the clock offsets of payload-paired
// connections between two points may lie: transit time, clock drift over
// the capture, and which packet completed a line.
const payloadWindow = 2 * time.Second

func (s *Session) firstStart() time.Time {
	for _, v := range s.Views {
		if v != nil {
			return v.Start
		}
	}
	return time.Time{}
}

// lineOffset is y's clock minus x's as their aligned lines show it, the
// mean of the median of each direction (so the transit time cancels).
func lineOffset(x, y *Control) (time.Duration, bool) {
	return offsetOf(timing(x, y))
}

func offsetOf(fwd, back []time.Duration) (time.Duration, bool) {
	switch {
	case len(fwd) > 0 && len(back) > 0:
		return (median(fwd) + median(back)) / 2, true
	case len(fwd) > 0:
		return median(fwd), true
	case len(back) > 0:
		return median(back), true
	}
	return 0, false
}

// timing lists y's time minus x's for what both saw of one control
// connection: fwd for what the client sent (the SYN, commands), back for
// what the server sent (the SYN-ACK, replies). A handshake counts only
// when each point saw one SYN and one SYN-ACK (a retransmission could
// pair two different segments).
func timing(x, y *Control) (fwd, back []time.Duration) {
	shift, _, ok := align(x.Lines, y.Lines)
	return timingAligned(x, y, shift, ok)
}

// timingAligned is timing with the lines' alignment known (aligned says
// whether they line up at all).
func timingAligned(x, y *Control, shift int, aligned bool) (fwd, back []time.Duration) {
	if x.HaveISN[0] && y.HaveISN[0] && x.ISN[0] == y.ISN[0] && x.SYNs <= 1 && y.SYNs <= 1 {
		fwd = append(fwd, y.SYN.Sub(x.SYN))
	}
	// The SYN-ACK only when it is the same segment: its ISN equal (a
	// firewall randomising the client's ISN leaves the server's).
	if x.HaveISN[1] && y.HaveISN[1] && x.ISN[1] == y.ISN[1] && x.SYNACKs <= 1 && y.SYNACKs <= 1 {
		back = append(back, y.SYNACK.Sub(x.SYNACK))
	}
	if aligned {
		for k := range y.Lines {
			if i := k + shift; i >= 0 && i < len(x.Lines) {
				d := y.Lines[k].TS.Sub(x.Lines[i].TS)
				if y.Lines[k].FromClient {
					fwd = append(fwd, d)
				} else {
					back = append(back, d)
				}
			}
		}
	}
	return fwd, back
}

// sessionTiming measures each session's own clock offsets and its points'
// order along the path, then the points' offsets over all sessions.
//
// For two points A and B of one connection, with B's clock off ahead and
// B d further from the client: what the client sends reaches B at
// tA+d+off, what the server sends reaches A at tB+d-off. So the mean of
// the two directions' differences is the offset, whatever the order, and
// their difference is 2d: its sign says which point is nearer the
// client, from the session's own packets, so that drifting clocks cannot
// reverse it.
func (r *Report) sessionTiming() {
	n := len(r.Points)
	type sample struct {
		off    time.Duration
		twoWay bool
	}
	global := make([][]sample, n)
	for _, s := range r.Sessions {
		s.offsets = make([]time.Duration, n)
		s.localOK = make([]bool, n)
		s.pos = make([]time.Duration, n)
		s.posOK = make([]bool, n)
		s.pivot = -1
		for i, v := range s.Views {
			if v == nil {
				continue
			}
			if s.pivot < 0 {
				s.pivot = i
				s.localOK[i], s.posOK[i] = true, true
				continue
			}
			fwd, back := timing(s.Views[s.pivot], v)
			switch {
			case len(fwd) > 0 && len(back) > 0:
				mf, mb := median(fwd), median(back)
				s.offsets[i], s.localOK[i] = (mf+mb)/2, true
				s.pos[i], s.posOK[i] = mf-mb, true
			case len(fwd) > 0:
				s.offsets[i], s.localOK[i] = median(fwd), true
			case len(back) > 0:
				s.offsets[i], s.localOK[i] = median(back), true
			}
			if s.pivot == 0 && s.localOK[i] {
				global[i] = append(global[i], sample{s.offsets[i], len(fwd) > 0 && len(back) > 0})
			}
		}
	}
	for j := 1; j < n; j++ {
		var two, one []time.Duration
		for _, x := range global[j] {
			if x.twoWay {
				two = append(two, x.off)
			} else {
				one = append(one, x.off)
			}
		}
		switch {
		case len(two) > 0:
			r.Offsets[j] = Offset{Offset: median(two), Samples: len(two)}
		case len(one) > 0:
			r.Offsets[j] = Offset{Offset: median(one), Samples: len(one), OneWay: true}
		}
	}
	// A point that shares no session with the first: through another
	// point that does.
	for j := 1; j < n; j++ {
		if r.Offsets[j].Samples > 0 {
			continue
		}
		var two []time.Duration
		for _, s := range r.Sessions {
			if p := s.pivot; p > 0 && p != j && s.localOK[j] && r.Offsets[p].Samples > 0 && s.posOK[j] {
				two = append(two, r.Offsets[p].Offset+s.offsets[j])
			}
		}
		if len(two) > 0 {
			r.Offsets[j] = Offset{Offset: median(two), Samples: len(two)}
		}
	}
	// Each session's offsets on the reference clock: its own where
	// measured, else the points'.
	for _, s := range r.Sessions {
		base := r.Offsets[s.pivot].Offset
		for i := range s.offsets {
			if i == s.pivot {
				s.offsets[i] = base
			} else if s.localOK[i] {
				s.offsets[i] += base
			} else {
				s.offsets[i] = r.Offsets[i].Offset
			}
		}
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// median is the middle value, the mean of the two middle ones for an
// even count.
func median(v []time.Duration) time.Duration {
	v = slices.Clone(v)
	slices.Sort(v)
	m := len(v) / 2
	if len(v)%2 == 0 {
		return v[m-1] + (v[m]-v[m-1])/2
	}
	return v[m]
}

// corrected is t on point 0's clock.
func (r *Report) corrected(point int, t time.Time) time.Time { return t.Add(-r.Offsets[point].Offset) }

// corrected is t, seen at point, on point 0's clock by the session's own
// offsets.
func (s *Session) corrected(point int, t time.Time) time.Time { return t.Add(-s.offsets[point]) }

// order lists the session's points from the client's side to the
// server's: by the session's own packets when every point that saw it
// measured its place (sessionTiming), else by when its SYN (or first
// line) passed them on one clock. Points that did not see it go last, in
// the order given.
func (r *Report) order(s *Session) []int {
	idx := make([]int, 0, len(s.Views))
	for i := range s.Views {
		idx = append(idx, i)
	}
	topo := true
	for i, v := range s.Views {
		if v != nil && !s.posOK[i] {
			topo = false
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		va, vb := s.Views[a], s.Views[b]
		switch {
		case va == nil && vb == nil:
			return 0
		case va == nil:
			return 1
		case vb == nil:
			return -1
		}
		if topo {
			return cmp.Compare(s.pos[a], s.pos[b])
		}
		ta, tb := va.SYN, vb.SYN
		if ta.IsZero() || tb.IsZero() {
			ta, tb = va.Start, vb.Start
		}
		return s.corrected(a, ta).Compare(s.corrected(b, tb))
	})
	return idx
}

// pairWindow is how far apart, on one clock, two points may see the same
// announcement when its port differs between them (a helper that had to
// pick another port).
const pairWindow = time.Second

// annEntry is one announcement while it is paired across points.
type annEntry struct {
	views []*Announcement
	via   ftp.Via
	port  uint16
	at    time.Time // on the reference clock, at the first point that saw it
	// answered: a data connection to it was seen at a point on its
	// receiver's side, so it arrived there.
	answered bool
}

// announcements pairs the session's announcements across points. The
// client-side point's list is the spine. Every other point's
// announcements join it in two passes: first, in order, the next entry
// of the same kind that names the same port (a NAT helper keeps the port
// unless another expectation holds it); then the ones left over join the
// nearest entry of the same kind still without a view of theirs, within
// pairWindow (a helper that had to pick another port). What fits nothing
// is an entry of its own. So an announcement lost on the way leaves a
// hole at the points past the loss instead of shifting every later
// pairing. The verdicts come later (judgeAnnouncements), once the data
// connections are attached.
func (r *Report) announcements(s *Session) {
	var list []*annEntry
	for _, i := range s.Order {
		v := s.Views[i]
		if v == nil {
			continue
		}
		n := len(list) // entries of the points before this one
		left := make([]int, 0, len(v.Announce))
		next := 0
		for k := range v.Announce {
			a := &v.Announce[k]
			matched := false
			for e := next; e < n; e++ {
				if o := list[e]; o.views[i] == nil && o.via == a.Via && o.port == a.Endpoint.Port() {
					o.views[i], next, matched = a, e+1, true
					break
				}
			}
			if !matched {
				left = append(left, k)
			}
		}
		for _, k := range left {
			a := &v.Announce[k]
			at := s.corrected(i, a.TS)
			best := -1
			for e := 0; e < n; e++ {
				o := list[e]
				if o.views[i] != nil || o.via != a.Via || absDur(o.at.Sub(at)) > pairWindow {
					continue
				}
				if best < 0 || absDur(o.at.Sub(at)) < absDur(list[best].at.Sub(at)) {
					best = e
				}
			}
			if best >= 0 {
				list[best].views[i] = a
				continue
			}
			e := &annEntry{views: make([]*Announcement, len(s.Views)), via: a.Via, port: a.Endpoint.Port(), at: at}
			e.views[i] = a
			list = append(list, e)
		}
	}
	slices.SortStableFunc(list, func(a, b *annEntry) int { return a.at.Compare(b.at) })
	for k, e := range list {
		s.Announcements = append(s.Announcements, AnnouncementPath{Index: k + 1, Views: e.views, entry: e})
	}
}

// judgeAnnouncements compares each announcement across the points. One
// that a point did not see is lost only when that point was capturing the
// connection then, could read it, and nothing further on (a point nearer
// its receiver, or the receiver's data connection to it) proves it passed.
func (r *Report) judgeAnnouncements(s *Session) {
	// The outermost points that saw the session (Order puts those that
	// did not last).
	clientSide, serverSide := s.Order[0], s.Order[0]
	for _, i := range s.Order {
		if s.Views[i] != nil {
			serverSide = i
		}
	}
	for k := range s.Announcements {
		a := &s.Announcements[k]
		e := a.entry
		var first *Announcement
		for _, i := range s.Order {
			w := e.views[i]
			if w == nil {
				continue
			}
			if first == nil {
				first = w
			} else if w.Endpoint != first.Endpoint {
				a.Rewritten = true
			}
		}
		// From its sender to its receiver: a 227 or 229 comes from the
		// server, a PORT or EPRT from the client.
		path := slices.Clone(s.Order)
		if first.Via.Passive() {
			slices.Reverse(path)
		}
		var lost, unseen []int // points it never reached; points that did not capture it
		var why []string
		lastSeen := -1
		for k, i := range path {
			if e.views[i] != nil {
				lastSeen = k
			}
		}
		for k, i := range path {
			v := s.Views[i]
			if v == nil || e.views[i] != nil {
				continue
			}
			at := e.at.Add(s.offsets[i]) // on point i's clock
			fromClient := !first.Via.Passive()
			switch {
			case at.Before(v.Start) || at.After(v.Last) || !r.Spans[i].Covers(at, 0):
				unseen = append(unseen, i)
				why = append(why, fmt.Sprintf("%s was not capturing the connection then", r.name(i)))
			case k < lastSeen || e.answered:
				unseen = append(unseen, i)
				why = append(why, fmt.Sprintf("%s did not capture it, though it passed there", r.name(i)))
			case v.Cut[dirIndex(fromClient)] > 0:
				unseen = append(unseen, i)
				why = append(why, fmt.Sprintf("%s could not read it: the snap length cut the segments there", r.name(i)))
			case v.Encrypted:
				unseen = append(unseen, i)
				why = append(why, fmt.Sprintf("%s could not read it: the connection was encrypted there", r.name(i)))
			default:
				lost = append(lost, i)
			}
		}
		want := netip.Addr{}
		if first.Via.Passive() {
			if v := s.Views[clientSide]; v != nil {
				want = v.Server.Addr()
			}
		} else if v := s.Views[serverSide]; v != nil {
			want = v.Client.Addr()
		}
		addr := first.Endpoint.Addr()
		a.Missing = len(lost) > 0 || len(unseen) > 0
		switch {
		case len(lost) > 0:
			a.Verdict = fmt.Sprintf("seen at %s only: it never reached %s (lost or dropped in between)", r.names(s.Order, func(i int) bool { return e.views[i] != nil }), r.names(lost, nil))
		case len(unseen) > 0:
			a.Verdict = "not seen at " + r.names(unseen, nil) + ", not a loss: " + strings.Join(why, "; ")
		case a.Rewritten:
			a.Verdict = "a box in between rewrote it: " + r.describeViews(s, a.Views)
		case addr.IsValid() && addr.IsPrivate() && want.IsValid() && addr != want:
			a.Untranslated = true
			if first.Via.Passive() {
				a.Verdict = fmt.Sprintf("every point saw the private address %s, but the client reaches the server at %s: the box in between left it untranslated", addr, want)
			} else {
				a.Verdict = fmt.Sprintf("every point saw the private address %s, but the server sees the client at %s: the box in between left it untranslated", addr, want)
			}
		}
		if len(lost) == 0 && a.Rewritten && len(unseen) > 0 {
			a.Verdict += "; a box in between rewrote it: " + r.describeViews(s, a.Views)
		}
	}
}

// name is a point's name as verdicts quote it. Names hold no control
// characters (the command line refuses them), so the quotes are all the
// marking they need; the output escapes the whole verdict once.
func (r *Report) name(i int) string { return `"` + r.Points[i] + `"` }

// names joins the names of the points in idx that keep says (all, when
// keep is nil) with "and".
func (r *Report) names(idx []int, keep func(int) bool) string {
	var out []string
	for _, i := range idx {
		if keep == nil || keep(i) {
			out = append(out, r.name(i))
		}
	}
	return strings.Join(out, " and ")
}

func (r *Report) describeViews(s *Session, views []*Announcement) string {
	out := ""
	for _, i := range s.Order {
		if views[i] == nil {
			continue
		}
		if out != "" {
			out += ", "
		}
		out += fmt.Sprintf("%s saw %s", r.name(i), endpointString(views[i].Endpoint))
	}
	return out
}

func endpointString(ap netip.AddrPort) string {
	if !ap.Addr().IsValid() {
		return fmt.Sprintf("port %d", ap.Port())
	}
	return ap.String()
}

// owner is the session (and announcement) a data connection seen at one
// point belongs to.
type owner struct {
	s       *Session
	ann     int // index into s.Announcements, -1 when matched otherwise
	passive bool
}

// attach gives each data connection to the session it belongs to, pairs
// its views across points and judges where it was lost. At each point a
// connection belongs to the session whose announcement it answers there:
// a 227 or 229 names its destination (or only its port: the control
// connection's server address, which clients that ignore the 227's
// address dial too), a PORT or EPRT the same; the latest such
// announcement before its SYN. Only where a point could not read the
// announcements (encrypted, cut by the snap length) does the control
// connection's client or server address decide. What matches no session
// (another connection of the same hosts) is left out.
func (r *Report) attach(cs []*Collector) {
	n := len(cs)
	r.indexAnnouncements()
	owners := make([]map[*Data]owner, n)
	byISN := make([]map[uint32][]*Data, n)    // by the SYN's ISN
	bySYNACK := make([]map[uint32][]*Data, n) // by the SYN-ACK's
	for i, c := range cs {
		owners[i] = map[*Data]owner{}
		byISN[i], bySYNACK[i] = map[uint32][]*Data{}, map[uint32][]*Data{}
		for _, d := range c.dataList {
			o, ok := r.ownerAt(i, d)
			if !ok {
				continue
			}
			owners[i][d] = o
			if d.HaveISN {
				byISN[i][d.ISN] = append(byISN[i][d.ISN], d)
			}
			if d.SYNACKs > 0 {
				bySYNACK[i][d.SYNACKISN] = append(bySYNACK[i][d.SYNACKISN], d)
			}
		}
	}
	// Pair the views: by the SYN's ISN or the SYN-ACK's (NAT keeps both),
	// within one session; then, for a firewall that randomises them,
	// views that answer the same announcement, nearest in time.
	var paths [][]*Data
	pathOwner := map[int]owner{}
	dused := map[*Data]bool{}
	for i, c := range cs {
		for _, d := range c.dataList {
			o, ok := owners[i][d]
			if !ok || dused[d] {
				continue
			}
			views := make([]*Data, n)
			views[i] = d
			dused[d] = true
			for j := i + 1; j < n; j++ {
				var cands []*Data
				if d.HaveISN {
					cands = append(cands, byISN[j][d.ISN]...)
				}
				if d.SYNACKs > 0 {
					cands = append(cands, bySYNACK[j][d.SYNACKISN]...)
				}
				for _, e := range cands {
					if dused[e] || owners[j][e].s != o.s || !sameConn(d, e) {
						continue
					}
					views[j] = e
					dused[e] = true
					break
				}
			}
			pathOwner[len(paths)] = o
			paths = append(paths, views)
		}
	}
	// Paths with a view at one point only that answer the same
	// announcement as a path missing that point's view: one connection
	// whose numbers a box changed.
	type annOf struct {
		s   *Session
		ann int
	}
	groups := map[annOf][]int{}
	for k := range paths {
		if o := pathOwner[k]; o.ann >= 0 {
			groups[annOf{o.s, o.ann}] = append(groups[annOf{o.s, o.ann}], k)
		}
	}
	for g, ks := range groups {
		for x, a := range ks {
			for _, b := range ks[x+1:] {
				if !anyView(paths[b]) || !disjoint(paths[a], paths[b]) {
					continue
				}
				if absDur(r.startRef(g.s, paths[a]).Sub(r.startRef(g.s, paths[b]))) > 10*time.Second {
					continue
				}
				for k, v := range paths[b] {
					if v != nil {
						paths[a][k] = v
					}
				}
				paths[b] = make([]*Data, n)
			}
		}
	}
	for k, views := range paths {
		if !anyView(views) {
			continue
		}
		o := pathOwner[k]
		s := o.s
		p := &Path{Views: views, Passive: o.passive, After: -1, Before: -1}
		if o.ann >= 0 {
			p.Announcement = s.Announcements[o.ann].Index
			e := s.Announcements[o.ann].entry
			// The receiver of the announcement made the connection: it
			// arrived.
			e.answered = true
		}
		p.Order = slices.Clone(s.Order)
		if !p.Passive {
			slices.Reverse(p.Order)
		}
		r.judge(s, p)
		s.Data = append(s.Data, p)
	}
}

func anyView(v []*Data) bool {
	for _, d := range v {
		if d != nil {
			return true
		}
	}
	return false
}

func disjoint(a, b []*Data) bool {
	for k := range a {
		if a[k] != nil && b[k] != nil {
			return false
		}
	}
	return true
}

// sameConn: two points' views of one data connection, by the SYN's ISN
// or the SYN-ACK's.
func sameConn(d, e *Data) bool {
	if d.HaveISN && e.HaveISN {
		if d.ISN != e.ISN {
			return false
		}
		if d.SYNACKs > 0 && e.SYNACKs > 0 {
			return d.SYNACKISN == e.SYNACKISN
		}
		return true
	}
	return d.SYNACKs > 0 && e.SYNACKs > 0 && d.SYNACKISN == e.SYNACKISN
}

// startRef is when the first point that saw a path saw it, on the
// reference clock.
func (r *Report) startRef(s *Session, views []*Data) time.Time {
	var t time.Time
	for i, d := range views {
		if d == nil {
			continue
		}
		if c := s.corrected(i, d.Start()); t.IsZero() || c.Before(t) {
			t = c
		}
	}
	return t
}

// ownerAt finds the session a data connection seen at point i answers.
func (r *Report) ownerAt(i int, d *Data) (owner, bool) {
	var best owner
	var bestAt time.Time
	found := false
	start := d.Start()
	for _, ref := range r.annIndex[annKey{i, d.Dst.Port()}] {
		s, k := ref.s, ref.ann
		c, an := s.Views[i], s.Announcements[k].Views[i]
		if an.TS.After(start) || !answers(c, an, d) {
			continue
		}
		if !found || an.TS.After(bestAt) {
			best, bestAt, found = owner{s: s, ann: k, passive: an.Via.Passive()}, an.TS, true
		}
	}
	if found {
		return best, true
	}
	// Where the announcements could not be read: by address.
	for _, s := range r.unreadable[i] {
		c := s.Views[i]
		if c.Start.After(start) {
			continue
		}
		passive := d.Src.Addr() == c.Client.Addr() && d.Dst.Addr() == c.Server.Addr()
		if !passive && d.Src.Addr() != c.Server.Addr() {
			continue
		}
		if !found || c.Start.After(bestAt) {
			best, bestAt, found = owner{s: s, ann: -1, passive: passive}, c.Start, true
		}
	}
	return best, found
}

// annKey finds the announcements one point saw naming one port.
type annKey struct {
	point int
	port  uint16
}

type annRef struct {
	s   *Session
	ann int
}

// indexAnnouncements indexes every session's announcements by point and
// port, for ownerAt.
func (r *Report) indexAnnouncements() {
	r.annIndex = map[annKey][]annRef{}
	r.unreadable = make([][]*Session, len(r.Points))
	for _, s := range r.Sessions {
		for i, c := range s.Views {
			if c != nil && (c.Encrypted || c.Cut != [2]int{}) {
				r.unreadable[i] = append(r.unreadable[i], s)
			}
		}
		for k, a := range s.Announcements {
			for i, an := range a.Views {
				if an != nil && s.Views[i] != nil {
					key := annKey{i, an.Endpoint.Port()}
					r.annIndex[key] = append(r.annIndex[key], annRef{s, k})
				}
			}
		}
	}
}

// answers says whether d, seen at the point where c and an were seen,
// goes to the endpoint an announced: its port, and its address or (for
// clients and servers that dial the control connection's peer whatever
// the text says, and for EPSV and EPRT without an address) the control
// connection's peer.
func answers(c *Control, an *Announcement, d *Data) bool {
	if d.Dst.Port() != an.Endpoint.Port() {
		return false
	}
	if an.Via.Passive() {
		return d.Dst.Addr() == an.Endpoint.Addr() || d.Dst.Addr() == c.Server.Addr() && d.Src.Addr() == c.Client.Addr()
	}
	return d.Dst.Addr() == an.Endpoint.Addr() || d.Dst.Addr() == c.Client.Addr() && d.Src.Addr() == c.Server.Addr()
}

// coverAfter is how long a point must have gone on capturing after an
// event for its silence to count: the transit time across a network
// with room to spare, less than TCP's first SYN retransmission (1 s).
const coverAfter = time.Second

// judge places the loss along the path, from the SYN's sender on. A point
// that saw nothing is a loss only when it was capturing then and nothing
// further on proves the connection passed it.
func (r *Report) judge(s *Session, p *Path) {
	order := p.Order
	views := p.Views
	lastK, firstK := -1, -1
	for k, i := range order {
		if views[i] != nil {
			lastK = k
			if firstK < 0 {
				firstK = k
			}
		}
	}
	if lastK < 0 {
		p.Where, p.Verdict = NotSeen, "no point saw its SYN"
		return
	}
	// When the SYN first passed a point, on the reference clock.
	t0 := r.startRef(s, views)
	local := func(i int, t time.Time) time.Time { return t.Add(s.offsets[i]) }
	capturing := func(i int, t time.Time) bool {
		v := r.Spans[i]
		at := local(i, t)
		return v.Packets > 0 && !at.Before(v.First) && !at.Add(coverAfter).After(v.Last)
	}
	spanNote := func(i int, t time.Time) string {
		v := r.Spans[i]
		at := local(i, t)
		switch {
		case v.Packets == 0:
			return "it captured nothing"
		case at.Before(v.First):
			return fmt.Sprintf("its capture started %.3f s later", v.First.Sub(at).Seconds())
		case at.After(v.Last):
			return fmt.Sprintf("its capture had ended %.3f s before", at.Sub(v.Last).Seconds())
		}
		return fmt.Sprintf("its capture ended %.3f s after, too soon to tell", v.Last.Sub(at).Seconds())
	}
	answered, saK := false, -1 // a SYN-ACK seen; the point nearest the sender that saw it
	for k, i := range order {
		if v := views[i]; v != nil && (v.SYNACKs > 0 || v.Bytes > 0) {
			answered = true
			if saK < 0 {
				saK = k
			}
		}
	}
	// Points before the furthest sighting that lack part of it: frames
	// missing there, not lost.
	furthest := lastK
	if answered {
		furthest = len(order) - 1 // the SYN reached the receiver
	}
	for k := 0; k <= furthest; k++ {
		i := order[k]
		v := views[i]
		switch {
		case v == nil && !capturing(i, t0):
			p.Gaps = append(p.Gaps, fmt.Sprintf("%s was not capturing then: %s", r.name(i), spanNote(i, t0)))
		case v == nil && (k > firstK || answered):
			p.Gaps = append(p.Gaps, fmt.Sprintf("%s did not capture it, though it passed there", r.name(i)))
		case v != nil && v.SYNs == 0:
			p.Gaps = append(p.Gaps, fmt.Sprintf("%s did not capture the SYN, though it passed there", r.name(i)))
		}
	}
	recv := views[order[lastK]]
	if !answered {
		if lastK < len(order)-1 {
			next := order[lastK+1]
			// A point capturing while any of the SYNs passed, and that
			// saw none of them, proves a loss: the first may predate its
			// capture while the retransmissions fall inside it.
			tLast := t0
			for k := firstK; k <= lastK; k++ {
				if v := views[order[k]]; v != nil && !v.LastSYN.IsZero() {
					if c := s.corrected(order[k], v.LastSYN); c.After(tLast) {
						tLast = c
					}
				}
			}
			switch {
			case capturing(next, t0):
			case capturing(next, tLast):
				p.Gaps = append(p.Gaps, fmt.Sprintf("%s was not capturing at the first SYN (%s); it was at the last", r.name(next), spanNote(next, t0)))
			default:
				p.Where = NotCaptured
				p.Verdict = fmt.Sprintf("the SYN passed %s; %s was not capturing then (%s): nothing is known past %s", r.name(order[lastK]), r.name(next), spanNote(next, t0), r.name(order[lastK]))
				return
			}
			p.Where, p.After, p.Before = LostSYN, order[lastK], next
			p.Verdict = fmt.Sprintf("the SYN passed %s and never reached %s: dropped in between", r.name(order[lastK]), r.name(next))
			r.inBetween(p, firstK, lastK)
			return
		}
		if !recv.RST.IsZero() && recv.RSTFromDst {
			p.Where, p.Verdict = RSTFromReceiver, fmt.Sprintf("the receiver %s refused it (RST seen at %s)", recv.Dst.Addr(), r.name(order[lastK]))
			return
		}
		if r.inBetween(p, firstK, lastK) {
			return
		}
		if !capturing(order[lastK], s.corrected(order[lastK], recv.LastSYN)) {
			p.Where = NotCaptured
			p.Verdict = fmt.Sprintf("the SYN reached %s, the point nearest the receiver; its capture ended before an answer could be seen", r.name(order[lastK]))
			return
		}
		p.Where, p.Verdict = NoAnswer, fmt.Sprintf("the SYN reached %s, the point nearest the receiver; no answer came back", r.name(order[lastK]))
		return
	}
	if saK == 0 {
		p.Where, p.Verdict = Delivered, "the handshake passed every point"
		if len(p.Gaps) > 0 {
			p.Verdict = "the handshake passed every point that captured it"
		}
		return
	}
	// The SYN-ACK reached order[saK] on its way back and no point nearer
	// the sender saw it: lost between saK and the next point toward the
	// sender that was capturing and saw the SYN.
	sa := views[order[saK]]
	tSA := t0
	switch {
	case !sa.SYNACK.IsZero():
		tSA = s.corrected(order[saK], sa.SYNACK)
	case !sa.Last.IsZero():
		tSA = s.corrected(order[saK], sa.Last)
	}
	for k := saK - 1; k >= 0; k-- {
		i := order[k]
		if !capturing(i, tSA) {
			p.Where = NotCaptured
			p.Verdict = fmt.Sprintf("the receiver %s answered it (seen at %s), but %s was not capturing then (%s): nothing is known past %s",
				sa.Dst.Addr(), r.name(order[saK]), r.name(i), spanNote(i, tSA), r.name(order[saK]))
			return
		}
		if views[i] == nil {
			continue // a capture gap (noted): look further toward the sender
		}
		p.Where, p.After, p.Before = LostSYNACK, order[saK], i
		p.Verdict = fmt.Sprintf("the SYN reached %s and the receiver %s answered it (%d SYN-ACK%s), but the SYN-ACK passed %s and never reached %s: dropped in between",
			r.name(order[lastK]), recv.Dst, max(sa.SYNACKs, recv.SYNACKs), plural(max(sa.SYNACKs, recv.SYNACKs)), r.name(order[saK]), r.name(i))
		return
	}
	p.Where, p.Verdict = Delivered, "the handshake passed every point that captured it"
}

// inBetween looks, at the points from the sender's side up to upTo, for
// a RST or ICMP error that the receiver's side never saw: it came from a
// box in between.
func (r *Report) inBetween(p *Path, from, upTo int) bool {
	recv := p.Views[p.Order[upTo]]
	for k := from; k <= upTo; k++ {
		i := p.Order[k]
		v := p.Views[i]
		if v == nil {
			continue
		}
		recvRefused := !recv.RST.IsZero() && recv.RSTFromDst
		if !v.RST.IsZero() && (!v.RSTFromDst || k < upTo && !recvRefused) {
			p.Where, p.Verdict = RSTInBetween, fmt.Sprintf("a reset from %s reached %s, but the receiver's side never sent one: it came from a box in between", v.RSTFrom, r.name(i))
			return true
		}
		if !v.ICMP.IsZero() && v.ICMPFrom != recv.Dst.Addr() {
			p.Where, p.Verdict = ICMPInBetween, fmt.Sprintf("an ICMP error (type %d code %d) from %s reached %s: a box in between refused the SYN", v.ICMPType, v.ICMPCode, v.ICMPFrom, r.name(i))
			return true
		}
	}
	return false
}
