package track

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestCutRestOffsetUnknown: a REST whose digits a capture gap cut
// (decode.ControlEvent.RestNotCaptured: "REST 12" of "REST 1234567"),
// accepted 350, restarts the transfer at an offset the capture does not
// hold: RestUnknown, which Restarted counts, not the 12 the capture
// holds (which set the offset extraction, the size checks and the
// transcript read). A whole REST keeps its offset.
func TestCutRestOffsetUnknown(t *testing.T) {
	for _, tc := range []struct {
		name string
		cut  bool
		want int64
	}{
		{"whole", false, 12},
		{"cut", true, RestUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTLSPeers(t)
			client := netip.MustParseAddrPort("10.0.0.2:40000")
			p.tick(time.Millisecond)
			p.ctl(client, decode.ControlEvent{Kind: decode.ControlOpen})
			p.ctl(client, decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 220, Text: "hi"}})
			p.ctl(client, decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "REST", Arg: "12"}, RestNotCaptured: tc.cut})
			p.ctl(client, decode.ControlEvent{Kind: decode.ControlReply, Reply: &ftp.Reply{Code: 350, Text: "Restart position accepted (1234567)."}})
			s := p.trk.sessions.GetPair(client, srv)
			if s == nil || s.xfer == nil {
				t.Fatal("no open session, or no REST noted")
			}
			if s.xfer.rest != tc.want {
				t.Errorf("rest %d, want %d", s.xfer.rest, tc.want)
			}
			dc := DataConn{Rest: s.xfer.rest}
			if !dc.Restarted() {
				t.Errorf("Rest %d not Restarted", dc.Rest)
			}
		})
	}
	for _, rest := range []int64{-1, 0} {
		if dc := (DataConn{Rest: rest}); dc.Restarted() {
			t.Errorf("Rest %d (no REST) read as Restarted", rest)
		}
	}
}
