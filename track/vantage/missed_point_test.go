package vantage

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// isData: a data connection's frame (not the control connection's): what
// a capture filtered to port 21 lacks.
func isData(f *frame) bool { return f.sport != 21 }

// TestFilteredPointSaysNothingOfTheAnswer guards a point that was capturing
// but kept nothing of a data connection (tcpdump 'tcp port 21' on the
// client) while the server's side saw the SYN retried and answered, never
// completed: its silence says nothing of the SYN-ACK, so the connection is
// not "delivered"; the server's view says the answer never reached the
// sender. With the client's capture whole it is the SYN-ACK lost; with the
// handshake completed (the server saw the client go on) it is delivered.
func TestFilteredPointSaysNothingOfTheAnswer(t *testing.T) {
	run := func(filtered, completes bool) *Path {
		l := newLab(t, "client", "server")
		if filtered {
			l.taps[0].miss = isData
		}
		c := l.control(40000, 1000, 9000)
		c.pasv(40066)
		o := dataOpts{synReach: -1, synACKReach: 0, synTries: 3}
		if completes {
			o = dataOpts{synReach: -1, synACKReach: -1}
		}
		c.data(50000, 40066, 7000, 8000, o, 100)
		l.tick(2 * time.Second) // both captures go on past the connection
		c.quit()
		return onlyPath(t, l.merge())
	}
	if p := run(false, false); p.Where != LostSYNACK {
		t.Fatalf("whole captures: where %v (%s); want syn-ack-lost", p.Where, p.Verdict)
	}
	p := run(true, false)
	if p.Where != NotCaptured || !strings.Contains(p.Verdict, "the answer never reached the sender") {
		t.Fatalf("client filtered to port 21: where %v (%s); want not-captured, the answer never reaching the sender", p.Where, p.Verdict)
	}
	if len(p.Gaps) != 1 || !strings.Contains(p.Gaps[0], `"client" did not capture it, though its SYN passed there`) {
		t.Fatalf("gaps %q; want the client's gap said of the SYN only", p.Gaps)
	}
	if p := run(true, true); p.Where != Delivered || len(p.Gaps) != 1 || !strings.Contains(p.Gaps[0], "though it passed there") {
		t.Fatalf("client filtered, handshake completed: where %v (%s), gaps %q; want delivered, the client's gap noted", p.Where, p.Verdict, p.Gaps)
	}
}

// TestMissingRotatedFileIsNotALoss guards a point given as rotated files
// with one missing (the one that held the data connection): the time
// between its files was not captured, so the SYN it lacks is not lost
// (review: "syn-lost" though the SYN reached the server). With the middle
// file given, the same connection is the SYN-ACK's loss.
func TestMissingRotatedFileIsNotALoss(t *testing.T) {
	run := func(missing bool) *Report {
		l := newLab(t, "client", "server")
		srv := l.taps[1]
		srv.dec.SetInput("rot1.pcap")
		c := l.control(40000, 1000, 9000)
		c.pasv(40066)
		l.tick(time.Second)
		srv.dec.SetInput("rot2.pcap")
		if missing {
			srv.miss = func(*frame) bool { return true }
		}
		c.data(50000, 40066, 7000, 8000, dataOpts{synReach: -1, synACKReach: 0, synTries: 3}, 0)
		l.tick(time.Second)
		srv.miss = nil
		srv.dec.SetInput("rot3.pcap")
		c.reply("425 Failed to establish connection.")
		l.tick(2 * time.Second)
		c.quit()
		return l.merge()
	}
	if p := onlyPath(t, run(false)); p.Where != LostSYNACK {
		t.Fatalf("every file given: where %v (%s); want syn-ack-lost", p.Where, p.Verdict)
	}
	r := run(true)
	p := onlyPath(t, r)
	if p.Where != NotCaptured || !strings.Contains(p.Verdict, "none of its files covers that time") {
		t.Fatalf("middle file missing: where %v (%s), server span %+v; want not-captured, the break between its files said", p.Where, p.Verdict, r.Spans[1])
	}
	if n := len(r.Spans[1].Breaks); n != 1 {
		t.Fatalf("server span %+v: want 1 break", r.Spans[1])
	}
}

