package track

import (
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestIdleEndedBounded: what sessions closed as idle hand on is kept for
// at most maxIdleEnded of them, the oldest forgotten first, and all of it
// (map and queue) is let go once decode.ResumeWait has passed: the
// tracker keeps nothing of sessions that can no longer be picked up
// again. An entry picked up once is gone, and one kept for an earlier
// close of the same connection links no later pickup.
func TestIdleEndedBounded(t *testing.T) {
	trk := New(&recorder{}, Options{})
	key := func(i int) decode.ConnKey {
		c := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 9, byte(i >> 8), byte(i)}), 40000)
		return decode.MakeConnKey(c, srv)
	}
	closedAt := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Millisecond) }
	const n = maxIdleEnded + 500
	for i := range n {
		trk.keepIdleEnd(key(i), &Session{ID: i + 1, User: "u", Login: LoginOK}, closedAt(i))
		if kept := len(trk.idleOrder) - trk.idleHead; len(trk.idleEnded) > maxIdleEnded || kept > maxIdleEnded || len(trk.idleOrder) > 2*maxIdleEnded {
			t.Fatalf("after %d idle closes: %d kept, %d queued (%d in the slice); bound %d", i+1, len(trk.idleEnded), kept, len(trk.idleOrder), maxIdleEnded)
		}
	}
	if _, ok := trk.idleEnded[key(0)]; ok {
		t.Error("the oldest idle close is still kept past the bound")
	}
	if got := trk.Limits().IdleEndedForgotten; got != n-maxIdleEnded {
		t.Errorf("Limits.IdleEndedForgotten = %d, want %d (one per record dropped for the bound)", got, n-maxIdleEnded)
	}
	// The newest is picked up again: linked, and then gone.
	last := n - 1
	s := &Session{}
	trk.resumeSession(s, decode.Resumption{Key: key(last), Closed: closedAt(last)})
	if s.Resumed == nil || s.Resumed.From != last+1 || s.Login != LoginOK || s.User != "u" {
		t.Errorf("picked up: %+v, login %d, user %q; want from %d, logged in as u", s.Resumed, s.Login, s.User, last+1)
	}
	if _, ok := trk.idleEnded[key(last)]; ok {
		t.Error("an entry picked up once is still kept")
	}
	// Another close of a kept connection than the one kept links nothing.
	s = &Session{}
	trk.resumeSession(s, decode.Resumption{Key: key(last - 1), Closed: closedAt(last - 1).Add(time.Second)})
	if s.Resumed == nil || s.Resumed.From != 0 || s.Login != LoginNone {
		t.Errorf("another close's pickup: %+v, login %d; want a continuation of an unknown session", s.Resumed, s.Login)
	}
	trk.Tick(closedAt(last).Add(decode.ResumeWait + time.Second))
	if trk.idleEnded != nil || trk.idleOrder != nil || trk.idleHead != 0 {
		t.Errorf("after the wait: %d kept, %d queued; want nothing", len(trk.idleEnded), len(trk.idleOrder))
	}
}

// TestIdleEndSmall: what a session closed as idle leaves for a day
// (decode.ResumeWait), up to maxIdleEnded of them, stays a few fields.
func TestIdleEndSmall(t *testing.T) {
	if n := unsafe.Sizeof(idleEnd{}); n > 96 {
		t.Errorf("idleEnd is %d bytes, want at most 96", n)
	}
}
