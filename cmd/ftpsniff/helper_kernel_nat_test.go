package main

import (
	"net/netip"
	"strings"
	"testing"
)

// The tests of this file replay, in captures made here, what a Linux 6.18
// router with the FTP helper (nft "ct helper set", DNAT of 198.51.100.1 to
// the server 10.77.2.2, masquerade of the client 10.77.2.2 to
// 198.51.100.1) did in the reviewer's lab (conntrack -E expect on the
// router): the single capture on either side, as each side saw it.

// natLine is one segment of a control connection: from the client or
// the server, its payload as sent (several lines in one segment when the
// sender put them there).
type natLine struct {
	client bool
	p      string
}

// natSession is one control connection with its handshake, the segments
// after the greeting, and a data connection from dataFrom to dataTo
// after them, answered by SYN-ACK, or by RST when refused.
type natSession struct {
	client, server   netip.AddrPort
	segs             []natLine
	dataFrom, dataTo netip.AddrPort
	refused          bool
}

// writeNATCapture writes s as an Ethernet pcap (wireCap) and returns its
// path.
func writeNATCapture(t *testing.T, s natSession) string {
	t.Helper()
	c, path := newWireCap(t)
	ctl := &wireConn{c: c, a: s.client, b: s.server, aseq: 1000, bseq: 5000}
	ctl.handshake()
	ctl.fromB([]byte("220 lab\r\n"))
	for _, l := range append([]natLine{{true, "USER x\r\n"}, {false, "331 pw\r\n"}, {true, "PASS y\r\n"}, {false, "230 ok\r\n"}}, s.segs...) {
		if l.client {
			ctl.fromA([]byte(l.p))
		} else {
			ctl.fromB([]byte(l.p))
		}
	}
	if s.dataFrom.IsValid() {
		c.pkt(s.dataFrom, s.dataTo, 7000, 0, "S", nil)
		if s.refused {
			c.pkt(s.dataTo, s.dataFrom, 0, 7001, "RA", nil)
		} else {
			c.pkt(s.dataTo, s.dataFrom, 9000, 7001, "SA", nil)
			c.pkt(s.dataFrom, s.dataTo, 7001, 9001, "A", nil)
			ctl.fromB([]byte("150 here it comes\r\n"))
			ctl.fromB([]byte("226 done\r\n"))
		}
	}
	ctl.fromA([]byte("QUIT\r\n"))
	ctl.fromB([]byte("221 bye\r\n"))
	return path
}

func natFindings(t *testing.T, s natSession, args ...string) []map[string]any {
	t.Helper()
	return helperCodeFindings(t, writeNATCapture(t, s), args...)
}

var (
	natPublicClient = netip.MustParseAddrPort("198.51.100.2:53218")
	natRouter       = netip.MustParseAddr("198.51.100.1")
	natInside       = netip.MustParseAddr("10.77.2.2")
)

// TestHelperSaysWhyRefusedPORTWasUnseen guards a PORT that lftp
// (ftp:sync-mode off) sent after "TYPE I" in one segment, which the
// server refused (reviewer's multiport500-snat-*.pcap, Linux 6.18: no
// expectation, nf_nat_ftp never rewrote it, vsftpd "500 Illegal PORT
// command."): the helper, attached, cannot see a PORT that does not
// start its segment, which is why the server got the private address.
// Before, a refused announcement got no helper finding at all, and only
// the diagnoser's advice to attach the helper that is attached.
func TestHelperSaysWhyRefusedPORTWasUnseen(t *testing.T) {
	segs := []natLine{{true, "TYPE I\r\nPORT 10,77,2,2,160,48\r\n"}, {false, "200 Switching to Binary mode.\r\n"}, {false, "500 Illegal PORT command.\r\n"}}
	for _, tc := range []struct {
		name   string
		client netip.AddrPort
		server netip.AddrPort
		nat    bool // the finding names the NAT
	}{
		// At the FTP server: the client masqueraded to the router.
		{"server-side", netip.AddrPortFrom(natRouter, 33444), netip.MustParseAddrPort("198.51.100.2:21"), true},
		// At the FTP client, behind the masquerade.
		{"client-side", netip.AddrPortFrom(natInside, 33444), netip.MustParseAddrPort("198.51.100.2:21"), true},
		// No NAT at all: the server refused active mode.
		{"no-nat", netip.AddrPortFrom(natInside, 33444), netip.MustParseAddrPort("10.77.2.3:21"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := natFindings(t, natSession{client: tc.client, server: tc.server, segs: segs})
			ig := findingsOf(fs, CodeHelperIgnored)
			if len(ig) != 1 || len(fs) != 1 {
				t.Fatalf("want one helper-no-expectation alone, got %v", fs)
			}
			msg, _ := ig[0]["message"].(string)
			adv, _ := ig[0]["advice"].(string)
			if !strings.Contains(msg, "not at the start of its segment") || !strings.Contains(msg, `The server refused it ("500 Illegal PORT command.")`) {
				t.Errorf("message does not say why: %s", msg)
			}
			if got := strings.Contains(msg, "the server gets the client's own address 10.77.2.2"); got != tc.nat {
				t.Errorf("NAT named %v, want %v: %s", got, tc.nat, msg)
			}
			if !strings.Contains(adv, "ftp:sync-mode on") || strings.Contains(adv, "ct helper set") || strings.Contains(adv, "CT --helper") {
				t.Errorf("advice: %s", adv)
			}
		})
	}
	// The same PORT at the start of its segment: the helper sees it, and
	// a refused announcement expects nothing either way.
	fs := natFindings(t, natSession{client: netip.AddrPortFrom(natRouter, 33444), server: netip.MustParseAddrPort("198.51.100.2:21"),
		segs: []natLine{{true, "PORT 10,77,2,2,160,48\r\n"}, {false, "500 Illegal PORT command.\r\n"}}})
	if len(fs) != 0 {
		t.Errorf("a refused PORT the helper saw: %v", fs)
	}
}

