package diagnose

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// refusal is one refused control connection of one SYN from cli to
// 10.0.0.51:21 at at.
type refusal struct {
	cli string
	at  time.Duration
}

// burst is n refusals from distinct addresses of net (net.1 on), every
// apart, the first at from.
func burst(net string, n int, from, every time.Duration) []refusal {
	var rs []refusal
	for i := range n {
		rs = append(rs, refusal{fmt.Sprintf("%s.%d", net, i+1), from + time.Duration(i)*every})
	}
	return rs
}

const sweepSrv = "10.0.0.51:21"

// feedRefusals diagnoses rs on d and returns the errors and infos of
// control-refused, and the server's summary.
func feedRefusals(t *testing.T, d *Diagnoser, c *collect, rs []refusal) (errs, infos int, sum ServerSummary) {
	t.Helper()
	for i, r := range rs {
		at := t0.Add(r.at)
		s := failedConnect(i+1, fmt.Sprintf("%s:%d", r.cli, 40000+i), sweepSrv,
			decode.ConnectFailure{How: decode.ConnectRefused, SYNs: 1, AnswerNum: uint64(2*i + 2), AnswerTS: at.Add(time.Millisecond), Refusals: 1, LastSYN: at})
		s.Start, s.End = at, at.Add(time.Millisecond)
		d.SessionStart(s)
		d.SessionEnd(s)
	}
	for _, f := range c.all(CodeControlRefused) {
		switch f.Severity {
		case SeverityError:
			errs++
		case SeverityInfo:
			infos++
		}
	}
	return errs, infos, serverSummary(t, d, sweepSrv)
}

// scanVerdict tells whether sum reads as a scan's: the scan verdict, no
// rule that opens the port.
func scanVerdict(sum ServerSummary) (scan, openRule bool) {
	return strings.Contains(sum.Verdict, "a port scan looks like this"),
		strings.Contains(strings.Join(sum.Rules, "\n"), "tcp dport 21 ct state new accept")
}

// TestControlSweepAgesOut guards control-refused after a sweep of the
// port: the sweep never ended, so a real outage hours after a scan (one
// SYN per client, none retrying, as curl or a cron job's ftplib does)
// was all info, and the verdict a scan's with no rule. A sweep needs its
// sweepClients addresses within sweepSpan, and ends after sweepGap with
// no refusal: a new burst starts with errors.
func TestControlSweepAgesOut(t *testing.T) {
	scan := burst("198.51.100", 10, 0, 50*time.Millisecond)
	for _, tc := range []struct {
		name         string
		rs           []refusal
		errs, infos  int
		scanExpected bool
	}{
		{"a scan alone", scan, 7, 3, true},
		{"an outage 20 h after a scan, clients 2 min apart", append(scan, burst("10.20.0", 30, 20*time.Hour, 2*time.Minute)...), 37, 3, false},
		{"7 one-shot clients an hour after a scan, 10 s apart", append(scan, burst("10.20.0", 7, time.Hour, 10*time.Second)...), 14, 3, false},
		{"two scans a day apart", append(scan, burst("203.0.113", 10, 24*time.Hour, time.Second)...), 14, 6, true},
		{"one-shot clients 2 min apart, no scan", burst("10.20.0", 12, 0, 2*time.Minute), 12, 0, false},
		{"one-shot clients 5 s apart, no pause", burst("10.20.0", 12, 0, 5*time.Second), 7, 5, true},
		{"one-shot clients 10 s apart: 8 take more than sweepSpan", burst("10.20.0", 12, 0, 10*time.Second), 12, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &collect{}
			d := New(policy.Policy{}, nil, c)
			errs, infos, sum := feedRefusals(t, d, c, tc.rs)
			if errs != tc.errs || infos != tc.infos {
				t.Errorf("%d errors, %d info; want %d, %d", errs, infos, tc.errs, tc.infos)
			}
			if s, rule := scanVerdict(sum); s != tc.scanExpected || rule == tc.scanExpected {
				t.Errorf("scan verdict %v, open rule %v; want %v, %v\nverdict: %s\nrules: %q", s, rule, tc.scanExpected, !tc.scanExpected, sum.Verdict, sum.Rules)
			}
			if tc.name == "two scans a day apart" && !strings.Contains(sum.Verdict, "refused 20 connection attempts from 20 addresses over 2 bursts, each burst's counted apart (one may come back in a later burst), one SYN each and none sent again within its burst") {
				t.Errorf("verdict does not count the two bursts: %s", sum.Verdict)
			}
		})
	}
}

