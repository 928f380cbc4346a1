package diagnose

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
)

// AddrClass is what kind of address an announcement names.
type AddrClass uint8

const (
	ClassPublic      AddrClass = iota
	ClassPrivate               // RFC 1918, IPv6 unique local fc00::/7, or another special-purpose range (RFC 6890) not globally reachable
	ClassCGNAT                 // 100.64.0.0/10 (RFC 6598)
	ClassLoopback              // 127/8, ::1
	ClassLinkLocal             // 169.254/16, fe80::/10
	ClassUnspecified           // 0.0.0.0, ::
)

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// notGlobal are the special-purpose ranges of RFC 6890 (and the IANA
// registries it set up) that are not globally reachable and that
// netip's own tests leave out. No router on the Internet carries them,
// so an address in one is a NAT's inside or a lab's, read as private:
// a PORT naming one is a client behind a NAT (a 464XLAT CLAT announces
// 192.0.0.4, RFC 7335), not an FTP bounce to a public host. The
// documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
// 2001:db8::/32) are left public: examples and test networks use them
// as public addresses. 64:ff9b::/96 is a NAT64 translation of a public
// address (see foreign.go), not one of these.
var notGlobal = [...]netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network" (RFC 791); 0.0.0.0 itself is ClassUnspecified
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments (RFC 6890), 192.0.0.0/29 the 464XLAT CLAT's (RFC 7335); 192.0.0.9 and .10 are excepted in Classify
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking (RFC 2544)
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved (RFC 1112); not the limited broadcast, excepted in specialRange
	netip.MustParsePrefix("100::/64"),      // discard-only (RFC 6666)
	netip.MustParsePrefix("2001:2::/48"),   // benchmarking (RFC 5180)
	netip.MustParsePrefix("2001:10::/28"),  // ORCHID (RFC 4843), deprecated
}

// notSpecial are the addresses of notGlobal's ranges that are not read
// as a NAT's inside: those of 192.0.0.0/24 that are globally reachable
// (RFC 7723 PCP anycast, RFC 8155 TURN anycast), and the limited
// broadcast address, which no host has (a PORT naming it is a bounce,
// described as such by describeTarget).
var notSpecial = [...]netip.Addr{netip.AddrFrom4([4]byte{192, 0, 0, 9}), netip.AddrFrom4([4]byte{192, 0, 0, 10}), netip.AddrFrom4([4]byte{255, 255, 255, 255})}

// specialRange returns the not globally reachable special-purpose range
// holding a, if any.
func specialRange(a netip.Addr) (netip.Prefix, bool) {
	if a == notSpecial[0] || a == notSpecial[1] || a == notSpecial[2] {
		return netip.Prefix{}, false
	}
	// notGlobal's ranges as masks of the address's bits, one family at a
	// time (Prefix.Contains per range was most of Classify's cost: it
	// classifies every announced and handshake address), in notGlobal's
	// order.
	switch {
	case a.Is4():
		b := a.As4()
		x := binary.BigEndian.Uint32(b[:])
		for _, m := range notGlobal4 {
			if x&m.mask == m.net {
				return notGlobal[m.i], true
			}
		}
	case a.Is6() && a.Zone() == "": // Prefix.Contains matches no zone
		b := a.As16()
		hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
		for _, m := range notGlobal6 {
			if hi&m.mhi == m.hi && lo&m.mlo == m.lo {
				return notGlobal[m.i], true
			}
		}
	}
	return netip.Prefix{}, false
}

// notGlobal4 and notGlobal6 are notGlobal's IPv4 and IPv6 ranges as a
// network and a mask (specialRange).
var notGlobal4, notGlobal6 = notGlobalMasks()

type rangeMask4 struct {
	net, mask uint32
	i         int
}

type rangeMask6 struct {
	hi, lo, mhi, mlo uint64
	i                int
}

func notGlobalMasks() (v4 []rangeMask4, v6 []rangeMask6) {
	for i, p := range notGlobal {
		p = p.Masked()
		if p.Addr().Is4() {
			b := p.Addr().As4()
			m := ^uint32(0) << (32 - p.Bits())
			v4 = append(v4, rangeMask4{net: binary.BigEndian.Uint32(b[:]), mask: m, i: i})
			continue
		}
		// (A shift by 64 or more gives 0.)
		b, n := p.Addr().As16(), p.Bits()
		mhi, mlo := ^uint64(0)<<max(64-n, 0), ^uint64(0)<<max(128-n, 0)
		v6 = append(v6, rangeMask6{hi: binary.BigEndian.Uint64(b[:8]), lo: binary.BigEndian.Uint64(b[8:]), mhi: mhi, mlo: mlo, i: i})
	}
	return v4, v6
}