// TestHelperNoRelatedWhenTheAnnouncerMayBeTranslated guards the verdict
// on a data connection to the address the announcer is seen at, when
// that address is public: the capture may be outside a NAT in front of
// the announcer (reviewer's loose-nat-client.pcap: the server behind a
// DNAT with pasv_address=198.51.100.1; plainport-snat-pub-client.pcap:
// the masqueraded client announcing its public address). Linux 6.18,
// loose=0, compared the announced address with the announcer's own
// 10.77.2.2: no expectation, the SYN got RST. The capture cannot tell
// that from no NAT, or from nf_nat_ftp's rewrite: no "RELATED, let
// through", least of all next to a refused SYN. Before: helper-opens
// ("RELATED, let through") next to data-refused and active-blocked. The
// announcer's segments carry TTL 63 here, as in those captures (they
// crossed the router): with a host's initial TTL no router is between
// the announcer and the capture, which then sees its own address.
func TestHelperNoRelatedWhenTheAnnouncerMayBeTranslated(t *testing.T) {
	pasv := func(refused bool) natSession {
		return natSession{client: natPublicClient, server: netip.AddrPortFrom(natRouter, 21),
			segs:     []natLine{{true, "PASV\r\n"}, {false, "227 Entering Passive Mode (198,51,100,1,156,78).\r\n"}},
			dataFrom: netip.AddrPortFrom(natPublicClient.Addr(), 53220), dataTo: netip.AddrPortFrom(natRouter, 40014), refused: refused}
	}
	port := func(refused bool) natSession {
		return natSession{client: netip.AddrPortFrom(natRouter, 60458), server: netip.MustParseAddrPort("198.51.100.2:21"),
			segs:     []natLine{{true, "PORT 198,51,100,1,160,46\r\n"}, {false, "200 PORT ok\r\n"}},
			dataFrom: netip.MustParseAddrPort("198.51.100.2:53322"), dataTo: netip.AddrPortFrom(natRouter, 41006), refused: refused}
	}
	for _, tc := range []struct {
		name     string
		s        natSession
		args     []string
		code     string
		severity string
		says     []string
	}{
		{"pasv-refused", pasv(true), nil, CodeHelperBlocks, "warning", []string{"this capture cannot tell", "not RELATED (no expectation, loose=0)", "pasv_address"}},
		{"port-refused", port(true), nil, CodeHelperBlocks, "warning", []string{"this capture cannot tell", "not RELATED (no expectation, loose=0)", "external IP address"}},
		{"pasv-worked", pasv(false), nil, CodeHelperOpens, "info", []string{"tells which", "not RELATED (no expectation, loose=0)"}},
		// loose=1 trusts the announced address: RELATED either way.
		{"pasv-loose", pasv(false), []string{"--helper-loose"}, CodeHelperOpens, "info", []string{"RELATED, let through"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeNATCapture(t, tc.s)
			routeFrom(t, path, natRouter, 63) // the announcer, through the router
			fs := helperCodeFindings(t, path, tc.args...)
			got := findingsOf(fs, tc.code)
			if len(got) != 1 || len(fs) != 1 {
				t.Fatalf("want one %s alone, got %v", tc.code, fs)
			}
			if got[0]["severity"] != tc.severity {
				t.Errorf("severity %v, want %s", got[0]["severity"], tc.severity)
			}
			msg, _ := got[0]["message"].(string)
			for _, w := range tc.says {
				if !strings.Contains(msg+" "+got[0]["advice"].(string), w) {
					t.Errorf("does not say %q: %s", w, msg)
				}
			}
			if tc.args == nil && strings.Contains(msg, "RELATED, let through") {
				t.Errorf("asserts RELATED: %s", msg)
			}
		})
	}
	// The announcer at a private address is no proof that the capture
	// is on its side of a NAT: a router DNATs private addresses too, and
	// its helper compares the 227's address with the server's own
	// behind it (help(): ct->tuplehash[dir].tuple.src; loose=0), so
	// through a router it is hedged like a public one
	// (TestHelperPrivateAnnouncerMayBeTranslated). With the server's
	// segments at a host's initial TTL (no router between it and the
	// capture, which sees its own address) the verdict stands.
	s := natSession{client: netip.MustParseAddrPort("10.77.2.5:53218"), server: netip.AddrPortFrom(natInside, 21),
		segs:     []natLine{{true, "PASV\r\n"}, {false, "227 Entering Passive Mode (10,77,2,2,156,78).\r\n"}},
		dataFrom: netip.MustParseAddrPort("10.77.2.5:53220"), dataTo: netip.AddrPortFrom(natInside, 40014)}
	path := writeNATCapture(t, s)
	fs := helperCodeFindings(t, path)
	if op := findingsOf(fs, CodeHelperOpens); len(op) != 1 || len(fs) != 1 || !strings.Contains(op[0]["message"].(string), "RELATED, let through") {
		t.Errorf("private announcer, no router: %v", fs)
	}
	routeFrom(t, path, natInside, 63)
	fs = helperCodeFindings(t, path)
	if op := findingsOf(fs, CodeHelperOpens); len(op) != 1 || len(fs) != 1 || strings.Contains(op[0]["message"].(string), "RELATED, let through") {
		t.Errorf("private announcer through a router: %v", fs)
	}
}

