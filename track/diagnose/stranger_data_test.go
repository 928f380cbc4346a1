package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
)

// TestStrangerConnectionNotTheClients guards the 425 that follows a
// connection another address made to the announced port (a connect scan
// of the passive range: SYN, SYN-ACK, ACK, RST), matched by the port
// alone: server-data-error said "after the client's data connection had
// reached it ... no firewall dropped it ... the network path of the data
// connection works", while nothing says the client's own connection ever
// came. It names the other address and claims no working path; a SYN
// scan's one SYN, answered by SYN-ACK and never acknowledged, is given
// back (the announcement is not attempted). Another address's SYN refused
// by RST is the data connection refused (TestStrangerDataFailureKept).
func TestStrangerConnectionNotTheClients(t *testing.T) {
	stray, dsrv := ap("203.0.113.9:31367"), ap("10.0.0.1:40000")
	for _, tc := range []struct {
		name     string
		run      func(w *wire)
		code     string
		want     []string
		bad      []string
		notCodes []string
	}{
		{"a connect scan's completed handshake, then the 425", func(w *wire) {
			w.cmd("LIST")
			w.segAck(stray, dsrv, decode.FlagSYN, 777, 0)
			w.segAck(dsrv, stray, decode.FlagSYN|decode.FlagACK, 9000, 778)
			w.segAck(stray, dsrv, decode.FlagACK, 778, 9001)
			w.segAck(stray, dsrv, decode.FlagRST|decode.FlagACK, 778, 9001)
			w.wait(15 * time.Second)
			w.reply(425, "Failed to establish connection.")
		}, CodeServerDataError,
			[]string{"203.0.113.9, another address than the client's 10.0.0.2"},
			[]string{"the client's data connection had reached it", "path of the data connection works", "no firewall dropped it"}, nil},
		{"a SYN scan's SYN-ACK and the scanner's RST, then the 425", func(w *wire) {
			w.cmd("LIST")
			w.segAck(stray, dsrv, decode.FlagSYN, 777, 0)
			w.segAck(dsrv, stray, decode.FlagSYN|decode.FlagACK, 9000, 778)
			w.segAck(stray, dsrv, decode.FlagRST, 778, 0)
			w.wait(15 * time.Second)
			w.reply(425, "Failed to establish connection.")
		}, CodeDataNotAttempted, nil, []string{"203.0.113.9", "no firewall dropped it", "path of the data connection works"}, []string{CodeDataRefused}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "10.0.0.2:50000", "10.0.0.1:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER anonymous")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS x@y")
			w.reply(230, "Login successful.")
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (10,0,0,1,156,64).")
			tc.run(w)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			for _, c := range tc.notCodes {
				if f := w.c.find(c); f != nil {
					t.Errorf("%s: %s", c, f.Message)
				}
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
			for _, s := range tc.bad {
				if strings.Contains(all, s) {
					t.Errorf("%q in %q", s, all)
				}
			}
		})
	}
}
