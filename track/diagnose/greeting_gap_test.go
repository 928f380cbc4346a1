package diagnose

import (
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
)

// TestGreetingRefusalNeedsAWholeCapture: a 530 the server sent first is
// read as the greeting refusing the session only when the capture lost
// nothing of the session: after a gap, or with the reply hidden (decode
// hides a 530 when the server had taken client bytes the capture lacks),
// it may answer a login the capture lost, and session-refused would send
// the admin to an IP restriction that turned nobody away.
func TestGreetingRefusalNeedsAWholeCapture(t *testing.T) {
	for _, tc := range []struct {
		name   string
		desync bool
		secret bool
		want   bool
	}{
		{"whole capture", false, false, true},
		{"after a gap", true, false, false},
		{"reply hidden", false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sess("198.51.100.20:60400", "203.0.113.10:21")
			s.Desync = tc.desync
			s.Greeting = []track.Reply{{Code: 530, Text: "Connection refused, unknown IP address.", Secret: tc.secret}}
			if got := greetingRefusal(s) != nil; got != tc.want {
				t.Errorf("read as a greeting refusal: %v, want %v", got, tc.want)
			}
		})
	}
}
