package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestServerBlockRefusedByBackendOpensNoPort guards the server block's
// data-refused entry beside the "more than one host answers" verdict: it
// repeated the first finding's port-opening rules (written before the
// interleaving showed), and the findings made after it, whose fix says
// the backends', came as a second entry. One entry, the verdict's fix;
// the transcripts after the first backends' fix point to it.
func TestServerBlockRefusedByBackendOpensNoPort(t *testing.T) {
	for _, tc := range []struct {
		path, entry string
		transcript  []string // lines the transcripts hold
	}{
		{"../../track/diagnose/testdata/lb-split-roundrobin.pcap", "error data-refused in 3 sessions from 1 client (sessions 2, 4, 6), 6 times:",
			[]string{"fix:      More than one host answers at 203.0.113.20 (at it, port 40007 was", "error data-refused: as in session 4 (counted under server 203.0.113.20:21 below)"}},
		{"../../pcaps/real/lb-split-client.pcap", "error data-refused in 2 sessions from 1 client (sessions 1, 2), 3 times:", nil},
	} {
		for _, summary := range []bool{true, false} {
			args := []string{"read", "--color", "never", tc.path}
			if summary {
				args = []string{"read", "--color", "never", "--summary", tc.path}
			}
			var out, stderr bytes.Buffer
			run(args, &out, &stderr)
			text := out.String()
			_, block, ok := strings.Cut("\n"+text, "\nserver ")
			if !ok {
				t.Fatalf("%s: no server block:\n%s", tc.path, text)
			}
			block, _, _ = strings.Cut(block, "\nsessions that failed")
			block, _, _ = strings.Cut(block, "\nsummary:")
			if n := strings.Count(block, "\n  error data-refused"); n != 1 || !strings.Contains(block, tc.entry) {
				t.Errorf("%s (summary %v): %d data-refused entries, want one %q:\n%s", tc.path, summary, n, tc.entry, block)
			}
			_, fix, _ := strings.Cut(block[max(0, strings.Index(block, "error data-refused")):], "fix:")
			// The fix's lines: its continuations are indented deeper
			// than the next entry's head.
			lines := strings.Split(fix, "\n")
			end := 1
			for end < len(lines) && strings.HasPrefix(lines[end], "      ") {
				end++
			}
			fix = strings.Join(strings.Fields(strings.Join(lines[:end], " ")), " ")
			if !strings.HasPrefix(fix, "More than one host answers at") || !strings.Contains(fix, "opening ports changes nothing") ||
				strings.Contains(fix, "accept") || strings.Contains(fix, "ACCEPT") || strings.Contains(fix, "helper") {
				t.Errorf("%s (summary %v): entry's fix %q", tc.path, summary, fix)
			}
			if !summary {
				for _, want := range tc.transcript {
					if !strings.Contains(text, want) {
						t.Errorf("%s: transcripts lack %q:\n%s", tc.path, want, text)
					}
				}
			}
		}
	}
}
