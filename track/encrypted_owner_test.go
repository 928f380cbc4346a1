package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// tlsPeers drives several encrypted sessions between one client host and
// one server, their control records and their data connections' segments
// in one packet order, as a capture holds them.
type tlsPeers struct {
	t   *testing.T
	trk *Tracker
	rec *recorder
	now time.Time
	num uint64
	seq map[netip.AddrPort]uint32 // next sequence number of each control sender
}

func newTLSPeers(t *testing.T) *tlsPeers {
	rec := &recorder{}
	return &tlsPeers{t: t, trk: New(rec, Options{}), rec: rec, now: t0, seq: map[netip.AddrPort]uint32{}}
}

func (p *tlsPeers) tick(d time.Duration) { p.now = p.now.Add(d) }

func (p *tlsPeers) ctl(client netip.AddrPort, e decode.ControlEvent) {
	p.num++
	e.Num, e.TS, e.Client, e.Server = p.num, p.now, client, srv
	p.trk.Control(&e)
}

func (p *tlsPeers) seg(src, dst netip.AddrPort, flags decode.TCPFlags, seq uint32, n int, control bool) {
	p.num++
	s := decode.Segment{Num: p.num, TS: p.now, Src: src, Dst: dst, Flags: flags, Seq: seq, Payload: make([]byte, n), PayloadLen: n, Control: control}
	p.trk.Segment(&s)
}

// record is a TLS record of n bytes on client's control connection, from
// the client or the server.
func (p *tlsPeers) record(client netip.AddrPort, fromClient bool, n int) {
	p.tick(200 * time.Microsecond)
	src, dst := srv, client
	if fromClient {
		src, dst = client, srv
	}
	p.seg(src, dst, decode.FlagPSH|decode.FlagACK, p.seq[src], n, true)
	p.seq[src] += uint32(n)
}

// open starts client's session with AUTH TLS, its handshake and a login,
// all in TLS records.
func (p *tlsPeers) open(client netip.AddrPort) {
	p.hello(client)
	// The hellos, the keys and finished messages (TLS 1.2); PBSZ, PROT,
	// USER and PASS with their replies.
	for i, n := range []int{517, 1437, 523, 51, 44, 42, 30, 45, 27, 56, 28, 45} {
		p.record(client, i%2 == 0, n)
	}
}

// hello starts client's session with AUTH TLS.
func (p *tlsPeers) hello(client netip.AddrPort) {
	p.tick(time.Millisecond)
	p.ctl(client, decode.ControlEvent{Kind: decode.ControlOpen})
	p.ctl(client, decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 220, Text: "(vsFTPd 3.0.3)"}})
	p.ctl(client, decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "AUTH", Arg: "TLS"}})
	p.ctl(client, decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 234, Text: "Proceed with negotiation."}, Encrypts: true})
}

// exchange is a command and its reply on client's session, inside TLS.
func (p *tlsPeers) exchange(client netip.AddrPort) {
	p.record(client, true, 30)
	p.tick(300 * time.Microsecond)
	p.record(client, false, 70)
}

// connect runs a data connection from a to b (SYN, answer, a few bytes,
// both FINs) at once.
func (p *tlsPeers) connect(a, b netip.AddrPort) {
	p.tick(time.Millisecond)
	p.seg(a, b, decode.FlagSYN, 100, 0, false)
	p.seg(b, a, decode.FlagSYN|decode.FlagACK, 900, 0, false)
	p.seg(a, b, decode.FlagACK, 101, 0, false)
	p.seg(b, a, decode.FlagPSH|decode.FlagACK, 901, 500, false)
	p.seg(b, a, decode.FlagFIN|decode.FlagACK, 1401, 0, false)
	p.seg(a, b, decode.FlagFIN|decode.FlagACK, 101, 0, false)
}

func (p *tlsPeers) finish(clients ...netip.AddrPort) {
	for _, c := range clients {
		p.tick(time.Millisecond)
		p.ctl(c, decode.ControlEvent{Kind: decode.ControlClose})
	}
	p.trk.Finish()
}

