package track

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// A transfer command the server refuses before any 1yz (IIS's "550
// Access is denied.", vsftpd's "550 Failed to open file.") leaves its
// passive listener or PORT address set: the data connection, made before
// the refusal or after it, is the next transfer command's ("125 Data
// connection already open"). A server that drops it on the refusal
// (ProFTPD) gets a new announcement from the client: the first stays the
// refused command's. 425/426 concern the data connection itself and keep
// it; so does a refusal after a 1yz, an ABOR, and a new announcement.
func TestRefusedTransferLeavesDataConnection(t *testing.T) {
	dataCli := netip.MustParseAddrPort("198.51.100.7:50001")
	dataSrv := netip.MustParseAddrPort("192.0.2.10:40000")
	dataCli2 := netip.MustParseAddrPort("198.51.100.7:50002")
	dataSrv2 := netip.MustParseAddrPort("192.0.2.10:40001")
	portCli := netip.MustParseAddrPort("198.51.100.7:50010")
	srv20 := netip.MustParseAddrPort("192.0.2.10:20")
	connect := func(s *session, a, b netip.AddrPort) {
		s.seg(a, b, decode.FlagSYN, 1000, 0)
		s.seg(b, a, decode.FlagSYN|decode.FlagACK, 5000, 0)
		s.seg(a, b, decode.FlagACK, 1001, 0)
	}
	// send carries n bytes b->a on a connection connect made, then closes it.
	send := func(s *session, a, b netip.AddrPort, n int) {
		s.seg(b, a, decode.FlagACK, 5001, n)
		s.seg(b, a, decode.FlagFIN|decode.FlagACK, 5001+uint32(n), 0)
		s.seg(a, b, decode.FlagFIN|decode.FlagACK, 1001, 0)
	}
	pasv := func(s *session) {
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
	}
	pasv2 := func(s *session) {
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,65).")
	}
	type want struct {
		verb    string // the transfer command of the data connection
		outcome Outcome
		bytes   int64
	}
	tests := []struct {
		name  string
		drive func(s *session)
		want  []want // data records by number
		// the refused command (the first RETR) keeps its data connection
		retrKeeps bool
	}{
		{"iis connected before the refusal", func(s *session) {
			pasv(s)
			connect(s, dataCli, dataSrv)
			s.cmd("TYPE", "I")
			s.reply(200, "Type set to I.")
			s.cmd("RETR", "docs")
			s.reply(550, "docs: Access is denied.")
			s.cmd("CWD", "docs")
			s.reply(250, "CWD command successful.")
			s.cmd("LIST", "")
			s.reply(125, "Data connection already open; Transfer starting.")
			send(s, dataCli, dataSrv, 600)
			s.reply(226, "Transfer complete.")
		}, []want{{"LIST", OutcomeTransferred, 600}}, false},
		{"connected after the refusal", func(s *session) {
			pasv(s)
			s.cmd("RETR", "docs")
			s.reply(550, "Failed to open file.")
			s.cmd("LIST", "")
			connect(s, dataCli, dataSrv)
			s.reply(150, "Here comes the directory listing.")
			send(s, dataCli, dataSrv, 600)
			s.reply(226, "Directory send OK.")
		}, []want{{"LIST", OutcomeTransferred, 600}}, false},
		{"active, refused before the server connected", func(s *session) {
			s.cmd("PORT", "198,51,100,7,195,90")
			s.reply(200, "PORT command successful.")
			s.cmd("RETR", "docs")
			s.reply(550, "Failed to open file.")
			s.cmd("LIST", "")
			connect(s, srv20, portCli)
			s.reply(150, "Here comes the directory listing.")
			send(s, srv20, portCli, 600)
			s.reply(226, "Directory send OK.")
		}, []want{{"LIST", OutcomeTransferred, 600}}, false},
		{"pipelined", func(s *session) {
			s.cmd("PASV", "")
			s.cmd("RETR", "docs")
			s.cmd("CWD", "docs")
			s.cmd("LIST", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			connect(s, dataCli, dataSrv)
			s.reply(550, "docs: Access is denied.")
			s.reply(250, "CWD command successful.")
			s.reply(125, "Data connection already open; Transfer starting.")
			send(s, dataCli, dataSrv, 600)
			s.reply(226, "Transfer complete.")
		}, []want{{"LIST", OutcomeTransferred, 600}}, false},
		{"server drops its listener: connected one closed, new PASV", func(s *session) {
			pasv(s)
			connect(s, dataCli, dataSrv)
			s.cmd("RETR", "docs")
			s.reply(550, "docs: No such file or directory")
			s.seg(dataSrv, dataCli, decode.FlagFIN|decode.FlagACK, 5001, 0)
			s.seg(dataCli, dataSrv, decode.FlagFIN|decode.FlagACK, 1001, 0)
			pasv2(s)
			s.cmd("LIST", "")
			connect(s, dataCli2, dataSrv2)
			s.reply(150, "Opening ASCII mode data connection for file list")
			send(s, dataCli2, dataSrv2, 600)
			s.reply(226, "Transfer complete")
		}, []want{{"RETR", OutcomeConnected, 0}, {"LIST", OutcomeTransferred, 600}}, true},
		{"new PASV before anything connected", func(s *session) {
			pasv(s)
			s.cmd("RETR", "docs")
			s.reply(550, "docs: No such file or directory")
			pasv2(s)
			s.cmd("LIST", "")
			connect(s, dataCli2, dataSrv2)
			s.reply(150, "Opening ASCII mode data connection for file list")
			send(s, dataCli2, dataSrv2, 600)
			s.reply(226, "Transfer complete")
		}, []want{{"RETR", OutcomeNotAttempted, 0}, {"LIST", OutcomeTransferred, 600}}, true},
		{"pipelined PASV after the refused transfer", func(s *session) {
			s.cmd("PASV", "")
			s.cmd("RETR", "docs")
			s.cmd("PASV", "")
			s.cmd("LIST", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			s.reply(550, "docs: No such file or directory")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,65).")
			connect(s, dataCli2, dataSrv2)
			s.reply(150, "Opening ASCII mode data connection for file list")
			send(s, dataCli2, dataSrv2, 600)
			s.reply(226, "Transfer complete")
		}, []want{{"RETR", OutcomeNotAttempted, 0}, {"LIST", OutcomeTransferred, 600}}, true},
		{"425 concerns the data connection", func(s *session) {
			pasv(s)
			connect(s, dataCli, dataSrv)
			s.cmd("RETR", "docs")
			s.reply(425, "Cannot open data connection.")
			s.cmd("LIST", "")
			s.reply(425, "Use PORT or PASV first.")
		}, []want{{"RETR", OutcomeConnected, 0}}, true},
		{"426 concerns the data connection", func(s *session) {
			pasv(s)
			connect(s, dataCli, dataSrv)
			s.cmd("RETR", "docs")
			s.reply(426, "Connection closed; transfer aborted.")
			s.cmd("LIST", "")
			s.reply(425, "Use PORT or PASV first.")
		}, []want{{"RETR", OutcomeConnected, 0}}, true},
		{"refused after its 1yz", func(s *session) {
			pasv(s)
			connect(s, dataCli, dataSrv)
			s.cmd("RETR", "docs")
			s.reply(150, "Opening BINARY mode data connection.")
			s.reply(550, "docs: read error")
			s.cmd("LIST", "")
			s.reply(425, "Use PORT or PASV first.")
		}, []want{{"RETR", OutcomeConnected, 0}}, true},
		{"ABOR after the refusal", func(s *session) {
			pasv(s)
			s.cmd("RETR", "docs")
			s.reply(550, "Failed to open file.")
			s.cmd("ABOR", "")
			s.reply(225, "No transfer to ABOR.")
			s.cmd("LIST", "")
			s.reply(425, "Use PORT or PASV first.")
		}, []want{{"RETR", OutcomeNotAttempted, 0}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			tt.drive(s)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			sess := s.end()
			if len(s.rec.data) != len(tt.want) {
				t.Fatalf("%d data records, want %d", len(s.rec.data), len(tt.want))
			}
			byID := map[int]*DataConn{}
			for _, d := range s.rec.data {
				byID[d.ID] = d
			}
			for i, w := range tt.want {
				d := byID[i+1]
				if d == nil {
					t.Fatalf("no data #%d", i+1)
				}
				verb := ""
				if d.Command != nil {
					verb = d.Command.Verb
				}
				if verb != w.verb || d.Outcome != w.outcome || d.TotalBytes() != w.bytes {
					t.Errorf("data #%d: command %q outcome %v bytes %d, want %q %v %d", d.ID, verb, d.Outcome, d.TotalBytes(), w.verb, w.outcome, w.bytes)
				}
				if d.Command != nil && (len(d.Command.Transfer) != 1 || d.Command.Transfer[0] != d) {
					t.Errorf("data #%d: its %s lists %d data connections", d.ID, verb, len(d.Command.Transfer))
				}
			}
			for _, c := range sess.Commands {
				if c.Verb == "RETR" {
					if keeps := len(c.Transfer) > 0; keeps != tt.retrKeeps {
						t.Errorf("refused RETR lists %d data connections; want it to keep its own: %v", len(c.Transfer), tt.retrKeeps)
					}
					if f := c.Final(); f == nil || f.Code < 400 {
						t.Errorf("refused RETR's final reply %v", f)
					}
				}
			}
		})
	}
}

// A transfer refused just before the capture ends (suricata-verify's
// ftp-passive-dynamic_port-02: PASV, RETR, 550, end) needed no data
// connection: not-attempted, as when its refusal made it final, not
// undetermined for want of time, though it stays offered to a next
// transfer command until the end.
func TestRefusedTransferAtCaptureEnd(t *testing.T) {
	for _, second := range []bool{false, true} {
		s := newSession(t)
		s.login()
		s.cmd("PASV", "")
		s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
		s.cmd("RETR", "index.html")
		s.reply(550, "Failed to open file.")
		if second {
			s.cmd("RETR", "other.html")
			s.reply(550, "Failed to open file.")
		}
		s.trk.Finish() // the capture ends: no FIN, no QUIT
		if len(s.rec.data) != 1 {
			t.Fatalf("second refusal %v: %d data records, want 1", second, len(s.rec.data))
		}
		if d := s.rec.data[0]; d.Outcome != OutcomeNotAttempted || d.Command == nil || d.Command.Verb != "RETR" {
			t.Errorf("second refusal %v: outcome %v command %v, want not-attempted under a RETR", second, d.Outcome, d.Command)
		}
	}
}
