package vantage

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
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
	// foldedData: a view standing for a connection a point held twice
	// (foldTwins), and the two copies, the one whose addresses it has
	// first.
	foldedData map[*Data][2]*Data
	// missIndex: the announcements a point that saw the session did not
	// capture, by point and the port another point saw them name.
	missIndex map[annKey][]annMiss
	// unreadable: per point, the sessions whose announcements it could
	// not read (encrypted, cut by the snap length).
	unreadable [][]*Session

	// PayloadSkipped counts the pairs of points whose unpaired control
	// connections and sessions were, in some round, too many to compare
	// by their lines alone (over MaxPayloadCompares comparisons): only
	// the pairs the server's ISN confirms were made there then.
	PayloadSkipped int
	skippedPairs   map[[2]int]bool
	// Ambiguous counts, per pair of points, control connections left
	// unpaired because two or more connections at the other point matched
	// them equally well (the same lines, nothing else telling them
	// apart): unpaired rather than guessed.
	Ambiguous int
	// Refused counts, per point, control connections of Unpaired that
	// had a candidate at another point with the same lines which its
	// own evidence refused (payloadCand.contradicted: another session's
	// markers, or clocks too far apart for lines alone): seen there,
	// perhaps, but not taken for the same session.
	Refused []int
	// refused: the connections of Refused, while pairing.
	refused map[*Control]bool
	// UnpairedCapturing counts, per point, the control connections of
	// Unpaired that every other point was capturing throughout: not seen
	// there (lost or blocked in between, or another path), or not
	// recognised.
	UnpairedCapturing []int
	// Twins counts, per point, control connections left unpaired that
	// are the second copy of a paired one at the same point: the same
	// handshake (both initial sequence numbers) under other addresses,
	// a point that captured both sides of a NAT (tcpdump -i any on the
	// router). The paired copy stands for both; not in Unpaired.
	Twins []int
	// Identical lists pairs of points whose captures hold the same
	// packets at the same times (the same capture given twice under two
	// names, or a copy): nothing orders them.
	Identical [][2]int

	// res is each point's timestamp resolution (Collector.Resolution).
	res []time.Duration
	// unowned: per point, the data connections no session's
	// announcement there claims (ownerAt), for judge's notes.
	unowned [][]*Data
	// dataAt: per point, it holds a data connection of some session,
	// [0] an active one, [1] a passive one. One that holds none made as
	// a connection was (a capture filtered to the control port, 'port
	// ftp or ftp-data' keeping port 20's only, or every one stopped
	// before it) shows nothing of whether its SYN passed there.
	dataAt [][2]bool
	// otherPorts: per point, it holds what a capture filter keeping only
	// FTP's own ports (the control port, 20) would have dropped: a packet
	// not TCP, a connection on other ports, or an ICMP error. Its capture
	// keeps data connections of either mode, though it holds none.
	otherPorts []bool

	// Batches counts the Stream batches a Combine sum holds (0: one Merge).
	Batches int
	// batchOffsets: per point, each batch's offset (Combine).
	batchOffsets [][]Offset
}

// maxPayloadPairs bounds the comparisons by lines alone of payload
// pairing between two points (MaxPayloadCompares): every view at one
// times every one at the other when nothing measures their clock offset,
// else those whose times lie within payloadWindow of it. Each compares up
// to 64 lines with 64.
const maxPayloadPairs = 1 << 18

// MaxPayloadCompares is maxPayloadPairs, for what is said when it is hit
// (PayloadSkipped).
const MaxPayloadCompares = maxPayloadPairs

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
	// ISNGroups lists the sets of points whose views were paired by their
	// initial sequence numbers. In a session paired by its commands and
	// replies too (PairedBy "payload"), those joined the groups (halves
	// either side of a box that randomises the numbers, two or more
	// points each side) and the points in none; nil when lines paired
	// every view.
	ISNGroups [][]int
	// OrderKnown: the points that saw the session are ordered along the
	// path (by OrderedBy); when not, Order lists them as given and no
	// verdict places a loss between them.
	OrderKnown bool
	// OrderedBy says what ordered the points: "timing" (the session's own
	// packets' transit times), "clocks" (the points' clock offsets),
	// "addresses" (which side of a NAT saw the private address), "data"
	// (which point saw the SYN-ACKs or the retransmitted SYNs of its data
	// connections), "" (a single point, or unknown).
	OrderedBy string
	// ControlLost counts the session's commands and replies that did not
	// get where they were going (judgeControl); ControlLosses holds the
	// first maxControlLosses of them.
	ControlLost   int
	ControlLosses []ControlLoss

	// The session's own clock offsets per point (on the reference clock)
	// and each point's place along the path (sessionTiming).
	pivot   int
	offsets []time.Duration
	localOK []bool
	pos     []time.Duration
	posOK   []bool
	// posSure: pos is larger than what the timestamps' resolution could
	// make of a tie.
	posSure []bool
	// clockOK: the point's offset in offsets is known (clockKnown).
	clockOK []bool
	// votes[a][b]: packets that put a nearer the client than b (addresses
	// and data connections).
	votes    [][]int
	addrVote [][]int
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
	// OrderUnknown: the points saw it differently but their order along
	// the path is unknown (neither their clocks nor the packets order
	// them), so where it was lost is not said.
	OrderUnknown
	// LostData: the handshake passed every point, but payload that
	// passed one point, its sender resending it unacknowledged, never
	// reached the next while that one was capturing (Path.Lost).
	LostData
)

var whereNames = [...]string{"delivered", "syn-lost", "no-answer", "syn-ack-lost", "rst-in-between", "rst-from-receiver", "icmp-in-between", "not-seen", "not-captured", "order-unknown", "data-lost"}

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
	// Ambiguous lists the IDs of other sessions whose announcements the
	// connection answers as well as its own's at some point: which one
	// it belongs to is not known.
	Ambiguous []int
	// Lost: the payload lost between After and Before (Where LostData).
	Lost *DataLoss
}

// DataLoss is payload that passed one point (Path.After) and never
// reached the next (Path.Before). Offsets count from the sender's first
// byte.
type DataLoss struct {
	// FromReceiver: the SYN's receiver sent it (a passive download, an
	// active upload).
	FromReceiver bool
	Sender       netip.AddrPort // as Path.After saw it
	// Sent: the offset past the highest byte seen at After (Bytes, its
	// bytes each counted once); Reached: at Before.
	Sent, Reached int64
	Bytes         int64
	// Acked: the highest offset the receiver acknowledged, at any point.
	Acked int64
	// Resent: the sender's retransmissions seen at After, since the
	// acknowledged offset last moved (ResentFrom), of bytes never
	// acknowledged.
	Resent     int
	ResentFrom int64
}

// Merge pairs the points' records. names and cs are in the order given.
func Merge(cs []*Collector) (*Report, error) { return merge(cs, 0) }

// merge is Merge numbering the sessions from base+1 (Stream's batches
// continue the numbers of the ones before).
func merge(cs []*Collector, base int) (*Report, error) {
	if len(cs) < 2 {
		return nil, ErrPoints
	}
	r, used := pair(cs)
	for k, s := range r.Sessions {
		s.ID = base + k + 1
	}
	r.sessionTiming()
	for i, c := range cs {
		for _, x := range c.ctlList {
			if !used[x] && twinAt(c.ctlList, x, used) {
				r.Twins[i]++
				continue
			}
			if !used[x] {
				r.Unpaired[i]++
				if r.othersCapturing(i, x) {
					r.UnpairedCapturing[i]++
				}
				if r.refused[x] {
					r.Refused[i]++
				}
			}
		}
	}
	r.identical(cs)
	for _, s := range r.Sessions {
		r.addressVotes(s)
		r.orderSession(s)
		r.announcements(s)
	}
	r.attach(cs)
	for _, s := range r.Sessions {
		r.judgeAnnouncements(s)
		r.dialledUntranslated(s)
		r.judgeControl(s)
	}
	return r, nil
}

// pair starts a Report of cs and pairs their control connections (by
// ISN, then by payload); used holds the paired ones. It changes nothing
// of cs.
func pair(cs []*Collector) (*Report, map[*Control]bool) {
	n := len(cs)
	r := &Report{Offsets: make([]Offset, n), Unpaired: make([]int, n), UnpairedCapturing: make([]int, n), Twins: make([]int, n), Limits: make([]Limits, n),
		Spans: make([]Span, n), res: make([]time.Duration, n), Refused: make([]int, n), refused: map[*Control]bool{}, skippedPairs: map[[2]int]bool{}}
	for i, c := range cs {
		r.Points = append(r.Points, c.Name)
		r.Limits[i] = c.limits
		r.Spans[i] = c.Span()
		r.res[i] = c.res
	}
	used := map[*Control]bool{}
	r.pairByISN(cs, used)
	r.pairByPayload(cs, used)
	return r, used
}

// measureOffsets is the clock offsets Merge would find in cs, without
// merging: what a Stream reads the points by before its first batch.
func measureOffsets(cs []*Collector) []Offset {
	r, _ := pair(cs)
	r.sessionTiming()
	return r.Offsets
}

// dialledUntranslated adds to the verdict of a failed data connection
// sent to the private address its announcement named untranslated that
// this address, not a firewall in between, is what to fix: "dropped in
// between" alone sends the admin to the router's rules, while the
// client's own side of the session says the announced address does not
// lead to the server.
func (r *Report) dialledUntranslated(s *Session) {
	for _, p := range s.Data {
		switch p.Where {
		case LostSYN, NoAnswer, RSTInBetween, ICMPInBetween:
		default:
			continue
		}
		if p.Announcement <= 0 || p.Announcement > len(s.Announcements) {
			continue
		}
		a := &s.Announcements[p.Announcement-1]
		if a.Index != p.Announcement || !a.Untranslated {
			continue
		}
		var sent *Data // the SYN nearest its sender
		for _, i := range p.Order {
			if sent = p.Views[i]; sent != nil {
				break
			}
		}
		var ann *Announcement
		for _, i := range s.Order {
			if ann = a.Views[i]; ann != nil {
				break
			}
		}
		if sent == nil || ann == nil || sent.Dst != ann.Endpoint {
			continue
		}
		// Where the peer is reached: the server at the client's side of
		// the NAT, the client at the server's (as judgeAnnouncements).
		want := ""
		for _, i := range s.Order {
			if v := s.Views[i]; v != nil {
				if p.Passive && want == "" {
					want = v.Server.Addr().String()
				} else if !p.Passive {
					want = v.Client.Addr().String()
				}
			}
		}
		note := fmt.Sprintf("it was sent to %s, the private address the server announced (left untranslated), not to %s, where the client reaches the server: make the server announce %s, or have an FTP helper on the NAT rewrite the announcement", sent.Dst, want, want)
		if !p.Passive {
			note = fmt.Sprintf("it was sent to %s, the private address the client announced (left untranslated), not to %s, where the server sees the client: use passive mode, or have an FTP helper on the client's NAT rewrite the announcement", sent.Dst, want)
		}
		if v, ok := strings.CutSuffix(p.Verdict, ": dropped in between"); ok {
			p.Verdict = v + ": " + note
		} else {
			p.Verdict += "; " + note
		}
	}
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
						if !linesAlignSeen(x, y) {
							continue
						}
					}
					views[j] = y
					break
				}
			}
			r.addISNSession(views, used)
		}
	}
	r.pairServerSideOnly(cs, used)
}

// addISNSession makes a session of views, paired by ISN, when two points
// or more saw it, and marks its views used.
func (r *Report) addISNSession(views []*Control, used map[*Control]bool) {
	seen := 0
	for _, v := range views {
		if v != nil {
			seen++
		}
	}
	if seen < 2 {
		return
	}
	var group []int
	for i, v := range views {
		if v != nil {
			used[v] = true
			group = append(group, i)
		}
	}
	r.Sessions = append(r.Sessions, &Session{Views: views, PairedBy: "isn", ISNGroups: [][]int{group}})
}

// linesAlignSeen: the lines of two views of one connection, paired by the
// client's ISN alone, line up (or a view holds none). Where a view holds
// one direction only (the point captured one), the other direction's
// lines are left out of both.
func linesAlignSeen(x, y *Control) bool {
	a, b := x.Lines, y.Lines
	if fc, ok := x.OneWay(); ok {
		a, b = linesFrom(a, fc), linesFrom(b, fc)
	} else if fc, ok := y.OneWay(); ok {
		a, b = linesFrom(a, fc), linesFrom(b, fc)
	}
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	_, _, ok := align(a, b)
	return ok
}

// linesFrom is the lines of one direction.
func linesFrom(ls []Line, fromClient bool) []Line {
	var out []Line
	for _, l := range ls {
		if l.FromClient == fromClient {
			out = append(out, l)
		}
	}
	return out
}

// pairServerSideOnly pairs a control connection a point captured from the
// server's side only (its SYN-ACK and replies, none of the client's
// packets: tcpdump -Q in on the client, a SPAN port mirroring one
// direction) by the server's ISN, which its SYN-ACK carries, within a
// day, when its replies line up with the other view's.
func (r *Report) pairServerSideOnly(cs []*Collector, used map[*Control]bool) {
	n := len(cs)
	sameConn := func(x, y *Control) bool {
		return y != nil && y != x && y.HaveISN[1] && y.ISN[1] == x.ISN[1] && absDur(y.SYNACK.Sub(x.SYNACK)) <= 24*time.Hour && linesAlignSeen(x, y)
	}
	for i, c := range cs {
		for _, x := range c.ctlList {
			if fc, ok := x.OneWay(); used[x] || !ok || fc || x.HaveISN[0] || !x.HaveISN[1] {
				continue
			}
			joined := false
			for _, s := range r.Sessions {
				if s.Views[i] == nil && slices.ContainsFunc(s.Views, func(y *Control) bool { return sameConn(x, y) }) {
					s.Views[i], used[x], joined = x, true, true
					s.ISNGroups[0] = append(s.ISNGroups[0], i)
					break
				}
			}
			if joined {
				continue
			}
			views := make([]*Control, n)
			views[i] = x
			for j := range n {
				if j == i {
					continue
				}
				for _, y := range cs[j].ctlList {
					if !used[y] && sameConn(x, y) {
						views[j] = y
						break
					}
				}
			}
			r.addISNSession(views, used)
		}
	}
}

// minLines is how many lines (other than announcements) two views of a
// control connection must share, in the same order, to be paired by
// payload.
const minLines = 3

// maxSkipped bounds the lines alignLines skips, in total, where one
// point's capture lost a segment (a reply, a command) the other holds.
const maxSkipped = 3

// lineAgree: two points' views of one line (same direction; the same text
// unless one is an announcement a helper may rewrite).
func lineAgree(x, y Line) bool {
	return x.FromClient == y.FromClient && (x.Announce || y.Announce || x.Hash == y.Hash)
}

// alignLines finds how b's lines line up with a's: at[k] is the index in
// a of b[k], or -1 where a lacks it. From where the views start to
// overlap (a capture that started late lacks the lines before), every
// line must agree, except that up to maxSkipped lines one view holds and
// the other lost may be skipped (a reply whose segment one capture
// missed): only skips, never a line replaced by another, and the two
// lines after a skip must agree again. The start with the most agreeing
// lines wins; a tie between two different alignments is no answer. It
// returns how many lines other than announcements agree, and whether at
// least minLines do. The work is bounded: (len(a)+len(b)) starts, each
// walk ending at its first mismatch that no skip resolves.
func alignLines(a, b []Line) (at []int, matched int, ok bool) {
	if len(a) == 0 || len(b) == 0 {
		return nil, 0, false
	}
	var best []int
	bestN, tie := -1, false
	walk := make([]int, len(b))
	for sh := -(len(b) - 1); sh < len(a); sh++ {
		i, k := sh, 0
		if i < 0 {
			i, k = 0, -sh
		}
		if !lineAgree(a[i], b[k]) {
			continue
		}
		for x := range walk {
			walk[x] = -1
		}
		n, skipped, bad := 0, 0, false
		for i < len(a) && k < len(b) {
			if !lineAgree(a[i], b[k]) {
				di, dk := resync(a, b, i, k, maxSkipped-skipped)
				if di < 0 {
					bad = true
					break
				}
				i, k, skipped = i+di, k+dk, skipped+di+dk
				continue
			}
			walk[k] = i
			if !a[i].Announce && !b[k].Announce {
				n++
			}
			i, k = i+1, k+1
		}
		if bad {
			continue
		}
		switch {
		case n > bestN:
			best, bestN, tie = slices.Clone(walk), n, false
		case n == bestN && !slices.Equal(best, walk):
			tie = true
		}
	}
	if bestN < minLines || tie {
		return nil, max(bestN, 0), false
	}
	return best, bestN, true
}

