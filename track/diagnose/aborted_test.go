package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// abortScene is a passive transfer on the wire: the greeting, PASV,
// the transfer command and its 1yz (unless pre is 0), then chunks of
// 1400 bytes from the sender, acknowledged. It returns the data
// connection's two ends and their next sequence numbers.
type abortScene struct {
	w                      *wire
	sender, receiver       string
	senderSeq, receiverSeq uint32
}

func newAbortScene(t *testing.T, greeting, verb, pre string, chunks int) *abortScene {
	w := newWire(t, "10.0.0.2:50000", "10.0.0.1:21")
	w.reply(220, greeting)
	w.cmd("PASV")
	w.reply(227, "Entering Passive Mode (10,0,0,1,156,64).")
	w.cmd(verb + " big.bin")
	if pre != "" {
		w.reply(150, pre)
	}
	sc := &abortScene{w: w, sender: "10.0.0.1:40000", receiver: "10.0.0.2:50001"}
	if verb == "STOR" || verb == "APPE" {
		sc.sender, sc.receiver = sc.receiver, sc.sender
	}
	cli, srv := ap("10.0.0.2:50001"), ap("10.0.0.1:40000")
	w.seg(cli, srv, decode.FlagSYN, 1000, nil)
	w.seg(srv, cli, decode.FlagSYN|decode.FlagACK, 5000, nil)
	w.seg(cli, srv, decode.FlagACK, 1001, nil)
	sc.senderSeq, sc.receiverSeq = 5001, 1001
	if sc.sender == cli.String() {
		sc.senderSeq, sc.receiverSeq = 1001, 5001
	}
	chunk := make([]byte, 1400)
	for range chunks {
		w.seg(ap(sc.sender), ap(sc.receiver), decode.FlagACK|decode.FlagPSH, sc.senderSeq, chunk)
		sc.senderSeq += uint32(len(chunk))
		w.seg(ap(sc.receiver), ap(sc.sender), decode.FlagACK, sc.receiverSeq, nil)
	}
	return sc
}

// reset is the data connection reset by the sender (from) or the
// receiver.
func (sc *abortScene) reset(bySender bool) {
	if bySender {
		sc.w.seg(ap(sc.sender), ap(sc.receiver), decode.FlagRST|decode.FlagACK, sc.senderSeq, nil)
		return
	}
	sc.w.seg(ap(sc.receiver), ap(sc.sender), decode.FlagRST|decode.FlagACK, sc.receiverSeq, nil)
}

func (sc *abortScene) quit() {
	sc.w.cmd("QUIT")
	sc.w.reply(221, "Goodbye.")
	sc.w.end()
}

