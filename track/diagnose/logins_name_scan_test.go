package diagnose

import (
	"bytes"
	"fmt"
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

// ctlLine is one segment of a control connection: the client's (one or
// more lines, sent together) or the server's.
type ctlLine struct {
	client bool
	text   string
}

// loginCapture writes one control connection from 10.66.0.1 to
// 10.0.0.5:21 per script, one second apart, each greeted by vsftpd and
// closed after its lines.
func loginCapture(t *testing.T, scripts [][]ctlLine) []byte {
	t.Helper()
	return loginCaptureFrom(t, net.IPv4(10, 66, 0, 1), net.IPv4(10, 0, 0, 5), time.Second, scripts)
}

// loginCaptureFrom is loginCapture from cli to srv:21, the connections
// apart after each one's last packet.
func loginCaptureFrom(t *testing.T, cli, srv net.IP, apart time.Duration, scripts [][]ctlLine) []byte {
	t.Helper()
	cli, srv = cli.To4(), srv.To4()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 12, 4, 17, 30, 0, 0, time.UTC)
	for i, script := range scripts {
		port := layers.TCPPort(30000 + i)
		seq := [2]uint32{1000, 5000} // client's, server's next sequence number
		send := func(fromClient bool, flags, payload string) {
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
			send(fromClient, "A", s)
			send(!fromClient, "A", "")
		}
		send(true, "S", "")
		send(false, "SA", "")
		send(true, "A", "")
		line(false, "220 (vsFTPd 3.0.5)\r\n")
		for _, l := range script {
			line(l.client, l.text)
		}
		line(true, "QUIT\r\n")
		line(false, "221 Goodbye.\r\n")
		send(false, "FA", "")
		send(true, "FA", "")
		send(false, "A", "")
		ts = ts.Add(apart)
	}
	return buf.Bytes()
}

// readLogins runs a capture through the real pipeline.
func readLogins(t *testing.T, pcap []byte) (*recorder, *Diagnoser) {
	t.Helper()
	src, err := capture.OpenReader("logins", bytes.NewReader(pcap))
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
	return rec, diag
}

// scanNameList is a scanner's list of user names.
func scanNameList(n int) []string {
	base := []string{"admin", "root", "test", "user", "ftp1", "oracle", "www", "web", "guest", "backup"}
	var names []string
	for i := range n {
		names = append(names, fmt.Sprintf("%s%d", base[i%len(base)], i/len(base)))
	}
	return names
}

// TestAccountNameScanIsAnAttack guards a scanner's list of names that
// the server refused at USER (vsftpd with userlist_deny=NO: "530
// Permission denied." to every name but its allowed one), then a few
// passwords for the one name it took, with no login from the address
// succeeding: it was an info with "Nothing to block ... tell them which
// account", since a name refused at USER guesses no password and four
// passwords are below the count. scanNames different names refused so, and
// nothing from the address getting in, not even anonymously, are an
// account-name scan: a warning with the rule to block the address. A
// USER and PASS pipelined, the USER refused and the PASS answered 503,
// were "refused at the user name before any password was sent" though
// the capture holds the PASS: the server checked no password, and that
// is what is said.
func TestAccountNameScanIsAnAttack(t *testing.T) {
	userlist := func() [][]ctlLine {
		var ss [][]ctlLine
		for _, u := range scanNameList(40) {
			ss = append(ss, []ctlLine{{true, "USER " + u + "\r\n"}, {false, "530 Permission denied.\r\n"}})
		}
		for _, pw := range []string{"123456", "password", "deploy", "qwerty"} {
			ss = append(ss, []ctlLine{{true, "USER deploy\r\n"}, {false, "331 Please specify the password.\r\n"},
				{true, "PASS " + pw + "\r\n"}, {false, "530 Login incorrect.\r\n"}})
		}
		return ss
	}
	pipelined := func() [][]ctlLine {
		var ss [][]ctlLine
		for _, u := range scanNameList(scanNames + 4) {
			ss = append(ss, []ctlLine{{true, "USER " + u + "\r\nPASS Winter2024!\r\n"},
				{false, "530 This FTP server is anonymous only.\r\n503 Login with USER first.\r\n"}})
		}
		return ss
	}
	tests := []struct {
		name      string
		scripts   [][]ctlLine
		says, not string // in the message; not in message or evidence
	}{
		{"40 names refused at USER, then 4 passwords for the name taken", userlist(),
			"each refused by the server at the user name before any password was sent", "checked no password"},
		{"24 names with their PASS pipelined, refused at USER", pipelined(),
			"without checking the password sent with it", "before any password was sent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, diag := readLogins(t, loginCapture(t, tc.scripts))
			// (The first names make an info, reported once; the scan
			// raises it to a warning.)
			var warns []*Finding
			for _, f := range findingsOf(rec, CodeLoginAttack) {
				if f.Severity == SeverityWarning {
					warns = append(warns, f)
				}
			}
			if len(warns) != 1 {
				t.Fatalf("%d login-brute-force warnings, want 1", len(warns))
			}
			f := warns[0]
			if !strings.HasPrefix(f.Message, fmt.Sprintf("Account-name scan from 10.66.0.1: %d different user names", scanNames)) {
				t.Errorf("%s: %s", f.Severity, f.Message)
			}
			if !strings.Contains(f.Message, tc.says) {
				t.Errorf("message lacks %q: %s", tc.says, f.Message)
			}
			if strings.Contains(f.Message+f.Evidence, tc.not) {
				t.Errorf("message or evidence says %q: %s\n%s", tc.not, f.Message, f.Evidence)
			}
			if strings.Contains(f.Advice, "Nothing to block") || !strings.Contains(f.Advice, "saddr 10.66.0.1 drop") {
				t.Errorf("advice: %s", f.Advice)
			}
			sums := diag.Summaries()
			if len(sums) != 1 || sums[0].Sessions != len(tc.scripts) {
				t.Fatalf("summaries %+v: the capture is not read as built", sums)
			}
			if !strings.Contains(sums[0].Verdict, "guessing") {
				t.Errorf("verdict %q", sums[0].Verdict)
			}
		})
	}
}

