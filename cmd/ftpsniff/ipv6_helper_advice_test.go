package main

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestPortOnly227NeverAdvisesTheHelper guards advice that cannot work
// (busybox-proftpd-drop6.pcap): ProFTPD's 227 on IPv6, "(1,156,108)",
// whose data SYNs went unanswered, got "attach the FTP conntrack helper"
// in data-unanswered's fix; the Linux helper reads six numbers there and
// drops the segment (--helper linux: helper-drop), whose own fix said to
// make the server send "the form the helper parses". Both now advise
// EPSV, allowed in ProFTPD, or the passive range opened.
func TestPortOnly227NeverAdvisesTheHelper(t *testing.T) {
	path := proftpdPortOnly(t, false)
	out, errs, code := v6Read(t, path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	_, unanswered, _ := strings.Cut(out, "error data-unanswered")
	unanswered, _, _ = strings.Cut(unanswered, "  end:")
	unanswered = strings.Join(strings.Fields(unanswered), " ")
	for _, s := range []string{"ct helper set", "--helper ftp", "relies on the FTP conntrack helper"} {
		if strings.Contains(unanswered, s) {
			t.Errorf("%q in data-unanswered:\n%s", s, unanswered)
		}
	}
	for _, s := range []string{"No FTP conntrack helper can replace that rule here", "<Limit EPSV>", "PassivePorts"} {
		if !strings.Contains(unanswered, s) {
			t.Errorf("no %q in data-unanswered:\n%s", s, unanswered)
		}
	}
	out, errs, code = v6Read(t, "--helper", "linux", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	_, drop, ok := strings.Cut(out, "error helper-drop")
	if !ok {
		t.Fatalf("no helper-drop:\n%s", out)
	}
	drop = strings.Join(strings.Fields(drop), " ")
	if strings.Contains(drop, "in the form the helper parses") || !strings.Contains(drop, "use EPSV") || !strings.Contains(drop, "<Limit EPSV>") {
		t.Errorf("helper-drop:\n%s", drop)
	}
}

// TestHelperAdvises227OverIPv6EPSVOnly guards wrong advice (--helper
// linux on dual-plain.pcap and nat64-proftpd-noepsv-client.pcap): a 227
// on an IPv6 control connection (vsftpd's by-design 0,0,0,0) got
// helper-no-expectation's "make the server announce its own address
// fd00:99::1 in its 227 (vsftpd's pasv_address)", which makes vsftpd
// answer every PASV "500 OOPS: invalid pasv_address". No 227 can carry
// it: the fix is EPSV only.
func TestHelperAdvises227OverIPv6EPSVOnly(t *testing.T) {
	c, path := newWireCap(t)
	ctl := v6Session(c, "220 (vsFTPd 3.0.3)")
	ctl.fromA([]byte("PASV\r\n"))
	ctl.fromB([]byte("227 Entering Passive Mode (0,0,0,0,156,77).\r\n"))
	ctl.fromA([]byte("RETR report.txt\r\n"))
	data := &wireConn{c: c, a: netip.AddrPortFrom(v6Client, 34170), b: netip.AddrPortFrom(v6Server, 40013), aseq: 70000, bseq: 90000}
	data.handshake()
	ctl.fromB([]byte("150 Opening BINARY mode data connection for report.txt (5 bytes).\r\n"))
	data.fromB([]byte("hello"))
	data.closeFromB()
	ctl.fromB([]byte("226 Transfer complete.\r\n"))
	ctl.fromA([]byte("QUIT\r\n"))
	ctl.fromB([]byte("221 Goodbye.\r\n"))
	ctl.closeFromB()

	out, errs, code := v6Read(t, "--helper", "linux", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	flat := strings.Join(strings.Fields(out), " ")
	if !strings.Contains(flat, "helper-no-expectation") {
		t.Fatalf("no helper-no-expectation:\n%s", out)
	}
	for _, s := range []string{"(vsftpd's pasv_address)", "make the server announce"} {
		if strings.Contains(flat, s) {
			t.Errorf("%q in:\n%s", s, out)
		}
	}
	if !strings.Contains(flat, "have the client use EPSV (RFC 2428)") {
		t.Errorf("no EPSV advice:\n%s", out)
	}
}

// TestSummaryLabelsPASVAnswered228 guards the summary list's data label
// for GNU inetutils ftpd's 228 answer to PASV on IPv6: the session view
// said "PASV (228 reply)", the --summary list "LPSV".
func TestSummaryLabelsPASVAnswered228(t *testing.T) {
	c, path := newWireCap(t)
	ctl := v6Session(c, "220 localhost FTP server (GNU inetutils 2.4) ready.")
	ctl.fromA([]byte("PASV\r\n"))
	ctl.fromB([]byte("228 Entering Long Passive Mode (6,16,253,0,0,153,0,0,0,0,0,0,0,0,0,0,0,1,2,235,253)\r\n"))
	ctl.fromA([]byte("RETR report.txt\r\n"))
	syn := netip.AddrPortFrom(v6Client, 34170)
	for i := range 5 {
		c.wait(time.Duration(1<<i) * time.Second)
		c.pkt(syn, netip.AddrPortFrom(v6Server, 60413), 70000, 0, "S", nil)
	}
	ctl.fromB([]byte("425 Can't build data connection: Connection timed out.\r\n"))
	ctl.fromA([]byte("QUIT\r\n"))
	ctl.fromB([]byte("221 Goodbye.\r\n"))
	ctl.closeFromB()

	out, errs, code := v6Read(t, "--summary", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "data #1 PASV (228 reply) [fd00:99::1]:60413 unanswered") || strings.Contains(out, "data #1 LPSV") {
		t.Errorf("label:\n%s", out)
	}
}
