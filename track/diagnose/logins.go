package diagnose

import (
	"fmt"
	"hash/maphash"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
)

// Logins are counted per client address and server across sessions, so
// a brute force or a password spray spread over many connections is one
// finding per attacker and server, not one per session; the server whose
// logins failed is the one whose summary and block rule it belongs to.
// Successful logins from the same address count too: many users behind
// one address (an office NAT, a proxy) fail now and then among many
// successes, and that is no guessing. Anonymous ones weigh against
// anonymous failures, and are said (blocking the address locks those
// users out too), but not against failed passwords of named users:
// anyone gets in anonymously, a guesser between its guesses too.
//
// A USER the server refused (530 or 430 to it: "This FTP server is
// anonymous only.", a name on a deny list) was refused before any
// password, so none was tried: it is counted as a failed login, and
// said, but never as a password guessed. Many different names refused
// so from an address where no login succeeds are an account-name scan,
// though: guessing's first step (nameScan).
const (
	// loginWindow is how far back failures count together.
	loginWindow = 10 * time.Minute
	// bruteFailures failed logins from one address within loginWindow
	// raise login-brute-force.
	bruteFailures = 5
	// scanNames different user names refused at USER from one address
	// within loginWindow, with no login from it succeeding, are an
	// account-name scan: a list makes dozens, while an office's users
	// behind one NAT typing their own names at an anonymous-only server,
	// or one user trying spellings of a name, make a handful before an
	// anonymous login succeeds (judged at the failure, it may come later).
	scanNames = 20
	// sprayUsers distinct users tried with one password make it a spray.
	sprayUsers = 3
	// focusFailures failed logins for one named user from one address
	// within loginWindow are guessing even among successful logins of
	// others behind the same address.
	focusFailures = 2 * bruteFailures
	// maxLoginClients bounds the (client address, server) pairs with
	// failed logins followed; failures beyond it are counted in
	// loginTable.omitted.
	maxLoginClients = 4096
	// reportedMemory: a pair reported for guessing that the full table
	// let go (evictReported) is remembered as reported this long after
	// its latest login (packet time): failing again within it, it is
	// not reported again; after it, it is, as a new attacker. A day: a
	// guesser's list runs for hours, and one back the next day is worth
	// a new warning.
	reportedMemory = 24 * time.Hour
	// maxReportedGone bounds that memory (a keyed hash and a time
	// each); past it the one let go first is forgotten first.
	maxReportedGone = maxLoginClients
	// maxOKClients bounds the client addresses whose successful logins
	// are counted per server before any of their logins failed
	// (okSketch): the busiest ones stay. Successes at servers beyond
	// MaxServers are counted in loginTable.okOmitted.
	maxOKClients = 8
	// maxLoginFails bounds the failures kept per pair (oldest dropped:
	// only the window matters).
	maxLoginFails = 256
	// maxLoginUser bounds the bytes of a user name kept per failure.
	maxLoginUser = 64
	// okBucket: successful logins are counted per minute, in okBuckets
	// slots: the window, rounded out to whole minutes.
	okBucket  = time.Minute
	okBuckets = int(loginWindow/okBucket) + 1
	// maxOKNames bounds the user names kept per address and server whose
	// logins succeeded (nameSet): a failure of one of them looks like a
	// mistype, a failure of any other name does not. An office's users
	// are many: beyond the bound no name is judged a stranger.
	maxOKNames = 256
	// strangerNames distinct user names that never logged in from an
	// address, failing from it within loginWindow, are guessing even
	// among that address's successful logins: credential stuffing from
	// an office looks like that, users mistyping their own names does
	// not.
	strangerNames = 5
	// strangerGrace: a name is a stranger only once it failed twice, or
	// this long after its failure it still has not logged in. A new user
	// mistyping logs in seconds later.
	strangerGrace = 2 * time.Minute
	// maxCrossServers bounds the servers followed per client address for
	// failures spread over servers (crossClient); more are counted.
	maxCrossServers = 16
	// spreadFailures failed logins for one named user at one server
	// within loginWindow, each from an address below bruteFailures
	// there, with spreadPasswords different passwords, are guessing
	// spread over addresses (spreadUser).
	spreadFailures  = 4 * bruteFailures
	spreadPasswords = sprayUsers
	// maxSpreadUsers bounds the user names followed per server for it:
	// the ones with the most failures within the window stay; a name
	// pushed out with failures in the window is counted
	// (loginTable.spreadForgotten).
	maxSpreadUsers = 8
	// maxSpreadGone bounds the names per server whose finding was given
	// and whose slot was pushed out (spreadSketch.gone), so that a name
	// followed again is not reported again: the oldest out first, and
	// counted (loginTable.spreadGoneForgotten), since it may be reported
	// again.
	maxSpreadGone = 32
	// loginRecover: a named login that succeeds from the same address
	// this soon after a failure explains it (excuse): an anonymous
	// attempt refused before the user gave a name, or a mistyped name
	// retyped in the same session.
	loginRecover = 30 * time.Second
	// staleRepeats failures of one named user, every one with one
	// password tried for no other user, are a stored credential retried
	// (a job whose password went stale), whatever other users do.
	staleRepeats = 2
	// maxStaleUsers: more users than this from one address, each
	// retried with its own password, are a list of credentials replayed
	// (stuffing that retries each pair), not stale jobs: none of them is
	// taken for a stale credential.
	maxStaleUsers = sprayUsers - 1
)

// spreadUser is one user name's failed logins at one server from
// addresses each below bruteFailures there: a guesser spreading its
// tries over many addresses (a botnet) stays below every address's
// count, and even beyond maxLoginClients, but not below its target's.
type spreadUser struct {
	user  uint64 // keyed hash of the name
	fails okCounts
	oks   okCounts                // its successful logins since it was followed
	pass  [spreadPasswords]uint64 // different passwords seen, up to spreadPasswords
	npass int
	// reported: the warning was raised; noted: the info for one
	// password every time was. passCut: one of pass is a password the
	// capture cut (loginTable.passwordKey): counted as another, not known
	// to be.
	reported, noted, passCut bool
}

// spreadSketch follows, at one server, the user names with the most
// failed logins within the window, at most maxSpreadUsers.
type spreadSketch struct {
	slots [maxSpreadUsers]spreadUser
	used  int
	// gone: the names pushed out of slots after their warning or info
	// was given, with which (at most maxSpreadGone, oldest first): each
	// is said once per capture, however often its slot goes.
	gone []spreadGone
}

// spreadGone is a name spreadSketch pushed out, and what was said of it.
type spreadGone struct {
	user            uint64
	reported, noted bool
}

// add counts a failure for user with password pass (keyed hashes; cut:
// one the capture cut, loginTable.passwordKey) and returns its slot,
// whether another name with failures within the window lost its slot to
// it, and whether a name said before fell out of gone (maxSpreadGone).
func (k *spreadSketch) add(user, pass uint64, cut bool, ts time.Time) (u *spreadUser, forgot, goneLost bool) {
	for i := range k.used {
		if k.slots[i].user == user {
			u = &k.slots[i]
			break
		}
	}
	if u == nil {
		i := k.used
		if i < maxSpreadUsers {
			k.used++
		} else {
			fewest := -1
			for j := range k.slots {
				if n := k.slots[j].fails.within(ts); fewest < 0 || n < fewest {
					i, fewest = j, n
				}
			}
			forgot = fewest > 0
			if old := &k.slots[i]; old.reported || old.noted {
				if len(k.gone) >= maxSpreadGone {
					k.gone = slices.Delete(k.gone, 0, 1)
					goneLost = true
				}
				k.gone = append(k.gone, spreadGone{user: old.user, reported: old.reported, noted: old.noted})
			}
		}
		k.slots[i] = spreadUser{user: user}
		u = &k.slots[i]
		if j := slices.IndexFunc(k.gone, func(g spreadGone) bool { return g.user == user }); j >= 0 {
			// Said before its slot went: not said again.
			u.reported, u.noted = k.gone[j].reported, k.gone[j].noted
			k.gone = slices.Delete(k.gone, j, j+1)
		}
	}
	u.fails.add(ts)
	if pass != 0 && u.npass < spreadPasswords && !slices.Contains(u.pass[:u.npass], pass) {
		u.pass[u.npass] = pass
		u.npass++
		u.passCut = u.passCut || cut
	}
	return u, forgot, goneLost
}

// nameSet is a bounded set of user names, kept as keyed hashes; it
// grows as names come, up to maxOKNames.
type nameSet struct {
	h       []uint64
	dropped uint32 // names the bound kept out
	logins  uint32 // logins added, repeats included
}

func (ns *nameSet) add(h uint64) {
	ns.logins++
	if ns.has(h) {
		return
	}
	if len(ns.h) >= maxOKNames {
		ns.dropped++
		return
	}
	ns.h = append(ns.h, h)
}

func (ns *nameSet) has(h uint64) bool {
	return slices.Contains(ns.h, h)
}

// clone is a copy that shares no storage with ns.
func (ns *nameSet) clone() nameSet {
	return nameSet{h: slices.Clone(ns.h), dropped: ns.dropped, logins: ns.logins}
}

// judgesStrangers reports whether a name missing from ns is a stranger's:
// every name that logged in is kept, and its users come back (on
// average twice per name), so a population is known. Where most logins
// are of names never seen before, one more new name proves nothing.
func (ns *nameSet) judgesStrangers() bool {
	return ns.dropped == 0 && int(ns.logins) >= 2*len(ns.h)
}

