package decode

import (
	"strings"
	"testing"
	"time"
)

// TestPayloadStalledWantedFollowedOn guards the extraction of a transfer
// stalled past payloadIdle (s-1800-busy.pcap with --extract: half an hour
// silent, then the rest of the file): the connection left the table idle
// while the tracker still followed it, its transfer command waiting for
// the final reply, and its later bytes started it again at an unknown
// offset, the file "incomplete (start not in the capture)". One the
// handler still wants stays, its bytes going on in place; one it no
// longer wants (the tracker ended it) leaves as before.
func TestPayloadStalledWantedFollowedOn(t *testing.T) {
	for _, tc := range []struct {
		name       string
		wanted     bool // the handler's word when it idles
		want       string
		idle, from uint64 // PayloadStats.Idle and StartUnknown
	}{
		{"still wanted", true, "abcdefghij", 0, 0},
		{"no longer wanted", false, "abcde[start unknown]fghij", 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &payloadRecorder{streams: map[string]*strings.Builder{}}
			d := New(h, Options{DataPayload: true})
			v := dataConv(t, d, dataCli, dataSrv)
			v.handshake()
			v.srv("abcde")
			h.refuse = !tc.wanted
			for range 30 {
				v.ts = v.ts.Add(time.Minute)
				d.Tick(v.ts)
			}
			h.refuse = false // (a late segment of it is asked about afresh)
			v.srv("fghij")
			d.Finish()
			if got := h.stream(dataSrv, dataCli).String(); got != tc.want {
				t.Errorf("stream = %q, want %q", got, tc.want)
			}
			if st := d.PayloadStats(); st.Idle != tc.idle || st.StartUnknown != tc.from {
				t.Errorf("idle %d, start unknown %d; want %d, %d", st.Idle, st.StartUnknown, tc.idle, tc.from)
			}
		})
	}
}
