package decode

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// controlSeen records, besides the events, whether any segment was taken
// from the data side (Segment.Control): a flow that is not FTP must never
// be.
type controlSeen struct {
	recorder
	controlSegs int
}

func (c *controlSeen) Segment(s *Segment) {
	c.recorder.Segment(s)
	if s.Control {
		c.controlSegs++
	}
}

// midstreamRun plays steps on a connection from convClient to server
// picked up mid-stream (no handshake) and returns what was reported.
func midstreamRun(t *testing.T, server netip.AddrPort, steps []gapStep) (*controlSeen, *Decoder) {
	t.Helper()
	rec := &controlSeen{}
	d := New(rec, Options{})
	v := &conv{t: t, d: d, c: convClient, s: server, cseq: 1000, sseq: 5000, ts: convT0}
	for _, s := range steps {
		if s.server {
			v.srv(s.text)
		} else {
			v.cli(s.text)
		}
	}
	return rec, d
}

// TestMidstreamContentDetection guards the mid-stream pickup of FTP on a
// port that is not a control port: a session on 2121 captured without
// its SYN and greeting (midstream2121.pcap: CWD, TYPE, PASV, RETR) gave
// "0 sessions", while the same on port 21 was followed. It is FTP once
// the client sent a command only FTP has and the server answered two of
// its lines with numbered replies; SMTP, POP3, NNTP, IMAP, HTTP and
// binary picked up mid-stream are not, and none of their segments is
// taken from the data side.
func TestMidstreamContentDetection(t *testing.T) {
	p2121 := netip.MustParseAddrPort("192.0.2.10:2121")
	smtp := netip.MustParseAddrPort("192.0.2.10:25")
	pop3 := netip.MustParseAddrPort("192.0.2.10:110")
	nntp := netip.MustParseAddrPort("192.0.2.10:119")
	imap := netip.MustParseAddrPort("192.0.2.10:143")
	http := netip.MustParseAddrPort("192.0.2.10:8080")
	ftpSession := []gapStep{
		cli("CWD /pub\r\n"), srv("250 CWD command successful.\r\n"),
		cli("TYPE I\r\n"), srv("200 Type set to I.\r\n"),
		cli("PASV\r\n"), srv("227 Entering Passive Mode (192,0,2,10,195,99).\r\n"),
		cli("RETR a.bin\r\n"), srv("150 Opening BINARY mode data connection for a.bin (4000 bytes).\r\n"), srv("226 Transfer complete.\r\n"),
		cli("QUIT\r\n"), srv("221 Goodbye.\r\n"),
	}
	tests := []struct {
		name   string
		server netip.AddrPort
		steps  []gapStep
		ftp    bool
		lines  []string // client commands reported, when FTP
	}{
		{"FTP on 2121", p2121, ftpSession, true, []string{"CWD", "TYPE", "PASV", "RETR", "QUIT"}},
		{"FTP on 2121, lower case", p2121, []gapStep{
			cli("cwd /pub\r\n"), srv("250 OK.\r\n"), cli("pwd\r\n"), srv("257 \"/pub\"\r\n"),
		}, true, []string{"CWD", "PWD"}},
		{"FTP picked up at a reply", p2121, []gapStep{
			srv("226 Transfer complete.\r\n"),
			cli("TYPE A\r\n"), srv("200 Switching to ASCII mode.\r\n"),
			cli("EPSV\r\n"), srv("229 Entering Extended Passive Mode (|||50020|)\r\n"),
			cli("LIST\r\n"), srv("150 Here comes the directory listing.\r\n"), srv("226 Directory send OK.\r\n"),
		}, true, []string{"TYPE", "EPSV", "LIST"}},
		{"FTP picked up inside a multi-line reply", p2121, []gapStep{
			srv(" MDTM\r\n UTF8\r\n211 End\r\n"),
			cli("SIZE a.bin\r\n"), srv("213 4000\r\n"),
			cli("MDTM a.bin\r\n"), srv("213 20260101000000\r\n"),
		}, true, []string{"SIZE", "MDTM"}},
		{"FTP client only, no reply yet", p2121, []gapStep{cli("CWD /pub\r\n"), cli("TYPE I\r\n")}, false, nil},
		{"FTP, one exchange only", p2121, []gapStep{cli("CWD /pub\r\n"), srv("250 OK.\r\n")}, false, nil},
		// Only verbs FTP shares with other text protocols, answered by
		// numbers, again and again: given up, not parsed and held for
		// ever, even if an FTP-only verb comes later.
		{"shared verbs only, answered by numbers", p2121, []gapStep{
			cli("STAT 1\r\n"), srv("223 ok\r\n"), cli("STAT 2\r\n"), srv("223 ok\r\n"),
			cli("STAT 3\r\n"), srv("223 ok\r\n"), cli("STAT 4\r\n"), srv("223 ok\r\n"),
			cli("CWD /pub\r\n"), srv("250 OK.\r\n"), cli("PWD\r\n"), srv("257 \"/pub\"\r\n"),
		}, false, nil},

		{"SMTP envelope", smtp, []gapStep{
			cli("RCPT TO:<b@example.com>\r\n"), srv("250 2.1.5 Ok\r\n"),
			cli("DATA\r\n"), srv("354 End data with <CR><LF>.<CR><LF>\r\n"),
		}, false, nil},
		{"SMTP NOOP and QUIT", smtp, []gapStep{
			cli("NOOP\r\n"), srv("250 2.0.0 Ok\r\n"), cli("NOOP\r\n"), srv("250 2.0.0 Ok\r\n"),
			cli("HELP\r\n"), srv("214 2.0.0 https://www.ietf.org/rfc/rfc5321\r\n"), cli("QUIT\r\n"), srv("221 2.0.0 Bye\r\n"),
		}, false, nil},
		{"SMTP picked up at a reply", smtp, []gapStep{
			srv("250 2.1.0 Ok\r\n"), cli("MAIL FROM:<a@example.com>\r\n"), srv("250 2.1.0 Ok\r\n"), cli("RCPT TO:<b@example.com>\r\n"),
		}, false, nil},
		{"POP3", pop3, []gapStep{
			cli("USER bob\r\n"), srv("+OK\r\n"), cli("PASS secret\r\n"), srv("+OK logged in\r\n"),
			cli("STAT\r\n"), srv("+OK 2 320\r\n"), cli("LIST\r\n"), srv("+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n"),
		}, false, nil},
		{"POP3 body with reply-like lines", pop3, []gapStep{
			cli("RETR 1\r\n"), srv("+OK 120 octets\r\n"), srv("200 apples\r\n300 pears\r\n.\r\n"),
			cli("DELE 1\r\n"), srv("+OK deleted\r\n"), cli("RETR 2\r\n"), srv("+OK\r\n250 ok\r\n.\r\n"),
		}, false, nil},
		{"NNTP", nntp, []gapStep{
			cli("GROUP misc.test\r\n"), srv("211 1234 3000234 3002322 misc.test\r\n"),
			cli("ARTICLE 3000234\r\n"), srv("220 3000234 <45223423@example.com>\r\n"),
		}, false, nil},
		{"NNTP shared verbs", nntp, []gapStep{
			cli("MODE READER\r\n"), srv("200 Posting allowed\r\n"), cli("LIST\r\n"), srv("215 list follows\r\n.\r\n"),
			cli("STAT 3000234\r\n"), srv("223 3000234 <x@example.com>\r\n"),
		}, false, nil},
		{"IMAP", imap, []gapStep{cli("a001 LOGIN bob secret\r\n"), srv("a001 OK LOGIN completed\r\n"), cli("a002 SELECT INBOX\r\n"), srv("* 18 EXISTS\r\n")}, false, nil},
		{"HTTP", http, []gapStep{
			cli("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), srv("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
		}, false, nil},
		{"HTTP body that starts like a reply", http, []gapStep{
			srv("200 apples\r\n300 pears\r\n"), cli("GET /list HTTP/1.1\r\nHost: example.com\r\n\r\n"), srv("HTTP/1.1 200 OK\r\n\r\n"),
		}, false, nil},
		{"binary", http, []gapStep{cli("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1"), srv("\x16\x03\x03\x00\x5d\x02\x00\x00\x59"), cli("\x00\x01RETR \xff\r\n")}, false, nil},
		// Past maxProbeBytes undecided it is rejected: the FTP-like lines
		// after it do not make it FTP.
		{"bulk text past the bound", p2121, []gapStep{
			srv("100 lines of a text file\r\n"), srv(strings.Repeat("some text of a file sent on a data connection\r\n", 400)),
			cli("TYPE I\r\n"), srv("200 ok\r\n"), cli("TYPE A\r\n"), srv("200 ok\r\n"),
		}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, d := midstreamRun(t, tt.server, tt.steps)
			var opens []ControlEvent
			var lines []string
			for _, e := range rec.control {
				switch e.Kind {
				case ControlOpen:
					opens = append(opens, e)
				case ControlCommand:
					lines = append(lines, e.Command.Verb)
				}
			}
			if !tt.ftp {
				if len(rec.control) != 0 || rec.controlSegs != 0 {
					t.Errorf("taken for FTP: %d events, %d segments taken from the data side", len(rec.control), rec.controlSegs)
					dumpEvents(t, &rec.recorder)
				}
				return
			}
			if len(opens) != 1 {
				t.Fatalf("%d ControlOpen, want 1", len(opens))
			}
			if o := opens[0]; !o.Midstream || !o.ByContent || o.Client != convClient || o.Server != tt.server {
				t.Errorf("open: midstream %v, by content %v, %s -> %s; want mid-stream by content %s -> %s", o.Midstream, o.ByContent, o.Client, o.Server, convClient, tt.server)
			}
			if !slices.Equal(lines, tt.lines) {
				t.Errorf("commands %q, want %q", lines, tt.lines)
			}
			if d.ctl.candidates != 0 {
				t.Errorf("%d candidates left counted, want 0", d.ctl.candidates)
			}
		})
	}
}

