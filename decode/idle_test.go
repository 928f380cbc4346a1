package decode

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// idleScene drives one decoder through control and other connections at
// packet times the test sets.
type idleScene struct {
	t   *testing.T
	rec *recorder
	d   *Decoder
	ctl *conv
}

// newIdleScene opens a logged-in control connection from convClient to
// convServer at convT0.
func newIdleScene(t *testing.T) *idleScene {
	rec, d, v := openConv(t)
	v.srv("220 ready\r\n")
	v.cli("USER anonymous\r\n")
	v.srv("331 Password.\r\n")
	v.cli("PASS guest\r\n")
	v.srv("230 Login successful.\r\n")
	return &idleScene{t: t, rec: rec, d: d, ctl: v}
}

// conn starts another TCP connection (its handshake) on the decoder at
// time at.
func (sc *idleScene) conn(c, s netip.AddrPort, at time.Time) *conv {
	v := &conv{t: sc.t, d: sc.d, c: c, s: s, cseq: 7000, sseq: 9000, ts: at}
	v.handshake()
	return v
}

// at sets the time of c's next segment (conv.send adds 10 ms).
func at(c *conv, ts time.Time) { c.ts = ts.Add(-10 * time.Millisecond) }

// closes returns the ControlClose events' reasons and the replies and
// opens seen, in order, as one string each.
func (sc *idleScene) story() []string {
	var out []string
	for _, e := range sc.rec.control {
		switch e.Kind {
		case ControlOpen:
			s := "open"
			if e.Midstream {
				s += " midstream"
			}
			if e.Encrypts {
				s += " encrypted"
			}
			out = append(out, s)
		case ControlCommand:
			out = append(out, e.Command.Verb)
		case ControlReply:
			out = append(out, fmt.Sprintf("%d %s", e.Reply.Code, e.Reply.Text))
		case ControlJunk:
			out = append(out, "junk")
		case ControlClose:
			out = append(out, "close "+closeName[e.Closed])
		}
	}
	return out
}

var closeName = map[CloseReason]string{CloseFIN: "fin", CloseRST: "rst", CloseIdle: "idle", CloseCaptureEnd: "capture-end", CloseReused: "reused", CloseEvicted: "evicted"}

// tickTo lets packet time pass to end, one second at a time (as a capture
// with a packet every second would, or a quiet live one).
func (sc *idleScene) tickTo(end time.Time) {
	for ts := sc.d.LastTime(); ts.Before(end); ts = ts.Add(time.Second) {
		sc.d.Tick(ts)
	}
	sc.d.Tick(end)
}

