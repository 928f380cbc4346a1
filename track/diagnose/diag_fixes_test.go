package diagnose

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestBounceAnsweredFromPrivateClientIsNotUnreachableNAT guards the bounce
// to a private third host by a client seen at a private address: the
// server connected to a service's port of the named host, got a SYN-ACK
// and sent its data, so no finding may say the connection "cannot
// arrive" (nat-mismatch), and the bounce stays a warning that names the
// one other reading (the client itself, routed to). A public client keeps
// its proof; an ordinary port stays nat-mismatch, and an unanswered
// service's port is a bounce all the same (privateService).
func TestBounceAnsweredFromPrivateClientIsNotUnreachableNAT(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cli      string
		targets  []portTarget
		bounce   Severity // 0: no ftp-bounce
		nat      int      // nat-mismatch findings
		want     []string // in the ftp-bounce's message
		noArrive bool     // no finding may say "cannot arrive"
	}{
		{"private client, port 25 of 10.9.9.9 answered", "10.0.0.2:40001", []portTarget{{"10.9.9.9:25", answerSYNACK}}, SeverityWarning, 0,
			[]string{"10.9.9.9 answered the server's connection to its port 25 with a SYN-ACK", "which carried", "port 25 is a service's", "FTP bounce", "unless 10.9.9.9 is the client's own address, routed to"}, true},
		{"private client, port 8080 of 10.9.9.9 answered", "10.0.0.2:40001", []portTarget{{"10.9.9.9:8080", answerSYNACK}}, SeverityWarning, 0,
			[]string{"its port 8080", "port 8080 is a service's"}, true},
		{"private client, port 25 of 192.168.1.10 answered", "10.0.0.2:40001", []portTarget{{"192.168.1.10:25", answerSYNACK}}, SeverityWarning, 0,
			[]string{"192.168.1.10 answered"}, true},
		{"private client, port 25 open then port 22 closed", "10.0.0.2:40001", []portTarget{{"10.9.9.9:25", answerSYNACK}, {"10.9.9.9:22", answerRST}}, SeverityWarning, 0,
			[]string{"1 connected (port open), 1 answered by RST (port closed)"}, true},
		{"public client keeps its proof", "198.51.100.7:40001", []portTarget{{"10.9.9.9:25", answerSYNACK}}, SeverityWarning, 0,
			[]string{"198.51.100.7, a public address", "and privileged port 25"}, true},
		{"private client, port 25 unanswered: a bounce to a service's port", "10.0.0.2:40001", []portTarget{{"10.9.9.9:25", answerNone}}, SeverityWarning, 0,
			[]string{"names port 25 of 10.9.9.9, a service's port", "10.0.0.2, a private address"}, true},
		{"private client, an ordinary port answered: routed, nat-mismatch that says it arrived", "10.0.0.2:40001", []portTarget{{"10.9.9.9:40005", answerSYNACK}}, 0, 1, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := portWire(t, tc.cli, "10.0.0.1:21", vsftpdGreeting, tc.targets)
			codes := codesOf(c)
			if codes[CodeNATMismatch] != tc.nat {
				dumpFindings(t, c)
				t.Errorf("%d nat-mismatch, want %d", codes[CodeNATMismatch], tc.nat)
			}
			if tc.noArrive {
				for _, f := range c.fs {
					if strings.Contains(f.Message, "cannot arrive") {
						t.Errorf("%s %s says the connection cannot arrive: %s", f.Severity, f.Code, f.Message)
					}
				}
			}
			f := c.find(CodeFTPBounce)
			if tc.bounce == 0 {
				if f != nil && f.Severity >= SeverityWarning {
					t.Errorf("unexpected %s ftp-bounce: %s", f.Severity, f.Message)
				}
				return
			}
			if codes[CodeFTPBounce] != 1 || f == nil {
				dumpFindings(t, c)
				t.Fatalf("%d ftp-bounce findings, want 1", codes[CodeFTPBounce])
			}
			if f.Severity != tc.bounce {
				t.Errorf("ftp-bounce %s, want %s: %s", f.Severity, tc.bounce, f.Message)
			}
			all := f.Message + " | " + f.Evidence
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("ftp-bounce lacks %q:\n%s", w, all)
				}
			}
		})
	}
}

