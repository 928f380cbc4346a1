package diagnose

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// TestUnreachableLostSYNFinding: the same for an ICMP error quoting a SYN
// the capture lost: the unreachable finding, saying so.
func TestUnreachableLostSYNFinding(t *testing.T) {
	w := newWire(t, "10.0.0.2:50000", "10.0.0.1:21")
	w.reply(220, "(vsFTPd 3.0.3)")
	w.cmd("USER anonymous")
	w.reply(331, "Please specify the password.")
	w.cmd("PASS x@y")
	w.reply(230, "Login successful.")
	w.cmd("PASV")
	w.reply(227, "Entering Passive Mode (10,0,0,1,156,64).")
	w.next()
	u := decode.Unreachable{Num: w.num, TS: w.now, From: ap("10.0.0.254:0").Addr(), Type: 3, Code: 13, Src: ap("10.0.0.2:50001"), Dst: ap("10.0.0.1:40000"), Seq: 7777}
	w.trk.Unreachable(&u)
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.end()
	if f := w.c.find(CodeDataNotAttempted); f != nil {
		t.Errorf("data-not-attempted for a connection an ICMP error answered: %s", f.Message)
	}
	f := w.c.find(CodeDataUnreachable)
	if f == nil {
		dumpFindings(t, w.c)
		t.Fatal("no data-unreachable finding")
	}
	all := f.Message + " | " + f.Evidence
	for _, want := range []string{"lost the SYN", "the SYN not in the capture", fmt.Sprintf("(packet %d)", u.Num)} {
		if !strings.Contains(all, want) {
			t.Errorf("%q missing from %q", want, all)
		}
	}
	for _, bad := range []string{"0 SYNs", "packet 0"} {
		if strings.Contains(all, bad) {
			t.Errorf("%q in %q", bad, all)
		}
	}
}

// TestRefusalOfALostSYNFinding guards the finding for a data connection
// known by its refusal alone (the capture lost the SYN, not the RST+ACK
// that answered it): the refusal's finding with its advice, saying the SYN
// is not in the capture, never "never connected" nor "no SYN of it
// reached the capture point", and no evidence of SYNs it does not have.
func TestRefusalOfALostSYNFinding(t *testing.T) {
	for _, tc := range []struct {
		name     string
		announce func(w *wire)
		rstFrom  string
		rstTo    string
		code     string
	}{
		{"passive", func(w *wire) {
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (10,0,0,1,156,64).")
		}, "10.0.0.1:40000", "10.0.0.2:50001", CodeDataRefused},
		{"active", func(w *wire) {
			a, _ := ftp.ParsePORT("10,0,0,2,195,81")
			w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "PORT", Arg: "10,0,0,2,195,81"},
				Endpoint: decode.Endpoint{Via: ftp.ViaPORT, Addr: a}})
			w.reply(200, "PORT command successful.")
			w.cmd("LIST")
		}, "10.0.0.2:50001", "10.0.0.1:20", CodeActiveBlocked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "10.0.0.2:50000", "10.0.0.1:21")
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER anonymous")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS x@y")
			w.reply(230, "Login successful.")
			tc.announce(w)
			w.next()
			rst := decode.Segment{Num: w.num, TS: w.now, Src: ap(tc.rstFrom), Dst: ap(tc.rstTo), Flags: decode.FlagRST | decode.FlagACK, Ack: 7778}
			w.trk.Segment(&rst)
			if tc.code == CodeActiveBlocked {
				w.reply(425, "Failed to establish connection.")
			}
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
			w.end()
			if f := w.c.find(CodeDataNotAttempted); f != nil {
				t.Errorf("data-not-attempted for a refused connection: %s", f.Message)
			}
			f := w.c.find(tc.code)
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatalf("no %s finding", tc.code)
			}
			all := f.Message + " | " + f.Evidence
			for _, want := range []string{"RST", "lost the SYN", "its SYN not in the capture"} {
				if !strings.Contains(all, want) {
					t.Errorf("%q missing from %q", want, all)
				}
			}
			for _, bad := range []string{"0 SYNs", "packet 0", "no SYN of it reached", "never connected"} {
				if strings.Contains(all, bad) {
					t.Errorf("%q in %q", bad, all)
				}
			}
			if f.Advice == "" {
				t.Error("no advice")
			}
		})
	}
}
