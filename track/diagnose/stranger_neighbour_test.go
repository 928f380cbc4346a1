package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestNeighbourRefusedSYNIsTheClients guards the passive data connection
// known only by one SYN from another address than the session's client
// (strangerOnce) that was refused or rejected with ICMP: a SYN answered
// by RST is not sent again, so one SYN is all a carrier-grade NAT
// client's refused data connection leaves. One from the control client's
// public IPv4 /24 within seconds of the transfer command (or of the 227,
// when the SYN came first) is the client's: the data path's error, as
// before the hedge, its wording naming that evidence; the hedge had made
// it a warning (exit 0 with --fail-on error) whatever the server's
// firewall did to every such client. The same SYN seconds later, from
// another /24 of the same /16 or from another /16, and an unanswered one
// (a client's TCP sends that again), stay hedged: a scan fits as well.
func TestNeighbourRefusedSYNIsTheClients(t *testing.T) {
	const (
		neighbour = "198.51.100.160:61000" // the client is 198.51.100.7
		srvAddr   = "192.0.2.10"
	)
	// refusedAfterLIST: one SYN from from, delay after LIST, answered
	// as answer says ("rst", "drop", "icmp": administratively
	// prohibited from the server).
	refusedAfterLIST := func(from string, delay time.Duration, answer string) func(w *strangerWire) {
		return func(w *strangerWire) {
			w.session(srvAddr, func(p netip.AddrPort) bool {
				w.wait(delay - 200*time.Millisecond) // session waited 200 ms already
				if answer == "icmp" {
					w.segAck(ap(from), p, decode.FlagSYN, 777, 0)
					w.next()
					w.trk.Unreachable(&decode.Unreachable{Num: w.num, TS: w.now, From: p.Addr(), Type: 3, Code: 13, Src: ap(from), Dst: p, Seq: 777})
					return false
				}
				w.syns(ap(from), p, 1, answer)
				return false
			})
		}
	}
	for _, tc := range []struct {
		name    string
		run     func(w *strangerWire)
		code    string
		sev     string
		in, not []string
		verdict []string
	}{
		{"refused, from the client's /24, 0.2 s after LIST", refusedAfterLIST(neighbour, 200*time.Millisecond, "rst"),
			CodeDataRefused, "error",
			[]string{"198.51.100.160 is in the client's own 198.51.100.0/24 and sent its SYN 0.201s after LIST (packet", "another host's scan of exactly that port, from the client's network, that soon is unlikely", "most likely the client's own data connection"},
			[]string{"Find out first", "Two readings"},
			[]string{"refused with RST on port 40000"}},
		{"rejected with ICMP, from the client's /24, 0.2 s after LIST", refusedAfterLIST(neighbour, 200*time.Millisecond, "icmp"),
			CodeDataUnreachable, "error",
			[]string{"198.51.100.160 is in the client's own 198.51.100.0/24", "rejected with ICMP"},
			[]string{"Find out first"}, nil},
		// (Past the tracker's port-only window, 2 minutes after the 227,
		// a SYN from another address is not matched at all.)
		{"refused, from the client's /24, 90 s after LIST", refusedAfterLIST(neighbour, 90*time.Second, "rst"),
			CodeDataRefused, "warning",
			[]string{"Two readings", "Find out first whether 198.51.100.160 is the client's"},
			[]string{"is in the client's own"},
			[]string{"before opening anything"}},
		{"refused, from the client's /24, 4 s after LIST", refusedAfterLIST(neighbour, 4*time.Second, "rst"),
			CodeDataRefused, "warning",
			[]string{"Two readings"},
			[]string{"is in the client's own"},
			[]string{"before opening anything"}},
		{"refused, from another /24 of the client's /16, 0.2 s after LIST", refusedAfterLIST("198.51.101.160:61000", 200*time.Millisecond, "rst"),
			CodeDataRefused, "warning",
			[]string{"Two readings", "Find out first whether 198.51.101.160 is the client's"},
			[]string{"is in the client's own"},
			[]string{"before opening anything"}},
		{"refused, from another /16, 0.2 s after LIST", refusedAfterLIST("198.18.100.160:61000", 200*time.Millisecond, "rst"),
			CodeDataRefused, "warning",
			[]string{"Two readings", "Find out first whether 198.18.100.160 is the client's"},
			[]string{"is in the client's own"},
			[]string{"before opening anything"}},
		{"unanswered, from the client's /24, 0.2 s after LIST", refusedAfterLIST(neighbour, 200*time.Millisecond, "drop"),
			CodeDataUnanswered, "warning",
			[]string{"Two readings", "with no answer", "Find out first whether 198.51.100.160 is the client's"},
			[]string{"is in the client's own"},
			[]string{"before opening anything"}},
		{"refused, from the client's /24, right after the 227 before LIST", func(w *strangerWire) {
			w.cli = ap("198.51.100.7:50001")
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER anonymous")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS x@y")
			w.reply(230, "Login successful.")
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			w.wait(40 * time.Millisecond)
			w.syns(ap(neighbour), ap(srvAddr+":40000"), 1, "rst")
			w.cmd("LIST")
			w.wait(60 * time.Second)
			w.reply(425, "Failed to establish connection.")
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
		},
			CodeDataRefused, "error",
			[]string{"198.51.100.160 is in the client's own 198.51.100.0/24 and sent its SYN 0.041s after the 227 announcing the endpoint (packet"},
			[]string{"Find out first"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newStrangerWire(t, srvAddr+":21")
			tc.run(w)
			sums := w.finish()
			got := w.all(tc.code)
			if !strings.HasPrefix(got, tc.sev+" | ") || strings.Count(got, "\n") != 1 {
				dumpFindings(t, w.c)
				t.Fatalf("%s: want one %s, got %q", tc.code, tc.sev, got)
			}
			for _, s := range tc.in {
				if !strings.Contains(got, s) {
					t.Errorf("%s lacks %q: %s", tc.code, s, got)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(got, s) {
					t.Errorf("%s has %q: %s", tc.code, s, got)
				}
			}
			if len(sums) != 1 {
				t.Fatalf("%d server summaries", len(sums))
			}
			v := sums[0].Verdict
			for _, s := range tc.verdict {
				if !strings.Contains(v, s) {
					t.Errorf("verdict lacks %q: %s", s, v)
				}
			}
		})
	}
}
