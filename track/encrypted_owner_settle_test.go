package track

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// A step of a replayed recording: a TLS record of n bytes on a
// session's control connection (from its client or its server), a data
// connection's handshake, bytes or FIN, or the end of a control
// connection.
type settleStep struct {
	kind string // "c", "s": a record; "open", "bytes", "fin", "close"
	ctl  netip.AddrPort
	data [2]netip.AddrPort // opener, side connected to
	n    int               // record or payload bytes; for "fin", 1 = the side connected to
}

func (p *tlsPeers) replay(steps []settleStep) {
	next := map[netip.AddrPort]uint32{}
	for _, st := range steps {
		a, b := st.data[0], st.data[1]
		switch st.kind {
		case "c", "s":
			p.record(st.ctl, st.kind == "c", st.n)
		case "open":
			p.tick(100 * time.Microsecond)
			p.seg(a, b, decode.FlagSYN, 100, 0, false)
			p.seg(b, a, decode.FlagSYN|decode.FlagACK, 900, 0, false)
			p.seg(a, b, decode.FlagACK, 101, 0, false)
			next[a], next[b] = 101, 901
		case "bytes":
			p.tick(100 * time.Microsecond)
			p.seg(b, a, decode.FlagPSH|decode.FlagACK, next[b], st.n, false)
			next[b] += uint32(st.n)
		case "fin":
			p.tick(100 * time.Microsecond)
			if st.n == 1 {
				a, b = b, a
			}
			p.seg(a, b, decode.FlagFIN|decode.FlagACK, next[a], 0, false)
		case "close":
			p.tick(200 * time.Microsecond)
			p.ctl(st.ctl, decode.ControlEvent{Kind: decode.ControlClose})
		}
	}
}

