package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// fragNeeded writes the router's ICMP fragmentation needed (type 3 code
// 4, next-hop MTU mtu) quoting the segment of the given length from src
// to dst at seq.
func (c *wireCap) fragNeeded(router netip.Addr, src, dst netip.AddrPort, seq uint32, n int, mtu uint16) {
	c.t.Helper()
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, Flags: layers.IPv4DontFragment, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, ACK: true, PSH: true, Window: 65535}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		c.t.Fatal(err)
	}
	quoted := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(quoted, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, tcp, gopacket.Payload(make([]byte, n))); err != nil {
		c.t.Fatal(err)
	}
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
	outer := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolICMPv4, SrcIP: router.AsSlice(), DstIP: src.Addr().AsSlice()}
	icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(3, 4), Seq: mtu}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, outer, icmp, gopacket.Payload(quoted.Bytes()[:28])); err != nil {
		c.t.Fatal(err)
	}
	b := buf.Bytes()
	if err := c.w.WritePacket(gopacket.CaptureInfo{Timestamp: c.ts, CaptureLength: len(b), Length: len(b)}, b); err != nil {
		c.t.Fatal(err)
	}
}

// TestPMTUBlackHoleInEveryOutput: a RETR whose 1440-byte segment the
// server sends again and again, each copy answered by a router's
// fragmentation needed, the client acknowledging none: the data line
// says the bytes never arrived, the server's verdict names the black hole
// (not "carried nothing … not a firewall problem"), and the JSON data
// record carries path_mtu with black_hole.
func TestPMTUBlackHoleInEveryOutput(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	s.data.handshake()
	s.cmd("RETR big.bin")
	s.reply("150 Opening BINARY mode data connection for big.bin (20000 bytes).")
	router := netip.MustParseAddr("10.0.0.254")
	body := wireBody(1440)
	for range 4 {
		c.pkt(s.data.b, s.data.a, s.data.bseq, s.data.aseq, "PA", body)
		c.fragNeeded(router, s.data.b, s.data.a, s.data.bseq, len(body), 1400)
	}
	c.pkt(s.data.a, s.data.b, s.data.aseq, s.data.bseq, "RA", nil)
	s.reply("426 Failure writing network stream.")
	s.quit()

	var out, errb bytes.Buffer
	if code := run([]string{"read", "--color", "never", "--summary", "-v", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"verdict: a path MTU black hole stopped 1 data connection", "the 1440 bytes 10.0.0.1 sent never arrived", "error pmtu-blackhole"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if code := run([]string{"read", "--json", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r struct {
			Type    string `json:"type"`
			Outcome string `json:"outcome"`
			PathMTU *struct {
				MTU       int    `json:"mtu"`
				From      string `json:"from"`
				BlackHole bool   `json:"black_hole"`
			} `json:"path_mtu"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Type != "data" {
			continue
		}
		found = true
		if r.Outcome != "connected" || r.PathMTU == nil || !r.PathMTU.BlackHole || r.PathMTU.MTU != 1400 || r.PathMTU.From != "10.0.0.254" {
			t.Errorf("data record: %s", line)
		}
	}
	if !found {
		t.Error("no data record")
	}
}
