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

// failedConnect is a session whose control connection never opened, as
// track makes it from decode's ConnectFailure.
func failedConnect(id int, cli, srv string, f decode.ConnectFailure) *track.Session {
	s := &track.Session{ID: id, Client: ap(cli), Server: ap(srv), Start: t0, End: t0.Add(3 * time.Second), EndReason: track.EndCaptureEnd}
	if f.LastSYN.IsZero() {
		f.LastSYN = t0
	}
	s.Connect = &f
	return s
}

// TestControlConnectFailures guards the findings and verdict of control
// connections that never opened: refused by an RST (nothing listens, or
// a reject rule), an ICMP reject, SYNs nothing answered, SYN-ACKs that
// never reached the client. A capture of such sessions read "0 sessions"
// and no word; a server some of whose sessions did open says the others
// beside its verdict.
func TestControlConnectFailures(t *testing.T) {
	const srv = "192.0.2.10:21"
	refused := decode.ConnectFailure{How: decode.ConnectRefused, SYNs: 1, AnswerNum: 2, AnswerTS: t0.Add(time.Millisecond), Refusals: 1}
	for _, tc := range []struct {
		name        string
		f           decode.ConnectFailure
		code        string
		want        []string // in message and advice
		verdictWant []string
		rulesWant   string
	}{
		{"refused", refused, CodeControlRefused,
			[]string{"answered by a reset", "Nothing listens on port 21 at 192.0.2.10", "ss -ltnp", "tcp dport 21 ct state new accept"},
			[]string{"every SYN was answered by a reset", "does not listen on 192.0.2.10:21"}, "tcp dport 21 ct state new accept"},
		{"admin-prohibited from the server", decode.ConnectFailure{How: decode.ConnectUnreachable, SYNs: 1, AnswerNum: 2, AnswerTS: t0,
			ICMP: decode.ICMPAnswer{From: ap(srv).Addr(), Type: 3, Code: 13}}, CodeControlUnreachable,
			[]string{"rejected", "the server itself", "tcp dport 21 ct state new accept"}, []string{"drew ICMP errors"}, ""},
		{"host unreachable from a router", decode.ConnectFailure{How: decode.ConnectUnreachable, SYNs: 1, AnswerNum: 2, AnswerTS: t0,
			ICMP: decode.ICMPAnswer{From: ap("198.51.100.1:0").Addr(), Type: 3, Code: 1}}, CodeControlUnreachable,
			[]string{"a router on the path, 198.51.100.1", "not reachable"}, []string{"drew ICMP errors"}, ""},
		{"unanswered", decode.ConnectFailure{How: decode.ConnectUnanswered, SYNs: 4, LastSYN: t0.Add(7 * time.Second)}, CodeControlUnanswered,
			[]string{"4 SYNs", "over 7.000s", "sent its SYN 4 times", "A firewall drops the SYNs"},
			[]string{"got no answer the clients took"}, "tcp dport 21 ct state new accept"},
		{"answer lost", decode.ConnectFailure{How: decode.ConnectAnswerLost, SYNs: 3, SynAcks: 3, LastSYN: t0.Add(3 * time.Second)}, CodeControlUnanswered,
			[]string{"the server's SYN-ACKs never reached it", "output chain"}, []string{"got no answer the clients took"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ss []*track.Session
			for i := 1; i <= 3; i++ {
				ss = append(ss, failedConnect(i, fmt.Sprintf("203.0.113.%d:5000%d", i, i), srv, tc.f))
			}
			c, d := feed(policy.Policy{}, ss...)
			if n := len(c.all(tc.code)); n != 3 {
				t.Fatalf("%d %s findings, want 3 (all: %d)", n, tc.code, len(c.fs))
			}
			f := c.find(tc.code)
			if f.Severity != SeverityError {
				t.Errorf("severity %v", f.Severity)
			}
			text := f.Message + "\n" + f.Advice + "\n" + f.Evidence
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("finding lacks %q:\n%s", w, text)
				}
			}
			sum := serverSummary(t, d, srv)
			for _, w := range tc.verdictWant {
				if !strings.Contains(sum.Verdict, w) {
					t.Errorf("verdict lacks %q: %s", w, sum.Verdict)
				}
			}
			if rules := strings.Join(sum.Rules, "\n"); !strings.Contains(rules, tc.rulesWant) {
				t.Errorf("rules lack %q:\n%s", tc.rulesWant, rules)
			}
		})
	}

	// One session opened and worked, one never did: the verdict is the
	// working one's, and says the other.
	ok := passiveConnSession(1, "203.0.113.9", srv, passiveAtClient)
	c, d := feed(policy.Policy{}, ok, failedConnect(2, "203.0.113.10:50010", srv, refused))
	if len(c.all(CodeControlRefused)) != 1 {
		t.Fatal("no control-refused finding")
	}
	if v := serverSummary(t, d, srv).Verdict; !strings.Contains(v, "data connection worked") || !strings.Contains(v, "1 control connection never opened (see control-refused)") {
		t.Errorf("verdict: %s", v)
	}
}
