package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track"
	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestReportNoteBreaksLongWords: a finding quoting a 60,000-character
// word (a USER or banner with no space) is drawn in its ladder box in
// lines that fit the box, at most maxNoteBlockLines of them, the last
// ending in an ellipsis and carrying the text, escaped, as its tooltip,
// cut to maxTipBytes (the section says so). Regression: wrap kept the
// word whole and it ran past the diagram's right edge.
func TestReportNoteBreaksLongWords(t *testing.T) {
	long := strings.Repeat("U", 60000) + "<&>"
	r := newReportOutput(filepath.Join(t.TempDir(), "r.html"), 10, false, nil, nil)
	s, cs, d, ev, f := hostileSession()
	f.Evidence = "USER " + long
	f.Message = "short message " + strings.Repeat("M", 300)
	feed(r, s, cs, []*track.DataConn{d}, []*track.Event{ev}, []*diagnose.Finding{f})
	page := writeReport(t, r)
	checkWellFormed(t, page)
	lines := regexp.MustCompile(`<text class="(nm|ne|nf)"[^>]*>(?:<title>([^<]*)</title>)?([^<]*)</text>`).FindAllStringSubmatch(page, -1)
	if len(lines) == 0 {
		t.Fatal("no note lines drawn")
	}
	ne, titled := 0, false
	for _, m := range lines {
		text := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&#34;", `"`, "&#39;", "'").Replace(m[3])
		if n := columns(text); n > noteChars-4 {
			t.Errorf("a %s line of %d columns runs past the box (%d): %.60q…", m[1], n, noteChars-4, text)
		}
		if m[1] == "ne" {
			ne++
			if m[2] != "" {
				titled = true
				if !strings.HasPrefix(m[2], "USER "+strings.Repeat("U", 1000)) || !strings.HasSuffix(m[2], "…") || len(m[2]) > maxTipBytes {
					t.Errorf("the tooltip is not the evidence cut to %d bytes: %d bytes, %.40q…%q", maxTipBytes, len(m[2]), m[2], m[2][max(len(m[2])-10, 0):])
				}
				if !strings.HasSuffix(text, "…") {
					t.Errorf("the cut evidence does not end in an ellipsis: %q", text)
				}
			}
		}
	}
	if ne == 0 || ne > maxNoteBlockLines {
		t.Errorf("evidence drawn in %d lines, want 1 to %d", ne, maxNoteBlockLines)
	}
	if !titled {
		t.Error("the cut evidence has no tooltip")
	}
	if !strings.Contains(page, "Of this ladder's tooltips, 1 was cut short") {
		t.Error("the section does not say its tooltip was cut")
	}
}

// TestReportCSSWrapsLongWords: the page's table cells and paragraphs
// break a word too long for the page (a 60,000-character USER in the
// session's table), rather than widening the page.
func TestReportCSSWrapsLongWords(t *testing.T) {
	rule := regexp.MustCompile(`(?m)^([^{}]*)\{[^}]*overflow-wrap:anywhere`)
	covered := map[string]bool{}
	for _, m := range rule.FindAllStringSubmatch(reportCSS, -1) {
		for _, sel := range strings.Split(m[1], ",") {
			covered[strings.TrimSpace(sel)] = true
		}
	}
	for _, sel := range []string{"td", "p", "pre"} {
		if !covered[sel] {
			t.Errorf("no overflow-wrap:anywhere for %s (rules: %v)", sel, covered)
		}
	}
}
