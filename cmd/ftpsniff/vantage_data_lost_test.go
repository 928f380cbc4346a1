package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// twoPointWire writes the two captures of a DNAT router's sides: the
// client 10.99.1.2 dials 10.99.1.1, which the router forwards to the
// server 10.99.2.2. Each packet passes the sender's side first and, 1 ms
// later, the other side, unless it is lost in between.
type twoPointWire struct {
	t      *testing.T
	ts     time.Time
	points [2]*pcapgo.Writer // [0] the client's side, [1] the server's
	files  [2]string
	closer [2]*os.File
}

func newTwoPointWire(t *testing.T) *twoPointWire {
	t.Helper()
	dir := t.TempDir()
	w := &twoPointWire{t: t, ts: time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)}
	for i, name := range []string{"client.pcap", "server.pcap"} {
		w.files[i] = filepath.Join(dir, name)
		f, err := os.Create(w.files[i])
		if err != nil {
			t.Fatal(err)
		}
		w.closer[i] = f
		w.points[i] = pcapgo.NewWriter(f)
		if err := w.points[i].WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { w.closer[0].Close(); w.closer[1].Close() })
	return w
}

var (
	twoClient = netip.MustParseAddr("10.99.1.2")
	twoPublic = netip.MustParseAddr("10.99.1.1")
	twoServer = netip.MustParseAddr("10.99.2.2")
)

// send puts a segment on the wire 1 ms after the previous one; lost: it
// passes the sender's side only.
func (w *twoPointWire) send(fromClient bool, cport, sport uint16, seq, ack uint32, syn, ackf bool, payload string, lost bool) {
	w.t.Helper()
	w.ts = w.ts.Add(time.Millisecond)
	first := 1
	if fromClient {
		first = 0
	}
	for k := 0; k < 2; k++ {
		if k == 1 && lost {
			break
		}
		i := first
		if k == 1 {
			i = 1 - first
		}
		srv := twoPublic
		if i == 1 {
			srv = twoServer
		}
		src, dst := netip.AddrPortFrom(twoClient, cport), netip.AddrPortFrom(srv, sport)
		if !fromClient {
			src, dst = dst, src
		}
		eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack,
			SYN: syn, ACK: ackf, PSH: payload != "", Window: 65535}
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			w.t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
			w.t.Fatal(err)
		}
		b := buf.Bytes()
		at := w.ts.Add(time.Duration(k) * 500 * time.Microsecond)
		if err := w.points[i].WritePacket(gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(b), Length: len(b)}, b); err != nil {
			w.t.Fatal(err)
		}
	}
}

// dropMidTransferCaptures writes a passive RETR whose data connection the
// router drops after 2 of 6 segments of 1000 bytes: the server resends
// the third 3 times, 300 ms apart, and the client acknowledges nothing
// past 2000. synACKs: how many SYN-ACKs the server sends (the first
// ones lost in between).
func dropMidTransferCaptures(t *testing.T, synACKs int) (client, server string) {
	w := newTwoPointWire(t)
	const cp, dp, pasv = 45000, 46000, 40084
	cseq, sseq := uint32(1000), uint32(5000)
	w.send(true, cp, 21, cseq, 0, true, false, "", false)
	w.send(false, cp, 21, sseq, cseq+1, true, true, "", false)
	cseq, sseq = cseq+1, sseq+1
	w.send(true, cp, 21, cseq, sseq, false, true, "", false)
	c := func(p string) {
		w.send(true, cp, 21, cseq, sseq, false, true, p+"\r\n", false)
		cseq += uint32(len(p) + 2)
	}
	s := func(p string) {
		w.send(false, cp, 21, sseq, cseq, false, true, p+"\r\n", false)
		sseq += uint32(len(p) + 2)
	}
	s("220 ready")
	c("USER anonymous")
	s("331 ok")
	c("PASS x")
	s("230 in")
	c("TYPE I")
	s("200 binary")
	c("EPSV")
	s(fmt.Sprintf("229 Entering Extended Passive Mode (|||%d|)", pasv))
	c("RETR big.bin")
	isn, sisn := uint32(70000), uint32(90000)
	w.send(true, dp, pasv, isn, 0, true, false, "", false)
	for k := 0; k < synACKs; k++ {
		if k > 0 {
			w.ts = w.ts.Add(time.Second) // the server's SYN-ACK timer
		}
		w.send(false, dp, pasv, sisn, isn+1, true, true, "", k < synACKs-1)
	}
	w.send(true, dp, pasv, isn+1, sisn+1, false, true, "", false)
	s("150 Opening BINARY mode data connection for big.bin (6000 bytes).")
	seg := strings.Repeat("z", 1000)
	for k := 0; k < 6; k++ {
		w.send(false, dp, pasv, sisn+1+uint32(k*1000), isn+1, false, true, seg, k >= 2)
		if k < 2 {
			w.send(true, dp, pasv, isn+1, sisn+1+uint32((k+1)*1000), false, true, "", false)
		}
	}
	for k := 0; k < 3; k++ {
		w.ts = w.ts.Add(300 * time.Millisecond)
		w.send(false, dp, pasv, sisn+2001, isn+1, false, true, seg, true)
	}
	w.ts = w.ts.Add(5 * time.Second)
	c("QUIT")
	s("221 bye")
	return w.files[0], w.files[1]
}

