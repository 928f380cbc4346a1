package diagnose

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// A server's data connections that failed for some clients while other
// clients' got through the same way are those clients' path's fault, not
// the server's range: the server summary keeps, per direction, which
// clients' data connections got through and which failed, so that its
// verdict can tell the two apart (clientPathVerdict).

// maxSummaryClients bounds each client list of a server summary: beyond
// it, clients are not named one by one, and their data connections are
// counted in clientMarks.dropped.
const maxSummaryClients = 32

// clientMark is one client of a server summary's list.
type clientMark struct {
	addr netip.Addr
	// both: in a list of failing clients, the client also got a data
	// connection of the same direction through to this server;
	// maybeBoth: it may have, before its failure, when the ok list was
	// full (addrBloom says maybe).
	both, maybeBoth bool
	// failAt, since: in a list of failing clients, when the client's
	// latest failure was tried, and whether a connection of its got
	// through after it, both in capture order and in time (stopped).
	failAt time.Time
	since  bool
}

// clientMarks is a bounded list of clients, in the order first seen.
type clientMarks struct {
	list []clientMark
	// dropped counts the data connections of clients the bound kept out.
	dropped int
}

// find returns a's mark, or nil.
func (m *clientMarks) find(a netip.Addr) *clientMark {
	for i := range m.list {
		if m.list[i].addr == a {
			return &m.list[i]
		}
	}
	return nil
}

// add returns a's mark, adding it if the bound allows; nil when it does
// not (counted in dropped).
func (m *clientMarks) add(a netip.Addr) *clientMark {
	if c := m.find(a); c != nil {
		return c
	}
	if len(m.list) >= maxSummaryClients {
		m.dropped++
		return nil
	}
	m.list = append(m.list, clientMark{addr: a})
	return &m.list[len(m.list)-1]
}

// addrBloom is a set of client addresses hashed into 65,536 bits (8 KiB)
// with three hashes: has never misses an address added, and takes one not
// added for one added only by chance: under 0.3 % with 3,000 addresses
// added, 7 % with 10,000. The hash is fixed, not seeded: the same capture
// gives the same verdict every run.
type addrBloom [65536 / 64]uint64

// bloomBits are a's three bit positions.
func bloomBits(a netip.Addr) [3]uint16 {
	b := a.Unmap().As16()
	h := binary.LittleEndian.Uint64(b[:8])*0x9e3779b97f4a7c15 ^ binary.LittleEndian.Uint64(b[8:])
	// The 64-bit finalizer of MurmurHash3: every bit of the address
	// moves every bit of h.
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return [3]uint16{uint16(h), uint16(h >> 16), uint16(h >> 32)}
}

func (f *addrBloom) add(a netip.Addr) {
	for _, p := range bloomBits(a) {
		f[p/64] |= 1 << (p % 64)
	}
}

// has reports whether a may have been added (false on a nil f).
func (f *addrBloom) has(a netip.Addr) bool {
	if f == nil {
		return false
	}
	for _, p := range bloomBits(a) {
		if f[p/64]&(1<<(p%64)) == 0 {
			return false
		}
	}
	return true
}

// maxListedPorts: the distinct ports that worked a server summary keeps
// as a sorted list per direction and kind of client (workedPorts); past
// it, a portSet of every port (8 KiB) holds them, so that a busy
// server's ports are all known. maxFailedPorts bounds the distinct
// failed ports (directionStats.failList): beyond it, the evidence for a
// failure of some clients only is incomplete (someClients says so), and
// the overflow is counted.
const (
	maxListedPorts = 512
	maxFailedPorts = 64
)

// workedPorts is the set of ports that worked for one kind of client: a
// sorted list up to maxListedPorts (1 KiB), then a portSet (8 KiB), made
// at the first port past the list, that the list moves into. Exact
// whatever the count: the minority verdict weighs each failed port
// against the ports next to it.
type workedPorts struct {
	list []uint16
	set  *portSet
}

// add adds p and reports whether it was new.
func (w *workedPorts) add(p uint16) bool {
	if w.set != nil {
		return w.set.add(p)
	}
	i, found := slices.BinarySearch(w.list, p)
	switch {
	case found:
		return false
	case len(w.list) < maxListedPorts:
		w.list = slices.Insert(w.list, i, p)
	default:
		w.set = new(portSet)
		for _, q := range w.list {
			w.set.add(q)
		}
		w.set.add(p)
		w.list = nil
	}
	return true
}

// bounds are the lowest and highest port kept (ok: any).
func (w *workedPorts) bounds() (lo, hi uint16, ok bool) {
	if w.set == nil {
		if len(w.list) == 0 {
			return 0, 0, false
		}
		return w.list[0], w.list[len(w.list)-1], true
	}
	return w.set.bounds()
}

// empty reports whether no port is kept.
func (w *workedPorts) empty() bool { return w.set == nil && len(w.list) == 0 }

// anyIn reports whether a port of the set lies in lo-hi (none when hi is
// below lo).
func (w *workedPorts) anyIn(lo, hi int) bool {
	lo, hi = max(lo, 0), min(hi, 65535)
	if hi < lo {
		return false
	}
	if w.set != nil {
		return w.set.anyIn(uint16(lo), uint16(hi))
	}
	i, _ := slices.BinarySearch(w.list, uint16(lo))
	return i < len(w.list) && int(w.list[i]) <= hi
}

// nearPorts: a failed passive port counts as among ports that worked
// only with a port that worked, for a client of the same kind, at most
// this far below it and at most this far above it. A firewall's hole
// or a too-narrow range is a band of ports; a span wide enough to hide
// one is no proof that the failed port is open.
const nearPorts = 4

// workedSide is what got through for one kind of client: those on the
// server's own network, or those from elsewhere. A firewall that
// accepts the server's own network and opens a narrower range to the
// rest treats the two differently; the ports that worked for one kind
// say nothing of what is open to the other.
type workedSide struct {
	ports       workedPorts // distinct ports that worked (passive)
	first, last time.Time
	n           int
	// recent: when the latest connections that got through were tried
	// (Unix nanoseconds), a ring of recentWorked; next: where the next
	// goes. A failure judged later (an unanswered connection is known
	// only after its retries) may come after successes tried after it:
	// the first failure reads them here (directionStats.lost). Allocated
	// at the first one: most servers' summaries never weigh a minority.
	recent []int64
	next   int
	// From the first failure on, what a later failure's span may take
	// in (directionStats.between): above, the earliest try (Unix
	// nanoseconds, 0: none) of those that got through at or after the
	// latest failure as it was then; below, the latest at or before the
	// first failure. folded: the ring was read into them at the first
	// failure; lostMax, the latest try of those the ring let go before
	// then, unread (someClients weighs it).
	above, below int64
	folded       bool
	lostMax      int64
}

// recentWorked is how many times of connections that got through a
// workedSide keeps; older ones were weighed as they came.
const recentWorked = 64

