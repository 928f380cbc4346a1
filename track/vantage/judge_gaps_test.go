package vantage

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// rawFrame puts f at tap i at at (true clock) with the addresses given,
// not the lab's: a client that dials what the 227 named.
func (l *lab) rawFrame(i int, src, dst netip.AddrPort, f frame, at time.Time) {
	tp := l.taps[i]
	b := buildFrame(l.t, src, dst, f, f.payload)
	tp.num++
	tp.dec.DecodeNumbered(tp.num, b, gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(b), Length: len(b)}, layers.LinkTypeEthernet)
}

// TestMissedAnnouncementAnsweredIsNotLost guards a 227 the client's
// capture dropped (its frame missing there) while the client then dialled
// the private address it named (no masquerading: the server's own
// address): the announcement is a capture gap at the client, not "never
// reached", and the data connection, which the router dropped, belongs to
// the session: syn-lost between the points (review rev-vantage D3).
func TestMissedAnnouncementAnsweredIsNotLost(t *testing.T) {
	l := newLab(t, "client", "server")
	l.unfiltered(1)
	l.taps[0].miss = func(f *frame) bool { return strings.HasPrefix(f.payload, "227 ") }
	c := l.control(40000, 1000, 9000)
	c.pasv(40091)
	// The client dials 10.1.0.2:40091 as the 227 said; the router
	// drops it (three SYNs, 1 s apart).
	src, dst := netip.AddrPortFrom(labClient, 50000), netip.AddrPortFrom(labServer, 40091)
	for k := 0; k < 3; k++ {
		l.rawFrame(0, src, dst, frame{fromClient: true, cport: 50000, sport: 40091, seq: 7000, syn: true}, l.now)
		l.tick(time.Second)
	}
	c.reply("425 Failed to establish connection.")
	c.quit()
	r := l.merge()
	if len(r.Sessions) != 1 || len(r.Sessions[0].Announcements) != 1 {
		t.Fatalf("%s", describe(r))
	}
	a := r.Sessions[0].Announcements[0]
	if strings.Contains(a.Verdict, "never reached") || !strings.Contains(a.Verdict, `"client" did not capture it`) {
		t.Fatalf("announcement verdict %q; want a capture gap at the client", a.Verdict)
	}
	p := onlyPath(t, r)
	if p.Where != LostSYN || p.After != 0 || p.Before != 1 {
		t.Fatalf("where %v (%s); want syn-lost between client and server", p.Where, p.Verdict)
	}
}

// TestCaptureStartingAtDataSYNKeepsItsView guards a point whose capture
// starts at the data connection's SYN: its control connection's first
// packet there comes after that SYN, yet the connection is the session's,
// not "not capturing then" (review rev-vantage D7).
func TestCaptureStartingAtDataSYNKeepsItsView(t *testing.T) {
	l := newLab(t, "client", "server")
	l.helper = true
	l.taps[1].hold = true // delivered at merge, after from is set
	c := l.control(40000, 1000, 9000)
	c.command("SYST")
	c.reply("215 UNIX Type: L8")
	c.pasv(40039)
	// The server's capture starts with the data SYN (it reaches the
	// server's point one hop after it left the client).
	l.taps[1].from = l.now.Add(hopDelay)
	c.data(50000, 40039, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 4640)
	c.command("SYST")
	c.reply("215 UNIX Type: L8")
	c.command("PWD")
	c.reply(`257 "/" is the current directory`)
	c.quit()
	p := onlyPath(t, l.merge())
	if p.Views[1] == nil || p.Where != Delivered || len(p.Gaps) > 0 {
		t.Fatalf("server view %v, where %v (%s), gaps %q; want both views, delivered, no gap", p.Views[1] != nil, p.Where, p.Verdict, p.Gaps)
	}
}

