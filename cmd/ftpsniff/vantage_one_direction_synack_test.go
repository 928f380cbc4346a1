package main

import (
	"strings"
	"testing"
)

// TestVantageAnswerDirectionOnlyPointSeesSYNACKLoss guards the real
// router-drop-data-synack pair with the client's side capturing only its
// inbound packets (tcpdump -Q in): the server answered, the router
// dropped the SYN-ACKs, and the client's point, which captured exactly the
// direction they travel, saw none. It said "delivered" (the client point
// blind to the SYN, its silence taken as a gap); it is syn-ack-lost
// between the server and the client, as with the full capture.
func TestVantageAnswerDirectionOnlyPointSeesSYNACKLoss(t *testing.T) {
	dir := t.TempDir()
	clientIn := oneDirectionCopy(t, dir, "router-drop-data-synack-client.pcap", "10.99.1.2", true)
	_, p := onePath(t, clientIn, vantageRealDir+"router-drop-data-synack-server.pcap")
	if v, _ := p["verdict"].(string); p["where"] != "syn-ack-lost" || p["lost_after"] != "server" || p["lost_before"] != "client" ||
		!strings.Contains(v, `the SYN-ACK never reached "client"`) {
		t.Errorf("SYN-ACKs dropped, client capturing inbound only: %v %v-%v: %v", p["where"], p["lost_after"], p["lost_before"], p["verdict"])
	}
}
