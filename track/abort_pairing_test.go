package track

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestRepliesDuringTransferPairByCodeAndText guards the pairing of a
// running transfer's replies apart from those of the commands a client
// sends during it (duringTransfer): ABOR, NOOP, STAT are answered at
// once, the transfer when its data connection ends, or never. The first
// three cases are real recordings of Debian's Pure-FTPd 1.0.50 and
// ProFTPD 1.3.8 (abort-pureftpd.pcap sessions 3 and 1,
// abort-proftpd.pcap session 2), which FIFO pairing got wrong; the rest
// pin what FIFO already got right (vsftpd's, ProFTPD's and IIS's 426 then
// 226/225 to ABOR, a transfer ended with 200, a refusal before the 1yz).
func TestRepliesDuringTransferPairByCodeAndText(t *testing.T) {
	type step struct {
		cmd  string // "VERB arg"; empty for a reply
		code int
		text string
	}
	c := func(line string) step { return step{cmd: line} }
	r := func(code int, text string) step { return step{code: code, text: text} }
	cases := []struct {
		name  string
		steps []step
		want  string // each command in issue order: VERB=final code or status
	}{
		{
			// ftplib reads part of the file and closes the data socket
			// without ABOR; Pure-FTPd ends the broken transfer with a
			// single-line 150, never a 226 or 426.
			name: "pureftpd-cut-transfer-then-noop",
			steps: []step{
				c("RETR big.bin"),
				r(150, "Accepted data connection\n4096.0 kbytes to download"),
				r(150, "0.280 seconds (measured here), 0.81 Mbytes per second"),
				c("NOOP"), r(200, "Zzz..."),
				c("QUIT"), r(221, "Goodbye. You uploaded 0 and downloaded 232 kbytes.\nLogout."),
			},
			want: "RETR=no-reply NOOP=200 QUIT=221",
		},
		{
			// ftplib abort(): ABOR sent with MSG_OOB; Pure-FTPd answers
			// 500 at once and the data keeps flowing to its end.
			name: "pureftpd-oob-abor-unknown-command",
			steps: []step{
				c("RETR big.bin"),
				r(150, "Accepted data connection\n4096.0 kbytes to download"),
				c("ABOR"), r(500, "Unknown command"),
				c("NOOP"),
				r(226, "File successfully transferred\n4.190 seconds (measured here), 0.95 Mbytes per second"),
				c("QUIT"), r(200, "Zzz..."),
				r(221, "Goodbye. You uploaded 0 and downloaded 4096 kbytes.\nLogout."),
			},
			want: "RETR=226 ABOR=500 NOOP=200 QUIT=221",
		},
		{
			// RFC 959 ABOR (Telnet IP, urgent DM): ProFTPD closes the data
			// connection, sends no 426, and answers the ABOR with 226 only
			// after the client's NOOP and QUIT; the client then resets.
			name: "proftpd-telnet-abor-226-only",
			steps: []step{
				c("RETR big.bin"),
				r(150, "Opening BINARY mode data connection for big.bin (4194304 bytes)"),
				c("ABOR"), c("NOOP"), c("QUIT"),
				r(226, "Abort successful"),
			},
			want: "RETR=aborted ABOR=226 NOOP=no-reply QUIT=no-reply",
		},
		// An ABOR answered before the transfer's 150: the transfer had
		// not started, so it still gets its own replies.
		{
			name: "abor-answered-before-150",
			steps: []step{
				c("RETR big.bin"), c("ABOR"),
				r(226, "Abort successful"),
				r(150, "Opening BINARY mode data connection for big.bin"),
				r(226, "Transfer complete"),
			},
			want: "RETR=226 ABOR=226",
		},
		// After the lone "226 Abort successful" the aborted RETR waits for
		// nothing: the next transfer's 150 and 226 are its own.
		{
			name: "proftpd-lone-abort-226-then-next-transfer",
			steps: []step{
				c("RETR big.bin"),
				r(150, "Opening BINARY mode data connection for big.bin (4194304 bytes)"),
				c("ABOR"),
				r(226, "Abort successful"),
				c("RETR small.txt"),
				r(150, "Opening BINARY mode data connection for small.txt (1448 bytes)"),
				r(226, "Transfer complete"),
			},
			want: "RETR=aborted ABOR=226 RETR=226",
		},
		{
			name: "proftpd-abor-426-then-226",
			steps: []step{
				c("RETR big.bin"),
				r(150, "Opening BINARY mode data connection for big.bin (4194304 bytes)"),
				c("ABOR"),
				r(426, "Transfer aborted. Data connection closed."),
				r(226, "Abort successful"),
				c("QUIT"), r(221, "Goodbye."),
			},
			want: "RETR=426 ABOR=226 QUIT=221",
		},
		{
			name: "pureftpd-abor-426-then-226-transfer-aborted",
			steps: []step{
				c("RETR big.bin"),
				r(150, "Accepted data connection\n4096.0 kbytes to download"),
				c("ABOR"),
				r(426, "ABORT"),
				r(226, "Transfer aborted\n0.233 seconds (measured here), 0.97 Mbytes per second"),
				c("NOOP"), r(200, "Zzz..."),
			},
			want: "RETR=426 ABOR=226 NOOP=200",
		},
		{
			name: "iis-abor-426-then-226-abor-command",
			steps: []step{
				c("RETR big.bin"),
				r(125, "Data connection already open; Transfer starting."),
				c("ABOR"),
				r(426, "Connection closed; transfer aborted."),
				r(226, "ABOR command successful."),
			},
			want: "RETR=426 ABOR=226",
		},
		{
			// The transfer ended before the ABOR was read.
			name: "vsftpd-226-then-225-no-transfer",
			steps: []step{
				c("RETR big.bin"),
				r(150, "Opening BINARY mode data connection for big.bin (4194304 bytes)."),
				c("ABOR"),
				r(226, "Transfer complete."),
				r(225, "No transfer to ABOR."),
				c("NOOP"), r(200, "NOOP ok."),
			},
			want: "RETR=226 ABOR=225 NOOP=200",
		},
		{
			name: "vsftpd-426-then-225",
			steps: []step{
				c("RETR big.bin"),
				r(150, "Opening BINARY mode data connection for big.bin (4194304 bytes)."),
				c("ABOR"),
				r(426, "Failure writing network stream."),
				r(225, "No transfer to ABOR."),
			},
			want: "RETR=426 ABOR=225",
		},
		{
			// RFC 959 STAT during a transfer reports on it at once.
			name: "stat-during-transfer",
			steps: []step{
				c("RETR big.bin"),
				r(150, "Opening BINARY mode data connection."),
				c("STAT"), r(213, "Status: 1048576 of 4194304 bytes transferred"),
				r(226, "Transfer complete."),
			},
			want: "RETR=226 STAT=213",
		},
		{
			// A server that ends transfers with 200: with nothing sent
			// during the transfer, the 200 is the transfer's
			// (diagnose's unusual-final-reply reads it there).
			name: "transfer-ended-with-200",
			steps: []step{
				c("RETR big.bin"),
				r(150, "Opening data connection."),
				r(200, "Transfer complete."),
				c("QUIT"), r(221, "Bye."),
			},
			want: "RETR=200 QUIT=221",
		},
		{
			// Before its 1yz a 500 is the transfer's own refusal, even
			// with a command pipelined behind it.
			name: "refusal-before-preliminary-stays-fifo",
			steps: []step{
				c("RETR big.bin"), c("NOOP"),
				r(500, "RETR not understood"),
				r(200, "NOOP ok."),
			},
			want: "RETR=500 NOOP=200",
		},
		{
			// A reply that fits no command behind the transfer stays
			// the transfer's (FIFO), however odd.
			name: "reply-fitting-nothing-behind-stays-fifo",
			steps: []step{
				c("RETR big.bin"),
				r(150, "Opening data connection."),
				c("ABOR"),
				r(200, "Transfer complete."),
				r(226, "ABOR successful."),
			},
			want: "RETR=200 ABOR=226",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			for _, st := range tc.steps {
				if st.cmd == "" {
					s.reply(st.code, st.text)
					continue
				}
				verb, arg, _ := strings.Cut(st.cmd, " ")
				s.cmd(verb, arg)
			}
			s.end()
			cmds := slices.Clone(s.rec.commands)
			slices.SortFunc(cmds, func(a, b *Command) int { return a.Index - b.Index })
			var got []string
			for _, cm := range cmds {
				if cm.Verb == "USER" || cm.Verb == "PASS" {
					continue
				}
				st := cm.Status.String()
				if f := cm.Final(); f != nil {
					st = strconv.Itoa(f.Code)
				}
				got = append(got, cm.Verb+"="+st)
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
			for _, e := range s.rec.events {
				if e.Kind == EventUnsolicited || e.Kind == EventReplyNoCommand {
					t.Errorf("reply %d %q left unpaired (%s)", e.Code, e.Text, e.Kind)
				}
			}
		})
	}
}