// TestConcurrentEncryptedOwnerSettledByFinalReply replays two real
// recordings of ftps-concurrent-vsftpd (pcaps/record/record.sh; curl
// listing / and curl fetching report.txt at once, both over FTPS, from
// one client): the record order after the logins, each connection's
// handshake, bytes and FINs. In both, a data connection's SYN came after
// the other session's server had spoken last (its 150, or its 200 to a
// TYPE), and the last-spoke rule gave one session both connections and
// the other none. The server sends its 226 on the owning session's
// control connection as the data connection closes, with nothing of the
// client's between it and the 150: that record, the first such after
// the connection's FIN, settles it. A reply to a command the other
// session's client sent just then (its 200 to TYPE I, between the FIN
// and the 226 in the second recording) is not it. With RecentOnly (JSON,
// the live stream) the record is reported once, settled, before either
// session's end.
func TestConcurrentEncryptedOwnerSettledByFinalReply(t *testing.T) {
	cl := func(port uint16) netip.AddrPort { return netip.AddrPortFrom(cli.Addr(), port) }
	sv := func(port uint16) netip.AddrPort { return netip.AddrPortFrom(srv.Addr(), port) }
	rec := func(kind string, ctl netip.AddrPort, n int) settleStep { return settleStep{kind: kind, ctl: ctl, n: n} }
	data := func(kind string, from, to netip.AddrPort, n int) settleStep {
		return settleStep{kind: kind, data: [2]netip.AddrPort{from, to}, n: n}
	}
	closeCtl := func(ctl netip.AddrPort) settleStep { return settleStep{kind: "close", ctl: ctl} }

	// /tmp/rev32/fix-record/out: listing a (40684), report.txt b
	// (40692); frames 119-202.
	a1, b1 := cl(40684), cl(40692)
	la1, lb1 := [2]netip.AddrPort{cl(38394), sv(40027)}, [2]netip.AddrPort{cl(42242), sv(40090)}
	first := []settleStep{
		rec("s", a1, 45), rec("c", a1, 30), rec("s", a1, 42), rec("c", a1, 30), rec("s", a1, 45), rec("c", a1, 27), rec("s", a1, 56),
		rec("c", a1, 28), rec("s", a1, 70), // a's PASV, 227
		rec("s", b1, 45), rec("c", b1, 30), rec("s", b1, 42), rec("c", b1, 30), rec("s", b1, 45), rec("c", b1, 27), rec("s", b1, 56),
		rec("c", b1, 28), rec("s", b1, 70), // b's PASV, 227
		data("open", lb1[0], lb1[1], 0),
		rec("c", b1, 30), rec("s", b1, 53), // b's TYPE I, 200: b's server spoke last
		// a's: taken for b before
		data("open", la1[0], la1[1], 0),
		rec("c", a1, 30), rec("s", a1, 52), rec("c", a1, 28), rec("s", a1, 61), // TYPE A, 200, LIST, 150
		data("bytes", la1[0], la1[1], 929),
		data("fin", la1[0], la1[1], 1), data("fin", la1[0], la1[1], 0),
		rec("s", a1, 46), // a's 226
		rec("c", a1, 28), rec("s", a1, 36), closeCtl(a1),
		rec("c", b1, 39), rec("s", b1, 32), rec("c", b1, 39), rec("s", b1, 92), // SIZE, 213, RETR, 150
		data("bytes", lb1[0], lb1[1], 5308),
		data("fin", lb1[0], lb1[1], 1), data("fin", lb1[0], lb1[1], 0),
		rec("s", b1, 46), // b's 226
		rec("c", b1, 28), rec("s", b1, 36), closeCtl(b1),
	}

	// /tmp/rev32/fix-record/out3: listing a (33446), report.txt b
	// (33456); frames 110-196.
	a3, b3 := cl(33446), cl(33456)
	la3, lb3 := [2]netip.AddrPort{cl(39572), sv(40050)}, [2]netip.AddrPort{cl(48114), sv(40057)}
	third := []settleStep{
		rec("s", a3, 45), rec("c", a3, 30), rec("s", a3, 42), rec("c", a3, 30), rec("s", b3, 45), rec("c", b3, 30),
		rec("s", a3, 45), rec("s", b3, 42), rec("c", a3, 27), rec("s", a3, 56), rec("c", b3, 30), rec("s", b3, 45),
		rec("c", b3, 27), rec("s", b3, 56),
		rec("c", b3, 28), rec("s", b3, 70), // b's PASV, 227
		rec("c", a3, 28), rec("s", a3, 70), // a's PASV, 227
		data("open", la3[0], la3[1], 0),
		rec("c", a3, 30), rec("s", a3, 52), rec("c", a3, 28), rec("s", a3, 61), // TYPE A, 200, LIST, 150
		data("bytes", la3[0], la3[1], 929),
		data("open", lb3[0], lb3[1], 0), // b's: taken for a before (its 150 last)
		data("fin", la3[0], la3[1], 0), data("fin", la3[0], la3[1], 1),
		rec("c", b3, 30), rec("s", b3, 53), // b's TYPE I, 200: first after the FIN, answers b's client
		rec("s", a3, 46), // a's 226
		rec("c", a3, 28), rec("s", a3, 36), closeCtl(a3),
		rec("c", b3, 39), rec("s", b3, 32), rec("c", b3, 39), rec("s", b3, 92), // SIZE, 213, RETR, 150
		data("bytes", lb3[0], lb3[1], 5308),
		data("fin", lb3[0], lb3[1], 1), data("fin", lb3[0], lb3[1], 0),
		rec("s", b3, 46), // b's 226
		rec("c", b3, 28), rec("s", b3, 36), closeCtl(b3),
	}

	for _, tc := range []struct {
		name       string
		a, b       netip.AddrPort
		steps      []settleStep
		list, file uint16 // the server ports of a's listing, b's file
	}{
		{"out", a1, b1, first, 40027, 40090},
		{"out3", a3, b3, third, 40050, 40057},
	} {
		for _, recent := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/recent=%v", tc.name, recent), func(t *testing.T) {
				p := newTLSPeers(t)
				p.trk = New(p.rec, Options{RecentOnly: recent})
				p.open(tc.a)
				p.open(tc.b)
				p.replay(tc.steps)
				p.trk.Finish()
				var got []string
				for _, d := range p.rec.data {
					got = append(got, fmt.Sprintf("%d:%v among %d", d.Server.Port(), d.Session.Client, d.AmongEncrypted))
				}
				want := []string{
					fmt.Sprintf("%d:%v among 0", tc.list, tc.a),
					fmt.Sprintf("%d:%v among 0", tc.file, tc.b),
				}
				if strings.Join(got, "; ") != strings.Join(want, "; ") {
					t.Errorf("data reported: %s\nwant: %s", strings.Join(got, "; "), strings.Join(want, "; "))
				}
				for _, s := range p.rec.ended {
					if s.DataCount != 1 || s.DataOutcomes[OutcomeTransferred] != 1 || len(s.Data) != 1 {
						t.Errorf("session %v: %d data connections (%d transferred, %d listed), want 1", s.Client, s.DataCount, s.DataOutcomes[OutcomeTransferred], len(s.Data))
					}
				}
				if p.rec.late != 0 {
					t.Errorf("%d sink calls after their session's end", p.rec.late)
				}
				if len(p.trk.ownerWaits) != 0 {
					t.Errorf("%d pairs still hold data connections waiting for their session", len(p.trk.ownerWaits))
				}
			})
		}
	}
}

