package decode

import (
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestHoleWaitAfterClockStepBack: after the capture's clock is set back
// (NTP stepping the capturing host's clock by an hour), a control reply
// that came before the one just ahead of it in the stream waits the
// ordinary hole wait, measured from when it came, not from the latest
// packet time before the step: live's Tick after 300 ms of quiet gives
// nothing up, and the missing bytes, when they come, fill the hole (no
// gap). Before, the hole looked an hour old at the first Tick.
func TestHoleWaitAfterClockStepBack(t *testing.T) {
	for _, back := range []time.Duration{0, 2 * time.Second, time.Hour} {
		t.Run(back.String(), func(t *testing.T) {
			rec, d, v := openConv(t)
			v.srv("220 ready\r\n")
			v.cli("USER anonymous\r\n")
			v.srv("331 password\r\n")
			v.ts = v.ts.Add(-back) // the capture's clock set back
			v.cli("RETR f\r\n")
			opening, done := "150 opening\r\n", "226 done\r\n"
			// The 226 ahead of the 150 it follows (a NIC queue, a
			// retransmission): held behind the hole.
			v.send(v.s, v.c, v.sseq+uint32(len(opening)), v.cseq, FlagACK|FlagPSH, done)
			// Quiet: live ticks the decoder with the wall clock, the
			// clock the packets are stamped with.
			d.Tick(v.ts.Add(300 * time.Millisecond))
			v.ts = v.ts.Add(300 * time.Millisecond)
			v.srv(opening)
			v.sseq += uint32(len(done))
			d.Tick(v.ts.Add(300 * time.Millisecond))
			var replies []string
			for _, e := range rec.control {
				if e.Gap != 0 {
					t.Errorf("gap of %d bytes reported (packet %d)", e.Gap, e.Num)
				}
				if e.Kind == ControlReply {
					replies = append(replies, e.Reply.Text)
				}
			}
			if want := []string{"ready", "password", "opening", "done"}; !equal(replies, want) {
				dumpEvents(t, rec)
				t.Errorf("replies %q, want %q", replies, want)
			}
		})
	}
}

// TestTwoClocksAreNoStepBack: packets of two clocks interleaved (hosts
// or interfaces whose clocks disagree by seconds, one packet of each in
// turn) move the decoder's clock back to the later one at once: no step
// stands, and no packet of the later clock is taken for an outlier. In a
// file of two interfaces whose clocks are minutes apart, with runs of
// each longer than a second, a step back is not followed at all.
func TestTwoClocksAreNoStepBack(t *testing.T) {
	frame := func(v *conv, p string) []byte { return convFrame(t, v.c, v.s, 1000, 5000, FlagACK|FlagPSH, []byte(p)) }
	t.Run("one packet each", func(t *testing.T) {
		_, d, v := openConv(t)
		f := frame(v, "x")
		for i := range 50 {
			at := v.ts.Add(time.Duration(i) * 10 * time.Millisecond)
			for _, ts := range []time.Time{at.Add(3 * time.Second), at} {
				d.Decode(f, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f)}, layers.LinkTypeEthernet)
				if i > 0 && ts != at && d.last.Before(ts) {
					t.Fatalf("clock at %v after a packet of the later clock at %v", d.last, ts)
				}
			}
		}
		if n := d.Stats().ClockOutliers; n != 0 {
			t.Errorf("%d clock outliers", n)
		}
	})
	t.Run("two interfaces minutes apart", func(t *testing.T) {
		_, d, v := openConv(t)
		f := frame(v, "x")
		for i := range 20 {
			for k, off := range []time.Duration{2 * time.Minute, 0} {
				for j := range 3 {
					ts := v.ts.Add(time.Duration(i*3+j)*time.Second + off)
					d.Decode(f, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f), InterfaceIndex: k}, layers.LinkTypeEthernet)
				}
			}
		}
		if n := d.Stats().ClockOutliers; n != 0 {
			t.Errorf("%d clock outliers", n)
		}
		if !d.backMax.IsZero() {
			t.Errorf("a step back followed")
		}
	})
}
