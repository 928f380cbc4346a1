package vantage

import (
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
}

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
)

var whereNames = [...]string{"delivered", "syn-lost", "no-answer", "syn-ack-lost", "rst-in-between", "rst-from-receiver", "icmp-in-between", "not-seen"}

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
	r := &Report{Offsets: make([]Offset, n), Unpaired: make([]int, n), Limits: make([]Limits, n)}
	for i, c := range cs {
		r.Points = append(r.Points, c.Name)
		r.Limits[i] = c.limits
	}
	// Control connections by their client ISN (and server ISN when both
	// were seen).
	byISN := make([]map[uint32][]*Control, n)
	for i, c := range cs {
		byISN[i] = map[uint32][]*Control{}
		for _, x := range c.ctlList {
			if !x.HaveISN[0] {
				r.Unpaired[i]++
				continue
			}
			byISN[i][x.ISN[0]] = append(byISN[i][x.ISN[0]], x)
		}
	}
	used := map[*Control]bool{}
	for i, c := range cs {
		for _, x := range c.ctlList {
			if !x.HaveISN[0] || used[x] {
				continue
			}
			views := make([]*Control, n)
			views[i] = x
			used[x] = true
			found := 1
			for j := i + 1; j < n; j++ {
				for _, y := range byISN[j][x.ISN[0]] {
					if used[y] || (x.HaveISN[1] && y.HaveISN[1] && x.ISN[1] != y.ISN[1]) || absDur(y.SYN.Sub(x.SYN)) > 24*time.Hour {
						continue
					}
					views[j] = y
					used[y] = true
					found++
					break
				}
			}
			if found < 2 {
				r.Unpaired[i]++
				continue
			}
			r.Sessions = append(r.Sessions, &Session{ID: len(r.Sessions) + 1, Views: views})
		}
	}
	// Data connections by the SYN's ISN.
	dataISN := make([]map[uint32][]*Data, n)
	for i, c := range cs {
		dataISN[i] = map[uint32][]*Data{}
		for _, d := range c.dataList {
			dataISN[i][d.ISN] = append(dataISN[i][d.ISN], d)
		}
	}
	var paths [][]*Data
	dused := map[*Data]bool{}
	for i, c := range cs {
		for _, d := range c.dataList {
			if dused[d] {
				continue
			}
			views := make([]*Data, n)
			views[i] = d
			dused[d] = true
			for j := i + 1; j < n; j++ {
				for _, e := range dataISN[j][d.ISN] {
					if !dused[e] && absDur(e.FirstSYN.Sub(d.FirstSYN)) < 24*time.Hour {
						views[j] = e
						dused[e] = true
						break
					}
				}
			}
			paths = append(paths, views)
		}
	}
	r.estimateOffsets(paths)
	for _, s := range r.Sessions {
		s.Order = r.order(s.Views)
		r.announcements(s)
	}
	r.attach(paths)
	return r, nil
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

// estimateOffsets takes the median of the NTP-style estimates of every
// pair (point 0, point j) of SYN and SYN-ACK times.
func (r *Report) estimateOffsets(paths [][]*Data) {
	for j := 1; j < len(r.Points); j++ {
		var two, one []time.Duration
		add := func(synA, synB, saA, saB time.Time) {
			if synA.IsZero() || synB.IsZero() {
				return
			}
			if saA.IsZero() || saB.IsZero() {
				one = append(one, synB.Sub(synA))
				return
			}
			two = append(two, (synB.Sub(synA)-saA.Sub(saB))/2)
		}
		for _, s := range r.Sessions {
			if a, b := s.Views[0], s.Views[j]; a != nil && b != nil {
				add(a.SYN, b.SYN, a.SYNACK, b.SYNACK)
			}
		}
		for _, v := range paths {
			if a, b := v[0], v[j]; a != nil && b != nil {
				add(a.FirstSYN, b.FirstSYN, a.SYNACK, b.SYNACK)
			}
		}
		switch {
		case len(two) > 0:
			r.Offsets[j] = Offset{Offset: median(two), Samples: len(two)}
		case len(one) > 0:
			r.Offsets[j] = Offset{Offset: median(one), Samples: len(one), OneWay: true}
		}
	}
}

func median(v []time.Duration) time.Duration {
	slices.Sort(v)
	return v[len(v)/2]
}

// corrected is t on point 0's clock.
func (r *Report) corrected(point int, t time.Time) time.Time { return t.Add(-r.Offsets[point].Offset) }

// order sorts the points that saw a connection by when its SYN passed
// them, on one clock: the first is nearest the SYN's sender. Points that
// saw no SYN go last, in the order given.
func (r *Report) order(views []*Control) []int {
	idx := make([]int, 0, len(views))
	for i := range views {
		idx = append(idx, i)
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ta, tb := time.Time{}, time.Time{}
		if views[a] != nil {
			ta = r.corrected(a, views[a].SYN)
		}
		if views[b] != nil {
			tb = r.corrected(b, views[b].SYN)
		}
		switch {
		case ta.IsZero() && tb.IsZero():
			return 0
		case ta.IsZero():
			return 1
		case tb.IsZero():
			return -1
		}
		return ta.Compare(tb)
	})
	return idx
}

