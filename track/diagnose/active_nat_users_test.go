package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestActiveEarlierSuccessMayBeAnotherHostBehindNAT guards what an
// earlier active data connection that got through says of a later one
// to the same client address that failed (review rev-diff,
// natactive.pcap: from 203.0.113.5, user alice's active transfer got
// through, ten minutes later user bob's SYNs from port 20 went
// unanswered, and the finding and verdict said only "something changed
// since"). Clients are known by address: another host behind a NAT
// (whose FTP helper let the first host's connection in) looks the same.
// Both readings are said, the client's side the likely place either
// way, and the two sessions' user names when both are known and differ.
func TestActiveEarlierSuccessMayBeAnotherHostBehindNAT(t *testing.T) {
	const (
		cli  = "203.0.113.5"
		srv  = "192.0.2.10:21"
		nat  = "so something changed since, or the client at this address is another host behind a NAT"
		tail = ": the client's side (its firewall, or its NAT's FTP helper) is the likely place"
		old  = "and the client's firewall is the likely place"
	)
	for _, tc := range []struct {
		name         string
		okUser, user string
		want, never  []string // in the finding's message and in the verdict
	}{
		{"different users", "alice", "bob",
			[]string{nat + ` (different users: "alice", "bob")` + tail}, []string{old}},
		{"the same user", "alice", "alice",
			[]string{nat + tail}, []string{"different users", old}},
		{"the failing session's user not known", "alice", "",
			[]string{nat + tail}, []string{"different users", old}},
		{"the earlier session's user not known", "", "bob",
			[]string{nat + tail}, []string{"different users", old}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			okS := activeConnSession(1, cli, srv, 20, true, timedAtServer)
			okS.User = tc.okUser
			failS := activeConnSession(2, cli, srv, 20, false, [2]time.Duration{})
			failS.User = tc.user
			c, d := feed(policy.Policy{}, []*track.Session{okS, failS}...)
			fs := c.all(CodeActiveBlocked)
			if len(fs) != 1 {
				t.Fatalf("active-blocked findings: %d, want 1", len(fs))
			}
			verdict := serverSummary(t, d, srv).Verdict
			for what, text := range map[string]string{"finding": fs[0].Message, "verdict": verdict} {
				for _, w := range tc.want {
					if !strings.Contains(text, w) {
						t.Errorf("%s lacks %q:\n%s", what, w, text)
					}
				}
				for _, n := range tc.never {
					if strings.Contains(text, n) {
						t.Errorf("%s has %q:\n%s", what, n, text)
					}
				}
			}
		})
	}
}
