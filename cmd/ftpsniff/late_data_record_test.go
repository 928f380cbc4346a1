package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// lateWire writes TCP segments over Ethernet to a pcap, 20 ms apart.
type lateWire struct {
	t  *testing.T
	w  *pcapgo.Writer
	ts time.Time
}

func (w *lateWire) send(src, dst netip.AddrPort, seq, ack uint32, syn, ackf, fin bool, p string) {
	w.t.Helper()
	w.ts = w.ts.Add(20 * time.Millisecond)
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack,
		SYN: syn, ACK: ackf, FIN: fin, PSH: p != "", Window: 65535}
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

// writeLateConfirmedCapture writes a session on port 2121 picked up
// mid-stream (no handshake, its first segment cut mid-line) whose whole
// passive data connection, handshake, bytes and FINs, runs before decode
// can tell it is FTP (two commands answered: the RETR's 150, the QUIT's
// 221). With otherSession, a session on port 21 is open meanwhile, so
// that the data SYN is also held for a reordering capture.
func writeLateConfirmedCapture(t *testing.T, path string, otherSession bool) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := &lateWire{t: t, w: pcapgo.NewWriter(f), ts: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}
	if err := w.w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	if otherSession {
		oc, os := netip.MustParseAddrPort("10.0.0.6:50000"), netip.MustParseAddrPort("10.0.0.9:21")
		w.send(oc, os, 100, 0, true, false, false, "")
		w.send(os, oc, 900, 101, true, true, false, "")
		w.send(oc, os, 101, 901, false, true, false, "")
		w.send(os, oc, 901, 101, false, true, false, "220 (vsFTPd 3.0.3)\r\n")
	}
	cli, srv := netip.MustParseAddrPort("10.0.0.5:40000"), netip.MustParseAddrPort("10.0.0.9:2121")
	dcli, dsrv := netip.MustParseAddrPort("10.0.0.5:40001"), netip.MustParseAddrPort("10.0.0.9:40000")
	cseq, sseq := uint32(1000), uint32(5000)
	c := func(p string) { w.send(cli, srv, cseq, sseq, false, true, false, p); cseq += uint32(len(p)) }
	s := func(p string) { w.send(srv, cli, sseq, cseq, false, true, false, p); sseq += uint32(len(p)) }
	s("rectory successfully changed.\r\n227 Entering Passive Mode (10,0,0,9,156,64).\r\n")
	c("RETR a.txt\r\n")
	w.send(dcli, dsrv, 7000, 0, true, false, false, "")
	w.send(dsrv, dcli, 8000, 7001, true, true, false, "")
	w.send(dcli, dsrv, 7001, 8001, false, true, false, "")
	s("150 Opening BINARY mode data connection for a.txt (5 bytes).\r\n")
	w.send(dsrv, dcli, 8001, 7001, false, true, false, "hello")
	w.send(dsrv, dcli, 8006, 7001, false, true, true, "")
	w.send(dcli, dsrv, 7001, 8007, false, true, true, "")
	w.send(dsrv, dcli, 8007, 7002, false, true, false, "")
	s("226 Transfer complete.\r\n")
	c("QUIT\r\n")
	s("221 Goodbye.\r\n")
}

// lateDataRecords runs read --json with args over path and returns its data
// records.
func lateDataRecords(t *testing.T, path string, args ...string) []map[string]any {
	t.Helper()
	var out, stderr bytes.Buffer
	if c := run(append(append([]string{"read", "--json"}, args...), path), &out, &stderr); c != exitOK {
		t.Fatalf("exit %d: %s", c, stderr.String())
	}
	var recs []map[string]any
	for _, line := range bytes.Split(out.Bytes(), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if rec["type"] == "data" {
			recs = append(recs, rec)
		}
	}
	return recs
}

// TestLateConfirmedDataRecordNamesItsCommand guards the JSON data record
// of a connection replayed when its session is confirmed late (found by
// its content on port 2121, after its data connection ran whole): the
// record carries the transfer command, its argument and its final reply
// (command RETR, arg a.txt, final_reply 226), as the record of the same
// connection does when the session is known from its first line
// (--control-port 2121), not a record with neither, which a filter on
// .command=="RETR" loses.
func TestLateConfirmedDataRecordNamesItsCommand(t *testing.T) {
	for _, other := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "late.pcap")
		writeLateConfirmedCapture(t, path, other)
		late := lateDataRecords(t, path)
		known := lateDataRecords(t, path, "--control-port", "2121")
		if len(late) != 1 || len(known) != 1 {
			t.Fatalf("other session %v: %d and %d data records, want 1 each", other, len(late), len(known))
		}
		got, want := late[0], known[0]
		if got["command"] != "RETR" || got["arg"] != "a.txt" || got["final_reply"] != float64(226) || got["outcome"] != "transferred" {
			t.Errorf("other session %v: command %v arg %v final_reply %v outcome %v; want RETR a.txt 226 transferred",
				other, got["command"], got["arg"], got["final_reply"], got["outcome"])
		}
		// The rest as the session known from the start: but for its
		// number, the record is the same (the match is exact both ways).
		delete(got, "session")
		delete(want, "session")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("other session %v: record\n%v\nwant (as with --control-port 2121)\n%v", other, got, want)
		}
	}
}
