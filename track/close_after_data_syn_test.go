package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestControlCloseDeliveredAfterDataSYN: the server reset the control
// connection right after its 227 (no QUIT) and the client connected to
// the endpoint 3 s later: SYN-ACK, 100 bytes, FINs. decode delivers an
// RST's close once its copies had their time, so the data SYN was linked
// while the session still looked open, and the session's end then made
// the connection final at its SYN: "unanswered: 1 SYN, no answer", an
// error data-unanswered with a firewall rule, although its answer and
// bytes were in the capture (/tmp/rev36/rst-after.pcap). The FIN case
// read transferred (held, afterend.go). A connection begun after the
// control's last packet goes on to its own end.
func TestControlCloseDeliveredAfterDataSYN(t *testing.T) {
	endpoint := netip.MustParseAddrPort("192.0.2.10:40000")
	own := netip.MustParseAddrPort("198.51.100.7:50001")
	for _, tc := range []struct {
		name   string
		closed decode.CloseReason
	}{
		{"reset", decode.CloseRST},
		{"fin", decode.CloseFIN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			first := s.trk.sessions.All()[0]
			s.login()
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			lastCtl := s.now.Add(time.Millisecond) // the RST
			s.tick(3 * time.Second)
			s.seg(own, endpoint, decode.FlagSYN, 1000, 0)
			s.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: tc.closed, LastSeen: lastCtl})
			if len(s.rec.data) != 0 {
				t.Fatalf("data final at the control's close: %v", s.rec.data[0].Outcome)
			}
			// The rest of the connection (handshakeTransfer without its SYN).
			s.seg(endpoint, own, decode.FlagSYN|decode.FlagACK, 5000, 0)
			s.seg(own, endpoint, decode.FlagACK, 1001, 0)
			s.seg(endpoint, own, decode.FlagACK, 5001, 100)
			s.seg(endpoint, own, decode.FlagFIN|decode.FlagACK, 5101, 0)
			s.seg(own, endpoint, decode.FlagFIN|decode.FlagACK, 1001, 0)
			s.tick(time.Second)
			s.trk.Tick(s.now)
			s.trk.Finish()
			if len(s.rec.data) != 1 {
				t.Fatalf("%d data records, want 1", len(s.rec.data))
			}
			if d := s.rec.data[0]; d.Outcome != OutcomeTransferred || d.Client != own || d.TotalBytes() != 100 {
				t.Errorf("data: %v from %v, %d bytes; want transferred from %v, 100 bytes", d.Outcome, d.Client, d.TotalBytes(), own)
			}
			if first.End != lastCtl {
				t.Errorf("session ends at %v, want its control's last packet %v", first.End, lastCtl)
			}
			if len(s.rec.ended) != 1 || s.rec.late > 0 {
				t.Errorf("sessions reported %d, %d sink calls after SessionEnd", len(s.rec.ended), s.rec.late)
			}
		})
	}
}
