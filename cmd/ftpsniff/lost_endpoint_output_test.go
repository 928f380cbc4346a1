package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

// TestLostPassiveEndpointOutputs: the capture lost the 227 (its bytes
// skipped in the server's stream); the client's SYN to the server's port
// 3306 is refused and the server says 425. The port the SYN went to is
// inferred, not announced: the JSON data record's "announced" is empty,
// the server record counts it in passive_ports_announcement_lost, and
// the text's server line calls it seen, not announced. Before:
// "announced":"10.0.0.1:3306" and "passive ports announced 3306".
func TestLostPassiveEndpointOutputs(t *testing.T) {
	c, path := newWireCap(t)
	s := openWireSession(c)
	s.reply("220 (vsFTPd 3.0.5)")
	s.cmd("USER alice")
	s.reply("331 Please specify the password.")
	s.cmd("PASS secret")
	s.reply("230 Login successful.")
	s.cmd("PASV")
	s.ctl.bseq += uint32(len("227 Entering Passive Mode (10,0,0,1,12,234).\r\n")) // lost
	s.cmd("RETR b.bin")
	from, to := netip.MustParseAddrPort("10.0.0.2:51500"), netip.MustParseAddrPort("10.0.0.1:3306")
	c.pkt(from, to, 7000, 0, "S", nil)
	c.pkt(to, from, 0, 7001, "RA", nil)
	s.reply("425 Failed to establish connection.")
	s.quit()

	var data, server map[string]any
	for _, r := range runJSONRecords(t, []string{"read", "--json", path}) {
		switch r["type"] {
		case "data":
			data = r
		case "server":
			server = r
		}
	}
	if data == nil || data["match"] != "announcement-lost" || data["server"] != to.String() {
		t.Fatalf("data record %v: want the refused connection to %v, announcement-lost", data, to)
	}
	if data["announced"] != "" {
		t.Errorf(`data record "announced": %v; want empty (inferred, not announced)`, data["announced"])
	}
	if server == nil || server["passive_ports_announcement_lost"] != float64(1) {
		t.Errorf("server record %v: want passive_ports_announcement_lost 1", server)
	}
	var out, errb bytes.Buffer
	run([]string{"read", path}, &out, &errb)
	found := false
	for _, l := range strings.Split(out.String(), "\n") {
		found = found || strings.HasPrefix(l, "server ")
		if strings.HasPrefix(l, "server ") && (strings.Contains(l, "passive port announced") || !strings.Contains(l, "passive port seen (its announcement lost in capture gaps")) {
			t.Errorf("server line %q: want the port seen, not announced", l)
		}
	}
	if !found {
		t.Errorf("no server line in:\n%s", out.String())
	}
}