// TestControlSweepAddressBackIsError guards a refused address that comes
// back after the sweep showed: a monitor's check every minute of a server
// that is down counted as one more probe each time, info, and the
// verdict said "one SYN each and none sent again". A second connection
// from an address already refused in the sweep is no probe: an error,
// and the verdict is the usual one, with the rule.
func TestControlSweepAddressBackIsError(t *testing.T) {
	rs := burst("10.1.0", 8, 0, 2*time.Second)
	for k := range 10 {
		rs = append(rs, refusal{"10.9.9.9", time.Minute * time.Duration(k+1)})
	}
	c := &collect{}
	d := New(policy.Policy{}, nil, c)
	errs, infos, sum := feedRefusals(t, d, c, rs)
	// The 8th address shows the sweep; the monitor's first check is one
	// more probe, its 9 others errors.
	if errs != 16 || infos != 2 {
		t.Errorf("%d errors, %d info; want 16, 2", errs, infos)
	}
	if s, rule := scanVerdict(sum); s || !rule {
		t.Errorf("scan verdict %v, open rule %v; want false, true\nverdict: %s", s, rule, sum.Verdict)
	}
}

// spokeAddr is the i-th of the client addresses the spoke tests open.
func spokeAddr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, byte(100 + i>>16), byte(i >> 8), byte(i)})
}

// TestControlSweepAfterSpokeBoundFilled guards a sweep judged in a
// capture of weeks: once maxSpokeClients client addresses had opened
// control connections, the set of them stayed full, and every later
// refusal of an address not in it was taken for no probe: after 8,300
// clients over 21 days, ten addresses each sending one SYN to a port
// nothing listens on were ten errors, the verdict "the FTP server does
// not listen" with rules that open port 21. The set follows what is
// recent: the maxSpokeClients latest are kept, the least recently
// opened beyond forgotten and counted.
func TestControlSweepAfterSpokeBoundFilled(t *testing.T) {
	c := &collect{}
	d := New(policy.Policy{}, nil, c)
	for i := range maxSpokeClients + 300 {
		d.capture.spoke.add(spokeAddr(i))
	}
	errs, infos, sum := feedRefusals(t, d, c, burst("10.200.0", 10, 0, time.Second))
	if errs != 7 || infos != 3 {
		t.Errorf("%d errors, %d info; want 7, 3", errs, infos)
	}
	if s, rule := scanVerdict(sum); !s || rule {
		t.Errorf("scan verdict %v, open rule %v; want true, false\nverdict: %s", s, rule, sum.Verdict)
	}
	for i := range maxSpokeClients + 300 {
		if !d.capture.spoke.has(spokeAddr(i)) {
			t.Fatalf("client %d forgotten: the latest %d and those of the generation before are kept", i, maxSpokeClients)
		}
	}
	if n := d.Omitted().SweepClientsForgotten; n != 0 {
		t.Errorf("Omitted().SweepClientsForgotten = %d, want 0", n)
	}
}

