package main

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
)

// TestExtractLateSegmentAfterResetNotAppended guards an ABOR (or a killed
// client) mid-RETR, as vsftpd's real one: the client resets the data
// connection, and the server's segment in flight, 65 160 bytes further
// on, is captured after the RST. Before, that segment restarted the
// connection as one whose start is unknown: its bytes were appended to
// the file at the current offset (the file's bytes from 458752 on were
// the real file's from 523912, no gap) and the record said "start not in
// the capture; offset unknown". The file is the bytes received before the
// reset; the late segment is counted (reassembly.after_end).
func TestExtractLateSegmentAfterResetNotAppended(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	k := &s.data
	body := wireBody(5000)
	k.handshake()
	s.cmd("RETR big.bin")
	s.reply("150 Opening BINARY mode data connection for big.bin (3000000 bytes).")
	k.segments(body, nil)
	s.cmd("ABOR")
	c.pkt(k.a, k.b, k.aseq, 0, "R", nil)
	c.pkt(k.b, k.a, k.bseq+65160, k.aseq, "PA", []byte("late bytes in flight")) // sent before the RST came
	s.reply("426 Failure writing network stream.")
	s.reply("226 ABOR successful.")
	s.quit()
	rec, got, st := oneFile(t, path)
	if !bytes.Equal(got, body) || slicesContains(rec.Reasons, "start not in the capture; offset unknown") {
		t.Errorf("file %d bytes, reasons %q; want the 5000 bytes before the reset, its start known", len(got), rec.Reasons)
	}
	if st.Payload.AfterEnd != 1 || st.Payload.AfterEndBytes != 20 || st.Payload.StartUnknown != 0 {
		t.Errorf("reassembly %+v; want after_end 1 (20 bytes), start_unknown 0", st.Payload)
	}
}

// TestExtractTypeABinaryModeAndConversion guards TYPE A records end to
// end, the server's 150 read: vsftpd under TYPE A without
// ascii_download_enable says "Opening BINARY mode" and sends the disk
// file unchanged (before: "TYPE A: line endings converted"); ProFTPD
// says "Opening ASCII mode" and sends CR LF, the wire larger than the
// announced size (before: complete, with the wire form's hashes given as
// the file's). With no TYPE command (RFC 959's ASCII default) the record
// says the same as with TYPE A (before: "size mismatch").
func TestExtractTypeABinaryModeAndConversion(t *testing.T) {
	lf := []byte(strings.Repeat("line of text\n", 40))     // 520 bytes on the server's disk
	crlf := []byte(strings.Repeat("line of text\r\n", 40)) // 560 on the wire when converted
	for _, tc := range []struct {
		name     string
		typ      string // the TYPE command, "" for none
		mode     string
		wire     []byte
		complete bool
		reason   string
	}{
		{"TYPE A, BINARY mode", "TYPE A", "BINARY", lf, true,
			"TYPE A, but the server sent binary (its reply says BINARY mode): line ends as on its disk"},
		{"TYPE A, ASCII mode", "TYPE A", "ASCII", crlf, false,
			"line ends converted: the server's file is 520 bytes (announced), 560 on the wire: the hashes are the wire form's, not the server file's"},
		{"no TYPE, ASCII mode", "", "ASCII", crlf, false,
			"line ends converted: the server's file is 520 bytes (announced), 560 on the wire: the hashes are the wire form's, not the server file's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := wireSessionType(c, tc.typ)
			k := &s.data
			k.handshake()
			s.cmd("RETR report.txt")
			s.reply("150 Opening " + tc.mode + " mode data connection for report.txt (520 bytes).")
			k.segments(tc.wire, nil)
			k.closeFromB()
			s.reply("226 Transfer complete.")
			s.quit()
			rec, got, _ := oneFile(t, path)
			if !bytes.Equal(got, tc.wire) || rec.Complete != tc.complete || !slicesContains(rec.Reasons, tc.reason) {
				t.Errorf("file %d bytes, complete %v, reasons %q; want the wire's %d, complete %v with %q",
					len(got), rec.Complete, rec.Reasons, len(tc.wire), tc.complete, tc.reason)
			}
			if slicesContains(rec.Reasons, "size mismatch: announced 520, got 560") {
				t.Errorf("reasons %q: a size TYPE A explains read as a mismatch", rec.Reasons)
			}
		})
	}
}