// TestMidstreamCandidatesBounded: mid-stream candidates count against
// Options.MaxCandidates as greeting candidates do, and what they hold
// back goes with them.
func TestMidstreamCandidatesBounded(t *testing.T) {
	rec := &controlSeen{}
	d := New(rec, Options{MaxCandidates: 3})
	for i := range 10 {
		c := netip.AddrPortFrom(convClient.Addr(), uint16(40000+i))
		v := &conv{t: t, d: d, c: c, s: netip.MustParseAddrPort("192.0.2.10:2121"), cseq: 1000, sseq: 5000, ts: convT0}
		v.cli("CWD /pub\r\n")
	}
	if d.ctl.candidates != 3 || len(d.ctl.probes) != 3 {
		t.Errorf("%d candidates, %d probes; want 3 and 3", d.ctl.candidates, len(d.ctl.probes))
	}
	if d.stats.CandidatesFull != 7 {
		t.Errorf("CandidatesFull %d, want 7", d.stats.CandidatesFull)
	}
}

// TestStartsMidstream: which first bytes make a connection on another
// port a mid-stream candidate, and that asking allocates nothing.
func TestStartsMidstream(t *testing.T) {
	tests := []struct {
		p              string
		ok, fromClient bool
	}{
		{"RETR a.bin\r\n", true, true},
		{"pasv\r\n", true, true},
		{"PWD\n", true, true},
		{"CWD /pub\r\n", true, true},
		{"227 Entering Passive Mode", true, false},
		{"150-Opening", true, false},
		{"GET / HTTP/1.1\r\n", false, false},
		{"HTTP/1.1 200 OK\r\n", false, false},
		{"EHLO x\r\n", false, false},
		{"+OK\r\n", false, false},
		{"a001 LOGIN", false, false},
		{"RETRIEVE x", false, false},
		{"RETR", false, false},
		{"999 x", false, false},
		{"22 x", false, false},
		{"\x16\x03\x01\x00", false, false},
	}
	for _, tt := range tests {
		fromClient, ok := startsMidstream([]byte(tt.p))
		if ok != tt.ok || ok && fromClient != tt.fromClient {
			t.Errorf("startsMidstream(%q) = %v, %v; want %v, %v", tt.p, fromClient, ok, tt.fromClient, tt.ok)
		}
	}
	p := []byte("retr a.bin\r\n")
	if n := testing.AllocsPerRun(100, func() { startsMidstream(p) }); n != 0 {
		t.Errorf("startsMidstream allocates %.0f times", n)
	}
}

