package main

import (
	"fmt"
	"reflect"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// liveNotes says in live's stream, between the records, what the records
// themselves cannot show as it happens: a table's bound hit for the first
// time (afterwards each eviction shows only as its session's end, and the
// count in the summary and the metrics), and kernel drops, at most once
// per dropsEvery seconds with the count since the last such line (a full
// ring loses packets silently: sessions and transfers of that time read
// incomplete). Checked from the once-a-second housekeeping.
//
// It also turns the kernel's drop counters, as each housekeeping second
// reads them, into the windows the diagnosis is told
// (dropWindow: diagnose.DropWindow), and at the end says the drops no
// line said yet (final).
type liveNotes struct {
	hit       map[string]bool // bounds said
	dropsSaid uint64          // the kernel drops at the last line
	since     int             // seconds since the last drops line
	saidDrops bool
	// dropsAt, drops: the time of the last reading of the counters and
	// what they added up to then (dropWindow). clock reads the time: nil
	// is time.Now, the clock the kernel stamps the packets with
	// (CLOCK_REALTIME), so that a window and the packets' times compare.
	dropsAt time.Time
	drops   uint64
	clock   func() time.Time
}

// dropsEvery bounds the kernel-drops lines: one per minute at most.
const dropsEvery = 60

// streamBounds are the bounds said when first hit, by their JSON name in
// the summary, with what was lost and what it costs. The decode ones are
// decode.Stats fields, the track ones track.Limits fields.
var streamBounds = []struct {
	stage, name, what string
}{
	{"decode", "control_conns_full", fmt.Sprintf("the control-connection table was full (%d connections): each new one evicts the one idle longest; an evicted session ends \"evicted\" and its later commands and replies may be shown mid-stream or nowhere", decode.DefaultMaxControlConns)},
	{"decode", "candidates_full", "the table of connections on other ports checked for FTP was full: new ones are not checked, an FTP session on a non-standard port among them is not seen"},
	{"decode", "fragments_full", "the IP fragment bound was reached and the reassembly emptied: packets whose fragments were held are lost"},
	{"decode", "tombstones_forgotten", "the ring of closed control connections was full: late bytes of one forgotten may start an extra session"},
	{"decode", "control_holes_given_up", "out-of-order control bytes past the buffer bound: a hole in a control stream was given up early, its commands or replies may be missing"},
	{"decode", "lines_truncated", "a control line longer than the line bound was cut (--max-line)"},
	{"track", "sessions_dropped", "the session table was full: new sessions are not followed (nothing is reported of them)"},
	{"track", "data_dropped", "the data-connection table was full: new data connections are not followed (their transfers show no outcome)"},
	{"track", "data_session_full", "a session had the most data connections not yet reported: more of its data connections are not followed"},
	{"track", "expectations_evicted", "the table of announced data endpoints was full: the oldest announcement was evicted, its data connection is not matched"},
	{"track", "pending_overflow", "a session had too many commands waiting for a reply: the oldest were given up (shown without reply)"},
}

// check returns the lines to say for snap (nil: nothing new).
func (n *liveNotes) check(snap snapshot) []string {
	var out []string
	if n.hit == nil {
		n.hit = map[string]bool{}
	}
	values := map[string]reflect.Value{"decode": reflect.ValueOf(snap.Decode), "track": reflect.ValueOf(snap.Limits)}
	for _, b := range streamBounds {
		key := b.stage + " " + b.name
		if n.hit[key] {
			continue
		}
		v := values[b.stage]
		for _, f := range jsonFields(v.Type()) {
			if f.name == b.name && fieldValue(v.Field(f.index)) > 0 {
				n.hit[key] = true
				out = append(out, fmt.Sprintf("bound hit for the first time (%s %s): %s; counted in the summary and the metrics (ftpsniff_limit_hits_total), not said again", b.stage, b.name, b.what))
			}
		}
	}
	drops := kernelDrops(snap.Kernel)
	n.since++
	if drops > n.dropsSaid && (!n.saidDrops || n.since >= dropsEvery) {
		from := "since the start"
		if n.saidDrops {
			from = fmt.Sprintf("in the last %d s", n.since)
		}
		out = append(out, fmt.Sprintf("the kernel dropped %d packet%s %s (%d in all; its ring was full): sessions and transfers of that time may read incomplete or lost; --buffer-size, --workers, a narrower filter", drops-n.dropsSaid, plural(int(drops-n.dropsSaid)), from, drops))
		n.dropsSaid, n.since, n.saidDrops = drops, 0, true
	}
	return out
}

// now is the time of a reading of the counters (n.clock).
func (n *liveNotes) now() time.Time {
	if n.clock != nil {
		return n.clock()
	}
	return time.Now().Round(0) // (the wall clock only: packets carry no monotonic reading)
}

// startDrops marks the start of the capture: the first window starts
// there (unless a reading came before).
func (n *liveNotes) startDrops() {
	if n.dropsAt.IsZero() {
		n.dropsAt = n.now()
	}
}

// dropWindow reads the kernel's counters ks (summed over the sockets: the
// diagnosis hedges every session alike, whichever worker's socket lost
// them) and returns the window since the last reading when they rose:
// the packets lost arrived between the two readings. Called from the
// housekeeping second and once at the end, before the analysis finishes.
func (n *liveNotes) dropWindow(ks []capture.IfaceStats) (diagnose.DropWindow, bool) {
	at := n.now()
	if n.dropsAt.IsZero() {
		n.dropsAt = at
	}
	drops := kernelDrops(ks)
	w := diagnose.DropWindow{From: n.dropsAt, To: at}
	rose := drops > n.drops
	if rose {
		w.Packets = drops - n.drops
	}
	n.dropsAt, n.drops = at, max(drops, n.drops)
	return w, rose
}

// readDrops is a reading of the kernel's counters ks (err: they could
// not be read, and nothing is done), by the housekeeping second or, with
// end, once at the end of the capture: the drops since the last reading
// reach the diagnosis through told (Diagnoser.CaptureDropped) as a window
// (dropWindow), before the findings of what they may have taken; at the
// end it returns the line for the drops no line said yet (final).
func (n *liveNotes) readDrops(ks []capture.IfaceStats, err error, told func(diagnose.DropWindow), end bool) []string {
	if err != nil {
		return nil
	}
	if w, ok := n.dropWindow(ks); ok {
		told(w)
	}
	if !end {
		return nil
	}
	return n.final(ks)
}

// final returns the line for the drops since the last drops line (nil:
// none), at the end of the capture: the once-a-minute lines would leave
// the count of the last minute unsaid, and a capture shorter than a
// minute with its first line only.
func (n *liveNotes) final(ks []capture.IfaceStats) []string {
	drops := kernelDrops(ks)
	if drops <= n.dropsSaid {
		return nil
	}
	more, from := "", "since the start"
	if n.saidDrops {
		more, from = " more", fmt.Sprintf("since the line %d s ago", n.since)
	}
	line := fmt.Sprintf("the kernel dropped %d%s packet%s %s (%d in all; its ring was full): sessions and transfers of that time may read incomplete or lost, and the findings that rest on a packet missing then say so; --buffer-size, --workers, a narrower filter",
		drops-n.dropsSaid, more, plural(int(drops-n.dropsSaid)), from, drops)
	n.dropsSaid, n.since, n.saidDrops = drops, 0, true
	return []string{line}
}

// kernelDrops is the packets the sockets' rings dropped, over all of ks.
func kernelDrops(ks []capture.IfaceStats) uint64 {
	var drops uint64
	for _, k := range ks {
		drops += k.Drops
	}
	return drops
}