// TestDataKeepsControlAlive: a control connection silent during a long
// transfer is not idle while a connection between its two hosts moves
// data (passive or active); one whose data runs between other hosts, or
// whose data ended an hour before, still idles out.
func TestDataKeepsControlAlive(t *testing.T) {
	dataPassive := netip.MustParseAddrPort("192.0.2.10:40400")
	clientData := netip.MustParseAddrPort("192.0.2.1:50001")
	serverActive := netip.MustParseAddrPort("192.0.2.10:20")
	otherHost := netip.MustParseAddrPort("192.0.2.99:50001")
	ssh := netip.MustParseAddrPort("192.0.2.10:22")
	ftpsData := netip.MustParseAddrPort("192.0.2.10:989")
	tests := []struct {
		name         string
		c, s         netip.AddrPort // the data connection (c opens it)
		fromServer   bool           // the data flows from s
		dataFor      time.Duration  // how long it moves data (a segment every 20 s)
		replyAt      time.Duration  // after the data started: the 226
		want         []string
		wantCloseMin time.Duration // after convT0: the idle close no earlier
	}{
		{"passive download for 70 min", clientData, dataPassive, true, 70 * time.Minute, 70*time.Minute + time.Second,
			[]string{"226 Transfer complete.", "close capture-end"}, 0},
		{"active download for 70 min", serverActive, clientData, false, 70 * time.Minute, 70*time.Minute + time.Second,
			[]string{"226 Transfer complete.", "close capture-end"}, 0},
		{"passive upload for 3 hours", clientData, dataPassive, false, 3 * time.Hour, 3*time.Hour + time.Second,
			[]string{"226 Transfer complete.", "close capture-end"}, 0},
		// The data of another client's host says nothing of this session.
		{"data between other hosts", otherHost, dataPassive, true, 70 * time.Minute, 70*time.Minute + 10*time.Second,
			[]string{"close idle", "open midstream", "226 Transfer complete.", "close capture-end"}, time.Hour},
		// Implicit FTPS active data comes from port 989 (ftps-data).
		{"active download from 989 for 70 min", ftpsData, clientData, false, 70 * time.Minute, 70*time.Minute + time.Second,
			[]string{"226 Transfer complete.", "close capture-end"}, 0},
		// SSH between the same two hosts is no FTP data connection: it
		// does not keep a dead control connection open.
		{"an SSH connection between the same hosts", clientData, ssh, true, 70 * time.Minute, 70*time.Minute + 10*time.Second,
			[]string{"close idle", "open midstream", "226 Transfer complete.", "close capture-end"}, time.Hour},
		// Idle an hour after the data ended (at 30 min), not before.
		{"data ended long before", clientData, dataPassive, true, 30 * time.Minute, 95 * time.Minute,
			[]string{"close idle", "open midstream", "226 Transfer complete.", "close capture-end"}, 90 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newIdleScene(t)
			sc.ctl.cli("RETR big.iso\r\n")
			sc.ctl.srv("150 Opening BINARY mode data connection.\r\n")
			start := sc.ctl.ts.Add(time.Second)
			dc := sc.conn(tt.c, tt.s, start)
			for off := time.Duration(0); off <= tt.dataFor; off += 20 * time.Second {
				at(dc, start.Add(off))
				if tt.fromServer {
					dc.srv(strings.Repeat("x", 1000))
				} else {
					dc.cli(strings.Repeat("x", 1000))
				}
			}
			sc.tickTo(start.Add(tt.replyAt))
			at(sc.ctl, start.Add(tt.replyAt))
			sc.ctl.srv("226 Transfer complete.\r\n")
			sc.d.Finish()
			got := sc.story()
			got = got[len(got)-len(tt.want):]
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			for _, e := range sc.rec.control {
				if e.Kind == ControlClose && e.Closed == CloseIdle {
					if d := e.TS.Sub(convT0); d < tt.wantCloseMin || d > tt.wantCloseMin+10*time.Second {
						t.Errorf("idle close at +%s, want +%s", d, tt.wantCloseMin)
					}
					if e.LastSeen.After(start) {
						t.Errorf("LastSeen %s is not the connection's own last segment", e.LastSeen)
					}
				}
			}
		})
	}
}