// crossClient is one client address's failed logins over servers: the
// servers it failed at (bounded), so that a guesser spreading its tries
// over several servers, below each one's threshold, adds up.
type crossClient struct {
	servers  [maxCrossServers]netip.AddrPort
	n        uint8
	omitted  int // servers the bound kept out
	reported bool
	noted    bool // the info for one stored credential retried was given
}

func (cc *crossClient) add(srv netip.AddrPort) {
	for _, x := range cc.servers[:cc.n] {
		if x == srv {
			return
		}
	}
	if int(cc.n) >= maxCrossServers {
		cc.omitted++
		return
	}
	cc.servers[cc.n] = srv
	cc.n++
}

// loginKey is a client address and the server it logs in to.
type loginKey struct {
	client netip.Addr
	server netip.AddrPort
}

// forgetStale drops the pairs with no login, failed or not, within the
// window: a long capture of a public server sees many, and a full table
// would report no new attacker. The addresses none of whose pairs are
// left go from the cross-server table too.
//
// The pairs are found by age (loginAges), not by a scan of the table: a
// table full of live pairs, with a new failing address in every packet,
// costs no more than one look at the oldest. A pair's latest login only
// moves forward, so its record in ages is never younger than it: a
// record found due whose pair logged in since goes back with the pair's
// latest time, a reported pair's record moves to reportedAges (the pair
// stays in the table; evictReported lets it go only when the table is
// full), and the rest are the stale pairs, every one of them.
func (t *loginTable) forgetStale(now time.Time) {
	for len(t.ages) > 0 {
		t.sweepVisits++
		r := t.ages[0]
		if now.Sub(r.last) <= loginWindow {
			// The oldest is within the window: so is every other.
			return
		}
		t.ages.pop()
		lc := t.by[r.key]
		switch {
		case lc == nil:
		case lc.reported:
			// A reported attacker stays (its finding says it is not
			// reported again, and LoginAttacks lists it), until the
			// table is full (evictReported).
			t.reportedAges.push(loginAge{last: lc.last, key: r.key})
		case lc.last.After(r.last):
			// A login since the record: due again at its latest. (One
			// still due is popped again at once, and then dropped.)
			t.ages.push(loginAge{last: lc.last, key: r.key})
		default:
			delete(t.by, r.key)
			t.forgetCross(r.key.client)
		}
	}
}

// forgetCross drops a's cross-server entry once none of the pairs it
// lists is left: only the addresses whose pairs forgetStale or
// evictReported dropped can lose their last one. It reports the entry
// it dropped, or nil.
func (t *loginTable) forgetCross(a netip.Addr) *crossClient {
	cc := t.cross[a]
	if cc == nil {
		return nil
	}
	for _, srv := range cc.servers[:cc.n] {
		if t.by[loginKey{client: a, server: srv}] != nil {
			return nil
		}
	}
	delete(t.cross, a)
	return cc
}

// evictReported lets go of the reported pair with the oldest latest
// login, if that is past the window, and tells whether it did: the table
// is full, and reported pairs kept for good filled it in a capture of
// weeks, after which no new attacker was weighed at all. The pair is
// remembered as reported (and its address's cross-server report, if its
// entry goes with it) for reportedMemory, so that a guesser that pauses
// is not reported again at once. Found by age (reportedAges), as
// forgetStale finds stale pairs: a record whose pair logged in since
// goes back with its latest time.
func (t *loginTable) evictReported(now time.Time) bool {
	for len(t.reportedAges) > 0 {
		t.sweepVisits++
		r := t.reportedAges[0]
		if now.Sub(r.last) <= loginWindow {
			return false
		}
		t.reportedAges.pop()
		lc := t.by[r.key]
		switch {
		case lc == nil:
			continue
		case lc.last.After(r.last):
			t.reportedAges.push(loginAge{last: lc.last, key: r.key})
			continue
		}
		delete(t.by, r.key)
		t.letGo++
		t.remember(r.key, lc.last, now)
		if cc := t.forgetCross(r.key.client); cc != nil && cc.reported {
			t.remember(loginKey{client: r.key.client}, lc.last, now)
		}
		return true
	}
	return false
}

// reportedGone is a pair let go by evictReported (or, with no server,
// an address's cross-server report): its keyed hash and latest login
// (Unix seconds).
type reportedGone struct {
	key  uint64
	last int64
}

// remember notes that k, reported, was let go with its latest login at
// last.
func (t *loginTable) remember(k loginKey, last, now time.Time) {
	t.expireGone(now)
	if len(t.goneOrder) >= maxReportedGone {
		t.dropGone()
	}
	g := reportedGone{key: maphash.Comparable(t.seed, k), last: last.Unix()}
	if t.gone == nil {
		t.gone = map[uint64]int64{}
	}
	t.gone[g.key] = g.last
	t.goneOrder = append(t.goneOrder, g)
}

// recall tells whether k was reported and let go within reportedMemory
// before now, and forgets it: its pair (or cross-server entry) is made
// anew, reported.
func (t *loginTable) recall(k loginKey, now time.Time) bool {
	if len(t.gone) == 0 {
		return false
	}
	t.expireGone(now)
	h := maphash.Comparable(t.seed, k)
	last, ok := t.gone[h]
	if !ok {
		return false
	}
	delete(t.gone, h) // its record in goneOrder is skipped when it comes up
	return now.Unix()-last <= int64(reportedMemory/time.Second)
}

// expireGone forgets the pairs let go whose latest login is more than
// reportedMemory before now, in the order they were let go (by their
// latest login, the oldest first, but for a clock that went back).
func (t *loginTable) expireGone(now time.Time) {
	for len(t.goneOrder) > 0 && now.Unix()-t.goneOrder[0].last > int64(reportedMemory/time.Second) {
		t.dropGone()
	}
}

// dropGone forgets the pair let go first.
func (t *loginTable) dropGone() {
	g := t.goneOrder[0]
	t.goneOrder = t.goneOrder[1:]
	if last, ok := t.gone[g.key]; ok && last == g.last {
		delete(t.gone, g.key)
	}
}

// loginAge is a pair of the login table and its latest login, as it
// was when the record was made: never later than the pair's own.
type loginAge struct {
	last time.Time
	key  loginKey
}

// loginAges is a min-heap of loginAge by last: one record per pair of
// the table not reported (so bounded with it), the oldest at [0].
type loginAges []loginAge

func (h *loginAges) push(a loginAge) {
	*h = append(*h, a)
	x := *h
	for i := len(x) - 1; i > 0; {
		p := (i - 1) / 2
		if !x[i].last.Before(x[p].last) {
			break
		}
		x[i], x[p] = x[p], x[i]
		i = p
	}
}

func (h *loginAges) pop() loginAge {
	x := *h
	top := x[0]
	n := len(x) - 1
	x[0] = x[n]
	x = x[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && x[l].last.Before(x[m].last) {
			m = l
		}
		if r := l + 1; r < n && x[r].last.Before(x[m].last) {
			m = r
		}
		if m == i {
			break
		}
		x[i], x[m] = x[m], x[i]
		i = m
	}
	*h = x
	return top
}

// loginFail is one refused login. The password is kept only as a keyed
// hash (its key lives in memory for this run), to tell one password
// tried for many users without keeping it (loginTable.passwordKey).
type loginFail struct {
	ts   time.Time
	num  uint64
	user string
	pass uint64
	sess int
	anon bool // an anonymous login (user anonymous or ftp)
	// passCut: the capture did not hold the password whole
	// (passwordCut): pass is a key of its own, equal to no other.
	passCut bool
	// atName: refused at USER (530 "This FTP server is anonymous
	// only."): the server checked no password, nothing was guessed.
	// passSent: a PASS the client sent after the USER was in the
	// transcript when the refusal came (pipelined): the capture holds a
	// password the server did not check.
	atName, passSent bool
	// excused: an anonymous attempt a named user's successful login
	// from the same address followed within loginRecover (a browser or
	// file manager trying anonymous FTP before asking for a name);
	// recovered: a name that failed in a session that then logged in
	// within loginRecover (a mistyped name, retyped). Neither guesses.
	excused, recovered bool
	// tunnelled: its session had come only inside a tunnel no fabric's
	// endpoints carried (track.Session.TunnelUnverified): anyone can
	// send such packets, naming any client (tunnelhedge.go).
	tunnelled bool
}

// okCounts counts successful logins per minute over the window: slot
// i counts the minute minute[i].
type okCounts struct {
	minute [okBuckets]int64
	n      [okBuckets]uint32
}

func (o *okCounts) add(ts time.Time) {
	m := ts.Unix() / int64(okBucket/time.Second)
	i := int(((m % int64(okBuckets)) + int64(okBuckets)) % int64(okBuckets))
	if o.minute[i] != m || o.n[i] == 0 {
		o.minute[i], o.n[i] = m, 0
	}
	o.n[i]++
}

// within is the number of successful logins in the window that ends at
// now, rounded out to whole minutes.
func (o *okCounts) within(now time.Time) int {
	m := now.Unix() / int64(okBucket/time.Second)
	n := 0
	for i := range o.minute {
		if o.n[i] > 0 && o.minute[i] <= m && m-o.minute[i] < int64(okBuckets) {
			n += int(o.n[i])
		}
	}
	return n
}