// Classify tells the kind of a.
func Classify(a netip.Addr) AddrClass {
	a = a.Unmap()
	switch {
	case a.IsUnspecified():
		return ClassUnspecified
	case a.IsLoopback():
		return ClassLoopback
	case a.IsLinkLocalUnicast():
		return ClassLinkLocal
	case a.IsPrivate():
		return ClassPrivate
	case cgnat.Contains(a):
		return ClassCGNAT
	}
	if _, ok := specialRange(a); ok {
		return ClassPrivate
	}
	return ClassPublic
}

// Describe names the class for a person, with the family's own words.
func (c AddrClass) Describe(a netip.Addr) string {
	v6 := a.Unmap().Is6()
	switch c {
	case ClassPrivate:
		if p, ok := specialRange(a.Unmap()); ok {
			return specialName(a.Unmap(), p)
		}
		if v6 {
			return "a unique local address (fc00::/7)"
		}
		return "an RFC 1918 private address"
	case ClassCGNAT:
		return "a carrier-grade NAT address (100.64.0.0/10)"
	case ClassLoopback:
		return "a loopback address"
	case ClassLinkLocal:
		return "a link-local address"
	case ClassUnspecified:
		return "the unspecified address"
	}
	return "a public address"
}

// specialName names a range of notGlobal for a person.
func specialName(a netip.Addr, p netip.Prefix) string {
	switch p {
	case notGlobal[0]:
		return "a \"this network\" address (0.0.0.0/8)"
	case notGlobal[1]:
		if a.As4()[3] < 8 {
			return "a 464XLAT CLAT address (192.0.0.0/29, RFC 7335)"
		}
		return "an IETF protocol address (192.0.0.0/24)"
	case notGlobal[2], notGlobal[5]:
		return "a benchmarking address (" + p.String() + ")"
	case notGlobal[3]:
		return "a reserved address (240.0.0.0/4)"
	}
	return "a non-routable special-purpose address (" + p.String() + ")"
}

// Local reports whether a is not reachable across the Internet.
func Local(a netip.Addr) bool { return Classify(a) != ClassPublic }

// SameNet is a guess at "the same network": the same /24 (IPv4) or /64
// (IPv6). Private addresses in different networks mean a router between
// them, and a router is no proof of a NAT: a corporate LAN routes between
// its private networks. So it only decides where the packets prove
// nothing else (natPassive: a client that reached the announced address
// is never a mismatch, whatever its network).
func SameNet(a, b netip.Addr) bool {
	a, b = a.Unmap(), b.Unmap()
	return a.Is4() == b.Is4() && guessedNet(a) == guessedNet(b)
}

// guessedNet is the network SameNet takes a to be on.
func guessedNet(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	bits := 64
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p
}

// Vantage is where the capture was taken, as far as the addresses tell.
type Vantage uint8

const (
	VantageUnknown Vantage = iota
	VantageClient          // inside the client's network
	VantageServer          // inside the server's network
)

func (v Vantage) String() string {
	return [...]string{"unknown", "client side", "server side"}[v]
}

// vantageWhy is what decided a Vantage.
type vantageWhy uint8

const (
	whyNothing      vantageWhy = iota
	whySession                 // the handshakes of the session's own data connections
	whyCapture                 // the handshakes of the capture's data connections
	whyAddress                 // the addresses alone (addrVantage)
	whyAddressTimed            // the addresses, and the few handshakes that lean the same way
	whyConflict                // the addresses and the few handshakes lean different ways
)

// addrVantage guesses the capture point of a session between client
// address c and server address srv from the addresses alone.
// A capture shows each host at the address it has on the capture's side of
// any NAT: a private client talking to a public server was captured on the
// client's side, a public client talking to a private server on the
// server's side. The configuration (--public-address, pasv_address) never
// changes this: it says what the server should announce, not where the
// capture was taken, and a capture on the client's side of a server at
// its public address looks the same whatever the server is told. But a
// private client reaches a public server without a NAT too (a routed
// network, a lab, a VPN): then a capture at the server shows the same
// addresses, and only the handshake timing tells (handshakeSide).
func addrVantage(c, srv netip.Addr) Vantage {
	switch {
	case Local(c) && !Local(srv):
		return VantageClient
	case !Local(c) && Local(srv):
		return VantageServer
	}
	return VantageUnknown
}

