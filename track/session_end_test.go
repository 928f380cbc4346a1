package track

import (
	"net/netip"
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

// TestWatchedStopsAtFileGapAndEviction guards Session.Watched where the
// capture did not keep watching: after a gap between the capture's files
// (the next file starts 20 minutes later: what the session sent then was
// not recorded), and when decode's table evicted the connection (its
// later packets were not followed). A reply waited for is waited for
// only until then: control-idle-timeout had counted the 20 minutes.
func TestWatchedStopsAtFileGapAndEviction(t *testing.T) {
	other := netip.MustParseAddrPort("198.51.100.99:40000")
	for _, tc := range []struct {
		name    string
		closed  decode.CloseReason
		gap     bool
		watched func(last, lastOfFile time.Time) time.Time
	}{
		{"capture end after a gap between files", decode.CloseCaptureEnd, true, func(_, f time.Time) time.Time { return f }},
		{"evicted", decode.CloseEvicted, false, func(l, _ time.Time) time.Time { return l }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			last := s.now
			s.tick(2 * time.Second)
			s.num++
			s.trk.Segment(&decode.Segment{Num: s.num, TS: s.now, Src: other, Dst: srv, Flags: decode.FlagACK}) // other traffic
			lastOfFile := s.now
			if tc.gap {
				s.tick(20 * time.Minute)
				s.num++
				s.trk.Segment(&decode.Segment{Num: s.num, TS: s.now, Src: other, Dst: srv, Flags: decode.FlagACK, Input: 1})
			}
			s.tick(time.Minute)
			s.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: tc.closed, LastSeen: last})
			s.trk.Finish()
			if len(s.rec.ended) != 1 {
				t.Fatalf("%d sessions ended, want 1", len(s.rec.ended))
			}
			if got, want := s.rec.ended[0].Watched, tc.watched(last, lastOfFile); !got.Equal(want) {
				t.Errorf("Watched %v after the last packet, want %v", got.Sub(last), want.Sub(last))
			}
		})
	}
}
