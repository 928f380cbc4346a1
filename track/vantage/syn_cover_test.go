package vantage

import (
	"testing"
	"time"
)

// synCoverCase is a passive data connection whose client sends its SYNs
// at the given times after the announcement and gives up: the SYNs reach
// the taps up to synReach (-1: all), no SYN-ACK is captured anywhere.
// The server's tap captures from from (zero: no bound) to until after the
// announcement; the client gives up (425, then a few lines) giveUp after
// its last SYN.
type synCoverCase struct {
	name     string
	syns     []time.Duration
	synReach int
	from     time.Duration
	until    time.Duration
	giveUp   time.Duration
	want     Where
}

func runSYNCover(t *testing.T, tc synCoverCase) *Path {
	t.Helper()
	l := newLab(t, "client", "server")
	// Other traffic at both points every 100 ms for 6 s: each capture
	// runs for as long as its bounds let it.
	bg := l.fork(0, 0)
	for k := range 60 {
		bg.send(frame{cport: 30000 + uint16(k), sport: 443, seq: 1, syn: true, ackf: true}, -1)
		bg.tick(100 * time.Millisecond)
	}
	c := l.control(40000, 1000, 9000)
	c.pasv(40001)
	c.command("RETR a.bin")
	base := l.now
	if tc.from > 0 {
		l.taps[1].from = base.Add(tc.from)
	}
	l.taps[1].until = base.Add(tc.until)
	for _, at := range tc.syns {
		l.now = base.Add(at)
		l.send(frame{fromClient: true, cport: 50000, sport: 40001, seq: 7000, syn: true}, tc.synReach)
	}
	l.tick(tc.giveUp)
	c.reply("425 Failed to establish connection.")
	c.command("PWD")
	c.reply(`257 "/" is the current directory`)
	c.command("NOOP")
	c.reply("200 NOOP ok.")
	c.command("QUIT")
	c.reply("221 Goodbye.")
	return onlyPath(t, l.merge())
}

// TestUnansweredSYNJudgedByEverySYN guards the judgment of a data SYN
// that drew no answer by every try, not the last alone: a client that
// gives up less than a second after its last retransmission, at a point
// whose capture covered the earlier tries with room to spare, is a
// receiver that never answered (no-answer) or a SYN lost on the way
// (syn-lost), not not-captured. A capture too short after every SYN it
// could have seen stays not-captured.
func TestUnansweredSYNJudgedByEverySYN(t *testing.T) {
	three := []time.Duration{3 * time.Millisecond, 1030 * time.Millisecond, 2050 * time.Millisecond}
	for _, tc := range []synCoverCase{
		// The server's output chain drops its SYN-ACKs; the client gives
		// up 0.9 s after its last SYN and the server's capture ends
		// with the control connection, 0.955 s after the last SYN, 3 s
		// after the first.
		{name: "no answer, capture ends soon after the last SYN", syns: three, synReach: -1, until: 3005 * time.Millisecond, giveUp: 900 * time.Millisecond, want: NoAnswer},
		{name: "no answer, capture runs long after the last SYN", syns: three, synReach: -1, until: 5500 * time.Millisecond, giveUp: 3 * time.Second, want: NoAnswer},
		{name: "one SYN, capture ends 0.5 s after it", syns: three[:1], synReach: -1, until: 503 * time.Millisecond, giveUp: 400 * time.Millisecond, want: NotCaptured},
		{name: "three SYNs, the server's capture ends 0.5 s after the first", syns: three, synReach: -1, until: 503 * time.Millisecond, giveUp: 900 * time.Millisecond, want: NotCaptured},
		// Dropped between the points; the server's capture starts
		// after the first SYN and ends 0.5 s after the last: it was
		// capturing for more than a second after the second SYN and saw
		// none.
		{name: "lost, capture covers only a middle SYN", syns: three, synReach: 0, from: 500 * time.Millisecond, until: 2550 * time.Millisecond, giveUp: 100 * time.Millisecond, want: LostSYN},
		{name: "lost, capture covers no SYN by a second", syns: three, synReach: 0, from: 1500 * time.Millisecond, until: 2550 * time.Millisecond, giveUp: 100 * time.Millisecond, want: NotCaptured},
		{name: "lost, capture covers the first SYN", syns: three, synReach: 0, until: 2550 * time.Millisecond, giveUp: 100 * time.Millisecond, want: LostSYN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := runSYNCover(t, tc)
			if p.Where != tc.want {
				t.Fatalf("where %v (%s) gaps %q; want %v", p.Where, p.Verdict, p.Gaps, tc.want)
			}
			if tc.want == LostSYN && (p.After != 0 || p.Before != 1) {
				t.Fatalf("lost between %d and %d (%s); want between client and server", p.After, p.Before, p.Verdict)
			}
		})
	}
}