// TestAbortTextNeedsPendingABOR: a 226 that says "aborted" while no ABOR
// waits behind the transfer is the transfer's own final reply.
func TestAbortTextNeedsPendingABOR(t *testing.T) {
	s := newSession(t)
	s.login()
	s.cmd("RETR", "big.bin")
	s.reply(150, "Opening data connection.")
	s.cmd("NOOP", "")
	s.reply(226, "Transfer aborted")
	s.reply(200, "NOOP ok.")
	s.end()
	for _, c := range s.rec.commands {
		want := map[string]int{"RETR": 226, "NOOP": 200}[c.Verb]
		if f := c.Final(); want != 0 && (f == nil || f.Code != want) {
			t.Errorf("%s: final %+v, want %d", c.Verb, f, want)
		}
	}
}

// TestNamesAbort pins the text evidence: the first line, any case.
func TestNamesAbort(t *testing.T) {
	for text, want := range map[string]bool{
		"Abort successful":                   true,
		"ABOR command successful.":           true,
		"Transfer aborted\n0.233 seconds":    true,
		"Transfer complete.":                 false,
		"File successfully transferred\nx":   false,
		"Transfer complete\naborted earlier": false, // only the status line counts
		"":                                   false,
		"abo":                                false,
	} {
		if got := namesAbort(text); got != want {
			t.Errorf("namesAbort(%q) = %v, want %v", text, got, want)
		}
	}
}