// okSketch counts, at one server, the successful logins of the client
// addresses with the most of them within the window, at most
// maxOKClients: a pair is followed (loginClient) only from its first
// failed login, so that a server's every successful client does not cost
// a table entry, and the successes before that failure come from here. A
// new address takes the slot of the one with the fewest named users'
// successes within the window, then the fewest anonymous ones: an
// address many users share keeps its slot.
type okSketch struct {
	slots [maxOKClients]struct {
		client netip.Addr
		oks    okCounts // anonymous ones too
		anon   okCounts // the anonymous ones
		names  nameSet  // the named users that logged in
	}
	used int
}

// add counts a successful login of user (its keyed hash) from cli, an
// anonymous one if anon.
func (k *okSketch) add(cli netip.Addr, user uint64, anon bool, ts time.Time) {
	count := func(i int) {
		k.slots[i].oks.add(ts)
		if anon {
			k.slots[i].anon.add(ts)
		} else {
			k.slots[i].names.add(user)
		}
	}
	for i := range k.used {
		if k.slots[i].client == cli {
			count(i)
			return
		}
	}
	i := k.used
	if i < maxOKClients {
		k.used++
	} else {
		// The fewest named users' logins out first, then the fewest
		// anonymous ones: the named ones are what failed passwords are
		// weighed against, and a mirror's anonymous crowd must not push
		// an office out.
		fewest, fewestAll := -1, 0
		for j := range k.slots {
			all := k.slots[j].oks.within(ts)
			if n := all - k.slots[j].anon.within(ts); fewest < 0 || n < fewest || n == fewest && all < fewestAll {
				i, fewest, fewestAll = j, n, all
			}
		}
	}
	k.slots[i].client, k.slots[i].oks, k.slots[i].anon, k.slots[i].names = cli, okCounts{}, okCounts{}, nameSet{}
	count(i)
}

// find returns cli's counts (anonymous logins too) and the named users
// that logged in, or nil.
func (k *okSketch) find(cli netip.Addr) (*okCounts, *nameSet) {
	if i := k.index(cli); i >= 0 {
		return &k.slots[i].oks, &k.slots[i].names
	}
	return nil, nil
}

// anonOf returns cli's count of anonymous logins, or nil.
func (k *okSketch) anonOf(cli netip.Addr) *okCounts {
	if i := k.index(cli); i >= 0 {
		return &k.slots[i].anon
	}
	return nil
}

func (k *okSketch) index(cli netip.Addr) int {
	for i := range k.used {
		if k.slots[i].client == cli {
			return i
		}
	}
	return -1
}

type loginClient struct {
	fails []loginFail
	total int
	first time.Time // the first failure
	last  time.Time // the latest login, failed or not
	// oks: the successful logins, anonymous ones too; anonOKs: the
	// anonymous ones; names: the named users that logged in.
	oks, anonOKs okCounts
	names        nameSet
	// reported: login-brute-force was raised (a warning); noted: the
	// info for a shared address was; hedged: the warning was raised
	// resting on failures seen only inside a tunnel (loginFail.tunnelled),
	// and is raised again, unhedged, if the others alone show guessing.
	reported, noted, hedged bool
	// tunnelFrom: the tunnel the latest tunnelled failure came inside,
	// and its sender ("VXLAN from 198.51.100.66": tunnelFrom).
	tunnelFrom string
}

type loginTable struct {
	seed maphash.Seed
	by   map[loginKey]*loginClient
	okBy map[netip.AddrPort]*okSketch // at most MaxServers
	// spread: per server, its most failing user names (at most
	// MaxServers servers).
	spread map[netip.AddrPort]*spreadSketch
	// cross: per client address of a pair in by, the servers its logins
	// failed at (at most one entry per address of by).
	cross map[netip.Addr]*crossClient
	// ages: the pairs of by by their latest login, oldest first, for
	// forgetStale; reportedAges: the reported ones forgetStale found
	// due, for evictReported. Every pair has one record in one of them.
	ages, reportedAges loginAges
	// gone: the reported pairs evictReported let go, by keyed hash of
	// their loginKey (an address's cross-server report with no server),
	// with their latest login; goneOrder, the same in the order let go:
	// for reportedMemory and maxReportedGone. letGo counts them.
	gone        map[uint64]int64
	goneOrder   []reportedGone
	letGo       int
	sweepVisits int       // records forgetStale and evictReported looked at: their work
	swept       time.Time // when forgetStale last ran on the clock
	omitted     int       // failed logins of pairs the bound kept out
	okOmitted   int       // successful logins at servers the bound kept out
	// spreadOmitted: failed logins of named users at servers spread's
	// bound kept out, not weighed for guessing spread over addresses.
	spreadOmitted int
	// spreadForgotten: times a user name was pushed out of a server's
	// spread sketch (maxSpreadUsers) with failures still within the
	// window (a name pushed out twice counts twice): those failures are
	// not weighed together with its later ones.
	spreadForgotten int
	// spreadGoneForgotten: names already reported or noted that
	// maxSpreadGone pushed out of a server's memory: each may be said
	// again.
	spreadGoneForgotten int
	// passwordsCut: the refused passwords the capture did not hold
	// whole so far, each given a key of its own (passwordKey).
	passwordsCut uint64
}

func newLoginTable() loginTable {
	return loginTable{seed: maphash.MakeSeed(), by: map[loginKey]*loginClient{}, okBy: map[netip.AddrPort]*okSketch{}, spread: map[netip.AddrPort]*spreadSketch{}, cross: map[netip.Addr]*crossClient{}}
}

// userHash is the keyed hash a user name is kept as.
func (t *loginTable) userHash(user string) uint64 { return maphash.String(t.seed, user) }

// passwordKey is the keyed hash the password of c, a refused PASS, is
// kept as: one password tried again has one key. A password the capture
// did not hold whole (passwordCut: "PASS Guess" of "PASS Guess000",
// "Guess001", ... cut by a snap length) is unknown: its key is one of its
// own, equal to no other password's, cut or not, so that it can neither
// show one password retried (a stored credential, staleUsers; one
// password for many users, a spray) nor the same one as another login's;
// cut reports it. (Never 0: no password.)
func (t *loginTable) passwordKey(c *track.Command) (key uint64, cut bool) {
	if !passwordCut(c) {
		return maphash.String(t.seed, c.Arg), false
	}
	for key == 0 {
		t.passwordsCut++
		key = maphash.Comparable(t.seed, cutPassword{t.passwordsCut})
	}
	return key, true
}

// cutPassword is what the key of a password the capture cut is made of:
// the how-manieth such password it is (a type of its own, so that no
// string's key is made of the same bytes).
type cutPassword struct{ n uint64 }

// passwordCut tells whether the capture did not hold c's argument whole:
// a capture gap took the line's rest (RestNotCaptured), or the line was
// delivered without its line end (a password line whose end a gap held,
// decode's lostPass, or one the stream's end cut), or bytes of an
// over-long line were dropped from its middle.
func passwordCut(c *track.Command) bool {
	return c.RestNotCaptured() || c.Anomaly&ftp.CmdUnterminated != 0 || c.Dropped > 0
}

// anonymousUser reports whether user is one of the names anonymous FTP
// accepts.
func anonymousUser(user string) bool {
	u := strings.ToLower(user)
	return u == "anonymous" || u == "ftp"
}

// loginSuccess counts a login the server accepted (230 or 232 to USER or
// PASS) for its client address and server: in the pair's entry when one
// of its logins failed before, and in the server's okSketch. Anonymous
// logins count as logins of the address (the users of a server for
// anonymous FTP behind one NAT log in so), not as names that logged in,
// and excuse no failure.
func (d *Diagnoser) loginSuccess(s *track.Session, c *track.Command) {
	r := c.Final()
	if r == nil || r.Code != 230 && r.Code != 232 || c.Verb != "PASS" && c.Verb != "USER" {
		return
	}
	t := &d.logins
	cli := s.Client.Addr().Unmap()
	anon := anonymousUser(s.User)
	if d.capture != nil && !anon {
		// A named user of FTP servers: no scanner. (An anonymous login is
		// what a scan's script does at a host that listens: nmap ftp-anon.)
		d.capture.scans.loggedIn(cli)
	}
	user := t.userHash(s.User)
	if lc := t.by[loginKey{client: cli, server: s.Server}]; lc != nil {
		lc.oks.add(r.TS)
		if r.TS.After(lc.last) {
			lc.last = r.TS
		}
		if anon {
			lc.anonOKs.add(r.TS)
		} else {
			lc.names.add(user)
			lc.excuse(s.ID, s.User, r.TS)
		}
	}
	if sp := t.spread[s.Server]; sp != nil && !anon {
		for i := range sp.used {
			if sp.slots[i].user == user {
				sp.slots[i].oks.add(r.TS)
			}
		}
	}
	k := t.okBy[s.Server]
	if k == nil {
		if len(t.okBy) >= MaxServers {
			t.okOmitted++
			return
		}
		k = &okSketch{}
		t.okBy[s.Server] = k
	}
	k.add(cli, user, anon, r.TS)
}

