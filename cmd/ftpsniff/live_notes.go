package main

import (
	"fmt"
	"reflect"

	"github.com/ftpsniff/ftpsniff/decode"
)

// liveNotes says in live's stream, between the records, what the records
// themselves cannot show as it happens: a table's bound hit for the first
// time (afterwards each eviction shows only as its session's end, and the
// count in the summary and the metrics), and kernel drops, at most once
// per dropsEvery seconds with the count since the last such line (a full
// ring loses packets silently: sessions and transfers of that time read
// incomplete). Checked from the once-a-second housekeeping.
type liveNotes struct {
	hit       map[string]bool // bounds said
	dropsSaid uint64          // the kernel drops at the last line
	since     int             // seconds since the last drops line
	saidDrops bool
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
	var drops uint64
	for _, k := range snap.Kernel {
		drops += k.Drops
	}
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