// fold reads the ring into above and below at the first failure, tried
// from lo to hi (Unix nanoseconds).
func (w *workedSide) fold(lo, hi int64) {
	w.folded = true
	for _, t := range w.recent[:min(w.n, recentWorked)] {
		if t >= hi && (w.above == 0 || t < w.above) {
			w.above = t
		}
		if t <= lo {
			w.below = max(w.below, t)
		}
	}
}

// add records a data connection that got through at ts on port (0:
// active, no port kept).
func (w *workedSide) add(port uint16, ts time.Time) {
	if w.n == 0 || ts.Before(w.first) {
		w.first = ts
	}
	if ts.After(w.last) {
		w.last = ts
	}
	if w.recent == nil {
		w.recent = make([]int64, recentWorked)
	}
	if w.n >= recentWorked && !w.folded {
		// The ring lets go of one no failure has read.
		w.lostMax = max(w.lostMax, w.recent[w.next])
	}
	w.n++
	w.recent[w.next] = ts.UnixNano()
	w.next = (w.next + 1) % recentWorked
	if port != 0 {
		w.ports.add(port)
	}
}

// near reports whether a port that worked lies at most nearPorts below p
// (or at p), and one at most nearPorts above it (or at p).
func (w *workedSide) near(p uint16) bool {
	return w.ports.anyIn(int(p)-nearPorts, int(p)) && w.ports.anyIn(int(p), int(p)+nearPorts)
}

// directionStats is what a server summary keeps of one direction's data
// connections (passive or active), per client.
type directionStats struct {
	ok, failed clientMarks
	okPorts    PortStats // passive: the server ports the ones that got through used
	failPorts  PortStats // passive: the server ports of the failed ones
	okConns    int       // data connections that got through
	// icmpServer, icmpOther: failures answered by an ICMP error from the
	// server's own address, or from another host (a router).
	icmpServer, icmpOther int
	// worked: what got through, for clients from elsewhere [0] and for
	// those on the server's own network [1].
	worked [clientKinds]workedSide
	// failKinds: bit 1<<k for each kind k of client that failed;
	// failFirst, failLast: when the failures began and ended.
	failKinds           uint8
	failFirst, failLast time.Time
	// between: for each kind, a connection of that kind got through
	// strictly between the first failure and the last. The span only
	// grows, so once true it stays; it is weighed as each success or
	// failure comes (got, lost).
	between [clientKinds]bool
	// okHashed: the clients that got through past ok's bound, hashed
	// (made at the first such client).
	okHashed *addrBloom
	// failList: the distinct failed ports, sorted (passive);
	// failDropped: those the bound kept out.
	failList    []uint16
	failDropped int
	// What came after the failures, for failures that stopped
	// (stopped): failN counts the failures; per kind of client,
	// okBand counts the connections that got through tried between the
	// first failure and the latest, okAfter those tried after the
	// latest, and okAfterOn those of okAfter on a failed port.
	// failSeen, beside failList (same index): the kinds of client that
	// failed on the port, and those that got through on it after the
	// latest failure.
	// okBefore counts, per kind, the connections that got through
	// tried before the first failure, so that a rate of failure is
	// weighed over every try up to the latest failure (stopped).
	// notTried counts the announcements not used whose transfer failed
	// after the first failure (notTried): failures too, that no
	// port list names.
	failN                      int
	notTriedN                  int
	okBefore                   [clientKinds]int
	okBand, okAfter, okAfterOn [clientKinds]int
	failSeen                   []portKinds
}

// portKinds is, for one failed port, a bit 1<<k for each kind k of
// client (kindOf) that failed on it (fail), and for each that got through
// on it after the latest failure (after).
type portKinds struct{ fail, after uint8 }

// The kinds of client a firewall commonly treats apart (kindOf): from
// the Internet, on the server's own network, and from another private
// or CGNAT network (a corporate site, a VPN) that a rule for 10.0.0.0/8
// or the like accepts whole while the Internet gets a narrower range.
const (
	kindPublic = iota
	kindServerNet
	kindPrivate
	clientKinds
)

// kindOf is the kind of client cli is for server srv.
func kindOf(srv, cli netip.Addr) int {
	switch {
	case SameNet(srv, cli):
		return kindServerNet
	case Local(cli):
		return kindPrivate
	}
	return kindPublic
}

// connTime is when a data connection was tried: its first SYN, else
// when its announcement was answered.
func connTime(dc *track.DataConn) time.Time {
	if dc == nil {
		return time.Time{}
	}
	if !dc.FirstSYN.IsZero() {
		return dc.FirstSYN
	}
	return dc.Armed
}

// got records a data connection of client cli (of kind k, kindOf) that
// got through at ts.
func (ds *directionStats) got(cli netip.Addr, k int, port uint16, ts time.Time) {
	ds.okConns++
	if port != 0 {
		ds.okPorts.add(port)
	}
	w := &ds.worked[k]
	w.add(port, ts)
	if ds.failKinds != 0 {
		// Between the failures, or where a later failure's span may
		// take it in (above, below: lost weighs them).
		switch t := ts.UnixNano(); {
		case ts.After(ds.failFirst) && ts.Before(ds.failLast):
			ds.between[k] = true
		case !ts.Before(ds.failLast):
			if w.above == 0 || t < w.above {
				w.above = t
			}
		default:
			w.below = max(w.below, t)
		}
	}
	switch {
	case ds.failKinds == 0 || ts.Before(ds.failFirst):
		// (One tried before the first failure and reported after it
		// counts here too: the band is the same either way.)
		ds.okBefore[k]++
	case ts.After(ds.failLast):
		ds.okAfter[k]++
		if i, found := slices.BinarySearch(ds.failList, port); port != 0 && found {
			ds.failSeen[i].after |= 1 << k
			ds.okAfterOn[k]++
		}
	default:
		ds.okBand[k]++
	}
	if f := ds.failed.find(cli); f != nil {
		f.both = true
		// After its latest failure in capture order, and not tried
		// before it (a clock stepped back): the client's own path
		// worked again.
		f.since = f.since || !ts.Before(f.failAt)
	}
	if ds.ok.add(cli) == nil {
		// Past the list: kept hashed, so that a failing client's
		// earlier success is still known (lost).
		if ds.okHashed == nil {
			ds.okHashed = new(addrBloom)
		}
		ds.okHashed.add(cli)
	}
}

// restartRun moves what got through after the latest failure into the
// band: a failure reported since (in capture order) ends the clean run,
// whatever its time says (a clock stepped back, or a failure judged
// after its retries), the cautious side.
func (ds *directionStats) restartRun() {
	for i := range ds.okAfter {
		ds.okBand[i] += ds.okAfter[i]
		ds.okAfter[i], ds.okAfterOn[i] = 0, 0
	}
	for i := range ds.failSeen {
		ds.failSeen[i].after = 0
	}
}

