package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestAfterResetReplyJSON guards the JSON of a server going on after a
// box's reset in its name at a DELE (pcaps/synthetic): one session, the
// DELE answered by its 250 marked after_reset and unacknowledged, the
// resends counted once on it, and the control-reset finding in that
// session. The 250 was a session of its own (2 sessions), the DELE's
// status no-reply.
func TestAfterResetReplyJSON(t *testing.T) {
	for _, tc := range []struct {
		file   string
		resent float64
	}{
		{"ctlrst-fw-rst-server-late-resent.pcap", 6},
		{"ctlrst-fw-rst-server-replies-once.pcap", 0},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			run([]string{"read", "--json", "../../pcaps/synthetic/" + tc.file}, &stdout, &stderr)
			sessions, resets := 0, 0
			var dele map[string]any
			for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("%v: %s", err, line)
				}
				switch {
				case rec["type"] == "session":
					sessions++
				case rec["type"] == "command" && rec["command"] == "DELE":
					dele = rec
				case rec["type"] == "finding" && rec["code"] == "control-reset" && rec["session"] == float64(1):
					resets++
				}
			}
			if sessions != 1 || resets != 1 || dele == nil {
				t.Fatalf("%d sessions, %d control-reset in session 1, DELE %v; want 1, 1, a DELE\n%s", sessions, resets, dele, stdout.String())
			}
			replies, _ := dele["replies"].([]any)
			if dele["status"] != "answered" || len(replies) != 1 {
				t.Fatalf("DELE %v, want answered by one reply", dele)
			}
			r := replies[0].(map[string]any)
			resent, _ := r["resent"].(float64)
			if r["code"] != float64(250) || r["after_reset"] != true || r["unacknowledged"] != true || resent != tc.resent {
				t.Errorf("reply %v; want 250, after_reset, unacknowledged, resent %v", r, tc.resent)
			}
		})
	}
}
