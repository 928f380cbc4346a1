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
// ending in an ellipsis and carrying the whole text, escaped, as its
// tooltip. Regression: wrap kept the word whole and it ran past the
// diagram's right edge.
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
				if !strings.Contains(m[2], strings.Repeat("U", 60000)+"&lt;&amp;&gt;") {
					t.Error("the tooltip does not hold the whole evidence, escaped")
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
