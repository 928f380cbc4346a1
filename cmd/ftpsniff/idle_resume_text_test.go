package main

import (
	"bytes"
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

// idleResumedCapture writes a capture of one control connection: a login
// (USER alice), TYPE I, CWD /pub and a STAT the server leaves unanswered;
// then an hour and a half minute of silence with nothing between the two
// hosts, while other hosts' packets let packet time pass (ftpsniff
// closes the connection as idle at 10:00:30); then the STAT's reply and
// more commands, which pick the connection up again.
func idleResumedCapture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "idle-resumed.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	cli := netip.MustParseAddrPort("192.0.2.1:50001")
	srv := netip.MustParseAddrPort("192.0.2.10:21")
	ts := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cseq, sseq := uint32(1000), uint32(5000)
	send := func(src, dst netip.AddrPort, seq, ack uint32, syn, ackf bool, p string) {
		ts = ts.Add(20 * time.Millisecond)
		eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack,
			SYN: syn, ACK: ackf, PSH: p != "", Window: 65535}
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(p)); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(b), Length: len(b)}, b); err != nil {
			t.Fatal(err)
		}
	}
	c := func(p string) { send(cli, srv, cseq, sseq, false, true, p); cseq += uint32(len(p)) }
	s := func(p string) { send(srv, cli, sseq, cseq, false, true, p); sseq += uint32(len(p)) }
	send(cli, srv, cseq, 0, true, false, "")
	cseq++
	send(srv, cli, sseq, cseq, true, true, "")
	sseq++
	send(cli, srv, cseq, sseq, false, true, "")
	s("220 (vsFTPd 3.0.3)\r\n")
	c("USER alice\r\n")
	s("331 Please specify the password.\r\n")
	c("PASS secret\r\n")
	s("230 Login successful.\r\n")
	c("TYPE I\r\n")
	s("200 Switching to Binary mode.\r\n")
	c("CWD /pub\r\n")
	s("250 Directory successfully changed.\r\n")
	c("STAT\r\n")
	other, otherCli := netip.MustParseAddrPort("198.51.100.7:443"), netip.MustParseAddrPort("198.51.100.8:40000")
	ts = ts.Add(time.Hour + 30*time.Second)
	send(otherCli, other, 1, 0, true, false, "")
	ts = ts.Add(time.Minute)
	s("211 End of status\r\n")
	c("NOOP\r\n")
	s("200 NOOP ok.\r\n")
	c("QUIT\r\n")
	s("221 Goodbye.\r\n")
	return path
}

// TestIdleResumedSessionCountedOnce: a control connection closed as idle
// and picked up again by its later bytes is one session in the summary;
// the transcript of its second part says which session it continues and
// when that was closed, keeps the login of the first part (no "no
// login"), and says the first reply answers a command from before the
// idle close, not from before the capture.
func TestIdleResumedSessionCountedOnce(t *testing.T) {
	path := idleResumedCapture(t)
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--color", "never", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := out.String()
	_, second, ok := strings.Cut(text, "\nsession 2 ")
	if !ok {
		t.Fatalf("no second transcript:\n%s", text)
	}
	head, _, _ := strings.Cut(second, "\n  end:")
	for _, want := range []string{
		"user alice, logged in; continues session 1 (closed as idle at 2026-03-02 10:00:30 UTC)\n",
		"--> 211 End of status  (reply to a command before the idle close, in session 1)\n",
	} {
		if !strings.Contains(head, want) {
			t.Errorf("session 2 lacks %q:\n%s", want, head)
		}
	}
	for _, not := range []string{"no login", "picked up mid-stream", "before the capture started"} {
		if strings.Contains(head, not) {
			t.Errorf("session 2 says %q:\n%s", not, head)
		}
	}
	if !strings.Contains(text, "\nsummary: 1 session, ") {
		t.Errorf("the summary counts the continuation as a session:\n%s", text)
	}
}

// TestIdleResumedSessionCountedOnceInRecords: the same in every other
// output: the server's session count, the JSON summary (and the
// continuation's resumed_from), the zeek summary on stderr.
func TestIdleResumedSessionCountedOnceInRecords(t *testing.T) {
	path := idleResumedCapture(t)
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--color", "never", "--summary", path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), ": 1 session") {
		t.Errorf("the server's line counts the continuation:\n%s", out.String())
	}
	out.Reset()
	run([]string{"read", "--json", path}, &out, &errb)
	for _, want := range []string{`"resumed_from":1,"idle_closed_at":"2026-03-02T10:00:30.28Z"`, `{"type":"summary","sessions":1,`, `"type":"server","server":"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), `"midstream":true`) {
		t.Errorf("JSON calls the continuation mid-stream (a capture begun after its SYN):\n%s", out.String())
	}
	if strings.Contains(out.String(), `"sessions":2`) {
		t.Errorf("JSON counts two sessions:\n%s", out.String())
	}
	out.Reset()
	errb.Reset()
	run([]string{"read", "--format", "zeek", path}, &out, &errb)
	if !strings.Contains(errb.String(), `{"type":"summary","sessions":1,`) {
		t.Errorf("zeek summary: %s", errb.String())
	}
}
