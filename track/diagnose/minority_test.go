package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestMinorityFailureIsTheClientsPath: one client's failed data connections became a server-wide
// verdict the capture contradicts. With --pasv-range 40000-40100 a busy
// day (mix1) said "passive data connections are dropped … on port 40011;
// open it" with nft rules for the range, while other clients' passive
// connections went through ports of the same range on both sides of
// 40011; in active mode (mix4) "let them out on the server" while other
// clients' active connections got out. The verdict names the failing
// client and its path; the server-wide verdict and rules stay where no
// other client got through, or where the failed port lies outside the
// ports that did.
func TestMinorityFailureIsTheClientsPath(t *testing.T) {
	rng := rangePolicy(t, "40000-40100")
	healthy := []part{
		{file: "passive-curl.pcap", rename: routed("10.99.5.1")},
		{file: "passive-ftplib-pasv.pcap", after: 500 * time.Millisecond, rename: routed("10.99.5.2")},
		{file: "passive-lftp.pcap", after: 1200 * time.Millisecond, rename: routed("10.99.5.3")},
		{file: "mirror-vsftpd.pcap.gz", after: 7 * time.Second, rename: routed("10.99.5.8")},
	}
	tests := []struct {
		name    string
		p       policy.Policy
		parts   []part
		verdict []string // substrings
		rules   bool     // server-wide rules expected
	}{
		// The failing client comes after every other client's transfer,
		// and the clients that got through are on the server's own
		// network while it is not: a firewall that lost its rule, or
		// that opens less to other networks, looks the same. The
		// server-wide verdict and rules stand, with a hedge naming it
		// (this case was once "the client's path").
		{"passive: one client among many, after them all", rng,
			append(healthy[:4:4], part{file: "pasv-drop.pcap", after: 220 * time.Second, rename: routed("10.99.6.8")}),
			[]string{"passive data connections are dropped between client and server on port 40011; open it",
				"(only client 10.99.6.8 met these failures, while ",
				"of 4 other clients to this server worked through ports between 40001 and 40096"}, true},
		{"passive: two clients, RST, after them all", policy.Policy{},
			append(healthy[:4:4],
				part{file: "pasv-reject-rst.pcap", after: 220 * time.Second, rename: routed("10.99.6.8")},
				part{file: "pasv-reject-rst.pcap", after: 240 * time.Second, rename: routed("10.99.6.9")}),
			[]string{"passive data connections are refused with RST", "(only clients 10.99.6.8 and 10.99.6.9 met these failures"}, true},
		// The failed port lies below every port that got through: the
		// range may not be open there, so the range verdict stands.
		{"passive: failed port outside what worked", rng,
			[]part{healthy[0], healthy[1], {file: "pasv-drop.pcap", after: 220 * time.Second, rename: routed("10.99.6.8")}},
			[]string{"passive data connections are dropped between client and server on port 40011; open it"}, true},
		// Nobody got through: the server-wide verdict.
		{"passive: alone", rng,
			[]part{{file: "pasv-drop.pcap", rename: routed("10.99.6.8")}},
			[]string{"passive data connections are dropped between client and server on port 40011; open it"}, true},
		// Other clients of its kind got out before and after it: its
		// path's.
		{"active: one client among others", policy.Policy{},
			[]part{
				{file: "active-curl-eprt.pcap", rename: routed("10.99.0.4")},
				{file: "active-ftplib-port.pcap", after: 300 * time.Millisecond, rename: routed("10.99.0.5")},
				{file: "active-client-firewall.pcap", after: 10 * time.Second, rename: routed("10.99.0.9")},
				{file: "active-curl-eprt.pcap", after: 60 * time.Second, rename: routed("10.99.0.6")},
			},
			[]string{"active data connections from the server back to client 10.99.0.9 are blocked",
				"while 3 active data connections of 3 other clients to this server worked", "look at the path to 10.99.0.9"}, true},
		// Its failure came after every other's success: a change on the
		// server's side looks the same.
		{"active: one client after the others", policy.Policy{},
			[]part{
				{file: "active-curl-eprt.pcap", rename: routed("10.99.0.4")},
				{file: "active-ftplib-port.pcap", after: 300 * time.Millisecond, rename: routed("10.99.0.5")},
				{file: "active-client-firewall.pcap", after: 10 * time.Second, rename: routed("10.99.0.9")},
			},
			[]string{"active data connections from the server back to the client are blocked",
				"(only client 10.99.0.9 met these failures", "a firewall that lost its rule at that moment"}, true},
		{"active: alone", policy.Policy{},
			[]part{{file: "active-client-firewall.pcap", rename: routed("10.99.0.9")}},
			[]string{"active data connections from the server back to the client are blocked", "let them out on the server and in on the client"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, diag := runMixture(t, tc.p, tc.parts...)
			s := summaryOf(t, diag, "10.99.0.1:21")
			for _, w := range tc.verdict {
				if !strings.Contains(s.Verdict, w) {
					t.Errorf("verdict lacks %q:\n%s", w, s.Verdict)
				}
			}
			nft := false
			for _, r := range s.Rules {
				nft = nft || strings.Contains(r, "nft")
			}
			if nft != tc.rules {
				t.Errorf("rules %q, want server-wide rules %v\n%s", s.Rules, tc.rules, render(rec, diag))
			}
		})
	}
}