// notTried records a passive data connection of client cli announced
// and never tried whose transfer failed (425 and the like), at ts. After
// a failure it is one more (the client's firewall or the server's may
// have stopped the SYN before the capture saw it): it ends the clean
// run, and the client's own, so the failures are not taken as stopped
// (stopped) without a clean run after it; before any failure it changes
// nothing.
func (ds *directionStats) notTried(cli netip.Addr, ts time.Time) {
	if ds.failKinds == 0 {
		return
	}
	ds.notTriedN++
	ds.restartRun()
	if f := ds.failed.find(cli); f != nil {
		f.failAt, f.since = ts, false
	}
}

// lost records a failed data connection of client cli (of kind k) at ts.
func (ds *directionStats) lost(cli netip.Addr, k int, port uint16, ts time.Time) {
	// What got through before this failure was reported is no longer
	// after the latest: into the band, even what was tried after it
	// (a failure is judged after its retries) or what a clock stepped
	// back dates after it: the cautious side.
	ds.restartRun()
	ds.failN++
	if port != 0 {
		ds.failPorts.add(port)
		i, found := slices.BinarySearch(ds.failList, port)
		switch {
		case found:
			ds.failSeen[i].fail |= 1 << k
		case len(ds.failList) >= maxFailedPorts:
			ds.failDropped++
		default:
			ds.failList = slices.Insert(ds.failList, i, port)
			ds.failSeen = slices.Insert(ds.failSeen, i, portKinds{fail: 1 << k})
		}
	}
	if ds.failKinds == 0 || ts.Before(ds.failFirst) {
		ds.failFirst = ts
	}
	if ts.After(ds.failLast) {
		ds.failLast = ts
	}
	lo, hi := ds.failFirst.UnixNano(), ds.failLast.UnixNano()
	for i := range ds.worked {
		w := &ds.worked[i]
		if ds.failKinds == 0 {
			w.fold(lo, hi)
		}
		// A success told before this failure, tried within the span
		// the failures now cover.
		ds.between[i] = ds.between[i] || w.above > lo && w.above < hi || w.below > lo && w.below < hi
	}
	ds.failKinds |= 1 << k
	if f := ds.failed.add(cli); f != nil {
		f.both = f.both || ds.ok.find(cli) != nil
		// Not in the list, but maybe among the clients past it: not
		// known not to have got through.
		f.maybeBoth = f.maybeBoth || !f.both && ds.okHashed.has(cli)
		f.failAt, f.since = ts, false
	}
}

// gotThrough reports whether a data connection's handshake completed.
func gotThrough(dc *track.DataConn) bool {
	return dc.SYNs > 0 && (dc.Outcome == track.OutcomeTransferred || dc.Outcome == track.OutcomeConnected)
}

// onlySome reports whether only some clients met this direction's
// failures: every failing client is named (none beyond the bound), none
// of them got a data connection of this direction through (nor may have:
// maybeBoth), and other clients' did. That alone does not make the
// failures those clients' own (someClients); it is what the server-wide
// verdict's hedge says.
func (ds *directionStats) onlySome() bool {
	if len(ds.failed.list) == 0 || ds.failed.dropped > 0 || len(ds.ok.list) == 0 {
		return false
	}
	for _, f := range ds.failed.list {
		if f.both || f.maybeBoth {
			return false
		}
	}
	return true
}

// someReading is what someClients makes of a direction's failures.
type someReading uint8

const (
	// notSome: the capture shows they are not only some clients' own.
	notSome someReading = iota
	// someOwn: they are some clients' own, their path's.
	someOwn
	// someCut: what was kept says they are, but a bound left out
	// evidence that could say otherwise: neither verdict is proven.
	someCut
)

// someClients reads whether the failures of this direction are some
// clients' own, their path's rather than the server's (onlySome, and
// more). Other clients getting through proves nothing about the failing
// ones unless those others are treated alike: so the comparison is only
// with clients of the same kind (on the server's own network, or from
// elsewhere: a firewall often accepts the first and opens a narrower
// range to the rest), all the failing clients must be of one kind, and
// the failures must be interleaved with what worked:
//   - in time: failures that all came after every success (or before
//     every one) are a change on the server's side, a firewall that lost
//     or gained its rule, not these clients' path;
//   - in port (passive): every failed port must lie inside the range
//     known to be allowed (allowed, when known), and have a port that
//     worked for a client of the same kind within nearPorts on both
//     sides, and no two failed ports may sit next to each other without
//     a port that worked between them: failures of their own band are
//     a hole or an edge of the range.
//
// The ports that worked are all kept (workedPorts). Where a bound left
// out what one of these tests needs (failing clients past
// maxSummaryClients, a failing client that may be among those that got
// through past it, failed ports past maxFailedPorts, successes the ring
// let go unread) and every test the kept evidence allows passes, the
// reading is someCut, and cut says what is missing: the server-wide
// verdict would rest on that loss as much as the clients' would.
func (ds *directionStats) someClients(ports bool, allowed policy.Ranges) (r someReading, cut string) {
	if len(ds.failed.list) == 0 || len(ds.ok.list) == 0 {
		return notSome, ""
	}
	var cuts []string
	for _, f := range ds.failed.list {
		if f.both {
			return notSome, ""
		}
	}
	if ds.failed.dropped > 0 {
		cuts = append(cuts, fmt.Sprintf("more clients failed than the %d ftpsniff names, and whether those got data connections through is not known", maxSummaryClients))
	}
	for _, f := range ds.failed.list {
		if f.maybeBoth {
			cuts = append(cuts, fmt.Sprintf("whether %s got data connections through before its failures is not known for sure (past %d clients, those that got through are kept hashed)", f.addr, maxSummaryClients))
			break
		}
	}
	k := -1
	for i := range clientKinds {
		if ds.failKinds == 1<<i {
			k = i
		}
	}
	if k < 0 {
		return notSome, "" // failing clients of several kinds: not comparable
	}
	w := &ds.worked[k]
	if w.n == 0 {
		return notSome, ""
	}
	if ds.failFirst.Equal(ds.failLast) {
		// One failure (or failures at one moment): successes on both
		// sides of it.
		if !w.last.After(ds.failFirst) || !ds.failLast.After(w.first) {
			return notSome, ""
		}
	} else if !ds.between[k] {
		// No success between the first failure and the last: the
		// failures form their own band in time, a change on the
		// server's side (a firewall that lost its rule for a while),
		// not these clients' path. One failure alone is no band, but
		// it proves nothing of the clients either. Unless the ring
		// let go of a success, unread, that may lie between.
		if w.lostMax <= ds.failFirst.UnixNano() {
			return notSome, ""
		}
		cuts = append(cuts, fmt.Sprintf("whether other clients got through between the failures is not known (more got through while a failure was retried than the %d ftpsniff keeps the times of)", recentWorked))
	}
	if ports {
		if len(ds.failList) == 0 || w.ports.empty() {
			return notSome, ""
		}
		for i, p := range ds.failList {
			if len(allowed) > 0 && !allowed.Covers(policy.PortRange{Lo: p, Hi: p}) {
				return notSome, ""
			}
			if !w.near(p) {
				return notSome, ""
			}
			if i > 0 && !w.ports.anyIn(int(ds.failList[i-1])+1, int(p)-1) {
				return notSome, "" // no worked port between two failed ones
			}
		}
		if ds.failDropped > 0 {
			cuts = append(cuts, fmt.Sprintf("more ports failed than the %d ftpsniff keeps, and the others were not weighed", maxFailedPorts))
		}
	}
	if len(cuts) > 0 {
		return someCut, strings.Join(cuts, "; ")
	}
	return someOwn, ""
}

