package track

import "time"

// A capture given as several files (a rotation: tcpdump -C or -G) is read
// as one, and the time between one file's last packet and the next one's
// first is, as far as the packets show, time that passed. When a file of
// the rotation is missing, that time was not captured: a SYN at the end
// of one file whose answer was in the missing one read as unanswered, an
// announcement whose SYN was there as not attempted, with a firewall
// blamed. The caller, which knows the files' spans, tells the tracker of
// each such time (InputBreak); a wait cut by one is undetermined, as one
// the capture's end cuts. (track/vantage takes the time between a point's
// files as not capturing in the same way: Span.Breaks.)

// captureBreak is a time between two input files: the capture's packets
// stopped after after and resumed at before.
type captureBreak struct{ after, before time.Time }

// maxBreaks bounds the breaks kept: only the recent ones can cut a wait
// still open (one older than the longest wait is forgotten). Past it the
// oldest is forgotten sooner (Limits.InputBreaksNotKept): a wait it cut
// is then judged as if the capture had looked (unanswered, not
// attempted), not undetermined.
const maxBreaks = 16

// InputBreak tells the tracker that the next input file starts at before
// and the files read so far ended at after: the capture did not look in
// between. It is called between the files, before the next one's
// packets. A time no longer than Options.EvidenceWait is taken as the
// rotation's own (the next file starts at the next packet, and a quiet
// moment looks the same): a SYN nobody answered is sent again within it,
// so the capture shows it. A longer one cuts the waits that had not yet
// seen EvidenceWait of packet time when it began (cutByBreak).
func (t *Tracker) InputBreak(after, before time.Time) {
	if after.IsZero() || before.Sub(after) <= t.opts.EvidenceWait {
		return
	}
	// Forget those no wait open now can have begun before.
	n := 0
	for _, b := range t.breaks {
		if before.Sub(b.before) <= t.clock.keep {
			t.breaks[n] = b
			n++
		}
	}
	t.breaks = t.breaks[:n]
	if len(t.breaks) == maxBreaks {
		t.breaks = append(t.breaks[:0], t.breaks[1:]...)
		t.limits.InputBreaksNotKept++
	}
	t.breaks = append(t.breaks, captureBreak{after: after, before: before})
}

// cutByBreak tells whether a break between input files cut dc's wait for
// an answer (or for a SYN): it began less than EvidenceWait after dc's
// first SYN (or its announcement, without one), and no SYN of dc came
// after it. It returns how long after that start the capture stopped.
func (t *Tracker) cutByBreak(dc *DataConn) (time.Duration, bool) {
	since := dc.FirstSYN
	if dc.SYNs == 0 {
		since = dc.Armed
	}
	for _, b := range t.breaks {
		if since.After(b.after) || waitsAfterEnd(dc) && b.after.After(dc.Session.End) {
			// (One waiting past its session's end is judged as at that
			// end: afterend.go.)
			continue
		}
		if d := b.after.Sub(since); d < t.opts.EvidenceWait && (dc.SYNs == 0 || !dc.LastSYN.After(b.after)) {
			return d, true
		}
	}
	return 0, false
}

// InBreak tells, of an undetermined outcome, that it is so because the
// capture stopped looking between two of its input files
// CaptureEndedAfter after the first SYN (or the announcement): a file of
// the capture missing, not the capture's end.
func (dc *DataConn) InBreak() bool { return dc.inBreak }