// TestPassiveRefusedOnlyWhenNoPassiveFormWorks guards passive-refused
// against a session whose passive mode works: a PASV refused (502) and
// then an EPSV the server accepts is PASV alone not implemented, and a
// PASV after the client's own accepted EPSV ALL is one RFC 2428 makes the
// server refuse; neither is passive mode turned off. A PASV refused with
// EPSV refused too (Pure-FTPd -N) still is.
func TestPassiveRefusedOnlyWhenNoPassiveFormWorks(t *testing.T) {
	type step struct {
		cmd   string
		code  int
		reply string
	}
	for _, tc := range []struct {
		name  string
		steps []step
		want  int
	}{
		{"PASV 502, then EPSV works", []step{{"PASV", 502, "Command not implemented."}, {"EPSV", 229, "Entering Extended Passive Mode (|||50002|)"}}, 0},
		{"PASV after the client's EPSV ALL", []step{{"EPSV ALL", 200, "EPSV ALL ok"}, {"PASV", 500, "PASV not allowed after EPSV ALL"}, {"EPSV", 229, "Entering Extended Passive Mode (|||50002|)"}}, 0},
		{"PASV after EPSV ALL, nothing else", []step{{"EPSV ALL", 200, "EPSV ALL ok"}, {"PASV", 500, "PASV not allowed after EPSV ALL"}}, 0},
		{"PASV 550, EPSV refused too", []step{{"PASV", 550, "Permission denied."}, {"EPSV", 500, "Unknown command"}}, 1},
		{"PASV 550 alone", []step{{"PASV", 550, "Permission denied."}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "198.51.100.22:50620", "203.0.113.10:21")
			w.reply(220, "FTP server ready.")
			for _, s := range tc.steps {
				w.cmd(s.cmd)
				w.reply(s.code, s.reply)
			}
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			var got []*Finding
			for _, f := range w.c.fs {
				if f.Code == CodePassiveRefused {
					got = append(got, f)
				}
			}
			if len(got) != tc.want {
				dumpFindings(t, w.c)
				t.Fatalf("%d passive-refused findings, want %d", len(got), tc.want)
			}
			for _, f := range got {
				if f.Severity != SeverityError || f.Command == nil || f.Command.Verb != "PASV" || !strings.Contains(f.Advice, "passive mode on") {
					t.Errorf("%s on %v: %s\nfix: %s", f.Severity, f.Command, f.Message, f.Advice)
				}
			}
		})
	}
}

// TestPassiveTransferTakenByAnotherAddress guards a passive transfer that
// another host took: after the 227 to the client 10.0.0.2, 10.6.6.6
// connects to the announced port (the tracker matches it by the port
// only) and receives the file. It is no "worked" transfer without a
// finding: data-foreign-source, a warning naming both addresses, port
// theft and a NAT pool, and the setting that lets the server accept it.
// The client's own data connection, and one the server refuses with 425
// (data-source-nat's), raise none.
func TestPassiveTransferTakenByAnotherAddress(t *testing.T) {
	for _, tc := range []struct {
		name  string
		from  string // the data connection's client
		final int    // the RETR's final reply
		want  int
	}{
		{"another host takes the file", "10.6.6.6:55555", 226, 1},
		{"the client's own connection", "10.0.0.2:40002", 226, 0},
		{"the server refuses it with 425", "10.6.6.6:55555", 425, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "10.0.0.2:40001", "10.0.0.1:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER bob")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS secret")
			w.reply(230, "Login successful.")
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (10,0,0,1,195,81).")
			from, to := ap(tc.from), netip.MustParseAddrPort("10.0.0.1:50001")
			w.seg(from, to, decode.FlagSYN, 1000, nil)
			w.seg(to, from, decode.FlagSYN|decode.FlagACK, 5000, nil)
			w.seg(from, to, decode.FlagACK, 1001, nil)
			w.cmd("RETR secret.db")
			body := []byte(strings.Repeat("x", 500))
			if tc.final == 226 {
				w.reply(150, "Opening BINARY mode data connection for secret.db (500 bytes).")
				w.seg(to, from, decode.FlagACK|decode.FlagPSH, 5001, body)
				w.seg(to, from, decode.FlagFIN|decode.FlagACK, 5001+uint32(len(body)), nil)
				w.seg(from, to, decode.FlagFIN|decode.FlagACK, 1001, nil)
				w.reply(226, "Transfer complete.")
			} else {
				w.seg(to, from, decode.FlagFIN|decode.FlagACK, 5001, nil)
				w.seg(from, to, decode.FlagFIN|decode.FlagACK, 1001, nil)
				w.reply(425, "Security: Bad IP connecting.")
			}
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			var got []*Finding
			for _, f := range w.c.fs {
				if f.Code == CodeDataForeignSource {
					got = append(got, f)
				}
			}
			if len(got) != tc.want {
				dumpFindings(t, w.c)
				t.Fatalf("%d data-foreign-source findings, want %d", len(got), tc.want)
			}
			if tc.want == 0 {
				return
			}
			f := got[0]
			all := f.Message + " | " + f.Evidence + " | " + f.Advice
			for _, s := range []string{"came from 10.6.6.6, not from the session's client 10.0.0.2", "sent it 500 bytes", "passive port theft", "NAT pool", "port-only match", "pasv_promiscuous=YES", "paired"} {
				if !strings.Contains(all, s) {
					t.Errorf("data-foreign-source lacks %q:\n%s", s, all)
				}
			}
			if f.Severity != SeverityWarning || f.Data == nil {
				t.Errorf("severity %s, data %v", f.Severity, f.Data)
			}
		})
	}
}
