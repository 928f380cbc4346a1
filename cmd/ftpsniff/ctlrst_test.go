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
//     session going on at once ended "rst");
//   - a command after a silence of lines only, keepalives crossing, says
//     that they crossed;
//   - a final reply after a silent transfer answered at once by an RST
//     in the client's name without the ACK flag or with another TTL is
//     control-idle-timeout (was "worked"), the client's own RST after
//     its ACK of the 226 not;
//   - a reset with another TTL than the client's after an unanswered
//     command is a box's, not a client that gave up.
//   - one a box sent in the server's name that the client took, the
//     server going on: its reply is shown (a pick-up after the close
//     when it came past the RST's hold; it was dropped, the command
//     carried out shown as never answered), and a session ended by the
//     reset ends at its last line, not at the last resend the hold took.
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
			[]string{"<-- PORT 198,51,100,40,206,85", "data #1 PORT 198.51.100.40:52821 transferred", "end: fin after 0.297s", "1 of those RSTs not taken, with a TTL unlike its sender's other segments"},
			[]string{"end: rst"}},
		{"ctlrst-odd-rst-server-goes-on.pcap",
			[]string{"end: fin after 0.297s", "1 of those RSTs not taken, with a TTL unlike its sender's other segments"},
			[]string{"end: rst"}},
		// The keepalives that crossed a control connection no line did
		// are said (they were only left out of the silence).
		{"ctlrst-keepalive-cmd-reset.pcap",
			[]string{"no line in the 302.032s before it, but TCP keepalives crossed both ways in the minute before it"},
			nil},
		{"ctlrst-silent-cmd-reset.pcap",
			nil,
			[]string{"TCP keepalives crossed"}},
		// A 226 after a silent transfer answered at once by an RST in the
		// client's name from no TCP that had it (no ACK flag; in the real
		// recording also the router's TTL): the reply never reached the
		// client (it was "the data connection worked", no finding).
		{"ctlrst-idle-226-nat-reset.pcap",
			[]string{"warning control-idle-timeout", "later by a reset from the client's address without the ACK flag", "verdict: the control connection stayed silent during 1 transfer"},
			[]string{"verdict: the data connection worked"}},
		{"../real/control-cut-download-server.pcap",
			[]string{"warning control-idle-timeout", "without the ACK flag and with another TTL than the client's", "verdict: the control connection stayed silent during 1 transfer"},
			[]string{"verdict: the data connection worked"}},
		// The client's own reset after it acknowledged the 226 (curl
		// closing after a complete download) stays fine.
		{"ctlrst-idle-226-client-reset.pcap",
			[]string{"verdict: the data connection worked"},
			[]string{"control-idle-timeout", "control-reset"}},
		// A reset in the client's name with another TTL, 12 s after an
		// unanswered command: a box between, not a client that gave up.
		{"ctlrst-unanswered-box-reset.pcap",
			[]string{"warning command-unanswered", "a box between (a firewall, an IPS) sent it, not the client", "before a reset from the client's address, with a TTL unlike the client's other segments'"},
			[]string{"giving up on it"}},
		// A box's reset in the server's name at a DELE the server
		// carried out: its 250, at once or 10 s later, is the session's,
		// after the reset, never acknowledged, its resends counted once;
		// control-reset says the server did it. No session of its own.
		{"ctlrst-fw-rst-server-replies-resent.pcap",
			[]string{"+0.117 --> 250 Delete operation successful. (the server went on after the reset, which it never sent; never acknowledged by the client, sent 6 more times)", "error control-reset", "went on and carried the command out", "end: rst after 0.096s", "sent 6 more times"},
			[]string{"session 2", "no reply seen"}},
		{"ctlrst-fw-rst-server-replies-once.pcap",
			[]string{"--> 250 Delete operation successful. (the server went on after the reset, which it never sent; never acknowledged by the client)", "error control-reset", "end: rst after 0.096s"},
			[]string{"session 2", "no reply seen", "more time"}},
		{"ctlrst-fw-rst-server-replies-client-rst.pcap",
			[]string{"--> 250 Delete operation successful. (the server went on after the reset, which it never sent; never acknowledged by the client)", "error control-reset", "end: rst after 0.096s"},
			[]string{"session 2", "no reply seen"}},
		{"ctlrst-fw-rst-server-late-resent.pcap",
			[]string{"+10.117 --> 250 Delete operation successful. (the server went on after the reset, which it never sent; never acknowledged by the client, sent 6 more times)", "error control-reset", "its 250 came 10.023s after it", "end: rst after 0.096s", "1 session,"},
			[]string{"session 2", "picked up mid-stream", "no reply seen", "whose other side took the reset"}},
		{"ctlrst-fw-rst-server-late-once.pcap",
			[]string{"+10.117 --> 250 Delete operation successful. (the server went on after the reset, which it never sent; never acknowledged by the client)", "error control-reset", "end: rst after 0.096s", "1 session,"},
			[]string{"session 2", "picked up mid-stream", "no reply seen"}},
		{"ctlrst-fw-rst-server-late-client-rst.pcap",
			[]string{"+10.117 --> 250 Delete operation successful. (the server went on after the reset, which it never sent; never acknowledged by the client)", "error control-reset", "end: rst after 0.096s", "1 session,"},
			[]string{"session 2", "picked up mid-stream", "no reply seen"}},
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