// TestEncryptedOwnerGuessKeptWithoutFinalReply: a data connection whose
// session was a guess and after whose end no server record came (the
// capture ends, or a second passes) is reported as taken, still hedged,
// and nothing waits on: the hold is bounded by ownerSettleWait.
func TestEncryptedOwnerGuessKeptWithoutFinalReply(t *testing.T) {
	p := newTLSPeers(t)
	p.trk = New(p.rec, Options{RecentOnly: true})
	a := netip.MustParseAddrPort("198.51.100.7:55054")
	b := netip.MustParseAddrPort("198.51.100.7:55060")
	p.open(a)
	p.open(b)
	p.tick(1500 * time.Millisecond)
	p.exchange(b)
	p.exchange(a)
	p.connect(netip.MustParseAddrPort("198.51.100.7:50366"), netip.MustParseAddrPort("192.0.2.10:40001"))
	if len(p.rec.data) != 0 {
		t.Fatalf("reported at its FIN, before the reply that settles it could come")
	}
	// Packet time passes without a server record: tick lets it go.
	for range 3 {
		p.tick(time.Second)
		p.record(a, true, 30)
		p.trk.Tick(p.now)
	}
	if len(p.rec.data) != 1 {
		t.Fatalf("%d data connections reported 3 s after the end, want 1", len(p.rec.data))
	}
	if dc := p.rec.data[0]; dc.Session.Client != a || dc.AmongEncrypted != 2 {
		t.Errorf("reported for %v among %d, want %v among 2 (the guess, hedged)", dc.Session.Client, dc.AmongEncrypted, a)
	}
	if len(p.trk.ownerWaits) != 0 {
		t.Errorf("still waiting: %v", p.trk.ownerWaits)
	}
	p.finish(a, b)
}

// TestEncryptedOwnerWaitsBounded: per client and server address pair, at
// most maxOwnerWaits data connections wait for the reply that settles
// their session; past it the oldest is reported as taken.
func TestEncryptedOwnerWaitsBounded(t *testing.T) {
	p := newTLSPeers(t)
	a := netip.MustParseAddrPort("198.51.100.7:55054")
	b := netip.MustParseAddrPort("198.51.100.7:55060")
	p.open(a)
	p.open(b)
	p.exchange(b)
	p.exchange(a)
	for i := range maxOwnerWaits + 3 {
		// Each connection answers an exchange of its own (announcedInside).
		p.exchange([]netip.AddrPort{a, b}[i%2])
		p.connect(netip.AddrPortFrom(cli.Addr(), uint16(50000+i)), netip.AddrPortFrom(srv.Addr(), uint16(40000+i)))
	}
	pair := [2]netip.Addr{cli.Addr(), srv.Addr()}
	if n := len(p.trk.ownerWaits[pair]); n != maxOwnerWaits {
		t.Errorf("%d waiting, want %d", n, maxOwnerWaits)
	}
	if n := len(p.rec.data); n != 3 {
		t.Errorf("%d reported, want the 3 oldest", n)
	}
	p.finish(a, b)
	if n := len(p.rec.data); n != maxOwnerWaits+3 {
		t.Errorf("%d reported at the end, want all %d", n, maxOwnerWaits+3)
	}
}