// owner is the session of the data connection to or from port.
func (p *tlsPeers) owner(port uint16) *DataConn {
	for _, d := range p.rec.data {
		if d.Client.Port() == port || d.Server.Port() == port {
			return d
		}
	}
	p.t.Fatalf("no data connection on port %d", port)
	return nil
}

// TestConcurrentEncryptedSessionsOwnTheirData: of the encrypted
// sessions one client holds with one server at once (curl's parallel
// transfers), each data connection belongs to the session whose server
// spoke last before its SYN (the 227 inside TLS) in passive mode, whose
// client spoke last (the PORT, the RETR) in active mode, and only when
// two spoke too close together to tell is the choice hedged
// (AmongEncrypted). Before, the tracker kept one encrypted session per
// client and server address pair, the newest: it took every data
// connection, and the other two read "data: none".
func TestConcurrentEncryptedSessionsOwnTheirData(t *testing.T) {
	p := newTLSPeers(t)
	a := netip.MustParseAddrPort("198.51.100.7:55054")
	b := netip.MustParseAddrPort("198.51.100.7:55060")
	c := netip.MustParseAddrPort("198.51.100.7:55070")
	p.open(a)
	p.open(b)
	p.open(c) // the newest logged in: before, it took everything

	// a's PASV and 227, after b's PWD and its reply; then a fourth
	// session's hellos (its server spoke last, but only its handshake:
	// taken for none), then a's client connects.
	p.exchange(b)
	p.record(b, true, 30) // b's next command: its client spoke last
	p.tick(1500 * time.Millisecond)
	p.exchange(a)
	p.tick(10 * time.Millisecond)
	d := netip.MustParseAddrPort("198.51.100.7:55082")
	p.hello(d)
	p.record(d, true, 517)
	p.record(d, false, 99)
	p.connect(netip.MustParseAddrPort("198.51.100.7:50366"), netip.MustParseAddrPort("192.0.2.10:40036"))

	// b's PASV and 227 later than a's last: b's.
	p.tick(1500 * time.Millisecond)
	p.exchange(b)
	p.tick(7 * time.Millisecond)
	p.connect(netip.MustParseAddrPort("198.51.100.7:47920"), netip.MustParseAddrPort("192.0.2.10:40003"))

	// Active: c's PORT and 200, then its RETR: c's client spoke last
	// when the server connects from port 20.
	p.tick(1500 * time.Millisecond)
	p.exchange(c)
	p.record(c, true, 30)
	p.tick(5 * time.Millisecond)
	p.connect(netip.MustParseAddrPort("192.0.2.10:20"), netip.MustParseAddrPort("198.51.100.7:41000"))

	// a's and b's servers reply within a millisecond of each other:
	// either may have announced the next one; the later is taken, and
	// the choice is hedged.
	p.tick(1500 * time.Millisecond)
	p.exchange(a)
	p.exchange(b)
	p.tick(5 * time.Millisecond)
	p.connect(netip.MustParseAddrPort("198.51.100.7:50400"), netip.MustParseAddrPort("192.0.2.10:40050"))

	p.finish(a, b, c, d)

	for _, w := range []struct {
		port    uint16
		session netip.AddrPort
		passive bool
		among   uint8
	}{
		{40036, a, true, 0},
		{40003, b, true, 0},
		{41000, c, false, 0},
		{40050, b, true, 2},
	} {
		dc := p.owner(w.port)
		if dc.Session.Client != w.session || dc.Passive != w.passive || dc.Match != MatchInferred || dc.AmongEncrypted != w.among {
			t.Errorf("data on port %d: session %v passive %v match %v among %d, want session %v passive %v inferred among %d",
				w.port, dc.Session.Client, dc.Passive, dc.Match, dc.AmongEncrypted, w.session, w.passive, w.among)
		}
	}
}

