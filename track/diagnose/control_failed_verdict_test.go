package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/ftpsniff/ftpsniff/decode"
	"github.com/ftpsniff/ftpsniff/track/policy"
)

// TestVerdictNamesControlFailureBeforeAnyData guards the verdict of a
// server whose every session failed on its control connection after it
// opened, before any data connection could be announced: GNU inetutils
// ftpd's greeting 5 s late, after the client had given up
// (pcaps/real/inetutils-ftpd-greeting-late.pcap), and BSD ftpd-ssl
// refusing the TLS handshake after AUTH (session 2 of
// pcaps/real/ftpd-ssl-handshake-alert.pcap, frames 27-39, alone). The
// verdict read "no data connections were announced", which tells the
// admin reading only the summary nothing of why.
func TestVerdictNamesControlFailureBeforeAnyData(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		from       int // the first frame kept
		want       []string
	}{
		{"greeting late", "../../pcaps/real/inetutils-ftpd-greeting-late.pcap", 1,
			[]string{"no session got as far as a data connection", "greeting came so late that the client had given up", "see greeting-late", "reverse DNS"}},
		{"TLS handshake refused", "../../pcaps/real/ftpd-ssl-handshake-alert.pcap", 27,
			[]string{"no session got as far as a data connection", "refused the control channel's TLS handshake", "no login was tried", "see control-tls-failed", "nothing to change in the firewall"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if tc.from > 1 {
				var before []int
				for n := 1; n < tc.from; n++ {
					before = append(before, n)
				}
				path = withoutFrames(t, tc.path, before...)
			}
			rec, diag := run(t, path, policy.Policy{})
			sums := diag.Summaries()
			if len(sums) != 1 {
				t.Fatalf("%d servers, want 1\n%s", len(sums), render(rec, diag))
			}
			v := sums[0].Verdict
			for _, w := range tc.want {
				if !strings.Contains(v, w) {
					t.Errorf("verdict lacks %q: %s", w, v)
				}
			}
			if strings.Contains(v, "no data connections were announced") || strings.Contains(v, "other errors") || strings.Contains(v, "other problems") {
				t.Errorf("verdict: %s", v)
			}
		})
	}
}

// TestVerdictNamesGreetingLateBesideData: a session lost to a late
// greeting beside another whose data connection worked is named after
// the verdict of what the data connections did, as the other lost
// sessions' warnings are (otherProblems); before, greeting-late, a
// warning, went unsaid.
func TestVerdictNamesGreetingLateBesideData(t *testing.T) {
	w := greetingWire(t, 5*time.Second, 0)
	// A second session from another port of the same client: logged in,
	// a passive listing that worked.
	w.cli = ap("10.99.1.2:60816")
	w.ctl(decode.ControlEvent{Kind: decode.ControlOpen})
	w.reply(220, "localhost FTP server (GNU inetutils 2.4) ready.")
	w.cmd("USER anonymous")
	w.reply(331, "Guest login ok, type your name as password.")
	w.cmd("PASS guest")
	w.reply(230, "Guest login ok, access restrictions apply.")
	w.cmd("PASV")
	w.reply(227, "Entering Passive Mode (10,99,2,2,156,64).")
	w.cmd("LIST")
	w.reply(150, "Opening ASCII mode data connection for '/bin/ls'.")
	w.helloConn(ap("10.99.1.2:41000"), ap("10.99.2.2:40000"), nil, []byte("total 0\r\n"))
	w.reply(226, "Transfer complete.")
	w.cmd("QUIT")
	w.reply(221, "Goodbye.")
	w.end()
	sums := w.d.Summaries()
	if len(sums) != 1 {
		t.Fatalf("%d servers, want 1", len(sums))
	}
	if v := sums[0].Verdict; !strings.Contains(v, "other problems: greeting-late (1 finding)") {
		dumpFindings(t, w.c)
		t.Errorf("verdict: %s", v)
	}
}
