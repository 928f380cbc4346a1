package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// zeekCaptures are the shipped captures the zeek tests walk.
func zeekCaptures(t *testing.T) []string {
	t.Helper()
	var all []string
	for _, pat := range []string{"../../pcaps/real/*.pcap", "../../pcaps/real/*.pcap.gz", "../../pcaps/synthetic/*.pcap"} {
		m, _ := filepath.Glob(pat)
		all = append(all, m...)
	}
	if len(all) < 50 {
		t.Fatalf("only %d captures under pcaps/real and pcaps/synthetic", len(all))
	}
	return all
}

// jsonLines decodes every line of out.
func jsonLines(t *testing.T, name string, out []byte) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("%s: %v: %s", name, err, line)
		}
		recs = append(recs, r)
	}
	return recs
}

// TestZeekFindingsAllPlaced: every finding of --json (about a session) is
// on a line of --format zeek, on the line of its command or data
// connection when it has one, for every shipped capture; none is dropped
// because the diagnosis reported it after its record (server-data-error
// after the data record, ftp-bounce at the session's end) or because its
// data connection has no command line (an encrypted control channel).
func TestZeekFindingsAllPlaced(t *testing.T) {
	for _, capFile := range zeekCaptures(t) {
		name := filepath.Base(capFile)
		var js, zs, stderr bytes.Buffer
		// A damaged capture exits 2 after its records: compare them all
		// the same.
		jcode := run([]string{"read", "--json", capFile}, &js, &stderr)
		zcode := run([]string{"read", "--format", "zeek", capFile}, &zs, &stderr)
		if jcode != zcode || !strings.Contains(stderr.String(), `"type":"summary"`) {
			t.Fatalf("%s: exit %d with --json, %d with zeek: %s", name, jcode, zcode, stderr.String())
		}
		// want: per session, the finding codes; and per (session, data)
		// and (session, command index), where they belong.
		want, wantOnData := map[string]int{}, map[string]int{}
		for _, r := range jsonLines(t, name, js.Bytes()) {
			if r["type"] == "finding" && r["session"] != float64(0) {
				want[fmt.Sprintf("%v %v", r["session"], r["code"])]++
				if d, ok := r["data"]; ok {
					wantOnData[fmt.Sprintf("%v %v %v", r["session"], d, r["code"])]++
				}
			}
		}
		got, gotOnData, dataLines := map[string]int{}, map[string]int{}, map[string]bool{}
		for _, l := range jsonLines(t, name, zs.Bytes()) {
			fs, _ := l["ftpsniff.findings"].([]any)
			d, hasData := l["ftpsniff.data"]
			if hasData {
				dataLines[fmt.Sprintf("%v %v", l["ftpsniff.session"], d)] = true
			}
			for _, f := range fs {
				got[fmt.Sprintf("%v %v", l["ftpsniff.session"], f)]++
				if hasData {
					gotOnData[fmt.Sprintf("%v %v %v", l["ftpsniff.session"], d, f)]++
				}
			}
		}
		var diffs []string
		// A data connection's finding is on a line of that connection
		// when it has one.
		for k, n := range wantOnData {
			f := strings.Fields(k)
			if dataLines[f[0]+" "+f[1]] && gotOnData[k] < n {
				diffs = append(diffs, fmt.Sprintf("session/data/code %s: json %d, on its zeek lines %d", k, n, gotOnData[k]))
			}
		}
		for k, n := range want {
			if got[k] != n {
				diffs = append(diffs, fmt.Sprintf("session/code %s: json %d, zeek %d", k, n, got[k]))
			}
		}
		for k, n := range got {
			if want[k] == 0 {
				diffs = append(diffs, fmt.Sprintf("session/code %s: json 0, zeek %d", k, n))
			}
		}
		sort.Strings(diffs)
		if len(diffs) > 0 {
			t.Errorf("%s:\n  %s", name, strings.Join(diffs, "\n  "))
		}
	}
}
