package main

import (
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestWorkerPublishesAfterClockStepBack: with --workers, a worker
// publishes its counters (metrics, status line) when the once-a-second
// ticker asks, whatever its packets' time stamps say. Before, it
// published when a packet's time stamp passed the last one's plus a
// second: after the host clock stepped back an hour, not for an hour.
func TestWorkerPublishesAfterClockStepBack(t *testing.T) {
	opts := &liveOptions{UnansweredWait: 10 * time.Second}
	r := newLiveWorkers(opts, nil, 1, newLiveOutputFor(&opts.analysisOptions, io.Discard, io.Discard, nil))
	w := r.workers[0]
	t0 := time.Unix(2e9, 0)
	junk := []byte{0, 1, 2, 3}
	r.packet(w, junk, gopacket.CaptureInfo{Timestamp: t0, CaptureLength: 4, Length: 4}, layers.LinkTypeEthernet, 0)
	if got := w.published().Packets; got != 1 {
		t.Fatalf("published %d packets after the first, want 1", got)
	}
	for i, step := range []time.Duration{-time.Hour, -time.Hour + time.Second, 0} {
		r.second() // the ticker: a second went by on the monotonic clock
		r.packet(w, junk, gopacket.CaptureInfo{Timestamp: t0.Add(step), CaptureLength: 4, Length: 4}, layers.LinkTypeEthernet, 0)
		if got, want := w.published().Packets, uint64(i+2); got != want {
			t.Errorf("after the clock stepped to %v: published %d packets, want %d", step, got, want)
		}
	}
}

// TestSecondTicker: runLive's housekeeping runs at the first packet,
// then once per tick of the monotonic ticker, not per packet time.
func TestSecondTicker(t *testing.T) {
	c := make(chan time.Time, 1)
	s := newSecondTickerOn(c)
	steps := []struct {
		tick bool
		want bool
	}{{false, true}, {false, false}, {true, true}, {false, false}, {true, true}}
	for i, st := range steps {
		if st.tick {
			c <- time.Time{}
		}
		if got := s.take(); got != st.want {
			t.Errorf("step %d: take %v, want %v", i, got, st.want)
		}
	}
}

// TestServerLabelsScanAtStartup: the reviewer's t5b with
// --metrics-servers 2: two addresses that only sent a greeting (a scan)
// take the two free labels at start-up; two servers in use win them; a
// third, busier one, must win a label too. Before, the two greeting-only
// labels retired spent the retired budget: the busy server stayed
// "other" for the rest of the run.
func TestServerLabelsScanAtStartup(t *testing.T) {
	const n = 2
	lab := newLabelsLab(t, n)
	addr := func(last byte) netip.Addr { return netip.AddrFrom4([4]byte{10, 230, 102, last}) }
	lab.session(addr(201), false, 0) // the scan
	lab.session(addr(202), false, 0)
	a, b, c := addr(1), addr(2), addr(3)
	for range 5 {
		lab.session(a, true, 0)
		lab.session(b, true, 0)
	}
	lab.clock = lab.clock.Add(rebalanceEvery)
	lab.session(a, true, 0)
	lab.session(b, true, 0)
	for range 40 {
		lab.session(c, true, 0)
	}
	lab.clock = lab.clock.Add(rebalanceEvery)
	lab.session(c, true, 0)
	if got := lab.m.servers.label(c, 0); got != c.String() {
		t.Errorf("the busy server's label is %q, want its own", got)
	}
	_, started, servers := lab.series()
	if started != float64(lab.sessions) {
		t.Errorf("sum of sessions_started_total %v, %d sessions", started, lab.sessions)
	}
	if len(servers) > 3*n+1 {
		t.Errorf("%d server label values, want at most %d: %v", len(servers), 3*n+1, servers)
	}
}

// TestServerLabelsBoundAfterScans: many scans and many busy newcomers:
// the labels stay within 3n+1 values ever (docs/monitoring.md).
func TestServerLabelsBoundAfterScans(t *testing.T) {
	const n = 3
	lab := newLabelsLab(t, n)
	for round := range 20 {
		for i := range 50 {
			lab.session(netip.AddrFrom4([4]byte{172, 16, byte(round), byte(i + 1)}), false, 0)
		}
		lab.clock = lab.clock.Add(rebalanceEvery)
		for range 3 {
			lab.session(netip.AddrFrom4([4]byte{10, 2, 0, byte(round)}), true, int64(round+1)<<20)
		}
	}
	_, started, servers := lab.series()
	if len(servers) > 3*n+1 {
		t.Errorf("%d server label values, want at most %d: %v", len(servers), 3*n+1, servers)
	}
	if started != float64(lab.sessions) {
		t.Errorf("sum of sessions_started_total %v, %d sessions", started, lab.sessions)
	}
}
