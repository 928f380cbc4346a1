package main

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestControlPortSweepEndsAndSpoils guards, end to end, a sweep of port
// 21 at 10.0.0.51 that then hid a real outage: 20 h after a scan from 10
// addresses, 10 one-shot clients 2 min apart were all info with no rule
// (the sweep never ended); and after the sweep showed, a monitor refused
// every minute counted as one more probe each time. Now the outage's
// refusals are errors with the rule that opens the port, and so are the
// monitor's from its second check on.
func TestControlPortSweepEndsAndSpoils(t *testing.T) {
	srv := netip.MustParseAddrPort("10.0.0.51:21")
	refuse := func(c *wireCap, cli netip.Addr, port uint16, wait time.Duration) {
		a := netip.AddrPortFrom(cli, port)
		c.pkt(a, srv, 7000, 0, "S", nil)
		c.pkt(srv, a, 0, 7001, "RA", nil)
		c.ts = c.ts.Add(wait)
	}
	for _, tc := range []struct {
		name, footer string
		later        func(c *wireCap)
	}{
		{"an outage 20 h after the scan", "findings: 17 errors, 0 warnings, 3 info", func(c *wireCap) {
			c.ts = c.ts.Add(20 * time.Hour)
			for i := range 10 {
				refuse(c, netip.AddrFrom4([4]byte{10, 20, 0, byte(i + 1)}), uint16(40000+i), 2*time.Minute)
			}
		}},
		{"a monitor back every minute", "findings: 16 errors, 0 warnings, 4 info", func(c *wireCap) {
			for k := range 10 {
				c.ts = c.ts.Add(time.Minute)
				refuse(c, netip.MustParseAddr("10.9.9.9"), uint16(50000+k), 0)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			for i := range 10 {
				refuse(c, netip.AddrFrom4([4]byte{198, 51, 100, byte(i + 1)}), uint16(41000+i), 50*time.Millisecond)
			}
			tc.later(c)
			c.w = nil
			out, _, _ := readText(t, "--summary", "--server", srv.String(), path)
			if !strings.Contains(out, tc.footer) {
				t.Errorf("footer not %q:\n%s", tc.footer, out)
			}
			if strings.Contains(out, "a port scan looks like this;") || !strings.Contains(out, "    nft insert rule inet filter input tcp dport 21 ct state new accept") {
				t.Errorf("verdict is a scan's, or the change block does not open the port:\n%s", out)
			}
		})
	}
}
