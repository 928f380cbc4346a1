package diagnose

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestSeenAsHostWords guards what a PORT's public address is shown as
// (seenAsHost), now read from what the open sessions' commands and data
// connections reported instead of walking them: a private client's
// PORT naming an address the capture shows as a host is a bounce, and
// says which host. Each answer of the walk it replaced: the passive
// address another session's server announced (FXP), an end of another
// session's data connection, done or still in progress, and the client
// of another session.
func TestSeenAsHostWords(t *testing.T) {
	const srvA, srvB = "93.184.216.34:21", "151.101.1.69:21"
	passiveConn := func(w *wire, done bool) {
		w.cmd("PASV")
		w.reply(227, "Entering Passive Mode (10,0,0,5,156,64).")
		w.cmd("LIST")
		a, b := ap("192.168.1.10:40001"), ap("93.184.216.99:40000")
		if done {
			w.helloConn(a, b, []byte("x"), []byte("y"))
			w.reply(150, "Here comes the directory listing.")
			w.reply(226, "Directory send OK.")
			return
		}
		w.seg(a, b, decode.FlagSYN, 1000, nil)
		w.seg(b, a, decode.FlagSYN|decode.FlagACK, 5000, nil)
		w.seg(a, b, decode.FlagACK, 1001, nil)
		w.reply(150, "Here comes the directory listing.")
	}
	for _, tc := range []struct {
		name, cli, target, want string
		first                   func(w *wire)
	}{
		// (Another port than the 227's: its own endpoint, while it
		// waits, is an FXP transfer's, fxp-transfer, not a bounce.)
		{"the passive address another session's server announced", "192.168.1.10:53000", "93.184.216.40:40001",
			"which this capture shows as the passive-mode address the server of session 1 announced", func(w *wire) {
				w.cmd("PASV")
				w.reply(227, "Entering Passive Mode (93,184,216,40,156,64).")
			}},
		{"an end of another session's data connection", "192.168.1.10:53000", "93.184.216.99:40000",
			"which this capture shows as an end of data connection #1 (session 1)", func(w *wire) { passiveConn(w, true) }},
		{"an end of a data connection in progress", "192.168.1.10:53000", "93.184.216.99:40000",
			"which this capture shows as an end of data connection #1 (session 1)", func(w *wire) { passiveConn(w, false) }},
		{"the client of another session", "81.2.69.142:53000", "81.2.69.142:40000",
			"which this capture shows as the client of session 1", func(*wire) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runExt(t, tc.cli, srvA, func(w *wire) {
				tc.first(w)
				extSession(w, "192.168.1.10:53001", srvB)
				extTransfer(w, tc.target, 425)
			})
			f := r.c.find(CodeFTPBounce)
			if f == nil || !strings.Contains(f.Message, tc.want) {
				dumpFindings(t, r.c)
				t.Errorf("no ftp-bounce saying %q", tc.want)
			}
		})
	}
}

// TestSeenAsHostWhateverTheTrackerKeeps guards the look for a PORT's
// address among what the client's other sessions showed against what
// the tracker keeps of them: with RecentOnly (every output but the text
// transcript) a session keeps its latest data connections only, and
// the walk of them missed a passive address its server had announced
// earlier, so the JSON output called the PORT the client's NAT's where
// the text output called it a bounce.
func TestSeenAsHostWhateverTheTrackerKeeps(t *testing.T) {
	for _, recent := range []bool{false, true} {
		t.Run(fmt.Sprintf("RecentOnly=%v", recent), func(t *testing.T) {
			w := &wire{t: t, c: &collect{}, cli: ap("192.168.1.10:53000"), srv: ap("93.184.216.34:21"), now: t0}
			w.d = New(policy.Policy{}, nil, w.c)
			w.trk = track.New(w.d, track.Options{RecentOnly: recent})
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
			w.reply(220, vsftpdGreeting)
			w.cmd("USER alice")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS secret")
			w.reply(230, "Login successful.")
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (93,184,216,40,156,64).")
			for range 40 {
				w.cmd("PASV")
				w.reply(227, "Entering Passive Mode (93,184,216,34,156,65).")
			}
			extSession(w, "192.168.1.10:53001", "151.101.1.69:21")
			extTransfer(w, "93.184.216.40:40000", 425)
			w.end()
			const want = "which this capture shows as the passive-mode address the server of session 1 announced"
			if f := w.c.find(CodeFTPBounce); f == nil || !strings.Contains(f.Message, want) {
				dumpFindings(t, w.c)
				t.Errorf("no ftp-bounce saying %q", want)
			}
		})
	}
}
