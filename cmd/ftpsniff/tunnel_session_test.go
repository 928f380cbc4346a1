package main

import (
	"strings"
	"testing"
)

// TestTunnelledSessionSaysSoAndHedgesBounce: a VXLAN packet stream from
// the sender's own address (198.51.100.66) to any host, carrying a
// made-up FTP session whose PORT names 10.9.9.9:25 (rev-attack3,
// pcaps/hostile/attack/g_vxfake.py), gave ftp-bounce and the verdict "a
// client used this server for an FTP bounce", with no word of the tunnel.
// The session now names the tunnel and its outer addresses (text header,
// JSON fields), and, one sender having made both sides, the bounce
// finding and the verdict say the session cannot be verified.
func TestTunnelledSessionSaysSoAndHedgesBounce(t *testing.T) {
	out := readAttack(t, "vxlan_fabricated_bounce.pcap")
	for _, want := range []string{
		"inside a tunnel (VXLAN), outer 198.51.100.66 -> 203.0.113.250 (the client's packets and the server's alike); unverified",
		"warning ftp-bounce",
		"Unverified: every packet of this session came inside a tunnel (VXLAN) from 198.51.100.66, which sent both sides' packets",
		"see the ftp-bounce finding; unverified: that session came only inside a tunnel",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	js := readAttack(t, "vxlan_fabricated_bounce.pcap", "--json")
	for _, want := range []string{`"tunnel":"VXLAN"`, `"tunnel_client_outer_src":"198.51.100.66"`, `"tunnel_server_outer_src":"198.51.100.66"`, `"tunnel_unverified":true`} {
		if !strings.Contains(js, want) {
			t.Errorf("no %s in the JSON:\n%s", want, js)
		}
	}
}

// TestFabricTunnelNotHedged: the same session as a monitored VXLAN
// fabric carries it, each side's packets from its own tunnel endpoint to
// the other's (g_vxfabric.py): the tunnel is named, the bounce stands
// unhedged.
func TestFabricTunnelNotHedged(t *testing.T) {
	out := readAttack(t, "vxlan_fabric_bounce.pcap")
	if want := "inside a tunnel (VXLAN), outer 192.0.2.11 -> 192.0.2.22 (the client's packets), 192.0.2.22 -> 192.0.2.11 (the server's)"; !strings.Contains(out, want) {
		t.Errorf("no %q in:\n%s", want, out)
	}
	if !strings.Contains(out, "warning ftp-bounce") || strings.Contains(strings.ToLower(out), "unverified") {
		t.Errorf("a fabric's tunnel hedged, or the bounce gone:\n%s", out)
	}
}
