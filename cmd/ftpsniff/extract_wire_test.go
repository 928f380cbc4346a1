package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
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

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/extract"
)

// wireCap writes a synthetic capture packet by packet, so a test can
// leave out, repeat or alter exactly the packets a shape needs.
type wireCap struct {
	t  *testing.T
	w  *pcapgo.Writer
	ts time.Time
	// gap: the time between two packets (1 ms unless a test sets it);
	// packets: how many were written.
	gap     time.Duration
	packets int
	// snap: when positive, the most bytes of a packet written, the rest
	// cut off as a snap length does (tcpdump -s).
	snap int
}

func newWireCap(t *testing.T) (*wireCap, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wire.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	return &wireCap{t: t, w: w, ts: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), gap: time.Millisecond}, path
}

// pkt writes one TCP segment, over IPv4 or IPv6 as src is; tcp flag
// letters: S SYN, A ACK, F FIN, R RST, P PSH.
// wait moves the capture's clock on by d, before the next packet's gap.
func (c *wireCap) wait(d time.Duration) { c.ts = c.ts.Add(d) }

func (c *wireCap) pkt(src, dst netip.AddrPort, seq, ack uint32, flags string, p []byte) {
	c.t.Helper()
	c.ts = c.ts.Add(c.gap)
	c.packets++
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
	var ip interface {
		gopacket.SerializableLayer
		gopacket.NetworkLayer
	} = &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	if src.Addr().Is6() {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip = &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack, Window: 65535,
		SYN: strings.Contains(flags, "S"), ACK: strings.Contains(flags, "A"), FIN: strings.Contains(flags, "F"),
		RST: strings.Contains(flags, "R"), PSH: strings.Contains(flags, "P")}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		c.t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(p)); err != nil {
		c.t.Fatal(err)
	}
	b := buf.Bytes()
	wire := len(b)
	if c.snap > 0 && len(b) > c.snap {
		b = b[:c.snap]
	}
	if err := c.w.WritePacket(gopacket.CaptureInfo{Timestamp: c.ts, CaptureLength: len(b), Length: wire}, b); err != nil {
		c.t.Fatal(err)
	}
}

// wireConn is one TCP connection of a wireCap: a (the opener) and b, with
// the next sequence number of each.
type wireConn struct {
	c          *wireCap
	a, b       netip.AddrPort
	aseq, bseq uint32
}

func (k *wireConn) handshake() {
	k.c.pkt(k.a, k.b, k.aseq, 0, "S", nil)
	k.aseq++
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "SA", nil)
	k.bseq++
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
}

// fromA and fromB send p and the peer's ACK of it.
func (k *wireConn) fromA(p []byte) {
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "PA", p)
	k.aseq += uint32(len(p))
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "A", nil)
}

func (k *wireConn) fromB(p []byte) {
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "PA", p)
	k.bseq += uint32(len(p))
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
}

// closeFromB: b's FIN, a's FIN, b's last ACK.
func (k *wireConn) closeFromB() {
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "FA", nil)
	k.bseq++
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "FA", nil)
	k.aseq++
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "A", nil)
}

// wireSession is an FTP session on port 21 logged in with TYPE I, whose
// PASV announces 10.0.0.1:40000; data is its data connection (opened by
// the client from port 50001), for the test to drive.
type wireSession struct {
	ctl, data wireConn
}

func newWireSession(c *wireCap) *wireSession { return newWireSessionN(c, 0) }

// newWireSessionN is newWireSession for the i-th client of a test with
// several: 10.0.0.(2+i), its PASV announcing 10.0.0.1:(40000+i).
func newWireSessionN(c *wireCap, i int) *wireSession {
	s := openWireSessionN(c, i)
	s.loginPASV(i)
	return s
}

// loginPASV is newWireSessionN's dialogue: the login, TYPE I, and a
// PASV announcing 10.0.0.1:(40000+i).
func (s *wireSession) loginPASV(i int) {
	s.reply("220 (vsFTPd 3.0.5)")
	s.cmd("USER alice")
	s.reply("331 Please specify the password.")
	s.cmd("PASS secret")
	s.reply("230 Login successful.")
	s.cmd("TYPE I")
	s.reply("200 Switching to Binary mode.")
	s.cmd("PASV")
	s.reply(fmt.Sprintf("227 Entering Passive Mode (10,0,0,1,156,%d).", 64+i))
}

