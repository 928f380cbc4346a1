package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestResetControlConnectionReadings guards how a reset control
// connection is read, on the captures of pcaps/synth/scenarios_ctlrst.go
// and the ASA's (scenarios_inspect.go):
//   - a command after 5 minutes without a line, reset at once, is a NAT
//     that forgot the idle connection only when no segment crossed it
//     both ways either: TCP keepalive probes answered by ACKs kept the
//     NAT's entry alive (the reading was given regardless);
//   - an RST from the client's side after a 227 the client's TCP had
//     acknowledged, with the TTL of the client's segments, is the
//     client's own (it was an error blaming a firewall); the ASA's, with
//     its own TTL, stays the firewall's, now said from the TTL;
//   - an RST with a TTL unlike its side's that both ends talk past does
//     not end the session: the PORT and STOR after it, and their data
//     connection, are read (the PORT was dropped as bytes after the
//     close when the session was quiet longer than the RST's hold, and a
//     session going on at once ended "rst").
func TestResetControlConnectionReadings(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	for _, tc := range []struct {
		file        string
		want, never []string
	}{
		{"ctlrst-keepalive-cmd-reset.pcap",
			[]string{"error control-reset", "ended the session at that command"},
			[]string{"forgot the idle connection", "of silence"}},
		{"ctlrst-silent-cmd-reset.pcap",
			[]string{"warning control-reset", "after 302.022s of silence", "forgot the idle connection"},
			nil},
		{"ctlrst-client-abort-227.pcap",
			[]string{"warning control-reset: The client most likely reset the control connection itself", "the client acknowledged the 227", "Nothing to change on a firewall"},
			[]string{"error control-reset", "inspect ftp strict"}},
		{"asa-227-tail-reset-server.pcap",
			[]string{"error control-reset", "with a TTL unlike the client's own segments: a box between", "inspect ftp strict"},
			[]string{"most likely reset the control connection itself"}},
		{"asa-227-tail-reset-client.pcap",
			[]string{"error control-reset", "the reset's TTL is unlike the server's other segments'"},
			nil},
		{"ctlrst-far-rst-client-quiet-goes-on.pcap",
			[]string{"<-- PORT 198,51,100,40,206,65", "data #1 PORT 198.51.100.40:52801 transferred: 4000 bytes", "end: fin after"},
			[]string{"no visible announcement", "not read, what came after", "capture gaps"}},
		{"ctlrst-far-rst-client-goes-on.pcap",
			[]string{"<-- PORT 198,51,100,40,206,85", "data #1 PORT 198.51.100.40:52821 transferred", "end: fin after 0.297s", "with a TTL unlike their sender's other segments"},
			[]string{"end: rst"}},
		{"ctlrst-odd-rst-server-goes-on.pcap",
			[]string{"end: fin after 0.297s", "with a TTL unlike their sender's other segments"},
			[]string{"end: rst"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			run([]string{"read", "--color", "never", "-v", "../../pcaps/synthetic/" + tc.file}, &stdout, &stderr)
			out := strings.Join(strings.Fields(stdout.String()), " ")
			for _, s := range tc.want {
				if !strings.Contains(out, s) {
					t.Errorf("lacks %q", s)
				}
			}
			for _, s := range tc.never {
				if strings.Contains(out, s) {
					t.Errorf("has %q", s)
				}
			}
			if t.Failed() {
				t.Log(stdout.String(), stderr.String())
			}
		})
	}
}
