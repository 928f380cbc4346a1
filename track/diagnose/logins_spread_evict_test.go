package diagnose

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestSpreadUserReportedOnceWhenItsSlotIsReused guards the per-server
// bound of user names followed for guessing spread over addresses
// (maxSpreadUsers): with nine names failing, a name whose warning was
// given lost its slot to the ninth, was followed anew, and got "Reported
// once for this user" a second time; and the slot lost was counted
// nowhere. A reported name is remembered past its slot, and a name
// pushed out with failures in the window is counted (Omitted).
func TestSpreadUserReportedOnceWhenItsSlotIsReused(t *testing.T) {
	const srv = "192.0.2.10:21"
	var evs []loginEvent
	n := 0
	fail := func(user string, k int) {
		for range k {
			evs = append(evs, loginEvent{fmt.Sprintf("10.%d.%d.%d:40000", n>>16&255, n>>8&255, n&255), srv, user, fmt.Sprintf("guess%d", n), false, float64(n) * 0.5})
			n++
		}
	}
	fail("victim0", spreadFailures) // reported
	for u := 1; u < maxSpreadUsers; u++ {
		fail(fmt.Sprintf("victim%d", u), spreadFailures+5) // each more than victim0
	}
	fail("victim8", 1)                // pushes victim0 out
	fail("victim0", spreadFailures+1) // back: pushes victim8 out, followed anew
	c, d := feed(policy.Policy{}, loginSessions(evs)...)
	per := map[string]int{}
	for _, f := range c.fs {
		if f.Code == CodeLoginAttack && strings.Contains(f.Message, "spread over many addresses") {
			per[strings.Split(f.Message, `"`)[1]]++
		}
	}
	if per["victim0"] != 1 {
		t.Errorf("victim0 reported %d times, want once", per["victim0"])
	}
	for u, k := range per {
		if k > 1 {
			t.Errorf("%s reported %d times", u, k)
		}
	}
	if got := d.Omitted().LoginSpreadUsersForgotten; got != 2 {
		t.Errorf("Omitted().LoginSpreadUsersForgotten = %d, want 2 (victim0, then victim8)", got)
	}
}

// TestSpreadSketchRemembersBounded: the names remembered past their
// slots stay within maxSpreadGone per server, the oldest out first.
func TestSpreadSketchRemembersBounded(t *testing.T) {
	var k spreadSketch
	ts := at(0)
	for u := range uint64(maxSpreadUsers + 3*maxSpreadGone) {
		s, _, _ := k.add(u+1, 7, false, ts)
		s.reported = true
	}
	if len(k.gone) != maxSpreadGone {
		t.Fatalf("%d names remembered, want %d", len(k.gone), maxSpreadGone)
	}
	if k.gone[0].user == 1 {
		t.Error("the oldest name stayed past the bound")
	}
}
