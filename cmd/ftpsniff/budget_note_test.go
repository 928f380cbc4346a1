package main

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestBudgetCutNoteSaysWhatTheBoundCost: the summary's note names every
// reply, argument and command the byte bounds on all open sessions cut
// or gave up, and the bytes not kept; nothing when they cost nothing.
func TestBudgetCutNoteSaysWhatTheBoundCost(t *testing.T) {
	for _, tc := range []struct {
		lim  track.Limits
		want []string
	}{
		{track.Limits{}, nil},
		{track.Limits{PendingOverflow: 3, RepliesOmitted: 2}, nil}, // (the per-session bounds' own notes)
		{track.Limits{RepliesCut: 1, BytesCut: 900}, []string{"1 reply kept as its first line (at most 256 bytes), 900 bytes not kept", "16 MiB"}},
		{track.Limits{RepliesCut: 2, RepliesBudget: 5, ArgsCut: 7, BytesCut: 12345},
			[]string{"2 replies kept as their first line", "5 preliminary replies not kept (past 4 of their command)", "7 command arguments kept as their first 128 bytes", "12345 bytes not kept"}},
	} {
		got := budgetCutNote(tc.lim)
		if (got == "") != (tc.want == nil) {
			t.Errorf("%+v: note %q", tc.lim, got)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%+v: note %q lacks %q", tc.lim, got, w)
			}
		}
	}
}