// minRecovered is the fewest connections that must have got through
// after the latest failure for the failures to be taken as stopped
// (stopped): a fault that still failed one try in seven (15%) or more
// would have shown again in 20 tries, but for a chance under 5%
// (0.85^20 = 3.9%).
const minRecovered = 20

// runFactor: the clean run after the latest failure must be at least
// runFactor·B/(F-1) long (stopped). The latest failure is where the band
// is cut, so the rate a fault still there has is judged by the F-1
// failures before it among the B tries; at that rate a run of
// runFactor·B/(F-1) stays clean by a chance under e^-7, and with the
// noise of a rate judged from a few failures, a path that drops one try
// in thirty from the start to the end of 300 tries (or one in a hundred
// of 1,000) is taken as stopped under 1% of the time (0.2% measured).
// (At 3·B/F, 6% to 10%.)
const runFactor = 7

// stopped reports whether this direction's failures (passive) stopped:
// every failed port is known (none beyond the bound) and got a
// connection through after the latest failure, from each kind of client
// that failed on it; every failing client is named (none beyond the
// bound) and got a connection through after its own latest failure, in
// capture order and in time (a success before a client's failure does
// not show its path works again); and the connections that got through
// after the latest failure, for the kinds of client that failed, are a
// run no fault still there would leave clean: at least minRecovered,
// and at least runFactor·B/(F-1) (runFactor; 1 for F-1 when F is 1),
// where F failures came among the B tries from the first try to the
// latest failure. Failures spread over the whole capture, a path that
// drops now and then, leave a run after the latest no longer than the
// gaps between them, and are not taken. A failure reported after what
// got through (in capture order, whatever its time says: a clock
// stepped back) ends the run, and so does a passive transfer that
// failed with its connection never seen tried (notTried). (What was
// tried close to the latest failure, and reported before it was judged,
// counts in the band: the cautious side.)
func (ds *directionStats) stopped() bool {
	if ds.failN == 0 || len(ds.failList) == 0 || ds.failDropped > 0 || ds.failed.dropped > 0 || ds.onlySome() {
		return false
	}
	for _, f := range ds.failed.list {
		if !f.since {
			return false // this client is not known to get through since
		}
	}
	for _, pk := range ds.failSeen {
		if pk.after&pk.fail != pk.fail {
			return false
		}
	}
	after, _, band := ds.afterFailures()
	return after >= minRecovered && after*max(ds.failN-1, 1) >= runFactor*band
}

// afterFailures counts, for the kinds of client that failed, the
// connections that got through after the latest failure (after), those
// of them on a failed port (on), and the tries from the first try to
// the latest failure, the failures and the passive transfers not tried
// after the first included (band).
func (ds *directionStats) afterFailures() (after, on, band int) {
	band = ds.failN + ds.notTriedN
	for k := range clientKinds {
		if ds.failKinds&(1<<k) != 0 {
			after += ds.okAfter[k]
			on += ds.okAfterOn[k]
			band += ds.okBefore[k] + ds.okBand[k]
		}
	}
	return after, on, band
}

// stoppedWords says when failures that stopped (stopped) came and what
// got through after them: "once, at 2023-11-14 22:13:21 UTC, and not
// since: 2015 passive data connections worked after it (the latest at
// 2023-12-12 20:13:21 UTC), 20 of them on the port that failed".
func (ds *directionStats) stoppedWords(kind string) string {
	after, on, _ := ds.afterFailures()
	var latest time.Time
	for k := range clientKinds {
		if w := &ds.worked[k]; ds.failKinds&(1<<k) != 0 && w.last.After(latest) {
			latest = w.last
		}
	}
	const stamp = "2006-01-02 15:04:05 UTC"
	when := fmt.Sprintf("once, at %s, and not since", ds.failFirst.UTC().Format(stamp))
	it, ports := "it", "the port that failed"
	if ds.failN > 1 {
		when = fmt.Sprintf("%d times, from %s to %s, and not since", ds.failN, ds.failFirst.UTC().Format(stamp), ds.failLast.UTC().Format(stamp))
		it = "the last"
	}
	if len(ds.failList) > 1 {
		ports = "the ports that failed"
	}
	return fmt.Sprintf("%s: %s worked after %s (the latest at %s), %d of them on %s",
		when, plural(after, kind+" data connection", kind+" data connections"), it, latest.UTC().Format(stamp), on, ports)
}

// hedge is what the server-wide verdict adds when only some clients met
// the failures (onlySome) but the capture does not show they are those
// clients' own (someClients): why the others' success does not clear
// the server, in the words that fit what was seen.
func (ds *directionStats) hedge(kind string, ports bool) string {
	if !ds.onlySome() {
		return ""
	}
	who, _ := ds.failingNames()
	lead := fmt.Sprintf(" (only %s met these failures, while %s", who, ds.othersWorked(kind, ports))
	var last time.Time
	for i := range ds.worked {
		if ds.worked[i].last.After(last) {
			last = ds.worked[i].last
		}
	}
	switch k := ds.failKinds; {
	case k == 1<<kindPublic && ds.worked[kindPublic].n == 0:
		return lead + ", all of them clients on the server's own network or another private network, while these come from the Internet: a firewall that accepts private networks and opens fewer ports to the Internet looks like this)"
	case k == 1<<kindServerNet && ds.worked[kindServerNet].n == 0:
		return lead + ", none of them on the server's own network, as these are: a rule for the server's own network looks like this)"
	case k == 1<<kindPrivate && ds.worked[kindPrivate].n == 0:
		return lead + ", none of them from another private network, as these are: a rule for private networks (a VPN, a corporate site) looks like this)"
	case !ds.failFirst.Before(last):
		// Every failure came after the last connection that worked.
		return lead + ", all before the first failure: a firewall that lost its rule at that moment, on a reload or restart, looks like this)"
	case ds.failFirst.Before(ds.failLast) && ds.between == [clientKinds]bool{}:
		return lead + ", but none between the first failure and the last: a firewall that lost its rule for that while, on a reload or restart, looks like this)"
	}
	return lead + ": the rule that stops them may match their addresses or network as well as the ports)"
}