// TestNamesRefusedWithPipelinedPassSayNoPasswordChecked: fewer names
// than a scan, each USER refused with its PASS pipelined behind it (and
// an anonymous one so), stay an info with nothing to block, but say the
// server checked no password, not that none was sent: the capture
// holds every PASS.
func TestNamesRefusedWithPipelinedPassSayNoPasswordChecked(t *testing.T) {
	var ss [][]ctlLine
	for _, u := range append(scanNameList(4), "anonymous") {
		ss = append(ss, []ctlLine{{true, "USER " + u + "\r\nPASS Winter2024!\r\n"},
			{false, "530 This FTP server is anonymous only.\r\n503 Login with USER first.\r\n"}})
	}
	rec, _ := readLogins(t, loginCapture(t, ss))
	fs := findingsOf(rec, CodeLoginAttack)
	if len(fs) != 1 {
		t.Fatalf("%d login-brute-force findings, want 1", len(fs))
	}
	f := fs[0]
	if f.Severity != SeverityInfo || !strings.HasPrefix(f.Advice, "Nothing to block") {
		t.Errorf("%s: %s\n%s", f.Severity, f.Message, f.Advice)
	}
	all := f.Message + f.Evidence + f.Advice
	if strings.Contains(all, "before any password was sent") || strings.Contains(all, "no password sent") {
		t.Errorf("says no password was sent, though every PASS is in the capture:\n%s\n%s\n%s", f.Message, f.Evidence, f.Advice)
	}
	if !strings.Contains(f.Message, "the server checked no password") || !strings.Contains(f.Evidence, "the server checked no password") {
		t.Errorf("does not say the server checked no password:\n%s\n%s", f.Message, f.Evidence)
	}
}

// TestSpreadReportedNamesForgottenAreCounted guards the memory of names
// already reported for guessing spread over many addresses
// (maxSpreadGone per server): its oldest name went out silently, and
// could be reported a second time with no count saying why. With
// maxSpreadUsers+maxSpreadGone+1 names each reported in turn, one falls
// out of that memory, and Omitted counts it; the slots lost are counted
// each time a name is pushed out.
func TestSpreadReportedNamesForgottenAreCounted(t *testing.T) {
	const srv = "192.0.2.10:21"
	var evs []loginEvent
	n := 0
	names := maxSpreadUsers + maxSpreadGone + 1
	for u := range names {
		for range spreadFailures {
			evs = append(evs, loginEvent{fmt.Sprintf("10.%d.%d.%d:40000", n>>16&255, n>>8&255, n&255), srv, fmt.Sprintf("victim%d", u), fmt.Sprintf("guess%d", n), false, float64(n) * 0.01})
			n++
		}
	}
	c, d := feed(policy.Policy{}, loginSessions(evs)...)
	reported := 0
	for _, f := range c.fs {
		if f.Code == CodeLoginAttack && strings.Contains(f.Message, "spread over many addresses") {
			reported++
		}
	}
	if reported != names {
		t.Fatalf("%d names reported, want %d", reported, names)
	}
	o := d.Omitted()
	if o.LoginSpreadReportsForgotten != 1 {
		t.Errorf("Omitted().LoginSpreadReportsForgotten = %d, want 1", o.LoginSpreadReportsForgotten)
	}
	if want := names - maxSpreadUsers; o.LoginSpreadUsersForgotten != want {
		t.Errorf("Omitted().LoginSpreadUsersForgotten = %d, want %d", o.LoginSpreadUsersForgotten, want)
	}
}
