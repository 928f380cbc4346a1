package decode

import (
	"net/netip"
	"testing"
	"time"
)

// TestClockOutlierStampsNoConnection: a control connection's last
// segment stamped 10 hours ahead (one packet's time: the next come back)
// must not stamp the connection with that time: it and the connection
// opened behind it both idle out, and its LastSeen is its real time
// (review rev2-decode, outlier-blocks-idle.pcap).
func TestClockOutlierStampsNoConnection(t *testing.T) {
	rec, d, a := openConv(t)
	a.srv("220 hi\r\n")
	a.cli("USER alice\r\n")
	a.srv("230 ok\r\n")
	real := a.ts
	a.ts = a.ts.Add(10 * time.Hour)
	a.send(a.c, a.s, a.cseq, a.sseq, FlagACK, "") // its last packet: the outlier
	b := &conv{t: t, d: d, c: convClient2, s: convServer, cseq: 7000, sseq: 9000, ts: real.Add(time.Second)}
	b.handshake()
	b.srv("220 hi\r\n")
	b.cli("USER bob\r\n")
	b.srv("230 ok\r\n")
	now := b.ts
	for range 2 * 60 * 2 { // two hours of packet time, quiet
		now = now.Add(30 * time.Second)
		d.Tick(now)
	}
	d.Finish()
	idle := 0
	for _, e := range rec.control {
		if e.Kind != ControlClose {
			continue
		}
		if e.Closed == CloseIdle {
			idle++
		}
		if e.Client == convClient && e.LastSeen.After(real.Add(time.Minute)) {
			t.Errorf("LastSeen %v, want about %v (not the outlier's time)", e.LastSeen, real)
		}
	}
	if idle != 2 {
		dumpEvents(t, rec)
		t.Errorf("%d idle closes, want 2", idle)
	}
	if st := d.Stats(); st.ClockOutliers != 1 {
		t.Errorf("ClockOutliers %d, want 1", st.ClockOutliers)
	}
}

// TestClockStepConfirmedStamps: a real forward step (45 minutes of
// silence) whose first packet is a control connection's, confirmed by the
// next packet (another connection's): that connection is active from the step's time, and does
// not idle out an hour after its earlier packets.
func TestClockStepConfirmedStamps(t *testing.T) {
	rec, d, a := openConv(t)
	a.srv("220 hi\r\n")
	a.cli("USER alice\r\n")
	a.srv("230 ok\r\n")
	a.ts = a.ts.Add(45 * time.Minute)
	a.cli("NOOP\r\n") // the step
	// The next packet, between two other hosts, confirms it.
	o := &conv{t: t, d: d, c: netip.MustParseAddrPort("198.51.100.7:5000"), s: netip.MustParseAddrPort("198.51.100.8:6000"), cseq: 1, sseq: 1, ts: a.ts}
	o.cli("x")
	a.ts = o.ts
	for range 2 * 40 { // 40 minutes more, quiet: 85 since the login
		a.ts = a.ts.Add(30 * time.Second)
		d.Tick(a.ts)
	}
	a.cli("NOOP\r\n")
	a.srv("200 ok\r\n")
	d.Finish()
	if e, _ := lastClose(rec); e.Closed != CloseCaptureEnd || convClientount(rec, ControlOpen) != 1 {
		dumpEvents(t, rec)
		t.Errorf("closed %v, %d opens; want capture-end, 1 open", e.Closed, convClientount(rec, ControlOpen))
	}
}
