package diagnose

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestFindingsSameWithRecentOnly guards the diagnosis against the output
// it runs under: JSON's tracker (RecentOnly) keeps few commands and kept
// no events, so rules that looked back at them found less in JSON than in
// text: a 421 after the first command (session-refused), a 227 cut by a
// gap before a 425 (its advice and the verdict), a 230 paired with the
// USER after a gap took the 331 (the login called password-less). Each
// scenario must give the same finding codes, severities and verdicts
// either way.
func TestFindingsSameWithRecentOnly(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script func(w *wire)
	}{
		{"421 after the first command", func(w *wire) {
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER bob")
			w.reply(421, "There are too many connections from your internet address.")
		}},
		{"227 cut before a 425", func(w *wire) {
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER anonymous")
			w.reply(331, "Please specify the password.")
			w.cmd("PASS x")
			w.reply(230, "Login successful.")
			w.cmd("PASV")
			w.reply(227, "Entering Passive Mode (10,")
			w.cutGap(30)
			w.cmd("RETR f")
			w.reply(425, "Failed to establish connection.")
		}},
		{"331 lost in a gap", func(w *wire) {
			w.reply(220, "(vsFTPd 3.0.3)")
			w.cmd("USER bob")
			w.gap(false, 34)
			w.cmd("PASS secret")
			w.reply(230, "Login successful.")
		}},
	} {
		var got [2]string
		for i, recent := range []bool{false, true} {
			w := &wire{t: t, c: &collect{}, cli: ap("198.51.100.7:50000"), srv: ap("192.0.2.10:21"), now: t0}
			w.d = New(policy.Policy{}, nil, w.c)
			w.trk = track.New(w.d, track.Options{RecentOnly: recent})
			w.ctl(decode.ControlEvent{Kind: decode.ControlOpen, ClientSYN: true})
			tc.script(w)
			w.ctl(decode.ControlEvent{Kind: decode.ControlClose, Closed: decode.CloseFIN})
			w.trk.Finish()
			var codes []string
			for _, f := range w.c.fs {
				codes = append(codes, fmt.Sprintf("%s:%s", f.Severity, f.Code))
				if f.Code == CodeCleartextLogin && strings.Contains(f.Message, "without asking for a password") {
					codes = append(codes, "claims no password")
				}
			}
			slices.Sort(codes)
			for _, s := range w.d.Summaries() {
				codes = append(codes, s.Verdict)
			}
			got[i] = strings.Join(codes, " | ")
		}
		if got[0] != got[1] {
			t.Errorf("%s:\n transcript: %s\n RecentOnly: %s", tc.name, got[0], got[1])
		}
	}
}
