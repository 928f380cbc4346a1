package vantage

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// holdEarlierData gives point c (its clock at skew) an earlier data
// connection of its session, announced and completed there only: its
// capture holds data connections.
func holdEarlierData(c *Collector, skew time.Duration) {
	at := func(ms int) time.Time { return t0.Add(skew + time.Duration(ms)*time.Millisecond) }
	d := &Data{Src: ap("10.0.0.2:49000"), Dst: ap(c.ctlList[0].Server.Addr().String() + ":40000"), ISN: 55, HaveISN: true,
		SYNs: 1, SYNACKs: 1, FirstSYN: at(30), LastSYN: at(30)}
	ctl := c.ctlList[0]
	ctl.Announce = append([]Announcement{{Via: ftp.ViaPASV, Endpoint: d.Dst, TS: at(20)}}, ctl.Announce...)
	c.dataList = append(c.dataList, d)
}

// clientPath is the one data connection of r's one session the client's
// point (0) saw.
func clientPath(t *testing.T, r *Report) *Path {
	t.Helper()
	if len(r.Sessions) != 1 {
		t.Fatalf("want 1 session, got %s", describe(r))
	}
	var out *Path
	for _, p := range r.Sessions[0].Data {
		if p.Views[0] != nil {
			if out != nil {
				t.Fatalf("two data connections at the client: %s", describe(r))
			}
			out = p
		}
	}
	if out == nil {
		t.Fatalf("no data connection at the client: %s", describe(r))
	}
	return out
}

// TestControlOnlyCaptureNotPastRefusal guards a point holding no data
// connection of any session (tcpdump 'port 21' at the server): its
// packets running past a reset or ICMP error that came back to the
// client read as "capturing when the SYN passed", so the server host's
// own refusal, NATed back in the router's name, read rst-in-between and
// sent the admin to the router's rules. Whether such a capture would
// have shown the SYN is not known; one holding another data connection
// still places the refusal in between.
func TestControlOnlyCaptureNotPastRefusal(t *testing.T) {
	public := netip.MustParseAddr("198.51.100.1")
	for _, tc := range []struct {
		name     string
		icmp     bool
		holdData bool
		want     Where
	}{
		{"reset, control only", false, false, NotCaptured},
		{"icmp, control only", true, false, NotCaptured},
		{"reset, data held", false, true, RSTInBetween},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &Data{Src: ap("10.0.0.2:50000"), Dst: netip.AddrPortFrom(public, 40001), ISN: 77, SYNs: 1}
			if tc.icmp {
				d.ICMP, d.ICMPFrom, d.ICMPType, d.ICMPCode = t0.Add(100300*time.Microsecond), public, 3, 13
			} else {
				d.RST, d.RSTFrom, d.RSTFromDst = t0.Add(100300*time.Microsecond), public, true
			}
			srv := point("server", 3*time.Second, 5, "10.1.0.2", nil)
			srv.files[0].last = t0.Add(3*time.Second + 115*time.Millisecond)
			if tc.holdData {
				holdEarlierData(srv, 3*time.Second+5*time.Millisecond)
			}
			cli := point("client", 0, 0, public.String(), d)
			r, err := Merge([]*Collector{cli, srv})
			if err != nil {
				t.Fatal(err)
			}
			p := clientPath(t, r)
			if p.Where != tc.want {
				t.Fatalf("where %v (%s); want %v", p.Where, p.Verdict, tc.want)
			}
			if tc.want == NotCaptured && !strings.Contains(p.Verdict, "holds no data connection") {
				t.Fatalf("verdict %q; want the missing data connections named", p.Verdict)
			}
		})
	}
}

