package main

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"
)

// clockSkewScenarios are the captures of interfaces whose clocks disagree
// (decode/clockskew.go) and those that must read as they did before any
// correction: clocks that agree, a split tap's microseconds of jitter.
func clockSkewScenarios() []scenario {
	return []scenario{
		{"iface-clock-ahead-2s.pcapng", built(ifaceClockSkew(2*time.Second, 0, 0))},
		{"iface-clock-behind-2s.pcapng", built(ifaceClockSkew(-2*time.Second, 0, 0))},
		{"iface-clock-agree.pcapng", built(ifaceClockSkew(0, 0, 0))},
		{"iface-clock-agree-later.pcapng", built(ifaceClockSkew(0, 0, 0, time.Hour))},
		{"iface-clock-tap-jitter-60us.pcapng", built(splitTapJitter)},
		{"iface-clock-ahead-2s-stepback.pcapng", built(ifaceClockSkew(2*time.Second, 0, -time.Hour))},
		{"iface-clock-agree-stepback.pcapng", built(ifaceClockSkew(0, 0, -time.Hour))},
	}
}

// ifaceClockSkew is the pcapng mergecap makes of two hosts' captures whose
// clocks disagree (or one host's two NICs with their own hardware
// clocks): each direction on its own interface, client to server on
// interface 0, server to client on interface 1, whose stamps run skew
// ahead (behind when negative), each stamp of interface 1 moved by up to
// jitter either way (a split tap's interrupt jitter); the records in the
// order of their stamps, as mergecap writes them. Three sessions a minute
// apart, each a control and a data handshake across the two interfaces.
// step, when not zero, sets both clocks by it before the third session
// (a step back when negative): its records come after the others'. late
// starts the capture that much after the others'.
func ifaceClockSkew(skew, jitter, step time.Duration, late ...time.Duration) func() *capture {
	return func() *capture {
		a, b := ethernetLink(), ethernetLink()
		a.name, b.name = "client-side", "server-side"
		c := newCapture(formatPcapng, a, b)
		for _, l := range late {
			c.now = c.now.Add(l)
		}
		server := addr("192.168.70.10")
		stepAt := 0
		for i := range 3 {
			if i == 2 && step != 0 {
				stepAt = len(c.recs)
			}
			client := netip.AddrPortFrom(addr("192.168.70.100"), uint16(51100+10*i))
			shortSession(c, 0, 0, client, netip.AddrPortFrom(server, 21), uint16(40300+i), "anonymous")
			c.now = c.now.Add(time.Minute)
		}
		rng := rand.New(rand.NewPCG(60, 1))
		for i := range c.recs {
			r := &c.recs[i]
			if netip.AddrFrom4([4]byte(r.data[26:30])) == server { // (Ethernet, IPv4 source)
				r.iface, r.ts = 1, r.ts.Add(skew)
				if jitter > 0 {
					r.ts = r.ts.Add(time.Duration(rng.Int64N(int64(2*jitter+1))) - jitter)
				}
			}
		}
		if step == 0 {
			slices.SortStableFunc(c.recs, func(x, y record) int { return x.ts.Compare(y.ts) })
			return c
		}
		// Each part merged by its stamps; the part after the step after
		// the part before it, as both files had them.
		before, after := c.recs[:stepAt], c.recs[stepAt:]
		for i := range after {
			after[i].ts = after[i].ts.Add(step)
		}
		slices.SortStableFunc(before, func(x, y record) int { return x.ts.Compare(y.ts) })
		slices.SortStableFunc(after, func(x, y record) int { return x.ts.Compare(y.ts) })
		return c
	}
}

// splitTapJitter is the split-direction tap the reviewers read (rt-g): a
// TAP beside the server sends each direction to its own port of one
// capture host, whose interrupts stamp them with up to 60 us of jitter
// either way; the server answers within 20 us, the client, far away, 200 ms
// later. Zero lies within every handshake's bounds but for the jitter,
// and the bounds are as loose as the client's round trip: the middle of
// them read as a 100 ms offset (200 ms in the reviewers' own capture)
// made every reply look that slow. Nothing here is beyond jitter.
func splitTapJitter() *capture {
	c := ifaceClockSkew(0, 0, 0)()
	server := addr("192.168.70.10")
	rng := rand.New(rand.NewPCG(60, 2))
	base := c.recs[0].ts
	var prev, prevServer time.Time
	for i := range c.recs {
		r := &c.recs[i]
		r.ts = base.Add(200 * r.ts.Sub(base)) // (a packet every 200 ms)
		if netip.AddrFrom4([4]byte(r.data[26:30])) != server {
			prev = r.ts
			continue
		}
		if !prev.IsZero() {
			r.ts = prev.Add(20*time.Microsecond + time.Duration(rng.Int64N(int64(120*time.Microsecond+1))) - 60*time.Microsecond)
		}
		if !r.ts.After(prevServer) {
			r.ts = prevServer.Add(time.Microsecond) // (one port's packets in their order)
		}
		prevServer = r.ts
	}
	slices.SortStableFunc(c.recs, func(x, y record) int { return x.ts.Compare(y.ts) })
	return c
}
