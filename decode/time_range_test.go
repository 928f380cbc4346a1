package decode

import (
	"testing"
	"time"
)

// TestTimeOutOfRangeRefused: a packet stamped in the year 3000 (a pcapng
// interface's offset gone wrong; one of -2^63 seconds made year
// 292277026652) was decoded at its time: a session's span printed as
// "-2562047h-47m-16.-8s", its JSON ts no RFC 3339 time. Packets stamped
// before year 1 or from 2262 on are now counted and not decoded; the ones
// around them are.
func TestTimeOutOfRangeRefused(t *testing.T) {
	for _, bad := range []time.Time{
		time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(-1<<40, 0),
		time.Unix(1<<62, 0),
	} {
		rec, d, a := openConv(t)
		a.srv("220 hi\r\n")
		real := a.ts
		a.ts = bad
		a.cli("USER alice\r\n") // refused: its bytes a hole
		a.ts = real
		a.cli("USER alice\r\n") // sent again
		a.srv("331 password\r\n")
		d.Finish()
		if st := d.Stats(); st.TimeOutOfRange != 1 {
			t.Errorf("%v: TimeOutOfRange %d, want 1", bad, st.TimeOutOfRange)
		}
		for _, e := range rec.control {
			if e.TS.Year() != real.Year() || e.LastSeen.Year() > real.Year() {
				t.Errorf("%v: an event at %v", bad, e.TS)
			}
		}
	}
}