// resync finds the fewest lines (up to budget) to skip in a (di) or in b
// (dk), one view only, after which the next two lines agree (or a view
// ends); -1 when none.
func resync(a, b []Line, i, k, budget int) (di, dk int) {
	agreeAt := func(i, k int) bool {
		if i >= len(a) || k >= len(b) {
			return true
		}
		if !lineAgree(a[i], b[k]) {
			return false
		}
		return i+1 >= len(a) || k+1 >= len(b) || lineAgree(a[i+1], b[k+1])
	}
	for d := 1; d <= budget; d++ {
		if i+d < len(a) && agreeAt(i+d, k) {
			return d, 0
		}
		if k+d < len(b) && agreeAt(i, k+d) {
			return 0, d
		}
	}
	return -1, -1
}

// align is alignLines by a single shift: b[k] is a[k+shift] for the first
// line of b that a holds (the start of the overlap).
func align(a, b []Line) (shift, matched int, ok bool) {
	at, matched, ok := alignLines(a, b)
	if !ok {
		return 0, matched, false
	}
	for k, i := range at {
		if i >= 0 {
			return i - k, matched, true
		}
	}
	return 0, matched, false
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
//
// Every pair of points is tried both ways, and again while a round pairs
// something (at most as many rounds as points), so that a session paired
// at some points is offered to an unused connection at any other,
// whatever the order the points were given in.
func (r *Report) pairByPayload(cs []*Collector, used map[*Control]bool) {
	n := len(cs)
	for round := 0; round < n; round++ {
		if !r.pairByPayloadRound(cs, used) {
			break
		}
	}
	// Sessions in the order they started at their first point.
	slices.SortStableFunc(r.Sessions, func(a, b *Session) int { return a.firstStart().Compare(b.firstStart()) })
}

// pairByPayloadRound is one round of pairByPayload over every ordered
// pair of points (i, j): sessions with a view at i and none at j, and
// (for i < j) unused connections at i, against unused connections at j
// and, for a session, against sessions seen at j and at none of its
// points (the other half, past a box that randomised the ISNs), which
// then join it. It reports whether it paired anything.
func (r *Report) pairByPayloadRound(cs []*Collector, used map[*Control]bool) bool {
	n := len(cs)
	progress := false
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			if i == j {
				continue
			}
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
			if i < j {
				for _, x := range cs[i].ctlList {
					if !used[x] {
						groups = append(groups, group{nil, x})
					}
				}
			}
			var ys []group
			for _, y := range cs[j].ctlList {
				if !used[y] && len(y.Lines) >= minLines {
					ys = append(ys, group{nil, y})
				}
			}
			// Sessions seen at j and not at i, paired already on their
			// side of a box that randomises ISNs (two or more points on
			// each side): each half pairs by the sequence numbers its
			// points share, the two halves only by their lines.
			for _, s := range r.Sessions {
				if s.Views[j] != nil && s.Views[i] == nil && len(s.Views[j].Lines) >= minLines {
					ys = append(ys, group{s, s.Views[j]})
				}
			}
			// candidate compares g's view with y's: nil when their lines
			// do not line up.
			candidate := func(g, yg group) *payloadCand {
				// A session joins a session (halves with no point in
				// common), never a connection another round offers it
				// from the other side.
				if yg.s != nil && (g.s == nil || !disjointViews(g.s, yg.s)) {
					return nil
				}
				y := yg.x
				at, matched, ok := alignLines(g.x.Lines, y.Lines)
				if !ok || !linesAgree(g.x.Lines, y.Lines, matched) {
					return nil
				}
				dt, ok := offsetOf(timingAligned(g.x, y, at))
				if !ok {
					return nil
				}
				return &payloadCand{s: g.s, ys: yg.s, x: g.x, y: y, dt: dt, ev: evidenceOf(g.x, y, at)}
			}
			// First the candidates the server's ISN confirms (a box
			// randomising the client's leaves it), found by that ISN
			// however many the views.
			var cands []*payloadCand
			byISN := map[uint32][]int{}
			for k, yg := range ys {
				if yg.x.HaveISN[1] {
					byISN[yg.x.ISN[1]] = append(byISN[yg.x.ISN[1]], k)
				}
			}
			for _, g := range groups {
				if !g.x.HaveISN[1] {
					continue
				}
				for _, k := range byISN[g.x.ISN[1]] {
					if c := candidate(g, ys[k]); c != nil {
						cands = append(cands, c)
					}
				}
			}
			// The offset the sessions already paired and the candidates
			// the server's ISN confirms agree on, when there are any:
			// the others may be sessions apart, and, many (every
			// session of one server carries the same lines), would pull
			// the offset to whatever spacing the sessions share. Only
			// where nothing else measures it, the one most candidates
			// agree on.
			all := slices.Clone(anchors)
			for _, c := range cands {
				all = append(all, c.dt)
			}
			// anchored: the offset rests on more than the lines of the
			// candidates themselves.
			anchored := len(all) > 0
			// The rest, by their lines alone: with the offset known,
			// only views whose times, shifted by it, overlap within
			// payloadWindow (any other lies further off it); else every
			// pair. Either way at most maxPayloadPairs comparisons.
			var pairs [][2]int
			ok := true
			if anchored {
				c := densest(all)
				pairs, ok = overlapping(groups, ys, func(g group) *Control { return g.x }, c-payloadWindow, c+payloadWindow, maxPayloadPairs)
			} else if ok = len(ys)*len(groups) <= maxPayloadPairs; ok {
				for a := range groups {
					for b := range ys {
						pairs = append(pairs, [2]int{a, b})
					}
				}
			}
			if !ok {
				if key := [2]int{min(i, j), max(i, j)}; !r.skippedPairs[key] {
					r.skippedPairs[key] = true
					r.PayloadSkipped++
				}
				pairs = nil
			}
			for _, ab := range pairs {
				g, yg := groups[ab[0]], ys[ab[1]]
				if g.x.HaveISN[1] && yg.x.HaveISN[1] && g.x.ISN[1] == yg.x.ISN[1] {
					continue // compared above
				}
				if c := candidate(g, yg); c != nil {
					cands = append(cands, c)
				}
			}
			if len(cands) == 0 {
				continue
			}
			if !anchored {
				for _, c := range cands {
					all = append(all, c.dt)
				}
			}
			centre := densest(all)
			// spread: how far from the centre the anchors lie (transit,
			// drift), at least timingTie.
			spread := timingTie
			if anchored {
				for _, a := range all {
					if d := absDur(a - centre); d <= payloadWindow {
						spread = max(spread, d)
					}
				}
			}
			patDelta(cands)
			var live []*payloadCand
			near := [2]map[*Control]bool{{}, {}} // the views lining up at the centre, at i and at j
			for _, c := range cands {
				c.dist = absDur(c.dt - centre)
				c.offAnchors = anchored && c.dist > spread
				if c.dist <= payloadWindow {
					near[0][c.x], near[1][c.y] = true, true
				}
				switch {
				case c.dist > payloadWindow:
				case c.contradicted(anchored):
					r.refused[c.x], r.refused[c.y] = true, true
				default:
					live = append(live, c)
				}
			}
			picks := r.matchPayload(live)
			if !anchored {
				picks = r.notByChance(picks, min(len(near[0]), len(near[1])))
			}
			joined := map[*Session]bool{}
			for _, c := range picks {
				progress = true
				used[c.x], used[c.y] = true, true
				if c.s != nil {
					c.s.Views[j] = c.y
					if c.ys != nil {
						// The other half's views join this session.
						for k, v := range c.ys.Views {
							if v != nil {
								c.s.Views[k] = v
							}
						}
						c.s.ISNGroups = append(c.s.ISNGroups, c.ys.ISNGroups...)
						joined[c.ys] = true
					}
					c.s.PairedBy = "payload"
					continue
				}
				views := make([]*Control, n)
				views[i], views[j] = c.x, c.y
				r.Sessions = append(r.Sessions, &Session{Views: views, PairedBy: "payload"})
			}
			if len(joined) > 0 {
				r.Sessions = slices.DeleteFunc(r.Sessions, func(s *Session) bool { return joined[s] })
			}
		}
	}
	return progress
}

// notByChance takes out of picks, the pairs of a round whose clock
// offset rests on the candidates' own lines (nothing anchored it), those
// on which neither ISN nor the client's address and port agrees: only an
// announced port and the clock tie them. Were the offset they imply
// true, the views whose lines line up with one at the other point at
// that offset (nearViews, of the side with fewer) would be the same
// sessions seen twice, and most would pair, their announced ports
// agreeing; when fewer than half do, the ports agreed by chance (a
// passive range of a hundred ports, a hundred sessions with one server's
// lines, an offset the spacing of the sessions made), and those pairs
// are refused.
func (r *Report) notByChance(picks []*payloadCand, nearViews int) []*payloadCand {
	weak := 0
	for _, c := range picks {
		if agree, _ := c.ev.markers(c.x, c.y); agree == 0 {
			weak++
		}
	}
	if weak == 0 || 2*weak >= nearViews {
		return picks
	}
	return slices.DeleteFunc(picks, func(c *payloadCand) bool {
		if agree, _ := c.ev.markers(c.x, c.y); agree == 0 {
			r.refused[c.x], r.refused[c.y] = true, true
			return true
		}
		return false
	})
}

// overlapping lists the pairs (index in xs, index in ys) whose views'
// times could put their lines' offset (y's clock minus x's) within
// [lo, hi]: y's first or last packet, less x's last or first, brackets
// some value in it. ok is false, and the list cut short, past limit
// pairs.
func overlapping[G any](xs, ys []G, view func(G) *Control, lo, hi time.Duration, limit int) (pairs [][2]int, ok bool) {
	type span struct {
		from, to time.Time
		k        int
	}
	spanOf := func(c *Control, k int) span {
		sp := span{c.Start, c.Last, k}
		widen := func(t time.Time) {
			if t.IsZero() {
				return
			}
			if sp.from.IsZero() || t.Before(sp.from) {
				sp.from = t
			}
			if t.After(sp.to) {
				sp.to = t
			}
		}
		widen(c.SYN)
		widen(c.SYNACK)
		for _, l := range c.Lines {
			widen(l.TS)
		}
		return sp
	}
	// ys by their first time; those that lasted long apart, compared
	// with every x, so that the scan back from each x stays short.
	const long = 10 * time.Minute
	var short, longs []span
	var maxDur time.Duration
	for k, y := range ys {
		sp := spanOf(view(y), k)
		if d := sp.to.Sub(sp.from); d > long {
			longs = append(longs, sp)
		} else {
			short = append(short, sp)
			maxDur = max(maxDur, d)
		}
	}
	slices.SortFunc(short, func(a, b span) int { return a.from.Compare(b.from) })
	meets := func(x, y span) bool { return y.from.Sub(x.to) <= hi && y.to.Sub(x.from) >= lo }
	for a, xv := range xs {
		x := spanOf(view(xv), a)
		first, _ := slices.BinarySearchFunc(short, x.from.Add(lo-maxDur), func(e span, t time.Time) int { return e.from.Compare(t) })
		for _, y := range short[first:] {
			if y.from.Sub(x.to) > hi {
				break
			}
			if meets(x, y) {
				if len(pairs) == limit {
					return pairs, false
				}
				pairs = append(pairs, [2]int{a, y.k})
			}
		}
		for _, y := range longs {
			if meets(x, y) {
				if len(pairs) == limit {
					return pairs, false
				}
				pairs = append(pairs, [2]int{a, y.k})
			}
		}
	}
	return pairs, true
}

// disjointViews: sessions a and b were seen at no point in common (the
// two halves of one session either side of a box).
func disjointViews(a, b *Session) bool {
	for k := range a.Views {
		if a.Views[k] != nil && b.Views[k] != nil {
			return false
		}
	}
	return true
}

// maxUnanchoredSkew is how far apart two points' clocks may lie for a
// pairing by lines alone, when nothing else measures the offset (no
// session paired by its sequence numbers, no server ISN in common) and
// nothing but the lines says the views are one connection: capture
// hosts' clocks are seldom minutes apart, while another session of the
// same server, with the same lines, may be hours away.
const maxUnanchoredSkew = time.Hour

// maxUnanchoredSkewNoPort is maxUnanchoredSkew where no port a server
// announced agrees either (an active or login-only session through a box
// that changes every other marker): the lines and a few minutes of
// clock are then all that say it is one session, while another client's
// session with the same lines may start minutes apart.
const maxUnanchoredSkewNoPort = 5 * time.Minute

// contradicted: the candidate's own evidence says the views are two
// sessions. A box in between (NAT, PAT, a firewall randomising sequence
// numbers, an FTP helper or a Cisco ASA's inspection rewriting a PORT)
// can change the addresses, the client's ports, the initial sequence
// numbers and what a client's PORT names all at once, but seldom the
// port a server's 227 or 229 names, and never the lines, their order or
// their times (past the clock offset). Lines alone do not tell one
// session from another of the same server (the same commands and
// replies), so a candidate whose server-announced ports differ and on
// which every other marker known at both points differs too, three or
// more in all (the client's ISN, the server's, the client's address and
// port, the announced ports), is another session, however alone; and one
// on which neither ISN nor the client's address and port agrees (an
// announced port alone may agree by chance), whose clock offset rests on
// its own lines only, must lie within maxUnanchoredSkew (an hour) when a
// port a server announced agrees, else within maxUnanchoredSkewNoPort.
func (c *payloadCand) contradicted(anchored bool) bool {
	agree, differ := c.ev.markers(c.x, c.y)
	if agree == 0 && c.ev.ports <= 0 && c.ev.srvPorts < 0 && differ >= 3 {
		return true
	}
	// The client's port changed where its address did not (no NAT
	// between the points to change it), nothing agreeing: another
	// session of the same client host, however well a port from a small
	// passive range agrees by chance, unless the clocks say otherwise:
	// it must lie as near the offset the sessions already paired
	// measured as they do, or, nothing measuring it, within
	// payloadWindow of the points' clocks as they stand.
	if agree == 0 && c.clientPortMoved() && (c.offAnchors || !anchored && absDur(c.dt) > payloadWindow) {
		return true
	}
	limit := maxUnanchoredSkew
	if c.ev.srvPorts <= 0 {
		limit = maxUnanchoredSkewNoPort
	}
	return agree == 0 && !anchored && absDur(c.dt) > limit
}

// markers counts what a box seldom changes all at once, agreeing and
// differing between two views: the client's ISN, the server's, the
// client's address and port (agree, differ), the ports the announcements
// name (differ only: a port from a small passive range may agree by
// chance).
func (e evidence) markers(x, y *Control) (agree, differ int) {
	count := func(known, same bool) {
		switch {
		case !known:
		case same:
			agree++
		default:
			differ++
		}
	}
	count(e.isn != isnUnknown, e.isn == isnSame)
	count(x.HaveISN[0] && y.HaveISN[0], x.ISN[0] == y.ISN[0])
	count(x.Client.IsValid() && y.Client.IsValid(), x.Client == y.Client)
	if e.ports < 0 {
		differ++
	}
	// What no box makes of one session, each once more: the client's
	// port changed where its address did not (no source NAT between the
	// points, so nothing to change the port), and a server's
	// announcement naming the same address with another port (a helper
	// that has to move the port writes its own address too).
	if clientPortMoved(x, y) {
		differ++
	}
	if e.samePortMoved {
		differ++
	}
	return agree, differ
}