// failingNames is "client 10.99.6.8" or "clients 10.99.6.8 and
// 10.99.6.9", and the addresses alone.
func (ds *directionStats) failingNames() (who, addrs string) {
	names := make([]string, len(ds.failed.list))
	for i, f := range ds.failed.list {
		names[i] = f.addr.String()
	}
	if len(names) == 1 {
		return "client " + names[0], names[0]
	}
	addrs = strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	return "clients " + addrs, addrs
}

// othersWorked is "68 passive data connections of 18 other clients to
// this server worked through ports between 40001 and 40097".
func (ds *directionStats) othersWorked(kind string, ports bool) string {
	clients := plural(len(ds.ok.list), "other client", "other clients")
	if ds.ok.dropped > 0 {
		clients = "at least " + clients
	}
	s := fmt.Sprintf("%s of %s to this server worked", plural(ds.okConns, kind+" data connection", kind+" data connections"), clients)
	if ports {
		switch ps := ds.okPorts; {
		case ps.Min == ps.Max:
			s += fmt.Sprintf(" through port %d", ps.Min)
		default:
			s += fmt.Sprintf(" through ports between %d and %d", ps.Min, ps.Max)
		}
	}
	return s
}

// passiveClientVerdict is the verdict for passive failures that are some
// clients' own (someClients): what failed for whom, what worked for the
// others, and where to look instead of the server's range. how is
// "dropped", "refused with RST" or "rejected with ICMP unreachable".
func (a *serverAcc) passiveClientVerdict(how string) string {
	ds := &a.passiveClients
	who, addrs := ds.failingNames()
	// The words for one client or several.
	its, it, whose := "its", "it", addrs+"'s address"
	if len(ds.failed.list) > 1 {
		its, it, whose = "their", "them", addrs+"' addresses"
	}
	v := fmt.Sprintf("passive data connections of %s are %s on %s, while %s: the server's passive ports are open to other clients",
		who, how, portsWord(ds.failPorts), ds.othersWorked("passive", true))
	if ds.icmpServer > 0 && ds.icmpOther == 0 {
		// The ICMP errors came from the server's own address: its own
		// firewall rejects these clients, by their source.
		return v + fmt.Sprintf(", and the rejections came from the server %s itself: look for a rule in the server's firewall that matches %s or network, not at the server's range",
			a.addr.Addr(), whose)
	}
	return v + fmt.Sprintf(", so look at what treats %s differently: %s own firewall, a NAT or router in front of %s, or a rule for %s address or network on the path or on the server; not at the server's range",
		addrs, its, it, its)
}

// activeClientVerdict is the verdict for active-mode failures that are
// some clients' own (someClients).
func (a *serverAcc) activeClientVerdict() string {
	ds := &a.activeClients
	who, addrs := ds.failingNames()
	its, that := "its", "that client's"
	if len(ds.failed.list) > 1 {
		its, that = "their", "those clients'"
	}
	return fmt.Sprintf("active data connections from the server back to %s are blocked, while %s: the server lets them out, so look at the path to %s (%s own firewall, or a NAT or router in front of it); use passive mode there, or let them in on %s side",
		who, ds.othersWorked("active", false), addrs, its, that)
}

// The mirror of a failure of some clients only: a server whose active
// data connections fail for clients that take active data connections
// from other servers of the same capture. Those clients' own firewalls
// let such connections in, so the block is on this server's side or its
// path (activeServerVerdict). The clients that got one through, with
// which servers, are kept across every server of the capture
// (activePeers); each server keeps its failing clients (failingSet).

// maxActivePeers bounds the clients activePeers keeps (past it the one
// first seen longest ago goes, counted: Omitted.ActiveClientsForgotten);
// maxFailingClients the failing clients of one server's failingSet
// (beyond it, counted, not named).
const (
	maxActivePeers    = 8192
	maxFailingClients = 1024
)

// captureShared is what every serverAcc of a Diagnoser shares: the
// capture's, not one server's.
type captureShared struct {
	// votes: what the handshake timing of every data connection of the
	// capture tells of the capture point, by the hosts' networks
	// (prefixVotes, Diagnoser.vantage).
	votes prefixVotes
	peers activePeers
	// spoke: the client addresses whose control connections opened
	// (connect.go's sweepProbe).
	spoke clientsSpoke
	// scans: each client address's run of control connections that
	// never opened, across servers (hostscan.go).
	scans hostScans
	// sources: the other addresses clients' passive data connections
	// got through from (stranger.go's strangerOwned).
	sources dataSources
	// passiveOK: the passive data endpoints each client address got a
	// data connection through to (passivePeers).
	passiveOK passivePeers
	// own: per open session, what its own data connections vote
	// (ownVotes), made at its first look or data connection
	// (keepOwnVotes), let go at its end.
	own map[*track.Session]*ownVotes
	// ownReads: the data connections the looks read (through own, or
	// each one for a session with none), for the tests that count the
	// work of a look.
	ownReads int
}

// activePeer is which servers an active data connection to one client
// got through from (ok) and failed from (fail): the first two different
// ones of each; and, for the first two different servers the diagnoser
// weighed with it (via), where their connections came from and when.
type activePeer struct {
	ok, fail [2]netip.AddrPort
	via      [2]peerVia
}

// peerVia is what one server's active data connections to a client
// showed (activePeers.through, activePeers.tried): the source port of
// the latest that got through and of the first that failed with a SYN
// seen (0: none), when the first and the latest got through and when
// the first failed (Unix nanoseconds, 0: none), and the session and data
// connection of the latest that got through; and the user names of the
// sessions of the latest that got through and the first that failed
// (empty: not known): a different one says the address may be another
// host's, behind a NAT (natOrUsers).
type peerVia struct {
	srv               netip.AddrPort // zero: a free slot
	okPort, failPort  uint16
	okFirst, okLast   int64
	failFirst         int64
	okSession, okData int
	okUser, failUser  string
	// failEncrypted: the first that failed was of a session whose control
	// channel was encrypted, where no FTP helper takes part.
	failEncrypted bool
}

// sameSource reports whether two source ports of a server's active data
// connections are one to a firewall rule: the same port, or both
// unprivileged (the kernel's pick, which no rule names one by one).
func sameSource(a, b uint16) bool { return a == b || a >= 1024 && b >= 1024 }

// find is srv's via, or nil.
func (e *activePeer) find(srv netip.AddrPort) *peerVia {
	for i := range e.via {
		if e.via[i].srv == srv {
			return &e.via[i]
		}
	}
	return nil
}

// slot is srv's via, taking a free slot if it has none; nil when both
// are another server's.
func (e *activePeer) slot(srv netip.AddrPort) *peerVia {
	if v := e.find(srv); v != nil {
		return v
	}
	for i := range e.via {
		if !e.via[i].srv.IsValid() {
			e.via[i].srv = srv
			return &e.via[i]
		}
	}
	return nil
}

// port is the source port x's active data connections to the client
// came from, those that got through (ok) or those that failed; 0 when
// not known.
func (e *activePeer) port(x netip.AddrPort, ok bool) uint16 {
	v := e.find(x)
	switch {
	case v == nil:
		return 0
	case ok:
		return v.okPort
	}
	return v.failPort
}

