package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestPacketClock: the waits' clock adds what passed in each segment of
// packet time a step back started, takes reordering as reordering, and
// two interleaved clocks as no time passing.
func TestPacketClock(t *testing.T) {
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	for _, tc := range []struct {
		name    string
		packets []int // packet times, ms
		from    int   // a packet time seen, ms
		want    time.Duration
	}{
		{"no step", []int{0, 1000, 2000}, 500, 1500 * time.Millisecond},
		{"reordered by 50 ms", []int{0, 1000, 950, 2000}, 950, 1050 * time.Millisecond},
		{"after a step back", []int{0, 10000, 5000, 5500}, 5000, 500 * time.Millisecond},
		{"before a step back", []int{0, 10000, 5000, 5500}, 9000, 1500 * time.Millisecond},
		// 5000 was seen twice: the later is taken, the shorter wait.
		{"a time both sides of the step", []int{0, 5000, 10000, 5000, 5500}, 5000, 500 * time.Millisecond},
		{"two steps back", []int{0, 10000, 5000, 6000, 2000, 2500}, 5500, time.Second},
		{"two clocks 3 s apart, interleaved", []int{0, 3000, 10, 3010, 20, 3020}, 0, 3020 * time.Millisecond},
		{"from later than now", []int{0, 1000}, 2000, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c packetClock
			for _, p := range tc.packets {
				c.advance(ms(p))
			}
			if got := c.since(ms(tc.from)); got != tc.want {
				t.Errorf("since %d ms: %v, want %v", tc.from, got, tc.want)
			}
		})
	}
}

// TestPacketClockAcrossOverlappingInputs: the second of two files read as
// one that starts before the first ends (one file per interface) is no
// step back whose packets pass time: a SYN at the first file's end waited
// only what came after it, not the second file's span.
func TestPacketClockAcrossOverlappingInputs(t *testing.T) {
	s := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
	var c packetClock
	for _, p := range []int{0, 300, 599} {
		c.advance(s(p))
	}
	c.newInput()
	for _, p := range []int{300, 330, 360} {
		c.advance(s(p))
	}
	if got := c.since(s(599)); got != 0 {
		t.Errorf("since the first file's end: %v, want 0", got)
	}
	// Once the second file passes the first's end, time runs again.
	c.advance(s(605))
	if got := c.since(s(599)); got != 6*time.Second {
		t.Errorf("since the first file's end, after it: %v, want 6s", got)
	}
}

// TestSecondInputIsNoTimePassing guards the tracker's use of the clock:
// a second file that overlaps the first (another interface's capture,
// with non-TCP frames first, so its packet numbers need not restart
// below the first file's) is told by its Input, and its packets do not
// make a SYN at the first file's end wait past the evidence wait.
func TestSecondInputIsNoTimePassing(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("PASV", "")
	s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	// (Within the announcement's ExpectationTimeout: the SYN is its.)
	s.tick(240 * time.Second)
	s.seg(netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40000"), decode.FlagSYN, 1000, 0)
	a, b := netip.MustParseAddrPort("203.0.113.5:22"), netip.MustParseAddrPort("203.0.113.6:50000")
	for i := range 60 {
		s.num++
		s.trk.Segment(&decode.Segment{Num: s.num, Input: 1, TS: t0.Add(time.Duration(150+i) * time.Second), Src: a, Dst: b, Flags: decode.FlagACK, Seq: uint32(i)})
	}
	s.trk.Finish() // the capture ends, the session still open
	if len(s.rec.data) != 1 || s.rec.data[0].Outcome != OutcomeUndetermined {
		t.Fatalf("%d data records (first %v), want one undetermined", len(s.rec.data), s.rec.data[0].Outcome)
	}
}
