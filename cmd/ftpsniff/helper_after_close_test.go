package main

import (
	"strings"
	"testing"
	"time"
)

// TestHelperExpectationOutlivesControlClose: a client connected to its
// 227's endpoint after both control FINs; on a real Linux router with the
// FTP helper the SYN 3 s after was RELATED (the conntrack entry, and its
// expectation, stay through TIME_WAIT, 120 s) and carried its bytes. The
// data connection is the session's (before, nothing linked it: the
// capture read not-attempted), and --helper linux says the helper opens
// it, not that it would block it. (Past TIME_WAIT the tracker links no
// connection to the closed session: track's afterEndWait.)
func TestHelperExpectationOutlivesControlClose(t *testing.T) {
	for _, tc := range []struct {
		name     string
		after    time.Duration
		wantCode string
		wantText string
	}{
		{"3 s after the FINs", 3 * time.Second, CodeHelperOpens, ""},
		{"90 s after the FINs", 90 * time.Second, CodeHelperOpens, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, path := newWireCap(t)
			s := newWireSession(c)
			s.ctl.closeFromB() // no QUIT, as in the lab (after a 221 nothing waits)
			c.wait(tc.after)
			s.data.handshake()
			s.data.segments(wireBody(100), nil)
			s.data.closeFromB()
			recs := runJSONRecordsOK(t, "read", "--json", "--helper", "linux", path)
			var outcomes, codes []string
			var text string
			for _, rec := range jsonRecsOf(recs, "data") {
				o, _ := rec["outcome"].(string)
				outcomes = append(outcomes, o)
			}
			for _, rec := range jsonRecsOf(recs, "finding") {
				code, _ := rec["code"].(string)
				if strings.HasPrefix(code, "helper-") {
					codes = append(codes, code)
					if code == tc.wantCode {
						text, _ = rec["message"].(string)
					}
				}
			}
			if len(outcomes) != 1 || outcomes[0] != "transferred" {
				t.Errorf("data outcomes %q, want one transferred", outcomes)
			}
			if len(codes) != 1 || codes[0] != tc.wantCode {
				t.Errorf("helper findings %q, want %s", codes, tc.wantCode)
			}
			if !strings.Contains(text, tc.wantText) {
				t.Errorf("%s says %q, want %q", tc.wantCode, text, tc.wantText)
			}
		})
	}
}