// TestVantageDataDroppedMidTransfer guards --vantage on a data connection
// a router drops mid-transfer (a rule dropping a connection's packets
// past a byte count): the handshake passed both points, but 4000 bytes
// the server's side saw sent, resent and never acknowledged never reached
// the client's side. The path says data-lost between "server" and
// "client", with the bytes at each point, the retransmissions and the
// last acknowledged offset, not "delivered"; each point's bytes count
// each byte once, as its data record does, retransmissions apart; a
// point's SYN-ACK count is the one the verdict gives.
func TestVantageDataDroppedMidTransfer(t *testing.T) {
	client, server := dropMidTransferCaptures(t, 1)
	recs := jsonRecords(t, "read", "--json", "--vantage", "client="+client, "--vantage", "server="+server)
	paths := ofType(recs, "path")
	if len(paths) != 1 {
		t.Fatalf("want 1 path, got %d", len(paths))
	}
	p := paths[0]
	if p["where"] != "data-lost" || p["lost_after"] != "server" || p["lost_before"] != "client" {
		t.Fatalf("path: %v", p)
	}
	lost, _ := p["data_lost"].(map[string]any)
	want := map[string]any{"from": "server", "sender": "10.99.2.2:40084", "sent": 6000.0, "reached": 2000.0, "bytes": 4000.0, "acked": 2000.0, "resent": 3.0, "resent_from": 2000.0}
	for k, v := range want {
		if lost[k] != v {
			t.Errorf("data_lost.%s = %v, want %v (%v)", k, lost[k], v, lost)
		}
	}
	for _, s := range []string{`4000 bytes from 10.99.2.2:40084 passed "server" and never reached "client"`, "resent from offset 2000 3 times", "acknowledged past offset 2000"} {
		if !strings.Contains(p["verdict"].(string), s) {
			t.Errorf("verdict lacks %q: %s", s, p["verdict"])
		}
	}
	// Each point's bytes as its own data record counts them: what moved,
	// and what its sender sent again and again and never had
	// acknowledged (unacknowledged: the server's 4000 bytes).
	dataBytes := map[any]any{}
	for _, d := range ofType(recs, "data") {
		n := num(d["bytes"])
		if u, ok := d["unacknowledged"].(map[string]any); ok {
			n += num(u["bytes"])
		}
		dataBytes[d["observer"]] = n
	}
	wantPts := map[string][3]float64{"client": {2000, 0, 0}, "server": {6000, 3, 3000}}
	for _, v := range p["points"].([]any) {
		pt := v.(map[string]any)
		w := wantPts[pt["point"].(string)]
		got := [3]float64{num(pt["bytes"]), num(pt["retransmissions"]), num(pt["bytes_resent"])}
		if got != w {
			t.Errorf("point %v: bytes, retransmissions, bytes_resent %v; want %v", pt["point"], got, w)
		}
		if dataBytes[pt["point"]] != num(pt["bytes"]) {
			t.Errorf("point %v: path bytes %v, its data record's %v", pt["point"], pt["bytes"], dataBytes[pt["point"]])
		}
	}

	// The text, with the SYN-ACK resent (the first lost in between):
	// the server's row counts them as the verdict would.
	client, server = dropMidTransferCaptures(t, 2)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--vantage", "client=" + client, "--vantage", "server=" + server}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, s := range []string{
		"1 SYN, 1 SYN-ACK, 2000 bytes\n",
		"1 SYN, 2 SYN-ACKs, 6000 bytes, 3 retransmissions (3000 bytes resent)\n",
		// the verdict wrapped at 100 columns
		`-> data-lost: the handshake passed every point, but its data did not: 4000 bytes from 10.99.2.2:40084 passed "server" and never reached "client"`,
	} {
		if !strings.Contains(out, s) && !strings.Contains(unwrapped(out), s) {
			t.Errorf("text lacks %q:\n%s", s, out)
		}
	}
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}
