package main

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestReportICMPFromListenerDrawnAtItsLane: an ICMP error sent by the
// host the data SYN went to (its own firewall) is drawn from that host's
// lane, with the SYN reaching it, as a RST from it is; one from any other
// address (a router, the control address when the data address differs)
// starts on the path, with the SYN ending short.
func TestReportICMPFromListenerDrawnAtItsLane(t *testing.T) {
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		name    string
		passive bool
		from    string
		atLane  bool
	}{
		{"passive, from the server", true, "10.99.0.1", true},
		{"passive, from a router", true, "10.99.0.254", false},
		{"active, from the client", false, "10.0.0.5", true},
		{"active, from a router", false, "10.99.0.254", false},
		{"passive, from the server as v4-mapped", true, "::ffff:10.99.0.1", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			client, server := netip.MustParseAddrPort("10.0.0.5:40000"), netip.MustParseAddrPort("10.99.0.1:50000")
			if !tt.passive {
				// Active: the FTP server opens the connection to the client.
				client, server = netip.MustParseAddrPort("10.99.0.1:20"), netip.MustParseAddrPort("10.0.0.5:40000")
			}
			d := &track.DataConn{
				ID: 1, Passive: tt.passive, Announced: server, Client: client, Server: server,
				Outcome: track.OutcomeUnreachable, SYNs: 1, FirstSYN: t0, LastSYN: t0,
				ICMP: &track.ICMPInfo{From: netip.MustParseAddr(tt.from), Code: 10, TS: t0.Add(time.Millisecond)},
			}
			rows := dataRows(d)
			var syn, icmp *lrow
			for i := range rows {
				switch {
				case strings.Contains(rows[i].text, "SYN "):
					syn = &rows[i]
				case strings.Contains(rows[i].text, "ICMP"):
					icmp = &rows[i]
				}
			}
			if syn == nil || icmp == nil {
				t.Fatalf("rows %+v: want a SYN and an ICMP row", rows)
			}
			if syn.toMid == tt.atLane || icmp.fromMid == tt.atLane {
				t.Errorf("SYN toMid %v, ICMP fromMid %v: want both %v", syn.toMid, icmp.fromMid, !tt.atLane)
			}
			if tt.atLane && syn.style == styleLost {
				t.Errorf("the SYN the listener answered is drawn lost")
			}
		})
	}
}
