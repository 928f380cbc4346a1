package diagnose

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// pasvTry is one passive data connection of a session of its own: its
// client, the server port, whether it got through, and when (ms).
type pasvTry struct {
	client string
	port   int
	ok     bool
	ms     int
}

// pasvDay feeds one session per try to server srv, in order.
func pasvDay(p policy.Policy, srv string, tries []pasvTry) *Diagnoser {
	var ss []*track.Session
	host := ap(srv).Addr().String()
	for i, tr := range tries {
		s := sess(tr.client+":50000", srv)
		s.ID = i + 1
		num := uint64(tr.ms)
		dc := announce(s, num, "PASV", ftp.ViaPASV, fmt.Sprintf("%s:%d", host, tr.port), 227, "Entering Passive Mode.")
		if tr.ok {
			syn(dc, tr.client+":40001", fmt.Sprintf("%s:%d", host, tr.port), num+2, 1, 0)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeTransferred
		} else {
			syn(dc, tr.client+":40001", fmt.Sprintf("%s:%d", host, tr.port), num+2, 3, 2*time.Second)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
		}
		ss = append(ss, s)
	}
	_, d := feed(p, ss...)
	return d
}

// TestMinorityNeedsComparableInterleavedClients: "passive data connections of clients … are dropped …:
// the server's passive ports are open to other clients" was said
// whenever the failed ports lay inside the span of every client's
// ports that worked. That span mixed clients the server's firewall
// treats differently (its own network and the internet), hid a hole in
// the firewall's range, ignored a failed port outside the range
// --pasv-range gives, and ignored time (every failure after every
// success: a firewall that lost its rule). The minority verdict now
// needs clients of the same kind, a worked port within nearPorts on
// both sides of each failed one, no failed band, failures among
// successes in time, and no failed port outside a known range;
// otherwise the server-wide verdict stands, with a hedge naming them.
func TestMinorityNeedsComparableInterleavedClients(t *testing.T) {
	const srv = "203.0.113.10:21"
	const lan1, lan2, lan3, lan4 = "203.0.113.21", "203.0.113.22", "203.0.113.23", "203.0.113.24"
	inet := func(i int) string { return fmt.Sprintf("198.51.100.%d", 20+i) }
	// LAN clients work anywhere; internet clients only below 40050.
	lanAndInternet := []pasvTry{
		{lan1, 40012, true, 1000}, {inet(1), 40003, true, 2000}, {inet(2), 40055, false, 3000},
		{lan2, 40060, true, 4000}, {inet(3), 40020, true, 5000}, {inet(4), 40072, false, 6000},
		{lan3, 40085, true, 7000}, {inet(5), 40041, true, 8000}, {inet(6), 40090, false, 9000},
		{lan4, 40095, true, 10000},
	}
	serverWide := "passive data connections are dropped between client and server on "
	minority := "passive data connections of client"
	tests := []struct {
		name      string
		p         policy.Policy
		tries     []pasvTry
		want      []string
		never     []string
		wantRules bool
	}{
		{"LAN and internet clients, range open to the LAN only", policy.Policy{}, lanAndInternet,
			[]string{serverWide + "ports between 40055 and 40090", "(only clients 198.51.100.22, 198.51.100.24 and 198.51.100.26 met these failures"},
			[]string{minority, "not at the server's range"}, true},
		{"the same with the firewall's range given", rangePolicy(t, "40000-40049"), lanAndInternet,
			[]string{serverWide, "outside the range 40000-40049 the firewall allows", "set pasv_min_port/pasv_max_port to 40000-40049"},
			[]string{minority, "not at the server's range"}, true},
		{"a hole in the firewall's range, worked ports on both sides", policy.Policy{}, []pasvTry{
			{inet(1), 40003, true, 1000}, {inet(2), 40044, false, 2000}, {inet(3), 40020, true, 3000},
			{inet(4), 40050, false, 4000}, {inet(5), 40065, true, 5000}, {inet(6), 40058, false, 6000},
			{inet(7), 40080, true, 7000}, {inet(8), 40095, true, 8000}},
			[]string{serverWide, "(only clients"}, []string{minority}, true},
		{"every failure after every success: a firewall reload", policy.Policy{}, []pasvTry{
			{inet(1), 40001, true, 1000}, {inet(2), 40030, true, 2000}, {inet(3), 40060, true, 3000}, {inet(4), 40099, true, 4000},
			{inet(5), 40020, false, 5000}, {inet(6), 40031, false, 6000}, {inet(7), 40090, false, 7000}},
			[]string{serverWide, "a firewall that lost its rule at that moment"}, []string{minority}, true},
		{"internet client failing among LAN clients only", policy.Policy{}, []pasvTry{
			{lan1, 40010, true, 1000}, {inet(1), 40012, false, 2000}, {lan2, 40014, true, 3000}},
			[]string{serverWide + "port 40012", "all of them clients on the server's own network"}, []string{minority}, true},
		{"two failed ports with no worked port between", policy.Policy{}, []pasvTry{
			{inet(1), 40008, true, 1000}, {inet(2), 40010, false, 2000}, {inet(3), 40012, false, 3000}, {inet(4), 40014, true, 4000}},
			[]string{serverWide}, []string{minority}, true},
		// Three failures in a row, each
		// within a few ports of worked ones, with successes before and
		// after but none between: a server-side outage (a firewall
		// reload), not the three clients' path.
		{"three failures in a row, successes only before and after: an outage", policy.Policy{}, []pasvTry{
			{inet(1), 40010, true, 1000}, {inet(2), 40030, true, 2000}, {inet(3), 40050, true, 3000}, {inet(4), 40070, true, 4000},
			{inet(5), 40027, true, 5000}, {inet(6), 40044, true, 6000}, {inet(7), 40066, true, 7000},
			{inet(8), 40033, false, 8000}, {inet(9), 40047, false, 9000}, {inet(10), 40068, false, 10000},
			{inet(11), 40031, true, 11000}, {inet(12), 40035, true, 12000}, {inet(13), 40049, true, 13000},
			{inet(14), 40045, true, 14000}, {inet(15), 40069, true, 15000}, {inet(16), 40064, true, 16000}},
			[]string{serverWide, "none between the first failure and the last"}, []string{minority}, true},
		// A firewall that accepts the corporate 10.0.0.0/8 whole and
		// opens 40000-40049 to the Internet: the corporate clients'
		// successes above 40049 say nothing of the Internet's.
		{"internet clients failing above the range corporate clients get through", policy.Policy{}, []pasvTry{
			{"10.1.2.50", 40052, true, 1000}, {inet(1), 40003, true, 2000}, {"10.2.3.51", 40060, true, 3000},
			{inet(2), 40055, false, 4000}, {"10.1.2.52", 40058, true, 5000}, {inet(3), 40020, true, 6000},
			{"10.2.3.53", 40070, true, 7000}, {inet(4), 40072, false, 8000}, {"10.1.2.54", 40074, true, 9000},
			{inet(5), 40041, true, 10000}, {"10.4.1.8", 40085, true, 10500}, {inet(6), 40088, false, 11000}, {"10.1.2.55", 40090, true, 12000}},
			[]string{serverWide}, []string{minority}, true},
		// The one case the capture does show a client's own: others of
		// its kind got through right next to its port, before and after.
		{"one client among its kind, ports and times interleaved", policy.Policy{}, []pasvTry{
			{inet(1), 40010, true, 1000}, {inet(2), 40013, true, 2000}, {inet(3), 40012, false, 3000},
			{inet(4), 40015, true, 4000}, {inet(5), 40030, true, 5000}},
			[]string{"passive data connections of client 198.51.100.23 are dropped on port 40012", "not at the server's range"},
			[]string{serverWide}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := summaryOf(t, pasvDay(tc.p, srv, tc.tries), srv)
			checkVerdict(t, s.Verdict, tc.want, tc.never)
			if got := len(s.Rules) > 0; got != tc.wantRules {
				t.Errorf("rules %q, want rules: %v", s.Rules, tc.wantRules)
			}
		})
	}
}

