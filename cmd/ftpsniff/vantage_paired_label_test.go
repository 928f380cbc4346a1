package main

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/track/vantage"
)

// TestVantagePairedLabelSaysWhichPointsNumbersPaired guards the label of
// a session whose halves either side of a box randomising ISNs were each
// paired by their sequence numbers and joined by their lines: it read
// "paired by its commands and replies", as if lines had paired every
// point.
func TestVantagePairedLabelSaysWhichPointsNumbersPaired(t *testing.T) {
	rep := &vantage.Report{Points: []string{"client", "r1pub", "r1priv", "server"}}
	views := []*vantage.Control{{}, {}, {}, {}}
	for _, tc := range []struct {
		name   string
		groups [][]int
		want   string
	}{
		{"lines alone", nil,
			`paired by its commands and replies (the sequence numbers differ between the points, or a point missed the SYN)`},
		{"two halves", [][]int{{3, 2}, {1, 0}},
			`paired by its sequence numbers at "client" and "r1pub", and at "r1priv" and "server"; across them by its commands and replies (the sequence numbers differ there: a box in between changes them, or a point missed the SYN)`},
		{"one half and a point", [][]int{{0, 1, 2}},
			`paired by its sequence numbers at "client", "r1pub" and "r1priv"; "server" joined by its commands and replies (the sequence numbers differ there: a box in between changes them, or a point missed the SYN)`},
	} {
		s := &vantage.Session{Views: views, Order: []int{0, 1, 2, 3}, PairedBy: "payload", ISNGroups: tc.groups}
		if got := pairedByText(rep, s); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}
