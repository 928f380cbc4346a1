package main

import (
	"net/netip"
	"runtime"
	"slices"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestCollapsedClientsCostLittle: a collapsed finding keeps its clients
// as 8-byte hashes, and only the few it names as addresses: a day of
// 20,000 sessions from 4,096 clients kept each client as a 24-byte map
// key holding a pointer in each kind of finding every session raises
// (cleartext-login, ...), 0.7 MB of the text output's heap growing with
// the clients seen; the hours series' 20,000-session file read 33 MB.
func TestCollapsedClientsCostLittle(t *testing.T) {
	const clients = maxCollapseClients
	first := &track.Session{Client: netip.MustParseAddrPort("10.64.0.0:5000")}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g := newGroupValues(first, &diagnose.Finding{})
	for i := range clients {
		g.noteClient(netip.AddrFrom4([4]byte{10, 64, byte(i >> 8), byte(i)}))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / clients
	runtime.KeepAlive(&g)
	if per > 40 {
		t.Errorf("a collapsed finding keeps %.1f bytes per client; want at most 40 (an address as the key: 70)", per)
	}
}

// TestCollapsedClientsUnmappedOnce: a fix names its clients unmapped, so
// an IPv4-mapped address and its plain form count once there, and the
// header, which counts them as seen, twice (as when each was kept as an
// address).
func TestCollapsedClientsUnmappedOnce(t *testing.T) {
	first := &track.Session{Client: netip.MustParseAddrPort("10.64.0.9:5000")}
	g := newGroupValues(first, &diagnose.Finding{})
	h := newGroupValues(first, &diagnose.Finding{})
	g.noteClient(netip.MustParseAddr("::ffff:10.64.0.9"))
	g.noteClient(netip.MustParseAddr("10.64.0.20"))
	h.noteClient(netip.MustParseAddr("10.64.0.9"))
	h.noteClient(netip.MustParseAddr("2001:db8::1"))
	n, lowest := keptUnmapped([]*groupValues{&g, &h})
	want := []netip.Addr{netip.MustParseAddr("10.64.0.9"), netip.MustParseAddr("10.64.0.20"), netip.MustParseAddr("2001:db8::1")}
	if n != 3 || !slices.Equal(lowest, want) {
		t.Errorf("unmapped: %d clients, lowest %v; want 3, %v", n, lowest, want)
	}
	if got := clientsWords(lowest, n, n, false); got != "each of the 3 clients, 10.64.0.9, 10.64.0.20, 2001:db8::1" {
		t.Errorf("words %q", got)
	}
	for i := range 40 {
		g.noteClient(netip.AddrFrom4([4]byte{10, 0, 0, byte(40 - i)}))
	}
	n, lowest = keptUnmapped([]*groupValues{&g, &h})
	if n != 43 || len(lowest) != maxClientsNamed || lowest[0] != netip.MustParseAddr("10.0.0.1") || lowest[15] != netip.MustParseAddr("10.0.0.16") {
		t.Errorf("after 40 more: %d clients, lowest %v", n, lowest)
	}
}
