package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestReceiverStoppedTransferIsNotABreak is the regression test for the
// false "data connection broke" warning, with its firewall advice, on a
// transfer the receiver gave up itself (the recorded abort-vsftpd and
// abort-proftpd sessions of ftplib closing the data connection, curl -m 1
// and lftp interrupted; ftplib's retrlines giving up on a long line in
// TYPE A): the side the data flowed to reset the data connection, alone
// or after its own FIN, while the sender was still sending and before
// the sender's 426. Breaks on the path keep the warning: a reset from
// the sender's side, a reset after the reply, a reset before any data.
//
// The data connections run through the real tracker, so what it records
// of who reset (RSTFromServer, ReceiverAborted) and in which mode (in
// active mode the FTP server opens the connection) is what is judged.
func TestReceiverStoppedTransferIsNotABreak(t *testing.T) {
	const (
		download = "stopped the download itself"
		// A bare reset in the client's name, seen where the capture may
		// not be on the client's side: a device on the path may have sent it.
		inItsName = "The client, or a device on the path in its name, reset"
		upload    = "stopped the upload itself"
		broke     = "broke during the transfer"
		abor      = "aborted by the client (ABOR)"
	)
	tests := []struct {
		name   string
		verb   string // RETR, LIST or STOR
		active bool   // PORT: the FTP server opens the data connection
		// end: how the data connection ends. "rst-recv": the receiver
		// resets it; "fin-rst-recv": the receiver sends its FIN, then
		// resets; "rst-send": the sender resets it.
		end        string
		replyFirst bool // the 426 comes before the data connection's end
		noData     bool // nothing was sent before the end
		abor       bool // the client sends ABOR before the data connection ends
		severity   Severity
		want       []string
	}{
		{"ftplib closes a RETR (vsftpd session 3)", "RETR", false, "rst-recv", false, false, false, SeverityInfo,
			[]string{inItsName, "the 426 follows from it", "ended first by the client 10.0.0.2:50001, the receiving side: its reset", "IPS or DLP"}},
		{"curl -m 1 / lftp killed: FIN, then reset (vsftpd sessions 5, 7)", "RETR", false, "fin-rst-recv", false, false, false, SeverityInfo,
			[]string{download, "its FIN, then its reset"}},
		{"a listing the client gave up", "LIST", false, "rst-recv", false, false, false, SeverityInfo, []string{inItsName}},
		{"active mode: the client, connected to, resets", "RETR", true, "rst-recv", false, false, false, SeverityInfo,
			[]string{inItsName, "ended first by the client 10.0.0.2:50001"}},
		{"the server resets the upload it receives", "STOR", false, "rst-recv", false, false, false, SeverityInfo,
			[]string{upload, "ended first by the server 10.0.0.1:40000", "its log"}},
		{"active mode: the server, which opened it, resets an upload", "STOR", true, "fin-rst-recv", false, false, false, SeverityInfo,
			[]string{upload, "ended first by the server 10.0.0.1:20"}},
		{"lftp on ProFTPD: the client's FIN, the 426, the server's FIN", "RETR", false, "fin-recv", false, false, false, SeverityInfo, []string{download, "its FIN 0.001s before"}},
		{"the sender closes first, then the 426", "RETR", false, "fin-send-then-recv", false, false, false, SeverityWarning, []string{broke}},
		{"the sender's side resets a download", "RETR", false, "rst-send", false, false, false, SeverityWarning, []string{broke, "firewall"}},
		{"active mode: the server's side resets a download", "RETR", true, "rst-send", false, false, false, SeverityWarning, []string{broke}},
		{"the client's side resets an upload", "STOR", false, "rst-send", false, false, false, SeverityWarning, []string{broke}},
		{"the receiver's reset comes after the 426", "RETR", false, "rst-recv", true, false, false, SeverityWarning, []string{broke}},
		{"the receiver resets before any data", "RETR", false, "rst-recv", false, true, false, SeverityWarning, []string{broke}},
		{"ABOR before the receiver's reset still says ABOR", "RETR", false, "rst-recv", false, false, true, SeverityInfo, []string{abor}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "10.0.0.2:50000", "10.0.0.1:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("TYPE I")
			w.reply(200, "Switching to Binary mode.")
			ftpClient, ftpServer := ap("10.0.0.2:50001"), ap("10.0.0.1:40000")
			if tc.active {
				ftpServer = ap("10.0.0.1:20")
				w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "PORT", Arg: "10,0,0,2,195,81"},
					Endpoint: decode.Endpoint{Via: ftp.ViaPORT, Addr: ftpClient}})
				w.reply(200, "PORT command successful. Consider using PASV.")
			} else {
				w.cmd("PASV")
				w.reply(227, "Entering Passive Mode (10,0,0,1,156,64).")
			}
			w.cmd(tc.verb + " big.bin")
			w.reply(150, "Opening BINARY mode data connection for big.bin (4194304 bytes).")

			// opener/acceptor: who sent the SYN and who answered it.
			opener, acceptor := ftpClient, ftpServer
			if tc.active {
				opener, acceptor = ftpServer, ftpClient
			}
			seq := map[bool]uint32{true: 1000, false: 5000} // by "is the opener"
			w.seg(opener, acceptor, decode.FlagSYN, seq[true], nil)
			w.seg(acceptor, opener, decode.FlagSYN|decode.FlagACK, seq[false], nil)
			seq[true]++
			seq[false]++
			w.seg(opener, acceptor, decode.FlagACK, seq[true], nil)

			sender, receiver := ftpServer, ftpClient // a download
			if tc.verb == "STOR" {
				sender, receiver = ftpClient, ftpServer
			}
			senderSeq, receiverSeq := seq[sender == opener], seq[receiver == opener]
			if !tc.noData {
				chunk := make([]byte, 1400)
				for range 20 {
					w.seg(sender, receiver, decode.FlagACK|decode.FlagPSH, senderSeq, chunk)
					senderSeq += uint32(len(chunk))
					w.seg(receiver, sender, decode.FlagACK, receiverSeq, nil)
				}
			}
			if tc.abor {
				// Sent while the transfer runs: the 426 answers the RETR,
				// then the 225 the ABOR.
				w.cmd("ABOR")
			}
			reply := func() {
				w.reply(426, "Failure writing network stream.")
				if tc.abor {
					w.reply(225, "No transfer to ABOR.")
				}
			}
			if tc.replyFirst {
				reply()
			}
			switch tc.end {
			case "rst-recv":
				w.seg(receiver, sender, decode.FlagRST|decode.FlagACK, receiverSeq, nil)
			case "fin-rst-recv":
				w.seg(receiver, sender, decode.FlagFIN|decode.FlagACK, receiverSeq, nil)
				w.seg(sender, receiver, decode.FlagACK|decode.FlagPSH, senderSeq, make([]byte, 1400))
				w.seg(receiver, sender, decode.FlagRST, receiverSeq+1, nil)
			case "fin-recv":
				w.seg(receiver, sender, decode.FlagFIN|decode.FlagACK, receiverSeq, nil)
				if !tc.replyFirst {
					w.reply(426, "Transfer aborted. Data connection closed")
					tc.replyFirst = true
				}
				w.seg(sender, receiver, decode.FlagFIN|decode.FlagACK, senderSeq, nil)
			case "fin-send-then-recv":
				w.seg(sender, receiver, decode.FlagFIN|decode.FlagACK, senderSeq, nil)
				w.seg(receiver, sender, decode.FlagFIN|decode.FlagACK, receiverSeq, nil)
			case "rst-send":
				w.seg(sender, receiver, decode.FlagRST|decode.FlagACK, senderSeq, nil)
			default:
				t.Fatalf("unknown end %q", tc.end)
			}
			if !tc.replyFirst {
				reply()
			}
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()

			var f *Finding
			for _, x := range w.c.fs {
				if x.Code == CodeServerDataError {
					if f != nil {
						t.Fatalf("two server-data-error findings:\n%s\n%s", f.Message, x.Message)
					}
					f = x
				}
			}
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatal("no server-data-error for the 426")
			}
			all := f.Message + " | " + f.Advice + " | " + f.Evidence
			if f.Severity != tc.severity {
				t.Errorf("severity %s, want %s: %s", f.Severity, tc.severity, all)
			}
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("no %q in:\n%s", s, all)
				}
			}
			if tc.severity == SeverityInfo && strings.Contains(f.Advice, "firewall") {
				t.Errorf("firewall advice for a transfer the receiver stopped: %s", f.Advice)
			}
			if f.Data == nil || f.Data.Command == nil || f.Data.Command.Verb != tc.verb {
				t.Errorf("finding not tied to the %s's data connection: %+v", tc.verb, f.Data)
			}
		})
	}
}