// pairWindow is how far apart, on one clock, two points may see the same
// announcement when its port differs between them (a helper that had to
// pick another port).
const pairWindow = time.Second

// announcements pairs the session's announcements across points and
// compares them. The client-side point's list is the spine. Every other
// point's announcements join it in two passes: first, in order, the next
// entry of the same kind that names the same port (a NAT helper keeps the
// port unless another expectation holds it); then the ones left over join
// the nearest entry of the same kind still without a view of theirs,
// within pairWindow (a helper that had to pick another port). What fits
// nothing is an entry of its own. So an announcement lost on the way
// leaves a hole at the points past the loss instead of shifting every
// later pairing.
func (r *Report) announcements(s *Session) {
	type entry struct {
		views []*Announcement
		via   ftp.Via
		port  uint16
		at    time.Time // on the reference clock, at the first point that saw it
	}
	var list []*entry
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
			at := r.corrected(i, a.TS)
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
			e := &entry{views: make([]*Announcement, len(s.Views)), via: a.Via, port: a.Endpoint.Port(), at: at}
			e.views[i] = a
			list = append(list, e)
		}
	}
	slices.SortStableFunc(list, func(a, b *entry) int { return a.at.Compare(b.at) })
	// The outermost points that saw the session (Order puts those that
	// did not last).
	clientSide, serverSide := s.Order[0], s.Order[0]
	for _, i := range s.Order {
		if s.Views[i] != nil {
			serverSide = i
		}
	}
	for k, e := range list {
		a := AnnouncementPath{Index: k + 1, Views: e.views}
		var first *Announcement
		missing := false
		for _, i := range s.Order {
			w := e.views[i]
			if w == nil {
				missing = missing || s.Views[i] != nil
				continue
			}
			if first == nil {
				first = w
			} else if w.Endpoint != first.Endpoint {
				a.Rewritten = true
			}
		}
		// Where the announcement should appear translated: a 227 names
		// the server as the client should reach it, a PORT the client as
		// the server sees it.
		want := netip.Addr{}
		if first.Via.Passive() {
			if v := s.Views[clientSide]; v != nil {
				want = v.Server.Addr()
			}
		} else if v := s.Views[serverSide]; v != nil {
			want = v.Client.Addr()
		}
		sender := serverSide // a 227 or 229 comes from the server
		if !first.Via.Passive() {
			sender = clientSide
		}
		addr := first.Endpoint.Addr()
		switch {
		case missing && e.views[sender] == nil:
			a.Missing = true
			a.Verdict = fmt.Sprintf("not seen at #%d (the sender's side), though %s saw it: that capture missed it", sender, s.pointList(e.views, true))
		case missing:
			a.Missing = true
			a.Verdict = fmt.Sprintf("seen at %s only: it never reached %s (lost or dropped in between)", s.pointList(e.views, true), s.pointList(e.views, false))
		case a.Rewritten:
			a.Verdict = "a box in between rewrote it: " + s.describeViews(a.Views)
		case addr.IsValid() && addr.IsPrivate() && want.IsValid() && addr != want:
			a.Untranslated = true
			if first.Via.Passive() {
				a.Verdict = fmt.Sprintf("every point saw the private address %s, but the client reaches the server at %s: the box in between left it untranslated", addr, want)
			} else {
				a.Verdict = fmt.Sprintf("every point saw the private address %s, but the server sees the client at %s: the box in between left it untranslated", addr, want)
			}
		}
		s.Announcements = append(s.Announcements, a)
	}
}

// pointList names, as "#N" references joined by "and", the points of the
// session that saw (seen) or did not see an announcement. The caller puts
// a space after it, which the references need (see pointNames in the CLI).
func (s *Session) pointList(views []*Announcement, seen bool) string {
	var out []string
	for _, i := range s.Order {
		if s.Views[i] == nil || (views[i] != nil) != seen {
			continue
		}
		out = append(out, fmt.Sprintf("#%d", i))
	}
	return strings.Join(out, " and ")
}

func (s *Session) describeViews(views []*Announcement) string {
	out := ""
	for _, i := range s.Order {
		if views[i] == nil {
			continue
		}
		if out != "" {
			out += ", "
		}
		out += fmt.Sprintf("#%d saw %s", i, endpointString(views[i].Endpoint))
	}
	return out
}

func endpointString(ap netip.AddrPort) string {
	if !ap.Addr().IsValid() {
		return fmt.Sprintf("port %d", ap.Port())
	}
	return ap.String()
}