// apart reports whether a firewall on the client's side can tell the
// active data connections of server x (from source port xPort) from
// those of srv (from port): x is another host, or the same host with
// another source port. Another control port of the same host, whose
// data connections come from the same address and port, is the same
// server to that firewall; so is one whose source port is not known.
func apart(x netip.AddrPort, xPort uint16, srv netip.AddrPort, port uint16) bool {
	if x.Addr().Unmap() != srv.Addr().Unmap() {
		return true
	}
	return xPort != 0 && port != 0 && !sameSource(xPort, port)
}

// add adds srv to l's first two different servers.
func addPeer(l *[2]netip.AddrPort, srv netip.AddrPort) {
	switch {
	case !l[0].IsValid():
		l[0] = srv
	case l[0] != srv && !l[1].IsValid():
		l[1] = srv
	}
}

// activePeers is, across the servers of a capture, the clients an active
// data connection got through to or failed for, and from which servers.
// One table is shared by every serverAcc of a Diagnoser (captureShared).
// It is keyed by the client's address: clients behind one NAT or CGNAT
// address are one entry, which is why a server whose active data
// connections both got through to and failed for an address tells
// nothing of that address's side (cleanPeer).
type activePeers struct {
	m         map[netip.Addr]activePeer
	order     fifo[netip.Addr] // m's keys, first seen first
	forgotten int              // clients the bound pushed out
}

// note records an active data connection from srv to cli that got
// through (ok) or failed.
func (p *activePeers) note(cli netip.Addr, srv netip.AddrPort, ok bool) {
	e := p.entry(cli)
	if ok {
		addPeer(&e.ok, srv)
	} else {
		addPeer(&e.fail, srv)
	}
	p.m[cli] = e
}

// entry is cli's entry, added (within the bound) when it has none.
func (p *activePeers) entry(cli netip.Addr) activePeer {
	if p.m == nil {
		p.m = map[netip.Addr]activePeer{}
	}
	e, found := p.m[cli]
	if !found {
		if old, full := p.order.push(cli, maxActivePeers); full {
			delete(p.m, old)
			p.forgotten++
		}
	}
	return e
}

// through records where an active data connection from srv that got
// through to cli came from (dc.Client), when (connTime), and its session
// and data connection and its session's user: the diagnoser's, as it
// weighs each outcome.
func (p *activePeers) through(cli netip.Addr, srv netip.AddrPort, dc *track.DataConn, session int, user string) {
	e := p.entry(cli)
	if v := e.slot(srv); v != nil {
		ts := connTime(dc).UnixNano()
		if v.okFirst == 0 || ts < v.okFirst {
			v.okFirst = ts
		}
		if v.okLast == 0 || ts >= v.okLast {
			v.okLast, v.okPort, v.okSession, v.okData, v.okUser = ts, dc.Client.Port(), session, dc.ID, user
		}
	}
	p.m[cli] = e
}

// tried records where a failed active data connection from srv to cli
// came from, when a SYN of it was seen, when it was tried, and its
// session's user.
func (p *activePeers) tried(cli netip.Addr, srv netip.AddrPort, dc *track.DataConn, user string) {
	if dc.SYNs == 0 {
		return
	}
	e := p.entry(cli)
	if v := e.slot(srv); v != nil {
		ts := connTime(dc).UnixNano()
		if v.failFirst == 0 || ts < v.failFirst {
			v.failFirst, v.failPort, v.failUser = ts, dc.Client.Port(), user
			v.failEncrypted = encryptedControl(dc.Session)
		}
	}
	p.m[cli] = e
}

// priorOK is the latest active data connection from srv itself that got
// through to cli before at, from the same source port as port (see
// sameSource): the server's side let such connections out to that
// client then.
type priorOK struct {
	at            time.Time
	port          uint16
	session, data int
	user          string // its session's user, "" when not known
}

// before is srv's own latest active data connection to cli that got
// through before at from the same source port as port, if the capture
// showed one so far.
func (p *activePeers) before(cli netip.Addr, srv netip.AddrPort, port uint16, at time.Time) (priorOK, bool) {
	if p == nil || port == 0 {
		return priorOK{}, false
	}
	e := p.m[cli]
	v := e.find(srv)
	if v == nil || v.okLast == 0 || v.okLast >= at.UnixNano() || !sameSource(v.okPort, port) {
		return priorOK{}, false
	}
	return priorOK{at: time.Unix(0, v.okLast).UTC(), port: v.okPort, session: v.okSession, data: v.okData, user: v.okUser}, true
}

// passivePeers is, across the servers of a capture, the latest passive
// data connections that got through: each one's client address and data
// endpoint (the server's address and port the SYN went to). A later one
// of the same client to the same endpoint that is dropped was let in
// then, so something changed since, whatever the server's passive range
// (passiveFailure.wordBefore). A ring of maxPassivePeers, allocated
// whole at the first (a map churned by every transfer of a busy server
// grows past what it holds); older ones are forgotten, and a failure on
// their endpoint is read as if none had got through (the range advice).
// Written at each passive data connection that got through; read, newest
// first, only at a passive failure.
type passivePeers struct {
	ring []passivePeer
	next int // where the next goes
	n    int // how many the ring holds
}

// passivePeer is one passive data connection that got through: its
// client address, its endpoint, when it was tried, its session and data
// connection.
type passivePeer struct {
	cli           netip.Addr
	to            netip.AddrPort
	at            int64 // Unix nanoseconds
	session, data int
	// clear: its session's control connection was not encrypted, so
	// a firewall's FTP helper may have read its 227 and let it in.
	clear bool
}

// maxPassivePeers bounds passivePeers: the last thousand or so passive
// data connections that got through, enough for a client's own
// transfers before its failure on all but the busiest servers.
const maxPassivePeers = 1024

// through records a passive data connection of session s that got
// through.
func (p *passivePeers) through(s *track.Session, dc *track.DataConn) {
	if p.ring == nil {
		p.ring = make([]passivePeer, maxPassivePeers)
	}
	p.ring[p.next] = passivePeer{cli: s.Client.Addr().Unmap(), to: netip.AddrPortFrom(dc.Server.Addr().Unmap(), dc.Server.Port()),
		at: connTime(dc).UnixNano(), session: s.ID, data: dc.ID, clear: !s.Encrypted}
	p.next = (p.next + 1) % maxPassivePeers
	p.n = min(p.n+1, maxPassivePeers)
}

