package decode

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"testing"
)

// TestMidstreamPickupInsideALine: a connection on a port that is not a
// control port whose first captured segment begins inside a line (the
// pickup cut it) is judged by the segment's first whole line, as on port
// 21: "ub\r\nCWD /pub" and "rectory changed.\r\n227 Entering..." were
// never looked at again, the session lost its CWD, or its 227 and with it
// its data connection. What is not FTP stays so, however its segments
// are cut.
func TestMidstreamPickupInsideALine(t *testing.T) {
	p2121 := netip.MustParseAddrPort("192.0.2.10:2121")
	smtp := netip.MustParseAddrPort("192.0.2.10:25")
	http := netip.MustParseAddrPort("192.0.2.10:8080")
	tests := []struct {
		name  string
		srv   netip.AddrPort
		steps []gapStep
		ftp   bool
		lines []string // client commands, then server replies' codes
	}{
		{"client line cut", p2121, []gapStep{
			cli("ub\r\nCWD /pub\r\n"), srv("250 Directory changed.\r\n"),
			cli("TYPE I\r\n"), srv("200 Binary.\r\n"),
			cli("PASV\r\n"), srv("227 Entering Passive Mode (192,0,2,10,156,64).\r\n"),
		}, true, []string{"CWD", "250", "TYPE", "200", "PASV", "227"}},
		{"server line cut", p2121, []gapStep{
			srv("rectory changed.\r\n227 Entering Passive Mode (192,0,2,10,156,64).\r\n"),
			cli("RETR a.txt\r\n"), srv("150 Opening.\r\n"), srv("226 Done.\r\n"),
			cli("QUIT\r\n"), srv("221 Bye.\r\n"),
		}, true, []string{"227", "RETR", "150", "226", "QUIT", "221"}},
		{"SMTP cut inside a line", smtp, []gapStep{
			cli("ple.com>\r\nRCPT TO:<b@example.com>\r\n"), srv("250 2.1.5 Ok\r\n"),
			cli("DATA\r\n"), srv("354 End data with <CR><LF>.<CR><LF>\r\n"),
			cli("tail of a body line\r\nQUIT\r\n"), srv("221 2.0.0 Bye\r\n"),
		}, false, nil},
		{"SMTP shared verbs cut inside a line", smtp, []gapStep{
			cli("om>\r\nNOOP\r\n"), srv("250 2.0.0 Ok\r\n"), cli("NOOP\r\n"), srv("250 2.0.0 Ok\r\n"),
			cli("HELP\r\n"), srv("214 2.0.0 help\r\n"), cli("QUIT\r\n"), srv("221 2.0.0 Bye\r\n"),
		}, false, nil},
		{"HTTP bodies with reply-like lines", http, []gapStep{
			srv("ml>\r\n200 apples\r\n300 pears\r\n"), cli("x\r\nGET /list HTTP/1.1\r\nHost: example.com\r\n\r\n"),
			srv("HTTP/1.1 200 OK\r\n\r\n200 a\r\n"), cli("t: */*\r\nRETR x\r\n"), srv("k\r\n250 b\r\n"),
		}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, _ := midstreamRun(t, tt.srv, tt.steps)
			var opens int
			var lines []string
			for _, e := range rec.control {
				switch e.Kind {
				case ControlOpen:
					opens++
					if !e.Midstream || !e.ByContent || e.Client != convClient || e.Server != tt.srv {
						t.Errorf("open: midstream %v, by content %v, %s -> %s", e.Midstream, e.ByContent, e.Client, e.Server)
					}
				case ControlCommand:
					lines = append(lines, e.Command.Verb)
				case ControlReply:
					lines = append(lines, strconv.Itoa(e.Reply.Code))
				}
			}
			if !tt.ftp {
				if len(rec.control) != 0 || rec.controlSegs != 0 {
					t.Errorf("taken for FTP: %d events, %d segments taken from the data side", len(rec.control), rec.controlSegs)
					dumpEvents(t, &rec.recorder)
				}
				return
			}
			if opens != 1 || !slices.Equal(lines, tt.lines) {
				t.Errorf("%d opens, lines %q; want 1, %q", opens, lines, tt.lines)
			}
		})
	}
}

// TestStartsMidstreamInsideALine: a segment that does not begin a line
// may begin one after its first line end, if what comes before is the
// text of a line's tail within a line's length; binary before the line
// end, or the line end past that length, is not FTP.
func TestStartsMidstreamInsideALine(t *testing.T) {
	long := make([]byte, maxMidstreamHead+1)
	for i := range long {
		long[i] = 'x'
	}
	tests := []struct {
		p              string
		ok, fromClient bool
	}{
		{"ub\r\nCWD /pub\r\n", true, true},
		{"rectory changed.\r\n227 Entering Passive Mode", true, false},
		{"\r\nPASV\r\n", true, true},
		{"\nPASV\r\n", true, true},
		{"x\n150-Opening", true, false},
		{"ory/\xc3\xa9t\xc3\xa9\tx\r\nRETR a\r\n", true, true}, // UTF-8 and a tab: text
		{"ub\r\n", false, false},
		{"ub\r\nxyz\r\nCWD /pub\r\n", false, false}, // only the first line end counts
		{"ub\r\nGET / HTTP/1.1\r\n", false, false},
		{"ml>\r\nHost: x\r\n", false, false},
		{"ml>\r\n999 x", false, false},
		{"\x00\x01RETR \xff\r\nPASV\r\n", false, false},
		{"a\x1b[0m\r\n227 x", false, false},
		{"no line end at all", false, false},
		{string(long) + "\r\nPASV\r\n", false, false},
		{string(long[:maxMidstreamHead-2]) + "\r\nPASV\r\n", true, true},
	}
	for _, tt := range tests {
		fromClient, ok := startsMidstream([]byte(tt.p))
		if ok != tt.ok || ok && fromClient != tt.fromClient {
			t.Errorf("startsMidstream(%.40q) = %v, %v; want %v, %v", tt.p, fromClient, ok, tt.fromClient, tt.ok)
		}
	}
	p := []byte("rectory changed.\r\n227 Entering Passive Mode")
	if n := testing.AllocsPerRun(100, func() { startsMidstream(p) }); n != 0 {
		t.Errorf("startsMidstream allocates %.0f times", n)
	}
}

// TestMidstreamRandomBytesNotFTP: random payloads on another port, with
// line ends and FTP-like lines sown among them, make no session and take
// no segment from the data side.
func TestMidstreamRandomBytesNotFTP(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	bits := []string{"\r\n", "\n", "227 ", "PASV\r\n", "RETR ", "200 ok\r\n", "150-"}
	seg := func() string {
		b := make([]byte, 0, 600)
		for len(b) < 500 {
			if r.IntN(8) == 0 {
				b = append(b, bits[r.IntN(len(bits))]...)
			} else {
				b = append(b, byte(r.IntN(256)))
			}
		}
		return string(b)
	}
	for i := range 50 {
		var steps []gapStep
		for range 8 {
			steps = append(steps, cli(seg()), srv(seg()))
		}
		rec, _ := midstreamRun(t, netip.MustParseAddrPort("192.0.2.10:8080"), steps)
		if len(rec.control) != 0 || rec.controlSegs != 0 {
			t.Fatalf("run %d taken for FTP: %d events, %d segments taken from the data side", i, len(rec.control), rec.controlSegs)
		}
	}
}