// excuse marks the failures a named login that succeeded at ts in
// session sess (as user) explains: the oldest anonymous attempt within
// loginRecover before it not yet excused (browsers and Windows Explorer
// try anonymous first, then ask for a name: one success explains one
// such attempt, in its session or the next), and the failures of the
// latest other name that failed in the same session within
// loginRecover (a mistyped name, retyped). A guesser gains nothing by
// either: its failures of named users still count as failures, only a
// name retyped is no stranger.
func (lc *loginClient) excuse(sess int, user string, ts time.Time) {
	anon, typo := -1, ""
	for i := len(lc.fails) - 1; i >= 0; i-- {
		f := &lc.fails[i]
		if ts.Sub(f.ts) > loginRecover {
			break
		}
		switch {
		case f.ts.After(ts):
		case f.anon:
			if !f.excused {
				anon = i
			}
		case typo == "" && f.sess == sess && f.user != user && !f.recovered && retyped(f.user, user):
			typo = f.user
		}
	}
	if anon >= 0 {
		lc.fails[anon].excused = true
	}
	if typo == "" {
		return
	}
	// A name tried with more than one password is no typo: the user
	// would have retyped the name, not the password.
	var pass uint64
	for i := len(lc.fails) - 1; i >= 0 && ts.Sub(lc.fails[i].ts) <= loginRecover; i-- {
		if f := &lc.fails[i]; f.sess == sess && f.user == typo {
			if pass != 0 && f.pass != pass {
				return
			}
			pass = f.pass
		}
	}
	for i := len(lc.fails) - 1; i >= 0 && ts.Sub(lc.fails[i].ts) <= loginRecover; i-- {
		if f := &lc.fails[i]; f.sess == sess && f.user == typo {
			f.recovered = true
		}
	}
}

// retyped tells whether the name failed may be a mistyped ok, the name
// that then logged in: the same but for case and punctuation
// ("user_0046", "User0046"), or at most two letters apart. A guesser's
// victims (victim07 after its own account mallory) are not.
func retyped(failed, ok string) bool {
	a, b := typoKey(failed), typoKey(ok)
	if a == b {
		return true
	}
	if len(a) > 64 || len(b) > 64 || len(a)-len(b) > 2 || len(b)-len(a) > 2 {
		return false
	}
	return editDistance(a, b) <= 2
}