// openWireSession is a wireSession whose control connection's handshake
// is written, the dialogue left to the caller.
func openWireSession(c *wireCap) *wireSession { return openWireSessionN(c, 0) }

func openWireSessionN(c *wireCap, i int) *wireSession { return openWireSessionAt(c, i, 50000) }

// openWireSessionAt is openWireSessionN with the client's control
// connection from port (its data connection from port+1): another
// session of the same client host.
func openWireSessionAt(c *wireCap, i int, port uint16) *wireSession {
	cli, srv := netip.AddrFrom4([4]byte{10, 0, 0, byte(2 + i)}), netip.MustParseAddr("10.0.0.1")
	s := &wireSession{
		ctl:  wireConn{c: c, a: netip.AddrPortFrom(cli, port), b: netip.AddrPortFrom(srv, 21), aseq: 1000, bseq: 5000},
		data: wireConn{c: c, a: netip.AddrPortFrom(cli, port+1), b: netip.AddrPortFrom(srv, uint16(40000+i)), aseq: 70000, bseq: 90000},
	}
	s.ctl.handshake()
	return s
}

func (s *wireSession) cmd(line string)   { s.ctl.fromA([]byte(line + "\r\n")) }
func (s *wireSession) reply(line string) { s.ctl.fromB([]byte(line + "\r\n")) }

func (s *wireSession) quit() {
	s.cmd("QUIT")
	s.reply("221 Goodbye.")
	s.ctl.closeFromB()
}

// wireBody is a file's content: not all zeros, so a hole shows.
func wireBody(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i*7%26)
	}
	return b
}