// TestIdleClosedResumes: bytes of a control connection closed as idle
// pick it up again, mid-stream, and are counted; packets without bytes,
// and bytes of one closed otherwise, start nothing.
func TestIdleClosedResumes(t *testing.T) {
	late := idleClose + 90*time.Second // closed at +1h+1s: 89 s before, within the tombstone's wait
	tests := []struct {
		name        string
		before      func(sc *idleScene)
		wait        time.Duration // before after; 0 means late
		after       func(sc *idleScene)
		want        []string
		wantResumed uint64
	}{
		{"a late 226",
			nil, 0,
			func(sc *idleScene) { sc.ctl.srv("226 Transfer complete.\r\n"); sc.ctl.cli("QUIT\r\n") },
			[]string{"230 Login successful.", "close idle", "open midstream", "226 Transfer complete.", "QUIT", "close capture-end"}, 1},
		{"a late command",
			nil, 0,
			func(sc *idleScene) { sc.ctl.cli("NOOP\r\n"); sc.ctl.srv("200 NOOP ok.\r\n") },
			[]string{"230 Login successful.", "close idle", "open midstream", "NOOP", "200 NOOP ok.", "close capture-end"}, 1},
		{"a keepalive ACK",
			nil, 0,
			func(sc *idleScene) { sc.ctl.send(sc.ctl.c, sc.ctl.s, sc.ctl.cseq-1, sc.ctl.sseq, FlagACK, "") },
			[]string{"230 Login successful.", "close idle"}, 0},
		{"bytes after a FIN close",
			func(sc *idleScene) {
				sc.ctl.send(sc.ctl.c, sc.ctl.s, sc.ctl.cseq, sc.ctl.sseq, FlagACK|FlagFIN, "")
				sc.ctl.cseq++
				sc.ctl.send(sc.ctl.s, sc.ctl.c, sc.ctl.sseq, sc.ctl.cseq, FlagACK|FlagFIN, "")
				sc.ctl.sseq++
			},
			time.Minute,
			func(sc *idleScene) {
				// Past the FIN: a late retransmission of nothing in the stream.
				sc.ctl.sseq -= 30
				sc.ctl.srv("226 Transfer complete (retrans)\r\n")
			},
			[]string{"230 Login successful.", "close fin"}, 0},
		{"TLS bytes after AUTH TLS",
			func(sc *idleScene) { sc.ctl.cli("AUTH TLS\r\n"); sc.ctl.srv("234 Proceed with negotiation.\r\n") }, 0,
			func(sc *idleScene) { sc.ctl.srv("\x17\x03\x03\x00\x20" + strings.Repeat("\x8a\n", 16)) },
			[]string{"234 Proceed with negotiation.", "close idle", "open midstream encrypted", "close capture-end"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newIdleScene(t)
			if tt.before != nil {
				tt.before(sc)
			}
			last, wait := sc.ctl.ts, tt.wait
			if wait == 0 {
				wait = late
			}
			sc.tickTo(last.Add(wait))
			at(sc.ctl, last.Add(wait))
			tt.after(sc)
			sc.d.Finish()
			got := sc.story()
			if len(got) > len(tt.want) {
				got = got[len(got)-len(tt.want):]
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if st := sc.d.Stats(); st.IdleResumed != tt.wantResumed {
				t.Errorf("IdleResumed %d, want %d", st.IdleResumed, tt.wantResumed)
			}
		})
	}
}

// TestClockJump: a forward step of packet time over a day (the capture's
// clock set) is counted and idles nothing out; a shorter silence that is
// real still does, and time after the jump counts again.
func TestClockJump(t *testing.T) {
	other := netip.MustParseAddrPort("198.51.100.7:443")
	otherCli := netip.MustParseAddrPort("198.51.100.8:40000")
	tests := []struct {
		name      string
		jump      time.Duration // at a packet between other hosts
		silence   time.Duration // then, before the control connection speaks
		want      []string
		wantJumps uint64
		newFile   bool // the jump is where the next file read as one begins (SetInput)
	}{
		{"ten years", 10 * 365 * 24 * time.Hour, time.Minute,
			[]string{"230 Login successful.", "226 Transfer complete.", "close capture-end"}, 1, false},
		{"two days then 61 minutes", 48 * time.Hour, 61 * time.Minute,
			[]string{"230 Login successful.", "close idle", "open midstream", "226 Transfer complete.", "close capture-end"}, 1, false},
		{"ten years at the start of the next file", 10 * 365 * 24 * time.Hour, time.Minute,
			[]string{"230 Login successful.", "226 Transfer complete.", "close capture-end"}, 0, true},
		{"two hours is real silence", 2 * time.Hour, time.Minute,
			[]string{"230 Login successful.", "close idle", "open midstream", "226 Transfer complete.", "close capture-end"}, 0, false},
		{"23 hours are real silence", 23 * time.Hour, time.Minute,
			[]string{"230 Login successful.", "close idle", "open midstream", "226 Transfer complete.", "close capture-end"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newIdleScene(t)
			jumpAt := sc.ctl.ts.Add(tt.jump)
			if tt.newFile {
				sc.d.SetInput("next.pcap")
			}
			sc.conn(otherCli, other, jumpAt)
			sc.tickTo(jumpAt.Add(tt.silence))
			at(sc.ctl, jumpAt.Add(tt.silence))
			sc.ctl.srv("226 Transfer complete.\r\n")
			sc.d.Finish()
			got := sc.story()
			if len(got) > len(tt.want) {
				got = got[len(got)-len(tt.want):]
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if st := sc.d.Stats(); st.ClockJumps != tt.wantJumps {
				t.Errorf("ClockJumps %d, want %d", st.ClockJumps, tt.wantJumps)
			}
		})
	}
}

// TestIdleClockBackwards: packet time that steps back and returns moves
// the idle clock neither way, and a step forward past the latest counts
// from the latest.
func TestIdleClockBackwards(t *testing.T) {
	var c idleClock
	c.advance(convT0)
	c.advance(convT0.Add(time.Minute))
	c.advance(convT0.Add(-365 * 24 * time.Hour))
	c.advance(convT0.Add(30 * time.Second))
	if got := c.since(); got != time.Minute {
		t.Errorf("after a step back: %s, want 1m", got)
	}
	c.advance(convT0.Add(2 * time.Minute))
	if got := c.since(); got != 2*time.Minute {
		t.Errorf("after the step forward: %s, want 2m", got)
	}
	if !c.advance(convT0.Add(2*time.Minute + MaxClockStep + time.Second)) {
		t.Error("a step over MaxClockStep not reported")
	}
	c.advance(convT0.Add(3*time.Minute + MaxClockStep + time.Second))
	if got := c.since(); got != 3*time.Minute {
		t.Errorf("after the jump and a minute: %s, want 3m", got)
	}
}

// TestMoveBehind: an entry placed by an older time lands behind the last
// entry not newer than it, and the links stay whole both ways.
func TestMoveBehind(t *testing.T) {
	tests := []struct {
		name  string
		times []time.Duration // the list, front first; the last is moved
		to    time.Duration
		want  []time.Duration
	}{
		{"to the middle", []time.Duration{1, 3, 5, 9}, 4, []time.Duration{1, 3, 4, 5}},
		{"to the front", []time.Duration{2, 3, 9}, 1, []time.Duration{1, 2, 3}},
		{"stays at the back", []time.Duration{2, 3, 9}, 7, []time.Duration{2, 3, 7}},
		{"equal goes behind", []time.Duration{2, 3, 9}, 3, []time.Duration{2, 3, 3}},
		{"alone", []time.Duration{9}, 1, []time.Duration{1}},
		{"from the front", []time.Duration{1, 3, 5}, 4, []time.Duration{3, 4, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l connList
			var all []*controlConn
			for _, a := range tt.times {
				cs := &controlConn{activeAt: a}
				all = append(all, cs)
				l.pushBack(cs)
			}
			x := all[len(all)-1]
			if tt.name == "from the front" {
				x = all[0]
			}
			x.activeAt = tt.to
			l.moveBehind(x, func(o *controlConn) bool { return o.activeAt <= tt.to })
			var fwd, back []time.Duration
			for cs := l.head; cs != nil; cs = cs.links.next {
				fwd = append(fwd, cs.activeAt)
			}
			for cs := l.tail; cs != nil; cs = cs.links.prev {
				back = append([]time.Duration{cs.activeAt}, back...)
			}
			if !equalDur(fwd, tt.want) || !equalDur(back, tt.want) || l.n != len(tt.want) {
				t.Errorf("forward %v, backward %v, n %d; want %v", fwd, back, l.n, tt.want)
			}
		})
	}
}

func equalDur(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestHostPairsBounded: the pair index holds an entry while a control
// connection of the pair that carried bytes is in the table, no more.
func TestHostPairsBounded(t *testing.T) {
	rec := &recorder{}
	d := New(rec, Options{MaxControlConns: 50})
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	ts := convT0
	for i := range 200 {
		cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 40000)
		v := &conv{t: t, d: d, c: cli, s: srv, cseq: 1, sseq: 1, ts: ts}
		v.handshake()
		v.srv("220 ready\r\n")
		if i%2 == 0 {
			v.send(v.c, v.s, v.cseq, v.sseq, FlagACK|FlagRST, "")
		}
		ts = v.ts
	}
	if n, m := len(d.ctl.pairs.byHash), d.ctl.conns.Len(); n > m || m > 50 {
		t.Errorf("%d host pairs for %d connections (bound 50)", n, m)
	}
	d.Finish()
	if n := len(d.ctl.pairs.byHash); n != 0 {
		t.Errorf("%d host pairs left after Finish", n)
	}
}

// TestDataSegmentNoAllocWithPairs: a data segment between the hosts of a
// control connection that carried bytes is noted without allocating.
func TestDataSegmentNoAllocWithPairs(t *testing.T) {
	d := New(&recorder{}, Options{})
	greet := buildFrame(t, 21, 50001, []byte("220 ready\r\n"))
	data := buildFrame(t, 50000, 40000, []byte("payload bytes of a data connection"))
	ci := gopacket.CaptureInfo{Timestamp: convT0, CaptureLength: len(greet), Length: len(greet)}
	d.Decode(greet, ci, layers.LinkTypeEthernet)
	if len(d.ctl.pairs.byHash) != 1 {
		t.Fatalf("%d host pairs, want 1", len(d.ctl.pairs.byHash))
	}
	ci.CaptureLength, ci.Length = len(data), len(data)
	if n := testing.AllocsPerRun(1000, func() { d.Decode(data, ci, layers.LinkTypeEthernet) }); n != 0 {
		t.Errorf("data segment: %.1f allocations per packet", n)
	}
	if at, ok := d.ctl.pairs.lastSeen(netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.10")); !ok || at != 0 {
		t.Errorf("pair last seen %s %v", at, ok)
	}
}

// BenchmarkDecodeDataSegmentPaired is BenchmarkDecodeDataSegment with a
// control connection between the same two hosts that carried bytes: the
// data segment also notes its hosts' pair (hostPairs.seen).
func BenchmarkDecodeDataSegmentPaired(b *testing.B) {
	d := New(&recorder{}, Options{})
	greet := buildFrame(b, 21, 50001, []byte("220 ready\r\n"))
	d.Decode(greet, gopacket.CaptureInfo{CaptureLength: len(greet), Length: len(greet)}, layers.LinkTypeEthernet)
	data := buildFrame(b, 50000, 40000, make([]byte, 1448))
	ci := gopacket.CaptureInfo{CaptureLength: len(data), Length: len(data)}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		d.Decode(data, ci, layers.LinkTypeEthernet)
	}
}