// typoKey is name lower-cased, with only its letters and digits.
func typoKey(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// LoginAttack is what the diagnoser counted of one client's failed logins
// at one server.
type LoginAttack struct {
	Client   netip.Addr
	Server   netip.AddrPort
	Failures int
	First    time.Time
	Last     time.Time
}

// loginFailure records a refused USER or PASS (not one refused while a
// login stands: the tracker's Login is still LoginOK) and reports the client the
// first time its failures at this server within loginWindow are guessing
// (guessing); the first time they are many but not guessing, an info
// says why.
func (d *Diagnoser) loginFailure(s *track.Session, c *track.Command) *Finding {
	if refusedLogin(s, c) != nil {
		// Every one, reported or not, beyond the table's bound too: the
		// server summary's count, which the finding's "later failures"
		// refer to.
		d.server(s).noteLoginFailed(s.Client.Addr().Unmap())
	}
	f := d.loginFailureAddr(s, c)
	if f != nil && f.Severity >= SeverityWarning {
		return f
	}
	if g := d.spreadFailure(s, c); g != nil {
		return g
	}
	return f
}

// spreadFailure counts a refused password for its user name at its
// server when its address is below bruteFailures there (or beyond the
// table's bound), and reports the first time such failures for one
// named user within loginWindow are spreadFailures with several
// passwords: one account guessed from many addresses, each too quiet to
// stand out. A USER refused tried no password: not counted.
func (d *Diagnoser) spreadFailure(s *track.Session, c *track.Command) *Finding {
	r := c.Final()
	if r == nil || r.Code != 530 && r.Code != 430 || c.Verb != "PASS" || s.Login == track.LoginOK {
		return nil
	}
	user := loginUser(s, c)
	if user == "" || anonymousUser(user) {
		return nil
	}
	t := &d.logins
	addr := s.Client.Addr().Unmap()
	if lc := t.by[loginKey{client: addr, server: s.Server}]; lc != nil {
		if lc.reported {
			return nil
		}
		n := 0
		for i := len(lc.fails) - 1; i >= 0 && n < bruteFailures && r.TS.Sub(lc.fails[i].ts) <= loginWindow; i-- {
			n++
		}
		if n >= bruteFailures {
			return nil // that address's own count weighs it
		}
	}
	k := t.spread[s.Server]
	if k == nil {
		if len(t.spread) >= MaxServers {
			t.spreadOmitted++
			return nil
		}
		k = &spreadSketch{}
		t.spread[s.Server] = k
	}
	pass, cut := t.passwordKey(c)
	u, forgot, goneLost := k.add(t.userHash(user), pass, cut, r.TS)
	if forgot {
		t.spreadForgotten++
	}
	if goneLost {
		t.spreadGoneForgotten++
	}
	n := u.fails.within(r.TS)
	if u.reported || n < spreadFailures || 2*u.oks.within(r.TS) >= n {
		// Not guessing where the name's own logins succeed for half
		// its failures or more: a popular account's users mistyping.
		return nil
	}
	f := &Finding{Code: CodeLoginAttack, Severity: SeverityWarning, TS: r.TS, Packets: packets([]uint64{c.Num, r.Num})}
	fam := d.family(s)
	if u.npass == 1 && !u.noted {
		// One password every time: many clients holding one stored
		// credential that went stale (a fleet's job), or a replay; a
		// guesser varies the password.
		u.noted = true
		f.Severity = SeverityInfo
		f.spread = true // (one password: serverAcc.loginSpreadSame)
		f.Evidence = fmt.Sprintf("%d failed logins for user %q within the last %d minutes, each from an address with fewer than %d failures here, every one with the same password; the latest from %s, %q (packet %d)",
			n, clean(user), int(loginWindow/time.Minute)+1, bruteFailures, addr, replyText(r), r.Num)
		f.Message = fmt.Sprintf("%d failed logins for user %q within %d minutes from many addresses, every one with the same password: one stored credential retried by many clients (a fleet's scheduled job whose password changed), or a login replayed from many addresses; not a guess of the password. Reported once; raised as login-brute-force (warning) if the password varies.",
			n, clean(user), int(loginWindow/time.Minute)+1)
		f.Advice = fmt.Sprintf("Find what logs in as %q from these addresses and give it the account's current password, or disable it; if no such clients are yours, disable the account's FTP login (%s) and limit attempts on the server (%s).",
			clean(user), fam.noLogin(), fam.loginLimit())
		return f
	}
	if u.npass < spreadPasswords {
		return nil
	}
	u.reported = true
	f.spread = true
	different := "different passwords"
	if u.passCut {
		different = "passwords that differ, or that the capture cut short (a snap length, lost segments) and that may not"
	}
	f.Evidence = fmt.Sprintf("%d failed logins for user %q within the last %d minutes, each from an address with fewer than %d failures here, with at least %d %s; the latest from %s, %q (packet %d)",
		n, clean(user), int(loginWindow/time.Minute)+1, bruteFailures, spreadPasswords, different, addr, replyText(r), r.Num)
	f.Message = fmt.Sprintf("Password guessing against user %q spread over many addresses: %d failed logins for it within %d minutes, with different passwords, each address failing fewer than %d times (below what stands out per address). Reported once for this user.",
		clean(user), n, int(loginWindow/time.Minute)+1, bruteFailures)
	f.Advice = fmt.Sprintf("Blocking one address does not stop it: protect the account. Check that %q has a strong password (change it if it may have been guessed), disable its FTP login if it needs none (%s), limit attempts on the server (%s) and require TLS so passwords are not read on the way.",
		clean(user), fam.noLogin(), fam.loginLimit())
	if fam.ownLoginLimit() {
		f.Advice += fam.note()
	}
	return f
}

// loginFailureAddr is loginFailure's count per client address and
// server.
func (d *Diagnoser) loginFailureAddr(s *track.Session, c *track.Command) *Finding {
	r := refusedLogin(s, c)
	if r == nil {
		return nil
	}
	t := &d.logins
	addr := s.Client.Addr().Unmap()
	lc := t.failingClient(addr, s.Server, r.TS)
	if lc == nil {
		return nil // beyond the table's bound: counted in omitted
	}
	n := t.recordFailure(lc, s, c, r)
	if lc.reported || lc.hedged && lc.fails[len(lc.fails)-1].tunnelled {
		// (Hedged: only a failure outside the tunnel can make the
		// others show guessing by themselves.)
		return nil
	}
	if n < bruteFailures {
		return d.crossServerFailure(s, c, addr)
	}
	// users is made here, not in weigh, so that it stays off the heap:
	// this runs for every failure of an address past bruteFailures.
	w := loginWeighing{users: map[string]bool{}, atNameNames: map[string]bool{}}
	w.weigh(t, lc, lc.fails[len(lc.fails)-n:], r.TS)
	oneCred := w.oneCredential()
	guessing := !oneCred && w.guessing()
	if !guessing && lc.noted {
		return nil
	}
	f := w.attackFinding(r, addr)
	fam := d.family(s)
	switch {
	case oneCred:
		lc.noted = true
		w.wordStaleCredential(f, addr)
		return f
	case !guessing:
		lc.noted = true
		w.wordSharedAddress(f, addr, fam)
		return f
	}
	if w.tunnelled > 0 && !plainGuessing(t, lc, w.win, r.TS) {
		// The accusation rests on packets anyone could have sent inside
		// the tunnel, naming this address: hedged, once; raised again
		// when the failures outside the tunnel alone show guessing.
		if lc.hedged {
			return nil
		}
		lc.hedged = true
		w.wordGuessing(f, addr, fam)
		f.Message = strings.Replace(f.Message, "not reported again.", "not reported again unless the failures outside the tunnel alone show guessing.", 1)
		hedgeLoginTunnel(f, addr, w.tunnelled, len(w.win), lc.tunnelFrom)
		return f
	}
	lc.reported = true
	w.wordGuessing(f, addr, fam)
	if w.tunnelled > 0 {
		f.tunnelWeighed = true
		f.Message += fmt.Sprintf(" (%d of these failures were seen only inside %s; the other %d show guessing without them.)", w.tunnelled, lc.tunnelFrom, len(w.win)-w.tunnelled)
	}
	return f
}

// plainGuessing: win's failures that came outside a tunnel
// (loginFail.tunnelled) show guessing by themselves.
func plainGuessing(t *loginTable, lc *loginClient, win []loginFail, now time.Time) bool {
	plain := make([]loginFail, 0, len(win)) // (only where a tunnel's failures are among them)
	for _, x := range win {
		if !x.tunnelled {
			plain = append(plain, x)
		}
	}
	if len(plain) == 0 {
		return false
	}
	w := loginWeighing{users: map[string]bool{}, atNameNames: map[string]bool{}}
	w.weigh(t, lc, plain, now)
	return !w.oneCredential() && w.guessing()
}

// refusedLogin is the reply that refused c, a USER or PASS (530 or 430),
// or nil. A refusal while a login stood (vsftpd's "530 Can't change to
// another user."; the tracker's Login is still LoginOK) is nil too:
// nothing was guessed, the server would not even try the name.
func refusedLogin(s *track.Session, c *track.Command) *track.Reply {
	r := c.Final()
	if r == nil || r.Code != 530 && r.Code != 430 || c.Verb != "PASS" && c.Verb != "USER" {
		return nil
	}
	if s.Login == track.LoginOK {
		return nil
	}
	return r
}

// failingClient is the table's pair of addr and server, made when new
// (with addr's successes there so far, if it was among the busiest);
// nil when the table is at its bound even after forgetting the stale
// pairs.
func (t *loginTable) failingClient(addr netip.Addr, server netip.AddrPort, now time.Time) *loginClient {
	k := loginKey{client: addr, server: server}
	if now.Sub(t.swept) > loginWindow {
		// Once a window of packet time: the table holds the pairs of the
		// last window, not every pair that ever failed, so what it keeps
		// follows what is live (a day's capture of a public server).
		t.forgetStale(now)
		t.swept = now
	}
	if lc := t.by[k]; lc != nil {
		return lc
	}
	if len(t.by) >= maxLoginClients {
		t.forgetStale(now)
	}
	if len(t.by) >= maxLoginClients && !t.evictReported(now) {
		t.omitted++
		return nil
	}
	// Reported before and let go within reportedMemory: not again.
	lc := &loginClient{reported: t.recall(k, now)}
	if ok := t.okBy[server]; ok != nil {
		// Its successes so far, if it was among the busiest.
		if o, ns := ok.find(addr); o != nil {
			lc.oks, lc.anonOKs, lc.names = *o, *ok.anonOf(addr), ns.clone()
		}
	}
	t.by[k] = lc
	t.ages.push(loginAge{last: now, key: k})
	cc := t.cross[addr]
	if cc == nil {
		cc = &crossClient{reported: t.recall(loginKey{client: addr}, now)}
		t.cross[addr] = cc
	}
	cc.add(server)
	return lc
}

// recordFailure adds c's refusal r to lc's failures and returns how many
// of them fall within the window that ends now (the newest in
// lc.fails).
func (t *loginTable) recordFailure(lc *loginClient, s *track.Session, c *track.Command, r *track.Reply) int {
	if len(lc.fails) == 0 && lc.total == 0 {
		lc.first = c.TS
	}
	if r.TS.After(lc.last) {
		lc.last = r.TS
	}
	var pass uint64
	passCut := false
	if c.Verb == "PASS" {
		pass, passCut = t.passwordKey(c)
	}
	user := loginUser(s, c)
	if len(user) > maxLoginUser {
		// The wire's user names are not all worth keeping whole; a copy,
		// so the cut does not keep the whole name alive.
		user = strings.Clone(user[:maxLoginUser])
	}
	lc.total++
	// Only the window is ever read: older failures go (the pair's total
	// and first time stay), and the bound holds a burst within it.
	old := 0
	for old < len(lc.fails) && r.TS.Sub(lc.fails[old].ts) > loginWindow {
		old++
	}
	if len(lc.fails)-old >= maxLoginFails {
		old = len(lc.fails) - maxLoginFails + 1
	}
	if old > 0 {
		lc.fails = append(lc.fails[:0], lc.fails[old:]...)
	}
	atName := c.Verb == "USER"
	tunnelled := s.TunnelUnverified()
	if tunnelled {
		lc.tunnelFrom = tunnelFrom(s.Tunnel())
	}
	lc.fails = append(lc.fails, loginFail{ts: r.TS, num: c.Num, user: user, pass: pass, passCut: passCut, sess: s.ID, anon: anonymousUser(user), atName: atName, passSent: atName && passAfter(s, c), tunnelled: tunnelled})
	// The failures within the window that ends now (oldest first in
	// fails): counted in place, gathered only when they make a finding.
	n := 0
	for i := len(lc.fails) - 1; i >= 0 && r.TS.Sub(lc.fails[i].ts) <= loginWindow; i-- {
		n++
	}
	return n
}

// passAfter: s's transcript holds a PASS sent after c (a client that
// pipelines USER and PASS, whose PASS the server answers 503 once it
// refused the USER).
func passAfter(s *track.Session, c *track.Command) bool {
	for i := len(s.Commands) - 1; i >= 0 && s.Commands[i].Index > c.Index; i-- {
		if s.Commands[i].Verb == "PASS" {
			return true
		}
	}
	return false
}

// loginWeighing is what one address's failures at one server within the
// window show, weighed against the address's successful logins there:
// what decides whether they are guessing, and what the finding says.
type loginWeighing struct {
	win []loginFail // the failures within the window, oldest first
	now time.Time   // the latest failure's reply
	// users: the names that failed (anonymous ones too); sessions: the
	// number of sessions they failed in.
	users    map[string]bool
	sessions int
	// oks: the address's successful logins within the window; anonOKs:
	// the anonymous ones among them.
	oks, anonOKs int
	// anon: the anonymous failures; excused: those a named login
	// followed within loginRecover; anonAtName: those refused at USER
	// (no password sent), not excused; pending: the rest too recent to
	// tell.
	anon, excused, anonAtName, pending int
	// atName: the named users' failures refused at USER, before any
	// password: no password guessed; atNameNames: the names among them
	// (an account-name scan's, nameScan); atNamePassSent: the failures
	// refused at USER (anonymous ones too) whose PASS was sent all the
	// same (pipelined).
	atName         int
	atNameNames    map[string]bool
	atNamePassSent int
	// stale: the named users whose failures are a stored credential
	// retried (staleUsers); staleFails: their failures.
	stale      map[string]bool
	staleFails int
	// judged: the address's names that logged in are known well enough
	// to call others strangers (nameSet.judgesStrangers); namesDropped:
	// more logged in than the set keeps.
	judged, namesDropped bool
	// unknownNames: the names that never logged in from the address;
	// strangerUsers of them are strangers (failed twice, or past the
	// grace), with strangerFails failures.
	unknownNames, strangerUsers, strangerFails int
	// spray: the most named users one password was tried for; focus: the
	// most failures of one named user.
	spray, focus int
	// evidence: the failures that show guessing (countEvidence).
	evidence int
	// tunnelled: the failures seen only inside a tunnel
	// (loginFail.tunnelled).
	tunnelled int
	// passCut: the failed passwords the capture did not hold whole
	// (loginFail.passCut): each counted as one of its own, not known to
	// differ from the others.
	passCut int
}

// weigh counts win, lc's failures within the window that ends at now.
func (w *loginWeighing) weigh(t *loginTable, lc *loginClient, win []loginFail, now time.Time) {
	w.win, w.now = win, now
	sessions := map[int]bool{}
	byPass := map[uint64]map[string]bool{}
	perUser := map[string]int{}
	// unknown: names that never logged in, with when each first failed
	// in the window; they are strangers once the grace has passed.
	unknown := map[string]time.Time{}
	// unknownN: a stranger's failures, those not retyped (recovered).
	unknownN := map[string]int{}
	// busy: more logins from the address succeeded in the window than
	// failed. Users behind it who press Enter at the password prompt
	// share the empty password; that is no spray among many successes.
	w.oks, w.anonOKs = lc.oks.within(now), lc.anonOKs.within(now)
	busy := w.named() > len(win)
	emptyPass := maphash.String(t.seed, "")
	w.judged, w.namesDropped = lc.names.judgesStrangers(), lc.names.dropped > 0
	// stale: the named users whose failures in the window, staleRepeats
	// or more, all repeat one password tried for no other user: a stored
	// credential retried (a job whose password went stale), whatever the
	// address's other users do; their failures guess nothing and are not
	// counted toward guessing. (One password for several users is a
	// spray's, not a stale credential's.)
	w.stale = staleUsers(win)
	for _, f := range win {
		w.users[f.user] = true
		sessions[f.sess] = true
		if f.tunnelled {
			w.tunnelled++
		}
		if f.passCut && !f.anon && !f.atName {
			w.passCut++
		}
		if f.atName && f.passSent {
			w.atNamePassSent++
		}
		if f.anon {
			// An anonymous login's password is an e-mail address, the
			// same for every such user: no spray, no guessing of its own.
			w.anon++
			switch {
			case f.excused:
				w.excused++
			case f.atName:
				w.anonAtName++
			case w.named() > 0 && now.Sub(f.ts) < loginRecover:
				// Moments old at an address whose named users log in:
				// its user may be about to (a browser asks for the name
				// after the anonymous attempt). Counted once
				// loginRecover has passed with no named login for it.
				w.pending++
			}
			continue
		}
		if f.atName {
			// The name was refused, no password tried: no spray, no
			// focus, no stranger's password.
			w.atName++
			w.atNameNames[f.user] = true
			continue
		}
		if w.stale[f.user] {
			w.staleFails++
			continue
		}
		perUser[f.user]++
		// A name the bound kept out may have logged in: with the set
		// incomplete, no name is known to be a stranger. A name its
		// session retyped and logged in with seconds later is a typo.
		if w.judged && !f.recovered && !lc.names.has(t.userHash(f.user)) {
			if _, ok := unknown[f.user]; !ok {
				unknown[f.user] = f.ts
			}
			unknownN[f.user]++
		}
		if f.pass != 0 && (f.pass != emptyPass || !busy) {
			if byPass[f.pass] == nil {
				byPass[f.pass] = map[string]bool{}
			}
			byPass[f.pass][f.user] = true
		}
	}
	w.sessions = len(sessions)
	w.unknownNames = len(unknown)
	for u, first := range unknown {
		// Failed twice, or still not logged in after the grace: a user
		// who mistyped has logged in by then.
		if unknownN[u] >= 2 || now.Sub(first) >= strangerGrace {
			w.strangerUsers++
			w.strangerFails += unknownN[u]
		}
	}
	for _, us := range byPass {
		w.spray = max(w.spray, len(us))
	}
	for _, c := range perUser {
		w.focus = max(w.focus, c)
	}
	w.evidence = w.countEvidence()
}

// countEvidence is the failures that show guessing: the named ones but a
// stale credential's and those refused at USER (no password tried), and
// the anonymous ones only where they outnumber the address's successful
// logins (a client that keeps failing anonymous logins and rarely gets
// in), less those a named login followed within seconds (a browser
// trying anonymous first: each such failure precedes its own success, so
// the comparison at the moment of the failure would count the failure
// before its success), those refused at USER and those too recent to
// tell.
func (w *loginWeighing) countEvidence() int {
	evidence := len(w.win) - w.anon - w.staleFails - w.atName
	if live := w.anon - w.excused - w.anonAtName - w.pending; live > w.oks {
		evidence += live
	}
	return evidence
}

// oneCredential: one user and one password every time. A guesser varies
// one or the other; a monitoring probe or a scheduled job whose stored
// password went stale repeats both.
func (w *loginWeighing) oneCredential() bool {
	return w.anon == 0 && len(w.stale) == 1 && w.staleFails == len(w.win)
}

// named is the address's successful logins of named users within the
// window: what failed passwords of named users are weighed against.
func (w *loginWeighing) named() int { return w.oks - w.anonOKs }

// guessing: enough failures, and not outnumbered by the named users'
// successes from the same address; a spray (one password, many users), many failures for
// one user, or failures for many names that never logged in from it are
// guessing even among successes. So is an account-name scan (nameScan).
func (w *loginWeighing) guessing() bool {
	return w.nameScan() || w.evidence >= bruteFailures && (w.named() <= w.evidence || w.spray >= sprayUsers || w.focus >= focusFailures || w.strangerUsers >= strangerNames)
}

// nameScan: scanNames or more different user names refused at USER,
// and no login from the address succeeded, not even an anonymous one:
// a client working through a list of names for one the server takes,
// whose password it guesses next (hydra -L against vsftpd's user list).
// The users of an office NAT at a server for anonymous FTP only, who
// type their own names first, get in anonymously too.
func (w *loginWeighing) nameScan() bool {
	return len(w.atNameNames) >= scanNames && w.oks == 0
}

// refusedAtName says how the failures refused at USER were refused: "at
// the user name before any password was sent", or, where a PASS was
// sent with the USER (pipelined) and answered 503, "at the user name;
// the server checked no password", sep between the two parts.
func (w *loginWeighing) refusedAtName(sep string) string {
	if w.atNamePassSent > 0 {
		return "at the user name; the server checked no password"
	}
	return "at the user name" + sep + "before any password was sent"
}

// span is the time from the window's first failure to its latest.
func (w *loginWeighing) span() time.Duration {
	return w.win[len(w.win)-1].ts.Sub(w.win[0].ts)
}

// attackFinding is the login-brute-force warning with its evidence;
// what it says is the caller's to word.
func (w *loginWeighing) attackFinding(r *track.Reply, addr netip.Addr) *Finding {
	// The latest 16 failures' packets.
	last := w.win[max(0, len(w.win)-16):]
	pk := make([]uint64, 0, len(last))
	for _, x := range last {
		pk = append(pk, x.num)
	}
	names := make([]string, 0, len(w.users))
	for u := range w.users {
		names = append(names, bareName(u))
	}
	slices.Sort(names)
	if len(names) > 8 {
		names = append(names[:8], "...")
	}
	f := &Finding{Code: CodeLoginAttack, Severity: SeverityWarning, TS: r.TS, Packets: packets(pk)}
	f.Evidence = fmt.Sprintf("%d failed logins from %s in %s over %s (users %v), first at packet %d, latest %q (packet %d)",
		len(w.win), addr, dur(w.span()), plural(w.sessions, "session", "sessions"), names, w.win[0].num, replyText(r), r.Num)
	if w.anon > 0 {
		f.Evidence += fmt.Sprintf("; %d of them anonymous", w.anon)
	}
	if w.atName > 0 {
		how := "no password sent"
		if w.atNamePassSent > 0 {
			how = "the server checked no password"
		}
		f.Evidence += fmt.Sprintf("; %d of them refused at the user name, %s", w.atName, how)
	}
	if w.passCut > 0 {
		// (Each taken for a password of its own: cut to the same first
		// bytes, they do not show one stored password retried.)
		f.Evidence += fmt.Sprintf("; %s cut short by the capture, not comparable", plural(w.passCut, "password", "passwords"))
	}
	if w.oks > 0 {
		f.Evidence += fmt.Sprintf("; %s from the same address within the window", plural(w.oks, "successful login", "successful logins"))
		if w.anonOKs > 0 {
			f.Evidence += fmt.Sprintf(" (%d anonymous)", w.anonOKs)
		}
	}
	return f
}

// okLogins says the address's successful logins: "N logins of named
// users", "N anonymous logins", or "N logins (M of them anonymous)".
func (w *loginWeighing) okLogins() string {
	switch {
	case w.anonOKs == 0:
		return plural(w.oks, "login", "logins") + " of named users"
	case w.anonOKs == w.oks:
		return plural(w.oks, "anonymous login", "anonymous logins")
	}
	return fmt.Sprintf("%s (%d of them anonymous)", plural(w.oks, "login", "logins"), w.anonOKs)
}

// allAtName: the failures were refused at USER, before any password,
// but for anonymous attempts that named logins followed or may yet
// (anonBrowser's, which says them when they are all there is).
func (w *loginWeighing) allAtName() bool {
	return !w.anonBrowser() && w.atName+w.anonAtName > 0 && w.atName+w.anonAtName+w.excused+w.pending == len(w.win)
}

// wordStaleCredential makes f the info for one stored credential retried
// (oneCredential): nothing to block, a client's password to fix.
func (w *loginWeighing) wordStaleCredential(f *Finding, addr netip.Addr) {
	user := clean(w.win[0].user)
	f.Severity = SeverityInfo
	f.Message = fmt.Sprintf("%d failed logins from %s within %s, every one for user %q with the same password: one stored credential retried (a monitoring probe or scheduled job with a changed password), not a client guessing passwords. Reported once; raised as login-brute-force (warning) if the user name or the password varies.",
		len(w.win), addr, dur(w.span()), user)
	f.Advice = fmt.Sprintf("Fix that client's password: find what on %s logs in as %q (a monitoring check, a backup or sync job) and give it the account's current password, or disable it. Nothing to block.", addr, user)
}

// wordSharedAddress makes f the info for many failures that are not
// guessing: most logins from the address succeed, or the failures are
// anonymous ones among successes, or a stored credential retried among
// other users' mistypes. Many users behind one address: blocking it
// locks them out.
func (w *loginWeighing) wordSharedAddress(f *Finding, addr netip.Addr, fam family) {
	f.Severity = SeverityInfo
	f.Message = w.sharedAddressLead(addr)
	if w.strangerFails > 0 {
		// Said, not hidden: a name that never got in is no mistyped
		// password of a known user.
		f.Message += fmt.Sprintf(" %s for %s that never logged in from it.", plural(w.strangerFails, "failure is", "failures are"), plural(w.strangerUsers, "user name", "user names"))
	}
	browser := w.anonBrowser()
	switch {
	case browser:
	case w.anon == len(w.win):
		f.Message += " All of the failures are anonymous logins, which guess no password."
	case w.anon == 1:
		f.Message += " One of the failures is an anonymous login, which guesses no password."
	case w.anon > 1:
		f.Message += fmt.Sprintf(" %d of the failures are anonymous logins, which guess no password.", w.anon)
	}
	atName := w.allAtName()
	if w.atName > 0 && !atName {
		f.Message += fmt.Sprintf(" %s refused %s.", plural(w.atName, "failure was", "failures were"), w.refusedAtName(", "))
	}
	if atName {
		f.Message += " Reported once; raised as login-brute-force (warning) if failed passwords from this address show guessing"
		if w.oks == 0 {
			f.Message += fmt.Sprintf(", or if %d different user names are refused at the user name while none of its logins succeeds (an account-name scan)", scanNames)
		}
		f.Message += "."
	} else {
		f.Message += fmt.Sprintf(" Reported once; raised as login-brute-force (warning) if the failures come to outnumber the successes, one password is tried for many users, or %d user names that never logged in fail.", strangerNames)
	}
	f.Advice = "Nothing to block: blocking this address locks out the users behind it. If the failures are one user's, check that account; limits per session on the server (" + fam.loginLimit() + ") slow a guesser without blocking the address."
	switch {
	case browser:
		f.Advice = "Nothing to block: the anonymous attempts are the clients' own. To stop them, give the user name in the address (ftp://user@host/) or the client's site settings, or offer anonymous FTP if it is meant to be offered."
	case atName && w.atName == 0:
		f.Advice = "Nothing to block: the server refused anonymous logins " + w.refusedAtName(", ") + ". If anonymous FTP is meant to be offered, enable it; otherwise the clients need a user name of their own (ftp://user@host/ or the client's site settings)."
	case atName:
		f.Advice = "Nothing to block: the server refused these user names " + w.refusedAtName(", ") + ", so no password was tried. If they are your users' names, tell them which account to log in with (a server for anonymous FTP only takes \"anonymous\"), or let the server accept those names if it should."
	}
	if w.staleFails > 0 {
		fix := "Fix that client's password"
		if len(w.stale) > 1 {
			fix = "Fix those clients' passwords"
		}
		f.Advice = fmt.Sprintf("%s: find what on %s logs in as %s (a monitoring check, a backup or sync job) and give it the account's current password, or disable it. ", fix, addr, staleNames(w.stale)) + f.Advice
	}
}

// anonBrowser: every failure is anonymous, and named logins followed
// some of them at once (or may yet): a web browser or file manager
// trying anonymous FTP before asking for a name.
func (w *loginWeighing) anonBrowser() bool {
	return w.anon == len(w.win) && w.excused+w.pending > 0
}

// sharedAddressLead is wordSharedAddress's first sentences: what the
// failures are, the first that applies of a stale credential, a
// browser's anonymous attempts, and an address several users share
// (with why strangers among them cannot be told, when they cannot).
func (w *loginWeighing) sharedAddressLead(addr netip.Addr) string {
	n, span := len(w.win), dur(w.span())
	logins := w.okLogins
	switch {
	case w.allAtName():
		msg := fmt.Sprintf("%d failed logins from %s within %s, every one refused at the user name before any password was sent: no password was tried, so none was guessed.", n, addr, span)
		if w.atNamePassSent > 0 {
			msg = fmt.Sprintf("%d failed logins from %s within %s, every one refused at the user name; the server checked no password, so none was guessed.", n, addr, span)
		}
		if k := w.atName + w.anonAtName; k < n {
			msg = fmt.Sprintf("%d failed logins from %s within %s, %d of them refused %s, the others anonymous attempts: no password was guessed.", n, addr, span, k, w.refusedAtName(" "))
		}
		if w.oks > 0 {
			msg += fmt.Sprintf(" %s from it succeeded within the window: an address several users share (an office NAT, a proxy), some of whom give a name the server does not take.", logins())
		}
		return msg
	case w.staleFails > 0:
		// A stale credential among other failures: said first, it is
		// what needs fixing.
		creds := "one stored credential"
		if len(w.stale) > 1 {
			creds = fmt.Sprintf("%d stored credentials, one per user,", len(w.stale))
		}
		msg := fmt.Sprintf("%d failed logins from %s within %s, %d of them for %s, every one with the same password: %s retried (a monitoring probe or scheduled job with a changed password), not a client guessing passwords.",
			n, addr, span, w.staleFails, staleNames(w.stale), creds)
		rest := n - w.anon - w.staleFails - w.atName
		others := "The other failure is"
		if rest > 1 {
			others = fmt.Sprintf("The other %d failures are", rest)
		}
		switch {
		case rest > 0 && w.oks > 0:
			msg += fmt.Sprintf(" %s among %s from it that succeeded within the window: an address several users share (an office NAT, a proxy), some of whom mistype.",
				others, logins())
		case rest > 0:
			msg += fmt.Sprintf(" %s too few to be guessing.", others)
		}
		return msg
	case w.anonBrowser():
		msg := fmt.Sprintf("%d failed logins from %s within %s, all anonymous attempts, %d of them followed within %s by a named user's successful login from it",
			n, addr, span, w.excused, dur(loginRecover))
		if w.pending > 0 {
			msg += fmt.Sprintf(" (%d more too recent to tell)", w.pending)
		}
		return msg + ": a web browser or file manager (Windows Explorer) trying anonymous FTP before asking for a name and password, which guesses nothing; not a client guessing passwords."
	case w.namesDropped:
		// Which names never logged in cannot be told: stuffing
		// among the successes would look like this too.
		return fmt.Sprintf("%d failed logins from %s within %s, and %s from it succeeded within the window: an address several users share (an office NAT, a proxy). More than %d user names logged in from it, beyond what is kept, so whether the failing names are its users' or strangers' (credential stuffing among the successes) cannot be told here.",
			n, addr, span, logins(), maxOKNames)
	case !w.judged:
		return fmt.Sprintf("%d failed logins from %s within %s, and %s from it succeeded within the window: an address several users share (an office NAT, a proxy). Most names that log in from it are new ones too, so whether the failing names are its users' or strangers' (credential stuffing among the successes) cannot be told here.",
			n, addr, span, logins())
	case w.unknownNames > w.strangerUsers:
		pending, verb := w.unknownNames-w.strangerUsers, "have"
		if pending == 1 {
			verb = "has"
		}
		// Names that failed once, moments ago, and have not logged
		// in yet: a user's mistype or a stranger's, not told yet.
		return fmt.Sprintf("%d failed logins from %s within %s, and %s from it succeeded within the window: an address several users share (an office NAT, a proxy), some of whom mistype. %s failed within the last %d minutes and %s not logged in from it yet: a user who mistyped logs in soon; a name that still has not after %d minutes counts as a stranger.",
			n, addr, span, logins(), plural(pending, "user name", "user names"), int(strangerGrace/time.Minute), verb, int(strangerGrace/time.Minute))
	}
	return fmt.Sprintf("%d failed logins from %s within %s, but %s from it succeeded within the window: an address several users share (an office NAT, a proxy), some of whom mistype; not a client guessing passwords.",
		n, addr, span, logins())
}

// wordGuessing makes f the warning for guessing, named for what showed
// it, with a rule to block the address in the words of the server's
// family and the syntax of its system (no fail2ban jail or nft rule for
// an IIS host).
func (w *loginWeighing) wordGuessing(f *Finding, addr netip.Addr, fam family) {
	n, span := len(w.win), dur(w.span())
	switch {
	case w.nameScan() && w.spray < sprayUsers:
		how := "before any password was sent"
		if w.atNamePassSent > 0 {
			how = "without checking the password sent with it"
		}
		f.Message = fmt.Sprintf("Account-name scan from %s: %d different user names tried within %s, each refused by the server at the user name %s, and no login from it succeeded: a client working through a list of names for one the server takes, the first step of guessing its password.",
			addr, len(w.atNameNames), span, how)
		pw, users := 0, map[string]bool{}
		for _, x := range w.win {
			if !x.anon && !x.atName {
				pw++
				users[x.user] = true
			}
		}
		if pw > 0 {
			f.Message += fmt.Sprintf(" Passwords were tried too: %s for %s.", plural(pw, "failed password", "failed passwords"), plural(len(users), "user", "users"))
		}
		f.Message += " Later failures from this address, passwords too, are counted in the server summary, not reported again."
		blockAdvice(f, addr, fam)
		return
	case w.spray >= sprayUsers:
		f.Message = fmt.Sprintf("Password spraying from %s: one password tried for %d different users, %d failed logins within %s.", addr, w.spray, n, span)
	case w.focus >= focusFailures && w.named() > w.evidence:
		f.Message = fmt.Sprintf("Password guessing from %s: %d failed logins for one user within %s.", addr, w.focus, span)
	case w.strangerUsers >= strangerNames && w.named() > w.evidence:
		f.Message = fmt.Sprintf("Password guessing from %s: %d failed logins for %d user names that never logged in from it, within %s.", addr, w.strangerFails, w.strangerUsers, span)
	default:
		f.Message = fmt.Sprintf("Password guessing from %s: %d failed logins for %s within %s.", addr, n, plural(len(w.users), "user", "users"), span)
	}
	if w.atName > 0 {
		f.Message += fmt.Sprintf(" %d of them were refused %s, and guessed nothing.", w.atName, w.refusedAtName(", "))
	}
	if w.oks > 0 {
		logins := plural(w.oks, "login", "logins")
		if w.anonOKs > 0 {
			logins = w.okLogins()
		}
		f.Message += fmt.Sprintf(" %s from the same address succeeded in that time: if several users share it, blocking it locks them out too.", logins)
	}
	f.Message += " Later failures from this address are counted in the server summary, not reported again."
	blockAdvice(f, addr, fam)
}

// blockAdvice is wordGuessing's advice: a rule to block the address.
func blockAdvice(f *Finding, addr netip.Addr, fam family) {
	f.Advice = fmt.Sprintf("Block or rate-limit the address (%s); limit attempts on the server (%s); disable logins of accounts that need no FTP (%s) and require TLS so passwords are not read on the way.",
		fam.blockRule(addr), fam.loginLimit(), fam.noLogin())
	if fam.ownLoginLimit() {
		f.Advice += fam.note()
	}
}

// loginUser is the user name a refused USER or PASS tried: the USER's
// argument, or the one of the USER just before the PASS (a session may
// try several names), else the session's.
func loginUser(s *track.Session, c *track.Command) string {
	if c.Verb == "USER" {
		return c.Arg
	}
	found := false
	// From the end: a command is judged when it completes, so c is
	// among the last; a few steps bound the look.
	for i, n := len(s.Commands)-1, 0; i >= 0 && n < maxUserLook; i, n = i-1, n+1 {
		x := s.Commands[i]
		switch {
		case x == c:
			found = true
		case found && x.Verb == "USER":
			return x.Arg
		}
	}
	return s.User
}

// maxUserLook bounds the commands loginUser looks back over.
const maxUserLook = 64

// staleUsers are the named users of win each of whose failures, at
// least staleRepeats, repeats one password (its keyed hash) that no
// other user of win failed with: one stored
// credential retried per user. A guesser varies the password, a spray
// the user; a user who failed once shows neither. None where more than
// maxStaleUsers users look so: a replayed list, not stale jobs.
func staleUsers(win []loginFail) map[string]bool {
	type cred struct {
		pass uint64
		n    int
		one  bool
	}
	creds := map[string]*cred{}
	passUsers := map[uint64]map[string]bool{}
	for _, f := range win {
		if f.anon || f.atName {
			// No stored password: an anonymous login's is an e-mail
			// address, a name refused at USER sent none.
			continue
		}
		c := creds[f.user]
		if c == nil {
			c = &cred{pass: f.pass, one: true}
			creds[f.user] = c
		}
		c.n++
		c.one = c.one && f.pass == c.pass
		if passUsers[f.pass] == nil {
			passUsers[f.pass] = map[string]bool{}
		}
		passUsers[f.pass][f.user] = true
	}
	stale := map[string]bool{}
	for u, c := range creds {
		if c.one && c.n >= staleRepeats && len(passUsers[c.pass]) == 1 {
			stale[u] = true
		}
	}
	if len(stale) > maxStaleUsers {
		return nil
	}
	return stale
}

// staleNames names the users of stale for a message: user "x", or
// users "x", "y" (at most 4, sorted).
func staleNames(stale map[string]bool) string {
	names := make([]string, 0, len(stale))
	for u := range stale {
		names = append(names, fmt.Sprintf("%q", clean(u)))
	}
	slices.Sort(names)
	more := ""
	if len(names) > 4 {
		more = fmt.Sprintf(" and %d more", len(names)-4)
		names = names[:4]
	}
	if len(names) == 1 {
		return "user " + names[0]
	}
	return "users " + strings.Join(names, ", ") + more
}

// LoginAttacks lists, per client address and server where
// login-brute-force was raised, the counts over the whole capture,
// ordered by address and server: of the pairs still in the table (a full
// one lets the reported ones past the window go, evictReported; one
// back within reportedMemory counts from its return).
func (d *Diagnoser) LoginAttacks() []LoginAttack {
	var out []LoginAttack
	for k, lc := range d.logins.by {
		if !lc.reported {
			continue
		}
		out = append(out, LoginAttack{Client: k.client, Server: k.server, Failures: lc.total, First: lc.first, Last: lc.fails[len(lc.fails)-1].ts})
	}
	slices.SortFunc(out, func(x, y LoginAttack) int {
		if c := x.Client.Compare(y.Client); c != 0 {
			return c
		}
		return x.Server.Compare(y.Server)
	})
	return out
}

// crossServerFailure reports a client whose failed logins, fewer than
// bruteFailures at each server, add up to that many over several servers
// within loginWindow, while none of its logins succeeded at any of them:
// a guesser spreading its tries over servers. The finding sits on the
// server where the sum was reached and names the others. An address
// with named users' successes anywhere in the window is left to each
// server's own count: an office NAT's users mistype at several servers.
// (Anonymous ones are no sign of that: anyone gets in so.) A USER
// refused tried no password: not counted.
func (d *Diagnoser) crossServerFailure(s *track.Session, c *track.Command, addr netip.Addr) *Finding {
	t := &d.logins
	cc := t.cross[addr]
	if cc == nil || cc.reported || cc.n < 2 {
		return nil
	}
	r := c.Final()
	total, at := 0, 0
	var first time.Time
	var others []string
	var pk []uint64
	// one: the first failure seen in the window, and whether every
	// other there repeats its user and password (oneCredential).
	var one *loginFail
	same := true
	anonOK := false // anonymous logins from it succeeded
	for _, srv := range cc.servers[:cc.n] {
		lc := t.by[loginKey{client: addr, server: srv}]
		if lc == nil {
			continue
		}
		anon := lc.anonOKs.within(r.TS)
		if lc.oks.within(r.TS) > anon {
			return nil
		}
		anonOK = anonOK || anon > 0
		n := 0
		var mine []uint64 // this server's failures' packets, latest first
		for i := len(lc.fails) - 1; i >= 0 && r.TS.Sub(lc.fails[i].ts) <= loginWindow; i-- {
			f := &lc.fails[i]
			if f.atName {
				continue // refused at USER: no password tried
			}
			n++
			if srv == s.Server {
				mine = append(mine, f.num)
			}
			if first.IsZero() || f.ts.Before(first) {
				first = f.ts
			}
			switch {
			case one == nil:
				one = f
			case f.user != one.user || f.pass != one.pass || f.anon:
				same = false
			}
		}
		if n == 0 {
			continue
		}
		total += n
		at++
		if srv != s.Server {
			others = append(others, fmt.Sprintf("%s (%d)", srv, n))
		} else {
			slices.Reverse(mine)
			pk = append(pk, mine...)
		}
	}
	if total < bruteFailures || at < 2 {
		return nil
	}
	// No success at any server either, before its first failure there
	// (the pairs count only those after).
	for _, k := range t.okBy {
		if o, _ := k.find(addr); o != nil {
			anon := k.anonOf(addr).within(r.TS)
			if o.within(r.TS) > anon {
				return nil
			}
			anonOK = anonOK || anon > 0
		}
	}
	noneOK, notOne := "no login from it succeeded at any of them within the window", "not one login succeeded"
	if anonOK {
		noneOK, notOne = "no login from it but anonymous ones succeeded at any of them within the window", "not one login but anonymous ones (which anyone gets) succeeded"
	}
	here := len(pk)
	slices.Sort(others)
	more := ""
	if cc.omitted > 0 {
		more = fmt.Sprintf(", and %d more servers not listed", cc.omitted)
	}
	span := r.TS.Sub(first)
	f := &Finding{Code: CodeLoginAttack, Severity: SeverityWarning, TS: r.TS, Packets: packets(pk[max(0, len(pk)-16):])}
	f.Evidence = fmt.Sprintf("%d failed logins from %s at %d servers in %s, %d here, latest %q (packet %d); the others at %s%s; %s",
		total, addr, at, dur(span), here, replyText(r), r.Num, strings.Join(others, ", "), more, noneOK)
	if same && one != nil && !one.anon {
		// One user and one password at every server: a monitoring
		// probe checking each of them with a stale password, not a
		// guesser, which varies one or the other. Said once; a varying
		// user or password later still raises the warning.
		if cc.noted {
			return nil
		}
		cc.noted = true
		f.Severity = SeverityInfo
		f.Message = fmt.Sprintf("%d failed logins from %s at %d servers within %s, every one for user %q with the same password: one stored credential retried (a monitoring probe or scheduled job with a changed password), not a client guessing passwords. Raised as login-brute-force (warning) if the user name or the password varies.",
			total, addr, at, dur(span), clean(one.user))
		f.Advice = fmt.Sprintf("Fix that client's password: find what on %s logs in as %q to these servers (a monitoring check, a backup or sync job) and give it the current password, or disable it. Nothing to block.", addr, clean(one.user))
		return f
	}
	cc.reported = true
	lc := t.by[loginKey{client: addr, server: s.Server}]
	lc.reported = true
	f.Message = fmt.Sprintf("Password guessing from %s spread over %d servers: %d failed logins within %s, fewer at each server than would stand out there, and %s. Later failures from this address are counted in the server summary, not reported again.",
		addr, at, total, dur(span), notOne)
	fam := d.family(s)
	f.Advice = fmt.Sprintf("Block or rate-limit the address on every server it tried, or at the firewall in front of them (%s); limit attempts on the servers (%s); disable logins of accounts that need no FTP (%s) and require TLS so passwords are not read on the way.",
		fam.blockRule(addr), fam.loginLimit(), fam.noLogin())
	if fam.ownLoginLimit() {
		f.Advice += fam.note()
	}
	return f
}
