package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// udpFrame writes an Ethernet frame of IPv4 carrying payload in UDP from
// sport to dport.
func (c *wireCap) udpFrame(sport, dport uint16, payload []byte) {
	c.t.Helper()
	c.ts = c.ts.Add(c.gap)
	c.packets++
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: []byte{192, 0, 2, 1}, DstIP: []byte{192, 0, 2, 2}}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	_ = udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload(payload)); err != nil {
		c.t.Fatal(err)
	}
	if err := c.w.WritePacket(gopacket.CaptureInfo{Timestamp: c.ts, CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}, buf.Bytes()); err != nil {
		c.t.Fatal(err)
	}
}

// TestNoTCPCaptureSaysWhatItHeld: a capture with packets but not one TCP
// segment (a mirror streamed on a UDP port ftpsniff does not follow)
// printed "0 sessions ...; 5 packets, 0 TCP" and nothing else. It says
// what the packets were, by protocol and UDP port, in text and in the
// JSON summary's links; a capture with TCP says nothing of the kind.
func TestNoTCPCaptureSaysWhatItHeld(t *testing.T) {
	c, path := newWireCap(t)
	for range 4 {
		c.udpFrame(40003, 9999, make([]byte, 60))
	}
	c.udpFrame(53, 51000, make([]byte, 30))
	var out, stderr bytes.Buffer
	run([]string{"read", "--color", "never", path}, &out, &stderr)
	if want := "  no TCP: 5 packets: 4 UDP port 9999, 1 UDP port 53\n"; !strings.Contains(out.String(), want) {
		t.Errorf("text output lacks %q:\n%s", want, out.String())
	}
	sum := jsonRecsOf(runJSONRecordsOK(t, "read", "--json", path), "summary")
	if len(sum) != 1 {
		t.Fatalf("%d summaries", len(sum))
	}
	links, _ := sum[0]["links"].(map[string]any)
	kinds, _ := links["not_tcp_kinds"].([]any)
	if len(kinds) != 2 {
		t.Fatalf("links %v: want two kinds not TCP", sum[0]["links"])
	}
	if k, _ := kinds[0].(map[string]any); k["name"] != "UDP" || k["port"] != 9999.0 || k["packets"] != 4.0 || k["protocol"] != 17.0 {
		t.Errorf("first kind %v", k)
	}

	c2, path2 := newWireCap(t)
	c2.udpFrame(40003, 9999, nil)
	k := wireConn{c: c2, a: netip.MustParseAddrPort("10.0.0.2:50000"), b: netip.MustParseAddrPort("10.0.0.1:21"), aseq: 1000, bseq: 5000}
	k.handshake()
	out.Reset()
	run([]string{"read", "--color", "never", path2}, &out, &stderr)
	if strings.Contains(out.String(), "no TCP") {
		t.Errorf("a capture with TCP says no TCP:\n%s", out.String())
	}
	if sum := jsonRecsOf(runJSONRecordsOK(t, "read", "--json", path2), "summary"); len(sum) != 1 || sum[0]["links"] != nil {
		t.Errorf("summary links with TCP: %v", sum)
	}
}
