package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// helperCodes are the finding codes of --helper linux (helper.go).
var helperCodes = []string{CodeHelperOpens, CodeHelperBlocks, CodeHelperRewrite, CodeHelperIgnored, CodeHelperDrop, CodeHelperEncrypt}

// TestDocsListEveryFindingCode keeps the lists of finding codes in
// docs/json.md (the finding record's `code`) and README.md (the findings
// docs/troubleshooting.md explains) equal to diagnose.Codes and the
// helper's codes, and troubleshooting.md with a heading for each. Guards
// json.md without data-answer-missing and data-foreign-source, and a
// README without eight codes (active-refused, pmtu-blackhole, the
// control-* of connections that never opened, data-tls-required,
// data-cleartext).
func TestDocsListEveryFindingCode(t *testing.T) {
	want := slices.Concat(diagnose.Codes, helperCodes)
	slices.Sort(want)
	read := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	spans := regexp.MustCompile("`([a-z0-9-]+)`")
	codesIn := func(text string) []string {
		var out []string
		for _, m := range spans.FindAllStringSubmatch(text, -1) {
			if !slices.Contains(out, m[1]) {
				out = append(out, m[1])
			}
		}
		slices.Sort(out)
		return out
	}
	compare := func(where string, got []string) {
		t.Helper()
		for _, c := range want {
			if !slices.Contains(got, c) {
				t.Errorf("%s does not list %q", where, c)
			}
		}
		for _, c := range got {
			if !slices.Contains(want, c) {
				t.Errorf("%s lists %q, which is no finding code", where, c)
			}
		}
	}

	var row string
	for line := range strings.SplitSeq(read("../../docs/json.md"), "\n") {
		if rest, ok := strings.CutPrefix(line, "| `code` | stable code:"); ok {
			row = rest
		}
	}
	if row == "" {
		t.Fatal("docs/json.md: no \"| `code` | stable code:\" row")
	}
	compare("docs/json.md's finding code row", codesIn(row))

	readme := read("../../README.md")
	_, para, ok := strings.Cut(readme, "\nThe findings (")
	if !ok {
		t.Fatal("README.md: no paragraph beginning \"The findings (\"")
	}
	para, _, _ = strings.Cut(para, "\n\n")
	para, _, _ = strings.Cut(para, "`--fail-on") // the flag's values are not codes
	compare("README.md's findings paragraph", codesIn(para))

	tr := read("../../docs/troubleshooting.md")
	for _, c := range diagnose.Codes {
		if !strings.Contains(tr, "\n### "+c+" (") {
			t.Errorf("docs/troubleshooting.md has no heading \"### %s (…)\"", c)
		}
	}
	for _, c := range helperCodes {
		if !strings.Contains(tr, "`"+c+"`") {
			t.Errorf("docs/troubleshooting.md does not name %q", c)
		}
	}
}
