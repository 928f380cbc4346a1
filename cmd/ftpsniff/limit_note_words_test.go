package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// busyTotals are the counts of a capture whose tables filled: the note
// line of 1,169 characters a reviewer measured on 12,000 concurrent
// sessions held these.
func busyTotals() totals {
	return totals{
		Decode:    decode.Stats{ControlConnsFull: 5922, ControlEvicted: 1390, SilentEvicted: 4532, FarAhead: 20},
		Diagnosis: diagnose.Omitted{SweepClientsForgotten: 7},
	}
}

// TestSummaryNoteLineWrapped: the summary's note line was one line of
// over a thousand characters on a busy capture, against the README's
// "sentences are wrapped". Every line is within the width, and no word of
// the note is lost to the wrapping.
func TestSummaryNoteLineWrapped(t *testing.T) {
	for _, view := range []textView{viewFull, viewSummary} {
		var buf bytes.Buffer
		o := newTextOutput(bufio.NewWriter(&buf), newPalette(false), false)
		o.view = view
		o.Summary(busyTotals())
		o.Flush()
		out := buf.String()
		if !strings.Contains(out, "  note: 5922 control connections taken into a full table") {
			t.Fatalf("view %d: no note line:\n%s", view, out)
		}
		for _, l := range strings.Split(out, "\n") {
			if columns(l) > defaultWidth {
				t.Errorf("view %d: a line of %d columns:\n%s", view, columns(l), l)
			}
		}
		flat := unwrapped(out)
		for _, w := range append(readingNotes(busyTotals(), false, 0), diagnosisNotes(busyTotals().Diagnosis)...) {
			if !strings.Contains(flat, w) {
				t.Errorf("view %d: %q lost:\n%s", view, w, out)
			}
		}
	}
}

// TestReportLimitsInWords: the report listed its limits hit by JSON
// counter name ("control_conns_full 5922"), which says neither what was
// counted nor what it cost; it says them as the text summary does.
func TestReportLimitsInWords(t *testing.T) {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	r := newReportOutput("x.html", 10, false, nil, nil)
	r.writeTotals(w, busyTotals())
	w.Flush()
	page := b.String()
	for _, want := range []string{
		"5922 control connections taken into a full table, each evicting one",
		"1390 sessions ended early to make room (&#34;evicted&#34;)",
		"7 client addresses whose control connections opened",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("%q not in the report:\n%s", want, page)
		}
	}
	for _, name := range []string{"control_conns_full", "named as in the JSON"} {
		if strings.Contains(page, name) {
			t.Errorf("the report still names %q:\n%s", name, page)
		}
	}
}

// unwrapped joins wrapped lines back into one (each run of white space
// one space), for tests that look for a sentence of a wrapped note.
func unwrapped(s string) string { return strings.Join(strings.Fields(s), " ") }