// wireSessionType is newWireSession with typ as its TYPE command (none
// when ""), and no TYPE I.
func wireSessionType(c *wireCap, typ string) *wireSession {
	s := openWireSession(c)
	s.reply("220 ProFTPD Server ready.")
	s.cmd("USER alice")
	s.reply("331 Password required for alice")
	s.cmd("PASS secret")
	s.reply("230 User alice logged in")
	if typ != "" {
		s.cmd(typ)
		s.reply("200 Type set to A")
	}
	s.cmd("PASV")
	s.reply("227 Entering Passive Mode (10,0,0,1,156,64).")
	return s
}

// TestExtractEncryptedSessionDataCountedEncrypted guards the data
// connections of a session whose control channel is TLS (AUTH SSL
// accepted): no transfer command is visible, and each begins with the
// client's TLS ClientHello. Before, they were counted as bytes "before
// their transfer command was seen" (no_command), as if a timing matter;
// they are encrypted, and counted so (encrypted_session).
func TestExtractEncryptedSessionDataCountedEncrypted(t *testing.T) {
	c, path := newWireCap(t)
	cli, srv := netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.1")
	ctl := wireConn{c: c, a: netip.AddrPortFrom(cli, 50000), b: netip.AddrPortFrom(srv, 21), aseq: 1000, bseq: 5000}
	data := wireConn{c: c, a: netip.AddrPortFrom(cli, 50001), b: netip.AddrPortFrom(srv, 40003), aseq: 70000, bseq: 90000}
	hello := append([]byte{22, 3, 1, 2, 0, 1, 0, 1, 252, 3, 3}, make([]byte, 505)...)
	record := func(n int) []byte { return append([]byte{23, 3, 3, byte(n >> 8), byte(n)}, make([]byte, n)...) }
	ctl.handshake()
	ctl.fromB([]byte("220 (vsFTPd 3.0.5)\r\n"))
	ctl.fromA([]byte("AUTH SSL\r\n"))
	ctl.fromB([]byte("234 Proceed with negotiation.\r\n"))
	ctl.fromA(hello)
	ctl.fromB(append([]byte{22, 3, 3, 0, 90, 2, 0, 0, 86, 3, 3}, make([]byte, 85)...))
	for range 6 { // USER, PASS, PBSZ, PROT, PASV, RETR and their replies: ciphertext
		ctl.fromA(record(40))
		ctl.fromB(record(50))
	}
	data.handshake()
	data.fromA(hello)
	data.fromB(append([]byte{22, 3, 3, 0, 90, 2, 0, 0, 86, 3, 3}, make([]byte, 85)...))
	data.fromB(record(3000))
	data.closeFromB()
	ctl.fromB(record(50))
	ctl.fromA(record(30))
	ctl.closeFromB()
	_, _, st, _ := fileRecordsStats(t, path)
	if st.NoCommand != 0 || st.EncryptedSession != 1 {
		t.Errorf("no_command %d, encrypted_session %d; want 0 and 1 (ciphertext of an encrypted session)", st.NoCommand, st.EncryptedSession)
	}
}

// TestExtractSkippedByOpenLimitSaysSoUnderItsData guards the transcript
// of a transfer that --extract-max-open kept from being written: only the
// summary counted it, and its data connection showed no file line, as if
// extraction had not looked at it. It now says so under its data line.
func TestExtractSkippedByOpenLimitSaysSoUnderItsData(t *testing.T) {
	c, path := newWireCap(t)
	var ss [2]*wireSession
	for i := range ss {
		s := newWireSessionN(c, i)
		s.data.handshake()
		s.cmd("RETR f.bin")
		s.reply("150 Opening BINARY mode data connection for f.bin (2000 bytes).")
		ss[i] = s
	}
	body := wireBody(2000)
	ss[0].data.segments(body[:1000], nil) // the first transfer holds the one slot
	ss[1].data.segments(body, nil)
	ss[1].data.closeFromB()
	ss[1].reply("226 Transfer complete.")
	ss[0].data.segments(body[1000:], nil)
	ss[0].data.closeFromB()
	ss[0].reply("226 Transfer complete.")
	for _, s := range ss {
		s.quit()
	}
	// (With --report too: the report's tee passes the line on.)
	for _, report := range [][]string{nil, {"--report", filepath.Join(t.TempDir(), "r.html")}} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"read", "--color", "never", "--extract", filepath.Join(t.TempDir(), "x"), "--extract-max-open", "1"}, report...)
		if code := run(append(args, path), &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", report, code, stderr.String())
		}
		text := stdout.String()
		if strings.Count(text, "file not written: 1 file was open (--extract-max-open)") != 1 || strings.Count(text, "file s1-d1-f.bin") != 1 {
			t.Errorf("%v: want one file written and one transfer saying it was not:\n%s", report, text)
		}
	}
}
