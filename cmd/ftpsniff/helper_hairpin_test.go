package main

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelperHairpinSeenFromTheClient guards the helper's reading of a
// 227 that names an address on the client's own network while the
// client dials another (a hairpin NAT: the router at 10.99.1.1 forwards
// the control port to the server at 10.99.2.2, on the client's network).
// Recorded through a Linux router (reviewer's hairpin-pasv-trust-br) on
// the client's side, the server's segments came with TTL 63: it was read
// as a capture on the server's side whose server is at 10.99.1.1 and
// announces its passive address setting ("This capture is on the
// server's side"), with helper-would-block; the router's helper does
// create the expectation, rewrite the 227 to 10.99.1.1 and let the data
// connection through (hairpin-pasv-helper-br: expectation 10.99.2.3 ->
// 10.99.1.1:40021). With the server's segments at a host's initial TTL
// and the client's lowered (through the DNAT) the capture is on the
// server's side, and that reading stays. With every segment of both
// sides at a host's initial TTL (hairpin-pasv-trust: the router bridges
// client and server, br_netfilter translating without routing) nothing
// puts the capture behind the NAT: the client's side, as with TTL 63.
func TestHelperHairpinSeenFromTheClient(t *testing.T) {
	for _, tc := range []struct {
		name       string
		serverTTL  uint8
		clientTTL  uint8
		want, none []string // codes
		in         map[string][]string
		out        []string
	}{
		{"the server one router away: the client's side", 63, 64,
			[]string{CodeHelperRewrite, CodeHelperOpens}, []string{CodeHelperIgnored, CodeHelperBlocks},
			map[string][]string{
				CodeHelperRewrite: {"rewrite this 227 to 10,99,1,1,156,89", "expect tcp 10.99.2.3:any -> 10.99.1.1:40025", "attach the helper on the NAT router", "inside address 10.99.2.2 (split DNS)", "forward the passive range to 10.99.2.2 and loop it back"},
				CodeHelperOpens:   {"so the client would connect to 10.99.1.1:40025 instead"},
			}, []string{"a bridge with netfilter"}},
		{"no TTL lowered on either side: the client's side (a bridging NAT)", 64, 64,
			[]string{CodeHelperRewrite, CodeHelperOpens}, []string{CodeHelperIgnored, CodeHelperBlocks},
			map[string][]string{
				CodeHelperRewrite: {"rewrite this 227 to 10,99,1,1,156,89", "put this capture on its side", "a bridge with netfilter", "inside address 10.99.2.2 (split DNS)"},
				CodeHelperOpens:   {"so the client would connect to 10.99.1.1:40025 instead"},
			}, []string{"on the server's side"}},
		{"the client through the DNAT, the server beside the capture: its side", 64, 63,
			[]string{CodeHelperIgnored, CodeHelperBlocks}, []string{CodeHelperRewrite},
			map[string][]string{CodeHelperIgnored: {"This capture is on the server's side"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := pasvSession("10.99.2.3:42284", "10.99.1.1:21", "10.99.2.2:40025", "227 Entering Passive Mode (10,99,2,2,156,89).")
			s.ttl = map[netip.Addr]uint8{netip.MustParseAddr("10.99.1.1"): tc.serverTTL, netip.MustParseAddr("10.99.2.3"): tc.clientTTL}
			path := filepath.Join(t.TempDir(), "c.pcap")
			writeHelperCapture(t, path, s)
			fs := helperCodeFindings(t, path)
			for _, code := range tc.want {
				if len(findingsOf(fs, code)) != 1 {
					t.Errorf("want one %s, got %v", code, fs)
				}
			}
			for _, code := range tc.none {
				if len(findingsOf(fs, code)) != 0 {
					t.Errorf("unwanted %s: %v", code, findingsOf(fs, code))
				}
			}
			for code, ins := range tc.in {
				for _, f := range findingsOf(fs, code) {
					text, _ := f["message"].(string)
					adv, _ := f["advice"].(string)
					for _, w := range ins {
						if !strings.Contains(text+" | "+adv, w) {
							t.Errorf("%s lacks %q: %s | %s", code, w, text, adv)
						}
					}
				}
			}
			for _, f := range fs {
				text, _ := f["message"].(string)
				for _, w := range tc.out {
					if strings.Contains(text, w) {
						t.Errorf("%s says %q: %s", f["code"], w, text)
					}
				}
			}
		})
	}
}

// TestHelperWrongAddressBehindRouter guards the helper's advice on a 227
// naming another address of the client's network than the one it dials
// (a wrong passive address setting) when the TTLs show a router in front
// of the server. Recorded through a Linux router that DNATs its
// 10.99.1.1:21 to the server at 10.99.2.2 with the helper attached
// (reviewer's pasvaddr-wrong: pasv_address=10.99.1.77, the server's
// segments with TTL 63): the advice was "make the server announce
// 10.99.1.1", which alone fails (pasvaddr-public: no expectation, the
// router's own RST); unset, the router's helper rewrote the server's own
// address and expected the data connection (the lab's assigned21), and
// set, it worked once the router forwarded the range too. With no router
// (every TTL initial) announcing the address dialled is the fix.
func TestHelperWrongAddressBehindRouter(t *testing.T) {
	for _, tc := range []struct {
		name      string
		serverTTL uint8
		in, out   []string
	}{
		{"a router in front of the server", 63,
			[]string{"most likely 10.99.1.1 is that router's own address", "leave the server's passive address unset", "rewrites to 10.99.1.1 (nf_nat_ftp)", "or set it to 10.99.1.1 and also forward (DNAT) the passive port range on that router", "setting the address alone does not do"},
			[]string{"make the server announce 10.99.1.1"}},
		{"no router", 64,
			[]string{"make the server announce 10.99.1.1"},
			[]string{"leave the server's passive address unset", "that router's own address"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := pasvSession("10.99.1.2:33662", "10.99.1.1:21", "10.99.1.77:40000", "227 Entering Passive Mode (10,99,1,77,156,64).")
			s.dataFrom = netip.AddrPort{} // the client found no host at 10.99.1.77
			s.ttl = map[netip.Addr]uint8{netip.MustParseAddr("10.99.1.1"): tc.serverTTL}
			path := filepath.Join(t.TempDir(), "c.pcap")
			writeHelperCapture(t, path, s)
			ig := findingsOf(helperCodeFindings(t, path), CodeHelperIgnored)
			if len(ig) != 1 {
				t.Fatalf("want one helper-no-expectation, got %v", ig)
			}
			text := ig[0]["message"].(string) + " | " + ig[0]["advice"].(string)
			for _, w := range tc.in {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q: %s", w, text)
				}
			}
			for _, w := range tc.out {
				if strings.Contains(text, w) {
					t.Errorf("says %q: %s", w, text)
				}
			}
		})
	}
}