// before is the latest passive data connection of s's client that got
// through to dc's endpoint before dc was tried, if the ring holds one.
// One of a clear session does not count for an encrypted one: a
// firewall's FTP helper may have let the first in from its 227, and it
// cannot read the second's (nothing changed since but the encryption).
func (p *passivePeers) before(s *track.Session, dc *track.DataConn) (priorOK, bool) {
	cli, to := s.Client.Addr().Unmap(), netip.AddrPortFrom(dc.Server.Addr().Unmap(), dc.Server.Port())
	tried := connTime(dc).UnixNano()
	var best *passivePeer
	for i := range p.n {
		e := &p.ring[i]
		if e.clear && s.Encrypted {
			continue
		}
		if e.cli == cli && e.to == to && e.at < tried && (best == nil || e.at > best.at) {
			best = e
		}
	}
	if best == nil {
		return priorOK{}, false
	}
	return priorOK{at: time.Unix(0, best.at).UTC(), port: to.Port(), session: best.session, data: best.data}, true
}

// got records an active data connection from srv that got through to cli.
func (p *activePeers) got(cli netip.Addr, srv netip.AddrPort) { p.note(cli, srv, true) }

// failed records an active data connection from srv to cli that failed.
func (p *activePeers) failed(cli netip.Addr, srv netip.AddrPort) { p.note(cli, srv, false) }

// elsewhere is a server other than srv whose active data connection got
// through to cli, if the capture shows one so far, one a firewall on
// cli's side tells apart from srv's, whose come from source port port
// (0: not known; see apart).
func (p *activePeers) elsewhere(cli netip.Addr, srv netip.AddrPort, port uint16) (netip.AddrPort, bool) {
	if p == nil {
		return netip.AddrPort{}, false
	}
	return cleanPeer(p.m[cli], srv, port)
}

// triedElsewhere says what the capture shows of cli's active data
// connections from servers other than srv, ones a firewall on cli's
// side tells apart from srv's (apart): whether one got through (ok),
// and whether one failed (failed).
func (p *activePeers) triedElsewhere(cli netip.Addr, srv netip.AddrPort) (ok, failed bool) {
	e := p.m[cli]
	port := e.port(srv, false)
	_, ok = cleanPeer(e, srv, port)
	for _, x := range e.fail {
		if x.IsValid() && x != srv && apart(x, e.port(x, false), srv, port) {
			failed = true
		}
	}
	return ok, failed
}

// cleanPeer is a server other than srv whose active data connections got
// through to cli and never failed for it: one that did both reaches
// several hosts behind one address (a NAT, a CGNAT pool), or one host
// whose rule lets some connections in, and tells nothing of cli's side.
// It must be one a firewall on cli's side tells apart from srv, whose
// connections come from port (apart): another control port of srv's
// host, from the same source port, proves nothing of the sort.
func cleanPeer(e activePeer, srv netip.AddrPort, port uint16) (netip.AddrPort, bool) {
	for _, x := range e.ok {
		if x.IsValid() && x != srv && x != e.fail[0] && x != e.fail[1] && apart(x, e.port(x, true), srv, port) {
			return x, true
		}
	}
	return netip.AddrPort{}, false
}

// failingSet is a server's clients whose active data connections failed,
// bounded by maxFailingClients.
type failingSet struct {
	m       map[netip.Addr]struct{}
	dropped int // failures of clients the bound kept out
}

func (f *failingSet) add(cli netip.Addr) {
	if _, ok := f.m[cli]; ok {
		return
	}
	if len(f.m) >= maxFailingClients {
		f.dropped++
		return
	}
	if f.m == nil {
		f.m = map[netip.Addr]struct{}{}
	}
	f.m[cli] = struct{}{}
}

// activeElsewhere counts the server's failing active-mode clients (at
// least: more when the bound kept some out), those of them that made an
// active data connection with another server of the capture (tried),
// and of those the ones that got one through from another server
// (elsewhere), whatever other servers they failed with too: their own
// side lets some servers' connections in (clients that fail with every
// server behind one egress firewall and get through from the others are
// the very shape of a server-side block), and activeServerSide weighs
// the ones that got none through.
func (a *serverAcc) activeElsewhere() (elsewhere, tried, failing int) {
	for cli := range a.activeFailing.m {
		ok, failed := a.shared.peers.triedElsewhere(cli, a.addr)
		if ok || failed {
			tried++
		}
		if ok {
			elsewhere++
		}
	}
	return elsewhere, tried, len(a.activeFailing.m)
}

// activeServerSide reports whether the server's failing active data
// connections are put on its side (activeServerVerdict): the evidence
// must be strong, since the rules it gives are for the server's side
// only. More than one failing client (minElsewhere) got active data
// connections through from another server that never failed for it
// (cleanPeer), whatever other servers failed for it; they are
// a clear majority of the failing clients that the capture shows with
// another server at all (at least three in four: a client that failed
// elsewhere too points to its own side), and at least one in five of all
// the failing clients (the others tried no other server and tell
// nothing either way; a handful among hundreds is no evidence for the
// rest). And the capture point is not shown at the clients (atClient):
// SYNs that reached the client's side and went unanswered are dropped
// there, whatever other servers got through.
func activeServerSide(elsewhere, tried, failing int, atClient bool) bool {
	const minElsewhere = 2
	return !atClient && elsewhere >= minElsewhere && 4*elsewhere >= 3*tried && 5*elsewhere >= failing
}

// activeAtClient reports whether the capture point is shown at the
// server's failing active-mode clients, as the summary reads it at the
// capture's end: each failing client's session as captureVantage reads
// it from the votes about that client's network and the server's (never
// other hosts'), else its addresses; most of the failing clients must be
// read at the client's side.
func (a *serverAcc) activeAtClient() bool {
	n, _ := a.activeSides()
	return n > 0 && 2*n > len(a.activeFailing.m)
}

// activeSides counts the failing active-mode clients whose capture point
// captureVantage reads at the client's side (atClient), and those the
// handshake timing about their networks and the server's puts at the
// server's side (timedAtServer).
func (a *serverAcc) activeSides() (atClient, timedAtServer int) {
	srv := a.addr.Addr().Unmap()
	for cli := range a.activeFailing.m {
		near, all := a.shared.votes.about(cli, srv)
		v, why := captureVantage(cli, srv, vantageVotes{}, near, all)
		switch {
		case v == VantageClient:
			atClient++
		case v == VantageServer && why == whyCapture:
			timedAtServer++
		}
	}
	return atClient, timedAtServer
}

// activeElsewhereHedge is what the verdict of active-mode failures put on
// the clients' side says of the failing clients that got active data
// connections through from other servers: too few to put the block on
// the server's side (activeServerSide), or, with the capture at the
// clients, a rule of theirs that lets in some servers only.
func (a *serverAcc) activeElsewhereHedge(elsewhere, failing int, atClient bool) string {
	h := a.activeEarlierHedge(failing)
	if elsewhere == 0 {
		return h
	}
	who := fmt.Sprintf("%d of those clients", elsewhere)
	if failing == 1 {
		who = "that client"
	}
	if a.activeBeyondNAT > 0 {
		return fmt.Sprintf(" (%s got active data connections through from other servers of this capture, but these SYNs are seen leaving the NAT box this capture was taken on: the block is beyond it, on the clients' side or their path)", who) + h
	}
	if atClient {
		return fmt.Sprintf(" (%s got active data connections through from other servers of this capture, but the capture point is at the clients' side, where these SYNs arrived unanswered: their firewalls let in only some servers' connections, by address or source port)", who) + h
	}
	return fmt.Sprintf(" (%s got active data connections through from other servers of this capture: either this server's side blocks them (its outgoing firewall or the router in front of it) or those clients' firewalls let in some servers only; too few clients show it to put the block on the server's side, so look at both)", who) + h
}

