package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// heldFirstSession writes two sessions of one server with the same
// clear-text login: session 1 logs in first (PASS in packet 10), then
// ends by FIN without QUIT (a 221 to QUIT holds nothing) with its PASV
// 227 unused, so its record waits past its close (track/afterend.go); session 2 logs in a second later (PASS in
// packet 38) and ends with nothing to wait for, so its record comes
// first.
func heldFirstSession(t *testing.T) string {
	c, path := newWireCap(t)
	s1 := newWireSessionN(c, 0)
	s1.ctl.closeFromB()
	c.wait(time.Second)
	s2 := openWireSessionN(c, 1)
	s2.reply("220 (vsFTPd 3.0.5)")
	s2.cmd("USER alice")
	s2.reply("331 Please specify the password.")
	s2.cmd("PASS secret")
	s2.reply("230 Login successful.")
	s2.quit()
	return path
}

// TestSummaryFirstEvidenceEarliest: a server block's "first evidence"
// of a repeated finding is its earliest occurrence by packet time, not
// the one of the first session record delivered: with --workers 1 and 2,
// in the summary view and after the transcripts. Before, a session whose
// record waited past its close (session 1 here) lost its place to a
// later one (session 2's PASS in packet 38 was "first").
func TestSummaryFirstEvidenceEarliest(t *testing.T) {
	path := heldFirstSession(t)
	evidence := regexp.MustCompile(`info cleartext-login in 2 sessions[^\n]*\n(?:    [^\n]*\n)*?    first evidence: [^\n]*\(packet (\d+)\)`)
	for _, workers := range []string{"1", "2"} {
		for _, view := range [][]string{{"--summary"}, {"--full"}} {
			args := append(append([]string{"--workers", workers}, view...), path)
			out, errs, code := readText(t, args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errs)
			}
			if view[0] == "--full" {
				// The shape holds: session 2's transcript comes first,
				// and shows the finding in full.
				if i, j := strings.Index(out, "session 2 10.0.0.3"), strings.Index(out, "session 1 10.0.0.2"); i < 0 || j < i {
					t.Fatalf("%v: session 2's record does not come before session 1's:\n%s", args, out)
				}
				if !strings.Contains(out, "cleartext-login: as in session 2 (counted under server 10.0.0.1:21 below)") {
					t.Errorf("%v: session 1's transcript does not point to session 2's, written first:\n%s", args, out)
				}
			}
			m := evidence.FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("%v: no server block entry for cleartext-login:\n%s", args, out)
			}
			if m[1] != "10" {
				t.Errorf("%v: first evidence at packet %s, want 10 (session 1's PASS):\n%s", args, m[1], out)
			}
		}
	}
}