// segments sends body from the server in segments of 1000 bytes; skip
// leaves out the segments it names (by index), as a capture that lost
// them. The client acknowledges each segment sent.
func (k *wireConn) segments(body []byte, skip func(i int) bool) {
	for i := 0; len(body) > 0; i++ {
		n := min(1000, len(body))
		if skip == nil || !skip(i) {
			k.c.pkt(k.b, k.a, k.bseq, k.aseq, "PA", body[:n])
			k.c.pkt(k.a, k.b, k.aseq, k.bseq+uint32(n), "A", nil)
		}
		k.bseq += uint32(n)
		body = body[n:]
	}
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// oneFile runs the extraction and returns the only file record with its
// file's content and the extraction record.
func oneFile(t *testing.T, path string) (jsonFileRec, []byte, extractStats) {
	t.Helper()
	files, _, st, dir := fileRecordsStats(t, path)
	if len(files) != 1 {
		t.Fatalf("%d file records, want 1: %+v (extraction %+v)", len(files), files, st)
	}
	b, err := os.ReadFile(filepath.Join(dir, files[0].File))
	if err != nil {
		t.Fatal(err)
	}
	return files[0], b, st
}

// TestExtractSecondSynAckWithNewISN guards the file of a data connection
// whose server answered the SYN twice with different ISNs (SYN cookies;
// the first SYN-ACK never reached the client): the client ACKs the
// second, the file is the 5,400 bytes sent. Before, the distance between
// the two ISNs became a hole of 15,921,517 bytes at offset 0 (and a few
// such connections filled the 10 GiB folder limit).
func TestExtractSecondSynAckWithNewISN(t *testing.T) {
	for _, off := range []int64{-15921517, 15921517} {
		t.Run(fmt.Sprint(off), func(t *testing.T) {
			c, path := newWireCap(t)
			s := newWireSession(c)
			k := &s.data
			body := wireBody(5400)
			c.pkt(k.a, k.b, k.aseq, 0, "S", nil)
			k.aseq++
			c.pkt(k.b, k.a, uint32(int64(k.bseq)+off), k.aseq, "SA", nil) // lost before the client
			c.pkt(k.b, k.a, k.bseq, k.aseq, "SA", nil)
			k.bseq++
			c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
			s.cmd("RETR small.txt")
			s.reply("150 Opening BINARY mode data connection for small.txt (5400 bytes).")
			k.segments(body, nil)
			k.closeFromB()
			s.reply("226 Transfer complete.")
			s.quit()
			rec, got, st := oneFile(t, path)
			if !bytes.Equal(got, body) || !rec.Complete || rec.Missing != 0 || st.Files.Bytes != 5400 {
				t.Errorf("file %d bytes (sha %s), complete %v, missing %d, reasons %q, folder bytes %d; want the 5400 bytes sent, complete",
					len(got), rec.SHA256[:12], rec.Complete, rec.Missing, rec.Reasons, st.Files.Bytes)
			}
		})
	}
}

// TestExtractDataConnWithoutSYN guards data connections whose start the
// capture lacks. Without the SYN, the SYN-ACK gives both ISNs: the file
// is whole. Without SYN and SYN-ACK, the file is written from the first
// byte seen and says its start is unknown. Before, neither was extracted
// and nothing counted them.
func TestExtractDataConnWithoutSYN(t *testing.T) {
	for _, tc := range []struct {
		name         string
		dropSynAck   bool
		wantComplete bool
		wantReason   string
	}{
		{"no SYN", false, true, ""},
		{"no SYN nor SYN-ACK", true, false, "start not in the capture; offset unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := newWireSession(c)
			k := &s.data
			body := wireBody(5400)
			k.aseq++ // the SYN is not in the capture
			if !tc.dropSynAck {
				c.pkt(k.b, k.a, k.bseq, k.aseq, "SA", nil)
			}
			k.bseq++
			c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
			s.cmd("RETR small.txt")
			s.reply("150 Opening BINARY mode data connection for small.txt (5400 bytes).")
			k.segments(body, nil)
			k.closeFromB()
			s.reply("226 Transfer complete.")
			s.quit()
			rec, got, _ := oneFile(t, path)
			if !bytes.Equal(got, body) || rec.Complete != tc.wantComplete {
				t.Errorf("file %d bytes, complete %v, reasons %q; want the 5400 bytes, complete %v", len(got), rec.Complete, rec.Reasons, tc.wantComplete)
			}
			if tc.wantReason != "" && !slicesContains(rec.Reasons, tc.wantReason) {
				t.Errorf("reasons %q lack %q", rec.Reasons, tc.wantReason)
			}
		})
	}
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestExtractZeroByteTransfer guards an empty file: a RETR whose data
// connection carried no byte, with a 226, gets a record (0 bytes, the
// empty file's SHA-256, complete) and an empty file. Before, no record.
func TestExtractZeroByteTransfer(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	k := &s.data
	k.handshake()
	s.cmd("RETR empty.bin")
	s.reply("150 Opening BINARY mode data connection for empty.bin (0 bytes).")
	k.closeFromB()
	s.reply("226 Transfer complete.")
	s.quit()
	rec, got, _ := oneFile(t, path)
	if len(got) != 0 || rec.Bytes != 0 || rec.SHA256 != sha(nil) || !rec.Complete || rec.Path != "empty.bin" {
		t.Errorf("record %+v, file %d bytes; want an empty, complete empty.bin", rec.FileRecord, len(got))
	}
}

// TestExtractUnsolicited421IsFinalReply guards an upload the server ended
// with a 421 (a data timeout): the tracker takes the 421 for no command's,
// but it is the transfer's final reply. Before: "no final reply".
func TestExtractUnsolicited421IsFinalReply(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	k := &s.data
	k.handshake()
	s.cmd("STOR up.bin")
	s.reply("150 Ok to send data.")
	k.fromA(wireBody(3000))
	c.ts = c.ts.Add(30 * time.Second)
	s.reply("421 Passive data channel timed out.")
	c.pkt(k.b, k.a, k.bseq, k.aseq, "RA", nil)
	s.ctl.closeFromB()
	rec, _, _ := oneFile(t, path)
	if rec.Complete || !slicesContains(rec.Reasons, "final reply 421") || slicesContains(rec.Reasons, "no final reply") {
		t.Errorf("reasons %q; want \"final reply 421\"", rec.Reasons)
	}
}

// TestExtractLostLastSegmentWithFIN guards a file whose last segment, with
// the FIN it carried, the capture lost, while the client's ACK of the FIN
// and its own FIN are there: the file has its size, the last 400 bytes a
// hole (not 401: the FIN's sequence number is no byte), and no reason
// says the capture ended (it did not). And when the FIN and every ACK
// after the last bytes seen are lost too, the record says the end is not
// in the capture rather than "capture ended".
func TestExtractLostLastSegmentWithFIN(t *testing.T) {
	body := wireBody(5400)
	c, path := newWireCap(t)
	s := newWireSession(c)
	k := &s.data
	k.handshake()
	s.cmd("RETR small.txt")
	s.reply("150 Opening BINARY mode data connection for small.txt.")
	k.segments(body[:5000], nil)
	k.bseq += 400 + 1 // 400 bytes and the FIN: not in the capture
	c.pkt(k.a, k.b, k.aseq, k.bseq, "FA", nil)
	k.aseq++
	c.pkt(k.b, k.a, k.bseq, k.aseq, "A", nil)
	s.reply("226 Transfer complete.")
	c.ts = c.ts.Add(time.Second)
	s.quit()
	rec, got, _ := oneFile(t, path)
	if len(got) != 5400 || rec.Missing != 400 || !bytes.Equal(got[:5000], body[:5000]) {
		t.Errorf("file %d bytes, %d missing; want 5400 with the last 400 a hole", len(got), rec.Missing)
	}
	for _, r := range rec.Reasons {
		if r == "capture ended" || strings.Contains(r, "end is not in the capture") {
			t.Errorf("reason %q: the capture went on and showed the end", r)
		}
	}

	c, path = newWireCap(t)
	s = newWireSession(c)
	k = &s.data
	k.handshake()
	s.cmd("RETR small.txt")
	s.reply("150 Opening BINARY mode data connection for small.txt.")
	k.segments(body[:5000], nil)
	s.reply("226 Transfer complete.")
	c.ts = c.ts.Add(time.Second)
	s.quit()
	rec, _, _ = oneFile(t, path)
	want := "the data connection's end is not in the capture: bytes after offset 5000 may be missing"
	if !slicesContains(rec.Reasons, want) || slicesContains(rec.Reasons, "capture ended") {
		t.Errorf("reasons %q; want %q", rec.Reasons, want)
	}
}

// TestExtractConflictingRetransmission guards a retransmission whose
// bytes differ from the first copy: the file keeps the first copy, is not
// complete, and says where the two versions differ. Before, the second
// copy was dropped uncompared and the file was "complete".
func TestExtractConflictingRetransmission(t *testing.T) {
	body := wireBody(5400)
	c, path := newWireCap(t)
	s := newWireSession(c)
	k := &s.data
	k.handshake()
	s.cmd("RETR small.txt")
	s.reply("150 Opening BINARY mode data connection for small.txt (5400 bytes).")
	start := k.bseq
	k.segments(body, nil)
	evil := append([]byte(nil), body[2000:3000]...)
	copy(evil[10:], "EVILEVILEV")
	c.pkt(k.b, k.a, start+2000, k.aseq, "PA", evil)
	k.closeFromB()
	s.reply("226 Transfer complete.")
	s.quit()
	rec, got, st := oneFile(t, path)
	want := "the capture holds two different versions of bytes at offset 2010"
	if !bytes.Equal(got, body) || rec.Complete || !slicesContains(rec.Reasons, want) || st.Payload.Conflicts != 1 {
		t.Errorf("equal to the first copy %v, complete %v, reasons %q, conflicts %d; want the first copy, %q",
			bytes.Equal(got, body), rec.Complete, rec.Reasons, st.Payload.Conflicts, want)
	}
}

// TestExtractNotReassembledCounted guards a transfer whose data
// connection carried bytes that reassembly never delivered: no file, and
// the extraction record counts it with its bytes, never silent.
func TestExtractNotReassembledCounted(t *testing.T) {
	d, err := extract.Open(t.TempDir(), extract.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	x := &extractor{next: nopSink{}, dir: d, files: map[*track.DataConn]*openFile{}, forms: map[*track.Session]wireForm{}}
	sess := &track.Session{ID: 1}
	dc := &track.DataConn{ID: 1, Session: sess, Passive: true, Outcome: track.OutcomeTransferred,
		Command: &track.Command{Verb: "RETR", Arg: "a.bin", Status: track.StatusAnswered}, Bytes: [2]int64{0, 4096}}
	x.Data(sess, dc)
	if x.st.NotReassembled != 1 || x.st.NotReassembledBytes != 4096 || len(x.files) != 0 {
		t.Errorf("not reassembled %d (%d bytes), files %d; want 1 (4096), 0", x.st.NotReassembled, x.st.NotReassembledBytes, len(x.files))
	}
}
