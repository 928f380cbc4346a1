package diagnose

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestRouterDNATNamesTheRangeTheAdviceProposes guards the DNAT offered
// for a router that may stand in front of a public server whose passive
// range is not known: it forwards the example range the advice before it
// proposes (the hundreds around the ports seen), not a fixed one, so one
// finding never names two ranges.
func TestRouterDNATNamesTheRangeTheAdviceProposes(t *testing.T) {
	for _, refused := range []bool{false, true} {
		s := sess("198.51.100.99:50999", "203.0.113.80:21")
		s.ID, s.Hops = 1, decode.ClientRouted|decode.ServerRouted
		for i, port := range []int{50006, 50040} {
			ep := fmt.Sprintf("203.0.113.80:%d", port)
			dc := announce(s, uint64(700+10*i), "PASV", ftp.ViaPASV, ep, 227,
				fmt.Sprintf("Entering Passive Mode (203,0,113,80,%d,%d).", port>>8, port&255))
			syn(dc, fmt.Sprintf("198.51.100.99:%d", 51007+i), ep, uint64(702+10*i), 4, 3*time.Second)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
			if refused {
				dc.SYNs, dc.LastSYN = 1, dc.FirstSYN
				dc.Outcome, dc.RSTTS = track.OutcomeRefused, dc.FirstSYN.Add(time.Millisecond)
			}
		}
		c, _ := feed(policy.Policy{}, s)
		code := CodeDataUnanswered
		if refused {
			code = CodeDataRefused
		}
		f := c.find(code)
		if f == nil {
			t.Fatalf("refused %v: no %s finding", refused, code)
		}
		if !strings.Contains(f.Advice, "forward (DNAT)") {
			t.Fatalf("refused %v: advice offers no router DNAT:\n%s", refused, f.Advice)
		}
		if !strings.Contains(f.Advice, "50000-50100") || strings.Contains(f.Advice, "40000") {
			t.Errorf("refused %v: advice should name 50000-50100 throughout and never 40000-40100:\n%s", refused, f.Advice)
		}
	}
}
