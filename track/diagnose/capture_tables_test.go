package diagnose

import (
	"net/netip"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestCaptureTablesBoundedOldestFirst: the capture-wide tables (the
// capture point's timing votes by pair of networks, the clients' active
// peers) hold at most their bound however many networks and clients a
// capture of hours passes, forgetting the one first seen longest ago and
// counting it; near and far stay the sums of the pairs kept, so a
// forgotten pair's votes leave no trace.
func TestCaptureTablesBoundedOldestFirst(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var p prefixVotes
	n := 3 * maxVoteNets
	for i := range n {
		cli := netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1})
		dc := &track.DataConn{Passive: true, Client: netip.AddrPortFrom(cli, 40000), Server: netip.MustParseAddrPort("192.0.2.10:40001"),
			SYNs: 1, FirstSYN: t0, LastSYN: t0}
		handshake(dc, 30*time.Millisecond, 30*time.Microsecond) // timed beside the server
		p.add(dc)
	}
	if len(p.pair) != maxVoteNets || len(p.near) > maxVoteNets || len(p.far) > maxVoteNets || p.forgotten != n-maxVoteNets {
		t.Fatalf("pairs %d, near %d, far %d, forgotten %d; want %d pairs at most and %d forgotten", len(p.pair), len(p.near), len(p.far), p.forgotten, maxVoteNets, n-maxVoteNets)
	}
	near, far := map[netip.Prefix]voteTally{}, map[netip.Prefix]voteTally{}
	for k, v := range p.pair {
		near[k[0]] = near[k[0]].plus(v)
		far[k[1]] = far[k[1]].plus(v)
	}
	for _, c := range []struct {
		name      string
		got, want map[netip.Prefix]voteTally
	}{{"near", p.near, near}, {"far", p.far, far}} {
		if len(c.got) != len(c.want) {
			t.Errorf("%s holds %d networks, the pairs %d", c.name, len(c.got), len(c.want))
		}
		for k, v := range c.want {
			if c.got[k] != v {
				t.Errorf("%s[%v] = %+v, the pairs sum to %+v", c.name, k, c.got[k], v)
			}
		}
	}
	// The newest pair is kept, the oldest forgotten.
	newest := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte((n - 1) >> 8), byte(n - 1), 0}), 24)
	oldest := netip.MustParsePrefix("10.0.0.0/24")
	if p.near[newest].n+p.far[newest].n != 1 || p.near[oldest].n+p.far[oldest].n != 0 {
		t.Errorf("newest %+v %+v, oldest %+v %+v", p.near[newest], p.far[newest], p.near[oldest], p.far[oldest])
	}

	var a activePeers
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	for i := range 3 * maxActivePeers {
		a.got(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), srv)
	}
	if len(a.m) != maxActivePeers || a.forgotten != 2*maxActivePeers {
		t.Errorf("active peers %d, forgotten %d; want %d and %d", len(a.m), a.forgotten, maxActivePeers, 2*maxActivePeers)
	}
}