// TestHalvesOffTheMeasuredOffsetNotJoined guards the join of two halves
// (two points each side of a box randomising the client's ISNs, their
// captures overlapping by one session): once the session in the overlap
// joined, the other halves, with no server ISN in common, were set
// against the offset most of their own candidates agreed on, beside the
// joined one's, and, that offset then resting on a session, with no
// clock limit: a session of the client's side joined one of the server's
// 29 s earlier, from another client port of the same address, because
// its 227 named the same port by chance. The clocks agree (the joined
// session measured it): only the session in the overlap is one.
func TestHalvesOffTheMeasuredOffsetNotJoined(t *testing.T) {
	l := newLab(t, "client", "r1pub", "r1priv", "server")
	l.natAt = 2
	clientSide := func(f *frame) bool { return f.cport == 42000 || f.cport == 52000 }
	serverSide := func(f *frame) bool { return f.cport == 41000 || f.cport == 51000 }
	for i := range 2 {
		l.taps[i].miss = serverSide
	}
	for _, i := range []int{2, 3} {
		l.taps[i].miss = func(f *frame) bool { return clientSide(f) || randomiseISN(f) }
	}
	run := func(cport, dport uint16, cisn, sisn uint32) {
		c := l.control(cport, cisn, sisn)
		c.pasv(40086)
		c.data(dport, 40086, cisn+5000, sisn+5000, dataOpts{synReach: -1, synACKReach: -1}, 100)
		c.quit()
	}
	run(41000, 51000, 2000, 19000) // seen on the server's side only
	l.tick(10 * time.Second)
	run(40000, 50000, 1000, 9000) // everywhere
	l.tick(19 * time.Second)
	run(42000, 52000, 3000, 29000) // on the client's side only
	r := l.merge()
	joined := 0
	for _, s := range r.Sessions {
		if s.Views[0] != nil && s.Views[3] != nil {
			joined++
			if s.Views[0].Client != s.Views[3].Client {
				t.Fatalf("session joins client %v with %v: %s", s.Views[0].Client, s.Views[3].Client, describe(r))
			}
		}
	}
	if joined != 1 || len(r.Sessions) != 3 {
		t.Fatalf("want the one session in the overlap joined, the others apart: %s", describe(r))
	}
}

// TestSameHostOtherPortSecondsApartNotPaired guards pairing by lines
// alone (nothing measuring the offset: the two points' captures do not
// overlap): a session of the client's capture and one 24 s later of the
// same client host at the server's, from another client port, both ISNs
// differing, paired because their 227s named the same port by chance
// and an hour of clock skew was allowed. The client's port changed where
// its address did not: the clocks must agree within payloadWindow.
func TestSameHostOtherPortSecondsApartNotPaired(t *testing.T) {
	l := newLab(t, "client", "server")
	l.natAt = 2
	l.taps[0].miss = func(f *frame) bool { return f.cport == 41000 || f.cport == 51000 }
	l.taps[1].miss = func(f *frame) bool { return f.cport == 40000 || f.cport == 50000 || randomiseISN(f) }
	run := func(cport, dport uint16, cisn, sisn uint32) {
		c := l.control(cport, cisn, sisn)
		c.pasv(40086)
		c.data(dport, 40086, cisn+5000, sisn+5000, dataOpts{synReach: -1, synACKReach: -1}, 100)
		c.quit()
	}
	run(40000, 50000, 1000, 9000)
	l.tick(24 * time.Second)
	run(41000, 51000, 2000, 19000)
	r := l.merge()
	if len(r.Sessions) != 0 || r.Refused[0] != 1 || r.Refused[1] != 1 {
		t.Fatalf("want both unpaired, refused: %s, refused %v", describe(r), r.Refused)
	}
}

// TestManyHalvesJoin guards the join of halves at scale: past ~512
// sessions on each side of a box randomising ISNs, every view at one
// point times every one at the other passed the bound on comparisons
// (maxPayloadPairs) and nothing was joined, said as "too many to pair"
// while no connection was left unpaired. The offset the server's ISN
// measures narrows the comparisons to the views whose times meet.
func TestManyHalvesJoin(t *testing.T) {
	const sessions = 600
	l := newLab(t, "client", "r1pub", "r1priv", "server")
	l.natAt = 2
	for _, i := range []int{2, 3} {
		l.taps[i].miss = randomiseISN
	}
	for k := range sessions {
		cport := uint16(20000 + k)
		c := l.open(cport, 1000+uint32(k)*100000, 9000+uint32(k)*100000)
		c.reply("220 lab FTP server ready")
		c.command("USER anonymous")
		c.reply("331 Please specify the password.")
		c.command("PASS x")
		c.reply("230 Login successful.")
		c.quit()
		l.tick(50 * time.Millisecond)
	}
	r := l.merge()
	if r.PayloadSkipped != 0 {
		t.Fatalf("payload pairing skipped %d pairs of points", r.PayloadSkipped)
	}
	if len(r.Sessions) != sessions {
		t.Fatalf("%d sessions, want %d", len(r.Sessions), sessions)
	}
	for _, s := range r.Sessions {
		for i, v := range s.Views {
			if v == nil || v.Client != s.Views[0].Client {
				t.Fatalf("session %d: point %d %v, client %v", s.ID, i, v, s.Views[0].Client)
			}
		}
	}
}

