package decode

import (
	"strings"
	"testing"
)

// TestPayloadRecentFloorWhenBudgetSpent guards the copies compared once
// the recent-bytes budget (payloadRecentTotal) is spent by other
// connections: a forged segment, then the real one at the same place a
// packet later, must still be compared (a conflict), and a copy a few
// segments back too. Before, a connection that found the budget spent
// kept no recent byte at all: the copy was only "unchecked", and the
// file held the forged bytes. Within the budget the same shapes were
// compared already.
func TestPayloadRecentFloorWhenBudgetSpent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spent bool
		back  int // segments of 1000 bytes between the forged copy and the real one
	}{
		{"budget free, next packet", false, 0},
		{"budget spent, next packet", true, 0},
		{"budget spent, three segments later", true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &noticeRecorder{payloadRecorder{streams: map[string]*strings.Builder{}}}
			d := New(h, Options{DataPayload: true})
			if tc.spent {
				d.pay.recentBytes = payloadRecentTotal // other connections hold it all
			}
			v := dataConv(t, d, dataCli, dataSrv)
			v.handshake()
			v.srv(strings.Repeat("a", 1000))
			at := v.sseq
			v.srv(strings.Repeat("F", 1000)) // forged (the receiver drops it: a wrong checksum)
			for range tc.back {
				v.srv(strings.Repeat("b", 1000))
			}
			v.send(v.s, v.c, at, v.cseq, FlagACK|FlagPSH, strings.Repeat("r", 1000)) // the real one
			v.finBoth()
			d.Finish()
			if st := d.PayloadStats(); st.Conflicts != 1 || st.Unchecked != 0 {
				t.Errorf("conflicts %d, unchecked %d; want the copy compared: 1 conflict", st.Conflicts, st.Unchecked)
			}
		})
	}
}

// TestPayloadRecentBytesKeptInOrder guards the recent bytes kept as they
// grow, stop growing at the budget (a ring of what they have), and grow
// again when it frees: every byte kept is the one delivered at its place,
// at least the last payloadRecentFloor are kept, and the table counts the
// buffers' capacity.
func TestPayloadRecentBytesKeptInOrder(t *testing.T) {
	for _, tc := range []struct {
		name    string
		spent   bool // the budget is spent before the first bytes
		freeAt  int  // after this many deliveries the budget frees (0: never)
		segs    []int
		minKept int // bytes at least kept at the end
	}{
		{"small, budget free", false, 0, []int{100, 200, 300}, 600},
		{"large, budget free", false, 0, []int{60000, 1448, 64000, 200000, 1448}, payloadRecent},
		{"budget spent, small segments", true, 0, []int{1448, 1448, 1448, 1448, 1448}, payloadRecentFloor},
		{"budget spent, one huge segment", true, 0, []int{65536, 10}, payloadRecentFloor},
		{"budget spent, then freed", true, 3, []int{3000, 3000, 3000, 50000, 70000}, 120000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := &payloadTable{}
			pc := &payloadConn{t: tab}
			if tc.spent {
				tab.recentBytes = payloadRecentTotal
			}
			var all []byte
			for i, n := range tc.segs {
				if tc.freeAt > 0 && i == tc.freeAt {
					tab.recentBytes -= payloadRecentTotal
				}
				b := make([]byte, n)
				for j := range b {
					b[j] = byte(len(all) + j*7/5)
				}
				all = append(all, b...)
				pc.r.half[0].next += uint32(n)
				pc.keepRecent(0, b)
			}
			rb := &pc.recent[0]
			if rb.n < min(tc.minKept, len(all)) || rb.n > len(all) {
				t.Fatalf("%d bytes kept of %d; want at least %d", rb.n, len(all), min(tc.minKept, len(all)))
			}
			end := pc.r.half[0].next
			for back := 1; back <= rb.n; back++ {
				c, ok := rb.at(end - uint32(back))
				if !ok || c != all[len(all)-back] {
					t.Fatalf("byte %d back: %v %d, want %d", back, ok, c, all[len(all)-back])
				}
			}
			if _, ok := rb.at(end - uint32(rb.n) - 1); ok {
				t.Errorf("a byte past the %d kept is said kept", rb.n)
			}
			want := cap(rb.buf)
			if tc.spent && tc.freeAt == 0 {
				want += payloadRecentTotal
			}
			if tab.recentBytes != want {
				t.Errorf("table counts %d recent bytes, want %d", tab.recentBytes, want)
			}
		})
	}
}
