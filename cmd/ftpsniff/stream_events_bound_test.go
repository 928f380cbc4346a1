package main

import (
	"bufio"
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestStreamBoundsEventsPerSession: `live`'s text output prints at most
// the transcript's 1,000 events of a session, as `read` does; past them
// it says so once in the session, counts the rest at the session's end
// and in the summary's note. Before, a scan of a session's passive port
// printed a data-stray line per SYN without end (1,612 for one session in
// 200 s), and the notes said nothing was left out.
func TestStreamBoundsEventsPerSession(t *testing.T) {
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	out := newStreamOutput(bw, newPalette(false), false)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &track.Session{ID: 7, Start: t0, End: t0.Add(time.Minute),
		Client: netip.MustParseAddrPort("192.0.2.1:50000"), Server: netip.MustParseAddrPort("192.0.2.10:21")}
	other := &track.Session{ID: 8, Start: t0, End: t0, Client: netip.MustParseAddrPort("192.0.2.2:50000"), Server: s.Server}
	out.SessionStart(s)
	out.SessionStart(other)
	const extra = 612
	for i := range streamEventsPerSession + extra {
		out.Event(s, &track.Event{Kind: track.EventDataStray, TS: t0.Add(time.Duration(i) * time.Millisecond), Text: "connection from 198.51.100.9:4000"})
	}
	out.Event(other, &track.Event{Kind: track.EventDataStray, TS: t0, Text: "connection from 198.51.100.10:4000"})
	out.SessionEnd(s)
	out.SessionEnd(other)
	out.Summary(totals{})
	bw.Flush()
	text := buf.String()
	if n := strings.Count(text, "[7]") - strings.Count(text, "[7] session") - strings.Count(text, "[7] end:"); n != streamEventsPerSession+2 {
		t.Errorf("session 7: %d event lines, want %d and two notes", n, streamEventsPerSession+2)
	}
	if n := strings.Count(text, "not shown from here"); n != 1 {
		t.Errorf("said %d times that events are not shown, want once", n)
	}
	for _, want := range []string{
		"[8]    +0.000 !! data-stray: connection from 198.51.100.10:4000",
		"[7]   (612 more events not shown: transcript limit)",
		"612 session events left out of transcripts",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text[max(0, len(text)-2000):])
		}
	}
	if len(out.events) != 0 {
		t.Errorf("%d sessions' counts kept after their end", len(out.events))
	}
}
