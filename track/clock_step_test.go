package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestPacketClockForwardStepNotTimePassed: a forward step of packet time
// longer than decode.MaxClockStep (the capture's clock set forward) is no
// time passing for the waits, as it is none for decode's idle clock; one
// up to it is; steps back and interleaved clocks keep their handling
// around it.
func TestPacketClockForwardStepNotTimePassed(t *testing.T) {
	const (
		day   = 24 * time.Hour
		years = 20 * 365 * day
	)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	s := time.Second
	for _, tc := range []struct {
		name    string
		packets []time.Duration
		from    time.Duration
		want    time.Duration
	}{
		{"48 h forward", []time.Duration{0, s, s + 48*time.Hour, 2*s + 48*time.Hour}, s, s},
		{"20 years forward", []time.Duration{0, s, s + years, 3*s + years}, 0, 3 * s},
		{"from after the step", []time.Duration{0, s, s + years, 3*s + years}, s + years, 2 * s},
		{"a step of MaxClockStep is time passed", []time.Duration{0, s, s + decode.MaxClockStep}, s, decode.MaxClockStep},
		{"two forward steps", []time.Duration{0, s, s + 2*day, 2*s + 2*day, 2*s + 4*day, 3*s + 4*day}, 0, 3 * s},
		// A time in the step, never a packet's (a joining input's), is
		// at the step: no more than what passed after it.
		{"from inside the step", []time.Duration{0, s, s + years, 3*s + years}, 10 * day, 2 * s},
		{"from later than now", []time.Duration{0, s, s + years}, 2 * years, 0},
		{"forward, then back 10 s", []time.Duration{0, s, s + years, 20*s + years, 10*s + years, 11*s + years}, 0, 21 * s},
		{"back 10 s, then forward", []time.Duration{0, 20 * s, 10 * s, 11 * s, 11*s + years, 12*s + years}, 0, 22 * s},
		// Two clocks a day and more apart, interleaved: the first step
		// forward is the clock set; after it no time passes between them.
		{"two clocks years apart, interleaved", []time.Duration{0, years, 10 * time.Millisecond, years + 10*time.Millisecond, 20 * time.Millisecond, years + 20*time.Millisecond}, 0, 20 * time.Millisecond},
		// A step back immediately followed by one forward past the time
		// before it: the interleaving ends, the rest is the clock set.
		{"back, then forward past a day", []time.Duration{0, 10 * s, 5 * s, 10*s + years, 11*s + years}, 0, 11 * s},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c packetClock
			for _, p := range tc.packets {
				c.advance(at(p))
			}
			if got := c.since(at(tc.from)); got != tc.want {
				t.Errorf("since %v: %v, want %v", tc.from, got, tc.want)
			}
		})
	}
}

// TestPacketClockForwardStepsBounded: the clock keeps at most
// maxClockSteps steps, forward ones too; past the bound a forward step is
// time passed, as before any was kept. The first packet is no step.
func TestPacketClockForwardStepsBounded(t *testing.T) {
	var c packetClock
	now := t0
	c.advance(now)
	if len(c.steps) != 0 {
		t.Fatalf("the first packet kept as a step from the zero time: %+v", c.steps)
	}
	for range 3 * maxClockSteps {
		c.advance(now)
		now = now.Add(2 * decode.MaxClockStep)
		c.advance(now)
		now = now.Add(time.Second)
	}
	if len(c.steps) != maxClockSteps {
		t.Fatalf("%d steps kept, want %d", len(c.steps), maxClockSteps)
	}
}

// TestDataAcrossForwardClockStep: a passive transfer whose packets the
// capture's clock, set forward (48 hours, 20 years), splits at any point
// is transferred: its announcement's wait, its SYN's and its idle timer
// do not run out on the step. Steps back keep working as before.
func TestDataAcrossForwardClockStep(t *testing.T) {
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	dataSrv := netip.MustParseAddrPort("192.0.2.10:40000")
	for _, step := range []struct {
		name string
		d    time.Duration
	}{
		{"back 10 s", -10 * time.Second},
		{"back 10 h", -10 * time.Hour},
		{"forward 48 h", 48 * time.Hour},
		{"forward 20 years", 20 * 365 * 24 * time.Hour},
	} {
		for where := 1; where <= 8; where++ {
			t.Run(step.name+"/"+[]string{"", "before PASV", "before 227", "before RETR", "before the SYN",
				"before the 150", "before the data", "before the FIN", "before the 226"}[where], func(t *testing.T) {
				s := newSession(t)
				n := 0
				// j: the decoder's tick after each packet, and the
				// clock's step at the position under test.
				j := func() {
					s.trk.Tick(s.now)
					if n++; n == where {
						s.tick(step.d)
					}
				}
				// Decode hands each packet to Segment before its event.
				ctl := func(fromClient bool) {
					src, dst := srv, cli
					if fromClient {
						src, dst = cli, srv
					}
					seg := decode.Segment{Num: s.num + 1, TS: s.now.Add(time.Millisecond), Src: src, Dst: dst, Flags: decode.FlagACK}
					s.trk.Segment(&seg)
				}
				s.login()
				j()
				ctl(true)
				s.cmd("PASV", "")
				j()
				ctl(false)
				s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
				j()
				ctl(true)
				s.cmd("RETR", "a")
				j()
				s.seg(dataCli, dataSrv, decode.FlagSYN, 1000, 0)
				s.trk.Tick(s.now)
				s.seg(dataSrv, dataCli, decode.FlagSYN|decode.FlagACK, 5000, 0)
				s.trk.Tick(s.now)
				s.seg(dataCli, dataSrv, decode.FlagACK, 1001, 0)
				j()
				ctl(false)
				s.reply(150, "ok")
				j()
				s.seg(dataSrv, dataCli, decode.FlagACK, 5001, 200)
				j()
				s.seg(dataSrv, dataCli, decode.FlagFIN|decode.FlagACK, 5201, 0)
				s.trk.Tick(s.now)
				s.seg(dataCli, dataSrv, decode.FlagFIN|decode.FlagACK, 1001, 0)
				j()
				ctl(false)
				s.reply(226, "ok")
				s.trk.Tick(s.now)
				s.end()
				if len(s.rec.data) != 1 {
					t.Fatalf("%d data records, want 1", len(s.rec.data))
				}
				dc := s.rec.data[0]
				if dc.Outcome != OutcomeTransferred || dc.Bytes[1] != 200 {
					t.Errorf("outcome %v, %d bytes; want transferred, 200 bytes", dc.Outcome, dc.Bytes[1])
				}
			})
		}
	}
}
