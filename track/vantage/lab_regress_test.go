package vantage

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestSYNNotCapturedIsNotALoss guards a point whose capture lacks the
// data SYN frame while its SYN-ACK there (or a point further on) proves
// the SYN passed: not "syn-lost" (review item 1).
func TestSYNNotCapturedIsNotALoss(t *testing.T) {
	l := newLab(t, "client", "server")
	l.helper = true
	l.taps[1].miss = isDataSYN
	c := l.control(40000, 1000, 9000)
	c.pasv(40039)
	c.data(50000, 40039, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 4640)
	c.quit()
	p := onlyPath(t, l.merge())
	if p.Where != Delivered || len(p.Gaps) == 0 || !strings.Contains(p.Gaps[0], `"server" did not capture the SYN`) {
		t.Fatalf("where %v (%s), gaps %q; want delivered, the missing SYN noted as a capture gap", p.Where, p.Verdict, p.Gaps)
	}
}

// TestMiddlePointMissingSYNPlacesSYNACKLoss: three points, the middle one
// did not capture the SYN, the SYN-ACK is dropped between the middle and
// the client: the loss is the SYN-ACK's, between those two (review item
// 1, three points).
func TestMiddlePointMissingSYNPlacesSYNACKLoss(t *testing.T) {
	l := newLab(t, "client", "router-in", "server")
	l.natAt = 1
	l.taps[1].miss = isDataSYN
	c := l.control(40000, 1000, 9000)
	c.pasv(40066)
	c.data(50000, 40066, 7000, 8000, dataOpts{synReach: -1, synACKReach: 1, synTries: 3}, 0)
	c.quit()
	p := onlyPath(t, l.merge())
	if p.Where != LostSYNACK || p.After != 1 || p.Before != 0 {
		t.Fatalf("where %v after %d before %d (%s); want syn-ack-lost between router-in and client", p.Where, p.After, p.Before, p.Verdict)
	}
}

// TestCaptureEndIsNotALoss guards a capture that ended (or started) while
// the connection went on: an event outside a point's span is not
// captured there, never lost (review item 2). The control case (the
// server's capture running on) must still say syn-lost.
func TestCaptureEndIsNotALoss(t *testing.T) {
	run := func(ends bool) *Report {
		l := newLab(t, "client", "server")
		l.unfiltered(1)
		l.helper = true
		c := l.control(40000, 1000, 9000)
		c.pasv(40039)
		if ends {
			l.taps[1].until = l.now
		}
		c.data(50000, 40039, 7000, 8000, dataOpts{synReach: 0, synTries: 3}, 0)
		c.quit()
		return l.merge()
	}
	if p := onlyPath(t, run(false)); p.Where != LostSYN || p.After != 0 || p.Before != 1 {
		t.Fatalf("server capturing: where %v (%s); want syn-lost", p.Where, p.Verdict)
	}
	if p := onlyPath(t, run(true)); p.Where != NotCaptured || p.After >= 0 || !strings.Contains(p.Verdict, "not capturing") {
		t.Fatalf("server capture ended: where %v (%s); want not-captured", p.Where, p.Verdict)
	}

	// The client's capture ends before the 227: not "never reached".
	l := newLab(t, "client", "server")
	l.helper = true
	c := l.control(40000, 1000, 9000)
	l.taps[0].until = l.now
	c.pasv(40039)
	c.data(50000, 40039, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 100)
	c.quit()
	r := l.merge()
	if len(r.Sessions) != 1 || len(r.Sessions[0].Announcements) != 1 {
		t.Fatalf("%s", describe(r))
	}
	a := r.Sessions[0].Announcements[0]
	if strings.Contains(a.Verdict, "never reached") || !strings.Contains(a.Verdict, "not a loss") {
		t.Fatalf("227 after the client's capture ended: %q", a.Verdict)
	}
	if p := r.Sessions[0].Data[0]; p.Where == LostSYN || p.Where == LostSYNACK {
		t.Fatalf("data after the client's capture ended: %v (%s)", p.Where, p.Verdict)
	}
}