// clientPortMoved: the client's port differs at the two views while its
// address does not, which no box makes of one connection (no source NAT
// between the points, so nothing to change the port).
func clientPortMoved(x, y *Control) bool {
	return x.Client.IsValid() && x.Client.Addr() == y.Client.Addr() && x.Client.Port() != y.Client.Port()
}

func (c *payloadCand) clientPortMoved() bool { return clientPortMoved(c.x, c.y) }

// payloadCand is a candidate pair of views for pairByPayload.
type payloadCand struct {
	s    *Session // the session x belongs to, or nil
	ys   *Session // the session y belongs to (paired at other points), or nil
	x, y *Control
	dt   time.Duration // y's clock minus x's by their lines
	dist time.Duration // from the offset most candidates agree on
	// offAnchors: dist is more than the sessions already paired (and
	// the candidates the server's ISN confirms) spread over around it.
	offAnchors bool
	ev         evidence
}

// evidence is what tells two candidate pairings of identical lines apart,
// most telling first.
type evidence struct {
	// isn: the server's ISN at both points (isnSame, isnDiffer) or not
	// seen at one (isnUnknown).
	isn int
	// ports: announcements naming the same port at both points less
	// those naming different ones; srvPorts, the same for the server's
	// (227, 229: a port the server chose, which a box in between seldom
	// changes, where a client's PORT or EPRT is what an FTP helper or an
	// ASA's inspection rewrites with its PAT).
	ports, srvPorts int
	// ends: the client's and the server's address and port, how many are
	// the same at both points (no NAT in between).
	ends int
	// samePortMoved: a server's announcement names the same address at
	// both points and different ports.
	samePortMoved bool
	// pat: the client's port moved between the points (a source NAT in
	// between) by the same amount as it did for most of the candidates
	// (patDelta): a box that keeps a fixed port offset, or keeps the
	// ports, moved this one so.
	pat bool
}

// patDelta marks the candidates whose client port moved, across a source
// NAT, by the amount most candidates share (evidence.pat): a NAT that
// maps ports by a fixed offset, or preserves them, moves every session's
// alike, which tells apart sessions with the same lines whose 227 one
// point missed, where a port from a small passive range agreeing by
// chance would pair the wrong one. Counted only when the amount is shared
// by at least minPATShare candidates and by more than half the client
// views among them: a NAT that picks ports at random shares none.
func patDelta(cands []*payloadCand) {
	count := map[int]int{}
	views := map[*Control]bool{}
	delta := func(c *payloadCand) (int, bool) {
		x, y := c.x.Client, c.y.Client
		if !x.IsValid() || !y.IsValid() || x.Addr() == y.Addr() {
			return 0, false
		}
		return int(y.Port()) - int(x.Port()), true
	}
	for _, c := range cands {
		if d, ok := delta(c); ok {
			count[d]++
			views[c.x] = true
		}
	}
	best, n := 0, 0
	for d, k := range count {
		if k > n || k == n && d < best {
			best, n = d, k
		}
	}
	if n < minPATShare || 2*n <= len(views) {
		return
	}
	for _, c := range cands {
		if d, ok := delta(c); ok {
			c.ev.pat = d == best
		}
	}
}

// minPATShare: candidates that must share a client port offset for it to
// count (patDelta).
const minPATShare = 3

const (
	isnDiffer = iota
	isnUnknown
	isnSame
)

