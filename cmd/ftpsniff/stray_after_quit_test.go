package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestDataAfterQuitShown guards ae-nextnoctl.pcap's shape end to end: a
// PASV the client never used, QUIT and 221, the control connection
// closed, and 5 s later the same client connects to the endpoint and
// takes 800 bytes (another session's, whose control connection the
// capture does not show). Before, the announcement read "no SYN to it"
// and "no connection to it", and the connection showed nowhere, not even
// counted. The data line and the finding now say none came while the
// session was open and one came 5 s after it ended, the summary notes it,
// and JSON counts it (limits.data_after_quit); no rule, no failure.
func TestDataAfterQuitShown(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c)
	s.quit()
	c.wait(5 * time.Second)
	s.data.handshake()
	s.data.fromB(wireBody(800))
	s.data.closeFromB()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"read", "--color", "never", path}, []string{
			"not-attempted: no SYN to it while the session was open; one from its client 5.000s after the session ended, not followed",
			"no connection to it while the",
			"The same client did connect to it 5.000s after the session had ended",
			"note: 1 SYN from a session's client",
			"findings: 0 errors, 0 warnings,"}},
		{[]string{"read", "--json", path}, []string{`"data_after_quit":1`, `"outcome":"not-attempted"`}},
	} {
		var out, stderr bytes.Buffer
		run(tc.args, &out, &stderr)
		text := strings.Join(strings.Fields(out.String()), " ") // (the text wraps)
		for _, w := range tc.want {
			if !strings.Contains(text, strings.Join(strings.Fields(w), " ")) {
				t.Errorf("%v: no %q in:\n%s%s", tc.args[1:len(tc.args)-1], w, out.String(), stderr.String())
			}
		}
		for _, no := range []string{"transferred", "nft ", "iptables"} {
			if strings.Contains(text, no) {
				t.Errorf("%v: %q in:\n%s", tc.args[1:len(tc.args)-1], no, out.String())
			}
		}
	}
}