// TestServerAbortedTransferIsWarned guards transfers the server started
// (a 1yz) and then broke off with a failure other than 425/426: a 451,
// 550 or 552 after part of the file, or a 421 that ended the session
// while the data flowed (vsftpd's "421 Data timeout. Reconnect. Sorry."
// after the data stalled for data_connection_timeout). Before, the data
// connection read "transferred", the verdict "worked", and no finding
// said anything (abort451.pcap, abort550.pcap, datatimeout421.pcap). A
// failure to a command that never started (no 1yz), a 426, an ABOR, or
// a client that gave up the download itself is not the server aborting.
func TestServerAbortedTransferIsWarned(t *testing.T) {
	const vsftpd, generic = "(vsFTPd 3.0.5)", "FTP server ready."
	const opening = "Opening BINARY mode data connection for big.bin (100000 bytes)."
	tests := []struct {
		name     string
		greeting string
		verb     string
		pre      string // the 1yz; "" for none
		chunks   int
		play     func(sc *abortScene)
		severity Severity
		want     []string // in message, evidence and advice; nil: no transfer-aborted
	}{
		{"451 local error after part of a download", generic, "RETR", opening, 7, func(sc *abortScene) {
			sc.reset(true)
			sc.w.reply(451, "Requested action aborted: local error in processing.")
		}, SeverityWarning, []string{"aborted the download (RETR) partway (451)", "9800 of 100000 bytes moved", "server's log", "not the cause"}},
		{"550 I/O error after part of a download", generic, "RETR", opening, 7, func(sc *abortScene) {
			sc.reset(true)
			sc.w.reply(550, "Can't read file: I/O error")
		}, SeverityWarning, []string{"(550)", "could not be read or written", `"550 Can't read file: I/O error"`}},
		{"552 quota on an upload", generic, "STOR", "Ok to send data.", 3, func(sc *abortScene) {
			sc.reset(false)
			sc.w.reply(552, "Transfer aborted. Disk quota exceeded")
		}, SeverityWarning, []string{"aborted the upload (STOR) (552)", "quota", "4200 bytes moved", "Free space"}},
		{"451 disk full on an upload", generic, "STOR", "Ok to send data.", 3, func(sc *abortScene) {
			sc.w.reply(451, "Transfer aborted. No space left on device")
		}, SeverityWarning, []string{"(451): it ran out of storage"}},
		{"451 naming the network", vsftpd, "STOR", "Ok to send data.", 3, func(sc *abortScene) {
			sc.w.reply(451, "Failure reading network stream.")
		}, SeverityWarning, []string{"reports that its data connection failed", "firewall or NAT"}},
		{"an upload reset from the client's side first", generic, "STOR", "Ok to send data.", 2, func(sc *abortScene) {
			sc.reset(true)
			sc.w.reply(451, "Error during read from data connection")
		}, SeverityInfo, []string{"reset from the client's side", "client's log", "Nothing on the server needs to change"}},
		{"an empty listing's 450 after 150 broke nothing off", generic, "NLST", "Here comes the directory listing.", 0, func(sc *abortScene) {
			sc.w.reply(450, "No files found")
		}, SeverityWarning, nil},
		{"IIS's 550 after its 150, nothing moved", generic, "RETR", "Opening BINARY mode data connection.", 0, func(sc *abortScene) {
			sc.w.reply(550, "missing.bin: The system cannot find the file specified.")
		}, SeverityWarning, nil},
		{"a denied upload's 553 after 150, nothing moved", generic, "STOR", "Accepted data connection", 0, func(sc *abortScene) {
			sc.w.reply(553, "Can't open that file: Permission denied")
		}, SeverityWarning, nil},
		{"421 data timeout, the data stalled (vsftpd)", vsftpd, "RETR", "Opening BINARY mode data connection for big.bin (10485760 bytes).", 15, func(sc *abortScene) {
			sc.w.reply(421, "Data timeout. Reconnect. Sorry.")
			sc.reset(true)
			sc.w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			sc.w.trk.Finish()
		}, SeverityWarning, []string{"gave up the download (RETR) partway on a data timeout (421)", "data connection still open",
			"vsftpd's data_connection_timeout", "21000 of 10485760 bytes moved, still open at the 421", "conntrack", "MTU black hole", "resends the same segment with no ACK"}},
		{"421 of another kind during a transfer", generic, "LIST", "Here comes the directory listing.", 2, func(sc *abortScene) {
			sc.w.reply(421, "Service not available, closing control connection.")
			sc.w.ctl(decode.ControlEvent{Kind: decode.ControlClose})
			sc.w.trk.Finish()
		}, SeverityWarning, []string{"ended the session (421) while the listing (LIST) was running", "not the network"}},
		{"the client gave the download up first", generic, "RETR", opening, 7, func(sc *abortScene) {
			sc.reset(false)
			sc.w.reply(451, "Transfer aborted: broken pipe")
		}, SeverityInfo, []string{"The client stopped the download (RETR) itself"}},

		{"550 without a 1yz is a refusal, not an abort", generic, "RETR", "", 0, func(sc *abortScene) {
			sc.w.reply(550, "Failed to open file.")
		}, SeverityWarning, nil},
		{"452 without a 1yz", generic, "STOR", "", 0, func(sc *abortScene) {
			sc.w.reply(452, "Insufficient storage space.")
		}, SeverityWarning, nil},
		{"426 is server-data-error's", generic, "RETR", opening, 7, func(sc *abortScene) {
			sc.reset(true)
			sc.w.reply(426, "Connection closed; transfer aborted.")
		}, SeverityWarning, nil},
		{"after the client's ABOR", generic, "RETR", opening, 7, func(sc *abortScene) {
			sc.w.cmd("ABOR")
			sc.reset(false)
			sc.w.reply(451, "Transfer aborted.")
			sc.w.reply(226, "Abort successful.")
		}, SeverityWarning, nil},
		{"a whole transfer", generic, "RETR", opening, 7, func(sc *abortScene) {
			sc.w.seg(ap(sc.sender), ap(sc.receiver), decode.FlagFIN|decode.FlagACK, sc.senderSeq, nil)
			sc.w.seg(ap(sc.receiver), ap(sc.sender), decode.FlagFIN|decode.FlagACK, sc.receiverSeq, nil)
			sc.w.reply(226, "Transfer complete.")
		}, SeverityWarning, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := newAbortScene(t, tc.greeting, tc.verb, tc.pre, tc.chunks)
			tc.play(sc)
			if !strings.HasPrefix(tc.name, "421") {
				sc.quit()
			}
			fs := sc.w.c.all(CodeTransferAborted)
			if tc.want == nil {
				if len(fs) != 0 {
					t.Fatalf("transfer-aborted where the server did not abort a started transfer: %s", fs[0].Message)
				}
				return
			}
			if len(fs) != 1 {
				dumpFindings(t, sc.w.c)
				t.Fatalf("%d transfer-aborted findings, want 1", len(fs))
			}
			f := fs[0]
			all := f.Message + " | " + f.Evidence + " | " + f.Advice
			if f.Severity != tc.severity {
				t.Errorf("severity %s, want %s: %s", f.Severity, tc.severity, all)
			}
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("no %q in:\n%s", s, all)
				}
			}
			if f.Command == nil || f.Command.Verb != tc.verb {
				t.Errorf("finding not tied to the %s: %+v", tc.verb, f.Command)
			}
		})
	}
}

