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

// greetingCapture writes one control connection whose lines (c: client,
// s: server) follow the handshake in the order given.
func greetingCapture(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "greeting.pcap")
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
	send(cli, srv, cseq, 0, true, false, "")
	cseq++
	send(srv, cli, sseq, cseq, true, true, "")
	sseq++
	send(cli, srv, cseq, sseq, false, true, "")
	for _, l := range lines {
		p := l[2:] + "\r\n"
		if l[0] == 'c' {
			send(cli, srv, cseq, sseq, false, true, p)
			cseq += uint32(len(p))
		} else {
			send(srv, cli, sseq, cseq, false, true, p)
			sseq += uint32(len(p))
		}
	}
	return path
}

// TestTranscriptGreetingBeforePipelinedCommands: a client that sends its
// commands before the greeting arrives (zeek's fake-server-delays-all)
// has each command's reply shown under it; the greeting, which came
// before those replies, is shown first, not after the last command.
func TestTranscriptGreetingBeforePipelinedCommands(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  []string // in this order in the transcript
	}{
		{"every command before the greeting",
			[]string{"c:USER anonymous", "c:PASS a@b", "c:QUIT", "s:220 ready", "s:331 password", "s:230 in", "s:221 bye"},
			[]string{"--> 220 ready", "<-- USER anonymous", "--> 331 password", "<-- PASS", "--> 230 in", "<-- QUIT", "--> 221 bye"}},
		{"greeting between commands",
			[]string{"c:USER anonymous", "s:220 ready", "s:331 password", "c:PASS a@b", "s:230 in", "c:QUIT", "s:221 bye"},
			[]string{"--> 220 ready", "<-- USER anonymous", "--> 331 password", "<-- PASS", "--> 230 in", "<-- QUIT", "--> 221 bye"}},
		{"greeting first",
			[]string{"s:220 ready", "c:USER anonymous", "s:331 password", "c:PASS a@b", "s:230 in", "c:QUIT", "s:221 bye"},
			[]string{"--> 220 ready", "<-- USER anonymous", "--> 331 password", "<-- PASS", "--> 230 in", "<-- QUIT", "--> 221 bye"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run([]string{"read", "--color", "never", greetingCapture(t, tc.lines...)}, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			text := out.String()
			at := 0
			for _, w := range tc.want {
				i := strings.Index(text[at:], w)
				if i < 0 {
					t.Fatalf("%q not after byte %d of the transcript:\n%s", w, at, text)
				}
				at += i + len(w)
			}
		})
	}
}