// hsSide is what one handshake's timing tells of the capture point.
type hsSide uint8

const (
	hsUnknown  hsSide = iota
	hsOpener          // beside the side that sent the SYN
	hsListener        // beside the side that answered it
)

// handshakeSide reads the capture's side from dc's handshake. Beside the
// opener the SYN-ACK comes a round trip (and the listener's own delay)
// after the SYN, and the ACK at once after the SYN-ACK; beside the
// listener the SYN-ACK comes after the listener's delay alone (tens of
// microseconds), and the ACK a round trip later. The opener's side is
// atOpener's rule (a SYN-ACK at least 5 ms after its SYN, and at least
// four times as long after it as the ACK after the SYN-ACK: a slow
// listener makes SYN to SYN-ACK long on both sides); the listener's is
// its mirror (an ACK at least 1 ms after the SYN-ACK, and at least four
// times as long after it as the SYN-ACK after the SYN: an opener
// delays its handshake ACK only when it has data to send at once). A
// SYN sent again after the SYN-ACK, or a handshake without its ACK,
// tells nothing.
func handshakeSide(dc *track.DataConn) hsSide {
	if dc == nil || dc.SYNs == 0 || dc.SynAckTS.IsZero() || dc.AckTS.IsZero() || dc.SynAckLost || dc.LastSYN.After(dc.SynAckTS) {
		return hsUnknown
	}
	synAck, ack := decode.PacketSub(dc.SynAckTS, dc.LastSYN), decode.PacketSub(dc.AckTS, dc.SynAckTS)
	switch {
	case synAck < 0 || ack < 0:
	case synAck >= 5*time.Millisecond && synAck >= 4*ack:
		return hsOpener
	case ack >= time.Millisecond && ack >= 4*synAck:
		return hsListener
	}
	return hsUnknown
}

// handshakeVote is the capture's side dc's handshake tells, in FTP
// roles (in passive mode the client opens, in active mode the server),
// and the weight of its vote: 2 for a clear reading (the long leg at
// least 16 times the short one and at least 2 ms), 1 for one that only
// just passes handshakeSide's bounds (a loaded listener's 6 ms SYN-ACK
// against a LAN's 1 ms ACK reads as the opener's side and is wrong: such
// a vote alone decides nothing).
func handshakeVote(dc *track.DataConn) (Vantage, int) {
	h := handshakeSide(dc)
	if h == hsUnknown {
		return VantageUnknown, 0
	}
	synAck, ack := decode.PacketSub(dc.SynAckTS, dc.LastSYN), decode.PacketSub(dc.AckTS, dc.SynAckTS)
	long, short := synAck, ack
	if h == hsListener {
		long, short = ack, synAck
	}
	w := 1
	if long >= 2*time.Millisecond && long >= 16*short {
		w = 2
	}
	if (h == hsOpener) == dc.Passive {
		return VantageClient, w
	}
	return VantageServer, w
}

// vantageVotes counts the handshakes read as taken on the client's side
// and on the server's, their weights (handshakeVote), and the clear ones
// (weight 2) of each.
type vantageVotes struct{ client, server, wClient, wServer, cClient, cServer int }

func (v *vantageVotes) add(dc *track.DataConn) {
	s, w := handshakeVote(dc)
	v.addVote(s, w)
}

// addVote adds one handshake's vote for side s of weight w.
func (v *vantageVotes) addVote(s Vantage, w int) {
	switch s {
	case VantageClient:
		v.client++
		v.wClient += w
		if w >= 2 {
			v.cClient++
		}
	case VantageServer:
		v.server++
		v.wServer += w
		if w >= 2 {
			v.cServer++
		}
	}
}

// The numbers a side needs: at least minVotes handshakes read for it
// (one handshake is one host's timing, and a loaded host misreads), and
// a clear majority, at least majorityOf times the weight of the other
// side's (4: four in five of the weight).
const (
	minVotes   = 2
	majorityOf = 4
)

