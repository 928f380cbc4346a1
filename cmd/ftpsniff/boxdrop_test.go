package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestCaptureBoxBlamedForItsOwnDrop guards the reading of a capture taken
// on the box that drops data SYNs (tcpdump -i any on a router, a NAT;
// pcaps/synth/scenarios_boxdrop.go): the SYNs seen arriving and never
// leaving, while the conversation's other packets are seen both ways (the
// cooked header's direction), across the NAT (the session's other copy),
// or again one hop lower (two Ethernet ports, no direction recorded),
// were dropped by that box's forward chain (a NAT in front of the server
// may not forward the port at all). It said they passed the
// capture point and were dropped beyond it (verdict "dropped between
// client and server", first rule the server's input chain), and on a NAT
// box contradicted the other copy's "the box in between did not pass them
// on". A box that passed them on, and a capture on the server host
// itself, keep the reading beyond the capture point.
func TestCaptureBoxBlamedForItsOwnDrop(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	box := "so the box itself dropped them, in its forward chain, not a firewall beyond it"
	for _, tc := range []struct {
		file        string
		want, never []string
	}{
		{"box-router-any-drop.pcap",
			[]string{"error data-unanswered", "the client's other packets arrived at it and left it again, as the capture's link header records", box,
				"verdict: passive data connections are dropped by the box this capture was taken on (its forward chain",
				"# on the router this capture was taken on, the forward chain: nft insert rule inet filter forward ip daddr 10.60.2.10 tcp dport 50100-50200 ct state new accept"},
			[]string{"dropped beyond it", "dropped between client and server", "filter input", "on the server's own firewall"}},
		{"box-nat-any-drop.pcap",
			[]string{"it holds this connection on both sides of the box's NAT, session 1 the other side", box,
				"the box in between did not pass them on",
				"verdict: passive data connections are dropped by the box this capture was taken on"},
			[]string{"the SYNs left and nothing came back", "dropped between client and server", "filter input"}},
		{"box-router-two-ports-drop.pcapng",
			[]string{"the client's other packets were seen twice, arriving and again one hop lower as the box sent them on", box,
				"verdict: passive data connections are dropped by the box this capture was taken on"},
			[]string{"dropped beyond it", "filter input"}},
		{"box-router-any-active-drop.pcap",
			[]string{"error active-blocked", "the server's other packets arrived at it and left it again", "the SYNs were seen arriving from the server but never leaving toward 10.61.1.2, so the box itself dropped them",
				"let the connection in on the router this capture was taken on, which dropped it",
				"verdict: active data connections from the server back to the client are dropped by the box this capture was taken on",
				"# on the router this capture was taken on, which dropped them: attach the FTP helper"},
			[]string{"dropped beyond it", "a firewall or NAT on the client's side drops them", "# on the client:"}},
		{"box-dnat-any-drop.pcap",
			[]string{"so the box itself dropped them, in its forward chain or by not forwarding (DNAT) the port to the server, not a firewall beyond it",
				"verdict: passive data connections are dropped by the box this capture was taken on",
				"# on the NAT router this capture was taken on (which must forward the range to it), the forward chain: nft insert rule inet filter forward ip daddr 192.168.65.10",
				"nft add rule ip nat prerouting ip daddr 203.0.113.65 tcp dport 50700-50800 dnat to 192.168.65.10"},
			[]string{"dropped beyond it", "the SYNs left and nothing came back", "filter input"}},
		{"box-router-any-beyond.pcap",
			[]string{"The SYNs passed the capture point and nothing came back: they are dropped beyond it"},
			[]string{"the box itself dropped", "this capture was taken on, the forward chain"}},
		{"box-server-host-any-drop.pcap",
			[]string{"they are dropped beyond it, toward 10.64.2.10", "# on the server's own firewall:"},
			[]string{"the box itself dropped", "this capture was taken on, the forward chain"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			run([]string{"read", "--color", "never", "../../pcaps/synthetic/" + tc.file}, &stdout, &stderr)
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
