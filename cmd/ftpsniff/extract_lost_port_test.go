package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// lostPortSession is a wireSession (ProFTPD) logged in with TYPE I whose
// PORT the capture lost (its 200 seen), then a RETR of b.bin: the server
// connects back from srcPort to the client's port 50020.
func lostPortSession(c *wireCap, srcPort uint16) (*wireSession, *wireConn) {
	s := openWireSession(c)
	s.reply("220 ProFTPD Server (Debian) [10.0.0.1]")
	s.cmd("USER alice")
	s.reply("331 Password required for alice")
	s.cmd("PASS secret")
	s.reply("230 User alice logged in")
	s.cmd("TYPE I")
	s.reply("200 Type set to I")
	s.ctl.aseq += uint32(len("PORT 10,0,0,2,195,100\r\n")) // lost
	s.reply("200 PORT command successful")
	s.cmd("RETR b.bin")
	d := &wireConn{c: c, a: netip.AddrPortFrom(s.ctl.b.Addr(), srcPort), b: netip.AddrPortFrom(s.ctl.a.Addr(), 50020), aseq: 11000, bseq: 12000}
	return s, d
}

// send sends body from a, the connection's opener, in segments of 1000
// bytes, each acknowledged.
func (k *wireConn) send(body []byte) {
	for len(body) > 0 {
		n := min(1000, len(body))
		k.fromA(body[:n])
		body = body[n:]
	}
}

// closeFromA: a's FIN, b's FIN, a's last ACK.
func (k *wireConn) closeFromA() {
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "FA", nil)
	k.aseq++
	k.c.pkt(k.b, k.a, k.bseq, k.aseq, "FA", nil)
	k.bseq++
	k.c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
}

// TestExtractLostPortConnectionBytesBeforeItsReply guards the file of a
// transfer whose PORT the capture lost, when the server connects back
// from an unprivileged port (ProFTPD, pyftpdlib): the tracker holds that
// connection, not tied to the RETR, until the RETR's first reply (one
// from port 20 may still come), and the capture wrote the file's bytes
// before that reply (a capture of two queues), or lost the reply. The
// file is written whole, with its hash, as for any transfer. Before, its
// bytes came while no command was tied: no file, counted only as
// no_command, while the data record said transferred.
func TestExtractLostPortConnectionBytesBeforeItsReply(t *testing.T) {
	body := wireBody(5000)
	const m150 = "150 Opening BINARY mode data connection for b.bin (5000 bytes)"
	for _, tc := range []struct {
		name     string
		run      func(s *wireSession, d *wireConn)
		complete bool
	}{
		{"all before the 150", func(s *wireSession, d *wireConn) {
			d.send(body)
			d.closeFromA()
			s.reply(m150)
			s.reply("226 Transfer complete")
		}, true},
		{"half before the 150", func(s *wireSession, d *wireConn) {
			d.send(body[:2500])
			s.reply(m150)
			d.send(body[2500:])
			d.closeFromA()
			s.reply("226 Transfer complete")
		}, true},
		{"the 150 lost", func(s *wireSession, d *wireConn) {
			s.ctl.bseq += uint32(len(m150) + 2)
			d.send(body)
			d.closeFromA()
			s.reply("226 Transfer complete")
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s, d := lostPortSession(c, 39555)
			d.handshake()
			tc.run(s, d)
			s.quit()
			rec, got, st := oneFile(t, path)
			if !bytes.Equal(got, body) || rec.SHA256 != sha(body) || rec.Complete != tc.complete {
				t.Errorf("file %q: %d bytes, complete %v, reasons %q; want the 5000 bytes sent (sha256 %s), complete %v",
					rec.File, len(got), rec.Complete, rec.Reasons, sha(body)[:12], tc.complete)
			}
			if !strings.HasPrefix(rec.File, "s1-d1-") || st.NoCommand != 0 {
				t.Errorf("file %q, no_command %d; want s1-d1-b.bin, none counted", rec.File, st.NoCommand)
			}
		})
	}
}

// TestExtractLostPortHeldConnectionReplaced guards the connection held
// for a lost PORT that the server's own from port 20 replaces (the server
// host's other traffic to the client, a backup job, carrying bytes while
// the RETR waited): it makes no file, is counted nowhere, and takes no
// number, so the RETR's file is s1-d1. Before, its bytes were counted as
// a data connection's before their command (no_command), and it took
// number 1, leaving a hole before the file's s1-d2.
func TestExtractLostPortHeldConnectionReplaced(t *testing.T) {
	c, path := newWireCap(t)
	s, d := lostPortSession(c, 20)
	backup := &wireConn{c: c, a: netip.MustParseAddrPort("10.0.0.1:41000"), b: netip.MustParseAddrPort("10.0.0.2:9102"), aseq: 500, bseq: 600}
	backup.handshake()
	backup.send(wireBody(3000))
	d.handshake()
	s.reply("150 Opening BINARY mode data connection for b.bin (5000 bytes)")
	body := wireBody(5000)
	d.send(body)
	d.closeFromA()
	s.reply("226 Transfer complete")
	backup.closeFromA()
	s.quit()
	files, data, st, _ := fileRecordsStats(t, path)
	if len(files) != 1 || files[0].SHA256 != sha(body) || files[0].File != "s1-d1-b.bin" {
		t.Errorf("files %+v; want one, s1-d1-b.bin, the 5000 bytes from port 20", files)
	}
	if st.NoCommand != 0 || len(data) != 1 {
		t.Errorf("no_command %d, %d data records; want none counted, one record", st.NoCommand, len(data))
	}
}