// TestMinorityOnBusyServer: one client's passive data connections
// dropped on ports other clients used fine got the server-wide "open
// that range" verdict and rules on a busy server (mix21c: 10,000
// sessions), because past 512 distinct ports that worked the
// minority reading gave up and the server-wide verdict stood on that
// lost evidence. The ports that worked are now all kept; where a bound
// still cuts the evidence (a failing client that may be among the
// hashed clients that got through, failed ports past maxFailedPorts),
// the verdict says so and gives no rule, neither the clients' nor the
// server's.
func TestMinorityOnBusyServer(t *testing.T) {
	const srv = "203.0.113.10:21"
	inet := func(i int) string { return fmt.Sprintf("198.51.%d.%d", 100+i/250, 1+i%250) }
	// busy: n successes, one each 10 ms from client i on port
	// 40000+3i, with the failures fail placed among them.
	busy := func(n int, fail ...pasvTry) []pasvTry {
		var tries []pasvTry
		for i := range n {
			for len(fail) > 0 && fail[0].ms <= 10*i {
				tries, fail = append(tries, fail[0]), fail[1:]
			}
			tries = append(tries, pasvTry{inet(i), 40000 + 3*i, true, 10 * i})
		}
		return tries
	}
	const bad = "192.0.2.99"
	// manyFailed: the failing client's maxFailedPorts+1 failures, each on
	// a port between two that worked, among the successes.
	var manyFailed []pasvTry
	for j := range maxFailedPorts + 1 {
		manyFailed = append(manyFailed, pasvTry{bad, 40000 + 3*(10+5*j) + 1, false, 10*(10+5*j) + 5})
	}
	tests := []struct {
		name      string
		tries     []pasvTry
		want      []string
		never     []string
		wantRules bool
	}{
		{"more ports worked than the list holds", busy(2*maxListedPorts,
			pasvTry{bad, 40000 + 3*300 + 1, false, 3005}, pasvTry{bad, 40000 + 3*700 + 1, false, 7005}),
			[]string{"passive data connections of client 192.0.2.99 are dropped on ports 40901 and 42101", "not at the server's range"},
			[]string{"open that range", "no rule is given"}, false},
		// The failing client got through before its failures, when the
		// list of clients was full: the hashed set says it may have.
		{"the failing client got through past the named clients", busy(100,
			pasvTry{bad, 40031, true, 405}, pasvTry{bad, 40000 + 3*60 + 1, false, 605}, pasvTry{bad, 40000 + 3*80 + 1, false, 805}),
			[]string{"passive data connections of client 192.0.2.99 are dropped", "whether 192.0.2.99 got data connections through before its failures is not known for sure", "no rule is given"},
			[]string{"the server's passive ports are open to other clients", "open that range"}, false},
		{"more failed ports than kept", busy(400, manyFailed...),
			[]string{"passive data connections of client 192.0.2.99 are dropped", "more ports failed than the 64 ftpsniff keeps", "no rule is given"},
			[]string{"open that range", "the server's passive ports are open to other clients"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := summaryOf(t, pasvDay(policy.Policy{}, srv, tc.tries), srv)
			checkVerdict(t, s.Verdict, tc.want, tc.never)
			if got := len(s.Rules) > 0; got != tc.wantRules {
				t.Errorf("rules %q, want rules: %v", s.Rules, tc.wantRules)
			}
		})
	}
}

