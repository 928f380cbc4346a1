package vantage

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestTimingTieOrderedByPackets guards two points whose transit between
// them is below what the timestamps show (both stamp every frame at the
// same instant): the command-line order must not decide where a loss
// lies. The packets do (the private side of the NAT; the data
// connections' retransmitted SYNs and SYN-ACKs), whichever point is given
// first; when nothing does, the order is unknown and no loss is placed.
func TestTimingTieOrderedByPackets(t *testing.T) {
	type want struct {
		where         Where
		after, before string
	}
	tests := []struct {
		name    string
		nat     bool // the client's side sees the server at a public address
		tries   int  // SYN tries of the failing connections
		known   bool
		by      string
		synLost want
		ackLost want
	}{
		{"nat addresses", true, 3, true, "addresses", want{LostSYN, "client", "server"}, want{LostSYNACK, "server", "client"}},
		{"retransmissions", false, 3, true, "data", want{LostSYN, "client", "server"}, want{LostSYNACK, "server", "client"}},
		{"nothing tells", false, 1, false, "", want{OrderUnknown, "", ""}, want{OrderUnknown, "", ""}},
	}
	for _, tc := range tests {
		for _, reversed := range []bool{false, true} {
			name := tc.name
			if reversed {
				name += ", server given first"
			}
			t.Run(name, func(t *testing.T) {
				l := newLab(t, "client", "server")
				l.noTransit, l.reversed = true, reversed
				l.natAt = 0
				if tc.nat {
					l.natAt, l.public = 1, netip.MustParseAddr("203.0.113.1")
				}
				c := l.control(40000, 1000, 9000)
				c.pasv(40001)
				c.data(50001, 40001, 7001, 8001, dataOpts{synReach: 0, synTries: tc.tries}, 0)
				c.pasv(40002)
				c.data(50002, 40002, 7002, 8002, dataOpts{synReach: -1, synACKReach: 0, synTries: tc.tries}, 0)
				c.quit()
				r := l.merge()
				if len(r.Sessions) != 1 || len(r.Sessions[0].Data) != 2 {
					t.Fatalf("want 1 session with 2 data connections: %s", describe(r))
				}
				s := r.Sessions[0]
				if s.OrderKnown != tc.known || s.OrderedBy != tc.by {
					t.Errorf("order known %v by %q, want %v by %q", s.OrderKnown, s.OrderedBy, tc.known, tc.by)
				}
				if tc.known && r.Points[s.Order[0]] != "client" {
					t.Errorf("order %v: want the client's point first", s.Order)
				}
				for k, w := range []want{tc.synLost, tc.ackLost} {
					p := s.Data[k]
					after, before := "", ""
					if p.After >= 0 {
						after, before = r.Points[p.After], r.Points[p.Before]
					}
					if p.Where != w.where || after != w.after || before != w.before {
						t.Errorf("data %d: %v between %q and %q (%s); want %v between %q and %q", k+1, p.Where, after, before, p.Verdict, w.where, w.after, w.before)
					}
				}
			})
		}
	}
}

// TestSameCaptureTwiceIsNoted guards one capture given to two points under
// two names (standard input, a copy): the same packets at the same
// times, said so, and nothing orders the points.
func TestSameCaptureTwiceIsNoted(t *testing.T) {
	l := newLab(t, "a", "b")
	l.noTransit, l.natAt = true, 0
	c := l.control(40000, 1000, 9000)
	c.pasv(40001)
	c.data(50001, 40001, 7001, 8001, dataOpts{synReach: -1, synACKReach: -1}, 100)
	c.quit()
	r := l.merge()
	if len(r.Identical) != 1 || r.Identical[0] != [2]int{0, 1} {
		t.Fatalf("identical %v, want [[0 1]]", r.Identical)
	}
	if len(r.Sessions) != 1 || r.Sessions[0].OrderKnown {
		t.Fatalf("want one session, its points' order unknown: %s", describe(r))
	}
}

// TestAnnouncementMissedAtOnePointKeepsItsConnections guards a point whose
// capture missed the segments carrying the 227s (a capture drop): its
// data connections still belong to the session (the announcement as the
// other point saw it), so that one it holds whole is delivered and one
// whose SYN-ACK it saw is the SYN-ACK's loss, not the SYN's.
func TestAnnouncementMissedAtOnePointKeepsItsConnections(t *testing.T) {
	l := newLab(t, "client", "server")
	l.taps[1].miss = func(f *frame) bool { return strings.HasPrefix(f.payload, "227 ") }
	c := l.control(40000, 1000, 9000)
	c.pasv(40001)
	c.data(50001, 40001, 7001, 8001, dataOpts{synReach: -1, synACKReach: -1}, 100)
	c.pasv(40002)
	c.data(50002, 40002, 7002, 8002, dataOpts{synReach: -1, synACKReach: 0, synTries: 3}, 0)
	c.quit()
	r := l.merge()
	if len(r.Sessions) != 1 || len(r.Sessions[0].Data) != 2 {
		t.Fatalf("want 1 session with 2 data connections: %s", describe(r))
	}
	d := r.Sessions[0].Data
	if d[0].Where != Delivered || d[0].Views[1] == nil || len(d[0].Gaps) > 0 {
		t.Errorf("data 1: %v (%s), gaps %q; want delivered, seen at both", d[0].Where, d[0].Verdict, d[0].Gaps)
	}
	if d[1].Where != LostSYNACK || d[1].Views[1] == nil {
		t.Errorf("data 2: %v (%s); want syn-ack-lost", d[1].Where, d[1].Verdict)
	}
}

