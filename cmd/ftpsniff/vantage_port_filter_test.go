package main

import (
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// TestVantagePortFilteredServerSilenceIsNoLoss guards the real
// router-drop-data-syn pair with the server's capture filtered to the
// control connection (tcpdump 'tcp port 21'): the server's point could
// not have kept the data SYN, so its silence is no loss, and the path
// read syn-lost, "dropped in between" (a server host's firewall dropping
// it reads the same). The capture as recorded holds ARP, which a port
// filter drops: its silence there is a loss, syn-lost as before.
func TestVantagePortFilteredServerSilenceIsNoLoss(t *testing.T) {
	s21 := cutCopy(t, t.TempDir(), "router-drop-data-syn-server.pcap", "s21.pcap", func(_ int, p gopacket.Packet) bool {
		tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		return ok && (tcp.SrcPort == 21 || tcp.DstPort == 21)
	})
	client := vantageRealDir + "router-drop-data-syn-client.pcap"
	_, p := onePath(t, client, s21)
	if v, _ := p["verdict"].(string); p["where"] != "not-captured" ||
		!strings.Contains(v, `if "server" captured every packet (no filter), the SYN was dropped between "client" and "server"`) {
		t.Errorf("server filtered to port 21: %v: %v", p["where"], p["verdict"])
	}
	_, p = onePath(t, client, vantageRealDir+"router-drop-data-syn-server.pcap")
	if p["where"] != "syn-lost" {
		t.Errorf("server unfiltered: %v: %v", p["where"], p["verdict"])
	}
}