// TestIdenticalCopyKeepsOrder guards a capture given twice (two names,
// one file) beside a third point: the copies tie, but the order between
// them and the other point stays known and the loss is placed (review
// rev-vantage D6; it was order-unknown).
func TestIdenticalCopyKeepsOrder(t *testing.T) {
	l := newLab(t, "client", "client-copy", "server")
	l.noTransit = true // the copies see every frame at the same instant
	c := l.control(40000, 1000, 9000)
	c.pasv(40066)
	c.data(50000, 40066, 7000, 8000, dataOpts{synReach: -1, synACKReach: 0, synTries: 3}, 0)
	c.quit()
	r := l.merge()
	if len(r.Identical) != 1 || r.Identical[0] != [2]int{0, 1} {
		t.Fatalf("identical %v; want client and client-copy", r.Identical)
	}
	p := onlyPath(t, r)
	if !r.Sessions[0].OrderKnown || p.Where != LostSYNACK || p.After != 2 || p.Before == 2 {
		t.Fatalf("order known %v, where %v after %d before %d (%s); want syn-ack-lost after server", r.Sessions[0].OrderKnown, p.Where, p.After, p.Before, p.Verdict)
	}
}

// TestUnpairedViewIsNotAGap guards a point that captured the data
// connection while its view of the control connection could not be
// paired (here its capture holds no control frame): it is not "did not
// capture it, though it passed there", and the handshake is not said to
// have passed it (review rev-vantage D1).
func TestUnpairedViewIsNotAGap(t *testing.T) {
	l := newLab(t, "client", "router-in", "server")
	l.natAt = 1
	l.taps[0].miss = func(f *frame) bool { return f.sport == 21 }
	// Another connection: the client's capture was running.
	l.send(frame{fromClient: true, cport: 45000, sport: 443, seq: 1, syn: true}, -1)
	l.tick(10 * time.Millisecond)
	c := l.control(40000, 1000, 9000)
	c.pasv(40066)
	c.data(50000, 40066, 7000, 8000, dataOpts{synReach: -1, synACKReach: 1, synTries: 3}, 0)
	c.quit()
	p := onlyPath(t, l.merge())
	gaps := strings.Join(p.Gaps, "\n")
	if p.Views[0] != nil || strings.Contains(gaps, `"client" did not capture it`) || !strings.Contains(gaps, `"client" captured it (10.0.0.2:50000 -> 10.9.0.1:40066, 3 SYNs, no SYN-ACK), but that view could not be paired`) ||
		!strings.Contains(p.Verdict, "every point whose view is paired") {
		t.Fatalf("where %v (%s), gaps %q", p.Where, p.Verdict, p.Gaps)
	}
}

// TestDeliveredNotesMissedFrames guards what a point's capture dropped on
// a connection that passed: the SYN-ACK, or a segment in the middle of the
// transfer, is noted as a capture gap, as a missing SYN is (review
// rev-vantage, wording).
func TestDeliveredNotesMissedFrames(t *testing.T) {
	for _, tc := range []struct {
		name string
		miss func(f *frame) bool
		want string
	}{
		{"syn-ack", func(f *frame) bool { return f.syn && f.ackf && f.sport != 21 }, `"server" did not capture the SYN-ACK, though it passed there`},
		{"segment", func(f *frame) bool { return f.sport == 40039 && f.seq == 8001+1000 && f.payload != "" }, `"server" did not capture 1000 bytes that "client" saw, though it saw the bytes after them`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, "client", "server")
			l.helper = true
			l.taps[1].miss = tc.miss
			c := l.control(40000, 1000, 9000)
			c.pasv(40039)
			c.data(50000, 40039, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 0)
			// Three more segments of 1000 bytes from the server.
			for k := uint32(0); k < 3; k++ {
				l.send(frame{cport: 50000, sport: 40039, seq: 8001 + k*1000, ack: 7001, ackf: true, payload: string(make([]byte, 1000))}, -1)
				l.tick(time.Millisecond)
			}
			c.quit()
			p := onlyPath(t, l.merge())
			if p.Where != Delivered || !strings.Contains(strings.Join(p.Gaps, "\n"), tc.want) {
				t.Fatalf("where %v (%s), gaps %q; want delivered, noted %q", p.Where, p.Verdict, p.Gaps, tc.want)
			}
		})
	}
}
