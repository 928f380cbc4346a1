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
// its default, closes it at once and waits for the client's
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
		final      int           // the RETR's reply, 0 for none
		greeting   string        // "" for ProFTPD's
		endAfter   time.Duration // from the close to the session's end (0: 20 s, by FIN)
		captureEnd bool          // the capture ended the session
		want       bool
		says       []string
	}{
		{name: "CGNAT pool, closed at once", from: "100.64.7.9:50001", closeAfter: 3 * time.Millisecond, want: true,
			says: []string{"came from 100.64.7.9", "closed it at once", "ProFTPD (AllowForeignAddress off", "Either something between them", "paired"}},
		{name: "IPv4 client's own address", from: "198.51.100.7:50001", closeAfter: 3 * time.Millisecond},
		{name: "client closed first", from: "100.64.7.9:50001", closeAfter: 3 * time.Millisecond, clientFIN: true},
		{name: "server kept it open", from: "100.64.7.9:50001", closeAfter: 5 * time.Second},
		{name: "answered: 550", from: "100.64.7.9:50001", closeAfter: 3 * time.Millisecond, final: 550},
		// A 150 means the server took it: an empty transfer, cut by the
		// capture before its 226.
		{name: "a 150, then the capture ends", from: "100.64.7.9:50001", closeAfter: 3 * time.Millisecond, final: 150, endAfter: 5 * time.Millisecond, captureEnd: true},
		{name: "no reply, the capture ends at once", from: "100.64.7.9:50001", closeAfter: 3 * time.Millisecond, endAfter: 5 * time.Millisecond, captureEnd: true},
		{name: "vsftpd refuses with a 425, never silently", from: "100.64.7.9:50001", closeAfter: 3 * time.Millisecond, greeting: "(vsFTPd 3.0.3)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("198.51.100.7:50000", "192.0.2.10:21")
			s.Greeting[0].Text = "ProFTPD Server (Debian) [192.0.2.10]"
			if tc.greeting != "" {
				s.Greeting[0].Text = tc.greeting
			}
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
			c := cmd(s, 14, "RETR", "a.txt", tc.final, "a.txt: No such file or directory")
			switch tc.final {
			case 0:
				c.Replies, c.Status = nil, track.StatusNoReply
			case 150:
				c.Replies[0].Text, c.Status = "Opening BINARY mode data connection", track.StatusNoReply
			}
			c.Data, dc.Command = dc, c
			end := tc.endAfter
			if end == 0 {
				end = 20 * time.Second
			}
			s.End, s.EndReason = dc.FINTS[1].Add(end), track.EndFIN
			if tc.captureEnd {
				s.EndReason = track.EndCaptureEnd
			}
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

// TestServerClosingForeignJudgedAtSessionEnd guards the order the
// pipeline gives: the data connection is reported when it closes, while
// its transfer command still waits (StatusPending, the session not
// ended); only the session's end shows the command unanswered and the
// server waiting on. Judged at once, the finding never fired on a real
// capture.
func TestServerClosingForeignJudgedAtSessionEnd(t *testing.T) {
	s := sess("198.51.100.7:50000", "192.0.2.10:21")
	s.Greeting[0].Text = "ProFTPD Server (Debian) [192.0.2.10]"
	dc := announce(s, 10, "PASV", ftp.ViaPASV, "192.0.2.10:40500", 227, "Entering Passive Mode (192,0,2,10,158,52).")
	syn(dc, "100.64.7.9:50001", "192.0.2.10:40500", 12, 1, 0)
	dc.SynAckTS, dc.AckTS = dc.FirstSYN.Add(time.Millisecond), dc.FirstSYN.Add(2*time.Millisecond)
	dc.Match, dc.Outcome, dc.EndReason = track.MatchPortOnly, track.OutcomeConnected, track.EndFIN
	dc.FINTS[1] = dc.AckTS.Add(3 * time.Millisecond)
	dc.End, dc.Done = dc.FINTS[1].Add(time.Millisecond), true
	c := cmd(s, 14, "RETR", "a.txt", 0, "")
	c.Replies, c.Status = nil, track.StatusPending
	c.Data, dc.Command = dc, c
	col := &collect{}
	d := New(policy.Policy{}, nil, col)
	d.SessionStart(s)
	for _, x := range s.Commands {
		d.Command(s, x)
	}
	d.Data(s, dc)
	if f := col.find(CodeDataSourceNAT); f != nil {
		t.Fatalf("raised before the session's end: %s", f.Message)
	}
	c.Status = track.StatusNoReply
	s.End, s.EndReason = dc.FINTS[1].Add(20*time.Second), track.EndFIN
	d.SessionEnd(s)
	if f := col.find(CodeDataSourceNAT); f == nil || f.Severity != SeverityError {
		t.Errorf("no data-source-nat error at the session's end: %+v", f)
	}
}
