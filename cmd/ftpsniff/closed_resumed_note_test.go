package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestClosedResumedNoteNamesALostRST: a connection picked up again after
// an RST at its sender's own TTL may have been closed by a real RST lost
// beyond the capture point (a client's abort the server never got): the
// note says so, and says only "forged or injected" when no such RST is
// among them.
func TestClosedResumedNoteNamesALostRST(t *testing.T) {
	cases := []struct {
		name   string
		st     decode.Stats
		want   string
		unwant string
	}{
		{"an RST at its sender's TTL", decode.Stats{ClosedResumed: 1, ClosedResumedOwnTTL: 1, RSTNotTaken: 1},
			"(forged, injected or lost on the way)", "(forged or injected)"},
		{"FINs or an injected RST only", decode.Stats{ClosedResumed: 2, RSTNotTaken: 1, RSTNotTakenTTL: 1},
			"(forged or injected)", "lost on the way"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			bw := bufio.NewWriter(&out)
			o := newTextOutput(bw, newPalette(false), false)
			o.Summary(totals{Decode: tc.st})
			if err := o.Flush(); err != nil {
				t.Fatal(err)
			}
			got := strings.Join(strings.Fields(out.String()), " ")
			if !strings.Contains(got, "whose later bytes went on in sequence where they stood, from a side that shows the close was not taken "+tc.want) || strings.Contains(got, tc.unwant) {
				t.Errorf("summary lacks %q (or has %q):\n%s", tc.want, tc.unwant, out.String())
			}
		})
	}
}
