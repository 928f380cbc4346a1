package diagnose

import (
	"fmt"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestSpreadGuessingBeyondServerBoundCounted guards what the bound of
// servers followed for guessing spread over addresses (MaxServers)
// costs: the failed logins at a server beyond it are not weighed for
// it, and are counted (Omitted) instead of vanishing without a word.
func TestSpreadGuessingBeyondServerBoundCounted(t *testing.T) {
	var evs []loginEvent
	for i := range MaxServers {
		evs = append(evs, loginEvent{"198.51.100.1:40000", fmt.Sprintf("10.9.%d.%d:21", i>>8, i&255), "bob", "pw", false, float64(i) * 0.001})
	}
	const late = "192.0.2.10:21"
	for i := range spreadFailures {
		evs = append(evs, loginEvent{fmt.Sprintf("10.1.%d.%d:40000", i>>8, i&255), late, "alice", fmt.Sprintf("guess%d", i), false, 2 + float64(i)})
	}
	_, d := feed(policy.Policy{}, loginSessions(evs)...)
	if got := d.Omitted().LoginSpreadNotWeighed; got != spreadFailures {
		t.Errorf("Omitted().LoginSpreadNotWeighed = %d, want %d (the late server's failures)", got, spreadFailures)
	}
}
