package vantage

import (
	"testing"
	"time"
)

// TestSessionPairedElsewhereOffersItselfToAnyPoint guards three points
// where the first given missed the control SYN (it pairs by lines only)
// while the other two pair by ISN: pairByPayload offered a session only
// to points after the ones it was seen at, so the first point's view
// stayed unpaired, the client was "not seen" and a SYN-ACK dropped
// between router and client read "delivered". Whatever the order the
// points are given in, the three views are one session and the loss is
// placed (review rev-vantage D1).
func TestSessionPairedElsewhereOffersItselfToAnyPoint(t *testing.T) {
	for _, reversed := range []bool{false, true} {
		l := newLab(t, "client", "router", "server")
		l.reversed = reversed
		l.taps[0].miss = func(f *frame) bool { return f.syn && !f.ackf && f.sport == 21 }
		c := l.control(40000, 1000, 9000)
		c.pasv(40066)
		c.data(50000, 40066, 7000, 8000, dataOpts{synReach: -1, synACKReach: 1, synTries: 3}, 0)
		c.quit()
		r := l.merge()
		if len(r.Sessions) != 1 || len(r.Sessions[0].Data) != 1 {
			t.Fatalf("reversed %v: %s", reversed, describe(r))
		}
		s := r.Sessions[0]
		for i, v := range s.Views {
			if v == nil {
				t.Fatalf("reversed %v: point %d not paired: %s", reversed, i, describe(r))
			}
		}
		if p := s.Data[0]; p.Where != LostSYNACK {
			t.Fatalf("reversed %v: where %v (%s)", reversed, p.Where, p.Verdict)
		}
	}
}

// TestOtherSessionNotPairedByLinesAlone guards pairing by lines against
// another client's session of the same server, with the same lines, seen
// at the other point: a lone candidate paired whatever its markers said,
// and the other session's data connection was judged as this one's (a
// SYN lost before the server read as a SYN-ACK lost on its way back).
// Every marker differing (both ISNs, the client's port, the announced
// port) makes it another session; with none known, a clock offset of
// hours that nothing else measures does too (review rev-vantage D2).
func TestOtherSessionNotPairedByLinesAlone(t *testing.T) {
	cases := []struct {
		name  string
		after time.Duration // when the other session starts
		late  bool          // the server's point missed the other session's handshake
		port  uint16        // the port the other session's 227 names
	}{
		{"every marker differs", 40 * time.Millisecond, false, 40004},
		{"three hours apart", 3 * time.Hour, true, 40086},
	}
	for _, tc := range cases {
		l := newLab(t, "client", "server")
		l.taps[0].miss = func(f *frame) bool { return f.cport == 41000 || f.cport == 51000 }
		l.taps[1].miss = func(f *frame) bool {
			return f.cport == 40000 || f.cport == 50000 || tc.late && f.cport == 41000 && (f.syn || f.payload == "")
		}
		b := l.fork(tc.after, 0)
		a := l.control(40000, 1000, 9000)
		a.pasv(40086)
		a.command("LIST")
		a.data(50000, 40086, 7000, 8000, dataOpts{synReach: 0, synTries: 3}, 0)
		// The same lines as the other session's, which connected.
		a.reply("150 Here comes the data.")
		a.reply("226 Transfer complete.")
		a.quit()
		o := b.control(41000, 2000, 19000)
		o.pasv(tc.port)
		o.command("LIST")
		o.data(51000, tc.port, 17000, 18000, dataOpts{synReach: -1, synACKReach: -1}, 0)
		o.quit()
		r := l.merge()
		if len(r.Sessions) != 0 || r.Unpaired[0] != 1 || r.Unpaired[1] != 1 {
			t.Errorf("%s: want both unpaired, got %s", tc.name, describe(r))
		}
	}
}