// TestControlSweepSpokeForgetsLeastRecent: once more than the kept
// clients opened after them, the least recently opened are forgotten
// (counted), and one of them refused later is a new address, a sweep's
// probe like any; a client that opened again since is kept, and its
// refusal is no probe.
func TestControlSweepSpokeForgetsLeastRecent(t *testing.T) {
	// One generation of maxSpokeClients; the next begins, and the first
	// ten of the first open again; it fills, and one more forgets the
	// rest of the first.
	open := func(d *Diagnoser) {
		for i := range maxSpokeClients + 1 {
			d.capture.spoke.add(spokeAddr(i))
		}
		for i := range 10 {
			d.capture.spoke.add(spokeAddr(i))
		}
		for i := maxSpokeClients + 1; i <= 2*maxSpokeClients-10; i++ {
			d.capture.spoke.add(spokeAddr(i))
		}
	}
	var forgotten, recent []refusal
	for i := range 10 {
		forgotten = append(forgotten, refusal{spokeAddr(100 + i).String(), time.Duration(i) * time.Second})
	}
	for i, a := range []int{0, 1, 2, 3, 4, maxSpokeClients, maxSpokeClients + 1, maxSpokeClients + 2, 2*maxSpokeClients - 11, 2*maxSpokeClients - 10} {
		recent = append(recent, refusal{spokeAddr(a).String(), time.Duration(i) * time.Second})
	}
	for _, tc := range []struct {
		name        string
		rs          []refusal
		errs, infos int
		scan        bool
	}{
		{"addresses forgotten long ago", forgotten, 7, 3, true},
		{"addresses that opened recently", recent, 10, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &collect{}
			d := New(policy.Policy{}, nil, c)
			open(d)
			if n := d.Omitted().SweepClientsForgotten; n != maxSpokeClients-10 {
				t.Errorf("Omitted().SweepClientsForgotten = %d, want %d", n, maxSpokeClients-10)
			}
			errs, infos, sum := feedRefusals(t, d, c, tc.rs)
			if errs != tc.errs || infos != tc.infos {
				t.Errorf("%d errors, %d info; want %d, %d", errs, infos, tc.errs, tc.infos)
			}
			if s, rule := scanVerdict(sum); s != tc.scan || rule == tc.scan {
				t.Errorf("scan verdict %v, open rule %v; want %v, %v\nverdict: %s", s, rule, tc.scan, !tc.scan, sum.Verdict)
			}
			for _, f := range c.all(CodeControlRefused) {
				if f.Severity == SeverityInfo && !strings.Contains(f.Message, fmt.Sprintf("none of which was among the %d or more client addresses that most recently opened an FTP session", maxSpokeClients)) {
					t.Errorf("the probe's finding claims more than the capture remembers: %s", f.Message)
				}
			}
		})
	}
}

// TestControlSweepFullRunLetsGo guards a sweep's address memory across
// runs: the addresses of a run whose sweep showed were kept for good, so
// after one scan from more than maxSweepAddrs addresses the map stayed
// full, no later run could tell a repeated address, and a real outage's
// clients retrying every 5 s three hours later read as probes (7 errors
// and the rest info, the verdict a scan's). A run that ends lets its
// addresses go.
func TestControlSweepFullRunLetsGo(t *testing.T) {
	rs := append(burst("198.51.100", 150, 0, 50*time.Millisecond), burst("198.51.101", 150, 150*50*time.Millisecond, 50*time.Millisecond)...)
	for round := range 24 {
		for i := range 3 {
			rs = append(rs, refusal{fmt.Sprintf("10.20.0.%d", i+1), 3*time.Hour + time.Duration(round)*5*time.Second + time.Duration(i)*time.Second})
		}
	}
	c := &collect{}
	d := New(policy.Policy{}, nil, c)
	errs, infos, sum := feedRefusals(t, d, c, rs)
	if errs != 7+72 || infos != 293 {
		t.Errorf("%d errors, %d info; want %d, %d", errs, infos, 7+72, 293)
	}
	if scan, open := scanVerdict(sum); scan || !open {
		t.Errorf("verdict %q (rules %q): want the outage's, with the rule", sum.Verdict, sum.Rules)
	}
}
