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

// TestCapturePointReadOneWayPerFinding guards that a finding's words on
// where the capture was taken and its advice on where the firewall sits
// come from one reading. The advice (passivePlace, activePlace,
// suggestPublic) read the capture point from the session alone, the
// addresses deciding when its own handshakes did not, while the
// finding's sentence weighed the capture's other handshakes too: with
// private clients of a public server captured beside the server, a
// failed passive connection read "captured on the server's side" above
// advice for a router in front of the client's NAT.
func TestCapturePointReadOneWayPerFinding(t *testing.T) {
	const srv = "203.0.113.5:21"
	var ss []*track.Session
	for i := 1; i <= 6; i++ {
		ss = append(ss, passiveConnSession(i, fmt.Sprintf("10.1.0.%d", 10+i), srv, passiveAtServer))
	}
	s := sess("10.1.0.99:50999", srv)
	s.ID = 7
	// What a capture on the server host shows: its own segments with a
	// host's initial TTL (without it, a capture on the public side of a
	// router in front reads the same: listenerInside).
	s.Hops = decode.ClientRouted | decode.ServerUnrouted
	dc := announce(s, 700, "PASV", ftp.ViaPASV, "203.0.113.5:40007", 227, "Entering Passive Mode (203,0,113,5,156,71).")
	syn(dc, "10.1.0.99:51007", "203.0.113.5:40007", 702, 3, 7*time.Second)
	dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
	ss = append(ss, s)

	c, d := feed(policy.Policy{}, ss...)
	v, why := d.vantage(s)
	if v != VantageServer || why != whyCapture {
		t.Fatalf("capture point %v (%d), want the server's side from the capture's handshakes", v, why)
	}
	f := c.find(CodeDataUnanswered)
	if f == nil {
		t.Fatal("no data-unanswered finding")
	}
	if strings.Contains(f.Advice, "forward chain") {
		t.Errorf("advice names a router's forward chain, though the capture beside the server saw the SYNs pass:\n%s", f.Advice)
	}
}
