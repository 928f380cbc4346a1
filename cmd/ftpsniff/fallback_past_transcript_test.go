package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestFallbackJudgedAlikePastTheTranscript guards the reading of passive
// announcements a client never used because it asked for another, in a
// session past the transcript's 10,000 commands: the text output keeps
// only the first commands, and judged each later announcement "never
// connected ... gave up" (a warning) where --json, which keeps the latest
// commands, read the fallback (info). Both read it from the tracker now.
func TestFallbackJudgedAlikePastTheTranscript(t *testing.T) {
	c, path := newWireCap(t)
	s := newWireSession(c) // its PASV announces 40000, never used
	const n = 10050
	for i := 1; i <= n; i++ {
		port := 40000 + i%20000
		s.cmd("PASV")
		s.reply(fmt.Sprintf("227 Entering Passive Mode (10,0,0,1,%d,%d).", port/256, port%256))
	}
	s.quit()

	footer := func(args ...string) string {
		var out, errb bytes.Buffer
		if code := run(append(args, path), &out, &errb); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errb.String())
		}
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.Contains(l, "findings:") {
				return strings.TrimSpace(l)
			}
		}
		t.Fatalf("%q: no findings line", args)
		return ""
	}
	full := footer("read", "--full", "--color", "never")
	sum := footer("read", "--summary", "--color", "never")
	if full != sum {
		t.Errorf("--full %q, --summary %q", full, sum)
	}
	var js, errb bytes.Buffer
	if code := run([]string{"read", "--json", path}, &js, &errb); code != 0 {
		t.Fatalf("json: exit %d: %s", code, errb.String())
	}
	warnings := strings.Count(js.String(), `"code":"data-not-attempted","severity":"warning"`)
	if want := fmt.Sprintf("findings: 0 errors, %d warning", warnings); !strings.HasPrefix(full, want) {
		t.Errorf("text %q, json has %d data-not-attempted warnings", full, warnings)
	}
	if warnings > 1 {
		t.Errorf("%d fallbacks read as given up in json", warnings)
	}
}
