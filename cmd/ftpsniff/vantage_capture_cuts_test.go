package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// cutCopy writes the packets of the real capture name that keep accepts
// (num is 1-based, as editcap counts) to dir/out: what a capture filter,
// or a rotated file, would have held.
func cutCopy(t *testing.T, dir, name, out string, keep func(num int, p gopacket.Packet) bool) string {
	t.Helper()
	needCaptures(t, name)
	in, err := os.Open(vantageRealDir + name)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r, err := pcapgo.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, out)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(r.Snaplen(), r.LinkType()); err != nil {
		t.Fatal(err)
	}
	for num := 1; ; num++ {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !keep(num, gopacket.NewPacket(data, r.LinkType(), gopacket.NoCopy)) {
			continue
		}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// TestVantageFilteredClientIsNotDelivered guards the real
// router-drop-data-synack pair with the client's capture filtered to the
// control connection (tcpdump 'tcp port 21'): the server saw the data SYN
// retried and answered, never completed. The client's point, capturing,
// kept nothing of it, which says nothing of the SYN-ACK: not "delivered"
// (as it was), but not captured, the server's view saying the answer never
// reached the sender.
func TestVantageFilteredClientIsNotDelivered(t *testing.T) {
	dir := t.TempDir()
	c21 := cutCopy(t, dir, "router-drop-data-synack-client.pcap", "c21.pcap", func(_ int, p gopacket.Packet) bool {
		tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		return ok && (tcp.SrcPort == 21 || tcp.DstPort == 21)
	})
	_, p := onePath(t, c21, vantageRealDir+"router-drop-data-synack-server.pcap")
	if v, _ := p["verdict"].(string); p["where"] != "not-captured" || !strings.Contains(v, "the answer never reached the sender") {
		t.Errorf("client filtered to port 21: %v: %v", p["where"], p["verdict"])
	}
	if g := gapsText(p); !strings.Contains(g, `"client" did not capture it, though its SYN passed there`) {
		t.Errorf("gaps %q: want the client's gap said of the SYN only", g)
	}
}

// TestVantageMissingRotatedFileIsNotSYNLost guards the server's point
// given as two rotated files with the one between them (the data SYNs and
// SYN-ACKs) missing: the time between the files was not captured, so it
// is not "syn-lost" (the SYN reached the server; the SYN-ACKs were lost on
// the way back).
func TestVantageMissingRotatedFileIsNotSYNLost(t *testing.T) {
	dir := t.TempDir()
	const name = "router-drop-data-synack-server.pcap"
	rot1 := cutCopy(t, dir, name, "rot1.pcap", func(n int, _ gopacket.Packet) bool { return n <= 16 })
	rot3 := cutCopy(t, dir, name, "rot3.pcap", func(n int, _ gopacket.Packet) bool { return n >= 25 && n <= 40 })
	recs := jsonRecords(t, "read", "--json", "--vantage", "client="+vantageRealDir+"router-drop-data-synack-client.pcap",
		"--vantage", "server="+rot1, "--vantage", "server="+rot3)
	ps := ofType(recs, "path")
	if len(ps) != 1 {
		t.Fatalf("want 1 path, got %d", len(ps))
	}
	if v, _ := ps[0]["verdict"].(string); ps[0]["where"] != "not-captured" || !strings.Contains(v, "none of its files covers that time") {
		t.Errorf("middle file missing: %v: %v", ps[0]["where"], ps[0]["verdict"])
	}
}

// TestVantageHelperStepAfterUnrewrittenOneIsSeen guards --helper linux on
// the real client-nat-active pairs: the router rewrote neither the EPRT
// nor the PORT after it. The PORT's segment was looked for at the offset
// the simulated EPRT rewrite would have left and reported as never seen
// by the server, which saw it; it is compared, and disagrees.
func TestVantageHelperStepAfterUnrewrittenOneIsSeen(t *testing.T) {
	for _, srv := range []string{"vsftpd", "proftpd", "pureftpd", "pyftpdlib"} {
		c, s := "client-nat-active-"+srv+"-client.pcap", "client-nat-active-"+srv+"-server.pcap"
		needCaptures(t, c, s)
		recs := jsonRecords(t, "read", "--json", "--helper", "linux", "--vantage", "client="+vantageRealDir+c, "--vantage", "server="+vantageRealDir+s)
		steps := ofType(recs, "helper_step")
		if len(steps) < 2 {
			t.Fatalf("%s: %d helper steps, want the EPRT's and the PORT's", srv, len(steps))
		}
		for _, st := range steps {
			if v, _ := st["verdict"].(string); st["forwarded"] != true || strings.Contains(v, "never saw it") {
				t.Errorf("%s: step %v (%v): forwarded %v: %s", srv, st["step"], st["kind"], st["forwarded"], v)
			}
		}
	}
}

// TestVantageRouterAnyDataOnce guards a router captured on every
// interface (tcpdump -i any, the real nat-router-any.pcap) beside a
// capture of its outside: each data connection is there twice, outside
// and inside the NAT, with the same sequence numbers. The inside copy got
// a path of its own ("order-unknown", blaming no one); the two are one
// connection: 3 paths for 3 connections.
func TestVantageRouterAnyDataOnce(t *testing.T) {
	dir := t.TempDir()
	const name = "nat-router-any.pcap"
	// The outside half (tcpdump 'host 10.99.1.1').
	public := net.IPv4(10, 99, 1, 1)
	outside := cutCopy(t, dir, name, "outside.pcap", func(_ int, p gopacket.Packet) bool {
		ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		return ok && (ip.SrcIP.Equal(public) || ip.DstIP.Equal(public))
	})
	recs := jsonRecords(t, "read", "--json", "--vantage", "client="+outside, "--vantage", "router="+vantageRealDir+name)
	ps := ofType(recs, "path")
	if len(ps) != 3 {
		for _, p := range ps {
			t.Logf("%v: %v", p["where"], p["verdict"])
		}
		t.Fatalf("%d paths, want 3", len(ps))
	}
	twice := 0
	for _, p := range ps {
		if p["where"] == "order-unknown" {
			t.Errorf("path %v: %v", p["where"], p["verdict"])
		}
		if strings.Contains(gapsText(p), `"router" holds it twice, on both sides of a NAT`) {
			twice++
		}
	}
	if twice != 1 { // the first transfer; the router held the others once
		t.Errorf("%d paths say the router held them twice, want 1", twice)
	}
}