// side is the side the handshakes tell (minVotes, majorityOf), or unknown.
func (v vantageVotes) side() Vantage {
	switch {
	case v.client >= minVotes && v.wClient >= majorityOf*v.wServer:
		return VantageClient
	case v.server >= minVotes && v.wServer >= majorityOf*v.wClient:
		return VantageServer
	}
	return VantageUnknown
}

// ownSide is the side a session's own handshakes tell: side, or one
// clear handshake (weight 2) that none of the others contradicts. A
// session's own data connections are timed between its own two hosts,
// where nothing else of the capture may be.
func (v vantageVotes) ownSide() Vantage {
	if s := v.side(); s != VantageUnknown {
		return s
	}
	switch {
	case v.cClient > 0 && v.server == 0:
		return VantageClient
	case v.cServer > 0 && v.client == 0:
		return VantageServer
	}
	return VantageUnknown
}

// lean is the side the handshakes lean to, however few: the side with
// more weight, unknown on a tie or none.
func (v vantageVotes) lean() Vantage {
	switch {
	case v.wClient > v.wServer:
		return VantageClient
	case v.wServer > v.wClient:
		return VantageServer
	}
	return VantageUnknown
}

// The capture point is no property of a whole capture: a capture on a
// gateway's inside is beside its LAN's clients and servers alike, and
// far from every host outside. Each timed data handshake says the capture
// is near one host (the one it is timed beside) and far from the other:
// prefixVotes keeps those votes by the hosts' networks (guessedNet: /24,
// /64; a single host when both ends share a network), and a session is
// judged by the votes about its own client's and server's networks only
// (about), never by what other hosts' handshakes say.

// voteTally is a count of handshakes and their weight.
type voteTally struct{ n, w, clear int }

func (t *voteTally) add(w int) {
	t.n++
	t.w += w
	if w >= 2 {
		t.clear++
	}
}

func (t voteTally) plus(o voteTally) voteTally {
	return voteTally{t.n + o.n, t.w + o.w, t.clear + o.clear}
}

func (t voteTally) minus(o voteTally) voteTally {
	return voteTally{t.n - o.n, t.w - o.w, t.clear - o.clear}
}

// maxVoteNets bounds the pairs of networks prefixVotes keeps (so near and
// far, their sums, hold at most as many networks): past it the pair first
// seen longest ago goes, its votes taken out of near and far, and is
// counted (Omitted.TimingVotesForgotten). A capture point is judged by
// the networks of the sessions at hand; a pair first seen hours before
// weighs least.
const maxVoteNets = 4096

// prefixVotes is, across a capture, the handshakes that time the capture
// near a network (near) and far from one (far), and the pairs (near,
// far) they were between (pair: so that one handshake between a
// session's own two networks counts once, not once for each end). near
// and far are sums of pair, kept for lookup.
type prefixVotes struct {
	near, far map[netip.Prefix]voteTally
	pair      map[[2]netip.Prefix]voteTally
	order     fifo[[2]netip.Prefix] // pair's keys, first seen first
	forgotten int
}

// voteNets are the networks the votes about hosts a and b are kept under:
// their guessedNet, or each host alone when both share one.
func voteNets(a, b netip.Addr) (netip.Prefix, netip.Prefix) {
	a, b = a.Unmap(), b.Unmap()
	na, nb := guessedNet(a), guessedNet(b)
	if na == nb {
		na, nb = netip.PrefixFrom(a, a.BitLen()), netip.PrefixFrom(b, b.BitLen())
	}
	return na, nb
}

// add records what dc's handshake tells (handshakeVote), in the roles of
// its session's hosts (the control connection's addresses, those the
// session is judged by).
func (p *prefixVotes) add(dc *track.DataConn) {
	side, w := handshakeVote(dc)
	if side == VantageUnknown {
		return
	}
	var cli, srv netip.Addr
	switch {
	case dc.Session != nil:
		cli, srv = dc.Session.Client.Addr(), dc.Session.Server.Addr()
	case dc.Passive:
		cli, srv = dc.Client.Addr(), dc.Server.Addr()
	default:
		cli, srv = dc.Server.Addr(), dc.Client.Addr()
	}
	if cli.Unmap() == srv.Unmap() {
		return
	}
	nc, ns := voteNets(cli, srv)
	near, far := nc, ns
	if side == VantageServer {
		near, far = ns, nc
	}
	if p.near == nil {
		p.near, p.far, p.pair = map[netip.Prefix]voteTally{}, map[netip.Prefix]voteTally{}, map[[2]netip.Prefix]voteTally{}
	}
	k := [2]netip.Prefix{near, far}
	if _, ok := p.pair[k]; !ok {
		if old, full := p.order.push(k, maxVoteNets); full {
			p.forget(old)
		}
	}
	t := p.near[near]
	t.add(w)
	p.near[near] = t
	t = p.far[far]
	t.add(w)
	p.far[far] = t
	t = p.pair[k]
	t.add(w)
	p.pair[k] = t
}

