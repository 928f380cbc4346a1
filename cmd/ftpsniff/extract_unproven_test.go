package main

import (
	"bytes"
	"net/netip"
	"testing"
)

// TestExtractResetEndNotComplete guards a download whose data connection
// an RST ended before the sender's FIN: in stream mode only that FIN marks
// the end of the file (RFC 959 3.4.1), and the 226 says only that the
// server handed its bytes to its socket. Without an announced size that
// the bytes meet, the file is not complete. Before, it was "complete"
// (an empty one too). The sender's FIN before a receiver's RST, or the
// announced size met, still end the file.
func TestExtractResetEndNotComplete(t *testing.T) {
	const why = "ended by RST, not the sender's FIN: the end of the file is not in the capture"
	for _, tc := range []struct {
		name     string
		size     int  // bytes sent
		announce bool // the 150 announces the size
		end      string
		complete bool
	}{
		{"server's RST, no size", 5400, false, "server RST", false},
		{"client's RST, no size", 5400, false, "client RST", false},
		{"empty, client's RST", 0, false, "client RST", false},
		{"server's RST, size met", 5400, true, "server RST", true},
		{"server's FIN, then client's RST", 5400, false, "FIN then RST", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := newWireSession(c)
			k := &s.data
			body := wireBody(tc.size)
			k.handshake()
			s.cmd("RETR f.bin")
			if tc.announce {
				s.reply("150 Opening BINARY mode data connection for f.bin (5400 bytes).")
			} else {
				s.reply("150 Opening BINARY mode data connection for f.bin.")
			}
			k.segments(body, nil)
			switch tc.end {
			case "server RST":
				c.pkt(k.b, k.a, k.bseq, k.aseq, "RA", nil)
			case "client RST":
				c.pkt(k.a, k.b, k.aseq, k.bseq, "RA", nil)
			case "FIN then RST":
				c.pkt(k.b, k.a, k.bseq, k.aseq, "FA", nil)
				k.bseq++
				c.pkt(k.a, k.b, k.aseq, k.bseq, "RA", nil)
			}
			s.reply("226 Transfer complete.")
			s.quit()
			rec, got, _ := oneFile(t, path)
			if !bytes.Equal(got, body) || rec.Complete != tc.complete || slicesContains(rec.Reasons, why) == tc.complete {
				t.Errorf("file %d bytes, complete %v, reasons %q; want the %d bytes, complete %v", len(got), rec.Complete, rec.Reasons, len(body), tc.complete)
			}
		})
	}
}

// TestExtractWireFormNotComplete guards transfers under a MODE or STRU
// (or TYPE E) that puts another form than the file's bytes on the wire:
// MODE B's block headers, MODE C's compressed blocks, STRU R's record
// marks, STRU P's page headers, EBCDIC. The file (and its hashes) is the
// wire bytes, not complete, with a reason naming the form, as for MODE Z.
// Before, the server's 200 was taken and the file was "complete". MODE S
// after MODE B, and a MODE B the server refused, leave stream mode.
func TestExtractWireFormNotComplete(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dialog  [][2]string // commands and their replies before the RETR
		reason  string      // "" for complete
		sizeBad bool
	}{
		{"MODE B", [][2]string{{"MODE B", "200 Mode set to B."}}, "MODE B: block headers on the wire; the remote file is not the wire bytes written here", false},
		{"MODE C", [][2]string{{"MODE C", "200 Mode set to C."}}, "MODE C: compressed blocks on the wire; the remote file is not the wire bytes written here", false},
		{"STRU R", [][2]string{{"STRU R", "200 Structure set to R."}}, "STRU R: end-of-record marks may be on the wire; the remote file may not be the wire bytes written here", false},
		{"STRU P", [][2]string{{"STRU P", "200 Structure set to P."}}, "STRU P: page headers on the wire; the remote file is not the wire bytes written here", false},
		{"TYPE E", [][2]string{{"TYPE E", "200 Type set to E."}}, "TYPE E: EBCDIC on the wire; the remote file may not be the wire bytes written here", false},
		{"MODE B then S", [][2]string{{"MODE B", "200 Mode set to B."}, {"MODE S", "200 Mode set to S."}}, "", false},
		{"MODE B refused", [][2]string{{"MODE B", "504 Unsupported mode."}}, "", false},
		{"STRU R then F", [][2]string{{"STRU R", "200 Structure set to R."}, {"STRU F", "200 Structure set to F."}}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := newWireSession(c)
			k := &s.data
			body := wireBody(5400)
			for _, d := range tc.dialog {
				s.cmd(d[0])
				s.reply(d[1])
			}
			k.handshake()
			s.cmd("RETR f.bin")
			s.reply("150 Opening BINARY mode data connection for f.bin (5400 bytes).")
			k.segments(body, nil)
			k.closeFromB()
			s.reply("226 Transfer complete.")
			s.quit()
			rec, got, _ := oneFile(t, path)
			if !bytes.Equal(got, body) || rec.SHA256 != sha(body) {
				t.Errorf("file %d bytes, sha %s; want the wire's 5400 bytes, hashed", len(got), rec.SHA256)
			}
			if rec.Complete != (tc.reason == "") || tc.reason != "" && !slicesContains(rec.Reasons, tc.reason) || tc.reason == "" && len(rec.Reasons) > 0 {
				t.Errorf("complete %v, reasons %q; want %q", rec.Complete, rec.Reasons, tc.reason)
			}
		})
	}
}

