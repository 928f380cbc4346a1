package track

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestManyClockStepsBackKeepOutcomes: a capture whose clock is set back
// again and again (NTP stepping it 40 times, 6 minutes each) reads as the
// same capture without the steps: every transfer transferred, none
// not-attempted. Steps older than the longest wait are forgotten, so
// steps spread over hours never reach the bound; steps closer together
// than that reach it, and the oldest is merged (counted in
// Limits.ClockStepsNotKept), never the new step taken as reordering
// (which made each announcement look six minutes old at its own SYN).
func TestManyClockStepsBackKeepOutcomes(t *testing.T) {
	const transfers = 40
	for _, tc := range []struct {
		name        string
		quiet       time.Duration // between transfers, before the step
		back        time.Duration // the step back after the quiet
		wantNotKept bool
	}{
		{"no step", 20 * time.Minute, 0, false},
		{"back 6 min every 20 min", 20 * time.Minute, 6 * time.Minute, false},
		{"back 6 min every 3 min", 3 * time.Minute, 6 * time.Minute, true},
		{"back 1 h every 2 min", 2 * time.Minute, time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			// Each control event comes after its segment, as decode
			// hands them over: the segment moves the clock.
			ctlSeg := func(fromClient bool) {
				src, dst := srv, cli
				if fromClient {
					src, dst = cli, srv
				}
				s.num++
				seg := decode.Segment{Num: s.num, TS: s.now.Add(time.Millisecond), Src: src, Dst: dst, Flags: decode.FlagACK, Control: true}
				s.trk.Segment(&seg)
			}
			s.login()
			dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
			for i := range transfers {
				port := 40000 + i
				dataSrv := netip.AddrPortFrom(srv.Addr(), uint16(port))
				ctlSeg(true)
				s.cmd("PASV", "")
				ctlSeg(false)
				s.reply(227, fmt.Sprintf("Entering Passive Mode (192,0,2,10,%d,%d).", port>>8, port&0xff))
				ctlSeg(true)
				s.cmd("RETR", "f")
				s.trk.Tick(s.now)
				s.handshakeTransfer(dataCli, dataSrv, 3000)
				s.trk.Tick(s.now)
				ctlSeg(false)
				s.reply(150, "ok")
				ctlSeg(false)
				s.reply(226, "ok")
				// A quiet while (keepalives on the control connection,
				// ticked as the decoder does), then the capture's clock
				// set back.
				for range int(tc.quiet / time.Minute) {
					s.tick(time.Minute)
					ctlSeg(true)
					s.trk.Tick(s.now)
				}
				s.tick(-tc.back)
			}
			s.end()
			if len(s.rec.data) != transfers {
				t.Fatalf("%d data records, want %d", len(s.rec.data), transfers)
			}
			for i, dc := range s.rec.data {
				if dc.Outcome != OutcomeTransferred || dc.Bytes[1] != 3000 {
					t.Errorf("transfer %d: %v, %d bytes; want transferred, 3000 bytes", i+1, dc.Outcome, dc.Bytes[1])
				}
			}
			if got := s.trk.Limits().ClockStepsNotKept; (got > 0) != tc.wantNotKept {
				t.Errorf("ClockStepsNotKept %d, want any: %v", got, tc.wantNotKept)
			}
			if n := len(s.trk.clock.steps); n > maxClockSteps {
				t.Errorf("%d clock steps kept, bound %d", n, maxClockSteps)
			}
		})
	}
}

// TestPacketClockManyStepsNeverLonger: over hundreds of random steps of
// the capture's clock (back by 1 min to 2 h, forward by more than a day),
// with the clock forgetting steps as the tracker's tick does and merging
// the oldest at the bound, no wait is measured longer than the time that
// passed in the capture, and those begun in the current segment are
// measured exactly.
func TestPacketClockManyStepsNeverLonger(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var c packetClock
	c.keepFor(time.Hour)
	type seen struct {
		ts      time.Time
		elapsed time.Duration // time passed in the capture up to it
	}
	var all []seen
	ts, elapsed := t0, time.Duration(0)
	for range 400 {
		segStart := len(all)
		for i := range 2 + rng.IntN(4) {
			if i > 0 {
				d := time.Duration(1+rng.IntN(30)) * time.Second
				ts, elapsed = ts.Add(d), elapsed+d
			}
			c.advance(ts)
			all = append(all, seen{ts, elapsed})
		}
		c.forget()
		for _, p := range all {
			got, passed := c.since(p.ts), elapsed-p.elapsed
			if got > passed {
				t.Fatalf("since %v: %v, but %v passed (%d steps kept)", p.ts, got, passed, len(c.steps))
			}
		}
		for _, p := range all[segStart:] {
			if got, passed := c.since(p.ts), elapsed-p.elapsed; got != passed {
				t.Fatalf("since %v, in the current segment: %v, want %v", p.ts, got, passed)
			}
		}
		if len(c.steps) > maxClockSteps {
			t.Fatalf("%d steps kept", len(c.steps))
		}
		if rng.IntN(4) == 0 {
			ts = ts.Add(25*time.Hour + time.Duration(rng.Int64N(int64(40*24*time.Hour))))
		} else {
			ts = ts.Add(-time.Minute - time.Duration(rng.Int64N(int64(2*time.Hour))))
		}
	}
	if c.notKept == 0 {
		t.Error("no step merged while live: the bound was not exercised")
	}
}
