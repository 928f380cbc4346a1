package diagnose

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestStrangerDataFailureKept guards the findings of data connections
// from another address that are the session's own (track's
// releaseStranger keeps them): the server's SYNs from another of its
// addresses and port 20 in active mode (a multi-homed server, an outbound
// SNAT), refused or dropped by the client; a CGNAT client's SYNs from
// another address in passive mode, sent again, refused or dropped. Taken
// for a scan's, they read "no SYN of it reached the capture point", with
// the server's outgoing firewall to blame (active) or not attempted
// (passive), while the SYNs were in the capture.
func TestStrangerDataFailureKept(t *testing.T) {
	backoff := []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	tries := func(w *wire, from, to netip.AddrPort, n int, rst bool) {
		for i := range n {
			w.wait(backoff[i])
			w.segAck(from, to, decode.FlagSYN, 777, 0)
			if rst {
				w.segAck(to, from, decode.FlagRST|decode.FlagACK, 0, 778)
			}
		}
	}
	srv20, cliData := netip.MustParseAddrPort("192.0.2.11:20"), netip.MustParseAddrPort("198.51.100.7:50001")
	natData, dsrv := netip.MustParseAddrPort("198.51.100.8:40001"), netip.MustParseAddrPort("192.0.2.10:40000")
	for _, tc := range []struct {
		name   string
		active bool
		n      int
		rst    bool
		code   string
		want   []string
	}{
		{"PORT: the server's SYNs from 192.0.2.11:20 refused by the client", true, 2, true, CodeActiveBlocked, []string{"the client answered", "RST"}},
		{"PORT: the server's SYNs from 192.0.2.11:20 dropped", true, 5, false, CodeActiveBlocked, []string{"5 SYNs", "client's side"}},
		{"PASV: the client's SYNs from 198.51.100.8 refused", false, 2, true, CodeDataRefused, []string{"answered by RST"}},
		{"PASV: the client's SYNs from 198.51.100.8 dropped", false, 5, false, CodeDataUnanswered, []string{"5 SYNs", "no answer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "198.51.100.7:50000", "192.0.2.10:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER anonymous")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS x@y")
			w.reply(230, "Login successful.")
			if tc.active {
				w.announceActive(ftp.ViaPORT, cliData, 200, "PORT command successful. Consider using PASV.")
				w.cmd("LIST")
				tries(w, srv20, cliData, tc.n, tc.rst)
			} else {
				w.cmd("PASV")
				w.reply(227, "Entering Passive Mode (192,0,2,10,156,64).")
				w.cmd("LIST")
				tries(w, natData, dsrv, tc.n, tc.rst)
			}
			w.wait(time.Second)
			w.reply(425, "Failed to establish connection.")
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			if f := w.c.find(CodeDataNotAttempted); f != nil {
				t.Errorf("%s: %s", CodeDataNotAttempted, f.Message)
			}
			f := w.c.find(tc.code)
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatalf("no %s finding", tc.code)
			}
			all := f.Message + " | " + f.Evidence + " | " + f.Advice
			for _, s := range tc.want {
				if !strings.Contains(all, s) {
					t.Errorf("%q missing from %q", s, all)
				}
			}
			for _, s := range []string{"no SYN", "outgoing firewall", "sport 20"} {
				if strings.Contains(all, s) {
					t.Errorf("%q in %q", s, all)
				}
			}
		})
	}
}