// TestEncryptedSessionsPerPairBounded: past maxEncryptedPerPair open
// encrypted sessions between the same two hosts, the one quiet longest
// leaves the index, counted; the index holds no ended session.
func TestEncryptedSessionsPerPairBounded(t *testing.T) {
	p := newTLSPeers(t)
	var clients []netip.AddrPort
	for i := range maxEncryptedPerPair + 2 {
		c := netip.AddrPortFrom(cli.Addr(), uint16(56000+i))
		clients = append(clients, c)
		p.open(c)
	}
	pair := [2]netip.Addr{cli.Addr(), srv.Addr()}
	if n := len(p.trk.encrypted[pair]); n != maxEncryptedPerPair {
		t.Errorf("%d sessions indexed, want %d", n, maxEncryptedPerPair)
	}
	if n := p.trk.limits.EncryptedPairOverflow; n != 2 {
		t.Errorf("EncryptedPairOverflow %d, want 2", n)
	}
	for _, x := range p.trk.encrypted[pair] {
		if x.Client == clients[0] || x.Client == clients[1] {
			t.Errorf("session of %v, the quietest, still indexed", x.Client)
		}
	}
	p.finish(clients...)
	if len(p.trk.encrypted) != 0 {
		t.Errorf("%d pairs still indexed after every session ended", len(p.trk.encrypted))
	}
}

// TestMidstreamEncryptedSessionsOwnTheirData: of encrypted sessions the
// capture picked up mid-stream, whose handshake came before it, the first
// records are already commands and replies: a data connection goes to
// the session whose server spoke last before it from the first exchange.
func TestMidstreamEncryptedSessionsOwnTheirData(t *testing.T) {
	p := newTLSPeers(t)
	a := netip.MustParseAddrPort("198.51.100.7:55054")
	b := netip.MustParseAddrPort("198.51.100.7:55060")
	for _, c := range []netip.AddrPort{a, b} {
		p.tick(time.Millisecond)
		p.ctl(c, decode.ControlEvent{Kind: decode.ControlOpen, Midstream: true, Encrypts: true})
	}
	p.exchange(a) // a's PASV and 227
	p.tick(1500 * time.Millisecond)
	p.exchange(b)
	p.record(b, true, 30) // b's next command: its client spoke last
	p.tick(1500 * time.Millisecond)
	p.exchange(a)
	p.tick(10 * time.Millisecond)
	p.connect(netip.MustParseAddrPort("198.51.100.7:50366"), netip.MustParseAddrPort("192.0.2.10:40036"))
	p.finish(a, b)
	if dc := p.owner(40036); dc.Session.Client != a || dc.AmongEncrypted != 0 {
		t.Errorf("data on port 40036: session %v among %d, want %v alone", dc.Session.Client, dc.AmongEncrypted, a)
	}
}

// TestEncryptedOwnerHedgedWithinARoundTrip: captured beside the server,
// the client's data SYN comes a round trip after its session's 227; a
// reply another session's server sent within that trip (a NOOP's) is the
// last record before the SYN without having caused it. The choice is
// then a guess among both, said so (AmongEncrypted), not a certainty.
func TestEncryptedOwnerHedgedWithinARoundTrip(t *testing.T) {
	p := newTLSPeers(t)
	a := netip.MustParseAddrPort("198.51.100.7:55054")
	b := netip.MustParseAddrPort("198.51.100.7:55060")
	p.open(a)
	p.open(b)
	p.tick(1500 * time.Millisecond)
	p.exchange(b) // b's PASV and 227
	p.tick(10 * time.Millisecond)
	p.exchange(a) // a's NOOP and its reply, within b's round trip
	p.tick(30 * time.Millisecond)
	p.connect(netip.MustParseAddrPort("198.51.100.7:50366"), netip.MustParseAddrPort("192.0.2.10:40001"))
	p.finish(a, b)
	if dc := p.owner(40001); dc.AmongEncrypted != 2 {
		t.Errorf("data on port 40001: session %v among %d, want the choice hedged among 2", dc.Session.Client, dc.AmongEncrypted)
	}
}
