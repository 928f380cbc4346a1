package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"
)

var (
	v6Client = netip.MustParseAddr("fd00:99::2")
	v6Server = netip.MustParseAddr("fd00:99::1")
)

// v6Session opens a control connection [fd00:99::2]:49022 ->
// [fd00:99::1]:21 and logs in after greeting.
func v6Session(c *wireCap, greeting string) *wireConn {
	ctl := &wireConn{c: c, a: netip.AddrPortFrom(v6Client, 49022), b: netip.AddrPortFrom(v6Server, 21), aseq: 1000, bseq: 5000}
	ctl.handshake()
	ctl.fromB([]byte(greeting + "\r\n"))
	for _, x := range [][2]string{{"USER anonymous", "331 Send your e-mail address as your password"}, {"PASS a@b", "230 Anonymous access granted"}, {"TYPE I", "200 Type set to I"}} {
		ctl.fromA([]byte(x[0] + "\r\n"))
		ctl.fromB([]byte(x[1] + "\r\n"))
	}
	return ctl
}

func v6Read(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"read", "--color", "never"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

// proftpdPortOnly writes ProFTPD's answer to PASV on an IPv6 connection,
// the port alone after the last group of its address
// ("(1,156,108)": fd00:99::1, port 40044), and the client's data
// connection to the control address on that port: transferred, or its
// SYNs unanswered.
func proftpdPortOnly(t *testing.T, answered bool) string {
	c, path := newWireCap(t)
	ctl := v6Session(c, "220 ProFTPD Server (lab) [fd00:99::1]")
	ctl.fromA([]byte("EPSV\r\n"))
	ctl.fromB([]byte("501 EPSV: Operation not permitted\r\n"))
	ctl.fromA([]byte("PASV\r\n"))
	ctl.fromB([]byte("227 Entering Passive Mode (1,156,108).\r\n"))
	data := &wireConn{c: c, a: netip.AddrPortFrom(v6Client, 34170), b: netip.AddrPortFrom(v6Server, 40044), aseq: 70000, bseq: 90000}
	ctl.fromA([]byte("RETR report.txt\r\n"))
	if answered {
		data.handshake()
		ctl.fromB([]byte("150 Opening BINARY mode data connection for report.txt (5 bytes)\r\n"))
		data.fromB([]byte("hello"))
		data.closeFromB()
		ctl.fromB([]byte("226 Transfer complete\r\n"))
	} else {
		for i := range 6 {
			c.wait(time.Duration(1<<i) * time.Second)
			c.pkt(data.a, data.b, data.aseq, 0, "S", nil)
		}
		ctl.fromB([]byte("425 Unable to build data connection: Connection timed out\r\n"))
	}
	ctl.fromA([]byte("QUIT\r\n"))
	ctl.fromB([]byte("221 Goodbye.\r\n"))
	ctl.closeFromB()
	return path
}

// TestPortOnlyPASVReplyTiesItsDataConnection guards ProFTPD's 227 on an
// IPv6 connection, "(1,156,108)": clients that read it (busybox) connect
// to the control connection's address on the port of the last two
// numbers, and so is it read: the data connection is the session's, not
// "data: none" under a malformed reply, and when its SYNs go unanswered
// that is an error, not "0 errors".
func TestPortOnlyPASVReplyTiesItsDataConnection(t *testing.T) {
	out, errs, code := v6Read(t, proftpdPortOnly(t, true))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "data #1 PASV [fd00:99::1]:40044 transferred: 5 bytes") || strings.Contains(out, "malformed") {
		t.Errorf("transferred:\n%s", out)
	}
	out, errs, code = v6Read(t, "--summary", proftpdPortOnly(t, false))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "error data-unanswered") || strings.Contains(out, "0 errors") {
		t.Errorf("unanswered:\n%s", out)
	}
}

