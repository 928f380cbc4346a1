package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestPortOnlyWindow guards how long after a 227 a connection that shares
// only its port with the announcement is taken for it (Options
// PortOnlyWindow, 2 minutes unless set): neither the announced nor the
// control address, nor the session's client, as a capture outside NATs on
// both sides sees it. Soon after the 227 it is the data connection (matched
// by the port alone); later it is some other host's connection to that
// port, and the announcement stays not attempted.
func TestPortOnlyWindow(t *testing.T) {
	from := netip.MustParseAddrPort("203.0.113.9:1024")      // neither the client nor its data address
	to := netip.MustParseAddrPort("203.0.113.200:40000")     // the announced port on another address
	const ann = "Entering Passive Mode (192,0,2,10,156,64)." // 192.0.2.10:40000
	for _, tc := range []struct {
		name   string
		window time.Duration // Options.PortOnlyWindow, 0 for the default
		after  time.Duration // from the 227 to the SYN
		taken  bool
	}{
		{"default window, soon after", 0, 10 * time.Second, true},
		{"default window, at its end", 0, 2 * time.Minute, true},
		{"default window, just after its end", 0, 2*time.Minute + time.Millisecond, false},
		{"set window, at its end", 30 * time.Second, 30 * time.Second, true},
		{"set window, just after its end", 30 * time.Second, 30*time.Second + time.Millisecond, false},
		{"set window longer than the default", 4 * time.Minute, 3 * time.Minute, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := &session{t: t, trk: New(rec, Options{PortOnlyWindow: tc.window}), rec: rec, now: t0}
			s.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			s.reply(220, "(vsFTPd 3.0.3)")
			s.login()
			s.cmd("PASV", "")
			s.reply(227, ann)
			s.tick(tc.after - time.Millisecond) // (seg adds the last millisecond)
			s.segAck(from, to, decode.FlagSYN, 1000, 0, 0)
			s.segAck(to, from, decode.FlagSYN|decode.FlagACK, 5000, 1001, 0)
			s.segAck(from, to, decode.FlagACK, 1001, 5001, 0)
			s.end()
			if len(rec.data) != 1 {
				t.Fatalf("%d data connections reported, want 1", len(rec.data))
			}
			dc := rec.data[0]
			if got := dc.FirstSYN.Sub(dc.Armed); dc.SYNs > 0 && got != tc.after {
				t.Fatalf("SYN %v after the 227, want %v", got, tc.after)
			}
			if tc.taken {
				if dc.Match != MatchPortOnly || dc.Client != from || dc.Server != to || dc.Outcome != OutcomeConnected {
					t.Errorf("match %v, %v -> %v, outcome %v; want port-only, %v -> %v, connected", dc.Match, dc.Client, dc.Server, dc.Outcome, from, to)
				}
				return
			}
			if dc.Match != MatchNone || dc.SYNs != 0 || dc.Outcome != OutcomeNotAttempted {
				t.Errorf("match %v, %d SYNs, %v -> %v, outcome %v; want none taken, not attempted", dc.Match, dc.SYNs, dc.Client, dc.Server, dc.Outcome)
			}
		})
	}
}