// TestDataNumberedByAnnouncement guards the numbering of a session's data
// connections: by its announcements' order, whichever point is named
// first (a connection seen at the client's side only used to come last
// when the server's was given first).
func TestDataNumberedByAnnouncement(t *testing.T) {
	for _, reversed := range []bool{false, true} {
		l := newLab(t, "client", "server")
		l.reversed = reversed
		c := l.control(40000, 1000, 9000)
		for k, o := range []dataOpts{{synReach: -1, synACKReach: -1}, {synReach: 0, synTries: 3}, {synReach: -1, synACKReach: -1}} {
			port := uint16(40001 + k)
			c.pasv(port)
			c.data(uint16(50001+k), port, uint32(7001+k), uint32(8001+k), o, 10)
		}
		c.quit()
		r := l.merge()
		if len(r.Sessions) != 1 || len(r.Sessions[0].Data) != 3 {
			t.Fatalf("reversed %v: want 1 session with 3 data connections: %s", reversed, describe(r))
		}
		for k, p := range r.Sessions[0].Data {
			if p.Announcement != k+1 {
				t.Errorf("reversed %v: data %d answers announcement %d", reversed, k+1, p.Announcement)
			}
		}
	}
}

// TestConcurrentSameEndpointIsAmbiguous guards two sessions open at once
// announcing the same endpoint: a data connection answering both is said
// to be ambiguous, not silently given to the latest.
func TestConcurrentSameEndpointIsAmbiguous(t *testing.T) {
	l := newLab(t, "client", "server")
	a := l.control(40000, 1000, 9000)
	b := l.fork(time.Millisecond, 0).control(40100, 2000, 19000)
	a.pasv(40001)
	b.pasv(40001)
	a.l.now = b.l.now.Add(time.Millisecond)
	a.data(50001, 40001, 7001, 8001, dataOpts{synReach: -1, synACKReach: -1}, 10)
	a.quit()
	b.quit()
	r := l.merge()
	n := 0
	for _, s := range r.Sessions {
		for _, p := range s.Data {
			n++
			if len(p.Ambiguous) == 0 {
				t.Errorf("session %d's data: not said to be ambiguous (%s)", s.ID, p.Verdict)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d data paths, want 1: %s", n, describe(r))
	}
}

// TestContradictingTuplesNotPaired guards the pairing of single-point
// views answering one announcement (ISNs randomised): where the session's
// control connection shows the box keeps the client's address and port,
// two views with different source ports are two connections.
func TestContradictingTuplesNotPaired(t *testing.T) {
	cli, srvOut, srvIn := ap("198.51.100.7:33000"), ap("203.0.113.1:21"), ap("10.1.0.5:21")
	s := &Session{Views: []*Control{{Client: cli, Server: srvOut}, {Client: cli, Server: srvIn}}}
	a := []*Data{{Src: ap("198.51.100.7:50580"), Dst: ap("203.0.113.1:50000")}, nil}
	b := []*Data{nil, {Src: ap("198.51.100.7:53380"), Dst: ap("10.1.0.5:50000")}}
	if !contradicts(s, true, a, b) {
		t.Error("different source ports through a box that keeps them: paired")
	}
	b[1].Src = a[0].Src
	if contradicts(s, true, a, b) {
		t.Error("the same source: not paired")
	}
	// A box that changes the client's port (PAT): ports say nothing.
	s.Views[1].Client = ap("10.1.0.1:43698")
	b[1].Src = ap("10.1.0.1:51368")
	if contradicts(s, true, a, b) {
		t.Error("through PAT: not paired")
	}
}

// TestLostControlConnectionWhileOtherCaptured guards a control connection
// seen at one point only while the other was capturing: counted so
// (UnpairedCapturing), not only as "not seen there, or its SYN not
// captured".
func TestLostControlConnectionWhileOtherCaptured(t *testing.T) {
	l := newLab(t, "client", "server")
	c := l.control(40000, 1000, 9000)
	// A second client's SYNs reach the client's side only.
	for k := 0; k < 3; k++ {
		l.send(frame{fromClient: true, cport: 40100, sport: 21, seq: 555, syn: true}, 0)
		l.tick(time.Second)
	}
	c.quit()
	r := l.merge()
	if r.Unpaired[0] != 1 || len(r.UnpairedCapturing) != 2 || r.UnpairedCapturing[0] != 1 {
		t.Fatalf("unpaired %v, while capturing %v; want 1 at the client's side, while the server's captured", r.Unpaired, r.UnpairedCapturing)
	}
}
