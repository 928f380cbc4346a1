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

// TestWatchedAcrossFilesAndEviction guards Session.Watched where the
// capture may or may not have kept watching. Between the files of a
// capture read as one, it goes on: tcpdump -C or -G starts the next file
// at the next packet, so twenty quiet minutes between two files are a
// silence the capture recorded (a server that never sent its 226), not a
// gap in it. When decode's table evicted the connection, its later
// packets were not followed: watched until its last packet (a 226 in the
// file had read as never sent).
func TestWatchedAcrossFilesAndEviction(t *testing.T) {
	other := netip.MustParseAddrPort("198.51.100.99:40000")
	for _, tc := range []struct {
		name    string
		closed  decode.CloseReason
		gap     bool
		watched func(last, lastOfFile time.Time) time.Time
	}{
		{"capture end, twenty quiet minutes between files", decode.CloseCaptureEnd, true, nil},
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
			want := s.now // the close's time
			if tc.watched != nil {
				want = tc.watched(last, lastOfFile)
			}
			if got := s.rec.ended[0].Watched; !got.Equal(want) {
				t.Errorf("Watched %v after the last packet, want %v", got.Sub(last), want.Sub(last))
			}
		})
	}
}
