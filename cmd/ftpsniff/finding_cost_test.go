package main

import (
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// keptFindings makes n findings like those 1,000 sessions of PASVs
// nothing used raise (passive-not-attempted: each about the data
// connection its 227 announced, which its session let go, so that the
// finding alone holds it, its PASV and the 227), kept whole in the text
// output's budget, and returns the live heap and what the budget counted.
func keptFindings(n int) (heap, counted int) {
	s := &track.Session{ID: 1}
	o := &sessionFindings{}
	b := &findingBudget{}
	for i := range n {
		c := &track.Command{Verb: "PASV"}
		c.Replies = append(c.Replies, track.Reply{Code: 227, Text: fmt.Sprintf("Entering Passive Mode (192,0,2,10,%d,%d).", i>>8&0xff, i&0xff)})
		d := &track.DataConn{ID: i + 1, Session: s, Announce: c}
		c.Data = d
		f := &diagnose.Finding{Session: s, Data: d, Code: "data-not-attempted", Severity: diagnose.SeverityInfo,
			Message:  fmt.Sprintf("The endpoint 192.0.2.10:%d announced by 227 (packet %d) was never connected to.", 2000+i, 10+i),
			Evidence: fmt.Sprintf("227 at packet %d, then %s", 10+i, strings.Repeat("x", 60)),
			Advice:   strings.Repeat("a", 200),
			Packets:  []uint64{uint64(10 + i)}}
		o.add(f, b, false)
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	runtime.KeepAlive(o)
	return int(ms.HeapAlloc), b.bytes
}

// TestKeptFindingCountsWhatItHolds guards maxFindingsBytes: a finding the
// text output keeps whole counts at least what it holds, the data
// connection it is about with its announcement included (the session
// lets announcements nothing used go; the kept finding keeps them).
// Before, it counted 512 bytes besides its text and held about 1,450.
func TestKeptFindingCountsWhatItHolds(t *testing.T) {
	const few, many = 1000, 3000
	h1, c1 := keptFindings(few)
	h2, c2 := keptFindings(many)
	held, counted := (h2-h1)/(many-few), (c2-c1)/(many-few)
	t.Logf("a kept finding holds %d bytes, counts %d", held, counted)
	if counted < held {
		t.Errorf("a kept finding about a data connection holds %d bytes and counts %d of maxFindingsBytes", held, counted)
	}
}

// collapsedAt adds to a collapser one finding at each of n servers, each
// with its own advice of size bytes, and returns the live heap.
func collapsedAt(n, size int) int {
	c := newCollapser()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		server := netip.AddrPortFrom(netip.AddrFrom4([4]byte{11, 0, byte(i >> 8), byte(i)}), 21)
		s := &track.Session{ID: i + 1, Start: t0, End: t0, Server: server, Client: netip.MustParseAddrPort("10.0.0.2:40000")}
		advice := fmt.Sprintf("Open the passive range at %s. ", server) + strings.Repeat("a", size)
		c.add(s, &diagnose.Finding{Session: s, Code: diagnose.CodeDataUnanswered, Severity: diagnose.SeverityError, TS: t0,
			Message: "SYN unanswered", Advice: advice})
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	runtime.KeepAlive(c)
	return int(ms.HeapAlloc)
}

// TestCollapserKeepsAdviceOnce guards what the summary's collapser holds
// per (server, code, cause): the advice once, in its entry. Before, its
// key held the advice's shape too, a copy as long: 10 MB of the 50 MB
// live at 5,000 servers' --summary.
func TestCollapserKeepsAdviceOnce(t *testing.T) {
	const few, many, size = 200, 800, 4096
	held := (collapsedAt(many, size) - collapsedAt(few, size)) / (many - few)
	t.Logf("an entry with %d bytes of advice holds %d bytes", size, held)
	if held > size+2048 {
		t.Errorf("an entry with %d bytes of advice holds %d bytes: more than the advice once", size, held)
	}
}
