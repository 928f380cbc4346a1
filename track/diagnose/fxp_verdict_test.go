package diagnose

import (
	"strings"
	"testing"
)

// TestFXPAddressErrorLeadsVerdict guards the verdict of the passive
// server of a server-to-server (FXP) transfer whose address the active
// server could not reach (rev38 fx-fxp2 fxp2-fail-*-lanA.pcap): its
// error nat-mismatch, the cause, was left among "other errors" behind
// "they were server-to-server (FXP) transfers ... see fxp-transfer", as
// if the server had nothing to change. Now the error leads that verdict;
// a hedged warning (both servers private: routed networks or a NAT) and
// a transfer that got through keep the FXP verdict.
func TestFXPAddressErrorLeadsVerdict(t *testing.T) {
	const (
		prvC, prvA, prvB = "10.1.0.5", "10.2.0.9:21", "10.3.0.7:21"
		lanC, pubB       = "10.2.0.5", "192.0.2.7:21"
		lead             = "a server-to-server (FXP) transfer's connection to this server's passive port failed, most likely because the server announces 10.2.0.9, an address the other server cannot reach; see nat-mismatch"
		fxpNote          = "no data connection with its clients was made: they were server-to-server (FXP) transfers"
	)
	for _, tc := range []struct {
		c    fxpCase
		want string // in some verdict
		not  string // in no verdict
	}{
		{c: fxpCase{name: "B public, its SYNs unanswered", cli: lanC, a: prvA, b: pubB, ep: "10.2.0.9:40000", portReply: 200, syns: 3, bFinal: 425},
			want: lead, not: "other errors: nat-mismatch"},
		{c: fxpCase{name: "B public, gave up unseen", cli: lanC, a: prvA, b: pubB, ep: "10.2.0.9:40000", portReply: 200, bFinal: 425},
			want: lead, not: "other errors: nat-mismatch"},
		{c: fxpCase{name: "both private, a warning", cli: prvC, a: prvA, b: prvB, ep: "10.2.0.9:40000", portReply: 200, syns: 3, bFinal: 425},
			want: fxpNote, not: "most likely because the server announces"},
		{c: fxpCase{name: "B public, got through", cli: lanC, a: prvA, b: pubB, ep: "10.2.0.9:40000", portReply: 200, data: true, bFinal: 226},
			want: fxpNote, not: "most likely because the server announces"},
	} {
		t.Run(tc.c.name, func(t *testing.T) {
			r := runFXP(t, tc.c)
			v := strings.Join(r.verdicts, "\n")
			if !strings.Contains(v, tc.want) {
				t.Errorf("no verdict says %q:\n%s", tc.want, v)
			}
			if strings.Contains(v, tc.not) {
				t.Errorf("a verdict says %q:\n%s", tc.not, v)
			}
		})
	}
}
