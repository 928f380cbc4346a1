package diagnose

import "testing"

// TestCleanEvidenceText guards what a finding quotes from the wire: one
// line, nothing a terminal acts on, a multi-line reply's lines read as
// one sentence (not joined by a '.' that reads as part of the text).
func TestCleanEvidenceText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Entering Passive Mode (10,99,2,2,156,66).", "Entering Passive Mode (10,99,2,2,156,66)."},
		{"Entering Passive Mode\n(10,99,2,2,156,66)", "Entering Passive Mode (10,99,2,2,156,66)"},
		{"bad\x1b[31m\x00\r", "bad.[31m.."},
		{"\xff\xfeok\u202e", "..ok."},
	} {
		if got := clean(tc.in); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
