package diagnose

import (
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
)

// cutGap reports n bytes of the server's stream missing from the
// capture at the packet of the reply before it: the rest of a segment
// the snap length cut (Cut).
func (w *wire) cutGap(n int) {
	e := decode.ControlEvent{Kind: decode.ControlGap, FromClient: false, Gap: n, Cut: true, Num: w.num, TS: w.now, Client: w.cli, Server: w.srv}
	w.trk.Control(&e)
}

// TestCutAnnouncementsAreNotNoneAnnounced guards the verdict and the
// advice where the capture did not hold the data endpoint announcements
// whole. A snap length shorter than the packets (tcpdump -s 96) cuts a
// 227 after "(10," and the decoder reports the rest as a gap in the
// same packet: the endpoint is unreadable, and the verdict may not say
// that none was announced; it says they were cut and to capture whole
// packets. A 425 for a transfer whose PORT a client gap took, or whose
// PASV's reply a server gap took, may not send the reader to the
// firewall for the data ports. A server's own
// malformed 227, whole, and a session with no gap keep their verdicts.
func TestCutAnnouncementsAreNotNoneAnnounced(t *testing.T) {
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
		verdict   []string // in the verdict
		notVerd   []string // not in the verdict
		advice425 string   // in the server-data-error's advice, when one is expected
		not425    string   // not in it
	}{
		{"227 cut by the snap length", func(w *wire) {
			login(w)
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (10,")
			w.cutGap(17)
		}, []string{"not whole in the capture", "1 was cut short", "tcpdump -s 0"}, []string{"no data connections were announced"}, "", ""},
		{"two 227s cut", func(w *wire) {
			login(w)
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (10,")
			w.cutGap(17)
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (10,")
			w.cutGap(17)
		}, []string{"2 were cut short"}, []string{"no data connections were announced"}, "", ""},
		{"control bytes lost, nothing announced in what is left", func(w *wire) {
			login(w)
			w.gap(false, 40)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
		}, []string{"no data endpoint announcement is in the capture, but it lost bytes of the server's replies", "tcpdump -s 0"}, []string{"no data connections were announced"}, "", ""},
		{"PORT lost in a client gap, the LIST refused with 425", func(w *wire) {
			login(w)
			w.gap(true, 8)
			w.reply(200, "PORT command successful.")
			w.cmd("LIST")
			w.reply(425, "Unable to build data connection")
		}, []string{"not whole in the capture"}, nil, "does not hold this transfer's data endpoint announcement whole", "look at the firewall"},
		{"227 lost in a server gap, the RETR refused with 425", func(w *wire) {
			login(w)
			w.cmd("PASV")
			w.gap(false, 48)
			w.cmd("RETR b.bin")
			w.reply(425, "Failed to establish connection.")
		}, nil, nil, "does not hold this transfer's data endpoint announcement whole", "look at the firewall"},
		{"only the client's stream lost bytes: a 227 would show, none announced", func(w *wire) {
			login(w)
			w.gap(true, 15)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
		}, []string{"no data connections were announced"}, nil, "", ""},
		{"no gap, no announcement: none announced", func(w *wire) {
			login(w)
			w.cmd("QUIT")
			w.reply(221, "Goodbye.")
		}, []string{"no data connections were announced"}, nil, "", ""},
		{"no gap, LIST without announcement: the firewall advice stays", func(w *wire) {
			login(w)
			w.cmd("LIST")
			w.reply(425, "Unable to build data connection")
		}, nil, []string{"not whole"}, "look at the firewall", "does not hold"},
		{"a whole malformed 227 is not cut", func(w *wire) {
			login(w)
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (10,")
		}, nil, []string{"not whole", "lost bytes"}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWire(t, "198.51.100.7:50000", "192.0.2.10:21")
			tc.run(w)
			w.end()
			sums := w.d.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d summaries", len(sums))
			}
			v := sums[0].Verdict
			for _, s := range tc.verdict {
				if !strings.Contains(v, s) {
					t.Errorf("verdict lacks %q:\n%s", s, v)
				}
			}
			for _, s := range tc.notVerd {
				if strings.Contains(v, s) {
					t.Errorf("verdict says %q:\n%s", s, v)
				}
			}
			if tc.advice425 == "" {
				return
			}
			f := w.c.find(CodeServerDataError)
			if f == nil {
				dumpFindings(t, w.c)
				t.Fatal("no server-data-error")
			}
			if !strings.Contains(f.Advice, tc.advice425) || strings.Contains(f.Advice, tc.not425) {
				t.Errorf("server-data-error advice: %s", f.Advice)
			}
		})
	}
}
