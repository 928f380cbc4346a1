package decode

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// detect runs a scripted connection to server (a port that is not a
// control port, so it is found by its 220 greeting) and returns where the
// parser stands at the end and the client lines reported, verbs with
// their arguments.
func detect(t *testing.T, server netip.AddrPort, steps []gapStep) (parseState, []string) {
	t.Helper()
	rec := &recorder{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: server, cseq: 1000, sseq: 5000, ts: convT0}
	v.handshake()
	for _, s := range steps {
		if s.server {
			v.srv(s.text)
		} else {
			v.cli(s.text)
		}
	}
	cs := d.ctl.conns.Get(MakeConnKey(v.c, v.s))
	if cs == nil {
		t.Fatal("the connection is not in the control table")
	}
	state := cs.parser.state
	var lines []string
	for _, e := range rec.control {
		switch e.Kind {
		case ControlOpen:
			if !e.ByContent {
				t.Errorf("session not marked as found by content")
			}
		case ControlCommand:
			lines = append(lines, strings.TrimSpace(e.Command.Verb+" "+e.Command.Arg))
		case ControlJunk:
			if e.FromClient {
				lines = append(lines, e.Line)
			}
		}
	}
	return state, lines
}

// TestContentDetectionFirstLine: a connection greeted with 220 on a port
// that is not a control port is FTP when its client's first line that
// decides is an FTP command no mail or news protocol has (lftp, tnftp and
// ncftp open with FEAT, OPTS, SYST, CLNT or HOST, not USER: the lftp
// session of control-port-2121.pcap vanished); SMTP, LMTP and a news
// stream stay rejected; lines FTP shares with them wait, boundedly, for
// the next.
func TestContentDetectionFirstLine(t *testing.T) {
	ftp2121 := netip.MustParseAddrPort("192.0.2.10:2121")
	smtp := netip.MustParseAddrPort("192.0.2.10:25")
	vsftpd := srv("220 (vsFTPd 3.0.3)\r\n")
	feat := []gapStep{srv("211-Features:\r\n EPSV\r\n MDTM\r\n211 End\r\n")}
	login := []gapStep{cli("USER anonymous\r\n"), srv("331 Please specify the password.\r\n"), cli("PASS x@y\r\n"), srv("230 Login successful.\r\n")}
	seq := func(parts ...[]gapStep) []gapStep { return slices.Concat(parts...) }
	noops := func(n int) []gapStep {
		var s []gapStep
		for range n {
			s = append(s, cli("NOOP\r\n"), srv("200 NOOP ok.\r\n"))
		}
		return s
	}
	tests := []struct {
		name   string
		server netip.AddrPort
		steps  []gapStep
		want   parseState
		lines  []string // client lines reported (none unless confirmed)
	}{
		{"USER first", ftp2121, seq([]gapStep{vsftpd}, login), parseFTP, []string{"USER anonymous", "PASS x@y"}},
		{"lftp: FEAT first", ftp2121, seq([]gapStep{vsftpd, cli("FEAT\r\n")}, feat, login), parseFTP, []string{"FEAT", "USER anonymous", "PASS x@y"}},
		{"SYST first", ftp2121, seq([]gapStep{vsftpd, cli("SYST\r\n"), srv("215 UNIX Type: L8\r\n")}, login), parseFTP, []string{"SYST", "USER anonymous", "PASS x@y"}},
		{"OPTS first", ftp2121, seq([]gapStep{vsftpd, cli("OPTS UTF8 ON\r\n"), srv("200 Always in UTF8 mode.\r\n")}, login), parseFTP, []string{"OPTS UTF8 ON", "USER anonymous", "PASS x@y"}},
		{"CLNT first", ftp2121, []gapStep{vsftpd, cli("CLNT NcFTP 3.2.6\r\n"), srv("200 OK\r\n")}, parseFTP, []string{"CLNT NcFTP 3.2.6"}},
		{"HOST first", ftp2121, []gapStep{vsftpd, cli("HOST ftp.example.com\r\n"), srv("220 HOST command successful\r\n")}, parseFTP, []string{"HOST ftp.example.com"}},
		{"lower-case feat", ftp2121, seq([]gapStep{vsftpd, cli("feat\r\n")}, feat), parseFTP, []string{"FEAT"}},
		{"AUTH TLS", ftp2121, []gapStep{vsftpd, cli("AUTH TLS\r\n"), srv("234 Proceed with negotiation.\r\n")}, parseTLS, []string{"AUTH TLS"}},
		{"AUTH ssl", ftp2121, []gapStep{vsftpd, cli("AUTH ssl\r\n"), srv("234 Proceed with negotiation.\r\n")}, parseTLS, []string{"AUTH ssl"}},
		{"NOOP then USER", ftp2121, seq([]gapStep{vsftpd}, noops(1), login), parseFTP, []string{"NOOP", "USER anonymous", "PASS x@y"}},
		{"HELP then FEAT", ftp2121, seq([]gapStep{vsftpd, cli("HELP\r\n"), srv("214-The following commands are recognized.\r\n ABOR ACCT\r\n214 Help OK.\r\n"), cli("FEAT\r\n")}, feat), parseFTP, []string{"HELP", "FEAT"}},
		{"NOOP, empty line, USER", ftp2121, seq([]gapStep{vsftpd}, noops(1), []gapStep{cli("\r\n")}, login), parseFTP, []string{"NOOP", "", "USER anonymous", "PASS x@y"}},
		{"NOOPs up to the bound then USER", ftp2121, seq([]gapStep{vsftpd}, noops(maxUndecided), login), parseFTP, nil},
		{"NOOPs past the bound", ftp2121, seq([]gapStep{vsftpd}, noops(maxUndecided+1), login), parseRejected, nil},
		{"QUIT only", ftp2121, []gapStep{vsftpd, cli("QUIT\r\n"), srv("221 Goodbye.\r\n")}, parseCandidate, nil},
		{"bare AUTH waits", ftp2121, []gapStep{vsftpd, cli("AUTH\r\n"), srv("504 Unknown AUTH type.\r\n")}, parseCandidate, nil},

		{"SMTP EHLO", smtp, []gapStep{srv("220 mail.example.com ESMTP Postfix\r\n"), cli("EHLO client.example.com\r\n"), srv("250-mail.example.com\r\n250 STARTTLS\r\n")}, parseRejected, nil},
		{"SMTP HELO", smtp, []gapStep{srv("220 mail.example.com ESMTP\r\n"), cli("HELO client\r\n"), srv("250 mail.example.com\r\n")}, parseRejected, nil},
		{"SMTP MAIL FROM", smtp, []gapStep{srv("220 mail.example.com ESMTP\r\n"), cli("MAIL FROM:<a@example.com>\r\n"), srv("503 5.5.1 Error: send HELO/EHLO first\r\n")}, parseRejected, nil},
		{"SMTP multi-line greeting", smtp, []gapStep{srv("220-mail.example.com ESMTP\r\n220 no UCE\r\n"), cli("EHLO x\r\n")}, parseRejected, nil},
		{"SMTP NOOP then EHLO", smtp, []gapStep{srv("220 mail ESMTP\r\n"), cli("NOOP\r\n"), srv("250 2.0.0 Ok\r\n"), cli("EHLO x\r\n")}, parseRejected, nil},
		{"SMTP HELP then QUIT", smtp, []gapStep{srv("220 mail ESMTP\r\n"), cli("HELP\r\n"), srv("214 2.0.0 https://www.ietf.org/rfc/rfc5321\r\n"), cli("QUIT\r\n"), srv("221 2.0.0 Bye\r\n")}, parseCandidate, nil},
		{"SMTP VRFY", smtp, []gapStep{srv("220 mail ESMTP\r\n"), cli("VRFY root\r\n")}, parseRejected, nil},
		{"SMTP RSET", smtp, []gapStep{srv("220 mail ESMTP\r\n"), cli("RSET\r\n")}, parseRejected, nil},
		{"SMTP NOOP then STARTTLS", smtp, []gapStep{srv("220 mail ESMTP\r\n"), cli("NOOP\r\n"), srv("250 2.0.0 Ok\r\n"), cli("STARTTLS\r\n")}, parseRejected, nil},
		{"SMTP AUTH PLAIN then MAIL", smtp, []gapStep{srv("220 mail ESMTP\r\n"), cli("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"), srv("503 5.5.1 Error: send HELO/EHLO first\r\n"), cli("MAIL FROM:<a@example.com>\r\n")}, parseRejected, nil},
		{"SMTP AUTH LOGIN", smtp, []gapStep{srv("220 mail ESMTP\r\n"), cli("AUTH LOGIN\r\n"), srv("334 VXNlcm5hbWU6\r\n"), cli("YWxpY2U=\r\n")}, parseRejected, nil},
		{"LMTP LHLO", smtp, []gapStep{srv("220 lmtp.example.com LMTP ready\r\n"), cli("LHLO client\r\n")}, parseRejected, nil},
		{"NNTP picked up at a 220", ftp2121, []gapStep{srv("220 3000234 <45223423@example.com>\r\n"), cli("STAT 3000235\r\n"), srv("223 3000235 <45223424@example.com>\r\n"), cli("ARTICLE\r\n")}, parseRejected, nil},
		{"NNTP MODE READER then GROUP", ftp2121, []gapStep{srv("220 3000234 <x@example.com>\r\n"), cli("MODE READER\r\n"), srv("200 Posting allowed\r\n"), cli("GROUP misc.test\r\n")}, parseRejected, nil},
		{"HTTP", ftp2121, []gapStep{srv("220 hello\r\n"), cli("GET / HTTP/1.1\r\n")}, parseRejected, nil},
		{"NOOP then binary", ftp2121, []gapStep{srv("220 hello\r\n"), cli("NOOP\r\n"), srv("200 ok\r\n"), cli("\x16\x03\x01\x00\xa5\x01\r\n")}, parseRejected, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, lines := detect(t, tt.server, tt.steps)
			if state != tt.want {
				t.Errorf("parser state %d, want %d (%d FTP, %d candidate, %d rejected, %d TLS)", state, tt.want, parseFTP, parseCandidate, parseRejected, parseTLS)
			}
			if tt.lines != nil && !slices.Equal(lines, tt.lines) {
				t.Errorf("client lines %q, want %q", lines, tt.lines)
			}
			if tt.want != parseFTP && tt.want != parseTLS && len(lines) != 0 {
				t.Errorf("not confirmed, yet client lines %q were reported", lines)
			}
		})
	}
}