// TestReceiverStoppedRealCaptures guards the recorded client aborts
// (pcaps/real/README.md, "An admin's day"): each session's 426 is
// explained as the client's own stop (ftplib closing the data
// connection, curl -m 1, lftp interrupted, ftplib's retrlines giving up
// on a line over 8192 bytes in TYPE A) or as its ABOR, never as a
// broken data connection with firewall advice; Pure-FTPd answers the
// same clients with no 426 and raises nothing.
func TestReceiverStoppedRealCaptures(t *testing.T) {
	const (
		// Stopped by the client, or (a bare reset where the capture may
		// not be on its side) in its name.
		stopped = "info: The client"
		abor    = "info: The transfer was aborted by the client (ABOR)"
	)
	for _, tc := range []struct {
		capture string
		want    map[int]string // session -> severity and message start
	}{
		{"abort-vsftpd.pcap.gz", map[int]string{3: stopped, 4: abor, 5: stopped, 7: stopped}},
		// Session 7 (lftp) ended the data connection by FIN alone, the
		// client's first: which side closed first is not recorded on
		// track.DataConn yet, so it is left out here.
		{"abort-proftpd.pcap.gz", map[int]string{1: abor, 3: stopped, 4: abor, 5: stopped, 7: stopped}},
		{"abort-pureftpd.pcap.gz", map[int]string{2: abor, 4: abor}},
		{"ascii-vsftpd.pcap.gz", map[int]string{1: stopped}},
		{"ascii-vsftpd-conv.pcap.gz", map[int]string{1: stopped}},
		{"ascii-proftpd.pcap.gz", map[int]string{1: stopped}},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			rec, _ := realRun(t, tc.capture, policy.Policy{})
			got := map[int]string{}
			for _, f := range findingsOf(rec, CodeServerDataError) {
				if _, dup := got[f.Session.ID]; dup {
					t.Errorf("session %d: two server-data-error findings", f.Session.ID)
				}
				got[f.Session.ID] = f.Severity.String() + ": " + f.Message
				if strings.Contains(f.Advice, "firewall") {
					t.Errorf("session %d: firewall advice for a client's own stop: %s", f.Session.ID, f.Advice)
				}
			}
			for id, w := range tc.want {
				if !strings.HasPrefix(got[id], w) {
					t.Errorf("session %d: %q, want %q", id, got[id], w)
				}
			}
			for id, g := range got {
				if _, ok := tc.want[id]; !ok {
					t.Errorf("session %d: unexpected %q", id, g)
				}
			}
		})
	}
}
