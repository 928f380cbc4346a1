package track_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
)

// TestCommandBytesBoundAcrossSessions: what the open sessions hold while
// their commands wait for a reply is bounded across sessions, not per
// session only. Many sessions open at once, each with a STAT the server
// answers by 16 multi-line preliminary replies of 4 KiB and never a
// final one (a review's prelim.py), or with 64 pipelined STATs of 4,000
// bytes and no reply (pend.py), or with a RETR answered by those 16
// preliminary replies and its 226, held 25-50 MiB of live heap before; with
// the bounds at 256 KiB the heap they add stays within twice that and a
// few KiB a session, and what was cut is counted. Once they end, the
// bound is given back: a new session's long argument is kept whole.
func TestCommandBytesBoundAcrossSessions(t *testing.T) {
	const (
		sessions = 200
		bound    = 256 << 10
	)
	body := strings.Repeat(strings.Repeat("x", 98)+"\r\n", 40)
	prelim := "150-" + body + "150 go on\r\n"
	shapes := []struct {
		name string
		play func(cs []*conv)
		cut  func(l track.Limits) bool
	}{
		{"preliminary replies", func(cs []*conv) {
			for _, c := range cs {
				c.client("STAT\r\n")
			}
			for range 16 {
				for _, c := range cs {
					c.server(prelim)
				}
			}
		}, func(l track.Limits) bool { return l.RepliesCut > 0 && l.RepliesBudget > 0 && l.BytesCut > 0 }},
		{"answered transfers looked back at", func(cs []*conv) {
			// (A transfer command stays kept after its final reply, for
			// the diagnosis to look back at, with its replies.)
			for _, c := range cs {
				c.client("RETR f\r\n")
			}
			for range 16 {
				for _, c := range cs {
					c.server(prelim)
				}
			}
			for _, c := range cs {
				c.server("226 done\r\n")
			}
		}, func(l track.Limits) bool { return l.RepliesCut > 0 && l.RepliesBudget > 0 && l.BytesCut > 0 }},
		{"pipelined long commands", func(cs []*conv) {
			for k := range 64 {
				for _, c := range cs {
					c.client(fmt.Sprintf("STAT %d%s\r\n", k, strings.Repeat("a", 4000)))
				}
			}
		}, func(l track.Limits) bool { return l.ArgsCut > 0 && l.BytesCut > 0 }},
	}
	for _, shape := range shapes {
		for _, recentOnly := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/RecentOnly=%v", shape.name, recentOnly), func(t *testing.T) {
				sink := &countSink{}
				trk := track.New(sink, track.Options{RecentOnly: recentOnly, CommandBytes: bound, TranscriptBytes: bound})
				w := &wire{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), buf: make([]byte, 0, 8192)}
				w.d = decode.New(trk, decode.Options{})
				srv := netip.MustParseAddrPort("192.0.2.10:21")
				cs := make([]*conv, sessions)
				for i := range cs {
					cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), 40000)
					c := w.open(cli, srv)
					c.server("220 hi\r\n")
					c.client("USER a\r\n")
					c.server("331 p\r\n")
					c.client("PASS a\r\n")
					c.server("230 ok\r\n")
					cs[i] = c
				}
				base := liveHeap()
				shape.play(cs)
				grown := int64(liveHeap()) - int64(base)
				// The two bounds, what the allocator rounds up, and what each
				// session may hold past them: 64 commands waiting, each with
				// its argument's first 128 bytes, and 4 replies' first lines.
				limit := int64(2*2*bound + sessions*32<<10)
				if grown > limit {
					t.Errorf("live heap grew %d KiB with %d sessions waiting on replies, want at most %d KiB", grown>>10, sessions, limit>>10)
				}
				lim := trk.Limits()
				if !shape.cut(lim) {
					t.Errorf("limits %+v: what was cut not counted", lim)
				}
				t.Logf("live heap grew %d KiB; limits %+v", grown>>10, lim)

				for _, c := range cs {
					c.close()
				}
				was := lim.ArgsCut
				c := w.open(netip.MustParseAddrPort("10.9.9.9:40000"), srv)
				c.server("220 hi\r\n")
				c.client("STAT " + strings.Repeat("b", 4000) + "\r\n")
				if got := trk.Limits().ArgsCut; got != was {
					t.Errorf("a long argument after every session ended was cut (ArgsCut %d, was %d): the bound was not given back", got, was)
				}
				c.close()
				w.d.Finish()
				if sink.sessions != sessions+1 {
					t.Errorf("%d sessions ended, want %d", sink.sessions, sessions+1)
				}
			})
		}
	}
}

// pairSink keeps each command of one client's session with its final
// reply's code.
type pairSink struct {
	countSink
	client netip.Addr
	codes  map[string]int
}

func (p *pairSink) Command(s *track.Session, c *track.Command) {
	if s.Client.Addr() != p.client {
		return
	}
	code := 0
	if r := c.Final(); r != nil {
		code = r.Code
	}
	p.codes[c.Verb] = code
}

// TestPipelinedRepliesPairedWhenCommandBytesFull: once the open sessions
// hold all of CommandBytes (here many one-sided sessions whose pipelined
// commands never see a reply, as a capture of one direction gives), a
// healthy client pipelining ten commands still gets each reply paired
// with its own command. A bound of 8 waiting commands per session gave
// up the oldest while their replies were on their way: every later
// reply went to the command before its own (a 227 to a STRU, the PASV
// refused).
func TestPipelinedRepliesPairedWhenCommandBytesFull(t *testing.T) {
	victim := netip.MustParseAddrPort("10.9.9.9:40000")
	sink := &pairSink{client: victim.Addr(), codes: map[string]int{}}
	trk := track.New(sink, track.Options{RecentOnly: true, CommandBytes: 64 << 10})
	w := &wire{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), buf: make([]byte, 0, 8192)}
	w.d = decode.New(trk, decode.Options{})
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	for i := range 50 {
		c := w.open(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, 0, byte(i)}), 40000), srv)
		c.server("220 hi\r\n")
		for k := range 20 {
			c.client(fmt.Sprintf("STAT %d%s\r\n", k, strings.Repeat("a", 2000)))
		}
	}
	if lim := trk.Limits(); lim.ArgsCut == 0 {
		t.Fatalf("limits %+v: CommandBytes never filled", lim)
	}
	c := w.open(victim, srv)
	c.server("220 hi\r\n")
	verbs := []string{"CWD", "PWD", "TYPE", "SIZE", "MDTM", "MODE", "STRU", "REST", "NOOP", "SYST"}
	codes := []int{250, 257, 200, 213, 214, 201, 202, 350, 203, 215}
	var line strings.Builder
	for _, v := range verbs {
		line.WriteString(v + " x\r\n")
	}
	c.client(line.String())
	for i, code := range codes {
		c.server(fmt.Sprintf("%d reply to %s\r\n", code, verbs[i]))
	}
	c.close()
	w.d.Finish()
	for i, v := range verbs {
		if got := sink.codes[v]; got != codes[i] {
			t.Errorf("%s paired with %d, want %d (all: %v)", v, got, codes[i], sink.codes)
		}
	}
}
