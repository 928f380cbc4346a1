package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestUnusableAddressThatWorkedIsAWarning: a 227 naming 0.0.0.0 (or a
// loopback address) whose client ignored it, connected to the control
// address and transferred is a warning, as any wrong address that worked:
// only clients that trust it fail (a busybox router's ftpd: every transfer
// worked, and two errors made --fail-on error fail on a working server).
// Where the data connection failed it stays an error. The fix names the
// address, so that a session announcing 0.0.0.0 and then 127.0.0.1 is not
// shown the second as "again, as above" (the text output groups findings
// by their fix), and offers no NAT helper, which rewrites only a 227
// naming the server's own address.
func TestUnusableAddressThatWorkedIsAWarning(t *testing.T) {
	for _, tc := range []struct {
		ann, text string
		worked    bool
		severity  Severity
	}{
		{"0.0.0.0:40001", "Entering Passive Mode (0,0,0,0,156,65).", true, SeverityWarning},
		{"127.0.0.1:40001", "Entering Passive Mode (127,0,0,1,156,65).", true, SeverityWarning},
		{"0.0.0.0:40001", "Entering Passive Mode (0,0,0,0,156,65).", false, SeverityError},
	} {
		s := sess("192.168.1.50:56000", "192.168.1.1:21")
		dc := announce(s, 10, "PASV", ftp.ViaPASV, tc.ann, 227, tc.text)
		if tc.worked {
			syn(dc, "192.168.1.50:56002", "192.168.1.1:40001", 12, 1, 0)
			dc.SynAckTS, dc.Match, dc.Outcome = at(13), track.MatchControlAddress, track.OutcomeTransferred
		} else {
			dc.Outcome = track.OutcomeNotAttempted
		}
		c, _ := feed(policy.Policy{}, s)
		addr := strings.Split(tc.ann, ":")[0]
		check(t, c, want{CodeNATMismatch, tc.severity, 1, []string{"announces " + addr, "reach it at, not " + addr + ":", "pasv_address=192.168.1.1"}})
		if f := c.find(CodeNATMismatch); strings.Contains(f.Advice, "attach the FTP helper") {
			t.Errorf("%s: the helper does not rewrite a 227 naming %s:\n%s", tc.ann, addr, f.Advice)
		}
	}
}

// TestNotAttemptedAtUnusableAddressBlamesNoRouter: nobody connected to a
// 227's 0.0.0.0 or 127.0.0.1 endpoint, the server gave up with 425. A
// client that trusts such an address never leaves its own host, and one
// that ignored it, on the server's own network, would have passed the
// capture point: the finding says the address is unusable and where it
// comes from, not that a router or DNAT did not pass the port. On
// another network, a router may still have stopped a client that ignored
// it: that reading stays, after the address.
func TestNotAttemptedAtUnusableAddressBlamesNoRouter(t *testing.T) {
	for _, tc := range []struct {
		client, ann, text string
		router            bool
	}{
		{"192.168.1.50:56200", "0.0.0.0:40026", "Entering Passive Mode (0,0,0,0,156,90).", false},
		{"192.168.1.50:56200", "127.0.0.1:40026", "Entering Passive Mode (127,0,0,1,156,90).", false},
		{"10.9.0.5:56200", "0.0.0.0:40026", "Entering Passive Mode (0,0,0,0,156,90).", true},
	} {
		s := sess(tc.client, "192.168.1.1:21")
		dc := announce(s, 20, "PASV", ftp.ViaPASV, tc.ann, 227, tc.text)
		x := cmd(s, 22, "RETR", "fw.bin", 425, "Failed to establish connection.")
		x.Replies[0].TS = at(22).Add(60 * time.Second)
		dc.Command, x.Transfer = x, []*track.DataConn{dc}
		dc.Outcome = track.OutcomeNotAttempted
		s.CommandCount = len(s.Commands)
		c, _ := feed(policy.Policy{}, s)
		addr := strings.Split(tc.ann, ":")[0]
		check(t, c, want{CodeDataNotAttempted, SeverityWarning, 1, []string{"no client can use " + addr, "no SYN of it left the client", "see nat-mismatch"}})
		f := c.find(CodeDataNotAttempted)
		blames := strings.Contains(f.Message, "did not pass port") || strings.Contains(f.Advice, "forward chain")
		if blames != tc.router {
			t.Errorf("%s from %s: router reading %v, want %v:\n%s\n%s", tc.ann, tc.client, blames, tc.router, f.Message, f.Advice)
		}
		if strings.Contains(f.Message, "does not lead back to this network") {
			t.Errorf("%s: a client that trusts it goes nowhere on the wire:\n%s", tc.ann, f.Message)
		}
	}
}
