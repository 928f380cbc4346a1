package main

import (
	"net/netip"
	"slices"
	"time"
)

// ifaceClockSkew is the pcapng mergecap makes of two hosts' captures whose
// clocks disagree (or one host's two NICs with their own hardware
// clocks): each direction on its own interface, client to server on
// interface 0, server to client on interface 1, whose stamps run skew
// ahead (behind when negative); the records in the order of their stamps,
// as mergecap writes them. Three sessions, each a control and a data
// handshake across the two interfaces.
func ifaceClockSkew(skew time.Duration) func() *capture {
	return func() *capture {
		a, b := ethernetLink(), ethernetLink()
		a.name, b.name = "client-side", "server-side"
		c := newCapture(formatPcapng, a, b)
		server := addr("192.168.70.10")
		for i := range 3 {
			client := netip.AddrPortFrom(addr("192.168.70.100"), uint16(51100+10*i))
			shortSession(c, 0, 0, client, netip.AddrPortFrom(server, 21), uint16(40300+i), "anonymous")
			c.now = c.now.Add(time.Minute)
		}
		for i := range c.recs {
			r := &c.recs[i]
			if netip.AddrFrom4([4]byte(r.data[26:30])) == server { // (Ethernet, IPv4 source)
				r.iface, r.ts = 1, r.ts.Add(skew)
			}
		}
		slices.SortStableFunc(c.recs, func(x, y record) int { return x.ts.Compare(y.ts) })
		return c
	}
}
