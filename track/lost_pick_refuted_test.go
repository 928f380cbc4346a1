package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestLostPickGivesWayAt425: the capture lost the 227 (or the client's
// PORT); after the RETR the client connects to another service of the
// server (8443), or the server host to another of the client's (9100),
// answered, bytes both ways, closed; no data SYN; then the server's first
// reply is 425: no data connection was made. The answered connection is
// not the RETR's: nothing is reported. Before, it was tied to the RETR,
// "transferred", server-data-error "no firewall dropped it" and "the data
// connection worked". With a 226 instead, and bytes one way only (the
// file's: to the client), it stays the transfer's (bytes both ways
// refute it too: TestLostPickRefutedByBytesTheWrongWay).
func TestLostPickGivesWayAt425(t *testing.T) {
	svc := netip.MustParseAddrPort("192.0.2.10:8443")
	svcFrom := netip.MustParseAddrPort("198.51.100.7:51500")
	probe := netip.MustParseAddrPort("192.0.2.10:45123")
	probeTo := netip.MustParseAddrPort("198.51.100.7:9100")
	for _, tc := range []struct {
		name    string
		passive bool
		final   int
	}{
		{"lost 227, other service answered, 425", true, 425},
		{"lost PORT, server host's other connection answered, 425", false, 425},
		{"lost 227, answered, 226", true, 226},
		{"lost PORT, answered, 226", false, 226},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			s.cmd("TYPE", "I")
			s.reply(200, "Switching to Binary mode.")
			from, to := probe, probeTo
			if tc.passive {
				from, to = svcFrom, svc
				s.cmd("PASV", "")
				s.ctl(decode.ControlEvent{Kind: decode.ControlGap, Gap: 48}) // 227 Entering Passive Mode (192,0,2,10,156,65).
			} else {
				s.clientGap() // PORT 198,51,100,7,35,140
				s.reply(200, "PORT command successful")
			}
			s.cmd("RETR", "b.bin")
			s.segAck(from, to, decode.FlagSYN, 5000, 0, 0)
			s.segAck(to, from, decode.FlagSYN|decode.FlagACK, 6000, 5001, 0)
			s.segAck(from, to, decode.FlagACK, 5001, 6001, 0)
			switch {
			case tc.final == 425:
				s.segAck(from, to, decode.FlagACK|decode.FlagPSH, 5001, 6001, 18)
				s.segAck(to, from, decode.FlagACK|decode.FlagPSH, 6001, 5019, 1000)
				s.segAck(from, to, decode.FlagFIN|decode.FlagACK, 5019, 7001, 0)
				s.segAck(to, from, decode.FlagFIN|decode.FlagACK, 7001, 5020, 0)
				s.segAck(from, to, decode.FlagACK, 5020, 7002, 0)
			case tc.passive: // the file from the server, to
				s.segAck(to, from, decode.FlagACK|decode.FlagPSH, 6001, 5001, 1000)
				s.segAck(to, from, decode.FlagFIN|decode.FlagACK, 7001, 5001, 0)
				s.segAck(from, to, decode.FlagFIN|decode.FlagACK, 5001, 7002, 0)
			default: // the file from the server, from
				s.segAck(from, to, decode.FlagACK|decode.FlagPSH, 5001, 6001, 1000)
				s.segAck(from, to, decode.FlagFIN|decode.FlagACK, 6001, 6001, 0)
				s.segAck(to, from, decode.FlagFIN|decode.FlagACK, 6001, 6002, 0)
			}
			if tc.final == 425 {
				s.tick(10 * time.Second)
				s.reply(425, "Failed to establish connection.")
			} else {
				s.reply(226, "Transfer complete.")
			}
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if tc.final == 425 {
				for _, d := range s.rec.data {
					t.Errorf("data connection %v -> %v reported (%v, %v); want none after the 425", d.Client, d.Server, d.Match, d.Outcome)
				}
				return
			}
			if len(s.rec.data) != 1 || s.rec.data[0].Client != from || s.rec.data[0].Outcome != OutcomeTransferred {
				for _, d := range s.rec.data {
					t.Logf("reported: %v -> %v (%v, %v)", d.Client, d.Server, d.Match, d.Outcome)
				}
				t.Fatalf("%d data connections reported; want the one from %v, transferred", len(s.rec.data), from)
			}
		})
	}
}
