package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// droppingWorkers is pcapWorkers whose sockets' kernel counters say they
// dropped drops packets.
type droppingWorkers struct {
	*pcapWorkers
	drops atomic.Uint64
}

func (f *droppingWorkers) Stats() ([]capture.IfaceStats, error) {
	return []capture.IfaceStats{{Name: "eth0", Drops: f.drops.Load()}}, nil
}

// TestLiveKernelDropsReachDiagnosis guards live's kernel drops on their
// way to the findings. A live capture whose ring overflowed reported the
// absences it caused as the network's (an endpoint never used: "the SYNs
// were dropped before this capture point"; SYNs with no answer: an error
// and firewall rules), and said the drops once, in a line never updated
// past its first count. pasv-drop.pcap holds both findings; run through
// live's workers with a socket that dropped 1234 packets over the
// capture's time (987 read by a housekeeping second before the first
// packet, 247 more at the end), the diagnosis is told
// (liveNotes.dropWindow): the findings say the capture dropped packets
// then, no error is left and no rule, and stderr says the drops as they
// were read, the end's too (liveNotes.final), with the total. With no
// drops, the findings stand as they are.
func TestLiveKernelDropsReachDiagnosis(t *testing.T) {
	file := viewRealDir + "pasv-drop.pcap"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Skipf("%s absent", file)
	}
	for _, drops := range []uint64{0, 1234} {
		f := &droppingWorkers{pcapWorkers: newPcapWorkers(t, data, 2)}
		first, last := f.pkts[0].ci.Timestamp, f.pkts[len(f.pkts)-1].ci.Timestamp
		opts := workerOpts(t, "")
		opts.JSON = true
		var out, stderr bytes.Buffer
		lines := newLiveOutputFor(&opts.analysisOptions, &out, &stderr, nil)
		r := newLiveWorkers(opts, f, 2, lines)
		r.lines = lines
		// The readings' clock: the capture's start, then its end (the
		// drops came over the whole capture).
		read := 0
		r.notes.clock = func() time.Time {
			read++
			if read == 1 {
				return first
			}
			return last
		}
		// A housekeeping second that reads most of the drops before the
		// first packet is analysed; the rest are read at the end.
		r.notes.startDrops()
		f.drops.Store(drops * 4 / 5)
		r.second()
		f.drops.Store(drops)
		runUntilDelivered(t, f.pcapWorkers, r)
		got := out.String()
		if drops == 0 {
			if !strings.Contains(got, `"code":"data-unanswered","severity":"error"`) || !strings.Contains(got, `"code":"data-not-attempted","severity":"warning"`) {
				t.Fatalf("without drops, not the findings the test hedges:\n%s", got)
			}
			if strings.Contains(got, "capture point dropped") || stderr.Len() > 0 {
				t.Errorf("hedged with no drops:\n%s\nstderr %q", got, stderr.String())
			}
			continue
		}
		for _, want := range []string{
			`"code":"data-unanswered","severity":"warning"`, `"code":"data-not-attempted","severity":"info"`,
			"This capture point dropped 1234 packets at that time", "this capture point dropped packets (1234 in all)",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("no %q in:\n%s", want, got)
			}
		}
		for _, bad := range []string{`"severity":"error"`, "nft ", "pasv_min_port", "before this capture point", `"rules"`} {
			if strings.Contains(got, bad) {
				t.Errorf("%q though the capture dropped packets then:\n%s", bad, got)
			}
		}
		if e := stderr.String(); !strings.Contains(e, "the kernel dropped 987 packets since the start (987 in all") ||
			!strings.Contains(e, "the kernel dropped 247 more packets since the line") || !strings.Contains(e, "(1234 in all") {
			t.Errorf("stderr does not say the drops: %q", stderr.String())
		}
	}
}

// TestLiveNotesReadDrops guards the one reading of the kernel's drop
// counters that live's loop and its workers both make each housekeeping
// second and at the end (liveNotes.readDrops): a rise reaches the
// diagnosis as the window since the last reading, summed over the
// sockets; no rise, or counters that could not be read, tell nothing and
// leave the window's start where it was; only the end returns the line
// for the drops no line said yet.
func TestLiveNotesReadDrops(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	errStats := errors.New("no stats")
	steps := []struct {
		name  string
		sec   int      // the reading's time
		drops []uint64 // per socket
		err   error
		end   bool
		want  *diagnose.DropWindow
		line  string // in the line returned ("": none)
	}{
		{name: "no drops", sec: 1, drops: []uint64{0, 0}},
		{name: "a rise over two sockets", sec: 2, drops: []uint64{3, 4},
			want: &diagnose.DropWindow{From: at(1), To: at(2), Packets: 7}},
		{name: "no rise", sec: 3, drops: []uint64{3, 4}},
		{name: "unreadable", sec: 4, drops: []uint64{9, 9}, err: errStats},
		{name: "a rise after an unreadable second", sec: 5, drops: []uint64{5, 4},
			want: &diagnose.DropWindow{From: at(3), To: at(5), Packets: 2}},
		{name: "unreadable at the end", sec: 6, drops: []uint64{50, 50}, err: errStats, end: true},
		{name: "the end", sec: 7, drops: []uint64{5, 10}, end: true,
			want: &diagnose.DropWindow{From: at(5), To: at(7), Packets: 6}, line: "the kernel dropped 15 packets since the start (15 in all"},
	}
	n := liveNotes{}
	var now time.Time
	n.clock = func() time.Time { return now }
	now = at(0)
	n.startDrops()
	for _, s := range steps {
		now = at(s.sec)
		ks := make([]capture.IfaceStats, len(s.drops))
		for i, d := range s.drops {
			ks[i] = capture.IfaceStats{Name: fmt.Sprintf("eth%d", i), Drops: d}
		}
		var told []diagnose.DropWindow
		lines := n.readDrops(ks, s.err, func(w diagnose.DropWindow) { told = append(told, w) }, s.end)
		switch {
		case s.want == nil && len(told) > 0:
			t.Errorf("%s: told %+v, want nothing", s.name, told)
		case s.want != nil && (len(told) != 1 || told[0] != *s.want):
			t.Errorf("%s: told %+v, want %+v", s.name, told, *s.want)
		}
		switch {
		case s.line == "" && len(lines) > 0:
			t.Errorf("%s: said %q, want nothing", s.name, lines)
		case s.line != "" && (len(lines) != 1 || !strings.Contains(lines[0], s.line)):
			t.Errorf("%s: said %q, want %q", s.name, lines, s.line)
		}
	}
}
