package main

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// writeVsftpdSessions writes a capture (wireCap, every packet 10 ms
// after the one before) of one control connection per exchange list,
// from 10.0.0.5 (a new port each) to vsftpd at 10.0.0.1:21, one after
// the other: handshake, "220 (vsFTPd 3.0.3)", the (client line, reply)
// pairs as given, then FINs. It returns the capture's path.
func writeVsftpdSessions(t *testing.T, sessions [][][2]string) string {
	t.Helper()
	w, path := newWireCap(t)
	w.ts, w.gap = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC), 10*time.Millisecond
	send := func(src, dst netip.AddrPort, seq, ack uint32, flags, p string) {
		if p != "" {
			flags += "P"
		}
		w.pkt(src, dst, seq, ack, flags, []byte(p))
	}
	server := netip.MustParseAddrPort("10.0.0.1:21")
	for i, exchange := range sessions {
		client := netip.AddrPortFrom(netip.MustParseAddr("10.0.0.5"), uint16(41000+i))
		cseq, sseq := uint32(1000), uint32(5000)
		send(client, server, cseq, 0, "S", "")
		send(server, client, sseq, cseq+1, "SA", "")
		cseq, sseq = cseq+1, sseq+1
		send(client, server, cseq, sseq, "A", "")
		sv := func(p string) { send(server, client, sseq, cseq, "A", p); sseq += uint32(len(p)) }
		sv("220 (vsFTPd 3.0.3)\r\n")
		for _, x := range exchange {
			p := x[0] + "\r\n"
			send(client, server, cseq, sseq, "A", p)
			cseq += uint32(len(p))
			sv(x[1] + "\r\n")
		}
		send(client, server, cseq, sseq, "FA", "")
		send(server, client, sseq, cseq+1, "FA", "")
		send(client, server, cseq+1, sseq+1, "A", "")
	}
	return path
}

// TestTabAfterPASSIsNoFailedLogin guards a "PASS\tsecret" answered
// "530 Please login with USER and PASS." (vsftpd, which takes the TAB for
// part of the verb): no password was checked, so 12 sessions of it from
// one address are no password guessing. The line stays junk, hidden
// whole as one that may hold a password. When a TAB after any known verb
// was read as a separator (ftp.CmdTabSeparator), each was a failed login
// and the 12 raised login-brute-force with a rule dropping the client.
func TestTabAfterPASSIsNoFailedLogin(t *testing.T) {
	var sessions [][][2]string
	for range 12 {
		sessions = append(sessions, [][2]string{
			{"USER alice", "331 Please specify the password."},
			{"PASS\tsecret", "530 Please login with USER and PASS."},
			{"QUIT", "221 Goodbye."},
		})
	}
	path := writeVsftpdSessions(t, sessions)
	recs := jsonRecords(t, "read", "--json", path)
	for _, f := range ofType(recs, "finding") {
		if f["code"] == "login-brute-force" || f["code"] == "login-failed" || strings.Contains(f["code"].(string), "login-spread") {
			t.Errorf("finding %v: no password was checked", f)
		}
	}
	for _, c := range ofType(recs, "command") {
		if c["command"] == "PASS" {
			t.Errorf("command record %v: the server did not read a PASS", c)
		}
	}
	for _, s := range ofType(recs, "server") {
		if n, _ := s["login_failures"].(float64); n != 0 {
			t.Errorf("server record %v counts failed logins", s)
		}
	}
	var out, errb bytes.Buffer
	run([]string{"read", "--color", "never", path}, &out, &errb)
	text := out.String()
	if strings.Contains(text, "secret") {
		t.Errorf("the password shows:\n%s", text)
	}
	if n := strings.Count(text, "!! not FTP: ******** (hidden: it may hold a password)"); n != 12 {
		t.Errorf("%d hidden junk lines, want 12:\n%s", n, text)
	}
	for _, bad := range []string{"brute", "guessing", "nft", "login failed"} {
		if strings.Contains(text, bad) {
			t.Errorf("output has %q:\n%s", bad, text)
		}
	}
}

// TestTabAfterAUTHIsNoRefusedTLS guards an "AUTH\tTLS" answered 530
// (vsftpd before login): the server never read an AUTH, so the cleartext
// login after it is the info, not the warning for a login in clear after
// the server refused TLS; TYPE, RETR written with a TAB stay junk.
func TestTabAfterAUTHIsNoRefusedTLS(t *testing.T) {
	path := writeVsftpdSessions(t, [][][2]string{{
		{"AUTH\tTLS", "530 Please login with USER and PASS."},
		{"USER alice", "331 Please specify the password."},
		{"PASS secret", "230 Login successful."},
		{"TYPE\tI", "500 Unknown command."},
		{"RETR\tfile.bin", "500 Unknown command."},
		{"QUIT", "221 Goodbye."},
	}})
	recs := jsonRecords(t, "read", "--json", path)
	var clear []map[string]any
	for _, f := range ofType(recs, "finding") {
		if f["code"] == "cleartext-login" {
			clear = append(clear, f)
		} else if f["severity"] != "info" {
			t.Errorf("finding %v", f)
		}
	}
	if len(clear) != 1 || clear[0]["severity"] != "info" {
		t.Errorf("cleartext-login %v: want one, info", clear)
	}
	for _, c := range ofType(recs, "command") {
		switch c["command"] {
		case "AUTH", "TYPE", "RETR":
			t.Errorf("command record %v: the server did not read it", c)
		}
	}
}

// TestTabAfterSITEPasswordHidden guards a junk "SITE\tPSWD old new": the
// server may still take it (ProFTPD), so the line is hidden whole, and
// so is the server's reply that repeats the password.
func TestTabAfterSITEPasswordHidden(t *testing.T) {
	path := writeVsftpdSessions(t, [][][2]string{{
		{"USER alice", "331 Please specify the password."},
		{"PASS secret", "230 Login successful."},
		{"SITE\tPSWD Hunter2Zq9 NewPw77xx", "500 'SITE\tPSWD Hunter2Zq9 NewPw77xx': command not understood"},
		{"QUIT", "221 Goodbye."},
	}})
	for _, args := range [][]string{{"read", "--color", "never", path}, {"read", "--json", path}} {
		var out, errb bytes.Buffer
		run(args, &out, &errb)
		for _, pw := range []string{"Hunter2Zq9", "NewPw77xx"} {
			if strings.Contains(out.String(), pw) {
				t.Errorf("%v shows %s:\n%s", args, pw, out.String())
			}
		}
	}
}