// attach gives each data connection to the session it belongs to and
// judges where it was lost.
func (r *Report) attach(paths [][]*Data) {
	for _, views := range paths {
		s, passive := r.sessionOf(views)
		if s == nil {
			continue
		}
		p := &Path{Views: views, Passive: passive, After: -1, Before: -1}
		// From the SYN's sender to its receiver.
		p.Order = slices.Clone(s.Order)
		if !passive {
			slices.Reverse(p.Order)
		}
		r.judge(p)
		s.Data = append(s.Data, p)
	}
}

// sessionOf finds the paired session a data connection belongs to: at
// some point, its SYN comes from the control connection's client
// (passive) or server (active), and the session started before it.
func (r *Report) sessionOf(views []*Data) (*Session, bool) {
	var best *Session
	bestPassive := false
	var bestStart time.Time
	for _, s := range r.Sessions {
		for i, d := range views {
			c := s.Views[i]
			if d == nil || c == nil || c.Start.After(d.FirstSYN) {
				continue
			}
			passive := d.Src.Addr() == c.Client.Addr()
			if !passive && d.Src.Addr() != c.Server.Addr() {
				continue
			}
			if best == nil || c.Start.After(bestStart) {
				best, bestPassive, bestStart = s, passive, c.Start
			}
		}
	}
	return best, bestPassive
}

// judge places the loss along the path, from the SYN's sender on.
func (r *Report) judge(p *Path) {
	name := func(i int) string { return fmt.Sprintf("%q", r.Points[i]) }
	last := -1 // the last point along the path that saw the SYN
	for k, i := range p.Order {
		if p.Views[i] != nil {
			last = k
		}
	}
	if last < 0 {
		p.Where, p.Verdict = NotSeen, "no point saw its SYN"
		return
	}
	firstK := -1
	for k, i := range p.Order {
		if p.Views[i] != nil {
			firstK = k
			break
		}
	}
	recv := p.Views[p.Order[last]]
	// A point between the first and last that missed the SYN means the
	// SYN went another way; the first hole after the first sighting is
	// where it was lost.
	for k := firstK + 1; k < len(p.Order); k++ {
		if p.Views[p.Order[k]] == nil {
			p.Where, p.After, p.Before = LostSYN, p.Order[k-1], p.Order[k]
			p.Verdict = fmt.Sprintf("the SYN passed %s and never reached %s: dropped in between", name(p.Order[k-1]), name(p.Order[k]))
			r.inBetween(p, firstK, k-1)
			return
		}
	}
	if recv.SYNACKs > 0 {
		for k := last - 1; k >= firstK; k-- {
			if v := p.Views[p.Order[k]]; v.SYNACKs == 0 {
				p.Where, p.After, p.Before = LostSYNACK, p.Order[k+1], p.Order[k]
				p.Verdict = fmt.Sprintf("the SYN reached %s and the receiver %s answered it (%d SYN-ACK%s), but the SYN-ACK passed %s and never reached %s: dropped in between",
					name(p.Order[last]), recv.Dst, recv.SYNACKs, plural(recv.SYNACKs), name(p.Order[k+1]), name(p.Order[k]))
				return
			}
		}
		p.Where, p.Verdict = Delivered, "the handshake passed every point"
		return
	}
	if !recv.RST.IsZero() && recv.RSTFromDst {
		p.Where, p.Verdict = RSTFromReceiver, fmt.Sprintf("the receiver %s refused it (RST seen at %s)", recv.Dst.Addr(), name(p.Order[last]))
		return
	}
	if r.inBetween(p, firstK, last) {
		return
	}
	p.Where, p.Verdict = NoAnswer, fmt.Sprintf("the SYN reached %s, the point nearest the receiver; no answer came back", name(p.Order[last]))
}

// inBetween looks, at the points from the sender's side up to upTo, for
// a RST or ICMP error that the receiver's side never saw: it came from a
// box in between.
func (r *Report) inBetween(p *Path, from, upTo int) bool {
	recv := p.Views[p.Order[upTo]]
	for k := from; k <= upTo; k++ {
		i := p.Order[k]
		v := p.Views[i]
		recvRefused := !recv.RST.IsZero() && recv.RSTFromDst
		if !v.RST.IsZero() && (!v.RSTFromDst || k < upTo && !recvRefused) {
			p.Where, p.Verdict = RSTInBetween, fmt.Sprintf("a reset from %s reached %q, but the receiver's side never sent one: it came from a box in between", v.RSTFrom, r.Points[i])
			return true
		}
		if !v.ICMP.IsZero() && v.ICMPFrom != recv.Dst.Addr() {
			p.Where, p.Verdict = ICMPInBetween, fmt.Sprintf("an ICMP error (type %d code %d) from %s reached %q: a box in between refused the SYN", v.ICMPType, v.ICMPCode, v.ICMPFrom, r.Points[i])
			return true
		}
	}
	return false
}