// TestWorkedPortsExact: the ports that worked are all kept, past the
// list's bound in a bitmap, and a failed port is weighed against its
// neighbours exactly either way.
func TestWorkedPortsExact(t *testing.T) {
	for _, n := range []int{maxListedPorts, maxListedPorts + 1, 3000} {
		var w workedSide
		for i := range n {
			w.add(uint16(1024+4*i), at(i))
		}
		if lo, hi, ok := w.ports.bounds(); !ok || lo != 1024 || int(hi) != 1024+4*(n-1) {
			t.Errorf("%d ports: bounds %d-%d %v", n, lo, hi, ok)
		}
		for _, c := range []struct {
			p    int
			near bool
		}{{1024, true}, {1026, true}, {1023, false}, {1024 + 4*(n-1) + 1, false}, {1024 + 4*(n/2) + 3, true}} {
			if got := w.near(uint16(c.p)); got != c.near {
				t.Errorf("%d ports: near(%d) = %v", n, c.p, got)
			}
		}
		if !w.ports.anyIn(1025, 1028) || w.ports.anyIn(1025, 1027) || w.ports.anyIn(1028+4*n, 65535) {
			t.Errorf("%d ports: anyIn wrong", n)
		}
	}
}

// TestRingLossCutsTheMinority: successes told before the first failure
// was judged, and let go by the ring before it could read them, may lie
// between the failures: with none else between, the reading is cut, not
// "a band of failures" the server-wide verdict would rest on.
func TestRingLossCutsTheMinority(t *testing.T) {
	cli := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}) }
	bad := netip.MustParseAddr("192.0.2.99")
	for _, tc := range []struct {
		name  string
		first []int // ms of the successes told before the first failure
		want  someReading
	}{
		// 6 tried between the failures, then 64 after them: the ring
		// keeps only the 64.
		{"ring let go of successes between", append([]int{1001, 1002, 1003, 1004, 1005, 1006}, seq(3000, 64)...), someCut},
		// The ring holds one between: proven.
		{"ring holds one between", append([]int{1001}, seq(3000, 63)...), someOwn},
		// The ring let go of ones before both failures only: a band.
		{"ring let go of ones before", append(seq(100, 6), seq(3000, 64)...), notSome},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ds directionStats
			for i, ms := range tc.first {
				ds.got(cli(i%250), kindPublic, 0, at(ms))
			}
			ds.lost(bad, kindPublic, 0, at(1000))
			ds.lost(bad, kindPublic, 0, at(2000))
			if got, cut := ds.someClients(false, nil); got != tc.want {
				t.Errorf("reading %d (%q), want %d", got, cut, tc.want)
			}
		})
	}
}