// TestCandidateVerdict pins the verb lists of candidateVerdict.
func TestCandidateVerdict(t *testing.T) {
	tests := []struct {
		line string
		want lineVerdict
	}{
		{"USER bob", lineFTP}, {"PASS x", lineFTP}, {"FEAT", lineFTP}, {"OPTS UTF8 ON", lineFTP},
		{"SYST", lineFTP}, {"CLNT lftp", lineFTP}, {"HOST h", lineFTP}, {"LANG", lineFTP},
		{"PASV", lineFTP}, {"EPSV", lineFTP}, {"PWD", lineFTP}, {"TYPE I", lineFTP},
		{"AUTH TLS", lineFTP}, {"AUTH tls-c", lineFTP}, {"AUTH TLS-P", lineFTP}, {"AUTH SSL", lineFTP},
		{"AUTH GSSAPI", lineFTP}, {"AUTH KERBEROS_V4", lineFTP}, {"AUTH  TLS", lineFTP},
		{"HELP", lineUndecided}, {"NOOP", lineUndecided}, {"QUIT", lineUndecided},
		{"STAT", lineUndecided}, {"LIST", lineUndecided}, {"MODE READER", lineUndecided},
		{"AUTH", lineUndecided}, {"AUTH PLAIN AGFsaWNl", lineUndecided}, {"AUTH LOGIN", lineUndecided},
		{"AUTH TLSX", lineUndecided}, {"", lineUndecided}, {"  ", lineUndecided},
		{"EHLO x", lineNotFTP}, {"HELO x", lineNotFTP}, {"LHLO x", lineNotFTP}, {"MAIL FROM:<a@b>", lineNotFTP},
		{"RCPT TO:<a@b>", lineNotFTP}, {"DATA", lineNotFTP}, {"RSET", lineNotFTP}, {"VRFY x", lineNotFTP},
		{"EXPN x", lineNotFTP}, {"STARTTLS", lineNotFTP}, {"ETRN x", lineNotFTP}, {"ATRN", lineNotFTP},
		{"ARTICLE 1", lineNotFTP}, {"GROUP a.b", lineNotFTP}, {"CAPABILITIES", lineNotFTP},
		{"GET / HTTP/1.1", lineNotFTP}, {"x", lineNotFTP}, {"\x16\x03\x01", lineNotFTP},
	}
	for _, tt := range tests {
		cmd, err := ftp.ParseCommand([]byte(tt.line))
		if got := candidateVerdict(cmd, err); got != tt.want {
			t.Errorf("%q: verdict %d, want %d", tt.line, got, tt.want)
		}
	}
}

// TestContentDetectionPort2121: the three clients of
// control-port-2121.pcap (curl, lftp, ftplib) are all found without
// --control-port; lftp opens with FEAT and lists through PASV.
func TestContentDetectionPort2121(t *testing.T) {
	rec, _ := decodeFile(t, "../pcaps/real/control-port-2121.pcap", Options{})
	opens := map[netip.AddrPort]bool{}
	first := map[netip.AddrPort]string{}
	for _, e := range rec.control {
		switch {
		case e.Kind == ControlOpen:
			opens[e.Client] = e.ByContent
		case e.Kind == ControlCommand && first[e.Client] == "":
			first[e.Client] = e.Command.Verb
		}
	}
	lftp := netip.MustParseAddrPort("10.99.0.2:53336")
	if len(opens) != 3 || !opens[lftp] {
		t.Errorf("sessions found by content %v, want 3 with %v", opens, lftp)
	}
	if first[lftp] != "FEAT" {
		t.Errorf("lftp's first command %q, want FEAT", first[lftp])
	}
}