// all returns the findings of one code.
func (c *collect) all(code string) []*Finding {
	var out []*Finding
	for _, f := range c.fs {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

// TestSessionRefusedAt421 guards the session a server refuses at once
// with 421, most often for its connection limit: banner421.pcap's
// "421 Too many connections (10) from this IP" (Pure-FTPd's per-address
// limit) gave no finding and the verdict "no data connections were
// announced". The advice names the family's setting, from the greeting,
// or from the 421's own stock wording when it replaced the greeting. A
// 421 after the session was answered (an idle timeout), or one picked up
// mid-stream, is no refusal.
func TestSessionRefusedAt421(t *testing.T) {
	tests := []struct {
		name      string
		midstream bool
		lines     []string // "C verb arg" client commands, "NNN text" replies, in order
		want      []string // nil: no session-refused
	}{
		{"Pure-FTPd per-address limit", false, []string{"421 Too many connections (10) from this IP"},
			[]string{"at once, in its greeting", "limit on connections from one client address", "Pure-FTPd -C", "MaxClientsPerIP", "from the reply's wording", "NAT"}},
		{"Pure-FTPd server limit", false, []string{"421 50 users (the maximum) are already logged in, sorry"},
			[]string{"its limit on connections.", "Pure-FTPd -c", "MaxClientsNumber"}},
		{"vsftpd max_clients", false, []string{"421 There are too many connected users, please try later."},
			[]string{"vsftpd.conf max_clients"}},
		{"vsftpd max_per_ip", false, []string{"421 There are too many connections from your internet address."},
			[]string{"vsftpd.conf max_per_ip"}},
		{"unknown server's limit", false, []string{"421 Too many users, try again later"},
			[]string{"ProFTPD MaxClients", "IIS maxConnections", "FileZilla Server \"Maximum number of connections\""}},
		{"a 120, then the 421", false, []string{"120 Service ready in 5 minutes.", "421 Too many connections (3) from this IP"},
			[]string{"Pure-FTPd -C"}},
		{"not a limit", false, []string{"421 Service not available, closing control connection."},
			[]string{"refused the session at once", "shutting down"}},
		{"USER before the greeting, answered by the 421", false, []string{"C USER bob", "421 Too many connections (2) from this IP"},
			[]string{"before it answered any command", "Pure-FTPd -C"}},

		{"a 220, then the 421 of a limit", false, []string{"220 FileZilla Server version 0.9.60 beta", "421 Too many users are connected, please try again later."},
			[]string{"right after its greeting", "its limit on connections.", "FileZilla Server's \"Maximum number of connections\""}},
		{"an idle 421 after the greeting", false, []string{"220 (vsFTPd 3.0.5)", "421 Timeout."}, nil},
		{"a 421 after a login", false, []string{"220 (vsFTPd 3.0.5)", "C USER bob", "331 Please specify the password.", "C PASS x", "230 Login successful.", "421 Timeout."}, nil},
		{"a 421 to a command left waiting that says it timed out", false, []string{"220 ready", "C USER bob", "421 Login timeout (60 seconds): closing control connection"}, nil},
		{"picked up mid-stream", true, []string{"421 Too many connections (10) from this IP"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &wire{t: t, c: &collect{}, cli: ap("10.0.0.2:50000"), srv: ap("10.0.0.1:21"), now: t0}
			w.d = New(policy.Policy{}, nil, w.c)
			w.trk = track.New(w.d, track.Options{})
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen, Midstream: tc.midstream})
			for _, l := range tc.lines {
				if c, ok := strings.CutPrefix(l, "C "); ok {
					w.cmd(c)
					continue
				}
				code, text, _ := strings.Cut(l, " ")
				n := 0
				for _, d := range code {
					n = n*10 + int(d-'0')
				}
				w.reply(n, text)
			}
			w.end()
			fs := w.c.all(CodeSessionRefused)
			if tc.want == nil {
				if len(fs) != 0 {
					t.Fatalf("session-refused for a session that was not refused: %s", fs[0].Message)
				}
				return
			}
			if len(fs) != 1 {
				dumpFindings(t, w.c)
				t.Fatalf("%d session-refused findings, want 1", len(fs))
			}
			f := fs[0]
			all := f.Message + " | " + f.Evidence + " | " + f.Advice
			if f.Severity != SeverityWarning {
				t.Errorf("severity %s, want warning", f.Severity)
			}
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("no %q in:\n%s", s, all)
				}
			}
		})
	}
}
