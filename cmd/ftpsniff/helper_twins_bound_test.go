package main

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track/nfhelper"
)

// TestHelperTwinSYNsForgotten guards the bound of the data SYNs kept to
// recognise their copy on a router's other side: kept for every data
// connection of the capture, they grew with it (7 MB at 80,000 sessions);
// the idle sweep keeps only those of the last twinWait.
func TestHelperTwinSYNsForgotten(t *testing.T) {
	h := newHelperLayer(nfhelper.Config{}, nopSink{}, nil, portSetOf([]uint16{21}))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), 40000)
		h.openedSYN[synID{src, uint32(i)}] = t0.Add(time.Duration(i) * time.Second)
	}
	h.forgetTwins(t0.Add(1000 * time.Second))
	// Those less than twinWait old: seconds 941 to 999.
	if n, want := len(h.openedSYN), int(twinWait/time.Second)-1; n != want {
		t.Errorf("%d SYNs kept, want %d", n, want)
	}
}
