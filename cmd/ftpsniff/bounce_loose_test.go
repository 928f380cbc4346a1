package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// bounceScanCapture writes a capture of an FTP bounce port scan through
// 10.0.0.1:21 (a server that accepts PORT naming another host): the
// client 10.0.0.2 logs in and, for each port P of 10.0.0.99 from 20 to
// 30, sends the PORT that portArg(P) writes and LIST; the server answers
// 200, connects from 10.0.0.1:20 to 10.0.0.99:P, is refused by an RST,
// and answers 425. Port 21 among them: the server's SYN to 10.0.0.99:21.
func bounceScanCapture(t *testing.T, portArg func(p int) string) string {
	t.Helper()
	w, path := newWireCap(t)
	w.ts, w.gap = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 2*time.Millisecond
	send := func(src, dst netip.AddrPort, seq, ack uint32, syn, rst, ackf bool, p string) {
		flags := ""
		for _, f := range []struct {
			on bool
			l  string
		}{{syn, "S"}, {rst, "R"}, {ackf, "A"}, {p != "", "P"}} {
			if f.on {
				flags += f.l
			}
		}
		w.pkt(src, dst, seq, ack, flags, []byte(p))
	}
	cli, srv := netip.MustParseAddrPort("10.0.0.2:40000"), netip.MustParseAddrPort("10.0.0.1:21")
	cseq, sseq := uint32(1000), uint32(5000)
	c := func(p string) {
		send(cli, srv, cseq, sseq, false, false, true, p)
		cseq += uint32(len(p))
		send(srv, cli, sseq, cseq, false, false, true, "")
	}
	s := func(p string) {
		send(srv, cli, sseq, cseq, false, false, true, p)
		sseq += uint32(len(p))
		send(cli, srv, cseq, sseq, false, false, true, "")
	}
	send(cli, srv, cseq, 0, true, false, false, "")
	cseq++
	send(srv, cli, sseq, cseq, true, false, true, "")
	sseq++
	send(cli, srv, cseq, sseq, false, false, true, "")
	s("220 ready\r\n")
	c("USER alice\r\n")
	s("331 Please specify the password.\r\n")
	c("PASS x\r\n")
	s("230 Login successful.\r\n")
	from := netip.MustParseAddrPort("10.0.0.1:20")
	for p := 20; p <= 30; p++ {
		c("PORT " + portArg(p) + "\r\n")
		s("200 PORT command successful. Consider using PASV.\r\n")
		c("LIST\r\n")
		target := netip.AddrPortFrom(netip.MustParseAddr("10.0.0.99"), uint16(p))
		send(from, target, 77, 0, true, false, false, "")
		send(target, from, 0, 78, false, true, true, "")
		s("425 Failed to establish connection.\r\n")
	}
	c("QUIT\r\n")
	s("221 Goodbye.\r\n")
	return path
}

// TestLooseBounceScanReported: an FTP bounce port scan whose PORT
// arguments are written loosely ("10,0,0,99,0,21," or "...,0,+21": vsftpd,
// Pure-FTPd and ProFTPD accept them, and this server answered 200 and
// connected) reads as the well-formed scan does: error ftp-bounce, eleven
// refused data connections, the transcript marking each PORT's loose
// syntax. Before, each PORT was "malformed", no bounce was reported, and
// the server's SYN from port 20 to 10.0.0.99:21 was a control connection
// refused, with rules to open port 21 on the scanned host.
func TestLooseBounceScanReported(t *testing.T) {
	for _, tc := range []struct {
		name    string
		portArg func(p int) string
	}{
		{"well-formed", func(p int) string { return fmt.Sprintf("10,0,0,99,%d,%d", p>>8, p&255) }},
		{"trailing comma", func(p int) string { return fmt.Sprintf("10,0,0,99,%d,%d,", p>>8, p&255) }},
		{"trailing letter", func(p int) string { return fmt.Sprintf("10,0,0,99,%d,%dx", p>>8, p&255) }},
		{"plus sign", func(p int) string { return fmt.Sprintf("10,0,0,99,%d,+%d", p>>8, p&255) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := bounceScanCapture(t, tc.portArg)
			var out, stderr bytes.Buffer
			run([]string{"read", "--color", "never", "--summary", path}, &out, &stderr)
			text := out.String()
			for _, want := range []string{"error ftp-bounce", "11 PORT/EPRT/LPRT commands naming 11 ports of 10.0.0.99", "data: 11 refused"} {
				if !strings.Contains(text, want) {
					t.Errorf("summary lacks %q:\n%s", want, text)
				}
			}
			for _, bad := range []string{"control-refused", "dport 21", "server-data-error", "malformed"} {
				if strings.Contains(text, bad) {
					t.Errorf("summary has %q:\n%s", bad, text)
				}
			}
			out.Reset()
			run([]string{"read", "--color", "never", path}, &out, &stderr)
			loose := strings.Count(out.String(), looseNote)
			if want := map[bool]int{true: 0, false: 11}[tc.name == "well-formed"]; loose != want {
				t.Errorf("%d PORTs marked %q, want %d:\n%s", loose, looseNote, want, out.String())
			}
			out.Reset()
			run([]string{"read", "--json", path}, &out, &stderr)
			n := 0
			for _, rec := range jsonLines(t, path, out.Bytes()) {
				if rec["type"] == "command" && rec["command"] == "PORT" {
					if _, ok := rec["endpoint"]; !ok {
						t.Errorf("PORT %v has no endpoint: %v", rec["arg"], rec)
					}
					if rec["endpoint_loose"] == true {
						n++
					}
				}
				if rec["type"] == "finding" && rec["code"] == "control-refused" {
					t.Errorf("JSON finding %v", rec)
				}
			}
			if want := map[bool]int{true: 0, false: 11}[tc.name == "well-formed"]; n != want {
				t.Errorf("%d PORT records with endpoint_loose, want %d", n, want)
			}
		})
	}
}

// TestUnreadPORTToPort21NoControlRule: a PORT no server reads as the
// client wrote it ("(10,0,0,99,0,21)") leaves the server's SYN from port
// 20 to 10.0.0.99:21 unexplained; refused, it is still no control
// connection of a client (none comes from port 20), so no control-refused
// and no rule to open port 21 on 10.0.0.99.
func TestUnreadPORTToPort21NoControlRule(t *testing.T) {
	path := bounceScanCapture(t, func(p int) string { return fmt.Sprintf("(10,0,0,99,%d,%d)", p>>8, p&255) })
	var out, stderr bytes.Buffer
	run([]string{"read", "--color", "never", "--summary", path}, &out, &stderr)
	for _, bad := range []string{"control-refused", "10.0.0.99:21", "dport 21"} {
		if strings.Contains(out.String(), bad) {
			t.Errorf("summary has %q:\n%s", bad, out.String())
		}
	}
}
