package vantage

import (
	"testing"
	"time"
)

// close ends the control connection with a FIN each way, as a client
// closes after QUIT's reply.
func (c *ctl) close() {
	l := c.l
	l.send(frame{fromClient: true, cport: c.cport, sport: 21, seq: c.cseq, ack: c.sseq, ackf: true, fin: true}, -1)
	l.tick(time.Millisecond)
	l.send(frame{cport: c.cport, sport: 21, seq: c.sseq, ack: c.cseq + 1, ackf: true, fin: true}, -1)
	l.tick(time.Millisecond)
	l.send(frame{fromClient: true, cport: c.cport, sport: 21, seq: c.cseq + 1, ack: c.sseq + 1, ackf: true}, -1)
}

// streamSessions runs n sessions one after the other, every gap, each
// with one passive data connection, through a lab of two points fed to a
// Stream, which is told after each how far the points were read.
func streamSessions(t *testing.T, st *Stream, n int, gap time.Duration) (emitted []*Session) {
	t.Helper()
	l := newLab(t, "client", "server")
	l.natAt = 1
	st.Collectors = []*Collector{l.taps[0].c, l.taps[1].c}
	st.Emit = func(r *Report) { emitted = append(emitted, r.Sessions...) }
	for k := range n {
		cport := uint16(20000 + k%20000)
		c := l.control(cport, uint32(1000+k*7919), uint32(500000+k*104729))
		port := uint16(40000 + k%1000)
		c.pasv(port)
		isn, sisn := uint32(7000+k), uint32(90000+k)
		c.data(cport+1, port, isn, sisn, dataOpts{synReach: -1, synACKReach: -1}, 100)
		if k%2 == 0 {
			// The client's FIN too (the other half stay open, over once
			// idle for dataIdle).
			l.send(frame{fromClient: true, cport: cport + 1, sport: port, seq: isn + 1, ack: sisn + 102, ackf: true, fin: true}, -1)
		}
		c.quit()
		c.close()
		l.tick(gap)
		if err := st.Advance(l.now); err != nil {
			t.Fatal(err)
		}
	}
	for _, tp := range l.taps {
		tp.dec.Finish()
	}
	if err := st.Finish(); err != nil {
		t.Fatal(err)
	}
	return emitted
}

// TestStreamHoldsOnlySessionsNotMergedYet: read --vantage kept every
// session of every point to the end of the run (117 MB at 5,000 sessions,
// 368 MB at 20,000). A Stream merges a session once every point has read
// Wait past its end and drops it: what a point holds waiting follows the
// sessions that ended within Wait (and the first batch), not the run.
// Every session is still merged once, paired, numbered in turn, its data
// connection delivered.
func TestStreamHoldsOnlySessionsNotMergedYet(t *testing.T) {
	const n = 3 * firstBatch
	gap := 10 * time.Second
	st := &Stream{}
	got := streamSessions(t, st, n, gap)
	if len(got) != n {
		t.Fatalf("%d sessions merged, want %d", len(got), n)
	}
	for k, s := range got {
		if s.ID != k+1 {
			t.Fatalf("session %d numbered %d", k+1, s.ID)
		}
		if s.Views[0] == nil || s.Views[1] == nil || len(s.Data) != 1 || s.Data[0].Where != Delivered {
			t.Fatalf("session %d: views %v, data %d: %s", s.ID, s.Views, len(s.Data), describe(&Report{Points: []string{"client", "server"}, Sessions: []*Session{s}}))
		}
	}
	// The first batch waits firstWindow for the clock offsets; after it,
	// a point holds the sessions of the last Wait and batchEvery, and the
	// half whose data connection stays open until idle for dataIdle.
	bound := max(int(firstWindow/gap), int((DefaultWait+batchEvery)/gap)+int(dataIdle/gap)/2) + 4
	if st.Held > bound {
		t.Errorf("a point held %d ended sessions at once; want at most %d of %d", st.Held, bound, n)
	}
	if st.Batches < 2 || st.Forced != 0 {
		t.Errorf("%d batches, %d forced: want several, none forced", st.Batches, st.Forced)
	}
	for _, c := range st.Collectors {
		if len(c.ctlList) != 0 || len(c.dataList) != 0 || len(c.control) != 0 || len(c.data) != 0 {
			t.Errorf("%s keeps %d control and %d data connections after the end", c.Name, len(c.ctlList), len(c.dataList))
		}
	}
}

// TestStreamMaxHeldForcesABatch: past MaxHeld ended connections at a
// point the batch is merged at once, counted, and nothing is lost.
func TestStreamMaxHeldForcesABatch(t *testing.T) {
	const n, max = 2 * firstBatch, 40
	st := &Stream{MaxHeld: max, Wait: time.Hour}
	got := streamSessions(t, st, n, time.Second)
	if len(got) != n {
		t.Fatalf("%d sessions merged, want %d", len(got), n)
	}
	if st.Forced == 0 {
		t.Errorf("no batch forced, a point held %d", st.Held)
	}
	// Checked every batchEvery: at most that many sessions past the bound.
	if bound := max + int(batchEvery/time.Second) + 2; st.Held > bound {
		t.Errorf("a point held %d ended sessions, bound %d", st.Held, bound)
	}
}

// TestDrainKeepsControlWithDataOpen: an ended control connection whose
// data connection is still open stays with it (the data connection is
// judged with its session), and a data connection of a later session on
// the same port does not hold an ended one back.
func TestDrainKeepsControlWithDataOpen(t *testing.T) {
	c := NewCollector("p", Options{})
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	ended := func(start, last int) *Control {
		x := &Control{Client: ap("10.0.0.2:40000"), Server: ap("10.1.0.2:21"), Start: at(start), Last: at(last), Packets: [2]int{5, 5}, fin: [2]bool{true, true}}
		x.Announce = []Announcement{{Endpoint: ap("10.1.0.2:50000"), TS: at(start + 1)}}
		return x
	}
	open := &Data{Src: ap("10.0.0.2:40001"), Dst: ap("10.1.0.2:50000"), HaveISN: true, FirstSYN: at(2), SYNACKs: 1, Last: at(500)}
	waiting := ended(0, 10)
	done := ended(1000, 1010)
	later := &Data{Src: ap("10.0.0.2:40003"), Dst: ap("10.1.0.2:50000"), HaveISN: true, FirstSYN: at(5000), SYNACKs: 1, Last: at(5001)}
	c.ctlList = []*Control{waiting, done}
	c.dataList = []*Data{open, later}
	st := &Stream{Collectors: []*Collector{c}}
	st.init()
	out := st.drainReady(at(2000).Add(st.Wait), at(2000), false)[0]
	if len(out.ctlList) != 1 || out.ctlList[0] != done || len(out.dataList) != 0 {
		t.Fatalf("drained %d control (want the one without open data) and %d data connections", len(out.ctlList), len(out.dataList))
	}
	if len(c.ctlList) != 1 || c.ctlList[0] != waiting || len(c.dataList) != 2 {
		t.Fatalf("kept %d control and %d data connections", len(c.ctlList), len(c.dataList))
	}
}
