package main

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// loopbackRefusedCapture is a login and a PASV announcing srv:40000 on a control
// connection from cli to srv:21, whose data SYN is answered by RST from
// srv (nothing listened), then the 425.
func loopbackRefusedCapture(t *testing.T, cli, srv netip.Addr) string {
	c, path := newWireCap(t)
	s := &wireSession{
		ctl:  wireConn{c: c, a: netip.AddrPortFrom(cli, 43396), b: netip.AddrPortFrom(srv, 21), aseq: 1000, bseq: 5000},
		data: wireConn{c: c, a: netip.AddrPortFrom(cli, 43398), b: netip.AddrPortFrom(srv, 40000), aseq: 70000, bseq: 90000},
	}
	s.ctl.handshake()
	b := srv.As4()
	s.reply("220 fake")
	s.cmd("USER bob")
	s.reply("331 pw")
	s.cmd("PASS x")
	s.reply("230 ok")
	s.cmd("PASV")
	s.reply(fmt.Sprintf("227 Entering Passive Mode (%d,%d,%d,%d,156,64).", b[0], b[1], b[2], b[3]))
	k := &s.data
	c.pkt(k.a, k.b, k.aseq, 0, "S", nil)
	c.pkt(k.b, k.a, 0, k.aseq+1, "RA", nil)
	s.cmd("RETR f")
	s.reply("425 Failed to establish connection.")
	s.quit()
	c.w = nil
	return path
}

// TestRefusedSameHostNoSecondHost: the data-refused fix for a passive
// port on a loopback address does not say that another host or
// container behind the same address answered: the RST came from the
// server's own host (rv-newcomer: fake.py on 127.0.0.1:2121, nothing on
// the port it announced).
func TestRefusedSameHostNoSecondHost(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	recs := runJSONRecordsOK(t, "read", "--json", loopbackRefusedCapture(t, lo, lo))
	var advice string
	for _, r := range recs {
		if r["type"] == "finding" && r["code"] == "data-refused" {
			advice, _ = r["advice"].(string)
		}
	}
	if advice == "" {
		t.Fatalf("no data-refused finding in %v", recs)
	}
	if strings.Contains(advice, "another host") {
		t.Errorf("loopback: the fix claims another host answered:\n%s", advice)
	}
	if !strings.Contains(advice, "the server's host answered") {
		t.Errorf("loopback: the fix does not say the server's host answered:\n%s", advice)
	}
}
