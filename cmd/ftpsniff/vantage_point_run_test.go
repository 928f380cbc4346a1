package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track/vantage"
)

// TestPointSplitterClosesInLinearWork guards the work a point's records
// cost the splitter as its sessions close: a closed session is found by
// its id, not by scanning the sessions open (which made a point with n
// sessions open at once cost n² steps). n sessions opened, then closed in
// the order opened and in the reverse, cost a few steps each, counted.
func TestPointSplitterClosesInLinearWork(t *testing.T) {
	const n = 4000
	for _, reverse := range []bool{false, true} {
		items := make(chan *pointItem, 2*n+1)
		sp := newPointSplitter(items, nil)
		write := func(line string) {
			if _, err := sp.Write([]byte(line + "\n")); err != nil {
				t.Fatal(err)
			}
		}
		for id := 1; id <= n; id++ {
			write(fmt.Sprintf(`{"type":"command","session":%d,"index":1,"observer":"c"}`, id))
		}
		for k := range n {
			id := k + 1
			if reverse {
				id = n - k
			}
			write(fmt.Sprintf(`{"type":"session","id":%d,"client":"10.0.0.2:%d","server":"10.0.0.1:21","start":"2026-01-01T00:00:00Z","observer":"c"}`, id, 1024+id))
		}
		sp.Close()
		got := 0
		for it := range items {
			if !it.session || len(it.recs) != 2 {
				t.Fatalf("reverse %v: an item of %d records (session %v), not a session's 2", reverse, len(it.recs), it.session)
			}
			got++
		}
		if got != n {
			t.Fatalf("reverse %v: %d sessions out, not %d", reverse, got, n)
		}
		t.Logf("reverse %v: %d sessions closed in %d steps", reverse, n, sp.steps)
		if sp.steps > 4*n {
			t.Errorf("reverse %v: closing %d sessions took %d steps, not linear (at most %d)", reverse, n, sp.steps, 4*n)
		}
	}
}

// TestVantagePointAnalysesOnOneGoroutine guards --vantage's points' own
// analyses running on one goroutine each whatever --workers says (as its
// help says): beside the merge and each other they have no core to give
// a relay, whose batches in flight were a megabyte a point.
func TestVantagePointAnalysesOnOneGoroutine(t *testing.T) {
	opts := &readOptions{Workers: 2}
	opts.points = []vantagePoint{{name: "a", files: []string{"a.pcap"}}, {name: "b", files: []string{"b.pcap"}}}
	for i := range opts.points {
		if one := pointOptions(opts, i, nil); one.Workers != 1 {
			t.Errorf("point %d's analysis: --workers %d, not 1", i, one.Workers)
		}
	}
	if opts.Workers != 2 {
		t.Errorf("the run's own options changed: --workers %d", opts.Workers)
	}
}

// TestVantageGCPacing guards the collector's room while --json's three
// analyses run at once: vantageGCPercent, put back after; GOGC, when set,
// left alone.
func TestVantageGCPacing(t *testing.T) {
	t.Setenv("GOGC", "")
	os.Unsetenv("GOGC")
	before := debug.SetGCPercent(77)
	defer debug.SetGCPercent(before)
	restore := vantageGCPacing()
	if got := debug.SetGCPercent(vantageGCPercent); got != vantageGCPercent {
		t.Errorf("while the analyses run: GOGC %d, not %d", got, vantageGCPercent)
	}
	restore()
	if got := debug.SetGCPercent(77); got != 77 {
		t.Errorf("after: GOGC %d, not put back to 77", got)
	}
	t.Setenv("GOGC", "200")
	vantageGCPacing()()
	if got := debug.SetGCPercent(77); got != 77 {
		t.Errorf("with GOGC set: GOGC %d, changed from 77", got)
	}
}

// TestVantagePointRecordsDropWrittenSessions guards what a point keeps of
// the merged sessions it wrote (pointRecords.recent, to tie the records
// of a session its analysis split later): what tying reads, not the
// session, whose views of every point's connections were most of what
// --vantage --json held. The session's data view is collected while the
// point's records still tie to it.
func TestVantagePointRecordsDropWrittenSessions(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ap := netip.MustParseAddrPort
	ctl := &vantage.Control{Client: ap("10.0.0.2:4000"), Server: ap("10.0.0.1:21"), Start: t0, Last: t0.Add(5 * time.Second)}
	far := &vantage.Control{Client: ap("10.0.0.2:4000"), Server: ap("10.1.0.1:21"), Start: t0}
	client := &vantage.Data{Src: ap("10.0.0.2:5000"), Dst: ap("10.0.0.1:40000"), HaveISN: true, SYNs: 3, FirstSYN: t0.Add(time.Second)}
	server := &vantage.Data{Src: ap("10.0.0.2:5000"), Dst: ap("10.1.0.1:40000"), HaveISN: true, SYNs: 3, SYNACKs: 3, FirstSYN: t0.Add(time.Second)}
	s := &vantage.Session{ID: 1, Views: []*vantage.Control{ctl, far}, Order: []int{0, 1},
		Data: []*vantage.Path{{Views: []*vantage.Data{client, server}, Order: []int{0, 1}, Passive: true, Where: vantage.LostSYNACK, After: 1,
			Verdict: "lost on the way back"}}}
	freed := make(chan struct{}, 2)
	runtime.AddCleanup(server, func(c chan struct{}) { c <- struct{}{} }, freed)
	runtime.AddCleanup(far, func(c chan struct{}) { c <- struct{}{} }, freed)
	items := make(chan *pointItem)
	close(items)
	var out bytes.Buffer
	o := newPointRecords(&out, []string{"c", "s"}, 0, items)
	o.session(s)
	s, ctl, far, client, server = nil, nil, nil, nil, nil
	got := 0
	for try := 0; try < 50 && got < 2; try++ {
		runtime.GC()
		select {
		case <-freed:
			got++
		case <-time.After(20 * time.Millisecond):
		}
	}
	if got < 2 {
		t.Fatalf("the merged session written is still held (%d of its 2 views collected)", got)
	}
	// Tied still: the records of a session the point's analysis split
	// (its session record after the merged one was written).
	it := &pointItem{session: true, id: 2, client: ap("10.0.0.2:4000"), srvAddr: ap("10.0.0.1:21"), start: t0.Add(2 * time.Second),
		data: map[int]heldData{1: {client: ap("10.0.0.2:5000"), server: ap("10.0.0.1:40000"), firstSYN: t0.Add(time.Second)}},
		recs: []heldRecord{{line: []byte(`{"type":"finding","code":"data-unanswered","session":2,"data":1,"observer":"c"}` + "\n"), data: 1, code: "data-unanswered"}}}
	o.place(it)
	if !strings.Contains(out.String(), `"vantage_path":{"session":1,"data":1,"where":"syn-ack-lost"}`) || !strings.Contains(out.String(), `"superseded":"the receiver answered these SYNs`) {
		t.Errorf("a later session's finding not tied to the merged session written:\n%s", out.String())
	}
	runtime.KeepAlive(o)
}