// TestOtherConnectionsAreNotData guards what becomes a session's data
// connection: only one that answers its announcements. Another TCP
// connection of the client's (HTTPS, seen at the client only) and a second
// FTP session to another server are not (review item 3).
func TestOtherConnectionsAreNotData(t *testing.T) {
	l := newLab(t, "client", "server")
	l.helper = true
	c := l.control(40000, 1000, 9000)
	c.pasv(40039)
	l.send(frame{fromClient: true, cport: 51515, sport: 443, seq: 12345678, syn: true}, 0)
	l.tick(time.Millisecond)
	c.data(50000, 40039, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 100)
	c.quit()
	p := onlyPath(t, l.merge())
	if p.Where != Delivered {
		t.Fatalf("where %v (%s)", p.Where, p.Verdict)
	}
}

// TestConcurrentSessionsGetTheirOwnData guards sessions of one client
// open at once: each gets the data connection to the port it announced,
// not the latest-started session every one (review item 8).
func TestConcurrentSessionsGetTheirOwnData(t *testing.T) {
	// Four sessions 40 ms apart, each announcing its own port; their data
	// connections start in the opposite order.
	l := newLab(t, "client", "server")
	l.helper = true
	ports := []uint16{40039, 40041, 40043, 40045}
	var cs []*ctl
	for k, port := range ports {
		c := l.control(40000+uint16(k), 1000+uint32(k)*100000, 9000+uint32(k)*100000)
		c.pasv(port)
		cs = append(cs, c)
		l.tick(40 * time.Millisecond)
	}
	for k := len(cs) - 1; k >= 0; k-- {
		cs[k].data(50000+uint16(k), ports[k], 7000+uint32(k)*100000, 8000+uint32(k)*100000, dataOpts{synReach: -1, synACKReach: -1}, 100)
	}
	r := l.merge()
	if len(r.Sessions) != 4 {
		t.Fatalf("%s", describe(r))
	}
	for k, s := range r.Sessions {
		if len(s.Data) != 1 || s.Data[0].Views[0].Dst.Port() != ports[k] {
			t.Fatalf("session %d (announced %d): %s", s.ID, ports[k], describe(r))
		}
	}
}

// TestDriftingClockKeepsPathOrder guards the order of the points when the
// server's clock is 2 h ahead and drifts 1 ms a minute: one constant
// offset reverses the points for the sessions far from the median; each
// session's own handshake and lines do not (review item 4).
func TestDriftingClockKeepsPathOrder(t *testing.T) {
	l := newLab(t, "client", "server")
	l.helper = true
	start := l.now
	l.taps[1].skew = func(at time.Time) time.Duration {
		return 2*time.Hour + time.Duration(float64(at.Sub(start))/float64(time.Minute)*float64(time.Millisecond))
	}
	const n, lost = 40, 8
	for k := 0; k < n; k++ {
		c := l.control(30000+uint16(k), 1000+uint32(k)*100000, 9000+uint32(k)*100000)
		c.pasv(40039)
		o := dataOpts{synReach: -1, synACKReach: -1}
		if k < lost {
			o = dataOpts{synReach: 0, synTries: 3}
		}
		c.data(50000+uint16(k), 40039, 7000+uint32(k)*100000, 8000+uint32(k)*100000, o, 100)
		c.quit()
		l.tick(time.Minute)
	}
	r := l.merge()
	if len(r.Sessions) != n {
		t.Fatalf("%s", describe(r))
	}
	for k, s := range r.Sessions {
		if len(s.Data) != 1 || s.Order[0] != 0 {
			t.Fatalf("session %d: order %v; want the client first", s.ID, s.Order)
		}
		p := s.Data[0]
		want := Delivered
		if k < lost {
			want = LostSYN
		}
		if p.Where != want || want == LostSYN && (p.After != 0 || p.Before != 1) {
			t.Fatalf("session %d: %v (%s), want %v", s.ID, p.Where, p.Verdict, want)
		}
	}
}

