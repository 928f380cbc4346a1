package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestServerClosingForeignDataConnectionSaysWhy guards a server that
// refuses a passive data connection from another address than the
// control connection's without a reply (ProFTPD AllowForeignAddress off,
// its default, and Pure-FTPd close it at once and wait for the client's
// own): the transfer hangs and no reply says why. It read "the data
// connections were made but carried nothing: see the transfer commands'
// replies (a missing file, a refused transfer); not a firewall problem",
// with no finding. A connection the client closed, one the server kept
// open a while, an answered command (550) or the client's own address
// raise nothing.
func TestServerClosingForeignDataConnectionSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		name       string
		from       string
		closeAfter time.Duration // from the handshake's ACK to the server's FIN
		clientFIN  bool          // the client closed first
		final      int           // the RETR's final reply, 0 for none
		want       bool
		says       []string
	}{
		{"CGNAT pool, closed at once", "100.64.7.9:50001", 3 * time.Millisecond, false, 0, true,
			[]string{"came from 100.64.7.9", "closed it at once", "ProFTPD (AllowForeignAddress off", "Either something between them", "paired"}},
		{"IPv4 client's own address", "198.51.100.7:50001", 3 * time.Millisecond, false, 0, false, nil},
		{"client closed first", "100.64.7.9:50001", 3 * time.Millisecond, true, 0, false, nil},
		{"server kept it open", "100.64.7.9:50001", 5 * time.Second, false, 0, false, nil},
		{"answered: 550", "100.64.7.9:50001", 3 * time.Millisecond, false, 550, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("198.51.100.7:50000", "192.0.2.10:21")
			s.Greeting[0].Text = "ProFTPD Server (Debian) [192.0.2.10]"
			dc := announce(s, 10, "PASV", ftp.ViaPASV, "192.0.2.10:40500", 227, "Entering Passive Mode (192,0,2,10,158,52).")
			syn(dc, tc.from, "192.0.2.10:40500", 12, 1, 0)
			dc.SynAckTS, dc.AckTS = dc.FirstSYN.Add(time.Millisecond), dc.FirstSYN.Add(2*time.Millisecond)
			dc.Match, dc.Outcome, dc.EndReason = track.MatchPortOnly, track.OutcomeConnected, track.EndFIN
			if tc.from == "198.51.100.7:50001" {
				dc.Match = track.MatchExact
			}
			dc.FINTS[1] = dc.AckTS.Add(tc.closeAfter)
			if tc.clientFIN {
				dc.FINTS[0] = dc.AckTS.Add(time.Millisecond)
			}
			dc.End = dc.FINTS[1].Add(time.Millisecond)
			c := cmd(s, 14, "RETR", "a.txt", 550, "a.txt: No such file or directory")
			if tc.final == 0 {
				c.Replies, c.Status = nil, track.StatusNoReply
			}
			c.Data, dc.Command = dc, c
			s.End, s.EndReason = at(40), track.EndFIN
			col, _ := feed(policy.Policy{}, s)
			f := col.find(CodeDataSourceNAT)
			if (f != nil) != tc.want {
				t.Fatalf("data-source-nat %v, want %v: %+v", f != nil, tc.want, f)
			}
			if f == nil {
				return
			}
			if f.Severity != SeverityError {
				t.Errorf("severity %s", f.Severity)
			}
			for _, w := range tc.says {
				if !strings.Contains(f.Message+" | "+f.Advice, w) {
					t.Errorf("lacks %q: %s | %s", w, f.Message, f.Advice)
				}
			}
		})
	}
}
