package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/decode/ftp"
)

// cutPORT is a PORT whose line the capture cut inside its last number
// (tcpdump -s 73 keeps "PORT 10,0,0,2,156,6" of "...,156,65"), as decode
// reports it: the command, its endpoint not taken (ErrEndpointCut), and
// the gap of the rest of the line in the same packet.
func (w *wire) cutPORT(arg string, lost int) {
	w.ctl(decode.ControlEvent{Kind: decode.ControlCommand, FromClient: true, Command: ftp.Command{Verb: "PORT", Arg: arg},
		Endpoint: decode.Endpoint{Via: ftp.ViaPORT}, EndpointErr: decode.ErrEndpointCut})
	e := decode.ControlEvent{Kind: decode.ControlGap, FromClient: true, Gap: lost, Num: w.num, TS: w.now, Client: w.cli, Server: w.srv}
	w.trk.Control(&e)
}

// TestCutPORTIsAnAnnouncementNotWhole guards the diagnosis of a PORT the
// capture cut inside its last number: it is an announcement the capture
// does not hold whole, counted once, whatever commands come between it
// and the transfer, and a 425 after it does not send the reader to the
// firewall. Before, only a passive announcement could be cut: a PORT was
// counted only when the transfer came right after its gap
// (announcementLost), so a NOOP between them made the verdict and the
// 425's advice look at the firewall.
func TestCutPORTIsAnAnnouncementNotWhole(t *testing.T) {
	login := func(w *wire) {
		w.reply(220, "(vsFTPd 3.0.3)")
		w.cmd("USER anonymous")
		w.reply(331, "Please specify the password.")
		w.cmd("PASS guest@")
		w.reply(230, "Login successful.")
	}
	for _, tc := range []struct {
		name      string
		run       func(w *wire)
		verdict   string
		advice425 string
	}{
		{"a NOOP between the cut PORT and the LIST refused", func(w *wire) {
			login(w)
			w.cutPORT("10,0,0,2,156,6", 3)
			w.reply(200, "PORT command successful.")
			w.cmd("NOOP")
			w.reply(200, "NOOP ok.")
			w.cmd("LIST")
			w.reply(425, "Unable to build data connection")
		}, "1 was cut short", "does not hold this transfer's data endpoint announcement whole"},
		{"the transfer right after the cut PORT: counted once", func(w *wire) {
			login(w)
			w.cutPORT("10,0,0,2,156,6", 3)
			w.reply(200, "PORT command successful.")
			w.cmd("RETR f.txt")
			w.reply(425, "Unable to build data connection")
		}, "1 was cut short", "does not hold this transfer's data endpoint announcement whole"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "198.51.100.7:50000", "192.0.2.10:21")
			tc.run(w)
			w.end()
			sums := w.d.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries", len(sums))
			}
			if v := sums[0].Verdict; !strings.Contains(v, tc.verdict) {
				t.Errorf("verdict lacks %q:\n%s", tc.verdict, v)
			}
			f := w.c.find(CodeServerDataError)
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatal("no server-data-error")
			}
			if !strings.Contains(f.Advice, tc.advice425) {
				t.Errorf("server-data-error advice: %s", f.Advice)
			}
		})
	}
}
