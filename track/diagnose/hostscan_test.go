package diagnose

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// probe is one never-opened control connection from cli to srv at at.
type probe struct {
	cli, srv string
	at       time.Duration
	how      decode.ConnectHow
	syns     int
}

// hostSweep is n probes from cli to distinct servers 10.50.0.1:21 on,
// every apart, the first at from, each answered by how.
func hostSweep(cli string, n int, from, every time.Duration, how decode.ConnectHow) []probe {
	var ps []probe
	for i := range n {
		ps = append(ps, probe{cli, fmt.Sprintf("10.50.%d.%d:21", i/250, i%250+1), from + time.Duration(i)*every, how, 1})
	}
	return ps
}

// feedProbe diagnoses probe p, the i-th of a test (session i+1), on d.
func feedProbe(d *Diagnoser, i int, p probe) {
	at := t0.Add(p.at)
	f := decode.ConnectFailure{How: p.how, SYNs: p.syns, LastSYN: at}
	if p.how == decode.ConnectRefused {
		f.AnswerNum, f.AnswerTS, f.Refusals = uint64(2*i+2), at.Add(time.Millisecond), 1
	}
	s := failedConnect(i+1, fmt.Sprintf("%s:%d", p.cli, 40000+i), p.srv, f)
	s.Start, s.End = at, at.Add(time.Millisecond)
	d.SessionStart(s)
	d.SessionEnd(s)
}

// refusedCounts counts the control-refused findings c collected, errors
// and the others.
func refusedCounts(c *collect) (errs, infos int) {
	for _, f := range c.all(CodeControlRefused) {
		if f.Severity == SeverityError {
			errs++
		} else {
			infos++
		}
	}
	return errs, infos
}

// TestHostScanProbesAreInfo guards the findings of a scan of many hosts:
// one address sending one SYN to port 21 of 1,100 addresses each drew
// 1,100 control-refused errors, and each server's verdict a rule opening
// port 21. From the run's sweepClients-th server within a minute on, each
// further probe is info, and a server that saw only such probes gets no
// rule; what a real client or a monitor does (SYNs sent again, a server
// tried again, servers that opened, probes minutes apart) stays an error.
func TestHostScanProbesAreInfo(t *testing.T) {
	refused, unanswered := decode.ConnectRefused, decode.ConnectUnanswered
	for _, tc := range []struct {
		name        string
		ps          []probe
		errs, infos int
	}{
		{"a scan, refused", hostSweep("203.0.113.5", 40, 0, 10*time.Millisecond, refused), 7, 33},
		{"a scan, unanswered", hostSweep("203.0.113.5", 40, 0, 10*time.Millisecond, unanswered), 7, 33},
		{"a client sending its SYN again to each", func() []probe {
			ps := hostSweep("203.0.113.5", 12, 0, time.Second, refused)
			for i := range ps {
				ps[i].syns = 3
			}
			return ps
		}(), 12, 0},
		{"probes 10 s apart: 8 take more than a minute", hostSweep("203.0.113.5", 12, 0, 10*time.Second, refused), 12, 0},
		{"a monitor's second round tries the same servers", append(hostSweep("192.0.2.9", 8, 0, time.Second, refused), hostSweep("192.0.2.9", 8, time.Minute, time.Second, refused)...), 15, 1},
		{"a monitor checking 10 servers every 5 minutes, 12 rounds", func() []probe {
			var ps []probe
			for r := range 12 {
				ps = append(ps, hostSweep("10.1.0.9", 10, time.Duration(r)*5*time.Minute, 100*time.Millisecond, refused)...)
			}
			return ps
		}(), 117, 3},
		{"probes 100 s apart, the clock set back an hour after the 7th", func() []probe {
			ps := hostSweep("203.0.113.5", 16, 0, 100*time.Second, refused)
			for i := 7; i < len(ps); i++ {
				ps[i].at -= time.Hour
			}
			return ps
		}(), 16, 0},
		{"two scans an hour apart", append(hostSweep("203.0.113.5", 10, 0, time.Second, refused), hostSweep("203.0.113.5", 10, time.Hour, time.Second, refused)...), 14, 6},
		{"many clients, one probe each", func() []probe {
			var ps []probe
			for i := range 12 {
				ps = append(ps, probe{fmt.Sprintf("198.51.100.%d", i+1), fmt.Sprintf("10.50.0.%d:21", i+1), time.Duration(i) * time.Second, refused, 1})
			}
			return ps
		}(), 12, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &collect{}
			d := New(policy.Policy{}, nil, c)
			for i, p := range tc.ps {
				feedProbe(d, i, p)
			}
			var errs, infos int
			for _, f := range append(c.all(CodeControlRefused), c.all(CodeControlUnanswered)...) {
				switch f.Severity {
				case SeverityError:
					errs++
				case SeverityInfo:
					infos++
					if !strings.Contains(f.Message, "a scan of many hosts from") {
						t.Errorf("info without the scan's reading: %s", f.Message)
					}
				}
			}
			if errs != tc.errs || infos != tc.infos {
				t.Errorf("%d errors, %d info; want %d, %d", errs, infos, tc.errs, tc.infos)
			}
			// Every server with only scan probes: the scan's verdict and
			// no rule that opens the port; the others keep theirs.
			for _, sum := range d.Summaries() {
				scan := strings.Contains(sum.Verdict, "a scan of many hosts looks like this")
				open := strings.Contains(strings.Join(sum.Rules, "\n"), "tcp dport 21 ct state new accept")
				if scan == open {
					t.Errorf("%s: scan verdict %v, open rule %v\nverdict: %s", sum.Server, scan, open, sum.Verdict)
				}
			}
		})
	}
}

