package diagnose

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/capture"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// anonOnlyCapture writes what the reviewer captured on an anonymous-only
// vsftpd: 120 control connections from one address 0.3 s apart, every
// 12th (from the 6th) a user's own name refused at USER ("530 This FTP
// server is anonymous only.", then QUIT), the rest anonymous logins that
// succeed.
func anonOnlyCapture(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	cli, srv := net.IPv4(10, 99, 0, 170).To4(), net.IPv4(10, 99, 0, 1).To4()
	ts := time.Date(2026, 12, 4, 17, 30, 0, 0, time.UTC)
	names := []string{"soakuser", "jsmith", "soakuser", "mlee", "soakuser", "soakuser", "akhan", "soakuser", "soakuser", "soakuser"}
	refused := 0
	for i := range 120 {
		port := layers.TCPPort(40000 + i)
		seq := [2]uint32{1000, 5000} // client's, server's next sequence number
		send := func(fromClient bool, flags string, payload string) {
			eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
			ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: cli, DstIP: srv}
			tcp := &layers.TCP{SrcPort: port, DstPort: 21, Window: 65535}
			me, peer := 0, 1
			if !fromClient {
				ip.SrcIP, ip.DstIP = srv, cli
				tcp.SrcPort, tcp.DstPort = 21, port
				me, peer = 1, 0
			}
			tcp.Seq = seq[me]
			tcp.SYN = strings.Contains(flags, "S")
			tcp.FIN = strings.Contains(flags, "F")
			tcp.ACK = strings.Contains(flags, "A")
			tcp.PSH = payload != ""
			if tcp.ACK {
				tcp.Ack = seq[peer]
			}
			_ = tcp.SetNetworkLayerForChecksum(ip)
			b := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(b, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
				t.Fatal(err)
			}
			seq[me] += uint32(len(payload))
			if tcp.SYN || tcp.FIN {
				seq[me]++
			}
			ts = ts.Add(time.Millisecond)
			if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(b.Bytes()), Length: len(b.Bytes())}, b.Bytes()); err != nil {
				t.Fatal(err)
			}
		}
		line := func(fromClient bool, s string) {
			send(fromClient, "A", s+"\r\n")
			send(!fromClient, "A", "")
		}
		send(true, "S", "")
		send(false, "SA", "")
		send(true, "A", "")
		line(false, "220 (vsFTPd 3.0.3)")
		if i%12 == 5 {
			line(true, "USER "+names[refused%len(names)])
			line(false, "530 This FTP server is anonymous only.")
			refused++
		} else {
			line(true, "USER anonymous")
			line(false, "331 Please specify the password.")
			line(true, "PASS guest@")
			line(false, "230 Login successful.")
		}
		line(true, "QUIT")
		line(false, "221 Goodbye.")
		send(false, "FA", "")
		send(true, "FA", "")
		send(false, "A", "")
		ts = ts.Add(300 * time.Millisecond)
	}
	return buf.Bytes()
}

// TestAnonymousOnlyServerNamesRefusedCapture runs anonOnlyCapture through
// the real pipeline: the users who typed their own names at an
// anonymous-only server, behind one address with 110 anonymous logins,
// were "Password guessing" with a rule to drop the address. No password
// was ever sent: an info says so, with nothing to block, and the
// server's verdict is not guessing.
func TestAnonymousOnlyServerNamesRefusedCapture(t *testing.T) {
	src, err := capture.OpenReader("anon-only-nat", bytes.NewReader(anonOnlyCapture(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	rec := &recorder{}
	diag := New(policy.Policy{}, rec, rec)
	trk := track.New(diag, track.Options{})
	dec := decode.New(trk, decode.Options{})
	_ = dec.DecodeAll(src)
	dec.Finish()
	trk.Finish()
	var infos int
	for _, f := range findingsOf(rec, CodeLoginAttack) {
		if f.Severity > SeverityInfo || strings.Contains(f.Message, "Password guessing") || strings.Contains(f.Advice, "drop") {
			t.Errorf("%s login-brute-force: %s\n%s", f.Severity, f.Message, f.Advice)
			continue
		}
		if !strings.Contains(f.Message, "refused at the user name before any password was sent") || !strings.Contains(f.Message, "anonymous logins from it succeeded") {
			t.Errorf("info does not say the names were refused before any password among anonymous logins: %s", f.Message)
		}
		infos++
	}
	if infos != 1 {
		t.Errorf("%d infos, want 1", infos)
	}
	sums := diag.Summaries()
	if len(sums) != 1 || sums[0].Sessions != 120 || sums[0].LoginFailures != 10 {
		t.Fatalf("summaries %+v: the capture is not read as built", sums)
	}
	if strings.Contains(sums[0].Verdict, "guessing") {
		t.Errorf("verdict %q", sums[0].Verdict)
	}
}
