package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// A 150 does not say the data connection was made: vsftpd sends it once
// connected, but FileZilla Server, IIS and Serv-U send it before they
// connect (active) or accept (passive). An endpoint the capture shows no
// connection to is judged on the transfer's final reply: a 425 after the
// 150 is the failure the server reports (it was read as a capture that
// cannot see the data path, an info, with 0 errors), a 226 is the
// capture's blindness, a refusal of the command itself (IIS's 150 then
// 550) needed no connection, and a 150 with no final reply tells nothing
// but for vsftpd.
func TestUnseenEndpointJudgedOnTheFinalReplyNotThe150(t *testing.T) {
	const (
		fz09 = "FileZilla Server version 0.9.60 beta"
		iis  = "Microsoft FTP Service"
		vsf  = "(vsFTPd 3.0.3)"
	)
	for _, tc := range []struct {
		name     string
		greeting string
		passive  bool
		replies  []track.Reply // after the transfer command; a 1yz last: no final reply
		code     string        // "" : neither data-not-attempted nor active-blocked
		severity Severity
		blind    bool
		contains []string
	}{
		{"FileZilla Server passive: 150 then 425", fz09, true,
			[]track.Reply{{Code: 150, Text: "Opening data channel for directory listing"}, {Code: 425, Text: "Can't open data connection for transfer of \"/\""}},
			CodeDataNotAttempted, SeverityWarning, false, []string{"gave up with \"425 Can't open data connection", "Its 150 before", "sends it before the client connects"}},
		{"IIS active: 150 then 425", iis, false,
			[]track.Reply{{Code: 150, Text: "Opening BINARY mode data connection."}, {Code: 425, Text: "Can't open data connection."}},
			CodeActiveBlocked, SeverityError, false, []string{"could not connect back to 192.0.2.10:50001", "sends it before it connects"}},
		{"IIS active: 150 then a 426 saying it could not open it", iis, false,
			[]track.Reply{{Code: 150, Text: "Opening BINARY mode data connection."}, {Code: 426, Text: "Cannot open data connection."}},
			CodeActiveBlocked, SeverityError, false, nil},
		{"vsftpd passive: 150 then 226, the capture's blindness", vsf, true,
			[]track.Reply{{Code: 150, Text: "Opening BINARY mode data connection for x."}, {Code: 226, Text: "Transfer complete."}},
			CodeDataNotAttempted, SeverityInfo, true, nil},
		{"IIS passive: 150 then 226, keyed on the final reply whatever the server", iis, true,
			[]track.Reply{{Code: 150, Text: "Opening BINARY mode data connection."}, {Code: 226, Text: "Transfer complete."}},
			CodeDataNotAttempted, SeverityInfo, true, nil},
		{"IIS active: 150 then 550, a refusal that needed no connection", iis, false,
			[]track.Reply{{Code: 150, Text: "Opening BINARY mode data connection."}, {Code: 550, Text: "The system cannot find the file specified."}},
			"", 0, false, nil},
		{"FileZilla Server passive: 150 and no final reply tells nothing", fz09, true,
			[]track.Reply{{Code: 150, Text: "Starting data transfer."}},
			CodeDataNotAttempted, SeverityWarning, false, []string{"no final reply", "does not say whether one was made"}},
		{"vsftpd passive: 150 and no final reply, connected", vsf, true,
			[]track.Reply{{Code: 150, Text: "Opening BINARY mode data connection for x."}},
			CodeDataNotAttempted, SeverityInfo, true, nil},
		// ProFTPD opens or accepts before its 150 (data.c), and
		// Pure-FTPd's passive 150 says it accepted: as vsftpd's.
		{"ProFTPD passive: 150 and no final reply, connected", "ProFTPD Server (Debian) [192.0.2.10]", true,
			[]track.Reply{{Code: 150, Text: "Opening BINARY mode data connection for x (5000 bytes)"}},
			CodeDataNotAttempted, SeverityInfo, true, nil},
		{"a 150 saying the connection was accepted, no final reply", "---------- Welcome to Pure-FTPd [privsep] ----------", true,
			[]track.Reply{{Code: 150, Text: "Accepted data connection"}},
			CodeDataNotAttempted, SeverityInfo, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("192.0.2.10:50000", "203.0.113.5:21")
			s.Greeting = []track.Reply{{Code: 220, Text: tc.greeting, TS: t0, Num: 4}}
			var dc *track.DataConn
			if tc.passive {
				dc = announce(s, 10, "PASV", ftp.ViaPASV, "203.0.113.5:50000", 227, "Entering Passive Mode (203,0,113,5,195,80)")
			} else {
				dc = announce(s, 10, "PORT", ftp.ViaPORT, "192.0.2.10:50001", 200, "PORT command successful.")
			}
			dc.Outcome = track.OutcomeNotAttempted
			x := cmd(s, 20, "RETR", "x", 0, "")
			x.Replies = nil
			for i, r := range tc.replies {
				r.TS, r.Num = at(21+i*1000), uint64(21+i)
				x.Replies = append(x.Replies, r)
			}
			if ftp.IsPreliminary(x.Replies[len(x.Replies)-1].Code) {
				x.Status = track.StatusPending
			}
			dc.Command, x.Transfer = x, []*track.DataConn{dc}
			c, _ := feed(policy.Policy{}, s)
			var got *Finding
			for _, f := range c.fs {
				if f.Data == dc && (f.Code == CodeDataNotAttempted || f.Code == CodeActiveBlocked) {
					if got != nil {
						t.Fatalf("two findings for the endpoint: %s and %s", got.Code, f.Code)
					}
					got = f
				}
			}
			if tc.code == "" {
				if got != nil {
					t.Fatalf("unexpected %s: %s", got.Code, got.Message)
				}
				return
			}
			if got == nil || got.Code != tc.code {
				t.Fatalf("got %v, want %s", got, tc.code)
			}
			if got.Severity != tc.severity {
				t.Errorf("severity %s, want %s: %s", got.Severity, tc.severity, got.Message)
			}
			if b := blindText(got.Message); b != tc.blind {
				t.Errorf("blames the capture's vantage: %v, want %v: %s", b, tc.blind, got.Message)
			}
			for _, w := range tc.contains {
				if !strings.Contains(got.Message+" | "+got.Advice, w) {
					t.Errorf("lacks %q: %s | %s", w, got.Message, got.Advice)
				}
			}
		})
	}
}