func evidenceOf(x, y *Control, at []int) evidence {
	var e evidence
	e.isn = isnUnknown
	if x.HaveISN[1] && y.HaveISN[1] {
		e.isn = isnDiffer
		if x.ISN[1] == y.ISN[1] {
			e.isn = isnSame
		}
	}
	for k, b := range y.Lines {
		i := at[k]
		if i < 0 {
			continue
		}
		if a := x.Lines[i]; a.Announce && b.Announce && a.Port != 0 && b.Port != 0 {
			d := 1
			if a.Port != b.Port {
				d = -1
			}
			e.ports += d
			if !a.FromClient && !b.FromClient {
				e.srvPorts += d
				if d < 0 {
					ax, ay := announcedAt(x, a), announcedAt(y, b)
					e.samePortMoved = e.samePortMoved || ax.IsValid() && ax == ay
				}
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

// announcedAt is the address the announcement of line l names (invalid
// when it names none, an EPSV, or is not found).
func announcedAt(c *Control, l Line) netip.Addr {
	for _, a := range c.Announce {
		if a.TS.Equal(l.TS) && a.Endpoint.Port() == l.Port {
			return a.Endpoint.Addr()
		}
	}
	return netip.Addr{}
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
	case a.ev.pat != b.ev.pat:
		if a.ev.pat {
			return 1
		}
		return -1
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
	at, _, _ := alignLines(x.Lines, y.Lines)
	return timingAligned(x, y, at)
}

// timingAligned is timing with the lines' alignment known (alignLines;
// nil when they do not line up).
func timingAligned(x, y *Control, at []int) (fwd, back []time.Duration) {
	if x.HaveISN[0] && y.HaveISN[0] && x.ISN[0] == y.ISN[0] && x.SYNs <= 1 && y.SYNs <= 1 {
		fwd = append(fwd, y.SYN.Sub(x.SYN))
	}
	// The SYN-ACK only when it is the same segment: its ISN equal (a
	// firewall randomising the client's ISN leaves the server's).
	if x.HaveISN[1] && y.HaveISN[1] && x.ISN[1] == y.ISN[1] && x.SYNACKs <= 1 && y.SYNACKs <= 1 {
		back = append(back, y.SYNACK.Sub(x.SYNACK))
	}
	for k, i := range at {
		if i >= 0 {
			d := y.Lines[k].TS.Sub(x.Lines[i].TS)
			if y.Lines[k].FromClient {
				fwd = append(fwd, d)
			} else {
				back = append(back, d)
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
		s.posSure = make([]bool, n)
		s.pivot = -1
		for i, v := range s.Views {
			if v == nil {
				continue
			}
			if s.pivot < 0 {
				s.pivot = i
				s.localOK[i], s.posOK[i], s.posSure[i] = true, true, true
				continue
			}
			fwd, back := timing(s.Views[s.pivot], v)
			switch {
			case len(fwd) > 0 && len(back) > 0:
				mf, mb := median(fwd), median(back)
				s.offsets[i], s.localOK[i] = (mf+mb)/2, true
				s.pos[i], s.posOK[i] = mf-mb, true
				// Each time is off by less than its resolution, so each
				// difference by less than the coarser one, mf-mb by
				// less than twice that: a smaller one may be a tie.
				s.posSure[i] = absDur(mf-mb) >= 2*max(r.tick(s.pivot), r.tick(i))
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
	// measured, else the points'. Where neither is known (a point none
	// of whose connections paired, or a session whose own points' clocks
	// are not known against the reference), the point's clock is not
	// known in the session (clockKnown): its span cannot be set against
	// the session's packets.
	for _, s := range r.Sessions {
		base := r.Offsets[s.pivot].Offset
		baseKnown := r.offsetKnown(s.pivot)
		s.clockOK = make([]bool, n)
		for i := range s.offsets {
			switch {
			case i == s.pivot:
				s.offsets[i], s.clockOK[i] = base, true
			case s.localOK[i]:
				s.offsets[i] += base
				s.clockOK[i] = true
			default:
				s.offsets[i] = r.Offsets[i].Offset
				s.clockOK[i] = baseKnown && r.offsetKnown(i)
			}
		}
	}
}

// pairedElsewhere: some session holds point i's view and another
// point's.
func (r *Report) pairedElsewhere(i int) bool {
	for _, s := range r.Sessions {
		if s.Views[i] == nil {
			continue
		}
		for k, v := range s.Views {
			if k != i && v != nil {
				return true
			}
		}
	}
	return false
}

// offsetKnown: point i's clock offset against the reference was measured
// (or it is the reference).
func (r *Report) offsetKnown(i int) bool { return i == 0 || r.Offsets[i].Samples > 0 }

// clockKnown: point i's clock is known against the session's (its own
// offset measured on the session, or both known against the reference).
func (s *Session) clockKnown(i int) bool { return i >= len(s.clockOK) || s.clockOK[i] }

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

// tick is point i's timestamp resolution (at least a nanosecond).
func (r *Report) tick(i int) time.Duration {
	if i < 0 || i >= len(r.res) || r.res[i] <= 0 {
		return 1
	}
	return r.res[i]
}

// orderSession lists the session's points from the client's side to the
// server's (Order), from what places each pair of points that saw it:
// the session's own transit times when they exceed what the timestamps'
// resolution could make of a tie (sessionTiming); else, for a session
// without its own two-way timing, its SYN (or first line) on the points'
// clocks; else the packets (votes: which point saw the private address
// of a NAT, which saw its data connections' SYN-ACKs or retransmitted
// SYNs), when they all agree. When a pair is left unordered, or the
// evidence contradicts itself, the order is unknown (OrderKnown false):
// the points are listed as given and no verdict places a loss between
// them. Points that hold one capture (Report.Identical) tie: what places
// one places the other, and their tie does not make the order unknown
// (unless they are all there is). Points that did not see it go last, in
// the order given.
func (r *Report) orderSession(s *Session) {
	n := len(s.Views)
	var seen []int
	for i, v := range s.Views {
		if v != nil {
			seen = append(seen, i)
		}
	}
	// before[a][b]: a is nearer the client than b.
	before := make([][]bool, n)
	for i := range before {
		before[i] = make([]bool, n)
	}
	by := map[string]bool{}
	for x, a := range seen {
		for _, b := range seen[x+1:] {
			rel, how := r.placed(s, a, b)
			switch {
			case rel > 0:
				before[a][b] = true
			case rel < 0:
				before[b][a] = true
			}
			if rel != 0 {
				by[how] = true
			}
		}
	}
	// Two points that are copies of one capture (identical) tie: what
	// places one places the other, and their tie leaves the order of
	// the others known.
	same := func(a, b int) bool {
		return slices.Contains(r.Identical, [2]int{a, b}) || slices.Contains(r.Identical, [2]int{b, a})
	}
	for _, a := range seen {
		for _, b := range seen {
			if a == b || !same(a, b) {
				continue
			}
			for _, x := range seen {
				if x == a || x == b {
					continue
				}
				before[a][x] = before[a][x] || before[b][x]
				before[x][a] = before[x][a] || before[x][b]
			}
		}
	}
	// What follows from what is known (a before b before c).
	for _, k := range seen {
		for _, a := range seen {
			for _, b := range seen {
				if before[a][k] && before[k][b] {
					before[a][b] = true
				}
			}
		}
	}
	known, copies := true, true
	for x, a := range seen {
		for _, b := range seen[x+1:] {
			if same(a, b) && !before[a][b] && !before[b][a] {
				continue // copies: one place
			}
			copies = false
			if before[a][b] == before[b][a] { // neither, or both: unknown or contradicted
				known = false
			}
		}
	}
	if copies && len(seen) > 1 {
		known = false // nothing but copies of one capture: nothing orders them
	}
	idx := make([]int, 0, n)
	idx = append(idx, seen...)
	if known {
		rank := func(a int) int {
			k := 0
			for _, b := range seen {
				if before[b][a] {
					k++
				}
			}
			return k
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(rank(a), rank(b)) })
	}
	for i, v := range s.Views {
		if v == nil {
			idx = append(idx, i)
		}
	}
	s.Order, s.OrderKnown, s.OrderedBy = idx, known, ""
	if known && len(seen) > 1 {
		for _, how := range []string{"timing", "clocks", "addresses", "data"} {
			if by[how] {
				s.OrderedBy = how
				break
			}
		}
	}
}

// placed says which of two points that saw s is nearer the client: 1 for
// a, -1 for b, 0 when nothing tells; and what told.
func (r *Report) placed(s *Session, a, b int) (int, string) {
	sign := func(d time.Duration) int {
		switch {
		case d < 0:
			return 1 // a's place is smaller: nearer the client
		case d > 0:
			return -1
		}
		return 0
	}
	// The session's own transit times: relative to its pivot, or between
	// the two directly (each time off by less than its resolution, the
	// difference of the two directions' by less than twice the coarser).
	if (a == s.pivot || b == s.pivot) && s.posSure[a] && s.posSure[b] {
		if d := s.pos[a] - s.pos[b]; d != 0 {
			return sign(d), "timing"
		}
	}
	if a != s.pivot && b != s.pivot && s.posOK[a] && s.posOK[b] {
		// Each pos is off by less than twice the resolution.
		if d := s.pos[a] - s.pos[b]; d != 0 && absDur(d) >= 4*max(r.tick(a), r.tick(b), r.tick(s.pivot)) {
			return sign(d), "timing"
		}
		if fwd, back := timing(s.Views[a], s.Views[b]); len(fwd) > 0 && len(back) > 0 {
			// b's time minus a's: positive both ways' sum when b is
			// further from the client.
			if d := median(fwd) - median(back); d != 0 && absDur(d) >= 2*max(r.tick(a), r.tick(b)) {
				return sign(-d), "timing"
			}
		}
	}
	// No two-way timing of its own at either: its SYN on the points'
	// clocks, when those were measured both ways on other sessions.
	if !(s.posOK[a] && s.posOK[b]) && r.twoWay(a) && r.twoWay(b) {
		va, vb := s.Views[a], s.Views[b]
		ta, tb := va.SYN, vb.SYN
		if ta.IsZero() || tb.IsZero() {
			ta, tb = va.Start, vb.Start
		}
		d := ta.Add(-r.Offsets[a].Offset).Sub(tb.Add(-r.Offsets[b].Offset))
		if absDur(d) >= 2*max(r.tick(a), r.tick(b)) && d != 0 {
			return sign(d), "clocks"
		}
	}
	// The packets: every vote the same way.
	addr := s.addrVote[a][b] - s.addrVote[b][a]
	forA, forB := s.addrVote[a][b], s.addrVote[b][a]
	if s.votes != nil {
		forA += s.votes[a][b]
		forB += s.votes[b][a]
	}
	switch {
	case forA > 0 && forB == 0:
		if addr > 0 {
			return 1, "addresses"
		}
		return 1, "data"
	case forB > 0 && forA == 0:
		if addr < 0 {
			return -1, "addresses"
		}
		return -1, "data"
	}
	return 0, ""
}

// twoWay: point i's clock offset was measured both ways (or it is the
// reference).
func (r *Report) twoWay(i int) bool {
	return i == 0 || r.Offsets[i].Samples > 0 && !r.Offsets[i].OneWay
}

// addressVotes records what the control connection's addresses say of
// the order of the points that saw it: a NAT between two points shows
// the private address on its private side, so of two points that saw the
// client at different addresses, one private and one not, the private
// one is nearer the client; of two that saw the server so, the private
// one is nearer the server.
func (r *Report) addressVotes(s *Session) {
	n := len(s.Views)
	s.addrVote = make([][]int, n)
	for i := range s.addrVote {
		s.addrVote[i] = make([]int, n)
	}
	for a, va := range s.Views {
		for b, vb := range s.Views {
			if a == b || va == nil || vb == nil {
				continue
			}
			ca, cb := va.Client.Addr(), vb.Client.Addr()
			if ca != cb && privateAddr(ca) && cb.IsValid() && !privateAddr(cb) {
				s.addrVote[a][b]++
			}
			sa, sb := va.Server.Addr(), vb.Server.Addr()
			if sa != sb && privateAddr(sb) && sa.IsValid() && !privateAddr(sa) {
				s.addrVote[a][b]++
			}
		}
	}
}

// privateAddr is an address a NAT's inside may hold: diagnose's one list
// of ranges (RFC 1918, fc00::/7, RFC 6598 shared space, the special-purpose
// ranges not globally reachable), so that the two never disagree.
func privateAddr(a netip.Addr) bool {
	c := diagnose.Classify(a)
	return c == diagnose.ClassPrivate || c == diagnose.ClassCGNAT
}

// dataVotes records what the session's data connections say of the
// order of the points, for orderSession: a point that saw the SYN-ACKs
// (two or more, so that one frame a capture missed cannot make it) while
// another saw the SYN and none of them is nearer the SYN's receiver; a
// point that saw two or more SYNs of a connection that another point,
// capturing then, never saw is nearer its sender.
func (r *Report) dataVotes(s *Session) {
	n := len(s.Views)
	s.votes = make([][]int, n)
	for i := range s.votes {
		s.votes[i] = make([]int, n)
	}
	// vote that x is nearer the SYN's sender than y.
	vote := func(p *Path, x, y int) {
		if p.Passive {
			s.votes[x][y]++ // the client sent it
		} else {
			s.votes[y][x]++
		}
	}
	for _, p := range s.Data {
		t0 := r.startRef(s, p.Views)
		for x, vx := range p.Views {
			for y, vy := range p.Views {
				if x == y || vx == nil || s.Views[y] == nil {
					continue
				}
				// What a point that captured one direction lacks of the
				// other is no vote.
				switch {
				case vy == nil:
					if vx.SYNs >= 2 && vx.SYNACKs == 0 && vx.Bytes == 0 && r.capturingRef(s, y, t0) && s.Sees(y, p.Passive) {
						vote(p, x, y)
					}
				case vx.SYNACKs >= 2 && vy.SYNs > 0 && vy.SYNACKs == 0 && vy.Bytes == 0 && s.Sees(y, !p.Passive):
					vote(p, y, x)
				}
			}
		}
	}
}

// Sees says whether point i captured the session's packets sent by the
// client (fromClient) or by the server: false when its view of the
// control connection holds none of that side's while another point's
// holds some. Such a point captured one direction only (tcpdump -Q in or
// out, a SPAN port mirroring one direction, a path the other direction
// does not take): what it lacks in the other proves nothing.
func (s *Session) Sees(i int, fromClient bool) bool {
	v := s.Views[i]
	if v == nil {
		return true
	}
	d := dirIndex(fromClient)
	if v.Packets[d] > 0 {
		return true
	}
	for j, w := range s.Views {
		if j != i && w != nil && w.Packets[d] > 0 {
			return false
		}
	}
	return true
}

// oneWayNote says what point i captured of the session: only the
// client's packets (sawClient), or only the server's.
func (r *Report) oneWayNote(i int, sawClient bool) string {
	if sawClient {
		return fmt.Sprintf("%s captured only the client's packets of this session (one direction), none of the server's", r.name(i))
	}
	return fmt.Sprintf("%s captured only the server's packets of this session (one direction), none of the client's", r.name(i))
}

// neverCompleted: v, at a point that captured the SYN's direction only,
// holds the sender's SYNs and nothing it sent after them, though the
// point went on capturing for coverAfter past the first (a sender
// answered acknowledges at once): no answer reached the sender.
func (r *Report) neverCompleted(s *Session, i int, v *Data) bool {
	return v != nil && v.HaveISN && v.SenderSegs == 0 && v.RST.IsZero() && v.ICMP.IsZero() && r.capturingRef(s, i, s.corrected(i, v.FirstSYN))
}

// capturingRef: point i was capturing at t (on the reference clock) and
// went on for coverAfter.
func (r *Report) capturingRef(s *Session, i int, t time.Time) bool {
	if !s.clockKnown(i) {
		return false // when its capture ran, on the session's clock, is not known
	}
	at := t.Add(s.offsets[i])
	return r.Spans[i].Through(at, at.Add(coverAfter))
}

// twinAt: x, unpaired, is the same connection as a paired one of the same
// point seen under other addresses (the other side of a NAT at a point
// capturing on every interface): both initial sequence numbers equal,
// within a minute.
func twinAt(list []*Control, x *Control, used map[*Control]bool) bool {
	if !x.HaveISN[0] || !x.HaveISN[1] {
		return false
	}
	for _, y := range list {
		if y == x || !used[y] || !y.HaveISN[0] || !y.HaveISN[1] || y.ISN != x.ISN {
			continue
		}
		if y.Client == x.Client && y.Server == x.Server {
			continue // the same tuple reused: another connection
		}
		if absDur(y.Start.Sub(x.Start)) <= time.Minute {
			return true
		}
	}
	return false
}

// othersCapturing: every point other than i was capturing throughout x's
// life (on i's clock, through the points' offsets).
func (r *Report) othersCapturing(i int, x *Control) bool {
	if x.Start.IsZero() || len(r.Points) < 2 {
		return false
	}
	end := x.Last
	if end.Before(x.Start) {
		end = x.Start
	}
	for j := range r.Points {
		if j == i {
			continue
		}
		if r.Offsets[j].Samples == 0 && j != 0 || r.Offsets[i].Samples == 0 && i != 0 {
			return false // the clocks are not known
		}
		shift := r.Offsets[j].Offset - r.Offsets[i].Offset
		if !r.Spans[j].Through(x.Start.Add(shift), end.Add(shift)) {
			return false
		}
	}
	return true
}

// identical finds pairs of points whose captures hold the same packets at
// the same times: the same span, every control and data connection the
// same at both (addresses, sequence numbers, times). Two points of a
// path cannot see every packet at the same instant with the same
// addresses; it is one capture given twice.
func (r *Report) identical(cs []*Collector) {
	for i := range cs {
		for j := i + 1; j < len(cs); j++ {
			a, b := cs[i], cs[j]
			sa, sb := r.Spans[i], r.Spans[j]
			if sa.First != sb.First || sa.Last != sb.Last || sa.Packets != sb.Packets || !slices.Equal(sa.Breaks, sb.Breaks) || sa.Packets == 0 || len(a.ctlList) != len(b.ctlList) || len(a.dataList) != len(b.dataList) {
				continue
			}
			same := true
			for k, x := range a.ctlList {
				y := b.ctlList[k]
				if x.Client != y.Client || x.Server != y.Server || x.ISN != y.ISN || x.HaveISN != y.HaveISN || !x.SYN.Equal(y.SYN) ||
					!x.SYNACK.Equal(y.SYNACK) || !x.Start.Equal(y.Start) || !x.Last.Equal(y.Last) || len(x.Lines) != len(y.Lines) {
					same = false
					break
				}
			}
			for k, x := range a.dataList {
				if !same {
					break
				}
				y := b.dataList[k]
				if x.Src != y.Src || x.Dst != y.Dst || x.ISN != y.ISN || x.SYNs != y.SYNs || x.SYNACKs != y.SYNACKs ||
					!x.Start().Equal(y.Start()) || !x.Last.Equal(y.Last) || x.Bytes != y.Bytes {
					same = false
				}
			}
			if same {
				r.Identical = append(r.Identical, [2]int{i, j})
			}
		}
	}
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
		ackedAt := -1 // a point that saw it and its receiver's acknowledgment of it
		for _, i := range path {
			if w := e.views[i]; w != nil && s.Views[i] != nil && s.Views[i].ackedPast(w) {
				ackedAt = i
				break
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
			case !s.Sees(i, fromClient):
				unseen = append(unseen, i)
				why = append(why, r.oneWayNote(i, !fromClient))
			// What made the point unable to read it, before whether it
			// passed there: a frame cut short is no frame missed.
			case v.Cut[dirIndex(fromClient)] > 0:
				unseen = append(unseen, i)
				why = append(why, fmt.Sprintf("%s could not read it: the snap length cut the segments there", r.name(i)))
			case v.Encrypted:
				unseen = append(unseen, i)
				why = append(why, fmt.Sprintf("%s could not read it: the connection was encrypted there", r.name(i)))
			case s.OrderKnown && k < lastSeen:
				unseen = append(unseen, i)
				why = append(why, fmt.Sprintf("%s did not capture it, though it passed there", r.name(i)))
			case e.answered:
				// Its receiver dialled the endpoint it named: it arrived.
				unseen = append(unseen, i)
				why = append(why, fmt.Sprintf("%s did not capture it, though it passed there (the data connection to the endpoint it named proves it arrived)", r.name(i)))
			case ackedAt >= 0:
				// Its receiver's acknowledgment of its bytes came back:
				// it arrived.
				unseen = append(unseen, i)
				why = append(why, fmt.Sprintf("%s did not capture it, though it passed there (the receiver acknowledged it, as %s saw)", r.name(i), r.name(ackedAt)))
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
			if !s.OrderKnown {
				a.Verdict = fmt.Sprintf("seen at %s only; the points' order along the path is unknown: lost between them, or not captured at %s", r.names(s.Order, func(i int) bool { return e.views[i] != nil }), r.names(lost, nil))
				break
			}
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

// name is a point's name as verdicts quote it: in double quotes, a quote
// or backslash in it escaped (Go's quoting; names hold no control
// characters, the command line refuses them). The text output prints
// verdicts as ftpsniff's own sentences, adding no second escape.
func (r *Report) name(i int) string { return strconv.Quote(r.Points[i]) }

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
	// alt: other sessions whose announcements it answers as well.
	alt []*Session
}

// allows: the connection may belong to session x at this point.
func (o owner) allows(x *Session) bool { return o.s == x || slices.Contains(o.alt, x) }

// attach gives each data connection to the session it belongs to, pairs
// its views across points and judges where it was lost. At each point a
// connection belongs to the session whose announcement it answers there
// (ownerAt). What matches no session (another connection of the same
// hosts) is left out. Views pair across points by the SYN's ISN or the
// SYN-ACK's, then (a box randomised them) by answering the same
// announcement, unless their addresses contradict it.
func (r *Report) attach(cs []*Collector) {
	n := len(cs)
	r.indexAnnouncements()
	owners := make([]map[*Data]owner, n)
	byISN := make([]map[uint32][]*Data, n)    // by the SYN's ISN
	bySYNACK := make([]map[uint32][]*Data, n) // by the SYN-ACK's
	kept := make([][]*Data, n)                // each point's owned views, in its order, twins folded
	for i, c := range cs {
		owners[i] = map[*Data]owner{}
		byISN[i], bySYNACK[i] = map[uint32][]*Data{}, map[uint32][]*Data{}
		taken := map[annRef]int{} // 1: answered; 2: answered by a connection whose owner is in doubt
		list := slices.Clone(c.dataList)
		slices.SortStableFunc(list, func(a, b *Data) int { return a.Start().Compare(b.Start()) })
		for _, d := range list {
			o, ok := r.ownerAt(i, d, taken)
			if !ok {
				continue
			}
			if o.ann >= 0 {
				taken[annRef{o.s, o.ann}] = 1 + min(len(o.alt), 1)
			}
			owners[i][d] = o
		}
		as := r.foldTwins(i, list, owners[i])
		for _, d := range c.dataList {
			if x, ok := as[d]; !ok {
				kept[i] = append(kept[i], d)
			} else if x != nil {
				kept[i] = append(kept[i], x)
			}
		}
		for _, d := range list {
			if x, ok := as[d]; ok {
				if d = x; d == nil {
					continue
				}
			}
			if _, ok := owners[i][d]; !ok {
				continue
			}
			if d.HaveISN {
				byISN[i][d.ISN] = append(byISN[i][d.ISN], d)
			}
			if d.SYNACKs > 0 {
				bySYNACK[i][d.SYNACKISN] = append(bySYNACK[i][d.SYNACKISN], d)
			}
		}
	}
	// Pair the views: by the SYN's ISN or the SYN-ACK's (NAT keeps both),
	// within one session (one either point allows); then, for a firewall
	// that randomises them, views that answer the same announcement,
	// nearest in time.
	var paths [][]*Data
	pathOwner := map[int]owner{}
	dused := map[*Data]bool{}
	for i := range cs {
		for _, d := range kept[i] {
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
					oe := owners[j][e]
					if dused[e] || !sameConn(d, e) {
						continue
					}
					switch {
					case oe.s == o.s:
					case o.allows(oe.s) && oe.allows(o.s):
					case oe.allows(o.s):
						// The other point's view allows this one's
						// owner: one connection, owned so.
					case o.allows(oe.s):
						o.s, o.ann, o.passive = oe.s, oe.ann, oe.passive
					default:
						continue
					}
					o.alt = mergeAlt(o, oe)
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
	// whose numbers a box changed, unless the addresses say otherwise.
	type annOf struct {
		s   *Session
		ann int
	}
	groups := map[annOf][]int{}
	var gorder []annOf
	for k := range paths {
		if o := pathOwner[k]; o.ann >= 0 {
			g := annOf{o.s, o.ann}
			if groups[g] == nil {
				gorder = append(gorder, g)
			}
			groups[g] = append(groups[g], k)
		}
	}
	for _, g := range gorder {
		ks := groups[g]
		for x, a := range ks {
			for _, b := range ks[x+1:] {
				if !anyView(paths[b]) || !anyView(paths[a]) || !disjoint(paths[a], paths[b]) {
					continue
				}
				if absDur(r.startRef(g.s, paths[a]).Sub(r.startRef(g.s, paths[b]))) > 10*time.Second {
					continue
				}
				if contradicts(g.s, pathOwner[a].passive, paths[a], paths[b]) || outcomesContradict(g.s, paths[a], paths[b]) {
					continue
				}
				for k, v := range paths[b] {
					if v != nil {
						paths[a][k] = v
					}
				}
				pathOwner[a] = owner{s: g.s, ann: g.ann, passive: pathOwner[a].passive, alt: mergeAlt(pathOwner[a], pathOwner[b])}
				paths[b] = make([]*Data, n)
			}
		}
	}
	r.pairTwins(paths, pathOwner)
	for k, views := range paths {
		if !anyView(views) {
			continue
		}
		o := pathOwner[k]
		s := o.s
		p := &Path{Views: views, Passive: o.passive, After: -1, Before: -1}
		for _, x := range o.alt {
			if x != s && !slices.Contains(p.Ambiguous, x.ID) {
				p.Ambiguous = append(p.Ambiguous, x.ID)
			}
		}
		slices.Sort(p.Ambiguous)
		if o.ann >= 0 {
			p.Announcement = s.Announcements[o.ann].Index
			// The receiver of the announcement made the connection: it
			// arrived (unless which session's it is is in doubt).
			if len(p.Ambiguous) == 0 {
				s.Announcements[o.ann].entry.answered = true
			}
		}
		s.Data = append(s.Data, p)
	}
	r.dataAt = make([][2]bool, n)
	for _, s := range r.Sessions {
		for _, p := range s.Data {
			for i, v := range p.Views {
				if v != nil {
					r.dataAt[i][modeIndex(p.Passive)] = true
				}
			}
		}
	}
	r.otherPorts = make([]bool, n)
	for i, c := range cs {
		// What an earlier batch of a Stream showed of the point counts.
		r.otherPorts[i] = c.carry.otherPorts || otherPorts(c)
		r.dataAt[i][0] = r.dataAt[i][0] || c.carry.dataAt[0]
		r.dataAt[i][1] = r.dataAt[i][1] || c.carry.dataAt[1]
	}
	for _, s := range r.Sessions {
		r.sortData(s)
		if s.OrderedBy != "timing" && s.OrderedBy != "clocks" {
			// The data connections may order what the timing could not.
			r.dataVotes(s)
			r.orderSession(s)
		}
		for _, p := range s.Data {
			p.Order = slices.Clone(s.Order)
			if !p.Passive {
				slices.Reverse(p.Order)
			}
			r.judge(s, p)
			for i, v := range p.Views {
				if two, ok := r.foldedData[v]; ok {
					p.Gaps = append(p.Gaps, fmt.Sprintf("%s holds it twice, on both sides of a NAT (%s; %s): taken as one, what either saw",
						r.name(i), sawData(two[0]), sawData(two[1])))
				}
			}
		}
	}
}

// sawData says what a view of a data connection saw, briefly.
func sawData(d *Data) string {
	sa := "no SYN-ACK"
	if d.SYNACKs > 0 {
		sa = fmt.Sprintf("%d SYN-ACK%s", d.SYNACKs, plural(d.SYNACKs))
	}
	s := fmt.Sprintf("%s -> %s: %d SYN%s, %s", d.Src, d.Dst, d.SYNs, plural(d.SYNs), sa)
	if d.Bytes > 0 {
		s += fmt.Sprintf(", %d bytes", d.Bytes)
	}
	return s
}

// foldTwins finds the data connections point i holds twice, the same
// connection under other addresses (both sides of a NAT: tcpdump -i any
// on the router): the same SYN (and SYN-ACK) ISN, within a second, owned
// by the same session. Each pair becomes one view, under the addresses of
// the copy the session's control connection there has (else the first),
// holding what either copy saw: the SYN-ACKs one side of the router saw
// passed the point. It returns, for each copy folded, the view that
// stands for both (nil for the one left out); owners gets the new views.
func (r *Report) foldTwins(i int, list []*Data, owners map[*Data]owner) map[*Data]*Data {
	as := map[*Data]*Data{}
	byISN := map[uint32][]*Data{} // twins share it: no pair of views is compared otherwise
	for _, d := range list {
		if _, ok := owners[d]; ok && d.HaveISN {
			byISN[d.ISN] = append(byISN[d.ISN], d)
		}
	}
	for _, a := range list {
		oa, ok := owners[a]
		if _, done := as[a]; !ok || done || !a.HaveISN {
			continue
		}
		group := byISN[a.ISN]
		if len(group) > maxTwinGroup {
			continue // an ISN many connections share (a fixed one): which copies go together is not known
		}
		for _, b := range group {
			if b == a {
				continue
			}
			ob, ok := owners[b]
			if _, done := as[b]; !ok || done || !twinData(a, b) || !oa.allows(ob.s) && !ob.allows(oa.s) {
				continue
			}
			keep, other := a, b
			if !r.asControlHas(i, oa, a) && r.asControlHas(i, ob, b) {
				keep, other = b, a
			}
			m := foldData(keep, other)
			owners[m] = owners[keep]
			if r.foldedData == nil {
				r.foldedData = map[*Data][2]*Data{}
			}
			r.foldedData[m] = [2]*Data{keep, other}
			as[keep], as[other] = m, nil
			break
		}
	}
	return as
}

// maxTwinGroup bounds the views of one point sharing a SYN's ISN that
// foldTwins compares pairwise: two per connection a point holds twice,
// more only when a sender reuses its ISN.
const maxTwinGroup = 8

// twinData: a and b, at one point, are one connection under two pairs of
// addresses: the same SYN ISN, the same SYN-ACK ISN when both saw one,
// other addresses, their first SYNs within a second.
func twinData(a, b *Data) bool {
	return a.HaveISN && b.HaveISN && a.ISN == b.ISN && (a.Src != b.Src || a.Dst != b.Dst) &&
		(a.SYNACKs == 0 || b.SYNACKs == 0 || a.SYNACKISN == b.SYNACKISN) && absDur(a.FirstSYN.Sub(b.FirstSYN)) <= coverAfter
}

// asControlHas: d's addresses are those of its owner's control connection
// at point i (the copy the session was paired by), sender and receiver.
func (r *Report) asControlHas(i int, o owner, d *Data) bool {
	c := o.s.Views[i]
	if c == nil {
		return false
	}
	if o.passive {
		return d.Src.Addr() == c.Client.Addr() && d.Dst.Addr() == c.Server.Addr()
	}
	return d.Src.Addr() == c.Server.Addr() && d.Dst.Addr() == c.Client.Addr()
}

// foldData is keep holding what other, the same connection on the other
// side of a NAT at the same point, saw too: the most SYNs, SYN-ACKs and
// bytes of either, the earliest answer, reset and ICMP error.
func foldData(keep, other *Data) *Data {
	m := *keep
	m.SYNTimes = slices.Clone(keep.SYNTimes)
	if other.SYNs > m.SYNs {
		m.SYNs, m.SYNTimes = other.SYNs, slices.Clone(other.SYNTimes)
	}
	if other.FirstSYN.Before(m.FirstSYN) {
		m.FirstSYN = other.FirstSYN
	}
	if other.LastSYN.After(m.LastSYN) {
		m.LastSYN = other.LastSYN
	}
	if other.SYNACKs > 0 && (m.SYNACKs == 0 || other.SYNACK.Before(m.SYNACK)) {
		m.SYNACK, m.SYNACKISN = other.SYNACK, other.SYNACKISN
	}
	m.SYNACKs = max(m.SYNACKs, other.SYNACKs)
	if !other.RST.IsZero() && (m.RST.IsZero() || other.RST.Before(m.RST)) {
		m.RST, m.RSTFromDst, m.RSTFrom, m.RSTTTL = other.RST, other.RSTFromDst, other.RSTFrom, other.RSTTTL
	}
	if !other.ICMP.IsZero() && (m.ICMP.IsZero() || other.ICMP.Before(m.ICMP)) {
		m.ICMP, m.ICMPFrom, m.ICMPType, m.ICMPCode, m.ICMPTTL = other.ICMP, other.ICMPFrom, other.ICMPType, other.ICMPCode, other.ICMPTTL
	}
	if other.Bytes > m.Bytes {
		m.Bytes = other.Bytes
	}
	for x := range m.Flows {
		if other.Flows[x].Sent > m.Flows[x].Sent || other.Flows[x].Sent == m.Flows[x].Sent && other.Flows[x].Bytes > m.Flows[x].Bytes {
			m.Flows[x] = other.Flows[x]
		}
		m.Flows[x].holes = slices.Clone(m.Flows[x].holes)
	}
	m.SenderSegs = max(m.SenderSegs, other.SenderSegs)
	if other.Last.After(m.Last) {
		m.Last = other.Last
	}
	return &m
}

// pairTwins pairs what is left of the single-point views whose owners
// are in doubt (each owner allows the other's session): one connection
// when its source is the same at both points and the session shows the
// box between them keeps the sender's address and port (the control
// connection's peer on that side the same at both), within 10 s.
func (r *Report) pairTwins(paths [][]*Data, pathOwner map[int]owner) {
	type key struct {
		src netip.AddrPort
	}
	bySrc := map[key][]int{}
	for k, views := range paths {
		o := pathOwner[k]
		if len(o.alt) == 0 {
			continue
		}
		one := -1
		for i, v := range views {
			if v != nil {
				if one >= 0 {
					one = -2
					break
				}
				one = i
			}
		}
		if one < 0 {
			continue
		}
		bySrc[key{views[one].Src}] = append(bySrc[key{views[one].Src}], k)
	}
	keeps := func(s *Session, passive bool, i, j int) bool {
		ci, cj := s.Views[i], s.Views[j]
		if ci == nil || cj == nil {
			return false
		}
		if passive {
			return ci.Client == cj.Client
		}
		return ci.Server.Addr() == cj.Server.Addr()
	}
	for _, ks := range bySrc {
		for x, a := range ks {
			for _, b := range ks[x+1:] {
				if !anyView(paths[a]) || !anyView(paths[b]) || !disjoint(paths[a], paths[b]) {
					continue
				}
				oa, ob := pathOwner[a], pathOwner[b]
				if oa.passive != ob.passive || !oa.allows(ob.s) && !ob.allows(oa.s) {
					continue
				}
				ok := true
				for i, v := range paths[a] {
					for j, w := range paths[b] {
						if v != nil && w != nil && !(keeps(oa.s, oa.passive, i, j) && keeps(ob.s, ob.passive, i, j)) {
							ok = false
						}
					}
				}
				if !ok || absDur(r.startRef(oa.s, paths[a]).Sub(r.startRef(oa.s, paths[b]))) > 10*time.Second {
					continue
				}
				for k, v := range paths[b] {
					if v != nil {
						paths[a][k] = v
					}
				}
				oa.alt = mergeAlt(oa, ob)
				pathOwner[a] = oa
				paths[b] = make([]*Data, len(paths[b]))
			}
		}
	}
}

// mergeAlt is the union of two owners' alternatives and owners, less the
// first's owner.
func mergeAlt(a, b owner) []*Session {
	var out []*Session
	for _, x := range append(append(slices.Clone(a.alt), b.alt...), b.s) {
		if x != a.s && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// contradicts: two single-point views of data connections cannot be one
// connection, by what the session's control connection shows the box
// between their points does: where it kept the data sender's address
// (the control connection's peer on that side is the same at both
// points) the connections' sources must agree, and their ports too where
// it kept the control connection's port.
func contradicts(s *Session, passive bool, a, b []*Data) bool {
	for i, x := range a {
		if x == nil {
			continue
		}
		for j, y := range b {
			if y == nil || i == j || s.Views[i] == nil || s.Views[j] == nil {
				continue
			}
			ci, cj := s.Views[i].Client, s.Views[j].Client // the passive sender's side
			if !passive {
				ci, cj = s.Views[i].Server, s.Views[j].Server
			}
			if ci.Addr() == cj.Addr() && x.Src.Addr() != y.Src.Addr() {
				return true
			}
			if passive && ci == cj && x.Src != y.Src {
				return true
			}
		}
	}
	return false
}

// resendGap is how long after a point saw a handshake complete another
// point may still see the sender's SYN for one connection: past it, the
// sender was resending a SYN it had had the answer to, which TCP does
// not (its first retransmission comes 1 s after the SYN).
const resendGap = 500 * time.Millisecond

// outcomesContradict: two single-point views of data connections, with
// other sequence numbers (a box may randomise them), cannot be one
// connection when what they saw cannot both be true: one saw the
// handshake complete (the SYN-ACK, then the sender's acknowledgment or
// payload), the other no SYN-ACK at all and the sender still resending
// its SYN well after that (on the session's clocks). The SYN-ACK reached
// the sender, so a point on its way would have seen it, and the sender
// would have stopped resending.
func outcomesContradict(s *Session, a, b []*Data) bool {
	done := func(d *Data) bool { return d.SYNACKs > 0 && (d.Bytes > 0 || d.Flows[1].HaveAck) }
	check := func(x []*Data, y []*Data) bool {
		for i, d := range x {
			if d == nil || !done(d) {
				continue
			}
			for j, e := range y {
				if e == nil || e.SYNACKs > 0 || e.SYNs < 2 || e.LastSYN.IsZero() {
					continue
				}
				if s.corrected(j, e.LastSYN).Sub(s.corrected(i, d.SYNACK)) > resendGap {
					return true
				}
			}
		}
		return false
	}
	return check(a, b) || check(b, a)
}

// sortData numbers the session's data connections in the order of the
// announcements they answer (the session's own order, whichever point is
// named first), then of when they started; one that answers none goes
// after the announcement last made before it.
func (r *Report) sortData(s *Session) {
	type key struct {
		ann int
		at  time.Time
	}
	keys := map[*Path]key{}
	for _, p := range s.Data {
		k := key{ann: p.Announcement, at: r.startRef(s, p.Views)}
		if k.ann == 0 {
			for _, a := range s.Announcements {
				if a.entry != nil && !a.entry.at.After(k.at) {
					k.ann = a.Index
				}
			}
		}
		keys[p] = k
	}
	slices.SortStableFunc(s.Data, func(a, b *Path) int {
		ka, kb := keys[a], keys[b]
		if c := cmp.Compare(ka.ann, kb.ann); c != 0 {
			return c
		}
		return ka.at.Compare(kb.at)
	})
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

// ownerAt finds the session a data connection seen at point i answers:
// an announcement this point saw before its SYN that names its
// destination (answers), of a session whose control connection was still
// open, that the session's next announcement had not replaced; one not
// answered yet by an earlier connection (taken) before one that was, one
// whose control connection's peer is the connection's source before one
// whose is not. Of those left the latest owns it; other sessions among
// them are alternatives (owner.alt: which one's it is is ambiguous).
// An announcement the point missed (a capture gap) counts as another
// point saw it (its port, and this point's control connection's peers),
// ranked with those the point saw, after one it saw that ranks alike
// (and not its alternative). Where a point could not read the
// announcements (encrypted, cut by the snap length), the control
// connection's client or server address decides.
func (r *Report) ownerAt(i int, d *Data, taken map[annRef]int) (owner, bool) {
	start := d.Start()
	type cand struct {
		ref     annRef
		at      time.Time
		passive bool
		rank    int  // rankOf, doubled; plus 1 for an announcement the point saw
		doubt   bool // answered already by a connection whose owner is in doubt
	}
	var cands []cand
	for _, ref := range r.annIndex[annKey{i, d.Dst.Port()}] {
		s, k := ref.s, ref.ann
		c, an := s.Views[i], s.Announcements[k].Views[i]
		if an.TS.After(start) || !answers(c, an, d) {
			continue
		}
		if r.replacedAt(i, s, k, an.TS, start) {
			continue
		}
		cands = append(cands, cand{ref, an.TS, an.Via.Passive(), 2*rankOf(c, d, an.Via.Passive(), taken[ref] > 0, start) + 1, taken[ref] == 2})
	}
	// Announcements the point missed (a capture gap), as another point saw
	// them, rank with the ones it saw: an open session's unanswered one
	// the point missed outranks another's it saw, answered or closed. Of
	// two that rank alike, the one the point saw (what it holds says
	// more than what is inferred from another point).
	for _, m := range r.missIndex[annKey{i, d.Dst.Port()}] {
		s, k, j := m.s, m.ann, m.j
		c, an := s.Views[i], s.Announcements[k].Views[m.j]
		if !r.openAt(i, c, start) {
			continue
		}
		// From the control connection's peer on the announcement's
		// receiver's side, to that peer or to the address the
		// announcement named at any point (a client that dials the
		// 227's address, not the control connection's).
		passive := an.Via.Passive()
		from, to := c.Server.Addr(), c.Client.Addr()
		if passive {
			from, to = c.Client.Addr(), c.Server.Addr()
		}
		if d.Src.Addr() != from || d.Dst.Addr() != to && !slices.ContainsFunc(s.Announcements[k].Views, func(w *Announcement) bool {
			return w != nil && w.Endpoint.Addr().IsValid() && w.Endpoint.Addr() == d.Dst.Addr()
		}) {
			continue
		}
		at := s.corrected(j, an.TS).Add(s.offsets[i]) // on point i's clock
		if at.After(start.Add(coverAfter)) || r.replacedAt(i, s, k, at, start) {
			continue
		}
		ref := m.annRef
		cands = append(cands, cand{ref, at, passive, 2 * rankOf(c, d, passive, taken[ref] > 0, start), taken[ref] == 2})
	}
	if len(cands) > 0 {
		top := slices.MaxFunc(cands, func(a, b cand) int {
			if c := cmp.Compare(a.rank, b.rank); c != 0 {
				return c
			}
			return a.at.Compare(b.at)
		})
		o := owner{s: top.ref.s, ann: top.ref.ann, passive: top.passive}
		for _, c := range cands {
			// As good, or only worse for being answered by a
			// connection whose own owner is in doubt (both seen here, or
			// both missed).
			if (c.rank == top.rank || c.doubt && c.rank+4 == top.rank) && c.ref.s != o.s && !slices.Contains(o.alt, c.ref.s) {
				o.alt = append(o.alt, c.ref.s)
			}
		}
		return o, true
	}
	// Where the announcements could not be read: by address.
	var best owner
	var bestAt time.Time
	found := false
	for _, s := range r.unreadable[i] {
		c := s.Views[i]
		if !r.openAt(i, c, start) {
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
	if !found {
		if r.unowned == nil {
			r.unowned = make([][]*Data, len(r.Points))
		}
		r.unowned[i] = append(r.unowned[i], d)
	}
	return best, found
}

// unpairedLike finds, among the data connections of point i that no
// session claims there, one that is p's (the same SYN or SYN-ACK
// sequence number as a view of p, or the same ports within a minute on
// the reference clock): the point captured it, but its view could not be
// paired (its control connection there unpaired, or the announcement it
// answers not known there).
func (r *Report) unpairedLike(s *Session, p *Path, i int) *Data {
	if i >= len(r.unowned) {
		return nil
	}
	for _, d := range r.unowned[i] {
		for j, v := range p.Views {
			if v == nil {
				continue
			}
			if d.HaveISN && v.HaveISN && d.ISN == v.ISN || d.SYNACKs > 0 && v.SYNACKs > 0 && d.SYNACKISN == v.SYNACKISN {
				return d
			}
			if d.Src.Port() == v.Src.Port() && d.Dst.Port() == v.Dst.Port() && (i == 0 || r.Offsets[i].Samples > 0) &&
				absDur(r.corrected(i, d.Start()).Sub(s.corrected(j, v.Start()))) <= time.Minute {
				return d
			}
		}
	}
	return nil
}

// openAt: c, seen at point i, may have been open at t (on i's clock):
// its first packet there came by t (within the point's timestamp
// resolution), or the point did not capture its SYN and the capture
// itself started by then (a capture that starts at a data connection's
// SYN sees its control connection's first packet later).
func (r *Report) openAt(i int, c *Control, t time.Time) bool {
	tol := t.Add(r.tick(i))
	if !c.Start.After(tol) {
		return true
	}
	return !c.HaveISN[0] && r.Spans[i].Packets > 0 && !r.Spans[i].First.After(tol)
}

// rankOf ranks an announcement d may answer at the point where c was
// seen: its control connection still open at d's start (4) before one
// closed then, not answered yet (2) before answered, and the control
// connection's peer as the source (1) before another.
func rankOf(c *Control, d *Data, passive, taken bool, start time.Time) int {
	k := 0
	if !c.Last.Before(start) {
		k += 4
	}
	if !taken {
		k += 2
	}
	if passive && d.Src.Addr() == c.Client.Addr() || !passive && d.Src.Addr() == c.Server.Addr() {
		k++
	}
	return k
}

// replacedAt: session s made another announcement of the same mode
// (passive, active) after its k-th, at at, and by start, on point i's
// clock (as point i saw it, else as the first point that did): the
// later one replaced it.
func (r *Report) replacedAt(i int, s *Session, k int, at, start time.Time) bool {
	passive := announcementVia(s.Announcements[k]).Passive()
	for x, o := range s.Announcements {
		if x == k {
			continue
		}
		w, t := o.Views[i], time.Time{}
		if w != nil {
			t = w.TS
		} else {
			for j, v := range o.Views {
				if v != nil {
					w, t = v, s.corrected(j, v.TS).Add(s.offsets[i])
					break
				}
			}
		}
		if w != nil && w.Via.Passive() == passive && t.After(at) && !t.After(start) {
			return true
		}
	}
	return false
}

// announcementVia is how any point saw a announcement's kind.
func announcementVia(a AnnouncementPath) ftp.Via {
	for _, v := range a.Views {
		if v != nil {
			return v.Via
		}
	}
	return 0
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
	r.missIndex = map[annKey][]annMiss{}
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
			// Where a point that saw the session missed it: as the
			// first other point that saw it (each port once).
			for i, an := range a.Views {
				if an != nil || s.Views[i] == nil {
					continue
				}
				var ports []uint16
				for j, w := range a.Views {
					if w == nil || j == i || slices.Contains(ports, w.Endpoint.Port()) {
						continue
					}
					ports = append(ports, w.Endpoint.Port())
					key := annKey{i, w.Endpoint.Port()}
					r.missIndex[key] = append(r.missIndex[key], annMiss{annRef{s, k}, j})
				}
			}
		}
	}
}

// annMiss is an announcement a point missed, as point j saw it.
type annMiss struct {
	annRef
	j int
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
	if !s.OrderKnown && r.judgeUnordered(s, p) {
		return
	}
	// When the SYN first passed a point, on the reference clock.
	t0 := r.startRef(s, views)
	// A point that captured one direction of the session only cannot
	// have seen the SYN (blindSYN) or the answer (blindAnswer): what it
	// lacks there is not a loss.
	blindSYN := func(i int) bool { return !s.Sees(i, p.Passive) }
	blindAnswer := func(i int) bool { return !s.Sees(i, !p.Passive) }
	local := func(i int, t time.Time) time.Time { return t.Add(s.offsets[i]) }
	capturing := func(i int, t time.Time) bool { return r.capturingRef(s, i, t) }
	spanNote := func(i int, t time.Time) string {
		v := r.Spans[i]
		at := local(i, t)
		switch {
		case v.Packets == 0:
			return "it captured nothing"
		case !s.clockKnown(i) && r.pairedElsewhere(i):
			return fmt.Sprintf("its clock offset is unknown (its connections paired only with points whose clocks are not tied to %s's)", r.name(0))
		case !s.clockKnown(i):
			return "its clock offset is unknown (none of its connections paired with another point's)"
		// Its first and last packets are what is known of when it
		// captured, not when the capture started or ended.
		case at.Before(v.First):
			return "its first packet came " + howLong(v.First.Sub(at), "later")
		case at.After(v.Last):
			return "its last packet came " + howLong(at.Sub(v.Last), "before")
		}
		if b, ok := v.breakAround(at, coverAfter); ok {
			// Between two of its files (one missing, say).
			if at.After(b.After) {
				return "none of its files covers that time: one ended " + howLong(at.Sub(b.After), "before") + ", the next began " + howLong(b.Before.Sub(at), "later")
			}
			return "one of its files ended " + howLong(b.After.Sub(at), "after") + ", too soon to tell, and the next began " + howLong(b.Before.Sub(at), "after")
		}
		return "its last packet came " + howLong(v.Last.Sub(at), "after") + ", too soon to tell"
	}
	// notCapturing says point i was not capturing at t, or, its clock
	// not known against the session's, that whether it was is not known.
	notCapturing := func(i int, t time.Time) string {
		if !s.clockKnown(i) && r.Spans[i].Packets > 0 {
			return fmt.Sprintf("whether %s was capturing then is not known (%s)", r.name(i), spanNote(i, t))
		}
		return fmt.Sprintf("%s was not capturing then (%s)", r.name(i), spanNote(i, t))
	}
	// notCapturingGap is notCapturing as a note of p.Gaps.
	notCapturingGap := func(i int, t time.Time) string {
		if !s.clockKnown(i) && r.Spans[i].Packets > 0 {
			return fmt.Sprintf("whether %s was capturing then is not known: %s", r.name(i), spanNote(i, t))
		}
		return fmt.Sprintf("%s was not capturing then: %s", r.name(i), spanNote(i, t))
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
	// The sender went on after its SYN (its acknowledgment of the
	// SYN-ACK): the answer reached it, through every point, though none
	// captured it. saK stays that of a SYN-ACK (or payload) seen.
	acked := senderAnswered(views)
	answered = answered || acked
	// An answer seen, yet the next point toward the receiver, capturing
	// then and holding the receiver's other data connections (its
	// capture keeps them) or the server's 425 after the SYN (it never got
	// the connection), saw nothing of this one: the answer came from a
	// box in between (a SYN proxy, a proxy), not from the receiver.
	// When no payload came either, the connection never reached past it.
	proxied, proxyNext, proxyWhy := false, -1, ""
	if answered && lastK < len(order)-1 {
		if next := order[lastK+1]; capturing(next, t0) {
			var why []string
			if r.holdsReceiverData(p, next) {
				why = append(why, "it holds the receiver's other data connections")
			}
			if p.Passive && failedAfter(s.Views[next], local(next, t0)) {
				why = append(why, "the server's reply there is 425, it never got the connection")
			}
			// The server's reply there says the transfer completed: it
			// got the connection, which the capture missed.
			gotIt := p.Passive && completedAfter(s.Views[next], local(next, t0))
			proxied, proxyNext, proxyWhy = len(why) > 0 && !gotIt, next, strings.Join(why, "; ")
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
		// A view of it the point holds unpaired says it was capturing,
		// whatever its clock.
		unpaired := v == nil && (k > firstK || answered) && r.unpairedLike(s, p, i) != nil
		switch {
		case v == nil && !capturing(i, t0) && !unpaired:
			p.Gaps = append(p.Gaps, notCapturingGap(i, t0))
		case v == nil && blindSYN(i):
			p.Gaps = append(p.Gaps, r.oneWayNote(i, !p.Passive)+": not the SYN")
		case v != nil && v.SYNACKs == 0 && answered && blindAnswer(i):
			p.Gaps = append(p.Gaps, r.oneWayNote(i, p.Passive)+": not the SYN-ACK")
		case v == nil && proxied && k > lastK:
			p.Gaps = append(p.Gaps, fmt.Sprintf("%s was capturing and saw nothing of it (%s): the answer came from a box before it (a SYN proxy, a proxy), not the receiver", r.name(i), proxyWhy))
		case v == nil && (k > firstK || answered):
			if d := r.unpairedLike(s, p, i); d != nil {
				why := "the announcement it answers is not known there"
				if s.Views[i] == nil {
					why = "the point's control connection was not paired with the other points'"
				}
				sa := "no SYN-ACK"
				if d.SYNACKs > 0 {
					sa = fmt.Sprintf("%d SYN-ACK%s", d.SYNACKs, plural(d.SYNACKs))
				}
				p.Gaps = append(p.Gaps, fmt.Sprintf("%s captured it (%s -> %s, %d SYN%s, %s), but that view could not be paired: %s; no verdict is drawn from it",
					r.name(i), d.Src, d.Dst, d.SYNs, plural(d.SYNs), sa, why))
				break
			}
			what := "it"
			if answered && k < saK && !senderAnswered(views) {
				// Only the SYN is known to have passed: whether the
				// answer came back through it is what it cannot tell.
				what = "its SYN"
			}
			p.Gaps = append(p.Gaps, fmt.Sprintf("%s did not capture it, though %s passed there", r.name(i), what))
		case v != nil && v.SYNs == 0 && blindSYN(i):
			p.Gaps = append(p.Gaps, r.oneWayNote(i, !p.Passive)+": not the SYN")
		case v != nil && v.SYNs == 0:
			p.Gaps = append(p.Gaps, fmt.Sprintf("%s did not capture the SYN, though it passed there", r.name(i)))
		case v != nil && v.SYNACKs == 0 && (v.Flows[1].Bytes > 0 || k > saK && saK >= 0 &&
			slices.ContainsFunc(order[k+1:], func(j int) bool { return views[j] != nil && views[j].SYNACKs > 0 })):
			// It saw the receiver's payload (though it may be the point
			// nearest the sender that saw the answer), or points on
			// either side of it saw the SYN-ACK: the receiver answered
			// through it.
			p.Gaps = append(p.Gaps, fmt.Sprintf("%s did not capture the SYN-ACK, though it passed there", r.name(i)))
		case v != nil && v.SYNACKs == 0 && acked:
			p.Gaps = append(p.Gaps, fmt.Sprintf("%s did not capture the SYN-ACK, though it passed there (the sender acknowledged it)", r.name(i)))
		}
	}
	recv := views[order[lastK]]
	if proxied && !anyBytes(views) {
		p.Where, p.After, p.Before = LostSYN, order[lastK], proxyNext
		if saK < 0 {
			// No SYN-ACK seen: the sender's acknowledgment of one.
			k := slices.IndexFunc(order, func(i int) bool { return views[i] != nil && views[i].SenderSegs > 0 })
			p.Verdict = fmt.Sprintf("the SYN passed %s and never reached %s: lost in between; the answer the sender acknowledged at %s came from a box in between (a SYN proxy, a proxy) answering for %s, not from the receiver",
				r.name(order[lastK]), r.name(proxyNext), r.name(order[k]), recv.Dst)
			return
		}
		sa := views[order[saK]]
		p.Verdict = fmt.Sprintf("the SYN passed %s and never reached %s: lost in between; the %d SYN-ACK%s seen at %s came from a box in between (a SYN proxy, a proxy) answering for %s, not from the receiver",
			r.name(order[lastK]), r.name(proxyNext), sa.SYNACKs, plural(sa.SYNACKs), r.name(order[saK]), recv.Dst)
		return
	}
	if !answered {
		if lastK < len(order)-1 {
			// A point capturing while any of the SYNs passed (and for
			// coverAfter after it), and that saw none of them, proves a
			// loss: the first may predate its capture while a
			// retransmission falls inside it, the last come too near
			// its end. watching says whether point i could have seen the
			// SYN, and what to note of it.
			refused := refusedBack(p, firstK, lastK)
			from := r.refusalFrom(s, p, firstK, lastK)
			filtered := -1                   // the first point whose capture may keep no such data connection
			filteredNote := map[int]string{} // what is noted of each
			watching := func(i int) (bool, string) {
				switch {
				case blindSYN(i):
					return false, r.oneWayNote(i, !p.Passive)
				case refused && from.before(i):
					// The refusal's TTL (or the ICMP error's sender)
					// places the box before the point: the SYN never
					// reached it, whatever its capture keeps.
					return true, ""
				}
				watch, note := false, ""
				switch {
				case capturing(i, t0):
					watch = true
				case r.anySYNCovered(s, p, firstK, lastK, i):
					watch, note = true, fmt.Sprintf("%s was not capturing at the first SYN (%s); it was at a later one", r.name(i), spanNote(i, t0))
				case r.capturingPastRefusal(s, p, firstK, lastK, i, t0):
					// The sender gave up at the refusal (and closed its
					// session): the capture need not go on for
					// coverAfter.
					watch = true
				default:
					return false, notCapturing(i, t0)
				}
				if !r.keepsData(i, p.Passive) {
					// The SYN may have passed it (a refusal may be the
					// receiver's, NATed back) past a capture that
					// keeps no such data connection (the control port
					// only): its silence is no loss.
					when := "its capture went on past it"
					if !capturing(i, t0) {
						when = spanNote(i, t0)
					}
					note := fmt.Sprintf("whether %s would have captured it is not known (%s, and it holds no data connection of any session made as this one was (%s), nor any packet a filter on FTP's ports would drop (ARP, UDP, other TCP ports, ICMP errors): a capture filter keeping the control connections only%s, or every one stopped before it)",
						r.name(i), when, modeName(p.Passive), dataPortFilter(p.Passive))
					if filtered < 0 {
						filtered = i
					}
					filteredNote[i] = note
					return false, note
				}
				return watch, note
			}
			next := order[lastK+1]
			ok, note := watching(next)
			if !ok {
				// The next point could not tell; one further on, that
				// could, and saw nothing, places the loss before it.
				for k := lastK + 2; k < len(order); k++ {
					further := order[k]
					if fok, fnote := watching(further); fok {
						for _, i := range order[lastK+1 : k] {
							switch fnote, has := filteredNote[i]; {
							case blindSYN(i):
								p.Gaps = append(p.Gaps, r.oneWayNote(i, !p.Passive)+": not the SYN")
							case has:
								p.Gaps = append(p.Gaps, fnote)
							default:
								p.Gaps = append(p.Gaps, notCapturingGap(i, t0))
							}
						}
						next, ok, note = further, true, fnote
						break
					}
				}
			}
			if !ok && from.receiver {
				// No capture past the point tells; the reset's TTL does.
				p.Gaps = append(p.Gaps, note)
				p.Where = RSTFromReceiver
				p.Verdict = fmt.Sprintf("the receiver %s refused it: the reset in its name seen at %s came with the TTL its own packets come with there (%d): sent from as far away as the receiver (its host or its own firewall, or a bridging firewall just in front of it that answers with the host's TTL), not from a router in between",
					recv.Dst.Addr(), r.name(from.at), from.ttl)
				return
			}
			if !ok {
				p.Where = NotCaptured
				p.Verdict = fmt.Sprintf("the SYN passed %s; %s: nothing is known past %s", r.name(order[lastK]), note, r.name(order[lastK]))
				switch {
				case from.icmpReceiver:
					p.Verdict += fmt.Sprintf("; the ICMP error in the receiver's name seen at %s came with the TTL its own packets come with there (%d): sent from as far away as the receiver (its host's own firewall, or a bridging one just in front of it), not from a router in between",
						r.name(from.at), from.ttl)
				case filtered >= 0 && !refused:
					if filtered != order[lastK+1] {
						p.Verdict += "; " + filteredNote[filtered]
					}
					p.Verdict += fmt.Sprintf("; if %s captured every packet (no filter), the SYN was dropped between %s and %s", r.name(filtered), r.name(order[lastK]), r.name(filtered))
				}
				return
			}
			if note != "" {
				p.Gaps = append(p.Gaps, note)
			}
			p.Where, p.After, p.Before = LostSYN, order[lastK], next
			p.Verdict = fmt.Sprintf("the SYN passed %s and never reached %s: dropped in between", r.name(order[lastK]), r.name(next))
			// A reset seen on the sender's side of a point the SYN never
			// reached came from a box before that point, whatever
			// address it bears (a reject rule forges the receiver's).
			// The first seen where the SYN still bore the address it had
			// at the box tells it (past another NAT router on the way
			// back the reset bears that router's address), else the
			// one nearest the box.
			if k, ok := refusalPoint(p, firstK, lastK, func(v *Data) bool { return !v.RST.IsZero() && v.RSTFrom != v.Src.Addr() }); ok {
				v := views[order[k]]
				from := fmt.Sprintf("a reset from %s", v.RSTFrom)
				if v.RSTFromDst {
					from = fmt.Sprintf("a reset in the receiver's name (from %s)", v.RSTFrom)
				}
				by := " (a reject rule)"
				if dialled := recv.Dst.Addr(); v.RSTFromDst && translatedPast(s, p, next, dialled) {
					// The address dialled is not the receiver's past the
					// box: the box's own (a DNAT router's), whose own
					// stack resets a port it does not forward. Named as
					// the SYN bore it leaving the last point before the
					// box, not as a router nearer the sender had it.
					switch h := hopsOf(v.RSTTTL); {
					case v.RSTTTL != 0 && h > 0:
						// It came from past the first router after the
						// point: not from the router dialled there.
						by = fmt.Sprintf(": a reject rule, or a port a router does not forward (its own stack answers), not the first router past %s: the reset passed %d router%s on its way back to it", r.name(order[k]), h, plural(h))
					case v.Dst.Addr() != dialled:
						by = fmt.Sprintf(": a reject rule, or, if %s (the address the SYN bore at %s) is a router's own address, a port that router does not forward (its own stack answers)", dialled, r.name(order[lastK]))
					default:
						by = fmt.Sprintf(": a reject rule, or, if %s is the router's own address, a port the router does not forward (its own stack answers)", dialled)
					}
				}
				p.Where = RSTInBetween
				p.Verdict = fmt.Sprintf("the SYN passed %s and never reached %s, and %s reached %s: refused in between, by a box that answers with a TCP reset%s",
					r.name(order[lastK]), r.name(next), from, r.name(order[k]), by)
				return
			}
			if r.inBetween(p, firstK, lastK) {
				return
			}
			// An ICMP error in the receiver's name (the address the
			// sender dialled, a router's own when it forwards the port)
			// from before a point the SYN never reached came from a box
			// in between, as a reset does.
			if k, ok := refusalPoint(p, firstK, lastK, func(v *Data) bool { return !v.ICMP.IsZero() }); ok {
				v := views[order[k]]
				from := fmt.Sprintf("in the receiver's name (from %s)", v.ICMPFrom)
				if v.ICMPFrom != v.Dst.Addr() {
					from = fmt.Sprintf("from %s (not the address the SYN was sent to: a router's own)", v.ICMPFrom)
				}
				p.Where = ICMPInBetween
				p.Verdict = fmt.Sprintf("the SYN passed %s and never reached %s, and an ICMP error (type %d code %d) %s reached %s: refused in between, by a box that answers with an ICMP error (a reject rule)",
					r.name(order[lastK]), r.name(next), v.ICMPType, v.ICMPCode, from, r.name(order[k]))
				return
			}
			return
		}
		if !recv.RST.IsZero() && recv.RSTFromDst {
			p.Where, p.Verdict = RSTFromReceiver, fmt.Sprintf("the receiver %s refused it (RST seen at %s)", recv.Dst.Addr(), r.name(order[lastK]))
			return
		}
		if r.inBetween(p, firstK, lastK) {
			return
		}
		// An answer to any SYN that reached the point would have been
		// seen there: its first (it passed inside the capture) decides,
		// the capture having gone on for coverAfter after it. Not the
		// last: a client gives up less than coverAfter after its last
		// retransmission.
		if !capturing(order[lastK], s.corrected(order[lastK], recv.Start())) {
			p.Where = NotCaptured
			p.Verdict = fmt.Sprintf("the SYN reached %s, the point nearest the receiver; its capture ended before an answer could be seen", r.name(order[lastK]))
			return
		}
		if blindAnswer(order[lastK]) {
			p.Where = NotCaptured
			p.Verdict = fmt.Sprintf("the SYN reached %s, the point nearest the receiver, but %s: whether the receiver answered is not known there", r.name(order[lastK]), r.oneWayNote(order[lastK], p.Passive))
			if k := r.answerWatcher(s, p, lastK, blindAnswer); k >= 0 {
				p.Verdict += fmt.Sprintf("; no answer reached %s", r.name(order[k]))
			}
			return
		}
		p.Where, p.Verdict = NoAnswer, fmt.Sprintf("the SYN reached %s, the point nearest the receiver; no answer came back", r.name(order[lastK]))
		return
	}
	if saK <= 0 || acked {
		// Seen at the point nearest the sender, or acknowledged by the
		// sender: the answer came back.
		r.delivered(s, p)
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
	blind := -1  // a point toward the sender that could not see the SYN-ACK
	missed := -1 // a point toward the sender, capturing, that holds nothing of the connection
	for k := saK - 1; k >= 0; k-- {
		i := order[k]
		if views[i] != nil && blindAnswer(i) {
			if blind < 0 {
				blind = i
			}
			continue // look further toward the sender
		}
		if !capturing(i, tSA) {
			p.Where = NotCaptured
			p.Verdict = fmt.Sprintf("the receiver %s answered it (seen at %s), but %s: nothing is known past %s",
				sa.Dst.Addr(), r.name(order[saK]), notCapturing(i, tSA), r.name(order[saK]))
			return
		}
		if views[i] == nil {
			// The SYN passed it and it kept nothing of the connection
			// (a capture filter, frames the capture dropped): its
			// silence says nothing of the SYN-ACK either. Look further
			// toward the sender.
			if missed < 0 {
				missed = i
			}
			continue
		}
		p.Where, p.After, p.Before = LostSYNACK, order[saK], i
		p.Verdict = fmt.Sprintf("the SYN reached %s and the receiver %s answered it (%d SYN-ACK%s), but the SYN-ACK passed %s and never reached %s: dropped in between",
			r.name(order[lastK]), recv.Dst, max(sa.SYNACKs, recv.SYNACKs), plural(max(sa.SYNACKs, recv.SYNACKs)), r.name(order[saK]), r.name(i))
		return
	}
	if blind >= 0 {
		p.Where = NotCaptured
		p.Verdict = fmt.Sprintf("the receiver %s answered it (seen at %s), but %s: nothing is known past %s",
			sa.Dst.Addr(), r.name(order[saK]), r.oneWayNote(blind, p.Passive), r.name(order[saK]))
		if r.neverCompleted(s, blind, views[blind]) {
			p.Verdict += fmt.Sprintf("; at %s the sender sent its SYN%s and nothing after: the answer never reached the sender", r.name(blind), plural(views[blind].SYNs))
		}
		return
	}
	if missed >= 0 && !senderAnswered(views) {
		// No point toward the sender saw the connection and none saw
		// the sender go on after its SYN: whether the answer came back
		// is not known, and it was not delivered as far as anything
		// shows.
		p.Where = NotCaptured
		p.Verdict = fmt.Sprintf("the receiver %s answered it (seen at %s), but %s kept nothing of the connection: nothing is known past %s",
			sa.Dst.Addr(), r.name(order[saK]), r.name(missed), r.name(order[saK]))
		if r.neverCompleted(s, order[saK], sa) {
			p.Verdict += fmt.Sprintf("; at %s the sender sent its SYN%s and nothing after: the answer never reached the sender", r.name(order[saK]), plural(sa.SYNs))
		}
		return
	}
	r.delivered(s, p)
}

// senderAnswered: a point saw the SYN's sender send something after its
// SYNs (not a reset), so it got the answer: the handshake completed.
func senderAnswered(views []*Data) bool {
	return slices.ContainsFunc(views, func(v *Data) bool { return v != nil && v.SenderSegs > 0 })
}

// answerWatcher is the position in p.Order of the point nearest the
// receiver before upTo that saw the connection and could have seen its
// answer (it captured that direction), -1 when none.
func (r *Report) answerWatcher(s *Session, p *Path, upTo int, blind func(int) bool) int {
	for k := upTo - 1; k >= 0; k-- {
		if i := p.Order[k]; p.Views[i] != nil && !blind(i) && r.capturingRef(s, i, s.corrected(i, p.Views[i].Start())) {
			return k
		}
	}
	return -1
}

// howLong says d then (later, before, after) to the precision it needs:
// seconds, milliseconds or microseconds, "just" below a microsecond.
func howLong(d time.Duration, then string) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.3f s %s", d.Seconds(), then)
	case d >= time.Millisecond:
		return fmt.Sprintf("%.3f ms %s", float64(d)/float64(time.Millisecond), then)
	case d >= time.Microsecond:
		return fmt.Sprintf("%d µs %s", d/time.Microsecond, then)
	}
	if then == "later" {
		return "just after"
	}
	return "just " + then
}

// delivered judges a connection whose handshake passed every point that
// captured it by its payload: bytes that passed one point and never
// reached the next, capturing, while the sender resent them and no point
// saw the receiver acknowledge them, were lost in between (LostData).
// Bytes a point lacks that the receiver acknowledged passed it: a capture
// gap, not a loss.
func (r *Report) delivered(s *Session, p *Path) {
	hs := "the handshake passed every point"
	if len(p.Gaps) > 0 {
		hs = "the handshake passed every point that captured it"
	}
	for i, v := range p.Views {
		if v == nil && r.unpairedLike(s, p, i) != nil {
			hs = "the handshake passed every point whose view is paired"
			break
		}
	}
	p.Where, p.Verdict = Delivered, hs
	for x := 1; x >= 0; x-- { // the receiver's bytes (a download) first
		// The points in the direction the bytes travel.
		// Not a point that captured the other direction only.
		var along []int
		for _, i := range p.Order {
			if p.Views[i] != nil && s.Sees(i, (x == 0) == p.Passive) {
				along = append(along, i)
			}
		}
		if x == 1 {
			slices.Reverse(along)
		}
		var acked int64
		for _, i := range along {
			if f := &p.Views[i].Flows[x]; f.HaveAck {
				acked = max(acked, f.Acked)
			}
		}
		for k := 0; k+1 < len(along); k++ {
			u, d := along[k], along[k+1]
			fu, fd := &p.Views[u].Flows[x], &p.Views[d].Flows[x]
			if fu.Sent <= fd.Sent {
				continue
			}
			if acked > fd.Sent {
				p.Gaps = append(p.Gaps, fmt.Sprintf("%s did not capture %d bytes that passed there (the receiver acknowledged them)", r.name(d), min(fu.Sent, acked)-fd.Sent))
				continue
			}
			if fu.Stalled == 0 || fu.StallEnd <= fd.Sent {
				continue // not resent: no proof the sender still waited for them
			}
			if !r.capturingRef(s, d, s.corrected(u, fu.SentAt)) && !r.capturingRef(s, d, s.corrected(u, fu.StallAt)) {
				p.Gaps = append(p.Gaps, fmt.Sprintf("%s did not capture bytes past offset %d, and was not capturing when they passed %s", r.name(d), fd.Sent, r.name(u)))
				continue
			}
			v := p.Views[u]
			sender := v.Src
			if x == 1 {
				sender = v.Dst
			}
			p.Lost = &DataLoss{FromReceiver: x == 1, Sender: sender, Sent: fu.Sent, Reached: fd.Sent, Bytes: fu.Sent - fd.Sent,
				Acked: acked, Resent: fu.Stalled, ResentFrom: fu.StallAcked}
			p.Where, p.After, p.Before = LostData, u, d
			r.missedBytes(p)
			p.Verdict = fmt.Sprintf("%s, but its data did not: %d bytes from %s passed %s and never reached %s (%s saw %d bytes sent, up to offset %d; %s up to offset %d); %s saw them resent from offset %d %d time%s, and no point saw them acknowledged past offset %d: lost in between",
				hs, fu.Sent-fd.Sent, sender, r.name(u), r.name(d), r.name(u), fu.Bytes, fu.Sent, r.name(d), fd.Sent, r.name(u), fu.StallAcked, fu.Stalled, plural(fu.Stalled), acked)
			return
		}
	}
	r.missedBytes(p)
}

// missedBytes notes a point that lacks bytes in the middle of a
// transfer that another point saw, though it saw the bytes after them (as
// far as that point): a hole in its capture, not a loss.
func (r *Report) missedBytes(p *Path) {
	for x := range 2 {
		var best *Flow
		bi := -1
		for i, v := range p.Views {
			if v != nil && (best == nil || v.Flows[x].Bytes > best.Bytes) {
				best, bi = &v.Flows[x], i
			}
		}
		if best == nil {
			continue
		}
		for i, v := range p.Views {
			if v == nil || i == bi {
				continue
			}
			if f := &v.Flows[x]; f.Sent >= best.Sent && f.Bytes < best.Bytes {
				p.Gaps = append(p.Gaps, fmt.Sprintf("%s did not capture %d bytes that %s saw, though it saw the bytes after them: a hole in its capture, not a loss", r.name(i), best.Bytes-f.Bytes, r.name(bi)))
			}
		}
	}
}

// transferOutcomeAfter is the server's first reply after t (on x's
// clock) that ends or fails a transfer, as x saw it (226, 250, 425, 426,
// 451), or 0.
func transferOutcomeAfter(x *Control, t time.Time) int {
	if x == nil {
		return 0
	}
	for _, l := range x.Lines {
		if l.FromClient || l.TS.Before(t) {
			continue
		}
		switch l.Code {
		case 226, 250, 425, 426, 451:
			return l.Code
		}
	}
	return 0
}

// completedAfter: the server's first outcome of a transfer at x after t
// is 226 or 250: it had a data connection.
func completedAfter(x *Control, t time.Time) bool {
	c := transferOutcomeAfter(x, t)
	return c == 226 || c == 250
}

// failedAfter: the server's first outcome of a transfer at x after t is a
// 425 (it could not open the data connection).
func failedAfter(x *Control, t time.Time) bool {
	return transferOutcomeAfter(x, t) == 425
}

// anyBytes: some point saw payload on the connection.
func anyBytes(views []*Data) bool {
	return slices.ContainsFunc(views, func(v *Data) bool { return v != nil && v.Bytes > 0 })
}

// holdsReceiverData: point i holds another data connection, in p's
// direction, to the address p's receiver has there (the session's server
// for a passive one, its client for an active one), as i saw the
// control connection: i's capture keeps the receiver's data connections.
func (r *Report) holdsReceiverData(p *Path, i int) bool {
	var own *Session
	for _, s := range r.Sessions {
		if slices.Contains(s.Data, p) {
			own = s
			break
		}
	}
	if own == nil || own.Views[i] == nil {
		return false
	}
	recv := own.Views[i].Server.Addr()
	if !p.Passive {
		recv = own.Views[i].Client.Addr()
	}
	for _, s := range r.Sessions {
		for _, q := range s.Data {
			if q != p && q.Passive == p.Passive && q.Views[i] != nil && q.Views[i].Dst.Addr() == recv {
				return true
			}
		}
	}
	return false
}

// anySYNCovered: point next was capturing, for coverAfter after it, when
// one of the SYNs seen at the points order[from..upTo] passed (on the
// reference clock): the first maxSYNTimes of each point's, and its last.
func (r *Report) anySYNCovered(s *Session, p *Path, from, upTo, next int) bool {
	for k := from; k <= upTo; k++ {
		i := p.Order[k]
		v := p.Views[i]
		if v == nil {
			continue
		}
		covered := func(t time.Time) bool { return !t.IsZero() && r.capturingRef(s, next, s.corrected(i, t)) }
		if slices.ContainsFunc(v.SYNTimes, covered) || covered(v.LastSYN) {
			return true
		}
	}
	return false
}

// translatedPast: at point i the session's control connection shows p's
// receiver at another address than addr (a NAT between: addr is the
// box's own).
func translatedPast(s *Session, p *Path, i int, addr netip.Addr) bool {
	c := s.Views[i]
	if c == nil {
		return false
	}
	recv := c.Server.Addr()
	if !p.Passive {
		recv = c.Client.Addr()
	}
	return recv.IsValid() && recv != addr
}

// copiesOnly: every two points that saw s hold one capture
// (Report.Identical).
func (r *Report) copiesOnly(s *Session) bool {
	var seen []int
	for i, v := range s.Views {
		if v != nil {
			seen = append(seen, i)
		}
	}
	for x, a := range seen {
		for _, b := range seen[x+1:] {
			if !slices.Contains(r.Identical, [2]int{a, b}) && !slices.Contains(r.Identical, [2]int{b, a}) {
				return false
			}
		}
	}
	return len(seen) > 1
}

// otherPorts says whether c holds what a capture filter keeping only
// FTP's own ports would drop (Report.otherPorts): a packet not TCP (ARP,
// UDP: Collector.NonTCP), an ICMP error, or a connection on neither port
// 20 nor a port its control connections serve on.
func otherPorts(c *Collector) bool {
	if c.icmpErrors > 0 || c.nonTCP > 0 {
		return true
	}
	ctl := map[uint16]bool{20: true}
	for _, x := range c.ctlList {
		if x.Server.IsValid() {
			ctl[x.Server.Port()] = true
		}
	}
	return slices.ContainsFunc(c.dataList, func(d *Data) bool { return !ctl[d.Src.Port()] && !ctl[d.Dst.Port()] })
}

// keepsData says whether point i's capture keeps data connections made
// as passive says: it holds one of some session, or packets on other
// ports than FTP's. One that does not (a capture filtered to the control
// port, or to ports 20 and 21, or every such connection stopped before
// it) shows nothing of whether a SYN passed it.
func (r *Report) keepsData(i int, passive bool) bool {
	return r.dataAt[i][modeIndex(passive)] || r.otherPorts[i]
}

// modeIndex indexes Report.dataAt: 1 for a passive data connection.
func modeIndex(passive bool) int {
	if passive {
		return 1
	}
	return 0
}

func modeName(passive bool) string {
	if passive {
		return "passive, to the server"
	}
	return "active, to the client"
}

// refusalPoint is the index k in p.Order[from..upTo] of the view whose
// refusal (has) tells of the box best: the first whose SYN bore the
// address it had at p.Order[upTo], the last point before the box (a
// refusal seen before another NAT router on the way back bears that
// router's address), else the one nearest that point.
func refusalPoint(p *Path, from, upTo int, has func(*Data) bool) (int, bool) {
	dialled := p.Views[p.Order[upTo]].Dst.Addr()
	for k := from; k <= upTo; k++ {
		if v := p.Views[p.Order[k]]; v != nil && has(v) && v.Dst.Addr() == dialled {
			return k, true
		}
	}
	for k := upTo; k >= from; k-- {
		if v := p.Views[p.Order[k]]; v != nil && has(v) {
			return k, true
		}
	}
	return 0, false
}

// refusedBack: a reset (not the sender's own) or an ICMP error reached a
// point of p.Order[from..upTo].
func refusedBack(p *Path, from, upTo int) bool {
	for _, i := range p.Order[from : upTo+1] {
		if v := p.Views[i]; v != nil && (!v.RST.IsZero() && v.RSTFrom != v.Src.Addr() || !v.ICMP.IsZero()) {
			return true
		}
	}
	return false
}

// hopsOf is how many routers a packet that came with TTL (hop limit) ttl
// passed, counted from the nearest initial value a host sends with at or
// above it (64: Linux, BSD, macOS; 128: Windows; 255: network gear).
func hopsOf(ttl uint8) int {
	for _, initial := range []int{64, 128, 255} {
		if int(ttl) <= initial {
			return initial - int(ttl)
		}
	}
	return 0
}

// receiverTTL is the TTL the receiver of p (the server for a passive
// connection, the client for an active one) sent its packets of the
// session's control connection with, as they reached point i: known
// when they all came with one.
func (s *Session) receiverTTL(p *Path, i int) (uint8, bool) {
	c := s.Views[i]
	if c == nil {
		return 0, false
	}
	side := modeIndex(p.Passive)
	if v := p.Views[i]; v != nil && v.Dst.Addr() != [2]netip.AddrPort{c.Client, c.Server}[side].Addr() {
		return 0, false // the data connection goes to another host
	}
	return c.TTL[side], c.TTL[side] != 0 && !c.TTLVaried[side]
}

// refusalSource is what the capture tells of where a refusal came from.
type refusalSource struct {
	// receiver: a reset in the receiver's name reached point at with the
	// TTL the receiver's own packets come with there (ttl): sent from
	// the receiver's distance. icmpReceiver: an ICMP error did so.
	receiver, icmpReceiver bool
	at                     int
	ttl                    uint8
	// before says whether the refusal came from a box before point i:
	// a reset or ICMP error from fewer hops away than the receiver's
	// packets are between its point and i, or an ICMP error from an
	// address not the receiver's while i sits at the receiver (its
	// packets reach i with a host's initial TTL).
	before func(i int) bool
}

// refusalFrom reads the TTLs of the resets and ICMP errors at
// p.Order[from..upTo] against the receiver's own packets at the same
// points (a box's reset or ICMP error forges the receiver's address, or
// bears the box's own, not the receiver's distance), and the senders of
// the ICMP errors there. Points whose TTLs disagree tell nothing.
func (r *Report) refusalFrom(s *Session, p *Path, from, upTo int) refusalSource {
	out := refusalSource{at: -1, before: func(int) bool { return false }}
	boxHops, nearer, same, icmpSame, icmpOther := -1, false, false, false, false
	for _, i := range p.Order[from : upTo+1] {
		v := p.Views[i]
		if v == nil {
			continue
		}
		if !v.ICMP.IsZero() && v.ICMPFrom != v.Dst.Addr() {
			icmpOther = true
		}
		ttl, ok := s.receiverTTL(p, i)
		if !ok {
			continue
		}
		hr := hopsOf(ttl)
		if !v.RST.IsZero() && v.RSTFromDst && v.RSTTTL != 0 {
			switch h := hopsOf(v.RSTTTL); {
			case h == hr:
				same = true
				out.at, out.ttl = i, v.RSTTTL
			case h < hr:
				// The box is h hops from point i, the receiver hr: the
				// box lies before a point the receiver's packets reach
				// in fewer than hr-h hops. The point nearest the
				// receiver decides (the last).
				nearer, boxHops = true, hr-h
			}
		}
		if !v.ICMP.IsZero() && v.ICMPTTL != 0 {
			// A router sends its own ICMP error (from its own address,
			// or, a DNAT router, the address the sender dialled) from
			// fewer hops away than the host behind it.
			switch h := hopsOf(v.ICMPTTL); {
			case h == hr && v.ICMPFrom == v.Dst.Addr():
				icmpSame = true
				if !same {
					out.at, out.ttl = i, v.ICMPTTL
				}
			case h < hr:
				nearer, boxHops = true, hr-h
			}
		}
	}
	if (same || icmpSame) && nearer {
		return out // the points disagree
	}
	out.receiver, out.icmpReceiver = same, icmpSame && !same
	out.before = func(i int) bool {
		ttl, ok := s.receiverTTL(p, i)
		if !ok {
			return false
		}
		return nearer && hopsOf(ttl) < boxHops || icmpOther && !same && !icmpSame && hopsOf(ttl) == 0
	}
	return out
}

// capturingPastRefusal: a reset or ICMP error reached a point of
// order[from..upTo] (after the SYN) and point next, whose clock the
// session measured, was capturing from the SYN (t0, on the reference
// clock) until that refusal came back, plus the round trip between the
// two points the session's own packets measured: a SYN that passed next
// would have passed it before the refusal from a box beyond it came back,
// so next was capturing when the SYN would have passed, though the
// sender, refused, gave up (and closed its session) at once, less than
// coverAfter before next's last packet.
func (r *Report) capturingPastRefusal(s *Session, p *Path, from, upTo, next int, t0 time.Time) bool {
	if !s.posOK[next] || !s.clockKnown(next) {
		return false // no transit measured to it: how long to wait is not known
	}
	for k := from; k <= upTo; k++ {
		i := p.Order[k]
		v := p.Views[i]
		if v == nil || !s.posOK[i] {
			continue
		}
		var back time.Time // the refusal's return, on the reference clock
		switch {
		case !v.RST.IsZero() && v.RSTFrom != v.Src.Addr():
			back = s.corrected(i, v.RST)
		case !v.ICMP.IsZero():
			back = s.corrected(i, v.ICMP)
		default:
			continue
		}
		if back.Before(t0) {
			continue
		}
		rtt := absDur(s.pos[i]-s.pos[next]) + 4*max(r.tick(i), r.tick(next), r.tick(s.pivot))
		if r.Spans[next].Through(t0.Add(s.offsets[next]), back.Add(s.offsets[next]+rtt)) {
			return true
		}
	}
	return false
}

// judgeUnordered judges a connection of a session whose points' order is
// unknown: the same at every point that saw the session is said as it
// is; anything else is OrderUnknown, what each point saw, no loss placed.
// It returns false when the common judgment applies (the points saw it
// alike and the SYN was answered).
func (r *Report) judgeUnordered(s *Session, p *Path) bool {
	var parts, blind []string
	alike, answered, silent := true, true, true
	var first *Data
	var answerOnly []int // points that captured only the answer's direction and saw nothing
	for _, i := range p.Order {
		if s.Views[i] == nil {
			continue
		}
		v := p.Views[i]
		if v == nil && !s.Sees(i, p.Passive) {
			// It captured the other direction only: it could not see
			// the SYN, which says nothing; whether it could have seen
			// the answer is told below, once the answer is known.
			if s.Sees(i, !p.Passive) && r.unpairedLike(s, p, i) == nil {
				answerOnly = append(answerOnly, i)
				continue
			}
			blind = append(blind, r.oneWayNote(i, !p.Passive)+": not the SYN")
			silent = false
			continue
		}
		if v == nil {
			alike = false
			parts = append(parts, r.name(i)+" did not see it")
			continue
		}
		if v.SYNACKs == 0 && v.Bytes == 0 && !s.Sees(i, !p.Passive) {
			// Nor can one that captured the SYN's direction only see an
			// answer, unless the sender's later segments show it got one;
			// its SYNs alone show it never did.
			silent = false
			if r.neverCompleted(s, i, v) {
				alike = false
				parts = append(parts, fmt.Sprintf("%s saw %d SYN%s and nothing the sender sent after (%s): the answer never reached the sender",
					r.name(i), v.SYNs, plural(v.SYNs), r.oneWayNote(i, p.Passive)))
				continue
			}
			blind = append(blind, r.oneWayNote(i, p.Passive)+": not the SYN-ACK")
			continue
		}
		got := v.SYNACKs > 0 || v.Bytes > 0
		answered = answered && got
		silent = silent && !got && v.RST.IsZero() && v.ICMP.IsZero()
		if first == nil {
			first = v
		} else if (first.SYNACKs > 0 || first.Bytes > 0) != got || first.RST.IsZero() != v.RST.IsZero() || first.ICMP.IsZero() != v.ICMP.IsZero() {
			alike = false
		}
		desc := fmt.Sprintf("%d SYN%s", v.SYNs, plural(v.SYNs))
		if v.SYNACKs > 0 {
			desc += fmt.Sprintf(", %d SYN-ACK%s", v.SYNACKs, plural(v.SYNACKs))
		} else {
			desc += ", no SYN-ACK"
		}
		if !v.RST.IsZero() {
			desc += ", a RST from " + v.RSTFrom.String()
		}
		if !v.ICMP.IsZero() {
			desc += ", an ICMP error from " + v.ICMPFrom.String()
		}
		parts = append(parts, r.name(i)+" saw "+desc)
	}
	// A point that captured only the answer's direction, and was
	// capturing when another point saw the answer, would have seen it
	// pass: that it saw nothing is where the answer was lost, not a gap.
	var answer *Data
	answerAt := -1
	for _, i := range p.Order {
		if v := p.Views[i]; v != nil && v.SYNACKs > 0 && !v.SYNACK.IsZero() {
			answer, answerAt = v, i
			break
		}
	}
	missed, answerPoints := -1, 0
	for _, v := range p.Views {
		if v != nil && v.SYNACKs > 0 {
			answerPoints++
		}
	}
	for _, i := range answerOnly {
		if answer == nil || !r.capturingRef(s, i, s.corrected(answerAt, answer.SYNACK)) {
			blind = append(blind, r.oneWayNote(i, !p.Passive)+": not the SYN")
			silent = false
			continue
		}
		if senderAnswered(p.Views) {
			// The sender acknowledged the answer: it passed there.
			blind = append(blind, fmt.Sprintf("%s did not capture the SYN-ACK, though it passed there (the sender acknowledged it)", r.name(i)))
			silent = false
			continue
		}
		if missed < 0 {
			missed = i
		}
		parts = append(parts, fmt.Sprintf("%s saw no SYN-ACK, though it captured the direction the answer travels and was capturing then (%s)",
			r.name(i), r.oneWayNote(i, !p.Passive)))
	}
	switch {
	case missed >= 0 && alike && answered && first != nil && answerPoints == 1:
		// Every point that saw the connection saw it answered, one of
		// them the SYN-ACK, and one on the answer's way saw no answer:
		// whatever their order, the answer was lost between the two.
		// (With more that saw it, which is nearest is not known.)
		p.Gaps = append(p.Gaps, blind...)
		p.Where, p.After, p.Before = LostSYNACK, answerAt, missed
		p.Verdict = fmt.Sprintf("the receiver %s answered it (%d SYN-ACK%s seen at %s), but the SYN-ACK never reached %s, which captured the direction it travels (only that one) and was capturing then: dropped between %s and %s (their order along the path is not known from the clocks)",
			answer.Dst, answer.SYNACKs, plural(answer.SYNACKs), r.name(answerAt), r.name(missed), r.name(answerAt), r.name(missed))
		return true
	case missed >= 0:
		alike = false
	}
	switch {
	case alike && answered && first != nil && len(blind) > 0:
		// The points that could see it all saw it answered.
		p.Gaps = append(p.Gaps, blind...)
		r.delivered(s, p)
		return true
	case alike && answered && first != nil:
		return false
	case alike && silent && first != nil && r.copiesOnly(s):
		// One capture given twice: it says what one point says, the
		// SYN sent and nothing back, not where it went.
		p.Where, p.Verdict = NotCaptured, fmt.Sprintf("the SYN passed %s, which hold one capture (the same packets at the same times), and no answer came back there: nothing is known past it", r.names(p.Order, func(i int) bool { return p.Views[i] != nil }))
		return true
	case alike && silent && first != nil:
		p.Where, p.Verdict = NoAnswer, "the SYN reached every point (their order along the path is unknown); no answer came back"
		return true
	}
	p.Gaps = append(p.Gaps, blind...)
	p.Where = OrderUnknown
	p.Verdict = "the points' order along the path is unknown (their clocks cannot tell it and no packet does), so where it was lost is not said: " + strings.Join(parts, "; ")
	return true
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

// dataPortFilter names, for a passive data connection, the common filter
// that keeps FTP's ports yet drops it ('port ftp or ftp-data' keeps an
// active one, from port 20).
func dataPortFilter(passive bool) string {
	if passive {
		return ", or 'port ftp or ftp-data'"
	}
	return ""
}
