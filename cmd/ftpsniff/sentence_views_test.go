package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuotedWireTextEscapedOnceInSummaryAndReport: a finding's evidence
// quotes replies with %q, so a reply holding quotes reads `\"/\"` in it;
// the summary's collapsed findings and the HTML report (its findings,
// ladder notes, verdicts and rules) escaped those backslashes a second
// time, as the transcript did, printing `\\"/\\"`.
func TestQuotedWireTextEscapedOnceInSummaryAndReport(t *testing.T) {
	path := quoted425Capture(t)
	report := filepath.Join(t.TempDir(), "r.html")
	var out, errb bytes.Buffer
	if code := run([]string{"read", "--summary", "-v", "--color", "never", "--report", report, path}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	sum := strings.Join(strings.Fields(out.String()), " ")
	if strings.Contains(sum, `\\"`) || !strings.Contains(sum, `transfer of \"/\"`) {
		t.Errorf("the summary does not quote the 425 once:\n%s", out.String())
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(`\\&#34;`)) || !bytes.Contains(b, []byte(`transfer of \&#34;/\&#34;`)) {
		t.Errorf("the report does not quote the 425 once")
	}
}