// TestRetransmittedSYNKeepsOffset guards the clock offset when the first
// data SYN was lost on the way and the far point saw only the second: the
// first SYNs are not one segment (review item 5).
func TestRetransmittedSYNKeepsOffset(t *testing.T) {
	l := newLab(t, "client", "server")
	l.helper = true
	l.taps[1].skew = func(time.Time) time.Duration { return 3 * time.Second }
	c := l.control(40000, 1000, 9000)
	c.pasv(40039)
	// The first SYN lost, the second through.
	l.send(frame{fromClient: true, cport: 50000, sport: 40039, seq: 7000, syn: true}, 0)
	l.tick(time.Second)
	c.data(50000, 40039, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 100)
	c.quit()
	r := l.merge()
	if got := r.Offsets[1].Offset; absDur(got-3*time.Second) > 2*time.Millisecond {
		t.Fatalf("offset %v, want 3 s", got)
	}
}

// TestMedianOfEvenCount: the median of an even count is the mean of the
// two middle values, not the upper one (review item 5).
func TestMedianOfEvenCount(t *testing.T) {
	if got := median([]time.Duration{4, 1, 3, 2}); got != 2 {
		t.Fatalf("median %v, want 2 (2.5 truncated)", got)
	}
	if got := median([]time.Duration{0, 1000}); got != 500 {
		t.Fatalf("median %v, want 500", got)
	}
}

// TestSnapCutAnnouncementIsNotLost guards a 227 the snap length cut at
// one point: that point could not read it, which is no loss, and the
// client's connection to the port proves it arrived (review item 6).
func TestSnapCutAnnouncementIsNotLost(t *testing.T) {
	l := newLab(t, "client", "server")
	l.helper = true
	l.taps[0].snap = 80
	c := l.control(40000, 1000, 9000)
	c.pasv(40039)
	c.data(50000, 40039, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 100)
	c.quit()
	r := l.merge()
	p := onlyPath(t, r)
	a := r.Sessions[0].Announcements
	if len(a) != 1 || strings.Contains(a[0].Verdict, "never reached") || !strings.Contains(a[0].Verdict, "not a loss") || p.Where != Delivered {
		t.Fatalf("%s", describe(r))
	}
}

// TestReusedControlTupleIsTwoSessions guards a client that reuses its
// control port: a new SYN with another ISN on the same 4-tuple is a new
// connection, with its own data (review item 7).
func TestReusedControlTupleIsTwoSessions(t *testing.T) {
	l := newLab(t, "client", "server")
	l.helper = true
	for k := 0; k < 2; k++ {
		c := l.control(40000, 1000+uint32(k)*500000, 9000+uint32(k)*500000)
		c.pasv(40039)
		c.data(50000+uint16(k), 40039, 7000+uint32(k)*500000, 8000+uint32(k)*500000, dataOpts{synReach: -1, synACKReach: -1}, 100)
		c.quit()
		l.tick(2 * time.Second)
	}
	r := l.merge()
	if len(r.Sessions) != 2 || len(r.Sessions[0].Data) != 1 || len(r.Sessions[1].Data) != 1 {
		t.Fatalf("%s", describe(r))
	}
}

