package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// TestNeverOpenedServersWrittenAsOneBlock guards the summary's
// readability on a scan of port 21 across a network's hosts: each host
// that refused got a server block of its own with the same verdict and
// rules (500 hosts: 17,505 lines). From neverOpenedMin such servers on,
// they are one block, their findings merged; fewer keep their blocks.
func TestNeverOpenedServersWrittenAsOneBlock(t *testing.T) {
	for _, tc := range []struct {
		hosts int
		block bool
	}{{neverOpenedMin - 1, false}, {neverOpenedMin + 2, true}} {
		t.Run(fmt.Sprint(tc.hosts), func(t *testing.T) {
			c, path := newWireCap(t)
			for i := range tc.hosts {
				cli := netip.AddrPortFrom(netip.AddrFrom4([4]byte{100, 64, 0, byte(1 + i)}), 40000)
				srv := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(1 + i)}), 21)
				c.pkt(cli, srv, 1000, 0, "S", nil)
				c.pkt(srv, cli, 0, 1001, "RA", nil)
			}
			var out, errb bytes.Buffer
			if code := run([]string{"read", "--summary", "--color", "never", path}, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			text := out.String()
			blocks := strings.Count(text, "\nserver ") + strings.Count(text[:min(len(text), 7)], "server ")
			merged := strings.Contains(text, fmt.Sprintf("servers never reached: %d addresses", tc.hosts))
			switch {
			case tc.block && (!merged || blocks != 0):
				t.Errorf("%d hosts: merged %v, %d server blocks:\n%s", tc.hosts, merged, blocks, text)
			case !tc.block && (merged || blocks != tc.hosts):
				t.Errorf("%d hosts: merged %v, %d server blocks, want %d:\n%s", tc.hosts, merged, blocks, tc.hosts, text)
			}
			// The list of failed sessions groups them too: its first
			// sessions, then one count.
			more := fmt.Sprintf("… %d more sessions of the servers never reached", tc.hosts-listedPerReason)
			if tc.block && (!strings.Contains(text, more) || strings.Count(text, "--session ") != listedPerReason) {
				t.Errorf("the failed sessions' list is not grouped:\n%s", text)
			}
		})
	}
}