// TestHelperPortAfterDNATNotBlamed guards the verdict on a data
// connection of a session on a port the helper is not said to watch
// when the capture may see the control port after a router's DNAT
// changed it. Recorded through a Linux router DNATing its port 21 to the
// server's 2121 with "ct original proto-dst 21 ct helper set" (reviewer's
// pub21-srv2121-fixed): the kernel expected the data connection and the
// transfer worked, and the server's side capture got helper-would-block
// "nothing is expected for port 2121" with a rule for 2121 that, loaded
// on the router, attaches nothing. A data connection that got through is
// no warning; the rule says which port to match (the port clients dial,
// before the DNAT) where the capture's may be after one; a failed one
// stays an error.
func TestHelperPortAfterDNATNotBlamed(t *testing.T) {
	cli := netip.MustParseAddrPort("10.99.1.2:35568")
	for _, tc := range []struct {
		name           string
		server, dataTo string
		clientTTL      uint8
		noAnswer       bool
		sev            string
		in, out        []string
	}{
		{"the server's side, worked", "10.99.2.2:2121", "10.99.2.2:40088", 63, false, "info",
			[]string{"got through", "which may not be 2121", "ct original proto-dst 2121", "the rule must match the port clients dial, as the router sees it before its DNAT", "or to the port it forwards to 2121, say so"},
			[]string{"would not open"}},
		{"the client's side, worked", "10.99.1.1:2121", "10.99.1.1:40007", 64, false, "info",
			[]string{"got through", "ct original proto-dst 2121"},
			[]string{"would not open", "may not be 2121", "before its DNAT"}},
		{"the server's side, failed", "10.99.2.2:2121", "10.99.2.2:40088", 63, true, "error",
			[]string{"would not open this data connection", "ct original proto-dst 2121", "the rule must match the port clients dial, as the router sees it before its DNAT"},
			[]string{"got through"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, to := netip.MustParseAddrPort(tc.server), netip.MustParseAddrPort(tc.dataTo)
			s := helperSession{client: cli, server: srv, handshake: true, noAnswer: tc.noAnswer,
				exchange: [][2]string{{"USER a", "331 pw"}, {"PASS b", "230 ok"},
					{"PASV", "227 Entering Passive Mode (" + strings.ReplaceAll(to.Addr().String(), ".", ",") + ",156,152)."}},
				dataFrom: netip.AddrPortFrom(cli.Addr(), 38826), dataTo: netip.AddrPortFrom(to.Addr(), 40088),
				ttl: map[netip.Addr]uint8{cli.Addr(): tc.clientTTL, srv.Addr(): 64 + 63 - tc.clientTTL}}
			path := filepath.Join(t.TempDir(), "c.pcap")
			writeHelperCapture(t, path, s)
			bl := findingsOf(helperCodeFindings(t, path, "--control-port", "2121"), CodeHelperBlocks)
			if len(bl) != 1 {
				t.Fatalf("want one helper-would-block, got %v", bl)
			}
			text := bl[0]["message"].(string) + " | " + bl[0]["advice"].(string)
			if sev := bl[0]["severity"]; sev != tc.sev {
				t.Errorf("severity %v, want %s: %s", sev, tc.sev, text)
			}
			for _, w := range tc.in {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q: %s", w, text)
				}
			}
			for _, w := range tc.out {
				if strings.Contains(text, w) {
					t.Errorf("says %q: %s", w, text)
				}
			}
		})
	}
}
