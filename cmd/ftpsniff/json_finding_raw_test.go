package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/ftpsniff/ftpsniff/track/diagnose"
)

// TestFindingRawSiblings: a finding's message, evidence and advice carry
// a _raw sibling exactly when they are not valid UTF-8, after the other
// fields, whatever mix of ASCII, valid UTF-8 and invalid bytes they hold
// (the writer takes the ASCII answer of the string it wrote instead of
// checking each string again).
func TestFindingRawSiblings(t *testing.T) {
	texts := []string{"plain words", "caf\u00e9 cr\u00e8me", "bad \xff byte", "\xc3", ""}
	for _, msg := range texts[:4] {
		for _, ev := range texts {
			for _, adv := range texts[:4] {
				var buf bytes.Buffer
				bw := bufio.NewWriter(&buf)
				o := newJSONOutput(bw, false)
				o.Finding(&diagnose.Finding{Code: "x", Message: msg, Evidence: ev, Advice: adv})
				if err := o.Flush(); err != nil {
					t.Fatal(err)
				}
				var rec map[string]any
				if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
					t.Fatalf("%s: %v", buf.Bytes(), err)
				}
				for _, f := range []struct{ k, v string }{{"message", msg}, {"evidence", ev}, {"advice", adv}} {
					raw, has := rec[f.k+"_raw"]
					want := !utf8.ValidString(f.v)
					if has != want {
						t.Errorf("%q %q %q: %s_raw present %v, want %v: %s", msg, ev, adv, f.k, has, want, buf.Bytes())
						continue
					}
					if has && raw != base64.StdEncoding.EncodeToString([]byte(f.v)) {
						t.Errorf("%s_raw = %v, want the bytes of %q", f.k, raw, f.v)
					}
				}
				// The siblings come last: after the fields written for
				// every finding.
				if i, j := bytes.Index(buf.Bytes(), []byte(`_raw":`)), bytes.Index(buf.Bytes(), []byte(`"advice":`)); i >= 0 && i < j {
					t.Errorf("a raw sibling before advice: %s", buf.Bytes())
				}
			}
		}
	}
}