// TestEPRTZoneOnGlobalAddressReadAsVsftpdReadsIt guards an EPRT whose
// IPv6 address is not link-local yet carries a zone ("fd00:99::2%cli0"):
// vsftpd reads the address before the '%' and connects to it, so the
// data connection is tied to the EPRT (marked loose), not "data: none".
func TestEPRTZoneOnGlobalAddressReadAsVsftpdReadsIt(t *testing.T) {
	c, path := newWireCap(t)
	ctl := v6Session(c, "220 (vsFTPd 3.0.3)")
	ctl.fromA([]byte("EPRT |2|fd00:99::2%cli0|45005|\r\n"))
	ctl.fromB([]byte("200 EPRT command successful. Consider using EPSV.\r\n"))
	ctl.fromA([]byte("RETR report.txt\r\n"))
	data := &wireConn{c: c, a: netip.AddrPortFrom(v6Server, 20), b: netip.AddrPortFrom(v6Client, 45005), aseq: 70000, bseq: 90000}
	data.handshake()
	ctl.fromB([]byte("150 Opening BINARY mode data connection for report.txt (5 bytes).\r\n"))
	data.fromA([]byte("hello"))
	data.c.pkt(data.a, data.b, data.aseq, data.bseq, "FA", nil)
	data.aseq++
	data.c.pkt(data.b, data.a, data.bseq, data.aseq, "FA", nil)
	ctl.fromB([]byte("226 Transfer complete.\r\n"))
	ctl.fromA([]byte("QUIT\r\n"))
	ctl.fromB([]byte("221 Goodbye.\r\n"))
	ctl.closeFromB()

	out, errs, code := v6Read(t, path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, w := range []string{"= [fd00:99::2]:45005  " + looseNote, "data #1 EPRT [fd00:99::2]:45005 transferred: 5 bytes"} {
		if !strings.Contains(out, w) {
			t.Errorf("lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "malformed") {
		t.Errorf("malformed:\n%s", out)
	}
}

// TestPASVAnsweredWith228IsLabelledPASV guards the data label of GNU
// inetutils ftpd's answer to PASV on IPv6, LPSV's 228: the command was
// PASV, and the label says so and names the reply, not "LPSV".
func TestPASVAnsweredWith228IsLabelledPASV(t *testing.T) {
	c, path := newWireCap(t)
	ctl := v6Session(c, "220 localhost FTP server (GNU inetutils 2.4) ready.")
	ctl.fromA([]byte("PASV\r\n"))
	ctl.fromB([]byte("228 Entering Long Passive Mode (6,16,253,0,0,153,0,0,0,0,0,0,0,0,0,0,0,1,2,235,253)\r\n"))
	ctl.fromA([]byte("LPSV\r\n"))
	ctl.fromB([]byte("228 Entering Long Passive Mode (6,16,253,0,0,153,0,0,0,0,0,0,0,0,0,0,0,1,2,212,25)\r\n"))
	ctl.fromA([]byte("QUIT\r\n"))
	ctl.fromB([]byte("221 Goodbye.\r\n"))
	ctl.closeFromB()

	out, errs, code := v6Read(t, path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, w := range []string{"data #1 PASV (228 reply) [fd00:99::1]:60413", "data #2 LPSV [fd00:99::1]:54297"} {
		if !strings.Contains(out, w) {
			t.Errorf("lacks %q:\n%s", w, out)
		}
	}
}

// TestIPv6SelectionFlags guards --client and --server with IPv6: a
// bracketed address is taken by both, with or without a port for
// --server; "fd00:99::1:21", which may be the address or fd00:99::1 and
// port 21 without the brackets, is a usage error that spells out both,
// not a selection of no session.
func TestIPv6SelectionFlags(t *testing.T) {
	path := proftpdPortOnly(t, true)
	for _, args := range [][]string{
		{"--client", "[fd00:99::2]"},
		{"--client", "fd00:99::2"},
		{"--server", "[fd00:99::1]"},
		{"--server", "[fd00:99::1]:21"},
		{"--server", "fd00:99::1"},
	} {
		out, errs, code := v6Read(t, append(args, "--summary", path)...)
		if code != 0 || !strings.Contains(out, "1 session shown of 1") {
			t.Errorf("%v: exit %d, %s\n%s", args, code, errs, out)
		}
	}
	_, errs, code := v6Read(t, "--server", "fd00:99::1:21", path)
	if code != exitError || !strings.Contains(errs, "'[fd00:99::1]:21'") || !strings.Contains(errs, "'[fd00:99::1:21]'") {
		t.Errorf("--server fd00:99::1:21: exit %d, %s", code, errs)
	}
	for _, args := range [][]string{
		{"--client", "[10.0.0.1]"},
		{"--client", "[fd00:99::2"},
		{"--client", "fe80::2%eth0"},
		{"--server", "[fd00:99::1]:"},
	} {
		if _, errs, code := v6Read(t, append(args, path)...); code != exitError || errs == "" {
			t.Errorf("%v: exit %d, %s", args, code, errs)
		}
	}
}
