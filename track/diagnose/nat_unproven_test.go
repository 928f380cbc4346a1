package diagnose

import (
	"strings"
	"testing"
)

// TestNATMismatchUnprovenIsNoError guards the passive nat-mismatch of a
// capture on the server's side where a client from another private
// network reached the control connection at the server's own address,
// the 227 announces that same address, and no data connection to it is
// in the capture (a capture that started late, or lost the 227 of the
// transfer that worked: helper-split-227-server.pcap cut by skipn20 or
// nopasvreply). Nothing on the wire shows a NAT between them, so the
// finding that says "if a NAT sits between them" is at most a warning,
// and the verdict says the address is unreachable only on that
// condition. A
// public client at the server's private address still proves a NAT.
func TestNATMismatchUnprovenIsNoError(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cli     string
		maxSev  Severity
		verdict string // in the verdict: its condition
	}{
		{"private client on another network, no SYN", "10.99.1.2:57104", SeverityWarning, "if a NAT sits between them, 10.99.2.2 is an address clients cannot reach"},
		{"public client, no SYN: a NAT is proven", "198.51.100.7:57104", SeverityError, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, tc.cli, "10.99.2.2:21")
			w.reply(220, "ftpserver.py (scripted lab server)")
			w.cmd("USER anonymous")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS guest@")
			w.reply(230, "Login successful.")
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (010,099,002,002,175,201).")
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			f := w.c.find(CodeNATMismatch)
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatal("no nat-mismatch")
			}
			if f.Severity > tc.maxSev {
				t.Errorf("nat-mismatch %s, want at most %s: %s", f.Severity, tc.maxSev, f.Message)
			}
			if tc.maxSev == SeverityError && f.Severity != SeverityError {
				t.Errorf("nat-mismatch %s, want error: %s", f.Severity, f.Message)
			}
			sums := w.d.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries", len(sums))
			}
			if !strings.Contains(sums[0].Verdict, tc.verdict) {
				t.Errorf("verdict lacks %q: %s", tc.verdict, sums[0].Verdict)
			}
		})
	}
}