// TestHelperLooseFollowsTheMasterNAT guards --helper-loose on a capture
// on the announcer's side of a NAT (reviewer's loose-nat-L1-server.pcap,
// plainport-snat-L1-server.pcap; Linux 6.18 loose=1: one expectation,
// dst 198.51.100.1, both transfers worked): the router matched the SYN
// at the announced address and nf_nat_follow_master sent it on to the
// announcer's own address, where this capture sees it. Before:
// helper-would-block "destination address differs".
func TestHelperLooseFollowsTheMasterNAT(t *testing.T) {
	pub := netip.MustParseAddrPort("198.51.100.2:39118")
	for _, tc := range []struct {
		name string
		s    natSession
		code string
	}{
		{"pasv", natSession{client: netip.MustParseAddrPort("198.51.100.2:35124"), server: netip.AddrPortFrom(natInside, 21),
			segs:     []natLine{{true, "PASV\r\n"}, {false, "227 Entering Passive Mode (198,51,100,1,156,78).\r\n"}},
			dataFrom: pub, dataTo: netip.AddrPortFrom(natInside, 40014)}, CodeHelperOpens},
		{"port", natSession{client: netip.AddrPortFrom(natInside, 60458), server: netip.MustParseAddrPort("198.51.100.2:21"),
			segs:     []natLine{{true, "PORT 198,51,100,1,160,46\r\n"}, {false, "200 PORT ok\r\n"}},
			dataFrom: netip.MustParseAddrPort("198.51.100.2:40156"), dataTo: netip.AddrPortFrom(natInside, 41006)}, CodeHelperOpens},
		// From another host than the expectation's: not RELATED.
		{"pasv-other-source", natSession{client: netip.MustParseAddrPort("198.51.100.2:35124"), server: netip.AddrPortFrom(natInside, 21),
			segs:     []natLine{{true, "PASV\r\n"}, {false, "227 Entering Passive Mode (198,51,100,1,156,78).\r\n"}},
			dataFrom: netip.MustParseAddrPort("198.51.100.9:39118"), dataTo: netip.AddrPortFrom(natInside, 40014)}, CodeHelperBlocks},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := natFindings(t, tc.s, "--helper-loose")
			got := findingsOf(fs, tc.code)
			if len(got) != 1 || len(findingsOf(fs, CodeHelperOpens))+len(findingsOf(fs, CodeHelperBlocks)) != 1 {
				t.Fatalf("want one %s, got %v", tc.code, fs)
			}
			if msg := got[0]["message"].(string); tc.code == CodeHelperOpens && !strings.Contains(msg, "nf_nat_follow_master forwards it to "+tc.s.dataTo.String()) {
				t.Errorf("message: %s", msg)
			}
		})
	}
}
