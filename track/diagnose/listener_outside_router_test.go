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

// TestServerSideCaptureOutsideARouterKeepsTheRouter guards passive SYNs
// that arrived unanswered on a capture read as the server's side: that
// is the server host's doing only when the capture shows itself inside
// any router in front of the server (the server at a private address, or
// its segments at a host's initial TTL). tcpdump on a DNAT router's
// public interface reads as the server's side by the handshake timing
// too, shows the server at the public address with its segments one hop
// lower, and sees the SYNs the router then drops (a lab DNAT router
// forwarding only part of vsftpd's range): the advice named the server's
// input chain only, never the router's forward chain.
func TestServerSideCaptureOutsideARouterKeepsTheRouter(t *testing.T) {
	for _, tc := range []struct {
		name, srv, dst string // dst: where the SYNs went, as captured
		hops           decode.Hops
		router         bool // the advice and the change lines name the router's forward chain
		sentence       string
	}{
		{"public server, its segments routed (a router's public interface)", "203.0.113.80:21", "203.0.113.80:40085",
			decode.ClientRouted | decode.ServerRouted, true, "or on a router in front of it. The server's address here is public"},
		{"public server, its segments unrouted (the server host)", "203.0.113.80:21", "203.0.113.80:40085",
			decode.ClientRouted | decode.ServerUnrouted, false, "(its input firewall) or right before it."},
		{"private server (behind its NAT)", "10.20.0.5:21", "10.20.0.5:40085",
			decode.ClientRouted | decode.ServerRouted, false, "(its input firewall) or right before it."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ss []*track.Session
			for i := 1; i <= 6; i++ {
				x := passiveConnSession(i, fmt.Sprintf("198.51.100.%d", 10+i), tc.srv, passiveAtServer)
				x.Hops = tc.hops
				ss = append(ss, x)
			}
			s := sess("198.51.100.99:50999", tc.srv)
			s.ID, s.Hops = 7, tc.hops
			dc := announce(s, 700, "PASV", ftp.ViaPASV, "203.0.113.80:40085", 227, "Entering Passive Mode (203,0,113,80,156,149).")
			syn(dc, "198.51.100.99:51007", tc.dst, 702, 4, 3*time.Second)
			dc.Match, dc.Outcome = track.MatchExact, track.OutcomeUnanswered
			ss = append(ss, s)

			c, d := feed(policy.Policy{}, ss...)
			if v, _ := d.vantage(s); v != VantageServer {
				t.Fatalf("capture point %v, want the server's side", v)
			}
			f := c.find(CodeDataUnanswered)
			if f == nil {
				t.Fatal("no data-unanswered finding")
			}
			if !strings.Contains(f.Message, tc.sentence) {
				t.Errorf("message lacks %q:\n%s", tc.sentence, f.Message)
			}
			if got := strings.Contains(f.Advice, "forward chain"); got != tc.router {
				t.Errorf("advice names a router's forward chain: %v, want %v:\n%s", got, tc.router, f.Advice)
			}
			// A router that forwards port 21 and not the passive port
			// keeps the SYN for itself: only a DNAT of the range mends
			// it, which an accept in its forward chain does not.
			if got := strings.Contains(f.Advice, "forward (DNAT) the whole passive range to the server there"); got != tc.router {
				t.Errorf("advice offers the router's DNAT of the range: %v, want %v:\n%s", got, tc.router, f.Advice)
			}
			rules := strings.Join(serverSummary(t, d, tc.srv).Rules, "\n")
			if got := strings.Contains(rules, "inet filter forward"); got != tc.router {
				t.Errorf("change lines name a router's forward chain: %v, want %v:\n%s", got, tc.router, rules)
			}
			if !strings.Contains(rules, "inet filter input") {
				t.Errorf("change lines lack the server's input chain:\n%s", rules)
			}
		})
	}
}

// TestClientSideCaptureOutsideARouterKeepsTheRouter is the same for the
// server's active-mode SYNs on a capture read as the client's side: on a
// NAT router's public interface the client is seen at the router's
// address, with its segments one hop lower, and the router's forward
// chain (no helper expecting the connection, or one accepting
// established only) or its own RST stops them. The advice named the
// client host's input chain only.
func TestClientSideCaptureOutsideARouterKeepsTheRouter(t *testing.T) {
	const srv = "203.0.113.5:21"
	for _, tc := range []struct {
		name, cli string
		hops      decode.Hops
		refused   bool
		router    bool
		want      string // in the message
	}{
		{"public client, its segments routed (a NAT router's public interface)", "198.51.100.10",
			decode.ClientRouted | decode.ServerRouted, false, true, "or on a router in front of it. The client's address here is public"},
		{"the same, answered by RST", "198.51.100.10",
			decode.ClientRouted | decode.ServerRouted, true, true, "the RST may be that router's own"},
		{"public client, its segments unrouted (the client host)", "198.51.100.10",
			decode.ClientUnrouted | decode.ServerRouted, false, false, "(its input firewall) or right before it."},
		{"private client (behind its NAT)", "192.168.1.10",
			decode.ClientRouted | decode.ServerRouted, false, false, "(its input firewall) or right before it."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ss []*track.Session
			for i := 1; i <= 4; i++ {
				x := activeConnSession(i, tc.cli, srv, 20, true, timedAtClient)
				x.Hops = tc.hops
				ss = append(ss, x)
			}
			s := activeConnSession(5, tc.cli, srv, 20, false, [2]time.Duration{})
			s.Hops = tc.hops
			if dc := s.Data[0]; tc.refused {
				dc.SYNs, dc.LastSYN = 1, dc.FirstSYN
				dc.Outcome, dc.RSTTS = track.OutcomeRefused, dc.FirstSYN.Add(time.Millisecond)
			}
			ss = append(ss, s)

			c, d := feed(policy.Policy{}, ss...)
			if v, _ := d.vantage(s); v != VantageClient {
				t.Fatalf("capture point %v, want the client's side", v)
			}
			f := c.find(CodeActiveBlocked)
			if f == nil {
				t.Fatal("no active-blocked finding")
			}
			if !strings.Contains(f.Message, tc.want) {
				t.Errorf("message lacks %q:\n%s", tc.want, f.Message)
			}
			if got := strings.Contains(f.Advice, "in front of the client"); got != tc.router {
				t.Errorf("advice names a router in front of the client: %v, want %v:\n%s", got, tc.router, f.Advice)
			}
			rules := strings.Join(serverSummary(t, d, srv).Rules, "\n")
			if got := strings.Contains(rules, "# on a router in front of the client"); got != tc.router {
				t.Errorf("change lines name a router in front of the client: %v, want %v:\n%s", got, tc.router, rules)
			}
			if !strings.Contains(rules, "# on the client:") {
				t.Errorf("change lines lack the client's own:\n%s", rules)
			}
		})
	}
}
