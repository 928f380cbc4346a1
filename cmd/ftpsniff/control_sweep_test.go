package main

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// sweepCapture writes probes of port 21 at 10.0.0.51, where nothing
// listens: from clients distinct addresses (10.200.0.1 on), each sends
// syns SYNs a second apart, every one answered by the kernel's RST+ACK,
// on rounds connections one after the other. spoke: each address first
// logs in to the FTP server at 10.0.0.1 on a connection of its own.
func sweepCapture(t *testing.T, clients, syns, rounds int, spoke bool) string {
	c, path := newWireCap(t)
	srv := netip.MustParseAddrPort("10.0.0.51:21")
	ftpSrv := netip.MustParseAddrPort("10.0.0.1:21")
	for i := range clients {
		for r := range rounds {
			cli := netip.AddrFrom4([4]byte{10, 200, byte(i / 250), byte(i%250 + 1)})
			if spoke && r == 0 {
				k := wireConn{c: c, a: netip.AddrPortFrom(cli, 40000), b: ftpSrv, aseq: 100, bseq: 900}
				k.handshake()
				k.fromB([]byte("220 (vsFTPd 3.0.5)\r\n"))
				k.fromA([]byte("USER anonymous\r\n"))
				k.fromB([]byte("331 Please specify the password.\r\n"))
				k.fromA([]byte("QUIT\r\n"))
				k.fromB([]byte("221 Goodbye.\r\n"))
				k.closeFromB()
			}
			a := netip.AddrPortFrom(cli, uint16(41000+r*1000+i))
			isn := uint32(7000 + i)
			for range syns {
				c.pkt(a, srv, isn, 0, "S", nil)
				c.pkt(srv, a, 0, isn+1, "RA", nil)
				c.ts = c.ts.Add(time.Second)
			}
			c.ts = c.ts.Add(5 * time.Second)
		}
		c.ts = c.ts.Add(50 * time.Millisecond)
	}
	c.w = nil
	return path
}

// TestControlPortSweepIsNoOutage guards control-refused at an address
// where no FTP server runs and a scan sweeps port 21: many addresses, one
// SYN each, never back, none of which ever opened an FTP session. Each
// refusal was an error telling to open the port, and the server's change
// block opened it: on a multi-address host, thousands of errors over
// weeks. Now, from the sweepClients-th address on, each is info saying a
// scan looks like this, the verdict says so, hedged, and no rule opens
// the port. A refused client that sends its SYN again, comes back, or
// spoke FTP elsewhere is no probe: those stay errors, with the rule.
func TestControlPortSweepIsNoOutage(t *testing.T) {
	const openRule = "tcp dport 21 ct state new accept"
	for _, tc := range []struct {
		name               string
		clients, syns, rnd int
		spoke              bool
		sweep              bool
		footer             string
	}{
		{"sweep", 30, 1, 1, false, true, "findings: 7 errors, 0 warnings, 23 info"},
		{"fewer addresses than a sweep", 7, 1, 1, false, false, "findings: 7 errors, 0 warnings, 0 info"},
		{"clients send their SYN again", 30, 3, 1, false, false, "findings: 30 errors, 0 warnings, 0 info"},
		{"clients come back", 10, 1, 2, false, false, "findings: 20 errors, 0 warnings, 0 info"},
		{"clients spoke FTP elsewhere", 30, 1, 1, true, false, "findings: 30 errors, 0 warnings, 0 info"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := sweepCapture(t, tc.clients, tc.syns, tc.rnd, tc.spoke)
			out, stderr, code := readText(t, "--summary", "--server", "10.0.0.51:21", path)
			if code != 1 && code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(out, tc.footer) {
				t.Errorf("footer not %q:\n%s", tc.footer, out)
			}
			scan := strings.Contains(out, "a port scan looks like this")
			rule := strings.Contains(out, "    nft insert rule inet filter input "+openRule)
			if scan != tc.sweep || rule == tc.sweep {
				t.Errorf("scan said %v, open rule in the change block %v; want %v, %v:\n%s", scan, rule, tc.sweep, !tc.sweep, out)
			}
			if !tc.sweep {
				return
			}
			want := fmt.Sprintf("port 21 at 10.0.0.51 refused %d connection attempts from %d different addresses, one SYN each and none sent again", tc.clients, tc.clients)
			if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
				t.Errorf("verdict lacks %q:\n%s", want, out)
			}
			if !strings.Contains(out, "info control-refused in 23 sessions from 23 clients") {
				t.Errorf("the probes are not one info entry:\n%s", out)
			}
		})
	}
}

// TestControlPortSweepOfManyServersMerged guards the `servers never
// reached` block of a sweep of port 21 over 9 addresses from the same 10
// sources: each server's refusals are errors until its sweep shows and
// info after, and the block merged them by code alone, so the info ones
// read as errors with the rule that opens the port, and each server
// counted twice ("at 18 servers"). Each source is also a scan of many
// hosts by its 8th server: its probes from there on are info too (the
// first 7 servers' first 7 sources stay errors), and a server with info
// of both readings is still one server.
func TestControlPortSweepOfManyServersMerged(t *testing.T) {
	c, path := newWireCap(t)
	for sv := range 9 {
		srv := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(50 + sv)}), 21)
		for i := range 10 {
			a := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 200, 0, byte(i + 1)}), uint16(41000+sv*100+i))
			c.pkt(a, srv, 7000, 0, "S", nil)
			c.pkt(srv, a, 0, 7001, "RA", nil)
			c.ts = c.ts.Add(50 * time.Millisecond)
		}
	}
	c.w = nil
	out, _, _ := readText(t, "--summary", path)
	for _, want := range []string{"servers never reached: 9 addresses, 90 sessions", "error control-refused at 7 servers, in 49 sessions from 7 clients",
		"info control-refused at 9 servers, in 41 sessions from 10 clients", "findings: 49 errors, 0 warnings, 41 info"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
}
