package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestPassiveFailuresThatStoppedSayWhen: a server whose passive data
// connections failed for a while (a firewall that lost its rule, a
// `live` left running for weeks) and then worked on the same ports, for
// the same kind of client, again and again to the capture's end got the
// present-tense verdict "are dropped … open that range" and its open
// rules as the current fix, however long ago the last failure was. The
// verdict now says when they failed and what worked since, and hedges
// the open rules ("if they fail again"), only when every failed port
// worked after the latest failure and the clean run after it is long
// enough (minRecovered, and runFactor·B/(F-1) of the band of B tries holding F
// failures); a failure that goes on, a port that never worked again,
// clients never seen to get through, or a run too short keep the
// verdict as it was.
func TestPassiveFailuresThatStoppedSayWhen(t *testing.T) {
	const srv = "203.0.113.10:21"
	cli := func(i int) string { return fmt.Sprintf("198.51.100.%d", 1+i%200) }
	// run: n successes after ms, of clients from first, every port in
	// turn from 40000 to 40009 (so every failed port below 40010 comes
	// back), one a minute.
	run := func(n, ms, first int) []pasvTry {
		var l []pasvTry
		for i := range n {
			l = append(l, pasvTry{cli(first + i), 40000 + i%10, true, ms + 60000*i})
		}
		return l
	}
	cat := func(parts ...[]pasvTry) []pasvTry {
		var l []pasvTry
		for _, p := range parts {
			l = append(l, p...)
		}
		return l
	}
	fail := func(client, port, ms int) []pasvTry { return []pasvTry{{cli(client), port, false, ms}} }
	present := "passive data connections are dropped between client and server on "
	past := "passive data connections were dropped between client and server on "
	tests := []struct {
		name  string
		p     policy.Policy
		tries []pasvTry
		want  []string
		never []string
		// stopped: the change lines open with "# not needed now".
		stopped bool
	}{
		{"one failure, then a long clean run on the same port and client", policy.Policy{},
			cat(fail(0, 40000, 1000), run(30, 100000, 0)),
			[]string{past + "port 40000: once, at 2026-01-02 03:04:06 UTC, and not since: 30 passive data connections worked after it",
				"3 of them on the port that failed", "not a current problem", "if they fail again on port 40000: the server's passive range is not known here"},
			[]string{present}, true},
		{"the same with the passive range known", rangePolicy(t, "40000-40100"),
			cat(fail(0, 40000, 1000), run(30, 100000, 0)),
			[]string{past + "port 40000", "if they fail again on port 40000: open it with the rest of the passive range 40000-40100"},
			[]string{present}, true},
		{"failures for a while, then a long clean run", policy.Policy{},
			cat(fail(0, 40000, 1000), run(5, 2000, 1), fail(6, 40001, 400000), fail(7, 40002, 500000), run(40, 600000, 0)),
			[]string{past + "ports between 40000 and 40002: 3 times, from 2026-01-02 03:04:06 UTC to 2026-01-02 03:12:25 UTC, and not since: 40 passive data connections worked after the last"},
			[]string{present}, true},
		{"a clean run one short of minRecovered", policy.Policy{},
			cat(fail(0, 40000, 1000), run(minRecovered-1, 100000, 0)),
			[]string{present + "port 40000"}, []string{past, "not a current problem"}, false},
		{"the failure goes on: the latest near the end", policy.Policy{},
			cat(fail(0, 40000, 1000), run(30, 100000, 0), fail(0, 40001, 100000+60000*30)),
			[]string{present + "ports 40000 and 40001"}, []string{past}, false},
		{"a failed port that never works again: the range is partly open", policy.Policy{},
			cat(fail(0, 40050, 1000), run(30, 100000, 0)),
			[]string{present + "port 40050"}, []string{past}, false},
		{"failing clients never get through: their path is not known to work", policy.Policy{},
			cat(fail(199, 40000, 1000), run(30, 100000, 0)),
			[]string{present + "port 40000", "(only client 198.51.100.200 met these failures"}, []string{past}, false},
		// 10 failures among the 91 tries from the first to the last: a
		// fault still there would fail one try in ten (9 of 90), and a
		// clean run after the last must be 71 long (runFactor·B/(F-1) =
		// 70.8): the 9 after the last failure and 55 more are not; 9 and
		// 65 are.
		{"failures spread among successes, a run shorter than runFactor·B/(F-1)", policy.Policy{},
			cat(spread(10, 9), run(55, 10000000, 0)),
			[]string{present}, []string{past}, false},
		{"failures spread among successes, a run longer than runFactor·B/(F-1)", policy.Policy{},
			cat(spread(10, 9), run(65, 10000000, 0)),
			[]string{past + "ports between 40000 and 40009: 10 times"}, []string{present}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := summaryOf(t, pasvDay(tc.p, srv, tc.tries), srv)
			for _, w := range tc.want {
				if !strings.Contains(s.Verdict, w) {
					t.Errorf("verdict lacks %q:\n%s", w, s.Verdict)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(s.Verdict, n) {
					t.Errorf("verdict has %q:\n%s", n, s.Verdict)
				}
			}
			if len(s.Rules) == 0 {
				t.Fatalf("no change lines: the open rules stay, hedged or not")
			}
			if got := strings.HasPrefix(s.Rules[0], "# not needed now"); got != tc.stopped {
				t.Errorf("change lines open with %q, want the hedge: %v", s.Rules[0], tc.stopped)
			}
			if !strings.Contains(strings.Join(s.Rules, "\n"), "nft insert rule inet filter input tcp dport 40000-") {
				t.Errorf("the open rules are gone:\n%s", strings.Join(s.Rules, "\n"))
			}
		})
	}
}

