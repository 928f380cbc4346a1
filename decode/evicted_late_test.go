package decode

import (
	"testing"
	"time"
)

// TestEvictedSessionLateBytes: a session evicted while alive sends more
// after the 4 minutes a closed connection's tombstone holds. While the
// table is full of live sessions its bytes are dropped (picked up, each
// would evict another: TestEvictedSessionLateBytesStartNoSession), and
// counted once a session; once the table has room again they are picked
// up mid-stream, a session of their own. A connection that has carried no
// byte yet is no room: it is usually a session in its handshake, whose
// banner would come back at a live session's expense. Before, they vanished for as
// long as the session kept sending (each renewed its tombstone, for an
// hour), uncounted: a DELE after the table emptied was reported nowhere.
func TestEvictedSessionLateBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		// room: what happens before a's later bytes; b and c are the
		// sessions open after a's eviction.
		room                             func(sc *boundsScene, b, c *bconv)
		opens, dropped, pickedUp, silent uint64
	}{
		{name: "table still full", room: func(*boundsScene, *bconv, *bconv) {}, opens: 3, dropped: 1},
		{name: "a session closed", room: func(_ *boundsScene, b, _ *bconv) { b.fin() }, opens: 4, pickedUp: 1},
		{name: "a handshake under way is not given up for it", room: func(sc *boundsScene, b, _ *bconv) {
			b.fin()
			sc.conv(3, 21).handshake() // no byte yet: its banner comes next
		}, opens: 3, dropped: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := newBoundsScene(t, Options{MaxControlConns: 2})
			a, b, c := sc.conv(0, 21), sc.conv(1, 21), sc.conv(2, 21)
			a.login()
			b.login()
			c.login() // the table is full: a, idle longest, is evicted
			sc.wait(5 * time.Minute)
			b.noop()
			c.noop()
			tc.room(sc, b, c)
			a.cli("DELE /payroll.xlsx\r\n")
			a.srv("250 deleted\r\n")
			a.noop()
			sc.d.Finish()
			st := sc.d.Stats()
			if st.ControlEvicted != 1 || st.EvictedLateDropped != tc.dropped || st.EvictedPickedUp != tc.pickedUp || st.SilentEvicted != tc.silent {
				t.Errorf("sessions_evicted %d, evicted_late_dropped %d, evicted_picked_up %d, silent_conns_evicted %d; want 1, %d, %d, %d",
					st.ControlEvicted, st.EvictedLateDropped, st.EvictedPickedUp, st.SilentEvicted, tc.dropped, tc.pickedUp, tc.silent)
			}
			if st.ControlConns != tc.opens {
				t.Errorf("control_conns %d; want %d", st.ControlConns, tc.opens)
			}
			dele := false
			for _, e := range sc.rec.control {
				if e.Kind == ControlCommand && e.Command.Verb == "DELE" {
					dele = true
				}
			}
			if dele != (tc.pickedUp == 1) {
				t.Errorf("the DELE reported: %v; want %v", dele, tc.pickedUp == 1)
			}
		})
	}
}