// TestMidstreamNoAllocNonFTP: packets of a connection on another port
// that is not FTP allocate nothing: one never taken as a candidate, and
// one rejected.
func TestMidstreamNoAllocNonFTP(t *testing.T) {
	for _, tt := range []struct {
		name   string
		server netip.AddrPort
		first  []gapStep
		cp, sp string
	}{
		{"HTTP", netip.MustParseAddrPort("192.0.2.10:8080"), nil, "GET /x HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n"},
		{"SMTP rejected", netip.MustParseAddrPort("192.0.2.10:25"),
			[]gapStep{cli("RCPT TO:<b@example.com>\r\n"), srv("250 2.1.5 Ok\r\n"), cli("DATA\r\n"), srv("354 go on\r\n")},
			"RCPT TO:<c@example.com>\r\n", "250 2.1.5 Ok\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &controlSeen{}
			d := New(rec, Options{})
			v := &conv{t: t, d: d, c: convClient, s: tt.server, cseq: 1000, sseq: 5000, ts: convT0}
			for _, s := range tt.first {
				if s.server {
					v.srv(s.text)
				} else {
					v.cli(s.text)
				}
			}
			if n := allocsPerPair(t, v, tt.cp, tt.sp); n != 0 {
				t.Errorf("%.1f allocations per segment pair", n)
			}
			if len(rec.control) != 0 {
				t.Errorf("taken for FTP")
			}
		})
	}
}
