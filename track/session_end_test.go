package track

import (
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestSessionEndIsLastPacket guards a session's End: the time of its
// control connection's last packet (docs/json.md "end"), not when decode
// let the connection go, an idle sweep two hours later or the capture's
// end half an hour after it.
func TestSessionEndIsLastPacket(t *testing.T) {
	for _, tc := range []struct {
		name   string
		closed decode.CloseReason
		after  time.Duration
	}{
		{"idle close", decode.CloseIdle, 2 * time.Hour},
		{"capture end", decode.CloseCaptureEnd, 30 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			last := s.now
			s.tick(tc.after)
			s.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: tc.closed, LastSeen: last})
			s.trk.Finish()
			if len(s.rec.ended) != 1 {
				t.Fatalf("%d sessions ended, want 1", len(s.rec.ended))
			}
			if got := s.rec.ended[0].End; !got.Equal(last) {
				t.Errorf("End %v after the last packet, want the last packet's time", got.Sub(last))
			}
			if got := s.rec.ended[0].Watched; !got.Equal(s.now) {
				t.Errorf("Watched %v after the last packet, want the close's time (%v after it)", got.Sub(last), tc.after)
			}
		})
	}
}
