package main

import (
	"strings"
	"testing"
)

// activeTwoPoint writes, through twoPointWire's DNAT router, an active
// RETR on a control connection to port: with its handshake and login
// (handshake), else from its PORT on (both captures begun after the
// handshake, as the reviewer's active1p21-late2 pair). The server
// connects from port 20 to the PORT's 10.99.1.2:50060.
func activeTwoPoint(t *testing.T, port uint16, handshake bool) (client, server string) {
	w := newTwoPointWire(t)
	const cp = 48989
	cseq, sseq := uint32(1000), uint32(5000)
	c := func(p string) {
		w.send(true, cp, port, cseq, sseq, false, true, p+"\r\n", false)
		cseq += uint32(len(p) + 2)
	}
	s := func(p string) {
		w.send(false, cp, port, sseq, cseq, false, true, p+"\r\n", false)
		sseq += uint32(len(p) + 2)
	}
	if handshake {
		w.send(true, cp, port, cseq, 0, true, false, "", false)
		w.send(false, cp, port, sseq, cseq+1, true, true, "", false)
		cseq, sseq = cseq+1, sseq+1
		w.send(true, cp, port, cseq, sseq, false, true, "", false)
		s("220 hi")
		c("USER a")
		s("331 pw")
	} else {
		cseq, sseq = cseq+4321, sseq+8765
	}
	c("PORT 10,99,1,2,195,140")
	s("200 ok")
	c("RETR f")
	const dp, isn, cisn = 50060, uint32(70000), uint32(90000)
	w.send(false, dp, 20, isn, 0, true, false, "", false)
	w.send(true, dp, 20, cisn, isn+1, true, true, "", false)
	w.send(false, dp, 20, isn+1, cisn+1, false, true, "", false)
	s("150 go")
	w.send(false, dp, 20, isn+1, cisn+1, false, true, "x", false)
	s("226 done")
	c("QUIT")
	s("221 bye")
	return w.files[0], w.files[1]
}

// TestVantageHelperFollowsTheControlConnectionFromItsStart guards the
// helper check of --vantage against a simulation that did not start where
// the kernel's did. Both captures begun after the handshake (reviewer's
// active1p21-late2, where Linux 6.18 made the expectation): the PORT,
// the first client segment they hold, was kept by neither point (its
// sides not known yet) and not searched ("first segment in its
// direction"), so the data connection was put down to "another rule (a
// forwarded port range)"; the check must pick the connection up as the
// single-capture path does (docs/linux-ftp-helper.md L5) and say so. A
// control connection on port 2121, which decode finds FTP on by content,
// with --helper-ports 21,2121 (reviewer's natport2): its handshake and
// first lines came before decode knew it for FTP, were not kept, and the
// session was "paired by its commands" and its PORT "first segment in
// its direction"; it must be followed from its SYN.
func TestVantageHelperFollowsTheControlConnectionFromItsStart(t *testing.T) {
	for _, tc := range []struct {
		name      string
		port      uint16
		handshake bool
		args      []string
		pickedUp  bool
	}{
		{"capture after the handshake", 21, false, nil, true},
		{"port 2121 found by content", 2121, true, []string{"--helper-ports", "21,2121"}, false},
		{"port 21 from the SYN", 21, true, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, server := activeTwoPoint(t, tc.port, tc.handshake)
			args := append([]string{"read", "--json", "--helper", "linux"}, tc.args...)
			recs := jsonRecords(t, append(args, "--vantage", "client="+client, "--vantage", "server="+server)...)
			ss, checks, steps, paths := ofType(recs, "vantage_session"), ofType(recs, "helper_check"), ofType(recs, "helper_step"), ofType(recs, "path")
			if len(ss) != 1 || len(checks) != 1 || len(paths) != 1 {
				t.Fatalf("want one session, helper check and path: %d, %d, %d", len(ss), len(checks), len(paths))
			}
			if tc.handshake && ss[0]["paired_by"] == "payload" {
				t.Errorf("paired by its lines though both points hold the SYN")
			}
			if len(steps) != 1 || steps[0]["kind"] != "PORT" || steps[0]["action"] != "expected" || steps[0]["agrees"] != true {
				t.Errorf("want the PORT expected, as the router did: %v", steps)
			}
			h, _ := paths[0]["helper"].(map[string]any)
			if v, _ := h["verdict"].(string); h["match"] != "match" || !strings.Contains(v, "admits this SYN (RELATED)") {
				t.Errorf("data connection: %v", h)
			}
			p, _ := checks[0]["picked_up"].(string)
			if tc.pickedUp != (p != "") || tc.pickedUp && !strings.Contains(p, "this assumes the helper tracked the connection from its start") {
				t.Errorf("picked_up %q, want it said: %v", p, tc.pickedUp)
			}
		})
	}
}
