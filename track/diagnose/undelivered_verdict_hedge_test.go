package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestUndeliveredVerdictSaysWhatTheFindingSays guards the server's
// verdict over control-undelivered: when the finding names a firewall
// and a path MTU black hole alike (an 800-byte IPv4 banner, between
// IPv4's least link and the usual black hole's; bytes of a line the
// session does not show), the verdict said "a firewall between drops
// them" alone (lab bigban800.pcap, ml6.pcap). A short line, which every
// link carries, stays the firewall's; a line too large for the family's
// small links stays "most likely a path MTU black hole".
func TestUndeliveredVerdictSaysWhatTheFindingSays(t *testing.T) {
	for _, tc := range []struct {
		name, cli, srv, greeting string
		in, not                  []string
	}{
		{"IPv4 banner of 800 bytes", "127.0.0.1:35554", "127.0.0.1:21", "220 " + strings.Repeat("x", 794),
			[]string{"either a firewall between drops them", "path MTU black hole", "ICMP errors quoting them"}, []string{"most likely"}},
		{"IPv6 line not seen", "[::1]:45716", "[::1]:21", "",
			[]string{"either a firewall between drops them", "path MTU black hole"}, []string{"most likely"}},
		{"IPv4 short banner", "127.0.0.1:35554", "127.0.0.1:21", "220 (vsFTPd 3.0.3)",
			[]string{"a firewall between drops them"}, []string{"path MTU"}},
		{"IPv6 banner of 1446 bytes", "[fd00:1::2]:41000", "[fd00:2::2]:21", "220 " + strings.Repeat("Welcome-", 180),
			[]string{"most likely a path MTU black hole"}, []string{"either a firewall"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &track.Session{ID: 1, Client: ap(tc.cli), Server: ap(tc.srv), Start: t0}
			if tc.greeting != "" {
				s.Greeting = []track.Reply{{Code: 220, Text: tc.greeting[4:], Lines: []string{tc.greeting}, TS: at(1), Num: 4}}
			}
			c := &collect{}
			d := New(policy.Policy{}, nil, c)
			d.SessionStart(s)
			d.Event(s, &track.Event{Kind: track.EventUndelivered, Num: 16, TS: at(650), Since: at(20), Bytes: 3})
			d.SessionEnd(s)
			if c.find(CodeControlUndelivered) == nil {
				t.Fatalf("no control-undelivered; findings: %v", codesOf(c))
			}
			v := serverSummary(t, d, tc.srv).Verdict
			for _, w := range tc.in {
				if !strings.Contains(v, w) {
					t.Errorf("verdict lacks %q: %s", w, v)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(v, w) {
					t.Errorf("verdict has %q: %s", w, v)
				}
			}
		})
	}
}
