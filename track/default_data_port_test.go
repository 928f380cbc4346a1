package track

import (
	"net/netip"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// A transfer command with no PORT or PASV before it in the session (BSD
// ftp's "sendport off", old clients) uses the RFC 959 default data port
// (sections 3.2, 5.2): the server connects from its control port minus one
// (20) to the client's control address and port. That connection is the
// transfer's, matched as inferred; nothing else is: another source port, a
// session that announced, no transfer waiting, no SYN at all.
func TestDefaultDataPort(t *testing.T) {
	srv20 := netip.AddrPortFrom(srv.Addr(), 20)
	tests := []struct {
		name  string
		drive func(s *session)
		want  bool // NLST's data connection from srv:20 to the client's control endpoint
		data  int  // data records
	}{
		{"no announcement: the default port", func(s *session) {
			s.cmd("NLST", "")
			s.handshakeTransfer(srv20, cli, 200)
			s.reply(150, "Opening ASCII mode data connection for 'file list'.")
			s.reply(226, "Transfer complete.")
		}, true, 1},
		{"SYN before the 150, data after", func(s *session) {
			s.cmd("NLST", "")
			s.seg(srv20, cli, decode.FlagSYN, 1000, 0)
			s.reply(150, "Opening ASCII mode data connection for 'file list'.")
			s.seg(cli, srv20, decode.FlagSYN|decode.FlagACK, 5000, 0)
			s.seg(srv20, cli, decode.FlagACK, 1001, 0)
			s.seg(srv20, cli, decode.FlagACK, 1001, 200)
			s.seg(srv20, cli, decode.FlagFIN|decode.FlagACK, 1201, 0)
			s.seg(cli, srv20, decode.FlagFIN|decode.FlagACK, 5001, 0)
			s.reply(226, "Transfer complete.")
		}, true, 1},
		{"two transfers, both on the default port", func(s *session) {
			s.cmd("NLST", "")
			s.handshakeTransfer(srv20, cli, 200)
			s.reply(150, "Opening ASCII mode data connection for 'file list'.")
			s.reply(226, "Transfer complete.")
			s.cmd("NLST", "")
			s.seg(srv20, cli, decode.FlagSYN, 70000, 0) // the 4-tuple again, a new ISN
			s.seg(cli, srv20, decode.FlagSYN|decode.FlagACK, 90000, 0)
			s.seg(srv20, cli, decode.FlagACK, 70001, 0)
			s.seg(srv20, cli, decode.FlagACK, 70001, 200)
			s.seg(srv20, cli, decode.FlagFIN|decode.FlagACK, 70201, 0)
			s.seg(cli, srv20, decode.FlagFIN|decode.FlagACK, 90001, 0)
			s.reply(150, "Opening ASCII mode data connection for 'file list'.")
			s.reply(226, "Transfer complete.")
		}, true, 2},
		{"another source port", func(s *session) {
			s.cmd("NLST", "")
			s.handshakeTransfer(netip.AddrPortFrom(srv.Addr(), 19), cli, 200)
			s.reply(226, "Transfer complete.")
		}, false, 0},
		{"no transfer waiting", func(s *session) {
			s.cmd("NOOP", "")
			s.handshakeTransfer(srv20, cli, 200)
			s.reply(200, "NOOP ok.")
		}, false, 0},
		{"refused, nothing connects: no record", func(s *session) {
			s.cmd("NLST", "")
			s.reply(425, "Use PORT or PASV first.")
		}, false, 0},
		{"the session announced before", func(s *session) {
			s.cmd("PASV", "")
			s.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
			s.handshakeTransfer(netip.MustParseAddrPort("198.51.100.7:50001"), netip.MustParseAddrPort("192.0.2.10:40000"), 0)
			s.cmd("NLST", "")
			s.handshakeTransfer(srv20, cli, 200)
			s.reply(226, "Transfer complete.")
		}, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t)
			s.login()
			tt.drive(s)
			s.cmd("QUIT", "")
			s.reply(221, "Goodbye.")
			s.end()
			if len(s.rec.data) != tt.data {
				t.Fatalf("%d data records, want %d", len(s.rec.data), tt.data)
			}
			got := false
			for _, d := range s.rec.data {
				if d.Server == cli {
					got = true
					if d.Command == nil || d.Command.Verb != "NLST" || d.Match != MatchDefaultPort || d.Passive ||
						d.Outcome != OutcomeTransferred || d.TotalBytes() != 200 || d.Client != srv20 {
						t.Errorf("default-port data: command %v match %v passive %v outcome %v bytes %d client %v",
							d.Command, d.Match, d.Passive, d.Outcome, d.TotalBytes(), d.Client)
					}
				}
			}
			if got != tt.want {
				t.Errorf("default-port data connection found %v, want %v", got, tt.want)
			}
		})
	}
}