// TestAlignToleratesLostLine guards align against a line one capture lost
// (a reply whose segment it missed): every line after it was off by one,
// no shift lined the views up and the session went unpaired. A line
// replaced by another still does not line up (review rev-vantage D4).
func TestAlignToleratesLostLine(t *testing.T) {
	lines := func(hs ...int) []Line {
		var v []Line
		for _, h := range hs {
			v = append(v, Line{Hash: uint64(h), FromClient: h%2 == 0})
		}
		return v
	}
	a := lines(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
	if _, m, ok := align(a, lines(1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12)); !ok || m != 11 {
		t.Fatalf("one line lost at b: matched %d ok %v", m, ok)
	}
	if sh, m, ok := align(lines(3, 4, 6, 7, 8, 9, 10, 11, 12), a); !ok || m != 9 || sh != -2 {
		t.Fatalf("one line lost at a, a started late: shift %d matched %d ok %v", sh, m, ok)
	}
	if _, _, ok := align(a, lines(1, 2, 3, 4, 99, 6, 7, 8, 9, 10, 11, 12)); ok {
		t.Fatal("a line replaced by another lined up")
	}

	// The lab: the server's point missed the 331 reply and the firewall
	// randomised the client's ISN; the SYN lost in between is found.
	l := newLab(t, "client", "server")
	l.unfiltered(1)
	l.taps[1].miss = func(f *frame) bool {
		if f.fromClient && f.sport == 21 {
			f.seq += 0x5a5a1234
		} else if f.sport == 21 && f.ackf {
			f.ack += 0x5a5a1234
		}
		return len(f.payload) > 3 && f.payload[:4] == "331 "
	}
	c := l.control(40000, 1000, 9000)
	c.pasv(40086)
	c.data(50000, 40086, 7000, 8000, dataOpts{synReach: 0, synTries: 3}, 0)
	c.quit()
	if p := onlyPath(t, l.merge()); p.Where != LostSYN {
		t.Fatalf("where %v (%s)", p.Where, p.Verdict)
	}
}

// TestFlowBytesPastHoleBound guards the byte count of a flow with more
// holes than maxHoles: every other segment came late (a capture that
// reordered them), 15 holes at once; the lowest were forgotten and their
// bytes, when they came, counted as resent: 109352 of 131072 bytes, 15
// retransmissions that never were (review rev-vantage D9, the real
// control-idle-nat pair).
func TestFlowBytesPastHoleBound(t *testing.T) {
	const seg, n = 1448, 31
	var f Flow
	ts := time.Unix(0, 0)
	for k := 0; k < n; k += 2 {
		f.payload(uint32(1+k*seg), seg, ts)
	}
	if len(f.holes) > maxHoles || f.Merged == 0 {
		t.Fatalf("%d holes (bound %d), merged %d", len(f.holes), maxHoles, f.Merged)
	}
	for k := 1; k < n; k += 2 {
		f.payload(uint32(1+k*seg), seg, ts)
	}
	if f.Bytes != n*seg || f.Resent != 0 {
		t.Fatalf("bytes %d resent %d; want %d, 0", f.Bytes, f.Resent, n*seg)
	}
	// Resending all of it again adds nothing.
	for k := 0; k < n; k++ {
		f.payload(uint32(1+k*seg), seg, ts)
	}
	if f.Bytes != n*seg || f.Resent != n {
		t.Fatalf("after resending: bytes %d resent %d", f.Bytes, f.Resent)
	}
}

// TestDataOutcomesThatCannotBothBeTrueStayApart guards attach's pairing
// of single-point data views answering one announcement (a box
// randomised their numbers, a PAT their ports): a connection whose handshake completed at
// the server's point, and one whose sender was still resending its SYN,
// unanswered, at the client's point seconds later, are two connections,
// not one whose SYN-ACK was lost (review rev-vantage D2).
func TestDataOutcomesThatCannotBothBeTrueStayApart(t *testing.T) {
	l := newLab(t, "client", "server")
	l.taps[0].miss = func(f *frame) bool { return f.cport == 51000 }
	// A PAT between the points: the client's ports differ there.
	l.taps[1].miss = func(f *frame) bool { f.cport += 1000; return false }
	c := l.control(40000, 1000, 9000)
	c.pasv(40086)
	b := l.fork(100*time.Millisecond, 0)
	other := &ctl{l: b, cport: c.cport, cseq: c.cseq, sseq: c.sseq}
	c.data(50000, 40086, 7000, 8000, dataOpts{synReach: 0, synTries: 3}, 0)
	other.data(51000, 40086, 17000, 18000, dataOpts{synReach: -1, synACKReach: -1}, 100)
	r := l.merge()
	if len(r.Sessions) != 1 {
		t.Fatalf("%s", describe(r))
	}
	for _, p := range r.Sessions[0].Data {
		if p.Views[0] != nil && p.Views[1] != nil {
			t.Fatalf("two connections paired as one: %s", describe(r))
		}
	}
}

// TestBoxRewritingEveryClientMarkerStillPairs guards the positive side of
// the markers rule: a Cisco ASA's defaults (both ISNs randomised, the
// client NATed and PATed, its PORT rewritten by inspection) change every
// marker a client's session carries; only a server-announced port that
// differs says another session. An active session through such a box, or
// one of a login only, stays one session; a passive one whose 227 names
// another port does not (review rev-diff2).
func TestBoxRewritingEveryClientMarkerStillPairs(t *testing.T) {
	mk := func(client string, cisn, sisn uint32, announce Line) *Control {
		lines := []Line{{Hash: 1}, {Hash: 2, FromClient: true}, {Hash: 3}, {Hash: 4, FromClient: true}, {Hash: 5}, announce, {Hash: 7}}
		return &Control{Client: ap(client), Server: ap("10.99.2.2:21"), ISN: [2]uint32{cisn, sisn}, HaveISN: [2]bool{true, true}, Lines: lines}
	}
	ident := []int{0, 1, 2, 3, 4, 5, 6}
	for _, tc := range []struct {
		name       string
		x, y       Line // the announcement at each point
		contradict bool
	}{
		{"active, PORT rewritten", Line{Hash: 6, FromClient: true, Announce: true, Port: 35427}, Line{Hash: 60, FromClient: true, Announce: true, Port: 61002}, false},
		{"login only", Line{Hash: 6, FromClient: true}, Line{Hash: 6, FromClient: true}, false},
		{"passive, another port", Line{Hash: 6, Announce: true, Port: 40086}, Line{Hash: 60, Announce: true, Port: 40004}, true},
	} {
		x := mk("10.99.1.2:57464", 1000, 9000, tc.x)
		y := mk("10.99.2.1:61001", 2000, 19000, tc.y)
		c := &payloadCand{x: x, y: y, ev: evidenceOf(x, y, ident)}
		if got := c.contradicted(true); got != tc.contradict {
			t.Errorf("%s: contradicted %v, want %v", tc.name, got, tc.contradict)
		}
	}
}

// TestRefusedPairingCounted guards what is said of a view left unpaired
// because its candidate's own evidence refused it: counted apart
// (Report.Refused), not only 'not seen there, or its SYN not captured'
// (review rev-diff2).
func TestRefusedPairingCounted(t *testing.T) {
	l := newLab(t, "client", "server")
	l.taps[0].miss = func(f *frame) bool { return f.cport == 41000 || f.cport == 51000 }
	l.taps[1].miss = func(f *frame) bool { return f.cport == 40000 || f.cport == 50000 }
	b := l.fork(40*time.Millisecond, 0)
	a := l.control(40000, 1000, 9000)
	a.pasv(40086)
	a.command("LIST")
	a.data(50000, 40086, 7000, 8000, dataOpts{synReach: 0, synTries: 3}, 0)
	a.reply("150 Here comes the data.")
	a.reply("226 Transfer complete.")
	a.quit()
	o := b.control(41000, 2000, 19000)
	o.pasv(40004)
	o.command("LIST")
	o.data(51000, 40004, 17000, 18000, dataOpts{synReach: -1, synACKReach: -1}, 0)
	o.quit()
	r := l.merge()
	if r.Refused[0] != 1 || r.Refused[1] != 1 {
		t.Errorf("Refused %v, want [1 1] (%s)", r.Refused, describe(r))
	}
}

// TestUnanchoredClockLimit guards how far apart two points' clocks may
// lie for a pairing by lines alone (nothing else measuring the offset,
// no ISN or client endpoint agreeing): an hour when a port the server
// announced agrees, 5 minutes when none does (another client's active or
// login-only session with the same lines may start minutes apart;
// review rev-diff3).
func TestUnanchoredClockLimit(t *testing.T) {
	mk := func(client string, cisn, sisn uint32, announce Line) *Control {
		lines := []Line{{Hash: 1}, {Hash: 2, FromClient: true}, {Hash: 3}, announce, {Hash: 5}}
		return &Control{Client: ap(client), Server: ap("10.99.2.2:21"), ISN: [2]uint32{cisn, sisn}, HaveISN: [2]bool{true, true}, Lines: lines}
	}
	ident := []int{0, 1, 2, 3, 4}
	passive := Line{Hash: 4, Announce: true, Port: 40086}
	active := Line{Hash: 4, FromClient: true, Announce: true, Port: 35427}
	for _, tc := range []struct {
		name       string
		announce   Line
		dt         time.Duration
		contradict bool
	}{
		{"227 port agrees, 59 minutes", passive, 59 * time.Minute, false},
		{"227 port agrees, 61 minutes", passive, 61 * time.Minute, true},
		{"no server port, 4 minutes", active, 4 * time.Minute, false},
		{"no server port, 10 minutes", active, 10 * time.Minute, true},
	} {
		x := mk("10.99.1.2:57464", 1000, 9000, tc.announce)
		y := mk("10.99.2.1:61001", 2000, 19000, tc.announce)
		c := &payloadCand{x: x, y: y, ev: evidenceOf(x, y, ident), dt: tc.dt}
		if got := c.contradicted(false); got != tc.contradict {
			t.Errorf("%s: contradicted %v, want %v", tc.name, got, tc.contradict)
		}
	}
}
