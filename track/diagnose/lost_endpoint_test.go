package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestLostPassiveEndpointNotAnnounced: the capture lost the 227 in a gap
// of the server's bytes; the client's SYN to the server's port 3306 is
// refused or goes unanswered, and the server says 425. The SYN is taken
// for the RETR's data connection by peers and time (track:
// MatchAnnounceLost), but its port was never read from an announcement:
// the finding says the endpoint is inferred, the server line does not
// count the port as announced, and neither the finding nor the verdict
// builds an "open that range" rule from that one port. Before: "passive
// data endpoint 10.0.0.1:3306" as if announced, "passive ports announced
// 3306", and nft/iptables rules for a range.
func TestLostPassiveEndpointNotAnnounced(t *testing.T) {
	for _, tc := range []struct {
		name    string
		refused bool
		code    string
	}{
		{"refused", true, CodeDataRefused},
		{"unanswered", false, CodeDataUnanswered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "10.0.0.2:40000", "10.0.0.1:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS secret")
			w.reply(230, "Login successful.")
			w.cmd("PASV")
			w.gap(false, 46) // 227 Entering Passive Mode (10,0,0,1,12,234).
			w.cmd("RETR b.bin")
			from, to := ap("10.0.0.2:51500"), ap("10.0.0.1:3306")
			if tc.refused {
				w.segAck(from, to, decode.FlagSYN, 5000, 0)
				w.segAck(to, from, decode.FlagRST|decode.FlagACK, 0, 5001)
			} else {
				for range 4 {
					w.segAck(from, to, decode.FlagSYN, 5000, 0)
					w.wait(time.Second)
				}
			}
			w.wait(10 * time.Second)
			w.reply(425, "Failed to establish connection.")
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			f := w.c.find(tc.code)
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatalf("no %s", tc.code)
			}
			if !strings.Contains(f.Message, "inferred, not announced") {
				t.Errorf("%s does not say the endpoint is inferred: %s", tc.code, f.Message)
			}
			for _, bad := range []string{"nft ", "iptables", "open that range", "passive port range setting"} {
				if strings.Contains(f.Advice, bad) {
					t.Errorf("%s advice has %q: %s", tc.code, bad, f.Advice)
				}
			}
			sums := w.d.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries", len(sums))
			}
			s := sums[0]
			if ps := s.PortsAnnounced; ps.Count != 1 || ps.Inferred != 1 || ps.Lost != 1 {
				t.Errorf("ports: %+v; want the one port counted as seen (inferred, announcement lost), not announced", ps)
			}
			if len(s.Rules) > 0 || strings.Contains(s.Verdict, "open that range") || !strings.Contains(s.Verdict, "inferred") {
				t.Errorf("verdict %q, rules %q: want the inferred port hedged, no rule", s.Verdict, s.Rules)
			}
		})
	}
}