// forget takes pair k (the one first seen longest ago) out of the votes.
func (p *prefixVotes) forget(k [2]netip.Prefix) {
	t := p.pair[k]
	delete(p.pair, k)
	for i, m := range []map[netip.Prefix]voteTally{p.near, p.far} {
		if left := m[k[i]].minus(t); left.n > 0 {
			m[k[i]] = left
		} else {
			delete(m, k[i])
		}
	}
	p.forgotten++
}

// about is what the votes say of the capture point between client cli
// and server srv: near, the handshakes timed beside the client's network
// (for the client's side) or the server's (for the server's); all, those
// and the handshakes timed far from the other's network (a handshake
// between the two networks counts once). Being far from a network is the
// weaker word (a capture beside a LAN's clients is far from the
// Internet's servers, and from an in-house server of the same /24 as
// one of them): it never decides alone (captureVantage).
func (p *prefixVotes) about(cli, srv netip.Addr) (near, all vantageVotes) {
	if p == nil || p.near == nil || cli.Unmap() == srv.Unmap() {
		return near, all
	}
	nc, ns := voteNets(cli, srv)
	c, s := p.near[nc], p.near[ns]
	near = vantageVotes{client: c.n, server: s.n, wClient: c.w, wServer: s.w, cClient: c.clear, cServer: s.clear}
	c = c.plus(p.far[ns]).minus(p.pair[[2]netip.Prefix{nc, ns}])
	s = s.plus(p.far[nc]).minus(p.pair[[2]netip.Prefix{ns, nc}])
	all = vantageVotes{client: c.n, server: s.n, wClient: c.w, wServer: s.w, cClient: c.clear, cServer: s.clear}
	return near, all
}

// captureVantage reads the capture point of a session between client
// addresses cli and server srv: the session's own handshakes (own) when
// they decide (ownSide), else the votes about its own client's and
// server's networks (about: two handshakes timed beside the network of
// the side they tell, near, and a 4:1 weight of all the votes about the
// two networks, all), else
// the addresses (addrVantage), unless the handshakes, too few to decide,
// lean the other way: then nothing is decided (whyConflict), and the
// words say what each side would mean.
func captureVantage(cli, srv netip.Addr, own, near, about vantageVotes) (Vantage, vantageWhy) {
	if v := own.ownSide(); v != VantageUnknown {
		return v, whySession
	}
	if v := about.side(); v != VantageUnknown && near.side() == v {
		return v, whyCapture
	}
	a := addrVantage(cli, srv)
	l := about.lean()
	if l == VantageUnknown {
		l = own.lean()
	}
	switch {
	case a != VantageUnknown && l != VantageUnknown && l != a:
		return VantageUnknown, whyConflict
	case a != VantageUnknown && l == a:
		return a, whyAddressTimed
	case a != VantageUnknown:
		return a, whyAddress
	}
	return VantageUnknown, whyNothing
}

// vantage is the capture point of s, and what decided it
// (captureVantage): the session's own data handshakes, else the capture's
// handshakes about its client's and server's networks seen so far, else
// the addresses.
func (d *Diagnoser) vantage(s *track.Session) (Vantage, vantageWhy) {
	d.keepOwnVotes(s)
	return d.capture.vantage(s)
}

// keepOwnVotes makes the ownVotes of s, an open session, at its first
// look or its first data connection reported, whichever comes first: the
// looks of a server's summary and of the advice (passivePlace), which
// cannot tell an open session from an ended one, then read only what
// came or may have changed since the last look too, instead of every
// data connection the session keeps. (Not at the session's start: a
// session with no data connection and no look costs no memo.)
func (d *Diagnoser) keepOwnVotes(s *track.Session) {
	c := d.capture
	if c == nil || c.own[s] != nil || d.sess[s] == nil {
		return
	}
	if c.own == nil {
		c.own = map[*track.Session]*ownVotes{}
	}
	c.own[s] = &ownVotes{}
}

