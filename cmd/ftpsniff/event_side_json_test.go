package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestJSONEventSideAndCopies: the event kinds about one side's bytes say
// which side (`from`), as docs/json.md gives it, and undelivered and
// delivered-late write the copies sent again as `resent`, not as `bytes`
// (a count of copies read as a byte count). Before, `from` was written
// for gap and junk only, and the copies as "bytes".
func TestJSONEventSideAndCopies(t *testing.T) {
	ts := time.Date(2026, 12, 2, 19, 34, 28, 0, time.UTC)
	for _, tc := range []struct {
		ev           track.Event
		from         string
		bytes, resnt int
	}{
		{track.Event{Kind: track.EventUndelivered, FromClient: false, Bytes: 3, Text: "the server sent …"}, "server", 0, 3},
		{track.Event{Kind: track.EventDeliveredLate, FromClient: true, Bytes: 4, Text: "the server acknowledged at last …"}, "client", 0, 4},
		{track.Event{Kind: track.EventConflict, FromClient: true, Text: "packets 7 and 9 differ"}, "client", 0, 0},
		{track.Event{Kind: track.EventGap, FromClient: false, Bytes: 1200}, "server", 1200, 0},
		{track.Event{Kind: track.EventUnsolicited, Code: 421, Text: "Timeout."}, "", 0, 0},
	} {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		o := newJSONOutput(w, false)
		ev := tc.ev
		ev.TS, ev.Num = ts, 37
		o.Event(&track.Session{ID: 1}, &ev)
		if err := o.Flush(); err != nil {
			t.Fatal(err)
		}
		var r struct {
			From   string `json:"from"`
			Bytes  int    `json:"bytes"`
			Resent int    `json:"resent"`
		}
		if err := json.Unmarshal(b.Bytes(), &r); err != nil {
			t.Fatalf("%v: %s", err, b.String())
		}
		if r.From != tc.from || r.Bytes != tc.bytes || r.Resent != tc.resnt {
			t.Errorf("%s: from %q bytes %d resent %d, want %q %d %d: %s", ev.Kind, r.From, r.Bytes, r.Resent, tc.from, tc.bytes, tc.resnt, b.String())
		}
	}
}
