package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// Another control port of the failing server's host is not "another
// server" to the client's firewall: its active data connections come
// from the same address and source port. And the failing server's own
// earlier connection to the client from the same source port that got
// through shows its side let them out then: something changed since,
// the client's firewall most likely (rev-day's active-elsewhere.pcap:
// active-ftplib-port, control-port-2121, active-client-firewall, the
// same hosts five minutes apart). Only another host, or another source
// port, is a server the client's firewall may let in while it keeps
// this one out.
func TestActiveBlockedSameHostIsNotAnotherServer(t *testing.T) {
	const (
		cli  = "10.99.0.2"
		s21  = "10.99.0.1:21"
		s212 = "10.99.0.1:2121"
		far  = "10.99.0.9:21"
	)
	type conn struct {
		srv    string
		sport  uint16
		ok     bool
		timing [2]time.Duration
	}
	ok := func(srv string, sport uint16) conn { return conn{srv, sport, true, timedAtServer} }
	fail := func(sport uint16) conn { return conn{s21, sport, false, [2]time.Duration{}} }
	const (
		otherServer = "got an active data connection through from another server of this capture"
		serverSide  = "change nothing on the client"
		earlier     = "This server's active data connections to this client got through before"
	)
	for _, tc := range []struct {
		name  string
		conns []conn // of client cli; the last is the failing one, of s21
		// in the failing connection's active-blocked finding (message
		// and advice), and in s21's verdict.
		find, findNot       []string
		verdict, verdictNot []string
	}{
		{"the same server earlier, then another control port of its host (active-elsewhere)",
			[]conn{ok(s21, 20), ok(s212, 20), fail(20)},
			[]string{earlier + ": at 03:04:05 UTC (session 1, data #1), from the same source port 20: the server's side let them out then, so something changed since, or the client at this address is another host behind a NAT: the client's side (its firewall, or its NAT's FTP helper) is the likely place", "let the connection in on the client"},
			[]string{otherServer, serverSide, "either this server's side blocks them"},
			[]string{"got through before they failed, the latest at 03:04:05 UTC (session 1, data #1), from the same source port", "the client's side (its firewall, or its NAT's FTP helper) is the likely place"},
			[]string{"other servers", "look at both"}},
		{"another control port of the same host only, same source port: read alone",
			[]conn{ok(s212, 20), fail(20)},
			[]string{"let the connection in on the client"},
			[]string{otherServer, serverSide, earlier},
			nil,
			[]string{"other servers", "look at both", "got through before"}},
		{"another control port of the same host from another source port: a server the client's firewall tells apart",
			[]conn{ok(s212, 2120), fail(20)},
			[]string{otherServer + " (10.99.0.1:2121)", serverSide},
			[]string{earlier},
			[]string{"that client got active data connections through from other servers", "look at both"},
			nil},
		{"another host",
			[]conn{ok(far, 20), fail(20)},
			[]string{otherServer + " (10.99.0.9:21)", serverSide},
			[]string{earlier},
			[]string{"that client got active data connections through from other servers"},
			nil},
		{"the same server earlier and another host: the server let them out before, the other host proves nothing more",
			[]conn{ok(far, 20), ok(s21, 20), fail(20)},
			[]string{earlier + ": at 03:04:05 UTC (session 2, data #1)", "let the connection in on the client"},
			[]string{otherServer, serverSide},
			[]string{"got through before they failed"},
			nil},
		{"the same server earlier from another source port: nothing proven of this one",
			[]conn{ok(s21, 20), fail(40123)},
			nil,
			[]string{earlier, otherServer, serverSide},
			nil,
			[]string{"got through before", "other servers"}},
		{"the same server earlier, both from unprivileged ports",
			[]conn{ok(s21, 50001), fail(50002)},
			[]string{earlier + ": at 03:04:05 UTC (session 1, data #1), from an unprivileged source port (50001), as these: the server's side let them out then"},
			[]string{otherServer, serverSide},
			[]string{"got through before they failed"},
			nil},
		{"capture at the client, another control port of the same host only: no rule lets some servers in",
			[]conn{{s212, 20, true, timedAtClient}, fail(20)},
			nil,
			[]string{"lets in some servers' connections only", serverSide, earlier},
			nil,
			[]string{"other servers"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ss := make([]*track.Session, 0, len(tc.conns))
			for i, c := range tc.conns {
				ss = append(ss, activeConnSession(i+1, cli, c.srv, c.sport, c.ok, c.timing))
			}
			// Every session at t0 and its own ms: session i's data
			// connection is tried at 100*i ms (activeConnSession).
			c, d := feed(policy.Policy{}, ss...)
			fs := c.all(CodeActiveBlocked)
			if len(fs) != 1 || fs[0].Session.Server != ap(s21) {
				t.Fatalf("active-blocked findings: %d, want 1 of %s", len(fs), s21)
			}
			f := fs[0]
			text := f.Message + "\n" + f.Advice
			for _, w := range tc.find {
				if !strings.Contains(text, w) {
					t.Errorf("finding lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tc.findNot {
				if strings.Contains(text, w) {
					t.Errorf("finding has %q:\n%s", w, text)
				}
			}
			sum := serverSummary(t, d, s21)
			for _, w := range tc.verdict {
				if !strings.Contains(sum.Verdict, w) {
					t.Errorf("verdict lacks %q:\n%s", w, sum.Verdict)
				}
			}
			for _, w := range tc.verdictNot {
				if strings.Contains(sum.Verdict, w) {
					t.Errorf("verdict has %q:\n%s", w, sum.Verdict)
				}
			}
		})
	}
}

// Clients that take active data connections from another control port
// of the failing server's host, from the same source port, show nothing
// of their own side: the verdict does not put the block on the server's
// side for them (it did, with a rule for the server's egress, when any
// other control port counted as another server).
func TestActiveServerSideNotFromSameHost(t *testing.T) {
	const s21, s212 = "10.99.0.1:21", "10.99.0.1:2121"
	var ss []*track.Session
	id := 1
	for _, cli := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
		ss = append(ss, activeConnSession(id, cli, s212, 20, true, timedAtServer))
		id++
	}
	for _, cli := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
		ss = append(ss, activeConnSession(id, cli, s21, 20, false, [2]time.Duration{}))
		id++
	}
	_, d := feed(policy.Policy{}, ss...)
	sum := serverSummary(t, d, s21)
	for _, w := range []string{"the block is on this server's side", "other servers"} {
		if strings.Contains(sum.Verdict, w) {
			t.Errorf("verdict has %q:\n%s", w, sum.Verdict)
		}
	}
	if r := strings.Join(sum.Rules, "\n"); strings.Contains(r, "--sport 20") {
		t.Errorf("rules let port 20 out on the server's side:\n%s", r)
	}
	// Another host's clients, the same shape: the server's side.
	ss = ss[:0]
	id = 1
	for _, cli := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
		ss = append(ss, activeConnSession(id, cli, "10.99.0.9:21", 20, true, timedAtServer))
		id++
	}
	for _, cli := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
		ss = append(ss, activeConnSession(id, cli, s21, 20, false, [2]time.Duration{}))
		id++
	}
	_, d = feed(policy.Policy{}, ss...)
	if sum := serverSummary(t, d, s21); !strings.Contains(sum.Verdict, "the block is on this server's side") {
		t.Errorf("another host's clients: verdict lacks the server's side:\n%s", sum.Verdict)
	}
}
