package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestMultilinePassiveReplyJudgedByWhatTheClientUsed guards a multi-line
// 227/229 whose first line names 10.0.0.1:40000 and whose last line
// 10.0.0.1:51210 (pcaps/hostile/attack/multiline.py): curl takes the
// last line's, Python ftplib the first. ftpsniff took the first line's
// alone: "= 10.0.0.1:40000", not-attempted, an error port-outside-range
// with a change for 40000, and the client's working transfer to 51210
// appeared nowhere, not even in JSON. Now both wait for a connection, the
// reply says it is ambiguous (text and JSON), the one the client used is
// the data connection, and no finding or rule comes of the other; with no
// connection at all, the findings are hedged and propose no change.
func TestMultilinePassiveReplyJudgedByWhatTheClientUsed(t *testing.T) {
	const dir = "../../pcaps/hostile/attack/"
	for _, name := range []string{"r227_multiline_last_used.pcap", "r229_multiline_last_used.pcap"} {
		var stdout, stderr bytes.Buffer
		run([]string{"read", "--color", "never", "--full", "--pasv-range", "51000-52000", dir + name}, &stdout, &stderr)
		out := strings.Join(strings.Fields(stdout.String()), " ")
		for _, w := range []string{"= 10.0.0.1:51210 [ambiguous: the first line names 10.0.0.1:40000, the last 10.0.0.1:51210", "the client used the last]",
			"data #1", "10.0.0.1:51210 transferred: 100 bytes", "verdict: the data connection worked"} {
			if !strings.Contains(out, w) {
				t.Errorf("%s: %q missing:\n%s", name, w, stdout.String())
			}
		}
		for _, w := range []string{"port-outside-range", "not-attempted", "40000-"} {
			if strings.Contains(out, w) {
				t.Errorf("%s: %q shown:\n%s", name, w, stdout.String())
			}
		}
		var first, last, announced string
		for _, r := range runJSONRecords(t, []string{"read", "--json", "--pasv-range", "51000-52000", dir + name}) {
			switch r["type"] {
			case "command":
				if v, ok := r["endpoint_first_line"].(string); ok {
					first = v
					last, _ = r["endpoint_last_line"].(string)
				}
			case "data":
				announced, _ = r["announced"].(string)
			case "finding":
				if r["code"] != "cleartext-login" {
					t.Errorf("%s: JSON finding %v", name, r["code"])
				}
			}
		}
		if first != "10.0.0.1:40000" || last != "10.0.0.1:51210" || announced != "10.0.0.1:51210" {
			t.Errorf("%s: JSON endpoint_first_line %q, endpoint_last_line %q, data announced %q", name, first, last, announced)
		}
	}
	var stdout, stderr bytes.Buffer
	run([]string{"read", "--color", "never", "--full", "--pasv-range", "51000-52000", dir + "r227_multiline_none.pcap"}, &stdout, &stderr)
	out := strings.Join(strings.Fields(stdout.String()), " ")
	for _, w := range []string{"no data connection shows which the client took]", "warning port-outside-range: This multi-line reply names two endpoints", "Change nothing on this alone"} {
		if !strings.Contains(out, w) {
			t.Errorf("none used: %q missing:\n%s", w, stdout.String())
		}
	}
	for _, w := range []string{"error port-outside-range", "change:", "pasv_min_port"} {
		if strings.Contains(out, w) {
			t.Errorf("none used: %q shown:\n%s", w, stdout.String())
		}
	}
}