// TestHostScansBounded guards the bound of clients followed for a scan of
// many hosts: past maxHostScanners live runs a new client is not
// followed, counted, and its failures stay errors; runs idle for longer
// than sweepGap make room again.
func TestHostScansBounded(t *testing.T) {
	c := &collect{}
	d := New(policy.Policy{}, nil, c)
	n := 0
	feed := func(cli string, at time.Duration) {
		n++
		a := t0.Add(at)
		s := failedConnect(n, cli+":40000", fmt.Sprintf("10.60.%d.%d:21", n/250, n%250+1),
			decode.ConnectFailure{How: decode.ConnectRefused, SYNs: 1, AnswerNum: uint64(n), AnswerTS: a, Refusals: 1, LastSYN: a})
		s.Start, s.End = a, a.Add(time.Millisecond)
		d.SessionStart(s)
		d.SessionEnd(s)
	}
	for i := range maxHostScanners + 3 {
		feed(fmt.Sprintf("198.51.%d.%d", i/250, i%250+1), time.Duration(i)*time.Millisecond)
	}
	if got := d.Omitted().HostScanClientsNotFollowed; got != 3 {
		t.Errorf("HostScanClientsNotFollowed %d, want 3", got)
	}
	// Three minutes on, every run is over: a new scanner is followed.
	for i := range sweepClients + 2 {
		feed("203.0.113.77", 3*time.Minute+time.Duration(i)*time.Millisecond)
	}
	if got := d.Omitted().HostScanClientsNotFollowed; got != 3 {
		t.Errorf("HostScanClientsNotFollowed %d after the runs ended, want 3", got)
	}
	infos := 0
	for _, f := range c.all(CodeControlRefused) {
		if f.Severity == SeverityInfo {
			infos++
		}
	}
	if infos != 3 {
		t.Errorf("%d info, want 3 (the new scanner's probes from its %dth on)", infos, sweepClients)
	}
	if len(d.capture.scans.runs) > maxHostScanners {
		t.Errorf("%d runs followed, bound %d", len(d.capture.scans.runs), maxHostScanners)
	}
}

// TestHostScanNotAClientThatLoggedIn guards a job host pushing to many
// servers: it logged in at one between its refusals by the others, so
// those are errors, not a scanner's probes.
func TestHostScanNotAClientThatLoggedIn(t *testing.T) {
	c := &collect{}
	d := New(policy.Policy{}, nil, c)
	for i, p := range hostSweep("192.0.2.77", 20, 0, 100*time.Millisecond, decode.ConnectRefused) {
		if i == 1 {
			d.capture.scans.loggedIn(ap("192.0.2.77:1").Addr()) // between its pushes
		}
		feedProbe(d, i, p)
	}
	for _, f := range c.all(CodeControlRefused) {
		if f.Severity != SeverityError {
			t.Errorf("session %d: %s, want an error: %s", f.Session.ID, f.Severity, f.Message)
		}
	}
}

// TestHostScanFindsAListeningHost guards a scan that reached one host
// whose port 21 listens and read its greeting (nmap -sV, a banner
// grabber): that opened control connection does not make the scanner a
// user, and the rest of its probes stay info (they turned to errors with
// "accept port 21" from the open host on).
func TestHostScanFindsAListeningHost(t *testing.T) {
	c := &collect{}
	d := New(policy.Policy{}, nil, c)
	d.capture.spoke.add(ap("203.0.113.5:1").Addr()) // the greeting it read
	for i, p := range hostSweep("203.0.113.5", 40, 0, 10*time.Millisecond, decode.ConnectRefused) {
		feedProbe(d, i, p)
	}
	errs, infos := refusedCounts(c)
	if errs != 7 || infos != 33 {
		t.Errorf("%d errors, %d info; want 7, 33", errs, infos)
	}
}

// TestHostScanAnonymousLoginMidScan guards a scan whose script logs in
// anonymously at a host that listens (nmap's ftp-anon): a named user's
// login makes the client a user of FTP servers, an anonymous one does
// not, and the rest of the scan stays info (it turned to errors with
// "accept port 21" from that host on).
func TestHostScanAnonymousLoginMidScan(t *testing.T) {
	for _, tc := range []struct {
		user        string
		errs, infos int
	}{
		{"anonymous", 7, 33},
		{"alice", 40, 0},
	} {
		c := &collect{}
		d := New(policy.Policy{}, nil, c)
		for i, p := range hostSweep("203.0.113.5", 40, 0, 10*time.Millisecond, decode.ConnectRefused) {
			if i == 1 {
				login := &track.Session{ID: 1000, Client: ap("203.0.113.5:50000"), Server: ap("10.60.0.1:21"), User: tc.user, Start: t0.Add(p.at)}
				d.loginSuccess(login, &track.Command{Verb: "PASS", Status: track.StatusAnswered, Replies: []track.Reply{{Code: 230, TS: t0.Add(p.at)}}})
			}
			feedProbe(d, i, p)
		}
		errs, infos := refusedCounts(c)
		if errs != tc.errs || infos != tc.infos {
			t.Errorf("login as %s mid-scan: %d errors, %d info; want %d, %d", tc.user, errs, infos, tc.errs, tc.infos)
		}
	}
}