// TestSummaryClientListsBounded: a server with more failing clients than
// a summary names one by one keeps its server-wide verdict (the bound is
// counted, the list does not grow), and more clients that got through are
// counted as "at least".
func TestSummaryClientListsBounded(t *testing.T) {
	const srv = "10.1.1.10:21"
	var ss []*track.Session
	id := 0
	// Each data connection a little later than the one before: the
	// failure sits among successes in time.
	add := func(client string, port int, out track.Outcome) {
		id++
		s := sess(client, srv)
		s.ID = id
		num := uint64(10 * id)
		dc := announce(s, num, "PASV", ftp.ViaPASV, fmt.Sprintf("10.1.1.10:%d", port), 227, "Entering Passive Mode.")
		syn(dc, strings.Replace(client, ":50000", ":40001", 1), fmt.Sprintf("10.1.1.10:%d", port), num+2, 1, 0)
		dc.Match, dc.Outcome = track.MatchExact, out
		ss = append(ss, s)
	}
	for i := range maxSummaryClients + 5 {
		add(fmt.Sprintf("10.1.1.%d:50000", 20+i), 40000+i, track.OutcomeTransferred)
		if i == 20 {
			add("10.1.1.99:50000", 40010, track.OutcomeUnanswered)
		}
	}
	_, d := feed(policy.Policy{}, ss...)
	a := d.servers[netip.MustParseAddrPort(srv)]
	if n := len(a.passiveClients.ok.list); n != maxSummaryClients || a.passiveClients.ok.dropped != 5 {
		t.Errorf("ok list %d (dropped %d), want %d (dropped 5)", n, a.passiveClients.ok.dropped, maxSummaryClients)
	}
	if v := summaryOf(t, d, srv).Verdict; !strings.Contains(v, fmt.Sprintf("of at least %d other clients", maxSummaryClients)) {
		t.Errorf("verdict %q", v)
	}

	ss, id = nil, 0
	add("10.1.1.20:50000", 40000, track.OutcomeTransferred)
	add("10.1.1.21:50000", 40090, track.OutcomeTransferred)
	for i := range maxSummaryClients + 1 {
		add(fmt.Sprintf("10.1.2.%d:50000", 20+i), 40010+i, track.OutcomeUnanswered)
	}
	_, d = feed(policy.Policy{}, ss...)
	a = d.servers[netip.MustParseAddrPort(srv)]
	if n := len(a.passiveClients.failed.list); n != maxSummaryClients || a.passiveClients.failed.dropped != 1 {
		t.Errorf("failed list %d (dropped %d)", n, a.passiveClients.failed.dropped)
	}
	if v := summaryOf(t, d, srv).Verdict; !strings.HasPrefix(v, "passive data connections are dropped between client and server") {
		t.Errorf("more failing clients than the bound: verdict %q", v)
	}
}

// TestFailingClientThatAlsoWorkedKeepsTheRangeVerdict: a client whose
// own passive connections got through on other ports is no proof its path
// is the fault (the EPSV/PASV fallback of epsv-filtered, a range open
// only in part): the range verdict stands.
func TestFailingClientThatAlsoWorkedKeepsTheRangeVerdict(t *testing.T) {
	const srv = "10.1.1.10:21"
	other := sess("10.1.1.30:50000", srv)
	dc := announce(other, 10, "PASV", ftp.ViaPASV, "10.1.1.10:40000", 227, "Entering Passive Mode.")
	syn(dc, "10.1.1.30:40001", "10.1.1.10:40000", 12, 1, 0)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeTransferred
	s := sess("10.1.1.31:50000", srv)
	s.ID = 2
	bad := announce(s, 10, "EPSV", ftp.ViaEPSV, "10.1.1.10:40050", 229, "Entering Extended Passive Mode (|||40050|)")
	syn(bad, "10.1.1.31:40001", "10.1.1.10:40050", 12, 3, 2*time.Second)
	bad.Match, bad.Outcome = track.MatchExact, track.OutcomeUnanswered
	good := announce(s, 3000, "PASV", ftp.ViaPASV, "10.1.1.10:40090", 227, "Entering Passive Mode.")
	syn(good, "10.1.1.31:40002", "10.1.1.10:40090", 3002, 1, 0)
	good.Match, good.Outcome = track.MatchExact, track.OutcomeTransferred
	_, d := feed(policy.Policy{}, other, s)
	if v := summaryOf(t, d, srv).Verdict; !strings.HasPrefix(v, "passive data connections are dropped between client and server on port 40050") {
		t.Errorf("verdict %q", v)
	}
}