// TestChancePortMatchesAcrossSNATNotJoined guards the join of halves
// either side of a box that randomises ISNs and source-NATs the client
// (a Cisco ASA), the two sides' captures not overlapping: nothing
// anchors the clock offset and nothing agrees but the lines, which every
// session of one server shares, and the port the server announced, from
// a small passive range. Pairs whose port agreed by chance joined at the
// offset the sessions' spacing made (14 of 100 sessions, the clock
// offset invented from them). At that offset every session lines up
// with several of the other side's and few pair: none is one.
func TestChancePortMatchesAcrossSNATNotJoined(t *testing.T) {
	l := newLab(t, "client", "server")
	l.natAt = 1
	l.snat, l.snatShift = netip.MustParseAddr("10.1.0.254"), 1000
	const sessions = 100
	rnd := rand.New(rand.NewPCG(1, 2))
	l.taps[0].miss = func(f *frame) bool {
		return f.cport >= 30000+sessions/2 && f.cport < 40000 || f.cport >= 50000+sessions/2
	}
	l.taps[1].miss = func(f *frame) bool {
		return f.cport < 30000+sessions/2 || f.cport >= 50000 && f.cport < 50000+sessions/2 || randomiseISN(f)
	}
	for k := range sessions {
		port := uint16(40000 + rnd.IntN(20)) // a passive range of 20 ports
		c := l.control(uint16(30000+k), 1000+uint32(k)*100000, 9000+uint32(k)*100000)
		c.pasv(port)
		c.data(uint16(50000+k), port, 5000+uint32(k)*100000, 7000+uint32(k)*100000, dataOpts{synReach: -1, synACKReach: -1}, 100)
		c.quit()
		l.tick(250 * time.Millisecond)
	}
	r := l.merge()
	for _, s := range r.Sessions {
		if s.Views[0] != nil && s.Views[1] != nil {
			t.Fatalf("session %d joins client %v with %v: %s", s.ID, s.Views[0].Client, s.Views[1].Client, describe(r))
		}
	}
	if r.Offsets[1].Samples != 0 {
		t.Fatalf("server's clock offset measured from chance joins: %+v", r.Offsets[1])
	}
}

// TestHalvesAcrossSNATJoinWhenMostPair is the other side of
// TestChancePortMatchesAcrossSNATNotJoined: the same box randomising
// both ISNs, the captures overlapping, so that the halves are one
// session each: at the offset their lines give, every view pairs by its
// announced port, and every one joins.
func TestHalvesAcrossSNATJoinWhenMostPair(t *testing.T) {
	l := newLab(t, "client", "server")
	l.natAt = 1
	l.snat, l.snatShift = netip.MustParseAddr("10.1.0.254"), 1000
	l.taps[1].miss = func(f *frame) bool {
		randomiseISN(f)
		if !f.fromClient {
			f.seq += 0x1234567 // the server's too
		} else if f.ackf {
			f.ack += 0x1234567
		}
		return false
	}
	const sessions = 40
	rnd := rand.New(rand.NewPCG(1, 2))
	for k := range sessions {
		port := uint16(40000 + rnd.IntN(20))
		c := l.control(uint16(30000+k), 1000+uint32(k)*100000, 9000+uint32(k)*100000)
		c.pasv(port)
		c.data(uint16(50000+k), port, 5000+uint32(k)*100000, 7000+uint32(k)*100000, dataOpts{synReach: -1, synACKReach: -1}, 100)
		c.quit()
		l.tick(250 * time.Millisecond)
	}
	r := l.merge()
	joined := 0
	for _, s := range r.Sessions {
		if s.Views[0] != nil && s.Views[1] != nil {
			joined++
			if s.Views[0].Client.Port()+1000 != s.Views[1].Client.Port() {
				t.Fatalf("session %d joins client %v with %v: %s", s.ID, s.Views[0].Client, s.Views[1].Client, describe(r))
			}
		}
	}
	if joined < sessions {
		t.Fatalf("%d of %d sessions joined: %s", joined, sessions, describe(r))
	}
}