// TestExtractForeignDataPeer guards a data connection the tracker matched
// by the announced port alone from another host than the one that should
// connect. Active mode: a stranger, not the server, connected to the
// client's PORT and sent the "file": not complete, the reason naming it.
// Before, complete with no word. Passive mode: a stranger connected to
// the PASV port and received the server's file: complete (it is the
// server's), but the record names who received it.
func TestExtractForeignDataPeer(t *testing.T) {
	stranger := netip.MustParseAddr("10.9.9.9")
	for _, tc := range []struct {
		name     string
		passive  bool
		opener   netip.Addr
		complete bool
		reason   string
	}{
		{"active, from a stranger", false, stranger, false,
			"sent by 10.9.9.9:20, not by the session's server 10.0.0.1 (matched to the PORT by its port alone): another host's bytes (active port theft), or the server's from another address: not proven the server's file"},
		{"active, from the server", false, netip.MustParseAddr("10.0.0.1"), true, ""},
		{"passive, to a stranger", true, stranger, true,
			"received by 10.9.9.9:33333, not by the session's client 10.0.0.2 (matched to the PASV by its port alone): another host took the transfer (passive port theft), or the client connected from another of its addresses (a NAT pool, an IPv6 temporary address)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			body := wireBody(5400)
			s := openWireSession(c)
			for _, d := range [][2]string{{"", "220 (vsFTPd 3.0.5)"}, {"USER alice", "331 Please specify the password."},
				{"PASS secret", "230 Login successful."}, {"TYPE I", "200 Switching to Binary mode."}} {
				if d[0] != "" {
					s.cmd(d[0])
				}
				s.reply(d[1])
			}
			if tc.passive {
				s.cmd("PASV")
				s.reply("227 Entering Passive Mode (10,0,0,1,156,64).")
				k := &wireConn{c: c, a: netip.AddrPortFrom(tc.opener, 33333), b: s.data.b, aseq: 70000, bseq: 90000}
				k.handshake()
				s.cmd("RETR f.bin")
				s.reply("150 Opening BINARY mode data connection for f.bin (5400 bytes).")
				k.segments(body, nil)
				k.closeFromB()
			} else {
				s.cmd("PORT 10,0,0,2,195,81") // the client's 10.0.0.2:50001
				s.reply("200 PORT command successful. Consider using PASV.")
				s.cmd("RETR f.bin")
				k := &wireConn{c: c, a: netip.AddrPortFrom(tc.opener, 20), b: s.data.a, aseq: 70000, bseq: 90000}
				k.handshake()
				for p := body; len(p) > 0; p = p[min(1000, len(p)):] {
					k.fromA(p[:min(1000, len(p))])
				}
				c.pkt(k.a, k.b, k.aseq, k.bseq, "FA", nil)
				k.aseq++
				c.pkt(k.b, k.a, k.bseq, k.aseq, "FA", nil)
				k.bseq++
				c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
				s.reply("150 Opening BINARY mode data connection for f.bin (5400 bytes).")
			}
			s.reply("226 Transfer complete.")
			s.quit()
			rec, got, _ := oneFile(t, path)
			if !bytes.Equal(got, body) || rec.Complete != tc.complete || tc.reason != "" && !slicesContains(rec.Reasons, tc.reason) || tc.reason == "" && len(rec.Reasons) > 0 {
				t.Errorf("file %d bytes, complete %v, reasons %q; want the 5400 bytes, complete %v, reason %q", len(got), rec.Complete, rec.Reasons, tc.complete, tc.reason)
			}
		})
	}
}
