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

	"github.com/ftpsniff/ftpsniff/track"
)

// withResetData writes pcaps/real/ftps-explicit.pcap (vsftpd, PROT P:
// its one data connection, at 334.5758, carries a TLS handshake) with one
// more passive data connection of its session just before that one, at
// start: handshake, the client's FIN, the server's reset, no byte; as
// vsftpd treats a RETR of a missing file (pcaps/real/missing-file.pcap:
// the 550 closes the listener and the kernel resets what it had queued).
func withResetData(t *testing.T, start time.Time) string {
	t.Helper()
	in, err := os.Open("../../pcaps/real/ftps-explicit.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	r, err := pcapgo.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "ftps-reset.pcap")
	out, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	w := pcapgo.NewWriter(out)
	if err := w.WriteFileHeader(65535, r.LinkType()); err != nil {
		t.Fatal(err)
	}
	cli, srv := net.IPv4(10, 99, 0, 2).To4(), net.IPv4(10, 99, 0, 1).To4()
	type seg struct {
		fromClient         bool
		syn, ack, fin, rst bool
		seq, acked         uint32
	}
	segs := []seg{
		{fromClient: true, syn: true, seq: 100000},
		{syn: true, ack: true, seq: 500000, acked: 100001},
		{fromClient: true, ack: true, seq: 100001, acked: 500001},
		{fromClient: true, ack: true, fin: true, seq: 100001, acked: 500001},
		{ack: true, seq: 500001, acked: 100002},
		{ack: true, rst: true, seq: 500001, acked: 100002},
	}
	frame := func(s seg) []byte {
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: srv, DstIP: cli}
		tcp := &layers.TCP{SrcPort: 40058, DstPort: 36290, SYN: s.syn, ACK: s.ack, FIN: s.fin, RST: s.rst, Seq: s.seq, Ack: s.acked, Window: 65535}
		if s.fromClient {
			ip.SrcIP, ip.DstIP = cli, srv
			tcp.SrcPort, tcp.DstPort = 36290, 40058
		}
		_ = tcp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	next := 0
	writeExtra := func(until time.Time) {
		for ; next < len(segs); next++ {
			ts := start.Add(time.Duration(next) * 500 * time.Microsecond)
			if !until.IsZero() && !ts.Before(until) {
				return
			}
			b := frame(segs[next])
			if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(b), Length: len(b)}, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		writeExtra(ci.Timestamp)
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	writeExtra(time.Time{})
	return name
}

// TestTLSResetWithProtectedDataElsewhereIsNoFinding guards an FTPS session
// whose client protects its data (another data connection of the session
// carried a TLS handshake) against data-tls-required for a data
// connection the server reset with nothing sent: a RETR of a missing file
// looks that way over FTPS (the 550 is encrypted), and the advice to send
// PROT P, or to let the server take clear data, would be wrong, the
// second a weakening. It holds whichever comes first; alone, the reset
// keeps its hedged warning (TestClearDataRefusedIsNotAWorkingTransfer).
func TestTLSResetWithProtectedDataElsewhereIsNoFinding(t *testing.T) {
	// Begun after the records of 334.5727 and reset by 334.5753: over
	// before the protected connection's own exchange (334.5757) and SYN.
	start := time.Unix(1795468334, 572800000)
	rec, diag := runData(t, withResetData(t, start))
	var reset, protected bool
	for _, dc := range rec.data {
		switch {
		case dc.Client.Port() == 36290:
			reset = true
		case dc.DataTLS() == track.DataTLSHandshake:
			protected = true
		}
	}
	if !reset || !protected {
		t.Fatalf("reset data connection seen %v, protected one %v: the capture is not what the test needs\n%s", reset, protected, render(rec.recorder, diag))
	}
	for _, f := range rec.findings {
		if f.Code == CodeTLSRequired {
			t.Errorf("data-tls-required raised: %s\n%s", f.Message, render(rec.recorder, diag))
		}
	}
	for _, s := range diag.Summaries() {
		if v := s.Verdict; strings.Contains(v, CodeTLSRequired) {
			t.Errorf("verdict names data-tls-required: %q", v)
		}
	}
}
