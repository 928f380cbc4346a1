package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// TestFindingEvidenceIsDisplayText holds what docs/json.md says of a
// finding's evidence: display text, every character printable (what is not
// shows as '.'), so never an evidence_raw; the wire bytes are in the
// command records. The hostile capture of pcaps/synthetic (control, bidi
// and invalid UTF-8 bytes in replies) is among those walked.
func TestFindingEvidenceIsDisplayText(t *testing.T) {
	findings := 0
	for _, capFile := range zeekCaptures(t) {
		var out, stderr bytes.Buffer
		run([]string{"read", "--json", capFile}, &out, &stderr)
		if bytes.Contains(out.Bytes(), []byte(`"evidence_raw"`)) {
			t.Errorf("%s: a finding with evidence_raw", filepath.Base(capFile))
		}
		for _, r := range jsonLines(t, capFile, out.Bytes()) {
			if r["type"] != "finding" {
				continue
			}
			findings++
			ev, _ := r["evidence"].(string)
			if i := strings.IndexFunc(ev, func(c rune) bool { return !unicode.IsPrint(c) && c != ' ' }); i >= 0 {
				t.Errorf("%s: %v evidence has %q at %d: %q", filepath.Base(capFile), r["code"], ev[i:i+1], i, ev)
			}
		}
	}
	if findings == 0 {
		t.Fatal("no findings in the shipped captures")
	}
}