// activeEarlierHedge is what the verdict of active-mode failures put on
// the clients' side says of failing clients to which this server's own
// active data connections got through before the first of theirs
// failed, from the same source port (sameSource): the server's side let
// them out then, so something changed since, or the address is another
// host's: clients are known by address only, and hosts behind one NAT
// share it (natOrUsers). With one such client, the time and session of
// the latest that got through before.
func (a *serverAcc) activeEarlierHedge(failing int) string {
	n := 0
	var last peerVia
	for cli := range a.activeFailing.m {
		e := a.shared.peers.m[cli]
		v := e.find(a.addr)
		if v == nil || v.okFirst == 0 || v.failFirst == 0 || v.okFirst >= v.failFirst || !sameSource(v.okPort, v.failPort) {
			continue
		}
		n++
		last = *v
	}
	switch {
	case n == 0:
		return ""
	case n == 1 && failing == 1 && last.okLast < last.failFirst:
		return fmt.Sprintf(" (this server's active data connections to that client got through before they failed, the latest at %s (session %d, data #%d), from the same source port: %s)",
			clockAt(time.Unix(0, last.okLast), time.Unix(0, last.failFirst)), last.okSession, last.okData, natOrUsers(last.okUser, last.failUser, last.failEncrypted))
	case failing == 1:
		return " (this server's active data connections to that client got through before they failed, from the same source port: " + natOrUsers(last.okUser, last.failUser, last.failEncrypted) + ")"
	}
	return fmt.Sprintf(" (this server's active data connections to %d of those clients got through before theirs failed, from the same source port: the server's side let them out then, so something changed since, on those clients' side or on the server's, or those addresses are other hosts' behind a NAT)", n)
}

// natOrUsers is what an active data connection that got through before
// from the same server and source port says of a later one to the same
// client address that failed: the server's side let them out then, so
// something changed since, or the address is another host's behind a
// NAT (with its FTP helper, the first host's connection got through). The
// user names of the two sessions are said when both are known and differ:
// a sign of two hosts. An encrypted session's PORT no helper reads:
// its firewall alone is named then.
func natOrUsers(okUser, failUser string, encrypted bool) string {
	users := ""
	if okUser != "" && failUser != "" && okUser != failUser {
		users = fmt.Sprintf(" (different users: %q, %q)", okUser, failUser)
	}
	where := "its firewall, or its NAT's FTP helper"
	if encrypted {
		where = "its firewall; no FTP helper reads an encrypted session's PORT"
	}
	return "the server's side let them out then, so something changed since, or the client at this address is another host behind a NAT" + users + ": the client's side (" + where + ") is the likely place"
}

// activeServerVerdict is the verdict for active-mode failures of clients
// that take active data connections from other servers: this server's
// side or its path blocks them, not theirs. elsewhere, failing: as
// activeElsewhere counts them.
func (a *serverAcc) activeServerVerdict(elsewhere, tried, failing int) string {
	conns := 0
	for _, n := range a.active {
		conns += n
	}
	clients := plural(failing, "client", "clients")
	if a.activeFailing.dropped > 0 {
		clients = "at least " + clients
	}
	those := "those clients"
	if failing == 1 {
		those = "that client"
	}
	took := fmt.Sprintf("%d of %s", elsewhere, those)
	switch {
	case elsewhere == failing && failing == 1:
		took = "that client"
	case elsewhere == failing && a.activeFailing.dropped == 0:
		took = "all of " + those
	}
	// What the others showed: the words say how many the conclusion
	// rests on.
	var rest []string
	if n := tried - elsewhere; n > 0 {
		rest = append(rest, fmt.Sprintf("%d failed with other servers too and got none through", n))
	}
	if n := failing - tried; n > 0 {
		rest = append(rest, fmt.Sprintf("%d made no active data connection with another server", n))
	}
	var notes []string
	if len(rest) > 0 {
		notes = append(notes, "of the others, "+strings.Join(rest, ", and "))
	}
	if a.activeAlone > 0 {
		// The findings made before the capture showed it, or for the
		// clients seen with no other server: this verdict overrules
		// them.
		notes = append(notes, fmt.Sprintf("%s, made for clients not seen with another server at the time, read alone and name the client's side: this verdict weighs them all",
			plural(a.activeAlone, "active-blocked finding", "active-blocked findings")))
	}
	others := ""
	if len(notes) > 0 {
		others = " (" + strings.Join(notes, "; ") + ")"
	}
	v := fmt.Sprintf("active data connections from the server back to its clients are blocked (%s failed, for %s), while %s got active data connections through from other servers in this capture%s: their own firewalls let such connections in, so the block is on this server's side or its path: a firewall or router in front of the server that does not let its outgoing data connections out%s, or the server's NAT; let them out there (see the change lines), or use passive mode",
		plural(conns, "active data connection", "active data connections"), clients, took, others, a.activeSource())
	if p := a.addr.Port(); p != 21 {
		v += fmt.Sprintf("; unless those clients' firewalls attach the FTP helper to port 21 only: this server listens on port %d, so attach it to port %d there", p, p)
	}
	if _, n := a.activeSides(); 2*n > len(a.activeFailing.m) && a.activeFrom20+a.activeFromOther > 0 {
		v += " (the capture is on the server's side, as the handshake timing of the capture's data connections shows: the SYNs passed it, so they are dropped after it; if it was taken on the server itself, the server's own output firewall let them out)"
	}
	return v
}

// activeSource is " from port 20" when every failed active data
// connection the capture shows came from port 20.
func (a *serverAcc) activeSource() string {
	if a.activeFrom20 > 0 && a.activeFromOther == 0 {
		return " (an egress rule for source port 20)"
	}
	return ""
}

// activeEgressLines are the change lines that let the server's active
// data connections out on the firewall or router in front of it: the FTP
// helper on the control connections it forwards and the RELATED accept
// in its forward chain; from port 20, a static accept as well.
func (a *serverAcc) activeEgressLines() []string {
	l := []string{"# on the firewall or router in front of the server: attach the FTP helper to the control connections it forwards, accept the active data connections it expects in forward:"}
	l = append(l, helperLines(a.addr.Port(), false, "forward", a.v6)...)
	if a.activeSource() != "" {
		srv := a.addr.Addr().Unmap()
		l = append(l, "# or accept the server's connections from port 20 statically:",
			fmt.Sprintf("%s -I FORWARD -s %s -p tcp --sport 20 -j ACCEPT", iptablesCmd(a.v6), srv))
	}
	return l
}
