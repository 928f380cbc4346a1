package diagnose

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode/ftp"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestFinalReply250IsNoFinding: z/OS answers every transfer with "250
// Transfer completed successfully.", which RFC 959's reply sequences
// allow for RETR, STOR and LIST (226 and 250): no unusual-final-reply
// for a client that went on (each read "make the server answer 226",
// which z/OS cannot, and the repeats "again, as above" of text naming
// the RETR). A code RFC 959 does not list is still noted, its fix naming
// that code.
func TestFinalReply250IsNoFinding(t *testing.T) {
	build := func(code int) *track.Session {
		s := sess("10.1.1.50:55000", "10.1.1.1:21")
		s.Greeting = []track.Reply{{Code: 220, Text: "FTPD1 IBM FTP CS V2R4 at MVS1.EXAMPLE.COM", TS: t0, Num: 4}}
		for i, verb := range []string{"RETR", "STOR", "LIST"} {
			num := uint64(20 + 20*i)
			port := 1033 + i
			dc := announce(s, num, "PASV", ftp.ViaPASV, "10.1.1.1:"+strconv.Itoa(port), 227, "Entering Passive Mode (10,1,1,1,4,"+strconv.Itoa(9+i)+")")
			x := &track.Command{Index: len(s.Commands) + 1, TS: at(int(num) + 2), Num: num + 2, Verb: verb, Arg: "X", Status: track.StatusAnswered,
				Replies: []track.Reply{{Code: 125, Text: "Sending data set", TS: at(int(num) + 3), Num: num + 3},
					{Code: code, Text: "Transfer completed successfully.", TS: at(int(num) + 9), Num: num + 9}}}
			s.Commands = append(s.Commands, x)
			syn(dc, "10.1.1.50:"+strconv.Itoa(55001+i), "10.1.1.1:"+strconv.Itoa(port), num+4, 1, 0)
			dc.SynAckTS, dc.Match, dc.Outcome = at(int(num)+5), track.MatchExact, track.OutcomeTransferred
			dc.Command, x.Transfer = x, []*track.DataConn{dc}
		}
		cmd(s, 100, "QUIT", "", 221, "Quit command received. Goodbye.")
		s.CommandCount = len(s.Commands)
		return s
	}
	c, _ := feed(policy.Policy{}, build(250))
	none(t, c, CodeUnusualFinalReply)

	c, _ = feed(policy.Policy{}, build(200))
	n := 0
	for _, f := range c.fs {
		if f.Code != CodeUnusualFinalReply {
			continue
		}
		n++
		if f.Severity != SeverityInfo || strings.Contains(f.Message, "RETR") || !strings.Contains(f.Advice, "accept 200") {
			t.Errorf("%s %s | %s", f.Severity, f.Message, f.Advice)
		}
	}
	if n != 3 {
		t.Errorf("%d unusual-final-reply for three transfers ended by 200, want 3", n)
	}
}
