package decode

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// serverLines runs the script (see clientLines) and returns what decode
// reported of the server: each reply as its code and first line ("211
// Features:"), each junk line as "junk: " and the line, each server gap
// as "gap".
func serverLines(t *testing.T, steps []gapStep, midstream bool) []string {
	t.Helper()
	rec, d, v := openConv(t)
	if midstream {
		rec = &recorder{}
		d = New(rec, Options{})
		v = &conv{t: t, d: d, c: convClient, s: convServer, cseq: 1000, sseq: 5000, ts: convT0}
	}
	v.play(steps)
	d.Finish()
	var out []string
	for _, e := range rec.control {
		switch {
		case e.Kind == ControlReply:
			out = append(out, e.Reply.Lines[0])
		case e.Kind == ControlJunk && !e.FromClient:
			out = append(out, "junk: "+e.Line)
		case e.Kind == ControlGap && !e.FromClient:
			out = append(out, "gap")
		}
	}
	return out
}

// TestGapInMultilineReply: after a server gap (or a pickup mid-stream)
// the lines of a multi-line reply whose start is missing (FEAT's " EPSV",
// RFC 2389) are dropped quietly up to the next reply, not reported as a
// server that speaks no FTP (mirror-vsftpd-lossy.pcap,
// mirror-proftpd-lossy.pcap); the closing line of a reply the gap cut,
// already reported, is not a second reply. A server that sends text that
// is no reply outside such a stretch is still reported.
func TestGapInMultilineReply(t *testing.T) {
	many := strings.Repeat(" x\r\n", maxCutBody+2)
	tests := []struct {
		name      string
		midstream bool
		steps     []gapStep
		want      []string
	}{
		{name: "FEAT's first lines lost", steps: []gapStep{
			srv("220 hi\r\n"), cli("FEAT\r\n"), lostSrv("211-Features:\r\n EPRT\r\n"),
			srv(" EPSV\r\n MDTM\r\n MLST type*;size*;modify*;\r\n PASV\r\n211 End\r\n"),
			cli("USER a\r\n"), srv("331 Password?\r\n"),
		}, want: []string{"220 hi", "gap", "211 End", "331 Password?"}},
		{name: "FEAT cut after its first line", steps: []gapStep{
			srv("220 hi\r\n"), cli("FEAT\r\n"), srv("211-Features:\r\n"), lostSrv(" CLNT\r\n EPRT\r\n"),
			srv(" EPSV\r\n MDTM\r\n REST STREAM\r\n211 End\r\n"),
			cli("CLNT lftp/4.9.2\r\n"), srv("200 OK\r\n"),
		}, want: []string{"220 hi", "211-Features:", "gap", "200 OK"}},
		{name: "the gap ends a line", steps: []gapStep{
			srv("220 hi\r\n"), cli("FEAT\r\n"), srv("211-Features:\r\n EP"), lostSrv("RT\r\n"),
			srv(" EPSV\r\n211 End\r\n"), cli("SYST\r\n"), srv("215 UNIX Type: L8\r\n"),
		}, want: []string{"220 hi", "211-Features:", "gap", "215 UNIX Type: L8"}},
		{name: "client spoke after the gap: same code answers it", steps: []gapStep{
			srv("220 hi\r\n"), cli("HELP\r\n"), srv("214-The following commands are recognized.\r\n"),
			lostSrv(" ABOR ACCT\r\n214 Help OK.\r\n"), cli("HELP SITE\r\n"), srv("214 CHMOD UMASK\r\n"),
		}, want: []string{"220 hi", "214-The following commands are recognized.", "gap", "214 CHMOD UMASK"}},
		{name: "client spoke while the reply was open: same code answers it", steps: []gapStep{
			srv("220 hi\r\n"), cli("STAT\r\n"), srv("211-FTP server status:\r\n"), cli("STAT\r\n"),
			lostSrv("     Connected\r\n211 End of status\r\n"), srv("211 Status again\r\n"),
		}, want: []string{"220 hi", "211-FTP server status:", "gap", "211 Status again"}},
		{name: "client bytes lost while the reply was open: same code answers them", steps: []gapStep{
			srv("220 hi\r\n"), cli("STAT\r\n"), srv("211-FTP server status:\r\n"), lostCli("STAT\r\n"),
			lostSrv("     Connected\r\n211 End of status\r\n"), srv("211 Status again\r\n"),
		}, want: []string{"220 hi", "211-FTP server status:", "gap", "211 Status again"}},
		{name: "another code after the cut reply", steps: []gapStep{
			srv("220 hi\r\n"), cli("FEAT\r\n"), srv("211-Features:\r\n"), lostSrv(" EPRT\r\n211 End\r\n"),
			srv("421 Timeout.\r\n"),
		}, want: []string{"220 hi", "211-Features:", "gap", "421 Timeout."}},
		{name: "picked up mid-stream in a reply", midstream: true, steps: []gapStep{
			srv(" EPSV\r\n MDTM\r\n SIZE\r\n211 End\r\n"), cli("USER a\r\n"), srv("331 Password?\r\n"),
		}, want: []string{"211 End", "331 Password?"}},
		{name: "junk without a gap is reported", steps: []gapStep{
			srv("220 hi\r\n"), cli("SYST\r\n"), srv(" not a reply\r\nHTTP/1.1 400 Bad Request\r\n"),
		}, want: []string{"220 hi", "junk:  not a reply", "junk: HTTP/1.1 400 Bad Request"}},
		{name: "junk after the reply that follows a gap is reported", steps: []gapStep{
			srv("220 hi\r\n"), cli("SYST\r\n"), lostSrv("215 UNIX\r\n"), cli("PWD\r\n"),
			srv("257 \"/\"\r\n"), srv(" EPSV\r\n"),
		}, want: []string{"220 hi", "gap", "257 \"/\"", "junk:  EPSV"}},
		{name: "past the bound, junk is reported again", steps: []gapStep{
			srv("220 hi\r\n"), cli("STAT\r\n"), lostSrv("211-status\r\n"), srv(many), cli("NOOP\r\n"),
		}, want: []string{"220 hi", "gap", "junk:  x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := serverLines(t, tt.steps, tt.midstream)
			if !slices.Equal(got, tt.want) {
				t.Errorf("server lines\n got %s\nwant %s", quoteAll(got), quoteAll(tt.want))
			}
		})
	}
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return "[" + strings.Join(q, " ") + "]"
}