// TestSpanBreaksBetweenFiles: files that overlap in time cover their
// union; a time between two files is not covered, and an event too near
// the end of a file is not covered for coverAfter.
func TestSpanBreaksBetweenFiles(t *testing.T) {
	t0 := time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	c := NewCollector("p", Options{})
	for _, x := range []struct {
		input uint32
		t     float64
	}{{1, 0}, {2, 5}, {1, 10}, {2, 12}, {3, 30}, {3, 40}} { // the second file overlaps the first
		c.seen(at(x.t), x.input, true)
	}
	c.seen(at(41), 0, false) // an ICMP error: the last segment's file
	sp := c.Span()
	want := []Break{{After: at(12), Before: at(30)}}
	if !sp.First.Equal(at(0)) || !sp.Last.Equal(at(41)) || sp.Packets != 7 || len(sp.Breaks) != 1 || sp.Breaks[0] != want[0] {
		t.Fatalf("span %+v; want %v to %v, 7 packets, breaks %v", sp, at(0), at(41), want)
	}
	for _, x := range []struct {
		from, to float64
		want     bool
	}{{0, 11, true}, {11, 12, true}, {11.5, 12.5, false}, {20, 21, false}, {29, 31, false}, {30, 41, true}} {
		if got := sp.Through(at(x.from), at(x.to)); got != x.want {
			t.Errorf("Through(%v, %v) = %v, want %v", x.from, x.to, got, x.want)
		}
	}
	if sp.Covers(at(20), 0) || !sp.Covers(at(12), 0) || sp.Covers(at(12), time.Second) {
		t.Errorf("Covers wrong around the break %v", sp.Breaks)
	}
}

// TestMissedSYNACKNotedWhereThePayloadPassed guards a point that missed
// the data connection's SYN-ACK frame but saw the receiver's payload: the
// SYN-ACK passed it, and that is said, also when it is the point nearest
// the sender (it was not: it counted as the first to see the answer).
func TestMissedSYNACKNotedWhereThePayloadPassed(t *testing.T) {
	for at, name := range []string{"client", "server"} {
		l := newLab(t, "client", "server")
		l.taps[at].miss = func(f *frame) bool { return f.syn && f.ackf && f.sport != 21 }
		c := l.control(40000, 1000, 9000)
		c.pasv(40066)
		c.data(50000, 40066, 7000, 8000, dataOpts{synReach: -1, synACKReach: -1}, 100)
		l.tick(2 * time.Second)
		c.quit()
		p := onlyPath(t, l.merge())
		want := `"` + name + `" did not capture the SYN-ACK, though it passed there`
		if p.Where != Delivered || !slices.ContainsFunc(p.Gaps, func(g string) bool { return strings.Contains(g, want) }) {
			t.Errorf("%s missed the SYN-ACK: where %v (%s), gaps %q; want delivered, %q", name, p.Where, p.Verdict, p.Gaps, want)
		}
	}
}

// TestRouterOnBothSidesHoldsDataOnce guards a router captured on every
// interface (tcpdump -i any): it holds each data connection twice, inside
// and outside its NAT, with the same ISNs. The inside copy, which alone
// saw the server's SYN-ACKs the router then dropped, got a path of its
// own and the outside one, paired with the client's, said no answer came
// back: the server blamed. One connection, one path: the SYN-ACK passed
// the router and never reached the client.
func TestRouterOnBothSidesHoldsDataOnce(t *testing.T) {
	l := newLab(t, "client", "router-out", "router-in", "server")
	l.natAt = 2
	// One capture of both interfaces: the router's taps share a decoder.
	l.taps[2].c, l.taps[2].dec = l.taps[1].c, l.taps[1].dec
	l.taps[1].c.Name = "router"
	c := l.control(40000, 1000, 9000)
	c.pasv(40066)
	c.data(50000, 40066, 7000, 8000, dataOpts{synReach: -1, synACKReach: 1, synTries: 3}, 0)
	l.tick(2 * time.Second)
	c.quit()
	var cs []*Collector
	for i, tp := range l.taps {
		if i != 2 {
			tp.dec.Finish()
			cs = append(cs, tp.c)
		}
	}
	r, err := Merge(cs)
	if err != nil {
		t.Fatal(err)
	}
	p := onlyPath(t, r)
	if p.Where != LostSYNACK || p.After != 1 || p.Before != 0 || len(p.Gaps) != 1 || !strings.Contains(p.Gaps[0], `"router" holds it twice`) {
		t.Fatalf("where %v after %d before %d (%s), gaps %q; want syn-ack-lost between the router and the client, the two copies noted", p.Where, p.After, p.Before, p.Verdict, p.Gaps)
	}
}
