package main

import (
	"net/netip"
	"strings"
	"testing"
)

// TestConflictedCopiesFollowTheWire: when the capture holds two copies of
// a control line that differ (an attacker's forged copy raced ahead of
// the real one), what the rest of the session shows decides which copy
// is reported (rev-attacker a6, h4, b13, e3):
//   - a forged 227 announcing port 22 over the real one's 40051: the
//     client's SYN to 40051 is the data connection, shown under the real
//     227, with no port-outside-range error or "no SYN to it";
//   - a forged PORT naming 10.9.5.5:3306 over the client's own: the
//     server's connection back to the client's endpoint is shown, with
//     no nat-mismatch;
//   - a forged 425 over the real 150: the transfer and the 226 after it
//     show the 150 was received; the 226 answers the RETR, not "a
//     command lost in a capture gap";
//   - "USER root" in a SYN the server acknowledged alone: not stream
//     data; the session's login is the real one.
func TestConflictedCopiesFollowTheWire(t *testing.T) {
	tests := []struct {
		name  string
		write func(c *wireCap, s *wireSession)
		want  []string
		never []string
	}{
		{"forged 227 first", func(c *wireCap, s *wireSession) {
			s.cmd("PASV")
			real := "227 Entering Passive Mode (10,0,0,1,156,115).\r\n"
			forged := "227 Entering Passive Mode (10,0,0,1,0,22).   \r\n"
			k := &s.ctl
			c.pkt(k.b, k.a, k.bseq, k.aseq, "PA", []byte(forged))
			k.fromB([]byte(real))
			s.data.b = netip.MustParseAddrPort("10.0.0.1:40051")
			s.data.handshake()
			s.cmd("LIST")
			s.reply("150 Here comes the directory listing.")
			s.data.segments(wireBody(300), nil)
			s.data.closeFromB()
			s.reply("226 Directory send OK.")
		}, []string{"= 10.0.0.1:40051", "transferred: 300 bytes", "the other copy announces 10.0.0.1:40051"},
			[]string{"port-outside-range", "not-attempted", "10.0.0.1:22"}},
		{"forged PORT first", func(c *wireCap, s *wireSession) {
			real := "PORT 10,0,0,2,195,80\r\n"
			forged := "PORT 10,9,5,5,12,234\r\n"
			k := &s.ctl
			c.pkt(k.a, k.b, k.aseq, k.bseq, "PA", []byte(forged))
			k.fromA([]byte(real))
			s.reply("200 PORT command successful. Consider using PASV.")
			s.cmd("LIST")
			d := wireConn{c: c, a: netip.MustParseAddrPort("10.0.0.1:20"), b: netip.MustParseAddrPort("10.0.0.2:50000"), aseq: 300000, bseq: 400000}
			d.handshake()
			s.reply("150 Here comes the directory listing.")
			d.fromA(wireBody(200))
			d.closeFromB()
			s.reply("226 Directory send OK.")
		}, []string{"PORT 10,0,0,2,195,80", "= 10.0.0.2:50000", "transferred: 200 bytes"},
			[]string{"nat-mismatch", "not-attempted", "10.9.5.5"}},
		{"forged 425 over the 150", func(c *wireCap, s *wireSession) {
			s.cmd("PASV")
			s.reply("227 Entering Passive Mode (10,0,0,1,156,64).")
			s.data.handshake()
			s.cmd("RETR f")
			real := "150 Opening BINARY mode data connection for f (3000 bytes).\r\n"
			forged := "425 Failed to establish connection."
			forged += strings.Repeat(" ", len(real)-2-len(forged)) + "\r\n"
			k := &s.ctl
			c.pkt(k.b, k.a, k.bseq, k.aseq, "PA", []byte(forged))
			k.fromB([]byte(real))
			s.data.segments(wireBody(3000), nil)
			s.data.closeFromB()
			s.reply("226 Transfer complete.")
		}, []string{"--> 150 Opening BINARY mode", "transferred: 3000 bytes"},
			[]string{"lost in a capture gap", "--> 425"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := openWireSession(c)
			s.reply("220 (vsFTPd 3.0.5)")
			s.cmd("USER alice")
			s.reply("331 Please specify the password.")
			s.cmd("PASS secret")
			s.reply("230 Login successful.")
			tc.write(c, s)
			s.quit()
			out, _, code := readText(t, "--pasv-range", "40000-40100", path)
			if code != 0 && code != 1 && code != 2 {
				t.Fatalf("exit %d", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(out, n) {
					t.Errorf("output has %q:\n%s", n, out)
				}
			}
		})
	}
}

// TestSYNPayloadNotTakenIsNoCommand: a client SYN carrying "USER root",
// its SYN-ACK acknowledging the SYN alone, then the client's real login
// from ISN+1: the session's user is alice, no "USER root", no conflict
// (rev-attacker e3; RFC 7413: Fast Open data not acknowledged is not
// delivered).
func TestSYNPayloadNotTakenIsNoCommand(t *testing.T) {
	c, path := newWireCap(t)
	s := openWireSession(c)
	// openWireSession wrote a plain handshake: a second connection, with
	// data in its SYN, is the one under test.
	k := wireConn{c: c, a: netip.MustParseAddrPort("10.0.0.3:50100"), b: netip.MustParseAddrPort("10.0.0.1:21"), aseq: 7000, bseq: 9000}
	c.pkt(k.a, k.b, k.aseq, 0, "S", []byte("USER root\r\nPASS SYNSECRET\r\n"))
	k.aseq++
	c.pkt(k.b, k.a, k.bseq, k.aseq, "SA", nil)
	k.bseq++
	c.pkt(k.a, k.b, k.aseq, k.bseq, "A", nil)
	k.fromB([]byte("220 (vsFTPd 3.0.5)\r\n"))
	k.fromA([]byte("USER alice\r\n"))
	k.fromB([]byte("331 Please specify the password.\r\n"))
	k.fromA([]byte("PASS pw\r\n"))
	k.fromB([]byte("230 Login successful.\r\n"))
	k.fromA([]byte("QUIT\r\n"))
	k.fromB([]byte("221 Goodbye.\r\n"))
	k.closeFromB()
	s.quit()
	out, _, _ := readText(t, path)
	for _, n := range []string{"USER root", "user root", "conflict"} {
		if strings.Contains(out, n) {
			t.Errorf("output has %q:\n%s", n, out)
		}
	}
	if !strings.Contains(out, "user alice, logged in") {
		t.Errorf("output lacks alice's login:\n%s", out)
	}
}