// cutPkt writes, in c, a TCP segment of p from src to dst over IPv4 of
// which the capture kept only the first keep bytes of payload (a snap
// length shorter than the packet).
func cutPkt(c *wireCap, src, dst netip.AddrPort, seq, ack uint32, p []byte, keep int) {
	c.t.Helper()
	c.ts = c.ts.Add(c.gap)
	c.packets++
	eth := &layers.Ethernet{SrcMAC: make([]byte, 6), DstMAC: make([]byte, 6), EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack, Window: 65535, ACK: true, PSH: true}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		c.t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(p)); err != nil {
		c.t.Fatal(err)
	}
	b := buf.Bytes()
	b = b[:len(b)-len(p)+keep]
	if err := c.w.WritePacket(gopacket.CaptureInfo{Timestamp: c.ts, CaptureLength: len(b), Length: len(buf.Bytes())}, b); err != nil {
		c.t.Fatal(err)
	}
}

// TestCutPortLineShowsActiveBlocked: tcpdump -s 82 kept "PORT
// 10,0,0,2,1" of the client's PORT line (its last 8 bytes lost); the
// server (pyftpdlib) connects back at once from an unprivileged port,
// the client refuses it, and the server answers 425. The cut line's
// kept bytes count toward the PORT the gap may hold: the refused
// connection is the session's, an error active-blocked. Before, the
// 8-byte gap alone was too short for any PORT: no data connection, and
// a verdict that no data connection was expected.
func TestCutPortLineShowsActiveBlocked(t *testing.T) {
	c, path := newWireCap(t)
	s := openWireSession(c)
	s.reply("220 pyftpdlib ready.")
	s.cmd("USER anonymous")
	s.reply("331 Username ok, send password.")
	s.cmd("PASS ftp@")
	s.reply("230 Login successful.")
	s.cmd("TYPE I")
	s.reply("200 Type set to: Binary.")
	line := []byte("PORT 10,0,0,2,195,100\r\n")
	k := &s.ctl
	cutPkt(c, k.a, k.b, k.aseq, k.bseq, line, len("PORT 10,0,0,2,1"))
	k.aseq += uint32(len(line))
	c.pkt(k.b, k.a, k.bseq, k.aseq, "A", nil)
	src, dst := netip.MustParseAddrPort("10.0.0.1:53035"), netip.MustParseAddrPort("10.0.0.2:50020")
	c.pkt(src, dst, 7000, 0, "S", nil)
	c.pkt(dst, src, 0, 7001, "RA", nil)
	s.reply("425 Can't connect to specified address.")
	s.quit()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"read", "--json", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var refused, blocked bool
	for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var r struct {
			Type, Outcome, Match, Severity string
			Code                           json.RawMessage // (a number in event records)
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		refused = refused || r.Type == "data" && r.Outcome == "refused" && r.Match == "announcement-lost"
		blocked = blocked || r.Type == "finding" && string(r.Code) == `"active-blocked"` && r.Severity == "error"
	}
	if !refused || !blocked {
		t.Errorf("refused announcement-lost data record %v, error active-blocked %v; want both:\n%s", refused, blocked, stdout.String())
	}
}

// TestExtractLostPortHeldBytesBounded: the bytes of a connection held for
// a lost PORT are kept in memory until the tracker ties it; past
// heldPayloadMax before the RETR's reply (lost here) it makes no file
// and is counted as bytes before their command, and nothing of it is
// kept.
func TestExtractLostPortHeldBytesBounded(t *testing.T) {
	c, path := newWireCap(t)
	s, d := lostPortSession(c, 39555)
	d.handshake()
	s.ctl.bseq += uint32(len("150 Opening BINARY mode data connection for b.bin (9000000 bytes)\r\n"))
	chunk := wireBody(64000)
	for range heldPayloadMax/len(chunk) + 2 {
		d.fromA(chunk)
	}
	d.closeFromA()
	s.reply("226 Transfer complete")
	s.quit()
	files, data, st, _ := fileRecordsStats(t, path)
	if len(files) != 0 || st.NoCommand != 1 || len(data) != 1 {
		t.Errorf("%d files, no_command %d, %d data records; want no file, 1 counted, 1 record", len(files), st.NoCommand, len(data))
	}
}
