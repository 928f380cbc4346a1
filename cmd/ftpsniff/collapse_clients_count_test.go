package main

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestCollapsedFindingCountsClientsPastThoseKept guards the header of a
// finding collapsed over many sessions: 10,000 clients each raising
// cleartext-login once read "from more than 4096 clients", the bound of
// the clients kept to name them. Past those, clients are counted as
// hashes up to maxCollapseCount, so the header and the <client> legend
// say how many; only past that bound "more than".
func TestCollapsedFindingCountsClientsPastThoseKept(t *testing.T) {
	for _, tc := range []struct {
		clients int
		want    string
	}{
		{3, "each of the 3 clients, 10.64.0.0, 10.64.0.1, 10.64.0.2"},
		{10000, "each of the 10000 clients, "},
		{maxCollapseCount + 3, "each of the more than 16384 clients, "},
	} {
		first := &track.Session{Client: netip.MustParseAddrPort("10.64.0.0:5000")}
		g := newGroupValues(first, &diagnose.Finding{})
		for i := range tc.clients {
			a := netip.AddrFrom4([4]byte{10, 64, byte(i >> 8), byte(i)})
			g.noteClient(a)
			g.noteClient(a) // (a client's second session counts once)
		}
		n, over := len(g.clients), g.clientsOver
		if m, ok := countedClients([]*groupValues{&g}); ok {
			n = m
		}
		kept, lowest := keptUnmapped([]*groupValues{&g})
		if got := clientsWords(lowest, kept, n, over); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%d clients: %q, want it to start %q", tc.clients, got, tc.want)
		}
	}
}