// vantage is Diagnoser.vantage, for what holds the capture's votes but
// not the Diagnoser (a server's summary, the advice on where a firewall
// sits): every sentence about the capture point reads it one way.
func (c *captureShared) vantage(s *track.Session) (Vantage, vantageWhy) {
	var own vantageVotes
	if m := c.ownMemo(s); m != nil {
		own = m.votes(s, &c.ownReads)
	} else {
		for _, dc := range s.Data {
			own.add(dc)
		}
		if c != nil {
			c.ownReads += len(s.Data)
		}
	}
	cli, srv := s.Client.Addr().Unmap(), s.Server.Addr().Unmap()
	var near, about vantageVotes
	if c != nil {
		near, about = c.votes.about(cli, srv)
	}
	return captureVantage(cli, srv, own, near, about)
}

// ownMemo is s's ownVotes, nil when none is kept (an ended session, or
// none was made: keepOwnVotes makes it for an open session).
func (c *captureShared) ownMemo(s *track.Session) *ownVotes {
	if c == nil {
		return nil
	}
	return c.own[s]
}

// ownVotes is what an open session's own data connections vote of the
// capture point (vantage), kept so that a look reads only the data
// connections that came or may have changed since the last one, not
// every one the session keeps for each of its PORTs (a text transcript
// keeps up to MaxDataPerSession). What a data connection votes is final
// once it is done (settledVote). The tracker appends to a session's
// Data, puts another in the place of one not done (conflict.go: those
// places are read at each look), and takes some out (RecentOnly, an
// announcement retracted) or moves one to the end (an inferred
// connection adopted), which the last one read no longer being in its
// place shows: then all are read again.
type ownVotes struct {
	n    int             // s.Data[:n] read
	last *track.DataConn // s.Data[n-1]
	v    vantageVotes    // the votes of those of s.Data[:n] that are final
	live []int           // the others: their places in s.Data, read at each look
}

// settledVote reports whether dc's vote can no longer change: the
// tracker reads no segment into a done data connection, and gives back
// only a port-only match that carried nothing (supersede), done or not,
// until it is reported. (Read as live at every look, the port-only
// matches of a client whose data connections leave its NAT from another
// address made each look read every one the session keeps.)
func settledVote(dc *track.DataConn) bool {
	return dc.Done && (dc.Match != track.MatchPortOnly || dc.Reported())
}

// votes is the votes of s.Data, as vantage counts them; reads counts
// the data connections read.
func (m *ownVotes) votes(s *track.Session, reads *int) vantageVotes {
	if m.n > len(s.Data) || m.n > 0 && s.Data[m.n-1] != m.last {
		*m = ownVotes{live: m.live[:0]}
	}
	// Those not final at the last look, and those come since.
	live := m.live[:0]
	for _, i := range m.live {
		*reads++
		if dc := s.Data[i]; settledVote(dc) {
			m.v.add(dc)
		} else {
			live = append(live, i)
		}
	}
	for i := m.n; i < len(s.Data); i++ {
		*reads++
		if dc := s.Data[i]; settledVote(dc) {
			m.v.add(dc)
		} else {
			live = append(live, i)
		}
	}
	m.live, m.n = live, len(s.Data)
	if m.n > 0 {
		m.last = s.Data[m.n-1]
	}
	v := m.v
	for _, i := range m.live {
		v.add(s.Data[i])
	}
	return v
}

// because says what decided v, for a sentence about the capture point.
func (w vantageWhy) because(s *track.Session) string {
	c := "a private client and a public server"
	if Local(s.Server.Addr()) {
		c = "a public client and a private server"
	}
	switch w {
	case whySession, whyCapture:
		// One wording for both: the findings of one cause group by it.
		return " (the handshake timing of data connections in this capture shows it)"
	case whyAddressTimed:
		return " (a guess from the addresses, " + c + ", which the timing of the few data handshakes in the capture agrees with)"
	case whyAddress:
		return " (a guess from the addresses, " + c + ": no data handshake in the capture times it)"
	case whyConflict:
		return " (on which side is not known: the addresses, " + c + ", and the timing of the few data handshakes in the capture disagree)"
	}
	return ""
}