// spread is n failures, each followed by per successes, one try a
// second, on ports 40000 to 40009 in turn, the clients' own ports (a
// failing client gets through too).
func spread(n, per int) []pasvTry {
	var l []pasvTry
	ms := 1000
	for i := range n {
		l = append(l, pasvTry{fmt.Sprintf("198.51.100.%d", 1+i), 40000 + i%10, false, ms})
		ms += 1000
		for j := range per {
			l = append(l, pasvTry{fmt.Sprintf("198.51.100.%d", 1+(i+j)%10), 40000 + (i+j+1)%10, true, ms})
			ms += 1000
		}
	}
	return l
}

// TestStoppedCountsOnlyWhatCameAfterTheLatestFailure: a connection that
// got through is counted after the failures only when it was tried
// after the latest one; one tried before a failure judged later (an
// unanswered connection is judged after its retries) moves into the
// band, and a port's later success counts only if it came after the
// latest failure.
func TestStoppedCountsOnlyWhatCameAfterTheLatestFailure(t *testing.T) {
	c := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}) }
	var ds directionStats
	ds.lost(c(1), kindPublic, 40000, at(1000))
	for i := range minRecovered {
		ds.got(c(1), kindPublic, 40000, at(2000+i))
	}
	if !ds.stopped() {
		t.Fatalf("not stopped after %d successes on the failed port", minRecovered)
	}
	// A second failure, tried after those successes: they are no
	// longer after the latest failure.
	ds.lost(c(2), kindPublic, 40001, at(5000))
	if after, on, band := ds.afterFailures(); after != 0 || on != 0 || band != 2+minRecovered {
		t.Errorf("after %d, on %d, band %d; want 0, 0, %d", after, on, band, 2+minRecovered)
	}
	if ds.stopped() {
		t.Error("stopped with nothing after the latest failure")
	}
	// Successes after it on 40000 only: 40001 has not worked since.
	for i := range runFactor * (2 + minRecovered) {
		ds.got(c(1), kindPublic, 40000, at(6000+i))
	}
	if ds.stopped() {
		t.Error("stopped with port 40001 not worked since its failure")
	}
	ds.got(c(2), kindPublic, 40001, at(9000))
	if !ds.stopped() {
		t.Error("not stopped with every failed port worked since, in a long run")
	}
	// A client of another kind on the failed port proves nothing of the
	// kind that failed there.
	var other directionStats
	other.lost(c(1), kindPublic, 40000, at(1000))
	for i := range 2 * minRecovered {
		other.got(c(1), kindPublic, 40001, at(2000+i))
	}
	other.got(c(3), kindPrivate, 40000, at(3000))
	if other.stopped() {
		t.Error("stopped on another kind of client's success on the failed port")
	}
}