// TestPairedByPayload guards pairing when the sequence numbers cannot: a
// firewall randomising ISNs at the server's side, a clock a day and 2 s
// ahead; the lost data SYN is still placed (review items 9 and 10).
func TestPairedByPayload(t *testing.T) {
	l := newLab(t, "client", "server")
	l.helper = true
	l.taps[1].skew = func(time.Time) time.Duration { return 24*time.Hour + 2*time.Second }
	// Randomised ISNs: every sequence number at the server's point moved.
	l.taps[1].miss = func(f *frame) bool {
		shift := uint32(0x5a5a1234)
		if f.fromClient {
			f.seq += shift
		} else if f.ackf {
			f.ack += shift
		}
		return false
	}
	c := l.control(40000, 1000, 9000)
	c.pasv(40039)
	c.data(50000, 40039, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 100)
	c.pasv(40040)
	c.data(50001, 40040, 17000, 18000, dataOpts{synReach: 0, synTries: 3}, 0)
	c.quit()
	r := l.merge()
	if len(r.Sessions) != 1 || r.Sessions[0].PairedBy != "payload" || len(r.Sessions[0].Data) != 2 {
		t.Fatalf("%s", describe(r))
	}
	if d := r.Sessions[0].Data; d[0].Where != Delivered || d[1].Where != LostSYN {
		t.Fatalf("%s", describe(r))
	}
	if got := r.Offsets[1].Offset; absDur(got-(24*time.Hour+2*time.Second)) > 2*time.Millisecond {
		t.Fatalf("offset %v", got)
	}
}

// TestLateCaptureStartPairsByPayload guards a point whose capture started
// after the control SYN: its session is paired by payload and the data
// SYN's loss still found (review item 10).
func TestLateCaptureStartPairsByPayload(t *testing.T) {
	l := newLab(t, "client", "server")
	l.unfiltered(1)
	l.taps[1].from = l.now.Add(20 * time.Millisecond)
	c := l.control(40000, 1000, 9000)
	c.pasv(40086)
	c.data(50000, 40086, 7000, 8000, dataOpts{synReach: 0, synTries: 3}, 0)
	c.quit()
	p := onlyPath(t, l.merge())
	if p.Where != LostSYN || p.After != 0 || p.Before != 1 {
		t.Fatalf("where %v (%s)", p.Where, p.Verdict)
	}
}

// TestDuplicateFramesCountOnce guards a capture holding every frame
// twice (a mirror port): one SYN, the bytes once (review item 11).
func TestDuplicateFramesCountOnce(t *testing.T) {
	l := newLab(t, "client", "server")
	l.helper = true
	l.taps[1].dup = true
	c := l.control(40000, 1000, 9000)
	c.pasv(40039)
	c.data(50000, 40039, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 4640)
	c.quit()
	p := onlyPath(t, l.merge())
	if v := p.Views[1]; v == nil || v.SYNs != 1 || v.SYNACKs != 1 || v.Bytes != 4640 {
		t.Fatalf("server view %+v", p.Views[1])
	}
}

// TestCloseRetransmissionsAreNotDuplicates guards the duplicate filter
// against real segments: a server's timer resending its SYN-ACK and its
// answer to the client's resent SYN, identical and 0.1 ms apart with the
// SYN between them, are two SYN-ACKs (the recorded SYN-ACK drop shows
// it); a copy right after the original is one.
func TestCloseRetransmissionsAreNotDuplicates(t *testing.T) {
	cli, srv := ap("10.0.0.2:50000"), ap("10.1.0.2:40039")
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	syn := func(us int) *decode.Segment {
		return &decode.Segment{TS: at(us), Src: cli, Dst: srv, Seq: 7000, Flags: decode.FlagSYN, Window: 64240}
	}
	synack := func(us int) *decode.Segment {
		return &decode.Segment{TS: at(us), Src: srv, Dst: cli, Seq: 8000, Ack: 7001, Flags: decode.FlagSYN | decode.FlagACK, Window: 65160}
	}
	c := NewCollector("server", Options{})
	for _, s := range []*decode.Segment{syn(0), synack(10), synack(1000000), syn(1000070), synack(1000080), synack(1000081)} {
		c.Segment(s)
	}
	if len(c.dataList) != 1 {
		t.Fatalf("%d data connections", len(c.dataList))
	}
	if d := c.dataList[0]; d.SYNs != 2 || d.SYNACKs != 3 {
		t.Fatalf("SYNs %d, SYN-ACKs %d; want 2 and 3 (the last one a copy)", d.SYNs, d.SYNACKs)
	}
}
