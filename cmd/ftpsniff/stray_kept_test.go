package main

import (
	"bytes"
	"encoding/json"
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

// strayWire writes TCP segments over Ethernet to a pcap.
type strayWire struct {
	t  *testing.T
	w  *pcapgo.Writer
	ts time.Time
}

func (w *strayWire) send(after time.Duration, src, dst netip.AddrPort, seq, ack uint32, flags string, p string) {
	w.t.Helper()
	w.ts = w.ts.Add(after)
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack,
		SYN: strings.Contains(flags, "S"), ACK: strings.Contains(flags, "A"), RST: strings.Contains(flags, "R"),
		FIN: strings.Contains(flags, "F"), PSH: p != "", Window: 65535}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		w.t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(p)); err != nil {
		w.t.Fatal(err)
	}
	b := buf.Bytes()
	if err := w.w.WritePacket(gopacket.CaptureInfo{Timestamp: w.ts, CaptureLength: len(b), Length: len(b)}, b); err != nil {
		w.t.Fatal(err)
	}
}

// writeStrayDataCapture writes a vsftpd session from 198.51.100.7 to
// 192.0.2.10 whose LIST's data connection comes from another address:
// active, the server's SYNs from 192.0.2.11:20 to the PORT address;
// passive, the client's from 198.51.100.8:40001 (a CGNAT without paired
// pooling) to 192.0.2.10:40000. n SYNs with back-off, each answered by
// answer ("R": RST, "SA": SYN-ACK, "": nothing), then vsftpd's 425.
func writeStrayDataCapture(t *testing.T, path string, active bool, n int, answer string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := &strayWire{t: t, w: pcapgo.NewWriter(f), ts: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}
	if err := w.w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	cli, srv := netip.MustParseAddrPort("198.51.100.7:50000"), netip.MustParseAddrPort("192.0.2.10:21")
	const ms = time.Millisecond
	cseq, sseq := uint32(1000), uint32(5000)
	w.send(ms, cli, srv, cseq-1, 0, "S", "")
	w.send(ms, srv, cli, sseq-1, cseq, "SA", "")
	w.send(ms, cli, srv, cseq, sseq, "A", "")
	c := func(p string) { w.send(20*ms, cli, srv, cseq, sseq, "A", p); cseq += uint32(len(p)) }
	s := func(p string) { w.send(20*ms, srv, cli, sseq, cseq, "A", p); sseq += uint32(len(p)) }
	s("220 (vsFTPd 3.0.3)\r\n")
	c("USER anonymous\r\n")
	s("331 Please specify the password.\r\n")
	c("PASS x@y\r\n")
	s("230 Login successful.\r\n")
	from, to := netip.MustParseAddrPort("198.51.100.8:40001"), netip.MustParseAddrPort("192.0.2.10:40000")
	if active {
		from, to = netip.MustParseAddrPort("192.0.2.11:20"), netip.MustParseAddrPort("198.51.100.7:50001")
		c("PORT 198,51,100,7,195,81\r\n")
		s("200 PORT command successful. Consider using PASV.\r\n")
	} else {
		c("PASV\r\n")
		s("227 Entering Passive Mode (192,0,2,10,156,64).\r\n")
	}
	c("LIST\r\n")
	backoff := []time.Duration{20 * ms, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	for i := range n {
		w.send(backoff[i], from, to, 7000, 0, "S", "")
		switch answer {
		case "R":
			w.send(ms, to, from, 0, 7001, "RA", "")
		case "SA":
			w.send(ms, to, from, 9000, 7001, "SA", "")
		}
	}
	w.ts = w.ts.Add(time.Second)
	s("425 Failed to establish connection.\r\n")
	c("QUIT\r\n")
	s("221 Goodbye.\r\n")
	w.send(ms, srv, cli, sseq, cseq, "FA", "")
	w.send(ms, cli, srv, cseq, sseq+1, "FA", "")
	w.send(ms, srv, cli, sseq+1, cseq+1, "A", "")
}

// TestStrayDataConnectionKept guards data connections from another
// address that are the session's own, not a scan of the port: the
// server's SYNs from another of its addresses and port 20 in active mode
// (a multi-homed server, an outbound SNAT), refused by the client's RST
// or dropped; a CGNAT client's SYNs from another address than its control
// connection's in passive mode, sent again with back-off, refused, dropped
// or their SYN-ACKs lost. Each was given back as a scan's (data-stray):
// not attempted, "no SYN of it reached the capture point", and in active
// mode a rule for the server's outgoing firewall (sport 20) where the
// client's side refused or dropped the SYNs.
func TestStrayDataConnectionKept(t *testing.T) {
	for _, tc := range []struct {
		name    string
		active  bool
		n       int
		answer  string
		outcome string
		code    string
	}{
		{"active, refused by the client", true, 2, "R", "refused", "active-blocked"},
		{"active, dropped", true, 5, "", "unanswered", "active-blocked"},
		{"passive, refused", false, 2, "R", "refused", "data-refused"},
		{"passive, dropped", false, 5, "", "unanswered", "data-unanswered"},
		{"passive, SYN-ACKs lost", false, 4, "SA", "unanswered", "data-unanswered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "stray.pcap")
			writeStrayDataCapture(t, path, tc.active, tc.n, tc.answer)
			var out, stderr bytes.Buffer
			if c := run([]string{"read", "--json", path}, &out, &stderr); c != exitOK {
				t.Fatalf("exit %d: %s", c, stderr.String())
			}
			var outcomes []string
			found := false
			for _, line := range bytes.Split(out.Bytes(), []byte("\n")) {
				if len(line) == 0 {
					continue
				}
				var rec map[string]any
				if err := json.Unmarshal(line, &rec); err != nil {
					t.Fatalf("%v: %s", err, line)
				}
				switch {
				case rec["type"] == "data":
					outcomes = append(outcomes, rec["outcome"].(string))
				case rec["type"] == "event" && rec["kind"] == "data-stray":
					t.Errorf("data-stray: %v", rec["text"])
				case rec["type"] == "finding" && rec["code"] == tc.code:
					found = true
				}
				bad := []string{"sport 20"} // the server's rules: none for its output
				if rec["type"] == "finding" {
					bad = append(bad, "no SYN", "outgoing firewall")
				}
				for _, b := range bad {
					if strings.Contains(string(line), b) {
						t.Errorf("%q in %s", b, line)
					}
				}
			}
			if len(outcomes) != 1 || outcomes[0] != tc.outcome {
				t.Errorf("data outcomes %v, want [%s]", outcomes, tc.outcome)
			}
			if !found {
				t.Errorf("no %s finding:\n%s", tc.code, out.String())
			}
		})
	}
}