// seq is n times from ms on, 1 ms apart.
func seq(ms, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = ms + i
	}
	return s
}

// TestSuccessBetweenFailures guards the interleaving the minority verdict
// needs: a success strictly between the
// first failure and the last, whether it is known before the failures
// (an unanswered connection is judged only after its retries) or after
// them; failures with successes only before and after are no client's
// own.
func TestSuccessBetweenFailures(t *testing.T) {
	cli := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}) }
	for _, tc := range []struct {
		name  string
		order []pasvTry // ok or failed, at ms, in the order they are told
		want  bool
	}{
		{"success told between", []pasvTry{{"", 1, false, 8000}, {"", 2, true, 9000}, {"", 3, false, 10000}}, true},
		{"success told before the failures", []pasvTry{{"", 2, true, 9000}, {"", 1, false, 8000}, {"", 3, false, 10000}}, true},
		{"success told after the failures", []pasvTry{{"", 1, false, 8000}, {"", 3, false, 10000}, {"", 2, true, 9000}}, true},
		{"successes only before and after", []pasvTry{{"", 2, true, 7000}, {"", 1, false, 8000}, {"", 3, false, 10000}, {"", 4, true, 11000}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ds directionStats
			for i, e := range tc.order {
				if e.ok {
					ds.got(cli(10+i), kindPublic, 0, at(e.ms))
				} else {
					ds.lost(cli(10+i), kindPublic, 0, at(e.ms))
				}
			}
			if ds.between[kindPublic] != tc.want {
				t.Errorf("between = %v, want %v", ds.between[kindPublic], tc.want)
			}
		})
	}
}
