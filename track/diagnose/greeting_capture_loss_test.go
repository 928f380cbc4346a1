package diagnose

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpsniff/ftpsniff/track/policy"
)

// greetingCapture writes a capture of one control connection whose
// greeting the capture lacks in part, the client sending no command and
// closing 2 s later: how is "lost" (its first segment missing, the client
// acknowledging past it), "cut" (its frame cut to 10 bytes of payload, as
// by tcpdump -s 64, the client acknowledging it whole), "unacked" (its
// first segment missing, the client's acknowledgments stopping before it,
// as in rt-bigban-drop-client.pcap) or "cut-unacked" (its frame cut as in
// "cut", the client's acknowledgments stopping before it as in "unacked":
// the ACK lost too, or a client that closed without acknowledging).
func greetingCapture(t *testing.T, how string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), how+".pcap")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	cli, srv := net.IPv4(10, 0, 0, 2).To4(), net.IPv4(10, 0, 0, 1).To4()
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	frame := func(fromClient bool, seq, ack uint32, syn, fin bool, payload []byte, keep int, after time.Duration) {
		now = now.Add(after)
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: cli, DstIP: srv}
		tcp := &layers.TCP{SrcPort: 41000, DstPort: 21, Seq: seq, Ack: ack, SYN: syn, FIN: fin, ACK: ack != 0, PSH: len(payload) > 0, Window: 65535}
		if !fromClient {
			ip.SrcIP, ip.DstIP = srv, cli
			tcp.SrcPort, tcp.DstPort = 21, 41000
		}
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		ci := gopacket.CaptureInfo{Timestamp: now, CaptureLength: len(data), Length: len(data)}
		if keep > 0 {
			data = data[:14+20+20+keep]
			ci.CaptureLength = len(data)
		}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	g := []byte("220-Welcome to the example FTP service. Authorized use only.\r\n220 ready\r\n")
	const c, s = 1000, 5000
	end := uint32(s + 1 + len(g))
	frame(true, c, 0, true, false, nil, 0, 0)
	frame(false, s, c+1, true, false, nil, 0, 20*time.Millisecond)
	frame(true, c+1, s+1, false, false, nil, 0, time.Millisecond)
	switch how {
	case "cut", "cut-unacked":
		frame(false, s+1, c+1, false, false, g, 10, 10*time.Millisecond)
	default:
		frame(false, s+41, c+1, false, false, g[40:], 0, 10*time.Millisecond)
	}
	if how == "unacked" || how == "cut-unacked" {
		frame(true, c+1, s+1, false, false, nil, 0, time.Millisecond)
		frame(true, c+1, s+1, false, true, nil, 0, 2*time.Second)
		frame(false, end, c+2, false, false, nil, 0, 2*time.Millisecond)
		return name
	}
	frame(true, c+1, end, false, false, nil, 0, time.Millisecond)
	frame(true, c+1, end, false, true, nil, 0, 2*time.Second)
	frame(false, end, c+2, false, true, nil, 0, 20*time.Millisecond)
	frame(true, c+2, end+1, false, false, nil, 0, time.Millisecond)
	return name
}

// TestGreetingTheClientAcknowledgedIsCaptureLoss guards the verdict over
// a greeting the capture lacks bytes of though the client had them: the
// frame cut by the snap length, or a segment the capture missed, and the
// client acknowledging the whole greeting before it closed 2 s later (nc
// -w 2 reading a banner). Such sessions were said to never have had the
// greeting ("a firewall or IPS, or a path MTU black hole"), not to be
// captured again with whole packets; a client whose acknowledgments stop
// before the hole keeps that verdict, unless the hole is the tail of a
// frame the snap length cut ("cut-unacked"): that frame was on the wire,
// its bytes on their way to the client, so the capture cut them and
// capturing whole packets brings them back (it was said to be a greeting
// that never reached the client).
func TestGreetingTheClientAcknowledgedIsCaptureLoss(t *testing.T) {
	for _, how := range []string{"cut", "lost", "unacked", "cut-unacked"} {
		t.Run(how, func(t *testing.T) {
			_, d := run(t, greetingCapture(t, how), policy.Policy{})
			sums := d.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d server summaries, want 1", len(sums))
			}
			v := sums[0].Verdict
			never := strings.Contains(v, "never got past the greeting")
			if how == "unacked" {
				if !never {
					t.Errorf("the client never acknowledged the greeting's first bytes: want them said never to reach it: %s", v)
				}
				return
			}
			if never {
				t.Errorf("the client had the greeting's bytes (acknowledged, or a frame the snap length cut): the capture lost them, not the path: %s", v)
			}
			if !strings.Contains(v, "tcpdump -s 0") {
				t.Errorf("verdict %q: want the advice to capture again with whole packets", v)
			}
		})
	}
}
